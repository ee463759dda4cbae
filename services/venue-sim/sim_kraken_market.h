/* sim_kraken_market.h - Kraken public market data: Ticker, OHLC, Depth, Trades, Spread */
#ifndef SIM_KRAKEN_MARKET_H_INCLUDED
#define SIM_KRAKEN_MARKET_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_httpd.h"
#include "sim.h"
#include "sim_instruments.h"
#include "sim_kraken_params.h"
#include "sim_market.h"

/* Answers market-data method name (len bytes, e.g. "Ticker") from the
 * parameters in p (query, form or JSON body) into res; false when name is
 * not one of them (nothing written). Without a market the answer is
 * EService:Unavailable. */
bool
sim_kraken_market_handle(sim_t *sim, const char *name, size_t len, sim_kraken_params_t *p,
                         cb_httpd_res_t *res);

/* The pairs parameter "pair" names (a comma list of pair ids, altnames or
 * ws names; every Kraken pair when absent), at most max into out. Returns
 * the count, or -1 with EQuery:Unknown asset pair written into res. */
int
sim_kraken_market_pairs(sim_kraken_params_t *p, cb_httpd_res_t *res, const sim_instrument_t **out,
                        size_t max);

/* The newest max candles of width seconds up to the current one, on
 * Kraken's grid, into rows (oldest first); returns the count. Widths up to
 * a day come from the market as they are; 1-week and 15-day candles are
 * built from days on boundaries of Unix time (weeks open on Thursdays, as
 * Kraken's do), which the market's own week (Monday, Binance's) is not.
 * REST OHLC and the WebSocket ohlc channel share it, so both agree. */
size_t
sim_kraken_candles(const sim_market_t *market, size_t idx, int64_t width, int64_t now_s,
                   size_t max, sim_candle_t *rows);
#endif
