/* test_sim_book.c - venue-sim's matching engine and fixed-point amounts: priority, partial fills, IOC, post-only, market */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim_book.h"
#include "sim_fixed.h"
#include "sim_instruments.h"

#define FX(s) s_fx(s)

static sim_fx_t
s_fx(const char *s)
{
    sim_fx_t v;
    assert_true(sim_fx_parse(s, strlen(s), &v));
    return v;
}

typedef struct {
    sim_fill_t fills[64];
    size_t count;
} s_fills_t;

static void
s_on_fill(void *ctx, const sim_fill_t *fill)
{
    s_fills_t *f = ctx;
    assert_true(f->count < 64);
    f->fills[f->count++] = *fill;
}

static void
test_fixed_point(void **state)
{
    (void) state;
    char buf[32];
    assert_string_equal(sim_fx_format(FX("50000.1"), 1, buf), "50000.1");
    assert_string_equal(sim_fx_format(FX("50000.1"), 8, buf), "50000.10000000");
    assert_string_equal(sim_fx_format(FX("-0.5"), 2, buf), "-0.50");
    assert_string_equal(sim_fx_format(FX("0.00000001"), 8, buf), "0.00000001");
    assert_string_equal(sim_fx_format(FX("12"), 0, buf), "12");
    assert_int_equal(FX(".5"), SIM_SCALE / 2);
    assert_int_equal(FX("1.000000000000"), SIM_SCALE); /* extra zeros are fine */
    sim_fx_t v;
    const char *bad[] = {"", "-", ".", "1.000000001", "1e5", "1.2.3", "abc", " 1", "99999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(sim_fx_parse(bad[i], strlen(bad[i]), &v));
    }
    assert_int_equal(sim_fx_round_to(FX("100.07"), FX("0.05"), -1), FX("100.05"));
    assert_int_equal(sim_fx_round_to(FX("100.07"), FX("0.05"), 1), FX("100.1"));
    assert_int_equal(sim_fx_round_to(FX("100.075"), FX("0.05"), 0), FX("100.1"));
    assert_int_equal(sim_fx_round_to(FX("-0.07"), FX("0.05"), -1), FX("-0.1"));
    sim_fx_t cost;
    assert_true(sim_fx_mul(FX("65000.1"), FX("0.00001"), &cost));
    assert_int_equal(cost, FX("0.650001"));
    assert_true(sim_fx_mul(FX("0.1"), FX("0.00000001"), &cost)); /* 1e-9: under half a unit, rounds to 0 */
    assert_int_equal(cost, 0);
    assert_false(sim_fx_mul(FX("90000000000"), FX("90000000000"), &cost));
    assert_int_equal(sim_fx_div(FX("1"), FX("3")), 33333333);
}

static void
test_price_time_priority_and_partial_fills(void **state)
{
    (void) state;
    sim_book_t *book = sim_book_new();
    sim_fx_t filled;
    bool rested;
    /* Three asks: 101 (id 1), 100 (id 2), 100 (id 3, later). */
    assert_int_equal(sim_book_submit(book, 1, 0, SIM_SELL, FX("101"), FX("1"), 0, NULL, NULL, &filled, &rested), 0);
    assert_int_equal(sim_book_submit(book, 2, 0, SIM_SELL, FX("100"), FX("1"), 0, NULL, NULL, &filled, &rested), 0);
    assert_int_equal(sim_book_submit(book, 3, 7, SIM_SELL, FX("100"), FX("2"), 0, NULL, NULL, &filled, &rested), 0);
    assert_true(rested);
    sim_level_t lv[4];
    assert_int_equal(sim_book_levels(book, SIM_SELL, 4, lv), 2);
    assert_int_equal(lv[0].price, FX("100"));
    assert_int_equal(lv[0].qty, FX("3"));
    assert_int_equal(lv[0].orders, 2);
    assert_int_equal(lv[1].price, FX("101"));
    /* A buy of 2.5 at 100.5: fills id 2 (older) fully, then 1.5 of id 3; never touches 101. */
    s_fills_t f = {0};
    assert_int_equal(sim_book_submit(book, 10, 9, SIM_BUY, FX("100.5"), FX("2.5"), 0, s_on_fill, &f, &filled, &rested), 0);
    assert_int_equal(filled, FX("2.5"));
    assert_false(rested);
    assert_int_equal(f.count, 2);
    assert_int_equal(f.fills[0].maker_id, 2);
    assert_int_equal(f.fills[0].qty, FX("1"));
    assert_true(f.fills[0].maker_done);
    assert_int_equal(f.fills[0].price, FX("100")); /* the maker's price, not the limit */
    assert_int_equal(f.fills[1].maker_id, 3);
    assert_int_equal(f.fills[1].qty, FX("1.5"));
    assert_false(f.fills[1].maker_done);
    const sim_order_t *o3 = sim_book_find(book, 3);
    assert_non_null(o3);
    assert_int_equal(o3->filled, FX("1.5"));
    /* A buy of 3 at 100: takes the last 0.5 of id 3, rests 2.5 as the best bid. */
    f.count = 0;
    sim_book_submit(book, 11, 9, SIM_BUY, FX("100"), FX("3"), 0, s_on_fill, &f, &filled, &rested);
    assert_int_equal(filled, FX("0.5"));
    assert_true(rested);
    sim_fx_t qty;
    assert_int_equal(sim_book_best(book, SIM_BUY, &qty), FX("100"));
    assert_int_equal(qty, FX("2.5"));
    assert_int_equal(sim_book_best(book, SIM_SELL, &qty), FX("101"));
    sim_book_destroy(&book);
    assert_null(book);
}

static void
test_ioc_post_only_market_cancel(void **state)
{
    (void) state;
    sim_book_t *book = sim_book_new();
    sim_fx_t filled;
    bool rested;
    sim_book_submit(book, 1, 0, SIM_BUY, FX("99"), FX("1"), 0, NULL, NULL, &filled, &rested);
    sim_book_submit(book, 2, 0, SIM_BUY, FX("98"), FX("1"), 0, NULL, NULL, &filled, &rested);
    /* Post-only that would take: refused whole, book unchanged. */
    assert_int_equal(sim_book_submit(book, 3, 5, SIM_SELL, FX("99"), FX("1"), SIM_POST_ONLY, NULL, NULL, &filled, &rested),
                     SIM_SUBMIT_WOULD_TAKE);
    assert_int_equal(sim_book_count(book, SIM_BUY), 2);
    assert_int_equal(sim_book_count(book, SIM_SELL), 0);
    /* Post-only that does not cross rests. */
    assert_int_equal(sim_book_submit(book, 4, 5, SIM_SELL, FX("99.5"), FX("1"), SIM_POST_ONLY, NULL, NULL, &filled, &rested), 0);
    assert_true(rested);
    /* IOC sell of 1.5 at 98.5: fills 1 at 99, the rest is dropped (98 is below the limit). */
    sim_book_submit(book, 5, 5, SIM_SELL, FX("98.5"), FX("1.5"), SIM_IOC, NULL, NULL, &filled, &rested);
    assert_int_equal(filled, FX("1"));
    assert_false(rested);
    assert_int_equal(sim_book_count(book, SIM_SELL), 1);
    /* Market sell of 5 with one bid of 1 left: fills 1, never rests. */
    s_fills_t f = {0};
    sim_book_submit(book, 6, 5, SIM_SELL, 0, FX("5"), 0, s_on_fill, &f, &filled, &rested);
    assert_int_equal(filled, FX("1"));
    assert_false(rested);
    assert_int_equal(f.fills[0].price, FX("98"));
    assert_int_equal(sim_book_count(book, SIM_BUY), 0);
    /* Cancel returns the order; a second cancel finds nothing. */
    sim_order_t o;
    assert_true(sim_book_cancel(book, 4, &o));
    assert_int_equal(o.price, FX("99.5"));
    assert_false(sim_book_cancel(book, 4, NULL));
    assert_int_equal(sim_book_count(book, SIM_SELL), 0);
    sim_book_destroy(&book);
}

static void
test_amend_keeps_or_loses_priority(void **state)
{
    (void) state;
    sim_book_t *book = sim_book_new();
    sim_fx_t filled;
    bool rested;
    sim_book_submit(book, 1, 1, SIM_BUY, FX("100"), FX("2"), 0, NULL, NULL, &filled, &rested);
    sim_book_submit(book, 2, 2, SIM_BUY, FX("100"), FX("2"), 0, NULL, NULL, &filled, &rested);
    /* Down keeps the queue place: id 1 still fills first. */
    assert_true(sim_book_amend_qty(book, 1, FX("1")));
    s_fills_t f = {0};
    sim_book_submit(book, 3, 3, SIM_SELL, FX("100"), FX("0.5"), 0, s_on_fill, &f, &filled, &rested);
    assert_int_equal(f.fills[0].maker_id, 1);
    /* Up loses it: id 1 goes behind id 2. */
    assert_true(sim_book_amend_qty(book, 1, FX("3")));
    f.count = 0;
    sim_book_submit(book, 4, 3, SIM_SELL, FX("100"), FX("0.5"), 0, s_on_fill, &f, &filled, &rested);
    assert_int_equal(f.fills[0].maker_id, 2);
    /* Not below what is filled. */
    assert_false(sim_book_amend_qty(book, 1, FX("0.5")));
    assert_false(sim_book_amend_qty(book, 99, FX("1")));
    sim_book_destroy(&book);
}

static void
test_instruments(void **state)
{
    (void) state;
    const sim_instrument_t *k = sim_instrument_find(SIM_VENUE_KRAKEN, "XBTUSD", 6);
    assert_non_null(k);
    assert_string_equal(k->id, "XXBTZUSD");
    assert_ptr_equal(sim_instrument_find(SIM_VENUE_KRAKEN, "XXBTZUSD", 8), k);
    assert_ptr_equal(sim_instrument_find(SIM_VENUE_KRAKEN, "BTC/USD", 7), k);
    assert_null(sim_instrument_find(SIM_VENUE_KRAKEN, "BTCUSDT", 7));
    assert_null(sim_instrument_find(SIM_VENUE_BINANCE, "btcusdt", 7)); /* REST symbols are upper case */
    const sim_instrument_t *b = sim_instrument_find(SIM_VENUE_BINANCE, "BTCUSDT", 7);
    assert_non_null(b);
    size_t n;
    const sim_instrument_t *all = sim_instruments(&n);
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        /* The start price and level size sit on the instrument's grid. */
        assert_int_equal(all[i].start_price % all[i].tick, 0);
        assert_int_equal(all[i].level_qty % all[i].step, 0);
        assert_int_equal(all[i].min_qty % all[i].step, 0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_point),
        cmocka_unit_test(test_price_time_priority_and_partial_fills),
        cmocka_unit_test(test_ioc_post_only_market_cancel),
        cmocka_unit_test(test_amend_keeps_or_loses_priority),
        cmocka_unit_test(test_instruments),
    };
    return cmocka_run_group_tests_name("sim_book", tests, NULL, NULL);
}
