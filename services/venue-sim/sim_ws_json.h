/* sim_ws_json.h - the JSON pieces both WebSocket dialects share: exact numbers, RFC 3339 times, request fields */
#ifndef SIM_WS_JSON_H_INCLUDED
#define SIM_WS_JSON_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "cb_buf.h"
#include "sim_fixed.h"

/* Writers. Each appends to b and returns 0 or CB_E_NOMEM (b unchanged on
 * failure), so a message builder can OR the results and drop the message
 * when anything failed. */

/* v with exactly decimals digits after the point, trailing zeros kept, as
 * a bare JSON number (Kraken: 65000.1, 0.50000000). */
int
sim_ws_json_fx(cb_buf_t *b, sim_fx_t v, int decimals);

/* The same as a JSON string (Binance: "65000.10000000"). */
int
sim_ws_json_fx_str(cb_buf_t *b, sim_fx_t v, int decimals);

int
sim_ws_json_u64(cb_buf_t *b, uint64_t v);

int
sim_ws_json_i64(cb_buf_t *b, int64_t v);

/* A quoted RFC 3339 UTC time with digits (0..9) fractional digits:
 * "2023-09-25T09:04:31.742648Z" for digits 6. */
int
sim_ws_json_time(cb_buf_t *b, int64_t ns, int digits);

/* len bytes of s as a quoted, escaped JSON string. */
int
sim_ws_json_str(cb_buf_t *b, const char *s, size_t len);

/* A request parsed from a text frame. Borrowed objects point into it and
 * live until sim_ws_json_doc_fini. */
typedef struct {
    msgpack_sbuffer sb;
    msgpack_unpacked up;
    msgpack_object root;
    size_t err_at; /* byte offset of a syntax error */
    char err[128];
} sim_ws_json_doc_t;

/* Parses len bytes of JSON (strictly, see cb_json_to_msgpack; decimals that
 * are not integers arrive as strings). Returns 0, or -1 with err and err_at
 * set; call sim_ws_json_doc_fini either way. */
int
sim_ws_json_parse(sim_ws_json_doc_t *d, const char *text, size_t len);

void
sim_ws_json_doc_fini(sim_ws_json_doc_t *d);

/* The value under key in map, or NULL when map is not a map or has no such
 * key. */
const msgpack_object *
sim_ws_json_get(const msgpack_object *map, const char *key);

/* True when o is a string equal to s. */
bool
sim_ws_json_is(const msgpack_object *o, const char *s);

/* The first map key that is not one of the NULL-terminated allowed names
 * (its text and length in *name, *len), or false when all are allowed. */
bool
sim_ws_json_unknown_key(const msgpack_object *map, const char *const *allowed, const char **name,
                        size_t *len);

#endif
