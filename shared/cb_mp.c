/* cb_mp.c - bounds-checked, allocation-free msgpack reader */
#include <string.h>

#include "cb_error.h"
#include "cb_mp.h"

void
cb_mp_reader_init(cb_mp_reader_t *r, const void *data, size_t len)
{
    r->pos = data;
    r->end = r->pos + len;
}

bool
cb_mp_at_end(const cb_mp_reader_t *r)
{
    return r->pos >= r->end;
}

static size_t
s_left(const cb_mp_reader_t *r)
{
    return (size_t) (r->end - r->pos);
}

static uint64_t
s_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

cb_mp_type_t
cb_mp_peek(const cb_mp_reader_t *r)
{
    if (r->pos >= r->end) {
        return CB_MP_INVALID;
    }
    uint8_t b = *r->pos;
    if (b <= 0x7f || (b >= 0xcc && b <= 0xcf)) {
        return CB_MP_UINT;
    }
    if (b >= 0xe0 || (b >= 0xd0 && b <= 0xd3)) {
        return CB_MP_INT;
    }
    if ((b >= 0xa0 && b <= 0xbf) || (b >= 0xd9 && b <= 0xdb)) {
        return CB_MP_STR;
    }
    if ((b >= 0x80 && b <= 0x8f) || b == 0xde || b == 0xdf) {
        return CB_MP_MAP;
    }
    if ((b >= 0x90 && b <= 0x9f) || b == 0xdc || b == 0xdd) {
        return CB_MP_ARRAY;
    }
    switch (b) {
    case 0xc0:
        return CB_MP_NIL;
    case 0xc2:
    case 0xc3:
        return CB_MP_BOOL;
    case 0xca:
    case 0xcb:
        return CB_MP_FLOAT;
    case 0xc4:
    case 0xc5:
    case 0xc6:
        return CB_MP_BIN;
    case 0xc7:
    case 0xc8:
    case 0xc9:
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
        return CB_MP_EXT;
    default:
        return CB_MP_INVALID;
    }
}

/* Reads a container header: fix range [fix_lo, fix_lo+15], 16- and 32-bit forms. */
static int
s_read_container(cb_mp_reader_t *r, uint8_t fix_lo, uint8_t b16, uint8_t b32, uint32_t per_item,
                 uint32_t *count)
{
    if (r->pos >= r->end) {
        return CB_E_PARSE;
    }
    uint8_t b = *r->pos;
    size_t hdr;
    uint64_t n;
    if (b >= fix_lo && b <= fix_lo + 15) {
        hdr = 1;
        n = b & 0x0f;
    } else if (b == b16) {
        hdr = 3;
        if (s_left(r) < hdr) {
            return CB_E_PARSE;
        }
        n = s_be(r->pos + 1, 2);
    } else if (b == b32) {
        hdr = 5;
        if (s_left(r) < hdr) {
            return CB_E_PARSE;
        }
        n = s_be(r->pos + 1, 4);
    } else {
        return CB_E_PARSE;
    }
    if (n * per_item > s_left(r) - hdr) {
        return CB_E_PARSE;
    }
    r->pos += hdr;
    *count = (uint32_t) n;
    return 0;
}

int
cb_mp_read_map(cb_mp_reader_t *r, uint32_t *count)
{
    return s_read_container(r, 0x80, 0xde, 0xdf, 2, count);
}

int
cb_mp_read_array(cb_mp_reader_t *r, uint32_t *count)
{
    return s_read_container(r, 0x90, 0xdc, 0xdd, 1, count);
}

/* Length-prefixed payloads: str (a0..bf, d9, da, db) and bin (c4, c5, c6). */
static int
s_read_blob(cb_mp_reader_t *r, bool want_str, const char **data, size_t *len)
{
    if (r->pos >= r->end) {
        return CB_E_PARSE;
    }
    uint8_t b = *r->pos;
    size_t hdr;
    uint64_t n;
    if (want_str && b >= 0xa0 && b <= 0xbf) {
        hdr = 1;
        n = b & 0x1f;
    } else if (b == (want_str ? 0xd9 : 0xc4)) {
        hdr = 2;
        if (s_left(r) < hdr) {
            return CB_E_PARSE;
        }
        n = r->pos[1];
    } else if (b == (want_str ? 0xda : 0xc5)) {
        hdr = 3;
        if (s_left(r) < hdr) {
            return CB_E_PARSE;
        }
        n = s_be(r->pos + 1, 2);
    } else if (b == (want_str ? 0xdb : 0xc6)) {
        hdr = 5;
        if (s_left(r) < hdr) {
            return CB_E_PARSE;
        }
        n = s_be(r->pos + 1, 4);
    } else {
        return CB_E_PARSE;
    }
    if (n > s_left(r) - hdr) {
        return CB_E_PARSE;
    }
    *data = (const char *) r->pos + hdr;
    *len = (size_t) n;
    r->pos += hdr + n;
    return 0;
}

int
cb_mp_read_str_slow(cb_mp_reader_t *r, const char **text, size_t *len)
{
    return s_read_blob(r, true, text, len);
}

/* Reads any integer as a sign flag and magnitude. */
static int
s_read_integer(cb_mp_reader_t *r, bool *negative, uint64_t *magnitude, int64_t *signed_value)
{
    if (r->pos >= r->end) {
        return CB_E_PARSE;
    }
    uint8_t b = *r->pos;
    if (b <= 0x7f) {
        r->pos++;
        *negative = false;
        *magnitude = b;
        return 0;
    }
    if (b >= 0xe0) {
        r->pos++;
        *negative = true;
        *signed_value = (int8_t) b;
        return 0;
    }
    static const size_t widths[] = {1, 2, 4, 8};
    if (b >= 0xcc && b <= 0xcf) {
        size_t w = widths[b - 0xcc];
        if (s_left(r) < 1 + w) {
            return CB_E_PARSE;
        }
        *negative = false;
        *magnitude = s_be(r->pos + 1, w);
        r->pos += 1 + w;
        return 0;
    }
    if (b >= 0xd0 && b <= 0xd3) {
        size_t w = widths[b - 0xd0];
        if (s_left(r) < 1 + w) {
            return CB_E_PARSE;
        }
        uint64_t raw = s_be(r->pos + 1, w);
        int64_t v;
        switch (w) {
        case 1:
            v = (int8_t) (uint8_t) raw;
            break;
        case 2:
            v = (int16_t) (uint16_t) raw;
            break;
        case 4:
            v = (int32_t) (uint32_t) raw;
            break;
        default:
            memcpy(&v, &raw, sizeof v);
            break;
        }
        r->pos += 1 + w;
        if (v >= 0) {
            *negative = false;
            *magnitude = (uint64_t) v;
        } else {
            *negative = true;
            *signed_value = v;
        }
        return 0;
    }
    return CB_E_PARSE;
}

int
cb_mp_read_int(cb_mp_reader_t *r, int64_t *value)
{
    cb_mp_reader_t save = *r;
    bool negative;
    uint64_t magnitude = 0;
    int64_t signed_value = 0;
    if (s_read_integer(r, &negative, &magnitude, &signed_value) != 0) {
        return CB_E_PARSE;
    }
    if (negative) {
        *value = signed_value;
        return 0;
    }
    if (magnitude > (uint64_t) INT64_MAX) {
        *r = save;
        return CB_E_PARSE;
    }
    *value = (int64_t) magnitude;
    return 0;
}

int
cb_mp_read_uint(cb_mp_reader_t *r, uint64_t *value)
{
    cb_mp_reader_t save = *r;
    bool negative;
    uint64_t magnitude = 0;
    int64_t signed_value = 0;
    if (s_read_integer(r, &negative, &magnitude, &signed_value) != 0) {
        return CB_E_PARSE;
    }
    if (negative) {
        *r = save;
        return CB_E_PARSE;
    }
    *value = magnitude;
    return 0;
}

int
cb_mp_read_bool(cb_mp_reader_t *r, bool *value)
{
    if (r->pos >= r->end || (*r->pos != 0xc2 && *r->pos != 0xc3)) {
        return CB_E_PARSE;
    }
    *value = *r->pos == 0xc3;
    r->pos++;
    return 0;
}

int
cb_mp_read_float(cb_mp_reader_t *r, double *value)
{
    if (r->pos >= r->end || (*r->pos != 0xca && *r->pos != 0xcb)) {
        return CB_E_PARSE;
    }
    size_t width = *r->pos == 0xca ? 4 : 8;
    if (s_left(r) < 1 + width) {
        return CB_E_PARSE;
    }
    uint64_t bits = s_be(r->pos + 1, width);
    if (width == 4) {
        uint32_t b32 = (uint32_t) bits;
        float f;
        memcpy(&f, &b32, sizeof f);
        *value = f;
    } else {
        memcpy(value, &bits, sizeof *value);
    }
    r->pos += 1 + width;
    return 0;
}

int
cb_mp_read_nil(cb_mp_reader_t *r)
{
    if (r->pos >= r->end || *r->pos != 0xc0) {
        return CB_E_PARSE;
    }
    r->pos++;
    return 0;
}

static int
s_skip(cb_mp_reader_t *r, int depth)
{
    if (depth > CB_MP_MAX_DEPTH) {
        return CB_E_PARSE;
    }
    const char *data;
    size_t len;
    uint32_t n;
    uint8_t b;
    switch (cb_mp_peek(r)) {
    case CB_MP_NIL:
    case CB_MP_BOOL:
        r->pos++;
        return 0;
    case CB_MP_UINT:
    case CB_MP_INT: {
        int64_t sv;
        uint64_t mag;
        bool neg;
        return s_read_integer(r, &neg, &mag, &sv);
    }
    case CB_MP_FLOAT: {
        size_t w = *r->pos == 0xca ? 5 : 9;
        if (s_left(r) < w) {
            return CB_E_PARSE;
        }
        r->pos += w;
        return 0;
    }
    case CB_MP_STR:
        return s_read_blob(r, true, &data, &len);
    case CB_MP_BIN:
        return s_read_blob(r, false, &data, &len);
    case CB_MP_ARRAY:
        if (cb_mp_read_array(r, &n) != 0) {
            return CB_E_PARSE;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (s_skip(r, depth + 1) != 0) {
                return CB_E_PARSE;
            }
        }
        return 0;
    case CB_MP_MAP:
        if (cb_mp_read_map(r, &n) != 0) {
            return CB_E_PARSE;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (s_skip(r, depth + 1) != 0 || s_skip(r, depth + 1) != 0) {
                return CB_E_PARSE;
            }
        }
        return 0;
    case CB_MP_EXT: {
        b = *r->pos;
        size_t hdr;
        uint64_t size;
        if (b >= 0xd4 && b <= 0xd8) {
            hdr = 2;
            size = (uint64_t) 1 << (b - 0xd4);
        } else {
            size_t w = b == 0xc7 ? 1 : b == 0xc8 ? 2 : 4;
            hdr = 2 + w;
            if (s_left(r) < hdr) {
                return CB_E_PARSE;
            }
            size = s_be(r->pos + 1, w);
        }
        if (s_left(r) < hdr || size > s_left(r) - hdr) {
            return CB_E_PARSE;
        }
        r->pos += hdr + size;
        return 0;
    }
    default:
        return CB_E_PARSE;
    }
}

int
cb_mp_skip(cb_mp_reader_t *r, const uint8_t **start, size_t *len)
{
    cb_mp_reader_t save = *r;
    if (s_skip(r, 0) != 0) {
        *r = save;
        return CB_E_PARSE;
    }
    if (start != NULL) {
        *start = save.pos;
    }
    if (len != NULL) {
        *len = (size_t) (r->pos - save.pos);
    }
    return 0;
}

/* ---- writer --------------------------------------------------------------- */

static int
s_put_be(cb_buf_t *b, uint8_t tag, uint64_t v, size_t width)
{
    if (cb_buf_reserve(b, 1 + width) != 0) {
        return CB_E_NOMEM;
    }
    uint8_t *p = (uint8_t *) b->data + b->len;
    p[0] = tag;
    for (size_t i = 0; i < width; i++) {
        p[1 + i] = (uint8_t) (v >> (8 * (width - 1 - i)));
    }
    b->len += 1 + width;
    b->data[b->len] = '\0';
    return 0;
}

static int
s_put_byte(cb_buf_t *b, uint8_t byte)
{
    return s_put_be(b, byte, 0, 0);
}

int
cb_mp_write_map(cb_buf_t *b, uint32_t count)
{
    if (count <= 15) {
        return s_put_byte(b, (uint8_t) (0x80 | count));
    }
    return count <= 0xffff ? s_put_be(b, 0xde, count, 2) : s_put_be(b, 0xdf, count, 4);
}

int
cb_mp_write_array(cb_buf_t *b, uint32_t count)
{
    if (count <= 15) {
        return s_put_byte(b, (uint8_t) (0x90 | count));
    }
    return count <= 0xffff ? s_put_be(b, 0xdc, count, 2) : s_put_be(b, 0xdd, count, 4);
}

int
cb_mp_write_str(cb_buf_t *b, const char *text, size_t len)
{
    if (len > UINT32_MAX || cb_buf_reserve(b, 5 + len) != 0) {
        return CB_E_NOMEM;
    }
    cb_mp_put_str(b, text, len);
    b->data[b->len] = '\0';
    return 0;
}

int
cb_mp_write_uint(cb_buf_t *b, uint64_t v)
{
    if (v <= 0x7f) {
        return s_put_byte(b, (uint8_t) v);
    }
    if (v <= 0xff) {
        return s_put_be(b, 0xcc, v, 1);
    }
    if (v <= 0xffff) {
        return s_put_be(b, 0xcd, v, 2);
    }
    if (v <= 0xffffffffu) {
        return s_put_be(b, 0xce, v, 4);
    }
    return s_put_be(b, 0xcf, v, 8);
}

int
cb_mp_write_int(cb_buf_t *b, int64_t v)
{
    if (v >= 0) {
        return cb_mp_write_uint(b, (uint64_t) v);
    }
    if (v >= -32) {
        return s_put_byte(b, (uint8_t) (int8_t) v);
    }
    if (v >= INT8_MIN) {
        return s_put_be(b, 0xd0, (uint8_t) (int8_t) v, 1);
    }
    if (v >= INT16_MIN) {
        return s_put_be(b, 0xd1, (uint16_t) (int16_t) v, 2);
    }
    if (v >= INT32_MIN) {
        return s_put_be(b, 0xd2, (uint32_t) (int32_t) v, 4);
    }
    return s_put_be(b, 0xd3, (uint64_t) v, 8);
}

int
cb_mp_write_bool(cb_buf_t *b, bool value)
{
    return s_put_byte(b, value ? 0xc3 : 0xc2);
}

int
cb_mp_write_nil(cb_buf_t *b)
{
    return s_put_byte(b, 0xc0);
}
