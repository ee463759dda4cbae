/* sent_lexicon.c - sentiment lexicons, modifiers and symbol aliases, loaded from TSV data files */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "sent_lexicon.h"

typedef struct {
    double weight;
    sent_mod_kind_t kind;
    char symbol[17];
} s_entry_t;

struct sent_lexicon {
    zhashx_t *terms;     /* term -> s_entry_t (weight) */
    zhashx_t *modifiers; /* word -> s_entry_t (kind, weight = factor) */
    zhashx_t *symbols;   /* alias -> s_entry_t (symbol) */
    size_t count;
};

static void
s_entry_free(void **item)
{
    free(*item);
    *item = NULL;
}

static zhashx_t *
s_table(void)
{
    zhashx_t *t = zhashx_new();
    if (t != NULL) {
        zhashx_set_destructor(t, s_entry_free);
    }
    return t;
}

/* Splits line into up to max tab-separated fields in place; returns the count. */
static int
s_fields(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (tab == NULL) {
            break;
        }
        *tab = '\0';
        p = tab + 1;
    }
    return n;
}

static void
s_lower(char *s)
{
    for (; *s != '\0'; s++) {
        if (*s >= 'A' && *s <= 'Z') {
            *s = (char) (*s + 32);
        }
    }
}

typedef enum { S_FILE_TERMS, S_FILE_MODIFIERS, S_FILE_SYMBOLS } s_file_kind_t;

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
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') {
            continue;
        }
        char *fields[3];
        int n = s_fields(line, fields, 3);
        s_entry_t *e = calloc(1, sizeof *e);
        if (e == NULL) {
            rc = -1;
            break;
        }
        char *end = NULL;
        bool ok = false;
        if (kind == S_FILE_TERMS && n == 2) {
            e->weight = strtod(fields[1], &end);
            ok = end != fields[1] && *end == '\0' && e->weight >= -4 && e->weight <= 4 &&
                 e->weight != 0;
        } else if (kind == S_FILE_MODIFIERS && n == 3) {
            e->weight = strtod(fields[2], &end);
            ok = end != fields[2] && *end == '\0';
            e->kind = strcmp(fields[1], "negator") == 0       ? SENT_MOD_NEGATOR
                      : strcmp(fields[1], "intensifier") == 0 ? SENT_MOD_INTENSIFIER
                      : strcmp(fields[1], "dampener") == 0    ? SENT_MOD_DAMPENER
                      : strcmp(fields[1], "contrast") == 0    ? SENT_MOD_CONTRAST
                                                              : SENT_MOD_NONE;
            ok = ok && e->kind != SENT_MOD_NONE;
        } else if (kind == S_FILE_SYMBOLS && n == 2) {
            size_t len = strlen(fields[1]);
            ok = len >= 1 && len <= 16;
            snprintf(e->symbol, sizeof e->symbol, "%s", fields[1]);
        }
        if (!ok || fields[0][0] == '\0') {
            snprintf(err, errsize, "%s line %d: expected %s", path, lineno,
                     kind == S_FILE_TERMS       ? "term<TAB>weight (-4..4, not 0)"
                     : kind == S_FILE_MODIFIERS ? "word<TAB>negator|intensifier|dampener|contrast<TAB>factor"
                                                : "alias<TAB>SYMBOL");
            free(e);
            rc = -1;
            break;
        }
        s_lower(fields[0]);
        zhashx_t *table = kind == S_FILE_TERMS       ? lex->terms
                          : kind == S_FILE_MODIFIERS ? lex->modifiers
                                                     : lex->symbols;
        /* A later file (crypto after general) overrides an earlier entry. */
        zhashx_update(table, fields[0], e);
        lex->count++;
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
    lex->terms = s_table();
    lex->modifiers = s_table();
    lex->symbols = s_table();
    if (lex->terms == NULL || lex->modifiers == NULL || lex->symbols == NULL ||
        s_load_file(lex, dir, "lexicon_general.tsv", S_FILE_TERMS, err, errsize) != 0 ||
        s_load_file(lex, dir, "lexicon_crypto.tsv", S_FILE_TERMS, err, errsize) != 0 ||
        s_load_file(lex, dir, "modifiers.tsv", S_FILE_MODIFIERS, err, errsize) != 0 ||
        s_load_file(lex, dir, "symbols.tsv", S_FILE_SYMBOLS, err, errsize) != 0) {
        sent_lexicon_destroy(&lex);
        return NULL;
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
    zhashx_destroy(&lex->terms);
    zhashx_destroy(&lex->modifiers);
    zhashx_destroy(&lex->symbols);
    free(lex);
    *lex_p = NULL;
}

static s_entry_t *
s_lookup(zhashx_t *table, const char *key, size_t len)
{
    char buf[128];
    if (len == 0 || len >= sizeof buf) {
        return NULL;
    }
    memcpy(buf, key, len);
    buf[len] = '\0';
    return zhashx_lookup(table, buf);
}

bool
sent_lexicon_weight(const sent_lexicon_t *lex, const char *term, size_t len, double *weight)
{
    s_entry_t *e = s_lookup(lex->terms, term, len);
    if (e == NULL) {
        return false;
    }
    *weight = e->weight;
    return true;
}

sent_mod_kind_t
sent_lexicon_modifier(const sent_lexicon_t *lex, const char *word, size_t len, double *factor)
{
    s_entry_t *e = s_lookup(lex->modifiers, word, len);
    if (e == NULL) {
        return SENT_MOD_NONE;
    }
    *factor = e->weight;
    return e->kind;
}

const char *
sent_lexicon_symbol(const sent_lexicon_t *lex, const char *alias, size_t len)
{
    s_entry_t *e = s_lookup(lex->symbols, alias, len);
    return e != NULL ? e->symbol : NULL;
}

size_t
sent_lexicon_size(const sent_lexicon_t *lex)
{
    return lex->count;
}
