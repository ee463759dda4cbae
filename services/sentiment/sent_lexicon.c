/* sent_lexicon.c - sentiment lexicons, modifiers and symbol aliases, loaded from TSV data files */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_hash.h"
#include "sent_lexicon.h"

/* One key and what the files say of it. Keys live in one byte arena so a
 * lookup touches the slot table, one entry and one key. */
typedef struct {
    sent_entry_t pub;
    uint64_t hash;
    uint32_t key_off;
    uint32_t key_len;
    char symbol[17];
} s_entry_t;

struct sent_lexicon {
    s_entry_t *entries;
    size_t count;
    size_t cap;
    char *keys;
    size_t keys_len;
    size_t keys_cap;
    uint32_t *slots; /* entry index + 1; 0 = empty; power-of-two size, at most half full */
    size_t slot_mask;
    size_t lines;
};

static uint64_t
s_hash(const char *key, size_t len)
{
    return cb_fnv1a64(CB_FNV1A64_INIT, key, len);
}

static s_entry_t *
s_find(const sent_lexicon_t *lex, const char *key, size_t len, uint64_t hash)
{
    if (lex->slots == NULL) {
        return NULL;
    }
    for (size_t i = hash & lex->slot_mask;; i = (i + 1) & lex->slot_mask) {
        uint32_t slot = lex->slots[i];
        if (slot == 0) {
            return NULL;
        }
        s_entry_t *e = &lex->entries[slot - 1];
        if (e->hash == hash && e->key_len == len && memcmp(lex->keys + e->key_off, key, len) == 0) {
            return e;
        }
    }
}

static int
s_rehash(sent_lexicon_t *lex, size_t size)
{
    uint32_t *slots = calloc(size, sizeof *slots);
    if (slots == NULL) {
        return -1;
    }
    for (size_t n = 0; n < lex->count; n++) {
        size_t i = lex->entries[n].hash & (size - 1);
        while (slots[i] != 0) {
            i = (i + 1) & (size - 1);
        }
        slots[i] = (uint32_t) (n + 1);
    }
    free(lex->slots);
    lex->slots = slots;
    lex->slot_mask = size - 1;
    return 0;
}

/* The entry of key, created empty when absent; NULL when out of memory. */
static s_entry_t *
s_upsert(sent_lexicon_t *lex, const char *key, size_t len)
{
    uint64_t hash = s_hash(key, len);
    s_entry_t *e = s_find(lex, key, len, hash);
    if (e != NULL) {
        return e;
    }
    if (lex->count == lex->cap) {
        size_t cap = lex->cap == 0 ? 1024 : lex->cap * 2;
        s_entry_t *entries = realloc(lex->entries, cap * sizeof *entries);
        if (entries == NULL) {
            return NULL;
        }
        lex->entries = entries;
        lex->cap = cap;
    }
    if (lex->keys_len + len > lex->keys_cap) {
        size_t cap = lex->keys_cap == 0 ? 16384 : lex->keys_cap * 2;
        while (cap < lex->keys_len + len) {
            cap *= 2;
        }
        char *keys = realloc(lex->keys, cap);
        if (keys == NULL) {
            return NULL;
        }
        lex->keys = keys;
        lex->keys_cap = cap;
    }
    e = &lex->entries[lex->count++];
    memset(e, 0, sizeof *e);
    e->hash = hash;
    e->key_off = (uint32_t) lex->keys_len;
    e->key_len = (uint32_t) len;
    e->pub.phrase_words = 1;
    memcpy(lex->keys + lex->keys_len, key, len);
    lex->keys_len += len;
    if ((lex->count * 2 > lex->slot_mask + 1 || lex->slots == NULL) &&
        s_rehash(lex, lex->slots == NULL ? 2048 : (lex->slot_mask + 1) * 2) != 0) {
        lex->count--;
        return NULL;
    }
    if (lex->slots != NULL && s_find(lex, key, len, hash) == NULL) {
        /* Not placed by a rehash: place it now. */
        size_t i = hash & lex->slot_mask;
        while (lex->slots[i] != 0) {
            i = (i + 1) & lex->slot_mask;
        }
        lex->slots[i] = (uint32_t) lex->count;
    }
    return &lex->entries[lex->count - 1];
}

/* Splits line at its tabs in place into fields (max of them); returns the
 * field count, max + 1 when there are more. */
static int
s_fields(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max) {
            return max + 1;
        }
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (tab == NULL) {
            return n;
        }
        *tab = '\0';
        p = tab + 1;
    }
}

/* Lower-cases key in place and checks its shape: 1..SENT_KEY_MAX bytes, words
 * separated by single spaces, at most SENT_PHRASE_WORDS_MAX of them. Returns
 * the word count, 0 when malformed. */
static unsigned
s_normalize_key(char *key)
{
    size_t len = strlen(key);
    if (len == 0 || len > SENT_KEY_MAX || key[0] == ' ' || key[len - 1] == ' ') {
        return 0;
    }
    unsigned words = 1;
    for (size_t i = 0; i < len; i++) {
        if (key[i] >= 'A' && key[i] <= 'Z') {
            key[i] = (char) (key[i] + 32);
        } else if (key[i] == ' ') {
            if (key[i + 1] == ' ') {
                return 0;
            }
            words++;
        }
    }
    return words <= SENT_PHRASE_WORDS_MAX ? words : 0;
}

static bool
s_parse_number(const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !(v >= lo && v <= hi)) {
        return false;
    }
    *out = v;
    return true;
}

static sent_mod_kind_t
s_mod_kind(const char *name)
{
    return strcmp(name, "negator") == 0       ? SENT_MOD_NEGATOR
           : strcmp(name, "intensifier") == 0 ? SENT_MOD_INTENSIFIER
           : strcmp(name, "dampener") == 0    ? SENT_MOD_DAMPENER
           : strcmp(name, "contrast") == 0    ? SENT_MOD_CONTRAST
                                              : SENT_MOD_NONE;
}

typedef enum { S_FILE_TERMS, S_FILE_MODIFIERS, S_FILE_SYMBOLS } s_file_kind_t;

static const char *const s_expected[] = {
    "term<TAB>weight (-4..4, not 0)",
    "word<TAB>negator|intensifier|dampener|contrast<TAB>factor (-4..4)",
    "alias<TAB>SYMBOL (1 to 16 characters)",
};

/* Applies one parsed line; false when its fields are malformed. */
static bool
s_apply(sent_lexicon_t *lex, s_file_kind_t kind, char **fields, int n, bool *oom)
{
    unsigned words = s_normalize_key(fields[0]);
    if (words == 0 || n != (kind == S_FILE_MODIFIERS ? 3 : 2)) {
        return false;
    }
    double number = 0;
    sent_mod_kind_t mod = SENT_MOD_NONE;
    size_t symlen = 0;
    if (kind == S_FILE_TERMS) {
        if (!s_parse_number(fields[1], -4, 4, &number) || number == 0) {
            return false;
        }
    } else if (kind == S_FILE_MODIFIERS) {
        mod = s_mod_kind(fields[1]);
        if (mod == SENT_MOD_NONE || words != 1 || !s_parse_number(fields[2], -4, 4, &number)) {
            return false;
        }
    } else {
        symlen = strlen(fields[1]);
        if (symlen < 1 || symlen > 16) {
            return false;
        }
    }
    s_entry_t *e = s_upsert(lex, fields[0], strlen(fields[0]));
    if (e == NULL) {
        *oom = true;
        return false;
    }
    if (kind == S_FILE_TERMS) {
        e->pub.has_weight = true;
        e->pub.weight = number;
    } else if (kind == S_FILE_MODIFIERS) {
        e->pub.mod = mod;
        e->pub.factor = number;
    } else {
        memcpy(e->symbol, fields[1], symlen + 1);
    }
    if (words > 1) {
        /* Mark the first word so the engine tries phrases only where one starts. */
        size_t first = strcspn(fields[0], " ");
        s_entry_t *head = s_upsert(lex, fields[0], first);
        if (head == NULL) {
            *oom = true;
            return false;
        }
        if (head->pub.phrase_words < words) {
            head->pub.phrase_words = words;
        }
    }
    return true;
}

static int
s_load_file(sent_lexicon_t *lex, const char *dir, const char *name, s_file_kind_t kind, char *err,
            size_t errsize)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errsize, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    char line[512];
    int lineno = 0;
    int rc = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        size_t len = strcspn(line, "\r\n");
        if (line[len] == '\0' && !feof(f)) {
            snprintf(err, errsize, "%s line %d: longer than %zu bytes", path, lineno,
                     sizeof line - 2);
            rc = -1;
            break;
        }
        line[len] = '\0';
        if (line[0] == '#' || line[0] == '\0') {
            continue;
        }
        char *fields[3];
        int n = s_fields(line, fields, 3);
        bool oom = false;
        if (!s_apply(lex, kind, fields, n, &oom)) {
            snprintf(err, errsize, "%s line %d: %s", path, lineno,
                     oom ? "out of memory" : s_expected[kind]);
            rc = -1;
            break;
        }
        lex->lines++;
    }
    fclose(f);
    return rc;
}

sent_lexicon_t *
sent_lexicon_load(const char *dir, char *err, size_t errsize)
{
    sent_lexicon_t *lex = calloc(1, sizeof *lex);
    if (lex == NULL) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    if (s_load_file(lex, dir, "lexicon_general.tsv", S_FILE_TERMS, err, errsize) != 0 ||
        s_load_file(lex, dir, "lexicon_crypto.tsv", S_FILE_TERMS, err, errsize) != 0 ||
        s_load_file(lex, dir, "modifiers.tsv", S_FILE_MODIFIERS, err, errsize) != 0 ||
        s_load_file(lex, dir, "symbols.tsv", S_FILE_SYMBOLS, err, errsize) != 0) {
        sent_lexicon_destroy(&lex);
        return NULL;
    }
    /* The entries no longer move: point each at its own symbol. */
    for (size_t i = 0; i < lex->count; i++) {
        s_entry_t *e = &lex->entries[i];
        e->pub.symbol = e->symbol[0] != '\0' ? e->symbol : NULL;
    }
    return lex;
}

void
sent_lexicon_destroy(sent_lexicon_t **lex_p)
{
    if (lex_p == NULL || *lex_p == NULL) {
        return;
    }
    sent_lexicon_t *lex = *lex_p;
    free(lex->entries);
    free(lex->keys);
    free(lex->slots);
    free(lex);
    *lex_p = NULL;
}

const sent_entry_t *
sent_lexicon_find(const sent_lexicon_t *lex, const char *key, size_t len)
{
    if (len == 0 || len > SENT_KEY_MAX) {
        return NULL;
    }
    s_entry_t *e = s_find(lex, key, len, s_hash(key, len));
    return e != NULL ? &e->pub : NULL;
}

size_t
sent_lexicon_size(const sent_lexicon_t *lex)
{
    return lex->lines;
}

size_t
sent_lexicon_bytes(const sent_lexicon_t *lex)
{
    return sizeof *lex + lex->cap * sizeof *lex->entries + lex->keys_cap +
           (lex->slots != NULL ? (lex->slot_mask + 1) * sizeof *lex->slots : 0);
}
