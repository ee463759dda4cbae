/* feed_best.h - best bid and best ask of one symbol across venues, from each venue's latest tick */
#ifndef FEED_BEST_H_INCLUDED
#define FEED_BEST_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_decimal.h"
#include "cb_proto.h"

#define FEED_BEST_ASSET_MAX 16  /* an asset name: [A-Z0-9]{1,16} */
#define FEED_BEST_GROUP_MAX 8   /* equivalence groups */
#define FEED_BEST_MEMBER_MAX 8  /* assets per group */
#define FEED_BEST_VENUE_MAX 16  /* venue instruments per symbol */
#define FEED_BEST_NAME_MAX 32   /* a venue name */

/* Quote assets that count as one for comparing prices across venues, parsed
 * from COINBUS_QUOTE_EQUIVALENTS: groups separated by ',', assets in a group
 * by '=', e.g. "USD=USDT=USDC" or "USD=USDT=USDC,EUR=EURC". Empty: none, only
 * identical quotes compare. A plain value. */
typedef struct {
    char asset[FEED_BEST_GROUP_MAX][FEED_BEST_MEMBER_MAX][FEED_BEST_ASSET_MAX + 1];
    size_t members[FEED_BEST_GROUP_MAX];
    size_t groups;
} feed_quote_equiv_t;

/* Parses text (NULL or "" gives no groups). Each group needs two or more
 * distinct assets [A-Z0-9]{1,16}; an asset may be in one group only. Returns 0
 * or CB_E_CONFIG with a one-line reason in err (err_size bytes, may be NULL),
 * e.g. "COINBUS_QUOTE_EQUIVALENTS: 'usdt' is not an asset (want [A-Z0-9]{1,16})". */
int
feed_quote_equiv_parse(const char *text, feed_quote_equiv_t *eq, char *err, size_t err_size);

/* True when quotes a and b (len-delimited) compare: identical, or in one group. */
bool
feed_quote_equiv_same(const feed_quote_equiv_t *eq, cb_str_t a, cb_str_t b);

/* One venue instrument's latest quote (internal state, exposed for stack
 * allocation). A venue listing the base in two comparable quotes (BTC-USDT and
 * BTC-USDC) has two entries. */
typedef struct {
    char venue[FEED_BEST_NAME_MAX + 1];
    char quote[FEED_BEST_ASSET_MAX + 1];
    bool down;
    bool has_tick;
    int64_t seen_ns; /* when the tick arrived (the caller's clock) */
    cb_decimal_t bid, bid_qty, ask, ask_qty;
    bool has_bid_qty, has_ask_qty;
} feed_best_venue_t;

/* The best of one requested symbol, e.g. BTC-USD. A plain value: one per
 * symbol and thread; the cb_best_t it fills points into it. */
typedef struct {
    char symbol[2 * FEED_BEST_ASSET_MAX + 2];
    char quote[FEED_BEST_ASSET_MAX + 1];
    feed_quote_equiv_t eq;
    int64_t stale_ns;
    feed_best_venue_t venues[FEED_BEST_VENUE_MAX];
    size_t count;
    bool have_last;     /* last reported best (to tell "changed") */
    int bid_idx, ask_idx;
    bool bid_has_qty, ask_has_qty;
    cb_decimal_t last_bid, last_bid_qty, last_ask, last_ask_qty;
    uint64_t last_venues;
} feed_best_t;

/* Prepares b for symbol (BASE-QUOTE; its QUOTE is the requested quote) with
 * the quote equivalences (copied) and the staleness bound (> 0 ns). 0 or
 * CB_E_BAD_REQUEST (bad symbol or bound). */
int
feed_best_init(feed_best_t *b, const char *symbol, const feed_quote_equiv_t *eq, int64_t stale_ns);

/* Records venue's latest tick, quoted in quote (the venue instrument's real
 * quote asset), arrived at now_ns, then recomputes the best over every venue
 * that is not down, has a tick no older than stale_ns at now_ns and whose
 * quote compares with the requested one. A tick in a quote that does not
 * compare is ignored (returns 0). A side whose price is <= 0 is not offered.
 * Ties: a higher bid (lower ask) wins; at the same price the larger quantity
 * (an absent quantity counts as 0); then the venue name first in byte order,
 * then the quote asset, so the answer never depends on arrival order.
 * Returns 1 when the best changed (price, quantity, venue or venue count) and
 * fills *out (symbol, venue "all"; strings point into b until the next call);
 * 0 when unchanged; CB_E_BAD_REQUEST (bad venue name), CB_E_TOO_BIG (more than
 * FEED_BEST_VENUE_MAX instruments). When no usable venue offers a bid or none
 * offers an ask, *out has venues = 0 and no prices: it reports that the best
 * is gone (returned once as a change) and must not be published. */
int
feed_best_update(feed_best_t *b, const char *venue, const char *quote, const cb_tick_t *tick,
                 int64_t now_ns, cb_best_t *out);

/* Marks venue down (its circuit opened, its feed dropped) or up again, for
 * every quote it has, then recomputes as feed_best_update. A venue without
 * ticks yet is marked when its first tick comes: down is remembered. */
int
feed_best_set_down(feed_best_t *b, const char *venue, bool down, int64_t now_ns, cb_best_t *out);

/* Recomputes at now_ns without new input, so that ticks going stale change
 * the best; call it on a timer. Returns as feed_best_update. */
int
feed_best_refresh(feed_best_t *b, int64_t now_ns, cb_best_t *out);

#endif
