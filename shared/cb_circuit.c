/* cb_circuit.c - circuit breakers whose state lives in Redis, so every replica sees one breaker */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_circuit.h"
#include "cb_error.h"
#include "cb_log.h"

struct cb_circuit {
    cb_redis_t *redis;
    cb_pub_t *pub;
    cb_circuit_config_t config;
    cb_script_t script;
};

cb_circuit_config_t
cb_circuit_defaults(void)
{
    cb_circuit_config_t c = {5, 30000, 1, 1, 10000, 60000, 20, 50};
    return c;
}

cb_circuit_breaker_t *
cb_circuit_new(cb_redis_t *redis, cb_pub_t *pub, cb_circuit_config_t config)
{
    if (config.failure_threshold < 1 || config.recovery_ms < 1 || config.probes < 1 ||
        config.success_threshold < 1 || config.probe_lease_ms < 1 || config.rate_window_ms < 0 ||
        config.rate_percent < 1 || config.rate_percent > 100 || config.rate_min_calls < 1) {
        return NULL;
    }
    cb_circuit_breaker_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return NULL;
    }
    c->redis = redis;
    c->pub = pub;
    c->config = config;
    if (cb_script_init(&c->script, "circuit") != 0) {
        free(c);
        return NULL;
    }
    return c;
}

void
cb_circuit_destroy(cb_circuit_breaker_t **circuit_p)
{
    if (circuit_p == NULL || *circuit_p == NULL) {
        return;
    }
    free(*circuit_p);
    *circuit_p = NULL;
}

const char *
cb_circuit_state_name(cb_circuit_state_t state)
{
    switch (state) {
    case CB_CIRCUIT_CLOSED:
        return "closed";
    case CB_CIRCUIT_OPEN:
        return "open";
    case CB_CIRCUIT_HALF_OPEN:
        return "half_open";
    }
    return "closed";
}

static void
s_publish(cb_circuit_breaker_t *c, const char *venue, const char *scope, const cb_circuit_decision_t *d)
{
    cb_log_warn("circuit_changed", "venue=%s scope=%s state=%s failures=%lld", venue, scope,
                cb_circuit_state_name(d->state), (long long) d->failures);
    if (c->pub == NULL) {
        return;
    }
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CB_KIND_circuit;
    CB_PROTO_SET(&ev.body.circuit, circuit, venue, cb_str_from(venue));
    CB_PROTO_SET(&ev.body.circuit, circuit, scope, cb_str_from(scope));
    CB_PROTO_SET(&ev.body.circuit, circuit, state, cb_str_from(cb_circuit_state_name(d->state)));
    CB_PROTO_SET(&ev.body.circuit, circuit, failures, (uint64_t) d->failures);
    if (d->state == CB_CIRCUIT_OPEN) {
        CB_PROTO_SET(&ev.body.circuit, circuit, retry_at, d->retry_at_ms * 1000000);
    }
    cb_proto_err_t err;
    if (cb_pub_send(c->pub, &ev, &err) != 0) {
        cb_log_error("circuit_publish_failed", "venue=%s scope=%s error=\"%s\"", venue, scope,
                     err.message);
    }
}

/* One run's key and arguments. */
typedef struct {
    char key[256];
    char a[9][24];
    const char *keys[1];
    const char *args[10];
} s_call_t;

static int
s_prepare(const cb_circuit_breaker_t *c, const char *op, const char *venue, const char *scope,
          bool was_probe, s_call_t *call)
{
    if (venue == NULL || scope == NULL) {
        return CB_E_BAD_REQUEST;
    }
    snprintf(call->key, sizeof call->key, "coinbus:circuit:%s:%s", venue, scope);
    const cb_circuit_config_t *cfg = &c->config;
    snprintf(call->a[0], 24, "%d", cfg->failure_threshold);
    snprintf(call->a[1], 24, "%" PRId64, cfg->recovery_ms);
    snprintf(call->a[2], 24, "%d", cfg->probes);
    snprintf(call->a[3], 24, "%d", cfg->success_threshold);
    snprintf(call->a[4], 24, "%" PRId64, cfg->probe_lease_ms);
    snprintf(call->a[5], 24, "%" PRId64, cfg->rate_window_ms);
    snprintf(call->a[6], 24, "%d", cfg->rate_min_calls);
    snprintf(call->a[7], 24, "%d", cfg->rate_percent);
    snprintf(call->a[8], 24, "%d", was_probe ? 1 : 0);
    call->keys[0] = call->key;
    call->args[0] = op;
    for (int i = 0; i < 9; i++) {
        call->args[1 + i] = call->a[i];
    }
    return 0;
}

/* The decision in reply (taken and freed). */
static int
s_decide(cb_circuit_breaker_t *c, const char *venue, const char *scope, redisReply *reply,
         cb_circuit_decision_t *out)
{
    int rc = 0;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 6) {
        out->allowed = reply->element[0]->integer == 1;
        out->state = (cb_circuit_state_t) reply->element[1]->integer;
        out->probe = reply->element[2]->integer == 1;
        out->retry_at_ms = reply->element[3]->integer;
        out->failures = reply->element[4]->integer;
        if (reply->element[5]->integer == 1) {
            s_publish(c, venue, scope, out);
        }
    } else {
        cb_log_error("circuit_script_failed", "venue=%s scope=%s error=\"%s\"", venue, scope,
                     reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        rc = CB_E_INTERNAL;
    }
    freeReplyObject(reply);
    return rc;
}

static int
s_run(cb_circuit_breaker_t *c, const char *op, const char *venue, const char *scope, bool was_probe,
      cb_circuit_decision_t *out)
{
    s_call_t call;
    int err = s_prepare(c, op, venue, scope, was_probe, &call);
    if (err != 0) {
        return err;
    }
    redisReply *reply = cb_script_run(c->redis, &c->script, &err, 1, call.keys, 10, call.args);
    return reply == NULL ? err : s_decide(c, venue, scope, reply, out);
}

int
cb_circuit_allow(cb_circuit_breaker_t *circuit, const char *venue, const char *scope,
                 cb_circuit_decision_t *out)
{
    return s_run(circuit, "allow", venue, scope, false, out);
}

int
cb_circuit_report(cb_circuit_breaker_t *circuit, const char *venue, const char *scope, bool success,
                  bool was_probe, cb_circuit_decision_t *out)
{
    return s_run(circuit, success ? "success" : "failure", venue, scope, was_probe, out);
}

int
cb_circuit_peek(cb_circuit_breaker_t *circuit, const char *venue, const char *scope,
                cb_circuit_decision_t *out)
{
    return s_run(circuit, "peek", venue, scope, false, out);
}

cb_redis_t *
cb_circuit_redis(const cb_circuit_breaker_t *circuit)
{
    return circuit->redis;
}

/* Queues op on the breakers' connection. */
static int
s_append(cb_circuit_breaker_t *circuit, const char *op, const char *venue, const char *scope,
         bool was_probe)
{
    s_call_t call;
    int rc = s_prepare(circuit, op, venue, scope, was_probe, &call);
    return rc != 0 ? rc : cb_script_append(circuit->redis, &circuit->script, 1, call.keys, 10, call.args);
}

int
cb_circuit_allow_append(cb_circuit_breaker_t *circuit, const char *venue, const char *scope)
{
    return s_append(circuit, "allow", venue, scope, false);
}

int
cb_circuit_report_append(cb_circuit_breaker_t *circuit, const char *venue, const char *scope,
                         bool success, bool was_probe)
{
    return s_append(circuit, success ? "success" : "failure", venue, scope, was_probe);
}

/* The decision of a pipelined op's reply (taken), the op run again at
 * once when its script did not run. */
static int
s_reply(cb_circuit_breaker_t *circuit, const char *op, const char *venue, const char *scope,
        bool was_probe, redisReply *reply, int err, cb_circuit_decision_t *out)
{
    if (reply == NULL) {
        return err != 0 ? err : CB_E_UNAVAILABLE;
    }
    if (cb_script_not_run(reply)) {
        freeReplyObject(reply);
        return s_run(circuit, op, venue, scope, was_probe, out);
    }
    return s_decide(circuit, venue, scope, reply, out);
}

int
cb_circuit_report_reply(cb_circuit_breaker_t *circuit, const char *venue, const char *scope,
                        bool success, bool was_probe, redisReply *reply, int err,
                        cb_circuit_decision_t *out)
{
    return s_reply(circuit, success ? "success" : "failure", venue, scope, was_probe, reply, err,
                   out);
}

int
cb_circuit_allow_reply(cb_circuit_breaker_t *circuit, const char *venue, const char *scope,
                       redisReply *reply, int err, cb_circuit_decision_t *out)
{
    return s_reply(circuit, "allow", venue, scope, false, reply, err, out);
}
