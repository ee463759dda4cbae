/* cb_binance_orders.c - Binance spot order requests built and their replies read (binance.md section 8) */
#include "cb_binance_orders.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cb_binance_impl.h"
#include "cb_error.h"
#include "cb_order_impl.h"

/* ---- requests ------------------------------------------------------------------ */

static const char *const s_tif[] = {"GTC", "IOC", "FOK"};

/* The new-order parameters after symbol (shared by order, order/test and
 * cancelReplace). */
static int
s_new_params(const cb_order_req_t *o, cb_order_call_t *call)
{
    static const char *const types[] = {"MARKET", "LIMIT", "STOP_LOSS", "TAKE_PROFIT"};
    static const char *const limit_types[] = {"MARKET", "LIMIT", "STOP_LOSS_LIMIT",
                                              "TAKE_PROFIT_LIMIT"};
    bool stop = o->type == CB_OTYPE_STOP_LOSS || o->type == CB_OTYPE_TAKE_PROFIT;
    const char *type = o->post_only ? "LIMIT_MAKER" : (o->has_price ? limit_types : types)[o->type];
    int rc = cb_order_param(call, "side", o->buy ? "BUY" : "SELL");
    rc = rc != 0 ? rc : cb_order_param(call, "type", type);
    if (rc == 0 && o->has_price && !o->post_only) {
        rc = cb_order_param(call, "timeInForce", s_tif[o->tif]);
    } else if (rc == 0 && o->tif != CB_TIF_GTC) {
        return CB_E_BAD_REQUEST; /* MARKET, LIMIT_MAKER, STOP_LOSS take no timeInForce */
    }
    rc = rc != 0 ? rc : cb_order_param_dec(call, "quantity", o->amount);
    if (rc == 0 && o->has_price) {
        rc = cb_order_param_dec(call, "price", o->price);
    }
    if (rc == 0 && stop) {
        rc = cb_order_param_dec(call, "stopPrice", o->stop_price);
    }
    if (rc == 0 && o->client_order_id[0] != '\0') {
        rc = cb_order_param(call, "newClientOrderId", o->client_order_id);
    }
    return rc != 0 ? rc : cb_order_param(call, "newOrderRespType", "FULL");
}

int
cb_binance_order_place(const cb_order_req_t *o, cb_order_call_t *call)
{
    int rc = cb_order_req_check(o, CB_DIALECT_BINANCE);
    if (rc != 0) {
        return rc;
    }
    cb_order_call_init(call, "POST", o->validate ? "/api/v3/order/test" : "/api/v3/order",
                       !o->validate);
    rc = cb_order_param(call, "symbol", o->ins->native);
    return rc != 0 ? rc : s_new_params(o, call);
}

/* keys: the venue-id key, then the client-id key. */
static int
s_ref(const cb_order_ref_t *ref, const char *id_key, const char *clid_key, cb_order_call_t *call)
{
    size_t idn = strnlen(ref->id, sizeof ref->id);
    size_t cn = strnlen(ref->client_order_id, sizeof ref->client_order_id);
    if (ref->ins == NULL) {
        return CB_E_BAD_REQUEST;
    }
    int rc = cb_order_param(call, "symbol", ref->ins->native);
    if (rc != 0) {
        return rc;
    }
    if (idn > 0 && idn < 21 && strspn(ref->id, "0123456789") == idn) {
        return cb_order_param(call, id_key, ref->id);
    }
    if (idn == 0 && cb_order_clid_ok(CB_DIALECT_BINANCE, ref->client_order_id, cn)) {
        return cb_order_param(call, clid_key, ref->client_order_id);
    }
    return CB_E_BAD_REQUEST;
}

int
cb_binance_order_cancel(const cb_order_ref_t *ref, cb_order_call_t *call)
{
    cb_order_call_init(call, "DELETE", "/api/v3/order", true);
    return s_ref(ref, "orderId", "origClientOrderId", call);
}

int
cb_binance_order_amend(const cb_order_amend_t *a, cb_order_call_t *call)
{
    cb_order_call_init(call, "POST", "/api/v3/order/cancelReplace", true);
    const cb_order_req_t *o = a->replacement;
    if (o == NULL || o->validate || a->ref.ins == NULL || o->ins != a->ref.ins) {
        return CB_E_BAD_REQUEST;
    }
    int rc = cb_order_req_check(o, CB_DIALECT_BINANCE);
    rc = rc != 0 ? rc : s_ref(&a->ref, "cancelOrderId", "cancelOrigClientOrderId", call);
    rc = rc != 0 ? rc : cb_order_param(call, "cancelReplaceMode", "STOP_ON_FAILURE");
    return rc != 0 ? rc : s_new_params(o, call);
}

int
cb_binance_order_cancel_all(const cb_instrument_t *ins, cb_order_call_t *call)
{
    cb_order_call_init(call, "DELETE", "/api/v3/openOrders", true);
    return ins == NULL ? CB_E_BAD_REQUEST : cb_order_param(call, "symbol", ins->native);
}

int
cb_binance_order_query(const cb_instrument_t *ins, const char *client_order_id,
                       cb_order_call_t *call)
{
    cb_order_call_init(call, "GET", "/api/v3/order", false);
    if (ins == NULL || client_order_id == NULL ||
        !cb_order_clid_ok(CB_DIALECT_BINANCE, client_order_id, strlen(client_order_id))) {
        return CB_E_BAD_REQUEST;
    }
    int rc = cb_order_param(call, "symbol", ins->native);
    return rc != 0 ? rc : cb_order_param(call, "origClientOrderId", client_order_id);
}

/* ---- replies ------------------------------------------------------------------- */

/* Tokenises body; an error status or an error envelope is classified (0
 * when the body is a 2xx reply to read). */
static int
s_open(cb_jdoc_t *doc, bool changes_state, int http_status, const char *body, size_t len,
       cb_venue_error_t *err)
{
    cb_jdoc_init(doc);
    doc->max_tokens = 200000;
    if (body == NULL || cb_jdoc_parse(doc, body, len) != 0) {
        doc->count = 0;
    }
    bool has_code = doc->count > 0 && cb_jtok_get(doc, 0, "code") >= 0;
    if (http_status >= 200 && http_status < 300 && !has_code) {
        if (doc->count == 0 || cb_jtok_type(doc, 0) == CB_JT_STRING ||
            cb_jtok_type(doc, 0) == CB_JT_PRIMITIVE) {
            return cb_order_bad_reply(err, changes_state, http_status, "reply is not JSON");
        }
        memset(err, 0, sizeof *err);
        err->http_status = http_status;
        return 0;
    }
    return cb_binance_classify_doc(doc, changes_state, http_status, 0, err);
}

static cb_ostatus_t
s_status(const cb_jdoc_t *doc, int i)
{
    static const struct {
        const char *word;
        cb_ostatus_t status;
    } map[] = {
        {"NEW", CB_OSTATUS_OPEN},           {"PENDING_NEW", CB_OSTATUS_OPEN},
        {"PARTIALLY_FILLED", CB_OSTATUS_PARTIALLY_FILLED},
        {"FILLED", CB_OSTATUS_FILLED},      {"CANCELED", CB_OSTATUS_CANCELED},
        {"PENDING_CANCEL", CB_OSTATUS_CANCELED}, {"REJECTED", CB_OSTATUS_REJECTED},
        {"EXPIRED", CB_OSTATUS_EXPIRED},    {"EXPIRED_IN_MATCH", CB_OSTATUS_EXPIRED},
    };
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
        if (cb_jtok_eq(doc, i, map[k].word)) {
            return map[k].status;
        }
    }
    return CB_OSTATUS_NONE;
}

static const char *
s_type_word(cb_str_t w)
{
    if (cb_str_eq_cstr(w, "MARKET")) {
        return "market";
    }
    if (cb_str_eq_cstr(w, "LIMIT") || cb_str_eq_cstr(w, "LIMIT_MAKER")) {
        return "limit";
    }
    if (w.len >= 9 && memcmp(w.ptr, "STOP_LOSS", 9) == 0) {
        return "stop-loss";
    }
    if (w.len >= 11 && memcmp(w.ptr, "TAKE_PROFIT", 11) == 0) {
        return "take-profit";
    }
    return NULL;
}

/* fills[]: the commissions summed when one asset; fee_asset "" when mixed. */
static int
s_fills(const cb_jdoc_t *doc, int fills, cb_vorder_t *o)
{
    if (fills < 0) {
        return 0;
    }
    if (cb_jtok_type(doc, fills) != CB_JT_ARRAY) {
        return CB_E_PARSE;
    }
    o->fee = (cb_odec_t){cb_decimal_from_int(0), true};
    bool mixed = false;
    int f = cb_jtok_first(doc, fills);
    for (int n = 0; n < cb_jtok_size(doc, fills); n++, f = cb_jtok_skip(doc, f)) {
        cb_odec_t c;
        char asset[CB_NATIVE_MAX], unified[CB_ASSET_MAX + 1];
        int rc = cb_jtok_type(doc, f) == CB_JT_OBJECT ? 0 : CB_E_PARSE;
        rc = rc != 0 ? rc : cb_order_dec(doc, cb_jtok_get(doc, f, "commission"), &c);
        rc = rc != 0 ? rc
                     : cb_order_text(doc, cb_jtok_get(doc, f, "commissionAsset"), asset, sizeof asset);
        if (rc != 0) {
            return rc;
        }
        if (!c.set || cb_asset_unify(CB_DIALECT_BINANCE, asset, strlen(asset), unified) != 0) {
            return CB_E_PARSE;
        }
        if (o->fee_asset[0] == '\0' && !mixed) {
            snprintf(o->fee_asset, sizeof o->fee_asset, "%s", unified);
        } else if (strcmp(o->fee_asset, unified) != 0) {
            mixed = true;
        }
        rc = cb_decimal_add(o->fee.value, c.value, &o->fee.value);
        if (rc != 0) {
            return rc;
        }
    }
    if (mixed) {
        o->fee.set = false;
        o->fee_asset[0] = '\0';
    }
    return 0;
}

static int
s_ms(const cb_jdoc_t *doc, int i, int64_t *ms)
{
    *ms = 0;
    return i < 0 ? 0 : cb_jtok_i64(doc, i, ms);
}

/* One order object at obj. */
static int
s_order(const cb_jdoc_t *doc, const cb_instruments_t *list, int obj, cb_vorder_t *o)
{
    memset(o, 0, sizeof *o);
    if (cb_jtok_type(doc, obj) != CB_JT_OBJECT) {
        return CB_E_PARSE;
    }
    int orig = cb_jtok_get(doc, obj, "origClientOrderId"); /* cancel replies: the order's own */
    int64_t created = 0, updated = 0;
    int rc = cb_jtok_type(doc, cb_jtok_get(doc, obj, "orderId")) == CB_JT_PRIMITIVE ? 0 : CB_E_PARSE;
    rc = rc != 0 ? rc : cb_order_text(doc, cb_jtok_get(doc, obj, "orderId"), o->id, sizeof o->id);
    rc = rc != 0 ? rc
                 : cb_order_text(doc, orig >= 0 ? orig : cb_jtok_get(doc, obj, "clientOrderId"),
                                 o->client_order_id, sizeof o->client_order_id);
    rc = rc != 0 ? rc : cb_order_dec(doc, cb_jtok_get(doc, obj, "origQty"), &o->amount);
    rc = rc != 0 ? rc : cb_order_dec(doc, cb_jtok_get(doc, obj, "executedQty"), &o->filled);
    rc = rc != 0 ? rc : cb_order_dec(doc, cb_jtok_get(doc, obj, "cummulativeQuoteQty"), &o->cost);
    rc = rc != 0 ? rc : cb_order_dec(doc, cb_jtok_get(doc, obj, "price"), &o->price);
    rc = rc != 0 ? rc : cb_order_dec(doc, cb_jtok_get(doc, obj, "stopPrice"), &o->stop_price);
    rc = rc != 0 ? rc : s_fills(doc, cb_jtok_get(doc, obj, "fills"), o);
    rc = rc != 0 ? rc : s_ms(doc, cb_jtok_get(doc, obj, "time"), &created);
    rc = rc != 0 ? rc : s_ms(doc, cb_jtok_get(doc, obj, "transactTime"), &updated);
    rc = rc != 0 ? rc : s_ms(doc, cb_jtok_get(doc, obj, "updateTime"), &o->updated_ms);
    if (rc != 0) {
        return rc;
    }
    int st = cb_jtok_get(doc, obj, "status");
    o->status = s_status(doc, st);
    if (st >= 0 && o->status == CB_OSTATUS_NONE) {
        return CB_E_PARSE;
    }
    /* Market orders carry price "0": no limit price. A cost below zero is
     * "not available" (old orders). */
    o->price.set = o->price.set && cb_decimal_sign(o->price.value) > 0;
    o->stop_price.set = o->stop_price.set && cb_decimal_sign(o->stop_price.value) > 0;
    o->cost.set = o->cost.set && cb_decimal_sign(o->cost.value) >= 0;
    if (o->stop_price.set && !o->price.set) {
        o->price = o->stop_price;
    }
    cb_order_avg(o);
    o->created_ms = created != 0 ? created : updated;
    o->updated_ms = o->updated_ms != 0 ? o->updated_ms : updated != 0 ? updated : created;
    if (cb_ostatus_final(o->status)) {
        o->closed_ms = o->updated_ms;
    }
    int side = cb_jtok_get(doc, obj, "side");
    o->side = cb_jtok_eq(doc, side, "BUY") ? "buy" : cb_jtok_eq(doc, side, "SELL") ? "sell" : NULL;
    o->type = s_type_word(cb_jtok_raw(doc, cb_jtok_get(doc, obj, "type")));
    const cb_instrument_t *ins =
        list != NULL ? cb_instruments_by_native(list, cb_jtok_raw(doc, cb_jtok_get(doc, obj, "symbol")))
                     : NULL;
    if (ins != NULL) {
        snprintf(o->symbol, sizeof o->symbol, "%s", ins->symbol);
    }
    return 0;
}

int
cb_binance_order_parse(const cb_instruments_t *list, bool changes_state, int http_status,
                       const char *body, size_t len, cb_vorder_t *out, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    memset(out, 0, sizeof *out);
    int rc = s_open(&doc, changes_state, http_status, body, len, err);
    if (rc == 0 && cb_jtok_type(&doc, 0) == CB_JT_OBJECT && cb_jtok_size(&doc, 0) == 0) {
        out->validated = true; /* order/test: {} */
    } else if (rc == 0 && s_order(&doc, list, 0, out) != 0) {
        memset(out, 0, sizeof *out);
        rc = cb_order_bad_reply(err, changes_state, http_status, "order reply not as documented");
    }
    cb_jdoc_fini(&doc);
    return rc;
}

int
cb_binance_order_parse_amend(const cb_instruments_t *list, int http_status, const char *body,
                             size_t len, cb_vorder_t *out, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    memset(out, 0, sizeof *out);
    int rc = s_open(&doc, true, http_status, body, len, err);
    if (rc == 0) {
        cb_vorder_t old;
        if (s_order(&doc, list, cb_jtok_get(&doc, 0, "newOrderResponse"), out) != 0 ||
            s_order(&doc, list, cb_jtok_get(&doc, 0, "cancelResponse"), &old) != 0) {
            memset(out, 0, sizeof *out);
            rc = cb_order_bad_reply(err, true, http_status, "cancelReplace reply not as documented");
        } else {
            snprintf(out->replaced_id, sizeof out->replaced_id, "%s", old.id);
        }
    } else if (doc.count > 0 && (err->cls == CB_VERR_REJECTED || err->cls == CB_VERR_NOT_FOUND)) {
        /* {"code":-2022,"msg":..,"data":{"cancelResult":"FAILURE","cancelResponse":{"code":-2011,..}}} */
        int data = cb_jtok_get(&doc, 0, "data");
        int64_t cancel_code = 0;
        if (cb_jtok_eq(&doc, cb_jtok_get(&doc, data, "cancelResult"), "FAILURE") &&
            cb_jtok_i64(&doc, cb_jtok_get(&doc, cb_jtok_get(&doc, data, "cancelResponse"), "code"),
                        &cancel_code) == 0 &&
            (cancel_code == -2011 || cancel_code == -2013)) {
            err->cls = CB_VERR_NOT_FOUND;
            rc = cb_verr_code(err->cls);
        } else if (http_status == 409) {
            char msg[CB_VERR_MESSAGE_MAX];
            int n = snprintf(msg, sizeof msg, "old order cancelled, new order refused: %s",
                             err->message);
            cb_verr_set(err, CB_VERR_REJECTED, http_status, err->venue_code, msg,
                        n < 0 ? 0 : (size_t) n < sizeof msg ? (size_t) n : sizeof msg - 1);
            rc = cb_verr_code(err->cls);
        }
    }
    cb_jdoc_fini(&doc);
    return rc;
}

int
cb_binance_order_parse_cancel_all(int http_status, const char *body, size_t len,
                                  cb_order_batch_t *out, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    memset(out, 0, sizeof *out);
    int rc = s_open(&doc, true, http_status, body, len, err);
    if (rc == 0 && cb_jtok_type(&doc, 0) != CB_JT_ARRAY) {
        rc = cb_order_bad_reply(err, true, http_status, "openOrders reply is not an array");
    }
    if (rc == 0) {
        out->count = (size_t) cb_jtok_size(&doc, 0);
    }
    cb_jdoc_fini(&doc);
    return rc;
}

int
cb_binance_order_parse_query(const cb_instruments_t *list, int http_status, const char *body,
                             size_t len, cb_order_query_t *out, cb_venue_error_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = cb_binance_order_parse(list, false, http_status, body, len, &out->order, err);
    if (rc == 0) {
        out->found = !out->order.validated;
        if (!out->found) {
            return cb_order_bad_reply(err, false, http_status, "order reply is empty");
        }
        return 0;
    }
    if (err->cls == CB_VERR_NOT_FOUND && strcmp(err->venue_code, "-2013") == 0) {
        memset(err, 0, sizeof *err);
        err->http_status = http_status;
        return 0; /* found false: the venue says there is no such order */
    }
    return rc;
}
