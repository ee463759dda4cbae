/* test_account_rpc.c - the account binary over the real bus, Redis and venue-sim: every op in both dialects, paging, cache, venue errors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cb_binance.h"
#include "cb_buf.h"
#include "cb_error.h"
#include "cb_http.h"
#include "cb_json.h"
#include "cb_kraken.h"
#include "cb_nonce.h"
#include "cb_redis.h"
#include "cb_rpc.h"
#include "cb_time.h"
#include "cbh_bus.h"
#include "cbh_sim.h"
#include "cbh_rpc.h"
#include "cbh_router.h"
#include "route_ledger.h"

#define K_KEY "coinbus-paper-kraken"
#define K_SECRET "Y29pbmJ1cy1wYXBlci1rcmFrZW4tc2VjcmV0LWZvci10ZXN0aW5nLW9ubHktMDAwMDAwMDAwMDAwMDAwMDAwMA=="
#define B_KEY "coinbuspaperbinancekey000000000000000000000000000000000000000000"
#define B_SECRET "coinbuspaperbinancesecret000000000000000000000000000000000000000"

static cbh_redis_t s_redis;
static cbh_bus_t s_bus;
static cbh_sim_t s_sim;
static cbh_proc_t *s_service;
static cb_rpc_client_t *s_client;
static cb_http_t *s_http;
static cb_venue_cfg_t s_kraken = {.name = "sim-kraken", .dialect = CB_DIALECT_KRAKEN};
static cb_venue_cfg_t s_binance = {.name = "sim-binance", .dialect = CB_DIALECT_BINANCE};

/* Sends a signed request to the sim; returns the status, body in out. */
static long
s_send(cb_venue_req_t *req, cb_buf_t *out)
{
    const char *headers[4];
    size_t nh = 0;
    for (size_t i = 0; i < 4; i++) {
        if (req->headers[i][0] != '\0') {
            headers[nh++] = req->headers[i];
        }
    }
    cb_http_req_t hr = {strcmp(req->method, "POST") == 0 ? CB_HTTP_POST : CB_HTTP_GET, req->url,
                        headers, nh, req->body.len > 0 ? req->body.data : NULL, req->body.len, 5000};
    cb_http_result_t res;
    assert_int_equal(cb_http_do(s_http, &hr, &res), 0);
    assert_int_equal(res.resp.outcome, CB_HTTP_OK);
    cb_buf_reset(out);
    cb_buf_append(out, res.resp.body, res.resp.body_len);
    long status = res.resp.status;
    cb_http_result_fini(&res);
    cb_venue_req_fini(req);
    return status;
}

static long
s_kraken_call(const char *method, const char *form, cb_buf_t *out)
{
    uint8_t key[128];
    size_t key_len;
    assert_int_equal(cb_kraken_secret_decode(K_SECRET, key, sizeof key, &key_len), 0);
    /* The same Redis nonce counter the service uses for this key. */
    int e = 0;
    cb_redis_t *r = cb_redis_new(s_redis.url, &e);
    assert_non_null(r);
    cb_nonce_t gen;
    uint64_t nonce = 0;
    assert_int_equal(cb_nonce_init(&gen, r, "sim-kraken", K_KEY), 0);
    assert_int_equal(cb_nonce_next(&gen, &nonce), 0);
    cb_redis_destroy(&r);
    cb_venue_req_t req;
    assert_int_equal(cb_kraken_private_req(&s_kraken, method, form, nonce, K_KEY, key, key_len,
                                           true, &req),
                     0);
    return s_send(&req, out);
}

static long
s_binance_call(const char *method, const char *path, const char *params, cb_buf_t *out)
{
    cb_venue_req_t req;
    assert_int_equal(cb_binance_signed_req(&s_binance, method, path, params, cb_time_now_ms(), 5000,
                                           B_KEY, (const uint8_t *) B_SECRET, strlen(B_SECRET),
                                           true, &req),
                     0);
    return s_send(&req, out);
}

static long
s_admin(const char *method, const char *path, const char *body)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s_sim.port, path);
    const char *h[] = {"Content-Type: application/json"};
    cb_http_req_t hr = {strcmp(method, "POST") == 0 ? CB_HTTP_POST : CB_HTTP_DELETE, url, h, 1,
                        body, body != NULL ? strlen(body) : 0, 5000};
    cb_http_result_t res;
    assert_int_equal(cb_http_do(s_http, &hr, &res), 0);
    long status = res.resp.status;
    cb_http_result_fini(&res);
    return status;
}

/* The paper accounts, Kraken's at the Pro tier: the service meters itself as
 * Starter, so only the test's own bursts reach the sim's limit. */
static char *s_sim_env[] = {
    "COINBUS_SIM_ACCOUNTS=kraken " K_KEY " " K_SECRET " tier=pro ZUSD=100000 XXBT=2 XETH=20 SOL=500;"
    "binance " B_KEY " " B_SECRET " USDT=100000 BTC=2 ETH=20 SOL=500",
    NULL};

static int
s_setup(void **state)
{
    (void) state;
    s_http = cb_http_new(NULL);
    if (s_http == NULL || cbh_redis_start(&s_redis, NULL) != 0 || cbh_bus_start(&s_bus) != 0 ||
        cbh_sim_start(&s_sim, s_sim_env) != 0) {
        return -1;
    }
    snprintf(s_kraken.rest_base, sizeof s_kraken.rest_base, "http://127.0.0.1:%d/kraken",
             s_sim.port);
    snprintf(s_binance.rest_base, sizeof s_binance.rest_base, "http://127.0.0.1:%d/binance",
             s_sim.port);
    char bin[512];
    snprintf(bin, sizeof bin, "%s/account", cbh_bin_dir());
    char *argv[] = {bin, NULL};
    static char redis_env[200], venues_env[600];
    snprintf(redis_env, sizeof redis_env, "COINBUS_REDIS_URL=%s", s_redis.url);
    /* Two venues more on the same sim: one with a wrong key, one with none. */
    snprintf(venues_env, sizeof venues_env,
             "%s,bad-kraken=kraken@http://127.0.0.1:%d/kraken,alt-kraken=kraken@http://127.0.0.1:%d/kraken,"
             "nokey-binance=binance@http://127.0.0.1:%d/binance",
             s_sim.venues_env, s_sim.port, s_sim.port, s_sim.port);
    char *env[] = {redis_env,
                   venues_env,
                   "COINBUS_ACCOUNT_CACHE_MS=60000",
                   "COINBUS_SIM_KRAKEN_API_KEY=" K_KEY,
                   "COINBUS_SIM_KRAKEN_API_SECRET=" K_SECRET,
                   "COINBUS_SIM_BINANCE_API_KEY=" B_KEY,
                   "COINBUS_SIM_BINANCE_API_SECRET=" B_SECRET,
                   "COINBUS_BAD_KRAKEN_API_KEY=not-a-paper-key",
                   "COINBUS_ALT_KRAKEN_API_KEY=" K_KEY,
                   "COINBUS_ALT_KRAKEN_API_SECRET=" K_SECRET,
                   "COINBUS_BAD_KRAKEN_API_SECRET=" K_SECRET,
                   "COINBUS_CREDENTIALS_FILE=",
                   "COINBUS_CREDENTIALS_PLAIN_FILE=",
                   NULL};
    cbh_bus_export(&s_bus);
    s_service = cbh_proc_start("account", argv, env);
    s_client = cb_rpc_client_new(s_bus.config.frontend[CB_RPC_ACCOUNT]);
    if (s_service == NULL || s_client == NULL) {
        return -1;
    }
    for (int i = 0; i < 100; i++) {
        cb_rpc_result_t res;
        if (cb_rpc_call(s_client, "ping", NULL, 0, 200, 0, &res) == 0 && res.ok) {
            return 0;
        }
    }
    fprintf(stderr, "account did not answer ping; log: %s\n", cbh_proc_log_path(s_service));
    return -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    cb_rpc_client_destroy(&s_client);
    int rc = cbh_proc_stop(&s_service, SIGTERM, 5000);
    cbh_sim_stop(&s_sim);
    cbh_bus_stop(&s_bus);
    cbh_redis_stop(&s_redis);
    cb_http_destroy(&s_http);
    return rc == 0 ? 0 : -1;
}

/* The service's calls with JSON args (cbh_rpc_json). */
static const char *
s_call_within(const char *op, const char *args_json, int timeout_ms, bool *ok, int *error)
{
    return cbh_rpc_json(s_client, op, args_json, timeout_ms, ok, error);
}

static const char *
s_call(const char *op, const char *args_json, bool *ok, int *error)
{
    return cbh_rpc_json(s_client, op, args_json, 20000, ok, error);
}

static const char *
s_ok(const char *op, const char *args_json)
{
    return cbh_rpc_json_ok(s_client, op, args_json, 20000);
}

static void
s_expect_error(const char *op, const char *args_json, int code, const char *needle)
{
    cbh_rpc_json_error(s_client, op, args_json, 20000, code, needle);
}

/* Fails unless haystack holds needle. */
static void
s_has(const char *haystack, const char *needle)
{
    if (strstr(haystack, needle) == NULL) {
        fail_msg("'%s' not in '%.2000s'", needle, haystack);
    }
}

/* Places n market buys and one resting limit buy on each venue. */
static void
s_trade_on_sim(int n)
{
    cb_buf_t out;
    cb_buf_init(&out);
    for (int i = 0; i < n; i++) {
        assert_int_equal(s_kraken_call("AddOrder", "ordertype=market&type=buy&volume=0.01&pair=XBTUSD", &out), 200);
        s_has(out.data, "\"txid\"");
        assert_int_equal(s_binance_call("POST", "/api/v3/order",
                                        "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01", &out),
                         200);
    }
    assert_int_equal(s_kraken_call("AddOrder",
                                   "ordertype=limit&type=buy&volume=0.02&pair=XBTUSD&price=1000.0&cl_ord_id=rest-1",
                                   &out),
                     200);
    assert_int_equal(s_binance_call("POST", "/api/v3/order",
                                    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.02&price=1000.00&newClientOrderId=rest-1",
                                    &out),
                     200);
    cb_buf_fini(&out);
}

/* The JSON string value after "key":" at p, into out. */
static const char *
s_value(const char *p, const char *key, char *out, size_t size)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *at = strstr(p, pat);
    if (at == NULL) {
        out[0] = '\0';
        return NULL;
    }
    at += strlen(pat);
    if (*at == '"') {
        at++;
    }
    size_t n = strcspn(at, "\",}");
    snprintf(out, size, "%.*s", (int) (n < size ? n : size - 1), at);
    return at + n;
}

/* How many BTC trades the paper account has at the venue (vi 0: Kraken, its
 * TradesHistory count; 1: Binance, the entries of myTrades for BTCUSDT). */
static int
s_venue_trades(int vi)
{
    cb_buf_t raw;
    cb_buf_init(&raw);
    int n = 0;
    if (vi == 0) {
        assert_int_equal(s_kraken_call("TradesHistory", "", &raw), 200);
        char count[32] = "";
        s_value(raw.data, "count", count, sizeof count);
        n = atoi(count);
    } else {
        assert_int_equal(s_binance_call("GET", "/api/v3/myTrades", "symbol=BTCUSDT", &raw), 200);
        for (const char *p = raw.data; (p = strstr(p, "\"commissionAsset\"")) != NULL; p++) {
            n++;
        }
    }
    cb_buf_fini(&raw);
    return n;
}

static void
test_orders_trades_both_dialects(void **state)
{
    (void) state;
    s_trade_on_sim(5);
    cb_buf_t raw;
    cb_buf_init(&raw);
    /* open orders: the resting limit buy on each venue, normalised. */
    const char *text = s_ok("open_orders", "{\"venue\":\"sim-kraken\"}");
    s_has(text, "\"client_order_id\":\"rest-1\",\"venue\":\"sim-kraken\",\"symbol\":\"BTC-USD\","
                "\"side\":\"buy\",\"type\":\"limit\",\"price\":\"1000.0\",\"amount\":\"0.02000000\"");
    text = s_ok("open_orders", "{\"venue\":\"sim-binance\"}");
    s_has(text, "\"client_order_id\":\"rest-1\",\"venue\":\"sim-binance\",\"symbol\":\"BTC-USDT\","
                "\"side\":\"buy\",\"type\":\"limit\",\"price\":\"1000.00000000\","
                "\"amount\":\"0.02000000\"");
    /* trades: every page of 2, no gaps or duplicates, prices exactly the venue's text. */
    const char *venues[] = {"sim-kraken", "sim-binance"};
    for (int vi = 0; vi < 2; vi++) {
        char ids[16][64];
        int nids = 0;
        char cursor[4096] = "";
        for (int page = 0; page < 10; page++) {
            char args[4400];
            snprintf(args, sizeof args, "{\"venue\":\"%s\",\"limit\":2%s%s%s}", venues[vi],
                     cursor[0] != '\0' ? ",\"cursor\":\"" : "", cursor,
                     cursor[0] != '\0' ? "\"" : "");
            text = s_ok("trades", args);
            const char *p = text;
            char id[64];
            while ((p = s_value(p, "id", id, sizeof id)) != NULL) {
                for (int k = 0; k < nids; k++) {
                    assert_string_not_equal(ids[k], id);
                }
                assert_true(nids < 16);
                snprintf(ids[nids++], sizeof ids[0], "%s", id);
            }
            s_value(text, "next_cursor", cursor, sizeof cursor);
            if (cursor[0] == '\0') {
                break;
            }
        }
        /* As many as the venue lists: a market buy may fill against more
         * than one level of the book, so at least one per order. */
        int venue_count = s_venue_trades(vi);
        assert_true(venue_count >= 5);
        assert_int_equal(nids, venue_count);
    }
    /* the venue's own text of one trade, to the last decimal. */
    assert_int_equal(s_kraken_call("TradesHistory", "", &raw), 200);
    char price[64], cost[64];
    s_value(raw.data, "price", price, sizeof price);
    s_value(raw.data, "cost", cost, sizeof cost);
    text = s_ok("trades", "{\"venue\":\"sim-kraken\",\"limit\":1}");
    char want[200];
    snprintf(want, sizeof want, "\"price\":\"%s\",\"amount\":\"0.01000000\",\"cost\":\"%s\"", price,
             cost);
    s_has(text, want);
    s_has(text, "\"fee_asset\":\"USD\"");
    assert_int_equal(s_binance_call("GET", "/api/v3/myTrades", "symbol=BTCUSDT&limit=1", &raw), 200);
    s_value(raw.data, "price", price, sizeof price);
    text = s_ok("trades", "{\"venue\":\"sim-binance\",\"limit\":1}");
    snprintf(want, sizeof want, "\"symbol\":\"BTC-USDT\",\"side\":\"buy\",\"price\":\"%s\"", price);
    s_has(text, want);
    /* closed orders: the 5 market orders, filled, paged the same way. */
    for (int vi = 0; vi < 2; vi++) {
        char args[128];
        snprintf(args, sizeof args, "{\"venue\":\"%s\",\"limit\":3}", venues[vi]);
        text = s_ok("closed_orders", args);
        s_has(text, "\"status\":\"filled\"");
        s_has(text, "\"type\":\"market\"");
        char cursor[4096];
        s_value(text, "next_cursor", cursor, sizeof cursor);
        assert_true(cursor[0] != '\0');
        char args2[4400];
        snprintf(args2, sizeof args2, "{\"venue\":\"%s\",\"limit\":3,\"cursor\":\"%s\"}", venues[vi],
                 cursor);
        text = s_ok("closed_orders", args2);
        assert_null(strstr(text, "next_cursor"));
    }
    s_expect_error("trades", "{\"venue\":\"sim-kraken\",\"cursor\":\"bogus!\"}", CB_E_BAD_REQUEST,
                   "cursor");
    s_expect_error("trades", "{\"venue\":\"sim-kraken\",\"limit\":501}", CB_E_BAD_REQUEST, "limit");
    cb_buf_fini(&raw);
}

static void
test_balances_cache_and_valuation(void **state)
{
    (void) state;
    cb_buf_t raw;
    cb_buf_init(&raw);
    const char *text = s_ok("balances", "{\"venue\":\"sim-binance\"}");
    s_has(text, "\"cached\":false");
    assert_int_equal(s_binance_call("GET", "/api/v3/account", "", &raw), 200);
    char free_[64], locked[64];
    const char *p = strstr(raw.data, "\"asset\":\"USDT\"");
    assert_non_null(p);
    s_value(p, "free", free_, sizeof free_);
    s_value(p, "locked", locked, sizeof locked);
    char want[200];
    s_has(text, "{\"asset\":\"USDT\",\"total\":\"");
    snprintf(want, sizeof want, "\"available\":\"%s\",\"hold\":\"%s\"}", free_, locked);
    s_has(text, want);
    /* A burst is answered from the cache. */
    for (int i = 0; i < 5; i++) {
        text = s_ok("balances", "{\"venue\":\"sim-binance\"}");
        s_has(text, "\"cached\":true");
    }
    /* An order-router ledger write for the venue drops it at once (the
     * order-router's own module, on the same Redis). */
    int e = 0;
    cb_redis_t *r = cb_redis_new(s_redis.url, &e);
    assert_non_null(r);
    route_ledger_t l;
    assert_int_equal(route_ledger_init(&l, r, 5000), 0);
    route_order_t o = cbh_ledger_intent(&l, "sim-binance", "cache-drop-1", "BTC-USDT", "1000");
    s_has(s_ok("balances", "{\"venue\":\"sim-binance\"}"), "\"cached\":false");
    s_has(s_ok("balances", "{\"venue\":\"sim-binance\"}"), "\"cached\":true");
    snprintf(o.status, sizeof o.status, "canceled");
    assert_int_equal(route_ledger_update(&l, &o, "updated"), 0);
    s_has(s_ok("balances", "{\"venue\":\"sim-binance\"}"), "\"cached\":false");
    /* Another venue's write leaves this one's cache alone. */
    (void) cbh_ledger_intent(&l, "sim-kraken", "cache-drop-1", "BTC-USD", "1000");
    s_has(s_ok("balances", "{\"venue\":\"sim-binance\"}"), "\"cached\":true");
    cb_redis_destroy(&r);
    /* Kraken: XXBT -> BTC, ZUSD -> USD valued at par. */
    text = s_ok("balances", "{\"venue\":\"sim-kraken\"}");
    s_has(text, "{\"asset\":\"BTC\",\"total\":\"");
    s_has(text, "\"price_source\":\"par\",\"valued\":true");
    s_has(text, "\"unvalued\":[");
    text = s_ok("trade_balance", "{\"venue\":\"sim-kraken\"}");
    s_has(text, "\"venue\":\"sim-kraken\",\"asset\":\"USD\",\"equivalent_balance\":\"");
    s_expect_error("trade_balance", "{\"venue\":\"sim-binance\"}", CB_E_BAD_REQUEST, "sim-binance");
    text = s_ok("ws_token", "{\"venue\":\"sim-kraken\"}");
    s_has(text, "\"expires_s\":900");
    s_expect_error("ws_token", "{\"venue\":\"sim-binance\"}", CB_E_BAD_REQUEST, "Kraken");
    cb_buf_fini(&raw);
}

/* check: what the key may do, asked first, while the key's REST counter at
 * the sim is fresh (the tests after it spend it with the test's own direct
 * calls, which the service's limiter cannot see). */
static void
test_check(void **state)
{
    (void) state;
    const char *text = s_ok("check", "{\"venue\":\"sim-kraken\"}");
    s_has(text, "\"reachable\":true,\"authenticated\":true,\"permissions\":{\"query_funds\":true,"
                "\"query_orders\":true,\"query_trades\":true,\"trade\":true},\"missing\":[]");
    text = s_ok("check", "{\"venue\":\"sim-binance\"}");
    s_has(text, "\"authenticated\":true");
    s_has(text, "\"missing\":[]");
    text = s_ok("check", "{\"venue\":\"bad-kraken\"}");
    s_has(text, "\"reachable\":true,\"authenticated\":false");
    s_has(text, "Invalid key");
}

static void
test_venue_errors(void **state)
{
    (void) state;
    s_expect_error("balances", "{\"venue\":\"bad-kraken\"}", CB_E_UNAUTHORIZED, "EAPI:Invalid key");
    s_expect_error("balances", "{\"venue\":\"nokey-binance\"}", CB_E_UNAUTHORIZED,
                   "COINBUS_NOKEY_BINANCE_API_KEY");
    s_expect_error("balances", "{\"venue\":\"nowhere\"}", CB_E_NOT_FOUND, "nowhere");
    s_expect_error("open_orders", "{\"venue\":7}", CB_E_BAD_REQUEST, "venue");
    /* The venue down: Kraken EService:Unavailable, Binance 503. */
    assert_int_equal(s_admin("POST", "/admin/faults/kraken", "{\"fail_next\":1}"), 200);
    s_expect_error("open_orders", "{\"venue\":\"sim-kraken\"}", CB_E_UNAVAILABLE, "EService");
    assert_int_equal(s_admin("POST", "/admin/faults/binance", "{\"fail_next\":1}"), 200);
    bool ok;
    int error;
    (void) s_call("open_orders", "{\"venue\":\"sim-binance\"}", &ok, &error);
    assert_false(ok);
    assert_true(error == CB_E_UNAVAILABLE || error == CB_E_UPSTREAM);
    assert_int_equal(s_admin("DELETE", "/admin/faults", NULL), 200);
    /* The key's REST counter spent at the sim (alt-kraken: the same key, a
     * fresh counter of our own, so nothing waits): rate_limited, the venue's
     * text kept. */
    cb_buf_t out;
    cb_buf_init(&out);
    for (int i = 0; i < 30; i++) {
        s_kraken_call("Balance", "", &out);
    }
    s_has(out.data, "EAPI:Rate limit exceeded");
    s_expect_error("open_orders", "{\"venue\":\"alt-kraken\"}", CB_E_RATE_LIMITED,
                   "EAPI:Rate limit exceeded");
    cb_buf_fini(&out);
}

/* Our own limiter never makes a call wait past its deadline: with the key's
 * budget spent, a caller that gives 1.5 s gets rate_limited (with the wait)
 * in time, never a timeout. */
static void
test_rate_wait_within_deadline(void **state)
{
    (void) state;
    bool limited = false;
    for (int i = 0; i < 40 && !limited; i++) {
        bool ok;
        int error;
        int64_t t0 = cb_time_mono_ns();
        const char *text = s_call_within("trades", "{\"venue\":\"alt-kraken\",\"limit\":1}", 1500,
                                         &ok, &error);
        int64_t took_ms = (cb_time_mono_ns() - t0) / 1000000;
        if (!ok && error != CB_E_RATE_LIMITED) {
            fail_msg("call %d: error %d '%s'", i, error, text);
        }
        assert_true(took_ms < 1500);
        limited = !ok && strstr(text, "rate budget exhausted") != NULL;
    }
    assert_true(limited);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_orders_trades_both_dialects),
        cmocka_unit_test(test_balances_cache_and_valuation),
        cmocka_unit_test(test_venue_errors),
        cmocka_unit_test(test_rate_wait_within_deadline),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
