/* feed_rpc.c - the `market` RPC ops, answered from feed_store so that any replica can answer */
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_time.h"
#include "feed_args.h"
#include "feed_bestexec.h"
#include "feed_rpc.h"

#define S_STALE_DEFAULT_NS (10LL * 1000000000LL)
#define S_VENUES CB_VENUES_MAX
#define S_LIMIT_MAX 1000u

/* One venue's listing of the requested symbol. */
typedef struct {
    char venue[CB_VENUE_NAME_MAX + 1];
    char dialect[16];
    cb_instrument_t ins;
} s_listing_t;

/* ---- packing ----------------------------------------------------------------- */

static void
s_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str_with_body(pk, s, strlen(s));
}

static void
s_view(msgpack_packer *pk, cb_str_t s)
{
    msgpack_pack_str_with_body(pk, s.ptr, s.len);
}

static void
s_dec(msgpack_packer *pk, cb_decimal_t d)
{
    char text[CB_DECIMAL_STR_MAX];
    int n = cb_decimal_format(d, text, sizeof text);
    msgpack_pack_str_with_body(pk, text, n > 0 ? (size_t) n : 0);
}

static void
s_kv_str(msgpack_packer *pk, const char *key, const char *value)
{
    s_str(pk, key);
    s_str(pk, value);
}

static void
s_kv_dec(msgpack_packer *pk, const char *key, cb_decimal_t value)
{
    s_str(pk, key);
    s_dec(pk, value);
}

static void
s_kv_int(msgpack_packer *pk, const char *key, int64_t value)
{
    s_str(pk, key);
    msgpack_pack_int64(pk, value);
}

/* ---- store access -------------------------------------------------------------- */

/* Maps a feed_store error to the reply's code and message. */
static int
s_store_error(int rc, const char *what, char *msg, size_t msg_size)
{
    switch (rc) {
    case CB_E_NOT_FOUND:
        snprintf(msg, msg_size, "no %s stored yet", what);
        return CB_E_NOT_FOUND;
    case CB_E_PARSE:
        snprintf(msg, msg_size, "the stored %s is invalid", what);
        return CB_E_INTERNAL;
    case CB_E_BAD_REQUEST:
        snprintf(msg, msg_size, "bad name for %s", what);
        return CB_E_BAD_REQUEST;
    case CB_E_UNAVAILABLE:
    case CB_E_TIMEOUT:
        snprintf(msg, msg_size, "the market store (Redis) is unavailable");
        return CB_E_UNAVAILABLE;
    default:
        snprintf(msg, msg_size, "reading the %s failed: %s", what, cb_strerror(rc));
        return CB_E_INTERNAL;
    }
}

static bool
s_store_down(int rc)
{
    return rc == CB_E_UNAVAILABLE || rc == CB_E_TIMEOUT;
}

static int64_t
s_stale_ns(const feed_rpc_t *rpc)
{
    return rpc->stale_ns > 0 ? rpc->stale_ns : S_STALE_DEFAULT_NS;
}

/* The venues listing symbol: venue alone when given (an unknown venue is
 * not_found), else every venue with an instrument list (a venue whose list is
 * invalid is passed over). not_found when none lists it. */
static int
s_listings(feed_rpc_t *rpc, const char *symbol, const char *venue, s_listing_t *out, size_t *n,
           char *msg, size_t msg_size)
{
    char names[S_VENUES][CB_VENUE_NAME_MAX + 1];
    size_t count = 1;
    int rc;
    *n = 0;
    if (venue[0] != '\0') {
        snprintf(names[0], sizeof names[0], "%s", venue);
    } else if ((rc = feed_store_get_venues(rpc->store, names, S_VENUES, &count)) != 0) {
        return s_store_error(rc, "venue list", msg, msg_size);
    }
    for (size_t i = 0; i < count; i++) {
        const feed_instruments_t *ins;
        rc = feed_instcache_get(&rpc->instruments, rpc->store, names[i], &ins);
        if (rc == CB_E_NOT_FOUND && venue[0] != '\0') {
            snprintf(msg, msg_size, "unknown venue '%s'", venue);
            return CB_E_NOT_FOUND;
        }
        if (rc != 0) {
            if (venue[0] != '\0' || s_store_down(rc)) {
                return s_store_error(rc, "instrument list", msg, msg_size);
            }
            continue;
        }
        const cb_instrument_t *in = cb_instruments_resolve(&ins->list, cb_str_from(symbol));
        if (in != NULL) {
            s_listing_t *l = &out[(*n)++];
            snprintf(l->venue, sizeof l->venue, "%s", names[i]);
            snprintf(l->dialect, sizeof l->dialect, "%s", ins->dialect);
            l->ins = *in;
        }
    }
    if (*n == 0) {
        snprintf(msg, msg_size, "%s is not listed on %s", symbol,
                 venue[0] != '\0' ? venue : "any venue");
        return CB_E_NOT_FOUND;
    }
    return 0;
}

/* Loads the tick of each listing; ticks[k] belongs to ls[idx[k]]. Venues
 * without a tick are passed over (and with an invalid one, unless single). */
static int
s_ticks(feed_rpc_t *rpc, const s_listing_t *ls, size_t n, bool single, feed_tick_t *ticks,
        size_t *idx, size_t *nt, char *msg, size_t msg_size)
{
    *nt = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = feed_store_get_tick(rpc->store, ls[i].venue, ls[i].ins.symbol, &ticks[*nt]);
        if (rc == 0) {
            idx[(*nt)++] = i;
            continue;
        }
        feed_tick_fini(&ticks[*nt]);
        if (rc == CB_E_NOT_FOUND || (rc == CB_E_PARSE && !single)) {
            continue;
        }
        return s_store_error(rc, "tick", msg, msg_size);
    }
    if (*nt == 0) {
        snprintf(msg, msg_size, "no price yet for %s", ls[0].ins.symbol);
        return CB_E_NOT_FOUND;
    }
    return 0;
}

static int64_t
s_tick_ts(const feed_tick_t *t)
{
    return CB_PROTO_HAS(&t->tick, tick, exch_ts) ? t->tick.exch_ts : t->recv_ts;
}

/* ---- price, compare --------------------------------------------------------------- */

static void
s_pack_quote(msgpack_packer *pk, const feed_tick_t *t, uint32_t extra)
{
    const cb_tick_t *k = &t->tick;
    bool bq = CB_PROTO_HAS(k, tick, bid_qty);
    bool aq = CB_PROTO_HAS(k, tick, ask_qty);
    cb_decimal_t price = k->last;
    if (!CB_PROTO_HAS(k, tick, last) && feed_bestexec_mid(k->bid, k->ask, &price) != 0) {
        price = k->bid;
    }
    msgpack_pack_map(pk, 6 + bq + aq + extra);
    s_str(pk, "symbol");
    s_view(pk, k->symbol);
    s_str(pk, "venue");
    s_view(pk, k->venue);
    s_kv_dec(pk, "price", price);
    s_kv_dec(pk, "bid", k->bid);
    s_kv_dec(pk, "ask", k->ask);
    if (bq) {
        s_kv_dec(pk, "bid_qty", k->bid_qty);
    }
    if (aq) {
        s_kv_dec(pk, "ask_qty", k->ask_qty);
    }
    s_kv_int(pk, "timestamp", s_tick_ts(t));
}

static int
s_op_price(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
           size_t msg_size)
{
    char symbol[CB_SYMBOL_MAX + 1];
    char venue[CB_VENUE_NAME_MAX + 1];
    s_listing_t ls[S_VENUES];
    feed_tick_t ticks[S_VENUES];
    size_t idx[S_VENUES];
    size_t n = 0;
    size_t nt = 0;
    int rc = feed_args_symbol(req, symbol, msg, msg_size);
    rc = rc != 0 ? rc : feed_args_venue(req, false, venue, msg, msg_size);
    rc = rc != 0 ? rc : s_listings(rpc, symbol, venue, ls, &n, msg, msg_size);
    rc = rc != 0 ? rc : s_ticks(rpc, ls, n, venue[0] != '\0', ticks, idx, &nt, msg, msg_size);
    if (rc != 0) {
        goto done;
    }
    /* Without a venue: the narrowest spread, the fresher tick on a tie. */
    size_t best = 0;
    cb_decimal_t best_spread = {0};
    for (size_t i = 0; i < nt; i++) {
        cb_decimal_t spread;
        if (cb_decimal_sub(ticks[i].tick.ask, ticks[i].tick.bid, &spread) != 0) {
            continue;
        }
        int c = i == 0 ? -1 : cb_decimal_cmp(spread, best_spread);
        if (c < 0 || (c == 0 && ticks[i].recv_ts > ticks[best].recv_ts)) {
            best = i;
            best_spread = spread;
        }
    }
    bool all = venue[0] == '\0';
    s_pack_quote(pk, &ticks[best], all ? 1 : 0);
    if (all) {
        s_str(pk, "venues");
        msgpack_pack_array(pk, (uint32_t) nt);
        for (size_t i = 0; i < nt; i++) {
            s_pack_quote(pk, &ticks[i], 0);
        }
    }

done:
    for (size_t i = 0; i < nt; i++) {
        feed_tick_fini(&ticks[i]);
    }
    return rc;
}

static int
s_op_compare(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
             size_t msg_size)
{
    char symbol[CB_SYMBOL_MAX + 1];
    s_listing_t ls[S_VENUES];
    feed_tick_t ticks[S_VENUES];
    size_t idx[S_VENUES];
    size_t n = 0;
    size_t nt = 0;
    int rc = feed_args_symbol(req, symbol, msg, msg_size);
    rc = rc != 0 ? rc : s_listings(rpc, symbol, "", ls, &n, msg, msg_size);
    rc = rc != 0 ? rc : s_ticks(rpc, ls, n, false, ticks, idx, &nt, msg, msg_size);
    if (rc != 0) {
        goto done;
    }
    size_t hb = 0;
    size_t la = 0;
    for (size_t i = 1; i < nt; i++) {
        hb = cb_decimal_cmp(ticks[i].tick.bid, ticks[hb].tick.bid) > 0 ? i : hb;
        la = cb_decimal_cmp(ticks[i].tick.ask, ticks[la].tick.ask) < 0 ? i : la;
    }
    cb_decimal_t spread;
    cb_decimal_t bps;
    if (feed_bestexec_spread(ticks[hb].tick.bid, ticks[la].tick.ask, &spread, &bps) != 0) {
        snprintf(msg, msg_size, "the spread of %s cannot be computed", symbol);
        rc = CB_E_INTERNAL;
        goto done;
    }
    msgpack_pack_map(pk, 7);
    s_kv_str(pk, "symbol", symbol);
    s_str(pk, "venues");
    msgpack_pack_array(pk, (uint32_t) nt);
    for (size_t i = 0; i < nt; i++) {
        const cb_tick_t *k = &ticks[i].tick;
        bool last = CB_PROTO_HAS(k, tick, last);
        msgpack_pack_map(pk, 5 + last);
        s_str(pk, "venue");
        s_view(pk, k->venue);
        s_str(pk, "symbol");
        s_view(pk, k->symbol);
        s_kv_dec(pk, "bid", k->bid);
        s_kv_dec(pk, "ask", k->ask);
        if (last) {
            s_kv_dec(pk, "last", k->last);
        }
        s_kv_int(pk, "timestamp", s_tick_ts(&ticks[i]));
    }
    s_str(pk, "best_bid");
    msgpack_pack_map(pk, 2);
    s_str(pk, "venue");
    s_view(pk, ticks[hb].tick.venue);
    s_kv_dec(pk, "price", ticks[hb].tick.bid);
    s_str(pk, "best_ask");
    msgpack_pack_map(pk, 2);
    s_str(pk, "venue");
    s_view(pk, ticks[la].tick.venue);
    s_kv_dec(pk, "price", ticks[la].tick.ask);
    s_kv_dec(pk, "spread", spread);
    s_kv_dec(pk, "spread_bps", bps);
    s_str(pk, "crossed");
    cb_decimal_sign(spread) < 0 ? msgpack_pack_true(pk) : msgpack_pack_false(pk);

done:
    for (size_t i = 0; i < nt; i++) {
        feed_tick_fini(&ticks[i]);
    }
    return rc;
}

/* ---- ohlc, book, trades ----------------------------------------------------------- */

static int
s_op_ohlc(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
          size_t msg_size)
{
    char symbol[CB_SYMBOL_MAX + 1];
    char venue[CB_VENUE_NAME_MAX + 1];
    char tf[8];
    unsigned limit;
    s_listing_t ls[S_VENUES];
    size_t n = 0;
    feed_candle_list_t cs = {0};
    int rc = feed_args_symbol(req, symbol, msg, msg_size);
    rc = rc != 0 ? rc : feed_args_venue(req, false, venue, msg, msg_size);
    if (rc == 0) {
        rc = feed_args_str(req, "timeframe", tf, sizeof tf, msg, msg_size);
        if (rc == CB_E_NOT_FOUND || (rc == 0 && !feed_store_timeframe_valid(tf))) {
            snprintf(msg, msg_size, "args.timeframe must be one of 1m 5m 15m 30m 1h 4h 1d 1w");
            rc = CB_E_BAD_REQUEST;
        }
    }
    rc = rc != 0 ? rc : feed_args_count(req, "limit", 100, S_LIMIT_MAX, &limit, msg, msg_size);
    rc = rc != 0 ? rc : s_listings(rpc, symbol, venue, ls, &n, msg, msg_size);
    /* Without a venue: the first venue (by name) that has candles. */
    size_t chosen = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        feed_candle_list_fini(&cs);
        rc = feed_store_get_candles(rpc->store, ls[i].venue, ls[i].ins.symbol, tf, limit, &cs);
        if (rc != 0) {
            rc = s_store_error(rc, "candles", msg, msg_size);
        } else if (cs.count > 0) {
            chosen = i;
            break;
        }
    }
    if (rc != 0) {
        goto done;
    }
    msgpack_pack_map(pk, 4);
    s_kv_str(pk, "symbol", ls[chosen].ins.symbol);
    s_kv_str(pk, "venue", ls[chosen].venue);
    s_kv_str(pk, "timeframe", tf);
    s_str(pk, "candles");
    msgpack_pack_array(pk, (uint32_t) cs.count);
    for (size_t i = 0; i < cs.count; i++) {
        const cb_candle_t *c = &cs.items[i];
        msgpack_pack_map(pk, 7);
        s_kv_int(pk, "t", c->open_ts);
        s_kv_dec(pk, "o", c->open);
        s_kv_dec(pk, "h", c->high);
        s_kv_dec(pk, "l", c->low);
        s_kv_dec(pk, "c", c->close);
        s_kv_dec(pk, "v", c->volume);
        s_str(pk, "closed");
        c->closed ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    }

done:
    feed_candle_list_fini(&cs);
    return rc;
}

static void
s_pack_levels(msgpack_packer *pk, const cb_levels_t *levels, unsigned depth)
{
    uint32_t n = levels->count < depth ? levels->count : depth;
    msgpack_pack_array(pk, n);
    for (uint32_t i = 0; i < n; i++) {
        msgpack_pack_array(pk, 2);
        s_dec(pk, levels->items[i].price);
        s_dec(pk, levels->items[i].qty);
    }
}

static int
s_op_book(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
          size_t msg_size)
{
    char symbol[CB_SYMBOL_MAX + 1];
    char venue[CB_VENUE_NAME_MAX + 1];
    unsigned depth;
    s_listing_t ls[1];
    size_t n = 0;
    feed_book_t b = {0};
    int rc = feed_args_symbol(req, symbol, msg, msg_size);
    rc = rc != 0 ? rc : feed_args_venue(req, true, venue, msg, msg_size);
    rc = rc != 0 ? rc : feed_args_count(req, "depth", 10, S_LIMIT_MAX, &depth, msg, msg_size);
    rc = rc != 0 ? rc : s_listings(rpc, symbol, venue, ls, &n, msg, msg_size);
    if (rc == 0) {
        rc = feed_store_get_book(rpc->store, venue, ls[0].ins.symbol, &b);
        rc = rc != 0 ? s_store_error(rc, "book", msg, msg_size) : 0;
    }
    if (rc != 0) {
        goto done;
    }
    bool uid = CB_PROTO_HAS(&b.book, book, update_id);
    msgpack_pack_map(pk, 6 + uid);
    s_kv_str(pk, "symbol", ls[0].ins.symbol);
    s_kv_str(pk, "venue", venue);
    s_str(pk, "bids");
    s_pack_levels(pk, &b.book.bids, depth);
    s_str(pk, "asks");
    s_pack_levels(pk, &b.book.asks, depth);
    s_str(pk, "resyncing");
    b.book.resyncing ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    if (uid) {
        s_str(pk, "update_id");
        msgpack_pack_uint64(pk, b.book.update_id);
    }
    s_kv_int(pk, "timestamp", CB_PROTO_HAS(&b.book, book, exch_ts) ? b.book.exch_ts : b.recv_ts);

done:
    feed_book_fini(&b);
    return rc;
}

static int
s_op_trades(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
            size_t msg_size)
{
    char symbol[CB_SYMBOL_MAX + 1];
    char venue[CB_VENUE_NAME_MAX + 1];
    unsigned limit;
    s_listing_t ls[1];
    size_t n = 0;
    feed_trades_t tr = {0};
    int rc = feed_args_symbol(req, symbol, msg, msg_size);
    rc = rc != 0 ? rc : feed_args_venue(req, true, venue, msg, msg_size);
    rc = rc != 0 ? rc : feed_args_count(req, "limit", 100, S_LIMIT_MAX, &limit, msg, msg_size);
    rc = rc != 0 ? rc : s_listings(rpc, symbol, venue, ls, &n, msg, msg_size);
    if (rc == 0) {
        rc = feed_store_get_trades(rpc->store, venue, ls[0].ins.symbol, limit, &tr);
        rc = rc != 0 ? s_store_error(rc, "trades", msg, msg_size) : 0;
    }
    if (rc != 0) {
        goto done;
    }
    msgpack_pack_map(pk, 3);
    s_kv_str(pk, "symbol", ls[0].ins.symbol);
    s_kv_str(pk, "venue", venue);
    s_str(pk, "trades");
    msgpack_pack_array(pk, (uint32_t) tr.count);
    for (size_t i = 0; i < tr.count; i++) {
        const cb_trade_t *t = &tr.items[i];
        bool id = CB_PROTO_HAS(t, trade, trade_id);
        msgpack_pack_map(pk, 4 + id);
        if (id) {
            s_str(pk, "id");
            s_view(pk, t->trade_id);
        }
        s_kv_dec(pk, "price", t->price);
        s_kv_dec(pk, "qty", t->qty);
        s_str(pk, "side");
        s_view(pk, t->side);
        s_kv_int(pk, "timestamp", CB_PROTO_HAS(t, trade, exch_ts) ? t->exch_ts : tr.recv_ts[i]);
    }

done:
    feed_trades_fini(&tr);
    return rc;
}

/* ---- best ------------------------------------------------------------------------ */

typedef struct {
    const s_listing_t *l;
    feed_fill_t fill;
} s_candidate_t;

typedef struct {
    const char *venue;
    const char *reason;
} s_skip_t;

static void
s_pack_fill(msgpack_packer *pk, const feed_fill_t *f, const s_listing_t *l, bool top)
{
    s_kv_dec(pk, "avg_price", f->avg_price);
    s_kv_dec(pk, "cost", f->cost);
    s_kv_dec(pk, "fee", f->fee);
    s_kv_dec(pk, "fee_rate", l->ins.taker_fee);
    s_kv_dec(pk, "total", f->total);
    if (top) {
        s_kv_dec(pk, "available", f->amount);
    }
}

/* Fills the order on one venue's stored book, or says why the venue is passed over. */
static int
s_best_one(feed_rpc_t *rpc, const s_listing_t *l, bool buy, const cb_decimal_t *amount,
           int64_t now, feed_fill_t *fill, const char **skip)
{
    feed_book_t b;
    *skip = NULL;
    int rc = feed_store_get_book(rpc->store, l->venue, l->ins.symbol, &b);
    if (rc == 0) {
        const cb_levels_t *side = buy ? &b.book.asks : &b.book.bids;
        if (b.book.resyncing) {
            *skip = "resyncing";
        } else if (now - b.recv_ts > s_stale_ns(rpc)) {
            *skip = "stale";
        } else {
            rc = amount != NULL ? feed_bestexec_fill(side, *amount, l->ins.taker_fee, buy, fill)
                                : feed_bestexec_top(side, l->ins.taker_fee, buy, fill);
            *skip = rc != 0 ? "arithmetic_overflow" : NULL;
            rc = 0;
        }
    } else if (rc == CB_E_NOT_FOUND || rc == CB_E_PARSE) {
        *skip = rc == CB_E_NOT_FOUND ? "no_book" : "invalid_book";
        rc = 0;
    }
    feed_book_fini(&b);
    return rc;
}

static int
s_op_best(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
          size_t msg_size)
{
    char symbol[CB_SYMBOL_MAX + 1];
    char side[8];
    cb_decimal_t amount;
    bool has_amount = false;
    s_listing_t ls[S_VENUES];
    size_t n = 0;
    int rc = feed_args_symbol(req, symbol, msg, msg_size);
    if (rc == 0) {
        rc = feed_args_str(req, "side", side, sizeof side, msg, msg_size);
        if (rc != 0 || (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0)) {
            snprintf(msg, msg_size, "args.side must be buy or sell");
            rc = CB_E_BAD_REQUEST;
        }
    }
    if (rc == 0) {
        rc = feed_args_dec(req, "amount", &amount, msg, msg_size);
        has_amount = rc == 0;
        if (rc == CB_E_NOT_FOUND) {
            rc = 0;
        } else if (rc == 0 && cb_decimal_sign(amount) <= 0) {
            snprintf(msg, msg_size, "args.amount must be greater than 0");
            rc = CB_E_BAD_REQUEST;
        }
    }
    rc = rc != 0 ? rc : s_listings(rpc, symbol, "", ls, &n, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    bool buy = strcmp(side, "buy") == 0;
    int64_t now = cb_time_now_ns();
    s_candidate_t cands[S_VENUES];
    const char *lacking[S_VENUES];
    s_skip_t skipped[S_VENUES];
    size_t nc = 0;
    size_t nl = 0;
    size_t ns = 0;
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
        feed_fill_t fill;
        const char *skip;
        rc = s_best_one(rpc, &ls[i], buy, has_amount ? &amount : NULL, now, &fill, &skip);
        if (rc != 0) {
            return s_store_error(rc, "book", msg, msg_size);
        }
        if (skip != NULL) {
            skipped[ns++] = (s_skip_t){ls[i].venue, skip};
        } else if (!fill.filled) {
            lacking[nl++] = ls[i].venue;
        } else {
            cands[nc] = (s_candidate_t){&ls[i], fill};
            best = nc > 0 && !feed_bestexec_better(&fill, &cands[best].fill, buy) ? best : nc;
            nc++;
        }
    }
    if (nc == 0) {
        size_t len = (size_t) snprintf(msg, msg_size, "no venue can fill this %s of %s:", side,
                                       symbol);
        for (size_t i = 0; i < ns && len < msg_size; i++) {
            len += (size_t) snprintf(msg + len, msg_size - len, " %s %s;", skipped[i].venue,
                                     skipped[i].reason);
        }
        for (size_t i = 0; i < nl && len < msg_size; i++) {
            len += (size_t) snprintf(msg + len, msg_size - len, " %s lacks depth;", lacking[i]);
        }
        return CB_E_UNAVAILABLE;
    }
    const s_candidate_t *w = &cands[best];
    msgpack_pack_map(pk, 13 + has_amount);
    s_kv_str(pk, "symbol", symbol);
    s_kv_str(pk, "side", side);
    if (has_amount) {
        s_kv_dec(pk, "amount", cb_decimal_normalize(amount));
    }
    s_kv_str(pk, "basis", has_amount ? "amount" : "top_of_book");
    s_kv_str(pk, "venue", w->l->venue);
    s_kv_str(pk, "venue_symbol", w->l->ins.symbol);
    s_pack_fill(pk, &w->fill, w->l, false);
    s_str(pk, "venues");
    msgpack_pack_array(pk, (uint32_t) nc);
    for (size_t i = 0; i < nc; i++) {
        msgpack_pack_map(pk, 7 + !has_amount);
        s_kv_str(pk, "venue", cands[i].l->venue);
        s_kv_str(pk, "symbol", cands[i].l->ins.symbol);
        s_pack_fill(pk, &cands[i].fill, cands[i].l, !has_amount);
    }
    s_str(pk, "lacking_depth");
    msgpack_pack_array(pk, (uint32_t) nl);
    for (size_t i = 0; i < nl; i++) {
        s_str(pk, lacking[i]);
    }
    s_str(pk, "skipped");
    msgpack_pack_array(pk, (uint32_t) ns);
    for (size_t i = 0; i < ns; i++) {
        msgpack_pack_map(pk, 2);
        s_kv_str(pk, "venue", skipped[i].venue);
        s_kv_str(pk, "reason", skipped[i].reason);
    }
    return 0;
}

/* ---- symbols, venues ------------------------------------------------------------------ */

/* Every venue's instruments (an invalid list reads as empty): ins[i] is
 * borrowed from the cache for this request. */
static int
s_all_instruments(feed_rpc_t *rpc, char (*names)[CB_VENUE_NAME_MAX + 1],
                  const feed_instruments_t **ins, size_t *count, char *msg, size_t msg_size)
{
    static const feed_instruments_t none;
    int rc = feed_store_get_venues(rpc->store, names, S_VENUES, count);
    if (rc != 0) {
        return s_store_error(rc, "venue list", msg, msg_size);
    }
    for (size_t i = 0; i < *count; i++) {
        rc = feed_instcache_get(&rpc->instruments, rpc->store, names[i], &ins[i]);
        if (s_store_down(rc)) {
            return s_store_error(rc, "instrument list", msg, msg_size);
        }
        if (rc != 0) {
            ins[i] = &none;
        }
    }
    return 0;
}

static int
s_op_symbols(feed_rpc_t *rpc, msgpack_packer *pk, char *msg, size_t msg_size)
{
    char names[S_VENUES][CB_VENUE_NAME_MAX + 1];
    const feed_instruments_t *ins[S_VENUES];
    size_t count;
    int rc = s_all_instruments(rpc, names, ins, &count, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    msgpack_pack_map(pk, (uint32_t) count);
    for (size_t i = 0; i < count; i++) {
        s_str(pk, names[i]);
        msgpack_pack_array(pk, (uint32_t) ins[i]->list.count);
        for (size_t j = 0; j < ins[i]->list.count; j++) {
            s_str(pk, ins[i]->list.items[j].symbol);
        }
    }
    return 0;
}

static int
s_op_venues(feed_rpc_t *rpc, msgpack_packer *pk, char *msg, size_t msg_size)
{
    char names[S_VENUES][CB_VENUE_NAME_MAX + 1];
    const feed_instruments_t *ins[S_VENUES];
    size_t count;
    int rc = s_all_instruments(rpc, names, ins, &count, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    int64_t now = cb_time_now_ns();
    msgpack_pack_array(pk, (uint32_t) count);
    for (size_t i = 0; i < count; i++) {
        feed_venue_status_t st;
        bool have = feed_store_get_venue_status(rpc->store, names[i], &st) == 0;
        /* No status within its TTL: no replica is streaming this venue. */
        const char *health = "down";
        if (have && strcmp(st.stream, "live") != 0) {
            health = "degraded";
        } else if (have) {
            health = now - st.last_msg_ts <= s_stale_ns(rpc) ? "ok" : "stale";
        }
        msgpack_pack_map(pk, have ? 8 : 6);
        s_kv_str(pk, "venue", names[i]);
        s_kv_str(pk, "dialect", ins[i]->dialect[0] != '\0' ? ins[i]->dialect : "unknown");
        s_str(pk, "symbols");
        msgpack_pack_uint64(pk, ins[i]->list.count);
        s_kv_str(pk, "stream", have ? st.stream : "unknown");
        s_kv_str(pk, "health", health);
        s_kv_str(pk, "circuit", have ? st.circuit : "unknown");
        if (have) {
            s_kv_int(pk, "last_msg_ts", st.last_msg_ts);
            s_str(pk, "reconnects");
            msgpack_pack_uint64(pk, st.reconnects);
        }
    }
    return 0;
}

void
feed_rpc_fini(feed_rpc_t *rpc)
{
    feed_instcache_fini(&rpc->instruments);
}

int
feed_rpc_handle(void *ctx, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                size_t msg_size)
{
    feed_rpc_t *rpc = ctx;
    feed_instcache_begin(&rpc->instruments);
    if (cb_str_eq_cstr(req->op, "price")) {
        return s_op_price(rpc, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "ohlc")) {
        return s_op_ohlc(rpc, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "book")) {
        return s_op_book(rpc, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "trades")) {
        return s_op_trades(rpc, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "compare")) {
        return s_op_compare(rpc, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "best")) {
        return s_op_best(rpc, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "symbols")) {
        return s_op_symbols(rpc, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "venues")) {
        return s_op_venues(rpc, pk, msg, msg_size);
    }
    snprintf(msg, msg_size, "unknown op '%.*s' (price, ohlc, book, trades, compare, best, "
                            "symbols, venues)",
             (int) req->op.len, req->op.ptr);
    return CB_E_NOT_FOUND;
}
