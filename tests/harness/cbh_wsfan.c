/* cbh_wsfan.c - test harness: many cheap raw WebSocket clients on one epoll, for fan-out tests and
 * benches */
#include "cbh_wsfan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define S_BUF 16384
/* One epoll_wait reports every client of a fan-out of 1,000. */
#define S_EVENTS 1024

typedef struct {
    int fd;
    bool open; /* the 101 answer came */
    size_t len;
    char buf[S_BUF];
} s_client_t;

struct cbh_wsfan {
    int ep;
    size_t n;
    size_t opened;
    const char *first_text;
    cbh_wsfan_msg_fn fn;
    void *arg;
    s_client_t *clients;
    char error[256];
};

static int
s_fail(cbh_wsfan_t *set, const char *fmt, ...)
{
    if (set->error[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(set->error, sizeof set->error, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* A masked text frame (clients must mask). */
static int
s_send_text(cbh_wsfan_t *set, s_client_t *c, const char *text)
{
    size_t len = strlen(text);
    unsigned char f[132];
    if (len >= 126) {
        return s_fail(set, "first text of %zu bytes (at most 125)", len);
    }
    f[0] = 0x81;
    f[1] = (unsigned char) (0x80 | len);
    memcpy(f + 2, "\x11\x22\x33\x44", 4);
    for (size_t i = 0; i < len; i++) {
        f[6 + i] = (unsigned char) text[i] ^ f[2 + i % 4];
    }
    if (send(c->fd, f, len + 6, MSG_NOSIGNAL) != (ssize_t) (len + 6)) {
        return s_fail(set, "send() of the first text failed: %s", strerror(errno));
    }
    return 0;
}

/* Parses the complete frames (or the 101 answer) in client i's buffer. */
static int
s_parse(cbh_wsfan_t *set, size_t i)
{
    s_client_t *c = &set->clients[i];
    size_t off = 0;
    if (!c->open) {
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (end == NULL) {
            return 0;
        }
        if (c->len < 12 || memcmp(c->buf, "HTTP/1.1 101", 12) != 0) {
            return s_fail(set, "client %zu: upgrade answered %.12s", i, c->buf);
        }
        c->open = true;
        set->opened++;
        off = (size_t) (end + 4 - c->buf);
        if (set->first_text != NULL && s_send_text(set, c, set->first_text) != 0) {
            return -1;
        }
    }
    while (c->len - off >= 2) {
        const unsigned char *f = (const unsigned char *) c->buf + off;
        size_t h = 2, len = f[1] & 0x7f;
        if ((f[1] & 0x80) != 0 || len == 127) {
            return s_fail(set, "client %zu: masked or 64-bit frame", i);
        }
        if (len == 126) {
            if (c->len - off < 4) {
                break;
            }
            len = (size_t) f[2] << 8 | f[3];
            h = 4;
        }
        if (h + len > S_BUF) {
            return s_fail(set, "client %zu: frame of %zu bytes", i, len);
        }
        if (c->len - off < h + len) {
            break;
        }
        int op = f[0] & 0x0f;
        if (op == 0x1 && (f[0] & 0x80) != 0) {
            set->fn(set->arg, i, (const char *) f + h, len);
        } else if (op != 0x9 && op != 0xa) {
            /* Pings are not answered: the benches set a long ping interval. */
            return s_fail(set, "client %zu: opcode %d (fin %d)", i, op, f[0] >> 7);
        }
        off += h + len;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
    return 0;
}

cbh_wsfan_t *
cbh_wsfan_new(int port, const char *path, size_t n, const char *first_text, cbh_wsfan_msg_fn fn,
              void *arg)
{
    cbh_wsfan_t *set = calloc(1, sizeof *set);
    if (set == NULL) {
        return NULL;
    }
    set->ep = epoll_create1(EPOLL_CLOEXEC);
    set->clients = calloc(n, sizeof *set->clients);
    set->first_text = first_text;
    set->fn = fn;
    set->arg = arg;
    if (set->ep < 0 || set->clients == NULL) {
        fprintf(stderr, "cbh_wsfan: out of memory or epoll_create1() failed\n");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        set->clients[i].fd = -1;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char req[512];
    int rlen = snprintf(req, sizeof req,
                        "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n",
                        path);
    for (size_t i = 0; i < n; i++) {
        s_client_t *c = &set->clients[i];
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        set->n = i + 1;
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
            fprintf(stderr, "cbh_wsfan: connect() to 127.0.0.1:%d failed (client %zu): %s\n", port,
                    i, strerror(errno));
            goto fail;
        }
        int one = 1;
        (void) setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (send(c->fd, req, (size_t) rlen, MSG_NOSIGNAL) != rlen) {
            fprintf(stderr, "cbh_wsfan: send() of the upgrade failed: %s\n", strerror(errno));
            goto fail;
        }
        (void) fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = i};
        if (epoll_ctl(set->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
            fprintf(stderr, "cbh_wsfan: epoll_ctl() failed: %s\n", strerror(errno));
            goto fail;
        }
    }
    return set;
fail:
    cbh_wsfan_destroy(&set);
    return NULL;
}

void
cbh_wsfan_destroy(cbh_wsfan_t **set_p)
{
    cbh_wsfan_t *set = *set_p;
    if (set == NULL) {
        return;
    }
    for (size_t i = 0; set->clients != NULL && i < set->n; i++) {
        if (set->clients[i].fd >= 0) {
            close(set->clients[i].fd);
        }
    }
    if (set->ep >= 0) {
        close(set->ep);
    }
    free(set->clients);
    free(set);
    *set_p = NULL;
}

int
cbh_wsfan_poll(cbh_wsfan_t *set, int ms)
{
    struct epoll_event evs[S_EVENTS];
    int k = epoll_wait(set->ep, evs, S_EVENTS, ms);
    if (k < 0 && errno != EINTR) {
        return s_fail(set, "epoll_wait() failed: %s", strerror(errno));
    }
    for (int e = 0; e < k; e++) {
        size_t i = evs[e].data.u64;
        s_client_t *c = &set->clients[i];
        /* A read that leaves room in the buffer took everything there was:
         * no second read to hear EAGAIN (epoll is level-triggered, so what
         * arrives meanwhile is reported by the next wait). */
        ssize_t r;
        size_t room;
        do {
            room = S_BUF - c->len;
            r = recv(c->fd, c->buf + c->len, room, 0);
            if (r > 0) {
                c->len += (size_t) r;
                if (s_parse(set, i) != 0) {
                    return -1;
                }
            }
        } while (r == (ssize_t) room);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            return s_fail(set, "client %zu: connection ended (%s)", i,
                          r == 0 ? "EOF" : strerror(errno));
        }
    }
    return 0;
}

size_t
cbh_wsfan_open(const cbh_wsfan_t *set)
{
    return set->opened;
}

const char *
cbh_wsfan_error(const cbh_wsfan_t *set)
{
    return set->error;
}
