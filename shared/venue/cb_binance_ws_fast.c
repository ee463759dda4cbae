/* cb_binance_ws_fast.c - one pass over the hot Binance stream payloads, without a token tree */
#include <string.h>

#include "cb_binance_impl.h"
#include "cb_book.h"
#include "cb_error.h"

/* The fast path reads the compact shapes Binance sends and nothing else:
 * every value it does not need is checked to be plain JSON (strings without
 * escapes, numbers, true/false/null) and skipped; anything unusual (escapes,
 * nested values, keys that change the message's meaning, a value it cannot
 * read, a message it does not know) makes it step aside, and the general
 * parser (cb_binance_ws_parse_doc) decides. So it accepts no input the
 * general parser refuses and emits exactly what the general parser would;
 * fuzz_binance checks both claims. */

/* A scanned value: its raw bytes (a string without quotes) and its kind. */
typedef struct {
    const char *ptr;
    size_t len;
    char kind;  /* 0 absent, 's' string, 'p' primitive, 'a' level array */
    size_t off; /* 'a': first level in the scratch */
    size_t n;   /* 'a': levels */
} s_val_t;

enum { K_e, K_E, K_s, K_t, K_p, K_q, K_T, K_m, K_U, K_u, K_pu, K_b, K_a, K_B, K_A, K_COUNT };

typedef struct {
    const char *p;
    const char *end;
    cb_md_parser_t *mp;
    size_t nlevels;
    s_val_t v[K_COUNT];
} s_scan_t;

static inline void
s_ws(s_scan_t *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) {
        s->p++;
    }
}

/* A string without escapes or control bytes at s->p (the opening quote). */
static bool
s_string(s_scan_t *s, const char **ptr, size_t *len)
{
    if (s->p >= s->end || *s->p != '"') {
        return false;
    }
    const char *start = ++s->p;
    while (s->p < s->end) {
        unsigned char c = (unsigned char) *s->p;
        if (c == '"') {
            *ptr = start;
            *len = (size_t) (s->p - start);
            s->p++;
            return true;
        }
        if (c == '\\' || c < 0x20) {
            return false;
        }
        s->p++;
    }
    return false;
}

/* A JSON number or true / false / null. */
static bool
s_primitive(s_scan_t *s, const char **ptr, size_t *len)
{
    const char *q = s->p;
    const char *e = s->end;
    if (q < e && (*q == 't' || *q == 'f' || *q == 'n')) {
        static const char *const words[] = {"true", "false", "null"};
        for (int k = 0; k < 3; k++) {
            size_t wl = strlen(words[k]);
            if ((size_t) (e - q) >= wl && memcmp(q, words[k], wl) == 0) {
                *ptr = q;
                *len = wl;
                s->p = q + wl;
                return true;
            }
        }
        return false;
    }
    if (q < e && *q == '-') {
        q++;
    }
    if (q >= e || *q < '0' || *q > '9') {
        return false;
    }
    if (*q == '0') {
        q++;
    } else {
        while (q < e && *q >= '0' && *q <= '9') {
            q++;
        }
    }
    if (q < e && *q == '.') {
        q++;
        if (q >= e || *q < '0' || *q > '9') {
            return false;
        }
        while (q < e && *q >= '0' && *q <= '9') {
            q++;
        }
    }
    if (q < e && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < e && (*q == '+' || *q == '-')) {
            q++;
        }
        if (q >= e || *q < '0' || *q > '9') {
            return false;
        }
        while (q < e && *q >= '0' && *q <= '9') {
            q++;
        }
    }
    *ptr = s->p;
    *len = (size_t) (q - s->p);
    s->p = q;
    return true;
}

/* An exact decimal as cb_jtok_decimal reads it (no leading '+'). */
static bool
s_decimal(const char *p, size_t len, cb_decimal_t *out)
{
    return len > 0 && p[0] != '+' && cb_decimal_parse(p, len, out) == 0;
}

/* [["p","q"],...] into the scratch: price > 0, amount >= 0. */
static bool
s_levels(s_scan_t *s, s_val_t *v)
{
    if (*s->p != '[') {
        return false;
    }
    s->p++;
    v->kind = 'a';
    v->off = s->nlevels;
    v->n = 0;
    s_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return true;
    }
    for (;;) {
        if (v->n >= CB_BOOK_MAX_LEVELS || cb_md_reserve_levels(s->mp, s->nlevels + 1) != 0) {
            return false;
        }
        cb_level_t *lv = &s->mp->levels[s->nlevels];
        const char *pp, *qp;
        size_t pl, ql;
        s_ws(s);
        if (s->p >= s->end || *s->p != '[') {
            return false;
        }
        s->p++;
        s_ws(s);
        if (!s_string(s, &pp, &pl)) {
            return false;
        }
        s_ws(s);
        if (s->p >= s->end || *s->p != ',') {
            return false;
        }
        s->p++;
        s_ws(s);
        if (!s_string(s, &qp, &ql)) {
            return false;
        }
        s_ws(s);
        if (s->p >= s->end || *s->p != ']') {
            return false;
        }
        s->p++;
        if (!s_decimal(pp, pl, &lv->price) || !s_decimal(qp, ql, &lv->qty) ||
            cb_decimal_sign(lv->price) <= 0 || cb_decimal_sign(lv->qty) < 0) {
            return false;
        }
        s->nlevels++;
        v->n++;
        s_ws(s);
        if (s->p >= s->end) {
            return false;
        }
        if (*s->p == ']') {
            s->p++;
            return true;
        }
        if (*s->p != ',') {
            return false;
        }
        s->p++;
    }
}

/* The slot of a key, -1 for a key read by nobody, -2 for one that changes
 * the message's meaning (the general parser decides). */
static int
s_key_slot(const char *k, size_t len)
{
    if (len == 1) {
        switch (k[0]) {
        case 'e':
            return K_e;
        case 'E':
            return K_E;
        case 's':
            return K_s;
        case 't':
            return K_t;
        case 'p':
            return K_p;
        case 'q':
            return K_q;
        case 'T':
            return K_T;
        case 'm':
            return K_m;
        case 'U':
            return K_U;
        case 'u':
            return K_u;
        case 'b':
            return K_b;
        case 'a':
            return K_a;
        case 'B':
            return K_B;
        case 'A':
            return K_A;
        case 'k':
        case 'c':
        case 'v':
            return -2;
        default:
            return -1;
        }
    }
    if (len == 2 && k[0] == 'p' && k[1] == 'u') {
        return K_pu;
    }
    static const char *const special[] = {"stream", "data",  "result",       "id",   "code",
                                          "msg",    "error", "lastUpdateId", "bids", "asks"};
    for (size_t j = 0; j < sizeof(special) / sizeof(special[0]); j++) {
        if (strlen(special[j]) == len && memcmp(special[j], k, len) == 0) {
            return -2;
        }
    }
    return -1;
}

/* One flat payload object at s->p: its members into s->v. */
static bool
s_object(s_scan_t *s)
{
    s_ws(s);
    if (s->p >= s->end || *s->p != '{') {
        return false;
    }
    s->p++;
    s_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return true;
    }
    for (;;) {
        const char *k;
        size_t kl;
        s_ws(s);
        if (!s_string(s, &k, &kl)) {
            return false;
        }
        s_ws(s);
        if (s->p >= s->end || *s->p != ':') {
            return false;
        }
        s->p++;
        s_ws(s);
        if (s->p >= s->end) {
            return false;
        }
        int slot = s_key_slot(k, kl);
        if (slot == -2) {
            return false;
        }
        s_val_t tmp;
        s_val_t *v = slot >= 0 && s->v[slot].kind == 0 ? &s->v[slot] : &tmp; /* the first wins */
        memset(&tmp, 0, sizeof(tmp));
        char c = *s->p;
        if (c == '"') {
            if (!s_string(s, &v->ptr, &v->len)) {
                return false;
            }
            v->kind = 's';
        } else if (c == '[') {
            if ((slot != K_b && slot != K_a) || !s_levels(s, v)) {
                return false;
            }
        } else if (c == '{') {
            return false;
        } else {
            if (!s_primitive(s, &v->ptr, &v->len)) {
                return false;
            }
            v->kind = 'p';
        }
        s_ws(s);
        if (s->p >= s->end) {
            return false;
        }
        if (*s->p == '}') {
            s->p++;
            return true;
        }
        if (*s->p != ',') {
            return false;
        }
        s->p++;
    }
}

/* Digits only (as cb_jtok_u64 / i64 read them, from a string or a number). */
static bool
s_u64(const s_val_t *v, uint64_t *out)
{
    if (v->kind != 's' && v->kind != 'p') {
        return false;
    }
    if (v->len == 0 || v->len > 20) {
        return false;
    }
    uint64_t x = 0;
    for (size_t k = 0; k < v->len; k++) {
        char c = v->ptr[k];
        if (c < '0' || c > '9') {
            return false;
        }
        unsigned d = (unsigned) (c - '0');
        if (x > (UINT64_MAX - d) / 10) {
            return false;
        }
        x = x * 10 + d;
    }
    *out = x;
    return true;
}

/* ms -> ns as cb_binance_ms_to_ns reads it (cb_jtok_i64, then >= 0 and
 * in range): an optional '-' before the digits leaves only zero. */
static bool
s_ns(const s_val_t *v, int64_t *ns)
{
    uint64_t ms;
    bool neg = (v->kind == 's' || v->kind == 'p') && v->len > 0 && v->ptr[0] == '-';
    s_val_t digits = *v;
    if (neg) {
        digits.ptr++;
        digits.len--;
    }
    if (!s_u64(&digits, &ms) || (neg && ms != 0) ||
        ms > (uint64_t) (INT64_MAX / CB_BINANCE_NS_PER_MS)) {
        return false;
    }
    *ns = (int64_t) ms * CB_BINANCE_NS_PER_MS;
    return true;
}

static bool
s_dec(const s_val_t *v, cb_decimal_t *out)
{
    return (v->kind == 's' || v->kind == 'p') && s_decimal(v->ptr, v->len, out);
}

static bool
s_native(const s_val_t *v, cb_md_msg_t *msg)
{
    if (v->kind != 's' || v->len == 0) {
        return false;
    }
    msg->native = (cb_str_t){v->ptr, v->len};
    return true;
}

static bool
s_tick(s_scan_t *s, cb_md_msg_t *msg)
{
    cb_md_msg_init(msg, CB_MD_TICK);
    cb_tick_t *tk = &msg->tick;
    cb_decimal_t bid, bq, ask, aq;
    if (!s_native(&s->v[K_s], msg) || !s_dec(&s->v[K_b], &bid) || !s_dec(&s->v[K_B], &bq) ||
        !s_dec(&s->v[K_a], &ask) || !s_dec(&s->v[K_A], &aq)) {
        return false;
    }
    CB_PROTO_SET(tk, tick, bid, bid);
    CB_PROTO_SET(tk, tick, bid_qty, bq);
    CB_PROTO_SET(tk, tick, ask, ask);
    CB_PROTO_SET(tk, tick, ask_qty, aq);
    int64_t ns;
    if (s->v[K_T].kind != 0 && s_ns(&s->v[K_T], &ns)) {
        CB_PROTO_SET(tk, tick, exch_ts, ns);
    }
    return true;
}

static bool
s_trade(s_scan_t *s, int id_slot, cb_md_msg_t *msg)
{
    cb_md_msg_init(msg, CB_MD_TRADES);
    cb_decimal_t price, qty;
    const s_val_t *m = &s->v[K_m];
    if (!s_native(&s->v[K_s], msg) || !s_dec(&s->v[K_p], &price) || !s_dec(&s->v[K_q], &qty) ||
        m->kind != 'p' ||
        !((m->len == 4 && memcmp(m->ptr, "true", 4) == 0) ||
          (m->len == 5 && memcmp(m->ptr, "false", 5) == 0)) ||
        cb_decimal_sign(price) <= 0 || cb_decimal_sign(qty) < 0 ||
        cb_md_reserve_trades(s->mp, 1) != 0) {
        return false;
    }
    bool buyer_maker = m->len == 4;
    cb_trade_t *tr = &s->mp->trades[0];
    memset(tr, 0, sizeof(*tr));
    CB_PROTO_SET(tr, trade, price, price);
    CB_PROTO_SET(tr, trade, qty, qty);
    CB_PROTO_SET(tr, trade, side, buyer_maker ? CB_STR("sell") : CB_STR("buy"));
    const s_val_t *id = &s->v[id_slot];
    if ((id->kind == 's' || id->kind == 'p') && id->len > 0 && id->len <= 64) {
        CB_PROTO_SET(tr, trade, trade_id, ((cb_str_t){id->ptr, id->len}));
    }
    int64_t ns;
    const s_val_t *ts = s->v[K_T].kind != 0 ? &s->v[K_T] : &s->v[K_E];
    if (s_ns(ts, &ns)) {
        CB_PROTO_SET(tr, trade, exch_ts, ns);
    }
    msg->trades = s->mp->trades;
    msg->count = 1;
    return true;
}

static bool
s_depth(s_scan_t *s, cb_md_msg_t *msg)
{
    cb_md_msg_init(msg, CB_MD_BOOK);
    uint64_t first, last;
    const s_val_t *b = &s->v[K_b];
    const s_val_t *a = &s->v[K_a];
    if (!s_native(&s->v[K_s], msg) || !s_u64(&s->v[K_U], &first) || !s_u64(&s->v[K_u], &last) ||
        first > last || b->kind != 'a' || a->kind != 'a') {
        return false;
    }
    cb_level_t *lv = s->mp->levels;
    CB_PROTO_SET(&msg->book, book, bids, ((cb_levels_t){lv + b->off, (uint32_t) b->n}));
    CB_PROTO_SET(&msg->book, book, asks, ((cb_levels_t){lv + a->off, (uint32_t) a->n}));
    CB_PROTO_SET(&msg->book, book, snapshot, false);
    CB_PROTO_SET(&msg->book, book, update_id, last);
    msg->first_update_id = first;
    uint64_t pu;
    if (s->v[K_pu].kind != 0 && s_u64(&s->v[K_pu], &pu)) {
        msg->prev_update_id = pu;
    }
    int64_t ns;
    if (s_ns(&s->v[K_E], &ns)) {
        CB_PROTO_SET(&msg->book, book, exch_ts, ns);
    }
    return true;
}

static bool
s_is(const s_val_t *v, const char *text)
{
    size_t n = strlen(text);
    return v->kind == 's' && v->len == n && memcmp(v->ptr, text, n) == 0;
}

/* Scans data and builds its message; false to step aside. */
static bool
s_build(cb_md_parser_t *p, const char *data, size_t len, cb_md_msg_t *msg)
{
    static const char env[] = "{\"stream\":\"";
    s_scan_t s;
    memset(&s, 0, sizeof(s));
    s.p = data;
    s.end = data + len;
    s.mp = p;
    bool envelope = len > sizeof(env) && memcmp(data, env, sizeof(env) - 1) == 0;
    if (envelope) {
        /* {"stream":"<name>","data":{...}} in this order, as Binance sends it. */
        const char *name;
        size_t nl;
        s.p += sizeof(env) - 2;
        if (!s_string(&s, &name, &nl)) {
            return false;
        }
        static const char mid[] = ",\"data\":";
        if ((size_t) (s.end - s.p) < sizeof(mid) - 1 || memcmp(s.p, mid, sizeof(mid) - 1) != 0) {
            return false;
        }
        s.p += sizeof(mid) - 1;
    }
    if (!s_object(&s)) {
        return false;
    }
    s_ws(&s);
    if (envelope) {
        if (s.p >= s.end || *s.p != '}') {
            return false;
        }
        s.p++;
        s_ws(&s);
    }
    if (s.p != s.end) {
        return false;
    }
    const s_val_t *e = &s.v[K_e];
    bool arrays = s.v[K_b].kind == 'a' || s.v[K_a].kind == 'a';
    if (e->kind == 0) {
        /* bookTicker (spot has no e/E) */
        return s.v[K_u].kind != 0 && s.v[K_s].kind != 0 && !arrays && s_tick(&s, msg);
    }
    if (s_is(e, "depthUpdate")) {
        return s_depth(&s, msg);
    }
    if (arrays) {
        return false;
    }
    if (s_is(e, "trade")) {
        return s_trade(&s, K_t, msg);
    }
    if (s_is(e, "aggTrade")) {
        return s_trade(&s, K_a, msg);
    }
    if (s_is(e, "bookTicker")) {
        return s_tick(&s, msg);
    }
    return false;
}

int
cb_binance_ws_fast(cb_md_parser_t *p, const char *data, size_t len, cb_md_emit_fn emit, void *ctx,
                   bool *handled)
{
    cb_md_msg_t msg;
    *handled = s_build(p, data, len, &msg);
    return *handled ? emit(ctx, &msg) : 0;
}
