/* cb_venue_private.c - one venue's private REST calls (blocking) through the shared rate limiter and circuit breaker */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_time.h"
#include "cb_venue_client.h"

#define S_SCOPE "private"

static void
s_sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t) (ms / 1000), (long) (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* The private call's counter: Binance's weight window (of method what),
 * Kraken's REST counter of the key. */
typedef struct {
    bool windows;
    char name[CB_VENUE_NAME_MAX + 48];
    cb_rl_window_t w;
    cb_rl_bucket_t b;
    int64_t cost;
} s_lim_t;

static void
s_lim(cb_venue_client_t *vc, const char *method, const char *what, int64_t param,
      const char *key_fp, s_lim_t *l)
{
    const cb_venue_cfg_t *cfg = cb_venue_client_cfg(vc);
    l->windows = cfg->dialect == CB_DIALECT_BINANCE;
    if (l->windows) {
        snprintf(l->name, sizeof l->name, "%s:weight", cfg->name);
        l->w = (cb_rl_window_t){l->name, 6000, 60000, cb_rl_binance_weight(method, what, param)};
        return;
    }
    snprintf(l->name, sizeof l->name, "%s:private:%s", cfg->name, key_fp != NULL ? key_fp : "");
    l->b = cb_rl_kraken_rest(CB_KRAKEN_STARTER);
    l->cost = cb_rl_kraken_rest_cost(what);
}

/* Asks the counter. max_wait < 0: a peek (nothing reserved). */
static int
s_limit(cb_venue_client_t *vc, const char *method, const char *what, int64_t param,
        const char *key_fp, int64_t max_wait, cb_rl_decision_t *d)
{
    const char *venue = cb_venue_client_cfg(vc)->name;
    cb_ratelimit_t *limiter = cb_venue_client_deps(vc)->limiter;
    s_lim_t l;
    s_lim(vc, method, what, param, key_fp, &l);
    if (l.windows) {
        return max_wait < 0 ? cb_ratelimit_peek_windows(limiter, venue, &l.w, 1, d)
                            : cb_ratelimit_acquire_windows(limiter, venue, &l.w, 1, max_wait, d);
    }
    return max_wait < 0 ? cb_ratelimit_peek(limiter, l.name, venue, l.b, l.cost, d)
                        : cb_ratelimit_acquire(limiter, l.name, venue, l.b, l.cost, max_wait, d);
}

/* Queues the acquire of l on the limiter's connection. */
static int
s_limit_append(cb_venue_client_t *vc, const s_lim_t *l, int64_t max_wait)
{
    const char *venue = cb_venue_client_cfg(vc)->name;
    cb_ratelimit_t *limiter = cb_venue_client_deps(vc)->limiter;
    return l->windows
               ? cb_ratelimit_acquire_windows_append(limiter, venue, &l->w, 1, max_wait)
               : cb_ratelimit_acquire_append(limiter, l->name, venue, l->b, l->cost, max_wait);
}

/* The decision in the reply of s_limit_append (taken). */
static int
s_limit_reply(cb_venue_client_t *vc, const s_lim_t *l, int64_t max_wait, redisReply *reply,
              int err, cb_rl_decision_t *d)
{
    const char *venue = cb_venue_client_cfg(vc)->name;
    cb_ratelimit_t *limiter = cb_venue_client_deps(vc)->limiter;
    return l->windows ? cb_ratelimit_acquire_windows_reply(limiter, venue, &l->w, 1, max_wait,
                                                           reply, err, d)
                      : cb_ratelimit_acquire_reply(limiter, l->name, venue, l->b, l->cost,
                                                   max_wait, reply, err, d);
}

int
cb_venue_client_private_can_admit(cb_venue_client_t *vc, const char *what, int64_t param,
                                  const char *key_fp, cb_venue_error_t *err)
{
    const cb_venue_cfg_t *cfg = cb_venue_client_cfg(vc);
    const cb_venue_deps_t *deps = cb_venue_client_deps(vc);
    memset(err, 0, sizeof(*err));
    char msg[128];
    int n;
    cb_circuit_decision_t c;
    if (deps->circuit != NULL && cb_circuit_peek(deps->circuit, cfg->name, S_SCOPE, &c) == 0 &&
        c.state == CB_CIRCUIT_OPEN) {
        n = snprintf(msg, sizeof msg, "circuit open for %s private calls", cfg->name);
        cb_verr_set(err, CB_VERR_UNAVAILABLE, 0, "", msg, (size_t) n);
        int64_t now = cb_time_now_ms();
        err->retry_after_ms = c.retry_at_ms > now ? c.retry_at_ms - now : 0;
        return CB_E_UNAVAILABLE;
    }
    cb_rl_decision_t d;
    if (deps->limiter != NULL && s_limit(vc, "GET", what, param, key_fp, -1, &d) == 0 && !d.admitted) {
        n = snprintf(msg, sizeof msg, "rate budget exhausted: next slot in %lld ms",
                     (long long) d.wait_ms);
        cb_verr_set(err, CB_VERR_RATE_LIMIT, 0, "", msg, (size_t) n);
        err->retry_after_ms = d.wait_ms;
        return CB_E_RATE_LIMITED;
    }
    return 0;
}

int
cb_venue_client_private_admit(cb_venue_client_t *vc, const char *what, int64_t param,
                              const char *key_fp, cb_venue_pass_t *pass, cb_venue_error_t *err)
{
    return cb_venue_client_private_admit_as(vc, "GET", what, param, key_fp, pass, err);
}

int
cb_venue_client_private_admit_as(cb_venue_client_t *vc, const char *method, const char *what,
                                 int64_t param, const char *key_fp, cb_venue_pass_t *pass,
                                 cb_venue_error_t *err)
{
    return cb_venue_client_private_admit_with(vc, method, what, param, key_fp, NULL, pass, err);
}

/* The rider on its own: its own round trip. */
static int
s_rider_alone(const cb_venue_rider_t *rider)
{
    int e = rider->append(rider->ctx, rider->redis);
    redisReply *reply = e == 0 ? cb_redis_get_reply(rider->redis, &e) : NULL;
    return rider->reply(rider->ctx, reply, e);
}

int
cb_venue_client_private_admit_with(cb_venue_client_t *vc, const char *method, const char *what,
                                   int64_t param, const char *key_fp,
                                   const cb_venue_rider_t *rider, cb_venue_pass_t *pass,
                                   cb_venue_error_t *err)
{
    const cb_venue_cfg_t *cfg = cb_venue_client_cfg(vc);
    const cb_venue_deps_t *deps = cb_venue_client_deps(vc);
    memset(pass, 0, sizeof(*pass));
    memset(err, 0, sizeof(*err));
    char msg[128];
    int n;
    int64_t max_wait = deps->max_wait_ms > 0 ? deps->max_wait_ms : 30000;
    s_lim_t lim;
    s_lim(vc, method, what, param, key_fp, &lim);
    /* While the breaker last said closed, the rider, the breaker's allow and
     * the limiter's acquire go in one round trip; should the breaker have
     * opened meanwhile, that one acquire is spent for nothing, and the next
     * calls ask in turn. */
    bool piped = deps->circuit != NULL && deps->limiter != NULL &&
                 cb_circuit_redis(deps->circuit) == cb_ratelimit_redis(deps->limiter) &&
                 (rider == NULL || rider->redis == cb_circuit_redis(deps->circuit)) &&
                 cb_venue_client_private_closed(vc);
    bool asked = false, limited = false, ridden = rider == NULL;
    int crc = 0, lrc = 0, rrc = 0, appended = -1;
    cb_circuit_decision_t c;
    cb_rl_decision_t d;
    memset(&c, 0, sizeof c);
    memset(&d, 0, sizeof d);
    if (piped && (rider == NULL || (appended = rider->append(rider->ctx, rider->redis)) == 0) &&
        cb_circuit_allow_append(deps->circuit, cfg->name, S_SCOPE) == 0) {
        cb_redis_t *redis = cb_circuit_redis(deps->circuit);
        limited = s_limit_append(vc, &lim, max_wait) == 0;
        int e0 = 0, e1 = 0, e2 = 0;
        redisReply *r0 = rider != NULL ? cb_redis_get_reply(redis, &e0) : NULL;
        redisReply *r1 = cb_redis_get_reply(redis, &e1);
        redisReply *r2 = limited ? cb_redis_get_reply(redis, &e2) : NULL;
        rrc = rider != NULL ? rider->reply(rider->ctx, r0, e0) : 0;
        crc = cb_circuit_allow_reply(deps->circuit, cfg->name, S_SCOPE, r1, e1, &c);
        lrc = limited ? s_limit_reply(vc, &lim, max_wait, r2, e2, &d) : 0;
        asked = ridden = true;
    } else if (piped && rider != NULL) {
        /* The rider could not be queued (its error), or the allow could not:
         * the rider's reply is read alone (lost with a failed connection). */
        int e0 = appended;
        redisReply *r0 = appended == 0 ? cb_redis_get_reply(rider->redis, &e0) : NULL;
        rrc = rider->reply(rider->ctx, r0, e0);
        ridden = true;
    }
    if (!ridden) {
        rrc = s_rider_alone(rider);
    }
    if (rrc != 0) {
        cb_venue_client_private_set_closed(vc, asked && crc == 0 && c.allowed && !c.probe &&
                                                   c.state == CB_CIRCUIT_CLOSED);
        return rrc;
    }
    if (!asked && deps->circuit != NULL) {
        crc = cb_circuit_allow(deps->circuit, cfg->name, S_SCOPE, &c);
        asked = true;
    }
    cb_venue_client_private_set_closed(vc, asked && crc == 0 && c.allowed && !c.probe &&
                                               c.state == CB_CIRCUIT_CLOSED);
    if (asked && crc == 0) {
        if (!c.allowed) {
            n = snprintf(msg, sizeof msg, "circuit open for %s private calls", cfg->name);
            cb_verr_set(err, CB_VERR_UNAVAILABLE, 0, "", msg, (size_t) n);
            int64_t now = cb_time_now_ms();
            err->retry_after_ms = c.retry_at_ms > now ? c.retry_at_ms - now : 0;
            return CB_E_UNAVAILABLE;
        }
        pass->circuit_asked = true;
        pass->probe = c.probe;
    }
    if (deps->limiter == NULL) {
        return 0;
    }
    int rc = limited ? lrc : s_limit(vc, method, what, param, key_fp, max_wait, &d);
    if (rc != 0) {
        cb_log_warn("ratelimit_unreachable", "venue=%s error=\"%s\" effect=\"private call unmetered\"",
                    cfg->name, cb_strerror(rc));
        return 0;
    }
    if (!d.admitted) {
        n = snprintf(msg, sizeof msg, "rate budget exhausted: next slot in %lld ms",
                     (long long) d.wait_ms);
        cb_verr_set(err, CB_VERR_RATE_LIMIT, 0, "", msg, (size_t) n);
        err->retry_after_ms = d.wait_ms;
        return CB_E_RATE_LIMITED;
    }
    if (d.wait_ms > 0) {
        s_sleep_ms(d.wait_ms);
    }
    return 0;
}

static cb_http_method_t
s_method(const char *m)
{
    if (strcmp(m, "POST") == 0) {
        return CB_HTTP_POST;
    }
    if (strcmp(m, "PUT") == 0) {
        return CB_HTTP_PUT;
    }
    return strcmp(m, "DELETE") == 0 ? CB_HTTP_DELETE : CB_HTTP_GET;
}

/* Binance's X-MBX-USED-WEIGHT-1M of resp, or -1. */
static int64_t
s_used_weight(cb_venue_client_t *vc, const cb_http_resp_t *resp)
{
    const cb_venue_cfg_t *cfg = cb_venue_client_cfg(vc);
    const char *used = cb_http_resp_header(resp, "x-mbx-used-weight-1m");
    if (cb_venue_client_deps(vc)->limiter == NULL || cfg->dialect != CB_DIALECT_BINANCE ||
        used == NULL) {
        return -1;
    }
    char *end = NULL;
    long long n = strtoll(used, &end, 10);
    return end != used && *end == '\0' && n >= 0 ? (int64_t) n : -1;
}

/* The shared weight counter's name. */
static void
s_weight_name(const cb_venue_cfg_t *cfg, char *out, size_t size)
{
    snprintf(out, size, "%s:weight", cfg->name);
}

void
cb_venue_client_private_settle_append(cb_venue_client_t *vc, cb_venue_settle_t *settle)
{
    if (!settle->due || settle->queued) {
        return;
    }
    const cb_venue_cfg_t *cfg = cb_venue_client_cfg(vc);
    const cb_venue_deps_t *deps = cb_venue_client_deps(vc);
    char name[CB_VENUE_NAME_MAX + 16];
    s_weight_name(cfg, name, sizeof name);
    settle->queued = true;
    settle->queued_weight = settle->used_weight >= 0 && deps->limiter != NULL &&
                            cb_ratelimit_true_up_append(deps->limiter, name, 60000,
                                                        settle->used_weight) == 0;
    settle->queued_success = settle->success && deps->circuit != NULL &&
                             cb_circuit_report_append(deps->circuit, cfg->name, S_SCOPE, true,
                                                      settle->probe) == 0;
}

void
cb_venue_client_private_settle_read(cb_venue_settle_t *settle, cb_venue_client_t *vc)
{
    if (!settle->queued || settle->read) {
        return;
    }
    const cb_venue_deps_t *deps = cb_venue_client_deps(vc);
    settle->read = true;
    if (settle->queued_weight) {
        settle->weight_reply =
            cb_redis_get_reply(cb_ratelimit_redis(deps->limiter), &settle->weight_err);
    }
    if (settle->queued_success) {
        settle->success_reply =
            cb_redis_get_reply(cb_circuit_redis(deps->circuit), &settle->success_err);
    }
}

void
cb_venue_client_private_settle(cb_venue_client_t *vc, cb_venue_settle_t *settle)
{
    if (!settle->due) {
        return;
    }
    /* Both replies before either is acted on (see _settle_read). */
    cb_venue_client_private_settle_read(settle, vc);
    const cb_venue_cfg_t *cfg = cb_venue_client_cfg(vc);
    const cb_venue_deps_t *deps = cb_venue_client_deps(vc);
    char name[CB_VENUE_NAME_MAX + 16];
    s_weight_name(cfg, name, sizeof name);
    cb_circuit_decision_t d;
    if (settle->queued_weight) {
        (void) cb_ratelimit_true_up_reply(deps->limiter, name, 60000, settle->used_weight,
                                          settle->weight_reply, settle->weight_err);
    } else if (!settle->queued && settle->used_weight >= 0 && deps->limiter != NULL) {
        /* Trues the shared weight counter up. */
        (void) cb_ratelimit_true_up(deps->limiter, name, 60000, settle->used_weight);
    }
    if (settle->queued_success) {
        (void) cb_circuit_report_reply(deps->circuit, cfg->name, S_SCOPE, true, settle->probe,
                                       settle->success_reply, settle->success_err, &d);
    } else if (!settle->queued && settle->success && deps->circuit != NULL) {
        (void) cb_circuit_report(deps->circuit, cfg->name, S_SCOPE, true, settle->probe, &d);
    }
    memset(settle, 0, sizeof(*settle));
}

int
cb_venue_client_private_send_deferred(cb_venue_client_t *vc, const cb_venue_req_t *req,
                                      const cb_venue_pass_t *pass, cb_http_result_t *out,
                                      cb_venue_error_t *err, cb_venue_settle_t *settle)
{
    const cb_venue_cfg_t *cfg = cb_venue_client_cfg(vc);
    const cb_venue_deps_t *deps = cb_venue_client_deps(vc);
    memset(err, 0, sizeof(*err));
    memset(settle, 0, sizeof(*settle));
    settle->used_weight = -1;
    const char *headers[4];
    size_t nh = 0;
    for (size_t i = 0; i < 4; i++) {
        if (req->headers[i][0] != '\0') {
            headers[nh++] = req->headers[i];
        }
    }
    cb_http_req_t hr = {
        .method = s_method(req->method),
        .url = req->url,
        .headers = headers,
        .header_count = nh,
        .body = req->body.len > 0 ? req->body.data : NULL,
        .body_len = req->body.len,
    };
    /* A request that changes state goes out at most once (cb_http_do_once):
     * a lost answer is the caller's UNKNOWN to resolve, never a replay. */
    int rc = req->changes_state ? cb_http_do_once(deps->http, &hr, out)
                                : cb_http_do(deps->http, &hr, out);
    if (rc != 0) {
        cb_verr_set(err, CB_VERR_UNAVAILABLE, 0, "", "request could not start", 23);
        return rc;
    }
    const cb_http_resp_t *resp = &out->resp;
    bool transport_failed = resp->outcome != CB_HTTP_OK;
    bool failure = transport_failed || resp->status >= 500;
    if (transport_failed) {
        rc = cb_venue_client_ops(vc)->classify(req, true, resp->sent == CB_HTTP_MAYBE_SENT, 0, "",
                                               0, 0, err);
        if (err->message[0] == '\0') {
            cb_verr_set(err, CB_VERR_UNAVAILABLE, 0, cb_http_outcome_name(resp->outcome),
                        resp->error, strlen(resp->error));
        }
        rc = rc != 0 ? rc : CB_E_UNAVAILABLE;
        cb_http_result_fini(out);
    } else {
        settle->used_weight = s_used_weight(vc, resp);
        if ((resp->status == 429 || resp->status == 418) && deps->limiter != NULL) {
            const char *ra = cb_http_resp_header(resp, "retry-after");
            long long s = ra != NULL ? strtoll(ra, NULL, 10) : 0;
            (void) cb_ratelimit_ban(deps->limiter, cfg->name, s > 0 && s < 86400 ? s * 1000 : 60000);
        }
    }
    if (pass->circuit_asked && deps->circuit != NULL && failure) {
        cb_circuit_decision_t d;
        (void) cb_circuit_report(deps->circuit, cfg->name, S_SCOPE, false, pass->probe, &d);
    }
    settle->success = pass->circuit_asked && !failure;
    settle->probe = pass->probe;
    settle->due = settle->success || settle->used_weight >= 0;
    return rc;
}

int
cb_venue_client_private_send(cb_venue_client_t *vc, const cb_venue_req_t *req,
                             const cb_venue_pass_t *pass, cb_http_result_t *out,
                             cb_venue_error_t *err)
{
    cb_venue_settle_t settle;
    int rc = cb_venue_client_private_send_deferred(vc, req, pass, out, err, &settle);
    cb_venue_client_private_settle(vc, &settle);
    return rc;
}
