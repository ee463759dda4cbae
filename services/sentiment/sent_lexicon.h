/* sent_lexicon.h - sentiment lexicons, modifiers and symbol aliases, loaded from TSV data files */
#ifndef SENT_LEXICON_H_INCLUDED
#define SENT_LEXICON_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    SENT_MOD_NONE = 0,
    SENT_MOD_NEGATOR,
    SENT_MOD_INTENSIFIER,
    SENT_MOD_DAMPENER,
    SENT_MOD_CONTRAST,
} sent_mod_kind_t;

/* Owns every string and table it loaded; read-only after sent_lexicon_load,
 * so one lexicon may serve many threads. */
typedef struct sent_lexicon sent_lexicon_t;

/* Loads lexicon_general.tsv, lexicon_crypto.tsv (term, weight -4..4),
 * modifiers.tsv (word, kind, factor) and symbols.tsv (alias, SYMBOL) from
 * dir. A bad line fails the load with its file and line number in err.
 * Returns NULL on failure. Terms may be phrases of up to 3 words. */
sent_lexicon_t *
sent_lexicon_load(const char *dir, char *err, size_t errsize);

/* NULL-safe; nulls *lex_p. */
void
sent_lexicon_destroy(sent_lexicon_t **lex_p);

/* The weight of a lower-case term or phrase (words joined by one space);
 * false when absent. */
bool
sent_lexicon_weight(const sent_lexicon_t *lex, const char *term, size_t len, double *weight);

/* The modifier kind of a lower-case word (SENT_MOD_NONE when none) and its factor. */
sent_mod_kind_t
sent_lexicon_modifier(const sent_lexicon_t *lex, const char *word, size_t len, double *factor);

/* The ticker of a lower-case alias ("bitcoin" -> "BTC"), or NULL. */
const char *
sent_lexicon_symbol(const sent_lexicon_t *lex, const char *alias, size_t len);

/* Entry counts, for logs and tests. */
size_t
sent_lexicon_size(const sent_lexicon_t *lex);

#endif
