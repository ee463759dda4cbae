/* cb_buf.c - growable byte buffer */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_buf.h"
#include "cb_error.h"

void
cb_buf_init(cb_buf_t *buf)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
}

void
cb_buf_fini(cb_buf_t *buf)
{
    free(buf->data);
    cb_buf_init(buf);
}

void
cb_buf_reset(cb_buf_t *buf)
{
    buf->len = 0;
    if (buf->data != NULL) {
        buf->data[0] = '\0';
    }
}

int
cb_buf_grow(cb_buf_t *buf, size_t extra)
{
    if (extra > ((size_t) -1) / 2 - buf->len) {
        return CB_E_NOMEM;
    }
    size_t need = buf->len + extra + 1;
    if (need <= buf->cap) {
        return 0;
    }
    size_t cap = buf->cap != 0 ? buf->cap : 256;
    while (cap < need) {
        cap *= 2;
    }
    char *data = realloc(buf->data, cap);
    if (data == NULL) {
        return CB_E_NOMEM;
    }
    buf->data = data;
    buf->cap = cap;
    return 0;
}

int
cb_buf_append(cb_buf_t *buf, const void *data, size_t len)
{
    int rc = cb_buf_reserve(buf, len);
    if (rc != 0) {
        return rc;
    }
    if (len > 0) {
        memcpy(buf->data + buf->len, data, len);
    }
    buf->len += len;
    buf->data[buf->len] = '\0';
    return 0;
}

int
cb_buf_append_str(cb_buf_t *buf, const char *text)
{
    return cb_buf_append(buf, text, strlen(text));
}

int
cb_buf_append_char(cb_buf_t *buf, char c)
{
    return cb_buf_append(buf, &c, 1);
}

int
cb_buf_appendf(cb_buf_t *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return CB_E_INTERNAL;
    }
    if ((size_t) n < sizeof small) {
        return cb_buf_append(buf, small, (size_t) n);
    }
    int rc = cb_buf_reserve(buf, (size_t) n);
    if (rc != 0) {
        return rc;
    }
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t) n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t) n;
    return 0;
}
