/* cbh_sim.h - test harness: the real venue-sim on a free port, and the COINBUS_VENUES that point market-feed at it */
#ifndef CBH_SIM_H_INCLUDED
#define CBH_SIM_H_INCLUDED

#include "cbh.h"

/* A running venue-sim: its process, port, and "COINBUS_VENUES=sim-kraken=
 * kraken@http://127.0.0.1:<port>/kraken,sim-binance=binance@.../binance". */
typedef struct {
    cbh_proc_t *proc;
    int port;
    char venues_env[300];
} cbh_sim_t;

/* Starts $BUILD/bin/venue-sim on a free port with extra_env ("K=V",
 * NULL-terminated, may be NULL) and waits until it accepts connections.
 * 0 or -1 (logged to stderr; *sim is then safe to cbh_sim_stop). */
int
cbh_sim_start(cbh_sim_t *sim, char *const extra_env[]);

/* SIGTERM, then waits; NULL-safe and idempotent. */
void
cbh_sim_stop(cbh_sim_t *sim);

#endif
