/* route_venue.c - one venue's order calls for the order-router: admit through the shared limiter and breaker, sign (Kraken nonces from Redis), send, query by client order id */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_binance.h"
#include "cb_binance_orders.h"
#include "cb_error.h"
#include "cb_kraken.h"
#include "cb_kraken_orders.h"
#include "cb_log.h"
#include "cb_time.h"
#include "route_app.h"

#define S_BINANCE_RECV_WINDOW_MS 5000
#define S_NONCE_RETRIES 3 /* fresh nonces after Kraken refused one */

int
route_fail_set(route_fail_t *fail, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fail->message, sizeof fail->message, fmt, ap);
    va_end(ap);
    fail->code = code;
    return code;
}

int
route_fail_venue(route_fail_t *fail, const route_venue_t *v, const cb_venue_error_t *err, int rc)
{
    int code = err->cls != CB_VERR_NONE ? cb_verr_code(err->cls) : rc;
    return route_fail_set(fail, code != 0 ? code : CB_E_INTERNAL, "%s: %s", v->cfg.name,
                          err->message[0] != '\0' ? err->message : cb_strerror(code));
}

void
route_app_settle(route_app_t *app)
{
    route_exec_finish(app);
    for (size_t i = 0; i < app->nvenues; i++) {
        cb_venue_client_private_settle(app->venues[i].vc, &app->venues[i].settle);
    }
}

int
route_venue_ready(route_venue_t *v, route_fail_t *fail)
{
    if (v->cred == NULL) {
        return route_fail_set(fail, CB_E_UNAUTHORIZED, "%s: %s", v->cfg.name, v->cred_error);
    }
    if (v->instruments_ok) {
        return 0;
    }
    cb_venue_error_t err;
    int rc = cb_venue_client_load_instruments(v->vc, &err);
    if (rc != 0) {
        return route_fail_venue(fail, v, &err, rc);
    }
    v->instruments_ok = true;
    return 0;
}

/* Whether hold's lease needs renewing before a send: this replica did not
 * write it (o came from elsewhere), or less than half of it is left (the
 * admission waited, or the order is old). A lease this replica wrote with
 * more than half left cannot have been taken over: renewing it would only
 * add a Redis round trip to every order. */
static bool
s_lease_short(const route_hold_t *hold)
{
    const route_order_t *o = hold->order;
    int64_t until = strtoll(o->lease_until, NULL, 10);
    return strcmp(o->owner, hold->ledger->owner) != 0 ||
           until - cb_time_now_ms() < hold->ledger->lease_ms / 2;
}

/* Admits, signs and sends call once; with hold, only while this replica
 * holds o's lease (renewed after the admission's wait, before signing,
 * when short: s_lease_short). */
static int
s_call_once(route_venue_t *v, const cb_order_call_t *call, const route_hold_t *hold,
            const cb_venue_rider_t *rider, cb_http_result_t *res, cb_venue_error_t *err,
            bool *sent)
{
    cb_venue_pass_t pass;
    cb_venue_req_t req;
    memset(&req, 0, sizeof req);
    cb_buf_init(&req.body);
    *sent = false;
    memset(err, 0, sizeof *err);
    cb_venue_client_private_settle(v->vc, &v->settle);
    int rc = cb_venue_client_private_admit_with(v->vc, call->method, call->path, 0,
                                                v->cred->fingerprint, rider, &pass, err);
    if (rc != 0) {
        return rc;
    }
    if (hold != NULL && s_lease_short(hold)) {
        rc = route_ledger_renew(hold->ledger, hold->order->venue, hold->order->client_order_id);
        if (rc != 1) {
            static const char why[] = "the order's lease is not this replica's: nothing sent";
            cb_verr_set(err, CB_VERR_UNAVAILABLE, 0, "", why, sizeof why - 1);
            return rc < 0 ? rc : CB_E_CONFLICT;
        }
    }
    if (v->cfg.dialect == CB_DIALECT_KRAKEN) {
        uint64_t nonce = 0;
        if (!v->nonce_ok || cb_nonce_next(&v->nonce, &nonce) != 0) {
            cb_verr_set(err, CB_VERR_UNAVAILABLE, 0, "", "no nonce: Redis cannot be asked for it",
                        38);
            return CB_E_UNAVAILABLE;
        }
        rc = cb_kraken_private_req(&v->cfg, call->path, call->params, nonce, v->cred->api_key,
                                   v->cred->hmac_key, v->cred->hmac_key_len, call->changes_state,
                                   &req);
    } else {
        rc = cb_binance_signed_req(&v->cfg, call->method, call->path, call->params,
                                   cb_time_now_ms(), S_BINANCE_RECV_WINDOW_MS, v->cred->api_key,
                                   v->cred->hmac_key, v->cred->hmac_key_len, call->changes_state,
                                   &req);
    }
    if (rc != 0) {
        cb_venue_req_fini(&req);
        cb_verr_set(err, CB_VERR_BAD_REPLY, 0, "", "request could not be built", 26);
        return CB_E_INTERNAL;
    }
    *sent = true;
    route_steps_mark(v->steps, ROUTE_STEP_ADMIT);
    rc = cb_venue_client_private_send_deferred(v->vc, &req, &pass, res, err, &v->settle);
    route_steps_mark(v->steps, ROUTE_STEP_VENUE);
    cb_venue_req_fini(&req);
    return rc;
}

/* True when res is Kraken's refusal of the request's nonce. */
static bool
s_nonce_refused(const route_venue_t *v, const cb_http_result_t *res)
{
    static const char needle[] = "EAPI:Invalid nonce";
    const cb_http_resp_t *r = &res->resp;
    return v->cfg.dialect == CB_DIALECT_KRAKEN && r->body != NULL &&
           memmem(r->body, r->body_len, needle, sizeof needle - 1) != NULL;
}

/* Several replicas draw nonces from one Redis counter, so a request can
 * reach Kraken after one with a higher nonce: Kraken refuses it with
 * EAPI:Invalid nonce before looking at it (nothing was done), and it is
 * signed again with a fresh nonce, a few times. */
int
route_venue_call(route_venue_t *v, const cb_order_call_t *call, cb_http_result_t *res,
                 cb_venue_error_t *err, bool *sent)
{
    return route_venue_call_held(v, call, NULL, NULL, res, err, sent);
}

int
route_venue_call_held(route_venue_t *v, const cb_order_call_t *call, const route_hold_t *hold,
                      const cb_venue_rider_t *rider, cb_http_result_t *res, cb_venue_error_t *err,
                      bool *sent)
{
    int rc = s_call_once(v, call, hold, rider, res, err, sent);
    for (int retry = 0; rc == 0 && retry < S_NONCE_RETRIES && s_nonce_refused(v, res); retry++) {
        cb_log_warn("nonce_refused", "venue=%s path=%s retry=%d", v->cfg.name, call->path,
                    retry + 1);
        cb_http_result_fini(res);
        rc = s_call_once(v, call, hold, NULL, res, err, sent);
    }
    return rc;
}

/* One query call and its parse. */
static int
s_query(route_venue_t *v, const cb_instrument_t *ins, const char *clid, bool closed,
        cb_order_query_t *out, cb_venue_error_t *err)
{
    cb_order_call_t call;
    bool kraken = v->cfg.dialect == CB_DIALECT_KRAKEN;
    int rc = kraken ? cb_kraken_order_query(clid, closed, &call)
                    : cb_binance_order_query(ins, clid, &call);
    if (rc != 0) {
        cb_verr_set(err, CB_VERR_BAD_REPLY, 0, "", "query could not be built", 24);
        return rc;
    }
    cb_http_result_t res;
    bool sent;
    rc = route_venue_call(v, &call, &res, err, &sent);
    if (rc != 0) {
        return rc;
    }
    const cb_instruments_t *list = cb_venue_client_instruments(v->vc);
    const cb_http_resp_t *r = &res.resp;
    rc = kraken ? cb_kraken_order_parse_query(list, clid, (int) r->status, r->body, r->body_len,
                                              out, err)
                : cb_binance_order_parse_query(list, (int) r->status, r->body, r->body_len, out,
                                               err);
    cb_http_result_fini(&res);
    return rc;
}

int
route_venue_query(route_venue_t *v, const cb_instrument_t *ins, const char *clid,
                  cb_order_query_t *out, cb_venue_error_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = s_query(v, ins, clid, false, out, err);
    if (rc == 0 && !out->found && v->cfg.dialect == CB_DIALECT_KRAKEN) {
        rc = s_query(v, ins, clid, true, out, err);
    }
    return rc;
}
