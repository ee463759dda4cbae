/* sim_past.h - a synthetic market past: seeded 1-minute candles that end at an instrument's start price */
#ifndef SIM_PAST_H_INCLUDED
#define SIM_PAST_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "sim_instruments.h"
#include "sim_market.h"

/* The most minutes of past a history can hold: its 1-minute ring less the
 * slot the current minute takes (SIM_MINUTES_KEPT in sim_market.h). */
#define SIM_PAST_MINUTES_MAX (SIM_MINUTES_KEPT - 1)

/* Fills out[0..n) with n consecutive 1-minute candles, oldest first, the
 * newest opening at end_s - 60 (end_s minute-aligned), every one traded:
 * a random walk taken backwards from end_price (on in's tick) so that the
 * newest close is exactly end_price, prices on the tick, volumes on the lot
 * step, trade ids consecutive from first_trade_id. The values depend only on
 * in, seed, end_price and n (not on end_s): same seed, same past. Returns the
 * id after the newest candle's last trade. */
uint64_t
sim_past_minutes(const sim_instrument_t *in, uint64_t seed, int64_t end_s, sim_fx_t end_price,
                 uint64_t first_trade_id, size_t n, sim_candle_t *out);

#endif
