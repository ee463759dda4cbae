/* test_circuit.c - breakers shared through Redis by separate processes, events on the real bus */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cb_circuit.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_sub.h"
#include "cb_time.h"
#include "cbh_bus.h"

static cbh_redis_t s_server;
static cbh_bus_t s_bus;

/* Long enough that four child processes (slow to start under ASan on a
 * loaded machine) all ask while the breaker is still open. */
#define S_RECOVERY_MS 1200

static cb_circuit_config_t
s_config(int probes)
{
    cb_circuit_config_t cfg = cb_circuit_defaults();
    cfg.recovery_ms = S_RECOVERY_MS;
    cfg.probes = probes;
    return cfg;
}

/* Child: one allow (or a peek) on venue/scope; prints "allowed probe state". */
static int
s_child(const char *url, const char *scope, int probes, const char *op)
{
    cb_log_init("circuit-child", CB_LOG_ERROR, CB_LOG_TEXT);
    int err;
    cb_redis_t *redis = cb_redis_new(url, &err);
    cb_circuit_breaker_t *c = cb_circuit_new(redis, NULL, s_config(probes));
    cb_circuit_decision_t d;
    int rc = strcmp(op, "peek") == 0 ? cb_circuit_peek(c, "sim-kraken", scope, &d)
                                     : cb_circuit_allow(c, "sim-kraken", scope, &d);
    if (rc != 0) {
        return 2;
    }
    printf("%d %d %d\n", d.allowed, d.probe, (int) d.state);
    cb_circuit_destroy(&c);
    cb_redis_destroy(&redis);
    return 0;
}

/* Runs n children at once; sums allowed and probe flags; returns the last state. */
static int
s_children(int n, const char *scope, int probes, const char *op, int *allowed, int *probed)
{
    cbh_proc_t *procs[8];
    char probes_text[8];
    snprintf(probes_text, sizeof probes_text, "%d", probes);
    for (int i = 0; i < n; i++) {
        char *argv[] = {"/proc/self/exe", "--child", s_server.url, (char *) scope, probes_text,
                        (char *) op, NULL};
        procs[i] = cbh_proc_start("circuit-child", argv, NULL);
        assert_non_null(procs[i]);
    }
    *allowed = 0;
    *probed = 0;
    int state = -1;
    for (int i = 0; i < n; i++) {
        char log[512];
        snprintf(log, sizeof log, "%s", cbh_proc_log_path(procs[i]));
        assert_int_equal(cbh_proc_wait(&procs[i], 2000), 0);
        FILE *f = fopen(log, "r");
        assert_non_null(f);
        int a = 0;
        int p = 0;
        assert_int_equal(fscanf(f, "%d %d %d", &a, &p, &state), 3);
        fclose(f);
        *allowed += a;
        *probed += p;
    }
    return state;
}

static int
s_setup(void **state)
{
    (void) state;
    zsys_handler_set(NULL);
    if (cbh_redis_start(&s_server, NULL) != 0) {
        return -1;
    }
    return cbh_bus_start(&s_bus);
}

static int
s_teardown(void **state)
{
    (void) state;
    cbh_redis_stop(&s_server);
    return cbh_bus_stop(&s_bus) == 0 ? 0 : -1;
}

static void
test_open_seen_by_others_probe_then_close_with_events(void **state)
{
    (void) state;
    int err;
    cb_redis_t *redis = cb_redis_new(s_server.url, &err);
    cb_pub_t *pub = cb_pub_new(s_bus.config.pub);
    cb_sub_t *sub = cb_sub_new(s_bus.config.sub);
    cb_sub_subscribe(sub, "circuit.");
    /* Let the subscription reach the publisher. */
    cb_time_sleep_ms(300, NULL);
    cb_circuit_breaker_t *c = cb_circuit_new(redis, pub, s_config(1));
    cb_circuit_decision_t d;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cb_circuit_allow(c, "sim-kraken", "rest", &d), 0);
        assert_true(d.allowed);
        assert_int_equal(cb_circuit_report(c, "sim-kraken", "rest", false, false, &d), 0);
        assert_int_equal(d.state, CB_CIRCUIT_CLOSED);
    }
    /* A success resets the consecutive count. */
    assert_int_equal(cb_circuit_report(c, "sim-kraken", "rest", true, false, &d), 0);
    assert_int_equal(d.failures, 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(cb_circuit_report(c, "sim-kraken", "rest", false, false, &d), 0);
    }
    assert_int_equal(d.state, CB_CIRCUIT_OPEN);
    assert_true(d.retry_at_ms > cb_time_now_ms());

    /* Other processes see it open. */
    int allowed;
    int probed;
    assert_int_equal(s_children(4, "rest", 1, "allow", &allowed, &probed), CB_CIRCUIT_OPEN);
    assert_int_equal(allowed, 0);

    /* After the recovery time exactly one of four processes gets the probe. */
    cb_time_sleep_ms(S_RECOVERY_MS + 50, NULL);
    s_children(4, "rest", 1, "allow", &allowed, &probed);
    assert_int_equal(allowed, 1);
    assert_int_equal(probed, 1);
    /* The probe's success (reported here for it) closes the breaker. */
    assert_int_equal(cb_circuit_report(c, "sim-kraken", "rest", true, true, &d), 0);
    assert_int_equal(d.state, CB_CIRCUIT_CLOSED);

    /* The bus carried every change: open, (half-open seen by a child, which
     * has no publisher), closed. */
    int seen_open = 0;
    int seen_closed = 0;
    cb_sub_msg_t msg;
    while (cb_sub_recv(sub, 500, &msg) == 0) {
        assert_true(cb_str_eq_cstr(msg.ev.body.circuit.venue, "sim-kraken"));
        assert_true(cb_str_eq_cstr(msg.ev.body.circuit.scope, "rest"));
        assert_true(msg.topic_len == strlen("circuit.ALL.sim-kraken"));
        seen_open += cb_str_eq_cstr(msg.ev.body.circuit.state, "open");
        seen_closed += cb_str_eq_cstr(msg.ev.body.circuit.state, "closed");
        cb_sub_msg_clear(&msg);
    }
    cb_sub_msg_clear(&msg);
    assert_int_equal(seen_open, 1);
    assert_int_equal(seen_closed, 1);
    cb_circuit_destroy(&c);
    cb_sub_destroy(&sub);
    cb_pub_destroy(&pub);
    cb_redis_destroy(&redis);
}

static void
test_probe_failure_reopens_and_two_probes(void **state)
{
    (void) state;
    int err;
    cb_redis_t *redis = cb_redis_new(s_server.url, &err);
    cb_circuit_breaker_t *c = cb_circuit_new(redis, NULL, s_config(2));
    cb_circuit_decision_t d;
    for (int i = 0; i < 5; i++) {
        cb_circuit_report(c, "sim-kraken", "orders", false, false, &d);
    }
    assert_int_equal(d.state, CB_CIRCUIT_OPEN);
    cb_time_sleep_ms(S_RECOVERY_MS + 50, NULL);
    int allowed;
    int probed;
    s_children(4, "orders", 2, "allow", &allowed, &probed);
    assert_int_equal(probed, 2);
    assert_int_equal(allowed, 2);
    assert_int_equal(cb_circuit_report(c, "sim-kraken", "orders", false, true, &d), 0);
    assert_int_equal(d.state, CB_CIRCUIT_OPEN);
    /* Separate scopes are separate breakers. */
    assert_int_equal(cb_circuit_allow(c, "sim-kraken", "market", &d), 0);
    assert_true(d.allowed);
    assert_int_equal(d.state, CB_CIRCUIT_CLOSED);
    cb_circuit_destroy(&c);
    cb_redis_destroy(&redis);
}

static void
test_failure_rate_rule_and_probe_lease(void **state)
{
    (void) state;
    int err;
    cb_redis_t *redis = cb_redis_new(s_server.url, &err);
    cb_circuit_config_t cfg = s_config(1);
    cfg.probe_lease_ms = 300;
    cb_circuit_breaker_t *c = cb_circuit_new(redis, NULL, cfg);
    cb_circuit_decision_t d = {0};
    /* Alternating success/failure never reaches 5 in a row, but the 20th
     * call makes 10 failures of 20: 50%. */
    int calls = 0;
    for (int i = 0; i < 40 && d.state != CB_CIRCUIT_OPEN; i++) {
        assert_int_equal(cb_circuit_report(c, "sim-binance", "rest", i % 2 == 0, false, &d), 0);
        calls++;
    }
    assert_int_equal(d.state, CB_CIRCUIT_OPEN);
    assert_int_equal(calls, 20);
    assert_true(d.failures < 5);
    cb_time_sleep_ms(S_RECOVERY_MS + 50, NULL);
    assert_int_equal(cb_circuit_allow(c, "sim-binance", "rest", &d), 0);
    assert_true(d.probe);
    /* The probe's owner vanished without reporting: the place comes back
     * when its lease ends. */
    assert_int_equal(cb_circuit_allow(c, "sim-binance", "rest", &d), 0);
    assert_false(d.allowed);
    cb_time_sleep_ms(350, NULL);
    assert_int_equal(cb_circuit_allow(c, "sim-binance", "rest", &d), 0);
    assert_true(d.probe);
    assert_int_equal(cb_circuit_peek(c, "sim-binance", "rest", &d), 0);
    assert_int_equal(d.state, CB_CIRCUIT_HALF_OPEN);
    cb_circuit_destroy(&c);
    cb_redis_destroy(&redis);

    redis = cb_redis_new("redis://127.0.0.1:1/0", &err);
    c = cb_circuit_new(redis, NULL, cfg);
    int rc = cb_circuit_allow(c, "x", "rest", &d);
    assert_true(rc == CB_E_UNAVAILABLE || rc == CB_E_TIMEOUT);
    cb_circuit_destroy(&c);
    cb_redis_destroy(&redis);
}

int
main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "--child") == 0) {
        return s_child(argv[2], argv[3], atoi(argv[4]), argv[5]);
    }
    cb_log_init("test-circuit", CB_LOG_ERROR, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_seen_by_others_probe_then_close_with_events),
        cmocka_unit_test(test_probe_failure_reopens_and_two_probes),
        cmocka_unit_test(test_failure_rate_rule_and_probe_lease),
    };
    return cmocka_run_group_tests_name("circuit", tests, s_setup, s_teardown);
}
