/* feed_rpc.c - the `market` RPC: dispatch, reply packing, per-venue ops (ohlc, book, trades, symbols, venues) */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cb_error.h"
#include "cb_rpc_args.h"
#include "cb_time.h"
#include "feed_args.h"
#include "feed_rpc.h"
#include "feed_rpc_impl.h"

#define S_STALE_DEFAULT_NS (10LL * 1000000000LL)

/* ---- packing ----------------------------------------------------------------- */

void
feed_rpc_pack_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str_with_body(pk, s, strlen(s));
}

void
feed_rpc_pack_view(msgpack_packer *pk, cb_str_t s)
{
    msgpack_pack_str_with_body(pk, s.ptr, s.len);
}

void
feed_rpc_pack_dec(msgpack_packer *pk, cb_decimal_t d)
{
    char text[CB_DECIMAL_STR_MAX];
    int n = cb_decimal_format(d, text, sizeof text);
    msgpack_pack_str_with_body(pk, text, n > 0 ? (size_t) n : 0);
}

void
feed_rpc_pack_kv_str(msgpack_packer *pk, const char *key, const char *value)
{
    feed_rpc_pack_str(pk, key);
    feed_rpc_pack_str(pk, value);
}

void
feed_rpc_pack_kv_dec(msgpack_packer *pk, const char *key, cb_decimal_t value)
{
    feed_rpc_pack_str(pk, key);
    feed_rpc_pack_dec(pk, value);
}

void
feed_rpc_pack_kv_int(msgpack_packer *pk, const char *key, int64_t value)
{
    feed_rpc_pack_str(pk, key);
    msgpack_pack_int64(pk, value);
}

/* ---- store access -------------------------------------------------------------- */

/* Maps a feed_store error to the reply's code and message. */
int
feed_rpc_store_error(int rc, const char *what, char *msg, size_t msg_size)
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

bool
feed_rpc_store_down(int rc)
{
    return rc == CB_E_UNAVAILABLE || rc == CB_E_TIMEOUT;
}

int64_t
feed_rpc_stale_ns(const feed_rpc_t *rpc)
{
    return rpc->stale_ns > 0 ? rpc->stale_ns : S_STALE_DEFAULT_NS;
}

/* Moves the listings of exactly symbol (BTC-USD listed as BTC-USD) ahead of
 * those on an equivalent quote (BTC-USD answered by a BTC-USDT listing),
 * keeping the order within each group: ohlc, which picks the first listing
 * with candles, then answers in the quote asked for whenever a venue lists it. */
static void
s_exact_first(const char *symbol, feed_rpc_listing_t *ls, size_t n)
{
    size_t exact = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(ls[i].ins.symbol, symbol) != 0) {
            continue;
        }
        feed_rpc_listing_t keep = ls[i];
        memmove(&ls[exact + 1], &ls[exact], (i - exact) * sizeof *ls);
        ls[exact++] = keep;
    }
}

/* See feed_rpc_impl.h. */
int
feed_rpc_listings(feed_rpc_t *rpc, const char *symbol, const char *venue, feed_rpc_listing_t *out,
                  size_t *n, char *msg, size_t msg_size)
{
    char names[FEED_RPC_VENUES][CB_VENUE_NAME_MAX + 1];
    size_t count = 1;
    int rc;
    *n = 0;
    if (venue[0] != '\0') {
        snprintf(names[0], sizeof names[0], "%s", venue);
    } else if ((rc = feed_store_get_venues(rpc->store, names, FEED_RPC_VENUES, &count)) != 0) {
        return feed_rpc_store_error(rc, "venue list", msg, msg_size);
    }
    for (size_t i = 0; i < count; i++) {
        const feed_instruments_t *ins;
        rc = feed_instcache_get(&rpc->instruments, rpc->store, names[i], &ins);
        if (rc == CB_E_NOT_FOUND && venue[0] != '\0') {
            snprintf(msg, msg_size, "unknown venue '%s'", venue);
            return CB_E_NOT_FOUND;
        }
        if (rc != 0) {
            if (venue[0] != '\0' || feed_rpc_store_down(rc)) {
                return feed_rpc_store_error(rc, "instrument list", msg, msg_size);
            }
            continue;
        }
        const cb_instrument_t *in = cb_instruments_resolve(&ins->list, cb_str_from(symbol));
        if (in != NULL) {
            feed_rpc_listing_t *l = &out[(*n)++];
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

/* ---- ohlc, book, trades ----------------------------------------------------------- */

static int
s_op_ohlc(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
          size_t msg_size)
{
    char symbol[CB_SYMBOL_MAX + 1];
    char venue[CB_VENUE_NAME_MAX + 1];
    char tf[8];
    unsigned limit;
    feed_rpc_listing_t ls[FEED_RPC_VENUES];
    size_t n = 0;
    feed_candle_list_t cs = {0};
    int rc = feed_args_symbol(req, symbol, msg, msg_size);
    rc = rc != 0 ? rc : feed_args_venue(req, false, venue, msg, msg_size);
    if (rc == 0) {
        rc = cb_rpc_args_str(req, "timeframe", tf, sizeof tf, msg, msg_size);
        if (rc == CB_E_NOT_FOUND || (rc == 0 && !feed_store_timeframe_valid(tf))) {
            snprintf(msg, msg_size, "args.timeframe must be one of 1m 5m 15m 30m 1h 4h 1d 1w");
            rc = CB_E_BAD_REQUEST;
        }
    }
    rc = rc != 0 ? rc
                 : feed_args_count(req, "limit", 100, FEED_RPC_LIMIT_MAX, &limit, msg, msg_size);
    rc = rc != 0 ? rc : feed_rpc_listings(rpc, symbol, venue, ls, &n, msg, msg_size);
    /* Without a venue: the first venue that has candles, those listing the
     * symbol itself first. */
    if (rc == 0) {
        s_exact_first(symbol, ls, n);
    }
    size_t chosen = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        feed_candle_list_fini(&cs);
        rc = feed_store_get_candles(rpc->store, ls[i].venue, ls[i].ins.symbol, tf, limit, &cs);
        if (rc != 0) {
            rc = feed_rpc_store_error(rc, "candles", msg, msg_size);
        } else if (cs.count > 0) {
            chosen = i;
            break;
        }
    }
    if (rc != 0) {
        goto done;
    }
    msgpack_pack_map(pk, 4);
    feed_rpc_pack_kv_str(pk, "symbol", ls[chosen].ins.symbol);
    feed_rpc_pack_kv_str(pk, "venue", ls[chosen].venue);
    feed_rpc_pack_kv_str(pk, "timeframe", tf);
    feed_rpc_pack_str(pk, "candles");
    msgpack_pack_array(pk, (uint32_t) cs.count);
    for (size_t i = 0; i < cs.count; i++) {
        const cb_candle_t *c = &cs.items[i];
        msgpack_pack_map(pk, 7);
        feed_rpc_pack_kv_int(pk, "t", c->open_ts);
        feed_rpc_pack_kv_dec(pk, "o", c->open);
        feed_rpc_pack_kv_dec(pk, "h", c->high);
        feed_rpc_pack_kv_dec(pk, "l", c->low);
        feed_rpc_pack_kv_dec(pk, "c", c->close);
        feed_rpc_pack_kv_dec(pk, "v", c->volume);
        feed_rpc_pack_str(pk, "closed");
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
        feed_rpc_pack_dec(pk, levels->items[i].price);
        feed_rpc_pack_dec(pk, levels->items[i].qty);
    }
}

static int
s_op_book(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
          size_t msg_size)
{
    char symbol[CB_SYMBOL_MAX + 1];
    char venue[CB_VENUE_NAME_MAX + 1];
    unsigned depth;
    feed_rpc_listing_t ls[1];
    size_t n = 0;
    feed_book_t b = {0};
    int rc = feed_args_symbol(req, symbol, msg, msg_size);
    rc = rc != 0 ? rc : feed_args_venue(req, true, venue, msg, msg_size);
    rc =
        rc != 0 ? rc : feed_args_count(req, "depth", 10, FEED_RPC_LIMIT_MAX, &depth, msg, msg_size);
    rc = rc != 0 ? rc : feed_rpc_listings(rpc, symbol, venue, ls, &n, msg, msg_size);
    if (rc == 0) {
        rc = feed_store_get_book(rpc->store, venue, ls[0].ins.symbol, &b);
        rc = rc != 0 ? feed_rpc_store_error(rc, "book", msg, msg_size) : 0;
    }
    if (rc != 0) {
        goto done;
    }
    bool uid = CB_PROTO_HAS(&b.book, book, update_id);
    msgpack_pack_map(pk, 6 + uid);
    feed_rpc_pack_kv_str(pk, "symbol", ls[0].ins.symbol);
    feed_rpc_pack_kv_str(pk, "venue", venue);
    feed_rpc_pack_str(pk, "bids");
    s_pack_levels(pk, &b.book.bids, depth);
    feed_rpc_pack_str(pk, "asks");
    s_pack_levels(pk, &b.book.asks, depth);
    feed_rpc_pack_str(pk, "resyncing");
    b.book.resyncing ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    if (uid) {
        feed_rpc_pack_str(pk, "update_id");
        msgpack_pack_uint64(pk, b.book.update_id);
    }
    feed_rpc_pack_kv_int(pk, "timestamp",
                         CB_PROTO_HAS(&b.book, book, exch_ts) ? b.book.exch_ts : b.recv_ts);

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
    feed_rpc_listing_t ls[1];
    size_t n = 0;
    feed_trades_t tr = {0};
    int rc = feed_args_symbol(req, symbol, msg, msg_size);
    rc = rc != 0 ? rc : feed_args_venue(req, true, venue, msg, msg_size);
    rc = rc != 0 ? rc
                 : feed_args_count(req, "limit", 100, FEED_RPC_LIMIT_MAX, &limit, msg, msg_size);
    rc = rc != 0 ? rc : feed_rpc_listings(rpc, symbol, venue, ls, &n, msg, msg_size);
    if (rc == 0) {
        rc = feed_store_get_trades(rpc->store, venue, ls[0].ins.symbol, limit, &tr);
        rc = rc != 0 ? feed_rpc_store_error(rc, "trades", msg, msg_size) : 0;
    }
    if (rc != 0) {
        goto done;
    }
    msgpack_pack_map(pk, 3);
    feed_rpc_pack_kv_str(pk, "symbol", ls[0].ins.symbol);
    feed_rpc_pack_kv_str(pk, "venue", venue);
    feed_rpc_pack_str(pk, "trades");
    msgpack_pack_array(pk, (uint32_t) tr.count);
    for (size_t i = 0; i < tr.count; i++) {
        const cb_trade_t *t = &tr.items[i];
        bool id = CB_PROTO_HAS(t, trade, trade_id);
        msgpack_pack_map(pk, 4 + id);
        if (id) {
            feed_rpc_pack_str(pk, "id");
            feed_rpc_pack_view(pk, t->trade_id);
        }
        feed_rpc_pack_kv_dec(pk, "price", t->price);
        feed_rpc_pack_kv_dec(pk, "qty", t->qty);
        feed_rpc_pack_str(pk, "side");
        feed_rpc_pack_view(pk, t->side);
        feed_rpc_pack_kv_int(pk, "timestamp",
                             CB_PROTO_HAS(t, trade, exch_ts) ? t->exch_ts : tr.recv_ts[i]);
    }

done:
    feed_trades_fini(&tr);
    return rc;
}

/* ---- symbols, venues ------------------------------------------------------------------ */

/* Every venue's instruments (an invalid list reads as empty): ins[i] is
 * borrowed from the cache for this request. */
static int
s_all_instruments(feed_rpc_t *rpc, char (*names)[CB_VENUE_NAME_MAX + 1],
                  const feed_instruments_t **ins, size_t *count, char *msg, size_t msg_size)
{
    static const feed_instruments_t none;
    int rc = feed_store_get_venues(rpc->store, names, FEED_RPC_VENUES, count);
    if (rc != 0) {
        return feed_rpc_store_error(rc, "venue list", msg, msg_size);
    }
    for (size_t i = 0; i < *count; i++) {
        rc = feed_instcache_get(&rpc->instruments, rpc->store, names[i], &ins[i]);
        if (feed_rpc_store_down(rc)) {
            return feed_rpc_store_error(rc, "instrument list", msg, msg_size);
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
    char names[FEED_RPC_VENUES][CB_VENUE_NAME_MAX + 1];
    const feed_instruments_t *ins[FEED_RPC_VENUES];
    size_t count;
    int rc = s_all_instruments(rpc, names, ins, &count, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    msgpack_pack_map(pk, (uint32_t) count);
    for (size_t i = 0; i < count; i++) {
        feed_rpc_pack_str(pk, names[i]);
        msgpack_pack_array(pk, (uint32_t) ins[i]->list.count);
        for (size_t j = 0; j < ins[i]->list.count; j++) {
            feed_rpc_pack_str(pk, ins[i]->list.items[j].symbol);
        }
    }
    return 0;
}

static int
s_op_venues(feed_rpc_t *rpc, msgpack_packer *pk, char *msg, size_t msg_size)
{
    char names[FEED_RPC_VENUES][CB_VENUE_NAME_MAX + 1];
    const feed_instruments_t *ins[FEED_RPC_VENUES];
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
            health = now - st.last_msg_ts <= feed_rpc_stale_ns(rpc) ? "ok" : "stale";
        }
        msgpack_pack_map(pk, have ? 8 : 6);
        feed_rpc_pack_kv_str(pk, "venue", names[i]);
        feed_rpc_pack_kv_str(pk, "dialect",
                             ins[i]->dialect[0] != '\0' ? ins[i]->dialect : "unknown");
        feed_rpc_pack_str(pk, "symbols");
        msgpack_pack_uint64(pk, ins[i]->list.count);
        feed_rpc_pack_kv_str(pk, "stream", have ? st.stream : "unknown");
        feed_rpc_pack_kv_str(pk, "health", health);
        feed_rpc_pack_kv_str(pk, "circuit", have ? st.circuit : "unknown");
        if (have) {
            feed_rpc_pack_kv_int(pk, "last_msg_ts", st.last_msg_ts);
            feed_rpc_pack_str(pk, "reconnects");
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
        return feed_rpc_op_price(rpc, req, pk, msg, msg_size);
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
        return feed_rpc_op_compare(rpc, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "best")) {
        return feed_rpc_op_best(rpc, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "symbols")) {
        return s_op_symbols(rpc, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "venues")) {
        return s_op_venues(rpc, pk, msg, msg_size);
    }
    snprintf(msg, msg_size,
             "unknown op '%.*s' (price, ohlc, book, trades, compare, best, "
             "symbols, venues)",
             (int) req->op.len, req->op.ptr);
    return CB_E_NOT_FOUND;
}
