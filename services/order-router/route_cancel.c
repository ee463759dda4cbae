/* route_cancel.c - the order-router's bulk cancels: cancel_all per venue dialect, and the dead-man's switch (Kraken's own, Binance's ledger timer) */
#include <stdio.h>
#include <string.h>

#include "cb_binance_orders.h"
#include "cb_error.h"
#include "cb_kraken_orders.h"
#include "cb_log.h"
#include "cb_time.h"
#include "route_app.h"

#define S_LIST_MAX 256

/* Refreshes the venue's open ledger orders (of symbol, when not NULL). */
static void
s_refresh_open(route_app_t *app, route_venue_t *v, const char *symbol)
{
    static char ids[S_LIST_MAX][CB_CLID_MAX + 1];
    size_t n = 0;
    if (route_ledger_ids(&app->ledger, v->cfg.name, false, ids, S_LIST_MAX, &n) != 0) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        route_order_t o;
        route_fail_t fail;
        if (route_ledger_get(&app->ledger, v->cfg.name, ids[i], &o) == 0 &&
            !route_order_final(&o) && !route_order_unresolved(&o) &&
            (symbol == NULL || strcmp(o.symbol, symbol) == 0)) {
            (void) route_exec_resolve(app, v, &o, true, &fail);
        }
    }
}

/* One cancel-all call (ins NULL: Kraken's CancelAll). */
static int
s_cancel_all_one(route_venue_t *v, const cb_instrument_t *ins, int64_t *count, route_fail_t *fail)
{
    cb_order_call_t call;
    bool kraken = v->cfg.dialect == CB_DIALECT_KRAKEN;
    int rc = kraken ? cb_kraken_order_cancel_all(ins, &call) : cb_binance_order_cancel_all(ins, &call);
    if (rc != 0) {
        return route_fail_set(fail, CB_E_BAD_REQUEST, "%s: cancel_all could not be built", v->cfg.name);
    }
    cb_http_result_t res;
    cb_venue_error_t err;
    bool sent;
    rc = route_venue_call(v, &call, &res, &err, &sent);
    cb_order_batch_t b = {0};
    if (rc == 0) {
        const cb_http_resp_t *r = &res.resp;
        rc = kraken ? cb_kraken_order_parse_cancel((int) r->status, r->body, r->body_len, &b, &err)
                    : cb_binance_order_parse_cancel_all((int) r->status, r->body, r->body_len, &b, &err);
        cb_http_result_fini(&res);
    }
    if (rc == CB_E_NOT_FOUND || (rc != 0 && err.cls == CB_VERR_NOT_FOUND)) {
        return 0; /* nothing open on that symbol */
    }
    *count += (int64_t) b.count;
    return rc != 0 ? route_fail_venue(fail, v, &err, rc) : 0;
}

int
route_cancel_all(route_app_t *app, route_venue_t *v, const char *symbol, int64_t *count,
                      route_fail_t *fail)
{
    *count = 0;
    int rc = route_venue_ready(v, fail);
    if (rc != 0) {
        return rc;
    }
    const cb_instruments_t *list = cb_venue_client_instruments(v->vc);
    if (v->cfg.dialect == CB_DIALECT_KRAKEN && symbol == NULL) {
        rc = s_cancel_all_one(v, NULL, count, fail);
    } else if (symbol != NULL && v->cfg.dialect == CB_DIALECT_BINANCE) {
        rc = s_cancel_all_one(v, cb_instruments_by_symbol(list, cb_str_from(symbol)), count, fail);
    } else {
        /* Kraken per symbol, Binance every symbol: the ledger's open orders. */
        static char ids[S_LIST_MAX][CB_CLID_MAX + 1];
        size_t n = 0;
        rc = route_ledger_ids(&app->ledger, v->cfg.name, false, ids, S_LIST_MAX, &n);
        char done[16][CB_SYMBOL_MAX + 1];
        size_t ndone = 0;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            route_order_t o;
            if (route_ledger_get(&app->ledger, v->cfg.name, ids[i], &o) != 0 || route_order_final(&o) ||
                (symbol != NULL && strcmp(o.symbol, symbol) != 0)) {
                continue;
            }
            if (v->cfg.dialect == CB_DIALECT_KRAKEN) {
                route_fail_t f;
                *count += route_exec_cancel(app, v, &o, &f) == 0 && strcmp(o.status, "canceled") == 0;
                continue;
            }
            bool seen = false;
            for (size_t k = 0; k < ndone; k++) {
                seen = seen || strcmp(done[k], o.symbol) == 0;
            }
            if (!seen && ndone < 16) {
                snprintf(done[ndone++], CB_SYMBOL_MAX + 1, "%.*s", (int) CB_SYMBOL_MAX, o.symbol);
                rc = s_cancel_all_one(v, cb_instruments_by_symbol(list, cb_str_from(o.symbol)),
                                      count, fail);
            }
        }
    }
    if (rc == 0) {
        /* Not after a failure: each open order's query would retry with
         * backoff against a venue that just failed; a later get resolves. */
        s_refresh_open(app, v, symbol);
    }
    return rc;
}

size_t
route_cancel_all_venues(route_app_t *app, const char *symbol, int64_t *counts,
                        route_fail_t *fails, int64_t *total)
{
    size_t failed = 0;
    *total = 0;
    for (size_t i = 0; i < app->nvenues; i++) {
        counts[i] = 0;
        route_venue_t *v = &app->venues[i];
        if (symbol != NULL && route_venue_ready(v, &fails[i]) == 0 &&
            cb_instruments_by_symbol(cb_venue_client_instruments(v->vc), cb_str_from(symbol)) ==
                NULL) {
            fails[i].code = 0; /* the venue does not list the symbol: nothing to cancel */
            continue;
        }
        fails[i].code = route_cancel_all(app, v, symbol, &counts[i], &fails[i]);
        if (fails[i].code != 0) {
            failed++;
            cb_log_warn("cancel_all_failed", "venue=%s error=\"%s\"", app->venues[i].cfg.name,
                        fails[i].message);
        } else {
            *total += counts[i];
        }
    }
    return failed;
}

int
route_cancel_after(route_app_t *app, route_venue_t *v, int64_t seconds, int64_t *trigger_ms,
                        route_fail_t *fail)
{
    int rc = route_venue_ready(v, fail);
    if (rc != 0) {
        return rc;
    }
    if (v->cfg.dialect == CB_DIALECT_BINANCE) {
        *trigger_ms = seconds > 0 ? cb_time_now_ms() + seconds * 1000 : 0;
        rc = route_ledger_timer_set(&app->ledger, v->cfg.name, *trigger_ms);
        return rc != 0 ? route_fail_set(fail, rc, "ledger: %s", cb_strerror(rc)) : 0;
    }
    cb_order_call_t call;
    if (cb_kraken_order_cancel_after(seconds, &call) != 0) {
        return route_fail_set(fail, CB_E_BAD_REQUEST, "seconds must be 0..86400");
    }
    cb_http_result_t res;
    cb_venue_error_t err;
    bool sent;
    rc = route_venue_call(v, &call, &res, &err, &sent);
    cb_order_batch_t b = {0};
    if (rc == 0) {
        const cb_http_resp_t *r = &res.resp;
        rc = cb_kraken_order_parse_cancel_after((int) r->status, r->body, r->body_len, &b, &err);
        cb_http_result_fini(&res);
    }
    *trigger_ms = b.trigger_ms;
    return rc != 0 ? route_fail_venue(fail, v, &err, rc) : 0;
}
