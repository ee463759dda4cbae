/* test_kraken_rest.c - Kraken dialect REST: URLs, the documented replies of Time, AssetPairs, Ticker, OHLC, Depth, Trades, error replies, hostile input */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_dialect.h"
#include "cb_error.h"
#include "cb_kraken.h"

static const cb_venue_cfg_t s_venue = {
    .name = "kraken",
    .dialect = CB_DIALECT_KRAKEN,
    .rest_base = "https://api.kraken.com",
    .ws_url = "wss://ws.kraken.com/v2",
};

static cb_instrument_t s_btc = {
    .symbol = "BTC-USD", .base = "BTC", .quote = "USD", .native = "XXBTZUSD",
    .altname = "XBTUSD", .ws_name = "BTC/USD", .price_decimals = 1, .qty_decimals = 8,
};

/* ---- what the emit callback saw ---- */

#define S_MAX 8
typedef struct {
    int n;
    cb_md_msg_t msg[S_MAX];
    char native[S_MAX][40];
    cb_trade_t trades[S_MAX][8];
    char tid[S_MAX][8][32]; /* trade ids: the message's text lives only during emit */
    cb_candle_t candles[S_MAX][8];
    cb_level_t levels[S_MAX][16];
    int stop_after; /* return 7 from this emit on (0: never) */
} s_seen_t;

static int
s_emit(void *ctx, const cb_md_msg_t *m)
{
    s_seen_t *s = ctx;
    if (s->n >= S_MAX) {
        return -99;
    }
    int i = s->n++;
    s->msg[i] = *m;
    snprintf(s->native[i], sizeof s->native[i], "%.*s", (int) m->native.len,
             m->native.ptr != NULL ? m->native.ptr : "");
    for (size_t k = 0; k < m->count && k < 8; k++) {
        if (m->trades != NULL) {
            s->trades[i][k] = m->trades[k];
            snprintf(s->tid[i][k], sizeof s->tid[i][k], "%.*s", (int) m->trades[k].trade_id.len,
                     m->trades[k].trade_id.ptr != NULL ? m->trades[k].trade_id.ptr : "");
        }
        if (m->candles != NULL) {
            s->candles[i][k] = m->candles[k];
        }
    }
    if (m->type == CB_MD_BOOK) {
        size_t nb = m->book.bids.count, na = m->book.asks.count;
        for (size_t k = 0; k < nb && k < 8; k++) {
            s->levels[i][k] = m->book.bids.items[k];
        }
        for (size_t k = 0; k < na && k < 8; k++) {
            s->levels[i][8 + k] = m->book.asks.items[k];
        }
    }
    return s->stop_after > 0 && s->n >= s->stop_after ? 7 : 0;
}

static void
s_dec_eq(cb_decimal_t d, const char *text)
{
    char buf[CB_DECIMAL_STR_MAX];
    cb_decimal_t want;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &want), 0);
    cb_decimal_format(d, buf, sizeof buf);
    if (cb_decimal_cmp(d, want) != 0) {
        fail_msg("decimal %s, want %s", buf, text);
    }
}

/* The exact text kept: the same coefficient and scale as the wire's. */
static void
s_dec_exact(cb_decimal_t d, const char *text)
{
    cb_decimal_t want;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &want), 0);
    assert_true(d.coef == want.coef);
    assert_int_equal(d.scale, want.scale);
}

static int
s_parse(cb_rest_op_t op, const cb_rest_args_t *args, int status, const char *body, s_seen_t *seen,
        cb_instruments_t *list, cb_venue_error_t *err)
{
    cb_md_parser_t p = {0};
    /* An exact-size heap copy, so ASan sees any read past len. */
    size_t len = strlen(body);
    char *copy = malloc(len + 1);
    memcpy(copy, body, len);
    int rc = cb_kraken_ops.rest_parse(&p, op, args, status, copy, len, list, s_emit, seen, err);
    free(copy);
    cb_md_parser_fini(&p);
    return rc;
}

/* ---- URLs ---- */

static void
test_urls(void **state)
{
    (void) state;
    char url[256];
    cb_rest_args_t a = {.ins = &s_btc};
    assert_int_equal(cb_kraken_ops.rest_url(&s_venue, CB_REST_TIME, NULL, url, sizeof url), 0);
    assert_string_equal(url, "https://api.kraken.com/0/public/Time");
    assert_int_equal(cb_kraken_ops.rest_url(&s_venue, CB_REST_INSTRUMENTS, NULL, url, sizeof url), 0);
    assert_string_equal(url, "https://api.kraken.com/0/public/AssetPairs");
    assert_int_equal(cb_kraken_ops.rest_url(&s_venue, CB_REST_TICKER, &a, url, sizeof url), 0);
    assert_string_equal(url, "https://api.kraken.com/0/public/Ticker?pair=XXBTZUSD");
    a.interval_s = 3600;
    a.since_ms = 1688671200123;
    assert_int_equal(cb_kraken_ops.rest_url(&s_venue, CB_REST_OHLC, &a, url, sizeof url), 0);
    assert_string_equal(url,
                        "https://api.kraken.com/0/public/OHLC?pair=XXBTZUSD&interval=60&since=1688671200");
    a.interval_s = 90;
    assert_int_equal(cb_kraken_ops.rest_url(&s_venue, CB_REST_OHLC, &a, url, sizeof url),
                     CB_E_BAD_REQUEST);
    a.limit = 25;
    assert_int_equal(cb_kraken_ops.rest_url(&s_venue, CB_REST_BOOK, &a, url, sizeof url), 0);
    assert_string_equal(url, "https://api.kraken.com/0/public/Depth?pair=XXBTZUSD&count=25");
    a.limit = 0;
    a.since_ms = 1688671969993;
    assert_int_equal(cb_kraken_ops.rest_url(&s_venue, CB_REST_TRADES, &a, url, sizeof url), 0);
    assert_string_equal(url,
                        "https://api.kraken.com/0/public/Trades?pair=XXBTZUSD&since=1688671969993000000");
    assert_int_equal(cb_kraken_ops.rest_url(&s_venue, CB_REST_TICKER, NULL, url, sizeof url),
                     CB_E_BAD_REQUEST);
    assert_int_equal(cb_kraken_ops.rest_url(&s_venue, CB_REST_TIME, NULL, url, 10), CB_E_TOO_BIG);
    assert_int_equal(cb_kraken_ops.rest_url(&s_venue, (cb_rest_op_t) 99, &a, url, sizeof url),
                     CB_E_BAD_REQUEST);
    cb_instrument_t bad = s_btc;
    snprintf(bad.native, sizeof bad.native, "XBT&x=1");
    a.ins = &bad;
    assert_int_equal(cb_kraken_ops.rest_url(&s_venue, CB_REST_TICKER, &a, url, sizeof url),
                     CB_E_BAD_REQUEST);
}

/* ---- documented replies ---- */

static void
test_time(void **state)
{
    (void) state;
    s_seen_t seen = {0};
    cb_venue_error_t err;
    assert_int_equal(s_parse(CB_REST_TIME, NULL, 200,
                             "{\"error\":[],\"result\":{\"unixtime\":1688669448,"
                             "\"rfc1123\":\"Thu, 06 Jul 23 18:50:48 +0000\"}}",
                             &seen, NULL, &err),
                     0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.msg[0].type, CB_MD_TIME);
    assert_int_equal(seen.msg[0].server_ms, 1688669448000LL);
}

static const char s_asset_pairs[] =
    "{\"error\":[],\"result\":{"
    "\"XETHXXBT\":{\"altname\":\"ETHXBT\",\"wsname\":\"ETH/XBT\",\"aclass_base\":\"currency\","
    "\"base\":\"XETH\",\"aclass_quote\":\"currency\",\"quote\":\"XXBT\",\"lot\":\"unit\","
    "\"cost_decimals\":6,\"pair_decimals\":5,\"lot_decimals\":8,\"lot_multiplier\":1,"
    "\"leverage_buy\":[2,3,4,5],\"leverage_sell\":[2,3,4,5],"
    "\"fees\":[[0,0.26],[50000,0.24],[100000,0.22],[250000,0.2],[500000,0.18],[1000000,0.16],"
    "[2500000,0.14],[5000000,0.12],[10000000,0.1]],"
    "\"fees_maker\":[[0,0.16],[50000,0.14],[100000,0.12],[250000,0.1],[500000,0.08],"
    "[1000000,0.06],[2500000,0.04],[5000000,0.02],[10000000,0.0]],"
    "\"fee_volume_currency\":\"ZUSD\",\"margin_call\":80,\"margin_stop\":40,\"ordermin\":\"0.01\","
    "\"costmin\":\"0.00002\",\"tick_size\":\"0.00001\",\"status\":\"online\","
    "\"long_position_limit\":1100,\"short_position_limit\":400},"
    "\"XXBTZUSD\":{\"altname\":\"XBTUSD\",\"wsname\":\"XBT/USD\",\"aclass_base\":\"currency\","
    "\"base\":\"XXBT\",\"aclass_quote\":\"currency\",\"quote\":\"ZUSD\",\"lot\":\"unit\","
    "\"cost_decimals\":5,\"pair_decimals\":1,\"lot_decimals\":8,\"lot_multiplier\":1,"
    "\"leverage_buy\":[2,3,4,5],\"leverage_sell\":[2,3,4,5],"
    "\"fees\":[[0,0.4],[10000,0.35]],\"fees_maker\":[[0,0.25],[10000,0.2]],"
    "\"fee_volume_currency\":\"ZUSD\",\"margin_call\":80,\"margin_stop\":40,"
    "\"ordermin\":\"0.00005\",\"costmin\":\"0.5\",\"tick_size\":\"0.1\",\"status\":\"online\"},"
    "\"XDGUSD\":{\"altname\":\"XDGUSD\",\"wsname\":\"XDG/USD\",\"base\":\"XXDG\",\"quote\":\"ZUSD\","
    "\"pair_decimals\":7,\"lot_decimals\":8,\"fees\":[[0,0.26]],\"fees_maker\":[[0,0.16]],"
    "\"ordermin\":\"30\",\"status\":\"cancel_only\"},"
    "\"ETH2.SETH\":{\"altname\":\"ETH2.SETH\",\"wsname\":\"ETH2.S/ETH\",\"base\":\"XETH2.S\","
    "\"quote\":\"XETH\",\"pair_decimals\":4,\"lot_decimals\":8,\"status\":\"online\"}"
    "}}";

static void
test_asset_pairs(void **state)
{
    (void) state;
    cb_instruments_t list = {0};
    cb_venue_error_t err;
    s_seen_t seen = {0};
    assert_int_equal(s_parse(CB_REST_INSTRUMENTS, NULL, 200, s_asset_pairs, &seen, &list, &err), 0);
    assert_int_equal(seen.n, 0);
    assert_int_equal(list.count, 3); /* ETH2.S cannot be named: left out */
    const cb_instrument_t *eth = cb_instruments_by_symbol(&list, CB_STR("ETH-BTC"));
    assert_non_null(eth);
    assert_string_equal(eth->native, "XETHXXBT");
    assert_string_equal(eth->altname, "ETHXBT");
    assert_string_equal(eth->ws_name, "ETH/BTC");
    assert_string_equal(eth->native_base, "XETH");
    assert_string_equal(eth->native_quote, "XXBT");
    s_dec_exact(eth->tick_size, "0.00001");
    s_dec_eq(eth->lot_size, "0.00000001");
    s_dec_exact(eth->min_qty, "0.01");
    s_dec_exact(eth->min_notional, "0.00002");
    s_dec_exact(eth->taker_fee, "0.0026");
    s_dec_exact(eth->maker_fee, "0.0016");
    assert_int_equal(eth->price_decimals, 5);
    assert_int_equal(eth->qty_decimals, 8);
    assert_true(eth->trading);
    const cb_instrument_t *btc = cb_instruments_by_native(&list, CB_STR("BTC/USD"));
    assert_non_null(btc);
    assert_string_equal(btc->symbol, "BTC-USD");
    assert_string_equal(btc->native, "XXBTZUSD");
    s_dec_exact(btc->taker_fee, "0.004");
    s_dec_exact(btc->maker_fee, "0.0025");
    s_dec_exact(btc->tick_size, "0.1");
    const cb_instrument_t *doge = cb_instruments_by_symbol(&list, CB_STR("DOGE-USD"));
    assert_non_null(doge);
    assert_string_equal(doge->ws_name, "DOGE/USD");
    s_dec_eq(doge->tick_size, "0.0000001"); /* no tick_size: 10^-pair_decimals */
    assert_true(cb_decimal_is_zero(doge->min_notional));
    assert_false(doge->trading);
    cb_instruments_fini(&list);

    /* Not the documented shape. */
    assert_int_equal(s_parse(CB_REST_INSTRUMENTS, NULL, 200, "{\"error\":[],\"result\":{\"X\":3}}",
                             &seen, &list, &err),
                     CB_E_PARSE);
    assert_int_equal(err.cls, CB_VERR_BAD_REPLY);
    cb_instruments_fini(&list);
}

static void
test_ticker(void **state)
{
    (void) state;
    s_seen_t seen = {0};
    cb_venue_error_t err;
    cb_rest_args_t a = {.ins = &s_btc};
    /* The example of Kraken's Get Ticker Information, asked as XBTUSD. */
    assert_int_equal(
        s_parse(CB_REST_TICKER, &a, 200,
                "{\"error\":[],\"result\":{\"XXBTZUSD\":{\"a\":[\"30300.10000\",\"1\",\"1.000\"],"
                "\"b\":[\"30300.00000\",\"1\",\"1.000\"],\"c\":[\"30303.20000\",\"0.00067643\"],"
                "\"v\":[\"4083.67001100\",\"4412.73601799\"],\"p\":[\"30706.77771\",\"30689.13205\"],"
                "\"t\":[34619,38907],\"l\":[\"29868.30000\",\"29868.30000\"],"
                "\"h\":[\"31631.00000\",\"31631.00000\"],\"o\":\"30502.80000\"}}}",
                &seen, NULL, &err),
        0);
    assert_int_equal(seen.n, 1);
    cb_tick_t *t = &seen.msg[0].tick;
    assert_int_equal(seen.msg[0].type, CB_MD_TICK);
    assert_string_equal(seen.native[0], "XXBTZUSD");
    s_dec_exact(t->bid, "30300.00000");
    s_dec_exact(t->ask, "30300.10000");
    s_dec_exact(t->bid_qty, "1.000");
    s_dec_exact(t->ask_qty, "1.000");
    s_dec_exact(t->last, "30303.20000");
    s_dec_exact(t->volume, "4412.73601799");
    assert_true(CB_PROTO_HAS(t, tick, bid_qty) && CB_PROTO_HAS(t, tick, last) &&
                CB_PROTO_HAS(t, tick, volume));
    assert_false(CB_PROTO_HAS(t, tick, exch_ts));
    assert_int_equal(t->symbol.len, 0);
    assert_int_equal(t->venue.len, 0);
}

static void
test_ohlc(void **state)
{
    (void) state;
    s_seen_t seen = {0};
    cb_venue_error_t err;
    cb_rest_args_t a = {.ins = &s_btc, .interval_s = 60};
    assert_int_equal(
        s_parse(CB_REST_OHLC, &a, 200,
                "{\"error\":[],\"result\":{\"XXBTZUSD\":["
                "[1688671200,\"30306.1\",\"30306.2\",\"30305.7\",\"30305.7\",\"30306.1\",\"3.39243896\",23],"
                "[1688671260,\"30304.5\",\"30304.5\",\"30300.0\",\"30300.0\",\"30300.0\",\"4.42996871\",18],"
                "[1688671320,\"30300.3\",\"30300.4\",\"30291.4\",\"30291.4\",\"30294.7\",\"2.13024789\",25],"
                "[1688671380,\"30291.8\",\"30295.1\",\"30291.8\",\"30295.0\",\"30293.8\",\"1.01836275\",9]"
                "],\"last\":1688672160}}",
                &seen, NULL, &err),
        0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.msg[0].type, CB_MD_CANDLES);
    assert_int_equal(seen.msg[0].count, 4);
    cb_candle_t *c = seen.candles[0];
    assert_int_equal(c[0].open_ts, 1688671200LL * 1000000000);
    assert_true(cb_str_eq_cstr(c[0].interval, "1m"));
    s_dec_exact(c[0].open, "30306.1");
    s_dec_exact(c[0].high, "30306.2");
    s_dec_exact(c[0].low, "30305.7");
    s_dec_exact(c[0].close, "30305.7");
    s_dec_exact(c[0].volume, "3.39243896");
    assert_int_equal(c[0].trades, 23);
    assert_true(c[0].closed && c[1].closed && c[2].closed);
    assert_false(c[3].closed); /* the current, uncommitted candle */
    assert_true(CB_PROTO_HAS(&c[3], candle, closed));
}

static void
test_depth(void **state)
{
    (void) state;
    s_seen_t seen = {0};
    cb_venue_error_t err;
    cb_rest_args_t a = {.ins = &s_btc, .limit = 3};
    assert_int_equal(
        s_parse(CB_REST_BOOK, &a, 200,
                "{\"error\":[],\"result\":{\"XXBTZUSD\":{"
                "\"asks\":[[\"30384.10000\",\"2.059\",1688671659],[\"30387.90000\",\"1.500\",1688671380],"
                "[\"30393.70000\",\"9.871\",1688671261]],"
                "\"bids\":[[\"30297.00000\",\"1.115\",1688671636],[\"30296.70000\",\"2.002\",1688671674],"
                "[\"30289.80000\",\"5.001\",1688671673]]}}}",
                &seen, NULL, &err),
        0);
    assert_int_equal(seen.n, 1);
    cb_md_msg_t *m = &seen.msg[0];
    assert_int_equal(m->type, CB_MD_BOOK);
    assert_true(m->book.snapshot);
    assert_true(CB_PROTO_HAS(&m->book, book, snapshot));
    assert_int_equal(m->book.bids.count, 3);
    assert_int_equal(m->book.asks.count, 3);
    s_dec_exact(seen.levels[0][0].price, "30297.00000");
    s_dec_exact(seen.levels[0][0].qty, "1.115");
    s_dec_exact(seen.levels[0][8 + 2].price, "30393.70000");
    s_dec_exact(seen.levels[0][8 + 2].qty, "9.871");
    assert_false(m->has_checksum);
}

static void
test_trades(void **state)
{
    (void) state;
    s_seen_t seen = {0};
    cb_venue_error_t err;
    cb_rest_args_t a = {.ins = &s_btc};
    assert_int_equal(
        s_parse(CB_REST_TRADES, &a, 200,
                "{\"error\":[],\"result\":{\"XXBTZUSD\":["
                "[\"30243.40000\",\"0.34507674\",1688669597.8277369,\"b\",\"m\",\"\",61044952],"
                "[\"30243.30000\",\"0.00376960\",1688669598.2804112,\"s\",\"l\",\"\",61044953],"
                "[\"30243.30000\",\"0.01235716\",1688669602.698379,\"s\",\"m\",\"\",61044956]],"
                "\"last\":\"1688671969993150842\"}}",
                &seen, NULL, &err),
        0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.msg[0].type, CB_MD_TRADES);
    assert_int_equal(seen.msg[0].count, 3);
    cb_trade_t *t = seen.trades[0];
    s_dec_exact(t[0].price, "30243.40000");
    s_dec_exact(t[0].qty, "0.34507674");
    assert_true(cb_str_eq_cstr(t[0].side, "buy"));
    assert_true(cb_str_eq_cstr(t[1].side, "sell"));
    assert_int_equal(t[0].exch_ts, 1688669597827736900LL);
    assert_int_equal(t[2].exch_ts, 1688669602698379000LL);
    assert_true(CB_PROTO_HAS(&t[0], trade, trade_id));
    assert_string_equal(seen.tid[0][0], "61044952");
    /* The older six columns, without trade_id. */
    memset(&seen, 0, sizeof seen);
    assert_int_equal(s_parse(CB_REST_TRADES, &a, 200,
                             "{\"error\":[],\"result\":{\"XXBTZUSD\":[[\"1.0\",\"2.0\",1688669597,"
                             "\"s\",\"l\",\"\"]],\"last\":\"1\"}}",
                             &seen, NULL, &err),
                     0);
    assert_false(CB_PROTO_HAS(&seen.trades[0][0], trade, trade_id));
    /* A bad side. */
    assert_int_equal(s_parse(CB_REST_TRADES, &a, 200,
                             "{\"error\":[],\"result\":{\"XXBTZUSD\":[[\"1.0\",\"2.0\",1688669597,"
                             "\"x\",\"l\",\"\",1]],\"last\":\"1\"}}",
                             &seen, NULL, &err),
                     CB_E_PARSE);
}

/* The reply is keyed by the venue's pair id, whatever was asked. */
static void
test_answer_key(void **state)
{
    (void) state;
    s_seen_t seen = {0};
    cb_venue_error_t err;
    cb_instrument_t alt = s_btc;
    snprintf(alt.native, sizeof alt.native, "XBTUSD");
    cb_rest_args_t a = {.ins = &alt};
    assert_int_equal(s_parse(CB_REST_TICKER, &a, 200,
                             "{\"error\":[],\"result\":{\"XXBTZUSD\":{\"a\":[\"2\",\"1\",\"1.5\"],"
                             "\"b\":[\"1\",\"1\",\"0.5\"]}}}",
                             &seen, NULL, &err),
                     0);
    assert_string_equal(seen.native[0], "XXBTZUSD");
    assert_false(CB_PROTO_HAS(&seen.msg[0].tick, tick, last));
}

/* ---- errors ---- */

static void
test_rest_errors(void **state)
{
    (void) state;
    s_seen_t seen = {0};
    cb_venue_error_t err;
    cb_rest_args_t a = {.ins = &s_btc};
    assert_int_equal(s_parse(CB_REST_TICKER, &a, 200, "{\"error\":[\"EQuery:Unknown asset pair\"]}",
                             &seen, NULL, &err),
                     CB_E_NOT_FOUND);
    assert_int_equal(err.cls, CB_VERR_UNKNOWN_SYMBOL);
    assert_string_equal(err.venue_code, "EQuery:Unknown asset pair");
    assert_string_equal(err.message, "EQuery:Unknown asset pair");
    assert_int_equal(s_parse(CB_REST_OHLC, &a, 200,
                             "{\"error\":[\"EAPI:Rate limit exceeded\"],\"result\":{}}", &seen,
                             NULL, &err),
                     CB_E_RATE_LIMITED);
    assert_int_equal(err.cls, CB_VERR_RATE_LIMIT);
    assert_true(err.retry_after_ms > 0);
    assert_int_equal(s_parse(CB_REST_TIME, NULL, 503, "<html>busy</html>", &seen, NULL, &err),
                     CB_E_UNAVAILABLE);
    assert_int_equal(err.cls, CB_VERR_UNAVAILABLE);
    assert_int_equal(err.http_status, 503);
    assert_int_equal(s_parse(CB_REST_TIME, NULL, 200, "<html>", &seen, NULL, &err), CB_E_PARSE);
    assert_int_equal(err.cls, CB_VERR_BAD_REPLY);
    assert_int_equal(s_parse(CB_REST_TIME, NULL, 200, "{\"error\":[]}", &seen, NULL, &err),
                     CB_E_PARSE);
    /* A warning alongside a result is not an error. */
    memset(&seen, 0, sizeof seen);
    assert_int_equal(s_parse(CB_REST_TIME, NULL, 200,
                             "{\"error\":[\"WGeneral:Deprecated\"],\"result\":{\"unixtime\":5}}",
                             &seen, NULL, &err),
                     0);
    assert_int_equal(seen.msg[0].server_ms, 5000);
    /* emit's own code stops the parse and is returned. */
    memset(&seen, 0, sizeof seen);
    seen.stop_after = 1;
    assert_int_equal(s_parse(CB_REST_TIME, NULL, 200, "{\"error\":[],\"result\":{\"unixtime\":5}}",
                             &seen, NULL, &err),
                     7);
}

/* ---- malformed and hostile replies ---- */

static void
test_hostile(void **state)
{
    (void) state;
    static const char *const bodies[] = {
        "",
        "{",
        "null",
        "[]",
        "{\"error\":[]",
        "{\"error\":[],\"result\":[]}",
        "{\"error\":[],\"result\":{\"unixtime\":\"x\"}}",
        "{\"error\":[],\"result\":{\"unixtime\":-5}}",
        "{\"error\":[],\"result\":{\"unixtime\":99999999999999999999}}",
        "{\"error\":[],\"result\":{\"XXBTZUSD\":{\"a\":[],\"b\":[]}}}",
        "{\"error\":[],\"result\":{\"XXBTZUSD\":{\"a\":[\"1e999\"],\"b\":[\"1\"]}}}",
        "{\"error\":[],\"result\":{\"XXBTZUSD\":[[1,2,3]],\"last\":1}}",
        "{\"error\":[],\"result\":{\"XXBTZUSD\":[[-1,\"1\",\"1\",\"1\",\"1\",\"1\",\"1\",1]]}}",
        "{\"error\":[],\"result\":{\"XXBTZUSD\":{\"asks\":[[\"1\"]],\"bids\":[]}}}",
        "{\"error\":[],\"result\":{\"XXBTZUSD\":{\"asks\":{},\"bids\":[]}}}",
        "{\"error\":[],\"result\":{\"XXBTZUSD\":[[\"1\",\"1\",\"x\",\"b\"]],\"last\":\"1\"}}",
        "{\"error\":[],\"result\":{\"XXBTZUSD\":[\"junk\"],\"last\":\"1\"}}",
        "{\"error\":[],\"result\":{\"P\":{\"base\":\"XXBTXXBTXXBTXXBTXXBTXXBT\",\"quote\":\"ZUSD\","
        "\"pair_decimals\":1,\"lot_decimals\":8}}}",
        "{\"error\":[],\"result\":{\"P\":{\"base\":\"XXBT\",\"quote\":\"ZUSD\","
        "\"pair_decimals\":99,\"lot_decimals\":8}}}",
        "{\"error\":[],\"result\":{\"P\":{\"base\":\"XXBT\",\"quote\":\"ZUSD\","
        "\"pair_decimals\":1,\"lot_decimals\":8,\"fees\":[[0]]}}}",
        "{\"error\":[7],\"result\":{}}",
        "{\"error\":\"EAPI:Invalid key\"}",
        "{\"error\":[\"\\ud800\"]}",
        "{\"error\":[],\"result\":{\"unixtime\":1}}\0garbage",
    };
    cb_rest_args_t a = {.ins = &s_btc, .interval_s = 60};
    for (size_t k = 0; k < sizeof bodies / sizeof bodies[0]; k++) {
        for (int op = CB_REST_TIME; op <= CB_REST_TRADES; op++) {
            s_seen_t seen = {0};
            cb_instruments_t list = {0};
            cb_venue_error_t err;
            s_parse((cb_rest_op_t) op, &a, 200, bodies[k], &seen, &list, &err);
            cb_instruments_fini(&list);
        }
    }
    /* Truncations of a good reply at every byte: an error or success, never a crash. */
    size_t n = strlen(s_asset_pairs);
    for (size_t cut = 0; cut < n; cut += 7) {
        char *part = malloc(cut + 1);
        memcpy(part, s_asset_pairs, cut);
        part[cut] = '\0';
        s_seen_t seen = {0};
        cb_instruments_t list = {0};
        cb_venue_error_t err;
        int rc = s_parse(CB_REST_INSTRUMENTS, NULL, 200, part, &seen, &list, &err);
        assert_true(rc != 0);
        cb_instruments_fini(&list);
        free(part);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),          cmocka_unit_test(test_time),
        cmocka_unit_test(test_asset_pairs),   cmocka_unit_test(test_ticker),
        cmocka_unit_test(test_ohlc),          cmocka_unit_test(test_depth),
        cmocka_unit_test(test_trades),        cmocka_unit_test(test_answer_key),
        cmocka_unit_test(test_rest_errors),   cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests_name("kraken_rest", tests, NULL, NULL);
}
