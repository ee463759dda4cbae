/* edge_redis.c - hiredis's async connection on a cb_httpd loop (a hiredis event adapter) */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/sds.h>

#include "cb_signal.h"
#include "cb_time.h"
#include "edge_redis.h"

/* Most connections one flush waits on. */
#define S_FLUSH_MAX 64

typedef struct {
    redisAsyncContext *ac;
    cb_httpd_watch_t *watch;
} s_adapter_t;

/* True while one of the owners' slots still holds ac. */
static bool
s_held(redisAsyncContext **const *acs, size_t n, const redisAsyncContext *ac)
{
    for (size_t i = 0; i < n; i++) {
        if (*acs[i] == ac) {
            return true;
        }
    }
    return false;
}

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

redisAsyncContext *
edge_redis_connect(cb_httpd_t *httpd, const char *host, int port, void *data,
                   redisConnectCallback *on_connect, redisDisconnectCallback *on_disconnect,
                   char *reason, size_t size)
{
    redisAsyncContext *ac = redisAsyncConnect(host, port);
    if (ac == NULL || ac->err != 0 || edge_redis_attach(httpd, ac) != REDIS_OK) {
        snprintf(reason, size, "%s", ac != NULL && ac->err != 0 ? ac->errstr : "no memory");
        if (ac != NULL) {
            redisAsyncFree(ac);
        }
        return NULL;
    }
    ac->data = data;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    return ac;
}

int
edge_redis_handshake(redisAsyncContext *ac, const cb_redis_url_t *url, redisCallbackFn *fn,
                     void *privdata)
{
    int rc = REDIS_OK;
    if (url->password != NULL) {
        const char *argv[3] = {"AUTH", url->username != NULL ? url->username : "", url->password};
        size_t lens[3] = {4, strlen(argv[1]), strlen(argv[2])};
        int argc = url->username != NULL ? 3 : 2;
        if (argc == 2) {
            argv[1] = argv[2];
            lens[1] = lens[2];
        }
        rc = redisAsyncCommandArgv(ac, fn, privdata, argc, argv, lens);
    }
    if (rc == REDIS_OK && url->db != 0) {
        rc = redisAsyncCommand(ac, fn, privdata, "SELECT %d", url->db);
    }
    return rc;
}

void
edge_redis_flush(redisAsyncContext **const *acs, size_t n, int timeout_ms, bool (*done)(void *ctx),
                 void *ctx)
{
    int64_t deadline = cb_time_mono_ns() / 1000000 + timeout_ms;
    struct pollfd p[S_FLUSH_MAX];
    redisAsyncContext *polled[S_FLUSH_MAX];
    n = n < S_FLUSH_MAX ? n : S_FLUSH_MAX;
    while (!done(ctx)) {
        int64_t left = deadline - cb_time_mono_ns() / 1000000;
        nfds_t count = 0;
        for (size_t i = 0; i < n; i++) {
            redisAsyncContext *ac = *acs[i];
            if (ac == NULL) {
                continue;
            }
            p[count] = (struct pollfd){.fd = ac->c.fd, .events = POLLIN};
            if (sdslen(ac->c.obuf) > 0 || !(ac->c.flags & REDIS_CONNECTED)) {
                p[count].events |= POLLOUT;
            }
            polled[count++] = ac;
        }
        if (left <= 0 || count == 0) {
            return;
        }
        if (poll(p, count, (int) left) <= 0) {
            continue;
        }
        /* A callback may free any of them: each is handled only while its
         * owner still holds it. */
        for (nfds_t k = 0; k < count; k++) {
            if ((p[k].revents & POLLOUT) && s_held(acs, n, polled[k])) {
                s_write(polled[k]);
            }
            if ((p[k].revents & (POLLIN | POLLERR | POLLHUP)) && s_held(acs, n, polled[k])) {
                redisAsyncHandleRead(polled[k]);
            }
        }
    }
}
