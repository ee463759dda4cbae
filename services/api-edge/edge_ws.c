/* edge_ws.c - api-edge's WebSocket hub: upgrades, connection lifecycle, flushing, timers (pings, idle, slow) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_time.h"
#include "edge_ws_impl.h"
#include "edge_ws_render.h"

/* How long a client being closed may take to read up to our close frame
 * before it is cut. */
#define S_CLOSE_GRACE_NS (5 * 1000000000LL)
/* How long edge_ws_destroy runs the loop for the 1001 close frames. */
#define S_DESTROY_DRAIN_MS 200

edge_ws_config_t
edge_ws_config_default(void)
{
    return (edge_ws_config_t){
        .max_clients = 10000,
        .max_msg_bytes = 4096,
        .queue_msgs = 256,
        .queue_bytes = 1u << 20,
        .slow_close_ms = 10000,
        .idle_timeout_ms = 120000,
        .ping_interval_ms = 30000,
        .stale_ms = 15000,
        .max_in_per_sec = 50,
        .max_subscriptions = 100,
        .auth_recheck_ms = 5000,
        .flush_us = EDGE_WS_FLUSH_US,
        .flush_cost_factor = EDGE_WS_FLUSH_COST_FACTOR,
    };
}

/* ---- sending and flushing ------------------------------------------------------- */

/* Arms the flush pass for the first frame queued since the last one. Passes
 * that write start at most once per period: the smaller of flush_ns and
 * flush_cost_factor times what the last one took. When it has passed since
 * that pass started, the pass runs at the end of this loop turn (light
 * load, or passes so long that frames pile up anyway, wait for nothing);
 * else once it will have, so that under fan-out load one write per client
 * carries every frame queued meanwhile (a write costs about the same for
 * one frame or several; the tail comes from their number). The loop's
 * timers count whole milliseconds: a wait under 1 ms is not taken, a longer
 * one is rounded down to whole milliseconds, then ends within the next one. */
static void
s_arm_flush(edge_ws_t *ws)
{
    int64_t wait_ns = 0;
    if (ws->flush_ns > 0) {
        int64_t factor = ws->cfg.flush_cost_factor;
        int64_t period = ws->flush_cost_ns < ws->flush_ns / factor ? ws->flush_cost_ns * factor
                                                                   : ws->flush_ns;
        wait_ns = ws->flush_start_ns + period - cb_time_mono_ns();
    }
    cb_httpd_timer_restart(ws->turn_end, wait_ns >= 1000000 ? wait_ns / 1000000 : 0);
}

static void
s_mark_dirty(edge_ws_t *ws, edge_ws_client_t *client)
{
    if (client->dirty) {
        return;
    }
    if (ws->ndirty == ws->dirty_cap) {
        size_t cap = ws->dirty_cap == 0 ? 64 : ws->dirty_cap * 2;
        edge_ws_client_t **d = realloc(ws->dirty, cap * sizeof *d);
        if (d == NULL) {
            cb_wsd_conn_flush(client->conn); /* no batching then, but no stall either */
            return;
        }
        ws->dirty = d;
        ws->dirty_cap = cap;
    }
    if (ws->ndirty == 0) {
        s_arm_flush(ws);
    }
    ws->dirty[ws->ndirty++] = client;
    client->dirty = true;
}

void
edge_ws_client_send(edge_ws_t *ws, edge_ws_client_t *client, cb_wsd_msg_t *msg)
{
    if (client->close_by_ns != 0 || client->conn->dead || client->conn->closing) {
        return;
    }
    cb_wsd_conn_send(client->conn, msg);
    size_t len;
    cb_wsd_msg_payload(msg, &len);
    client->turn_frames++;
    client->turn_bytes += len;
    ws->stats.messages_out++;
    s_mark_dirty(ws, client);
}

void
edge_ws_client_send_out(edge_ws_t *ws, edge_ws_client_t *client)
{
    if (client->close_by_ns != 0 || client->conn->dead || client->conn->closing) {
        return;
    }
    cb_wsd_conn_send_text(client->conn, ws->out.data, ws->out.len);
    client->turn_frames++;
    client->turn_bytes += ws->out.len;
    ws->stats.messages_out++;
    s_mark_dirty(ws, client);
}

void
edge_ws_client_error(edge_ws_t *ws, edge_ws_client_t *client, const char *error, const char *detail)
{
    cb_buf_reset(&ws->out);
    if (edge_ws_render_error(&ws->out, error, detail) == 0) {
        edge_ws_client_send_out(ws, client);
        ws->stats.errors_sent++;
    }
}

void
edge_ws_client_close(edge_ws_t *ws, edge_ws_client_t *client, uint16_t code, const char *reason)
{
    if (client->close_by_ns != 0 || client->conn->dead) {
        return;
    }
    /* Started at the end of the turn: this may run inside cb_wsd's read of
     * the client's frames, where a close would be taken for written. */
    client->close_code = code;
    client->close_reason = reason;
    client->close_by_ns = ws->shared.now_ns + S_CLOSE_GRACE_NS;
    edge_ws_slow_clear(client);
    s_mark_dirty(ws, client);
}

/* ---- the client list -------------------------------------------------------------- */

/* Unlinks client from everything, frees it and hands its connection to cb_wsd. */
static void
s_release(edge_ws_t *ws, edge_ws_client_t *client)
{
    if (client->dirty) {
        for (size_t i = 0; i < ws->ndirty; i++) {
            if (ws->dirty[i] == client) {
                ws->dirty[i] = ws->dirty[--ws->ndirty];
                break;
            }
        }
    }
    edge_ws_auth_release(ws, client);
    edge_ws_req_unsubscribe_all(ws, client);
    edge_ws_slow_clear(client);
    if (client->prev != NULL) {
        client->prev->next = client->next;
    } else {
        ws->clients = client->next;
    }
    if (client->next != NULL) {
        client->next->prev = client->prev;
    }
    ws->nclients--;
    if (client->opened) {
        ws->stats.clients--;
    }
    cb_wsd_conn_free(client->conn);
    free(client->subs);
    free(client);
}

static void
s_reap(edge_ws_t *ws)
{
    for (edge_ws_client_t *c = ws->clients, *next; c != NULL; c = next) {
        next = c->next;
        if (c->conn->dead) {
            s_release(ws, c);
        }
    }
}

/* The flush pass (end of a loop turn, or paced, see s_arm_flush): one
 * write per client for everything queued since the last pass, then the dead
 * are freed. */
static void
s_turn_end(void *ctx)
{
    edge_ws_t *ws = ctx;
    /* Only a pass that writes counts: cb_wsd writes a reply to a client's
     * message at once, leaving the client dirty with nothing queued. */
    bool wrote = false;
    int64_t start = ws->flush_ns > 0 ? cb_time_mono_ns() : 0;
    for (size_t i = 0; i < ws->ndirty; i++) {
        edge_ws_client_t *c = ws->dirty[i];
        c->dirty = false;
        c->turn_frames = 0;
        c->turn_bytes = 0;
        if (c->close_code != 0) {
            cb_wsd_conn_close(c->conn, c->close_code, c->close_reason);
            c->close_code = 0;
        }
        wrote = wrote || cb_wsd_conn_queued(c->conn, NULL) > 0;
        cb_wsd_conn_flush(c->conn);
    }
    ws->ndirty = 0;
    if (wrote && ws->flush_ns > 0) {
        ws->flush_start_ns = start;
        ws->flush_cost_ns = cb_time_mono_ns() - start;
    }
    s_reap(ws);
}

/* ---- cb_wsd callbacks --------------------------------------------------------------- */

static void
s_on_open(void *ctx, cb_wsd_conn_t *conn)
{
    edge_ws_t *ws = ctx;
    edge_ws_client_t *client = conn->owner;
    ws->shared.now_ns = cb_time_now_ns();
    client->opened = true;
    ws->stats.clients++;
    ws->stats.accepted++;
    cb_buf_reset(&ws->out);
    if (edge_ws_render_connected(&ws->out, conn->id, ws->shared.now_ns, &ws->cfg) == 0) {
        edge_ws_client_send_out(ws, client);
    }
    edge_ws_auth_open(ws, client);
}

static void
s_on_text(void *ctx, cb_wsd_conn_t *conn, const char *data, size_t len)
{
    edge_ws_t *ws = ctx;
    edge_ws_client_t *client = conn->owner;
    int64_t now = cb_time_now_ns();
    ws->shared.now_ns = now;
    if (client->close_by_ns != 0) {
        return;
    }
    /* Over the rate: the message is refused with one error per window; a
     * client that goes on (twice the rate in one window, or over it three
     * windows in a row) is closed. */
    if (now - client->rate_window_ns >= 1000000000LL) {
        client->rate_strikes =
            client->rate_count > ws->cfg.max_in_per_sec ? client->rate_strikes + 1 : 0;
        client->rate_window_ns = now;
        client->rate_count = 0;
    }
    client->rate_count++;
    if (client->rate_count > ws->cfg.max_in_per_sec) {
        if (client->rate_count > 2 * ws->cfg.max_in_per_sec || client->rate_strikes >= 2) {
            edge_ws_client_close(ws, client, 1008, "message rate exceeded");
        } else if (client->rate_count == ws->cfg.max_in_per_sec + 1) {
            char detail[96];
            snprintf(detail, sizeof detail, "more than %u messages per second; slow down",
                     (unsigned) ws->cfg.max_in_per_sec);
            edge_ws_client_error(ws, client, "rate_limited", detail);
        }
        return;
    }
    edge_ws_req_handle(ws, client, data, len);
}

static void
s_on_drain(void *ctx, cb_wsd_conn_t *conn)
{
    edge_ws_t *ws = ctx;
    ws->shared.now_ns = cb_time_now_ns();
    edge_ws_slow_drain(ws, conn->owner);
}

static void
s_on_dead(void *ctx, cb_wsd_conn_t *conn)
{
    edge_ws_t *ws = ctx;
    (void) conn;
    if (!ws->stopping) {
        cb_httpd_timer_restart(ws->turn_end, 0); /* reaped there */
    }
}

/* ---- housekeeping ---------------------------------------------------------------------- */

static void
s_house(void *ctx)
{
    edge_ws_t *ws = ctx;
    int64_t now = cb_time_now_ns();
    ws->shared.now_ns = now;
    int64_t ping_ns = ws->cfg.ping_interval_ms * 1000000;
    int64_t idle_ns = ws->cfg.idle_timeout_ms * 1000000;
    int64_t slow_ns = ws->cfg.slow_close_ms * 1000000;
    for (edge_ws_client_t *c = ws->clients; c != NULL; c = c->next) {
        cb_wsd_conn_t *conn = c->conn;
        if (!cb_wsd_conn_open(conn)) {
            continue;
        }
        if (conn->closing && c->close_by_ns == 0) {
            /* cb_wsd closed it (queue overflow, peer's close): the same grace. */
            c->close_by_ns = now + S_CLOSE_GRACE_NS;
        }
        if (c->close_by_ns != 0) {
            if (now >= c->close_by_ns) {
                cb_wsd_conn_abort(conn);
            }
        } else if (c->slow_since_ns != 0 && now - c->slow_since_ns >= slow_ns) {
            ws->stats.slow_closed++;
            cb_log_info("ws_slow_close", "id=%llu lagging_ms=%lld", (unsigned long long) conn->id,
                        (long long) ((now - c->slow_since_ns) / 1000000));
            edge_ws_client_close(ws, c, 1008, "slow consumer");
        } else if (now - conn->last_recv_ns >= idle_ns) {
            edge_ws_client_close(ws, c, 1000, "idle timeout");
        } else if (now - conn->last_ping_ns >= ping_ns) {
            cb_wsd_conn_ping(conn);
            s_mark_dirty(ws, c);
        }
        if (c->close_by_ns == 0) {
            edge_ws_auth_house(ws, c, now);
        }
    }
    edge_ws_push_check_stale(ws);
    s_reap(ws);
}

/* The housekeeping period: a quarter of the shortest timer, 10 ms .. 1 s. */
static int64_t
s_house_ms(const edge_ws_config_t *cfg)
{
    int64_t ms = cfg->ping_interval_ms;
    const int64_t others[] = {cfg->idle_timeout_ms, cfg->stale_ms, cfg->slow_close_ms,
                              cfg->auth_recheck_ms};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        ms = others[i] < ms ? others[i] : ms;
    }
    ms /= 4;
    return ms < 10 ? 10 : ms > 1000 ? 1000 : ms;
}

/* ---- the hub ------------------------------------------------------------------------------ */

edge_ws_t *
edge_ws_new(cb_httpd_t *httpd, edge_cache_t *cache, const edge_ws_config_t *config)
{
    edge_ws_t *ws = calloc(1, sizeof *ws);
    if (ws == NULL) {
        return NULL;
    }
    ws->httpd = httpd;
    ws->cache = cache;
    /* Zero fields take their defaults. */
    edge_ws_config_t d = edge_ws_config_default();
    ws->cfg = config != NULL ? *config : d;
#define S_DEFAULT(f) ws->cfg.f = ws->cfg.f > 0 ? ws->cfg.f : d.f
    S_DEFAULT(max_clients);
    S_DEFAULT(max_msg_bytes);
    S_DEFAULT(queue_msgs);
    S_DEFAULT(queue_bytes);
    S_DEFAULT(slow_close_ms);
    S_DEFAULT(idle_timeout_ms);
    S_DEFAULT(ping_interval_ms);
    S_DEFAULT(stale_ms);
    S_DEFAULT(max_in_per_sec);
    S_DEFAULT(max_subscriptions);
    S_DEFAULT(auth_recheck_ms);
    S_DEFAULT(flush_cost_factor);
#undef S_DEFAULT
    ws->cfg.flush_us = ws->cfg.flush_us == 0 ? d.flush_us : ws->cfg.flush_us;
    ws->flush_ns = ws->cfg.flush_us > 0 ? ws->cfg.flush_us * 1000 : 0;
    ws->shared = (cb_wsd_shared_t){
        .now_ns = cb_time_now_ns(),
        .max_queue_bytes = ws->cfg.queue_bytes * EDGE_WS_HARD_FACTOR,
        .max_queue_msgs = ws->cfg.queue_msgs * EDGE_WS_HARD_FACTOR,
        .max_recv_len = ws->cfg.max_msg_bytes,
        .slow_close_code = 1008,
        .slow_close_reason = "slow consumer: send queue full",
        .ctx = ws,
        .on_open = s_on_open,
        .on_text = s_on_text,
        .on_drain = s_on_drain,
        .on_dead = s_on_dead,
    };
    cb_jdoc_init(&ws->doc);
    ws->turn_end = cb_httpd_timer_new(httpd, 0, 0, s_turn_end, ws);
    int64_t house = s_house_ms(&ws->cfg);
    ws->house = cb_httpd_timer_new(httpd, house, house, s_house, ws);
    if (ws->turn_end == NULL || ws->house == NULL) {
        cb_log_error("ws_new", "cb_httpd_timer_new() failed: out of memory");
        edge_ws_destroy(&ws);
        return NULL;
    }
    return ws;
}

void
edge_ws_destroy(edge_ws_t **ws_p)
{
    if (ws_p == NULL || *ws_p == NULL) {
        return;
    }
    edge_ws_t *ws = *ws_p;
    ws->stopping = true; /* no more upgrades, no more pushes */
    ws->shared.now_ns = cb_time_now_ns();
    for (edge_ws_client_t *c = ws->clients; c != NULL; c = c->next) {
        if (cb_wsd_conn_open(c->conn)) {
            cb_wsd_conn_close(c->conn, 1001, "server going away");
            cb_wsd_conn_flush(c->conn);
        }
    }
    int64_t until = cb_time_mono_ns() + S_DESTROY_DRAIN_MS * 1000000LL;
    while (ws->clients != NULL && ws->turn_end != NULL && cb_time_mono_ns() < until) {
        cb_httpd_run_once(ws->httpd, 10);
        s_reap(ws);
    }
    while (ws->clients != NULL) {
        s_release(ws, ws->clients);
    }
    cb_httpd_timer_destroy(&ws->turn_end);
    cb_httpd_timer_destroy(&ws->house);
    edge_ws_keys_clear(ws);
    edge_ws_streams_clear(ws);
    free(ws->dirty);
    cb_buf_fini(&ws->out);
    cb_buf_fini(&ws->req.id_json);
    cb_jdoc_fini(&ws->doc);
    free(ws);
    *ws_p = NULL;
}

void
edge_ws_set_auth(edge_ws_t *ws, edge_auth_t *auth)
{
    ws->auth = auth;
}

/* Answers an upgrade that is refused, in the API's error shape. */
static int
s_refuse(cb_httpd_res_t *res, int status, const char *error, const char *detail)
{
    char iso[CB_TIME_ISO_LEN];
    cb_time_format_iso(cb_time_now_ns(), iso, sizeof iso);
    res->status = status;
    cb_buf_reset(&res->body);
    cb_buf_appendf(&res->body, "{\"error\":\"%s\",\"detail\":\"%s\",\"timestamp\":\"%s\"}", error,
                   detail, iso);
    return CB_HTTPD_UPGRADE_ANSWERED;
}

int
edge_ws_upgrade(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    edge_ws_t *ws = ctx;
    if (!(req->path_len == 3 && memcmp(req->path, "/ws", 3) == 0)) {
        return CB_HTTPD_UPGRADE_PASS;
    }
    char key[32];
    if (!cb_wsd_is_handshake(req, key, sizeof key)) {
        return s_refuse(res, 400, "bad_request",
                        "/ws takes WebSocket upgrades only (GET, Upgrade: websocket, version 13)");
    }
    if (ws->stopping || ws->nclients >= ws->cfg.max_clients) {
        return s_refuse(res, 503, "unavailable", "too many WebSocket clients; try again later");
    }
    /* An Authorization header authenticates the connection (looked up once
     * it is open); one that is there but not "Bearer <key>" is refused now,
     * as on the HTTP routes. Only the key's hash is kept. */
    size_t alen = 0;
    const char *aval = cb_httpd_req_header(req, "authorization", &alen);
    const char *akey = NULL;
    size_t akey_len = 0;
    edge_auth_outcome_t ao = edge_auth_parse(aval, alen, &akey, &akey_len);
    if (ao == EDGE_AUTH_MALFORMED) {
        cb_httpd_res_header(res, "WWW-Authenticate", edge_auth_challenge(ao, CB_APIKEY_SCOPE_READ));
        return s_refuse(res, 401, "unauthorized", edge_auth_detail(ao));
    }
    edge_ws_client_t *client = calloc(1, sizeof *client);
    cb_wsd_conn_t *conn = calloc(1, sizeof *conn);
    if (client == NULL || conn == NULL) {
        free(client);
        free(conn);
        return s_refuse(res, 503, "unavailable", "out of memory");
    }
    client->hub = ws;
    client->conn = conn;
    if (ao == EDGE_AUTH_OK) {
        char hex[CB_APIKEY_HASH_LEN + 1];
        cb_apikey_hash(akey, akey_len, hex);
        edge_ws_auth_begin(ws, client, hex);
    }
    conn->stats = &ws->wsd_stats;
    conn->id = ++ws->next_id;
    conn->owner = client;
    ws->shared.now_ns = cb_time_now_ns();
    if (cb_wsd_conn_upgrade(conn, &ws->shared, req, key) != 0) {
        cb_wsd_conn_free(conn);
        free(client);
        return s_refuse(res, 400, "bad_request", "WebSocket needs HTTP/1.1");
    }
    client->next = ws->clients;
    if (ws->clients != NULL) {
        ws->clients->prev = client;
    }
    ws->clients = client;
    ws->nclients++;
    return CB_HTTPD_UPGRADE_TAKEN;
}

edge_ws_stats_t
edge_ws_stats(const edge_ws_t *ws)
{
    edge_ws_stats_t s = ws->stats;
    s.slow_closed += ws->wsd_stats.slow_drops;
    return s;
}
