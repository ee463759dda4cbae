/* sim_ws_kraken.h - Kraken WebSocket v2 at /kraken/ws/v2: requests, subscriptions, and the market as ticker, book, trade and ohlc */
#ifndef SIM_WS_KRAKEN_H_INCLUDED
#define SIM_WS_KRAKEN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_wsd.h"
#include "sim_market.h"

/* Owns the channels' subscriber lists and what each one last published.
 * Borrows market and shared. One thread (the server loop's). */
typedef struct sim_ws_kraken sim_ws_kraken_t;

/* NULL when out of memory. */
sim_ws_kraken_t *
sim_ws_kraken_new(sim_market_t *market, cb_wsd_shared_t *shared);

/* NULL-safe; nulls *k_p. Every connection must be detached first. */
void
sim_ws_kraken_destroy(sim_ws_kraken_t **k_p);

/* Gives a new connection its (empty) subscription state. 0 or CB_E_NOMEM. */
int
sim_ws_kraken_attach(sim_ws_kraken_t *k, cb_wsd_conn_t *conn);

/* The upgrade completed: queues the status message. */
void
sim_ws_kraken_open(sim_ws_kraken_t *k, cb_wsd_conn_t *conn);

/* Answers one client message: subscribe / unsubscribe (one ack per
 * symbol, then the snapshot), ping (pong), or an error reply for anything
 * else. Never fails on bad input. */
void
sim_ws_kraken_text(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, const char *data, size_t len);

/* Removes the connection from every channel and frees its state. */
void
sim_ws_kraken_detach(sim_ws_kraken_t *k, cb_wsd_conn_t *conn);

/* Notes a market event of a Kraken instrument (published by the next
 * sim_ws_kraken_flush). */
void
sim_ws_kraken_event(sim_ws_kraken_t *k, const sim_event_t *ev);

/* Publishes what changed since the last flush: per symbol at most one book
 * update per subscribed depth, one ticker, one trade and one ohlc message. */
void
sim_ws_kraken_flush(sim_ws_kraken_t *k);

/* Queues a heartbeat when the connection has subscribed to anything and
 * nothing was queued to it for interval_ns. */
void
sim_ws_kraken_heartbeat(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, int64_t interval_ns);

/* Faults: the next book update carries a wrong checksum / is not sent at
 * all (its changes are lost to the clients, whose next checksum then
 * differs). Return the connections subscribed to a book. */
int
sim_ws_kraken_fault_checksum(sim_ws_kraken_t *k);

int
sim_ws_kraken_fault_gap(sim_ws_kraken_t *k);

#endif
