/* edge_ws_render.h - the /ws server messages rendered straight into buffers: exact decimals, ISO 8601 times */
#ifndef EDGE_WS_RENDER_H_INCLUDED
#define EDGE_WS_RENDER_H_INCLUDED

/* Every function appends one complete JSON object to out and returns 0 or
 * CB_E_NOMEM (out then holds a partial message: the caller resets it).
 * symbol is the symbol as the client asked for it (BTC-USD), which may
 * differ from the venue's own in the event (BTC-USDT). Decimals come from
 * the decoded events' exact values, never through a double. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_proto.h"
#include "edge_ws.h"
#include "edge_ws_msg.h"

/* {"type":"connected","id":..,"server_time":..,"channels":[..],"limits":{..}} */
int
edge_ws_render_connected(cb_buf_t *out, uint64_t id, int64_t now_ns, const edge_ws_config_t *cfg);

/* {"type":"subscribed"|"unsubscribed","channel":..,"symbol":..,"venue":..|null[,"timeframe"]} */
int
edge_ws_render_sub(cb_buf_t *out, const char *type, edge_ws_channel_t channel, const char *symbol,
                   const char *venue, unsigned timeframe);

/* The opening of {"type":"subscriptions","subscriptions":[ ; then one
 * edge_ws_render_sub_item per subscription (first: no comma before it),
 * then edge_ws_render_close_list. */
int
edge_ws_render_subs_open(cb_buf_t *out);

int
edge_ws_render_sub_item(cb_buf_t *out, bool first, edge_ws_channel_t channel, const char *symbol,
                        const char *venue, unsigned timeframe);

int
edge_ws_render_close_list(cb_buf_t *out);

/* {"type":"error","error":..,"detail":..} */
int
edge_ws_render_error(cb_buf_t *out, const char *error, const char *detail);

/* {"type":"pong"[,"id":<id_json>]} (id_json empty: no id). */
int
edge_ws_render_pong(cb_buf_t *out, const cb_buf_t *id_json);

/* price_update of a tick event. price is the last trade price when the
 * tick has one, else the exact mid of bid and ask. */
int
edge_ws_render_tick(cb_buf_t *out, const char *symbol, const cb_event_t *ev);

/* trade of a trade event. */
int
edge_ws_render_trade(cb_buf_t *out, const char *symbol, const cb_event_t *ev);

/* candle of a candle event ("t" is the interval's open time). */
int
edge_ws_render_candle(cb_buf_t *out, const char *symbol, const cb_event_t *ev);

/* book_update from its parts (a bus book event's, or a coalesced merge). */
int
edge_ws_render_book(cb_buf_t *out, const char *symbol, const char *venue, bool snapshot,
                    const cb_levels_t *bids, const cb_levels_t *asks, bool resyncing,
                    uint64_t seq, int64_t ts_ns);

/* {"type":"resync","symbol","venue","channel":"book"} */
int
edge_ws_render_resync(cb_buf_t *out, const char *symbol, const char *venue);

/* {"type":"stale","symbol","venue","since":<ISO of the last message>} */
int
edge_ws_render_stale(cb_buf_t *out, const char *symbol, const char *venue, int64_t since_ns);

/* {"type":"authenticated","key_id":..,"scope":"read"|"trade","recheck_ms":..}
 * (never the key). */
int
edge_ws_render_authenticated(cb_buf_t *out, const char *key_id, const char *scope,
                             int64_t recheck_ms);

/* {"type":"order","event","id","client_order_id"?,"order_id","venue_order_id"?,"venue","symbol",
 *  "side","order_type","time_in_force"?,"status","amount","filled","price"?,"stop_price"?,
 *  "avg_price"?,"fee"?,"fee_asset"?,"reason"?,"replaces"?,"created"?,"updated"?,"timestamp",
 *  "seq"} of an order event (id: the client order id, as /api/orders names it). */
int
edge_ws_render_order(cb_buf_t *out, const cb_event_t *ev);

#endif
