/* cb_kraken_time.h - Kraken's time and interval notations: Unix seconds with fractions, OHLC minutes (RFC 3339: cb_time) */
#ifndef CB_KRAKEN_TIME_H_INCLUDED
#define CB_KRAKEN_TIME_H_INCLUDED

#include <stdint.h>

#include "cb_str.h"

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
