/* cb_kraken_time.c - Kraken's time and interval notations: RFC 3339 stamps, Unix seconds with fractions, OHLC minutes */
#include "cb_kraken_time.h"

#include <stdbool.h>

#include "cb_error.h"

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's method). */
static int64_t
s_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned) (y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned) -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t) doe - 719468;
}

/* n decimal digits at p as an unsigned value; false when one is not a digit. */
static bool
s_num(const char *p, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t k = 0; k < n; k++) {
        if (p[k] < '0' || p[k] > '9') {
            return false;
        }
        v = v * 10 + (unsigned) (p[k] - '0');
    }
    *out = v;
    return true;
}

int
cb_kraken_rfc3339_ns(cb_str_t text, int64_t *out)
{
    const char *s = text.ptr;
    size_t n = text.len;
    unsigned y, mo, d, h, mi, se;
    if (s == NULL || n < 20 || !s_num(s, 4, &y) || s[4] != '-' || !s_num(s + 5, 2, &mo) ||
        s[7] != '-' || !s_num(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !s_num(s + 11, 2, &h) || s[13] != ':' || !s_num(s + 14, 2, &mi) || s[16] != ':' ||
        !s_num(s + 17, 2, &se)) {
        return CB_E_PARSE;
    }
    if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        se > 60) {
        return CB_E_PARSE;
    }
    size_t k = 19;
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
        if (digits == 0) {
            return CB_E_PARSE;
        }
        for (; digits < 9; digits++) {
            frac *= 10;
        }
    }
    int64_t offset_s = 0;
    if (k < n && (s[k] == 'Z' || s[k] == 'z')) {
        k++;
    } else if (k + 6 == n && (s[k] == '+' || s[k] == '-') && s[k + 3] == ':') {
        unsigned oh, om;
        if (!s_num(s + k + 1, 2, &oh) || !s_num(s + k + 4, 2, &om) || oh > 23 || om > 59) {
            return CB_E_PARSE;
        }
        offset_s = (int64_t) (oh * 3600 + om * 60) * (s[k] == '+' ? 1 : -1);
        k += 6;
    } else {
        return CB_E_PARSE;
    }
    if (k != n) {
        return CB_E_PARSE;
    }
    int64_t secs = s_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset_s;
    *out = secs * 1000000000 + frac;
    return 0;
}

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
