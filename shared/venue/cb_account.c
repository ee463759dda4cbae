/* cb_account.c - the dialect-neutral account shapes: decimals with their text, sorting, words, paging cursors */
#include "cb_account.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "cb_error.h"

#define S_VEC_MAX 100000

void
cb_acct_cache_key(const char *venue, char *key, size_t size)
{
    snprintf(key, size, "coinbus:account:{%s}:balances", venue);
}

void
cb_acct_epoch_key(const char *venue, char *key, size_t size)
{
    snprintf(key, size, "coinbus:account:{%s}:epoch", venue);
}

int
cb_acct_dec_parse(cb_acct_dec_t *d, const char *text, size_t len)
{
    memset(d, 0, sizeof(*d));
    if (len == 0 || len >= sizeof d->text) {
        return len == 0 ? CB_E_PARSE : CB_E_RANGE;
    }
    int rc = cb_decimal_parse(text, len, &d->value);
    if (rc != 0) {
        return rc;
    }
    memcpy(d->text, text, len);
    d->text[len] = '\0';
    d->set = true;
    return 0;
}

unsigned
cb_acct_dec_scale(const cb_acct_dec_t *d)
{
    if (strpbrk(d->text, "eE") != NULL) {
        return d->value.scale;
    }
    const char *dot = strchr(d->text, '.');
    size_t n = dot != NULL ? strlen(dot + 1) : 0;
    return n > CB_DECIMAL_MAX_SCALE ? CB_DECIMAL_MAX_SCALE : (unsigned) n;
}

int
cb_acct_dec_set(cb_acct_dec_t *d, cb_decimal_t value, unsigned scale)
{
    memset(d, 0, sizeof(*d));
    cb_decimal_t scaled;
    if (scale > CB_DECIMAL_MAX_SCALE || value.scale > scale ||
        cb_decimal_round(value, scale, CB_ROUND_DOWN, &scaled) != 0) {
        return CB_E_RANGE;
    }
    /* The canonical text drops trailing zeros: pad them back to scale. */
    char canon[CB_DECIMAL_STR_MAX];
    int n = cb_decimal_format(scaled, canon, sizeof canon);
    if (n < 0) {
        return CB_E_RANGE;
    }
    const char *dot = strchr(canon, '.');
    size_t have = dot != NULL ? strlen(dot + 1) : 0;
    int w = snprintf(d->text, sizeof d->text, "%s%s%.*s", canon,
                     dot == NULL && scale > 0 ? "." : "", (int) (scale - have),
                     "000000000000000000");
    if (w < 0 || (size_t) w >= sizeof d->text) {
        return CB_E_RANGE;
    }
    d->value = value;
    d->set = true;
    return 0;
}

void
cb_acct_vec_fini(cb_acct_vec_t *v)
{
    free(v->items);
    memset(v, 0, sizeof(*v));
}

void *
cb_acct_vec_push(cb_acct_vec_t *v, size_t elem_size)
{
    if (v->count == v->cap) {
        if (v->cap >= S_VEC_MAX) {
            return NULL;
        }
        size_t cap = v->cap == 0 ? 16 : v->cap * 2;
        void *items = realloc(v->items, cap * elem_size);
        if (items == NULL) {
            return NULL;
        }
        v->items = items;
        v->cap = cap;
    }
    char *slot = (char *) v->items + v->count * elem_size;
    memset(slot, 0, elem_size);
    v->count++;
    return slot;
}

static int
s_desc(int64_t ta, uint64_t sa, int64_t tb, uint64_t sb)
{
    if (ta != tb) {
        return ta > tb ? -1 : 1;
    }
    if (sa != sb) {
        return sa > sb ? -1 : 1;
    }
    return 0;
}

int
cb_acct_order_newest_first(const void *a, const void *b)
{
    const cb_acct_order_t *x = a;
    const cb_acct_order_t *y = b;
    int c = s_desc(x->created_ms, x->seq, y->created_ms, y->seq);
    return c != 0 ? c : strcmp(y->id, x->id);
}

int
cb_acct_trade_newest_first(const void *a, const void *b)
{
    const cb_acct_trade_t *x = a;
    const cb_acct_trade_t *y = b;
    int c = s_desc(x->time_ms, x->seq, y->time_ms, y->seq);
    return c != 0 ? c : strcmp(y->id, x->id);
}

static bool
s_word_is(cb_str_t w, const char *text)
{
    return w.len == strlen(text) && strncasecmp(w.ptr, text, w.len) == 0;
}

const char *
cb_acct_side(cb_str_t word)
{
    if (s_word_is(word, "buy")) {
        return "buy";
    }
    return s_word_is(word, "sell") ? "sell" : NULL;
}

const char *
cb_acct_type(cb_str_t word)
{
    static const struct {
        const char *word;
        const char *type;
    } map[] = {
        {"market", "market"},
        {"limit", "limit"},
        {"limit_maker", "limit"},
        {"stop-loss", "stop-loss"},
        {"stop-loss-limit", "stop-loss"},
        {"stop_loss", "stop-loss"},
        {"stop_loss_limit", "stop-loss"},
        {"take-profit", "take-profit"},
        {"take-profit-limit", "take-profit"},
        {"take_profit", "take-profit"},
        {"take_profit_limit", "take-profit"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (s_word_is(word, map[i].word)) {
            return map[i].type;
        }
    }
    return NULL;
}

/* ---- cursors ------------------------------------------------------------------- */

int
cb_acct_cursor_encode(const cb_acct_cursor_t *c, char *out, size_t size)
{
    char plain[CB_ACCT_CURSOR_MAX / 4 * 3 - 4];
    int n = snprintf(plain, sizeof plain, "v1|%c|%" PRId64 "|%" PRId64 "|", c->kind, c->end_ms,
                     c->ofs);
    for (size_t i = 0; i < c->npos && n > 0 && (size_t) n < sizeof plain; i++) {
        const cb_acct_cursor_pos_t *p = &c->pos[i];
        n += snprintf(plain + n, sizeof plain - (size_t) n, "%s:%" PRId64 ":%" PRIu64 ":%d|",
                      p->symbol, p->end_ms, p->seq, p->done ? 1 : 0);
    }
    if (n < 0 || (size_t) n >= sizeof plain || size < ((size_t) n + 2) / 3 * 4 + 1) {
        return CB_E_TOO_BIG;
    }
    int w = EVP_EncodeBlock((unsigned char *) out, (const unsigned char *) plain, n);
    while (w > 0 && out[w - 1] == '=') {
        w--;
    }
    out[w] = '\0';
    for (int i = 0; i < w; i++) {
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    }
    return 0;
}

/* Reads an integer field ending at sep; advances *p past sep. */
static bool
s_field_i64(const char **p, char sep, int64_t *out)
{
    char *end = NULL;
    long long v = strtoll(*p, &end, 10);
    if (end == *p || *end != sep) {
        return false;
    }
    *out = v;
    *p = end + 1;
    return true;
}

static bool
s_field_u64(const char **p, char sep, uint64_t *out)
{
    char *end = NULL;
    if (**p == '-') {
        return false;
    }
    unsigned long long v = strtoull(*p, &end, 10);
    if (end == *p || *end != sep) {
        return false;
    }
    *out = v;
    *p = end + 1;
    return true;
}

static bool
s_decode_plain(const char *plain, char kind, cb_acct_cursor_t *out)
{
    const char *p = plain;
    if (strncmp(p, "v1|", 3) != 0 || p[3] != kind || p[4] != '|') {
        return false;
    }
    p += 5;
    if (!s_field_i64(&p, '|', &out->end_ms) || !s_field_i64(&p, '|', &out->ofs) || out->ofs < 0) {
        return false;
    }
    while (*p != '\0') {
        if (out->npos == CB_ACCT_CURSOR_SYMBOLS) {
            return false;
        }
        cb_acct_cursor_pos_t *pos = &out->pos[out->npos++];
        const char *colon = strchr(p, ':');
        if (colon == NULL || colon == p || (size_t) (colon - p) >= sizeof pos->symbol) {
            return false;
        }
        memcpy(pos->symbol, p, (size_t) (colon - p));
        p = colon + 1;
        int64_t done = 0;
        if (!s_field_i64(&p, ':', &pos->end_ms) || !s_field_u64(&p, ':', &pos->seq) ||
            !s_field_i64(&p, '|', &done) || (done != 0 && done != 1)) {
            return false;
        }
        pos->done = done == 1;
    }
    return true;
}

int
cb_acct_cursor_decode(const char *text, size_t len, char kind, cb_acct_cursor_t *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    if (len == 0 || len > CB_ACCT_CURSOR_MAX || len % 4 == 1) {
        return CB_E_BAD_REQUEST;
    }
    char b64[CB_ACCT_CURSOR_MAX + 4];
    for (size_t i = 0; i < len; i++) {
        char ch = text[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_')) {
            return CB_E_BAD_REQUEST;
        }
        b64[i] = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    }
    size_t n = len;
    while (n % 4 != 0) {
        b64[n++] = '=';
    }
    unsigned char plain[CB_ACCT_CURSOR_MAX];
    int w = EVP_DecodeBlock(plain, (const unsigned char *) b64, (int) n);
    if (w < 0) {
        return CB_E_BAD_REQUEST;
    }
    w -= (int) (n - len); /* the padding's zero bytes */
    if (w <= 0 || memchr(plain, '\0', (size_t) w) != NULL) {
        return CB_E_BAD_REQUEST;
    }
    plain[w] = '\0';
    if (!s_decode_plain((const char *) plain, kind, out)) {
        memset(out, 0, sizeof(*out));
        return CB_E_BAD_REQUEST;
    }
    return 0;
}
