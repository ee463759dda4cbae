/* cb_ratelimit.h - outbound rate limits kept in Redis, so N replicas spend one budget */
#ifndef CB_RATELIMIT_H_INCLUDED
#define CB_RATELIMIT_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "cb_redis.h"
#include "cb_script.h"

/* A decaying counter (leaky bucket): each call adds its cost, the level falls
 * by decay per second, and a call may go when level + cost <= max. Kraken's
 * REST and per-pair trading counters are exactly this; so is a token bucket
 * (max = burst, decay = refill rate), e.g. Kraken's ~1 call/s public limit.
 * Units are milli-units (cost 1 = 1000), so fractional decays (0.33/s) and
 * half costs (batch add n/2) are exact integers. */
typedef struct {
    int64_t max_milli;
    int64_t decay_milli_per_s;
} cb_rl_bucket_t;

/* Kraken tiers (../shared/venues/kraken.md section 5). */
typedef enum {
    CB_KRAKEN_STARTER = 0,
    CB_KRAKEN_INTERMEDIATE = 1,
    CB_KRAKEN_PRO = 2,
} cb_kraken_tier_t;

/* REST call counter per API key: Starter 15 / -0.33/s, Intermediate 20 /
 * -0.5/s, Pro 20 / -1/s. */
cb_rl_bucket_t
cb_rl_kraken_rest(cb_kraken_tier_t tier);

/* Trading counter per API key and pair: Starter 60 / -1/s, Intermediate 125 /
 * -2.34/s, Pro 180 / -3.75/s. */
cb_rl_bucket_t
cb_rl_kraken_trading(cb_kraken_tier_t tier);

/* Kraken public endpoints: about 1 call/s per IP (max 1, -1/s). */
cb_rl_bucket_t
cb_rl_kraken_public(void);

/* REST counter cost of a Kraken private method: 2 for Ledgers,
 * QueryLedgers and TradesHistory, 0 for AddOrder, AddOrderBatch,
 * CancelOrder, CancelOrderBatch and EditOrder (another limiter), else 1. */
int64_t
cb_rl_kraken_rest_cost(const char *method);

typedef enum {
    CB_KRAKEN_ADD,
    CB_KRAKEN_AMEND,
    CB_KRAKEN_EDIT,
    CB_KRAKEN_CANCEL,
    CB_KRAKEN_BATCH_ADD,
    CB_KRAKEN_BATCH_CANCEL,
} cb_kraken_action_t;

/* Trading counter cost in milli-units: the fixed part plus the part set by
 * the order's resting time age_ms (kraken.md section 5 table); count is the
 * number of orders for the batch actions (1 otherwise). */
int64_t
cb_rl_kraken_trading_cost(cb_kraken_action_t action, int64_t age_ms, int count);

/* The outcome of one acquire. */
typedef struct {
    bool admitted;       /* the cost is reserved: go after wait_ms */
    int64_t wait_ms;     /* admitted: how long to wait first; refused: how long it would be */
    int64_t level_milli; /* the counter after this call */
    int64_t max_milli;
} cb_rl_decision_t;

typedef struct cb_ratelimit cb_ratelimit_t;

/* A limiter on redis (borrowed: it must outlive the limiter). One per
 * thread, like the connection. NULL on failure. */
cb_ratelimit_t *
cb_ratelimit_new(cb_redis_t *redis);

/* NULL-safe; nulls *rl_p. */
void
cb_ratelimit_destroy(cb_ratelimit_t **rl_p);

/* Redis keys: counter "<venue>:<rest>" is coinbus:ratelimit:{<venue>}:<rest>
 * and ban scope "<venue>" is coinbus:ratelimit:ban:{<venue>}; the hash tag
 * (a name's part before its first ':', never empty) keeps a script's keys in
 * one Redis Cluster slot as long as a call's counters and ban scope share
 * that part, as every caller's do (the venue). CB_E_BAD_REQUEST for a name
 * or scope with an empty head (":x", ""). */

/* Reserves cost_milli on the counter `name` (Redis key
 * coinbus:ratelimit:{<venue>}:<rest>) with the bucket's max and decay, one atomic
 * script on Redis's clock, so all replicas share it. The decision says how
 * long to wait (0 = now); when that would exceed max_wait_ms nothing is
 * reserved and admitted is false. A ban on ban_scope (NULL: none) set by
 * cb_ratelimit_ban makes every caller wait it out. Callers sleep wait_ms
 * once; they never poll Redis in a loop. Fails closed: CB_E_UNAVAILABLE /
 * CB_E_TIMEOUT when Redis cannot be asked. Changing max/decay (a tier switch)
 * takes effect on the next call. */
int
cb_ratelimit_acquire(cb_ratelimit_t *rl, const char *name, const char *ban_scope,
                     cb_rl_bucket_t bucket, int64_t cost_milli, int64_t max_wait_ms,
                     cb_rl_decision_t *out);

/* Would cost_milli fit on counter `name` now, without any wait (ban
 * included)? The decision acquire would make with max_wait_ms 0, but nothing
 * is reserved or written: a "can it take one now" check for routing.
 * admitted: it fits now; wait_ms: how long until it would. Same errors. */
int
cb_ratelimit_peek(cb_ratelimit_t *rl, const char *name, const char *ban_scope,
                  cb_rl_bucket_t bucket, int64_t cost_milli, cb_rl_decision_t *out);

/* One fixed-window limit: at most `limit` per window_ms (windows aligned to
 * multiples of window_ms since the epoch, as Binance counts), this call
 * costing `cost`. name is the counter (coinbus:ratelimit:{<venue>}:<rest>:<start>). */
typedef struct {
    const char *name;
    int64_t limit;
    int64_t window_ms;
    int64_t cost;
} cb_rl_window_t;

#define CB_RL_WINDOWS_MAX 8

/* Reserves on every window at once (e.g. Binance REQUEST_WEIGHT/1m plus
 * ORDERS/10s plus ORDERS/1d for an order): the call goes at the first
 * instant when all of them have room, after any ban on ban_scope. Same
 * contract as cb_ratelimit_acquire; level_milli/max_milli report the first
 * window's count and limit (whole units x 1000). CB_E_BAD_REQUEST when a
 * cost exceeds its limit (it could never fit) or count is out of range. */
int
cb_ratelimit_acquire_windows(cb_ratelimit_t *rl, const char *ban_scope,
                             const cb_rl_window_t *windows, size_t count, int64_t max_wait_ms,
                             cb_rl_decision_t *out);

/* The same check for windows: would every window (and any ban) take the
 * cost now? Nothing is reserved. Same contract as cb_ratelimit_peek. */
int
cb_ratelimit_peek_windows(cb_ratelimit_t *rl, const char *ban_scope,
                          const cb_rl_window_t *windows, size_t count, cb_rl_decision_t *out);

/* The connection the limiter uses (borrowed). */
cb_redis_t *
cb_ratelimit_redis(const cb_ratelimit_t *rl);

/* cb_ratelimit_acquire and cb_ratelimit_acquire_windows in two halves, for a
 * caller that queues them with other commands on the same connection (one
 * round trip): _append queues (0, CB_E_BAD_REQUEST, or the error of
 * cb_redis_appendv); once the caller has read the reply in order
 * (cb_redis_get_reply: reply, or NULL and err), _reply decides from it
 * (taking reply; same arguments as _append) as acquire would. A script that
 * did not run (NOSCRIPT, MOVED) is run again then, synchronously: call _reply
 * once no queued reply is left unread. */
int
cb_ratelimit_acquire_append(cb_ratelimit_t *rl, const char *name, const char *ban_scope,
                            cb_rl_bucket_t bucket, int64_t cost_milli, int64_t max_wait_ms);

int
cb_ratelimit_acquire_reply(cb_ratelimit_t *rl, const char *name, const char *ban_scope,
                           cb_rl_bucket_t bucket, int64_t cost_milli, int64_t max_wait_ms,
                           redisReply *reply, int err, cb_rl_decision_t *out);

int
cb_ratelimit_acquire_windows_append(cb_ratelimit_t *rl, const char *ban_scope,
                                    const cb_rl_window_t *windows, size_t count,
                                    int64_t max_wait_ms);

int
cb_ratelimit_acquire_windows_reply(cb_ratelimit_t *rl, const char *ban_scope,
                                   const cb_rl_window_t *windows, size_t count,
                                   int64_t max_wait_ms, redisReply *reply, int err,
                                   cb_rl_decision_t *out);

/* Raises the current window of `name` to `used` when the venue reports more
 * (response headers); never lowers it. */
int
cb_ratelimit_true_up(cb_ratelimit_t *rl, const char *name, int64_t window_ms, int64_t used);

/* cb_ratelimit_true_up in two halves, as the acquire's above: _append queues
 * it, _reply (taking the reply read in order) returns what true_up would. */
int
cb_ratelimit_true_up_append(cb_ratelimit_t *rl, const char *name, int64_t window_ms, int64_t used);

int
cb_ratelimit_true_up_reply(cb_ratelimit_t *rl, const char *name, int64_t window_ms, int64_t used,
                           redisReply *reply, int err);

/* Binance interval suffix of a header ("1M" in x-mbx-used-weight-1m, "10S",
 * "1D", "1H"; case-insensitive) in ms; 0 when it is not one. */
int64_t
cb_rl_binance_interval_ms(const char *suffix);

/* REQUEST_WEIGHT of a Binance spot REST call (../shared/venues/binance.md
 * sections 7 and 8). method "GET"/"POST"/"DELETE", path such as
 * "/api/v3/depth"; param is the call's size-setting parameter where the
 * weight depends on it (depth: limit; ticker/24hr: number of symbols, 0 for
 * all; ticker/price and bookTicker: 1 for one symbol, 0 otherwise;
 * openOrders: 1 with a symbol, 0 without; myTrades: 1 with orderId; order/test:
 * 1 with computeCommissionRates), else ignored. Unknown endpoints weigh 1.
 * Note: since 2026-04-02 a successful order placement or cancel costs 0;
 * callers true-up from X-MBX-USED-WEIGHT-1M after each reply. */
int64_t
cb_rl_binance_weight(const char *method, const char *path, int64_t param);

/* Every replica must wait ms on ban_scope (the venue sent 429/418 with
 * Retry-After, or "Throttled: <ts>"). Never shortens a longer ban. */
int
cb_ratelimit_ban(cb_ratelimit_t *rl, const char *ban_scope, int64_t ms);

#endif
