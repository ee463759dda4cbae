/* bench_bus.c - bus throughput and RPC latency: coinbus vs bare libzmq, in one run */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <czmq.h>

#include "cb_bus.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_pub.h"
#include "cb_rpc.h"
#include "cb_sub.h"
#include "cb_time.h"
#include "cbh_bus.h"

/* ---- shared bits ---------------------------------------------------------- */

/* One encoded tick with a stamped envelope: the bytes the raw paths send. */
static size_t
s_encoded_tick(char *buf, size_t cap)
{
    cb_event_t ev;
    cbh_bus_bench_tick(&ev, 1);
    CB_PROTO_SET(&ev.env, envelope, v, 1);
    CB_PROTO_SET(&ev.env, envelope, ts, cb_time_now_ns());
    CB_PROTO_SET(&ev.env, envelope, epoch, CB_STR("0123456789abcdef"));
    CB_PROTO_SET(&ev.env, envelope, seq, 1);
    cb_buf_t sb;
    cb_buf_init(&sb);
    cb_event_encode(&ev, &sb, NULL);
    size_t n = sb.len < cap ? sb.len : cap;
    memcpy(buf, sb.data, n);
    cb_buf_fini(&sb);
    return n;
}

static const char s_topic[] = "tick.BTC-USD.sim-kraken";

/* ---- child roles (this binary re-executed with --role ...) ------------------ */

/* Subscriber: prints "R" once a warm-up message arrived, then counts ticks until
 * count arrived or 2 s pass without one; prints "<received> <elapsed_ns> <missed>".
 * decode: our cb_sub (decode, topic check, seq tracking per message); otherwise
 * bare libzmq receives of the two frames, nothing else. */
static int
s_role_sub(const char *endpoint, long count, bool decode)
{
    cb_sub_t *sub = cb_sub_new(endpoint);
    cb_sub_subscribe(sub, "tick.");
    cb_sub_subscribe(sub, "warm.");
    void *raw = cb_sub_socket(sub);
    zmq_pollitem_t item = {raw, 0, ZMQ_POLLIN, 0};
    /* Warm-up: wait for the first message, tell the parent, drain warm-ups. */
    while (zmq_poll(&item, 1, 2000) <= 0) {
    }
    printf("R\n");
    fflush(stdout);
    long received = 0;
    int64_t first = 0;
    int64_t last = 0;
    while (received < count) {
        bool tick = false;
        if (decode) {
            cb_sub_msg_t msg;
            int rc = cb_sub_recv(sub, 2000, &msg);
            if (rc == CB_E_TIMEOUT) {
                cb_sub_msg_clear(&msg);
                break;
            }
            tick = rc == 0;
            cb_sub_msg_clear(&msg);
        } else {
            zmq_msg_t topic;
            zmq_msg_t payload;
            zmq_msg_init(&topic);
            zmq_msg_init(&payload);
            if (zmq_msg_recv(&topic, raw, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&topic);
                zmq_msg_close(&payload);
                if (zmq_poll(&item, 1, 2000) <= 0) {
                    break;
                }
                continue;
            }
            zmq_msg_recv(&payload, raw, 0);
            tick = ((const char *) zmq_msg_data(&topic))[0] == 't';
            zmq_msg_close(&topic);
            zmq_msg_close(&payload);
        }
        if (tick) {
            if (received == 0) {
                first = cb_time_mono_ns();
            }
            received++;
            last = cb_time_mono_ns();
        }
    }
    cb_sub_stats_t st = cb_sub_stats(sub);
    printf("%ld %lld %llu %lld\n", received, (long long) (last - first),
           (unsigned long long) st.missed, (long long) last);
    fflush(stdout);
    cb_sub_destroy(&sub);
    return 0;
}

static int
s_role_proxy(int front_type, const char *front, int back_type, const char *back)
{
    void *ctx = zmq_ctx_new();
    void *f = zmq_socket(ctx, front_type);
    void *b = zmq_socket(ctx, back_type);
    cb_bus_tune(f, CB_BUS_ROLE_PROXY);
    cb_bus_tune(b, CB_BUS_ROLE_PROXY);
    if (zmq_bind(f, front) != 0 || zmq_bind(b, back) != 0) {
        fprintf(stderr, "bind failed: %s\n", zmq_strerror(zmq_errno()));
        return 1;
    }
    zmq_proxy(f, b, NULL);
    return 0;
}

static int
s_role_worker_bare(const char *endpoint)
{
    void *ctx = zmq_ctx_new();
    void *rep = zmq_socket(ctx, ZMQ_REP);
    cb_bus_tune(rep, CB_BUS_ROLE_RPC_WORKER);
    zmq_connect(rep, endpoint);
    char buf[4096];
    for (;;) {
        int n = zmq_recv(rep, buf, sizeof buf, 0);
        if (n < 0) {
            return 0;
        }
        /* Echo: same size as our reply would be, no decoding. */
        zmq_send(rep, buf, (size_t) (n > (int) sizeof buf ? (int) sizeof buf : n), 0);
    }
}

static int
s_handler(void *ctx, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg, size_t size)
{
    (void) ctx;
    (void) req;
    (void) msg;
    (void) size;
    msgpack_pack_map(pk, 1);
    msgpack_pack_str_with_body(pk, "ok", 2);
    msgpack_pack_true(pk);
    return 0;
}

static int
s_role_worker_ours(const char *endpoint)
{
    cb_rpc_worker_t *w = cb_rpc_worker_new(endpoint, "market", s_handler, NULL);
    static volatile sig_atomic_t never = 0;
    return cb_rpc_worker_run(w, &never);
}

/* ---- the parent's side ------------------------------------------------------ */

typedef struct {
    pid_t pid;
    FILE *out;
} s_child_t;

static s_child_t
s_spawn(char *const argv[])
{
    int fds[2];
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(1);
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    close(fds[1]);
    s_child_t c = {pid, fdopen(fds[0], "r")};
    return c;
}

static void
s_kill(s_child_t *c)
{
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        waitpid(c->pid, NULL, 0);
    }
    if (c->out != NULL) {
        fclose(c->out);
    }
    c->pid = 0;
    c->out = NULL;
}

static char *
s_endpoint(int port)
{
    char *e = malloc(64);
    snprintf(e, 64, "tcp://127.0.0.1:%d", port);
    return e;
}

typedef struct {
    double rate;    /* received / (last receive - first receive): the drain rate */
    double goodput; /* received / (last receive - first send): delivered per second */
    long received;
    unsigned long long missed;
} s_tp_t;

/* Publishes count ticks to pub_endpoint while a child subscriber on
 * sub_endpoint counts them. mode 0: raw bytes; 1: cb_pub_send (encode each). */
static s_tp_t
s_throughput(const char *pub_endpoint, const char *sub_endpoint, bool bind_pub, long count,
             int mode, bool decode)
{
    char count_text[32];
    snprintf(count_text, sizeof count_text, "%ld", count);
    char *argv[] = {"bench_bus", "--role", decode ? "sub-decode" : "sub-raw",
                    (char *) sub_endpoint, count_text, NULL};
    s_child_t sub = s_spawn(argv);

    void *raw_pub = NULL;
    zsock_t *bound = NULL;
    cb_pub_t *pub = NULL;
    if (bind_pub) {
        bound = zsock_new(ZMQ_PUB);
        cb_bus_tune(zsock_resolve(bound), CB_BUS_ROLE_PUBLISHER);
        zsock_bind(bound, "%s", pub_endpoint);
        raw_pub = zsock_resolve(bound);
    } else {
        pub = cb_pub_new(pub_endpoint);
    }
    char payload[512];
    size_t plen = s_encoded_tick(payload, sizeof payload);
    /* Warm up until the subscriber is connected and subscribed. */
    char line[128];
    for (;;) {
        if (raw_pub != NULL) {
            zmq_send(raw_pub, "warm.", 5, ZMQ_SNDMORE);
            zmq_send(raw_pub, payload, plen, 0);
        } else {
            cb_pub_send_raw(pub, "warm.", 5, payload, plen);
        }
        struct timeval tv = {0, 20000};
        fd_set set;
        FD_ZERO(&set);
        FD_SET(fileno(sub.out), &set);
        if (select(fileno(sub.out) + 1, &set, NULL, NULL, &tv) > 0) {
            if (fgets(line, sizeof line, sub.out) == NULL) {
                break;
            }
            break;
        }
    }
    int64_t send_start = cb_time_mono_ns();
    for (long i = 0; i < count; i++) {
        if (mode == 0) {
            if (raw_pub != NULL) {
                zmq_send(raw_pub, s_topic, sizeof s_topic - 1, ZMQ_SNDMORE);
                zmq_send(raw_pub, payload, plen, 0);
            } else {
                cb_pub_send_raw(pub, s_topic, sizeof s_topic - 1, payload, plen);
            }
        } else {
            cb_event_t ev;
            cbh_bus_bench_tick(&ev, (uint64_t) i);
            cb_pub_send(pub, &ev, NULL);
        }
    }
    s_tp_t r = {0, 0, 0, 0};
    long long elapsed = 0;
    long long last = 0;
    if (fgets(line, sizeof line, sub.out) != NULL) {
        sscanf(line, "%ld %lld %llu %lld", &r.received, &elapsed, &r.missed, &last);
    }
    r.rate = elapsed > 0 ? (double) r.received / ((double) elapsed / 1e9) : 0;
    r.goodput = last > send_start ? (double) r.received / ((double) (last - send_start) / 1e9) : 0;
    waitpid(sub.pid, NULL, 0);
    sub.pid = 0;
    s_kill(&sub);
    cb_pub_destroy(&pub);
    zsock_destroy(&bound);
    return r;
}

static int
s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a;
    int64_t y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

typedef struct {
    double p50_us;
    double p99_us;
} s_lat_t;

/* The two RPC paths, called alternately so that load drift hits both alike:
 * ours is cb_rpc_call through the bus to a cb_rpc_worker; the bare one sends
 * the same request bytes from a REQ socket through a bare proxy to an echo. */
typedef struct {
    cb_rpc_client_t *client;
    zsock_t *req;
    cb_buf_t request;
    int64_t *ours;
    int64_t *bare;
} s_rpc_bench_t;

static int64_t
s_call_ours(s_rpc_bench_t *b)
{
    cb_rpc_result_t res;
    int64_t t0 = cb_time_mono_ns();
    cb_rpc_call(b->client, "get", NULL, 0, 2000, 2, &res);
    return cb_time_mono_ns() - t0;
}

static int64_t
s_call_bare(s_rpc_bench_t *b)
{
    char buf[4096];
    void *raw = zsock_resolve(b->req);
    int64_t t0 = cb_time_mono_ns();
    zmq_send(raw, b->request.data, b->request.len, 0);
    zmq_recv(raw, buf, sizeof buf, 0);
    return cb_time_mono_ns() - t0;
}

static void
s_latency(const char *ours_frontend, const char *bare_frontend, int calls, s_lat_t *ours,
          s_lat_t *bare)
{
    s_rpc_bench_t b;
    memset(&b, 0, sizeof b);
    b.client = cb_rpc_client_new(ours_frontend);
    b.req = zsock_new(ZMQ_REQ);
    cb_bus_tune(zsock_resolve(b.req), CB_BUS_ROLE_RPC_CLIENT);
    zsock_connect(b.req, "%s", bare_frontend);
    cb_rpc_request_t rq = {0};
    CB_PROTO_SET(&rq, rpc_request, v, 1);
    CB_PROTO_SET(&rq, rpc_request, id, CB_STR("0123456789abcdef-1"));
    CB_PROTO_SET(&rq, rpc_request, op, CB_STR("get"));
    CB_PROTO_SET(&rq, rpc_request, deadline_ms, cb_time_now_ms() + 600000);
    cb_proto_encode(&cb_proto_schema_rpc_request, &rq, &b.request, NULL);
    b.ours = calloc((size_t) calls, sizeof *b.ours);
    b.bare = calloc((size_t) calls, sizeof *b.bare);
    for (int i = 0; i < 200; i++) {
        s_call_ours(&b);
        s_call_bare(&b);
    }
    for (int i = 0; i < calls; i++) {
        if (i % 2 == 0) {
            b.ours[i] = s_call_ours(&b);
            b.bare[i] = s_call_bare(&b);
        } else {
            b.bare[i] = s_call_bare(&b);
            b.ours[i] = s_call_ours(&b);
        }
    }
    qsort(b.ours, (size_t) calls, sizeof *b.ours, s_cmp_i64);
    qsort(b.bare, (size_t) calls, sizeof *b.bare, s_cmp_i64);
    ours->p50_us = b.ours[calls / 2] / 1e3;
    ours->p99_us = b.ours[calls * 99 / 100] / 1e3;
    bare->p50_us = b.bare[calls / 2] / 1e3;
    bare->p99_us = b.bare[calls * 99 / 100] / 1e3;
    free(b.ours);
    free(b.bare);
    cb_buf_fini(&b.request);
    zsock_destroy(&b.req);
    cb_rpc_client_destroy(&b.client);
}

static int
s_cmp_tp(const void *a, const void *b)
{
    double x = ((const s_tp_t *) a)->goodput;
    double y = ((const s_tp_t *) b)->goodput;
    return x < y ? -1 : x > y;
}

static int
s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a;
    double y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/* The median round (by delivered rate); sorts runs in place. */
static s_tp_t
s_median(s_tp_t *runs, int n)
{
    qsort(runs, (size_t) n, sizeof runs[0], s_cmp_tp);
    return runs[n / 2];
}

int
main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--role") == 0) {
        cb_log_init("bench", CB_LOG_WARN, CB_LOG_TEXT);
        if (strcmp(argv[2], "sub-raw") == 0 || strcmp(argv[2], "sub-decode") == 0) {
            return s_role_sub(argv[3], atol(argv[4]), strcmp(argv[2], "sub-decode") == 0);
        }
        if (strcmp(argv[2], "proxy-events") == 0) {
            return s_role_proxy(ZMQ_XSUB, argv[3], ZMQ_XPUB, argv[4]);
        }
        if (strcmp(argv[2], "proxy-rpc") == 0) {
            return s_role_proxy(ZMQ_ROUTER, argv[3], ZMQ_DEALER, argv[4]);
        }
        if (strcmp(argv[2], "worker-bare") == 0) {
            return s_role_worker_bare(argv[3]);
        }
        if (strcmp(argv[2], "worker-ours") == 0) {
            return s_role_worker_ours(argv[3]);
        }
        return 64;
    }
    cb_log_init("bench", CB_LOG_WARN, CB_LOG_TEXT);
    long count = argc > 1 ? atol(argv[1]) : 2000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    int calls = argc > 3 ? atoi(argv[3]) : 20000;
    zsys_handler_set(NULL);

    /* The paths run interleaved, round after round, so that drift in the
     * machine's load hits them alike; each path reports its median round,
     * and the ratio is the median of the per-round ratios. */
    cbh_bus_t bus;
    if (cbh_bus_start(&bus) != 0) {
        return 1;
    }
    if (rounds < 1 || rounds > 15) {
        rounds = 3;
    }
    s_tp_t runs[6][15];
    double ratios[15];
    for (int r = 0; r < rounds; r++) {
        /* 1. Raw PUB -> SUB, no proxy, same bytes. */
        char *ep = s_endpoint(cbh_free_port());
        runs[0][r] = s_throughput(ep, ep, true, count, 0, false);
        free(ep);
        /* 2. Bare XSUB/XPUB zmq_proxy in its own process, same bytes. */
        char *front = s_endpoint(cbh_free_port());
        char *back = s_endpoint(cbh_free_port());
        char *pargv[] = {"bench_bus", "--role", "proxy-events", front, back, NULL};
        s_child_t proxy = s_spawn(pargv);
        cbh_wait_port(atoi(strrchr(back, ':') + 1), 5000);
        runs[1][r] = s_throughput(front, back, false, count, 0, false);
        s_kill(&proxy);
        free(front);
        free(back);
        /* 3. coinbus: our bus binary, publisher encoding and stamping every
         *    tick, subscriber decoding and checking seq for every tick. */
        runs[2][r] = s_throughput(bus.config.pub, bus.config.sub, false, count, 1, true);
        /* Where the cost goes: our publisher with a bare subscriber, and a
         * bare (pre-encoded) publisher with our subscriber, same bus. */
        runs[3][r] = s_throughput(bus.config.pub, bus.config.sub, false, count, 1, false);
        runs[4][r] = s_throughput(bus.config.pub, bus.config.sub, false, count, 0, true);
        /* The bus binary itself against the bare proxy: same bytes, no codec. */
        runs[5][r] = s_throughput(bus.config.pub, bus.config.sub, false, count, 0, false);
        ratios[r] = runs[1][r].goodput > 0 ? runs[2][r].goodput / runs[1][r].goodput : 0;
    }
    s_tp_t direct = s_median(runs[0], rounds);
    s_tp_t bare = s_median(runs[1], rounds);
    s_tp_t ours = s_median(runs[2], rounds);
    s_tp_t ours_pub = s_median(runs[3], rounds);
    s_tp_t ours_sub = s_median(runs[4], rounds);
    s_tp_t bus_only = s_median(runs[5], rounds);
    qsort(ratios, (size_t) rounds, sizeof ratios[0], s_cmp_double);
    double ratio = ratios[rounds / 2];

    /* RPC: bare ROUTER/DEALER proxy + REQ + REP echo vs our bus + cb_rpc. */
    char *front = s_endpoint(cbh_free_port());
    char *back = s_endpoint(cbh_free_port());
    char *pargv[] = {"bench_bus", "--role", "proxy-rpc", front, back, NULL};
    s_child_t proxy = s_spawn(pargv);
    cbh_wait_port(atoi(strrchr(back, ':') + 1), 5000);
    char *wargv[] = {"bench_bus", "--role", "worker-bare", back, NULL};
    s_child_t wbare = s_spawn(wargv);
    char *oargv[] = {"bench_bus", "--role", "worker-ours", bus.config.backend[CB_RPC_MARKET], NULL};
    s_child_t wours = s_spawn(oargv);
    s_lat_t lat_bare;
    s_lat_t lat_ours;
    s_latency(bus.config.frontend[CB_RPC_MARKET], front, calls, &lat_ours, &lat_bare);
    s_kill(&wours);
    s_kill(&wbare);
    s_kill(&proxy);
    cbh_bus_stop(&bus);

    printf("\nMedian round of each path:\n");
    printf("\n| path | delivered ticks/s (first send -> last receive) | subscriber drain ticks/s "
           "| received / sent | missed (seq) |\n|---|---:|---:|---:|---:|\n");
    printf("| raw PUB->SUB, no proxy, pre-encoded | %.0f | %.0f | %ld / %ld | - |\n",
           direct.goodput, direct.rate, direct.received, count);
    printf("| bare zmq_proxy XSUB/XPUB, pre-encoded | %.0f | %.0f | %ld / %ld | - |\n",
           bare.goodput, bare.rate, bare.received, count);
    printf("| coinbus: encode+stamp -> bus -> decode+seq check | %.0f | %.0f | %ld / %ld | %llu |\n",
           ours.goodput, ours.rate, ours.received, count, ours.missed);
    printf("| (coinbus publisher -> bus -> bare subscriber) | %.0f | %.0f | %ld / %ld | - |\n",
           ours_pub.goodput, ours_pub.rate, ours_pub.received, count);
    printf("| (bare publisher, pre-encoded -> bus -> coinbus subscriber) | %.0f | %.0f | %ld / %ld "
           "| %llu |\n",
           ours_sub.goodput, ours_sub.rate, ours_sub.received, count, ours_sub.missed);
    printf("| (bare publisher, pre-encoded -> bus -> bare subscriber) | %.0f | %.0f | %ld / %ld | - |\n",
           bus_only.goodput, bus_only.rate, bus_only.received, count);
    printf("\ncoinbus / bare proxy, median of %d interleaved rounds: delivered %.2fx (per-round "
           "ratios %.2f..%.2f; target >= 0.80x; >= 1,000,000 ticks/s)\n",
           rounds, ratio, ratios[0], ratios[rounds - 1]);
    printf("\n| RPC round trip | p50 us | p99 us |\n|---|---:|---:|\n");
    printf("| bare ROUTER/DEALER proxy, REQ -> REP echo | %.1f | %.1f |\n", lat_bare.p50_us,
           lat_bare.p99_us);
    printf("| coinbus bus, cb_rpc_call -> cb_rpc_worker | %.1f | %.1f |\n", lat_ours.p50_us,
           lat_ours.p99_us);
    printf("\ncoinbus / bare RPC: p50 %.2fx, p99 %.2fx (target <= 1.20x)\n",
           lat_ours.p50_us / lat_bare.p50_us, lat_ours.p99_us / lat_bare.p99_us);
    free(front);
    free(back);
    return 0;
}
