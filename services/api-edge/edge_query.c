/* edge_query.c - api-edge's query strings: percent-decoded parameters and the typed getters the routes use */
#include "edge_query.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_proto.h"
#include "cb_str.h"
#include "cb_utf8.h"
#include "edge_reply.h"

static int
s_fail(edge_query_t *q, char *err, size_t errsize, const char *why)
{
    q->count = 0;
    if (err != NULL && errsize > 0) {
        snprintf(err, errsize, "%s", why);
    }
    return CB_E_BAD_REQUEST;
}

/* Decodes len bytes of s into the arena at *used, NUL-terminated; the decoded
 * length in *out_len. false on a bad escape, a NUL, invalid UTF-8 or a full
 * arena. */
static bool
s_decode(edge_query_t *q, size_t *used, const char *s, size_t len, size_t *out_len)
{
    char *out = q->arena + *used;
    size_t room = sizeof q->arena - *used;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < len ? cb_str_hex_digit(s[i + 1]) : -1;
            int lo = i + 2 < len ? cb_str_hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                return false;
            }
            c = (char) (hi * 16 + lo);
            i += 2;
        }
        if (c == '\0' || n + 1 >= room) {
            return false;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    if (!cb_utf8_valid(out, n)) {
        return false;
    }
    *used += n + 1;
    *out_len = n;
    return true;
}

int
edge_query_parse(edge_query_t *q, const char *query, size_t len, char *err, size_t errsize)
{
    q->count = 0;
    size_t used = 0;
    size_t pos = 0;
    if (len > EDGE_QUERY_MAX_BYTES) {
        return s_fail(q, err, errsize, "query string too long");
    }
    while (pos < len) {
        const char *part = query + pos;
        const char *amp = memchr(part, '&', len - pos);
        size_t plen = amp != NULL ? (size_t) (amp - part) : len - pos;
        pos += plen + 1;
        if (plen == 0) {
            continue;
        }
        const char *eq = memchr(part, '=', plen);
        size_t nlen = eq != NULL ? (size_t) (eq - part) : plen;
        if (q->count == EDGE_QUERY_MAX_PARAMS) {
            return s_fail(q, err, errsize, "too many query parameters");
        }
        size_t name_at = used;
        size_t dn;
        size_t dv = 0;
        if (!s_decode(q, &used, part, nlen, &dn) ||
            (eq != NULL && !s_decode(q, &used, eq + 1, plen - nlen - 1, &dv)) ||
            (eq == NULL && !s_decode(q, &used, "", 0, &dv))) {
            return s_fail(q, err, errsize, "malformed query string (bad percent-escape or text)");
        }
        if (dn == 0) {
            return s_fail(q, err, errsize, "query parameter without a name");
        }
        const char *name = q->arena + name_at;
        if (edge_query_get(q, name) != NULL) {
            char why[EDGE_QUERY_ERR_MAX];
            snprintf(why, sizeof why, "query parameter '%.40s' given twice", name);
            return s_fail(q, err, errsize, why);
        }
        q->name[q->count] = name;
        q->value[q->count] = name + dn + 1;
        q->value_len[q->count] = dv;
        q->count++;
    }
    return 0;
}

const char *
edge_query_get(const edge_query_t *q, const char *name)
{
    for (size_t i = 0; i < q->count; i++) {
        if (strcmp(q->name[i], name) == 0) {
            return q->value[i];
        }
    }
    return NULL;
}

/* Copies an ASCII text upper-cased into out; false when it does not fit. */
static bool
s_upper(const char *s, size_t len, char *out, size_t size)
{
    if (len >= size) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        out[i] = (char) toupper((unsigned char) s[i]);
    }
    out[len] = '\0';
    return true;
}

int
edge_query_symbol(const edge_query_t *q, char *out, size_t size, char *err, size_t errsize)
{
    const char *sym = edge_query_get(q, "symbol");
    const char *quote = edge_query_get(q, "quote");
    static const char bad[] = "symbol must be an asset (BTC) or a symbol BASE-QUOTE (BTC-USD)";
    if (sym == NULL || sym[0] == '\0') {
        return edge_reply_bad_request(err, errsize, "%s is required", "symbol");
    }
    char qt[24] = "USD";
    if (quote != NULL && (!s_upper(quote, strlen(quote), qt, sizeof qt) ||
                          !cb_proto_asset_valid(qt, strlen(qt)))) {
        return edge_reply_bad_request(err, errsize, "%s must be an asset such as USD or USDT", "quote");
    }
    char text[48];
    if (!s_upper(sym, strlen(sym), text, sizeof text)) {
        return edge_reply_bad_request(err, errsize, "%s", bad);
    }
    const char *dash = strchr(text, '-');
    if (dash == NULL) {
        if (!cb_proto_asset_valid(text, strlen(text))) {
            return edge_reply_bad_request(err, errsize, "%s", bad);
        }
        size_t n = strlen(text);
        if (n + 1 + strlen(qt) >= sizeof text) {
            return edge_reply_bad_request(err, errsize, "%s", bad);
        }
        text[n] = '-';
        memcpy(text + n + 1, qt, strlen(qt) + 1);
    } else if (quote != NULL && strcmp(dash + 1, qt) != 0) {
        return edge_reply_bad_request(err, errsize, "%s names another quote than the symbol's", "quote");
    }
    if (!cb_proto_symbol_valid(text, strlen(text)) || strlen(text) >= size) {
        return edge_reply_bad_request(err, errsize, "%s", bad);
    }
    memcpy(out, text, strlen(text) + 1);
    return 0;
}

int
edge_query_venue(const edge_query_t *q, bool required, char *out, size_t size, char *err,
                 size_t errsize)
{
    const char *v = edge_query_get(q, "venue");
    out[0] = '\0';
    if (v == NULL || v[0] == '\0') {
        return required ? edge_reply_bad_request(err, errsize, "%s is required", "venue") : 0;
    }
    size_t n = strlen(v);
    if (n >= size || n > 32) {
        return edge_reply_bad_request(err, errsize, "%s is not a venue name", "venue");
    }
    for (size_t i = 0; i <= n; i++) {
        out[i] = (char) tolower((unsigned char) v[i]);
    }
    if (!cb_proto_name_valid(out, n, 32)) {
        out[0] = '\0';
        return edge_reply_bad_request(err, errsize, "%s is not a venue name", "venue");
    }
    return 0;
}

int
edge_query_int(const edge_query_t *q, const char *name, long def, long min, long max, long *out,
               char *err, size_t errsize)
{
    const char *v = edge_query_get(q, name);
    if (v == NULL) {
        *out = def;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    long n = (v[0] >= '0' && v[0] <= '9') || v[0] == '-' ? strtol(v, &end, 10) : 0;
    if (end == NULL || end == v || *end != '\0' || errno != 0 || n < min || n > max) {
        return edge_reply_bad_request(err, errsize, "%s must be an integer from %ld to %ld", name, min, max);
    }
    *out = n;
    return 0;
}

int
edge_query_choice(const edge_query_t *q, const char *name, const char *choices, const char *def,
                  const char **out, char *err, size_t errsize)
{
    const char *v = edge_query_get(q, name);
    if (v == NULL) {
        if (def == NULL) {
            return edge_reply_bad_request(err, errsize, "%s is required", name);
        }
        *out = def;
        return 0;
    }
    if (!cb_proto_enum_valid(choices, v, strlen(v))) {
        if (err != NULL && errsize > 0) {
            snprintf(err, errsize, "%s must be one of %s", name, choices);
        }
        return CB_E_BAD_REQUEST;
    }
    *out = v;
    return 0;
}

int
edge_query_selftest(void)
{
    edge_query_t q;
    char err[EDGE_QUERY_ERR_MAX];
    char sym[40];
    static const char text[] = "symbol=btc&quote=usd&x=a%20b+c&flag";
    if (edge_query_parse(&q, text, sizeof text - 1, err, sizeof err) != 0 || q.count != 4 ||
        strcmp(edge_query_get(&q, "x"), "a b c") != 0 || strcmp(edge_query_get(&q, "flag"), "") != 0 ||
        edge_query_symbol(&q, sym, sizeof sym, err, sizeof err) != 0 || strcmp(sym, "BTC-USD") != 0) {
        return -1;
    }
    static const char dup[] = "a=1&a=2";
    static const char esc[] = "a=%2";
    static const char nul[] = "a=%00";
    if (edge_query_parse(&q, dup, sizeof dup - 1, err, sizeof err) == 0 ||
        edge_query_parse(&q, esc, sizeof esc - 1, err, sizeof err) == 0 ||
        edge_query_parse(&q, nul, sizeof nul - 1, err, sizeof err) == 0) {
        return -1;
    }
    return 0;
}
