/* cb_time.c - clocks and ISO 8601 formatting */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "cb_time.h"

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
    int n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int) (rem / 1000000));
    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }
    return (size_t) n < size ? (size_t) n : size - 1;
}
