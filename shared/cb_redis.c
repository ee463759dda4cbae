/* cb_redis.c - Redis connection: URL parsing, AUTH, SELECT, lazy reconnect with backoff */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_redis.h"
#include "cb_redis_impl.h"
#include "cb_signal.h"
#include "cb_time.h"

#define S_CONNECT_MS 1000
#define S_COMMAND_MS 2000
#define S_BACKOFF_MIN_MS 50
#define S_BACKOFF_MAX_MS 5000
/* A connection lost sooner than this after it opened does not reset the
 * backoff, so a server that drops every connection is not hammered. */
#define S_STABLE_MS 1000

/* ---- URL ----------------------------------------------------------------- */

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

/* Percent-decodes len bytes into a new heap string; NULL on a bad escape,
 * an encoded NUL or a raw control character (or out of memory). */
static char *
s_decode(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (out == NULL) {
        goto fail;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c < 0x20 || c == 0x7f) {
            goto fail_out;
        }
        if (c == '%') {
            int hi = i + 2 < len ? s_hex(s[i + 1]) : -1;
            int lo = i + 2 < len ? s_hex(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || hi + lo == 0) {
                goto fail_out;
            }
            c = (unsigned char) (hi * 16 + lo);
            i += 2;
        }
        out[n++] = (char) c;
    }
    out[n] = '\0';
    return out;

fail_out:
    OPENSSL_cleanse(out, len + 1);
    free(out);
fail:
    return NULL;
}

/* Parses len decimal digits (no sign, no blanks) within [min, max]. */
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

/* True when host (len bytes, brackets removed, shorter than max) is a
 * plausible host name, IPv4 address or, when bracketed, IPv6 address. */
static bool
s_host_valid(const char *host, size_t len, size_t max, bool bracketed)
{
    if (len == 0 || len >= max) {
        return false;
    }
    bool colon = false;
    for (size_t i = 0; i < len; i++) {
        char c = host[i];
        bool ok;
        if (bracketed) {
            ok = s_hex(c) >= 0 || c == ':' || c == '.';
            colon = colon || c == ':';
        } else {
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_';
        }
        if (!ok) {
            return false;
        }
    }
    return !bracketed || colon;
}

void
cb_redis_url_fini(cb_redis_url_t *url)
{
    if (url == NULL) {
        return;
    }
    if (url->password != NULL) {
        OPENSSL_cleanse(url->password, strlen(url->password));
        free(url->password);
        url->password = NULL;
    }
    free(url->username);
    url->username = NULL;
}

/* cb_redis_url_parse, with *why set to a reason (no secrets) on failure. */
static int
s_url_parse(const char *text, cb_redis_url_t *url, const char **why)
{
    memset(url, 0, sizeof *url);
    url->port = 6379;
    *why = "not a redis://[[user]:password@]host[:port][/db] URL";
    if (text == NULL) {
        goto fail;
    }
    if (strncasecmp(text, "rediss://", 9) == 0) {
        *why = "rediss:// (TLS) is not supported by hiredis 0.14; use redis://";
        goto fail;
    }
    if (strncasecmp(text, "redis://", 8) != 0) {
        goto fail;
    }
    const char *p = text + 8;
    const char *end = p + strlen(p);
    const char *slash = memchr(p, '/', (size_t) (end - p));
    const char *authority_end = slash != NULL ? slash : end;
    /* The last '@' of the authority ends the user info, so that a raw '@' in
     * a password still parses (it should be written %40). */
    const char *at = NULL;
    for (const char *q = p; q < authority_end; q++) {
        if (*q == '@') {
            at = q;
        }
    }
    if (at != NULL) {
        *why = "bad user info (percent-encode reserved characters)";
        const char *colon = memchr(p, ':', (size_t) (at - p));
        const char *pass = colon != NULL ? colon + 1 : p;
        if (colon != NULL && colon > p) {
            url->username = s_decode(p, (size_t) (colon - p));
            if (url->username == NULL) {
                goto fail;
            }
        }
        if (at > pass || url->username != NULL) {
            url->password = s_decode(pass, (size_t) (at - pass));
            if (url->password == NULL) {
                goto fail;
            }
        }
        p = at + 1;
    }
    *why = "bad host";
    const char *host = p;
    const char *host_end;
    bool bracketed = p < authority_end && *p == '[';
    if (bracketed) {
        const char *close = memchr(p, ']', (size_t) (authority_end - p));
        if (close == NULL) {
            goto fail;
        }
        host = p + 1;
        host_end = close;
        p = close + 1;
    } else {
        host_end = p;
        while (host_end < authority_end && *host_end != ':') {
            host_end++;
        }
        p = host_end;
    }
    size_t host_len = (size_t) (host_end - host);
    if (!s_host_valid(host, host_len, sizeof url->host, bracketed)) {
        goto fail;
    }
    memcpy(url->host, host, host_len);
    url->host[host_len] = '\0';
    if (p < authority_end) {
        long port;
        *why = "bad port (1 to 65535)";
        if (*p != ':' ||
            s_parse_int(p + 1, (size_t) (authority_end - p - 1), 1, 65535, &port) != 0) {
            goto fail;
        }
        url->port = (int) port;
    }
    if (slash != NULL && slash + 1 < end) {
        long db;
        *why = "bad db (0 to 10000)";
        if (s_parse_int(slash + 1, (size_t) (end - slash - 1), 0, 10000, &db) != 0) {
            goto fail;
        }
        url->db = (int) db;
    }
    *why = NULL;
    return 0;

fail:
    cb_redis_url_fini(url);
    return CB_E_CONFIG;
}

int
cb_redis_url_parse(const char *text, cb_redis_url_t *url)
{
    const char *why;
    return s_url_parse(text, url, &why);
}

/* ---- connection ---------------------------------------------------------- */

static int64_t
s_now_ms(void)
{
    return cb_time_mono_ns() / 1000000;
}

static struct timeval
s_tv(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

cb_redis_t *
cb_redis_new(const char *url, int *err)
{
    const char *why;
    cb_redis_t *r = calloc(1, sizeof *r);
    if (r == NULL) {
        *err = CB_E_NOMEM;
        goto fail;
    }
    *err = s_url_parse(url, &r->url, &why);
    if (*err != 0) {
        cb_log_error("redis_url_invalid", "reason=\"%s\"", why);
        goto fail_url;
    }
    r->connect_ms = S_CONNECT_MS;
    r->command_ms = S_COMMAND_MS;
    r->backoff_ms = S_BACKOFF_MIN_MS;
    if (getrandom(&r->rnd, sizeof r->rnd, GRND_NONBLOCK) != (ssize_t) sizeof r->rnd) {
        r->rnd = (uint32_t) cb_time_mono_ns();
    }
    r->rnd |= 1;
    r->multi_node = -1;
    return r;

fail_url:
    free(r);
fail:
    return NULL;
}

static void
s_drop(cb_redis_t *r)
{
    if (r->ctx != NULL) {
        redisFree(r->ctx);
        r->ctx = NULL;
    }
    r->pending = 0;
    if (r->multi_node == 0) {
        r->multi_node = -1;
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
    cb_redis_cluster_free(r);
    cb_redis_url_fini(&r->url);
    free(r);
    *r_p = NULL;
}

void
cb_redis_set_timeouts(cb_redis_t *r, int connect_ms, int command_ms)
{
    if (connect_ms > 0) {
        r->connect_ms = connect_ms;
    }
    if (command_ms > 0) {
        r->command_ms = command_ms;
        if (r->ctx != NULL) {
            redisSetTimeout(r->ctx, s_tv(r->command_ms));
        }
        cb_redis_cluster_set_timeout(r, s_tv(r->command_ms));
    }
}

bool
cb_redis_connected(const cb_redis_t *r)
{
    return r->ctx != NULL;
}

/* Logs a change of state once; why is a server or socket error text. */
static void
s_set_state(cb_redis_t *r, cb_redis_state_t to, const char *why)
{
    if (to == r->state) {
        return;
    }
    const char *host = r->url.host;
    int port = r->url.port;
    switch (to) {
    case CB_REDIS_ST_UP:
        if (r->state == CB_REDIS_ST_NEW) {
            cb_log_info("redis_connected", "host=%s port=%d db=%d", host, port, r->url.db);
        } else {
            cb_log_info("redis_connected", "host=%s port=%d db=%d down_ms=%lld", host, port,
                        r->url.db, (long long) (s_now_ms() - r->down_since_ms));
        }
        break;
    case CB_REDIS_ST_DOWN:
        if (r->state == CB_REDIS_ST_UP) {
            cb_log_warn("redis_lost", "host=%s port=%d error=\"%s\"", host, port, why);
        } else {
            cb_log_warn("redis_unavailable", "host=%s port=%d error=\"%s\"", host, port, why);
        }
        break;
    case CB_REDIS_ST_AUTH_FAILED:
        cb_log_error("redis_auth_failed", "host=%s port=%d user=%s error=\"%s\"", host, port,
                     r->url.username != NULL ? r->url.username : "default", why);
        break;
    case CB_REDIS_ST_SELECT_FAILED:
        cb_log_error("redis_select_failed", "host=%s port=%d db=%d error=\"%s\"", host, port,
                     r->url.db, why);
        break;
    case CB_REDIS_ST_NEW:
        break;
    }
    if (to != CB_REDIS_ST_UP && (r->state == CB_REDIS_ST_UP || r->state == CB_REDIS_ST_NEW)) {
        r->down_since_ms = s_now_ms();
    }
    r->state = to;
}

/* Schedules the next connect attempt after a failed one: the current delay
 * plus up to 25% jitter, then doubles the delay up to the maximum. */
static void
s_backoff(cb_redis_t *r, int err)
{
    r->rnd ^= r->rnd << 13;
    r->rnd ^= r->rnd >> 17;
    r->rnd ^= r->rnd << 5;
    int jitter = (int) (r->rnd % (uint32_t) (r->backoff_ms / 4 + 1));
    r->retry_at_ms = s_now_ms() + r->backoff_ms + jitter;
    r->backoff_ms = r->backoff_ms >= S_BACKOFF_MAX_MS / 2 ? S_BACKOFF_MAX_MS : r->backoff_ms * 2;
    r->backoff_err = err == CB_E_TIMEOUT ? CB_E_UNAVAILABLE : err;
}

int
cb_redis_io_code(const redisContext *ctx, int errno_at_fail)
{
    bool timeout = ctx != NULL && ctx->err == REDIS_ERR_IO &&
                   (errno_at_fail == EAGAIN || errno_at_fail == EWOULDBLOCK ||
                    errno_at_fail == ETIMEDOUT || errno_at_fail == EINPROGRESS);
    return timeout ? CB_E_TIMEOUT : CB_E_UNAVAILABLE;
}

/* An open connection failed (I/O error, timeout, protocol error): drop it.
 * The next call may reconnect at once, unless the connection was new. */
int
cb_redis_seed_lost(cb_redis_t *r, int errno_at_fail)
{
    char why[sizeof r->ctx->errstr];
    snprintf(why, sizeof why, "%s", r->ctx->errstr);
    int code = cb_redis_io_code(r->ctx, errno_at_fail);
    s_drop(r);
    s_set_state(r, CB_REDIS_ST_DOWN, code == CB_E_TIMEOUT ? "timed out" : why);
    if (s_now_ms() - r->up_since_ms >= S_STABLE_MS) {
        r->backoff_ms = S_BACKOFF_MIN_MS;
    } else {
        s_backoff(r, CB_E_UNAVAILABLE);
    }
    return code;
}

/* The code for an error reply to SELECT during the handshake. */
static int
s_select_code(const redisReply *reply)
{
    if (strncmp(reply->str, "NOAUTH", 6) == 0 || strncmp(reply->str, "NOPERM", 6) == 0 ||
        strncmp(reply->str, "WRONGPASS", 9) == 0) {
        return CB_E_UNAUTHORIZED;
    }
    if (strncmp(reply->str, "LOADING", 7) == 0 || strncmp(reply->str, "BUSY", 4) == 0 ||
        strncmp(reply->str, "MASTERDOWN", 10) == 0) {
        return CB_E_UNAVAILABLE;
    }
    return CB_E_CONFIG;
}

/* Sends AUTH (when there is a password) and SELECT in one round trip and
 * checks both replies. */
int
cb_redis_handshake(cb_redis_t *r, redisContext *ctx, char *why, size_t why_size)
{
    int rc = 0;
    int sent = 0;
    redisReply *replies[2] = {NULL, NULL};
    if (r->url.password != NULL) {
        const char *argv[3] = {"AUTH"};
        int argc = 1;
        if (r->url.username != NULL) {
            argv[argc++] = r->url.username;
        }
        argv[argc++] = r->url.password;
        char *cmd = NULL;
        int len = redisFormatCommandArgv(&cmd, argc, argv, NULL);
        if (len < 0) {
            rc = CB_E_NOMEM;
            snprintf(why, why_size, "out of memory");
            goto done;
        }
        int appended = redisAppendFormattedCommand(ctx, cmd, (size_t) len);
        OPENSSL_cleanse(cmd, (size_t) len);
        redisFreeCommand(cmd);
        if (appended != REDIS_OK) {
            rc = CB_E_NOMEM;
            snprintf(why, why_size, "out of memory");
            goto done;
        }
        sent++;
    }
    if (redisAppendCommand(ctx, "SELECT %d", r->url.db) != REDIS_OK) {
        rc = CB_E_NOMEM;
        snprintf(why, why_size, "out of memory");
        goto done;
    }
    sent++;
    for (int i = 0; i < sent; i++) {
        void *reply = NULL;
        if (redisGetReply(ctx, &reply) != REDIS_OK || reply == NULL) {
            int saved = errno;
            rc = cb_redis_io_code(ctx, saved);
            snprintf(why, why_size, "%s", rc == CB_E_TIMEOUT ? "timed out" : ctx->errstr);
            goto done;
        }
        replies[i] = reply;
    }
    const redisReply *auth = sent == 2 ? replies[0] : NULL;
    const redisReply *select = replies[sent - 1];
    if (auth != NULL && auth->type == REDIS_REPLY_ERROR) {
        rc = CB_E_UNAUTHORIZED;
        snprintf(why, why_size, "%s", auth->str);
    } else if (auth != NULL && auth->type != REDIS_REPLY_STATUS) {
        rc = CB_E_UNAVAILABLE;
        snprintf(why, why_size, "unexpected reply to AUTH");
    } else if (select->type == REDIS_REPLY_ERROR) {
        rc = s_select_code(select);
        snprintf(why, why_size, "%s", select->str);
    } else if (select->type != REDIS_REPLY_STATUS) {
        rc = CB_E_UNAVAILABLE;
        snprintf(why, why_size, "unexpected reply to SELECT");
    }

done:
    for (int i = 0; i < 2; i++) {
        if (replies[i] != NULL) {
            freeReplyObject(replies[i]);
        }
    }
    return rc;
}

redisContext *
cb_redis_open(cb_redis_t *r, const char *host, int port, int *rc, char *why, size_t why_size)
{
    redisContext *ctx = redisConnectWithTimeout(host, port, s_tv(r->connect_ms));
    int saved = errno;
    if (ctx == NULL) {
        *rc = CB_E_UNAVAILABLE;
        snprintf(why, why_size, "redisConnectWithTimeout() failed: out of memory");
        goto fail;
    }
    if (ctx->err != 0) {
        *rc = cb_redis_io_code(ctx, saved);
        snprintf(why, why_size, "connect() failed: %s", ctx->errstr);
        goto fail_ctx;
    }
    if (redisSetTimeout(ctx, s_tv(r->command_ms)) != REDIS_OK) {
        *rc = CB_E_UNAVAILABLE;
        snprintf(why, why_size, "%s", ctx->errstr);
        goto fail_ctx;
    }
    /* Keepalive notices a peer that vanished without closing (host down). */
    redisEnableKeepAlive(ctx);
    *rc = cb_redis_handshake(r, ctx, why, why_size);
    if (*rc != 0) {
        goto fail_ctx;
    }
    return ctx;

fail_ctx:
    redisFree(ctx);
fail:
    return NULL;
}

/* Makes sure a connection is open: connects, authenticates and selects the
 * db unless backing off. 0 or an error code. */
static int
s_connect(cb_redis_t *r)
{
    char why[192];
    int rc;
    if (r->ctx != NULL) {
        return 0;
    }
    if (r->retry_at_ms != 0 && s_now_ms() < r->retry_at_ms) {
        return r->backoff_err;
    }
    r->ctx = cb_redis_open(r, r->url.host, r->url.port, &rc, why, sizeof why);
    if (r->ctx == NULL) {
        cb_redis_state_t state = CB_REDIS_ST_DOWN;
        if (rc == CB_E_UNAUTHORIZED) {
            state = CB_REDIS_ST_AUTH_FAILED;
        } else if (rc == CB_E_CONFIG) {
            state = CB_REDIS_ST_SELECT_FAILED;
        }
        s_set_state(r, state, why);
        s_backoff(r, rc);
        return rc;
    }
    r->retry_at_ms = 0;
    r->up_since_ms = s_now_ms();
    s_set_state(r, CB_REDIS_ST_UP, NULL);
    return 0;
}

/* Reads and frees replies a caller queued with cb_redis_appendv and never
 * read, so that the next reply belongs to the next command. */
static int
s_discard_pending(cb_redis_t *r)
{
    while (r->ctx != NULL && r->pending > 0) {
        void *reply = NULL;
        if (redisGetReply(r->ctx, &reply) != REDIS_OK || reply == NULL) {
            int saved = errno;
            return cb_redis_seed_lost(r, saved);
        }
        freeReplyObject(reply);
        r->pending--;
    }
    return 0;
}

int
cb_redis_seed_ready(cb_redis_t *r)
{
    int err = s_connect(r);
    return err != 0 ? err : s_discard_pending(r);
}

/* Runs one formatted command (len bytes of RESP in cmd, which stays the
 * caller's) on the node that holds its key: the URL's node until Redis
 * Cluster redirects (cb_redis_cluster.c). */
static redisReply *
s_run(cb_redis_t *r, int *err, const char *cmd, int len)
{
    cb_signal_pipe_guard_t guard;
    cb_signal_pipe_guard_on(&guard);
    redisReply *reply = cb_redis_cluster_run(r, err, cmd, len);
    cb_signal_pipe_guard_off(&guard);
    return reply;
}

redisReply *
cb_redis_command(cb_redis_t *r, int *err, const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    if (len < 0) {
        *err = len == -1 ? CB_E_NOMEM : CB_E_BAD_REQUEST;
        return NULL;
    }
    redisReply *reply = s_run(r, err, cmd, len);
    redisFreeCommand(cmd);
    return reply;
}

redisReply *
cb_redis_commandv(cb_redis_t *r, int *err, int argc, const char **argv, const size_t *argvlen)
{
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    if (len < 0) {
        *err = CB_E_NOMEM;
        return NULL;
    }
    redisReply *reply = s_run(r, err, cmd, len);
    redisFreeCommand(cmd);
    return reply;
}

int
cb_redis_appendv(cb_redis_t *r, int argc, const char **argv, const size_t *argvlen)
{
    int err;
    cb_signal_pipe_guard_t guard;
    cb_signal_pipe_guard_on(&guard);
    err = s_connect(r);
    if (err != 0) {
        goto done;
    }
    if (redisAppendCommandArgv(r->ctx, argc, argv, argvlen) != REDIS_OK) {
        /* Only formatting can fail here (out of memory); the context is
         * marked failed, so drop it. */
        int saved = errno;
        err = cb_redis_seed_lost(r, saved);
        goto done;
    }
    r->pending++;

done:
    cb_signal_pipe_guard_off(&guard);
    return err;
}

redisReply *
cb_redis_get_reply(cb_redis_t *r, int *err)
{
    void *reply = NULL;
    cb_signal_pipe_guard_t guard;
    cb_signal_pipe_guard_on(&guard);
    if (r->ctx == NULL || r->pending == 0) {
        *err = CB_E_UNAVAILABLE;
        goto done;
    }
    r->pending--;
    if (redisGetReply(r->ctx, &reply) != REDIS_OK || reply == NULL) {
        int saved = errno;
        *err = cb_redis_seed_lost(r, saved);
        reply = NULL;
        goto done;
    }
    *err = 0;

done:
    cb_signal_pipe_guard_off(&guard);
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
