/* bench_codec.c - in-process ns per tick of the bus codec: encode, cb_pub_send, decode */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cb_log.h"
#include "cb_pub.h"
#include "cb_time.h"
#include "cb_topic.h"
#include "cbh_bus.h"

/* bench_bus's tick, stamped (163 bytes). */
static void
s_make_tick(cb_event_t *ev)
{
    cbh_bus_bench_tick(ev, 101);
    CB_PROTO_SET(&ev->env, envelope, v, CB_PROTO_VERSION);
    CB_PROTO_SET(&ev->env, envelope, ts, 1763860000987654321LL);
    CB_PROTO_SET(&ev->env, envelope, epoch, CB_STR("0123456789abcdef"));
    CB_PROTO_SET(&ev->env, envelope, seq, 1);
}

static int
s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a;
    double y = *(const double *) b;
    return (x > y) - (x < y);
}

/* ns per call of one path over n calls; "which" picks the path. */
static double
s_round(int which, long n, const cb_event_t *tick, const cb_buf_t *encoded, cb_pub_t *pub)
{
    static const char topic[] = "tick.BTC-USD.sim-kraken";
    cb_buf_t out;
    cb_buf_init(&out);
    cb_event_t ev;
    volatile uint64_t sink = 0;
    int64_t t0 = cb_time_mono_ns();
    for (long i = 0; i < n; i++) {
        if (which == 0) {
            ev = *tick;
            ev.env.seq = (uint64_t) i + 1;
            cb_buf_reset(&out);
            if (cb_event_encode(&ev, &out, NULL) != 0) {
                abort();
            }
            sink += out.len;
        } else if (which == 1) {
            ev = *tick;
            if (cb_pub_send(pub, &ev, NULL) != 0) {
                abort();
            }
        } else {
            if (cb_event_decode(CB_KIND_tick, encoded->data, encoded->len, &ev, NULL) != 0 ||
                !cb_topic_is_of_event(&ev, topic, sizeof topic - 1)) {
                abort();
            }
            sink += ev.env.seq;
            cb_event_clear(&ev);
        }
    }
    int64_t t1 = cb_time_mono_ns();
    cb_buf_fini(&out);
    (void) sink;
    return (double) (t1 - t0) / (double) n;
}

int
main(int argc, char **argv)
{
    cb_log_init("bench", CB_LOG_WARN, CB_LOG_TEXT);
    zsys_handler_set(NULL);
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int rounds = argc > 2 ? atoi(argv[2]) : 7;
    /* A third argument runs one path only (0 encode, 1 cb_pub_send, 2 decode),
     * e.g. under perf stat. */
    int only = argc > 3 ? atoi(argv[3]) : -1;
    if (n < 1 || rounds < 1 || rounds > 31 || only < -1 || only > 2) {
        fprintf(stderr, "usage: bench_codec [ticks per round] [rounds 1..31] [path 0..2]\n");
        return 64;
    }
    cb_event_t tick;
    s_make_tick(&tick);
    cb_buf_t encoded;
    cb_buf_init(&encoded);
    if (cb_event_encode(&tick, &encoded, NULL) != 0) {
        return 1;
    }
    /* A publisher connected to an endpoint nobody binds: PUB with no peer
     * drops at once, so the figure is our stamping, encoding and two sends. */
    cb_pub_t *pub = cb_pub_new("inproc://bench-codec-nobody");
    if (pub == NULL) {
        return 1;
    }
    static const char *const names[] = {"cb_event_encode (envelope + tick)",
                                        "cb_pub_send (topic, seq, clock, encode, 2 sends)",
                                        "cb_event_decode + cb_topic_is_of_event"};
    double ns[3][31];
    for (int r = 0; r < rounds; r++) {
        for (int w = 0; w < 3; w++) {
            ns[w][r] = only < 0 || only == w ? s_round(w, n, &tick, &encoded, pub) : 0;
        }
    }
    printf("\n| in-process, %zu-byte tick, %ld per round, %d rounds | median ns | min ns |\n"
           "|---|---:|---:|\n",
           encoded.len, n, rounds);
    for (int w = 0; w < 3; w++) {
        qsort(ns[w], (size_t) rounds, sizeof ns[w][0], s_cmp_double);
        printf("| %s | %.1f | %.1f |\n", names[w], ns[w][rounds / 2], ns[w][0]);
    }
    cb_pub_destroy(&pub);
    cb_buf_fini(&encoded);
    return 0;
}
