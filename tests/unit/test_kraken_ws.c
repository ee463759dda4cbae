/* test_kraken_ws.c - Kraken dialect WebSocket v2: subscribe messages, the documented messages parsed, hostile input, parse speed */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_dialect.h"
#include "cb_error.h"
#include "cb_time.h"
#include "cb_kraken.h"
#include "cb_kraken_time.h"

static cb_instrument_t s_btc = {.symbol = "BTC-USD", .native = "XXBTZUSD", .ws_name = "BTC/USD"};
static cb_instrument_t s_eth = {.symbol = "ETH-USD", .native = "XETHZUSD", .ws_name = "ETH/USD"};

#define S_MAX 8
typedef struct {
    int n;
    cb_md_msg_t msg[S_MAX];
    char native[S_MAX][40];
    char channel[S_MAX][40];
    char text[S_MAX][128];
    cb_trade_t trades[S_MAX][8];
    char tid[S_MAX][8][32]; /* trade ids: the message's text lives only during emit */
    cb_candle_t candles[S_MAX][4];
    cb_level_t bids[S_MAX][12];
    cb_level_t asks[S_MAX][12];
} s_seen_t;

static int
s_emit(void *ctx, const cb_md_msg_t *m)
{
    s_seen_t *s = ctx;
    if (s->n >= S_MAX) {
        return 0;
    }
    int i = s->n++;
    s->msg[i] = *m;
    snprintf(s->native[i], sizeof s->native[i], "%.*s", (int) m->native.len,
             m->native.ptr != NULL ? m->native.ptr : "");
    snprintf(s->channel[i], sizeof s->channel[i], "%.*s", (int) m->channel.len,
             m->channel.ptr != NULL ? m->channel.ptr : "");
    snprintf(s->text[i], sizeof s->text[i], "%s", m->message != NULL ? m->message : "");
    for (size_t k = 0; k < m->count; k++) {
        if (m->trades != NULL && k < 8) {
            s->trades[i][k] = m->trades[k];
            snprintf(s->tid[i][k], sizeof s->tid[i][k], "%.*s", (int) m->trades[k].trade_id.len,
                     m->trades[k].trade_id.ptr != NULL ? m->trades[k].trade_id.ptr : "");
        }
        if (m->candles != NULL && k < 4) {
            s->candles[i][k] = m->candles[k];
        }
    }
    if (m->type == CB_MD_BOOK) {
        for (uint32_t k = 0; k < m->book.bids.count && k < 12; k++) {
            s->bids[i][k] = m->book.bids.items[k];
        }
        for (uint32_t k = 0; k < m->book.asks.count && k < 12; k++) {
            s->asks[i][k] = m->book.asks.items[k];
        }
    }
    return 0;
}

static int
s_parse(cb_md_parser_t *p, const char *text, s_seen_t *seen)
{
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    memcpy(copy, text, len);
    memset(seen, 0, sizeof(*seen));
    int rc = cb_kraken_ops.ws_parse(p, copy, len, s_emit, seen);
    free(copy);
    return rc;
}

static void
s_dec_exact(cb_decimal_t d, const char *text)
{
    cb_decimal_t want;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &want), 0);
    if (d.coef != want.coef || d.scale != want.scale) {
        char buf[CB_DECIMAL_STR_MAX];
        cb_decimal_format(d, buf, sizeof buf);
        fail_msg("decimal %s (scale %d), want %s", buf, d.scale, text);
    }
}

/* ---- requests ---- */

static void
test_subscribe(void **state)
{
    (void) state;
    const cb_instrument_t *ins[2] = {&s_btc, &s_eth};
    cb_ws_channels_t ch = {.ticker = true, .trades = true, .book_depth = 25, .ohlc_interval_s = 300};
    cb_buf_t out = {0};
    static const char *const want[] = {
        "{\"method\":\"subscribe\",\"params\":{\"channel\":\"ticker\",\"symbol\":[\"BTC/USD\",\"ETH/USD\"]},\"req_id\":7}",
        "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"BTC/USD\",\"ETH/USD\"],\"depth\":25},\"req_id\":7}",
        "{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\",\"symbol\":[\"BTC/USD\",\"ETH/USD\"]},\"req_id\":7}",
        "{\"method\":\"subscribe\",\"params\":{\"channel\":\"ohlc\",\"symbol\":[\"BTC/USD\",\"ETH/USD\"],\"interval\":5},\"req_id\":7}",
    };
    for (int k = 0; k < 4; k++) {
        cb_buf_reset(&out);
        assert_int_equal(cb_kraken_ops.ws_subscribe(ins, 2, &ch, k, 7, &out), 1);
        assert_string_equal(out.data, want[k]);
    }
    assert_int_equal(cb_kraken_ops.ws_subscribe(ins, 2, &ch, 4, 7, &out), 0);
    cb_ws_channels_t only_book = {.book_depth = 10};
    cb_buf_reset(&out);
    assert_int_equal(cb_kraken_ops.ws_subscribe(ins, 1, &only_book, 0, 1, &out), 1);
    assert_string_equal(out.data, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\","
                                  "\"symbol\":[\"BTC/USD\"],\"depth\":10},\"req_id\":1}");
    assert_int_equal(cb_kraken_ops.ws_subscribe(ins, 1, &only_book, 1, 1, &out), 0);
    cb_ws_channels_t bad = {.book_depth = 11};
    assert_int_equal(cb_kraken_ops.ws_subscribe(ins, 1, &bad, 0, 1, &out), CB_E_BAD_REQUEST);
    cb_ws_channels_t bad_ohlc = {.ohlc_interval_s = 120};
    assert_int_equal(cb_kraken_ops.ws_subscribe(ins, 1, &bad_ohlc, 0, 1, &out), CB_E_BAD_REQUEST);
    cb_instrument_t quote = s_btc;
    snprintf(quote.ws_name, sizeof quote.ws_name, "BTC\"/USD");
    const cb_instrument_t *qins[1] = {&quote};
    assert_int_equal(cb_kraken_ops.ws_subscribe(qins, 1, &ch, 0, 1, &out), CB_E_BAD_REQUEST);

    /* Resubscribe one book: unsubscribe, then subscribe. */
    cb_buf_reset(&out);
    assert_int_equal(cb_kraken_ops.ws_resubscribe_book(&s_eth, 10, 0, 9, &out), 1);
    assert_string_equal(out.data, "{\"method\":\"unsubscribe\",\"params\":{\"channel\":\"book\","
                                  "\"symbol\":[\"ETH/USD\"],\"depth\":10},\"req_id\":9}");
    cb_buf_reset(&out);
    assert_int_equal(cb_kraken_ops.ws_resubscribe_book(&s_eth, 10, 1, 9, &out), 1);
    assert_string_equal(out.data, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\","
                                  "\"symbol\":[\"ETH/USD\"],\"depth\":10},\"req_id\":9}");
    assert_int_equal(cb_kraken_ops.ws_resubscribe_book(&s_eth, 10, 2, 9, &out), 0);

    cb_buf_reset(&out);
    assert_int_equal(cb_kraken_ops.ws_ping(101, &out), 1);
    assert_string_equal(out.data, "{\"method\":\"ping\",\"req_id\":101}");

    cb_venue_cfg_t v = {.ws_url = "wss://ws.kraken.com/v2"};
    char url[64];
    assert_int_equal(cb_kraken_ops.ws_url(&v, ins, 2, &ch, url, sizeof url), 0);
    assert_string_equal(url, "wss://ws.kraken.com/v2");
    assert_int_equal(cb_kraken_ops.ws_url(&v, ins, 2, &ch, url, 5), CB_E_TOO_BIG);
    cb_buf_fini(&out);
}

/* ---- documented messages ---- */

static void
test_status_acks(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    s_seen_t s;
    assert_int_equal(s_parse(&p,
                             "{\"channel\":\"status\",\"data\":[{\"api_version\":\"v2\","
                             "\"connection_id\":12393906104898154338,\"system\":\"online\","
                             "\"version\":\"2.0.0\"}],\"type\":\"update\"}",
                             &s),
                     0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.msg[0].type, CB_MD_STATUS);
    assert_string_equal(s.text[0], "online");

    assert_int_equal(s_parse(&p, "{\"channel\":\"heartbeat\"}", &s), 0);
    assert_int_equal(s.msg[0].type, CB_MD_HEARTBEAT);

    assert_int_equal(s_parse(&p,
                             "{\"method\":\"pong\",\"req_id\":101,\"time_in\":\"2023-09-24T14:10:23.799685Z\","
                             "\"time_out\":\"2023-09-24T14:10:23.799703Z\"}",
                             &s),
                     0);
    assert_int_equal(s.msg[0].type, CB_MD_PONG);
    assert_int_equal(s.msg[0].req_id, 101);

    assert_int_equal(s_parse(&p,
                             "{\"method\":\"subscribe\",\"result\":{\"channel\":\"ticker\","
                             "\"snapshot\":true,\"symbol\":\"ALGO/USD\"},\"success\":true,"
                             "\"time_in\":\"2023-09-25T09:04:31.742599Z\","
                             "\"time_out\":\"2023-09-25T09:04:31.742648Z\"}",
                             &s),
                     0);
    assert_int_equal(s.msg[0].type, CB_MD_SUBSCRIBED);
    assert_string_equal(s.channel[0], "ticker");
    assert_string_equal(s.native[0], "ALGO/USD");
    assert_int_equal(s.msg[0].req_id, -1);

    assert_int_equal(s_parse(&p,
                             "{\"method\":\"subscribe\",\"req_id\":3,\"result\":{\"channel\":\"book\","
                             "\"depth\":10,\"snapshot\":true,\"symbol\":\"BTC/USD\"},\"success\":true,"
                             "\"time_in\":\"2023-09-25T09:04:31.742599Z\",\"time_out\":\"2023-09-25T09:04:31.742648Z\"}",
                             &s),
                     0);
    assert_int_equal(s.msg[0].req_id, 3);
    assert_string_equal(s.channel[0], "book");

    assert_int_equal(s_parse(&p,
                             "{\"error\":\"Currency pair not supported XBT/USDC\",\"method\":\"subscribe\","
                             "\"req_id\":7,\"success\":false,\"symbol\":\"XBT/USDC\","
                             "\"time_in\":\"2023-09-25T09:04:31.742599Z\",\"time_out\":\"2023-09-25T09:04:31.742648Z\"}",
                             &s),
                     0);
    assert_int_equal(s.msg[0].type, CB_MD_ERROR);
    assert_string_equal(s.text[0], "Currency pair not supported XBT/USDC");
    assert_string_equal(s.native[0], "XBT/USDC");
    assert_int_equal(s.msg[0].req_id, 7);

    /* An unsubscribe ack is not a subscription. */
    assert_int_equal(s_parse(&p,
                             "{\"method\":\"unsubscribe\",\"result\":{\"channel\":\"book\",\"depth\":10,"
                             "\"symbol\":\"BTC/USD\"},\"success\":true}",
                             &s),
                     0);
    assert_int_equal(s.n, 0);
    cb_md_parser_fini(&p);
}

static void
test_ticker(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    s_seen_t s;
    assert_int_equal(
        s_parse(&p,
                "{\"channel\":\"ticker\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"ALGO/USD\","
                "\"bid\":0.10025,\"bid_qty\":740.0,\"ask\":0.10036,\"ask_qty\":1361.44813783,"
                "\"last\":0.10035,\"volume\":997038.98383185,\"vwap\":0.10148,\"low\":0.09979,"
                "\"high\":0.10285,\"change\":-0.00017,\"change_pct\":-0.17}]}",
                &s),
        0);
    assert_int_equal(s.n, 1);
    cb_tick_t *t = &s.msg[0].tick;
    assert_int_equal(s.msg[0].type, CB_MD_TICK);
    assert_string_equal(s.native[0], "ALGO/USD");
    s_dec_exact(t->bid, "0.10025");
    s_dec_exact(t->bid_qty, "740.0");
    s_dec_exact(t->ask, "0.10036");
    s_dec_exact(t->ask_qty, "1361.44813783");
    s_dec_exact(t->last, "0.10035");
    s_dec_exact(t->volume, "997038.98383185");
    assert_false(CB_PROTO_HAS(t, tick, exch_ts));
    /* Two symbols in one message, with the newer timestamp. */
    assert_int_equal(
        s_parse(&p,
                "{\"channel\":\"ticker\",\"type\":\"update\",\"data\":["
                "{\"symbol\":\"BTC/USD\",\"bid\":1.5,\"bid_qty\":1,\"ask\":2.5,\"ask_qty\":2,\"last\":2,"
                "\"volume\":3,\"timestamp\":\"2023-10-06T17:35:55.440295Z\"},"
                "{\"symbol\":\"ETH/USD\",\"bid\":3.5,\"bid_qty\":1,\"ask\":4.5,\"ask_qty\":2}]}",
                &s),
        0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.native[0], "BTC/USD");
    assert_string_equal(s.native[1], "ETH/USD");
    assert_true(CB_PROTO_HAS(&s.msg[0].tick, tick, exch_ts));
    assert_int_equal(s.msg[0].tick.exch_ts, 1696613755440295000LL);
    assert_false(CB_PROTO_HAS(&s.msg[1].tick, tick, last));
    cb_md_parser_fini(&p);
}

/* The snapshot of Kraken's "Book checksum (WebSocket v2)" guide. */
static const char s_doc_snapshot[] =
    "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":["
    "{\"price\":45283.5,\"qty\":0.10000000},{\"price\":45283.4,\"qty\":1.54582015},"
    "{\"price\":45282.1,\"qty\":0.10000000},{\"price\":45281.0,\"qty\":0.10000000},"
    "{\"price\":45280.3,\"qty\":1.54592586},{\"price\":45279.0,\"qty\":0.07990000},"
    "{\"price\":45277.6,\"qty\":0.03310103},{\"price\":45277.5,\"qty\":0.30000000},"
    "{\"price\":45277.3,\"qty\":1.54602737},{\"price\":45276.6,\"qty\":0.15445238}],"
    "\"asks\":[{\"price\":45285.2,\"qty\":0.00100000},{\"price\":45286.4,\"qty\":1.54571953},"
    "{\"price\":45286.6,\"qty\":1.54571109},{\"price\":45289.6,\"qty\":1.54560911},"
    "{\"price\":45290.2,\"qty\":0.15890660},{\"price\":45291.8,\"qty\":1.54553491},"
    "{\"price\":45294.7,\"qty\":0.04454749},{\"price\":45296.1,\"qty\":0.35380000},"
    "{\"price\":45297.5,\"qty\":0.09945542},{\"price\":45299.5,\"qty\":0.18772827}],"
    "\"checksum\":3310070434}]}";

static void
test_book(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    s_seen_t s;
    assert_int_equal(s_parse(&p, s_doc_snapshot, &s), 0);
    assert_int_equal(s.n, 1);
    cb_md_msg_t *m = &s.msg[0];
    assert_int_equal(m->type, CB_MD_BOOK);
    assert_string_equal(s.native[0], "BTC/USD");
    assert_true(m->book.snapshot);
    assert_true(m->has_checksum);
    assert_true(CB_PROTO_HAS(&m->book, book, checksum));
    assert_int_equal(m->book.checksum, 3310070434u);
    assert_int_equal(m->book.bids.count, 10);
    assert_int_equal(m->book.asks.count, 10);
    s_dec_exact(s.bids[0][0].qty, "0.10000000"); /* the wire's trailing zeros kept */
    s_dec_exact(s.bids[0][3].price, "45281.0");
    s_dec_exact(s.asks[0][0].qty, "0.00100000");
    assert_false(CB_PROTO_HAS(&m->book, book, exch_ts));

    /* The documented update. */
    assert_int_equal(s_parse(&p,
                             "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"MATIC/USD\","
                             "\"bids\":[{\"price\":0.5657,\"qty\":1098.3947558}],\"asks\":[],"
                             "\"checksum\":2114181697,\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}",
                             &s),
                     0);
    m = &s.msg[0];
    assert_false(m->book.snapshot);
    assert_true(CB_PROTO_HAS(&m->book, book, snapshot));
    assert_int_equal(m->book.bids.count, 1);
    assert_int_equal(m->book.asks.count, 0);
    s_dec_exact(s.bids[0][0].qty, "1098.3947558");
    assert_int_equal(m->book.checksum, 2114181697u);
    assert_int_equal(m->book.exch_ts, 1696613755440295000LL);

    /* One item per symbol. */
    assert_int_equal(s_parse(&p,
                             "{\"channel\":\"book\",\"type\":\"update\",\"data\":["
                             "{\"symbol\":\"BTC/USD\",\"bids\":[{\"price\":1.0,\"qty\":0}],\"asks\":[],\"checksum\":1},"
                             "{\"symbol\":\"ETH/USD\",\"bids\":[],\"asks\":[{\"price\":2.0,\"qty\":3.5}],\"checksum\":2}]}",
                             &s),
                     0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.native[1], "ETH/USD");
    assert_int_equal(s.msg[1].book.asks.count, 1);
    assert_int_equal(s.msg[1].book.checksum, 2);
    cb_md_parser_fini(&p);
}

static void
test_trades_ohlc(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    s_seen_t s;
    assert_int_equal(
        s_parse(&p,
                "{\"channel\":\"trade\",\"type\":\"update\",\"data\":[{\"symbol\":\"MATIC/USD\","
                "\"side\":\"sell\",\"price\":0.5117,\"qty\":40.0,\"ord_type\":\"market\","
                "\"trade_id\":4665906,\"timestamp\":\"2023-09-25T07:49:37.708706Z\"},"
                "{\"symbol\":\"MATIC/USD\",\"side\":\"buy\",\"price\":0.5117,\"qty\":0.5,"
                "\"ord_type\":\"limit\",\"trade_id\":4665907,\"timestamp\":\"2023-09-25T07:49:37.708706Z\"}]}",
                &s),
        0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.msg[0].type, CB_MD_TRADES);
    assert_int_equal(s.msg[0].count, 2);
    assert_string_equal(s.native[0], "MATIC/USD");
    cb_trade_t *t = s.trades[0];
    assert_true(cb_str_eq_cstr(t[0].side, "sell"));
    assert_true(cb_str_eq_cstr(t[1].side, "buy"));
    s_dec_exact(t[0].qty, "40.0");
    assert_string_equal(s.tid[0][0], "4665906");
    assert_int_equal(t[0].exch_ts, 1695628177708706000LL);
    assert_int_equal(t[0].symbol.len, 0); /* left for the caller */

    /* Trades of two symbols interleaved: one emit per symbol, in order. */
    assert_int_equal(
        s_parse(&p,
                "{\"channel\":\"trade\",\"type\":\"update\",\"data\":["
                "{\"symbol\":\"A/USD\",\"side\":\"sell\",\"price\":1,\"qty\":1,\"trade_id\":1},"
                "{\"symbol\":\"B/USD\",\"side\":\"sell\",\"price\":2,\"qty\":1,\"trade_id\":2},"
                "{\"symbol\":\"A/USD\",\"side\":\"buy\",\"price\":3,\"qty\":1,\"trade_id\":3}]}",
                &s),
        0);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.native[0], "A/USD");
    assert_int_equal(s.msg[0].count, 2);
    assert_string_equal(s.tid[0][1], "3");
    assert_string_equal(s.native[1], "B/USD");
    assert_int_equal(s.msg[1].count, 1);

    assert_int_equal(
        s_parse(&p,
                "{\"channel\":\"ohlc\",\"type\":\"update\",\"timestamp\":\"2023-10-04T16:26:30.524394914Z\","
                "\"data\":[{\"symbol\":\"MATIC/USD\",\"open\":0.5624,\"high\":0.5628,\"low\":0.5622,"
                "\"close\":0.5627,\"trades\":12,\"volume\":30927.68066226,\"vwap\":0.5626,"
                "\"interval_begin\":\"2023-10-04T16:25:00.000000000Z\",\"interval\":5,"
                "\"timestamp\":\"2023-10-04T16:30:00.000000Z\"}]}",
                &s),
        0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.msg[0].type, CB_MD_CANDLES);
    cb_candle_t *c = &s.candles[0][0];
    assert_true(cb_str_eq_cstr(c->interval, "5m"));
    assert_int_equal(c->open_ts, 1696436700LL * 1000000000);
    s_dec_exact(c->open, "0.5624");
    s_dec_exact(c->close, "0.5627");
    s_dec_exact(c->volume, "30927.68066226");
    assert_int_equal(c->trades, 12);
    assert_false(c->closed);
    assert_true(CB_PROTO_HAS(c, candle, closed));
    cb_md_parser_fini(&p);
}

static void
test_times(void **state)
{
    (void) state;
    int64_t ns;
    assert_int_equal(cb_time_parse_rfc3339("1970-01-01T00:00:00Z", strlen("1970-01-01T00:00:00Z"), &ns), 0);
    assert_int_equal(ns, 0);
    assert_int_equal(cb_time_parse_rfc3339("2024-02-29T23:59:59.123456789Z", strlen("2024-02-29T23:59:59.123456789Z"), &ns), 0);
    assert_int_equal(ns, 1709251199123456789LL);
    assert_int_equal(cb_time_parse_rfc3339("2024-02-29T23:59:59+01:00", strlen("2024-02-29T23:59:59+01:00"), &ns), 0);
    assert_int_equal(ns, 1709247599000000000LL);
    /* No zone: UTC (the shared parser serves Coinbase too, which writes some times so). */
    assert_int_equal(cb_time_parse_rfc3339("2024-02-29T23:59:59", strlen("2024-02-29T23:59:59"), &ns), 0);
    assert_int_equal(ns, 1709251199000000000LL);
    assert_int_equal(cb_time_parse_rfc3339("2023-02-29T23:59:59Z", strlen("2023-02-29T23:59:59Z"), &ns), CB_E_PARSE);
    assert_int_equal(cb_time_parse_rfc3339("2024-13-29T23:59:59Z", strlen("2024-13-29T23:59:59Z"), &ns), CB_E_PARSE);
    assert_int_equal(cb_time_parse_rfc3339("2024-02-29T23:59:59.Z", strlen("2024-02-29T23:59:59.Z"), &ns), CB_E_PARSE);
    assert_int_equal(cb_kraken_unix_ns(CB_STR("1688669597.8277369"), &ns), 0);
    assert_int_equal(ns, 1688669597827736900LL);
    assert_int_equal(cb_kraken_unix_ns(CB_STR("1688669597"), &ns), 0);
    assert_int_equal(cb_kraken_unix_ns(CB_STR("-1"), &ns), CB_E_PARSE);
    assert_int_equal(cb_kraken_unix_ns(CB_STR("99999999999999999999"), &ns), CB_E_RANGE);
}

/* ---- malformed and hostile ---- */

static void
test_hostile(void **state)
{
    (void) state;
    static const char *const msgs[] = {
        "",
        "[]",
        "{}",
        "{\"channel\":7}",
        "{\"channel\":\"nope\",\"data\":[]}",
        "{\"channel\":\"ticker\",\"data\":{}}",
        "{\"channel\":\"ticker\",\"data\":[{\"symbol\":\"A\"}]}",
        "{\"channel\":\"ticker\",\"data\":[{\"symbol\":\"A\",\"bid\":\"x\",\"ask\":1}]}",
        "{\"channel\":\"ticker\",\"data\":[7]}",
        "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"A\",\"bids\":[{\"price\":1}]}]}",
        "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"A\",\"bids\":[[1,2]]}]}",
        "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"A\",\"bids\":{}}]}",
        "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"A\",\"checksum\":99999999999}]}",
        "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"A\",\"checksum\":-1}]}",
        "{\"channel\":\"book\",\"type\":\"weird\",\"data\":[]}",
        "{\"channel\":\"book\",\"data\":[{\"symbol\":\"A\",\"bids\":[{\"price\":1e999,\"qty\":1}]}]}",
        "{\"channel\":\"trade\",\"data\":[{\"symbol\":\"A\",\"side\":\"up\",\"price\":1,\"qty\":1}]}",
        "{\"channel\":\"trade\",\"data\":[{\"side\":\"buy\",\"price\":1,\"qty\":1}]}",
        "{\"channel\":\"ohlc\",\"data\":[{\"symbol\":\"A\",\"open\":1}]}",
        "{\"channel\":\"ohlc\",\"data\":[{\"symbol\":\"A\",\"open\":1,\"high\":1,\"low\":1,"
        "\"close\":1,\"volume\":1,\"interval_begin\":\"bad\"}]}",
        "{\"channel\":\"status\",\"data\":[]}",
        "{\"channel\":\"status\",\"data\":[{\"system\":5}]}",
        "{\"method\":5}",
        "{\"method\":\"subscribe\",\"success\":\"yes\"}",
        "{\"method\":\"subscribe\"}",
        "{\"method\":\"subscribe\",\"success\":false,\"error\":\"\\ud800\"}",
        "{\"channel\":\"heartbeat\"} trailing",
        "{\"channel\":\"heartbeat\"",
    };
    cb_md_parser_t p = {0};
    for (size_t k = 0; k < sizeof msgs / sizeof msgs[0]; k++) {
        s_seen_t s;
        int rc = s_parse(&p, msgs[k], &s);
        assert_true(rc == 0 || rc == CB_E_PARSE || rc == CB_E_RANGE || rc == CB_E_TOO_BIG);
    }
    /* Every truncation of the documented snapshot: an error, never a crash. */
    size_t n = strlen(s_doc_snapshot);
    for (size_t cut = 0; cut < n; cut++) {
        char *part = malloc(cut + 1);
        memcpy(part, s_doc_snapshot, cut);
        s_seen_t s = {0};
        int rc = cb_kraken_ops.ws_parse(&p, part, cut, s_emit, &s);
        assert_true(rc != 0);
        free(part);
    }
    /* A long error text is cut to the parser's buffer. */
    char big[2000];
    int len = snprintf(big, sizeof big, "{\"method\":\"subscribe\",\"success\":false,\"error\":\"");
    memset(big + len, 'e', 1500);
    snprintf(big + len + 1500, sizeof big - (size_t) len - 1500, "\"}");
    s_seen_t s;
    assert_int_equal(s_parse(&p, big, &s), 0);
    assert_int_equal(strlen(s.msg[0].message), sizeof p.text - 1);
    cb_md_parser_fini(&p);
}

/* ---- speed: steady state parses without allocating, about a microsecond ---- */

static int
s_count(void *ctx, const cb_md_msg_t *m)
{
    (void) m;
    (*(int *) ctx)++;
    return 0;
}

static double
s_ns_per_msg(cb_md_parser_t *p, const char *msg, int rounds)
{
    size_t len = strlen(msg);
    int n = 0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int k = 0; k < rounds; k++) {
        assert_int_equal(cb_kraken_ops.ws_parse(p, msg, len, s_count, &n), 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_int_equal(n, rounds);
    return ((double) (b.tv_sec - a.tv_sec) * 1e9 + (double) (b.tv_nsec - a.tv_nsec)) / rounds;
}

static void
test_speed(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    const char *ticker =
        "{\"channel\":\"ticker\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/USD\",\"bid\":45283.5,"
        "\"bid_qty\":0.10000000,\"ask\":45285.2,\"ask_qty\":0.00100000,\"last\":45284.1,"
        "\"volume\":1234.56789012,\"vwap\":45000.1,\"low\":44000.0,\"high\":46000.0,\"change\":100.0,"
        "\"change_pct\":0.22,\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}";
    const char *update =
        "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/USD\","
        "\"bids\":[{\"price\":45283.5,\"qty\":0.10000000},{\"price\":45276.6,\"qty\":0}],"
        "\"asks\":[{\"price\":45285.2,\"qty\":0.00200000}],\"checksum\":3310070434,"
        "\"timestamp\":\"2023-10-06T17:35:55.440295Z\"}]}";
    s_ns_per_msg(&p, ticker, 1000); /* warm: scratch and tokens grown once */
    s_ns_per_msg(&p, update, 1000);
    double t = s_ns_per_msg(&p, ticker, 200000);
    double u = s_ns_per_msg(&p, update, 200000);
    double snap = s_ns_per_msg(&p, s_doc_snapshot, 50000);
    printf("ws_parse: ticker %.0f ns, book update %.0f ns, 10x10 snapshot %.0f ns\n", t, u, snap);
    /* Loose bounds: sanitizer builds and a loaded machine are slower. */
    assert_true(t < 20000 && u < 20000);
    cb_md_parser_fini(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subscribe), cmocka_unit_test(test_status_acks),
        cmocka_unit_test(test_ticker),    cmocka_unit_test(test_book),
        cmocka_unit_test(test_trades_ohlc), cmocka_unit_test(test_times),
        cmocka_unit_test(test_hostile),   cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests_name("kraken_ws", tests, NULL, NULL);
}
