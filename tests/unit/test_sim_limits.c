/* test_sim_limits.c - venue-sim rate limits: Kraken REST, trading and public counters, Binance weight windows, 429/418 bans, order counts, bounded memory */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sim_limits.h"

#define NS 1000000000LL
#define MS 1000000LL
#define U SIM_LIMITS_UNIT
/* A minute boundary in 2023 (Binance windows are aligned to the epoch). */
#define MINUTE0 (28000000LL * 60 * NS)
#define DAY_NS (86400LL * NS)

static int
s_call(sim_limits_t *l, const char *key, const char *method, int64_t now_ns)
{
    const char *error = "untouched";
    int rc = sim_limits_kraken_call(l, key, method, now_ns, &error);
    if (rc == 0) {
        assert_null(error);
    } else {
        assert_string_equal(error, "EAPI:Rate limit exceeded");
    }
    return rc;
}

static int
s_trade(sim_limits_t *l, const char *key, const char *pair, sim_kraken_action_t action,
        int64_t age_ns, int64_t now_ns)
{
    const char *error = "untouched";
    int rc = sim_limits_kraken_trade(l, key, pair, action, age_ns, 1, now_ns, &error);
    if (rc == 0) {
        assert_null(error);
    } else {
        assert_string_equal(error, "EOrder:Rate limit exceeded");
    }
    return rc;
}

static void
test_kraken_starter_burst_and_exact_decay(void **state)
{
    (void) state;
    sim_limits_t *a = sim_limits_new();
    sim_limits_t *b = sim_limits_new();
    assert_non_null(a);
    for (int i = 0; i < 15; i++) {
        assert_int_equal(s_call(a, "key", "Balance", 0), 0);
        assert_int_equal(s_call(b, "key", "OpenOrders", 0), 0);
    }
    assert_int_equal(sim_limits_kraken_call_level(a, "key", 0), 15 * U);
    /* One unit at 0.33/s takes 1 / 0.33 s = 3030303030.3 ns. */
    assert_int_equal(sim_limits_kraken_call_level(a, "key", 3030303030LL), 14000001);
    assert_int_equal(sim_limits_kraken_call_level(a, "key", 3030303031LL), 14000000);
    assert_int_equal(s_call(a, "key", "Balance", 3030303030LL), -1);
    assert_int_equal(s_call(b, "key", "Balance", 3030303031LL), 0);
    assert_int_equal(sim_limits_kraken_call_level(b, "key", 3030303031LL), 15 * U);
    /* Fully drained after 15 / 0.33 s = 45454545454.5 ns, not a ns earlier. */
    assert_int_equal(sim_limits_kraken_call_level(a, "key", 45454545454LL), 1);
    assert_int_equal(sim_limits_kraken_call_level(a, "key", 45454545455LL), 0);
    assert_int_equal(sim_limits_kraken_call_level(a, "nobody", 0), 0);
    sim_limits_destroy(&a);
    sim_limits_destroy(&b);
    assert_null(a);
    sim_limits_destroy(&a);
    sim_limits_destroy(NULL);
}

static void
test_kraken_block_extends_while_calls_continue(void **state)
{
    (void) state;
    sim_limits_t *l = sim_limits_new();
    for (int i = 0; i < 15; i++) {
        assert_int_equal(s_call(l, "key", "Balance", 0), 0);
    }
    assert_int_equal(s_call(l, "key", "Balance", 0), -1);         /* blocked until 2 s */
    assert_int_equal(s_call(l, "key", "Balance", 1500 * MS), -1); /* ... now until 3.5 s */
    /* At 3.1 s the counter has room (15 - 1.023 + 1 <= 15) but the block holds. */
    assert_int_equal(s_call(l, "key", "Balance", 3100 * MS), -1); /* until 5.1 s */
    assert_int_equal(s_call(l, "key", "Balance", 5100 * MS - 1), -1);
    assert_int_equal(sim_limits_kraken_call(l, "key", "Balance", 7100 * MS, NULL), 0);
    assert_int_equal(s_call(l, "key", "Balance", 7100 * MS), 0);  /* 15 - 2.343 + 2 */
    assert_int_equal(s_call(l, "key", "Balance", 7100 * MS), -1); /* 15.657 */
    /* Zero-cost trading methods are on another limiter: never blocked here. */
    assert_int_equal(s_call(l, "key", "AddOrder", 7100 * MS), 0);
    assert_int_equal(s_call(l, "key", "CancelOrder", 7100 * MS), 0);
    /* Without a block only the counter decides. */
    sim_limits_reset(l);
    sim_limits_set_kraken_block(l, 0);
    for (int i = 0; i < 15; i++) {
        assert_int_equal(s_call(l, "key", "Balance", 0), 0);
    }
    assert_int_equal(s_call(l, "key", "Balance", 0), -1);
    assert_int_equal(s_call(l, "key", "Balance", 3030303030LL), -1);
    assert_int_equal(s_call(l, "key", "Balance", 3030303031LL), 0);
    sim_limits_destroy(&l);
}

static void
test_kraken_tiers_and_costs(void **state)
{
    (void) state;
    assert_int_equal(sim_limits_kraken_call_cost("Ledgers"), 2 * U);
    assert_int_equal(sim_limits_kraken_call_cost("QueryLedgers"), 2 * U);
    assert_int_equal(sim_limits_kraken_call_cost("TradesHistory"), 2 * U);
    assert_int_equal(sim_limits_kraken_call_cost("Balance"), U);
    assert_int_equal(sim_limits_kraken_call_cost("ClosedOrders"), U);
    assert_int_equal(sim_limits_kraken_call_cost(NULL), U);
    const char *free_here[] = {"AddOrder",         "AddOrderBatch", "CancelOrder",
                               "CancelOrderBatch", "EditOrder",     "AmendOrder"};
    for (size_t i = 0; i < sizeof free_here / sizeof free_here[0]; i++) {
        assert_int_equal(sim_limits_kraken_call_cost(free_here[i]), 0);
    }
    sim_limits_t *l = sim_limits_new();
    sim_limits_set_kraken_block(l, 0);
    /* Cost 2: seven Ledgers (14), then only a cost-1 call fits. */
    for (int i = 0; i < 7; i++) {
        assert_int_equal(s_call(l, "k", "Ledgers", 0), 0);
    }
    assert_int_equal(s_call(l, "k", "TradesHistory", 0), -1);
    assert_int_equal(s_call(l, "k", "Balance", 0), 0);
    assert_int_equal(s_call(l, "k", "Balance", 0), -1);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(s_call(l, "k", "AddOrder", 0), 0);
    }
    /* Intermediate: 20, -0.5/s; Pro: 20, -1/s. */
    assert_int_equal(sim_limits_tier(l, "mid"), SIM_KRAKEN_STARTER);
    assert_int_equal(sim_limits_set_tier(l, "mid", SIM_KRAKEN_INTERMEDIATE), 0);
    assert_int_equal(sim_limits_set_tier(l, "pro", SIM_KRAKEN_PRO), 0);
    assert_int_equal(sim_limits_tier(l, "mid"), SIM_KRAKEN_INTERMEDIATE);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(s_call(l, "mid", "Balance", 0), 0);
        assert_int_equal(s_call(l, "pro", "Balance", 0), 0);
    }
    assert_int_equal(s_call(l, "mid", "Balance", 0), -1);
    assert_int_equal(s_call(l, "pro", "Balance", 0), -1);
    assert_int_equal(s_call(l, "mid", "Balance", 2 * NS - 1), -1);
    assert_int_equal(s_call(l, "pro", "Balance", NS - 1), -1);
    assert_int_equal(s_call(l, "pro", "Balance", NS), 0);
    assert_int_equal(s_call(l, "mid", "Balance", 2 * NS), 0);
    /* A tier switch: a full Starter key gets Pro's 20 at once. */
    for (int i = 0; i < 15; i++) {
        assert_int_equal(s_call(l, "up", "Balance", 0), 0);
    }
    assert_int_equal(s_call(l, "up", "Balance", 0), -1);
    assert_int_equal(sim_limits_set_tier(l, "up", SIM_KRAKEN_PRO), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(s_call(l, "up", "Balance", 0), 0);
    }
    assert_int_equal(s_call(l, "up", "Balance", 0), -1);
    /* And back down: 20 is over Starter's 15 until it decays below 15. */
    assert_int_equal(sim_limits_set_tier(l, "up", SIM_KRAKEN_STARTER), 0);
    assert_int_equal(s_call(l, "up", "Balance", 15 * NS), -1);      /* 20 - 4.95 + 1 > 15 */
    assert_int_equal(s_call(l, "up", "Balance", 18181818182LL), 0); /* 20 - 6.0000000001 + 1 */
    sim_limits_destroy(&l);
}

static void
test_kraken_trade_costs(void **state)
{
    (void) state;
    const int64_t s = NS;
    assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_ADD, 0, 1), U);
    /* Amend: +1 plus 3 / 2 / 1 under 5 / 10 / 15 s. */
    assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_AMEND, 0, 1), 4 * U);
    assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_AMEND, 5 * s - 1, 1), 4 * U);
    assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_AMEND, 5 * s, 1), 3 * U);
    assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_AMEND, 10 * s, 1), 2 * U);
    assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_AMEND, 15 * s, 1), U);
    /* Edit: +1 plus 6 / 5 / 4 / 2 / 1 under 5 / 10 / 15 / 45 / 90 s. */
    const int64_t edit_age[] = {0, 5, 10, 15, 45, 90, 300};
    const int64_t edit_cost[] = {7, 6, 5, 3, 2, 1, 1};
    /* Cancel: 8 / 6 / 5 / 4 / 2 / 1 under 5 / 10 / 15 / 45 / 90 / 300 s. */
    const int64_t cancel_cost[] = {8, 6, 5, 4, 2, 1, 0};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_EDIT, edit_age[i] * s, 1),
                         edit_cost[i] * U);
        assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_CANCEL, edit_age[i] * s, 1),
                         cancel_cost[i] * U);
        if (i > 0) {
            assert_int_equal(
                sim_limits_kraken_trade_cost(SIM_KRAKEN_CANCEL, edit_age[i] * s - 1, 1),
                cancel_cost[i - 1] * U);
        }
    }
    assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_CANCEL, -5, 1), 8 * U);
    assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_BATCH_ADD, 0, 3), 3 * U / 2);
    assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_BATCH_ADD, 0, 0), U / 2);
    assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_BATCH_CANCEL, 0, 2), 16 * U);
    assert_int_equal(sim_limits_kraken_trade_cost(SIM_KRAKEN_BATCH_CANCEL, 50 * s, 3), 6 * U);
}

static void
test_kraken_trade_counter(void **state)
{
    (void) state;
    sim_limits_t *l = sim_limits_new();
    /* Starter: threshold 60, -1/s. */
    for (int i = 0; i < 60; i++) {
        assert_int_equal(s_trade(l, "k", "XBTUSD", SIM_KRAKEN_ADD, 0, 0), 0);
    }
    assert_int_equal(s_trade(l, "k", "XBTUSD", SIM_KRAKEN_ADD, 0, 0), -1);
    assert_int_equal(s_trade(l, "k", "XBTUSD", SIM_KRAKEN_CANCEL, 300 * NS, 0), 0); /* costs 0 */
    assert_int_equal(s_trade(l, "k", "ETHUSD", SIM_KRAKEN_ADD, 0, 0), 0);           /* per pair */
    assert_int_equal(s_trade(l, "k2", "XBTUSD", SIM_KRAKEN_ADD, 0, 0), 0);          /* per key */
    assert_int_equal(sim_limits_kraken_trade_level(l, "k", "XBTUSD", 0), 60 * U);
    assert_int_equal(s_trade(l, "k", "XBTUSD", SIM_KRAKEN_ADD, 0, NS - 1), -1);
    assert_int_equal(s_trade(l, "k", "XBTUSD", SIM_KRAKEN_ADD, 0, NS), 0);
    /* Penalties by resting age: at 55, a cancel of a 1 s old order (8) does
     * not fit, one resting 50 s (2) does; an amend at 2 s (4) fits at 57. */
    assert_int_equal(sim_limits_kraken_trade_level(l, "k", "XBTUSD", 6 * NS), 55 * U);
    assert_int_equal(s_trade(l, "k", "XBTUSD", SIM_KRAKEN_CANCEL, 1 * NS, 6 * NS), -1);
    assert_int_equal(s_trade(l, "k", "XBTUSD", SIM_KRAKEN_CANCEL, 50 * NS, 6 * NS), 0);
    assert_int_equal(s_trade(l, "k", "XBTUSD", SIM_KRAKEN_EDIT, 1 * NS, 6 * NS), -1);  /* 57 + 7 */
    assert_int_equal(s_trade(l, "k", "XBTUSD", SIM_KRAKEN_AMEND, 2 * NS, 6 * NS), -1); /* 57 + 4 */
    assert_int_equal(s_trade(l, "k", "XBTUSD", SIM_KRAKEN_AMEND, 5 * NS, 6 * NS), 0);  /* 57 + 3 */
    assert_int_equal(sim_limits_kraken_trade_level(l, "k", "XBTUSD", 6 * NS), 60 * U);
    /* Intermediate: 125, -2.34/s. */
    assert_int_equal(sim_limits_set_tier(l, "mid", SIM_KRAKEN_INTERMEDIATE), 0);
    for (int i = 0; i < 125; i++) {
        assert_int_equal(s_trade(l, "mid", "XBTUSD", SIM_KRAKEN_ADD, 0, 0), 0);
    }
    assert_int_equal(s_trade(l, "mid", "XBTUSD", SIM_KRAKEN_ADD, 0, 0), -1);
    assert_int_equal(sim_limits_kraken_trade_level(l, "mid", "XBTUSD", NS), 122660000);
    assert_int_equal(s_trade(l, "mid", "XBTUSD", SIM_KRAKEN_ADD, 0, NS), 0);
    assert_int_equal(s_trade(l, "mid", "XBTUSD", SIM_KRAKEN_ADD, 0, NS), 0);
    assert_int_equal(s_trade(l, "mid", "XBTUSD", SIM_KRAKEN_ADD, 0, NS), -1); /* 125.66 */
    /* Pro: 180, -3.75/s. */
    assert_int_equal(sim_limits_set_tier(l, "pro", SIM_KRAKEN_PRO), 0);
    for (int i = 0; i < 180; i++) {
        assert_int_equal(s_trade(l, "pro", "XBTUSD", SIM_KRAKEN_ADD, 0, 0), 0);
    }
    assert_int_equal(s_trade(l, "pro", "XBTUSD", SIM_KRAKEN_ADD, 0, 0), -1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(s_trade(l, "pro", "XBTUSD", SIM_KRAKEN_ADD, 0, NS), 0);
    }
    assert_int_equal(s_trade(l, "pro", "XBTUSD", SIM_KRAKEN_ADD, 0, NS), -1); /* 180.25 */
    /* A batch: 10 adds cost 5; a batch cancel of 10 young orders costs 80, over any counter. */
    const char *error = NULL;
    assert_int_equal(
        sim_limits_kraken_trade(l, "b", "XBTUSD", SIM_KRAKEN_BATCH_ADD, 0, 10, 0, &error), 0);
    assert_int_equal(sim_limits_kraken_trade_level(l, "b", "XBTUSD", 0), 5 * U);
    assert_int_equal(
        sim_limits_kraken_trade(l, "b", "XBTUSD", SIM_KRAKEN_BATCH_CANCEL, 0, 10, 0, &error), -1);
    assert_string_equal(error, SIM_KRAKEN_ORDER_RATE_LIMIT);
    assert_int_equal(sim_limits_kraken_trade(l, "b", "XBTUSD", SIM_KRAKEN_BATCH_CANCEL, 0,
                                             4000000000u, 0, &error),
                     -1);
    sim_limits_destroy(&l);
}

static void
test_kraken_open_orders(void **state)
{
    (void) state;
    sim_limits_t *l = sim_limits_new();
    const char *error = "untouched";
    assert_int_equal(sim_limits_kraken_open_orders(l, "k", 59, &error), 0);
    assert_null(error);
    assert_int_equal(sim_limits_kraken_open_orders(l, "k", 60, &error), -1);
    assert_string_equal(error, "EOrder:Orders limit exceeded");
    sim_limits_set_tier(l, "mid", SIM_KRAKEN_INTERMEDIATE);
    sim_limits_set_tier(l, "pro", SIM_KRAKEN_PRO);
    assert_int_equal(sim_limits_kraken_open_orders(l, "mid", 79, NULL), 0);
    assert_int_equal(sim_limits_kraken_open_orders(l, "mid", 80, NULL), -1);
    assert_int_equal(sim_limits_kraken_open_orders(l, "pro", 224, NULL), 0);
    assert_int_equal(sim_limits_kraken_open_orders(l, "pro", 225, NULL), -1);
    assert_int_equal(sim_limits_kraken_max_open(SIM_KRAKEN_STARTER), 60);
    sim_limits_set_enabled(l, false);
    assert_int_equal(sim_limits_kraken_open_orders(l, "k", 1000, &error), 0);
    sim_limits_destroy(&l);
}

static void
test_kraken_public(void **state)
{
    (void) state;
    sim_limits_t *l = sim_limits_new();
    const char *error = NULL;
    for (int i = 0; i < SIM_LIMITS_KRAKEN_PUBLIC_BURST; i++) {
        assert_int_equal(sim_limits_kraken_public(l, "10.0.0.1", 0, &error), 0);
    }
    assert_int_equal(sim_limits_kraken_public(l, "10.0.0.1", 0, &error), -1);
    assert_string_equal(error, SIM_KRAKEN_RATE_LIMIT);
    assert_int_equal(sim_limits_kraken_public(l, "10.0.0.2", 0, &error), 0);
    assert_int_equal(sim_limits_kraken_public(l, "10.0.0.1", NS - 1, &error), -1);
    assert_int_equal(sim_limits_kraken_public(l, "10.0.0.1", NS, &error), 0);
    assert_int_equal(sim_limits_kraken_public(l, "10.0.0.1", NS, &error), -1);
    /* 1 call/s is sustained indefinitely. */
    for (int64_t i = 2; i < 200; i++) {
        assert_int_equal(sim_limits_kraken_public(l, "10.0.0.1", i * NS, &error), 0);
    }
    sim_limits_destroy(&l);
}

static int
s_weight(sim_limits_t *l, const char *ip, int64_t weight, int64_t now_ns, sim_limits_binance_t *out)
{
    int rc = sim_limits_binance_request(l, ip, weight, now_ns, out);
    assert_int_equal(rc, out->code);
    if (rc == 0) {
        assert_int_equal(out->status, 200);
        assert_int_equal(out->retry_after_s, 0);
        assert_string_equal(out->msg, "");
    } else {
        assert_true(out->status == 429 || out->status == 418);
        assert_true(out->retry_after_s >= 1);
    }
    return rc;
}

static void
test_binance_weight_window(void **state)
{
    (void) state;
    sim_limits_t *l = sim_limits_new();
    sim_limits_binance_t out = {0};
    const int64_t t = MINUTE0 + 30 * NS;
    for (int i = 1; i <= 6; i++) {
        assert_int_equal(s_weight(l, "1.1.1.1", 1000, t, &out), 0);
        assert_int_equal(out.used_weight_1m, 1000 * i);
    }
    assert_int_equal(s_weight(l, "1.1.1.1", 1, t, &out), -1003);
    assert_int_equal(out.status, 429);
    assert_int_equal(out.retry_after_s, 30);
    assert_int_equal(out.used_weight_1m, 6000); /* refused weight is not counted */
    assert_string_equal(
        out.msg, "Too much request weight used; current limit is 6000 request weight per 1 "
                 "MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.");
    /* The next minute starts a new window (the client waited: no violation). */
    assert_int_equal(s_weight(l, "1.1.1.1", 1, MINUTE0 + 60 * NS, &out), 0);
    assert_int_equal(out.used_weight_1m, 1);
    assert_int_equal(sim_limits_binance_used_weight(l, "1.1.1.1", MINUTE0 + 119 * NS), 1);
    assert_int_equal(sim_limits_binance_used_weight(l, "1.1.1.1", MINUTE0 + 120 * NS), 0);
    /* Windows are aligned to the minute, not sliding. */
    assert_int_equal(s_weight(l, "2.2.2.2", 6000, MINUTE0 + 60 * NS - 1, &out), 0);
    assert_int_equal(s_weight(l, "2.2.2.2", 6000, MINUTE0 + 60 * NS, &out), 0);
    assert_int_equal(out.used_weight_1m, 6000);
    /* Exactly the limit fits; Retry-After rounds up. */
    assert_int_equal(s_weight(l, "3.3.3.3", 5999, t + 200 * MS, &out), 0);
    assert_int_equal(s_weight(l, "3.3.3.3", 1, t + 200 * MS, &out), 0);
    assert_int_equal(s_weight(l, "3.3.3.3", 1, t + 200 * MS, &out), -1003);
    assert_int_equal(out.retry_after_s, 30);
    assert_int_equal(s_weight(l, "4.4.4.4", 6001, MINUTE0 + 59 * NS + 1, &out), -1003);
    assert_int_equal(out.retry_after_s, 1);
    /* Refund: a successful order costs 0 weight. */
    assert_int_equal(s_weight(l, "5.5.5.5", 10, t, &out), 0);
    sim_limits_binance_refund(l, "5.5.5.5", 4, t);
    assert_int_equal(sim_limits_binance_used_weight(l, "5.5.5.5", t), 6);
    sim_limits_binance_refund(l, "5.5.5.5", 40, t);
    assert_int_equal(sim_limits_binance_used_weight(l, "5.5.5.5", t), 0);
    sim_limits_binance_refund(l, "nobody", 40, t);
    /* Configured limit. */
    sim_limits_set_binance(l, 100, 0, 0);
    assert_int_equal(s_weight(l, "6.6.6.6", 100, t, &out), 0);
    assert_int_equal(s_weight(l, "6.6.6.6", 1, t, &out), -1003);
    assert_non_null(strstr(out.msg, "current limit is 100 request weight per 1 MINUTE."));
    sim_limits_destroy(&l);
}

/* Fills ip's window, gets the 429, then sends ban_after requests inside
 * the Retry-After; returns the last answer's Retry-After (the 418). */
static int64_t
s_offend(sim_limits_t *l, const char *ip, int64_t t, unsigned ban_after)
{
    sim_limits_binance_t out = {0};
    assert_int_equal(s_weight(l, ip, 6000, t, &out), 0);
    assert_int_equal(s_weight(l, ip, 1, t, &out), -1003);
    assert_int_equal(out.status, 429);
    for (unsigned i = 1; i < ban_after; i++) {
        assert_int_equal(s_weight(l, ip, 1, t, &out), -1003);
        assert_int_equal(out.status, 429);
    }
    assert_int_equal(s_weight(l, ip, 1, t, &out), -1003);
    assert_int_equal(out.status, 418);
    return out.retry_after_s;
}

static void
test_binance_ban_escalation(void **state)
{
    (void) state;
    sim_limits_t *l = sim_limits_new();
    sim_limits_binance_t out = {0};
    const int64_t t = MINUTE0 + 10 * NS;
    assert_int_equal(s_weight(l, "ip", 6000, t, &out), 0);
    assert_int_equal(s_weight(l, "ip", 1, t, &out), -1003);
    assert_int_equal(out.retry_after_s, 50);
    /* Requests inside the Retry-After: violations 1 and 2 get 429 ... */
    assert_int_equal(s_weight(l, "ip", 1, t + NS, &out), -1003);
    assert_int_equal(out.status, 429);
    assert_int_equal(out.retry_after_s, 49);
    assert_int_equal(s_weight(l, "ip", 1, t + 2 * NS, &out), -1003);
    assert_int_equal(out.status, 429);
    /* ... the third is banned for 2 minutes. */
    assert_int_equal(s_weight(l, "ip", 1, t + 3 * NS, &out), -1003);
    assert_int_equal(out.status, 418);
    assert_int_equal(out.code, -1003);
    assert_int_equal(out.retry_after_s, 120);
    char want[192];
    snprintf(
        want, sizeof want,
        "Way too much request weight used; IP banned until %lld. Please use WebSocket Streams for "
        "live updates to avoid bans.",
        (long long) ((t + 123 * NS) / MS));
    assert_string_equal(out.msg, want);
    assert_int_equal(s_weight(l, "ip", 1, t + 122 * NS + 500 * MS, &out), -1003);
    assert_int_equal(out.status, 418);
    assert_int_equal(out.retry_after_s, 1);
    assert_int_equal(s_weight(l, "ip", 1, t + 123 * NS, &out), 0);
    /* Repeat offences double the ban up to 3 days. */
    const int64_t want_s[] = {240,   480,   960,    1920,   3840,   7680,  15360,
                              30720, 61440, 122880, 245760, 259200, 259200};
    int64_t now = t + 200 * NS;
    for (size_t i = 0; i < sizeof want_s / sizeof want_s[0]; i++) {
        assert_int_equal(s_offend(l, "ip", now, SIM_LIMITS_BINANCE_BAN_AFTER), want_s[i]);
        now += want_s[i] * NS;
    }
    /* A day after the last ban ends, the IP starts over at 2 minutes. */
    now += DAY_NS;
    assert_int_equal(s_offend(l, "ip", now, SIM_LIMITS_BINANCE_BAN_AFTER), 120);
    /* A client that waits out every Retry-After is never banned. */
    for (int i = 0; i < 20; i++) {
        int64_t minute = MINUTE0 + i * 60 * NS;
        assert_int_equal(s_weight(l, "good", 6000, minute + 5 * NS, &out), 0);
        assert_int_equal(s_weight(l, "good", 1, minute + 5 * NS, &out), -1003);
        assert_int_equal(out.status, 429);
    }
    /* Configured: the first request inside a Retry-After bans; 0 never bans. */
    sim_limits_set_binance_ban(l, 1);
    assert_int_equal(s_offend(l, "strict", MINUTE0, 1), 120);
    sim_limits_set_binance_ban(l, 0);
    assert_int_equal(s_weight(l, "lax", 6000, MINUTE0, &out), 0);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(s_weight(l, "lax", 1, MINUTE0 + i * MS, &out), -1003);
        assert_int_equal(out.status, 429);
    }
    sim_limits_destroy(&l);
}

static void
test_binance_orders(void **state)
{
    (void) state;
    sim_limits_t *l = sim_limits_new();
    sim_limits_binance_t out = {0};
    const int64_t day0 = 19500 * DAY_NS;
    const int64_t t = day0 + 100 * NS;
    /* A request's weight, then its order count, in one struct. */
    assert_int_equal(s_weight(l, "ip", 1, t, &out), 0);
    for (int i = 1; i <= 100; i++) {
        assert_int_equal(sim_limits_binance_order(l, "acct", t, &out), 0);
        assert_int_equal(out.order_count_10s, i);
        assert_int_equal(out.order_count_1d, i);
    }
    assert_int_equal(out.used_weight_1m, 1);
    assert_int_equal(sim_limits_binance_order(l, "acct", t + 9500 * MS, &out), -1015);
    assert_int_equal(out.status, 429);
    assert_int_equal(out.code, -1015);
    assert_int_equal(out.retry_after_s, 1);
    assert_string_equal(out.msg, "Too many new orders; current limit is 100 orders per 10 SECOND.");
    assert_int_equal(out.order_count_10s, 100);
    assert_int_equal(out.order_count_1d, 100);
    assert_int_equal(sim_limits_binance_order(l, "other", t, &out), 0); /* per account */
    assert_int_equal(sim_limits_binance_order(l, "acct", t + 10 * NS, &out), 0);
    assert_int_equal(out.order_count_10s, 1);
    assert_int_equal(out.order_count_1d, 101);
    /* The daily limit, configured down to 150. */
    sim_limits_set_binance(l, 0, 0, 150);
    for (int i = 102; i <= 150; i++) {
        assert_int_equal(sim_limits_binance_order(l, "acct", t + 20 * NS, &out), 0);
    }
    assert_int_equal(sim_limits_binance_order(l, "acct", t + 20 * NS, &out), -1015);
    assert_string_equal(out.msg, "Too many new orders; current limit is 150 orders per 1 DAY.");
    assert_int_equal(out.retry_after_s, 86400 - 120);
    assert_int_equal(out.order_count_1d, 150);
    assert_int_equal(sim_limits_binance_order(l, "acct", day0 + DAY_NS, &out), 0);
    assert_int_equal(out.order_count_1d, 1);
    /* Configured 10 s limit. */
    sim_limits_set_binance(l, 0, 2, 0);
    assert_int_equal(sim_limits_binance_order(l, "x", t, &out), 0);
    assert_int_equal(sim_limits_binance_order(l, "x", t, &out), 0);
    assert_int_equal(sim_limits_binance_order(l, "x", t, &out), -1015);
    assert_string_equal(out.msg, "Too many new orders; current limit is 2 orders per 10 SECOND.");
    sim_limits_destroy(&l);
}

static void
test_disabled_and_reset(void **state)
{
    (void) state;
    sim_limits_t *l = sim_limits_new();
    assert_true(sim_limits_enabled(l));
    sim_limits_set_enabled(l, false);
    assert_false(sim_limits_enabled(l));
    sim_limits_binance_t out = {0};
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(s_call(l, "k", "Ledgers", 0), 0);
        assert_int_equal(s_trade(l, "k", "XBTUSD", SIM_KRAKEN_CANCEL, 0, 0), 0);
        assert_int_equal(sim_limits_kraken_public(l, "ip", 0, NULL), 0);
        assert_int_equal(s_weight(l, "ip", 1000, MINUTE0, &out), 0);
        assert_int_equal(sim_limits_binance_order(l, "k", MINUTE0, &out), 0);
    }
    assert_int_equal(out.used_weight_1m, 0);
    assert_int_equal(out.order_count_10s, 0);
    assert_int_equal(sim_limits_entries(l), 0);
    sim_limits_set_enabled(l, true);
    for (int i = 0; i < 15; i++) {
        assert_int_equal(s_call(l, "k", "Balance", 0), 0);
    }
    assert_int_equal(s_call(l, "k", "Balance", 0), -1);
    /* Reset forgets counters, blocks and bans, keeps tiers. */
    assert_int_equal(sim_limits_set_tier(l, "pro", SIM_KRAKEN_PRO), 0);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(s_call(l, "pro", "Balance", 0), 0);
    }
    assert_int_equal(s_offend(l, "ip", MINUTE0, SIM_LIMITS_BINANCE_BAN_AFTER), 120);
    assert_true(sim_limits_entries(l) > 0);
    sim_limits_reset(l);
    assert_int_equal(sim_limits_entries(l), 0);
    assert_int_equal(s_call(l, "k", "Balance", 0), 0);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(s_call(l, "pro", "Balance", 0), 0);
    }
    assert_int_equal(s_call(l, "pro", "Balance", 0), -1);
    assert_int_equal(s_weight(l, "ip", 1, MINUTE0 + NS, &out), 0);
    sim_limits_destroy(&l);
}

static void
test_bounded_memory(void **state)
{
    (void) state;
    sim_limits_t *l = sim_limits_new();
    sim_limits_binance_t out = {0};
    char ip[32];
    /* A flood of distinct IPs at one instant: each table stops at its capacity. */
    for (int i = 0; i < 3 * SIM_LIMITS_CAPACITY; i++) {
        snprintf(ip, sizeof ip, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        assert_int_equal(sim_limits_kraken_public(l, ip, 0, NULL), 0);
        assert_int_equal(s_weight(l, ip, 1, MINUTE0, &out), 0);
    }
    assert_int_equal(sim_limits_entries(l), 2 * SIM_LIMITS_CAPACITY);
    sim_limits_set_capacity(l, 1000);
    assert_int_equal(sim_limits_entries(l), 2000);
    sim_limits_reset(l);

    /* The least recently used entry is the one evicted. */
    sim_limits_set_capacity(l, 16);
    for (int i = 0; i < 16; i++) {
        snprintf(ip, sizeof ip, "ip%d", i);
        for (int j = 0; j < SIM_LIMITS_KRAKEN_PUBLIC_BURST; j++) {
            assert_int_equal(sim_limits_kraken_public(l, ip, 0, NULL), 0);
        }
    }
    assert_int_equal(sim_limits_kraken_public(l, "ip0", 0, NULL), -1); /* ip0 is now the newest */
    assert_int_equal(sim_limits_kraken_public(l, "newcomer", 0, NULL), 0); /* evicts ip1 */
    assert_int_equal(sim_limits_entries(l), 16);
    assert_int_equal(sim_limits_kraken_public(l, "ip0", 0, NULL), -1);
    assert_int_equal(sim_limits_kraken_public(l, "ip2", 0, NULL), -1);
    assert_int_equal(sim_limits_kraken_public(l, "ip1", 0, NULL), 0); /* forgotten */
    sim_limits_reset(l);

    /* Entries whose state has decayed away are dropped as the table is used. */
    sim_limits_set_capacity(l, SIM_LIMITS_CAPACITY);
    for (int i = 0; i < 10; i++) {
        snprintf(ip, sizeof ip, "idle%d", i);
        assert_int_equal(sim_limits_kraken_public(l, ip, 0, NULL), 0);
        assert_int_equal(s_call(l, ip, "Balance", 0), 0);
    }
    assert_int_equal(sim_limits_entries(l), 20);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(sim_limits_kraken_public(l, "busy", 3600 * NS + i * NS, NULL), 0);
        assert_int_equal(s_call(l, "busy", "Balance", 3600 * NS), 0);
    }
    assert_int_equal(sim_limits_entries(l), 2);
    sim_limits_destroy(&l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kraken_starter_burst_and_exact_decay),
        cmocka_unit_test(test_kraken_block_extends_while_calls_continue),
        cmocka_unit_test(test_kraken_tiers_and_costs),
        cmocka_unit_test(test_kraken_trade_costs),
        cmocka_unit_test(test_kraken_trade_counter),
        cmocka_unit_test(test_kraken_open_orders),
        cmocka_unit_test(test_kraken_public),
        cmocka_unit_test(test_binance_weight_window),
        cmocka_unit_test(test_binance_ban_escalation),
        cmocka_unit_test(test_binance_orders),
        cmocka_unit_test(test_disabled_and_reset),
        cmocka_unit_test(test_bounded_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
