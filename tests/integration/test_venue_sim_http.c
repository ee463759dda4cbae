/* test_venue_sim_http.c - venue-sim's h2o server and first public endpoints over real HTTP (libcurl, loopback) */
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

#include "cb_buf.h"
#include "cb_httpd.h"
#include "sim.h"
#include "sim_router.h"

static sim_t s_sim; /* no market: only the static endpoints */
static cb_httpd_t *s_http;
static volatile int s_stop;
static pthread_t s_thread;

static void *
s_serve(void *arg)
{
    (void) arg;
    while (!s_stop) {
        cb_httpd_run_once(s_http, 50);
    }
    return NULL;
}

static int
s_setup(void **state)
{
    (void) state;
    char err[256];
    cb_httpd_config_t hc = cb_httpd_config_default();
    s_http = cb_httpd_new(&hc, sim_router_handle, &s_sim, err, sizeof err);
    if (s_http == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
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
    curl_global_cleanup();
    return 0;
}

static size_t
s_write(char *data, size_t size, size_t n, void *ctx)
{
    cb_buf_append(ctx, data, size * n);
    return size * n;
}

typedef struct {
    long status;
    cb_buf_t body;
    cb_buf_t headers;
} s_reply_t;

static s_reply_t
s_get(const char *path)
{
    s_reply_t r;
    memset(&r, 0, sizeof r);
    cb_buf_init(&r.body);
    cb_buf_init(&r.headers);
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", cb_httpd_port(s_http), path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, s_write);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_easy_cleanup(c);
    cb_buf_append(&r.body, "", 0);
    cb_buf_append(&r.headers, "", 0);
    return r;
}

static void
s_free(s_reply_t *r)
{
    cb_buf_fini(&r->body);
    cb_buf_fini(&r->headers);
}

static void
s_expect(const char *path, long status, const char *needle)
{
    s_reply_t r = s_get(path);
    if (r.status != status || strstr(r.body.data, needle) == NULL) {
        fail_msg("GET %s: want %ld with '%s', got %ld '%s'", path, status, needle, r.status, r.body.data);
    }
    s_free(&r);
}

static void
test_kraken_public(void **state)
{
    (void) state;
    s_reply_t r = s_get("/kraken/0/public/Time");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "{\"error\":[],\"result\":{\"unixtime\":"));
    assert_non_null(strstr(r.body.data, " +0000\"}}"));
    assert_non_null(strstr(r.headers.data, "application/json"));
    s_free(&r);
    s_expect("/kraken/0/public/SystemStatus", 200, "\"status\":\"online\"");
    /* A pair by altname comes back keyed by its pair id, as Kraken does. */
    s_expect("/kraken/0/public/AssetPairs?pair=XBTUSD", 200,
             "\"result\":{\"XXBTZUSD\":{\"altname\":\"XBTUSD\",\"wsname\":\"XBT/USD\"");
    s_expect("/kraken/0/public/AssetPairs?pair=XBTUSD", 200, "\"tick_size\":\"0.1\"");
    s_expect("/kraken/0/public/AssetPairs?pair=XBTUSD%2CETHUSD", 200, "\"XETHZUSD\":{");
    s_expect("/kraken/0/public/AssetPairs", 200, "\"SOLUSD\":{");
    s_expect("/kraken/0/public/AssetPairs?pair=NOPEUSD", 200, "{\"error\":[\"EQuery:Unknown asset pair\"]}");
    s_expect("/kraken/0/public/Assets", 200, "\"XXBT\":{\"aclass\":\"currency\",\"altname\":\"XBT\"");
    s_expect("/kraken/0/public/NoSuchMethod", 200, "{\"error\":[\"EGeneral:Unknown method\"]}");
}

static void
test_binance_public(void **state)
{
    (void) state;
    s_reply_t r = s_get("/binance/api/v3/ping");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "{}");
    assert_non_null(strstr(r.headers.data, "x-mbx-used-weight-1m: 1"));
    s_free(&r);
    s_expect("/binance/api/v3/time", 200, "{\"serverTime\":");
    r = s_get("/binance/api/v3/exchangeInfo?symbol=BTCUSDT");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":6000"));
    assert_non_null(strstr(r.body.data, "{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"0.01000000\",\"maxPrice\":\"1000000.00000000\",\"tickSize\":\"0.01000000\"}"));
    assert_non_null(strstr(r.body.data, "\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.00001000\""));
    assert_non_null(strstr(r.body.data, "\"filterType\":\"NOTIONAL\",\"minNotional\":\"5.00000000\""));
    assert_null(strstr(r.body.data, "ETHUSDT"));
    assert_non_null(strstr(r.headers.data, "x-mbx-used-weight-1m: 20"));
    s_free(&r);
    s_expect("/binance/api/v3/exchangeInfo?symbols=%5B%22BTCUSDT%22,%22SOLUSDT%22%5D", 200, "\"symbol\":\"SOLUSDT\"");
    s_expect("/binance/api/v3/exchangeInfo?symbol=NOPE", 400, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}");
    s_expect("/binance/api/v3/exchangeInfo?symbol=", 400, "\"code\":-1102");
    s_expect("/binance/api/v3/exchangeInfo?symbols=BTCUSDT", 400, "\"code\":-1100");
    s_expect("/binance/api/v3/exchangeInfo?symbols=%5B%22NOPE%22%5D", 400, "\"code\":-1121");
    s_expect("/nowhere", 404, "not found");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kraken_public),
        cmocka_unit_test(test_binance_public),
    };
    return cmocka_run_group_tests_name("venue_sim_http", tests, s_setup, s_teardown);
}
