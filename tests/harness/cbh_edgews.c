/* cbh_edgews.c - test harness: api-edge's WebSocket hub on a real bus, a real cache and a real cb_httpd, served by a thread */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_httpd.h"
#include "cb_pub.h"
#include "cb_time.h"
#include "cbh_edgews.h"
#include "cbh_ws.h"

/* A job handed to the server thread: taken from s_job by the thread, done
 * set once it has run. */
typedef struct {
    void (*fn)(void *);
    void *arg;
    atomic_int done;
} s_job_t;

static cbh_bus_t s_bus;
static cb_httpd_t *s_httpd;
static edge_cache_t *s_cache;
static edge_ws_t *s_ws;
static cb_httpd_watch_t *s_watch;
static cb_pub_t *s_pub;
static pthread_t s_thread;
static atomic_int s_stop;
static _Atomic(s_job_t *) s_job;

/* Requests that are no upgrade to /ws. */
static void
s_handle(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    (void) ctx;
    (void) req;
    res->status = 404;
    cb_buf_append_str(&res->body, "{\"error\":\"not_found\"}");
}

/* Bus messages taken per call: a loop turn queues at most this many
 * updates of one stream to a client, well below the hub's hard queue limit
 * (what api-edge's main must keep too). */
#define S_BUS_BATCH 32

static void
s_on_cache(void *ctx)
{
    (void) ctx;
    edge_cache_process(s_cache, S_BUS_BATCH);
}

static void *
s_serve(void *arg)
{
    (void) arg;
    while (!atomic_load(&s_stop)) {
        cb_httpd_run_once(s_httpd, 5);
        /* ZMQ_FD only signals a change: drain what came without one. */
        edge_cache_process(s_cache, S_BUS_BATCH);
        s_job_t *job = atomic_exchange(&s_job, NULL);
        if (job != NULL) {
            job->fn(job->arg);
            atomic_store(&job->done, 1);
        }
    }
    edge_ws_destroy(&s_ws);
    return NULL;
}

void
cbh_edgews_call(void (*fn)(void *), void *arg)
{
    s_job_t job = {.fn = fn, .arg = arg};
    atomic_store(&s_job, &job);
    int64_t deadline = cb_time_mono_ns() + 5000000000LL;
    while (!atomic_load(&job.done)) {
        if (cb_time_mono_ns() > deadline) {
            s_job_t *mine = &job;
            if (atomic_compare_exchange_strong(&s_job, &mine, NULL)) {
                fail_msg("the api-edge server thread did not run a job within 5 s");
            }
            /* Taken: it is running now and must finish before job goes. */
        }
        cb_time_sleep_ms(1, NULL);
    }
}

int
cbh_edgews_start(const edge_ws_config_t *cfg)
{
    signal(SIGPIPE, SIG_IGN);
    if (cbh_bus_start(&s_bus) != 0) {
        return -1;
    }
    char err[256] = "";
    cb_httpd_config_t hc = cb_httpd_config_default();
    hc.port = 0;
    s_httpd = cb_httpd_new(&hc, s_handle, NULL, err, sizeof err);
    s_cache = edge_cache_new(s_bus.config.sub);
    s_pub = cb_pub_new(s_bus.config.pub);
    s_ws = s_httpd != NULL && s_cache != NULL ? edge_ws_new(s_httpd, s_cache, cfg) : NULL;
    s_watch =
        s_ws != NULL ? cb_httpd_watch_new(s_httpd, edge_cache_fd(s_cache), s_on_cache, NULL) : NULL;
    if (s_pub == NULL || s_watch == NULL) {
        fprintf(stderr, "cbh_edgews_start: setup failed: %s\n", err);
        return -1;
    }
    cb_httpd_set_upgrade(s_httpd, edge_ws_upgrade, s_ws);
    edge_cache_set_listener(s_cache, edge_ws_on_bus, s_ws);
    atomic_store(&s_stop, 0);
    return pthread_create(&s_thread, NULL, s_serve, NULL) == 0 ? 0 : -1;
}

void
cbh_edgews_stop(void)
{
    atomic_store(&s_stop, 1);
    pthread_join(s_thread, NULL);
    /* Connections freed while a write was under way finish on later turns. */
    for (int i = 0; i < 20; i++) {
        cb_httpd_run_once(s_httpd, 5);
    }
    cb_httpd_watch_destroy(&s_watch);
    cb_pub_destroy(&s_pub);
    edge_cache_destroy(&s_cache);
    cb_httpd_destroy(&s_httpd);
    cbh_bus_stop(&s_bus);
}

static void
s_destroy_job(void *arg)
{
    (void) arg;
    edge_cache_set_listener(s_cache, NULL, NULL);
    cb_httpd_set_upgrade(s_httpd, NULL, NULL);
    edge_ws_destroy(&s_ws);
}

void
cbh_edgews_destroy_hub(void)
{
    cbh_edgews_call(s_destroy_job, NULL);
}

int
cbh_edgews_teardown(void **state)
{
    (void) state;
    cbh_edgews_stop();
    return 0;
}

edge_cache_t *
cbh_edgews_cache(void)
{
    return s_cache;
}

int
cbh_edgews_port(void)
{
    return cb_httpd_port(s_httpd);
}

typedef struct {
    edge_ws_stats_t ws;
    edge_cache_stats_t cache;
} s_stats_t;

static void
s_stats_job(void *arg)
{
    s_stats_t *st = arg;
    st->ws = edge_ws_stats(s_ws);
    st->cache = edge_cache_stats(s_cache);
}

edge_ws_stats_t
cbh_edgews_stats(void)
{
    s_stats_t st;
    cbh_edgews_call(s_stats_job, &st);
    return st.ws;
}

edge_cache_stats_t
cbh_edgews_cache_stats(void)
{
    s_stats_t st;
    cbh_edgews_call(s_stats_job, &st);
    return st.cache;
}

cb_decimal_t
cbh_edgews_dec(const char *text)
{
    cb_decimal_t d;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &d), 0);
    return d;
}

void
cbh_edgews_make_tick(cb_event_t *ev, const char *symbol, const char *venue, const char *bid,
                     const char *ask, const char *last, const char *bid_qty)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = CB_KIND_tick;
    cb_tick_t *t = &ev->body.tick;
    CB_PROTO_SET(t, tick, symbol, cb_str_from(symbol));
    CB_PROTO_SET(t, tick, venue, cb_str_from(venue));
    CB_PROTO_SET(t, tick, bid, cbh_edgews_dec(bid));
    CB_PROTO_SET(t, tick, ask, cbh_edgews_dec(ask));
    if (last != NULL) {
        CB_PROTO_SET(t, tick, last, cbh_edgews_dec(last));
    }
    if (bid_qty != NULL) {
        CB_PROTO_SET(t, tick, bid_qty, cbh_edgews_dec(bid_qty));
    }
}

void
cbh_edgews_publish(cb_event_t *ev)
{
    cb_proto_err_t err;
    if (cb_pub_send(s_pub, ev, &err) != 0) {
        fail_msg("cb_pub_send: %s", err.message);
    }
}

void
cbh_edgews_warm(const char *symbol, const char *venue)
{
    uint64_t before = cbh_edgews_cache_stats().received;
    int64_t deadline = cb_time_mono_ns() + 5000000000LL;
    while (cb_time_mono_ns() < deadline) {
        cb_event_t ev;
        cbh_edgews_make_tick(&ev, symbol, venue, "1", "2", NULL, NULL);
        cbh_edgews_publish(&ev);
        cb_time_sleep_ms(20, NULL);
        if (cbh_edgews_cache_stats().received > before) {
            return;
        }
    }
    fail_msg("the cache took no tick of %s on %s within 5 s", symbol, venue);
}

/* ---- clients and publishing for the tests ---------------------------------------- */

cbh_ws_t *
cbh_edgews_open(void)
{
    int status;
    cbh_ws_t *ws = cbh_ws_connect(cbh_edgews_port(), "/ws", &status);
    if (ws == NULL) {
        fail_msg("connect /ws: status %d", status);
    }
    char *m = cbh_ws_wait_for(ws, "\"type\":\"connected\"", 2000);
    assert_non_null(m);
    assert_non_null(strstr(m, "\"server_time\":\"20"));
    assert_non_null(strstr(m, "\"channels\":[\"ticker\",\"book\",\"trades\",\"candles\",\"orders\"]"));
    free(m);
    return ws;
}

char *
cbh_edgews_expect(cbh_ws_t *ws, const char *needle, ...)
{
    char *m = cbh_ws_wait_for(ws, needle, 2000);
    if (m == NULL) {
        fail_msg("no message with %s within 2 s", needle);
    }
    va_list ap;
    va_start(ap, needle);
    for (const char *also = va_arg(ap, const char *); also != NULL;
         also = va_arg(ap, const char *)) {
        if (strstr(m, also) == NULL) {
            fail_msg("message %s lacks %s", m, also);
        }
    }
    va_end(ap);
    return m;
}

void
cbh_edgews_send_expect(cbh_ws_t *ws, const char *text, const char *needle, const char *also)
{
    assert_int_equal(cbh_ws_send(ws, text), 0);
    free(cbh_edgews_expect(ws, needle, also, NULL));
}

int
cbh_edgews_closed(cbh_ws_t *ws, int timeout_ms)
{
    int64_t deadline = cb_time_mono_ns() + (int64_t) timeout_ms * 1000000;
    while (!cbh_ws_ended(ws) && cb_time_mono_ns() < deadline) {
        free(cbh_ws_recv(ws, 50, NULL));
    }
    return cbh_ws_close_code(ws);
}

const char *
cbh_edgews_seq(uint64_t seq, char *buf, size_t size)
{
    snprintf(buf, size, "\"seq\":%llu", (unsigned long long) seq);
    return buf;
}

void
cbh_edgews_tick(const char *symbol, const char *venue, const char *bid, const char *ask,
                const char *last, uint64_t *seq)
{
    cb_event_t ev;
    cbh_edgews_make_tick(&ev, symbol, venue, bid, ask, last, NULL);
    cbh_edgews_publish(&ev);
    *seq = ev.env.seq;
}

void
cbh_edgews_book(bool snapshot, bool resyncing, cb_levels_t bids, cb_levels_t asks, uint64_t *seq)
{
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CB_KIND_book;
    cb_book_t *b = &ev.body.book;
    CB_PROTO_SET(b, book, symbol, cb_str_from("BTC-USD"));
    CB_PROTO_SET(b, book, venue, cb_str_from("sim-kraken"));
    CB_PROTO_SET(b, book, snapshot, snapshot);
    CB_PROTO_SET(b, book, bids, bids);
    CB_PROTO_SET(b, book, asks, asks);
    if (resyncing) {
        CB_PROTO_SET(b, book, resyncing, true);
    }
    cbh_edgews_publish(&ev);
    *seq = ev.env.seq;
}

void
cbh_edgews_book_n(bool snapshot, bool resyncing, size_t n, uint64_t *seq)
{
    cb_level_t *bids = calloc(n + 1, sizeof *bids);
    cb_level_t *asks = calloc(n + 1, sizeof *asks);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(cb_decimal_from_parts(9999 - (int64_t) i, 2, &bids[i].price), 0);
        assert_int_equal(cb_decimal_from_parts(10001 + (int64_t) i, 2, &asks[i].price), 0);
        bids[i].qty = cbh_edgews_dec("1.25");
        asks[i].qty = cbh_edgews_dec("2");
    }
    cbh_edgews_book(snapshot, resyncing, (cb_levels_t){bids, (uint32_t) n},
                    (cb_levels_t){asks, (uint32_t) n}, seq);
    free(bids);
    free(asks);
}
