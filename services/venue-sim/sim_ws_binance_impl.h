/* sim_ws_binance_impl.h - the Binance stream dialect's internals, shared by its publishing (sim_ws_binance.c) and control (sim_ws_binance_req.c) halves */
#ifndef SIM_WS_BINANCE_IMPL_H_INCLUDED
#define SIM_WS_BINANCE_IMPL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_ws_binance.h"

/* One connection: its streams in subscription order (instrument index x
 * SIM_WS_BN_TOPICS + topic) and whether its events come wrapped. */
typedef struct {
    uint16_t *subs;
    size_t count;
    size_t cap;
    bool combined;
} sim_ws_binance_conn_t;

/* Subscribes conn to a stream (nothing when it already is). 0 or
 * CB_E_NOMEM. */
int
sim_ws_binance_add(sim_ws_binance_t *b, cb_wsd_conn_t *conn, size_t index, int topic);

/* Unsubscribes conn from its stream at position pos of its list. */
void
sim_ws_binance_remove(sim_ws_binance_t *b, cb_wsd_conn_t *conn, size_t pos);

/* Checks n stream names (name[i], len[i] bytes) and counts in *fresh those
 * the connection does not hold yet; -1 when one is not a stream. */
int
sim_ws_binance_check(const sim_ws_binance_conn_t *c, const char *const *name, const size_t *len, size_t n,
                     size_t *fresh);

#endif
