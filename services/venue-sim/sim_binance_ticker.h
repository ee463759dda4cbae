/* sim_binance_ticker.h - Binance price statistics: avgPrice, ticker/24hr, price, bookTicker */
#ifndef SIM_BINANCE_TICKER_H_INCLUDED
#define SIM_BINANCE_TICKER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_httpd.h"
#include "sim.h"
#include "sim_market.h"

/* Binance's rolling 24-hour statistics of one symbol (at the market's
 * minute resolution), as ticker/24hr and the <symbol>@ticker stream show
 * them. Amounts are exact sim_fx_t; ids are -1 when the window has no trade. */
typedef struct {
    sim_candle_t day;       /* open, high, low, volume, quote volume, trade count */
    sim_fx_t prev_close;    /* the price before the window */
    sim_fx_t change;        /* last - open */
    sim_fx_t change_pct;    /* percent, rounded half up to 3 decimals */
    sim_fx_t vwap;          /* quote volume / volume, 0 without volume */
    sim_trade_t last;       /* the last trade (qty 0: none, price the mid) */
    sim_fx_t bid, bid_qty, ask, ask_qty;
    long long first_id, last_id;
    long long open_ms, close_ms;
} sim_binance_24hr_t;

/* Fills *out with the statistics of the Binance instrument at index idx of
 * sim_instruments() for the 24 hours up to now_ns. */
void
sim_binance_ticker_stats(const sim_market_t *market, size_t idx, int64_t now_ns, sim_binance_24hr_t *out);

/* Answers avgPrice and the ticker/... endpoints (name: len bytes after
 * /api/v3/) into res and sets *weight as documented for the parameters
 * sent; false when name is none of them (nothing written). */
bool
sim_binance_ticker_handle(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req,
                          cb_httpd_res_t *res, int *weight);

#endif
