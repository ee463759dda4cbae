/* cb_time.c - clocks and ISO 8601 formatting */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "cb_time.h"

#include "cb_error.h"

static int64_t
s_clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t
cb_time_now_ns(void)
{
    return s_clock_ns(CLOCK_REALTIME);
}

int64_t
cb_time_mono_ns(void)
{
    return s_clock_ns(CLOCK_MONOTONIC);
}

int64_t
cb_time_now_ms(void)
{
    return cb_time_now_ns() / 1000000;
}

void
cb_time_sleep_ms(int64_t ms, volatile int *stop)
{
    if (ms <= 0) {
        return;
    }
    struct timespec left = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
        if (stop != NULL && *stop) {
            return;
        }
    }
}

size_t
cb_time_format_iso(int64_t ns, char *buf, size_t size)
{
    if (size == 0) {
        return 0;
    }
    int64_t secs = ns / 1000000000LL;
    int64_t rem = ns % 1000000000LL;
    if (rem < 0) {
        rem += 1000000000LL;
        secs -= 1;
    }
    time_t t = (time_t) secs;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        buf[0] = '\0';
        return 0;
    }
    int year = tm.tm_year + 1900;
    if (size >= 25 && year >= 0 && year <= 9999) {
        /* The common case by hand: this runs for every log line and every
         * time api-edge renders, and snprintf is most of its cost. */
        int ms = (int) (rem / 1000000);
        const int parts[] = {year / 100, year % 100, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
        static const char seps[] = {0, 0, '-', '-', 'T', ':', ':'};
        char *p = buf;
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
            if (seps[i] != '\0') {
                *p++ = seps[i];
            }
            *p++ = (char) ('0' + parts[i] / 10);
            *p++ = (char) ('0' + parts[i] % 10);
        }
        *p++ = '.';
        *p++ = (char) ('0' + ms / 100);
        *p++ = (char) ('0' + ms / 10 % 10);
        *p++ = (char) ('0' + ms % 10);
        *p++ = 'Z';
        *p = '\0';
        return (size_t) (p - buf);
    }
    int n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (rem / 1000000));
    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }
    return (size_t) n < size ? (size_t) n : size - 1;
}

static bool
s_digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static int64_t
s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int
s_month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int
cb_time_parse_rfc3339(const char *s, size_t len, int64_t *ns)
{
    int y, mo, d, h, mi, sec;
    /* YYYY-MM-DDTHH:MM:SS */
    if (s == NULL || len < 19 || !s_digits(s, 4, &y) || s[4] != '-' || !s_digits(s + 5, 2, &mo) ||
        s[7] != '-' || !s_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !s_digits(s + 11, 2, &h) || s[13] != ':' || !s_digits(s + 14, 2, &mi) || s[16] != ':' ||
        !s_digits(s + 17, 2, &sec)) {
        return CB_E_PARSE;
    }
    if (y < 1970 || y > 2261 || mo < 1 || mo > 12 || d < 1 || d > s_month_days(y, mo) || h > 23 ||
        mi > 59 || sec > 60) {
        return CB_E_PARSE;
    }
    size_t i = 19;
    int64_t frac = 0;
    if (i < len && s[i] == '.') {
        i++;
        size_t start = i;
        int kept = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (kept < 9) {
                frac = frac * 10 + (s[i] - '0');
                kept++;
            }
            i++;
        }
        if (i == start) {
            return CB_E_PARSE;
        }
        while (kept < 9) {
            frac *= 10;
            kept++;
        }
    }
    int64_t offset_s = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (len - i != 6 || !s_digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
            !s_digits(s + i + 4, 2, &om) || oh > 23 || om > 59) {
            return CB_E_PARSE;
        }
        offset_s = (int64_t) (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
        i += 6;
    }
    if (i != len) {
        return CB_E_PARSE;
    }
    int64_t secs = s_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    if (secs < 0) {
        return CB_E_PARSE;
    }
    *ns = secs * 1000000000 + frac;
    return 0;
}
