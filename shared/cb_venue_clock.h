/* cb_venue_clock.h - a venue's server-time offset, measured by one replica, used by all (Redis) */
#ifndef CB_VENUE_CLOCK_H_INCLUDED
#define CB_VENUE_CLOCK_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "cb_redis.h"

/* Records one measurement: the request left at sent_ms, the venue said
 * server_ms, the answer came back at received_ms (all Unix ms). The offset is
 * server_ms - (sent_ms + received_ms) / 2; the stored value is replaced when
 * it is older than 60 s or had a longer round trip. *offset_ms gets the value
 * now in force (may be NULL). 0, CB_E_BAD_REQUEST (received before sent), or
 * the Redis error. */
int
cb_venue_clock_record(cb_redis_t *redis, const char *venue, int64_t sent_ms, int64_t server_ms,
                      int64_t received_ms, int64_t *offset_ms);

/* The shared offset (add it to the local clock to get the venue's) and how
 * old it is. CB_E_NOT_FOUND when nobody measured yet; Redis errors as is. */
int
cb_venue_clock_offset(cb_redis_t *redis, const char *venue, int64_t *offset_ms, int64_t *age_ms);

/* True for exactly one caller per venue per period_ms across all replicas
 * (a lease in Redis): that one measures. False when Redis is unreachable. */
bool
cb_venue_clock_should_measure(cb_redis_t *redis, const char *venue, int64_t period_ms);

#endif
