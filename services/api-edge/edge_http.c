/* edge_http.c - api-edge's request pipeline: CORS, per-client limit, routing, deferred RPC answers, metrics */
#include "edge_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_str.h"
#include "cb_time.h"
#include "edge_orders.h"
#include "edge_reply.h"
#include "edge_routes.h"
#include "edge_static.h"

/* One request between its arrival and its answer. Its strings are views into
 * the cb_httpd request while the handler runs, and into own copies once the
 * request is deferred. */
struct edge_call {
    edge_http_t *http;
    edge_call_t *next;
    edge_call_t *prev;
    const edge_route_t *route;
    uint64_t token;    /* cb_httpd_defer's, 0 while in the handler */
    uint64_t rpc_call; /* pending edge_rpc call, 0: none */
    bool waiting_limit;
    bool waiting_auth; /* an API key lookup is pending */
    bool limited;      /* decision holds the limiter's answer */
    bool method_ok;    /* the route takes the request's method */
    bool created;      /* a 2xx is 201, or 200 for an existing order (edge_orders_status) */
    int64_t start_ns;
    cb_inbound_decision_t decision;
    edge_auth_outcome_t auth;          /* private routes: the key's verdict */
    char key_id[CB_APIKEY_ID_LEN + 1]; /* the verified key's id, "" for none */
    char client[160];                  /* the rate limit's client by address */
    cb_str_t path, query, body, ctype, inm, param;
    char origin[128]; /* Access-Control-Allow-Origin to send, "" for none */
    char *copy;       /* the copies of the strings above once deferred */
};

/* ---- answers --------------------------------------------------------------- */

static void
s_link(edge_http_t *http, edge_call_t *call)
{
    call->next = http->pending;
    call->prev = NULL;
    if (http->pending != NULL) {
        http->pending->prev = call;
    }
    http->pending = call;
}

static void
s_free(edge_call_t *call)
{
    edge_http_t *http = call->http;
    if (call->token != 0) {
        if (call->prev != NULL) {
            call->prev->next = call->next;
        } else if (http->pending == call) {
            http->pending = call->next;
        }
        if (call->next != NULL) {
            call->next->prev = call->prev;
        }
    }
    free(call->copy);
    free(call);
}

/* A non-negative count as decimal text (the rate-limit headers, on every
 * answer: cheaper than snprintf). */
static const char *
s_count(int64_t v, char out[24])
{
    char *p = out + 23;
    *p = '\0';
    uint64_t u = v > 0 ? (uint64_t) v : 0;
    do {
        *--p = (char) ('0' + u % 10);
        u /= 10;
    } while (u != 0);
    return p;
}

static void
s_headers(const edge_call_t *call, cb_httpd_res_t *res)
{
    char v[24];
    if (call->origin[0] != '\0') {
        cb_httpd_res_header(res, "Access-Control-Allow-Origin", call->origin);
        if (strcmp(call->origin, "*") != 0) {
            cb_httpd_res_header(res, "Vary", "Origin");
        }
    }
    if (!call->limited) {
        return;
    }
    const cb_inbound_decision_t *d = &call->decision;
    cb_httpd_res_header(res, "X-RateLimit-Limit", s_count(d->limit, v));
    cb_httpd_res_header(res, "X-RateLimit-Remaining", s_count(d->remaining, v));
    /* Seconds until the window frees a call, rounded up (as Retry-After). */
    cb_httpd_res_header(res, "X-RateLimit-Reset", s_count((d->reset_ms + 999) / 1000, v));
    if (!d->allowed) {
        int64_t retry = (d->retry_after_ms + 999) / 1000;
        cb_httpd_res_header(res, "Retry-After", s_count(retry > 0 ? retry : 1, v));
    }
}

/* Sends res (now, or through the token), counts it and frees the call. */
static void
s_finish(edge_call_t *call, cb_httpd_res_t *res)
{
    edge_http_t *http = call->http;
    if (res->status == 0) {
        res->status = 200;
    }
    s_headers(call, res);
    edge_metrics_observe(&http->metrics, call->route, res->status, cb_time_mono_ns() - call->start_ns);
    if (call->token != 0) {
        (void) cb_httpd_answer(http->httpd, call->token, res);
    }
    s_free(call);
}

static void
s_error(cb_httpd_res_t *res, int status, const char *detail)
{
    res->status = status;
    if (edge_reply_error(&res->body, status, detail) != 0) {
        res->status = 500;
    }
}

/* Answers a deferred call from a callback with a fresh cb_httpd_res_t. */
static void
s_finish_later(edge_call_t *call, int status, const cb_buf_t *body, const char *detail)
{
    cb_httpd_res_t res;
    memset(&res, 0, sizeof res);
    if (body != NULL) {
        res.status = status;
        if (cb_buf_append(&res.body, body->data, body->len) != 0) {
            s_error(&res, 500, "out of memory");
        }
    } else {
        s_error(&res, status, detail);
    }
    s_finish(call, &res);
    cb_buf_fini(&res.body);
}

/* ---- RPC ------------------------------------------------------------------- */

static void
s_on_rpc(void *ctx, int rc, const cb_rpc_result_t *r)
{
    edge_call_t *call = ctx;
    edge_http_t *http = call->http;
    char detail[1100];
    call->rpc_call = 0;
    if (rc == CB_E_CLOSED) {
        s_finish_later(call, 503, NULL, "the server is shutting down");
        return;
    }
    if (rc == CB_E_TIMEOUT || r == NULL) {
        snprintf(detail, sizeof detail, "no answer from the service within %d ms", http->rpc_timeout_ms);
        s_finish_later(call, 504, NULL, detail);
        return;
    }
    if (!r->ok) {
        s_finish_later(call, edge_reply_status_of(r->error), NULL, r->error_message);
        return;
    }
    cb_buf_reset(&http->scratch);
    if (edge_reply_render(&http->scratch, r->result.ptr, r->result.len) != 0) {
        s_finish_later(call, 502, NULL, "the service's answer could not be read");
        return;
    }
    s_finish_later(call, call->created ? edge_orders_status(r->result.ptr, r->result.len) : 200, &http->scratch,
                   NULL);
}

/* ---- routes ---------------------------------------------------------------- */

static void
s_static(edge_call_t *call, cb_httpd_res_t *res)
{
    const edge_static_file_t *f = edge_static_find(call->path.ptr, call->path.len);
    if (f == NULL) {
        s_error(res, 404, "no such file");
        return;
    }
    cb_httpd_res_header(res, "Content-Type", f->content_type);
    cb_httpd_res_header(res, "Cache-Control", "no-cache");
    if (f->etag != NULL) {
        cb_httpd_res_header(res, "ETag", f->etag);
        if (call->inm.len == strlen(f->etag) && memcmp(call->inm.ptr, f->etag, call->inm.len) == 0) {
            res->status = 304;
            return;
        }
    }
    res->status = 200;
    if (cb_buf_append(&res->body, f->body, f->len) != 0) {
        s_error(res, 500, "out of memory");
    }
}

/* Runs the route of an admitted request. Returns true when res holds the
 * answer, false when an RPC will answer later. */
static bool
s_route(edge_call_t *call, cb_httpd_res_t *res)
{
    edge_http_t *http = call->http;
    switch (call->route->id) {
    case EDGE_R_HEALTH:
        res->status = edge_health_render(http->health, http->redis != NULL && edge_limit_redis_up(http->redis),
                                         http->cache, &res->body);
        cb_httpd_res_header(res, "Cache-Control", "no-store");
        return true;
    case EDGE_R_METRICS:
        edge_http_metrics(http, res);
        return true;
    case EDGE_R_OPENAPI:
    case EDGE_R_DOCS:
    case EDGE_R_DASHBOARD:
    case EDGE_R_STATIC:
        s_static(call, res);
        return true;
    case EDGE_R_WS:
        s_error(res, 400, "GET /ws is a WebSocket endpoint: send an upgrade handshake");
        return true;
    default:
        break;
    }
    edge_api_req_t in = {call->query.ptr, call->query.len, call->body.ptr, call->body.len, call->ctype.ptr,
                         call->ctype.len, call->param.ptr, call->param.len};
    edge_plan_t plan;
    memset(&plan, 0, sizeof plan);
    edge_api_plan(&http->api, call->route->id, &in, &plan, &res->body);
    if (plan.status != 0) {
        res->status = plan.status;
        edge_plan_fini(&plan);
        return true;
    }
    const char *svc = edge_svc_name(plan.svc);
    char detail[96];
    if (!edge_health_service_up(http->health, plan.svc)) {
        snprintf(detail, sizeof detail, "the %s service is not answering on the bus", svc);
        s_error(res, 503, detail);
        edge_plan_fini(&plan);
        return true;
    }
    call->created = plan.created;
    call->rpc_call = edge_rpc_call(http->rpc, plan.svc, plan.op, plan.args.data, plan.args.len,
                                   http->rpc_timeout_ms, plan.idempotent, s_on_rpc, call);
    edge_plan_fini(&plan);
    if (call->rpc_call == 0) {
        snprintf(detail, sizeof detail, "the %s service cannot be reached", svc);
        s_error(res, 503, detail);
        return true;
    }
    http->kick(http->kick_ctx);
    return false;
}

/* A request goes on once the limiter has decided (or when it is not
 * limited), from the handler (token 0) or from the limiter's callback.
 * Returns false when an RPC will answer later, true once answered. */
static bool
s_proceed(edge_call_t *call, cb_httpd_res_t *res)
{
    if (call->limited && !call->decision.allowed) {
        s_error(res, 429, NULL);
    } else if (call->route == NULL) {
        s_error(res, 404, "no such route; see /docs for the API");
    } else if (!call->method_ok) {
        char detail[96], allow[EDGE_ALLOW_MAX];
        snprintf(detail, sizeof detail, "this route takes %s", edge_routes_allow(call->route, allow));
        s_error(res, 405, detail);
        cb_httpd_res_header(res, "Allow", allow);
    } else if (call->route->scope != CB_APIKEY_SCOPE_NONE && call->auth != EDGE_AUTH_OK) {
        s_error(res, edge_auth_status(call->auth), edge_auth_detail(call->auth));
        const char *challenge = edge_auth_challenge(call->auth, call->route->scope);
        if (challenge != NULL) {
            cb_httpd_res_header(res, "WWW-Authenticate", challenge);
        }
    } else if (!s_route(call, res)) {
        return false;
    }
    s_finish(call, res);
    return true;
}

static void
s_on_decision(void *ctx, const cb_inbound_decision_t *decision)
{
    edge_call_t *call = ctx;
    call->waiting_limit = false;
    call->limited = true;
    call->decision = *decision;
    cb_httpd_res_t res;
    memset(&res, 0, sizeof res);
    (void) s_proceed(call, &res);
    cb_buf_fini(&res.body);
}

/* ---- the handler ----------------------------------------------------------- */

/* The origin allowed to read the answer: "*", the request's own Origin when
 * it is listed, or "" (no CORS header). */
static void
s_cors(const edge_http_t *http, const cb_httpd_req_t *req, char *out, size_t size)
{
    out[0] = '\0';
    const char *list = http->cors_origins;
    if (list == NULL || list[0] == '\0') {
        return;
    }
    if (strcmp(list, "*") == 0) {
        cb_str_copy(out, size, "*");
        return;
    }
    size_t len = 0;
    const char *origin = cb_httpd_req_header(req, "origin", &len);
    if (origin == NULL || len == 0 || len >= size) {
        return;
    }
    for (const char *p = list; *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (n == len && memcmp(p, origin, len) == 0) {
            snprintf(out, size, "%.*s", (int) len, origin);
            return;
        }
        p += n + (p[n] == ',');
    }
}

/* Copies the call's strings so that they outlive the handler. */
static int
s_keep(edge_call_t *call)
{
    cb_str_t *s[] = {&call->path, &call->query, &call->body, &call->ctype, &call->inm, &call->param};
    size_t total = 0;
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        total += s[i]->len + 1;
    }
    call->copy = malloc(total);
    if (call->copy == NULL) {
        return CB_E_NOMEM;
    }
    char *p = call->copy;
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        if (s[i]->len > 0) {
            memcpy(p, s[i]->ptr, s[i]->len);
        }
        p[s[i]->len] = '\0';
        s[i]->ptr = p;
        p += s[i]->len + 1;
    }
    return 0;
}

static void
s_preflight(const edge_route_t *route, const char *origin, cb_httpd_res_t *res)
{
    char allow[EDGE_ALLOW_MAX];
    res->status = 204;
    edge_routes_allow(route, allow);
    if (origin[0] != '\0') {
        cb_httpd_res_header(res, "Access-Control-Allow-Methods", allow);
        cb_httpd_res_header(res, "Access-Control-Allow-Headers", "Authorization, Content-Type");
        cb_httpd_res_header(res, "Access-Control-Max-Age", "600");
    }
    cb_httpd_res_header(res, "Allow", allow);
}

static cb_str_t
s_header(const cb_httpd_req_t *req, const char *name)
{
    size_t len = 0;
    const char *v = cb_httpd_req_header(req, name, &len);
    return (cb_str_t){v != NULL ? v : "", v != NULL ? len : 0};
}

/* The rate limit's client by address: the peer, or the X-Forwarded-For
 * address a trusted proxy names. A verified API key replaces it (s_limit);
 * an unverified one never does (it would let a client pick fresh budgets). */
static void
s_client(const edge_http_t *http, const cb_httpd_req_t *req, char *out, size_t size)
{
    char peer[64];
    cb_httpd_req_peer(req, peer, sizeof peer);
    cb_str_t xff = s_header(req, "x-forwarded-for");
    edge_limit_client_id(peer, xff.len > 0 ? xff.ptr : NULL, xff.len, http->trusted_proxies, "", out, size);
}

/* Keeps a call past the handler (req and res are the handler's). False
 * when it could not be kept: then it was answered 500 and freed. */
static bool
s_defer(edge_call_t *call, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    if (s_keep(call) != 0) {
        s_error(res, 500, "out of memory");
        s_finish(call, res);
        return false;
    }
    call->token = cb_httpd_defer(call->http->httpd, req, res);
    s_link(call->http, call);
    return true;
}

/* Asks the limiter for the call's client (its verified key, else its
 * address); returns true when the request goes on now, false when it waits
 * (deferred here unless it already was) or was answered. req and res are
 * the handler's, NULL once deferred. */
static bool
s_limit(edge_call_t *call, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    edge_http_t *http = call->http;
    char client[160];
    if (call->key_id[0] != '\0') {
        edge_limit_client_id(NULL, NULL, 0, NULL, call->key_id, client, sizeof client);
    } else {
        cb_str_copy(client, sizeof client, call->client);
    }
    int rc = edge_limit_check(http->limit, client, &call->decision, s_on_decision, call);
    if (rc == 1) {
        call->limited = true;
        return true;
    }
    call->waiting_limit = true;
    if (call->token == 0 && !s_defer(call, req, res)) {
        edge_limit_cancel(http->limit, s_on_decision, call);
    }
    return false;
}

/* The call's key is decided: on to the limiter, then the route. From the
 * handler (req, res) or a lookup's callback (deferred: NULL, NULL).
 * Returns as s_proceed; false also when the call waits for the limiter. */
static bool
s_after_auth(edge_call_t *call, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    edge_http_t *http = call->http;
    if ((call->route == NULL || call->route->limited) && http->limit != NULL && !s_limit(call, req, res)) {
        return true;
    }
    if (res != NULL) {
        return s_proceed(call, res);
    }
    cb_httpd_res_t later;
    memset(&later, 0, sizeof later);
    (void) s_proceed(call, &later);
    cb_buf_fini(&later.body);
    return true;
}

static void
s_on_auth(void *ctx, const edge_auth_result_t *result)
{
    edge_call_t *call = ctx;
    call->waiting_auth = false;
    call->auth = result->outcome;
    snprintf(call->key_id, sizeof call->key_id, "%s", result->key_id);
    edge_metrics_auth(&call->http->metrics, result->outcome);
    (void) s_after_auth(call, NULL, NULL);
}

/* A private route's key: decided now (no header, a malformed one, the key
 * cache's answer, no Redis), or looked up (the call is deferred; s_on_auth goes on). True
 * when the handler goes on now, false when the call waits or was answered. */
static bool
s_auth(edge_call_t *call, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    edge_http_t *http = call->http;
    cb_str_t value = s_header(req, "authorization");
    const char *key = NULL;
    size_t key_len = 0;
    edge_auth_result_t result;
    memset(&result, 0, sizeof result);
    result.outcome = edge_auth_parse(value.ptr, value.len, &key, &key_len);
    if (result.outcome == EDGE_AUTH_OK) {
        if (http->auth == NULL) {
            result.outcome = EDGE_AUTH_UNAVAILABLE;
        } else if (edge_auth_check(http->auth, key, key_len, call->route->scope, &result, s_on_auth, call) == 0) {
            call->waiting_auth = true;
            if (!s_defer(call, req, res)) {
                edge_auth_cancel(http->auth, s_on_auth, call);
            }
            return false;
        }
    }
    call->auth = result.outcome;
    snprintf(call->key_id, sizeof call->key_id, "%s", result.key_id);
    edge_metrics_auth(&http->metrics, result.outcome);
    return true;
}

void
edge_http_handle(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    edge_http_t *http = ctx;
    edge_call_t *call = calloc(1, sizeof *call);
    if (call == NULL) {
        s_error(res, 500, "out of memory");
        return;
    }
    call->http = http;
    call->start_ns = cb_time_mono_ns();
    call->path = (cb_str_t){req->path, req->path_len};
    call->query = (cb_str_t){req->query, req->query_len};
    call->body = (cb_str_t){req->body, req->body_len};
    call->ctype = s_header(req, "content-type");
    call->inm = s_header(req, "if-none-match");
    s_cors(http, req, call->origin, sizeof call->origin);
    cb_str_t method = {req->method, req->method_len};
    call->route = edge_routes_match(method.ptr, method.len, req->path, req->path_len, &call->method_ok);
    call->param.ptr = edge_routes_param(call->route, req->path, req->path_len, &call->param.len);
    if (call->route != NULL && cb_str_eq_cstr(method, "OPTIONS")) {
        s_preflight(call->route, call->origin, res);
        s_finish(call, res);
        return;
    }
    s_client(http, req, call->client, sizeof call->client);
    /* A private route's key is checked first, so that a verified key's own
     * budget is the one counted. */
    if (call->method_ok && call->route->scope != CB_APIKEY_SCOPE_NONE && !s_auth(call, req, res)) {
        return;
    }
    /* Unknown paths and wrong methods count too: every answer but /health's,
     * /metrics' and a preflight's carries the client's budget. */
    if (s_after_auth(call, req, res)) {
        return;
    }
    /* An RPC answers later: keep the call past the handler. */
    if (s_keep(call) != 0) {
        edge_rpc_cancel(http->rpc, call->rpc_call);
        s_error(res, 500, "out of memory");
        s_finish(call, res);
        return;
    }
    call->token = cb_httpd_defer(http->httpd, req, res);
    s_link(http, call);
}

static void
s_ignore_decision(void *ctx, const cb_inbound_decision_t *decision)
{
    (void) ctx;
    (void) decision;
}

int
edge_http_upgrade(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    edge_http_t *http = ctx;
    static const char ws_path[] = "/ws";
    /* Only a GET can upgrade; other methods get the handler's 405 or preflight. */
    if (req->path_len != sizeof ws_path - 1 || memcmp(req->path, ws_path, req->path_len) != 0 ||
        req->method_len != 3 || memcmp(req->method, "GET", 3) != 0) {
        return CB_HTTPD_UPGRADE_PASS;
    }
    if (http->ws == NULL) {
        s_error(res, 503, "WebSocket is not enabled");
        return CB_HTTPD_UPGRADE_ANSWERED;
    }
    if (http->limit != NULL) {
        /* An upgrade cannot wait for Redis: a decision the current lease
         * covers refuses at once; one that needs Redis lets this upgrade in
         * and counts it when Redis answers. */
        edge_call_t probe;
        memset(&probe, 0, sizeof probe);
        probe.http = http;
        probe.route = edge_routes_get(EDGE_R_WS);
        probe.start_ns = cb_time_mono_ns();
        char client[160];
        s_client(http, req, client, sizeof client);
        if (edge_limit_check(http->limit, client, &probe.decision, s_ignore_decision, NULL) == 1 &&
            !probe.decision.allowed) {
            probe.limited = true;
            s_cors(http, req, probe.origin, sizeof probe.origin);
            s_error(res, 429, NULL);
            s_headers(&probe, res);
            edge_metrics_observe(&http->metrics, probe.route, 429, cb_time_mono_ns() - probe.start_ns);
            return CB_HTTPD_UPGRADE_ANSWERED;
        }
    }
    int rc = edge_ws_upgrade(http->ws, req, res);
    if (rc == CB_HTTPD_UPGRADE_TAKEN) {
        edge_metrics_observe(&http->metrics, edge_routes_get(EDGE_R_WS), 101, 0);
    }
    return rc;
}

void
edge_http_error_body(void *ctx, int status, const char *detail, cb_buf_t *out)
{
    (void) ctx;
    (void) edge_reply_error(out, status, detail);
}

void
edge_http_fini(edge_http_t *http)
{
    while (http->pending != NULL) {
        edge_call_t *call = http->pending;
        if (call->waiting_limit && http->limit != NULL) {
            edge_limit_cancel(http->limit, s_on_decision, call);
        }
        if (call->waiting_auth && http->auth != NULL) {
            edge_auth_cancel(http->auth, s_on_auth, call);
        }
        if (call->rpc_call != 0) {
            edge_rpc_cancel(http->rpc, call->rpc_call);
        }
        s_finish_later(call, 503, NULL, "the server is shutting down");
    }
    cb_buf_fini(&http->scratch);
}
