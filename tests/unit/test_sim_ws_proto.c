/* test_sim_ws_proto.c - venue-sim's WebSocket pieces without a network: CRC32, Kraken checksum and
 * book diffs, message bytes, Binance stream names, frames */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cb_crc32.h"
#include "cb_wsd.h"
#include "sim_ws_binance_msg.h"
#include "sim_ws_json.h"
#include "sim_ws_kraken_msg.h"

static sim_fx_t
s_fx(const char *s)
{
    sim_fx_t v;
    assert_true(sim_fx_parse(s, strlen(s), &v));
    return v;
}

static const sim_instrument_t *
s_inst(const char *id)
{
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(all[i].id, id) == 0) {
            return &all[i];
        }
    }
    fail_msg("no instrument %s", id);
    return NULL;
}

static void
test_crc32(void **state)
{
    (void) state;
    assert_int_equal(cb_crc32(0, "123456789", 9), 0xcbf43926u);
    assert_int_equal(cb_crc32(0, "", 0), 0);
    /* Continuing over pieces gives the same as one pass. */
    assert_int_equal(cb_crc32(cb_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
}

/* Kraken's documented example (spot-ws-book-v2 guide): BTC/USD, price
 * precision 1, quantity precision 8, checksum 3310070434. */
static void
test_kraken_checksum_vector(void **state)
{
    (void) state;
    static const char *const bids[10][2] = {{"45283.5", "0.10000000"}, {"45283.4", "1.54582015"},
                                            {"45282.1", "0.10000000"}, {"45281.0", "0.10000000"},
                                            {"45280.3", "1.54592586"}, {"45279.0", "0.07990000"},
                                            {"45277.6", "0.03310103"}, {"45277.5", "0.30000000"},
                                            {"45277.3", "1.54602737"}, {"45276.6", "0.15445238"}};
    static const char *const asks[10][2] = {{"45285.2", "0.00100000"}, {"45286.4", "1.54571953"},
                                            {"45286.6", "1.54571109"}, {"45289.6", "1.54560911"},
                                            {"45290.2", "0.15890660"}, {"45291.8", "1.54553491"},
                                            {"45294.7", "0.04454749"}, {"45296.1", "0.35380000"},
                                            {"45297.5", "0.09945542"}, {"45299.5", "0.18772827"}};
    sim_level_t b[12], a[12];
    for (int i = 0; i < 10; i++) {
        b[i] = (sim_level_t){s_fx(bids[i][0]), s_fx(bids[i][1]), 1};
        a[i] = (sim_level_t){s_fx(asks[i][0]), s_fx(asks[i][1]), 1};
    }
    const sim_instrument_t *in = s_inst("XXBTZUSD");
    assert_int_equal(in->price_decimals, 1);
    assert_int_equal(in->qty_decimals, 8);
    assert_int_equal(sim_ws_kraken_checksum(in, a, 10, b, 10), 3310070434u);
    /* Levels beyond the top 10 do not count. */
    b[10] = (sim_level_t){s_fx("45000"), s_fx("3"), 1};
    a[10] = (sim_level_t){s_fx("46000"), s_fx("3"), 1};
    assert_int_equal(sim_ws_kraken_checksum(in, a, 11, b, 11), 3310070434u);
    b[3].qty = s_fx("0.1000001");
    assert_int_not_equal(sim_ws_kraken_checksum(in, a, 10, b, 10), 3310070434u);
}

/* ---- book diffs against a client that applies and truncates ------------------ */

#define S_MAXL 64

typedef struct {
    sim_level_t l[2 * S_MAXL + 8];
    size_t n;
} s_side_t;

static bool
s_better(sim_side_t side, sim_fx_t a, sim_fx_t b)
{
    return side == SIM_BUY ? a > b : a < b;
}

/* Sets a level as a client does (qty 0 deletes), keeping best-first order. */
static void
s_apply(s_side_t *s, sim_side_t side, sim_level_t l)
{
    size_t i = 0;
    while (i < s->n && s_better(side, s->l[i].price, l.price)) {
        i++;
    }
    bool found = i < s->n && s->l[i].price == l.price;
    if (l.qty == 0) {
        if (found) {
            memmove(&s->l[i], &s->l[i + 1], (s->n - i - 1) * sizeof l);
            s->n--;
        }
        return;
    }
    if (found) {
        s->l[i].qty = l.qty;
        return;
    }
    memmove(&s->l[i + 1], &s->l[i], (s->n - i) * sizeof l);
    s->l[i] = l;
    s->n++;
}

static uint64_t s_rng = 12345;

static uint64_t
s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

static void
test_kraken_book_diff(void **state)
{
    (void) state;
    /* Random books on a grid of 40 prices; depths 1..12; many rounds of
     * random changes. Two clients: one truncates after the whole message,
     * one after every level. Both must hold exactly the new top. */
    for (int round = 0; round < 4000; round++) {
        sim_side_t side = round % 2 == 0 ? SIM_BUY : SIM_SELL;
        size_t depth = 1 + (size_t) (s_rand() % 12);
        sim_fx_t book[40] = {0};
        for (int p = 0; p < 40; p++) {
            book[p] = s_rand() % 3 == 0 ? (sim_fx_t) (1 + s_rand() % 5) : 0;
        }
        s_side_t full = {0}, top_old = {0}, top_new = {0}, client = {0}, client2 = {0};
        for (int p = 0; p < 40; p++) {
            if (book[p] != 0) {
                s_apply(&full, side, (sim_level_t){100 + p, book[p], 1});
            }
        }
        top_old.n = full.n < depth ? full.n : depth;
        memcpy(top_old.l, full.l, top_old.n * sizeof(sim_level_t));
        client = top_old;
        client2 = top_old;
        int changes = 1 + (int) (s_rand() % 6);
        for (int c = 0; c < changes; c++) {
            int p = (int) (s_rand() % 40);
            book[p] = s_rand() % 2 == 0 ? 0 : (sim_fx_t) (1 + s_rand() % 5);
        }
        full.n = 0;
        for (int p = 0; p < 40; p++) {
            if (book[p] != 0) {
                s_apply(&full, side, (sim_level_t){100 + p, book[p], 1});
            }
        }
        top_new.n = full.n < depth ? full.n : depth;
        memcpy(top_new.l, full.l, top_new.n * sizeof(sim_level_t));
        sim_level_t out[2 * S_MAXL];
        size_t n =
            sim_ws_kraken_book_diff(side, top_old.l, top_old.n, top_new.l, top_new.n, depth, out);
        for (size_t i = 0; i < n; i++) {
            s_apply(&client, side, out[i]);
            s_apply(&client2, side, out[i]);
            if (client2.n > depth) {
                client2.n = depth;
            }
        }
        if (client.n > depth) {
            client.n = depth;
        }
        assert_int_equal(client.n, top_new.n);
        assert_int_equal(client2.n, top_new.n);
        for (size_t i = 0; i < top_new.n; i++) {
            assert_true(client.l[i].price == top_new.l[i].price &&
                        client.l[i].qty == top_new.l[i].qty);
            assert_true(client2.l[i].price == top_new.l[i].price &&
                        client2.l[i].qty == top_new.l[i].qty);
        }
        /* Nothing is sent for unchanged levels. */
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < top_old.n; j++) {
                assert_false(out[i].price == top_old.l[j].price && out[i].qty == top_old.l[j].qty);
            }
        }
    }
    /* A level pushed out by a better one is not deleted (the client
     * truncates), a level that went is. */
    sim_level_t old[2] = {{105, 1, 1}, {104, 1, 1}};
    sim_level_t nw[2] = {{106, 1, 1}, {105, 1, 1}};
    sim_level_t out[4];
    assert_int_equal(sim_ws_kraken_book_diff(SIM_BUY, old, 2, nw, 2, 2, out), 1);
    assert_int_equal(out[0].price, 106);
    sim_level_t nw2[1] = {{105, 1, 1}};
    assert_int_equal(sim_ws_kraken_book_diff(SIM_BUY, old, 2, nw2, 1, 2, out), 1);
    assert_int_equal(out[0].price, 104);
    assert_int_equal(out[0].qty, 0);
}

static void
s_expect(cb_buf_t *b, const char *want)
{
    if (b->len != strlen(want) || memcmp(b->data, want, b->len) != 0) {
        fail_msg("got  %.*s\nwant %s", (int) b->len, b->data, want);
    }
    cb_buf_reset(b);
}

static void
test_kraken_messages(void **state)
{
    (void) state;
    cb_buf_t b;
    cb_buf_init(&b);
    const sim_instrument_t *btc = s_inst("XXBTZUSD");
    assert_int_equal(sim_ws_kraken_msg_status(&b, 12393906104898154338ULL), 0);
    s_expect(&b, "{\"channel\":\"status\",\"type\":\"update\",\"data\":[{\"version\":\"2.0.0\","
                 "\"system\":\"online\","
                 "\"api_version\":\"v2\",\"connection_id\":12393906104898154338}]}");
    sim_level_t bids[1] = {{s_fx("65000.1"), s_fx("0.5"), 1}};
    sim_level_t asks[2] = {{s_fx("65000.2"), s_fx("1"), 1}, {s_fx("65001"), 0, 0}};
    int64_t t = 1696613755440295000LL; /* 2023-10-06T17:35:55.440295Z */
    assert_int_equal(sim_ws_kraken_msg_book(&b, btc, false, bids, 1, asks, 2, 2114181697u, t), 0);
    s_expect(
        &b,
        "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/"
        "USD\",\"bids\":[{\"price\":65000.1,"
        "\"qty\":0.50000000}],\"asks\":[{\"price\":65000.2,\"qty\":1.00000000},{\"price\":65001.0,"
        "\"qty\":"
        "0.00000000}],\"checksum\":2114181697,\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}");
    assert_int_equal(sim_ws_kraken_msg_book(&b, btc, true, bids, 1, NULL, 0, 7, 0), 0);
    s_expect(&b, "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"BTC/"
                 "USD\",\"bids\":[{\"price\":"
                 "65000.1,\"qty\":0.50000000}],\"asks\":[],\"checksum\":7}]}");
    sim_trade_t tr[2] = {{7, t, s_fx("65000.1"), s_fx("0.25"), SIM_BUY, true, 1, 2},
                         {8, t, s_fx("64999.9"), s_fx("0.001"), SIM_SELL, false, 3, 4}};
    assert_int_equal(sim_ws_kraken_msg_trades(&b, btc, false, tr, 2), 0);
    s_expect(
        &b,
        "{\"channel\":\"trade\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/"
        "USD\",\"side\":\"buy\",\"price\":"
        "65000.1,\"qty\":0.25000000,\"ord_type\":\"market\",\"trade_id\":7,\"timestamp\":\"2023-10-"
        "06T17:35:"
        "55.440295Z\"},{\"symbol\":\"BTC/"
        "USD\",\"side\":\"sell\",\"price\":64999.9,\"qty\":0.00100000,"
        "\"ord_type\":\"limit\",\"trade_id\":8,\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}");
    sim_ws_kraken_ticker_t tk = {.bid = s_fx("65000"),
                                 .bid_qty = s_fx("1.5"),
                                 .ask = s_fx("65000.1"),
                                 .ask_qty = s_fx("0.1"),
                                 .last = s_fx("65000.1"),
                                 .time_ns = t};
    tk.day = (sim_candle_t){.open = s_fx("64000"),
                            .high = s_fx("65100"),
                            .low = s_fx("63900"),
                            .volume = s_fx("2"),
                            .quote_volume = s_fx("129000.15"),
                            .trades = 3};
    assert_int_equal(sim_ws_kraken_msg_ticker(&b, btc, true, &tk), 0);
    /* vwap 64500.075 -> 64500.1 at one digit; change 1000.1 = 1.5627 % -> 1.56. */
    s_expect(
        &b,
        "{\"channel\":\"ticker\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"BTC/"
        "USD\",\"bid\":65000.0,"
        "\"bid_qty\":1.50000000,\"ask\":65000.1,\"ask_qty\":0.10000000,\"last\":65000.1,\"volume\":"
        "2.00000000,\"vwap\":64500.1,\"low\":63900.0,\"high\":65100.0,\"change\":1000.1,\"change_"
        "pct\":1.56,"
        "\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}");
    sim_candle_t c = {.open_s = 1696613700,
                      .open = s_fx("1"),
                      .high = s_fx("2"),
                      .low = s_fx("0.5"),
                      .close = s_fx("1.5"),
                      .volume = s_fx("4"),
                      .quote_volume = s_fx("5"),
                      .trades = 2};
    assert_int_equal(sim_ws_kraken_msg_ohlc(&b, btc, false, 5, &c, 1, t), 0);
    s_expect(&b,
             "{\"channel\":\"ohlc\",\"type\":\"update\",\"timestamp\":\"2023-10-06T17:35:55."
             "440295Z\",\"data\":[{"
             "\"symbol\":\"BTC/"
             "USD\",\"open\":1.0,\"high\":2.0,\"low\":0.5,\"close\":1.5,\"trades\":2,\"volume\":"
             "4.00000000,\"vwap\":1.3,\"interval_begin\":\"2023-10-06T17:35:00.000000000Z\","
             "\"interval\":5,"
             "\"timestamp\":\"2023-10-06T17:40:00.000000Z\"}]}");
    cb_buf_fini(&b);
}

static void
test_binance_streams(void **state)
{
    (void) state;
    size_t inst;
    int topic;
    cb_buf_t b;
    cb_buf_init(&b);
    static const char *const good[] = {
        "btcusdt@bookTicker",    "btcusdt@trade",    "ethusdt@aggTrade",   "solusdt@kline_1s",
        "btcusdt@kline_1m",      "btcusdt@kline_1w", "btcusdt@kline_3d",   "btcusdt@depth5",
        "btcusdt@depth20@100ms", "btcusdt@depth",    "btcusdt@depth@100ms"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_true(sim_ws_binance_stream_parse(good[i], strlen(good[i]), &inst, &topic));
        size_t count;
        const sim_instrument_t *all = sim_instruments(&count);
        assert_int_equal(all[inst].venue, SIM_VENUE_BINANCE);
        assert_int_equal(sim_ws_binance_stream_name(&b, &all[inst], topic), 0);
        s_expect(&b, good[i]);
    }
    static const char *const bad[] = {"BTCUSDT@trade",
                                      "btcusdt@Trade",
                                      "btcusdt@kline_1M",
                                      "btcusdt@kline_2m",
                                      "btcusdt@depth15",
                                      "btcusdt@depth@1000ms",
                                      "xbtusd@trade",
                                      "btcusdt@",
                                      "@trade",
                                      "btcusdt",
                                      "btcusdt@trade ",
                                      "btcusdt@depth5@100",
                                      ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sim_ws_binance_stream_parse(bad[i], strlen(bad[i]), &inst, &topic)) {
            fail_msg("accepted %s", bad[i]);
        }
    }
    /* Every topic round-trips through its name. */
    const sim_instrument_t *btc = s_inst("BTCUSDT");
    for (int t = 0; t < SIM_WS_BN_TOPICS; t++) {
        assert_int_equal(sim_ws_binance_stream_name(&b, btc, t), 0);
        assert_true(sim_ws_binance_stream_parse(b.data, b.len, &inst, &topic));
        assert_int_equal(topic, t);
        cb_buf_reset(&b);
    }
    assert_int_equal(sim_ws_binance_period_ms(SIM_WS_BN_TOPIC_KLINE), 1000);
    assert_int_equal(sim_ws_binance_period_ms(SIM_WS_BN_TOPIC_KLINE + 1), 2000);
    assert_int_equal(sim_ws_binance_period_ms(SIM_WS_BN_TOPIC_DIFF + 1), 100);
    assert_int_equal(sim_ws_binance_period_ms(SIM_WS_BN_TRADE), 0);
    cb_buf_fini(&b);
}

static void
test_binance_messages(void **state)
{
    (void) state;
    cb_buf_t b;
    cb_buf_init(&b);
    const sim_instrument_t *btc = s_inst("BTCUSDT");
    sim_trade_t tr[2] = {
        {12345, 1672515782136000000LL, s_fx("65000.01"), s_fx("0.001"), SIM_SELL, true, 1, 9},
        {12346, 1672515782136000000LL, s_fx("65000.01"), s_fx("0.002"), SIM_SELL, true, 2, 9}};
    assert_int_equal(sim_ws_binance_msg_trade(&b, btc, &tr[0], 1672515782137LL), 0);
    s_expect(&b, "{\"e\":\"trade\",\"E\":1672515782137,\"s\":\"BTCUSDT\",\"t\":12345,\"p\":\"65000."
                 "01000000\",\"q\":"
                 "\"0.00100000\",\"T\":1672515782136,\"m\":true,\"M\":true}");
    assert_int_equal(sim_ws_binance_msg_agg_trade(&b, btc, tr, 2, 1672515782137LL), 0);
    s_expect(
        &b,
        "{\"e\":\"aggTrade\",\"E\":1672515782137,\"s\":\"BTCUSDT\",\"a\":12345,\"p\":\"65000."
        "01000000\","
        "\"q\":\"0.00300000\",\"f\":12345,\"l\":12346,\"T\":1672515782136,\"m\":true,\"M\":true}");
    sim_candle_t c = {.open_s = 1672515780,
                      .open = s_fx("1"),
                      .high = s_fx("2"),
                      .low = s_fx("0.5"),
                      .close = s_fx("1.5"),
                      .volume = s_fx("4"),
                      .quote_volume = s_fx("5"),
                      .taker_buy_volume = s_fx("1"),
                      .taker_buy_quote_volume = s_fx("1.5"),
                      .trades = 2,
                      .first_trade_id = 100,
                      .last_trade_id = 101};
    assert_int_equal(
        sim_ws_binance_msg_kline(&b, btc, SIM_WS_BN_TOPIC_KLINE + 1, &c, false, 1672515782136LL),
        0);
    s_expect(
        &b,
        "{\"e\":\"kline\",\"E\":1672515782136,\"s\":\"BTCUSDT\",\"k\":{\"t\":1672515780000,\"T\":"
        "1672515839999,\"s\":\"BTCUSDT\",\"i\":\"1m\",\"f\":100,\"L\":101,\"o\":\"1.00000000\","
        "\"c\":"
        "\"1.50000000\",\"h\":\"2.00000000\",\"l\":\"0.50000000\",\"v\":\"4.00000000\",\"n\":2,"
        "\"x\":false,"
        "\"q\":\"5.00000000\",\"V\":\"1.00000000\",\"Q\":\"1.50000000\",\"B\":\"0\"}}");
    c.trades = 0;
    assert_int_equal(sim_ws_binance_msg_kline(&b, btc, SIM_WS_BN_TOPIC_KLINE, &c, true, 1), 0);
    assert_non_null(strstr(b.data, "\"T\":1672515780999,"));
    assert_non_null(strstr(b.data, "\"f\":-1,\"L\":-1,"));
    assert_non_null(strstr(b.data, "\"x\":true"));
    cb_buf_reset(&b);
    assert_int_equal(sim_ws_binance_msg_book_ticker(&b, btc, 400900217, s_fx("25.3519"),
                                                    s_fx("31.21"), s_fx("25.3652"), s_fx("40.66")),
                     0);
    s_expect(&b, "{\"u\":400900217,\"s\":\"BTCUSDT\",\"b\":\"25.35190000\",\"B\":\"31.21000000\","
                 "\"a\":\"25.36520000\","
                 "\"A\":\"40.66000000\"}");
    sim_level_t bids[2] = {{s_fx("2"), s_fx("1"), 1}, {s_fx("1.5"), 0, 0}};
    sim_level_t asks[1] = {{s_fx("3"), s_fx("0.5"), 1}};
    assert_int_equal(sim_ws_binance_msg_partial(&b, 160, bids, 1, asks, 1), 0);
    s_expect(&b, "{\"lastUpdateId\":160,\"bids\":[[\"2.00000000\",\"1.00000000\"]],\"asks\":[[\"3."
                 "00000000\","
                 "\"0.50000000\"]]}");
    assert_int_equal(sim_ws_binance_msg_diff(&b, btc, 5, 157, 160, bids, 2, NULL, 0), 0);
    s_expect(&b, "{\"e\":\"depthUpdate\",\"E\":5,\"s\":\"BTCUSDT\",\"U\":157,\"u\":160,\"b\":[[\"2."
                 "00000000\","
                 "\"1.00000000\"],[\"1.50000000\",\"0.00000000\"]],\"a\":[]}");
    assert_int_equal(sim_ws_binance_msg_combined(&b, btc, SIM_WS_BN_TRADE, "{}", 2), 0);
    s_expect(&b, "{\"stream\":\"btcusdt@trade\",\"data\":{}}");
    assert_int_equal(sim_ws_binance_msg_error(&b, 2, "Invalid request: \"x\"", "7"), 0);
    s_expect(&b, "{\"error\":{\"code\":2,\"msg\":\"Invalid request: \\\"x\\\"\"},\"id\":7}");
    assert_int_equal(sim_ws_binance_msg_error(&b, 3, "Invalid JSON", NULL), 0);
    s_expect(&b, "{\"error\":{\"code\":3,\"msg\":\"Invalid JSON\"},\"id\":null}");
    cb_buf_fini(&b);
}

static void
test_json_helpers(void **state)
{
    (void) state;
    cb_buf_t b;
    cb_buf_init(&b);
    assert_int_equal(sim_ws_json_time(&b, 0, 0), 0);
    s_expect(&b, "\"1970-01-01T00:00:00Z\"");
    assert_int_equal(sim_ws_json_time(&b, 1696613755000000001LL, 9), 0);
    s_expect(&b, "\"2023-10-06T17:35:55.000000001Z\"");
    assert_int_equal(sim_ws_json_fx(&b, s_fx("-0.5"), 3), 0);
    s_expect(&b, "-0.500");
    assert_int_equal(sim_ws_json_i64(&b, INT64_MIN), 0);
    s_expect(&b, "-9223372036854775808");
    assert_int_equal(sim_ws_json_u64(&b, UINT64_MAX), 0);
    s_expect(&b, "18446744073709551615");
    sim_ws_json_doc_t d;
    static const char doc[] = "{\"a\":[1,\"x\"],\"b\":true}";
    assert_int_equal(sim_ws_json_parse(&d, doc, sizeof doc - 1), 0);
    const msgpack_object *a = sim_ws_json_get(&d.root, "a");
    assert_non_null(a);
    assert_int_equal(a->type, MSGPACK_OBJECT_ARRAY);
    assert_true(sim_ws_json_is(&a->via.array.ptr[1], "x"));
    assert_null(sim_ws_json_get(&d.root, "c"));
    static const char *const allowed[] = {"a", NULL};
    const char *name;
    size_t len;
    assert_true(sim_ws_json_unknown_key(&d.root, allowed, &name, &len));
    assert_int_equal(len, 1);
    assert_memory_equal(name, "b", 1);
    sim_ws_json_doc_fini(&d);
    static const char *const bad[] = {"",    "{",          "{\"a\":}",   "[1,]",
                                      "nul", "{\"a\":1}x", "\"\\ud800\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sim_ws_json_parse(&d, bad[i], strlen(bad[i])), -1);
        sim_ws_json_doc_fini(&d);
    }
    assert_int_equal(sim_ws_json_parse(&d, "{\"a\":}", 6), -1);
    assert_int_equal(d.err_at, 5);
    sim_ws_json_doc_fini(&d);
    cb_buf_fini(&b);
}

static void
test_frames(void **state)
{
    (void) state;
    size_t sizes[] = {0, 125, 126, 65535, 65536, 70000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *payload = malloc(sizes[i] + 1);
        memset(payload, 'x', sizes[i]);
        cb_wsd_msg_t *m = cb_wsd_msg_new(payload, sizes[i], CB_WSD_TEXT);
        assert_non_null(m);
        size_t len;
        const char *p = cb_wsd_msg_payload(m, &len);
        assert_int_equal(len, sizes[i]);
        assert_memory_equal(p, payload, sizes[i]);
        /* The header sits right before the payload. */
        const unsigned char *h = (const unsigned char *) p;
        if (sizes[i] < 126) {
            assert_int_equal(h[-2], 0x81);
            assert_int_equal(h[-1], sizes[i]);
        } else if (sizes[i] < 65536) {
            assert_int_equal(h[-4], 0x81);
            assert_int_equal(h[-3], 126);
            assert_int_equal((h[-2] << 8) | h[-1], sizes[i]);
        } else {
            assert_int_equal(h[-10], 0x81);
            assert_int_equal(h[-9], 127);
            assert_int_equal(((size_t) h[-3] << 16) | ((size_t) h[-2] << 8) | h[-1], sizes[i]);
        }
        cb_wsd_msg_ref(m);
        cb_wsd_msg_unref(m);
        cb_wsd_msg_unref(m);
        free(payload);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32),
        cmocka_unit_test(test_kraken_checksum_vector),
        cmocka_unit_test(test_kraken_book_diff),
        cmocka_unit_test(test_kraken_messages),
        cmocka_unit_test(test_binance_streams),
        cmocka_unit_test(test_binance_messages),
        cmocka_unit_test(test_json_helpers),
        cmocka_unit_test(test_frames),
    };
    return cmocka_run_group_tests_name("sim_ws_proto", tests, NULL, NULL);
}
