/* edge_ws_req.c - the /ws hub's answers to client messages: subscribe, unsubscribe, ping, get_subscriptions, auth */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "edge_ws_impl.h"
#include "edge_ws_render.h"

/* Most venues a subscription to every venue starts watching for staleness. */
#define S_VENUES_MAX 16

/* The client's index of key, or nsubs. */
static size_t
s_find(const edge_ws_client_t *client, const edge_ws_key_t *key)
{
    size_t i = 0;
    while (i < client->nsubs && client->subs[i] != key) {
        i++;
    }
    return i;
}

/* Whether symbol (as asked) can be subscribed to on venue ("" every venue). */
static bool
s_known(edge_ws_t *ws, const char *symbol, const char *venue)
{
    if (!edge_cache_symbol_known(ws->cache, symbol)) {
        return false;
    }
    char real[EDGE_SYM_MAX];
    edge_tick_t tick;
    return venue[0] == '\0' || edge_cache_resolve(ws->cache, venue, symbol, real) ||
           edge_cache_tick(ws->cache, symbol, venue, 0, &tick);
}

/* Starts watching the streams a new subscription covers, so that one that
 * never says anything is reported stale too, and tells the client about
 * those already stale. */
static void
s_watch(edge_ws_t *ws, edge_ws_client_t *client, const edge_ws_req_t *req)
{
    edge_tick_t ticks[S_VENUES_MAX];
    bool every = req->venue[0] == '\0';
    size_t n = every ? edge_cache_ticks(ws->cache, req->symbol, ticks, S_VENUES_MAX) : 1;
    for (size_t i = 0; i < n; i++) {
        const char *venue = every ? ticks[i].venue : req->venue;
        edge_ws_stream_t *s = edge_ws_stream_find(ws, req->symbol, venue);
        if (s == NULL) {
            s = edge_ws_stream_get(ws, req->symbol, venue, ws->shared.now_ns);
            if (s != NULL && every) {
                s->last_ns = ticks[i].received_ns; /* silent since then */
            }
        } else if (s->stale) {
            cb_buf_reset(&ws->out);
            if (edge_ws_render_stale(&ws->out, s->symbol, s->venue, s->last_ns) == 0) {
                edge_ws_client_send_out(ws, client);
            }
        }
    }
}

bool
edge_ws_req_covers(edge_ws_t *ws, const edge_ws_client_t *client, edge_ws_channel_t channel,
                   const edge_ws_stream_t *stream)
{
    const char *venues[2] = {stream->venue, ""};
    for (int v = 0; v < 2; v++) {
        edge_ws_key_t *key = edge_ws_key_find(ws, channel, stream->symbol, venues[v], 0);
        if (key != NULL && s_find(client, key) < client->nsubs) {
            return true;
        }
    }
    return false;
}

/* Whether the client may subscribe to orders; answers an error when not. */
static bool
s_may_watch_orders(edge_ws_t *ws, edge_ws_client_t *client)
{
    switch (client->auth_state) {
    case EDGE_WS_AUTH_OK:
        return true;
    case EDGE_WS_AUTH_CHECKING:
        edge_ws_client_error(ws, client, "unauthorized",
                             "the API key is still being checked: subscribe again after "
                             "\"authenticated\"");
        return false;
    default:
        edge_ws_client_error(ws, client, "unauthorized",
                             "the orders channel needs an API key: send {\"type\":\"auth\","
                             "\"key\":\"cbk_...\"} or connect with Authorization: Bearer <key>");
        return false;
    }
}

/* Counts an orders subscription made (+1) or left (-1); the bus's order
 * events are received only while there is one. */
static void
s_count_orders(edge_ws_t *ws, const edge_ws_key_t *key, int delta)
{
    if (key->channel != EDGE_WS_CH_ORDERS) {
        return;
    }
    if (delta > 0 && ws->order_subs++ == 0) {
        edge_cache_watch_orders(ws->cache, true);
    } else if (delta < 0 && ws->order_subs > 0 && --ws->order_subs == 0) {
        edge_cache_watch_orders(ws->cache, false);
    }
}

static void
s_subscribe(edge_ws_t *ws, edge_ws_client_t *client, const edge_ws_req_t *req)
{
    char detail[128];
    bool orders = req->channel == EDGE_WS_CH_ORDERS;
    if (orders && !s_may_watch_orders(ws, client)) {
        return;
    }
    if ((!orders || req->symbol[0] != '\0') && !s_known(ws, req->symbol, req->venue)) {
        snprintf(detail, sizeof detail, "%s is not traded%s%s", req->symbol,
                 req->venue[0] != '\0' ? " on " : " on any venue", req->venue);
        edge_ws_client_error(ws, client, "unknown_symbol", detail);
        return;
    }
    edge_ws_key_t *key = edge_ws_key_get(ws, req->channel, req->symbol, req->venue, req->timeframe);
    if (key == NULL) {
        edge_ws_client_error(ws, client, "internal", "out of memory");
        return;
    }
    bool added = s_find(client, key) == client->nsubs;
    if (added) {
        if (client->nsubs >= ws->cfg.max_subscriptions) {
            snprintf(detail, sizeof detail, "at most %zu subscriptions per connection",
                     ws->cfg.max_subscriptions);
            edge_ws_client_error(ws, client, "too_many_subscriptions", detail);
            if (key->subs.count == 0) {
                edge_ws_key_drop(ws, key);
            }
            return;
        }
        if (client->subs == NULL) {
            client->subs = calloc(ws->cfg.max_subscriptions, sizeof *client->subs);
        }
        if (client->subs == NULL || cb_wsd_subs_add(&key->subs, client->conn) != 0) {
            if (key->subs.count == 0) {
                edge_ws_key_drop(ws, key);
            }
            edge_ws_client_error(ws, client, "internal", "out of memory");
            return;
        }
        client->subs[client->nsubs++] = key;
        s_count_orders(ws, key, +1);
    }
    cb_buf_reset(&ws->out);
    if (edge_ws_render_sub(&ws->out, "subscribed", req->channel, req->symbol, req->venue,
                           req->timeframe) == 0) {
        edge_ws_client_send_out(ws, client);
    }
    if (added && !orders) {
        s_watch(ws, client, req);
    }
}

/* Removes the client's subscription i (and its key when it was the last). */
static void
s_leave(edge_ws_t *ws, edge_ws_client_t *client, size_t i)
{
    edge_ws_key_t *key = client->subs[i];
    s_count_orders(ws, key, -1);
    cb_wsd_subs_remove(&key->subs, client->conn);
    if (key->subs.count == 0) {
        edge_ws_key_drop(ws, key);
    }
    client->subs[i] = client->subs[--client->nsubs];
}

static void
s_unsubscribe(edge_ws_t *ws, edge_ws_client_t *client, const edge_ws_req_t *req)
{
    edge_ws_key_t *key =
        edge_ws_key_find(ws, req->channel, req->symbol, req->venue, req->timeframe);
    size_t i = key != NULL ? s_find(client, key) : client->nsubs;
    if (i == client->nsubs) {
        edge_ws_client_error(ws, client, "not_subscribed",
                             "no such subscription (see get_subscriptions)");
        return;
    }
    s_leave(ws, client, i);
    cb_buf_reset(&ws->out);
    if (edge_ws_render_sub(&ws->out, "unsubscribed", req->channel, req->symbol, req->venue,
                           req->timeframe) == 0) {
        edge_ws_client_send_out(ws, client);
    }
}

void
edge_ws_req_unsubscribe_all(edge_ws_t *ws, edge_ws_client_t *client)
{
    while (client->nsubs > 0) {
        s_leave(ws, client, client->nsubs - 1);
    }
}

void
edge_ws_req_leave_channel(edge_ws_t *ws, edge_ws_client_t *client, edge_ws_channel_t channel)
{
    for (size_t i = client->nsubs; i > 0; i--) {
        if (client->subs[i - 1]->channel == channel) {
            s_leave(ws, client, i - 1);
        }
    }
}

static void
s_list(edge_ws_t *ws, edge_ws_client_t *client)
{
    cb_buf_reset(&ws->out);
    int rc = edge_ws_render_subs_open(&ws->out);
    for (size_t i = 0; rc == 0 && i < client->nsubs; i++) {
        const edge_ws_key_t *k = client->subs[i];
        rc = edge_ws_render_sub_item(&ws->out, i == 0, k->channel, k->symbol, k->venue,
                                     k->timeframe);
    }
    if (rc == 0 && edge_ws_render_close_list(&ws->out) == 0) {
        edge_ws_client_send_out(ws, client);
    }
}

void
edge_ws_req_handle(edge_ws_t *ws, edge_ws_client_t *client, const char *data, size_t len)
{
    edge_ws_err_t err;
    if (edge_ws_msg_parse(&ws->doc, data, len, &ws->req, &err) != 0) {
        edge_ws_client_error(ws, client, err.error, err.detail);
        return;
    }
    const edge_ws_req_t *req = &ws->req;
    switch (req->op) {
    case EDGE_WS_OP_SUBSCRIBE:
        s_subscribe(ws, client, req);
        break;
    case EDGE_WS_OP_UNSUBSCRIBE:
        s_unsubscribe(ws, client, req);
        break;
    case EDGE_WS_OP_PING:
        cb_buf_reset(&ws->out);
        if (edge_ws_render_pong(&ws->out, &req->id_json) == 0) {
            edge_ws_client_send_out(ws, client);
        }
        break;
    case EDGE_WS_OP_GET_SUBSCRIPTIONS:
        s_list(ws, client);
        break;
    case EDGE_WS_OP_AUTH:
        edge_ws_auth_begin(ws, client, req->key_hash);
        memset(ws->req.key_hash, 0, sizeof ws->req.key_hash);
        break;
    }
}
