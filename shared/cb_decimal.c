/* cb_decimal.c - exact decimals: __int128 coefficient, scale 0..18, 256-bit intermediates */
#include <assert.h>
#include <string.h>

#include "cb_decimal.h"
#include "cb_error.h"

/* Every operand must be a valid value (|coef| < 10^38, scale <= 18), as made by this module;
 * anything else is a caller bug and is caught by assert. Results are always valid. */

typedef unsigned __int128 s_u128_t;

/* 10^0 .. 10^38, as constants so that no initialisation order matters. */
#define S_E19 ((s_u128_t) 10000000000000000000u)
/* clang-format off */
static const s_u128_t s_pow10[CB_DECIMAL_MAX_DIGITS + 1] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
    10000000000u, 100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
    1000000000000000u, 10000000000000000u, 100000000000000000u, 1000000000000000000u,
    10000000000000000000u, S_E19 * 10u, S_E19 * 100u, S_E19 * 1000u, S_E19 * 10000u,
    S_E19 * 100000u, S_E19 * 1000000u, S_E19 * 10000000u, S_E19 * 100000000u, S_E19 * 1000000000u,
    S_E19 * 10000000000u, S_E19 * 100000000000u, S_E19 * 1000000000000u, S_E19 * 10000000000000u,
    S_E19 * 100000000000000u, S_E19 * 1000000000000000u, S_E19 * 10000000000000000u,
    S_E19 * 100000000000000000u, S_E19 * 1000000000000000000u, S_E19 * 10000000000000000000u,
};
/* clang-format on */
#define S_LIMIT (s_pow10[CB_DECIMAL_MAX_DIGITS])

static bool
s_valid(cb_decimal_t d)
{
    return d.scale <= CB_DECIMAL_MAX_SCALE && d.coef < (__int128) S_LIMIT &&
           d.coef > -(__int128) S_LIMIT;
}

static bool
s_mode_valid(cb_round_t mode)
{
    return (unsigned) mode <= CB_ROUND_HALF_EVEN;
}

static s_u128_t
s_mag(cb_decimal_t d)
{
    /* Unsigned negation: defined for every coefficient. */
    return d.coef < 0 ? (s_u128_t) 0 - (s_u128_t) d.coef : (s_u128_t) d.coef;
}

/* mag < 10^38 */
static cb_decimal_t
s_make(bool negative, s_u128_t mag, unsigned scale)
{
    cb_decimal_t d;
    d.coef = negative ? -(__int128) mag : (__int128) mag;
    d.scale = (uint8_t) scale;
    return d;
}

/* *out = mag * 10^k (k <= 38); false when that reaches 10^38. Needs no division:
 * mag * 10^k < 10^38 exactly when mag < 10^(38 - k). */
static bool
s_scale_up(s_u128_t mag, unsigned k, s_u128_t *out)
{
    if (mag >= s_pow10[CB_DECIMAL_MAX_DIGITS - k]) {
        return false;
    }
    *out = mag * s_pow10[k];
    return true;
}

/* ---- 256-bit unsigned helpers (little-endian 64-bit limbs) --------------- */

typedef struct {
    uint64_t w[4];
} s_u256_t;

static s_u256_t
s_u256(s_u128_t v)
{
    s_u256_t r = {{(uint64_t) v, (uint64_t) (v >> 64), 0, 0}};
    return r;
}

static bool
s_fits128(const s_u256_t *a, s_u128_t *out)
{
    *out = ((s_u128_t) a->w[1] << 64) | a->w[0];
    return (a->w[2] | a->w[3]) == 0;
}

static bool
s_zero256(const s_u256_t *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

static int
s_cmp256(const s_u256_t *a, const s_u256_t *b)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i] != b->w[i]) {
            return a->w[i] < b->w[i] ? -1 : 1;
        }
    }
    return 0;
}

/* a += b; the caller knows the sum fits. */
static void
s_add256(s_u256_t *a, const s_u256_t *b)
{
    s_u128_t carry = 0;
    for (int i = 0; i < 4; i++) {
        s_u128_t t = (s_u128_t) a->w[i] + b->w[i] + carry;
        a->w[i] = (uint64_t) t;
        carry = t >> 64;
    }
}

/* a -= b; the caller knows a >= b. */
static void
s_sub256(s_u256_t *a, const s_u256_t *b)
{
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        s_u128_t t = (s_u128_t) a->w[i] - b->w[i] - borrow;
        a->w[i] = (uint64_t) t;
        borrow = (uint64_t) (t >> 64) & 1u;
    }
}

static s_u256_t
s_mul128(s_u128_t a, s_u128_t b)
{
    uint64_t a0 = (uint64_t) a;
    uint64_t a1 = (uint64_t) (a >> 64);
    uint64_t b0 = (uint64_t) b;
    uint64_t b1 = (uint64_t) (b >> 64);
    s_u128_t p00 = (s_u128_t) a0 * b0;
    s_u128_t p01 = (s_u128_t) a0 * b1;
    s_u128_t p10 = (s_u128_t) a1 * b0;
    s_u128_t p11 = (s_u128_t) a1 * b1;
    s_u128_t mid = (p00 >> 64) + (uint64_t) p01 + (uint64_t) p10;
    s_u128_t high = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    s_u256_t r = {{(uint64_t) p00, (uint64_t) mid, (uint64_t) high, (uint64_t) (high >> 64)}};
    return r;
}

static int
s_top_bit(const s_u256_t *a)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i] != 0) {
            return i * 64 + 63 - __builtin_clzll(a->w[i]);
        }
    }
    return -1;
}

/* a << k, 0 <= k < 256; bits shifted out are lost. */
static s_u256_t
s_shl256(const s_u256_t *a, unsigned k)
{
    s_u256_t r = {{0, 0, 0, 0}};
    unsigned limbs = k / 64;
    unsigned bits = k % 64;
    for (unsigned i = limbs; i < 4; i++) {
        r.w[i] = a->w[i - limbs] << bits;
        if (bits != 0 && i > limbs) {
            r.w[i] |= a->w[i - limbs - 1] >> (64 - bits);
        }
    }
    return r;
}

static void
s_shr1(s_u256_t *a)
{
    for (int i = 0; i < 3; i++) {
        a->w[i] = (a->w[i] >> 1) | (a->w[i + 1] << 63);
    }
    a->w[3] >>= 1;
}

/* q = n / d, r = n % d, d != 0. Native division when both fit 128 bits, one
 * 128/64 step per limb for a 64-bit divisor, shift and subtract otherwise. */
static void
s_divmod256(const s_u256_t *n, const s_u256_t *d, s_u256_t *q, s_u256_t *r)
{
    s_u128_t n128;
    s_u128_t d128;
    if (s_fits128(n, &n128) && s_fits128(d, &d128)) {
        s_u128_t quot = n128 / d128;
        *q = s_u256(quot);
        *r = s_u256(n128 - quot * d128);
        return;
    }
    if ((d->w[1] | d->w[2] | d->w[3]) == 0) {
        uint64_t dv = d->w[0];
        s_u128_t rem = 0;
        for (int i = 3; i >= 0; i--) {
            s_u128_t cur = (rem << 64) | n->w[i];
            q->w[i] = (uint64_t) (cur / dv);
            rem = cur % dv;
        }
        *r = s_u256(rem);
        return;
    }
    s_u256_t quot = {{0, 0, 0, 0}};
    s_u256_t rem = *n;
    int k = s_top_bit(n) - s_top_bit(d);
    if (k >= 0) {
        s_u256_t ds = s_shl256(d, (unsigned) k);
        for (int bit = k; bit >= 0; bit--) {
            if (s_cmp256(&rem, &ds) >= 0) {
                s_sub256(&rem, &ds);
                quot.w[bit / 64] |= (uint64_t) 1 << (bit % 64);
            }
            s_shr1(&ds);
        }
    }
    *q = quot;
    *r = rem;
}

/* Whether the truncated quotient (odd: its low bit) of a division with
 * remainder r by d moves one unit away from zero under mode. Comparing r with
 * d - r instead of 2r with d judges the half without overflow. */
static bool
s_away(cb_round_t mode, bool negative, bool odd, const s_u256_t *r, const s_u256_t *d)
{
    if (s_zero256(r)) {
        return false;
    }
    s_u256_t rest = *d;
    s_sub256(&rest, r);
    int half = s_cmp256(r, &rest);
    switch (mode) {
    case CB_ROUND_DOWN:
        return false;
    case CB_ROUND_UP:
        return true;
    case CB_ROUND_FLOOR:
        return negative;
    case CB_ROUND_CEIL:
        return !negative;
    case CB_ROUND_HALF_UP:
        return half >= 0;
    case CB_ROUND_HALF_EVEN:
        return half > 0 || (half == 0 && odd);
    }
    return false;
}

/* *out = (negative ? -1 : 1) * round(n / d) at scale; CB_E_OVERFLOW when the
 * rounded quotient has more than 38 digits. */
static int
s_divround(const s_u256_t *n, const s_u256_t *d, bool negative, cb_round_t mode, unsigned scale,
           cb_decimal_t *out)
{
    s_u256_t q256;
    s_u256_t r;
    s_divmod256(n, d, &q256, &r);
    s_u128_t q;
    if (!s_fits128(&q256, &q) || q >= S_LIMIT) {
        return CB_E_OVERFLOW;
    }
    if (s_away(mode, negative, (q & 1u) != 0, &r, d)) {
        q++;
        if (q >= S_LIMIT) {
            return CB_E_OVERFLOW;
        }
    }
    *out = s_make(negative, q, scale);
    return 0;
}

/* ---- parse --------------------------------------------------------------- */

static bool
s_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The common shape, "-?digits[.digits]" with at most 19 digits in all and a
 * digit on both sides of any point, in one pass. Returns true when it handled
 * the text (result in *out), false to let the general parser decide, which
 * also reports every error. len > 0. */
static bool
s_parse_plain(const char *text, size_t len, cb_decimal_t *out)
{
    size_t i = 0;
    bool negative = false;
    if (text[0] == '-') {
        negative = true;
        i = 1;
    }
    uint64_t v = 0;
    unsigned ndigits = 0;
    size_t point = 0; /* index after the '.', 0 when there is none */
    size_t start = i;
    for (; i < len; i++) {
        unsigned d = (unsigned) (unsigned char) text[i] - '0';
        if (d <= 9) {
            if (++ndigits > 19) {
                return false;
            }
            v = v * 10 + d;
        } else if (text[i] == '.' && point == 0) {
            point = i + 1;
        } else {
            return false;
        }
    }
    if (ndigits == 0 || (point != 0 && (point == start + 1 || point == len))) {
        return false;
    }
    unsigned scale = point != 0 ? (unsigned) (len - point) : 0;
    while (scale > 0 && v % 10 == 0) {
        v /= 10;
        scale--;
    }
    if (scale > CB_DECIMAL_MAX_SCALE) {
        return false;
    }
    out->coef = negative ? -(__int128) v : (__int128) v;
    out->scale = (uint8_t) (v == 0 ? 0 : scale);
    return true;
}

/* Counts and exponents saturate here: past it the answer (CB_E_RANGE or zero)
 * no longer depends on the exact figure, and int64 arithmetic cannot overflow. */
#define S_SATURATE ((int64_t) 1000000000000000)

static int64_t
s_sat(size_t n)
{
    return n > (size_t) S_SATURATE ? S_SATURATE : (int64_t) n;
}

/* Everything the plain parser leaves: signs, exponents, a bare point on one
 * side, many digits, and all errors. The value is m * 10^e10 where m is the
 * digit string without leading and trailing zeros, so leading zeros, trailing
 * zeros and the exponent never cost range. */
static int
s_parse_general(const char *text, size_t len, cb_decimal_t *out)
{
    size_t i = 0;
    bool negative = false;
    if (text[0] == '-' || text[0] == '+') {
        negative = text[0] == '-';
        i = 1;
    }
    size_t int_start = i;
    while (i < len && s_digit(text[i])) {
        i++;
    }
    size_t int_end = i;
    size_t frac_start = i;
    size_t frac_end = i;
    if (i < len && text[i] == '.') {
        i++;
        frac_start = i;
        while (i < len && s_digit(text[i])) {
            i++;
        }
        frac_end = i;
    }
    if (int_end == int_start && frac_end == frac_start) {
        return CB_E_PARSE;
    }
    int64_t exponent = 0;
    if (i < len && (text[i] == 'e' || text[i] == 'E')) {
        i++;
        bool exp_negative = false;
        if (i < len && (text[i] == '-' || text[i] == '+')) {
            exp_negative = text[i] == '-';
            i++;
        }
        size_t exp_start = i;
        while (i < len && s_digit(text[i])) {
            if (exponent < S_SATURATE) {
                exponent = exponent * 10 + (text[i] - '0');
            }
            i++;
        }
        if (i == exp_start) {
            return CB_E_PARSE;
        }
        exponent = exp_negative ? -exponent : exponent;
    }
    if (i != len) {
        return CB_E_PARSE;
    }
    /* The digits are text[int_start, frac_end) less the point, if any. */
    size_t first = int_start;
    while (first < frac_end && (text[first] == '0' || text[first] == '.')) {
        first++;
    }
    if (first == frac_end) {
        *out = s_make(false, 0, 0);
        return 0;
    }
    size_t last = frac_end - 1;
    while (text[last] == '0' || text[last] == '.') {
        last--;
    }
    int64_t e10 = exponent;
    if (last >= frac_start) {
        e10 -= s_sat(last - frac_start + 1);
    } else {
        e10 += s_sat(int_end - 1 - last);
    }
    s_u128_t mag = 0;
    int64_t digits = 0;
    for (size_t k = first; k <= last; k++) {
        if (text[k] == '.') {
            continue;
        }
        if (++digits > CB_DECIMAL_MAX_DIGITS) {
            return CB_E_RANGE;
        }
        mag = mag * 10 + (unsigned) (text[k] - '0');
    }
    if (e10 < 0) {
        if (e10 < -CB_DECIMAL_MAX_SCALE) {
            return CB_E_RANGE;
        }
        *out = s_make(negative, mag, (unsigned) -e10);
        return 0;
    }
    if (e10 > CB_DECIMAL_MAX_DIGITS - digits) {
        return CB_E_RANGE;
    }
    *out = s_make(negative, mag * s_pow10[e10], 0);
    return 0;
}

int
cb_decimal_parse(const char *text, size_t len, cb_decimal_t *out)
{
    if (text == NULL || len == 0) {
        return CB_E_PARSE;
    }
    if (s_parse_plain(text, len, out)) {
        return 0;
    }
    return s_parse_general(text, len, out);
}

/* ---- format -------------------------------------------------------------- */

static const char s_pairs[] = "00010203040506070809101112131415161718192021222324"
                              "25262728293031323334353637383940414243444546474849"
                              "50515253545556575859606162636465666768697071727374"
                              "75767778798081828384858687888990919293949596979899";

/* Writes the digits of v (at least one) so that they end just before end;
 * returns where they start. */
static char *
s_u64_digits(char *end, uint64_t v)
{
    char *p = end;
    while (v >= 100) {
        unsigned r = (unsigned) (v % 100);
        v /= 100;
        *--p = s_pairs[2 * r + 1];
        *--p = s_pairs[2 * r];
    }
    if (v >= 10) {
        *--p = s_pairs[2 * v + 1];
        *--p = s_pairs[2 * v];
    } else {
        *--p = (char) ('0' + v);
    }
    return p;
}

int
cb_decimal_format(cb_decimal_t value, char *buf, size_t size)
{
    assert(s_valid(value));
    if (value.coef == 0) {
        if (size < 2) {
            return CB_E_TOO_BIG;
        }
        buf[0] = '0';
        buf[1] = '\0';
        return 1;
    }
    /* The digits of the magnitude go into tmp[p, end), then trailing fraction
     * zeros are dropped, which is the normalisation. */
    char tmp[CB_DECIMAL_MAX_DIGITS + 2];
    char *end = tmp + sizeof tmp;
    char *p;
    s_u128_t mag = s_mag(value);
    if (mag <= UINT64_MAX) {
        p = s_u64_digits(end, (uint64_t) mag);
    } else {
        /* One 128-bit division; both halves then print in 64 bits. */
        uint64_t high = (uint64_t) (mag / S_E19);
        uint64_t low = (uint64_t) (mag - high * S_E19);
        p = s_u64_digits(end, low);
        while (end - p < 19) {
            *--p = '0';
        }
        p = s_u64_digits(p, high);
    }
    size_t scale = value.scale;
    while (scale > 0 && end[-1] == '0') {
        end--;
        scale--;
    }
    size_t n = (size_t) (end - p);
    bool negative = value.coef < 0;
    size_t len = (size_t) negative + (n > scale ? n + (scale > 0) : scale + 2);
    if (len >= size) {
        return CB_E_TOO_BIG;
    }
    char *o = buf;
    if (negative) {
        *o++ = '-';
    }
    if (n > scale) {
        memcpy(o, p, n - scale);
        o += n - scale;
        if (scale > 0) {
            *o++ = '.';
            memcpy(o, end - scale, scale);
            o += scale;
        }
    } else {
        *o++ = '0';
        *o++ = '.';
        memset(o, '0', scale - n);
        o += scale - n;
        memcpy(o, p, n);
        o += n;
    }
    *o = '\0';
    return (int) len;
}

/* ---- construction -------------------------------------------------------- */

cb_decimal_t
cb_decimal_from_int(int64_t value)
{
    cb_decimal_t d;
    d.coef = value;
    d.scale = 0;
    return d;
}

int
cb_decimal_from_parts(int64_t coef, unsigned scale, cb_decimal_t *out)
{
    if (scale > CB_DECIMAL_MAX_SCALE) {
        return CB_E_RANGE;
    }
    out->coef = coef;
    out->scale = (uint8_t) scale;
    return 0;
}

/* ---- arithmetic ---------------------------------------------------------- */

static int
s_add(cb_decimal_t a, cb_decimal_t b, cb_decimal_t *out)
{
    /* Bring the smaller scale up to the larger: lo joins hi at hi's scale. */
    cb_decimal_t lo = a.scale <= b.scale ? a : b;
    cb_decimal_t hi = a.scale <= b.scale ? b : a;
    unsigned k = (unsigned) hi.scale - lo.scale;
    s_u128_t lo_mag;
    if (s_scale_up(s_mag(lo), k, &lo_mag)) {
        __int128 x = lo.coef < 0 ? -(__int128) lo_mag : (__int128) lo_mag;
        __int128 sum;
        if (__builtin_add_overflow(x, hi.coef, &sum) || sum >= (__int128) S_LIMIT ||
            sum <= -(__int128) S_LIMIT) {
            return CB_E_OVERFLOW;
        }
        out->coef = sum;
        out->scale = hi.scale;
        return 0;
    }
    /* lo alone has 39+ digits at hi's scale, more than |hi| has: only
     * opposite signs can bring the sum back under 10^38. */
    if ((lo.coef < 0) == (hi.coef < 0) || hi.coef == 0) {
        return CB_E_OVERFLOW;
    }
    s_u256_t wide = s_mul128(s_mag(lo), s_pow10[k]);
    s_u256_t other = s_u256(s_mag(hi));
    s_sub256(&wide, &other);
    s_u128_t mag;
    if (!s_fits128(&wide, &mag) || mag >= S_LIMIT) {
        return CB_E_OVERFLOW;
    }
    *out = s_make(lo.coef < 0, mag, hi.scale);
    return 0;
}

int
cb_decimal_add(cb_decimal_t a, cb_decimal_t b, cb_decimal_t *out)
{
    assert(s_valid(a) && s_valid(b));
    return s_add(a, b, out);
}

int
cb_decimal_sub(cb_decimal_t a, cb_decimal_t b, cb_decimal_t *out)
{
    assert(s_valid(a) && s_valid(b));
    return s_add(a, cb_decimal_neg(b), out);
}

int
cb_decimal_mul(cb_decimal_t a, cb_decimal_t b, unsigned scale, cb_round_t mode, cb_decimal_t *out)
{
    assert(s_valid(a) && s_valid(b));
    if (scale > CB_DECIMAL_MAX_SCALE || !s_mode_valid(mode)) {
        return CB_E_RANGE;
    }
    bool negative = (a.coef < 0) != (b.coef < 0);
    s_u256_t product = s_mul128(s_mag(a), s_mag(b));
    unsigned combined = (unsigned) a.scale + b.scale;
    if (scale < combined) {
        s_u256_t d = s_u256(s_pow10[combined - scale]);
        return s_divround(&product, &d, negative, mode, scale, out);
    }
    s_u128_t mag;
    if (!s_fits128(&product, &mag) || !s_scale_up(mag, scale - combined, &mag)) {
        return CB_E_OVERFLOW;
    }
    *out = s_make(negative, mag, scale);
    return 0;
}

int
cb_decimal_div(cb_decimal_t a, cb_decimal_t b, unsigned scale, cb_round_t mode, cb_decimal_t *out)
{
    assert(s_valid(a) && s_valid(b));
    if (scale > CB_DECIMAL_MAX_SCALE || !s_mode_valid(mode)) {
        return CB_E_RANGE;
    }
    if (b.coef == 0) {
        return CB_E_DIV_ZERO;
    }
    bool negative = (a.coef < 0) != (b.coef < 0);
    /* a / b at scale s is (|a| * 10^(s + sb - sa)) / |b|, with the power on
     * the divisor when the exponent is negative; -18 <= e <= 36. */
    int e = (int) scale + b.scale - a.scale;
    s_u256_t n;
    s_u256_t d;
    if (e >= 0) {
        n = s_mul128(s_mag(a), s_pow10[e]);
        d = s_u256(s_mag(b));
    } else {
        n = s_u256(s_mag(a));
        d = s_mul128(s_mag(b), s_pow10[-e]);
    }
    return s_divround(&n, &d, negative, mode, scale, out);
}

int
cb_decimal_round(cb_decimal_t a, unsigned scale, cb_round_t mode, cb_decimal_t *out)
{
    assert(s_valid(a));
    if (scale > CB_DECIMAL_MAX_SCALE || !s_mode_valid(mode)) {
        return CB_E_RANGE;
    }
    if (scale >= a.scale) {
        s_u128_t mag;
        if (!s_scale_up(s_mag(a), scale - a.scale, &mag)) {
            return CB_E_OVERFLOW;
        }
        *out = s_make(a.coef < 0, mag, scale);
        return 0;
    }
    s_u256_t n = s_u256(s_mag(a));
    s_u256_t d = s_u256(s_pow10[a.scale - scale]);
    return s_divround(&n, &d, a.coef < 0, mode, scale, out);
}

/* |a| and step at their common scale (each below 10^56), and |a| divided by step. */
static void
s_steps(cb_decimal_t a, cb_decimal_t step, s_u256_t *ma, s_u256_t *ms, s_u256_t *q, s_u256_t *r)
{
    unsigned scale = a.scale > step.scale ? a.scale : step.scale;
    *ma = s_mul128(s_mag(a), s_pow10[scale - a.scale]);
    *ms = s_mul128(s_mag(step), s_pow10[scale - step.scale]);
    s_divmod256(ma, ms, q, r);
}

int
cb_decimal_quantize(cb_decimal_t a, cb_decimal_t step, cb_round_t mode, cb_decimal_t *out)
{
    assert(s_valid(a) && s_valid(step));
    if (step.coef <= 0 || !s_mode_valid(mode)) {
        return CB_E_RANGE;
    }
    s_u256_t ma;
    s_u256_t ms;
    s_u256_t q;
    s_u256_t r;
    s_steps(a, step, &ma, &ms, &q, &r);
    /* |result| = |a| - r, or one step further from zero. */
    bool negative = a.coef < 0;
    s_sub256(&ma, &r);
    if (s_away(mode, negative, (q.w[0] & 1u) != 0, &r, &ms)) {
        s_add256(&ma, &ms);
    }
    /* A multiple of step divides exactly down to step's scale; below that
     * only as far as it has trailing zeros, when it needs the room. */
    unsigned scale = a.scale > step.scale ? a.scale : step.scale;
    s_u256_t unit = s_u256(s_pow10[scale - step.scale]);
    s_u256_t coef;
    s_divmod256(&ma, &unit, &coef, &r);
    scale = step.scale;
    s_u128_t mag;
    unit = s_u256(10);
    while (!s_fits128(&coef, &mag) || mag >= S_LIMIT) {
        if (scale == 0) {
            return CB_E_OVERFLOW;
        }
        s_divmod256(&coef, &unit, &q, &r);
        if (!s_zero256(&r)) {
            return CB_E_OVERFLOW;
        }
        coef = q;
        scale--;
    }
    *out = s_make(negative, mag, scale);
    return 0;
}

bool
cb_decimal_is_multiple(cb_decimal_t a, cb_decimal_t step)
{
    assert(s_valid(a) && s_valid(step));
    if (step.coef <= 0) {
        return false;
    }
    s_u256_t ma;
    s_u256_t ms;
    s_u256_t q;
    s_u256_t r;
    s_steps(a, step, &ma, &ms, &q, &r);
    return s_zero256(&r);
}

/* ---- comparison and small helpers ---------------------------------------- */

int
cb_decimal_sign(cb_decimal_t a)
{
    return a.coef < 0 ? -1 : a.coef > 0 ? 1 : 0;
}

int
cb_decimal_cmp(cb_decimal_t a, cb_decimal_t b)
{
    assert(s_valid(a) && s_valid(b));
    if (a.scale != b.scale) {
        /* Bring the smaller scale up; when that passes 10^38 it outweighs
         * the other side, whose magnitude is below 10^38. */
        bool swap = a.scale > b.scale;
        cb_decimal_t lo = swap ? b : a;
        cb_decimal_t hi = swap ? a : b;
        s_u128_t mag;
        if (!s_scale_up(s_mag(lo), (unsigned) hi.scale - lo.scale, &mag)) {
            int c = lo.coef < 0 ? -1 : 1;
            return swap ? -c : c;
        }
        lo.coef = lo.coef < 0 ? -(__int128) mag : (__int128) mag;
        a = swap ? hi : lo;
        b = swap ? lo : hi;
    }
    return (a.coef > b.coef) - (a.coef < b.coef);
}

bool
cb_decimal_is_zero(cb_decimal_t a)
{
    return a.coef == 0;
}

cb_decimal_t
cb_decimal_neg(cb_decimal_t a)
{
    assert(s_valid(a));
    a.coef = -a.coef;
    return a;
}

cb_decimal_t
cb_decimal_abs(cb_decimal_t a)
{
    assert(s_valid(a));
    if (a.coef < 0) {
        a.coef = -a.coef;
    }
    return a;
}

cb_decimal_t
cb_decimal_normalize(cb_decimal_t a)
{
    assert(s_valid(a));
    if (a.coef == 0) {
        a.scale = 0;
        return a;
    }
    if (a.coef >= INT64_MIN && a.coef <= INT64_MAX) {
        /* 64-bit division is much cheaper than 128-bit. */
        int64_t c = (int64_t) a.coef;
        while (a.scale > 0 && c % 10 == 0) {
            c /= 10;
            a.scale--;
        }
        a.coef = c;
        return a;
    }
    while (a.scale > 0 && a.coef % 10 == 0) {
        a.coef /= 10;
        a.scale--;
    }
    return a;
}

int
cb_decimal_to_scaled_int(cb_decimal_t a, unsigned scale, int64_t *out)
{
    assert(s_valid(a));
    if (scale > CB_DECIMAL_MAX_SCALE) {
        return CB_E_RANGE;
    }
    s_u128_t mag = s_mag(a);
    if (scale >= a.scale) {
        if (!s_scale_up(mag, scale - a.scale, &mag)) {
            return CB_E_RANGE;
        }
    } else {
        s_u128_t f = s_pow10[a.scale - scale];
        if (mag % f != 0) {
            return CB_E_RANGE;
        }
        mag /= f;
    }
    if (a.coef < 0) {
        if (mag > (s_u128_t) INT64_MAX + 1) {
            return CB_E_RANGE;
        }
        /* mag - 1 fits, so -(mag - 1) - 1 reaches INT64_MIN without overflow. */
        *out = mag == 0 ? 0 : -(int64_t) (mag - 1) - 1;
        return 0;
    }
    if (mag > INT64_MAX) {
        return CB_E_RANGE;
    }
    *out = (int64_t) mag;
    return 0;
}
