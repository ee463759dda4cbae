/* test_dashboard_browser.c - api-edge's dashboard and /docs in headless Chromium against the real stack */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb_buf.h"
#include "cb_time.h"
#include "cbh.h"
#include "cbh_bus.h"

/* The stack as `make run` starts it, every process on free loopback ports:
 * redis, bus, venue-sim, market-feed, sentiment, api-edge. Then
 * tests/browser/dashboard.js (playwright-core driving Debian's chromium)
 * checks the pages; its output is copied into this test's log. */

#define S_PLAYWRIGHT "tests/browser/node_modules/playwright-core/package.json"
#define S_CHROMIUM "/usr/bin/chromium"

static cbh_bus_t s_bus;
static cbh_redis_t s_redis;
static cbh_proc_t *s_procs[4]; /* venue-sim, market-feed, sentiment, api-edge */
static int s_http_port;
static char s_base[64];

static cbh_proc_t *
s_start(const char *name, char *const env[])
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s/%s", cbh_bin_dir(), name);
    char *argv[] = {bin, NULL};
    cbh_proc_t *p = cbh_proc_start(name, argv, env);
    if (p == NULL) {
        fprintf(stderr, "cannot start %s\n", bin);
    }
    return p;
}

static int
s_setup(void **state)
{
    (void) state;
    if (cbh_redis_start(&s_redis, NULL) != 0 || cbh_bus_start(&s_bus) != 0) {
        return -1;
    }
    cbh_bus_export(&s_bus);
    static char redis_env[160], sim_env[64], venues_env[300], http_env[64];
    int sim_port = cbh_free_port();
    s_http_port = cbh_free_port();
    snprintf(redis_env, sizeof redis_env, "COINBUS_REDIS_URL=%s", s_redis.url);
    snprintf(sim_env, sizeof sim_env, "COINBUS_SIM_PORT=%d", sim_port);
    snprintf(venues_env, sizeof venues_env,
             "COINBUS_VENUES=sim-kraken=kraken@http://127.0.0.1:%d/kraken,"
             "sim-binance=binance@http://127.0.0.1:%d/binance",
             sim_port, sim_port);
    snprintf(http_env, sizeof http_env, "COINBUS_HTTP_PORT=%d", s_http_port);
    snprintf(s_base, sizeof s_base, "http://127.0.0.1:%d", s_http_port);

    char *sim[] = {sim_env, "COINBUS_SIM_RATE=50", "COINBUS_SIM_SEED=7", NULL};
    s_procs[0] = s_start("venue-sim", sim);
    if (s_procs[0] == NULL || cbh_wait_port(sim_port, 5000) != 0) {
        return -1;
    }
    char *feed[] = {redis_env, venues_env, "COINBUS_SYMBOLS=BTC-USD,ETH-USD",
                    "COINBUS_QUOTE_EQUIVALENTS=USD=USDT", NULL};
    char *sentiment[] = {redis_env, "COINBUS_SENTIMENT_DATA=services/sentiment/data", NULL};
    /* Listings refreshed every second: the first answer may predate a venue's list.
     * The warm-up polls, the pages and the reply checks all come from 127.0.0.1:
     * a limit well above them keeps this test about the pages, not the limiter. */
    char *edge[] = {redis_env, http_env, "COINBUS_QUOTE_EQUIVALENTS=USD=USDT",
                    "COINBUS_EDGE_LISTINGS_REFRESH_MS=1000", "COINBUS_EDGE_RATE_LIMIT=1000", NULL};
    s_procs[1] = s_start("market-feed", feed);
    s_procs[2] = s_start("sentiment", sentiment);
    s_procs[3] = s_start("api-edge", edge);
    if (s_procs[1] == NULL || s_procs[2] == NULL || s_procs[3] == NULL) {
        return -1;
    }
    return cbh_wait_port(s_http_port, 10000);
}

static int
s_teardown(void **state)
{
    (void) state;
    for (int k = 3; k >= 0; k--) {
        cbh_proc_stop(&s_procs[k], SIGTERM, 5000);
    }
    cbh_bus_stop(&s_bus);
    cbh_redis_stop(&s_redis);
    return 0;
}

static size_t
s_sink(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    size_t n = size * nmemb;
    return cb_buf_append(userdata, ptr, n) == 0 ? n : 0;
}

/* GET base + path; the status (0 when no answer), the body into out. */
static long
s_get(const char *path, cb_buf_t *out)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", s_base, path);
    cb_buf_reset(out);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_easy_cleanup(c);
    return status;
}

/* Waits (one request a second, well under the rate limit) until the stack
 * has what the page shows at once: ticks of both venues, candles, symbols.
 * A page loaded earlier would log 404s, which the browser counts as
 * console errors. */
static void
s_wait_warm(void)
{
    const char *paths[] = {"/api/market/symbols", "/api/market/compare?symbol=BTC",
                           "/api/market/ohlc?symbol=BTC&timeframe=1m&limit=100"};
    /* Both venues listed and quoting, so that the page shows both at once. */
    const char *want[][2] = {{"\"sim-kraken\"", "\"sim-binance\""},
                             {"\"sim-kraken\"", "\"sim-binance\""},
                             {"\"t\":", "\"t\":"}};
    cb_buf_t body = {0};
    int64_t end = cb_time_now_ms() + 45000;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        long status = 0;
        bool ok = false;
        while (!ok && cb_time_now_ms() < end) {
            status = s_get(paths[i], &body);
            ok = status == 200 && cb_buf_append_char(&body, '\0') == 0 && strstr(body.data, want[i][0]) != NULL &&
                 strstr(body.data, want[i][1]) != NULL;
            if (!ok) {
                usleep(1000 * 1000);
            }
        }
        if (!ok) {
            fail_msg("GET %s not ready within 45 s (last status %ld); api-edge log: %s", paths[i], status,
                     cbh_proc_log_path(s_procs[3]));
        }
        printf("ready: GET %s -> %ld\n", paths[i], status);
    }
    cb_buf_fini(&body);
}

static void
s_cat(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return;
    }
    char line[1024];
    while (fgets(line, sizeof line, f) != NULL) {
        fputs(line, stdout);
    }
    fclose(f);
}

static void
test_dashboard_in_chromium(void **state)
{
    (void) state;
    struct stat st;
    if (stat(S_PLAYWRIGHT, &st) != 0) {
        fail_msg("%s missing: run `make tests` (npm ci --prefix tests/browser)", S_PLAYWRIGHT);
    }
    if (stat(S_CHROMIUM, &st) != 0) {
        fail_msg("%s missing: run `make deps` (Debian package chromium)", S_CHROMIUM);
    }
    s_wait_warm();

    char artefacts[512];
    const char *build = getenv("BUILD");
    snprintf(artefacts, sizeof artefacts, "%s/test-artefacts", build != NULL && build[0] != '\0' ? build : "build");
    char *argv[] = {"node", "tests/browser/dashboard.js", s_base, artefacts, NULL};
    cbh_proc_t *node = cbh_proc_start("browser", argv, NULL);
    assert_non_null(node);
    char log[512];
    snprintf(log, sizeof log, "%s", cbh_proc_log_path(node));
    int rc = cbh_proc_wait(&node, 150000);
    printf("---- %s\n", log);
    s_cat(log);
    printf("----\n");
    const char *shots[] = {"dashboard.png", "docs.png", "failure.png"};
    for (size_t i = 0; i < sizeof shots / sizeof shots[0]; i++) {
        char shot[600];
        snprintf(shot, sizeof shot, "%s/%s", artefacts, shots[i]);
        if (stat(shot, &st) == 0) {
            printf("screenshot: %s\n", shot);
        }
    }
    fflush(stdout);
    if (rc != 0) {
        fail_msg("tests/browser/dashboard.js exited %d (output above); api-edge log: %s", rc,
                 cbh_proc_log_path(s_procs[3]));
    }
}

int
main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dashboard_in_chromium),
    };
    int rc = cmocka_run_group_tests(tests, s_setup, s_teardown);
    curl_global_cleanup();
    return rc;
}
