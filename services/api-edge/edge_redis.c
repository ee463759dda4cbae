/* edge_redis.c - hiredis's async connection on a cb_httpd loop (a hiredis event adapter) */
#include <poll.h>
#include <stdlib.h>

#include <hiredis/sds.h>

#include "cb_signal.h"
#include "cb_time.h"
#include "edge_redis.h"

typedef struct {
    redisAsyncContext *ac;
    cb_httpd_watch_t *watch;
} s_adapter_t;

/* hiredis writes with write(2): a reset connection must not kill us. */
static void
s_write(redisAsyncContext *ac)
{
    cb_signal_pipe_guard_t guard;
    cb_signal_pipe_guard_on(&guard);
    redisAsyncHandleWrite(ac);
    cb_signal_pipe_guard_off(&guard);
}

static void
s_on_readable(void *ctx)
{
    s_adapter_t *a = ctx;
    redisAsyncHandleRead(a->ac);
}

static void
s_on_writable(void *ctx)
{
    s_adapter_t *a = ctx;
    s_write(a->ac);
}

static void
s_add_read(void *privdata)
{
    s_adapter_t *a = privdata;
    cb_httpd_watch_want_read(a->watch, true);
}

static void
s_del_read(void *privdata)
{
    s_adapter_t *a = privdata;
    cb_httpd_watch_want_read(a->watch, false);
}

static void
s_add_write(void *privdata)
{
    s_adapter_t *a = privdata;
    cb_httpd_watch_want_write(a->watch, s_on_writable);
}

static void
s_del_write(void *privdata)
{
    s_adapter_t *a = privdata;
    cb_httpd_watch_want_write(a->watch, NULL);
}

static void
s_cleanup(void *privdata)
{
    s_adapter_t *a = privdata;
    cb_httpd_watch_destroy(&a->watch);
    free(a);
}

int
edge_redis_attach(cb_httpd_t *httpd, redisAsyncContext *ac)
{
    if (ac->ev.data != NULL) {
        return REDIS_ERR;
    }
    s_adapter_t *a = calloc(1, sizeof *a);
    if (a == NULL) {
        return REDIS_ERR;
    }
    a->ac = ac;
    a->watch = cb_httpd_watch_new(httpd, ac->c.fd, s_on_readable, a);
    if (a->watch == NULL) {
        free(a);
        return REDIS_ERR;
    }
    ac->ev.data = a;
    ac->ev.addRead = s_add_read;
    ac->ev.delRead = s_del_read;
    ac->ev.addWrite = s_add_write;
    ac->ev.delWrite = s_del_write;
    ac->ev.cleanup = s_cleanup;
    return REDIS_OK;
}

void
edge_redis_flush(redisAsyncContext **ac_p, int timeout_ms, bool (*done)(void *ctx), void *ctx)
{
    int64_t deadline = cb_time_mono_ns() / 1000000 + timeout_ms;
    while (*ac_p != NULL && !done(ctx)) {
        int64_t left = deadline - cb_time_mono_ns() / 1000000;
        if (left <= 0) {
            return;
        }
        redisAsyncContext *ac = *ac_p;
        struct pollfd p = {.fd = ac->c.fd, .events = POLLIN};
        if (sdslen(ac->c.obuf) > 0 || !(ac->c.flags & REDIS_CONNECTED)) {
            p.events |= POLLOUT;
        }
        if (poll(&p, 1, (int) left) <= 0) {
            continue;
        }
        if (p.revents & POLLOUT) {
            s_write(ac);
        }
        if (*ac_p == ac && (p.revents & (POLLIN | POLLERR | POLLHUP))) {
            redisAsyncHandleRead(ac);
        }
    }
}
