/* cb_venue_client.c - one venue's REST door: dialect requests through the shared rate limiter and circuit breaker */
#include "cb_venue_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_time.h"

/* Bytes of REST parse scratch (per array) kept from one reply to the next. */
#define S_REST_SCRATCH_KEEP (64 * 1024)

typedef struct s_call {
    cb_venue_client_t *vc;
    cb_rest_op_t op;
    cb_rest_args_t args;
    cb_md_emit_fn emit;
    cb_venue_done_fn done;
    void *ctx;
    char url[1024];
    int64_t due_ms;          /* queued: start at this time */
    int fail_rc;             /* queued: fail with this instead of starting (0: start) */
    cb_venue_error_t fail_err;
    bool probe;              /* a half-open circuit probe */
    bool circuit_asked;      /* the breaker allowed it: report the outcome */
    struct s_call *next;
} s_call_t;

/* err with class cls and our own message text (no venue code). */
static void
s_verr_text(cb_venue_error_t *err, cb_verr_class_t cls, const char *text)
{
    cb_verr_set(err, cls, 0, "", text, strlen(text));
}

struct cb_venue_client {
    cb_venue_cfg_t cfg;
    const cb_dialect_ops_t *ops;
    cb_venue_deps_t deps;
    cb_instruments_t instruments;
    cb_md_parser_t parser;
    s_call_t *queue;          /* waiting for their due time (unordered) */
    cb_venue_client_stats_t stats;
    bool unmetered_logged;
    bool private_closed;      /* the breaker's last answer to a private call: closed */
};

cb_venue_client_t *
cb_venue_client_new(const cb_venue_cfg_t *cfg, const cb_venue_deps_t *deps)
{
    const cb_dialect_ops_t *ops = cb_dialect_ops(cfg->dialect);
    if (ops == NULL || deps == NULL || deps->http == NULL) {
        return NULL;
    }
    cb_venue_client_t *vc = calloc(1, sizeof(*vc));
    if (vc == NULL) {
        return NULL;
    }
    vc->cfg = *cfg;
    vc->ops = ops;
    vc->deps = *deps;
    if (vc->deps.max_wait_ms <= 0) {
        vc->deps.max_wait_ms = 30000;
    }
    return vc;
}

void
cb_venue_client_destroy(cb_venue_client_t **vc_p)
{
    if (vc_p == NULL || *vc_p == NULL) {
        return;
    }
    cb_venue_client_t *vc = *vc_p;
    while (vc->queue != NULL) {
        s_call_t *c = vc->queue;
        vc->queue = c->next;
        cb_venue_error_t err;
        s_verr_text(&err, CB_VERR_UNAVAILABLE, "client closed");
        c->done(c->ctx, CB_E_CLOSED, &err);
        free(c);
    }
    cb_instruments_fini(&vc->instruments);
    cb_md_parser_fini(&vc->parser);
    free(vc);
    *vc_p = NULL;
}

const cb_venue_cfg_t *
cb_venue_client_cfg(const cb_venue_client_t *vc)
{
    return &vc->cfg;
}

const cb_dialect_ops_t *
cb_venue_client_ops(const cb_venue_client_t *vc)
{
    return vc->ops;
}

const cb_venue_deps_t *
cb_venue_client_deps(const cb_venue_client_t *vc)
{
    return &vc->deps;
}

bool
cb_venue_client_private_closed(const cb_venue_client_t *vc)
{
    return vc->private_closed;
}

void
cb_venue_client_private_set_closed(cb_venue_client_t *vc, bool closed)
{
    vc->private_closed = closed;
}

void
cb_venue_client_set_max_wait(cb_venue_client_t *vc, int64_t max_wait_ms)
{
    vc->deps.max_wait_ms = max_wait_ms > 0 ? max_wait_ms : 1;
}

const cb_instruments_t *
cb_venue_client_instruments(const cb_venue_client_t *vc)
{
    return &vc->instruments;
}

/* The Binance path of a public op, for its request weight. */
static const char *
s_binance_path(cb_rest_op_t op, int64_t *param, const cb_rest_args_t *args)
{
    *param = 0;
    switch (op) {
    case CB_REST_TIME:
        return "/api/v3/time";
    case CB_REST_INSTRUMENTS:
        return "/api/v3/exchangeInfo";
    case CB_REST_TICKER:
        *param = 1;
        return "/api/v3/ticker/24hr";
    case CB_REST_OHLC:
        return "/api/v3/klines";
    case CB_REST_BOOK:
        *param = args->limit > 0 ? args->limit : 100;
        return "/api/v3/depth";
    case CB_REST_TRADES:
    default:
        return "/api/v3/trades";
    }
}

/* Asks the shared limiter; *wait_ms gets how long to wait. Returns 0 (go,
 * possibly unmetered), or CB_E_RATE_LIMITED with err filled. */
static int
s_meter(cb_venue_client_t *vc, s_call_t *c, int64_t *wait_ms)
{
    *wait_ms = 0;
    if (vc->deps.limiter == NULL) {
        return 0;
    }
    char name[CB_VENUE_NAME_MAX + 16];
    cb_rl_decision_t d;
    int rc;
    int64_t max_wait = c->args.max_wait_ms > 0 ? c->args.max_wait_ms : vc->deps.max_wait_ms;
    if (vc->cfg.dialect == CB_DIALECT_BINANCE) {
        int64_t param;
        const char *path = s_binance_path(c->op, &param, &c->args);
        snprintf(name, sizeof(name), "%s:weight", vc->cfg.name);
        cb_rl_window_t w = {name, 6000, 60000, cb_rl_binance_weight("GET", path, param)};
        rc = cb_ratelimit_acquire_windows(vc->deps.limiter, vc->cfg.name, &w, 1, max_wait, &d);
    } else {
        cb_rl_bucket_t bucket = cb_rl_kraken_public();
        if (vc->cfg.dialect == CB_DIALECT_COINBASE) {
            /* Coinbase Exchange public endpoints: 10 requests/s per IP, bursts to 15. */
            bucket.max_milli = 15000;
            bucket.decay_milli_per_s = 10000;
        }
        snprintf(name, sizeof(name), "%s:public", vc->cfg.name);
        rc = cb_ratelimit_acquire(vc->deps.limiter, name, vc->cfg.name, bucket, 1000, max_wait, &d);
    }
    if (rc != 0) {
        vc->stats.unmetered++;
        if (!vc->unmetered_logged) {
            cb_log_warn("ratelimit_unreachable", "venue=%s error=\"%s\" effect=\"market-data calls go unmetered\"",
                        vc->cfg.name, cb_strerror(rc));
            vc->unmetered_logged = true;
        }
        return 0;
    }
    vc->unmetered_logged = false;
    if (!d.admitted) {
        char msg[128];
        int n = snprintf(msg, sizeof(msg), "rate budget exhausted: next slot in %lld ms", (long long) d.wait_ms);
        cb_verr_set(&c->fail_err, CB_VERR_RATE_LIMIT, 0, "", msg, (size_t) n);
        c->fail_err.retry_after_ms = d.wait_ms;
        return CB_E_RATE_LIMITED;
    }
    *wait_ms = d.wait_ms;
    return 0;
}

static void s_on_http(const cb_http_resp_t *resp, void *ctx);

static void
s_finish(cb_venue_client_t *vc, s_call_t *c, int rc, const cb_venue_error_t *err)
{
    if (rc == 0) {
        vc->stats.ok++;
    } else {
        vc->stats.failed++;
    }
    c->done(c->ctx, rc, err);
    free(c);
}

static void
s_send(cb_venue_client_t *vc, s_call_t *c)
{
    cb_http_req_t req = {.method = CB_HTTP_GET, .url = c->url};
    int rc = cb_http_start(vc->deps.http, &req, s_on_http, c);
    if (rc != 0) {
        cb_venue_error_t err;
        s_verr_text(&err, CB_VERR_UNAVAILABLE, "request could not start");
        s_finish(vc, c, rc, &err);
        return;
    }
    vc->stats.in_flight++;
}

static void
s_enqueue(cb_venue_client_t *vc, s_call_t *c, int64_t due_ms)
{
    c->due_ms = due_ms;
    c->next = vc->queue;
    vc->queue = c;
}

int
cb_venue_client_public(cb_venue_client_t *vc, cb_rest_op_t op, const cb_rest_args_t *args,
                       cb_md_emit_fn emit, cb_venue_done_fn done, void *ctx)
{
    if (done == NULL) {
        return CB_E_BAD_REQUEST;
    }
    s_call_t *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return CB_E_NOMEM;
    }
    c->vc = vc;
    c->op = op;
    if (args != NULL) {
        c->args = *args;
    }
    c->emit = emit;
    c->done = done;
    c->ctx = ctx;
    int rc = vc->ops->rest_url(&vc->cfg, op, &c->args, c->url, sizeof(c->url));
    if (rc != 0) {
        free(c);
        return rc;
    }
    vc->stats.calls++;
    int64_t now = cb_time_now_ms();
    if (vc->deps.circuit != NULL) {
        cb_circuit_decision_t d;
        if (cb_circuit_allow(vc->deps.circuit, vc->cfg.name, "rest", &d) == 0) {
            if (!d.allowed) {
                vc->stats.circuit_refused++;
                char msg[96];
                int n = snprintf(msg, sizeof(msg), "circuit open for %s rest", vc->cfg.name);
                cb_verr_set(&c->fail_err, CB_VERR_UNAVAILABLE, 0, "", msg, (size_t) n);
                c->fail_err.retry_after_ms = d.retry_at_ms > now ? d.retry_at_ms - now : 0;
                c->fail_rc = CB_E_UNAVAILABLE;
                s_enqueue(vc, c, now);
                return 0;
            }
            c->circuit_asked = true;
            c->probe = d.probe;
        }
    }
    int64_t wait_ms = 0;
    rc = s_meter(vc, c, &wait_ms);
    if (rc != 0) {
        vc->stats.rate_refused++;
        c->fail_rc = rc;
        s_enqueue(vc, c, now);
        return 0;
    }
    s_enqueue(vc, c, now + wait_ms);
    return 0;
}

void
cb_venue_client_tick(cb_venue_client_t *vc, int64_t now_ms)
{
    s_call_t **pp = &vc->queue;
    s_call_t *ready = NULL;
    while (*pp != NULL) {
        s_call_t *c = *pp;
        if (c->due_ms <= now_ms) {
            *pp = c->next;
            c->next = ready;
            ready = c;
        } else {
            pp = &c->next;
        }
    }
    while (ready != NULL) {
        s_call_t *c = ready;
        ready = c->next;
        c->next = NULL;
        if (c->fail_rc != 0) {
            s_finish(vc, c, c->fail_rc, &c->fail_err);
        } else {
            s_send(vc, c);
        }
    }
}

/* Trues the shared weight counter up from X-MBX-USED-WEIGHT-1M. */
static void
s_true_up(cb_venue_client_t *vc, const cb_http_resp_t *resp)
{
    if (vc->deps.limiter == NULL || vc->cfg.dialect != CB_DIALECT_BINANCE) {
        return;
    }
    const char *used = cb_http_resp_header(resp, "x-mbx-used-weight-1m");
    if (used == NULL) {
        return;
    }
    char *end = NULL;
    long long n = strtoll(used, &end, 10);
    if (end == used || *end != '\0' || n < 0) {
        return;
    }
    char name[CB_VENUE_NAME_MAX + 16];
    snprintf(name, sizeof(name), "%s:weight", vc->cfg.name);
    (void) cb_ratelimit_true_up(vc->deps.limiter, name, 60000, n);
}

/* Retry-After in ms (seconds on the wire), 0 when absent or not a number. */
static int64_t
s_retry_after_ms(const cb_http_resp_t *resp)
{
    const char *v = cb_http_resp_header(resp, "retry-after");
    if (v == NULL) {
        return 0;
    }
    char *end = NULL;
    long long s = strtoll(v, &end, 10);
    return end != v && *end == '\0' && s >= 0 && s < 86400 ? (int64_t) s * 1000 : 0;
}

static void
s_on_http(const cb_http_resp_t *resp, void *ctx)
{
    s_call_t *c = ctx;
    cb_venue_client_t *vc = c->vc;
    vc->stats.in_flight--;
    cb_venue_error_t err;
    memset(&err, 0, sizeof(err));
    int rc;
    bool transport_failed = resp->outcome != CB_HTTP_OK;
    int64_t retry_after = transport_failed ? 0 : s_retry_after_ms(resp);
    if (transport_failed) {
        cb_venue_req_t req;
        memset(&req, 0, sizeof(req));
        rc = vc->ops->classify(&req, true, resp->sent == CB_HTTP_MAYBE_SENT, 0, "", 0, 0, &err);
        if (err.message[0] == '\0') {
            cb_verr_set(&err, CB_VERR_UNAVAILABLE, 0, cb_http_outcome_name(resp->outcome), resp->error,
                        strlen(resp->error));
        }
        if (rc == 0) {
            rc = CB_E_UNAVAILABLE;
        }
    } else {
        s_true_up(vc, resp);
        cb_instruments_t fresh = {0};
        rc = vc->ops->rest_parse(&vc->parser, c->op, &c->args, (int) resp->status, resp->body,
                                 resp->body_len, &fresh, c->emit, c->ctx, &err);
        /* REST replies are few and some are large (history, full books):
         * their scratch is not kept past S_REST_SCRATCH_KEEP. */
        cb_md_parser_shrink(&vc->parser, S_REST_SCRATCH_KEEP);
        if (rc == 0 && c->op == CB_REST_INSTRUMENTS) {
            if (fresh.count == 0) {
                s_verr_text(&err, CB_VERR_BAD_REPLY, "no instruments listed");
                err.http_status = (int) resp->status;
                rc = CB_E_UPSTREAM;
                cb_instruments_fini(&fresh);
            } else {
                cb_instruments_fini(&vc->instruments);
                vc->instruments = fresh;
            }
        } else {
            cb_instruments_fini(&fresh);
        }
        if (rc != 0 && err.retry_after_ms == 0) {
            err.retry_after_ms = retry_after;
        }
        if ((resp->status == 429 || resp->status == 418) && vc->deps.limiter != NULL) {
            (void) cb_ratelimit_ban(vc->deps.limiter, vc->cfg.name,
                                    err.retry_after_ms > 0 ? err.retry_after_ms : 60000);
        }
    }
    if (c->circuit_asked && vc->deps.circuit != NULL) {
        bool failure = transport_failed || resp->status >= 500 || err.cls == CB_VERR_UNAVAILABLE;
        cb_circuit_decision_t d;
        (void) cb_circuit_report(vc->deps.circuit, vc->cfg.name, "rest", !failure, c->probe, &d);
    }
    s_finish(vc, c, rc, &err);
}

/* A blocking call's state: the caller's emit and context, and the outcome. */
typedef struct {
    cb_md_emit_fn emit;
    void *ctx;
    bool finished;
    int rc;
    cb_venue_error_t err;
} s_sync_call_t;

static int
s_sync_emit(void *ctx, const cb_md_msg_t *msg)
{
    s_sync_call_t *s = ctx;
    return s->emit != NULL ? s->emit(s->ctx, msg) : 0;
}

static void
s_sync_done(void *ctx, int rc, const cb_venue_error_t *err)
{
    s_sync_call_t *s = ctx;
    s->finished = true;
    s->rc = rc;
    if (err != NULL) {
        s->err = *err;
    }
}

int
cb_venue_client_public_sync(cb_venue_client_t *vc, cb_rest_op_t op, const cb_rest_args_t *args,
                            cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err)
{
    s_sync_call_t s;
    memset(&s, 0, sizeof(s));
    s.emit = emit;
    s.ctx = ctx;
    int rc = cb_venue_client_public(vc, op, args, s_sync_emit, s_sync_done, &s);
    if (rc != 0) {
        return rc;
    }
    while (!s.finished) {
        cb_venue_client_tick(vc, cb_time_now_ms());
        if (!s.finished) {
            (void) cb_http_poll(vc->deps.http, 5);
        }
    }
    if (err != NULL) {
        *err = s.err;
    }
    return s.rc;
}

int
cb_venue_client_load_instruments(cb_venue_client_t *vc, cb_venue_error_t *err)
{
    return cb_venue_client_public_sync(vc, CB_REST_INSTRUMENTS, NULL, NULL, NULL, err);
}

void
cb_venue_client_stats(const cb_venue_client_t *vc, cb_venue_client_stats_t *out)
{
    *out = vc->stats;
    size_t queued = 0;
    for (const s_call_t *c = vc->queue; c != NULL; c = c->next) {
        queued++;
    }
    out->queued = queued;
}
