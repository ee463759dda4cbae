/* test_venue_sim_kraken.c - Kraken's private REST on venue-sim over real HTTP: the official signing vector, nonces, balances, orders, dead-man's switch */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "cb_time.h"
#include "cbh_simthread.h"
#include "sim_fixed.h"
#include "sim_limits.h"

/* The official example of Kraken's authentication guide. */
#define DOC_SECRET "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
#define DOC_BODY "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
#define DOC_SIGN "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="

static cbh_simthread_t *s_srv;
static uint64_t s_nonce;

static int
s_setup(void **state)
{
    (void) state;
    cbh_simthread_opts_t opts = {
        .market = true, .seed = 21, .rate = 200, .auth = true, .limits = true,
        .accounts = "kraken doc-key " DOC_SECRET " ZUSD=100000 XXBT=2 XETH=10 SOL=100"};
    s_srv = cbh_simthread_new(&opts);
    s_nonce = (uint64_t) cb_time_now_ms() * 1000;
    return s_srv != NULL ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    cbh_simthread_destroy(&s_srv);
    return 0;
}

/* base64(HMAC-SHA512(b64decode(secret), path || SHA256(nonce || body))). */
static void
s_sign(const char *secret, const char *path, const char *nonce, const char *body, char *out)
{
    unsigned char key[128], digest[32], mac[64];
    int key_len = EVP_DecodeBlock(key, (const unsigned char *) secret, (int) strlen(secret));
    key_len -= (secret[strlen(secret) - 1] == '=') + (secret[strlen(secret) - 2] == '=');
    char joined[1100];
    snprintf(joined, sizeof joined, "%s%s", nonce, body);
    SHA256((const unsigned char *) joined, strlen(joined), digest);
    unsigned char msg[256];
    size_t path_len = strlen(path);
    memcpy(msg, path, path_len);
    memcpy(msg + path_len, digest, 32);
    unsigned int mac_len;
    HMAC(EVP_sha512(), key, key_len, msg, path_len + 32, mac, &mac_len);
    EVP_EncodeBlock((unsigned char *) out, mac, 64);
}

/* POSTs body to /kraken/0/private/<method> with the given headers; the reply in out. */
static void
s_post_raw(const char *method, const char *body, const char *key, const char *sign, const char *content_type,
           cbh_http_res_t *out)
{
    char path[128], h1[256], h2[256], h3[128];
    snprintf(path, sizeof path, "/kraken/0/private/%s", method);
    const char *headers[4] = {NULL};
    size_t n = 0;
    if (key != NULL) {
        snprintf(h1, sizeof h1, "API-Key: %s", key);
        headers[n++] = h1;
    }
    if (sign != NULL) {
        snprintf(h2, sizeof h2, "API-Sign: %s", sign);
        headers[n++] = h2;
    }
    snprintf(h3, sizeof h3, "Content-Type: %s", content_type);
    headers[n] = h3;
    assert_int_equal(cbh_simthread_http(s_srv, "POST", path, headers, body, strlen(body), 0, out), 200);
}

/* A signed call: params without the nonce ("" for none), a form body, or
 * with json the members of a JSON object after the nonce (as ccxt sends
 * CancelOrderBatch). */
static void
s_send(const char *method, const char *params, bool json, cbh_http_res_t *out)
{
    char nonce[32], body[1024], path[96], sign[128];
    snprintf(nonce, sizeof nonce, "%llu", (unsigned long long) ++s_nonce);
    const char *sep = params[0] == '\0' ? "" : json ? "," : "&";
    snprintf(body, sizeof body, json ? "{\"nonce\":\"%s\"%s%s}" : "nonce=%s%s%s", nonce, sep, params);
    snprintf(path, sizeof path, "/0/private/%s", method);
    s_sign(DOC_SECRET, path, nonce, body, sign);
    s_post_raw(method, body, "doc-key", sign, json ? "application/json" : "application/x-www-form-urlencoded", out);
}

static void
s_call(const char *method, const char *params, cbh_http_res_t *out)
{
    s_send(method, params, false, out);
}

static void
s_call_json(const char *method, const char *members, cbh_http_res_t *out)
{
    s_send(method, members, true, out);
}

/* The text of "key":"value" after from in json, into out. */
static const char *
s_field(const char *json, const char *key, char *out, size_t size)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    assert_non_null(p);
    p += strlen(pat);
    if (*p == '"' || *p == '[') {
        p += *p == '[' ? 2 : 1;
    }
    size_t n = strcspn(p, "\",]}");
    assert_true(n < size);
    memcpy(out, p, n);
    out[n] = '\0';
    return p + n;
}

static sim_fx_t
s_fx(const char *s)
{
    sim_fx_t v;
    assert_true(sim_fx_parse(s, strlen(s), &v));
    return v;
}

static void
test_official_vector_and_nonces(void **state)
{
    (void) state;
    cbh_http_res_t out = {0};
    /* Our client-side signer reproduces the documented API-Sign... */
    char sign[128];
    s_sign(DOC_SECRET, "/0/private/AddOrder", "1616492376594", DOC_BODY, sign);
    assert_string_equal(sign, DOC_SIGN);
    /* ...and the venue accepts the documented request byte for byte. */
    s_post_raw("AddOrder", DOC_BODY, "doc-key", DOC_SIGN, "application/x-www-form-urlencoded", &out);
    assert_non_null(strstr(out.body.data, "\"error\":[]"));
    assert_non_null(strstr(out.body.data, "\"descr\":{\"order\":\"buy 1.25000000 XBTUSD @ limit 37500.0\"}"));
    assert_non_null(strstr(out.body.data, "\"txid\":[\"O"));
    /* The same nonce again: refused. */
    s_post_raw("AddOrder", DOC_BODY, "doc-key", DOC_SIGN, "application/x-www-form-urlencoded", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EAPI:Invalid nonce\"]}");
    /* A changed body, a wrong key, no signature, garbage signature. */
    s_post_raw("AddOrder", DOC_BODY "0", "doc-key", DOC_SIGN, "application/x-www-form-urlencoded", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EAPI:Invalid signature\"]}");
    s_post_raw("AddOrder", DOC_BODY, "other-key", DOC_SIGN, "application/x-www-form-urlencoded", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EAPI:Invalid key\"]}");
    s_post_raw("Balance", "nonce=1", "doc-key", NULL, "application/x-www-form-urlencoded", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EAPI:Invalid signature\"]}");
    s_post_raw("Balance", "nonce=1", "doc-key", "!!not base64!!", "application/x-www-form-urlencoded", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EAPI:Invalid signature\"]}");
    /* Signed over another path: refused. */
    char nonce[32], body[64];
    snprintf(nonce, sizeof nonce, "%llu", (unsigned long long) ++s_nonce);
    snprintf(body, sizeof body, "nonce=%s", nonce);
    s_sign(DOC_SECRET, "/0/private/BalanceEx", nonce, body, sign);
    s_post_raw("Balance", body, "doc-key", sign, "application/x-www-form-urlencoded", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EAPI:Invalid signature\"]}");
    /* A JSON body, signed over its exact bytes. */
    snprintf(nonce, sizeof nonce, "%llu", (unsigned long long) ++s_nonce);
    snprintf(body, sizeof body, "{\"nonce\":%s}", nonce);
    s_sign(DOC_SECRET, "/0/private/Balance", nonce, body, sign);
    s_post_raw("Balance", body, "doc-key", sign, "application/json", &out);
    assert_non_null(strstr(out.body.data, "\"error\":[]"));
    assert_non_null(strstr(out.body.data, "\"XXBT\":\"2.0000000000\""));
    /* Cancel the documented order again. */
    s_call("CancelAll", "", &out);
    assert_string_equal(out.body.data, "{\"error\":[],\"result\":{\"count\":1}}");
    cbh_http_res_fini(&out);
}

static void
test_orders_balances_and_history(void **state)
{
    (void) state;
    cbh_http_res_t out = {0};
    char v[64], txid[32];
    /* A resting limit buy: the hold is cost + 0.40% exactly. */
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&price=30000.0&volume=0.5&userref=77", &out);
    s_field(out.body.data, "txid", txid, sizeof txid);
    s_call("BalanceEx", "", &out);
    assert_non_null(strstr(out.body.data, "\"ZUSD\":{\"balance\":\"100000.0000\",\"hold_trade\":\"15060.0000\"}"));
    s_call("OpenOrders", "userref=77", &out);
    assert_non_null(strstr(out.body.data, txid));
    assert_non_null(strstr(out.body.data, "\"status\":\"open\""));
    assert_non_null(strstr(out.body.data, "\"userref\":77"));
    char params[128];
    snprintf(params, sizeof params, "txid=%s", txid);
    s_call("QueryOrders", params, &out);
    assert_non_null(strstr(out.body.data, "\"vol\":\"0.50000000\""));
    /* Amend the quantity down: the hold follows. */
    snprintf(params, sizeof params, "txid=%s&order_qty=0.25", txid);
    s_call("AmendOrder", params, &out);
    assert_non_null(strstr(out.body.data, "\"amend_id\":\""));
    s_call("BalanceEx", "", &out);
    assert_non_null(strstr(out.body.data, "\"hold_trade\":\"7530.0000\""));
    /* Cancel by userref releases everything. */
    s_call("CancelOrder", "txid=77", &out);
    assert_string_equal(out.body.data, "{\"error\":[],\"result\":{\"count\":1}}");
    s_call("BalanceEx", "", &out);
    assert_non_null(strstr(out.body.data, "\"ZUSD\":{\"balance\":\"100000.0000\",\"hold_trade\":\"0.0000\"}"));
    s_call("CancelOrder", params, &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EOrder:Unknown order\"]}");
    /* A market buy: the balance moves by exactly the trades' cost + fee. */
    s_call("AddOrder", "ordertype=market&type=buy&pair=XXBTZUSD&volume=0.1&cl_ord_id=mkt-1", &out);
    s_field(out.body.data, "txid", txid, sizeof txid);
    snprintf(params, sizeof params, "txid=%s&trades=true", txid);
    s_call("QueryOrders", params, &out);
    assert_non_null(strstr(out.body.data, "\"status\":\"closed\""));
    assert_non_null(strstr(out.body.data, "\"cl_ord_id\":\"mkt-1\""));
    char cost[32], fee[32];
    s_field(out.body.data, "cost", cost, sizeof cost);
    s_field(out.body.data, "fee", fee, sizeof fee);
    s_call("Balance", "", &out);
    s_field(out.body.data, "ZUSD", v, sizeof v);
    assert_int_equal(s_fx(v), s_fx("100000") - s_fx(cost) - s_fx(fee));
    s_field(out.body.data, "XXBT", v, sizeof v);
    assert_int_equal(s_fx(v), s_fx("2.1"));
    s_call("TradesHistory", "", &out);
    assert_non_null(strstr(out.body.data, txid));
    s_call("ClosedOrders", "", &out);
    assert_non_null(strstr(out.body.data, txid));
    assert_non_null(strstr(out.body.data, "\"count\":"));
    cbh_http_res_fini(&out);
}

/* CancelOrderBatch (ccxt's cancelOrders): orders by txid or userref, and
 * cl_ord_ids by client order id, in one JSON call; the count cancelled. */
static void
test_cancel_order_batch(void **state)
{
    (void) state;
    cbh_http_res_t out = {0};
    char txid[3][32], members[256];
    static const char *const adds[3] = {"", "&userref=991", "&cl_ord_id=batch-1"};
    for (int i = 0; i < 3; i++) {
        char params[128];
        snprintf(params, sizeof params, "ordertype=limit&type=buy&pair=XBTUSD&price=30000.0&volume=0.01%s",
                 adds[i]);
        s_call("AddOrder", params, &out);
        s_field(out.body.data, "txid", txid[i], sizeof txid[i]);
    }
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&price=30000.0&volume=0.01", &out);
    char kept[32];
    s_field(out.body.data, "txid", kept, sizeof kept);
    snprintf(members, sizeof members, "\"orders\":[\"%s\",\"991\"],\"cl_ord_ids\":[\"batch-1\"]", txid[0]);
    s_call_json("CancelOrderBatch", members, &out);
    assert_string_equal(out.body.data, "{\"error\":[],\"result\":{\"count\":3}}");
    s_call("OpenOrders", "", &out);
    for (int i = 0; i < 3; i++) {
        assert_null(strstr(out.body.data, txid[i]));
    }
    assert_non_null(strstr(out.body.data, kept));
    /* Nothing left to cancel among those named; nothing named at all. */
    snprintf(members, sizeof members, "\"orders\":[\"%s\"]", txid[0]);
    s_call_json("CancelOrderBatch", members, &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EOrder:Unknown order\"]}");
    s_call_json("CancelOrderBatch", "", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EGeneral:Invalid arguments:orders\"]}");
    s_call("CancelAll", "", &out);
    assert_string_equal(out.body.data, "{\"error\":[],\"result\":{\"count\":1}}");
    cbh_http_res_fini(&out);
}

static void
test_order_errors(void **state)
{
    (void) state;
    cbh_http_res_t out = {0};
    s_call("AddOrder", "ordertype=limit&type=buy&pair=DOGEUSD&price=1&volume=1", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EQuery:Unknown asset pair\"]}");
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&price=30000.05&volume=0.1", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EOrder:Tick size check failed\"]}");
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&price=30000&volume=0.00001", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EOrder:Order minimum not met\"]}");
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&price=30000&volume=50", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EOrder:Insufficient funds\"]}");
    s_call("AddOrder", "ordertype=iceberg&type=buy&pair=XBTUSD&price=30000&volume=0.1", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EGeneral:Invalid arguments:ordertype\"]}");
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&volume=0.1", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EGeneral:Invalid arguments:price\"]}");
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&price=30000&volume=0.1&validate=true", &out);
    assert_non_null(strstr(out.body.data, "\"error\":[]"));
    assert_null(strstr(out.body.data, "txid"));
    s_call("NoSuchMethod", "", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EGeneral:Unknown method\"]}");
    cbh_http_res_fini(&out);
}

static void
test_dead_mans_switch(void **state)
{
    (void) state;
    cbh_http_res_t out = {0};
    char txid[32], params[96];
    s_call("AddOrder", "ordertype=limit&type=sell&pair=XBTUSD&price=99999.0&volume=0.01", &out);
    s_field(out.body.data, "txid", txid, sizeof txid);
    s_call("CancelAllOrdersAfter", "timeout=1", &out);
    assert_non_null(strstr(out.body.data, "\"currentTime\":\""));
    assert_null(strstr(out.body.data, "\"triggerTime\":\"0\""));
    snprintf(params, sizeof params, "txid=%s", txid);
    s_call("QueryOrders", params, &out);
    assert_non_null(strstr(out.body.data, "\"status\":\"open\""));
    cb_time_sleep_ms(1300, NULL);
    s_call("QueryOrders", params, &out);
    assert_non_null(strstr(out.body.data, "\"status\":\"canceled\""));
    /* timeout=0 disables it. */
    s_call("AddOrder", "ordertype=limit&type=sell&pair=XBTUSD&price=99999.0&volume=0.01", &out);
    s_field(out.body.data, "txid", txid, sizeof txid);
    s_call("CancelAllOrdersAfter", "timeout=1", &out);
    s_call("CancelAllOrdersAfter", "timeout=0", &out);
    assert_non_null(strstr(out.body.data, "\"triggerTime\":\"0\""));
    cb_time_sleep_ms(1300, NULL);
    snprintf(params, sizeof params, "txid=%s", txid);
    s_call("QueryOrders", params, &out);
    assert_non_null(strstr(out.body.data, "\"status\":\"open\""));
    s_call("GetWebSocketsToken", "", &out);
    assert_non_null(strstr(out.body.data, "\"expires\":900"));
    cbh_http_res_fini(&out);
}

static void
s_limits_enabled(bool on)
{
    cbh_simthread_lock(s_srv);
    sim_limits_reset(cbh_simthread_sim(s_srv)->limits);
    sim_limits_set_enabled(cbh_simthread_sim(s_srv)->limits, on);
    cbh_simthread_unlock(s_srv);
}

/* GETs path; returns the status, the body in out, Retry-After in retry. */
static long
s_get(const char *path, cbh_http_res_t *out, long *retry)
{
    long status = cbh_simthread_http(s_srv, "GET", path, NULL, NULL, 0, 0, out);
    char ra[32];
    *retry = cbh_http_header(out, "Retry-After", ra, sizeof ra) != NULL ? strtol(ra, NULL, 10) : 0;
    return status;
}

static void
test_rate_limits(void **state)
{
    (void) state;
    cbh_http_res_t out = {0};
    long retry;
    s_limits_enabled(true);
    /* Kraken REST counter, Starter: 15 calls, then refused. */
    for (int i = 0; i < 15; i++) {
        s_call("Balance", "", &out);
        assert_non_null(strstr(out.body.data, "\"error\":[]"));
    }
    s_call("Balance", "", &out);
    assert_string_equal(out.body.data, "{\"error\":[\"EAPI:Rate limit exceeded\"]}");
    /* Kraken public: a short burst, then refused. */
    int refused = 0;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(s_get("/kraken/0/public/Time", &out, &retry), 200);
        refused += strstr(out.body.data, "EAPI:Rate limit exceeded") != NULL;
    }
    assert_true(refused >= 1);
    /* Binance: exchangeInfo weighs 20; 6000 a minute, then 429 with Retry-After. */
    long status = 200;
    int calls = 0;
    while (status == 200 && calls < 400) {
        status = s_get("/binance/api/v3/exchangeInfo", &out, &retry);
        calls++;
    }
    assert_int_equal(status, 429);
    assert_true(calls <= 301);
    assert_true(retry >= 1 && retry <= 60);
    assert_non_null(strstr(out.body.data, "\"code\":-1003"));
    s_limits_enabled(false);
    cbh_http_res_fini(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_official_vector_and_nonces),
        cmocka_unit_test(test_orders_balances_and_history),
        cmocka_unit_test(test_cancel_order_batch),
        cmocka_unit_test(test_order_errors),
        cmocka_unit_test(test_dead_mans_switch),
        cmocka_unit_test(test_rate_limits),
    };
    return cmocka_run_group_tests_name("venue_sim_kraken", tests, s_setup, s_teardown);
}
