/* edge_limit.c - api-edge's per-client request limit, Redis asked asynchronously from the loop */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <hiredis/async.h>

#include "cb_backoff.h"
#include "cb_error.h"
#include "cb_inbound_core.h"
#include "cb_log.h"
#include "cb_redis.h"
#include "cb_str.h"
#include "cb_time.h"
#include "edge_cluster.h"
#include "edge_limit.h"
#include "edge_limit_impl.h"
#include "edge_redis.h"

/* The asynchronous transport of cb_inbound_core. Per client at most one
 * lease call is in flight (a s_req_t): the calls of that client which
 * arrive meanwhile wait for its reply, in order, and are then decided from
 * the new lease (or from one more lease when it is spent). A lease call not
 * answered within S_TIMEOUT_MS is "stalled": its waiters are decided by the
 * fallback at once, and so is every decision needing Redis until the
 * stalled reply arrives (a late lease is kept) or the connection is dropped
 * after S_STALL_DROP_MS and made again. */

#define S_TIMEOUT_MS 250
#define S_STALL_DROP_MS 2000
#define S_DESTROY_WAIT_MS 300
#define S_RETURNS_BATCH 64

typedef struct s_waiter {
    struct s_waiter *next;
    edge_limit_done_fn done;
    void *ctx;
} s_waiter_t;

/* A client's lease call and the decisions waiting for it. */
typedef struct {
    edge_limit_t *limit;
    char client[CB_INBOUND_CLIENT_MAX + 1];
    cb_inbound_call_t call;
    bool evaled;  /* resent as EVAL after NOSCRIPT */
    bool stalled; /* timed out: waiters decided; the reply is still awaited */
    bool prefetch; /* sent ahead of need: decisions the current lease covers go on */
    cb_httpd_timer_t *timer;
    s_waiter_t *head;
    s_waiter_t *tail;
} s_req_t;

/* A lease return in flight (kept for a resend after NOSCRIPT). */
typedef struct {
    edge_limit_t *limit;
    cb_inbound_call_t call;
    bool evaled;
} s_ret_t;


static int64_t
s_now_ms(void)
{
    return cb_time_mono_ns() / 1000000;
}

/* Sends call (EVALSHA, or EVAL) with fn(privdata) for its reply, to the
 * node of its client's slot (on a cluster, also while the URL's node is
 * down, when that node is known and connected). 0 or CB_E_UNAVAILABLE (no
 * usable connection; fn never runs). */
static int
s_send(edge_limit_t *limit, redisCallbackFn *fn, void *privdata, const cb_inbound_call_t *call,
       bool eval)
{
    const char *argv[12];
    size_t lens[12];
    char numkeys[16];
    int argc = cb_inbound_call_argv(limit->core, call, eval, numkeys, argv, lens);
    if (argc < 0) {
        return argc;
    }
    if (edge_cluster_send(limit->cluster, fn, privdata, argc, argv, lens) != 0) {
        return CB_E_UNAVAILABLE;
    }
    limit->redis_calls++;
    return 0;
}

/* Notes what a reply that came on ac says about Redis (an error other than
 * NOSCRIPT, such as NOAUTH, LOADING or a redirection past the bound, means
 * it cannot serve us). True for NOSCRIPT: the caller resends with EVAL once. */
static bool
s_note_reply(edge_limit_t *limit, const redisAsyncContext *ac, const redisReply *reply)
{
    if (reply == NULL) {
        /* The connection is failing: no more commands on it when it is the
         * URL's node's (another node's is edge_cluster's to drop). */
        if (ac != NULL && ac == limit->ac) {
            limit->usable = false;
        }
        limit->up = false;
        return false;
    }
    bool noscript = reply->type == REDIS_REPLY_ERROR && strncmp(reply->str, "NOSCRIPT", 8) == 0;
    limit->up = reply->type != REDIS_REPLY_ERROR || noscript;
    return noscript;
}

/* ---- lease returns ------------------------------------------------------------ */

static void
s_on_return(redisAsyncContext *ac, void *r, void *privdata)
{
    s_ret_t *ret = privdata;
    edge_limit_t *limit = ret->limit;
    if (s_note_reply(limit, ac, r) && !ret->evaled) {
        ret->evaled = true;
        if (s_send(limit, s_on_return, ret, &ret->call, true) == 0) {
            return;
        }
    }
    limit->returns_in_flight--;
    free(ret);
}

/* Sends a return call (best effort: when Redis is unreachable the slots stay
 * counted there until the lease's end plus a window). */
static void
s_return(edge_limit_t *limit, const cb_inbound_call_t *call)
{
    if (call->nargs == 0) {
        return;
    }
    s_ret_t *ret = malloc(sizeof *ret);
    if (ret == NULL) {
        return;
    }
    ret->limit = limit;
    ret->call = *call;
    ret->evaled = false;
    if (s_send(limit, s_on_return, ret, &ret->call, false) != 0) {
        free(ret);
        return;
    }
    limit->returns_in_flight++;
}

/* Returns ended leases (every lease when all), in batches. */
static void
s_return_leases(edge_limit_t *limit, bool all)
{
    cb_inbound_call_t *calls = malloc(S_RETURNS_BATCH * sizeof *calls);
    if (calls == NULL) {
        return;
    }
    size_t n;
    do {
        n = cb_inbound_core_returns(limit->core, all, calls, S_RETURNS_BATCH);
        for (size_t i = 0; i < n; i++) {
            s_return(limit, &calls[i]);
        }
    } while (n == S_RETURNS_BATCH);
    free(calls);
}

/* ---- decisions ------------------------------------------------------------------ */

static void
s_deliver(edge_limit_t *limit, s_waiter_t *w, const cb_inbound_decision_t *d)
{
    if (!d->allowed) {
        limit->rejections++;
    }
    edge_limit_done_fn done = w->done;
    void *ctx = w->ctx;
    free(w);
    done(ctx, d);
}

static s_waiter_t *
s_pop(s_req_t *req)
{
    s_waiter_t *w = req->head;
    if (w != NULL) {
        req->head = w->next;
        if (req->head == NULL) {
            req->tail = NULL;
        }
    }
    return w;
}

static void
s_req_free(edge_limit_t *limit, s_req_t *req)
{
    if (zhashx_lookup(limit->reqs, req->client) == req) {
        zhashx_delete(limit->reqs, req->client);
    }
    cb_httpd_timer_destroy(&req->timer);
    for (s_waiter_t *w = s_pop(req); w != NULL; w = s_pop(req)) {
        free(w);
    }
    free(req);
}

static void
s_on_lease(redisAsyncContext *ac, void *r, void *privdata);
static void
s_on_timeout(void *ctx);

/* Sends req's lease call with its timeout. 0 or CB_E_UNAVAILABLE. */
static int
s_lease(edge_limit_t *limit, s_req_t *req)
{
    req->evaled = false;
    int rc = s_send(limit, s_on_lease, req, &req->call, false);
    if (rc == 0) {
        req->timer = cb_httpd_timer_new(limit->httpd, S_TIMEOUT_MS, 0, s_on_timeout, req);
    }
    return rc;
}

/* Decides req's waiters in order: from the core while Redis answers (rc ==
 * 0), sending one more lease call when the last one is spent (the rest then
 * wait for it); by the fallback otherwise. Frees req when none waits. A done
 * callback may check again (its call joins the queue) or cancel. */
static void
s_drain(edge_limit_t *limit, s_req_t *req, int rc)
{
    s_waiter_t *w;
    while ((w = req->head) != NULL) {
        cb_inbound_decision_t d;
        if (rc == 0) {
            cb_inbound_call_t ret;
            if (cb_inbound_core_check(limit->core, req->client, &d, &ret, &req->call) == 0) {
                s_return(limit, &ret);
                req->prefetch = false; /* decisions wait for this one */
                rc = s_lease(limit, req);
                if (rc == 0) {
                    return;
                }
            }
        }
        if (rc != 0) {
            cb_inbound_core_fallback(limit->core, req->client, rc, &d);
        }
        s_deliver(limit, s_pop(req), &d);
    }
    s_req_free(limit, req);
}

static void
s_on_lease(redisAsyncContext *ac, void *r, void *privdata)
{
    s_req_t *req = privdata;
    edge_limit_t *limit = req->limit;
    const redisReply *reply = r;
    if (s_note_reply(limit, ac, reply) && !req->evaled) {
        req->evaled = true;
        if (s_send(limit, s_on_lease, req, &req->call, true) == 0) {
            return;
        }
        reply = NULL;
    }
    int rc = reply != NULL ? 0 : CB_E_UNAVAILABLE;
    if (req->stalled) {
        /* Its waiters were decided by the fallback; keep a late lease. */
        if (rc == 0) {
            cb_inbound_core_leased(limit->core, req->client, &req->call, reply, NULL);
        }
        limit->stalled--;
        s_req_free(limit, req);
        return;
    }
    cb_httpd_timer_destroy(&req->timer);
    s_waiter_t *w = s_pop(req);
    cb_inbound_decision_t d;
    if (rc == 0) {
        rc = cb_inbound_core_leased(limit->core, req->client, &req->call, reply,
                                    w != NULL ? &d : NULL);
    }
    if (w != NULL) {
        if (rc != 0) {
            cb_inbound_core_fallback(limit->core, req->client, rc, &d);
        }
        s_deliver(limit, w, &d);
    }
    s_drain(limit, req, rc);
}

static void
s_on_timeout(void *ctx)
{
    s_req_t *req = ctx;
    edge_limit_t *limit = req->limit;
    cb_httpd_timer_destroy(&req->timer);
    req->stalled = true;
    if (limit->stalled++ == 0) {
        limit->stalled_since_ms = s_now_ms();
    }
    limit->up = false;
    for (s_waiter_t *w = s_pop(req); w != NULL; w = s_pop(req)) {
        cb_inbound_decision_t d;
        cb_inbound_core_fallback(limit->core, req->client, CB_E_TIMEOUT, &d);
        s_deliver(limit, w, &d);
    }
}

/* The periodic work: ended leases go back, idle clients are forgotten, and a
 * connection stalled too long is dropped (its stalled calls fail) and made
 * again. */
static void
s_housekeeping(void *ctx)
{
    edge_limit_t *limit = ctx;
    s_return_leases(limit, false);
    cb_inbound_core_forget_idle(limit->core, 65536);
    if (limit->stalled > 0 && limit->ac != NULL &&
        s_now_ms() - limit->stalled_since_ms >= S_STALL_DROP_MS) {
        redisAsyncContext *ac = limit->ac;
        edge_limit_conn_gone(limit, ac, "no answer");
        redisAsyncFree(ac);
        edge_cluster_drop(limit->cluster);
    }
}

/* ---- public ---------------------------------------------------------------------- */

edge_limit_t *
edge_limit_new(cb_httpd_t *httpd, const char *redis_url, cb_inbound_config_t config)
{
    edge_limit_t *limit = calloc(1, sizeof *limit);
    if (limit == NULL) {
        return NULL;
    }
    limit->httpd = httpd;
    if (cb_redis_url_parse(redis_url != NULL ? redis_url : "", &limit->url) != 0) {
        cb_log_error("edge_limit_config", "error=\"bad Redis URL\"");
        goto fail_url;
    }
    limit->core = cb_inbound_core_new(config);
    if (limit->core == NULL) {
        goto fail_core;
    }
    limit->reqs = zhashx_new();
    if (limit->reqs == NULL) {
        goto fail_reqs;
    }
    limit->cluster = edge_cluster_new(httpd, &limit->url, edge_limit_conn_seed, limit);
    if (limit->cluster == NULL) {
        goto fail_cluster;
    }
    int64_t period = config.lease_ms / 2;
    period = period < 50 ? 50 : period > 1000 ? 1000 : period;
    limit->housekeeping = cb_httpd_timer_new(httpd, period, period, s_housekeeping, limit);
    if (limit->housekeeping == NULL) {
        goto fail_timer;
    }
    cb_backoff_init(&limit->backoff, 50, 5000, 0);
    edge_limit_conn_start(limit);
    return limit;

fail_timer:
    edge_cluster_destroy(&limit->cluster);
fail_cluster:
    zhashx_destroy(&limit->reqs);
fail_reqs:
    cb_inbound_core_destroy(&limit->core);
fail_core:
fail_url:
    cb_redis_url_fini(&limit->url);
    free(limit);
    return NULL;
}

/* Nothing in flight: no lease call, no return. */
static bool
s_idle(void *ctx)
{
    edge_limit_t *limit = ctx;
    return limit->returns_in_flight == 0 && zhashx_size(limit->reqs) == 0;
}

/* Waits up to timeout_ms for what is in flight on the URL's node and on
 * the other nodes, without running the rest of the loop. */
static void
s_flush(edge_limit_t *limit, int timeout_ms)
{
    redisAsyncContext **conns[1 + EDGE_CLUSTER_NODES_MAX];
    conns[0] = &limit->ac;
    size_t n = 1 + edge_cluster_conns(limit->cluster, conns + 1, EDGE_CLUSTER_NODES_MAX);
    edge_redis_flush(conns, n, timeout_ms, s_idle, limit);
}

void
edge_limit_destroy(edge_limit_t **limit_p)
{
    if (limit_p == NULL || *limit_p == NULL) {
        return;
    }
    edge_limit_t *limit = *limit_p;
    limit->closing = true;
    /* Every waiting decision gets its answer, from the fallback. */
    for (s_req_t *req = zhashx_first(limit->reqs); req != NULL; req = zhashx_next(limit->reqs)) {
        for (s_waiter_t *w = s_pop(req); w != NULL; w = s_pop(req)) {
            cb_inbound_decision_t d;
            cb_inbound_core_fallback(limit->core, req->client, CB_E_UNAVAILABLE, &d);
            s_deliver(limit, w, &d);
        }
    }
    /* Lease calls in flight end first (their leases are returned too). */
    s_flush(limit, S_DESTROY_WAIT_MS / 2);
    s_return_leases(limit, true);
    s_flush(limit, S_DESTROY_WAIT_MS);
    cb_httpd_timer_destroy(&limit->housekeeping);
    cb_httpd_timer_destroy(&limit->reconnect);
    if (limit->ac != NULL) {
        /* Fails what is still in flight (freeing its s_req_t and s_ret_t). */
        redisAsyncContext *ac = limit->ac;
        edge_limit_conn_gone(limit, ac, "closing");
        redisAsyncFree(ac);
    }
    edge_cluster_destroy(&limit->cluster);
    for (s_req_t *req = zhashx_first(limit->reqs); req != NULL; req = zhashx_first(limit->reqs)) {
        s_req_free(limit, req);
    }
    zhashx_destroy(&limit->reqs);
    cb_inbound_core_destroy(&limit->core);
    cb_redis_url_fini(&limit->url);
    free(limit);
    *limit_p = NULL;
}

/* Queues done(ctx) behind req's lease call. 0 or CB_E_NOMEM. */
static int
s_wait(s_req_t *req, edge_limit_done_fn done, void *ctx)
{
    s_waiter_t *w = calloc(1, sizeof *w);
    if (w == NULL) {
        return CB_E_NOMEM;
    }
    w->done = done;
    w->ctx = ctx;
    if (req->tail != NULL) {
        req->tail->next = w;
    } else {
        req->head = w;
    }
    req->tail = w;
    return 0;
}

/* Sends client's lease call with done(ctx) as its first waiter. 0, or an
 * error (nothing waits then). */
static int
s_start(edge_limit_t *limit, const char *client, const cb_inbound_call_t *lease,
        edge_limit_done_fn done, void *ctx)
{
    s_req_t *req = calloc(1, sizeof *req);
    if (req == NULL) {
        return CB_E_NOMEM;
    }
    req->limit = limit;
    snprintf(req->client, sizeof req->client, "%s", client);
    req->call = *lease;
    int rc = s_wait(req, done, ctx);
    if (rc == 0) {
        rc = s_lease(limit, req);
    }
    if (rc != 0) {
        s_req_free(limit, req);
        return rc;
    }
    zhashx_insert(limit->reqs, req->client, req);
    return 0;
}

/* Sends client's next lease call ahead of need when the core asks for one
 * (cb_inbound_core_prefetch): no decision waits for it unless the current
 * lease is spent before it comes. Best effort. */
static void
s_prefetch(edge_limit_t *limit, const char *client)
{
    cb_inbound_call_t call;
    if (limit->stalled > 0 || cb_inbound_core_prefetch(limit->core, client, &call) == 0) {
        return;
    }
    s_req_t *req = calloc(1, sizeof *req);
    if (req == NULL) {
        return;
    }
    req->limit = limit;
    req->prefetch = true;
    cb_str_copy(req->client, sizeof req->client, client);
    req->call = call;
    if (s_lease(limit, req) != 0) {
        s_req_free(limit, req);
        return;
    }
    zhashx_insert(limit->reqs, req->client, req);
}

int
edge_limit_check(edge_limit_t *limit, const char *client, cb_inbound_decision_t *out,
                 edge_limit_done_fn done, void *ctx)
{
    assert(limit != NULL && out != NULL && done != NULL);
    char name[CB_INBOUND_CLIENT_MAX + 1];
    cb_str_copy(name, sizeof name, client != NULL ? client : "");
    int rc;
    s_req_t *req = zhashx_lookup(limit->reqs, name);
    if (limit->closing) {
        rc = CB_E_UNAVAILABLE;
    } else if (req != NULL && !req->prefetch) {
        rc = req->stalled ? CB_E_TIMEOUT : s_wait(req, done, ctx);
    } else {
        cb_inbound_call_t ret;
        cb_inbound_call_t lease;
        if (cb_inbound_core_check(limit->core, name, out, &ret, &lease) == 1) {
            limit->rejections += !out->allowed;
            if (req == NULL) {
                s_prefetch(limit, name);
            }
            return 1;
        }
        s_return(limit, &ret);
        if (req != NULL) {
            /* The current lease is spent before the next one came: wait for it. */
            rc = req->stalled ? CB_E_TIMEOUT : s_wait(req, done, ctx);
        } else {
            rc = limit->stalled > 0 ? CB_E_TIMEOUT : s_start(limit, name, &lease, done, ctx);
        }
    }
    if (rc == 0) {
        limit->waits++;
        return 0;
    }
    cb_inbound_core_fallback(limit->core, name, rc, out);
    limit->rejections += !out->allowed;
    return 1;
}

void
edge_limit_cancel(edge_limit_t *limit, edge_limit_done_fn done, void *ctx)
{
    for (s_req_t *req = zhashx_first(limit->reqs); req != NULL; req = zhashx_next(limit->reqs)) {
        s_waiter_t *prev = NULL;
        s_waiter_t *w = req->head;
        while (w != NULL) {
            s_waiter_t *next = w->next;
            if (w->done == done && w->ctx == ctx) {
                if (prev != NULL) {
                    prev->next = next;
                } else {
                    req->head = next;
                }
                if (req->tail == w) {
                    req->tail = prev;
                }
                free(w);
            } else {
                prev = w;
            }
            w = next;
        }
    }
}

bool
edge_limit_redis_up(const edge_limit_t *limit)
{
    return limit->up;
}

int
edge_limit_send(edge_limit_t *limit, redisCallbackFn *fn, void *privdata, int argc,
                const char **argv, const size_t *lens)
{
    if (limit->closing) {
        return CB_E_UNAVAILABLE;
    }
    return edge_cluster_send(limit->cluster, fn, privdata, argc, argv, lens);
}

uint64_t
edge_limit_rejections(const edge_limit_t *limit)
{
    return limit->rejections;
}

uint64_t
edge_limit_redis_calls(const edge_limit_t *limit)
{
    return limit->redis_calls;
}

uint64_t
edge_limit_waits(const edge_limit_t *limit)
{
    return limit->waits;
}
