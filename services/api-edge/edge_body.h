/* edge_body.h - api-edge's JSON request bodies: content type, one object, the fields a route takes */
#ifndef EDGE_BODY_H_INCLUDED
#define EDGE_BODY_H_INCLUDED

/* Bodies arrive whole (cb_httpd refuses those over its limit with 413
 * before any handler runs). Every refusal is CB_E_BAD_REQUEST with a
 * client-safe message in err (NUL-terminated). */

#include <stdbool.h>
#include <stddef.h>

#include "cb_buf.h"

#define EDGE_BODY_ERR_MAX 160

/* True when the Content-Type value (len bytes, may be NULL) is
 * application/json, with or without parameters (charset=utf-8). */
bool
edge_body_is_json(const char *ctype, size_t len);

/* The string field `text` of a JSON object body, decoded (escapes, UTF-8
 * checked) into out (replaced), with white space trimmed at both ends; it must
 * hold 1 to max_chars Unicode code points. 0 or CB_E_BAD_REQUEST
 * ("text is empty", "text is longer than 5000 characters", "body is not a
 * JSON object", "text must be a string"). */
int
edge_body_text(const char *body, size_t len, size_t max_chars, cb_buf_t *out, char *err,
               size_t errsize);

/* Unicode code points in len bytes of valid UTF-8. */
size_t
edge_body_utf8_chars(const char *s, size_t len);

#endif
