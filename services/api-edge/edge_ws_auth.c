/* edge_ws_auth.c - the /ws hub's API keys: auth by message or upgrade header, lookups, rechecks that stop a revoked key's order events */
#include <stdio.h>
#include <string.h>

#include "cb_log.h"
#include "cb_time.h"
#include "edge_ws_impl.h"
#include "edge_ws_render.h"

/* The lookup timeout of edge_auth (a lookup unanswered this long ends
 * UNAVAILABLE), part of the bound on a revoked key's order events. */
#define S_LOOKUP_NS (1000 * 1000000LL)

static void s_done(void *ctx, const edge_auth_result_t *result);

/* Sends the lookup of the client's key_hash; a lookup decided at once
 * (the key cache's answer, or Redis not connected) is answered at once. */
static void
s_lookup(edge_ws_t *ws, edge_ws_client_t *client)
{
    edge_auth_result_t now;
    client->auth_sent_ns = ws->shared.now_ns;
    if (ws->auth == NULL) {
        memset(&now, 0, sizeof now);
        now.outcome = EDGE_AUTH_UNAVAILABLE;
        s_done(client, &now);
        return;
    }
    client->auth_lookup = true;
    if (edge_auth_check_hash(ws->auth, client->key_hash, CB_APIKEY_SCOPE_READ, &now, s_done,
                             client) == 1) {
        s_done(client, &now);
    }
}

/* A failed first check or a failed recheck: the client is no longer
 * authenticated and leaves the orders channel. */
static void
s_drop(edge_ws_t *ws, edge_ws_client_t *client, const char *error, const char *detail)
{
    bool was_ok = client->auth_state == EDGE_WS_AUTH_OK;
    client->auth_state = EDGE_WS_AUTH_NONE;
    client->key_id[0] = '\0';
    memset(client->key_hash, 0, sizeof client->key_hash);
    edge_ws_req_leave_channel(ws, client, EDGE_WS_CH_ORDERS);
    if (was_ok) {
        cb_log_info("ws_auth_revoked", "id=%llu", (unsigned long long) client->conn->id);
    }
    edge_ws_client_error(ws, client, error, detail);
}

static void
s_done(void *ctx, const edge_auth_result_t *result)
{
    edge_ws_client_t *client = ctx;
    edge_ws_t *ws = client->hub;
    client->auth_lookup = false;
    ws->shared.now_ns = cb_time_now_ns();
    if ((unsigned) result->outcome < EDGE_AUTH_COUNT) {
        ws->stats.auth[result->outcome]++;
    }
    bool first = client->auth_state == EDGE_WS_AUTH_CHECKING;
    switch (result->outcome) {
    case EDGE_AUTH_OK:
        client->auth_ok_ns = ws->shared.now_ns;
        if (first || strcmp(client->key_id, result->key_id) != 0) {
            client->auth_state = EDGE_WS_AUTH_OK;
            snprintf(client->key_id, sizeof client->key_id, "%s", result->key_id);
            cb_buf_reset(&ws->out);
            client->scope = result->scope;
            if (edge_ws_render_authenticated(&ws->out, client->key_id,
                                             cb_apikey_scope_name(client->scope),
                                             ws->cfg.auth_recheck_ms) == 0) {
                edge_ws_client_send_out(ws, client);
            }
        }
        break;
    case EDGE_AUTH_UNAVAILABLE:
        if (first) {
            s_drop(ws, client, "unavailable",
                   "API keys cannot be checked now (Redis unavailable); send auth again later");
        }
        /* A recheck that could not be made keeps the state; order events
         * stop anyway once the last good lookup is too old
         * (edge_ws_auth_may_watch). */
        break;
    default:
        s_drop(ws, client, "unauthorized",
               first ? "the API key is unknown or revoked"
                     : "the API key is no longer valid (revoked): order events stopped; "
                       "authenticate again with a valid key");
        break;
    }
}

void
edge_ws_auth_begin(edge_ws_t *ws, edge_ws_client_t *client, const char *key_hash)
{
    edge_ws_auth_release(ws, client);
    snprintf(client->key_hash, sizeof client->key_hash, "%s", key_hash);
    client->auth_state = EDGE_WS_AUTH_CHECKING;
    if (client->opened) {
        s_lookup(ws, client);
    }
}

void
edge_ws_auth_open(edge_ws_t *ws, edge_ws_client_t *client)
{
    if (client->auth_state == EDGE_WS_AUTH_CHECKING && !client->auth_lookup) {
        s_lookup(ws, client);
    }
}

void
edge_ws_auth_house(edge_ws_t *ws, edge_ws_client_t *client, int64_t now_ns)
{
    if (client->auth_state == EDGE_WS_AUTH_OK && !client->auth_lookup &&
        now_ns - client->auth_sent_ns >= ws->cfg.auth_recheck_ms * 1000000) {
        s_lookup(ws, client);
    }
}

bool
edge_ws_auth_may_watch(const edge_ws_t *ws, const edge_ws_client_t *client, int64_t now_ns)
{
    return client->auth_state == EDGE_WS_AUTH_OK &&
           now_ns - client->auth_ok_ns <= 2 * ws->cfg.auth_recheck_ms * 1000000 + S_LOOKUP_NS;
}

void
edge_ws_auth_release(edge_ws_t *ws, edge_ws_client_t *client)
{
    if (client->auth_lookup && ws->auth != NULL) {
        edge_auth_cancel(ws->auth, s_done, client);
    }
    client->auth_lookup = false;
}
