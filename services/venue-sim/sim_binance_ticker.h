/* sim_binance_ticker.h - Binance price statistics: avgPrice, ticker/24hr, price, bookTicker */
#ifndef SIM_BINANCE_TICKER_H_INCLUDED
#define SIM_BINANCE_TICKER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_httpd.h"
#include "sim.h"

/* Answers avgPrice and the ticker/... endpoints (name: len bytes after
 * /api/v3/) into res and sets *weight as documented for the parameters
 * sent; false when name is none of them (nothing written). */
bool
sim_binance_ticker_handle(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req,
                          cb_httpd_res_t *res, int *weight);

#endif
