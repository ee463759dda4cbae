/* cbh_router.h - test harness: order-router replicas over a real Redis, bus and venue-sim, their RPC calls and the sim's order counters */
#ifndef CBH_ROUTER_H_INCLUDED
#define CBH_ROUTER_H_INCLUDED

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "cb_http.h"
#include "cb_rpc.h"
#include "cbh.h"
#include "cbh_bus.h"
#include "cbh_paper.h"
#include "cbh_sim.h"
#include "route_ledger.h"

/* Everything an order-router test runs against: Redis, the bus, venue-sim
 * with the paper accounts (Kraken at the Pro tier, large balances), an RPC
 * client of the `orders` service and an HTTP client for the sim's admin. */
typedef struct {
    cbh_redis_t redis;
    cbh_bus_t bus;
    cbh_sim_t sim;
    cb_rpc_client_t *client;
    cb_http_t *http;
    char redis_env[200];
    char venues_env[400];
} cbh_router_fixture_t;

/* Starts Redis (persistent with an AOF when aof is true: cbh_redis_halt and
 * cbh_redis_restart then keep its data), the bus (exported into this
 * process's environment), venue-sim and the client. No router yet. 0 or -1
 * (logged to stderr; cbh_router_fixture_stop is then safe). */
int
cbh_router_fixture_start(cbh_router_fixture_t *f, bool aof);

/* Stops everything it started, in reverse order. NULL-safe parts. */
void
cbh_router_fixture_stop(cbh_router_fixture_t *f);

/* Starts one order-router replica against f (crash: its test-only crash
 * hook, or NULL) with short venue timeout (700 ms), settlement window
 * (300 ms) and lease (1000 ms), the balance check off (no account service),
 * and waits until its log says it started and
 * the service answers ping. NULL when it did not start within 10 s. */
cbh_proc_t *
cbh_router_spawn(cbh_router_fixture_t *f, const char *crash);

/* GET (body NULL) or POST body to the sim's admin; its body into out (may
 * be NULL). The status; cmocka-fails when no answer came. */
long
cbh_router_admin(cbh_router_fixture_t *f, const char *path, const char *body, char *out,
                 size_t size);

/* How many orders the sim received for client order id clid from the
 * account of key on venue ("kraken" or "binance"). */
int
cbh_router_count(cbh_router_fixture_t *f, const char *venue, const char *key, const char *clid);

/* A ledger entry as order-router writes an intent: a pending limit buy of
 * 0.01 symbol at price on venue, client order id clid, created now. */
route_order_t
cbh_ledger_order(const char *venue, const char *clid, const char *symbol, const char *price);

/* That order's intent written through l (a cmocka failure unless the id was
 * new); returns the order as written. */
route_order_t
cbh_ledger_intent(route_ledger_t *l, const char *venue, const char *clid, const char *symbol,
                  const char *price);

#endif
