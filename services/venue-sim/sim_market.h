/* sim_market.h - the simulated market: per instrument a book, a seeded price process with market makers, trades, candles and events */
#ifndef SIM_MARKET_H_INCLUDED
#define SIM_MARKET_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_book.h"
#include "sim_instruments.h"

/* Instruments are addressed by their index in sim_instruments(). The owner
 * of the simulated market makers and takers is SIM_OWNER_MARKET; accounts
 * use other owners. */
#define SIM_OWNER_MARKET 0u

/* Trades kept per instrument for Trades / trades / ws snapshots. */
#define SIM_TRADES_KEPT 2000
/* 1-second candles kept (one hour) and 1-minute candles kept (one week). */
#define SIM_SECONDS_KEPT 3600
#define SIM_MINUTES_KEPT 10080
/* Top-of-book changes kept per instrument (Kraken Spread). */
#define SIM_SPREADS_KEPT 500

typedef struct {
    uint64_t id;            /* per instrument, from 1, no gaps */
    int64_t time_ns;        /* unix time */
    sim_fx_t price;
    sim_fx_t qty;
    sim_side_t taker_side;  /* SIM_BUY: the buyer took (Binance isBuyerMaker false) */
    bool taker_market;      /* the taker was a market order (Kraken "m"), else limit ("l") */
    uint64_t maker_order_id;
    uint64_t taker_order_id;
} sim_trade_t;

/* A candle covers [open_s, open_s + interval). A candle with no trades has
 * open = high = low = close = the last price before it and zero volume. */
typedef struct {
    int64_t open_s;
    sim_fx_t open;
    sim_fx_t high;
    sim_fx_t low;
    sim_fx_t close;
    sim_fx_t volume;          /* base */
    sim_fx_t quote_volume;    /* sum of price x qty, each product rounded half up */
    sim_fx_t taker_buy_volume;
    sim_fx_t taker_buy_quote_volume;
    uint32_t trades;
    uint64_t first_trade_id;  /* 0 when no trades */
    uint64_t last_trade_id;
} sim_candle_t;

/* A change of the top of book (Kraken Spread). */
typedef struct {
    int64_t time_ns;
    sim_fx_t bid;
    sim_fx_t ask;
    sim_fx_t bid_qty;
    sim_fx_t ask_qty;
} sim_spread_t;

typedef enum {
    SIM_EV_BOOK = 1,  /* a price level's total changed */
    SIM_EV_TRADE = 2, /* a trade printed (after its book events) */
} sim_event_kind_t;

/* What listeners receive. Borrowed: valid during the call only. */
typedef struct {
    sim_event_kind_t kind;
    size_t inst;              /* index in sim_instruments() */
    int64_t time_ns;
    uint64_t update_id;       /* the book's update id after this change (book events) */
    sim_side_t side;          /* book: the level's side */
    sim_fx_t price;           /* book: the level's price */
    sim_fx_t qty;             /* book: the level's new total, 0 when it is gone */
    const sim_trade_t *trade; /* trade events */
} sim_event_t;

typedef void (*sim_event_fn)(void *ctx, const sim_event_t *ev);

/* Called for every fill, after the trade is recorded and before the events
 * of the submit that caused it are delivered; the exchange settles account
 * fills here. */
typedef void (*sim_market_fill_fn)(void *ctx, size_t inst, const sim_fill_t *fill, const sim_trade_t *trade);

/* Owns the books, the process state and the history. One thread. */
typedef struct sim_market sim_market_t;

/* A market seeded with seed (same seed, same sequence of book operations)
 * running rate events per second per instrument (1..100000). The books are
 * filled with 25 maker levels a side at once. NULL when out of memory. */
sim_market_t *
sim_market_new(uint64_t seed, uint32_t rate);

/* Gives every instrument a synthetic past of days days (0: none; at most
 * the week of 1-minute candles kept) before the minute the market started
 * in: seeded 1-minute candles (sim_past.h) whose newest close is the
 * starting mid, so candles, statistics and trade ids go on from it. Call
 * before the first sim_market_step. 0, or -1 when out of memory. */
int
sim_market_set_past(sim_market_t *market, int days);

/* NULL-safe; nulls *market_p. */
void
sim_market_destroy(sim_market_t **market_p);

/* Changes the event rate (1..100000). */
void
sim_market_set_rate(sim_market_t *market, uint32_t rate);

/* Stops or resumes the price process (books and user orders keep working). */
void
sim_market_pause(sim_market_t *market, bool paused);

/* Runs every process event due by now_ns (unix time). When far behind
 * (more than a second), skips ahead rather than bursting. Returns the
 * nanoseconds until the next event is due (0: call again at once). */
int64_t
sim_market_step(sim_market_t *market, int64_t now_ns);

/* Adds a listener (up to 8); false when full. */
bool
sim_market_listen(sim_market_t *market, sim_event_fn fn, void *ctx);

/* Removes a listener added with the same fn and ctx. */
void
sim_market_unlisten(sim_market_t *market, sim_event_fn fn, void *ctx);

/* Sets the fill hook (one; NULL to clear). */
void
sim_market_on_fill(sim_market_t *market, sim_market_fill_fn fn, void *ctx);

/* A fresh order id, unique across instruments, from 1. */
uint64_t
sim_market_next_order_id(sim_market_t *market);

/* Submits an order into inst's book as sim_book_submit does, then records
 * each fill as a trade (candles, stats), calls the fill hook, and delivers
 * book and trade events. market_order marks the taker as a market order in
 * trades. */
sim_submit_rc_t
sim_market_submit(sim_market_t *market, size_t inst, uint64_t id, uint32_t owner, sim_side_t side,
                  sim_fx_t price, sim_fx_t qty, unsigned flags, bool market_order, sim_fx_t *filled,
                  bool *rested);

/* Cancels a resting order (book event delivered); copies it into out (may
 * be NULL). false when no order has that id in inst's book. */
bool
sim_market_cancel(sim_market_t *market, size_t inst, uint64_t id, sim_order_t *out);

/* Changes a resting order's quantity (see sim_book_amend_qty); book event
 * delivered. */
bool
sim_market_amend_qty(sim_market_t *market, size_t inst, uint64_t id, sim_fx_t new_qty);

/* The book of inst, read-only. */
const sim_book_t *
sim_market_book(const sim_market_t *market, size_t inst);

/* The book's update id: +1 for every level change, from 1 (Binance
 * lastUpdateId, U/u). */
uint64_t
sim_market_update_id(const sim_market_t *market, size_t inst);

/* The last trade (false before any). */
bool
sim_market_last_trade(const sim_market_t *market, size_t inst, sim_trade_t *out);

/* The price trades would print at now: the last trade, else the mid. */
sim_fx_t
sim_market_last_price(const sim_market_t *market, size_t inst);

/* Copies trades with id > since_id (0: from the oldest kept), oldest first,
 * up to max; returns the count. */
size_t
sim_market_trades_since(const sim_market_t *market, size_t inst, uint64_t since_id, size_t max,
                        sim_trade_t *out);

/* Copies the newest max trades (or fewer), oldest first; returns the count. */
size_t
sim_market_trades_recent(const sim_market_t *market, size_t inst, size_t max, sim_trade_t *out);

/* Candles of interval_s seconds (1, or a multiple of 60 up to 7 days;
 * intervals longer than a minute are aligned to unix time, weeks to
 * Monday 00:00 UTC as Binance does), oldest first, from the candle holding
 * from_s (or the oldest kept) up to the one holding to_s (the current one
 * included, still open), at most max: when more would match, the newest max
 * when newest is true, else the oldest max. Returns the count; 0 for an
 * interval it cannot build. */
size_t
sim_market_candles(const sim_market_t *market, size_t inst, int64_t interval_s, int64_t from_s,
                   int64_t to_s, size_t max, bool newest, sim_candle_t *out);

/* Aggregate of the trades in [from_s, to_s) from the kept 1-minute candles
 * (so minute resolution): open is the first trade's price (or the price
 * before from_s when none), volume, quote volume, trades, high, low,
 * first/last trade ids. */
void
sim_market_stats(const sim_market_t *market, size_t inst, int64_t from_s, int64_t to_s, sim_candle_t *out);

/* Copies top-of-book changes newer than since_ns, oldest first, up to max. */
size_t
sim_market_spreads_since(const sim_market_t *market, size_t inst, int64_t since_ns, size_t max,
                         sim_spread_t *out);

#endif
