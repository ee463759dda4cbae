/* sim_ws.h - venue-sim's WebSocket market streams: Kraken v2 at /kraken/ws/v2, Binance at /binance/ws/<streams> and /binance/stream?streams=.. */
#ifndef SIM_WS_H_INCLUDED
#define SIM_WS_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "cb_httpd.h"
#include "cb_wsd.h"
#include "sim_instruments.h"
#include "sim_market.h"

/* Tunables; sim_ws_config_default gives the venues' documented values. */
typedef struct {
    int64_t kraken_heartbeat_ms;     /* 1000: heartbeat after this long with nothing sent */
    int64_t binance_ping_ms;         /* 20000: a ping frame this often */
    int64_t binance_pong_timeout_ms; /* 60000: dropped without a pong answering a ping for this long */
    int64_t binance_max_age_ms;      /* 24 h: closed (1000) at this age */
    uint32_t binance_max_in_per_sec; /* 5: incoming frames per second before a drop; 0: no limit */
    size_t max_queue_bytes;          /* 8 MiB: unsent bytes a client may fall behind before it is dropped */
    size_t max_queue_msgs;           /* 65536: unsent frames, likewise */
    size_t max_recv_len;             /* 65536: largest client message */
} sim_ws_config_t;

/* Counters of one venue's WebSocket side (see cb_wsd.h). */
typedef cb_wsd_stats_t sim_ws_stats_t;

/* Owns the connections and the venues' stream state; borrows market. One
 * thread: the loop that runs the cb_httpd server, steps the market and
 * calls sim_ws_tick. */
typedef struct sim_ws sim_ws_t;

void
sim_ws_config_default(sim_ws_config_t *cfg);

/* Streams for market (listens to its events from now on) with cfg (NULL:
 * the defaults). NULL when out of memory or when the market has no free
 * listener slot. */
sim_ws_t *
sim_ws_new(sim_market_t *market, const sim_ws_config_t *cfg);

/* Stops listening, closes every connection (abruptly) and frees; NULL-safe,
 * nulls *ws_p. Call it before cb_httpd_destroy. */
void
sim_ws_destroy(sim_ws_t **ws_p);

/* The upgrade hook for cb_httpd_set_upgrade (ctx: the sim_ws_t). Takes
 * WebSocket handshakes on /kraken/ws/v2, /binance/ws[/<stream>[/..]] and
 * /binance/stream[?streams=a/b]; answers other requests on those paths
 * with 426 (no handshake) or 400 (bad handshake, unknown stream); leaves
 * every other path to the handler. */
int
sim_ws_upgrade(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res);

/* Runs one loop turn's work at now_ns (wall clock): publishes what the
 * market did since the last call (Kraken: one book update per symbol and
 * depth, ticker, trade, ohlc; Binance: bookTicker, trade, aggTrade, and the
 * klines and depths that are due), heartbeats, pings and ping timeouts,
 * the 24 h limit, the end of stalls, frees closed connections and starts
 * the socket writes. Call it every loop turn, after the market step and
 * the HTTP run. Returns the milliseconds until it next has work of its own
 * (>= 0), to bound the loop's wait. */
int
sim_ws_tick(sim_ws_t *ws, int64_t now_ns);

/* Faults for the admin API. Each returns the connections affected (>= 0).
 * drop: closes every connection of the venue at once (no close frame).
 * stall: for ms, nothing is written to the venue's connections: they stay
 *   open and their messages are held, not dropped (a connection whose held
 *   messages pass the queue limits is dropped as a slow client; pings and
 *   their timeouts wait too); at the end everything held goes out in order.
 * corrupt_checksum (Kraken): the next book update of any symbol carries a
 *   wrong checksum (the levels are right). Binance: returns -1.
 * gap: Kraken: the next book update of any symbol is not sent (clients
 *   miss its changes, their next checksum differs); Binance: the next diff
 *   depth event of some symbol leaves out one update (U > previous u + 1). */
int
sim_ws_fault_drop(sim_ws_t *ws, sim_venue_t venue);

int
sim_ws_fault_stall(sim_ws_t *ws, sim_venue_t venue, int ms);

int
sim_ws_fault_corrupt_checksum(sim_ws_t *ws, sim_venue_t venue);

int
sim_ws_fault_gap(sim_ws_t *ws, sim_venue_t venue);

/* Copies the venue's counters into out. */
void
sim_ws_stats(const sim_ws_t *ws, sim_venue_t venue, sim_ws_stats_t *out);

#endif
