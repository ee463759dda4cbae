/* cbh_edgews.h - test harness: api-edge's WebSocket hub on a real bus, a real cache and a real cb_httpd, served by a thread */
#ifndef CBH_EDGEWS_H_INCLUDED
#define CBH_EDGEWS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_proto.h"
#include "cbh_bus.h"
#include "cbh_ws.h"
#include "edge_cache.h"
#include "edge_ws.h"

/* One per process: starts the bus binary, then, in a thread of its own, a
 * cb_httpd on a free loopback port with edge_ws_upgrade, an edge_cache on
 * the bus (its fd watched on the loop, edge_ws_on_bus its listener) and the
 * hub with cfg; plus a publisher for the test thread. 0 or -1 (logged). */
int
cbh_edgews_start(const edge_ws_config_t *cfg);

/* Stops the thread (edge_ws_destroy on it), frees everything, stops the bus. */
void
cbh_edgews_stop(void);

/* cbh_edgews_stop as a cmocka group teardown. */
int
cbh_edgews_teardown(void **state);

/* The hub's port. */
int
cbh_edgews_port(void);

/* Runs fn(arg) on the server thread between two loop turns and waits
 * (5 s at most, else a test failure). */
void
cbh_edgews_call(void (*fn)(void *), void *arg);

edge_ws_stats_t
cbh_edgews_stats(void);

/* The cache (the server thread's: touch it from a job only). */
edge_cache_t *
cbh_edgews_cache(void);

edge_cache_stats_t
cbh_edgews_cache_stats(void);

/* Publishes ticks of symbol on venue until the cache has taken one (ZeroMQ
 * subscriptions travel through the bus before the first message does), so
 * the symbol is known. A test failure after 5 s. */
void
cbh_edgews_warm(const char *symbol, const char *venue);

/* Publishes ev (its env is stamped; ev->env.seq tells the seq used) or fails
 * the test. */
void
cbh_edgews_publish(cb_event_t *ev);

/* A tick event with the given exact decimals (last, bid_qty may be NULL). */
void
cbh_edgews_make_tick(cb_event_t *ev, const char *symbol, const char *venue, const char *bid,
                     const char *ask, const char *last, const char *bid_qty);

/* An exact decimal from text, or a test failure. */
cb_decimal_t
cbh_edgews_dec(const char *text);

/* ---- clients and publishing for the tests (each a test failure when it fails) -- */

/* A client on /ws that has received its "connected" message. */
cbh_ws_t *
cbh_edgews_open(void);

/* Waits (2 s) for a message with needle that also contains each of the
 * NULL-terminated others; returns it (caller frees). */
char *
cbh_edgews_expect(cbh_ws_t *ws, const char *needle, ...);

/* Sends text, then expects a message with needle (and also, when not NULL). */
void
cbh_edgews_send_expect(cbh_ws_t *ws, const char *text, const char *needle, const char *also);

/* Reads until the server has closed (timeout_ms at most); its close code
 * (0: none came). */
int
cbh_edgews_closed(cbh_ws_t *ws, int timeout_ms);

/* "\"seq\":<seq>" into buf, for matching pushes. */
const char *
cbh_edgews_seq(uint64_t seq, char *buf, size_t size);

/* Publishes a tick (last may be NULL); *seq is the seq it got. */
void
cbh_edgews_tick(const char *symbol, const char *venue, const char *bid, const char *ask,
                const char *last, uint64_t *seq);

/* Publishes a book of BTC-USD on sim-kraken (levels borrowed for the call). */
void
cbh_edgews_book(bool snapshot, bool resyncing, cb_levels_t bids, cb_levels_t asks, uint64_t *seq);

/* The same with n levels a side around 100: bids from 99.99 down at 1.25,
 * asks from 100.01 up at 2. */
void
cbh_edgews_book_n(bool snapshot, bool resyncing, size_t n, uint64_t *seq);

#endif
