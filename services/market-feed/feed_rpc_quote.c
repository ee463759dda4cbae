/* feed_rpc_quote.c - the market RPC's cross-venue answers (price, compare, best): a symbol's listing and tick on each venue */
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_rpc_args.h"
#include "cb_time.h"
#include "feed_args.h"
#include "feed_bestexec.h"
#include "feed_rpc_impl.h"

/* ---- ticks ------------------------------------------------------------------------ */

/* Loads the tick of each listing; ticks[k] belongs to ls[idx[k]]. Venues
 * without a tick are passed over (and with an invalid one, unless single). */
static int
s_ticks(feed_rpc_t *rpc, const feed_rpc_listing_t *ls, size_t n, bool single, feed_tick_t *ticks,
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
        return feed_rpc_store_error(rc, "tick", msg, msg_size);
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
    feed_rpc_pack_str(pk, "symbol");
    feed_rpc_pack_view(pk, k->symbol);
    feed_rpc_pack_str(pk, "venue");
    feed_rpc_pack_view(pk, k->venue);
    feed_rpc_pack_kv_dec(pk, "price", price);
    feed_rpc_pack_kv_dec(pk, "bid", k->bid);
    feed_rpc_pack_kv_dec(pk, "ask", k->ask);
    if (bq) {
        feed_rpc_pack_kv_dec(pk, "bid_qty", k->bid_qty);
    }
    if (aq) {
        feed_rpc_pack_kv_dec(pk, "ask_qty", k->ask_qty);
    }
    feed_rpc_pack_kv_int(pk, "timestamp", s_tick_ts(t));
}

int
feed_rpc_op_price(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                  size_t msg_size)
{
    char symbol[CB_SYMBOL_MAX + 1];
    char venue[CB_VENUE_NAME_MAX + 1];
    feed_rpc_listing_t ls[FEED_RPC_VENUES];
    feed_tick_t ticks[FEED_RPC_VENUES];
    size_t idx[FEED_RPC_VENUES];
    size_t n = 0;
    size_t nt = 0;
    int rc = feed_args_symbol(req, symbol, msg, msg_size);
    rc = rc != 0 ? rc : feed_args_venue(req, false, venue, msg, msg_size);
    rc = rc != 0 ? rc : feed_rpc_listings(rpc, symbol, venue, ls, &n, msg, msg_size);
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
        feed_rpc_pack_str(pk, "venues");
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

int
feed_rpc_op_compare(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                    size_t msg_size)
{
    char symbol[CB_SYMBOL_MAX + 1];
    feed_rpc_listing_t ls[FEED_RPC_VENUES];
    feed_tick_t ticks[FEED_RPC_VENUES];
    size_t idx[FEED_RPC_VENUES];
    size_t n = 0;
    size_t nt = 0;
    int rc = feed_args_symbol(req, symbol, msg, msg_size);
    rc = rc != 0 ? rc : feed_rpc_listings(rpc, symbol, "", ls, &n, msg, msg_size);
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
    feed_rpc_pack_kv_str(pk, "symbol", symbol);
    feed_rpc_pack_str(pk, "venues");
    msgpack_pack_array(pk, (uint32_t) nt);
    for (size_t i = 0; i < nt; i++) {
        const cb_tick_t *k = &ticks[i].tick;
        bool last = CB_PROTO_HAS(k, tick, last);
        msgpack_pack_map(pk, 5 + last);
        feed_rpc_pack_str(pk, "venue");
        feed_rpc_pack_view(pk, k->venue);
        feed_rpc_pack_str(pk, "symbol");
        feed_rpc_pack_view(pk, k->symbol);
        feed_rpc_pack_kv_dec(pk, "bid", k->bid);
        feed_rpc_pack_kv_dec(pk, "ask", k->ask);
        if (last) {
            feed_rpc_pack_kv_dec(pk, "last", k->last);
        }
        feed_rpc_pack_kv_int(pk, "timestamp", s_tick_ts(&ticks[i]));
    }
    feed_rpc_pack_str(pk, "best_bid");
    msgpack_pack_map(pk, 2);
    feed_rpc_pack_str(pk, "venue");
    feed_rpc_pack_view(pk, ticks[hb].tick.venue);
    feed_rpc_pack_kv_dec(pk, "price", ticks[hb].tick.bid);
    feed_rpc_pack_str(pk, "best_ask");
    msgpack_pack_map(pk, 2);
    feed_rpc_pack_str(pk, "venue");
    feed_rpc_pack_view(pk, ticks[la].tick.venue);
    feed_rpc_pack_kv_dec(pk, "price", ticks[la].tick.ask);
    feed_rpc_pack_kv_dec(pk, "spread", spread);
    feed_rpc_pack_kv_dec(pk, "spread_bps", bps);
    feed_rpc_pack_str(pk, "crossed");
    cb_decimal_sign(spread) < 0 ? msgpack_pack_true(pk) : msgpack_pack_false(pk);

done:
    for (size_t i = 0; i < nt; i++) {
        feed_tick_fini(&ticks[i]);
    }
    return rc;
}

/* ---- best ------------------------------------------------------------------------ */

typedef struct {
    const feed_rpc_listing_t *l;
    feed_fill_t fill;
} s_candidate_t;

typedef struct {
    const char *venue;
    const char *reason;
} s_skip_t;

static void
s_pack_fill(msgpack_packer *pk, const feed_fill_t *f, const feed_rpc_listing_t *l, bool top)
{
    feed_rpc_pack_kv_dec(pk, "avg_price", f->avg_price);
    feed_rpc_pack_kv_dec(pk, "cost", f->cost);
    feed_rpc_pack_kv_dec(pk, "fee", f->fee);
    feed_rpc_pack_kv_dec(pk, "fee_rate", l->ins.taker_fee);
    feed_rpc_pack_kv_dec(pk, "total", f->total);
    if (top) {
        feed_rpc_pack_kv_dec(pk, "available", f->amount);
    }
}

/* Fills the order on one venue's stored book, or says why the venue is passed over. */
static int
s_best_one(feed_rpc_t *rpc, const feed_rpc_listing_t *l, bool buy, const cb_decimal_t *amount,
           int64_t now, feed_fill_t *fill, const char **skip)
{
    feed_book_t b;
    *skip = NULL;
    int rc = feed_store_get_book(rpc->store, l->venue, l->ins.symbol, &b);
    if (rc == 0) {
        const cb_levels_t *side = buy ? &b.book.asks : &b.book.bids;
        if (b.book.resyncing) {
            *skip = "resyncing";
        } else if (now - b.recv_ts > feed_rpc_stale_ns(rpc)) {
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

int
feed_rpc_op_best(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                 size_t msg_size)
{
    char symbol[CB_SYMBOL_MAX + 1];
    char side[8];
    cb_decimal_t amount;
    bool has_amount = false;
    feed_rpc_listing_t ls[FEED_RPC_VENUES];
    size_t n = 0;
    int rc = feed_args_symbol(req, symbol, msg, msg_size);
    if (rc == 0) {
        rc = cb_rpc_args_str(req, "side", side, sizeof side, msg, msg_size);
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
    rc = rc != 0 ? rc : feed_rpc_listings(rpc, symbol, "", ls, &n, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    bool buy = strcmp(side, "buy") == 0;
    int64_t now = cb_time_now_ns();
    s_candidate_t cands[FEED_RPC_VENUES];
    const char *lacking[FEED_RPC_VENUES];
    s_skip_t skipped[FEED_RPC_VENUES];
    size_t nc = 0;
    size_t nl = 0;
    size_t ns = 0;
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
        feed_fill_t fill;
        const char *skip;
        rc = s_best_one(rpc, &ls[i], buy, has_amount ? &amount : NULL, now, &fill, &skip);
        if (rc != 0) {
            return feed_rpc_store_error(rc, "book", msg, msg_size);
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
        size_t len =
            (size_t) snprintf(msg, msg_size, "no venue can fill this %s of %s:", side, symbol);
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
    feed_rpc_pack_kv_str(pk, "symbol", symbol);
    feed_rpc_pack_kv_str(pk, "side", side);
    if (has_amount) {
        feed_rpc_pack_kv_dec(pk, "amount", cb_decimal_normalize(amount));
    }
    feed_rpc_pack_kv_str(pk, "basis", has_amount ? "amount" : "top_of_book");
    feed_rpc_pack_kv_str(pk, "venue", w->l->venue);
    feed_rpc_pack_kv_str(pk, "venue_symbol", w->l->ins.symbol);
    s_pack_fill(pk, &w->fill, w->l, false);
    feed_rpc_pack_str(pk, "venues");
    msgpack_pack_array(pk, (uint32_t) nc);
    for (size_t i = 0; i < nc; i++) {
        msgpack_pack_map(pk, 7 + !has_amount);
        feed_rpc_pack_kv_str(pk, "venue", cands[i].l->venue);
        feed_rpc_pack_kv_str(pk, "symbol", cands[i].l->ins.symbol);
        s_pack_fill(pk, &cands[i].fill, cands[i].l, !has_amount);
    }
    feed_rpc_pack_str(pk, "lacking_depth");
    msgpack_pack_array(pk, (uint32_t) nl);
    for (size_t i = 0; i < nl; i++) {
        feed_rpc_pack_str(pk, lacking[i]);
    }
    feed_rpc_pack_str(pk, "skipped");
    msgpack_pack_array(pk, (uint32_t) ns);
    for (size_t i = 0; i < ns; i++) {
        msgpack_pack_map(pk, 2);
        feed_rpc_pack_kv_str(pk, "venue", skipped[i].venue);
        feed_rpc_pack_kv_str(pk, "reason", skipped[i].reason);
    }
    return 0;
}
