/* cb_kraken_time.c - Kraken's time and interval notations: Unix seconds with fractions, OHLC minutes */
#include "cb_kraken_time.h"

#include <stdbool.h>

#include "cb_error.h"

int
cb_kraken_unix_ns(cb_str_t text, int64_t *out)
{
    const char *s = text.ptr;
    size_t n = text.len;
    size_t k = 0;
    int64_t secs = 0;
    if (s == NULL || n == 0) {
        return CB_E_PARSE;
    }
    while (k < n && s[k] >= '0' && s[k] <= '9') {
        if (secs > (INT64_MAX / 1000000000 - 9) / 10) {
            return CB_E_RANGE;
        }
        secs = secs * 10 + (s[k] - '0');
        k++;
    }
    if (k == 0) {
        return CB_E_PARSE;
    }
    int64_t frac = 0;
    if (k < n && s[k] == '.') {
        k++;
        size_t digits = 0;
        while (k < n && s[k] >= '0' && s[k] <= '9') {
            if (digits < 9) {
                frac = frac * 10 + (s[k] - '0');
            }
            digits++;
            k++;
        }
        for (; digits < 9; digits++) {
            frac *= 10;
        }
    }
    if (k != n) {
        return CB_E_PARSE;
    }
    *out = secs * 1000000000 + frac;
    return 0;
}

const char *
cb_kraken_interval_name(int64_t minutes)
{
    switch (minutes) {
    case 1:
        return "1m";
    case 5:
        return "5m";
    case 15:
        return "15m";
    case 30:
        return "30m";
    case 60:
        return "1h";
    case 240:
        return "4h";
    case 1440:
        return "1d";
    case 10080:
        return "1w";
    default:
        return NULL;
    }
}
