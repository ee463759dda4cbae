/* test_edge_http.c - api-edge over real HTTP against the real stack: every /api route and /health, statuses and the error shape, exact decimals, 404/405/413/431 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_jtok.h"
#include "cb_json.h"
#include "cb_pub.h"
#include "cb_rpc.h"
#include "cb_time.h"
#include "cbh_edge.h"

static cbh_edge_fixture_t s_f;

static int
s_setup(void **state)
{
    char *env[] = {"COINBUS_EDGE_RPC_TIMEOUT_MS=2000", "COINBUS_EDGE_HEALTH_INTERVAL_MS=500",
                   "COINBUS_HTTP_REQUEST_TIMEOUT_MS=1500", NULL};
    *state = &s_f;
    return cbh_edge_fixture_start(&s_f, env);
}

/* Each test is its own client, so that none spends another's budget. */
static void
s_client(int n)
{
    snprintf(s_f.ip, sizeof s_f.ip, "10.0.0.%d", n);
}

static long
s_req(const char *method, const char *path, const char *ctype, const char *body, size_t len, cbh_http_res_t *res)
{
    return cbh_edge_fixture_req(&s_f, method, path, ctype, body, len, res);
}

static long
s_get(const char *path, cbh_http_res_t *res)
{
    return cbh_edge_fixture_get(&s_f, path, res);
}

static void
test_health(void **state)
{
    (void) state;
    s_client(1);
    cbh_http_res_t res = {0};
    int64_t end = cb_time_now_ms() + 15000;
    while (s_get("/health", &res) != 200 && cb_time_now_ms() < end) {
        cb_time_sleep_ms(200, NULL);
    }
    if (res.status != 200) {
        fail_msg("/health never 200: %s (log %s)", res.body.data, cbh_proc_log_path(s_f.edge));
    }
    cb_jdoc_t doc;
    cbh_edge_parse(&doc, &res);
    assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, 0, "status"), "ok"));
    assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, 0, "redis"), "up"));
    int services = cb_jtok_get(&doc, 0, "services");
    const char *names[] = {"market", "sentiment"};
    for (size_t i = 0; i < 2; i++) {
        int svc = cb_jtok_get(&doc, services, names[i]);
        assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, svc, "up"), "true"));
    }
    assert_int_equal(cb_jtok_type(&doc, cb_jtok_get(&doc, 0, "circuits")), CB_JT_OBJECT);
    cb_jdoc_fini(&doc);
    /* /health and /metrics are not rate-limited. */
    char v[32];
    assert_null(cbh_http_header(&res, "X-RateLimit-Limit", v, sizeof v));
    cbh_http_res_fini(&res);
}

static void
test_price(void **state)
{
    (void) state;
    s_client(2);
    cbh_http_res_t res = {0};
    cb_jdoc_t doc;
    const char *paths[] = {"/api/market/price?symbol=BTC", "/api/market/price?symbol=btc-usd",
                           "/api/market/price?symbol=ETH&quote=USD&venue=sim-kraken"};
    for (size_t i = 0; i < 3; i++) {
        int64_t end = cb_time_now_ms() + 10000;
        while (s_get(paths[i], &res) != 200 && cb_time_now_ms() < end) {
            cb_time_sleep_ms(200, NULL);
        }
        assert_int_equal(res.status, 200);
        char v[64];
        assert_non_null(cbh_http_header(&res, "X-RateLimit-Remaining", v, sizeof v));
        cbh_edge_parse(&doc, &res);
        assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, 0, "symbol"), i < 2 ? "BTC-USD" : "ETH-USD") ||
                    cb_jtok_eq(&doc, cb_jtok_get(&doc, 0, "symbol"), "BTC-USDT"));
        const char *keys[] = {"price", "bid", "ask"};
        for (size_t k = 0; k < 3; k++) {
            cbh_edge_expect_number(&doc, cb_jtok_get(&doc, 0, keys[k]));
        }
        cbh_edge_expect_time(&doc, cb_jtok_get(&doc, 0, "timestamp"));
        if (i == 2) {
            assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, 0, "venue"), "sim-kraken"));
        }
        cb_jdoc_fini(&doc);
    }
    s_get("/api/market/price", &res);
    cbh_edge_expect_error(&res, 400, "bad_request");
    s_get("/api/market/price?symbol=B%25C", &res);
    cbh_edge_expect_error(&res, 400, "bad_request");
    s_get("/api/market/price?symbol=ZZZQ", &res);
    cbh_edge_expect_error(&res, 404, "not_found");
    s_get("/api/market/price?symbol=BTC&venue=nowhere", &res);
    cbh_edge_expect_error(&res, 404, "not_found");
    cbh_http_res_fini(&res);
}

/* Publishes one SOL-USD tick on sim-kraken with digits no float keeps. */
static void
s_publish_tick(cb_pub_t *pub, const char *bid, const char *ask)
{
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CB_KIND_tick;
    cb_tick_t *t = &ev.body.tick;
    cb_decimal_t b, a;
    assert_int_equal(cb_decimal_parse(bid, strlen(bid), &b), 0);
    assert_int_equal(cb_decimal_parse(ask, strlen(ask), &a), 0);
    CB_PROTO_SET(t, tick, symbol, CB_STR("SOL-USD"));
    CB_PROTO_SET(t, tick, venue, CB_STR("sim-kraken"));
    CB_PROTO_SET(t, tick, bid, b);
    CB_PROTO_SET(t, tick, ask, a);
    CB_PROTO_SET(t, tick, last, b);
    assert_int_equal(cb_pub_send(pub, &ev, NULL), 0);
}

static bool
s_raw_is(const cb_jdoc_t *doc, int i, const char *text)
{
    cb_str_t raw = cb_jtok_raw(doc, i);
    return cb_jtok_type(doc, i) == CB_JT_PRIMITIVE && cb_str_eq_cstr(raw, text);
}

static void
test_exact_decimals(void **state)
{
    (void) state;
    s_client(3);
    cbh_http_res_t res = {0};
    cb_jdoc_t doc;
    /* From the cache: a tick on the bus comes back digit for digit. */
    cb_pub_t *pub = cb_pub_new(s_f.stack.bus.config.pub);
    assert_non_null(pub);
    static const char bid[] = "98765.432109876543210987";
    static const char ask[] = "98765.432109876543210988";
    bool seen = false;
    for (int i = 0; i < 50 && !seen; i++) {
        s_publish_tick(pub, bid, ask);
        cb_time_sleep_ms(100, NULL);
        if (s_get("/api/market/price?symbol=SOL&venue=sim-kraken", &res) == 200) {
            cbh_edge_parse(&doc, &res);
            seen = s_raw_is(&doc, cb_jtok_get(&doc, 0, "bid"), bid) &&
                   s_raw_is(&doc, cb_jtok_get(&doc, 0, "ask"), ask) &&
                   s_raw_is(&doc, cb_jtok_get(&doc, 0, "price"), bid);
            cb_jdoc_fini(&doc);
        }
    }
    cb_pub_destroy(&pub);
    if (!seen) {
        fail_msg("the published tick never came back exactly: %ld %s", res.status, res.body.data);
    }
    /* Through the RPC: an open candle's t and o are the market service's
     * strings, as text. */
    cb_rpc_client_t *rpc = cb_rpc_client_new(s_f.stack.bus.config.frontend[CB_RPC_MARKET]);
    assert_non_null(rpc);
    static const char args[] = "\x83\xa6symbol\xa7" "BTC-USD\xa5venue\xaasim-kraken\xa9timeframe\xa2" "1m";
    cb_rpc_result_t r;
    cb_buf_t json = {0};
    cb_jdoc_t want;
    cb_jdoc_init(&want);
    int first = -1;
    int64_t end = cb_time_now_ms() + 15000;
    while (first < 0 && cb_time_now_ms() < end) {
        cb_buf_reset(&json);
        if (cb_rpc_call(rpc, "ohlc", args, sizeof args - 1, 2000, 0, &r) == 0 && r.ok &&
            cb_json_from_msgpack((const char *) r.result.ptr, r.result.len, &json) == 0 &&
            cb_jdoc_parse(&want, json.data, json.len) == 0) {
            first = cb_jtok_at(&want, cb_jtok_get(&want, 0, "candles"), 0);
        }
        if (first < 0) {
            cb_time_sleep_ms(200, NULL);
        }
    }
    if (first < 0) {
        fail_msg("market.ohlc gave no candle: %s", json.data != NULL ? json.data : "");
    }
    char open[64];
    assert_true(cb_jtok_string(&want, cb_jtok_get(&want, first, "o"), open, sizeof open) > 0);
    int64_t t = 0;
    assert_int_equal(cb_jtok_i64(&want, cb_jtok_get(&want, first, "t"), &t), 0);
    assert_int_equal(s_get("/api/market/ohlc?symbol=BTC&venue=sim-kraken&timeframe=1m", &res), 200);
    cbh_edge_parse(&doc, &res);
    int got = cb_jtok_at(&doc, cb_jtok_get(&doc, 0, "candles"), 0);
    assert_true(s_raw_is(&doc, cb_jtok_get(&doc, got, "o"), open));
    int64_t got_t;
    assert_int_equal(cb_jtok_rfc3339(&doc, cb_jtok_get(&doc, got, "t"), &got_t), 0);
    assert_int_equal(got_t / 1000000, t / 1000000);
    cb_jdoc_fini(&doc);
    cb_jdoc_fini(&want);
    cb_buf_fini(&json);
    cb_rpc_client_destroy(&rpc);
    cbh_http_res_fini(&res);
}

static void
test_ohlc(void **state)
{
    (void) state;
    s_client(4);
    cbh_http_res_t res = {0};
    cb_jdoc_t doc;
    const char *refused[] = {"limit=0", "limit=1001", "limit=-5", "limit=ten", "timeframe=2h", "timeframe="};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/market/ohlc?symbol=ETH&%s%s", refused[i],
                 strncmp(refused[i], "limit", 5) == 0 ? "&timeframe=1m" : "");
        s_get(path, &res);
        cbh_edge_expect_error(&res, 400, "bad_request");
    }
    s_get("/api/market/ohlc?symbol=ETH", &res);
    cbh_edge_expect_error(&res, 400, "bad_request");
    const char *ok[] = {"limit=1", "limit=1000", "limit=3"};
    for (size_t i = 0; i < 3; i++) {
        char path[128];
        snprintf(path, sizeof path, "/api/market/ohlc?symbol=ETH&timeframe=1m&%s", ok[i]);
        assert_int_equal(s_get(path, &res), 200);
        cbh_edge_parse(&doc, &res);
        int candles = cb_jtok_get(&doc, 0, "candles");
        assert_int_equal(cb_jtok_type(&doc, candles), CB_JT_ARRAY);
        assert_true(cb_jtok_size(&doc, candles) >= 1);
        assert_true(cb_jtok_size(&doc, candles) <= (i == 0 ? 1 : i == 1 ? 1000 : 3));
        int64_t prev = 0;
        for (int k = 0; k < cb_jtok_size(&doc, candles); k++) {
            int c = cb_jtok_at(&doc, candles, k);
            int64_t ts;
            assert_int_equal(cb_jtok_rfc3339(&doc, cb_jtok_get(&doc, c, "t"), &ts), 0);
            assert_true(ts > prev); /* oldest first */
            prev = ts;
            const char *keys[] = {"o", "h", "l", "c", "v"};
            for (size_t j = 0; j < 5; j++) {
                cbh_edge_expect_number(&doc, cb_jtok_get(&doc, c, keys[j]));
            }
        }
        cb_jdoc_fini(&doc);
    }
    cbh_http_res_fini(&res);
}

static void
test_market_routes(void **state)
{
    (void) state;
    s_client(5);
    cbh_http_res_t res = {0};
    cb_jdoc_t doc;
    int64_t end = cb_time_now_ms() + 10000;
    while (s_get("/api/market/book?symbol=BTC&venue=sim-kraken&depth=3", &res) != 200 && cb_time_now_ms() < end) {
        cb_time_sleep_ms(200, NULL);
    }
    assert_int_equal(res.status, 200);
    cbh_edge_parse(&doc, &res);
    int bids = cb_jtok_get(&doc, 0, "bids");
    assert_true(cb_jtok_size(&doc, bids) >= 1 && cb_jtok_size(&doc, bids) <= 3);
    cbh_edge_expect_number(&doc, cb_jtok_at(&doc, cb_jtok_at(&doc, bids, 0), 0));
    cbh_edge_expect_number(&doc, cb_jtok_at(&doc, cb_jtok_at(&doc, bids, 0), 1));
    cb_jdoc_fini(&doc);
    s_get("/api/market/book?symbol=BTC", &res);
    cbh_edge_expect_error(&res, 400, "bad_request");
    s_get("/api/market/book?symbol=BTC&venue=sim-kraken&depth=1001", &res);
    cbh_edge_expect_error(&res, 400, "bad_request");

    assert_int_equal(s_get("/api/market/trades?symbol=BTC&venue=sim-kraken&limit=5", &res), 200);
    cbh_edge_parse(&doc, &res);
    int trades = cb_jtok_get(&doc, 0, "trades");
    assert_true(cb_jtok_size(&doc, trades) <= 5);
    if (cb_jtok_size(&doc, trades) > 0) {
        cbh_edge_expect_number(&doc, cb_jtok_get(&doc, cb_jtok_at(&doc, trades, 0), "price"));
        cbh_edge_expect_time(&doc, cb_jtok_get(&doc, cb_jtok_at(&doc, trades, 0), "timestamp"));
    }
    cb_jdoc_fini(&doc);

    assert_int_equal(s_get("/api/market/compare?symbol=BTC", &res), 200);
    cbh_edge_parse(&doc, &res);
    assert_true(cb_jtok_size(&doc, cb_jtok_get(&doc, 0, "venues")) >= 1);
    cb_jdoc_fini(&doc);

    assert_int_equal(s_get("/api/market/best?symbol=BTC&side=buy&amount=0.01", &res), 200);
    cbh_edge_parse(&doc, &res);
    cbh_edge_expect_number(&doc, cb_jtok_get(&doc, 0, "total"));
    cb_jdoc_fini(&doc);
    s_get("/api/market/best?symbol=BTC", &res);
    cbh_edge_expect_error(&res, 400, "bad_request");
    s_get("/api/market/best?symbol=BTC&side=buy&amount=-1", &res);
    cbh_edge_expect_error(&res, 400, "bad_request");

    assert_int_equal(s_get("/api/market/symbols", &res), 200);
    cbh_edge_parse(&doc, &res);
    assert_int_equal(cb_jtok_type(&doc, cb_jtok_get(&doc, 0, "sim-kraken")), CB_JT_ARRAY);
    cb_jdoc_fini(&doc);
    assert_int_equal(s_get("/api/market/venues", &res), 200);
    cbh_edge_parse(&doc, &res);
    assert_int_equal(cb_jtok_type(&doc, 0), CB_JT_ARRAY);
    cb_jdoc_fini(&doc);
    cbh_http_res_fini(&res);
}

static void
test_analyze(void **state)
{
    (void) state;
    s_client(6);
    cbh_http_res_t res = {0};
    cb_jdoc_t doc;
    static const char good[] = "{\"text\":\"$BTC breaking out, to the moon \\ud83d\\ude80\"}";
    assert_int_equal(s_req("POST", "/api/sentiment/analyze", NULL, good, sizeof good - 1, &res), 200);
    cbh_edge_parse(&doc, &res);
    assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, 0, "label"), "bullish"));
    cb_jdoc_fini(&doc);

    const char *bad[] = {"{\"text\":\"\"}", "{\"text\":\"   \"}", "{\"text\":", "[]", "{\"text\":5}", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_req("POST", "/api/sentiment/analyze", NULL, bad[i], strlen(bad[i]), &res);
        cbh_edge_expect_error(&res, 400, "bad_request");
    }
    s_req("POST", "/api/sentiment/analyze", "text/plain", good, sizeof good - 1, &res);
    cbh_edge_expect_error(&res, 400, "bad_request");

    cb_buf_t body = {0};
    assert_int_equal(cb_buf_append_str(&body, "{\"text\":\""), 0);
    for (int i = 0; i < 5000; i++) {
        assert_int_equal(cb_buf_append_str(&body, "\xc3\xa9"), 0); /* 2 bytes, 1 character */
    }
    assert_int_equal(cb_buf_append_str(&body, "\"}"), 0);
    assert_int_equal(s_req("POST", "/api/sentiment/analyze", NULL, body.data, body.len, &res), 200);
    body.len -= 2;
    assert_int_equal(cb_buf_append_str(&body, "x\"}"), 0);
    s_req("POST", "/api/sentiment/analyze", NULL, body.data, body.len, &res);
    cbh_edge_expect_error(&res, 400, "bad_request");
    /* Over 64 KiB: 413 before anything reads it, in the same error shape. */
    cb_buf_reset(&body);
    assert_int_equal(cb_buf_append_str(&body, "{\"text\":\""), 0);
    for (int i = 0; i < 70000; i++) {
        assert_int_equal(cb_buf_append_char(&body, 'a'), 0);
    }
    assert_int_equal(cb_buf_append_str(&body, "\"}"), 0);
    s_req("POST", "/api/sentiment/analyze", NULL, body.data, body.len, &res);
    cbh_edge_expect_error(&res, 413, "payload_too_large");
    cb_buf_fini(&body);

    s_get("/api/sentiment/analyze", &res);
    cbh_edge_expect_error(&res, 405, "method_not_allowed");
    char allow[64];
    assert_non_null(cbh_http_header(&res, "Allow", allow, sizeof allow));
    assert_string_equal(allow, "POST, OPTIONS");
    cbh_http_res_fini(&res);
}

static void
test_unknown_and_limits(void **state)
{
    (void) state;
    s_client(7);
    cbh_http_res_t res = {0};
    s_get("/nope", &res);
    cbh_edge_expect_error(&res, 404, "not_found");
    char v[64];
    /* Unknown paths and wrong methods spend the budget too, and say so. */
    assert_non_null(cbh_http_header(&res, "X-RateLimit-Remaining", v, sizeof v));
    s_get("/api/market/price/extra", &res);
    cbh_edge_expect_error(&res, 404, "not_found");
    s_req("POST", "/api/market/price?symbol=BTC", NULL, "{}", 2, &res);
    cbh_edge_expect_error(&res, 405, "method_not_allowed");
    assert_non_null(cbh_http_header(&res, "X-RateLimit-Limit", v, sizeof v));
    assert_non_null(cbh_http_header(&res, "Allow", v, sizeof v));
    assert_string_equal(v, "GET, HEAD, OPTIONS");
    s_req("DELETE", "/health", NULL, NULL, 0, &res);
    cbh_edge_expect_error(&res, 405, "method_not_allowed");
    /* Headers over 16 KiB: 431. */
    static char big[20000];
    memset(big, 'a', sizeof big - 1);
    memcpy(big, "X-Big: ", 7);
    const char *headers[] = {big, NULL};
    cbh_http(s_f.port, "GET", "/health", headers, NULL, 0, &res);
    assert_int_equal(res.status, 431);
    cbh_http_res_fini(&res);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_price),
        cmocka_unit_test(test_exact_decimals),
        cmocka_unit_test(test_ohlc),
        cmocka_unit_test(test_market_routes),
        cmocka_unit_test(test_analyze),
        cmocka_unit_test(test_unknown_and_limits),
    };
    return cmocka_run_group_tests_name("edge_http", tests, s_setup, cbh_edge_fixture_teardown);
}
