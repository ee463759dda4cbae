/* sim_binance_market.h - Binance public market data: depth, trades, aggTrades, klines */
#ifndef SIM_BINANCE_MARKET_H_INCLUDED
#define SIM_BINANCE_MARKET_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_httpd.h"
#include "sim.h"
#include "sim_instruments.h"

/* Binance's -1001 message (answered when the market is not running). */
#define SIM_BINANCE_INTERNAL "Internal error; unable to process your request. Please try again."

/* Answers market-data endpoint name (len bytes after /api/v3/, e.g.
 * "depth", "klines", "ticker/24hr" via sim_binance_ticker) from the query string into res and sets *weight
 * to the documented request weight for its parameters; false when name is
 * not one of them (nothing written). Errors are Binance's {"code","msg"}
 * with HTTP 400; without a market, -1001 with 503. */
bool
sim_binance_market_handle(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req,
                          cb_httpd_res_t *res, int *weight);

/* The mandatory "symbol" parameter; NULL with the error written (-1102
 * missing or empty, -1100 illegal characters, -1121 unknown). */
const sim_instrument_t *
sim_binance_market_symbol(const cb_httpd_req_t *req, cb_httpd_res_t *res);

/* The most names a symbols list may hold (Binance's weights go on past
 * 100 names). */
#define SIM_BINANCE_SYMBOLS_MAX 512

/* How a ticker request chose its symbols. */
typedef enum {
    SIM_BINANCE_ALL = 0,     /* neither parameter: every symbol */
    SIM_BINANCE_SYMBOL = 1,  /* symbol=BTCUSDT: one object answered */
    SIM_BINANCE_SYMBOLS = 2, /* symbols=["BTCUSDT","ETHUSDT"]: an array */
} sim_binance_pick_t;

/* The optional symbol | symbols parameters (every Binance symbol when
 * neither is sent), at most max into out; *pick tells which form was used
 * and *listed how many names symbols held (for the weight, even when one
 * is unknown). Returns the count, or -1 with the error written (-1128 both
 * sent, -1105 empty, -1100 malformed, -1121 unknown). */
int
sim_binance_market_symbols(const cb_httpd_req_t *req, cb_httpd_res_t *res, const sim_instrument_t **out,
                           size_t max, sim_binance_pick_t *pick, size_t *listed);

#endif
