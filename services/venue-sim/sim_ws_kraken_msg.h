/* sim_ws_kraken_msg.h - Kraken WebSocket v2 messages as bytes: status, book with its CRC32 checksum, ticker, trade, ohlc */
#ifndef SIM_WS_KRAKEN_MSG_H_INCLUDED
#define SIM_WS_KRAKEN_MSG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "sim_book.h"
#include "sim_instruments.h"
#include "sim_market.h"

/* Every builder appends one complete JSON message to b and returns 0 or
 * CB_E_NOMEM. Prices are JSON numbers at the pair's price_decimals and
 * quantities at its qty_decimals, trailing zeros kept (65000.1, 0.50000000),
 * printed from the exact fixed-point values. */

/* Kraken's book checksum: the top 10 asks (lowest first) then the top 10
 * bids (highest first), each level's price and quantity printed at the
 * pair's precision with the '.' removed and leading zeros stripped, all
 * concatenated, CRC-32 (zlib's). asks and bids are best first; only their
 * first 10 are read. */
uint32_t
sim_ws_kraken_checksum(const sim_instrument_t *in, const sim_level_t *asks, size_t na, const sim_level_t *bids,
                       size_t nb);

/* The level changes that take a client holding old (the book truncated to
 * depth, best first) to nw (the book's top depth levels now, best first):
 * first the levels to delete (qty 0), then new or changed levels, best
 * first. Levels that left the top depth only because better ones pushed
 * them out are not deleted: the client truncates them after applying the
 * message, as Kraken documents (the order also suits a client that
 * truncates after every level). out needs room for no + nn levels; returns
 * the count. */
size_t
sim_ws_kraken_book_diff(sim_side_t side, const sim_level_t *old, size_t no, const sim_level_t *nw, size_t nn,
                        size_t depth, sim_level_t *out);

/* {"channel":"status","type":"update","data":[{"version":"2.0.0","system":"online","api_version":"v2","connection_id":N}]} */
int
sim_ws_kraken_msg_status(cb_buf_t *b, uint64_t connection_id);

/* A book snapshot or update for one symbol: bids and asks in the given
 * order, the checksum, and (updates, time_ns > 0) the timestamp. */
int
sim_ws_kraken_msg_book(cb_buf_t *b, const sim_instrument_t *in, bool snapshot, const sim_level_t *bids,
                       size_t nb, const sim_level_t *asks, size_t na, uint32_t checksum, int64_t time_ns);

/* The ticker's values: top of book, last price and 24-hour statistics. */
typedef struct {
    sim_fx_t bid;
    sim_fx_t bid_qty;
    sim_fx_t ask;
    sim_fx_t ask_qty;
    sim_fx_t last;
    sim_candle_t day; /* the last 24 hours (sim_market_stats) */
    int64_t time_ns;
} sim_ws_kraken_ticker_t;

/* {"channel":"ticker","type":..,"data":[{symbol,bid,bid_qty,ask,ask_qty,last,volume,vwap,low,high,change,
 * change_pct,timestamp}]}: change is last minus the 24-hour open, change_pct its percentage (2 digits). */
int
sim_ws_kraken_msg_ticker(cb_buf_t *b, const sim_instrument_t *in, bool snapshot, const sim_ws_kraken_ticker_t *t);

/* {"channel":"trade","type":..,"data":[{symbol,side,price,qty,ord_type,trade_id,timestamp},...]}: side
 * and ord_type are the taker's. */
int
sim_ws_kraken_msg_trades(cb_buf_t *b, const sim_instrument_t *in, bool snapshot, const sim_trade_t *trades,
                         size_t n);

/* {"channel":"ohlc","type":..,"timestamp":now,"data":[{symbol,open,high,low,close,trades,volume,vwap,
 * interval_begin,interval,timestamp},...]} for candles of interval_min minutes. */
int
sim_ws_kraken_msg_ohlc(cb_buf_t *b, const sim_instrument_t *in, bool snapshot, int interval_min,
                       const sim_candle_t *candles, size_t n, int64_t now_ns);

/* The volume-weighted average price of a candle at the pair's price
 * precision (0 when nothing traded). */
sim_fx_t
sim_ws_kraken_vwap(const sim_instrument_t *in, const sim_candle_t *c);

#endif
