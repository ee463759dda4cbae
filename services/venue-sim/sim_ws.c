/* sim_ws.c - venue-sim's WebSocket market streams: Kraken v2 at /kraken/ws/v2, Binance at
 * /binance/ws/<streams> and /binance/stream?streams=.. */
#define H2O_USE_LIBUV 0
#include <stdlib.h>
#include <string.h>

#include <h2o.h>
#include <h2o/websocket.h>

#include "cb_log.h"
#include "cb_time.h"
#include "sim_params.h"
#include "sim_reply.h"
#include "sim_ws.h"
#include "sim_ws_binance.h"
#include "sim_ws_kraken.h"

/* Longest streams=... value accepted (1024 names of ~25 bytes). */
#define S_STREAMS_MAX 32768

struct sim_ws {
    sim_market_t *market;
    sim_ws_config_t cfg;
    cb_wsd_shared_t shared;
    cb_wsd_stats_t stats[SIM_VENUE_COUNT]; /* each connection's stats points at its venue's */
    sim_ws_kraken_t *kraken;
    sim_ws_binance_t *binance;
    cb_wsd_conn_t *conns; /* every connection, upgrading ones included */
    uint64_t next_id;
};

void
sim_ws_config_default(sim_ws_config_t *cfg)
{
    *cfg = (sim_ws_config_t){
        .kraken_heartbeat_ms = 1000,
        .binance_ping_ms = 20000,
        .binance_pong_timeout_ms = 60000,
        .binance_max_age_ms = 24LL * 3600 * 1000,
        .binance_max_in_per_sec = 5,
        .max_queue_bytes = 8u << 20,
        .max_queue_msgs = 65536,
        .max_recv_len = 65536,
    };
}

static sim_venue_t
s_venue_of(size_t inst)
{
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    return inst < count ? all[inst].venue : SIM_VENUE_COUNT;
}

/* The venue a connection streams, from the counters it points at. */
static sim_venue_t
s_conn_venue(const sim_ws_t *ws, const cb_wsd_conn_t *conn)
{
    return (sim_venue_t) (conn->stats - ws->stats);
}

static void
s_on_event(void *ctx, const sim_event_t *ev)
{
    sim_ws_t *ws = ctx;
    sim_venue_t venue = s_venue_of(ev->inst);
    if (venue == SIM_VENUE_KRAKEN) {
        sim_ws_kraken_event(ws->kraken, ev);
    } else if (venue == SIM_VENUE_BINANCE) {
        sim_ws_binance_event(ws->binance, ev);
    }
}

static void
s_on_open(void *ctx, cb_wsd_conn_t *conn)
{
    sim_ws_t *ws = ctx;
    ws->shared.now_ns = cb_time_now_ns();
    conn->stats->connections++;
    conn->stats->accepted++;
    if (s_conn_venue(ws, conn) == SIM_VENUE_KRAKEN) {
        sim_ws_kraken_open(ws->kraken, conn);
    }
}

static void
s_on_text(void *ctx, cb_wsd_conn_t *conn, const char *data, size_t len)
{
    sim_ws_t *ws = ctx;
    ws->shared.now_ns = cb_time_now_ns();
    if (s_conn_venue(ws, conn) == SIM_VENUE_KRAKEN) {
        sim_ws_kraken_text(ws->kraken, conn, data, len);
    } else {
        sim_ws_binance_text(ws->binance, conn, data, len);
    }
}

static void
s_unlink(sim_ws_t *ws, cb_wsd_conn_t *conn)
{
    if (conn->prev != NULL) {
        conn->prev->next = conn->next;
    } else {
        ws->conns = conn->next;
    }
    if (conn->next != NULL) {
        conn->next->prev = conn->prev;
    }
}

/* Unlinks, detaches and frees conn. */
static void
s_release(sim_ws_t *ws, cb_wsd_conn_t *conn)
{
    s_unlink(ws, conn);
    if (conn->wslay != NULL) {
        conn->stats->connections--;
    }
    if (s_conn_venue(ws, conn) == SIM_VENUE_KRAKEN) {
        sim_ws_kraken_detach(ws->kraken, conn);
    } else {
        sim_ws_binance_detach(ws->binance, conn);
    }
    cb_wsd_conn_free(conn);
}

static void
s_reap(sim_ws_t *ws)
{
    for (cb_wsd_conn_t *c = ws->conns, *next; c != NULL; c = next) {
        next = c->next;
        if (c->dead) {
            s_release(ws, c);
        }
    }
}

sim_ws_t *
sim_ws_new(sim_market_t *market, const sim_ws_config_t *cfg)
{
    sim_ws_t *ws = calloc(1, sizeof *ws);
    if (ws == NULL) {
        return NULL;
    }
    ws->market = market;
    if (cfg != NULL) {
        ws->cfg = *cfg;
    } else {
        sim_ws_config_default(&ws->cfg);
    }
    ws->shared.now_ns = cb_time_now_ns();
    ws->shared.max_queue_bytes = ws->cfg.max_queue_bytes;
    ws->shared.max_queue_msgs = ws->cfg.max_queue_msgs;
    ws->shared.max_recv_len = ws->cfg.max_recv_len;
    ws->shared.ctx = ws;
    ws->shared.on_open = s_on_open;
    ws->shared.on_text = s_on_text;
    ws->kraken = sim_ws_kraken_new(market, &ws->shared);
    ws->binance = sim_ws_binance_new(market, &ws->shared);
    if (ws->kraken == NULL || ws->binance == NULL || !sim_market_listen(market, s_on_event, ws)) {
        sim_ws_kraken_destroy(&ws->kraken);
        sim_ws_binance_destroy(&ws->binance);
        free(ws);
        return NULL;
    }
    return ws;
}

void
sim_ws_destroy(sim_ws_t **ws_p)
{
    if (ws_p == NULL || *ws_p == NULL) {
        return;
    }
    sim_ws_t *ws = *ws_p;
    sim_market_unlisten(ws->market, s_on_event, ws);
    while (ws->conns != NULL) {
        s_release(ws, ws->conns);
    }
    sim_ws_kraken_destroy(&ws->kraken);
    sim_ws_binance_destroy(&ws->binance);
    free(ws);
    *ws_p = NULL;
}

/* Decodes %xx escapes of len bytes at in into out (size bytes); false when
 * malformed or too long. */
static bool
s_unescape(const char *in, size_t len, char *out, size_t size, size_t *out_len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = in[i];
        if (ch == '%') {
            char hex[3] = {0};
            if (i + 2 >= len) {
                return false;
            }
            hex[0] = in[i + 1];
            hex[1] = in[i + 2];
            char *end;
            long v = strtol(hex, &end, 16);
            if (end != hex + 2 || v == 0) {
                return false;
            }
            ch = (char) v;
            i += 2;
        }
        if (n + 1 >= size) {
            return false;
        }
        out[n++] = ch;
    }
    out[n] = '\0';
    *out_len = n;
    return true;
}

static int
s_answer(cb_httpd_res_t *res, int status, const char *body)
{
    res->status = status;
    cb_buf_reset(&res->body);
    cb_buf_append_str(&res->body, body);
    if (status == 426) {
        cb_httpd_res_header(res, "upgrade", "websocket");
    }
    return CB_HTTPD_UPGRADE_ANSWERED;
}

int
sim_ws_upgrade(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    sim_ws_t *ws = ctx;
    sim_venue_t venue;
    bool combined = false;
    const char *streams = "";
    size_t streams_len = 0;
    if (sim_reply_name_is(req->path, req->path_len, "/kraken/ws/v2") ||
        sim_reply_name_is(req->path, req->path_len, "/kraken/ws/v2/")) {
        venue = SIM_VENUE_KRAKEN;
    } else if (sim_reply_name_is(req->path, req->path_len, "/binance/ws") ||
               sim_reply_path_has_prefix(req, "/binance/ws/")) {
        venue = SIM_VENUE_BINANCE;
        streams = req->path_len > 12 ? req->path + 12 : "";
        streams_len = req->path_len > 12 ? req->path_len - 12 : 0;
    } else if (sim_reply_name_is(req->path, req->path_len, "/binance/stream") ||
               sim_reply_name_is(req->path, req->path_len, "/binance/stream/")) {
        venue = SIM_VENUE_BINANCE;
        combined = true;
    } else {
        return CB_HTTPD_UPGRADE_PASS;
    }
    h2o_req_t *h = (h2o_req_t *) req->opaque;
    const char *key = NULL;
    if (h2o_is_websocket_handshake(h, &key) != 0) {
        return s_answer(
            res, 400,
            "{\"error\":\"bad WebSocket handshake: Sec-WebSocket-Key must be 24 bytes\"}");
    }
    if (key == NULL) {
        return s_answer(
            res, 426,
            "{\"error\":\"this path serves WebSocket connections only (GET with Upgrade)\"}");
    }
    char *decoded = malloc(S_STREAMS_MAX);
    bool ok = decoded != NULL;
    if (ok && combined) {
        bool present = false;
        ok = sim_param(req->query, req->query_len, "streams", decoded, S_STREAMS_MAX, &present) ||
             !present;
        streams_len = present && ok ? strlen(decoded) : 0;
    } else if (ok) {
        ok = s_unescape(streams, streams_len, decoded, S_STREAMS_MAX, &streams_len);
    }
    cb_wsd_conn_t *conn = ok ? calloc(1, sizeof *conn) : NULL;
    int rc = conn == NULL ? -1 : 0;
    if (conn != NULL) {
        conn->stats = &ws->stats[venue];
        conn->id = ++ws->next_id;
        rc = venue == SIM_VENUE_KRAKEN
                 ? sim_ws_kraken_attach(ws->kraken, conn)
                 : sim_ws_binance_attach(ws->binance, conn, decoded, streams_len, combined);
    }
    free(decoded);
    if (rc != 0) {
        free(conn);
        return s_answer(res, 400, "{\"code\":2,\"msg\":\"Invalid request: invalid stream\"}");
    }
    if (venue == SIM_VENUE_BINANCE) {
        conn->max_in_per_sec = ws->cfg.binance_max_in_per_sec;
    }
    ws->shared.now_ns = cb_time_now_ns();
    if (cb_wsd_conn_upgrade(conn, &ws->shared, req, key) != 0) {
        if (venue == SIM_VENUE_KRAKEN) {
            sim_ws_kraken_detach(ws->kraken, conn);
        } else {
            sim_ws_binance_detach(ws->binance, conn);
        }
        cb_wsd_conn_free(conn);
        return s_answer(res, 400, "{\"error\":\"WebSocket needs HTTP/1.1\"}");
    }
    conn->next = ws->conns;
    if (ws->conns != NULL) {
        ws->conns->prev = conn;
    }
    ws->conns = conn;
    return CB_HTTPD_UPGRADE_TAKEN;
}

/* A Binance connection's timers: the 24 h limit, pings and their answers. */
static void
s_binance_timers(sim_ws_t *ws, cb_wsd_conn_t *conn, int64_t now)
{
    cb_wsd_stats_t *st = &ws->stats[SIM_VENUE_BINANCE];
    if (st->stall_until_ns > now) {
        return; /* nothing goes out, so nothing can be answered */
    }
    int64_t answered =
        conn->last_pong_ns > st->stall_until_ns ? conn->last_pong_ns : st->stall_until_ns;
    if (now - conn->created_ns >= ws->cfg.binance_max_age_ms * 1000000) {
        cb_wsd_conn_close(conn, 1000, "connection lifetime of 24 hours reached");
    } else if (now - answered > ws->cfg.binance_pong_timeout_ms * 1000000) {
        st->ping_drops++;
        cb_wsd_conn_abort(conn);
    } else if (now - conn->last_ping_ns >= ws->cfg.binance_ping_ms * 1000000) {
        cb_wsd_conn_ping(conn);
    }
}

int
sim_ws_tick(sim_ws_t *ws, int64_t now_ns)
{
    ws->shared.now_ns = now_ns;
    sim_ws_kraken_flush(ws->kraken);
    int64_t wait = sim_ws_binance_flush(ws->binance);
    for (cb_wsd_conn_t *c = ws->conns; c != NULL; c = c->next) {
        if (c->dead || !cb_wsd_conn_open(c)) {
            continue;
        }
        if (s_conn_venue(ws, c) == SIM_VENUE_KRAKEN) {
            sim_ws_kraken_heartbeat(ws->kraken, c, ws->cfg.kraken_heartbeat_ms * 1000000);
        } else {
            s_binance_timers(ws, c, now_ns);
        }
    }
    s_reap(ws);
    for (cb_wsd_conn_t *c = ws->conns; c != NULL; c = c->next) {
        cb_wsd_conn_flush(c);
    }
    if (ws->conns != NULL && wait > 100000000) {
        wait = 100000000; /* heartbeats, pings and timeouts */
    }
    for (int v = 0; v < SIM_VENUE_COUNT; v++) {
        int64_t until = ws->stats[v].stall_until_ns;
        if (until > now_ns && until - now_ns < wait) {
            wait = until - now_ns;
        }
    }
    return wait >= 1000000000 ? 1000 : (int) ((wait + 999999) / 1000000);
}

static const char *
s_name(sim_venue_t venue)
{
    return venue == SIM_VENUE_KRAKEN ? "kraken" : "binance";
}

int
sim_ws_fault_drop(sim_ws_t *ws, sim_venue_t venue)
{
    int n = 0;
    for (cb_wsd_conn_t *c = ws->conns; c != NULL; c = c->next) {
        if (s_conn_venue(ws, c) == venue && !c->dead) {
            cb_wsd_conn_abort(c);
            n++;
        }
    }
    s_reap(ws);
    cb_log_info("ws_fault", "venue=%s fault=drop connections=%d", s_name(venue), n);
    return n;
}

int
sim_ws_fault_stall(sim_ws_t *ws, sim_venue_t venue, int ms)
{
    ws->stats[venue].stall_until_ns = cb_time_now_ns() + (int64_t) ms * 1000000;
    cb_log_info("ws_fault", "venue=%s fault=stall ms=%d", s_name(venue), ms);
    return (int) ws->stats[venue].connections;
}

int
sim_ws_fault_corrupt_checksum(sim_ws_t *ws, sim_venue_t venue)
{
    if (venue != SIM_VENUE_KRAKEN) {
        return -1;
    }
    cb_log_info("ws_fault", "venue=%s fault=corrupt_checksum", s_name(venue));
    return sim_ws_kraken_fault_checksum(ws->kraken);
}

int
sim_ws_fault_gap(sim_ws_t *ws, sim_venue_t venue)
{
    cb_log_info("ws_fault", "venue=%s fault=gap", s_name(venue));
    return venue == SIM_VENUE_KRAKEN ? sim_ws_kraken_fault_gap(ws->kraken)
                                     : sim_ws_binance_fault_gap(ws->binance);
}

void
sim_ws_stats(const sim_ws_t *ws, sim_venue_t venue, sim_ws_stats_t *out)
{
    *out = ws->stats[venue];
}
