/* cb_coinbase_rest.c - Coinbase Exchange public REST: request URLs and reply parsing */
/*
 * What this relies on (Coinbase Exchange REST API, base https://api.exchange.coinbase.com):
 *
 * GET /time  https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/time/get-api-server-time
 *   {"iso":"2015-01-07T23:47:25.201Z","epoch":1420674445.201}  (epoch: seconds, a JSON number)
 *
 * GET /products  https://docs.cdp.coinbase.com/api-reference/exchange-api/rest-api/products/get-all-known-trading-pairs
 *   [{"id":"BTC-USD","base_currency":"BTC","quote_currency":"USD","quote_increment":"0.01000000",
 *     "base_increment":"0.00000001","display_name":"BTC/USD","min_market_funds":"10",
 *     "margin_enabled":false,"post_only":false,"limit_only":false,"cancel_only":false,
 *     "status":"online","status_message":"","auction_mode":true, "trading_disabled":false,
 *     "fx_stablecoin":false, ...}]
 *   quote_increment is the price step, base_increment the amount step. base_min_size /
 *   base_max_size / max_market_funds were removed on 2022-06-30; min_market_funds is now the
 *   notional minimum of a limit order. We take base_min_size when an older reply has it.
 *
 * GET /products/{id}/ticker  .../products/get-product-ticker
 *   {"ask":"6267.71","bid":"6265.15","volume":"53602.03940154","trade_id":86326522,
 *    "price":"6268.48","size":"0.00698254","time":"2020-03-20T00:22:57.833Z"}
 *   No bid/ask sizes: bid_qty / ask_qty are left absent.
 *
 * GET /products/{id}/candles?granularity=&start=&end=  .../products/get-product-candles
 *   granularity one of 60, 300, 900, 3600, 21600, 86400 (else rejected); at most 300
 *   candles per request; start/end ISO 8601 (both or neither: without them, a range ending
 *   now). Reply [[time, low, high, open, close, volume], ...] of JSON numbers, time in
 *   epoch seconds, newest first. No 30m, 4h or 1w candles: those intervals (and 6h, which
 *   coinbus has no name for) are CB_E_BAD_REQUEST, not synthesised.
 *
 * GET /products/{id}/book?level=2  .../products/get-product-book
 *   {"bids":[["6247.58","6.3578146",2]],"asks":[["6251.52","2",1]],"sequence":13051505638,
 *    "auction_mode":false,"auction":null,"time":"..."}  [price, size, num-orders]
 *
 * GET /products/{id}/trades?limit=  .../products/get-product-trades
 *   [{"time":"2014-11-07T22:19:28.578544Z","trade_id":74,"price":"10.00000000",
 *     "size":"0.01000000","side":"buy"}]  newest first; limit at most 1000 (default 100).
 *   "The side of a trade indicates the maker order side ... A buy side indicates a
 *   down-tick because the maker was a buy order": the taker's side (ours) is the opposite.
 *   Pages go by trade id (after/before cursors), not by time: since_ms filters the reply.
 *
 * Fees: https://help.coinbase.com/en/exchange/trading-and-funding/exchange-fees, tier
 * $0K-$10K: taker 60 bps, maker 40 bps; Stable Pairs (fx_stablecoin true): maker 0.00 %
 * (their taker fee has its own table; we keep the 60 bps ceiling).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_book.h"
#include "cb_coinbase.h"
#include "cb_error.h"
#include "cb_time.h"

/* ---- URLs ----------------------------------------------------------------------- */

/* The coinbus name of a Coinbase granularity, or NULL when it has none. */
static const char *
s_interval_name(int interval_s)
{
    switch (interval_s) {
    case 60:
        return "1m";
    case 300:
        return "5m";
    case 900:
        return "15m";
    case 3600:
        return "1h";
    case 86400:
        return "1d";
    default:
        return NULL;
    }
}

#define S_MAX_CANDLES 300
#define S_MAX_TRADES 1000

int
cb_coinbase_rest_url(const cb_venue_cfg_t *v, cb_rest_op_t op, const cb_rest_args_t *args,
                     char *url, size_t size)
{
    if (v == NULL || url == NULL || size == 0) {
        return CB_E_BAD_REQUEST;
    }
    const char *id = NULL;
    if (op != CB_REST_TIME && op != CB_REST_INSTRUMENTS) {
        if (args == NULL || args->ins == NULL ||
            !cb_coinbase_id_ok(args->ins->native, sizeof(args->ins->native))) {
            return CB_E_BAD_REQUEST;
        }
        id = args->ins->native;
    }
    int n;
    switch (op) {
    case CB_REST_TIME:
        n = snprintf(url, size, "%s/time", v->rest_base);
        break;
    case CB_REST_INSTRUMENTS:
        n = snprintf(url, size, "%s/products", v->rest_base);
        break;
    case CB_REST_TICKER:
        n = snprintf(url, size, "%s/products/%s/ticker", v->rest_base, id);
        break;
    case CB_REST_BOOK:
        n = snprintf(url, size, "%s/products/%s/book?level=2", v->rest_base, id);
        break;
    case CB_REST_TRADES: {
        int limit = args->limit > 0 ? args->limit : 100;
        limit = limit > S_MAX_TRADES ? S_MAX_TRADES : limit;
        n = snprintf(url, size, "%s/products/%s/trades?limit=%d", v->rest_base, id, limit);
        break;
    }
    case CB_REST_OHLC: {
        if (s_interval_name(args->interval_s) == NULL || args->since_ms < 0) {
            return CB_E_BAD_REQUEST;
        }
        n = snprintf(url, size, "%s/products/%s/candles?granularity=%d", v->rest_base, id,
                     args->interval_s);
        if (n >= 0 && (size_t) n < size && args->since_ms > 0) {
            int count = args->limit > 0 && args->limit < S_MAX_CANDLES ? args->limit
                                                                       : S_MAX_CANDLES;
            int64_t end_ms = args->since_ms + (int64_t) (count - 1) * args->interval_s * 1000;
            if (args->since_ms > INT64_MAX / 1000000 - 1 || end_ms > INT64_MAX / 1000000) {
                return CB_E_BAD_REQUEST;
            }
            char start[CB_TIME_ISO_LEN];
            char end[CB_TIME_ISO_LEN];
            cb_time_format_iso(args->since_ms * 1000000, start, sizeof(start));
            cb_time_format_iso(end_ms * 1000000, end, sizeof(end));
            int m = snprintf(url + n, size - (size_t) n, "&start=%s&end=%s", start, end);
            n = m < 0 ? m : n + m;
        }
        break;
    }
    default:
        return CB_E_BAD_REQUEST;
    }
    if (n < 0 || (size_t) n >= size) {
        return CB_E_TOO_BIG;
    }
    return 0;
}

/* ---- reply helpers ------------------------------------------------------------------ */

static int
s_bad(cb_venue_error_t *err, int http_status, const char *what)
{
    cb_verr_set(err, CB_VERR_BAD_REPLY, http_status, "", what, strlen(what));
    return CB_E_PARSE;
}

/* An exact decimal (string or number) that is > 0 (positive) or >= 0. */
static bool
s_dec(const cb_jdoc_t *doc, int i, bool positive, cb_decimal_t *out)
{
    if (cb_jtok_decimal(doc, i, out) != 0) {
        return false;
    }
    int sign = cb_decimal_sign(*out);
    return positive ? sign > 0 : sign >= 0;
}

/* An RFC 3339 string token -> ns. */
static bool
s_time(const cb_jdoc_t *doc, int i, int64_t *ns)
{
    return cb_jtok_rfc3339(doc, i, ns) == 0;
}

/* Copies a string token of [A-Za-z0-9._-] into out (cap bytes with NUL). */
static bool
s_copy_id(const cb_jdoc_t *doc, int i, char *out, size_t cap)
{
    if (cb_jtok_type(doc, i) != CB_JT_STRING) {
        return false;
    }
    cb_str_t s = cb_jtok_raw(doc, i);
    if (s.len == 0 || s.len >= cap) {
        return false;
    }
    memcpy(out, s.ptr, s.len);
    out[s.len] = '\0';
    return cb_coinbase_id_ok(out, cap);
}

/* ---- replies -------------------------------------------------------------------- */

static int
s_time_reply(cb_md_parser_t *p, int http_status, cb_md_emit_fn emit, void *ctx,
             cb_venue_error_t *err)
{
    const cb_jdoc_t *doc = &p->doc;
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_TIME);
    cb_decimal_t epoch;
    int64_t ms;
    int64_t ns;
    if (cb_jtok_decimal(doc, cb_jtok_get(doc, 0, "epoch"), &epoch) == 0 &&
        cb_decimal_sign(epoch) > 0 && cb_decimal_round(epoch, 3, CB_ROUND_DOWN, &epoch) == 0 &&
        cb_decimal_to_scaled_int(epoch, 3, &ms) == 0) {
        msg.server_ms = ms;
    } else if (s_time(doc, cb_jtok_get(doc, 0, "iso"), &ns)) {
        msg.server_ms = ns / 1000000;
    } else {
        return s_bad(err, http_status, "time: no epoch or iso");
    }
    return emit(ctx, &msg);
}

/* One product -> ins; false when it cannot be represented (skipped). */
static bool
s_product(const cb_jdoc_t *doc, int o, cb_instrument_t *in)
{
    memset(in, 0, sizeof(*in));
    if (!s_copy_id(doc, cb_jtok_get(doc, o, "id"), in->native, sizeof(in->native)) ||
        !s_copy_id(doc, cb_jtok_get(doc, o, "base_currency"), in->native_base,
                   sizeof(in->native_base)) ||
        !s_copy_id(doc, cb_jtok_get(doc, o, "quote_currency"), in->native_quote,
                   sizeof(in->native_quote))) {
        return false;
    }
    if (cb_asset_unify(CB_DIALECT_COINBASE, in->native_base, strlen(in->native_base), in->base) !=
            0 ||
        cb_asset_unify(CB_DIALECT_COINBASE, in->native_quote, strlen(in->native_quote),
                       in->quote) != 0) {
        return false;
    }
    snprintf(in->symbol, sizeof(in->symbol), "%s-%s", in->base, in->quote);
    memcpy(in->altname, in->native, sizeof(in->altname));
    memcpy(in->ws_name, in->native, sizeof(in->ws_name));
    if (!s_dec(doc, cb_jtok_get(doc, o, "quote_increment"), true, &in->tick_size) ||
        !s_dec(doc, cb_jtok_get(doc, o, "base_increment"), true, &in->lot_size)) {
        return false;
    }
    in->tick_size = cb_decimal_normalize(in->tick_size);
    in->lot_size = cb_decimal_normalize(in->lot_size);
    in->price_decimals = in->tick_size.scale;
    in->qty_decimals = in->lot_size.scale;
    int t = cb_jtok_get(doc, o, "base_min_size");
    if (!cb_jtok_is_null(doc, t) && !s_dec(doc, t, false, &in->min_qty)) {
        return false;
    }
    t = cb_jtok_get(doc, o, "min_market_funds");
    if (!cb_jtok_is_null(doc, t) && !s_dec(doc, t, false, &in->min_notional)) {
        return false;
    }
    bool stable = false;
    bool disabled = false;
    (void) cb_jtok_bool(doc, cb_jtok_get(doc, o, "fx_stablecoin"), &stable);
    (void) cb_jtok_bool(doc, cb_jtok_get(doc, o, "trading_disabled"), &disabled);
    cb_decimal_parse(CB_COINBASE_TAKER_FEE, sizeof(CB_COINBASE_TAKER_FEE) - 1, &in->taker_fee);
    if (stable) {
        in->maker_fee = cb_decimal_from_int(0);
    } else {
        cb_decimal_parse(CB_COINBASE_MAKER_FEE, sizeof(CB_COINBASE_MAKER_FEE) - 1, &in->maker_fee);
    }
    in->trading = cb_jtok_eq(doc, cb_jtok_get(doc, o, "status"), "online") && !disabled;
    return true;
}

static int
s_products_reply(cb_md_parser_t *p, int http_status, cb_instruments_t *list,
                 cb_venue_error_t *err)
{
    const cb_jdoc_t *doc = &p->doc;
    if (list == NULL) {
        return CB_E_BAD_REQUEST;
    }
    if (cb_jtok_type(doc, 0) != CB_JT_ARRAY) {
        return s_bad(err, http_status, "products: not an array");
    }
    size_t before = list->count;
    int n = cb_jtok_size(doc, 0);
    int o = cb_jtok_first(doc, 0);
    for (int k = 0; k < n; k++, o = cb_jtok_skip(doc, o)) {
        if (cb_jtok_type(doc, o) != CB_JT_OBJECT) {
            list->count = before;
            return s_bad(err, http_status, "products: an item is not an object");
        }
        cb_instrument_t in;
        if (!s_product(doc, o, &in)) {
            continue;
        }
        int rc = cb_instruments_add(list, &in);
        if (rc == CB_E_NOMEM) {
            list->count = before;
            return rc;
        }
    }
    return 0;
}

static int
s_ticker_reply(cb_md_parser_t *p, const cb_rest_args_t *args, int http_status,
               cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err)
{
    const cb_jdoc_t *doc = &p->doc;
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_TICK);
    msg.native = cb_str_from(args->ins->native);
    cb_tick_t *tk = &msg.tick;
    cb_decimal_t d;
    if (cb_jtok_type(doc, 0) != CB_JT_OBJECT || !s_dec(doc, cb_jtok_get(doc, 0, "bid"), false, &d)) {
        return s_bad(err, http_status, "ticker: no bid");
    }
    CB_PROTO_SET(tk, tick, bid, d);
    if (!s_dec(doc, cb_jtok_get(doc, 0, "ask"), false, &d)) {
        return s_bad(err, http_status, "ticker: no ask");
    }
    CB_PROTO_SET(tk, tick, ask, d);
    int t = cb_jtok_get(doc, 0, "price");
    if (t >= 0 && !cb_jtok_is_null(doc, t)) {
        if (!s_dec(doc, t, false, &d)) {
            return s_bad(err, http_status, "ticker: bad price");
        }
        CB_PROTO_SET(tk, tick, last, d);
    }
    t = cb_jtok_get(doc, 0, "volume");
    if (t >= 0 && !cb_jtok_is_null(doc, t)) {
        if (!s_dec(doc, t, false, &d)) {
            return s_bad(err, http_status, "ticker: bad volume");
        }
        CB_PROTO_SET(tk, tick, volume, d);
    }
    int64_t ns;
    if (s_time(doc, cb_jtok_get(doc, 0, "time"), &ns)) {
        CB_PROTO_SET(tk, tick, exch_ts, ns);
    }
    return emit(ctx, &msg);
}

/* Reads up to max levels [price, size, ...] of the array at arr into out. */
static bool
s_levels(const cb_jdoc_t *doc, int arr, cb_level_t *out, size_t max, uint32_t *count)
{
    int n = cb_jtok_size(doc, arr);
    int e = cb_jtok_first(doc, arr);
    uint32_t c = 0;
    for (int k = 0; k < n && c < max; k++, e = cb_jtok_skip(doc, e)) {
        if (cb_jtok_type(doc, e) != CB_JT_ARRAY || cb_jtok_size(doc, e) < 2 ||
            !s_dec(doc, e + 1, true, &out[c].price) ||
            !s_dec(doc, cb_jtok_skip(doc, e + 1), false, &out[c].qty)) {
            return false;
        }
        c++;
    }
    *count = c;
    return true;
}

static int
s_book_reply(cb_md_parser_t *p, const cb_rest_args_t *args, int http_status, cb_md_emit_fn emit,
             void *ctx, cb_venue_error_t *err)
{
    const cb_jdoc_t *doc = &p->doc;
    int bids = cb_jtok_get(doc, 0, "bids");
    int asks = cb_jtok_get(doc, 0, "asks");
    if (cb_jtok_type(doc, bids) != CB_JT_ARRAY || cb_jtok_type(doc, asks) != CB_JT_ARRAY) {
        return s_bad(err, http_status, "book: no bids/asks");
    }
    size_t depth = CB_BOOK_MAX_LEVELS;
    if (args->limit > 0 && (size_t) args->limit < depth) {
        depth = (size_t) args->limit;
    }
    size_t nb = (size_t) cb_jtok_size(doc, bids);
    size_t na = (size_t) cb_jtok_size(doc, asks);
    nb = nb < depth ? nb : depth;
    na = na < depth ? na : depth;
    int rc = cb_md_reserve_levels(p, nb + na + 1);
    if (rc != 0) {
        return rc;
    }
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_BOOK);
    msg.native = cb_str_from(args->ins->native);
    cb_book_t *bk = &msg.book;
    cb_levels_t lb = {p->levels, 0};
    cb_levels_t la = {NULL, 0};
    if (!s_levels(doc, bids, p->levels, nb, &lb.count)) {
        return s_bad(err, http_status, "book: bad bid level");
    }
    la.items = p->levels + lb.count;
    if (!s_levels(doc, asks, la.items, na, &la.count)) {
        return s_bad(err, http_status, "book: bad ask level");
    }
    CB_PROTO_SET(bk, book, snapshot, true);
    CB_PROTO_SET(bk, book, bids, lb);
    CB_PROTO_SET(bk, book, asks, la);
    uint64_t seq;
    if (cb_jtok_u64(doc, cb_jtok_get(doc, 0, "sequence"), &seq) == 0) {
        CB_PROTO_SET(bk, book, update_id, seq);
        msg.prev_update_id = seq;
    }
    int64_t ns;
    if (s_time(doc, cb_jtok_get(doc, 0, "time"), &ns)) {
        CB_PROTO_SET(bk, book, exch_ts, ns);
    }
    return emit(ctx, &msg);
}

/* One element of /trades -> tr; false when malformed. */
static bool
s_trade(const cb_jdoc_t *doc, int o, cb_trade_t *tr, uint64_t *id)
{
    memset(tr, 0, sizeof(*tr));
    cb_decimal_t d;
    cb_str_t side;
    int64_t ns;
    int t = cb_jtok_get(doc, o, "trade_id");
    if (cb_jtok_type(doc, o) != CB_JT_OBJECT || cb_jtok_u64(doc, t, id) != 0) {
        return false;
    }
    cb_str_t raw = cb_jtok_raw(doc, t);
    if (raw.len > 64) {
        return false;
    }
    CB_PROTO_SET(tr, trade, trade_id, raw);
    if (!s_dec(doc, cb_jtok_get(doc, o, "price"), true, &d)) {
        return false;
    }
    CB_PROTO_SET(tr, trade, price, d);
    if (!s_dec(doc, cb_jtok_get(doc, o, "size"), false, &d)) {
        return false;
    }
    CB_PROTO_SET(tr, trade, qty, d);
    if (cb_jtok_type(doc, cb_jtok_get(doc, o, "side")) != CB_JT_STRING ||
        cb_coinbase_taker_side(cb_jtok_raw(doc, cb_jtok_get(doc, o, "side")), &side) != 0) {
        return false;
    }
    CB_PROTO_SET(tr, trade, side, side);
    if (!s_time(doc, cb_jtok_get(doc, o, "time"), &ns)) {
        return false;
    }
    CB_PROTO_SET(tr, trade, exch_ts, ns);
    return true;
}

static void
s_reverse_trades(cb_trade_t *t, size_t n)
{
    for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
        cb_trade_t x = t[i];
        t[i] = t[j - 1];
        t[j - 1] = x;
    }
}

static int
s_trades_reply(cb_md_parser_t *p, const cb_rest_args_t *args, int http_status,
               cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err)
{
    const cb_jdoc_t *doc = &p->doc;
    if (cb_jtok_type(doc, 0) != CB_JT_ARRAY) {
        return s_bad(err, http_status, "trades: not an array");
    }
    size_t n = (size_t) cb_jtok_size(doc, 0);
    int rc = cb_md_reserve_trades(p, n + 1);
    if (rc != 0) {
        return rc;
    }
    size_t count = 0;
    uint64_t first_id = 0;
    uint64_t last_id = 0;
    int o = cb_jtok_first(doc, 0);
    for (size_t k = 0; k < n; k++, o = cb_jtok_skip(doc, o)) {
        uint64_t id;
        if (!s_trade(doc, o, &p->trades[count], &id)) {
            return s_bad(err, http_status, "trades: bad trade");
        }
        if (k == 0) {
            first_id = id;
        }
        last_id = id;
        if (args->since_ms > 0 && p->trades[count].exch_ts / 1000000 < args->since_ms) {
            continue;
        }
        count++;
    }
    /* Newest first as documented; kept as is should a reply come oldest first. */
    if (first_id > last_id) {
        s_reverse_trades(p->trades, count);
    }
    if (args->limit > 0 && count > (size_t) args->limit) {
        size_t drop = count - (size_t) args->limit;
        memmove(p->trades, p->trades + drop, (size_t) args->limit * sizeof(cb_trade_t));
        count = (size_t) args->limit;
    }
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_TRADES);
    msg.native = cb_str_from(args->ins->native);
    msg.trades = p->trades;
    msg.count = count;
    return emit(ctx, &msg);
}

static int
s_candle_cmp(const void *a, const void *b)
{
    int64_t x = ((const cb_candle_t *) a)->open_ts;
    int64_t y = ((const cb_candle_t *) b)->open_ts;
    return (x > y) - (x < y);
}

static int
s_candles_reply(cb_md_parser_t *p, const cb_rest_args_t *args, int http_status,
                cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err)
{
    const cb_jdoc_t *doc = &p->doc;
    const char *iname = s_interval_name(args->interval_s);
    if (iname == NULL) {
        return CB_E_BAD_REQUEST;
    }
    if (cb_jtok_type(doc, 0) != CB_JT_ARRAY) {
        return s_bad(err, http_status, "candles: not an array");
    }
    size_t n = (size_t) cb_jtok_size(doc, 0);
    int rc = cb_md_reserve_candles(p, n + 1);
    if (rc != 0) {
        return rc;
    }
    int e = cb_jtok_first(doc, 0);
    for (size_t k = 0; k < n; k++, e = cb_jtok_skip(doc, e)) {
        cb_candle_t *c = &p->candles[k];
        memset(c, 0, sizeof(*c));
        int64_t ts;
        cb_decimal_t v[5]; /* low, high, open, close, volume */
        if (cb_jtok_type(doc, e) != CB_JT_ARRAY || cb_jtok_size(doc, e) < 6 ||
            cb_jtok_i64(doc, e + 1, &ts) != 0 || ts < 0 || ts > INT64_MAX / 1000000000) {
            return s_bad(err, http_status, "candles: bad row");
        }
        int f = cb_jtok_skip(doc, e + 1);
        for (int j = 0; j < 5; j++, f = cb_jtok_skip(doc, f)) {
            if (!s_dec(doc, f, false, &v[j])) {
                return s_bad(err, http_status, "candles: bad value");
            }
        }
        CB_PROTO_SET(c, candle, interval, cb_str_from(iname));
        CB_PROTO_SET(c, candle, open_ts, ts * 1000000000);
        CB_PROTO_SET(c, candle, low, v[0]);
        CB_PROTO_SET(c, candle, high, v[1]);
        CB_PROTO_SET(c, candle, open, v[2]);
        CB_PROTO_SET(c, candle, close, v[3]);
        CB_PROTO_SET(c, candle, volume, v[4]);
        CB_PROTO_SET(c, candle, closed, true);
    }
    cb_candle_t *cs = p->candles;
    /* Documented newest first; sorted rather than reversed, so that any reply
     * comes out oldest first. */
    qsort(cs, n, sizeof(*cs), s_candle_cmp);
    if (args->limit > 0 && n > (size_t) args->limit) {
        if (args->since_ms <= 0) { /* the newest limit candles */
            cs += n - (size_t) args->limit;
        }
        n = (size_t) args->limit;
    }
    if (n > 0) {
        CB_PROTO_SET(&cs[n - 1], candle, closed, false); /* the newest may still be forming */
    }
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_CANDLES);
    msg.native = cb_str_from(args->ins->native);
    msg.candles = cs;
    msg.count = n;
    return emit(ctx, &msg);
}

int
cb_coinbase_rest_parse(cb_md_parser_t *p, cb_rest_op_t op, const cb_rest_args_t *args,
                       int http_status, const char *body, size_t len, cb_instruments_t *list,
                       cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err)
{
    bool product_route = op == CB_REST_TICKER || op == CB_REST_OHLC || op == CB_REST_BOOK ||
                         op == CB_REST_TRADES;
    if (p == NULL || err == NULL || (op != CB_REST_INSTRUMENTS && emit == NULL) ||
        (product_route && (args == NULL || args->ins == NULL)) || (body == NULL && len > 0)) {
        return CB_E_BAD_REQUEST;
    }
    if (op > CB_REST_TRADES || (int) op < 0) {
        return CB_E_BAD_REQUEST;
    }
    if (http_status < 200 || http_status > 299) {
        return cb_coinbase_error(product_route, false, false, true, http_status, body, len, 0, err);
    }
    if (len > INT32_MAX || cb_jdoc_parse(&p->doc, body != NULL ? body : "", len) != 0) {
        return s_bad(err, http_status, "reply is not JSON");
    }
    const cb_jdoc_t *doc = &p->doc;
    int m = cb_jtok_get(doc, 0, "message");
    if (cb_jtok_type(doc, m) == CB_JT_STRING && cb_jtok_get(doc, 0, "bids") < 0 &&
        cb_jtok_get(doc, 0, "epoch") < 0 && cb_jtok_get(doc, 0, "bid") < 0) {
        /* An error envelope with a 2xx status: the venue refused. */
        char text[CB_VERR_MESSAGE_MAX];
        int tl = cb_jtok_string(doc, m, text, sizeof(text));
        cb_verr_set(err, CB_VERR_REJECTED, http_status, "", text, tl > 0 ? (size_t) tl : 0);
        return cb_verr_code(CB_VERR_REJECTED);
    }
    switch (op) {
    case CB_REST_TIME:
        return s_time_reply(p, http_status, emit, ctx, err);
    case CB_REST_INSTRUMENTS:
        return s_products_reply(p, http_status, list, err);
    case CB_REST_TICKER:
        return s_ticker_reply(p, args, http_status, emit, ctx, err);
    case CB_REST_OHLC:
        return s_candles_reply(p, args, http_status, emit, ctx, err);
    case CB_REST_BOOK:
        return s_book_reply(p, args, http_status, emit, ctx, err);
    case CB_REST_TRADES:
        return s_trades_reply(p, args, http_status, emit, ctx, err);
    }
    return CB_E_BAD_REQUEST;
}
