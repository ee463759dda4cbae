/* test_inbound_core.c - cb_inbound's decision core without Redis: leases, fallback, returns */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_inbound_core.h"
#include "cb_log.h"
#include "cb_time.h"

/* The lease op's answer {granted, remaining, reset_ms, retry_after_ms}. */
typedef struct {
    redisReply array;
    redisReply ints[4];
    redisReply *elements[4];
} s_reply_t;

static const redisReply *
s_reply(s_reply_t *r, long long granted, long long remaining, long long reset, long long retry)
{
    memset(r, 0, sizeof *r);
    long long v[4] = {granted, remaining, reset, retry};
    for (int i = 0; i < 4; i++) {
        r->ints[i].type = REDIS_REPLY_INTEGER;
        r->ints[i].integer = v[i];
        r->elements[i] = &r->ints[i];
    }
    r->array.type = REDIS_REPLY_ARRAY;
    r->array.elements = 4;
    r->array.element = r->elements;
    return &r->array;
}

static void
test_lease_spend_and_return(void **state)
{
    (void) state;
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cb_inbound_core_t *core = cb_inbound_core_new(cfg);
    assert_non_null(core);
    cb_inbound_decision_t d;
    cb_inbound_call_t ret;
    cb_inbound_call_t lease;
    /* A new client needs a lease of min(8, 100 / 4). */
    assert_int_equal(cb_inbound_core_check(core, "c", &d, &ret, &lease), 0);
    assert_int_equal(ret.nargs, 0);
    assert_int_equal(lease.nargs, 6);
    assert_string_equal(lease.arg[0], "lease");
    assert_string_equal(lease.arg[5], "8");
    assert_string_equal(lease.key[0], "coinbus:ratelimit:inbound:{c}");
    assert_string_equal(lease.key[1], "coinbus:ratelimit:inbound:{c}:total");
    s_reply_t r;
    assert_int_equal(cb_inbound_core_leased(core, "c", &lease, s_reply(&r, 8, 92, 60000, 0), &d),
                     0);
    assert_true(d.allowed && !d.degraded);
    assert_int_equal(d.remaining, 99);
    /* The other 7 need no Redis. */
    for (int i = 0; i < 7; i++) {
        assert_int_equal(cb_inbound_core_check(core, "c", &d, &ret, &lease), 1);
        assert_true(d.allowed);
    }
    assert_int_equal(d.remaining, 92);
    /* Spent: the next call returns it (8 used of 8) and leases again. */
    char id[48];
    strcpy(id, lease.arg[4]);
    assert_int_equal(cb_inbound_core_check(core, "c", &d, &ret, &lease), 0);
    assert_int_equal(ret.nargs, 7);
    assert_string_equal(ret.arg[0], "return");
    assert_string_equal(ret.arg[4], id);
    assert_string_equal(ret.arg[5], "8");
    assert_string_equal(ret.arg[6], "8");
    assert_string_not_equal(lease.arg[4], id);
    /* Redis says no: refused, and refused locally until retry_after. */
    assert_int_equal(cb_inbound_core_leased(core, "c", &lease, s_reply(&r, 0, 0, 5000, 4000), &d),
                     0);
    assert_false(d.allowed);
    assert_int_equal(d.retry_after_ms, 4000);
    assert_int_equal(cb_inbound_core_check(core, "c", &d, &ret, &lease), 1);
    assert_false(d.allowed);
    assert_true(d.retry_after_ms > 3900 && d.retry_after_ms <= 4000);
    /* A bad reply is not applied. */
    redisReply err = {.type = REDIS_REPLY_ERROR, .str = "NOAUTH", .len = 6};
    assert_int_equal(cb_inbound_core_leased(core, "x", &lease, &err, &d), CB_E_INTERNAL);
    cb_inbound_core_destroy(&core);
    assert_null(core);
    cb_inbound_core_destroy(&core);
}

static void
test_returns_and_forgetting(void **state)
{
    (void) state;
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cfg.lease_ms = 50;
    cb_inbound_core_t *core = cb_inbound_core_new(cfg);
    cb_inbound_decision_t d;
    cb_inbound_call_t ret;
    cb_inbound_call_t lease;
    s_reply_t r;
    const char *clients[3] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cb_inbound_core_check(core, clients[i], &d, &ret, &lease), 0);
        /* Applied without a decision (a late reply): nothing spent. */
        assert_int_equal(
            cb_inbound_core_leased(core, clients[i], &lease, s_reply(&r, 8, 92, 60000, 0), NULL),
            0);
    }
    cb_inbound_call_t calls[2];
    assert_int_equal(cb_inbound_core_returns(core, false, calls, 2), 0);
    assert_int_equal(cb_inbound_core_forget_idle(core, 10), 0);
    cb_time_sleep_ms(60, NULL);
    /* Ended leases go back, at most max per call. */
    assert_int_equal(cb_inbound_core_returns(core, false, calls, 2), 2);
    assert_string_equal(calls[0].arg[5], "0");
    assert_string_equal(calls[0].arg[6], "8");
    assert_int_equal(cb_inbound_core_returns(core, false, calls, 2), 1);
    assert_int_equal(cb_inbound_core_returns(core, true, calls, 2), 0);
    /* Nothing left to remember: forgotten. */
    assert_int_equal(cb_inbound_core_forget_idle(core, 2), 2);
    assert_int_equal(cb_inbound_core_forget_idle(core, 10), 1);
    cb_inbound_core_destroy(&core);
}

/* Leases a lease for client, answers it with granted slots, spends them
 * all, and returns the size the lease asked for. */
static long
s_lease_and_spend(cb_inbound_core_t *core, const char *client, long granted)
{
    cb_inbound_decision_t d;
    cb_inbound_call_t ret;
    cb_inbound_call_t lease;
    s_reply_t r;
    assert_int_equal(cb_inbound_core_check(core, client, &d, &ret, &lease), 0);
    long want = strtol(lease.arg[5], NULL, 10);
    assert_int_equal(cb_inbound_core_leased(core, client, &lease,
                                            s_reply(&r, granted, 1000000, 60000, 0), &d),
                     0);
    for (long i = 1; i < granted; i++) {
        assert_int_equal(cb_inbound_core_check(core, client, &d, &ret, &lease), 1);
        assert_true(d.allowed);
    }
    return want;
}

static void
test_lease_sizes_adapt(void **state)
{
    (void) state;
    /* A large budget: a client that spends its leases before they end gets
     * twice as many slots each time, up to 1024 x lease_size. */
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cfg.limit = 1000000;
    cfg.lease_ms = 200;
    cb_inbound_core_t *core = cb_inbound_core_new(cfg);
    assert_non_null(core);
    static const long sizes[] = {8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 8192};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        assert_int_equal(s_lease_and_spend(core, "busy", sizes[i]), sizes[i]);
    }
    /* Granted fewer than asked (the budget is short): the size still grows. */
    cb_inbound_core_t *core2 = cb_inbound_core_new(cfg);
    assert_int_equal(s_lease_and_spend(core2, "short", 3), 8);
    assert_int_equal(s_lease_and_spend(core2, "short", 3), 16);
    cb_inbound_core_destroy(&core2);
    /* A lease that ends with slots unused halves the next one. */
    cb_inbound_decision_t d;
    cb_inbound_call_t ret;
    cb_inbound_call_t lease;
    s_reply_t r;
    assert_int_equal(cb_inbound_core_check(core, "busy", &d, &ret, &lease), 0);
    assert_string_equal(lease.arg[5], "8192");
    assert_int_equal(
        cb_inbound_core_leased(core, "busy", &lease, s_reply(&r, 8192, 1000000, 60000, 0), &d), 0);
    cb_time_sleep_ms(250, NULL);
    assert_int_equal(cb_inbound_core_check(core, "busy", &d, &ret, &lease), 0);
    assert_string_equal(ret.arg[5], "1");
    assert_string_equal(lease.arg[5], "4096");
    cb_inbound_core_destroy(&core);

    /* The default budget (100 per window): never more than a quarter of it. */
    core = cb_inbound_core_new(cb_inbound_defaults());
    assert_int_equal(s_lease_and_spend(core, "c", 8), 8);
    assert_int_equal(s_lease_and_spend(core, "c", 16), 16);
    assert_int_equal(s_lease_and_spend(core, "c", 25), 25);
    assert_int_equal(s_lease_and_spend(core, "c", 25), 25);
    cb_inbound_core_destroy(&core);
}

static void
test_prefetch(void **state)
{
    (void) state;
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cfg.limit = 1000000;
    cfg.lease_ms = 1000;
    cb_inbound_core_t *core = cb_inbound_core_new(cfg);
    assert_non_null(core);
    cb_inbound_decision_t d;
    cb_inbound_call_t ret, lease, next;
    s_reply_t r;
    assert_int_equal(cb_inbound_core_prefetch(core, "p", &next), 0); /* unknown client */
    assert_int_equal(cb_inbound_core_check(core, "p", &d, &ret, &lease), 0);
    char first[sizeof lease.arg[4]];
    memcpy(first, lease.arg[4], sizeof first);
    assert_int_equal(cb_inbound_core_leased(core, "p", &lease, s_reply(&r, 8, 999992, 60000, 0), &d), 0);
    /* Under half spent: nothing to fetch yet; at half: the next lease, once. */
    for (int i = 1; i < 4; i++) {
        assert_int_equal(cb_inbound_core_prefetch(core, "p", &next), 0);
        assert_int_equal(next.nargs, 0);
        assert_int_equal(cb_inbound_core_check(core, "p", &d, &ret, &lease), 1);
    }
    assert_int_equal(cb_inbound_core_prefetch(core, "p", &next), 1);
    assert_int_equal(next.nargs, 6);
    assert_string_equal(next.arg[0], "lease");
    assert_string_equal(next.arg[5], "16"); /* busy: the size s_resize would give */
    assert_int_equal(cb_inbound_core_prefetch(core, "p", &lease), 0); /* in flight */
    assert_int_equal(cb_inbound_core_leased(core, "p", &next, s_reply(&r, 16, 999976, 60000, 0), NULL), 0);
    assert_int_equal(cb_inbound_core_prefetch(core, "p", &lease), 0); /* one held */
    /* The current lease's last 4 slots, then the next lease without waiting:
     * the spent one goes back as it is taken over. */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cb_inbound_core_check(core, "p", &d, &ret, &lease), 1);
        assert_int_equal(ret.nargs, 0);
    }
    assert_int_equal(cb_inbound_core_check(core, "p", &d, &ret, &lease), 1);
    assert_true(d.allowed);
    assert_int_equal(d.remaining, 999976 + 15);
    assert_int_equal(ret.nargs, 7);
    assert_string_equal(ret.arg[0], "return");
    assert_string_equal(ret.arg[4], first);
    assert_string_equal(ret.arg[5], "8");
    assert_string_equal(ret.arg[6], "8");
    /* A held next lease goes back with the current one when all return. */
    for (int i = 1; i < 8; i++) {
        assert_int_equal(cb_inbound_core_check(core, "p", &d, &ret, &lease), 1);
    }
    assert_int_equal(cb_inbound_core_prefetch(core, "p", &next), 1);
    assert_int_equal(cb_inbound_core_leased(core, "p", &next, s_reply(&r, 32, 999000, 60000, 0), NULL), 0);
    cb_inbound_call_t calls[4];
    assert_int_equal(cb_inbound_core_returns(core, true, calls, 4), 2);
    assert_string_equal(calls[0].arg[5], "0");
    assert_string_equal(calls[0].arg[6], "32");
    assert_string_equal(calls[1].arg[5], "8");
    assert_string_equal(calls[1].arg[6], "16");
    /* A prefetch answered after its lease was spent and returned becomes
     * the current lease. */
    assert_int_equal(cb_inbound_core_check(core, "p", &d, &ret, &lease), 0);
    assert_int_equal(cb_inbound_core_leased(core, "p", &lease, s_reply(&r, 8, 990000, 60000, 0), &d), 0);
    for (int i = 1; i < 4; i++) {
        assert_int_equal(cb_inbound_core_check(core, "p", &d, &ret, &lease), 1);
    }
    assert_int_equal(cb_inbound_core_prefetch(core, "p", &next), 1);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(cb_inbound_core_check(core, "p", &d, &ret, &lease), 1);
    }
    assert_int_equal(cb_inbound_core_check(core, "p", &d, &ret, &lease), 0);
    assert_int_equal(ret.nargs, 7);
    assert_int_equal(cb_inbound_core_leased(core, "p", &next, s_reply(&r, 5, 980000, 60000, 0), &d), 0);
    assert_true(d.allowed);
    assert_int_equal(d.remaining, 980000 + 4);
    cb_inbound_core_destroy(&core);

    /* The default budget (100, largest lease 25): at 13 of 25 spent the next
     * lease is at most the 13 slots that keep 25 held unused at most. */
    core = cb_inbound_core_new(cb_inbound_defaults());
    assert_int_equal(s_lease_and_spend(core, "q", 8), 8);
    assert_int_equal(s_lease_and_spend(core, "q", 16), 16);
    assert_int_equal(cb_inbound_core_check(core, "q", &d, &ret, &lease), 0);
    assert_string_equal(lease.arg[5], "25");
    assert_int_equal(cb_inbound_core_leased(core, "q", &lease, s_reply(&r, 25, 40, 60000, 0), &d), 0);
    for (int i = 1; i < 12; i++) {
        assert_int_equal(cb_inbound_core_check(core, "q", &d, &ret, &lease), 1);
    }
    assert_int_equal(cb_inbound_core_prefetch(core, "q", &next), 0); /* 12 of 25 */
    assert_int_equal(cb_inbound_core_check(core, "q", &d, &ret, &lease), 1);
    assert_int_equal(cb_inbound_core_prefetch(core, "q", &next), 1);
    assert_string_equal(next.arg[5], "13");
    /* Refused (the client is at its limit): the current lease's slots are
     * still spent, and no prefetch is asked again before the retry time. */
    assert_int_equal(cb_inbound_core_leased(core, "q", &next, s_reply(&r, 0, 0, 60000, 30000), NULL), 0);
    for (int i = 0; i < 12; i++) {
        assert_int_equal(cb_inbound_core_check(core, "q", &d, &ret, &lease), 1);
        assert_true(d.allowed);
        assert_int_equal(cb_inbound_core_prefetch(core, "q", &next), 0);
        assert_int_equal(next.nargs, 0);
    }
    cb_inbound_core_destroy(&core);
}

static void
test_fallback_share(void **state)
{
    (void) state;
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cfg.expected_replicas = 4;
    cb_inbound_core_t *core = cb_inbound_core_new(cfg);
    cb_inbound_decision_t d;
    int allowed = 0;
    for (int i = 0; i < 30; i++) {
        cb_inbound_core_fallback(core, "f", CB_E_UNAVAILABLE, &d);
        assert_true(d.degraded);
        assert_int_equal(d.limit, 25);
        allowed += d.allowed;
    }
    assert_int_equal(allowed, 25);
    assert_int_equal(d.remaining, 0);
    assert_true(d.retry_after_ms > 59000 && d.retry_after_ms <= 60000);
    assert_int_equal(d.reset_ms, d.retry_after_ms);
    /* Fallback calls in the window are remembered. */
    assert_int_equal(cb_inbound_core_forget_idle(core, 10), 0);
    cb_inbound_core_destroy(&core);
    /* Bad configs. */
    cfg.limit = 0;
    assert_null(cb_inbound_core_new(cfg));
    cfg = cb_inbound_defaults();
    cfg.expected_replicas = 0;
    assert_null(cb_inbound_core_new(cfg));
}

int
main(void)
{
    cb_log_init("test-inbound-core", CB_LOG_ERROR, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lease_spend_and_return),
        cmocka_unit_test(test_returns_and_forgetting),
        cmocka_unit_test(test_lease_sizes_adapt),
        cmocka_unit_test(test_prefetch),
        cmocka_unit_test(test_fallback_share),
    };
    return cmocka_run_group_tests_name("inbound_core", tests, NULL, NULL);
}
