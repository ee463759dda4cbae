/* bench_venue_sim_ws.c - venue-sim WebSocket messages/s to N clients vs a bare loopback sender */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cb_time.h"
#include "cbh.h"
#include "cbh_ws.h"

/* Half the clients (rounded up) take Binance combined streams, the others
 * Kraken v2 book 10, ticker and trade, all on the three instruments. */
#define S_BINANCE_PATH                                                                             \
    "/binance/stream?streams=btcusdt@bookTicker/btcusdt@trade/ethusdt@bookTicker/ethusdt@trade/"   \
    "solusdt@bookTicker/solusdt@trade"
#define S_KRAKEN_PATH "/kraken/ws/v2"
#define S_MAX_CLIENTS 256
#define S_MAX_ROUNDS 15
#define S_WARMUP_MS 500

static const char *const s_kraken_subs[] = {
    "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"depth\":10,"
    "\"symbol\":[\"BTC/USD\",\"ETH/USD\",\"SOL/USD\"]},\"req_id\":1}",
    "{\"method\":\"subscribe\",\"params\":{\"channel\":\"ticker\","
    "\"symbol\":[\"BTC/USD\",\"ETH/USD\",\"SOL/USD\"]},\"req_id\":2}",
    "{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\","
    "\"symbol\":[\"BTC/USD\",\"ETH/USD\",\"SOL/USD\"]},\"req_id\":3}",
};

/* What one measured phase received. */
typedef struct {
    uint64_t msgs;
    uint64_t bytes;
    uint64_t venue_msgs[2]; /* sim phase: Binance, Kraken */
    double secs;
    int ended; /* connections that ended during the phase */
} s_phase_t;

/* Reads every connection for ms; counts what arrives when counting. */
static void
s_drain(cbh_ws_t **ws, int n, int ms, int counting, s_phase_t *ph)
{
    struct pollfd pfd[S_MAX_CLIENTS];
    for (int i = 0; i < n; i++) {
        pfd[i].fd = ws[i] != NULL ? cbh_ws_fd(ws[i]) : -1;
        pfd[i].events = POLLIN;
    }
    int64_t deadline = cb_time_mono_ns() + (int64_t) ms * 1000000;
    while (cb_time_mono_ns() < deadline) {
        if (poll(pfd, (nfds_t) n, 10) <= 0) {
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (pfd[i].fd < 0 || pfd[i].revents == 0) {
                continue;
            }
            cbh_ws_pump(ws[i], 0);
            while (cbh_ws_pending(ws[i]) > 0) {
                size_t len = 0;
                char *m = cbh_ws_recv(ws[i], 0, &len);
                if (counting && m != NULL) {
                    ph->msgs++;
                    ph->bytes += len;
                    ph->venue_msgs[i % 2]++;
                }
                free(m);
            }
            if (cbh_ws_ended(ws[i])) {
                pfd[i].fd = -1;
                ph->ended += counting;
            }
        }
    }
}

/* Connects n clients to the sim (even: Binance, odd: Kraken, subscribed).
 * 0, or -1 with the clients opened so far closed. */
static int
s_sim_connect(int port, cbh_ws_t **ws, int n)
{
    for (int i = 0; i < n; i++) {
        int status;
        ws[i] = cbh_ws_connect(port, i % 2 == 0 ? S_BINANCE_PATH : S_KRAKEN_PATH, &status);
        if (ws[i] == NULL) {
            fprintf(stderr, "bench: WebSocket connect to venue-sim failed: status %d\n", status);
            goto fail;
        }
        for (size_t s = 0; i % 2 == 1 && s < sizeof s_kraken_subs / sizeof s_kraken_subs[0]; s++) {
            if (cbh_ws_send(ws[i], s_kraken_subs[s]) != 0) {
                fprintf(stderr, "bench: Kraken subscribe failed\n");
                goto fail;
            }
        }
    }
    return 0;
fail:
    for (int i = 0; i < n; i++) {
        cbh_ws_close(&ws[i]);
    }
    return -1;
}

/* ---- reference: a bare loopback WebSocket sender in a child process ------------ */

/* The answer cbh_ws expects for its fixed RFC 6455 sample key. */
static const char s_answer[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                               "Connection: Upgrade\r\n"
                               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

/* The child: accepts n handshakes on lfd, then writes the same text frame
 * of payload bytes to every connection as fast as the sockets take it,
 * until every client has gone. Never returns. */
static void
s_ref_serve(int lfd, int n, size_t payload)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fds[S_MAX_CLIENTS];
    size_t off[S_MAX_CLIENTS];
    for (int i = 0; i < n; i++) {
        fds[i] = accept(lfd, NULL, NULL);
        char req[4096];
        size_t got = 0;
        while (fds[i] >= 0 && got < sizeof req - 1) {
            ssize_t r = recv(fds[i], req + got, sizeof req - 1 - got, 0);
            if (r <= 0) {
                _exit(1);
            }
            got += (size_t) r;
            req[got] = '\0';
            if (strstr(req, "\r\n\r\n") != NULL) {
                break;
            }
        }
        if (fds[i] < 0 || send(fds[i], s_answer, sizeof s_answer - 1, MSG_NOSIGNAL) < 0) {
            _exit(1);
        }
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        off[i] = 0;
    }
    /* A buffer of whole frames, so that the stream wraps around it. */
    size_t hdr = payload < 126 ? 2 : 4;
    size_t frame = hdr + payload;
    size_t nframes = 65536 / frame + 1;
    size_t buf_len = nframes * frame;
    unsigned char *buf = malloc(buf_len);
    if (buf == NULL) {
        _exit(1);
    }
    for (size_t f = 0; f < nframes; f++) {
        unsigned char *p = buf + f * frame;
        p[0] = 0x81;
        if (hdr == 2) {
            p[1] = (unsigned char) payload;
        } else {
            p[1] = 126;
            p[2] = (unsigned char) (payload >> 8);
            p[3] = (unsigned char) payload;
        }
        memset(p + hdr, 'x', payload);
        memcpy(p + hdr, "{\"stream\":\"ref\",\"data\":\"", payload > 30 ? 24 : 0);
        if (payload > 30) {
            memcpy(p + hdr + payload - 2, "\"}", 2);
        }
    }
    struct pollfd pfd[S_MAX_CLIENTS];
    int open = n;
    for (int i = 0; i < n; i++) {
        pfd[i].fd = fds[i];
        pfd[i].events = POLLOUT;
    }
    while (open > 0) {
        if (poll(pfd, (nfds_t) n, 1000) <= 0) {
            continue;
        }
        for (int i = 0; i < n; i++) {
            if (pfd[i].fd < 0 || pfd[i].revents == 0) {
                continue;
            }
            ssize_t w = -1;
            int err = EPIPE;
            if ((pfd[i].revents & (POLLERR | POLLHUP)) == 0) {
                w = send(fds[i], buf + off[i], buf_len - off[i], MSG_NOSIGNAL);
                err = errno;
            }
            if (w > 0) {
                off[i] = (off[i] + (size_t) w) % buf_len;
            } else if (w < 0 && err != EAGAIN && err != EWOULDBLOCK && err != EINTR) {
                close(fds[i]);
                pfd[i].fd = -1;
                open--;
            }
        }
    }
    _exit(0);
}

/* Runs one reference phase: forks the sender, connects n clients, drains
 * for warm-up then ms counted. 0 or -1. */
static int
s_ref_phase(int n, size_t payload, int ms, s_phase_t *ph)
{
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    if (lfd < 0 || bind(lfd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(lfd, n) != 0 ||
        getsockname(lfd, (struct sockaddr *) &addr, &alen) != 0) {
        fprintf(stderr, "bench: reference listen() failed: %s\n", strerror(errno));
        if (lfd >= 0) {
            close(lfd);
        }
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        s_ref_serve(lfd, n, payload);
    }
    close(lfd);
    if (pid < 0) {
        fprintf(stderr, "bench: fork() failed: %s\n", strerror(errno));
        return -1;
    }
    cbh_ws_t *ws[S_MAX_CLIENTS] = {0};
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        ws[i] = cbh_ws_connect(ntohs(addr.sin_port), "/ref", NULL);
        rc = ws[i] != NULL ? 0 : -1;
    }
    if (rc == 0) {
        s_drain(ws, n, S_WARMUP_MS, 0, ph);
        int64_t t0 = cb_time_mono_ns();
        s_drain(ws, n, ms, 1, ph);
        ph->secs = (double) (cb_time_mono_ns() - t0) / 1e9;
    } else {
        fprintf(stderr, "bench: WebSocket connect to the reference sender failed\n");
        kill(pid, SIGKILL);
    }
    for (int i = 0; i < n; i++) {
        cbh_ws_close(&ws[i]);
    }
    waitpid(pid, NULL, 0);
    return rc;
}

/* Runs one venue-sim phase on port, likewise. */
static int
s_sim_phase(int port, int n, int ms, s_phase_t *ph)
{
    cbh_ws_t *ws[S_MAX_CLIENTS] = {0};
    if (s_sim_connect(port, ws, n) != 0) {
        return -1;
    }
    s_drain(ws, n, S_WARMUP_MS, 0, ph);
    int64_t t0 = cb_time_mono_ns();
    s_drain(ws, n, ms, 1, ph);
    ph->secs = (double) (cb_time_mono_ns() - t0) / 1e9;
    for (int i = 0; i < n; i++) {
        cbh_ws_close(&ws[i]);
    }
    return 0;
}

static size_t
s_discard(char *p, size_t size, size_t n, void *arg)
{
    (void) p;
    (void) arg;
    return size * n;
}

/* Pauses or resumes the sim's market (POST /admin/market), so that the
 * reference phase does not share the cores with a market nobody reads.
 * 0 or -1 (logged). */
static int
s_sim_pause(int port, int paused)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/admin/market", port);
    CURL *c = curl_easy_init();
    if (c == NULL) {
        return -1;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, paused ? "{\"paused\":true}" : "{\"paused\":false}");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_discard);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK || status != 200) {
        fprintf(stderr, "bench: POST %s failed: %s, status %ld\n", url, curl_easy_strerror(rc),
                status);
        return -1;
    }
    return 0;
}

static int
s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double
s_median(double *v, int n)
{
    qsort(v, (size_t) n, sizeof *v, s_cmp_double);
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
    int clients = argc > 1 ? atoi(argv[1]) : 16;
    int rate = argc > 2 ? atoi(argv[2]) : 100000;
    int secs = argc > 3 ? atoi(argv[3]) : 3;
    int rounds = argc > 4 ? atoi(argv[4]) : 3;
    if (clients < 2 || clients > S_MAX_CLIENTS || rate < 1 || rate > 100000 || secs < 1 ||
        rounds < 1 || rounds > S_MAX_ROUNDS) {
        fprintf(stderr,
                "usage: bench_venue_sim_ws [clients 2..%d] [rate 1..100000 events/s per "
                "instrument] [seconds] [rounds 1..%d]\n",
                S_MAX_CLIENTS, S_MAX_ROUNDS);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* Never hang a bench run: each round takes about 2 x (seconds + 1). */
    alarm((unsigned) (rounds * 2 * (secs + 2) + 30));
    int port = cbh_free_port();
    char bin[512], env_port[64], env_rate[64];
    snprintf(bin, sizeof bin, "%s/venue-sim", cbh_bin_dir());
    snprintf(env_port, sizeof env_port, "COINBUS_SIM_PORT=%d", port);
    snprintf(env_rate, sizeof env_rate, "COINBUS_SIM_RATE=%d", rate);
    char *const argv_sim[] = {bin, NULL};
    char *const env[] = {env_port, env_rate, "COINBUS_SIM_LIMITS=off", "COINBUS_SIM_SEED=1", NULL};
    cbh_proc_t *sim = cbh_proc_start("venue-sim", argv_sim, env);
    if (sim == NULL || cbh_wait_port(port, 5000) != 0) {
        fprintf(stderr, "bench: venue-sim did not start (%s)\n", cbh_proc_log_path(sim));
        cbh_proc_stop(&sim, SIGTERM, 3000);
        return 1;
    }

    double sim_rate[S_MAX_ROUNDS], ref_rate[S_MAX_ROUNDS], ratio[S_MAX_ROUNDS];
    double bin_rate[S_MAX_ROUNDS], kr_rate[S_MAX_ROUNDS], sim_size[S_MAX_ROUNDS];
    int ended = 0;
    int rc = 0;
    size_t payload = 0;
    for (int r = 0; r < rounds && rc == 0; r++) {
        s_phase_t s = {0}, f = {0};
        rc = s_sim_phase(port, clients, secs * 1000, &s);
        if (rc != 0 || s.msgs == 0) {
            fprintf(stderr, "bench: no messages from venue-sim (%s)\n", cbh_proc_log_path(sim));
            rc = -1;
            break;
        }
        /* The reference frames have the sim's mean message size of the first round. */
        if (payload == 0) {
            payload = (size_t) (s.bytes / s.msgs);
            payload = payload < 32 ? 32 : payload > 65535 ? 65535 : payload;
        }
        rc = s_sim_pause(port, 1);
        rc = rc == 0 ? s_ref_phase(clients, payload, secs * 1000, &f) : rc;
        rc = rc == 0 ? s_sim_pause(port, 0) : rc;
        if (rc != 0 || f.msgs == 0) {
            rc = -1;
            break;
        }
        sim_rate[r] = (double) s.msgs / s.secs;
        bin_rate[r] = (double) s.venue_msgs[0] / s.secs;
        kr_rate[r] = (double) s.venue_msgs[1] / s.secs;
        sim_size[r] = (double) s.bytes / (double) s.msgs;
        ref_rate[r] = (double) f.msgs / f.secs;
        ratio[r] = sim_rate[r] / ref_rate[r];
        ended += s.ended + f.ended;
        printf("round %d: venue-sim %.0f msg/s (Binance %.0f, Kraken %.0f), reference %.0f msg/s, "
               "%.3fx\n",
               r + 1, sim_rate[r], bin_rate[r], kr_rate[r], ref_rate[r], ratio[r]);
    }
    if (!cbh_proc_alive(sim)) {
        fprintf(stderr, "bench: venue-sim exited during the run (%s)\n", cbh_proc_log_path(sim));
        rc = -1;
    }
    cbh_proc_stop(&sim, SIGTERM, 3000);
    curl_global_cleanup();
    if (rc != 0) {
        return 1;
    }
    double lo = ratio[0], hi = ratio[0];
    for (int r = 1; r < rounds; r++) {
        lo = ratio[r] < lo ? ratio[r] : lo;
        hi = ratio[r] > hi ? ratio[r] : hi;
    }
    double sim_med = s_median(sim_rate, rounds);
    printf("\n| venue-sim WebSocket, %d clients, rate %d/s per instrument, %d s x %d rounds | "
           "messages/s (median round) | mean bytes |\n|---|---:|---:|\n",
           clients, rate, secs, rounds);
    printf("| reference: bare loopback sender (market paused), same frame size, same client | %.0f "
           "| %zu |\n",
           s_median(ref_rate, rounds), payload);
    printf("| venue-sim, all clients | %.0f | %.0f |\n", sim_med, s_median(sim_size, rounds));
    printf("| (Binance combined streams, %d clients) | %.0f | - |\n", (clients + 1) / 2,
           s_median(bin_rate, rounds));
    printf("| (Kraken v2 book 10 + ticker + trade, %d clients) | %.0f | - |\n", clients / 2,
           s_median(kr_rate, rounds));
    printf("\nvenue-sim / reference: %.3fx median (per-round %.3fx to %.3fx); venue-sim %.0f msg/s "
           "(target >= 20000: %s); connections dropped: %d\n",
           s_median(ratio, rounds), lo, hi, sim_med, sim_med >= 20000 ? "met" : "NOT met", ended);
    return 0;
}
