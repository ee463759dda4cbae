/* edge_price.h - api-edge's price answers from the bus cache, rendered once and re-used until the next tick */
#ifndef EDGE_PRICE_H_INCLUDED
#define EDGE_PRICE_H_INCLUDED

/* GET /api/market/price is the busiest route, and its answer only changes
 * when the cache does (a tick, new listings) or when the tick it shows gets
 * older than the fresh limit. So each (symbol, venue) answer is rendered to
 * JSON once and its bytes are served again while edge_cache_version is the
 * one it was rendered at and its tick is still fresh; any tick (of any
 * symbol) renders it again on the next request. A tick older than fresh_ns
 * is never served, re-used or not: the caller asks market.price instead.
 * Ownership: the memo borrows the cache (which must outlive it) and owns its
 * rendered copies. One thread (the owner's loop). */

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "edge_cache.h"

typedef struct edge_price edge_price_t;

/* A memo of price answers from cache, served while their tick is at most
 * fresh_ns old (> 0). NULL when out of memory. */
edge_price_t *
edge_price_new(edge_cache_t *cache, int64_t fresh_ns);

/* NULL-safe; nulls *price_p. */
void
edge_price_destroy(edge_price_t **price_p);

/* The price answer for symbol (canonical BASE-QUOTE) on venue (lower case;
 * "" for the narrowest spread among fresh ticks, with every venue's quote)
 * as JSON in out (replaced). Returns 1 when answered, 0 when the cache has
 * no fresh tick for it (out untouched: ask market.price), CB_E_NOMEM. */
int
edge_price_get(edge_price_t *price, const char *symbol, const char *venue, cb_buf_t *out);

/* Answers rendered so far (the rest were re-used), for tests and /metrics. */
uint64_t
edge_price_renders(const edge_price_t *price);

#endif
