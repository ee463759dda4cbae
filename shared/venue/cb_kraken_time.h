/* cb_kraken_time.h - Kraken's time and interval notations: RFC 3339 stamps, Unix seconds with fractions, OHLC minutes */
#ifndef CB_KRAKEN_TIME_H_INCLUDED
#define CB_KRAKEN_TIME_H_INCLUDED

#include <stdint.h>

#include "cb_str.h"

/* Nanoseconds since the epoch of an RFC 3339 UTC stamp as WS v2 sends it
 * ("2023-10-06T17:35:55.440295Z", up to 9 fraction digits, "Z" or +hh:mm).
 * 0, or CB_E_PARSE for anything else. */
int
cb_kraken_rfc3339_ns(cb_str_t text, int64_t *out);

/* Nanoseconds of Unix seconds written as a decimal ("1688669448.6716862",
 * "1688669448"), read from the text (never through a double); digits past
 * the ninth fraction digit are dropped. 0, CB_E_PARSE or CB_E_RANGE. */
int
cb_kraken_unix_ns(cb_str_t text, int64_t *out);

/* The proto candle interval ("1m", "5m", ... "1w") of an OHLC interval in
 * minutes, or NULL when coinbus has no name for it. */
const char *
cb_kraken_interval_name(int64_t minutes);

#endif
