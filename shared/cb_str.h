/* cb_str.h - length-delimited string views ({ptr, len}, never assumed NUL-terminated) */
#ifndef CB_STR_H_INCLUDED
#define CB_STR_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* Copies the NUL-terminated text into out (size > 0), cut to size - 1
 * bytes, always NUL-terminated; returns the length written. What
 * snprintf(out, size, "%s", text) does, without parsing a format: for the
 * request path, which copies a few names per request. */
static inline size_t
cb_str_copy(char *out, size_t size, const char *text)
{
    size_t len = strnlen(text, size - 1);
    memcpy(out, text, len);
    out[len] = '\0';
    return len;
}

/* The dotted text of an IPv4 address (4 bytes, network order) into out
 * (at least 16 bytes), as inet_ntop writes it (which goes through
 * sprintf); returns its length. */
static inline size_t
cb_str_ipv4(const uint8_t addr[4], char out[16])
{
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = addr[i];
        if (i > 0) {
            out[n++] = '.';
        }
        if (v >= 100) {
            out[n++] = (char) ('0' + v / 100);
        }
        if (v >= 10) {
            out[n++] = (char) ('0' + v / 10 % 10);
        }
        out[n++] = (char) ('0' + v % 10);
    }
    out[n] = '\0';
    return n;
}

/* The value of one hex digit (either case), or -1. */
static inline int
cb_str_hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

#endif
