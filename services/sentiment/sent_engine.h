/* sent_engine.h - lexicon-and-rules sentiment: tokenize, score, label, confidence, symbols */
#ifndef SENT_ENGINE_H_INCLUDED
#define SENT_ENGINE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "sent_lexicon.h"

#define SENT_TEXT_MAX_CHARS 5000
#define SENT_TERMS_MAX 16
#define SENT_SYMBOLS_MAX 8

typedef enum {
    SENT_NEUTRAL = 0,
    SENT_BULLISH = 1,
    SENT_BEARISH = 2,
} sent_label_t;

typedef struct {
    char term[64];
    double weight;
} sent_term_t;

/* The analysis of one text. Plain value, no pointers into the input. */
typedef struct {
    sent_label_t label;
    double confidence; /* 0..1: how likely the label is right (calibrated on the dev split) */
    double score;      /* -1..1 */
    sent_term_t terms[SENT_TERMS_MAX];
    size_t term_count;
    char symbols[SENT_SYMBOLS_MAX][17];
    size_t symbol_count;
} sent_result_t;

/* "bullish" / "bearish" / "neutral". */
const char *
sent_label_name(sent_label_t label);

/* Analyses len bytes of text with lex (borrowed, read-only: safe from many
 * threads). Returns 0, or CB_E_BAD_REQUEST with a message in err (errsize
 * bytes) for invalid UTF-8, or an empty / over-long text (1 to 5000
 * characters after trimming white space). */
int
sent_analyze(const sent_lexicon_t *lex, const char *text, size_t len, sent_result_t *out,
             char *err, size_t errsize);

#endif
