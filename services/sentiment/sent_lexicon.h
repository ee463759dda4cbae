/* sent_lexicon.h - sentiment lexicons, modifiers and symbol aliases, loaded from TSV data files */
#ifndef SENT_LEXICON_H_INCLUDED
#define SENT_LEXICON_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

/* Longest phrase, in words, a term or alias may have. */
#define SENT_PHRASE_WORDS_MAX 3
/* Longest key, in bytes (a phrase with its spaces). */
#define SENT_KEY_MAX 96

typedef enum {
    SENT_MOD_NONE = 0,
    SENT_MOD_NEGATOR,
    SENT_MOD_INTENSIFIER,
    SENT_MOD_DAMPENER,
    SENT_MOD_CONTRAST,
} sent_mod_kind_t;

/* Everything the data files say about one key (a word, a phrase, an emoji).
 * A word may be a term, a modifier and an alias at once. */
typedef struct {
    bool has_weight;
    double weight;          /* -4..4, when has_weight */
    sent_mod_kind_t mod;    /* SENT_MOD_NONE when not a modifier */
    double factor;          /* the modifier's factor */
    const char *symbol;     /* the ticker this key names ("BTC"), or NULL */
    unsigned phrase_words;  /* longest phrase or alias starting with this word, 1 if none */
} sent_entry_t;

/* Owns every key, entry and string it loaded; read-only after
 * sent_lexicon_load, so one lexicon may serve many threads. */
typedef struct sent_lexicon sent_lexicon_t;

/* Loads lexicon_general.tsv, lexicon_crypto.tsv (term, weight -4..4, not 0),
 * modifiers.tsv (word, negator|intensifier|dampener|contrast, factor) and
 * symbols.tsv (alias, SYMBOL of 1..16 characters) from dir. Keys are
 * lower-cased; a phrase is up to 3 words joined by single spaces. A later
 * file overrides an earlier one's weight for the same term. A bad line fails
 * the load with its file and line number in err (errsize bytes). Returns NULL
 * on failure. */
sent_lexicon_t *
sent_lexicon_load(const char *dir, char *err, size_t errsize);

/* NULL-safe; nulls *lex_p. */
void
sent_lexicon_destroy(sent_lexicon_t **lex_p);

/* The entry of len bytes of a lower-case key, or NULL. Borrowed from lex. */
const sent_entry_t *
sent_lexicon_find(const sent_lexicon_t *lex, const char *key, size_t len);

/* Lines loaded from the four files, for logs and tests. */
size_t
sent_lexicon_size(const sent_lexicon_t *lex);

/* Bytes the loaded tables take, for logs and the memory benchmark. */
size_t
sent_lexicon_bytes(const sent_lexicon_t *lex);

#endif
