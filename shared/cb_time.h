/* cb_time.h - clocks, ISO 8601 formatting and RFC 3339 parsing */
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

/* Unix epoch nanoseconds of an RFC 3339 / ISO 8601 time as the venues write
 * it: "2014-11-07T08:19:28.464459Z" (Coinbase), "2023-10-06T17:35:55.440295Z"
 * (Kraken WS v2); "+hh:mm" offsets; no zone at all is read as UTC; up to 9
 * fraction digits (more are truncated). 0 or CB_E_PARSE (bad syntax or date,
 * years 1970..2261 only, so that ns fits int64). */
int
cb_time_parse_rfc3339(const char *text, size_t len, int64_t *ns);

#endif
