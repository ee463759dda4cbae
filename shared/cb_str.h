/* cb_str.h - length-delimited string views ({ptr, len}, never assumed NUL-terminated) */
#ifndef CB_STR_H_INCLUDED
#define CB_STR_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* A view: it never owns ptr; whoever made it says how long ptr lives. */
typedef struct {
    const char *ptr;
    size_t len;
} cb_str_t;

#define CB_STR(literal) ((cb_str_t){(literal), sizeof(literal) - 1})

static inline cb_str_t
cb_str_from(const char *text)
{
    cb_str_t s = {text, text != NULL ? strlen(text) : 0};
    return s;
}

static inline bool
cb_str_eq(cb_str_t a, cb_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool
cb_str_eq_cstr(cb_str_t a, const char *b)
{
    return cb_str_eq(a, cb_str_from(b));
}

#endif
