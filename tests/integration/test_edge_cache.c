/* test_edge_cache.c - api-edge's bus cache against the real bus: exact ticks, narrowest spread, USD resolution, books, breakers, bad input, listener order, batch bound */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "cb_buf.h"
#include "cb_error.h"
#include "cb_json.h"
#include "cb_mp.h"
#include "cb_pub.h"
#include "cb_time.h"
#include "cbh.h"
#include "cbh_bus.h"
#include "edge_cache.h"

static cbh_bus_t s_bus;
static cb_pub_t *s_pub;

/* ---- publishing ------------------------------------------------------------------- */

static cb_decimal_t
s_dec(const char *text)
{
    cb_decimal_t d;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &d), 0);
    return d;
}

static void
s_send(cb_event_t *ev)
{
    cb_proto_err_t err;
    if (cb_pub_send(s_pub, ev, &err) != 0) {
        fail_msg("cb_pub_send: %s", err.message);
    }
}

/* A tick; bid_qty (may be NULL) is the only optional field set. */
static void
s_tick(const char *symbol, const char *venue, const char *bid, const char *ask,
       const char *bid_qty)
{
    cb_event_t ev = {.kind = CB_KIND_tick};
    cb_tick_t *t = &ev.body.tick;
    CB_PROTO_SET(t, tick, symbol, cb_str_from(symbol));
    CB_PROTO_SET(t, tick, venue, cb_str_from(venue));
    CB_PROTO_SET(t, tick, bid, s_dec(bid));
    CB_PROTO_SET(t, tick, ask, s_dec(ask));
    if (bid_qty != NULL) {
        CB_PROTO_SET(t, tick, bid_qty, s_dec(bid_qty));
    }
    s_send(&ev);
}

static void
s_book(const char *symbol, const char *venue, bool resyncing)
{
    cb_event_t ev = {.kind = CB_KIND_book};
    cb_book_t *b = &ev.body.book;
    cb_level_t bid = {s_dec("100"), s_dec("1")};
    cb_level_t ask = {s_dec("101"), s_dec("2")};
    CB_PROTO_SET(b, book, symbol, cb_str_from(symbol));
    CB_PROTO_SET(b, book, venue, cb_str_from(venue));
    CB_PROTO_SET(b, book, snapshot, true);
    CB_PROTO_SET(b, book, bids, ((cb_levels_t){&bid, 1}));
    CB_PROTO_SET(b, book, asks, ((cb_levels_t){&ask, 1}));
    if (resyncing) {
        CB_PROTO_SET(b, book, resyncing, true);
    }
    s_send(&ev);
}

static void
s_circuit(const char *venue, const char *scope, const char *state, int64_t retry_at)
{
    cb_event_t ev = {.kind = CB_KIND_circuit};
    cb_circuit_t *c = &ev.body.circuit;
    CB_PROTO_SET(c, circuit, venue, cb_str_from(venue));
    CB_PROTO_SET(c, circuit, scope, cb_str_from(scope));
    CB_PROTO_SET(c, circuit, state, cb_str_from(state));
    if (retry_at != 0) {
        CB_PROTO_SET(c, circuit, retry_at, retry_at);
    }
    s_send(&ev);
}

/* A tick written by hand: bid "50000.10" (not canonical), ask "50000.2",
 * last the msgpack integer 50000, volume given (too long for a slot) or
 * not; bad: bid as a float, which every decoder refuses. */
static void
s_raw_tick(const char *symbol, const char *venue, uint64_t seq, bool bad)
{
    cb_buf_t b;
    cb_buf_init(&b);
    static const char long_volume[] = "1.000000000000000000000000000000000000000000000000";
    cb_mp_write_map(&b, 10);
    cb_mp_write_str(&b, "v", 1);
    cb_mp_write_uint(&b, 1);
    cb_mp_write_str(&b, "ts", 2);
    cb_mp_write_int(&b, cb_time_now_ns());
    cb_mp_write_str(&b, "epoch", 5);
    cb_mp_write_str(&b, "0123456789abcdef", 16);
    cb_mp_write_str(&b, "seq", 3);
    cb_mp_write_uint(&b, seq);
    cb_mp_write_str(&b, "symbol", 6);
    cb_mp_write_str(&b, symbol, strlen(symbol));
    cb_mp_write_str(&b, "venue", 5);
    cb_mp_write_str(&b, venue, strlen(venue));
    cb_mp_write_str(&b, "bid", 3);
    if (bad) {
        static const uint8_t float64[] = {0xcb, 0x40, 0xe8, 0x6a, 0x03, 0x33, 0x33, 0x33, 0x33};
        cb_buf_append(&b, float64, sizeof float64);
    } else {
        cb_mp_write_str(&b, "50000.10", 8);
    }
    cb_mp_write_str(&b, "ask", 3);
    cb_mp_write_str(&b, "50000.2", 7);
    cb_mp_write_str(&b, "last", 4);
    cb_mp_write_uint(&b, 50000);
    cb_mp_write_str(&b, "volume", 6);
    cb_mp_write_str(&b, long_volume, strlen(long_volume));
    char topic[CB_TOPIC_MAX];
    snprintf(topic, sizeof topic, "tick.%s.%s", symbol, venue);
    assert_int_equal(cb_pub_send_raw(s_pub, topic, strlen(topic), b.data, b.len), 0);
    cb_buf_fini(&b);
}

/* ---- the loop --------------------------------------------------------------------- */

/* Polls the cache's fd up to ms and processes what came, for ms in all. */
static void
s_pump(edge_cache_t *cache, int ms)
{
    int64_t end = cb_time_now_ms() + ms;
    while (cb_time_now_ms() < end) {
        zmq_pollitem_t item = {NULL, edge_cache_fd(cache), ZMQ_POLLIN, 0};
        assert_true(zmq_poll(&item, 1, (long) (end - cb_time_now_ms())) >= 0);
        edge_cache_process(cache, 0);
    }
}

/* Pumps until the tick of symbol on venue has seq >= min_seq (or 5 s). */
static bool
s_wait_tick(edge_cache_t *cache, const char *symbol, const char *venue, int timeout_ms)
{
    int64_t end = cb_time_now_ms() + timeout_ms;
    edge_tick_t t;
    while (!edge_cache_tick(cache, symbol, venue, 0, &t) && cb_time_now_ms() < end) {
        s_pump(cache, 20);
    }
    return edge_cache_tick(cache, symbol, venue, 0, &t);
}

/* A cache whose subscriptions have reached the publisher. */
static edge_cache_t *
s_cache_new(void)
{
    edge_cache_t *cache = edge_cache_new(s_bus.config.sub);
    assert_non_null(cache);
    int64_t end = cb_time_now_ms() + 5000;
    edge_tick_t t;
    while (!edge_cache_tick(cache, "WARM-USD", "warmup", 0, &t) && cb_time_now_ms() < end) {
        s_tick("WARM-USD", "warmup", "1", "2", NULL);
        s_pump(cache, 50);
    }
    assert_true(edge_cache_tick(cache, "WARM-USD", "warmup", 0, &t));
    s_pump(cache, 200);
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

/* ---- tests ------------------------------------------------------------------------ */

static void
test_ticks_and_spread(void **state)
{
    (void) state;
    edge_cache_t *cache = s_cache_new();
    s_tick("BTC-USD", "venue-a", "50000.1", "50000.5", "0.25");
    s_tick("BTC-USD", "venue-b", "50000.2", "50000.3", NULL);
    assert_true(s_wait_tick(cache, "BTC-USD", "venue-a", 5000));
    assert_true(s_wait_tick(cache, "BTC-USD", "venue-b", 5000));

    edge_tick_t t;
    assert_true(edge_cache_tick(cache, "BTC-USD", "venue-a", 0, &t));
    assert_string_equal(t.symbol, "BTC-USD");
    assert_string_equal(t.venue, "venue-a");
    assert_string_equal(t.bid, "50000.1");
    assert_string_equal(t.ask, "50000.5");
    assert_string_equal(t.bid_qty, "0.25");
    assert_string_equal(t.ask_qty, "");
    assert_string_equal(t.last, "");
    assert_int_equal(t.exch_ts_ns, 0);
    assert_true(t.ts_ns > 0 && t.received_ns >= t.ts_ns - 1000000000);
    assert_true(t.seq >= 1);

    /* No venue: the narrowest spread (venue-b, 0.1 against 0.4). */
    assert_true(edge_cache_tick(cache, "BTC-USD", NULL, 0, &t));
    assert_string_equal(t.venue, "venue-b");
    assert_false(edge_cache_tick(cache, "BTC-USD", NULL, 1, &t));
    assert_true(edge_cache_tick(cache, "BTC-USD", NULL, 60 * 1000000000LL, &t));
    edge_tick_t all[4];
    assert_int_equal(edge_cache_ticks(cache, "BTC-USD", all, 4), 2);
    assert_string_equal(all[0].venue, "venue-a");
    assert_string_equal(all[1].venue, "venue-b");
    assert_int_equal(edge_cache_ticks(cache, "BTC-USD", all, 1), 1);

    /* Equal spreads: the fresher tick wins, whichever venue it is. */
    s_tick("BTC-USD", "venue-a", "50001", "50001.1", NULL);
    s_pump(cache, 200);
    assert_true(edge_cache_tick(cache, "BTC-USD", NULL, 0, &t));
    assert_string_equal(t.venue, "venue-a");
    s_tick("BTC-USD", "venue-b", "50002", "50002.1", NULL);
    s_pump(cache, 200);
    assert_true(edge_cache_tick(cache, "BTC-USD", NULL, 0, &t));
    assert_string_equal(t.venue, "venue-b");
    assert_string_equal(t.bid, "50002");

    /* The wire's own strings, not a canonical re-formatting. */
    s_raw_tick("ETH-USD", "venue-c", 1, false);
    assert_true(s_wait_tick(cache, "ETH-USD", "venue-c", 5000));
    assert_true(edge_cache_tick(cache, "ETH-USD", "venue-c", 0, &t));
    assert_string_equal(t.bid, "50000.10");
    assert_string_equal(t.ask, "50000.2");
    assert_string_equal(t.last, "50000");
    assert_string_equal(t.volume, "1");

    /* Before any listings, only exact symbols match. */
    char real[EDGE_SYM_MAX];
    assert_true(edge_cache_resolve(cache, "venue-a", "BTC-USD", real));
    assert_string_equal(real, "BTC-USD");
    assert_false(edge_cache_resolve(cache, "venue-a", "BTC-USDT", real));
    assert_false(edge_cache_resolve(cache, "venue-x", "BTC-USD", real));
    assert_false(edge_cache_tick(cache, "BTC-USDT", "venue-a", 0, &t));
    assert_true(edge_cache_symbol_known(cache, "BTC-USD"));
    assert_false(edge_cache_symbol_known(cache, "SOL-USD"));
    edge_cache_stats_t st = edge_cache_stats(cache);
    assert_true(st.received >= 6);
    assert_int_equal(st.malformed, 0);
    assert_int_equal(st.gaps, 0);
    assert_true(st.last_msg_ns > 0);
    edge_cache_destroy(&cache);
    assert_null(cache);
    edge_cache_destroy(&cache);
}

/* The msgpack bytes of a JSON text, into b. */
static void
s_msgpack(const char *json, cb_buf_t *b)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char err[256];
    assert_int_equal(cb_json_to_msgpack(json, strlen(json), &pk, err, sizeof err), 0);
    cb_buf_reset(b);
    cb_buf_append(b, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

static void
s_expect_resolve(edge_cache_t *cache, const char *venue, const char *symbol, const char *want)
{
    char real[EDGE_SYM_MAX];
    bool found = edge_cache_resolve(cache, venue, symbol, real);
    if (want == NULL && found) {
        fail_msg("%s on %s resolved to %s, expected none", symbol, venue, real);
    }
    if (want != NULL && (!found || strcmp(real, want) != 0)) {
        fail_msg("%s on %s: expected %s, got %s", symbol, venue, want, found ? real : "none");
    }
}

static void
test_usd_resolution(void **state)
{
    (void) state;
    edge_cache_t *cache = s_cache_new();
    cb_buf_t b;
    cb_buf_init(&b);
    s_msgpack("{\"sim-kraken\":[\"BTC-USD\",\"ETH-USD\",\"ETH-USDT\"],"
              "\"sim-binance\":[\"BTC-USDT\",\"ETH-USDT\",\"SOL-USDC\"],"
              "\"sim-coin\":[\"BTC-USDC\"]}",
              &b);
    assert_int_equal(edge_cache_set_listings(cache, b.data, b.len), 0);
    s_expect_resolve(cache, "sim-binance", "BTC-USD", "BTC-USDT");
    s_expect_resolve(cache, "sim-kraken", "BTC-USDT", "BTC-USD");
    s_expect_resolve(cache, "sim-kraken", "ETH-USDT", "ETH-USDT");
    s_expect_resolve(cache, "sim-kraken", "ETH-USDC", "ETH-USD");
    s_expect_resolve(cache, "sim-coin", "BTC-USD", "BTC-USDC");
    s_expect_resolve(cache, "sim-binance", "SOL-USD", "SOL-USDC");
    s_expect_resolve(cache, "sim-kraken", "SOL-USD", NULL);
    s_expect_resolve(cache, "sim-binance", "BTC-EUR", NULL);
    s_expect_resolve(cache, "nowhere", "BTC-USD", NULL);
    assert_true(edge_cache_symbol_known(cache, "ETH-USD"));
    assert_true(edge_cache_symbol_known(cache, "SOL-USDT"));
    assert_false(edge_cache_symbol_known(cache, "DOGE-USD"));

    s_tick("BTC-USD", "sim-kraken", "60000", "60002", NULL);
    s_tick("BTC-USDT", "sim-binance", "60000.5", "60001", NULL);
    s_tick("BTC-USDC", "sim-coin", "59990", "60010", NULL);
    assert_true(s_wait_tick(cache, "BTC-USDC", "sim-coin", 5000));
    assert_true(s_wait_tick(cache, "BTC-USD", "sim-binance", 5000));
    assert_true(s_wait_tick(cache, "BTC-USD", "sim-kraken", 5000));
    edge_tick_t t;
    assert_true(edge_cache_tick(cache, "BTC-USD", "sim-binance", 0, &t));
    assert_string_equal(t.symbol, "BTC-USDT");
    assert_string_equal(t.bid, "60000.5");
    assert_true(edge_cache_tick(cache, "BTC-USDT", "sim-kraken", 0, &t));
    assert_string_equal(t.symbol, "BTC-USD");
    assert_true(edge_cache_tick(cache, "BTC-USD", NULL, 0, &t));
    assert_string_equal(t.venue, "sim-binance");
    edge_tick_t all[8];
    assert_int_equal(edge_cache_ticks(cache, "BTC-USD", all, 8), 3);
    assert_int_equal(edge_cache_ticks(cache, "BTC-USDT", all, 8), 3);

    /* Bad listings are refused whole; the previous ones stay. */
    const char *bad[] = {"[\"sim-kraken\"]", "{\"sim-kraken\":[\"btc-usd\"]}",
                         "{\"Sim Kraken\":[\"BTC-USD\"]}", "{\"sim-kraken\":\"BTC-USD\"}"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        s_msgpack(bad[k], &b);
        assert_int_equal(edge_cache_set_listings(cache, b.data, b.len), CB_E_BAD_REQUEST);
    }
    s_msgpack("{}", &b);
    cb_buf_append(&b, "\xc0", 1);
    assert_int_equal(edge_cache_set_listings(cache, b.data, b.len), CB_E_BAD_REQUEST);
    s_expect_resolve(cache, "sim-binance", "BTC-USD", "BTC-USDT");
    /* New listings replace the old ones. */
    s_msgpack("{\"sim-binance\":[\"BTC-USDC\"]}", &b);
    assert_int_equal(edge_cache_set_listings(cache, b.data, b.len), 0);
    s_expect_resolve(cache, "sim-binance", "BTC-USD", "BTC-USDC");
    s_expect_resolve(cache, "sim-kraken", "ETH-USD", NULL);
    s_expect_resolve(cache, "sim-kraken", "BTC-USD", "BTC-USD"); /* seen on the bus */
    cb_buf_fini(&b);
    edge_cache_destroy(&cache);
}

static void
test_book_resyncing(void **state)
{
    (void) state;
    edge_cache_t *cache = s_cache_new();
    assert_false(edge_cache_book_resyncing(cache, "BTC-USD", "venue-a"));
    s_book("BTC-USD", "venue-a", true);
    s_book("BTC-USD", "venue-b", false);
    int64_t end = cb_time_now_ms() + 5000;
    while (!edge_cache_book_resyncing(cache, "BTC-USD", "venue-a") && cb_time_now_ms() < end) {
        s_pump(cache, 20);
    }
    s_pump(cache, 100);
    assert_true(edge_cache_book_resyncing(cache, "BTC-USD", "venue-a"));
    assert_false(edge_cache_book_resyncing(cache, "BTC-USD", "venue-b"));
    s_book("BTC-USD", "venue-a", false);
    end = cb_time_now_ms() + 5000;
    while (edge_cache_book_resyncing(cache, "BTC-USD", "venue-a") && cb_time_now_ms() < end) {
        s_pump(cache, 20);
    }
    assert_false(edge_cache_book_resyncing(cache, "BTC-USD", "venue-a"));
    edge_cache_destroy(&cache);
}

typedef struct {
    char rows[8][160];
    size_t n;
} s_circuits_t;

static void
s_each_circuit(void *ctx, const char *venue, const char *scope, const char *state,
               int64_t retry_at_ns)
{
    s_circuits_t *c = ctx;
    if (c->n < 8) {
        snprintf(c->rows[c->n++], sizeof c->rows[0], "%s/%s=%s@%lld", venue, scope, state,
                 (long long) retry_at_ns);
    }
}

static void
test_circuits(void **state)
{
    (void) state;
    edge_cache_t *cache = s_cache_new();
    s_circuit("venue-b", "rest", "open", 1700000000000000000LL);
    s_circuit("venue-a", "trading", "half_open", 0);
    s_circuit("venue-a", "rest", "closed", 0);
    s_circuit("venue-b", "rest", "half_open", 0);
    s_circuits_t seen = {0};
    int64_t end = cb_time_now_ms() + 5000;
    while (cb_time_now_ms() < end) {
        s_pump(cache, 20);
        memset(&seen, 0, sizeof seen);
        edge_cache_each_circuit(cache, s_each_circuit, &seen);
        if (seen.n == 3 && strstr(seen.rows[2], "half_open") != NULL) {
            break;
        }
    }
    assert_int_equal(seen.n, 3);
    assert_string_equal(seen.rows[0], "venue-a/rest=closed@0");
    assert_string_equal(seen.rows[1], "venue-a/trading=half_open@0");
    assert_string_equal(seen.rows[2], "venue-b/rest=half_open@0");
    edge_cache_destroy(&cache);
}

/* Listener: counts calls per kind and checks the cache already holds a
 * tick it is told about. */
typedef struct {
    edge_cache_t *cache;
    int kinds[CB_KIND_COUNT];
    int ticks_not_cached;
    int calls;
} s_listen_t;

static void
s_listener(void *ctx, const cb_sub_msg_t *msg)
{
    s_listen_t *l = ctx;
    if (msg->ev.kind == CB_KIND_tick && cb_str_eq_cstr(msg->ev.body.tick.venue, "warmup")) {
        return; /* a late warm-up tick of s_cache_new */
    }
    l->calls++;
    l->kinds[msg->ev.kind]++;
    if (msg->ev.kind == CB_KIND_tick) {
        char symbol[EDGE_SYM_MAX];
        char venue[EDGE_VENUE_MAX];
        const cb_tick_t *t = &msg->ev.body.tick;
        snprintf(symbol, sizeof symbol, "%.*s", (int) t->symbol.len, t->symbol.ptr);
        snprintf(venue, sizeof venue, "%.*s", (int) t->venue.len, t->venue.ptr);
        edge_tick_t cached;
        if (!edge_cache_tick(l->cache, symbol, venue, 0, &cached) ||
            cached.seq != msg->ev.env.seq) {
            l->ticks_not_cached++;
        }
    }
}

static void
test_listener_and_malformed(void **state)
{
    (void) state;
    edge_cache_t *cache = s_cache_new();
    s_listen_t l = {.cache = cache};
    edge_cache_set_listener(cache, s_listener, &l);

    /* A float price and a body naming another symbol than its topic: both
     * counted as malformed, neither cached nor passed on. */
    s_raw_tick("XRP-USD", "venue-a", 1, true);
    cb_buf_t b;
    cb_buf_init(&b);
    cb_event_t ev = {.kind = CB_KIND_tick};
    CB_PROTO_SET(&ev.env, envelope, v, 1);
    CB_PROTO_SET(&ev.env, envelope, ts, 1);
    CB_PROTO_SET(&ev.env, envelope, epoch, CB_STR("abc"));
    CB_PROTO_SET(&ev.env, envelope, seq, 1);
    CB_PROTO_SET(&ev.body.tick, tick, symbol, CB_STR("ETH-USD"));
    CB_PROTO_SET(&ev.body.tick, tick, venue, CB_STR("venue-a"));
    CB_PROTO_SET(&ev.body.tick, tick, bid, s_dec("1"));
    CB_PROTO_SET(&ev.body.tick, tick, ask, s_dec("2"));
    assert_int_equal(cb_event_encode(&ev, &b, NULL), 0);
    const char *topic = "tick.XRP-USD.venue-a";
    assert_int_equal(cb_pub_send_raw(s_pub, topic, strlen(topic), b.data, b.len), 0);
    cb_buf_fini(&b);

    /* Then one message of every kind the cache takes. */
    s_tick("XRP-USD", "venue-a", "0.5", "0.51", NULL);
    s_book("XRP-USD", "venue-a", false);
    s_circuit("venue-a", "rest", "open", 0);
    cb_event_t trade = {.kind = CB_KIND_trade};
    CB_PROTO_SET(&trade.body.trade, trade, symbol, CB_STR("XRP-USD"));
    CB_PROTO_SET(&trade.body.trade, trade, venue, CB_STR("venue-a"));
    CB_PROTO_SET(&trade.body.trade, trade, price, s_dec("0.5"));
    CB_PROTO_SET(&trade.body.trade, trade, qty, s_dec("10"));
    CB_PROTO_SET(&trade.body.trade, trade, side, CB_STR("buy"));
    s_send(&trade);
    cb_event_t best = {.kind = CB_KIND_best};
    CB_PROTO_SET(&best.body.best, best, symbol, CB_STR("XRP-USD"));
    CB_PROTO_SET(&best.body.best, best, venue, CB_STR("all"));
    CB_PROTO_SET(&best.body.best, best, bid, s_dec("0.5"));
    CB_PROTO_SET(&best.body.best, best, bid_venue, CB_STR("venue-a"));
    CB_PROTO_SET(&best.body.best, best, ask, s_dec("0.51"));
    CB_PROTO_SET(&best.body.best, best, ask_venue, CB_STR("venue-a"));
    s_send(&best);
    cb_event_t candle = {.kind = CB_KIND_candle};
    cb_candle_t *c = &candle.body.candle;
    CB_PROTO_SET(c, candle, symbol, CB_STR("XRP-USD"));
    CB_PROTO_SET(c, candle, venue, CB_STR("venue-a"));
    CB_PROTO_SET(c, candle, interval, CB_STR("1m"));
    CB_PROTO_SET(c, candle, open_ts, 0);
    CB_PROTO_SET(c, candle, open, s_dec("0.5"));
    CB_PROTO_SET(c, candle, high, s_dec("0.6"));
    CB_PROTO_SET(c, candle, low, s_dec("0.4"));
    CB_PROTO_SET(c, candle, close, s_dec("0.55"));
    CB_PROTO_SET(c, candle, volume, s_dec("100"));
    CB_PROTO_SET(c, candle, closed, false);
    s_send(&candle);
    for (int i = 0; i < 5; i++) {
        s_tick("XRP-USD", "venue-a", "0.5", "0.52", NULL);
    }

    int64_t end = cb_time_now_ms() + 5000;
    while (l.calls < 11 && cb_time_now_ms() < end) {
        s_pump(cache, 20);
    }
    s_pump(cache, 100);
    assert_int_equal(l.calls, 11);
    assert_int_equal(l.kinds[CB_KIND_tick], 6);
    assert_int_equal(l.kinds[CB_KIND_book], 1);
    assert_int_equal(l.kinds[CB_KIND_circuit], 1);
    assert_int_equal(l.kinds[CB_KIND_trade], 1);
    assert_int_equal(l.kinds[CB_KIND_best], 1);
    assert_int_equal(l.kinds[CB_KIND_candle], 1);
    assert_int_equal(l.ticks_not_cached, 0);
    assert_int_equal(edge_cache_stats(cache).malformed, 2);
    edge_tick_t t;
    assert_true(edge_cache_tick(cache, "XRP-USD", "venue-a", 0, &t));
    assert_string_equal(t.ask, "0.52");
    assert_false(edge_cache_tick(cache, "ETH-USD", "venue-a", 0, &t));
    edge_cache_destroy(&cache);
}

static void
test_max_msgs(void **state)
{
    (void) state;
    edge_cache_t *cache = s_cache_new();
    uint64_t before = edge_cache_stats(cache).received;
    for (int i = 0; i < 35; i++) {
        char bid[16];
        snprintf(bid, sizeof bid, "%d", 100 + i);
        s_tick("LTC-USD", "venue-a", bid, "200", NULL);
    }
    /* Let them all reach the socket before taking any. */
    zmq_pollitem_t item = {NULL, edge_cache_fd(cache), ZMQ_POLLIN, 0};
    zmq_poll(&item, 1, 2000);
    cb_time_sleep_ms(300, NULL);
    assert_int_equal(edge_cache_process(cache, 10), 10);
    assert_int_equal(edge_cache_stats(cache).received, before + 10);
    edge_tick_t t;
    assert_true(edge_cache_tick(cache, "LTC-USD", "venue-a", 0, &t));
    assert_string_equal(t.bid, "109");
    assert_int_equal(edge_cache_process(cache, 10), 10);
    assert_int_equal(edge_cache_process(cache, 10), 10);
    assert_int_equal(edge_cache_process(cache, 10), 5);
    assert_int_equal(edge_cache_process(cache, 10), 0);
    assert_true(edge_cache_tick(cache, "LTC-USD", "venue-a", 0, &t));
    assert_string_equal(t.bid, "134");
    assert_int_equal(edge_cache_stats(cache).gaps, 0);
    edge_cache_destroy(&cache);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ticks_and_spread),
        cmocka_unit_test(test_usd_resolution),
        cmocka_unit_test(test_book_resyncing),
        cmocka_unit_test(test_circuits),
        cmocka_unit_test(test_listener_and_malformed),
        cmocka_unit_test(test_max_msgs),
    };
    return cmocka_run_group_tests_name("edge_cache", tests, s_setup, s_teardown);
}
