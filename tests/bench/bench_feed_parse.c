/* bench_feed_parse.c - market-feed's per-message work in one process: ws_parse, instrument lookup, (Kraken: book + checksum), encode */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_dialect.h"
#include "cb_error.h"
#include "cb_jtok.h"
#include "cb_kraken_book.h"
#include "cb_proto.h"
#include "cb_time.h"

/* Messages per timed batch: one clock read costs ~20-30 ns, so a batch of
 * 100 puts the clock's share of a ~1 us message below 0.05%. */
#define S_BATCH 100
#define S_MAX_BATCHES 200000
#define S_BOOK_DEPTH 10

/* A Binance combined-stream bookTicker, as venue-sim and Binance send it. */
static const char s_binance_msg[] =
    "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":400900217,\"s\":\"BTCUSDT\","
    "\"b\":\"45283.51000000\",\"B\":\"1.54582015\",\"a\":\"45285.20000000\",\"A\":\"0.00100000\"}}";

/* The snapshot of Kraken's "Book checksum (WebSocket v2)" guide (checksum
 * 3310070434 at price 1 / qty 8 decimals), then an update with two bid and
 * two ask levels; its checksum is computed at start. Applying the update to
 * the book it produced leaves the book unchanged, so the same bytes verify
 * again on every iteration. */
static const char s_kraken_snapshot[] =
    "{\"channel\":\"book\",\"type\":\"snapshot\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":["
    "{\"price\":45283.5,\"qty\":0.10000000},{\"price\":45283.4,\"qty\":1.54582015},"
    "{\"price\":45282.1,\"qty\":0.10000000},{\"price\":45281.0,\"qty\":0.10000000},"
    "{\"price\":45280.3,\"qty\":1.54592586},{\"price\":45279.0,\"qty\":0.07990000},"
    "{\"price\":45277.6,\"qty\":0.03310103},{\"price\":45277.5,\"qty\":0.30000000},"
    "{\"price\":45277.3,\"qty\":1.54602737},{\"price\":45276.6,\"qty\":0.15445238}],\"asks\":["
    "{\"price\":45285.2,\"qty\":0.00100000},{\"price\":45286.4,\"qty\":1.54571953},"
    "{\"price\":45286.6,\"qty\":1.54571109},{\"price\":45289.6,\"qty\":1.54560911},"
    "{\"price\":45290.2,\"qty\":0.15890660},{\"price\":45291.8,\"qty\":1.54553491},"
    "{\"price\":45294.7,\"qty\":0.04454749},{\"price\":45296.1,\"qty\":0.35380000},"
    "{\"price\":45297.5,\"qty\":0.09945542},{\"price\":45299.5,\"qty\":0.18772827}],"
    "\"checksum\":3310070434,\"timestamp\":\"2026-11-23T10:00:00.000000Z\"}]}";
#define S_KRAKEN_UPDATE_FMT                                                                        \
    "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":["      \
    "{\"price\":45283.4,\"qty\":1.20000000},{\"price\":45282.0,\"qty\":0.50000000}],\"asks\":["  \
    "{\"price\":45285.2,\"qty\":0.25000000},{\"price\":45294.7,\"qty\":0}],"                      \
    "\"checksum\":%u,\"timestamp\":\"2026-11-23T10:00:00.123456Z\"}]}"

/* One venue's listing, as market-feed holds it after AssetPairs / exchangeInfo. */
static void
s_instruments(cb_dialect_t d, cb_instruments_t *list)
{
    static const char *const sym[3][2] = {{"BTC", "XXBT"}, {"ETH", "XETH"}, {"SOL", "SOL"}};
    for (int k = 0; k < 3; k++) {
        cb_instrument_t in;
        memset(&in, 0, sizeof in);
        if (d == CB_DIALECT_KRAKEN) {
            snprintf(in.symbol, sizeof in.symbol, "%s-USD", sym[k][0]);
            snprintf(in.quote, sizeof in.quote, "USD");
            snprintf(in.native, sizeof in.native, "%s%s", sym[k][1],
                     strlen(sym[k][1]) == 4 ? "ZUSD" : "USD");
            snprintf(in.altname, sizeof in.altname, "%sUSD", k == 0 ? "XBT" : sym[k][0]);
            snprintf(in.ws_name, sizeof in.ws_name, "%s/USD", sym[k][0]);
            in.price_decimals = 1;
            in.qty_decimals = 8;
        } else {
            snprintf(in.symbol, sizeof in.symbol, "%s-USDT", sym[k][0]);
            snprintf(in.quote, sizeof in.quote, "USDT");
            snprintf(in.native, sizeof in.native, "%sUSDT", sym[k][0]);
            snprintf(in.altname, sizeof in.altname, "%s", in.native);
            snprintf(in.ws_name, sizeof in.ws_name, "%susdt", k == 0 ? "btc" : k == 1 ? "eth" : "sol");
        }
        snprintf(in.base, sizeof in.base, "%s", sym[k][0]);
        in.trading = true;
        if (cb_instruments_add(list, &in) != 0) {
            fprintf(stderr, "bench: cb_instruments_add failed\n");
            exit(1);
        }
    }
}

/* What one message goes through; the emit callback does what market-feed's
 * s_on_item + feed_app_tick / feed_app_book do short of the socket. */
typedef struct {
    const cb_instruments_t *list;
    const char *venue;
    cb_kraken_book_t *kbook; /* NULL: Binance */
    cb_buf_t out;
    uint64_t seq;
    uint64_t encoded;
    int failed;
} s_ctx_t;

static void
s_envelope(s_ctx_t *c, cb_event_t *ev)
{
    CB_PROTO_SET(&ev->env, envelope, v, (uint64_t) CB_PROTO_VERSION);
    CB_PROTO_SET(&ev->env, envelope, ts, (int64_t) 1795000000000000000LL);
    CB_PROTO_SET(&ev->env, envelope, epoch, cb_str_from("bench"));
    CB_PROTO_SET(&ev->env, envelope, seq, ++c->seq);
}

static int
s_emit(void *ctx, const cb_md_msg_t *msg)
{
    s_ctx_t *c = ctx;
    const cb_instrument_t *in = cb_instruments_by_native(c->list, msg->native);
    if (in == NULL) {
        c->failed = 1;
        return 0;
    }
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    if (msg->type == CB_MD_TICK) {
        ev.kind = CB_KIND_tick;
        ev.body.tick = msg->tick;
        CB_PROTO_SET(&ev.body.tick, tick, symbol, cb_str_from(in->symbol));
        CB_PROTO_SET(&ev.body.tick, tick, venue, cb_str_from(c->venue));
    } else if (msg->type == CB_MD_BOOK && c->kbook != NULL) {
        if (cb_kraken_book_apply(c->kbook, msg) != 0 || c->kbook->state != CB_KRAKEN_BOOK_LIVE) {
            c->failed = 1;
            return 0;
        }
        /* What feed_app_book publishes: the top levels of the verified book. */
        const cb_book_local_t *bk = &c->kbook->book;
        size_t nb = bk->nbids < S_BOOK_DEPTH ? bk->nbids : S_BOOK_DEPTH;
        size_t na = bk->nasks < S_BOOK_DEPTH ? bk->nasks : S_BOOK_DEPTH;
        ev.kind = CB_KIND_book;
        cb_book_t *b = &ev.body.book;
        CB_PROTO_SET(b, book, symbol, cb_str_from(in->symbol));
        CB_PROTO_SET(b, book, venue, cb_str_from(c->venue));
        CB_PROTO_SET(b, book, snapshot, true);
        CB_PROTO_SET(b, book, bids, ((cb_levels_t){bk->bids, (uint32_t) nb}));
        CB_PROTO_SET(b, book, asks, ((cb_levels_t){bk->asks, (uint32_t) na}));
        CB_PROTO_SET(b, book, checksum, (uint64_t) c->kbook->last_checksum);
        if (CB_PROTO_HAS(&msg->book, book, exch_ts)) {
            CB_PROTO_SET(b, book, exch_ts, msg->book.exch_ts);
        }
        CB_PROTO_SET(b, book, resyncing, false);
    } else {
        c->failed = 1;
        return 0;
    }
    s_envelope(c, &ev);
    cb_buf_reset(&c->out);
    cb_proto_err_t err;
    if (cb_event_encode(&ev, &c->out, &err) != 0) {
        fprintf(stderr, "bench: cb_event_encode: %s\n", err.message);
        c->failed = 1;
        return 0;
    }
    c->encoded++;
    return 0;
}

static int
s_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Per-message ns of each batch, sorted: median and p99 of the batch means. */
typedef struct {
    double *ns;
    int n;
} s_series_t;

static double
s_pct(s_series_t *s, double q)
{
    qsort(s->ns, (size_t) s->n, sizeof(double), s_cmp_double);
    int i = (int) (q * (s->n - 1) + 0.5);
    return s->ns[i];
}

/* Sink for the reference paths, so that the compiler keeps their work. */
static volatile uint64_t s_sink;

typedef enum { S_FULL = 0, S_JDOC, S_MEMCPY, S_NPATH } s_path_t;

static const char *const s_path_name[S_NPATH] = {
    "ws_parse + lookup + CB_PROTO_SET + cb_event_encode",
    "reference: cb_jdoc_parse of the same bytes",
    "reference: memcpy of the same bytes",
};

/* Runs batches of each path interleaved; fills med/p99 per path. */
static int
s_run(const char *label, const cb_dialect_ops_t *ops, s_ctx_t *c, const char *msg, size_t len,
      int batches, double med[S_NPATH], double p99[S_NPATH])
{
    cb_md_parser_t p = {0};
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    char copy[4096];
    s_series_t ser[S_NPATH];
    for (int k = 0; k < S_NPATH; k++) {
        ser[k].ns = calloc((size_t) batches, sizeof(double));
        ser[k].n = 0;
    }
    /* Warm-up: scratch grown, caches and branch predictors filled. */
    for (int i = 0; i < 20000; i++) {
        if (ops->ws_parse(&p, msg, len, s_emit, c) != 0 || c->failed) {
            fprintf(stderr, "bench: %s: the message did not go through\n", label);
            return -1;
        }
    }
    uint64_t before = c->encoded;
    for (int b = 0; b < batches; b++) {
        for (int path = 0; path < S_NPATH; path++) {
            int64_t t0 = cb_time_mono_ns();
            int rc = 0;
            for (int i = 0; i < S_BATCH; i++) {
                if (path == S_FULL) {
                    rc |= ops->ws_parse(&p, msg, len, s_emit, c);
                } else if (path == S_JDOC) {
                    rc |= cb_jdoc_parse(&doc, msg, len);
                    s_sink += (uint64_t) cb_jtok_size(&doc, 0);
                } else {
                    memcpy(copy, msg, len);
                    __asm__ volatile("" : : "r"(copy) : "memory");
                    s_sink += (uint8_t) copy[len / 2];
                }
            }
            int64_t t1 = cb_time_mono_ns();
            if (rc != 0 || c->failed) {
                fprintf(stderr, "bench: %s: path %d failed\n", label, path);
                return -1;
            }
            ser[path].ns[ser[path].n++] = (double) (t1 - t0) / S_BATCH;
        }
    }
    if (c->encoded - before != (uint64_t) batches * S_BATCH) {
        fprintf(stderr, "bench: %s: %llu encoded, expected %llu\n", label,
                (unsigned long long) (c->encoded - before), (unsigned long long) batches * S_BATCH);
        return -1;
    }
    for (int k = 0; k < S_NPATH; k++) {
        med[k] = s_pct(&ser[k], 0.5);
        p99[k] = s_pct(&ser[k], 0.99);
        free(ser[k].ns);
    }
    cb_jdoc_fini(&doc);
    cb_md_parser_fini(&p);
    return 0;
}

static void
s_print(const char *label, size_t len, size_t out_len, const double med[S_NPATH],
        const double p99[S_NPATH], double target_ns)
{
    printf("\n| %s (%zu bytes in, %zu bytes encoded) | median ns/msg | p99 ns/msg |\n|---|---:|---:|\n",
           label, len, out_len);
    for (int k = 0; k < S_NPATH; k++) {
        printf("| %s | %.0f | %.0f |\n", s_path_name[k], med[k], p99[k]);
    }
    printf("full / jdoc_parse: %.2fx median; target <= %.0f ns median: %s\n", med[S_FULL] / med[S_JDOC],
           target_ns, med[S_FULL] <= target_ns ? "met" : "NOT met");
}

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int batches = argc > 1 ? atoi(argv[1]) : 20000;
    if (batches < 100 || batches > S_MAX_BATCHES) {
        fprintf(stderr, "usage: bench_feed_parse [batches of %d messages, 100..%d]\n", S_BATCH,
                S_MAX_BATCHES);
        return 2;
    }
    printf("bench_feed_parse: %d batches of %d messages per path, interleaved; median and p99 "
           "of the per-batch mean\n",
           batches, S_BATCH);
    int rc = 1;
    double med[S_NPATH], p99[S_NPATH];
    cb_kraken_book_t kb;
    cb_kraken_book_init(&kb, S_BOOK_DEPTH, 1, 8);
    cb_md_parser_t p0 = {0};
    cb_instruments_t blist = {0};
    cb_instruments_t klist = {0};
    s_ctx_t bc = {.list = &blist, .venue = "sim-binance"};
    s_ctx_t kc = {.list = &klist, .venue = "sim-kraken", .kbook = &kb};

    /* Binance bookTicker. */
    s_instruments(CB_DIALECT_BINANCE, &blist);
    const cb_dialect_ops_t *bops = cb_dialect_ops(CB_DIALECT_BINANCE);
    if (s_run("binance bookTicker", bops, &bc, s_binance_msg, strlen(s_binance_msg), batches, med, p99) !=
        0) {
        goto done;
    }
    s_print("Binance bookTicker, combined stream -> tick", strlen(s_binance_msg), bc.out.len, med, p99,
            1000.0);

    /* Kraken v2 book update, checksum verified. */
    s_instruments(CB_DIALECT_KRAKEN, &klist);
    const cb_dialect_ops_t *kops = cb_dialect_ops(CB_DIALECT_KRAKEN);
    char update[2048];
    /* The update's checksum: ours after applying it (a wrong one first). */
    snprintf(update, sizeof update, S_KRAKEN_UPDATE_FMT, 0u);
    if (kops->ws_parse(&p0, s_kraken_snapshot, strlen(s_kraken_snapshot), s_emit, &kc) != 0 || kc.failed ||
        kb.last_checksum != 3310070434u) {
        fprintf(stderr, "bench: the Kraken snapshot did not load\n");
        goto done;
    }
    (void) kops->ws_parse(&p0, update, strlen(update), s_emit, &kc);
    uint32_t want = kb.last_checksum;
    kc.failed = 0;
    snprintf(update, sizeof update, S_KRAKEN_UPDATE_FMT, want);
    if (kops->ws_parse(&p0, s_kraken_snapshot, strlen(s_kraken_snapshot), s_emit, &kc) != 0 ||
        kops->ws_parse(&p0, update, strlen(update), s_emit, &kc) != 0 || kc.failed ||
        kb.state != CB_KRAKEN_BOOK_LIVE) {
        fprintf(stderr, "bench: the Kraken update did not verify\n");
        goto done;
    }
    uint64_t ok_before = kb.checksum_ok;
    uint64_t failures_before = kb.checksum_failures;
    if (s_run("kraken book update", kops, &kc, update, strlen(update), batches, med, p99) != 0) {
        goto done;
    }
    if (kb.checksum_failures != failures_before || kb.checksum_ok - ok_before < (uint64_t) batches * S_BATCH) {
        fprintf(stderr, "bench: Kraken checksums: %llu failures\n",
                (unsigned long long) (kb.checksum_failures - failures_before));
        goto done;
    }
    s_print("Kraken v2 book update, 2+2 levels, CRC32 verified -> book of 10+10", strlen(update), kc.out.len,
            med, p99, 3000.0);
    printf("(Kraken: %llu checksums verified, 0 failures)\n", (unsigned long long) (kb.checksum_ok - ok_before));
    rc = 0;
done:
    cb_md_parser_fini(&p0);
    cb_kraken_book_fini(&kb);
    cb_buf_fini(&bc.out);
    cb_buf_fini(&kc.out);
    cb_instruments_fini(&blist);
    cb_instruments_fini(&klist);
    return rc;
}
