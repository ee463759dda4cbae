/* test_venue_orders_sim.c - the Kraken and Binance order calls built, signed and sent to venue-sim over real HTTP; the parsed results checked against what the sim holds */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_binance.h"
#include "cb_binance_orders.h"
#include "cb_error.h"
#include "cb_kraken.h"
#include "cb_kraken_orders.h"
#include "cb_time.h"
#include "cbh_simthread.h"
#include "sim_exchange.h"

#define KR_KEY CBH_SIM_PAPER_KRAKEN_KEY
#define BN_KEY CBH_SIM_PAPER_BINANCE_KEY

static cbh_simpaper_t s_paper;
static cb_instruments_t s_list;
static const cb_instrument_t *s_kr_btc;
static const cb_instrument_t *s_bn_btc;

static int
s_setup(void **state)
{
    (void) state;
    if (cbh_simpaper_start(&s_paper) != 0) {
        return -1;
    }
    cb_instrument_t k = {.symbol = "BTC-USD", .base = "BTC", .quote = "USD", .native = "XXBTZUSD",
                         .altname = "XBTUSD", .ws_name = "BTC/USD"};
    cb_instrument_t b = {.symbol = "BTC-USDT", .base = "BTC", .quote = "USDT",
                         .native = "BTCUSDT", .altname = "BTCUSDT", .ws_name = "btcusdt"};
    if (cb_instruments_add(&s_list, &k) != 0 || cb_instruments_add(&s_list, &b) != 0) {
        return -1;
    }
    s_kr_btc = cb_instruments_by_symbol(&s_list, CB_STR("BTC-USD"));
    s_bn_btc = cb_instruments_by_symbol(&s_list, CB_STR("BTC-USDT"));
    return 0;
}

static int
s_teardown(void **state)
{
    (void) state;
    cbh_simpaper_stop(&s_paper);
    cb_instruments_fini(&s_list);
    return 0;
}

/* Signs call with the dialect's paper account and sends it. */
static int
s_call(cb_dialect_t dialect, const cb_order_call_t *call, cbh_http_res_t *out)
{
    cb_venue_req_t req;
    cbh_simthread_paper_req(dialect == CB_DIALECT_KRAKEN ? &s_paper.kraken : &s_paper.binance, call->method,
                            call->path, call->params, ++s_paper.nonce, call->changes_state, &req);
    int status = (int) cbh_simthread_send(&req, out);
    cb_venue_req_fini(&req);
    return status;
}

/* What the sim holds for the account's client order id (locked read). */
static bool
s_sim_order(sim_venue_t venue, const char *key, const char *clid, sim_xorder_t *copy)
{
    cbh_simthread_lock(s_paper.srv);
    sim_exchange_t *x = cbh_simthread_sim(s_paper.srv)->exchange;
    sim_account_t *a = sim_exchange_account_by_key(x, venue, key, strlen(key));
    const sim_xorder_t *o = a != NULL ? sim_exchange_order_by_clid(x, a->owner, clid, false) : NULL;
    if (o != NULL) {
        *copy = *o;
    }
    cbh_simthread_unlock(s_paper.srv);
    return o != NULL;
}

static cb_order_req_t
s_limit(const cb_instrument_t *ins, const char *price, const char *clid)
{
    cb_order_req_t o = {.ins = ins, .buy = true, .type = CB_OTYPE_LIMIT, .has_price = true};
    assert_int_equal(cb_decimal_parse("0.01", 4, &o.amount), 0);
    assert_int_equal(cb_decimal_parse(price, strlen(price), &o.price), 0);
    snprintf(o.client_order_id, sizeof o.client_order_id, "%s", clid);
    return o;
}

static void
s_assert_price(cb_odec_t d, const char *want)
{
    cb_decimal_t w;
    assert_int_equal(cb_decimal_parse(want, strlen(want), &w), 0);
    assert_true(d.set);
    assert_int_equal(cb_decimal_cmp(d.value, w), 0);
}

/* The dialect's lookup by client order id, as the router resolves it (Kraken:
 * open orders, then closed ones); any error fails the test. */
static bool
s_query(cb_dialect_t dialect, const char *clid, cb_vorder_t *out)
{
    cbh_http_res_t res = {0};
    cb_venue_error_t err;
    cb_order_call_t call;
    cb_order_query_t q = {0};
    bool kraken = dialect == CB_DIALECT_KRAKEN;
    for (int closed = 0; closed < (kraken ? 2 : 1) && !q.found; closed++) {
        assert_int_equal(kraken ? cb_kraken_order_query(clid, closed, &call)
                                : cb_binance_order_query(s_bn_btc, clid, &call),
                         0);
        int st = s_call(dialect, &call, &res);
        int rc = kraken ? cb_kraken_order_parse_query(&s_list, clid, st, res.body.data, res.body.len, &q, &err)
                        : cb_binance_order_parse_query(&s_list, st, res.body.data, res.body.len, &q, &err);
        if (rc != 0) {
            fail_msg("%s: %d %.*s -> %s", call.path, st, (int) res.body.len, res.body.data, err.message);
        }
    }
    cbh_http_res_fini(&res);
    *out = q.order;
    return q.found;
}

/* Places req with the dialect's calls (order/test when it validates only);
 * the parse's result, the order in o. */
static int
s_place(cb_dialect_t dialect, const cb_order_req_t *req, cb_vorder_t *o, cb_venue_error_t *err)
{
    cbh_http_res_t res = {0};
    cb_order_call_t call;
    bool kraken = dialect == CB_DIALECT_KRAKEN;
    assert_int_equal(kraken ? cb_kraken_order_place(req, &call) : cb_binance_order_place(req, &call), 0);
    int st = s_call(dialect, &call, &res);
    printf("%s: %d %s\n", call.path, st, res.body.data);
    int rc = kraken ? cb_kraken_order_parse_place(req, st, res.body.data, res.body.len, o, err)
                    : cb_binance_order_parse(&s_list, call.changes_state, st, res.body.data,
                                             res.body.len, o, err);
    cbh_http_res_fini(&res);
    return rc;
}

/* Two limit buys at 40000 (client ids <unique>-0 and -1), both accepted. */
static void
s_place_two(cb_dialect_t dialect, const cb_instrument_t *ins, const char *unique)
{
    cb_venue_error_t err;
    cb_vorder_t o;
    for (int k = 0; k < 2; k++) {
        char clid[48];
        snprintf(clid, sizeof clid, "%s-%d", unique, k);
        cb_order_req_t r = s_limit(ins, "40000", clid);
        assert_int_equal(s_place(dialect, &r, &o, &err), 0);
    }
}

/* A buy of 100 BTC at 50000, more than the account holds: the parse's result. */
static int
s_place_too_big(cb_dialect_t dialect, const cb_instrument_t *ins, cb_venue_error_t *err)
{
    cb_vorder_t o;
    cb_order_req_t big = s_limit(ins, "50000", "");
    assert_int_equal(cb_decimal_parse("100", 3, &big.amount), 0);
    return s_place(dialect, &big, &o, err);
}

static void
test_kraken_orders(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    cb_venue_error_t err;
    cb_order_call_t call;
    cb_vorder_t o, got;
    sim_xorder_t held;
    char unique[24];
    snprintf(unique, sizeof unique, "kr-%lld", (long long) (cb_time_now_ms() % 100000000));

    /* Unknown before it is placed: a definite "no such order". */
    assert_false(s_query(CB_DIALECT_KRAKEN, unique, &got));

    /* validate-only places nothing. */
    cb_order_req_t req = s_limit(s_kr_btc, "50000.1", unique);
    req.validate = true;
    assert_int_equal(s_place(CB_DIALECT_KRAKEN, &req, &o, &err), 0);
    assert_true(o.validated);
    assert_false(s_sim_order(SIM_VENUE_KRAKEN, KR_KEY, unique, &held));

    /* Place, then query by client id finds it, as the sim holds it. */
    req.validate = false;
    assert_int_equal(s_place(CB_DIALECT_KRAKEN, &req, &o, &err), 0);
    assert_true(o.id[0] == 'O');
    assert_true(s_sim_order(SIM_VENUE_KRAKEN, KR_KEY, unique, &held));
    assert_int_equal(held.status, SIM_OS_OPEN);
    assert_true(s_query(CB_DIALECT_KRAKEN, unique, &got));
    assert_string_equal(got.id, o.id);
    assert_string_equal(got.symbol, "BTC-USD");
    assert_int_equal(got.status, CB_OSTATUS_OPEN);
    s_assert_price(got.price, "50000.1");
    s_assert_price(got.amount, "0.01");

    /* The same client order id again: the venue's duplicate error, a refusal. */
    assert_int_equal(s_place(CB_DIALECT_KRAKEN, &req, &o, &err), cb_verr_code(CB_VERR_REJECTED));
    assert_int_equal(cb_order_reject_reason(&err), CB_OREJECT_DUPLICATE);

    /* Amend in place: new price, same ids. */
    cb_order_amend_t a = {.ref = {.ins = s_kr_btc}, .has_price = true};
    snprintf(a.ref.client_order_id, sizeof a.ref.client_order_id, "%s", unique);
    assert_int_equal(cb_decimal_parse("49000.5", 7, &a.price), 0);
    assert_int_equal(cb_kraken_order_amend(&a, &call), 0);
    int st = s_call(CB_DIALECT_KRAKEN, &call, &res);
    assert_int_equal(cb_kraken_order_parse_amend(&a, st, res.body.data, res.body.len, &o, &err), 0);
    assert_true(s_query(CB_DIALECT_KRAKEN, unique, &got));
    s_assert_price(got.price, "49000.5");

    /* Cancel by client id -> canceled; again -> unknown order (NOT_FOUND). */
    assert_int_equal(cb_kraken_order_cancel(&a.ref, &call), 0);
    cb_order_batch_t b;
    st = s_call(CB_DIALECT_KRAKEN, &call, &res);
    assert_int_equal(cb_kraken_order_parse_cancel(st, res.body.data, res.body.len, &b, &err), 0);
    assert_int_equal(b.count, 1);
    assert_true(s_query(CB_DIALECT_KRAKEN, unique, &got));
    assert_int_equal(got.status, CB_OSTATUS_CANCELED);
    assert_true(s_sim_order(SIM_VENUE_KRAKEN, KR_KEY, unique, &held));
    assert_int_equal(held.status, SIM_OS_CANCELED);
    st = s_call(CB_DIALECT_KRAKEN, &call, &res);
    assert_int_equal(cb_kraken_order_parse_cancel(st, res.body.data, res.body.len, &b, &err), CB_E_NOT_FOUND);

    /* Cancel-all: two placed, two cancelled. */
    s_place_two(CB_DIALECT_KRAKEN, s_kr_btc, unique);
    assert_int_equal(cb_kraken_order_cancel_all(NULL, &call), 0);
    st = s_call(CB_DIALECT_KRAKEN, &call, &res);
    assert_int_equal(cb_kraken_order_parse_cancel(st, res.body.data, res.body.len, &b, &err), 0);
    assert_int_equal(b.count, 2);

    /* The dead-man's switch arms and disarms, as the sim's account shows. */
    assert_int_equal(cb_kraken_order_cancel_after(60, &call), 0);
    st = s_call(CB_DIALECT_KRAKEN, &call, &res);
    assert_int_equal(cb_kraken_order_parse_cancel_after(st, res.body.data, res.body.len, &b, &err), 0);
    assert_true(b.trigger_ms - b.current_ms >= 59000 && b.trigger_ms - b.current_ms <= 61000);
    cbh_simthread_lock(s_paper.srv);
    sim_account_t *acct = sim_exchange_account_by_key(cbh_simthread_sim(s_paper.srv)->exchange,
                                                      SIM_VENUE_KRAKEN, KR_KEY, strlen(KR_KEY));
    assert_true(acct->dms_trigger_ns / 1000000000 == b.trigger_ms / 1000);
    cbh_simthread_unlock(s_paper.srv);
    assert_int_equal(cb_kraken_order_cancel_after(0, &call), 0);
    st = s_call(CB_DIALECT_KRAKEN, &call, &res);
    assert_int_equal(cb_kraken_order_parse_cancel_after(st, res.body.data, res.body.len, &b, &err), 0);
    assert_int_equal(b.trigger_ms, 0);
    cbh_simthread_lock(s_paper.srv);
    assert_int_equal(acct->dms_trigger_ns, 0);
    cbh_simthread_unlock(s_paper.srv);

    /* A refusal with its reason: more than the account holds. */
    assert_int_equal(s_place_too_big(CB_DIALECT_KRAKEN, s_kr_btc, &err),
                     cb_verr_code(CB_VERR_INSUFFICIENT_FUNDS));
    cbh_http_res_fini(&res);
}

static void
test_binance_orders(void **state)
{
    (void) state;
    cb_venue_error_t err;
    cb_vorder_t o, got;
    sim_xorder_t held;
    char unique[24], next[30];
    snprintf(unique, sizeof unique, "bn-%lld", (long long) (cb_time_now_ms() % 100000000));
    snprintf(next, sizeof next, "%s-r", unique);

    assert_false(s_query(CB_DIALECT_BINANCE, unique, &got));

    cb_order_req_t req = s_limit(s_bn_btc, "50000.01", unique);
    req.validate = true;
    assert_int_equal(s_place(CB_DIALECT_BINANCE, &req, &o, &err), 0);
    assert_true(o.validated);
    assert_false(s_sim_order(SIM_VENUE_BINANCE, BN_KEY, unique, &held));

    req.validate = false;
    assert_int_equal(s_place(CB_DIALECT_BINANCE, &req, &o, &err), 0);
    assert_int_equal(o.status, CB_OSTATUS_OPEN);
    assert_string_equal(o.client_order_id, unique);
    assert_true(s_sim_order(SIM_VENUE_BINANCE, BN_KEY, unique, &held));
    assert_true(s_query(CB_DIALECT_BINANCE, unique, &got));
    assert_string_equal(got.id, o.id);
    assert_string_equal(got.symbol, "BTC-USDT");
    s_assert_price(got.price, "50000.01");

    /* Duplicate client order id: -2010 "Duplicate order sent.", a refusal. */
    assert_int_equal(s_place(CB_DIALECT_BINANCE, &req, &o, &err), cb_verr_code(CB_VERR_REJECTED));
    assert_int_equal(cb_order_reject_reason(&err), CB_OREJECT_DUPLICATE);

    /* cancelReplace: the old order cancelled, the new one at the new price. */
    cbh_http_res_t res = {0};
    cb_order_call_t call;
    cb_order_req_t repl = s_limit(s_bn_btc, "49000.5", next);
    cb_order_amend_t a = {.ref = {.ins = s_bn_btc}, .has_price = true, .price = repl.price,
                          .replacement = &repl};
    snprintf(a.ref.client_order_id, sizeof a.ref.client_order_id, "%s", unique);
    assert_int_equal(cb_binance_order_amend(&a, &call), 0);
    int st = s_call(CB_DIALECT_BINANCE, &call, &res);
    printf("cancelReplace: %.*s\n", (int) res.body.len, res.body.data);
    assert_int_equal(cb_binance_order_parse_amend(&s_list, st, res.body.data, res.body.len, &o, &err), 0);
    assert_string_equal(o.replaced_id, got.id);
    assert_true(s_query(CB_DIALECT_BINANCE, unique, &got));
    assert_int_equal(got.status, CB_OSTATUS_CANCELED);
    assert_true(s_query(CB_DIALECT_BINANCE, next, &got));
    assert_int_equal(got.status, CB_OSTATUS_OPEN);
    s_assert_price(got.price, "49000.5");
    /* Again: the old order is gone -> NOT_FOUND, nothing placed. */
    st = s_call(CB_DIALECT_BINANCE, &call, &res);
    assert_int_equal(cb_binance_order_parse_amend(&s_list, st, res.body.data, res.body.len, &o, &err),
                     CB_E_NOT_FOUND);

    /* Cancel by client id, then cancel again: -2011 unknown order. */
    cb_order_ref_t ref = {.ins = s_bn_btc};
    snprintf(ref.client_order_id, sizeof ref.client_order_id, "%s", next);
    assert_int_equal(cb_binance_order_cancel(&ref, &call), 0);
    st = s_call(CB_DIALECT_BINANCE, &call, &res);
    assert_int_equal(cb_binance_order_parse(&s_list, true, st, res.body.data, res.body.len, &o, &err), 0);
    assert_int_equal(o.status, CB_OSTATUS_CANCELED);
    assert_string_equal(o.client_order_id, next);
    assert_true(s_sim_order(SIM_VENUE_BINANCE, BN_KEY, next, &held));
    assert_int_equal(held.status, SIM_OS_CANCELED);
    st = s_call(CB_DIALECT_BINANCE, &call, &res);
    assert_int_equal(cb_binance_order_parse(&s_list, true, st, res.body.data, res.body.len, &o, &err),
                     CB_E_NOT_FOUND);

    /* Cancel-all on the symbol. */
    s_place_two(CB_DIALECT_BINANCE, s_bn_btc, unique);
    cb_order_batch_t b;
    assert_int_equal(cb_binance_order_cancel_all(s_bn_btc, &call), 0);
    st = s_call(CB_DIALECT_BINANCE, &call, &res);
    assert_int_equal(cb_binance_order_parse_cancel_all(st, res.body.data, res.body.len, &b, &err), 0);
    assert_int_equal(b.count, 2);

    /* A refusal with its reason. */
    assert_int_equal(s_place_too_big(CB_DIALECT_BINANCE, s_bn_btc, &err),
                     cb_verr_code(CB_VERR_INSUFFICIENT_FUNDS));
    assert_int_equal(cb_order_reject_reason(&err), CB_OREJECT_FUNDS);
    cbh_http_res_fini(&res);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kraken_orders),
        cmocka_unit_test(test_binance_orders),
    };
    return cmocka_run_group_tests_name("venue_orders_sim", tests, s_setup, s_teardown);
}
