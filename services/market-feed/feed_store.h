/* feed_store.h - market state in Redis (ticks, trades, books, candles, instruments, venue status), pipelined */
#ifndef FEED_STORE_H_INCLUDED
#define FEED_STORE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_proto.h"
#include "cb_venue.h"
#include "feed_record.h"

/* Keys (owner "market"; values are msgpack, see feed_record.h):
 *   coinbus:market:tick:<venue>:<symbol>          string: last tick + recv_ts
 *   coinbus:market:trades:<venue>:<symbol>        list: trade + recv_ts, newest at the head
 *   coinbus:market:book:<venue>:<symbol>          string: top-N book + recv_ts
 *   coinbus:market:candles:<venue>:<symbol>:<tf>  sorted set: candle map scored by open_ts ms
 *   coinbus:market:instruments:<venue>            string: the venue's instrument list
 *   coinbus:market:instruments_version:<venue>    integer: bumped after each list written
 *   coinbus:market:status:<venue>                 string with a TTL: stream health
 *   coinbus:market:venues                         set: venues with an instrument list */
#define FEED_STORE_PREFIX "coinbus:market:"
#define FEED_STORE_KEY_MAX 160

typedef struct {
    int connect_ms;         /* Redis connect timeout (default 250) */
    int command_ms;         /* Redis command / batch I/O timeout (default 1000) */
    unsigned trades_max;    /* trades kept per venue/symbol (default 1000) */
    unsigned candles_max;   /* candles kept per venue/symbol/timeframe (default 1000) */
    unsigned book_depth;    /* levels kept per book side (default 50) */
    int status_ttl_ms;      /* venue status lifetime (default 30000) */
    size_t batch_max;       /* queued commands that force a flush (default 100000) */
    int outage_log_ms;      /* at most one outage log line per this (default 10000) */
} feed_store_config_t;

feed_store_config_t
feed_store_defaults(void);

typedef struct feed_store feed_store_t;

/* Creates a store on its own Redis handle for url (not connected yet; Redis
 * may be down). cfg NULL = defaults. NULL with *err = CB_E_CONFIG or
 * CB_E_NOMEM. One thread only: the feed loop and each RPC worker own one each. */
feed_store_t *
feed_store_new(const char *redis_url, const feed_store_config_t *cfg, int *err);

/* Flushes nothing (queued writes are dropped), closes, frees; NULL-safe, nulls *store_p. */
void
feed_store_destroy(feed_store_t **store_p);

/* ---- writes: queued, sent by feed_store_send / feed_store_flush ---------------
 * Each queues the commands of one message (nothing blocks on Redis, except a
 * connect attempt after the reconnect backoff). Returns 0 when queued,
 * CB_E_BAD_REQUEST when the message breaks the proto rules (not stored),
 * CB_E_UNAVAILABLE when Redis is down and the current batch is being dropped
 * (counted in stats.dropped). More than batch_max queued commands flush. */

/* The last tick of (tick->venue, tick->symbol); recv_ts is the local receive time (ns). */
int
feed_store_put_tick(feed_store_t *store, const cb_tick_t *tick, int64_t recv_ts);

/* Prepends a trade to its list, trimmed to trades_max. */
int
feed_store_put_trade(feed_store_t *store, const cb_trade_t *trade, int64_t recv_ts);

/* Replaces the book with the top book_depth levels of each side of a
 * snapshot (book->snapshot must be true), keeping resyncing and update_id. */
int
feed_store_put_book(feed_store_t *store, const cb_book_t *book, int64_t recv_ts);

/* Stores a candle: one with the same open_ts (the forming one) is replaced,
 * then the set is trimmed to the newest candles_max (atomically, MULTI/EXEC). */
int
feed_store_put_candle(feed_store_t *store, const cb_candle_t *candle);

/* Replaces the venue's instrument list (dialect: "kraken", "binance", ...)
 * and adds the venue to the venue set. */
int
feed_store_set_instruments(feed_store_t *store, const char *venue, const char *dialect,
                           const cb_instruments_t *list);

/* Writes the venue's status with a TTL of status_ttl_ms, so that a dead
 * replica's status expires; write it well within the TTL. */
int
feed_store_set_venue_status(feed_store_t *store, const feed_venue_status_t *status);

/* Sends every queued command and reads their replies (one round trip).
 * Returns 0, or CB_E_UNAVAILABLE / CB_E_TIMEOUT when the batch was lost (it
 * is dropped and counted, never retried; the first failure of an outage is
 * logged, rate-limited; recovery is logged too). Error replies (a wrong
 * type under a key) are counted, logged rate-limited, and do not fail it. */
int
feed_store_flush(feed_store_t *store);

/* Sends every queued command without waiting for the replies, after reading
 * those of the previous send (sent one period earlier, they are normally in
 * already): the loop that calls it every few ms never waits for a Redis round
 * trip. Failures as feed_store_flush, seen by the next send or flush (which
 * reads these replies first). */
int
feed_store_send(feed_store_t *store);

typedef struct {
    uint64_t messages;       /* messages written (their batch succeeded) */
    uint64_t batches;        /* successful flushes that sent something */
    uint64_t failed_batches; /* batches lost to a Redis failure */
    uint64_t dropped;        /* messages lost with them */
    uint64_t error_replies;  /* commands Redis refused */
    uint64_t outages;        /* times Redis went from up to down */
    size_t queued;           /* commands waiting for the next flush */
    bool down;               /* the last batch failed */
} feed_store_stats_t;

void
feed_store_stats(const feed_store_t *store, feed_store_stats_t *out);

/* ---- reads: one round trip each (a pending batch is flushed first) -------------
 * Each decodes strictly. Returns 0, CB_E_NOT_FOUND (nothing stored),
 * CB_E_PARSE (stored data invalid: never half-used), CB_E_UNAVAILABLE /
 * CB_E_TIMEOUT (Redis), CB_E_BAD_REQUEST (a bad venue, symbol or timeframe
 * name) or CB_E_NOMEM. out is the caller's to fini in every case. */

int
feed_store_get_tick(feed_store_t *store, const char *venue, const char *symbol, feed_tick_t *out);

/* Up to limit (1..trades_max) trades, newest first; an empty list is 0 with count 0. */
int
feed_store_get_trades(feed_store_t *store, const char *venue, const char *symbol, unsigned limit,
                      feed_trades_t *out);

int
feed_store_get_book(feed_store_t *store, const char *venue, const char *symbol, feed_book_t *out);

/* The newest limit (1..candles_max) candles of timeframe tf, oldest first;
 * none is 0 with count 0. */
int
feed_store_get_candles(feed_store_t *store, const char *venue, const char *symbol, const char *tf,
                       unsigned limit, feed_candle_list_t *out);

int
feed_store_get_instruments(feed_store_t *store, const char *venue, feed_instruments_t *out);

/* The version of venue's instrument list: it changes whenever the list is
 * written again (written after the list, so a version read before the list
 * is never newer than it). 0, CB_E_NOT_FOUND (no version stored, e.g. a list
 * written by an older market-feed), CB_E_PARSE or a Redis error. */
int
feed_store_get_instruments_version(feed_store_t *store, const char *venue, int64_t *version);

int
feed_store_get_venue_status(feed_store_t *store, const char *venue, feed_venue_status_t *out);

/* The venues that have an instrument list, sorted by name, into names[0..cap). */
int
feed_store_get_venues(feed_store_t *store, char (*names)[CB_VENUE_NAME_MAX + 1], size_t cap,
                      size_t *count);

/* Builds the key of entity ("tick", "trades", "book", "instruments", "status")
 * for venue and symbol (NULL for per-venue keys) into buf (FEED_STORE_KEY_MAX).
 * 0 or CB_E_BAD_REQUEST for a name that breaks its grammar. */
int
feed_store_key(char *buf, const char *entity, const char *venue, const char *symbol);

/* True for "1m" "5m" "15m" "30m" "1h" "4h" "1d" "1w". */
bool
feed_store_timeframe_valid(const char *tf);

#endif
