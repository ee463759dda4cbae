/* route_ledger.h - the order-router's write-ahead ledger in Redis: per order a hash of its state and a stream of its changes, written by Lua scripts */
#ifndef ROUTE_LEDGER_H_INCLUDED
#define ROUTE_LEDGER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_order.h"
#include "cb_redis.h"
#include "cb_script.h"

/* Keys, all under one hash tag per account (the venue name), so each script
 * touches one Redis Cluster slot:
 *   coinbus:orders:{<account>}:order:<clid>   hash: the order's current state
 *   coinbus:orders:{<account>}:log:<clid>     stream: intent, then every change
 *   coinbus:orders:{<account>}:index          zset: clids by creation time
 *   coinbus:orders:{<account>}:pending        set: clids in pending or unknown
 *   coinbus:orders:{<account>}:cancel_after   Binance dead-man's trigger (ms)
 * Every value is text: decimals exact, times Unix ms. */

/* One order as the ledger holds it: name, size. */
#define ROUTE_ORDER_FIELDS(X)                                                  \
    X(client_order_id, CB_CLID_MAX + 1)                                        \
    X(venue, 33)                                                               \
    X(symbol, 40)                                                              \
    X(side, 8)                                                                 \
    X(type, 16)                                                                \
    X(time_in_force, 8)                                                        \
    X(post_only, 8)                                                            \
    X(amount, 48)                                                              \
    X(price, 48)                                                               \
    X(stop_price, 48)                                                          \
    X(status, 20)                                                              \
    X(venue_order_id, CB_ORDER_ID_MAX)                                         \
    X(filled, 48)                                                              \
    X(avg_price, 48)                                                           \
    X(fee, 48)                                                                 \
    X(fee_asset, 17)                                                           \
    X(reason, 200)                                                             \
    X(replaces, CB_CLID_MAX + 1)                                               \
    X(created_ms, 24)                                                          \
    X(updated_ms, 24)                                                          \
    X(sent_ms, 24)                                                             \
    X(resends, 8)                                                              \
    X(owner, 64)                                                               \
    X(lease_until, 24)

#define ROUTE_FIELD_MEMBER_(name, size) char name[size];
typedef struct {
    ROUTE_ORDER_FIELDS(ROUTE_FIELD_MEMBER_)
} route_order_t;
#undef ROUTE_FIELD_MEMBER_

/* The ledger of one process. Borrows redis. */
typedef struct {
    cb_redis_t *redis;
    cb_script_t intent, state, claim, fire;
    char owner[64];          /* this replica's id: host:pid:random */
    int64_t lease_ms;        /* how long an entry stays ours without a write */
} route_ledger_t;

/* Loads the scripts and makes the replica id. 0 or CB_E_NOT_FOUND. */
int
route_ledger_init(route_ledger_t *l, cb_redis_t *redis, int64_t lease_ms);

/* Writes o's intent (status must be "pending"; owner and lease set here)
 * before anything is signed. 0 with *created true, or *created false with
 * *o replaced by the existing order of that client order id (nothing
 * written). Redis errors: CB_E_UNAVAILABLE / CB_E_TIMEOUT / CB_E_INTERNAL. */
int
route_ledger_intent(route_ledger_t *l, route_order_t *o, bool *created);

/* route_ledger_intent in two halves, for a caller that queues it with other
 * commands on the ledger's connection (one round trip): _append queues it
 * (o leased first; 0 or the error of cb_redis_appendv); once the caller has
 * read its reply in order (cb_redis_get_reply: reply, or NULL and err),
 * _reply (taking reply) gives what route_ledger_intent would. A script that
 * did not run (NOSCRIPT, MOVED) is run again then, synchronously: call
 * _reply once no queued reply is left unread. */
int
route_ledger_intent_append(route_ledger_t *l, route_order_t *o);

int
route_ledger_intent_reply(route_ledger_t *l, route_order_t *o, redisReply *reply, int err,
                          bool *created);

/* Appends the change event (e.g. "acknowledged", "unknown", "resolved") with
 * every field of o to the stream and updates the hash, atomically; renews
 * this replica's lease. 0 or the Redis error (CB_E_NOT_FOUND: no intent). */
int
route_ledger_update(route_ledger_t *l, route_order_t *o, const char *event);

/* route_ledger_update in two halves: _append queues it (o leased first;
 * 0 or the error of cb_redis_appendv) for the caller to write out
 * (cb_redis_flush) without waiting for its reply. The reply is then read in
 * order (cb_redis_get_reply, before any other command on the connection,
 * which would drop it) and given to _reply (taken), which returns what
 * route_ledger_update would (running it again when it did not run). */
int
route_ledger_update_append(route_ledger_t *l, route_order_t *o, const char *event);

int
route_ledger_update_reply(route_ledger_t *l, route_order_t *o, const char *event,
                          redisReply *reply, int err);

/* The order of (account, clid): 0, CB_E_NOT_FOUND or the Redis error. */
int
route_ledger_get(route_ledger_t *l, const char *account, const char *clid, route_order_t *o);

/* Up to cap client order ids of the account, newest first (index), or of
 * its pending set (pending true). *n gets their number. */
int
route_ledger_ids(route_ledger_t *l, const char *account, bool pending, char (*ids)[CB_CLID_MAX + 1],
                 size_t cap, size_t *n);

/* Takes the lease of a pending or unknown entry when it is ours or expired
 * and due (retry_ms: when it is tried again). 1 taken, 0 not, < 0 error. */
int
route_ledger_claim(route_ledger_t *l, const char *account, const char *clid, int64_t retry_ms);

/* Renews this replica's lease of a pending or unknown entry right before
 * its request is sent: 1 when this replica holds it now (it held it, or
 * the holder's lease had expired), 0 when another replica holds it (that
 * one may be sending it: this one must not) or it is no longer pending or
 * unknown, < 0 on error. */
int
route_ledger_renew(route_ledger_t *l, const char *account, const char *clid);

/* The Binance dead-man's timer: arm (trigger_ms > 0) or disarm (0). */
int
route_ledger_timer_set(route_ledger_t *l, const char *account, int64_t trigger_ms);

/* 1 when the account's timer was due at now_ms and this caller took it
 * (exactly one replica does), 0 when not, < 0 on error. */
int
route_ledger_timer_take(route_ledger_t *l, const char *account, int64_t now_ms);

/* The client order id for a request: the caller's (checked against the
 * dialect's format: bad_request with msg otherwise), or one derived from
 * the caller's idempotency key and the account (the same key gives the same
 * id), or a random one. 32 characters [0-9a-f] when made here. */
int
route_ledger_clid(cb_dialect_t dialect, const char *account, const char *given,
                  const char *idem_key, char out[CB_CLID_MAX + 1], char *msg, size_t msg_size);

#endif
