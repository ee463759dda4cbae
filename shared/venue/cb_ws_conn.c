/* cb_ws_conn.c - one WebSocket connection's life on libwebsockets: attempts, backoff, ping, watchdog, frames in and out */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "cb_backoff.h"
#include "cb_buf.h"
#include "cb_log.h"
#include "cb_time.h"
#include "cb_ws.h"
#include "cb_ws_impl.h"

#define S_PROTOCOL "cb-ws"

/* ---- connection bookkeeping -------------------------------------------------- */

static void
s_queue_clear(cb_ws_conn_t *c)
{
    while (c->q_head != NULL) {
        cb_ws_out_t *m = c->q_head;
        c->q_head = m->next;
        free(m);
    }
    c->q_tail = NULL;
    c->q_bytes = 0;
}

void
cb_ws_conn_cancel_timers(cb_ws_conn_t *c)
{
    lws_sul_cancel(&c->sul_retry);
    lws_sul_cancel(&c->sul_ping);
    lws_sul_cancel(&c->sul_watch);
}

void
cb_ws_conn_free(cb_ws_conn_t *c)
{
    cb_ws_t *ws = c->ws;
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        ws->conns = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    }
    cb_ws_conn_cancel_timers(c);
    s_queue_clear(c);
    cb_buf_fini(&c->rx);
    free(c->host);
    free(c->host_header);
    free(c->path);
    free(c);
}

/* Frees c when it was closed and no frame of ours still uses it; true then. */
bool
cb_ws_conn_release(cb_ws_conn_t *c)
{
    if (c->closing && c->in_cb == 0) {
        cb_ws_conn_free(c);
        return true;
    }
    return c->closing;
}

/* The connection (or the attempt) is gone: forgets the socket, tells the
 * handler and schedules the next attempt. wsi may be NULL. c may be freed
 * on return (when the handler closed it and no frame of ours holds it);
 * callers touch c no more. */
static void
s_lost(cb_ws_conn_t *c, struct lws *wsi, const char *reason)
{
    if (wsi != NULL) {
        lws_set_opaque_user_data(wsi, NULL);
    }
    bool was_open = c->state == CB_WS_OPEN;
    c->wsi = NULL;
    c->ping_due = false;
    lws_sul_cancel(&c->sul_ping);
    lws_sul_cancel(&c->sul_watch);
    s_queue_clear(c);
    cb_buf_reset(&c->rx);
    c->kill_reason[0] = '\0';
    c->peer_reason[0] = '\0';
    if (c->closing) {
        cb_ws_conn_release(c);
        return;
    }
    if (!was_open) {
        c->stats.failures++;
    } else if (cb_time_mono_ns() - c->open_ns >= (int64_t) c->o.healthy_ms * 1000000) {
        cb_backoff_reset(&c->backoff);
    }
    c->state = CB_WS_BACKOFF;
    int delay = c->retry_now ? 0 : cb_backoff_next(&c->backoff);
    c->retry_now = false;
    c->stats.backoff_ms = delay;
    lws_sul_schedule(c->ws->ctx, 0, &c->sul_retry, cb_ws_conn_on_retry,
                     (lws_usec_t) delay * LWS_US_PER_MS);
    cb_log_debug("ws_lost", "host=%s path=%s reason=\"%s\" retry_ms=%d", c->host, c->path, reason,
                 delay);
    if (c->h.on_close != NULL) {
        c->ws->events++;
        c->in_cb++;
        c->h.on_close(c, c->ctx, reason);
        c->in_cb--;
    }
    cb_ws_conn_release(c);
}

/* Starts an attempt. May end it at once (s_lost), and c may be freed then. */
static void
s_connect(cb_ws_conn_t *c)
{
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof i);
    i.context = c->ws->ctx;
    i.address = c->host;
    i.port = c->port;
    i.ssl_connection = c->tls ? LCCSCF_USE_SSL : 0;
    i.path = c->path;
    i.host = c->host_header;
    i.origin = c->host_header;
    i.ietf_version_or_minus_one = -1;
    i.local_protocol_name = S_PROTOCOL;
    i.opaque_user_data = c;
    c->state = CB_WS_CONNECTING;
    c->stats.attempts++;
    c->in_cb++;
    struct lws *wsi = lws_client_connect_via_info(&i);
    c->in_cb--;
    if (cb_ws_conn_release(c)) {
        return;
    }
    if (c->state != CB_WS_CONNECTING) {
        return; /* it failed inside the call and was handled there */
    }
    if (wsi == NULL) {
        s_lost(c, NULL, "connect failed");
        return;
    }
    c->wsi = wsi;
}

void
cb_ws_conn_on_retry(lws_sorted_usec_list_t *sul)
{
    cb_ws_conn_t *c = lws_container_of(sul, cb_ws_conn_t, sul_retry);
    cb_ws_t *ws = c->ws;
    unsigned events = ws->events;
    if (c->state == CB_WS_BACKOFF) {
        s_connect(c);
    }
    if (ws->events != events) {
        lws_cancel_service(ws->ctx); /* a handler ran: let cb_ws_service return */
    }
}

/* Closes the socket from our side; s_lost follows (with reason) when
 * libwebsockets reports the close. */
void
cb_ws_conn_kill(cb_ws_conn_t *c, const char *reason)
{
    if (c->wsi == NULL) {
        return;
    }
    snprintf(c->kill_reason, sizeof c->kill_reason, "%s", reason);
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void
s_on_ping(lws_sorted_usec_list_t *sul)
{
    cb_ws_conn_t *c = lws_container_of(sul, cb_ws_conn_t, sul_ping);
    if (c->state != CB_WS_OPEN || c->wsi == NULL) {
        return;
    }
    c->ping_due = true;
    lws_callback_on_writable(c->wsi);
    lws_sul_schedule(c->ws->ctx, 0, &c->sul_ping, s_on_ping,
                     (lws_usec_t) c->o.ping_ms * LWS_US_PER_MS);
}

static void
s_on_watch(lws_sorted_usec_list_t *sul)
{
    cb_ws_conn_t *c = lws_container_of(sul, cb_ws_conn_t, sul_watch);
    if (c->state != CB_WS_OPEN || c->wsi == NULL) {
        return;
    }
    int64_t quiet_ns = cb_time_mono_ns() - c->last_rx_ns;
    int64_t limit_ns = (int64_t) c->o.silence_ms * 1000000;
    if (quiet_ns >= limit_ns) {
        char reason[64];
        snprintf(reason, sizeof reason, "no message for %d ms", c->o.silence_ms);
        c->stats.silence_drops++;
        cb_ws_conn_kill(c, reason);
        return;
    }
    lws_sul_schedule(c->ws->ctx, 0, &c->sul_watch, s_on_watch,
                     (lws_usec_t) ((limit_ns - quiet_ns) / 1000 + 1));
}

/* ---- the libwebsockets callback ------------------------------------------------ */

static int
s_established(cb_ws_conn_t *c, struct lws *wsi)
{
    c->wsi = wsi;
    c->state = CB_WS_OPEN;
    c->stats.connects++;
    if (c->stats.connects > 1) {
        c->stats.reconnects++;
    }
    c->open_ns = c->last_rx_ns = cb_time_mono_ns();
    if (c->o.ping_ms > 0) {
        lws_sul_schedule(c->ws->ctx, 0, &c->sul_ping, s_on_ping,
                         (lws_usec_t) c->o.ping_ms * LWS_US_PER_MS);
    }
    if (c->o.silence_ms > 0) {
        lws_sul_schedule(c->ws->ctx, 0, &c->sul_watch, s_on_watch,
                         (lws_usec_t) c->o.silence_ms * LWS_US_PER_MS);
    }
    if (c->h.on_open != NULL) {
        c->ws->events++;
        c->in_cb++;
        c->h.on_open(c, c->ctx);
        c->in_cb--;
        if (cb_ws_conn_release(c)) {
            return -1;
        }
    }
    if (c->q_head != NULL && c->wsi != NULL) {
        lws_callback_on_writable(c->wsi);
    }
    return 0;
}

static int
s_receive(cb_ws_conn_t *c, struct lws *wsi, const void *in, size_t len)
{
    if (c->rx.len + len > c->o.max_message) {
        char reason[96];
        snprintf(reason, sizeof reason, "message larger than %zu bytes", c->o.max_message);
        s_lost(c, wsi, reason);
        return -1;
    }
    if (cb_buf_append(&c->rx, in, len) != 0) {
        s_lost(c, wsi, "out of memory");
        return -1;
    }
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) {
        return 0;
    }
    c->stats.messages++;
    c->stats.bytes += c->rx.len;
    c->last_rx_ns = c->stats.last_message_ns = cb_time_mono_ns();
    if (c->h.on_message != NULL) {
        c->ws->events++;
        c->in_cb++;
        c->h.on_message(c, c->ctx, c->rx.data != NULL ? c->rx.data : "", c->rx.len);
        c->in_cb--;
        if (cb_ws_conn_release(c)) {
            return -1;
        }
    }
    cb_buf_reset(&c->rx);
    return 0;
}

static int
s_writeable(cb_ws_conn_t *c, struct lws *wsi)
{
    if (c->ping_due) {
        unsigned char buf[LWS_PRE + 8];
        memcpy(buf + LWS_PRE, "cb", 2);
        if (lws_write(wsi, buf + LWS_PRE, 2, LWS_WRITE_PING) < 2) {
            s_lost(c, wsi, "ping write failed");
            return -1;
        }
        c->ping_due = false;
        c->stats.pings++;
    } else if (c->q_head != NULL) {
        cb_ws_out_t *m = c->q_head;
        c->q_head = m->next;
        if (c->q_head == NULL) {
            c->q_tail = NULL;
        }
        c->q_bytes -= m->len;
        int n = lws_write(wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT);
        bool ok = n >= 0 && (size_t) n >= m->len;
        free(m);
        if (!ok) {
            s_lost(c, wsi, "write failed");
            return -1;
        }
        c->stats.sent++;
    }
    if (c->ping_due || c->q_head != NULL) {
        lws_callback_on_writable(wsi);
    }
    return 0;
}

static int
s_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    (void) user;
    cb_ws_conn_t *c = wsi != NULL ? lws_get_opaque_user_data(wsi) : NULL;
    char text[192];
    switch (reason) {
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (c != NULL) {
            snprintf(text, sizeof text, "connect failed: %s",
                     c->kill_reason[0] != '\0' ? c->kill_reason
                     : in != NULL              ? (const char *) in
                                               : "unknown");
            s_lost(c, wsi, text);
        }
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        return c != NULL ? s_established(c, wsi) : -1;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        return c != NULL ? s_receive(c, wsi, in, len) : -1;
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
        if (c != NULL) {
            c->stats.pongs++;
        }
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return c != NULL ? s_writeable(c, wsi) : -1;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (c != NULL) {
            /* The close frame's payload: a 2-byte status, then a reason. */
            const unsigned char *p = in;
            int code = len >= 2 ? (p[0] << 8) | p[1] : 0;
            snprintf(c->peer_reason, sizeof c->peer_reason, "closed by peer (%d%s%.*s)", code,
                     len > 2 ? ": " : "", len > 2 ? (int) (len - 2) : 0,
                     len > 2 ? (const char *) in + 2 : "");
        }
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        if (c != NULL) {
            snprintf(text, sizeof text, "%s",
                     c->kill_reason[0] != '\0'   ? c->kill_reason
                     : c->peer_reason[0] != '\0' ? c->peer_reason
                                                 : "connection closed");
            s_lost(c, wsi, text);
        }
        return 0;
    default:
        return 0;
    }
}

const struct lws_protocols cb_ws_protocols[] = {
    {S_PROTOCOL, s_callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};
