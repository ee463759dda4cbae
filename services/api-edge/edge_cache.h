/* edge_cache.h - api-edge's in-memory view of the bus: latest tick, book, candle and stream state per symbol x venue */
#ifndef EDGE_CACHE_H_INCLUDED
#define EDGE_CACHE_H_INCLUDED

/* One SUB socket (tick., best., book., candle., trade., circuit.; order. on
 * demand) drained by
 * the owner's loop (edge_cache_fd readable -> edge_cache_process). Each
 * well-formed message updates the cache first, then goes to the listener
 * (api-edge's WebSocket hub), so a client never sees a push the cache does
 * not know. Decimals stay the wire's exact strings.
 *
 * Symbol resolution follows market-feed's (cb_instruments_resolve): a
 * request for BTC-USD matches each venue's own listing, BTC-USD where
 * listed, else the venue's USD stablecoin pair (BTC-USDT); the venues'
 * listings come from the `market.symbols` RPC (edge_cache_set_listings),
 * and until then only exact symbols match.
 * Ownership: lookups copy into the caller's structs; nothing returned
 * points into the cache. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_sub.h"

#define EDGE_DEC_MAX 48  /* an exact decimal string, NUL-terminated */
#define EDGE_SYM_MAX 40  /* BASE-QUOTE */
#define EDGE_VENUE_MAX 33

typedef struct {
    char symbol[EDGE_SYM_MAX]; /* the venue's real symbol (BTC-USDT) */
    char venue[EDGE_VENUE_MAX];
    char bid[EDGE_DEC_MAX], ask[EDGE_DEC_MAX];
    char bid_qty[EDGE_DEC_MAX], ask_qty[EDGE_DEC_MAX]; /* "" when absent */
    char last[EDGE_DEC_MAX];   /* "" when absent */
    char volume[EDGE_DEC_MAX]; /* "" when absent */
    int64_t ts_ns;             /* publish time (envelope ts) */
    int64_t exch_ts_ns;        /* 0 when absent */
    uint64_t seq;
    int64_t received_ns;       /* when this process got it (cb_time_now_ns) */
} edge_tick_t;

typedef struct edge_cache edge_cache_t;

/* The listener sees every decoded message after the cache took it
 * (msg->ev is the decoded event, msg->missed the gap before it). */
typedef void (*edge_cache_listener_fn)(void *ctx, const cb_sub_msg_t *msg);

/* A cache subscribed to endpoint (the bus XPUB). NULL on failure (logged). */
edge_cache_t *
edge_cache_new(const char *endpoint);

/* NULL-safe; nulls *cache_p. */
void
edge_cache_destroy(edge_cache_t **cache_p);

/* The SUB socket's ZMQ_FD for the owner's loop. */
int
edge_cache_fd(const edge_cache_t *cache);

void
edge_cache_set_listener(edge_cache_t *cache, edge_cache_listener_fn fn, void *ctx);

/* Starts (on) or stops receiving the bus's order events (order.), which
 * the cache does not keep: they go to the listener only. */
void
edge_cache_watch_orders(edge_cache_t *cache, bool on);

/* Receives and applies every waiting message without blocking (at most
 * max_msgs per call, so one busy feed cannot starve the loop; 0: no limit).
 * Returns the number handled; the owner calls again on its next turn when
 * it returned max_msgs. */
size_t
edge_cache_process(edge_cache_t *cache, size_t max_msgs);

/* Each venue's listed symbols, from market.symbols' result ({venue:
 * [symbols]}, msgpack bytes). Replaces the previous listings. 0 or
 * CB_E_BAD_REQUEST. */
int
edge_cache_set_listings(edge_cache_t *cache, const void *result, size_t len);

/* The venue's symbol for a requested one (BTC-USD -> BTC-USDT on a venue
 * listing only that); false when the venue lists neither (or is unknown). */
bool
edge_cache_resolve(const edge_cache_t *cache, const char *venue, const char *symbol,
                   char out[EDGE_SYM_MAX]);

/* True when any venue lists symbol (resolved as above), or, before the
 * listings are known, when any tick for it was seen. */
bool
edge_cache_symbol_known(const edge_cache_t *cache, const char *symbol);

/* The latest tick of symbol on venue (resolved), or, venue NULL, the
 * venue with the narrowest spread among those whose tick is at most
 * max_age_ns old (0: any age). false when none. */
bool
edge_cache_tick(const edge_cache_t *cache, const char *symbol, const char *venue,
                int64_t max_age_ns, edge_tick_t *out);

/* Every venue's latest tick for symbol (resolved), up to max; returns the
 * count. */
size_t
edge_cache_ticks(const edge_cache_t *cache, const char *symbol, edge_tick_t *out, size_t max);

/* A number that changes whenever a lookup above could answer differently
 * (a tick applied, a pair first seen, new listings); the same number means
 * the same ticks, so an answer built from them may be re-used (edge_price)
 * as long as the freshness it was checked for still holds. */
uint64_t
edge_cache_version(const edge_cache_t *cache);

/* Whether the book of symbol on venue was last published resyncing. */
bool
edge_cache_book_resyncing(const edge_cache_t *cache, const char *symbol, const char *venue);

/* The latest circuit state per (venue, scope), for /health: calls fn for
 * each, with state "closed" | "open" | "half_open". */
void
edge_cache_each_circuit(const edge_cache_t *cache,
                        void (*fn)(void *ctx, const char *venue, const char *scope,
                                   const char *state, int64_t retry_at_ns),
                        void *ctx);

typedef struct {
    uint64_t received;  /* messages taken */
    uint64_t malformed;
    uint64_t gaps;
    uint64_t missed;
    int64_t last_msg_ns; /* when the last message came (0: none yet) */
} edge_cache_stats_t;

edge_cache_stats_t
edge_cache_stats(const edge_cache_t *cache);

#endif
