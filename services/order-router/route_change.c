/* route_change.c - the order-router's changes to one order: cancel, and amend (Kraken in place, Binance cancel-replace with the replacement's own intent) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_binance_orders.h"
#include "cb_error.h"
#include "cb_kraken_orders.h"
#include "cb_time.h"
#include "route_app.h"

/* Resolves first; refuses orders that cannot change. */
static int
s_changeable(route_app_t *app, route_venue_t *v, route_order_t *o, route_fail_t *fail)
{
    int rc = route_exec_resolve(app, v, o, true, fail);
    if (rc != 0) {
        return rc;
    }
    if (route_order_unresolved(o)) {
        return route_fail_set(fail, CB_E_CONFLICT,
                              "order %s is unknown: the venue has not told yet whether it exists; "
                              "nothing was sent", o->client_order_id);
    }
    if (route_order_final(o)) {
        return route_fail_set(fail, CB_E_CONFLICT, "order %s is already %s", o->client_order_id,
                              o->status);
    }
    return 0;
}

/* After a cancel or amend call: on success or an unknown outcome, asks the
 * venue what the order is now. */
static int
s_after_change(route_app_t *app, route_venue_t *v, route_order_t *o, int rc,
               const cb_venue_error_t *err, route_fail_t *fail)
{
    int qrc = route_exec_resolve(app, v, o, true, fail);
    if (rc != 0 && route_exec_definite(err)) {
        return route_fail_venue(fail, v, err, rc);
    }
    return qrc;
}

int
route_exec_cancel(route_app_t *app, route_venue_t *v, route_order_t *o, route_fail_t *fail)
{
    int rc = s_changeable(app, v, o, fail);
    if (rc != 0) {
        return rc;
    }
    cb_order_ref_t ref;
    memset(&ref, 0, sizeof ref);
    ref.ins = cb_instruments_by_symbol(cb_venue_client_instruments(v->vc), cb_str_from(o->symbol));
    snprintf(ref.client_order_id, sizeof ref.client_order_id, "%s", o->client_order_id);
    cb_order_call_t call;
    bool kraken = v->cfg.dialect == CB_DIALECT_KRAKEN;
    rc = kraken ? cb_kraken_order_cancel(&ref, &call) : cb_binance_order_cancel(&ref, &call);
    if (rc != 0) {
        return route_fail_set(fail, CB_E_INTERNAL, "%s: the request could not be built", v->cfg.name);
    }
    cb_http_result_t res;
    cb_venue_error_t err;
    bool sent;
    rc = route_venue_call(v, &call, &res, &err, &sent);
    if (rc == 0) {
        const cb_http_resp_t *r = &res.resp;
        cb_order_batch_t b;
        cb_vorder_t vo;
        rc = kraken ? cb_kraken_order_parse_cancel((int) r->status, r->body, r->body_len, &b, &err)
                    : cb_binance_order_parse(cb_venue_client_instruments(v->vc), true,
                                             (int) r->status, r->body, r->body_len, &vo, &err);
        cb_http_result_fini(&res);
    }
    return s_after_change(app, v, o, rc, &err, fail);
}

int
route_exec_amend(route_app_t *app, route_venue_t *v, route_order_t *o, const char *price,
                 const char *amount, route_fail_t *fail)
{
    int rc = s_changeable(app, v, o, fail);
    if (rc != 0) {
        return rc;
    }
    bool kraken = v->cfg.dialect == CB_DIALECT_KRAKEN;
    route_order_t next = *o;
    if (price[0] != '\0') {
        snprintf(next.price, sizeof next.price, "%s", price);
    }
    if (amount[0] != '\0') {
        snprintf(next.amount, sizeof next.amount, "%s", amount);
    }
    cb_order_amend_t a;
    cb_order_req_t repl;
    memset(&a, 0, sizeof a);
    a.ref.ins = cb_instruments_by_symbol(cb_venue_client_instruments(v->vc), cb_str_from(o->symbol));
    snprintf(a.ref.client_order_id, sizeof a.ref.client_order_id, "%s", o->client_order_id);
    a.has_price = route_exec_dec(price, &a.price);
    a.has_amount = route_exec_dec(amount, &a.amount);
    if (!kraken) {
        /* The replacement is a new order: its own id and intent first. */
        snprintf(next.client_order_id, sizeof next.client_order_id, "%.30s-r%u",
                 o->client_order_id, (unsigned) (atoi(o->resends) + 1) % 100u);
        snprintf(next.replaces, sizeof next.replaces, "%s", o->client_order_id);
        snprintf(next.status, sizeof next.status, "pending");
        snprintf(next.resends, sizeof next.resends, "0");
        next.venue_order_id[0] = next.filled[0] = next.avg_price[0] = next.fee[0] = '\0';
        snprintf(next.created_ms, sizeof next.created_ms, "%" PRId64, cb_time_now_ms());
        bool created;
        rc = route_ledger_intent(&app->ledger, &next, &created);
        if (rc != 0 || !created) {
            return route_fail_set(fail, rc != 0 ? rc : CB_E_CONFLICT,
                                  "replacement %s: %s", next.client_order_id,
                                  rc != 0 ? cb_strerror(rc) : "already exists");
        }
        route_exec_publish(app, &next, "new");
        if (route_exec_req(v, &next, &repl) != 0) {
            return route_fail_set(fail, CB_E_INTERNAL, "replacement could not be built");
        }
        a.replacement = &repl;
    }
    cb_order_call_t call;
    rc = kraken ? cb_kraken_order_amend(&a, &call) : cb_binance_order_amend(&a, &call);
    if (rc != 0) {
        return route_fail_set(fail, CB_E_BAD_REQUEST, "%s: the amend could not be built", v->cfg.name);
    }
    snprintf(next.sent_ms, sizeof next.sent_ms, "%" PRId64, cb_time_now_ms());
    cb_http_result_t res;
    cb_venue_error_t err;
    bool sent;
    rc = route_venue_call(v, &call, &res, &err, &sent);
    cb_vorder_t vo;
    memset(&vo, 0, sizeof vo);
    if (rc == 0) {
        const cb_http_resp_t *r = &res.resp;
        rc = kraken ? cb_kraken_order_parse_amend(&a, (int) r->status, r->body, r->body_len, &vo, &err)
                    : cb_binance_order_parse_amend(cb_venue_client_instruments(v->vc),
                                                   (int) r->status, r->body, r->body_len, &vo, &err);
        cb_http_result_fini(&res);
    }
    if (kraken) {
        return s_after_change(app, v, o, rc, &err, fail);
    }
    if (rc == 0) {
        route_exec_apply(&next, &vo);
        rc = route_exec_record(app, &next, "acknowledged", fail);
    } else if (!sent || route_exec_definite(&err)) {
        snprintf(next.status, sizeof next.status, "rejected");
        snprintf(next.reason, sizeof next.reason, "%.190s", err.message);
        (void) route_exec_record(app, &next, "rejected", fail);
        (void) route_exec_resolve(app, v, o, true, fail);
        return route_fail_venue(fail, v, &err, rc);
    } else {
        snprintf(next.status, sizeof next.status, "unknown");
        (void) route_exec_record(app, &next, "unknown", fail);
        rc = route_exec_resolve(app, v, &next, false, fail);
    }
    (void) route_exec_resolve(app, v, o, true, fail);
    *o = next;
    return rc;
}
