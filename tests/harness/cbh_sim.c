/* cbh_sim.c - test harness: the real venue-sim on a free port, and the COINBUS_VENUES that point market-feed at it */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cbh_sim.h"

int
cbh_sim_start(cbh_sim_t *sim, char *const extra_env[])
{
    memset(sim, 0, sizeof *sim);
    sim->port = cbh_free_port();
    if (sim->port < 0) {
        fprintf(stderr, "cbh_sim_start: no free port\n");
        return -1;
    }
    char bin[512];
    snprintf(bin, sizeof bin, "%s/venue-sim", cbh_bin_dir());
    char port_env[64];
    snprintf(port_env, sizeof port_env, "COINBUS_SIM_PORT=%d", sim->port);
    char *env[16] = {port_env};
    for (size_t k = 0; extra_env != NULL && extra_env[k] != NULL && k + 2 < 16; k++) {
        env[k + 1] = extra_env[k];
    }
    char *argv[] = {bin, NULL};
    sim->proc = cbh_proc_start("venue-sim", argv, env);
    if (sim->proc == NULL || cbh_wait_port(sim->port, 5000) != 0) {
        fprintf(stderr, "cbh_sim_start: venue-sim did not listen on %d; log: %s\n", sim->port,
                cbh_proc_log_path(sim->proc));
        return -1;
    }
    snprintf(sim->venues_env, sizeof sim->venues_env,
             "COINBUS_VENUES=sim-kraken=kraken@http://127.0.0.1:%d/kraken,"
             "sim-binance=binance@http://127.0.0.1:%d/binance",
             sim->port, sim->port);
    return 0;
}

void
cbh_sim_stop(cbh_sim_t *sim)
{
    if (sim != NULL && sim->proc != NULL) {
        cbh_proc_stop(&sim->proc, SIGTERM, 5000);
    }
}
