/* bench_orders.c - orders through api-edge -> order-router (ledger on) -> venue-sim, against the same orders sent straight to venue-sim in the same run */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_binance.h"
#include "cb_http.h"
#include "cb_time.h"
#include "cbh.h"
#include "cbh_cpu.h"
#include "cbh_edge.h"
#include "cbh_paper.h"

/* Usage: bench_orders [orders per path] [client threads] [orders per thread]
 * (defaults 400, 4, 100). From the repository root.
 *
 * One stack: redis-server, bus, venue-sim (paper accounts, its own order
 * rate limits off), market-feed, sentiment, account, order-router and one
 * api-edge (rate limit out of reach), every process on the same two shared
 * cores as this client. An order is a Binance-dialect limit IOC buy of
 * 0.01 BTC at 1000 USDT: far under the market, so it expires at once and
 * nothing rests or fills (every order costs the venue the same work).
 *
 * Latency: one client, one keep-alive connection per target (the same
 * libcurl multi client, cb_http), orders alternating call by call between
 * the reference - a signed POST /api/v3/order straight to venue-sim, that
 * is the sim's own processing plus loopback - and coinbus - POST /api/orders
 * with a trade key through api-edge, the orders RPC over the bus, the
 * router's checks, its ledger writes in Redis, the signed call to the same
 * sim, the ledger update, the reply. "Added" is coinbus minus the reference:
 * the difference of the percentiles, and the percentiles of the paired
 * per-call differences.
 *
 * Throughput: N client threads, each with its own connection, send their
 * orders as fast as answers come: orders per second over the whole batch,
 * first through coinbus, then straight to the sim.
 *
 * BENCH_ORDERS_LAYOUT=path pins the order's path to core 0 and the services
 * it does not wait for to core 1 (s_layout); unset, nothing is pinned.
 *
 * BENCH_ORDERS_STEPS=1 runs the router at COINBUS_LOG_LEVEL=debug and adds
 * the median of each step of its `place_steps` lines (route_steps.c) over
 * the latency orders. */

#define S_BODY_MAX 512
#define S_PATHS 2

typedef struct {
    int edge_port;
    int sim_port;
    char key[128];
} s_target_t;

static s_target_t s_t;
static cb_venue_cfg_t s_binance;

/* One order through api-edge; 0 when it came back 201. */
static int
s_order_edge(cb_http_t *http, const char *clid)
{
    char url[128], auth[200], body[S_BODY_MAX];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/orders", s_t.edge_port);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", s_t.key);
    snprintf(body, sizeof body,
             "{\"symbol\":\"BTC-USDT\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\","
             "\"price\":\"1000\",\"time_in_force\":\"IOC\",\"venue\":\"sim-binance\","
             "\"client_order_id\":\"%s\"}",
             clid);
    const char *h[] = {"Content-Type: application/json", auth};
    cb_http_req_t req = {CB_HTTP_POST, url, h, 2, body, strlen(body), 20000};
    cb_http_result_t res;
    if (cb_http_do(http, &req, &res) != 0) {
        return -1;
    }
    int rc = res.resp.outcome == CB_HTTP_OK && res.resp.status == 201 ? 0 : -1;
    if (rc != 0) {
        fprintf(stderr, "bench_orders: coinbus order %s: status %ld: %.300s\n", clid, res.resp.status,
                res.resp.body);
    }
    cb_http_result_fini(&res);
    return rc;
}

/* The same order signed and sent straight to venue-sim; 0 when it came back 200. */
static int
s_order_sim(cb_http_t *http, const char *clid)
{
    char params[S_BODY_MAX];
    snprintf(params, sizeof params,
             "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=0.01&price=1000"
             "&newClientOrderId=%s",
             clid);
    cb_venue_req_t vr;
    if (cb_binance_signed_req(&s_binance, "POST", "/api/v3/order", params, cb_time_now_ms(), 5000,
                              CBH_PAPER_B_KEY, (const uint8_t *) CBH_PAPER_B_SECRET,
                              strlen(CBH_PAPER_B_SECRET), true, &vr) != 0) {
        return -1;
    }
    const char *headers[4];
    size_t nh = 0;
    for (size_t i = 0; i < 4; i++) {
        if (vr.headers[i][0] != '\0') {
            headers[nh++] = vr.headers[i];
        }
    }
    cb_http_req_t req = {CB_HTTP_POST, vr.url, headers, nh, vr.body.len > 0 ? vr.body.data : NULL,
                         vr.body.len, 20000};
    cb_http_result_t res;
    int rc = cb_http_do(http, &req, &res);
    cb_venue_req_fini(&vr);
    if (rc != 0) {
        return -1;
    }
    rc = res.resp.outcome == CB_HTTP_OK && res.resp.status == 200 ? 0 : -1;
    if (rc != 0) {
        fprintf(stderr, "bench_orders: sim order %s: status %ld: %.300s\n", clid, res.resp.status,
                res.resp.body);
    }
    cb_http_result_fini(&res);
    return rc;
}

typedef int (*s_order_fn)(cb_http_t *http, const char *clid);

static int
s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of n sorted values. */
static double
s_quantile(const double *sorted, size_t n, double q)
{
    size_t i = (size_t) (q * (double) (n - 1) + 0.5);
    return sorted[i < n ? i : n - 1];
}

typedef struct {
    s_order_fn fn;
    const char *prefix;
    int thread;
    int count;
    int failed;
} s_worker_t;

static void *
s_worker_run(void *arg)
{
    s_worker_t *w = arg;
    cb_http_t *http = cb_http_new(NULL);
    if (http == NULL) {
        w->failed = w->count;
        return NULL;
    }
    for (int i = 0; i < w->count; i++) {
        char clid[64];
        snprintf(clid, sizeof clid, "%s-%d-%d", w->prefix, w->thread, i);
        w->failed += w->fn(http, clid) != 0;
    }
    cb_http_destroy(&http);
    return NULL;
}

/* threads x per orders through fn at once: orders per second (0 on failure). */
static double
s_throughput(s_order_fn fn, const char *prefix, int threads, int per, int *failed)
{
    s_worker_t w[64];
    pthread_t tid[64];
    int64_t t0 = (cb_time_mono_ns() / 1000);
    for (int i = 0; i < threads; i++) {
        w[i] = (s_worker_t){fn, prefix, i, per, 0};
        if (pthread_create(&tid[i], NULL, s_worker_run, &w[i]) != 0) {
            return 0;
        }
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        *failed += w[i].failed;
    }
    int64_t us = (cb_time_mono_ns() / 1000) - t0;
    return us > 0 ? (double) threads * per * 1e6 / (double) us : 0;
}

/* Starts the stack, api-edge and a trade key into s_t. 0 or -1. */
static int
s_start(cbh_edge_stack_t *stack, cbh_proc_t **edge)
{
    char *sim_env[] = {"COINBUS_SIM_ACCOUNTS=" CBH_PAPER_PRO_ACCOUNTS, "COINBUS_SIM_LIMITS=off", NULL};
    char *edge_env[] = {"COINBUS_EDGE_RPC_TIMEOUT_MS=20000", "COINBUS_EDGE_RATE_LIMIT=100000000", NULL};
    const char *steps = getenv("BENCH_ORDERS_STEPS");
    char *router_env[] = {steps != NULL && strcmp(steps, "1") == 0 ? "COINBUS_LOG_LEVEL=debug" : NULL,
                          NULL};
    if (cbh_edge_stack_start_sim(stack, sim_env) != 0 || cbh_edge_start_account(stack, NULL) != 0 ||
        cbh_edge_start_router(stack, router_env) != 0) {
        return -1;
    }
    s_t.edge_port = 0;
    *edge = cbh_edge_start(stack, &s_t.edge_port, edge_env);
    if (*edge == NULL || setenv("COINBUS_REDIS_URL", stack->redis.url, 1) != 0) {
        return -1;
    }
    s_t.sim_port = stack->sim_port;
    char out[1024];
    if (cbh_edge_keys("create --name bench --scope trade", out, sizeof out) != 0) {
        fprintf(stderr, "bench_orders: coinbus keys create failed: %s\n", out);
        return -1;
    }
    const char *k = strstr(out, "cbk_");
    if (k == NULL || sscanf(k, "%127[A-Za-z0-9_-]", s_t.key) != 1) {
        fprintf(stderr, "bench_orders: no key in: %s\n", out);
        return -1;
    }
    snprintf(s_binance.name, sizeof s_binance.name, "sim-binance");
    s_binance.dialect = CB_DIALECT_BINANCE;
    snprintf(s_binance.rest_base, sizeof s_binance.rest_base, "http://127.0.0.1:%d/binance", s_t.sim_port);
    return 0;
}

/* n orders alternating reference and coinbus; fills lat[path][i] (us). 0 or -1. */
/* BENCH_ORDERS_LAYOUT=path: the order's path (this client, api-edge, the
 * bus, order-router, redis-server, venue-sim) on core 0, the services it
 * does not wait for (market-feed, sentiment, account) on core 1. Else
 * nothing is pinned. The layout's name for the report, or NULL (logged)
 * when it could not be set. */
static const char *
s_layout(const cbh_edge_stack_t *stack, const cbh_proc_t *edge)
{
    const char *want = getenv("BENCH_ORDERS_LAYOUT");
    if (want == NULL || want[0] == '\0') {
        return "nothing pinned (the scheduler's choice over both cores)";
    }
    if (strcmp(want, "path") != 0) {
        fprintf(stderr, "bench_orders: BENCH_ORDERS_LAYOUT=%s: only \"path\" is known\n", want);
        return NULL;
    }
    const cbh_proc_t *path[] = {edge, stack->bus.proc, stack->router, stack->redis.proc, stack->sim};
    const cbh_proc_t *aside[] = {stack->feed, stack->sentiment, stack->account};
    int rc = cbh_cpu_pin(getpid(), 0);
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
        rc |= cbh_cpu_pin(cbh_proc_pid(path[i]), 0);
    }
    for (size_t i = 0; i < sizeof aside / sizeof aside[0]; i++) {
        rc |= cbh_cpu_pin(cbh_proc_pid(aside[i]), 1);
    }
    return rc == 0 ? "path: client, api-edge, bus, order-router, redis-server, venue-sim on core 0; "
                     "market-feed, sentiment, account on core 1"
                   : NULL;
}

static int
s_latency(cb_http_t *http, int n, double *lat[S_PATHS], const char *round)
{
    static const s_order_fn fn[S_PATHS] = {s_order_sim, s_order_edge};
    static const char *const prefix[S_PATHS] = {"ls", "le"};
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < S_PATHS; k++) {
            int p = (i % 2 == 0) ? k : S_PATHS - 1 - k; /* who goes first alternates */
            char clid[64];
            snprintf(clid, sizeof clid, "%s%s-%d", prefix[p], round, i);
            int64_t t0 = (cb_time_mono_ns() / 1000);
            if (fn[p](http, clid) != 0) {
                return -1;
            }
            lat[p][i] = (double) ((cb_time_mono_ns() / 1000) - t0);
        }
    }
    return 0;
}

#define S_STEPS_MAX 12

/* The medians of the router's `place_steps` fields over the latency orders
 * (client order ids "le-<n>"), from its log. */
static void
s_report_steps(const char *log_path)
{
    FILE *f = log_path != NULL ? fopen(log_path, "r") : NULL;
    if (f == NULL) {
        return;
    }
    char names[S_STEPS_MAX][24];
    double *vals[S_STEPS_MAX] = {NULL};
    size_t nnames = 0, nlines = 0, cap = 0;
    char line[1024];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strstr(line, "place_steps") == NULL || strstr(line, "clid=le-") == NULL) {
            continue;
        }
        if (nlines == cap) {
            cap = cap > 0 ? 2 * cap : 256;
            for (size_t k = 0; k < S_STEPS_MAX; k++) {
                double *nv = realloc(vals[k], cap * sizeof(double));
                if (nv == NULL) {
                    goto done;
                }
                vals[k] = nv;
            }
        }
        size_t k = 0;
        for (char *p = strstr(line, "clid="); p != NULL && k < S_STEPS_MAX; k++) {
            char *eq = strstr(p, "_us=");
            if (eq == NULL) {
                break;
            }
            char *start = eq;
            while (start > line && start[-1] != ' ') {
                start--;
            }
            if (nlines == 0) {
                snprintf(names[k], sizeof names[k], "%.*s", (int) (eq - start), start);
                nnames = k + 1;
            }
            vals[k][nlines] = strtod(eq + 4, &p);
        }
        nlines++;
    }
    if (nlines == 0) {
        goto done;
    }
    printf("\nrouter steps (median of %zu places, us; COINBUS_LOG_LEVEL=debug `place_steps`)\n\n|", nlines);
    for (size_t k = 0; k < nnames && nlines > 0; k++) {
        printf(" %s |", names[k]);
    }
    printf("\n|");
    for (size_t k = 0; k < nnames && nlines > 0; k++) {
        printf("---:|");
    }
    printf("\n|");
    for (size_t k = 0; k < nnames && nlines > 0; k++) {
        qsort(vals[k], nlines, sizeof(double), s_cmp_double);
        printf(" %.0f |", s_quantile(vals[k], nlines, 0.5));
    }
    printf("\n");
done:
    for (size_t k = 0; k < S_STEPS_MAX; k++) {
        free(vals[k]);
    }
    fclose(f);
}

/* GET /api/orders/<clid> of an order that does not exist, through api-edge
 * (auth, the bus, the router's one ledger read): 0 when it came back 404. */
static int
s_get_missing(cb_http_t *http, const char *clid)
{
    char url[160], auth[200];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/orders/%s", s_t.edge_port, clid);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", s_t.key);
    const char *h[] = {auth};
    cb_http_req_t req = {CB_HTTP_GET, url, h, 1, NULL, 0, 20000};
    cb_http_result_t res;
    if (cb_http_do(http, &req, &res) != 0) {
        return -1;
    }
    int rc = res.resp.outcome == CB_HTTP_OK && res.resp.status == 404 ? 0 : -1;
    cb_http_result_fini(&res);
    return rc;
}

/* The p50 of n GETs of missing orders: the path without the venue, the
 * ledger writes or the breaker and limiter. */
static void
s_report_get_missing(cb_http_t *http, int n)
{
    double *lat = calloc((size_t) n, sizeof(double));
    int ok = 0;
    for (int i = 0; lat != NULL && i < n; i++) {
        char clid[32];
        snprintf(clid, sizeof clid, "missing-%d", i);
        int64_t t0 = cb_time_mono_ns() / 1000;
        if (s_get_missing(http, clid) == 0) {
            lat[ok++] = (double) (cb_time_mono_ns() / 1000 - t0);
        }
    }
    if (ok > 0) {
        qsort(lat, (size_t) ok, sizeof(double), s_cmp_double);
        printf("\nGET /api/orders/<missing> through api-edge -> bus -> order-router (one HGETALL), "
               "%d calls: p50 %.0f us, p90 %.0f us\n",
               ok, s_quantile(lat, (size_t) ok, 0.5), s_quantile(lat, (size_t) ok, 0.9));
    }
    free(lat);
}

/* The value of the metric line starting with prefix in text, or -1. */
static double
s_metric(const char *text, const char *prefix)
{
    const char *p = strstr(text, prefix);
    return p != NULL ? strtod(p + strlen(prefix), NULL) : -1;
}

/* api-edge's own view, from its /metrics: the mean time from request to
 * answer of the orders route and of the bus RPC to `orders` (every order so
 * far, warm-up included). */
static void
s_report_edge(cb_http_t *http)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", s_t.edge_port);
    cb_http_req_t req = {CB_HTTP_GET, url, NULL, 0, NULL, 0, 5000};
    cb_http_result_t res;
    if (cb_http_do(http, &req, &res) != 0) {
        return;
    }
    if (res.resp.outcome == CB_HTTP_OK && res.resp.status == 200 && res.resp.body != NULL) {
        const char *b = res.resp.body;
        double hs = s_metric(b, "coinbus_edge_http_request_duration_seconds_sum{route=\"/api/orders\"} ");
        double hc = s_metric(b, "coinbus_edge_http_request_duration_seconds_count{route=\"/api/orders\"} ");
        double rs = s_metric(b, "coinbus_edge_rpc_duration_seconds_sum{service=\"orders\"} ");
        double rn = s_metric(b, "coinbus_edge_rpc_duration_seconds_count{service=\"orders\"} ");
        if (hc > 0 && rn > 0) {
            printf("\napi-edge /metrics, mean over %.0f orders: request to answer %.0f us, of which the "
                   "bus RPC to `orders` %.0f us, api-edge's own part %.0f us\n",
                   hc, hs / hc * 1e6, rs / rn * 1e6, (hs / hc - rs / rn) * 1e6);
        }
    }
    cb_http_result_fini(&res);
}

static void
s_report(int n, double *lat[S_PATHS], int threads, int per, double tput[S_PATHS], int failed,
         const char *layout)
{
    double *diff = malloc((size_t) n * sizeof *diff);
    if (diff == NULL) {
        return;
    }
    for (int i = 0; i < n; i++) {
        diff[i] = lat[1][i] - lat[0][i];
    }
    qsort(diff, (size_t) n, sizeof *diff, s_cmp_double);
    static const char *const name[S_PATHS] = {"venue-sim straight (signed POST /api/v3/order)",
                                              "coinbus: api-edge -> bus -> order-router -> venue-sim"};
    printf("\nbench_orders: %d orders per path, alternating, one keep-alive client on %ld cores; layout: %s\n\n", n,
           sysconf(_SC_NPROCESSORS_ONLN), layout);
    printf("| path | p50 us | p90 us | p99 us | max us |\n|---|---:|---:|---:|---:|\n");
    for (int p = 0; p < S_PATHS; p++) {
        qsort(lat[p], (size_t) n, sizeof *lat[p], s_cmp_double);
        printf("| %s | %.0f | %.0f | %.0f | %.0f |\n", name[p], s_quantile(lat[p], (size_t) n, 0.5),
               s_quantile(lat[p], (size_t) n, 0.9), s_quantile(lat[p], (size_t) n, 0.99), lat[p][n - 1]);
    }
    printf("| added by coinbus (paired per-call difference) | %.0f | %.0f | %.0f | %.0f |\n",
           s_quantile(diff, (size_t) n, 0.5), s_quantile(diff, (size_t) n, 0.9),
           s_quantile(diff, (size_t) n, 0.99), diff[n - 1]);
    printf("\nadded p50 (difference of p50s): %.0f us (target < 500 us); added p99 (difference of p99s): %.0f us\n",
           s_quantile(lat[1], (size_t) n, 0.5) - s_quantile(lat[0], (size_t) n, 0.5),
           s_quantile(lat[1], (size_t) n, 0.99) - s_quantile(lat[0], (size_t) n, 0.99));
    printf("\n| %d client threads x %d orders | orders/s |\n|---|---:|\n", threads, per);
    printf("| coinbus: api-edge -> order-router -> venue-sim | %.0f |\n", tput[1]);
    printf("| venue-sim straight | %.0f |\n", tput[0]);
    printf("\nfailed orders: %d\n", failed);
    free(diff);
}

int
main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 400;
    int threads = argc > 2 ? atoi(argv[2]) : 4;
    int per = argc > 3 ? atoi(argv[3]) : 100;
    if (n < 10 || n > 100000 || threads < 1 || threads > 64 || per < 1 || per > 100000) {
        fprintf(stderr, "usage: bench_orders [orders per path 10..100000] [threads 1..64] [orders per thread]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    cbh_edge_stack_t stack;
    memset(&stack, 0, sizeof stack);
    cbh_proc_t *edge = NULL;
    double *lat[S_PATHS] = {calloc((size_t) n, sizeof(double)), calloc((size_t) n, sizeof(double))};
    cb_http_t *http = cb_http_new(NULL);
    int rc = 1, failed = 0;
    double tput[S_PATHS] = {0, 0};
    const char *layout = NULL;
    if (lat[0] == NULL || lat[1] == NULL || http == NULL || s_start(&stack, &edge) != 0 ||
        (layout = s_layout(&stack, edge)) == NULL) {
        fprintf(stderr, "bench_orders: could not start the stack\n");
        goto done;
    }
    /* Warm-up: connections, caches, the router's instruments. */
    if (s_latency(http, 20, lat, "w") != 0 || s_latency(http, n, lat, "") != 0) {
        fprintf(stderr, "bench_orders: an order failed\n");
        goto done;
    }
    s_report_edge(http);
    s_report_get_missing(http, n);
    tput[1] = s_throughput(s_order_edge, "te", threads, per, &failed);
    tput[0] = s_throughput(s_order_sim, "ts", threads, per, &failed);
    s_report(n, lat, threads, per, tput, failed, layout);
    s_report_steps(cbh_proc_log_path(stack.router));
    rc = failed == 0 ? 0 : 1;
done:
    cb_http_destroy(&http);
    if (edge != NULL) {
        cbh_proc_stop(&edge, SIGTERM, 5000);
    }
    cbh_edge_stack_stop(&stack);
    free(lat[0]);
    free(lat[1]);
    return rc;
}
