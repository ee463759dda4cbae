/* bench_sentiment.c - sentiment speed: ns per 100-character sentence in-process, analyze_batch over the bus, idle RSS */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_log.h"
#include "cb_rpc.h"
#include "cb_time.h"
#include "cb_utf8.h"
#include "cbh_bus.h"
#include "cbh_procstat.h"
#include "sent_engine.h"
#include "sent_lexicon.h"

/* Usage: bench_sentiment [rounds] [rpc seconds]
 * Sentences: every line of tests/data/sentiment_eval.tsv, repeated and cut at
 * a word boundary to 100 characters (+/- a word), so the mix of terms,
 * phrases, emoji and plain words is the one real text has. */

#define S_SENTENCES_MAX 2048
#define S_LEN 100

static char s_text[S_SENTENCES_MAX][S_LEN + 64];
static size_t s_lens[S_SENTENCES_MAX];
static size_t s_count;

static int
s_load_sentences(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    char line[8192];
    while (s_count < S_SENTENCES_MAX && fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        char *text = line;
        for (int tabs = 0; tabs < 3 && text != NULL; tabs++) {
            text = strchr(text, '\t');
            text = text != NULL ? text + 1 : NULL;
        }
        if (line[0] == '#' || text == NULL || *text == '\0') {
            continue;
        }
        /* Repeat the text until it reaches S_LEN bytes, then cut at the last
         * space before S_LEN + 10. */
        char *out = s_text[s_count];
        size_t len = 0;
        size_t tl = strlen(text);
        while (len < S_LEN) {
            size_t take = tl < S_LEN + 40 - len ? tl : S_LEN + 40 - len;
            memcpy(out + len, text, take);
            len += take;
            if (len < S_LEN) {
                out[len++] = ' ';
            }
        }
        size_t cut = len > S_LEN + 10 ? S_LEN + 10 : len;
        while (cut > S_LEN - 10 && out[cut - 1] != ' ') {
            cut--;
        }
        while (cut > 0 && !cb_utf8_valid(out, cut)) {
            cut--; /* never split a character */
        }
        out[cut] = '\0';
        s_lens[s_count++] = cut;
    }
    fclose(f);
    return s_count > 0 ? 0 : -1;
}

static int
s_cmp(const void *a, const void *b)
{
    double x = *(const double *) a;
    double y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double
s_median(double *v, int n)
{
    qsort(v, (size_t) n, sizeof *v, s_cmp);
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Reference work on the same bytes: validate UTF-8 and lower-case a copy,
 * the least any analyser has to do. */
static size_t
s_reference(void)
{
    size_t sum = 0;
    char copy[S_LEN + 64];
    for (size_t i = 0; i < s_count; i++) {
        sum += cb_utf8_valid(s_text[i], s_lens[i]);
        for (size_t j = 0; j < s_lens[i]; j++) {
            char c = s_text[i][j];
            copy[j] = (char) (c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        sum += (unsigned char) copy[s_lens[i] / 2];
    }
    return sum;
}

static msgpack_sbuffer
s_batch_args(size_t first)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str_with_body(&pk, "texts", 5);
    msgpack_pack_array(&pk, 100);
    for (size_t i = 0; i < 100; i++) {
        size_t k = (first + i) % s_count;
        msgpack_pack_str_with_body(&pk, s_text[k], s_lens[k]);
    }
    return sb;
}

static int
s_bench_rpc(double seconds)
{
    cbh_bus_t bus;
    if (cbh_bus_start(&bus) != 0) {
        return -1;
    }
    cbh_bus_export(&bus);
    char bin[512];
    snprintf(bin, sizeof bin, "%s/sentiment", cbh_bin_dir());
    char *argv[] = {bin, NULL};
    char *env[] = {"COINBUS_SENTIMENT_DATA=services/sentiment/data", "COINBUS_LOG_LEVEL=warn", NULL};
    cbh_proc_t *svc = cbh_proc_start("sentiment", argv, env);
    cb_rpc_client_t *client = cb_rpc_client_new(bus.config.frontend[CB_RPC_SENTIMENT]);
    cb_rpc_result_t res;
    bool up = false;
    for (int i = 0; i < 100 && !up; i++) {
        up = cb_rpc_call(client, "ping", NULL, 0, 200, 0, &res) == 0 && res.ok;
    }
    if (!up) {
        fprintf(stderr, "sentiment did not start: %s\n", cbh_proc_log_path(svc));
        return -1;
    }
    long rss_start = cbh_procstat_status_kb(cbh_proc_pid(svc), "VmRSS:");

    /* Reference: ping round trips through the same bus and worker. */
    int pings = 2000;
    int64_t t0 = cb_time_mono_ns();
    for (int i = 0; i < pings; i++) {
        cb_rpc_call(client, "ping", NULL, 0, 1000, 0, &res);
    }
    double ping_us = (double) (cb_time_mono_ns() - t0) / 1e3 / pings;

    msgpack_sbuffer args[8];
    for (size_t i = 0; i < 8; i++) {
        args[i] = s_batch_args(i * 100);
    }
    long batches = 0;
    long failed = 0;
    t0 = cb_time_mono_ns();
    int64_t until = t0 + (int64_t) (seconds * 1e9);
    while (cb_time_mono_ns() < until) {
        msgpack_sbuffer *a = &args[batches % 8];
        if (cb_rpc_call(client, "analyze_batch", a->data, a->size, 5000, 0, &res) != 0 || !res.ok) {
            failed++;
        }
        batches++;
    }
    double elapsed = (double) (cb_time_mono_ns() - t0) / 1e9;
    double batch_us = elapsed * 1e6 / (double) batches;
    long rss_after = cbh_procstat_status_kb(cbh_proc_pid(svc), "VmRSS:");
    printf("\n| RPC through the bus (1 client, sequential) | per call us | texts/s |\n|---|---:|---:|\n");
    printf("| ping (reference) | %.1f | - |\n", ping_us);
    printf("| analyze_batch, 100 texts of ~100 chars | %.1f | %.0f |\n", batch_us,
           100.0 * (double) batches / elapsed);
    printf("\nbatches %ld (failed %ld) in %.1f s; one batch costs %.1f pings\n", batches, failed,
           elapsed, batch_us / ping_us);
    printf("sentiment RSS: %ld kB idle after start, %ld kB after the batch run (target < 15360 kB)\n",
           rss_start, rss_after);
    for (size_t i = 0; i < 8; i++) {
        msgpack_sbuffer_destroy(&args[i]);
    }
    cb_rpc_client_destroy(&client);
    cbh_proc_stop(&svc, SIGTERM, 5000);
    cbh_bus_stop(&bus);
    return failed == 0 && rss_start > 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 15;
    double rpc_seconds = argc > 2 ? atof(argv[2]) : 3;
    if (rounds < 1 || rounds > 1000) {
        rounds = 15;
    }
    cb_log_init("bench", CB_LOG_WARN, CB_LOG_TEXT);
    char err[256];
    sent_lexicon_t *lex = sent_lexicon_load("services/sentiment/data", err, sizeof err);
    if (lex == NULL || s_load_sentences("tests/data/sentiment_eval.tsv") != 0) {
        fprintf(stderr, "bench_sentiment: %s\n", lex == NULL ? err : "no sentences");
        return 1;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < s_count; i++) {
        bytes += s_lens[i];
    }
    /* Rounds interleave the reference and the analyser; each reports its
     * median round. Every round analyses each sentence 20 times over. */
    double *ref = calloc((size_t) rounds, sizeof *ref);
    double *ana = calloc((size_t) rounds, sizeof *ana);
    volatile size_t sink = 0;
    const int passes = 20;
    for (int r = 0; r < rounds; r++) {
        int64_t t0 = cb_time_mono_ns();
        for (int p = 0; p < passes; p++) {
            sink += s_reference();
        }
        int64_t t1 = cb_time_mono_ns();
        for (int p = 0; p < passes; p++) {
            for (size_t i = 0; i < s_count; i++) {
                sent_result_t res;
                if (sent_analyze(lex, s_text[i], s_lens[i], &res, err, sizeof err) == 0) {
                    sink += res.label;
                }
            }
        }
        int64_t t2 = cb_time_mono_ns();
        ref[r] = (double) (t1 - t0) / (double) (passes * s_count);
        ana[r] = (double) (t2 - t1) / (double) (passes * s_count);
    }
    double ref_ns = s_median(ref, rounds);
    double ana_ns = s_median(ana, rounds);
    printf("bench_sentiment: %zu sentences, mean %.0f bytes, %d rounds x %d passes, %zu lexicon "
           "lines in %zu kB\n\n",
           s_count, (double) bytes / (double) s_count, rounds, passes, sent_lexicon_size(lex),
           sent_lexicon_bytes(lex) / 1024);
    printf("| in-process, one core | ns per sentence (median round) | sentences/s |\n|---|---:|---:|\n");
    printf("| reference: UTF-8 check + lower-case copy | %.0f | %.0f |\n", ref_ns, 1e9 / ref_ns);
    printf("| sent_analyze | %.0f | %.0f |\n", ana_ns, 1e9 / ana_ns);
    printf("\nsent_analyze / reference: %.1fx; target <= 2000 ns per sentence: %s\n",
           ana_ns / ref_ns, ana_ns <= 2000 ? "met" : "NOT met");
    free(ref);
    free(ana);
    sent_lexicon_destroy(&lex);
    (void) sink;
    return s_bench_rpc(rpc_seconds) == 0 ? 0 : 1;
}
