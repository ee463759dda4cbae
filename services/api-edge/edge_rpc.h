/* edge_rpc.h - asynchronous RPC calls over the bus from api-edge's one event loop (one DEALER per service) */
#ifndef EDGE_RPC_H_INCLUDED
#define EDGE_RPC_H_INCLUDED

/* Loop-agnostic: the owner polls the sockets it exposes (edge_rpc_fds)
 * and calls edge_rpc_process when one is readable or a deadline is due.
 * A call's callback runs exactly once (reply, error reply, timeout, or
 * edge_rpc_destroy), never inside edge_rpc_call itself.
 * Ownership: args are copied at the call; the result passed to the callback
 * is borrowed for the duration of the callback. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_rpc.h"

typedef enum {
    EDGE_SVC_MARKET = 0,
    EDGE_SVC_SENTIMENT,
    EDGE_SVC_ORDERS,
    EDGE_SVC_ACCOUNT,
    EDGE_SVC_COUNT
} edge_svc_t;

/* "market", "sentiment", "orders", "account". */
const char *
edge_svc_name(edge_svc_t svc);

typedef struct edge_rpc edge_rpc_t;

/* rc 0: res holds the reply (res->ok, result or error code/message as
 * cb_rpc_call gives them). rc CB_E_TIMEOUT: no reply by the deadline
 * (res NULL). rc CB_E_CLOSED: the client is being destroyed (res NULL). */
typedef void (*edge_rpc_done_fn)(void *ctx, int rc, const cb_rpc_result_t *res);

/* endpoints[svc] is each service's bus frontend ("tcp://127.0.0.1:5560"). */
edge_rpc_t *
edge_rpc_new(const char *const endpoints[EDGE_SVC_COUNT]);

/* Every pending call's callback runs with CB_E_CLOSED first. NULL-safe. */
void
edge_rpc_destroy(edge_rpc_t **rpc_p);

/* The ZMQ_FD of each socket (EDGE_SVC_COUNT entries) for the owner's loop. */
void
edge_rpc_fds(const edge_rpc_t *rpc, int fds[EDGE_SVC_COUNT]);

/* Sends op(args) to svc with deadline_ms = now + timeout_ms; an idempotent
 * call is resent once (same id) at half its timeout when no reply came.
 * Returns a call id (> 0), or 0 when it cannot be sent (then done never
 * runs). args: the msgpack bytes of one map, or NULL/0. */
uint64_t
edge_rpc_call(edge_rpc_t *rpc, edge_svc_t svc, const char *op, const void *args,
              size_t args_len, int timeout_ms, bool idempotent, edge_rpc_done_fn done, void *ctx);

/* Forgets a pending call: its callback never runs. Unknown ids: no-op. */
void
edge_rpc_cancel(edge_rpc_t *rpc, uint64_t call_id);

/* Receives every waiting reply (non-blocking), runs their callbacks, expires
 * calls whose deadline has passed and resends the due retries. Call it when
 * a fd is readable, after sending (ZeroMQ's fd is edge-like: the owner's loop
 * must also call it at the end of a turn in which calls were made) and when
 * edge_rpc_next_due_ms says so. */
void
edge_rpc_process(edge_rpc_t *rpc);

/* Milliseconds until the earliest deadline or retry (-1: none pending). */
int64_t
edge_rpc_next_due_ms(const edge_rpc_t *rpc);

/* Calls pending now, and the count and total latency (ns) of calls answered,
 * per service, for /metrics. */
size_t
edge_rpc_pending(const edge_rpc_t *rpc);

typedef struct {
    uint64_t calls;
    uint64_t replies;
    uint64_t timeouts;
    uint64_t dropped;  /* replies for no pending call (late, cancelled, unknown) or malformed */
    uint64_t latency_ns_sum;
    uint64_t latency_le_ms[8]; /* replies within 1, 2, 5, 10, 25, 100, 500, 2500 ms */
} edge_rpc_stats_t;

edge_rpc_stats_t
edge_rpc_stats(const edge_rpc_t *rpc, edge_svc_t svc);

#endif
