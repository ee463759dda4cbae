/* sim_binance_replace.c - Binance cancel-and-replace (order/cancelReplace) on the simulated exchange */
#include "sim_binance_replace.h"

#include <string.h>

#include "sim_binance_orders.h"

/* Wraps the error body the new order (or the cancel) left in c->res into
 * Binance's cancelReplace failure: {"code":..,"msg":..,"data":{..}}. */
static void
s_fail(sim_bn_t *c, int status, int code, const char *msg, const char *cancel_result,
       const char *new_result, const cb_buf_t *cancel_json, const cb_buf_t *new_json)
{
    cb_buf_reset(&c->res->body);
    c->res->status = status;
    cb_buf_appendf(&c->res->body,
                   "{\"code\":%d,\"msg\":\"%s\",\"data\":{\"cancelResult\":\"%s\","
                   "\"newOrderResult\":\"%s\",\"cancelResponse\":",
                   code, msg, cancel_result, new_result);
    cb_buf_append(&c->res->body, cancel_json->data, cancel_json->len);
    cb_buf_append_str(&c->res->body, ",\"newOrderResponse\":");
    if (new_json != NULL && new_json->len > 0) {
        cb_buf_append(&c->res->body, new_json->data, new_json->len);
    } else {
        cb_buf_append_str(&c->res->body, "null");
    }
    cb_buf_append_str(&c->res->body, "}}");
}

void
sim_bn_order_cancel_replace(sim_bn_t *c)
{
    char mode[32];
    int found = sim_bn_enum(c, "cancelReplaceMode", mode, sizeof mode);
    if (found < 0) {
        return;
    }
    if (found == 0) {
        sim_bn_fail(c, 400, -1102,
                    "Mandatory parameter 'cancelReplaceMode' was not sent, was empty/null, or "
                    "malformed.");
        return;
    }
    bool allow_failure = strcmp(mode, "ALLOW_FAILURE") == 0;
    if (!allow_failure && strcmp(mode, "STOP_ON_FAILURE") != 0) {
        sim_bn_fail(c, 400, -1130, "Data sent for parameter 'cancelReplaceMode' is not valid.");
        return;
    }
    sim_order_req_t req;
    int resp;
    char cancel_clid[SIM_BN_CLID_SIZE] = "";
    if (sim_bn_param(c, "cancelNewClientOrderId", cancel_clid, sizeof cancel_clid) < 0) {
        sim_bn_fail(c, 400, -1100,
                    "Illegal characters found in parameter 'cancelNewClientOrderId'.");
        return;
    }
    if (!sim_bn_order_read(c, &req, &resp)) {
        return;
    }
    cb_buf_t cancel_json = {0}, new_json = {0};
    int rc;
    const sim_xorder_t *old =
        sim_bn_named_order_by(c, req.inst, true, "cancelOrderId", "cancelOrigClientOrderId", &rc);
    bool cancelled = false;
    if (old == NULL && rc != 0) {
        goto done; /* a parameter error, written */
    }
    if (old != NULL && sim_exchange_cancel(c->sim->exchange, c->account, old->id,
                                           "User requested", &old) == SIM_X_OK) {
        if (cancel_clid[0] == '\0') {
            sim_bn_auto_id(old->id, (uint64_t) c->now_ns, cancel_clid);
        }
        sim_bn_cancel_json(&cancel_json, old, cancel_clid);
        cancelled = true;
    } else {
        cb_buf_append_str(&cancel_json, "{\"code\":-2011,\"msg\":\"Unknown order sent.\"}");
        if (!allow_failure) {
            s_fail(c, 400, -2022, "Order cancel-replace failed.", "FAILURE", "NOT_ATTEMPTED",
                   &cancel_json, NULL);
            goto done;
        }
    }
    cb_buf_reset(&c->res->body);
    const sim_xorder_t *o = sim_bn_order_submit(c, &req);
    if (o == NULL) {
        cb_buf_append(&new_json, c->res->body.data, c->res->body.len);
        if (cancelled) {
            s_fail(c, 409, -2021, "Order cancel-replace partially failed.", "SUCCESS", "FAILURE",
                   &cancel_json, &new_json);
        } else {
            s_fail(c, 400, -2022, "Order cancel-replace failed.", "FAILURE", "FAILURE",
                   &cancel_json, &new_json);
        }
        goto done;
    }
    sim_bn_new_order_json(&new_json, c->sim->exchange, o, resp);
    if (!cancelled) {
        /* ALLOW_FAILURE: the new order stands, the cancel failed. */
        s_fail(c, 409, -2021, "Order cancel-replace partially failed.", "FAILURE", "SUCCESS",
               &cancel_json, &new_json);
        goto done;
    }
    cb_buf_append_str(&c->res->body,
                      "{\"cancelResult\":\"SUCCESS\",\"newOrderResult\":\"SUCCESS\",\"cancelResponse\":");
    cb_buf_append(&c->res->body, cancel_json.data, cancel_json.len);
    cb_buf_append_str(&c->res->body, ",\"newOrderResponse\":");
    cb_buf_append(&c->res->body, new_json.data, new_json.len);
    cb_buf_append_char(&c->res->body, '}');
    c->weight = 0;
done:
    cb_buf_fini(&new_json);
    cb_buf_fini(&cancel_json);
}
