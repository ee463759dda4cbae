/* sim_market.c - the simulated market: per instrument a book, a seeded price process with market makers, trades, candles and events */
#include <stdlib.h>
#include <string.h>

#include "cb_time.h"
#include "sim_history.h"
#include "sim_market.h"
#include "sim_past.h"
#include "sim_rand.h"

/* Maker ladder: this many levels a side, each one order, spaced around a
 * mid that walks in whole spacings. */
#define S_LEVELS 25
#define S_LISTENERS 8
/* Price-process walks per second, whatever the event rate, so volatility
 * does not grow with the rate. */
#define S_WALKS_PER_SECOND 4

typedef struct {
    const sim_instrument_t *in;
    sim_book_t *book;
    sim_history_t *history;
    uint64_t rng;
    uint64_t update_id;
    sim_fx_t mid;
    sim_fx_t spacing;
    uint64_t slots[2][S_LEVELS]; /* maker order ids; 0 when none */
    int64_t next_ns;
    sim_fx_t top_bid;
    sim_fx_t top_ask;
    sim_fx_t top_bid_qty;
    sim_fx_t top_ask_qty;
} s_inst_t;

typedef struct {
    sim_event_fn fn;
    void *ctx;
} s_listener_t;

struct sim_market {
    s_inst_t *insts;
    size_t count;
    uint64_t seed;
    int64_t start_s;
    uint32_t rate;
    bool paused;
    uint64_t next_order_id;
    s_listener_t listeners[S_LISTENERS];
    sim_market_fill_fn fill_fn;
    void *fill_ctx;
    /* Scratch for one submit's fills. */
    sim_fill_t *fills;
    size_t fills_count;
    size_t fills_cap;
    bool fills_failed;
};

static uint64_t
s_below(s_inst_t *inst, uint64_t n)
{
    return sim_rand_below(&inst->rng, n);
}

static void
s_emit(sim_market_t *market, const sim_event_t *ev)
{
    for (size_t i = 0; i < S_LISTENERS; i++) {
        if (market->listeners[i].fn != NULL) {
            market->listeners[i].fn(market->listeners[i].ctx, ev);
        }
    }
}

static void
s_track_top(sim_market_t *market, s_inst_t *inst, int64_t now_ns)
{
    (void) market;
    sim_fx_t bid_qty, ask_qty;
    sim_fx_t bid = sim_book_best(inst->book, SIM_BUY, &bid_qty);
    sim_fx_t ask = sim_book_best(inst->book, SIM_SELL, &ask_qty);
    if (bid != inst->top_bid || ask != inst->top_ask || bid_qty != inst->top_bid_qty ||
        ask_qty != inst->top_ask_qty) {
        inst->top_bid = bid;
        inst->top_ask = ask;
        inst->top_bid_qty = bid_qty;
        inst->top_ask_qty = ask_qty;
        sim_spread_t spread = {now_ns, bid, ask, bid_qty, ask_qty};
        sim_history_add_spread(inst->history, &spread);
    }
}

/* Delivers a level's current total as a book event. */
static void
s_level_event(sim_market_t *market, size_t index, sim_side_t side, sim_fx_t price, int64_t now_ns)
{
    s_inst_t *inst = &market->insts[index];
    inst->update_id++;
    sim_event_t ev = {.kind = SIM_EV_BOOK, .inst = index, .time_ns = now_ns, .update_id = inst->update_id,
                      .side = side, .price = price,
                      .qty = sim_book_level_qty(inst->book, side, price, NULL)};
    s_emit(market, &ev);
}

static void
s_collect_fill(void *ctx, const sim_fill_t *fill)
{
    sim_market_t *market = ctx;
    if (market->fills_count == market->fills_cap) {
        size_t cap = market->fills_cap == 0 ? 64 : market->fills_cap * 2;
        sim_fill_t *fills = realloc(market->fills, cap * sizeof *fills);
        if (fills == NULL) {
            market->fills_failed = true;
            return;
        }
        market->fills = fills;
        market->fills_cap = cap;
    }
    market->fills[market->fills_count++] = *fill;
}

sim_submit_rc_t
sim_market_submit(sim_market_t *market, size_t index, uint64_t id, uint32_t owner, sim_side_t side,
                  sim_fx_t price, sim_fx_t qty, unsigned flags, bool market_order, sim_fx_t *filled,
                  bool *rested)
{
    s_inst_t *inst = &market->insts[index];
    market->fills_count = 0;
    market->fills_failed = false;
    sim_submit_rc_t rc = sim_book_submit(inst->book, id, owner, side, price, qty, flags, s_collect_fill,
                                         market, filled, rested);
    if (rc == SIM_SUBMIT_WOULD_TAKE) {
        return rc;
    }
    int64_t now_ns = cb_time_now_ns();
    size_t nfills = market->fills_count;
    /* The fills array may be reused by a nested submit from a hook, so
     * trades are recorded and settled before any listener runs. */
    sim_trade_t *trades = nfills > 0 ? malloc(nfills * sizeof *trades) : NULL;
    for (size_t i = 0; i < nfills; i++) {
        const sim_fill_t *f = &market->fills[i];
        sim_trade_t t = {sim_history_next_trade_id(inst->history), now_ns, f->price, f->qty, side,
                         market_order, f->maker_id, f->taker_id};
        sim_history_add_trade(inst->history, &t);
        if (trades != NULL) {
            trades[i] = t;
        }
        if (market->fill_fn != NULL && (f->maker_owner != SIM_OWNER_MARKET || f->taker_owner != SIM_OWNER_MARKET)) {
            market->fill_fn(market->fill_ctx, index, f, &t);
        }
    }
    s_track_top(market, inst, now_ns);
    if (trades != NULL) {
        sim_side_t maker_side = side == SIM_BUY ? SIM_SELL : SIM_BUY;
        for (size_t i = 0; i < nfills; i++) {
            if (i == 0 || trades[i].price != trades[i - 1].price) {
                s_level_event(market, index, maker_side, trades[i].price, now_ns);
            }
        }
    }
    if (*rested) {
        s_level_event(market, index, side, price, now_ns);
    }
    for (size_t i = 0; trades != NULL && i < nfills; i++) {
        sim_event_t ev = {.kind = SIM_EV_TRADE, .inst = index, .time_ns = now_ns, .trade = &trades[i]};
        s_emit(market, &ev);
    }
    free(trades);
    return market->fills_failed ? SIM_SUBMIT_NOMEM : rc;
}

bool
sim_market_cancel(sim_market_t *market, size_t index, uint64_t id, sim_order_t *out)
{
    s_inst_t *inst = &market->insts[index];
    sim_order_t o;
    if (!sim_book_cancel(inst->book, id, &o)) {
        return false;
    }
    if (out != NULL) {
        *out = o;
    }
    int64_t now_ns = cb_time_now_ns();
    s_track_top(market, inst, now_ns);
    s_level_event(market, index, o.side, o.price, now_ns);
    return true;
}

bool
sim_market_amend_qty(sim_market_t *market, size_t index, uint64_t id, sim_fx_t new_qty)
{
    s_inst_t *inst = &market->insts[index];
    const sim_order_t *o = sim_book_find(inst->book, id);
    if (o == NULL) {
        return false;
    }
    sim_side_t side = o->side;
    sim_fx_t price = o->price;
    if (!sim_book_amend_qty(inst->book, id, new_qty)) {
        return false;
    }
    int64_t now_ns = cb_time_now_ns();
    s_track_top(market, inst, now_ns);
    s_level_event(market, index, side, price, now_ns);
    return true;
}

/* ---- the price process ------------------------------------------------------ */

static sim_fx_t
s_maker_qty(s_inst_t *inst)
{
    /* 0.2x .. 2x the typical level quantity, on the lot step. */
    sim_fx_t q = inst->in->level_qty / 10 * (sim_fx_t) (2 + s_below(inst, 19));
    q = sim_fx_round_to(q, inst->in->step, -1);
    return q < inst->in->min_qty ? inst->in->min_qty : q;
}

/* Replaces the maker order of one ladder slot with a fresh one at the
 * slot's price around the current mid (skipped when it would cross). */
static void
s_requote(sim_market_t *market, size_t index, sim_side_t side, size_t level)
{
    s_inst_t *inst = &market->insts[index];
    if (inst->slots[side][level] != 0) {
        sim_market_cancel(market, index, inst->slots[side][level], NULL);
        inst->slots[side][level] = 0;
    }
    sim_fx_t offset = inst->spacing * (sim_fx_t) (level + 1);
    sim_fx_t price = side == SIM_BUY ? inst->mid - offset : inst->mid + offset;
    if (price <= 0) {
        return;
    }
    uint64_t id = sim_market_next_order_id(market);
    sim_fx_t filled;
    bool rested;
    if (sim_market_submit(market, index, id, SIM_OWNER_MARKET, side, price, s_maker_qty(inst), SIM_POST_ONLY,
                          false, &filled, &rested) == SIM_SUBMIT_OK && rested) {
        inst->slots[side][level] = id;
    }
}

/* A taker market order: toward the mid when the book lags it, else a coin
 * toss. */
static void
s_take(sim_market_t *market, size_t index)
{
    s_inst_t *inst = &market->insts[index];
    sim_fx_t bid = sim_book_best(inst->book, SIM_BUY, NULL);
    sim_fx_t ask = sim_book_best(inst->book, SIM_SELL, NULL);
    sim_side_t side = s_below(inst, 2) == 0 ? SIM_BUY : SIM_SELL;
    if (ask != 0 && ask < inst->mid) {
        side = SIM_BUY;
    } else if (bid != 0 && bid > inst->mid) {
        side = SIM_SELL;
    }
    sim_fx_t qty = inst->in->level_qty / 20 * (sim_fx_t) (1 + s_below(inst, 30));
    qty = sim_fx_round_to(qty, inst->in->step, -1);
    if (qty < inst->in->min_qty) {
        qty = inst->in->min_qty;
    }
    sim_fx_t filled;
    bool rested;
    sim_market_submit(market, index, sim_market_next_order_id(market), SIM_OWNER_MARKET, side, 0, qty, SIM_IOC,
                      true, &filled, &rested);
}

static void
s_event(sim_market_t *market, size_t index)
{
    s_inst_t *inst = &market->insts[index];
    uint64_t walk_per_million = (uint64_t) S_WALKS_PER_SECOND * 1000000 / market->rate;
    if (walk_per_million > 200000) {
        walk_per_million = 200000;
    }
    if (s_below(inst, 1000000) < walk_per_million) {
        sim_fx_t step = s_below(inst, 2) == 0 ? inst->spacing : -inst->spacing;
        if (inst->mid + step > inst->spacing * (S_LEVELS + 10)) {
            inst->mid += step;
        }
        return;
    }
    uint64_t r = s_below(inst, 100);
    if (r < 70) {
        s_requote(market, index, (sim_side_t) s_below(inst, 2), (size_t) s_below(inst, S_LEVELS));
    } else {
        s_take(market, index);
    }
}

sim_market_t *
sim_market_new(uint64_t seed, uint32_t rate)
{
    sim_market_t *market = calloc(1, sizeof *market);
    if (market == NULL) {
        return NULL;
    }
    const sim_instrument_t *all = sim_instruments(&market->count);
    market->insts = calloc(market->count, sizeof *market->insts);
    market->rate = rate < 1 ? 1 : rate > 100000 ? 100000 : rate;
    market->next_order_id = 1;
    market->seed = seed;
    if (market->insts == NULL) {
        sim_market_destroy(&market);
        return NULL;
    }
    int64_t now_ns = cb_time_now_ns();
    market->start_s = now_ns / 1000000000;
    for (size_t i = 0; i < market->count; i++) {
        s_inst_t *inst = &market->insts[i];
        inst->in = &all[i];
        inst->rng = seed * 0x100000001b3ULL + i + 1;
        inst->book = sim_book_new();
        inst->history = sim_history_new(now_ns / 1000000000, all[i].start_price);
        if (inst->book == NULL || inst->history == NULL) {
            sim_market_destroy(&market);
            return NULL;
        }
        inst->mid = sim_fx_round_to(all[i].start_price, all[i].tick, 0);
        /* Half a basis point of the price, on the tick. */
        inst->spacing = sim_fx_round_to(all[i].start_price / 20000, all[i].tick, 1);
        if (inst->spacing < all[i].tick) {
            inst->spacing = all[i].tick;
        }
        inst->next_ns = 0; /* the first step starts the clock */
        for (size_t level = 0; level < S_LEVELS; level++) {
            s_requote(market, i, SIM_BUY, level);
            s_requote(market, i, SIM_SELL, level);
        }
    }
    return market;
}

int
sim_market_set_past(sim_market_t *market, int days)
{
    size_t n = days > 0 ? (size_t) days * 1440 : 0;
    n = n < SIM_PAST_MINUTES_MAX ? n : SIM_PAST_MINUTES_MAX;
    if (n == 0) {
        return 0;
    }
    sim_candle_t *minutes = malloc(n * sizeof *minutes);
    if (minutes == NULL) {
        return -1;
    }
    int64_t end_s = market->start_s - market->start_s % 60;
    for (size_t i = 0; i < market->count; i++) {
        s_inst_t *inst = &market->insts[i];
        sim_past_minutes(inst->in, market->seed, end_s, inst->mid, 1, n, minutes);
        sim_history_set_past(inst->history, minutes, n);
    }
    free(minutes);
    return 0;
}

void
sim_market_destroy(sim_market_t **market_p)
{
    if (market_p == NULL || *market_p == NULL) {
        return;
    }
    sim_market_t *market = *market_p;
    for (size_t i = 0; market->insts != NULL && i < market->count; i++) {
        sim_book_destroy(&market->insts[i].book);
        sim_history_destroy(&market->insts[i].history);
    }
    free(market->insts);
    free(market->fills);
    free(market);
    *market_p = NULL;
}

void
sim_market_set_rate(sim_market_t *market, uint32_t rate)
{
    market->rate = rate < 1 ? 1 : rate > 100000 ? 100000 : rate;
}

void
sim_market_pause(sim_market_t *market, bool paused)
{
    market->paused = paused;
}

int64_t
sim_market_step(sim_market_t *market, int64_t now_ns)
{
    int64_t interval = 1000000000LL / market->rate;
    int64_t wait = INT64_MAX;
    for (size_t i = 0; i < market->count; i++) {
        s_inst_t *inst = &market->insts[i];
        if (market->paused || now_ns - inst->next_ns > 1000000000LL) {
            inst->next_ns = now_ns;
        }
        while (!market->paused && inst->next_ns <= now_ns) {
            s_event(market, i);
            inst->next_ns += interval;
        }
        int64_t due = inst->next_ns - now_ns;
        wait = due < wait ? due : wait;
    }
    return market->paused ? 100000000LL : (wait > 0 ? wait : 0);
}

bool
sim_market_listen(sim_market_t *market, sim_event_fn fn, void *ctx)
{
    for (size_t i = 0; i < S_LISTENERS; i++) {
        if (market->listeners[i].fn == NULL) {
            market->listeners[i] = (s_listener_t){fn, ctx};
            return true;
        }
    }
    return false;
}

void
sim_market_unlisten(sim_market_t *market, sim_event_fn fn, void *ctx)
{
    for (size_t i = 0; i < S_LISTENERS; i++) {
        if (market->listeners[i].fn == fn && market->listeners[i].ctx == ctx) {
            market->listeners[i] = (s_listener_t){NULL, NULL};
        }
    }
}

void
sim_market_on_fill(sim_market_t *market, sim_market_fill_fn fn, void *ctx)
{
    market->fill_fn = fn;
    market->fill_ctx = ctx;
}

uint64_t
sim_market_next_order_id(sim_market_t *market)
{
    return market->next_order_id++;
}

const sim_book_t *
sim_market_book(const sim_market_t *market, size_t index)
{
    return market->insts[index].book;
}

uint64_t
sim_market_update_id(const sim_market_t *market, size_t index)
{
    return market->insts[index].update_id;
}

bool
sim_market_last_trade(const sim_market_t *market, size_t index, sim_trade_t *out)
{
    return sim_history_last_trade(market->insts[index].history, out);
}

sim_fx_t
sim_market_last_price(const sim_market_t *market, size_t index)
{
    sim_trade_t t;
    return sim_history_last_trade(market->insts[index].history, &t) ? t.price : market->insts[index].mid;
}

size_t
sim_market_trades_since(const sim_market_t *market, size_t index, uint64_t since_id, size_t max, sim_trade_t *out)
{
    return sim_history_trades_since(market->insts[index].history, since_id, max, out);
}

size_t
sim_market_trades_recent(const sim_market_t *market, size_t index, size_t max, sim_trade_t *out)
{
    return sim_history_trades_recent(market->insts[index].history, max, out);
}

size_t
sim_market_candles(const sim_market_t *market, size_t index, int64_t interval_s, int64_t from_s, int64_t to_s,
                   size_t max, bool newest, sim_candle_t *out)
{
    return sim_history_candles(market->insts[index].history, interval_s, from_s, to_s, max, newest,
                               cb_time_now_ns() / 1000000000, out);
}

void
sim_market_stats(const sim_market_t *market, size_t index, int64_t from_s, int64_t to_s, sim_candle_t *out)
{
    sim_history_stats(market->insts[index].history, from_s, to_s, out);
}

size_t
sim_market_spreads_since(const sim_market_t *market, size_t index, int64_t since_ns, size_t max, sim_spread_t *out)
{
    return sim_history_spreads_since(market->insts[index].history, since_ns, max, out);
}
