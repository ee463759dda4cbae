/* feed_candles.h - OHLCV candles from trades for one (venue, symbol), every interval at once */
#ifndef FEED_CANDLES_H_INCLUDED
#define FEED_CANDLES_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_decimal.h"
#include "cb_proto.h"

/* The candle intervals of the wire contract (proto/README.md), shortest first. */
typedef enum {
    FEED_TF_1M,
    FEED_TF_5M,
    FEED_TF_15M,
    FEED_TF_30M,
    FEED_TF_1H,
    FEED_TF_4H,
    FEED_TF_1D,
    FEED_TF_1W,
    FEED_TF_COUNT
} feed_tf_t;

/* "1m" ... "1w"; NULL for an out-of-range value. Static text. */
const char *
feed_tf_name(feed_tf_t tf);

/* The interval named by len bytes of text; 0 or CB_E_NOT_FOUND. */
int
feed_tf_from_name(const char *text, size_t len, feed_tf_t *tf);

/* The interval's length in nanoseconds. */
int64_t
feed_tf_len_ns(feed_tf_t tf);

/* Where weekly intervals start, as ns after the Unix epoch (a Thursday,
 * 00:00 UTC); any multiple of a week later is the same start. Each venue's
 * weekly candles follow that venue's own convention (proto/README.md, candle
 * notes): Binance's 1w klines open on Monday 00:00 UTC; Kraken's 10080-minute
 * OHLC rows open on Thursday 00:00 UTC (aligned on the epoch), which Kraken's
 * docs do not state but its rows show (cb_dialect_week_start_s). */
#define FEED_WEEK_THURSDAY_NS ((int64_t) 0)
#define FEED_WEEK_MONDAY_NS ((int64_t) 4 * 86400 * 1000000000)

/* The start (ns since the epoch, UTC) of the interval of tf that contains
 * ts_ns. Intervals up to 1d are aligned on the epoch (whole UTC minutes,
 * hours, days); 1w intervals start at week_start_ns (FEED_WEEK_*_NS). */
int64_t
feed_tf_open_ts_at(feed_tf_t tf, int64_t week_start_ns, int64_t ts_ns);

/* feed_tf_open_ts_at with weeks starting on Monday 00:00 UTC. */
int64_t
feed_tf_open_ts(feed_tf_t tf, int64_t ts_ns);

/* Receives each candle to publish. The candle (and its interval text) is
 * valid during the call only; symbol and venue are left empty for the caller
 * to fill. closed=false marks a candle still forming. */
typedef void (*feed_candles_emit_fn)(void *arg, const cb_candle_t *candle);

/* One interval's forming candle (internal state, exposed for stack allocation). */
typedef struct {
    bool active;       /* a candle is forming */
    bool dirty;        /* changed since it was last emitted */
    int64_t open_ts;   /* interval start, ns */
    int64_t first_ts;  /* time of the trade that set open */
    int64_t last_ts;   /* time of the trade that set close */
    int64_t closed_to; /* end of the newest closed interval: older trades are late */
    int64_t cutoff_ns; /* trades at or before this time are in a backfilled candle */
    cb_decimal_t open, high, low, close, volume;
    uint64_t trades;
} feed_candle_slot_t;

/* The candles of one (venue, symbol): a plain value, no allocation, one per
 * stream and thread. Trade times are the venue's (exch_ts) when it sends them. */
typedef struct {
    int64_t grace_ns;      /* how long after its end feed_candles_tick waits to close */
    int64_t week_start_ns; /* where 1w intervals start (FEED_WEEK_*_NS) */
    uint64_t late;         /* trades too old for at least one interval (not counted there) */
    uint64_t dup;          /* trades skipped in an interval because a backfill holds them */
    feed_candle_slot_t slot[FEED_TF_COUNT];
} feed_candles_t;

/* Empties c. grace_ns (>= 0) delays closing by time, so that a trade sent
 * just before an interval's end but received after it still counts there. */
void
feed_candles_init(feed_candles_t *c, int64_t grace_ns);

/* Where c's 1w intervals start (FEED_WEEK_*_NS; init sets Monday): the
 * venue's convention, so that its weekly backfill rows align. Call after
 * init, before the first trade or backfill. */
void
feed_candles_set_week_start(feed_candles_t *c, int64_t week_start_ns);

/* Adds one trade to the forming candle of every interval. When ts_ns falls in
 * a later interval than the forming candle, that candle is first emitted with
 * closed=true and a new one opens with this trade. Trades are applied in any
 * arrival order inside an interval: open is the price of the earliest trade,
 * close the latest (equal times: the later arrival closes). A trade older than
 * an interval already closed is late there (counted, skipped); a trade at or
 * before a backfill's fetch time is skipped where that backfill applies.
 * Returns 0, or CB_E_BAD_REQUEST (price <= 0 or qty <= 0) or CB_E_OVERFLOW
 * (volume does not fit), in which case nothing changed and emit never ran. */
int
feed_candles_trade(feed_candles_t *c, cb_decimal_t price, cb_decimal_t qty, int64_t ts_ns,
                   feed_candles_emit_fn emit, void *arg);

/* Closes (emits closed=true, then forgets) every forming candle whose interval
 * ended at least grace_ns before now_ns, whether or not a trade came. No
 * candle is invented for an interval without trades: a gap in open_ts means
 * nothing traded (a consumer may draw it flat at the previous close).
 * Returns how many candles were closed. */
size_t
feed_candles_tick(feed_candles_t *c, int64_t now_ns, feed_candles_emit_fn emit, void *arg);

/* Emits each forming candle that changed since its last emission (closed=
 * false), so the caller decides how often (e.g. once a second). Returns how
 * many were emitted. */
size_t
feed_candles_flush_forming(feed_candles_t *c, feed_candles_emit_fn emit, void *arg);

/* Merges REST OHLC history of interval tf fetched at fetched_ns (the time the
 * request was sent, on the trades' clock): candles[0..n) ascending by open_ts,
 * each aligned to tf; their interval/symbol/venue are not read. Rules:
 *  - closed history (every row whose interval ended by fetched_ns) is taken as
 *    is: it is not re-emitted (the caller has it) and trades older than its end
 *    are late from now on;
 *  - a row whose interval contains fetched_ns is the venue's forming candle: it
 *    seeds ours (OHLCV and trade count), and trades with ts > fetched_ns
 *    continue it; trades with ts <= fetched_ns are skipped for tf (the row
 *    already holds them), so no trade is counted twice; a forming row with
 *    volume 0 seeds nothing (Kraken fills an empty one with the last close);
 *  - if trades reached tf before the backfill, they are kept when every one is
 *    newer than fetched_ns (merged onto the seed: high/low widened, volumes
 *    and counts added, close kept); if one may be older, CB_E_CONFLICT and
 *    nothing changes (call backfill before feeding trades, or buffer them).
 * The seeded candle is marked changed for feed_candles_flush_forming.
 * Returns 0, CB_E_BAD_REQUEST (tf out of range, unaligned or unsorted rows,
 * high < low, negative volume), CB_E_CONFLICT or CB_E_OVERFLOW. */
int
feed_candles_backfill(feed_candles_t *c, feed_tf_t tf, const cb_candle_t *candles, size_t n,
                      int64_t fetched_ns);

#endif
