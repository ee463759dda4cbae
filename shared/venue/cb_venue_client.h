/* cb_venue_client.h - one venue's REST door: dialect requests through the shared rate limiter and circuit breaker */
#ifndef CB_VENUE_CLIENT_H_INCLUDED
#define CB_VENUE_CLIENT_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "cb_circuit.h"
#include "cb_dialect.h"
#include "cb_http.h"
#include "cb_md.h"
#include "cb_ratelimit.h"
#include "cb_venue.h"

/* What a client borrows (all must outlive it; limiter and circuit may be
 * NULL for none). One client per venue per thread: everything runs on the
 * thread that calls cb_http_poll and cb_venue_client_tick. */
typedef struct {
    cb_http_t *http;
    cb_ratelimit_t *limiter;
    cb_circuit_breaker_t *circuit;
    int64_t max_wait_ms;    /* longest rate-limit wait accepted (0: 30000) */
} cb_venue_deps_t;

typedef struct cb_venue_client cb_venue_client_t;

/* A client for cfg (copied). NULL on failure. */
cb_venue_client_t *
cb_venue_client_new(const cb_venue_cfg_t *cfg, const cb_venue_deps_t *deps);

/* Cancels queued calls (their done runs with CB_E_CLOSED), frees the
 * instruments. Calls in flight in the HTTP client are cancelled by
 * destroying that client first. NULL-safe; nulls *vc_p. */
void
cb_venue_client_destroy(cb_venue_client_t **vc_p);

const cb_venue_cfg_t *
cb_venue_client_cfg(const cb_venue_client_t *vc);

const cb_dialect_ops_t *
cb_venue_client_ops(const cb_venue_client_t *vc);

/* What the client borrows (the deps it was made with). */
const cb_venue_deps_t *
cb_venue_client_deps(const cb_venue_client_t *vc);

/* Sets the longest rate-limit wait the client's next calls accept (at least
 * 1 ms), e.g. what is left of the caller's deadline: a call that would wait
 * longer fails with CB_E_RATE_LIMITED and the wait as its retry-after. */
void
cb_venue_client_set_max_wait(cb_venue_client_t *vc, int64_t max_wait_ms);

/* The venue's instruments (empty until cb_venue_client_load_instruments). */
const cb_instruments_t *
cb_venue_client_instruments(const cb_venue_client_t *vc);

/* Called when a public call ends: rc 0 (items were emitted before), or the
 * CB_E_* code with err describing it (class, the venue's message). err is
 * valid during the call only. */
typedef void (*cb_venue_done_fn)(void *ctx, int rc, const cb_venue_error_t *err);

/* Starts a public REST call: asks the circuit breaker (scope "rest"; open ->
 * done with CB_E_UNAVAILABLE, nothing sent) and the shared rate limiter (a
 * wait queues the call until cb_venue_client_tick lets it go; a wait past
 * max_wait_ms -> done with CB_E_RATE_LIMITED), sends it, parses the reply with
 * the dialect (items to emit, which may be NULL for INSTRUMENTS), reports the
 * outcome to the breaker (timeouts, 5xx and "unavailable" count as failures)
 * and trues the limiter up from the venue's weight headers. args->ins must
 * stay valid until done. Redis being unreachable does not stop market data:
 * the call goes unmetered and the fact is counted. Returns 0 (done will run
 * exactly once, never from inside this call) or CB_E_NOMEM /
 * CB_E_BAD_REQUEST (done never runs). */
int
cb_venue_client_public(cb_venue_client_t *vc, cb_rest_op_t op, const cb_rest_args_t *args,
                       cb_md_emit_fn emit, cb_venue_done_fn done, void *ctx);

/* The same, blocking: drives the HTTP client until the call ends. Not from a
 * callback. Returns the call's rc; err (may be NULL) gets the error. */
int
cb_venue_client_public_sync(cb_venue_client_t *vc, cb_rest_op_t op, const cb_rest_args_t *args,
                            cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err);

/* Fetches the instrument list (blocking) and keeps it. 0 or the call's rc. */
int
cb_venue_client_load_instruments(cb_venue_client_t *vc, cb_venue_error_t *err);

/* Starts queued calls whose rate-limit wait is over (and fails those whose
 * client is closing). Call it from the loop, at least every few ms while
 * cb_venue_client_queued() > 0. */
void
cb_venue_client_tick(cb_venue_client_t *vc, int64_t now_ms);

/* Counters. */
typedef struct {
    uint64_t calls;           /* public calls started */
    uint64_t ok;
    uint64_t failed;          /* any error */
    uint64_t circuit_refused; /* not sent: breaker open */
    uint64_t rate_refused;    /* not sent: wait too long */
    uint64_t unmetered;       /* sent without the limiter (Redis down) */
    size_t queued;            /* waiting for the limiter now */
    size_t in_flight;
} cb_venue_client_stats_t;

void
cb_venue_client_stats(const cb_venue_client_t *vc, cb_venue_client_stats_t *out);

/* ---- private calls (blocking; cb_venue_private.c) ------------------------------- */

/* One private call's passage, from admit to send. */
typedef struct {
    bool circuit_asked;
    bool probe;
} cb_venue_pass_t;

/* Whether the breaker's last answer to this client's private calls was
 * "closed, allowed, no probe" (admit then asks the limiter in the same
 * Redis round trip); admit keeps it. */
bool
cb_venue_client_private_closed(const cb_venue_client_t *vc);

void
cb_venue_client_private_set_closed(cb_venue_client_t *vc, bool closed);

/* Admits one private call before its request is built (so a Kraken nonce
 * is taken after any wait): asks the breaker (scope "private"; open ->
 * CB_E_UNAVAILABLE) and the shared limiter (Kraken: the REST counter of the
 * key, coinbus:ratelimit:{<venue>}:private:<key_fp>, Starter tier, cost
 * cb_rl_kraken_rest_cost(what); Binance: <venue>:weight, cost
 * cb_rl_binance_weight("GET", what, param)), then sleeps the wait. A wait
 * past max_wait_ms -> CB_E_RATE_LIMITED. Redis down: the call goes
 * unmetered. err gets the reason. 0 or the code. */
int
cb_venue_client_private_admit(cb_venue_client_t *vc, const char *what, int64_t param,
                              const char *key_fp, cb_venue_pass_t *pass, cb_venue_error_t *err);

/* The same for a call of HTTP method (Binance weighs POST /api/v3/order 1,
 * GET 4; cb_venue_client_private_admit weighs every call as a GET). */
int
cb_venue_client_private_admit_as(cb_venue_client_t *vc, const char *method, const char *what,
                                 int64_t param, const char *key_fp, cb_venue_pass_t *pass,
                                 cb_venue_error_t *err);

/* A Redis command of the caller's that rides in the admission's round trip
 * (cb_venue_client_private_admit_with), queued before the breaker's and the
 * limiter's on redis. append queues it (0 or the error of cb_redis_appendv);
 * reply gets its reply (taken; NULL with err when none came) once every
 * queued reply has been read, and returns 0 for the admission to go on, or
 * a code that ends it: the admission then returns that code, sleeps no
 * wait and reports nothing (a limiter slot taken in the same round trip
 * stays spent). */
typedef struct {
    cb_redis_t *redis;
    int (*append)(void *ctx, cb_redis_t *redis);
    int (*reply)(void *ctx, redisReply *reply, int err);
    void *ctx;
} cb_venue_rider_t;

/* cb_venue_client_private_admit_as with rider (may be NULL) run first: in
 * the same round trip as the breaker's allow and the limiter's acquire when
 * those are pipelined (on rider->redis, while the breaker last said closed),
 * else on its own before them, and they are asked only when it says go on. */
int
cb_venue_client_private_admit_with(cb_venue_client_t *vc, const char *method, const char *what,
                                   int64_t param, const char *key_fp,
                                   const cb_venue_rider_t *rider, cb_venue_pass_t *pass,
                                   cb_venue_error_t *err);

/* Could the private call `what` be admitted now, without waiting? Asks the
 * breaker (cb_circuit_peek: open -> CB_E_UNAVAILABLE) and the limiter
 * (cb_ratelimit_peek on the counter admit would use: no room now ->
 * CB_E_RATE_LIMITED, err's retry_after_ms the wait) without consuming
 * anything. Redis unreachable: 0 (admit decides then). err gets the reason. */
int
cb_venue_client_private_can_admit(cb_venue_client_t *vc, const char *what, int64_t param,
                                  const char *key_fp, cb_venue_error_t *err);

/* Sends req, waits for its end, reports the outcome to the breaker (timeouts,
 * 5xx count as failures) and trues up Binance's weight. 0 with *out filled
 * (cb_http_result_fini) when an HTTP answer arrived, whatever its status;
 * otherwise the dialect's classification of the transport failure (err). */
int
cb_venue_client_private_send(cb_venue_client_t *vc, const cb_venue_req_t *req,
                             const cb_venue_pass_t *pass, cb_http_result_t *out,
                             cb_venue_error_t *err);

/* What a private call that went well leaves to report: a success to the
 * breaker, Binance's used weight to the limiter. */
typedef struct {
    bool due;                 /* something to report */
    bool success;             /* report a success to the breaker */
    bool probe;               /* ... of a half-open probe */
    int64_t used_weight;      /* X-MBX-USED-WEIGHT-1M, -1: none */
    bool queued;              /* _settle_append queued the reports: */
    bool queued_weight;       /* ... the true-up */
    bool queued_success;      /* ... the breaker's success */
    bool read;                /* _settle_read took their replies: */
    redisReply *weight_reply; /* ... owned until _settle */
    redisReply *success_reply;
    int weight_err;
    int success_err;
} cb_venue_settle_t;

/* cb_venue_client_private_send, except that what a call that went well
 * leaves to report (a breaker success, the weight true-up: two Redis round
 * trips) goes into *settle for the caller to report with
 * cb_venue_client_private_settle once it has answered its own caller (and
 * before its next private call on vc). Failures, bans and 5xx are reported
 * at once, as by cb_venue_client_private_send. */
int
cb_venue_client_private_send_deferred(cb_venue_client_t *vc, const cb_venue_req_t *req,
                                      const cb_venue_pass_t *pass, cb_http_result_t *out,
                                      cb_venue_error_t *err, cb_venue_settle_t *settle);

/* Reports what settle holds (nothing when not due) and clears it. When
 * cb_venue_client_private_settle_append queued the reports, reads their
 * replies instead (in order, on the limiter's and the breaker's connection:
 * after the replies of anything queued before them). */
void
cb_venue_client_private_settle(cb_venue_client_t *vc, cb_venue_settle_t *settle);

/* Takes the replies of the reports _settle_append queued (nothing else, and
 * once) into settle, for _settle to interpret. A caller that queued commands
 * of its own before them reads its replies, then this, and only then acts on
 * its own: a script Redis forgot is run again by a plain command, and that
 * reads and drops the replies still due. */
void
cb_venue_client_private_settle_read(cb_venue_settle_t *settle, cb_venue_client_t *vc);

/* Queues what settle holds on the limiter's and the breaker's connections
 * (cb_redis_appendv) without reading any reply, for the caller to write out
 * with its own commands (cb_redis_flush) and to finish with
 * cb_venue_client_private_settle later. A report that cannot be queued is
 * dropped (its connection was lost). Nothing when not due or queued. */
void
cb_venue_client_private_settle_append(cb_venue_client_t *vc, cb_venue_settle_t *settle);

#endif
