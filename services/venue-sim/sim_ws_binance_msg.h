/* sim_ws_binance_msg.h - Binance market streams as bytes: stream names, trade/aggTrade/kline/bookTicker/depth payloads, control replies */
#ifndef SIM_WS_BINANCE_MSG_H_INCLUDED
#define SIM_WS_BINANCE_MSG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "sim_binance_ticker.h"
#include "sim_book.h"
#include "sim_instruments.h"
#include "sim_market.h"

/* The streams of one symbol, numbered: bookTicker, trade, aggTrade, the
 * klines (1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w; 1M is not
 * served: months are not a fixed length the market's candles can build),
 * depth5/10/20 each at 1000 ms and @100ms, the diff depth at 1000 ms
 * and @100ms, and the 24-hour ticker and mini ticker (1000 ms). */
typedef enum {
    SIM_WS_BN_BOOK_TICKER,
    SIM_WS_BN_TRADE,
    SIM_WS_BN_AGG_TRADE,
    SIM_WS_BN_KLINE,
    SIM_WS_BN_PARTIAL,
    SIM_WS_BN_DIFF,
    SIM_WS_BN_TICKER,
} sim_ws_bn_kind_t;

#define SIM_WS_BN_KLINES 15
#define SIM_WS_BN_TOPIC_KLINE 3
#define SIM_WS_BN_TOPIC_PARTIAL (SIM_WS_BN_TOPIC_KLINE + SIM_WS_BN_KLINES)
#define SIM_WS_BN_TOPIC_DIFF (SIM_WS_BN_TOPIC_PARTIAL + 6)
#define SIM_WS_BN_TOPIC_TICKER (SIM_WS_BN_TOPIC_DIFF + 2)
#define SIM_WS_BN_TOPICS (SIM_WS_BN_TOPIC_TICKER + 2)

/* Binance prints prices and quantities as strings with 8 decimals. */
#define SIM_WS_BN_DECIMALS 8

/* Parses a stream name ("btcusdt@depth5@100ms", case-sensitive as Binance
 * is: lower-case symbol). true with the Binance instrument's index in
 * sim_instruments() and the topic number; false for anything else. */
bool
sim_ws_binance_stream_parse(const char *name, size_t len, size_t *inst, int *topic);

/* Appends the stream's name (the inverse of the parse). */
int
sim_ws_binance_stream_name(cb_buf_t *b, const sim_instrument_t *in, int topic);

sim_ws_bn_kind_t
sim_ws_binance_topic_kind(int topic);

/* A kline topic's interval in seconds and name ("1m"). */
int64_t
sim_ws_binance_kline_seconds(int topic);

const char *
sim_ws_binance_kline_name(int topic);

/* A partial depth topic's levels (5, 10, 20). */
size_t
sim_ws_binance_partial_levels(int topic);

/* How often a periodic topic (kline, partial, diff, ticker) is pushed, in
 * ms: 1000 for the 1s kline, 2000 for other klines, 1000 or 100 for depths,
 * 1000 for the ticker; 0 for real-time topics. */
int64_t
sim_ws_binance_period_ms(int topic);

/* Payloads. Each appends one JSON object and returns 0 or CB_E_NOMEM. */

/* {"e":"trade","E":..,"s":..,"t":..,"p":..,"q":..,"T":..,"m":..,"M":true}; m is "the buyer is the maker". */
int
sim_ws_binance_msg_trade(cb_buf_t *b, const sim_instrument_t *in, const sim_trade_t *t, int64_t event_ms);

/* {"e":"aggTrade","E","s","a","p","q","f","l","T","m","M"} for the n
 * trades of one taker order at one price (a: the first trade's id). */
int
sim_ws_binance_msg_agg_trade(cb_buf_t *b, const sim_instrument_t *in, const sim_trade_t *t, size_t n,
                             int64_t event_ms);

/* {"e":"kline","E","s","k":{"t","T","s","i","f","L","o","c","h","l","v","n","x","q","V","Q","B"}};
 * f and L are -1 for a candle without trades. */
int
sim_ws_binance_msg_kline(cb_buf_t *b, const sim_instrument_t *in, int topic, const sim_candle_t *c, bool closed,
                         int64_t event_ms);

/* {"u":..,"s":..,"b":..,"B":..,"a":..,"A":..} */
int
sim_ws_binance_msg_book_ticker(cb_buf_t *b, const sim_instrument_t *in, uint64_t update_id, sim_fx_t bid,
                               sim_fx_t bid_qty, sim_fx_t ask, sim_fx_t ask_qty);

/* {"lastUpdateId":..,"bids":[[p,q],..],"asks":[[p,q],..]} */
int
sim_ws_binance_msg_partial(cb_buf_t *b, uint64_t last_update_id, const sim_level_t *bids, size_t nb,
                           const sim_level_t *asks, size_t na);

/* {"e":"depthUpdate","E","s","U","u","b":[[p,q],..],"a":[[p,q],..]} */
int
sim_ws_binance_msg_diff(cb_buf_t *b, const sim_instrument_t *in, int64_t event_ms, uint64_t first_id,
                        uint64_t last_id, const sim_level_t *bids, size_t nb, const sim_level_t *asks, size_t na);

/* {"e":"24hrTicker","E","s","p","P","w","x","c","Q","b","B","a","A","o","h","l","v","q","O","C","F","L","n"},
 * or with mini {"e":"24hrMiniTicker","E","s","c","o","h","l","v","q"}. */
int
sim_ws_binance_msg_ticker(cb_buf_t *b, const sim_instrument_t *in, const sim_binance_24hr_t *st, bool mini,
                          int64_t event_ms);

/* {"stream":"<name>","data":<payload>} around len bytes of payload. */
int
sim_ws_binance_msg_combined(cb_buf_t *b, const sim_instrument_t *in, int topic, const char *payload, size_t len);

/* {"error":{"code":..,"msg":..},"id":..}: id_json is the id as it came
 * (JSON text), or NULL for null. */
int
sim_ws_binance_msg_error(cb_buf_t *b, int code, const char *msg, const char *id_json);

#endif
