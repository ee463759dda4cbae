/* feed_app.h - market-feed's hub: one stream per (venue, symbol), published to the bus, kept in Redis, candles and best built */
#ifndef FEED_APP_H_INCLUDED
#define FEED_APP_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_binance_book.h"
#include "cb_kraken_book.h"
#include "cb_pub.h"
#include "cb_venue.h"
#include "feed_best.h"
#include "feed_candles.h"
#include "feed_store.h"

#define FEED_SYMBOLS_MAX 32
#define FEED_PENDING_TRADES_MAX 20000
#define FEED_PENDING_TRADES_FIRST 256 /* the buffer starts this size and doubles */

/* A trade kept until the stream's candle history has been fetched. */
typedef struct {
    cb_decimal_t price;
    cb_decimal_t qty;
    int64_t ts_ns;
} feed_pending_trade_t;

/* One (venue, requested symbol) stream. The instrument points into its
 * venue client's list (NULL while the venue's list is not loaded or does not
 * list the symbol). Owned by feed_app; the venue runtime drives it. */
typedef struct {
    size_t venue_index;
    size_t symbol_index;        /* into the requested symbols */
    size_t lease_index;
    const cb_instrument_t *ins;
    bool owned;                 /* this replica publishes it (its lease) */
    feed_candles_t candles;
    bool candles_ready;         /* history fetched (or given up): trades go straight in */
    int backfills_pending;
    feed_pending_trade_t *pending;
    size_t npending;
    size_t pending_cap;
    cb_kraken_book_t kbook;
    cb_binance_book_t bbook;
    bool snapshot_in_flight;
    int64_t snapshot_retry_ms;
    bool resyncing;             /* the published book is not trustworthy */
    bool have_book;
    cb_decimal_t last;          /* the last trade price (Binance ticks lack it) */
    bool have_last;
    int64_t last_msg_ns;
    uint64_t resyncs;
} feed_stream_t;

typedef struct {
    cb_pub_t *pub;              /* borrowed */
    feed_store_t *store;        /* borrowed */
    size_t book_depth;          /* levels published per side */
    size_t kraken_depth;        /* Kraken book subscription depth: the smallest of 10/25/100/500/1000 >= book_depth */
    feed_quote_equiv_t equiv;
    char symbols[FEED_SYMBOLS_MAX][CB_SYMBOL_MAX + 1]; /* requested, e.g. BTC-USD */
    size_t nsymbols;
    feed_best_t best[FEED_SYMBOLS_MAX];
    char venue_names[CB_VENUES_MAX][CB_VENUE_NAME_MAX + 1];
    int64_t week_start_ns[CB_VENUES_MAX]; /* each venue's weekly candle start (FEED_WEEK_*_NS) */
    size_t nvenues;
    feed_stream_t *streams;     /* nvenues x nsymbols, venue-major */
    uint64_t published;
    uint64_t publish_errors;
    int64_t last_error_log_ms;
    bool release_due;           /* a stream's history came in: free heap pages go back once all have */
} feed_app_t;

/* Prepares streams for every venue x symbol. 0 or CB_E_NOMEM. */
int
feed_app_init(feed_app_t *app, cb_pub_t *pub, feed_store_t *store, size_t book_depth,
              const feed_quote_equiv_t *equiv, const cb_venue_cfg_t *venues, size_t nvenues,
              char symbols[][CB_SYMBOL_MAX + 1], size_t nsymbols);

void
feed_app_fini(feed_app_t *app);

feed_stream_t *
feed_app_stream(feed_app_t *app, size_t venue_index, size_t symbol_index);

/* Publishes and stores a tick of stream s (symbol/venue filled here) and
 * updates the best of its symbol (publishing best.<SYMBOL>.all on change). */
void
feed_app_tick(feed_app_t *app, feed_stream_t *s, cb_tick_t *tick);

/* Publishes and stores one trade, and feeds the candles. */
void
feed_app_trade(feed_app_t *app, feed_stream_t *s, cb_trade_t *trade);

/* Publishes and stores the top book_depth levels of book as a snapshot
 * (resyncing from s). */
void
feed_app_book(feed_app_t *app, feed_stream_t *s, const cb_book_local_t *book, int64_t exch_ts,
              bool has_checksum, uint32_t checksum);

/* Stores candle history fetched over REST (closed candles as they are) and
 * seeds the forming candle; when the last timeframe is in, replays the trades
 * kept meanwhile. */
void
feed_app_backfill(feed_app_t *app, feed_stream_t *s, feed_tf_t tf, const cb_candle_t *candles,
                  size_t n, int64_t fetched_ns);

/* A timeframe's history could not be fetched: count it as done. */
void
feed_app_backfill_failed(feed_app_t *app, feed_stream_t *s);

/* Starts over for a stream this replica just gained or lost: fresh candles
 * (history to fetch), fresh books. */
void
feed_app_stream_reset(feed_app_t *app, feed_stream_t *s, int backfills);

/* Once a second: closes ended candles, publishes changed forming ones,
 * refreshes the best (stale ticks); once every owned stream's history is in,
 * gives the start-up burst's free heap pages back (cb_mem_release). */
void
feed_app_timer(feed_app_t *app, int64_t now_ns);

#endif
