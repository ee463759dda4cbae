/* cbh_bus.h - test harness: the real bus binary on free loopback ports */
#ifndef CBH_BUS_H_INCLUDED
#define CBH_BUS_H_INCLUDED

#include "cb_bus.h"
#include "cb_pub.h"
#include "cb_proto.h"
#include "cbh.h"

/* A running bus: its process, ports, the endpoints clients use, and the
 * environment strings ("COINBUS_BUS_PUB_PORT=...", NULL-terminated) that point
 * a child process (a service or the CLI) at it. */
typedef struct {
    cbh_proc_t *proc;
    cb_bus_config_t config;
    char env_text[16][96];
    char *env[17];
} cbh_bus_t;

/* Picks free ports, starts $BUILD/bin/bus on them and waits until every port
 * accepts connections. 0 or -1 (logged to stderr). */
int
cbh_bus_start(cbh_bus_t *bus);

/* SIGTERM, then waits; returns the bus's exit status (0 for a clean stop). */
int
cbh_bus_stop(cbh_bus_t *bus);

/* Exports the bus's environment into this process (so children inherit it
 * and cb_config reads it). */
void
cbh_bus_export(const cbh_bus_t *bus);

/* A test group's setup: the bus started and exported, and *pub a publisher
 * on it. 0 or -1 (*pub NULL when it could not be made). */
int
cbh_bus_start_pub(cbh_bus_t *bus, cb_pub_t **pub);

/* The group's teardown: *pub destroyed (nulled), the bus stopped. 0 when
 * the bus exited cleanly, else -1. */
int
cbh_bus_stop_pub(cbh_bus_t *bus, cb_pub_t **pub);

/* The tick of the bus benchmarks (bench_bus, bench_codec): BTC-USD on
 * sim-kraken, bid = ask = last = 60000 + n % 1000 + (n % 100) / 100, bid_qty =
 * ask_qty = 0.12345678, an exch_ts; no envelope (the publisher stamps it).
 * 163 bytes once stamped. The decimals are built from their parts: the cost
 * measured is the codec's, not a text formatter's. */
void
cbh_bus_bench_tick(cb_event_t *ev, uint64_t n);

#endif
