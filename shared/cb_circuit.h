/* cb_circuit.h - circuit breakers whose state lives in Redis, so every replica sees one breaker */
#ifndef CB_CIRCUIT_H_INCLUDED
#define CB_CIRCUIT_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "cb_pub.h"
#include "cb_redis.h"
#include "cb_script.h"

typedef enum {
    CB_CIRCUIT_CLOSED = 0,
    CB_CIRCUIT_OPEN = 1,
    CB_CIRCUIT_HALF_OPEN = 2,
} cb_circuit_state_t;

typedef struct {
    int failure_threshold;   /* consecutive failures that open it (default 5) */
    int64_t recovery_ms;     /* open -> half-open after this (default 30000) */
    int probes;              /* calls let through in half-open, across ALL replicas (1) */
    int success_threshold;   /* probe successes that close it again (1) */
    int64_t probe_lease_ms;  /* a probe that never reports frees its place after this (10000) */
    int64_t rate_window_ms;  /* failure-rate rule window; 0 turns the rule off (60000) */
    int rate_min_calls;      /* the rule needs at least this many calls in the window (20) */
    int rate_percent;        /* ... and this failure percentage (50) */
} cb_circuit_config_t;

cb_circuit_config_t
cb_circuit_defaults(void);

typedef struct {
    bool allowed;       /* go ahead (closed, or one of the half-open probes) */
    bool probe;         /* this call is a probe: report it with was_probe = true */
    cb_circuit_state_t state;
    int64_t retry_at_ms; /* open: when it turns half-open (Unix ms, Redis clock) */
    int64_t failures;   /* consecutive failures so far */
} cb_circuit_decision_t;

typedef struct cb_circuit cb_circuit_breaker_t;

/* Breakers on redis; state changes are published as circuit events through
 * pub (may be NULL). Both are borrowed and must outlive the breaker set.
 * One per thread. NULL on failure. */
cb_circuit_breaker_t *
cb_circuit_new(cb_redis_t *redis, cb_pub_t *pub, cb_circuit_config_t config);

void
cb_circuit_destroy(cb_circuit_breaker_t **circuit_p);

/* May a call to venue (scope: "rest", "orders", "ws", ...) go now? The
 * decision is atomic across replicas: in half-open exactly `probes` callers
 * get allowed = probe = true. Returns 0, or CB_E_UNAVAILABLE / CB_E_TIMEOUT
 * when Redis cannot be asked (the caller applies its own policy: order
 * traffic fails closed, market data may go on). */
int
cb_circuit_allow(cb_circuit_breaker_t *circuit, const char *venue, const char *scope,
                 cb_circuit_decision_t *out);

/* Reports the outcome of an allowed call. What counts as a failure is the
 * caller's call: timeouts, 5xx and venue "unavailable" errors do; a 400 for a
 * bad order does not (report it as a success, or not at all). */
int
cb_circuit_report(cb_circuit_breaker_t *circuit, const char *venue, const char *scope, bool success,
                  bool was_probe, cb_circuit_decision_t *out);

/* The current state without changing anything except time-driven moves
 * (open -> half-open), for /health. */
int
cb_circuit_peek(cb_circuit_breaker_t *circuit, const char *venue, const char *scope,
                cb_circuit_decision_t *out);

/* The connection the breakers use (borrowed). */
cb_redis_t *
cb_circuit_redis(const cb_circuit_breaker_t *circuit);

/* cb_circuit_allow in two halves, for a caller that queues it with other
 * commands on the same connection (one round trip): _append queues it
 * (0 or the error of cb_redis_appendv); once the caller has read its reply
 * in order (cb_redis_get_reply: reply, or NULL and err), _reply decides from
 * it (taking reply) as cb_circuit_allow would. A script that did not run
 * (NOSCRIPT, MOVED) is run again then, synchronously: call _reply once no
 * queued reply is left unread. */
int
cb_circuit_allow_append(cb_circuit_breaker_t *circuit, const char *venue, const char *scope);

int
cb_circuit_allow_reply(cb_circuit_breaker_t *circuit, const char *venue, const char *scope,
                       redisReply *reply, int err, cb_circuit_decision_t *out);

/* cb_circuit_report in the same two halves. */
int
cb_circuit_report_append(cb_circuit_breaker_t *circuit, const char *venue, const char *scope,
                         bool success, bool was_probe);

int
cb_circuit_report_reply(cb_circuit_breaker_t *circuit, const char *venue, const char *scope,
                        bool success, bool was_probe, redisReply *reply, int err,
                        cb_circuit_decision_t *out);

/* "closed", "open", "half_open". */
const char *
cb_circuit_state_name(cb_circuit_state_t state);

#endif
