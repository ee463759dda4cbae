/* test_http_client.c - cb_http against venue-sim's HTTP server: keep-alive, faults, limits */
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
#include "cb_http.h"
#include "cb_httpd.h"
#include "cb_time.h"
#include "cbh.h"
#include "sim.h"
#include "sim_faults.h"
#include "sim_limits.h"
#include "sim_router.h"

/* ---- the server: a venue-sim with faults and limits, in its own thread ---- */

static sim_t s_sim;
static cb_httpd_t *s_server;
static volatile int s_stop;
static pthread_t s_thread;

static void *
s_serve(void *arg)
{
    (void) arg;
    while (!s_stop) {
        cb_httpd_run_once(s_server, 5);
    }
    return NULL;
}

static int
s_setup(void **state)
{
    (void) state;
    char err[256];
    signal(SIGPIPE, SIG_IGN);
    s_sim.limits = sim_limits_new();
    s_sim.faults = sim_faults_new(1);
    if (s_sim.limits == NULL || s_sim.faults == NULL) {
        return -1;
    }
    cb_httpd_config_t hc = cb_httpd_config_default();
    s_server = cb_httpd_new(&hc, sim_router_handle, &s_sim, err, sizeof err);
    if (s_server == NULL) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    return pthread_create(&s_thread, NULL, s_serve, NULL) == 0 ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    s_stop = 1;
    pthread_join(s_thread, NULL);
    cb_httpd_destroy(&s_server);
    sim_faults_destroy(&s_sim.faults);
    sim_limits_destroy(&s_sim.limits);
    return 0;
}

static const char *
s_url(const char *path)
{
    static char url[4][256];
    static int next;
    char *u = url[next++ % 4];
    snprintf(u, sizeof url[0], "http://127.0.0.1:%d%s", cb_httpd_port(s_server), path);
    return u;
}

/* One blocking request that must answer status; the caller finis r. */
static void
s_do(cb_http_t *http, cb_http_method_t method, const char *path, const char *body,
     cb_http_result_t *r, long status)
{
    cb_http_req_t req = {.method = method,
                         .url = s_url(path),
                         .body = body,
                         .body_len = body != NULL ? strlen(body) : 0};
    assert_int_equal(cb_http_do(http, &req, r), 0);
    if (r->resp.outcome != CB_HTTP_OK || r->resp.status != status) {
        fail_msg("%s: outcome %s (%s) status %ld, want %ld", path,
                 cb_http_outcome_name(r->resp.outcome), r->resp.error, r->resp.status, status);
    }
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_get_ping_and_kraken_time(void **state)
{
    (void) state;
    cb_http_t *http = cb_http_new(NULL);
    assert_non_null(http);
    cb_http_result_t r;
    s_do(http, CB_HTTP_GET, "/binance/api/v3/ping", NULL, &r, 200);
    assert_string_equal(r.resp.body, "{}");
    assert_int_equal(r.resp.body_len, 2);
    assert_int_equal(r.resp.sent, CB_HTTP_MAYBE_SENT);
    assert_int_equal(r.resp.new_connections, 1);
    assert_string_equal(r.resp.error, "");
    assert_true(r.resp.elapsed_ms >= 0 && r.resp.elapsed_ms < 2000);
    /* Response headers: by name in any case, and by iteration. */
    const char *w1 = cb_http_resp_header(&r.resp, "X-MBX-USED-WEIGHT-1M");
    assert_non_null(w1);
    long used1 = strtol(w1, NULL, 10);
    assert_true(used1 >= 1);
    assert_non_null(cb_http_resp_header(&r.resp, "content-type"));
    assert_null(cb_http_resp_header(&r.resp, "X-MBX-USED-WEIGHT-1"));
    size_t pos = 0, len, weights = 0;
    const char *name, *value;
    while (cb_http_resp_header_next(&r.resp, &pos, &name, &len, &value)) {
        if (len >= 17 && strncasecmp(name, "x-mbx-used-weight", 17) == 0) {
            weights++;
            assert_int_equal(strtol(value, NULL, 10), used1);
        }
    }
    assert_int_equal(weights, 2); /* x-mbx-used-weight and x-mbx-used-weight-1m */
    cb_http_result_fini(&r);

    /* The second request reuses the kept-alive connection; its weight grew. */
    s_do(http, CB_HTTP_GET, "/binance/api/v3/ping", NULL, &r, 200);
    assert_int_equal(r.resp.new_connections, 0);
    assert_true(strtol(cb_http_resp_header(&r.resp, "x-mbx-used-weight-1m"), NULL, 10) > used1);
    cb_http_result_fini(&r);

    s_do(http, CB_HTTP_GET, "/kraken/0/public/Time", NULL, &r, 200);
    assert_non_null(strstr(r.resp.body, "{\"error\":[],\"result\":{\"unixtime\":"));
    assert_int_equal(r.resp.new_connections, 0);
    cb_http_result_fini(&r);
    cb_http_result_fini(&r); /* twice is fine */

    /* An HTTP error status is still an answer. */
    s_do(http, CB_HTTP_GET, "/binance/api/v3/nope", NULL, &r, 404);
    cb_http_result_fini(&r);
    cb_http_destroy(&http);
    assert_null(http);
    cb_http_destroy(&http);
}

typedef struct {
    int calls;
    cb_http_resp_t resp; /* scalars only: pointers die with the callback */
    char body[64];
    char weight[32];
} s_seen_t;

static void
s_on_done(const cb_http_resp_t *resp, void *ctx)
{
    s_seen_t *s = ctx;
    s->calls++;
    s->resp = *resp;
    snprintf(s->body, sizeof s->body, "%.*s", (int) resp->body_len, resp->body);
    const char *w = cb_http_resp_header(resp, "x-mbx-used-weight-1m");
    snprintf(s->weight, sizeof s->weight, "%s", w != NULL ? w : "");
    s->resp.body = s->resp.headers = s->resp.error = NULL;
}

static void
s_wait_all(cb_http_t *http, int timeout_ms)
{
    int64_t deadline = cb_time_mono_ns() + (int64_t) timeout_ms * 1000000;
    while (cb_http_pending(http) > 0 && cb_time_mono_ns() < deadline) {
        assert_true(cb_http_poll(http, 50) >= 0);
    }
    assert_int_equal(cb_http_pending(http), 0);
}

static void
test_concurrent_requests_reuse_connections(void **state)
{
    (void) state;
    enum { N = 6 };
    cb_http_t *http = cb_http_new(NULL);
    assert_non_null(http);
    long connects[2] = {0, 0};
    for (int round = 0; round < 2; round++) {
        s_seen_t seen[N];
        memset(seen, 0, sizeof seen);
        for (int i = 0; i < N; i++) {
            cb_http_req_t req = {.method = CB_HTTP_GET, .url = s_url("/binance/api/v3/time")};
            assert_int_equal(cb_http_start(http, &req, s_on_done, &seen[i]), 0);
        }
        assert_int_equal(cb_http_pending(http), N);
        s_wait_all(http, 5000);
        for (int i = 0; i < N; i++) {
            assert_int_equal(seen[i].calls, 1);
            assert_int_equal(seen[i].resp.outcome, CB_HTTP_OK);
            assert_int_equal(seen[i].resp.status, 200);
            assert_non_null(strstr(seen[i].body, "{\"serverTime\":"));
            assert_true(seen[i].weight[0] != '\0');
            connects[round] += seen[i].resp.new_connections;
        }
    }
    /* The first round opened at most one connection per request; the second
     * found them all in the multi handle's cache. */
    assert_true(connects[0] >= 1 && connects[0] <= N);
    assert_int_equal(connects[1], 0);
    cb_http_destroy(&http);
}

static void
test_post_put_delete(void **state)
{
    (void) state;
    cb_http_t *http = cb_http_new(NULL);
    assert_non_null(http);
    cb_http_result_t r;
    /* The admin API takes JSON bodies and DELETE. */
    const char *h[] = {"Content-Type: application/json"};
    cb_http_req_t req = {.method = CB_HTTP_POST,
                         .url = s_url("/admin/faults/kraken"),
                         .headers = h,
                         .header_count = 1,
                         .body = "{\"latency_ms\":1}",
                         .body_len = 16};
    assert_int_equal(cb_http_do(http, &req, &r), 0);
    assert_int_equal(r.resp.status, 200);
    assert_non_null(strstr(r.resp.body, "\"latency_ms\":1,"));
    cb_http_result_fini(&r);
    s_do(http, CB_HTTP_DELETE, "/admin/faults", NULL, &r, 200);
    assert_string_equal(r.resp.body, "{\"ok\":true}");
    cb_http_result_fini(&r);
    s_do(http, CB_HTTP_GET, "/admin/faults", NULL, &r, 200);
    assert_non_null(strstr(r.resp.body, "{\"kraken\":{\"latency_ms\":0,"));
    cb_http_result_fini(&r);
    /* Bad requests never start and never call back. */
    cb_http_req_t bad = {.method = (cb_http_method_t) 42, .url = s_url("/")};
    assert_int_equal(cb_http_start(http, &bad, s_on_done, NULL), CB_E_BAD_REQUEST);
    cb_http_req_t nourl = {.method = CB_HTTP_GET};
    assert_int_equal(cb_http_start(http, &nourl, s_on_done, NULL), CB_E_BAD_REQUEST);
    assert_int_equal(cb_http_pending(http), 0);
    cb_http_destroy(&http);
}

/* The requests venue-sim's Binance has seen. */
static long
s_binance_requests(cb_http_t *http)
{
    cb_http_result_t r;
    s_do(http, CB_HTTP_GET, "/admin/counters", NULL, &r, 200);
    static const char needle[] = "\"binance\":{\"requests\":";
    const char *p = strstr(r.resp.body, needle);
    assert_non_null(p);
    long n = strtol(p + sizeof needle - 1, NULL, 10);
    cb_http_result_fini(&r);
    return n;
}

/* cb_http_do_once: a reset connection is a transport failure that may have
 * been sent, never answered by a replay (libcurl replays a request whose
 * pooled connection died unanswered): without a body on a new connection,
 * with one on a pooled connection whose replay cannot rewind the body. */
static void
test_do_once_is_never_replayed(void **state)
{
    (void) state;
    cb_http_t *http = cb_http_new(NULL);
    assert_non_null(http);
    cb_http_result_t r;
    s_do(http, CB_HTTP_GET, "/binance/api/v3/ping", NULL, &r, 200);
    cb_http_result_fini(&r);
    cb_http_req_t ping = {.method = CB_HTTP_GET, .url = s_url("/binance/api/v3/ping")};
    assert_int_equal(cb_http_do_once(http, &ping, &r), 0);
    assert_int_equal(r.resp.status, 200);
    assert_int_equal(r.resp.new_connections, 1);
    cb_http_result_fini(&r);
    const char *h[] = {"Content-Type: application/json"};
    cb_http_req_t fault = {.method = CB_HTTP_POST,
                           .url = s_url("/admin/faults/binance"),
                           .headers = h,
                           .header_count = 1,
                           .body = "{\"reset_next\":1}",
                           .body_len = 16};
    assert_int_equal(cb_http_do(http, &fault, &r), 0);
    assert_int_equal(r.resp.status, 200);
    cb_http_result_fini(&r);
    long before = s_binance_requests(http);
    assert_int_equal(cb_http_do_once(http, &ping, &r), 0);
    if (r.resp.outcome != CB_HTTP_TRANSPORT) {
        fail_msg("a reset connection: outcome %s status %ld", cb_http_outcome_name(r.resp.outcome),
                 r.resp.status);
    }
    assert_int_equal(r.resp.sent, CB_HTTP_MAYBE_SENT);
    assert_int_equal(r.resp.new_connections, 1);
    cb_http_result_fini(&r);
    assert_int_equal(s_binance_requests(http), before + 1); /* sent once */
    /* With a body, on a pooled connection: libcurl's replay would have to
     * rewind the body, which an at-most-once request refuses. */
    const char *form[] = {"Content-Type: application/x-www-form-urlencoded"};
    cb_http_req_t post = {.method = CB_HTTP_POST,
                          .url = s_url("/binance/api/v3/ping"),
                          .headers = form,
                          .header_count = 1,
                          .body = "a=1&b=2",
                          .body_len = 7};
    assert_int_equal(cb_http_do_once(http, &post, &r), 0);
    assert_int_equal(r.resp.outcome, CB_HTTP_OK);
    assert_int_equal(r.resp.new_connections, 0); /* kept alive: no new handshake per order */
    cb_http_result_fini(&r);
    assert_int_equal(cb_http_do(http, &fault, &r), 0);
    assert_int_equal(r.resp.status, 200);
    cb_http_result_fini(&r);
    before = s_binance_requests(http);
    assert_int_equal(cb_http_do_once(http, &post, &r), 0);
    if (r.resp.outcome != CB_HTTP_TRANSPORT) {
        fail_msg("a reset pooled connection: outcome %s status %ld", cb_http_outcome_name(r.resp.outcome),
                 r.resp.status);
    }
    assert_int_equal(r.resp.sent, CB_HTTP_MAYBE_SENT);
    cb_http_result_fini(&r);
    assert_int_equal(s_binance_requests(http), before + 1); /* sent once, never replayed */
    s_do(http, CB_HTTP_DELETE, "/admin/faults", NULL, &r, 200);
    cb_http_result_fini(&r);
    cb_http_destroy(&http);
}

static void
test_timeout_is_maybe_sent(void **state)
{
    (void) state;
    cb_http_t *http = cb_http_new(NULL);
    assert_non_null(http);
    cb_http_result_t r;
    s_do(http, CB_HTTP_POST, "/admin/faults/binance", "{\"timeout_next\":1}", &r, 200);
    cb_http_result_fini(&r);
    cb_http_req_t req = {
        .method = CB_HTTP_GET, .url = s_url("/binance/api/v3/ping"), .timeout_ms = 300};
    int64_t t0 = cb_time_mono_ns();
    assert_int_equal(cb_http_do(http, &req, &r), 0);
    int64_t ms = (cb_time_mono_ns() - t0) / 1000000;
    assert_int_equal(r.resp.outcome, CB_HTTP_TIMEOUT);
    assert_int_equal(r.resp.sent, CB_HTTP_MAYBE_SENT); /* the server got it: outcome unknown */
    assert_int_equal(r.resp.status, 0);
    assert_true(strlen(r.resp.error) > 0);
    assert_true(ms >= 250 && ms < 3000);
    assert_true(r.resp.elapsed_ms >= 250);
    cb_http_result_fini(&r);
    /* The fault is used up: the next request answers (on a new connection,
     * since curl closed the one that timed out). */
    s_do(http, CB_HTTP_GET, "/binance/api/v3/ping", NULL, &r, 200);
    cb_http_result_fini(&r);
    cb_http_destroy(&http);
}

static void
test_refused_port_is_never_sent(void **state)
{
    (void) state;
    cb_http_t *http = cb_http_new(NULL);
    assert_non_null(http);
    int port = cbh_free_port();
    assert_true(port > 0);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/binance/api/v3/order", port);
    cb_http_req_t req = {
        .method = CB_HTTP_POST, .url = url, .body = "symbol=BTCUSDT", .body_len = 14};
    cb_http_result_t r;
    assert_int_equal(cb_http_do(http, &req, &r), 0);
    assert_int_equal(r.resp.outcome, CB_HTTP_CONNECT_FAILED);
    assert_int_equal(r.resp.sent, CB_HTTP_NOT_SENT);
    assert_int_equal(r.resp.status, 0);
    assert_true(strlen(r.resp.error) > 0);
    cb_http_result_fini(&r);
    cb_http_destroy(&http);
}

static void
test_too_big_answer(void **state)
{
    (void) state;
    cb_http_opts_t opts = {.max_body = 512};
    cb_http_t *http = cb_http_new(&opts);
    assert_non_null(http);
    cb_http_result_t r;
    cb_http_req_t req = {.method = CB_HTTP_GET, .url = s_url("/binance/api/v3/exchangeInfo")};
    assert_int_equal(cb_http_do(http, &req, &r), 0);
    assert_int_equal(r.resp.outcome, CB_HTTP_TOO_BIG);
    assert_int_equal(r.resp.sent, CB_HTTP_MAYBE_SENT);
    assert_true(r.resp.body_len <= 512);
    cb_http_result_fini(&r);
    /* Small answers still pass on the same client. */
    s_do(http, CB_HTTP_GET, "/binance/api/v3/ping", NULL, &r, 200);
    cb_http_result_fini(&r);
    cb_http_destroy(&http);
}

static void
test_destroy_cancels_pending(void **state)
{
    (void) state;
    cb_http_t *http = cb_http_new(NULL);
    assert_non_null(http);
    cb_http_result_t r;
    s_do(http, CB_HTTP_POST, "/admin/faults/kraken", "{\"latency_ms\":2000}", &r, 200);
    cb_http_result_fini(&r);
    s_seen_t slow = {0}, refused = {0};
    cb_http_req_t req = {.method = CB_HTTP_GET, .url = s_url("/kraken/0/public/SystemStatus")};
    assert_int_equal(cb_http_start(http, &req, s_on_done, &slow), 0);
    /* The request goes out, then the client dies while waiting for it. */
    for (int i = 0; i < 10; i++) {
        assert_int_equal(cb_http_poll(http, 20), 0);
    }
    int port = cbh_free_port();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    cb_http_req_t never = {.method = CB_HTTP_GET, .url = url};
    assert_int_equal(cb_http_start(http, &never, s_on_done, &refused), 0);
    assert_int_equal(cb_http_pending(http), 2);
    cb_http_destroy(&http);
    assert_int_equal(slow.calls, 1);
    assert_int_equal(slow.resp.outcome, CB_HTTP_CANCELLED);
    assert_int_equal(slow.resp.sent, CB_HTTP_MAYBE_SENT);
    assert_int_equal(refused.calls, 1);
    assert_int_equal(refused.resp.outcome, CB_HTTP_CANCELLED);
    assert_int_equal(refused.resp.sent, CB_HTTP_NOT_SENT);
    http = cb_http_new(NULL);
    s_do(http, CB_HTTP_DELETE, "/admin/faults", NULL, &r, 200);
    cb_http_result_fini(&r);
    cb_http_destroy(&http);
}

static void
test_poll_idle_respects_timeout(void **state)
{
    (void) state;
    cb_http_t *http = cb_http_new(NULL);
    assert_non_null(http);
    int64_t t0 = cb_time_mono_ns();
    assert_int_equal(cb_http_poll(http, 100), 0);
    int64_t ms = (cb_time_mono_ns() - t0) / 1000000;
    assert_true(ms >= 50 && ms < 1000);
    t0 = cb_time_mono_ns();
    assert_int_equal(cb_http_poll(http, 0), 0);
    assert_true((cb_time_mono_ns() - t0) / 1000000 < 50);
    assert_string_equal(cb_http_outcome_name(CB_HTTP_CONNECT_FAILED), "connect_failed");
    assert_string_equal(cb_http_outcome_name((cb_http_outcome_t) 99), "unknown");
    cb_http_destroy(&http);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_ping_and_kraken_time),
        cmocka_unit_test(test_concurrent_requests_reuse_connections),
        cmocka_unit_test(test_post_put_delete),
        cmocka_unit_test(test_do_once_is_never_replayed),
        cmocka_unit_test(test_timeout_is_maybe_sent),
        cmocka_unit_test(test_refused_port_is_never_sent),
        cmocka_unit_test(test_too_big_answer),
        cmocka_unit_test(test_destroy_cancels_pending),
        cmocka_unit_test(test_poll_idle_respects_timeout),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
