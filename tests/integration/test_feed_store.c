/* test_feed_store.c - market state in a real Redis: round trips, bounds, candles in place, pipelining, outage, bad data */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_redis.h"
#include "cb_time.h"
#include "cbh.h"
#include "feed_store.h"

static cbh_redis_t s_server;

static cb_decimal_t
s_dec(const char *text)
{
    cb_decimal_t d;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &d), 0);
    return d;
}

static void
s_assert_dec(cb_decimal_t d, const char *want)
{
    char text[CB_DECIMAL_STR_MAX];
    assert_true(cb_decimal_format(d, text, sizeof text) > 0);
    assert_string_equal(text, want);
}

static void
s_assert_str(cb_str_t s, const char *want)
{
    if (!cb_str_eq_cstr(s, want)) {
        fail_msg("got '%.*s', want '%s'", (int) s.len, s.ptr, want);
    }
}

static cb_trade_t
s_trade(const char *venue, const char *symbol, const char *id, const char *price)
{
    cb_trade_t t;
    memset(&t, 0, sizeof t);
    CB_PROTO_SET(&t, trade, symbol, cb_str_from(symbol));
    CB_PROTO_SET(&t, trade, venue, cb_str_from(venue));
    CB_PROTO_SET(&t, trade, trade_id, cb_str_from(id));
    CB_PROTO_SET(&t, trade, price, s_dec(price));
    CB_PROTO_SET(&t, trade, qty, s_dec("0.0105"));
    CB_PROTO_SET(&t, trade, side, CB_STR("buy"));
    CB_PROTO_SET(&t, trade, exch_ts, (int64_t) 1700000000123456789);
    return t;
}

static cb_candle_t
s_candle(int64_t open_ts, const char *close, bool closed)
{
    cb_candle_t c;
    memset(&c, 0, sizeof c);
    CB_PROTO_SET(&c, candle, symbol, CB_STR("BTC-USD"));
    CB_PROTO_SET(&c, candle, venue, CB_STR("sim-kraken"));
    CB_PROTO_SET(&c, candle, interval, CB_STR("1m"));
    CB_PROTO_SET(&c, candle, open_ts, open_ts);
    CB_PROTO_SET(&c, candle, open, s_dec("100"));
    CB_PROTO_SET(&c, candle, high, s_dec("110.5"));
    CB_PROTO_SET(&c, candle, low, s_dec("99.25"));
    CB_PROTO_SET(&c, candle, close, s_dec(close));
    CB_PROTO_SET(&c, candle, volume, s_dec("12.000001"));
    CB_PROTO_SET(&c, candle, closed, closed);
    return c;
}

static long long
s_redis_int(const char *fmt, const char *key)
{
    int err;
    cb_redis_t *r = cb_redis_new(s_server.url, &err);
    assert_non_null(r);
    redisReply *reply = cb_redis_command(r, &err, fmt, key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    long long v = reply->integer;
    freeReplyObject(reply);
    cb_redis_destroy(&r);
    return v;
}

static void
s_redis_set(const char *key, const void *value, size_t len)
{
    int err;
    cb_redis_t *r = cb_redis_new(s_server.url, &err);
    redisReply *reply = cb_redis_command(r, &err, "DEL %s", key);
    assert_non_null(reply);
    freeReplyObject(reply);
    reply = cb_redis_command(r, &err, "SET %s %b", key, value, len);
    assert_non_null(reply);
    freeReplyObject(reply);
    cb_redis_destroy(&r);
}

static feed_store_t *
s_store(const feed_store_config_t *cfg)
{
    int err;
    feed_store_t *store = feed_store_new(s_server.url, cfg, &err);
    assert_non_null(store);
    return store;
}

static void
test_tick_and_book_round_trip(void **state)
{
    (void) state;
    feed_store_t *store = s_store(NULL);
    cb_tick_t tick;
    memset(&tick, 0, sizeof tick);
    CB_PROTO_SET(&tick, tick, symbol, CB_STR("BTC-USD"));
    CB_PROTO_SET(&tick, tick, venue, CB_STR("sim-kraken"));
    CB_PROTO_SET(&tick, tick, bid, s_dec("50000.10"));
    CB_PROTO_SET(&tick, tick, bid_qty, s_dec("1.5"));
    CB_PROTO_SET(&tick, tick, ask, s_dec("50000.2"));
    CB_PROTO_SET(&tick, tick, last, s_dec("0.000000000000000001"));
    CB_PROTO_SET(&tick, tick, exch_ts, (int64_t) 1700000000000000001);
    assert_int_equal(feed_store_put_tick(store, &tick, 1700000000000000999), 0);

    cb_level_t bids[60];
    cb_level_t asks[3] = {{s_dec("50001"), s_dec("1")}, {s_dec("50002"), s_dec("2")},
                          {s_dec("50003"), s_dec("3")}};
    for (int i = 0; i < 60; i++) {
        bids[i].price = cb_decimal_from_int(50000 - i);
        bids[i].qty = s_dec("0.5");
    }
    cb_book_t book;
    memset(&book, 0, sizeof book);
    CB_PROTO_SET(&book, book, symbol, CB_STR("BTC-USD"));
    CB_PROTO_SET(&book, book, venue, CB_STR("sim-kraken"));
    CB_PROTO_SET(&book, book, snapshot, true);
    CB_PROTO_SET(&book, book, bids, ((cb_levels_t){bids, 60}));
    CB_PROTO_SET(&book, book, asks, ((cb_levels_t){asks, 3}));
    CB_PROTO_SET(&book, book, update_id, (uint64_t) 77);
    CB_PROTO_SET(&book, book, resyncing, true);
    assert_int_equal(feed_store_put_book(store, &book, 1700000000000000555), 0);
    book.snapshot = false;
    assert_int_equal(feed_store_put_book(store, &book, 1), CB_E_BAD_REQUEST);
    /* A message breaking the proto rules is refused, not stored. */
    tick.venue = CB_STR("Bad Venue");
    assert_int_equal(feed_store_put_tick(store, &tick, 1), CB_E_BAD_REQUEST);
    assert_int_equal(feed_store_flush(store), 0);

    feed_tick_t t;
    assert_int_equal(feed_store_get_tick(store, "sim-kraken", "BTC-USD", &t), 0);
    s_assert_str(t.tick.symbol, "BTC-USD");
    s_assert_str(t.tick.venue, "sim-kraken");
    s_assert_dec(t.tick.bid, "50000.1");
    s_assert_dec(t.tick.bid_qty, "1.5");
    s_assert_dec(t.tick.ask, "50000.2");
    s_assert_dec(t.tick.last, "0.000000000000000001");
    assert_false(CB_PROTO_HAS(&t.tick, tick, ask_qty));
    assert_true(t.tick.exch_ts == 1700000000000000001);
    assert_true(t.recv_ts == 1700000000000000999);
    feed_tick_fini(&t);
    assert_int_equal(feed_store_get_tick(store, "sim-kraken", "ETH-USD", &t), CB_E_NOT_FOUND);
    feed_tick_fini(&t);
    assert_int_equal(feed_store_get_tick(store, "Sim", "ETH-USD", &t), CB_E_BAD_REQUEST);
    feed_tick_fini(&t);

    feed_book_t b;
    assert_int_equal(feed_store_get_book(store, "sim-kraken", "BTC-USD", &b), 0);
    assert_int_equal(b.book.bids.count, 50);
    assert_int_equal(b.book.asks.count, 3);
    s_assert_dec(b.book.bids.items[49].price, "49951");
    s_assert_dec(b.book.asks.items[2].qty, "3");
    assert_true(b.book.resyncing);
    assert_int_equal(b.book.update_id, 77);
    assert_true(b.recv_ts == 1700000000000000555);
    feed_book_fini(&b);
    feed_book_fini(&b);
    feed_store_destroy(&store);
    feed_store_destroy(&store);
}

static void
test_trades_bounded(void **state)
{
    (void) state;
    feed_store_t *store = s_store(NULL);
    for (int i = 0; i <= 1000; i++) {
        char id[16];
        char price[32];
        snprintf(id, sizeof id, "t%d", i);
        snprintf(price, sizeof price, "100.%d", i);
        cb_trade_t t = s_trade("sim-binance", "BTC-USDT", id, price);
        assert_int_equal(feed_store_put_trade(store, &t, 1000 + i), 0);
    }
    assert_int_equal(feed_store_flush(store), 0);
    assert_int_equal(s_redis_int("LLEN %s", "coinbus:market:trades:sim-binance:BTC-USDT"), 1000);
    feed_trades_t tr;
    assert_int_equal(feed_store_get_trades(store, "sim-binance", "BTC-USDT", 1000, &tr), 0);
    assert_int_equal(tr.count, 1000);
    s_assert_str(tr.items[0].trade_id, "t1000");
    s_assert_dec(tr.items[0].price, "100.1");
    assert_true(tr.recv_ts[0] == 2000);
    s_assert_str(tr.items[999].trade_id, "t1");
    s_assert_dec(tr.items[999].qty, "0.0105");
    feed_trades_fini(&tr);
    assert_int_equal(feed_store_get_trades(store, "sim-binance", "BTC-USDT", 3, &tr), 0);
    assert_int_equal(tr.count, 3);
    s_assert_str(tr.items[2].trade_id, "t998");
    feed_trades_fini(&tr);
    assert_int_equal(feed_store_get_trades(store, "sim-binance", "BTC-USDT", 1001, &tr),
                     CB_E_BAD_REQUEST);
    feed_trades_fini(&tr);
    assert_int_equal(feed_store_get_trades(store, "sim-binance", "ETH-USDT", 10, &tr), 0);
    assert_int_equal(tr.count, 0);
    feed_trades_fini(&tr);
    feed_store_destroy(&store);
}

static void
test_candles_bounded_and_forming_replaced(void **state)
{
    (void) state;
    feed_store_t *store = s_store(NULL);
    const int64_t minute = 60LL * 1000000000LL;
    const int64_t t0 = 1700000000LL * 1000000000LL;
    for (int i = 0; i < 1001; i++) {
        char close[32];
        snprintf(close, sizeof close, "%d.5", 100 + i);
        cb_candle_t c = s_candle(t0 + i * minute, close, true);
        assert_int_equal(feed_store_put_candle(store, &c), 0);
    }
    /* The forming candle of the next minute, updated twice, then closed. */
    int64_t open = t0 + 1001 * minute;
    cb_candle_t c = s_candle(open, "1", false);
    assert_int_equal(feed_store_put_candle(store, &c), 0);
    assert_int_equal(feed_store_flush(store), 0);
    const char *key = "coinbus:market:candles:sim-kraken:BTC-USD:1m";
    assert_int_equal(s_redis_int("ZCARD %s", key), 1000);
    c = s_candle(open, "2", false);
    assert_int_equal(feed_store_put_candle(store, &c), 0);
    assert_int_equal(feed_store_flush(store), 0);
    assert_int_equal(s_redis_int("ZCARD %s", key), 1000);
    feed_candle_list_t cs;
    assert_int_equal(feed_store_get_candles(store, "sim-kraken", "BTC-USD", "1m", 2, &cs), 0);
    assert_int_equal(cs.count, 2);
    assert_true(cs.items[1].open_ts == open);
    s_assert_dec(cs.items[1].close, "2");
    assert_false(cs.items[1].closed);
    s_assert_dec(cs.items[0].close, "1100.5");
    feed_candle_list_fini(&cs);
    c = s_candle(open, "3.25", true);
    assert_int_equal(feed_store_put_candle(store, &c), 0);
    assert_int_equal(feed_store_flush(store), 0);

    assert_int_equal(feed_store_get_candles(store, "sim-kraken", "BTC-USD", "1m", 1000, &cs), 0);
    assert_int_equal(cs.count, 1000);
    /* 1002 distinct minutes, 1000 kept: the two oldest went. */
    assert_true(cs.items[0].open_ts == t0 + 2 * minute);
    s_assert_dec(cs.items[0].close, "102.5");
    assert_true(cs.items[999].open_ts == open);
    assert_true(cs.items[999].closed);
    s_assert_dec(cs.items[999].close, "3.25");
    s_assert_dec(cs.items[999].volume, "12.000001");
    for (size_t i = 1; i < cs.count; i++) {
        assert_true(cs.items[i].open_ts > cs.items[i - 1].open_ts);
    }
    feed_candle_list_fini(&cs);
    assert_int_equal(feed_store_get_candles(store, "sim-kraken", "BTC-USD", "5m", 10, &cs), 0);
    assert_int_equal(cs.count, 0);
    feed_candle_list_fini(&cs);
    assert_int_equal(feed_store_get_candles(store, "sim-kraken", "BTC-USD", "2m", 10, &cs),
                     CB_E_BAD_REQUEST);
    feed_candle_list_fini(&cs);
    c.interval = CB_STR("2m");
    assert_int_equal(feed_store_put_candle(store, &c), CB_E_BAD_REQUEST);
    feed_store_destroy(&store);
}

static void
test_instruments_status_venues(void **state)
{
    (void) state;
    feed_store_config_t cfg = feed_store_defaults();
    cfg.status_ttl_ms = 400;
    feed_store_t *store = s_store(&cfg);
    cb_instruments_t list = {0};
    cb_instrument_t in;
    memset(&in, 0, sizeof in);
    snprintf(in.symbol, sizeof in.symbol, "BTC-USDT");
    snprintf(in.native, sizeof in.native, "BTCUSDT");
    in.tick_size = s_dec("0.01");
    in.lot_size = s_dec("0.00001");
    in.min_qty = s_dec("0.00001");
    in.min_notional = s_dec("5");
    in.maker_fee = s_dec("0.001");
    in.taker_fee = s_dec("0.001");
    assert_int_equal(cb_instruments_add(&list, &in), 0);
    snprintf(in.symbol, sizeof in.symbol, "ETH-USDT");
    snprintf(in.native, sizeof in.native, "ETHUSDT");
    assert_int_equal(cb_instruments_add(&list, &in), 0);
    assert_int_equal(feed_store_set_instruments(store, "sim-binance", "binance", &list), 0);
    assert_int_equal(feed_store_set_instruments(store, "sim-kraken", "kraken", &list), 0);
    cb_instruments_fini(&list);
    feed_venue_status_t st = {.venue = "sim-binance", .stream = "live", .circuit = "closed",
                              .last_msg_ts = 123, .reconnects = 4, .updated_ts = 456};
    assert_int_equal(feed_store_set_venue_status(store, &st), 0);
    snprintf(st.circuit, sizeof st.circuit, "ajar");
    assert_int_equal(feed_store_set_venue_status(store, &st), CB_E_BAD_REQUEST);
    assert_int_equal(feed_store_flush(store), 0);

    feed_instruments_t got;
    assert_int_equal(feed_store_get_instruments(store, "sim-binance", &got), 0);
    assert_string_equal(got.dialect, "binance");
    assert_int_equal(got.list.count, 2);
    const cb_instrument_t *r = cb_instruments_resolve(&got.list, CB_STR("BTC-USD"));
    assert_non_null(r);
    assert_string_equal(r->symbol, "BTC-USDT");
    assert_string_equal(r->base, "BTC");
    assert_string_equal(r->quote, "USDT");
    assert_string_equal(r->native, "BTCUSDT");
    s_assert_dec(r->min_notional, "5");
    s_assert_dec(r->taker_fee, "0.001");
    feed_instruments_fini(&got);
    assert_int_equal(feed_store_get_instruments(store, "nowhere", &got), CB_E_NOT_FOUND);
    feed_instruments_fini(&got);

    char names[4][CB_VENUE_NAME_MAX + 1];
    size_t n;
    assert_int_equal(feed_store_get_venues(store, names, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "sim-binance");
    assert_string_equal(names[1], "sim-kraken");

    feed_venue_status_t gs;
    assert_int_equal(feed_store_get_venue_status(store, "sim-binance", &gs), 0);
    assert_string_equal(gs.stream, "live");
    assert_string_equal(gs.circuit, "closed");
    assert_true(gs.last_msg_ts == 123 && gs.reconnects == 4 && gs.updated_ts == 456);
    /* A dead replica's status expires. */
    cb_time_sleep_ms(600, NULL);
    assert_int_equal(feed_store_get_venue_status(store, "sim-binance", &gs), CB_E_NOT_FOUND);
    feed_store_destroy(&store);
}

/* A tick of venue and symbol with bid and ask only. */
static cb_tick_t
s_tick(const char *venue, const char *symbol, const char *bid, const char *ask)
{
    cb_tick_t tick;
    memset(&tick, 0, sizeof tick);
    CB_PROTO_SET(&tick, tick, symbol, cb_str_from(symbol));
    CB_PROTO_SET(&tick, tick, venue, cb_str_from(venue));
    CB_PROTO_SET(&tick, tick, bid, s_dec(bid));
    CB_PROTO_SET(&tick, tick, ask, s_dec(ask));
    return tick;
}

/* A batch writes a symbol's tick once: 100 ticks of two symbols are two
 * SETs, and what is stored is each symbol's last tick. */
static void
test_ticks_of_a_batch_coalesce(void **state)
{
    (void) state;
    feed_store_t *store = s_store(NULL);
    feed_store_stats_t before;
    feed_store_stats(store, &before);
    const char *symbols[2] = {"SOL-USD", "ADA-USD"};
    for (int i = 0; i < 100; i++) {
        char bid[32];
        snprintf(bid, sizeof bid, "10.%02d", i);
        cb_tick_t tick = s_tick("sim-kraken", symbols[i % 2], bid, "12");
        assert_int_equal(feed_store_put_tick(store, &tick, 1000 + i), 0);
    }
    feed_store_stats_t mid;
    feed_store_stats(store, &mid);
    assert_int_equal(mid.queued, 2);
    assert_int_equal(feed_store_flush(store), 0);
    feed_store_stats_t after;
    feed_store_stats(store, &after);
    assert_int_equal(after.messages, before.messages + 100);
    assert_int_equal(after.error_replies, 0);
    feed_tick_t t;
    assert_int_equal(feed_store_get_tick(store, "sim-kraken", "SOL-USD", &t), 0);
    s_assert_dec(t.tick.bid, "10.98");
    assert_true(t.recv_ts == 1098);
    feed_tick_fini(&t);
    assert_int_equal(feed_store_get_tick(store, "sim-kraken", "ADA-USD", &t), 0);
    s_assert_dec(t.tick.bid, "10.99");
    feed_tick_fini(&t);
    /* The next batch starts afresh: one tick, one SET. */
    cb_tick_t tick = s_tick("sim-kraken", "SOL-USD", "11", "12");
    assert_int_equal(feed_store_put_tick(store, &tick, 2000), 0);
    feed_store_stats(store, &mid);
    assert_int_equal(mid.queued, 1);
    assert_int_equal(feed_store_flush(store), 0);
    assert_int_equal(feed_store_get_tick(store, "sim-kraken", "SOL-USD", &t), 0);
    s_assert_dec(t.tick.bid, "11");
    feed_tick_fini(&t);
    feed_store_destroy(&store);
}

static void
test_pipelined_batch(void **state)
{
    (void) state;
    feed_store_t *store = s_store(NULL);
    feed_store_stats_t before;
    feed_store_stats(store, &before);
    int64_t t0 = cb_time_mono_ns();
    for (int i = 0; i < 10000; i++) {
        char id[16];
        snprintf(id, sizeof id, "p%d", i);
        cb_trade_t t = s_trade("sim-kraken", "ETH-USD", id, "2500.01");
        assert_int_equal(feed_store_put_trade(store, &t, i), 0);
    }
    feed_store_stats_t mid;
    feed_store_stats(store, &mid);
    /* One symbol's trades of a batch are one LPUSH (the newest trades_max
     * of them) and one LTRIM. */
    assert_int_equal(mid.queued, 2);
    assert_int_equal(mid.batches, before.batches);
    assert_int_equal(feed_store_flush(store), 0);
    int64_t ms = (cb_time_mono_ns() - t0) / 1000000;
    feed_store_stats_t after;
    feed_store_stats(store, &after);
    /* One flush, one batch: 10,000 messages in one round trip. */
    assert_int_equal(after.batches, before.batches + 1);
    assert_int_equal(after.messages, before.messages + 10000);
    assert_int_equal(after.queued, 0);
    assert_int_equal(after.error_replies, 0);
    assert_int_equal(s_redis_int("LLEN %s", "coinbus:market:trades:sim-kraken:ETH-USD"), 1000);
    feed_trades_t tr;
    assert_int_equal(feed_store_get_trades(store, "sim-kraken", "ETH-USD", 1000, &tr), 0);
    assert_int_equal(tr.count, 1000);
    s_assert_str(tr.items[0].trade_id, "p9999");
    s_assert_str(tr.items[999].trade_id, "p9000");
    feed_trades_fini(&tr);
    fprintf(stderr, "10000 trades queued and flushed in %lld ms\n", (long long) ms);
    assert_true(ms < 5000);
    /* An error reply (a key of the wrong type) is counted, not fatal. */
    s_redis_set("coinbus:market:trades:sim-kraken:SOL-USD", "x", 1);
    cb_trade_t t = s_trade("sim-kraken", "SOL-USD", "s1", "1");
    assert_int_equal(feed_store_put_trade(store, &t, 1), 0);
    assert_int_equal(feed_store_flush(store), 0);
    feed_store_stats(store, &after);
    assert_int_equal(after.error_replies, 2);
    feed_store_destroy(&store);
}

static void
s_put_trades(feed_store_t *store, int n, const char *prefix)
{
    for (int i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "%s%d", prefix, i);
        cb_trade_t t = s_trade("sim-kraken", "XRP-USD", id, "0.5");
        feed_store_put_trade(store, &t, i);
    }
}

/* A store on a Redis of its own (own), which the test may kill. */
static feed_store_t *
s_own_store(cbh_redis_t *own)
{
    assert_int_equal(cbh_redis_start(own, NULL), 0);
    int err;
    feed_store_t *store = feed_store_new(own->url, NULL, &err);
    assert_non_null(store);
    return store;
}

static void
test_outage_and_recovery(void **state)
{
    (void) state;
    cbh_redis_t own;
    feed_store_t *store = s_own_store(&own);
    s_put_trades(store, 100, "a");
    assert_int_equal(feed_store_flush(store), 0);

    /* Killed in the middle of a batch. */
    s_put_trades(store, 500, "b");
    kill(cbh_proc_pid(own.proc), SIGKILL);
    cbh_redis_stop(&own);
    s_put_trades(store, 500, "c");
    int64_t t0 = cb_time_mono_ns();
    int rc = feed_store_flush(store);
    assert_true(rc == CB_E_UNAVAILABLE || rc == CB_E_TIMEOUT);
    feed_store_stats_t st;
    feed_store_stats(store, &st);
    assert_true(st.down);
    assert_int_equal(st.outages, 1);
    assert_int_equal(st.failed_batches, 1);
    assert_int_equal(st.dropped, 1000);
    assert_int_equal(st.messages, 100);
    /* While down, every batch fails fast and is dropped; one outage only. */
    for (int round = 0; round < 20; round++) {
        s_put_trades(store, 50, "d");
        assert_int_not_equal(feed_store_flush(store), 0);
    }
    int64_t ms = (cb_time_mono_ns() - t0) / 1000000;
    assert_true(ms < 3000);
    feed_store_stats(store, &st);
    assert_int_equal(st.outages, 1);
    assert_int_equal(st.dropped, 2000);
    feed_trades_t tr;
    rc = feed_store_get_trades(store, "sim-kraken", "XRP-USD", 10, &tr);
    assert_true(rc == CB_E_UNAVAILABLE || rc == CB_E_TIMEOUT);
    feed_trades_fini(&tr);

    /* Back on the same port: the store recovers by itself. */
    assert_int_equal(cbh_redis_start_on(&own, own.port, NULL), 0);
    bool back = false;
    for (int i = 0; i < 200 && !back; i++) {
        s_put_trades(store, 10, "e");
        back = feed_store_flush(store) == 0;
        if (!back) {
            cb_time_sleep_ms(50, NULL);
        }
    }
    assert_true(back);
    feed_store_stats(store, &st);
    assert_false(st.down);
    assert_int_equal(st.outages, 1);
    assert_int_equal(feed_store_get_trades(store, "sim-kraken", "XRP-USD", 10, &tr), 0);
    assert_int_equal(tr.count, 10);
    s_assert_str(tr.items[0].trade_id, "e9");
    feed_trades_fini(&tr);
    feed_store_destroy(&store);
    cbh_redis_stop(&own);
}

/* feed_store_send: each batch goes out without a wait for its replies, which
 * the next send, flush or read collects; a batch sent just before Redis
 * dies is counted lost when its replies cannot be read. */
static void
test_send_without_waiting(void **state)
{
    (void) state;
    cbh_redis_t own;
    feed_store_t *store = s_own_store(&own);
    s_put_trades(store, 100, "a");
    assert_int_equal(feed_store_send(store), 0);
    feed_store_stats_t st;
    feed_store_stats(store, &st);
    assert_int_equal(st.queued, 0);
    assert_int_equal(st.batches, 0); /* sent, its replies not read yet */
    s_put_trades(store, 10, "b");
    assert_int_equal(feed_store_send(store), 0);
    feed_store_stats(store, &st);
    assert_int_equal(st.batches, 1);
    assert_int_equal(st.messages, 100);
    /* A read takes the replies still due first, then answers. */
    feed_trades_t tr;
    assert_int_equal(feed_store_get_trades(store, "sim-kraken", "XRP-USD", 5, &tr), 0);
    assert_int_equal(tr.count, 5);
    s_assert_str(tr.items[0].trade_id, "b9");
    feed_trades_fini(&tr);
    feed_store_stats(store, &st);
    assert_int_equal(st.batches, 2);
    assert_int_equal(st.messages, 110);
    /* Redis dies: a batch sent into the dead connection is lost either at
     * once (the write fails) or when the next send finds no replies; both
     * batches are counted, one outage. */
    kill(cbh_proc_pid(own.proc), SIGKILL);
    cbh_redis_stop(&own);
    s_put_trades(store, 30, "c");
    int rc1 = feed_store_send(store);
    s_put_trades(store, 20, "d");
    int rc2 = feed_store_send(store);
    assert_true(rc1 != 0 || rc2 != 0);
    assert_true(rc2 == CB_E_UNAVAILABLE || rc2 == CB_E_TIMEOUT || rc2 == 0);
    feed_store_stats(store, &st);
    assert_true(st.down);
    assert_int_equal(st.outages, 1);
    assert_int_equal(st.dropped, 50);
    assert_int_equal(st.messages, 110);
    assert_int_equal(feed_store_flush(store), 0); /* nothing left to send or read */
    feed_store_destroy(&store);
}

static void
test_corrupted_values(void **state)
{
    (void) state;
    feed_store_t *store = s_store(NULL);
    const char *tick_key = "coinbus:market:tick:sim-kraken:BAD-USD";
    feed_tick_t t;
    s_redis_set(tick_key, "garbage", 7);
    assert_int_equal(feed_store_get_tick(store, "sim-kraken", "BAD-USD", &t), CB_E_PARSE);
    feed_tick_fini(&t);

    /* A valid tick without recv_ts, then one of another venue, then truncated. */
    cb_tick_t tick = s_tick("sim-binance", "BAD-USD", "1", "2");
    cb_buf_t buf = {0};
    assert_int_equal(cb_proto_encode(&cb_proto_schema_tick, &tick, &buf, NULL), 0);
    s_redis_set(tick_key, buf.data, buf.len);
    assert_int_equal(feed_store_get_tick(store, "sim-kraken", "BAD-USD", &t), CB_E_PARSE);
    feed_tick_fini(&t);
    cb_buf_reset(&buf);
    assert_int_equal(feed_record_encode(&cb_proto_schema_tick, &tick, 5, &buf), 0);
    s_redis_set(tick_key, buf.data, buf.len);
    assert_int_equal(feed_store_get_tick(store, "sim-kraken", "BAD-USD", &t), CB_E_PARSE);
    feed_tick_fini(&t);
    for (size_t cut = 0; cut < buf.len; cut++) {
        s_redis_set("coinbus:market:tick:sim-binance:BAD-USD", buf.data, cut);
        assert_int_equal(feed_store_get_tick(store, "sim-binance", "BAD-USD", &t), CB_E_PARSE);
        feed_tick_fini(&t);
    }
    s_redis_set("coinbus:market:tick:sim-binance:BAD-USD", buf.data, buf.len);
    assert_int_equal(feed_store_get_tick(store, "sim-binance", "BAD-USD", &t), 0);
    feed_tick_fini(&t);
    cb_buf_fini(&buf);

    /* Wrong Redis types and garbage elsewhere. */
    feed_book_t b;
    s_redis_set("coinbus:market:book:sim-kraken:BAD-USD", "\x81\xa1x\xc1", 4);
    assert_int_equal(feed_store_get_book(store, "sim-kraken", "BAD-USD", &b), CB_E_PARSE);
    feed_book_fini(&b);
    feed_trades_t tr;
    s_redis_set("coinbus:market:trades:sim-kraken:BAD-USD", "x", 1);
    assert_int_equal(feed_store_get_trades(store, "sim-kraken", "BAD-USD", 5, &tr), CB_E_PARSE);
    feed_trades_fini(&tr);
    int err;
    cb_redis_t *r = cb_redis_new(s_server.url, &err);
    redisReply *reply = cb_redis_command(r, &err, "LPUSH %s %s",
                                         "coinbus:market:trades:sim-kraken:ODD-USD", "\x93\x01");
    freeReplyObject(reply);
    reply = cb_redis_command(r, &err, "ZADD %s 1 %s",
                             "coinbus:market:candles:sim-kraken:ODD-USD:1h", "\xa3" "abc");
    freeReplyObject(reply);
    cb_redis_destroy(&r);
    assert_int_equal(feed_store_get_trades(store, "sim-kraken", "ODD-USD", 5, &tr), CB_E_PARSE);
    feed_trades_fini(&tr);
    feed_candle_list_t cs;
    assert_int_equal(feed_store_get_candles(store, "sim-kraken", "ODD-USD", "1h", 5, &cs),
                     CB_E_PARSE);
    feed_candle_list_fini(&cs);
    feed_instruments_t ins;
    s_redis_set("coinbus:market:instruments:sim-odd", "\x84\xa5venue\xa7sim-odd", 15);
    assert_int_equal(feed_store_get_instruments(store, "sim-odd", &ins), CB_E_PARSE);
    feed_instruments_fini(&ins);
    feed_venue_status_t st = {.venue = "sim-odd", .stream = "live", .circuit = "open"};
    cb_buf_t sb = {0};
    assert_int_equal(feed_record_encode_status(&st, &sb), 0);
    s_redis_set("coinbus:market:status:sim-odd", sb.data, sb.len - 1);
    assert_int_equal(feed_store_get_venue_status(store, "sim-odd", &st), CB_E_PARSE);
    cb_buf_fini(&sb);
    feed_store_destroy(&store);
}

static int
s_setup(void **state)
{
    (void) state;
    return cbh_redis_start(&s_server, NULL) == 0 ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    cbh_redis_stop(&s_server);
    return 0;
}

int
main(void)
{
    cb_log_init("test-feed-store", CB_LOG_WARN, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tick_and_book_round_trip),
        cmocka_unit_test(test_trades_bounded),
        cmocka_unit_test(test_candles_bounded_and_forming_replaced),
        cmocka_unit_test(test_instruments_status_venues),
        cmocka_unit_test(test_ticks_of_a_batch_coalesce),
        cmocka_unit_test(test_pipelined_batch),
        cmocka_unit_test(test_outage_and_recovery),
        cmocka_unit_test(test_send_without_waiting),
        cmocka_unit_test(test_corrupted_values),
    };
    return cmocka_run_group_tests_name("feed_store", tests, s_setup, s_teardown);
}
