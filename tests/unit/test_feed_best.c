/* test_feed_best.c - market-feed best bid/ask across venues: quote equivalence, staleness, down
 * venues, ties */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_decimal.h"
#include "cb_error.h"
#include "feed_best.h"

#define S_SEC ((int64_t) 1000000000)

static cb_decimal_t
s_dec(const char *text)
{
    cb_decimal_t d;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &d), 0);
    return d;
}

static void
s_assert_dec(cb_decimal_t d, const char *want)
{
    char buf[CB_DECIMAL_STR_MAX];
    assert_true(cb_decimal_format(d, buf, sizeof buf) > 0);
    assert_string_equal(buf, want);
}

static void
s_assert_str(cb_str_t s, const char *want)
{
    assert_int_equal(s.len, strlen(want));
    assert_memory_equal(s.ptr, want, s.len);
}

/* A tick; qty NULL leaves the quantity absent. */
static cb_tick_t
s_tick(const char *bid, const char *bid_qty, const char *ask, const char *ask_qty)
{
    cb_tick_t t;
    memset(&t, 0, sizeof t);
    t.bid = s_dec(bid);
    t.ask = s_dec(ask);
    if (bid_qty != NULL) {
        CB_PROTO_SET(&t, tick, bid_qty, s_dec(bid_qty));
    }
    if (ask_qty != NULL) {
        CB_PROTO_SET(&t, tick, ask_qty, s_dec(ask_qty));
    }
    return t;
}

static void
s_assert_best(const cb_best_t *b, const char *bid, const char *bid_venue, const char *ask,
              const char *ask_venue, uint64_t venues)
{
    s_assert_str(b->symbol, "BTC-USD");
    s_assert_str(b->venue, "all");
    s_assert_dec(b->bid, bid);
    s_assert_str(b->bid_venue, bid_venue);
    s_assert_dec(b->ask, ask);
    s_assert_str(b->ask_venue, ask_venue);
    assert_true(CB_PROTO_HAS(b, best, venues));
    assert_int_equal(b->venues, venues);
}

static void
test_equiv_parse(void **state)
{
    (void) state;
    feed_quote_equiv_t eq;
    char err[160];
    assert_int_equal(feed_quote_equiv_parse(NULL, &eq, err, sizeof err), 0);
    assert_int_equal(eq.groups, 0);
    assert_int_equal(feed_quote_equiv_parse("", &eq, err, sizeof err), 0);
    assert_int_equal(eq.groups, 0);
    assert_int_equal(feed_quote_equiv_parse("USD=USDT=USDC,EUR=EURC", &eq, err, sizeof err), 0);
    assert_int_equal(eq.groups, 2);
    assert_int_equal(eq.members[0], 3);
    assert_string_equal(eq.asset[0][2], "USDC");
    assert_string_equal(eq.asset[1][1], "EURC");
    assert_true(feed_quote_equiv_same(&eq, CB_STR("USDT"), CB_STR("USDC")));
    assert_true(feed_quote_equiv_same(&eq, CB_STR("USD"), CB_STR("USDT")));
    assert_true(feed_quote_equiv_same(&eq, CB_STR("GBP"), CB_STR("GBP")));
    assert_false(feed_quote_equiv_same(&eq, CB_STR("USD"), CB_STR("EUR")));
    assert_false(feed_quote_equiv_same(&eq, CB_STR("USD"), CB_STR("GBP")));

    static const struct {
        const char *text;
        const char *err;
    } bad[] = {
        {"usd=USDT", "COINBUS_QUOTE_EQUIVALENTS: 'usd' is not an asset (want [A-Z0-9]{1,16}, e.g. "
                     "USD=USDT=USDC)"},
        {"USD", "COINBUS_QUOTE_EQUIVALENTS: 'USD' is a group of one (want two or more assets "
                "joined by '=')"},
        {"USD==USDT",
         "COINBUS_QUOTE_EQUIVALENTS: '' is not an asset (want [A-Z0-9]{1,16}, e.g. USD=USDT=USDC)"},
        {"USD=USDT,",
         "COINBUS_QUOTE_EQUIVALENTS: '' is not an asset (want [A-Z0-9]{1,16}, e.g. USD=USDT=USDC)"},
        {"USD=USDT,USDT=USDC",
         "COINBUS_QUOTE_EQUIVALENTS: 'USDT' appears twice (an asset is in one group only)"},
        {"USD=USD", "COINBUS_QUOTE_EQUIVALENTS: 'USD' appears twice in its group"},
        {"USD = USDT", "COINBUS_QUOTE_EQUIVALENTS: 'USD ' is not an asset (want [A-Z0-9]{1,16}, "
                       "e.g. USD=USDT=USDC)"},
        {"USD=ABCDEFGHIJKLMNOPQ", "COINBUS_QUOTE_EQUIVALENTS: 'ABCDEFGHIJKLMNOPQ' is not an asset "
                                  "(want [A-Z0-9]{1,16}, e.g. USD=USDT=USDC)"},
        {"USD;USDT", "COINBUS_QUOTE_EQUIVALENTS: 'USD;USDT' is not an asset (want [A-Z0-9]{1,16}, "
                     "e.g. USD=USDT=USDC)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(feed_quote_equiv_parse(bad[i].text, &eq, err, sizeof err), CB_E_CONFIG);
        assert_string_equal(err, bad[i].err);
        assert_null(strchr(err, '\n'));
    }
    assert_int_equal(feed_quote_equiv_parse("A=B,C=D,E=F,G=H,I=J,K=L,M=N,O=P,Q=R", &eq, NULL, 0),
                     CB_E_CONFIG);
    assert_int_equal(feed_quote_equiv_parse("A=B=C=D=E=F=G=H=I", &eq, NULL, 0), CB_E_CONFIG);
}

static void
test_identical_quotes_only_by_default(void **state)
{
    (void) state;
    feed_best_t b;
    cb_best_t out;
    assert_int_equal(feed_best_init(&b, "BTC-USD", NULL, 5 * S_SEC), 0);
    cb_tick_t k = s_tick("100", "1", "101", "2");
    assert_int_equal(feed_best_update(&b, "kraken", "USD", &k, S_SEC, &out), 1);
    s_assert_best(&out, "100", "kraken", "101", "kraken", 1);
    s_assert_dec(out.bid_qty, "1");
    s_assert_dec(out.ask_qty, "2");
    /* Binance's USDT book is better but does not compare without configuration. */
    cb_tick_t t = s_tick("100.5", "1", "100.6", "1");
    assert_int_equal(feed_best_update(&b, "binance", "USDT", &t, S_SEC, &out), 0);
    /* The same tick again: nothing changed. */
    assert_int_equal(feed_best_update(&b, "kraken", "USD", &k, 2 * S_SEC, &out), 0);
    /* A second USD venue with a better ask only. */
    cb_tick_t c = s_tick("99.5", "3", "100.9", "0.5");
    assert_int_equal(feed_best_update(&b, "coinbase", "USD", &c, 2 * S_SEC, &out), 1);
    s_assert_best(&out, "100", "kraken", "100.9", "coinbase", 2);
    s_assert_dec(out.ask_qty, "0.5");
    /* A quantity change alone is a change (the published message differs). */
    c = s_tick("99.5", "3", "100.9", "0.7");
    assert_int_equal(feed_best_update(&b, "coinbase", "USD", &c, 2 * S_SEC, &out), 1);
    s_assert_dec(out.ask_qty, "0.7");
    /* The same value written differently is no change. */
    c = s_tick("99.50", "3.0", "100.90", "0.70");
    assert_int_equal(feed_best_update(&b, "coinbase", "USD", &c, 2 * S_SEC, &out), 0);
}

static void
test_equivalent_quotes(void **state)
{
    (void) state;
    feed_quote_equiv_t eq;
    assert_int_equal(feed_quote_equiv_parse("USD=USDT=USDC", &eq, NULL, 0), 0);
    feed_best_t b;
    cb_best_t out;
    assert_int_equal(feed_best_init(&b, "BTC-USD", &eq, 5 * S_SEC), 0);
    cb_tick_t k = s_tick("100", "1", "101", "1");
    cb_tick_t t = s_tick("100.5", "1", "100.6", "1");
    cb_tick_t u = s_tick("100.7", "1", "100.8", "1");
    cb_tick_t e = s_tick("200", "1", "1", "1");
    assert_int_equal(feed_best_update(&b, "kraken", "USD", &k, S_SEC, &out), 1);
    assert_int_equal(feed_best_update(&b, "binance", "USDT", &t, S_SEC, &out), 1);
    s_assert_best(&out, "100.5", "binance", "100.6", "binance", 2);
    /* One venue, two comparable instruments: two entries, one venue name. */
    assert_int_equal(feed_best_update(&b, "binance", "USDC", &u, S_SEC, &out), 1);
    s_assert_best(&out, "100.7", "binance", "100.6", "binance", 3);
    /* EUR never compares with USD. */
    assert_int_equal(feed_best_update(&b, "kraken", "EUR", &e, S_SEC, &out), 0);
    /* Bad arguments. */
    assert_int_equal(feed_best_update(&b, "Kraken", "USD", &k, S_SEC, &out), CB_E_BAD_REQUEST);
    assert_int_equal(feed_best_update(&b, "kraken", "", &k, S_SEC, &out), CB_E_BAD_REQUEST);
    assert_int_equal(feed_best_init(&b, "btc-usd", &eq, S_SEC), CB_E_BAD_REQUEST);
    assert_int_equal(feed_best_init(&b, "BTC-USD", &eq, 0), CB_E_BAD_REQUEST);
}

static void
test_stale_and_down(void **state)
{
    (void) state;
    feed_best_t b;
    cb_best_t out;
    assert_int_equal(feed_best_init(&b, "BTC-USD", NULL, 5 * S_SEC), 0);
    cb_tick_t k = s_tick("100", "1", "101", "1");
    cb_tick_t c = s_tick("100.2", "1", "100.8", "1");
    assert_int_equal(feed_best_update(&b, "kraken", "USD", &k, 10 * S_SEC, &out), 1);
    assert_int_equal(feed_best_update(&b, "coinbase", "USD", &c, 12 * S_SEC, &out), 1);
    s_assert_best(&out, "100.2", "coinbase", "100.8", "coinbase", 2);
    /* Exactly at the bound kraken is still fresh; one nanosecond later it is stale. */
    assert_int_equal(feed_best_refresh(&b, 15 * S_SEC, &out), 0);
    assert_int_equal(feed_best_refresh(&b, 15 * S_SEC + 1, &out), 1);
    s_assert_best(&out, "100.2", "coinbase", "100.8", "coinbase", 1);
    /* coinbase goes stale too: the best is gone, reported once. */
    assert_int_equal(feed_best_refresh(&b, 17 * S_SEC + 1, &out), 1);
    assert_int_equal(out.venues, 0);
    assert_int_equal(feed_best_refresh(&b, 18 * S_SEC, &out), 0);
    /* Fresh ticks again; then coinbase is marked down. */
    assert_int_equal(feed_best_update(&b, "kraken", "USD", &k, 20 * S_SEC, &out), 1);
    s_assert_best(&out, "100", "kraken", "101", "kraken", 1);
    assert_int_equal(feed_best_update(&b, "coinbase", "USD", &c, 20 * S_SEC, &out), 1);
    assert_int_equal(feed_best_set_down(&b, "coinbase", true, 20 * S_SEC, &out), 1);
    s_assert_best(&out, "100", "kraken", "101", "kraken", 1);
    /* Ticks from a down venue are kept but not considered. */
    assert_int_equal(feed_best_update(&b, "coinbase", "USD", &c, 21 * S_SEC, &out), 0);
    assert_int_equal(feed_best_set_down(&b, "coinbase", false, 21 * S_SEC, &out), 1);
    s_assert_best(&out, "100.2", "coinbase", "100.8", "coinbase", 2);
    /* A venue marked down before its first tick stays down when it comes. */
    assert_int_equal(feed_best_set_down(&b, "binance", true, 21 * S_SEC, &out), 0);
    cb_tick_t x = s_tick("150", "1", "150.1", "1");
    assert_int_equal(feed_best_update(&b, "binance", "USD", &x, 21 * S_SEC, &out), 0);
    assert_int_equal(feed_best_set_down(&b, "binance", false, 21 * S_SEC, &out), 1);
    s_assert_best(&out, "150", "binance", "100.8", "coinbase", 3);
    /* A side priced 0 (empty book side) is not offered. */
    cb_tick_t z = s_tick("0", NULL, "100.1", NULL);
    assert_int_equal(feed_best_update(&b, "binance", "USD", &z, 21 * S_SEC, &out), 1);
    s_assert_best(&out, "100.2", "coinbase", "100.1", "binance", 3);
    assert_false(CB_PROTO_HAS(&out, best, ask_qty));
}

static void
test_ties(void **state)
{
    (void) state;
    /* Same price: the larger quantity; same quantity: the venue name first in
     * byte order, whatever the arrival order. */
    const char *orders[2][3] = {{"alpha", "bravo", "charlie"}, {"charlie", "bravo", "alpha"}};
    for (int o = 0; o < 2; o++) {
        feed_best_t b;
        cb_best_t out;
        assert_int_equal(feed_best_init(&b, "BTC-USD", NULL, 5 * S_SEC), 0);
        for (int i = 0; i < 3; i++) {
            const char *v = orders[o][i];
            /* bravo: most quantity on both sides; alpha and charlie tie. */
            bool bravo = strcmp(v, "bravo") == 0;
            cb_tick_t t = s_tick("100", bravo ? "2" : "1", "101", bravo ? "2" : "1");
            assert_true(feed_best_update(&b, v, "USD", &t, S_SEC, &out) >= 0);
        }
        s_assert_best(&out, "100", "bravo", "101", "bravo", 3);
        /* bravo's quantity drops to alpha's and charlie's: alpha wins by name. */
        cb_tick_t t = s_tick("100", "1", "101", "1");
        assert_int_equal(feed_best_update(&b, "bravo", "USD", &t, S_SEC, &out), 1);
        s_assert_best(&out, "100", "alpha", "101", "alpha", 3);
        /* An absent quantity counts as 0: it loses the tie. */
        cb_tick_t n = s_tick("100", NULL, "101", NULL);
        assert_int_equal(feed_best_update(&b, "alpha", "USD", &n, S_SEC, &out), 1);
        s_assert_best(&out, "100", "bravo", "101", "bravo", 3);
    }
    /* More instruments than fit. */
    feed_best_t b;
    cb_best_t out;
    assert_int_equal(feed_best_init(&b, "BTC-USD", NULL, 5 * S_SEC), 0);
    cb_tick_t t = s_tick("1", "1", "2", "1");
    for (int i = 0; i < FEED_BEST_VENUE_MAX; i++) {
        char name[16];
        snprintf(name, sizeof name, "v%d", i);
        assert_true(feed_best_update(&b, name, "USD", &t, S_SEC, &out) >= 0);
    }
    assert_int_equal(feed_best_update(&b, "one-more", "USD", &t, S_SEC, &out), CB_E_TOO_BIG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equiv_parse),
        cmocka_unit_test(test_identical_quotes_only_by_default),
        cmocka_unit_test(test_equivalent_quotes),
        cmocka_unit_test(test_stale_and_down),
        cmocka_unit_test(test_ties),
    };
    return cmocka_run_group_tests_name("feed_best", tests, NULL, NULL);
}
