/* sim_faults.c - venue-sim's injected faults per venue (latency, server errors, timeouts, connection resets, the next N requests), their counters, and the WebSocket fault hooks */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_faults.h"
#include "sim_reply.h"

struct sim_faults {
    sim_fault_set_t set[SIM_VENUE_COUNT];
    sim_fault_counters_t counters[SIM_VENUE_COUNT];
    uint64_t rng;
    sim_ws_fault_hooks_t hooks;
    bool has_hooks;
};

/* Binance's answer when its backend fails (documented for HTTP 5xx). */
static const char s_binance_msg[] =
    "Internal error; unable to process your request. Please try again.";

static const sim_fault_set_t s_none = {.binance_status = 503};

/* splitmix64: small, seedable, good enough to pick shares. */
static uint64_t
s_next(sim_faults_t *f)
{
    uint64_t z = (f->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

sim_faults_t *
sim_faults_new(uint64_t seed)
{
    sim_faults_t *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return NULL;
    }
    sim_faults_clear(f);
    f->rng = seed;
    return f;
}

void
sim_faults_destroy(sim_faults_t **faults_p)
{
    if (faults_p == NULL || *faults_p == NULL) {
        return;
    }
    free(*faults_p);
    *faults_p = NULL;
}

void
sim_faults_seed(sim_faults_t *faults, uint64_t seed)
{
    faults->rng = seed;
}

void
sim_faults_get(const sim_faults_t *faults, sim_venue_t venue, sim_fault_set_t *out)
{
    *out = faults->set[venue];
}

int
sim_faults_set(sim_faults_t *faults, sim_venue_t venue, const sim_fault_set_t *set, char *err,
               size_t errsize)
{
    if (set->latency_ms > SIM_FAULTS_DELAY_MAX_MS || set->jitter_ms > SIM_FAULTS_DELAY_MAX_MS) {
        snprintf(err, errsize, "latency_ms and jitter_ms must be 0..%u", SIM_FAULTS_DELAY_MAX_MS);
        return -1;
    }
    if (set->error_pct > 100 || set->timeout_pct > 100 || set->error_pct + set->timeout_pct > 100) {
        snprintf(err, errsize,
                 "error_pct and timeout_pct must be 0..100 and add up to at most 100 (got %u + %u)",
                 set->error_pct, set->timeout_pct);
        return -1;
    }
    if (set->fail_next > SIM_FAULTS_NEXT_MAX || set->timeout_next > SIM_FAULTS_NEXT_MAX ||
        set->reset_next > SIM_FAULTS_NEXT_MAX) {
        snprintf(err, errsize, "fail_next, timeout_next and reset_next must be 0..%u",
                 SIM_FAULTS_NEXT_MAX);
        return -1;
    }
    if (set->binance_status != 503 && set->binance_status != 500) {
        snprintf(err, errsize, "binance_status must be 503 or 500");
        return -1;
    }
    faults->set[venue] = *set;
    return 0;
}

void
sim_faults_clear(sim_faults_t *faults)
{
    for (int v = 0; v < SIM_VENUE_COUNT; v++) {
        faults->set[v] = s_none;
    }
}

void
sim_faults_counters(const sim_faults_t *faults, sim_venue_t venue, sim_fault_counters_t *out)
{
    *out = faults->counters[venue];
}

void
sim_faults_reset_counters(sim_faults_t *faults)
{
    memset(faults->counters, 0, sizeof faults->counters);
}

static void
s_server_error(const sim_fault_set_t *set, sim_venue_t venue, cb_httpd_res_t *res)
{
    res->header_count = 0;
    if (venue == SIM_VENUE_KRAKEN) {
        /* Kraken reports its own unavailability in the envelope, with 200. */
        res->status = 200;
        sim_reply_kraken_error(res, set->kraken_busy ? "EService:Busy" : "EService:Unavailable");
    } else {
        sim_reply_binance_error(res, set->binance_status, -1001, s_binance_msg);
    }
}

bool
sim_faults_before(sim_faults_t *faults, sim_venue_t venue, cb_httpd_res_t *res,
                  sim_fault_verdict_t *verdict)
{
    memset(verdict, 0, sizeof *verdict);
    if (faults == NULL) {
        return false;
    }
    sim_fault_set_t *set = &faults->set[venue];
    sim_fault_counters_t *count = &faults->counters[venue];
    count->requests++;
    enum { S_NONE, S_ERROR, S_TIMEOUT, S_RESET } fate = S_NONE;
    if (set->timeout_next > 0) {
        set->timeout_next--;
        fate = S_TIMEOUT;
    } else if (set->reset_next > 0) {
        set->reset_next--;
        fate = S_RESET;
    } else if (set->fail_next > 0) {
        set->fail_next--;
        fate = S_ERROR;
    } else if (set->error_pct + set->timeout_pct > 0) {
        uint32_t r = (uint32_t) (s_next(faults) % 100);
        fate = r < set->timeout_pct                    ? S_TIMEOUT
               : r < set->timeout_pct + set->error_pct ? S_ERROR
                                                       : S_NONE;
    }
    if (fate == S_TIMEOUT) {
        count->timeouts++;
        if (set->timeout_after) {
            verdict->drop = true;
            return false;
        }
        res->never_answer = true;
        return true;
    }
    if (fate == S_RESET) {
        count->resets++;
        verdict->reset = set->reset_after;
        res->reset = !set->reset_after;
        return res->reset;
    }
    if (set->latency_ms + set->jitter_ms > 0) {
        uint64_t jitter = set->jitter_ms > 0 ? s_next(faults) % ((uint64_t) set->jitter_ms + 1) : 0;
        verdict->delay_ms = (int) (set->latency_ms + jitter);
        count->delayed += verdict->delay_ms > 0;
    }
    if (fate == S_ERROR) {
        count->errors++;
        s_server_error(set, venue, res);
        res->delay_ms = verdict->delay_ms;
        return true;
    }
    return false;
}

void
sim_faults_after(const sim_fault_verdict_t *verdict, cb_httpd_res_t *res)
{
    res->delay_ms = verdict->delay_ms;
    res->never_answer = verdict->drop;
    res->reset = verdict->reset;
}

void
sim_faults_set_ws_hooks(sim_faults_t *faults, const sim_ws_fault_hooks_t *hooks)
{
    faults->has_hooks = hooks != NULL;
    if (hooks != NULL) {
        faults->hooks = *hooks;
    } else {
        memset(&faults->hooks, 0, sizeof faults->hooks);
    }
}

const sim_ws_fault_hooks_t *
sim_faults_ws_hooks(const sim_faults_t *faults)
{
    return faults->has_hooks ? &faults->hooks : NULL;
}

const char *
sim_faults_venue_name(sim_venue_t venue)
{
    return venue == SIM_VENUE_KRAKEN ? "kraken" : "binance";
}
