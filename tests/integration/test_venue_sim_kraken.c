/* test_venue_sim_kraken.c - Kraken's private REST on venue-sim over real HTTP: the official signing vector, nonces, balances, orders, dead-man's switch */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "cb_buf.h"
#include "cb_httpd.h"
#include "cb_time.h"
#include "sim.h"
#include "sim_auth.h"
#include "sim_exchange.h"
#include "sim_limits.h"
#include "sim_router.h"

/* The official example of Kraken's authentication guide. */
#define DOC_SECRET "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
#define DOC_BODY "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"
#define DOC_SIGN "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="

static sim_t s_sim;
static cb_httpd_t *s_http;
static volatile int s_stop;
static pthread_t s_thread;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t s_nonce;

static void *
s_serve(void *arg)
{
    (void) arg;
    while (!s_stop) {
        pthread_mutex_lock(&s_lock);
        int64_t now = cb_time_now_ns();
        sim_market_step(s_sim.market, now);
        sim_exchange_poll(s_sim.exchange, now);
        cb_httpd_run_once(s_http, 5);
        pthread_mutex_unlock(&s_lock);
    }
    return NULL;
}

static int
s_setup(void **state)
{
    (void) state;
    char err[256];
    s_sim.market = sim_market_new(21, 200);
    s_sim.exchange = sim_exchange_new(s_sim.market);
    s_sim.auth = sim_auth_new();
    s_sim.limits = sim_limits_new();
    sim_limits_set_enabled(s_sim.limits, false);
    if (sim_exchange_add_accounts(s_sim.exchange,
                                  "kraken doc-key " DOC_SECRET " ZUSD=100000 XXBT=2 XETH=10 SOL=100",
                                  err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    cb_httpd_config_t hc = cb_httpd_config_default();
    s_http = cb_httpd_new(&hc, sim_router_handle, &s_sim, err, sizeof err);
    if (s_http == NULL) {
        return -1;
    }
    s_nonce = (uint64_t) cb_time_now_ms() * 1000;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return pthread_create(&s_thread, NULL, s_serve, NULL) == 0 ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    s_stop = 1;
    pthread_join(s_thread, NULL);
    cb_httpd_destroy(&s_http);
    sim_limits_destroy(&s_sim.limits);
    sim_auth_destroy(&s_sim.auth);
    sim_exchange_destroy(&s_sim.exchange);
    sim_market_destroy(&s_sim.market);
    curl_global_cleanup();
    return 0;
}

static size_t
s_write(char *data, size_t size, size_t n, void *ctx)
{
    cb_buf_append(ctx, data, size * n);
    return size * n;
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
           cb_buf_t *out)
{
    char url[256], h1[256], h2[256], h3[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/kraken/0/private/%s", cb_httpd_port(s_http), method);
    struct curl_slist *headers = NULL;
    if (key != NULL) {
        snprintf(h1, sizeof h1, "API-Key: %s", key);
        headers = curl_slist_append(headers, h1);
    }
    if (sign != NULL) {
        snprintf(h2, sizeof h2, "API-Sign: %s", sign);
        headers = curl_slist_append(headers, h2);
    }
    snprintf(h3, sizeof h3, "Content-Type: %s", content_type);
    headers = curl_slist_append(headers, h3);
    CURL *c = curl_easy_init();
    cb_buf_reset(out);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long status;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    assert_int_equal(status, 200);
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);
    cb_buf_append_char(out, '\0');
    out->len--;
}

/* A signed form call: params without the nonce ("" for none). */
static void
s_call(const char *method, const char *params, cb_buf_t *out)
{
    char nonce[32], body[1024], path[96], sign[128];
    snprintf(nonce, sizeof nonce, "%llu", (unsigned long long) ++s_nonce);
    snprintf(body, sizeof body, "nonce=%s%s%s", nonce, params[0] != '\0' ? "&" : "", params);
    snprintf(path, sizeof path, "/0/private/%s", method);
    s_sign(DOC_SECRET, path, nonce, body, sign);
    s_post_raw(method, body, "doc-key", sign, "application/x-www-form-urlencoded", out);
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
    cb_buf_t out;
    cb_buf_init(&out);
    /* Our client-side signer reproduces the documented API-Sign... */
    char sign[128];
    s_sign(DOC_SECRET, "/0/private/AddOrder", "1616492376594", DOC_BODY, sign);
    assert_string_equal(sign, DOC_SIGN);
    /* ...and the venue accepts the documented request byte for byte. */
    s_post_raw("AddOrder", DOC_BODY, "doc-key", DOC_SIGN, "application/x-www-form-urlencoded", &out);
    assert_non_null(strstr(out.data, "\"error\":[]"));
    assert_non_null(strstr(out.data, "\"descr\":{\"order\":\"buy 1.25000000 XBTUSD @ limit 37500.0\"}"));
    assert_non_null(strstr(out.data, "\"txid\":[\"O"));
    /* The same nonce again: refused. */
    s_post_raw("AddOrder", DOC_BODY, "doc-key", DOC_SIGN, "application/x-www-form-urlencoded", &out);
    assert_string_equal(out.data, "{\"error\":[\"EAPI:Invalid nonce\"]}");
    /* A changed body, a wrong key, no signature, garbage signature. */
    s_post_raw("AddOrder", DOC_BODY "0", "doc-key", DOC_SIGN, "application/x-www-form-urlencoded", &out);
    assert_string_equal(out.data, "{\"error\":[\"EAPI:Invalid signature\"]}");
    s_post_raw("AddOrder", DOC_BODY, "other-key", DOC_SIGN, "application/x-www-form-urlencoded", &out);
    assert_string_equal(out.data, "{\"error\":[\"EAPI:Invalid key\"]}");
    s_post_raw("Balance", "nonce=1", "doc-key", NULL, "application/x-www-form-urlencoded", &out);
    assert_string_equal(out.data, "{\"error\":[\"EAPI:Invalid signature\"]}");
    s_post_raw("Balance", "nonce=1", "doc-key", "!!not base64!!", "application/x-www-form-urlencoded", &out);
    assert_string_equal(out.data, "{\"error\":[\"EAPI:Invalid signature\"]}");
    /* Signed over another path: refused. */
    char nonce[32], body[64];
    snprintf(nonce, sizeof nonce, "%llu", (unsigned long long) ++s_nonce);
    snprintf(body, sizeof body, "nonce=%s", nonce);
    s_sign(DOC_SECRET, "/0/private/BalanceEx", nonce, body, sign);
    s_post_raw("Balance", body, "doc-key", sign, "application/x-www-form-urlencoded", &out);
    assert_string_equal(out.data, "{\"error\":[\"EAPI:Invalid signature\"]}");
    /* A JSON body, signed over its exact bytes. */
    snprintf(nonce, sizeof nonce, "%llu", (unsigned long long) ++s_nonce);
    snprintf(body, sizeof body, "{\"nonce\":%s}", nonce);
    s_sign(DOC_SECRET, "/0/private/Balance", nonce, body, sign);
    s_post_raw("Balance", body, "doc-key", sign, "application/json", &out);
    assert_non_null(strstr(out.data, "\"error\":[]"));
    assert_non_null(strstr(out.data, "\"XXBT\":\"2.0000000000\""));
    /* Cancel the documented order again. */
    s_call("CancelAll", "", &out);
    assert_string_equal(out.data, "{\"error\":[],\"result\":{\"count\":1}}");
    cb_buf_fini(&out);
}

static void
test_orders_balances_and_history(void **state)
{
    (void) state;
    cb_buf_t out;
    cb_buf_init(&out);
    char v[64], txid[32];
    /* A resting limit buy: the hold is cost + 0.40% exactly. */
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&price=30000.0&volume=0.5&userref=77", &out);
    s_field(out.data, "txid", txid, sizeof txid);
    s_call("BalanceEx", "", &out);
    assert_non_null(strstr(out.data, "\"ZUSD\":{\"balance\":\"100000.0000\",\"hold_trade\":\"15060.0000\"}"));
    s_call("OpenOrders", "userref=77", &out);
    assert_non_null(strstr(out.data, txid));
    assert_non_null(strstr(out.data, "\"status\":\"open\""));
    assert_non_null(strstr(out.data, "\"userref\":77"));
    char params[128];
    snprintf(params, sizeof params, "txid=%s", txid);
    s_call("QueryOrders", params, &out);
    assert_non_null(strstr(out.data, "\"vol\":\"0.50000000\""));
    /* Amend the quantity down: the hold follows. */
    snprintf(params, sizeof params, "txid=%s&order_qty=0.25", txid);
    s_call("AmendOrder", params, &out);
    assert_non_null(strstr(out.data, "\"amend_id\":\""));
    s_call("BalanceEx", "", &out);
    assert_non_null(strstr(out.data, "\"hold_trade\":\"7530.0000\""));
    /* Cancel by userref releases everything. */
    s_call("CancelOrder", "txid=77", &out);
    assert_string_equal(out.data, "{\"error\":[],\"result\":{\"count\":1}}");
    s_call("BalanceEx", "", &out);
    assert_non_null(strstr(out.data, "\"ZUSD\":{\"balance\":\"100000.0000\",\"hold_trade\":\"0.0000\"}"));
    s_call("CancelOrder", params, &out);
    assert_string_equal(out.data, "{\"error\":[\"EOrder:Unknown order\"]}");
    /* A market buy: the balance moves by exactly the trades' cost + fee. */
    s_call("AddOrder", "ordertype=market&type=buy&pair=XXBTZUSD&volume=0.1&cl_ord_id=mkt-1", &out);
    s_field(out.data, "txid", txid, sizeof txid);
    snprintf(params, sizeof params, "txid=%s&trades=true", txid);
    s_call("QueryOrders", params, &out);
    assert_non_null(strstr(out.data, "\"status\":\"closed\""));
    assert_non_null(strstr(out.data, "\"cl_ord_id\":\"mkt-1\""));
    char cost[32], fee[32];
    s_field(out.data, "cost", cost, sizeof cost);
    s_field(out.data, "fee", fee, sizeof fee);
    s_call("Balance", "", &out);
    s_field(out.data, "ZUSD", v, sizeof v);
    assert_int_equal(s_fx(v), s_fx("100000") - s_fx(cost) - s_fx(fee));
    s_field(out.data, "XXBT", v, sizeof v);
    assert_int_equal(s_fx(v), s_fx("2.1"));
    s_call("TradesHistory", "", &out);
    assert_non_null(strstr(out.data, txid));
    s_call("ClosedOrders", "", &out);
    assert_non_null(strstr(out.data, txid));
    assert_non_null(strstr(out.data, "\"count\":"));
    cb_buf_fini(&out);
}

static void
test_order_errors(void **state)
{
    (void) state;
    cb_buf_t out;
    cb_buf_init(&out);
    s_call("AddOrder", "ordertype=limit&type=buy&pair=DOGEUSD&price=1&volume=1", &out);
    assert_string_equal(out.data, "{\"error\":[\"EQuery:Unknown asset pair\"]}");
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&price=30000.05&volume=0.1", &out);
    assert_string_equal(out.data, "{\"error\":[\"EOrder:Tick size check failed\"]}");
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&price=30000&volume=0.00001", &out);
    assert_string_equal(out.data, "{\"error\":[\"EOrder:Order minimum not met\"]}");
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&price=30000&volume=50", &out);
    assert_string_equal(out.data, "{\"error\":[\"EOrder:Insufficient funds\"]}");
    s_call("AddOrder", "ordertype=iceberg&type=buy&pair=XBTUSD&price=30000&volume=0.1", &out);
    assert_string_equal(out.data, "{\"error\":[\"EGeneral:Invalid arguments:ordertype\"]}");
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&volume=0.1", &out);
    assert_string_equal(out.data, "{\"error\":[\"EGeneral:Invalid arguments:price\"]}");
    s_call("AddOrder", "ordertype=limit&type=buy&pair=XBTUSD&price=30000&volume=0.1&validate=true", &out);
    assert_non_null(strstr(out.data, "\"error\":[]"));
    assert_null(strstr(out.data, "txid"));
    s_call("NoSuchMethod", "", &out);
    assert_string_equal(out.data, "{\"error\":[\"EGeneral:Unknown method\"]}");
    cb_buf_fini(&out);
}

static void
test_dead_mans_switch(void **state)
{
    (void) state;
    cb_buf_t out;
    cb_buf_init(&out);
    char txid[32], params[96];
    s_call("AddOrder", "ordertype=limit&type=sell&pair=XBTUSD&price=99999.0&volume=0.01", &out);
    s_field(out.data, "txid", txid, sizeof txid);
    s_call("CancelAllOrdersAfter", "timeout=1", &out);
    assert_non_null(strstr(out.data, "\"currentTime\":\""));
    assert_null(strstr(out.data, "\"triggerTime\":\"0\""));
    snprintf(params, sizeof params, "txid=%s", txid);
    s_call("QueryOrders", params, &out);
    assert_non_null(strstr(out.data, "\"status\":\"open\""));
    cb_time_sleep_ms(1300, NULL);
    s_call("QueryOrders", params, &out);
    assert_non_null(strstr(out.data, "\"status\":\"canceled\""));
    /* timeout=0 disables it. */
    s_call("AddOrder", "ordertype=limit&type=sell&pair=XBTUSD&price=99999.0&volume=0.01", &out);
    s_field(out.data, "txid", txid, sizeof txid);
    s_call("CancelAllOrdersAfter", "timeout=1", &out);
    s_call("CancelAllOrdersAfter", "timeout=0", &out);
    assert_non_null(strstr(out.data, "\"triggerTime\":\"0\""));
    cb_time_sleep_ms(1300, NULL);
    snprintf(params, sizeof params, "txid=%s", txid);
    s_call("QueryOrders", params, &out);
    assert_non_null(strstr(out.data, "\"status\":\"open\""));
    s_call("GetWebSocketsToken", "", &out);
    assert_non_null(strstr(out.data, "\"expires\":900"));
    cb_buf_fini(&out);
}

static void
s_limits_enabled(bool on)
{
    pthread_mutex_lock(&s_lock);
    sim_limits_reset(s_sim.limits);
    sim_limits_set_enabled(s_sim.limits, on);
    pthread_mutex_unlock(&s_lock);
}

/* GETs path; returns the status, the body in out, Retry-After in retry. */
static long
s_get(const char *path, cb_buf_t *out, long *retry)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", cb_httpd_port(s_http), path);
    CURL *c = curl_easy_init();
    cb_buf_reset(out);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long status;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_off_t ra = 0;
    curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra);
    *retry = (long) ra;
    curl_easy_cleanup(c);
    cb_buf_append_char(out, '\0');
    out->len--;
    return status;
}

static void
test_rate_limits(void **state)
{
    (void) state;
    cb_buf_t out;
    cb_buf_init(&out);
    long retry;
    s_limits_enabled(true);
    /* Kraken REST counter, Starter: 15 calls, then refused. */
    for (int i = 0; i < 15; i++) {
        s_call("Balance", "", &out);
        assert_non_null(strstr(out.data, "\"error\":[]"));
    }
    s_call("Balance", "", &out);
    assert_string_equal(out.data, "{\"error\":[\"EAPI:Rate limit exceeded\"]}");
    /* Kraken public: a short burst, then refused. */
    int refused = 0;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(s_get("/kraken/0/public/Time", &out, &retry), 200);
        refused += strstr(out.data, "EAPI:Rate limit exceeded") != NULL;
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
    assert_non_null(strstr(out.data, "\"code\":-1003"));
    s_limits_enabled(false);
    cb_buf_fini(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_official_vector_and_nonces),
        cmocka_unit_test(test_orders_balances_and_history),
        cmocka_unit_test(test_order_errors),
        cmocka_unit_test(test_dead_mans_switch),
        cmocka_unit_test(test_rate_limits),
    };
    return cmocka_run_group_tests_name("venue_sim_kraken", tests, s_setup, s_teardown);
}
