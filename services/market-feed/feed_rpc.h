/* feed_rpc.h - the `market` RPC ops, answered from feed_store so that any replica can answer */
#ifndef FEED_RPC_H_INCLUDED
#define FEED_RPC_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "cb_rpc.h"
#include "feed_instcache.h"
#include "feed_store.h"

/* What the handler needs. store is borrowed and used only by the worker's
 * thread (give each worker its own store). stale_ns: a book (for best) or a
 * stream (for venues) older than this is stale; 0 means 10 s. instruments is
 * the handler's own cache of decoded instrument lists: zero-initialise it
 * with the rest ({.store = store}) and free it with feed_rpc_fini. */
typedef struct {
    feed_store_t *store;
    int64_t stale_ns;
    feed_instcache_t instruments;
} feed_rpc_t;

/* Frees what the handler kept (the instrument lists); rpc stays usable. */
void
feed_rpc_fini(feed_rpc_t *rpc);

/* cb_rpc_handler_fn of service "market" (ctx is a feed_rpc_t). Decimals are
 * exact strings, times int64 ns. USD requests map to each venue's listing
 * (BTC-USD -> BTC-USDT where only that is listed); every op that takes symbol
 * also takes quote. The wire contract clients build to, held to this code by
 * tests/integration/test_proto_doc_market.py, is proto/README.md "#### market".
 *   price {symbol[, quote][, venue]}  -> {symbol, venue, price (last, else mid), bid, ask,
 *                                        bid_qty?, ask_qty?, timestamp[, venues: [...]]}
 *                                        without venue: the narrowest spread, plus every venue
 *   ohlc {symbol, timeframe, limit=100 (<=1000)[, venue]}
 *                                     -> {symbol, venue, timeframe, candles: [{t,o,h,l,c,v,closed}]}
 *   book {symbol, venue, depth=10 (<=1000)} -> {symbol, venue, bids, asks, resyncing,
 *                                        update_id?, timestamp}
 *   trades {symbol, venue, limit=100 (<=1000)} -> {symbol, venue, trades: [{id?, price, qty,
 *                                        side, timestamp}]} newest first
 *   compare {symbol}                  -> {symbol, venues: [...], best_bid, best_ask, spread,
 *                                        spread_bps, crossed}
 *   best {symbol, side[, amount]}     -> {symbol, side, amount?, venue, venue_symbol, avg_price,
 *                                        cost, fee, fee_rate, total, venues, lacking_depth, skipped}
 *   symbols {}                        -> {<venue>: [symbols]}
 *   venues {}                         -> [{venue, dialect, symbols, stream, health, circuit,
 *                                        last_msg_ts?, reconnects?}]
 * Errors: not_found (unknown op, venue or symbol, nothing stored yet),
 * bad_request (the message names the argument), unavailable (Redis down, or
 * no venue can fill a best order), internal (invalid stored data). */
int
feed_rpc_handle(void *ctx, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                size_t msg_size);

#endif
