/* sim_history.c - one instrument's market history: recent trades, 1-second and 1-minute candles, top-of-book changes */
#include <stdlib.h>

#include "sim_history.h"

struct sim_history {
    int64_t start_s;
    sim_fx_t start_price;
    uint64_t last_trade_id;
    uint64_t first_live_id; /* the first trade recorded here; older ids are the past's */
    size_t spread_count; /* ever recorded */
    sim_trade_t trades[SIM_TRADES_KEPT];
    sim_candle_t seconds[SIM_SECONDS_KEPT];
    sim_candle_t minutes[SIM_MINUTES_KEPT];
    sim_spread_t spreads[SIM_SPREADS_KEPT];
};

/* One week of candles starts on Monday 00:00 UTC, as Binance's 1w does;
 * 1970-01-05 was a Monday. */
#define S_WEEK 604800
#define S_MONDAY_OFFSET 345600

sim_history_t *
sim_history_new(int64_t start_s, sim_fx_t start_price)
{
    sim_history_t *history = calloc(1, sizeof *history);
    if (history != NULL) {
        history->start_s = start_s;
        history->start_price = start_price;
        history->first_live_id = 1;
    }
    return history;
}

void
sim_history_set_past(sim_history_t *history, const sim_candle_t *minutes, size_t n)
{
    if (n == 0) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        history->minutes[(minutes[i].open_s / 60) % SIM_MINUTES_KEPT] = minutes[i];
    }
    history->start_s = minutes[0].open_s;
    history->last_trade_id = minutes[n - 1].last_trade_id;
    history->first_live_id = history->last_trade_id + 1;
}

void
sim_history_destroy(sim_history_t **history_p)
{
    if (history_p == NULL || *history_p == NULL) {
        return;
    }
    free(*history_p);
    *history_p = NULL;
}

static int64_t
s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
s_align(int64_t t, int64_t interval)
{
    if (interval == S_WEEK) {
        return s_floor_div(t - S_MONDAY_OFFSET, S_WEEK) * S_WEEK + S_MONDAY_OFFSET;
    }
    return s_floor_div(t, interval) * interval;
}

static void
s_candle_add(sim_candle_t *c, int64_t open_s, const sim_trade_t *t)
{
    if (c->open_s != open_s || c->trades == 0) {
        *c = (sim_candle_t){.open_s = open_s, .open = t->price, .high = t->price, .low = t->price,
                            .first_trade_id = t->id};
    }
    sim_fx_t quote = 0;
    (void) sim_fx_mul(t->price, t->qty, &quote);
    c->high = t->price > c->high ? t->price : c->high;
    c->low = t->price < c->low ? t->price : c->low;
    c->close = t->price;
    c->volume += t->qty;
    c->quote_volume += quote;
    if (t->taker_side == SIM_BUY) {
        c->taker_buy_volume += t->qty;
        c->taker_buy_quote_volume += quote;
    }
    c->trades++;
    c->last_trade_id = t->id;
}

void
sim_history_add_trade(sim_history_t *history, const sim_trade_t *trade)
{
    history->trades[trade->id % SIM_TRADES_KEPT] = *trade;
    history->last_trade_id = trade->id;
    int64_t sec = s_floor_div(trade->time_ns, 1000000000);
    int64_t min = s_floor_div(sec, 60) * 60;
    s_candle_add(&history->seconds[sec % SIM_SECONDS_KEPT], sec, trade);
    s_candle_add(&history->minutes[(min / 60) % SIM_MINUTES_KEPT], min, trade);
}

uint64_t
sim_history_next_trade_id(const sim_history_t *history)
{
    return history->last_trade_id + 1;
}

bool
sim_history_last_trade(const sim_history_t *history, sim_trade_t *out)
{
    if (history->last_trade_id < history->first_live_id) {
        return false;
    }
    *out = history->trades[history->last_trade_id % SIM_TRADES_KEPT];
    return true;
}

static uint64_t
s_oldest_trade_id(const sim_history_t *history)
{
    uint64_t last = history->last_trade_id;
    uint64_t first = history->first_live_id;
    return last >= first + SIM_TRADES_KEPT ? last - SIM_TRADES_KEPT + 1 : first;
}

static size_t
s_copy_trades(const sim_history_t *history, uint64_t first, size_t max, sim_trade_t *out)
{
    size_t n = 0;
    for (uint64_t id = first; id <= history->last_trade_id && n < max; id++) {
        out[n++] = history->trades[id % SIM_TRADES_KEPT];
    }
    return n;
}

size_t
sim_history_trades_since(const sim_history_t *history, uint64_t since_id, size_t max, sim_trade_t *out)
{
    uint64_t first = s_oldest_trade_id(history);
    if (since_id >= first) {
        first = since_id + 1;
    }
    return s_copy_trades(history, first, max, out);
}

size_t
sim_history_trades_recent(const sim_history_t *history, size_t max, sim_trade_t *out)
{
    uint64_t first = s_oldest_trade_id(history);
    if (max == 0 || history->last_trade_id < history->first_live_id) {
        return 0;
    }
    if (history->last_trade_id >= max && history->last_trade_id - max + 1 > first) {
        first = history->last_trade_id - max + 1;
    }
    return s_copy_trades(history, first, max, out);
}

/* The kept candle of width base (1 or 60) opening at t, or NULL. */
static const sim_candle_t *
s_kept(const sim_history_t *history, int64_t base, int64_t t)
{
    const sim_candle_t *c = base == 1 ? &history->seconds[t % SIM_SECONDS_KEPT]
                                      : &history->minutes[(t / 60) % SIM_MINUTES_KEPT];
    return c->trades > 0 && c->open_s == t ? c : NULL;
}

/* The last traded price before t (seconds), or the start price. */
static sim_fx_t
s_price_before(const sim_history_t *history, int64_t t)
{
    for (int64_t s = t - 1; s >= t - SIM_SECONDS_KEPT && s >= history->start_s; s--) {
        const sim_candle_t *c = s_kept(history, 1, s);
        if (c != NULL) {
            return c->close;
        }
    }
    for (int64_t m = s_align(t, 60) - 60; m >= t - (int64_t) SIM_MINUTES_KEPT * 60 && m >= s_align(history->start_s, 60);
         m -= 60) {
        const sim_candle_t *c = s_kept(history, 60, m);
        if (c != NULL) {
            return c->close;
        }
    }
    return history->start_price;
}

static void
s_merge(sim_candle_t *agg, const sim_candle_t *c)
{
    if (agg->trades == 0) {
        agg->open = c->open;
        agg->high = c->high;
        agg->low = c->low;
        agg->first_trade_id = c->first_trade_id;
    } else {
        agg->high = c->high > agg->high ? c->high : agg->high;
        agg->low = c->low < agg->low ? c->low : agg->low;
    }
    agg->close = c->close;
    agg->volume += c->volume;
    agg->quote_volume += c->quote_volume;
    agg->taker_buy_volume += c->taker_buy_volume;
    agg->taker_buy_quote_volume += c->taker_buy_quote_volume;
    agg->trades += c->trades;
    agg->last_trade_id = c->last_trade_id;
}

/* Aggregates the kept base candles opening in [from, to) into out (opening
 * at open_s); an empty result carries prev as its four prices. */
static void
s_aggregate(const sim_history_t *history, int64_t base, int64_t open_s, int64_t from, int64_t to,
            sim_fx_t prev, sim_candle_t *out)
{
    *out = (sim_candle_t){.open_s = open_s};
    for (int64_t t = s_align(from, base); t < to; t += base) {
        const sim_candle_t *c = s_kept(history, base, t);
        if (c != NULL) {
            s_merge(out, c);
        }
    }
    if (out->trades == 0) {
        out->open = out->high = out->low = out->close = prev;
    }
}

size_t
sim_history_candles(const sim_history_t *history, int64_t interval_s, int64_t from_s, int64_t to_s,
                    size_t max, bool newest, int64_t now_s, sim_candle_t *out)
{
    int64_t base = interval_s == 1 ? 1 : 60;
    if (max == 0 || interval_s < 1 || (interval_s != 1 && (interval_s % 60 != 0 || interval_s > S_WEEK))) {
        return 0;
    }
    int64_t oldest = base == 1 ? now_s - (SIM_SECONDS_KEPT - 1) : s_align(now_s, 60) - (SIM_MINUTES_KEPT - 1) * 60;
    int64_t from = from_s > history->start_s ? from_s : history->start_s;
    from = from > oldest ? from : oldest;
    int64_t to = to_s < now_s ? to_s : now_s;
    if (from > to) {
        return 0;
    }
    int64_t first = s_align(from, interval_s);
    int64_t last = s_align(to, interval_s);
    uint64_t n = (uint64_t) ((last - first) / interval_s) + 1;
    if (n > max) {
        if (newest) {
            first = last - (int64_t) (max - 1) * interval_s;
        } else {
            last = first + (int64_t) (max - 1) * interval_s;
        }
    }
    sim_fx_t prev = s_price_before(history, first > history->start_s ? first : history->start_s);
    size_t count = 0;
    for (int64_t b = first; b <= last; b += interval_s) {
        int64_t lo = b > oldest ? b : oldest;
        int64_t hi = b + interval_s < now_s + 1 ? b + interval_s : now_s + 1;
        s_aggregate(history, base, b, lo, hi, prev, &out[count]);
        prev = out[count].close;
        count++;
    }
    return count;
}

void
sim_history_stats(const sim_history_t *history, int64_t from_s, int64_t to_s, sim_candle_t *out)
{
    sim_fx_t prev = s_price_before(history, from_s);
    s_aggregate(history, 60, from_s, from_s, to_s, prev, out);
}

void
sim_history_add_spread(sim_history_t *history, const sim_spread_t *spread)
{
    history->spreads[history->spread_count % SIM_SPREADS_KEPT] = *spread;
    history->spread_count++;
}

size_t
sim_history_spreads_since(const sim_history_t *history, int64_t since_ns, size_t max, sim_spread_t *out)
{
    size_t first = history->spread_count > SIM_SPREADS_KEPT ? history->spread_count - SIM_SPREADS_KEPT : 0;
    size_t n = 0;
    for (size_t i = first; i < history->spread_count && n < max; i++) {
        const sim_spread_t *s = &history->spreads[i % SIM_SPREADS_KEPT];
        if (s->time_ns > since_ns) {
            out[n++] = *s;
        }
    }
    return n;
}
