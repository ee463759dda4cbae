/* test_edge_limit.c - api-edge's limit on a cb_httpd loop and redis-server: totals, outages */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "cb_httpd.h"
#include "cb_log.h"
#include "cb_time.h"
#include "cbh.h"
#include "edge_limit.h"

static cbh_redis_t s_server;
static cb_httpd_t *s_httpd;

static int64_t
s_ms(void)
{
    return cb_time_mono_ns() / 1000000;
}

/* One decision as the caller sees it: immediate or by callback. */
typedef struct {
    int calls; /* times the callback ran */
    cb_inbound_decision_t d;
    int64_t asked_ms;
    int64_t decided_ms;
} s_pending_t;

static void
s_done(void *ctx, const cb_inbound_decision_t *decision)
{
    s_pending_t *p = ctx;
    p->calls++;
    p->d = *decision;
    p->decided_ms = s_ms();
}

/* Asks; returns 1 when decided at once, else 0 (p->calls counts the callback). */
static int
s_ask(edge_limit_t *limit, const char *client, s_pending_t *p)
{
    memset(p, 0, sizeof *p);
    p->asked_ms = s_ms();
    int rc = edge_limit_check(limit, client, &p->d, s_done, p);
    assert_true(rc == 0 || rc == 1);
    if (rc == 1) {
        p->decided_ms = s_ms();
    }
    return rc;
}

/* Runs the loop until every one of n pending decisions is decided, or fails
 * after timeout_ms. */
static void
s_wait_all(s_pending_t *p, const int *immediate, size_t n, int timeout_ms)
{
    int64_t deadline = s_ms() + timeout_ms;
    for (;;) {
        size_t open = 0;
        for (size_t i = 0; i < n; i++) {
            open += !immediate[i] && p[i].calls == 0;
        }
        if (open == 0) {
            break;
        }
        assert_true(s_ms() < deadline);
        cb_httpd_run_once(s_httpd, 10);
    }
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(p[i].calls, immediate[i] ? 0 : 1);
    }
}

/* One decision, waited for. */
static cb_inbound_decision_t
s_decide(edge_limit_t *limit, const char *client)
{
    s_pending_t p;
    int immediate = s_ask(limit, client, &p);
    s_wait_all(&p, &immediate, 1, 3000);
    return p.d;
}

/* Runs the loop for ms. */
static void
s_spin(int ms)
{
    int64_t until = s_ms() + ms;
    while (s_ms() < until) {
        cb_httpd_run_once(s_httpd, 5);
    }
}

/* Decides for client until a decision is exact again (Redis back), within
 * timeout_ms. */
static cb_inbound_decision_t
s_decide_exact(edge_limit_t *limit, const char *client, int timeout_ms)
{
    int64_t deadline = s_ms() + timeout_ms;
    for (;;) {
        cb_inbound_decision_t d = s_decide(limit, client);
        if (!d.degraded) {
            return d;
        }
        assert_true(s_ms() < deadline);
        s_spin(100);
    }
}

/* Runs the loop until limit's Redis connection has answered. */
static void
s_wait_up(edge_limit_t *limit, int timeout_ms)
{
    int64_t deadline = s_ms() + timeout_ms;
    while (!edge_limit_redis_up(limit)) {
        assert_true(s_ms() < deadline);
        cb_httpd_run_once(s_httpd, 10);
    }
}

/* A limiter on s_httpd's loop whose Redis has answered. */
static edge_limit_t *
s_limit_new(const char *url, cb_inbound_config_t cfg)
{
    edge_limit_t *limit = edge_limit_new(s_httpd, url, cfg);
    assert_non_null(limit);
    s_wait_up(limit, 3000);
    return limit;
}

static void
s_handler(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    (void) ctx;
    (void) req;
    res->status = 404;
}

static int
s_setup(void **state)
{
    (void) state;
    if (cbh_redis_start(&s_server, NULL) != 0) {
        return -1;
    }
    cb_httpd_config_t cfg = cb_httpd_config_default();
    cfg.port = 0;
    char err[256];
    s_httpd = cb_httpd_new(&cfg, s_handler, NULL, err, sizeof err);
    if (s_httpd == NULL) {
        fprintf(stderr, "cb_httpd_new: %s\n", err);
        return -1;
    }
    return 0;
}

static int
s_teardown(void **state)
{
    (void) state;
    cb_httpd_destroy(&s_httpd);
    cbh_redis_stop(&s_server);
    return 0;
}

static void
test_hundred_then_refused(void **state)
{
    (void) state;
    edge_limit_t *limit = s_limit_new(s_server.url, cb_inbound_defaults());
    int64_t last_remaining = 1000;
    for (int i = 0; i < 100; i++) {
        cb_inbound_decision_t d = s_decide(limit, "ip:198.51.100.1");
        assert_true(d.allowed);
        assert_false(d.degraded);
        assert_int_equal(d.limit, 100);
        assert_true(d.remaining < last_remaining);
        assert_true(d.reset_ms > 0 && d.reset_ms <= 62000);
        last_remaining = d.remaining;
    }
    assert_int_equal(last_remaining, 0);
    cb_inbound_decision_t d = s_decide(limit, "ip:198.51.100.1");
    assert_false(d.allowed);
    assert_false(d.degraded);
    assert_int_equal(d.remaining, 0);
    assert_true(d.retry_after_ms > 0 && d.retry_after_ms <= 62000);
    assert_true(d.reset_ms > 0 && d.reset_ms <= 62000);
    /* Refused again at once from the local refusal, without Redis. */
    uint64_t calls = edge_limit_redis_calls(limit);
    s_pending_t p;
    assert_int_equal(s_ask(limit, "ip:198.51.100.1", &p), 1);
    assert_false(p.d.allowed);
    assert_int_equal(edge_limit_redis_calls(limit), calls);
    assert_int_equal(edge_limit_rejections(limit), 2);
    /* Another client is not affected. */
    d = s_decide(limit, "ip:198.51.100.2");
    assert_true(d.allowed);
    assert_int_equal(d.remaining, 99);
    /* Leases: far fewer round trips than decisions. */
    printf("edge_limit: 103 decisions, %" PRIu64 " Redis commands\n",
           edge_limit_redis_calls(limit));
    assert_true(edge_limit_redis_calls(limit) < 40);
    edge_limit_destroy(&limit);
    assert_null(limit);
    edge_limit_destroy(&limit);
}

static void
test_two_replicas_admit_the_limit_in_total(void **state)
{
    (void) state;
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cfg.expected_replicas = 2;
    cfg.lease_ms = 300;
    edge_limit_t *a = s_limit_new(s_server.url, cfg);
    edge_limit_t *b = s_limit_new(s_server.url, cfg);
    /* Bursts of 25 concurrent calls on each replica, 16 rounds: 800 calls. */
    enum { BURST = 25, ROUNDS = 16 };
    s_pending_t p[2 * BURST];
    int immediate[2 * BURST];
    int allowed = 0;
    int waited = 0;
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < BURST; i++) {
            immediate[2 * i] = s_ask(a, "key:shared", &p[2 * i]);
            immediate[2 * i + 1] = s_ask(b, "key:shared", &p[2 * i + 1]);
        }
        s_wait_all(p, immediate, 2 * BURST, 3000);
        for (int i = 0; i < 2 * BURST; i++) {
            assert_false(p[i].d.degraded);
            allowed += p[i].d.allowed;
            waited += !immediate[i];
        }
        if (round == ROUNDS / 2) {
            /* Let leases end and be returned, so both replicas lease again. */
            s_spin(700);
        }
    }
    printf("edge_limit: 2 replicas, %d calls, %d admitted, %d waited for Redis, %" PRIu64
           " Redis commands\n",
           2 * BURST * ROUNDS, allowed, waited,
           edge_limit_redis_calls(a) + edge_limit_redis_calls(b));
    assert_int_equal(allowed, 100);
    /* Same-client calls share one lease call: far fewer waits than calls. */
    assert_true(edge_limit_redis_calls(a) + edge_limit_redis_calls(b) < 2 * BURST * ROUNDS / 4);
    /* Other clients are unaffected, on both replicas. */
    assert_true(s_decide(a, "key:other").allowed);
    assert_true(s_decide(b, "key:other").allowed);
    edge_limit_destroy(&b);
    edge_limit_destroy(&a);
}

static void
test_callback_once_and_cancel(void **state)
{
    (void) state;
    edge_limit_t *limit = s_limit_new(s_server.url, cb_inbound_defaults());
    s_pending_t p[3];
    /* A fresh client needs a lease: all three wait for the one call. */
    assert_int_equal(s_ask(limit, "ip:203.0.113.50", &p[0]), 0);
    assert_int_equal(s_ask(limit, "ip:203.0.113.50", &p[1]), 0);
    assert_int_equal(s_ask(limit, "ip:203.0.113.50", &p[2]), 0);
    assert_int_equal(edge_limit_redis_calls(limit), 1);
    edge_limit_cancel(limit, s_done, &p[1]);
    edge_limit_cancel(limit, s_done, &p[1]); /* unknown by now: a no-op */
    int immediate[2] = {0, 0};
    s_pending_t both[2];
    s_wait_all(p, immediate, 1, 3000);
    s_spin(100);
    both[0] = p[0];
    both[1] = p[2];
    s_wait_all(both, immediate, 2, 10);
    assert_int_equal(p[1].calls, 0);
    assert_true(p[0].d.allowed && p[2].d.allowed);
    assert_int_equal(p[0].d.remaining, 99);
    assert_int_equal(p[2].d.remaining, 98);
    /* Destroy decides a waiting call (from the fallback), once. */
    assert_int_equal(s_ask(limit, "ip:203.0.113.51", &p[0]), 0);
    edge_limit_destroy(&limit);
    assert_int_equal(p[0].calls, 1);
}

/* A connection to s_server that keeps Redis busy for us_ in a script (the
 * effect of DEBUG SLEEP, which Redis 7 refuses by default), sent without
 * waiting for the reply. */
static redisContext *
s_busy_redis(int us)
{
    redisContext *c = redisConnect("127.0.0.1", s_server.port);
    assert_non_null(c);
    assert_int_equal(c->err, 0);
    char arg[24];
    snprintf(arg, sizeof arg, "%d", us);
    redisAppendCommand(c, "EVAL %s 0 %s",
                       "local t = redis.call('TIME') local s = t[1] * 1000000 + t[2] "
                       "repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - s >= "
                       "tonumber(ARGV[1]) return 1",
                       arg);
    int done = 0;
    while (!done) {
        assert_int_equal(redisBufferWrite(c, &done), REDIS_OK);
    }
    return c;
}

static void
s_busy_end(redisContext *c)
{
    void *reply = NULL;
    assert_int_equal(redisGetReply(c, &reply), REDIS_OK);
    freeReplyObject(reply);
    redisFree(c);
}

typedef struct {
    int64_t last_ms;
    int64_t worst_gap_ms;
    int fired;
} s_ticker_t;

static void
s_tick(void *ctx)
{
    s_ticker_t *t = ctx;
    int64_t now = s_ms();
    if (t->fired > 0 && now - t->last_ms > t->worst_gap_ms) {
        t->worst_gap_ms = now - t->last_ms;
    }
    t->last_ms = now;
    t->fired++;
}

/* Starts measuring again (after the test itself blocked the loop). */
static void
s_ticker_reset(s_ticker_t *t)
{
    t->fired = 0;
    t->worst_gap_ms = 0;
}

/* The timer kept firing every 10 ms while the loop ran since the reset. */
static void
s_ticker_check(const s_ticker_t *t, int at_least)
{
    printf("edge_limit: timer fired %d times, worst gap %" PRId64 " ms\n", t->fired,
           t->worst_gap_ms);
    assert_true(t->fired >= at_least);
    assert_true(t->worst_gap_ms < 60);
}

static void
test_slow_redis_never_blocks_the_loop(void **state)
{
    (void) state;
    edge_limit_t *limit = s_limit_new(s_server.url, cb_inbound_defaults());
    s_ticker_t ticker = {0};
    cb_httpd_timer_t *timer = cb_httpd_timer_new(s_httpd, 10, 10, s_tick, &ticker);
    assert_non_null(timer);
    /* Redis busy for 150 ms: decisions wait for it, the timer keeps firing. */
    redisContext *busy = s_busy_redis(150000);
    cb_time_sleep_ms(20, NULL);
    s_ticker_reset(&ticker);
    s_pending_t p[4];
    int immediate[4];
    const char *clients[4] = {"ip:192.0.2.1", "ip:192.0.2.2", "ip:192.0.2.1", "ip:192.0.2.3"};
    for (int i = 0; i < 4; i++) {
        immediate[i] = s_ask(limit, clients[i], &p[i]);
        assert_int_equal(immediate[i], 0);
    }
    s_wait_all(p, immediate, 4, 3000);
    s_ticker_check(&ticker, 6);
    s_busy_end(busy);
    for (int i = 0; i < 4; i++) {
        int64_t waited = p[i].decided_ms - p[i].asked_ms;
        assert_true(p[i].d.allowed);
        assert_false(p[i].d.degraded);
        assert_true(waited >= 80 && waited < 250);
    }
    /* Busy for 700 ms: the 250 ms timeout decides by the fallback. */
    busy = s_busy_redis(700000);
    cb_time_sleep_ms(20, NULL);
    s_ticker_reset(&ticker);
    int64_t t0 = s_ms();
    immediate[0] = s_ask(limit, "ip:192.0.2.9", &p[0]);
    assert_int_equal(immediate[0], 0);
    s_wait_all(p, immediate, 1, 3000);
    int64_t waited = p[0].decided_ms - t0;
    assert_true(p[0].d.degraded);
    assert_true(p[0].d.allowed);
    assert_true(waited >= 240 && waited < 400);
    s_ticker_check(&ticker, 15);
    /* While that call is unanswered, calls needing Redis do not wait again. */
    assert_int_equal(s_ask(limit, "ip:192.0.2.10", &p[1]), 1);
    assert_true(p[1].d.degraded);
    assert_false(edge_limit_redis_up(limit));
    s_busy_end(busy);
    s_ticker_reset(&ticker);
    /* Then Redis answers again and decisions are exact again. */
    s_spin(50);
    assert_true(edge_limit_redis_up(limit));
    cb_inbound_decision_t d = s_decide(limit, "ip:192.0.2.11");
    assert_true(d.allowed);
    assert_false(d.degraded);
    s_ticker_check(&ticker, 3);
    cb_httpd_timer_destroy(&timer);
    edge_limit_destroy(&limit);
}

static void
test_redis_outage_and_recovery(void **state)
{
    (void) state;
    cbh_redis_t r;
    assert_int_equal(cbh_redis_start(&r, "s3cret"), 0);
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cfg.expected_replicas = 4;
    edge_limit_t *limit = s_limit_new(r.url, cfg);
    cb_inbound_decision_t d = s_decide(limit, "ip:192.0.2.100");
    assert_true(d.allowed);
    assert_false(d.degraded);
    cbh_redis_stop(&r);
    /* Down: every decision comes quickly, degraded, a local share of 100 / 4. */
    int allowed = 0;
    for (int i = 0; i < 40; i++) {
        s_pending_t p;
        int immediate = s_ask(limit, "ip:192.0.2.101", &p);
        s_wait_all(&p, &immediate, 1, 1000);
        assert_true(p.decided_ms - p.asked_ms <= 300);
        assert_true(p.d.degraded);
        allowed += p.d.allowed;
        if (!p.d.allowed) {
            assert_true(p.d.retry_after_ms > 0 && p.d.retry_after_ms <= 60000);
            assert_int_equal(p.d.remaining, 0);
        }
    }
    assert_int_equal(allowed, 25);
    assert_false(edge_limit_redis_up(limit));
    s_spin(300);
    /* Back on the same port: exact decisions again, without a restart. */
    assert_int_equal(cbh_redis_start_on(&r, r.port, "s3cret"), 0);
    d = s_decide_exact(limit, "ip:192.0.2.102", 10000);
    assert_true(d.allowed);
    assert_true(edge_limit_redis_up(limit));
    edge_limit_destroy(&limit);
    /* A wrong password: degraded decisions, no hang. */
    char url[160];
    snprintf(url, sizeof url, "redis://:wrong@127.0.0.1:%d/0", r.port);
    limit = edge_limit_new(s_httpd, url, cfg);
    assert_non_null(limit);
    s_spin(100);
    d = s_decide(limit, "ip:192.0.2.103");
    assert_true(d.degraded);
    edge_limit_destroy(&limit);
    cbh_redis_stop(&r);
    /* Bad URL: NULL. */
    assert_null(edge_limit_new(s_httpd, "http://nope", cfg));
    cfg.limit = 0;
    assert_null(edge_limit_new(s_httpd, s_server.url, cfg));
}

/* A synchronous command to s_server's database db (test set-up, not under
 * test); returns an integer reply's value, else 0. */
static long long
s_command(int db, const char *cmd)
{
    redisContext *c = redisConnect("127.0.0.1", s_server.port);
    assert_non_null(c);
    redisReply *reply = redisCommand(c, "SELECT %d", db);
    assert_non_null(reply);
    freeReplyObject(reply);
    reply = redisCommand(c, cmd);
    assert_non_null(reply);
    assert_int_not_equal(reply->type, REDIS_REPLY_ERROR);
    long long value = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
    freeReplyObject(reply);
    redisFree(c);
    return value;
}

static void
test_leases_return_and_scripts_reload(void **state)
{
    (void) state;
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cfg.lease_ms = 200;
    edge_limit_t *a = s_limit_new(s_server.url, cfg);
    edge_limit_t *b = s_limit_new(s_server.url, cfg);
    /* A leases 8 and uses 1; its lease ends and the 7 go back on a timer. */
    assert_int_equal(s_decide(a, "ip:192.0.2.200").remaining, 99);
    s_spin(450);
    cb_inbound_decision_t d = s_decide(b, "ip:192.0.2.200");
    assert_true(d.allowed);
    assert_int_equal(d.remaining, 98);
    /* Destroying A gives its unused slots back at once. */
    assert_int_equal(s_decide(a, "ip:192.0.2.201").remaining, 99);
    edge_limit_destroy(&a);
    assert_int_equal(s_decide(b, "ip:192.0.2.201").remaining, 98);
    /* Redis forgot the script (a restart or SCRIPT FLUSH): EVAL loads it again. */
    s_command(0, "SCRIPT FLUSH");
    d = s_decide(b, "ip:192.0.2.202");
    assert_true(d.allowed);
    assert_false(d.degraded);
    assert_int_equal(d.remaining, 99);
    edge_limit_destroy(&b);
    /* The URL's database is selected: the budget lives in db 3. */
    char url[160];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/3", s_server.port);
    edge_limit_t *c = s_limit_new(url, cfg);
    assert_true(s_decide(c, "ip:192.0.2.203").allowed);
    edge_limit_destroy(&c);
    assert_int_equal(s_command(0, "EXISTS coinbus:ratelimit:inbound:{ip:192.0.2.203}"), 0);
    assert_int_equal(s_command(3, "EXISTS coinbus:ratelimit:inbound:{ip:192.0.2.203}"), 1);
}

static void
test_hung_redis_is_dropped_and_made_again(void **state)
{
    (void) state;
    cbh_redis_t r;
    assert_int_equal(cbh_redis_start(&r, NULL), 0);
    edge_limit_t *limit = s_limit_new(r.url, cb_inbound_defaults());
    assert_false(s_decide(limit, "ip:192.0.2.150").degraded);
    /* Stopped, not gone: its socket stays open and silent. */
    assert_int_equal(kill(cbh_proc_pid(r.proc), SIGSTOP), 0);
    int64_t until = s_ms() + 2600;
    int n = 0;
    while (s_ms() < until) {
        char client[32];
        snprintf(client, sizeof client, "ip:192.0.2.%d", 151 + n % 20);
        s_pending_t p;
        int immediate = s_ask(limit, client, &p);
        s_wait_all(&p, &immediate, 1, 1000);
        assert_true(p.decided_ms - p.asked_ms <= 300);
        assert_true(p.d.degraded);
        n++;
        s_spin(20);
    }
    assert_int_equal(kill(cbh_proc_pid(r.proc), SIGCONT), 0);
    cb_inbound_decision_t d = s_decide_exact(limit, "ip:192.0.2.190", 10000);
    assert_true(d.allowed);
    /* Destroy waits a bounded time even when Redis does not answer. */
    assert_int_equal(kill(cbh_proc_pid(r.proc), SIGSTOP), 0);
    int64_t t0 = s_ms();
    edge_limit_destroy(&limit);
    assert_true(s_ms() - t0 < 1000);
    assert_int_equal(kill(cbh_proc_pid(r.proc), SIGCONT), 0);
    cbh_redis_stop(&r);
}

int
main(void)
{
    cb_log_init("test-edge-limit", CB_LOG_ERROR, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hundred_then_refused),
        cmocka_unit_test(test_two_replicas_admit_the_limit_in_total),
        cmocka_unit_test(test_callback_once_and_cancel),
        cmocka_unit_test(test_slow_redis_never_blocks_the_loop),
        cmocka_unit_test(test_redis_outage_and_recovery),
        cmocka_unit_test(test_leases_return_and_scripts_reload),
        cmocka_unit_test(test_hung_redis_is_dropped_and_made_again),
    };
    return cmocka_run_group_tests_name("edge_limit", tests, s_setup, s_teardown);
}
