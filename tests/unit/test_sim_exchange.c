/* test_sim_exchange.c - venue-sim's accounts and orders: holds, exact fees, cancel releases, checks, stops, dead-man's switch */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cb_time.h"
#include "sim_exchange.h"

#define FX(s) s_fx(s)

static sim_fx_t
s_fx(const char *s)
{
    sim_fx_t v;
    assert_true(sim_fx_parse(s, strlen(s), &v));
    return v;
}

/* Kraken BTC/USD is instrument 0, Binance BTCUSDT instrument 3. */
enum { K_BTC = 0, B_BTC = 3, K_USD = 3, K_XBT = 0, B_USDT = 3, B_BTC_ASSET = 0 };

typedef struct {
    sim_market_t *market;
    sim_exchange_t *x;
    sim_account_t *k;
    sim_account_t *b;
} s_world_t;

static int
s_setup(void **state)
{
    static s_world_t w;
    w.market = sim_market_new(3, 1000);
    w.x = sim_exchange_new(w.market);
    char err[128];
    if (sim_exchange_add_accounts(w.x, "kraken kk c2VjcmV0 ZUSD=100000 XXBT=2\n# comment\n; binance bk bs USDT=50000 BTC=1",
                                  err, sizeof err) != 0) {
        return -1;
    }
    w.k = sim_exchange_account_by_key(w.x, SIM_VENUE_KRAKEN, "kk", 2);
    w.b = sim_exchange_account_by_key(w.x, SIM_VENUE_BINANCE, "bk", 2);
    *state = &w;
    return w.k != NULL && w.b != NULL ? 0 : -1;
}

static int
s_teardown(void **state)
{
    s_world_t *w = *state;
    sim_exchange_destroy(&w->x);
    sim_market_destroy(&w->market);
    return 0;
}

static sim_order_req_t
s_limit(size_t inst, sim_side_t side, sim_fx_t price, sim_fx_t qty)
{
    sim_order_req_t r;
    memset(&r, 0, sizeof r);
    r.inst = inst;
    r.side = side;
    r.type = SIM_OT_LIMIT;
    r.price = price;
    r.qty = qty;
    return r;
}

static void
test_config_errors(void **state)
{
    s_world_t *w = *state;
    char err[160];
    assert_int_equal(sim_exchange_add_accounts(w->x, "kraken a b ZUSD=1\nbinance c", err, sizeof err), -1);
    assert_non_null(strstr(err, "entry 2"));
    assert_int_equal(sim_exchange_add_accounts(w->x, "kraken a b DOGE=1", err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown kraken asset 'DOGE'"));
    assert_int_equal(sim_exchange_add_accounts(w->x, "kraken a b ZUSD=-1", err, sizeof err), -1);
    assert_int_equal(sim_exchange_add_accounts(w->x, "kraken kk b ZUSD=1", err, sizeof err), -1);
    assert_non_null(strstr(err, "already used"));
    assert_null(sim_exchange_account_by_key(w->x, SIM_VENUE_KRAKEN, "a", 1));
    sim_exchange_t *x2 = sim_exchange_new(w->market);
    assert_int_equal(sim_exchange_add_accounts(x2, SIM_EXCHANGE_DEFAULT_ACCOUNTS, err, sizeof err), 0);
    sim_exchange_destroy(&x2);
    sim_market_on_fill(w->market, NULL, NULL);
    /* Re-hook the world's exchange (x2 unhooked the shared market). */
    sim_exchange_destroy(&w->x);
    w->x = sim_exchange_new(w->market);
    assert_int_equal(sim_exchange_add_accounts(w->x, "kraken kk c2VjcmV0 ZUSD=100000 XXBT=2\nbinance bk bs USDT=50000 BTC=1",
                                               err, sizeof err), 0);
    w->k = sim_exchange_account_by_key(w->x, SIM_VENUE_KRAKEN, "kk", 2);
    w->b = sim_exchange_account_by_key(w->x, SIM_VENUE_BINANCE, "bk", 2);
}

static void
test_resting_buy_holds_and_cancel_releases(void **state)
{
    s_world_t *w = *state;
    sim_fx_t bid = sim_book_best(sim_market_book(w->market, K_BTC), SIM_BUY, NULL);
    sim_fx_t price = bid - FX("100");
    sim_order_req_t r = s_limit(K_BTC, SIM_BUY, price, FX("0.5"));
    const sim_xorder_t *o;
    assert_int_equal(sim_exchange_place(w->x, w->k, &r, &o), SIM_X_OK);
    assert_int_equal(o->status, SIM_OS_OPEN);
    /* Hold: cost + taker fee (0.40%) in ZUSD, rounded to 4 decimals. */
    sim_fx_t cost;
    assert_true(sim_fx_mul(price, FX("0.5"), &cost));
    sim_fx_t fee = cost * 40 / 10000;
    assert_int_equal(w->k->hold[K_USD], cost + fee);
    assert_int_equal(w->k->total[K_USD], FX("100000"));
    uint64_t id = o->id;
    assert_int_equal(sim_exchange_cancel(w->x, w->k, id, "User requested", &o), SIM_X_OK);
    assert_int_equal(o->status, SIM_OS_CANCELED);
    assert_string_equal(o->reason, "User requested");
    assert_int_equal(w->k->hold[K_USD], 0);
    assert_int_equal(w->k->total[K_USD], FX("100000"));
    assert_int_equal(sim_exchange_cancel(w->x, w->k, id, "User requested", NULL), SIM_X_UNKNOWN_ORDER);
}

typedef struct {
    uint64_t order_id;
    sim_fx_t cost;
    sim_fx_t fee;
    sim_fx_t qty;
    size_t n;
} s_sum_t;

static bool
s_sum_trades(void *ctx, const sim_xtrade_t *t)
{
    s_sum_t *s = ctx;
    if (t->order_id == s->order_id) {
        s->cost += t->cost;
        s->fee += t->fee;
        s->qty += t->qty;
        s->n++;
    }
    return true;
}

static void
test_market_buy_settles_exactly(void **state)
{
    s_world_t *w = *state;
    sim_fx_t usd0 = w->k->total[K_USD], xbt0 = w->k->total[K_XBT];
    sim_order_req_t r = s_limit(K_BTC, SIM_BUY, 0, FX("0.75"));
    r.type = SIM_OT_MARKET;
    const sim_xorder_t *o;
    assert_int_equal(sim_exchange_place(w->x, w->k, &r, &o), SIM_X_OK);
    assert_int_equal(o->status, SIM_OS_FILLED);
    assert_int_equal(o->filled, FX("0.75"));
    s_sum_t sum = {o->id, 0, 0, 0, 0};
    sim_exchange_each_trade(w->x, w->k->owner, s_sum_trades, &sum);
    assert_true(sum.n >= 1);
    assert_int_equal(sum.qty, FX("0.75"));
    assert_int_equal(sum.cost, o->cost);
    assert_int_equal(sum.fee, o->fee);
    assert_int_equal(w->k->total[K_USD], usd0 - o->cost - o->fee);
    assert_int_equal(w->k->total[K_XBT], xbt0 + FX("0.75"));
    assert_int_equal(w->k->hold[K_USD], 0);
    /* Fees and costs are on ZUSD's 4 decimals. */
    assert_int_equal(o->fee % 10000, 0);
    assert_int_equal(o->cost % 10000, 0);
}

static void
test_binance_fee_in_base_and_sell(void **state)
{
    s_world_t *w = *state;
    sim_fx_t btc0 = w->b->total[B_BTC_ASSET], usdt0 = w->b->total[B_USDT];
    sim_order_req_t r = s_limit(B_BTC, SIM_BUY, 0, FX("0.1"));
    r.type = SIM_OT_MARKET;
    r.fee_in_base = true;
    const sim_xorder_t *o;
    assert_int_equal(sim_exchange_place(w->x, w->b, &r, &o), SIM_X_OK);
    assert_int_equal(o->fee_asset, B_BTC_ASSET);
    assert_int_equal(o->fee, FX("0.0001")); /* 0.1% of 0.1 BTC */
    assert_int_equal(w->b->total[B_BTC_ASSET], btc0 + FX("0.1") - FX("0.0001"));
    assert_int_equal(w->b->total[B_USDT], usdt0 - o->cost);
    /* Sell it back: proceeds minus 0.1% in USDT. */
    sim_fx_t usdt1 = w->b->total[B_USDT];
    r = s_limit(B_BTC, SIM_SELL, 0, FX("0.05"));
    r.type = SIM_OT_MARKET;
    assert_int_equal(sim_exchange_place(w->x, w->b, &r, &o), SIM_X_OK);
    assert_int_equal(w->b->total[B_USDT], usdt1 + o->cost - o->fee);
    assert_int_equal(w->b->hold[B_BTC_ASSET], 0);
}

static void
test_checks(void **state)
{
    s_world_t *w = *state;
    sim_fx_t bid = sim_book_best(sim_market_book(w->market, K_BTC), SIM_BUY, NULL);
    sim_fx_t ask = sim_book_best(sim_market_book(w->market, K_BTC), SIM_SELL, NULL);
    sim_order_req_t r = s_limit(K_BTC, SIM_BUY, bid - FX("0.05"), FX("0.01"));
    assert_int_equal(sim_exchange_check(w->x, w->k, &r), SIM_X_TICK);
    r = s_limit(K_BTC, SIM_BUY, bid, FX("0.00001"));
    assert_int_equal(sim_exchange_check(w->x, w->k, &r), SIM_X_MIN_QTY);
    r = s_limit(K_BTC, SIM_BUY, bid, FX("100"));
    assert_int_equal(sim_exchange_place(w->x, w->k, &r, NULL), SIM_X_INSUFFICIENT_FUNDS);
    r = s_limit(B_BTC, SIM_BUY, FX("10"), FX("0.1"));
    assert_int_equal(sim_exchange_check(w->x, w->b, &r), SIM_X_MIN_NOTIONAL);
    r = s_limit(B_BTC, SIM_BUY, FX("60000"), FX("0.000015"));
    assert_int_equal(sim_exchange_check(w->x, w->b, &r), SIM_X_LOT);
    /* Post-only that would cross. */
    r = s_limit(K_BTC, SIM_BUY, ask, FX("0.01"));
    r.post_only = true;
    const sim_xorder_t *o;
    assert_int_equal(sim_exchange_place(w->x, w->k, &r, &o), SIM_X_WOULD_TAKE);
    assert_int_equal(o->status, SIM_OS_CANCELED);
    assert_string_equal(o->reason, "Post only order");
    assert_int_equal(w->k->hold[K_USD], 0);
    /* Duplicate client order id among open orders, and the counter. */
    r = s_limit(K_BTC, SIM_BUY, bid - FX("500"), FX("0.01"));
    strcpy(r.cl_ord_id, "abc-1");
    assert_int_equal(sim_exchange_place(w->x, w->k, &r, NULL), SIM_X_OK);
    assert_int_equal(sim_exchange_place(w->x, w->k, &r, NULL), SIM_X_DUPLICATE_ID);
    assert_int_equal(sim_exchange_clid_count(w->x, w->k->owner, "abc-1"), 2);
    assert_non_null(sim_exchange_order_by_clid(w->x, w->k->owner, "abc-1", true));
    assert_int_equal(sim_exchange_cancel_all(w->x, w->k, SIZE_MAX, NULL, 0), 1);
    assert_int_equal(w->k->hold[K_USD], 0);
}

static void
test_dead_mans_switch_and_stops(void **state)
{
    s_world_t *w = *state;
    sim_fx_t bid = sim_book_best(sim_market_book(w->market, K_BTC), SIM_BUY, NULL);
    sim_order_req_t r = s_limit(K_BTC, SIM_BUY, bid - FX("300"), FX("0.01"));
    const sim_xorder_t *o;
    assert_int_equal(sim_exchange_place(w->x, w->k, &r, &o), SIM_X_OK);
    uint64_t id = o->id;
    int64_t now = cb_time_now_ns();
    w->k->dms_trigger_ns = now + 1000000000LL;
    sim_exchange_poll(w->x, now);
    assert_int_equal(sim_exchange_order(w->x, id)->status, SIM_OS_OPEN);
    sim_exchange_poll(w->x, now + 1000000000LL);
    assert_int_equal(sim_exchange_order(w->x, id)->status, SIM_OS_CANCELED);
    assert_string_equal(sim_exchange_order(w->x, id)->reason, "Dead man's switch");
    assert_int_equal(w->k->dms_trigger_ns, 0);
    /* A take-profit sell far above and a stop-loss sell just above the
     * last price: the stop triggers at the next trade, the other waits. */
    sim_fx_t last = sim_market_last_price(w->market, K_BTC);
    r = s_limit(K_BTC, SIM_SELL, 0, FX("0.01"));
    r.type = SIM_OT_TAKE_PROFIT;
    r.stop_price = sim_fx_round_to(last * 2, FX("0.1"), 0);
    assert_int_equal(sim_exchange_place(w->x, w->k, &r, &o), SIM_X_OK);
    uint64_t tp = o->id;
    r.type = SIM_OT_STOP_LOSS;
    r.stop_price = sim_fx_round_to(last + FX("1000"), FX("0.1"), 0);
    assert_int_equal(sim_exchange_place(w->x, w->k, &r, &o), SIM_X_OK);
    uint64_t sl = o->id;
    assert_int_equal(o->status, SIM_OS_PENDING);
    assert_int_equal(w->k->hold[K_XBT], FX("0.02"));
    int64_t t = cb_time_now_ns();
    for (int k = 1; k <= 3000 && sim_exchange_order(w->x, sl)->status == SIM_OS_PENDING; k++) {
        sim_market_step(w->market, t + k * 1000000LL);
        sim_exchange_poll(w->x, t + k * 1000000LL);
    }
    assert_int_equal(sim_exchange_order(w->x, sl)->status, SIM_OS_FILLED);
    assert_int_equal(sim_exchange_order(w->x, tp)->status, SIM_OS_PENDING);
    assert_int_equal(w->k->hold[K_XBT], FX("0.01"));
    /* A stop buy whose market cost outgrows its hold when it triggers
     * expires for lack of funds and never overdraws. */
    char err[128];
    assert_int_equal(sim_exchange_add_accounts(w->x, "kraken tight c2VjcmV0 ZUSD=20", err, sizeof err), 0);
    sim_account_t *tight = sim_exchange_account_by_key(w->x, SIM_VENUE_KRAKEN, "tight", 5);
    w->k = sim_exchange_account_by_key(w->x, SIM_VENUE_KRAKEN, "kk", 2); /* adding accounts moves them */
    r = s_limit(K_BTC, SIM_BUY, 0, FX("0.01"));
    r.type = SIM_OT_STOP_LOSS;
    r.stop_price = FX("1000");
    assert_int_equal(sim_exchange_place(w->x, tight, &r, &o), SIM_X_OK);
    uint64_t tight_id = o->id;
    assert_int_equal(tight->hold[K_USD], FX("10.04"));
    t = cb_time_now_ns();
    for (int k = 1; k <= 3000 && sim_exchange_order(w->x, tight_id)->status == SIM_OS_PENDING; k++) {
        sim_market_step(w->market, t + k * 1000000LL);
        sim_exchange_poll(w->x, t + k * 1000000LL);
    }
    assert_int_equal(sim_exchange_order(w->x, tight_id)->status, SIM_OS_EXPIRED);
    assert_string_equal(sim_exchange_order(w->x, tight_id)->reason, "Insufficient funds");
    assert_int_equal(tight->total[K_USD], FX("20"));
    assert_int_equal(tight->hold[K_USD], 0);
    sim_exchange_reset(w->x);
    assert_int_equal(w->k->hold[K_XBT], 0);
    assert_int_equal(w->k->total[K_USD], FX("100000"));
    assert_null(sim_exchange_order(w->x, tp));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_resting_buy_holds_and_cancel_releases),
        cmocka_unit_test(test_market_buy_settles_exactly),
        cmocka_unit_test(test_binance_fee_in_base_and_sell),
        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_dead_mans_switch_and_stops),
    };
    return cmocka_run_group_tests_name("sim_exchange", tests, s_setup, s_teardown);
}
