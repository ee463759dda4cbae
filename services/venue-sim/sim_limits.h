/* sim_limits.h - the rate limits venue-sim enforces: Kraken's REST, trading and public counters, Binance's request weight, IP bans and order counts */
#ifndef SIM_LIMITS_H_INCLUDED
#define SIM_LIMITS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Time is always the caller's now_ns (ns since the Unix epoch; windows are
 * aligned to it as Binance aligns them); nothing here reads a clock. Kraken
 * counters are exact integers: a cost of 1 is SIM_LIMITS_UNIT micro-units, and
 * decay is computed exactly to the nanosecond (no drift, no floating point). */
#define SIM_LIMITS_UNIT 1000000LL

/* Kraken's errors (shared/venues/kraken.md sections 2 and 5), exact strings. */
#define SIM_KRAKEN_RATE_LIMIT "EAPI:Rate limit exceeded"
#define SIM_KRAKEN_ORDER_RATE_LIMIT "EOrder:Rate limit exceeded"
#define SIM_KRAKEN_ORDERS_LIMIT "EOrder:Orders limit exceeded"

typedef enum {
    SIM_KRAKEN_STARTER = 0,      /* REST 15, -0.33/s; trading 60, -1/s; 60 open orders */
    SIM_KRAKEN_INTERMEDIATE = 1, /* REST 20, -0.5/s; trading 125, -2.34/s; 80 */
    SIM_KRAKEN_PRO = 2,          /* REST 20, -1/s; trading 180, -3.75/s; 225 */
} sim_kraken_tier_t;

/* Transactions on Kraken's per-pair trading counter (kraken.md section 5). */
typedef enum {
    SIM_KRAKEN_ADD = 0,
    SIM_KRAKEN_AMEND,
    SIM_KRAKEN_EDIT,
    SIM_KRAKEN_CANCEL,
    SIM_KRAKEN_BATCH_ADD,
    SIM_KRAKEN_BATCH_CANCEL,
} sim_kraken_action_t;

/* Defaults, each changeable with a setter below. */
#define SIM_LIMITS_CAPACITY 65536                        /* entries per counter table */
#define SIM_LIMITS_KRAKEN_BLOCK_NS (2LL * 1000000000LL)  /* REST block after a refusal */
#define SIM_LIMITS_KRAKEN_PUBLIC_BURST 3                 /* public: 3 at once, then 1/s */
#define SIM_LIMITS_BINANCE_WEIGHT_1M 6000
#define SIM_LIMITS_BINANCE_ORDERS_10S 100
#define SIM_LIMITS_BINANCE_ORDERS_1D 200000
#define SIM_LIMITS_BINANCE_BAN_AFTER 3u                  /* requests sent inside a Retry-After */
#define SIM_LIMITS_BINANCE_BAN_FIRST_NS (120LL * 1000000000LL)        /* 2 min */
#define SIM_LIMITS_BINANCE_BAN_MAX_NS (3LL * 86400 * 1000000000LL)    /* 3 days */
#define SIM_LIMITS_BINANCE_BAN_MEMORY_NS (86400LL * 1000000000LL)     /* 1 day */

/* Owns every counter and a copy of every key; one thread. Memory is bounded:
 * each counter table holds at most its capacity of entries; an entry whose
 * state has returned to that of a new one (decayed to 0, window over, no ban)
 * is dropped as the table is used, and when a table is full the least
 * recently used entry is evicted (a flood of new IPs can thus make the oldest
 * idle IPs forget their counts, never grow memory). Tiers are kept apart and
 * never evicted. */
typedef struct sim_limits sim_limits_t;

/* Enabled, default limits, every key Starter. NULL on failure. */
sim_limits_t *
sim_limits_new(void);

/* NULL-safe and idempotent; frees everything and nulls *limits_p. */
void
sim_limits_destroy(sim_limits_t **limits_p);

/* Master switch. Disabled, every check passes and nothing is counted or
 * stored (the counts reported stay as the caller initialised them). */
void
sim_limits_set_enabled(sim_limits_t *limits, bool enabled);

bool
sim_limits_enabled(const sim_limits_t *limits);

/* Forgets every counter, window, block and ban; keeps tiers and settings. */
void
sim_limits_reset(sim_limits_t *limits);

/* Sets key's Kraken tier (copied). Applies from the key's next call, also to
 * the decay since that counter's last update. Returns 0 or -1 (no memory). */
int
sim_limits_set_tier(sim_limits_t *limits, const char *key, sim_kraken_tier_t tier);

/* key's tier: the one set, else SIM_KRAKEN_STARTER. */
sim_kraken_tier_t
sim_limits_tier(const sim_limits_t *limits, const char *key);

/* Entries per counter table (at least 16); a smaller value evicts at once. */
void
sim_limits_set_capacity(sim_limits_t *limits, size_t capacity);

/* Entries held in all counter tables together (tiers not included). */
size_t
sim_limits_entries(const sim_limits_t *limits);

/* ---- Kraken ------------------------------------------------------------- */

/* How long a refused REST call blocks the key (default
 * SIM_LIMITS_KRAKEN_BLOCK_NS, 0: no block). See sim_limits_kraken_call. */
void
sim_limits_set_kraken_block(sim_limits_t *limits, int64_t block_ns);

/* A private method's cost on the REST counter, in micro-units: 2 units for
 * Ledgers, QueryLedgers and TradesHistory; 0 for AddOrder, AddOrderBatch,
 * AmendOrder, CancelOrder, CancelOrderBatch and EditOrder (trading counter);
 * 1 unit otherwise (also for NULL). */
int64_t
sim_limits_kraken_call_cost(const char *method);

/* Counts a private call on key's REST counter (max 15/20/20 units, decaying
 * 0.33/0.5/1 per s by tier). The call goes when counter + cost <= max and key
 * is not blocked; otherwise it is not counted, *error (may be NULL) is
 * SIM_KRAKEN_RATE_LIMIT, and key is blocked for the block time from now: every
 * call during a block is refused and restarts it, so a client that keeps
 * calling stays locked out until it pauses that long ("a few seconds, longer
 * if calls continue"). Zero-cost methods never touch the counter. Returns 0
 * or -1. Out of memory lets the call through uncounted. */
int
sim_limits_kraken_call(sim_limits_t *limits, const char *key, const char *method, int64_t now_ns,
                       const char **error);

/* key's REST counter at now_ns in micro-units, rounded up; changes nothing. */
int64_t
sim_limits_kraken_call_level(const sim_limits_t *limits, const char *key, int64_t now_ns);

/* A transaction's cost on the trading counter, in micro-units: add 1;
 * amend 1 + (3, 2, 1 for an order resting < 5, < 10, < 15 s); edit 1 + (6,
 * 5, 4, 2, 1 for < 5, 10, 15, 45, 90 s); cancel (8, 6, 5, 4, 2, 1 for < 5,
 * 10, 15, 45, 90, 300 s); batch add count/2; batch cancel count x cancel's.
 * age_ns is the order's resting time (since create or last amend); count
 * (batches) below 1 is 1. */
int64_t
sim_limits_kraken_trade_cost(sim_kraken_action_t action, int64_t age_ns, unsigned count);

/* Counts a transaction on the (key, pair) trading counter (threshold
 * 60/125/180 units, decaying 1/2.34/3.75 per s by tier). Goes when counter +
 * cost <= threshold; otherwise nothing is counted and *error (may be NULL)
 * is SIM_KRAKEN_ORDER_RATE_LIMIT (no block: the counter alone decides).
 * Returns 0 or -1. Out of memory lets it through uncounted. */
int
sim_limits_kraken_trade(sim_limits_t *limits, const char *key, const char *pair,
                        sim_kraken_action_t action, int64_t age_ns, unsigned count,
                        int64_t now_ns, const char **error);

/* The (key, pair) trading counter at now_ns in micro-units, rounded up. */
int64_t
sim_limits_kraken_trade_level(const sim_limits_t *limits, const char *key, const char *pair,
                              int64_t now_ns);

/* The open-order maximum per pair for a tier: 60, 80, 225. */
size_t
sim_limits_kraken_max_open(sim_kraken_tier_t tier);

/* May key open one more order on a pair where it has open orders already?
 * Returns 0, or -1 with *error (may be NULL) SIM_KRAKEN_ORDERS_LIMIT when
 * open >= its tier's maximum. */
int
sim_limits_kraken_open_orders(const sim_limits_t *limits, const char *key, size_t open,
                              const char **error);

/* Counts a public call from ip (any string: copied). Model: a decaying
 * counter per IP, max SIM_LIMITS_KRAKEN_PUBLIC_BURST units, -1 unit/s, each
 * call 1 unit: a burst of 3, then 1 call/s sustained. Refused calls are not
 * counted and set *error (may be NULL) to SIM_KRAKEN_RATE_LIMIT. Returns 0
 * or -1. */
int
sim_limits_kraken_public(sim_limits_t *limits, const char *ip, int64_t now_ns, const char **error);

/* ---- Binance ------------------------------------------------------------ */

/* One Binance limit decision and the values of its headers. Each call sets
 * status, code, retry_after_s and msg, and its own counters; it leaves the
 * other call's counters alone, so one zero-initialised struct serves a
 * request's weight check and then its order check. */
typedef struct {
    int status;              /* 200, 429 or 418 */
    int code;                /* 0, -1003 or -1015 */
    int64_t retry_after_s;   /* Retry-After on 429 / 418, else 0 */
    char msg[192];           /* the error's msg, "" when allowed */
    int64_t used_weight_1m;  /* X-MBX-USED-WEIGHT-1M */
    int64_t order_count_10s; /* X-MBX-ORDER-COUNT-10S */
    int64_t order_count_1d;  /* X-MBX-ORDER-COUNT-1D */
} sim_limits_binance_t;

/* Sets the REQUEST_WEIGHT limit per minute and the ORDERS limits per 10 s
 * and per day; a value <= 0 keeps the current one. */
void
sim_limits_set_binance(sim_limits_t *limits, int64_t weight_1m, int64_t orders_10s,
                       int64_t orders_1d);

/* How many requests an IP may send inside a 429's Retry-After before it is
 * banned (default SIM_LIMITS_BINANCE_BAN_AFTER; 0: never ban). */
void
sim_limits_set_binance_ban(sim_limits_t *limits, unsigned violations);

/* Counts a request of weight from ip on REQUEST_WEIGHT (fixed windows
 * aligned to the minute). In order: a banned ip gets 418 (Retry-After until
 * the ban ends). An ip told to back off by a 429 whose Retry-After has not
 * passed commits a violation: 429 again, and the Nth (set_binance_ban) is
 * banned with 418 for 2 min, doubling per ban up to 3 days; bans are
 * forgotten a day after the last one ends. A request that would take the
 * window's weight over the limit gets 429 with Retry-After = seconds to the
 * next minute. Refused requests (429, 418) are not counted: used_weight_1m is
 * the window's accepted weight, at most the limit. Returns 0 or -1003. */
int
sim_limits_binance_request(sim_limits_t *limits, const char *ip, int64_t weight, int64_t now_ns,
                           sim_limits_binance_t *out);

/* Gives back weight counted in ip's current window (a successful order
 * costs 0 weight since 2026-04-02); never below 0. */
void
sim_limits_binance_refund(sim_limits_t *limits, const char *ip, int64_t weight, int64_t now_ns);

/* ip's used weight in the window of now_ns; changes nothing. */
int64_t
sim_limits_binance_used_weight(const sim_limits_t *limits, const char *ip, int64_t now_ns);

/* Counts one new order for the account key on ORDERS (fixed 10 s and UTC
 * day windows). Over either limit: 429, -1015 "Too many new orders; current
 * limit is 100 orders per 10 SECOND." (or "... per 1 DAY."), Retry-After to
 * that window's end, and the order is not counted. Returns 0 or -1015. */
int
sim_limits_binance_order(sim_limits_t *limits, const char *key, int64_t now_ns,
                         sim_limits_binance_t *out);

#endif
