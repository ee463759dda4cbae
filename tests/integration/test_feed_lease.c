/* test_feed_lease.c - market-feed stream leases on a real redis-server: one owner, takeover, fair
 * share, restart */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_redis.h"
#include "cb_time.h"
#include "cbh.h"
#include "feed_lease.h"

#define S_TTL_MS 900
#define S_TICK_MS (S_TTL_MS / 3)
#define S_STREAMS 9
#define S_MS ((int64_t) 1000000)

static const char *const s_symbols[S_STREAMS] = {"BTC-USD", "ETH-USD", "SOL-USD",
                                                 "XRP-USD", "ADA-USD", "DOT-USD",
                                                 "LTC-USD", "BTC-EUR", "ETH-EUR"};

/* One replica: its own Redis connection and lease holder. */
typedef struct {
    cb_redis_t *redis;
    feed_lease_t *lease;
    size_t gained;
    size_t lost;
} s_replica_t;

static cbh_redis_t s_server;
static cb_redis_t *s_check; /* the test's own connection, to read the keys */

static void
s_replica_init_ttl(s_replica_t *r, int64_t ttl_ms)
{
    memset(r, 0, sizeof *r);
    int err;
    r->redis = cb_redis_new(s_server.url, &err);
    assert_non_null(r->redis);
    cb_redis_set_timeouts(r->redis, 100, 100);
    r->lease = feed_lease_new(r->redis, ttl_ms, &err);
    assert_non_null(r->lease);
    assert_int_equal(strlen(feed_lease_id(r->lease)), 16);
    for (int i = 0; i < S_STREAMS; i++) {
        assert_int_equal(feed_lease_add(r->lease, i < 7 ? "kraken" : "binance", s_symbols[i]), i);
    }
}

static void
s_replica_init(s_replica_t *r)
{
    s_replica_init_ttl(r, S_TTL_MS);
}

static void
s_replica_fini(s_replica_t *r)
{
    feed_lease_destroy(&r->lease);
    feed_lease_destroy(&r->lease);
    cb_redis_destroy(&r->redis);
}

/* One tick; the changes agree with the owned set. Returns the tick's result. */
static int
s_tick(s_replica_t *r)
{
    feed_lease_changes_t ch;
    bool before[S_STREAMS];
    for (size_t i = 0; i < S_STREAMS; i++) {
        before[i] = feed_lease_owned(r->lease, i);
    }
    int rc = feed_lease_tick(r->lease, &ch);
    for (size_t k = 0; k < ch.n_gained; k++) {
        assert_false(before[ch.gained[k]]);
        assert_true(feed_lease_owned(r->lease, ch.gained[k]));
    }
    for (size_t k = 0; k < ch.n_lost; k++) {
        assert_true(before[ch.lost[k]]);
    }
    r->gained += ch.n_gained;
    r->lost += ch.n_lost;
    return rc;
}

/* No stream is owned by both (b may be NULL); with check_redis, each owned
 * key holds its owner's id. */
static void
s_assert_exclusive(const s_replica_t *a, const s_replica_t *b, bool check_redis)
{
    for (size_t i = 0; i < S_STREAMS; i++) {
        bool oa = feed_lease_owned(a->lease, i);
        bool ob = b != NULL && feed_lease_owned(b->lease, i);
        if (oa && ob) {
            fail_msg("stream %zu owned by both replicas", i);
        }
        if (check_redis && (oa || ob)) {
            int err;
            char key[128];
            snprintf(key, sizeof key, "coinbus:market:lease:%s:%s", feed_lease_venue(a->lease, i),
                     s_symbols[i]);
            redisReply *rep = cb_redis_command(s_check, &err, "GET %s", key);
            assert_non_null(rep);
            assert_int_equal(rep->type, REDIS_REPLY_STRING);
            assert_string_equal(rep->str, feed_lease_id(oa ? a->lease : b->lease));
            freeReplyObject(rep);
        }
    }
}

static int
s_setup(void **state)
{
    (void) state;
    if (cbh_redis_start(&s_server, NULL) != 0) {
        return -1;
    }
    int err;
    s_check = cb_redis_new(s_server.url, &err);
    return s_check != NULL ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    cb_redis_destroy(&s_check);
    cbh_redis_stop(&s_server);
    return 0;
}

/* Waits until the checker's connection answers again (after a restart). */
static void
s_check_ready(void)
{
    for (int i = 0; i < 100 && cb_redis_ping(s_check) != 0; i++) {
        cb_time_sleep_ms(100, NULL);
    }
    assert_int_equal(cb_redis_ping(s_check), 0);
}

static void
s_flush(void)
{
    int err;
    redisReply *r = cb_redis_command(s_check, &err, "FLUSHALL");
    assert_non_null(r);
    freeReplyObject(r);
}

/* Both replicas tick every tick_ms for rounds rounds, checking exclusivity. */
static void
s_run_every(s_replica_t *a, s_replica_t *b, int rounds, bool check_redis, int64_t tick_ms)
{
    for (int k = 0; k < rounds; k++) {
        assert_int_equal(s_tick(a), 0);
        s_assert_exclusive(a, b, check_redis);
        assert_int_equal(s_tick(b), 0);
        s_assert_exclusive(a, b, check_redis);
        cb_time_sleep_ms(tick_ms, NULL);
    }
}

static void
s_run(s_replica_t *a, s_replica_t *b, int rounds, bool check_redis)
{
    s_run_every(a, b, rounds, check_redis, S_TICK_MS);
}

/* A fresh pair of replicas on an empty Redis, settled (four rounds). */
static void
s_pair_start(s_replica_t *a, s_replica_t *b)
{
    s_flush();
    s_replica_init(a);
    s_replica_init(b);
    s_run(a, b, 4, true);
}

/* Both give their leases back cleanly and are freed. */
static void
s_pair_end(s_replica_t *a, s_replica_t *b)
{
    feed_lease_changes_t ch;
    assert_int_equal(feed_lease_release_all(a->lease, &ch), 0);
    assert_int_equal(feed_lease_release_all(b->lease, &ch), 0);
    s_replica_fini(a);
    s_replica_fini(b);
}

static void
test_ttl_parse(void **state)
{
    (void) state;
    int64_t ttl;
    char err[160];
    assert_int_equal(feed_lease_ttl_parse(NULL, &ttl, err, sizeof err), 0);
    assert_int_equal(ttl, 5000);
    assert_int_equal(feed_lease_ttl_parse("", &ttl, err, sizeof err), 0);
    assert_int_equal(ttl, 5000);
    assert_int_equal(feed_lease_ttl_parse("1500", &ttl, err, sizeof err), 0);
    assert_int_equal(ttl, 1500);
    const char *bad[] = {"99",    "3600001", "-5000",
                         "+5000", "5s",      " 5000",
                         "5000 ", "abc",     "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(feed_lease_ttl_parse(bad[i], &ttl, err, sizeof err), CB_E_CONFIG);
        assert_non_null(strstr(err, "COINBUS_FEED_LEASE_MS: '"));
        assert_null(strchr(err, '\n'));
    }
    assert_string_equal(err, "COINBUS_FEED_LEASE_MS: '99999999999999999999999' is not a whole "
                             "number of milliseconds in [100, 3600000]");
    int e;
    assert_null(feed_lease_new(s_check, 50, &e));
    assert_int_equal(e, CB_E_CONFIG);
    feed_lease_t *l = feed_lease_new(s_check, 1000, &e);
    assert_non_null(l);
    assert_int_equal(feed_lease_tick_ms(l), 333);
    assert_int_equal(feed_lease_add(l, "Kraken", "BTC-USD"), CB_E_BAD_REQUEST);
    assert_int_equal(feed_lease_add(l, "kraken", "btc-usd"), CB_E_BAD_REQUEST);
    assert_int_equal(feed_lease_add(l, "kraken", "BTC-USD"), 0);
    assert_int_equal(feed_lease_add(l, "kraken", "BTC-USD"), CB_E_BAD_REQUEST);
    feed_lease_destroy(&l);
    assert_null(l);
}

/* Two replicas, nine streams: every stream gets exactly one owner and both
 * replicas get some (at most ceil(9 / 2) = 5 each), whoever starts first. */
static void
test_exclusive_and_spread(void **state)
{
    (void) state;
    s_flush();
    s_replica_t a;
    s_replica_t b;
    s_replica_init(&a);
    s_replica_init(&b);
    /* a alone first: it takes everything ... */
    assert_int_equal(s_tick(&a), 0);
    assert_int_equal(feed_lease_owned_count(a.lease), S_STREAMS);
    /* ... then b joins; a gives back its extra streams and b takes them. */
    s_run(&a, &b, 4, true);
    size_t na = feed_lease_owned_count(a.lease);
    size_t nb = feed_lease_owned_count(b.lease);
    assert_int_equal(na + nb, S_STREAMS);
    assert_true(na >= 4 && na <= 5);
    assert_true(nb >= 4 && nb <= 5);
    /* Steady: nothing moves any more. */
    size_t ga = a.gained, gb = b.gained, la = a.lost, lb = b.lost;
    s_run(&a, &b, 4, true);
    assert_int_equal(a.gained, ga);
    assert_int_equal(b.gained, gb);
    assert_int_equal(a.lost, la);
    assert_int_equal(b.lost, lb);
    feed_lease_changes_t ch;
    assert_int_equal(feed_lease_release_all(a.lease, &ch), 0);
    assert_int_equal(ch.n_lost, na);
    assert_int_equal(feed_lease_release_all(b.lease, &ch), 0);
    assert_int_equal(ch.n_lost, nb);
    s_replica_fini(&a);
    s_replica_fini(&b);
}

/* b stops renewing (a simulated crash: no release); a takes every stream
 * within TTL + one tick period, and never before b's lease ran out in Redis. */
static void
test_takeover_after_death(void **state)
{
    (void) state;
    s_replica_t a;
    s_replica_t b;
    s_pair_start(&a, &b);
    assert_true(feed_lease_owned_count(b.lease) > 0);
    int64_t b_last = cb_time_mono_ns();
    assert_int_equal(s_tick(&b), 0); /* b's last renewal */
    int64_t gained_at = 0;
    for (;;) {
        size_t before = feed_lease_owned_count(a.lease);
        assert_int_equal(s_tick(&a), 0);
        assert_true(feed_lease_owned_count(a.lease) >= before); /* a keeps its own */
        if (feed_lease_owned_count(a.lease) > before) {
            gained_at = cb_time_mono_ns();
            /* Not before b's lease expired in Redis (whose clock counts
             * whole milliseconds: 2 ms of rounding allowed). */
            if (gained_at < b_last + (S_TTL_MS - 2) * S_MS) {
                fail_msg("gained %lld us after b's last renewal, before its TTL",
                         (long long) ((gained_at - b_last) / 1000));
            }
        }
        assert_true(cb_time_mono_ns() - b_last < 3 * S_TTL_MS * S_MS);
        if (feed_lease_owned_count(a.lease) == S_STREAMS) {
            break;
        }
        cb_time_sleep_ms(S_TICK_MS, NULL);
    }
    int64_t took_ms = (gained_at - b_last) / S_MS;
    cb_log_write(CB_LOG_WARN, "takeover", "took_ms=%lld limit_ms=%d", (long long) took_ms,
                 S_TTL_MS + S_TICK_MS);
    /* TTL + one tick period, plus scheduling slack. */
    assert_true(took_ms <= S_TTL_MS + S_TICK_MS + 150);
    s_assert_exclusive(&a, NULL, true);
    feed_lease_changes_t ch;
    assert_int_equal(feed_lease_release_all(a.lease, &ch), 0);
    s_replica_fini(&a);
    s_replica_fini(&b);
}

/* A clean release hands over at the other replica's next tick. */
static void
test_clean_release(void **state)
{
    (void) state;
    s_replica_t a;
    s_replica_t b;
    s_pair_start(&a, &b);
    size_t nb = feed_lease_owned_count(b.lease);
    assert_true(nb > 0);
    feed_lease_changes_t ch;
    assert_int_equal(feed_lease_release_all(b.lease, &ch), 0);
    assert_int_equal(ch.n_lost, nb);
    assert_int_equal(feed_lease_owned_count(b.lease), 0);
    assert_int_equal(s_tick(&a), 0);
    assert_int_equal(feed_lease_owned_count(a.lease), S_STREAMS);
    s_assert_exclusive(&a, &b, true);
    assert_int_equal(feed_lease_release_all(a.lease, &ch), 0);
    /* Nothing left in Redis. */
    int err;
    redisReply *r = cb_redis_command(s_check, &err, "DBSIZE");
    assert_non_null(r);
    assert_int_equal(r->integer, 0);
    freeReplyObject(r);
    s_replica_fini(&a);
    s_replica_fini(&b);
}

/* Redis stops for several TTLs: each replica keeps every stream it owns
 * (nothing lost, nothing gained, still one owner per stream); Redis comes
 * back empty on the same port: every stream gets one owner again, never two
 * at once, the kept ones without a gap. */
static void
test_redis_restart(void **state)
{
    (void) state;
    s_replica_t a;
    s_replica_t b;
    s_pair_start(&a, &b);
    size_t na = feed_lease_owned_count(a.lease);
    size_t nb = feed_lease_owned_count(b.lease);
    assert_int_equal(na + nb, S_STREAMS);
    size_t la = a.lost, lb = b.lost;
    int port = s_server.port;
    cbh_redis_stop(&s_server);
    int64_t down_at = cb_time_mono_ns();
    while (cb_time_mono_ns() - down_at < 4 * S_TTL_MS * S_MS) {
        int rc = s_tick(&a);
        assert_true(rc == CB_E_UNAVAILABLE || rc == CB_E_TIMEOUT);
        assert_true(s_tick(&b) < 0);
        assert_int_equal(feed_lease_owned_count(a.lease), na);
        assert_int_equal(feed_lease_owned_count(b.lease), nb);
        s_assert_exclusive(&a, &b, false);
        cb_time_sleep_ms(S_TICK_MS, NULL);
    }
    assert_int_equal(a.lost, la);
    assert_int_equal(b.lost, lb);

    /* Back, empty, on the same port: the first round that reaches it sets
     * every kept key again, nothing changes hands. */
    assert_int_equal(cbh_redis_start_on(&s_server, port, NULL), 0);
    int64_t up_at = cb_time_mono_ns();
    while (s_tick(&a) != 0 || s_tick(&b) != 0) {
        assert_true(cb_time_mono_ns() - up_at < (int64_t) 15000 * S_MS);
        s_assert_exclusive(&a, &b, false);
        cb_time_sleep_ms(S_TICK_MS, NULL);
    }
    assert_int_equal(feed_lease_owned_count(a.lease), na);
    assert_int_equal(feed_lease_owned_count(b.lease), nb);
    assert_int_equal(a.lost, la);
    assert_int_equal(b.lost, lb);
    s_check_ready();
    s_assert_exclusive(&a, &b, true);
    s_run(&a, &b, 2, true);

    /* Once more: still exactly one owner per stream at every step, and all
     * of them owned again afterwards. */
    cbh_redis_stop(&s_server);
    assert_int_equal(cbh_redis_start_on(&s_server, port, NULL), 0);
    up_at = cb_time_mono_ns();
    bool ok_a = false, ok_b = false;
    do {
        assert_true(cb_time_mono_ns() - up_at < (int64_t) 15000 * S_MS);
        cb_time_sleep_ms(S_TICK_MS, NULL);
        ok_a = s_tick(&a) == 0;
        s_assert_exclusive(&a, &b, false);
        ok_b = s_tick(&b) == 0;
        s_assert_exclusive(&a, &b, false);
    } while (!ok_a || !ok_b);
    assert_int_equal(feed_lease_owned_count(a.lease) + feed_lease_owned_count(b.lease), S_STREAMS);
    assert_true(feed_lease_owned_count(a.lease) > 0 && feed_lease_owned_count(b.lease) > 0);
    s_check_ready();
    s_assert_exclusive(&a, &b, true);
    s_run(&a, &b, 2, true);
    s_pair_end(&a, &b);
}

/* A replica cut off from Redis while another reaches it: the other takes the
 * silent one's streams once their keys expire, so both publish them for a
 * while (a is cut off here by ticking only b). When a reaches Redis again,
 * its first round gives every taken stream up (the loser stops), and the two
 * end up sharing the streams, one owner each. */
static void
test_double_owner_after_outage_resolves(void **state)
{
    (void) state;
    s_replica_t a;
    s_replica_t b;
    s_pair_start(&a, &b);
    size_t na = feed_lease_owned_count(a.lease);
    assert_true(na > 0);
    int port = s_server.port;
    cbh_redis_stop(&s_server);
    assert_true(s_tick(&a) < 0); /* a's outage starts: it keeps its streams */
    assert_int_equal(feed_lease_owned_count(a.lease), na);
    assert_int_equal(cbh_redis_start_on(&s_server, port, NULL), 0);
    /* Only b ticks: after its hold-back TTL it takes all the free keys. */
    int64_t up_at = cb_time_mono_ns();
    while (feed_lease_owned_count(b.lease) < S_STREAMS) {
        assert_true(cb_time_mono_ns() - up_at < (int64_t) 15000 * S_MS);
        cb_time_sleep_ms(S_TICK_MS, NULL);
        s_tick(&b);
    }
    assert_int_equal(feed_lease_owned_count(a.lease), na); /* both own a's streams */
    size_t la = a.lost;
    assert_int_equal(s_tick(&a), 0);
    assert_int_equal(a.lost - la, na);
    assert_int_equal(feed_lease_owned_count(a.lease), 0);
    s_check_ready();
    s_assert_exclusive(&a, &b, true);
    /* Then the fair share again: both hold some, one owner each. */
    up_at = cb_time_mono_ns();
    while (feed_lease_owned_count(a.lease) == 0 ||
           feed_lease_owned_count(a.lease) + feed_lease_owned_count(b.lease) < S_STREAMS) {
        assert_true(cb_time_mono_ns() - up_at < (int64_t) 15000 * S_MS);
        cb_time_sleep_ms(S_TICK_MS, NULL);
        s_tick(&a);
        s_assert_exclusive(&a, &b, true);
        s_tick(&b);
        s_assert_exclusive(&a, &b, true);
    }
    s_pair_end(&a, &b);
}

/* A restart shorter than a tick period: the owners keep their streams (one
 * renewal fails, the next one sets the vanished keys again), nobody else
 * takes one meanwhile, nothing is lost or gained. */
static void
test_quick_restart_keeps_owners(void **state)
{
    (void) state;
    const int64_t ttl_ms = 3000;
    const int64_t tick_ms = ttl_ms / 3;
    s_flush();
    s_replica_t a;
    s_replica_t b;
    s_replica_init_ttl(&a, ttl_ms);
    s_replica_init_ttl(&b, ttl_ms);
    s_run_every(&a, &b, 3, true, tick_ms);
    size_t na = feed_lease_owned_count(a.lease);
    size_t nb = feed_lease_owned_count(b.lease);
    assert_int_equal(na + nb, S_STREAMS);
    bool owned_a[S_STREAMS];
    for (size_t i = 0; i < S_STREAMS; i++) {
        owned_a[i] = feed_lease_owned(a.lease, i);
    }
    size_t ga = a.gained, gb = b.gained, la = a.lost, lb = b.lost;
    int port = s_server.port;
    int64_t t0 = cb_time_mono_ns();
    cbh_redis_stop(&s_server);
    assert_int_equal(cbh_redis_start_on(&s_server, port, NULL), 0);
    int64_t restart_ms = (cb_time_mono_ns() - t0) / S_MS;
    cb_log_write(CB_LOG_WARN, "quick_restart", "took_ms=%lld", (long long) restart_ms);
    if (restart_ms >= tick_ms - 100) {
        skip(); /* too slow a machine for this scenario */
    }
    /* s_run_every slept one period after the last tick: tick now. */
    for (int k = 0; k < 4; k++) {
        s_tick(&a); /* the first one finds the old connection dead */
        s_tick(&b);
        s_assert_exclusive(&a, &b, false);
        cb_time_sleep_ms(tick_ms, NULL);
    }
    assert_int_equal(a.gained, ga);
    assert_int_equal(b.gained, gb);
    assert_int_equal(a.lost, la);
    assert_int_equal(b.lost, lb);
    for (size_t i = 0; i < S_STREAMS; i++) {
        assert_int_equal(feed_lease_owned(a.lease, i), owned_a[i]);
    }
    s_check_ready();
    s_assert_exclusive(&a, &b, true);
    s_pair_end(&a, &b);
}

int
main(void)
{
    cb_log_init("test-feed-lease", CB_LOG_WARN, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ttl_parse),
        cmocka_unit_test(test_exclusive_and_spread),
        cmocka_unit_test(test_takeover_after_death),
        cmocka_unit_test(test_clean_release),
        cmocka_unit_test(test_redis_restart),
        cmocka_unit_test(test_double_owner_after_outage_resolves),
        cmocka_unit_test(test_quick_restart_keeps_owners),
    };
    return cmocka_run_group_tests_name("feed_lease", tests, s_setup, s_teardown);
}
