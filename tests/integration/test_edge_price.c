/* test_edge_price.c - api-edge's rendered price answers on the real bus: re-used bytes, a new tick changes the answer at once, a stale tick is never served */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <zmq.h>

#include "cb_buf.h"
#include "cb_pub.h"
#include "cb_time.h"
#include "cbh.h"
#include "cbh_bus.h"
#include "cbh_edgews.h"
#include "edge_cache.h"
#include "edge_price.h"

static cbh_bus_t s_bus;
static cb_pub_t *s_pub;

/* Publishes a tick of symbol on venue with bid and ask (exact decimals). */
static void
s_publish(const char *symbol, const char *venue, const char *bid, const char *ask)
{
    cb_event_t ev;
    cbh_edgews_make_tick(&ev, symbol, venue, bid, ask, NULL, NULL);
    cb_proto_err_t err;
    if (cb_pub_send(s_pub, &ev, &err) != 0) {
        fail_msg("cb_pub_send: %s", err.message);
    }
}

/* Takes the bus's messages until the cache's version moved past before
 * (or 5 s): the tick just published is in the cache. */
static void
s_take(edge_cache_t *cache, uint64_t before)
{
    int64_t end = cb_time_now_ms() + 5000;
    while (edge_cache_version(cache) == before && cb_time_now_ms() < end) {
        zmq_pollitem_t item = {NULL, edge_cache_fd(cache), ZMQ_POLLIN, 0};
        assert_true(zmq_poll(&item, 1, 20) >= 0);
        edge_cache_process(cache, 0);
    }
    assert_true(edge_cache_version(cache) != before);
}

/* Publishes and waits until the cache holds it. */
static void
s_tick(edge_cache_t *cache, const char *symbol, const char *venue, const char *bid, const char *ask)
{
    uint64_t before = edge_cache_version(cache);
    s_publish(symbol, venue, bid, ask);
    s_take(cache, before);
}

/* A cache whose subscription has reached the publisher. */
static edge_cache_t *
s_cache_new(void)
{
    edge_cache_t *cache = edge_cache_new(s_bus.config.sub);
    assert_non_null(cache);
    int64_t end = cb_time_now_ms() + 5000;
    edge_tick_t t;
    while (!edge_cache_tick(cache, "WARM-USD", "warmup", 0, &t) && cb_time_now_ms() < end) {
        s_publish("WARM-USD", "warmup", "1", "2");
        cb_time_sleep_ms(50, NULL);
        edge_cache_process(cache, 0);
    }
    assert_true(edge_cache_tick(cache, "WARM-USD", "warmup", 0, &t));
    return cache;
}

static int
s_setup(void **state)
{
    (void) state;
    return cbh_bus_start_pub(&s_bus, &s_pub);
}

static int
s_teardown(void **state)
{
    (void) state;
    return cbh_bus_stop_pub(&s_bus, &s_pub);
}

/* out holds "needle" somewhere. */
static void
s_has(const cb_buf_t *out, const char *needle)
{
    if (out->data == NULL || strstr(out->data, needle) == NULL) {
        fail_msg("%s not in %s", needle, out->data != NULL ? out->data : "(nothing)");
    }
}

static void
test_reused_until_the_next_tick(void **state)
{
    (void) state;
    edge_cache_t *cache = s_cache_new();
    edge_price_t *price = edge_price_new(cache, 60 * 1000000000LL);
    assert_non_null(price);
    cb_buf_t first = {0}, again = {0};

    assert_int_equal(edge_price_get(price, "BTC-USD", "", &first), 0);
    s_tick(cache, "BTC-USD", "venue-a", "50000.1", "50000.5");
    s_tick(cache, "BTC-USD", "venue-b", "50000.2", "50000.3");
    uint64_t renders = edge_price_renders(price);
    assert_int_equal(edge_price_get(price, "BTC-USD", "", &first), 1);
    s_has(&first, "\"venue\":\"venue-b\",\"price\":50000.25,\"bid\":50000.2,\"ask\":50000.3");
    s_has(&first, "\"venues\":[{\"symbol\":\"BTC-USD\",\"venue\":\"venue-a\"");
    assert_int_equal(edge_price_renders(price), renders + 1);

    /* The same bytes again, not rendered again; a venue's answer is its own. */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(edge_price_get(price, "BTC-USD", "", &again), 1);
        assert_int_equal(again.len, first.len);
        assert_memory_equal(again.data, first.data, first.len);
    }
    assert_int_equal(edge_price_renders(price), renders + 1);
    assert_int_equal(edge_price_get(price, "BTC-USD", "venue-a", &again), 1);
    s_has(&again, "\"venue\":\"venue-a\",\"price\":50000.3,");
    assert_null(strstr(again.data, "venues"));
    assert_int_equal(edge_price_get(price, "BTC-USD", "venue-a", &again), 1);
    assert_int_equal(edge_price_renders(price), renders + 2);

    /* A new tick changes the answer on the very next request. */
    s_tick(cache, "BTC-USD", "venue-a", "50001", "50001.1");
    assert_int_equal(edge_price_get(price, "BTC-USD", "", &again), 1);
    s_has(&again, "\"venue\":\"venue-a\",\"price\":50001.05,\"bid\":50001,\"ask\":50001.1");
    assert_int_equal(edge_price_get(price, "BTC-USD", "venue-a", &again), 1);
    s_has(&again, "\"bid\":50001,");
    assert_int_equal(edge_price_renders(price), renders + 4);

    /* A tick of another symbol also renders again (one version for all),
     * with the same answer. */
    s_tick(cache, "ETH-USD", "venue-a", "3000", "3001");
    cb_buf_t before = {0};
    assert_int_equal(cb_buf_append(&before, again.data, again.len), 0);
    assert_int_equal(edge_price_get(price, "BTC-USD", "venue-a", &again), 1);
    assert_int_equal(edge_price_renders(price), renders + 5);
    assert_memory_equal(again.data, before.data, before.len);
    assert_int_equal(edge_price_get(price, "NOPE-USD", "", &again), 0);
    cb_buf_fini(&before);
    cb_buf_fini(&first);
    cb_buf_fini(&again);
    edge_price_destroy(&price);
    assert_null(price);
    edge_price_destroy(&price);
    edge_cache_destroy(&cache);
}

static void
test_stale_is_never_served(void **state)
{
    (void) state;
    edge_cache_t *cache = s_cache_new();
    const int64_t fresh_ns = 1000 * 1000000LL;
    edge_price_t *price = edge_price_new(cache, fresh_ns);
    assert_non_null(price);
    cb_buf_t out = {0};
    s_tick(cache, "SOL-USD", "venue-a", "150.1", "150.3");
    int64_t got_ns = cb_time_now_ns();
    assert_int_equal(edge_price_get(price, "SOL-USD", "", &out), 1);
    assert_int_equal(edge_price_get(price, "SOL-USD", "venue-a", &out), 1);
    s_has(&out, "\"price\":150.2,");

    /* Past the fresh limit with no tick since: the cache does not answer,
     * re-used bytes or not (the caller asks market.price, 503 without it). */
    cb_time_sleep_ms((int) ((got_ns + fresh_ns - cb_time_now_ns()) / 1000000) + 50, NULL);
    assert_int_equal(edge_price_get(price, "SOL-USD", "", &out), 0);
    assert_int_equal(edge_price_get(price, "SOL-USD", "venue-a", &out), 0);

    /* Two venues: the narrower spread goes stale, the answer moves to the
     * other one at once, then back with the narrow venue's next tick. */
    s_tick(cache, "SOL-USD", "venue-a", "150.1", "150.2");
    cb_time_sleep_ms(500, NULL);
    s_tick(cache, "SOL-USD", "venue-b", "149", "151");
    assert_int_equal(edge_price_get(price, "SOL-USD", "", &out), 1);
    s_has(&out, "\"venue\":\"venue-a\",\"price\":150.15,");
    /* venue-a's tick is then past 1 s, venue-b's about 0.6 s old (0.4 s of
     * margin for a slow machine). */
    cb_time_sleep_ms(600, NULL);
    assert_int_equal(edge_price_get(price, "SOL-USD", "", &out), 1);
    s_has(&out, "\"venue\":\"venue-b\",\"price\":150,");
    s_tick(cache, "SOL-USD", "venue-a", "150.1", "150.2");
    assert_int_equal(edge_price_get(price, "SOL-USD", "", &out), 1);
    s_has(&out, "\"venue\":\"venue-a\",\"price\":150.15,");
    cb_buf_fini(&out);
    edge_price_destroy(&price);
    edge_cache_destroy(&cache);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reused_until_the_next_tick),
        cmocka_unit_test(test_stale_is_never_served),
    };
    return cmocka_run_group_tests_name("edge_price", tests, s_setup, s_teardown);
}
