/* cb_ws.c - WebSocket client on libwebsockets: the context, opening (URL, options), sending, the service loop */
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
#include "cb_ws_impl.h"

#define S_DEFAULT_BACKOFF_MIN 250
#define S_DEFAULT_BACKOFF_MAX 30000
#define S_DEFAULT_HEALTHY 10000
#define S_DEFAULT_MAX_MESSAGE ((size_t) 4 << 20)
#define S_DEFAULT_MAX_QUEUE ((size_t) 4 << 20)

static const char *const s_state_names[] = {"connecting", "open", "backoff", "closed"};

const char *
cb_ws_state_name(cb_ws_state_t state)
{
    return (unsigned) state < 4 ? s_state_names[state] : "unknown";
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

/* ---- public API ------------------------------------------------------------------ */

cb_ws_t *
cb_ws_new(bool tls)
{
    lws_set_log_level(LLL_ERR, s_lws_log);
    cb_ws_t *ws = calloc(1, sizeof *ws);
    if (ws == NULL) {
        cb_log_error("ws_init_failed", "error=\"%s\"", cb_strerror(CB_E_NOMEM));
        return NULL;
    }
    ws->tls = tls;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = cb_ws_protocols;
    if (tls) {
        /* wss:// is verified against the system CA bundle (SSL_CERT_FILE or
         * OpenSSL's default file), loaded whole here. */
        const char *ca = getenv(X509_get_default_cert_file_env());
        if (ca == NULL || ca[0] == '\0') {
            ca = X509_get_default_cert_file();
        }
        info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.client_ssl_ca_filepath = access(ca, R_OK) == 0 ? ca : NULL;
    }
    info.gid = -1;
    info.uid = -1;
    info.user = ws;
    /* lws sizes (and zeroes) two tables by the descriptor limit: 16 bytes
     * per descriptor, 16 MB at a container's usual 1048576. */
    info.fd_limit_per_thread = CB_WS_FD_LIMIT;
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
        cb_ws_conn_cancel_timers(c);
        if (c->wsi != NULL) {
            lws_set_opaque_user_data(c->wsi, NULL);
            c->wsi = NULL;
        }
    }
    lws_sul_cancel(&ws->wake);
    lws_context_destroy(ws->ctx);
    while (ws->conns != NULL) {
        cb_ws_conn_free(ws->conns);
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
    const char *why = cb_strerror(rc);
    if (rc == 0 && c->tls && !ws->tls) {
        rc = CB_E_BAD_REQUEST;
        why = "wss:// on a context made without TLS";
    }
    if (rc != 0) {
        cb_log_error("ws_open_failed", "url=%s error=\"%s\"", url, why);
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
    lws_sul_schedule(ws->ctx, 0, &c->sul_retry, cb_ws_conn_on_retry, 0);
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
    cb_ws_out_t *m = malloc(sizeof *m + LWS_PRE + len);
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
    int64_t deadline = cb_time_mono_ns() + (int64_t) timeout_ms * 1000000;
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
    } while (!ws->woke && ws->events == start && cb_time_mono_ns() < deadline);
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
        lws_sul_schedule(conn->ws->ctx, 0, &conn->sul_retry, cb_ws_conn_on_retry, 0);
    } else if (conn->wsi != NULL) {
        conn->retry_now = true;
        cb_ws_conn_kill(conn, "reconnect requested");
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
    cb_ws_conn_cancel_timers(conn);
    if (conn->wsi != NULL) {
        lws_set_opaque_user_data(conn->wsi, NULL);
        lws_set_timeout(conn->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        conn->wsi = NULL;
    }
    cb_ws_conn_release(conn);
}

void
cb_ws_stats(const cb_ws_conn_t *conn, cb_ws_stats_t *out)
{
    *out = conn->stats;
    out->state = conn->state;
}
