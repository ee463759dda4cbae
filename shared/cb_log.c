/* cb_log.c - one-line structured logging (text or JSON) with secret redaction */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_time.h"

#define S_LINE_MAX 4096
#define S_VALUE_MAX 1024

static char s_service[64] = "coinbus";
static cb_log_level_t s_level = CB_LOG_INFO;
static cb_log_format_t s_format = CB_LOG_TEXT;
static int s_fd = 2;

static const char *const s_level_names[] = {"debug", "info", "warn", "error"};

void
cb_log_init(const char *service, cb_log_level_t level, cb_log_format_t format)
{
    if (service != NULL) {
        snprintf(s_service, sizeof s_service, "%s", service);
    }
    s_level = level;
    s_format = format;
}

const char *
cb_log_service(void)
{
    return s_service;
}

void
cb_log_set_fd(int fd)
{
    s_fd = fd;
}

int
cb_log_level_parse(const char *text, cb_log_level_t *level)
{
    for (int i = 0; i < 4; i++) {
        if (text != NULL && strcasecmp(text, s_level_names[i]) == 0) {
            *level = (cb_log_level_t) i;
            return 0;
        }
    }
    return CB_E_PARSE;
}

int
cb_log_format_parse(const char *text, cb_log_format_t *format)
{
    if (text != NULL && strcasecmp(text, "text") == 0) {
        *format = CB_LOG_TEXT;
        return 0;
    }
    if (text != NULL && strcasecmp(text, "json") == 0) {
        *format = CB_LOG_JSON;
        return 0;
    }
    return CB_E_PARSE;
}

bool
cb_log_enabled(cb_log_level_t level)
{
    return level >= s_level;
}

bool
cb_log_key_is_secret(const char *key, size_t len)
{
    static const char *const words[] = {"key", "secret", "sign", "token", "password",
                                        "passphrase", "auth", "credential", "passwd"};
    char lower[64];
    if (len >= sizeof lower) {
        len = sizeof lower - 1;
    }
    for (size_t i = 0; i < len; i++) {
        lower[i] = (char) tolower((unsigned char) key[i]);
    }
    lower[len] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strstr(lower, words[i]) != NULL) {
            return true;
        }
    }
    return false;
}

/* Line buffer that never overflows: appends are cut at the end. */
typedef struct {
    char data[S_LINE_MAX];
    size_t len;
} s_line_t;

static void
s_put(s_line_t *line, const char *text, size_t len)
{
    size_t room = sizeof line->data - 1 - line->len;
    if (len > room) {
        len = room;
    }
    memcpy(line->data + line->len, text, len);
    line->len += len;
}

static void
s_puts(s_line_t *line, const char *text)
{
    s_put(line, text, strlen(text));
}

/* Masks "scheme://user:password@" to "scheme://user:***@" in place; value
 * has room for S_VALUE_MAX bytes. When the mask would not fit, the whole
 * value is replaced, so that no part of a password can survive. */
static void
s_mask_url_password(char *value, size_t *len)
{
    char *scheme = strstr(value, "://");
    if (scheme == NULL) {
        return;
    }
    char *auth = scheme + 3;
    char *at = NULL;
    for (char *p = auth; *p != '\0' && *p != '/'; p++) {
        if (*p == '@') {
            at = p;
        }
    }
    if (at == NULL) {
        return;
    }
    char *colon = memchr(auth, ':', (size_t) (at - auth));
    char *start = colon != NULL ? colon + 1 : auth;
    size_t tail = strlen(at);
    if ((size_t) (start - value) + 3 + tail + 1 > S_VALUE_MAX) {
        snprintf(value, S_VALUE_MAX, "[redacted]");
        *len = strlen(value);
        return;
    }
    memmove(start + 3, at, tail + 1);
    memcpy(start, "***", 3);
    *len = strlen(value);
}

static void
s_put_text_value(s_line_t *line, const char *value, size_t len)
{
    bool quote = len == 0;
    for (size_t i = 0; i < len && !quote; i++) {
        unsigned char c = (unsigned char) value[i];
        quote = c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f;
    }
    if (!quote) {
        s_put(line, value, len);
        return;
    }
    s_put(line, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) value[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char) c;
            s_put(line, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            int n = snprintf(esc, sizeof esc, "\\x%02x", c);
            s_put(line, esc, (size_t) n);
        } else {
            s_put(line, (const char *) &value[i], 1);
        }
    }
    s_put(line, "\"", 1);
}

static void
s_put_json_string(s_line_t *line, const char *value, size_t len)
{
    s_put(line, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) value[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char) c;
            s_put(line, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            int n = snprintf(esc, sizeof esc, "\\u%04x", c);
            s_put(line, esc, (size_t) n);
        } else {
            s_put(line, (const char *) &value[i], 1);
        }
    }
    s_put(line, "\"", 1);
}

/* Formats one printf conversion starting at *fmt (which points at '%') into
 * out, consuming its arguments from ap; advances *fmt past the conversion. */
static void
s_format_conversion(const char **fmt, va_list *ap, char *out, size_t size)
{
    const char *start = *fmt;
    const char *p = start + 1;
    int stars[2];
    int nstars = 0;
    if (*p == '%') {
        snprintf(out, size, "%%");
        *fmt = p + 1;
        return;
    }
    while (*p != '\0' && strchr("-+ #0", *p) != NULL) {
        p++;
    }
    if (*p == '*') {
        stars[nstars++] = va_arg(*ap, int);
        p++;
    } else {
        while (isdigit((unsigned char) *p)) {
            p++;
        }
    }
    if (*p == '.') {
        p++;
        if (*p == '*') {
            stars[nstars++] = va_arg(*ap, int);
            p++;
        } else {
            while (isdigit((unsigned char) *p)) {
                p++;
            }
        }
    }
    char length[3] = {0};
    size_t nlength = 0;
    while (*p != '\0' && strchr("hlzjtL", *p) != NULL && nlength < 2) {
        length[nlength++] = *p++;
    }
    char conv = *p;
    if (conv == '\0') {
        snprintf(out, size, "%s", start);
        *fmt = p;
        return;
    }
    p++;
    char spec[32];
    size_t speclen = (size_t) (p - start);
    if (speclen >= sizeof spec) {
        speclen = sizeof spec - 1;
    }
    memcpy(spec, start, speclen);
    spec[speclen] = '\0';
    *fmt = p;

#define S_EMIT(value)                                                           \
    do {                                                                        \
        if (nstars == 0) {                                                      \
            snprintf(out, size, spec, value);                                   \
        } else if (nstars == 1) {                                               \
            snprintf(out, size, spec, stars[0], value);                         \
        } else {                                                                \
            snprintf(out, size, spec, stars[0], stars[1], value);               \
        }                                                                       \
    } while (0)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    switch (conv) {
    case 'd':
    case 'i':
        if (strcmp(length, "ll") == 0) {
            S_EMIT(va_arg(*ap, long long));
        } else if (strcmp(length, "l") == 0) {
            S_EMIT(va_arg(*ap, long));
        } else if (strcmp(length, "z") == 0) {
            S_EMIT(va_arg(*ap, ssize_t));
        } else if (strcmp(length, "j") == 0) {
            S_EMIT(va_arg(*ap, intmax_t));
        } else if (strcmp(length, "t") == 0) {
            S_EMIT(va_arg(*ap, ptrdiff_t));
        } else {
            S_EMIT(va_arg(*ap, int));
        }
        break;
    case 'u':
    case 'x':
    case 'X':
    case 'o':
        if (strcmp(length, "ll") == 0) {
            S_EMIT(va_arg(*ap, unsigned long long));
        } else if (strcmp(length, "l") == 0) {
            S_EMIT(va_arg(*ap, unsigned long));
        } else if (strcmp(length, "z") == 0) {
            S_EMIT(va_arg(*ap, size_t));
        } else if (strcmp(length, "j") == 0) {
            S_EMIT(va_arg(*ap, uintmax_t));
        } else {
            S_EMIT(va_arg(*ap, unsigned int));
        }
        break;
    case 'c':
        S_EMIT(va_arg(*ap, int));
        break;
    case 's': {
        const char *s = va_arg(*ap, const char *);
        S_EMIT(s != NULL ? s : "(null)");
        break;
    }
    case 'p':
        S_EMIT(va_arg(*ap, void *));
        break;
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case 'e':
    case 'E':
        if (length[0] == 'L') {
            S_EMIT(va_arg(*ap, long double));
        } else {
            S_EMIT(va_arg(*ap, double));
        }
        break;
    default:
        snprintf(out, size, "?");
        break;
    }
#pragma GCC diagnostic pop
#undef S_EMIT
}

static void
s_put_field(s_line_t *line, const char *key, size_t keylen, char *value, size_t valuelen)
{
    if (cb_log_key_is_secret(key, keylen)) {
        value = "[redacted]";
        valuelen = strlen(value);
    } else {
        s_mask_url_password(value, &valuelen);
    }
    if (s_format == CB_LOG_JSON) {
        s_put(line, ",", 1);
        s_put_json_string(line, key, keylen);
        s_put(line, ":", 1);
        s_put_json_string(line, value, valuelen);
    } else {
        s_put(line, " ", 1);
        s_put(line, key, keylen);
        s_put(line, "=", 1);
        s_put_text_value(line, value, valuelen);
    }
}

static void
s_put_fields(s_line_t *line, const char *fmt, va_list *ap)
{
    const char *p = fmt;
    while (*p != '\0') {
        while (*p == ' ') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        const char *key = p;
        while (*p != '\0' && *p != '=' && *p != ' ') {
            p++;
        }
        size_t keylen = (size_t) (p - key);
        if (*p != '=') {
            /* A bare word: keep it as a flag-like field with an empty value. */
            char empty[1] = "";
            s_put_field(line, key, keylen, empty, 0);
            continue;
        }
        p++;
        char value[S_VALUE_MAX];
        size_t valuelen = 0;
        value[0] = '\0';
        /* A value written "in quotes" in fmt may hold spaces; the quotes only
         * delimit it (the output quotes values itself when needed). */
        bool quoted = *p == '"';
        if (quoted) {
            p++;
        }
        while (*p != '\0' && (quoted ? *p != '"' : *p != ' ')) {
            if (*p == '%') {
                char piece[S_VALUE_MAX];
                s_format_conversion(&p, ap, piece, sizeof piece);
                size_t n = strlen(piece);
                if (n > sizeof value - 1 - valuelen) {
                    n = sizeof value - 1 - valuelen;
                }
                memcpy(value + valuelen, piece, n);
                valuelen += n;
            } else {
                if (valuelen < sizeof value - 1) {
                    value[valuelen++] = *p;
                }
                p++;
            }
            value[valuelen] = '\0';
        }
        if (quoted && *p == '"') {
            p++;
        }
        s_put_field(line, key, keylen, value, valuelen);
    }
}

void
cb_log_write(cb_log_level_t level, const char *event, const char *fmt, ...)
{
    if (!cb_log_enabled(level)) {
        return;
    }
    int saved_errno = errno;
    s_line_t line;
    line.len = 0;
    char ts[CB_TIME_ISO_LEN];
    cb_time_format_iso(cb_time_now_ns(), ts, sizeof ts);
    const char *lname = s_level_names[level <= CB_LOG_ERROR ? level : CB_LOG_ERROR];
    if (s_format == CB_LOG_JSON) {
        s_puts(&line, "{\"ts\":\"");
        s_puts(&line, ts);
        s_puts(&line, "\",\"level\":\"");
        s_puts(&line, lname);
        s_puts(&line, "\",\"service\":");
        s_put_json_string(&line, s_service, strlen(s_service));
        s_puts(&line, ",\"event\":");
        s_put_json_string(&line, event, strlen(event));
    } else {
        char upper[8];
        size_t n = strlen(lname);
        for (size_t i = 0; i < n; i++) {
            upper[i] = (char) toupper((unsigned char) lname[i]);
        }
        upper[n] = '\0';
        s_puts(&line, ts);
        s_puts(&line, " ");
        s_puts(&line, upper);
        s_puts(&line, " ");
        s_puts(&line, s_service);
        s_puts(&line, " ");
        s_put_text_value(&line, event, strlen(event));
    }
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        s_put_fields(&line, fmt, &ap);
        va_end(ap);
    }
    if (s_format == CB_LOG_JSON) {
        /* Leave room so that the closing brace always fits. */
        if (line.len > sizeof line.data - 3) {
            line.len = sizeof line.data - 3;
        }
        line.data[line.len++] = '}';
    }
    line.data[line.len++] = '\n';
    ssize_t written = write(s_fd, line.data, line.len);
    (void) written;
    errno = saved_errno;
}
