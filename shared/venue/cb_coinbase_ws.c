/* cb_coinbase_ws.c - Coinbase Exchange WebSocket feed: subscribe messages and stream parsing */
/*
 * What this relies on (Coinbase Exchange WebSocket feed, wss://ws-feed.exchange.coinbase.com):
 *
 * Overview https://docs.cdp.coinbase.com/exchange/websocket-feed/overview
 *   JSON messages with a "type". A subscribe must arrive within 5 s:
 *   {"type":"subscribe","product_ids":["ETH-USD","ETH-EUR"],"channels":["level2","heartbeat",
 *    {"name":"ticker","product_ids":["ETH-BTC","ETH-USD"]}]}
 *   answered by {"type":"subscriptions","channels":[{"name":"level2","product_ids":[...]},...]};
 *   "unsubscribe" has the same shape. Failures come as
 *   {"type":"error","message":"error message","reason":"..."}.
 *   "New message types can be added at any time. Clients are expected to ignore messages they
 *   do not support": an unknown type parses to nothing (0).
 *
 * Authentication https://docs.cdp.coinbase.com/exchange/websocket-feed/authentication
 *   full, user, level2, level3 and rfq_matches need an authenticated subscribe. We are public
 *   only, so the book comes from level2_batch: "the same JSON schema as level2", batched
 *   every 50 ms, no authentication (https://help.coinbase.com/en/cloud/websocket-feeds/exchange).
 *
 * Channels https://docs.cdp.coinbase.com/exchange/websocket-feed/channels
 *   heartbeat: {"type":"heartbeat","sequence":90,"last_trade_id":20,"product_id":"BTC-USD",
 *               "time":"2014-11-07T08:19:28.464459Z"}
 *   ticker:    {"type":"ticker","sequence":37475248783,"product_id":"ETH-USD","price":"1285.22",
 *               "open_24h":"1310.79","volume_24h":"245532.79269678","low_24h":"1280.52",
 *               "high_24h":"1313.8","volume_30d":"9788783.60117027","best_bid":"1285.04",
 *               "best_bid_size":"0.46688654","best_ask":"1285.27","best_ask_size":"1.56637040",
 *               "side":"buy","time":"2022-10-19T23:28:22.061769Z","trade_id":370843401,
 *               "last_size":"11.4396987"}
 *   level2(_batch): first {"type":"snapshot","product_id":"BTC-USD","bids":[["10101.10",
 *               "0.45054140"]],"asks":[["10102.55","0.57753524"]]}, then
 *               {"type":"l2update","product_id":"BTC-USD","time":"2019-08-14T20:42:27.265Z",
 *               "changes":[["buy","10101.80000000","0.162567"]]}; size is the new amount at
 *               the price, "0" removes it. Subscribing again sends a new snapshot.
 *   matches:   {"type":"match","trade_id":10,"sequence":50,"maker_order_id":"...",
 *               "taker_order_id":"...","time":"2014-11-07T08:19:27.028459Z",
 *               "product_id":"BTC-USD","size":"5.23512","price":"400.23","side":"sell"};
 *               right after subscribing, the latest one as "last_match". "The side field
 *               indicates the maker order side. If the side is sell this indicates the maker
 *               was a sell order and the match is considered an up-tick": the taker side is
 *               the opposite.
 * The feed has no candle channel: ohlc_interval_s is not subscribed (candles come over REST).
 */
#include <stdio.h>
#include <string.h>

#include "cb_book.h"
#include "cb_coinbase.h"
#include "cb_error.h"

/* ---- outgoing ------------------------------------------------------------------------ */

int
cb_coinbase_ws_url(const cb_venue_cfg_t *v, const cb_instrument_t *const *ins, size_t n,
                   const cb_ws_channels_t *ch, char *url, size_t size)
{
    (void) ins;
    (void) n;
    (void) ch;
    if (v == NULL || url == NULL || size == 0 || v->ws_url[0] == '\0') {
        return CB_E_BAD_REQUEST;
    }
    int w = snprintf(url, size, "%s", v->ws_url);
    if (w < 0 || (size_t) w >= size) {
        return CB_E_TOO_BIG;
    }
    return 0;
}

/* {"type":"<type>","product_ids":[...],"channels":[...]} appended to out. */
static int
s_sub_message(const char *type, const cb_instrument_t *const *ins, size_t n,
              const char *const *channels, size_t nch, cb_buf_t *out)
{
    if (n == 0 || nch == 0) {
        return CB_E_BAD_REQUEST;
    }
    for (size_t i = 0; i < n; i++) {
        if (ins[i] == NULL || !cb_coinbase_id_ok(ins[i]->ws_name, sizeof(ins[i]->ws_name))) {
            return CB_E_BAD_REQUEST;
        }
    }
    size_t mark = out->len;
    int rc = cb_buf_appendf(out, "{\"type\":\"%s\",\"product_ids\":[", type);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = cb_buf_appendf(out, "%s\"%s\"", i > 0 ? "," : "", ins[i]->ws_name);
    }
    rc = rc != 0 ? rc : cb_buf_append_str(out, "],\"channels\":[");
    for (size_t i = 0; i < nch && rc == 0; i++) {
        rc = cb_buf_appendf(out, "%s\"%s\"", i > 0 ? "," : "", channels[i]);
    }
    rc = rc != 0 ? rc : cb_buf_append_str(out, "]}");
    if (rc != 0) {
        out->len = mark;
        return rc;
    }
    return 1;
}

int
cb_coinbase_ws_subscribe(const cb_instrument_t *const *ins, size_t n, const cb_ws_channels_t *ch,
                         int k, int64_t req_id, cb_buf_t *out)
{
    (void) req_id; /* Coinbase's subscribe carries no id */
    if (ins == NULL || ch == NULL || out == NULL || k < 0) {
        return CB_E_BAD_REQUEST;
    }
    if (k > 0) {
        return 0;
    }
    const char *channels[4];
    size_t nch = 0;
    channels[nch++] = "heartbeat"; /* keeps the connection alive, carries the sequence */
    if (ch->ticker) {
        channels[nch++] = "ticker";
    }
    if (ch->trades) {
        channels[nch++] = "matches";
    }
    if (ch->book_depth > 0) {
        channels[nch++] = "level2_batch";
    }
    return s_sub_message("subscribe", ins, n, channels, nch, out);
}

int
cb_coinbase_ws_resubscribe_book(const cb_instrument_t *ins, int depth, int k, int64_t req_id,
                                cb_buf_t *out)
{
    (void) depth; /* level2 is the whole book */
    (void) req_id;
    if (ins == NULL || out == NULL || k < 0) {
        return CB_E_BAD_REQUEST;
    }
    if (k > 1) {
        return 0;
    }
    static const char *const channels[] = {"level2_batch"};
    const cb_instrument_t *one[] = {ins};
    return s_sub_message(k == 0 ? "unsubscribe" : "subscribe", one, 1, channels, 1, out);
}

int
cb_coinbase_ws_ping(int64_t req_id, cb_buf_t *out)
{
    (void) req_id;
    (void) out;
    return 0; /* WebSocket ping frames, plus the heartbeat channel */
}

/* ---- incoming ------------------------------------------------------------------------ */

/* An exact decimal that is > 0 (positive) or >= 0. */
static bool
s_dec(const cb_jdoc_t *doc, int i, bool positive, cb_decimal_t *out)
{
    if (cb_jtok_decimal(doc, i, out) != 0) {
        return false;
    }
    int sign = cb_decimal_sign(*out);
    return positive ? sign > 0 : sign >= 0;
}

static bool
s_time(const cb_jdoc_t *doc, int i, int64_t *ns)
{
    return cb_jtok_rfc3339(doc, i, ns) == 0;
}

/* The product_id string of the message, or an empty view. */
static cb_str_t
s_native(const cb_jdoc_t *doc, int i)
{
    cb_str_t none = {"", 0};
    return cb_jtok_type(doc, i) == CB_JT_STRING ? cb_jtok_raw(doc, i) : none;
}

/* Runs body once per member of the root object, with key and val the token
 * indexes of its key and value: one pass picks every field a message needs. */
#define S_EACH_MEMBER(doc, key, val, body)                                      \
    do {                                                                        \
        int n_ = cb_jtok_size((doc), 0);                                        \
        int key = 1;                                                            \
        for (int m_ = 0; m_ < n_; m_++) {                                       \
            int val = key + 1;                                                  \
            body;                                                               \
            key = cb_jtok_skip((doc), val);                                     \
        }                                                                       \
    } while (0)

static int
s_ticker(cb_md_parser_t *p, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_TICK);
    cb_tick_t *tk = &msg.tick;
    int bid = -1, bid_size = -1, ask = -1, ask_size = -1, price = -1, volume = -1, tm = -1;
    int seq = -1, product = -1;
    S_EACH_MEMBER(doc, key, val, {
        cb_str_t k = cb_jtok_raw(doc, key);
        if (cb_str_eq_cstr(k, "best_bid")) {
            bid = val;
        } else if (cb_str_eq_cstr(k, "best_bid_size")) {
            bid_size = val;
        } else if (cb_str_eq_cstr(k, "best_ask")) {
            ask = val;
        } else if (cb_str_eq_cstr(k, "best_ask_size")) {
            ask_size = val;
        } else if (cb_str_eq_cstr(k, "price")) {
            price = val;
        } else if (cb_str_eq_cstr(k, "volume_24h")) {
            volume = val;
        } else if (cb_str_eq_cstr(k, "time")) {
            tm = val;
        } else if (cb_str_eq_cstr(k, "sequence")) {
            seq = val;
        } else if (cb_str_eq_cstr(k, "product_id")) {
            product = val;
        }
    });
    cb_decimal_t d;
    if (!s_dec(doc, bid, false, &d)) {
        return CB_E_PARSE;
    }
    CB_PROTO_SET(tk, tick, bid, d);
    if (!s_dec(doc, ask, false, &d)) {
        return CB_E_PARSE;
    }
    CB_PROTO_SET(tk, tick, ask, d);
    if (bid_size >= 0 && !cb_jtok_is_null(doc, bid_size)) {
        if (!s_dec(doc, bid_size, false, &d)) {
            return CB_E_PARSE;
        }
        CB_PROTO_SET(tk, tick, bid_qty, d);
    }
    if (ask_size >= 0 && !cb_jtok_is_null(doc, ask_size)) {
        if (!s_dec(doc, ask_size, false, &d)) {
            return CB_E_PARSE;
        }
        CB_PROTO_SET(tk, tick, ask_qty, d);
    }
    if (price >= 0 && !cb_jtok_is_null(doc, price)) {
        if (!s_dec(doc, price, false, &d)) {
            return CB_E_PARSE;
        }
        CB_PROTO_SET(tk, tick, last, d);
    }
    if (volume >= 0 && !cb_jtok_is_null(doc, volume)) {
        if (!s_dec(doc, volume, false, &d)) {
            return CB_E_PARSE;
        }
        CB_PROTO_SET(tk, tick, volume, d);
    }
    int64_t ns;
    if (s_time(doc, tm, &ns)) {
        CB_PROTO_SET(tk, tick, exch_ts, ns);
    }
    uint64_t sq;
    if (cb_jtok_u64(doc, seq, &sq) == 0) {
        msg.prev_update_id = sq;
    }
    msg.native = s_native(doc, product);
    return emit(ctx, &msg);
}

/* Reads the [price, size, ...] levels of the array at arr (at most max) into out. */
static int
s_levels(const cb_jdoc_t *doc, int arr, cb_level_t *out, size_t max, uint32_t *count)
{
    int n = cb_jtok_size(doc, arr);
    int e = cb_jtok_first(doc, arr);
    uint32_t c = 0;
    for (int k = 0; k < n && c < max; k++, e = cb_jtok_skip(doc, e)) {
        if (cb_jtok_type(doc, e) != CB_JT_ARRAY || cb_jtok_size(doc, e) < 2 ||
            !s_dec(doc, e + 1, true, &out[c].price) ||
            !s_dec(doc, cb_jtok_skip(doc, e + 1), false, &out[c].qty)) {
            return CB_E_PARSE;
        }
        c++;
    }
    *count = c;
    return 0;
}

static int
s_snapshot(cb_md_parser_t *p, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    int bids = cb_jtok_get(doc, 0, "bids");
    int asks = cb_jtok_get(doc, 0, "asks");
    if (cb_jtok_type(doc, bids) != CB_JT_ARRAY || cb_jtok_type(doc, asks) != CB_JT_ARRAY) {
        return CB_E_PARSE;
    }
    /* The proto carries at most CB_BOOK_MAX_LEVELS per side: the best ones
     * (the snapshot lists each side best first). */
    size_t nb = (size_t) cb_jtok_size(doc, bids);
    size_t na = (size_t) cb_jtok_size(doc, asks);
    nb = nb < CB_BOOK_MAX_LEVELS ? nb : CB_BOOK_MAX_LEVELS;
    na = na < CB_BOOK_MAX_LEVELS ? na : CB_BOOK_MAX_LEVELS;
    int rc = cb_md_reserve_levels(p, nb + na + 1);
    if (rc != 0) {
        return rc;
    }
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_BOOK);
    cb_book_t *bk = &msg.book;
    cb_levels_t lb = {p->levels, 0};
    cb_levels_t la = {NULL, 0};
    if (s_levels(doc, bids, lb.items, nb, &lb.count) != 0) {
        return CB_E_PARSE;
    }
    la.items = p->levels + lb.count;
    if (s_levels(doc, asks, la.items, na, &la.count) != 0) {
        return CB_E_PARSE;
    }
    CB_PROTO_SET(bk, book, snapshot, true);
    CB_PROTO_SET(bk, book, bids, lb);
    CB_PROTO_SET(bk, book, asks, la);
    int64_t ns;
    if (s_time(doc, cb_jtok_get(doc, 0, "time"), &ns)) {
        CB_PROTO_SET(bk, book, exch_ts, ns);
    }
    msg.native = s_native(doc, cb_jtok_get(doc, 0, "product_id"));
    return emit(ctx, &msg);
}

static int
s_l2update(cb_md_parser_t *p, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    int changes = -1, tm = -1, product = -1;
    S_EACH_MEMBER(doc, key, val, {
        cb_str_t k = cb_jtok_raw(doc, key);
        if (cb_str_eq_cstr(k, "changes")) {
            changes = val;
        } else if (cb_str_eq_cstr(k, "time")) {
            tm = val;
        } else if (cb_str_eq_cstr(k, "product_id")) {
            product = val;
        }
    });
    if (cb_jtok_type(doc, changes) != CB_JT_ARRAY) {
        return CB_E_PARSE;
    }
    /* First pass: validate and count each side, so bids then asks can share the scratch. */
    size_t n = (size_t) cb_jtok_size(doc, changes);
    size_t nb = 0;
    int e = cb_jtok_first(doc, changes);
    for (size_t k = 0; k < n; k++, e = cb_jtok_skip(doc, e)) {
        if (cb_jtok_type(doc, e) != CB_JT_ARRAY || cb_jtok_size(doc, e) < 3) {
            return CB_E_PARSE;
        }
        if (cb_jtok_eq(doc, e + 1, "buy")) {
            nb++;
        } else if (!cb_jtok_eq(doc, e + 1, "sell")) {
            return CB_E_PARSE;
        }
    }
    if (nb > CB_BOOK_MAX_LEVELS || n - nb > CB_BOOK_MAX_LEVELS) {
        return CB_E_TOO_BIG;
    }
    int rc = cb_md_reserve_levels(p, n + 1);
    if (rc != 0) {
        return rc;
    }
    size_t ib = 0;
    size_t ia = nb;
    e = cb_jtok_first(doc, changes);
    for (size_t k = 0; k < n; k++, e = cb_jtok_skip(doc, e)) {
        cb_level_t *lv = &p->levels[cb_jtok_eq(doc, e + 1, "buy") ? ib++ : ia++];
        int pt = cb_jtok_skip(doc, e + 1);
        if (!s_dec(doc, pt, true, &lv->price) || !s_dec(doc, cb_jtok_skip(doc, pt), false, &lv->qty)) {
            return CB_E_PARSE;
        }
    }
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_BOOK);
    cb_book_t *bk = &msg.book;
    cb_levels_t lb = {p->levels, (uint32_t) nb};
    cb_levels_t la = {p->levels + nb, (uint32_t) (n - nb)};
    CB_PROTO_SET(bk, book, snapshot, false);
    CB_PROTO_SET(bk, book, bids, lb);
    CB_PROTO_SET(bk, book, asks, la);
    int64_t ns;
    if (s_time(doc, tm, &ns)) {
        CB_PROTO_SET(bk, book, exch_ts, ns);
    }
    msg.native = s_native(doc, product);
    return emit(ctx, &msg);
}

static int
s_match(cb_md_parser_t *p, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    int id = -1, price = -1, size = -1, side = -1, tm = -1, seq = -1, product = -1;
    S_EACH_MEMBER(doc, key, val, {
        cb_str_t k = cb_jtok_raw(doc, key);
        if (cb_str_eq_cstr(k, "trade_id")) {
            id = val;
        } else if (cb_str_eq_cstr(k, "price")) {
            price = val;
        } else if (cb_str_eq_cstr(k, "size")) {
            size = val;
        } else if (cb_str_eq_cstr(k, "side")) {
            side = val;
        } else if (cb_str_eq_cstr(k, "time")) {
            tm = val;
        } else if (cb_str_eq_cstr(k, "sequence")) {
            seq = val;
        } else if (cb_str_eq_cstr(k, "product_id")) {
            product = val;
        }
    });
    int rc = cb_md_reserve_trades(p, 1);
    if (rc != 0) {
        return rc;
    }
    cb_trade_t *tr = &p->trades[0];
    memset(tr, 0, sizeof(*tr));
    cb_decimal_t d;
    cb_str_t taker;
    uint64_t u;
    if (cb_jtok_u64(doc, id, &u) != 0 || cb_jtok_raw(doc, id).len > 64) {
        return CB_E_PARSE;
    }
    CB_PROTO_SET(tr, trade, trade_id, cb_jtok_raw(doc, id));
    if (!s_dec(doc, price, true, &d)) {
        return CB_E_PARSE;
    }
    CB_PROTO_SET(tr, trade, price, d);
    if (!s_dec(doc, size, false, &d)) {
        return CB_E_PARSE;
    }
    CB_PROTO_SET(tr, trade, qty, d);
    if (cb_jtok_type(doc, side) != CB_JT_STRING ||
        cb_coinbase_taker_side(cb_jtok_raw(doc, side), &taker) != 0) {
        return CB_E_PARSE;
    }
    CB_PROTO_SET(tr, trade, side, taker);
    int64_t ns;
    if (s_time(doc, tm, &ns)) {
        CB_PROTO_SET(tr, trade, exch_ts, ns);
    }
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_TRADES);
    if (cb_jtok_u64(doc, seq, &u) == 0) {
        msg.prev_update_id = u;
    }
    msg.native = s_native(doc, product);
    msg.trades = tr;
    msg.count = 1;
    return emit(ctx, &msg);
}

static int
s_heartbeat(cb_md_parser_t *p, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_HEARTBEAT);
    uint64_t u;
    if (cb_jtok_u64(doc, cb_jtok_get(doc, 0, "sequence"), &u) == 0) {
        msg.prev_update_id = u;
    }
    int64_t ns;
    if (s_time(doc, cb_jtok_get(doc, 0, "time"), &ns)) {
        msg.server_ms = ns / 1000000;
    }
    msg.native = s_native(doc, cb_jtok_get(doc, 0, "product_id"));
    return emit(ctx, &msg);
}

/* One SUBSCRIBED per (channel, product) the ack lists; a channel given as a
 * bare name or without products gives one with an empty native. */
static int
s_subscriptions(cb_md_parser_t *p, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    int chans = cb_jtok_get(doc, 0, "channels");
    if (cb_jtok_type(doc, chans) != CB_JT_ARRAY) {
        return CB_E_PARSE;
    }
    int n = cb_jtok_size(doc, chans);
    int c = cb_jtok_first(doc, chans);
    for (int k = 0; k < n; k++, c = cb_jtok_skip(doc, c)) {
        cb_md_msg_t msg;
        cb_md_msg_init(&msg, CB_MD_SUBSCRIBED);
        int ids = -1;
        if (cb_jtok_type(doc, c) == CB_JT_STRING) {
            msg.channel = cb_jtok_raw(doc, c);
        } else if (cb_jtok_type(doc, c) == CB_JT_OBJECT &&
                   cb_jtok_type(doc, cb_jtok_get(doc, c, "name")) == CB_JT_STRING) {
            msg.channel = cb_jtok_raw(doc, cb_jtok_get(doc, c, "name"));
            ids = cb_jtok_get(doc, c, "product_ids");
        } else {
            return CB_E_PARSE;
        }
        int ni = cb_jtok_type(doc, ids) == CB_JT_ARRAY ? cb_jtok_size(doc, ids) : 0;
        int rc;
        if (ni == 0) {
            if ((rc = emit(ctx, &msg)) != 0) {
                return rc;
            }
            continue;
        }
        int e = cb_jtok_first(doc, ids);
        for (int j = 0; j < ni; j++, e = cb_jtok_skip(doc, e)) {
            if (cb_jtok_type(doc, e) != CB_JT_STRING) {
                return CB_E_PARSE;
            }
            msg.native = cb_jtok_raw(doc, e);
            if ((rc = emit(ctx, &msg)) != 0) {
                return rc;
            }
        }
    }
    return 0;
}

/* ERROR with "message" (and ": reason" when given) decoded into p->text. */
static int
s_error(cb_md_parser_t *p, cb_md_emit_fn emit, void *ctx)
{
    const cb_jdoc_t *doc = &p->doc;
    cb_md_msg_t msg;
    cb_md_msg_init(&msg, CB_MD_ERROR);
    int rc = cb_jtok_string(doc, cb_jtok_get(doc, 0, "message"), p->text, sizeof(p->text));
    size_t used = rc > 0 ? (size_t) rc : 0;
    if (rc < 0) {
        snprintf(p->text, sizeof(p->text), "error");
        used = strlen(p->text);
    }
    int reason = cb_jtok_get(doc, 0, "reason");
    char more[256];
    if (cb_jtok_string(doc, reason, more, sizeof(more)) > 0 && used + 2 < sizeof(p->text)) {
        snprintf(p->text + used, sizeof(p->text) - used, ": %s", more);
    }
    msg.message = p->text;
    msg.native = s_native(doc, cb_jtok_get(doc, 0, "product_id"));
    return emit(ctx, &msg);
}

int
cb_coinbase_ws_parse(cb_md_parser_t *p, const char *data, size_t len, cb_md_emit_fn emit,
                     void *ctx)
{
    if (p == NULL || emit == NULL || (data == NULL && len > 0)) {
        return CB_E_BAD_REQUEST;
    }
    if (len > INT32_MAX) {
        return CB_E_TOO_BIG;
    }
    int rc = cb_jdoc_parse(&p->doc, data != NULL ? data : "", len);
    if (rc != 0) {
        return rc;
    }
    const cb_jdoc_t *doc = &p->doc;
    if (cb_jtok_type(doc, 0) != CB_JT_OBJECT) {
        return CB_E_PARSE;
    }
    int t = cb_jtok_get(doc, 0, "type");
    if (cb_jtok_type(doc, t) != CB_JT_STRING) {
        return CB_E_PARSE;
    }
    cb_str_t type = cb_jtok_raw(doc, t);
    if (cb_str_eq_cstr(type, "l2update")) {
        return s_l2update(p, emit, ctx);
    }
    if (cb_str_eq_cstr(type, "ticker")) {
        return s_ticker(p, emit, ctx);
    }
    if (cb_str_eq_cstr(type, "match") || cb_str_eq_cstr(type, "last_match")) {
        return s_match(p, emit, ctx);
    }
    if (cb_str_eq_cstr(type, "snapshot")) {
        return s_snapshot(p, emit, ctx);
    }
    if (cb_str_eq_cstr(type, "heartbeat")) {
        return s_heartbeat(p, emit, ctx);
    }
    if (cb_str_eq_cstr(type, "subscriptions")) {
        return s_subscriptions(p, emit, ctx);
    }
    if (cb_str_eq_cstr(type, "error")) {
        return s_error(p, emit, ctx);
    }
    return 0; /* a type we do not use: ignored, as the feed's docs ask */
}
