/* cb_jtok.h - JSON read in place (jsmn tokens): venue replies and stream messages, numbers kept as their text */
#ifndef CB_JTOK_H_INCLUDED
#define CB_JTOK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_decimal.h"
#include "cb_str.h"

/* Token types (the same values as jsmn's). */
typedef enum {
    CB_JT_NONE = 0,
    CB_JT_OBJECT = 1,
    CB_JT_ARRAY = 2,
    CB_JT_STRING = 3,
    CB_JT_PRIMITIVE = 4,
} cb_jtype_t;

/* One token: the value's bytes are js[start..end) (a string without its
 * quotes, escapes not decoded); size is the number of members (object) or
 * elements (array). */
typedef struct {
    cb_jtype_t type;
    int start;
    int end;
    int size;
} cb_jtok_t;

/* A parsed document. It owns its token array, which is reused (and grown) from
 * one parse to the next, so steady-state parsing does not allocate; it
 * borrows the text, which must outlive every read. Zero-initialise or
 * cb_jdoc_init; cb_jdoc_fini frees the tokens. One thread at a time. */
typedef struct {
    const char *js;
    size_t len;
    cb_jtok_t *tok;
    int count;
    int cap;
    int max_tokens;
} cb_jdoc_t;

/* Default ceiling on tokens per document (a 5000-level book is ~20k). */
#define CB_JDOC_MAX_TOKENS 1000000

void
cb_jdoc_init(cb_jdoc_t *doc);

void
cb_jdoc_fini(cb_jdoc_t *doc);

/* Tokenises len bytes of js: exactly one JSON value with only whitespace
 * around it. Token 0 is the root. Returns 0, CB_E_PARSE (malformed, truncated,
 * trailing bytes, NUL inside), CB_E_TOO_BIG (more than max_tokens, or
 * CB_JDOC_MAX_TOKENS when 0) or CB_E_NOMEM. */
int
cb_jdoc_parse(cb_jdoc_t *doc, const char *js, size_t len);

/* The index of the token after the whole value at i (its subtree skipped). */
int
cb_jtok_skip(const cb_jdoc_t *doc, int i);

/* The value of key in the object at obj, or -1 (not an object, no such key). */
int
cb_jtok_get(const cb_jdoc_t *doc, int obj, const char *key);

/* The k-th element (0-based) of the array at arr, or -1. */
int
cb_jtok_at(const cb_jdoc_t *doc, int arr, int k);

/* Iteration: the first child (element of an array, key of an object) of i,
 * or -1 when empty; the next sibling is cb_jtok_skip of an element, or
 * cb_jtok_skip of the value after a key. Use with size as the count. */
static inline int
cb_jtok_first(const cb_jdoc_t *doc, int i)
{
    if (i < 0 || i >= doc->count || doc->tok[i].size == 0) {
        return -1;
    }
    return i + 1;
}

static inline cb_jtype_t
cb_jtok_type(const cb_jdoc_t *doc, int i)
{
    return i >= 0 && i < doc->count ? doc->tok[i].type : CB_JT_NONE;
}

static inline int
cb_jtok_size(const cb_jdoc_t *doc, int i)
{
    return i >= 0 && i < doc->count ? doc->tok[i].size : 0;
}

/* The raw bytes of token i (a string without quotes); {NULL, 0} for -1. */
cb_str_t
cb_jtok_raw(const cb_jdoc_t *doc, int i);

/* True when token i is a string (or primitive) whose raw bytes are text. */
bool
cb_jtok_eq(const cb_jdoc_t *doc, int i, const char *text);

/* True for the primitive null, or -1 (absent). */
bool
cb_jtok_is_null(const cb_jdoc_t *doc, int i);

/* An exact decimal from a string ("50000.10") or a number token (50000.1,
 * 1e-8). CB_E_PARSE for anything else (including -1), CB_E_RANGE when it
 * does not fit a cb_decimal_t. */
int
cb_jtok_decimal(const cb_jdoc_t *doc, int i, cb_decimal_t *out);

/* Integers from a number token (or, for venues that quote them, a string of
 * digits). CB_E_PARSE for anything else, CB_E_RANGE when out of range. */
int
cb_jtok_i64(const cb_jdoc_t *doc, int i, int64_t *out);
int
cb_jtok_u64(const cb_jdoc_t *doc, int i, uint64_t *out);

/* Unix epoch nanoseconds of a string token holding an RFC 3339 time
 * (cb_time_parse_rfc3339). 0 or CB_E_PARSE. */
int
cb_jtok_rfc3339(const cb_jdoc_t *doc, int i, int64_t *ns);

/* true / false. CB_E_PARSE otherwise. */
int
cb_jtok_bool(const cb_jdoc_t *doc, int i, bool *out);

/* The decoded text of string token i (escapes, \u and surrogate pairs,
 * UTF-8 checked) into buf (size bytes, NUL-terminated). Returns the length,
 * CB_E_PARSE (not a string, bad escape or UTF-8) or CB_E_TOO_BIG (buf too
 * small). */
int
cb_jtok_string(const cb_jdoc_t *doc, int i, char *buf, size_t size);

/* Selftest of the module; 0 when it passes. */
int
cb_jtok_selftest(void);

#endif
