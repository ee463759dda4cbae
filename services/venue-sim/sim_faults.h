/* sim_faults.h - venue-sim's injected faults per venue (latency, server errors, timeouts, the next N requests), their counters, and the WebSocket fault hooks */
#ifndef SIM_FAULTS_H_INCLUDED
#define SIM_FAULTS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_httpd.h"
#include "sim_instruments.h"

/* Bounds the admin API enforces. */
#define SIM_FAULTS_DELAY_MAX_MS 120000u /* latency_ms and jitter_ms each */
#define SIM_FAULTS_NEXT_MAX 1000000u    /* fail_next, timeout_next and reset_next */

/* The faults of one venue. All zero (with the default error kinds) is no
 * fault. The shares are in percent of requests: error_pct + timeout_pct
 * <= 100. */
typedef struct {
    uint32_t latency_ms;   /* added to every answer */
    uint32_t jitter_ms;    /* plus a uniform 0..jitter_ms */
    uint32_t error_pct;    /* answered with the venue's server error */
    uint32_t timeout_pct;  /* accepted and never answered */
    uint32_t fail_next;    /* the next N requests fail (after timeout_next) */
    uint32_t timeout_next; /* the next N requests time out (first) */
    bool timeout_after;    /* a request that times out is processed first (its answer is lost) */
    uint32_t reset_next;   /* the next N requests get a TCP reset, no answer (after timeout_next) */
    bool reset_after;      /* a request that is reset is processed first (its answer is lost) */
    bool kraken_busy;      /* Kraken: EService:Busy rather than EService:Unavailable */
    int binance_status;    /* Binance: 503 (default) or 500 */
} sim_fault_set_t;

/* What happened to one venue's requests since start or the last reset. */
typedef struct {
    uint64_t requests; /* every request to the venue's paths */
    uint64_t errors;   /* answered with an injected server error */
    uint64_t timeouts; /* left unanswered */
    uint64_t resets;   /* connection reset instead of an answer */
    uint64_t delayed;  /* answered late (latency or jitter) */
} sim_fault_counters_t;

/* The fate sim_faults_before decided for one request; sim_faults_after
 * applies the rest of it to the venue's answer. */
typedef struct {
    int delay_ms;
    bool drop;  /* processed, then left unanswered */
    bool reset; /* processed, then the connection is reset */
} sim_fault_verdict_t;

/* WebSocket faults, implemented by the WebSocket streams (sim_ws) and
 * registered here so that the admin API can trigger them. Each returns
 * how many connections it affected (>= 0) or a negative code. A NULL
 * function is a fault not implemented (the admin API answers 501). */
typedef struct {
    void *ctx;
    int (*drop)(void *ctx, sim_venue_t venue);              /* close every connection */
    int (*stall)(void *ctx, sim_venue_t venue, int ms);     /* send nothing for ms */
    int (*corrupt_checksum)(void *ctx, sim_venue_t venue);  /* next book update: wrong checksum */
    int (*gap)(void *ctx, sim_venue_t venue);               /* skip a sequence number / update id */
} sim_ws_fault_hooks_t;

/* Owns the fault settings, the counters and a copy of the hooks. One
 * thread (the server loop's). */
typedef struct sim_faults sim_faults_t;

/* No faults, counters at zero, no hooks; the random shares and the jitter
 * draw from a generator seeded with seed. NULL when out of memory. */
sim_faults_t *
sim_faults_new(uint64_t seed);

/* NULL-safe; nulls *faults_p. */
void
sim_faults_destroy(sim_faults_t **faults_p);

/* Restarts the random generator from seed. */
void
sim_faults_seed(sim_faults_t *faults, uint64_t seed);

/* Copies venue's current faults into out. */
void
sim_faults_get(const sim_faults_t *faults, sim_venue_t venue, sim_fault_set_t *out);

/* Replaces venue's faults with set after checking it. Returns 0, or -1
 * with the reason in err (nothing changed then). */
int
sim_faults_set(sim_faults_t *faults, sim_venue_t venue, const sim_fault_set_t *set, char *err,
               size_t errsize);

/* Removes every fault of every venue (the counters stay). */
void
sim_faults_clear(sim_faults_t *faults);

/* Copies venue's counters into out. */
void
sim_faults_counters(const sim_faults_t *faults, sim_venue_t venue, sim_fault_counters_t *out);

/* Zeroes every counter. */
void
sim_faults_reset_counters(sim_faults_t *faults);

/* Decides the fate of one request to venue and counts it. Returns true
 * when the request is not to be dispatched: res then holds the venue's
 * server error, or is marked never_answer (either possibly delayed), or
 * reset (the connection is aborted at once, delays do not apply). False:
 * dispatch it, then call sim_faults_after with verdict. faults may be NULL
 * (no faults: false, verdict empty). */
bool
sim_faults_before(sim_faults_t *faults, sim_venue_t venue, cb_httpd_res_t *res,
                  sim_fault_verdict_t *verdict);

/* Applies the rest of verdict (delay, drop, reset) to the venue's answer in res. */
void
sim_faults_after(const sim_fault_verdict_t *verdict, cb_httpd_res_t *res);

/* Registers the WebSocket fault hooks (copied; NULL removes them). */
void
sim_faults_set_ws_hooks(sim_faults_t *faults, const sim_ws_fault_hooks_t *hooks);

/* The registered hooks, or NULL when none are. */
const sim_ws_fault_hooks_t *
sim_faults_ws_hooks(const sim_faults_t *faults);

/* The venue's name in paths and JSON ("kraken", "binance"). */
const char *
sim_faults_venue_name(sim_venue_t venue);

#endif
