/* test_kraken_private_sim.c - Kraken private requests built and signed by the dialect, sent to venue-sim over real HTTP: accepted, and corrupted ones refused and classified */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_dialect.h"
#include "cb_error.h"
#include "cb_jtok.h"
#include "cb_kraken.h"
#include "cb_time.h"
#include "cbh_simthread.h"

static cbh_simpaper_t s_paper;

static int
s_setup(void **state)
{
    (void) state;
    return cbh_simpaper_start(&s_paper);
}

static int
s_teardown(void **state)
{
    (void) state;
    cbh_simpaper_stop(&s_paper);
    return 0;
}

/* Builds, signs and sends method(form) with the paper account; returns the
 * status, the body in out. corrupt: flip one character of API-Sign. */
static long
s_call(const char *method, const char *form, bool changes_state, bool corrupt, uint64_t nonce,
       cbh_http_res_t *out, cb_venue_req_t *req)
{
    cbh_simthread_paper_req(&s_paper.kraken, "POST", method, form, nonce, changes_state, req);
    if (corrupt) {
        char *sig = req->headers[1] + strlen("API-Sign: ");
        sig[10] = sig[10] == 'A' ? 'B' : 'A';
    }
    return cbh_simthread_send(req, out);
}

/* The decimal at result.<asset> of a Balance reply. */
static cb_decimal_t
s_balance(const cbh_http_res_t *res, const char *asset)
{
    cb_jdoc_t doc = {0};
    assert_int_equal(cb_jdoc_parse(&doc, res->body.data, res->body.len), 0);
    cb_decimal_t d;
    assert_int_equal(cb_jtok_decimal(&doc, cb_jtok_get(&doc, cb_jtok_get(&doc, 0, "result"), asset), &d), 0);
    cb_jdoc_fini(&doc);
    return d;
}

static void
test_signed_balance(void **state)
{
    (void) state;
    cbh_http_res_t out = {0};
    cb_venue_req_t req;
    cb_venue_error_t err;
    long status = s_call("Balance", NULL, false, false, ++s_paper.nonce, &out, &req);
    assert_int_equal(status, 200);
    printf("Balance: %s\n", out.body.data);
    assert_int_equal(cb_kraken_error_parse(out.body.data, out.body.len, (int) status, false, 0, &err), 0);
    assert_int_equal(cb_decimal_cmp(s_balance(&out, "ZUSD"), cb_decimal_from_int(100000)), 0);
    assert_int_equal(cb_decimal_cmp(s_balance(&out, "XXBT"), cb_decimal_from_int(2)), 0);
    assert_int_equal(cb_decimal_cmp(s_balance(&out, "XETH"), cb_decimal_from_int(20)), 0);
    assert_int_equal(cb_decimal_cmp(s_balance(&out, "SOL"), cb_decimal_from_int(500)), 0);
    cb_venue_req_fini(&req);

    /* With form parameters. */
    status = s_call("TradeBalance", "asset=ZUSD", false, false, ++s_paper.nonce, &out, &req);
    assert_int_equal(cb_kraken_ops.classify(&req, false, true, (int) status, out.body.data, out.body.len, 0, &err), 0);
    cb_venue_req_fini(&req);

    /* A corrupted signature is refused, and classified as AUTH. */
    status = s_call("Balance", NULL, false, true, ++s_paper.nonce, &out, &req);
    printf("corrupted: %s\n", out.body.data);
    assert_int_equal(cb_kraken_ops.classify(&req, false, true, (int) status, out.body.data, out.body.len, 0, &err),
                     CB_E_UNAUTHORIZED);
    assert_int_equal(err.cls, CB_VERR_AUTH);
    assert_string_equal(err.venue_code, "EAPI:Invalid signature");
    cb_venue_req_fini(&req);

    /* A nonce not above the last: AUTH too. */
    status = s_call("Balance", NULL, false, false, s_paper.nonce - 5, &out, &req);
    assert_int_equal(cb_kraken_ops.classify(&req, false, true, (int) status, out.body.data, out.body.len, 0, &err),
                     CB_E_UNAUTHORIZED);
    assert_string_equal(err.venue_code, "EAPI:Invalid nonce");
    cb_venue_req_fini(&req);
    cbh_http_res_fini(&out);
}

static void
test_order_errors(void **state)
{
    (void) state;
    cbh_http_res_t out = {0};
    cb_venue_req_t req;
    cb_venue_error_t err;
    /* More than the account holds. */
    long status = s_call("AddOrder",
                         "ordertype=limit&pair=XBTUSD&price=10000&type=buy&volume=500", true,
                         false, ++s_paper.nonce, &out, &req);
    printf("AddOrder too big: %s\n", out.body.data);
    assert_int_equal(cb_kraken_ops.classify(&req, false, true, (int) status, out.body.data, out.body.len, 0, &err),
                     CB_E_UPSTREAM);
    assert_int_equal(err.cls, CB_VERR_INSUFFICIENT_FUNDS);
    cb_venue_req_fini(&req);
    /* Unknown pair. */
    status = s_call("AddOrder", "ordertype=limit&pair=NOPEUSD&price=1&type=buy&volume=1", true,
                    false, ++s_paper.nonce, &out, &req);
    assert_int_equal(cb_kraken_ops.classify(&req, false, true, (int) status, out.body.data, out.body.len, 0, &err),
                     CB_E_NOT_FOUND);
    assert_int_equal(err.cls, CB_VERR_UNKNOWN_SYMBOL);
    cb_venue_req_fini(&req);
    /* Cancel of an unknown order. */
    status = s_call("CancelOrder", "txid=OAAAAA-BBBBB-CCCCCC", true, false, ++s_paper.nonce, &out, &req);
    printf("CancelOrder unknown: %s\n", out.body.data);
    assert_int_equal(cb_kraken_ops.classify(&req, false, true, (int) status, out.body.data, out.body.len, 0, &err),
                     CB_E_NOT_FOUND);
    assert_int_equal(err.cls, CB_VERR_NOT_FOUND);
    cb_venue_req_fini(&req);
    /* A valid order, validate only: accepted. */
    status = s_call("AddOrder",
                    "ordertype=limit&pair=XBTUSD&price=1000.0&type=buy&volume=0.01&validate=true",
                    true, false, ++s_paper.nonce, &out, &req);
    printf("AddOrder validate: %s\n", out.body.data);
    assert_int_equal(cb_kraken_ops.classify(&req, false, true, (int) status, out.body.data, out.body.len, 0, &err), 0);
    cb_venue_req_fini(&req);
    cbh_http_res_fini(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_balance),
        cmocka_unit_test(test_order_errors),
    };
    return cmocka_run_group_tests_name("kraken_private_sim", tests, s_setup, s_teardown);
}
