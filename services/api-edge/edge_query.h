/* edge_query.h - api-edge's query strings: percent-decoded parameters and the typed getters the routes use */
#ifndef EDGE_QUERY_H_INCLUDED
#define EDGE_QUERY_H_INCLUDED

/* A query string is parsed once into a fixed arena (no allocation): up to
 * EDGE_QUERY_MAX_PARAMS name=value pairs, '+' as a space, %XX escapes
 * decoded. Refused with CB_E_BAD_REQUEST and a client-safe message: a bad
 * escape, a decoded NUL or invalid UTF-8, an empty name, a name given twice,
 * too many parameters, or more than EDGE_QUERY_MAX_BYTES decoded bytes.
 * Getters borrow from the edge_query_t; every err is NUL-terminated. */

#include <stdbool.h>
#include <stddef.h>

#define EDGE_QUERY_MAX_PARAMS 16
#define EDGE_QUERY_MAX_BYTES 2048
#define EDGE_QUERY_ERR_MAX 160

typedef struct {
    const char *name[EDGE_QUERY_MAX_PARAMS]; /* NUL-terminated, into arena */
    const char *value[EDGE_QUERY_MAX_PARAMS];
    size_t value_len[EDGE_QUERY_MAX_PARAMS];
    size_t count;
    char arena[EDGE_QUERY_MAX_BYTES + 2 * EDGE_QUERY_MAX_PARAMS];
} edge_query_t;

/* Parses len bytes of query (without the '?'; may be NULL when len is 0).
 * 0 or CB_E_BAD_REQUEST (q is then empty). */
int
edge_query_parse(edge_query_t *q, const char *query, size_t len, char *err, size_t errsize);

/* The decoded value of name, or NULL when absent. A name given without '='
 * has the value "". */
const char *
edge_query_get(const edge_query_t *q, const char *name);

/* The symbol BASE-QUOTE (upper-cased) from `symbol` ("BTC" or "BTC-USD")
 * and `quote` (default USD; when symbol names a quote, quote must agree).
 * out holds 40 bytes. 0 or CB_E_BAD_REQUEST (missing or malformed). */
int
edge_query_symbol(const edge_query_t *q, char *out, size_t size, char *err, size_t errsize);

/* `venue`, lower-cased and checked against the bus's name grammar, into out
 * (33 bytes); "" when absent and not required. 0 or CB_E_BAD_REQUEST. */
int
edge_query_venue(const edge_query_t *q, bool required, char *out, size_t size, char *err,
                 size_t errsize);

/* An integer parameter in [min, max], def when absent. 0 or
 * CB_E_BAD_REQUEST ("limit must be an integer from 1 to 1000"). */
int
edge_query_int(const edge_query_t *q, const char *name, long def, long min, long max, long *out,
               char *err, size_t errsize);

/* A parameter that must be one of choices ("buy|sell"); def when absent
 * (NULL def: required). *out points into choices' copy in q or def. 0 or
 * CB_E_BAD_REQUEST. */
int
edge_query_choice(const edge_query_t *q, const char *name, const char *choices, const char *def,
                  const char **out, char *err, size_t errsize);

/* Selftest; 0 when it passes. */
int
edge_query_selftest(void);

#endif
