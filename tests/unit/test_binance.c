/* test_binance.c - the Binance dialect on its documented messages, truncated and hostile input */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_binance.h"
#include "cb_binance_impl.h"
#include "cb_error.h"

/* ---- fixtures: the examples of binance-spot-api-docs (rest-api.md,
 * web-socket-streams.md, filters.md, errors.md) ---------------------------- */

static const char k_secret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
static const char k_api_key[] = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";

static const char k_time[] = "{\"serverTime\":1499827319559}";

static const char k_exchange_info[] =
    "{\"timezone\":\"UTC\",\"serverTime\":1565246363776,\"rateLimits\":[{\"rateLimitType\":"
    "\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":6000}],"
    "\"exchangeFilters\":[],\"symbols\":["
    "{\"symbol\":\"ETHBTC\",\"status\":\"TRADING\",\"baseAsset\":\"ETH\",\"baseAssetPrecision\":8,"
    "\"quoteAsset\":\"BTC\",\"quotePrecision\":8,\"quoteAssetPrecision\":8,"
    "\"baseCommissionPrecision\":8,\"quoteCommissionPrecision\":8,\"orderTypes\":[\"LIMIT\","
    "\"LIMIT_MAKER\",\"MARKET\",\"STOP_LOSS\",\"STOP_LOSS_LIMIT\",\"TAKE_PROFIT\","
    "\"TAKE_PROFIT_LIMIT\"],\"icebergAllowed\":true,\"ocoAllowed\":true,\"otoAllowed\":true,"
    "\"quoteOrderQtyMarketAllowed\":true,\"allowTrailingStop\":false,\"cancelReplaceAllowed\":"
    "false,\"isSpotTradingAllowed\":true,\"isMarginTradingAllowed\":true,\"filters\":["
    "{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"0.00000100\",\"maxPrice\":"
    "\"100000.00000000\",\"tickSize\":\"0.00000100\"},"
    "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.00100000\",\"maxQty\":\"100000.00000000\","
    "\"stepSize\":\"0.00100000\"},"
    "{\"filterType\":\"NOTIONAL\",\"minNotional\":\"10.00000000\",\"applyMinToMarket\":false,"
    "\"maxNotional\":\"10000.00000000\",\"applyMaxToMarket\":false,\"avgPriceMins\":5}],"
    "\"permissions\":[],\"permissionSets\":[[\"SPOT\",\"MARGIN\"]],"
    "\"defaultSelfTradePreventionMode\":\"NONE\",\"allowedSelfTradePreventionModes\":[\"NONE\"]},"
    /* The 2021 shape: MIN_NOTIONAL, a symbol in BREAK. */
    "{\"symbol\":\"BTCUSDT\",\"status\":\"BREAK\",\"baseAsset\":\"BTC\",\"baseAssetPrecision\":8,"
    "\"quoteAsset\":\"USDT\",\"quotePrecision\":8,\"quoteAssetPrecision\":8,\"filters\":["
    "{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"0.01000000\",\"maxPrice\":"
    "\"1000000.00000000\",\"tickSize\":\"0.01000000\"},"
    "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.00001000\",\"maxQty\":\"9000.00000000\","
    "\"stepSize\":\"0.00001000\"},"
    "{\"filterType\":\"MIN_NOTIONAL\",\"minNotional\":\"10.00000000\",\"applyToMarket\":true,"
    "\"avgPriceMins\":5}],\"permissions\":[\"SPOT\"]},"
    /* A symbol coinbus cannot name (non-ASCII asset): skipped. */
    "{\"symbol\":\"\\uff11\\uff12USDT\",\"status\":\"TRADING\",\"baseAsset\":\"\\uff11\\uff12\","
    "\"quoteAsset\":\"USDT\",\"filters\":[]},"
    /* 1000SATS: the symbol is never split, the assets name the pair. */
    "{\"symbol\":\"1000SATSUSDT\",\"status\":\"TRADING\",\"baseAsset\":\"1000SATS\","
    "\"baseAssetPrecision\":8,\"quoteAsset\":\"USDT\",\"quoteAssetPrecision\":8,\"filters\":["
    "{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"0\",\"maxPrice\":\"0\",\"tickSize\":\"0\"},"
    "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"1.00000000\",\"maxQty\":\"9000000.00000000\","
    "\"stepSize\":\"1.00000000\"}]}"
    "]}";

static const char k_ticker24[] =
    "{\"symbol\":\"BNBBTC\",\"priceChange\":\"-94.99999800\",\"priceChangePercent\":\"-95.960\","
    "\"weightedAvgPrice\":\"0.29628482\",\"prevClosePrice\":\"0.10002000\",\"lastPrice\":"
    "\"4.00000200\",\"lastQty\":\"200.00000000\",\"bidPrice\":\"4.00000000\",\"bidQty\":"
    "\"100.00000000\",\"askPrice\":\"4.00000200\",\"askQty\":\"100.00000000\",\"openPrice\":"
    "\"99.00000000\",\"highPrice\":\"100.00000000\",\"lowPrice\":\"0.10000000\",\"volume\":"
    "\"8913.30000000\",\"quoteVolume\":\"15.30000000\",\"openTime\":1499783499040,\"closeTime\":"
    "1499869899040,\"firstId\":28385,\"lastId\":28460,\"count\":76}";

static const char k_klines[] =
    "[[1499040000000,\"0.01634790\",\"0.80000000\",\"0.01575800\",\"0.01577100\","
    "\"148976.11427815\",1499644799999,\"2434.19055334\",308,\"1756.87402397\",\"28.46694368\","
    "\"0\"],"
    "[1499644800000,\"0.01577100\",\"0.01600000\",\"0.01500000\",\"0.01590000\",\"10.5\","
    "1500249599999,\"0.16\",12,\"5\",\"0.08\",\"0\"]]";

static const char k_depth[] =
    "{\"lastUpdateId\":1027024,\"bids\":[[\"4.00000000\",\"431.00000000\"]],"
    "\"asks\":[[\"4.00000200\",\"12.00000000\"]]}";

static const char k_trades[] =
    "[{\"id\":28457,\"price\":\"4.00000100\",\"qty\":\"12.00000000\",\"quoteQty\":\"48.000012\","
    "\"time\":1499865549590,\"isBuyerMaker\":true,\"isBestMatch\":true},"
    "{\"id\":28458,\"price\":\"4.00000200\",\"qty\":\"1.00000000\",\"quoteQty\":\"4.000002\","
    "\"time\":1499865549591,\"isBuyerMaker\":false,\"isBestMatch\":true}]";

static const char k_ws_book_ticker[] = "{\"u\":400900217,\"s\":\"BNBUSDT\",\"b\":\"25.35190000\","
                                       "\"B\":\"31.21000000\",\"a\":\"25.36520000\",\"A\":"
                                       "\"40.66000000\"}";
static const char k_ws_trade[] =
    "{\"e\":\"trade\",\"E\":1672515782136,\"s\":\"BNBBTC\",\"t\":12345,"
    "\"p\":\"0.001\",\"q\":\"100\",\"T\":1672515782136,\"m\":true,"
    "\"M\":true}";
static const char k_ws_depth[] =
    "{\"e\":\"depthUpdate\",\"E\":1672515782136,\"s\":\"BNBBTC\","
    "\"U\":157,\"u\":160,\"b\":[[\"0.0024\",\"10\"]],\"a\":[[\"0.0026\","
    "\"100\"]]}";
static const char k_ws_kline[] =
    "{\"e\":\"kline\",\"E\":1672515782136,\"s\":\"BNBBTC\",\"k\":{\"t\":1672515780000,\"T\":"
    "1672515839999,\"s\":\"BNBBTC\",\"i\":\"1m\",\"f\":100,\"L\":200,\"o\":\"0.0010\",\"c\":"
    "\"0.0020\",\"h\":\"0.0025\",\"l\":\"0.0015\",\"v\":\"1000\",\"n\":100,\"x\":false,\"q\":"
    "\"1.0000\",\"V\":\"500\",\"Q\":\"0.500\",\"B\":\"123456\"}}";
static const char k_ws_agg[] =
    "{\"e\":\"aggTrade\",\"E\":1672515782136,\"s\":\"BNBBTC\",\"a\":12345,"
    "\"p\":\"0.001\",\"q\":\"100\",\"f\":100,\"l\":105,\"T\":"
    "1672515782136,\"m\":false,\"M\":true}";
static const char k_ws_partial[] =
    "{\"stream\":\"bnbbtc@depth5@100ms\",\"data\":{\"lastUpdateId\":160,"
    "\"bids\":[[\"0.0024\",\"10\"]],\"asks\":[[\"0.0026\",\"100\"]]}}";
static const char k_ws_sub_ok[] = "{\"result\":null,\"id\":1}";
static const char k_ws_list[] = "{\"result\":[\"btcusdt@aggTrade\"],\"id\":3}";
static const char k_ws_err_doc[] =
    "{\"code\":2,\"msg\":\"Invalid request: unknown variant\",\"id\":7}";
static const char k_ws_err_nested[] =
    "{\"error\":{\"code\":2,\"msg\":\"Invalid request: invalid stream\"},\"id\":9}";

/* ---- capture of emitted items ------------------------------------------------ */

typedef struct {
    int count;
    cb_md_msg_t last;
    char native[64];
    char text[512];
    cb_trade_t trades[4];
    cb_candle_t candles[4];
    cb_level_t levels[8];
    char ids[4][32];
} s_cap_t;

static int
s_capture(void *ctx, const cb_md_msg_t *msg)
{
    s_cap_t *c = ctx;
    c->count++;
    c->last = *msg;
    snprintf(c->native, sizeof c->native, "%.*s", (int) msg->native.len,
             msg->native.ptr != NULL ? msg->native.ptr : "");
    if (msg->message != NULL) {
        snprintf(c->text, sizeof c->text, "%s", msg->message);
    }
    for (size_t k = 0; k < msg->count && k < 4; k++) {
        if (msg->type == CB_MD_TRADES) {
            c->trades[k] = msg->trades[k];
            snprintf(c->ids[k], sizeof c->ids[k], "%.*s", (int) msg->trades[k].trade_id.len,
                     msg->trades[k].trade_id.ptr);
        } else if (msg->type == CB_MD_CANDLES) {
            c->candles[k] = msg->candles[k];
        }
    }
    if (msg->type == CB_MD_BOOK) {
        size_t n = 0;
        for (uint32_t k = 0; k < msg->book.bids.count && n < 8; k++) {
            c->levels[n++] = msg->book.bids.items[k];
        }
        for (uint32_t k = 0; k < msg->book.asks.count && n < 8; k++) {
            c->levels[n++] = msg->book.asks.items[k];
        }
    }
    return 0;
}

static void
s_dec_eq(cb_decimal_t d, const char *text)
{
    char buf[CB_DECIMAL_STR_MAX];
    assert_true(cb_decimal_format(d, buf, sizeof buf) > 0);
    assert_string_equal(buf, text);
}

static cb_venue_cfg_t
s_cfg(void)
{
    cb_venue_cfg_t v;
    memset(&v, 0, sizeof v);
    snprintf(v.name, sizeof v.name, "binance");
    v.dialect = CB_DIALECT_BINANCE;
    snprintf(v.rest_base, sizeof v.rest_base, "https://api.binance.com");
    snprintf(v.ws_url, sizeof v.ws_url, "wss://stream.binance.com:9443");
    return v;
}

static cb_instrument_t
s_btcusdt(void)
{
    cb_instrument_t in;
    memset(&in, 0, sizeof in);
    snprintf(in.symbol, sizeof in.symbol, "BTC-USDT");
    snprintf(in.native, sizeof in.native, "BTCUSDT");
    snprintf(in.ws_name, sizeof in.ws_name, "btcusdt");
    return in;
}

/* ---- signing ------------------------------------------------------------------- */

static void
test_sign_documented_examples(void **state)
{
    (void) state;
    const uint8_t *key = (const uint8_t *) k_secret;
    size_t klen = sizeof k_secret - 1;
    char hex[65];
    /* Examples 1 and 2: everything in the body, or everything in the query. */
    const char *all = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
                      "&recvWindow=5000&timestamp=1499827319559";
    assert_int_equal(cb_binance_sign(key, klen, all, strlen(all), "", 0, hex), 0);
    assert_string_equal(hex, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    assert_int_equal(cb_binance_sign(key, klen, "", 0, all, strlen(all), hex), 0);
    assert_string_equal(hex, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    /* Example 3: mixed; no '&' between the query string and the body. */
    const char *q = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
    const char *b = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
    assert_int_equal(cb_binance_sign(key, klen, q, strlen(q), b, strlen(b), hex), 0);
    assert_string_equal(hex, "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
    /* Non-ASCII symbol, percent-encoded before signing. */
    const char *u = "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY"
                    "&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                    "&timestamp=1499827319559";
    assert_int_equal(cb_binance_sign(key, klen, u, strlen(u), "", 0, hex), 0);
    assert_string_equal(hex, "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3");
    assert_int_equal(cb_binance_selftest(), 0);
}

static void
test_signed_requests(void **state)
{
    (void) state;
    cb_venue_cfg_t v = s_cfg();
    cb_venue_req_t req;
    const char *params = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1";
    /* POST: all in the body: the documented example 1 exactly. */
    assert_int_equal(cb_binance_signed_req(&v, "POST", "/api/v3/order", params, 1499827319559LL,
                                           5000, k_api_key, (const uint8_t *) k_secret,
                                           sizeof k_secret - 1, true, &req),
                     0);
    assert_string_equal(req.method, "POST");
    assert_string_equal(req.url, "https://api.binance.com/api/v3/order");
    assert_string_equal(req.headers[0],
                        "X-MBX-APIKEY: vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6"
                        "utIco14y7Ju91duEh8A");
    assert_string_equal(req.headers[1], "Content-Type: application/x-www-form-urlencoded");
    assert_string_equal(req.body.data,
                        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
                        "&recvWindow=5000&timestamp=1499827319559&signature="
                        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    assert_true(req.changes_state);
    cb_venue_req_fini(&req);
    /* GET: all in the query string (example 2). */
    assert_int_equal(cb_binance_signed_req(&v, "GET", "/api/v3/order", params, 1499827319559LL,
                                           5000, k_api_key, (const uint8_t *) k_secret,
                                           sizeof k_secret - 1, false, &req),
                     0);
    assert_string_equal(req.url,
                        "https://api.binance.com/api/v3/order?symbol=LTCBTC&side=BUY"
                        "&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
                        "&timestamp=1499827319559&signature="
                        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    assert_int_equal(req.body.len, 0);
    assert_false(req.changes_state);
    cb_venue_req_fini(&req);
    /* No params, no recvWindow: the timestamp alone is signed. */
    assert_int_equal(cb_binance_signed_req(
                         &v, "DELETE", "/api/v3/openOrders", NULL, 1700000000000LL, 0, k_api_key,
                         (const uint8_t *) k_secret, sizeof k_secret - 1, true, &req),
                     0);
    char hex[65];
    assert_int_equal(cb_binance_sign((const uint8_t *) k_secret, sizeof k_secret - 1,
                                     "timestamp=1700000000000", 23, "", 0, hex),
                     0);
    /* DELETE signs its parameters in the body, as POST does. */
    char want[256];
    snprintf(want, sizeof want, "timestamp=1700000000000&signature=%s", hex);
    assert_string_equal(req.url, "https://api.binance.com/api/v3/openOrders");
    assert_int_equal(req.body.len, strlen(want));
    assert_memory_equal(req.body.data, want, req.body.len);
    cb_venue_req_fini(&req);
    /* Refused: header injection, unknown method, bad path or params, bad window. */
    const uint8_t *s = (const uint8_t *) k_secret;
    size_t sl = sizeof k_secret - 1;
    assert_int_equal(cb_binance_signed_req(&v, "GET", "/api/v3/account", "", 1, 0, "key\r\nX: y", s,
                                           sl, false, &req),
                     CB_E_BAD_REQUEST);
    cb_venue_req_fini(&req);
    assert_int_equal(
        cb_binance_signed_req(&v, "PATCH", "/api/v3/account", "", 1, 0, "k", s, sl, false, &req),
        CB_E_BAD_REQUEST);
    cb_venue_req_fini(&req);
    assert_int_equal(
        cb_binance_signed_req(&v, "GET", "api/v3/account", "", 1, 0, "k", s, sl, false, &req),
        CB_E_BAD_REQUEST);
    cb_venue_req_fini(&req);
    assert_int_equal(
        cb_binance_signed_req(&v, "GET", "/api/v3/account", "a=b c", 1, 0, "k", s, sl, false, &req),
        CB_E_BAD_REQUEST);
    cb_venue_req_fini(&req);
    assert_int_equal(
        cb_binance_signed_req(&v, "GET", "/api/v3/account", "", 1, 60001, "k", s, sl, false, &req),
        CB_E_BAD_REQUEST);
    cb_venue_req_fini(&req);
    /* A URL that does not fit. */
    char big[1100];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(
        cb_binance_signed_req(&v, "GET", "/api/v3/account", big, 1, 0, "k", s, sl, false, &req),
        CB_E_TOO_BIG);
    cb_venue_req_fini(&req);
}

/* ---- URLs -------------------------------------------------------------------- */

static void
test_rest_urls(void **state)
{
    (void) state;
    cb_venue_cfg_t v = s_cfg();
    cb_instrument_t in = s_btcusdt();
    cb_rest_args_t a = {.ins = &in};
    char url[512];
    const cb_dialect_ops_t *ops = &cb_binance_ops;
    assert_int_equal(ops->dialect, CB_DIALECT_BINANCE);
    assert_int_equal(ops->rest_url(&v, CB_REST_TIME, NULL, url, sizeof url), 0);
    assert_string_equal(url, "https://api.binance.com/api/v3/time");
    assert_int_equal(ops->rest_url(&v, CB_REST_INSTRUMENTS, NULL, url, sizeof url), 0);
    assert_string_equal(url, "https://api.binance.com/api/v3/exchangeInfo");
    assert_int_equal(ops->rest_url(&v, CB_REST_TICKER, &a, url, sizeof url), 0);
    assert_string_equal(url, "https://api.binance.com/api/v3/ticker/24hr?symbol=BTCUSDT");
    a.interval_s = 3600;
    a.since_ms = 1499040000000LL;
    a.limit = 5000;
    assert_int_equal(ops->rest_url(&v, CB_REST_OHLC, &a, url, sizeof url), 0);
    assert_string_equal(url, "https://api.binance.com/api/v3/klines?symbol=BTCUSDT&interval=1h"
                             "&startTime=1499040000000&limit=1000");
    a.interval_s = 7;
    assert_int_equal(ops->rest_url(&v, CB_REST_OHLC, &a, url, sizeof url), CB_E_BAD_REQUEST);
    a.limit = 0;
    assert_int_equal(ops->rest_url(&v, CB_REST_BOOK, &a, url, sizeof url), 0);
    assert_string_equal(url, "https://api.binance.com/api/v3/depth?symbol=BTCUSDT");
    a.limit = 9999;
    assert_int_equal(ops->rest_url(&v, CB_REST_BOOK, &a, url, sizeof url), 0);
    assert_string_equal(url, "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=5000");
    a.limit = 100;
    assert_int_equal(ops->rest_url(&v, CB_REST_TRADES, &a, url, sizeof url), 0);
    assert_string_equal(url, "https://api.binance.com/api/v3/trades?symbol=BTCUSDT&limit=100");
    /* Non-ASCII symbols are percent-encoded. */
    snprintf(in.native, sizeof in.native, "\xef\xbc\x91USDT");
    assert_int_equal(ops->rest_url(&v, CB_REST_BOOK, &a, url, sizeof url), 0);
    assert_string_equal(url, "https://api.binance.com/api/v3/depth?symbol=%EF%BC%91USDT&limit=100");
    /* Missing arguments, unknown op, small buffer. */
    assert_int_equal(ops->rest_url(&v, CB_REST_TICKER, NULL, url, sizeof url), CB_E_BAD_REQUEST);
    assert_int_equal(ops->rest_url(&v, (cb_rest_op_t) 99, &a, url, sizeof url), CB_E_BAD_REQUEST);
    assert_int_equal(ops->rest_url(&v, CB_REST_TIME, NULL, url, 10), CB_E_TOO_BIG);
}

static void
test_ws_url_and_control(void **state)
{
    (void) state;
    cb_venue_cfg_t v = s_cfg();
    cb_instrument_t a = s_btcusdt();
    cb_instrument_t b = s_btcusdt();
    snprintf(b.native, sizeof b.native, "ETHUSDT");
    b.ws_name[0] = '\0'; /* falls back on the lower-cased native */
    const cb_instrument_t *ins[] = {&a, &b};
    cb_ws_channels_t ch = {
        .ticker = true, .trades = true, .book_depth = 1000, .ohlc_interval_s = 60};
    char url[1024];
    const cb_dialect_ops_t *ops = &cb_binance_ops;
    assert_int_equal(ops->ws_url(&v, ins, 2, &ch, url, sizeof url), 0);
    assert_string_equal(url,
                        "wss://stream.binance.com:9443/stream?streams=btcusdt@bookTicker/"
                        "btcusdt@trade/btcusdt@depth@100ms/btcusdt@kline_1m/"
                        "ethusdt@bookTicker/ethusdt@trade/ethusdt@depth@100ms/ethusdt@kline_1m");
    cb_ws_channels_t only_book = {.book_depth = 100};
    snprintf(v.ws_url, sizeof v.ws_url, "ws://127.0.0.1:8100/binance/");
    assert_int_equal(ops->ws_url(&v, ins, 1, &only_book, url, sizeof url), 0);
    assert_string_equal(url, "ws://127.0.0.1:8100/binance/stream?streams=btcusdt@depth@100ms");
    cb_ws_channels_t none = {0};
    assert_int_equal(ops->ws_url(&v, ins, 2, &none, url, sizeof url), CB_E_BAD_REQUEST);
    cb_ws_channels_t bad_iv = {.ohlc_interval_s = 61};
    assert_int_equal(ops->ws_url(&v, ins, 2, &bad_iv, url, sizeof url), CB_E_BAD_REQUEST);
    assert_int_equal(ops->ws_url(&v, ins, 2, &ch, url, 40), CB_E_TOO_BIG);
    snprintf(a.ws_name, sizeof a.ws_name, "btc usdt");
    assert_int_equal(ops->ws_url(&v, ins, 2, &ch, url, sizeof url), CB_E_BAD_REQUEST);
    /* The URL subscribes, pings are frames: no messages to send. */
    cb_buf_t out;
    cb_buf_init(&out);
    assert_int_equal(ops->ws_subscribe(ins, 2, &ch, 0, 1, &out), 0);
    assert_int_equal(ops->ws_resubscribe_book(&a, 1000, 0, 1, &out), 0);
    assert_int_equal(ops->ws_ping(1, &out), 0);
    assert_int_equal(out.len, 0);
    cb_buf_fini(&out);
}

/* ---- REST replies ----------------------------------------------------------------- */

static int
s_rest(cb_md_parser_t *p, cb_rest_op_t op, const cb_rest_args_t *a, int status, const char *body,
       cb_instruments_t *list, s_cap_t *cap, cb_venue_error_t *err)
{
    memset(cap, 0, sizeof *cap);
    return cb_binance_ops.rest_parse(p, op, a, status, body, strlen(body), list, s_capture, cap,
                                     err);
}

static void
test_rest_replies(void **state)
{
    (void) state;
    cb_md_parser_t p;
    memset(&p, 0, sizeof p);
    s_cap_t cap;
    cb_venue_error_t err;
    cb_instrument_t in = s_btcusdt();
    cb_rest_args_t a = {.ins = &in, .interval_s = 86400 * 7};

    assert_int_equal(s_rest(&p, CB_REST_TIME, NULL, 200, k_time, NULL, &cap, &err), 0);
    assert_int_equal(cap.count, 1);
    assert_int_equal(cap.last.type, CB_MD_TIME);
    assert_int_equal(cap.last.server_ms, 1499827319559LL);

    cb_instruments_t list = {0};
    assert_int_equal(s_rest(&p, CB_REST_INSTRUMENTS, NULL, 200, k_exchange_info, &list, &cap, &err),
                     0);
    assert_int_equal(list.count, 3);
    const cb_instrument_t *e = cb_instruments_by_symbol(&list, CB_STR("ETH-BTC"));
    assert_non_null(e);
    assert_string_equal(e->native, "ETHBTC");
    assert_string_equal(e->altname, "ETHBTC");
    assert_string_equal(e->ws_name, "ethbtc");
    assert_string_equal(e->base, "ETH");
    assert_string_equal(e->native_quote, "BTC");
    s_dec_eq(e->tick_size, "0.000001");
    s_dec_eq(e->lot_size, "0.001");
    s_dec_eq(e->min_qty, "0.001");
    s_dec_eq(e->min_notional, "10");
    s_dec_eq(e->maker_fee, "0.001");
    s_dec_eq(e->taker_fee, "0.001");
    assert_int_equal(e->price_decimals, 6);
    assert_int_equal(e->qty_decimals, 3);
    assert_true(e->trading);
    e = cb_instruments_by_native(&list, CB_STR("btcusdt"));
    assert_non_null(e);
    assert_string_equal(e->symbol, "BTC-USDT");
    s_dec_eq(e->min_notional, "10"); /* from MIN_NOTIONAL */
    assert_int_equal(e->price_decimals, 2);
    assert_int_equal(e->qty_decimals, 5);
    assert_false(e->trading); /* BREAK */
    e = cb_instruments_by_symbol(&list, CB_STR("1000SATS-USDT"));
    assert_non_null(e);
    assert_true(cb_decimal_is_zero(e->tick_size));
    assert_int_equal(e->price_decimals, 8); /* tickSize 0: quoteAssetPrecision */
    assert_int_equal(e->qty_decimals, 0);
    cb_instruments_fini(&list);

    assert_int_equal(s_rest(&p, CB_REST_TICKER, &a, 200, k_ticker24, NULL, &cap, &err), 0);
    assert_int_equal(cap.last.type, CB_MD_TICK);
    assert_string_equal(cap.native, "BNBBTC");
    s_dec_eq(cap.last.tick.bid, "4");
    s_dec_eq(cap.last.tick.bid_qty, "100");
    s_dec_eq(cap.last.tick.ask, "4.000002");
    s_dec_eq(cap.last.tick.last, "4.000002");
    s_dec_eq(cap.last.tick.volume, "8913.3");
    assert_int_equal(cap.last.tick.exch_ts, 1499869899040LL * 1000000);
    assert_true(CB_PROTO_HAS(&cap.last.tick, tick, ask_qty) &&
                CB_PROTO_HAS(&cap.last.tick, tick, last));
    assert_false(CB_PROTO_HAS(&cap.last.tick, tick, symbol));

    assert_int_equal(s_rest(&p, CB_REST_OHLC, &a, 200, k_klines, NULL, &cap, &err), 0);
    assert_int_equal(cap.last.type, CB_MD_CANDLES);
    assert_int_equal(cap.last.count, 2);
    cb_candle_t *c = &cap.candles[0];
    assert_true(cb_str_eq_cstr(c->interval, "1w"));
    assert_int_equal(c->open_ts, 1499040000000LL * 1000000);
    s_dec_eq(c->open, "0.0163479");
    s_dec_eq(c->high, "0.8");
    s_dec_eq(c->low, "0.015758");
    s_dec_eq(c->close, "0.015771");
    s_dec_eq(c->volume, "148976.11427815");
    assert_int_equal(c->trades, 308);
    assert_true(c->closed);
    assert_false(cap.candles[1].closed); /* the newest may still be forming */
    assert_true(CB_PROTO_HAS(&cap.candles[1], candle, closed));
    a.interval_s = 0;
    assert_int_equal(s_rest(&p, CB_REST_OHLC, &a, 200, k_klines, NULL, &cap, &err),
                     CB_E_BAD_REQUEST);
    a.interval_s = 60;

    assert_int_equal(s_rest(&p, CB_REST_BOOK, &a, 200, k_depth, NULL, &cap, &err), 0);
    assert_int_equal(cap.last.type, CB_MD_BOOK);
    assert_true(cap.last.book.snapshot);
    assert_int_equal(cap.last.book.update_id, 1027024);
    assert_int_equal(cap.last.book.bids.count, 1);
    assert_int_equal(cap.last.book.asks.count, 1);
    s_dec_eq(cap.levels[0].price, "4");
    s_dec_eq(cap.levels[0].qty, "431");
    s_dec_eq(cap.levels[1].price, "4.000002");
    assert_string_equal(cap.native, "BTCUSDT");

    assert_int_equal(s_rest(&p, CB_REST_TRADES, &a, 200, k_trades, NULL, &cap, &err), 0);
    assert_int_equal(cap.last.type, CB_MD_TRADES);
    assert_int_equal(cap.last.count, 2);
    assert_true(cb_str_eq_cstr(cap.trades[0].side, "sell")); /* isBuyerMaker: the taker sold */
    assert_true(cb_str_eq_cstr(cap.trades[1].side, "buy"));
    assert_string_equal(cap.ids[0], "28457");
    s_dec_eq(cap.trades[0].price, "4.000001");
    s_dec_eq(cap.trades[0].qty, "12");
    assert_int_equal(cap.trades[0].exch_ts, 1499865549590LL * 1000000);
    cb_md_parser_fini(&p);
}

static void
test_rest_errors(void **state)
{
    (void) state;
    cb_md_parser_t p;
    memset(&p, 0, sizeof p);
    s_cap_t cap;
    cb_venue_error_t err;
    cb_instrument_t in = s_btcusdt();
    cb_rest_args_t a = {.ins = &in, .interval_s = 60};
    /* The documented envelope. */
    assert_int_equal(s_rest(&p, CB_REST_BOOK, &a, 400,
                            "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}", NULL, &cap, &err),
                     CB_E_NOT_FOUND);
    assert_int_equal(err.cls, CB_VERR_UNKNOWN_SYMBOL);
    assert_string_equal(err.venue_code, "-1121");
    assert_string_equal(err.message, "Invalid symbol.");
    assert_int_equal(err.http_status, 400);
    assert_int_equal(cap.count, 0);
    /* An envelope with status 200 is still an error. */
    assert_int_equal(s_rest(&p, CB_REST_TIME, NULL, 200,
                            "{\"code\":-1120,\"msg\":\"Invalid interval.\"}", NULL, &cap, &err),
                     CB_E_UPSTREAM);
    assert_int_equal(err.cls, CB_VERR_REJECTED);
    /* Weight: 429 with Retry-After is rate limiting (rest_parse has no header: 0). */
    assert_int_equal(s_rest(&p, CB_REST_TICKER, &a, 429,
                            "{\"code\":-1003,\"msg\":\"Too much request weight used; current limit "
                            "is 6000 request weight per 1 MINUTE.\"}",
                            NULL, &cap, &err),
                     CB_E_RATE_LIMITED);
    assert_int_equal(err.cls, CB_VERR_RATE_LIMIT);
    /* Gateway pages: 5xx HTML is UNAVAILABLE for a public request. */
    assert_int_equal(
        s_rest(&p, CB_REST_TIME, NULL, 502, "<html>Bad Gateway</html>", NULL, &cap, &err),
        CB_E_UNAVAILABLE);
    assert_int_equal(err.cls, CB_VERR_UNAVAILABLE);
    assert_string_equal(err.venue_code, "HTTP 502");
    /* 200 but not the documented shape. */
    static const char *const bad[] = {
        "",
        "   ",
        "{",
        "[",
        "{\"serverTime\":",
        "{\"serverTime\":\"x\"}",
        "[]",
        "{}",
        "null",
        "{\"serverTime\":1}x",
        "\"str\"",
        "{\"serverTime\":1e400}",
        "{\"serverTime\":99999999999999999999999}",
        "<html></html>",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int rc = s_rest(&p, CB_REST_TIME, NULL, 200, bad[k], NULL, &cap, &err);
        assert_int_equal(rc, CB_E_PARSE);
        assert_int_equal(err.cls, CB_VERR_BAD_REPLY);
        assert_int_equal(cap.count, 0);
    }
    static const char *const bad_book[] = {
        "{\"lastUpdateId\":1,\"bids\":[[\"-1\",\"1\"]],\"asks\":[]}",
        "{\"lastUpdateId\":1,\"bids\":[[\"1\",\"-1\"]],\"asks\":[]}",
        "{\"lastUpdateId\":1,\"bids\":[[\"1\"]],\"asks\":[]}",
        "{\"lastUpdateId\":1,\"bids\":[\"1\",\"1\"],\"asks\":[]}",
        "{\"lastUpdateId\":1,\"bids\":[[\"1e999\",\"1\"]],\"asks\":[]}",
        "{\"lastUpdateId\":1,\"bids\":[[\"NaN\",\"1\"]],\"asks\":[]}",
        "{\"lastUpdateId\":-1,\"bids\":[],\"asks\":[]}",
        "{\"lastUpdateId\":1,\"bids\":{},\"asks\":[]}",
        "{\"lastUpdateId\":1,\"asks\":[]}",
    };
    for (size_t k = 0; k < sizeof bad_book / sizeof bad_book[0]; k++) {
        assert_int_equal(s_rest(&p, CB_REST_BOOK, &a, 200, bad_book[k], NULL, &cap, &err),
                         CB_E_PARSE);
        assert_int_equal(cap.count, 0);
    }
    assert_int_equal(
        s_rest(&p, CB_REST_TRADES, &a, 200, "[{\"id\":1,\"price\":\"1\"}]", NULL, &cap, &err),
        CB_E_PARSE);
    assert_int_equal(s_rest(&p, CB_REST_OHLC, &a, 200, "[[1,\"1\",\"1\"]]", NULL, &cap, &err),
                     CB_E_PARSE);
    assert_int_equal(s_rest(&p, CB_REST_TICKER, &a, 200, "{\"symbol\":\"X\"}", NULL, &cap, &err),
                     CB_E_PARSE);
    /* Every truncation of every fixture: an error or a parse, never a crash. */
    static const struct {
        cb_rest_op_t op;
        const char *body;
    } fx[] = {
        {CB_REST_TIME, k_time},       {CB_REST_INSTRUMENTS, k_exchange_info},
        {CB_REST_TICKER, k_ticker24}, {CB_REST_OHLC, k_klines},
        {CB_REST_BOOK, k_depth},      {CB_REST_TRADES, k_trades},
    };
    for (size_t f = 0; f < sizeof fx / sizeof fx[0]; f++) {
        size_t len = strlen(fx[f].body);
        for (size_t cut = 0; cut < len; cut++) {
            char *copy = malloc(cut + 1);
            memcpy(copy, fx[f].body, cut);
            copy[cut] = '\0';
            cb_instruments_t list = {0};
            memset(&cap, 0, sizeof cap);
            int rc = cb_binance_ops.rest_parse(&p, fx[f].op, &a, 200, copy, cut, &list, s_capture,
                                               &cap, &err);
            assert_true(rc == 0 || rc == CB_E_PARSE);
            cb_instruments_fini(&list);
            free(copy);
        }
    }
    cb_md_parser_fini(&p);
}

static void
test_classify(void **state)
{
    (void) state;
    static cb_venue_req_t order = {.changes_state = true};
    static cb_venue_req_t query = {.changes_state = false};
    cb_venue_error_t err;
    static const struct {
        const cb_venue_req_t *req;
        int status;
        const char *body;
        cb_verr_class_t cls;
    } rows[] = {
        {&query, 400, "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}", CB_VERR_UNKNOWN_SYMBOL},
        {&order, 400,
         "{\"code\":-1021,\"msg\":\"Timestamp for this request is outside of the recvWindow.\"}",
         CB_VERR_AUTH},
        {&order, 400, "{\"code\":-1022,\"msg\":\"Signature for this request is not valid.\"}",
         CB_VERR_AUTH},
        {&order, 400, "{\"code\":-2014,\"msg\":\"API-key format invalid.\"}", CB_VERR_AUTH},
        {&order, 401,
         "{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or permissions for action.\"}",
         CB_VERR_AUTH},
        {&order, 400,
         "{\"code\":-2010,\"msg\":\"Account has insufficient balance for requested action.\"}",
         CB_VERR_INSUFFICIENT_FUNDS},
        {&order, 400, "{\"code\":-2010,\"msg\":\"Order would immediately match and take.\"}",
         CB_VERR_REJECTED},
        {&order, 400, "{\"code\":-2010,\"msg\":\"Duplicate order sent.\"}", CB_VERR_REJECTED},
        {&order, 400, "{\"code\":-2011,\"msg\":\"Unknown order sent.\"}", CB_VERR_NOT_FOUND},
        {&order, 400,
         "{\"code\":-2011,\"msg\":\"Order was not canceled due to cancel restrictions.\"}",
         CB_VERR_REJECTED},
        {&query, 400, "{\"code\":-2013,\"msg\":\"Order does not exist.\"}", CB_VERR_NOT_FOUND},
        {&order, 400, "{\"code\":-1013,\"msg\":\"Filter failure: LOT_SIZE\"}", CB_VERR_REJECTED},
        {&order, 400, "{\"code\":-1111,\"msg\":\"Parameter 'quantity' has too much precision.\"}",
         CB_VERR_REJECTED},
        {&order, 400,
         "{\"code\":-1100,\"msg\":\"Illegal characters found in parameter 'price'; legal range is "
         "'^([0-9]{1,20})(\\\\.[0-9]{1,20})?$'.\"}",
         CB_VERR_REJECTED},
        {&order, 400,
         "{\"code\":-1102,\"msg\":\"Mandatory parameter 'price' was not sent, was empty/null, or "
         "malformed.\"}",
         CB_VERR_REJECTED},
        {&order, 429,
         "{\"code\":-1015,\"msg\":\"Too many new orders; current limit is 100 orders per 10 "
         "SECOND.\"}",
         CB_VERR_RATE_LIMIT},
        {&query, 418,
         "{\"code\":-1003,\"msg\":\"Way too much request weight used; IP banned until "
         "1659146400000.\"}",
         CB_VERR_RATE_LIMIT},
        {&query, 429, "", CB_VERR_RATE_LIMIT},
        {&query, 403, "<html>WAF</html>", CB_VERR_RATE_LIMIT},
        /* 5xx: an order's fate is unknown; a query's answer is just missing. */
        {&order, 503,
         "{\"code\":-1001,\"msg\":\"Internal error; unable to process your request. Please try "
         "again.\"}",
         CB_VERR_UNKNOWN_OUTCOME},
        {&order, 500, "", CB_VERR_UNKNOWN_OUTCOME},
        {&query, 503, "{\"code\":-1001,\"msg\":\"Internal error\"}", CB_VERR_UNAVAILABLE},
        {&order, 400,
         "{\"code\":-1007,\"msg\":\"Timeout waiting for response from backend server. Send status "
         "unknown; execution status unknown.\"}",
         CB_VERR_UNKNOWN_OUTCOME},
        {&query, 400,
         "{\"code\":-1007,\"msg\":\"Timeout waiting for response from backend server. Send status "
         "unknown; execution status unknown.\"}",
         CB_VERR_UNAVAILABLE},
        {&order, 400,
         "{\"code\":-1006,\"msg\":\"An unexpected response was received from the message bus. "
         "Execution status unknown.\"}",
         CB_VERR_UNKNOWN_OUTCOME},
        {&query, 400, "not json", CB_VERR_REJECTED},
        /* An order action whose reply is cut or not Binance's is never a refusal. */
        {&order, 400, "{\"code\":-2010,\"msg\":\"Dupl", CB_VERR_UNKNOWN_OUTCOME},
        {&order, 200, "{\"symbol\":\"BTCUSDT\",\"orderId\":", CB_VERR_UNKNOWN_OUTCOME},
        {&order, 404, "<html>not found</html>", CB_VERR_UNKNOWN_OUTCOME},
        {&query, 200, "{\"ok\":1}", CB_VERR_BAD_REPLY},
        {NULL, 401, "", CB_VERR_AUTH},
    };
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        int rc = cb_binance_ops.classify(rows[k].req, false, true, rows[k].status, rows[k].body,
                                         strlen(rows[k].body), 7000, &err);
        if (err.cls != rows[k].cls) {
            fail_msg("row %zu: class %s, want %s", k, cb_verr_class_name(err.cls),
                     cb_verr_class_name(rows[k].cls));
        }
        assert_int_equal(rc, cb_verr_code(rows[k].cls));
        assert_int_equal(err.http_status, rows[k].status);
        assert_int_equal(err.retry_after_ms, rows[k].cls == CB_VERR_RATE_LIMIT ? 7000 : 0);
    }
    static const char funds[] = "{\"code\":-2010,\"msg\":\"Account has insufficient balance for "
                                "requested action.\"}";
    assert_int_equal(
        cb_binance_ops.classify(&order, false, true, 400, funds, sizeof funds - 1, 0, &err),
        CB_E_UPSTREAM);
    assert_string_equal(err.venue_code, "-2010");
    assert_string_equal(err.message, "Account has insufficient balance for requested action.");
    /* No answer at all. */
    assert_int_equal(cb_binance_ops.classify(&order, true, true, 0, NULL, 0, 0, &err),
                     CB_E_TIMEOUT);
    assert_int_equal(err.cls, CB_VERR_UNKNOWN_OUTCOME);
    assert_int_equal(cb_binance_ops.classify(&order, true, false, 0, NULL, 0, 0, &err),
                     CB_E_UNAVAILABLE);
    assert_int_equal(err.cls, CB_VERR_UNAVAILABLE);
    assert_int_equal(cb_binance_ops.classify(&query, true, true, 0, NULL, 0, 0, &err),
                     CB_E_UNAVAILABLE);
    /* A message longer than we keep is cut, not lost. */
    char big[1200];
    int n = snprintf(big, sizeof big, "{\"code\":-1013,\"msg\":\"");
    memset(big + n, 'x', 1000);
    snprintf(big + n + 1000, sizeof big - (size_t) n - 1000, "\"}");
    cb_binance_ops.classify(&order, false, true, 400, big, strlen(big), 0, &err);
    assert_int_equal(err.cls, CB_VERR_REJECTED);
    assert_int_equal(strlen(err.message), CB_VERR_MESSAGE_MAX - 1);
}

/* ---- streams ------------------------------------------------------------------ */

static int
s_ws(cb_md_parser_t *p, const char *text, s_cap_t *cap)
{
    memset(cap, 0, sizeof *cap);
    return cb_binance_ops.ws_parse(p, text, strlen(text), s_capture, cap);
}

/* The same payload inside the combined envelope. */
static int
s_ws_combined(cb_md_parser_t *p, const char *stream, const char *payload, s_cap_t *cap)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "{\"stream\":\"%s\",\"data\":%s}", stream, payload);
    return s_ws(p, buf, cap);
}

static void
test_ws_messages(void **state)
{
    (void) state;
    cb_md_parser_t p;
    memset(&p, 0, sizeof p);
    s_cap_t cap;
    for (int combined = 0; combined < 2; combined++) {
        int rc = combined ? s_ws_combined(&p, "bnbusdt@bookTicker", k_ws_book_ticker, &cap)
                          : s_ws(&p, k_ws_book_ticker, &cap);
        assert_int_equal(rc, 0);
        assert_int_equal(cap.count, 1);
        assert_int_equal(cap.last.type, CB_MD_TICK);
        assert_string_equal(cap.native, "BNBUSDT");
        s_dec_eq(cap.last.tick.bid, "25.3519");
        s_dec_eq(cap.last.tick.bid_qty, "31.21");
        s_dec_eq(cap.last.tick.ask, "25.3652");
        s_dec_eq(cap.last.tick.ask_qty, "40.66");
        assert_false(CB_PROTO_HAS(&cap.last.tick, tick, last));
        assert_false(CB_PROTO_HAS(&cap.last.tick, tick, volume));

        rc = combined ? s_ws_combined(&p, "bnbbtc@trade", k_ws_trade, &cap)
                      : s_ws(&p, k_ws_trade, &cap);
        assert_int_equal(rc, 0);
        assert_int_equal(cap.last.type, CB_MD_TRADES);
        assert_int_equal(cap.last.count, 1);
        assert_string_equal(cap.native, "BNBBTC");
        assert_true(cb_str_eq_cstr(cap.trades[0].side, "sell"));
        assert_string_equal(cap.ids[0], "12345");
        s_dec_eq(cap.trades[0].price, "0.001");
        s_dec_eq(cap.trades[0].qty, "100");
        assert_int_equal(cap.trades[0].exch_ts, 1672515782136LL * 1000000);

        rc = combined ? s_ws_combined(&p, "bnbbtc@depth@100ms", k_ws_depth, &cap)
                      : s_ws(&p, k_ws_depth, &cap);
        assert_int_equal(rc, 0);
        assert_int_equal(cap.last.type, CB_MD_BOOK);
        assert_false(cap.last.book.snapshot);
        assert_true(CB_PROTO_HAS(&cap.last.book, book, snapshot));
        assert_int_equal(cap.last.first_update_id, 157);
        assert_int_equal(cap.last.book.update_id, 160);
        assert_int_equal(cap.last.book.bids.count, 1);
        assert_int_equal(cap.last.book.asks.count, 1);
        s_dec_eq(cap.levels[0].price, "0.0024");
        s_dec_eq(cap.levels[1].qty, "100");
        assert_int_equal(cap.last.book.exch_ts, 1672515782136LL * 1000000);

        rc = combined ? s_ws_combined(&p, "bnbbtc@kline_1m", k_ws_kline, &cap)
                      : s_ws(&p, k_ws_kline, &cap);
        assert_int_equal(rc, 0);
        assert_int_equal(cap.last.type, CB_MD_CANDLES);
        assert_int_equal(cap.last.count, 1);
        cb_candle_t *c = &cap.candles[0];
        assert_true(cb_str_eq_cstr(c->interval, "1m"));
        assert_int_equal(c->open_ts, 1672515780000LL * 1000000);
        s_dec_eq(c->open, "0.001");
        s_dec_eq(c->high, "0.0025");
        s_dec_eq(c->low, "0.0015");
        s_dec_eq(c->close, "0.002");
        s_dec_eq(c->volume, "1000");
        assert_int_equal(c->trades, 100);
        assert_false(c->closed);
        assert_true(CB_PROTO_HAS(c, candle, closed));

        rc = combined ? s_ws_combined(&p, "bnbbtc@aggTrade", k_ws_agg, &cap)
                      : s_ws(&p, k_ws_agg, &cap);
        assert_int_equal(rc, 0);
        assert_true(cb_str_eq_cstr(cap.trades[0].side, "buy"));
        assert_string_equal(cap.ids[0], "12345");
    }
    /* Partial depth: the symbol comes from the stream name. */
    assert_int_equal(s_ws(&p, k_ws_partial, &cap), 0);
    assert_int_equal(cap.last.type, CB_MD_BOOK);
    assert_true(cap.last.book.snapshot);
    assert_int_equal(cap.last.book.update_id, 160);
    assert_string_equal(cap.native, "bnbbtc");
    /* Control replies. */
    assert_int_equal(s_ws(&p, k_ws_sub_ok, &cap), 0);
    assert_int_equal(cap.last.type, CB_MD_SUBSCRIBED);
    assert_int_equal(cap.last.req_id, 1);
    assert_int_equal(s_ws(&p, k_ws_list, &cap), 0);
    assert_int_equal(cap.count, 0);
    assert_int_equal(s_ws(&p, k_ws_err_doc, &cap), 0);
    assert_int_equal(cap.last.type, CB_MD_ERROR);
    assert_int_equal(cap.last.req_id, 7);
    assert_string_equal(cap.text, "Invalid request: unknown variant");
    assert_int_equal(s_ws(&p, k_ws_err_nested, &cap), 0);
    assert_int_equal(cap.last.type, CB_MD_ERROR);
    assert_int_equal(cap.last.req_id, 9);
    assert_string_equal(cap.text, "Invalid request: invalid stream");
    assert_int_equal(s_ws(&p, "{\"e\":\"serverShutdown\",\"E\":1}", &cap), 0);
    assert_int_equal(cap.last.type, CB_MD_STATUS);
    /* Emit's answer stops the parse and is returned. */
    assert_int_equal(cb_binance_ops.ws_parse(&p, k_ws_sub_ok, strlen(k_ws_sub_ok), NULL, NULL),
                     CB_E_PARSE);
    cb_md_parser_fini(&p);
}

static int
s_stop(void *ctx, const cb_md_msg_t *msg)
{
    (void) ctx, (void) msg;
    return 42;
}

static void
test_ws_hostile(void **state)
{
    (void) state;
    cb_md_parser_t p;
    memset(&p, 0, sizeof p);
    s_cap_t cap;
    assert_int_equal(cb_binance_ops.ws_parse(&p, k_ws_trade, strlen(k_ws_trade), s_stop, NULL), 42);
    static const char *const bad[] = {
        "",
        "{}",
        "[]",
        "null",
        "{\"e\":\"trade\"}",
        "{\"e\":1}",
        "{\"e\":\"nope\",\"s\":\"X\"}",
        "{\"stream\":\"x\",\"data\":[]}",
        "{\"stream\":1,\"data\":{}}",
        "{\"e\":\"trade\",\"s\":\"X\",\"t\":1,\"p\":\"-1\",\"q\":\"1\",\"T\":1,\"m\":true}",
        "{\"e\":\"trade\",\"s\":\"X\",\"t\":1,\"p\":1e999,\"q\":\"1\",\"T\":1,\"m\":true}",
        "{\"e\":\"trade\",\"s\":\"X\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"T\":1,\"m\":\"true\"}",
        "{\"e\":\"trade\",\"s\":\"\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"T\":1,\"m\":true}",
        "{\"e\":\"depthUpdate\",\"s\":\"X\",\"U\":5,\"u\":4,\"b\":[],\"a\":[]}",
        "{\"e\":\"depthUpdate\",\"s\":\"X\",\"U\":-5,\"u\":4,\"b\":[],\"a\":[]}",
        "{\"e\":\"depthUpdate\",\"s\":\"X\",\"U\":1,\"u\":4,\"b\":[[\"1\"]],\"a\":[]}",
        "{\"e\":\"depthUpdate\",\"s\":\"X\",\"U\":1,\"u\":4,\"b\":[[\"0\",\"1\"]],\"a\":[]}",
        "{\"e\":\"depthUpdate\",\"s\":\"X\",\"U\":1,\"u\":4,\"b\":[[[\"1\"],\"1\"]],\"a\":[]}",
        "{\"e\":\"depthUpdate\",\"s\":\"X\",\"U\":1,\"u\":4,\"b\":[]}",
        "{\"e\":\"kline\",\"s\":\"X\",\"k\":{\"i\":\"1s\",\"t\":1,\"o\":\"1\",\"h\":\"1\",\"l\":"
        "\"1\","
        "\"c\":\"1\",\"v\":\"1\",\"x\":true}}",
        "{\"e\":\"kline\",\"s\":\"X\",\"k\":[]}",
        "{\"u\":1,\"s\":\"X\",\"b\":\"1\",\"B\":\"1\",\"a\":\"1\"}",
        "{\"u\":1,\"s\":\"X\",\"b\":\"1\",\"B\":\"1\",\"a\":\"1\",\"A\":\"1\"} x",
        "{\"u\":1,\"s\":\"X\",\"b\":\"1\",\"B\":\"1\",\"a\":\"1\",\"A\":\"1\"\0}",
        "{\"lastUpdateId\":1,\"bids\":[[\"1\",\"1\"]]}",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        int rc = s_ws(&p, bad[k], &cap);
        if (rc == 0 || cap.count != 0) {
            fail_msg("accepted %s", bad[k]);
        }
        assert_true(rc == CB_E_PARSE || rc == CB_E_RANGE || rc == CB_E_TOO_BIG);
    }
    /* Deep nesting and a long array: errors or parses, never a crash. */
    char *deep = malloc(200001);
    for (int k = 0; k < 100000; k++) {
        deep[k] = '[';
        deep[200000 - 1 - k] = ']';
    }
    deep[200000] = '\0';
    assert_int_not_equal(s_ws(&p, deep, &cap), 0);
    free(deep);
    /* A book side over the proto limit (5000 levels). */
    cb_buf_t big;
    cb_buf_init(&big);
    cb_buf_append_str(&big, "{\"e\":\"depthUpdate\",\"s\":\"X\",\"U\":1,\"u\":2,\"a\":[],\"b\":[");
    for (int k = 0; k < 5001; k++) {
        cb_buf_appendf(&big, "%s[\"%d\",\"1\"]", k ? "," : "", k + 1);
    }
    cb_buf_append_str(&big, "]}");
    assert_int_equal(cb_binance_ops.ws_parse(&p, big.data, big.len, s_capture, &cap), CB_E_TOO_BIG);
    cb_buf_fini(&big);
    /* Every prefix of every fixture. */
    static const char *const fx[] = {k_ws_book_ticker, k_ws_trade,   k_ws_depth,     k_ws_kline,
                                     k_ws_agg,         k_ws_partial, k_ws_err_nested};
    for (size_t f = 0; f < sizeof fx / sizeof fx[0]; f++) {
        size_t len = strlen(fx[f]);
        for (size_t cut = 0; cut < len; cut++) {
            char *copy = malloc(cut + 1);
            memcpy(copy, fx[f], cut);
            memset(&cap, 0, sizeof cap);
            assert_int_not_equal(cb_binance_ops.ws_parse(&p, copy, cut, s_capture, &cap), 0);
            assert_int_equal(cap.count, 0);
            free(copy);
        }
    }
    cb_md_parser_fini(&p);
}

/* One emitted message as text, every field and decimal representation. */
static void
s_dec_text(cb_buf_t *b, const char *name, cb_decimal_t d)
{
    char buf[CB_DECIMAL_STR_MAX];
    cb_decimal_format(d, buf, sizeof buf);
    cb_buf_appendf(b, " %s=%s/%u", name, buf, d.scale);
}

static int
s_describe(void *ctx, const cb_md_msg_t *m)
{
    cb_buf_t *b = ctx;
    cb_buf_appendf(b, "type=%d native=%.*s req=%lld U=%llu pu=%llu n=%zu", (int) m->type,
                   (int) m->native.len, m->native.ptr != NULL ? m->native.ptr : "",
                   (long long) m->req_id, (unsigned long long) m->first_update_id,
                   (unsigned long long) m->prev_update_id, m->count);
    if (m->type == CB_MD_TICK) {
        cb_buf_appendf(b, " present=%llx ts=%lld", (unsigned long long) m->tick.present,
                       (long long) m->tick.exch_ts);
        s_dec_text(b, "bid", m->tick.bid);
        s_dec_text(b, "bq", m->tick.bid_qty);
        s_dec_text(b, "ask", m->tick.ask);
        s_dec_text(b, "aq", m->tick.ask_qty);
    } else if (m->type == CB_MD_TRADES) {
        const cb_trade_t *t = &m->trades[0];
        cb_buf_appendf(b, " present=%llx ts=%lld side=%.*s id=%.*s",
                       (unsigned long long) t->present, (long long) t->exch_ts, (int) t->side.len,
                       t->side.ptr, (int) t->trade_id.len,
                       t->trade_id.ptr != NULL ? t->trade_id.ptr : "");
        s_dec_text(b, "p", t->price);
        s_dec_text(b, "q", t->qty);
    } else if (m->type == CB_MD_BOOK) {
        cb_buf_appendf(b, " present=%llx snap=%d u=%llu ts=%lld nb=%u na=%u",
                       (unsigned long long) m->book.present, m->book.snapshot,
                       (unsigned long long) m->book.update_id, (long long) m->book.exch_ts,
                       m->book.bids.count, m->book.asks.count);
        for (uint32_t k = 0; k < m->book.bids.count; k++) {
            s_dec_text(b, "bp", m->book.bids.items[k].price);
            s_dec_text(b, "bq", m->book.bids.items[k].qty);
        }
        for (uint32_t k = 0; k < m->book.asks.count; k++) {
            s_dec_text(b, "ap", m->book.asks.items[k].price);
            s_dec_text(b, "aq", m->book.asks.items[k].qty);
        }
    }
    cb_buf_append_str(b, ";");
    return 0;
}

/* The fast path emits what the general parser emits, and steps aside
 * (emitting nothing) for everything else. */
static void
test_ws_fast_path_matches(void **state)
{
    (void) state;
    static const struct {
        const char *text;
        bool fast;
    } rows[] = {
        {k_ws_book_ticker, true},
        {k_ws_trade, true},
        {k_ws_depth, true},
        {k_ws_agg, true},
        {"{\"stream\":\"bnbbtc@trade\",\"data\":{\"e\":\"trade\",\"E\":5,\"s\":\"BNBBTC\",\"t\":"
         "\"77\",\"p\":1.5,\"q\":\"2.50\",\"T\":-0,\"m\":false}}",
         true},
        {" {\"e\" : \"depthUpdate\", \"E\":1, \"s\":\"X\", \"U\":1, \"u\":2, \"pu\":0, \"b\":[ "
         "[\"1.5\" , \"0\"] ], \"a\":[] } ",
         true},
        {"{\"e\":\"bookTicker\",\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"2\",\"a\":\"3\","
         "\"A\":\"4\",\"T\":1e3}",
         true},
        {"{\"e\":\"trade\",\"e\":\"kline\",\"s\":\"X\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"T\":"
         "\"12\",\"m\":true}",
         true}, /* a repeated key: the first counts */
        /* Left to the general parser. */
        {k_ws_kline, false},
        {k_ws_partial, false},
        {k_ws_sub_ok, false},
        {k_ws_err_nested, false},
        {"{\"e\":\"trade\",\"s\":\"X\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"T\":1,\"m\":tru}", false},
        {"{\"e\":\"tr\\u0061de\",\"s\":\"X\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"m\":true}", false},
        {"{\"e\":\"trade\",\"s\":\"X\",\"t\":1,\"p\":\"1\",\"q\":\"1\",\"m\":true,\"x\":{}}",
         false},
        {"{\"e\":\"depthUpdate\",\"s\":\"X\",\"U\":1,\"u\":2,\"b\":[[\"1\",\"1\",\"x\"]],\"a\":[]}",
         false},
        {"{\"stream\":\"x\",\"data\":{\"u\":1,\"s\":\"X\",\"b\":\"1\",\"B\":\"1\",\"a\":\"1\","
         "\"A\":\"1\"},\"id\":1}",
         false},
    };
    cb_md_parser_t pf, pd;
    memset(&pf, 0, sizeof pf);
    memset(&pd, 0, sizeof pd);
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        cb_buf_t a, b;
        cb_buf_init(&a);
        cb_buf_init(&b);
        bool handled;
        size_t len = strlen(rows[k].text);
        int rc = cb_binance_ws_fast(&pf, rows[k].text, len, s_describe, &a, &handled);
        if (handled != rows[k].fast) {
            fail_msg("row %zu: fast path %s", k, handled ? "took it" : "stepped aside");
        }
        if (handled) {
            assert_int_equal(rc, 0);
            assert_int_equal(cb_binance_ws_parse_doc(&pd, rows[k].text, len, s_describe, &b), 0);
            if (strcmp(a.data, b.data) != 0) {
                fail_msg("row %zu:\nfast %s\ndoc  %s", k, a.data, b.data);
            }
        } else {
            assert_int_equal(a.len, 0);
        }
        cb_buf_fini(&a);
        cb_buf_fini(&b);
    }
    cb_md_parser_fini(&pf);
    cb_md_parser_fini(&pd);
}

static int
s_nothing(void *ctx, const cb_md_msg_t *msg)
{
    (void) msg;
    ++*(int *) ctx;
    return 0;
}

static double
s_ns_per_parse(cb_md_parser_t *p, const char *msg, int n)
{
    size_t len = strlen(msg);
    int count = 0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int k = 0; k < n; k++) {
        if (cb_binance_ops.ws_parse(p, msg, len, s_nothing, &count) != 0) {
            fail();
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_int_equal(count, n);
    return ((double) (b.tv_sec - a.tv_sec) * 1e9 + (double) (b.tv_nsec - a.tv_nsec)) / n;
}

static void
test_ws_speed(void **state)
{
    (void) state;
    cb_md_parser_t p;
    memset(&p, 0, sizeof p);
    char combined[1024];
    snprintf(combined, sizeof combined, "{\"stream\":\"bnbusdt@bookTicker\",\"data\":%s}",
             k_ws_book_ticker);
    const char *depth10 =
        "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\",\"E\":1672515782136,"
        "\"s\":\"BTCUSDT\",\"U\":157,\"u\":166,\"b\":[[\"50000.01\",\"0.10000000\"],[\"49999.99\","
        "\"0.00000000\"],[\"49999.50\",\"1.25000000\"],[\"49998.00\",\"3.00000000\"],[\"49990.00\","
        "\"0.50000000\"]],\"a\":[[\"50000.02\",\"0.20000000\"],[\"50000.50\",\"0.00000000\"],"
        "[\"50001.00\",\"2.00000000\"],[\"50002.00\",\"1.00000000\"],[\"50010.00\",\"4.00000000\"]]"
        "}}";
    int n = 200000;
    s_ns_per_parse(&p, combined, 1000); /* warm the scratch */
    double bt = s_ns_per_parse(&p, combined, n);
    double tr = s_ns_per_parse(&p, k_ws_trade, n);
    double dp = s_ns_per_parse(&p, depth10, n);
    printf(
        "ws_parse: bookTicker (combined) %.0f ns, trade %.0f ns, depthUpdate 10 levels %.0f ns\n",
        bt, tr, dp);
    /* About 1 us at -O2; the sanitizer build is several times slower. */
    assert_true(bt < 20000 && tr < 20000 && dp < 40000);
    cb_md_parser_fini(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_documented_examples),
        cmocka_unit_test(test_signed_requests),
        cmocka_unit_test(test_rest_urls),
        cmocka_unit_test(test_ws_url_and_control),
        cmocka_unit_test(test_rest_replies),
        cmocka_unit_test(test_rest_errors),
        cmocka_unit_test(test_classify),
        cmocka_unit_test(test_ws_messages),
        cmocka_unit_test(test_ws_hostile),
        cmocka_unit_test(test_ws_fast_path_matches),
        cmocka_unit_test(test_ws_speed),
    };
    return cmocka_run_group_tests_name("binance", tests, NULL, NULL);
}
