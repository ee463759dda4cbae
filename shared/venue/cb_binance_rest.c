/* cb_binance_rest.c - Binance public REST: request URLs and their replies */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cb_binance_impl.h"
#include "cb_error.h"

/* Binance's exchangeInfo carries no fees: instruments get the documented
 * standard spot rate, 0.1 % maker and taker (VIP 0, no BNB discount), until
 * the account's own commissionRates override it. */
#define S_DEFAULT_FEE_COEF 1
#define S_DEFAULT_FEE_SCALE 3

/* Documented maxima of limit: depth 5000, trades and klines 1000. */
#define S_DEPTH_MAX 5000
#define S_LIST_MAX 1000

/* Room for the full exchangeInfo (about 3000 symbols of ~250 tokens). */
#define S_EXCHANGE_INFO_MAX_TOKENS 8000000

/* ---- URLs -------------------------------------------------------------------- */

/* The native symbol percent-encoded (non-ASCII symbols exist) into out. */
static int
s_symbol_param(const cb_rest_args_t *args, char *out, size_t size)
{
    if (args == NULL || args->ins == NULL) {
        return CB_E_BAD_REQUEST;
    }
    const char *s = args->ins->native;
    size_t len = strnlen(s, sizeof(args->ins->native));
    if (len == 0 || len == sizeof(args->ins->native)) {
        return CB_E_BAD_REQUEST;
    }
    static const char digits[] = "0123456789ABCDEF";
    size_t n = 0;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char) s[k];
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.' || c == '~';
        if (n + (plain ? 1 : 3) >= size) {
            return CB_E_TOO_BIG;
        }
        if (plain) {
            out[n++] = (char) c;
        } else {
            out[n++] = '%';
            out[n++] = digits[c >> 4];
            out[n++] = digits[c & 15];
        }
    }
    out[n] = '\0';
    return 0;
}

static int
s_limit(int limit, int max)
{
    return limit <= 0 ? 0 : limit > max ? max : limit;
}

int
cb_binance_rest_url(const cb_venue_cfg_t *v, cb_rest_op_t op, const cb_rest_args_t *args, char *url,
                    size_t size)
{
    if (v == NULL || url == NULL || size == 0) {
        return CB_E_BAD_REQUEST;
    }
    const char *base = v->rest_base;
    int bl = (int) strnlen(base, sizeof(v->rest_base));
    char sym[3 * CB_NATIVE_MAX];
    char extra[96] = "";
    int w;
    int rc = 0;
    switch (op) {
    case CB_REST_TIME:
        w = snprintf(url, size, "%.*s/api/v3/time", bl, base);
        break;
    case CB_REST_INSTRUMENTS:
        w = snprintf(url, size, "%.*s/api/v3/exchangeInfo", bl, base);
        break;
    case CB_REST_TICKER:
        if ((rc = s_symbol_param(args, sym, sizeof(sym))) != 0) {
            return rc;
        }
        w = snprintf(url, size, "%.*s/api/v3/ticker/24hr?symbol=%s", bl, base, sym);
        break;
    case CB_REST_OHLC: {
        if ((rc = s_symbol_param(args, sym, sizeof(sym))) != 0) {
            return rc;
        }
        const char *iv = cb_binance_interval(args->interval_s);
        if (iv == NULL || args->since_ms < 0) {
            return CB_E_BAD_REQUEST;
        }
        int limit = s_limit(args->limit, S_LIST_MAX);
        int n = 0;
        if (args->since_ms > 0) {
            n = snprintf(extra, sizeof(extra), "&startTime=%" PRId64, args->since_ms);
        }
        if (limit > 0) {
            snprintf(extra + n, sizeof(extra) - (size_t) n, "&limit=%d", limit);
        }
        w = snprintf(url, size, "%.*s/api/v3/klines?symbol=%s&interval=%s%s", bl, base, sym, iv,
                     extra);
        break;
    }
    case CB_REST_BOOK:
    case CB_REST_TRADES: {
        if ((rc = s_symbol_param(args, sym, sizeof(sym))) != 0) {
            return rc;
        }
        bool book = op == CB_REST_BOOK;
        int limit = s_limit(args->limit, book ? S_DEPTH_MAX : S_LIST_MAX);
        if (limit > 0) {
            snprintf(extra, sizeof(extra), "&limit=%d", limit);
        }
        /* /api/v3/trades has no start time: since_ms is not used (recent trades). */
        w = snprintf(url, size, "%.*s/api/v3/%s?symbol=%s%s", bl, base, book ? "depth" : "trades",
                     sym, extra);
        break;
    }
    default:
        return CB_E_BAD_REQUEST;
    }
    return w < 0 || (size_t) w >= size ? CB_E_TOO_BIG : 0;
}

/* ---- replies ------------------------------------------------------------------- */

/* A reply that is not the documented shape. */
static int
s_bad_reply(cb_venue_error_t *err, int http_status, const char *why)
{
    cb_verr_set(err, CB_VERR_BAD_REPLY, http_status, "", why, strlen(why));
    return CB_E_PARSE;
}

static int
s_time(cb_md_parser_t *p, cb_md_emit_fn emit, void *ctx)
{
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_TIME);
    int rc = cb_jtok_i64(&p->doc, cb_jtok_get(&p->doc, 0, "serverTime"), &msg.server_ms);
    if (rc != 0) {
        return rc;
    }
    return emit(ctx, &msg);
}

/* Fraction digits of a step ("0.01000000" -> 2, "1.00000000" -> 0). */
static unsigned
s_decimals(cb_decimal_t step)
{
    return cb_decimal_normalize(step).scale;
}

/* Reads a filter's decimal field; absent or bad leaves out untouched. */
static void
s_filter_dec(const cb_jdoc_t *doc, int f, const char *key, cb_decimal_t *out)
{
    cb_decimal_t d;
    if (cb_jtok_decimal(doc, cb_jtok_get(doc, f, key), &d) == 0 && cb_decimal_sign(d) >= 0) {
        *out = d;
    }
}

/* Copies string token i into out (size bytes); false when absent or too long. */
static bool
s_copy(const cb_jdoc_t *doc, int i, char *out, size_t size)
{
    if (cb_jtok_type(doc, i) != CB_JT_STRING) {
        return false;
    }
    cb_str_t raw = cb_jtok_raw(doc, i);
    if (raw.len == 0 || raw.len >= size || memchr(raw.ptr, '\\', raw.len) != NULL) {
        return false;
    }
    memcpy(out, raw.ptr, raw.len);
    out[raw.len] = '\0';
    return true;
}

/* One element of exchangeInfo.symbols[] into in; false for a symbol
 * coinbus cannot name (assets outside [A-Za-z0-9], names too long). */
static bool
s_instrument(const cb_jdoc_t *doc, int s, cb_instrument_t *in)
{
    memset(in, 0, sizeof(*in));
    if (cb_jtok_type(doc, s) != CB_JT_OBJECT ||
        !s_copy(doc, cb_jtok_get(doc, s, "symbol"), in->native, sizeof(in->native)) ||
        !s_copy(doc, cb_jtok_get(doc, s, "baseAsset"), in->native_base, sizeof(in->native_base)) ||
        !s_copy(doc, cb_jtok_get(doc, s, "quoteAsset"), in->native_quote,
                sizeof(in->native_quote))) {
        return false;
    }
    if (cb_asset_unify(CB_DIALECT_BINANCE, in->native_base, strlen(in->native_base), in->base) !=
            0 ||
        cb_asset_unify(CB_DIALECT_BINANCE, in->native_quote, strlen(in->native_quote), in->quote) !=
            0) {
        return false;
    }
    snprintf(in->symbol, sizeof(in->symbol), "%s-%s", in->base, in->quote);
    memcpy(in->altname, in->native, sizeof(in->altname));
    for (size_t k = 0; in->native[k] != '\0'; k++) {
        char c = in->native[k];
        in->ws_name[k] = c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
    }
    in->trading = cb_jtok_eq(doc, cb_jtok_get(doc, s, "status"), "TRADING");
    cb_decimal_from_parts(S_DEFAULT_FEE_COEF, S_DEFAULT_FEE_SCALE, &in->maker_fee);
    in->taker_fee = in->maker_fee;
    int filters = cb_jtok_get(doc, s, "filters");
    bool have_notional = false;
    int f = cb_jtok_first(doc, filters);
    for (int k = 0; k < cb_jtok_size(doc, filters) && f >= 0 && f < doc->count; k++) {
        int type = cb_jtok_get(doc, f, "filterType");
        if (cb_jtok_eq(doc, type, "PRICE_FILTER")) {
            s_filter_dec(doc, f, "tickSize", &in->tick_size);
        } else if (cb_jtok_eq(doc, type, "LOT_SIZE")) {
            s_filter_dec(doc, f, "stepSize", &in->lot_size);
            s_filter_dec(doc, f, "minQty", &in->min_qty);
        } else if (cb_jtok_eq(doc, type, "NOTIONAL")) {
            s_filter_dec(doc, f, "minNotional", &in->min_notional);
            have_notional = true;
        } else if (cb_jtok_eq(doc, type, "MIN_NOTIONAL") && !have_notional) {
            s_filter_dec(doc, f, "minNotional", &in->min_notional);
        }
        f = cb_jtok_skip(doc, f);
    }
    /* A step of 0 disables its rule: fall back on the assets' precisions. */
    int64_t prec;
    if (!cb_decimal_is_zero(in->tick_size)) {
        in->price_decimals = s_decimals(in->tick_size);
    } else if (cb_jtok_i64(doc, cb_jtok_get(doc, s, "quoteAssetPrecision"), &prec) == 0 &&
               prec >= 0 && prec <= CB_DECIMAL_MAX_SCALE) {
        in->price_decimals = (unsigned) prec;
    }
    if (!cb_decimal_is_zero(in->lot_size)) {
        in->qty_decimals = s_decimals(in->lot_size);
    } else if (cb_jtok_i64(doc, cb_jtok_get(doc, s, "baseAssetPrecision"), &prec) == 0 &&
               prec >= 0 && prec <= CB_DECIMAL_MAX_SCALE) {
        in->qty_decimals = (unsigned) prec;
    }
    return true;
}

static int
s_instruments(cb_md_parser_t *p, cb_instruments_t *list)
{
    const cb_jdoc_t *doc = &p->doc;
    int symbols = cb_jtok_get(doc, 0, "symbols");
    if (cb_jtok_type(doc, symbols) != CB_JT_ARRAY) {
        return CB_E_PARSE;
    }
    int s = cb_jtok_first(doc, symbols);
    for (int k = 0; k < doc->tok[symbols].size && s >= 0 && s < doc->count; k++) {
        cb_instrument_t in;
        if (s_instrument(doc, s, &in)) {
            /* Two listings of one unified pair: the first is kept. */
            int rc = cb_instruments_add(list, &in);
            if (rc != 0 && rc != CB_E_CONFLICT) {
                return rc;
            }
        }
        s = cb_jtok_skip(doc, s);
    }
    return 0;
}

/* One 24hr ticker object (FULL; MINI has no bid/ask and is refused). */
static int
s_ticker_one(const cb_jdoc_t *doc, int t, const cb_rest_args_t *args, cb_md_emit_fn emit, void *ctx)
{
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_TICK);
    cb_tick_t *tk = &msg.tick;
    cb_decimal_t d;
    int64_t ns;
    int sym = cb_jtok_get(doc, t, "symbol");
    if (cb_jtok_type(doc, sym) == CB_JT_STRING) {
        msg.native = cb_jtok_raw(doc, sym);
    } else if (args != NULL && args->ins != NULL) {
        msg.native = cb_str_from(args->ins->native);
    }
    int rc;
    if ((rc = cb_jtok_decimal(doc, cb_jtok_get(doc, t, "bidPrice"), &d)) != 0) {
        return rc;
    }
    CB_PROTO_SET(tk, tick, bid, d);
    if ((rc = cb_jtok_decimal(doc, cb_jtok_get(doc, t, "askPrice"), &d)) != 0) {
        return rc;
    }
    CB_PROTO_SET(tk, tick, ask, d);
    if (cb_jtok_decimal(doc, cb_jtok_get(doc, t, "bidQty"), &d) == 0) {
        CB_PROTO_SET(tk, tick, bid_qty, d);
    }
    if (cb_jtok_decimal(doc, cb_jtok_get(doc, t, "askQty"), &d) == 0) {
        CB_PROTO_SET(tk, tick, ask_qty, d);
    }
    if (cb_jtok_decimal(doc, cb_jtok_get(doc, t, "lastPrice"), &d) == 0) {
        CB_PROTO_SET(tk, tick, last, d);
    }
    if (cb_jtok_decimal(doc, cb_jtok_get(doc, t, "volume"), &d) == 0) {
        CB_PROTO_SET(tk, tick, volume, d);
    }
    if (cb_binance_ms_to_ns(doc, cb_jtok_get(doc, t, "closeTime"), &ns) == 0) {
        CB_PROTO_SET(tk, tick, exch_ts, ns);
    }
    return emit(ctx, &msg);
}

static int
s_ticker(cb_md_parser_t *p, const cb_rest_args_t *args, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    if (doc->tok[0].type == CB_JT_OBJECT) {
        return s_ticker_one(doc, 0, args, emit, ctx);
    }
    if (doc->tok[0].type != CB_JT_ARRAY) {
        return CB_E_PARSE;
    }
    int t = cb_jtok_first(doc, 0);
    for (int k = 0; k < doc->tok[0].size && t >= 0 && t < doc->count; k++) {
        if (cb_jtok_type(doc, t) != CB_JT_OBJECT) {
            return CB_E_PARSE;
        }
        int rc = s_ticker_one(doc, t, NULL, emit, ctx);
        if (rc != 0) {
            return rc;
        }
        t = cb_jtok_skip(doc, t);
    }
    return 0;
}

/* klines rows [openTime, "o", "h", "l", "c", "v", closeTime, "qv", trades, ...],
 * oldest first. Whether a row is closed needs the server's clock: every row
 * but the last is (rows are contiguous), the last is taken as still forming. */
static int
s_klines(cb_md_parser_t *p, const cb_rest_args_t *args, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    const char *iv = args != NULL ? cb_binance_interval(args->interval_s) : NULL;
    if (iv == NULL) {
        return CB_E_BAD_REQUEST;
    }
    if (doc->tok[0].type != CB_JT_ARRAY) {
        return CB_E_PARSE;
    }
    size_t n = (size_t) doc->tok[0].size;
    int rc = cb_md_reserve_candles(p, n);
    if (rc != 0) {
        return rc;
    }
    int row = cb_jtok_first(doc, 0);
    for (size_t k = 0; k < n; k++) {
        if (cb_jtok_type(doc, row) != CB_JT_ARRAY || doc->tok[row].size < 9) {
            return CB_E_PARSE;
        }
        int f[9];
        f[0] = row + 1;
        for (int j = 1; j < 9; j++) {
            f[j] = cb_jtok_skip(doc, f[j - 1]);
        }
        cb_candle_t *c = &p->candles[k];
        memset(c, 0, sizeof(*c));
        cb_decimal_t o, h, l, cl, v;
        int64_t ts;
        uint64_t trades;
        if ((rc = cb_binance_ms_to_ns(doc, f[0], &ts)) != 0 ||
            (rc = cb_jtok_decimal(doc, f[1], &o)) != 0 ||
            (rc = cb_jtok_decimal(doc, f[2], &h)) != 0 ||
            (rc = cb_jtok_decimal(doc, f[3], &l)) != 0 ||
            (rc = cb_jtok_decimal(doc, f[4], &cl)) != 0 ||
            (rc = cb_jtok_decimal(doc, f[5], &v)) != 0) {
            return rc;
        }
        CB_PROTO_SET(c, candle, interval, cb_str_from(iv));
        CB_PROTO_SET(c, candle, open_ts, ts);
        CB_PROTO_SET(c, candle, open, o);
        CB_PROTO_SET(c, candle, high, h);
        CB_PROTO_SET(c, candle, low, l);
        CB_PROTO_SET(c, candle, close, cl);
        CB_PROTO_SET(c, candle, volume, v);
        CB_PROTO_SET(c, candle, closed, k + 1 < n);
        if (cb_jtok_u64(doc, f[8], &trades) == 0) {
            CB_PROTO_SET(c, candle, trades, trades);
        }
        row = cb_jtok_skip(doc, row);
    }
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_CANDLES);
    if (args->ins != NULL) {
        msg.native = cb_str_from(args->ins->native);
    }
    msg.candles = p->candles;
    msg.count = n;
    return emit(ctx, &msg);
}

static int
s_depth(cb_md_parser_t *p, const cb_rest_args_t *args, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_BOOK);
    uint64_t id;
    int bids = cb_jtok_get(doc, 0, "bids");
    int asks = cb_jtok_get(doc, 0, "asks");
    int rc = cb_jtok_u64(doc, cb_jtok_get(doc, 0, "lastUpdateId"), &id);
    if (rc != 0 || bids < 0 || asks < 0) {
        return rc != 0 ? rc : CB_E_PARSE;
    }
    if ((rc = cb_binance_book_sides(p, bids, asks, &msg.book)) != 0) {
        return rc;
    }
    CB_PROTO_SET(&msg.book, book, snapshot, true);
    CB_PROTO_SET(&msg.book, book, update_id, id);
    if (args != NULL && args->ins != NULL) {
        msg.native = cb_str_from(args->ins->native);
    }
    return emit(ctx, &msg);
}

static int
s_trades(cb_md_parser_t *p, const cb_rest_args_t *args, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    if (doc->tok[0].type != CB_JT_ARRAY) {
        return CB_E_PARSE;
    }
    size_t n = (size_t) doc->tok[0].size;
    int rc = cb_md_reserve_trades(p, n);
    if (rc != 0) {
        return rc;
    }
    int t = cb_jtok_first(doc, 0);
    for (size_t k = 0; k < n; k++) {
        if (cb_jtok_type(doc, t) != CB_JT_OBJECT) {
            return CB_E_PARSE;
        }
        cb_trade_t *tr = &p->trades[k];
        memset(tr, 0, sizeof(*tr));
        cb_decimal_t price, qty;
        int64_t ns;
        bool buyer_maker;
        int id = cb_jtok_get(doc, t, "id");
        if ((rc = cb_jtok_decimal(doc, cb_jtok_get(doc, t, "price"), &price)) != 0 ||
            (rc = cb_jtok_decimal(doc, cb_jtok_get(doc, t, "qty"), &qty)) != 0 ||
            (rc = cb_jtok_bool(doc, cb_jtok_get(doc, t, "isBuyerMaker"), &buyer_maker)) != 0) {
            return rc;
        }
        CB_PROTO_SET(tr, trade, price, price);
        CB_PROTO_SET(tr, trade, qty, qty);
        /* The buyer made the resting order: the taker sold. */
        CB_PROTO_SET(tr, trade, side, buyer_maker ? CB_STR("sell") : CB_STR("buy"));
        if (cb_jtok_type(doc, id) == CB_JT_PRIMITIVE || cb_jtok_type(doc, id) == CB_JT_STRING) {
            cb_str_t raw = cb_jtok_raw(doc, id);
            if (raw.len > 0 && raw.len <= 64) {
                CB_PROTO_SET(tr, trade, trade_id, raw);
            }
        }
        if (cb_binance_ms_to_ns(doc, cb_jtok_get(doc, t, "time"), &ns) == 0) {
            CB_PROTO_SET(tr, trade, exch_ts, ns);
        }
        t = cb_jtok_skip(doc, t);
    }
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_TRADES);
    if (args != NULL && args->ins != NULL) {
        msg.native = cb_str_from(args->ins->native);
    }
    msg.trades = p->trades;
    msg.count = n;
    return emit(ctx, &msg);
}

/* True when the root is the error envelope {"code":<int>,"msg":..}. */
static bool
s_is_error(const cb_jdoc_t *doc)
{
    int code = cb_jtok_get(doc, 0, "code");
    return cb_jtok_type(doc, code) == CB_JT_PRIMITIVE && cb_jtok_get(doc, 0, "msg") >= 0;
}

int
cb_binance_rest_parse(cb_md_parser_t *p, cb_rest_op_t op, const cb_rest_args_t *args,
                      int http_status, const char *body, size_t len, cb_instruments_t *list,
                      cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err)
{
    cb_venue_error_t scratch;
    if (err == NULL) {
        err = &scratch;
    }
    memset(err, 0, sizeof(*err));
    if (p == NULL || (op == CB_REST_INSTRUMENTS ? list == NULL : emit == NULL) ||
        (unsigned) op > CB_REST_TRADES) {
        return CB_E_BAD_REQUEST;
    }
    /* exchangeInfo lists thousands of symbols with a dozen filters each. */
    int saved_max = p->doc.max_tokens;
    if (op == CB_REST_INSTRUMENTS && saved_max == 0) {
        p->doc.max_tokens = S_EXCHANGE_INFO_MAX_TOKENS;
    }
    int rc = body == NULL ? CB_E_PARSE : cb_jdoc_parse(&p->doc, body, len);
    p->doc.max_tokens = saved_max;
    if (rc == CB_E_NOMEM) {
        return rc;
    }
    if (rc != 0) {
        p->doc.count = 0;
    }
    bool ok_status = http_status >= 200 && http_status < 300;
    if (!ok_status || (rc == 0 && s_is_error(&p->doc))) {
        /* Public requests change nothing: a 5xx is UNAVAILABLE. */
        return cb_binance_classify_doc(&p->doc, false, http_status, 0, err);
    }
    if (rc != 0) {
        return s_bad_reply(err, http_status,
                           rc == CB_E_TOO_BIG ? "reply too large" : "reply is not JSON");
    }
    switch (op) {
    case CB_REST_TIME:
        rc = s_time(p, emit, ctx);
        break;
    case CB_REST_INSTRUMENTS:
        rc = s_instruments(p, list);
        break;
    case CB_REST_TICKER:
        rc = s_ticker(p, args, emit, ctx);
        break;
    case CB_REST_OHLC:
        rc = s_klines(p, args, emit, ctx);
        break;
    case CB_REST_BOOK:
        rc = s_depth(p, args, emit, ctx);
        break;
    case CB_REST_TRADES:
        rc = s_trades(p, args, emit, ctx);
        break;
    }
    if (rc == CB_E_PARSE || rc == CB_E_RANGE || rc == CB_E_TOO_BIG) {
        return s_bad_reply(err, http_status, "reply is not the documented shape");
    }
    return rc;
}
