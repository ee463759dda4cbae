/* test_edge_parts.c - api-edge's request parsing, route planning, JSON rendering, error shape, routes and metrics, without I/O */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_error.h"
#include "cb_jtok.h"
#include "cb_mp.h"
#include "cb_time.h"
#include "edge_api.h"
#include "edge_body.h"
#include "edge_metrics.h"
#include "edge_query.h"
#include "edge_reply.h"
#include "edge_routes.h"

static int
s_parse(edge_query_t *q, const char *text, char *err)
{
    return edge_query_parse(q, text, strlen(text), err, EDGE_QUERY_ERR_MAX);
}

static void
test_query_decoding(void **state)
{
    (void) state;
    edge_query_t q;
    char err[EDGE_QUERY_ERR_MAX];
    assert_int_equal(edge_query_selftest(), 0);
    assert_int_equal(s_parse(&q, "a=%41%62c&b=x+y%2Bz&&c=&d", err), 0);
    assert_int_equal(q.count, 4);
    assert_string_equal(edge_query_get(&q, "a"), "Abc");
    assert_string_equal(edge_query_get(&q, "b"), "x y+z");
    assert_string_equal(edge_query_get(&q, "c"), "");
    assert_string_equal(edge_query_get(&q, "d"), "");
    assert_null(edge_query_get(&q, "e"));
    assert_int_equal(s_parse(&q, "", err), 0);
    assert_int_equal(q.count, 0);
    /* Refused: bad escapes, NUL, invalid UTF-8, empty names, repeats, too many. */
    const char *bad[] = {"a=%", "a=%4", "a=%zz", "a=%00", "a=%ff", "=1", "a=1&a=1", "%C3%28=1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(s_parse(&q, bad[i], err), CB_E_BAD_REQUEST);
        assert_int_equal(q.count, 0);
        assert_true(strlen(err) > 0);
    }
    char many[512] = "";
    for (int i = 0; i <= EDGE_QUERY_MAX_PARAMS; i++) {
        snprintf(many + strlen(many), sizeof many - strlen(many), "p%d=1&", i);
    }
    assert_int_equal(s_parse(&q, many, err), CB_E_BAD_REQUEST);
    assert_int_equal(s_parse(&q, "a=%C3%A9", err), 0);
    assert_string_equal(edge_query_get(&q, "a"), "\xc3\xa9");
}

static void
test_query_symbol_and_numbers(void **state)
{
    (void) state;
    edge_query_t q;
    char err[EDGE_QUERY_ERR_MAX];
    char sym[40];
    char venue[33];
    struct {
        const char *query;
        const char *want; /* NULL: 400 */
    } cases[] = {
        {"symbol=BTC", "BTC-USD"},           {"symbol=btc", "BTC-USD"},
        {"symbol=BTC-USD", "BTC-USD"},       {"symbol=eth&quote=usdt", "ETH-USDT"},
        {"symbol=BTC-USDT&quote=USDT", "BTC-USDT"}, {"symbol=BTC-USD&quote=EUR", NULL},
        {"quote=USD", NULL},                 {"symbol=", NULL},
        {"symbol=BTC-", NULL},               {"symbol=B%20C", NULL},
        {"symbol=BTC&quote=U-S", NULL},      {"symbol=AAAAAAAAAAAAAAAAA", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(s_parse(&q, cases[i].query, err), 0);
        int rc = edge_query_symbol(&q, sym, sizeof sym, err, sizeof err);
        if (cases[i].want == NULL) {
            assert_int_equal(rc, CB_E_BAD_REQUEST);
        } else {
            assert_int_equal(rc, 0);
            assert_string_equal(sym, cases[i].want);
        }
    }
    assert_int_equal(s_parse(&q, "venue=Sim-Kraken", err), 0);
    assert_int_equal(edge_query_venue(&q, true, venue, sizeof venue, err, sizeof err), 0);
    assert_string_equal(venue, "sim-kraken");
    assert_int_equal(s_parse(&q, "venue=a%20b", err), 0);
    assert_int_equal(edge_query_venue(&q, false, venue, sizeof venue, err, sizeof err), CB_E_BAD_REQUEST);
    assert_int_equal(s_parse(&q, "x=1", err), 0);
    assert_int_equal(edge_query_venue(&q, true, venue, sizeof venue, err, sizeof err), CB_E_BAD_REQUEST);
    assert_int_equal(edge_query_venue(&q, false, venue, sizeof venue, err, sizeof err), 0);
    assert_string_equal(venue, "");

    long n;
    const char *ok[] = {"limit=1", "limit=1000", "limit=0042"};
    long want[] = {1, 1000, 42};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(s_parse(&q, ok[i], err), 0);
        assert_int_equal(edge_query_int(&q, "limit", 100, 1, 1000, &n, err, sizeof err), 0);
        assert_int_equal(n, want[i]);
    }
    const char *refused[] = {"limit=0", "limit=1001", "limit=-1", "limit=", "limit=1e2", "limit=+5", "limit=5x",
                             "limit=99999999999999999999"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(s_parse(&q, refused[i], err), 0);
        assert_int_equal(edge_query_int(&q, "limit", 100, 1, 1000, &n, err, sizeof err), CB_E_BAD_REQUEST);
        assert_string_equal(err, "limit must be an integer from 1 to 1000");
    }
    assert_int_equal(s_parse(&q, "", err), 0);
    assert_int_equal(edge_query_int(&q, "limit", 100, 1, 1000, &n, err, sizeof err), 0);
    assert_int_equal(n, 100);
    const char *side;
    assert_int_equal(edge_query_choice(&q, "side", "buy|sell", NULL, &side, err, sizeof err), CB_E_BAD_REQUEST);
    assert_int_equal(s_parse(&q, "side=sell", err), 0);
    assert_int_equal(edge_query_choice(&q, "side", "buy|sell", NULL, &side, err, sizeof err), 0);
    assert_string_equal(side, "sell");
    assert_int_equal(s_parse(&q, "side=SELL", err), 0);
    assert_int_equal(edge_query_choice(&q, "side", "buy|sell", NULL, &side, err, sizeof err), CB_E_BAD_REQUEST);
}

static int
s_text(const char *body, cb_buf_t *out, char *err)
{
    return edge_body_text(body, strlen(body), 5000, out, err, EDGE_BODY_ERR_MAX);
}

static void
test_body_text(void **state)
{
    (void) state;
    char err[EDGE_BODY_ERR_MAX];
    cb_buf_t text = {0};
    assert_true(edge_body_is_json("application/json", 16));
    assert_true(edge_body_is_json("Application/JSON; charset=utf-8", 31));
    assert_false(edge_body_is_json("application/jsonx", 17));
    assert_false(edge_body_is_json("text/plain", 10));
    assert_false(edge_body_is_json(NULL, 0));

    assert_int_equal(s_text("{\"text\":\"  to the moon \\ud83d\\ude80 \\n\"}", &text, err), 0);
    assert_string_equal(text.data, "to the moon \xf0\x9f\x9a\x80");
    const char *bad[] = {"", "[]", "\"text\"", "{\"text\":1}", "{\"txt\":\"a\"}", "{\"text\":\"   \"}",
                         "{\"text\":\"\"}", "{\"text\":\"a\"", "{\"text\":\"\\ud800\"}", "{\"text\":null}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(s_text(bad[i], &text, err), CB_E_BAD_REQUEST);
        assert_true(strlen(err) > 0);
    }
    assert_int_equal(s_text("{\"text\":\"\"}", &text, err), CB_E_BAD_REQUEST);
    assert_string_equal(err, "text is empty");

    /* 5000 characters pass whatever their byte length; 5001 do not. */
    cb_buf_t body = {0};
    assert_int_equal(cb_buf_append_str(&body, "{\"text\":\""), 0);
    for (int i = 0; i < 5000; i++) {
        assert_int_equal(cb_buf_append_str(&body, "\xc3\xa9"), 0);
    }
    assert_int_equal(cb_buf_append_str(&body, "\"}"), 0);
    assert_int_equal(s_text(body.data, &text, err), 0);
    assert_int_equal(edge_body_utf8_chars(text.data, text.len), 5000);
    body.len -= 2;
    assert_int_equal(cb_buf_append_str(&body, "e\"}"), 0);
    assert_int_equal(s_text(body.data, &text, err), CB_E_BAD_REQUEST);
    assert_string_equal(err, "text is longer than 5000 characters");
    cb_buf_fini(&body);
    cb_buf_fini(&text);
}

static void
test_render_exact(void **state)
{
    (void) state;
    cb_buf_t mp = {0};
    cb_buf_t out = {0};
    assert_int_equal(cb_mp_write_map(&mp, 7), 0);
    assert_int_equal(cb_mp_write_str(&mp, "price", 5), 0);
    assert_int_equal(cb_mp_write_str(&mp, "12345678901234567890.123456789012345678", 39), 0);
    assert_int_equal(cb_mp_write_str(&mp, "timestamp", 9), 0);
    assert_int_equal(cb_mp_write_int(&mp, 1700000000123456789LL), 0);
    assert_int_equal(cb_mp_write_str(&mp, "bids", 4), 0);
    assert_int_equal(cb_mp_write_array(&mp, 1), 0);
    assert_int_equal(cb_mp_write_array(&mp, 2), 0);
    assert_int_equal(cb_mp_write_str(&mp, "0.1", 3), 0);
    assert_int_equal(cb_mp_write_str(&mp, "2", 1), 0);
    assert_int_equal(cb_mp_write_str(&mp, "id", 2), 0);
    assert_int_equal(cb_mp_write_str(&mp, "123", 3), 0);
    assert_int_equal(cb_mp_write_str(&mp, "candles", 7), 0);
    assert_int_equal(cb_mp_write_array(&mp, 1), 0);
    assert_int_equal(cb_mp_write_map(&mp, 2), 0);
    assert_int_equal(cb_mp_write_str(&mp, "t", 1), 0);
    assert_int_equal(cb_mp_write_int(&mp, 0), 0);
    assert_int_equal(cb_mp_write_str(&mp, "o", 1), 0);
    assert_int_equal(cb_mp_write_str(&mp, "-0.000000000000000001", 21), 0);
    assert_int_equal(cb_mp_write_str(&mp, "venue", 5), 0);
    assert_int_equal(cb_mp_write_str(&mp, "sim-kraken", 10), 0);
    /* A decimal key that holds no decimal stays a string. */
    assert_int_equal(cb_mp_write_str(&mp, "fee", 3), 0);
    assert_int_equal(cb_mp_write_str(&mp, "n/a", 3), 0);
    assert_int_equal(edge_reply_render(&out, mp.data, mp.len), 0);
    assert_string_equal(out.data, "{\"price\":12345678901234567890.123456789012345678,"
                                  "\"timestamp\":\"2023-11-14T22:13:20.123Z\",\"bids\":[[0.1,2]],"
                                  "\"id\":\"123\",\"candles\":[{\"t\":\"1970-01-01T00:00:00.000Z\","
                                  "\"o\":-0.000000000000000001}],\"venue\":\"sim-kraken\",\"fee\":\"n/a\"}");
    /* Decimals not written canonically on the wire come out canonical. */
    const char *in[] = {"1.50", "1e-8", "+5", ".5", "-0.0", "007"};
    const char *want[] = {"{\"bid\":1.50}", "{\"bid\":0.00000001}", "{\"bid\":5}", "{\"bid\":0.5}",
                          "{\"bid\":-0.0}", "{\"bid\":7}"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        cb_buf_t one = {0};
        cb_buf_t js = {0};
        assert_int_equal(cb_mp_write_map(&one, 1), 0);
        assert_int_equal(cb_mp_write_str(&one, "bid", 3), 0);
        assert_int_equal(cb_mp_write_str(&one, in[i], strlen(in[i])), 0);
        assert_int_equal(edge_reply_render(&js, one.data, one.len), 0);
        assert_string_equal(js.data, want[i]);
        cb_buf_fini(&one);
        cb_buf_fini(&js);
    }
    /* Truncated input: refused, out unchanged. */
    size_t before = out.len;
    assert_int_equal(edge_reply_render(&out, mp.data, mp.len - 1), CB_E_PARSE);
    assert_int_equal(out.len, before);
    cb_buf_fini(&mp);
    cb_buf_fini(&out);
}

static void
test_error_shape(void **state)
{
    (void) state;
    int statuses[] = {400, 401, 403, 404, 405, 413, 429, 431, 500, 502, 503, 504};
    cb_buf_t out = {0};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        assert_int_equal(edge_reply_error(&out, statuses[i], i % 2 ? "a \"quoted\" detail" : NULL), 0);
        cb_jdoc_t doc;
        cb_jdoc_init(&doc);
        assert_int_equal(cb_jdoc_parse(&doc, out.data, out.len), 0);
        assert_int_equal(cb_jtok_size(&doc, 0), 3);
        char text[128];
        assert_true(cb_jtok_string(&doc, cb_jtok_get(&doc, 0, "error"), text, sizeof text) > 0);
        assert_string_equal(text, edge_reply_status_name(statuses[i]));
        assert_true(cb_jtok_string(&doc, cb_jtok_get(&doc, 0, "detail"), text, sizeof text) > 0);
        int64_t ns;
        assert_int_equal(cb_jtok_rfc3339(&doc, cb_jtok_get(&doc, 0, "timestamp"), &ns), 0);
        cb_jdoc_fini(&doc);
    }
    assert_int_equal(edge_reply_status_of(CB_E_UPSTREAM), 502);
    assert_int_equal(edge_reply_status_of(CB_E_UNAVAILABLE), 503);
    assert_int_equal(edge_reply_status_of(CB_E_TIMEOUT), 504);
    assert_int_equal(edge_reply_status_of(CB_E_NOT_FOUND), 404);
    cb_buf_fini(&out);
}

static void
s_count(void *ctx, const edge_route_t *r)
{
    (void) r;
    (*(size_t *) ctx)++;
}

static void
test_routes(void **state)
{
    (void) state;
    const edge_route_t *r = edge_routes_find("/api/market/price", 17);
    assert_non_null(r);
    assert_int_equal(r->id, EDGE_R_PRICE);
    assert_true(edge_routes_method_ok(r, "GET", 3));
    assert_true(edge_routes_method_ok(r, "HEAD", 4));
    assert_false(edge_routes_method_ok(r, "POST", 4));
    char allow[EDGE_ALLOW_MAX];
    assert_string_equal(edge_routes_allow(r, allow), "GET, HEAD, OPTIONS");
    r = edge_routes_find("/api/sentiment/analyze", 22);
    assert_false(edge_routes_method_ok(r, "GET", 3));
    assert_string_equal(edge_routes_allow(r, allow), "POST, OPTIONS");
    /* Several methods on one path, and a path parameter. */
    bool ok = false;
    r = edge_routes_match("DELETE", 6, "/api/orders", 11, &ok);
    assert_true(ok);
    assert_int_equal(r->id, EDGE_R_ORD_CANCEL_ALL);
    assert_string_equal(edge_routes_allow(r, allow), "POST, GET, HEAD, DELETE, OPTIONS");
    r = edge_routes_match("PUT", 3, "/api/orders", 11, &ok);
    assert_false(ok);
    assert_int_equal(r->id, EDGE_R_ORD_PLACE);
    r = edge_routes_match("PATCH", 5, "/api/orders/ab-1", 16, &ok);
    assert_true(ok);
    assert_int_equal(r->id, EDGE_R_ORD_AMEND);
    size_t plen = 0;
    const char *param = edge_routes_param(r, "/api/orders/ab-1", 16, &plen);
    assert_int_equal(plen, 4);
    assert_memory_equal(param, "ab-1", 4);
    assert_string_equal(edge_routes_allow(r, allow), "GET, HEAD, DELETE, PATCH, OPTIONS");
    /* The exact path wins over the parameter: cancel-after is no order id. */
    r = edge_routes_match("GET", 3, "/api/orders/cancel-after", 24, &ok);
    assert_false(ok);
    assert_int_equal(r->id, EDGE_R_ORD_CANCEL_AFTER);
    assert_null(edge_routes_match("GET", 3, "/api/orders/a/b", 15, &ok));
    assert_null(edge_routes_match("GET", 3, "/api/orders/", 12, &ok));
    assert_null(edge_routes_param(edge_routes_get(EDGE_R_ORD_LIST), "/api/orders", 11, &plen));
    assert_int_equal(edge_routes_find("/static/app.js", 14)->id, EDGE_R_STATIC);
    assert_null(edge_routes_find("/static/", 8));
    assert_null(edge_routes_find("/api/market/price/", 18));
    assert_null(edge_routes_find("/nope", 5));
    assert_false(edge_routes_get(EDGE_R_HEALTH)->limited);
    assert_false(edge_routes_get(EDGE_R_METRICS)->limited);
    assert_true(edge_routes_get(EDGE_R_PRICE)->limited);
    size_t n = 0;
    edge_routes_each(s_count, &n);
    assert_int_equal(n, EDGE_R_COUNT);
}

static void
test_metrics(void **state)
{
    (void) state;
    edge_metrics_t m;
    edge_metrics_init(&m);
    edge_metrics_observe(&m, edge_routes_get(EDGE_R_PRICE), 200, 300000);
    edge_metrics_observe(&m, edge_routes_get(EDGE_R_PRICE), 429, 100000);
    edge_metrics_observe(&m, NULL, 404, 1000);
    edge_metrics_ext_t ext;
    memset(&ext, 0, sizeof ext);
    ext.ws_clients = 3;
    ext.rpc[EDGE_SVC_MARKET].replies = 2;
    cb_buf_t out = {0};
    assert_int_equal(edge_metrics_render(&m, &ext, &out), 0);
    assert_non_null(strstr(out.data, "coinbus_edge_http_requests_total{route=\"/api/market/price\",status=\"200\"} 1\n"));
    assert_non_null(strstr(out.data, "coinbus_edge_http_requests_total{route=\"/api/market/price\",status=\"429\"} 1\n"));
    assert_non_null(strstr(out.data, "coinbus_edge_http_requests_total{route=\"unknown\",status=\"404\"} 1\n"));
    assert_non_null(strstr(out.data, "coinbus_edge_http_request_duration_seconds_bucket{route=\"/api/market/price\","
                                     "le=\"0.00025\"} 1\n"));
    assert_non_null(strstr(out.data, "coinbus_edge_http_request_duration_seconds_count{route=\"/api/market/price\"} 2\n"));
    assert_non_null(strstr(out.data, "coinbus_edge_ws_clients 3\n"));
    assert_non_null(strstr(out.data, "coinbus_edge_rpc_duration_seconds_count{service=\"market\"} 2\n"));
    cb_buf_fini(&out);
}

/* Plans a route with no cache: answered (status) or an RPC (status 0). */
static int
s_plan(edge_route_id_t id, const char *query, const char *ctype, const char *body, edge_plan_t *plan,
       cb_buf_t *out)
{
    edge_api_t api = {NULL, 0, 5000, NULL};
    edge_api_req_t req = {query, strlen(query), body, body != NULL ? strlen(body) : 0, ctype,
                          ctype != NULL ? strlen(ctype) : 0, NULL, 0};
    memset(plan, 0, sizeof *plan);
    edge_api_plan(&api, id, &req, plan, out);
    return plan->status;
}

static void
test_api_plans(void **state)
{
    (void) state;
    edge_plan_t plan;
    cb_buf_t out = {0};
    cb_buf_t json = {0};
    assert_int_equal(s_plan(EDGE_R_PRICE, "symbol=btc&venue=sim-kraken", NULL, NULL, &plan, &out), 0);
    assert_int_equal(plan.svc, EDGE_SVC_MARKET);
    assert_string_equal(plan.op, "price");
    assert_true(plan.idempotent);
    assert_int_equal(edge_reply_render(&json, plan.args.data, plan.args.len), 0);
    assert_string_equal(json.data, "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\"}");
    edge_plan_fini(&plan);

    cb_buf_reset(&json);
    assert_int_equal(s_plan(EDGE_R_OHLC, "symbol=ETH&timeframe=1h&limit=10", NULL, NULL, &plan, &out), 0);
    assert_int_equal(edge_reply_render(&json, plan.args.data, plan.args.len), 0);
    assert_string_equal(json.data, "{\"symbol\":\"ETH-USD\",\"timeframe\":\"1h\",\"limit\":\"10\"}");
    edge_plan_fini(&plan);

    struct {
        edge_route_id_t id;
        const char *query;
    } refused[] = {
        {EDGE_R_PRICE, ""},
        {EDGE_R_PRICE, "symbol=BTC&venue=%%"},
        {EDGE_R_OHLC, "symbol=ETH&timeframe=2h"},
        {EDGE_R_OHLC, "symbol=ETH"},
        {EDGE_R_OHLC, "symbol=ETH&timeframe=1m&limit=0"},
        {EDGE_R_OHLC, "symbol=ETH&timeframe=1m&limit=1001"},
        {EDGE_R_BOOK, "symbol=BTC"},
        {EDGE_R_BOOK, "symbol=BTC&venue=sim-kraken&depth=0"},
        {EDGE_R_TRADES, "symbol=BTC&venue=sim-kraken&limit=x"},
        {EDGE_R_BEST, "symbol=BTC"},
        {EDGE_R_BEST, "symbol=BTC&side=hold"},
        {EDGE_R_BEST, "symbol=BTC&side=buy&amount=0"},
        {EDGE_R_BEST, "symbol=BTC&side=buy&amount=-1"},
        {EDGE_R_BEST, "symbol=BTC&side=buy&amount=abc"},
        {EDGE_R_COMPARE, "quote=USD"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(s_plan(refused[i].id, refused[i].query, NULL, NULL, &plan, &out), 400);
        assert_non_null(strstr(out.data, "\"error\":\"bad_request\""));
        edge_plan_fini(&plan);
    }
    assert_int_equal(s_plan(EDGE_R_BEST, "symbol=BTC&side=buy&amount=0.5", NULL, NULL, &plan, &out), 0);
    assert_string_equal(plan.op, "best");
    edge_plan_fini(&plan);
    assert_int_equal(s_plan(EDGE_R_VENUES, "", NULL, NULL, &plan, &out), 0);
    assert_string_equal(plan.op, "venues");
    edge_plan_fini(&plan);

    assert_int_equal(s_plan(EDGE_R_ANALYZE, "", "text/plain", "{\"text\":\"good\"}", &plan, &out), 400);
    assert_int_equal(s_plan(EDGE_R_ANALYZE, "", "application/json", "{\"text\":\"\"}", &plan, &out), 400);
    assert_int_equal(s_plan(EDGE_R_ANALYZE, "", "application/json", "{bad", &plan, &out), 400);
    assert_int_equal(s_plan(EDGE_R_ANALYZE, "", "application/json", "{\"text\":\" good \"}", &plan, &out), 0);
    assert_int_equal(plan.svc, EDGE_SVC_SENTIMENT);
    assert_string_equal(plan.op, "analyze");
    assert_false(plan.idempotent);
    cb_buf_reset(&json);
    assert_int_equal(edge_reply_render(&json, plan.args.data, plan.args.len), 0);
    assert_string_equal(json.data, "{\"text\":\"good\"}");
    edge_plan_fini(&plan);
    cb_buf_fini(&json);
    cb_buf_fini(&out);
}

/* Every time the API writes goes through cb_time_format_iso: it agrees with
 * gmtime + snprintf across eras, leap days, before 1970 and in short buffers. */
static void
test_iso_times(void **state)
{
    (void) state;
    int64_t ns = -86400LL * 1000000000 * 400;
    for (int i = 0; i < 2000; i++) {
        ns += 86399LL * 1000000007 + (int64_t) i * 1234567;
        char got[CB_TIME_ISO_LEN];
        char want[64];
        size_t n = cb_time_format_iso(ns, got, sizeof got);
        int64_t secs = ns / 1000000000;
        int64_t rem = ns % 1000000000;
        if (rem < 0) {
            rem += 1000000000;
            secs--;
        }
        time_t t = (time_t) secs;
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (rem / 1000000));
        assert_string_equal(got, want);
        assert_int_equal(n, strlen(want));
    }
    char small[11];
    assert_int_equal(cb_time_format_iso(951782400000000000LL, small, sizeof small), 10);
    assert_string_equal(small, "2000-02-29");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_decoding), cmocka_unit_test(test_query_symbol_and_numbers),
        cmocka_unit_test(test_body_text),      cmocka_unit_test(test_render_exact),
        cmocka_unit_test(test_error_shape),    cmocka_unit_test(test_routes),
        cmocka_unit_test(test_metrics),        cmocka_unit_test(test_api_plans),
        cmocka_unit_test(test_iso_times),
    };
    return cmocka_run_group_tests_name("edge_parts", tests, NULL, NULL);
}
