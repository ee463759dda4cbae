/* edge_limit_conn.c - api-edge's limiter: its connection to the URL's Redis node (connect, AUTH/SELECT/PING, loss, reconnect with backoff) */
#include <stdio.h>
#include <string.h>

#include "cb_log.h"
#include "edge_limit_impl.h"
#include "edge_redis.h"

static void
s_on_reconnect(void *ctx)
{
    edge_limit_conn_start(ctx);
}

/* Connects again after the next backoff delay (unless closing or planned). */
static void
s_reconnect_later(edge_limit_t *limit)
{
    if (!limit->closing && limit->reconnect == NULL) {
        limit->reconnect = cb_httpd_timer_new(limit->httpd, cb_backoff_next(&limit->backoff), 0,
                                              s_on_reconnect, limit);
    }
}

/* Redis cannot be used: logged once per outage; connect again later. */
static void
s_lost(edge_limit_t *limit, const char *reason)
{
    if (!limit->closing && !limit->lost_logged) {
        cb_log_warn("edge_limit_redis_lost", "host=%s port=%d reason=\"%s\"", limit->url.host,
                    limit->url.port, reason);
        limit->lost_logged = true;
    }
    s_reconnect_later(limit);
}

void
edge_limit_conn_gone(edge_limit_t *limit, const redisAsyncContext *ac, const char *reason)
{
    if (limit->ac != ac || ac == NULL) {
        return;
    }
    limit->ac = NULL;
    limit->usable = false;
    limit->up = false;
    s_lost(limit, reason);
}

static void
s_on_connect(const redisAsyncContext *ac, int status)
{
    if (status != REDIS_OK) {
        edge_limit_conn_gone(ac->data, ac, ac->errstr);
    }
}

static void
s_on_disconnect(const redisAsyncContext *ac, int status)
{
    edge_limit_conn_gone(ac->data, ac, status == REDIS_OK ? "closed" : ac->errstr);
}

/* Replies to AUTH, SELECT and PING after a connect: PING's makes Redis up. */
static void
s_on_setup(redisAsyncContext *ac, void *r, void *privdata)
{
    edge_limit_t *limit = ac->data;
    const char *step = privdata;
    redisReply *reply = r;
    if (reply == NULL) {
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        if (!limit->setup_logged) {
            cb_log_error("edge_limit_redis_setup_failed", "command=%s error=\"%s\"", step,
                         reply->str);
            limit->setup_logged = true;
        }
        limit->usable = false;
        redisAsyncDisconnect(ac);
        return;
    }
    if (strcmp(step, "PING") == 0) {
        limit->up = true;
        limit->setup_logged = false;
        cb_backoff_reset(&limit->backoff);
        if (limit->lost_logged) {
            cb_log_info("edge_limit_redis_connected", "host=%s port=%d", limit->url.host,
                        limit->url.port);
            limit->lost_logged = false;
        }
    }
}

void
edge_limit_conn_start(edge_limit_t *limit)
{
    cb_httpd_timer_destroy(&limit->reconnect);
    char reason[128];
    redisAsyncContext *ac = edge_redis_connect(limit->httpd, limit->url.host, limit->url.port, limit,
                                               s_on_connect, s_on_disconnect, reason, sizeof reason);
    if (ac == NULL) {
        s_lost(limit, reason);
        return;
    }
    limit->ac = ac;
    limit->usable = true;
    (void) edge_redis_handshake(ac, &limit->url, s_on_setup, "AUTH/SELECT");
    redisAsyncCommand(ac, s_on_setup, "PING", "PING");
}

redisAsyncContext *
edge_limit_conn_seed(void *ctx)
{
    edge_limit_t *limit = ctx;
    return limit->usable ? limit->ac : NULL;
}
