/* bench_edge_ws.c - api-edge /ws fan-out against a minimal fan-out server in the same run:
 * deliveries/s and tick-to-client latency for many clients on one symbol, RSS per idle connection */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cb_pub.h"
#include "cb_sub.h"
#include "cb_time.h"
#include "cbh.h"
#include "cbh_edge.h"
#include "cbh_procstat.h"
#include "cbh_wsfan.h"

/* Usage: bench_edge_ws [clients] [ticks per second] [seconds] [rounds]
 * (defaults 1000, 1000, 5, 1). From the repository root.
 *
 * The real stack and api-edge (as bench_edge). Once api-edge serves a price,
 * venue-sim and market-feed are stopped (SIGSTOP) so that only this process
 * publishes ticks of BTC-USD on sim-kraken. Each case: N raw clients
 * (cbh_wsfan, one epoll in the main thread) connect to /ws and subscribe to
 * BTC ticker; with all of them subscribed and idle for 1 s, api-edge's VmRSS
 * against the one before they connected gives the memory per idle
 * connection (first api-edge case). Then a publisher thread (cb_pub_send,
 * one tick per 1/rate s on an absolute schedule) records CLOCK_MONOTONIC
 * before each send by seq; each client's price_update is matched to it by
 * its "seq". The reference of the bus hop, in each case and for the same
 * ticks: a cb_sub subscriber thread in this process (with decode).
 *
 * The floor, in the same run with the same clients, rate and seconds:
 * build/bench/bench_ws_floor (BUILD's), the simplest fan-out server (one
 * epoll loop, the price_update rendered once per tick and written to every
 * client: see its header) in three modes: a write per client per tick (the
 * simplest fan-out), a write per client per loop turn (what api-edge does
 * with COINBUS_EDGE_WS_FLUSH_US=0) and api-edge's paced flushing
 * (COINBUS_EDGE_WS_FLUSH_US, 2000 when unset; none when 0). Each round runs
 * api-edge then the floors (the order reversed every other round); the
 * servers not under test are stopped (SIGSTOP) during a case, so that each
 * case is one server, the clients, the bus and the publisher. */

#define S_HIST_US 200000
#define S_TICKS_MAX 600000

typedef struct {
    uint32_t count[S_HIST_US + 1]; /* the last bucket: everything above */
    uint64_t n;
    int64_t max_us;
} s_hist_t;

static s_hist_t s_edge_hist, s_bus_hist;
static _Atomic int64_t s_sent_ns[S_TICKS_MAX];
static _Atomic uint64_t s_seq_base; /* seq of measured tick 0; 0 until known */
static atomic_bool s_warm;          /* a client has seen a warm-up tick */
static atomic_bool s_stop_pub, s_stop_sub, s_pub_failed;
static atomic_int s_published;
static size_t s_ticks;
static int s_rate;
static char s_pub_endpoint[CB_BUS_ENDPOINT_MAX], s_sub_endpoint[CB_BUS_ENDPOINT_MAX];

typedef struct {
    size_t subscribed;
    uint64_t deliveries; /* measured price_updates */
    uint64_t gaps;       /* measured seqs a client skipped (coalesced) */
    int64_t last_ns;     /* the last measured delivery */
    uint64_t *last_seq;  /* per client */
    bool *is_sub;
} s_clients_t;

static void
s_hist_add(s_hist_t *h, int64_t us)
{
    h->count[us < 0 ? 0 : us > S_HIST_US ? S_HIST_US : us]++;
    h->n++;
    if (us > h->max_us) {
        h->max_us = us;
    }
}

static int64_t
s_hist_pct(const s_hist_t *h, double pct)
{
    uint64_t want = (uint64_t) ((double) h->n * pct / 100.0), seen = 0;
    for (int64_t i = 0; i <= S_HIST_US; i++) {
        seen += h->count[i];
        if (seen > want) {
            return i;
        }
    }
    return S_HIST_US;
}

/* Measured tick index of seq, or -1. */
static int64_t
s_index(uint64_t seq)
{
    uint64_t base = atomic_load(&s_seq_base);
    if (base == 0 || seq < base || seq - base >= s_ticks) {
        return -1;
    }
    return (int64_t) (seq - base);
}

static void
s_on_msg(void *arg, size_t i, const char *p, size_t len)
{
    s_clients_t *cl = arg;
    if (!cl->is_sub[i] && memmem(p, len, "\"type\":\"subscribed\"", 19) != NULL) {
        cl->is_sub[i] = true;
        cl->subscribed++;
        return;
    }
    if (memmem(p, len, "\"type\":\"price_update\"", 21) == NULL ||
        memmem(p, len, "\"venue\":\"sim-kraken\"", 20) == NULL) {
        return;
    }
    const char *s = memmem(p, len, "\"seq\":", 6);
    if (s == NULL) {
        return;
    }
    uint64_t seq = strtoull(s + 6, NULL, 10);
    atomic_store(&s_warm, true);
    int64_t k = s_index(seq);
    if (k < 0) {
        return;
    }
    int64_t now = cb_time_mono_ns();
    s_hist_add(&s_edge_hist, (now - atomic_load(&s_sent_ns[k])) / 1000);
    cl->deliveries++;
    cl->last_ns = now;
    if (cl->last_seq[i] != 0 && seq > cl->last_seq[i] + 1) {
        cl->gaps += seq - cl->last_seq[i] - 1;
    } else if (cl->last_seq[i] == 0 && k > 0) {
        cl->gaps += (uint64_t) k;
    }
    cl->last_seq[i] = seq;
}

static int
s_tick(cb_pub_t *pub, uint64_t k, uint64_t *seq)
{
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CB_KIND_tick;
    cb_tick_t *t = &ev.body.tick;
    char bid[32];
    cb_decimal_t d;
    CB_PROTO_SET(t, tick, symbol, cb_str_from("BTC-USD"));
    CB_PROTO_SET(t, tick, venue, cb_str_from("sim-kraken"));
    snprintf(bid, sizeof bid, "50000.%03u", (unsigned) (k % 1000));
    (void) cb_decimal_parse(bid, strlen(bid), &d);
    CB_PROTO_SET(t, tick, bid, d);
    (void) cb_decimal_parse("50001.5", 7, &d);
    CB_PROTO_SET(t, tick, ask, d);
    cb_proto_err_t err;
    if (cb_pub_send(pub, &ev, &err) != 0) {
        fprintf(stderr, "bench_edge_ws: cb_pub_send: %s\n", err.message);
        return -1;
    }
    *seq = ev.env.seq;
    return 0;
}

/* Warm-up ticks every 10 ms until a client has seen one (subscriptions
 * travel through the bus first), then the measured ticks at s_rate. */
static void *
s_publisher(void *arg)
{
    (void) arg;
    cb_pub_t *pub = cb_pub_new(s_pub_endpoint);
    uint64_t seq = 0, k = 0;
    if (pub == NULL) {
        atomic_store(&s_pub_failed, true);
        return NULL;
    }
    while (!atomic_load(&s_warm) && !atomic_load(&s_stop_pub)) {
        if (s_tick(pub, k++, &seq) != 0) {
            atomic_store(&s_pub_failed, true);
            goto done;
        }
        cb_time_sleep_ms(10, NULL);
    }
    cb_time_sleep_ms(200, NULL);
    atomic_store(&s_seq_base, seq + 1);
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (size_t i = 0; i < s_ticks && !atomic_load(&s_stop_pub); i++) {
        atomic_store(&s_sent_ns[i], cb_time_mono_ns());
        uint64_t got;
        if (s_tick(pub, k++, &got) != 0 || got != seq + 1 + i) {
            fprintf(stderr, "bench_edge_ws: tick %zu got seq %llu, expected %llu\n", i,
                    (unsigned long long) got, (unsigned long long) (seq + 1 + i));
            atomic_store(&s_pub_failed, true);
            goto done;
        }
        atomic_store(&s_published, (int) i + 1);
        next.tv_nsec += 1000000000L / s_rate;
        while (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
        }
    }
done:
    cb_pub_destroy(&pub);
    return NULL;
}

/* The reference: the same ticks received from the bus in this process. */
static void *
s_subscriber(void *arg)
{
    cb_sub_t *sub = arg;
    while (!atomic_load(&s_stop_sub)) {
        cb_sub_msg_t msg;
        if (cb_sub_recv(sub, 100, &msg) != 0) {
            continue;
        }
        int64_t k = s_index(msg.ev.env.seq);
        if (k >= 0) {
            s_hist_add(&s_bus_hist, (cb_time_mono_ns() - atomic_load(&s_sent_ns[k])) / 1000);
        }
        cb_sub_msg_clear(&msg);
    }
    return NULL;
}

/* sig to p's process; nothing for NULL (never kill(-1, ...)). */
static void
s_signal(cbh_proc_t *p, int sig)
{
    if (p != NULL && cbh_proc_pid(p) > 0) {
        kill(cbh_proc_pid(p), sig);
    }
}

/* ---- one case: one server, N clients, the measured ticks ------------------------------- */

typedef struct {
    const char *name; /* its rows' label */
    cbh_proc_t *proc;
    int port;
} s_server_t;

typedef struct {
    uint64_t deliveries, gaps, bus_n;
    int64_t p50, p99, max_us, bus50, bus99, bus_max, connect_ms;
    double rate;      /* deliveries/s */
    double cpu_pct;   /* the server's utime + stime, % of one core */
    double self_pct;  /* the clients' thread */
    long long writes; /* the server's write system calls; -1 unknown */
    long rss_idle;    /* the server's VmRSS with the clients subscribed and idle */
    long rss_after;   /* after the ticks */
} s_result_t;

/* api-edge and the floor's three modes. */
#define S_SERVERS 4
#define S_SUBSCRIBE "{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"channel\":\"ticker\"}"

/* Polls the clients for ms (or until the clients' condition when until is
 * set). 0, or -1 when a client failed (reported). */
static int
s_poll_for(cbh_wsfan_t *set, int64_t ms, const s_clients_t *cl, size_t until)
{
    int64_t end = cb_time_mono_ns() + ms * 1000000;
    while (cb_time_mono_ns() < end && (until == 0 || cl->subscribed < until)) {
        if (cbh_wsfan_poll(set, 50) != 0) {
            fprintf(stderr, "bench_edge_ws: %s\n", cbh_wsfan_error(set));
            return -1;
        }
    }
    return 0;
}

/* Runs the measured ticks with set's clients subscribed; fills r. */
static int
s_measure(cbh_wsfan_t *set, s_clients_t *cl, pid_t pid, size_t clients, int secs, cb_sub_t *sub,
          s_result_t *r)
{
    pthread_t pub_thread, sub_thread;
    bool pub_started = false, sub_started = false;
    int rc = -1;
    if (pthread_create(&sub_thread, NULL, s_subscriber, sub) != 0) {
        goto done;
    }
    sub_started = true;
    if (pthread_create(&pub_thread, NULL, s_publisher, NULL) != 0) {
        goto done;
    }
    pub_started = true;
    /* Warm-up, then the measured window and up to 3 s for the last deliveries. */
    int64_t t1 = 0, self0 = 0;
    long long cpu0 = 0, writes0 = -1;
    int64_t end = cb_time_mono_ns() + 10000000000LL;
    while (!atomic_load(&s_pub_failed) && cb_time_mono_ns() < end) {
        if (cbh_wsfan_poll(set, 5) != 0) {
            fprintf(stderr, "bench_edge_ws: %s\n", cbh_wsfan_error(set));
            goto done;
        }
        if (t1 == 0 && atomic_load(&s_seq_base) != 0) {
            t1 = cb_time_mono_ns();
            cpu0 = cbh_procstat_cpu_ticks(pid);
            writes0 = cbh_procstat_syscw(pid);
            self0 = cbh_procstat_thread_cpu_ns();
            end = t1 + (int64_t) secs * 1000000000LL + 3000000000LL;
        }
        if (t1 != 0 && (size_t) atomic_load(&s_published) == s_ticks &&
            cl->deliveries + cl->gaps >= s_ticks * clients) {
            break;
        }
    }
    long long cpu1 = cbh_procstat_cpu_ticks(pid), writes1 = cbh_procstat_syscw(pid);
    int64_t self1 = cbh_procstat_thread_cpu_ns();
    r->rss_after = cbh_procstat_status_kb(pid, "VmRSS:");
    if (t1 == 0 || atomic_load(&s_pub_failed)) {
        fprintf(stderr, "bench_edge_ws: the publisher failed or no client saw a warm-up tick\n");
        goto done;
    }
    /* From the first measured send (not when this loop noticed it) to the last delivery. */
    double window_s = (double) (cl->last_ns - atomic_load(&s_sent_ns[0])) / 1e9;
    double elapsed_s = (double) (cb_time_mono_ns() - t1) / 1e9;
    r->cpu_pct = (double) (cpu1 - cpu0) * 100.0 / (double) sysconf(_SC_CLK_TCK) / elapsed_s;
    r->self_pct = (double) (self1 - self0) / 1e7 / elapsed_s;
    r->writes = writes0 >= 0 && writes1 > writes0 ? writes1 - writes0 : -1;
    r->rate = window_s > 0 ? (double) cl->deliveries / window_s : 0;
    rc = 0;
done:
    atomic_store(&s_stop_pub, true);
    if (pub_started) {
        pthread_join(pub_thread, NULL);
    }
    atomic_store(&s_stop_sub, true);
    if (sub_started) {
        pthread_join(sub_thread, NULL);
    }
    return rc;
}

/* Connects the clients to srv, subscribes them, measures into r. 0 or -1
 * (reported). */
static int
s_case(const s_server_t *srv, size_t clients, int secs, cb_sub_t *sub, s_result_t *r)
{
    memset(&s_edge_hist, 0, sizeof s_edge_hist);
    memset(&s_bus_hist, 0, sizeof s_bus_hist);
    atomic_store(&s_seq_base, 0);
    atomic_store(&s_warm, false);
    atomic_store(&s_stop_pub, false);
    atomic_store(&s_stop_sub, false);
    atomic_store(&s_published, 0);
    pid_t pid = cbh_proc_pid(srv->proc);
    int rc = -1;
    cbh_wsfan_t *set = NULL;
    s_clients_t cl = {0};
    cl.last_seq = calloc(clients, sizeof *cl.last_seq);
    cl.is_sub = calloc(clients, sizeof *cl.is_sub);
    int64_t t0 = cb_time_mono_ns();
    if (cl.last_seq == NULL || cl.is_sub == NULL) {
        goto done;
    }
    set = cbh_wsfan_new(srv->port, "/ws", clients, S_SUBSCRIBE, s_on_msg, &cl);
    if (set == NULL || s_poll_for(set, 30000, &cl, clients) != 0) {
        goto done;
    }
    r->connect_ms = (cb_time_mono_ns() - t0) / 1000000;
    if (cl.subscribed < clients) {
        fprintf(stderr, "bench_edge_ws: %s: %zu of %zu clients subscribed\n", srv->name,
                cl.subscribed, clients);
        goto done;
    }
    if (s_poll_for(set, 1000, &cl, 0) != 0) {
        goto done;
    }
    r->rss_idle = cbh_procstat_status_kb(pid, "VmRSS:");
    if (s_measure(set, &cl, pid, clients, secs, sub, r) != 0) {
        goto done;
    }
    r->deliveries = cl.deliveries;
    r->gaps = cl.gaps;
    r->p50 = s_hist_pct(&s_edge_hist, 50);
    r->p99 = s_hist_pct(&s_edge_hist, 99);
    r->max_us = s_edge_hist.max_us;
    r->bus_n = s_bus_hist.n;
    r->bus50 = s_hist_pct(&s_bus_hist, 50);
    r->bus99 = s_hist_pct(&s_bus_hist, 99);
    r->bus_max = s_bus_hist.max_us;
    rc = 0;
done:
    cbh_wsfan_destroy(&set);
    free(cl.last_seq);
    free(cl.is_sub);
    return rc;
}

/* ---- the servers -------------------------------------------------------------------------- */

/* Starts bench_ws_floor in mode ("tick" or flush_us) on a free port. */
static int
s_floor_start(s_server_t *srv, const char *mode)
{
    const char *build = getenv("BUILD");
    char bin[512], port[16];
    snprintf(bin, sizeof bin, "%s/bench/bench_ws_floor",
             build != NULL && build[0] != '\0' ? build : "build");
    srv->port = cbh_free_port();
    snprintf(port, sizeof port, "%d", srv->port);
    char *argv[] = {bin, port, s_sub_endpoint, (char *) mode, NULL};
    srv->proc = cbh_proc_start("bench_ws_floor", argv, NULL);
    if (srv->proc == NULL || cbh_wait_port(srv->port, 5000) != 0) {
        fprintf(stderr, "bench_edge_ws: %s did not start (make %s)\n", bin, bin);
        return -1;
    }
    return 0;
}

/* Lets only server k of n run (SIGCONT), the others stopped (SIGSTOP); a
 * resumed server gets 300 ms to catch up with what the bus queued for it. */
static void
s_focus(s_server_t *servers, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++) {
        s_signal(servers[i].proc, i == k ? SIGCONT : SIGSTOP);
    }
    cb_time_sleep_ms(300, NULL);
}

/* ---- the report ---------------------------------------------------------------------------- */

static int
s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

/* res[r * S_SERVERS + k]: round r, server k. The first api-edge case also keeps the
 * lines this bench printed before the floor existed. */
static void
s_report(const s_server_t *servers, size_t nservers, const s_result_t *res, int rounds,
         size_t clients, int secs, long rss0)
{
    const s_result_t *e = &res[0];
    uint64_t expected = (uint64_t) s_ticks * clients;
    double offered = (double) s_rate * (double) clients;
    printf("bench_edge_ws: %zu clients, %d ticks/s for %d s (%zu ticks), %ld cores; %zu clients "
           "connected and subscribed in %lld ms\n",
           clients, s_rate, secs, s_ticks, sysconf(_SC_NPROCESSORS_ONLN), clients,
           (long long) e->connect_ms);
    printf("\n| tick on the bus -> receiver | received | p50 us | p99 us | max us |\n"
           "|---|---:|---:|---:|---:|\n");
    printf("| reference: cb_sub in the bench process (bus hop + decode) | %llu / %zu | %lld | %lld "
           "| %lld |\n",
           (unsigned long long) e->bus_n, s_ticks, (long long) e->bus50, (long long) e->bus99,
           (long long) e->bus_max);
    printf("| api-edge /ws price_update, %zu clients | %llu / %llu | %lld | %lld | %lld |\n",
           clients, (unsigned long long) e->deliveries, (unsigned long long) expected,
           (long long) e->p50, (long long) e->p99, (long long) e->max_us);
    printf("\ndeliveries/s %.0f (%.3f of the %.0f offered: %d ticks/s x %zu clients); seqs skipped "
           "(coalesced) %llu; api-edge CPU %.0f%% of one core, the clients' thread %.0f%%\n",
           e->rate, e->rate / offered, offered, s_rate, clients, (unsigned long long) e->gaps,
           e->cpu_pct, e->self_pct);
    if (e->writes > 0) {
        printf("api-edge write system calls %lld: %.2f price_update frames per write\n", e->writes,
               (double) e->deliveries / (double) e->writes);
    }
    printf("latency api-edge / bus hop: p50 %.1fx, p99 %.1fx; p99 %lld us, target < 5000 us: %s\n",
           (double) e->p50 / (double) (e->bus50 + 1), (double) e->p99 / (double) (e->bus99 + 1),
           (long long) e->p99, e->p99 < 5000 ? "met" : "NOT met");
    double per = (double) (e->rss_idle - rss0) / (double) clients;
    printf(
        "api-edge VmRSS %ld kB before the clients, %ld kB with %zu idle subscribed clients, %ld kB "
        "after the ticks: %.1f kB per idle connection, target < 20 kB: %s\n",
        rss0, e->rss_idle, clients, e->rss_after, per, per < 20 ? "met" : "NOT met");

    printf("\nSame run, same clients (%zu), rate and seconds; every case of every round (latencies "
           "of the deliveries made, %d us meaning that or more; frames per write counts every "
           "write call of the server):\n\n"
           "| round | server | received | deliveries/s | p50 us | p99 us | max us | seqs skipped "
           "| server CPU | clients' CPU | frames per write | bus hop p99 us |\n"
           "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
           clients, S_HIST_US);
    for (int r = 0; r < rounds; r++) {
        for (size_t k = 0; k < nservers; k++) {
            const s_result_t *x = &res[r * S_SERVERS + (int) k];
            printf("| %d | %s | %llu / %llu | %.0f | %lld | %lld | %lld | %llu | %.0f%% | %.0f%% | "
                   "%.2f | %lld |\n",
                   r + 1, servers[k].name, (unsigned long long) x->deliveries,
                   (unsigned long long) expected, x->rate, (long long) x->p50, (long long) x->p99,
                   (long long) x->max_us, (unsigned long long) x->gaps, x->cpu_pct, x->self_pct,
                   x->writes > 0 ? (double) x->deliveries / (double) x->writes : 0.0,
                   (long long) x->bus99);
        }
    }
    for (size_t k = 1; k < nservers; k++) {
        double ratio[64], best = 1e18;
        for (int r = 0; r < rounds; r++) {
            const s_result_t *x = &res[r * S_SERVERS + (int) k];
            ratio[r] = (double) res[r * S_SERVERS].p99 / (double) (x->p99 > 0 ? x->p99 : 1);
            best = (double) x->p99 < best ? (double) x->p99 : best;
        }
        qsort(ratio, (size_t) rounds, sizeof *ratio, s_cmp_double);
        double median = (ratio[(rounds - 1) / 2] + ratio[rounds / 2]) / 2;
        printf("p99 api-edge / %s: %.2fx (median of %d round%s, %.2fx-%.2fx); %s p99 best %.0f us, "
               "target < 5000 us: %s by the %s itself\n",
               servers[k].name, median, rounds, rounds > 1 ? "s" : "", ratio[0],
               ratio[rounds - 1], servers[k].name, best, best < 5000 ? "met" : "NOT met",
               servers[k].name);
    }
}

int
main(int argc, char **argv)
{
    size_t clients = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    s_rate = argc > 2 ? atoi(argv[2]) : 1000;
    int secs = argc > 3 ? atoi(argv[3]) : 5;
    int rounds = argc > 4 ? atoi(argv[4]) : 1;
    s_ticks = (size_t) s_rate * (size_t) secs;
    if (clients < 1 || clients > 20000 || s_rate < 1 || s_rate > 100000 || secs < 1 ||
        s_ticks > S_TICKS_MAX || rounds < 1 || rounds > 64) {
        fprintf(stderr,
                "usage: bench_edge_ws [clients 1..20000] [ticks/s] [seconds] [rounds 1..64]\n");
        return 2;
    }
    /* The paced floor paces as api-edge does (same variable, same default). */
    const char *fenv = getenv("COINBUS_EDGE_WS_FLUSH_US");
    long flush_us = fenv != NULL && fenv[0] != '\0' ? strtol(fenv, NULL, 10) : 2000;
    char paced[64], flush[24];
    snprintf(paced, sizeof paced, "floor: paced, %ld us", flush_us);
    snprintf(flush, sizeof flush, "%ld", flush_us);
    signal(SIGPIPE, SIG_IGN);
    int rc = 1;
    cbh_edge_stack_t stack = {0};
    s_server_t servers[S_SERVERS] = {{.name = "api-edge"},
                                     {.name = "floor: a write per tick"},
                                     {.name = "floor: a write per loop turn"},
                                     {.name = paced}};
    size_t nservers = flush_us > 0 ? 4 : 3;
    cb_sub_t *sub = NULL;
    cbh_http_res_t price = {0};
    s_result_t *res = calloc((size_t) rounds * S_SERVERS, sizeof *res);
    if (res == NULL || cbh_edge_stack_start(&stack) != 0) {
        goto done;
    }
    char max_env[64];
    snprintf(max_env, sizeof max_env, "COINBUS_EDGE_WS_MAX_CLIENTS=%zu", clients + 16);
    char *env[] = {"COINBUS_EDGE_RATE_LIMIT=1000000000",
                   "COINBUS_EDGE_WS_PING_MS=3600000",
                   "COINBUS_EDGE_WS_IDLE_MS=86400000",
                   "COINBUS_EDGE_WS_STALE_MS=3600000",
                   max_env,
                   NULL};
    servers[0].proc = cbh_edge_start(&stack, &servers[0].port, env);
    if (servers[0].proc == NULL) {
        goto done;
    }
    int64_t end = cb_time_mono_ns() + 30000000000LL;
    while (cbh_http(servers[0].port, "GET", "/api/market/price?symbol=BTC", NULL, NULL, 0,
                    &price) != 200 &&
           cb_time_mono_ns() < end) {
        cb_time_sleep_ms(100, NULL);
    }
    if (price.status != 200) {
        fprintf(stderr, "bench_edge_ws: api-edge never served a BTC price\n");
        goto done;
    }
    /* From here on only this process publishes BTC-USD on sim-kraken. */
    s_signal(stack.feed, SIGSTOP);
    s_signal(stack.sim, SIGSTOP);
    cb_time_sleep_ms(500, NULL);
    long rss0 = cbh_procstat_status_kb(cbh_proc_pid(servers[0].proc), "VmRSS:");
    snprintf(s_pub_endpoint, sizeof s_pub_endpoint, "%s", stack.bus.config.pub);
    snprintf(s_sub_endpoint, sizeof s_sub_endpoint, "%s", stack.bus.config.sub);
    if (s_floor_start(&servers[1], "tick") != 0 || s_floor_start(&servers[2], "0") != 0 ||
        (nservers == 4 && s_floor_start(&servers[3], flush) != 0)) {
        goto done;
    }
    sub = cb_sub_new(s_sub_endpoint);
    if (sub == NULL || cb_sub_subscribe(sub, "tick.BTC-USD.sim-kraken") != 0) {
        goto done;
    }
    for (int r = 0; r < rounds; r++) {
        for (size_t j = 0; j < nservers; j++) {
            size_t k = r % 2 == 0 ? j : nservers - 1 - j;
            s_focus(servers, nservers, k);
            if (s_case(&servers[k], clients, secs, sub, &res[r * S_SERVERS + (int) k]) != 0) {
                fprintf(stderr, "bench_edge_ws: the case of %s in round %d failed\n",
                        servers[k].name, r + 1);
                goto done;
            }
        }
    }
    s_report(servers, nservers, res, rounds, clients, secs, rss0);
    rc = 0;
done:
    cb_sub_destroy(&sub);
    for (size_t k = 0; k < S_SERVERS; k++) {
        s_signal(servers[k].proc, SIGCONT);
    }
    s_signal(stack.sim, SIGCONT);
    s_signal(stack.feed, SIGCONT);
    for (size_t k = 1; k < S_SERVERS; k++) {
        if (servers[k].proc != NULL && cbh_proc_stop(&servers[k].proc, SIGTERM, 5000) != 0) {
            fprintf(stderr, "bench_edge_ws: %s did not exit 0 on SIGTERM\n", servers[k].name);
            rc = 1;
        }
    }
    if (servers[0].proc != NULL && cbh_proc_stop(&servers[0].proc, SIGTERM, 5000) != 0) {
        fprintf(stderr, "bench_edge_ws: api-edge did not exit 0 on SIGTERM\n");
        rc = 1;
    }
    cbh_edge_stack_stop(&stack);
    cbh_http_res_fini(&price);
    free(res);
    return rc;
}
