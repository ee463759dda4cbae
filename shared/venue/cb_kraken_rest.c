/* cb_kraken_rest.c - Kraken public REST: request URLs and the parsers of Time, AssetPairs, Ticker, OHLC, Depth, Trades */
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_kraken_impl.h"
#include "cb_kraken_time.h"

/* ---- URLs -------------------------------------------------------------------- */

/* Pair ids and altnames are [A-Za-z0-9._]; a v2 name's '/' is escaped. */
static int
s_pair_param(const cb_instrument_t *ins, char *out, size_t size)
{
    const char *name = ins->native[0] != '\0' ? ins->native : ins->altname;
    size_t n = 0;
    for (const char *c = name; *c != '\0'; c++) {
        bool plain = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                     (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-';
        if (!plain && *c != '/') {
            return CB_E_BAD_REQUEST;
        }
        if (n + 4 >= size) {
            return CB_E_TOO_BIG;
        }
        if (plain) {
            out[n++] = *c;
        } else {
            memcpy(out + n, "%2F", 3);
            n += 3;
        }
    }
    out[n] = '\0';
    return n > 0 ? 0 : CB_E_BAD_REQUEST;
}

static bool
s_interval_ok(int minutes)
{
    static const int ok[] = {1, 5, 15, 30, 60, 240, 1440, 10080, 21600};
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        if (ok[k] == minutes) {
            return true;
        }
    }
    return false;
}

int
cb_kraken_rest_url(const cb_venue_cfg_t *v, cb_rest_op_t op, const cb_rest_args_t *args, char *url,
                   size_t size)
{
    char pair[3 * CB_NATIVE_MAX + 1];
    char query[160] = "";
    const char *method;
    if (op != CB_REST_TIME && op != CB_REST_INSTRUMENTS) {
        if (args == NULL || args->ins == NULL) {
            return CB_E_BAD_REQUEST;
        }
        int rc = s_pair_param(args->ins, pair, sizeof pair);
        if (rc != 0) {
            return rc;
        }
        if (args->limit < 0 || args->since_ms < 0) {
            return CB_E_BAD_REQUEST;
        }
    }
    switch (op) {
    case CB_REST_TIME:
        method = "Time";
        break;
    case CB_REST_INSTRUMENTS:
        method = "AssetPairs";
        break;
    case CB_REST_TICKER:
        method = "Ticker";
        snprintf(query, sizeof query, "?pair=%s", pair);
        break;
    case CB_REST_OHLC: {
        int secs = args->interval_s > 0 ? args->interval_s : 60;
        if (secs % 60 != 0 || !s_interval_ok(secs / 60)) {
            return CB_E_BAD_REQUEST;
        }
        method = "OHLC";
        int n = snprintf(query, sizeof query, "?pair=%s&interval=%d", pair, secs / 60);
        if (args->since_ms > 0) {
            snprintf(query + n, sizeof query - (size_t) n, "&since=%lld",
                     (long long) (args->since_ms / 1000));
        }
        break;
    }
    case CB_REST_BOOK:
        method = "Depth";
        if (args->limit > 0) {
            snprintf(query, sizeof query, "?pair=%s&count=%d", pair, args->limit);
        } else {
            snprintf(query, sizeof query, "?pair=%s", pair);
        }
        break;
    case CB_REST_TRADES: {
        method = "Trades";
        int n = snprintf(query, sizeof query, "?pair=%s", pair);
        /* since is Kraken's nanosecond id (the previous reply's "last"). */
        if (args->since_ms > 0 && args->since_ms < INT64_MAX / 1000000) {
            n += snprintf(query + n, sizeof query - (size_t) n, "&since=%lld",
                          (long long) (args->since_ms * 1000000));
        }
        if (args->limit > 0) {
            snprintf(query + n, sizeof query - (size_t) n, "&count=%d", args->limit);
        }
        break;
    }
    default:
        return CB_E_BAD_REQUEST;
    }
    int n = snprintf(url, size, "%s/0/public/%s%s", v->rest_base, method, query);
    return n < 0 || (size_t) n >= size ? CB_E_TOO_BIG : 0;
}

/* ---- replies ------------------------------------------------------------------ */

static int
s_bad(cb_venue_error_t *err, int http_status, const char *why)
{
    cb_verr_set(err, CB_VERR_BAD_REPLY, http_status, "", why, strlen(why));
    return CB_E_PARSE;
}

static cb_str_t
s_key(const cb_jdoc_t *doc, int k)
{
    return cb_jtok_raw(doc, k);
}

/* ---- Time ---- */

static int
s_time(cb_md_parser_t *p, int result, cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err,
       int status)
{
    int64_t secs;
    if (cb_jtok_i64(&p->doc, cb_jtok_get(&p->doc, result, "unixtime"), &secs) != 0 || secs < 0 ||
        secs > INT64_MAX / 1000) {
        return s_bad(err, status, "Time: no unixtime");
    }
    cb_md_msg_t m;
    cb_md_msg_init(&m, CB_MD_TIME);
    m.server_ms = secs * 1000;
    return emit(ctx, &m);
}

/* ---- AssetPairs ---- */

/* 10^-decimals. */
static cb_decimal_t
s_step(unsigned decimals)
{
    cb_decimal_t d;
    cb_decimal_from_parts(1, decimals, &d);
    return d;
}

/* The first tier's percent of a fee schedule [[volume, percent], ...] as a
 * fraction (0.26 -> 0.0026), exactly; 0 when absent. */
static int
s_fee(const cb_jdoc_t *doc, int sched, cb_decimal_t *out)
{
    *out = cb_decimal_from_int(0);
    if (sched < 0) {
        return 0;
    }
    int tier = cb_jtok_at(doc, sched, 0);
    if (cb_jtok_type(doc, sched) != CB_JT_ARRAY || (tier >= 0 && cb_jtok_type(doc, tier) != CB_JT_ARRAY)) {
        return CB_E_PARSE;
    }
    if (tier < 0) {
        return 0;
    }
    cb_decimal_t pct;
    int rc = cb_jtok_decimal(doc, cb_jtok_at(doc, tier, 1), &pct);
    if (rc != 0) {
        return rc;
    }
    if (pct.scale + 2 <= CB_DECIMAL_MAX_SCALE) {
        pct.scale = (uint8_t) (pct.scale + 2);
        *out = pct;
        return 0;
    }
    return cb_decimal_div(pct, cb_decimal_from_int(100), CB_DECIMAL_MAX_SCALE, CB_ROUND_HALF_EVEN,
                          out);
}

static int
s_copy_raw(const cb_jdoc_t *doc, int i, char *out, size_t size)
{
    if (cb_jtok_type(doc, i) != CB_JT_STRING) {
        return CB_E_PARSE;
    }
    int n = cb_jtok_string(doc, i, out, size);
    return n < 0 ? n : n == 0 ? CB_E_PARSE : 0;
}

static int
s_decimals(const cb_jdoc_t *doc, int i, unsigned *out)
{
    int64_t v;
    int rc = cb_jtok_i64(doc, i, &v);
    if (rc != 0 || v < 0 || v > CB_DECIMAL_MAX_SCALE) {
        return rc != 0 ? rc : CB_E_RANGE;
    }
    *out = (unsigned) v;
    return 0;
}

/* One pair; CB_E_PARSE for a pair coinbus cannot name or trade (skipped). */
static int
s_pair(const cb_jdoc_t *doc, int key, int obj, cb_instrument_t *in)
{
    memset(in, 0, sizeof(*in));
    cb_str_t id = s_key(doc, key);
    if (cb_jtok_type(doc, obj) != CB_JT_OBJECT || id.len == 0 || id.len >= CB_NATIVE_MAX) {
        return CB_E_PARSE;
    }
    memcpy(in->native, id.ptr, id.len);
    if (s_copy_raw(doc, cb_jtok_get(doc, obj, "base"), in->native_base, sizeof in->native_base) != 0 ||
        s_copy_raw(doc, cb_jtok_get(doc, obj, "quote"), in->native_quote, sizeof in->native_quote) != 0 ||
        cb_asset_unify(CB_DIALECT_KRAKEN, in->native_base, strlen(in->native_base), in->base) != 0 ||
        cb_asset_unify(CB_DIALECT_KRAKEN, in->native_quote, strlen(in->native_quote), in->quote) != 0) {
        return CB_E_PARSE;
    }
    snprintf(in->symbol, sizeof in->symbol, "%s-%s", in->base, in->quote);
    size_t bl = strlen(in->base);
    size_t ql = strlen(in->quote);
    if (bl + 1 + ql >= sizeof in->ws_name) {
        return CB_E_PARSE;
    }
    memcpy(in->ws_name, in->base, bl);
    in->ws_name[bl] = '/';
    memcpy(in->ws_name + bl + 1, in->quote, ql + 1);
    if (s_copy_raw(doc, cb_jtok_get(doc, obj, "altname"), in->altname, sizeof in->altname) != 0) {
        snprintf(in->altname, sizeof in->altname, "%s", in->native);
    }
    if (s_decimals(doc, cb_jtok_get(doc, obj, "pair_decimals"), &in->price_decimals) != 0 ||
        s_decimals(doc, cb_jtok_get(doc, obj, "lot_decimals"), &in->qty_decimals) != 0) {
        return CB_E_PARSE;
    }
    int tick = cb_jtok_get(doc, obj, "tick_size");
    if (tick < 0 || cb_jtok_decimal(doc, tick, &in->tick_size) != 0 ||
        cb_decimal_sign(in->tick_size) <= 0) {
        in->tick_size = s_step(in->price_decimals);
    }
    in->lot_size = s_step(in->qty_decimals);
    int v = cb_jtok_get(doc, obj, "ordermin");
    if (v >= 0 && !cb_jtok_is_null(doc, v) && cb_jtok_decimal(doc, v, &in->min_qty) != 0) {
        return CB_E_PARSE;
    }
    v = cb_jtok_get(doc, obj, "costmin");
    if (v >= 0 && !cb_jtok_is_null(doc, v) && cb_jtok_decimal(doc, v, &in->min_notional) != 0) {
        return CB_E_PARSE;
    }
    if (s_fee(doc, cb_jtok_get(doc, obj, "fees"), &in->taker_fee) != 0 ||
        s_fee(doc, cb_jtok_get(doc, obj, "fees_maker"), &in->maker_fee) != 0) {
        return CB_E_PARSE;
    }
    int st = cb_jtok_get(doc, obj, "status");
    in->trading = st < 0 || cb_jtok_eq(doc, st, "online");
    return 0;
}

static int
s_asset_pairs(cb_md_parser_t *p, int result, cb_instruments_t *list, cb_venue_error_t *err,
              int status)
{
    const cb_jdoc_t *doc = &p->doc;
    if (list == NULL) {
        return CB_E_BAD_REQUEST;
    }
    int k = cb_jtok_first(doc, result);
    for (int n = 0; n < cb_jtok_size(doc, result); n++) {
        int val = k + 1;
        cb_instrument_t in;
        /* Pairs coinbus cannot name (ETH2.S/ETH) are left out; a symbol
         * listed twice keeps its first pair. */
        if (s_pair(doc, k, val, &in) == 0) {
            int rc = cb_instruments_add(list, &in);
            if (rc != 0 && rc != CB_E_CONFLICT) {
                return rc;
            }
        } else if (cb_jtok_type(doc, val) != CB_JT_OBJECT) {
            return s_bad(err, status, "AssetPairs: a pair is not an object");
        }
        k = cb_jtok_skip(doc, val);
    }
    return 0;
}

/* ---- Ticker ---- */

static int
s_ticker(cb_md_parser_t *p, int result, cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err,
         int status)
{
    const cb_jdoc_t *doc = &p->doc;
    int k = cb_jtok_first(doc, result);
    for (int n = 0; n < cb_jtok_size(doc, result); n++, k = cb_jtok_skip(doc, k + 1)) {
        int t = k + 1;
        cb_md_msg_t m;
        cb_md_msg_init(&m, CB_MD_TICK);
        m.native = s_key(doc, k);
        int a = cb_jtok_get(doc, t, "a");
        int b = cb_jtok_get(doc, t, "b");
        cb_decimal_t d;
        if (cb_jtok_decimal(doc, cb_jtok_at(doc, b, 0), &d) != 0) {
            return s_bad(err, status, "Ticker: no bid");
        }
        CB_PROTO_SET(&m.tick, tick, bid, d);
        if (cb_jtok_decimal(doc, cb_jtok_at(doc, a, 0), &d) != 0) {
            return s_bad(err, status, "Ticker: no ask");
        }
        CB_PROTO_SET(&m.tick, tick, ask, d);
        /* [price, whole-lot volume, lot volume]: the lot volume is the amount. */
        if (cb_jtok_decimal(doc, cb_jtok_at(doc, b, 2), &d) == 0) {
            CB_PROTO_SET(&m.tick, tick, bid_qty, d);
        }
        if (cb_jtok_decimal(doc, cb_jtok_at(doc, a, 2), &d) == 0) {
            CB_PROTO_SET(&m.tick, tick, ask_qty, d);
        }
        if (cb_jtok_decimal(doc, cb_jtok_at(doc, cb_jtok_get(doc, t, "c"), 0), &d) == 0) {
            CB_PROTO_SET(&m.tick, tick, last, d);
        }
        if (cb_jtok_decimal(doc, cb_jtok_at(doc, cb_jtok_get(doc, t, "v"), 1), &d) == 0) {
            CB_PROTO_SET(&m.tick, tick, volume, d);
        }
        int rc = emit(ctx, &m);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* ---- OHLC ---- */

static int
s_ohlc(cb_md_parser_t *p, const cb_rest_args_t *args, int result, cb_md_emit_fn emit, void *ctx,
       cb_venue_error_t *err, int status)
{
    const cb_jdoc_t *doc = &p->doc;
    int minutes = args != NULL && args->interval_s > 0 ? args->interval_s / 60 : 1;
    const char *iname = cb_kraken_interval_name(minutes);
    int k = cb_jtok_first(doc, result);
    for (int n = 0; n < cb_jtok_size(doc, result); n++, k = cb_jtok_skip(doc, k + 1)) {
        int rows = k + 1;
        if (cb_jtok_eq(doc, k, "last")) {
            continue;
        }
        if (cb_jtok_type(doc, rows) != CB_JT_ARRAY) {
            return s_bad(err, status, "OHLC: rows are not an array");
        }
        size_t count = (size_t) cb_jtok_size(doc, rows);
        int rc = cb_md_reserve_candles(p, count);
        if (rc != 0) {
            return rc;
        }
        int r = cb_jtok_first(doc, rows);
        for (size_t j = 0; j < count; j++, r = cb_jtok_skip(doc, r)) {
            cb_candle_t *c = &p->candles[j];
            memset(c, 0, sizeof(*c));
            int64_t ts;
            uint64_t trades;
            cb_decimal_t o, h, l, cl, vol;
            if (cb_jtok_type(doc, r) != CB_JT_ARRAY || cb_jtok_i64(doc, cb_jtok_at(doc, r, 0), &ts) != 0 ||
                ts < 0 || ts > INT64_MAX / 1000000000 ||
                cb_jtok_decimal(doc, cb_jtok_at(doc, r, 1), &o) != 0 ||
                cb_jtok_decimal(doc, cb_jtok_at(doc, r, 2), &h) != 0 ||
                cb_jtok_decimal(doc, cb_jtok_at(doc, r, 3), &l) != 0 ||
                cb_jtok_decimal(doc, cb_jtok_at(doc, r, 4), &cl) != 0 ||
                cb_jtok_decimal(doc, cb_jtok_at(doc, r, 6), &vol) != 0) {
                return s_bad(err, status, "OHLC: a row is not [time, o, h, l, c, vwap, volume, count]");
            }
            if (iname != NULL) {
                CB_PROTO_SET(c, candle, interval, cb_str_from(iname));
            }
            CB_PROTO_SET(c, candle, open_ts, ts * 1000000000);
            CB_PROTO_SET(c, candle, open, o);
            CB_PROTO_SET(c, candle, high, h);
            CB_PROTO_SET(c, candle, low, l);
            CB_PROTO_SET(c, candle, close, cl);
            CB_PROTO_SET(c, candle, volume, vol);
            /* Kraken's last row is the current, uncommitted candle. */
            CB_PROTO_SET(c, candle, closed, j + 1 < count);
            if (cb_jtok_u64(doc, cb_jtok_at(doc, r, 7), &trades) == 0) {
                CB_PROTO_SET(c, candle, trades, trades);
            }
        }
        cb_md_msg_t m;
        cb_md_msg_init(&m, CB_MD_CANDLES);
        m.native = s_key(doc, k);
        m.candles = p->candles;
        m.count = count;
        rc = emit(ctx, &m);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* ---- Depth ---- */

/* Reads [[price, volume, ts], ...] into levels; CB_E_PARSE when malformed. */
static int
s_levels(const cb_jdoc_t *doc, int arr, cb_level_t *out)
{
    int r = cb_jtok_first(doc, arr);
    for (int j = 0; j < cb_jtok_size(doc, arr); j++, r = cb_jtok_skip(doc, r)) {
        if (cb_jtok_type(doc, r) != CB_JT_ARRAY ||
            cb_jtok_decimal(doc, cb_jtok_at(doc, r, 0), &out[j].price) != 0 ||
            cb_jtok_decimal(doc, cb_jtok_at(doc, r, 1), &out[j].qty) != 0) {
            return CB_E_PARSE;
        }
    }
    return 0;
}

static int
s_depth(cb_md_parser_t *p, int result, cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err,
        int status)
{
    const cb_jdoc_t *doc = &p->doc;
    int k = cb_jtok_first(doc, result);
    for (int n = 0; n < cb_jtok_size(doc, result); n++, k = cb_jtok_skip(doc, k + 1)) {
        int bids = cb_jtok_get(doc, k + 1, "bids");
        int asks = cb_jtok_get(doc, k + 1, "asks");
        if (cb_jtok_type(doc, bids) != CB_JT_ARRAY || cb_jtok_type(doc, asks) != CB_JT_ARRAY) {
            return s_bad(err, status, "Depth: no bids / asks arrays");
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
            return s_bad(err, status, "Depth: a level is not [price, volume, ts]");
        }
        cb_md_msg_t m;
        cb_md_msg_init(&m, CB_MD_BOOK);
        m.native = s_key(doc, k);
        CB_PROTO_SET(&m.book, book, snapshot, true);
        CB_PROTO_SET(&m.book, book, bids, ((cb_levels_t){p->levels, (uint32_t) nb}));
        CB_PROTO_SET(&m.book, book, asks, ((cb_levels_t){p->levels + nb, (uint32_t) na}));
        rc = emit(ctx, &m);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* ---- Trades ---- */

static int
s_trades(cb_md_parser_t *p, int result, cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err,
         int status)
{
    const cb_jdoc_t *doc = &p->doc;
    int k = cb_jtok_first(doc, result);
    for (int n = 0; n < cb_jtok_size(doc, result); n++, k = cb_jtok_skip(doc, k + 1)) {
        int rows = k + 1;
        if (cb_jtok_eq(doc, k, "last")) {
            continue;
        }
        if (cb_jtok_type(doc, rows) != CB_JT_ARRAY) {
            return s_bad(err, status, "Trades: rows are not an array");
        }
        size_t count = (size_t) cb_jtok_size(doc, rows);
        int rc = cb_md_reserve_trades(p, count);
        if (rc != 0) {
            return rc;
        }
        int r = cb_jtok_first(doc, rows);
        for (size_t j = 0; j < count; j++, r = cb_jtok_skip(doc, r)) {
            cb_trade_t *t = &p->trades[j];
            memset(t, 0, sizeof(*t));
            cb_decimal_t price, qty;
            int64_t ts;
            int side = cb_jtok_at(doc, r, 3);
            bool buy = cb_jtok_eq(doc, side, "b");
            if (cb_jtok_type(doc, r) != CB_JT_ARRAY ||
                cb_jtok_decimal(doc, cb_jtok_at(doc, r, 0), &price) != 0 ||
                cb_jtok_decimal(doc, cb_jtok_at(doc, r, 1), &qty) != 0 ||
                cb_kraken_unix_ns(cb_jtok_raw(doc, cb_jtok_at(doc, r, 2)), &ts) != 0 ||
                (!buy && !cb_jtok_eq(doc, side, "s"))) {
                return s_bad(err, status, "Trades: a row is not [price, volume, time, b|s, ...]");
            }
            CB_PROTO_SET(t, trade, price, price);
            CB_PROTO_SET(t, trade, qty, qty);
            CB_PROTO_SET(t, trade, side, buy ? CB_STR("buy") : CB_STR("sell"));
            CB_PROTO_SET(t, trade, exch_ts, ts);
            int id = cb_jtok_at(doc, r, 6); /* older replies have 6 columns */
            if (cb_jtok_type(doc, id) == CB_JT_PRIMITIVE || cb_jtok_type(doc, id) == CB_JT_STRING) {
                cb_str_t raw = cb_jtok_raw(doc, id);
                if (raw.len > 0 && raw.len <= 64) {
                    CB_PROTO_SET(t, trade, trade_id, raw);
                }
            }
        }
        cb_md_msg_t m;
        cb_md_msg_init(&m, CB_MD_TRADES);
        m.native = s_key(doc, k);
        m.trades = p->trades;
        m.count = count;
        rc = emit(ctx, &m);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int
cb_kraken_rest_parse(cb_md_parser_t *p, cb_rest_op_t op, const cb_rest_args_t *args,
                     int http_status, const char *body, size_t len, cb_instruments_t *list,
                     cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err)
{
    cb_venue_error_t scratch_err;
    if (err == NULL) {
        err = &scratch_err;
    }
    memset(err, 0, sizeof(*err));
    if (body == NULL) {
        body = "";
        len = 0;
    }
    int rc = cb_jdoc_parse(&p->doc, body, len);
    if (rc != 0) {
        p->doc.count = 0;
    }
    /* The envelope's errors (or a non-2xx status) first. */
    bool ok_status = http_status >= 200 && http_status < 300;
    if (!ok_status || cb_jtok_type(&p->doc, cb_jtok_get(&p->doc, 0, "error")) == CB_JT_ARRAY) {
        int crc = cb_kraken_classify_doc(&p->doc, false, false, true, http_status, 0, err);
        if (crc != 0) {
            return crc;
        }
    }
    if (rc != 0) {
        return rc == CB_E_TOO_BIG || rc == CB_E_NOMEM ? rc : s_bad(err, http_status, "reply is not JSON");
    }
    int result = cb_jtok_get(&p->doc, 0, "result");
    if (cb_jtok_type(&p->doc, result) != CB_JT_OBJECT) {
        return s_bad(err, http_status, "reply has no result object");
    }
    if (op != CB_REST_INSTRUMENTS && emit == NULL) {
        return CB_E_BAD_REQUEST;
    }
    switch (op) {
    case CB_REST_TIME:
        return s_time(p, result, emit, ctx, err, http_status);
    case CB_REST_INSTRUMENTS:
        return s_asset_pairs(p, result, list, err, http_status);
    case CB_REST_TICKER:
        return s_ticker(p, result, emit, ctx, err, http_status);
    case CB_REST_OHLC:
        return s_ohlc(p, args, result, emit, ctx, err, http_status);
    case CB_REST_BOOK:
        return s_depth(p, result, emit, ctx, err, http_status);
    case CB_REST_TRADES:
        return s_trades(p, result, emit, ctx, err, http_status);
    default:
        return CB_E_BAD_REQUEST;
    }
}
