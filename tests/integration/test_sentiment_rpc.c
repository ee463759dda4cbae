/* test_sentiment_rpc.c - the sentiment binary over the real bus: analyze, analyze_batch, symbol_sentiment, limits, events */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_buf.h"
#include "cb_error.h"
#include "cb_json.h"
#include "cb_rpc.h"
#include "cb_sub.h"
#include "cbh_bus.h"
#include "cbh_rpc.h"

static cbh_bus_t s_bus;
static cbh_proc_t *s_service;
static cb_rpc_client_t *s_client;

static int
s_setup(void **state)
{
    (void) state;
    if (cbh_bus_start(&s_bus) != 0) {
        return -1;
    }
    char bin[512];
    snprintf(bin, sizeof bin, "%s/sentiment", cbh_bin_dir());
    char *argv[] = {bin, NULL};
    char *env[] = {"COINBUS_SENTIMENT_DATA=services/sentiment/data", NULL};
    cbh_bus_export(&s_bus);
    s_service = cbh_proc_start("sentiment", argv, env);
    s_client = cb_rpc_client_new(s_bus.config.frontend[CB_RPC_SENTIMENT]);
    if (s_service == NULL || s_client == NULL) {
        return -1;
    }
    /* Ready once it answers ping. */
    for (int i = 0; i < 100; i++) {
        cb_rpc_result_t res;
        if (cb_rpc_call(s_client, "ping", NULL, 0, 200, 0, &res) == 0 && res.ok) {
            return 0;
        }
    }
    fprintf(stderr, "sentiment did not answer ping; log: %s\n", cbh_proc_log_path(s_service));
    return -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    cb_rpc_client_destroy(&s_client);
    int rc = cbh_proc_stop(&s_service, SIGTERM, 5000);
    cbh_bus_stop(&s_bus);
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

static double
s_number_after(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    assert_non_null(p);
    return strtod(p + strlen(key), NULL);
}

static void
test_analyze(void **state)
{
    (void) state;
    const char *r = s_ok("analyze", "{\"text\":\"$BTC breaking out, to the moon \xf0\x9f\x9a\x80\"}");
    assert_non_null(strstr(r, "\"label\":\"bullish\""));
    assert_non_null(strstr(r, "\"symbols\":[\"BTC\"]"));
    assert_non_null(strstr(r, "\"term\":\"to the moon\""));
    double conf = s_number_after(r, "\"confidence\":");
    double score = s_number_after(r, "\"score\":");
    assert_true(conf > 0 && conf <= 1);
    assert_true(score > 0 && score <= 1);

    r = s_ok("analyze", "{\"text\":\"Exchange hacked, withdrawals halted. Ether dumping hard.\"}");
    assert_non_null(strstr(r, "\"label\":\"bearish\""));
    assert_non_null(strstr(r, "\"ETH\""));

    r = s_ok("analyze", "{\"text\":\"The meeting is on Tuesday at noon.\"}");
    assert_non_null(strstr(r, "\"label\":\"neutral\""));
    assert_non_null(strstr(r, "\"terms\":[]"));

    r = s_ok("analyze", "{\"text\":\"not bullish at all\"}");
    assert_non_null(strstr(r, "\"label\":\"bearish\""));
}

static void
test_input_limits(void **state)
{
    (void) state;
    s_expect_error("analyze", "{\"text\":\"   \"}", CB_E_BAD_REQUEST, "1 to 5000");
    s_expect_error("analyze", "{\"text\":\"\"}", CB_E_BAD_REQUEST, "1 to 5000");
    s_expect_error("analyze", "{}", CB_E_BAD_REQUEST, "text");
    s_expect_error("analyze", "{\"text\":42}", CB_E_BAD_REQUEST, "text");
    s_expect_error("analyze", "[1,2]", CB_E_BAD_REQUEST, NULL);
    char *big = malloc(5100);
    strcpy(big, "{\"text\":\"");
    memset(big + 9, 'x', 5001);
    strcpy(big + 9 + 5001, "\"}");
    s_expect_error("analyze", big, CB_E_BAD_REQUEST, "5000");
    big[9 + 5000] = '"';
    big[9 + 5001] = '}';
    big[9 + 5002] = '\0';
    s_ok("analyze", big);
    free(big);

    /* Invalid UTF-8 cannot be written in JSON: pack the bytes directly. */
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str_with_body(&pk, "text", 4);
    msgpack_pack_str_with_body(&pk, "ok \xc3\x28 \xff", 7);
    cb_rpc_result_t res;
    assert_int_equal(cb_rpc_call(s_client, "analyze", sb.data, sb.size, 3000, 0, &res), 0);
    assert_false(res.ok);
    assert_int_equal(res.error, CB_E_BAD_REQUEST);
    assert_non_null(strstr(res.error_message, "UTF-8"));
    msgpack_sbuffer_destroy(&sb);
    s_expect_error("no_such_op", "{}", CB_E_NOT_FOUND, "analyze");
}

static void
test_batch(void **state)
{
    (void) state;
    cb_buf_t json;
    cb_buf_init(&json);
    cb_buf_append_str(&json, "{\"texts\":[");
    for (int i = 0; i < 100; i++) {
        cb_buf_append_str(&json, i == 0 ? "" : ",");
        cb_buf_append_str(&json, i % 2 == 0 ? "\"great product, love it\"" : "\"awful, broke in a day\"");
    }
    cb_buf_append_str(&json, "]}");
    const char *r = s_ok("analyze_batch", json.data);
    int bullish = 0;
    int bearish = 0;
    for (const char *p = r; (p = strstr(p, "\"label\":\"")) != NULL; p++) {
        bullish += strncmp(p + 9, "bullish", 7) == 0;
        bearish += strncmp(p + 9, "bearish", 7) == 0;
    }
    assert_int_equal(bullish, 50);
    assert_int_equal(bearish, 50);
    /* 101 texts is one too many. */
    json.len -= 2;
    cb_buf_append_str(&json, ",\"x\"]}");
    s_expect_error("analyze_batch", json.data, CB_E_BAD_REQUEST, "1 to 100");
    cb_buf_fini(&json);
    s_expect_error("analyze_batch", "{\"texts\":[]}", CB_E_BAD_REQUEST, "1 to 100");
    s_expect_error("analyze_batch", "{\"texts\":\"one\"}", CB_E_BAD_REQUEST, "array");
    s_expect_error("analyze_batch", "{\"texts\":[\"ok\", 7]}", CB_E_BAD_REQUEST, "texts[1]");
    /* One empty text: that element says why, the others are answered. */
    r = s_ok("analyze_batch", "{\"texts\":[\"good\", \" \", \"bad\"]}");
    assert_non_null(strstr(r, "\"error\":{\"code\":\"bad_request\""));
    assert_non_null(strstr(r, "\"label\":\"bullish\""));
    assert_non_null(strstr(r, "\"label\":\"bearish\""));
}

static void
test_symbol_sentiment_and_events(void **state)
{
    (void) state;
    cb_sub_t *sub = cb_sub_new(s_bus.config.sub);
    assert_non_null(sub);
    assert_int_equal(cb_sub_subscribe(sub, "sentiment.SOL."), 0);
    /* The subscription has to reach the publisher before the first event. */
    bool seen = false;
    for (int attempt = 0; attempt < 50 && !seen; attempt++) {
        s_ok("analyze", "{\"text\":\"Solana looks very strong, buying more $SOL\"}");
        cb_sub_msg_t msg;
        memset(&msg, 0, sizeof msg);
        if (cb_sub_recv(sub, 100, &msg) == 0) {
            assert_int_equal(msg.ev.kind, CB_KIND_sentiment);
            assert_true(cb_str_eq_cstr(msg.ev.body.sentiment.asset, "SOL"));
            assert_true(cb_str_eq_cstr(msg.ev.body.sentiment.label, "bullish"));
            seen = true;
        }
        cb_sub_msg_clear(&msg);
    }
    assert_true(seen);
    cb_sub_destroy(&sub);

    const char *r = s_ok("symbol_sentiment", "{\"symbol\":\"sol\"}");
    assert_non_null(strstr(r, "\"symbol\":\"SOL\""));
    assert_non_null(strstr(r, "\"label\":\"bullish\""));
    assert_true(s_number_after(r, "\"score\":") > 0);
    assert_true(s_number_after(r, "\"texts\":") >= 1);
    /* Bad news pulls the rolling score down. */
    double before = s_number_after(r, "\"score\":");
    for (int i = 0; i < 5; i++) {
        s_ok("analyze", "{\"text\":\"Solana network outage again, SOL crashing, total capitulation\"}");
    }
    r = s_ok("symbol_sentiment", "{\"symbol\":\"SOL\"}");
    assert_true(s_number_after(r, "\"score\":") < before);
    s_expect_error("symbol_sentiment", "{\"symbol\":\"NOPE\"}", CB_E_NOT_FOUND, "NOPE");
    s_expect_error("symbol_sentiment", "{\"symbol\":\"BT-C\"}", CB_E_BAD_REQUEST, "asset");
    s_expect_error("symbol_sentiment", "{}", CB_E_BAD_REQUEST, "symbol");
}

static void
test_bad_data_dir_fails_fast(void **state)
{
    (void) state;
    char bin[512];
    snprintf(bin, sizeof bin, "%s/sentiment", cbh_bin_dir());
    char *argv[] = {bin, NULL};
    char *env[] = {"COINBUS_SENTIMENT_DATA=/nonexistent/lexicons", NULL};
    cbh_proc_t *p = cbh_proc_start("sentiment-bad", argv, env);
    assert_non_null(p);
    assert_int_equal(cbh_proc_wait(&p, 5000), 2);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyze),
        cmocka_unit_test(test_input_limits),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_symbol_sentiment_and_events),
        cmocka_unit_test(test_bad_data_dir_fails_fast),
    };
    return cmocka_run_group_tests_name("sentiment_rpc", tests, s_setup, s_teardown);
}
