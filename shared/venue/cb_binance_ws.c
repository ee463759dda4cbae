/* cb_binance_ws.c - Binance market streams and control replies, read from a token tree */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cb_binance_impl.h"
#include "cb_error.h"

/* The members of one object this parser reads, found in one pass. */
typedef struct {
    int e, E, s, t, p, q, T, m, U, u, pu, b, a, B, A, k, c, v;
    int last_update_id, bids, asks;
    int stream, data, result, id, code, msg, error;
} s_keys_t;

static void
s_keys_scan(const cb_jdoc_t *doc, int obj, s_keys_t *kx)
{
    memset(kx, 0xff, sizeof(*kx)); /* every index -1 */
    int key = obj + 1;
    for (int n = 0; n < doc->tok[obj].size && key + 1 < doc->count; n++) {
        const cb_jtok_t *t = &doc->tok[key];
        const char *s = doc->js + t->start;
        int len = t->end - t->start;
        int val = key + 1;
        int *slot = NULL;
        if (t->type != CB_JT_STRING) {
            slot = NULL;
        } else if (len == 1) {
            switch (s[0]) {
            case 'e':
                slot = &kx->e;
                break;
            case 'E':
                slot = &kx->E;
                break;
            case 's':
                slot = &kx->s;
                break;
            case 't':
                slot = &kx->t;
                break;
            case 'p':
                slot = &kx->p;
                break;
            case 'q':
                slot = &kx->q;
                break;
            case 'T':
                slot = &kx->T;
                break;
            case 'm':
                slot = &kx->m;
                break;
            case 'U':
                slot = &kx->U;
                break;
            case 'u':
                slot = &kx->u;
                break;
            case 'b':
                slot = &kx->b;
                break;
            case 'a':
                slot = &kx->a;
                break;
            case 'B':
                slot = &kx->B;
                break;
            case 'A':
                slot = &kx->A;
                break;
            case 'k':
                slot = &kx->k;
                break;
            case 'c':
                slot = &kx->c;
                break;
            case 'v':
                slot = &kx->v;
                break;
            default:
                break;
            }
        } else {
            static const struct {
                const char *name;
                size_t off;
            } longer[] = {
                {"pu", offsetof(s_keys_t, pu)},
                {"lastUpdateId", offsetof(s_keys_t, last_update_id)},
                {"bids", offsetof(s_keys_t, bids)},
                {"asks", offsetof(s_keys_t, asks)},
                {"stream", offsetof(s_keys_t, stream)},
                {"data", offsetof(s_keys_t, data)},
                {"result", offsetof(s_keys_t, result)},
                {"id", offsetof(s_keys_t, id)},
                {"code", offsetof(s_keys_t, code)},
                {"msg", offsetof(s_keys_t, msg)},
                {"error", offsetof(s_keys_t, error)},
            };
            for (size_t j = 0; j < sizeof(longer) / sizeof(longer[0]); j++) {
                if (strlen(longer[j].name) == (size_t) len &&
                    memcmp(longer[j].name, s, (size_t) len) == 0) {
                    slot = (int *) ((char *) kx + longer[j].off);
                    break;
                }
            }
        }
        if (slot != NULL && *slot < 0) {
            *slot = val; /* a repeated key: the first one counts */
        }
        key = cb_jtok_skip(doc, val);
    }
}

static int
s_native(const cb_jdoc_t *doc, int s, cb_md_msg_t *msg)
{
    if (cb_jtok_type(doc, s) != CB_JT_STRING || doc->tok[s].end == doc->tok[s].start) {
        return CB_E_PARSE;
    }
    msg->native = cb_jtok_raw(doc, s);
    return 0;
}

/* bookTicker {"u","s","b","B","a","A"} (spot has no e/E) and 24hrTicker
 * {"e":"24hrTicker","E","s","c"(last),"b","B","a","A","v",...}. */
static int
s_tick(const cb_jdoc_t *doc, const s_keys_t *kx, bool full, cb_md_emit_fn emit, void *ctx)
{
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_TICK);
    cb_tick_t *tk = &msg.tick;
    cb_decimal_t bid, bq, ask, aq, d;
    int rc;
    if ((rc = s_native(doc, kx->s, &msg)) != 0 || (rc = cb_jtok_decimal(doc, kx->b, &bid)) != 0 ||
        (rc = cb_jtok_decimal(doc, kx->B, &bq)) != 0 ||
        (rc = cb_jtok_decimal(doc, kx->a, &ask)) != 0 ||
        (rc = cb_jtok_decimal(doc, kx->A, &aq)) != 0) {
        return rc;
    }
    CB_PROTO_SET(tk, tick, bid, bid);
    CB_PROTO_SET(tk, tick, bid_qty, bq);
    CB_PROTO_SET(tk, tick, ask, ask);
    CB_PROTO_SET(tk, tick, ask_qty, aq);
    if (full) {
        int64_t ns;
        if (cb_jtok_decimal(doc, kx->c, &d) == 0) {
            CB_PROTO_SET(tk, tick, last, d);
        }
        if (cb_jtok_decimal(doc, kx->v, &d) == 0) {
            CB_PROTO_SET(tk, tick, volume, d);
        }
        if (cb_binance_ms_to_ns(doc, kx->E, &ns) == 0) {
            CB_PROTO_SET(tk, tick, exch_ts, ns);
        }
    } else if (kx->T >= 0) {
        int64_t ns; /* futures bookTicker carries the transaction time */
        if (cb_binance_ms_to_ns(doc, kx->T, &ns) == 0) {
            CB_PROTO_SET(tk, tick, exch_ts, ns);
        }
    }
    return emit(ctx, &msg);
}

/* trade {"e":"trade","E","s","t","p","q","T","m","M"} and aggTrade (the
 * aggregate id in "a"). m: the buyer is the maker, so the taker sold. */
static int
s_trade(cb_md_parser_t *p, const s_keys_t *kx, int id, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_TRADES);
    int rc = cb_md_reserve_trades(p, 1);
    if (rc != 0) {
        return rc;
    }
    cb_trade_t *tr = &p->trades[0];
    memset(tr, 0, sizeof(*tr));
    cb_decimal_t price, qty;
    int64_t ns;
    bool buyer_maker;
    if ((rc = s_native(doc, kx->s, &msg)) != 0 || (rc = cb_jtok_decimal(doc, kx->p, &price)) != 0 ||
        (rc = cb_jtok_decimal(doc, kx->q, &qty)) != 0 ||
        (rc = cb_jtok_bool(doc, kx->m, &buyer_maker)) != 0) {
        return rc;
    }
    if (cb_decimal_sign(price) <= 0 || cb_decimal_sign(qty) < 0) {
        return CB_E_RANGE;
    }
    CB_PROTO_SET(tr, trade, price, price);
    CB_PROTO_SET(tr, trade, qty, qty);
    CB_PROTO_SET(tr, trade, side, buyer_maker ? CB_STR("sell") : CB_STR("buy"));
    cb_jtype_t it = cb_jtok_type(doc, id);
    if (it == CB_JT_PRIMITIVE || it == CB_JT_STRING) {
        cb_str_t raw = cb_jtok_raw(doc, id);
        if (raw.len > 0 && raw.len <= 64) {
            CB_PROTO_SET(tr, trade, trade_id, raw);
        }
    }
    if (cb_binance_ms_to_ns(doc, kx->T >= 0 ? kx->T : kx->E, &ns) == 0) {
        CB_PROTO_SET(tr, trade, exch_ts, ns);
    }
    msg.trades = p->trades;
    msg.count = 1;
    return emit(ctx, &msg);
}

/* depthUpdate {"e":"depthUpdate","E","s","U","u",("pu"),"b":[[p,q]],"a":[[p,q]]}. */
static int
s_depth_update(cb_md_parser_t *p, const s_keys_t *kx, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_BOOK);
    uint64_t first, last;
    int rc;
    if ((rc = s_native(doc, kx->s, &msg)) != 0 || (rc = cb_jtok_u64(doc, kx->U, &first)) != 0 ||
        (rc = cb_jtok_u64(doc, kx->u, &last)) != 0) {
        return rc;
    }
    if (first > last || kx->b < 0 || kx->a < 0) {
        return first > last ? CB_E_RANGE : CB_E_PARSE;
    }
    if ((rc = cb_binance_book_sides(p, kx->b, kx->a, &msg.book)) != 0) {
        return rc;
    }
    CB_PROTO_SET(&msg.book, book, snapshot, false);
    CB_PROTO_SET(&msg.book, book, update_id, last);
    msg.first_update_id = first;
    uint64_t pu;
    if (kx->pu >= 0 && cb_jtok_u64(doc, kx->pu, &pu) == 0) {
        msg.prev_update_id = pu;
    }
    int64_t ns;
    if (cb_binance_ms_to_ns(doc, kx->E, &ns) == 0) {
        CB_PROTO_SET(&msg.book, book, exch_ts, ns);
    }
    return emit(ctx, &msg);
}

/* Partial depth {"lastUpdateId","bids","asks"} has no symbol: the
 * combined stream's name gives it ("btcusdt@depth10@100ms" -> btcusdt). */
static int
s_partial_depth(cb_md_parser_t *p, const s_keys_t *kx, int stream, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_BOOK);
    uint64_t id;
    int rc = cb_jtok_u64(doc, kx->last_update_id, &id);
    if (rc != 0 || kx->bids < 0 || kx->asks < 0) {
        return rc != 0 ? rc : CB_E_PARSE;
    }
    if ((rc = cb_binance_book_sides(p, kx->bids, kx->asks, &msg.book)) != 0) {
        return rc;
    }
    CB_PROTO_SET(&msg.book, book, snapshot, true);
    CB_PROTO_SET(&msg.book, book, update_id, id);
    if (cb_jtok_type(doc, stream) == CB_JT_STRING) {
        cb_str_t name = cb_jtok_raw(doc, stream);
        const char *at = memchr(name.ptr, '@', name.len);
        msg.native = (cb_str_t){name.ptr, at != NULL ? (size_t) (at - name.ptr) : name.len};
    }
    return emit(ctx, &msg);
}

/* The kline intervals coinbus candles carry (proto: 1m|5m|15m|30m|1h|4h|1d|1w). */
static bool
s_interval_ok(cb_str_t iv)
{
    static const char *const ok[] = {"1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w"};
    for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
        if (cb_str_eq_cstr(iv, ok[k])) {
            return true;
        }
    }
    return false;
}

/* kline {"e":"kline","E","s","k":{"t","T","s","i","f","L","o","c","h","l","v","n","x",...}}. */
static int
s_kline(cb_md_parser_t *p, const s_keys_t *kx, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_CANDLES);
    int k = kx->k;
    int rc;
    if ((rc = s_native(doc, kx->s, &msg)) != 0) {
        return rc;
    }
    if (cb_jtok_type(doc, k) != CB_JT_OBJECT) {
        return CB_E_PARSE;
    }
    int iv = cb_jtok_get(doc, k, "i");
    if (cb_jtok_type(doc, iv) != CB_JT_STRING) {
        return CB_E_PARSE;
    }
    if (!s_interval_ok(cb_jtok_raw(doc, iv))) {
        return CB_E_RANGE; /* 1s, 3m, 2h, ...: not a coinbus candle */
    }
    if ((rc = cb_md_reserve_candles(p, 1)) != 0) {
        return rc;
    }
    cb_candle_t *c = &p->candles[0];
    memset(c, 0, sizeof(*c));
    cb_decimal_t o, h, l, cl, v;
    int64_t ts;
    bool closed;
    uint64_t trades;
    if ((rc = cb_binance_ms_to_ns(doc, cb_jtok_get(doc, k, "t"), &ts)) != 0 ||
        (rc = cb_jtok_decimal(doc, cb_jtok_get(doc, k, "o"), &o)) != 0 ||
        (rc = cb_jtok_decimal(doc, cb_jtok_get(doc, k, "h"), &h)) != 0 ||
        (rc = cb_jtok_decimal(doc, cb_jtok_get(doc, k, "l"), &l)) != 0 ||
        (rc = cb_jtok_decimal(doc, cb_jtok_get(doc, k, "c"), &cl)) != 0 ||
        (rc = cb_jtok_decimal(doc, cb_jtok_get(doc, k, "v"), &v)) != 0 ||
        (rc = cb_jtok_bool(doc, cb_jtok_get(doc, k, "x"), &closed)) != 0) {
        return rc;
    }
    CB_PROTO_SET(c, candle, interval, cb_jtok_raw(doc, iv));
    CB_PROTO_SET(c, candle, open_ts, ts);
    CB_PROTO_SET(c, candle, open, o);
    CB_PROTO_SET(c, candle, high, h);
    CB_PROTO_SET(c, candle, low, l);
    CB_PROTO_SET(c, candle, close, cl);
    CB_PROTO_SET(c, candle, volume, v);
    CB_PROTO_SET(c, candle, closed, closed);
    if (cb_jtok_u64(doc, cb_jtok_get(doc, k, "n"), &trades) == 0) {
        CB_PROTO_SET(c, candle, trades, trades);
    }
    msg.candles = p->candles;
    msg.count = 1;
    return emit(ctx, &msg);
}

/* The request id echoed: an integer, else -1 (a string or null id). */
static int64_t
s_req_id(const cb_jdoc_t *doc, int id)
{
    int64_t v;
    return cb_jtok_type(doc, id) == CB_JT_PRIMITIVE && cb_jtok_i64(doc, id, &v) == 0 ? v : -1;
}

/* {"code":2,"msg":"Invalid request: ...","id":1}, or the same nested in
 * "error" as the servers send it. */
static int
s_error(cb_md_parser_t *p, const s_keys_t *kx, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_ERROR);
    int msg_tok = kx->msg;
    if (cb_jtok_type(doc, kx->error) == CB_JT_OBJECT) {
        msg_tok = cb_jtok_get(doc, kx->error, "msg");
    }
    int n = cb_jtok_string(doc, msg_tok, p->text, sizeof(p->text));
    if (n < 0) {
        /* Absent, undecodable or too long: say so rather than drop it. */
        snprintf(p->text, sizeof(p->text), "%s", n == CB_E_TOO_BIG ? "(message too long)" : "");
    }
    msg.message = p->text;
    msg.req_id = s_req_id(doc, kx->id);
    return emit(ctx, &msg);
}

int
cb_binance_ws_parse(cb_md_parser_t *p, const char *data, size_t len, cb_md_emit_fn emit, void *ctx)
{
    if (p == NULL || data == NULL || emit == NULL) {
        return CB_E_PARSE;
    }
    bool handled;
    int rc = cb_binance_ws_fast(p, data, len, emit, ctx, &handled);
    return handled ? rc : cb_binance_ws_parse_doc(p, data, len, emit, ctx);
}

int
cb_binance_ws_parse_doc(cb_md_parser_t *p, const char *data, size_t len, cb_md_emit_fn emit,
                        void *ctx)
{
    if (p == NULL || data == NULL || emit == NULL) {
        return CB_E_PARSE;
    }
    int rc = cb_jdoc_parse(&p->doc, data, len);
    if (rc != 0) {
        return rc;
    }
    const cb_jdoc_t *doc = &p->doc;
    if (doc->tok[0].type != CB_JT_OBJECT) {
        return CB_E_PARSE;
    }
    s_keys_t kx;
    s_keys_scan(doc, 0, &kx);
    int stream = -1;
    if (kx.stream >= 0 && kx.data >= 0) {
        /* Combined stream: {"stream":"<name>","data":<payload>}. */
        if (cb_jtok_type(doc, kx.data) != CB_JT_OBJECT ||
            cb_jtok_type(doc, kx.stream) != CB_JT_STRING) {
            return CB_E_PARSE;
        }
        stream = kx.stream;
        s_keys_scan(doc, kx.data, &kx);
    } else if (kx.result >= 0 && kx.id >= 0) {
        if (!cb_jtok_is_null(doc, kx.result)) {
            return 0; /* LIST_SUBSCRIPTIONS / GET_PROPERTY answers: nothing to hand over */
        }
        cb_md_msg_t msg;
        cb_md_msg_init(&msg, CB_MD_SUBSCRIBED);
        msg.req_id = s_req_id(doc, kx.id);
        return emit(ctx, &msg);
    } else if (kx.e < 0 &&
               (cb_jtok_type(doc, kx.error) == CB_JT_OBJECT || (kx.code >= 0 && kx.msg >= 0))) {
        return s_error(p, &kx, emit, ctx);
    }
    if (kx.e < 0) {
        if (kx.last_update_id >= 0) {
            return s_partial_depth(p, &kx, stream, emit, ctx);
        }
        if (kx.u >= 0 && kx.s >= 0) {
            return s_tick(doc, &kx, false, emit, ctx); /* bookTicker */
        }
        return CB_E_PARSE;
    }
    if (cb_jtok_type(doc, kx.e) != CB_JT_STRING) {
        return CB_E_PARSE;
    }
    cb_str_t e = cb_jtok_raw(doc, kx.e);
    if (cb_str_eq_cstr(e, "depthUpdate")) {
        return s_depth_update(p, &kx, emit, ctx);
    }
    if (cb_str_eq_cstr(e, "trade")) {
        return s_trade(p, &kx, kx.t, emit, ctx);
    }
    if (cb_str_eq_cstr(e, "kline")) {
        return s_kline(p, &kx, emit, ctx);
    }
    if (cb_str_eq_cstr(e, "aggTrade")) {
        return s_trade(p, &kx, kx.a, emit, ctx);
    }
    if (cb_str_eq_cstr(e, "bookTicker")) {
        return s_tick(doc, &kx, false, emit, ctx);
    }
    if (cb_str_eq_cstr(e, "24hrTicker")) {
        return s_tick(doc, &kx, true, emit, ctx);
    }
    if (cb_str_eq_cstr(e, "serverShutdown")) {
        cb_md_msg_t msg;
        cb_md_msg_init(&msg, CB_MD_STATUS);
        snprintf(p->text, sizeof(p->text), "serverShutdown");
        msg.message = p->text;
        return emit(ctx, &msg);
    }
    return CB_E_PARSE;
}
