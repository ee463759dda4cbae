/* test_edge_ws_msg.c - api-edge's /ws messages without a network: client messages parsed strictly, server messages byte for byte */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cbh_edgews.h"
#include "edge_ws_msg.h"
#include "edge_ws_render.h"

static cb_jdoc_t s_doc;

/* Parses text, expecting rc; on a refusal, expecting the error word. */
static void
s_parse(const char *text, int rc, const char *error, edge_ws_req_t *req)
{
    edge_ws_err_t err = {0};
    assert_int_equal(edge_ws_msg_parse(&s_doc, text, strlen(text), req, &err), rc);
    if (rc != 0) {
        assert_string_equal(err.error, error);
        assert_true(strlen(err.detail) > 0);
    }
}

static void
test_parse_accepts(void **state)
{
    (void) state;
    edge_ws_req_t req = {0};
    s_parse("{\"type\":\"subscribe\",\"symbol\":\"btc\"}", 0, NULL, &req);
    assert_int_equal(req.op, EDGE_WS_OP_SUBSCRIBE);
    assert_string_equal(req.symbol, "BTC-USD");
    assert_int_equal(req.channel, EDGE_WS_CH_TICKER);
    assert_string_equal(req.venue, "");
    s_parse(
        " {\"symbol\":\"eth\",\"quote\":\"usdt\",\"type\":\"unsubscribe\",\"channel\":\"candles\","
        "\"timeframe\":\"4h\",\"venue\":\"sim-binance\"} ",
        0, NULL, &req);
    assert_int_equal(req.op, EDGE_WS_OP_UNSUBSCRIBE);
    assert_string_equal(req.symbol, "ETH-USDT");
    assert_int_equal(req.channel, EDGE_WS_CH_CANDLES);
    assert_string_equal(edge_ws_tf_name(req.timeframe), "4h");
    assert_string_equal(req.venue, "sim-binance");
    s_parse("{\"type\":\"subscribe\",\"symbol\":\"BTC-USD\",\"quote\":\"usd\",\"venue\":null}", 0,
            NULL, &req);
    assert_string_equal(req.venue, "");
    /* A ping's id comes back as it was written, whatever it is. */
    s_parse("{\"type\":\"ping\",\"id\":{ \"a\" : [1.50, \"x\\u00e9\", null] }}", 0, NULL, &req);
    assert_int_equal(req.op, EDGE_WS_OP_PING);
    assert_string_equal(req.id_json.data, "{ \"a\" : [1.50, \"x\\u00e9\", null] }");
    s_parse("{\"type\":\"ping\",\"id\":\"a\\\"b\"}", 0, NULL, &req);
    assert_string_equal(req.id_json.data, "\"a\\\"b\"");
    s_parse("{\"type\":\"ping\"}", 0, NULL, &req);
    assert_int_equal(req.id_json.len, 0);
    s_parse("{\"type\":\"get_subscriptions\"}", 0, NULL, &req);
    assert_int_equal(req.op, EDGE_WS_OP_GET_SUBSCRIPTIONS);
    cb_buf_fini(&req.id_json);
}

static void
test_parse_refuses(void **state)
{
    (void) state;
    edge_ws_req_t req = {0};
    s_parse("", CB_E_PARSE, "bad_json", &req);
    s_parse("{\"type\":\"ping\"", CB_E_PARSE, "bad_json", &req);
    s_parse("\"ping\"", CB_E_BAD_REQUEST, "bad_request", &req);
    s_parse("{\"type\":1}", CB_E_BAD_REQUEST, "bad_request", &req);
    s_parse("{\"type\":\"Subscribe\",\"symbol\":\"BTC\"}", CB_E_BAD_REQUEST, "unknown_type", &req);
    s_parse("{\"type\":\"ping\",\"symbol\":\"BTC\"}", CB_E_BAD_REQUEST, "bad_request", &req);
    s_parse("{\"type\":\"ping\",\"type\":\"ping\"}", CB_E_BAD_REQUEST, "bad_request", &req);
    s_parse("{\"type\":\"subscribe\",\"symbol\":7}", CB_E_BAD_REQUEST, "invalid_symbol", &req);
    s_parse("{\"type\":\"subscribe\",\"symbol\":\"BTC-\"}", CB_E_BAD_REQUEST, "invalid_symbol",
            &req);
    s_parse("{\"type\":\"subscribe\",\"symbol\":\"ABCDEFGHIJKLMNOPQ\"}", CB_E_BAD_REQUEST,
            "invalid_symbol", &req);
    s_parse("{\"type\":\"subscribe\",\"symbol\":\"BTC-EUR\",\"quote\":\"USD\"}", CB_E_BAD_REQUEST,
            "invalid_symbol", &req);
    s_parse("{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"channel\":\"Ticker\"}", CB_E_BAD_REQUEST,
            "unknown_channel", &req);
    s_parse(
        "{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"channel\":\"candles\",\"timeframe\":\"1M\"}",
        CB_E_BAD_REQUEST, "unknown_timeframe", &req);
    s_parse("{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"timeframe\":\"1m\"}", CB_E_BAD_REQUEST,
            "unknown_timeframe", &req);
    s_parse("{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"venue\":\"Sim Kraken\"}",
            CB_E_BAD_REQUEST, "invalid_venue", &req);
    cb_buf_fini(&req.id_json);
}

static void
test_render(void **state)
{
    (void) state;
    cb_buf_t out;
    cb_buf_init(&out);
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CB_KIND_tick;
    ev.env.ts = 1795392000123000000LL;
    ev.env.seq = 42;
    cb_tick_t *t = &ev.body.tick;
    CB_PROTO_SET(t, tick, venue, cb_str_from("sim-binance"));
    CB_PROTO_SET(t, tick, bid, cbh_edgews_dec("50000.10"));
    CB_PROTO_SET(t, tick, ask, cbh_edgews_dec("50000.25"));
    CB_PROTO_SET(t, tick, ask_qty, cbh_edgews_dec("1e-8"));
    assert_int_equal(edge_ws_render_tick(&out, "BTC-USD", &ev), 0);
    assert_string_equal(
        out.data, "{\"type\":\"price_update\",\"symbol\":\"BTC-USD\",\"venue\":\"sim-binance\","
                  "\"price\":50000.175,\"bid\":50000.1,\"ask\":50000.25,\"ask_qty\":0.00000001,"
                  "\"timestamp\":\"2026-11-23T00:00:00.123Z\",\"seq\":42}");

    cb_level_t bids[2] = {{cbh_edgews_dec("99.5"), cbh_edgews_dec("0")},
                          {cbh_edgews_dec("99.25"), cbh_edgews_dec("3.000")}};
    cb_levels_t b = {bids, 2}, a = {NULL, 0};
    cb_buf_reset(&out);
    assert_int_equal(edge_ws_render_book(&out, "ETH-USD", "sim-kraken", false, &b, &a, true, 7,
                                         1795392000000000000LL),
                     0);
    assert_string_equal(out.data,
                        "{\"type\":\"book_update\",\"symbol\":\"ETH-USD\",\"venue\":\"sim-kraken\","
                        "\"snapshot\":false,\"bids\":[[99.5,0],[99.25,3]],\"asks\":[],"
                        "\"resyncing\":true,\"seq\":7,\"timestamp\":\"2026-11-23T00:00:00.000Z\"}");

    cb_buf_reset(&out);
    assert_int_equal(edge_ws_render_subs_open(&out), 0);
    assert_int_equal(edge_ws_render_sub_item(&out, true, EDGE_WS_CH_BOOK, "BTC-USD", "", 0), 0);
    assert_int_equal(edge_ws_render_sub_item(&out, false, EDGE_WS_CH_CANDLES, "BTC-USD", "x", 4),
                     0);
    assert_int_equal(edge_ws_render_close_list(&out), 0);
    assert_string_equal(out.data, "{\"type\":\"subscriptions\",\"subscriptions\":["
                                  "{\"channel\":\"book\",\"symbol\":\"BTC-USD\",\"venue\":null},"
                                  "{\"channel\":\"candles\",\"symbol\":\"BTC-USD\",\"venue\":\"x\","
                                  "\"timeframe\":\"1h\"}]}");

    /* A detail that is not UTF-8 is left empty rather than break the JSON. */
    cb_buf_reset(&out);
    assert_int_equal(edge_ws_render_error(&out, "bad_request", "\xff"), 0);
    assert_string_equal(out.data, "{\"type\":\"error\",\"error\":\"bad_request\",\"detail\":\"\"}");
    cb_buf_fini(&out);
}

/* auth, the "op" synonym and the orders channel. */
static void
test_orders_messages(void **state)
{
    (void) state;
    edge_ws_req_t req = {0};
    static const char key[] = "cbk_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    char text[200], hex[CB_APIKEY_HASH_LEN + 1];
    snprintf(text, sizeof text, "{\"op\":\"auth\",\"key\":\"%s\"}", key);
    s_parse(text, 0, NULL, &req);
    assert_int_equal(req.op, EDGE_WS_OP_AUTH);
    cb_apikey_hash(key, strlen(key), hex);
    assert_string_equal(req.key_hash, hex);
    s_parse("{\"op\":\"subscribe\",\"channel\":\"orders\"}", 0, NULL, &req);
    assert_int_equal(req.channel, EDGE_WS_CH_ORDERS);
    assert_string_equal(req.symbol, "");
    assert_string_equal(req.venue, "");
    s_parse("{\"type\":\"subscribe\",\"channel\":\"orders\",\"symbol\":\"eth\",\"venue\":\"sim-kraken\"}",
            0, NULL, &req);
    assert_string_equal(req.symbol, "ETH-USD");
    assert_string_equal(req.venue, "sim-kraken");
    s_parse("{\"type\":\"subscribe\",\"channel\":\"orders\",\"symbol\":null}", 0, NULL, &req);
    assert_string_equal(req.symbol, "");

    /* Refusals never name the key. */
    edge_ws_err_t err = {0};
    static const char *const bad[] = {
        "{\"type\":\"auth\",\"key\":\"cbk_0011secret\"}",
        "{\"type\":\"auth\",\"key\":\"CBK_00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\"}",
        "{\"type\":\"auth\",\"key\":7}",
        "{\"type\":\"auth\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(edge_ws_msg_parse(&s_doc, bad[i], strlen(bad[i]), &req, &err), CB_E_BAD_REQUEST);
        assert_string_equal(err.error, "invalid_key");
        assert_null(strstr(err.detail, "secret"));
        assert_null(strstr(err.detail, "AABB"));
    }
    s_parse("{\"type\":\"auth\",\"key\":\"x\",\"secret\":1}", CB_E_BAD_REQUEST, "bad_request", &req);
    s_parse("{\"type\":\"ping\",\"op\":\"ping\"}", CB_E_BAD_REQUEST, "bad_request", &req);
    const char *misplaced = "{\"type\":\"cbk_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}";
    assert_int_equal(edge_ws_msg_parse(&s_doc, misplaced, strlen(misplaced), &req, &err), CB_E_BAD_REQUEST);
    assert_string_equal(err.error, "unknown_type");
    assert_null(strstr(err.detail, "0011"));
    s_parse("{\"op\":\"subscribe\",\"channel\":\"orders\",\"quote\":\"USD\"}", CB_E_BAD_REQUEST,
            "invalid_symbol", &req);
    s_parse("{\"op\":\"subscribe\",\"channel\":\"ticker\"}", CB_E_BAD_REQUEST, "invalid_symbol", &req);
    s_parse("{\"op\":\"subscribe\",\"channel\":\"orders\",\"timeframe\":\"1m\"}", CB_E_BAD_REQUEST,
            "unknown_timeframe", &req);
    cb_buf_fini(&req.id_json);

    /* An order event, exact and complete. */
    cb_buf_t out;
    cb_buf_init(&out);
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CB_KIND_order;
    ev.env.ts = 1795392000123000000LL;
    ev.env.seq = 9;
    cb_order_t *o = &ev.body.order;
    CB_PROTO_SET(o, order, symbol, cb_str_from("BTC-USDT"));
    CB_PROTO_SET(o, order, venue, cb_str_from("sim-binance"));
    CB_PROTO_SET(o, order, order_id, cb_str_from("123"));
    CB_PROTO_SET(o, order, client_order_id, cb_str_from("c1"));
    CB_PROTO_SET(o, order, side, cb_str_from("sell"));
    CB_PROTO_SET(o, order, type, cb_str_from("limit"));
    CB_PROTO_SET(o, order, status, cb_str_from("partially_filled"));
    CB_PROTO_SET(o, order, amount, cbh_edgews_dec("0.010"));
    CB_PROTO_SET(o, order, filled, cbh_edgews_dec("0.004"));
    CB_PROTO_SET(o, order, price, cbh_edgews_dec("98765.432109876543210987"));
    CB_PROTO_SET(o, order, event, cb_str_from("updated"));
    CB_PROTO_SET(o, order, created_ms, 1795392000000LL);
    CB_PROTO_SET(o, order, updated_ms, -5LL); /* out of range: left out */
    assert_int_equal(edge_ws_render_order(&out, &ev), 0);
    assert_string_equal(out.data,
                        "{\"type\":\"order\",\"event\":\"updated\",\"id\":\"c1\",\"client_order_id\":\"c1\","
                        "\"order_id\":\"123\",\"venue\":\"sim-binance\",\"symbol\":\"BTC-USDT\",\"side\":\"sell\","
                        "\"order_type\":\"limit\",\"status\":\"partially_filled\",\"amount\":0.01,"
                        "\"filled\":0.004,\"price\":98765.432109876543210987,"
                        "\"created\":\"2026-11-23T00:00:00.000Z\",\"timestamp\":\"2026-11-23T00:00:00.123Z\","
                        "\"seq\":9}");
    cb_buf_reset(&out);
    assert_int_equal(edge_ws_render_authenticated(&out, "5f0c2a9e1b7d4c83", "read", 5000), 0);
    assert_string_equal(out.data, "{\"type\":\"authenticated\",\"key_id\":\"5f0c2a9e1b7d4c83\","
                                  "\"scope\":\"read\",\"recheck_ms\":5000}");
    cb_buf_reset(&out);
    assert_int_equal(edge_ws_render_sub(&out, "subscribed", EDGE_WS_CH_ORDERS, "", "", 0), 0);
    assert_string_equal(out.data, "{\"type\":\"subscribed\",\"channel\":\"orders\",\"symbol\":null,"
                                  "\"venue\":null}");
    cb_buf_fini(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_orders_messages),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cb_jdoc_fini(&s_doc);
    return rc;
}
