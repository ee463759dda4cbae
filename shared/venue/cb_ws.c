/* cb_ws.c - WebSocket client on libwebsockets: reassembly, pings, watchdog, backoff reconnects */
#include "cb_ws.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <openssl/x509.h>

#include "cb_backoff.h"
#include "cb_buf.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_time.h"

#define S_PROTOCOL "cb-ws"
#define S_DEFAULT_BACKOFF_MIN 250
#define S_DEFAULT_BACKOFF_MAX 30000
#define S_DEFAULT_HEALTHY 10000
#define S_DEFAULT_MAX_MESSAGE ((size_t) 4 << 20)
#define S_DEFAULT_MAX_QUEUE ((size_t) 4 << 20)

/* One queued text frame, with the headroom lws_write needs before it. */
typedef struct s_out {
    struct s_out *next;
    size_t len;
    unsigned char data[];
} s_out_t;

struct cb_ws_conn {
    cb_ws_conn_t *prev, *next; /* in the owner's list */
    cb_ws_t *ws;
    struct lws *wsi; /* NULL while in backoff (and before the attempt returns) */
    cb_ws_handlers_t h;
    void *ctx;
    cb_ws_opts_t o;
    bool tls;
    int port;
    char *host;
    char *host_header;
    char *path;
    cb_ws_state_t state;
    bool closing;   /* cb_ws_close was called: free once no frame of ours is on the stack */
    bool retry_now; /* cb_ws_reconnect: the next backoff is zero */
    bool ping_due;
    int in_cb; /* depth of our frames that use the conn after a handler returns */
    cb_backoff_t backoff;
    int64_t open_ns;
    int64_t last_rx_ns;
    char kill_reason[128];
    char peer_reason[128];
    cb_buf_t rx;
    s_out_t *q_head, *q_tail;
    size_t q_bytes;
    lws_sorted_usec_list_t sul_retry;
    lws_sorted_usec_list_t sul_ping;
    lws_sorted_usec_list_t sul_watch;
    cb_ws_stats_t stats;
};

struct cb_ws {
    struct lws_context *ctx;
    cb_ws_conn_t *conns;
    lws_sorted_usec_list_t wake;
    bool woke;
    unsigned events; /* handler calls made, for cb_ws_service's answer */
};

static const char *const s_state_names[] = {"connecting", "open", "backoff", "closed"};

const char *
cb_ws_state_name(cb_ws_state_t state)
{
    return (unsigned) state < 4 ? s_state_names[state] : "unknown";
}

static int64_t
s_now_ns(void)
{
    return cb_time_mono_ns();
}

static void
s_lws_log(int level, const char *line)
{
    (void) level;
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        len--;
    }
    cb_log_error("ws_lws", "line=\"%.*s\"", (int) len, line);
}

/* ---- connection bookkeeping -------------------------------------------------- */

static void
s_queue_clear(cb_ws_conn_t *c)
{
    while (c->q_head != NULL) {
        s_out_t *m = c->q_head;
        c->q_head = m->next;
        free(m);
    }
    c->q_tail = NULL;
    c->q_bytes = 0;
}

static void
s_cancel_timers(cb_ws_conn_t *c)
{
    lws_sul_cancel(&c->sul_retry);
    lws_sul_cancel(&c->sul_ping);
    lws_sul_cancel(&c->sul_watch);
}

static void
s_conn_free(cb_ws_conn_t *c)
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
    s_cancel_timers(c);
    s_queue_clear(c);
    cb_buf_fini(&c->rx);
    free(c->host);
    free(c->host_header);
    free(c->path);
    free(c);
}

/* Frees c when it was closed and no frame of ours still uses it; true then. */
static bool
s_release(cb_ws_conn_t *c)
{
    if (c->closing && c->in_cb == 0) {
        s_conn_free(c);
        return true;
    }
    return c->closing;
}

static void s_on_retry(lws_sorted_usec_list_t *sul);

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
        s_release(c);
        return;
    }
    if (!was_open) {
        c->stats.failures++;
    } else if (s_now_ns() - c->open_ns >= (int64_t) c->o.healthy_ms * 1000000) {
        cb_backoff_reset(&c->backoff);
    }
    c->state = CB_WS_BACKOFF;
    int delay = c->retry_now ? 0 : cb_backoff_next(&c->backoff);
    c->retry_now = false;
    c->stats.backoff_ms = delay;
    lws_sul_schedule(c->ws->ctx, 0, &c->sul_retry, s_on_retry, (lws_usec_t) delay * LWS_US_PER_MS);
    cb_log_debug("ws_lost", "host=%s path=%s reason=\"%s\" retry_ms=%d", c->host, c->path, reason,
                 delay);
    if (c->h.on_close != NULL) {
        c->ws->events++;
        c->in_cb++;
        c->h.on_close(c, c->ctx, reason);
        c->in_cb--;
    }
    s_release(c);
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
    if (s_release(c)) {
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

static void
s_on_retry(lws_sorted_usec_list_t *sul)
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
static void
s_kill(cb_ws_conn_t *c, const char *reason)
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
    int64_t quiet_ns = s_now_ns() - c->last_rx_ns;
    int64_t limit_ns = (int64_t) c->o.silence_ms * 1000000;
    if (quiet_ns >= limit_ns) {
        char reason[64];
        snprintf(reason, sizeof reason, "no message for %d ms", c->o.silence_ms);
        c->stats.silence_drops++;
        s_kill(c, reason);
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
    c->open_ns = c->last_rx_ns = s_now_ns();
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
        if (s_release(c)) {
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
    c->last_rx_ns = c->stats.last_message_ns = s_now_ns();
    if (c->h.on_message != NULL) {
        c->ws->events++;
        c->in_cb++;
        c->h.on_message(c, c->ctx, c->rx.data != NULL ? c->rx.data : "", c->rx.len);
        c->in_cb--;
        if (s_release(c)) {
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
        s_out_t *m = c->q_head;
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

static const struct lws_protocols s_protocols[] = {
    {S_PROTOCOL, s_callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- public API ------------------------------------------------------------------ */

cb_ws_t *
cb_ws_new(void)
{
    lws_set_log_level(LLL_ERR, s_lws_log);
    cb_ws_t *ws = calloc(1, sizeof *ws);
    if (ws == NULL) {
        cb_log_error("ws_init_failed", "error=\"%s\"", cb_strerror(CB_E_NOMEM));
        return NULL;
    }
    /* wss:// is verified against the system CA bundle (SSL_CERT_FILE or
     * OpenSSL's default file). */
    const char *ca = getenv(X509_get_default_cert_file_env());
    if (ca == NULL || ca[0] == '\0') {
        ca = X509_get_default_cert_file();
    }
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = s_protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.gid = -1;
    info.uid = -1;
    info.client_ssl_ca_filepath = access(ca, R_OK) == 0 ? ca : NULL;
    info.user = ws;
    ws->ctx = lws_create_context(&info);
    if (ws->ctx == NULL) {
        cb_log_error("ws_init_failed", "call=lws_create_context");
        free(ws);
        return NULL;
    }
    return ws;
}

void
cb_ws_destroy(cb_ws_t **ws_p)
{
    if (ws_p == NULL || *ws_p == NULL) {
        return;
    }
    cb_ws_t *ws = *ws_p;
    *ws_p = NULL;
    /* Detach every socket first: the context's teardown reports their
     * closes, which must find no connection to call back. */
    for (cb_ws_conn_t *c = ws->conns; c != NULL; c = c->next) {
        c->closing = true;
        s_cancel_timers(c);
        if (c->wsi != NULL) {
            lws_set_opaque_user_data(c->wsi, NULL);
            c->wsi = NULL;
        }
    }
    lws_sul_cancel(&ws->wake);
    lws_context_destroy(ws->ctx);
    while (ws->conns != NULL) {
        s_conn_free(ws->conns);
    }
    free(ws);
}

/* Splits ws[s]://host[:port][/path][?query]. 0 or CB_E_PARSE. */
static int
s_parse_url(cb_ws_conn_t *c, const char *url)
{
    const char *p;
    if (strncmp(url, "wss://", 6) == 0) {
        c->tls = true;
        c->port = 443;
        p = url + 6;
    } else if (strncmp(url, "ws://", 5) == 0) {
        c->port = 80;
        p = url + 5;
    } else {
        return CB_E_PARSE;
    }
    size_t hlen = strcspn(p, ":/?");
    if (hlen == 0 || hlen > 253) {
        return CB_E_PARSE;
    }
    const char *q = p + hlen;
    bool explicit_port = false;
    if (*q == ':') {
        char *end;
        long port = strtol(q + 1, &end, 10);
        if (end == q + 1 || port < 1 || port > 65535 ||
            (*end != '\0' && *end != '/' && *end != '?')) {
            return CB_E_PARSE;
        }
        c->port = (int) port;
        explicit_port = true;
        q = end;
    }
    c->host = strndup(p, hlen);
    size_t hh = hlen + 8;
    c->host_header = malloc(hh);
    size_t plen = strlen(q);
    c->path = malloc(plen + 2);
    if (c->host == NULL || c->host_header == NULL || c->path == NULL) {
        return CB_E_NOMEM;
    }
    if (explicit_port) {
        snprintf(c->host_header, hh, "%.*s:%d", (int) hlen, p, c->port);
    } else {
        snprintf(c->host_header, hh, "%.*s", (int) hlen, p);
    }
    snprintf(c->path, plen + 2, "%s%s", *q == '/' ? "" : "/", q);
    return 0;
}

cb_ws_conn_t *
cb_ws_open(cb_ws_t *ws, const char *url, const cb_ws_handlers_t *h, void *ctx,
           const cb_ws_opts_t *o)
{
    assert(ws != NULL && url != NULL);
    cb_ws_conn_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        cb_log_error("ws_open_failed", "url=%s error=\"%s\"", url, cb_strerror(CB_E_NOMEM));
        return NULL;
    }
    c->ws = ws;
    cb_buf_init(&c->rx);
    int rc = s_parse_url(c, url);
    if (rc != 0) {
        cb_log_error("ws_open_failed", "url=%s error=\"%s\"", url, cb_strerror(rc));
        free(c->host);
        free(c->host_header);
        free(c->path);
        free(c);
        return NULL;
    }
    if (h != NULL) {
        c->h = *h;
    }
    c->ctx = ctx;
    if (o != NULL) {
        c->o = *o;
    }
    if (c->o.backoff_min_ms <= 0) {
        c->o.backoff_min_ms = S_DEFAULT_BACKOFF_MIN;
    }
    if (c->o.backoff_max_ms <= 0) {
        c->o.backoff_max_ms = S_DEFAULT_BACKOFF_MAX;
    }
    if (c->o.backoff_max_ms < c->o.backoff_min_ms) {
        c->o.backoff_max_ms = c->o.backoff_min_ms;
    }
    if (c->o.healthy_ms <= 0) {
        c->o.healthy_ms = S_DEFAULT_HEALTHY;
    }
    if (c->o.max_message == 0) {
        c->o.max_message = S_DEFAULT_MAX_MESSAGE;
    }
    if (c->o.max_queue == 0) {
        c->o.max_queue = S_DEFAULT_MAX_QUEUE;
    }
    cb_backoff_init(&c->backoff, c->o.backoff_min_ms, c->o.backoff_max_ms, c->o.jitter_seed);
    c->next = ws->conns;
    if (ws->conns != NULL) {
        ws->conns->prev = c;
    }
    ws->conns = c;
    /* The first attempt starts from the loop, so that no handler runs
     * from here even when it fails at once. */
    c->state = CB_WS_BACKOFF;
    lws_sul_schedule(ws->ctx, 0, &c->sul_retry, s_on_retry, 0);
    return c;
}

int
cb_ws_send(cb_ws_conn_t *conn, const char *text, size_t len)
{
    assert(conn != NULL && (text != NULL || len == 0));
    if (conn->state != CB_WS_OPEN || conn->wsi == NULL || conn->closing) {
        return CB_E_CLOSED;
    }
    if (conn->q_bytes + len > conn->o.max_queue) {
        return CB_E_TOO_BIG;
    }
    s_out_t *m = malloc(sizeof *m + LWS_PRE + len);
    if (m == NULL) {
        return CB_E_NOMEM;
    }
    m->next = NULL;
    m->len = len;
    if (len > 0) {
        memcpy(m->data + LWS_PRE, text, len);
    }
    if (conn->q_tail != NULL) {
        conn->q_tail->next = m;
    } else {
        conn->q_head = m;
    }
    conn->q_tail = m;
    conn->q_bytes += len;
    lws_callback_on_writable(conn->wsi);
    return 0;
}

static void
s_on_wake(lws_sorted_usec_list_t *sul)
{
    cb_ws_t *ws = lws_container_of(sul, cb_ws_t, wake);
    ws->woke = true;
    /* Timers run before libwebsockets computes its wait, and that wait
     * then lasts until the next timer (seconds away): wake the poll. */
    lws_cancel_service(ws->ctx);
}

int
cb_ws_service(cb_ws_t *ws, int timeout_ms)
{
    assert(ws != NULL);
    if (timeout_ms < 0) {
        timeout_ms = 0;
    }
    unsigned start = ws->events;
    int64_t deadline = s_now_ns() + (int64_t) timeout_ms * 1000000;
    ws->woke = false;
    /* libwebsockets waits until its next timer whatever lws_service is
     * told: this timer bounds the wait. */
    lws_sul_schedule(ws->ctx, 0, &ws->wake, s_on_wake, (lws_usec_t) timeout_ms * LWS_US_PER_MS);
    int rc = 0;
    do {
        if (lws_service(ws->ctx, 0) < 0) {
            cb_log_error("ws_service_failed", "call=lws_service");
            rc = CB_E_INTERNAL;
            break;
        }
    } while (!ws->woke && ws->events == start && s_now_ns() < deadline);
    lws_sul_cancel(&ws->wake);
    return rc != 0 ? rc : (int) (ws->events - start);
}

void
cb_ws_reconnect(cb_ws_conn_t *conn)
{
    assert(conn != NULL);
    if (conn->closing) {
        return;
    }
    if (conn->state == CB_WS_BACKOFF) {
        lws_sul_schedule(conn->ws->ctx, 0, &conn->sul_retry, s_on_retry, 0);
    } else if (conn->wsi != NULL) {
        conn->retry_now = true;
        s_kill(conn, "reconnect requested");
    }
}

void
cb_ws_close(cb_ws_conn_t *conn)
{
    if (conn == NULL || conn->closing) {
        return;
    }
    conn->closing = true;
    conn->state = CB_WS_CLOSED;
    s_cancel_timers(conn);
    if (conn->wsi != NULL) {
        lws_set_opaque_user_data(conn->wsi, NULL);
        lws_set_timeout(conn->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        conn->wsi = NULL;
    }
    s_release(conn);
}

void
cb_ws_stats(const cb_ws_conn_t *conn, cb_ws_stats_t *out)
{
    *out = conn->stats;
    out->state = conn->state;
}
