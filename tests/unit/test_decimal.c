/* test_decimal.c - exact decimals: parse, format, arithmetic, rounding, edge cases */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_decimal.h"
#include "cb_error.h"

static cb_decimal_t
D(const char *text)
{
    cb_decimal_t d;
    int rc = cb_decimal_parse(text, strlen(text), &d);
    if (rc != 0) {
        fail_msg("could not parse '%s': %d", text, rc);
    }
    return d;
}

static void
s_expect(cb_decimal_t d, const char *text)
{
    char buf[CB_DECIMAL_STR_MAX];
    assert_true(cb_decimal_format(d, buf, sizeof buf) > 0);
    if (strcmp(buf, text) != 0) {
        fail_msg("got '%s', wanted '%s'", buf, text);
    }
}

static void
test_canonical_format(void **state)
{
    (void) state;
    static const char *const cases[][2] = {
        {"0", "0"},
        {"-0", "0"},
        {"-0.000", "0"},
        {"+5", "5"},
        {"007.50", "7.5"},
        {"0.5", "0.5"},
        {".5", "0.5"},
        {"5.", "5"},
        {"50000.10", "50000.1"},
        {"0.00012300", "0.000123"},
        {"-3.5", "-3.5"},
        {"1e-8", "0.00000001"},
        {"1.5E+3", "1500"},
        {"1.5e3", "1500"},
        {"123e-2", "1.23"},
        {"0e999999999", "0"},
        {"100e-20", "0.000000000000000001"},
        {"0.000000000000000001", "0.000000000000000001"},
        {"1.000000000000000000000000000000000000000000000000", "1"},
        {"99999999999999999999.999999999999999999", "99999999999999999999.999999999999999999"},
        {"-99999999999999999999999999999999999999", "-99999999999999999999999999999999999999"},
        {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_expect(D(cases[i][0]), cases[i][1]);
    }
}

static void
test_garbage_is_rejected(void **state)
{
    (void) state;
    static const char *const bad[] = {
        "",     "-",     "+",      ".",     "-.",    "1..2",   "1.2.3", " 1",    "1 ",   "1,5",
        "inf",  "nan",   "NaN",    "0x10",  "1e",    "1e+",    "e5",    "--1",   "+-1",  "1-",
        "١",    "1e5.5", "1.5e",   "12a",   "$1",    "1_000",  "\t1",   "0b1",   "1/2",  "∞",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cb_decimal_t d;
        if (cb_decimal_parse(bad[i], strlen(bad[i]), &d) != CB_E_PARSE) {
            fail_msg("accepted garbage '%s'", bad[i]);
        }
    }
    /* Not NUL-terminated: only len bytes are read. */
    cb_decimal_t d;
    assert_int_equal(cb_decimal_parse("12345", 2, &d), 0);
    s_expect(d, "12");
    assert_int_equal(cb_decimal_parse(NULL, 0, &d), CB_E_PARSE);
}

static void
test_range_limits(void **state)
{
    (void) state;
    cb_decimal_t d;
    /* 19 significant fraction digits. */
    assert_int_equal(cb_decimal_parse("0.0000000000000000001", 21, &d), CB_E_RANGE);
    assert_int_equal(cb_decimal_parse("1.0000000000000000001", 21, &d), CB_E_RANGE);
    /* 39 digits. */
    const char *big = "123456789012345678901234567890123456789";
    assert_int_equal(cb_decimal_parse(big, strlen(big), &d), CB_E_RANGE);
    assert_int_equal(cb_decimal_parse("1e38", 4, &d), CB_E_RANGE);
    assert_int_equal(cb_decimal_parse("1e37", 4, &d), 0);
    assert_int_equal(cb_decimal_parse("1e999999999999999", 17, &d), CB_E_RANGE);
    assert_int_equal(cb_decimal_parse("1e-19", 5, &d), CB_E_RANGE);
}

static void
test_add_sub_exact(void **state)
{
    (void) state;
    cb_decimal_t r;
    assert_int_equal(cb_decimal_add(D("0.1"), D("0.2"), &r), 0);
    s_expect(r, "0.3");
    assert_int_equal(cb_decimal_cmp(r, D("0.3")), 0);
    assert_int_equal(cb_decimal_sub(D("0.3"), D("0.1"), &r), 0);
    s_expect(r, "0.2");
    assert_int_equal(cb_decimal_add(D("1.000000000000000001"), D("-1"), &r), 0);
    s_expect(r, "0.000000000000000001");
    assert_int_equal(cb_decimal_sub(D("5"), D("5.00"), &r), 0);
    s_expect(r, "0");
    assert_int_equal(cb_decimal_sign(r), 0);
    cb_decimal_t max = D("99999999999999999999999999999999999999");
    assert_int_equal(cb_decimal_add(max, D("1"), &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_sub(cb_decimal_neg(max), D("1"), &r), CB_E_OVERFLOW);
    /* Aligning scales can overflow too: 10^37 at scale 18 does not fit. */
    assert_int_equal(cb_decimal_add(D("10000000000000000000000000000000000000"),
                                    D("0.000000000000000001"), &r), CB_E_OVERFLOW);
    /* out untouched on failure */
    r = D("7");
    assert_int_equal(cb_decimal_add(max, max, &r), CB_E_OVERFLOW);
    s_expect(r, "7");
}

static void
test_mul_exact_intermediate(void **state)
{
    (void) state;
    cb_decimal_t r;
    assert_int_equal(cb_decimal_mul(D("50000.1"), D("0.5"), 8, CB_ROUND_HALF_EVEN, &r), 0);
    s_expect(r, "25000.05");
    /* 10 * 10 with 18 fraction digits each: the product's coefficient is
     * 10^38 (does not fit 128 bits as digits) but the result does. */
    cb_decimal_t ten = D("10.000000000000000001");
    assert_int_equal(cb_decimal_mul(ten, ten, 18, CB_ROUND_HALF_EVEN, &r), 0);
    s_expect(r, "100.00000000000000002");
    assert_int_equal(cb_decimal_mul(D("12345678901234567890"), D("0.000000000000000001"), 18,
                                    CB_ROUND_DOWN, &r), 0);
    s_expect(r, "12.34567890123456789");
    assert_int_equal(cb_decimal_mul(D("1e37"), D("10"), 0, CB_ROUND_DOWN, &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_mul(D("-2"), D("3"), 0, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "-6");
    assert_int_equal(cb_decimal_mul(D("-0.0001"), D("0.0001"), 4, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "0");
    assert_int_equal(cb_decimal_sign(r), 0);
    assert_int_equal(cb_decimal_mul(D("1"), D("1"), 19, CB_ROUND_DOWN, &r), CB_E_RANGE);
    /* Padding to a larger scale is exact. */
    assert_int_equal(cb_decimal_mul(D("1.5"), D("2"), 6, CB_ROUND_DOWN, &r), 0);
    assert_int_equal(r.scale, 6);
    s_expect(r, "3");
}

typedef struct {
    const char *in;
    cb_round_t mode;
    const char *out;
} s_round_case_t;

static void
test_rounding_modes(void **state)
{
    (void) state;
    static const s_round_case_t cases[] = {
        {"2.5", CB_ROUND_DOWN, "2"},       {"2.5", CB_ROUND_UP, "3"},
        {"2.5", CB_ROUND_FLOOR, "2"},      {"2.5", CB_ROUND_CEIL, "3"},
        {"2.5", CB_ROUND_HALF_UP, "3"},    {"2.5", CB_ROUND_HALF_EVEN, "2"},
        {"3.5", CB_ROUND_HALF_EVEN, "4"},  {"-2.5", CB_ROUND_DOWN, "-2"},
        {"-2.5", CB_ROUND_UP, "-3"},       {"-2.5", CB_ROUND_FLOOR, "-3"},
        {"-2.5", CB_ROUND_CEIL, "-2"},     {"-2.5", CB_ROUND_HALF_UP, "-3"},
        {"-2.5", CB_ROUND_HALF_EVEN, "-2"}, {"-3.5", CB_ROUND_HALF_EVEN, "-4"},
        {"2.4999", CB_ROUND_HALF_UP, "2"}, {"2.5001", CB_ROUND_HALF_EVEN, "3"},
        {"-2.4999", CB_ROUND_HALF_UP, "-2"}, {"2.0000", CB_ROUND_UP, "2"},
        {"-0.4", CB_ROUND_CEIL, "0"},      {"-0.4", CB_ROUND_FLOOR, "-1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cb_decimal_t r;
        assert_int_equal(cb_decimal_round(D(cases[i].in), 0, cases[i].mode, &r), 0);
        char buf[CB_DECIMAL_STR_MAX];
        cb_decimal_format(r, buf, sizeof buf);
        if (strcmp(buf, cases[i].out) != 0) {
            fail_msg("round(%s, mode %d) = %s, wanted %s", cases[i].in, (int) cases[i].mode, buf,
                     cases[i].out);
        }
        /* The same through div by 1 and mul by 1. */
        assert_int_equal(cb_decimal_div(D(cases[i].in), D("1"), 0, cases[i].mode, &r), 0);
        s_expect(r, cases[i].out);
        assert_int_equal(cb_decimal_mul(D(cases[i].in), D("1"), 0, cases[i].mode, &r), 0);
        s_expect(r, cases[i].out);
    }
    cb_decimal_t r;
    assert_int_equal(cb_decimal_round(D("1.23"), 5, CB_ROUND_DOWN, &r), 0);
    assert_int_equal(r.scale, 5);
    assert_int_equal(cb_decimal_round(D("1"), 2, 99, &r), CB_E_RANGE);
}

static void
test_division(void **state)
{
    (void) state;
    cb_decimal_t r;
    assert_int_equal(cb_decimal_div(D("1"), D("3"), 8, CB_ROUND_HALF_EVEN, &r), 0);
    s_expect(r, "0.33333333");
    assert_int_equal(cb_decimal_div(D("2"), D("3"), 8, CB_ROUND_HALF_EVEN, &r), 0);
    s_expect(r, "0.66666667");
    assert_int_equal(cb_decimal_div(D("-2"), D("3"), 8, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "-0.66666666");
    assert_int_equal(cb_decimal_div(D("-2"), D("3"), 8, CB_ROUND_FLOOR, &r), 0);
    s_expect(r, "-0.66666667");
    assert_int_equal(cb_decimal_div(D("1000"), D("0.000000000000000001"), 0, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "1000000000000000000000");
    assert_int_equal(cb_decimal_div(D("0.000000000000000001"), D("99999999999999999999999"), 18,
                                    CB_ROUND_UP, &r), 0);
    s_expect(r, "0.000000000000000001");
    assert_int_equal(cb_decimal_div(D("1"), D("0"), 2, CB_ROUND_DOWN, &r), CB_E_DIV_ZERO);
    assert_int_equal(cb_decimal_div(D("1e37"), D("0.1"), 0, CB_ROUND_DOWN, &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_div(D("7.5"), D("2.5"), 0, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "3");
}

static void
test_compare_and_helpers(void **state)
{
    (void) state;
    assert_int_equal(cb_decimal_cmp(D("1.50"), D("1.5")), 0);
    assert_int_equal(cb_decimal_cmp(D("1.5"), D("1.500000000000000001")), -1);
    assert_int_equal(cb_decimal_cmp(D("-1"), D("0")), -1);
    assert_int_equal(cb_decimal_cmp(D("-1"), D("-2")), 1);
    assert_int_equal(cb_decimal_cmp(D("99999999999999999999999999999999999999"),
                                    D("0.000000000000000001")), 1);
    assert_int_equal(cb_decimal_cmp(D("-0"), D("0.000")), 0);
    assert_true(cb_decimal_is_zero(D("-0.0")));
    s_expect(cb_decimal_abs(D("-4.2")), "4.2");
    s_expect(cb_decimal_neg(D("4.2")), "-4.2");
    cb_decimal_t n = cb_decimal_normalize(D("1.2300"));
    assert_int_equal(n.scale, 2);
    s_expect(cb_decimal_from_int(INT64_MIN), "-9223372036854775808");
    cb_decimal_t p;
    assert_int_equal(cb_decimal_from_parts(12345, 8, &p), 0);
    s_expect(p, "0.00012345");
    assert_int_equal(cb_decimal_from_parts(1, 19, &p), CB_E_RANGE);
}

static void
test_tick_and_lot_sizes(void **state)
{
    (void) state;
    assert_false(cb_decimal_is_multiple(D("50000.123"), D("0.1")));
    assert_true(cb_decimal_is_multiple(D("50000.1"), D("0.1")));
    assert_true(cb_decimal_is_multiple(D("0.00050000"), D("0.00001")));
    assert_true(cb_decimal_is_multiple(D("-0.3"), D("0.1")));
    assert_false(cb_decimal_is_multiple(D("1"), D("0")));
    assert_false(cb_decimal_is_multiple(D("1"), D("-0.5")));
    cb_decimal_t r;
    assert_int_equal(cb_decimal_quantize(D("50000.123"), D("0.05"), CB_ROUND_FLOOR, &r), 0);
    s_expect(r, "50000.1");
    assert_int_equal(cb_decimal_quantize(D("50000.123"), D("0.05"), CB_ROUND_CEIL, &r), 0);
    s_expect(r, "50000.15");
    assert_int_equal(cb_decimal_quantize(D("-1.27"), D("0.25"), CB_ROUND_DOWN, &r), 0);
    s_expect(r, "-1.25");
    assert_int_equal(cb_decimal_quantize(D("1"), D("0"), CB_ROUND_DOWN, &r), CB_E_RANGE);
}

static void
test_scaled_int_and_small_buffers(void **state)
{
    (void) state;
    int64_t sats;
    assert_int_equal(cb_decimal_to_scaled_int(D("1.23456789"), 8, &sats), 0);
    assert_int_equal(sats, 123456789);
    assert_int_equal(cb_decimal_to_scaled_int(D("1.234567891"), 8, &sats), CB_E_RANGE);
    assert_int_equal(cb_decimal_to_scaled_int(D("100000000000"), 8, &sats), CB_E_RANGE);
    assert_int_equal(cb_decimal_to_scaled_int(D("-0.5"), 1, &sats), 0);
    assert_int_equal(sats, -5);
    char buf[4];
    assert_int_equal(cb_decimal_format(D("1234"), buf, sizeof buf), CB_E_TOO_BIG);
    assert_int_equal(cb_decimal_format(D("123"), buf, sizeof buf), 3);
    assert_string_equal(buf, "123");
    /* The longest canonical text fits CB_DECIMAL_STR_MAX. */
    char big[CB_DECIMAL_STR_MAX];
    cb_decimal_t longest = D("-99999999999999999999.999999999999999999");
    assert_int_equal(cb_decimal_format(longest, big, sizeof big), 40);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical_format),
        cmocka_unit_test(test_garbage_is_rejected),
        cmocka_unit_test(test_range_limits),
        cmocka_unit_test(test_add_sub_exact),
        cmocka_unit_test(test_mul_exact_intermediate),
        cmocka_unit_test(test_rounding_modes),
        cmocka_unit_test(test_division),
        cmocka_unit_test(test_compare_and_helpers),
        cmocka_unit_test(test_tick_and_lot_sizes),
        cmocka_unit_test(test_scaled_int_and_small_buffers),
    };
    return cmocka_run_group_tests_name("decimal", tests, NULL, NULL);
}
