/* test_redis_outage.c - shared clock offset; every Redis-backed guard through an outage and back */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cb_circuit.h"
#include "cb_error.h"
#include "cb_inbound.h"
#include "cb_log.h"
#include "cb_nonce.h"
#include "cb_ratelimit.h"
#include "cb_time.h"
#include "cb_venue_clock.h"
#include "cbh.h"

static void
test_shared_clock_offset(void **state)
{
    (void) state;
    cbh_redis_t server;
    assert_int_equal(cbh_redis_start(&server, NULL), 0);
    int err;
    cb_redis_t *a = cb_redis_new(server.url, &err);
    cb_redis_t *b = cb_redis_new(server.url, &err);
    int64_t offset;
    int64_t age;
    assert_int_equal(cb_venue_clock_offset(b, "binance", &offset, &age), CB_E_NOT_FOUND);
    /* Replica A: sent at 1000, venue said 2600, back at 1200: offset 1500. */
    assert_int_equal(cb_venue_clock_record(a, "binance", 1000, 2600, 1200, &offset), 0);
    assert_int_equal(offset, 1500);
    /* A worse measurement (longer round trip) does not replace it. */
    assert_int_equal(cb_venue_clock_record(a, "binance", 5000, 9000, 5900, &offset), 0);
    assert_int_equal(offset, 1500);
    /* Replica B reads what A measured. */
    assert_int_equal(cb_venue_clock_offset(b, "binance", &offset, &age), 0);
    assert_int_equal(offset, 1500);
    assert_true(age >= 0 && age < 1000);
    assert_int_equal(cb_venue_clock_record(a, "binance", 10, 5, 5, &offset), CB_E_BAD_REQUEST);
    /* Exactly one of several replicas measures per period. */
    int measuring = 0;
    for (int i = 0; i < 4; i++) {
        measuring += cb_venue_clock_should_measure(i % 2 == 0 ? a : b, "binance", 2000);
    }
    assert_int_equal(measuring, 1);
    cb_redis_destroy(&a);
    cb_redis_destroy(&b);
    cbh_redis_stop(&server);
}

static void
test_outage_then_recovery_without_restart(void **state)
{
    (void) state;
    cbh_redis_t server;
    assert_int_equal(cbh_redis_start(&server, NULL), 0);
    int port = server.port;
    int err;
    cb_redis_t *redis = cb_redis_new(server.url, &err);
    cb_ratelimit_t *rl = cb_ratelimit_new(redis);
    cb_inbound_config_t icfg = cb_inbound_defaults();
    icfg.expected_replicas = 4;
    cb_inbound_t *in = cb_inbound_new(redis, icfg);
    cb_circuit_breaker_t *breaker = cb_circuit_new(redis, NULL, cb_circuit_defaults());
    cb_nonce_t nonce;
    assert_int_equal(cb_nonce_init(&nonce, redis, "kraken", "key"), 0);
    cb_rl_decision_t d;
    cb_inbound_decision_t id;
    cb_circuit_decision_t cd;
    uint64_t n;
    assert_int_equal(cb_ratelimit_acquire(rl, "k", NULL, cb_rl_kraken_public(), 1000, 0, &d), 0);
    cb_inbound_check(in, "c", &id);
    assert_true(id.allowed && !id.degraded);
    assert_int_equal(cb_circuit_allow(breaker, "kraken", "rest", &cd), 0);
    assert_int_equal(cb_nonce_next(&nonce, &n), 0);

    cbh_redis_stop(&server);
    /* Outbound orders fail closed; inbound falls back to its local share. */
    int rc = cb_ratelimit_acquire(rl, "k", NULL, cb_rl_kraken_public(), 1000, 0, &d);
    assert_true(rc == CB_E_UNAVAILABLE || rc == CB_E_TIMEOUT);
    rc = cb_nonce_next(&nonce, &n);
    assert_true(rc == CB_E_UNAVAILABLE || rc == CB_E_TIMEOUT);
    rc = cb_circuit_allow(breaker, "kraken", "rest", &cd);
    assert_true(rc == CB_E_UNAVAILABLE || rc == CB_E_TIMEOUT);
    int allowed = 0;
    for (int i = 0; i < 60; i++) {
        cb_inbound_check(in, "other", &id);
        assert_true(id.degraded);
        allowed += id.allowed;
    }
    assert_int_equal(allowed, 25);

    /* A new Redis on the same port: empty, no scripts loaded. Everything
     * comes back by itself (after the reconnect backoff). */
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    char *argv[] = {"/usr/bin/redis-server", "--bind", "127.0.0.1", "--port", port_text,
                    "--save", "", "--appendonly", "no", NULL};
    cbh_proc_t *again = cbh_proc_start("redis-again", argv, NULL);
    bool back = false;
    for (int i = 0; i < 200 && !back; i++) {
        back = cb_ratelimit_acquire(rl, "k2", NULL, cb_rl_kraken_public(), 1000, 0, &d) == 0;
        if (!back) {
            cb_time_sleep_ms(50, NULL);
        }
    }
    assert_true(back);
    assert_true(d.admitted);
    assert_int_equal(cb_nonce_next(&nonce, &n), 0);
    assert_int_equal(cb_circuit_allow(breaker, "kraken", "rest", &cd), 0);
    assert_true(cd.allowed);
    cb_inbound_check(in, "fresh", &id);
    assert_false(id.degraded);
    assert_true(id.allowed);
    cb_inbound_destroy(&in);
    cb_circuit_destroy(&breaker);
    cb_ratelimit_destroy(&rl);
    cb_redis_destroy(&redis);
    cbh_proc_stop(&again, SIGTERM, 3000);
}

int
main(void)
{
    cb_log_init("test-outage", CB_LOG_ERROR, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_clock_offset),
        cmocka_unit_test(test_outage_then_recovery_without_restart),
    };
    return cmocka_run_group_tests_name("redis_outage", tests, NULL, NULL);
}
