/* bench_edge.c - api-edge HTTP speed: GET /api/market/price and POST /api/sentiment/analyze under
 * wrk, against nginx in the same run */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb_time.h"
#include "cbh.h"
#include "cbh_edge.h"

/* Usage: bench_edge [seconds per run] [rounds] [connections]
 * (defaults 5, 3, 64). From the repository root: the stack's sentiment
 * service reads services/sentiment/data.
 *
 * One stack (redis-server, bus, venue-sim, market-feed, sentiment) and one
 * api-edge with rate limiting on and a limit nobody reaches, plus one nginx
 * (1 worker, access_log off, keep-alive) that answers the same URLs with the
 * same bytes: the price JSON api-edge served last as a static file, and the
 * sentiment answer with `return 200`. Each round runs every case once with
 * wrk (1 thread, N connections, --latency), the server order swapped every
 * other round; each case reports its median round, each ratio is the median
 * of the per-round ratios. The "paused" cases run with venue-sim and
 * market-feed stopped (SIGSTOP), so that only the two servers and wrk share
 * the two cores; api-edge then answers from a cache that is at most a few
 * seconds old (COINBUS_EDGE_PRICE_FRESH_MS is raised for that). The last
 * pair is a second api-edge, identical but for leases of 10,000 decisions
 * from the shared limiter instead of the default 8 (COINBUS_EDGE_RATE_LEASE):
 * how much of the price case is the limiter's Redis round trips.
 *
 * A/B mode: with BENCH_EDGE_BASE=<build dir> set, the second api-edge is
 * that build's bin/api-edge with the same settings as the first (no lease
 * change), and only the two price pairs run: (nginx, api-edge) and (nginx,
 * base api-edge), alternating, so a change is judged against the binary it
 * replaces in one run on one stack. */

#define S_ROUNDS_MAX 15
#define S_PRICE_PATH "/api/market/price?symbol=BTC"
#define S_SENT_PATH "/api/sentiment/analyze"
#define S_SENT_TEXT                                                                                \
    "Bitcoin breaks out to a new high as buyers pile in, and analysts expect the rally to "        \
    "continue this week"

typedef struct {
    double rps;
    double p50_us;
    double p99_us;
    long non2xx;
    long errors;
    long requests;
} s_wrk_t;

/* In pairs (nginx, api-edge), each pair run back to back. */
enum {
    S_NGINX_PRICE,
    S_EDGE_PRICE,
    S_NGINX_PRICE_P,
    S_EDGE_PRICE_P,
    S_NGINX_SENT,
    S_EDGE_SENT,
    S_NGINX_PRICE_L,
    S_EDGE_PRICE_L,
    S_CASES
};

static const char *s_case_name[S_CASES] = {
    "nginx, static file of the same JSON",
    "api-edge, GET /api/market/price?symbol=BTC",
    "nginx, static file (sim + feed paused)",
    "api-edge, price (sim + feed paused)",
    "nginx, POST answered with the same JSON (return 200)",
    "api-edge, POST /api/sentiment/analyze via bus",
    "nginx, static file (again, for the next row)",
    "api-edge, price, COINBUS_EDGE_RATE_LEASE=10000",
};

static const char *s_case_name_ab[S_CASES] = {
    [S_NGINX_PRICE_L] = "nginx, static file (again, for the base row)",
    [S_EDGE_PRICE_L] = "api-edge BASE build, GET /api/market/price?symbol=BTC",
};

static s_wrk_t s_res[S_CASES][S_ROUNDS_MAX];
static char s_dir[256];

/* A wrk latency figure ("277.00us", "1.23ms", "1.01s") in microseconds. */
static double
s_wrk_us(const char *text)
{
    char *end;
    double v = strtod(text, &end);
    if (strncmp(end, "us", 2) == 0) {
        return v;
    }
    if (strncmp(end, "ms", 2) == 0) {
        return v * 1e3;
    }
    if (*end == 's') {
        return v * 1e6;
    }
    return v * 60e6; /* "m" */
}

/* Parses wrk's --latency report. 0, or -1 when it has no Requests/sec. */
static int
s_wrk_parse(const char *path, s_wrk_t *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    char line[512];
    bool have = false;
    while (fgets(line, sizeof line, f) != NULL) {
        char v[64];
        long a, b, c, d;
        if (sscanf(line, " 50%% %63s", v) == 1) {
            out->p50_us = s_wrk_us(v);
        } else if (sscanf(line, " 99%% %63s", v) == 1) {
            out->p99_us = s_wrk_us(v);
        } else if (sscanf(line, "Requests/sec: %lf", &out->rps) == 1) {
            have = true;
        } else if (sscanf(line, " Non-2xx or 3xx responses: %ld", &a) == 1) {
            out->non2xx = a;
        } else if (sscanf(line, " Socket errors: connect %ld, read %ld, write %ld, timeout %ld", &a,
                          &b, &c, &d) == 4) {
            out->errors = a + b + c + d;
        } else if (sscanf(line, " %ld requests in", &a) == 1) {
            out->requests = a;
        }
    }
    fclose(f);
    return have ? 0 : -1;
}

/* wrk -t1 -cN -dS --latency [-s script] url; 0 or -1 (logged). */
static int
s_wrk(int port, const char *path, const char *script, int secs, int conns, s_wrk_t *out)
{
    char url[256], c[16], d[16], logp[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    snprintf(c, sizeof c, "-c%d", conns);
    snprintf(d, sizeof d, "-d%ds", secs);
    char *argv[] = {"wrk", "-t1", c, d, "--latency", url, NULL, NULL, NULL};
    if (script != NULL) {
        argv[6] = "-s";
        argv[7] = (char *) script;
    }
    cbh_proc_t *p = cbh_proc_start("wrk", argv, NULL);
    if (p == NULL) {
        fprintf(stderr, "bench_edge: cannot start wrk (make bench installs it)\n");
        return -1;
    }
    snprintf(logp, sizeof logp, "%s", cbh_proc_log_path(p));
    int rc = cbh_proc_wait(&p, (secs + 15) * 1000);
    if (rc != 0 || s_wrk_parse(logp, out) != 0) {
        fprintf(stderr, "bench_edge: wrk exited %d without a report (log: %s)\n", rc, logp);
        return -1;
    }
    return 0;
}

static int
s_write(const char *name, const char *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL || fwrite(data, 1, len, f) != len) {
        fprintf(stderr, "bench_edge: cannot write %s: %s\n", path, strerror(errno));
        if (f != NULL) {
            fclose(f);
        }
        return -1;
    }
    fclose(f);
    chmod(path, 0644);
    return 0;
}

/* nginx on port with a generated config in s_dir: 1 worker (api-edge runs
 * one thread), no access log, keep-alive without a request limit. price is
 * served as a static file at the price URL's path, sent (no single quote, no
 * '$', no backslash) by `return 200` for the sentiment URL. */
static cbh_proc_t *
s_nginx_start(int port, const cb_buf_t *price, const cb_buf_t *sent)
{
    char path[512], conf[4096];
    for (size_t i = 0; i < sent->len; i++) {
        if (sent->data[i] == '\'' || sent->data[i] == '$' || sent->data[i] == '\\') {
            fprintf(stderr, "bench_edge: the sentiment answer needs escaping for nginx\n");
            return NULL;
        }
    }
    const char *dirs[] = {"www", "www/api", "www/api/market", "tmp"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(path, sizeof path, "%s/%s", s_dir, dirs[i]);
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "bench_edge: mkdir(%s) failed: %s\n", path, strerror(errno));
            return NULL;
        }
    }
    if (s_write("www/api/market/price", price->data, price->len) != 0) {
        return NULL;
    }
    int n = snprintf(conf, sizeof conf,
                     "daemon off;\nmaster_process on;\nworker_processes 1;\n"
                     "error_log %s/error.log warn;\npid %s/nginx.pid;\n"
                     "events { worker_connections 4096; }\n"
                     "http {\n  access_log off;\n  default_type application/json;\n"
                     "  keepalive_timeout 65;\n  keepalive_requests 100000000;\n"
                     "  client_body_temp_path %s/tmp/body;\n  proxy_temp_path %s/tmp/proxy;\n"
                     "  fastcgi_temp_path %s/tmp/fastcgi;\n  uwsgi_temp_path %s/tmp/uwsgi;\n"
                     "  scgi_temp_path %s/tmp/scgi;\n"
                     "  server {\n    listen 127.0.0.1:%d;\n    root %s/www;\n"
                     "    location = /api/sentiment/analyze { return 200 '%.*s'; }\n  }\n}\n",
                     s_dir, s_dir, s_dir, s_dir, s_dir, s_dir, s_dir, port, s_dir, (int) sent->len,
                     sent->data);
    if (n <= 0 || (size_t) n >= sizeof conf || s_write("nginx.conf", conf, (size_t) n) != 0) {
        return NULL;
    }
    snprintf(path, sizeof path, "%s/nginx.conf", s_dir);
    char *argv[] = {"/usr/sbin/nginx", "-p", s_dir, "-c", path, NULL};
    cbh_proc_t *p = cbh_proc_start("nginx", argv, NULL);
    if (p == NULL || cbh_wait_port(port, 5000) != 0) {
        fprintf(stderr, "bench_edge: nginx did not listen on %d (log: %s, %s/error.log)\n", port,
                cbh_proc_log_path(p), s_dir);
        cbh_proc_stop(&p, SIGKILL, 1000);
        return NULL;
    }
    return p;
}

/* A counter's value from api-edge's /metrics, or -1 when not there. */
static double
s_metric(int port, const char *name)
{
    cbh_http_res_t res = {0};
    double v = -1;
    if (cbh_http(port, "GET", "/metrics", NULL, NULL, 0, &res) == 200 && res.body.data != NULL) {
        char key[128];
        snprintf(key, sizeof key, "\n%s ", name);
        const char *at = strstr(res.body.data, key);
        if (at != NULL) {
            v = strtod(at + strlen(key), NULL);
        }
    }
    cbh_http_res_fini(&res);
    return v;
}

/* How often api-edge's requests waited for the limiter's Redis. */
static void
s_print_waits(const char *what, int port, int c_from, int c_to, int rounds)
{
    long requests = 0;
    for (int c = c_from; c <= c_to; c++) {
        for (int r = 0; r < rounds && c % 2 == 1; r++) { /* api-edge's cases are the odd ones */
            requests += s_res[c][r].requests;
        }
    }
    printf("%s limiter: %.0f requests waited for Redis (-1: not counted), %.0f round trips, "
           "%ld requests in its cases\n",
           what, s_metric(port, "coinbus_edge_limit_waits_total"),
           s_metric(port, "coinbus_edge_limit_redis_calls_total"), requests);
}

static int
s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double
s_median(double *v, int n)
{
    qsort(v, (size_t) n, sizeof *v, s_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The median round of case c (by req/s). */
static const s_wrk_t *
s_median_round(int c, int rounds)
{
    double v[S_ROUNDS_MAX];
    for (int r = 0; r < rounds; r++) {
        v[r] = s_res[c][r].rps;
    }
    double m = s_median(v, rounds);
    const s_wrk_t *best = &s_res[c][0];
    for (int r = 0; r < rounds; r++) {
        if (s_res[c][r].rps - m < 1e-9 && m - s_res[c][r].rps < 1e-9) {
            best = &s_res[c][r];
        }
    }
    return best;
}

/* Median over rounds of case a's req/s over case b's, and its range. */
static void
s_ratio(int a, int b, int rounds, double *med, double *lo, double *hi)
{
    double v[S_ROUNDS_MAX];
    for (int r = 0; r < rounds; r++) {
        v[r] = s_res[a][r].rps / s_res[b][r].rps;
    }
    *med = s_median(v, rounds);
    *lo = v[0];
    *hi = v[rounds - 1];
}

static void
s_signal(cbh_proc_t *p, int sig)
{
    if (p != NULL && cbh_proc_pid(p) > 0) {
        kill(cbh_proc_pid(p), sig);
    }
}

static double
s_load1(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f != NULL) {
        if (fscanf(f, "%lf", &l) != 1) {
            l = -1;
        }
        fclose(f);
    }
    return l;
}

int
main(int argc, char **argv)
{
    int secs = argc > 1 ? atoi(argv[1]) : 5;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    int conns = argc > 3 ? atoi(argv[3]) : 64;
    if (secs < 1 || rounds < 1 || rounds > S_ROUNDS_MAX || conns < 1) {
        fprintf(stderr, "usage: bench_edge [seconds 1..] [rounds 1..%d] [connections]\n",
                S_ROUNDS_MAX);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    snprintf(s_dir, sizeof s_dir, "/tmp/bench_edge.XXXXXX");
    if (mkdtemp(s_dir) == NULL || chmod(s_dir, 0755) != 0) {
        fprintf(stderr, "bench_edge: mkdtemp failed: %s\n", strerror(errno));
        return 1;
    }
    int rc = 1;
    cbh_edge_stack_t stack;
    cbh_proc_t *edge = NULL, *edge_l = NULL, *nginx = NULL;
    cbh_http_res_t price = {0}, sent = {0};
    if (cbh_edge_stack_start(&stack) != 0) {
        goto done;
    }
    char *env[] = {"COINBUS_EDGE_RATE_LIMIT=1000000000", "COINBUS_EDGE_PRICE_FRESH_MS=600000",
                   "COINBUS_HTTP_KEEPALIVE_TIMEOUT_MS=600000", NULL};
    char *env_l[] = {"COINBUS_EDGE_RATE_LIMIT=1000000000", "COINBUS_EDGE_PRICE_FRESH_MS=600000",
                     "COINBUS_HTTP_KEEPALIVE_TIMEOUT_MS=600000", "COINBUS_EDGE_RATE_LEASE=10000",
                     NULL};
    int port = 0, port_l = 0, nport = cbh_free_port();
    const char *base = getenv("BENCH_EDGE_BASE");
    if (base != NULL && base[0] != '\0') {
        s_case_name[S_NGINX_PRICE_L] = s_case_name_ab[S_NGINX_PRICE_L];
        s_case_name[S_EDGE_PRICE_L] = s_case_name_ab[S_EDGE_PRICE_L];
    } else {
        base = NULL;
    }
    edge = cbh_edge_start(&stack, &port, env);
    if (edge != NULL && base != NULL) {
        /* cbh_bin_dir reads BUILD at each start: the base binary, then back. */
        const char *own = getenv("BUILD");
        char keep[512];
        snprintf(keep, sizeof keep, "%s", own != NULL ? own : "");
        setenv("BUILD", base, 1);
        edge_l = cbh_edge_start(&stack, &port_l, env);
        setenv("BUILD", keep, 1);
    } else if (edge != NULL) {
        edge_l = cbh_edge_start(&stack, &port_l, env_l);
    }
    if (edge_l == NULL) {
        goto done;
    }
    /* Until the feed's first BTC tick is in both api-edges' caches. */
    int64_t end = cb_time_mono_ns() + 30000000000LL;
    while ((cbh_http(port_l, "GET", S_PRICE_PATH, NULL, NULL, 0, &price) != 200 ||
            cbh_http(port, "GET", S_PRICE_PATH, NULL, NULL, 0, &price) != 200) &&
           cb_time_mono_ns() < end) {
        cb_time_sleep_ms(100, NULL);
    }
    const char *ctype[] = {"Content-Type: application/json", NULL};
    const char body[] = "{\"text\":\"" S_SENT_TEXT "\"}";
    if (price.status != 200 ||
        cbh_http(port, "POST", S_SENT_PATH, ctype, body, sizeof body - 1, &sent) != 200) {
        fprintf(stderr, "bench_edge: no price (%ld) or sentiment answer (%ld) from api-edge\n",
                price.status, sent.status);
        goto done;
    }
    char script[4096];
    int n = snprintf(script, sizeof script,
                     "wrk.method = \"POST\"\nwrk.body = '%s'\n"
                     "wrk.headers[\"Content-Type\"] = \"application/json\"\n",
                     body);
    if (s_write("post.lua", script, (size_t) n) != 0 ||
        (nginx = s_nginx_start(nport, &price.body, &sent.body)) == NULL) {
        goto done;
    }
    snprintf(script, sizeof script, "%s/post.lua", s_dir);
    printf(
        "bench_edge: %d rounds x %d s per case, wrk -t1 -c%d, %ld cores, load %.2f, price %zu B, "
        "sentiment answer %zu B\n",
        rounds, secs, conns, sysconf(_SC_NPROCESSORS_ONLN), s_load1(), price.body.len,
        sent.body.len);
    for (int r = 0; r < rounds; r++) {
        bool swap = r % 2 == 1;
        for (int pair = 0; pair < S_CASES / 2; pair++) {
            int ca = pair * 2 + (swap ? 1 : 0), cb = pair * 2 + (swap ? 0 : 1);
            const int order[2] = {ca, cb};
            if (base != NULL && (pair == 1 || pair == 2)) {
                continue;
            }
            if (pair == 1) {
                s_signal(stack.feed, SIGSTOP);
                s_signal(stack.sim, SIGSTOP);
            }
            for (int k = 0; k < 2; k++) {
                int c = order[k];
                bool is_edge = c % 2 == 1;
                bool is_sent = c == S_NGINX_SENT || c == S_EDGE_SENT;
                int to = !is_edge ? nport : c == S_EDGE_PRICE_L ? port_l : port;
                if (s_wrk(to, is_sent ? S_SENT_PATH : S_PRICE_PATH, is_sent ? script : NULL, secs,
                          conns, &s_res[c][r]) != 0) {
                    s_signal(stack.sim, SIGCONT);
                    s_signal(stack.feed, SIGCONT);
                    goto done;
                }
                const s_wrk_t *w = &s_res[c][r];
                printf("  round %d %-54s %9.0f req/s p50 %7.0f us p99 %7.0f us non-2xx %ld "
                       "errors %ld (load %.2f)\n",
                       r + 1, s_case_name[c], w->rps, w->p50_us, w->p99_us, w->non2xx, w->errors,
                       s_load1());
            }
            if (pair == 1) {
                s_signal(stack.sim, SIGCONT);
                s_signal(stack.feed, SIGCONT);
                /* Let the feed catch up before the next measurement. */
                cb_time_sleep_ms(1000, NULL);
            }
        }
    }
    printf("\n| %d connections, wrk -t1, %d s x %d rounds | req/s (median round) | p50 us | p99 us "
           "| non-2xx |\n|---|---:|---:|---:|---:|\n",
           conns, secs, rounds);
    for (int c = 0; c < S_CASES; c++) {
        const s_wrk_t *w = s_median_round(c, rounds);
        if (base != NULL && w->rps == 0) {
            continue; /* not run in A/B mode */
        }
        printf("| %s | %.0f | %.0f | %.0f | %ld |\n", s_case_name[c], w->rps, w->p50_us, w->p99_us,
               w->non2xx);
    }
    double med, lo, hi;
    printf("\n");
    s_ratio(S_EDGE_PRICE, S_NGINX_PRICE, rounds, &med, &lo, &hi);
    const s_wrk_t *ep = s_median_round(S_EDGE_PRICE, rounds);
    printf("price, api-edge / nginx: %.2fx (per round %.2fx to %.2fx); target >= 0.6x: %s; "
           "p99 %.0f us, target <= 2000 us: %s\n",
           med, lo, hi, med >= 0.6 ? "met" : "NOT met", ep->p99_us,
           ep->p99_us <= 2000 ? "met" : "NOT met");
    if (base != NULL) {
        s_ratio(S_EDGE_PRICE_L, S_NGINX_PRICE_L, rounds, &med, &lo, &hi);
        ep = s_median_round(S_EDGE_PRICE_L, rounds);
        printf("price, BASE api-edge (%s) / nginx: %.2fx (per round %.2fx to %.2fx); p99 %.0f us\n",
               base, med, lo, hi, ep->p99_us);
        s_ratio(S_EDGE_PRICE, S_EDGE_PRICE_L, rounds, &med, &lo, &hi);
        printf("price, api-edge / BASE api-edge: %.2fx (per round %.2fx to %.2fx)\n", med, lo, hi);
        s_print_waits("api-edge", port, S_EDGE_PRICE, S_EDGE_PRICE, rounds);
        s_print_waits("BASE api-edge", port_l, S_EDGE_PRICE_L, S_EDGE_PRICE_L, rounds);
        goto summary;
    }
    s_ratio(S_EDGE_PRICE_P, S_NGINX_PRICE_P, rounds, &med, &lo, &hi);
    ep = s_median_round(S_EDGE_PRICE_P, rounds);
    printf("price (sim + feed paused), api-edge / nginx: %.2fx (per round %.2fx to %.2fx); "
           "p99 %.0f us\n",
           med, lo, hi, ep->p99_us);
    s_ratio(S_EDGE_SENT, S_NGINX_SENT, rounds, &med, &lo, &hi);
    printf("sentiment POST, api-edge -> bus -> sentiment / nginx answering the same bytes: %.2fx "
           "(per round %.2fx to %.2fx)\n",
           med, lo, hi);
    s_ratio(S_EDGE_PRICE_L, S_NGINX_PRICE_L, rounds, &med, &lo, &hi);
    ep = s_median_round(S_EDGE_PRICE_L, rounds);
    printf("price with leases of 10000, api-edge / nginx: %.2fx (per round %.2fx to %.2fx); "
           "p99 %.0f us\n",
           med, lo, hi, ep->p99_us);
    s_print_waits("api-edge", port, S_EDGE_PRICE, S_EDGE_SENT, rounds);
    s_print_waits("api-edge (leases of 10000)", port_l, S_EDGE_PRICE_L, S_EDGE_PRICE_L, rounds);
summary:;
    long bad = 0;
    for (int c = 0; c < S_CASES; c++) {
        for (int r = 0; r < rounds; r++) {
            bad += s_res[c][r].non2xx + s_res[c][r].errors;
        }
    }
    if (bad != 0) {
        printf("WARNING: %ld non-2xx answers or socket errors in all (see the rounds)\n", bad);
    }
    rc = 0;
done:
    cbh_proc_stop(&nginx, SIGTERM, 5000); /* fast shutdown: the master stops its worker */
    if (edge_l != NULL && cbh_proc_stop(&edge_l, SIGTERM, 5000) != 0) {
        fprintf(stderr, "bench_edge: the second api-edge did not exit 0 on SIGTERM\n");
        rc = 1;
    }
    if (edge != NULL && cbh_proc_stop(&edge, SIGTERM, 5000) != 0) {
        fprintf(stderr, "bench_edge: api-edge did not exit 0 on SIGTERM\n");
        rc = 1;
    }
    cbh_edge_stack_stop(&stack);
    cbh_http_res_fini(&price);
    cbh_http_res_fini(&sent);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "bench_edge: could not remove %s\n", s_dir);
    }
    return rc;
}
