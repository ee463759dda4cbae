/* cb_jtok.c - JSON read in place (jsmn tokens): venue replies and stream messages, numbers kept as their text */
#include "cb_jtok.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_str.h"
#include "cb_time.h"
#include "cb_utf8.h"

#define JSMN_STRICT
#define JSMN_STATIC
#include <jsmn.h>

_Static_assert(sizeof(jsmntok_t) == sizeof(cb_jtok_t), "cb_jtok_t mirrors jsmntok_t");
_Static_assert(offsetof(jsmntok_t, start) == offsetof(cb_jtok_t, start), "start");
_Static_assert(offsetof(jsmntok_t, end) == offsetof(cb_jtok_t, end), "end");
_Static_assert(offsetof(jsmntok_t, size) == offsetof(cb_jtok_t, size), "size");

void
cb_jdoc_init(cb_jdoc_t *doc)
{
    memset(doc, 0, sizeof(*doc));
}

void
cb_jdoc_fini(cb_jdoc_t *doc)
{
    free(doc->tok);
    memset(doc, 0, sizeof(*doc));
}

static bool
s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
cb_jdoc_parse(cb_jdoc_t *doc, const char *js, size_t len)
{
    int limit = doc->max_tokens > 0 ? doc->max_tokens : CB_JDOC_MAX_TOKENS;
    doc->js = js;
    doc->len = len;
    doc->count = 0;
    if (len > INT_MAX / 2 || memchr(js, '\0', len) != NULL) {
        return len > INT_MAX / 2 ? CB_E_TOO_BIG : CB_E_PARSE;
    }
    if (doc->cap == 0) {
        doc->tok = malloc(64 * sizeof(cb_jtok_t));
        if (doc->tok == NULL) {
            return CB_E_NOMEM;
        }
        doc->cap = 64;
    }
    jsmn_parser parser;
    jsmn_init(&parser);
    int n;
    for (;;) {
        int avail = doc->cap < limit ? doc->cap : limit;
        n = jsmn_parse(&parser, js, len, (jsmntok_t *) doc->tok, (unsigned) avail);
        if (n != JSMN_ERROR_NOMEM) {
            break;
        }
        if (avail >= limit) {
            return CB_E_TOO_BIG;
        }
        int cap = doc->cap * 2 > limit ? limit : doc->cap * 2;
        cb_jtok_t *grown = realloc(doc->tok, (size_t) cap * sizeof(cb_jtok_t));
        if (grown == NULL) {
            return CB_E_NOMEM;
        }
        doc->tok = grown;
        doc->cap = cap;
    }
    if (n <= 0) {
        return CB_E_PARSE;
    }
    doc->count = n;
    for (int i = 0; i < n; i++) {
        if (doc->tok[i].start < 0 || doc->tok[i].end < doc->tok[i].start) {
            doc->count = 0;
            return CB_E_PARSE;
        }
    }
    /* Exactly one value: the root's subtree is every token, and only
     * whitespace follows it (a string root ends before its closing quote). */
    size_t after = (size_t) doc->tok[0].end + (doc->tok[0].type == CB_JT_STRING ? 1 : 0);
    if (cb_jtok_skip(doc, 0) != n || after > len) {
        doc->count = 0;
        return CB_E_PARSE;
    }
    for (size_t k = after; k < len; k++) {
        if (!s_is_space(js[k])) {
            doc->count = 0;
            return CB_E_PARSE;
        }
    }
    return 0;
}

int
cb_jtok_skip(const cb_jdoc_t *doc, int i)
{
    if (i < 0 || i >= doc->count) {
        return doc->count;
    }
    int end = doc->tok[i].end;
    int j = i + 1;
    while (j < doc->count && doc->tok[j].start < end) {
        j++;
    }
    return j;
}

int
cb_jtok_get(const cb_jdoc_t *doc, int obj, const char *key)
{
    if (cb_jtok_type(doc, obj) != CB_JT_OBJECT) {
        return -1;
    }
    int k = obj + 1;
    for (int n = 0; n < doc->tok[obj].size && k + 1 < doc->count; n++) {
        if (cb_jtok_eq(doc, k, key) && doc->tok[k].type == CB_JT_STRING) {
            return k + 1;
        }
        k = cb_jtok_skip(doc, k + 1);
    }
    return -1;
}

int
cb_jtok_at(const cb_jdoc_t *doc, int arr, int k)
{
    if (cb_jtok_type(doc, arr) != CB_JT_ARRAY || k < 0 || k >= doc->tok[arr].size) {
        return -1;
    }
    int j = arr + 1;
    for (int n = 0; n < k && j < doc->count; n++) {
        j = cb_jtok_skip(doc, j);
    }
    return j < doc->count ? j : -1;
}

cb_str_t
cb_jtok_raw(const cb_jdoc_t *doc, int i)
{
    if (i < 0 || i >= doc->count) {
        return (cb_str_t){NULL, 0};
    }
    return (cb_str_t){doc->js + doc->tok[i].start, (size_t) (doc->tok[i].end - doc->tok[i].start)};
}

bool
cb_jtok_eq(const cb_jdoc_t *doc, int i, const char *text)
{
    cb_jtype_t t = cb_jtok_type(doc, i);
    if (t != CB_JT_STRING && t != CB_JT_PRIMITIVE) {
        return false;
    }
    return cb_str_eq_cstr(cb_jtok_raw(doc, i), text);
}

bool
cb_jtok_is_null(const cb_jdoc_t *doc, int i)
{
    return i < 0 || (cb_jtok_type(doc, i) == CB_JT_PRIMITIVE && cb_jtok_eq(doc, i, "null"));
}

int
cb_jtok_decimal(const cb_jdoc_t *doc, int i, cb_decimal_t *out)
{
    cb_jtype_t t = cb_jtok_type(doc, i);
    if (t != CB_JT_STRING && t != CB_JT_PRIMITIVE) {
        return CB_E_PARSE;
    }
    cb_str_t raw = cb_jtok_raw(doc, i);
    if (raw.len == 0 || raw.ptr[0] == '+') {
        return CB_E_PARSE;
    }
    return cb_decimal_parse(raw.ptr, raw.len, out);
}

static int
s_digits_u64(const char *p, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20) {
        return len == 0 ? CB_E_PARSE : CB_E_RANGE;
    }
    uint64_t v = 0;
    for (size_t k = 0; k < len; k++) {
        if (p[k] < '0' || p[k] > '9') {
            return CB_E_PARSE;
        }
        unsigned d = (unsigned) (p[k] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return CB_E_RANGE;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int
cb_jtok_u64(const cb_jdoc_t *doc, int i, uint64_t *out)
{
    cb_jtype_t t = cb_jtok_type(doc, i);
    if (t != CB_JT_STRING && t != CB_JT_PRIMITIVE) {
        return CB_E_PARSE;
    }
    cb_str_t raw = cb_jtok_raw(doc, i);
    return s_digits_u64(raw.ptr, raw.len, out);
}

int
cb_jtok_i64(const cb_jdoc_t *doc, int i, int64_t *out)
{
    cb_jtype_t t = cb_jtok_type(doc, i);
    if (t != CB_JT_STRING && t != CB_JT_PRIMITIVE) {
        return CB_E_PARSE;
    }
    cb_str_t raw = cb_jtok_raw(doc, i);
    bool neg = raw.len > 0 && raw.ptr[0] == '-';
    uint64_t mag;
    int rc = s_digits_u64(raw.ptr + neg, raw.len - neg, &mag);
    if (rc != 0) {
        return rc;
    }
    if (neg ? mag > (uint64_t) INT64_MAX + 1 : mag > (uint64_t) INT64_MAX) {
        return CB_E_RANGE;
    }
    *out = neg ? (int64_t) (0 - mag) : (int64_t) mag;
    return 0;
}

int
cb_jtok_rfc3339(const cb_jdoc_t *doc, int i, int64_t *ns)
{
    if (cb_jtok_type(doc, i) != CB_JT_STRING) {
        return CB_E_PARSE;
    }
    cb_str_t t = cb_jtok_raw(doc, i);
    return cb_time_parse_rfc3339(t.ptr, t.len, ns);
}

int
cb_jtok_bool(const cb_jdoc_t *doc, int i, bool *out)
{
    if (cb_jtok_type(doc, i) != CB_JT_PRIMITIVE) {
        return CB_E_PARSE;
    }
    if (cb_jtok_eq(doc, i, "true") || cb_jtok_eq(doc, i, "false")) {
        *out = cb_jtok_eq(doc, i, "true");
        return 0;
    }
    return CB_E_PARSE;
}

static int
s_hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int d = cb_str_hex_digit(p[k]);
        if (d < 0) {
            return CB_E_PARSE;
        }
        v = v * 16 + (unsigned) d;
    }
    *out = v;
    return 0;
}

/* Appends code point cp as UTF-8; false when it does not fit. */
static bool
s_put_utf8(char *buf, size_t size, size_t *n, unsigned cp)
{
    char tmp[4];
    size_t len;
    if (cp < 0x80) {
        tmp[0] = (char) cp;
        len = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char) (0xC0 | (cp >> 6));
        tmp[1] = (char) (0x80 | (cp & 0x3F));
        len = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char) (0xE0 | (cp >> 12));
        tmp[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
        tmp[2] = (char) (0x80 | (cp & 0x3F));
        len = 3;
    } else {
        tmp[0] = (char) (0xF0 | (cp >> 18));
        tmp[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
        tmp[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
        tmp[3] = (char) (0x80 | (cp & 0x3F));
        len = 4;
    }
    if (*n + len >= size) {
        return false;
    }
    memcpy(buf + *n, tmp, len);
    *n += len;
    return true;
}

int
cb_jtok_string(const cb_jdoc_t *doc, int i, char *buf, size_t size)
{
    if (cb_jtok_type(doc, i) != CB_JT_STRING || size == 0) {
        return CB_E_PARSE;
    }
    cb_str_t raw = cb_jtok_raw(doc, i);
    size_t n = 0;
    for (size_t k = 0; k < raw.len;) {
        char c = raw.ptr[k];
        if ((unsigned char) c < 0x20) {
            return CB_E_PARSE;
        }
        if (c != '\\') {
            if (n + 1 >= size) {
                return CB_E_TOO_BIG;
            }
            buf[n++] = c;
            k++;
            continue;
        }
        if (k + 1 >= raw.len) {
            return CB_E_PARSE;
        }
        char e = raw.ptr[k + 1];
        k += 2;
        unsigned cp;
        switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            if (k + 4 > raw.len || s_hex4(raw.ptr + k, &cp) != 0) {
                return CB_E_PARSE;
            }
            k += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return CB_E_PARSE;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (k + 6 > raw.len || raw.ptr[k] != '\\' || raw.ptr[k + 1] != 'u' ||
                    s_hex4(raw.ptr + k + 2, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) {
                    return CB_E_PARSE;
                }
                k += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            break;
        default:
            return CB_E_PARSE;
        }
        if (!s_put_utf8(buf, size, &n, cp)) {
            return CB_E_TOO_BIG;
        }
    }
    buf[n] = '\0';
    if (!cb_utf8_valid(buf, n)) {
        return CB_E_PARSE;
    }
    return (int) n;
}

int
cb_jtok_selftest(void)
{
    static const char js[] = " {\"a\": [1, \"2.50\", {\"b\": null}], \"s\": \"x\\u00e9\\n\", "
                             "\"t\": true, \"n\": -42} ";
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    int ok = cb_jdoc_parse(&doc, js, sizeof(js) - 1) == 0;
    int a = cb_jtok_get(&doc, 0, "a");
    cb_decimal_t d;
    ok = ok && cb_jtok_size(&doc, a) == 3 && cb_jtok_decimal(&doc, cb_jtok_at(&doc, a, 1), &d) == 0 &&
         cb_decimal_cmp(d, cb_decimal_from_int(0)) > 0;
    ok = ok && cb_jtok_is_null(&doc, cb_jtok_get(&doc, cb_jtok_at(&doc, a, 2), "b"));
    char buf[8];
    ok = ok && cb_jtok_string(&doc, cb_jtok_get(&doc, 0, "s"), buf, sizeof(buf)) == 4;
    int64_t n = 0;
    bool t = false;
    ok = ok && cb_jtok_i64(&doc, cb_jtok_get(&doc, 0, "n"), &n) == 0 && n == -42;
    ok = ok && cb_jtok_bool(&doc, cb_jtok_get(&doc, 0, "t"), &t) == 0 && t;
    ok = ok && cb_jtok_get(&doc, 0, "missing") == -1;
    ok = ok && cb_jdoc_parse(&doc, "{\"a\":1} 2", 9) == CB_E_PARSE;
    ok = ok && cb_jdoc_parse(&doc, "{\"a\":", 5) == CB_E_PARSE;
    cb_jdoc_fini(&doc);
    return ok ? 0 : CB_E_INTERNAL;
}
