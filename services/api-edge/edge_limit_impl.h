/* edge_limit_impl.h - what edge_limit.c and edge_limit_conn.c share: the limiter and its Redis connection's steps */
#ifndef EDGE_LIMIT_IMPL_H_INCLUDED
#define EDGE_LIMIT_IMPL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>
#include <hiredis/async.h>

#include "cb_backoff.h"
#include "cb_httpd.h"
#include "cb_inbound_core.h"
#include "cb_redis.h"
#include "edge_cluster.h"
#include "edge_limit.h"

/* The limiter (edge_limit.c: decisions, leases, returns; edge_limit_conn.c:
 * the connection to the URL's node). */
struct edge_limit {
    cb_httpd_t *httpd;
    cb_inbound_core_t *core;
    cb_redis_url_t url;
    redisAsyncContext *ac;   /* the URL's node; NULL between connections */
    edge_cluster_t *cluster; /* commands follow MOVED / ASK to the other nodes */
    bool usable;             /* ac takes commands (not failing or closing) */
    bool up;                 /* the last command was answered */
    bool lost_logged;
    bool setup_logged;
    bool closing;
    cb_backoff_t backoff;
    cb_httpd_timer_t *reconnect;
    cb_httpd_timer_t *housekeeping;
    zhashx_t *reqs; /* client -> s_req_t */
    size_t stalled;
    int64_t stalled_since_ms;
    size_t returns_in_flight;
    uint64_t rejections;
    uint64_t redis_calls;
    uint64_t waits; /* decisions that waited for Redis */
};

/* Connects to the URL's node (a non-blocking connect on the loop), then
 * AUTH, SELECT and PING, pipelined ahead of any command; a failure is
 * logged once per outage and retried after the next backoff delay. */
void
edge_limit_conn_start(edge_limit_t *limit);

/* ac has gone (failed to connect, lost, or freed by us): forget it and
 * connect again later (unless closing). Idempotent per ac. */
void
edge_limit_conn_gone(edge_limit_t *limit, const redisAsyncContext *ac, const char *reason);

/* The URL's node while it takes commands (edge_cluster's seed_fn; ctx is
 * the limiter). */
redisAsyncContext *
edge_limit_conn_seed(void *ctx);

#endif
