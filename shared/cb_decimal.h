/* cb_decimal.h - exact decimal numbers for prices, amounts and balances */
#ifndef CB_DECIMAL_H_INCLUDED
#define CB_DECIMAL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* value = coef / 10^scale, with 0 <= scale <= CB_DECIMAL_MAX_SCALE and
 * |coef| < 10^CB_DECIMAL_MAX_DIGITS. A plain value type: copy it freely.
 * The same number may have several representations (1.5 = 15/10 = 150/100);
 * cb_decimal_cmp compares values, cb_decimal_format prints the canonical form. */
#define CB_DECIMAL_MAX_SCALE 18
#define CB_DECIMAL_MAX_DIGITS 38
/* Enough for a sign, 38 digits, a point, a leading "0." and the NUL. */
#define CB_DECIMAL_STR_MAX 48

typedef struct {
    __int128 coef;
    uint8_t scale;
} cb_decimal_t;

/* Explicit rounding for every operation that can lose digits. */
typedef enum {
    CB_ROUND_DOWN = 0,      /* toward zero (truncate) */
    CB_ROUND_UP = 1,        /* away from zero */
    CB_ROUND_FLOOR = 2,     /* toward -infinity */
    CB_ROUND_CEIL = 3,      /* toward +infinity */
    CB_ROUND_HALF_UP = 4,   /* nearest, ties away from zero */
    CB_ROUND_HALF_EVEN = 5, /* nearest, ties to even (banker's) */
} cb_round_t;

/* Parses len bytes of text (not NUL-terminated) in the exchanges' decimal
 * syntax: optional '-' or '+', digits, optional '.' and digits, optional
 * exponent ('e'/'E', optional sign, digits), e.g. "0.00012300", "-5",
 * "1e-8", "1.5E+3". At least one digit must precede or follow the point.
 * No whitespace, no "inf"/"nan", no hex. Trailing fraction zeros beyond
 * CB_DECIMAL_MAX_SCALE are accepted; any other digit there is CB_E_RANGE.
 * Returns 0, CB_E_PARSE (garbage) or CB_E_RANGE (too many digits / too big). */
int
cb_decimal_parse(const char *text, size_t len, cb_decimal_t *out);

/* Writes the canonical form into buf: no exponent, no '+', no leading zeros
 * (but "0.5"), no trailing fraction zeros, no trailing '.', and "0" for any
 * zero (never "-0"). Returns the length (excluding NUL) or CB_E_TOO_BIG when
 * size is too small. CB_DECIMAL_STR_MAX is always enough. */
int
cb_decimal_format(cb_decimal_t value, char *buf, size_t size);

/* Exact conversion from an integer. */
cb_decimal_t
cb_decimal_from_int(int64_t value);

/* Exact conversion from coef / 10^scale; CB_E_RANGE when scale is too large. */
int
cb_decimal_from_parts(int64_t coef, unsigned scale, cb_decimal_t *out);

/* Exact sum / difference at scale max(a.scale, b.scale); CB_E_OVERFLOW when
 * the result does not fit. *out is written only on success. */
int
cb_decimal_add(cb_decimal_t a, cb_decimal_t b, cb_decimal_t *out);
int
cb_decimal_sub(cb_decimal_t a, cb_decimal_t b, cb_decimal_t *out);

/* a * b rounded to scale digits (0..CB_DECIMAL_MAX_SCALE) with mode; the
 * product is computed exactly (256-bit intermediate) before rounding, so only
 * a result that does not fit gives CB_E_OVERFLOW. CB_E_RANGE for a bad scale. */
int
cb_decimal_mul(cb_decimal_t a, cb_decimal_t b, unsigned scale, cb_round_t mode,
               cb_decimal_t *out);

/* a / b rounded to scale digits with mode. CB_E_DIV_ZERO when b is zero,
 * CB_E_OVERFLOW when the result does not fit, CB_E_RANGE for a bad scale. */
int
cb_decimal_div(cb_decimal_t a, cb_decimal_t b, unsigned scale, cb_round_t mode,
               cb_decimal_t *out);

/* a rounded to scale digits with mode (a larger scale pads exactly). */
int
cb_decimal_round(cb_decimal_t a, unsigned scale, cb_round_t mode, cb_decimal_t *out);

/* The largest multiple of step that is <= a (mode FLOOR), >= a (CEIL),
 * toward zero (DOWN) ... : rounds a to a multiple of step (step > 0).
 * CB_E_RANGE when step <= 0. Used for tick and lot sizes. */
int
cb_decimal_quantize(cb_decimal_t a, cb_decimal_t step, cb_round_t mode, cb_decimal_t *out);

/* True when a is an exact multiple of step (step > 0; false otherwise). */
bool
cb_decimal_is_multiple(cb_decimal_t a, cb_decimal_t step);

/* -1, 0 or 1 as a <, =, > b, by value (scales may differ). */
int
cb_decimal_cmp(cb_decimal_t a, cb_decimal_t b);

/* -1, 0 or 1: the sign of a. */
int
cb_decimal_sign(cb_decimal_t a);

bool
cb_decimal_is_zero(cb_decimal_t a);

cb_decimal_t
cb_decimal_neg(cb_decimal_t a);

cb_decimal_t
cb_decimal_abs(cb_decimal_t a);

/* The same value with trailing fraction zeros removed (smallest scale). */
cb_decimal_t
cb_decimal_normalize(cb_decimal_t a);

/* The value times 10^scale as an int64 when exact and in range (e.g. satoshis
 * for scale 8); CB_E_RANGE when digits would be lost or it does not fit. */
int
cb_decimal_to_scaled_int(cb_decimal_t a, unsigned scale, int64_t *out);

#endif
