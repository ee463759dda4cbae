/* edge_static.h - api-edge's built-in files (dashboard, /docs page, openapi.json), embedded at build time */
#ifndef EDGE_STATIC_H_INCLUDED
#define EDGE_STATIC_H_INCLUDED

/* The files live in services/api-edge/www/ and are compiled into the binary
 * (nothing is read from disk at run time, nothing is fetched from outside).
 * Ownership: the returned bytes are static and immutable. */

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *path;         /* URL path it is served at: "/", "/docs", "/openapi.json", "/static/app.js" */
    const char *content_type; /* e.g. "text/html; charset=utf-8" */
    const char *body;
    size_t len;
    const char *etag;         /* a strong ETag of the bytes, quoted */
} edge_static_file_t;

/* The file served at path (len bytes, not NUL-terminated), or NULL. */
const edge_static_file_t *
edge_static_find(const char *path, size_t len);

/* Every file, for tests (count in *count). */
const edge_static_file_t *
edge_static_all(size_t *count);

#endif
