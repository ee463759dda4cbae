/* cb_redis.c - Redis connection: URL parsing, AUTH, SELECT, lazy reconnect with backoff */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <openssl/crypto.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_redis.h"
#include "cb_time.h"

#define S_BACKOFF_MIN_MS 50
#define S_BACKOFF_MAX_MS 5000

struct cb_redis {
    cb_redis_url_t url;
    redisContext *ctx;
    int connect_ms;
    int command_ms;
    int64_t retry_at_ms; /* monotonic; 0: may try now */
    int backoff_ms;
    bool down_logged;
    bool was_connected;
};

/* ---- URL ------------------------------------------------------------------ */

static int
s_hex(char c)
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

/* Percent-decodes len bytes into a new heap string; NULL on a bad escape. */
static char *
s_decode(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            if (i + 2 >= len) {
                OPENSSL_cleanse(out, len + 1);
                free(out);
                return NULL;
            }
            int a = s_hex(s[i + 1]);
            int b = s_hex(s[i + 2]);
            if (a < 0 || b < 0) {
                OPENSSL_cleanse(out, len + 1);
                free(out);
                return NULL;
            }
            out[n++] = (char) (a * 16 + b);
            i += 2;
        } else {
            out[n++] = s[i];
        }
    }
    out[n] = '\0';
    return out;
}

static int
s_parse_int(const char *s, size_t len, long min, long max, long *out)
{
    if (len == 0 || len > 6) {
        return -1;
    }
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    if (v < min || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

void
cb_redis_url_fini(cb_redis_url_t *url)
{
    if (url->password != NULL) {
        OPENSSL_cleanse(url->password, strlen(url->password));
        free(url->password);
        url->password = NULL;
    }
    free(url->username);
    url->username = NULL;
}

int
cb_redis_url_parse(const char *text, cb_redis_url_t *url)
{
    memset(url, 0, sizeof *url);
    url->port = 6379;
    if (text == NULL || strncmp(text, "redis://", 8) != 0) {
        return CB_E_CONFIG;
    }
    const char *p = text + 8;
    const char *end = p + strlen(p);
    const char *slash = memchr(p, '/', (size_t) (end - p));
    const char *authority_end = slash != NULL ? slash : end;
    /* The last '@' before the path ends the user info (passwords may hold '@'
     * only percent-encoded, but be lenient). */
    const char *at = NULL;
    for (const char *q = p; q < authority_end; q++) {
        if (*q == '@') {
            at = q;
        }
    }
    if (at != NULL) {
        const char *colon = memchr(p, ':', (size_t) (at - p));
        if (colon != NULL) {
            if (colon > p) {
                url->username = s_decode(p, (size_t) (colon - p));
                if (url->username == NULL) {
                    goto fail;
                }
            }
            url->password = s_decode(colon + 1, (size_t) (at - colon - 1));
            if (url->password == NULL) {
                goto fail;
            }
        } else if (at > p) {
            /* "redis://secret@host": a bare user info is the password. */
            url->password = s_decode(p, (size_t) (at - p));
            if (url->password == NULL) {
                goto fail;
            }
        }
        p = at + 1;
    }
    const char *host_start = p;
    const char *host_end;
    if (p < authority_end && *p == '[') {
        const char *close = memchr(p, ']', (size_t) (authority_end - p));
        if (close == NULL || close == p + 1) {
            goto fail;
        }
        host_start = p + 1;
        host_end = close;
        p = close + 1;
    } else {
        host_end = p;
        while (host_end < authority_end && *host_end != ':') {
            host_end++;
        }
        p = host_end;
    }
    size_t host_len = (size_t) (host_end - host_start);
    if (host_len == 0 || host_len >= sizeof url->host) {
        goto fail;
    }
    for (size_t i = 0; i < host_len; i++) {
        char c = host_start[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '_')) {
            goto fail;
        }
    }
    memcpy(url->host, host_start, host_len);
    url->host[host_len] = '\0';
    if (p < authority_end) {
        if (*p != ':') {
            goto fail;
        }
        long port;
        if (s_parse_int(p + 1, (size_t) (authority_end - p - 1), 1, 65535, &port) != 0) {
            goto fail;
        }
        url->port = (int) port;
    }
    if (slash != NULL && slash + 1 < end) {
        long db;
        if (s_parse_int(slash + 1, (size_t) (end - slash - 1), 0, 10000, &db) != 0) {
            goto fail;
        }
        url->db = (int) db;
    }
    return 0;

fail:
    cb_redis_url_fini(url);
    return CB_E_CONFIG;
}

/* ---- connection ------------------------------------------------------------- */

cb_redis_t *
cb_redis_new(const char *url, int *err)
{
    cb_redis_t *r = calloc(1, sizeof *r);
    if (r == NULL) {
        *err = CB_E_NOMEM;
        return NULL;
    }
    if (url != NULL && strncmp(url, "rediss://", 9) == 0) {
        cb_log_error("redis_url_invalid", "reason=\"TLS (rediss://) is not supported\"");
        free(r);
        *err = CB_E_CONFIG;
        return NULL;
    }
    if (cb_redis_url_parse(url, &r->url) != 0) {
        cb_log_error("redis_url_invalid", "url=%s", url != NULL ? url : "");
        free(r);
        *err = CB_E_CONFIG;
        return NULL;
    }
    r->connect_ms = 1000;
    r->command_ms = 2000;
    r->backoff_ms = S_BACKOFF_MIN_MS;
    *err = 0;
    return r;
}

static void
s_drop(cb_redis_t *r)
{
    if (r->ctx != NULL) {
        redisFree(r->ctx);
        r->ctx = NULL;
    }
}

void
cb_redis_destroy(cb_redis_t **r_p)
{
    if (r_p == NULL || *r_p == NULL) {
        return;
    }
    cb_redis_t *r = *r_p;
    s_drop(r);
    cb_redis_url_fini(&r->url);
    free(r);
    *r_p = NULL;
}

void
cb_redis_set_timeouts(cb_redis_t *r, int connect_ms, int command_ms)
{
    r->connect_ms = connect_ms;
    r->command_ms = command_ms;
}

bool
cb_redis_connected(const cb_redis_t *r)
{
    return r->ctx != NULL;
}

static int64_t
s_now_ms(void)
{
    return cb_time_mono_ns() / 1000000;
}

/* Schedules the next connect attempt: doubling backoff with +-25% jitter. */
static void
s_backoff(cb_redis_t *r)
{
    unsigned rnd = 0;
    if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t) sizeof rnd) {
        rnd = (unsigned) s_now_ms();
    }
    int jitter = r->backoff_ms / 4;
    int delay = r->backoff_ms - jitter + (jitter > 0 ? (int) (rnd % (unsigned) (2 * jitter + 1)) : 0);
    r->retry_at_ms = s_now_ms() + delay;
    r->backoff_ms = r->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : r->backoff_ms * 2;
}

static void
s_lost(cb_redis_t *r, const char *why)
{
    s_drop(r);
    if (!r->down_logged) {
        cb_log_warn("redis_down", "host=%s port=%d error=\"%s\"", r->url.host, r->url.port, why);
        r->down_logged = true;
    }
    s_backoff(r);
}

static struct timeval
s_tv(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

/* Connects, authenticates and selects the db. 0 or an error code. */
static int
s_connect(cb_redis_t *r)
{
    if (r->retry_at_ms != 0 && s_now_ms() < r->retry_at_ms) {
        return CB_E_UNAVAILABLE;
    }
    redisContext *ctx = redisConnectWithTimeout(r->url.host, r->url.port, s_tv(r->connect_ms));
    if (ctx == NULL || ctx->err != 0) {
        char why[128];
        snprintf(why, sizeof why, "%s", ctx != NULL ? ctx->errstr : "out of memory");
        if (ctx != NULL) {
            redisFree(ctx);
        }
        s_lost(r, why);
        return CB_E_UNAVAILABLE;
    }
    redisSetTimeout(ctx, s_tv(r->command_ms));
    r->ctx = ctx;
    if (r->url.password != NULL) {
        redisReply *reply = r->url.username != NULL
                                ? redisCommand(ctx, "AUTH %s %s", r->url.username, r->url.password)
                                : redisCommand(ctx, "AUTH %s", r->url.password);
        bool ok = reply != NULL && reply->type == REDIS_REPLY_STATUS;
        if (reply != NULL) {
            freeReplyObject(reply);
        }
        if (!ok) {
            bool io = reply == NULL;
            if (io) {
                s_lost(r, "I/O error during AUTH");
                return CB_E_UNAVAILABLE;
            }
            s_drop(r);
            cb_log_error("redis_auth_failed", "host=%s port=%d", r->url.host, r->url.port);
            s_backoff(r);
            return CB_E_UNAUTHORIZED;
        }
    }
    if (r->url.db != 0) {
        redisReply *reply = redisCommand(ctx, "SELECT %d", r->url.db);
        bool ok = reply != NULL && reply->type == REDIS_REPLY_STATUS;
        if (reply != NULL) {
            freeReplyObject(reply);
        }
        if (!ok) {
            s_lost(r, "SELECT failed");
            return CB_E_UNAVAILABLE;
        }
    }
    if (r->down_logged || !r->was_connected) {
        cb_log_info("redis_connected", "host=%s port=%d db=%d", r->url.host, r->url.port,
                    r->url.db);
    }
    r->down_logged = false;
    r->was_connected = true;
    r->retry_at_ms = 0;
    r->backoff_ms = S_BACKOFF_MIN_MS;
    return 0;
}

/* After a NULL reply: drop the connection and say why. */
static int
s_failed(cb_redis_t *r)
{
    bool timeout = r->ctx->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
    char why[128];
    snprintf(why, sizeof why, "%s", r->ctx->errstr);
    s_lost(r, why);
    return timeout ? CB_E_TIMEOUT : CB_E_UNAVAILABLE;
}

redisReply *
cb_redis_commandv(cb_redis_t *r, int *err, int argc, const char **argv, const size_t *argvlen)
{
    if (r->ctx == NULL && (*err = s_connect(r)) != 0) {
        return NULL;
    }
    redisReply *reply = redisCommandArgv(r->ctx, argc, argv, argvlen);
    if (reply == NULL) {
        *err = s_failed(r);
        return NULL;
    }
    *err = 0;
    return reply;
}

redisReply *
cb_redis_command(cb_redis_t *r, int *err, const char *fmt, ...)
{
    if (r->ctx == NULL && (*err = s_connect(r)) != 0) {
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    redisReply *reply = redisvCommand(r->ctx, fmt, ap);
    va_end(ap);
    if (reply == NULL) {
        *err = s_failed(r);
        return NULL;
    }
    *err = 0;
    return reply;
}

int
cb_redis_appendv(cb_redis_t *r, int argc, const char **argv, const size_t *argvlen)
{
    int err;
    if (r->ctx == NULL && (err = s_connect(r)) != 0) {
        return err;
    }
    if (redisAppendCommandArgv(r->ctx, argc, argv, argvlen) != REDIS_OK) {
        return CB_E_NOMEM;
    }
    return 0;
}

redisReply *
cb_redis_get_reply(cb_redis_t *r, int *err)
{
    if (r->ctx == NULL) {
        *err = CB_E_UNAVAILABLE;
        return NULL;
    }
    void *reply = NULL;
    if (redisGetReply(r->ctx, &reply) != REDIS_OK || reply == NULL) {
        *err = s_failed(r);
        return NULL;
    }
    *err = 0;
    return reply;
}

int
cb_redis_ping(cb_redis_t *r)
{
    int err;
    redisReply *reply = cb_redis_command(r, &err, "PING");
    if (reply == NULL) {
        return err;
    }
    bool ok = reply->type == REDIS_REPLY_STATUS && strcasecmp(reply->str, "PONG") == 0;
    freeReplyObject(reply);
    return ok ? 0 : CB_E_UNAVAILABLE;
}
