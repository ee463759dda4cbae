/* test_decimal.c - exact decimals: parse, format, arithmetic, rounding, edge cases */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cb_decimal.h"
#include "cb_error.h"

static const char *const s_mode_names[] = {"DOWN", "UP", "FLOOR", "CEIL", "HALF_UP", "HALF_EVEN"};

/* Parses from an exact-size heap copy with no NUL, so that ASan sees any
 * read past len; fails the test when the text does not parse. */
static int
s_parse(const char *text, cb_decimal_t *out)
{
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    int rc = cb_decimal_parse(copy, len, out);
    free(copy);
    return rc;
}

static cb_decimal_t
D(const char *text)
{
    cb_decimal_t d = {0, 0};
    int rc = s_parse(text, &d);
    if (rc != 0) {
        fail_msg("could not parse '%s': %d", text, rc);
    }
    return d;
}

/* A value with exactly this coefficient (decimal digits, optional '-') and
 * scale, for representations parse never makes (parse drops trailing zeros). */
static cb_decimal_t
s_raw(const char *coef, unsigned scale)
{
    bool negative = coef[0] == '-';
    unsigned __int128 mag = 0;
    for (const char *p = coef + negative; *p != '\0'; p++) {
        mag = mag * 10 + (unsigned) (*p - '0');
    }
    cb_decimal_t d;
    d.coef = negative ? -(__int128) mag : (__int128) mag;
    d.scale = (uint8_t) scale;
    return d;
}

static void
s_expect(cb_decimal_t d, const char *text)
{
    char buf[CB_DECIMAL_STR_MAX];
    int n = cb_decimal_format(d, buf, sizeof buf);
    if (n < 0 || strcmp(buf, text) != 0 || (size_t) n != strlen(text)) {
        fail_msg("got '%s' (%d), wanted '%s'", n < 0 ? "" : buf, n, text);
    }
}

static void
test_tenths_add_exactly(void **state)
{
    (void) state;
    cb_decimal_t r;
    assert_int_equal(cb_decimal_add(D("0.1"), D("0.2"), &r), 0);
    s_expect(r, "0.3");
    assert_int_equal(cb_decimal_cmp(r, D("0.3")), 0);
    assert_int_equal(cb_decimal_cmp(r, D("0.30000000000000001")), -1);
    assert_int_equal(cb_decimal_sub(D("0.3"), D("0.1"), &r), 0);
    s_expect(r, "0.2");
    assert_int_equal(cb_decimal_add(D("1.000000000000000001"), D("-1"), &r), 0);
    s_expect(r, "0.000000000000000001");
    assert_int_equal(r.scale, 18);
    assert_int_equal(cb_decimal_sub(D("5"), D("5.00"), &r), 0);
    s_expect(r, "0");
    assert_int_equal(cb_decimal_sign(r), 0);
    /* Ten times 0.1 is 1, not 0.9999999999999999. */
    cb_decimal_t sum = cb_decimal_from_int(0);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(cb_decimal_add(sum, D("0.1"), &sum), 0);
    }
    assert_int_equal(cb_decimal_cmp(sum, cb_decimal_from_int(1)), 0);
    /* The sum keeps the larger scale. */
    assert_int_equal(cb_decimal_add(s_raw("150", 2), D("1"), &r), 0);
    assert_int_equal(r.scale, 2);
    s_expect(r, "2.5");
}

static void
test_canonical_format(void **state)
{
    (void) state;
    static const char *const cases[][2] = {
        {"0", "0"},
        {"-0", "0"},
        {"+0", "0"},
        {"-0.000", "0"},
        {"000", "0"},
        {".0", "0"},
        {"0.", "0"},
        {"+5", "5"},
        {"007.50", "7.5"},
        {"-007.50", "-7.5"},
        {"0.5", "0.5"},
        {".5", "0.5"},
        {"-.5", "-0.5"},
        {"5.", "5"},
        {"50000.10", "50000.1"},
        {"50000.12345678", "50000.12345678"},
        {"0.00012300", "0.000123"},
        {"-3.5", "-3.5"},
        {"100", "100"},
        {"100.000", "100"},
        {"1e-8", "0.00000001"},
        {"1.5E+3", "1500"},
        {"1.5e3", "1500"},
        {"123e-2", "1.23"},
        {"0.000000000000000001", "0.000000000000000001"},
        {"18446744073709551616", "18446744073709551616"},
        {"-9223372036854775809", "-9223372036854775809"},
        {"10000000000000000000.5", "10000000000000000000.5"},
        {"1.000000000000000000000000000000000000000000000000", "1"},
        {"99999999999999999999.999999999999999999", "99999999999999999999.999999999999999999"},
        {"-99999999999999999999999999999999999999", "-99999999999999999999999999999999999999"},
        {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
        {"0000000000000000000000000000000000000000001", "1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cb_decimal_t d = D(cases[i][0]);
        s_expect(d, cases[i][1]);
        /* Canonical text parses back to itself. */
        s_expect(D(cases[i][1]), cases[i][1]);
        assert_int_equal(cb_decimal_cmp(d, D(cases[i][1])), 0);
    }
    /* Values parse never makes format canonically too. */
    s_expect(s_raw("1000000000000000000", 18), "1");
    s_expect(s_raw("-120", 3), "-0.12");
    s_expect(s_raw("0", 18), "0");
    s_expect(s_raw("10000000000000000000000000000000000000", 18), "10000000000000000000");
    s_expect(s_raw("10000000000000000000000000000000000000", 0),
             "10000000000000000000000000000000000000");
    s_expect(s_raw("-5", 18), "-0.000000000000000005");
}

static void
test_scale_limits(void **state)
{
    (void) state;
    cb_decimal_t d;
    /* 18 decimals is the most. */
    d = D("0.000000000000000001");
    assert_true(d.coef == 1);
    assert_int_equal(d.scale, 18);
    d = D("-1.123456789012345678");
    assert_int_equal(d.scale, 18);
    s_expect(d, "-1.123456789012345678");
    /* 19 significant fraction digits do not fit. */
    assert_int_equal(s_parse("0.0000000000000000001", &d), CB_E_RANGE);
    assert_int_equal(s_parse("1.0000000000000000001", &d), CB_E_RANGE);
    assert_int_equal(s_parse("-0.1234567890123456789", &d), CB_E_RANGE);
    assert_int_equal(s_parse("0.00000000000000000050", &d), CB_E_RANGE);
    /* Trailing zeros beyond 18 decimals do not change the value. */
    s_expect(D("0.0000000000000000010"), "0.000000000000000001");
    s_expect(D("0.000000000000000001000000000000000000000000000000"), "0.000000000000000001");
    s_expect(D("2.50000000000000000000000000000000000000000000000000000000000000000"), "2.5");
    s_expect(D("-0.00000000000000000000000000000000"), "0");
    /* 38 digits fit, 39 do not, wherever the point is. */
    assert_int_equal(s_parse("123456789012345678901234567890123456789", &d), CB_E_RANGE);
    assert_int_equal(s_parse("100000000000000000000000000000000000000", &d), CB_E_RANGE);
    assert_int_equal(s_parse("1234567890123456789012.34567890123456789", &d), CB_E_RANGE);
    s_expect(D("12345678901234567890.123456789012345678"),
             "12345678901234567890.123456789012345678");
    assert_int_equal(s_parse("-99999999999999999999.9999999999999999999", &d), CB_E_RANGE);
}

static void
test_exponents(void **state)
{
    (void) state;
    static const char *const cases[][2] = {
        {"1e0", "1"},
        {"1E+0", "1"},
        {"1e-0", "1"},
        {"5e-1", "0.5"},
        {"-1.5e-3", "-0.0015"},
        {"1e-18", "0.000000000000000001"},
        {"100e-20", "0.000000000000000001"},
        {"12.5e-17", "0.000000000000000125"},
        {"1e37", "10000000000000000000000000000000000000"},
        {"9.9e36", "9900000000000000000000000000000000000"},
        {".5e1", "5"},
        {"5.e1", "50"},
        {"1e0000000000000000000000000003", "1000"},
        {"0e999999999", "0"},
        {"-0e-999999999", "0"},
        {"0.000e99999999999999999999999999", "0"},
        /* Digits beyond 38 are fine when the exponent takes them back. */
        {"1000000000000000000000000000000000000000e-5", "10000000000000000000000000000000000"},
        {"0.00000000000000000000000001e20", "0.000001"},
        {"123000000000000000000000000000000000000000000e-45", "0.123"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_expect(D(cases[i][0]), cases[i][1]);
    }
    static const char *const out_of_range[] = {
        "1e38",
        "1e-19",
        "10e-20",
        "-1.5e-18",
        "10e37",
        "1e999999999",
        "1e-999999999",
        "1e99999999999999999999999999999999",
        "-1e-99999999999999999999999999999999",
        "99999999999999999999999999999999999999e1",
    };
    for (size_t i = 0; i < sizeof out_of_range / sizeof out_of_range[0]; i++) {
        cb_decimal_t d;
        if (s_parse(out_of_range[i], &d) != CB_E_RANGE) {
            fail_msg("'%s' is not CB_E_RANGE", out_of_range[i]);
        }
    }
}

static const char *const s_garbage[] = {
    "",    "-",   "+",    ".",   "-.",    "+.",       "1..2",  "1.2.3", " 1",   "1 ",
    "1,5", "inf", "-inf", "nan", "NaN",   "Infinity", "0x10",  "0b1",   "1e",   "1e+",
    "1e-", "e5",  "-e5",  ".e5", "1.5e",  "1e5.5",    "1e5e5", "1e 5",  "1 e5", "--1",
    "+-1", "-+1", "1-",   "1+",  "12a",   "$1",       "1_000", "\t1",   "1\n",  "1/2",
    "١",   "∞",   "1.5.", "..1", "1e--5", "e",        "E",     "0.0.0", "1ee5", "+e",
};

static void
test_garbage_is_rejected(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof s_garbage / sizeof s_garbage[0]; i++) {
        cb_decimal_t d = D("7");
        if (s_parse(s_garbage[i], &d) != CB_E_PARSE) {
            fail_msg("accepted garbage '%s'", s_garbage[i]);
        }
    }
    cb_decimal_t d;
    /* An embedded NUL is a bad byte like any other. */
    assert_int_equal(cb_decimal_parse("1\0", 2, &d), CB_E_PARSE);
    assert_int_equal(cb_decimal_parse("\0", 1, &d), CB_E_PARSE);
    assert_int_equal(cb_decimal_parse(NULL, 0, &d), CB_E_PARSE);
    assert_int_equal(cb_decimal_parse("5", 0, &d), CB_E_PARSE);
}

/* Each text sits at the very end of a page followed by an inaccessible page:
 * reading one byte past len faults, with or without sanitizers. */
static void
test_parse_stops_at_len(void **state)
{
    (void) state;
    static const char *const texts[] = {
        "12345",
        "-50000.12345678",
        "0.00012300",
        "1.5E+3",
        "1e-8",
        "+.5",
        "5.",
        "1e",
        "1.0000000000000000000000000000000000000000001",
        "99999999999999999999.999999999999999999",
        "123456789012345678901234567890123456789",
    };
    size_t page = (size_t) sysconf(_SC_PAGESIZE);
    char *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(map != MAP_FAILED);
    assert_int_equal(mprotect(map + page, page, PROT_NONE), 0);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t len = strlen(texts[i]);
        for (size_t n = 0; n <= len; n++) {
            char *at = map + page - n;
            memcpy(at, texts[i], n);
            cb_decimal_t a = {0, 0};
            cb_decimal_t b = {0, 0};
            int rc = cb_decimal_parse(at, n, &a);
            /* Same answer as the same prefix followed by more digits. */
            char longer[64];
            memcpy(longer, texts[i], n);
            memcpy(longer + n, "999", 4);
            assert_int_equal(rc, n == 0 ? CB_E_PARSE : cb_decimal_parse(longer, n, &b));
            if (rc == 0) {
                assert_int_equal(cb_decimal_cmp(a, b), 0);
            }
        }
    }
    cb_decimal_t d;
    assert_int_equal(cb_decimal_parse("12345", 2, &d), 0);
    s_expect(d, "12");
    assert_int_equal(cb_decimal_parse("1.5e3", 3, &d), 0);
    s_expect(d, "1.5");
    assert_int_equal(munmap(map, 2 * page), 0);
}

static void
test_negative_zero(void **state)
{
    (void) state;
    static const char *const zeros[] = {"-0",   "-0.0",       "-.0",
                                        "-0e5", "-00.000e-3", "-0.000000000000000000000"};
    for (size_t i = 0; i < sizeof zeros / sizeof zeros[0]; i++) {
        cb_decimal_t d = D(zeros[i]);
        assert_true(cb_decimal_is_zero(d));
        assert_int_equal(cb_decimal_sign(d), 0);
        assert_int_equal(cb_decimal_cmp(d, cb_decimal_from_int(0)), 0);
        s_expect(d, "0");
    }
    cb_decimal_t r;
    assert_int_equal(cb_decimal_mul(D("-1"), D("0"), 2, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "0");
    assert_int_equal(cb_decimal_mul(D("-0.0001"), D("0.0001"), 4, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "0");
    assert_int_equal(cb_decimal_sign(r), 0);
    assert_int_equal(cb_decimal_div(D("-1"), D("3"), 0, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "0");
    assert_int_equal(cb_decimal_round(D("-0.4"), 0, CB_ROUND_HALF_EVEN, &r), 0);
    s_expect(r, "0");
    assert_true(cb_decimal_is_zero(r));
    assert_int_equal(cb_decimal_add(D("-2.5"), D("2.50"), &r), 0);
    s_expect(r, "0");
    s_expect(cb_decimal_neg(D("0")), "0");
    assert_int_equal(cb_decimal_quantize(D("-0.01"), D("1"), CB_ROUND_CEIL, &r), 0);
    s_expect(r, "0");
    assert_int_equal(cb_decimal_sign(r), 0);
    int64_t v = 5;
    assert_int_equal(cb_decimal_to_scaled_int(D("-0"), 8, &v), 0);
    assert_int_equal(v, 0);
}

static void
test_add_sub_overflow(void **state)
{
    (void) state;
    cb_decimal_t r;
    cb_decimal_t max = D("99999999999999999999999999999999999999");
    assert_int_equal(cb_decimal_add(max, D("1"), &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_add(max, D("0.1"), &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_sub(cb_decimal_neg(max), D("1"), &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_sub(max, cb_decimal_neg(max), &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_add(max, D("-1"), &r), 0);
    s_expect(r, "99999999999999999999999999999999999998");
    assert_int_equal(cb_decimal_add(max, cb_decimal_neg(max), &r), 0);
    s_expect(r, "0");
    /* Aligning scales can overflow too: 10^37 at scale 18 does not fit. */
    assert_int_equal(
        cb_decimal_add(D("10000000000000000000000000000000000000"), D("0.000000000000000001"), &r),
        CB_E_OVERFLOW);
    /* ... but a result that fits is exact even when one side alone would not
     * fit at the common scale. */
    cb_decimal_t almost = D("-99999999999999999999.999999999999999999");
    assert_int_equal(cb_decimal_add(D("100000000000000000000"), almost, &r), 0);
    s_expect(r, "0.000000000000000001");
    assert_int_equal(cb_decimal_sub(D("-100000000000000000000"), almost, &r), 0);
    s_expect(r, "-0.000000000000000001");
    assert_int_equal(cb_decimal_add(D("1000000000000000000000"), almost, &r), CB_E_OVERFLOW);
    /* out is untouched on failure. */
    r = D("7");
    assert_int_equal(cb_decimal_add(max, max, &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_sub(max, cb_decimal_neg(max), &r), CB_E_OVERFLOW);
    s_expect(r, "7");
    assert_int_equal(r.scale, 0);
}

static void
test_mul_exact_intermediate(void **state)
{
    (void) state;
    cb_decimal_t r;
    assert_int_equal(cb_decimal_mul(D("50000.1"), D("0.5"), 8, CB_ROUND_HALF_EVEN, &r), 0);
    s_expect(r, "25000.05");
    assert_int_equal(r.scale, 8);
    /* 10^19 at scale 18, squared: the coefficients' product is 10^38 at scale
     * 36, which no 38-digit coefficient holds, but 100 at scale 18 does. */
    cb_decimal_t ten = s_raw("10000000000000000000", 18);
    assert_int_equal(cb_decimal_mul(ten, ten, 18, CB_ROUND_HALF_EVEN, &r), 0);
    assert_true(r.coef == (__int128) 100000000000000000 * 1000);
    assert_int_equal(r.scale, 18);
    s_expect(r, "100");
    cb_decimal_t tenish = D("10.000000000000000001");
    assert_int_equal(cb_decimal_mul(tenish, tenish, 18, CB_ROUND_HALF_EVEN, &r), 0);
    s_expect(r, "100.00000000000000002");
    /* A 56-digit product (past 128 bits) whose rounded result fits. */
    cb_decimal_t a = D("9999999999.999999999999999999");
    cb_decimal_t b = D("10000000000.000000000000000001");
    assert_int_equal(cb_decimal_mul(a, b, 18, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "99999999999999999999.999999999999999999");
    assert_int_equal(cb_decimal_mul(cb_decimal_neg(a), b, 18, CB_ROUND_CEIL, &r), 0);
    s_expect(r, "-99999999999999999999.999999999999999999");
    assert_int_equal(cb_decimal_mul(a, b, 17, CB_ROUND_HALF_UP, &r), 0);
    s_expect(r, "100000000000000000000");
    /* The exact product is 10^20 - 10^-36: rounding it up to 18 decimals
     * carries into a 39th digit. */
    assert_int_equal(cb_decimal_mul(a, b, 18, CB_ROUND_UP, &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_mul(a, b, 18, CB_ROUND_HALF_EVEN, &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_mul(a, cb_decimal_neg(b), 18, CB_ROUND_FLOOR, &r), CB_E_OVERFLOW);
    assert_int_equal(
        cb_decimal_mul(D("12345678901234567890"), D("0.000000000000000001"), 18, CB_ROUND_DOWN, &r),
        0);
    s_expect(r, "12.34567890123456789");
    assert_int_equal(cb_decimal_mul(D("-2"), D("3"), 0, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "-6");
    assert_int_equal(cb_decimal_mul(D("-2"), D("-3"), 0, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "6");
    /* Overflow. */
    assert_int_equal(cb_decimal_mul(D("1e37"), D("10"), 0, CB_ROUND_DOWN, &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_mul(D("1e19"), D("1e19"), 0, CB_ROUND_DOWN, &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_mul(D("99999999999999999999999999999999999999"),
                                    D("99999999999999999999999999999999999999"), 0, CB_ROUND_DOWN,
                                    &r),
                     CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_mul(D("1e19"), D("1e18"), 0, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "10000000000000000000000000000000000000");
    /* Fits as a product, not once padded to the requested scale. */
    assert_int_equal(cb_decimal_mul(D("1e19"), D("1e18"), 1, CB_ROUND_DOWN, &r), CB_E_OVERFLOW);
    /* Padding to a larger scale is exact. */
    assert_int_equal(cb_decimal_mul(D("1.5"), D("2"), 6, CB_ROUND_DOWN, &r), 0);
    assert_int_equal(r.scale, 6);
    s_expect(r, "3");
    /* Price times quantity, the common case. */
    assert_int_equal(
        cb_decimal_mul(D("50000.12345678"), D("0.12345678"), 8, CB_ROUND_HALF_EVEN, &r), 0);
    s_expect(r, "6172.85424158");
}

typedef struct {
    const char *in;
    const char *out[6]; /* by cb_round_t */
} s_round_case_t;

/* Rounding to an integer, each mode, positive and negative, ties and near ties. */
static const s_round_case_t s_round_cases[] = {
    {"2.5", {"2", "3", "2", "3", "3", "2"}},
    {"-2.5", {"-2", "-3", "-3", "-2", "-3", "-2"}},
    {"3.5", {"3", "4", "3", "4", "4", "4"}},
    {"-3.5", {"-3", "-4", "-4", "-3", "-4", "-4"}},
    {"2.4999", {"2", "3", "2", "3", "2", "2"}},
    {"-2.4999", {"-2", "-3", "-3", "-2", "-2", "-2"}},
    {"2.5001", {"2", "3", "2", "3", "3", "3"}},
    {"-2.5001", {"-2", "-3", "-3", "-2", "-3", "-3"}},
    {"0.5", {"0", "1", "0", "1", "1", "0"}},
    {"-0.5", {"0", "-1", "-1", "0", "-1", "0"}},
    {"1.5", {"1", "2", "1", "2", "2", "2"}},
    {"-1.5", {"-1", "-2", "-2", "-1", "-2", "-2"}},
    {"-0.4", {"0", "-1", "-1", "0", "0", "0"}},
    {"0.4", {"0", "1", "0", "1", "0", "0"}},
    {"2", {"2", "2", "2", "2", "2", "2"}},
    {"-2", {"-2", "-2", "-2", "-2", "-2", "-2"}},
    {"0.000000000000000001", {"0", "1", "0", "1", "0", "0"}},
    {"-0.000000000000000001", {"0", "-1", "-1", "0", "0", "0"}},
    {"9999999999999999.5",
     {"9999999999999999", "10000000000000000", "9999999999999999", "10000000000000000",
      "10000000000000000", "10000000000000000"}},
    {"-9999999999999999.5",
     {"-9999999999999999", "-10000000000000000", "-10000000000000000", "-9999999999999999",
      "-10000000000000000", "-10000000000000000"}},
    {"0.999999999999999999", {"0", "1", "0", "1", "1", "1"}},
    {"-0.499999999999999999", {"0", "-1", "-1", "0", "0", "0"}},
    {"0.500000000000000001", {"0", "1", "0", "1", "1", "1"}},
};

static void
s_check(int rc, cb_decimal_t r, const char *what, const char *in, int mode, const char *want)
{
    char buf[CB_DECIMAL_STR_MAX] = "";
    if (rc == 0) {
        cb_decimal_format(r, buf, sizeof buf);
    }
    if (rc != 0 || strcmp(buf, want) != 0) {
        fail_msg("%s(%s, %s) = %s (rc %d), wanted %s", what, in, s_mode_names[mode], buf, rc, want);
    }
}

static void
test_rounding_modes(void **state)
{
    (void) state;
    cb_decimal_t half = D("0.5");
    cb_decimal_t two = D("2");
    /* 1 with 18 zeros: the product then has 18 more decimals to drop. */
    cb_decimal_t one18 = s_raw("1000000000000000000", 18);
    for (size_t i = 0; i < sizeof s_round_cases / sizeof s_round_cases[0]; i++) {
        const s_round_case_t *c = &s_round_cases[i];
        cb_decimal_t x = D(c->in);
        cb_decimal_t twice;
        assert_int_equal(cb_decimal_add(x, x, &twice), 0);
        for (int m = 0; m <= CB_ROUND_HALF_EVEN; m++) {
            cb_round_t mode = (cb_round_t) m;
            cb_decimal_t r;
            s_check(cb_decimal_round(x, 0, mode, &r), r, "round", c->in, m, c->out[m]);
            assert_int_equal(r.scale, 0);
            /* x = 2x * 0.5 = -2x * -0.5 = x * 1.000000000000000000 */
            s_check(cb_decimal_mul(twice, half, 0, mode, &r), r, "mul", c->in, m, c->out[m]);
            s_check(cb_decimal_mul(cb_decimal_neg(twice), cb_decimal_neg(half), 0, mode, &r), r,
                    "mul-", c->in, m, c->out[m]);
            s_check(cb_decimal_mul(x, one18, 0, mode, &r), r, "mul1", c->in, m, c->out[m]);
            /* x = 2x / 2 = -2x / -2 = x / 1 */
            s_check(cb_decimal_div(twice, two, 0, mode, &r), r, "div", c->in, m, c->out[m]);
            s_check(cb_decimal_div(cb_decimal_neg(twice), cb_decimal_neg(two), 0, mode, &r), r,
                    "div-", c->in, m, c->out[m]);
            s_check(cb_decimal_div(x, one18, 0, mode, &r), r, "div1", c->in, m, c->out[m]);
        }
    }
    cb_decimal_t r;
    assert_int_equal(cb_decimal_round(D("1.23"), 5, CB_ROUND_DOWN, &r), 0);
    assert_int_equal(r.scale, 5);
    s_expect(r, "1.23");
}

typedef struct {
    const char *in;
    unsigned scale;
    const char *out[6];
} s_round_at_case_t;

/* Rounding to a number of decimals, including values whose intermediates pass
 * 128 bits: x at scale 18 times 1 at scale 18, and x * 10^18 / 10^18. */
static const s_round_at_case_t s_round_at_cases[] = {
    {"1.005", 2, {"1", "1.01", "1", "1.01", "1.01", "1"}},
    {"-1.005", 2, {"-1", "-1.01", "-1.01", "-1", "-1.01", "-1"}},
    {"1.015", 2, {"1.01", "1.02", "1.01", "1.02", "1.02", "1.02"}},
    {"-1.015", 2, {"-1.01", "-1.02", "-1.02", "-1.01", "-1.02", "-1.02"}},
    {"0.125", 2, {"0.12", "0.13", "0.12", "0.13", "0.13", "0.12"}},
    {"-0.125", 2, {"-0.12", "-0.13", "-0.13", "-0.12", "-0.13", "-0.12"}},
    {"1234.5", 0, {"1234", "1235", "1234", "1235", "1235", "1234"}},
    {"-1234.5", 0, {"-1234", "-1235", "-1235", "-1234", "-1235", "-1234"}},
    {"1235.5", 0, {"1235", "1236", "1235", "1236", "1236", "1236"}},
    {"-1235.5", 0, {"-1235", "-1236", "-1236", "-1235", "-1236", "-1236"}},
    {"1234.499999999999999999", 0, {"1234", "1235", "1234", "1235", "1234", "1234"}},
    {"-1234.500000000000000001", 0, {"-1234", "-1235", "-1235", "-1234", "-1235", "-1235"}},
    {"1234.000000000000000005",
     17,
     {"1234", "1234.00000000000000001", "1234", "1234.00000000000000001", "1234.00000000000000001",
      "1234"}},
    {"-1234.000000000000000005",
     17,
     {"-1234", "-1234.00000000000000001", "-1234.00000000000000001", "-1234",
      "-1234.00000000000000001", "-1234"}},
    {"1234.000000000000000015",
     17,
     {"1234.00000000000000001", "1234.00000000000000002", "1234.00000000000000001",
      "1234.00000000000000002", "1234.00000000000000002", "1234.00000000000000002"}},
    {"-1234.000000000000000015",
     17,
     {"-1234.00000000000000001", "-1234.00000000000000002", "-1234.00000000000000002",
      "-1234.00000000000000001", "-1234.00000000000000002", "-1234.00000000000000002"}},
    {"99999999999999999.999999999999999999",
     17,
     {"99999999999999999.99999999999999999", "100000000000000000",
      "99999999999999999.99999999999999999", "100000000000000000", "100000000000000000",
      "100000000000000000"}},
};

static void
test_rounding_to_decimals(void **state)
{
    (void) state;
    cb_decimal_t one18 = s_raw("1000000000000000000", 18);
    cb_decimal_t e18 = cb_decimal_from_int(1000000000000000000);
    cb_decimal_t e18_at_18 = s_raw("1000000000000000000000000000000000000", 18);
    for (size_t i = 0; i < sizeof s_round_at_cases / sizeof s_round_at_cases[0]; i++) {
        const s_round_at_case_t *c = &s_round_at_cases[i];
        cb_decimal_t x = D(c->in);
        cb_decimal_t x18;
        assert_int_equal(cb_decimal_round(x, 18, CB_ROUND_DOWN, &x18), 0);
        assert_int_equal(x18.scale, 18);
        cb_decimal_t big = x18; /* x * 10^18, an integer */
        big.scale = 0;
        for (int m = 0; m <= CB_ROUND_HALF_EVEN; m++) {
            cb_round_t mode = (cb_round_t) m;
            cb_decimal_t r;
            s_check(cb_decimal_round(x, c->scale, mode, &r), r, "round", c->in, m, c->out[m]);
            assert_int_equal(r.scale, c->scale);
            s_check(cb_decimal_round(x18, c->scale, mode, &r), r, "round18", c->in, m, c->out[m]);
            s_check(cb_decimal_mul(x18, one18, c->scale, mode, &r), r, "mul", c->in, m, c->out[m]);
            s_check(cb_decimal_mul(one18, x18, c->scale, mode, &r), r, "mul'", c->in, m, c->out[m]);
            s_check(cb_decimal_div(big, e18, c->scale, mode, &r), r, "div", c->in, m, c->out[m]);
            s_check(cb_decimal_div(big, e18_at_18, c->scale, mode, &r), r, "div18", c->in, m,
                    c->out[m]);
            assert_int_equal(r.scale, c->scale);
        }
    }
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
    assert_int_equal(cb_decimal_div(D("2"), D("3"), 8, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "0.66666666");
    assert_int_equal(cb_decimal_div(D("-2"), D("3"), 8, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "-0.66666666");
    assert_int_equal(cb_decimal_div(D("-2"), D("3"), 8, CB_ROUND_FLOOR, &r), 0);
    s_expect(r, "-0.66666667");
    assert_int_equal(cb_decimal_div(D("2"), D("-3"), 8, CB_ROUND_CEIL, &r), 0);
    s_expect(r, "-0.66666666");
    assert_int_equal(cb_decimal_div(D("-2"), D("-3"), 8, CB_ROUND_CEIL, &r), 0);
    s_expect(r, "0.66666667");
    assert_int_equal(cb_decimal_div(D("1"), D("3"), 18, CB_ROUND_UP, &r), 0);
    s_expect(r, "0.333333333333333334");
    assert_int_equal(cb_decimal_div(D("1000"), D("0.000000000000000001"), 0, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "1000000000000000000000");
    assert_int_equal(cb_decimal_div(D("0.000000000000000001"), D("99999999999999999999999"), 18,
                                    CB_ROUND_UP, &r),
                     0);
    s_expect(r, "0.000000000000000001");
    assert_int_equal(cb_decimal_div(D("0.000000000000000001"), D("99999999999999999999999"), 18,
                                    CB_ROUND_HALF_UP, &r),
                     0);
    s_expect(r, "0");
    /* A quote amount over a price, to the lot's decimals. */
    assert_int_equal(cb_decimal_div(D("1000"), D("50000.12345678"), 8, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "0.01999995");
    /* Divisor and dividend past 128 bits once aligned. */
    assert_int_equal(cb_decimal_div(D("99999999999999999999.999999999999999999"),
                                    D("0.000000000000000003"), 0, CB_ROUND_DOWN, &r),
                     0);
    s_expect(r, "33333333333333333333333333333333333333");
    assert_int_equal(cb_decimal_div(D("99999999999999999999999999999999999999"),
                                    D("33333333333333333333.333333333333333333"), 18,
                                    CB_ROUND_HALF_EVEN, &r),
                     0);
    s_expect(r, "3000000000000000000");
    assert_int_equal(cb_decimal_div(D("7.5"), D("2.5"), 0, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "3");
    /* Division by zero, at any scale. */
    assert_int_equal(cb_decimal_div(D("1"), D("0"), 2, CB_ROUND_DOWN, &r), CB_E_DIV_ZERO);
    assert_int_equal(cb_decimal_div(D("0"), D("-0.000"), 2, CB_ROUND_DOWN, &r), CB_E_DIV_ZERO);
    assert_int_equal(cb_decimal_div(D("1"), s_raw("0", 18), 0, CB_ROUND_UP, &r), CB_E_DIV_ZERO);
    /* Too big. */
    assert_int_equal(cb_decimal_div(D("1e37"), D("0.1"), 0, CB_ROUND_DOWN, &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_div(D("1"), D("0.000000000000000001"), 18, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "1000000000000000000");
    assert_int_equal(cb_decimal_div(D("100"), D("0.000000000000000001"), 18, CB_ROUND_DOWN, &r),
                     CB_E_OVERFLOW);
    assert_int_equal(
        cb_decimal_div(D("99999999999999999999999999999999999999"), D("0.9"), 0, CB_ROUND_DOWN, &r),
        CB_E_OVERFLOW);
}

static void
test_compare_across_scales(void **state)
{
    (void) state;
    assert_int_equal(cb_decimal_cmp(D("1.50"), D("1.5")), 0);
    assert_int_equal(cb_decimal_cmp(s_raw("150", 2), s_raw("15", 1)), 0);
    assert_int_equal(cb_decimal_cmp(s_raw("15", 1), s_raw("1500000000000000000", 18)), 0);
    assert_int_equal(cb_decimal_cmp(D("1.5"), D("1.500000000000000001")), -1);
    assert_int_equal(cb_decimal_cmp(D("1.500000000000000001"), D("1.5")), 1);
    assert_int_equal(cb_decimal_cmp(D("-1.5"), D("-1.500000000000000001")), 1);
    assert_int_equal(cb_decimal_cmp(D("-1"), D("0")), -1);
    assert_int_equal(cb_decimal_cmp(D("0"), D("-0.1")), 1);
    assert_int_equal(cb_decimal_cmp(D("-1"), D("-2")), 1);
    assert_int_equal(cb_decimal_cmp(D("50000.1"), D("50000.09")), 1);
    assert_int_equal(
        cb_decimal_cmp(D("99999999999999999999999999999999999999"), D("0.000000000000000001")), 1);
    /* One side alone passes 38 digits at the other's scale. */
    assert_int_equal(
        cb_decimal_cmp(D("100000000000000000000"), D("99999999999999999999.999999999999999999")),
        1);
    assert_int_equal(
        cb_decimal_cmp(D("99999999999999999999.999999999999999999"), D("100000000000000000000")),
        -1);
    assert_int_equal(
        cb_decimal_cmp(D("-100000000000000000000"), D("-99999999999999999999.999999999999999999")),
        -1);
    assert_int_equal(cb_decimal_cmp(D("-1e37"), D("0.000000000000000001")), -1);
    assert_int_equal(cb_decimal_cmp(D("0.000000000000000001"), D("-1e37")), 1);
    assert_int_equal(cb_decimal_cmp(D("-0"), D("0.000")), 0);
    assert_int_equal(cb_decimal_cmp(s_raw("0", 18), s_raw("-0", 3)), 0);
}

static void
test_quantize_and_multiples(void **state)
{
    (void) state;
    assert_false(cb_decimal_is_multiple(D("50000.123"), D("0.1")));
    assert_true(cb_decimal_is_multiple(D("50000.1"), D("0.1")));
    assert_true(cb_decimal_is_multiple(D("50000.10"), D("0.01")));
    assert_false(cb_decimal_is_multiple(D("50000.105"), D("0.01")));
    assert_true(cb_decimal_is_multiple(D("0.00050000"), D("0.00001")));
    assert_true(cb_decimal_is_multiple(D("-0.3"), D("0.1")));
    assert_true(cb_decimal_is_multiple(D("0"), D("0.1")));
    assert_true(cb_decimal_is_multiple(D("1.25"), D("0.25")));
    assert_false(cb_decimal_is_multiple(D("1.3"), D("0.25")));
    assert_true(cb_decimal_is_multiple(D("100"), D("25")));
    assert_false(cb_decimal_is_multiple(D("110"), D("25")));
    assert_false(cb_decimal_is_multiple(D("1"), D("0")));
    assert_false(cb_decimal_is_multiple(D("1"), D("-0.5")));
    /* The quotient alone has 56 digits. */
    assert_true(cb_decimal_is_multiple(D("1e37"), D("0.000000000000000001")));
    assert_false(cb_decimal_is_multiple(D("1e37"), D("0.000000000000000003")));
    assert_true(cb_decimal_is_multiple(D("99999999999999999999999999999999999999"),
                                       D("0.000000000000000009")));

    cb_decimal_t r;
    assert_int_equal(cb_decimal_quantize(D("50000.123"), D("0.05"), CB_ROUND_FLOOR, &r), 0);
    s_expect(r, "50000.1");
    assert_int_equal(r.scale, 2);
    assert_int_equal(cb_decimal_quantize(D("50000.123"), D("0.05"), CB_ROUND_CEIL, &r), 0);
    s_expect(r, "50000.15");
    assert_int_equal(cb_decimal_quantize(D("50000.123"), D("0.05"), CB_ROUND_HALF_UP, &r), 0);
    s_expect(r, "50000.1");
    assert_int_equal(cb_decimal_quantize(D("-1.27"), D("0.25"), CB_ROUND_DOWN, &r), 0);
    s_expect(r, "-1.25");
    assert_int_equal(cb_decimal_quantize(D("-1.27"), D("0.25"), CB_ROUND_FLOOR, &r), 0);
    s_expect(r, "-1.5");
    assert_int_equal(cb_decimal_quantize(D("-1.27"), D("0.25"), CB_ROUND_UP, &r), 0);
    s_expect(r, "-1.5");
    assert_int_equal(cb_decimal_quantize(D("-1.27"), D("0.25"), CB_ROUND_CEIL, &r), 0);
    s_expect(r, "-1.25");
    /* Ties between two ticks. */
    assert_int_equal(cb_decimal_quantize(D("0.375"), D("0.25"), CB_ROUND_HALF_UP, &r), 0);
    s_expect(r, "0.5");
    assert_int_equal(cb_decimal_quantize(D("0.375"), D("0.25"), CB_ROUND_HALF_EVEN, &r), 0);
    s_expect(r, "0.5");
    assert_int_equal(cb_decimal_quantize(D("0.125"), D("0.25"), CB_ROUND_HALF_EVEN, &r), 0);
    s_expect(r, "0");
    assert_int_equal(cb_decimal_quantize(D("-0.375"), D("0.25"), CB_ROUND_HALF_EVEN, &r), 0);
    s_expect(r, "-0.5");
    /* Already a multiple: unchanged in every mode. */
    for (int m = 0; m <= CB_ROUND_HALF_EVEN; m++) {
        assert_int_equal(cb_decimal_quantize(D("-50000.1"), D("0.1"), (cb_round_t) m, &r), 0);
        s_expect(r, "-50000.1");
    }
    /* Lot sizes. */
    assert_int_equal(cb_decimal_quantize(D("0.123456789"), D("0.00001"), CB_ROUND_DOWN, &r), 0);
    s_expect(r, "0.12345");
    assert_int_equal(cb_decimal_quantize(D("1234"), D("100"), CB_ROUND_UP, &r), 0);
    s_expect(r, "1300");
    /* Huge values with a tiny step: the result is a, at a smaller scale. */
    assert_int_equal(cb_decimal_quantize(D("1e37"), D("0.000000000000000001"), CB_ROUND_DOWN, &r),
                     0);
    s_expect(r, "10000000000000000000000000000000000000");
    assert_int_equal(
        cb_decimal_quantize(D("99999999999999999999999999999999999999"), D("2"), CB_ROUND_UP, &r),
        CB_E_OVERFLOW);
    assert_int_equal(
        cb_decimal_quantize(D("99999999999999999999999999999999999999"), D("2"), CB_ROUND_DOWN, &r),
        0);
    s_expect(r, "99999999999999999999999999999999999998");
    /* Bad steps and modes. */
    assert_int_equal(cb_decimal_quantize(D("1"), D("0"), CB_ROUND_DOWN, &r), CB_E_RANGE);
    assert_int_equal(cb_decimal_quantize(D("1"), D("-0.1"), CB_ROUND_DOWN, &r), CB_E_RANGE);
    assert_int_equal(cb_decimal_quantize(D("1"), D("0.1"), (cb_round_t) 6, &r), CB_E_RANGE);
}

static void
test_to_scaled_int(void **state)
{
    (void) state;
    int64_t v = 0;
    assert_int_equal(cb_decimal_to_scaled_int(D("1.23456789"), 8, &v), 0);
    assert_int_equal(v, 123456789);
    assert_int_equal(cb_decimal_to_scaled_int(D("1.2345678"), 8, &v), 0);
    assert_int_equal(v, 123456780);
    assert_int_equal(cb_decimal_to_scaled_int(s_raw("1234567890000", 12), 8, &v), 0);
    assert_int_equal(v, 123456789);
    assert_int_equal(cb_decimal_to_scaled_int(D("-0.5"), 1, &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(cb_decimal_to_scaled_int(D("21000000"), 8, &v), 0);
    assert_int_equal(v, 2100000000000000);
    /* Digits would be lost. */
    v = 42;
    assert_int_equal(cb_decimal_to_scaled_int(D("1.234567891"), 8, &v), CB_E_RANGE);
    assert_int_equal(cb_decimal_to_scaled_int(D("-0.000000001"), 8, &v), CB_E_RANGE);
    /* int64 bounds, both sides. */
    assert_int_equal(cb_decimal_to_scaled_int(D("92233720368.54775807"), 8, &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(cb_decimal_to_scaled_int(D("92233720368.54775808"), 8, &v), CB_E_RANGE);
    assert_int_equal(cb_decimal_to_scaled_int(D("-92233720368.54775808"), 8, &v), 0);
    assert_true(v == INT64_MIN);
    assert_int_equal(cb_decimal_to_scaled_int(D("-92233720368.54775809"), 8, &v), CB_E_RANGE);
    assert_int_equal(cb_decimal_to_scaled_int(D("100000000000"), 8, &v), CB_E_RANGE);
    assert_int_equal(cb_decimal_to_scaled_int(D("1e37"), 18, &v), CB_E_RANGE);
    assert_int_equal(cb_decimal_to_scaled_int(D("1"), 19, &v), CB_E_RANGE);
}

static void
test_format_small_buffer(void **state)
{
    (void) state;
    static const char *const texts[] = {"0",
                                        "-1",
                                        "1234",
                                        "0.001",
                                        "-0.000000000000000001",
                                        "-99999999999999999999999999999999999999",
                                        "-99999999999999999999.999999999999999999"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        cb_decimal_t d = D(texts[i]);
        size_t len = strlen(texts[i]);
        char buf[64];
        for (size_t size = 0; size <= len + 1; size++) {
            memset(buf, '#', sizeof buf);
            int n = cb_decimal_format(d, buf, size);
            if (size <= len) {
                assert_int_equal(n, CB_E_TOO_BIG);
            } else {
                assert_int_equal(n, (int) len);
                assert_string_equal(buf, texts[i]);
            }
            /* Nothing is written past size. */
            for (size_t k = size; k < sizeof buf; k++) {
                assert_int_equal(buf[k], '#');
            }
        }
    }
    /* The longest canonical texts fit CB_DECIMAL_STR_MAX. */
    char big[CB_DECIMAL_STR_MAX];
    assert_int_equal(
        cb_decimal_format(D("-99999999999999999999.999999999999999999"), big, sizeof big), 40);
    assert_int_equal(
        cb_decimal_format(s_raw("-99999999999999999999999999999999999999", 1), big, sizeof big),
        40);
    assert_int_equal(cb_decimal_format(s_raw("-1", 18), big, sizeof big), 21);
}

static void
test_near_the_limit(void **state)
{
    (void) state;
    cb_decimal_t max = D("99999999999999999999999999999999999999");
    cb_decimal_t min = cb_decimal_neg(max);
    s_expect(min, "-99999999999999999999999999999999999999");
    s_expect(cb_decimal_abs(min), "99999999999999999999999999999999999999");
    assert_int_equal(cb_decimal_cmp(min, max), -1);
    assert_int_equal(cb_decimal_cmp(max, D("9999999999999999999999999999999999999.9")), 1);
    cb_decimal_t r;
    assert_int_equal(cb_decimal_mul(max, D("1"), 0, CB_ROUND_DOWN, &r), 0);
    assert_int_equal(cb_decimal_cmp(r, max), 0);
    assert_int_equal(cb_decimal_mul(min, D("-1"), 0, CB_ROUND_DOWN, &r), 0);
    assert_int_equal(cb_decimal_cmp(r, max), 0);
    assert_int_equal(cb_decimal_div(min, D("1"), 0, CB_ROUND_DOWN, &r), 0);
    assert_int_equal(cb_decimal_cmp(r, min), 0);
    assert_int_equal(cb_decimal_div(max, D("3"), 0, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "33333333333333333333333333333333333333");
    assert_int_equal(cb_decimal_div(max, D("2"), 0, CB_ROUND_HALF_UP, &r), 0);
    s_expect(r, "50000000000000000000000000000000000000");
    assert_int_equal(cb_decimal_div(max, D("-2"), 0, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "-49999999999999999999999999999999999999");
    assert_int_equal(cb_decimal_div(max, D("-2"), 0, CB_ROUND_FLOOR, &r), 0);
    s_expect(r, "-50000000000000000000000000000000000000");
    /* 49999999999999999999999999999999999999.5 needs 39 digits. */
    assert_int_equal(cb_decimal_div(max, D("2"), 1, CB_ROUND_DOWN, &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_round(max, 1, CB_ROUND_DOWN, &r), CB_E_OVERFLOW);
    assert_int_equal(
        cb_decimal_round(D("9999999999999999999999999999999999999.9"), 0, CB_ROUND_UP, &r), 0);
    s_expect(r, "10000000000000000000000000000000000000");
    assert_int_equal(cb_decimal_add(max, min, &r), 0);
    assert_true(cb_decimal_is_zero(r));
    assert_int_equal(cb_decimal_sub(min, D("-1"), &r), 0);
    s_expect(r, "-99999999999999999999999999999999999998");
    /* Past 2^64 and 2^127 boundaries of the coefficient's halves. */
    cb_decimal_t two64 = D("18446744073709551616");
    assert_int_equal(cb_decimal_mul(two64, two64, 0, CB_ROUND_DOWN, &r), CB_E_OVERFLOW);
    assert_int_equal(cb_decimal_mul(two64, D("0.000000000000000001"), 18, CB_ROUND_DOWN, &r), 0);
    s_expect(r, "18.446744073709551616");
    assert_int_equal(cb_decimal_sub(two64, D("1"), &r), 0);
    s_expect(r, "18446744073709551615");
    s_expect(cb_decimal_normalize(s_raw("-99999999999999999999999999999999999990", 18)),
             "-99999999999999999999.99999999999999999");
    assert_int_equal(
        cb_decimal_normalize(s_raw("-99999999999999999999999999999999999990", 18)).scale, 17);
}

static void
test_bad_arguments(void **state)
{
    (void) state;
    cb_decimal_t r = D("7");
    cb_decimal_t one = D("1");
    assert_int_equal(cb_decimal_mul(one, one, 19, CB_ROUND_DOWN, &r), CB_E_RANGE);
    assert_int_equal(cb_decimal_div(one, one, 19, CB_ROUND_DOWN, &r), CB_E_RANGE);
    assert_int_equal(cb_decimal_round(one, 19, CB_ROUND_DOWN, &r), CB_E_RANGE);
    assert_int_equal(cb_decimal_mul(one, one, 2, (cb_round_t) 6, &r), CB_E_RANGE);
    assert_int_equal(cb_decimal_div(one, one, 2, (cb_round_t) 99, &r), CB_E_RANGE);
    assert_int_equal(cb_decimal_round(one, 2, (cb_round_t) -1, &r), CB_E_RANGE);
    /* A bad scale is reported before a zero divisor. */
    assert_int_equal(cb_decimal_div(one, D("0"), 19, CB_ROUND_DOWN, &r), CB_E_RANGE);
    s_expect(r, "7");
}

static void
test_helpers(void **state)
{
    (void) state;
    s_expect(cb_decimal_abs(D("-4.2")), "4.2");
    s_expect(cb_decimal_abs(D("4.2")), "4.2");
    s_expect(cb_decimal_neg(D("4.2")), "-4.2");
    s_expect(cb_decimal_neg(D("-4.2")), "4.2");
    assert_int_equal(cb_decimal_sign(D("-0.000000000000000001")), -1);
    assert_int_equal(cb_decimal_sign(D("1e37")), 1);
    assert_false(cb_decimal_is_zero(D("0.000000000000000001")));
    cb_decimal_t n = cb_decimal_normalize(s_raw("12300", 4));
    assert_int_equal(n.scale, 2);
    assert_true(n.coef == 123);
    n = cb_decimal_normalize(s_raw("-500", 2));
    assert_int_equal(n.scale, 0);
    assert_true(n.coef == -5);
    n = cb_decimal_normalize(s_raw("0", 9));
    assert_int_equal(n.scale, 0);
    n = cb_decimal_normalize(s_raw("1000", 0)); /* integers keep their zeros */
    assert_true(n.coef == 1000);
    s_expect(cb_decimal_from_int(INT64_MIN), "-9223372036854775808");
    s_expect(cb_decimal_from_int(INT64_MAX), "9223372036854775807");
    cb_decimal_t p;
    assert_int_equal(cb_decimal_from_parts(12345, 8, &p), 0);
    s_expect(p, "0.00012345");
    assert_int_equal(cb_decimal_from_parts(INT64_MIN, 18, &p), 0);
    s_expect(p, "-9.223372036854775808");
    assert_int_equal(cb_decimal_from_parts(1, 19, &p), CB_E_RANGE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tenths_add_exactly),
        cmocka_unit_test(test_canonical_format),
        cmocka_unit_test(test_scale_limits),
        cmocka_unit_test(test_exponents),
        cmocka_unit_test(test_garbage_is_rejected),
        cmocka_unit_test(test_parse_stops_at_len),
        cmocka_unit_test(test_negative_zero),
        cmocka_unit_test(test_add_sub_overflow),
        cmocka_unit_test(test_mul_exact_intermediate),
        cmocka_unit_test(test_rounding_modes),
        cmocka_unit_test(test_rounding_to_decimals),
        cmocka_unit_test(test_division),
        cmocka_unit_test(test_compare_across_scales),
        cmocka_unit_test(test_quantize_and_multiples),
        cmocka_unit_test(test_to_scaled_int),
        cmocka_unit_test(test_format_small_buffer),
        cmocka_unit_test(test_near_the_limit),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_helpers),
    };
    return cmocka_run_group_tests_name("decimal", tests, NULL, NULL);
}
