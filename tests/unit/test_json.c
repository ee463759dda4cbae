/* test_json.c - JSON <-> msgpack: round trips, exact numbers, strictness, hostile msgpack */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_error.h"
#include "cb_json.h"

/* JSON of len bytes -> msgpack in sb. The text is copied into a buffer of
 * exactly len bytes, so the sanitizer build catches any read past the end. */
static int
s_to_mp(const char *json, size_t len, msgpack_sbuffer *sb, char *err, size_t errsize)
{
    char *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    memcpy(copy, json, len);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    int rc = cb_json_to_msgpack(copy, len, &pk, err, errsize);
    free(copy);
    return rc;
}

/* JSON -> msgpack -> JSON into out; returns the first failing code. */
static int
s_round(const char *json, size_t len, cb_buf_t *out, char *err, size_t errsize)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    int rc = s_to_mp(json, len, &sb, err, errsize);
    if (rc == 0) {
        cb_buf_reset(out);
        rc = cb_json_from_msgpack(sb.data, sb.size, out);
    }
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* msgpack -> JSON; returns the code, the text in out. */
static int
s_from_mp(const void *bytes, size_t len, cb_buf_t *out)
{
    char *copy = malloc(len > 0 ? len : 1);
    assert_non_null(copy);
    memcpy(copy, bytes, len);
    cb_buf_reset(out);
    int rc = cb_json_from_msgpack(copy, len, out);
    free(copy);
    return rc;
}

static void
test_round_trips(void **state)
{
    (void) state;
    static const char *const cases[][2] = {
        {"{}", "{}"},
        {"[]", "[]"},
        {" \t\r\n[ 1 , -2 , true , false , null ]\n", "[1,-2,true,false,null]"},
        {"{\"p\":50000.10}", "{\"p\":\"50000.1\"}"},
        {"{\"q\":1e-8,\"r\":-0.0}", "{\"q\":\"0.00000001\",\"r\":\"0\"}"},
        {"18446744073709551615", "18446744073709551615"},
        {"-9223372036854775808", "-9223372036854775808"},
        {"9223372036854775807", "9223372036854775807"},
        {"18446744073709551616", "\"18446744073709551616\""},
        {"-9223372036854775809", "\"-9223372036854775809\""},
        {"0", "0"},
        {"-0", "0"},
        {"1.5E+3", "\"1500\""},
        {"2e0", "\"2\""},
        {"0.000000000000000001", "\"0.000000000000000001\""},
        {"1.000000000000000000000", "\"1\""},
        {"-12345678901234567890123456789.012345678", "\"-12345678901234567890123456789.012345678\""},
        {"\"\"", "\"\""},
        {"\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\\u0001\"", "\"a\\\"b\\\\c/d\\n\\t\\r\\b\\f\\u0001\""},
        {"\"\\u00e9\\ud83d\\ude80\"", "\"\xc3\xa9\xf0\x9f\x9a\x80\""},
        {"\"\\u0000\"", "\"\\u0000\""},
        {"\"\\uFFFF\\uDBFF\\uDFFF\"", "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\""},
        {"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80\"", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80\""},
        {"\"\x7f\"", "\"\x7f\""},
        {"{\"a\":{\"b\":[{\"c\":[]}]}}", "{\"a\":{\"b\":[{\"c\":[]}]}}"},
        {"{\"a\":{\"a\":1},\"b\":{\"a\":2}}", "{\"a\":{\"a\":1},\"b\":{\"a\":2}}"},
        {"{\"\":0,\"a\":[],\"b\":{}}", "{\"\":0,\"a\":[],\"b\":{}}"},
        {"[[[[[]]]],[[]],[]]", "[[[[[]]]],[[]],[]]"},
        {"{\"side\":\"buy\",\"qty\":\"0.5\",\"px\":65000.00,\"id\":42,\"post\":true}",
         "{\"side\":\"buy\",\"qty\":\"0.5\",\"px\":\"65000\",\"id\":42,\"post\":true}"},
        {"[-1,-32,-33,127,128,255,256,65535,65536,4294967295,4294967296]",
         "[-1,-32,-33,127,128,255,256,65535,65536,4294967295,4294967296]"},
        {"[-128,-129,-32768,-32769,-2147483648,-2147483649]",
         "[-128,-129,-32768,-32769,-2147483648,-2147483649]"},
        {"true", "true"},
        {"null", "null"},
        {"\"x\"", "\"x\""},
    };
    cb_buf_t out;
    cb_buf_init(&out);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[200] = "";
        int rc = s_round(cases[i][0], strlen(cases[i][0]), &out, err, sizeof err);
        if (rc != 0 || strcmp(out.data, cases[i][1]) != 0) {
            fail_msg("'%s' -> '%s' (rc %d, %s), wanted '%s'", cases[i][0],
                     rc == 0 ? out.data : "", rc, err, cases[i][1]);
        }
        /* The output is canonical: converting it again changes nothing. */
        char *again = strdup(out.data);
        assert_int_equal(s_round(again, strlen(again), &out, err, sizeof err), 0);
        assert_string_equal(out.data, again);
        free(again);
    }
    cb_buf_fini(&out);
}

static void
test_exact_msgpack(void **state)
{
    (void) state;
    static const struct {
        const char *json;
        const char *bytes; /* the msgpack, hex */
    } cases[] = {
        {"0", "00"},
        {"-1", "ff"},
        {"-33", "d0df"},
        {"128", "cc80"},
        {"9223372036854775807", "cf7fffffffffffffff"},
        {"18446744073709551615", "cfffffffffffffffff"},
        {"-9223372036854775808", "d38000000000000000"},
        {"50000.10", "a735303030302e31"},
        {"1e-8", "aa302e3030303030303031"},
        {"-0.50", "a42d302e35"},
        {"[1,{\"a\":null}]", "920181a161c0"},
        {"\"\\u00e9\"", "a2c3a9"},
        {"[true,false]", "92c3c2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        char err[200] = "";
        int rc = s_to_mp(cases[i].json, strlen(cases[i].json), &sb, err, sizeof err);
        char hex[128] = "";
        for (size_t k = 0; k < sb.size && 2 * k + 2 < sizeof hex; k++) {
            snprintf(hex + 2 * k, 3, "%02x", (unsigned char) sb.data[k]);
        }
        if (rc != 0 || strcmp(hex, cases[i].bytes) != 0) {
            fail_msg("'%s' -> %s (rc %d, %s), wanted %s", cases[i].json, hex, rc, err,
                     cases[i].bytes);
        }
        msgpack_sbuffer_destroy(&sb);
    }
}

static void
test_number_limits(void **state)
{
    (void) state;
    static const char *const out_of_range[] = {
        "1e400",
        "-1e400",
        "1e-400",
        "0.0000000000000000001",
        "123456789012345678901234567890123456789",   /* 39 digits */
        "1234567890123456789012345678901234567.891", /* 40 digits */
        "1e38",
        "1e99999999999999999999999999",
    };
    cb_buf_t out;
    cb_buf_init(&out);
    for (size_t i = 0; i < sizeof out_of_range / sizeof out_of_range[0]; i++) {
        char err[200] = "";
        int rc = s_round(out_of_range[i], strlen(out_of_range[i]), &out, err, sizeof err);
        if (rc != CB_E_RANGE || strstr(err, "invalid JSON at byte 0: number out of range") == NULL) {
            fail_msg("'%s': rc %d, err '%s'", out_of_range[i], rc, err);
        }
    }
    /* The largest that fit. */
    char err[200] = "";
    assert_int_equal(s_round("12345678901234567890123456789012345678", 38, &out, err, sizeof err),
                     0);
    assert_string_equal(out.data, "\"12345678901234567890123456789012345678\"");
    assert_int_equal(s_round("[1e37]", 6, &out, err, sizeof err), 0);
    assert_string_equal(out.data, "[\"10000000000000000000000000000000000000\"]");
    /* The error names where the number starts. */
    assert_int_equal(s_round("{\"p\": 1e400}", 12, &out, err, sizeof err), CB_E_RANGE);
    assert_non_null(strstr(err, "at byte 6:"));
    cb_buf_fini(&out);
}

static void
test_malformed_json(void **state)
{
    (void) state;
    static const struct {
        const char *json;
        int code;
        const char *err; /* a part of the message */
    } bad[] = {
        {"", CB_E_PARSE, "byte 0: unexpected end of input"},
        {" ", CB_E_PARSE, "byte 1: unexpected end of input"},
        {"{", CB_E_PARSE, "byte 1: expected a string key"},
        {"}", CB_E_PARSE, "byte 0: unexpected character '}'"},
        {"[1,]", CB_E_PARSE, "byte 3: unexpected character ']'"},
        {"[,1]", CB_E_PARSE, "byte 1: unexpected character ','"},
        {"[1 2]", CB_E_PARSE, "byte 3: expected ',' or ']'"},
        {"{\"a\"}", CB_E_PARSE, "byte 4: expected ':'"},
        {"{\"a\" 1}", CB_E_PARSE, "byte 5: expected ':'"},
        {"{\"a\":}", CB_E_PARSE, "byte 5: unexpected character '}'"},
        {"{a:1}", CB_E_PARSE, "byte 1: expected a string key"},
        {"{\"a\":1,}", CB_E_PARSE, "byte 7: expected a string key"},
        {"{\"a\":1 \"b\":2}", CB_E_PARSE, "byte 7: expected ',' or '}'"},
        {"{1:1}", CB_E_PARSE, "byte 1: expected a string key"},
        {"01", CB_E_PARSE, "byte 0: number with a leading zero"},
        {"-01", CB_E_PARSE, "byte 0: number with a leading zero"},
        {"1.", CB_E_PARSE, "byte 2: expected a digit after '.'"},
        {"1.e5", CB_E_PARSE, "byte 2: expected a digit after '.'"},
        {".5", CB_E_PARSE, "byte 0: unexpected character '.'"},
        {"+1", CB_E_PARSE, "byte 0: unexpected character '+'"},
        {"-", CB_E_PARSE, "byte 1: expected a digit"},
        {"-a", CB_E_PARSE, "byte 1: expected a digit"},
        {"1e", CB_E_PARSE, "byte 2: expected a digit in the exponent"},
        {"1e+", CB_E_PARSE, "byte 3: expected a digit in the exponent"},
        {"--1", CB_E_PARSE, "byte 1: expected a digit"},
        {"0x10", CB_E_PARSE, "byte 1: unexpected data after the value"},
        {"tru", CB_E_PARSE, "byte 0: invalid literal (expected 'true')"},
        {"True", CB_E_PARSE, "byte 0: unexpected character 'T'"},
        {"nul", CB_E_PARSE, "byte 0: invalid literal (expected 'null')"},
        {"falsey", CB_E_PARSE, "byte 5: unexpected data after the value"},
        {"NaN", CB_E_PARSE, "byte 0: unexpected character 'N'"},
        {"Infinity", CB_E_PARSE, "byte 0: unexpected character 'I'"},
        {"-Infinity", CB_E_PARSE, "byte 1: expected a digit"},
        {"\"abc", CB_E_PARSE, "byte 4: unterminated string"},
        {"\"abc\\", CB_E_PARSE, "byte 5: unterminated string"},
        {"\"\\x\"", CB_E_PARSE, "byte 1: invalid escape"},
        {"\"\\u12\"", CB_E_PARSE, "byte 5: \\u needs four hex digits"},
        {"\"\\u12", CB_E_PARSE, "byte 5: unterminated string"},
        {"\"\\uzzzz\"", CB_E_PARSE, "byte 3: \\u needs four hex digits"},
        {"\"\\ud800\"", CB_E_PARSE, "byte 1: lone high surrogate \\ud800"},
        {"\"\\udc00\"", CB_E_PARSE, "byte 1: lone low surrogate \\udc00"},
        {"\"\\ud800\\u0041\"", CB_E_PARSE, "byte 1: high surrogate \\ud800 without a low one"},
        {"\"\\ud800\\ud800\"", CB_E_PARSE, "byte 1: high surrogate \\ud800 without a low one"},
        {"\"\\udbff\\n\"", CB_E_PARSE, "byte 1: lone high surrogate"},
        {"\"a\nb\"", CB_E_PARSE, "byte 2: control character in string"},
        {"\"a\tb\"", CB_E_PARSE, "byte 2: control character in string"},
        {"\"\xc3\x28\"", CB_E_PARSE, "byte 1: invalid UTF-8 in string"},
        {"\"ab\xed\xa0\x80\"", CB_E_PARSE, "byte 3: invalid UTF-8 in string"},
        {"\"\xc0\xaf\"", CB_E_PARSE, "byte 1: invalid UTF-8 in string"},
        {"\"\xf4\x90\x80\x80\"", CB_E_PARSE, "byte 1: invalid UTF-8 in string"},
        {"\"\xe2\x82\"", CB_E_PARSE, "byte 1: invalid UTF-8 in string"},
        {"\"\\n\xff\"", CB_E_PARSE, "byte 3: invalid UTF-8 in string"},
        {"[1] [2]", CB_E_PARSE, "byte 4: unexpected data after the value"},
        {"{\"a\":1}x", CB_E_PARSE, "byte 7: unexpected data after the value"},
        {"{\"a\":1,\"a\":2}", CB_E_PARSE, "byte 7: duplicate key \"a\""},
        {"{\"a\":1,\"\\u0061\":2}", CB_E_PARSE, "byte 7: duplicate key \"a\""},
        {"{\"b\":1,\"a\":2,\"b\":3,\"a\":4}", CB_E_PARSE, "byte 13: duplicate key \"b\""},
        {"\xef\xbb\xbf{}", CB_E_PARSE, "byte 0: unexpected byte 0xef"},
        {"[1]\v", CB_E_PARSE, "byte 3: unexpected data after the value"},
        {"'a'", CB_E_PARSE, "byte 0: unexpected character '''"},
        {"[\"a\",]", CB_E_PARSE, "byte 5: unexpected character ']'"},
        {"/* c */ 1", CB_E_PARSE, "byte 0: unexpected character '/'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        char err[200] = "";
        int rc = s_to_mp(bad[i].json, strlen(bad[i].json), &sb, err, sizeof err);
        if (rc != bad[i].code || strncmp(err, "invalid JSON at byte ", 21) != 0 ||
            strstr(err, bad[i].err) == NULL) {
            fail_msg("'%s': rc %d, err '%s', wanted %d and '%s'", bad[i].json, rc, err,
                     bad[i].code, bad[i].err);
        }
        /* Nothing reaches the packer from a text that fails. */
        assert_int_equal(sb.size, 0);
        msgpack_sbuffer_destroy(&sb);
    }
}

static void
test_length_bound(void **state)
{
    (void) state;
    /* The text is len bytes, not up to a NUL: what follows is never read. */
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    char err[200] = "";
    assert_int_equal(s_to_mp("[1,2]", 3, &sb, err, sizeof err), CB_E_PARSE);
    assert_non_null(strstr(err, "byte 3: unexpected end of input"));
    assert_int_equal(s_to_mp("\"ab\"", 3, &sb, err, sizeof err), CB_E_PARSE);
    assert_non_null(strstr(err, "byte 3: unterminated string"));
    assert_int_equal(s_to_mp("12345", 2, &sb, err, sizeof err), 0);
    assert_int_equal(sb.size, 1);
    assert_int_equal((unsigned char) sb.data[0], 12);
    msgpack_sbuffer_destroy(&sb);
    /* Embedded NULs are data: invalid outside strings, fine when escaped. */
    cb_buf_t out;
    cb_buf_init(&out);
    assert_int_equal(s_round("[1]\0", 4, &out, err, sizeof err), CB_E_PARSE);
    assert_non_null(strstr(err, "byte 3: unexpected data after the value"));
    assert_int_equal(s_round("\"a\0\"", 4, &out, err, sizeof err), CB_E_PARSE);
    assert_non_null(strstr(err, "byte 2: control character in string"));
    cb_buf_fini(&out);
}

static void
test_error_buffer(void **state)
{
    (void) state;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    /* err may be NULL or tiny; the message is cut, never overflowed. */
    assert_int_equal(s_to_mp("[", 1, &sb, NULL, 0), CB_E_PARSE);
    char tiny[8];
    memset(tiny, 'x', sizeof tiny);
    assert_int_equal(s_to_mp("[", 1, &sb, tiny, sizeof tiny), CB_E_PARSE);
    assert_string_equal(tiny, "invalid");
    /* A success clears the message. */
    char err[64] = "stale";
    assert_int_equal(s_to_mp("1", 1, &sb, err, sizeof err), 0);
    assert_string_equal(err, "");
    /* A duplicate key is shown safely, cut at 32 bytes. */
    const char *dup = "{\"k\\n\\\"0123456789012345678901234567890123456789\":1,"
                      "\"k\\n\\\"0123456789012345678901234567890123456789\":2}";
    char msg[200];
    assert_int_equal(s_to_mp(dup, strlen(dup), &sb, msg, sizeof msg), CB_E_PARSE);
    assert_non_null(strstr(msg, "duplicate key \"k??01234567890123456789012345678...\""));
    msgpack_sbuffer_destroy(&sb);
}

/* n levels of '[' then n of ']'. */
static char *
s_nested(size_t n, char open, char close)
{
    char *text = malloc(2 * n + 1);
    assert_non_null(text);
    memset(text, open, n);
    memset(text + n, close, n);
    text[2 * n] = '\0';
    return text;
}

static void
test_depth_limit(void **state)
{
    (void) state;
    cb_buf_t out;
    cb_buf_init(&out);
    char err[200];
    char *deep = s_nested(CB_JSON_MAX_DEPTH, '[', ']');
    assert_int_equal(s_round(deep, strlen(deep), &out, err, sizeof err), 0);
    assert_string_equal(out.data, deep);
    free(deep);
    deep = s_nested(CB_JSON_MAX_DEPTH + 1, '[', ']');
    assert_int_equal(s_round(deep, strlen(deep), &out, err, sizeof err), CB_E_TOO_BIG);
    assert_non_null(strstr(err, "byte 64: nested deeper than 64 levels"));
    free(deep);
    /* Objects count as levels too. */
    cb_buf_t text;
    cb_buf_init(&text);
    for (int i = 0; i < CB_JSON_MAX_DEPTH + 1; i++) {
        cb_buf_append_str(&text, "{\"a\":");
    }
    cb_buf_append_str(&text, "1");
    for (int i = 0; i < CB_JSON_MAX_DEPTH + 1; i++) {
        cb_buf_append_str(&text, "}");
    }
    assert_int_equal(s_round(text.data, text.len, &out, err, sizeof err), CB_E_TOO_BIG);
    cb_buf_fini(&text);
    /* A megabyte of '[' fails on depth, without recursing a megabyte. */
    size_t big = (size_t) 1 << 20;
    char *huge = s_nested(big, '[', ']');
    assert_int_equal(s_round(huge, big, &out, err, sizeof err), CB_E_TOO_BIG);
    free(huge);
    cb_buf_fini(&out);
}

static void
test_many_keys(void **state)
{
    (void) state;
    /* 200 000 distinct keys, then the same with the first key repeated at the
     * end: duplicate detection must not be quadratic. */
    enum { KEYS = 200000 };
    cb_buf_t text;
    cb_buf_init(&text);
    cb_buf_append_char(&text, '{');
    for (int i = 0; i < KEYS; i++) {
        cb_buf_appendf(&text, "%s\"k%d\":%d", i > 0 ? "," : "", (i * 7919) % KEYS, i);
    }
    size_t open_len = text.len;
    cb_buf_append_char(&text, '}');
    clock_t start = clock();
    cb_buf_t out;
    cb_buf_init(&out);
    char err[200] = "";
    assert_int_equal(s_round(text.data, text.len, &out, err, sizeof err), 0);
    assert_int_equal(out.len, text.len);
    text.len = open_len;
    cb_buf_append_str(&text, ",\"k0\":1}");
    assert_int_equal(s_round(text.data, text.len, &out, err, sizeof err), CB_E_PARSE);
    char want[64];
    snprintf(want, sizeof want, "byte %zu: duplicate key \"k0\"", open_len + 1);
    assert_non_null(strstr(err, want));
    double secs = (double) (clock() - start) / CLOCKS_PER_SEC;
    assert_true(secs < 5.0);
    cb_buf_fini(&out);
    cb_buf_fini(&text);
}

static void
test_hostile_msgpack(void **state)
{
    (void) state;
    static const struct {
        const char *name;
        uint8_t bytes[12];
        size_t len;
        int code;
    } bad[] = {
        {"empty", {0}, 0, CB_E_PARSE},
        {"truncated str", {0xa5, 'a', 'b'}, 3, CB_E_PARSE},
        {"truncated str8 header", {0xd9}, 1, CB_E_PARSE},
        {"lying str32", {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'}, 6, CB_E_PARSE},
        {"lying bin32", {0xc6, 0x7f, 0xff, 0xff, 0xff, 0x00}, 6, CB_E_PARSE},
        {"truncated bin8", {0xc4, 0x03, 'a'}, 3, CB_E_PARSE},
        {"lying array32", {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01}, 6, CB_E_PARSE},
        {"lying array16", {0xdc, 0x00, 0x03, 0x01, 0x02}, 5, CB_E_PARSE},
        {"lying map32", {0xdf, 0x7f, 0xff, 0xff, 0xff}, 5, CB_E_PARSE},
        {"fixarray short", {0x93, 0x01, 0x02}, 3, CB_E_PARSE},
        {"fixmap missing value", {0x81, 0xa1, 'a'}, 3, CB_E_PARSE},
        {"truncated uint64", {0xcf, 0x00, 0x00}, 3, CB_E_PARSE},
        {"truncated int32", {0xd2, 0xff}, 2, CB_E_PARSE},
        {"truncated float64", {0xcb, 0x3f, 0xf0}, 3, CB_E_PARSE},
        {"truncated float32", {0xca, 0x3f}, 2, CB_E_PARSE},
        {"int key", {0x81, 0x01, 0x02}, 3, CB_E_PARSE},
        {"nil key", {0x81, 0xc0, 0x02}, 3, CB_E_PARSE},
        {"bin key", {0x81, 0xc4, 0x01, 'a', 0x02}, 5, CB_E_PARSE},
        {"array key", {0x81, 0x90, 0x02}, 3, CB_E_PARSE},
        {"fixext1", {0xd4, 0x01, 0x02}, 3, CB_E_PARSE},
        {"ext8", {0xc7, 0x01, 0x05, 0x00}, 4, CB_E_PARSE},
        {"timestamp ext", {0xd6, 0xff, 0x00, 0x00, 0x00, 0x01}, 6, CB_E_PARSE},
        {"ext in array", {0x91, 0xd4, 0x01, 0x02}, 4, CB_E_PARSE},
        {"reserved byte", {0xc1}, 1, CB_E_PARSE},
        {"trailing bytes", {0x01, 0x02}, 2, CB_E_PARSE},
        {"two maps", {0x80, 0x80}, 2, CB_E_PARSE},
        {"bad utf-8 str", {0xa2, 0xc3, 0x28}, 3, CB_E_PARSE},
        {"surrogate str", {0xa3, 0xed, 0xa0, 0x80}, 4, CB_E_PARSE},
        {"bad utf-8 key", {0x81, 0xa1, 0xff, 0xc0}, 4, CB_E_PARSE},
        {"overlong str", {0xa2, 0xc0, 0xaf}, 3, CB_E_PARSE},
    };
    cb_buf_t out;
    cb_buf_init(&out);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* Whatever out held before stays; nothing is half-written. */
        cb_buf_reset(&out);
        cb_buf_append_str(&out, "prefix");
        char *copy = malloc(bad[i].len > 0 ? bad[i].len : 1);
        memcpy(copy, bad[i].bytes, bad[i].len);
        int rc = cb_json_from_msgpack(copy, bad[i].len, &out);
        free(copy);
        if (rc != bad[i].code || strcmp(out.data, "prefix") != 0) {
            fail_msg("msgpack case '%s': rc %d, out '%s'", bad[i].name, rc, out.data);
        }
    }
    cb_buf_fini(&out);
}

static void
test_msgpack_depth(void **state)
{
    (void) state;
    cb_buf_t out;
    cb_buf_init(&out);
    /* 64 nested arrays are fine, 65 are too deep, and so are 100 000. */
    uint8_t deep[100001];
    memset(deep, 0x91, sizeof deep);
    deep[CB_JSON_MAX_DEPTH - 1] = 0x90;
    assert_int_equal(s_from_mp(deep, CB_JSON_MAX_DEPTH, &out), 0);
    char *want = s_nested(CB_JSON_MAX_DEPTH, '[', ']');
    assert_string_equal(out.data, want);
    free(want);
    deep[CB_JSON_MAX_DEPTH - 1] = 0x91;
    deep[CB_JSON_MAX_DEPTH] = 0x90;
    assert_int_equal(s_from_mp(deep, CB_JSON_MAX_DEPTH + 1, &out), CB_E_TOO_BIG);
    deep[CB_JSON_MAX_DEPTH] = 0x91;
    deep[sizeof deep - 1] = 0xc0;
    assert_int_equal(s_from_mp(deep, sizeof deep, &out), CB_E_TOO_BIG);
    /* Maps too: {"a":{"a":...}}. */
    uint8_t maps[3 * 70 + 1];
    for (int i = 0; i < 70; i++) {
        maps[3 * i] = 0x81;
        maps[3 * i + 1] = 0xa1;
        maps[3 * i + 2] = 'a';
    }
    maps[sizeof maps - 1] = 0xc0;
    assert_int_equal(s_from_mp(maps, sizeof maps, &out), CB_E_TOO_BIG);
    cb_buf_fini(&out);
}

static void
test_msgpack_values(void **state)
{
    (void) state;
    static const struct {
        uint8_t bytes[12];
        size_t len;
        const char *json;
    } cases[] = {
        {{0xc0}, 1, "null"},
        {{0xc3}, 1, "true"},
        {{0xc2}, 1, "false"},
        {{0x7f}, 1, "127"},
        {{0xe0}, 1, "-32"},
        {{0xcc, 0xff}, 2, "255"},
        {{0xcd, 0xff, 0xff}, 3, "65535"},
        {{0xce, 0xff, 0xff, 0xff, 0xff}, 5, "4294967295"},
        {{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9, "18446744073709551615"},
        {{0xd0, 0x80}, 2, "-128"},
        {{0xd0, 0x05}, 2, "5"},
        {{0xd1, 0x80, 0x00}, 3, "-32768"},
        {{0xd2, 0x80, 0x00, 0x00, 0x00}, 5, "-2147483648"},
        {{0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}, 9, "-9223372036854775808"},
        {{0xd3, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9, "9223372036854775807"},
        {{0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a}, 9, "0.1"},
        {{0xca, 0x3d, 0xcc, 0xcc, 0xcd}, 5, "0.1"},             /* 0.1f */
        {{0xca, 0x3f, 0xc0, 0x00, 0x00}, 5, "1.5"},             /* 1.5f */
        {{0xcb, 0x40, 0x59, 0, 0, 0, 0, 0, 0}, 9, "100"},       /* 100.0 */
        {{0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0}, 9, "-0"},           /* -0.0 */
        {{0xcb, 0x44, 0x4b, 0x1a, 0xe4, 0xd6, 0xe2, 0xef, 0x50}, 9, "1e+21"},
        {{0xcb, 0x44, 0x15, 0xaf, 0x1d, 0x78, 0xb5, 0x8c, 0x40}, 9, "100000000000000000000"},
        {{0xcb, 0x3e, 0x84, 0x21, 0xf5, 0xf4, 0x0d, 0x83, 0x76}, 9, "1.5e-7"},
        {{0xcb, 0x3e, 0x7a, 0xd7, 0xf2, 0x9a, 0xbc, 0xaf, 0x48}, 9, "1e-7"},
        {{0xcb, 0x40, 0x5e, 0xdd, 0x2f, 0x1a, 0x9f, 0xbe, 0x77}, 9, "123.456"},
        {{0xcb, 0x3f, 0x50, 0x62, 0x4d, 0xd2, 0xf1, 0xa9, 0xfc}, 9, "0.001"},
        {{0xcb, 0, 0, 0, 0, 0, 0, 0, 0x01}, 9, "5e-324"},
        {{0xcb, 0x7f, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9, "1.7976931348623157e+308"},
        {{0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0}, 9, "null"},      /* NaN */
        {{0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0}, 9, "null"},      /* -Inf */
        {{0xca, 0x7f, 0x80, 0x00, 0x00}, 5, "null"},            /* +Inf */
        {{0xc4, 0x00}, 2, "\"\""},
        {{0xc4, 0x01, 'a'}, 3, "\"YQ==\""},
        {{0xc4, 0x02, 'a', 'b'}, 4, "\"YWI=\""},
        {{0xc4, 0x03, 'a', 'b', 'c'}, 5, "\"YWJj\""},
        {{0xc5, 0x00, 0x04, 0xff, 0xfe, 0x00, 0x01}, 7, "\"//4AAQ==\""},
        {{0xa0}, 1, "\"\""},
        {{0xd9, 0x03, 'a', '"', 'b'}, 5, "\"a\\\"b\""},
        {{0xa4, 0x00, 0x1f, '\\', 0x7f}, 5, "\"\\u0000\\u001f\\\\\x7f\""},
        {{0xa2, 0xc3, 0xa9}, 3, "\"\xc3\xa9\""},
        {{0x92, 0x01, 0x92, 0x02, 0x90}, 5, "[1,[2,[]]]"},
        {{0x82, 0xa1, 'a', 0x01, 0xa1, 'b', 0x80}, 7, "{\"a\":1,\"b\":{}}"},
        {{0xde, 0x00, 0x01, 0xa0, 0xc0}, 5, "{\"\":null}"},
    };
    cb_buf_t out;
    cb_buf_init(&out);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = s_from_mp(cases[i].bytes, cases[i].len, &out);
        if (rc != 0 || strcmp(out.data, cases[i].json) != 0) {
            fail_msg("case %zu: rc %d, '%s', wanted '%s'", i, rc, rc == 0 ? out.data : "",
                     cases[i].json);
        }
    }
    /* Appends: what out held stays in front. */
    cb_buf_reset(&out);
    cb_buf_append_str(&out, "x=");
    assert_int_equal(cb_json_from_msgpack("\x01", 1, &out), 0);
    assert_string_equal(out.data, "x=1");
    cb_buf_fini(&out);
}

static void
test_float_shortest(void **state)
{
    (void) state;
    /* Every printed double reads back to itself, and no shorter digit
     * string would: check a spread of magnitudes. */
    cb_buf_t out;
    cb_buf_init(&out);
    uint64_t seed = 88172645463325252ULL;
    for (int i = 0; i < 20000; i++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        double v;
        memcpy(&v, &seed, sizeof v);
        if (!isfinite(v)) {
            continue;
        }
        uint8_t mp[9] = {0xcb};
        for (int k = 0; k < 8; k++) {
            mp[1 + k] = (uint8_t) (seed >> (56 - 8 * k));
        }
        assert_int_equal(s_from_mp(mp, sizeof mp, &out), 0);
        if (strtod(out.data, NULL) != v) {
            fail_msg("%.17g printed as %s", v, out.data);
        }
        /* No shorter digit string reads back to v: count the output's
         * significant digits against the fewest that round-trip. */
        char digits[40];
        size_t nd = 0;
        for (const char *c = out.data; *c != '\0' && *c != 'e'; c++) {
            if (*c >= '0' && *c <= '9' && (nd > 0 || *c != '0')) {
                digits[nd++] = *c;
            }
        }
        while (nd > 1 && digits[nd - 1] == '0') {
            nd--;
        }
        if (nd > 1) {
            char shorter[40];
            snprintf(shorter, sizeof shorter, "%.*e", (int) nd - 2, v);
            if (strtod(shorter, NULL) == v) {
                fail_msg("%.17g printed as %s, %s is shorter", v, out.data, shorter);
            }
        }
    }
    cb_buf_fini(&out);
}

static void
test_write_helpers(void **state)
{
    (void) state;
    cb_buf_t out;
    cb_buf_init(&out);
    assert_int_equal(cb_json_write_string(&out, "a\"b\\c\n\t\r\b\f\x01\x1f/", 13), 0);
    assert_string_equal(out.data, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f/\"");
    cb_buf_reset(&out);
    assert_int_equal(cb_json_write_string(&out, "", 0), 0);
    assert_string_equal(out.data, "\"\"");
    cb_buf_reset(&out);
    assert_int_equal(cb_json_write_string(&out, NULL, 0), 0);
    assert_string_equal(out.data, "\"\"");
    cb_buf_reset(&out);
    assert_int_equal(cb_json_write_string(&out, "\xe2\x82\xac\0x", 5), 0);
    assert_string_equal(out.data, "\"\xe2\x82\xac\\u0000x\"");
    /* Invalid UTF-8 is refused and out is left as it was. */
    cb_buf_reset(&out);
    cb_buf_append_str(&out, "keep");
    assert_int_equal(cb_json_write_string(&out, "ok\xc3", 3), CB_E_PARSE);
    assert_string_equal(out.data, "keep");
    assert_int_equal(cb_json_write_string(&out, "\xed\xa0\x80", 3), CB_E_PARSE);
    assert_string_equal(out.data, "keep");

    static const char *const decimals[][2] = {
        {"-12.50", "-12.5"},
        {"50000.10", "50000.1"},
        {"0.00000001", "0.00000001"},
        {"1e-8", "0.00000001"},
        {"-0.000", "0"},
        {"100", "100"},
        {"99999999999999999999999999999999999999", "99999999999999999999999999999999999999"},
    };
    for (size_t i = 0; i < sizeof decimals / sizeof decimals[0]; i++) {
        cb_decimal_t d;
        assert_int_equal(cb_decimal_parse(decimals[i][0], strlen(decimals[i][0]), &d), 0);
        cb_buf_reset(&out);
        assert_int_equal(cb_json_write_decimal(&out, d), 0);
        assert_string_equal(out.data, decimals[i][1]);
        /* It is a JSON number: it parses back to the same decimal string. */
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        assert_int_equal(s_to_mp(out.data, out.len, &sb, NULL, 0), 0);
        msgpack_sbuffer_destroy(&sb);
    }
    cb_buf_fini(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),     cmocka_unit_test(test_exact_msgpack),
        cmocka_unit_test(test_number_limits),   cmocka_unit_test(test_malformed_json),
        cmocka_unit_test(test_length_bound),    cmocka_unit_test(test_error_buffer),
        cmocka_unit_test(test_depth_limit),     cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_hostile_msgpack), cmocka_unit_test(test_msgpack_depth),
        cmocka_unit_test(test_msgpack_values),  cmocka_unit_test(test_float_shortest),
        cmocka_unit_test(test_write_helpers),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
