/* fuzz_decimal.c - libFuzzer: decimal parse; whatever parses must format and parse back equal */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_decimal.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cb_decimal_t d;
    if (cb_decimal_parse((const char *) data, size, &d) != 0) {
        return 0;
    }
    char text[CB_DECIMAL_STR_MAX];
    int n = cb_decimal_format(d, text, sizeof text);
    if (n <= 0) {
        abort();
    }
    cb_decimal_t back;
    if (cb_decimal_parse(text, (size_t) n, &back) != 0 || cb_decimal_cmp(d, back) != 0) {
        abort();
    }
    char again[CB_DECIMAL_STR_MAX];
    if (cb_decimal_format(back, again, sizeof again) != n || memcmp(text, again, (size_t) n) != 0) {
        abort();
    }
    /* Arithmetic never crashes; where it succeeds, it is consistent. */
    cb_decimal_t r;
    cb_decimal_t one = cb_decimal_from_int(1);
    if (cb_decimal_add(d, d, &r) == 0) {
        cb_decimal_t half;
        if (cb_decimal_div(r, cb_decimal_from_int(2), 18, CB_ROUND_HALF_EVEN, &half) == 0 &&
            cb_decimal_cmp(half, d) != 0) {
            abort();
        }
    }
    if (cb_decimal_mul(d, one, d.scale, CB_ROUND_DOWN, &r) == 0 && cb_decimal_cmp(r, d) != 0) {
        abort();
    }
    cb_decimal_mul(d, d, 18, CB_ROUND_HALF_UP, &r);
    cb_decimal_div(one, d, 18, CB_ROUND_CEIL, &r);
    cb_decimal_div(d, d, 0, CB_ROUND_FLOOR, &r);
    if (cb_decimal_sub(d, d, &r) == 0 && !cb_decimal_is_zero(r)) {
        abort();
    }
    cb_decimal_t tick;
    cb_decimal_parse("0.05", 4, &tick);
    cb_decimal_quantize(d, tick, CB_ROUND_FLOOR, &r);
    cb_decimal_is_multiple(d, tick);
    int64_t scaled;
    cb_decimal_to_scaled_int(d, 8, &scaled);
    return 0;
}
