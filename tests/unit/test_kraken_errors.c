/* test_kraken_errors.c - Kraken dialect: error strings and their classes, classify, the error envelope, API-Sign and private requests */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_dialect.h"
#include "cb_error.h"
#include "cb_kraken.h"

static const cb_venue_cfg_t s_venue = {
    .name = "kraken",
    .dialect = CB_DIALECT_KRAKEN,
    .rest_base = "https://api.kraken.com",
    .ws_url = "wss://ws.kraken.com/v2",
};

typedef struct {
    const char *code;
    bool changes_state;
    cb_verr_class_t cls;
} s_class_case_t;

static void
test_error_classes(void **state)
{
    (void) state;
    static const s_class_case_t cases[] = {
        {"EAPI:Invalid key", false, CB_VERR_AUTH},
        {"EAPI:Invalid signature", true, CB_VERR_AUTH},
        {"EAPI:Invalid nonce", true, CB_VERR_AUTH},
        {"EGeneral:Permission denied", true, CB_VERR_AUTH},
        {"EGeneral:Temporary lockout", false, CB_VERR_AUTH},
        {"EAPI:Rate limit exceeded", false, CB_VERR_RATE_LIMIT},
        {"EOrder:Rate limit exceeded", true, CB_VERR_RATE_LIMIT},
        {"EGeneral:Too many requests", false, CB_VERR_RATE_LIMIT},
        {"EService: Throttled: 1700000000", true, CB_VERR_RATE_LIMIT},
        {"EQuery:Unknown asset pair", false, CB_VERR_UNKNOWN_SYMBOL},
        {"EOrder:Insufficient funds", true, CB_VERR_INSUFFICIENT_FUNDS},
        {"EOrder:Order minimum not met", true, CB_VERR_REJECTED},
        {"EOrder:Cost minimum not met", true, CB_VERR_REJECTED},
        {"EOrder:Tick size check failed", true, CB_VERR_REJECTED},
        {"EOrder:Orders limit exceeded", true, CB_VERR_REJECTED},
        {"EGeneral:Invalid arguments", true, CB_VERR_REJECTED},
        {"EGeneral:Invalid arguments:ordertype", true, CB_VERR_REJECTED},
        {"EOrder:Unknown order", true, CB_VERR_NOT_FOUND},
        {"EQuery:Unknown order", false, CB_VERR_NOT_FOUND},
        {"EService:Market in cancel_only mode", true, CB_VERR_REJECTED},
        {"EService:Market in post_only mode", true, CB_VERR_REJECTED},
        {"EService:Unavailable", false, CB_VERR_UNAVAILABLE},
        {"EService:Unavailable", true, CB_VERR_UNKNOWN_OUTCOME},
        {"EService:Busy", false, CB_VERR_UNAVAILABLE},
        {"EService:Busy", true, CB_VERR_UNKNOWN_OUTCOME},
        {"EService:Deadline elapsed", true, CB_VERR_UNKNOWN_OUTCOME},
        {"EGeneral:Internal error", true, CB_VERR_UNKNOWN_OUTCOME},
        {"EGeneral:Internal error:1234", false, CB_VERR_UNAVAILABLE},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        cb_verr_class_t got =
            cb_kraken_error_class(cases[k].code, strlen(cases[k].code), cases[k].changes_state);
        if (got != cases[k].cls) {
            fail_msg("%s (changes_state %d): %s, want %s", cases[k].code, cases[k].changes_state,
                     cb_verr_class_name(got), cb_verr_class_name(cases[k].cls));
        }
    }
}

static int
s_classify(bool changes_state, bool transport_failed, bool sent, int status, const char *body,
           int64_t retry, cb_venue_error_t *err)
{
    cb_venue_req_t req = {.changes_state = changes_state};
    return cb_kraken_ops.classify(&req, transport_failed, sent, status, body,
                                  body != NULL ? strlen(body) : 0, retry, err);
}

static void
test_classify(void **state)
{
    (void) state;
    cb_venue_error_t err;
    /* The documented envelope, message kept. */
    assert_int_equal(s_classify(true, false, true, 200,
                                "{\"error\":[\"EGeneral:Invalid arguments:ordertype\"]}", 0, &err),
                     CB_E_UPSTREAM);
    assert_int_equal(err.cls, CB_VERR_REJECTED);
    assert_string_equal(err.message, "EGeneral:Invalid arguments:ordertype");
    assert_true(strncmp(err.venue_code, "EGeneral:Invalid arguments", 26) == 0);
    assert_int_equal(s_classify(false, false, true, 200, "{\"error\":[\"EAPI:Invalid key\"],\"result\":{}}",
                                0, &err),
                     CB_E_UNAUTHORIZED);
    assert_int_equal(s_classify(true, false, true, 200,
                                "{\"error\":[\"EOrder:Insufficient funds\"]}", 0, &err),
                     CB_E_UPSTREAM);
    assert_int_equal(err.cls, CB_VERR_INSUFFICIENT_FUNDS);
    assert_int_equal(s_classify(true, false, true, 200, "{\"error\":[\"EOrder:Rate limit exceeded\"]}",
                                1500, &err),
                     CB_E_RATE_LIMITED);
    assert_int_equal(err.retry_after_ms, 1500);
    assert_int_equal(s_classify(false, false, true, 200, "{\"error\":[\"EAPI:Rate limit exceeded\"]}",
                                0, &err),
                     CB_E_RATE_LIMITED);
    assert_true(err.retry_after_ms > 0);
    assert_int_equal(s_classify(true, false, true, 200,
                                "{\"error\":[\"EOrder:Unknown order\",\"EGeneral:Other\"]}", 0, &err),
                     CB_E_NOT_FOUND);
    assert_string_equal(err.message, "EOrder:Unknown order; EGeneral:Other");
    /* Transport failures and statuses. */
    assert_int_equal(s_classify(true, true, true, 0, NULL, 0, &err), CB_E_TIMEOUT);
    assert_int_equal(err.cls, CB_VERR_UNKNOWN_OUTCOME);
    assert_int_equal(s_classify(true, true, false, 0, NULL, 0, &err), CB_E_UNAVAILABLE);
    assert_int_equal(s_classify(false, true, true, 0, NULL, 0, &err), CB_E_UNAVAILABLE);
    assert_int_equal(s_classify(true, false, true, 502, "Bad Gateway", 0, &err), CB_E_TIMEOUT);
    assert_int_equal(s_classify(false, false, true, 502, "Bad Gateway", 0, &err), CB_E_UNAVAILABLE);
    assert_int_equal(s_classify(false, false, true, 429, "", 0, &err), CB_E_RATE_LIMITED);
    assert_int_equal(s_classify(true, false, true, 200, "{\"error\":[\"EService:Unavailable\"]}", 0,
                                &err),
                     CB_E_TIMEOUT);
    assert_int_equal(s_classify(false, false, true, 200, "{\"error\":[\"EService:Busy\"]}", 0, &err),
                     CB_E_UNAVAILABLE);
    assert_int_equal(s_classify(true, false, true, 200, "not json", 0, &err), CB_E_TIMEOUT);
    assert_int_equal(s_classify(false, false, true, 200, "not json", 0, &err), CB_E_UPSTREAM);
    assert_int_equal(err.cls, CB_VERR_BAD_REPLY);
    /* No error at all. */
    assert_int_equal(s_classify(false, false, true, 200, "{\"error\":[],\"result\":{}}", 0, &err), 0);
    assert_int_equal(err.cls, CB_VERR_NONE);
    /* The exported parser, on a private reply. */
    const char *body = "{\"error\":[\"EAPI:Invalid nonce\"]}";
    assert_int_equal(cb_kraken_error_parse(body, strlen(body), 200, true, 0, &err), CB_E_UNAUTHORIZED);
    assert_string_equal(err.venue_code, "EAPI:Invalid nonce");
    body = "{\"error\":[],\"result\":{\"ZUSD\":\"1.0\"}}";
    assert_int_equal(cb_kraken_error_parse(body, strlen(body), 200, true, 0, &err), 0);
    assert_int_equal(cb_kraken_error_parse("[1,", 3, 200, false, 0, &err), CB_E_PARSE);
    assert_int_equal(err.cls, CB_VERR_BAD_REPLY);
    /* Error strings longer than the fields are cut, never overflow. */
    char big[1200];
    memset(big, 'x', sizeof big);
    memcpy(big, "{\"error\":[\"EOrder:", 18);
    memcpy(big + sizeof big - 4, "\"]}", 4);
    assert_int_equal(s_classify(true, false, true, 200, big, 0, &err), CB_E_UPSTREAM);
    assert_int_equal(err.cls, CB_VERR_REJECTED);
}

/* ---- signing ---- */

/* The official example of Kraken's REST authentication guide. */
#define DOC_SECRET "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
#define DOC_NONCE "1616492376594"
#define DOC_FORM "ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
#define DOC_SIGN "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="

static void
test_sign_doc_vector(void **state)
{
    (void) state;
    uint8_t key[128];
    size_t key_len;
    assert_int_equal(cb_kraken_secret_decode(DOC_SECRET, key, sizeof key, &key_len), 0);
    assert_int_equal(key_len, 64);
    const char *body = "nonce=" DOC_NONCE "&" DOC_FORM;
    char sign[89];
    assert_int_equal(cb_kraken_sign("/0/private/AddOrder", DOC_NONCE, body, strlen(body), key,
                                    key_len, sign, sizeof sign),
                     0);
    assert_string_equal(sign, DOC_SIGN);
    assert_int_equal(cb_kraken_sign("/0/private/AddOrder", DOC_NONCE, body, strlen(body), key,
                                    key_len, sign, 88),
                     CB_E_TOO_BIG);

    /* The same through the request builder, under a prefixed base URL. */
    cb_venue_cfg_t sim = s_venue;
    snprintf(sim.rest_base, sizeof sim.rest_base, "http://127.0.0.1:8100/kraken");
    cb_venue_req_t req;
    assert_int_equal(cb_kraken_private_req(&sim, "AddOrder", DOC_FORM, 1616492376594ULL, "my-key",
                                           key, key_len, true, &req),
                     0);
    assert_string_equal(req.method, "POST");
    assert_string_equal(req.url, "http://127.0.0.1:8100/kraken/0/private/AddOrder");
    assert_string_equal(req.body.data, body);
    assert_string_equal(req.headers[0], "API-Key: my-key");
    assert_string_equal(req.headers[1], "API-Sign: " DOC_SIGN);
    assert_string_equal(req.headers[2], "Content-Type: application/x-www-form-urlencoded");
    assert_true(req.changes_state);
    cb_venue_req_fini(&req);

    /* No form: the body is the nonce alone. */
    assert_int_equal(
        cb_kraken_private_req(&sim, "Balance", NULL, 5, "k", key, key_len, false, &req), 0);
    assert_string_equal(req.body.data, "nonce=5");
    assert_false(req.changes_state);
    cb_venue_req_fini(&req);

    /* Refused arguments. */
    assert_int_equal(cb_kraken_private_req(&sim, "Add/Order", "", 5, "k", key, key_len, true, &req),
                     CB_E_BAD_REQUEST);
    cb_venue_req_fini(&req);
    assert_int_equal(cb_kraken_private_req(&sim, "Balance", "", 5, "k\r\nX: y", key, key_len, false, &req),
                     CB_E_BAD_REQUEST);
    cb_venue_req_fini(&req);
    assert_int_equal(cb_kraken_secret_decode("abc", key, sizeof key, &key_len), CB_E_PARSE);
    assert_int_equal(cb_kraken_secret_decode("ab!d", key, sizeof key, &key_len), CB_E_PARSE);
    assert_int_equal(cb_kraken_secret_decode(DOC_SECRET, key, 10, &key_len), CB_E_TOO_BIG);
    assert_int_equal(cb_kraken_secret_decode("YQ==", key, sizeof key, &key_len), 0);
    assert_int_equal(key_len, 1);
    assert_int_equal(key[0], 'a');
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_classes),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_sign_doc_vector),
    };
    return cmocka_run_group_tests_name("kraken_errors", tests, NULL, NULL);
}
