/* cbh_market.h - test harness: market-feed's `market` RPC handler on its Redis store, as a worker thread of the test */
#ifndef CBH_MARKET_H_INCLUDED
#define CBH_MARKET_H_INCLUDED

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "cb_bus.h"

/* One worker thread; it owns its store and its socket. Zero-initialise. */
typedef struct {
    pthread_t thread;
    volatile sig_atomic_t stop;
    bool running;
    char redis_url[256];
    char backend[CB_BUS_ENDPOINT_MAX];
} cbh_market_t;

/* Starts feed_rpc_handle on a store at redis_url, as a worker of the bus
 * backend (the market service's, e.g. bus->config.backend[CB_RPC_MARKET]).
 * Sets czmq up first (its lazy set-up is not safe from two threads at once).
 * 0 or -1. */
int
cbh_market_start(cbh_market_t *m, const char *redis_url, const char *backend);

/* Stops and joins the thread; no-op when not running. */
void
cbh_market_stop(cbh_market_t *m);

#endif
