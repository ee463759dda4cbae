/* test_sim_market.c - venue-sim's market: seeded repeatability, a sound book, book events that rebuild it, trades that add up to candles, a seeded synthetic past */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cb_time.h"
#include "sim_market.h"
#include "sim_past.h"

#define S_RATE 1000

/* Runs n process events per instrument, stepping a clock from now. */
static void
s_run(sim_market_t *m, int64_t start_ns, int events)
{
    int64_t interval = 1000000000LL / S_RATE;
    for (int k = 1; k <= events; k++) {
        sim_market_step(m, start_ns + k * interval);
    }
}

static void
test_same_seed_same_market(void **state)
{
    (void) state;
    int64_t now = cb_time_now_ns();
    sim_market_t *a = sim_market_new(42, S_RATE);
    sim_market_t *b = sim_market_new(42, S_RATE);
    sim_market_t *c = sim_market_new(43, S_RATE);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    s_run(a, now, 800);
    s_run(b, now, 800);
    s_run(c, now, 800);
    size_t count;
    sim_instruments(&count);
    bool differs = false;
    for (size_t i = 0; i < count; i++) {
        for (int side = 0; side < 2; side++) {
            sim_level_t la[40], lb[40], lc[40];
            size_t na = sim_book_levels(sim_market_book(a, i), (sim_side_t) side, 40, la);
            size_t nb = sim_book_levels(sim_market_book(b, i), (sim_side_t) side, 40, lb);
            size_t nc = sim_book_levels(sim_market_book(c, i), (sim_side_t) side, 40, lc);
            assert_int_equal(na, nb);
            for (size_t k = 0; k < na; k++) {
                assert_int_equal(la[k].price, lb[k].price);
                assert_int_equal(la[k].qty, lb[k].qty);
                assert_int_equal(la[k].orders, lb[k].orders);
                differs = differs || k >= nc || la[k].price != lc[k].price || la[k].qty != lc[k].qty;
            }
        }
        assert_int_equal(sim_market_update_id(a, i), sim_market_update_id(b, i));
    }
    assert_true(differs);
    sim_market_destroy(&a);
    sim_market_destroy(&b);
    sim_market_destroy(&c);
    assert_null(a);
}

static void
test_book_stays_sound(void **state)
{
    (void) state;
    sim_market_t *m = sim_market_new(7, S_RATE);
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    for (size_t i = 0; i < count; i++) {
        sim_level_t bids[30], asks[30];
        assert_int_equal(sim_book_levels(sim_market_book(m, i), SIM_BUY, 30, bids), 25);
        assert_int_equal(sim_book_levels(sim_market_book(m, i), SIM_SELL, 30, asks), 25);
    }
    int64_t now = cb_time_now_ns();
    for (int round = 0; round < 20; round++) {
        s_run(m, now + (int64_t) round * 200000000LL, 200);
        for (size_t i = 0; i < count; i++) {
            const sim_book_t *book = sim_market_book(m, i);
            sim_fx_t bid = sim_book_best(book, SIM_BUY, NULL);
            sim_fx_t ask = sim_book_best(book, SIM_SELL, NULL);
            assert_true(bid > 0 && ask > bid);
            assert_int_equal(bid % all[i].tick, 0);
            assert_int_equal(ask % all[i].tick, 0);
            size_t nb = sim_book_count(book, SIM_BUY);
            size_t na = sim_book_count(book, SIM_SELL);
            assert_true(nb >= 10 && nb <= 25);
            assert_true(na >= 10 && na <= 25);
        }
    }
    sim_market_destroy(&m);
}

/* A client's view of one instrument's book, rebuilt from events only. */
typedef struct {
    size_t inst;
    uint64_t last_update_id;
    bool gap;
    sim_level_t levels[2][256];
    size_t count[2];
    size_t trades;
    uint64_t last_trade_id;
} s_view_t;

static void
s_on_event(void *ctx, const sim_event_t *ev)
{
    s_view_t *v = ctx;
    if (ev->inst != v->inst) {
        return;
    }
    if (ev->kind == SIM_EV_TRADE) {
        v->trades++;
        if (ev->trade->id != v->last_trade_id + 1) {
            v->gap = true;
        }
        v->last_trade_id = ev->trade->id;
        return;
    }
    if (ev->update_id != v->last_update_id + 1) {
        v->gap = true;
    }
    v->last_update_id = ev->update_id;
    sim_level_t *levels = v->levels[ev->side];
    size_t *n = &v->count[ev->side];
    for (size_t k = 0; k < *n; k++) {
        if (levels[k].price == ev->price) {
            if (ev->qty == 0) {
                levels[k] = levels[--*n];
            } else {
                levels[k].qty = ev->qty;
            }
            return;
        }
    }
    if (ev->qty != 0) {
        assert_true(*n < 256);
        levels[(*n)++] = (sim_level_t){ev->price, ev->qty, 0};
    }
}

static int
s_cmp_desc(const void *a, const void *b)
{
    sim_fx_t pa = ((const sim_level_t *) a)->price, pb = ((const sim_level_t *) b)->price;
    return pa < pb ? 1 : pa > pb ? -1 : 0;
}

static int
s_cmp_asc(const void *a, const void *b)
{
    return -s_cmp_desc(a, b);
}

static void
test_events_rebuild_the_book(void **state)
{
    (void) state;
    sim_market_t *m = sim_market_new(11, S_RATE);
    s_view_t *v = calloc(1, sizeof *v);
    v->inst = 0;
    /* Start from the book as it is (a REST snapshot), then follow events. */
    v->count[SIM_BUY] = sim_book_levels(sim_market_book(m, 0), SIM_BUY, 256, v->levels[SIM_BUY]);
    v->count[SIM_SELL] = sim_book_levels(sim_market_book(m, 0), SIM_SELL, 256, v->levels[SIM_SELL]);
    v->last_update_id = sim_market_update_id(m, 0);
    sim_trade_t last;
    v->last_trade_id = sim_market_last_trade(m, 0, &last) ? last.id : 0;
    assert_true(sim_market_listen(m, s_on_event, v));
    s_run(m, cb_time_now_ns(), 3000);
    assert_false(v->gap);
    assert_true(v->trades > 100);
    for (int side = 0; side < 2; side++) {
        sim_level_t want[256];
        size_t n = sim_book_levels(sim_market_book(m, 0), (sim_side_t) side, 256, want);
        assert_int_equal(n, v->count[side]);
        qsort(v->levels[side], n, sizeof(sim_level_t), side == SIM_BUY ? s_cmp_desc : s_cmp_asc);
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(want[k].price, v->levels[side][k].price);
            assert_int_equal(want[k].qty, v->levels[side][k].qty);
        }
    }
    sim_market_unlisten(m, s_on_event, v);
    free(v);
    sim_market_destroy(&m);
}

static void
test_trades_add_up_to_candles(void **state)
{
    (void) state;
    sim_market_t *m = sim_market_new(5, S_RATE);
    int64_t start_s = cb_time_now_ns() / 1000000000;
    s_run(m, cb_time_now_ns(), 4000);
    size_t n_trades;
    sim_trade_t *trades = calloc(SIM_TRADES_KEPT, sizeof *trades);
    n_trades = sim_market_trades_since(m, 0, 0, SIM_TRADES_KEPT, trades);
    assert_true(n_trades > 200 && n_trades < SIM_TRADES_KEPT);
    sim_fx_t volume = 0, high = 0, low = INT64_MAX;
    for (size_t k = 0; k < n_trades; k++) {
        assert_int_equal(trades[k].id, k + 1);
        volume += trades[k].qty;
        high = trades[k].price > high ? trades[k].price : high;
        low = trades[k].price < low ? trades[k].price : low;
    }
    int64_t now_s = cb_time_now_ns() / 1000000000;
    sim_candle_t candles[8];
    size_t nc = sim_market_candles(m, 0, 60, start_s - 600, now_s, 8, true, candles);
    assert_true(nc >= 1 && nc <= 2);
    sim_fx_t cvol = 0;
    uint32_t ctrades = 0;
    for (size_t k = 0; k < nc; k++) {
        cvol += candles[k].volume;
        ctrades += candles[k].trades;
    }
    assert_int_equal(cvol, volume);
    assert_int_equal(ctrades, n_trades);
    sim_candle_t day;
    sim_market_stats(m, 0, now_s - 86400, now_s + 1, &day);
    assert_int_equal(day.volume, volume);
    assert_int_equal(day.high, high);
    assert_int_equal(day.low, low);
    assert_int_equal(day.open, trades[0].price);
    assert_int_equal(day.close, trades[n_trades - 1].price);
    /* Recent trades: the newest ones, oldest first. */
    sim_trade_t recent[3];
    assert_int_equal(sim_market_trades_recent(m, 0, 3, recent), 3);
    assert_int_equal(recent[2].id, n_trades);
    assert_int_equal(recent[0].id, n_trades - 2);
    /* Weekly candles exist and hold the same volume. */
    assert_int_equal(sim_market_candles(m, 0, 604800, start_s, now_s, 8, true, candles), 1);
    assert_int_equal(candles[0].volume, volume);
    assert_int_equal((candles[0].open_s - 345600) % 604800, 0);
    /* An interval it cannot build. */
    assert_int_equal(sim_market_candles(m, 0, 90, start_s, now_s, 8, true, candles), 0);
    free(trades);
    sim_market_destroy(&m);
}

static void
test_past_is_seeded_and_sound(void **state)
{
    (void) state;
    size_t count;
    const sim_instrument_t *in = &sim_instruments(&count)[4];
    size_t n = SIM_PAST_MINUTES_MAX;
    sim_candle_t *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b), *c = calloc(n, sizeof *c);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    int64_t end = 1795440000;
    uint64_t next = sim_past_minutes(in, 42, end, in->start_price, 1, n, a);
    /* Another end time, the same values; a shorter past is the newest part
     * of the longer one; another seed, another walk. */
    assert_int_equal(sim_past_minutes(in, 42, end + 3600, in->start_price, 1, n, b), next);
    sim_past_minutes(in, 43, end, in->start_price, 1, n, c);
    bool differs = false;
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(b[k].open_s, a[k].open_s + 3600);
        b[k].open_s = a[k].open_s;
        assert_memory_equal(&a[k], &b[k], sizeof a[k]);
        differs = differs || a[k].close != c[k].close;
    }
    assert_true(differs);
    sim_past_minutes(in, 42, end, in->start_price, 1, 60, b);
    for (size_t k = 0; k < 60; k++) {
        assert_int_equal(b[k].close, a[n - 60 + k].close);
        assert_int_equal(b[k].volume, a[n - 60 + k].volume);
    }
    /* Consecutive minutes ending at the start price, each opening at the
     * previous close, on the tick and the lot step, ids without gaps. */
    assert_int_equal(a[n - 1].open_s, end - 60);
    assert_int_equal(a[n - 1].close, sim_fx_round_to(in->start_price, in->tick, 0));
    assert_int_equal(a[0].first_trade_id, 1);
    assert_int_equal(a[n - 1].last_trade_id + 1, next);
    for (size_t k = 0; k < n; k++) {
        const sim_candle_t *m = &a[k];
        assert_int_equal(m->open_s, end - (int64_t) (n - k) * 60);
        if (k > 0) {
            assert_int_equal(m->open, a[k - 1].close);
            assert_int_equal(m->first_trade_id, a[k - 1].last_trade_id + 1);
        }
        assert_true(m->trades > 0);
        assert_int_equal(m->last_trade_id - m->first_trade_id + 1, m->trades);
        assert_true(m->low > 0 && m->low <= m->open && m->low <= m->close);
        assert_true(m->high >= m->open && m->high >= m->close);
        assert_int_equal(m->open % in->tick, 0);
        assert_int_equal(m->high % in->tick, 0);
        assert_int_equal(m->low % in->tick, 0);
        assert_int_equal(m->close % in->tick, 0);
        assert_true(m->volume >= in->min_qty && m->volume % in->step == 0);
        assert_true(m->taker_buy_volume <= m->volume && m->taker_buy_volume % in->step == 0);
        assert_true(m->quote_volume >= (sim_fx_t) ((__int128) m->low * m->volume / SIM_SCALE));
        assert_true(m->quote_volume <= (sim_fx_t) ((__int128) m->high * m->volume / SIM_SCALE) + 1);
    }
    free(a);
    free(b);
    free(c);
}

static void
test_past_in_the_market(void **state)
{
    (void) state;
    sim_market_t *m = sim_market_new(5, S_RATE);
    int64_t start_s = cb_time_now_ns() / 1000000000;
    int64_t t0 = cb_time_now_ns();
    assert_int_equal(sim_market_set_past(m, 7), 0);
    int64_t took_ns = cb_time_now_ns() - t0;
    print_message("sim_market_set_past(7 days): %.1f ms\n", (double) took_ns / 1e6);
    s_run(m, cb_time_now_ns(), 4000);
    int64_t now_s = cb_time_now_ns() / 1000000000;
    /* Ten hourly candles, consecutive, the newest the current one. */
    sim_candle_t candles[10];
    assert_int_equal(sim_market_candles(m, 4, 3600, 0, now_s, 10, true, candles), 10);
    for (size_t k = 0; k < 10; k++) {
        assert_int_equal(candles[k].open_s % 3600, 0);
        assert_true(candles[k].trades > 0);
        if (k > 0) {
            assert_int_equal(candles[k].open_s, candles[k - 1].open_s + 3600);
            assert_int_equal(candles[k].first_trade_id, candles[k - 1].last_trade_id + 1);
        }
    }
    assert_int_equal(candles[9].open_s, now_s - now_s % 3600);
    /* The oldest minute is a week back; live trade ids go on from the
     * past's, and the newest past minute closes at the start price. */
    sim_candle_t oldest, minutes[2];
    assert_int_equal(sim_market_candles(m, 4, 60, 0, now_s, 1, false, &oldest), 1);
    int64_t week_ago = start_s - 7 * 86400;
    assert_true(oldest.open_s >= week_ago - 60 && oldest.open_s <= week_ago + 60);
    int64_t start_min = start_s - start_s % 60;
    assert_int_equal(sim_market_candles(m, 4, 60, start_min - 60, start_min, 2, false, minutes), 2);
    size_t count;
    const sim_instrument_t *in = &sim_instruments(&count)[4];
    assert_int_equal(minutes[0].close, sim_fx_round_to(in->start_price, in->tick, 0));
    sim_trade_t first;
    assert_int_equal(sim_market_trades_since(m, 4, 0, 1, &first), 1);
    assert_int_equal(first.id, minutes[0].last_trade_id + 1);
    if (minutes[1].trades > 0) {
        assert_int_equal(minutes[1].first_trade_id, first.id);
    }
    /* The day's statistics cover the past too, ids without gaps. */
    sim_candle_t day;
    sim_market_stats(m, 4, now_s - 86400, now_s + 1, &day);
    assert_true(day.trades > 1440 * 40);
    assert_int_equal(day.last_trade_id - day.first_trade_id + 1, day.trades);
    sim_market_destroy(&m);
}

typedef struct {
    size_t calls;
    sim_fx_t qty;
    uint64_t order_id;
} s_hook_t;

static void
s_on_fill(void *ctx, size_t inst, const sim_fill_t *fill, const sim_trade_t *trade)
{
    s_hook_t *h = ctx;
    (void) inst;
    if (fill->maker_id == h->order_id || fill->taker_id == h->order_id) {
        h->calls++;
        h->qty += trade->qty;
        assert_int_equal(fill->qty, trade->qty);
    }
}

static void
test_user_orders_fill_through_the_hook(void **state)
{
    (void) state;
    sim_market_t *m = sim_market_new(9, S_RATE);
    s_hook_t hook = {0};
    sim_market_on_fill(m, s_on_fill, &hook);
    /* A user's market buy sweeps several maker levels. */
    hook.order_id = sim_market_next_order_id(m);
    sim_fx_t filled;
    bool rested;
    sim_fx_t qty = 2 * SIM_SCALE;
    assert_int_equal(sim_market_submit(m, 0, hook.order_id, 7, SIM_BUY, 0, qty, SIM_IOC, true, &filled, &rested),
                     SIM_SUBMIT_OK);
    assert_false(rested);
    assert_int_equal(filled, qty);
    assert_int_equal(hook.qty, qty);
    assert_true(hook.calls >= 2);
    sim_trade_t t;
    assert_true(sim_market_last_trade(m, 0, &t));
    assert_int_equal(t.taker_order_id, hook.order_id);
    assert_true(t.taker_market);
    /* A resting user bid at the best bid gets hit by the simulated takers. */
    memset(&hook, 0, sizeof hook);
    hook.order_id = sim_market_next_order_id(m);
    sim_fx_t bid = sim_book_best(sim_market_book(m, 0), SIM_BUY, NULL);
    assert_int_equal(sim_market_submit(m, 0, hook.order_id, 7, SIM_BUY, bid + 1000000, 1000000, 0, false, &filled,
                                       &rested),
                     SIM_SUBMIT_OK);
    assert_true(rested);
    s_run(m, cb_time_now_ns(), 4000);
    assert_true(hook.calls >= 1);
    assert_true(sim_market_cancel(m, 0, hook.order_id, NULL) || hook.qty == 1000000);
    sim_market_destroy(&m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_market),
        cmocka_unit_test(test_past_is_seeded_and_sound),
        cmocka_unit_test(test_past_in_the_market),
        cmocka_unit_test(test_book_stays_sound),
        cmocka_unit_test(test_events_rebuild_the_book),
        cmocka_unit_test(test_trades_add_up_to_candles),
        cmocka_unit_test(test_user_orders_fill_through_the_hook),
    };
    return cmocka_run_group_tests_name("sim_market", tests, NULL, NULL);
}
