/* cb_json.c - JSON <-> msgpack with exact numbers (decimals stay decimal strings) */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_json.h"
#include "cb_mp.h"
#include "cb_utf8.h"

/* ---- JSON -> msgpack ------------------------------------------------------ */

typedef struct {
    const char *text;
    size_t len;
    size_t pos;
    msgpack_packer *pk;
    char *err;
    size_t errsize;
    cb_buf_t scratch; /* unescaped strings */
    bool probe;       /* counting pass: containers are not counted again */
} s_parser_t;

static int
s_error(s_parser_t *p, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
s_error(s_parser_t *p, int code, const char *fmt, ...)
{
    if (p->err != NULL && p->errsize > 0) {
        char what[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        snprintf(p->err, p->errsize, "invalid JSON at byte %zu: %s", p->pos, what);
    }
    return code;
}

static void
s_skip_ws(s_parser_t *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            break;
        }
        p->pos++;
    }
}

static int
s_hex4(s_parser_t *p, unsigned *out)
{
    if (p->len - p->pos < 4) {
        return s_error(p, CB_E_PARSE, "truncated \\u escape");
    }
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->text[p->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (unsigned) (c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (unsigned) (c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (unsigned) (c - 'A' + 10);
        } else {
            return s_error(p, CB_E_PARSE, "bad hex digit in \\u escape");
        }
    }
    *out = v;
    return 0;
}

static int
s_put_utf8(cb_buf_t *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char) cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char) (0xc0 | (cp >> 6));
        u[1] = (char) (0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char) (0xe0 | (cp >> 12));
        u[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char) (0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char) (0xf0 | (cp >> 18));
        u[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char) (0x80 | (cp & 0x3f));
        n = 4;
    }
    return cb_buf_append(b, u, n);
}

/* Parses a string at p->pos (the opening quote) into p->scratch. */
static int
s_string(s_parser_t *p)
{
    cb_buf_reset(&p->scratch);
    p->pos++; /* the quote */
    size_t run = p->pos;
    for (;;) {
        if (p->pos >= p->len) {
            return s_error(p, CB_E_PARSE, "unterminated string");
        }
        unsigned char c = (unsigned char) p->text[p->pos];
        if (c == '"' || c == '\\') {
            if (cb_buf_append(&p->scratch, p->text + run, p->pos - run) != 0) {
                return CB_E_NOMEM;
            }
        }
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20) {
            return s_error(p, CB_E_PARSE, "control character in string");
        }
        if (c != '\\') {
            p->pos++;
            continue;
        }
        p->pos++;
        if (p->pos >= p->len) {
            return s_error(p, CB_E_PARSE, "unterminated escape");
        }
        char e = p->text[p->pos++];
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e != '\0' && simple != NULL && e != 'u') {
            static const char map[] = "\"\\/\b\f\n\r\t";
            if (cb_buf_append_char(&p->scratch, map[simple - "\"\\/bfnrt"]) != 0) {
                return CB_E_NOMEM;
            }
        } else if (e == 'u') {
            unsigned cp;
            int rc = s_hex4(p, &cp);
            if (rc != 0) {
                return rc;
            }
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                return s_error(p, CB_E_PARSE, "lone low surrogate");
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned lo;
                if (p->len - p->pos < 2 || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u') {
                    return s_error(p, CB_E_PARSE, "lone high surrogate");
                }
                p->pos += 2;
                rc = s_hex4(p, &lo);
                if (rc != 0) {
                    return rc;
                }
                if (lo < 0xdc00 || lo > 0xdfff) {
                    return s_error(p, CB_E_PARSE, "bad surrogate pair");
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            if (s_put_utf8(&p->scratch, cp) != 0) {
                return CB_E_NOMEM;
            }
        } else {
            return s_error(p, CB_E_PARSE, "unknown escape");
        }
        run = p->pos;
    }
    if (!cb_utf8_valid(p->scratch.data, p->scratch.len)) {
        return s_error(p, CB_E_PARSE, "string is not valid UTF-8");
    }
    return 0;
}

static int
s_number(s_parser_t *p)
{
    size_t start = p->pos;
    bool integer = true;
    if (p->pos < p->len && p->text[p->pos] == '-') {
        p->pos++;
    }
    size_t digits = p->pos;
    while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9') {
        p->pos++;
    }
    size_t ndigits = p->pos - digits;
    if (ndigits == 0 || (ndigits > 1 && p->text[digits] == '0')) {
        return s_error(p, CB_E_PARSE, "bad number");
    }
    if (p->pos < p->len && p->text[p->pos] == '.') {
        integer = false;
        p->pos++;
        size_t f = p->pos;
        while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9') {
            p->pos++;
        }
        if (p->pos == f) {
            return s_error(p, CB_E_PARSE, "digits must follow the decimal point");
        }
    }
    if (p->pos < p->len && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
        integer = false;
        p->pos++;
        if (p->pos < p->len && (p->text[p->pos] == '+' || p->text[p->pos] == '-')) {
            p->pos++;
        }
        size_t e = p->pos;
        while (p->pos < p->len && p->text[p->pos] >= '0' && p->text[p->pos] <= '9') {
            p->pos++;
        }
        if (p->pos == e) {
            return s_error(p, CB_E_PARSE, "digits must follow the exponent");
        }
    }
    const char *num = p->text + start;
    size_t numlen = p->pos - start;
    if (integer && numlen <= 20) {
        char tmp[24];
        memcpy(tmp, num, numlen);
        tmp[numlen] = '\0';
        char *end;
        errno = 0;
        if (tmp[0] == '-') {
            long long v = strtoll(tmp, &end, 10);
            if (errno == 0 && *end == '\0') {
                msgpack_pack_int64(p->pk, v);
                return 0;
            }
        } else {
            unsigned long long v = strtoull(tmp, &end, 10);
            if (errno == 0 && *end == '\0') {
                msgpack_pack_uint64(p->pk, v);
                return 0;
            }
        }
    }
    cb_decimal_t d;
    if (cb_decimal_parse(num, numlen, &d) != 0) {
        p->pos = start;
        return s_error(p, CB_E_RANGE, "number cannot be held exactly (at most 38 digits, 18 "
                                      "after the point)");
    }
    char text[CB_DECIMAL_STR_MAX];
    int n = cb_decimal_format(d, text, sizeof text);
    msgpack_pack_str_with_body(p->pk, text, (size_t) n);
    return 0;
}

static int s_value(s_parser_t *p, int depth);

static int
s_literal(s_parser_t *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0) {
        return s_error(p, CB_E_PARSE, "unexpected character");
    }
    p->pos += n;
    return 0;
}

/* Containers are packed after their elements are counted, so the parser
 * first scans the container once to count (cheap, no packing), then packs. */
static int
s_count_elements(s_parser_t *p, char close, int depth, uint32_t *count)
{
    /* A copy of the parser that packs into a throwaway packer. */
    msgpack_sbuffer sink;
    msgpack_sbuffer_init(&sink);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sink, msgpack_sbuffer_write);
    s_parser_t probe = *p;
    probe.pk = &pk;
    cb_buf_init(&probe.scratch);
    probe.err = NULL;
    probe.probe = true;
    uint32_t n = 0;
    int rc = 0;
    probe.pos++; /* the bracket */
    s_skip_ws(&probe);
    if (probe.pos < probe.len && probe.text[probe.pos] == close) {
        goto done;
    }
    for (;;) {
        s_skip_ws(&probe);
        if (close == '}') {
            /* Keys are checked in the real pass; here only skip them. */
            if (probe.pos >= probe.len || probe.text[probe.pos] != '"') {
                rc = CB_E_PARSE;
                goto done;
            }
            if ((rc = s_string(&probe)) != 0) {
                goto done;
            }
            s_skip_ws(&probe);
            if (probe.pos >= probe.len || probe.text[probe.pos] != ':') {
                rc = CB_E_PARSE;
                goto done;
            }
            probe.pos++;
        }
        if ((rc = s_value(&probe, depth + 1)) != 0) {
            goto done;
        }
        n++;
        s_skip_ws(&probe);
        if (probe.pos < probe.len && probe.text[probe.pos] == ',') {
            probe.pos++;
            continue;
        }
        break;
    }
done:
    cb_buf_fini(&probe.scratch);
    msgpack_sbuffer_destroy(&sink);
    *count = n;
    return 0;
}

/* Keys seen in one object, to refuse duplicates. */
typedef struct {
    size_t *offsets; /* start of each key's bytes in keys */
    cb_buf_t keys;
    size_t count;
    size_t cap;
} s_keyset_t;

static int
s_keyset_add(s_keyset_t *ks, const char *key, size_t len, bool *dup)
{
    *dup = false;
    for (size_t i = 0; i < ks->count; i++) {
        size_t start = ks->offsets[i];
        size_t end = i + 1 < ks->count ? ks->offsets[i + 1] : ks->keys.len;
        if (end - start == len && memcmp(ks->keys.data + start, key, len) == 0) {
            *dup = true;
            return 0;
        }
    }
    if (ks->count == ks->cap) {
        size_t cap = ks->cap == 0 ? 8 : ks->cap * 2;
        size_t *o = realloc(ks->offsets, cap * sizeof *o);
        if (o == NULL) {
            return CB_E_NOMEM;
        }
        ks->offsets = o;
        ks->cap = cap;
    }
    ks->offsets[ks->count++] = ks->keys.len;
    return cb_buf_append(&ks->keys, key, len);
}

static int
s_object(s_parser_t *p, int depth)
{
    uint32_t count = 0;
    if (!p->probe) {
        s_count_elements(p, '}', depth, &count);
    }
    msgpack_pack_map(p->pk, count);
    p->pos++;
    s_keyset_t ks = {NULL, {NULL, 0, 0}, 0, 0};
    int rc = 0;
    s_skip_ws(p);
    if (p->pos < p->len && p->text[p->pos] == '}') {
        p->pos++;
        goto done;
    }
    for (;;) {
        s_skip_ws(p);
        if (p->pos >= p->len || p->text[p->pos] != '"') {
            rc = s_error(p, CB_E_PARSE, "expected a string key");
            goto done;
        }
        if ((rc = s_string(p)) != 0) {
            goto done;
        }
        bool dup;
        if ((rc = s_keyset_add(&ks, p->scratch.data, p->scratch.len, &dup)) != 0) {
            goto done;
        }
        if (dup) {
            rc = s_error(p, CB_E_PARSE, "duplicate key \"%.*s\"",
                         (int) (p->scratch.len > 40 ? 40 : p->scratch.len), p->scratch.data);
            goto done;
        }
        msgpack_pack_str_with_body(p->pk, p->scratch.data, p->scratch.len);
        s_skip_ws(p);
        if (p->pos >= p->len || p->text[p->pos] != ':') {
            rc = s_error(p, CB_E_PARSE, "expected ':'");
            goto done;
        }
        p->pos++;
        if ((rc = s_value(p, depth + 1)) != 0) {
            goto done;
        }
        s_skip_ws(p);
        if (p->pos < p->len && p->text[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->text[p->pos] == '}') {
            p->pos++;
            break;
        }
        rc = s_error(p, CB_E_PARSE, "expected ',' or '}'");
        goto done;
    }
done:
    free(ks.offsets);
    cb_buf_fini(&ks.keys);
    return rc;
}

static int
s_array(s_parser_t *p, int depth)
{
    uint32_t count = 0;
    if (!p->probe) {
        s_count_elements(p, ']', depth, &count);
    }
    msgpack_pack_array(p->pk, count);
    p->pos++;
    s_skip_ws(p);
    if (p->pos < p->len && p->text[p->pos] == ']') {
        p->pos++;
        return 0;
    }
    for (;;) {
        int rc = s_value(p, depth + 1);
        if (rc != 0) {
            return rc;
        }
        s_skip_ws(p);
        if (p->pos < p->len && p->text[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->text[p->pos] == ']') {
            p->pos++;
            return 0;
        }
        return s_error(p, CB_E_PARSE, "expected ',' or ']'");
    }
}

static int
s_value(s_parser_t *p, int depth)
{
    if (depth > CB_JSON_MAX_DEPTH) {
        return s_error(p, CB_E_TOO_BIG, "nested deeper than %d", CB_JSON_MAX_DEPTH);
    }
    s_skip_ws(p);
    if (p->pos >= p->len) {
        return s_error(p, CB_E_PARSE, "unexpected end of input");
    }
    char c = p->text[p->pos];
    int rc;
    switch (c) {
    case '{':
        return s_object(p, depth);
    case '[':
        return s_array(p, depth);
    case '"':
        rc = s_string(p);
        if (rc == 0) {
            msgpack_pack_str_with_body(p->pk, p->scratch.data, p->scratch.len);
        }
        return rc;
    case 't':
        rc = s_literal(p, "true");
        if (rc == 0) {
            msgpack_pack_true(p->pk);
        }
        return rc;
    case 'f':
        rc = s_literal(p, "false");
        if (rc == 0) {
            msgpack_pack_false(p->pk);
        }
        return rc;
    case 'n':
        rc = s_literal(p, "null");
        if (rc == 0) {
            msgpack_pack_nil(p->pk);
        }
        return rc;
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            return s_number(p);
        }
        return s_error(p, CB_E_PARSE, "unexpected character");
    }
}

int
cb_json_to_msgpack(const char *json, size_t len, msgpack_packer *pk, char *err, size_t errsize)
{
    s_parser_t p = {json, len, 0, pk, err, errsize, {NULL, 0, 0}, false};
    if (err != NULL && errsize > 0) {
        err[0] = '\0';
    }
    int rc = json == NULL ? CB_E_PARSE : s_value(&p, 1);
    if (rc == 0) {
        s_skip_ws(&p);
        if (p.pos != p.len) {
            rc = s_error(&p, CB_E_PARSE, "unexpected data after the value");
        }
    }
    cb_buf_fini(&p.scratch);
    return rc;
}

/* ---- msgpack -> JSON ------------------------------------------------------ */

int
cb_json_write_string(cb_buf_t *out, const char *s, size_t len)
{
    if (!cb_utf8_valid(s, len)) {
        return CB_E_PARSE;
    }
    if (cb_buf_reserve(out, len + 2) != 0) {
        return CB_E_NOMEM;
    }
    cb_buf_append_char(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) {
            continue;
        }
        if (cb_buf_append(out, s + run, i - run) != 0) {
            return CB_E_NOMEM;
        }
        char esc[8];
        switch (c) {
        case '"':
            memcpy(esc, "\\\"", 3);
            break;
        case '\\':
            memcpy(esc, "\\\\", 3);
            break;
        case '\n':
            memcpy(esc, "\\n", 3);
            break;
        case '\r':
            memcpy(esc, "\\r", 3);
            break;
        case '\t':
            memcpy(esc, "\\t", 3);
            break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            break;
        }
        if (cb_buf_append_str(out, esc) != 0) {
            return CB_E_NOMEM;
        }
        run = i + 1;
    }
    if (cb_buf_append(out, s + run, len - run) != 0 || cb_buf_append_char(out, '"') != 0) {
        return CB_E_NOMEM;
    }
    return 0;
}

int
cb_json_write_decimal(cb_buf_t *out, cb_decimal_t d)
{
    char text[CB_DECIMAL_STR_MAX];
    int n = cb_decimal_format(d, text, sizeof text);
    if (n < 0) {
        return n;
    }
    return cb_buf_append(out, text, (size_t) n);
}

static int
s_base64(cb_buf_t *out, const uint8_t *data, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (cb_buf_append_char(out, '"') != 0) {
        return CB_E_NOMEM;
    }
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t) data[i] << 16;
        if (i + 1 < len) {
            v |= (uint32_t) data[i + 1] << 8;
        }
        if (i + 2 < len) {
            v |= data[i + 2];
        }
        char q[4] = {alphabet[(v >> 18) & 63], alphabet[(v >> 12) & 63],
                     i + 1 < len ? alphabet[(v >> 6) & 63] : '=',
                     i + 2 < len ? alphabet[v & 63] : '='};
        if (cb_buf_append(out, q, 4) != 0) {
            return CB_E_NOMEM;
        }
    }
    return cb_buf_append_char(out, '"');
}

static int
s_float(cb_buf_t *out, double v)
{
    if (!isfinite(v)) {
        return cb_buf_append_str(out, "null");
    }
    char text[40];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(text, sizeof text, "%.*g", precision, v);
        if (strtod(text, NULL) == v) {
            break;
        }
    }
    return cb_buf_append_str(out, text);
}

static int
s_emit(cb_mp_reader_t *r, cb_buf_t *out, int depth)
{
    if (depth > CB_JSON_MAX_DEPTH) {
        return CB_E_TOO_BIG;
    }
    uint32_t n;
    const char *text;
    size_t len;
    switch (cb_mp_peek(r)) {
    case CB_MP_NIL:
        cb_mp_read_nil(r);
        return cb_buf_append_str(out, "null");
    case CB_MP_BOOL: {
        bool b;
        cb_mp_read_bool(r, &b);
        return cb_buf_append_str(out, b ? "true" : "false");
    }
    case CB_MP_UINT: {
        uint64_t u;
        if (cb_mp_read_uint(r, &u) != 0) {
            return CB_E_PARSE;
        }
        return cb_buf_appendf(out, "%llu", (unsigned long long) u);
    }
    case CB_MP_INT: {
        int64_t i;
        if (cb_mp_read_int(r, &i) != 0) {
            return CB_E_PARSE;
        }
        return cb_buf_appendf(out, "%lld", (long long) i);
    }
    case CB_MP_FLOAT: {
        double v;
        if (cb_mp_read_float(r, &v) != 0) {
            return CB_E_PARSE;
        }
        return s_float(out, v);
    }
    case CB_MP_STR:
        if (cb_mp_read_str(r, &text, &len) != 0) {
            return CB_E_PARSE;
        }
        return cb_json_write_string(out, text, len);
    case CB_MP_BIN: {
        const uint8_t *start;
        size_t total;
        if (cb_mp_skip(r, &start, &total) != 0) {
            return CB_E_PARSE;
        }
        size_t hdr = *start == 0xc4 ? 2 : *start == 0xc5 ? 3 : 5;
        return s_base64(out, start + hdr, total - hdr);
    }
    case CB_MP_ARRAY:
        if (cb_mp_read_array(r, &n) != 0 || cb_buf_append_char(out, '[') != 0) {
            return CB_E_PARSE;
        }
        for (uint32_t i = 0; i < n; i++) {
            int rc;
            if ((i > 0 && cb_buf_append_char(out, ',') != 0) ||
                (rc = s_emit(r, out, depth + 1)) != 0) {
                return i > 0 ? rc : CB_E_PARSE;
            }
        }
        return cb_buf_append_char(out, ']');
    case CB_MP_MAP:
        if (cb_mp_read_map(r, &n) != 0 || cb_buf_append_char(out, '{') != 0) {
            return CB_E_PARSE;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (i > 0 && cb_buf_append_char(out, ',') != 0) {
                return CB_E_NOMEM;
            }
            if (cb_mp_read_str(r, &text, &len) != 0) {
                return CB_E_PARSE;
            }
            int rc = cb_json_write_string(out, text, len);
            if (rc == 0) {
                rc = cb_buf_append_char(out, ':');
            }
            if (rc == 0) {
                rc = s_emit(r, out, depth + 1);
            }
            if (rc != 0) {
                return rc;
            }
        }
        return cb_buf_append_char(out, '}');
    default:
        return CB_E_PARSE;
    }
}

int
cb_json_from_msgpack(const char *data, size_t len, cb_buf_t *out)
{
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, data, len);
    int rc = s_emit(&r, out, 1);
    if (rc == 0 && !cb_mp_at_end(&r)) {
        rc = CB_E_PARSE;
    }
    return rc;
}
