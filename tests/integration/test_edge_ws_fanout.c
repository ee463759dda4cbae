/* test_edge_ws_fanout.c - api-edge's /ws fan-out: 1,000 concurrent clients on one symbol each receive every tick, in order */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cb_time.h"
#include "cbh_edgews.h"
#include "cbh_ws.h"

#define S_CLIENTS 1000
#define S_TICKS 200
#define S_BUF 16384

/* A light client: one socket, one fixed buffer, frames parsed in place
 * (the harness's cbh_ws keeps a 64 KiB+ buffer and a copy per message,
 * which is more than a thousand of them need). Server frames here are
 * small text frames; anything else fails the test. */
typedef struct {
    int fd;
    bool open; /* the 101 answer came */
    bool subscribed;
    size_t len;
    size_t got;
    char buf[S_BUF];
} s_client_t;

static s_client_t *s_clients;
static uint64_t s_seqs[S_TICKS];
static int64_t s_sent_ns[S_TICKS];
static int64_t *s_lat_us;
static size_t s_nlat;

static void
s_send_frame(int fd, const char *text)
{
    size_t len = strlen(text);
    unsigned char f[256];
    assert_true(len < 126 && len + 6 <= sizeof f);
    f[0] = 0x81;
    f[1] = (unsigned char) (0x80 | len);
    memcpy(f + 2, "\x11\x22\x33\x44", 4);
    for (size_t i = 0; i < len; i++) {
        f[6 + i] = (unsigned char) text[i] ^ f[2 + i % 4];
    }
    assert_int_equal(send(fd, f, len + 6, MSG_NOSIGNAL), (ssize_t) (len + 6));
}

/* One text message of client c. */
static void
s_on_text(s_client_t *c, const char *p, size_t len)
{
    if (len > 9 && memmem(p, len, "\"type\":\"subscribed\"", 19) != NULL) {
        c->subscribed = true;
        return;
    }
    if (memmem(p, len, "\"type\":\"price_update\"", 21) == NULL) {
        return;
    }
    const char *s = memmem(p, len, "\"seq\":", 6);
    assert_non_null(s);
    uint64_t seq = strtoull(s + 6, NULL, 10);
    size_t idx = c->got++;
    if (idx >= S_TICKS || seq != s_seqs[idx]) {
        fail_msg("client fd %d: tick %zu has seq %llu, expected %llu", c->fd, idx,
                 (unsigned long long) seq, (unsigned long long) (idx < S_TICKS ? s_seqs[idx] : 0));
    }
    s_lat_us[s_nlat++] = (cb_time_mono_ns() - s_sent_ns[idx]) / 1000;
}

/* Parses the complete frames (or the 101 answer) in c's buffer. */
static void
s_parse(s_client_t *c)
{
    size_t off = 0;
    if (!c->open) {
        char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (end == NULL) {
            return;
        }
        assert_memory_equal(c->buf, "HTTP/1.1 101", 12);
        c->open = true;
        off = (size_t) (end + 4 - c->buf);
        s_send_frame(c->fd, "{\"type\":\"subscribe\",\"symbol\":\"BTC\"}");
    }
    while (c->len - off >= 2) {
        const unsigned char *f = (const unsigned char *) c->buf + off;
        size_t h = 2, len = f[1] & 0x7f;
        assert_int_equal(f[1] & 0x80, 0);
        if (len == 126) {
            if (c->len - off < 4) {
                break;
            }
            len = (size_t) f[2] << 8 | f[3];
            h = 4;
        }
        assert_true(len < 127 || h == 4);
        if (c->len - off < h + len) {
            break;
        }
        if ((f[0] & 0x0f) == 0x1) {
            s_on_text(c, (const char *) f + h, len);
        } else {
            fail_msg("client %d: unexpected opcode %d", c->fd, f[0] & 0x0f);
        }
        off += h + len;
    }
    memmove(c->buf, c->buf + off, c->len - off);
    c->len -= off;
}

/* Reads every client that has something, waiting up to ms. */
static void
s_poll(struct pollfd *pfds, int ms)
{
    if (poll(pfds, S_CLIENTS, ms) <= 0) {
        return;
    }
    for (int i = 0; i < S_CLIENTS; i++) {
        if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
            continue;
        }
        s_client_t *c = &s_clients[i];
        ssize_t r;
        while ((r = recv(c->fd, c->buf + c->len, S_BUF - c->len, 0)) > 0) {
            c->len += (size_t) r;
            s_parse(c);
        }
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            fail_msg("client %d: connection ended", i);
        }
    }
}

/* This process's resident set (server and clients share it). */
static long
s_rss_kb(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) {
            resident = 0;
        }
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int
s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

static void
test_thousand_clients_every_tick(void **state)
{
    (void) state;
    s_clients = calloc(S_CLIENTS, sizeof *s_clients);
    s_lat_us = calloc((size_t) S_CLIENTS * S_TICKS, sizeof *s_lat_us);
    struct pollfd *pfds = calloc(S_CLIENTS, sizeof *pfds);
    assert_non_null(s_clients);
    assert_non_null(s_lat_us);
    assert_non_null(pfds);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t) cbh_edgews_port())};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    long rss0_kb = s_rss_kb();
    int64_t t0 = cb_time_mono_ns();
    char req[256];
    int n = snprintf(req, sizeof req,
                     "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n");
    for (int i = 0; i < S_CLIENTS; i++) {
        s_client_t *c = &s_clients[i];
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(c->fd >= 0);
        assert_int_equal(connect(c->fd, (struct sockaddr *) &addr, sizeof addr), 0);
        assert_int_equal(send(c->fd, req, (size_t) n, MSG_NOSIGNAL), n);
        fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
        pfds[i] = (struct pollfd){.fd = c->fd, .events = POLLIN};
    }
    /* Every client upgraded and subscribed. */
    int64_t deadline = cb_time_mono_ns() + 15000000000LL;
    size_t ready = 0;
    while (ready < S_CLIENTS && cb_time_mono_ns() < deadline) {
        s_poll(pfds, 50);
        ready = 0;
        for (int i = 0; i < S_CLIENTS; i++) {
            ready += s_clients[i].subscribed;
        }
    }
    printf("%d clients connected and subscribed in %lld ms\n", S_CLIENTS,
           (long long) ((cb_time_mono_ns() - t0) / 1000000));
    assert_int_equal(ready, S_CLIENTS);
    assert_int_equal(cbh_edgews_stats().clients, S_CLIENTS);
    long rss_kb = s_rss_kb();
    printf("RSS %ld KB -> %ld KB: %.1f KB per connection, server and client sides together\n",
           rss0_kb, rss_kb, (double) (rss_kb - rss0_kb) / S_CLIENTS);
    /* The hub is full (max_clients): one more is answered 503. */
    int status = 0;
    cbh_ws_t *extra = cbh_ws_connect(cbh_edgews_port(), "/ws", &status);
    assert_null(extra);
    assert_int_equal(status, 503);

    /* Ticks at about 1,000 a second, read as they come. */
    int64_t t1 = cb_time_mono_ns();
    for (int k = 0; k < S_TICKS; k++) {
        cb_event_t ev;
        char bid[32];
        snprintf(bid, sizeof bid, "50000.%03d", k);
        cbh_edgews_make_tick(&ev, "BTC-USD", "sim-kraken", bid, "60000", NULL, NULL);
        s_sent_ns[k] = cb_time_mono_ns();
        cbh_edgews_publish(&ev);
        s_seqs[k] = ev.env.seq;
        s_poll(pfds, 0);
        cb_time_sleep_ms(1, NULL);
    }
    deadline = cb_time_mono_ns() + 10000000000LL;
    size_t done = 0;
    while (done < S_CLIENTS && cb_time_mono_ns() < deadline) {
        s_poll(pfds, 20);
        done = 0;
        for (int i = 0; i < S_CLIENTS; i++) {
            done += s_clients[i].got == S_TICKS;
        }
    }
    int64_t ms = (cb_time_mono_ns() - t1) / 1000000;
    qsort(s_lat_us, s_nlat, sizeof *s_lat_us, s_cmp);
    printf("%d ticks x %d clients: %zu deliveries in %lld ms (%.0f/s); tick to client "
           "p50 %lld us, p99 %lld us, max %lld us\n",
           S_TICKS, S_CLIENTS, s_nlat, (long long) ms, s_nlat * 1000.0 / (double) (ms + 1),
           (long long) s_lat_us[s_nlat / 2], (long long) s_lat_us[s_nlat * 99 / 100],
           (long long) s_lat_us[s_nlat - 1]);
    for (int i = 0; i < S_CLIENTS; i++) {
        if (s_clients[i].got != S_TICKS) {
            fail_msg("client %d got %zu of %d ticks", i, s_clients[i].got, S_TICKS);
        }
    }
    edge_ws_stats_t st = cbh_edgews_stats();
    assert_int_equal(st.coalesced, 0);
    assert_int_equal(st.slow_closed, 0);
    for (int i = 0; i < S_CLIENTS; i++) {
        close(s_clients[i].fd);
    }
    free(pfds);
    free(s_lat_us);
    free(s_clients);
}

static int
s_setup(void **state)
{
    (void) state;
    edge_ws_config_t cfg = edge_ws_config_default();
    cfg.max_clients = S_CLIENTS;
    cfg.ping_interval_ms = 60000;
    if (cbh_edgews_start(&cfg) != 0) {
        return -1;
    }
    cbh_edgews_warm("BTC-USD", "sim-kraken");
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thousand_clients_every_tick),
    };
    return cmocka_run_group_tests(tests, s_setup, cbh_edgews_teardown);
}
