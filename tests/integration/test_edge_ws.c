/* test_edge_ws.c - api-edge's /ws over loopback with a real bus, cache and server: subscriptions, pushes with exact decimals and seq, bad input, limits */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "cb_time.h"
#include "cbh_edgews.h"
#include "cbh_ws.h"

#define S_KRAKEN "sim-kraken"

/* ---- tests ---------------------------------------------------------------------- */

static void
test_tick_reaches_client(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_edgews_open();
    assert_int_equal(cbh_ws_send(ws, "{\"type\":\"subscribe\",\"symbol\":\"BTC\"}"), 0);
    free(cbh_edgews_expect(ws, "\"type\":\"subscribed\"", "\"channel\":\"ticker\"",
                           "\"symbol\":\"BTC-USD\"", "\"venue\":null", NULL));

    cb_event_t ev;
    cbh_edgews_make_tick(&ev, "BTC-USD", S_KRAKEN, "123456789.123456789", "123456789.20",
                         "123456789.15000", "0.50000000");
    int64_t t0 = cb_time_mono_ns();
    cbh_edgews_publish(&ev);
    char seq[48];
    char *m = cbh_edgews_expect(ws, "\"type\":\"price_update\"", "\"symbol\":\"BTC-USD\"",
                                "\"venue\":\"sim-kraken\"", "\"price\":123456789.15,",
                                "\"bid\":123456789.123456789,", "\"ask\":123456789.2,",
                                "\"bid_qty\":0.5,", "\"timestamp\":\"20",
                                cbh_edgews_seq(ev.env.seq, seq, sizeof seq), NULL);
    int64_t ms = (cb_time_mono_ns() - t0) / 1000000;
    printf("tick to client: %lld ms: %s\n", (long long) ms, m);
    assert_true(ms < 1000);
    free(m);

    /* No last price: the exact mid. */
    uint64_t s;
    cbh_edgews_tick("BTC-USD", S_KRAKEN, "1.1", "1.2", NULL, &s);
    free(cbh_edgews_expect(ws, "\"type\":\"price_update\"", "\"price\":1.15,",
                           cbh_edgews_seq(s, seq, sizeof seq), NULL));
    cbh_ws_close(&ws);
}

static void
test_book_trades_candles(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_edgews_open();
    cbh_edgews_send_expect(ws,
                           "{\"type\":\"subscribe\",\"symbol\":\"btc\",\"channel\":\"book\","
                           "\"venue\":\"sim-kraken\"}",
                           "\"type\":\"subscribed\"", "\"venue\":\"sim-kraken\"");
    char seq[48];
    uint64_t s;
    cbh_edgews_book_n(true, false, 2, &s);
    free(cbh_edgews_expect(ws, "\"type\":\"book_update\"", "\"snapshot\":true",
                           "\"bids\":[[99.99,1.25],[99.98,1.25]]",
                           "\"asks\":[[100.01,2],[100.02,2]]", "\"resyncing\":false",
                           cbh_edgews_seq(s, seq, sizeof seq), NULL));
    /* Resyncing twice, then back: one resync notice, each update pushed. */
    cbh_edgews_book_n(false, true, 0, &s);
    free(cbh_edgews_expect(ws, "\"type\":", "\"type\":\"resync\"", "\"channel\":\"book\"",
                           "\"venue\":\"sim-kraken\"", NULL));
    free(cbh_edgews_expect(ws, "\"type\":\"book_update\"", "\"resyncing\":true",
                           cbh_edgews_seq(s, seq, sizeof seq), NULL));
    cbh_edgews_book_n(false, true, 0, &s);
    free(cbh_edgews_expect(ws, "\"type\":", "\"type\":\"book_update\"",
                           cbh_edgews_seq(s, seq, sizeof seq), NULL));
    cbh_edgews_book_n(true, false, 1, &s);
    free(cbh_edgews_expect(ws, "\"type\":", "\"type\":\"book_update\"", "\"resyncing\":false",
                           cbh_edgews_seq(s, seq, sizeof seq), NULL));

    cbh_edgews_send_expect(ws, "{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"channel\":\"trades\"}",
                           "\"type\":\"subscribed\"", "\"channel\":\"trades\"");
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CB_KIND_trade;
    cb_trade_t *t = &ev.body.trade;
    CB_PROTO_SET(t, trade, symbol, cb_str_from("BTC-USD"));
    CB_PROTO_SET(t, trade, venue, cb_str_from(S_KRAKEN));
    CB_PROTO_SET(t, trade, trade_id, cb_str_from("t-1"));
    CB_PROTO_SET(t, trade, price, cbh_edgews_dec("50001.50"));
    CB_PROTO_SET(t, trade, qty, cbh_edgews_dec("0.0100"));
    CB_PROTO_SET(t, trade, side, cb_str_from("buy"));
    cbh_edgews_publish(&ev);
    free(cbh_edgews_expect(ws, "\"type\":\"trade\"", "\"price\":50001.5,", "\"qty\":0.01,",
                           "\"side\":\"buy\"", "\"trade_id\":\"t-1\"",
                           cbh_edgews_seq(ev.env.seq, seq, sizeof seq), NULL));

    cbh_edgews_send_expect(ws,
                           "{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"channel\":\"candles\","
                           "\"timeframe\":\"5m\"}",
                           "\"type\":\"subscribed\"", "\"timeframe\":\"5m\"");
    const char *intervals[2] = {"1m", "5m"};
    for (int i = 0; i < 2; i++) {
        memset(&ev, 0, sizeof ev);
        ev.kind = CB_KIND_candle;
        cb_candle_t *c = &ev.body.candle;
        CB_PROTO_SET(c, candle, symbol, cb_str_from("BTC-USD"));
        CB_PROTO_SET(c, candle, venue, cb_str_from(S_KRAKEN));
        CB_PROTO_SET(c, candle, interval, cb_str_from(intervals[i]));
        CB_PROTO_SET(c, candle, open_ts, 1795392000000000000LL);
        CB_PROTO_SET(c, candle, open, cbh_edgews_dec("100.10"));
        CB_PROTO_SET(c, candle, high, cbh_edgews_dec("101"));
        CB_PROTO_SET(c, candle, low, cbh_edgews_dec("99.5"));
        CB_PROTO_SET(c, candle, close, cbh_edgews_dec("100.75"));
        CB_PROTO_SET(c, candle, volume, cbh_edgews_dec("12.000"));
        CB_PROTO_SET(c, candle, closed, false);
        cbh_edgews_publish(&ev);
    }
    /* The 1m candle (published first) is not for this subscription. */
    free(cbh_edgews_expect(ws, "\"type\":\"candle\"", "\"timeframe\":\"5m\"",
                           "\"t\":\"2026-11-23T00:00:00.000Z\"", "\"o\":100.1,", "\"h\":101,",
                           "\"l\":99.5,", "\"c\":100.75,", "\"v\":12,", "\"closed\":false",
                           cbh_edgews_seq(ev.env.seq, seq, sizeof seq), NULL));
    cbh_ws_close(&ws);
}

static void
test_unsubscribe_stops_pushes(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_edgews_open();
    cbh_edgews_send_expect(ws,
                           "{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"venue\":\"sim-kraken\"}",
                           "\"type\":\"subscribed\"", NULL);
    uint64_t s;
    cbh_edgews_tick("BTC-USD", S_KRAKEN, "10", "11", "10.5", &s);
    free(cbh_edgews_expect(ws, "\"type\":\"price_update\"", NULL));
    cbh_edgews_send_expect(ws,
                           "{\"type\":\"unsubscribe\",\"symbol\":\"BTC\",\"venue\":\"sim-kraken\"}",
                           "\"type\":\"unsubscribed\"", "\"venue\":\"sim-kraken\"");
    cbh_edgews_tick("BTC-USD", S_KRAKEN, "10", "11", "10.6", &s);
    cb_time_sleep_ms(200, NULL);
    assert_int_equal(cbh_ws_send(ws, "{\"type\":\"ping\",\"id\":7}"), 0);
    for (;;) {
        char *m = cbh_ws_recv(ws, 2000, NULL);
        assert_non_null(m);
        assert_null(strstr(m, "price_update"));
        bool pong = strstr(m, "\"type\":\"pong\"") != NULL;
        free(m);
        if (pong) {
            break;
        }
    }
    cbh_edgews_send_expect(ws, "{\"type\":\"unsubscribe\",\"symbol\":\"BTC\"}",
                           "\"type\":\"error\"", "\"error\":\"not_subscribed\"");
    cbh_ws_close(&ws);
}

static void
test_ping_and_subscriptions(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_edgews_open();
    cbh_edgews_send_expect(ws, "{\"type\":\"ping\",\"id\":{\"n\":[1, \"x\"]}}", "\"type\":\"pong\"",
                           "\"id\":{\"n\":[1, \"x\"]}");
    assert_int_equal(cbh_ws_send(ws, "{\"type\":\"ping\"}"), 0);
    char *m = cbh_edgews_expect(ws, "\"type\":\"pong\"", NULL);
    assert_string_equal(m, "{\"type\":\"pong\"}");
    free(m);
    cbh_edgews_send_expect(ws, "{\"type\":\"subscribe\",\"symbol\":\"BTC\"}",
                           "\"type\":\"subscribed\"", NULL);
    cbh_edgews_send_expect(ws,
                           "{\"type\":\"subscribe\",\"symbol\":\"ETH\",\"quote\":\"USD\","
                           "\"channel\":\"candles\",\"venue\":\"sim-kraken\",\"timeframe\":\"1h\"}",
                           "\"type\":\"subscribed\"", "\"timeframe\":\"1h\"");
    assert_int_equal(cbh_ws_send(ws, "{\"type\":\"get_subscriptions\"}"), 0);
    free(cbh_edgews_expect(
        ws, "\"type\":\"subscriptions\"",
        "{\"channel\":\"ticker\",\"symbol\":\"BTC-USD\",\"venue\":null}",
        "{\"channel\":\"candles\",\"symbol\":\"ETH-USD\",\"venue\":\"sim-kraken\","
        "\"timeframe\":\"1h\"}",
        NULL));
    /* Server pings (every 300 ms here), answered by the client. */
    cbh_ws_pump(ws, 800);
    assert_true(cbh_ws_pings(ws) >= 1);
    assert_false(cbh_ws_ended(ws));
    cbh_ws_close(&ws);
}

static void
test_bad_input_keeps_connection(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_edgews_open();
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        {"not json", "\"error\":\"bad_json\""},
        {"[1,2]", "\"error\":\"bad_request\""},
        {"{\"symbol\":\"BTC\"}", "\"error\":\"bad_request\""},
        {"{\"type\":\"dance\"}", "\"error\":\"unknown_type\""},
        {"{\"type\":\"subscribe\"}", "\"error\":\"invalid_symbol\""},
        {"{\"type\":\"subscribe\",\"symbol\":\"B@D\"}", "\"error\":\"invalid_symbol\""},
        {"{\"type\":\"subscribe\",\"symbol\":\"ZZZ\"}", "\"error\":\"unknown_symbol\""},
        {"{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"venue\":\"nowhere\"}",
         "\"error\":\"unknown_symbol\""},
        {"{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"channel\":\"news\"}",
         "\"error\":\"unknown_channel\""},
        {"{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"channel\":\"candles\",\"timeframe\":\"2m\"}",
         "\"error\":\"unknown_timeframe\""},
        {"{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"chanel\":\"book\"}",
         "\"error\":\"bad_request\""},
        {"{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"symbol\":\"ETH\"}",
         "\"error\":\"bad_request\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cbh_edgews_send_expect(ws, cases[i].text, "\"type\":\"error\"", cases[i].error);
    }
    /* Up to the limit (4 here), then refused. */
    const char *subs[] = {"ticker", "book", "trades", "candles"};
    char text[160];
    for (size_t i = 0; i < 4; i++) {
        snprintf(text, sizeof text,
                 "{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"channel\":\"%s\"}", subs[i]);
        cbh_edgews_send_expect(ws, text, "\"type\":\"subscribed\"", NULL);
    }
    cbh_edgews_send_expect(ws, "{\"type\":\"subscribe\",\"symbol\":\"ETH\"}", "\"type\":\"error\"",
                           "\"error\":\"too_many_subscriptions\"");
    cbh_edgews_send_expect(ws, "{\"type\":\"ping\",\"id\":\"still here\"}", "\"type\":\"pong\"",
                           "\"id\":\"still here\"");
    assert_false(cbh_ws_ended(ws));
    cbh_ws_close(&ws);
}

static void
test_not_an_upgrade(void **state)
{
    (void) state;
    assert_int_equal(cbh_http_status(cbh_edgews_port(), "/ws"), 400);
    assert_int_equal(cbh_http_status(cbh_edgews_port(), "/elsewhere"), 404); /* passed on to the handler */
}

static void
test_too_big_closes_1009(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_edgews_open();
    char big[2100];
    memset(big, 'x', sizeof big);
    memcpy(big, "{\"type\":\"ping\",\"id\":\"", 21);
    memcpy(big + sizeof big - 3, "\"}", 3);
    assert_int_equal(cbh_ws_send(ws, big), 0);
    assert_int_equal(cbh_edgews_closed(ws, 3000), 1009);
    cbh_ws_close(&ws);
}

static void
test_rate_limit_closes_1008(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_edgews_open();
    /* 20 per second here: the 21st in a window gets an error, the 41st
     * closes. */
    for (int i = 0; i < 30; i++) {
        assert_int_equal(cbh_ws_send(ws, "{\"type\":\"ping\"}"), 0);
    }
    int pongs = 0, errors = 0;
    for (char *m; (m = cbh_ws_recv(ws, 500, NULL)) != NULL; free(m)) {
        pongs += strstr(m, "\"type\":\"pong\"") != NULL;
        errors += strstr(m, "\"error\":\"rate_limited\"") != NULL;
    }
    assert_int_equal(pongs, 20);
    assert_int_equal(errors, 1);
    assert_false(cbh_ws_ended(ws));
    /* Over twice the rate in one window, whichever window it falls in
     * (what follows the close is read and dropped by the server). */
    for (int i = 0; i < 60; i++) {
        cbh_ws_send(ws, "{\"type\":\"ping\"}");
    }
    assert_int_equal(cbh_edgews_closed(ws, 3000), 1008);
    cbh_ws_close(&ws);
}

static void
test_idle_closes_1000(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_edgews_open();
    /* Nothing read, so the server's pings go unanswered: idle past 4 s. */
    cb_time_sleep_ms(4600, NULL);
    assert_int_equal(cbh_edgews_closed(ws, 3000), 1000);
    cbh_ws_close(&ws);
}

static void
test_stale_notice(void **state)
{
    (void) state;
    cbh_edgews_warm("SOL-USD", "sim-quiet");
    cbh_ws_t *ws = cbh_edgews_open();
    cbh_edgews_send_expect(ws,
                           "{\"type\":\"subscribe\",\"symbol\":\"SOL\",\"venue\":\"sim-quiet\"}",
                           "\"type\":\"subscribed\"", NULL);
    /* stale_ms is 1 s here. */
    char *m = cbh_ws_wait_for(ws, "\"type\":\"stale\"", 3000);
    assert_non_null(m);
    assert_non_null(strstr(m, "\"symbol\":\"SOL-USD\",\"venue\":\"sim-quiet\",\"since\":\"20"));
    free(m);
    /* A client that subscribes to a stream already stale is told at once. */
    cbh_ws_t *late = cbh_edgews_open();
    cbh_edgews_send_expect(late, "{\"type\":\"subscribe\",\"symbol\":\"SOL\"}",
                           "\"type\":\"subscribed\"", NULL);
    free(cbh_edgews_expect(late, "\"type\":\"stale\"", "\"venue\":\"sim-quiet\"", NULL));
    cbh_ws_close(&late);
    uint64_t s;
    cbh_edgews_tick("SOL-USD", "sim-quiet", "150", "150.1", NULL, &s);
    free(cbh_edgews_expect(ws, "\"type\":\"price_update\"", "\"symbol\":\"SOL-USD\"", NULL));
    cbh_ws_close(&ws);
}

/* Last: listings make BTC-USDT on sim-binance the answer to BTC-USD there. */
static void
s_listings_job(void *arg)
{
    (void) arg;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "sim-binance", 11);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_str_with_body(&pk, "BTC-USDT", 8);
    msgpack_pack_str_with_body(&pk, S_KRAKEN, strlen(S_KRAKEN));
    msgpack_pack_array(&pk, 2);
    msgpack_pack_str_with_body(&pk, "BTC-USD", 7);
    msgpack_pack_str_with_body(&pk, "ETH-USD", 7);
    assert_int_equal(edge_cache_set_listings(cbh_edgews_cache(), sb.data, sb.size), 0);
    msgpack_sbuffer_destroy(&sb);
}

static void
test_stablecoin_listing(void **state)
{
    (void) state;
    cbh_edgews_call(s_listings_job, NULL);
    cbh_ws_t *ws = cbh_edgews_open();
    cbh_edgews_send_expect(ws, "{\"type\":\"subscribe\",\"symbol\":\"BTC\"}",
                           "\"type\":\"subscribed\"", NULL);
    uint64_t s;
    char seq[48];
    cbh_edgews_tick("BTC-USDT", "sim-binance", "49999.5", "50000.5", NULL, &s);
    free(cbh_edgews_expect(ws, "\"type\":\"price_update\"", "\"symbol\":\"BTC-USD\"",
                           "\"venue\":\"sim-binance\"", "\"price\":50000,",
                           cbh_edgews_seq(s, seq, sizeof seq), NULL));
    cbh_ws_close(&ws);
}

/* Last of all: the hub going away closes its clients with 1001. */
static void
test_destroy_closes_1001(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_edgews_open();
    cbh_edgews_send_expect(ws, "{\"type\":\"subscribe\",\"symbol\":\"BTC\"}",
                           "\"type\":\"subscribed\"", NULL);
    cbh_edgews_destroy_hub();
    assert_int_equal(cbh_edgews_closed(ws, 3000), 1001);
    cbh_ws_close(&ws);
}

static int
s_setup(void **state)
{
    (void) state;
    edge_ws_config_t cfg = edge_ws_config_default();
    cfg.max_msg_bytes = 1024;
    cfg.queue_msgs = 64;
    cfg.queue_bytes = 256 * 1024;
    cfg.slow_close_ms = 1000;
    cfg.idle_timeout_ms = 4000;
    cfg.ping_interval_ms = 300;
    cfg.stale_ms = 1000;
    cfg.max_in_per_sec = 20;
    cfg.max_subscriptions = 4;
    if (cbh_edgews_start(&cfg) != 0) {
        return -1;
    }
    cbh_edgews_warm("BTC-USD", S_KRAKEN);
    cbh_edgews_warm("ETH-USD", S_KRAKEN);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tick_reaches_client),
        cmocka_unit_test(test_book_trades_candles),
        cmocka_unit_test(test_unsubscribe_stops_pushes),
        cmocka_unit_test(test_ping_and_subscriptions),
        cmocka_unit_test(test_bad_input_keeps_connection),
        cmocka_unit_test(test_not_an_upgrade),
        cmocka_unit_test(test_too_big_closes_1009),
        cmocka_unit_test(test_rate_limit_closes_1008),
        cmocka_unit_test(test_idle_closes_1000),
        cmocka_unit_test(test_stale_notice),
        cmocka_unit_test(test_stablecoin_listing),
        cmocka_unit_test(test_destroy_closes_1001),
    };
    return cmocka_run_group_tests(tests, s_setup, cbh_edgews_teardown);
}
