/* test_route_ledger.c - the order-router ledger on a real Redis: intent once per client order id, atomic state changes with their stream, leases, the dead-man's timer, client order ids */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cb_error.h"
#include "cb_redis.h"
#include "cb_time.h"
#include "cbh.h"
#include "cbh_router.h"
#include "route_ledger.h"

static cbh_redis_t s_redis;
static cb_redis_t *s_r;

static int
s_setup(void **state)
{
    (void) state;
    int e = 0;
    if (cbh_redis_start(&s_redis, NULL) != 0) {
        return -1;
    }
    s_r = cb_redis_new(s_redis.url, &e);
    return s_r != NULL ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    cb_redis_destroy(&s_r);
    cbh_redis_stop(&s_redis);
    return 0;
}

static route_order_t
s_order(const char *clid)
{
    route_order_t o = cbh_ledger_order("sim-kraken", clid, "BTC-USD", "50000.1");
    snprintf(o.reason, sizeof o.reason, "line\nbreak\37sep");
    return o;
}

static long long
s_int(const char *fmt, const char *arg)
{
    int e = 0;
    redisReply *r = cb_redis_command(s_r, &e, fmt, arg);
    assert_non_null(r);
    long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject(r);
    return v;
}

static void
test_intent_once(void **state)
{
    (void) state;
    route_ledger_t l;
    assert_int_equal(route_ledger_init(&l, s_r, 5000), 0);
    route_order_t o = s_order("abc-1");
    bool created = false;
    assert_int_equal(route_ledger_intent(&l, &o, &created), 0);
    assert_true(created);
    /* The same client order id again: the existing order, nothing written. */
    route_order_t again = s_order("abc-1");
    snprintf(again.price, sizeof again.price, "1");
    assert_int_equal(route_ledger_intent(&l, &again, &created), 0);
    assert_false(created);
    assert_string_equal(again.price, "50000.1");
    assert_string_equal(again.status, "pending");
    assert_string_equal(again.reason, "line break sep");
    assert_int_equal(s_int("XLEN %s", "coinbus:orders:{sim-kraken}:log:abc-1"), 1);
    assert_int_equal(s_int("SISMEMBER coinbus:orders:{sim-kraken}:pending %s", "abc-1"), 1);

    snprintf(o.status, sizeof o.status, "open");
    snprintf(o.venue_order_id, sizeof o.venue_order_id, "OABC-1");
    assert_int_equal(route_ledger_update(&l, &o, "acknowledged"), 0);
    route_order_t got;
    assert_int_equal(route_ledger_get(&l, "sim-kraken", "abc-1", &got), 0);
    assert_string_equal(got.status, "open");
    assert_string_equal(got.venue_order_id, "OABC-1");
    assert_string_equal(got.owner, l.owner);
    assert_int_equal(s_int("XLEN %s", "coinbus:orders:{sim-kraken}:log:abc-1"), 2);
    assert_int_equal(s_int("SISMEMBER coinbus:orders:{sim-kraken}:pending %s", "abc-1"), 0);
    /* A change never creates an order; an unknown one is not found. */
    route_order_t ghost = s_order("ghost");
    assert_int_equal(route_ledger_update(&l, &ghost, "acknowledged"), CB_E_NOT_FOUND);
    assert_int_equal(route_ledger_get(&l, "sim-kraken", "ghost", &got), CB_E_NOT_FOUND);

    char ids[8][CB_CLID_MAX + 1];
    size_t n = 0;
    assert_int_equal(route_ledger_ids(&l, "sim-kraken", false, ids, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "abc-1");
}

static void
test_lease(void **state)
{
    (void) state;
    route_ledger_t mine, other;
    assert_int_equal(route_ledger_init(&mine, s_r, 300), 0);
    assert_int_equal(route_ledger_init(&other, s_r, 300), 0);
    assert_string_not_equal(mine.owner, other.owner);
    route_order_t o = s_order("lease-1");
    bool created;
    assert_int_equal(route_ledger_intent(&mine, &o, &created), 0);
    /* Ours while the lease runs; the other replica waits for it to expire. */
    assert_int_equal(route_ledger_claim(&other, "sim-kraken", "lease-1", 0), 0);
    assert_int_equal(route_ledger_claim(&mine, "sim-kraken", "lease-1", 0), 1);
    usleep(400 * 1000);
    assert_int_equal(route_ledger_claim(&other, "sim-kraken", "lease-1", 10000), 1);
    /* Not due again before retry_ms, even for its holder. */
    assert_int_equal(route_ledger_claim(&other, "sim-kraken", "lease-1", 0), 0);
    assert_int_equal(route_ledger_claim(&mine, "sim-kraken", "lease-1", 0), 0);
    /* Once resolved it leaves the pending set and is never claimed. */
    snprintf(o.status, sizeof o.status, "filled");
    assert_int_equal(route_ledger_update(&other, &o, "resolved"), 0);
    char ids[8][CB_CLID_MAX + 1];
    size_t n = 9;
    assert_int_equal(route_ledger_ids(&other, "sim-kraken", true, ids, 8, &n), 0);
    for (size_t i = 0; i < n; i++) {
        assert_string_not_equal(ids[i], "lease-1");
    }
}

static void
test_timer(void **state)
{
    (void) state;
    route_ledger_t a, b;
    assert_int_equal(route_ledger_init(&a, s_r, 1000), 0);
    assert_int_equal(route_ledger_init(&b, s_r, 1000), 0);
    int64_t now = cb_time_now_ms();
    assert_int_equal(route_ledger_timer_set(&a, "sim-binance", now + 1000), 0);
    assert_int_equal(route_ledger_timer_take(&b, "sim-binance", now), 0);
    assert_int_equal(route_ledger_timer_take(&b, "sim-binance", now + 1000), 1);
    assert_int_equal(route_ledger_timer_take(&a, "sim-binance", now + 1000), 0);
    assert_int_equal(route_ledger_timer_set(&a, "sim-binance", now + 10), 0);
    assert_int_equal(route_ledger_timer_set(&a, "sim-binance", 0), 0);
    assert_int_equal(route_ledger_timer_take(&b, "sim-binance", now + 100000), 0);
}

static void
test_clid(void **state)
{
    (void) state;
    char a[CB_CLID_MAX + 1], b[CB_CLID_MAX + 1], msg[256];
    assert_int_equal(route_ledger_clid(CB_DIALECT_KRAKEN, "sim-kraken", NULL, "k1", a, msg, sizeof msg), 0);
    assert_int_equal(route_ledger_clid(CB_DIALECT_KRAKEN, "sim-kraken", "", "k1", b, msg, sizeof msg), 0);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 32);
    assert_true(cb_order_clid_ok(CB_DIALECT_KRAKEN, a, strlen(a)));
    assert_int_equal(route_ledger_clid(CB_DIALECT_KRAKEN, "sim-binance", NULL, "k1", b, msg, sizeof msg), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(route_ledger_clid(CB_DIALECT_KRAKEN, "sim-kraken", NULL, NULL, a, msg, sizeof msg), 0);
    assert_int_equal(route_ledger_clid(CB_DIALECT_KRAKEN, "sim-kraken", NULL, NULL, b, msg, sizeof msg), 0);
    assert_string_not_equal(a, b);
    assert_int_equal(route_ledger_clid(CB_DIALECT_BINANCE, "x", "my_id-1", NULL, a, msg, sizeof msg), 0);
    assert_string_equal(a, "my_id-1");
    assert_int_equal(route_ledger_clid(CB_DIALECT_KRAKEN, "x", "my_id-1", NULL, a, msg, sizeof msg),
                     CB_E_BAD_REQUEST);
    assert_non_null(strstr(msg, "[A-Za-z0-9-]"));
    assert_int_equal(route_ledger_clid(CB_DIALECT_BINANCE, "x", "0123456789012345678901234567890123456", NULL, a,
                                       msg, sizeof msg),
                     CB_E_BAD_REQUEST);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intent_once),
        cmocka_unit_test(test_lease),
        cmocka_unit_test(test_timer),
        cmocka_unit_test(test_clid),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
