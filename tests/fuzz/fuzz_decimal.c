/* fuzz_decimal.c - libFuzzer: decimal parse, canonical round trip and arithmetic invariants */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_decimal.h"
#include "cb_error.h"

#define S_MODES 6

static void
s_require(bool ok)
{
    if (!ok) {
        abort();
    }
}

static cb_decimal_t
s_const(const char *text)
{
    cb_decimal_t d;
    s_require(cb_decimal_parse(text, strlen(text), &d) == 0);
    return d;
}

/* The canonical form: -?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?, and never "-0". */
static bool
s_canonical(const char *t, size_t n)
{
    size_t i = 0;
    if (i < n && t[i] == '-') {
        i++;
    }
    size_t int_start = i;
    while (i < n && t[i] >= '0' && t[i] <= '9') {
        i++;
    }
    size_t int_len = i - int_start;
    if (int_len == 0 || (int_len > 1 && t[int_start] == '0')) {
        return false;
    }
    if (i < n) {
        if (t[i] != '.' || i + 1 == n || t[n - 1] == '0') {
            return false;
        }
        for (i++; i < n; i++) {
            if (t[i] < '0' || t[i] > '9') {
                return false;
            }
        }
    } else if (t[0] == '-' && int_len == 1 && t[1] == '0') {
        return false;
    }
    return t[n] == '\0';
}

static void
s_round_trip(cb_decimal_t d)
{
    char text[CB_DECIMAL_STR_MAX];
    int n = cb_decimal_format(d, text, sizeof text);
    s_require(n > 0 && n < (int) sizeof text && s_canonical(text, (size_t) n));
    cb_decimal_t back;
    s_require(cb_decimal_parse(text, (size_t) n, &back) == 0);
    s_require(cb_decimal_cmp(d, back) == 0 && cb_decimal_cmp(back, d) == 0);
    char again[CB_DECIMAL_STR_MAX];
    s_require(cb_decimal_format(back, again, sizeof again) == n);
    s_require(memcmp(text, again, (size_t) n + 1) == 0);
    /* One byte short is refused. */
    s_require(cb_decimal_format(d, again, (size_t) n) == CB_E_TOO_BIG);
}

/* r[m], rc[m]: one operation in every rounding mode, whose exact result has
 * sign negative (when nonzero). FLOOR and CEIL bracket it one unit apart or
 * agree, and every other mode picks one of the two. */
static void
s_check_modes(const cb_decimal_t *r, const int *rc, bool negative, unsigned scale)
{
    for (int m = 0; m < S_MODES; m++) {
        s_require(rc[m] == 0 || rc[m] == CB_E_OVERFLOW);
        if (rc[m] == 0) {
            s_require(r[m].scale == scale);
            s_round_trip(r[m]);
        }
    }
    if (rc[CB_ROUND_FLOOR] != 0 || rc[CB_ROUND_CEIL] != 0) {
        return;
    }
    cb_decimal_t lo = r[CB_ROUND_FLOOR];
    cb_decimal_t hi = r[CB_ROUND_CEIL];
    int c = cb_decimal_cmp(lo, hi);
    s_require(c <= 0);
    if (c < 0) {
        cb_decimal_t ulp;
        s_require(cb_decimal_from_parts(1, scale, &ulp) == 0);
        cb_decimal_t step;
        s_require(cb_decimal_sub(hi, lo, &step) == 0 && cb_decimal_cmp(step, ulp) == 0);
    }
    for (int m = 0; m < S_MODES; m++) {
        s_require(rc[m] == 0);
        s_require(cb_decimal_cmp(r[m], lo) == 0 || cb_decimal_cmp(r[m], hi) == 0);
    }
    cb_decimal_t toward = negative ? hi : lo;
    cb_decimal_t away = negative ? lo : hi;
    s_require(cb_decimal_cmp(r[CB_ROUND_DOWN], toward) == 0);
    s_require(cb_decimal_cmp(r[CB_ROUND_UP], away) == 0);
    if (c == 0) {
        return;
    }
    /* With an exact tie both half modes agree unless HALF_EVEN went down. */
    if (cb_decimal_cmp(r[CB_ROUND_HALF_EVEN], r[CB_ROUND_HALF_UP]) != 0) {
        s_require(cb_decimal_cmp(r[CB_ROUND_HALF_UP], away) == 0);
        s_require((r[CB_ROUND_HALF_EVEN].coef & 1) == 0);
    }
}

static void
s_mul_all(cb_decimal_t a, cb_decimal_t b, unsigned scale)
{
    cb_decimal_t r[S_MODES];
    int rc[S_MODES];
    for (int m = 0; m < S_MODES; m++) {
        rc[m] = cb_decimal_mul(a, b, scale, (cb_round_t) m, &r[m]);
    }
    s_check_modes(r, rc, cb_decimal_sign(a) * cb_decimal_sign(b) < 0, scale);
    /* Multiplication commutes. */
    cb_decimal_t swapped;
    int rc2 = cb_decimal_mul(b, a, scale, CB_ROUND_HALF_EVEN, &swapped);
    s_require(rc2 == rc[CB_ROUND_HALF_EVEN]);
    s_require(rc2 != 0 || cb_decimal_cmp(swapped, r[CB_ROUND_HALF_EVEN]) == 0);
}

static void
s_div_all(cb_decimal_t a, cb_decimal_t b, unsigned scale)
{
    cb_decimal_t r[S_MODES];
    int rc[S_MODES];
    for (int m = 0; m < S_MODES; m++) {
        rc[m] = cb_decimal_div(a, b, scale, (cb_round_t) m, &r[m]);
    }
    if (cb_decimal_is_zero(b)) {
        for (int m = 0; m < S_MODES; m++) {
            s_require(rc[m] == CB_E_DIV_ZERO);
        }
        return;
    }
    s_check_modes(r, rc, cb_decimal_sign(a) * cb_decimal_sign(b) < 0, scale);
    if (rc[CB_ROUND_FLOOR] != 0 || rc[CB_ROUND_CEIL] != 0) {
        return;
    }
    /* floor(a / b) * b and ceil(a / b) * b bracket a (for b > 0), and equal
     * it when the quotient is exact. */
    if (cb_decimal_sign(b) > 0) {
        cb_decimal_t lo;
        cb_decimal_t hi;
        if (cb_decimal_mul(r[CB_ROUND_FLOOR], b, CB_DECIMAL_MAX_SCALE, CB_ROUND_FLOOR, &lo) == 0 &&
            cb_decimal_mul(r[CB_ROUND_CEIL], b, CB_DECIMAL_MAX_SCALE, CB_ROUND_CEIL, &hi) == 0) {
            s_require(cb_decimal_cmp(lo, a) <= 0 && cb_decimal_cmp(a, hi) <= 0);
            if (cb_decimal_cmp(r[CB_ROUND_FLOOR], r[CB_ROUND_CEIL]) == 0) {
                s_require(cb_decimal_cmp(lo, a) == 0 && cb_decimal_cmp(hi, a) == 0);
            }
        }
    }
}

static void
s_round_all(cb_decimal_t a, unsigned scale)
{
    cb_decimal_t r[S_MODES];
    int rc[S_MODES];
    for (int m = 0; m < S_MODES; m++) {
        rc[m] = cb_decimal_round(a, scale, (cb_round_t) m, &r[m]);
    }
    s_check_modes(r, rc, cb_decimal_sign(a) < 0, scale);
}

/* back = a after undoing b: equal to a, or CB_E_OVERFLOW when a itself has no
 * 38-digit coefficient at the common scale. */
static void
s_require_back(int rc, cb_decimal_t back, cb_decimal_t a, unsigned scale)
{
    cb_decimal_t padded;
    if (rc == 0) {
        s_require(cb_decimal_cmp(back, a) == 0);
    } else {
        s_require(rc == CB_E_OVERFLOW);
        s_require(cb_decimal_round(a, scale, CB_ROUND_DOWN, &padded) == CB_E_OVERFLOW);
    }
}

static void
s_add_sub(cb_decimal_t a, cb_decimal_t b)
{
    unsigned scale = a.scale > b.scale ? a.scale : b.scale;
    cb_decimal_t sum;
    cb_decimal_t diff;
    cb_decimal_t back;
    int rc = cb_decimal_add(a, b, &sum);
    s_require(rc == 0 || rc == CB_E_OVERFLOW);
    if (rc == 0) {
        s_require(sum.scale == scale);
        s_round_trip(sum);
        s_require_back(cb_decimal_sub(sum, b, &back), back, a, scale);
        cb_decimal_t other;
        s_require(cb_decimal_add(b, a, &other) == 0 && cb_decimal_cmp(other, sum) == 0);
    }
    rc = cb_decimal_sub(a, b, &diff);
    s_require(rc == 0 || rc == CB_E_OVERFLOW);
    if (rc == 0) {
        s_require(diff.scale == scale);
        s_round_trip(diff);
        s_require_back(cb_decimal_add(diff, b, &back), back, a, scale);
        s_require(cb_decimal_sign(diff) == cb_decimal_cmp(a, b));
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cb_decimal_t d;
    int rc = cb_decimal_parse((const char *) data, size, &d);
    s_require(rc == 0 || rc == CB_E_PARSE || rc == CB_E_RANGE);
    if (rc != 0) {
        return 0;
    }
    s_require(d.scale <= CB_DECIMAL_MAX_SCALE);
    s_round_trip(d);
    s_round_trip(cb_decimal_neg(d));
    cb_decimal_t n = cb_decimal_normalize(d);
    s_require(cb_decimal_cmp(n, d) == 0 && n.scale <= d.scale);
    s_require(cb_decimal_cmp(d, d) == 0);
    s_require(cb_decimal_sign(d) == cb_decimal_cmp(d, cb_decimal_from_int(0)));
    s_require(cb_decimal_cmp(cb_decimal_abs(d), cb_decimal_abs(cb_decimal_neg(d))) == 0);

    /* The fixed operands: a price with 12 decimals and a tiny negative one. */
    cb_decimal_t price = s_const("12345.678901234567");
    cb_decimal_t tiny = s_const("-0.000000000000000007");
    cb_decimal_t tick = s_const("0.05");
    s_require(cb_decimal_cmp(d, price) == -cb_decimal_cmp(price, d));
    s_require(cb_decimal_cmp(d, tiny) == -cb_decimal_cmp(tiny, d));

    s_add_sub(d, d);
    s_add_sub(d, price);
    s_add_sub(tiny, d);
    cb_decimal_t twice;
    if (cb_decimal_add(d, d, &twice) == 0) {
        cb_decimal_t half;
        s_require(cb_decimal_div(twice, cb_decimal_from_int(2), d.scale, CB_ROUND_DOWN, &half) ==
                  0);
        s_require(cb_decimal_cmp(half, d) == 0);
    }
    cb_decimal_t same;
    s_require(cb_decimal_mul(d, cb_decimal_from_int(1), d.scale, CB_ROUND_DOWN, &same) == 0);
    s_require(cb_decimal_cmp(same, d) == 0);

    static const unsigned scales[] = {0, 2, 8, 17, 18};
    for (size_t i = 0; i < sizeof scales / sizeof scales[0]; i++) {
        unsigned s = scales[i];
        s_round_all(d, s);
        s_mul_all(d, d, s);
        s_mul_all(d, price, s);
        s_mul_all(tiny, d, s);
        s_div_all(d, price, s);
        s_div_all(price, d, s);
        s_div_all(d, d, s);
        s_div_all(d, tiny, s);
    }
    if (!cb_decimal_is_zero(d)) {
        cb_decimal_t one;
        s_require(cb_decimal_div(d, d, 0, CB_ROUND_DOWN, &one) == 0);
        s_require(cb_decimal_cmp(one, cb_decimal_from_int(1)) == 0);
    }

    /* Ticks: FLOOR and CEIL are multiples bracketing d, one tick apart or equal. */
    cb_decimal_t lo;
    cb_decimal_t hi;
    int rc_lo = cb_decimal_quantize(d, tick, CB_ROUND_FLOOR, &lo);
    int rc_hi = cb_decimal_quantize(d, tick, CB_ROUND_CEIL, &hi);
    s_require(rc_lo == 0 || rc_lo == CB_E_OVERFLOW);
    s_require(rc_hi == 0 || rc_hi == CB_E_OVERFLOW);
    if (rc_lo == 0 && rc_hi == 0) {
        s_require(cb_decimal_is_multiple(lo, tick) && cb_decimal_is_multiple(hi, tick));
        s_require(cb_decimal_cmp(lo, d) <= 0 && cb_decimal_cmp(d, hi) <= 0);
        bool exact = cb_decimal_cmp(lo, hi) == 0;
        s_require(exact == cb_decimal_is_multiple(d, tick));
        cb_decimal_t gap;
        s_require(cb_decimal_sub(hi, lo, &gap) == 0);
        s_require(cb_decimal_cmp(gap, exact ? cb_decimal_from_int(0) : tick) == 0);
    }
    /* A step of the value itself: always a multiple, quantize gives it back. */
    if (cb_decimal_sign(d) > 0) {
        s_require(cb_decimal_is_multiple(price, d) ==
                  (cb_decimal_quantize(price, d, CB_ROUND_FLOOR, &lo) == 0 &&
                   cb_decimal_cmp(lo, price) == 0));
        s_require(cb_decimal_is_multiple(d, d));
        s_require(cb_decimal_quantize(d, d, CB_ROUND_UP, &lo) == 0 && cb_decimal_cmp(lo, d) == 0);
    }

    /* Satoshis: exact when it works, and it works when exact and in range. */
    int64_t sats;
    cb_decimal_t sat = s_const("0.00000001");
    rc = cb_decimal_to_scaled_int(d, 8, &sats);
    s_require(rc == 0 || rc == CB_E_RANGE);
    if (rc == 0) {
        cb_decimal_t back;
        s_require(cb_decimal_from_parts(sats, 8, &back) == 0 && cb_decimal_cmp(back, d) == 0);
    } else if (cb_decimal_is_multiple(d, sat)) {
        s_require(cb_decimal_cmp(d, s_const("92233720368.54775807")) > 0 ||
                  cb_decimal_cmp(d, s_const("-92233720368.54775808")) < 0);
    }
    return 0;
}
