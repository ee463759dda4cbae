/* cb_json.h - JSON <-> msgpack with exact numbers (decimals stay decimal strings) */
#ifndef CB_JSON_H_INCLUDED
#define CB_JSON_H_INCLUDED

#include <stddef.h>

#include <msgpack.h>

#include "cb_buf.h"
#include "cb_decimal.h"

/* Deepest nesting of arrays and objects either direction accepts. */
#define CB_JSON_MAX_DEPTH 64

/* Parses len bytes of JSON (RFC 8259: one value, whitespace around it, not
 * NUL-terminated) and packs it into pk. Objects become maps (duplicate keys
 * are an error), arrays arrays, strings str (UTF-8 checked, \u escapes and
 * surrogate pairs decoded, lone surrogates refused). An integer with no
 * fraction or exponent that fits int64 / uint64 becomes a msgpack int; any
 * other number becomes the canonical cb_decimal string (50000.10 arrives as
 * "50000.1", 1e-8 as "0.00000001"); one cb_decimal cannot hold is CB_E_RANGE.
 * Returns 0, CB_E_PARSE, CB_E_RANGE, CB_E_TOO_BIG (nesting deeper than
 * CB_JSON_MAX_DEPTH) or CB_E_NOMEM, with "invalid JSON at byte N: why" in
 * err (errsize bytes; err may be NULL). The text is checked completely before
 * anything is packed, so on failure pk has received nothing, unless its own
 * write failed (CB_E_NOMEM): then the caller discards its buffer. */
int
cb_json_to_msgpack(const char *json, size_t len, msgpack_packer *pk, char *err, size_t errsize);

/* Appends exactly one msgpack value, which must fill all len bytes, as
 * compact JSON to out. Map keys must be str; str must be UTF-8 (non-ASCII
 * passes through, '"', '\\' and control characters are escaped); bin becomes a
 * base64 string; floats print in the shortest text that reads back to the
 * same float (NaN and infinities as null); integers are exact; ext is
 * refused. Returns 0, CB_E_PARSE (malformed, truncated, trailing bytes or
 * unsupported), CB_E_TOO_BIG (nesting) or CB_E_NOMEM; out is unchanged on
 * failure. Never allocates more than the output needs, whatever the input. */
int
cb_json_from_msgpack(const char *data, size_t len, cb_buf_t *out);

/* Appends len bytes of s as a quoted, escaped JSON string. Returns 0,
 * CB_E_PARSE for invalid UTF-8 or CB_E_NOMEM; out is unchanged on failure. */
int
cb_json_write_string(cb_buf_t *out, const char *s, size_t len);

/* Appends the canonical form of d as a bare JSON number (e.g. 50000.1, -0.5).
 * Returns 0 or CB_E_NOMEM; out is unchanged on failure. */
int
cb_json_write_decimal(cb_buf_t *out, cb_decimal_t d);

#endif
