/* test_venue_sim_admin.c - venue-sim's admin API and fault injection over real HTTP (libcurl, loopback): latency, errors, timeouts, next-N, counters, reset */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cb_time.h"
#include "cbh_simthread.h"
#include "sim_admin.h"
#include "sim_auth.h"
#include "sim_faults.h"

#define DOC_SECRET                                                                                 \
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="

/* Everything the test does goes through HTTP: the sim is only ever touched
 * by its server thread. */
static cbh_simthread_t *s_main;
static uint64_t s_nonce;

/* WebSocket fault hooks as sim_ws would register them (gap left out: 501). */
static volatile int s_drops, s_stall_ms, s_corrupts;

static int
s_hook_drop(void *ctx, sim_venue_t venue)
{
    (void) ctx;
    s_drops++;
    return venue == SIM_VENUE_KRAKEN ? 2 : 1;
}

static int
s_hook_stall(void *ctx, sim_venue_t venue, int ms)
{
    (void) ctx;
    (void) venue;
    s_stall_ms = ms;
    return 1;
}

static int
s_hook_corrupt(void *ctx, sim_venue_t venue)
{
    (void) ctx;
    (void) venue;
    s_corrupts++;
    return 1;
}

static int
s_setup(void **state)
{
    (void) state;
    cbh_simthread_opts_t opts = {.market = true, .seed = 33, .rate = 100, .auth = true, .limits = true,
                                 .faults = true, .faults_seed = 1,
                                 .accounts = "kraken doc-key " DOC_SECRET " ZUSD=100000 XXBT=2;"
                                             "kraken key/with+slash " DOC_SECRET " ZUSD=10;"
                                             "binance bkey bsecret USDT=1000"};
    s_main = cbh_simthread_new(&opts);
    if (s_main == NULL) {
        return -1;
    }
    sim_ws_fault_hooks_t hooks = {NULL, s_hook_drop, s_hook_stall, s_hook_corrupt, NULL};
    cbh_simthread_lock(s_main);
    sim_faults_set_ws_hooks(cbh_simthread_sim(s_main)->faults, &hooks);
    cbh_simthread_unlock(s_main);
    s_nonce = (uint64_t) cb_time_now_ms() * 1000;
    return 0;
}

static int
s_teardown(void **state)
{
    (void) state;
    cbh_simthread_destroy(&s_main);
    return 0;
}

static double
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

typedef struct {
    CURLcode rc;
    long status;
    double ms;
    char body[4096];
} s_reply_t;

/* One request on a fresh connection. body NULL: none; headers may be NULL. */
static s_reply_t
s_do_url(const char *url, const char *method, const char *body, const char *const *headers,
         long timeout_ms)
{
    s_reply_t r;
    memset(&r, 0, sizeof r);
    cbh_http_res_t res = {0};
    double t0 = s_now_ms();
    r.status = cbh_http_url(url, method, headers, body, body != NULL ? strlen(body) : 0, timeout_ms,
                            &res);
    r.ms = s_now_ms() - t0;
    r.rc = (CURLcode) res.curl_rc;
    snprintf(r.body, sizeof r.body, "%s", res.body.data);
    cbh_http_res_fini(&res);
    return r;
}

static s_reply_t
s_do(const char *method, const char *path, const char *body, long timeout_ms)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", cbh_simthread_port(s_main), path);
    return s_do_url(url, method, body, NULL, timeout_ms);
}

/* An admin or venue call that must answer status with needle in its body. */
static void
s_expect(const char *method, const char *path, const char *body, long status, const char *needle)
{
    s_reply_t r = s_do(method, path, body, 5000);
    if (r.rc != CURLE_OK || r.status != status || strstr(r.body, needle) == NULL) {
        fail_msg("%s %s %s: want %ld with '%s', got rc %d status %ld '%s'", method, path,
                 body != NULL ? body : "", status, needle, (int) r.rc, r.status, r.body);
    }
}

/* A signed Kraken private call (params without the nonce). */
static s_reply_t
s_kraken_call(const char *method, const char *params, long timeout_ms)
{
    char nonce[32], body[1024], path[96], sign[SIM_AUTH_KRAKEN_SIGN_SIZE], url[256], h1[160],
        h2[160];
    snprintf(nonce, sizeof nonce, "%llu", (unsigned long long) ++s_nonce);
    snprintf(body, sizeof body, "nonce=%s&%s", nonce, params);
    snprintf(path, sizeof path, "/0/private/%s", method);
    assert_int_equal(sim_auth_kraken_sign(DOC_SECRET, path, strlen(path), nonce, strlen(nonce),
                                          body, strlen(body), sign),
                     0);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/kraken%s", cbh_simthread_port(s_main), path);
    snprintf(h1, sizeof h1, "API-Key: doc-key");
    snprintf(h2, sizeof h2, "API-Sign: %s", sign);
    const char *headers[] = {h1, h2, "Content-Type: application/x-www-form-urlencoded", NULL};
    return s_do_url(url, "POST", body, headers, timeout_ms);
}

static void
s_clear(void)
{
    s_expect("DELETE", "/admin/faults", NULL, 200, "{\"ok\":true}");
}

/* ---- tests ---------------------------------------------------------------------- */

static void
test_health_and_faults_shape(void **state)
{
    (void) state;
    s_expect("GET", "/admin/health", NULL, 200, "{\"ok\":true}");
    s_expect(
        "GET", "/admin/faults", NULL, 200,
        "{\"kraken\":{\"latency_ms\":0,\"jitter_ms\":0,\"error_pct\":0,\"timeout_pct\":0,\"fail_"
        "next\":0,"
        "\"timeout_next\":0,\"timeout_after\":false,\"reset_next\":0,\"reset_after\":false,"
        "\"kraken_error\":\"EService:Unavailable\"},"
        "\"binance\":{\"latency_ms\":0,\"jitter_ms\":0,\"error_pct\":0,\"timeout_pct\":0,\"fail_"
        "next\":0,"
        "\"timeout_next\":0,\"timeout_after\":false,\"reset_next\":0,\"reset_after\":false,"
        "\"binance_status\":503},\"ws_hooks\":true}");
    /* A subset changes only those fields, and the answer shows the result. */
    s_expect("POST", "/admin/faults/kraken", "{\"latency_ms\":5,\"fail_next\":0}", 200,
             "{\"kraken\":{\"latency_ms\":5,\"jitter_ms\":0,");
    s_expect("POST", "/admin/faults/kraken", "{\"jitter_ms\":7}", 200,
             "{\"kraken\":{\"latency_ms\":5,\"jitter_ms\":7,");
    s_expect("DELETE", "/admin/faults/kraken", NULL, 200, "{\"ok\":true}");
    s_expect("GET", "/admin/faults", NULL, 200, "{\"kraken\":{\"latency_ms\":0,\"jitter_ms\":0,");
}

typedef struct {
    const char *path;
    s_reply_t reply;
} s_async_t;

static void *
s_async_get(void *arg)
{
    s_async_t *a = arg;
    a->reply = s_do("GET", a->path, NULL, 5000);
    return NULL;
}

static void
test_latency_does_not_block_other_requests(void **state)
{
    (void) state;
    s_expect("POST", "/admin/faults/kraken", "{\"latency_ms\":400}", 200, "\"latency_ms\":400");
    s_async_t slow = {"/kraken/0/public/Time", {0}};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, s_async_get, &slow), 0);
    usleep(50000);
    /* While Kraken's answer waits, Binance (no fault) answers at once. */
    s_reply_t fast = s_do("GET", "/binance/api/v3/ping", NULL, 5000);
    assert_int_equal(fast.rc, CURLE_OK);
    assert_int_equal(fast.status, 200);
    assert_string_equal(fast.body, "{}");
    assert_true(fast.ms < 250);
    /* So does the admin API, and a second Kraken request is delayed on its own. */
    s_reply_t admin = s_do("GET", "/admin/health", NULL, 5000);
    assert_true(admin.ms < 250);
    pthread_join(t, NULL);
    assert_int_equal(slow.reply.rc, CURLE_OK);
    assert_int_equal(slow.reply.status, 200);
    assert_non_null(strstr(slow.reply.body, "{\"error\":[],\"result\":{\"unixtime\":"));
    assert_true(slow.reply.ms >= 400);
    assert_true(slow.reply.ms < 2000);
    /* Jitter: between latency and latency + jitter (plus scheduling slack). */
    s_expect("POST", "/admin/faults/kraken", "{\"latency_ms\":100,\"jitter_ms\":100}", 200,
             "\"jitter_ms\":100");
    for (int i = 0; i < 3; i++) {
        s_reply_t r = s_do("GET", "/kraken/0/public/Time", NULL, 5000);
        assert_int_equal(r.status, 200);
        assert_true(r.ms >= 100 && r.ms < 1000);
    }
    /* A client that gives up during the delay: its late answer goes
     * nowhere, harmlessly. */
    s_expect("POST", "/admin/faults/kraken", "{\"latency_ms\":300,\"jitter_ms\":0}", 200,
             "\"latency_ms\":300");
    s_reply_t gone = s_do("GET", "/kraken/0/public/Time", NULL, 100);
    assert_int_equal(gone.rc, CURLE_OPERATION_TIMEDOUT);
    usleep(350000);
    s_clear();
    s_reply_t r = s_do("GET", "/kraken/0/public/Time", NULL, 5000);
    assert_int_equal(r.status, 200);
    assert_true(r.ms < 250);
    s_expect("GET", "/admin/counters", NULL, 200, "\"delayed\":5}");
}

static void
test_fail_next_kraken(void **state)
{
    (void) state;
    s_expect("POST", "/admin/faults/kraken", "{\"fail_next\":2}", 200, "\"fail_next\":2");
    for (int i = 0; i < 2; i++) {
        s_reply_t r = s_do("GET", "/kraken/0/public/Time", NULL, 5000);
        assert_int_equal(r.status, 200); /* as Kraken does */
        assert_string_equal(r.body, "{\"error\":[\"EService:Unavailable\"]}");
    }
    s_expect("GET", "/kraken/0/public/Time", NULL, 200, "{\"error\":[],\"result\":{\"unixtime\":");
    s_expect("GET", "/kraken/0/public/Time", NULL, 200, "{\"error\":[],\"result\":{\"unixtime\":");
    s_expect("GET", "/admin/faults", NULL, 200, "\"fail_next\":0");
    /* Busy instead of Unavailable; Binance is untouched by Kraken's faults. */
    s_expect("POST", "/admin/faults/kraken", "{\"fail_next\":1,\"kraken_error\":\"EService:Busy\"}",
             200, "\"kraken_error\":\"EService:Busy\"");
    s_expect("GET", "/binance/api/v3/ping", NULL, 200, "{}");
    s_expect("GET", "/kraken/0/public/Time", NULL, 200, "{\"error\":[\"EService:Busy\"]}");
    s_expect("GET", "/kraken/0/public/Time", NULL, 200, "\"unixtime\":");
    s_clear();
}

static void
test_binance_5xx(void **state)
{
    (void) state;
    s_expect("POST", "/admin/faults/binance", "{\"fail_next\":1}", 200, "\"binance_status\":503");
    s_reply_t r = s_do("GET", "/binance/api/v3/time", NULL, 5000);
    assert_int_equal(r.status, 503);
    assert_string_equal(r.body, "{\"code\":-1001,\"msg\":\"Internal error; unable to process your "
                                "request. Please try again.\"}");
    s_expect("GET", "/binance/api/v3/time", NULL, 200, "{\"serverTime\":");
    s_expect("POST", "/admin/faults/binance", "{\"fail_next\":1,\"binance_status\":500}", 200,
             "\"binance_status\":500");
    s_expect("GET", "/binance/api/v3/time", NULL, 500, "{\"code\":-1001,");
    s_expect("GET", "/binance/api/v3/time", NULL, 200, "{\"serverTime\":");
    s_clear();
}

static void
test_timeout_next(void **state)
{
    (void) state;
    s_expect("POST", "/admin/faults/kraken", "{\"timeout_next\":1}", 200, "\"timeout_next\":1");
    s_reply_t r = s_do("GET", "/kraken/0/public/Time", NULL, 300);
    assert_int_equal(r.rc, CURLE_OPERATION_TIMEDOUT);
    assert_true(r.ms >= 290);
    s_expect("GET", "/kraken/0/public/Time", NULL, 200, "\"unixtime\":");
    /* The unanswered request is held until its client leaves; then the
     * server closes that connection (a raw socket shows it). */
    s_expect("POST", "/admin/faults/kraken", "{\"timeout_next\":1}", 200, "\"timeout_next\":1");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t) cbh_simthread_port(s_main))};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *) &addr, sizeof addr), 0);
    static const char get[] = "GET /kraken/0/public/Time HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(write(fd, get, sizeof get - 1), (ssize_t) sizeof get - 1);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 400), 0); /* no answer */
    shutdown(fd, SHUT_WR);                 /* the client goes away */
    double t0 = s_now_ms();
    char buf[1024];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
    }
    assert_int_equal(n, 0); /* closed by the server */
    assert_true(s_now_ms() - t0 < 1000);
    close(fd);
    s_expect("GET", "/admin/counters", NULL, 200, "\"timeouts\":2,");
    s_expect("GET", "/kraken/0/public/Time", NULL, 200, "\"unixtime\":");
    s_clear();
}

static void
test_error_and_timeout_shares(void **state)
{
    (void) state;
    s_expect("POST", "/admin/faults/binance", "{\"error_pct\":100}", 200, "\"error_pct\":100");
    for (int i = 0; i < 5; i++) {
        s_expect("GET", "/binance/api/v3/ping", NULL, 503, "\"code\":-1001");
    }
    s_expect("POST", "/admin/faults/binance", "{\"error_pct\":0}", 200, "\"error_pct\":0");
    for (int i = 0; i < 5; i++) {
        s_expect("GET", "/binance/api/v3/ping", NULL, 200, "{}");
    }
    /* A share with a seed gives the same sequence every time. */
    char first[32] = {0}, second[32] = {0};
    for (int round = 0; round < 2; round++) {
        char *seq = round == 0 ? first : second;
        s_expect("POST", "/admin/faults/binance", "{\"error_pct\":50,\"seed\":7}", 200,
                 "\"error_pct\":50");
        for (int i = 0; i < 20; i++) {
            s_reply_t r = s_do("GET", "/binance/api/v3/ping", NULL, 5000);
            assert_true(r.status == 200 || r.status == 503);
            seq[i] = r.status == 200 ? '.' : 'x';
        }
    }
    assert_string_equal(first, second);
    assert_non_null(strchr(first, '.'));
    assert_non_null(strchr(first, 'x'));
    /* timeout_pct 100: every request goes unanswered. */
    s_expect("POST", "/admin/faults/binance", "{\"error_pct\":0,\"timeout_pct\":100}", 200,
             "\"timeout_pct\":100");
    s_reply_t r = s_do("GET", "/binance/api/v3/ping", NULL, 300);
    assert_int_equal(r.rc, CURLE_OPERATION_TIMEDOUT);
    s_clear();
    s_expect("GET", "/binance/api/v3/ping", NULL, 200, "{}");
}

static void
test_admin_refuses_bad_input(void **state)
{
    (void) state;
    s_expect("POST", "/admin/faults/kraken", "{\"latency_ms\":", 400, "invalid JSON at byte");
    s_expect("POST", "/admin/faults/kraken", "[1,2]", 400, "expected a JSON object");
    s_expect("POST", "/admin/faults/kraken", "", 400, "empty body");
    s_expect("POST", "/admin/faults/kraken", "{\"latncy_ms\":5}", 400, "unknown field 'latncy_ms'");
    s_expect("POST", "/admin/faults/kraken", "{\"error_pct\":150}", 400,
             "error_pct: expected an integer 0..100");
    s_expect("POST", "/admin/faults/kraken", "{\"error_pct\":-1}", 400,
             "error_pct: expected an integer");
    s_expect("POST", "/admin/faults/kraken", "{\"error_pct\":\"5\"}", 400,
             "error_pct: expected an integer");
    s_expect("POST", "/admin/faults/kraken", "{\"error_pct\":2.5}", 400,
             "error_pct: expected an integer");
    s_expect("POST", "/admin/faults/kraken", "{\"error_pct\":60,\"timeout_pct\":50}", 400,
             "add up to at most 100");
    s_expect("POST", "/admin/faults/kraken", "{\"latency_ms\":999999}", 400,
             "latency_ms: expected an integer");
    s_expect("POST", "/admin/faults/kraken", "{\"timeout_after\":1}", 400,
             "timeout_after: expected true or false");
    s_expect("POST", "/admin/faults/kraken", "{\"kraken_error\":\"EGeneral:Nope\"}", 400,
             "kraken_error: expected");
    s_expect("POST", "/admin/faults/kraken", "{\"binance_status\":500}", 400,
             "unknown field 'binance_status'");
    s_expect("POST", "/admin/faults/binance", "{\"binance_status\":502}", 400,
             "expected 503 or 500");
    /* One bad field: nothing applies. */
    s_expect("POST", "/admin/faults/kraken", "{\"fail_next\":3,\"error_pct\":101}", 400,
             "error_pct");
    s_expect("GET", "/admin/faults", NULL, 200, "\"fail_next\":0");
    s_expect("POST", "/admin/faults/okx", "{}", 404, "unknown venue 'okx'");
    s_expect("GET", "/admin/faults/kraken", NULL, 405, "method not allowed");
    s_expect("POST", "/admin/health/x", NULL, 404, "unknown admin path");
    s_expect("GET", "/admin/nope", NULL, 404, "unknown admin path");
    s_expect("POST", "/admin/market", "{}", 400, "expected {\\\"paused\\\"");
    s_expect("POST", "/admin/market", "{\"rate\":0}", 400, "rate: expected an integer 1..100000");
    s_expect("POST", "/admin/market", "{\"paused\":\"yes\"}", 400,
             "paused: expected true or false");
    s_expect("GET", "/admin/market", NULL, 405, "method not allowed");
}

static void
test_ws_hooks(void **state)
{
    (void) state;
    s_expect("POST", "/admin/ws/kraken/drop", NULL, 200, "{\"ok\":true,\"connections\":2}");
    s_expect("POST", "/admin/ws/binance/drop", NULL, 200, "{\"ok\":true,\"connections\":1}");
    assert_int_equal(s_drops, 2);
    s_expect("POST", "/admin/ws/kraken/stall?ms=1500", NULL, 200, "\"connections\":1");
    assert_int_equal(s_stall_ms, 1500);
    s_expect("POST", "/admin/ws/kraken/stall", NULL, 400, "stall needs ?ms=N");
    s_expect("POST", "/admin/ws/kraken/stall?ms=abc", NULL, 400, "stall needs ?ms=N");
    s_expect("POST", "/admin/ws/kraken/corrupt-checksum", NULL, 200, "\"ok\":true");
    assert_int_equal(s_corrupts, 1);
    s_expect("POST", "/admin/ws/binance/corrupt-checksum", NULL, 400, "kraken only");
    s_expect("POST", "/admin/ws/kraken/gap", NULL, 501, "no WebSocket 'gap' fault hook");
    s_expect("POST", "/admin/ws/kraken/explode", NULL, 404, "unknown WebSocket fault");
    s_expect("GET", "/admin/ws/kraken/drop", NULL, 405, "method not allowed");
}

/* reset_next: the connection is aborted (RST) instead of answered, before
 * the request is processed or, with reset_after, after it. */
static void
test_reset_next(void **state)
{
    (void) state;
    static const char order[] =
        "ordertype=limit&type=buy&pair=XBTUSD&price=1000.0&volume=0.01&cl_ord_id=";
    char params[256];
    s_expect("POST", "/admin/faults/kraken", "{\"reset_next\":1}", 200, "\"reset_next\":1,");
    snprintf(params, sizeof params, "%srs-1", order);
    s_reply_t r = s_kraken_call("AddOrder", params, 2000);
    assert_int_equal(r.rc, CURLE_RECV_ERROR); /* "Connection reset by peer" */
    assert_true(r.ms < 1000);
    s_expect("GET", "/admin/counters/kraken/doc-key/clid/rs-1", NULL, 200, "{\"count\":0}");
    s_expect("POST", "/admin/faults/kraken", "{\"reset_next\":1,\"reset_after\":true}", 200,
             "\"reset_after\":true");
    snprintf(params, sizeof params, "%srs-2", order);
    r = s_kraken_call("AddOrder", params, 2000);
    assert_int_equal(r.rc, CURLE_RECV_ERROR);
    s_expect("GET", "/admin/counters/kraken/doc-key/clid/rs-2", NULL, 200, "{\"count\":1}");
    /* Binance the same; the next request is answered again. */
    s_expect("POST", "/admin/faults/binance", "{\"reset_next\":1}", 200, "\"reset_next\":1,");
    r = s_do("GET", "/binance/api/v3/time", NULL, 2000);
    assert_int_equal(r.rc, CURLE_RECV_ERROR);
    s_expect("GET", "/binance/api/v3/time", NULL, 200, "{\"serverTime\":");
    s_expect("GET", "/admin/counters", NULL, 200, "\"resets\":2,");
    s_expect("GET", "/admin/counters", NULL, 200, "\"resets\":1,");
    s_expect("POST", "/admin/faults/kraken", "{\"reset_next\":1000001}", 400, "reset_next");
    s_expect("POST", "/admin/faults/kraken", "{\"reset_after\":1}", 400, "reset_after");
    s_clear();
    s_expect("POST", "/admin/reset", NULL, 200, "{\"ok\":true}");
}

static void
test_counters_by_client_order_id_and_reset(void **state)
{
    (void) state;
    static const char order[] =
        "ordertype=limit&type=buy&pair=XBTUSD&price=1000.0&volume=0.01&cl_ord_id=";
    char params[256];
    snprintf(params, sizeof params, "%sabc-1", order);
    s_reply_t r = s_kraken_call("AddOrder", params, 5000);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"error\":[]"));
    s_expect("GET", "/admin/counters/kraken/doc-key/clid/abc-1", NULL, 200, "{\"count\":1}");
    /* The same id again is refused (still open) but counted. */
    r = s_kraken_call("AddOrder", params, 5000);
    assert_null(strstr(r.body, "\"error\":[]"));
    s_expect("GET", "/admin/counters/kraken/doc-key/clid/abc-1", NULL, 200, "{\"count\":2}");
    s_expect("GET", "/admin/counters/kraken/doc-key/clid/other", NULL, 200, "{\"count\":0}");
    /* A timeout after processing: the order exists though its answer is lost. */
    s_expect("POST", "/admin/faults/kraken", "{\"timeout_next\":1,\"timeout_after\":true}", 200,
             "\"timeout_after\":true");
    snprintf(params, sizeof params, "%st-1", order);
    r = s_kraken_call("AddOrder", params, 300);
    assert_int_equal(r.rc, CURLE_OPERATION_TIMEDOUT);
    s_expect("GET", "/admin/counters/kraken/doc-key/clid/t-1", NULL, 200, "{\"count\":1}");
    /* Whereas a timeout before processing never reaches the exchange. */
    s_expect("POST", "/admin/faults/kraken", "{\"timeout_next\":1,\"timeout_after\":false}", 200,
             "\"timeout_after\":false");
    snprintf(params, sizeof params, "%st-2", order);
    r = s_kraken_call("AddOrder", params, 300);
    assert_int_equal(r.rc, CURLE_OPERATION_TIMEDOUT);
    s_expect("GET", "/admin/counters/kraken/doc-key/clid/t-2", NULL, 200, "{\"count\":0}");
    /* The whole picture: per account (keys, never secrets) and per venue. */
    r = s_do("GET", "/admin/counters", NULL, 5000);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body,
                           "{\"venue\":\"kraken\",\"key\":\"doc-key\",\"orders_received\":3,"
                           "\"client_order_ids\":{\"abc-1\":2,\"t-1\":1}}"));
    assert_non_null(
        strstr(r.body, "{\"venue\":\"kraken\",\"key\":\"key/with+slash\",\"orders_received\":0,"));
    assert_non_null(
        strstr(r.body, "{\"venue\":\"binance\",\"key\":\"bkey\",\"orders_received\":0,"));
    assert_null(strstr(r.body, "bsecret"));
    assert_null(strstr(r.body, "kQH5HW"));
    assert_non_null(strstr(r.body, "\"venues\":{\"kraken\":{\"requests\":"));
    /* Keys are percent-decoded path segments. */
    s_expect("GET", "/admin/counters/kraken/key%2Fwith+slash/clid/abc-1", NULL, 200,
             "{\"count\":0}");
    s_expect("GET", "/admin/counters/kraken/key%2Fwith+slash", NULL, 200,
             "\"key\":\"key/with+slash\"");
    s_expect("GET", "/admin/counters/kraken/nobody/clid/abc-1", NULL, 404,
             "no kraken account has that API key");
    s_expect("GET", "/admin/counters/binance/doc-key/clid/abc-1", NULL, 404, "no binance account");
    s_expect("GET", "/admin/counters/kraken/bad%zz/clid/x", NULL, 400, "malformed admin path");
    s_expect("GET", "/admin/counters/kraken/bad%%202/clid/x", NULL, 400, "malformed admin path");
    s_expect("GET", "/admin/counters/kraken/bad%2", NULL, 400, "malformed admin path");
    s_expect("GET", "/admin/counters/kraken/doc%2Dkey/clid/abc-1", NULL, 200, "{\"count\":");
    /* Reset: orders, counters and faults are gone. */
    s_expect("POST", "/admin/faults/kraken", "{\"latency_ms\":50,\"fail_next\":9}", 200,
             "\"fail_next\":9");
    s_expect("POST", "/admin/reset", NULL, 200, "{\"ok\":true}");
    s_expect("GET", "/admin/faults", NULL, 200,
             "{\"kraken\":{\"latency_ms\":0,\"jitter_ms\":0,\"error_pct\":0,"
             "\"timeout_pct\":0,\"fail_next\":0,");
    s_expect("GET", "/admin/counters/kraken/doc-key/clid/abc-1", NULL, 200, "{\"count\":0}");
    s_expect("GET", "/admin/counters", NULL, 200,
             "\"venues\":{\"kraken\":{\"requests\":0,\"errors\":0,\"timeouts\":0,\"resets\":0,"
             "\"delayed\":0},\"binance\":{\"requests\":0,\"errors\":0,\"timeouts\":0,"
             "\"resets\":0,\"delayed\":0}}");
    s_expect("GET", "/admin/counters", NULL, 200,
             "\"key\":\"doc-key\",\"orders_received\":0,\"client_order_ids\":{}}");
    s_expect("GET", "/kraken/0/public/Time", NULL, 200, "\"unixtime\":");
    s_expect("GET", "/admin/counters", NULL, 200, "\"kraken\":{\"requests\":1,");
}

static void
test_market(void **state)
{
    (void) state;
    s_expect("POST", "/admin/market", "{\"paused\":true}", 200, "{\"ok\":true}");
    s_expect("POST", "/admin/market", "{\"paused\":false,\"rate\":500}", 200, "{\"ok\":true}");
    s_expect("POST", "/admin/market", "{\"rate\":100}", 200, "{\"ok\":true}");
}

/* Only loopback peers: a server on all interfaces, reached on this host's
 * own non-loopback address, refuses the admin API. */
static void
test_admin_refuses_remote_peers(void **state)
{
    (void) state;
    assert_true(sim_admin_is_loopback("127.0.0.1"));
    assert_true(sim_admin_is_loopback("127.8.9.10"));
    assert_true(sim_admin_is_loopback("::1"));
    assert_true(sim_admin_is_loopback("::ffff:127.0.0.1"));
    assert_false(sim_admin_is_loopback("10.0.0.1"));
    assert_false(sim_admin_is_loopback("::ffff:10.0.0.1"));
    assert_false(sim_admin_is_loopback("1.127.0.0"));
    assert_false(sim_admin_is_loopback(""));
    char ip[64] = "";
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) == 0) {
        for (struct ifaddrs *i = ifs; i != NULL && ip[0] == '\0'; i = i->ifa_next) {
            if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
                (i->ifa_flags & IFF_UP) && !(i->ifa_flags & IFF_LOOPBACK)) {
                inet_ntop(AF_INET, &((struct sockaddr_in *) i->ifa_addr)->sin_addr, ip, sizeof ip);
            }
        }
        freeifaddrs(ifs);
    }
    if (ip[0] == '\0') {
        fprintf(stderr, "no non-loopback IPv4 address here: remote refusal not exercised\n");
        return;
    }
    cbh_simthread_opts_t empty = {.host = "0.0.0.0"};
    cbh_simthread_t *any = cbh_simthread_new(&empty);
    assert_non_null(any);
    char url[128];
    snprintf(url, sizeof url, "http://%s:%d/admin/health", ip, cbh_simthread_port(any));
    s_reply_t r = s_do_url(url, "GET", NULL, NULL, 5000);
    assert_int_equal(r.rc, CURLE_OK);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "loopback clients only"));
    snprintf(url, sizeof url, "http://127.0.0.1:%d/admin/health", cbh_simthread_port(any));
    r = s_do_url(url, "GET", NULL, NULL, 5000);
    assert_int_equal(r.status, 200);
    cbh_simthread_destroy(&any);
}

/* Destroying the server with answers still held (one delayed, one never
 * to be sent) answers both at once and closes their connections. */
static void
test_destroy_with_pending_answers(void **state)
{
    (void) state;
    sim_t sim;
    memset(&sim, 0, sizeof sim);
    sim.faults = sim_faults_new(3);
    assert_non_null(sim.faults);
    sim_fault_set_t set;
    sim_faults_get(sim.faults, SIM_VENUE_KRAKEN, &set);
    set.latency_ms = 10000;
    char err[128];
    assert_int_equal(sim_faults_set(sim.faults, SIM_VENUE_KRAKEN, &set, err, sizeof err), 0);
    sim_faults_get(sim.faults, SIM_VENUE_BINANCE, &set);
    set.timeout_pct = 100;
    assert_int_equal(sim_faults_set(sim.faults, SIM_VENUE_BINANCE, &set, err, sizeof err), 0);
    cbh_simthread_opts_t opts = {.sim = &sim};
    cbh_simthread_t *srv = cbh_simthread_new(&opts);
    assert_non_null(srv);
    static const char *const reqs[2] = {"GET /kraken/0/public/Time HTTP/1.1\r\nHost: x\r\n\r\n",
                                        "GET /binance/api/v3/ping HTTP/1.1\r\nHost: x\r\n\r\n"};
    int fds[2];
    for (int i = 0; i < 2; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr = {.sin_family = AF_INET,
                                   .sin_port = htons((uint16_t) cbh_simthread_port(srv))};
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(connect(fds[i], (struct sockaddr *) &addr, sizeof addr), 0);
        assert_int_equal(write(fds[i], reqs[i], strlen(reqs[i])), (ssize_t) strlen(reqs[i]));
    }
    usleep(200000);
    cbh_simthread_stop(srv);
    double t0 = s_now_ms();
    cbh_simthread_destroy(&srv);
    assert_null(srv);
    assert_true(s_now_ms() - t0 < 1000);
    for (int i = 0; i < 2; i++) {
        char buf[2048];
        size_t len = 0;
        ssize_t n;
        struct pollfd p = {.fd = fds[i], .events = POLLIN};
        while (len < sizeof buf - 1 && poll(&p, 1, 1000) == 1 &&
               (n = read(fds[i], buf + len, sizeof buf - 1 - len)) > 0) {
            len += (size_t) n;
        }
        buf[len] = '\0';
        assert_non_null(strstr(buf, i == 0 ? "HTTP/1.1 200" : "HTTP/1.1 503"));
        assert_non_null(strstr(buf, "Connection: close"));
        if (i == 0) {
            assert_non_null(strstr(buf, "\"unixtime\":"));
        }
        close(fds[i]);
    }
    sim_faults_destroy(&sim.faults);
    assert_null(sim.faults);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_and_faults_shape),
        cmocka_unit_test(test_latency_does_not_block_other_requests),
        cmocka_unit_test(test_fail_next_kraken),
        cmocka_unit_test(test_binance_5xx),
        cmocka_unit_test(test_timeout_next),
        cmocka_unit_test(test_error_and_timeout_shares),
        cmocka_unit_test(test_admin_refuses_bad_input),
        cmocka_unit_test(test_ws_hooks),
        cmocka_unit_test(test_reset_next),
        cmocka_unit_test(test_counters_by_client_order_id_and_reset),
        cmocka_unit_test(test_market),
        cmocka_unit_test(test_admin_refuses_remote_peers),
        cmocka_unit_test(test_destroy_with_pending_answers),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
