/* bench_feed_pipeline.c - venue-sim -> market-feed -> bus -> subscriber: messages/s, feed CPU, exch_ts latency; and market-feed's idle RSS */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_error.h"
#include "cb_proto.h"
#include "cb_sched.h"
#include "cb_sub.h"
#include "cb_time.h"
#include "cbh.h"
#include "cbh_bus.h"
#include "cbh_procstat.h"
#include "cbh_stall.h"
#include "cbh_ws.h"

#define S_SYMBOLS "BTC-USD,ETH-USD,SOL-USD"
#define S_LAT_MAX 4000000
/* The stall probe's sleep: 1 ms costs each core ~1,000 short wakeups a second. */
#define S_STALL_PERIOD_US 1000

/* The streams market-feed opens for S_SYMBOLS (feed_venue.c s_channels):
 * Binance bookTicker + trade + diff depth, Kraken v2 book 10 + ticker + trade. */
#define S_BINANCE_PATH                                                                             \
    "/binance/stream?streams=btcusdt@bookTicker/btcusdt@trade/btcusdt@depth@100ms/"              \
    "ethusdt@bookTicker/ethusdt@trade/ethusdt@depth@100ms/solusdt@bookTicker/solusdt@trade/"      \
    "solusdt@depth@100ms"
static const char *const s_kraken_subs[] = {
    "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"depth\":10,"
    "\"symbol\":[\"BTC/USD\",\"ETH/USD\",\"SOL/USD\"]},\"req_id\":1}",
    "{\"method\":\"subscribe\",\"params\":{\"channel\":\"ticker\","
    "\"symbol\":[\"BTC/USD\",\"ETH/USD\",\"SOL/USD\"]},\"req_id\":2}",
    "{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\","
    "\"symbol\":[\"BTC/USD\",\"ETH/USD\",\"SOL/USD\"]},\"req_id\":3}",
};

static cbh_bus_t s_bus;
static cbh_redis_t s_redis;
static cbh_proc_t *s_sim;
static cbh_proc_t *s_feed;
static int s_port;

/* utime + stime of pid (all its threads) in ns. */
static int64_t
s_cpu_ns(pid_t pid)
{
    return (int64_t) cbh_procstat_cpu_ticks(pid) * (1000000000LL / sysconf(_SC_CLK_TCK));
}

/* Starts $BUILD/bin/<name> with env, under `taskset -c <cpu>` when cpu >= 0. */
static cbh_proc_t *
s_start(const char *name, char *const env[], int cpu)
{
    char bin[512], cpus[16];
    snprintf(bin, sizeof bin, "%s/%s", cbh_bin_dir(), name);
    snprintf(cpus, sizeof cpus, "%d", cpu);
    char *plain[] = {bin, NULL};
    char *pinned[] = {"taskset", "-c", cpus, bin, NULL};
    return cbh_proc_start(name, cpu >= 0 ? pinned : plain, env);
}

static int
s_start_sim(int rate, int cpu)
{
    s_port = cbh_free_port();
    char port_env[64], rate_env[64];
    snprintf(port_env, sizeof port_env, "COINBUS_SIM_PORT=%d", s_port);
    snprintf(rate_env, sizeof rate_env, "COINBUS_SIM_RATE=%d", rate);
    char *env[] = {port_env, rate_env, "COINBUS_SIM_SEED=1", "COINBUS_SIM_LIMITS=off", NULL};
    s_sim = s_start("venue-sim", env, cpu);
    if (s_sim == NULL || cbh_wait_port(s_port, 5000) != 0) {
        fprintf(stderr, "bench: venue-sim did not start; log: %s\n", cbh_proc_log_path(s_sim));
        return -1;
    }
    return 0;
}

static int
s_start_feed(const char *venues_fmt, int cpu)
{
    char venues[600], redis[200];
    snprintf(venues, sizeof venues, venues_fmt, s_port, s_port, s_port);
    snprintf(redis, sizeof redis, "COINBUS_REDIS_URL=%s", s_redis.url);
    char *env[] = {redis, venues, "COINBUS_SYMBOLS=" S_SYMBOLS, "COINBUS_QUOTE_EQUIVALENTS=USD=USDT", NULL};
    s_feed = s_start("market-feed", env, cpu);
    if (s_feed == NULL) {
        fprintf(stderr, "bench: market-feed did not start\n");
        return -1;
    }
    return 0;
}

static void
s_stop_all(void)
{
    cbh_proc_stop(&s_feed, SIGTERM, 5000);
    cbh_proc_stop(&s_sim, SIGTERM, 5000);
    cbh_bus_stop(&s_bus);
    cbh_redis_stop(&s_redis);
}

/* Messages/s the sim sends on the feed's own streams, counted by two
 * clients subscribed exactly as market-feed is (before the feed starts). */
static double
s_sim_rate(int secs, double per_venue[2])
{
    cbh_ws_t *ws[2];
    int status = 0;
    ws[0] = cbh_ws_connect(s_port, S_BINANCE_PATH, &status);
    ws[1] = cbh_ws_connect(s_port, "/kraken/ws/v2", &status);
    if (ws[0] == NULL || ws[1] == NULL) {
        fprintf(stderr, "bench: WebSocket connect to venue-sim failed: status %d\n", status);
        cbh_ws_close(&ws[0]);
        cbh_ws_close(&ws[1]);
        return -1;
    }
    for (size_t k = 0; k < sizeof s_kraken_subs / sizeof s_kraken_subs[0]; k++) {
        (void) cbh_ws_send(ws[1], s_kraken_subs[k]);
    }
    uint64_t count[2] = {0, 0};
    int64_t start = cb_time_mono_ns();
    int64_t t0 = start + 1000000000LL; /* 1 s for snapshots and acks */
    int64_t t1 = t0 + (int64_t) secs * 1000000000LL;
    struct pollfd pfd[2] = {{cbh_ws_fd(ws[0]), POLLIN, 0}, {cbh_ws_fd(ws[1]), POLLIN, 0}};
    int64_t now;
    while ((now = cb_time_mono_ns()) < t1) {
        if (poll(pfd, 2, 10) <= 0) {
            continue;
        }
        for (int i = 0; i < 2; i++) {
            if (pfd[i].revents == 0) {
                continue;
            }
            cbh_ws_pump(ws[i], 0);
            while (cbh_ws_pending(ws[i]) > 0) {
                size_t len;
                free(cbh_ws_recv(ws[i], 0, &len));
                count[i] += now >= t0;
            }
        }
    }
    cbh_ws_close(&ws[0]);
    cbh_ws_close(&ws[1]);
    per_venue[0] = (double) count[0] / secs;
    per_venue[1] = (double) count[1] / secs;
    return per_venue[0] + per_venue[1];
}

/* ---- latency ---------------------------------------------------------------- */

/* One Kraken message's times (ns, CLOCK_REALTIME): kind 0 tick, 1 trade,
 * 2 book; for the reference client t1 is its receipt, for the subscriber
 * t1 is the envelope's ts (market-feed's publish) and t2 the receipt. base:
 * the symbol's base asset (s_base), so that messages of two symbols with the
 * same exch_ts are not taken for each other. */
typedef struct {
    int64_t exch;
    int64_t t1;
    int64_t t2;
    int kind;
    uint64_t base;
} s_rec_t;

/* The base asset of a symbol ("BTC-USD", or Kraken's v2 "BTC/USD": the
 * characters before the '-' or '/'), up to 8 of them, as one number. */
static uint64_t
s_base(const char *symbol, size_t len)
{
    uint64_t v = 0;
    for (size_t i = 0; i < len && i < 8 && symbol[i] != '-' && symbol[i] != '/'; i++) {
        v = (v << 8) | (unsigned char) symbol[i];
    }
    return v;
}

typedef struct {
    s_rec_t *r;
    size_t n;
} s_recs_t;

static void
s_recs_add(s_recs_t *rs, int kind, uint64_t base, int64_t exch, int64_t t1, int64_t t2)
{
    if (rs->r != NULL && rs->n < S_LAT_MAX) {
        rs->r[rs->n++] = (s_rec_t){exch, t1, t2, kind, base};
    }
}

/* The reference client: a third Kraken connection to the sim, subscribed
 * as market-feed is, stamping the receipt of the sim's raw messages. Its
 * exch_ts -> receipt is what the sim (and loopback TCP) contributes. */
typedef struct {
    cbh_ws_t *ws;
    pthread_t thread;
    atomic_int stop;
    atomic_int counting;
    s_recs_t recs;
} s_ref_t;

/* Adds one record per "timestamp" of a Kraken ticker/trade/book update
 * (a v2 update carries one symbol: its first "symbol" gives the base). */
static void
s_ref_message(s_ref_t *ref, const char *msg, size_t len, int64_t recv_ns)
{
    static const char *const heads[3] = {"{\"channel\":\"ticker\",\"type\":\"update\"",
                                         "{\"channel\":\"trade\",\"type\":\"update\"",
                                         "{\"channel\":\"book\",\"type\":\"update\""};
    int kind = -1;
    for (int k = 0; k < 3; k++) {
        if (strncmp(msg, heads[k], strlen(heads[k])) == 0) {
            kind = k;
        }
    }
    static const char sym[] = "\"symbol\":\"";
    const char *at = kind >= 0 ? memmem(msg, len, sym, sizeof sym - 1) : NULL;
    const char *name = at != NULL ? at + sizeof sym - 1 : NULL;
    uint64_t base = name != NULL ? s_base(name, len - (size_t) (name - msg)) : 0;
    static const char key[] = "\"timestamp\":\"";
    for (const char *p = msg;
         kind >= 0 && (p = memmem(p, len - (size_t) (p - msg), key, sizeof key - 1)) != NULL;) {
        p += sizeof key - 1;
        const char *end = memchr(p, '"', len - (size_t) (p - msg));
        int64_t exch;
        if (end == NULL || cb_time_parse_rfc3339(p, (size_t) (end - p), &exch) != 0) {
            break;
        }
        s_recs_add(&ref->recs, kind, base, exch, recv_ns, 0);
    }
}

static void *
s_ref_main(void *arg)
{
    s_ref_t *ref = arg;
    struct pollfd pfd = {cbh_ws_fd(ref->ws), POLLIN, 0};
    while (!atomic_load(&ref->stop) && !cbh_ws_ended(ref->ws)) {
        if (poll(&pfd, 1, 50) <= 0) {
            continue;
        }
        cbh_ws_pump(ref->ws, 0);
        int64_t recv_ns = cb_time_now_ns();
        while (cbh_ws_pending(ref->ws) > 0) {
            size_t len;
            char *msg = cbh_ws_recv(ref->ws, 0, &len);
            if (msg != NULL && atomic_load(&ref->counting)) {
                s_ref_message(ref, msg, len, recv_ns);
            }
            free(msg);
        }
    }
    return NULL;
}

static int
s_ref_start(s_ref_t *ref)
{
    int status = 0;
    memset(ref, 0, sizeof *ref);
    ref->recs.r = malloc(S_LAT_MAX * sizeof(s_rec_t));
    ref->ws = ref->recs.r != NULL ? cbh_ws_connect(s_port, "/kraken/ws/v2", &status) : NULL;
    if (ref->ws == NULL) {
        /* s_ref_stop then has nothing to stop. */
        fprintf(stderr, "bench: reference client: %s (status %d)\n",
                ref->recs.r == NULL ? "out of memory" : "connect to venue-sim failed", status);
        free(ref->recs.r);
        ref->recs.r = NULL;
        return -1;
    }
    for (size_t k = 0; k < sizeof s_kraken_subs / sizeof s_kraken_subs[0]; k++) {
        (void) cbh_ws_send(ref->ws, s_kraken_subs[k]);
    }
    if (pthread_create(&ref->thread, NULL, s_ref_main, ref) != 0) {
        cbh_ws_close(&ref->ws);
        return -1;
    }
    return 0;
}

static void
s_ref_stop(s_ref_t *ref)
{
    if (ref->ws != NULL) {
        atomic_store(&ref->stop, 1);
        pthread_join(ref->thread, NULL);
        cbh_ws_close(&ref->ws);
    }
}

/* exch_ts latency series: venue (0 Binance, 1 Kraken) x kind (tick, trade, book). */
typedef struct {
    int64_t *ns;
    size_t n;
} s_lat_t;

static int
s_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

static double
s_lat_pct(s_lat_t *l, double q)
{
    if (l->n == 0) {
        return 0;
    }
    return (double) l->ns[(size_t) (q * (double) (l->n - 1) + 0.5)] / 1000.0;
}

static int
s_cmp_rec(const void *a, const void *b)
{
    const s_rec_t *x = a, *y = b;
    if (x->kind != y->kind) {
        return x->kind - y->kind;
    }
    if (x->base != y->base) {
        return x->base < y->base ? -1 : 1;
    }
    return (x->exch > y->exch) - (x->exch < y->exch);
}

/* The reference client's receipt of the message of that kind, base asset
 * and exch_ts (recs sorted by s_cmp_rec); 0 when it saw none. */
static int64_t
s_ref_receipt(const s_recs_t *recs, int kind, uint64_t base, int64_t exch)
{
    s_rec_t key = {exch, 0, 0, kind, base};
    const s_rec_t *hit = bsearch(&key, recs->r, recs->n, sizeof key, s_cmp_rec);
    return hit != NULL ? hit->t1 : 0;
}

/* Prints one row: p50 / p99 / max (us) of the n values at v (sorted here). */
static void
s_row(const char *what, int64_t *v, size_t n)
{
    s_lat_t l = {v, n};
    qsort(v, n, sizeof(int64_t), s_cmp_i64);
    printf("| %s | %zu | %.0f | %.0f | %.0f |\n", what, n, s_lat_pct(&l, 0.5), s_lat_pct(&l, 0.99),
           s_lat_pct(&l, 1.0));
}

/* Where the time from the sim's stamp to the subscriber goes, on Kraken's
 * microsecond-stamped messages: (a) the sim (exch_ts -> reference client's
 * receipt), (b) market-feed (the reference's receipt of the same message ->
 * the envelope's ts, stamped at publish), (c) the bus hop and the
 * subscriber (publish -> receipt). */
static void
s_breakdown(s_recs_t *ref, const s_recs_t *sub)
{
    size_t cap = (ref->n > sub->n ? ref->n : sub->n) + 1;
    int64_t *v = malloc(cap * sizeof(int64_t));
    if (v == NULL) {
        return;
    }
    qsort(ref->r, ref->n, sizeof(s_rec_t), s_cmp_rec);
    printf("\n| Kraken tick+trade+book, stage | messages | p50 us | p99 us | max us |\n");
    printf("|---|---:|---:|---:|---:|\n");
    size_t n = 0;
    for (size_t i = 0; i < ref->n; i++) {
        v[n++] = ref->r[i].t1 - ref->r[i].exch;
    }
    s_row("(a) sim: exch_ts -> reference client's receipt of the raw message", v, n);
    n = 0;
    for (size_t i = 0; i < sub->n; i++) {
        int64_t seen = s_ref_receipt(ref, sub->r[i].kind, sub->r[i].base, sub->r[i].exch);
        if (seen != 0) {
            v[n++] = sub->r[i].t1 - seen;
        }
    }
    s_row("(b) market-feed: reference's receipt -> publish (envelope ts), same message", v, n);
    n = 0;
    for (size_t i = 0; i < sub->n; i++) {
        v[n++] = sub->r[i].t1 - sub->r[i].exch;
    }
    s_row("(a+b) exch_ts -> publish", v, n);
    n = 0;
    for (size_t i = 0; i < sub->n; i++) {
        v[n++] = sub->r[i].t2 - sub->r[i].t1;
    }
    s_row("(c) bus + subscriber: publish -> subscriber's receipt", v, n);
    n = 0;
    for (size_t i = 0; i < sub->n; i++) {
        v[n++] = sub->r[i].t2 - sub->r[i].exch;
    }
    s_row("(a+b+c) exch_ts -> subscriber", v, n);
    free(v);
}

static int
s_pipeline(int rate, int secs, int pinned)
{
    int rc = -1;
    s_lat_t lat[2][3];
    memset(lat, 0, sizeof lat);
    s_ref_t ref = {0};
    s_recs_t sub_recs = {malloc(S_LAT_MAX * sizeof(s_rec_t)), 0};
    cbh_stall_t *stall = NULL;
    cbh_stall_report_t stalls = {0};
    if (pinned) {
        /* This process (subscriber), redis and the bus on core 1; sim and feed on core 0. */
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(1, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
            perror("bench: sched_setaffinity");
            return -1;
        }
    }
    /* COINBUS_SCHED_SLICE_US, when set, applies to this process (the
     * subscriber, as a consumer service would set it) and, through the
     * environment, to the sim, the bus and market-feed. */
    const char *slice_env = getenv("COINBUS_SCHED_SLICE_US");
    long slice_us = slice_env != NULL ? atol(slice_env) : 0;
    if (cb_sched_set_slice_us(slice_us) != 0) {
        fprintf(stderr, "bench: sched_setattr slice %ld us refused\n", slice_us);
    }
    if (cbh_redis_start(&s_redis, NULL) != 0 || cbh_bus_start(&s_bus) != 0) {
        goto done;
    }
    cbh_bus_export(&s_bus);
    if (s_start_sim(rate, pinned ? 0 : -1) != 0) {
        goto done;
    }
    double sim_venue[2];
    double sim_total = s_sim_rate(3, sim_venue);
    if (sim_total < 0) {
        goto done;
    }
    if (s_start_feed("COINBUS_VENUES=sim-kraken=kraken@http://127.0.0.1:%d/kraken,"
                     "sim-binance=binance@http://127.0.0.1:%d/binance",
                     pinned ? 0 : -1) != 0) {
        goto done;
    }
    cb_sub_t *sub = cb_sub_new(s_bus.config.sub);
    if (sub == NULL || cb_sub_subscribe(sub, "") != 0) {
        goto done;
    }
    for (int v = 0; v < 2; v++) {
        for (int k = 0; k < 3; k++) {
            lat[v][k].ns = malloc(S_LAT_MAX * sizeof(int64_t));
            if (lat[v][k].ns == NULL) {
                goto done_sub;
            }
        }
    }
    /* Warm-up: until both venues publish books, then 3 s more (backfills, snapshots). */
    bool seen[2] = {false, false};
    int64_t deadline = cb_time_mono_ns() + 30000000000LL;
    int64_t t0 = 0, t1 = 0;
    uint64_t kinds[CB_KIND_COUNT] = {0}, total = 0, missed = 0, malformed = 0;
    int64_t cpu0 = 0, sim_cpu0 = 0;
    for (;;) {
        int64_t now_mono = cb_time_mono_ns();
        if (t0 == 0 && seen[0] && seen[1]) {
            t0 = now_mono + 3000000000LL;
            t1 = t0 + (int64_t) secs * 1000000000LL;
            /* The sim writes its newest connection first: the reference,
             * connected after the feed, gets each event before the feed
             * (a few us), so its receipt is not held behind market-feed's
             * work when both run on the sim's core. */
            if (s_ref_start(&ref) != 0) {
                goto done_sub;
            }
        }
        if (t0 == 0 && now_mono > deadline) {
            fprintf(stderr, "bench: no books from both venues within 30 s; feed log: %s\n",
                    cbh_proc_log_path(s_feed));
            goto done_sub;
        }
        if (t0 != 0 && cpu0 == 0 && now_mono >= t0) {
            cpu0 = s_cpu_ns(cbh_proc_pid(s_feed));
            sim_cpu0 = s_cpu_ns(cbh_proc_pid(s_sim));
            stall = cbh_stall_start(S_STALL_PERIOD_US);
            atomic_store(&ref.counting, 1);
        }
        if (t1 != 0 && now_mono >= t1) {
            atomic_store(&ref.counting, 0);
            break;
        }
        cb_sub_msg_t msg;
        int r = cb_sub_recv(sub, 100, &msg);
        int64_t recv_ns = cb_time_now_ns();
        if (r != 0) {
            malformed += r != CB_E_TIMEOUT && cpu0 != 0;
            if (r != CB_E_TIMEOUT) {
                cb_sub_msg_clear(&msg);
            }
            continue;
        }
        int venue = memmem(msg.topic, msg.topic_len, ".sim-kraken", 11) != NULL   ? 1
                    : memmem(msg.topic, msg.topic_len, ".sim-binance", 12) != NULL ? 0
                                                                                    : -1;
        int kind = -1;
        int64_t exch = 0;
        bool has = false;
        if (msg.ev.kind == CB_KIND_tick) {
            kind = 0;
            has = CB_PROTO_HAS(&msg.ev.body.tick, tick, exch_ts);
            exch = msg.ev.body.tick.exch_ts;
        } else if (msg.ev.kind == CB_KIND_trade) {
            kind = 1;
            has = CB_PROTO_HAS(&msg.ev.body.trade, trade, exch_ts);
            exch = msg.ev.body.trade.exch_ts;
        } else if (msg.ev.kind == CB_KIND_book) {
            kind = 2;
            has = CB_PROTO_HAS(&msg.ev.body.book, book, exch_ts);
            exch = msg.ev.body.book.exch_ts;
            if (venue >= 0) {
                seen[venue] = true;
            }
        }
        if (cpu0 != 0) {
            total++;
            kinds[msg.ev.kind]++;
            missed += msg.missed;
            if (venue >= 0 && kind >= 0 && has && lat[venue][kind].n < S_LAT_MAX) {
                lat[venue][kind].ns[lat[venue][kind].n++] = recv_ns - exch;
            }
            if (venue == 1 && kind >= 0 && has) {
                /* The topic is <kind>.<SYMBOL>.<venue>. */
                const char *dot = memchr(msg.topic, '.', msg.topic_len);
                size_t rest = dot != NULL ? msg.topic_len - (size_t) (dot + 1 - msg.topic) : 0;
                uint64_t base = dot != NULL ? s_base(dot + 1, rest) : 0;
                s_recs_add(&sub_recs, kind, base, exch, msg.ev.env.ts, recv_ns);
            }
        }
        cb_sub_msg_clear(&msg);
    }
    int64_t cpu1 = s_cpu_ns(cbh_proc_pid(s_feed));
    int64_t sim_cpu1 = s_cpu_ns(cbh_proc_pid(s_sim));
    cbh_stall_stop(&stall, &stalls);
    s_ref_stop(&ref);
    double win = (double) secs;
    double feed_pct = (double) (cpu1 - cpu0) / (win * 1e9) * 100.0;
    double sim_pct = (double) (sim_cpu1 - sim_cpu0) / (win * 1e9) * 100.0;

    printf("\npipeline, COINBUS_SIM_RATE=%d, 2 venues x 3 symbols, %d s window, layout: %s\n", rate, secs,
           pinned ? "venue-sim + market-feed pinned to core 0 (taskset -c 0); bus, redis, subscriber on core 1"
                  : "unpinned (scheduler's choice over both cores)");
    printf("scheduler slice: %s\n", slice_us > 0 ? slice_env : "the kernel's default (COINBUS_SCHED_SLICE_US unset)");
    printf("| measure | value |\n|---|---:|\n");
    printf("| venue-sim WebSocket msgs/s on the feed's streams (before the feed, 2 counting clients) | %.0f "
           "(Binance %.0f, Kraken %.0f) |\n",
           sim_total, sim_venue[0], sim_venue[1]);
    printf("| bus messages/s received by the subscriber (all kinds) | %.0f |\n", (double) total / win);
    printf("| (tick / trade / book / best / candle per s) | %.0f / %.0f / %.0f / %.0f / %.0f |\n",
           kinds[CB_KIND_tick] / win, kinds[CB_KIND_trade] / win, kinds[CB_KIND_book] / win,
           kinds[CB_KIND_best] / win, kinds[CB_KIND_candle] / win);
    printf("| seq gaps seen by the subscriber / malformed | %llu / %llu |\n", (unsigned long long) missed,
           (unsigned long long) malformed);
    printf("| market-feed CPU, %% of one core (utime+stime) | %.1f |\n", feed_pct);
    printf("| (venue-sim CPU, %% of one core) | %.1f |\n", sim_pct);
    static const char *const vname[2] = {"Binance", "Kraken"};
    static const char *const kname[3] = {"tick", "trade", "book"};
    static const char *const gran[2][3] = {{"ms (none on bookTicker)", "ms (T)", "ms (E)"},
                                           {"us (RFC3339)", "us (RFC3339)", "us (RFC3339)"}};
    printf("\n| exch_ts -> subscriber | messages | p50 us | p99 us | max us | exch_ts granularity |\n"
           "|---|---:|---:|---:|---:|---|\n");
    for (int v = 1; v >= 0; v--) {
        for (int k = 0; k < 3; k++) {
            s_lat_t *l = &lat[v][k];
            qsort(l->ns, l->n, sizeof(int64_t), s_cmp_i64);
            printf("| %s %s | %zu | %.0f | %.0f | %.0f | %s |\n", vname[v], kname[k], l->n, s_lat_pct(l, 0.5),
                   s_lat_pct(l, 0.99), s_lat_pct(l, 1.0), gran[v][k]);
        }
    }
    /* The targets on the microsecond-stamped messages (Kraken). */
    size_t kn = lat[1][0].n + lat[1][1].n + lat[1][2].n;
    s_lat_t all = {malloc((kn + 1) * sizeof(int64_t)), 0};
    for (int k = 0; k < 3 && all.ns != NULL; k++) {
        memcpy(all.ns + all.n, lat[1][k].ns, lat[1][k].n * sizeof(int64_t));
        all.n += lat[1][k].n;
    }
    if (all.ns != NULL) {
        qsort(all.ns, all.n, sizeof(int64_t), s_cmp_i64);
        printf("Kraken tick+trade+book (us timestamps), %zu messages: p50 %.0f us, p99 %.0f us; target p99 < "
               "1000 us: %s\n",
               all.n, s_lat_pct(&all, 0.5), s_lat_pct(&all, 0.99), s_lat_pct(&all, 0.99) < 1000 ? "met" : "NOT met");
        free(all.ns);
    }
    printf("market-feed CPU %.1f%% of one core at %.0f sim msgs/s; target < 50%% at 10,000 msgs/s: %s\n", feed_pct,
           sim_total, feed_pct < 50 ? "met" : "NOT met");
    s_breakdown(&ref.recs, &sub_recs);
    printf("\nthe machine's own stalls during the window (cbh_stall: a probe thread per core; a late wakeup "
           "is time that core ran nothing of ours):\n");
    cbh_stall_print(&stalls);
    rc = 0;
done_sub:
    cb_sub_destroy(&sub);
done:
    for (int v = 0; v < 2; v++) {
        for (int k = 0; k < 3; k++) {
            free(lat[v][k].ns);
        }
    }
    cbh_stall_stop(&stall, &stalls);
    s_ref_stop(&ref);
    free(ref.recs.r);
    free(sub_recs.r);
    s_stop_all();
    return rc;
}

/* ---- idle RSS ---------------------------------------------------------------- */

/* One row of the idle table: the feed's VmRSS, RssAnon and RssFile now;
 * returns VmRSS (kB). */
static long
s_rss_row(const char *when)
{
    pid_t pid = cbh_proc_pid(s_feed);
    long rss = cbh_procstat_status_kb(pid, "VmRSS:");
    printf("| %s | %ld | %ld | %ld |\n", when, rss, cbh_procstat_status_kb(pid, "RssAnon:"),
           cbh_procstat_status_kb(pid, "RssFile:"));
    return rss;
}

static int
s_rss(int secs)
{
    int rc = -1;
    if (cbh_redis_start(&s_redis, NULL) != 0 || cbh_bus_start(&s_bus) != 0) {
        goto done;
    }
    cbh_bus_export(&s_bus);
    if (s_start_sim(1, -1) != 0 ||
        s_start_feed("COINBUS_VENUES=sim-kraken=kraken@http://127.0.0.1:%d/kraken,"
                     "sim-binance=binance@http://127.0.0.1:%d/binance,"
                     "sim-kraken2=kraken@http://127.0.0.1:%d/kraken",
                     -1) != 0) {
        goto done;
    }
    cb_sub_t *sub = cb_sub_new(s_bus.config.sub);
    if (sub == NULL || cb_sub_subscribe(sub, "book.") != 0) {
        cb_sub_destroy(&sub);
        goto done;
    }
    /* Books from all three venues first: every stream is open. */
    int seen = 0;
    int64_t deadline = cb_time_mono_ns() + 30000000000LL;
    while (seen != 7 && cb_time_mono_ns() < deadline) {
        cb_sub_msg_t msg;
        if (cb_sub_recv(sub, 200, &msg) == 0) {
            seen |= memmem(msg.topic, msg.topic_len, ".sim-kraken2", 12) != NULL  ? 4
                    : memmem(msg.topic, msg.topic_len, ".sim-kraken", 11) != NULL ? 1
                    : memmem(msg.topic, msg.topic_len, ".sim-binance", 12) != NULL ? 2
                                                                                   : 0;
        }
        cb_sub_msg_clear(&msg);
    }
    cb_sub_destroy(&sub);
    if (seen != 7) {
        fprintf(stderr, "bench: not every venue published a book; feed log: %s\n", cbh_proc_log_path(s_feed));
        goto done;
    }
    /* Start-up lasts past the first books: each stream's candle history
     * comes over REST at the venue's rate budget (about 30 s for two Kraken
     * venues here). Idle is the last sample, secs after the books. */
    printf("\nmarket-feed idle RSS, 3 venues (sim-kraken, sim-binance, sim-kraken2) x 3 symbols, "
           "COINBUS_SIM_RATE=1\n| when | VmRSS kB | RssAnon kB | RssFile kB |\n|---|---:|---:|---:|\n");
    long rss = s_rss_row("every venue's books on the bus");
    const int marks[] = {10, 30, secs};
    int waited = 0;
    for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
        if (marks[k] <= waited || marks[k] > secs) {
            continue;
        }
        sleep((unsigned) (marks[k] - waited));
        waited = marks[k];
        char when[32];
        snprintf(when, sizeof when, "%d s later", waited);
        rss = s_rss_row(when);
    }
    printf("idle (%d s later): %ld kB; target < 20480 kB: %s\n", waited, rss, rss > 0 && rss < 20480 ? "met" : "NOT met");
    rc = 0;
done:
    s_stop_all();
    return rc;
}

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    if (argc >= 2 && strcmp(argv[1], "rss") == 0) {
        return s_rss(argc > 2 ? atoi(argv[2]) : 60) == 0 ? 0 : 1;
    }
    int rate = argc > 1 ? atoi(argv[1]) : 500;
    int secs = argc > 2 ? atoi(argv[2]) : 10;
    int pinned = argc > 3 && strcmp(argv[3], "pinned") == 0;
    if (rate < 1 || rate > 100000 || secs < 1 || secs > 600) {
        fprintf(stderr, "usage: bench_feed_pipeline [rate per instrument] [seconds] [pinned]\n"
                        "       bench_feed_pipeline rss [seconds after the first books, default 60]\n");
        return 2;
    }
    return s_pipeline(rate, secs, pinned) == 0 ? 0 : 1;
}
