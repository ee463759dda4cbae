/* cb_buf.h - growable byte buffer */
#ifndef CB_BUF_H_INCLUDED
#define CB_BUF_H_INCLUDED

#include <stddef.h>

/* Owns data (heap). Zero-initialise ({0}) or cb_buf_init before use;
 * cb_buf_fini frees. data is always NUL-terminated after a successful append
 * (the NUL is not counted in len), so text can be printed directly. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} cb_buf_t;

void
cb_buf_init(cb_buf_t *buf);

/* Frees the data and zeroes the struct; safe to call twice. */
void
cb_buf_fini(cb_buf_t *buf);

/* Forgets the content, keeps the memory. */
void
cb_buf_reset(cb_buf_t *buf);

/* The slow path of cb_buf_reserve: grows the buffer. */
int
cb_buf_grow(cb_buf_t *buf, size_t extra);

/* Makes room for extra more bytes (plus the NUL). Returns 0 or CB_E_NOMEM.
 * Inline: encoders call it for every value. */
static inline int
cb_buf_reserve(cb_buf_t *buf, size_t extra)
{
    if (extra < buf->cap && buf->len + extra < buf->cap) {
        return 0;
    }
    return cb_buf_grow(buf, extra);
}

/* Appends len bytes / a NUL-terminated string / one byte / printf text.
 * Return 0 or CB_E_NOMEM (the buffer is unchanged on failure). */
int
cb_buf_append(cb_buf_t *buf, const void *data, size_t len);
int
cb_buf_append_str(cb_buf_t *buf, const char *text);
int
cb_buf_append_char(cb_buf_t *buf, char c);
int
cb_buf_appendf(cb_buf_t *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
