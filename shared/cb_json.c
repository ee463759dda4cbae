/* cb_json.c - JSON <-> msgpack with exact numbers (decimals stay decimal strings) */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_json.h"
#include "cb_mp.h"
#include "cb_str.h"
#include "cb_utf8.h"

/* ---- JSON -> msgpack --------------------------------------------------------
 * msgpack writes a container's element count before its elements, so the text
 * is read twice. The checking pass (pk == NULL) validates everything: grammar,
 * UTF-8, escapes, duplicate keys, number ranges and depth, and records the
 * count of every container in document order. The packing pass reads the same
 * text again and takes the counts from that table. Nothing reaches the packer
 * unless the whole text is valid, and the work stays linear in the input. */

/* A key of an object that is still open in the checking pass. */
typedef struct {
    size_t off;      /* its unescaped bytes: keybuf.data + off */
    size_t len;
    size_t at;       /* the offset of its opening quote in the text */
    const char *ptr; /* keybuf.data + off, set once the object is complete */
} s_key_t;

typedef struct {
    const char *text;
    size_t len;
    size_t pos;
    msgpack_packer *pk; /* NULL in the checking pass */
    char *err;
    size_t errsize;
    cb_buf_t str;     /* the last string read, when it had escapes */
    uint32_t *counts; /* element count of each container, in document order */
    size_t ncounts;
    size_t counts_cap;
    size_t next_count; /* the packing pass's cursor into counts */
    s_key_t *keys;     /* keys of the open objects, innermost last */
    size_t nkeys;
    size_t keys_cap;
    cb_buf_t keybuf;
} s_parser_t;

static int
s_fail(s_parser_t *p, int code, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
s_fail(s_parser_t *p, int code, size_t at, const char *fmt, ...)
{
    if (p->err != NULL && p->errsize > 0) {
        char why[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
        snprintf(p->err, p->errsize, "%s at byte %zu: %s",
                 code == CB_E_NOMEM ? "out of memory" : "invalid JSON", at, why);
    }
    return code;
}

/* Turns a msgpack_pack_* result into ours. */
static int
s_packed(s_parser_t *p, int rc)
{
    return rc == 0 ? 0 : s_fail(p, CB_E_NOMEM, p->pos, "cannot write the msgpack output");
}

/* Grows an array of elements of size bytes so that it holds one more. */
static int
s_grow(void **array, size_t *cap, size_t used, size_t size)
{
    if (used < *cap) {
        return 0;
    }
    size_t n = *cap == 0 ? 16 : *cap;
    if (n > SIZE_MAX / 2 / size) {
        return CB_E_NOMEM;
    }
    void *grown = realloc(*array, 2 * n * size);
    if (grown == NULL) {
        return CB_E_NOMEM;
    }
    *array = grown;
    *cap = 2 * n;
    return 0;
}

static void
s_skip_ws(s_parser_t *p)
{
    while (p->pos < p->len) {
        char c = p->text[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            return;
        }
        p->pos++;
    }
}

static bool
s_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads the four hex digits of a \u escape at p->pos. */
static int
s_hex4(s_parser_t *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        if (p->pos >= p->len) {
            return s_fail(p, CB_E_PARSE, p->pos, "unterminated string");
        }
        int d = cb_str_hex_digit(p->text[p->pos]);
        if (d < 0) {
            return s_fail(p, CB_E_PARSE, p->pos, "\\u needs four hex digits");
        }
        v = v << 4 | (unsigned) d;
        p->pos++;
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
        u[0] = (char) (0xc0 | cp >> 6);
        u[1] = (char) (0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char) (0xe0 | cp >> 12);
        u[1] = (char) (0x80 | (cp >> 6 & 0x3f));
        u[2] = (char) (0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char) (0xf0 | cp >> 18);
        u[1] = (char) (0x80 | (cp >> 12 & 0x3f));
        u[2] = (char) (0x80 | (cp >> 6 & 0x3f));
        u[3] = (char) (0x80 | (cp & 0x3f));
        n = 4;
    }
    return cb_buf_append(b, u, n);
}

/* Decodes the escape whose backslash is at p->pos into p->str. */
static int
s_escape(s_parser_t *p)
{
    size_t at = p->pos++;
    if (p->pos >= p->len) {
        return s_fail(p, CB_E_PARSE, p->pos, "unterminated string");
    }
    static const char from[] = "\"\\/bfnrt";
    static const char to[] = "\"\\/\b\f\n\r\t";
    char e = p->text[p->pos++];
    const char *hit = e == '\0' ? NULL : strchr(from, e);
    if (hit != NULL) {
        return cb_buf_append_char(&p->str, to[hit - from]);
    }
    if (e != 'u') {
        return s_fail(p, CB_E_PARSE, at, "invalid escape");
    }
    unsigned cp;
    int rc = s_hex4(p, &cp);
    if (rc != 0) {
        return rc;
    }
    if (cp >= 0xdc00 && cp <= 0xdfff) {
        return s_fail(p, CB_E_PARSE, at, "lone low surrogate \\u%04x", cp);
    }
    if (cp >= 0xd800 && cp <= 0xdbff) {
        if (p->len - p->pos < 2 || p->text[p->pos] != '\\' || p->text[p->pos + 1] != 'u') {
            return s_fail(p, CB_E_PARSE, at, "lone high surrogate \\u%04x", cp);
        }
        p->pos += 2;
        unsigned low;
        if ((rc = s_hex4(p, &low)) != 0) {
            return rc;
        }
        if (low < 0xdc00 || low > 0xdfff) {
            return s_fail(p, CB_E_PARSE, at, "high surrogate \\u%04x without a low one", cp);
        }
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    return s_put_utf8(&p->str, cp);
}

/* Reads the string whose opening quote is at p->pos. *s / *n get its bytes:
 * a slice of the text when it has no escapes, else p->str. */
static int
s_string(s_parser_t *p, const char **s, size_t *n)
{
    size_t start = ++p->pos;
    bool escaped = false;
    cb_buf_reset(&p->str);
    for (;;) {
        size_t run = p->pos;
        while (p->pos < p->len) {
            unsigned char c = (unsigned char) p->text[p->pos];
            if (c == '"' || c == '\\' || c < 0x20) {
                break;
            }
            p->pos++;
        }
        /* Multibyte sequences hold no ASCII, so checking each run between
         * escapes checks the whole string; escapes decode to valid UTF-8. */
        size_t ok = cb_utf8_valid_prefix(p->text + run, p->pos - run);
        if (ok < p->pos - run) {
            return s_fail(p, CB_E_PARSE, run + ok, "invalid UTF-8 in string");
        }
        if (p->pos >= p->len) {
            return s_fail(p, CB_E_PARSE, p->pos, "unterminated string");
        }
        char c = p->text[p->pos];
        if (c == '"') {
            if (escaped && cb_buf_append(&p->str, p->text + run, p->pos - run) != 0) {
                return s_fail(p, CB_E_NOMEM, p->pos, "string too long");
            }
            p->pos++;
            break;
        }
        if (c != '\\') {
            return s_fail(p, CB_E_PARSE, p->pos, "control character in string");
        }
        /* The first escape copies the string so far; later ones the run. */
        size_t from = escaped ? run : start;
        escaped = true;
        int rc = cb_buf_append(&p->str, p->text + from, p->pos - from);
        if (rc == 0) {
            rc = s_escape(p);
        }
        if (rc != 0) {
            return rc == CB_E_NOMEM ? s_fail(p, rc, p->pos, "string too long") : rc;
        }
    }
    if (escaped) {
        *s = p->str.data;
        *n = p->str.len;
    } else {
        *s = p->text + start;
        *n = p->pos - 1 - start;
    }
    return 0;
}

static int
s_number(s_parser_t *p)
{
    size_t start = p->pos;
    const char *t = p->text;
    bool negative = t[p->pos] == '-';
    p->pos += negative;
    size_t digits = p->pos;
    if (p->pos >= p->len || !s_is_digit(t[p->pos])) {
        return s_fail(p, CB_E_PARSE, p->pos, "expected a digit");
    }
    if (t[p->pos] == '0') {
        p->pos++;
        if (p->pos < p->len && s_is_digit(t[p->pos])) {
            return s_fail(p, CB_E_PARSE, start, "number with a leading zero");
        }
    }
    while (p->pos < p->len && s_is_digit(t[p->pos])) {
        p->pos++;
    }
    size_t digits_end = p->pos;
    if (p->pos < p->len && t[p->pos] == '.') {
        p->pos++;
        if (p->pos >= p->len || !s_is_digit(t[p->pos])) {
            return s_fail(p, CB_E_PARSE, p->pos, "expected a digit after '.'");
        }
        while (p->pos < p->len && s_is_digit(t[p->pos])) {
            p->pos++;
        }
    }
    if (p->pos < p->len && (t[p->pos] == 'e' || t[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (t[p->pos] == '+' || t[p->pos] == '-')) {
            p->pos++;
        }
        if (p->pos >= p->len || !s_is_digit(t[p->pos])) {
            return s_fail(p, CB_E_PARSE, p->pos, "expected a digit in the exponent");
        }
        while (p->pos < p->len && s_is_digit(t[p->pos])) {
            p->pos++;
        }
    }
    if (digits_end == p->pos) {
        /* An integer: a msgpack int when it fits 64 bits. */
        uint64_t mag = 0;
        bool fits = true;
        for (size_t i = digits; i < digits_end && fits; i++) {
            unsigned d = (unsigned) (t[i] - '0');
            fits = mag <= (UINT64_MAX - d) / 10;
            mag = mag * 10 + d;
        }
        if (fits && !negative) {
            return p->pk == NULL ? 0 : s_packed(p, msgpack_pack_uint64(p->pk, mag));
        }
        if (fits && mag <= (uint64_t) INT64_MAX + 1) {
            int64_t v = mag == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) mag;
            return p->pk == NULL ? 0 : s_packed(p, msgpack_pack_int64(p->pk, v));
        }
    }
    cb_decimal_t d;
    int rc = cb_decimal_parse(t + start, p->pos - start, &d);
    if (rc == CB_E_RANGE) {
        return s_fail(p, CB_E_RANGE, start,
                      "number out of range (at most %d digits, %d after the point)",
                      CB_DECIMAL_MAX_DIGITS, CB_DECIMAL_MAX_SCALE);
    }
    if (rc != 0) {
        return s_fail(p, CB_E_PARSE, start, "bad number");
    }
    if (p->pk == NULL) {
        return 0;
    }
    char text[CB_DECIMAL_STR_MAX];
    int n = cb_decimal_format(d, text, sizeof text);
    if (n < 0) {
        return s_fail(p, CB_E_INTERNAL, start, "cannot format the number");
    }
    return s_packed(p, msgpack_pack_str_with_body(p->pk, text, (size_t) n));
}

static int
s_literal(s_parser_t *p, const char *word, size_t n)
{
    if (p->len - p->pos < n || memcmp(p->text + p->pos, word, n) != 0) {
        return s_fail(p, CB_E_PARSE, p->pos, "invalid literal (expected '%s')", word);
    }
    p->pos += n;
    if (p->pk == NULL) {
        return 0;
    }
    switch (word[0]) {
    case 't':
        return s_packed(p, msgpack_pack_true(p->pk));
    case 'f':
        return s_packed(p, msgpack_pack_false(p->pk));
    default:
        return s_packed(p, msgpack_pack_nil(p->pk));
    }
}

/* Opens the container whose bracket is at p->pos, depth levels deep. The
 * checking pass reserves its slot in counts; the packing pass writes its
 * header with the count found then. */
static int
s_open(s_parser_t *p, int depth, size_t *slot)
{
    if (depth > CB_JSON_MAX_DEPTH) {
        return s_fail(p, CB_E_TOO_BIG, p->pos, "nested deeper than %d levels",
                      CB_JSON_MAX_DEPTH);
    }
    bool object = p->text[p->pos] == '{';
    p->pos++;
    if (p->pk != NULL) {
        uint32_t count = p->counts[p->next_count];
        *slot = p->next_count++;
        return s_packed(p, object ? msgpack_pack_map(p->pk, count)
                                  : msgpack_pack_array(p->pk, count));
    }
    if (s_grow((void **) &p->counts, &p->counts_cap, p->ncounts, sizeof *p->counts) != 0) {
        return s_fail(p, CB_E_NOMEM, p->pos, "too many containers");
    }
    *slot = p->ncounts++;
    return 0;
}

/* Counts one more element; a container is limited to what msgpack can count. */
static int
s_count(s_parser_t *p, uint32_t *n)
{
    if (*n == UINT32_MAX) {
        return s_fail(p, CB_E_TOO_BIG, p->pos, "more than %" PRIu32 " elements",
                      (uint32_t) UINT32_MAX - 1);
    }
    (*n)++;
    return 0;
}

static void
s_close(s_parser_t *p, size_t slot, uint32_t n)
{
    if (p->pk == NULL) {
        p->counts[slot] = n;
    } else {
        assert(p->counts[slot] == n);
    }
}

static bool
s_key_equal(const s_key_t *x, const s_key_t *y)
{
    return x->len == y->len && (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0);
}

/* Orders keys by bytes, then by place in the text. */
static int
s_key_cmp(const void *a, const void *b)
{
    const s_key_t *x = a;
    const s_key_t *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n == 0 ? 0 : memcmp(x->ptr, y->ptr, n);
    if (c != 0) {
        return c;
    }
    if (x->len != y->len) {
        return x->len < y->len ? -1 : 1;
    }
    return x->at < y->at ? -1 : x->at > y->at;
}

/* Refuses a duplicate among the keys of the object just completed (keys
 * first .. nkeys). Sorting keeps this O(n log n) for objects with many keys;
 * the error names the earliest repeat in the text. */
static int
s_keys_check(s_parser_t *p, size_t first)
{
    s_key_t *k = p->keys + first;
    size_t n = p->nkeys - first;
    if (n < 2) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        k[i].ptr = p->keybuf.data + k[i].off;
    }
    qsort(k, n, sizeof *k, s_key_cmp);
    const s_key_t *dup = NULL;
    for (size_t i = 1; i < n; i++) {
        if (s_key_equal(&k[i], &k[i - 1]) && (dup == NULL || k[i].at < dup->at)) {
            dup = &k[i];
        }
    }
    if (dup == NULL) {
        return 0;
    }
    /* Shown as printable ASCII and UTF-8, cut on a character boundary. */
    char shown[40];
    size_t len = dup->len <= 32 ? dup->len : 32;
    while (len < dup->len && len > 0 && ((unsigned char) dup->ptr[len] & 0xc0) == 0x80) {
        len--;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) dup->ptr[i];
        shown[i] = c < 0x20 || c == 0x7f || c == '"' || c == '\\' ? '?' : (char) c;
    }
    snprintf(shown + len, sizeof shown - len, "%s", len < dup->len ? "..." : "");
    return s_fail(p, CB_E_PARSE, dup->at, "duplicate key \"%s\"", shown);
}

static int s_value(s_parser_t *p, int depth);

static int
s_object(s_parser_t *p, int depth)
{
    size_t slot;
    int rc = s_open(p, depth, &slot);
    if (rc != 0) {
        return rc;
    }
    size_t first_key = p->nkeys;
    size_t keybuf_mark = p->keybuf.len;
    uint32_t n = 0;
    s_skip_ws(p);
    if (p->pos < p->len && p->text[p->pos] == '}') {
        p->pos++;
        s_close(p, slot, n);
        return 0;
    }
    for (;;) {
        s_skip_ws(p);
        if (p->pos >= p->len || p->text[p->pos] != '"') {
            return s_fail(p, CB_E_PARSE, p->pos, "expected a string key");
        }
        size_t at = p->pos;
        const char *key;
        size_t keylen;
        if ((rc = s_string(p, &key, &keylen)) != 0) {
            return rc;
        }
        if (p->pk != NULL) {
            rc = s_packed(p, msgpack_pack_str_with_body(p->pk, key, keylen));
        } else if (s_grow((void **) &p->keys, &p->keys_cap, p->nkeys, sizeof *p->keys) != 0 ||
                   cb_buf_append(&p->keybuf, key, keylen) != 0) {
            rc = s_fail(p, CB_E_NOMEM, at, "too many keys");
        } else {
            p->keys[p->nkeys++] = (s_key_t){p->keybuf.len - keylen, keylen, at, NULL};
        }
        if (rc != 0) {
            return rc;
        }
        s_skip_ws(p);
        if (p->pos >= p->len || p->text[p->pos] != ':') {
            return s_fail(p, CB_E_PARSE, p->pos, "expected ':'");
        }
        p->pos++;
        if ((rc = s_value(p, depth)) != 0 || (rc = s_count(p, &n)) != 0) {
            return rc;
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
        return s_fail(p, CB_E_PARSE, p->pos, "expected ',' or '}'");
    }
    s_close(p, slot, n);
    if (p->pk == NULL) {
        if ((rc = s_keys_check(p, first_key)) != 0) {
            return rc;
        }
        p->nkeys = first_key;
        p->keybuf.len = keybuf_mark;
    }
    return 0;
}

static int
s_array(s_parser_t *p, int depth)
{
    size_t slot;
    int rc = s_open(p, depth, &slot);
    if (rc != 0) {
        return rc;
    }
    uint32_t n = 0;
    s_skip_ws(p);
    if (p->pos < p->len && p->text[p->pos] == ']') {
        p->pos++;
        s_close(p, slot, n);
        return 0;
    }
    for (;;) {
        if ((rc = s_value(p, depth)) != 0 || (rc = s_count(p, &n)) != 0) {
            return rc;
        }
        s_skip_ws(p);
        if (p->pos < p->len && p->text[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->text[p->pos] == ']') {
            p->pos++;
            break;
        }
        return s_fail(p, CB_E_PARSE, p->pos, "expected ',' or ']'");
    }
    s_close(p, slot, n);
    return 0;
}

/* Reads one value inside depth enclosing containers. */
static int
s_value(s_parser_t *p, int depth)
{
    s_skip_ws(p);
    if (p->pos >= p->len) {
        return s_fail(p, CB_E_PARSE, p->pos, "unexpected end of input");
    }
    unsigned char c = (unsigned char) p->text[p->pos];
    switch (c) {
    case '{':
        return s_object(p, depth + 1);
    case '[':
        return s_array(p, depth + 1);
    case '"': {
        const char *s;
        size_t n;
        int rc = s_string(p, &s, &n);
        if (rc != 0 || p->pk == NULL) {
            return rc;
        }
        return s_packed(p, msgpack_pack_str_with_body(p->pk, s, n));
    }
    case 't':
        return s_literal(p, "true", 4);
    case 'f':
        return s_literal(p, "false", 5);
    case 'n':
        return s_literal(p, "null", 4);
    default:
        if (c == '-' || s_is_digit((char) c)) {
            return s_number(p);
        }
        if (c > 0x20 && c < 0x7f) {
            return s_fail(p, CB_E_PARSE, p->pos, "unexpected character '%c'", c);
        }
        return s_fail(p, CB_E_PARSE, p->pos, "unexpected byte 0x%02x", c);
    }
}

/* One pass over the whole text. */
static int
s_document(s_parser_t *p)
{
    p->pos = 0;
    int rc = s_value(p, 0);
    if (rc != 0) {
        return rc;
    }
    s_skip_ws(p);
    if (p->pos < p->len) {
        return s_fail(p, CB_E_PARSE, p->pos, "unexpected data after the value");
    }
    return 0;
}

int
cb_json_to_msgpack(const char *json, size_t len, msgpack_packer *pk, char *err, size_t errsize)
{
    assert(pk != NULL);
    assert(json != NULL || len == 0);
    if (err != NULL && errsize > 0) {
        err[0] = '\0';
    }
    s_parser_t p;
    memset(&p, 0, sizeof p);
    p.text = json;
    p.len = len;
    p.err = err;
    p.errsize = errsize;
    int rc = s_document(&p);
    if (rc == 0) {
        p.pk = pk;
        rc = s_document(&p);
    }
    cb_buf_fini(&p.str);
    cb_buf_fini(&p.keybuf);
    free(p.counts);
    free(p.keys);
    return rc;
}

/* ---- msgpack -> JSON ------------------------------------------------------- */

int
cb_json_write_string(cb_buf_t *out, const char *s, size_t len)
{
    if (!cb_utf8_valid(s, len)) {
        return CB_E_PARSE;
    }
    size_t mark = out->len;
    int rc = cb_buf_append_char(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < len && rc == 0; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        char esc[8] = {'\\', (char) c, '\0'};
        switch (c) {
        case '"':
        case '\\':
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            break;
        }
        rc = cb_buf_append(out, s + run, i - run);
        if (rc == 0) {
            rc = cb_buf_append_str(out, esc);
        }
        run = i + 1;
    }
    if (rc == 0) {
        rc = cb_buf_append(out, s + run, len - run);
    }
    if (rc == 0) {
        rc = cb_buf_append_char(out, '"');
    }
    if (rc != 0) {
        out->len = mark;
        if (out->data != NULL) {
            out->data[mark] = '\0';
        }
    }
    return rc;
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
    if (cb_buf_reserve(out, len / 3 * 4 + 6) != 0) {
        return CB_E_NOMEM;
    }
    char *o = out->data + out->len;
    *o++ = '"';
    size_t i = 0;
    for (; len - i >= 3; i += 3) {
        uint32_t v = (uint32_t) data[i] << 16 | (uint32_t) data[i + 1] << 8 | data[i + 2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = alphabet[v >> 6 & 63];
        *o++ = alphabet[v & 63];
    }
    if (len - i > 0) {
        uint32_t v = (uint32_t) data[i] << 16;
        if (len - i == 2) {
            v |= (uint32_t) data[i + 1] << 8;
        }
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = len - i == 2 ? alphabet[v >> 6 & 63] : '=';
        *o++ = '=';
    }
    *o++ = '"';
    out->len = (size_t) (o - out->data);
    *o = '\0';
    return 0;
}

/* The shortest text that reads back to the same float32 (single) or double,
 * laid out as JavaScript does: plain digits from 1e-6 up to 1e21 ("100",
 * "0.001"), an exponent outside that ("1e+21", "1.5e-7"). */
static int
s_float(cb_buf_t *out, double v, bool single)
{
    if (!isfinite(v)) {
        return cb_buf_append_str(out, "null");
    }
    char sci[40];
    int digits = 1;
    for (; digits < (single ? 9 : 17); digits++) {
        snprintf(sci, sizeof sci, "%.*e", digits - 1, v);
        if (single ? strtof(sci, NULL) == (float) v : strtod(sci, NULL) == v) {
            break;
        }
    }
    snprintf(sci, sizeof sci, "%.*e", digits - 1, v);
    /* sci is [-]d[.ddd]e<sign><digits>: take the digits and the exponent. */
    char d[20];
    int nd = 0;
    const char *c = sci;
    bool negative = *c == '-';
    c += negative;
    for (; *c != 'e'; c++) {
        if (*c != '.') {
            d[nd++] = *c;
        }
    }
    int x = atoi(c + 1);
    while (nd > 1 && d[nd - 1] == '0') {
        nd--;
    }
    char text[48];
    char *o = text;
    if (negative) {
        *o++ = '-';
    }
    if (x >= -6 && x < 21) {
        if (x < 0) {
            *o++ = '0';
            *o++ = '.';
            for (int i = -1; i > x; i--) {
                *o++ = '0';
            }
            memcpy(o, d, (size_t) nd);
            o += nd;
        } else {
            for (int i = 0; i <= x || i < nd; i++) {
                if (i == x + 1) {
                    *o++ = '.';
                }
                *o++ = i < nd ? d[i] : '0';
            }
        }
    } else {
        *o++ = d[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t) nd - 1);
            o += nd - 1;
        }
        o += snprintf(o, sizeof text - (size_t) (o - text), "e%c%d", x < 0 ? '-' : '+',
                      x < 0 ? -x : x);
    }
    return cb_buf_append(out, text, (size_t) (o - text));
}

static int s_emit(cb_mp_reader_t *r, cb_buf_t *out, int depth);

static int
s_emit_container(cb_mp_reader_t *r, cb_buf_t *out, int depth, bool map)
{
    if (depth > CB_JSON_MAX_DEPTH) {
        return CB_E_TOO_BIG;
    }
    uint32_t n;
    /* The reader checks the count against the bytes left, so a lying count
     * fails here and the loop below runs at most once per input byte. */
    int rc = map ? cb_mp_read_map(r, &n) : cb_mp_read_array(r, &n);
    if (rc != 0) {
        return CB_E_PARSE;
    }
    if ((rc = cb_buf_append_char(out, map ? '{' : '[')) != 0) {
        return rc;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0 && (rc = cb_buf_append_char(out, ',')) != 0) {
            return rc;
        }
        if (map) {
            const char *key;
            size_t len;
            if (cb_mp_read_str(r, &key, &len) != 0) {
                return CB_E_PARSE;
            }
            if ((rc = cb_json_write_string(out, key, len)) != 0 ||
                (rc = cb_buf_append_char(out, ':')) != 0) {
                return rc;
            }
        }
        if ((rc = s_emit(r, out, depth)) != 0) {
            return rc;
        }
    }
    return cb_buf_append_char(out, map ? '}' : ']');
}

/* Writes one value inside depth enclosing containers. */
static int
s_emit(cb_mp_reader_t *r, cb_buf_t *out, int depth)
{
    switch (cb_mp_peek(r)) {
    case CB_MP_NIL:
        cb_mp_read_nil(r);
        return cb_buf_append(out, "null", 4);
    case CB_MP_BOOL: {
        bool b = false;
        cb_mp_read_bool(r, &b);
        return cb_buf_append_str(out, b ? "true" : "false");
    }
    case CB_MP_UINT:
    case CB_MP_INT: {
        /* int8..int64 may hold non-negative values too: try both readers. */
        int64_t i;
        uint64_t u;
        if (cb_mp_read_int(r, &i) == 0) {
            return cb_buf_appendf(out, "%" PRId64, i);
        }
        if (cb_mp_read_uint(r, &u) == 0) {
            return cb_buf_appendf(out, "%" PRIu64, u);
        }
        return CB_E_PARSE;
    }
    case CB_MP_FLOAT: {
        bool single = *r->pos == 0xca;
        double v;
        if (cb_mp_read_float(r, &v) != 0) {
            return CB_E_PARSE;
        }
        return s_float(out, v, single);
    }
    case CB_MP_STR: {
        const char *s;
        size_t len;
        if (cb_mp_read_str(r, &s, &len) != 0) {
            return CB_E_PARSE;
        }
        return cb_json_write_string(out, s, len);
    }
    case CB_MP_BIN: {
        const uint8_t *start;
        size_t total;
        if (cb_mp_skip(r, &start, &total) != 0) {
            return CB_E_PARSE;
        }
        size_t hdr = start[0] == 0xc4 ? 2 : start[0] == 0xc5 ? 3 : 5;
        return s_base64(out, start + hdr, total - hdr);
    }
    case CB_MP_ARRAY:
        return s_emit_container(r, out, depth + 1, false);
    case CB_MP_MAP:
        return s_emit_container(r, out, depth + 1, true);
    default:
        return CB_E_PARSE; /* ext, reserved bytes, end of input */
    }
}

int
cb_json_from_msgpack(const char *data, size_t len, cb_buf_t *out)
{
    if (len == 0) {
        return CB_E_PARSE;
    }
    size_t mark = out->len;
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, data, len);
    int rc = s_emit(&r, out, 0);
    if (rc == 0 && !cb_mp_at_end(&r)) {
        rc = CB_E_PARSE;
    }
    if (rc != 0 && out->data != NULL) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    return rc;
}
