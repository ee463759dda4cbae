/* sim_kraken_market.h - Kraken public market data: Ticker, OHLC, Depth, Trades, Spread */
#ifndef SIM_KRAKEN_MARKET_H_INCLUDED
#define SIM_KRAKEN_MARKET_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_httpd.h"
#include "sim.h"
#include "sim_instruments.h"
#include "sim_kraken_params.h"

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

#endif
