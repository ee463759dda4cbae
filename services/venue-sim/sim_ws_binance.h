/* sim_ws_binance.h - Binance market streams at /binance/ws/<streams> and /binance/stream?streams=..: subscriptions and the market as stream events */
#ifndef SIM_WS_BINANCE_H_INCLUDED
#define SIM_WS_BINANCE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_wsd.h"
#include "sim_market.h"

/* Streams one connection may hold, as Binance allows. */
#define SIM_WS_BN_MAX_STREAMS 1024

/* Owns the streams' subscriber lists and what each one last published.
 * Borrows market and shared. One thread (the server loop's). */
typedef struct sim_ws_binance sim_ws_binance_t;

/* NULL when out of memory. */
sim_ws_binance_t *
sim_ws_binance_new(sim_market_t *market, cb_wsd_shared_t *shared);

/* NULL-safe; nulls *b_p. Every connection must be detached first. */
void
sim_ws_binance_destroy(sim_ws_binance_t **b_p);

/* Gives a new connection its state and subscribes it to the streams named
 * in len bytes of '/'-separated names (none when len is 0); combined wraps
 * its events in {"stream":..,"data":..}. A raw (not combined) name that is
 * not a market stream is ignored, as Binance opens /ws/<anything>. Returns
 * 0, -1 when a combined name is not a stream served here or there are too
 * many (nothing attached), or CB_E_NOMEM. */
int
sim_ws_binance_attach(sim_ws_binance_t *b, cb_wsd_conn_t *conn, const char *streams, size_t len, bool combined);

/* Answers one control message (SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS,
 * SET_PROPERTY, GET_PROPERTY) or replies with Binance's error for bad
 * input. */
void
sim_ws_binance_text(sim_ws_binance_t *b, cb_wsd_conn_t *conn, const char *data, size_t len);

/* Removes the connection from every stream and frees its state. */
void
sim_ws_binance_detach(sim_ws_binance_t *b, cb_wsd_conn_t *conn);

/* Notes a market event of a Binance instrument: diff depth streams record
 * the level and its update id at once, the rest publish on the next flush. */
void
sim_ws_binance_event(sim_ws_binance_t *b, const sim_event_t *ev);

/* Publishes the real-time streams' news and the periodic streams that are
 * due. Returns the nanoseconds until the next periodic push (INT64_MAX when
 * no periodic stream has subscribers). */
int64_t
sim_ws_binance_flush(sim_ws_binance_t *b);

/* Fault: the next diff depth event of some symbol leaves out one update id
 * (and that update's level), so U jumps past the previous u + 1. Returns
 * the connections subscribed to a diff depth stream. */
int
sim_ws_binance_fault_gap(sim_ws_binance_t *b);

#endif
