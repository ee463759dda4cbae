/* cbh_stall.h - bench harness: counts the machine's own stalls (late timer wakeups) on every core during a window */
#ifndef CBH_STALL_H_INCLUDED
#define CBH_STALL_H_INCLUDED

#include <stdint.h>

#define CBH_STALL_CORES_MAX 8

/* What one core's probe saw. */
typedef struct {
    uint64_t wakeups;   /* sleeps of period_us completed */
    uint64_t late_half; /* woken more than 0.5 ms late */
    uint64_t late_1ms;  /* more than 1 ms late */
    uint64_t late_2ms;  /* more than 2 ms late */
    int64_t worst_us;   /* the latest wakeup, us past its due time */
} cbh_stall_core_t;

typedef struct {
    int cores; /* probes run (one per online core, at most CBH_STALL_CORES_MAX) */
    int period_us;
    cbh_stall_core_t core[CBH_STALL_CORES_MAX];
} cbh_stall_report_t;

typedef struct cbh_stall cbh_stall_t;

/* Starts one thread per online core, each pinned to its core, sleeping
 * period_us (100..100000) in a loop and timing how late each wakeup is: a
 * wakeup that is more than a few hundred us late means the core ran nothing
 * of ours for that long (the host did not run the vCPU, or something else
 * held the core). The probes cost each core one short wakeup per period.
 * Returns the probe (the caller owns it; cbh_stall_stop frees it) or NULL
 * (logged to stderr). */
cbh_stall_t *
cbh_stall_start(int period_us);

/* Stops the probes started by cbh_stall_start, fills *out and frees *s
 * (set to NULL). Safe with *s NULL (out then reports 0 cores). */
void
cbh_stall_stop(cbh_stall_t **s, cbh_stall_report_t *out);

/* One Markdown table row per core of r, with a header, to stdout. */
void
cbh_stall_print(const cbh_stall_report_t *r);

#endif
