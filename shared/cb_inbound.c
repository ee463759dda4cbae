/* cb_inbound.c - api-edge's per-client limit (N calls per sliding window), exact across replicas */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cb_bus.h"
#include "cb_error.h"
#include "cb_inbound.h"
#include "cb_log.h"
#include "cb_script.h"
#include "cb_time.h"

#define S_CLIENT_MAX 128
#define S_LOCAL_MAX 4096 /* fallback timestamps kept per client */

/* One client's state in this replica. */
typedef struct {
    char lease_id[48];
    int64_t lease_count; /* slots granted */
    int64_t lease_used;
    int64_t lease_end_ms; /* monotonic */
    int64_t remaining;    /* Redis's view at the last lease */
    int64_t reset_at_ms;  /* monotonic */
    int64_t denied_until_ms;
    /* Fallback sliding window (Redis down): ring of call times. */
    int64_t *local;
    size_t local_head;
    size_t local_count;
} s_client_t;

struct cb_inbound {
    cb_redis_t *redis;
    cb_inbound_config_t config;
    cb_script_t script;
    zhashx_t *clients;
    char replica_id[17];
    uint64_t lease_counter;
    uint64_t redis_calls;
    bool degraded_logged;
};

cb_inbound_config_t
cb_inbound_defaults(void)
{
    cb_inbound_config_t c = {100, 60000, 8, 1000, 1};
    return c;
}

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

cb_inbound_t *
cb_inbound_new(cb_redis_t *redis, cb_inbound_config_t config)
{
    if (config.limit < 1 || config.window_ms < 1 || config.lease_size < 1 ||
        config.lease_ms < 1 || config.expected_replicas < 1) {
        return NULL;
    }
    cb_inbound_t *in = calloc(1, sizeof *in);
    if (in == NULL) {
        return NULL;
    }
    in->redis = redis;
    in->config = config;
    in->clients = zhashx_new();
    if (in->clients == NULL || cb_script_init(&in->script, "inbound") != 0) {
        zhashx_destroy(&in->clients);
        free(in);
        return NULL;
    }
    zhashx_set_destructor(in->clients, s_client_free);
    cb_bus_random_hex(in->replica_id, 16);
    return in;
}

/* The client's lease set and its running total (coinbus:ratelimit:inbound:<client>[:total]). */
static void
s_budget_keys(char (*keys)[256], const char *client)
{
    snprintf(keys[0], 256, "coinbus:ratelimit:inbound:%s", client);
    snprintf(keys[1], 256, "coinbus:ratelimit:inbound:%s:total", client);
}

/* The keys and arguments of the script's 'return' op for c's lease. */
typedef struct {
    char key[2][256];
    char num[5][24];
    const char *keys[2];
    const char *args[7];
} s_return_call_t;

static void
s_return_call(const cb_inbound_t *in, const char *client, const s_client_t *c,
              s_return_call_t *call)
{
    s_budget_keys(call->key, client);
    snprintf(call->num[0], 24, "%" PRId64, in->config.limit);
    snprintf(call->num[1], 24, "%" PRId64, in->config.window_ms);
    snprintf(call->num[2], 24, "%" PRId64, in->config.lease_ms);
    snprintf(call->num[3], 24, "%" PRId64, c->lease_used);
    snprintf(call->num[4], 24, "%" PRId64, c->lease_count);
    call->keys[0] = call->key[0];
    call->keys[1] = call->key[1];
    const char *args[7] = {"return",    call->num[0], call->num[1], call->num[2],
                           c->lease_id, call->num[3], call->num[4]};
    memcpy(call->args, args, sizeof args);
}

/* Returns the unused part of c's lease (if any) to Redis. */
static void
s_return_lease(cb_inbound_t *in, const char *client, s_client_t *c)
{
    if (c->lease_count == 0) {
        return;
    }
    s_return_call_t call;
    s_return_call(in, client, c, &call);
    const char *const *keys = call.keys;
    const char *const *args = call.args;
    int err;
    in->redis_calls++;
    redisReply *reply = cb_script_run(in->redis, &in->script, &err, 2, keys, 7, args);
    if (reply != NULL) {
        freeReplyObject(reply);
    }
    /* If Redis is unreachable the lease simply stays counted until its end
     * plus a window: never an over-admission, only a bounded under-one. */
    c->lease_count = 0;
    c->lease_used = 0;
}

void
cb_inbound_destroy(cb_inbound_t **inbound_p)
{
    if (inbound_p == NULL || *inbound_p == NULL) {
        return;
    }
    cb_inbound_t *in = *inbound_p;
    for (s_client_t *c = zhashx_first(in->clients); c != NULL; c = zhashx_next(in->clients)) {
        s_return_lease(in, zhashx_cursor(in->clients), c);
    }
    zhashx_destroy(&in->clients);
    free(in);
    *inbound_p = NULL;
}

uint64_t
cb_inbound_redis_calls(const cb_inbound_t *inbound)
{
    return inbound->redis_calls;
}

static int64_t
s_now_ms(void)
{
    return cb_time_mono_ns() / 1000000;
}

/* The local fallback: a sliding window of limit / expected_replicas. */
static void
s_local_decide(cb_inbound_t *in, s_client_t *c, cb_inbound_decision_t *out)
{
    int64_t share = in->config.limit / in->config.expected_replicas;
    if (share < 1) {
        share = 1;
    }
    if (share > S_LOCAL_MAX) {
        share = S_LOCAL_MAX;
    }
    if (c->local == NULL) {
        c->local = calloc(S_LOCAL_MAX, sizeof *c->local);
    }
    int64_t now = s_now_ms();
    out->degraded = true;
    out->limit = share;
    if (c->local == NULL) {
        out->allowed = false;
        out->retry_after_ms = 1000;
        return;
    }
    while (c->local_count > 0 &&
           c->local[(c->local_head + S_LOCAL_MAX - c->local_count) % S_LOCAL_MAX] <=
               now - in->config.window_ms) {
        c->local_count--;
    }
    if ((int64_t) c->local_count < share) {
        c->local[c->local_head] = now;
        c->local_head = (c->local_head + 1) % S_LOCAL_MAX;
        c->local_count++;
        out->allowed = true;
        out->remaining = share - (int64_t) c->local_count;
    } else {
        int64_t oldest = c->local[(c->local_head + S_LOCAL_MAX - c->local_count) % S_LOCAL_MAX];
        out->allowed = false;
        out->remaining = 0;
        out->retry_after_ms = oldest + in->config.window_ms - now;
    }
}

/* Asks Redis for a new lease. 0, or an error (Redis unreachable). */
static int
s_lease(cb_inbound_t *in, const char *client, s_client_t *c, cb_inbound_decision_t *out)
{
    /* Lease small slices when the budget is small, so that replicas share it. */
    int64_t want = in->config.lease_size;
    int64_t fair = in->config.limit / (4 * in->config.expected_replicas);
    if (fair < 1) {
        fair = 1;
    }
    if (want > fair) {
        want = fair;
    }
    char key[2][256];
    s_budget_keys(key, client);
    snprintf(c->lease_id, sizeof c->lease_id, "%s-%" PRIu64, in->replica_id, ++in->lease_counter);
    char a[4][24];
    snprintf(a[0], 24, "%" PRId64, in->config.limit);
    snprintf(a[1], 24, "%" PRId64, in->config.window_ms);
    snprintf(a[2], 24, "%" PRId64, in->config.lease_ms);
    snprintf(a[3], 24, "%" PRId64, want);
    const char *keys[2] = {key[0], key[1]};
    const char *args[6] = {"lease", a[0], a[1], a[2], c->lease_id, a[3]};
    int err;
    in->redis_calls++;
    redisReply *reply = cb_script_run(in->redis, &in->script, &err, 2, keys, 6, args);
    if (reply == NULL) {
        return err;
    }
    int rc = 0;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 4) {
        int64_t now = s_now_ms();
        c->lease_count = reply->element[0]->integer;
        c->lease_used = 0;
        c->remaining = reply->element[1]->integer;
        c->reset_at_ms = now + reply->element[2]->integer;
        c->lease_end_ms = now + in->config.lease_ms;
        if (c->lease_count == 0) {
            c->denied_until_ms = now + reply->element[3]->integer;
            out->retry_after_ms = reply->element[3]->integer;
        }
    } else {
        cb_log_error("inbound_script_failed", "error=\"%s\"",
                     reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        rc = CB_E_INTERNAL;
    }
    freeReplyObject(reply);
    return rc;
}

void
cb_inbound_check(cb_inbound_t *in, const char *client, cb_inbound_decision_t *out)
{
    memset(out, 0, sizeof *out);
    out->limit = in->config.limit;
    char name[S_CLIENT_MAX + 1];
    snprintf(name, sizeof name, "%s", client != NULL ? client : "");
    s_client_t *c = zhashx_lookup(in->clients, name);
    if (c == NULL) {
        c = calloc(1, sizeof *c);
        if (c == NULL) {
            out->retry_after_ms = 1000;
            return;
        }
        zhashx_insert(in->clients, name, c);
    }
    int64_t now = s_now_ms();
    if (c->denied_until_ms > now) {
        /* Redis said no until then: refusing locally is always safe. */
        out->retry_after_ms = c->denied_until_ms - now;
        out->reset_ms = c->reset_at_ms > now ? c->reset_at_ms - now : 0;
        return;
    }
    if (c->lease_count > 0 && (c->lease_used >= c->lease_count || now >= c->lease_end_ms)) {
        s_return_lease(in, name, c);
    }
    if (c->lease_count == 0) {
        int rc = s_lease(in, name, c, out);
        if (rc != 0) {
            if (!in->degraded_logged) {
                cb_log_warn("inbound_degraded", "reason=\"%s\" local_limit=%lld", cb_strerror(rc),
                            (long long) (in->config.limit / in->config.expected_replicas));
                in->degraded_logged = true;
            }
            s_local_decide(in, c, out);
            return;
        }
        if (in->degraded_logged) {
            cb_log_info("inbound_recovered", "");
            in->degraded_logged = false;
        }
        if (c->lease_count == 0) {
            out->reset_ms = c->reset_at_ms > now ? c->reset_at_ms - now : 0;
            return;
        }
    }
    c->lease_used++;
    out->allowed = true;
    out->remaining = c->remaining + (c->lease_count - c->lease_used);
    out->reset_ms = c->reset_at_ms > now ? c->reset_at_ms - now : 0;
}

void
cb_inbound_expire(cb_inbound_t *in)
{
    /* Every ended lease goes back in one pipeline: one round trip, however
     * many clients. A NOSCRIPT answer (Redis restarted) falls back to the
     * one-by-one path, which reloads the script. */
    int64_t now = s_now_ms();
    s_client_t *pending[64];
    char names[64][S_CLIENT_MAX + 1];
    size_t n = 0;
    for (s_client_t *c = zhashx_first(in->clients); c != NULL; c = zhashx_next(in->clients)) {
        if (c->lease_count == 0 || now < c->lease_end_ms) {
            continue;
        }
        const char *name = zhashx_cursor(in->clients);
        s_return_call_t call;
        s_return_call(in, name, c, &call);
        const char *argv[12] = {"EVALSHA",     in->script.sha, "2",          call.keys[0],
                                call.keys[1],  call.args[0],   call.args[1], call.args[2],
                                call.args[3],  call.args[4],   call.args[5], call.args[6]};
        size_t lens[12];
        for (int i = 0; i < 12; i++) {
            lens[i] = strlen(argv[i]);
        }
        if (cb_redis_appendv(in->redis, 12, argv, lens) != 0) {
            break;
        }
        pending[n] = c;
        snprintf(names[n], sizeof names[n], "%s", name);
        n++;
        if (n == 64) {
            break;
        }
    }
    if (n > 0) {
        in->redis_calls++;
    }
    for (size_t i = 0; i < n; i++) {
        int err;
        redisReply *reply = cb_redis_get_reply(in->redis, &err);
        bool noscript = reply != NULL && reply->type == REDIS_REPLY_ERROR &&
                        strncmp(reply->str, "NOSCRIPT", 8) == 0;
        if (reply != NULL) {
            freeReplyObject(reply);
        }
        if (noscript) {
            s_return_lease(in, names[i], pending[i]);
        } else {
            pending[i]->lease_count = 0;
            pending[i]->lease_used = 0;
        }
    }
}
