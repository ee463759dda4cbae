/* sim_history.h - one instrument's market history: recent trades, 1-second and 1-minute candles, top-of-book changes */
#ifndef SIM_HISTORY_H_INCLUDED
#define SIM_HISTORY_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_market.h"

/* Owns fixed-size rings (see SIM_*_KEPT in sim_market.h); nothing grows
 * after creation. One thread. */
typedef struct sim_history sim_history_t;

/* History that starts at start_s (no candles before it) with start_price
 * as the price before any trade. NULL when out of memory. */
sim_history_t *
sim_history_new(int64_t start_s, sim_fx_t start_price);

/* Gives a history with no trades yet a past: n consecutive traded 1-minute
 * candles, oldest first, the newest before the start minute, at most
 * SIM_MINUTES_KEPT - 1 (older ones would be overwritten). The history then
 * starts at the oldest, and trade ids go on after the newest's last. */
void
sim_history_set_past(sim_history_t *history, const sim_candle_t *minutes, size_t n);

/* NULL-safe; nulls *history_p. */
void
sim_history_destroy(sim_history_t **history_p);

/* Records a trade; its id must be the previous id + 1 and its time no
 * earlier than the previous trade's. */
void
sim_history_add_trade(sim_history_t *history, const sim_trade_t *trade);

/* The id the next trade gets. */
uint64_t
sim_history_next_trade_id(const sim_history_t *history);

/* The last trade (false before any). */
bool
sim_history_last_trade(const sim_history_t *history, sim_trade_t *out);

/* See sim_market_trades_since / sim_market_trades_recent. */
size_t
sim_history_trades_since(const sim_history_t *history, uint64_t since_id, size_t max, sim_trade_t *out);

size_t
sim_history_trades_recent(const sim_history_t *history, size_t max, sim_trade_t *out);

/* See sim_market_candles; now_s bounds the newest candle. */
size_t
sim_history_candles(const sim_history_t *history, int64_t interval_s, int64_t from_s, int64_t to_s,
                    size_t max, bool newest, int64_t now_s, sim_candle_t *out);

/* See sim_market_stats. */
void
sim_history_stats(const sim_history_t *history, int64_t from_s, int64_t to_s, sim_candle_t *out);

/* Records a top-of-book change. */
void
sim_history_add_spread(sim_history_t *history, const sim_spread_t *spread);

/* See sim_market_spreads_since. */
size_t
sim_history_spreads_since(const sim_history_t *history, int64_t since_ns, size_t max, sim_spread_t *out);

#endif
