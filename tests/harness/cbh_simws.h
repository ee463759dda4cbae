/* cbh_simws.h - a venue-sim with WebSocket streams serving on a free loopback port in a thread, for the stream tests */
#ifndef CBH_SIMWS_H_INCLUDED
#define CBH_SIMWS_H_INCLUDED

#include <stdint.h>

#include "cb_httpd.h"
#include "cbh_ws.h"
#include "sim.h"
#include "sim_ws.h"

/* One server per process: market (seed 42, 1000 events/s), streams with
 * short ping timings for tests, router and HTTP on a free port, run by a
 * thread of its own. cmocka group setup / teardown. */
int
cbh_simws_setup(void **state);

int
cbh_simws_teardown(void **state);

/* The running venue (its parts are the server thread's: touch them only
 * from a job, see cbh_simws_call) and its port. */
sim_t *
cbh_simws_sim(void);

int
cbh_simws_port(void);

/* Runs fn(arg) on the server thread between two loop turns and waits. */
void
cbh_simws_call(void (*fn)(void *), void *arg);

/* A fault, a market change or a stats read done on the server thread. */
typedef struct {
    int op;
    sim_venue_t venue;
    int ms;
    int rc;
    uint32_t rate;
    sim_ws_stats_t stats;
} cbh_simws_fault_t;

enum { CBH_SIMWS_GAP, CBH_SIMWS_CORRUPT, CBH_SIMWS_STALL, CBH_SIMWS_DROP, CBH_SIMWS_STATS, CBH_SIMWS_PAUSE, CBH_SIMWS_RESUME, CBH_SIMWS_RATE };

/* Does op for venue (ms: stall time, or the rate for CBH_SIMWS_RATE) and
 * returns the result with the venue's stream stats after it. */
cbh_simws_fault_t
cbh_simws_do(int op, sim_venue_t venue, int ms);

/* A WebSocket client on path, or a test failure. */
cbh_ws_t *
cbh_simws_open(const char *path);

/* The next message containing needle (others are dropped; caller frees),
 * or a test failure after timeout_ms. */
char *
cbh_simws_wait_for(cbh_ws_t *ws, const char *needle, int timeout_ms);

/* Waits (3 s) for a message containing needle and also (when not NULL). */
void
cbh_simws_expect_msg(cbh_ws_t *ws, const char *needle, const char *also);

#endif
