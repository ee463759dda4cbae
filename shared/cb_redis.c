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
    *err = cb_redis_url_parse_why(url, &r->url, &why);
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
    r->pipe_multi = -1;
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
    cb_redis_pipe_lost(r);
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
    cb_redis_pipe_free(r);
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

int
cb_redis_seed_connect(cb_redis_t *r)
{
    return s_connect(r);
}

/* Runs one formatted command (len bytes of RESP in cmd, which stays the
 * caller's) on the node that holds its key: the URL's node until Redis
 * Cluster redirects (cb_redis_cluster.c). */
static redisReply *
s_run(cb_redis_t *r, int *err, const char *cmd, int len)
{
    cb_signal_pipe_guard_t guard;
    cb_signal_pipe_guard_on(&guard);
    /* Replies a caller queued with cb_redis_appendv and never read go first,
     * so that the next reply belongs to the next command. */
    *err = cb_redis_pipe_discard(r);
    redisReply *reply = *err == 0 ? cb_redis_cluster_run(r, err, cmd, len) : NULL;
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
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    if (len < 0) {
        return CB_E_NOMEM;
    }
    cb_signal_pipe_guard_t guard;
    cb_signal_pipe_guard_on(&guard);
    int err = cb_redis_pipe_append(r, cmd, len);
    cb_signal_pipe_guard_off(&guard);
    return err;
}

redisReply *
cb_redis_get_reply(cb_redis_t *r, int *err)
{
    cb_signal_pipe_guard_t guard;
    cb_signal_pipe_guard_on(&guard);
    *err = 0;
    redisReply *reply = cb_redis_pipe_get(r, err);
    cb_signal_pipe_guard_off(&guard);
    return reply;
}

int
cb_redis_flush(cb_redis_t *r)
{
    cb_signal_pipe_guard_t guard;
    cb_signal_pipe_guard_on(&guard);
    int err = cb_redis_pipe_flush(r);
    cb_signal_pipe_guard_off(&guard);
    return err;
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
