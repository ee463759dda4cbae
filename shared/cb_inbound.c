/* cb_inbound.c - api-edge's per-client limit (N calls per sliding window), exact across replicas */
#include <stdlib.h>
#include <string.h>

#include "cb_inbound.h"
#include "cb_inbound_core.h"

/* The synchronous transport of cb_inbound_core: each lease or return is one
 * blocking script run on the borrowed connection. */
struct cb_inbound {
    cb_redis_t *redis;
    cb_inbound_core_t *core;
    uint64_t redis_calls;
};

cb_inbound_config_t
cb_inbound_defaults(void)
{
    cb_inbound_config_t c = {100, 60000, 8, 1000, 1};
    return c;
}

cb_inbound_t *
cb_inbound_new(cb_redis_t *redis, cb_inbound_config_t config)
{
    cb_inbound_t *in = calloc(1, sizeof *in);
    if (in == NULL) {
        return NULL;
    }
    in->redis = redis;
    in->core = cb_inbound_core_new(config);
    if (in->core == NULL) {
        free(in);
        return NULL;
    }
    return in;
}

/* Runs call (EVALSHA, reloading the script after NOSCRIPT). The reply
 * (caller frees) or NULL with *err. */
static redisReply *
s_run(cb_inbound_t *in, const cb_inbound_call_t *call, int *err)
{
    const char *keys[2] = {call->key[0], call->key[1]};
    const char *args[7];
    for (int i = 0; i < call->nargs; i++) {
        args[i] = call->arg[i];
    }
    in->redis_calls++;
    return cb_script_run(in->redis, cb_inbound_core_script(in->core), err, 2, keys, call->nargs,
                         args);
}

/* Runs a return call, best effort. */
static void
s_return(cb_inbound_t *in, const cb_inbound_call_t *call)
{
    int err;
    redisReply *reply = s_run(in, call, &err);
    if (reply != NULL) {
        freeReplyObject(reply);
    }
}

void
cb_inbound_destroy(cb_inbound_t **inbound_p)
{
    if (inbound_p == NULL || *inbound_p == NULL) {
        return;
    }
    cb_inbound_t *in = *inbound_p;
    cb_inbound_call_t call;
    while (cb_inbound_core_returns(in->core, true, &call, 1) == 1) {
        s_return(in, &call);
    }
    cb_inbound_core_destroy(&in->core);
    free(in);
    *inbound_p = NULL;
}

uint64_t
cb_inbound_redis_calls(const cb_inbound_t *inbound)
{
    return inbound->redis_calls;
}

void
cb_inbound_check(cb_inbound_t *in, const char *client, cb_inbound_decision_t *out)
{
    cb_inbound_call_t ret;
    cb_inbound_call_t lease;
    if (cb_inbound_core_check(in->core, client, out, &ret, &lease) == 1) {
        return;
    }
    if (ret.nargs > 0) {
        s_return(in, &ret);
    }
    int rc;
    redisReply *reply = s_run(in, &lease, &rc);
    if (reply != NULL) {
        rc = cb_inbound_core_leased(in->core, client, &lease, reply, out);
        freeReplyObject(reply);
    }
    if (rc != 0) {
        cb_inbound_core_fallback(in->core, client, rc, out);
    }
}

void
cb_inbound_expire(cb_inbound_t *in)
{
    /* Every ended lease goes back in one pipeline: one round trip, however
     * many clients. A NOSCRIPT answer (Redis restarted) falls back to the
     * one-by-one path, which reloads the script. */
    cb_inbound_call_t *calls = malloc(64 * sizeof *calls);
    if (calls == NULL) {
        return;
    }
    size_t n = cb_inbound_core_returns(in->core, false, calls, 64);
    size_t sent = 0;
    for (; sent < n; sent++) {
        const char *argv[12];
        size_t lens[12];
        char numkeys[16];
        int argc = cb_inbound_call_argv(in->core, &calls[sent], false, numkeys, argv, lens);
        if (cb_redis_appendv(in->redis, argc, argv, lens) != 0) {
            break;
        }
    }
    if (sent > 0) {
        in->redis_calls++;
    }
    for (size_t i = 0; i < sent; i++) {
        int err;
        redisReply *reply = cb_redis_get_reply(in->redis, &err);
        bool noscript = reply != NULL && reply->type == REDIS_REPLY_ERROR &&
                        strncmp(reply->str, "NOSCRIPT", 8) == 0;
        if (reply != NULL) {
            freeReplyObject(reply);
        }
        if (noscript) {
            s_return(in, &calls[i]);
        }
    }
    free(calls);
    cb_inbound_core_forget_idle(in->core, 1024);
}
