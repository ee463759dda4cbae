/* sim_instruments.h - the simulated venues' instruments: ids, names, tick and lot sizes, minimums, fees */
#ifndef SIM_INSTRUMENTS_H_INCLUDED
#define SIM_INSTRUMENTS_H_INCLUDED

#include <stddef.h>

#include "sim_fixed.h"

typedef enum { SIM_VENUE_KRAKEN = 0, SIM_VENUE_BINANCE = 1, SIM_VENUE_COUNT } sim_venue_t;

/* Static, read-only. Kraken names: pair id (XXBTZUSD), altname (XBTUSD),
 * v1 wsname (XBT/USD), v2 symbol (BTC/USD), asset ids (XXBT, ZUSD). Binance:
 * symbol (BTCUSDT), base/quote assets. */
typedef struct {
    sim_venue_t venue;
    const char *coinbus;      /* BTC-USD / BTC-USDT */
    const char *id;           /* XXBTZUSD / BTCUSDT */
    const char *altname;      /* XBTUSD / BTCUSDT */
    const char *wsname;       /* XBT/USD / (Binance: lower-case stream name btcusdt) */
    const char *ws2name;      /* BTC/USD / (Binance: same as id) */
    const char *base;         /* XXBT / BTC */
    const char *quote;        /* ZUSD / USDT */
    const char *base_alt;     /* XBT / BTC */
    const char *quote_alt;    /* USD / USDT */
    int price_decimals;       /* digits of the tick */
    int qty_decimals;         /* digits of the lot step */
    int cost_decimals;
    sim_fx_t tick;
    sim_fx_t step;            /* quantity step */
    sim_fx_t min_qty;
    sim_fx_t max_qty;
    sim_fx_t min_notional;
    sim_fx_t maker_fee_bps;   /* fee in basis points x 1e-8 (sim_fx): 0.25% = 25 * SIM_SCALE */
    sim_fx_t taker_fee_bps;
    sim_fx_t start_price;
    sim_fx_t level_qty;       /* typical maker quantity per level */
} sim_instrument_t;

/* All instruments, Kraken first; *count receives the number. */
const sim_instrument_t *
sim_instruments(size_t *count);

/* Finds a venue's instrument by id, altname or (Kraken) wsname / v2 name,
 * case-sensitive as the venues are; NULL when unknown. */
const sim_instrument_t *
sim_instrument_find(sim_venue_t venue, const char *name, size_t len);

#endif
