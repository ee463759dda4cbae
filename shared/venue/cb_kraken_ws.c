/* cb_kraken_ws.c - Kraken WebSocket v2 market data: the parser of status, acks, ticker, book, trade, ohlc */
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_kraken_impl.h"
#include "cb_kraken_time.h"

/* ---- the parser ---------------------------------------------------------------------- */

/* The members of the root object this parser looks at. */
typedef struct {
    int channel;
    int type;
    int data;
    int method;
    int req_id;
    int success;
    int error;
    int result;
    int symbol;
} s_root_t;

static int
s_exch_ts(const cb_jdoc_t *doc, int i, int64_t *out)
{
    return cb_jtok_rfc3339(doc, i, out);
}

static int
s_ticker(cb_md_parser_t *p, const s_root_t *r, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    int item = cb_jtok_first(doc, r->data);
    for (int n = 0; n < cb_jtok_size(doc, r->data); n++, item = cb_jtok_skip(doc, item)) {
        if (cb_jtok_type(doc, item) != CB_JT_OBJECT) {
            return CB_E_PARSE;
        }
        cb_md_msg_t m;
        cb_md_msg_init(&m, CB_MD_TICK);
        cb_tick_t *t = &m.tick;
        int k = item + 1;
        for (int f = 0; f < doc->tok[item].size; f++, k = cb_jtok_skip(doc, k + 1)) {
            cb_str_t key = cb_jtok_raw(doc, k);
            int v = k + 1;
            cb_decimal_t d;
            int64_t ts;
            if (cb_str_eq_cstr(key, "symbol")) {
                m.native = cb_jtok_raw(doc, v);
            } else if (cb_str_eq_cstr(key, "timestamp")) {
                if (s_exch_ts(doc, v, &ts) == 0) {
                    CB_PROTO_SET(t, tick, exch_ts, ts);
                }
            } else {
                /* Only the fields kept are read (vwap, low, high, change are not). */
                int field = cb_str_eq_cstr(key, "bid")       ? CB_F_tick_bid
                            : cb_str_eq_cstr(key, "bid_qty") ? CB_F_tick_bid_qty
                            : cb_str_eq_cstr(key, "ask")     ? CB_F_tick_ask
                            : cb_str_eq_cstr(key, "ask_qty") ? CB_F_tick_ask_qty
                            : cb_str_eq_cstr(key, "last")    ? CB_F_tick_last
                            : cb_str_eq_cstr(key, "volume")  ? CB_F_tick_volume
                                                             : -1;
                if (field < 0 || cb_jtok_decimal(doc, v, &d) != 0) {
                    continue;
                }
                switch (field) {
                case CB_F_tick_bid:
                    CB_PROTO_SET(t, tick, bid, d);
                    break;
                case CB_F_tick_bid_qty:
                    CB_PROTO_SET(t, tick, bid_qty, d);
                    break;
                case CB_F_tick_ask:
                    CB_PROTO_SET(t, tick, ask, d);
                    break;
                case CB_F_tick_ask_qty:
                    CB_PROTO_SET(t, tick, ask_qty, d);
                    break;
                case CB_F_tick_last:
                    CB_PROTO_SET(t, tick, last, d);
                    break;
                default:
                    CB_PROTO_SET(t, tick, volume, d);
                    break;
                }
            }
        }
        if (m.native.len == 0 || !CB_PROTO_HAS(t, tick, bid) || !CB_PROTO_HAS(t, tick, ask)) {
            return CB_E_PARSE;
        }
        int rc = emit(ctx, &m);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* [{"price":p,"qty":q}, ...] into out[0..size). */
static int
s_levels(const cb_jdoc_t *doc, int arr, cb_level_t *out)
{
    int lv = cb_jtok_first(doc, arr);
    for (int j = 0; j < cb_jtok_size(doc, arr); j++, lv = cb_jtok_skip(doc, lv)) {
        if (cb_jtok_type(doc, lv) != CB_JT_OBJECT) {
            return CB_E_PARSE;
        }
        bool price = false, qty = false;
        int k = lv + 1;
        for (int f = 0; f < doc->tok[lv].size; f++, k = cb_jtok_skip(doc, k + 1)) {
            if (cb_jtok_eq(doc, k, "price")) {
                price = cb_jtok_decimal(doc, k + 1, &out[j].price) == 0;
                if (!price) {
                    return CB_E_PARSE;
                }
            } else if (cb_jtok_eq(doc, k, "qty")) {
                qty = cb_jtok_decimal(doc, k + 1, &out[j].qty) == 0;
                if (!qty) {
                    return CB_E_PARSE;
                }
            }
        }
        if (!price || !qty) {
            return CB_E_PARSE;
        }
    }
    return 0;
}

static int
s_book(cb_md_parser_t *p, const s_root_t *r, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    bool snapshot = cb_jtok_eq(doc, r->type, "snapshot");
    if (!snapshot && !cb_jtok_eq(doc, r->type, "update")) {
        return CB_E_PARSE;
    }
    int item = cb_jtok_first(doc, r->data);
    for (int n = 0; n < cb_jtok_size(doc, r->data); n++, item = cb_jtok_skip(doc, item)) {
        if (cb_jtok_type(doc, item) != CB_JT_OBJECT) {
            return CB_E_PARSE;
        }
        cb_md_msg_t m;
        cb_md_msg_init(&m, CB_MD_BOOK);
        int bids = -1, asks = -1;
        int k = item + 1;
        for (int f = 0; f < doc->tok[item].size; f++, k = cb_jtok_skip(doc, k + 1)) {
            cb_str_t key = cb_jtok_raw(doc, k);
            int v = k + 1;
            if (cb_str_eq_cstr(key, "symbol")) {
                m.native = cb_jtok_raw(doc, v);
            } else if (cb_str_eq_cstr(key, "bids")) {
                bids = v;
            } else if (cb_str_eq_cstr(key, "asks")) {
                asks = v;
            } else if (cb_str_eq_cstr(key, "checksum")) {
                uint64_t c;
                if (cb_jtok_type(doc, v) != CB_JT_PRIMITIVE || cb_jtok_u64(doc, v, &c) != 0 ||
                    c > UINT32_MAX) {
                    return CB_E_PARSE;
                }
                CB_PROTO_SET(&m.book, book, checksum, c);
                m.has_checksum = true;
            } else if (cb_str_eq_cstr(key, "timestamp")) {
                int64_t ts;
                if (s_exch_ts(doc, v, &ts) == 0) {
                    CB_PROTO_SET(&m.book, book, exch_ts, ts);
                }
            }
        }
        if (m.native.len == 0 || (bids >= 0 && cb_jtok_type(doc, bids) != CB_JT_ARRAY) ||
            (asks >= 0 && cb_jtok_type(doc, asks) != CB_JT_ARRAY)) {
            return CB_E_PARSE;
        }
        size_t nb = (size_t) cb_jtok_size(doc, bids);
        size_t na = (size_t) cb_jtok_size(doc, asks);
        if (nb > 5000 || na > 5000) {
            return CB_E_TOO_BIG;
        }
        int rc = cb_md_reserve_levels(p, nb + na);
        if (rc != 0) {
            return rc;
        }
        if (s_levels(doc, bids, p->levels) != 0 || s_levels(doc, asks, p->levels + nb) != 0) {
            return CB_E_PARSE;
        }
        CB_PROTO_SET(&m.book, book, snapshot, snapshot);
        CB_PROTO_SET(&m.book, book, bids, ((cb_levels_t){p->levels, (uint32_t) nb}));
        CB_PROTO_SET(&m.book, book, asks, ((cb_levels_t){p->levels + nb, (uint32_t) na}));
        rc = emit(ctx, &m);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
s_trade_item(const cb_jdoc_t *doc, int item, cb_trade_t *t)
{
    memset(t, 0, sizeof(*t));
    if (cb_jtok_type(doc, item) != CB_JT_OBJECT) {
        return CB_E_PARSE;
    }
    int k = item + 1;
    for (int f = 0; f < doc->tok[item].size; f++, k = cb_jtok_skip(doc, k + 1)) {
        cb_str_t key = cb_jtok_raw(doc, k);
        int v = k + 1;
        cb_decimal_t d;
        int64_t ts;
        if (cb_str_eq_cstr(key, "symbol")) {
            t->symbol = cb_jtok_raw(doc, v); /* the grouping key until emitted */
        } else if (cb_str_eq_cstr(key, "side")) {
            if (cb_jtok_eq(doc, v, "buy")) {
                CB_PROTO_SET(t, trade, side, CB_STR("buy"));
            } else if (cb_jtok_eq(doc, v, "sell")) {
                CB_PROTO_SET(t, trade, side, CB_STR("sell"));
            } else {
                return CB_E_PARSE;
            }
        } else if (cb_str_eq_cstr(key, "price")) {
            if (cb_jtok_decimal(doc, v, &d) != 0) {
                return CB_E_PARSE;
            }
            CB_PROTO_SET(t, trade, price, d);
        } else if (cb_str_eq_cstr(key, "qty")) {
            if (cb_jtok_decimal(doc, v, &d) != 0) {
                return CB_E_PARSE;
            }
            CB_PROTO_SET(t, trade, qty, d);
        } else if (cb_str_eq_cstr(key, "trade_id")) {
            cb_str_t raw = cb_jtok_raw(doc, v);
            if (raw.len > 0 && raw.len <= 64 && cb_jtok_type(doc, v) != CB_JT_OBJECT &&
                cb_jtok_type(doc, v) != CB_JT_ARRAY) {
                CB_PROTO_SET(t, trade, trade_id, raw);
            }
        } else if (cb_str_eq_cstr(key, "timestamp")) {
            if (s_exch_ts(doc, v, &ts) == 0) {
                CB_PROTO_SET(t, trade, exch_ts, ts);
            }
        }
    }
    if (t->symbol.len == 0 || !CB_PROTO_HAS(t, trade, side) || !CB_PROTO_HAS(t, trade, price) ||
        !CB_PROTO_HAS(t, trade, qty)) {
        return CB_E_PARSE;
    }
    return 0;
}

static int
s_candle_item(const cb_jdoc_t *doc, int item, cb_candle_t *c)
{
    memset(c, 0, sizeof(*c));
    if (cb_jtok_type(doc, item) != CB_JT_OBJECT) {
        return CB_E_PARSE;
    }
    int k = item + 1;
    for (int f = 0; f < doc->tok[item].size; f++, k = cb_jtok_skip(doc, k + 1)) {
        cb_str_t key = cb_jtok_raw(doc, k);
        int v = k + 1;
        cb_decimal_t d;
        int64_t i64;
        uint64_t u64;
        if (cb_str_eq_cstr(key, "symbol")) {
            c->symbol = cb_jtok_raw(doc, v); /* the grouping key until emitted */
        } else if (cb_str_eq_cstr(key, "interval_begin")) {
            if (s_exch_ts(doc, v, &i64) != 0) {
                return CB_E_PARSE;
            }
            CB_PROTO_SET(c, candle, open_ts, i64);
        } else if (cb_str_eq_cstr(key, "interval")) {
            const char *name = cb_jtok_i64(doc, v, &i64) == 0 ? cb_kraken_interval_name(i64) : NULL;
            if (name != NULL) {
                CB_PROTO_SET(c, candle, interval, cb_str_from(name));
            }
        } else if (cb_str_eq_cstr(key, "trades")) {
            if (cb_jtok_u64(doc, v, &u64) == 0) {
                CB_PROTO_SET(c, candle, trades, u64);
            }
        } else if ((cb_str_eq_cstr(key, "open") || cb_str_eq_cstr(key, "high") ||
                    cb_str_eq_cstr(key, "low") || cb_str_eq_cstr(key, "close") ||
                    cb_str_eq_cstr(key, "volume")) &&
                   cb_jtok_decimal(doc, v, &d) == 0) {
            if (cb_str_eq_cstr(key, "open")) {
                CB_PROTO_SET(c, candle, open, d);
            } else if (cb_str_eq_cstr(key, "high")) {
                CB_PROTO_SET(c, candle, high, d);
            } else if (cb_str_eq_cstr(key, "low")) {
                CB_PROTO_SET(c, candle, low, d);
            } else if (cb_str_eq_cstr(key, "close")) {
                CB_PROTO_SET(c, candle, close, d);
            } else if (cb_str_eq_cstr(key, "volume")) {
                CB_PROTO_SET(c, candle, volume, d);
            }
        }
    }
    /* A stream candle is the current interval's: not closed yet. */
    CB_PROTO_SET(c, candle, closed, false);
    if (c->symbol.len == 0 || !CB_PROTO_HAS(c, candle, open_ts) || !CB_PROTO_HAS(c, candle, open) ||
        !CB_PROTO_HAS(c, candle, high) || !CB_PROTO_HAS(c, candle, low) ||
        !CB_PROTO_HAS(c, candle, close) || !CB_PROTO_HAS(c, candle, volume)) {
        return CB_E_PARSE;
    }
    return 0;
}

/* Emits items[0..n) (each of size bytes, a cb_str_t symbol at symbol_off)
 * one symbol at a time, in order of first appearance; the symbol field is
 * cleared in what is handed over. spare has room for n items. */
static int
s_emit_groups(cb_md_type_t type, char *items, char *spare, size_t n, size_t size,
              size_t symbol_off, cb_md_emit_fn emit, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        cb_str_t *si = (cb_str_t *) (items + i * size + symbol_off);
        if (si->ptr == NULL) {
            continue; /* already emitted with an earlier group */
        }
        cb_str_t sym = *si;
        size_t count = 0;
        for (size_t j = i; j < n; j++) {
            cb_str_t *sj = (cb_str_t *) (items + j * size + symbol_off);
            if (sj->ptr != NULL && cb_str_eq(*sj, sym)) {
                memcpy(spare + count * size, items + j * size, size);
                memset(spare + count * size + symbol_off, 0, sizeof(cb_str_t));
                sj->ptr = NULL;
                count++;
            }
        }
        cb_md_msg_t m;
        cb_md_msg_init(&m, type);
        m.native = sym;
        m.count = count;
        if (type == CB_MD_TRADES) {
            m.trades = (cb_trade_t *) spare;
        } else {
            m.candles = (cb_candle_t *) spare;
        }
        int rc = emit(ctx, &m);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int
s_trades(cb_md_parser_t *p, const s_root_t *r, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    size_t n = (size_t) cb_jtok_size(doc, r->data);
    int rc = cb_md_reserve_trades(p, 2 * n);
    if (rc != 0) {
        return rc;
    }
    int item = cb_jtok_first(doc, r->data);
    for (size_t j = 0; j < n; j++, item = cb_jtok_skip(doc, item)) {
        rc = s_trade_item(doc, item, &p->trades[j]);
        if (rc != 0) {
            return rc;
        }
    }
    return s_emit_groups(CB_MD_TRADES, (char *) p->trades, (char *) (p->trades + n), n,
                         sizeof(cb_trade_t), offsetof(cb_trade_t, symbol), emit, ctx);
}

static int
s_ohlc(cb_md_parser_t *p, const s_root_t *r, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    size_t n = (size_t) cb_jtok_size(doc, r->data);
    int rc = cb_md_reserve_candles(p, 2 * n);
    if (rc != 0) {
        return rc;
    }
    int item = cb_jtok_first(doc, r->data);
    for (size_t j = 0; j < n; j++, item = cb_jtok_skip(doc, item)) {
        rc = s_candle_item(doc, item, &p->candles[j]);
        if (rc != 0) {
            return rc;
        }
    }
    return s_emit_groups(CB_MD_CANDLES, (char *) p->candles, (char *) (p->candles + n), n,
                         sizeof(cb_candle_t), offsetof(cb_candle_t, symbol), emit, ctx);
}

/* Decoded text of a string token into the parser's text buffer (cut to fit). */
static const char *
s_text(cb_md_parser_t *p, int i)
{
    p->text[0] = '\0';
    if (cb_jtok_type(&p->doc, i) != CB_JT_STRING) {
        return p->text;
    }
    if (cb_jtok_string(&p->doc, i, p->text, sizeof p->text) < 0) {
        /* Too long or undecodable: keep the raw bytes that fit. */
        cb_str_t raw = cb_jtok_raw(&p->doc, i);
        size_t n = raw.len < sizeof p->text - 1 ? raw.len : sizeof p->text - 1;
        memcpy(p->text, raw.ptr, n);
        p->text[n] = '\0';
    }
    return p->text;
}

static int
s_status(cb_md_parser_t *p, const s_root_t *r, cb_md_emit_fn emit, void *ctx)
{
    int item = cb_jtok_at(&p->doc, r->data, 0);
    int system = cb_jtok_get(&p->doc, item, "system");
    if (cb_jtok_type(&p->doc, system) != CB_JT_STRING) {
        return CB_E_PARSE;
    }
    cb_md_msg_t m;
    cb_md_msg_init(&m, CB_MD_STATUS);
    m.message = s_text(p, system);
    return emit(ctx, &m);
}

static int
s_method(cb_md_parser_t *p, const s_root_t *r, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    cb_md_msg_t m;
    int64_t req_id;
    cb_md_msg_init(&m, CB_MD_NONE);
    if (r->req_id >= 0 && cb_jtok_i64(doc, r->req_id, &req_id) == 0) {
        m.req_id = req_id;
    }
    if (cb_jtok_eq(doc, r->method, "pong")) {
        m.type = CB_MD_PONG;
        return emit(ctx, &m);
    }
    bool success = false;
    if (r->success >= 0 && cb_jtok_bool(doc, r->success, &success) != 0) {
        return CB_E_PARSE;
    }
    m.channel = cb_jtok_raw(doc, cb_jtok_get(doc, r->result, "channel"));
    m.native = cb_jtok_raw(doc, cb_jtok_get(doc, r->result, "symbol"));
    if (m.native.len == 0 && cb_jtok_type(doc, r->symbol) == CB_JT_STRING) {
        m.native = cb_jtok_raw(doc, r->symbol);
    }
    if (!success) {
        if (r->error < 0 && r->success < 0) {
            return CB_E_PARSE;
        }
        m.type = CB_MD_ERROR;
        m.message = r->error >= 0 ? s_text(p, r->error) : "request refused";
        return emit(ctx, &m);
    }
    if (cb_jtok_eq(doc, r->method, "subscribe")) {
        m.type = CB_MD_SUBSCRIBED;
        return emit(ctx, &m);
    }
    return 0; /* unsubscribe and trading acks: nothing for market data */
}

int
cb_kraken_ws_parse(cb_md_parser_t *p, const char *data, size_t len, cb_md_emit_fn emit, void *ctx)
{
    if (data == NULL || emit == NULL) {
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
    s_root_t r = {-1, -1, -1, -1, -1, -1, -1, -1, -1};
    int k = 1;
    for (int f = 0; f < doc->tok[0].size; f++, k = cb_jtok_skip(doc, k + 1)) {
        cb_str_t key = cb_jtok_raw(doc, k);
        int v = k + 1;
        if (cb_str_eq_cstr(key, "channel")) {
            r.channel = v;
        } else if (cb_str_eq_cstr(key, "type")) {
            r.type = v;
        } else if (cb_str_eq_cstr(key, "data")) {
            r.data = v;
        } else if (cb_str_eq_cstr(key, "method")) {
            r.method = v;
        } else if (cb_str_eq_cstr(key, "req_id")) {
            r.req_id = v;
        } else if (cb_str_eq_cstr(key, "success")) {
            r.success = v;
        } else if (cb_str_eq_cstr(key, "error")) {
            r.error = v;
        } else if (cb_str_eq_cstr(key, "result")) {
            r.result = v;
        } else if (cb_str_eq_cstr(key, "symbol")) {
            r.symbol = v;
        }
    }
    if (r.method >= 0) {
        return cb_jtok_type(doc, r.method) == CB_JT_STRING ? s_method(p, &r, emit, ctx) : CB_E_PARSE;
    }
    if (cb_jtok_type(doc, r.channel) != CB_JT_STRING) {
        return CB_E_PARSE;
    }
    cb_str_t ch = cb_jtok_raw(doc, r.channel);
    if (cb_str_eq_cstr(ch, "heartbeat")) {
        cb_md_msg_t m;
        cb_md_msg_init(&m, CB_MD_HEARTBEAT);
        return emit(ctx, &m);
    }
    bool data_ok = cb_jtok_type(doc, r.data) == CB_JT_ARRAY;
    if (cb_str_eq_cstr(ch, "ticker")) {
        return data_ok ? s_ticker(p, &r, emit, ctx) : CB_E_PARSE;
    }
    if (cb_str_eq_cstr(ch, "book")) {
        return data_ok ? s_book(p, &r, emit, ctx) : CB_E_PARSE;
    }
    if (cb_str_eq_cstr(ch, "trade")) {
        return data_ok ? s_trades(p, &r, emit, ctx) : CB_E_PARSE;
    }
    if (cb_str_eq_cstr(ch, "ohlc")) {
        return data_ok ? s_ohlc(p, &r, emit, ctx) : CB_E_PARSE;
    }
    if (cb_str_eq_cstr(ch, "status")) {
        return data_ok ? s_status(p, &r, emit, ctx) : CB_E_PARSE;
    }
    /* Documented channels this market-data parser has no item for. */
    static const char *const other[] = {"instrument", "level3", "executions", "balances"};
    for (size_t j = 0; j < sizeof other / sizeof other[0]; j++) {
        if (cb_str_eq_cstr(ch, other[j])) {
            return 0;
        }
    }
    return CB_E_PARSE;
}
