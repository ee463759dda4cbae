/* cb_json.h - JSON <-> msgpack with exact numbers (decimals stay decimal strings) */
#ifndef CB_JSON_H_INCLUDED
#define CB_JSON_H_INCLUDED

#include <stddef.h>

#include <msgpack.h>

#include "cb_buf.h"
#include "cb_decimal.h"

/* Deepest nesting either direction accepts. */
#define CB_JSON_MAX_DEPTH 64

/* Parses len bytes of JSON (RFC 8259, one value, not NUL-terminated) and
 * packs it into pk as it goes. Objects become maps (duplicate keys are an
 * error), strings must be UTF-8 (escapes checked, lone surrogates refused).
 * An integer that fits int64/uint64 becomes a msgpack int; any other number
 * (fraction, exponent, larger) becomes its canonical decimal string, so
 * 50000.10 arrives as "50000.1"; a number cb_decimal cannot hold is an error.
 * Returns 0, CB_E_PARSE, CB_E_RANGE or CB_E_TOO_BIG (nesting) with a message
 * naming the byte offset in err (errsize bytes, may be NULL). On failure pk
 * holds a partial value: the caller discards its buffer. */
int
cb_json_to_msgpack(const char *json, size_t len, msgpack_packer *pk, char *err, size_t errsize);

/* Appends exactly one msgpack value (all len bytes) as compact JSON to out.
 * Map keys must be strings; strings must be UTF-8; bin becomes a base64
 * string; floats print in shortest round-trip form (NaN/Inf as null); ext is
 * refused. Returns 0, CB_E_PARSE (malformed or unsupported), CB_E_TOO_BIG
 * (nesting) or CB_E_NOMEM; out may hold a partial value on failure. */
int
cb_json_from_msgpack(const char *data, size_t len, cb_buf_t *out);

/* Appends s as a quoted, escaped JSON string. CB_E_PARSE for invalid UTF-8. */
int
cb_json_write_string(cb_buf_t *out, const char *s, size_t len);

/* Appends the canonical decimal as a bare JSON number (e.g. 50000.1). */
int
cb_json_write_decimal(cb_buf_t *out, cb_decimal_t d);

#endif
