/* cbh_ws.c - test harness: a small blocking WebSocket client (HTTP/1.1 upgrade, RFC 6455 framing
 * written here) over loopback TCP */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cbh_ws.h"

/* RFC 6455's sample key and the accept value it must produce. The framing
 * is written here rather than taken from wslay, which the server uses: the
 * client checks the server's frames independently (a server frame must not
 * be masked, control frames are short and final, reserved bits are 0). */
#define S_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define S_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

typedef struct s_msg {
    struct s_msg *next;
    size_t len;
    char text[];
} s_msg_t;

struct cbh_ws {
    int fd;
    unsigned char *in; /* bytes read and not yet parsed */
    size_t in_len;
    size_t in_cap;
    char *frag; /* a fragmented message being assembled */
    size_t frag_len;
    bool in_frag;
    s_msg_t *head;
    s_msg_t *tail;
    size_t pending;
    bool ended;
    bool close_sent;
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

/* Writes everything, waiting for the socket when it is full. */
static int
s_write_all(cbh_ws_t *ws, const unsigned char *p, size_t len)
{
    int64_t deadline = s_now_ms() + 5000;
    while (len > 0) {
        ssize_t r = send(ws->fd, p, len, MSG_NOSIGNAL);
        if (r > 0) {
            p += r;
            len -= (size_t) r;
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) &&
            s_now_ms() < deadline) {
            struct pollfd pf = {.fd = ws->fd, .events = POLLOUT};
            poll(&pf, 1, 50);
            continue;
        }
        ws->ended = true;
        return -1;
    }
    return 0;
}

/* Sends one masked frame (FIN set). */
static int
s_frame(cbh_ws_t *ws, int opcode, const void *payload, size_t len)
{
    if (ws->ended) {
        return -1;
    }
    unsigned char *f = malloc(len + 14);
    if (f == NULL) {
        return -1;
    }
    size_t h = 0;
    f[h++] = (unsigned char) (0x80 | opcode);
    if (len < 126) {
        f[h++] = (unsigned char) (0x80 | len);
    } else if (len < 65536) {
        f[h++] = 0x80 | 126;
        f[h++] = (unsigned char) (len >> 8);
        f[h++] = (unsigned char) len;
    } else {
        f[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--) {
            f[h++] = (unsigned char) ((uint64_t) len >> (8 * i));
        }
    }
    ws->rng = ws->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    unsigned char mask[4] = {(unsigned char) (ws->rng >> 56), (unsigned char) (ws->rng >> 48),
                             (unsigned char) (ws->rng >> 40), (unsigned char) (ws->rng >> 32)};
    memcpy(f + h, mask, 4);
    h += 4;
    for (size_t i = 0; i < len; i++) {
        f[h + i] = ((const unsigned char *) payload)[i] ^ mask[i % 4];
    }
    int rc = s_write_all(ws, f, h + len);
    free(f);
    return rc;
}

static void
s_queue_text(cbh_ws_t *ws, const char *data, size_t len)
{
    s_msg_t *m = malloc(sizeof *m + len + 1);
    if (m == NULL) {
        return;
    }
    m->next = NULL;
    m->len = len;
    memcpy(m->text, data, len);
    m->text[len] = '\0';
    if (ws->tail != NULL) {
        ws->tail->next = m;
    } else {
        ws->head = m;
    }
    ws->tail = m;
    ws->pending++;
}

/* Handles one complete frame; false on a protocol error. */
static bool
s_handle(cbh_ws_t *ws, int fin, int opcode, const unsigned char *p, size_t len)
{
    if (opcode >= 0x8) {
        if (!fin || len > 125) {
            return false;
        }
        if (opcode == 0x9) {
            ws->pings++;
            /* Pong with the same payload. A server that has closed already
             * refuses it: the frames received before are still read. */
            bool ended = ws->ended;
            s_frame(ws, 0xA, p, len);
            ws->ended = ended;
        } else if (opcode == 0x8) {
            ws->close_code = len >= 2 ? (p[0] << 8) | p[1] : 1005;
            if (!ws->close_sent) {
                ws->close_sent = true;
                s_frame(ws, 0x8, p, len >= 2 ? 2 : 0);
            }
            ws->ended = true;
        }
        return opcode == 0x8 || opcode == 0x9 || opcode == 0xA;
    }
    if ((opcode == 0 && !ws->in_frag) || (opcode != 0 && ws->in_frag) ||
        (opcode != 0 && opcode != 1 && opcode != 2)) {
        return false;
    }
    if (fin && !ws->in_frag) {
        s_queue_text(ws, (const char *) p, len);
        return true;
    }
    char *f = realloc(ws->frag, ws->frag_len + len + 1);
    if (f == NULL) {
        return false;
    }
    ws->frag = f;
    memcpy(ws->frag + ws->frag_len, p, len);
    ws->frag_len += len;
    ws->in_frag = !fin;
    if (fin) {
        s_queue_text(ws, ws->frag, ws->frag_len);
        ws->frag_len = 0;
    }
    return true;
}

/* Parses every complete frame in the input buffer. */
static void
s_parse(cbh_ws_t *ws)
{
    size_t off = 0;
    while (!ws->ended && ws->in_len - off >= 2) {
        const unsigned char *f = ws->in + off;
        size_t avail = ws->in_len - off;
        if ((f[0] & 0x70) != 0 || (f[1] & 0x80) != 0) {
            ws->ended = true; /* reserved bits, or a masked server frame */
            fprintf(stderr, "cbh_ws: bad frame header %02x %02x\n", f[0], f[1]);
            break;
        }
        size_t h = 2;
        uint64_t len = f[1] & 0x7f;
        if (len == 126) {
            if (avail < 4) {
                break;
            }
            len = ((uint64_t) f[2] << 8) | f[3];
            h = 4;
        } else if (len == 127) {
            if (avail < 10) {
                break;
            }
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | f[2 + i];
            }
            h = 10;
        }
        if (avail - h < len) {
            break;
        }
        if (!s_handle(ws, f[0] >> 7, f[0] & 0x0f, f + h, (size_t) len)) {
            fprintf(stderr, "cbh_ws: protocol error (opcode %d)\n", f[0] & 0x0f);
            ws->ended = true;
        }
        off += h + (size_t) len;
    }
    memmove(ws->in, ws->in + off, ws->in_len - off);
    ws->in_len -= off;
}

/* Reads what arrives within timeout_ms (0: only what is there). */
static void
s_read(cbh_ws_t *ws, int timeout_ms)
{
    if (ws->ended) {
        return;
    }
    struct pollfd p = {.fd = ws->fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) <= 0) {
        return;
    }
    for (;;) {
        if (ws->in_cap - ws->in_len < 65536) {
            size_t cap = ws->in_cap * 2 + 65536;
            unsigned char *in = realloc(ws->in, cap);
            if (in == NULL) {
                ws->ended = true;
                return;
            }
            ws->in = in;
            ws->in_cap = cap;
        }
        ssize_t r = recv(ws->fd, ws->in + ws->in_len, ws->in_cap - ws->in_len, 0);
        if (r > 0) {
            ws->in_len += (size_t) r;
            continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            s_parse(ws);
            ws->ended = true;
            return;
        }
        break;
    }
    s_parse(ws);
}

cbh_ws_t *
cbh_ws_connect(int port, const char *path, int *status)
{
    return cbh_ws_connect_opts(port, path, 0, status);
}

cbh_ws_t *
cbh_ws_connect_opts(int port, const char *path, int rcvbuf, int *status)
{
    return cbh_ws_connect_hdrs(port, path, rcvbuf, NULL, status);
}

cbh_ws_t *
cbh_ws_connect_hdrs(int port, const char *path, int rcvbuf, const char *headers, int *status)
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
    int n = snprintf(
        req, sizeof req,
        "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: " S_KEY "\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
        path, port, headers != NULL ? headers : "");
    n = n < 0 ? 0 : n >= (int) sizeof req ? (int) sizeof req - 1 : n; /* a test's own input */
    size_t got = 0;
    char *end = NULL;
    if (ws->fd < 0 || connect(ws->fd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
        s_write_all(ws, (const unsigned char *) req, (size_t) n) != 0) {
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
    if (*status != 101 || end == NULL ||
        strcasestr(answer, "\r\nsec-websocket-accept: " S_ACCEPT "\r\n") == NULL ||
        strcasestr(answer, "\r\nupgrade: websocket\r\n") == NULL ||
        strcasestr(answer, "\r\nconnection: upgrade\r\n") == NULL) {
        *status = *status == 101 ? -1 : *status;
        goto fail;
    }
    /* Frames that came with the answer. */
    ws->in_len = got - (size_t) (end + 4 - answer);
    ws->in_cap = 65536;
    memmove(answer, end + 4, ws->in_len);
    ws->in = (unsigned char *) answer;
    fcntl(ws->fd, F_SETFL, fcntl(ws->fd, F_GETFL) | O_NONBLOCK);
    s_parse(ws);
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
    while (ws->head != NULL) {
        s_msg_t *m = ws->head;
        ws->head = m->next;
        free(m);
    }
    free(ws->frag);
    free(ws->in);
    free(ws);
    *ws_p = NULL;
}

int
cbh_ws_send(cbh_ws_t *ws, const char *text)
{
    return s_frame(ws, 0x1, text, strlen(text));
}

int
cbh_ws_ping(cbh_ws_t *ws, const char *payload)
{
    return s_frame(ws, 0x9, payload, strlen(payload));
}

int
cbh_ws_send_close(cbh_ws_t *ws, int code)
{
    unsigned char p[2] = {(unsigned char) (code >> 8), (unsigned char) code};
    ws->close_sent = true;
    return s_frame(ws, 0x8, p, 2);
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
    /* The text moves to the front of its block, which the caller frees. */
    memmove(m, m->text, m->len + 1);
    return (char *) m;
}

char *
cbh_ws_wait_for(cbh_ws_t *ws, const char *needle, int timeout_ms)
{
    int64_t deadline = s_now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - s_now_ms();
        char *m = cbh_ws_recv(ws, left > 0 ? (int) left : 0, NULL);
        if (m == NULL || strstr(m, needle) != NULL) {
            return m;
        }
        free(m);
    }
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

int
cbh_ws_fd(const cbh_ws_t *ws)
{
    return ws->fd;
}
