/* cb_inbound_core.c - cb_inbound's decisions without a transport: leases, fallback, returns */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cb_bus.h"
#include "cb_error.h"
#include "cb_inbound_core.h"
#include "cb_log.h"
#include "cb_str.h"
#include "cb_time.h"

#define S_LOCAL_MAX 4096 /* most fallback calls per client and window */
/* A busy client's leases grow to this many times lease_size (within a
 * quarter of a replica's share): at 8 x 1024 a client at 60,000 calls/s
 * waits for Redis about 7 times a second, not 230 (at 8 x 32, 15% of its
 * calls waited for a round trip in bench_edge). */
#define S_LEASE_GROWTH 1024
#define S_PREFETCH_LOST_MS 1000 /* a prefetch unanswered this long is given up */

/* One client's state in this replica. */
typedef struct {
    char lease_id[48];   /* as cb_inbound_call_t.arg */
    int64_t lease_count; /* slots granted */
    int64_t lease_used;
    int64_t lease_end_ms; /* monotonic */
    int64_t want;         /* the next lease's size (0: not sized yet) */
    int64_t remaining;    /* Redis's view at the last lease */
    int64_t reset_at_ms;  /* monotonic */
    int64_t denied_until_ms;
    /* The next lease, fetched while this one is being spent
     * (cb_inbound_core_prefetch): used when this one is spent, if it has
     * not ended by then. next_count 0: none held. */
    char next_id[48];
    int64_t next_count;
    int64_t next_remaining;
    int64_t next_reset_at_ms;
    int64_t next_end_ms;
    char prefetch_id[48];     /* the prefetch in flight ("" none) */
    int64_t prefetch_at_ms;   /* when it was asked (a lost one is given up) */
    int64_t prefetch_after_ms; /* a refused prefetch: none asked before then */
    /* Fallback sliding window (Redis down): ring of the last share call
     * times (allocated at the first fallback decision). */
    int64_t *local;
    size_t local_head;
    size_t local_count;
} s_client_t;

struct cb_inbound_core {
    cb_inbound_config_t config;
    size_t share; /* the fallback's limit: limit / expected_replicas, 1..S_LOCAL_MAX */
    cb_script_t script;
    zhashx_t *clients;
    char replica_id[17];
    uint64_t lease_counter;
    bool degraded_logged;
};

static void
s_client_free(void **item)
{
    s_client_t *c = *item;
    if (c != NULL) {
        free(c->local);
        free(c);
    }
    *item = NULL;
}

cb_inbound_core_t *
cb_inbound_core_new(cb_inbound_config_t config)
{
    if (config.limit < 1 || config.window_ms < 1 || config.lease_size < 1 || config.lease_ms < 1 ||
        config.expected_replicas < 1) {
        return NULL;
    }
    cb_inbound_core_t *core = calloc(1, sizeof *core);
    if (core == NULL) {
        return NULL;
    }
    core->config = config;
    int64_t share = config.limit / config.expected_replicas;
    core->share = share < 1 ? 1 : share > S_LOCAL_MAX ? S_LOCAL_MAX : (size_t) share;
    core->clients = zhashx_new();
    if (core->clients == NULL || cb_script_init(&core->script, "inbound") != 0) {
        zhashx_destroy(&core->clients);
        free(core);
        return NULL;
    }
    zhashx_set_destructor(core->clients, s_client_free);
    cb_bus_random_hex(core->replica_id, 16);
    return core;
}

void
cb_inbound_core_destroy(cb_inbound_core_t **core_p)
{
    if (core_p == NULL || *core_p == NULL) {
        return;
    }
    zhashx_destroy(&(*core_p)->clients);
    free(*core_p);
    *core_p = NULL;
}

const cb_script_t *
cb_inbound_core_script(const cb_inbound_core_t *core)
{
    return &core->script;
}

int
cb_inbound_call_argv(const cb_inbound_core_t *core, const cb_inbound_call_t *call, bool eval,
                     char *numkeys, const char **argv, size_t *lens)
{
    const char *keys[2] = {call->key[0], call->key[1]};
    const char *args[7];
    for (int i = 0; i < call->nargs && i < 7; i++) {
        args[i] = call->arg[i];
    }
    return cb_script_argv(&core->script, eval, 2, keys, call->nargs, args, numkeys, argv, lens);
}

static int64_t
s_now_ms(void)
{
    return cb_time_mono_ns() / 1000000;
}

/* The client's state (created when absent), or NULL on no memory. name is
 * at most CB_INBOUND_CLIENT_MAX bytes. */
static s_client_t *
s_client(cb_inbound_core_t *core, const char *name)
{
    s_client_t *c = zhashx_lookup(core->clients, name);
    if (c == NULL) {
        c = calloc(1, sizeof *c);
        if (c != NULL) {
            zhashx_insert(core->clients, name, c);
        }
    }
    return c;
}

/* The script call op for client: the keys (its lease set and running total,
 * coinbus:ratelimit:inbound:{<client>}[:total], one Redis Cluster slot), the
 * config and lease_id. */
static void
s_call(const cb_inbound_core_t *core, const char *client, const char *op, const char *lease_id,
       cb_inbound_call_t *call)
{
    snprintf(call->key[0], sizeof call->key[0], "coinbus:ratelimit:inbound:{%s}", client);
    snprintf(call->key[1], sizeof call->key[1], "coinbus:ratelimit:inbound:{%s}:total", client);
    snprintf(call->arg[0], sizeof call->arg[0], "%s", op);
    snprintf(call->arg[1], sizeof call->arg[1], "%" PRId64, core->config.limit);
    snprintf(call->arg[2], sizeof call->arg[2], "%" PRId64, core->config.window_ms);
    snprintf(call->arg[3], sizeof call->arg[3], "%" PRId64, core->config.lease_ms);
    snprintf(call->arg[4], sizeof call->arg[4], "%s", lease_id);
    call->nargs = 5;
}

/* The return call of lease id of client, used of its count slots spent. */
static void
s_return_of(const cb_inbound_core_t *core, const char *client, const char *id, int64_t used,
            int64_t count, cb_inbound_call_t *call)
{
    s_call(core, client, "return", id, call);
    snprintf(call->arg[5], sizeof call->arg[5], "%" PRId64, used);
    snprintf(call->arg[6], sizeof call->arg[6], "%" PRId64, count);
    call->nargs = 7;
}

/* The return of c's lease (its unused part goes back), and forgets it here. */
static void
s_return_call(const cb_inbound_core_t *core, const char *client, s_client_t *c,
              cb_inbound_call_t *call)
{
    s_return_of(core, client, c->lease_id, c->lease_used, c->lease_count, call);
    /* If Redis is unreachable the lease simply stays counted until its end
     * plus a window: never an over-admission, only a bounded under-one. */
    c->lease_count = 0;
    c->lease_used = 0;
}

/* The first lease of a client: lease_size, but small slices when the
 * budget is small (at most a quarter of a replica's share), so that
 * replicas share it. */
static int64_t
s_lease_base(const cb_inbound_core_t *core)
{
    int64_t fair = core->config.limit / (4 * core->config.expected_replicas);
    fair = fair < 1 ? 1 : fair;
    return core->config.lease_size < fair ? core->config.lease_size : fair;
}

/* The largest lease: S_LEASE_GROWTH x lease_size, within the same fair share. */
static int64_t
s_lease_max(const cb_inbound_core_t *core)
{
    int64_t fair = core->config.limit / (4 * core->config.expected_replicas);
    int64_t most = (int64_t) core->config.lease_size * S_LEASE_GROWTH;
    most = most < fair ? most : fair;
    int64_t base = s_lease_base(core);
    return most > base ? most : base;
}

/* Sizes c's next lease from how its current one ended: spent before its end
 * (a busy client: each lease cost a Redis round trip that its calls waited
 * for) doubles it, up to s_lease_max; ended with slots unused (they were
 * held from other replicas for nothing) halves it, down to s_lease_base. */
static void
s_resize(const cb_inbound_core_t *core, s_client_t *c, int64_t now)
{
    if (c->lease_used >= c->lease_count && now < c->lease_end_ms) {
        int64_t most = s_lease_max(core);
        c->want = c->want * 2 < most ? c->want * 2 : most;
    } else if (c->lease_used < c->lease_count) {
        int64_t base = s_lease_base(core);
        c->want = c->want / 2 > base ? c->want / 2 : base;
    }
}

/* Spends one slot of c's lease. */
static void
s_spend(s_client_t *c, int64_t now, cb_inbound_decision_t *out)
{
    c->lease_used++;
    out->allowed = true;
    out->remaining = c->remaining + (c->lease_count - c->lease_used);
    out->reset_ms = c->reset_at_ms > now ? c->reset_at_ms - now : 0;
}

/* The next lease becomes the current one (its end still ahead). */
static void
s_take_next(s_client_t *c)
{
    memcpy(c->lease_id, c->next_id, sizeof c->lease_id);
    c->lease_count = c->next_count;
    c->lease_used = 0;
    c->remaining = c->next_remaining;
    c->reset_at_ms = c->next_reset_at_ms;
    c->lease_end_ms = c->next_end_ms;
    c->next_count = 0;
}

/* A new lease call of client for want slots, into lease. */
static void
s_lease_call(cb_inbound_core_t *core, const char *name, int64_t want, cb_inbound_call_t *lease)
{
    char id[48]; /* as cb_inbound_call_t.arg */
    snprintf(id, sizeof id, "%s-%" PRIu64, core->replica_id, ++core->lease_counter);
    s_call(core, name, "lease", id, lease);
    snprintf(lease->arg[5], sizeof lease->arg[5], "%" PRId64, want);
    lease->nargs = 6;
}

int
cb_inbound_core_check(cb_inbound_core_t *core, const char *client, cb_inbound_decision_t *out,
                      cb_inbound_call_t *ret, cb_inbound_call_t *lease)
{
    memset(out, 0, sizeof *out);
    out->limit = core->config.limit;
    ret->nargs = 0;
    lease->nargs = 0;
    char name[CB_INBOUND_CLIENT_MAX + 1];
    cb_str_copy(name, sizeof name, client != NULL ? client : "");
    s_client_t *c = s_client(core, name);
    if (c == NULL) {
        out->retry_after_ms = 1000;
        return 1;
    }
    int64_t now = s_now_ms();
    if (c->denied_until_ms > now) {
        /* Redis said no until then: refusing locally is always safe. */
        out->retry_after_ms = c->denied_until_ms - now;
        out->reset_ms = c->reset_at_ms > now ? c->reset_at_ms - now : 0;
        return 1;
    }
    if (c->lease_count > 0 && (c->lease_used >= c->lease_count || now >= c->lease_end_ms)) {
        s_resize(core, c, now);
        s_return_call(core, name, c, ret);
    }
    if (c->lease_count == 0 && c->next_count > 0 && now < c->next_end_ms) {
        s_take_next(c);
    }
    if (c->lease_count > 0) {
        s_spend(c, now, out);
        return 1;
    }
    if (c->want == 0) {
        c->want = s_lease_base(core);
    }
    s_lease_call(core, name, c->want, lease);
    return 0;
}

/* Whether c's prefetch is in flight at now (one unanswered for
 * S_PREFETCH_LOST_MS is lost: its reply, an error or no send at all). */
static bool
s_prefetch_pending(const s_client_t *c, int64_t now)
{
    return c->prefetch_id[0] != '\0' && now - c->prefetch_at_ms < S_PREFETCH_LOST_MS;
}

int
cb_inbound_core_prefetch(cb_inbound_core_t *core, const char *client, cb_inbound_call_t *lease)
{
    lease->nargs = 0;
    char name[CB_INBOUND_CLIENT_MAX + 1];
    cb_str_copy(name, sizeof name, client != NULL ? client : "");
    s_client_t *c = zhashx_lookup(core->clients, name);
    int64_t now = s_now_ms();
    if (c == NULL || c->lease_count == 0 || c->next_count > 0 ||
        c->lease_used * 2 < c->lease_count || now >= c->lease_end_ms ||
        now < c->prefetch_after_ms || s_prefetch_pending(c, now)) {
        return 0;
    }
    /* Half spent before its end: this client is busy, the next lease is
     * sized as s_resize will size it, but the slots held unused here (the
     * current lease's rest and the next lease) never pass s_lease_max: the
     * under-admission bound of cb_inbound.h holds with two leases too. */
    int64_t most = s_lease_max(core);
    int64_t want = c->want * 2 < most ? c->want * 2 : most;
    int64_t room = most - (c->lease_count - c->lease_used);
    want = want < room ? want : room;
    if (want < 1) {
        return 0;
    }
    s_lease_call(core, name, want, lease);
    cb_str_copy(c->prefetch_id, sizeof c->prefetch_id, lease->arg[4]);
    c->prefetch_at_ms = now;
    return 1;
}

/* Whether reply is the lease op's {granted, remaining, reset_ms, retry_after_ms}. */
static bool
s_lease_reply_ok(const redisReply *reply)
{
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 4) {
        return false;
    }
    for (size_t i = 0; i < 4; i++) {
        if (reply->element[i]->type != REDIS_REPLY_INTEGER) {
            return false;
        }
    }
    return true;
}

int
cb_inbound_core_leased(cb_inbound_core_t *core, const char *client, const cb_inbound_call_t *lease,
                       const redisReply *reply, cb_inbound_decision_t *out)
{
    if (!s_lease_reply_ok(reply)) {
        if (!core->degraded_logged) {
            cb_log_error("inbound_script_failed", "error=\"%s\"",
                         reply != NULL && reply->type == REDIS_REPLY_ERROR ? reply->str
                                                                           : "unexpected reply");
        }
        return CB_E_INTERNAL;
    }
    char name[CB_INBOUND_CLIENT_MAX + 1];
    cb_str_copy(name, sizeof name, client != NULL ? client : "");
    s_client_t *c = s_client(core, name);
    if (c == NULL) {
        return CB_E_NOMEM;
    }
    if (core->degraded_logged) {
        cb_log_info("inbound_recovered", "");
        core->degraded_logged = false;
    }
    int64_t now = s_now_ms();
    bool prefetched = c->prefetch_id[0] != '\0' && strcmp(c->prefetch_id, lease->arg[4]) == 0;
    if (prefetched) {
        c->prefetch_id[0] = '\0';
    }
    if (prefetched && c->lease_count > 0 && out == NULL) {
        /* Kept for when the current lease is spent (check returns that one
         * first). A refusal is not kept (the lease call after the current
         * lease asks again), but no prefetch is asked before Redis's retry
         * time: a client at its limit would otherwise ask on every request. */
        if (reply->element[0]->integer > 0) {
            cb_str_copy(c->next_id, sizeof c->next_id, lease->arg[4]);
            c->next_count = reply->element[0]->integer;
            c->next_remaining = reply->element[1]->integer;
            c->next_reset_at_ms = now + reply->element[2]->integer;
            c->next_end_ms = now + core->config.lease_ms;
        } else {
            c->prefetch_after_ms = now + reply->element[3]->integer;
        }
        return 0;
    }
    snprintf(c->lease_id, sizeof c->lease_id, "%s", lease->arg[4]);
    c->lease_count = reply->element[0]->integer;
    c->lease_used = 0;
    c->remaining = reply->element[1]->integer;
    c->reset_at_ms = now + reply->element[2]->integer;
    c->lease_end_ms = now + core->config.lease_ms;
    if (c->lease_count == 0) {
        c->denied_until_ms = now + reply->element[3]->integer;
    }
    if (out == NULL) {
        return 0;
    }
    memset(out, 0, sizeof *out);
    out->limit = core->config.limit;
    if (c->lease_count == 0) {
        out->retry_after_ms = reply->element[3]->integer;
        out->reset_ms = c->reset_at_ms > now ? c->reset_at_ms - now : 0;
        return 0;
    }
    s_spend(c, now, out);
    return 0;
}

/* The i-th newest call time of c's fallback window (0: the newest). */
static int64_t
s_local_at(const cb_inbound_core_t *core, const s_client_t *c, size_t i)
{
    return c->local[(c->local_head + core->share - 1 - i) % core->share];
}

void
cb_inbound_core_fallback(cb_inbound_core_t *core, const char *client, int reason,
                         cb_inbound_decision_t *out)
{
    int64_t share = (int64_t) core->share;
    if (!core->degraded_logged) {
        cb_log_warn("inbound_degraded", "reason=\"%s\" local_limit=%lld", cb_strerror(reason),
                    (long long) share);
        core->degraded_logged = true;
    }
    memset(out, 0, sizeof *out);
    out->degraded = true;
    out->limit = share;
    char name[CB_INBOUND_CLIENT_MAX + 1];
    cb_str_copy(name, sizeof name, client != NULL ? client : "");
    s_client_t *c = s_client(core, name);
    if (c != NULL && c->local == NULL) {
        c->local = calloc(core->share, sizeof *c->local);
    }
    if (c == NULL || c->local == NULL) {
        out->retry_after_ms = 1000;
        return;
    }
    int64_t now = s_now_ms();
    while (c->local_count > 0 &&
           s_local_at(core, c, c->local_count - 1) <= now - core->config.window_ms) {
        c->local_count--;
    }
    if ((int64_t) c->local_count < share) {
        c->local[c->local_head] = now;
        c->local_head = (c->local_head + 1) % core->share;
        c->local_count++;
        out->allowed = true;
        out->remaining = share - (int64_t) c->local_count;
        out->reset_ms = s_local_at(core, c, c->local_count - 1) + core->config.window_ms - now;
    } else {
        out->allowed = false;
        out->remaining = 0;
        out->retry_after_ms =
            s_local_at(core, c, c->local_count - 1) + core->config.window_ms - now;
        out->reset_ms = out->retry_after_ms;
    }
}

size_t
cb_inbound_core_returns(cb_inbound_core_t *core, bool all, cb_inbound_call_t *calls, size_t max)
{
    int64_t now = s_now_ms();
    size_t n = 0;
    for (s_client_t *c = zhashx_first(core->clients); c != NULL && n < max;
         c = zhashx_next(core->clients)) {
        if (c->next_count > 0 && (all || now >= c->next_end_ms) && n < max) {
            /* Ended before it was needed: all of it goes back. */
            s_return_of(core, zhashx_cursor(core->clients), c->next_id, 0, c->next_count,
                        &calls[n++]);
            c->next_count = 0;
        }
        if (c->lease_count == 0 || (!all && now < c->lease_end_ms) || n == max) {
            continue;
        }
        s_resize(core, c, now);
        s_return_call(core, zhashx_cursor(core->clients), c, &calls[n++]);
    }
    return n;
}

/* Whether c has nothing left to remember at now. */
static bool
s_client_idle(const cb_inbound_core_t *core, const s_client_t *c, int64_t now)
{
    if (c->lease_count > 0 || c->next_count > 0 || s_prefetch_pending(c, now) ||
        c->denied_until_ms > now) {
        return false;
    }
    if (c->local_count == 0) {
        return true;
    }
    return s_local_at(core, c, 0) <= now - core->config.window_ms;
}

size_t
cb_inbound_core_forget_idle(cb_inbound_core_t *core, size_t max)
{
    int64_t now = s_now_ms();
    zlist_t *idle = zlist_new();
    if (idle == NULL) {
        return 0;
    }
    zlist_autofree(idle);
    for (s_client_t *c = zhashx_first(core->clients); c != NULL && zlist_size(idle) < max;
         c = zhashx_next(core->clients)) {
        if (s_client_idle(core, c, now)) {
            zlist_append(idle, (void *) zhashx_cursor(core->clients));
        }
    }
    size_t n = 0;
    for (const char *name = zlist_first(idle); name != NULL; name = zlist_next(idle)) {
        zhashx_delete(core->clients, name);
        n++;
    }
    zlist_destroy(&idle);
    return n;
}
