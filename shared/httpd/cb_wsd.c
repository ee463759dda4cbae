/* cb_wsd.c - server-side WebSocket connections on upgraded cb_httpd sockets: wslay reads frames, a bounded queue of shared frames goes out */
#define H2O_USE_LIBUV 0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <h2o.h>
#include <h2o/http1.h>
#include <h2o/websocket.h>
#include <openssl/sha.h>
#include <wslay/wslay.h>

#include "cb_error.h"
#include "cb_httpd_impl.h"
#include "cb_wsd.h"

/* Frames handed to one socket write (one writev). */
#define S_BATCH 64
#define S_HEADROOM 10
#define S_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct cb_wsd_msg {
    uint32_t refs;
    size_t len;           /* frame length: header and payload */
    unsigned char *frame; /* into buf */
    size_t payload_len;
    unsigned char buf[]; /* S_HEADROOM bytes for the header, then the payload */
};

cb_wsd_msg_t *
cb_wsd_msg_new(const void *payload, size_t len, int opcode)
{
    cb_wsd_msg_t *m = malloc(sizeof *m + S_HEADROOM + len);
    if (m == NULL) {
        return NULL;
    }
    unsigned char hdr[S_HEADROOM];
    size_t h = 2;
    hdr[0] = (unsigned char) (0x80 | (opcode & 0x0f));
    if (len < 126) {
        hdr[1] = (unsigned char) len;
    } else if (len < 65536) {
        hdr[1] = 126;
        hdr[2] = (unsigned char) (len >> 8);
        hdr[3] = (unsigned char) len;
        h = 4;
    } else {
        hdr[1] = 127;
        for (int i = 0; i < 8; i++) {
            hdr[2 + i] = (unsigned char) ((uint64_t) len >> (56 - 8 * i));
        }
        h = 10;
    }
    m->refs = 1;
    m->frame = m->buf + S_HEADROOM - h;
    memcpy(m->frame, hdr, h);
    if (len > 0) {
        memcpy(m->buf + S_HEADROOM, payload, len);
    }
    m->len = h + len;
    m->payload_len = len;
    return m;
}

cb_wsd_msg_t *
cb_wsd_msg_from_buf(const cb_buf_t *buf)
{
    return cb_wsd_msg_new(buf->data, buf->len, CB_WSD_TEXT);
}

void
cb_wsd_msg_ref(cb_wsd_msg_t *msg)
{
    msg->refs++;
}

void
cb_wsd_msg_unref(cb_wsd_msg_t *msg)
{
    if (msg != NULL && --msg->refs == 0) {
        free(msg);
    }
}

const char *
cb_wsd_msg_payload(const cb_wsd_msg_t *msg, size_t *len)
{
    *len = msg->payload_len;
    return (const char *) msg->buf + S_HEADROOM;
}

/* ---- the queue ------------------------------------------------------------ */

/* Marks conn dead (once) and tells the owner. */
static void
s_dead(cb_wsd_conn_t *conn)
{
    if (conn->dead) {
        return;
    }
    conn->dead = true;
    if (conn->shared->on_dead != NULL) {
        conn->shared->on_dead(conn->shared->ctx, conn);
    }
}

/* Drops the frames not yet given to the socket. */
static void
s_drop_unsent(cb_wsd_conn_t *conn)
{
    for (size_t i = conn->inflight; i < conn->q_len; i++) {
        cb_wsd_msg_t *m = conn->queue[(conn->q_head + i) % conn->q_cap];
        conn->q_bytes -= m->len;
        cb_wsd_msg_unref(m);
    }
    conn->q_len = conn->inflight;
}

static void s_queue_close(cb_wsd_conn_t *conn, uint16_t code, const char *reason);

/* Appends msg; enforce applies the limits (control frames always go). */
static void
s_push(cb_wsd_conn_t *conn, cb_wsd_msg_t *msg, bool enforce)
{
    if (conn->dead) {
        return;
    }
    bool over = enforce && (conn->q_bytes + msg->len > conn->shared->max_queue_bytes ||
                            conn->q_len >= conn->shared->max_queue_msgs);
    if (!over && conn->q_len == conn->q_cap) {
        size_t cap = conn->q_cap == 0 ? 16 : conn->q_cap * 2;
        cb_wsd_msg_t **q = malloc(cap * sizeof *q);
        if (q == NULL) {
            over = true;
        } else {
            for (size_t i = 0; i < conn->q_len; i++) {
                q[i] = conn->queue[(conn->q_head + i) % conn->q_cap];
            }
            free(conn->queue);
            conn->queue = q;
            conn->q_head = 0;
            conn->q_cap = cap;
        }
    }
    if (over) {
        /* A client that does not read is dropped rather than buffered:
         * at once, or after a close frame that replaces what it missed. */
        conn->stats->slow_drops++;
        if (conn->shared->slow_close_code == 0 || conn->wslay == NULL) {
            s_dead(conn);
            return;
        }
        s_drop_unsent(conn);
        s_queue_close(conn, conn->shared->slow_close_code,
                      conn->shared->slow_close_reason != NULL ? conn->shared->slow_close_reason
                                                              : "slow client");
        return;
    }
    cb_wsd_msg_ref(msg);
    conn->queue[(conn->q_head + conn->q_len) % conn->q_cap] = msg;
    conn->q_len++;
    conn->q_bytes += msg->len;
    conn->last_send_ns = conn->shared->now_ns;
}

void
cb_wsd_conn_send(cb_wsd_conn_t *conn, cb_wsd_msg_t *msg)
{
    if (!conn->closing) {
        s_push(conn, msg, true);
    }
}

void
cb_wsd_conn_send_text(cb_wsd_conn_t *conn, const char *text, size_t len)
{
    if (conn->dead || conn->closing) {
        return;
    }
    cb_wsd_msg_t *m = cb_wsd_msg_new(text, len, CB_WSD_TEXT);
    if (m == NULL) {
        s_dead(conn);
        return;
    }
    s_push(conn, m, true);
    cb_wsd_msg_unref(m);
}

/* Queues what wslay wrote (pongs, close frames). */
static void
s_push_ctrl(cb_wsd_conn_t *conn)
{
    if (conn->wslay != NULL && wslay_event_want_write(conn->wslay)) {
        if (wslay_event_send(conn->wslay) != 0) {
            s_dead(conn);
        }
    }
    if (conn->ctrl.len == 0) {
        return;
    }
    /* The frames are already framed: queue them as they are. */
    cb_wsd_msg_t *m = malloc(sizeof *m + conn->ctrl.len);
    if (m == NULL) {
        s_dead(conn);
    } else {
        m->refs = 1;
        m->frame = m->buf;
        m->len = conn->ctrl.len;
        m->payload_len = 0;
        memcpy(m->buf, conn->ctrl.data, conn->ctrl.len);
        s_push(conn, m, false);
        cb_wsd_msg_unref(m);
    }
    cb_buf_reset(&conn->ctrl);
}

static void s_on_written(h2o_socket_t *sock, const char *err);

static bool
s_stalled(cb_wsd_conn_t *conn)
{
    return conn->stats->stall_until_ns > conn->shared->now_ns;
}

void
cb_wsd_conn_flush(cb_wsd_conn_t *conn)
{
    h2o_socket_t *sock = conn->sock;
    if (conn->dead || sock == NULL || conn->inflight > 0 || h2o_socket_is_writing(sock)) {
        return;
    }
    if (conn->q_len == 0) {
        if (conn->closing && !conn->in_recv) {
            s_dead(conn); /* the close frame is out (inside a read it is not queued yet) */
        }
        return;
    }
    if (s_stalled(conn)) {
        return;
    }
    h2o_iovec_t iov[S_BATCH];
    size_t n = conn->q_len < S_BATCH ? conn->q_len : S_BATCH;
    for (size_t i = 0; i < n; i++) {
        cb_wsd_msg_t *m = conn->queue[(conn->q_head + i) % conn->q_cap];
        iov[i] = h2o_iovec_init(m->frame, m->len);
    }
    conn->inflight = n;
    h2o_socket_write(sock, iov, n, s_on_written);
}

static void
s_on_written(h2o_socket_t *sock, const char *err)
{
    cb_wsd_conn_t *conn = sock->data;
    if (conn->orphan) {
        /* Freed while this write was under way (see cb_wsd_conn_free): the
         * loop has reported it, so the socket can close now. */
        h2o_socket_close(sock);
        if (conn->wslay != NULL) {
            wslay_event_context_free(conn->wslay);
        }
        free(conn);
        return;
    }
    cb_wsd_stats_t *st = conn->stats;
    for (size_t i = 0; i < conn->inflight; i++) {
        cb_wsd_msg_t *m = conn->queue[conn->q_head];
        conn->q_head = (conn->q_head + 1) % conn->q_cap;
        conn->q_len--;
        conn->q_bytes -= m->len;
        st->messages_sent++;
        st->bytes_sent += m->len;
        cb_wsd_msg_unref(m);
    }
    conn->inflight = 0;
    if (err != NULL) {
        s_dead(conn);
        return;
    }
    if (conn->q_len == 0 && !conn->closing && !conn->dead && conn->shared->on_drain != NULL) {
        conn->shared->on_drain(conn->shared->ctx, conn);
    }
    cb_wsd_conn_flush(conn);
}

void
cb_wsd_conn_ping(cb_wsd_conn_t *conn)
{
    if (conn->dead || conn->closing) {
        return;
    }
    int n = snprintf(conn->ping_payload, sizeof conn->ping_payload, "%lld",
                     (long long) (conn->shared->now_ns / 1000000));
    conn->ping_len = (size_t) n;
    cb_wsd_msg_t *m = cb_wsd_msg_new(conn->ping_payload, conn->ping_len, CB_WSD_PING);
    if (m == NULL) {
        s_dead(conn);
        return;
    }
    s_push(conn, m, false);
    cb_wsd_msg_unref(m);
    conn->last_ping_ns = conn->shared->now_ns;
}

/* Has wslay frame a close (code, reason) and queues it after what is
 * queued; nothing else goes out after it. Inside wslay_event_recv (from
 * its callbacks) the frame is queued by s_on_read once that returns. */
static void
s_queue_close(cb_wsd_conn_t *conn, uint16_t code, const char *reason)
{
    if (conn->wslay == NULL ||
        wslay_event_queue_close(conn->wslay, code, (const uint8_t *) reason, strlen(reason)) != 0) {
        s_dead(conn);
        return;
    }
    if (!conn->in_recv) {
        s_push_ctrl(conn);
    }
    conn->closing = true;
}

void
cb_wsd_conn_close(cb_wsd_conn_t *conn, uint16_t code, const char *reason)
{
    if (conn->dead || conn->closing) {
        return;
    }
    s_queue_close(conn, code, reason);
    cb_wsd_conn_flush(conn);
}

void
cb_wsd_conn_abort(cb_wsd_conn_t *conn)
{
    s_dead(conn);
}

size_t
cb_wsd_conn_queued(const cb_wsd_conn_t *conn, size_t *bytes)
{
    if (bytes != NULL) {
        *bytes = conn->q_bytes;
    }
    return conn->q_len;
}

bool
cb_wsd_conn_open(const cb_wsd_conn_t *conn)
{
    return conn->sock != NULL && !conn->dead;
}

/* ---- reading ----------------------------------------------------------------- */

static ssize_t
s_wslay_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
    (void) flags;
    cb_wsd_conn_t *conn = user;
    h2o_socket_t *sock = conn->sock;
    if (sock->input->size == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    if (len > sock->input->size) {
        len = sock->input->size;
    }
    memcpy(buf, sock->input->bytes, len);
    h2o_buffer_consume(&sock->input, len);
    return (ssize_t) len;
}

static ssize_t
s_wslay_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user)
{
    (void) flags;
    cb_wsd_conn_t *conn = user;
    if (cb_buf_append(&conn->ctrl, data, len) != 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return (ssize_t) len;
}

static void
s_wslay_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
    (void) ctx;
    cb_wsd_conn_t *conn = user;
    int64_t now = conn->shared->now_ns;
    conn->last_recv_ns = now;
    if (conn->dead || conn->closing || arg->opcode == WSLAY_CONNECTION_CLOSE) {
        return;
    }
    if (conn->max_in_per_sec > 0) {
        if (now - conn->in_window_ns >= 1000000000LL) {
            conn->in_window_ns = now;
            conn->in_count = 0;
        }
        if (++conn->in_count > conn->max_in_per_sec) {
            /* Over the incoming message limit: nothing more is taken. */
            s_queue_close(conn, 1008, "too many messages");
            return;
        }
    }
    if (arg->opcode == WSLAY_PONG) {
        if (conn->ping_len > 0 && arg->msg_length == conn->ping_len &&
            memcmp(arg->msg, conn->ping_payload, conn->ping_len) == 0) {
            conn->last_pong_ns = now;
        }
    } else if (arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME) {
        conn->shared->on_text(conn->shared->ctx, conn, (const char *) arg->msg, arg->msg_length);
    }
}

static void
s_on_read(h2o_socket_t *sock, const char *err)
{
    cb_wsd_conn_t *conn = sock->data;
    if (err != NULL) {
        s_dead(conn);
        h2o_socket_read_stop(sock);
        return;
    }
    if (conn->dead) {
        return;
    }
    conn->in_recv = true;
    int rc = wslay_event_recv(conn->wslay);
    conn->in_recv = false;
    if (rc != 0 || conn->dead) {
        s_dead(conn);
        h2o_socket_read_stop(sock);
        return;
    }
    s_push_ctrl(conn);
    if (!wslay_event_want_read(conn->wslay)) {
        /* The peer closed (our close reply is queued) or broke the protocol. */
        h2o_socket_read_stop(sock);
        conn->closing = true;
    }
    cb_wsd_conn_flush(conn);
}

static void
s_on_upgraded(void *user, h2o_socket_t *sock, size_t reqsize)
{
    cb_wsd_conn_t *conn = user;
    conn->upgrading = false;
    if (conn->orphan) {
        if (sock != NULL) {
            h2o_socket_close(sock);
        }
        free(conn); /* the rest went in cb_wsd_conn_free */
        return;
    }
    if (sock == NULL) {
        s_dead(conn);
        return;
    }
    conn->sock = sock;
    sock->data = conn;
    h2o_buffer_consume(&sock->input, reqsize);
    static const struct wslay_event_callbacks cbs = {s_wslay_recv, s_wslay_send, NULL,       NULL,
                                                     NULL,         NULL,         s_wslay_msg};
    wslay_event_context_ptr ctx;
    if (wslay_event_context_server_init(&ctx, &cbs, conn) != 0) {
        s_dead(conn);
        return;
    }
    conn->wslay = ctx;
    if (conn->shared->max_recv_len > 0) {
        /* Past it wslay queues a close 1009 and stops reading. */
        wslay_event_config_set_max_recv_msg_length(ctx, conn->shared->max_recv_len);
    }
    conn->created_ns = conn->shared->now_ns;
    conn->last_send_ns = conn->created_ns;
    conn->last_recv_ns = conn->created_ns;
    conn->last_ping_ns = conn->created_ns;
    conn->last_pong_ns = conn->created_ns;
    h2o_socket_read_start(sock, s_on_read);
    conn->shared->on_open(conn->shared->ctx, conn);
    if (sock->input->size > 0) {
        s_on_read(sock, NULL); /* frames that came with the handshake */
    } else {
        cb_wsd_conn_flush(conn);
    }
}

bool
cb_wsd_is_handshake(const cb_httpd_req_t *req, char *key_out, size_t key_size)
{
    const char *key = NULL;
    size_t version_len = 0;
    const char *version = cb_httpd_req_header(req, "sec-websocket-version", &version_len);
    if (h2o_is_websocket_handshake((h2o_req_t *) req->opaque, &key) != 0 || key == NULL ||
        version == NULL || version_len != 2 || memcmp(version, "13", 2) != 0 || key_size < 25) {
        return false;
    }
    memcpy(key_out, key, 24);
    key_out[24] = '\0';
    return true;
}

int
cb_wsd_conn_upgrade(cb_wsd_conn_t *conn, cb_wsd_shared_t *shared, const cb_httpd_req_t *creq,
                    const char *client_key)
{
    h2o_req_t *req = (h2o_req_t *) creq->opaque;
    if (req->version >= 0x200) {
        return -1;
    }
    unsigned char digest[SHA_DIGEST_LENGTH];
    char src[24 + sizeof S_GUID];
    memcpy(src, client_key, 24);
    memcpy(src + 24, S_GUID, sizeof S_GUID - 1);
    SHA1((const unsigned char *) src, 24 + sizeof S_GUID - 1, digest);
    char *accept = h2o_mem_alloc_pool(&req->pool, 32);
    size_t alen = h2o_base64_encode(accept, digest, sizeof digest, 0);
    req->res.status = 101;
    req->res.reason = "Switching Protocols";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_UPGRADE, NULL, H2O_STRLIT("websocket"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("sec-websocket-accept"), 0,
                          NULL, accept, alen);
    conn->shared = shared;
    conn->upgrading = true;
    cb_buf_init(&conn->ctrl);
    h2o_http1_upgrade(req, NULL, 0, s_on_upgraded, conn);
    return 0;
}

void
cb_wsd_conn_free(cb_wsd_conn_t *conn)
{
    if (conn == NULL) {
        return;
    }
    for (size_t i = 0; i < conn->q_len; i++) {
        cb_wsd_msg_unref(conn->queue[(conn->q_head + i) % conn->q_cap]);
    }
    free(conn->queue);
    conn->queue = NULL;
    conn->q_len = 0;
    cb_buf_fini(&conn->ctrl);
    if (conn->upgrading) {
        conn->orphan = true; /* freed when h2o hands over the socket */
        return;
    }
    if (conn->sock != NULL && h2o_socket_is_writing(conn->sock)) {
        /* h2o 2.2's loop reports a write that completed at once on its next
         * turn, from a list of pending sockets, and frees a closed socket at
         * the start of that turn without unlinking it from the list: closing
         * it here, between turns, leaves the list pointing at freed memory
         * (and at the next socket made there, which makes the loop spin).
         * So the socket is shut down now, which ends the connection for the
         * peer and any write still waiting, and closed by s_on_written. */
        h2o_socket_t *sock = conn->sock;
        h2o_socket_read_stop(sock);
        shutdown(h2o_socket_get_fd(sock), SHUT_RDWR);
        conn->dead = true;
        conn->orphan = true;
        return;
    }
    if (conn->sock != NULL) {
        cb_httpd_impl_close_lingering(conn->sock); /* the close frame goes first */
    }
    if (conn->wslay != NULL) {
        wslay_event_context_free(conn->wslay);
    }
    free(conn);
}

/* ---- subscriber lists ------------------------------------------------------- */

int
cb_wsd_subs_add(cb_wsd_subs_t *subs, cb_wsd_conn_t *conn)
{
    if (subs->count == subs->cap) {
        size_t cap = subs->cap == 0 ? 8 : subs->cap * 2;
        cb_wsd_conn_t **c = realloc(subs->conns, cap * sizeof *c);
        if (c == NULL) {
            return CB_E_NOMEM;
        }
        subs->conns = c;
        subs->cap = cap;
    }
    subs->conns[subs->count++] = conn;
    return 0;
}

void
cb_wsd_subs_remove(cb_wsd_subs_t *subs, const cb_wsd_conn_t *conn)
{
    for (size_t i = 0; i < subs->count; i++) {
        if (subs->conns[i] == conn) {
            subs->conns[i] = subs->conns[--subs->count];
            return;
        }
    }
}

void
cb_wsd_subs_send(const cb_wsd_subs_t *subs, cb_wsd_msg_t *msg)
{
    for (size_t i = 0; i < subs->count; i++) {
        cb_wsd_conn_send(subs->conns[i], msg);
    }
}

void
cb_wsd_subs_fini(cb_wsd_subs_t *subs)
{
    free(subs->conns);
    *subs = (cb_wsd_subs_t){0};
}
