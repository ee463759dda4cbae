/* test_json.c - JSON <-> msgpack: exact numbers, strictness, hostile msgpack; UTF-8 validation */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_json.h"
#include "cb_utf8.h"

/* JSON -> msgpack -> JSON; returns the output (static) or NULL on error. */
static const char *
s_round(const char *json, int *rc_out, char *err, size_t errsize)
{
    static cb_buf_t out;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = cb_json_to_msgpack(json, strlen(json), &pk, err, errsize);
    const char *result = NULL;
    if (rc == 0) {
        cb_buf_reset(&out);
        rc = cb_json_from_msgpack(sb.data, sb.size, &out);
        result = rc == 0 ? out.data : NULL;
    }
    *rc_out = rc;
    msgpack_sbuffer_destroy(&sb);
    return result;
}

static void
test_round_trips(void **state)
{
    (void) state;
    static const char *const cases[][2] = {
        {"{}", "{}"},
        {"[]", "[]"},
        {" [ 1 , -2 , true , false , null ] ", "[1,-2,true,false,null]"},
        {"{\"p\":50000.10}", "{\"p\":\"50000.1\"}"},
        {"{\"q\":1e-8,\"r\":-0.0}", "{\"q\":\"0.00000001\",\"r\":\"0\"}"},
        {"18446744073709551615", "18446744073709551615"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"18446744073709551616", "\"18446744073709551616\""},
        {"\"a\\\"b\\\\c\\/d\\n\\t\\u0001\"", "\"a\\\"b\\\\c/d\\n\\t\\u0001\""},
        {"\"\\u00e9\\ud83d\\ude80\"", "\"\xc3\xa9\xf0\x9f\x9a\x80\""},
        {"\"caf\xc3\xa9\"", "\"caf\xc3\xa9\""},
        {"{\"a\":{\"b\":[{\"c\":[]}]}}", "{\"a\":{\"b\":[{\"c\":[]}]}}"},
        {"0", "0"},
        {"-0", "0"},
        {"1.5E+3", "\"1500\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc;
        char err[200];
        const char *out = s_round(cases[i][0], &rc, err, sizeof err);
        if (out == NULL || strcmp(out, cases[i][1]) != 0) {
            fail_msg("'%s' -> '%s' (rc %d, %s), wanted '%s'", cases[i][0], out ? out : "NULL", rc,
                     err, cases[i][1]);
        }
    }
}

static void
test_malformed_json(void **state)
{
    (void) state;
    static const char *const bad[] = {
        "",           " ",          "{",          "}",           "[1,]",       "[,1]",
        "{\"a\"}",    "{\"a\":}",   "{a:1}",      "{\"a\":1,}",  "01",         "1.",
        ".5",         "+1",         "1e",         "--1",         "tru",        "nul",
        "\"abc",      "\"\\x\"",    "\"\\u12\"",  "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
        "\"a\nb\"",   "[1] [2]",    "{\"a\":1}x", "\"\xc3\x28\"", "\"\xed\xa0\x80\"", "NaN",
        "Infinity",   "{\"a\":1,\"a\":2}",          "1e400",       "0.0000000000000000001",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc;
        char err[200] = "";
        const char *out = s_round(bad[i], &rc, err, sizeof err);
        if (out != NULL || rc == 0 || strstr(err, "invalid JSON at byte") == NULL) {
            fail_msg("accepted or unexplained: '%s' (rc %d, err '%s')", bad[i], rc, err);
        }
    }
    int rc;
    char err[200];
    s_round("{\"a\" 1}", &rc, err, sizeof err);
    assert_non_null(strstr(err, "byte 5: expected ':'"));
    s_round("{\"k\":1,\"k\":2}", &rc, err, sizeof err);
    assert_non_null(strstr(err, "duplicate key \"k\""));
}

static void
test_depth_limit(void **state)
{
    (void) state;
    char deep[200];
    int n = 0;
    for (int i = 0; i < 65; i++) {
        deep[n++] = '[';
    }
    for (int i = 0; i < 65; i++) {
        deep[n++] = ']';
    }
    deep[n] = '\0';
    int rc;
    char err[200];
    assert_null(s_round(deep, &rc, err, sizeof err));
    assert_int_equal(rc, CB_E_TOO_BIG);
    /* Exactly 64 levels are fine. */
    memset(deep, '[', 64);
    memset(deep + 64, ']', 64);
    deep[128] = '\0';
    assert_non_null(s_round(deep, &rc, err, sizeof err));
    /* A megabyte of '[' fails fast on depth, without recursing a megabyte. */
    size_t big = 1 << 20;
    char *huge = malloc(big + 1);
    memset(huge, '[', big);
    huge[big] = '\0';
    assert_null(s_round(huge, &rc, err, sizeof err));
    assert_int_equal(rc, CB_E_TOO_BIG);
    free(huge);
}

static void
s_msgpack_bad(const char *name, const uint8_t *bytes, size_t len)
{
    cb_buf_t out;
    cb_buf_init(&out);
    int rc = cb_json_from_msgpack((const char *) bytes, len, &out);
    if (rc == 0) {
        fail_msg("msgpack case '%s' accepted: %s", name, out.data);
    }
    cb_buf_fini(&out);
}

static void
test_hostile_msgpack(void **state)
{
    (void) state;
    static const uint8_t truncated_str[] = {0xa5, 'a', 'b'};
    static const uint8_t lying_array[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t lying_map[] = {0xdf, 0x7f, 0xff, 0xff, 0xff};
    static const uint8_t int_key[] = {0x81, 0x01, 0x02};
    static const uint8_t ext[] = {0xd4, 0x01, 0x02};
    static const uint8_t reserved[] = {0xc1};
    static const uint8_t trailing[] = {0x01, 0x02};
    static const uint8_t bad_utf8[] = {0xa2, 0xc3, 0x28};
    static const uint8_t empty[] = {0};
    s_msgpack_bad("truncated str", truncated_str, sizeof truncated_str);
    s_msgpack_bad("lying array", lying_array, sizeof lying_array);
    s_msgpack_bad("lying map", lying_map, sizeof lying_map);
    s_msgpack_bad("int key", int_key, sizeof int_key);
    s_msgpack_bad("ext", ext, sizeof ext);
    s_msgpack_bad("reserved byte", reserved, sizeof reserved);
    s_msgpack_bad("trailing bytes", trailing, sizeof trailing);
    s_msgpack_bad("bad utf-8", bad_utf8, sizeof bad_utf8);
    s_msgpack_bad("empty", empty, 0);
    uint8_t deep[100];
    memset(deep, 0x91, sizeof deep);
    deep[99] = 0xc0;
    s_msgpack_bad("deep", deep, sizeof deep);

    /* bin -> base64, floats -> shortest text, NaN -> null. */
    static const uint8_t bin[] = {0xc4, 0x03, 'a', 'b', 'c'};
    static const uint8_t f64[] = {0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a};
    static const uint8_t nan[] = {0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0};
    cb_buf_t out;
    cb_buf_init(&out);
    assert_int_equal(cb_json_from_msgpack((const char *) bin, sizeof bin, &out), 0);
    assert_string_equal(out.data, "\"YWJj\"");
    cb_buf_reset(&out);
    assert_int_equal(cb_json_from_msgpack((const char *) f64, sizeof f64, &out), 0);
    assert_string_equal(out.data, "0.1");
    cb_buf_reset(&out);
    assert_int_equal(cb_json_from_msgpack((const char *) nan, sizeof nan, &out), 0);
    assert_string_equal(out.data, "null");
    cb_buf_reset(&out);
    cb_decimal_t d;
    cb_decimal_parse("-12.50", 6, &d);
    assert_int_equal(cb_json_write_decimal(&out, d), 0);
    assert_string_equal(out.data, "-12.5");
    cb_buf_fini(&out);
}

static void
test_utf8(void **state)
{
    (void) state;
    static const char *const good[] = {"", "abc", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x9a\x80",
                                       "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", "0123456789abcdef\xc3\xa9"};
    static const char *const bad[] = {
        "\x80",             /* lone continuation */
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong */
        "\xf0\x80\x80\xaf", /* overlong */
        "\xed\xa0\x80",     /* surrogate D800 */
        "\xed\xbf\xbf",     /* surrogate DFFF */
        "\xf4\x90\x80\x80", /* > U+10FFFF */
        "\xf5\x80\x80\x80", /* invalid lead */
        "\xff",             /* invalid byte */
        "\xc3",             /* truncated */
        "\xe2\x82",         /* truncated */
        "abcdefgh\xc3",     /* truncated after the fast path */
        "\xc3\x28",         /* bad continuation */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_true(cb_utf8_valid(good[i], strlen(good[i])));
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (cb_utf8_valid(bad[i], strlen(bad[i]))) {
            fail_msg("bad UTF-8 case %zu accepted", i);
        }
    }
    assert_true(cb_utf8_valid(NULL, 0));
    assert_true(cb_utf8_valid("a\0b", 3));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_hostile_msgpack),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
