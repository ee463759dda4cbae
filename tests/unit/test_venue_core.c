/* test_venue_core.c - COINBUS_VENUES parsing, asset names, instruments, JSON tokens, the local book */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cb_book.h"
#include "cb_crc32.h"
#include "cb_error.h"
#include "cb_jtok.h"
#include "cb_md.h"
#include "cb_venue.h"

static cb_decimal_t
s_dec(const char *text)
{
    cb_decimal_t d;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &d), 0);
    return d;
}

static void
test_venues_default_and_forms(void **state)
{
    (void) state;
    cb_venue_cfg_t v[CB_VENUES_MAX];
    size_t n = 0;
    char err[256];
    assert_int_equal(cb_venues_parse(CB_VENUES_DEFAULT, v, CB_VENUES_MAX, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "sim-kraken");
    assert_int_equal(v[0].dialect, CB_DIALECT_KRAKEN);
    assert_string_equal(v[0].rest_base, "http://127.0.0.1:8100/kraken");
    assert_string_equal(v[0].ws_url, "ws://127.0.0.1:8100/kraken/ws/v2");
    assert_string_equal(v[1].ws_url, "ws://127.0.0.1:8100/binance");

    const char *spec = "kraken, binance=binance@https://testnet.binance.vision/ ,"
                       "cb=coinbase,x=kraken@https://h.example/k|wss://w.example/v2";
    assert_int_equal(cb_venues_parse(spec, v, CB_VENUES_MAX, &n, err, sizeof err), 0);
    assert_int_equal(n, 4);
    assert_string_equal(v[0].rest_base, "https://api.kraken.com");
    assert_string_equal(v[0].ws_url, "wss://ws.kraken.com/v2");
    assert_string_equal(v[1].rest_base, "https://testnet.binance.vision");
    assert_string_equal(v[1].ws_url, "wss://stream.testnet.binance.vision");
    assert_int_equal(v[2].dialect, CB_DIALECT_COINBASE);
    assert_string_equal(v[2].ws_url, "wss://ws-feed.exchange.coinbase.com");
    assert_string_equal(v[3].ws_url, "wss://w.example/v2");
}

static void
test_venues_rejects(void **state)
{
    (void) state;
    cb_venue_cfg_t v[2];
    size_t n = 0;
    char err[256];
    const char *bad[] = {
        "",                       /* nothing */
        "kraken,",                /* empty entry */
        "Kraken",                 /* upper case name */
        "x=ftx",                  /* unknown dialect */
        "x=kraken@ftp://h",       /* bad scheme */
        "x=kraken@http://h|http://w", /* ws URL not ws */
        "a=kraken,a=binance",     /* duplicate */
        "a=kraken,b=kraken,c=kraken", /* more than cap */
        "x=kraken@",              /* no URL */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        err[0] = '\0';
        assert_int_equal(cb_venues_parse(bad[k], v, 2, &n, err, sizeof err), CB_E_CONFIG);
        assert_true(strlen(err) > 0);
    }
}

static void
test_assets_and_instruments(void **state)
{
    (void) state;
    char a[CB_ASSET_MAX + 1];
    assert_int_equal(cb_asset_unify(CB_DIALECT_KRAKEN, "XXBT", 4, a), 0);
    assert_string_equal(a, "BTC");
    assert_int_equal(cb_asset_unify(CB_DIALECT_KRAKEN, "ZUSD", 4, a), 0);
    assert_string_equal(a, "USD");
    assert_int_equal(cb_asset_unify(CB_DIALECT_KRAKEN, "XDG", 3, a), 0);
    assert_string_equal(a, "DOGE");
    assert_int_equal(cb_asset_unify(CB_DIALECT_KRAKEN, "USDT", 4, a), 0);
    assert_string_equal(a, "USDT");
    assert_int_equal(cb_asset_unify(CB_DIALECT_BINANCE, "usdt", 4, a), 0);
    assert_string_equal(a, "USDT");
    assert_int_equal(cb_asset_unify(CB_DIALECT_BINANCE, "BT C", 4, a), CB_E_PARSE);

    cb_instruments_t list = {0};
    cb_instrument_t in = {0};
    snprintf(in.symbol, sizeof in.symbol, "BTC-USDT");
    snprintf(in.native, sizeof in.native, "BTCUSDT");
    snprintf(in.altname, sizeof in.altname, "BTCUSDT");
    snprintf(in.ws_name, sizeof in.ws_name, "btcusdt");
    assert_int_equal(cb_instruments_add(&list, &in), 0);
    assert_int_equal(cb_instruments_add(&list, &in), CB_E_CONFLICT);
    assert_non_null(cb_instruments_by_native(&list, CB_STR("BTCUSDT")));
    assert_non_null(cb_instruments_by_native(&list, CB_STR("btcusdt")));
    assert_null(cb_instruments_by_native(&list, CB_STR("ETHUSDT")));
    const cb_instrument_t *r = cb_instruments_resolve(&list, CB_STR("BTC-USD"));
    assert_non_null(r);
    assert_string_equal(r->symbol, "BTC-USDT");
    assert_null(cb_instruments_resolve(&list, CB_STR("BTC-EUR")));
    assert_null(cb_instruments_resolve(&list, CB_STR("ETH-USD")));
    cb_instruments_fini(&list);
}

static void
test_jtok(void **state)
{
    (void) state;
    assert_int_equal(cb_jtok_selftest(), 0);
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    const char *bad[] = {"", "{", "[1,2", "{\"a\" 1}", "\"x", "{\"a\":1}}", "nul", "[1] [2]"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_not_equal(cb_jdoc_parse(&doc, bad[k], strlen(bad[k])), 0);
    }
    /* Exact decimals from numbers and strings; a big array grows the tokens. */
    char big[20000];
    size_t n = 0;
    n += (size_t) snprintf(big + n, sizeof big - n, "[");
    for (int k = 0; k < 1500; k++) {
        n += (size_t) snprintf(big + n, sizeof big - n, "%s0.10000000", k ? "," : "");
    }
    n += (size_t) snprintf(big + n, sizeof big - n, "]");
    assert_int_equal(cb_jdoc_parse(&doc, big, n), 0);
    assert_int_equal(cb_jtok_size(&doc, 0), 1500);
    cb_decimal_t d;
    assert_int_equal(cb_jtok_decimal(&doc, cb_jtok_at(&doc, 0, 1499), &d), 0);
    assert_int_equal(cb_decimal_cmp(d, s_dec("0.1")), 0);
    doc.max_tokens = 100;
    assert_int_equal(cb_jdoc_parse(&doc, big, n), CB_E_TOO_BIG);
    doc.max_tokens = 0;
    const char *js = "{\"s\":\"\\ud83d\\ude00\",\"bad\":\"\\ud800\",\"u\":18446744073709551615,"
                     "\"o\":18446744073709551616,\"f\":1.5}";
    assert_int_equal(cb_jdoc_parse(&doc, js, strlen(js)), 0);
    char buf[16];
    assert_int_equal(cb_jtok_string(&doc, cb_jtok_get(&doc, 0, "s"), buf, sizeof buf), 4);
    assert_int_equal(cb_jtok_string(&doc, cb_jtok_get(&doc, 0, "bad"), buf, sizeof buf), CB_E_PARSE);
    uint64_t u;
    int64_t i;
    assert_int_equal(cb_jtok_u64(&doc, cb_jtok_get(&doc, 0, "u"), &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(cb_jtok_u64(&doc, cb_jtok_get(&doc, 0, "o"), &u), CB_E_RANGE);
    assert_int_equal(cb_jtok_i64(&doc, cb_jtok_get(&doc, 0, "u"), &i), CB_E_RANGE);
    assert_int_equal(cb_jtok_i64(&doc, cb_jtok_get(&doc, 0, "f"), &i), CB_E_PARSE);
    cb_jdoc_fini(&doc);
}

static void
test_book(void **state)
{
    (void) state;
    cb_book_local_t b;
    cb_book_local_init(&b, 3);
    assert_int_equal(cb_book_local_set(&b, CB_BID, s_dec("100"), s_dec("1")), 0);
    assert_int_equal(cb_book_local_set(&b, CB_BID, s_dec("101.0"), s_dec("2")), 0);
    assert_int_equal(cb_book_local_set(&b, CB_BID, s_dec("99"), s_dec("3")), 0);
    assert_int_equal(cb_book_local_set(&b, CB_BID, s_dec("98"), s_dec("4")), 0); /* past depth 3 */
    assert_int_equal(b.nbids, 3);
    assert_int_equal(cb_decimal_cmp(b.bids[0].price, s_dec("101")), 0);
    assert_int_equal(cb_decimal_cmp(b.bids[2].price, s_dec("99")), 0);
    assert_int_equal(cb_book_local_set(&b, CB_BID, s_dec("101"), s_dec("0")), 0); /* "101" == "101.0" */
    assert_int_equal(b.nbids, 2);
    assert_int_equal(cb_book_local_set(&b, CB_BID, s_dec("50"), s_dec("0")), 0);   /* absent: no-op */
    assert_int_equal(cb_book_local_set(&b, CB_ASK, s_dec("102"), s_dec("1")), 0);
    assert_int_equal(cb_book_local_set(&b, CB_ASK, s_dec("101.5"), s_dec("1")), 0);
    assert_int_equal(cb_decimal_cmp(b.asks[0].price, s_dec("101.5")), 0);
    assert_true(cb_book_local_sane(&b));
    assert_int_equal(cb_book_local_set(&b, CB_ASK, s_dec("99.5"), s_dec("1")), 0);
    assert_false(cb_book_local_sane(&b));
    assert_int_equal(cb_book_local_set(&b, CB_ASK, s_dec("-1"), s_dec("1")), CB_E_RANGE);
    assert_int_equal(cb_book_local_set(&b, CB_ASK, s_dec("1"), s_dec("-1")), CB_E_RANGE);

    /* Kraken's checksum: asks then bids, "0.05005" at 5 decimals -> "5005". */
    cb_level_t bids[] = {{s_dec("0.05005"), s_dec("0.00000500")}, {s_dec("0.05004"), s_dec("1")}};
    cb_level_t asks[] = {{s_dec("0.05006"), s_dec("2.5")}};
    assert_int_equal(cb_book_local_load(&b, bids, 2, asks, 1), 0);
    const char *text = "5006250000000" "5005500" "5004100000000";
    assert_int_equal(cb_book_local_kraken_checksum(&b, 5, 8), cb_crc32(0, text, strlen(text)));
    cb_book_local_fini(&b);
}

/* A parser's scratch past the bound is freed, smaller scratch kept, and the
 * parser grows again on demand. */
static void
test_parser_shrink(void **state)
{
    (void) state;
    cb_md_parser_t p;
    memset(&p, 0, sizeof p);
    assert_int_equal(cb_md_reserve_candles(&p, 720), 0);
    assert_int_equal(cb_md_reserve_levels(&p, 10), 0);
    assert_int_equal(cb_jdoc_parse(&p.doc, "[1,2,3]", 7), 0);
    assert_true(p.candles_cap * sizeof(cb_candle_t) > 64 * 1024);
    cb_level_t *levels = p.levels;
    cb_md_parser_shrink(&p, 64 * 1024);
    assert_null(p.candles);
    assert_int_equal(p.candles_cap, 0);
    assert_ptr_equal(p.levels, levels);
    assert_int_equal(p.levels_cap, 64);
    assert_non_null(p.doc.tok); /* 64 tokens: small */
    cb_md_parser_shrink(&p, 0);
    assert_null(p.levels);
    assert_null(p.doc.tok);
    assert_int_equal(cb_jdoc_parse(&p.doc, "{\"a\":[1,2]}", 11), 0);
    assert_int_equal(p.doc.count, 5);
    assert_int_equal(cb_md_reserve_candles(&p, 3), 0);
    assert_true(p.candles_cap >= 3);
    cb_md_parser_fini(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_venues_default_and_forms),
        cmocka_unit_test(test_parser_shrink),
        cmocka_unit_test(test_venues_rejects),
        cmocka_unit_test(test_assets_and_instruments),
        cmocka_unit_test(test_jtok),
        cmocka_unit_test(test_book),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
