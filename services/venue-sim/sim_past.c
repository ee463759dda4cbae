/* sim_past.c - a synthetic market past: seeded 1-minute candles that end at an instrument's start price */
#include "sim_past.h"
#include "cb_hash.h"
#include "sim_rand.h"

/* One minute's move is uniform in +-S_STEP_PPM parts per million: a
 * standard deviation of about 7.7 basis points, what the live process's four
 * half-basis-point walks a second give over a minute (about 3% a day). */
#define S_STEP_PPM 1333
/* Wicks reach up to this far beyond the open and close. */
#define S_WICK_PPM 600
#define S_PPM 1000000
/* Trades per minute: S_TRADES_MIN plus up to S_TRADES_SPREAD - 1. */
#define S_TRADES_MIN 40
#define S_TRADES_SPREAD 320

/* price x (1e6 + ppm) / 1e6 on the tick (mode as sim_fx_round_to). */
static sim_fx_t
s_scale(sim_fx_t price, int64_t ppm, sim_fx_t tick, int mode)
{
    sim_fx_t v = (sim_fx_t) ((__int128) price * (S_PPM + ppm) / S_PPM);
    return sim_fx_round_to(v, tick, mode);
}

/* The candle's prices and amounts, given its close; returns its open. */
static sim_fx_t
s_minute(const sim_instrument_t *in, uint64_t *rng, sim_fx_t close, sim_fx_t floor,
         sim_fx_t ceiling, sim_candle_t *c)
{
    int64_t move = (int64_t) sim_rand_below(rng, 2 * S_STEP_PPM + 1) - S_STEP_PPM;
    sim_fx_t open = s_scale(close, move, in->tick, 0);
    if (open < floor || open > ceiling) {
        open = s_scale(close, -move, in->tick, 0);
    }
    sim_fx_t top = open > close ? open : close;
    sim_fx_t bottom = open < close ? open : close;
    c->open = open;
    c->close = close;
    c->high = s_scale(top, (int64_t) sim_rand_below(rng, S_WICK_PPM), in->tick, 1);
    c->low = s_scale(bottom, -(int64_t) sim_rand_below(rng, S_WICK_PPM), in->tick, -1);
    c->low = c->low < in->tick ? in->tick : c->low;
    c->trades = (uint32_t) (S_TRADES_MIN + sim_rand_below(rng, S_TRADES_SPREAD));
    /* Takers trade 1..30 twentieths of a level, as the live takers do. */
    sim_fx_t units = (sim_fx_t) c->trades * (sim_fx_t) (5 + sim_rand_below(rng, 21));
    sim_fx_t volume = sim_fx_round_to(in->level_qty / 20 * units, in->step, -1);
    c->volume = volume < in->min_qty ? in->min_qty : volume;
    c->taker_buy_volume =
        sim_fx_round_to(c->volume / 100 * (sim_fx_t) (30 + sim_rand_below(rng, 41)), in->step, -1);
    /* The trades' average price: the middle of the candle, on the tick. */
    sim_fx_t vwap = sim_fx_round_to((c->open + c->close + c->high + c->low) / 4, in->tick, 0);
    (void) sim_fx_mul(vwap, c->volume, &c->quote_volume);
    (void) sim_fx_mul(vwap, c->taker_buy_volume, &c->taker_buy_quote_volume);
    return open;
}

uint64_t
sim_past_minutes(const sim_instrument_t *in, uint64_t seed, int64_t end_s, sim_fx_t end_price,
                 uint64_t first_trade_id, size_t n, sim_candle_t *out)
{
    /* FNV-1a of the instrument id, so each instrument walks its own way. */
    uint64_t rng = cb_fnv1a64_str(CB_FNV1A64_INIT, in->id);
    /* A stream of its own, so that the past never changes the live market
     * of the same seed. */
    rng ^= seed * 0xd6e8feb86659fd93ULL + 0x70617374ULL;
    sim_fx_t close = sim_fx_round_to(end_price, in->tick, 0);
    close = close < in->tick ? in->tick : close;
    /* The walk stays within a factor of four of where it ends. */
    sim_fx_t floor = close / 4 > in->tick ? close / 4 : in->tick;
    sim_fx_t ceiling = close * 4;
    for (size_t k = n; k-- > 0;) {
        out[k] = (sim_candle_t){.open_s = end_s - (int64_t) (n - k) * 60};
        close = s_minute(in, &rng, close, floor, ceiling, &out[k]);
    }
    uint64_t id = first_trade_id;
    for (size_t k = 0; k < n; k++) {
        out[k].first_trade_id = id;
        id += out[k].trades;
        out[k].last_trade_id = id - 1;
    }
    return id;
}
