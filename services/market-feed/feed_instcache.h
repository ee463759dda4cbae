/* feed_instcache.h - each venue's decoded instrument list, kept by an RPC worker until the stored version changes */
#ifndef FEED_INSTCACHE_H_INCLUDED
#define FEED_INSTCACHE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "feed_store.h"

/* Venues kept: twice as many as a request can use, so that a slot not used
 * by the request in progress is always free to reload. */
#define FEED_INSTCACHE_SLOTS (2 * CB_VENUES_MAX)
/* A list is decoded again after this long even when its version did not
 * change (or none is stored). */
#define FEED_INSTCACHE_MAX_AGE_NS (5LL * 1000000000LL)

typedef struct {
    bool full;
    char venue[CB_VENUE_NAME_MAX + 1];
    bool versioned; /* version was read from the store (else none is stored) */
    int64_t version;
    int64_t loaded_ns; /* monotonic */
    uint64_t used;     /* the request that last returned it */
    feed_instruments_t ins;
} feed_instcache_slot_t;

/* Zero-initialise (an empty cache); feed_instcache_fini. Used by one thread. */
typedef struct {
    feed_instcache_slot_t slots[FEED_INSTCACHE_SLOTS];
    uint64_t request;
} feed_instcache_t;

/* Frees every list kept; the cache is empty (and usable) afterwards. */
void
feed_instcache_fini(feed_instcache_t *c);

/* Starts a request: the lists feed_instcache_get returns stay valid until the
 * next call of this function (or fini). */
void
feed_instcache_begin(feed_instcache_t *c);

/* venue's instrument list into *out (borrowed, see feed_instcache_begin): the
 * kept one while the stored version is the one it was decoded at and it is
 * younger than FEED_INSTCACHE_MAX_AGE_NS, else read and decoded again. One
 * small read (the version) on a hit. Returns 0 or what
 * feed_store_get_instruments returns (CB_E_NOT_FOUND, CB_E_PARSE, a Redis
 * error); a list that failed to load is not kept. CB_E_TOO_BIG when more
 * than CB_VENUES_MAX venues are asked for in one request. */
int
feed_instcache_get(feed_instcache_t *c, feed_store_t *store, const char *venue,
                   const feed_instruments_t **out);

#endif
