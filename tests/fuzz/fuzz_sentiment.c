/* fuzz_sentiment.c - libFuzzer: the sentiment tokenizer and scorer on arbitrary bytes */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_error.h"
#include "sent_engine.h"

static sent_lexicon_t *s_lex;

static void
s_write(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        abort();
    }
    fputs(text, f);
    fclose(f);
}

/* A small lexicon with every kind of entry, written once per run. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    char dir[] = "/tmp/cb-fuzz-sent-XXXXXX";
    if (mkdtemp(dir) == NULL) {
        abort();
    }
    s_write(dir, "lexicon_general.tsv", "good\t2\nbad\t-2\nso\t1\n:)\t2\n");
    s_write(dir, "lexicon_crypto.tsv", "moon\t3\nrug pull\t-4\nto the moon\t4\n\xf0\x9f\x9a\x80\t3\n");
    s_write(dir, "modifiers.tsv", "not\tnegator\t-0.75\nvery\tintensifier\t1.3\nbut\tcontrast\t1.5\n");
    s_write(dir, "symbols.tsv", "bitcoin\tBTC\nshiba inu\tSHIB\n");
    char err[256];
    s_lex = sent_lexicon_load(dir, err, sizeof err);
    if (s_lex == NULL) {
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sent_result_t r;
    char err[256];
    if (sent_analyze(s_lex, (const char *) data, size, &r, err, sizeof err) == 0) {
        if (r.score < -1 || r.score > 1 || r.confidence < 0 || r.confidence > 1 ||
            r.term_count > SENT_TERMS_MAX || r.symbol_count > SENT_SYMBOLS_MAX) {
            abort();
        }
    }
    return 0;
}
