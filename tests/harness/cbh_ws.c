/* cbh_ws.c - test harness: a small blocking WebSocket client (HTTP/1.1 upgrade, wslay client framing) over loopback TCP */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <wslay/wslay.h>

#include "cbh_ws.h"

/* RFC 6455's sample key and the accept value it must produce. */
#define S_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define S_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

typedef struct s_msg {
    struct s_msg *next;
    size_t len;
    char text[];
} s_msg_t;

struct cbh_ws {
    int fd;
    wslay_event_context_ptr ctx;
    char *early; /* bytes that came with the handshake answer */
    size_t early_len;
    size_t early_off;
    s_msg_t *head;
    s_msg_t *tail;
    size_t pending;
    bool ended;
    int pings;
    int close_code;
    uint64_t rng;
};

static int64_t
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ssize_t
s_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
    (void) flags;
    cbh_ws_t *ws = user;
    if (ws->early_off < ws->early_len) {
        size_t n = ws->early_len - ws->early_off < len ? ws->early_len - ws->early_off : len;
        memcpy(buf, ws->early + ws->early_off, n);
        ws->early_off += n;
        return (ssize_t) n;
    }
    ssize_t r = recv(ws->fd, buf, len, 0);
    if (r > 0) {
        return r;
    }
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
    } else {
        ws->ended = true;
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
    }
    return -1;
}

static ssize_t
s_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user)
{
    (void) flags;
    cbh_ws_t *ws = user;
    ssize_t r = send(ws->fd, data, len, MSG_NOSIGNAL);
    if (r >= 0) {
        return r;
    }
    wslay_event_set_error(ctx, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? WSLAY_ERR_WOULDBLOCK
                                                                                          : WSLAY_ERR_CALLBACK_FAILURE);
    return -1;
}

static int
s_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user)
{
    (void) ctx;
    cbh_ws_t *ws = user;
    for (size_t i = 0; i < len; i++) {
        ws->rng = ws->rng * 6364136223846793005ULL + 1442695040888963407ULL;
        buf[i] = (uint8_t) (ws->rng >> 56);
    }
    return 0;
}

static void
s_on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user)
{
    (void) ctx;
    cbh_ws_t *ws = user;
    if (arg->opcode == WSLAY_PING) {
        ws->pings++;
    } else if (arg->opcode == WSLAY_CONNECTION_CLOSE) {
        ws->close_code = arg->status_code;
    } else if (arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME) {
        s_msg_t *m = malloc(sizeof *m + arg->msg_length + 1);
        if (m == NULL) {
            return;
        }
        m->next = NULL;
        m->len = arg->msg_length;
        memcpy(m->text, arg->msg, arg->msg_length);
        m->text[arg->msg_length] = '\0';
        if (ws->tail != NULL) {
            ws->tail->next = m;
        } else {
            ws->head = m;
        }
        ws->tail = m;
        ws->pending++;
    }
}

/* Writes everything or fails (the socket is still blocking then). */
static int
s_write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t r = send(fd, p, len, MSG_NOSIGNAL);
        if (r <= 0) {
            return -1;
        }
        p += r;
        len -= (size_t) r;
    }
    return 0;
}

cbh_ws_t *
cbh_ws_connect(int port, const char *path, int *status)
{
    return cbh_ws_connect_opts(port, path, 0, status);
}

cbh_ws_t *
cbh_ws_connect_opts(int port, const char *path, int rcvbuf, int *status)
{
    int dummy;
    status = status != NULL ? status : &dummy;
    *status = -1;
    cbh_ws_t *ws = calloc(1, sizeof *ws);
    char *answer = malloc(65536);
    if (ws == NULL || answer == NULL) {
        free(ws);
        free(answer);
        return NULL;
    }
    ws->rng = (uint64_t) s_now_ms() ^ (uint64_t) (uintptr_t) ws;
    ws->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (ws->fd >= 0 && rcvbuf > 0) {
        setsockopt(ws->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char req[8192];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: " S_KEY "\r\nSec-WebSocket-Version: 13\r\n\r\n",
                     path, port);
    size_t got = 0;
    char *end = NULL;
    if (ws->fd < 0 || connect(ws->fd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
        s_write_all(ws->fd, req, (size_t) n) != 0) {
        goto fail;
    }
    int64_t deadline = s_now_ms() + 5000;
    while (end == NULL && got < 65535) {
        struct pollfd p = {.fd = ws->fd, .events = POLLIN};
        int64_t left = deadline - s_now_ms();
        if (left <= 0 || poll(&p, 1, (int) left) <= 0) {
            goto fail;
        }
        ssize_t r = recv(ws->fd, answer + got, 65535 - got, 0);
        if (r <= 0) {
            break;
        }
        got += (size_t) r;
        answer[got] = '\0';
        end = strstr(answer, "\r\n\r\n");
    }
    if (got < 12 || strncmp(answer, "HTTP/1.1 ", 9) != 0) {
        goto fail;
    }
    *status = atoi(answer + 9);
    if (*status != 101 || end == NULL || strcasestr(answer, "sec-websocket-accept: " S_ACCEPT) == NULL ||
        strcasestr(answer, "\r\nupgrade: websocket\r\n") == NULL ||
        strcasestr(answer, "\r\nconnection: upgrade\r\n") == NULL) {
        *status = *status == 101 ? -1 : *status;
        goto fail;
    }
    ws->early_len = got - (size_t) (end + 4 - answer);
    ws->early = answer;
    memmove(answer, end + 4, ws->early_len);
    answer = NULL;
    fcntl(ws->fd, F_SETFL, fcntl(ws->fd, F_GETFL) | O_NONBLOCK);
    static const struct wslay_event_callbacks cbs = {s_recv, s_send, s_genmask, NULL, NULL, NULL, s_on_msg};
    if (wslay_event_context_client_init(&ws->ctx, &cbs, ws) != 0) {
        goto fail;
    }
    wslay_event_config_set_max_recv_msg_length(ws->ctx, 64u << 20);
    return ws;
fail:
    free(answer);
    cbh_ws_close(&ws);
    return NULL;
}

void
cbh_ws_close(cbh_ws_t **ws_p)
{
    if (ws_p == NULL || *ws_p == NULL) {
        return;
    }
    cbh_ws_t *ws = *ws_p;
    if (ws->fd >= 0) {
        close(ws->fd);
    }
    if (ws->ctx != NULL) {
        wslay_event_context_free(ws->ctx);
    }
    while (ws->head != NULL) {
        s_msg_t *m = ws->head;
        ws->head = m->next;
        free(m);
    }
    free(ws->early);
    free(ws);
    *ws_p = NULL;
}

static void
s_flush(cbh_ws_t *ws)
{
    int64_t deadline = s_now_ms() + 5000;
    while (!ws->ended && wslay_event_want_write(ws->ctx) && s_now_ms() < deadline) {
        if (wslay_event_send(ws->ctx) != 0) {
            ws->ended = true;
            return;
        }
        if (wslay_event_want_write(ws->ctx)) {
            struct pollfd p = {.fd = ws->fd, .events = POLLOUT};
            poll(&p, 1, 50);
        }
    }
}

static int
s_queue(cbh_ws_t *ws, int opcode, const char *payload)
{
    struct wslay_event_msg msg = {(uint8_t) opcode, (const uint8_t *) payload, strlen(payload)};
    if (ws->ended || wslay_event_queue_msg(ws->ctx, &msg) != 0) {
        return -1;
    }
    s_flush(ws);
    return ws->ended ? -1 : 0;
}

int
cbh_ws_send(cbh_ws_t *ws, const char *text)
{
    return s_queue(ws, WSLAY_TEXT_FRAME, text);
}

int
cbh_ws_ping(cbh_ws_t *ws, const char *payload)
{
    return s_queue(ws, WSLAY_PING, payload);
}

int
cbh_ws_send_close(cbh_ws_t *ws, int code)
{
    if (ws->ended || wslay_event_queue_close(ws->ctx, (uint16_t) code, NULL, 0) != 0) {
        return -1;
    }
    s_flush(ws);
    return 0;
}

/* Reads what arrives within timeout_ms (0: only what is there). */
static void
s_read(cbh_ws_t *ws, int timeout_ms)
{
    if (ws->ended) {
        return;
    }
    struct pollfd p = {.fd = ws->fd, .events = POLLIN};
    if (ws->early_off >= ws->early_len && poll(&p, 1, timeout_ms) <= 0) {
        return;
    }
    if (wslay_event_recv(ws->ctx) != 0) {
        ws->ended = true;
        return;
    }
    if (!wslay_event_want_read(ws->ctx)) {
        ws->ended = true; /* the server closed */
    }
    s_flush(ws);
}

void
cbh_ws_pump(cbh_ws_t *ws, int timeout_ms)
{
    int64_t deadline = s_now_ms() + timeout_ms;
    do {
        int64_t left = deadline - s_now_ms();
        s_read(ws, left > 50 ? 50 : left < 0 ? 0 : (int) left);
    } while (!ws->ended && s_now_ms() < deadline);
}

char *
cbh_ws_recv(cbh_ws_t *ws, int timeout_ms, size_t *len)
{
    int64_t deadline = s_now_ms() + timeout_ms;
    while (ws->head == NULL && !ws->ended) {
        int64_t left = deadline - s_now_ms();
        if (left < 0) {
            break;
        }
        s_read(ws, left > 50 ? 50 : (int) left);
    }
    s_msg_t *m = ws->head;
    if (m == NULL) {
        return NULL;
    }
    ws->head = m->next;
    if (ws->head == NULL) {
        ws->tail = NULL;
    }
    ws->pending--;
    if (len != NULL) {
        *len = m->len;
    }
    /* The message struct's text is returned in place: move it to the front. */
    size_t n = m->len;
    memmove(m, m->text, n + 1);
    return (char *) m;
}

size_t
cbh_ws_pending(const cbh_ws_t *ws)
{
    return ws->pending;
}

bool
cbh_ws_ended(const cbh_ws_t *ws)
{
    return ws->ended;
}

int
cbh_ws_pings(const cbh_ws_t *ws)
{
    return ws->pings;
}

int
cbh_ws_close_code(const cbh_ws_t *ws)
{
    return ws->close_code;
}
