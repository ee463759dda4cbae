/* test_venue_orders.c - Kraken and Binance order requests built, and their documented replies (and cut, 5xx and hostile ones) read */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_binance_orders.h"
#include "cb_error.h"
#include "cb_kraken_orders.h"

static cb_instruments_t s_list;

static cb_decimal_t
s_dec(const char *text)
{
    cb_decimal_t d;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &d), 0);
    return d;
}

static void
s_assert_dec(cb_odec_t d, const char *want)
{
    assert_true(d.set);
    if (cb_decimal_cmp(d.value, s_dec(want)) != 0) {
        char got[CB_DECIMAL_STR_MAX];
        cb_decimal_format(d.value, got, sizeof got);
        fail_msg("decimal %s, want %s", got, want);
    }
}

static int
s_setup(void **state)
{
    (void) state;
    cb_instrument_t k = {.symbol = "BTC-USD", .base = "BTC", .quote = "USD", .native = "XXBTZUSD",
                         .altname = "XBTUSD", .ws_name = "BTC/USD"};
    cb_instrument_t b = {.symbol = "BTC-USDT", .base = "BTC", .quote = "USDT",
                         .native = "BTCUSDT", .altname = "BTCUSDT", .ws_name = "btcusdt"};
    return cb_instruments_add(&s_list, &k) == 0 && cb_instruments_add(&s_list, &b) == 0 ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    cb_instruments_fini(&s_list);
    return 0;
}

static cb_order_req_t
s_limit(const char *symbol)
{
    cb_order_req_t o = {.ins = cb_instruments_by_symbol(&s_list, cb_str_from(symbol)),
                        .buy = true, .type = CB_OTYPE_LIMIT, .has_price = true};
    o.amount = s_dec("0.0125");
    o.price = s_dec("27500.1");
    snprintf(o.client_order_id, sizeof o.client_order_id, "cb-0001");
    return o;
}

/* A reply to a place call, and the class and refusal reason it must be read as. */
typedef struct {
    const char *body;
    int status;
    cb_verr_class_t cls;
    cb_oreject_t reason;
} s_row_t;

/* Each row's reply to placing a limit buy of BTC, read by Kraken's (kraken)
 * or Binance's place parser: the row's class, reason and CB_E_* code. */
static void
s_expect_rows(bool kraken, const s_row_t *rows, size_t n)
{
    cb_venue_error_t err;
    cb_vorder_t out;
    cb_order_req_t o = s_limit(kraken ? "BTC-USD" : "BTC-USDT");
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(rows[k].body);
        int rc = kraken ? cb_kraken_order_parse_place(&o, rows[k].status, rows[k].body, len, &out, &err)
                        : cb_binance_order_parse(&s_list, true, rows[k].status, rows[k].body, len, &out,
                                                 &err);
        if (err.cls != rows[k].cls || cb_order_reject_reason(&err) != rows[k].reason) {
            fail_msg("row %zu: %s / %s", k, cb_verr_class_name(err.cls),
                     cb_oreject_name(cb_order_reject_reason(&err)));
        }
        assert_int_equal(rc, cb_verr_code(rows[k].cls));
    }
}

/* ---- requests ------------------------------------------------------------------ */

static void
test_kraken_requests(void **state)
{
    (void) state;
    cb_order_call_t c;
    cb_order_req_t o = s_limit("BTC-USD");
    assert_int_equal(cb_kraken_order_place(&o, &c), 0);
    assert_string_equal(c.path, "AddOrder");
    assert_string_equal(c.params, "pair=XXBTZUSD&type=buy&ordertype=limit&volume=0.0125&"
                                  "price=27500.1&cl_ord_id=cb-0001");
    assert_true(c.changes_state);

    o.post_only = true;
    o.validate = true;
    assert_int_equal(cb_kraken_order_place(&o, &c), 0);
    assert_string_equal(c.params, "pair=XXBTZUSD&type=buy&ordertype=limit&volume=0.0125&"
                                  "price=27500.1&oflags=post&cl_ord_id=cb-0001&validate=true");
    assert_false(c.changes_state);

    /* A stop-loss with a limit: price is the trigger, price2 the limit. */
    o = s_limit("BTC-USD");
    o.buy = false;
    o.type = CB_OTYPE_STOP_LOSS;
    o.stop_price = s_dec("27000");
    o.tif = CB_TIF_IOC;
    assert_int_equal(cb_kraken_order_place(&o, &c), 0);
    assert_string_equal(c.params, "pair=XXBTZUSD&type=sell&ordertype=stop-loss-limit&volume=0.0125&"
                                  "price=27000&price2=27500.1&timeinforce=IOC&cl_ord_id=cb-0001");
    o.has_price = false;
    o.type = CB_OTYPE_TAKE_PROFIT;
    o.tif = CB_TIF_FOK;
    o.client_order_id[0] = '\0';
    assert_int_equal(cb_kraken_order_place(&o, &c), 0);
    assert_string_equal(c.params, "pair=XXBTZUSD&type=sell&ordertype=take-profit&volume=0.0125&"
                                  "price=27000&timeinforce=FOK");

    /* What no venue takes. */
    cb_order_req_t bad = s_limit("BTC-USD");
    bad.post_only = true;
    bad.tif = CB_TIF_IOC;
    assert_int_equal(cb_kraken_order_place(&bad, &c), CB_E_BAD_REQUEST);
    bad = s_limit("BTC-USD");
    bad.amount = s_dec("0");
    assert_int_equal(cb_kraken_order_place(&bad, &c), CB_E_BAD_REQUEST);
    bad = s_limit("BTC-USD");
    snprintf(bad.client_order_id, sizeof bad.client_order_id, "a&b=c");
    assert_int_equal(cb_kraken_order_place(&bad, &c), CB_E_BAD_REQUEST);
    bad = s_limit("BTC-USD");
    bad.type = CB_OTYPE_MARKET;
    assert_int_equal(cb_kraken_order_place(&bad, &c), CB_E_BAD_REQUEST);
    bad.has_price = false;
    assert_int_equal(cb_kraken_order_place(&bad, &c), 0);
    assert_string_equal(c.params, "pair=XXBTZUSD&type=buy&ordertype=market&volume=0.0125&cl_ord_id=cb-0001");

    cb_order_ref_t ref = {.id = "OU22CG-KLAF2-FWUDD7"};
    assert_int_equal(cb_kraken_order_cancel(&ref, &c), 0);
    assert_string_equal(c.params, "txid=OU22CG-KLAF2-FWUDD7");
    cb_order_ref_t by_clid = {.client_order_id = "cb-0001"};
    assert_int_equal(cb_kraken_order_cancel(&by_clid, &c), 0);
    assert_string_equal(c.params, "cl_ord_id=cb-0001");
    cb_order_ref_t neither = {0};
    assert_int_equal(cb_kraken_order_cancel(&neither, &c), CB_E_BAD_REQUEST);
    cb_order_ref_t hostile = {.id = "O&nonce=1"};
    assert_int_equal(cb_kraken_order_cancel(&hostile, &c), CB_E_BAD_REQUEST);

    cb_order_amend_t a = {.ref = by_clid, .has_price = true, .price = s_dec("27400.5")};
    assert_int_equal(cb_kraken_order_amend(&a, &c), 0);
    assert_string_equal(c.path, "AmendOrder");
    assert_string_equal(c.params, "cl_ord_id=cb-0001&limit_price=27400.5");
    a.has_price = false;
    assert_int_equal(cb_kraken_order_amend(&a, &c), CB_E_BAD_REQUEST);

    assert_int_equal(cb_kraken_order_cancel_all(NULL, &c), 0);
    assert_string_equal(c.path, "CancelAll");
    assert_int_equal(cb_kraken_order_cancel_all(o.ins, &c), CB_E_BAD_REQUEST);
    assert_int_equal(cb_kraken_order_cancel_after(60, &c), 0);
    assert_string_equal(c.params, "timeout=60");
    assert_int_equal(cb_kraken_order_cancel_after(86401, &c), CB_E_BAD_REQUEST);
    assert_int_equal(cb_kraken_order_query("cb-0001", true, &c), 0);
    assert_string_equal(c.path, "ClosedOrders");
    assert_string_equal(c.params, "cl_ord_id=cb-0001");
    assert_false(c.changes_state);
}

static void
test_binance_requests(void **state)
{
    (void) state;
    cb_order_call_t c;
    cb_order_req_t o = s_limit("BTC-USDT");
    assert_int_equal(cb_binance_order_place(&o, &c), 0);
    assert_string_equal(c.method, "POST");
    assert_string_equal(c.path, "/api/v3/order");
    assert_string_equal(c.params, "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.0125&"
                                  "price=27500.1&newClientOrderId=cb-0001&newOrderRespType=FULL");
    o.post_only = true;
    o.validate = true;
    assert_int_equal(cb_binance_order_place(&o, &c), 0);
    assert_string_equal(c.path, "/api/v3/order/test");
    assert_false(c.changes_state);
    assert_string_equal(c.params, "symbol=BTCUSDT&side=BUY&type=LIMIT_MAKER&quantity=0.0125&"
                                  "price=27500.1&newClientOrderId=cb-0001&newOrderRespType=FULL");
    o = s_limit("BTC-USDT");
    o.type = CB_OTYPE_MARKET;
    o.has_price = false;
    assert_int_equal(cb_binance_order_place(&o, &c), 0);
    assert_string_equal(c.params, "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.0125&"
                                  "newClientOrderId=cb-0001&newOrderRespType=FULL");
    o.tif = CB_TIF_IOC; /* MARKET refuses timeInForce (-1106) */
    assert_int_equal(cb_binance_order_place(&o, &c), CB_E_BAD_REQUEST);
    o = s_limit("BTC-USDT");
    o.type = CB_OTYPE_TAKE_PROFIT;
    o.stop_price = s_dec("28000");
    o.tif = CB_TIF_FOK;
    assert_int_equal(cb_binance_order_place(&o, &c), 0);
    assert_string_equal(c.params, "symbol=BTCUSDT&side=BUY&type=TAKE_PROFIT_LIMIT&timeInForce=FOK&"
                                  "quantity=0.0125&price=27500.1&stopPrice=28000&"
                                  "newClientOrderId=cb-0001&newOrderRespType=FULL");

    cb_order_ref_t ref = {.ins = o.ins, .client_order_id = "cb-0001"};
    assert_int_equal(cb_binance_order_cancel(&ref, &c), 0);
    assert_string_equal(c.method, "DELETE");
    assert_string_equal(c.params, "symbol=BTCUSDT&origClientOrderId=cb-0001");
    cb_order_ref_t by_id = {.ins = o.ins, .id = "28"};
    assert_int_equal(cb_binance_order_cancel(&by_id, &c), 0);
    assert_string_equal(c.params, "symbol=BTCUSDT&orderId=28");
    by_id.ins = NULL;
    assert_int_equal(cb_binance_order_cancel(&by_id, &c), CB_E_BAD_REQUEST);

    cb_order_req_t repl = s_limit("BTC-USDT");
    repl.price = s_dec("27400");
    snprintf(repl.client_order_id, sizeof repl.client_order_id, "cb-0001-1");
    cb_order_amend_t a = {.ref = ref, .has_price = true, .price = repl.price, .replacement = &repl};
    assert_int_equal(cb_binance_order_amend(&a, &c), 0);
    assert_string_equal(c.path, "/api/v3/order/cancelReplace");
    assert_string_equal(c.params,
                        "symbol=BTCUSDT&cancelOrigClientOrderId=cb-0001&cancelReplaceMode=STOP_ON_FAILURE&"
                        "side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.0125&price=27400&"
                        "newClientOrderId=cb-0001-1&newOrderRespType=FULL");
    a.replacement = NULL;
    assert_int_equal(cb_binance_order_amend(&a, &c), CB_E_BAD_REQUEST);

    assert_int_equal(cb_binance_order_cancel_all(o.ins, &c), 0);
    assert_string_equal(c.path, "/api/v3/openOrders");
    assert_string_equal(c.params, "symbol=BTCUSDT");
    assert_int_equal(cb_binance_order_cancel_all(NULL, &c), CB_E_BAD_REQUEST);
    assert_int_equal(cb_binance_order_query(o.ins, "cb-0001", &c), 0);
    assert_string_equal(c.method, "GET");
    assert_string_equal(c.params, "symbol=BTCUSDT&origClientOrderId=cb-0001");
    assert_false(c.changes_state);
    assert_int_equal(cb_binance_order_query(o.ins, "bad id", &c), CB_E_BAD_REQUEST);
}

/* ---- Kraken replies ------------------------------------------------------------ */

static const char k_kr_open[] =
    "{\"error\":[],\"result\":{\"open\":{\"OQCLML-BW3P3-BUCMWZ\":{\"refid\":null,\"userref\":null,"
    "\"cl_ord_id\":\"cb-0001\",\"status\":\"open\",\"opentm\":1688666559.8974,\"starttm\":0,"
    "\"expiretm\":0,\"descr\":{\"pair\":\"XBTUSD\",\"type\":\"buy\",\"ordertype\":\"limit\","
    "\"price\":\"27500.1\",\"price2\":\"0\",\"leverage\":\"none\",\"order\":\"buy 1.25000000 "
    "XBTUSD @ limit 27500.1\",\"close\":\"\"},\"vol\":\"1.25000000\",\"vol_exec\":\"0.37500000\","
    "\"cost\":\"10312.53750\",\"fee\":\"16.50006\",\"price\":\"27500.1\",\"stopprice\":\"0.00000\","
    "\"limitprice\":\"0.00000\",\"misc\":\"\",\"oflags\":\"fciq\"}}}}";

static void
test_kraken_replies(void **state)
{
    (void) state;
    cb_venue_error_t err;
    cb_order_req_t o = s_limit("BTC-USD");
    cb_vorder_t out;
    static const char placed[] = "{\"error\":[],\"result\":{\"descr\":{\"order\":\"buy 0.01250000 "
                                 "XBTUSD @ limit 27500.1\"},\"txid\":[\"OU22CG-KLAF2-FWUDD7\"]}}";
    assert_int_equal(cb_kraken_order_parse_place(&o, 200, placed, strlen(placed), &out, &err), 0);
    assert_string_equal(out.id, "OU22CG-KLAF2-FWUDD7");
    assert_string_equal(out.client_order_id, "cb-0001");
    assert_string_equal(out.symbol, "BTC-USD");
    assert_int_equal(out.status, CB_OSTATUS_NONE);
    s_assert_dec(out.price, "27500.1");
    assert_false(out.validated);

    o.validate = true;
    static const char validated[] =
        "{\"error\":[],\"result\":{\"descr\":{\"order\":\"buy 0.01250000 XBTUSD @ limit 27500.1\"}}}";
    assert_int_equal(cb_kraken_order_parse_place(&o, 200, validated, strlen(validated), &out, &err), 0);
    assert_true(out.validated);
    assert_string_equal(out.id, "");
    o.validate = false;

    /* Refusals, with their reasons; and what is never a refusal. */
    static const s_row_t rows[] = {
        {"{\"error\":[\"EOrder:Insufficient funds\"]}", 200, CB_VERR_INSUFFICIENT_FUNDS, CB_OREJECT_FUNDS},
        {"{\"error\":[\"EOrder:Tick size check failed\"]}", 200, CB_VERR_REJECTED, CB_OREJECT_PRICE},
        {"{\"error\":[\"EOrder:Order minimum not met\"]}", 200, CB_VERR_REJECTED, CB_OREJECT_AMOUNT},
        {"{\"error\":[\"EOrder:Cost minimum not met\"]}", 200, CB_VERR_REJECTED, CB_OREJECT_NOTIONAL},
        {"{\"error\":[\"EOrder:Duplicate order\"]}", 200, CB_VERR_REJECTED, CB_OREJECT_DUPLICATE},
        {"{\"error\":[\"EOrder:Orders limit exceeded\"]}", 200, CB_VERR_REJECTED, CB_OREJECT_TOO_MANY},
        {"{\"error\":[\"EService:Market in post_only mode\"]}", 200, CB_VERR_REJECTED,
         CB_OREJECT_MARKET_CLOSED},
        {"{\"error\":[\"EGeneral:Invalid arguments:volume\"]}", 200, CB_VERR_REJECTED, CB_OREJECT_AMOUNT},
        {"{\"error\":[\"EGeneral:Invalid arguments:ordertype\"]}", 200, CB_VERR_REJECTED,
         CB_OREJECT_INVALID},
        {"{\"error\":[\"EService:Unavailable\"]}", 200, CB_VERR_UNKNOWN_OUTCOME, CB_OREJECT_OTHER},
        {"{\"error\":[\"EService:Deadline elapsed\"]}", 200, CB_VERR_UNKNOWN_OUTCOME, CB_OREJECT_OTHER},
        {"{\"error\":[],\"result\":{\"descr\":{\"order\":\"buy", 200, CB_VERR_UNKNOWN_OUTCOME,
         CB_OREJECT_OTHER},
        {"{\"error\":[],\"result\":{\"descr\":{}}}", 200, CB_VERR_UNKNOWN_OUTCOME, CB_OREJECT_OTHER},
        {"<html>502 Bad Gateway</html>", 502, CB_VERR_UNKNOWN_OUTCOME, CB_OREJECT_OTHER},
        {"", 500, CB_VERR_UNKNOWN_OUTCOME, CB_OREJECT_OTHER},
        {"{\"error\":[\"EAPI:Invalid nonce\"]}", 200, CB_VERR_AUTH, CB_OREJECT_OTHER},
        {"{\"error\":[\"EOrder:Rate limit exceeded\"]}", 200, CB_VERR_RATE_LIMIT, CB_OREJECT_OTHER},
    };
    s_expect_rows(true, rows, sizeof rows / sizeof rows[0]);

    /* Cancel, unknown order, cancel-all, dead-man's switch. */
    cb_order_batch_t b;
    static const char count[] = "{\"error\":[],\"result\":{\"count\":4}}";
    assert_int_equal(cb_kraken_order_parse_cancel(200, count, strlen(count), &b, &err), 0);
    assert_int_equal(b.count, 4);
    static const char unknown[] = "{\"error\":[\"EOrder:Unknown order\"]}";
    assert_int_equal(cb_kraken_order_parse_cancel(200, unknown, strlen(unknown), &b, &err),
                     CB_E_NOT_FOUND);
    assert_int_equal(err.cls, CB_VERR_NOT_FOUND);
    static const char armed[] = "{\"error\":[],\"result\":{\"currentTime\":\"2023-03-24T17:41:56Z\","
                                "\"triggerTime\":\"2023-03-24T17:42:56Z\"}}";
    assert_int_equal(cb_kraken_order_parse_cancel_after(200, armed, strlen(armed), &b, &err), 0);
    assert_int_equal(b.trigger_ms - b.current_ms, 60000);
    assert_int_equal(b.current_ms, 1679679716000LL);
    static const char off[] = "{\"error\":[],\"result\":{\"currentTime\":\"2023-03-24T17:41:56Z\","
                              "\"triggerTime\":\"0\"}}";
    assert_int_equal(cb_kraken_order_parse_cancel_after(200, off, strlen(off), &b, &err), 0);
    assert_int_equal(b.trigger_ms, 0);

    cb_order_amend_t a = {.ref = {.client_order_id = "cb-0001"}, .has_price = true,
                          .price = s_dec("27400")};
    static const char amended[] = "{\"error\":[],\"result\":{\"amend_id\":\"TVB4ER-X5QP3-ADURMW\"}}";
    assert_int_equal(cb_kraken_order_parse_amend(&a, 200, amended, strlen(amended), &out, &err), 0);
    s_assert_dec(out.price, "27400");
    assert_string_equal(out.client_order_id, "cb-0001");
}

static void
test_kraken_query(void **state)
{
    (void) state;
    cb_venue_error_t err;
    cb_order_query_t q;
    assert_int_equal(cb_kraken_order_parse_query(&s_list, "cb-0001", 200, k_kr_open,
                                                 strlen(k_kr_open), &q, &err), 0);
    assert_true(q.found);
    assert_string_equal(q.order.id, "OQCLML-BW3P3-BUCMWZ");
    assert_string_equal(q.order.symbol, "BTC-USD");
    assert_string_equal(q.order.side, "buy");
    assert_string_equal(q.order.type, "limit");
    assert_int_equal(q.order.status, CB_OSTATUS_PARTIALLY_FILLED);
    s_assert_dec(q.order.amount, "1.25");
    s_assert_dec(q.order.filled, "0.375");
    s_assert_dec(q.order.avg_price, "27500.1");
    s_assert_dec(q.order.fee, "16.50006");
    assert_string_equal(q.order.fee_asset, "USD");
    assert_int_equal(q.order.created_ms, 1688666559897LL);

    /* Not in this list: a definite "no such order" here, not an error. */
    assert_int_equal(cb_kraken_order_parse_query(&s_list, "cb-0002", 200, k_kr_open,
                                                 strlen(k_kr_open), &q, &err), 0);
    assert_false(q.found);
    static const char empty[] = "{\"error\":[],\"result\":{\"closed\":{},\"count\":0}}";
    assert_int_equal(cb_kraken_order_parse_query(&s_list, "cb-0001", 200, empty, strlen(empty), &q,
                                                 &err), 0);
    assert_false(q.found);
    /* A closed order, and errors that are not "no such order". */
    static const char closed[] =
        "{\"error\":[],\"result\":{\"closed\":{\"OB5VMB-B4U2U-DK2WRW\":{\"refid\":null,\"userref\":null,"
        "\"cl_ord_id\":\"cb-0009\",\"status\":\"canceled\",\"reason\":\"User requested\","
        "\"opentm\":1688665496.7808,\"closetm\":1688665499.1922,\"starttm\":0,\"expiretm\":0,"
        "\"descr\":{\"pair\":\"XBTUSD\",\"type\":\"sell\",\"ordertype\":\"stop-loss-limit\",\"price\":\"26000\","
        "\"price2\":\"25900\",\"leverage\":\"none\",\"order\":\"x\",\"close\":\"\"},\"vol\":\"0.5\","
        "\"vol_exec\":\"0\",\"cost\":\"0\",\"fee\":\"0\",\"price\":\"0\",\"stopprice\":\"26000\","
        "\"limitprice\":\"25900\",\"misc\":\"\",\"oflags\":\"fcib\"}},\"count\":1}}";
    assert_int_equal(cb_kraken_order_parse_query(&s_list, "cb-0009", 200, closed, strlen(closed), &q,
                                                 &err), 0);
    assert_true(q.found);
    assert_int_equal(q.order.status, CB_OSTATUS_CANCELED);
    assert_string_equal(q.order.type, "stop-loss");
    assert_string_equal(q.order.reason, "User requested");
    assert_string_equal(q.order.fee_asset, "BTC");
    assert_false(q.order.avg_price.set);
    assert_int_equal(q.order.closed_ms, 1688665499192LL);
    static const char busy[] = "{\"error\":[\"EService:Busy\"]}";
    assert_int_equal(cb_kraken_order_parse_query(&s_list, "cb-0001", 200, busy, strlen(busy), &q, &err),
                     CB_E_UNAVAILABLE);
    assert_int_equal(cb_kraken_order_parse_query(&s_list, "cb-0001", 200, k_kr_open, 40, &q, &err),
                     cb_verr_code(CB_VERR_BAD_REPLY));
    assert_false(q.found);
}

/* ---- Binance replies ----------------------------------------------------------- */

/* rest-api.md's FULL example, with a cost that matches its fills. */
static const char k_bn_full[] =
    "{\"symbol\":\"BTCUSDT\",\"orderId\":28,\"orderListId\":-1,\"clientOrderId\":\"6gCrw2kRUAF9CvJDGP16IP\","
    "\"transactTime\":1507725176595,\"price\":\"0.00000000\",\"origQty\":\"10.00000000\","
    "\"executedQty\":\"10.00000000\",\"origQuoteOrderQty\":\"0.000000\",\"cummulativeQuoteQty\":"
    "\"39983.00000000\",\"status\":\"FILLED\",\"timeInForce\":\"GTC\",\"type\":\"MARKET\",\"side\":\"SELL\","
    "\"workingTime\":1507725176595,\"selfTradePreventionMode\":\"NONE\",\"fills\":["
    "{\"price\":\"4000.00000000\",\"qty\":\"1.00000000\",\"commission\":\"4.00000000\",\"commissionAsset\":\"USDT\",\"tradeId\":56},"
    "{\"price\":\"3999.00000000\",\"qty\":\"5.00000000\",\"commission\":\"19.99500000\",\"commissionAsset\":\"USDT\",\"tradeId\":57},"
    "{\"price\":\"3998.00000000\",\"qty\":\"2.00000000\",\"commission\":\"7.99600000\",\"commissionAsset\":\"USDT\",\"tradeId\":58},"
    "{\"price\":\"3997.00000000\",\"qty\":\"1.00000000\",\"commission\":\"3.99700000\",\"commissionAsset\":\"USDT\",\"tradeId\":59},"
    "{\"price\":\"3995.00000000\",\"qty\":\"1.00000000\",\"commission\":\"3.99500000\",\"commissionAsset\":\"USDT\",\"tradeId\":60}]}";

static void
test_binance_replies(void **state)
{
    (void) state;
    cb_venue_error_t err;
    cb_vorder_t o;
    assert_int_equal(cb_binance_order_parse(&s_list, true, 200, k_bn_full, strlen(k_bn_full), &o, &err), 0);
    assert_string_equal(o.id, "28");
    assert_string_equal(o.client_order_id, "6gCrw2kRUAF9CvJDGP16IP");
    assert_string_equal(o.symbol, "BTC-USDT");
    assert_string_equal(o.side, "sell");
    assert_string_equal(o.type, "market");
    assert_int_equal(o.status, CB_OSTATUS_FILLED);
    assert_false(o.price.set);
    s_assert_dec(o.filled, "10");
    s_assert_dec(o.avg_price, "3998.3");
    s_assert_dec(o.fee, "39.983");
    assert_string_equal(o.fee_asset, "USDT");
    assert_int_equal(o.created_ms, 1507725176595LL);
    assert_int_equal(o.closed_ms, 1507725176595LL);

    static const char test_ok[] = "{}";
    assert_int_equal(cb_binance_order_parse(&s_list, false, 200, test_ok, 2, &o, &err), 0);
    assert_true(o.validated);

    /* A cancel reply: origClientOrderId is the order's own id. */
    static const char canceled[] =
        "{\"symbol\":\"BTCUSDT\",\"origClientOrderId\":\"cb-0001\",\"orderId\":4,\"orderListId\":-1,"
        "\"clientOrderId\":\"cancelMyOrder1\",\"transactTime\":1684804350068,\"price\":\"27500.10000000\","
        "\"origQty\":\"1.00000000\",\"executedQty\":\"0.00000000\",\"origQuoteOrderQty\":\"0.000000\","
        "\"cummulativeQuoteQty\":\"0.00000000\",\"status\":\"CANCELED\",\"timeInForce\":\"GTC\","
        "\"type\":\"LIMIT\",\"side\":\"BUY\",\"selfTradePreventionMode\":\"NONE\"}";
    assert_int_equal(cb_binance_order_parse(&s_list, true, 200, canceled, strlen(canceled), &o, &err), 0);
    assert_string_equal(o.client_order_id, "cb-0001");
    assert_int_equal(o.status, CB_OSTATUS_CANCELED);
    s_assert_dec(o.price, "27500.1");
    assert_false(o.avg_price.set);

    static const s_row_t rows[] = {
        {"{\"code\":-2010,\"msg\":\"Account has insufficient balance for requested action.\"}", 400,
         CB_VERR_INSUFFICIENT_FUNDS, CB_OREJECT_FUNDS},
        {"{\"code\":-2010,\"msg\":\"Duplicate order sent.\"}", 400, CB_VERR_REJECTED, CB_OREJECT_DUPLICATE},
        {"{\"code\":-2010,\"msg\":\"Order would immediately match and take.\"}", 400, CB_VERR_REJECTED,
         CB_OREJECT_POST_ONLY},
        {"{\"code\":-1013,\"msg\":\"Filter failure: PRICE_FILTER\"}", 400, CB_VERR_REJECTED, CB_OREJECT_PRICE},
        {"{\"code\":-1013,\"msg\":\"Filter failure: LOT_SIZE\"}", 400, CB_VERR_REJECTED, CB_OREJECT_AMOUNT},
        {"{\"code\":-1013,\"msg\":\"Filter failure: NOTIONAL\"}", 400, CB_VERR_REJECTED, CB_OREJECT_NOTIONAL},
        {"{\"code\":-1102,\"msg\":\"Mandatory parameter 'price' was not sent.\"}", 400, CB_VERR_REJECTED,
         CB_OREJECT_INVALID},
        {"{\"code\":-1007,\"msg\":\"Timeout waiting for response from backend server.\"}", 400,
         CB_VERR_UNKNOWN_OUTCOME, CB_OREJECT_OTHER},
        {"{\"code\":-1001,\"msg\":\"Internal error\"}", 503, CB_VERR_UNKNOWN_OUTCOME, CB_OREJECT_OTHER},
        {"", 502, CB_VERR_UNKNOWN_OUTCOME, CB_OREJECT_OTHER},
        {"{\"symbol\":\"BTCUSDT\",\"orderId\":28,\"orderListId\":-1,\"clien", 200, CB_VERR_UNKNOWN_OUTCOME,
         CB_OREJECT_OTHER},
        {"{\"code\":-2010,\"msg\":\"Dupl", 400, CB_VERR_UNKNOWN_OUTCOME, CB_OREJECT_OTHER},
        {"{\"symbol\":\"BTCUSDT\",\"status\":\"FILLED\"}", 200, CB_VERR_UNKNOWN_OUTCOME, CB_OREJECT_OTHER},
        {"[]", 200, CB_VERR_UNKNOWN_OUTCOME, CB_OREJECT_OTHER},
    };
    s_expect_rows(false, rows, sizeof rows / sizeof rows[0]);
}

static void
test_binance_query_amend_cancel_all(void **state)
{
    (void) state;
    cb_venue_error_t err;
    cb_order_query_t q;
    static const char got[] =
        "{\"symbol\":\"BTCUSDT\",\"orderId\":1,\"orderListId\":-1,\"clientOrderId\":\"cb-0001\","
        "\"price\":\"0.1\",\"origQty\":\"1.0\",\"executedQty\":\"0.4\",\"cummulativeQuoteQty\":\"0.04\","
        "\"status\":\"PARTIALLY_FILLED\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\","
        "\"stopPrice\":\"0.0\",\"icebergQty\":\"0.0\",\"time\":1499827319559,\"updateTime\":1499827319600,"
        "\"isWorking\":true,\"workingTime\":1499827319559,\"origQuoteOrderQty\":\"0.000000\","
        "\"selfTradePreventionMode\":\"NONE\"}";
    assert_int_equal(cb_binance_order_parse_query(&s_list, 200, got, strlen(got), &q, &err), 0);
    assert_true(q.found);
    assert_int_equal(q.order.status, CB_OSTATUS_PARTIALLY_FILLED);
    s_assert_dec(q.order.avg_price, "0.1");
    assert_int_equal(q.order.created_ms, 1499827319559LL);
    assert_int_equal(q.order.updated_ms, 1499827319600LL);
    assert_int_equal(q.order.closed_ms, 0);
    static const char none[] = "{\"code\":-2013,\"msg\":\"Order does not exist.\"}";
    assert_int_equal(cb_binance_order_parse_query(&s_list, 400, none, strlen(none), &q, &err), 0);
    assert_false(q.found);
    /* Archived, 5xx, cut: errors, never "no such order". */
    static const char archived[] = "{\"code\":-2026,\"msg\":\"Order was canceled or expired with no "
                                   "executed qty over 90 days ago and has been archived.\"}";
    assert_int_equal(cb_binance_order_parse_query(&s_list, 400, archived, strlen(archived), &q, &err),
                     CB_E_NOT_FOUND);
    assert_int_equal(cb_binance_order_parse_query(&s_list, 503, "", 0, &q, &err), CB_E_UNAVAILABLE);
    assert_int_equal(cb_binance_order_parse_query(&s_list, 200, got, 50, &q, &err),
                     cb_verr_code(CB_VERR_BAD_REPLY));
    assert_false(q.found);

    cb_vorder_t o;
    static const char replaced[] =
        "{\"cancelResult\":\"SUCCESS\",\"newOrderResult\":\"SUCCESS\",\"cancelResponse\":{"
        "\"symbol\":\"BTCUSDT\",\"origClientOrderId\":\"cb-0001\",\"orderId\":9,\"orderListId\":-1,"
        "\"clientOrderId\":\"x1\",\"transactTime\":1669277163808,\"price\":\"27500.10000000\","
        "\"origQty\":\"1.00000000\",\"executedQty\":\"0.00000000\",\"cummulativeQuoteQty\":\"0.00000000\","
        "\"status\":\"CANCELED\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\"},"
        "\"newOrderResponse\":{\"symbol\":\"BTCUSDT\",\"orderId\":10,\"orderListId\":-1,"
        "\"clientOrderId\":\"cb-0001-1\",\"transactTime\":1669277163809,\"price\":\"27400.00000000\","
        "\"origQty\":\"1.00000000\",\"executedQty\":\"0.00000000\",\"cummulativeQuoteQty\":\"0.00000000\","
        "\"status\":\"NEW\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\",\"fills\":[]}}";
    assert_int_equal(cb_binance_order_parse_amend(&s_list, 200, replaced, strlen(replaced), &o, &err), 0);
    assert_string_equal(o.id, "10");
    assert_string_equal(o.replaced_id, "9");
    assert_int_equal(o.status, CB_OSTATUS_OPEN);
    s_assert_dec(o.price, "27400");
    static const char cancel_failed[] =
        "{\"code\":-2022,\"msg\":\"Order cancel-replace failed.\",\"data\":{\"cancelResult\":\"FAILURE\","
        "\"newOrderResult\":\"NOT_ATTEMPTED\",\"cancelResponse\":{\"code\":-2011,\"msg\":\"Unknown order "
        "sent.\"},\"newOrderResponse\":null}}";
    assert_int_equal(cb_binance_order_parse_amend(&s_list, 400, cancel_failed, strlen(cancel_failed), &o,
                                                  &err), CB_E_NOT_FOUND);
    static const char partial[] =
        "{\"code\":-2021,\"msg\":\"Order cancel-replace partially failed.\",\"data\":{\"cancelResult\":"
        "\"SUCCESS\",\"newOrderResult\":\"FAILURE\",\"cancelResponse\":{\"symbol\":\"BTCUSDT\"},"
        "\"newOrderResponse\":{\"code\":-2010,\"msg\":\"Order would immediately match and take.\"}}}";
    assert_int_equal(cb_binance_order_parse_amend(&s_list, 409, partial, strlen(partial), &o, &err),
                     cb_verr_code(CB_VERR_REJECTED));
    assert_non_null(strstr(err.message, "old order cancelled"));
    assert_int_equal(cb_binance_order_parse_amend(&s_list, 500, "", 0, &o, &err),
                     cb_verr_code(CB_VERR_UNKNOWN_OUTCOME));

    cb_order_batch_t b;
    static const char all[] = "[{\"symbol\":\"BTCUSDT\",\"orderId\":1,\"status\":\"CANCELED\"},"
                              "{\"symbol\":\"BTCUSDT\",\"orderId\":2,\"status\":\"CANCELED\"}]";
    assert_int_equal(cb_binance_order_parse_cancel_all(200, all, strlen(all), &b, &err), 0);
    assert_int_equal(b.count, 2);
    assert_int_equal(cb_binance_order_parse_cancel_all(200, "{}", 2, &b, &err),
                     cb_verr_code(CB_VERR_UNKNOWN_OUTCOME));
}

/* Every prefix of each documented reply: an answer or a classified error,
 * never a crash, and never a refusal for a state-changing call. */
static void
test_cut_replies(void **state)
{
    (void) state;
    cb_venue_error_t err;
    cb_vorder_t o;
    cb_order_query_t q;
    cb_order_req_t req = s_limit("BTC-USD");
    for (size_t n = 0; n + 1 < sizeof k_bn_full; n++) {
        int rc = cb_binance_order_parse(&s_list, true, 200, k_bn_full, n, &o, &err);
        assert_int_equal(rc, cb_verr_code(CB_VERR_UNKNOWN_OUTCOME));
        rc = cb_binance_order_parse_query(&s_list, 200, k_bn_full, n, &q, &err);
        assert_true(rc != 0 && !q.found);
    }
    for (size_t n = 0; n + 1 < sizeof k_kr_open; n++) {
        int rc = cb_kraken_order_parse_place(&req, 200, k_kr_open, n, &o, &err);
        assert_int_equal(rc, cb_verr_code(CB_VERR_UNKNOWN_OUTCOME));
        rc = cb_kraken_order_parse_query(&s_list, "cb-0001", 200, k_kr_open, n, &q, &err);
        assert_true(rc != 0 && !q.found);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kraken_requests),
        cmocka_unit_test(test_binance_requests),
        cmocka_unit_test(test_kraken_replies),
        cmocka_unit_test(test_kraken_query),
        cmocka_unit_test(test_binance_replies),
        cmocka_unit_test(test_binance_query_amend_cancel_all),
        cmocka_unit_test(test_cut_replies),
    };
    return cmocka_run_group_tests_name("venue_orders", tests, s_setup, s_teardown);
}
