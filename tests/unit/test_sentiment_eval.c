/* test_sentiment_eval.c - scores the shipped lexicons on tests/data/sentiment_eval.tsv: accuracy, per-class precision/recall, calibration */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sent_engine.h"
#include "sent_lexicon.h"

/* Usage: test_sentiment_eval [--markdown] [data dir] [eval set]
 * Fails (exit 1) when the set is smaller than the issue asks, when texts
 * given confidence >= 0.8 are right less than 80% of the time (whole set and
 * the held-back test split alike), or when test-split accuracy falls under
 * S_MIN_TEST_ACCURACY, the floor that keeps a lexicon edit from quietly
 * making things worse. */

#define S_MIN_SET 400
#define S_MIN_TEST_ACCURACY 0.80
#define S_CONFIDENT 0.8

enum { S_SPLIT_DEV, S_SPLIT_TEST, S_SPLITS };
enum { S_DOM_GENERAL, S_DOM_CRYPTO, S_DOMS };
#define S_BINS 6 /* confidence [0,0.5) [0.5,0.6) [0.6,0.7) [0.7,0.8) [0.8,0.9) [0.9,1] */

typedef struct {
    int confusion[3][3]; /* [truth][predicted] */
    int bin_total[S_BINS];
    int bin_right[S_BINS];
    int confident_total;
    int confident_right;
} s_stats_t;

static const char *const s_split_names[] = {"dev", "test"};
static const char *const s_dom_names[] = {"general", "crypto"};
static const char *const s_bin_names[] = {"< 0.5", "0.5-0.6", "0.6-0.7", "0.7-0.8", "0.8-0.9", ">= 0.9"};

static int
s_label(const char *s)
{
    return strcmp(s, "neutral") == 0 ? SENT_NEUTRAL
           : strcmp(s, "bullish") == 0 ? SENT_BULLISH
           : strcmp(s, "bearish") == 0 ? SENT_BEARISH
                                       : -1;
}

static int
s_index(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(s, names[i]) == 0) {
            return i;
        }
    }
    return -1;
}

static void
s_count(s_stats_t *st, int truth, const sent_result_t *r)
{
    st->confusion[truth][r->label]++;
    int bin = r->confidence < 0.5 ? 0 : r->confidence >= 0.9 ? 5 : (int) ((r->confidence + 1e-9 - 0.4) * 10);
    if (bin > 5) {
        bin = 5;
    }
    bool right = (int) r->label == truth;
    st->bin_total[bin]++;
    st->bin_right[bin] += right;
    if (r->confidence >= S_CONFIDENT) {
        st->confident_total++;
        st->confident_right += right;
    }
}

static int
s_total(const s_stats_t *st, int *right)
{
    int total = 0;
    *right = 0;
    for (int t = 0; t < 3; t++) {
        for (int p = 0; p < 3; p++) {
            total += st->confusion[t][p];
            *right += t == p ? st->confusion[t][p] : 0;
        }
    }
    return total;
}

static double
s_ratio(int a, int b)
{
    return b > 0 ? (double) a / b : 0.0;
}

static void
s_merge(s_stats_t *into, const s_stats_t *from)
{
    for (int t = 0; t < 3; t++) {
        for (int p = 0; p < 3; p++) {
            into->confusion[t][p] += from->confusion[t][p];
        }
    }
    for (int b = 0; b < S_BINS; b++) {
        into->bin_total[b] += from->bin_total[b];
        into->bin_right[b] += from->bin_right[b];
    }
    into->confident_total += from->confident_total;
    into->confident_right += from->confident_right;
}

static void
s_print_row(const char *name, const s_stats_t *st)
{
    int right;
    int total = s_total(st, &right);
    printf("| %-14s | %4d | %5.1f%% |", name, total, 100 * s_ratio(right, total));
    for (int c = 0; c < 3; c++) {
        int tp = st->confusion[c][c];
        int predicted = st->confusion[0][c] + st->confusion[1][c] + st->confusion[2][c];
        int actual = st->confusion[c][0] + st->confusion[c][1] + st->confusion[c][2];
        printf(" %3.0f%% / %3.0f%% |", 100 * s_ratio(tp, predicted), 100 * s_ratio(tp, actual));
    }
    printf(" %4d: %5.1f%% |\n", st->confident_total,
           100 * s_ratio(st->confident_right, st->confident_total));
}

int
main(int argc, char **argv)
{
    int arg = 1;
    bool markdown = arg < argc && strcmp(argv[arg], "--markdown") == 0;
    arg += markdown;
    const char *dir = arg < argc ? argv[arg++] : "services/sentiment/data";
    const char *set = arg < argc ? argv[arg++] : "tests/data/sentiment_eval.tsv";
    char err[512];
    sent_lexicon_t *lex = sent_lexicon_load(dir, err, sizeof err);
    if (lex == NULL) {
        fprintf(stderr, "lexicon: %s\n", err);
        return 1;
    }
    FILE *f = fopen(set, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", set);
        sent_lexicon_destroy(&lex);
        return 1;
    }
    static s_stats_t stats[S_SPLITS][S_DOMS];
    char line[8192];
    int lineno = 0;
    int rows = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') {
            continue;
        }
        char *fields[4];
        char *p = line;
        int n = 0;
        for (; n < 4 && p != NULL; n++) {
            fields[n] = p;
            p = n < 3 ? strchr(p, '\t') : NULL;
            if (p != NULL) {
                *p++ = '\0';
            }
        }
        int truth = n == 4 ? s_label(fields[0]) : -1;
        int dom = n == 4 ? s_index(fields[1], s_dom_names, S_DOMS) : -1;
        int split = n == 4 ? s_index(fields[2], s_split_names, S_SPLITS) : -1;
        if (truth < 0 || dom < 0 || split < 0) {
            fprintf(stderr, "%s line %d: expected label<TAB>general|crypto<TAB>dev|test<TAB>text\n", set,
                    lineno);
            rc = 1;
            break;
        }
        sent_result_t r;
        if (sent_analyze(lex, fields[3], strlen(fields[3]), &r, err, sizeof err) != 0) {
            fprintf(stderr, "%s line %d: %s\n", set, lineno, err);
            rc = 1;
            break;
        }
        s_count(&stats[split][dom], truth, &r);
        rows++;
        if (getenv("SENT_EVAL_DUMP") != NULL) {
            fprintf(stderr, "%s\t%s\t%s\t%s\t%.4f\t%.3f\t%zu\n", s_split_names[split],
                    s_dom_names[dom], fields[0], sent_label_name(r.label), r.score, r.confidence,
                    r.term_count);
        }
        if (!markdown && getenv("SENT_EVAL_VERBOSE") != NULL && (int) r.label != truth) {
            printf("MISS line %d %s/%s want %s got %s (%.3f, conf %.2f): %s\n", lineno,
                   s_split_names[split], s_dom_names[dom], fields[0], sent_label_name(r.label),
                   r.score, r.confidence, fields[3]);
        }
    }
    fclose(f);
    sent_lexicon_destroy(&lex);
    if (rc != 0) {
        return rc;
    }

    s_stats_t split_all[S_SPLITS] = {0};
    s_stats_t all = {0};
    printf("%d sentences from %s, lexicons from %s\n\n", rows, set, dir);
    printf("| split / domain | n    | accuracy | bullish P / R | bearish P / R | neutral P / R | conf >= 0.8: right |\n");
    printf("|---|---|---|---|---|---|---|\n");
    for (int s = 0; s < S_SPLITS; s++) {
        for (int d = 0; d < S_DOMS; d++) {
            char name[32];
            snprintf(name, sizeof name, "%s / %s", s_split_names[s], s_dom_names[d]);
            s_print_row(name, &stats[s][d]);
            s_merge(&split_all[s], &stats[s][d]);
        }
        char name[32];
        snprintf(name, sizeof name, "%s / all", s_split_names[s]);
        s_print_row(name, &split_all[s]);
        s_merge(&all, &split_all[s]);
    }
    s_print_row("all", &all);
    printf("\nCalibration: how often the label is right, by confidence (n: right)\n\n");
    printf("| confidence | dev | test (held back) |\n|---|---|---|\n");
    for (int b = 0; b < S_BINS; b++) {
        printf("| %s | %d: %.1f%% | %d: %.1f%% |\n", s_bin_names[b], split_all[0].bin_total[b],
               100 * s_ratio(split_all[0].bin_right[b], split_all[0].bin_total[b]),
               split_all[1].bin_total[b],
               100 * s_ratio(split_all[1].bin_right[b], split_all[1].bin_total[b]));
    }
    printf("\n| truth \\ predicted | neutral | bullish | bearish |\n|---|---|---|---|\n");
    for (int t = 0; t < 3; t++) {
        printf("| %s | %d | %d | %d |\n", sent_label_name((sent_label_t) t), all.confusion[t][0],
               all.confusion[t][1], all.confusion[t][2]);
    }

    int test_right;
    int test_total = s_total(&split_all[S_SPLIT_TEST], &test_right);
    const s_stats_t *checks[] = {&all, &split_all[S_SPLIT_TEST]};
    if (rows < S_MIN_SET) {
        fprintf(stderr, "FAIL: %d sentences, the issue asks for at least %d\n", rows, S_MIN_SET);
        rc = 1;
    }
    for (size_t i = 0; i < 2; i++) {
        if (s_ratio(checks[i]->confident_right, checks[i]->confident_total) < 0.8) {
            fprintf(stderr, "FAIL: confidence >= 0.8 right only %d of %d (%s)\n",
                    checks[i]->confident_right, checks[i]->confident_total,
                    i == 0 ? "whole set" : "test split");
            rc = 1;
        }
    }
    if (s_ratio(test_right, test_total) < S_MIN_TEST_ACCURACY) {
        fprintf(stderr, "FAIL: test-split accuracy %.3f under the floor %.2f\n",
                s_ratio(test_right, test_total), S_MIN_TEST_ACCURACY);
        rc = 1;
    }
    return rc;
}
