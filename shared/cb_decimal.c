/* cb_decimal.c - exact decimal numbers: __int128 coefficient, scale 0..18, 256-bit intermediates */
#include <string.h>

#include "cb_decimal.h"
#include "cb_error.h"

typedef unsigned __int128 s_u128_t;

/* 10^0 .. 10^38, filled before main() so that lookups need no locking. */
static s_u128_t s_pow10_table[CB_DECIMAL_MAX_DIGITS + 1];

__attribute__((constructor)) static void
s_pow10_init(void)
{
    s_u128_t v = 1;
    for (unsigned i = 0; i <= CB_DECIMAL_MAX_DIGITS; i++) {
        s_pow10_table[i] = v;
        v *= 10;
    }
}

static inline s_u128_t
s_pow10(unsigned n)
{
    return s_pow10_table[n];
}

static s_u128_t
s_mag(cb_decimal_t d)
{
    /* |coef| < 10^38 < 2^127, so negation never overflows. */
    return d.coef < 0 ? (s_u128_t) (-d.coef) : (s_u128_t) d.coef;
}

static cb_decimal_t
s_make(bool negative, s_u128_t mag, unsigned scale)
{
    cb_decimal_t d;
    d.coef = negative ? -(__int128) mag : (__int128) mag;
    d.scale = (uint8_t) scale;
    return d;
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

static s_u256_t
s_mul128(s_u128_t a, s_u128_t b)
{
    uint64_t x[2] = {(uint64_t) a, (uint64_t) (a >> 64)};
    uint64_t y[2] = {(uint64_t) b, (uint64_t) (b >> 64)};
    s_u256_t r = {{0, 0, 0, 0}};
    for (int i = 0; i < 2; i++) {
        s_u128_t carry = 0;
        for (int j = 0; j < 2; j++) {
            s_u128_t t = (s_u128_t) x[i] * y[j] + r.w[i + j] + carry;
            r.w[i + j] = (uint64_t) t;
            carry = t >> 64;
        }
        int k = i + 2;
        while (carry != 0 && k < 4) {
            s_u128_t t = (s_u128_t) r.w[k] + carry;
            r.w[k] = (uint64_t) t;
            carry = t >> 64;
            k++;
        }
    }
    return r;
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

static bool
s_zero256(const s_u256_t *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

static void
s_sub256(s_u256_t *a, const s_u256_t *b)
{
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t bi = b->w[i];
        uint64_t d = a->w[i] - bi - borrow;
        borrow = (a->w[i] < bi || (a->w[i] == bi && borrow)) ? 1 : 0;
        a->w[i] = d;
    }
}

static void
s_shl1(s_u256_t *a)
{
    for (int i = 3; i > 0; i--) {
        a->w[i] = (a->w[i] << 1) | (a->w[i - 1] >> 63);
    }
    a->w[0] <<= 1;
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

/* q = n / d, r = n % d (d != 0), by shift and subtract. */
static void
s_divmod256(const s_u256_t *n, const s_u256_t *d, s_u256_t *q, s_u256_t *r)
{
    s_u256_t quot = {{0, 0, 0, 0}};
    s_u256_t rem = {{0, 0, 0, 0}};
    for (int bit = s_top_bit(n); bit >= 0; bit--) {
        s_shl1(&rem);
        rem.w[0] |= (n->w[bit / 64] >> (bit % 64)) & 1u;
        if (s_cmp256(&rem, d) >= 0) {
            s_sub256(&rem, d);
            quot.w[bit / 64] |= (uint64_t) 1 << (bit % 64);
        }
    }
    *q = quot;
    *r = rem;
}

static bool
s_fits128(const s_u256_t *a, s_u128_t *out)
{
    if (a->w[2] != 0 || a->w[3] != 0) {
        return false;
    }
    *out = ((s_u128_t) a->w[1] << 64) | a->w[0];
    return true;
}

/* Whether a quotient q with remainder r (divisor d, sign negative) moves
 * one unit away from zero under mode. */
static bool
s_round_up(cb_round_t mode, bool negative, const s_u256_t *q, const s_u256_t *r,
           const s_u256_t *d)
{
    if (s_zero256(r)) {
        return false;
    }
    s_u256_t twice = *r;
    s_shl1(&twice); /* r < d < 2^255, so no bit is lost */
    int half = s_cmp256(&twice, d);
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
        return half > 0 || (half == 0 && (q->w[0] & 1u));
    }
    return false;
}

/* out = sign * round(n / d) with mode at scale; CB_E_OVERFLOW when it does
 * not fit in 38 digits. */
static int
s_quotient(const s_u256_t *n, const s_u256_t *d, bool negative, cb_round_t mode,
           unsigned scale, cb_decimal_t *out)
{
    s_u256_t q;
    s_u256_t r;
    s_divmod256(n, d, &q, &r);
    s_u128_t mag;
    if (!s_fits128(&q, &mag)) {
        return CB_E_OVERFLOW;
    }
    if (s_round_up(mode, negative, &q, &r, d)) {
        mag += 1;
    }
    if (mag >= s_pow10(CB_DECIMAL_MAX_DIGITS)) {
        return CB_E_OVERFLOW;
    }
    *out = s_make(negative && mag != 0, mag, scale);
    return 0;
}

static bool
s_mode_valid(cb_round_t mode)
{
    return (unsigned) mode <= CB_ROUND_HALF_EVEN;
}

/* ---- parse / format ------------------------------------------------------ */

static bool
s_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The common shape, "-?digits[.digits]" with at most 19 digits in all and
 * no exponent, in one pass. Returns 1 when it handled the text (result in
 * *out), 0 to let the general parser decide (which also reports errors). */
static int
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
    size_t point = 0; /* index after '.', 0: none */
    size_t start = i;
    for (; i < len; i++) {
        unsigned d = (unsigned) (unsigned char) text[i] - '0';
        if (d <= 9) {
            if (++ndigits > 19) {
                return 0;
            }
            v = v * 10 + d;
        } else if (text[i] == '.' && point == 0) {
            point = i + 1;
        } else {
            return 0;
        }
    }
    /* Need a digit on either side of the point ("5." and ".5" go the long way). */
    if (ndigits == 0 || (point != 0 && (point == start + 1 || point == len))) {
        return 0;
    }
    unsigned scale = point != 0 ? (unsigned) (len - point) : 0;
    while (scale > 0 && v % 10 == 0) {
        v /= 10;
        scale--;
    }
    if (scale > CB_DECIMAL_MAX_SCALE) {
        return 0;
    }
    out->coef = negative ? -(__int128) v : (__int128) v;
    out->scale = (uint8_t) (v == 0 ? 0 : scale);
    return 1;
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
    size_t i = 0;
    bool negative = false;
    if (text[i] == '-' || text[i] == '+') {
        negative = text[i] == '-';
        i++;
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
    long exponent = 0;
    if (i < len && (text[i] == 'e' || text[i] == 'E')) {
        i++;
        bool exp_negative = false;
        if (i < len && (text[i] == '-' || text[i] == '+')) {
            exp_negative = text[i] == '-';
            i++;
        }
        size_t exp_start = i;
        while (i < len && s_digit(text[i])) {
            if (exponent < 100000) {
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
    /* Trailing fraction zeros do not change the value. */
    while (frac_end > frac_start && text[frac_end - 1] == '0') {
        frac_end--;
    }
    /* Accumulate in 64 bits while that is exact (19 digits), which covers
     * every price and amount the exchanges send; 128 bits beyond. */
    uint64_t small = 0;
    s_u128_t mag = 0;
    unsigned digits = 0;
    for (size_t k = int_start; k < frac_end; k++) {
        if (k == int_end) {
            k = frac_start;
            if (k >= frac_end) {
                break;
            }
        }
        unsigned d = (unsigned) (text[k] - '0');
        if (digits == 0 && d == 0) {
            continue;
        }
        if (++digits > CB_DECIMAL_MAX_DIGITS) {
            return CB_E_RANGE;
        }
        if (digits <= 19) {
            small = small * 10 + d;
            if (digits == 19) {
                mag = small;
            }
        } else {
            mag = mag * 10 + d;
        }
    }
    if (digits < 19) {
        mag = small;
    }
    if (mag == 0) {
        *out = s_make(false, 0, 0);
        return 0;
    }
    long scale = (long) (frac_end - frac_start) - exponent;
    if (scale < 0) {
        if ((long) digits - scale > CB_DECIMAL_MAX_DIGITS) {
            return CB_E_RANGE;
        }
        mag *= s_pow10((unsigned) -scale);
        scale = 0;
    }
    while (scale > CB_DECIMAL_MAX_SCALE && mag % 10 == 0) {
        mag /= 10;
        scale--;
    }
    if (scale > CB_DECIMAL_MAX_SCALE) {
        return CB_E_RANGE;
    }
    *out = s_make(negative, mag, (unsigned) scale);
    return 0;
}

int
cb_decimal_format(cb_decimal_t value, char *buf, size_t size)
{
    /* Digits are produced least significant first; trailing fraction zeros
     * are dropped as they come, which is the normalisation. */
    s_u128_t mag = s_mag(value);
    int scale = value.scale;
    char digits[CB_DECIMAL_MAX_DIGITS + 1];
    int n = 0;
    while (mag > UINT64_MAX) {
        /* 128-bit division is a library call: only for the top digits. */
        int d = (int) (mag % 10);
        mag /= 10;
        if (n == 0 && d == 0 && scale > 0) {
            scale--;
            continue;
        }
        digits[n++] = (char) ('0' + d);
    }
    uint64_t small = (uint64_t) mag;
    if (n == 0) {
        /* Trailing fraction zeros first, then two digits per division. */
        while (scale > 0 && small != 0 && small % 10 == 0) {
            small /= 10;
            scale--;
        }
        if (small == 0) {
            scale = 0;
        }
    }
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    while (small >= 100) {
        unsigned r = (unsigned) (small % 100);
        small /= 100;
        digits[n++] = pairs[2 * r + 1];
        digits[n++] = pairs[2 * r];
    }
    if (small >= 10) {
        digits[n++] = pairs[2 * small + 1];
        digits[n++] = pairs[2 * small];
    } else if (small != 0 || n == 0) {
        digits[n++] = (char) ('0' + small);
    }
    bool negative = value.coef < 0;
    if (value.coef == 0) {
        /* Zero at any scale. */
        scale = 0;
        negative = false;
    }
    size_t len = (size_t) negative + (size_t) (n > scale ? n : scale + 1) + (scale > 0 ? 1 : 0);
    if (len + 1 > size) {
        return CB_E_TOO_BIG;
    }
    char *p = buf;
    if (negative) {
        *p++ = '-';
    }
    if (n <= scale) {
        *p++ = '0';
        *p++ = '.';
        for (int k = 0; k < scale - n; k++) {
            *p++ = '0';
        }
        for (int k = n - 1; k >= 0; k--) {
            *p++ = digits[k];
        }
    } else {
        for (int k = n - 1; k >= 0; k--) {
            *p++ = digits[k];
            if (k == scale && scale > 0) {
                *p++ = '.';
            }
        }
    }
    *p = '\0';
    return (int) (p - buf);
}

/* ---- construction ---------------------------------------------------------- */

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

/* ---- arithmetic ------------------------------------------------------------ */

/* a's magnitude at a larger scale; false when it would pass 38 digits. */
static bool
s_rescale_up(s_u128_t mag, unsigned from, unsigned to, s_u128_t *out)
{
    s_u128_t f = s_pow10(to - from);
    if (mag != 0 && mag > (s_pow10(CB_DECIMAL_MAX_DIGITS) - 1) / f) {
        return false;
    }
    *out = mag * f;
    return true;
}

static int
s_add(cb_decimal_t a, cb_decimal_t b, bool subtract, cb_decimal_t *out)
{
    unsigned scale = a.scale > b.scale ? a.scale : b.scale;
    s_u128_t ma;
    s_u128_t mb;
    if (!s_rescale_up(s_mag(a), a.scale, scale, &ma) ||
        !s_rescale_up(s_mag(b), b.scale, scale, &mb)) {
        return CB_E_OVERFLOW;
    }
    __int128 x = a.coef < 0 ? -(__int128) ma : (__int128) ma;
    __int128 y = b.coef < 0 ? -(__int128) mb : (__int128) mb;
    if (subtract) {
        y = -y;
    }
    __int128 sum;
    if (__builtin_add_overflow(x, y, &sum)) {
        return CB_E_OVERFLOW;
    }
    s_u128_t mag = sum < 0 ? (s_u128_t) (-sum) : (s_u128_t) sum;
    if (mag >= s_pow10(CB_DECIMAL_MAX_DIGITS)) {
        return CB_E_OVERFLOW;
    }
    *out = s_make(sum < 0, mag, scale);
    return 0;
}

int
cb_decimal_add(cb_decimal_t a, cb_decimal_t b, cb_decimal_t *out)
{
    return s_add(a, b, false, out);
}

int
cb_decimal_sub(cb_decimal_t a, cb_decimal_t b, cb_decimal_t *out)
{
    return s_add(a, b, true, out);
}

int
cb_decimal_mul(cb_decimal_t a, cb_decimal_t b, unsigned scale, cb_round_t mode,
               cb_decimal_t *out)
{
    if (scale > CB_DECIMAL_MAX_SCALE || !s_mode_valid(mode)) {
        return CB_E_RANGE;
    }
    bool negative = (a.coef < 0) != (b.coef < 0);
    s_u256_t product = s_mul128(s_mag(a), s_mag(b));
    unsigned combined = (unsigned) a.scale + b.scale;
    if (scale < combined) {
        s_u256_t d = s_u256(s_pow10(combined - scale));
        return s_quotient(&product, &d, negative, mode, scale, out);
    }
    s_u128_t mag;
    if (!s_fits128(&product, &mag) || mag >= s_pow10(CB_DECIMAL_MAX_DIGITS) ||
        !s_rescale_up(mag, combined, scale, &mag)) {
        return CB_E_OVERFLOW;
    }
    *out = s_make(negative && mag != 0, mag, scale);
    return 0;
}

int
cb_decimal_div(cb_decimal_t a, cb_decimal_t b, unsigned scale, cb_round_t mode,
               cb_decimal_t *out)
{
    if (scale > CB_DECIMAL_MAX_SCALE || !s_mode_valid(mode)) {
        return CB_E_RANGE;
    }
    if (b.coef == 0) {
        return CB_E_DIV_ZERO;
    }
    bool negative = (a.coef < 0) != (b.coef < 0);
    /* a/b at scale s = (ma * 10^(s + sb - sa)) / mb, or with the power on
     * the divisor when the exponent is negative. */
    int e = (int) scale + b.scale - a.scale;
    s_u256_t n;
    s_u256_t d;
    if (e >= 0) {
        n = s_mul128(s_mag(a), s_pow10((unsigned) e));
        d = s_u256(s_mag(b));
    } else {
        n = s_u256(s_mag(a));
        d = s_mul128(s_mag(b), s_pow10((unsigned) -e));
    }
    return s_quotient(&n, &d, negative, mode, scale, out);
}

int
cb_decimal_round(cb_decimal_t a, unsigned scale, cb_round_t mode, cb_decimal_t *out)
{
    if (scale > CB_DECIMAL_MAX_SCALE || !s_mode_valid(mode)) {
        return CB_E_RANGE;
    }
    if (scale >= a.scale) {
        s_u128_t mag;
        if (!s_rescale_up(s_mag(a), a.scale, scale, &mag)) {
            return CB_E_OVERFLOW;
        }
        *out = s_make(a.coef < 0, mag, scale);
        return 0;
    }
    s_u256_t n = s_u256(s_mag(a));
    s_u256_t d = s_u256(s_pow10(a.scale - scale));
    return s_quotient(&n, &d, a.coef < 0, mode, scale, out);
}

int
cb_decimal_quantize(cb_decimal_t a, cb_decimal_t step, cb_round_t mode, cb_decimal_t *out)
{
    if (step.coef <= 0) {
        return CB_E_RANGE;
    }
    cb_decimal_t count;
    int rc = cb_decimal_div(a, step, 0, mode, &count);
    if (rc != 0) {
        return rc;
    }
    return cb_decimal_mul(count, step, step.scale, CB_ROUND_DOWN, out);
}

bool
cb_decimal_is_multiple(cb_decimal_t a, cb_decimal_t step)
{
    if (step.coef <= 0) {
        return false;
    }
    cb_decimal_t q;
    if (cb_decimal_quantize(a, step, CB_ROUND_DOWN, &q) != 0) {
        return false;
    }
    return cb_decimal_cmp(q, a) == 0;
}

/* ---- comparison and small helpers ------------------------------------------ */

int
cb_decimal_sign(cb_decimal_t a)
{
    return a.coef < 0 ? -1 : a.coef > 0 ? 1 : 0;
}

int
cb_decimal_cmp(cb_decimal_t a, cb_decimal_t b)
{
    int sa = cb_decimal_sign(a);
    int sb = cb_decimal_sign(b);
    if (sa != sb) {
        return sa < sb ? -1 : 1;
    }
    if (sa == 0) {
        return 0;
    }
    unsigned scale = a.scale > b.scale ? a.scale : b.scale;
    s_u256_t x = s_mul128(s_mag(a), s_pow10(scale - a.scale));
    s_u256_t y = s_mul128(s_mag(b), s_pow10(scale - b.scale));
    int c = s_cmp256(&x, &y);
    return sa < 0 ? -c : c;
}

bool
cb_decimal_is_zero(cb_decimal_t a)
{
    return a.coef == 0;
}

cb_decimal_t
cb_decimal_neg(cb_decimal_t a)
{
    a.coef = -a.coef;
    return a;
}

cb_decimal_t
cb_decimal_abs(cb_decimal_t a)
{
    if (a.coef < 0) {
        a.coef = -a.coef;
    }
    return a;
}

cb_decimal_t
cb_decimal_normalize(cb_decimal_t a)
{
    if (a.coef == 0) {
        a.scale = 0;
        return a;
    }
    if (a.coef >= INT64_MIN && a.coef <= INT64_MAX) {
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
    cb_decimal_t r;
    if (scale > CB_DECIMAL_MAX_SCALE || cb_decimal_round(a, scale, CB_ROUND_DOWN, &r) != 0 ||
        cb_decimal_cmp(r, a) != 0 || r.coef > INT64_MAX || r.coef < INT64_MIN) {
        return CB_E_RANGE;
    }
    *out = (int64_t) r.coef;
    return 0;
}
