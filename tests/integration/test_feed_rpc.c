/* test_feed_rpc.c - the `market` ops over a real bus and Redis: every op, errors, best() arithmetic, the CLI */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>


#include "cb_buf.h"
#include "cb_error.h"
#include "cb_json.h"
#include "cb_log.h"
#include "cb_rpc.h"
#include "cb_time.h"
#include "cbh_bus.h"
#include "cbh_market.h"
#include "cbh_rpc.h"
#include "feed_rpc.h"
#include "feed_store.h"

static cbh_redis_t s_redis;
static cbh_bus_t s_bus;
static cb_rpc_client_t *s_client;
static cbh_market_t s_market;
static int64_t s_now;

#define S_TS 1700000000000000001LL

static cb_decimal_t
s_dec(const char *text)
{
    cb_decimal_t d;
    if (cb_decimal_parse(text, strlen(text), &d) != 0) {
        fail_msg("bad decimal %s", text);
    }
    return d;
}

static void
s_instruments(feed_store_t *store, const char *venue, const char *dialect, const char *symbol,
              const char *taker)
{
    cb_instruments_t list = {0};
    cb_instrument_t in;
    memset(&in, 0, sizeof in);
    snprintf(in.symbol, sizeof in.symbol, "%s", symbol);
    snprintf(in.native, sizeof in.native, "N%s", symbol);
    in.tick_size = s_dec("0.1");
    in.lot_size = s_dec("0.0001");
    in.maker_fee = s_dec("0.0001");
    in.taker_fee = s_dec(taker);
    assert_int_equal(cb_instruments_add(&list, &in), 0);
    snprintf(in.symbol, sizeof in.symbol, "ETH-%s", strchr(symbol, '-') + 1);
    assert_int_equal(cb_instruments_add(&list, &in), 0);
    assert_int_equal(feed_store_set_instruments(store, venue, dialect, &list), 0);
    cb_instruments_fini(&list);
}

static void
s_tick(feed_store_t *store, const char *venue, const char *symbol, const char *bid,
       const char *ask, const char *last)
{
    cb_tick_t t;
    memset(&t, 0, sizeof t);
    CB_PROTO_SET(&t, tick, symbol, cb_str_from(symbol));
    CB_PROTO_SET(&t, tick, venue, cb_str_from(venue));
    CB_PROTO_SET(&t, tick, bid, s_dec(bid));
    CB_PROTO_SET(&t, tick, ask, s_dec(ask));
    if (last != NULL) {
        CB_PROTO_SET(&t, tick, last, s_dec(last));
        CB_PROTO_SET(&t, tick, bid_qty, s_dec("1.5"));
        CB_PROTO_SET(&t, tick, ask_qty, s_dec("2"));
        CB_PROTO_SET(&t, tick, exch_ts, (int64_t) S_TS);
    }
    assert_int_equal(feed_store_put_tick(store, &t, s_now), 0);
}

/* levels: "p:q,p:q" */
static cb_levels_t
s_levels(cb_level_t *items, const char *spec)
{
    cb_levels_t l = {items, 0};
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *tok = strtok(buf, ","); tok != NULL; tok = strtok(NULL, ",")) {
        char *colon = strchr(tok, ':');
        *colon = '\0';
        items[l.count].price = s_dec(tok);
        items[l.count].qty = s_dec(colon + 1);
        l.count++;
    }
    return l;
}

static void
s_book(feed_store_t *store, const char *venue, const char *symbol, const char *bids,
       const char *asks, bool resyncing, int64_t recv_ts)
{
    cb_level_t b[16];
    cb_level_t a[16];
    cb_book_t book;
    memset(&book, 0, sizeof book);
    CB_PROTO_SET(&book, book, symbol, cb_str_from(symbol));
    CB_PROTO_SET(&book, book, venue, cb_str_from(venue));
    CB_PROTO_SET(&book, book, snapshot, true);
    CB_PROTO_SET(&book, book, bids, s_levels(b, bids));
    CB_PROTO_SET(&book, book, asks, s_levels(a, asks));
    CB_PROTO_SET(&book, book, update_id, (uint64_t) 42);
    if (resyncing) {
        CB_PROTO_SET(&book, book, resyncing, true);
    }
    assert_int_equal(feed_store_put_book(store, &book, recv_ts), 0);
}

static void
s_seed(void)
{
    int err;
    feed_store_t *store = feed_store_new(s_redis.url, NULL, &err);
    assert_non_null(store);
    s_now = cb_time_now_ns();
    s_instruments(store, "sim-kraken", "kraken", "BTC-USD", "0.0026");
    s_instruments(store, "sim-binance", "binance", "BTC-USDT", "0.001");
    s_instruments(store, "sim-resync", "kraken", "BTC-USD", "0");
    s_instruments(store, "sim-old", "binance", "BTC-USDT", "0");
    s_tick(store, "sim-kraken", "BTC-USD", "50000.1", "50000.3", "50000.2");
    s_tick(store, "sim-binance", "BTC-USDT", "50000.4", "50000.5", NULL);
    /* The hand-built two-venue book (the others are resyncing or stale). */
    s_book(store, "sim-kraken", "BTC-USD", "100:1,99:1", "100.5:1,101:2", false, s_now);
    s_book(store, "sim-binance", "BTC-USDT", "100.2:0.2,99.5:3", "100.4:0.5,101.2:5", false,
           s_now);
    s_book(store, "sim-resync", "BTC-USD", "200:9", "1:9", true, s_now);
    s_book(store, "sim-old", "BTC-USDT", "200:9", "1:9", false, s_now - 60LL * 1000000000LL);
    const int64_t minute = 60LL * 1000000000LL;
    for (int i = 0; i < 3; i++) {
        cb_candle_t c;
        memset(&c, 0, sizeof c);
        CB_PROTO_SET(&c, candle, symbol, CB_STR("BTC-USD"));
        CB_PROTO_SET(&c, candle, venue, CB_STR("sim-kraken"));
        CB_PROTO_SET(&c, candle, interval, CB_STR("1m"));
        CB_PROTO_SET(&c, candle, open_ts, S_TS - 1 + i * minute);
        CB_PROTO_SET(&c, candle, open, s_dec("100"));
        CB_PROTO_SET(&c, candle, high, s_dec("102.25"));
        CB_PROTO_SET(&c, candle, low, s_dec("99"));
        CB_PROTO_SET(&c, candle, close, cb_decimal_from_int(101 + i));
        CB_PROTO_SET(&c, candle, volume, s_dec("0.5"));
        CB_PROTO_SET(&c, candle, closed, i < 2);
        assert_int_equal(feed_store_put_candle(store, &c), 0);
        /* sim-binance (first by name) has BTC-USDT candles too. */
        CB_PROTO_SET(&c, candle, symbol, CB_STR("BTC-USDT"));
        CB_PROTO_SET(&c, candle, venue, CB_STR("sim-binance"));
        CB_PROTO_SET(&c, candle, close, cb_decimal_from_int(201 + i));
        assert_int_equal(feed_store_put_candle(store, &c), 0);
    }
    for (int i = 0; i < 3; i++) {
        cb_trade_t t;
        memset(&t, 0, sizeof t);
        char id[16];
        snprintf(id, sizeof id, "k%d", i);
        CB_PROTO_SET(&t, trade, symbol, CB_STR("BTC-USD"));
        CB_PROTO_SET(&t, trade, venue, CB_STR("sim-kraken"));
        CB_PROTO_SET(&t, trade, trade_id, cb_str_from(id));
        CB_PROTO_SET(&t, trade, price, s_dec(i == 2 ? "50000.25" : "50000"));
        CB_PROTO_SET(&t, trade, qty, s_dec("0.01"));
        CB_PROTO_SET(&t, trade, side, cb_str_from(i == 2 ? "sell" : "buy"));
        CB_PROTO_SET(&t, trade, exch_ts, (int64_t) S_TS + i);
        assert_int_equal(feed_store_put_trade(store, &t, s_now), 0);
    }
    feed_venue_status_t st = {.venue = "sim-kraken", .stream = "live", .circuit = "closed",
                              .last_msg_ts = s_now, .reconnects = 2, .updated_ts = s_now};
    assert_int_equal(feed_store_set_venue_status(store, &st), 0);
    feed_venue_status_t st2 = {.venue = "sim-resync", .stream = "resyncing", .circuit = "open",
                               .last_msg_ts = s_now, .reconnects = 0, .updated_ts = s_now};
    assert_int_equal(feed_store_set_venue_status(store, &st2), 0);
    assert_int_equal(feed_store_flush(store), 0);
    feed_store_destroy(&store);
}

static int
s_setup(void **state)
{
    (void) state;
    if (cbh_redis_start(&s_redis, NULL) != 0 || cbh_bus_start(&s_bus) != 0) {
        return -1;
    }
    cbh_bus_export(&s_bus);
    if (cbh_market_start(&s_market, s_redis.url, s_bus.config.backend[CB_RPC_MARKET]) != 0) {
        return -1;
    }
    s_client = cb_rpc_client_new(s_bus.config.frontend[CB_RPC_MARKET]);
    for (int i = 0; s_client != NULL && i < 100; i++) {
        cb_rpc_result_t res;
        if (cb_rpc_call(s_client, "ping", NULL, 0, 200, 0, &res) == 0 && res.ok) {
            return 0;
        }
    }
    return -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    cbh_market_stop(&s_market);
    cb_rpc_client_destroy(&s_client);
    int rc = cbh_bus_stop(&s_bus);
    cbh_redis_stop(&s_redis);
    return rc == 0 ? 0 : -1;
}

/* The service's calls with JSON args (cbh_rpc_json), 3000 ms at most. */
static const char *
s_ok(const char *op, const char *args_json)
{
    return cbh_rpc_json_ok(s_client, op, args_json, 3000);
}

static void
s_expect_error(const char *op, const char *args_json, int code, const char *needle)
{
    cbh_rpc_json_error(s_client, op, args_json, 3000, code, needle);
}

static void
s_has(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL) {
        fail_msg("'%s' not in %s", needle, text);
    }
}

static void
test_price(void **state)
{
    (void) state;
    s_seed();
    const char *want_kraken = "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"price\":"
                              "\"50000.2\",\"bid\":\"50000.1\",\"ask\":\"50000.3\",\"bid_qty\":"
                              "\"1.5\",\"ask_qty\":\"2\",\"timestamp\":1700000000000000001}";
    assert_string_equal(s_ok("price", "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\"}"),
                        want_kraken);
    /* USD maps to sim-binance's USDT listing; no last: the exact mid. */
    const char *r = s_ok("price", "{\"symbol\":\"btc\",\"venue\":\"sim-binance\"}");
    s_has(r, "\"symbol\":\"BTC-USDT\",\"venue\":\"sim-binance\",\"price\":\"50000.45\"");
    /* Without a venue: the narrowest spread (sim-binance, 0.1), plus every venue. */
    r = s_ok("price", "{\"symbol\":\"BTC\",\"quote\":\"USD\"}");
    const char *head = "{\"symbol\":\"BTC-USDT\",\"venue\":\"sim-binance\"";
    assert_true(strncmp(r, head, strlen(head)) == 0);
    s_has(r, "\"venues\":[");
    s_has(r, want_kraken);
    s_expect_error("price", "{\"symbol\":\"DOGE-USD\"}", CB_E_NOT_FOUND, "DOGE-USD");
    s_expect_error("price", "{\"symbol\":\"ETH-USD\"}", CB_E_NOT_FOUND, "no price");
    s_expect_error("price", "{\"symbol\":\"BTC-USD\",\"venue\":\"nowhere\"}", CB_E_NOT_FOUND,
                   "nowhere");
    s_expect_error("price", "{}", CB_E_BAD_REQUEST, "symbol");
    s_expect_error("price", "{\"symbol\":\"BT C\"}", CB_E_BAD_REQUEST, "symbol");
    s_expect_error("price", "{\"symbol\":\"BTC\",\"venue\":\"Bad Venue\"}", CB_E_BAD_REQUEST,
                   "venue");
    s_expect_error("price", "[1]", CB_E_BAD_REQUEST, "args");
    s_expect_error("nope", "{}", CB_E_NOT_FOUND, "unknown op");
}

/* The worker keeps each venue's decoded instrument list; a list written again
 * is seen by the very next request (its stored version changed). */
static void
test_instruments_rewritten_seen_at_once(void **state)
{
    (void) state;
    const char *args = "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\"}";
    s_has(s_ok("price", args), "\"venue\":\"sim-kraken\"");
    int err;
    feed_store_t *store = feed_store_new(s_redis.url, NULL, &err);
    assert_non_null(store);
    s_instruments(store, "sim-kraken", "kraken", "SOL-USD", "0.0026");
    assert_int_equal(feed_store_flush(store), 0);
    s_expect_error("price", args, CB_E_NOT_FOUND, "not listed");
    s_has(s_ok("symbols", "{}"), "\"sim-kraken\":[\"SOL-USD\",\"ETH-USD\"]");
    s_instruments(store, "sim-kraken", "kraken", "BTC-USD", "0.0026");
    assert_int_equal(feed_store_flush(store), 0);
    s_has(s_ok("price", args), "\"venue\":\"sim-kraken\"");
    feed_store_destroy(&store);
}

static void
test_ohlc_book_trades(void **state)
{
    (void) state;
    const char *r = s_ok("ohlc", "{\"symbol\":\"BTC-USD\",\"timeframe\":\"1m\",\"limit\":2}");
    assert_string_equal(r, "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"timeframe\":"
                           "\"1m\",\"candles\":[{\"t\":1700000060000000000,\"o\":\"100\",\"h\":"
                           "\"102.25\",\"l\":\"99\",\"c\":\"102\",\"v\":\"0.5\",\"closed\":true},"
                           "{\"t\":1700000120000000000,\"o\":\"100\",\"h\":\"102.25\",\"l\":"
                           "\"99\",\"c\":\"103\",\"v\":\"0.5\",\"closed\":false}]}");
    /* The venue listing the symbol itself comes before an equivalent quote's. */
    r = s_ok("ohlc", "{\"symbol\":\"BTC-USDT\",\"timeframe\":\"1m\",\"limit\":1}");
    s_has(r, "\"venue\":\"sim-binance\"");
    s_has(r, "\"c\":\"203\"");
    r = s_ok("ohlc", "{\"symbol\":\"BTC-USD\",\"timeframe\":\"5m\",\"venue\":\"sim-kraken\"}");
    s_has(r, "\"candles\":[]");
    s_expect_error("ohlc", "{\"symbol\":\"BTC-USD\",\"timeframe\":\"2m\"}", CB_E_BAD_REQUEST,
                   "timeframe");
    s_expect_error("ohlc", "{\"symbol\":\"BTC-USD\"}", CB_E_BAD_REQUEST, "timeframe");
    s_expect_error("ohlc", "{\"symbol\":\"BTC-USD\",\"timeframe\":\"1m\",\"limit\":1001}",
                   CB_E_BAD_REQUEST, "limit");
    s_expect_error("ohlc", "{\"symbol\":\"BTC-USD\",\"timeframe\":\"1m\",\"limit\":0}",
                   CB_E_BAD_REQUEST, "limit");
    s_expect_error("ohlc", "{\"symbol\":\"BTC-USD\",\"timeframe\":\"1m\",\"limit\":\"x\"}",
                   CB_E_BAD_REQUEST, "limit");
    s_expect_error("ohlc", "{\"symbol\":\"XYZ-USD\",\"timeframe\":\"1m\"}", CB_E_NOT_FOUND,
                   "XYZ-USD");

    r = s_ok("book", "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"depth\":1}");
    s_has(r, "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"bids\":"
                           "[[\"100\",\"1\"]],\"asks\":[[\"100.5\",\"1\"]],\"resyncing\":false,"
                           "\"update_id\":42,\"timestamp\":");
    s_has(s_ok("book", "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-resync\"}"), "\"resyncing\":true");
    s_expect_error("book", "{\"symbol\":\"BTC-USD\"}", CB_E_BAD_REQUEST, "venue");
    s_expect_error("book", "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"depth\":5000}",
                   CB_E_BAD_REQUEST, "depth");
    s_expect_error("book", "{\"symbol\":\"ETH-USD\",\"venue\":\"sim-kraken\"}", CB_E_NOT_FOUND,
                   "book");

    r = s_ok("trades", "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"limit\":\"2\"}");
    assert_string_equal(r, "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"trades\":["
                           "{\"id\":\"k2\",\"price\":\"50000.25\",\"qty\":\"0.01\",\"side\":"
                           "\"sell\",\"timestamp\":1700000000000000003},{\"id\":\"k1\",\"price\":"
                           "\"50000\",\"qty\":\"0.01\",\"side\":\"buy\",\"timestamp\":"
                           "1700000000000000002}]}");
    s_expect_error("trades", "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"limit\":1001}",
                   CB_E_BAD_REQUEST, "limit");
}

static void
test_compare_symbols_venues(void **state)
{
    (void) state;
    const char *r = s_ok("compare", "{\"symbol\":\"BTC-USD\"}");
    /* Best bid sim-binance 50000.4, best ask sim-kraken 50000.3: crossed by 0.1,
     * -0.1 * 10000 / 50000.35 = -0.019999... -> -0.02 bps (half-even, 2 digits). */
    s_has(r, "\"best_bid\":{\"venue\":\"sim-binance\",\"price\":\"50000.4\"}");
    s_has(r, "\"best_ask\":{\"venue\":\"sim-kraken\",\"price\":\"50000.3\"}");
    s_has(r, "\"spread\":\"-0.1\",\"spread_bps\":\"-0.02\",\"crossed\":true");
    s_has(r, "{\"venue\":\"sim-kraken\",\"symbol\":\"BTC-USD\",\"bid\":\"50000.1\",\"ask\":"
             "\"50000.3\",\"last\":\"50000.2\"");

    r = s_ok("symbols", "{}");
    assert_string_equal(r, "{\"sim-binance\":[\"BTC-USDT\",\"ETH-USDT\"],\"sim-kraken\":"
                           "[\"BTC-USD\",\"ETH-USD\"],\"sim-old\":[\"BTC-USDT\",\"ETH-USDT\"],"
                           "\"sim-resync\":[\"BTC-USD\",\"ETH-USD\"]}");
    r = s_ok("venues", "{}");
    s_has(r, "{\"venue\":\"sim-binance\",\"dialect\":\"binance\",\"symbols\":2,\"stream\":"
             "\"unknown\",\"health\":\"down\",\"circuit\":\"unknown\"}");
    s_has(r, "{\"venue\":\"sim-kraken\",\"dialect\":\"kraken\",\"symbols\":2,\"stream\":\"live\","
             "\"health\":\"ok\",\"circuit\":\"closed\",\"last_msg_ts\":");
    s_has(r, "\"reconnects\":2}");
    s_has(r, "\"stream\":\"resyncing\",\"health\":\"degraded\",\"circuit\":\"open\"");
}

static void
test_best(void **state)
{
    (void) state;
    /* Buy 1.5: sim-kraken 100.5*1 + 101*0.5 = 151, fee 151*0.0026 = 0.3926, total
     * 151.3926; sim-binance 100.4*0.5 + 101.2*1 = 151.4, fee 0.1514, total 151.5514. */
    const char *r = s_ok("best", "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"amount\":\"1.5\"}");
    assert_string_equal(
        r, "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"amount\":\"1.5\",\"basis\":\"amount\","
           "\"venue\":\"sim-kraken\",\"venue_symbol\":\"BTC-USD\",\"avg_price\":"
           "\"100.666666666667\",\"cost\":\"151\",\"fee\":\"0.3926\",\"fee_rate\":\"0.0026\","
           "\"total\":\"151.3926\",\"venues\":[{\"venue\":\"sim-binance\",\"symbol\":\"BTC-USDT\","
           "\"avg_price\":\"100.933333333333\",\"cost\":\"151.4\",\"fee\":\"0.1514\",\"fee_rate\":"
           "\"0.001\",\"total\":\"151.5514\"},{\"venue\":\"sim-kraken\",\"symbol\":\"BTC-USD\","
           "\"avg_price\":\"100.666666666667\",\"cost\":\"151\",\"fee\":\"0.3926\",\"fee_rate\":"
           "\"0.0026\",\"total\":\"151.3926\"}],\"lacking_depth\":[],\"skipped\":[{\"venue\":"
           "\"sim-old\",\"reason\":\"stale\"},{\"venue\":\"sim-resync\",\"reason\":"
           "\"resyncing\"}]}");
    /* Sell 1.5: sim-kraken 149.5 - 0.3887 = 149.1113; sim-binance 20.04 + 129.35 =
     * 149.39 - 0.14939 = 149.24061: the higher proceeds win. */
    r = s_ok("best", "{\"symbol\":\"BTC-USD\",\"side\":\"sell\",\"amount\":\"1.5\"}");
    s_has(r, "\"venue\":\"sim-binance\",\"venue_symbol\":\"BTC-USDT\",\"avg_price\":"
             "\"99.593333333333\",\"cost\":\"149.39\",\"fee\":\"0.14939\",\"fee_rate\":\"0.001\","
             "\"total\":\"149.24061\"");
    s_has(r, "\"total\":\"149.1113\"");
    /* Top of book, per unit: 100.5 * 1.0026 = 100.7613 vs 100.4 * 1.001 = 100.5004. */
    r = s_ok("best", "{\"symbol\":\"BTC-USD\",\"side\":\"buy\"}");
    s_has(r, "\"basis\":\"top_of_book\",\"venue\":\"sim-binance\",\"venue_symbol\":\"BTC-USDT\","
             "\"avg_price\":\"100.4\",\"cost\":\"100.4\",\"fee\":\"0.1004\"");
    s_has(r, "\"total\":\"100.7613\",\"available\":\"1\"");
    /* 4 units: only sim-binance has depth (0.5 + 5). */
    r = s_ok("best", "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"amount\":4}");
    s_has(r, "\"venue\":\"sim-binance\"");
    s_has(r, "\"lacking_depth\":[\"sim-kraken\"]");
    s_expect_error("best", "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"amount\":\"10\"}",
                   CB_E_UNAVAILABLE, "sim-kraken lacks depth");
    s_expect_error("best", "{\"symbol\":\"BTC-USD\",\"side\":\"hold\"}", CB_E_BAD_REQUEST, "side");
    s_expect_error("best", "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"amount\":\"-1\"}",
                   CB_E_BAD_REQUEST, "amount");
    s_expect_error("best", "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"amount\":\"abc\"}",
                   CB_E_BAD_REQUEST, "amount");
    s_expect_error("best", "{\"symbol\":\"SOL-USD\",\"side\":\"buy\"}", CB_E_NOT_FOUND, "SOL-USD");
}

/* Runs the CLI; its stdout into out. Returns the exit status. */
static int
s_cli(const char *args, char *out, size_t cap)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s/coinbus call %s 2>&1", cbh_bin_dir(), args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_cli(void **state)
{
    (void) state;
    char out[8192];
    assert_int_equal(s_cli("market price symbol=BTC-USD venue=sim-kraken", out, sizeof out), 0);
    s_has(out, "\"ok\":true,\"result\":{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"price\":"
               "\"50000.2\",\"bid\":\"50000.1\",\"ask\":\"50000.3\",\"bid_qty\":\"1.5\","
               "\"ask_qty\":\"2\",\"timestamp\":1700000000000000001}");
    assert_int_equal(s_cli("market price symbol=BTC-USD", out, sizeof out), 0);
    s_has(out, "\"venue\":\"sim-binance\",\"price\":\"50000.45\"");
    assert_int_not_equal(s_cli("market ohlc symbol=BTC-USD timeframe=1m limit=1001", out,
                               sizeof out), 0);
    s_has(out, "\"code\":\"bad_request\"");
    s_has(out, "limit");
    assert_int_not_equal(s_cli("market ohlc symbol=BTC-USD timeframe=2m", out, sizeof out), 0);
    s_has(out, "\"code\":\"bad_request\"");
    assert_int_equal(s_cli("market ohlc symbol=BTC-USD timeframe=1m limit=1", out, sizeof out), 0);
    s_has(out, "\"c\":\"103\",\"v\":\"0.5\",\"closed\":false}]");
    assert_int_equal(s_cli("market best symbol=BTC side=buy amount=1.5", out, sizeof out), 0);
    s_has(out, "\"venue\":\"sim-kraken\"");
    s_has(out, "\"total\":\"151.3926\"");
    assert_int_not_equal(s_cli("market price symbol=NOPE-USD", out, sizeof out), 0);
    s_has(out, "\"code\":\"not_found\"");
}

int
main(void)
{
    cb_log_init("test-feed-rpc", CB_LOG_WARN, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_price),
        cmocka_unit_test(test_instruments_rewritten_seen_at_once),
        cmocka_unit_test(test_ohlc_book_trades),
        cmocka_unit_test(test_compare_symbols_venues),
        cmocka_unit_test(test_best),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests_name("feed_rpc", tests, s_setup, s_teardown);
}
