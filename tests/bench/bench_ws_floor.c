/* bench_ws_floor.c - the simplest WebSocket fan-out server: bench_edge_ws's same-run reference */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zmq.h>

#include "cb_buf.h"
#include "cb_error.h"
#include "cb_sub.h"
#include "cb_time.h"
#include "edge_ws_render.h"

/* Usage: bench_ws_floor <port> <bus sub endpoint> [tick | flush_us]
 *
 * Started by bench_edge_ws as the floor of api-edge's /ws fan-out: it does
 * only what a fan-out cannot avoid. One thread, one epoll loop on
 * 127.0.0.1:port: the RFC 6455 handshake, a `connected` message, a
 * `subscribed` answer to any text message containing "subscribe" (all that
 * cbh_wsfan's clients need), and for every tick of BTC-USD on the bus (a
 * cb_sub as api-edge has, so that the bus hop is in both paths) the same
 * `price_update` text frame as api-edge's (edge_ws_render_tick), rendered
 * once and written to every subscribed connection. No wslay, no h2o, no
 * limits, no pings, no per-client state beyond a socket and an output queue.
 *
 * tick (default): one write per connection per tick, at once. A short
 * write keeps the rest in the connection's queue, later frames go behind it
 * and EPOLLOUT finishes it (nothing is dropped or coalesced).
 * flush_us: the frames are queued per connection and written by passes,
 * one write per connection holding frames, as api-edge with the same
 * COINBUS_EDGE_WS_FLUSH_US: 0, a pass after each loop turn (every tick
 * waiting on the bus is queued first); > 0, passes start at most once per
 * min(flush_us, 2 x the last pass's duration) and one due in under 1 ms
 * runs at once. Exits 0 on SIGTERM. */

#define S_MAX_CONNS 65536
#define S_IN_BUF 4096
#define S_EVENTS 1024
#define S_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

typedef struct {
    int fd;
    bool open;       /* handshake done */
    bool subscribed; /* receives price_update */
    bool dirty;      /* queued output, in the pass list (batch modes) */
    bool want_out;   /* EPOLLOUT armed */
    size_t sub_at;   /* index in s_subs while subscribed */
    size_t in_len;
    char in[S_IN_BUF];
    cb_buf_t out; /* bytes not written yet; out_off of them already were */
    size_t out_off;
} s_conn_t;

static volatile sig_atomic_t s_stop;
static s_conn_t *s_conns[S_MAX_CONNS]; /* by fd */
static int s_ep = -1;
static bool s_batch; /* queue frames for passes (not tick mode) */
static int64_t s_flush_ns, s_pass_start_ns, s_pass_cost_ns;
static int *s_dirty; /* fds with queued output (batch modes) */
static size_t s_ndirty;
static int *s_subs; /* fds of the subscribed connections, in no order */
static size_t s_nsubs;

static void
s_on_term(int sig)
{
    (void) sig;
    s_stop = 1;
}

static void
s_close(int fd)
{
    s_conn_t *c = s_conns[fd];
    if (c == NULL) {
        return;
    }
    if (c->subscribed) {
        s_subs[c->sub_at] = s_subs[--s_nsubs];
        s_conns[s_subs[c->sub_at]]->sub_at = c->sub_at;
    }
    close(fd);
    cb_buf_fini(&c->out);
    free(c);
    s_conns[fd] = NULL;
}

static void
s_want_out(s_conn_t *c, bool on)
{
    if (c->want_out != on) {
        struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.fd = c->fd};
        (void) epoll_ctl(s_ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->want_out = on;
    }
}

/* Writes what c has queued (one write). 0, or -1 when the connection is
 * gone (the caller closes it). */
static int
s_flush(s_conn_t *c)
{
    size_t left = c->out.len - c->out_off;
    if (left == 0) {
        return 0;
    }
    ssize_t w = write(c->fd, c->out.data + c->out_off, left);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return -1;
    }
    c->out_off += w > 0 ? (size_t) w : 0;
    if (c->out_off == c->out.len) {
        cb_buf_reset(&c->out);
        c->out_off = 0;
    }
    s_want_out(c, c->out.len > 0);
    return 0;
}

/* The write pass of the batch modes: one write per connection holding frames. */
static void
s_pass(void)
{
    int64_t start = cb_time_mono_ns();
    for (size_t i = 0; i < s_ndirty; i++) {
        s_conn_t *c = s_conns[s_dirty[i]];
        if (c != NULL) {
            c->dirty = false;
            if (s_flush(c) != 0) {
                s_close(c->fd);
            }
        }
    }
    s_ndirty = 0;
    s_pass_start_ns = start;
    s_pass_cost_ns = cb_time_mono_ns() - start;
}

/* Nanoseconds until the paced pass is due (<= 0: now). */
static int64_t
s_pass_wait_ns(void)
{
    if (s_flush_ns == 0) {
        return 0;
    }
    int64_t period = s_pass_cost_ns < s_flush_ns / 2 ? 2 * s_pass_cost_ns : s_flush_ns;
    return s_pass_start_ns + period - cb_time_mono_ns();
}

/* Sends len bytes to c: written at once when nothing is queued and writes
 * are not paced, else queued behind what is. 0, or -1 when the connection
 * is gone or memory ran out (the caller closes it). */
static int
s_send(s_conn_t *c, const char *data, size_t len)
{
    if (!s_batch && c->out.len == 0) {
        ssize_t w = write(c->fd, data, len);
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return -1;
        }
        size_t done = w > 0 ? (size_t) w : 0;
        if (done == len) {
            return 0;
        }
        data += done;
        len -= done;
    }
    if (cb_buf_append(&c->out, data, len) != 0) {
        return -1;
    }
    if (!s_batch) {
        s_want_out(c, true);
    } else if (!c->dirty) {
        if (s_ndirty == S_MAX_CONNS) {
            s_pass(); /* only when closed fds were reused before a pass */
        }
        c->dirty = true;
        s_dirty[s_ndirty++] = c->fd;
    }
    return 0;
}

/* A server text frame (unmasked) of the JSON in text. */
static int
s_frame(cb_buf_t *out, const char *text, size_t len)
{
    unsigned char h[4] = {0x81, 0, 0, 0};
    size_t hl = 2;
    if (len < 126) {
        h[1] = (unsigned char) len;
    } else {
        h[1] = 126;
        h[2] = (unsigned char) (len >> 8);
        h[3] = (unsigned char) len;
        hl = 4;
    }
    return len > 0xffff || cb_buf_append(out, h, hl) != 0 || cb_buf_append(out, text, len) != 0
               ? -1
               : 0;
}

static int
s_send_text(s_conn_t *c, const char *text)
{
    cb_buf_t f;
    cb_buf_init(&f);
    int rc = s_frame(&f, text, strlen(text)) != 0 ? -1 : s_send(c, f.data, f.len);
    cb_buf_fini(&f);
    return rc;
}

/* The upgrade request in c->in ends at end: 101 with Sec-WebSocket-Accept,
 * then `connected`. 0, or -1 for a request without a usable key. */
static int
s_handshake(s_conn_t *c, char *end)
{
    *end = '\0';
    const char *k = NULL;
    for (char *line = strstr(c->in, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "Sec-WebSocket-Key:", 18) == 0) {
            k = line + 20;
            break;
        }
    }
    if (k == NULL) {
        return -1;
    }
    k += strspn(k, " \t");
    size_t klen = strcspn(k, " \t\r\n");
    char cat[128];
    unsigned char sha[SHA_DIGEST_LENGTH];
    unsigned char acc[64];
    if (klen == 0 || klen > 64) {
        return -1;
    }
    int n = snprintf(cat, sizeof cat, "%.*s%s", (int) klen, k, S_GUID);
    SHA1((const unsigned char *) cat, (size_t) n, sha);
    EVP_EncodeBlock(acc, sha, SHA_DIGEST_LENGTH);
    char resp[256];
    n = snprintf(resp, sizeof resp,
                 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                 (const char *) acc);
    c->open = true;
    return s_send(c, resp, (size_t) n) != 0 ||
                   s_send_text(c, "{\"type\":\"connected\",\"id\":1,\"channels\":[\"ticker\"]}") !=
                       0
               ? -1
               : 0;
}

/* The complete client frames in c->in (masked, as clients must). 0, or -1
 * for a close, a protocol error or a gone connection. */
static int
s_frames(s_conn_t *c)
{
    size_t off = 0;
    while (c->in_len - off >= 6) {
        unsigned char *f = (unsigned char *) c->in + off;
        size_t h = 6, len = f[1] & 0x7f;
        if ((f[1] & 0x80) == 0 || len == 127) {
            return -1; /* unmasked, or a 64-bit length: not from our clients */
        }
        if (len == 126) {
            h = 8;
            len = (size_t) f[2] << 8 | f[3];
        }
        if (h + len > S_IN_BUF) {
            return -1;
        }
        if (c->in_len - off < h + len) {
            break;
        }
        char *p = (char *) f + h;
        for (size_t i = 0; i < len; i++) {
            p[i] ^= (char) f[h - 4 + i % 4];
        }
        int op = f[0] & 0x0f;
        if (op == 0x8) {
            return -1;
        }
        if (op == 0x1 && !c->subscribed && memmem(p, len, "subscribe", 9) != NULL) {
            c->subscribed = true;
            c->sub_at = s_nsubs;
            s_subs[s_nsubs++] = c->fd;
            if (s_send_text(c, "{\"type\":\"subscribed\",\"channel\":\"ticker\",\"symbol\":\"BTC\","
                               "\"venue\":null}") != 0) {
                return -1;
            }
        }
        off += h + len;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    return 0;
}

/* Reads c until it would block; -1 when it is to be closed. */
static int
s_read(s_conn_t *c)
{
    for (;;) {
        size_t room = S_IN_BUF - 1 - c->in_len;
        if (room == 0) {
            return -1; /* a request or frame larger than the buffer */
        }
        ssize_t r = read(c->fd, c->in + c->in_len, room);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            return -1;
        }
        if (r < 0) {
            return 0;
        }
        c->in_len += (size_t) r;
        if (!c->open) {
            c->in[c->in_len] = '\0';
            char *end = strstr(c->in, "\r\n\r\n");
            if (end == NULL) {
                continue;
            }
            size_t used = (size_t) (end + 4 - c->in);
            if (s_handshake(c, end) != 0) {
                return -1;
            }
            memmove(c->in, c->in + used, c->in_len - used);
            c->in_len -= used;
        }
        if (s_frames(c) != 0) {
            return -1;
        }
    }
}

static void
s_accept(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return;
        }
        s_conn_t *c = fd < S_MAX_CONNS ? calloc(1, sizeof *c) : NULL;
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        if (c == NULL || epoll_ctl(s_ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            fprintf(stderr, "bench_ws_floor: connection %d refused (no memory or epoll_ctl)\n", fd);
            free(c);
            close(fd);
            continue;
        }
        int one = 1;
        (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->fd = fd;
        cb_buf_init(&c->out);
        s_conns[fd] = c;
    }
}

/* Every tick waiting on the bus: rendered once, sent to every subscriber. */
static int
s_drain_bus(cb_sub_t *sub, cb_buf_t *json, cb_buf_t *frame)
{
    for (;;) {
        cb_sub_msg_t msg;
        int rc = cb_sub_recv(sub, 0, &msg);
        if (rc == CB_E_TIMEOUT) {
            cb_sub_msg_clear(&msg);
            return 0;
        }
        if (rc == CB_E_IO) {
            cb_sub_msg_clear(&msg);
            return -1;
        }
        cb_buf_reset(json);
        cb_buf_reset(frame);
        if (rc == 0 && msg.ev.kind == CB_KIND_tick &&
            edge_ws_render_tick(json, "BTC", &msg.ev) == 0 &&
            s_frame(frame, json->data, json->len) == 0) {
            /* Backwards: a connection closed here is replaced by the last. */
            for (size_t i = s_nsubs; i-- > 0;) {
                s_conn_t *c = s_conns[s_subs[i]];
                if (s_send(c, frame->data, frame->len) != 0) {
                    s_close(c->fd);
                }
            }
        }
        cb_sub_msg_clear(&msg);
    }
}

int
main(int argc, char **argv)
{
    if (argc < 3 || atoi(argv[1]) <= 0 || atoi(argv[1]) > 65535) {
        fprintf(stderr, "usage: bench_ws_floor <port> <bus sub endpoint> [tick | flush_us]\n");
        return 2;
    }
    s_batch = argc > 3 && strcmp(argv[3], "tick") != 0;
    s_flush_ns = s_batch ? strtoll(argv[3], NULL, 10) * 1000 : 0;
    if (s_flush_ns < 0) {
        fprintf(stderr, "bench_ws_floor: flush_us %s is negative\n", argv[3]);
        return 2;
    }
    /* SIGTERM must interrupt this thread's wait, not land in one of
     * ZeroMQ's threads (made by cb_sub_new, they inherit the mask) nor
     * between the s_stop check and the wait: blocked but in epoll_pwait.
     * The handlers are set after cb_sub_new, which (czmq) sets its own. */
    sigset_t term, none;
    sigemptyset(&none);
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigaddset(&term, SIGINT);
    pthread_sigmask(SIG_BLOCK, &term, NULL);
    int rc = 1, lfd = -1;
    cb_buf_t json, frame;
    cb_buf_init(&json);
    cb_buf_init(&frame);
    s_dirty = calloc(S_MAX_CONNS, sizeof *s_dirty);
    s_subs = calloc(S_MAX_CONNS, sizeof *s_subs);
    cb_sub_t *sub = cb_sub_new(argv[2]);
    struct sigaction sa = {.sa_handler = s_on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    s_ep = epoll_create1(EPOLL_CLOEXEC);
    if (s_dirty == NULL || s_subs == NULL || sub == NULL || s_ep < 0 ||
        cb_sub_subscribe(sub, "tick.BTC-USD.") != 0) {
        fprintf(stderr, "bench_ws_floor: setup failed (memory, bus or epoll)\n");
        goto done;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) atoi(argv[1]))};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(lfd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(lfd, 4096) != 0) {
        fprintf(stderr, "bench_ws_floor: listen on port %s failed: %s\n", argv[1], strerror(errno));
        goto done;
    }
    int zfd;
    size_t zlen = sizeof zfd;
    struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
    struct epoll_event zev = {.events = EPOLLIN, .data.fd = -1};
    if (zmq_getsockopt(cb_sub_socket(sub), ZMQ_FD, &zfd, &zlen) != 0 ||
        epoll_ctl(s_ep, EPOLL_CTL_ADD, lfd, &lev) != 0 ||
        epoll_ctl(s_ep, EPOLL_CTL_ADD, zfd, &zev) != 0) {
        fprintf(stderr, "bench_ws_floor: epoll_ctl failed: %s\n", strerror(errno));
        goto done;
    }
    while (!s_stop) {
        /* ZMQ_FD is edge-triggered: the bus is drained after every wake-up. */
        if (s_drain_bus(sub, &json, &frame) != 0) {
            break;
        }
        int timeout = -1;
        if (s_ndirty > 0) {
            int64_t wait = s_pass_wait_ns();
            if (wait < 1000000) {
                s_pass();
                continue;
            }
            timeout = (int) (wait / 1000000);
        }
        struct epoll_event evs[S_EVENTS];
        int n = epoll_pwait(s_ep, evs, S_EVENTS, timeout, &none);
        for (int e = 0; e < n; e++) {
            int fd = evs[e].data.fd;
            if (fd == lfd) {
                s_accept(lfd);
            } else if (fd >= 0 && s_conns[fd] != NULL) {
                s_conn_t *c = s_conns[fd];
                if (((evs[e].events & EPOLLOUT) != 0 && s_flush(c) != 0) ||
                    ((evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0 && s_read(c) != 0)) {
                    s_close(fd);
                }
            }
        }
    }
    rc = 0;
done:
    for (int fd = 0; fd < S_MAX_CONNS; fd++) {
        s_close(fd);
    }
    if (lfd >= 0) {
        close(lfd);
    }
    if (s_ep >= 0) {
        close(s_ep);
    }
    cb_sub_destroy(&sub);
    cb_buf_fini(&json);
    cb_buf_fini(&frame);
    free(s_dirty);
    free(s_subs);
    return rc;
}
