/* test_venue_sim_http.c - venue-sim's h2o server and first public endpoints over real HTTP (libcurl, loopback) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbh_simthread.h"

static cbh_simthread_t *s_srv; /* no market: only the static endpoints */

static int
s_setup(void **state)
{
    (void) state;
    cbh_simthread_opts_t opts = {.turn_ms = 50};
    s_srv = cbh_simthread_new(&opts);
    return s_srv != NULL ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    cbh_simthread_destroy(&s_srv);
    return 0;
}

static cbh_http_res_t
s_get(const char *path)
{
    cbh_http_res_t r = {0};
    cbh_simthread_http(s_srv, "GET", path, NULL, NULL, 0, 5000, &r);
    return r;
}

static void
s_expect(const char *path, long status, const char *needle)
{
    cbh_http_res_t r = s_get(path);
    if (r.status != status || strstr(r.body.data, needle) == NULL) {
        fail_msg("GET %s: want %ld with '%s', got %ld '%s'", path, status, needle, r.status, r.body.data);
    }
    cbh_http_res_fini(&r);
}

static void
test_kraken_public(void **state)
{
    (void) state;
    cbh_http_res_t r = s_get("/kraken/0/public/Time");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "{\"error\":[],\"result\":{\"unixtime\":"));
    assert_non_null(strstr(r.body.data, " +0000\"}}"));
    assert_non_null(strstr(r.headers.data, "application/json"));
    cbh_http_res_fini(&r);
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
    cbh_http_res_t r = s_get("/binance/api/v3/ping");
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body.data, "{}");
    assert_non_null(strstr(r.headers.data, "x-mbx-used-weight-1m: 1"));
    cbh_http_res_fini(&r);
    s_expect("/binance/api/v3/time", 200, "{\"serverTime\":");
    r = s_get("/binance/api/v3/exchangeInfo?symbol=BTCUSDT");
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":6000"));
    assert_non_null(strstr(r.body.data, "{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"0.01000000\",\"maxPrice\":\"1000000.00000000\",\"tickSize\":\"0.01000000\"}"));
    assert_non_null(strstr(r.body.data, "\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.00001000\""));
    assert_non_null(strstr(r.body.data, "\"filterType\":\"NOTIONAL\",\"minNotional\":\"5.00000000\""));
    assert_null(strstr(r.body.data, "ETHUSDT"));
    assert_non_null(strstr(r.headers.data, "x-mbx-used-weight-1m: 20"));
    cbh_http_res_fini(&r);
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
