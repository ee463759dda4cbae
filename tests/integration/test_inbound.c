/* test_inbound.c - per-client limit across 4 processes: exact total, sliding windows, fallback */
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
#include <time.h>

#include "cb_inbound.h"
#include "cb_log.h"
#include "cb_time.h"
#include "cbh.h"

static cbh_redis_t s_server;

/* Child: calls check(client) `tries` times (sleeping sleep_us between) and
 * writes one line per admitted call (wall-clock microseconds), then
 * "calls <redis calls> <decisions>". */
static int
s_child(const char *url, const char *client, int64_t limit, int64_t window_ms, int tries,
        int sleep_us, const char *path)
{
    cb_log_init("inbound-child", CB_LOG_ERROR, CB_LOG_TEXT);
    int err;
    cb_redis_t *redis = cb_redis_new(url, &err);
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cfg.limit = limit;
    cfg.window_ms = window_ms;
    cfg.lease_ms = 200;
    cb_inbound_t *in = cb_inbound_new(redis, cfg);
    FILE *out = fopen(path, "w");
    if (in == NULL || out == NULL) {
        return 1;
    }
    for (int i = 0; i < tries; i++) {
        cb_inbound_decision_t d;
        cb_inbound_check(in, client, &d);
        if (d.allowed) {
            fprintf(out, "%" PRId64 "\n", cb_time_now_ns() / 1000);
        }
        if (sleep_us > 0) {
            struct timespec ts = {0, sleep_us * 1000L};
            nanosleep(&ts, NULL);
        }
    }
    fprintf(out, "calls %" PRIu64 " %d\n", cb_inbound_redis_calls(in), tries);
    fclose(out);
    cb_inbound_destroy(&in);
    cb_redis_destroy(&redis);
    return 0;
}

static int
s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a;
    int64_t y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

/* Runs 4 children; returns the admitted times (sorted) and their count. */
static size_t
s_run4(const char *client, int64_t limit, int64_t window_ms, int tries, int sleep_us,
       int64_t **times_out, uint64_t *redis_calls, uint64_t *decisions)
{
    cbh_proc_t *procs[4];
    char paths[4][300];
    char a[4][24];
    snprintf(a[0], 24, "%" PRId64, limit);
    snprintf(a[1], 24, "%" PRId64, window_ms);
    snprintf(a[2], 24, "%d", tries);
    snprintf(a[3], 24, "%d", sleep_us);
    for (int i = 0; i < 4; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/inbound-%s-%d.txt", s_server.dir, client, i);
        char *argv[] = {"/proc/self/exe", "--child", s_server.url, (char *) client, a[0], a[1],
                        a[2], a[3], paths[i], NULL};
        procs[i] = cbh_proc_start("inbound-child", argv, NULL);
        assert_non_null(procs[i]);
    }
    int64_t *times = calloc(100000, sizeof *times);
    size_t n = 0;
    *redis_calls = 0;
    *decisions = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cbh_proc_wait(&procs[i], 12000), 0);
        FILE *f = fopen(paths[i], "r");
        assert_non_null(f);
        char line[128];
        while (fgets(line, sizeof line, f) != NULL) {
            uint64_t calls;
            int made;
            if (sscanf(line, "calls %" SCNu64 " %d", &calls, &made) == 2) {
                *redis_calls += calls;
                *decisions += (uint64_t) made;
            } else if (n < 100000) {
                times[n++] = strtoll(line, NULL, 10);
            }
        }
        fclose(f);
    }
    qsort(times, n, sizeof *times, s_cmp);
    *times_out = times;
    return n;
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
test_four_processes_admit_exactly_the_limit(void **state)
{
    (void) state;
    int64_t *times;
    uint64_t redis_calls;
    uint64_t decisions;
    size_t n = s_run4("client-a", 100, 60000, 400, 0, &times, &redis_calls, &decisions);
    free(times);
    /* 1600 calls against 100 per minute: 100 admitted, not one more. */
    assert_int_equal(n, 100);
    /* Leasing: Redis saw far fewer commands than there were decisions. */
    printf("inbound: %" PRIu64 " decisions, %" PRIu64 " Redis commands (%.3f per decision)\n",
           decisions, redis_calls, (double) redis_calls / (double) decisions);
    assert_true(redis_calls * 4 < decisions);
}

static void
test_no_sliding_window_holds_more_than_the_limit(void **state)
{
    (void) state;
    int64_t *times;
    uint64_t redis_calls;
    uint64_t decisions;
    /* 30 per 500 ms; each process calls every ~2 ms for ~2.4 s. */
    size_t n = s_run4("client-b", 30, 500, 1200, 2000, &times, &redis_calls, &decisions);
    assert_true(n >= 30 * 3);
    size_t worst = 0;
    size_t lo = 0;
    for (size_t hi = 0; hi < n; hi++) {
        while (times[hi] - times[lo] >= 500 * 1000) {
            lo++;
        }
        if (hi - lo + 1 > worst) {
            worst = hi - lo + 1;
        }
    }
    free(times);
    printf("inbound: %zu admitted over the run, at most %zu in any 500 ms window\n", n, worst);
    assert_true(worst <= 30);
}

static void
test_expired_leases_return_in_one_pipeline(void **state)
{
    (void) state;
    int err;
    cb_redis_t *ra = cb_redis_new(s_server.url, &err);
    cb_redis_t *rb = cb_redis_new(s_server.url, &err);
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cfg.lease_ms = 200;
    cb_inbound_t *a = cb_inbound_new(ra, cfg);
    cb_inbound_t *b = cb_inbound_new(rb, cfg);
    cb_inbound_decision_t d;
    /* A serves three clients once each: three leases of 8, one slot used. */
    const char *clients[3] = {"pipe-1", "pipe-2", "pipe-3"};
    for (int i = 0; i < 3; i++) {
        cb_inbound_check(a, clients[i], &d);
        assert_true(d.allowed);
    }
    assert_int_equal(cb_inbound_redis_calls(a), 3);
    /* B can have only what A's leases leave. */
    int got = 0;
    for (int i = 0; i < 200; i++) {
        cb_inbound_check(b, "pipe-1", &d);
        got += d.allowed;
    }
    assert_int_equal(got, 92);
    /* A's leases end; one pipelined round trip hands back 3 x 7 slots. */
    cb_time_sleep_ms(250, NULL);
    cb_inbound_expire(a);
    assert_int_equal(cb_inbound_redis_calls(a), 4);
    cb_inbound_t *c = cb_inbound_new(rb, cfg);
    got = 0;
    for (int i = 0; i < 50; i++) {
        cb_inbound_check(c, "pipe-1", &d);
        got += d.allowed;
    }
    assert_int_equal(got, 7);
    cb_inbound_destroy(&c);
    cb_inbound_destroy(&b);
    cb_inbound_destroy(&a);
    cb_redis_destroy(&ra);
    cb_redis_destroy(&rb);
}

static void
test_redis_down_falls_back_to_a_local_share(void **state)
{
    (void) state;
    int err;
    cb_redis_t *redis = cb_redis_new("redis://127.0.0.1:1/0", &err);
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cfg.expected_replicas = 4;
    cb_inbound_t *in = cb_inbound_new(redis, cfg);
    int allowed = 0;
    cb_inbound_decision_t d;
    for (int i = 0; i < 100; i++) {
        cb_inbound_check(in, "client-c", &d);
        assert_true(d.degraded);
        allowed += d.allowed;
    }
    assert_int_equal(allowed, 25);
    assert_true(d.retry_after_ms > 0);
    cb_inbound_destroy(&in);
    cb_redis_destroy(&redis);
}

int
main(int argc, char **argv)
{
    if (argc == 9 && strcmp(argv[1], "--child") == 0) {
        return s_child(argv[2], argv[3], atoll(argv[4]), atoll(argv[5]), atoi(argv[6]),
                       atoi(argv[7]), argv[8]);
    }
    cb_log_init("test-inbound", CB_LOG_ERROR, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_four_processes_admit_exactly_the_limit),
        cmocka_unit_test(test_no_sliding_window_holds_more_than_the_limit),
        cmocka_unit_test(test_expired_leases_return_in_one_pipeline),
        cmocka_unit_test(test_redis_down_falls_back_to_a_local_share),
    };
    return cmocka_run_group_tests_name("inbound", tests, s_setup, s_teardown);
}
