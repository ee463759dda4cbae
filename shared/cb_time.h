/* cb_time.h - clocks and ISO 8601 formatting */
#ifndef CB_TIME_H_INCLUDED
#define CB_TIME_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

/* Wall-clock time in nanoseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t
cb_time_now_ns(void);

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC); only differences mean anything. */
int64_t
cb_time_mono_ns(void);

/* Wall-clock milliseconds since the Unix epoch. */
int64_t
cb_time_now_ms(void);

/* Sleep for ms milliseconds, resuming after signals until the time is up
 * unless *stop (may be NULL) becomes non-zero. */
void
cb_time_sleep_ms(int64_t ms, volatile int *stop);

/* Formats ns (Unix epoch nanoseconds) as ISO 8601 UTC with milliseconds,
 * e.g. "2026-11-23T01:12:55.123Z", into buf (at least CB_TIME_ISO_LEN bytes).
 * Returns the length written (excluding the NUL). */
#define CB_TIME_ISO_LEN 32
size_t
cb_time_format_iso(int64_t ns, char *buf, size_t size);

#endif
