/* edge_ws.h - api-edge's WebSocket endpoint /ws: subscriptions, fan-out of bus events, slow consumers */
#ifndef EDGE_WS_H_INCLUDED
#define EDGE_WS_H_INCLUDED

/* Protocol (JSON text frames; decimals as exact JSON numbers, times ISO 8601 UTC):
 *  server on connect: {"type":"connected","id":<conn id>,"server_time":"...","channels":[...],
 *                      "limits":{...}}
 *  client: {"type":"subscribe","symbol":"BTC"[,"quote":"USD"][,"channel":"ticker"|"book"|"trades"|"candles"]
 *           [,"venue":"sim-kraken"][,"timeframe":"1m"]}   channel default ticker, timeframe 1m,
 *           venue default every venue; symbol "BTC" means BTC-USD (quote default USD)
 *          {"type":"unsubscribe", same keys}  {"type":"ping"[,"id":any]}  {"type":"get_subscriptions"}
 *          {"type":"auth","key":"cbk_..."}   an API key (scope read or trade); or the upgrade's
 *           Authorization: Bearer header (a malformed one: 401). "op" is a synonym of "type".
 *          {"type":"subscribe","channel":"orders"[,"symbol":"BTC"][,"venue":...]}  authenticated
 *           only (else an "unauthorized" error); no symbol: every symbol
 *  server: {"type":"subscribed","channel":...,"symbol":"BTC-USD","venue":...|null,"timeframe"?}
 *          {"type":"unsubscribed",...}  {"type":"pong"[,"id":...]}  {"type":"subscriptions","subscriptions":[...]}
 *          {"type":"price_update","symbol","venue","price","bid","ask","bid_qty"?,"ask_qty"?,
 *           "timestamp","seq"}                        (on every tick; coalesced per symbol x venue
 *                                                      to the latest when the client lags)
 *          {"type":"book_update","symbol","venue","snapshot","bids":[[p,q]...],"asks":[...],
 *           "resyncing","seq","timestamp"}
 *          {"type":"trade","symbol","venue","price","qty","side","trade_id"?,"timestamp","seq"}
 *          {"type":"candle","symbol","venue","timeframe","t","o","h","l","c","v","closed","seq"}
 *          {"type":"resync","symbol","venue","channel":"book"}   the feed marked the book resyncing
 *          {"type":"stale","symbol","venue","since":"..."}      no tick from that stream for stale_ms
 *          {"type":"authenticated","key_id","scope","recheck_ms"}   (never the key)
 *          {"type":"order","event","id","client_order_id"?,"order_id","venue_order_id"?,"venue",
 *           "symbol","side","order_type","time_in_force"?,"status","amount","filled","price"?,
 *           "stop_price"?,"avg_price"?,"fee"?,"fee_asset"?,"reason"?,"replaces"?,"created"?,
 *           "updated"?,"timestamp","seq"}     every order event, in bus order, never coalesced;
 *           the key is looked up again every auth_recheck_ms: revoked -> an "unauthorized"
 *           error and the orders subscriptions dropped; no good lookup for
 *           2 x auth_recheck_ms + 1 s (Redis down) -> order events held back
 *          {"type":"error","error":"<short>","detail":"<more>"}  bad JSON, unknown type, unknown
 *                                                      symbol, ...: the connection stays open
 *  Close codes: 1008 slow consumer past the limit or message rate exceeded, 1009 message too
 *  big, 1001 server going away, 1000 idle timeout.
 * Ownership: the hub owns its connections; the cache is borrowed. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_httpd.h"
#include "cb_sub.h"
#include "edge_auth.h"
#include "edge_cache.h"

typedef struct {
    size_t max_clients;       /* upgrades past this get 503 (default 10000) */
    size_t max_msg_bytes;     /* largest client message (default 4096) */
    size_t queue_msgs;        /* frames queued per client before it is slow (default 256) */
    size_t queue_bytes;       /* bytes queued per client before it is slow (default 1 MiB) */
    int64_t slow_close_ms;    /* a client slow (coalescing) this long is closed 1008 (default 10000) */
    int64_t idle_timeout_ms;  /* no client frame (pongs count) this long: close (default 120000) */
    int64_t ping_interval_ms; /* server pings (default 30000) */
    int64_t stale_ms;         /* a subscribed stream silent this long gets a stale notice (default 15000) */
    uint32_t max_in_per_sec;  /* client messages per second; over: error, then 1008 (default 50) */
    size_t max_subscriptions; /* per connection (default 100) */
    int64_t auth_recheck_ms;  /* an authenticated connection's key is looked up again this
                                 often: a revoked key stops its order events (default 5000) */
    int64_t flush_us;         /* flush passes (one write per client with frames) start at most
                                 once per this; a pass due when the last one started longer ago
                                 runs at the end of the loop turn (default EDGE_WS_FLUSH_US; < 0:
                                 a pass every loop turn) */
    uint32_t flush_cost_factor; /* and at most once per this many times the last pass's own
                                   duration (default EDGE_WS_FLUSH_COST_FACTOR) */
} edge_ws_config_t;

/* The default flush window: under fan-out load one write carries about two
 * ticks' frames per client; a lone tick waits for nothing. */
#define EDGE_WS_FLUSH_US 2000
/* The period is at most 3 times what the last pass took: passes to a few
 * clients (cheap) are not held back, a fan-out to 1,000 is; a pass longer
 * than the window is followed at once. */
#define EDGE_WS_FLUSH_COST_FACTOR 3

edge_ws_config_t
edge_ws_config_default(void);

typedef struct edge_ws edge_ws_t;

/* A hub on httpd's loop (its timers run there). cache borrowed. */
edge_ws_t *
edge_ws_new(cb_httpd_t *httpd, edge_cache_t *cache, const edge_ws_config_t *config);

/* Closes every connection with 1001 and frees; keeps running httpd's loop
 * briefly so the close frames go out. NULL-safe. */
void
edge_ws_destroy(edge_ws_t **ws_p);

/* Lets the orders channel check API keys with auth (borrowed; it must
 * outlive the hub). Without it the orders channel refuses everyone. */
void
edge_ws_set_auth(edge_ws_t *ws, edge_auth_t *auth);

/* A cb_httpd_upgrade_fn body for path /ws: upgrades a valid handshake
 * (TAKEN), answers a bad one 400 or a full hub 503 (ANSWERED), and returns
 * PASS for other paths. ctx is the edge_ws_t. */
int
edge_ws_upgrade(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res);

/* The cache listener (edge_cache_set_listener(cache, edge_ws_on_bus, ws)). */
void
edge_ws_on_bus(void *ctx, const cb_sub_msg_t *msg);

typedef struct {
    uint64_t clients;        /* open now */
    uint64_t accepted;
    uint64_t messages_out;   /* frames queued to clients */
    uint64_t coalesced;      /* updates replaced by a later one before being sent */
    uint64_t slow_closed;    /* closed 1008 for lagging */
    uint64_t errors_sent;
    uint64_t auth[EDGE_AUTH_COUNT]; /* WebSocket key lookups (auth, header, rechecks) by outcome */
    uint64_t order_events;   /* order event frames queued to clients */
} edge_ws_stats_t;

edge_ws_stats_t
edge_ws_stats(const edge_ws_t *ws);

#endif
