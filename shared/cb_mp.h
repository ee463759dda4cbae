/* cb_mp.h - bounds-checked, allocation-free msgpack reader and a direct buffer writer */
#ifndef CB_MP_H_INCLUDED
#define CB_MP_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cb_buf.h"
#include "cb_error.h"

/* A cursor over len bytes of msgpack owned by the caller. Every read checks
 * the bounds and the type, advances only on success, and returns 0 or
 * CB_E_PARSE; nothing here allocates or asserts on input. */
typedef struct {
    const uint8_t *pos;
    const uint8_t *end;
} cb_mp_reader_t;

typedef enum {
    CB_MP_INVALID = 0,
    CB_MP_NIL,
    CB_MP_BOOL,
    CB_MP_UINT,
    CB_MP_INT, /* negative */
    CB_MP_FLOAT,
    CB_MP_STR,
    CB_MP_BIN,
    CB_MP_ARRAY,
    CB_MP_MAP,
    CB_MP_EXT,
} cb_mp_type_t;

/* Deepest nesting cb_mp_skip accepts. */
#define CB_MP_MAX_DEPTH 32

void
cb_mp_reader_init(cb_mp_reader_t *r, const void *data, size_t len);

/* The type of the next value, CB_MP_INVALID at the end or on a reserved byte. */
cb_mp_type_t
cb_mp_peek(const cb_mp_reader_t *r);

bool
cb_mp_at_end(const cb_mp_reader_t *r);

/* Container headers. The count is checked against the bytes left (each
 * element needs at least one byte), so a lying count fails here. */
int
cb_mp_read_map(cb_mp_reader_t *r, uint32_t *count);
int
cb_mp_read_array(cb_mp_reader_t *r, uint32_t *count);

/* A str: *text points into the reader's buffer (not NUL-terminated). */
int
cb_mp_read_str_slow(cb_mp_reader_t *r, const char **text, size_t *len);

/* Inline for the common fixstr (up to 31 bytes: every key and price). */
static inline int
cb_mp_read_str(cb_mp_reader_t *r, const char **text, size_t *len)
{
    if (r->pos < r->end && (*r->pos & 0xe0) == 0xa0) {
        size_t n = *r->pos & 0x1f;
        if ((size_t) (r->end - r->pos) <= n) {
            return CB_E_PARSE;
        }
        *text = (const char *) r->pos + 1;
        *len = n;
        r->pos += 1 + n;
        return 0;
    }
    return cb_mp_read_str_slow(r, text, len);
}

/* Any msgpack integer that fits int64_t / uint64_t. */
int
cb_mp_read_int(cb_mp_reader_t *r, int64_t *value);
int
cb_mp_read_uint(cb_mp_reader_t *r, uint64_t *value);

int
cb_mp_read_bool(cb_mp_reader_t *r, bool *value);

/* A float32 or float64, widened to double (for display only: money is
 * never a float in coinbus). */
int
cb_mp_read_float(cb_mp_reader_t *r, double *value);
int
cb_mp_read_nil(cb_mp_reader_t *r);

/* Skips one whole value (nested up to CB_MP_MAX_DEPTH) and returns its bytes
 * in *start / *len (may be NULL). CB_E_PARSE on truncation or deep nesting. */
int
cb_mp_skip(cb_mp_reader_t *r, const uint8_t **start, size_t *len);

/* ---- writer ---------------------------------------------------------------
 * Appends msgpack to a cb_buf_t, choosing the smallest encoding (as msgpack-c
 * does), without a callback per write: this is the hot path of every
 * publisher. Each returns 0 or CB_E_NOMEM (the buffer keeps what it had). */

int
cb_mp_write_map(cb_buf_t *b, uint32_t count);
int
cb_mp_write_array(cb_buf_t *b, uint32_t count);
int
cb_mp_write_str(cb_buf_t *b, const char *text, size_t len);
int
cb_mp_write_uint(cb_buf_t *b, uint64_t value);

/* cb_mp_write_str's bytes (str header, then text) for a caller that has
 * already reserved 5 + len bytes of room in b (len <= UINT32_MAX): the
 * generated encoders reserve once per message and write without checks. */
static inline void
cb_mp_put_str(cb_buf_t *b, const char *text, size_t len)
{
    uint8_t *p = (uint8_t *) b->data + b->len;
    size_t head;
    if (len <= 31) {
        p[0] = (uint8_t) (0xa0 | len);
        head = 1;
    } else if (len <= 0xff) {
        p[0] = 0xd9;
        p[1] = (uint8_t) len;
        head = 2;
    } else if (len <= 0xffff) {
        p[0] = 0xda;
        p[1] = (uint8_t) (len >> 8);
        p[2] = (uint8_t) len;
        head = 3;
    } else {
        p[0] = 0xdb;
        p[1] = (uint8_t) (len >> 24);
        p[2] = (uint8_t) (len >> 16);
        p[3] = (uint8_t) (len >> 8);
        p[4] = (uint8_t) len;
        head = 5;
    }
    if (len > 0) {
        memcpy(p + head, text, len);
    }
    b->len += head + len;
}
int
cb_mp_write_int(cb_buf_t *b, int64_t value);
int
cb_mp_write_bool(cb_buf_t *b, bool value);
int
cb_mp_write_nil(cb_buf_t *b);

#endif
