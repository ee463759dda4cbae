/* test_account_parse.c - Kraken and Binance private replies into the account shape: exact decimals, unified symbols, errors, cursors */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cb_account.h"
#include "cb_error.h"

static void
s_instruments(cb_instruments_t *list)
{
    cb_instrument_t k = {.symbol = "BTC-USD", .base = "BTC", .quote = "USD", .native = "XXBTZUSD",
                         .altname = "XBTUSD", .ws_name = "BTC/USD"};
    cb_instrument_t b = {.symbol = "BTC-USDT", .base = "BTC", .quote = "USDT", .native = "BTCUSDT",
                         .altname = "BTCUSDT", .ws_name = "btcusdt"};
    assert_int_equal(cb_instruments_add(list, &k), 0);
    assert_int_equal(cb_instruments_add(list, &b), 0);
}

static void
test_kraken_balance_ex(void **state)
{
    (void) state;
    const char *body = "{\"error\":[],\"result\":{\"XXBT\":{\"balance\":\"2.0000000000\","
                       "\"hold_trade\":\"0.2500000000\"},\"ZUSD\":{\"balance\":\"100000.0000\","
                       "\"hold_trade\":\"0.0000\"}}}";
    cb_acct_vec_t v = {0};
    cb_venue_error_t err;
    assert_int_equal(cb_kraken_acct_balances(body, strlen(body), 200, &v, &err), 0);
    assert_int_equal(v.count, 2);
    cb_acct_balance_t *b = v.items;
    assert_string_equal(b[0].asset, "BTC");
    assert_string_equal(b[0].total.text, "2.0000000000");
    assert_string_equal(b[0].hold.text, "0.2500000000");
    assert_string_equal(b[0].available.text, "1.7500000000");
    assert_string_equal(b[1].asset, "USD");
    assert_string_equal(b[1].available.text, "100000.0000");
    cb_acct_vec_fini(&v);
    const char *bad = "{\"error\":[\"EAPI:Invalid key\"]}";
    assert_int_equal(cb_kraken_acct_balances(bad, strlen(bad), 200, &v, &err), CB_E_UNAUTHORIZED);
    assert_string_equal(err.venue_code, "EAPI:Invalid key");
    const char *shape = "{\"error\":[],\"result\":{\"XXBT\":{\"balance\":1e}}}";
    assert_int_equal(cb_kraken_acct_balances(shape, strlen(shape), 200, &v, &err), CB_E_PARSE);
    assert_int_equal(err.cls, CB_VERR_BAD_REPLY);
    cb_acct_vec_fini(&v);
}

static void
test_kraken_orders_trades(void **state)
{
    (void) state;
    cb_instruments_t ins = {0};
    s_instruments(&ins);
    const char *body =
        "{\"error\":[],\"result\":{\"closed\":{\"OABC12-DEF34-GHI567\":{\"refid\":null,\"userref\":null,"
        "\"cl_ord_id\":\"my-1\",\"status\":\"closed\",\"opentm\":1700000000.123456,\"starttm\":0,"
        "\"expiretm\":0,\"descr\":{\"pair\":\"XBTUSD\",\"type\":\"buy\",\"ordertype\":\"limit\","
        "\"price\":\"50000.1\",\"price2\":\"0\",\"leverage\":\"none\",\"order\":\"x\",\"close\":\"\"},"
        "\"vol\":\"0.50000000\",\"vol_exec\":\"0.50000000\",\"cost\":\"25000.05\",\"fee\":\"40.00008\","
        "\"price\":\"50000.1\",\"stopprice\":\"0\",\"limitprice\":\"0\",\"misc\":\"\",\"oflags\":\"fciq\","
        "\"closetm\":1700000001.5,\"reason\":null}},\"count\":7}}";
    cb_acct_vec_t v = {0};
    cb_venue_error_t err;
    int64_t count = 0;
    assert_int_equal(cb_kraken_acct_orders(body, strlen(body), 200, &ins, &v, &count, &err), 0);
    assert_int_equal(count, 7);
    assert_int_equal(v.count, 1);
    cb_acct_order_t *o = v.items;
    assert_string_equal(o->id, "OABC12-DEF34-GHI567");
    assert_string_equal(o->client_order_id, "my-1");
    assert_string_equal(o->symbol, "BTC-USD");
    assert_string_equal(o->side, "buy");
    assert_string_equal(o->type, "limit");
    assert_string_equal(o->status, "filled");
    assert_string_equal(o->price.text, "50000.1");
    assert_string_equal(o->amount.text, "0.50000000");
    assert_string_equal(o->avg_price.text, "50000.1");
    assert_string_equal(o->fee.text, "40.00008");
    assert_string_equal(o->fee_asset, "USD");
    assert_int_equal(o->created_ms, 1700000000123LL);
    assert_int_equal(o->closed_ms, 1700000001500LL);
    cb_acct_vec_fini(&v);

    const char *tb = "{\"error\":[],\"result\":{\"trades\":{\"TX1-A-B\":{\"ordertxid\":\"OABC12-DEF34-GHI567\","
                     "\"pair\":\"XXBTZUSD\",\"time\":1700000001.000001,\"type\":\"sell\",\"ordertype\":\"limit\","
                     "\"price\":\"50000.10000\",\"cost\":\"25000.05000\",\"fee\":\"40.00008\","
                     "\"vol\":\"0.50000000\",\"margin\":\"0\",\"misc\":\"\",\"trade_id\":42,\"maker\":true}},"
                     "\"count\":1}}";
    assert_int_equal(cb_kraken_acct_trades(tb, strlen(tb), 200, &ins, &v, &count, &err), 0);
    cb_acct_trade_t *t = v.items;
    assert_string_equal(t->id, "TX1-A-B");
    assert_string_equal(t->symbol, "BTC-USD");
    assert_string_equal(t->side, "sell");
    assert_string_equal(t->price.text, "50000.10000");
    assert_string_equal(t->cost.text, "25000.05000");
    assert_true(t->maker);
    assert_int_equal(t->seq, 42);
    assert_int_equal(t->time_ms, 1700000001000LL);
    cb_acct_vec_fini(&v);

    const char *tok = "{\"error\":[],\"result\":{\"token\":\"abc/DEF+1\",\"expires\":900}}";
    char token[128];
    int64_t exp = 0;
    assert_int_equal(cb_kraken_acct_ws_token(tok, strlen(tok), 200, token, sizeof token, &exp, &err), 0);
    assert_string_equal(token, "abc/DEF+1");
    assert_int_equal(exp, 900);

    const char *tbal = "{\"error\":[],\"result\":{\"eb\":\"1.0000\",\"tb\":\"2.0000\",\"m\":\"0.0000\","
                       "\"uv\":\"0\",\"n\":\"0.0000\",\"c\":\"0.0000\",\"v\":\"0.0000\",\"e\":\"3.0000\","
                       "\"mf\":\"4.0000\"}}";
    cb_acct_trade_balance_t bal;
    memset(&bal, 0, sizeof bal);
    assert_int_equal(cb_kraken_acct_trade_balance(tbal, strlen(tbal), 200, &bal, &err), 0);
    assert_string_equal(bal.equity.text, "3.0000");
    assert_string_equal(bal.free_margin.text, "4.0000");
    assert_false(bal.margin_level.set);
    cb_instruments_fini(&ins);
}

static void
test_binance(void **state)
{
    (void) state;
    cb_instruments_t ins = {0};
    s_instruments(&ins);
    const char *acct = "{\"makerCommission\":10,\"canTrade\":true,\"balances\":[{\"asset\":\"BTC\","
                       "\"free\":\"1.50000000\",\"locked\":\"0.50000000\"},{\"asset\":\"USDT\","
                       "\"free\":\"100.10000000\",\"locked\":\"0.00000000\"}]}";
    cb_acct_vec_t v = {0};
    cb_venue_error_t err;
    bool can_trade = false;
    assert_int_equal(cb_binance_acct_balances(acct, strlen(acct), 200, &v, &can_trade, &err), 0);
    assert_true(can_trade);
    cb_acct_balance_t *b = v.items;
    assert_string_equal(b[0].total.text, "2.00000000");
    assert_string_equal(b[1].asset, "USDT");
    cb_acct_vec_fini(&v);
    const char *err_body = "{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or permissions for action.\"}";
    assert_int_equal(cb_binance_acct_balances(err_body, strlen(err_body), 401, &v, NULL, &err),
                     CB_E_UNAUTHORIZED);
    assert_non_null(strstr(err.message, "Invalid API-key"));

    const char *orders = "[{\"symbol\":\"BTCUSDT\",\"orderId\":12,\"orderListId\":-1,\"clientOrderId\":\"c1\","
                         "\"price\":\"50000.00000000\",\"origQty\":\"0.30000000\",\"executedQty\":\"0.20000000\","
                         "\"cummulativeQuoteQty\":\"10000.00000000\",\"status\":\"PARTIALLY_FILLED\","
                         "\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"SELL\",\"stopPrice\":\"0.00000000\","
                         "\"time\":1700000000000,\"updateTime\":1700000000500}]";
    assert_int_equal(cb_binance_acct_orders(orders, strlen(orders), 200, &ins, &v, &err), 0);
    cb_acct_order_t *o = v.items;
    assert_string_equal(o->id, "12");
    assert_string_equal(o->symbol, "BTC-USDT");
    assert_string_equal(o->status, "partially_filled");
    assert_string_equal(o->side, "sell");
    assert_string_equal(o->price.text, "50000.00000000");
    assert_string_equal(o->avg_price.text, "50000.00000000");
    assert_int_equal(o->closed_ms, 0);
    cb_acct_vec_fini(&v);

    const char *trades = "[{\"symbol\":\"BTCUSDT\",\"id\":7,\"orderId\":12,\"orderListId\":-1,"
                         "\"price\":\"50000.00000000\",\"qty\":\"0.20000000\",\"quoteQty\":\"10000.00000000\","
                         "\"commission\":\"10.00000000\",\"commissionAsset\":\"USDT\",\"time\":1700000000400,"
                         "\"isBuyer\":false,\"isMaker\":true,\"isBestMatch\":true}]";
    assert_int_equal(cb_binance_acct_trades(trades, strlen(trades), 200, &ins, &v, &err), 0);
    cb_acct_trade_t *t = v.items;
    assert_string_equal(t->id, "7");
    assert_string_equal(t->order_id, "12");
    assert_string_equal(t->side, "sell");
    assert_string_equal(t->fee_asset, "USDT");
    assert_string_equal(t->cost.text, "10000.00000000");
    cb_acct_vec_fini(&v);
    assert_int_equal(cb_binance_acct_trades("{", 1, 200, &ins, &v, &err), CB_E_PARSE);
    cb_acct_vec_fini(&v);
    cb_instruments_fini(&ins);
}

static void
test_cursor(void **state)
{
    (void) state;
    cb_acct_cursor_t c = {.kind = 't', .end_ms = 1700000000000LL, .ofs = 50, .npos = 2};
    strcpy(c.pos[0].symbol, "BTCUSDT");
    c.pos[0].end_ms = 17;
    c.pos[0].seq = 99;
    strcpy(c.pos[1].symbol, "ETHUSDT");
    c.pos[1].done = true;
    char text[CB_ACCT_CURSOR_MAX];
    assert_int_equal(cb_acct_cursor_encode(&c, text, sizeof text), 0);
    cb_acct_cursor_t d;
    assert_int_equal(cb_acct_cursor_decode(text, strlen(text), 't', &d), 0);
    assert_int_equal(d.ofs, 50);
    assert_int_equal(d.npos, 2);
    assert_string_equal(d.pos[0].symbol, "BTCUSDT");
    assert_int_equal(d.pos[0].seq, 99);
    assert_true(d.pos[1].done);
    assert_int_equal(cb_acct_cursor_decode(text, strlen(text), 'o', &d), CB_E_BAD_REQUEST);
    assert_int_equal(cb_acct_cursor_decode("!!", 2, 't', &d), CB_E_BAD_REQUEST);
    assert_int_equal(cb_acct_cursor_decode("dj", 2, 't', &d), CB_E_BAD_REQUEST);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kraken_balance_ex),
        cmocka_unit_test(test_kraken_orders_trades),
        cmocka_unit_test(test_binance),
        cmocka_unit_test(test_cursor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
