/* test_edge_orders.c - /api/orders end to end: coinbus keys + redis + bus + venue-sim + order-router + api-edge over real HTTP, both sim venues */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_apikey.h"
#include "cb_jtok.h"
#include "cb_time.h"
#include "cbh_edge.h"
#include "cbh_paper.h"

static cbh_edge_fixture_t s_f;
static cbh_paper_t s_paper;
static char s_tkey[CB_APIKEY_TEXT_LEN + 1]; /* scope trade */
static char s_rkey[CB_APIKEY_TEXT_LEN + 1]; /* scope read */
static const char *const s_venues[2] = {"sim-kraken", "sim-binance"};
static const char *const s_symbols[2] = {"BTC-USD", "BTC-USDT"};

/* method path with key (NULL: no Authorization) and a JSON body (NULL:
 * none). The status. */
static long
s_req(const char *key, const char *method, const char *path, const char *body, cbh_http_res_t *res)
{
    char hdr[128];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", key != NULL ? key : "");
    const char *headers[] = {"X-Forwarded-For: 10.9.0.2", "Content-Type: application/json",
                             key != NULL ? hdr : NULL, NULL};
    return cbh_http(s_f.port, method, path, headers, body, body != NULL ? strlen(body) : 0, res);
}

/* s_req with the trade key; fails unless the status is want. */
static void
s_want(long want, const char *method, const char *path, const char *body, cbh_http_res_t *res)
{
    if (s_req(s_tkey, method, path, body, res) != want) {
        fail_msg("%s %s %s: status %ld, wanted %ld: %s", method, path, body != NULL ? body : "", res->status,
                 want, (const char *) res->body.data);
    }
}

/* The raw text of top-level field key of the answer into out ("" when absent). */
static const char *
s_field(const cbh_http_res_t *res, const char *key, char *out, size_t size)
{
    cb_jdoc_t doc;
    cbh_edge_parse(&doc, res);
    cb_str_t v = cb_jtok_raw(&doc, cb_jtok_get(&doc, 0, key));
    snprintf(out, size, "%.*s", (int) v.len, v.ptr != NULL ? v.ptr : "");
    cb_jdoc_fini(&doc);
    return out;
}

static void
s_expect(const cbh_http_res_t *res, const char *key, const char *want)
{
    char got[160];
    if (strcmp(s_field(res, key, got, sizeof got), want) != 0) {
        fail_msg("%s is '%s', wanted '%s': %s", key, got, want, (const char *) res->body.data);
    }
}

/* An error answer whose detail contains text. */
static void
s_error(const char *key, const char *method, const char *path, const char *body, long status,
        const char *error, const char *text)
{
    cbh_http_res_t res = {0};
    s_req(key, method, path, body, &res);
    cbh_edge_expect_error(&res, status, error);
    if (text != NULL && strstr(res.body.data, text) == NULL) {
        fail_msg("%s %s %s: the detail lacks '%s': %s", method, path, body != NULL ? body : "", text,
                 (const char *) res.body.data);
    }
    cbh_http_res_fini(&res);
}

/* Orders venue-sim received with client order id clid, by its per-key counter. */
static int
s_count(int venue, const char *clid)
{
    char path[256];
    snprintf(path, sizeof path, "/admin/counters/%s/%s/clid/%s", venue == 0 ? "kraken" : "binance",
             venue == 0 ? CBH_PAPER_K_KEY : CBH_PAPER_B_KEY, clid);
    cbh_http_res_t res = {0};
    assert_int_equal(cbh_http(s_f.stack.sim_port, "GET", path, NULL, NULL, 0, &res), 200);
    const char *p = strstr(res.body.data, "\"count\":");
    assert_non_null(p);
    int n = atoi(p + 8);
    cbh_http_res_fini(&res);
    return n;
}

/* Open orders at sim-binance (signed openOrders) with clientOrderId clid:
 * the venue's own count. */
static int
s_binance_open(const char *clid)
{
    cb_buf_t raw = {0};
    assert_int_equal(cbh_paper_binance(&s_paper, "GET", "/api/v3/openOrders", "symbol=BTCUSDT", &raw), 200);
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    assert_int_equal(cb_jdoc_parse(&doc, raw.data, raw.len), 0);
    int n = 0;
    for (int k = 0; k < cb_jtok_size(&doc, 0); k++) {
        int e = cb_jtok_at(&doc, 0, k);
        n += clid == NULL || cb_jtok_eq(&doc, cb_jtok_get(&doc, e, "clientOrderId"), clid);
    }
    cb_jdoc_fini(&doc);
    cb_buf_fini(&raw);
    return n;
}

static int
s_setup(void **state)
{
    *state = &s_f;
    return cbh_edge_private_start(&s_f, cbh_edge_start_router, &s_paper);
}

static int
s_teardown(void **state)
{
    cbh_paper_fini(&s_paper);
    return cbh_edge_fixture_teardown(state);
}

static void
test_keys(void **state)
{
    (void) state;
    cbh_edge_key_create("orders-trader", "trade", s_tkey, NULL);
    cbh_edge_key_create("orders-reader", "read", s_rkey, NULL);
    static const char body[] = "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\","
                               "\"price\":\"30000\",\"venue\":\"sim-kraken\",\"client_order_id\":\"ek-noauth\"}";
    s_error(NULL, "POST", "/api/orders", body, 401, "unauthorized", NULL);
    s_error(s_rkey, "POST", "/api/orders", body, 403, "forbidden", NULL);
    s_error(s_rkey, "DELETE", "/api/orders?venue=sim-kraken", NULL, 403, "forbidden", NULL);
    s_error(s_rkey, "PATCH", "/api/orders/ek-noauth", "{\"price\":\"1\"}", 403, "forbidden", NULL);
    s_error(s_rkey, "POST", "/api/orders/cancel-after", "{\"venue\":\"sim-kraken\",\"seconds\":0}", 403,
            "forbidden", NULL);
    assert_int_equal(s_count(0, "ek-noauth"), 0);
    /* Reading takes a read key. */
    cbh_http_res_t res = {0};
    assert_int_equal(s_req(s_rkey, "GET", "/api/orders?status=all", NULL, &res), 200);
    assert_int_equal(s_req(NULL, "GET", "/api/orders", NULL, &res), 401);
    cbh_http_res_fini(&res);
}

/* Place (limit) -> 201 -> get -> amend -> cancel, in both dialects, with
 * exact decimals and ISO times. */
static void
test_lifecycle(void **state)
{
    (void) state;
    static const char *const price[2] = {"30000.1", "30000.01"};
    static const char *const amended[2] = {"30000.5", "30000.02"};
    for (int v = 0; v < 2; v++) {
        char body[400], path[160], id[64], text[64];
        cbh_http_res_t res = {0};
        snprintf(body, sizeof body,
                 "{\"symbol\":\"%s\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":0.01,\"price\":\"%s\","
                 "\"time_in_force\":\"GTC\",\"venue\":\"%s\",\"client_order_id\":\"el-%d\"}",
                 s_symbols[v], price[v], s_venues[v], v);
        s_want(201, "POST", "/api/orders", body, &res);
        s_expect(&res, "status", "open");
        s_expect(&res, "price", price[v]); /* a bare JSON number, digit for digit */
        s_expect(&res, "amount", "0.01");
        s_expect(&res, "venue", v == 0 ? "sim-kraken" : "sim-binance");
        cb_jdoc_t doc;
        cbh_edge_parse(&doc, &res);
        cbh_edge_expect_time(&doc, cb_jtok_get(&doc, 0, "created"));
        cbh_edge_expect_number(&doc, cb_jtok_get(&doc, 0, "filled"));
        cbh_edge_expect_number(&doc, cb_jtok_get(&doc, 0, "price"));
        cbh_edge_expect_number(&doc, cb_jtok_get(&doc, 0, "amount"));
        cb_jdoc_fini(&doc);
        snprintf(id, sizeof id, "el-%d", v);
        s_expect(&res, "id", v == 0 ? "el-0" : "el-1");
        assert_int_equal(s_count(v, id), 1);

        snprintf(path, sizeof path, "/api/orders/%s", id);
        s_want(200, "GET", path, NULL, &res);
        s_expect(&res, "status", "open");
        assert_int_equal(s_req(s_rkey, "GET", path, NULL, &res), 200);

        snprintf(body, sizeof body, "{\"price\":\"%s\"}", amended[v]);
        s_want(200, "PATCH", path, body, &res);
        s_expect(&res, "price", amended[v]);
        s_expect(&res, "status", "open");
        /* Binance cancel-replaces: the new order replaces the old one. */
        snprintf(id, sizeof id, "%s", s_field(&res, "id", text, sizeof text));
        if (v == 1) {
            s_expect(&res, "replaces", "el-1");
            assert_string_not_equal(id, "el-1");
        } else {
            assert_string_equal(id, "el-0");
        }
        snprintf(path, sizeof path, "/api/orders/%s", id);
        s_want(200, "DELETE", path, NULL, &res);
        s_expect(&res, "status", "canceled");
        s_error(s_tkey, "DELETE", path, NULL, 409, "conflict", NULL);
        snprintf(path, sizeof path, "/api/orders?status=closed&venue=%s", s_venues[v]);
        s_want(200, "GET", path, NULL, &res);
        assert_non_null(strstr(res.body.data, id));
        snprintf(path, sizeof path, "/api/orders?status=open&venue=%s", s_venues[v]);
        s_want(200, "GET", path, NULL, &res);
        assert_null(strstr(res.body.data, id));
        cbh_http_res_fini(&res);
    }
    assert_int_equal(s_binance_open(NULL), 0);
}

/* The same client order id twice: one order at the venue, 201 then 200. */
static void
test_same_clid_twice(void **state)
{
    (void) state;
    static const char body[] = "{\"symbol\":\"btc-usdt\",\"side\":\"BUY\",\"type\":\"limit\",\"amount\":\"0.01\","
                               "\"price\":30000.01,\"venue\":\"sim-binance\",\"client_order_id\":\"ed-1\"}";
    cbh_http_res_t res = {0};
    s_want(201, "POST", "/api/orders", body, &res);
    s_expect(&res, "id", "ed-1");
    s_want(200, "POST", "/api/orders", body, &res);
    s_expect(&res, "id", "ed-1");
    s_expect(&res, "existing", "true");
    s_expect(&res, "status", "open");
    assert_int_equal(s_count(1, "ed-1"), 1);
    assert_int_equal(s_binance_open("ed-1"), 1);
    s_want(200, "DELETE", "/api/orders/ed-1", NULL, &res);
    assert_int_equal(s_binance_open("ed-1"), 0);
    cbh_http_res_fini(&res);
}

/* validate=true: the venue checks it, nothing is placed or written. */
static void
test_validate(void **state)
{
    (void) state;
    for (int v = 0; v < 2; v++) {
        char body[400];
        snprintf(body, sizeof body,
                 "{\"symbol\":\"%s\",\"side\":\"sell\",\"type\":\"limit\",\"amount\":\"0.01\",\"price\":\"90000\","
                 "\"venue\":\"%s\",\"client_order_id\":\"ev-%d\",\"validate\":true}",
                 s_symbols[v], s_venues[v], v);
        cbh_http_res_t res = {0};
        s_want(200, "POST", "/api/orders", body, &res);
        s_expect(&res, "validated", "true");
        assert_int_equal(s_count(v, v == 0 ? "ev-0" : "ev-1"), 0);
        s_error(s_tkey, "GET", v == 0 ? "/api/orders/ev-0" : "/api/orders/ev-1", NULL, 404, "not_found", NULL);
        cbh_http_res_fini(&res);
    }
    assert_int_equal(s_binance_open(NULL), 0);
}

static void
test_bad_requests(void **state)
{
    (void) state;
    static const struct {
        const char *body;
        const char *text;
    } bad[] = {
        {"not json", "body must be one JSON object"},
        {"[1,2]", "body must be one JSON object"},
        {"{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\",\"qty\":1}",
         "unknown field \\\"qty\\\""},
        {"{\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\"}", "symbol is required"},
        {"{\"symbol\":\"BTC-USD\",\"side\":\"hold\",\"type\":\"limit\",\"amount\":\"0.01\"}",
         "side must be one of buy|sell"},
        {"{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"-1\"}",
         "amount must be a decimal number greater than 0"},
        {"{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"1e400x\"}",
         "amount must be a decimal"},
        {"{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"1\",\"amount\":\"2\"}",
         "given twice"},
        {"{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"1\",\"post_only\":\"yes\"}",
         "post_only must be true or false"},
        {"{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"1\",\"time_in_force\":\"GTD\"}",
         "time_in_force must be one of GTC|IOC|FOK"},
        {"{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"1\",\"client_order_id\":\"a b\"}",
         "client_order_id must be"},
        {"{\"symbol\":\"BTCUSD\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"1\"}", "symbol must be"},
        /* The venue's rules come from the order-router, named with its value. */
        {"{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\",\"price\":\"30000.12\","
         "\"venue\":\"sim-kraken\"}",
         "price 30000.12 is not a multiple of tick size 0.1"},
        /* The balance check, named with the venue's numbers. */
        {"{\"symbol\":\"BTC-USD\",\"side\":\"sell\",\"type\":\"limit\",\"amount\":\"1000000\","
         "\"price\":\"30000\",\"venue\":\"sim-kraken\"}",
         "insufficient balance: needs 1000000 BTC, available "},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_error(s_tkey, "POST", "/api/orders", bad[i].body, 400, "bad_request", bad[i].text);
    }
    cbh_http_res_t res = {0};
    char auth[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", s_tkey);
    const char *headers[] = {"X-Forwarded-For: 10.9.0.2", "Content-Type: text/plain", auth, NULL};
    assert_int_equal(cbh_http(s_f.port, "POST", "/api/orders", headers, "{}", 2, &res), 400);
    assert_non_null(strstr(res.body.data, "Content-Type must be application/json"));
    /* No venue: "best", routed by market-feed's books (once it has them). */
    long st = 0;
    for (int i = 0; i < 100 && st != 201; i++) {
        st = s_req(s_tkey, "POST", "/api/orders",
                   "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"limit\","
                   "\"amount\":\"0.01\",\"price\":\"30000\",\"client_order_id\":\"edge-best-1\"}",
                   &res);
        if (st != 201) {
            cb_time_sleep_ms(100, NULL);
        }
    }
    assert_int_equal(st, 201);
    assert_non_null(strstr(res.body.data, "\"routing\":{\"chosen\":\""));
    assert_non_null(strstr(res.body.data, "\"candidates\":[{\"venue\":"));
    assert_int_equal(s_req(s_tkey, "DELETE", "/api/orders/edge-best-1", NULL, &res), 200);
    s_error(s_tkey, "PATCH", "/api/orders/el-0", "{}", 400, "bad_request", "give price, amount or both");
    s_error(s_tkey, "GET", "/api/orders/a.b", NULL, 400, "bad_request", "order id in the path");
    s_error(s_tkey, "GET", "/api/orders/nope", NULL, 404, "not_found", "no order 'nope'");
    s_error(s_tkey, "GET", "/api/orders?status=maybe", NULL, 400, "bad_request", "status");
    s_error(s_tkey, "DELETE", "/api/orders?venue=nowhere", NULL, 404, "not_found", "unknown venue");
    s_error(s_tkey, "POST", "/api/orders/cancel-after", "{\"venue\":\"sim-kraken\",\"seconds\":90000}", 400,
            "bad_request", "seconds must be an integer from 0");
    s_error(s_tkey, "POST", "/api/orders/cancel-after", "{\"seconds\":1}", 400, "bad_request", "venue is required");
    /* Several methods per path: the rest are 405 with the path's Allow. */
    char allow[80];
    assert_int_equal(s_req(s_tkey, "PUT", "/api/orders", "{}", &res), 405);
    assert_non_null(cbh_http_header(&res, "Allow", allow, sizeof allow));
    assert_string_equal(allow, "POST, GET, HEAD, DELETE, OPTIONS");
    assert_int_equal(s_req(s_tkey, "POST", "/api/orders/x1", "{}", &res), 405);
    assert_non_null(cbh_http_header(&res, "Allow", allow, sizeof allow));
    assert_string_equal(allow, "GET, HEAD, DELETE, PATCH, OPTIONS");
    assert_int_equal(s_req(s_tkey, "GET", "/api/orders/cancel-after", NULL, &res), 405);
    assert_int_equal(s_req(s_tkey, "GET", "/api/orders/a/b", NULL, &res), 404);
    cbh_http_res_fini(&res);
}

static void
test_cancel_all(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    for (int i = 0; i < 2; i++) {
        char body[300];
        snprintf(body, sizeof body,
                 "{\"symbol\":\"BTC-USDT\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\","
                 "\"price\":\"3000%d\",\"venue\":\"sim-binance\",\"client_order_id\":\"ea-%d\"}",
                 i, i);
        s_want(201, "POST", "/api/orders", body, &res);
    }
    assert_int_equal(s_binance_open(NULL), 2);
    s_want(200, "DELETE", "/api/orders?venue=sim-binance&symbol=BTC-USDT", NULL, &res);
    s_expect(&res, "count", "2");
    assert_int_equal(s_binance_open(NULL), 0);
    s_want(200, "GET", "/api/orders?venue=sim-binance", NULL, &res);
    s_expect(&res, "orders", "[]");
    /* Without a venue: every venue, each with its own count. */
    const char *venue[] = {"sim-kraken", "sim-binance"}, *symbol[] = {"BTC-USD", "BTC-USDT"};
    for (int i = 0; i < 2; i++) {
        char body[300];
        snprintf(body, sizeof body,
                 "{\"symbol\":\"%s\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\","
                 "\"price\":\"30000\",\"venue\":\"%s\",\"client_order_id\":\"ev-%d\"}",
                 symbol[i], venue[i], i);
        s_want(201, "POST", "/api/orders", body, &res);
    }
    s_want(200, "GET", "/api/orders?status=open", NULL, &res);
    cb_jdoc_t doc;
    cbh_edge_parse(&doc, &res);
    int open = cb_jtok_size(&doc, cb_jtok_get(&doc, 0, "orders"));
    cb_jdoc_fini(&doc);
    assert_true(open >= 2);
    s_want(200, "DELETE", "/api/orders", NULL, &res);
    cbh_edge_parse(&doc, &res);
    int64_t count = -1, each[2] = {-1, -1};
    assert_int_equal(cb_jtok_i64(&doc, cb_jtok_get(&doc, 0, "count"), &count), 0);
    int list = cb_jtok_get(&doc, 0, "venues");
    assert_int_equal(cb_jtok_size(&doc, list), 2);
    for (int i = 0; i < 2; i++) {
        int e = cb_jtok_at(&doc, list, i);
        assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, e, "venue"), venue[i]));
        assert_int_equal(cb_jtok_i64(&doc, cb_jtok_get(&doc, e, "count"), &each[i]), 0);
        assert_true(each[i] >= 1);
    }
    cb_jdoc_fini(&doc);
    assert_int_equal(count, each[0] + each[1]);
    assert_int_equal(count, open);
    assert_int_equal(s_binance_open(NULL), 0);
    s_want(200, "GET", "/api/orders/ev-0", NULL, &res);
    s_expect(&res, "status", "canceled");
    s_want(200, "GET", "/api/orders?status=open", NULL, &res);
    s_expect(&res, "orders", "[]");
    cbh_http_res_fini(&res);
}

/* The dead-man's switch: armed and disarmed (Kraken), fired (Binance). */
static void
test_cancel_after(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    s_want(200, "POST", "/api/orders/cancel-after", "{\"venue\":\"sim-kraken\",\"seconds\":60}", &res);
    s_expect(&res, "armed", "true");
    cb_jdoc_t doc;
    cbh_edge_parse(&doc, &res);
    cbh_edge_expect_time(&doc, cb_jtok_get(&doc, 0, "trigger"));
    cb_jdoc_fini(&doc);
    s_want(200, "POST", "/api/orders/cancel-after", "{\"venue\":\"sim-kraken\",\"seconds\":0}", &res);
    s_expect(&res, "armed", "false");
    s_expect(&res, "trigger", "");
    s_want(201, "POST", "/api/orders",
           "{\"symbol\":\"BTC-USDT\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\",\"price\":\"30000\","
           "\"venue\":\"sim-binance\",\"client_order_id\":\"ec-1\"}",
           &res);
    s_want(200, "POST", "/api/orders/cancel-after", "{\"venue\":\"sim-binance\",\"seconds\":1}", &res);
    usleep(2500 * 1000);
    s_want(200, "GET", "/api/orders/ec-1", NULL, &res);
    s_expect(&res, "status", "canceled");
    assert_int_equal(s_binance_open(NULL), 0);
    cbh_http_res_fini(&res);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_same_clid_twice),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_cancel_all),
        cmocka_unit_test(test_cancel_after),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
