/* cbh_simws.c - a venue-sim with WebSocket streams serving on a free loopback port in a thread, for the stream tests */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "cb_time.h"
#include "cbh_simws.h"
#include "sim_router.h"

/* ---- the server, in a thread of its own -------------------------------------- */

static sim_t s_sim;
static cb_httpd_t *s_http;
static int s_port;
static pthread_t s_thread;
static volatile int s_stop;

/* How long the test waits for the server thread to run a job or to stop:
 * a loop turn takes at most 10 ms, so a thread that misses this is stuck. */
#define S_THREAD_WAIT_MS 5000

/* Work the test hands to the server thread (the market and the streams are
 * single-threaded): one job at a time, run between loop turns. s_done is
 * set (under s_mu) when the thread leaves its loop. */
static pthread_mutex_t s_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_cv = PTHREAD_COND_INITIALIZER;
static void (*s_job)(void *);
static void *s_job_arg;
static bool s_done;

/* Waits on s_cv (s_mu held) until pred() or S_THREAD_WAIT_MS after start;
 * returns pred(). */
static bool
s_wait_until(bool (*pred)(void), const struct timespec *start)
{
    struct timespec deadline = *start;
    deadline.tv_sec += S_THREAD_WAIT_MS / 1000;
    deadline.tv_nsec += (long) (S_THREAD_WAIT_MS % 1000) * 1000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    int rc = 0;
    while (!pred() && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&s_cv, &s_mu, &deadline);
    }
    return pred();
}

static bool
s_job_taken(void)
{
    return s_job == NULL;
}

static bool
s_thread_done(void)
{
    return s_done;
}

static void *
s_serve(void *arg)
{
    (void) arg;
    int ws_wait = 10;
    while (!s_stop) {
        int64_t wait_ns = sim_market_step(s_sim.market, cb_time_now_ns());
        int wait = (int) (wait_ns / 1000000);
        wait = wait < ws_wait ? wait : ws_wait;
        cb_httpd_run_once(s_http, wait < 10 ? wait : 10);
        ws_wait = sim_ws_tick(s_sim.ws, cb_time_now_ns());
        pthread_mutex_lock(&s_mu);
        if (s_job != NULL) {
            s_job(s_job_arg);
            s_job = NULL;
            pthread_cond_broadcast(&s_cv);
        }
        pthread_mutex_unlock(&s_mu);
    }
    pthread_mutex_lock(&s_mu);
    s_done = true;
    pthread_cond_broadcast(&s_cv);
    pthread_mutex_unlock(&s_mu);
    return NULL;
}

void
cbh_simws_call(void (*fn)(void *), void *arg)
{
    struct timespec start;
    clock_gettime(CLOCK_REALTIME, &start);
    pthread_mutex_lock(&s_mu);
    s_job = fn;
    s_job_arg = arg;
    bool ran = s_wait_until(s_job_taken, &start);
    /* A job not run by now never runs: arg may not outlive this call. */
    s_job = NULL;
    pthread_mutex_unlock(&s_mu);
    if (!ran) {
        fail_msg("the venue-sim server thread did not run a job within %d ms: "
                 "it is stuck in a loop turn", S_THREAD_WAIT_MS);
    }
}

static void
s_fault_job(void *arg)
{
    cbh_simws_fault_t *f = arg;
    switch (f->op) {
    case CBH_SIMWS_GAP:
        f->rc = sim_ws_fault_gap(s_sim.ws, f->venue);
        break;
    case CBH_SIMWS_CORRUPT:
        f->rc = sim_ws_fault_corrupt_checksum(s_sim.ws, f->venue);
        break;
    case CBH_SIMWS_STALL:
        f->rc = sim_ws_fault_stall(s_sim.ws, f->venue, f->ms);
        break;
    case CBH_SIMWS_DROP:
        f->rc = sim_ws_fault_drop(s_sim.ws, f->venue);
        break;
    case CBH_SIMWS_PAUSE:
    case CBH_SIMWS_RESUME:
        sim_market_pause(s_sim.market, f->op == CBH_SIMWS_PAUSE);
        break;
    case CBH_SIMWS_RATE:
        sim_market_set_rate(s_sim.market, f->rate);
        break;
    default:
        break;
    }
    sim_ws_stats(s_sim.ws, f->venue, &f->stats);
}

cbh_simws_fault_t
cbh_simws_do(int op, sim_venue_t venue, int ms)
{
    cbh_simws_fault_t f = {.op = op, .venue = venue, .ms = ms, .rate = (uint32_t) ms};
    cbh_simws_call(s_fault_job, &f);
    return f;
}

int
cbh_simws_setup(void **state)
{
    (void) state;
    char err[256];
    sim_ws_config_t cfg;
    sim_ws_config_default(&cfg);
    cfg.binance_ping_ms = 300;
    cfg.binance_pong_timeout_ms = 1500;
    cfg.binance_max_in_per_sec = 20;
    cfg.max_queue_bytes = 1u << 20;
    s_sim.market = sim_market_new(42, 1000);
    s_sim.ws = s_sim.market != NULL ? sim_ws_new(s_sim.market, &cfg) : NULL;
    cb_httpd_config_t hc = cb_httpd_config_default();
    s_http = cb_httpd_new(&hc, sim_router_handle, &s_sim, err, sizeof err);
    if (s_sim.ws == NULL || s_http == NULL) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    cb_httpd_set_upgrade(s_http, sim_ws_upgrade, s_sim.ws);
    s_port = cb_httpd_port(s_http);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* As the service does (cb_signal): a write to a peer that has gone
     * fails with EPIPE instead of killing the process. */
    signal(SIGPIPE, SIG_IGN);
    s_stop = 0;
    s_done = false;
    return pthread_create(&s_thread, NULL, s_serve, NULL) == 0 ? 0 : -1;
}

/* Stops the server thread, waiting S_THREAD_WAIT_MS at most. A thread that
 * does not stop in time is stuck inside a loop turn: the failure is reported
 * and the venue is left as it is (the thread still uses it), rather than
 * waiting for the test's global timeout. */
int
cbh_simws_teardown(void **state)
{
    (void) state;
    struct timespec start;
    clock_gettime(CLOCK_REALTIME, &start);
    s_stop = 1;
    pthread_mutex_lock(&s_mu);
    bool done = s_wait_until(s_thread_done, &start);
    pthread_mutex_unlock(&s_mu);
    if (!done) {
        fprintf(stderr, "teardown: the venue-sim server thread did not stop within %d ms "
                        "(stuck in cb_httpd_run_once?); venue left running\n", S_THREAD_WAIT_MS);
        return -1;
    }
    pthread_join(s_thread, NULL);
    sim_ws_destroy(&s_sim.ws);
    cb_httpd_destroy(&s_http);
    sim_market_destroy(&s_sim.market);
    curl_global_cleanup();
    return 0;
}

/* ---- client helpers -------------------------------------------------------------- */

cbh_ws_t *
cbh_simws_open(const char *path)
{
    int status;
    cbh_ws_t *ws = cbh_ws_connect(s_port, path, &status);
    if (ws == NULL) {
        fail_msg("connect %s: status %d", path, status);
    }
    return ws;
}

/* The next message containing needle (others are dropped), or a failure. */
char *
cbh_simws_wait_for(cbh_ws_t *ws, const char *needle, int timeout_ms)
{
    int64_t deadline = cb_time_mono_ns() + (int64_t) timeout_ms * 1000000;
    while (cb_time_mono_ns() < deadline) {
        char *m = cbh_ws_recv(ws, 50, NULL);
        if (m != NULL && strstr(m, needle) != NULL) {
            return m;
        }
        free(m);
    }
    fail_msg("no message with %s within %d ms", needle, timeout_ms);
    return NULL;
}

void
cbh_simws_expect_msg(cbh_ws_t *ws, const char *needle, const char *also)
{
    char *m = cbh_simws_wait_for(ws, needle, 3000);
    if (also != NULL && strstr(m, also) == NULL) {
        fail_msg("message %s lacks %s", m, also);
    }
    free(m);
}

sim_t *
cbh_simws_sim(void)
{
    return &s_sim;
}

int
cbh_simws_port(void)
{
    return s_port;
}
