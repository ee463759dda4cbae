/* cb_log.h - one-line structured logging (text or JSON) with secret redaction */
#ifndef CB_LOG_H_INCLUDED
#define CB_LOG_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    CB_LOG_DEBUG = 0,
    CB_LOG_INFO = 1,
    CB_LOG_WARN = 2,
    CB_LOG_ERROR = 3,
} cb_log_level_t;

typedef enum {
    CB_LOG_TEXT = 0,
    CB_LOG_JSON = 1,
} cb_log_format_t;

/* Sets the service name (copied), the minimum level and the output format.
 * May be called again; not thread-safe against concurrent cb_log_write. */
void
cb_log_init(const char *service, cb_log_level_t level, cb_log_format_t format);

/* The service name given to cb_log_init ("coinbus" before it). */
const char *
cb_log_service(void);

/* Sends log lines to fd instead of stderr (2). The fd stays the caller's. */
void
cb_log_set_fd(int fd);

/* Parses "debug" | "info" | "warn" | "error"; returns 0 or CB_E_PARSE. */
int
cb_log_level_parse(const char *text, cb_log_level_t *level);

/* Parses "text" | "json"; returns 0 or CB_E_PARSE. */
int
cb_log_format_parse(const char *text, cb_log_format_t *format);

/* True when a line at level would be written. */
bool
cb_log_enabled(cb_log_level_t level);

/* True when a field named key (len bytes) holds a secret and must be
 * redacted: its lower-cased name contains key, secret, sign, token,
 * password, passphrase, auth or credential. */
bool
cb_log_key_is_secret(const char *key, size_t len);

/* Writes one line: time, level, service, event, then the fields of fmt.
 * fmt is a space-separated list of key=value items whose values may hold
 * printf conversions (%s %d %u %ld %zu %lld %llu %x %c %p %f %g %.*s ...),
 * e.g. cb_log_write(CB_LOG_WARN, "connect_failed", "endpoint=%s error=%s", ep, e);
 * a value written in double quotes in fmt (error="%s") may contain spaces.
 * Output quotes and escapes values that need it.
 * Values of secret-named keys print as [redacted], and the password part of
 * any URL with user info is masked. The line is written with one write(2). */
void
cb_log_write(cb_log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define cb_log_debug(event, ...)                                                \
    do {                                                                        \
        if (cb_log_enabled(CB_LOG_DEBUG)) {                                     \
            cb_log_write(CB_LOG_DEBUG, event, __VA_ARGS__);                     \
        }                                                                       \
    } while (0)
#define cb_log_info(event, ...) cb_log_write(CB_LOG_INFO, event, __VA_ARGS__)
#define cb_log_warn(event, ...) cb_log_write(CB_LOG_WARN, event, __VA_ARGS__)
#define cb_log_error(event, ...) cb_log_write(CB_LOG_ERROR, event, __VA_ARGS__)

#endif
