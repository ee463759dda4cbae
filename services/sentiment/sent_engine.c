/* sent_engine.c - lexicon-and-rules sentiment: tokenize, score, label, confidence, symbols */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_utf8.h"
#include "sent_engine.h"

#define S_TOKENS_MAX 1200
#define S_NORM_MAX 48

typedef enum {
    S_TOK_WORD,
    S_TOK_CASHTAG,
    S_TOK_EMOJI,     /* also emoticons: looked up as they are */
    S_TOK_BOUNDARY,  /* . , ; : ? and the like: ends a negation scope */
    S_TOK_BANG,      /* one or more '!' */
} s_tok_kind_t;

typedef struct {
    s_tok_kind_t kind;
    char norm[S_NORM_MAX]; /* lower-case, elongations cut to two letters */
    size_t len;
    char single[S_NORM_MAX]; /* elongations cut to one letter (when elongated) */
    size_t single_len;
    bool all_caps;
    bool elongated;
    int bangs;
} s_token_t;

const char *
sent_label_name(sent_label_t label)
{
    return label == SENT_BULLISH ? "bullish" : label == SENT_BEARISH ? "bearish" : "neutral";
}

/* ---- tokenizer -------------------------------------------------------------- */

static size_t
s_utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

static uint32_t
s_codepoint(const unsigned char *p, size_t n)
{
    switch (n) {
    case 1:
        return p[0];
    case 2:
        return ((uint32_t) (p[0] & 0x1f) << 6) | (p[1] & 0x3f);
    case 3:
        return ((uint32_t) (p[0] & 0x0f) << 12) | ((uint32_t) (p[1] & 0x3f) << 6) | (p[2] & 0x3f);
    default:
        return ((uint32_t) (p[0] & 0x07) << 18) | ((uint32_t) (p[1] & 0x3f) << 12) |
               ((uint32_t) (p[2] & 0x3f) << 6) | (p[3] & 0x3f);
    }
}

static bool
s_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '\'';
}

/* Latin letters beyond ASCII (accents) count as word characters. */
static bool
s_word_cp(uint32_t cp)
{
    return cp >= 0xc0 && cp <= 0x24f && cp != 0xd7 && cp != 0xf7;
}

static const char *const s_emoticons[] = {":-)", ":)", ":D", ":-D", ";)", ";-)", ":'(",
                                          ":-(", ":(", "<3", ":/", ":-/", ":P", ":p"};

/* Appends a word token from p[0..n) (ASCII letters, digits, ', and UTF-8
 * Latin letters), normalising case and elongation. */
static void
s_add_word(s_token_t *t, const char *p, size_t n)
{
    t->kind = S_TOK_WORD;
    size_t upper = 0;
    size_t letters = 0;
    size_t out = 0;
    size_t single = 0;
    int run = 0;
    char prev = 0;
    for (size_t i = 0; i < n && out < S_NORM_MAX - 1; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z') {
            upper++;
            c = (char) (c + 32);
        }
        if (c >= 'a' && c <= 'z') {
            letters++;
        }
        run = c == prev ? run + 1 : 1;
        prev = c;
        if (run >= 3) {
            t->elongated = true;
            continue;
        }
        t->norm[out++] = c;
        if (run == 1 && single < S_NORM_MAX - 1) {
            t->single[single++] = c;
        }
    }
    t->norm[out] = '\0';
    t->len = out;
    t->single[single] = '\0';
    t->single_len = single;
    t->all_caps = letters >= 2 && upper == letters;
}

/* Splits text into tokens; returns the count. */
static size_t
s_tokenize(const char *text, size_t len, s_token_t *tokens, size_t max)
{
    size_t n = 0;
    size_t i = 0;
    const unsigned char *u = (const unsigned char *) text;
    while (i < len && n < max) {
        unsigned char c = u[i];
        s_token_t *t = &tokens[n];
        memset(t, 0, sizeof *t);
        /* Emoticons first: ":)" must not split into ':' and ')'. */
        bool emoticon = false;
        for (size_t e = 0; e < sizeof s_emoticons / sizeof s_emoticons[0]; e++) {
            size_t el = strlen(s_emoticons[e]);
            if (len - i >= el && memcmp(text + i, s_emoticons[e], el) == 0 &&
                (i + el == len || !s_word_byte(u[i + el]))) {
                t->kind = S_TOK_EMOJI;
                memcpy(t->norm, s_emoticons[e], el);
                t->len = el;
                i += el;
                n++;
                emoticon = true;
                break;
            }
        }
        if (emoticon) {
            continue;
        }
        if (c == '$' && i + 1 < len && ((u[i + 1] >= 'A' && u[i + 1] <= 'Z') ||
                                         (u[i + 1] >= 'a' && u[i + 1] <= 'z'))) {
            size_t j = i + 1;
            while (j < len && ((u[j] >= 'A' && u[j] <= 'Z') || (u[j] >= 'a' && u[j] <= 'z') ||
                               (u[j] >= '0' && u[j] <= '9')) && j - i <= 16) {
                j++;
            }
            t->kind = S_TOK_CASHTAG;
            for (size_t k = i + 1; k < j; k++) {
                char ch = (char) u[k];
                t->norm[t->len++] = (char) (ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
            }
            t->norm[t->len] = '\0';
            i = j;
            n++;
            continue;
        }
        size_t cl = s_utf8_len(c);
        if (cl > len - i) {
            cl = len - i;
        }
        uint32_t cp = s_codepoint(u + i, cl);
        if (s_word_byte(c) || s_word_cp(cp)) {
            size_t j = i;
            while (j < len) {
                size_t l = s_utf8_len(u[j]);
                if (l > len - j) {
                    break;
                }
                uint32_t q = s_codepoint(u + j, l);
                bool inner_hyphen = u[j] == '-' && j + 1 < len && s_word_byte(u[j + 1]) && j > i;
                if (!(s_word_byte(u[j]) || s_word_cp(q) || inner_hyphen)) {
                    break;
                }
                j += l;
            }
            s_add_word(t, text + i, j - i);
            i = j;
            n++;
            continue;
        }
        if (c == '!') {
            size_t j = i;
            while (j < len && u[j] == '!') {
                j++;
            }
            t->kind = S_TOK_BANG;
            t->bangs = (int) (j - i);
            i = j;
            n++;
            continue;
        }
        if (cp >= 0x2000 && cp != 0xfe0f && cp != 0x200d) {
            /* An emoji or symbol, with its variation selector if any. */
            t->kind = S_TOK_EMOJI;
            size_t take = cl;
            if (i + take + 3 <= len && memcmp(text + i + take, "\xef\xb8\x8f", 3) == 0) {
                take += 3;
            }
            memcpy(t->norm, text + i, take < S_NORM_MAX ? take : S_NORM_MAX - 1);
            t->len = take < S_NORM_MAX ? take : S_NORM_MAX - 1;
            t->norm[t->len] = '\0';
            i += take;
            n++;
            continue;
        }
        if (c == '.' || c == ',' || c == ';' || c == ':' || c == '?' || c == '(' || c == ')' ||
            c == '"' || c == '\n') {
            t->kind = S_TOK_BOUNDARY;
            n++;
        }
        i += cl;
    }
    return n;
}

/* ---- scoring ------------------------------------------------------------------ */

/* Joins the norms of k word tokens from i into buf ("rug pull"); 0 when a
 * token in the range is not a word. */
static size_t
s_phrase(const s_token_t *tokens, size_t count, size_t i, size_t k, char *buf, size_t size)
{
    size_t len = 0;
    for (size_t j = 0; j < k; j++) {
        if (i + j >= count || tokens[i + j].kind != S_TOK_WORD) {
            return 0;
        }
        size_t l = tokens[i + j].len;
        if (len + l + 2 > size) {
            return 0;
        }
        if (j > 0) {
            buf[len++] = ' ';
        }
        memcpy(buf + len, tokens[i + j].norm, l);
        len += l;
    }
    buf[len] = '\0';
    return len;
}

static void
s_add_symbol(sent_result_t *out, const char *sym)
{
    for (size_t i = 0; i < out->symbol_count; i++) {
        if (strcmp(out->symbols[i], sym) == 0) {
            return;
        }
    }
    if (out->symbol_count < SENT_SYMBOLS_MAX) {
        snprintf(out->symbols[out->symbol_count++], sizeof out->symbols[0], "%s", sym);
    }
}

static void
s_add_term(sent_result_t *out, const char *term, double weight)
{
    if (out->term_count < SENT_TERMS_MAX) {
        sent_term_t *t = &out->terms[out->term_count++];
        snprintf(t->term, sizeof t->term, "%.*s", (int) (sizeof t->term - 1), term);
        t->weight = round(weight * 1000) / 1000;
    }
}

/* Trims white space; counts characters (code points). */
static void
s_trim(const char **text, size_t *len)
{
    const char *p = *text;
    size_t n = *len;
    while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
        p++;
        n--;
    }
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\r')) {
        n--;
    }
    *text = p;
    *len = n;
}

static size_t
s_chars(const char *text, size_t len)
{
    size_t chars = 0;
    for (size_t i = 0; i < len; i++) {
        chars += ((unsigned char) text[i] & 0xc0) != 0x80;
    }
    return chars;
}

int
sent_analyze(const sent_lexicon_t *lex, const char *text, size_t len, sent_result_t *out,
             char *err, size_t errsize)
{
    memset(out, 0, sizeof *out);
    if (text == NULL || !cb_utf8_valid(text, len)) {
        snprintf(err, errsize, "text is not valid UTF-8");
        return CB_E_BAD_REQUEST;
    }
    s_trim(&text, &len);
    size_t chars = s_chars(text, len);
    if (chars == 0 || chars > SENT_TEXT_MAX_CHARS) {
        snprintf(err, errsize, "text must be 1 to %d characters after trimming (got %zu)",
                 SENT_TEXT_MAX_CHARS, chars);
        return CB_E_BAD_REQUEST;
    }
    static _Thread_local s_token_t tokens[S_TOKENS_MAX];
    size_t count = s_tokenize(text, len, tokens, S_TOKENS_MAX);

    /* Whether the text also has lower-case words: only then is a word in
     * capitals emphasis rather than a headline's style. */
    bool has_lower = false;
    for (size_t i = 0; i < count; i++) {
        has_lower = has_lower || (tokens[i].kind == S_TOK_WORD && !tokens[i].all_caps);
    }
    /* The last contrast word: what comes before it counts half, after it
     * one and a half. */
    size_t contrast_at = SIZE_MAX;
    double contrast_factor = 1.0;
    for (size_t i = 0; i < count; i++) {
        double f;
        if (tokens[i].kind == S_TOK_WORD &&
            sent_lexicon_modifier(lex, tokens[i].norm, tokens[i].len, &f) == SENT_MOD_CONTRAST &&
            i > 0) {
            contrast_at = i;
            contrast_factor = f;
        }
    }

    double sum = 0;
    int bangs = 0;
    size_t hits = 0;
    char phrase[128];
    for (size_t i = 0; i < count; i++) {
        s_token_t *t = &tokens[i];
        if (t->kind == S_TOK_BANG) {
            bangs += t->bangs;
            continue;
        }
        if (t->kind == S_TOK_CASHTAG) {
            if (t->len >= 1 && t->len <= 16) {
                s_add_symbol(out, t->norm);
            }
            continue;
        }
        if (t->kind == S_TOK_BOUNDARY) {
            continue;
        }
        /* Longest phrase first (3, 2, 1 words), then the one-letter form of
         * an elongated word ("soooo" -> "so", "gooood" -> "good"). */
        double w = 0;
        size_t used = 0;
        const char *sym = NULL;
        for (size_t k = 3; k >= 1 && used == 0; k--) {
            size_t pl = t->kind == S_TOK_WORD ? s_phrase(tokens, count, i, k, phrase, sizeof phrase)
                        : k == 1               ? (snprintf(phrase, sizeof phrase, "%s", t->norm), t->len)
                                               : 0;
            if (pl == 0) {
                continue;
            }
            if (sym == NULL) {
                sym = sent_lexicon_symbol(lex, phrase, pl);
            }
            if (sent_lexicon_weight(lex, phrase, pl, &w)) {
                used = k;
            }
        }
        if (used == 0 && t->elongated && sent_lexicon_weight(lex, t->single, t->single_len, &w)) {
            used = 1;
            snprintf(phrase, sizeof phrase, "%s", t->single);
        }
        if (sym != NULL) {
            s_add_symbol(out, sym);
        }
        if (used == 0) {
            continue;
        }
        double v = w;
        if (t->all_caps && has_lower) {
            v *= 1.5;
        }
        if (t->elongated) {
            v *= 1.2;
        }
        /* Up to three words back, within the clause: intensifiers and
         * dampeners scale, a negator flips and softens. */
        bool negated = false;
        for (size_t back = 1; back <= 3 && back <= i; back++) {
            const s_token_t *m = &tokens[i - back];
            if (m->kind == S_TOK_BOUNDARY || m->kind == S_TOK_BANG) {
                break;
            }
            if (m->kind != S_TOK_WORD) {
                continue;
            }
            double f = 1.0;
            sent_mod_kind_t kind = sent_lexicon_modifier(lex, m->norm, m->len, &f);
            if (kind == SENT_MOD_NONE && m->len > 3 && strcmp(m->norm + m->len - 3, "n't") == 0) {
                kind = SENT_MOD_NEGATOR;
                f = -0.75;
            }
            if (kind == SENT_MOD_NEGATOR && !negated) {
                v *= f;
                negated = true;
            } else if (kind == SENT_MOD_INTENSIFIER || kind == SENT_MOD_DAMPENER) {
                /* Further away, weaker effect. */
                v *= 1.0 + (f - 1.0) * (back == 1 ? 1.0 : back == 2 ? 0.95 : 0.9);
            }
        }
        if (contrast_at != SIZE_MAX) {
            v *= i < contrast_at ? 0.5 : contrast_factor;
        }
        sum += v;
        hits++;
        s_add_term(out, phrase, v);
        i += used - 1;
    }
    if (sum != 0 && bangs > 0) {
        double boost = 0.292 * (bangs > 4 ? 4 : bangs);
        sum += sum > 0 ? boost : -boost;
    }
    double score = sum / sqrt(sum * sum + 15.0);
    out->score = round(score * 10000) / 10000;
    double mag = fabs(score);
    if (score >= 0.05) {
        out->label = SENT_BULLISH;
    } else if (score <= -0.05) {
        out->label = SENT_BEARISH;
    } else {
        out->label = SENT_NEUTRAL;
    }
    /* Confidence, calibrated on the dev split (services/sentiment/README.md):
     * no sentiment term at all is a confident neutral; weak or cancelling
     * evidence is an unsure one; polar labels grow surer with the score. */
    double confidence;
    if (out->label == SENT_NEUTRAL) {
        confidence = hits == 0 ? 0.8 : 0.45;
    } else {
        confidence = 0.45 + 0.5 * mag;
    }
    out->confidence = round(confidence * 1000) / 1000;
    return 0;
}
