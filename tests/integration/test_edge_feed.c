/* test_edge_feed.c - edge_rpc and edge_cache in one loop against a real market-feed, venue-sim, bus and Redis: market.symbols listings resolve the feed's real ticks */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "cb_buf.h"
#include "cb_error.h"
#include "cb_mp.h"
#include "cb_time.h"
#include "cbh.h"
#include "cbh_bus.h"
#include "cbh_sim.h"
#include "edge_cache.h"
#include "edge_rpc.h"

static cbh_bus_t s_bus;
static cbh_redis_t s_redis;
static cbh_sim_t s_sim;
static cbh_proc_t *s_feed;

/* What api-edge's loop owns. */
static edge_rpc_t *s_rpc;
static edge_cache_t *s_cache;

static int
s_setup(void **state)
{
    (void) state;
    if (cbh_redis_start(&s_redis, NULL) != 0 || cbh_bus_start(&s_bus) != 0) {
        return -1;
    }
    cbh_bus_export(&s_bus);
    char *sim_env[] = {"COINBUS_SIM_RATE=50", NULL};
    if (cbh_sim_start(&s_sim, sim_env) != 0) {
        return -1;
    }
    char env_redis[160];
    snprintf(env_redis, sizeof env_redis, "COINBUS_REDIS_URL=%s", s_redis.url);
    char bin[512];
    snprintf(bin, sizeof bin, "%s/market-feed", cbh_bin_dir());
    char *feed_argv[] = {bin, NULL};
    char *feed_env[] = {env_redis, s_sim.venues_env, "COINBUS_SYMBOLS=BTC-USD,ETH-USD", NULL};
    s_feed = cbh_proc_start("market-feed", feed_argv, feed_env);
    const char *endpoints[EDGE_SVC_COUNT] = {
        [EDGE_SVC_MARKET] = s_bus.config.frontend[CB_RPC_MARKET],
    };
    s_rpc = edge_rpc_new(endpoints);
    s_cache = edge_cache_new(s_bus.config.sub);
    return s_feed != NULL && s_rpc != NULL && s_cache != NULL ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    edge_cache_destroy(&s_cache);
    edge_rpc_destroy(&s_rpc);
    int rc = cbh_proc_stop(&s_feed, SIGTERM, 5000);
    cbh_sim_stop(&s_sim);
    cbh_bus_stop(&s_bus);
    cbh_redis_stop(&s_redis);
    return rc == 0 ? 0 : -1;
}

/* One turn of the loop: every fd of both modules, the RPC deadlines, and a
 * batch bound on the cache as api-edge would use. */
static void
s_turn(int max_ms)
{
    zmq_pollitem_t items[EDGE_SVC_COUNT + 1];
    int fds[EDGE_SVC_COUNT];
    edge_rpc_fds(s_rpc, fds);
    int n = 0;
    for (int s = 0; s < EDGE_SVC_COUNT; s++) {
        if (fds[s] >= 0) {
            items[n++] = (zmq_pollitem_t){NULL, fds[s], ZMQ_POLLIN, 0};
        }
    }
    items[n++] = (zmq_pollitem_t){NULL, edge_cache_fd(s_cache), ZMQ_POLLIN, 0};
    int64_t due = edge_rpc_next_due_ms(s_rpc);
    long wait = due < 0 || due > max_ms ? max_ms : (long) due;
    assert_true(zmq_poll(items, n, wait) >= 0);
    edge_rpc_process(s_rpc);
    while (edge_cache_process(s_cache, 100) == 100) {
    }
}

typedef struct {
    int count;
    bool ok;
    cb_buf_t result;
} s_reply_t;

static void
s_on_reply(void *ctx, int rc, const cb_rpc_result_t *res)
{
    s_reply_t *r = ctx;
    r->count++;
    r->ok = rc == 0 && res->ok;
    cb_buf_reset(&r->result);
    if (r->ok) {
        cb_buf_append(&r->result, res->result.ptr, res->result.len);
    }
}

/* How many venues a market.symbols result lists with at least one symbol. */
static int
s_listed_venues(const cb_buf_t *result)
{
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, result->data, result->len);
    uint32_t venues;
    int listed = 0;
    if (cb_mp_read_map(&r, &venues) != 0) {
        return 0;
    }
    for (uint32_t i = 0; i < venues; i++) {
        uint32_t symbols;
        if (cb_mp_skip(&r, NULL, NULL) != 0 || cb_mp_read_array(&r, &symbols) != 0) {
            return 0;
        }
        listed += symbols > 0;
        for (uint32_t j = 0; j < symbols; j++) {
            cb_mp_skip(&r, NULL, NULL);
        }
    }
    return listed;
}

static void
s_expect_resolve(const char *venue, const char *symbol, const char *want)
{
    char real[EDGE_SYM_MAX];
    if (!edge_cache_resolve(s_cache, venue, symbol, real) || strcmp(real, want) != 0) {
        fail_msg("%s on %s: expected %s", symbol, venue, want);
    }
}

static void
test_listings_resolve_real_ticks(void **state)
{
    (void) state;
    /* market.symbols, asked again until the feed has stored both venues'
     * instrument lists. */
    s_reply_t reply = {0};
    cb_buf_init(&reply.result);
    int64_t end = cb_time_now_ms() + 30000;
    while (s_listed_venues(&reply.result) < 2 && cb_time_now_ms() < end) {
        reply.count = 0;
        assert_true(edge_rpc_call(s_rpc, EDGE_SVC_MARKET, "symbols", NULL, 0, 1000, true,
                                  s_on_reply, &reply) > 0);
        edge_rpc_process(s_rpc);
        while (reply.count == 0) {
            s_turn(1000);
        }
        if (s_listed_venues(&reply.result) < 2) {
            s_turn(300);
        }
    }
    if (s_listed_venues(&reply.result) < 2) {
        fail_msg("market.symbols never listed both venues; feed log: %s",
                 cbh_proc_log_path(s_feed));
    }
    assert_int_equal(edge_cache_set_listings(s_cache, reply.result.data, reply.result.len), 0);
    cb_buf_fini(&reply.result);

    /* The sim's Binance lists BTC-USDT (no USD pair), its Kraken BTC-USD. */
    s_expect_resolve("sim-binance", "BTC-USD", "BTC-USDT");
    s_expect_resolve("sim-kraken", "BTC-USD", "BTC-USD");
    s_expect_resolve("sim-kraken", "BTC-USDT", "BTC-USD");
    assert_true(edge_cache_symbol_known(s_cache, "ETH-USD"));

    /* The feed's real ticks land under each venue's own symbol. */
    edge_tick_t ticks[4];
    end = cb_time_now_ms() + 30000;
    while (edge_cache_ticks(s_cache, "BTC-USD", ticks, 4) < 2 && cb_time_now_ms() < end) {
        s_turn(100);
    }
    if (edge_cache_ticks(s_cache, "BTC-USD", ticks, 4) != 2) {
        fail_msg("no BTC ticks of both venues; feed log: %s", cbh_proc_log_path(s_feed));
    }
    edge_tick_t t;
    assert_true(edge_cache_tick(s_cache, "BTC-USD", "sim-binance", 0, &t));
    assert_string_equal(t.symbol, "BTC-USDT");
    assert_string_equal(t.venue, "sim-binance");
    cb_decimal_t bid;
    cb_decimal_t ask;
    assert_int_equal(cb_decimal_parse(t.bid, strlen(t.bid), &bid), 0);
    assert_int_equal(cb_decimal_parse(t.ask, strlen(t.ask), &ask), 0);
    assert_true(cb_decimal_cmp(bid, ask) <= 0);
    assert_true(edge_cache_tick(s_cache, "BTC-USD", "sim-kraken", 0, &t));
    assert_string_equal(t.symbol, "BTC-USD");
    assert_true(edge_cache_tick(s_cache, "BTC-USD", NULL, 5 * 1000000000LL, &t));
    edge_cache_stats_t st = edge_cache_stats(s_cache);
    assert_int_equal(st.malformed, 0);
    assert_true(st.received > 0);
    fprintf(stderr, "market.symbols after %llu call(s); %llu messages cached\n",
            (unsigned long long) edge_rpc_stats(s_rpc, EDGE_SVC_MARKET).calls,
            (unsigned long long) st.received);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listings_resolve_real_ticks),
    };
    return cmocka_run_group_tests_name("edge_feed", tests, s_setup, s_teardown);
}
