/* test_edge_http_faults.c - api-edge's rate limit over HTTP (headers, 429, one budget across two replicas), every service error code as its HTTP status, sentiment or Redis down */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_jtok.h"
#include "cb_rpc.h"
#include "cb_time.h"
#include "cbh_edge.h"

static cbh_edge_stack_t s_stack;
static cbh_proc_t *s_edge[2];
static int s_port[2];

static char *s_env[] = {"COINBUS_EDGE_TRUSTED_PROXIES=127.0.0.1", "COINBUS_EDGE_RPC_TIMEOUT_MS=1500",
                        "COINBUS_EDGE_HEALTH_INTERVAL_MS=500", "COINBUS_EDGE_REPLICAS=2", NULL};

static int
s_setup(void **state)
{
    (void) state;
    if (cbh_edge_stack_start(&s_stack) != 0) {
        return -1;
    }
    s_edge[0] = cbh_edge_start(&s_stack, &s_port[0], s_env);
    return s_edge[0] != NULL ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    int rc = 0;
    for (int i = 0; i < 2; i++) {
        if (s_edge[i] != NULL && cbh_proc_stop(&s_edge[i], SIGTERM, 5000) != 0) {
            fprintf(stderr, "api-edge %d did not exit 0 on SIGTERM\n", i);
            rc = -1;
        }
    }
    cbh_edge_stack_stop(&s_stack);
    return rc;
}

static long
s_header_long(const cbh_http_res_t *res, const char *name)
{
    char v[64];
    if (cbh_http_header(res, name, v, sizeof v) == NULL) {
        fail_msg("no %s header (status %ld)", name, res->status);
    }
    return strtol(v, NULL, 10);
}

/* Waits until /health on port answers want (and returns its body's doc). */
static void
s_wait_health(int port, long want, int timeout_ms, cbh_http_res_t *res)
{
    int64_t end = cb_time_now_ms() + timeout_ms;
    while (cbh_edge_req(port, NULL, "GET", "/health", NULL, NULL, 0, res) != want && cb_time_now_ms() < end) {
        cb_time_sleep_ms(100, NULL);
    }
    if (res->status != want) {
        fail_msg("/health is %ld, not %ld, after %d ms: %s", res->status, want, timeout_ms, res->body.data);
    }
}

static void
test_limit_headers_and_429(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    s_wait_health(s_port[0], 200, 15000, &res);
    long last_remaining = 101;
    int allowed = 0;
    for (int i = 0; i < 101; i++) {
        long st = cbh_edge_req(s_port[0], "10.0.2.1", "GET", "/api/market/symbols", NULL, NULL, 0, &res);
        assert_int_equal(s_header_long(&res, "X-RateLimit-Limit"), 100);
        long remaining = s_header_long(&res, "X-RateLimit-Remaining");
        assert_true(remaining <= last_remaining && remaining >= 0);
        last_remaining = remaining;
        assert_true(s_header_long(&res, "X-RateLimit-Reset") >= 0);
        if (st == 200) {
            allowed++;
            continue;
        }
        cbh_edge_expect_error(&res, 429, "rate_limited");
        assert_int_equal(i, 100); /* the 101st */
        assert_int_equal(remaining, 0);
        long retry = s_header_long(&res, "Retry-After");
        assert_true(retry >= 1 && retry <= 60);
    }
    assert_int_equal(allowed, 100);
    /* Another client is not affected; /health and /metrics are not limited. */
    assert_int_equal(cbh_edge_req(s_port[0], "10.0.2.9", "GET", "/api/market/symbols", NULL, NULL, 0, &res), 200);
    assert_int_equal(cbh_edge_req(s_port[0], "10.0.2.1", "GET", "/health", NULL, NULL, 0, &res), 200);
    assert_int_equal(cbh_edge_req(s_port[0], "10.0.2.1", "GET", "/metrics", NULL, NULL, 0, &res), 200);
    assert_non_null(strstr(res.body.data, "coinbus_edge_http_requests_total{route=\"/api/market/symbols\",status=\"429\"} 1"));
    char v[16];
    assert_null(cbh_http_header(&res, "X-RateLimit-Limit", v, sizeof v));
    cbh_http_res_fini(&res);
}

/* Two replicas on one Redis: one client gets the budget once, not twice. */
static void
test_two_edges_one_budget(void **state)
{
    (void) state;
    s_edge[1] = cbh_edge_start(&s_stack, &s_port[1], s_env);
    assert_non_null(s_edge[1]);
    cbh_http_res_t res = {0};
    s_wait_health(s_port[1], 200, 10000, &res);
    int allowed[2] = {0, 0};
    for (int i = 0; i < 200; i++) {
        int e = i % 2;
        long st = cbh_edge_req(s_port[e], "10.0.2.2", "GET", "/api/market/price?symbol=BTC", NULL, NULL, 0, &res);
        if (st == 200) {
            allowed[e]++;
        } else {
            cbh_edge_expect_error(&res, 429, "rate_limited");
        }
    }
    int total = allowed[0] + allowed[1];
    fprintf(stderr, "two replicas admitted %d + %d = %d of 200\n", allowed[0], allowed[1], total);
    /* Leased but unspent slots may be refused (at most replicas x lease). */
    assert_true(total <= 100);
    assert_true(total >= 100 - 2 * 8);
    assert_true(allowed[0] > 0 && allowed[1] > 0);
    cbh_http_res_fini(&res);
}

static void
test_sentiment_down(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    static const char body[] = "{\"text\":\"great news\"}";
    assert_int_equal(cbh_edge_req(s_port[0], "10.0.2.3", "POST", "/api/sentiment/analyze", NULL, body,
                                  sizeof body - 1, &res),
                     200);
    cbh_proc_stop(&s_stack.sentiment, SIGKILL, 1000);
    /* At once: the call times out (504), or the pings already know (503). */
    cbh_edge_req(s_port[0], "10.0.2.3", "POST", "/api/sentiment/analyze", NULL, body, sizeof body - 1, &res);
    if (res.status == 504) {
        cbh_edge_expect_error(&res, 504, "timeout");
    } else {
        cbh_edge_expect_error(&res, 503, "unavailable");
    }
    /* Once the pings tell: /health 503 naming sentiment, and analyze fails fast. */
    s_wait_health(s_port[0], 503, 5000, &res);
    cb_jdoc_t doc;
    cbh_edge_parse(&doc, &res);
    assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, 0, "status"), "unavailable"));
    int svc = cb_jtok_get(&doc, cb_jtok_get(&doc, 0, "services"), "sentiment");
    assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, svc, "up"), "false"));
    svc = cb_jtok_get(&doc, cb_jtok_get(&doc, 0, "services"), "market");
    assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, svc, "up"), "true"));
    cb_jdoc_fini(&doc);
    int64_t start = cb_time_now_ms();
    cbh_edge_req(s_port[0], "10.0.2.3", "POST", "/api/sentiment/analyze", NULL, body, sizeof body - 1, &res);
    cbh_edge_expect_error(&res, 503, "unavailable");
    assert_true(cb_time_now_ms() - start < 500);
    /* The market routes do not care. */
    assert_int_equal(cbh_edge_req(s_port[0], "10.0.2.3", "GET", "/api/market/venues", NULL, NULL, 0, &res), 200);
    assert_int_equal(cbh_edge_start_sentiment(&s_stack), 0);
    s_wait_health(s_port[0], 200, 5000, &res);
    assert_int_equal(cbh_edge_req(s_port[0], "10.0.2.3", "POST", "/api/sentiment/analyze", NULL, body,
                                  sizeof body - 1, &res),
                     200);
    cbh_http_res_fini(&res);
}

/* ---- every wire error code a service answers, as its HTTP status ---------- */

static const struct {
    const char *word;
    int code;
    long status;
    const char *error;
} s_codes[] = {
    {"bad_request", CB_E_BAD_REQUEST, 400, "bad_request"}, {"unauthorized", CB_E_UNAUTHORIZED, 401, "unauthorized"},
    {"forbidden", CB_E_FORBIDDEN, 403, "forbidden"},       {"not_found", CB_E_NOT_FOUND, 404, "not_found"},
    {"conflict", CB_E_CONFLICT, 409, "conflict"},          {"rate_limited", CB_E_RATE_LIMITED, 429, "rate_limited"},
    {"internal", CB_E_INTERNAL, 500, "internal"},          {"upstream_error", CB_E_UPSTREAM, 502, "upstream_error"},
    {"unavailable", CB_E_UNAVAILABLE, 503, "unavailable"}, {"timeout", CB_E_TIMEOUT, 504, "timeout"},
};

/* A stand-in sentiment worker that answers the error its text names. */
static int
s_fake_analyze(void *ctx, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg, size_t msg_size)
{
    (void) ctx;
    for (size_t i = 0; i < sizeof s_codes / sizeof s_codes[0]; i++) {
        if (memmem(req->args.ptr, req->args.len, s_codes[i].word, strlen(s_codes[i].word)) != NULL) {
            snprintf(msg, msg_size, "the stand-in says %s", s_codes[i].word);
            return s_codes[i].code;
        }
    }
    msgpack_pack_map(pk, 1);
    msgpack_pack_str_with_body(pk, "label", 5);
    msgpack_pack_str_with_body(pk, "neutral", 7);
    return 0;
}

static volatile sig_atomic_t s_fake_stop;

static void *
s_fake_main(void *arg)
{
    cb_rpc_worker_t *w = arg;
    (void) cb_rpc_worker_run(w, &s_fake_stop);
    return NULL;
}

static void
test_service_errors_as_statuses(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    cbh_proc_stop(&s_stack.sentiment, SIGTERM, 5000);
    cb_rpc_worker_t *w =
        cb_rpc_worker_new(s_stack.bus.config.backend[CB_RPC_SENTIMENT], "sentiment", s_fake_analyze, NULL);
    assert_non_null(w);
    pthread_t thread;
    s_fake_stop = 0;
    assert_int_equal(pthread_create(&thread, NULL, s_fake_main, w), 0);
    s_wait_health(s_port[0], 200, 5000, &res);
    for (size_t i = 0; i < sizeof s_codes / sizeof s_codes[0]; i++) {
        char body[96];
        int n = snprintf(body, sizeof body, "{\"text\":\"please %s\"}", s_codes[i].word);
        cbh_edge_req(s_port[0], "10.0.2.7", "POST", "/api/sentiment/analyze", NULL, body, (size_t) n, &res);
        cbh_edge_expect_error(&res, s_codes[i].status, s_codes[i].error);
        assert_non_null(strstr(res.body.data, "the stand-in says"));
    }
    s_fake_stop = 1;
    pthread_join(thread, NULL);
    cb_rpc_worker_destroy(&w);
    assert_int_equal(cbh_edge_start_sentiment(&s_stack), 0);
    cbh_http_res_fini(&res);
}

static void
test_redis_down(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    int port = s_stack.redis.port;
    cbh_redis_stop(&s_stack.redis);
    /* Only api-edge's own view counts here: a request makes the limiter
     * talk to Redis. */
    int64_t end = cb_time_now_ms() + 8000;
    do {
        cbh_edge_req(s_port[0], "10.0.2.4", "GET", "/api/market/price?symbol=BTC", NULL, NULL, 0, &res);
        cbh_edge_req(s_port[0], NULL, "GET", "/health", NULL, NULL, 0, &res);
        cb_time_sleep_ms(100, NULL);
    } while (res.status != 503 && cb_time_now_ms() < end);
    assert_int_equal(res.status, 503);
    cb_jdoc_t doc;
    cbh_edge_parse(&doc, &res);
    assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, 0, "redis"), "down"));
    cb_jdoc_fini(&doc);
    /* Requests are still answered, by the local fallback limit. */
    assert_int_equal(cbh_edge_req(s_port[0], "10.0.2.5", "GET", "/api/market/price?symbol=BTC", NULL, NULL, 0, &res),
                     200);
    assert_int_equal(cbh_redis_start_on(&s_stack.redis, port, NULL), 0);
    end = cb_time_now_ms() + 10000;
    do {
        cbh_edge_req(s_port[0], "10.0.2.6", "GET", "/api/market/venues", NULL, NULL, 0, &res);
        cbh_edge_req(s_port[0], NULL, "GET", "/health", NULL, NULL, 0, &res);
        cb_time_sleep_ms(200, NULL);
    } while (res.status != 200 && cb_time_now_ms() < end);
    assert_int_equal(res.status, 200);
    cbh_http_res_fini(&res);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit_headers_and_429),
        cmocka_unit_test(test_two_edges_one_budget),
        cmocka_unit_test(test_sentiment_down),
        cmocka_unit_test(test_service_errors_as_statuses),
        cmocka_unit_test(test_redis_down),
    };
    return cmocka_run_group_tests_name("edge_http_faults", tests, s_setup, s_teardown);
}
