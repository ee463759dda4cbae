/* sim_instruments.c - the simulated venues' instruments: ids, names, tick and lot sizes, minimums, fees */
#include <string.h>

#include "sim_instruments.h"

#define FX(units, frac) ((sim_fx_t) (units) * SIM_SCALE + (sim_fx_t) (frac))

/* Tick and lot sizes follow the venues' published values for these pairs
 * (Kraken AssetPairs, Binance exchangeInfo); fees are the venues' entry tiers
 * (Kraken 0.25% maker / 0.40% taker, Binance 0.10% / 0.10%). */
static const sim_instrument_t s_instruments[] = {
    {SIM_VENUE_KRAKEN, "BTC-USD", "XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD", "XXBT", "ZUSD", "XBT",
     "USD", 1, 8, 5, FX(0, 10000000), FX(0, 1), FX(0, 5000), FX(100000, 0), FX(0, 50000000),
     FX(25, 0), FX(40, 0), FX(65000, 0), FX(0, 25000000)},
    {SIM_VENUE_KRAKEN, "ETH-USD", "XETHZUSD", "ETHUSD", "ETH/USD", "ETH/USD", "XETH", "ZUSD", "ETH",
     "USD", 2, 8, 5, FX(0, 1000000), FX(0, 1), FX(0, 200000), FX(100000, 0), FX(0, 50000000),
     FX(25, 0), FX(40, 0), FX(3200, 0), FX(2, 0)},
    {SIM_VENUE_KRAKEN, "SOL-USD", "SOLUSD", "SOLUSD", "SOL/USD", "SOL/USD", "SOL", "ZUSD", "SOL",
     "USD", 2, 8, 5, FX(0, 1000000), FX(0, 1), FX(0, 2000000), FX(1000000, 0), FX(0, 50000000),
     FX(25, 0), FX(40, 0), FX(150, 0), FX(40, 0)},
    {SIM_VENUE_BINANCE, "BTC-USDT", "BTCUSDT", "BTCUSDT", "btcusdt", "BTCUSDT", "BTC", "USDT", "BTC",
     "USDT", 2, 5, 8, FX(0, 1000000), FX(0, 1000), FX(0, 1000), FX(9000, 0), FX(5, 0), FX(10, 0),
     FX(10, 0), FX(65000, 0), FX(0, 25000000)},
    {SIM_VENUE_BINANCE, "ETH-USDT", "ETHUSDT", "ETHUSDT", "ethusdt", "ETHUSDT", "ETH", "USDT", "ETH",
     "USDT", 2, 4, 8, FX(0, 1000000), FX(0, 10000), FX(0, 10000), FX(9000, 0), FX(5, 0),
     FX(10, 0), FX(10, 0), FX(3200, 0), FX(2, 0)},
    {SIM_VENUE_BINANCE, "SOL-USDT", "SOLUSDT", "SOLUSDT", "solusdt", "SOLUSDT", "SOL", "USDT", "SOL",
     "USDT", 2, 3, 8, FX(0, 1000000), FX(0, 100000), FX(0, 100000), FX(90000, 0), FX(5, 0),
     FX(10, 0), FX(10, 0), FX(150, 0), FX(40, 0)},
};

const sim_instrument_t *
sim_instruments(size_t *count)
{
    *count = sizeof s_instruments / sizeof s_instruments[0];
    return s_instruments;
}

static bool
s_is(const char *name, size_t len, const char *want)
{
    return want != NULL && strlen(want) == len && memcmp(name, want, len) == 0;
}

const sim_instrument_t *
sim_instrument_find(sim_venue_t venue, const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof s_instruments / sizeof s_instruments[0]; i++) {
        const sim_instrument_t *in = &s_instruments[i];
        if (in->venue == venue &&
            (s_is(name, len, in->id) || s_is(name, len, in->altname) ||
             (venue == SIM_VENUE_KRAKEN && (s_is(name, len, in->wsname) || s_is(name, len, in->ws2name))))) {
            return in;
        }
    }
    return NULL;
}
