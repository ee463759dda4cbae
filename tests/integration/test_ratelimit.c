/* test_ratelimit.c - shared decaying counters in a real Redis: Kraken tiers, bans, 4 processes, a venue's private admit with its breaker */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_circuit.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_ratelimit.h"
#include "cb_time.h"
#include "cb_venue_client.h"
#include "cbh.h"

static cbh_redis_t s_server;

/* Child: tries `tries` acquisitions of cost 1 with no waiting; prints the
 * number admitted. */
static int
s_child(const char *url, int tries)
{
    cb_log_init("rl-child", CB_LOG_WARN, CB_LOG_TEXT);
    int err;
    cb_redis_t *redis = cb_redis_new(url, &err);
    cb_ratelimit_t *rl = cb_ratelimit_new(redis);
    cb_rl_bucket_t bucket = {20000, 1}; /* max 20, decays 0.001/s: effectively none */
    int admitted = 0;
    for (int i = 0; i < tries; i++) {
        cb_rl_decision_t d;
        if (cb_ratelimit_acquire(rl, "test:shared", NULL, bucket, 1000, 0, &d) != 0) {
            return 2;
        }
        admitted += d.admitted;
    }
    printf("%d\n", admitted);
    cb_ratelimit_destroy(&rl);
    cb_redis_destroy(&redis);
    return 0;
}

static int
s_setup(void **state)
{
    (void) state;
    return cbh_redis_start(&s_server, NULL);
}

static int
s_teardown(void **state)
{
    (void) state;
    cbh_redis_stop(&s_server);
    return 0;
}

static void
test_kraken_costs(void **state)
{
    (void) state;
    assert_int_equal(cb_rl_kraken_rest_cost("Balance"), 1000);
    assert_int_equal(cb_rl_kraken_rest_cost("Ledgers"), 2000);
    assert_int_equal(cb_rl_kraken_rest_cost("TradesHistory"), 2000);
    assert_int_equal(cb_rl_kraken_rest_cost("AddOrder"), 0);
    assert_int_equal(cb_rl_kraken_rest_cost("CancelOrderBatch"), 0);
    assert_int_equal(cb_rl_kraken_trading_cost(CB_KRAKEN_ADD, 0, 1), 1000);
    assert_int_equal(cb_rl_kraken_trading_cost(CB_KRAKEN_CANCEL, 4999, 1), 8000);
    assert_int_equal(cb_rl_kraken_trading_cost(CB_KRAKEN_CANCEL, 5000, 1), 6000);
    assert_int_equal(cb_rl_kraken_trading_cost(CB_KRAKEN_CANCEL, 299999, 1), 1000);
    assert_int_equal(cb_rl_kraken_trading_cost(CB_KRAKEN_CANCEL, 300000, 1), 0);
    assert_int_equal(cb_rl_kraken_trading_cost(CB_KRAKEN_EDIT, 1000, 1), 7000);
    assert_int_equal(cb_rl_kraken_trading_cost(CB_KRAKEN_EDIT, 60000, 1), 2000);
    assert_int_equal(cb_rl_kraken_trading_cost(CB_KRAKEN_AMEND, 12000, 1), 2000);
    assert_int_equal(cb_rl_kraken_trading_cost(CB_KRAKEN_BATCH_ADD, 0, 5), 2500);
    assert_int_equal(cb_rl_kraken_trading_cost(CB_KRAKEN_BATCH_CANCEL, 7000, 3), 18000);
    assert_int_equal(cb_rl_binance_weight("GET", "/api/v3/depth", 100), 5);
    assert_int_equal(cb_rl_binance_weight("GET", "/api/v3/depth", 101), 25);
    assert_int_equal(cb_rl_binance_weight("GET", "/api/v3/depth", 5000), 250);
    assert_int_equal(cb_rl_binance_weight("GET", "/api/v3/ticker/24hr", 0), 80);
    assert_int_equal(cb_rl_binance_weight("GET", "/api/v3/ticker/24hr", 21), 40);
    assert_int_equal(cb_rl_binance_weight("GET", "/api/v3/openOrders", 0), 80);
    assert_int_equal(cb_rl_binance_weight("DELETE", "/api/v3/openOrders", 1), 1);
    assert_int_equal(cb_rl_binance_weight("GET", "/api/v3/order", 0), 4);
    assert_int_equal(cb_rl_binance_weight("POST", "/api/v3/order", 0), 1);
    assert_int_equal(cb_rl_binance_weight("GET", "/api/v3/exchangeInfo", 0), 20);
    assert_int_equal(cb_rl_binance_weight("GET", "/api/v3/myTrades", 1), 5);
    cb_rl_bucket_t b = cb_rl_kraken_trading(CB_KRAKEN_INTERMEDIATE);
    assert_int_equal(b.max_milli, 125000);
    assert_int_equal(b.decay_milli_per_s, 2340);
}

static void
test_kraken_rest_burst_then_decay_then_tier_switch(void **state)
{
    (void) state;
    int err;
    cb_redis_t *redis = cb_redis_new(s_server.url, &err);
    cb_ratelimit_t *rl = cb_ratelimit_new(redis);
    cb_rl_bucket_t starter = cb_rl_kraken_rest(CB_KRAKEN_STARTER);
    cb_rl_decision_t d;
    /* Burst: exactly 15 calls go at once. */
    for (int i = 0; i < 15; i++) {
        assert_int_equal(cb_ratelimit_acquire(rl, "kraken:rest:k1", NULL, starter, 1000, 0, &d), 0);
        assert_true(d.admitted);
        assert_int_equal(d.wait_ms, 0);
    }
    assert_int_equal(cb_ratelimit_acquire(rl, "kraken:rest:k1", NULL, starter, 1000, 0, &d), 0);
    assert_false(d.admitted);
    /* One more unit takes 1 / 0.33 s = 3030 ms to decay. */
    assert_true(d.wait_ms >= 2900 && d.wait_ms <= 3031);
    /* Reservations queue up: the k-th waits about k * 3030 ms. */
    for (int k = 1; k <= 3; k++) {
        assert_int_equal(cb_ratelimit_acquire(rl, "kraken:rest:k1", NULL, starter, 1000, 60000, &d), 0);
        assert_true(d.admitted);
        int64_t expect = k * 3030;
        if (d.wait_ms < expect - 150 || d.wait_ms > expect + 5) {
            fail_msg("reservation %d waits %lld ms, expected about %lld", k, (long long) d.wait_ms,
                     (long long) expect);
        }
    }
    /* A ledger call costs 2 units. */
    assert_int_equal(cb_ratelimit_acquire(rl, "kraken:rest:k2", NULL, starter,
                                          cb_rl_kraken_rest_cost("Ledgers"), 0, &d), 0);
    assert_int_equal(d.level_milli, 2000);
    /* Real decay: after 1.1 s at -1/s (Pro) about 1 unit is free again. */
    cb_rl_bucket_t pro = cb_rl_kraken_rest(CB_KRAKEN_PRO);
    for (int i = 0; i < 20; i++) {
        cb_ratelimit_acquire(rl, "kraken:rest:k3", NULL, pro, 1000, 0, &d);
    }
    assert_int_equal(cb_ratelimit_acquire(rl, "kraken:rest:k3", NULL, pro, 1000, 0, &d), 0);
    assert_false(d.admitted);
    cb_time_sleep_ms(1100, NULL);
    assert_int_equal(cb_ratelimit_acquire(rl, "kraken:rest:k3", NULL, pro, 1000, 0, &d), 0);
    assert_true(d.admitted);
    assert_int_equal(cb_ratelimit_acquire(rl, "kraken:rest:k3", NULL, pro, 1000, 0, &d), 0);
    assert_false(d.admitted);
    /* Tier switch: the same counter under Starter's max 15 is over; under
     * Intermediate's 20 it sits at the limit. */
    assert_int_equal(cb_ratelimit_acquire(rl, "kraken:rest:k3", NULL, starter, 0, 0, &d), 0);
    assert_int_equal(d.max_milli, 15000);
    assert_true(d.level_milli >= 18000);
    cb_ratelimit_destroy(&rl);
    cb_redis_destroy(&redis);
}

static void
test_ban_blocks_every_caller(void **state)
{
    (void) state;
    int err;
    cb_redis_t *a = cb_redis_new(s_server.url, &err);
    cb_redis_t *b = cb_redis_new(s_server.url, &err);
    cb_ratelimit_t *rla = cb_ratelimit_new(a);
    cb_ratelimit_t *rlb = cb_ratelimit_new(b);
    cb_rl_bucket_t bucket = {1000000, 1000000};
    cb_rl_decision_t d;
    assert_int_equal(cb_ratelimit_ban(rla, "binance:ip", 800), 0);
    /* A shorter ban never shortens the longer one. */
    assert_int_equal(cb_ratelimit_ban(rla, "binance:ip", 10), 0);
    assert_int_equal(cb_ratelimit_acquire(rlb, "binance:weight", "binance:ip", bucket, 1000, 0, &d),
                     0);
    assert_false(d.admitted);
    assert_true(d.wait_ms > 600 && d.wait_ms <= 800);
    assert_int_equal(cb_ratelimit_acquire(rlb, "binance:weight", "binance:ip", bucket, 1000, 2000,
                                          &d), 0);
    assert_true(d.admitted);
    assert_true(d.wait_ms > 500);
    cb_time_sleep_ms(850, NULL);
    assert_int_equal(cb_ratelimit_acquire(rlb, "binance:weight", "binance:ip", bucket, 1000, 0, &d),
                     0);
    assert_true(d.admitted);
    assert_int_equal(d.wait_ms, 0);
    cb_ratelimit_destroy(&rla);
    cb_ratelimit_destroy(&rlb);
    cb_redis_destroy(&a);
    cb_redis_destroy(&b);
}

/* A peek decides as acquire would without waiting, and reserves nothing:
 * the "can it take one now" check of routing. */
static void
test_peek_reserves_nothing(void **state)
{
    (void) state;
    int err;
    cb_redis_t *r = cb_redis_new(s_server.url, &err);
    cb_ratelimit_t *rl = cb_ratelimit_new(r);
    cb_rl_bucket_t bucket = {2000, 0}; /* max 2, no decay: a full counter stays full */
    cb_rl_decision_t d;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(cb_ratelimit_peek(rl, "test:peek", NULL, bucket, 1000, &d), 0);
        assert_true(d.admitted);
        assert_int_equal(d.wait_ms, 0);
    }
    assert_int_equal(cb_ratelimit_acquire(rl, "test:peek", NULL, bucket, 1000, 0, &d), 0);
    assert_true(d.admitted);
    assert_int_equal(cb_ratelimit_acquire(rl, "test:peek", NULL, bucket, 1000, 0, &d), 0);
    assert_true(d.admitted);
    assert_int_equal(d.level_milli, 2000);
    assert_int_equal(cb_ratelimit_peek(rl, "test:peek", NULL, bucket, 1000, &d), 0);
    assert_false(d.admitted);
    assert_true(d.wait_ms > 0);
    /* A cost of 0 fits a full counter, but not a ban. */
    assert_int_equal(cb_ratelimit_peek(rl, "test:peek", "test:peekban", bucket, 0, &d), 0);
    assert_true(d.admitted);
    assert_int_equal(cb_ratelimit_ban(rl, "test:peekban", 5000), 0);
    assert_int_equal(cb_ratelimit_peek(rl, "test:peek", "test:peekban", bucket, 0, &d), 0);
    assert_false(d.admitted);
    assert_true(d.wait_ms > 4000);
    /* Windows: peeks count nothing; two acquisitions fill a limit of 2. */
    cb_rl_window_t w = {"test:peekwin", 2, 3600000, 1};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cb_ratelimit_peek_windows(rl, "test:peekwinban", &w, 1, &d), 0);
        assert_true(d.admitted);
    }
    assert_int_equal(cb_ratelimit_acquire_windows(rl, "test:peekwinban", &w, 1, 0, &d), 0);
    assert_int_equal(cb_ratelimit_acquire_windows(rl, "test:peekwinban", &w, 1, 0, &d), 0);
    assert_true(d.admitted);
    assert_int_equal(cb_ratelimit_peek_windows(rl, "test:peekwinban", &w, 1, &d), 0);
    assert_false(d.admitted);
    assert_true(d.wait_ms > 0);
    cb_ratelimit_destroy(&rl);
    cb_redis_destroy(&r);
}

static void
test_four_processes_never_exceed(void **state)
{
    (void) state;
    cbh_proc_t *procs[4];
    for (int i = 0; i < 4; i++) {
        char *argv[] = {"/proc/self/exe", "--child", s_server.url, "30", NULL};
        procs[i] = cbh_proc_start("rl-child", argv, NULL);
        assert_non_null(procs[i]);
    }
    int total = 0;
    for (int i = 0; i < 4; i++) {
        char log[512];
        snprintf(log, sizeof log, "%s", cbh_proc_log_path(procs[i]));
        assert_int_equal(cbh_proc_wait(&procs[i], 5000), 0);
        FILE *f = fopen(log, "r");
        assert_non_null(f);
        int n = -1;
        assert_int_equal(fscanf(f, "%d", &n), 1);
        fclose(f);
        total += n;
    }
    /* 120 tries against a max of 20: exactly 20 admitted, not one more. */
    assert_int_equal(total, 20);
}

static int
s_child_windows(const char *url, int tries, const char *prefix)
{
    cb_log_init("rl-child", CB_LOG_WARN, CB_LOG_TEXT);
    int err;
    cb_redis_t *redis = cb_redis_new(url, &err);
    cb_ratelimit_t *rl = cb_ratelimit_new(redis);
    /* An order: weight 1 of 1000/min, and one of 7 orders per 10 s. */
    char weight[64];
    char orders[64];
    char ip[64];
    snprintf(weight, sizeof weight, "%s:weight", prefix);
    snprintf(orders, sizeof orders, "%s:orders10s", prefix);
    snprintf(ip, sizeof ip, "%s:ip", prefix);
    cb_rl_window_t w[2] = {{weight, 1000, 60000, 1}, {orders, 7, 10000, 1}};
    int admitted = 0;
    for (int i = 0; i < tries; i++) {
        cb_rl_decision_t d;
        if (cb_ratelimit_acquire_windows(rl, ip, w, 2, 0, &d) != 0) {
            return 2;
        }
        admitted += d.admitted;
    }
    printf("%d\n", admitted);
    cb_ratelimit_destroy(&rl);
    cb_redis_destroy(&redis);
    return 0;
}

/* Runs 4 window children on prefix; returns the total admitted. */
static int
s_windows4(const char *prefix)
{
    cbh_proc_t *procs[4];
    for (int i = 0; i < 4; i++) {
        char *argv[] = {"/proc/self/exe", "--child-windows", s_server.url, "5", (char *) prefix,
                        NULL};
        procs[i] = cbh_proc_start("rl-child-win", argv, NULL);
        assert_non_null(procs[i]);
    }
    int total = 0;
    for (int i = 0; i < 4; i++) {
        char log[512];
        snprintf(log, sizeof log, "%s", cbh_proc_log_path(procs[i]));
        assert_int_equal(cbh_proc_wait(&procs[i], 5000), 0);
        FILE *f = fopen(log, "r");
        assert_non_null(f);
        int n = -1;
        assert_int_equal(fscanf(f, "%d", &n), 1);
        fclose(f);
        total += n;
    }
    return total;
}

static void
test_binance_windows_four_processes(void **state)
{
    (void) state;
    /* 20 tries, ORDERS 7 per 10 s: exactly 7 go (unless the 10 s window
     * turned over during the run, when up to 14 may: never more). */
    int total = s_windows4("test:binance:a");
    assert_true(total == 7 || (total > 7 && total <= 14));
}

static void
test_retry_after_blocks_every_process(void **state)
{
    (void) state;
    int err;
    cb_redis_t *redis = cb_redis_new(s_server.url, &err);
    cb_ratelimit_t *rl = cb_ratelimit_new(redis);
    /* The venue answered 429 with Retry-After: 5 to one replica. */
    assert_int_equal(cb_ratelimit_ban(rl, "test:binance:b:ip", 5000), 0);
    assert_int_equal(s_windows4("test:binance:b"), 0);
    /* Without the ban the same run is admitted (the limits have room). */
    assert_true(s_windows4("test:binance:c") >= 7);
    cb_ratelimit_destroy(&rl);
    cb_redis_destroy(&redis);
}

static void
test_binance_true_up_and_retry_after(void **state)
{
    (void) state;
    int err;
    cb_redis_t *redis = cb_redis_new(s_server.url, &err);
    cb_ratelimit_t *rl = cb_ratelimit_new(redis);
    cb_rl_window_t w[1] = {{"test:binance:w2", 6000, 60000, 20}};
    cb_rl_decision_t d;
    assert_int_equal(cb_ratelimit_acquire_windows(rl, "test:binance:ip2", w, 1, 0, &d), 0);
    assert_true(d.admitted);
    assert_int_equal(d.level_milli, 20000);
    /* The venue says 5990 of 6000 are used this minute (other IP users,
     * calls not routed through us): the local view rises to it. */
    assert_int_equal(cb_ratelimit_true_up(rl, "test:binance:w2", 60000, 5990), 0);
    assert_int_equal(cb_ratelimit_true_up(rl, "test:binance:w2", 60000, 10), 0); /* never lowers */
    assert_int_equal(cb_ratelimit_acquire_windows(rl, "test:binance:ip2", w, 1, 0, &d), 0);
    assert_false(d.admitted);
    /* It would fit at the next minute. */
    assert_true(d.wait_ms > 0 && d.wait_ms <= 60000);
    assert_int_equal(cb_ratelimit_acquire_windows(rl, "test:binance:ip2", w, 1, 61000, &d), 0);
    assert_true(d.admitted);
    /* A 429 with Retry-After: 1 blocks this limit for everybody. */
    cb_rl_window_t other[1] = {{"test:binance:w3", 6000, 60000, 1}};
    assert_int_equal(cb_ratelimit_ban(rl, "test:binance:ip2", 1000), 0);
    assert_int_equal(cb_ratelimit_acquire_windows(rl, "test:binance:ip2", other, 1, 0, &d), 0);
    assert_false(d.admitted);
    if (d.wait_ms <= 800 || d.wait_ms > 1001) {
        fail_msg("ban wait %lld ms", (long long) d.wait_ms);
    }
    /* A cost above its limit can never fit. */
    cb_rl_window_t huge[1] = {{"test:binance:w4", 10, 1000, 11}};
    assert_int_equal(cb_ratelimit_acquire_windows(rl, "test:binance:ip2", huge, 1, 0, &d),
                     CB_E_BAD_REQUEST);
    assert_int_equal(cb_rl_binance_interval_ms("1M"), 60000);
    assert_int_equal(cb_rl_binance_interval_ms("10s"), 10000);
    assert_int_equal(cb_rl_binance_interval_ms("1D"), 86400000);
    assert_int_equal(cb_rl_binance_interval_ms("M"), 0);
    assert_int_equal(cb_rl_binance_interval_ms("1Y"), 0);
    cb_ratelimit_destroy(&rl);
    cb_redis_destroy(&redis);
}

/* A Binance venue client named name on rl and circuit (may be NULL) that
 * sends nowhere (only admit is used), after waiting out the last 3 s of a
 * minute so that the calls that follow share one weight window. */
static cb_venue_client_t *
s_binance_client(const char *name, cb_http_t *http, cb_ratelimit_t *rl,
                 cb_circuit_breaker_t *circuit)
{
    cb_venue_cfg_t cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.name, sizeof cfg.name, "%s", name);
    cfg.dialect = CB_DIALECT_BINANCE;
    snprintf(cfg.rest_base, sizeof cfg.rest_base, "http://127.0.0.1:9/binance");
    cb_venue_deps_t deps = {http, rl, circuit, 1000};
    cb_venue_client_t *vc = cb_venue_client_new(&cfg, &deps);
    assert_non_null(vc);
    int64_t left = 60000 - cb_time_now_ms() % 60000;
    if (left < 3000) {
        struct timespec ts = {(time_t) ((left + 50) / 1000), (long) ((left + 50) % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    return vc;
}

/* The weight a private Binance call takes from the shared window: the
 * method counts (a place, POST /api/v3/order, weighs 1; a query of an order,
 * GET, weighs 4). */
static void
test_private_admit_weighs_the_method(void **state)
{
    (void) state;
    int err;
    cb_redis_t *redis = cb_redis_new(s_server.url, &err);
    cb_ratelimit_t *rl = cb_ratelimit_new(redis);
    cb_http_t *http = cb_http_new(NULL);
    cb_venue_client_t *vc = s_binance_client("test-bn", http, rl, NULL);
    cb_venue_pass_t pass;
    cb_venue_error_t verr;
    cb_rl_window_t used[1] = {{"test-bn:weight", 6000, 60000, 0}};
    cb_rl_decision_t d;
    assert_int_equal(cb_venue_client_private_admit_as(vc, "POST", "/api/v3/order", 0, "fp", &pass,
                                                      &verr),
                     0);
    assert_int_equal(cb_ratelimit_peek_windows(rl, "test-bn", used, 1, &d), 0);
    assert_int_equal(d.level_milli, 1000);
    assert_int_equal(cb_venue_client_private_admit_as(vc, "GET", "/api/v3/order", 0, "fp", &pass,
                                                      &verr),
                     0);
    assert_int_equal(cb_ratelimit_peek_windows(rl, "test-bn", used, 1, &d), 0);
    assert_int_equal(d.level_milli, 5000);
    cb_venue_client_destroy(&vc);
    cb_http_destroy(&http);
    cb_ratelimit_destroy(&rl);
    cb_redis_destroy(&redis);
}

/* The weight used this minute on test-bn's window. */
static int64_t
s_used(cb_ratelimit_t *rl)
{
    cb_rl_window_t used[1] = {{"test-bp:weight", 6000, 60000, 0}};
    cb_rl_decision_t d;
    assert_int_equal(cb_ratelimit_peek_windows(rl, "test-bp", used, 1, &d), 0);
    return d.level_milli / 1000;
}

/* Admit with breaker and limiter on one connection: while the breaker last
 * said closed both are asked in one round trip (the scripts reloaded after
 * a SCRIPT FLUSH), the breaker's refusal still refuses, and once it has
 * refused the limiter is no longer asked for refused calls. */
static void
test_private_admit_pipelined(void **state)
{
    (void) state;
    int err;
    cb_redis_t *redis = cb_redis_new(s_server.url, &err);
    cb_ratelimit_t *rl = cb_ratelimit_new(redis);
    cb_circuit_config_t cfg_c = cb_circuit_defaults();
    cfg_c.failure_threshold = 1;
    cb_circuit_breaker_t *circuit = cb_circuit_new(redis, NULL, cfg_c);
    cb_http_t *http = cb_http_new(NULL);
    assert_non_null(circuit);
    cb_venue_client_t *vc = s_binance_client("test-bp", http, rl, circuit);
    cb_venue_pass_t pass;
    cb_venue_error_t verr;
    assert_false(cb_venue_client_private_closed(vc));
    for (int i = 0; i < 2; i++) { /* in turn, then in one round trip */
        assert_int_equal(cb_venue_client_private_admit_as(vc, "POST", "/api/v3/order", 0, "fp",
                                                          &pass, &verr),
                         0);
        assert_true(pass.circuit_asked);
        assert_true(cb_venue_client_private_closed(vc));
    }
    assert_int_equal(s_used(rl), 2);
    /* Redis forgot its scripts: both are loaded again and run once each. */
    redisReply *r = cb_redis_command(redis, &err, "SCRIPT FLUSH");
    assert_non_null(r);
    freeReplyObject(r);
    assert_int_equal(cb_venue_client_private_admit_as(vc, "POST", "/api/v3/order", 0, "fp", &pass,
                                                      &verr),
                     0);
    assert_true(pass.circuit_asked);
    assert_int_equal(s_used(rl), 3);
    /* Another replica's failure opens the breaker: refused (the acquire asked
     * with it is spent), and the next refusal spends nothing. */
    cb_circuit_decision_t d;
    assert_int_equal(cb_circuit_report(circuit, "test-bp", "private", false, false, &d), 0);
    assert_int_equal(d.state, CB_CIRCUIT_OPEN);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(cb_venue_client_private_admit_as(vc, "POST", "/api/v3/order", 0, "fp",
                                                          &pass, &verr),
                         CB_E_UNAVAILABLE);
        assert_false(cb_venue_client_private_closed(vc));
        assert_int_equal(s_used(rl), 4);
    }
    cb_venue_client_destroy(&vc);
    cb_http_destroy(&http);
    cb_circuit_destroy(&circuit);
    cb_ratelimit_destroy(&rl);
    cb_redis_destroy(&redis);
}

/* A rider of the admission: INCR test:rider; stops it when stop is set. */
typedef struct {
    bool stop;
    long long count;  /* the counter after it, -1: no reply */
} s_rider_t;

static int
s_rider_append(void *ctx, cb_redis_t *redis)
{
    (void) ctx;
    const char *argv[] = {"INCR", "test:rider"};
    return cb_redis_appendv(redis, 2, argv, NULL);
}

static int
s_rider_reply(void *ctx, redisReply *reply, int err)
{
    s_rider_t *r = ctx;
    r->count = reply != NULL && reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
    if (reply != NULL) {
        freeReplyObject(reply);
    }
    return err != 0 ? err : r->stop ? CB_E_CONFLICT : 0;
}

/* A rider runs before the breaker and the limiter: on its own while the
 * breaker has not said closed (and, when it stops the admission, nothing
 * else is asked), in their round trip once it has (a stop then leaves the
 * acquired slot spent). The reports of a call queued with
 * cb_venue_client_private_settle_append are made once read back, their
 * scripts reloaded after a SCRIPT FLUSH. */
static void
test_private_admit_rider_and_settle_append(void **state)
{
    (void) state;
    int err;
    cb_redis_t *redis = cb_redis_new(s_server.url, &err);
    cb_ratelimit_t *rl = cb_ratelimit_new(redis);
    cb_circuit_breaker_t *circuit = cb_circuit_new(redis, NULL, cb_circuit_defaults());
    cb_http_t *http = cb_http_new(NULL);
    assert_non_null(circuit);
    cb_venue_client_t *vc = s_binance_client("test-bp", http, rl, circuit);
    /* test_private_admit_pipelined left test-bp's breaker open. */
    redisReply *r = cb_redis_command(redis, &err, "DEL coinbus:circuit:test-bp:private");
    assert_non_null(r);
    freeReplyObject(r);
    int64_t base = s_used(rl);
    s_rider_t rider_ctx = {true, 0};
    cb_venue_rider_t rider = {redis, s_rider_append, s_rider_reply, &rider_ctx};
    cb_venue_pass_t pass;
    cb_venue_error_t verr;
    /* Not closed yet: alone, and a stop asks nothing else. */
    assert_int_equal(cb_venue_client_private_admit_with(vc, "POST", "/api/v3/order", 0, "fp",
                                                        &rider, &pass, &verr),
                     CB_E_CONFLICT);
    assert_int_equal(rider_ctx.count, 1);
    assert_false(pass.circuit_asked);
    assert_int_equal(s_used(rl), base);
    rider_ctx.stop = false;
    assert_int_equal(cb_venue_client_private_admit_with(vc, "POST", "/api/v3/order", 0, "fp",
                                                        &rider, &pass, &verr),
                     0);
    assert_int_equal(rider_ctx.count, 2);
    assert_true(pass.circuit_asked);
    assert_true(cb_venue_client_private_closed(vc));
    assert_int_equal(s_used(rl), base + 1);
    /* Closed: in one round trip; a stop leaves its slot spent. */
    rider_ctx.stop = true;
    assert_int_equal(cb_venue_client_private_admit_with(vc, "POST", "/api/v3/order", 0, "fp",
                                                        &rider, &pass, &verr),
                     CB_E_CONFLICT);
    assert_int_equal(rider_ctx.count, 3);
    assert_int_equal(s_used(rl), base + 2);
    /* Reports queued with other commands, Redis having forgotten the scripts:
     * two failures first, which the queued success must clear. */
    cb_circuit_decision_t d;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(cb_circuit_report(circuit, "test-bp", "private", false, false, &d), 0);
    }
    assert_int_equal(d.failures, 2);
    r = cb_redis_command(redis, &err, "SCRIPT FLUSH");
    assert_non_null(r);
    freeReplyObject(r);
    cb_venue_settle_t settle = {.due = true, .success = true, .used_weight = base + 50};
    cb_venue_client_private_settle_append(vc, &settle);
    assert_true(settle.queued && settle.queued_weight && settle.queued_success);
    assert_int_equal(cb_redis_flush(redis), 0);
    cb_venue_client_private_settle(vc, &settle);
    assert_false(settle.due);
    assert_int_equal(s_used(rl), base + 50);
    assert_int_equal(cb_circuit_peek(circuit, "test-bp", "private", &d), 0);
    assert_int_equal(d.state, CB_CIRCUIT_CLOSED);
    assert_int_equal(d.failures, 0);
    cb_venue_client_destroy(&vc);
    cb_http_destroy(&http);
    cb_circuit_destroy(&circuit);
    cb_ratelimit_destroy(&rl);
    cb_redis_destroy(&redis);
}

static void
test_redis_down_fails_closed(void **state)
{
    (void) state;
    int err;
    cb_redis_t *redis = cb_redis_new("redis://127.0.0.1:1/0", &err);
    cb_ratelimit_t *rl = cb_ratelimit_new(redis);
    cb_rl_decision_t d;
    int rc = cb_ratelimit_acquire(rl, "x", NULL, cb_rl_kraken_public(), 1000, 0, &d);
    assert_true(rc == CB_E_UNAVAILABLE || rc == CB_E_TIMEOUT);
    cb_ratelimit_destroy(&rl);
    cb_redis_destroy(&redis);
}

int
main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--child") == 0) {
        return s_child(argv[2], atoi(argv[3]));
    }
    if (argc == 5 && strcmp(argv[1], "--child-windows") == 0) {
        return s_child_windows(argv[2], atoi(argv[3]), argv[4]);
    }
    cb_log_init("test-ratelimit", CB_LOG_ERROR, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kraken_costs),
        cmocka_unit_test(test_kraken_rest_burst_then_decay_then_tier_switch),
        cmocka_unit_test(test_ban_blocks_every_caller),
        cmocka_unit_test(test_peek_reserves_nothing),
        cmocka_unit_test(test_four_processes_never_exceed),
        cmocka_unit_test(test_binance_windows_four_processes),
        cmocka_unit_test(test_binance_true_up_and_retry_after),
        cmocka_unit_test(test_retry_after_blocks_every_process),
        cmocka_unit_test(test_private_admit_weighs_the_method),
        cmocka_unit_test(test_private_admit_pipelined),
        cmocka_unit_test(test_private_admit_rider_and_settle_append),
        cmocka_unit_test(test_redis_down_fails_closed),
    };
    return cmocka_run_group_tests_name("ratelimit", tests, s_setup, s_teardown);
}
