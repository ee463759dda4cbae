/* route_sweep.c - the order-router's periodic work: takeover and resolution of pending / unknown ledger entries, and due Binance dead-man's timers */
#include <inttypes.h>

#include "cb_log.h"
#include "cb_time.h"
#include "route_app.h"

#define S_SWEEP_EVERY_MS 250
#define S_RETRY_MS 1000      /* a swept entry that stays unknown is tried again after this */

void
route_sweep(route_app_t *app)
{
    int64_t now = cb_time_now_ms();
    if (now < app->next_sweep_ms) {
        return;
    }
    app->next_sweep_ms = now + S_SWEEP_EVERY_MS;
    for (size_t i = 0; i < app->nvenues; i++) {
        route_venue_t *v = &app->venues[i];
        if (v->cred == NULL) {
            continue;
        }
        char ids[64][CB_CLID_MAX + 1];
        size_t n = 0;
        (void) route_ledger_ids(&app->ledger, v->cfg.name, true, ids, 64, &n);
        for (size_t k = 0; k < n; k++) {
            route_order_t o;
            route_fail_t fail;
            if (route_ledger_claim(&app->ledger, v->cfg.name, ids[k], S_RETRY_MS) == 1 &&
                route_ledger_get(&app->ledger, v->cfg.name, ids[k], &o) == 0) {
                cb_log_info("order_takeover", "venue=%s clid=%s status=%s owner=%s", v->cfg.name,
                            o.client_order_id, o.status, o.owner);
                (void) route_exec_resolve(app, v, &o, false, &fail);
            }
        }
        if (v->cfg.dialect == CB_DIALECT_BINANCE &&
            route_ledger_timer_take(&app->ledger, v->cfg.name, now) == 1) {
            int64_t count = 0;
            route_fail_t fail;
            int rc = route_cancel_all(app, v, NULL, &count, &fail);
            cb_log_warn("cancel_after_fired", "venue=%s cancelled=%" PRId64 " error=\"%s\"",
                        v->cfg.name, count, rc != 0 ? fail.message : "");
        }
    }
}
