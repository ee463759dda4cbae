/* feed_venue.h - one venue's market-data runtime: instruments, the stream connection, books kept exact, REST fallback */
#ifndef FEED_VENUE_H_INCLUDED
#define FEED_VENUE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "cb_circuit.h"
#include "cb_http.h"
#include "cb_ratelimit.h"
#include "cb_venue.h"
#include "cb_ws.h"
#include "feed_app.h"

/* Settings every venue runtime shares. */
typedef struct {
    int silence_ms;   /* stream watchdog: no message this long -> reconnect */
    int poll_ms;      /* REST polling period while the stream is down */
    int stale_ms;     /* the stream counts as down after this long without data */
} feed_venue_opts_t;

typedef struct feed_venue feed_venue_t;

/* A runtime for venue index venue_index of app (its streams are that
 * venue's row). http, ws, limiter and circuit are borrowed (limiter and
 * circuit may be NULL) and must outlive it. NULL on failure. */
feed_venue_t *
feed_venue_new(feed_app_t *app, size_t venue_index, const cb_venue_cfg_t *cfg, cb_http_t *http,
               cb_ws_t *ws, cb_ratelimit_t *limiter, cb_circuit_breaker_t *circuit,
               const feed_venue_opts_t *opts);

/* Closes the stream connection. NULL-safe; nulls *fv_p. Destroy the HTTP
 * client first when calls may be in flight. */
void
feed_venue_destroy(feed_venue_t **fv_p);

/* The stream of symbol_index is now owned (or not) by this replica; the
 * connection is rebuilt with the owned set on the next tick. */
void
feed_venue_set_owned(feed_venue_t *fv, size_t symbol_index, bool owned);

/* Periodic work (call every few ms): loads instruments (retrying), fetches
 * candle history for newly owned streams, (re)opens the stream connection,
 * fetches book snapshots, polls REST while the stream is down. */
void
feed_venue_tick(feed_venue_t *fv, int64_t now_ms);

/* Writes this venue's status to the store (stream state, last message,
 * reconnects, circuit). */
void
feed_venue_report(feed_venue_t *fv);

const char *
feed_venue_name(const feed_venue_t *fv);

#endif
