/* cb_kraken_orders.c - Kraken order requests built and their replies read (kraken.md section 4.2) */
#include "cb_kraken_orders.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_jtok.h"
#include "cb_kraken_impl.h"
#include "cb_order_impl.h"
#include "cb_time.h"

/* ---- requests ------------------------------------------------------------------ */

static int
s_ref(const cb_order_ref_t *ref, cb_order_call_t *call)
{
    size_t idn = strnlen(ref->id, sizeof ref->id);
    size_t cn = strnlen(ref->client_order_id, sizeof ref->client_order_id);
    if (idn > 0 && idn < sizeof ref->id) {
        /* txids are [A-Z0-9-]; anything else would need escaping. */
        for (size_t k = 0; k < idn; k++) {
            char c = ref->id[k];
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                return CB_E_BAD_REQUEST;
            }
        }
        return cb_order_param(call, "txid", ref->id);
    }
    if (idn == 0 && cb_order_clid_ok(CB_DIALECT_KRAKEN, ref->client_order_id, cn)) {
        return cb_order_param(call, "cl_ord_id", ref->client_order_id);
    }
    return CB_E_BAD_REQUEST;
}

int
cb_kraken_order_place(const cb_order_req_t *o, cb_order_call_t *call)
{
    int rc = cb_order_req_check(o, CB_DIALECT_KRAKEN);
    if (rc != 0) {
        return rc;
    }
    cb_order_call_init(call, "POST", "AddOrder", !o->validate);
    static const char *const types[] = {"market", "limit", "stop-loss", "take-profit"};
    static const char *const limit_types[] = {"market", "limit", "stop-loss-limit",
                                              "take-profit-limit"};
    bool stop = o->type == CB_OTYPE_STOP_LOSS || o->type == CB_OTYPE_TAKE_PROFIT;
    rc = cb_order_param(call, "pair", o->ins->native);
    rc = rc != 0 ? rc : cb_order_param(call, "type", o->buy ? "buy" : "sell");
    rc = rc != 0 ? rc
                 : cb_order_param(call, "ordertype",
                                  (stop && o->has_price ? limit_types : types)[o->type]);
    rc = rc != 0 ? rc : cb_order_param_dec(call, "volume", o->amount);
    if (rc == 0 && stop) {
        /* price is the trigger; price2 the limit after it. */
        rc = cb_order_param_dec(call, "price", o->stop_price);
        rc = rc != 0 || !o->has_price ? rc : cb_order_param_dec(call, "price2", o->price);
    } else if (rc == 0 && o->has_price) {
        rc = cb_order_param_dec(call, "price", o->price);
    }
    if (rc == 0 && o->post_only) {
        rc = cb_order_param(call, "oflags", "post");
    }
    if (rc == 0 && o->tif != CB_TIF_GTC) {
        rc = cb_order_param(call, "timeinforce", o->tif == CB_TIF_IOC ? "IOC" : "FOK");
    }
    if (rc == 0 && o->client_order_id[0] != '\0') {
        rc = cb_order_param(call, "cl_ord_id", o->client_order_id);
    }
    if (rc == 0 && o->validate) {
        rc = cb_order_param(call, "validate", "true");
    }
    return rc;
}

int
cb_kraken_order_cancel(const cb_order_ref_t *ref, cb_order_call_t *call)
{
    cb_order_call_init(call, "POST", "CancelOrder", true);
    return s_ref(ref, call);
}

int
cb_kraken_order_amend(const cb_order_amend_t *a, cb_order_call_t *call)
{
    cb_order_call_init(call, "POST", "AmendOrder", true);
    if (!a->has_amount && !a->has_price) {
        return CB_E_BAD_REQUEST;
    }
    int rc = s_ref(&a->ref, call);
    if (rc == 0 && a->has_amount) {
        rc = cb_order_param_dec(call, "order_qty", a->amount);
    }
    if (rc == 0 && a->has_price) {
        rc = cb_order_param_dec(call, "limit_price", a->price);
    }
    return rc;
}

int
cb_kraken_order_cancel_all(const cb_instrument_t *ins, cb_order_call_t *call)
{
    cb_order_call_init(call, "POST", "CancelAll", true);
    return ins == NULL ? 0 : CB_E_BAD_REQUEST;
}

int
cb_kraken_order_cancel_after(int64_t timeout_s, cb_order_call_t *call)
{
    cb_order_call_init(call, "POST", "CancelAllOrdersAfter", true);
    if (timeout_s < 0 || timeout_s > 86400) {
        return CB_E_BAD_REQUEST;
    }
    char v[24];
    snprintf(v, sizeof v, "%" PRId64, timeout_s);
    return cb_order_param(call, "timeout", v);
}

int
cb_kraken_order_query(const char *client_order_id, bool closed, cb_order_call_t *call)
{
    cb_order_call_init(call, "POST", closed ? "ClosedOrders" : "OpenOrders", false);
    if (client_order_id == NULL ||
        !cb_order_clid_ok(CB_DIALECT_KRAKEN, client_order_id, strlen(client_order_id))) {
        return CB_E_BAD_REQUEST;
    }
    return cb_order_param(call, "cl_ord_id", client_order_id);
}

/* ---- replies ------------------------------------------------------------------- */

/* Tokenises body and reads the envelope: 0 with *result the result object,
 * or the error (err filled). */
static int
s_open(cb_jdoc_t *doc, int http_status, const char *body, size_t len, bool changes_state,
       int *result, cb_venue_error_t *err)
{
    cb_jdoc_init(doc);
    doc->max_tokens = 200000;
    if (body == NULL || cb_jdoc_parse(doc, body, len) != 0) {
        doc->count = 0;
    }
    int rc = cb_kraken_classify_doc(doc, changes_state, false, true, http_status, 0, err);
    if (rc != 0) {
        return rc;
    }
    *result = cb_jtok_get(doc, 0, "result");
    if (cb_jtok_type(doc, *result) != CB_JT_OBJECT) {
        return cb_order_bad_reply(err, changes_state, http_status, "Kraken reply without a result");
    }
    return 0;
}

static void
s_from_req(const cb_order_req_t *o, cb_vorder_t *out)
{
    static const char *const types[] = {"market", "limit", "stop-loss", "take-profit"};
    memset(out, 0, sizeof *out);
    snprintf(out->client_order_id, sizeof out->client_order_id, "%s", o->client_order_id);
    snprintf(out->symbol, sizeof out->symbol, "%s", o->ins->symbol);
    out->side = o->buy ? "buy" : "sell";
    out->type = types[o->type];
    out->amount = (cb_odec_t){o->amount, true};
    bool stop = o->type == CB_OTYPE_STOP_LOSS || o->type == CB_OTYPE_TAKE_PROFIT;
    if (stop) {
        out->stop_price = (cb_odec_t){o->stop_price, true};
    }
    out->price = stop ? out->stop_price : (cb_odec_t){o->price, o->has_price};
}

int
cb_kraken_order_parse_place(const cb_order_req_t *o, int http_status, const char *body, size_t len,
                            cb_vorder_t *out, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    int result = -1;
    bool cs = !o->validate;
    int rc = s_open(&doc, http_status, body, len, cs, &result, err);
    if (rc == 0) {
        s_from_req(o, out);
        int txids = cb_jtok_get(&doc, result, "txid");
        if (o->validate && txids < 0) {
            out->validated = true;
        } else if (cb_jtok_type(&doc, txids) != CB_JT_ARRAY || cb_jtok_size(&doc, txids) < 1 ||
                   cb_jtok_type(&doc, cb_jtok_at(&doc, txids, 0)) != CB_JT_STRING ||
                   cb_order_text(&doc, cb_jtok_at(&doc, txids, 0), out->id, sizeof out->id) != 0 ||
                   out->id[0] == '\0') {
            rc = cb_order_bad_reply(err, cs, http_status, "AddOrder reply without a txid");
        }
    }
    cb_jdoc_fini(&doc);
    return rc;
}

int
cb_kraken_order_parse_cancel(int http_status, const char *body, size_t len, cb_order_batch_t *out,
                             cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    int result = -1;
    memset(out, 0, sizeof *out);
    int rc = s_open(&doc, http_status, body, len, true, &result, err);
    int64_t n = -1;
    if (rc == 0 && (cb_jtok_i64(&doc, cb_jtok_get(&doc, result, "count"), &n) != 0 || n < 0)) {
        rc = cb_order_bad_reply(err, true, http_status, "cancel reply without a count");
    }
    if (rc == 0) {
        out->count = (size_t) n;
    }
    cb_jdoc_fini(&doc);
    return rc;
}

int
cb_kraken_order_parse_amend(const cb_order_amend_t *a, int http_status, const char *body,
                            size_t len, cb_vorder_t *out, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    int result = -1;
    int rc = s_open(&doc, http_status, body, len, true, &result, err);
    if (rc == 0 && cb_jtok_type(&doc, cb_jtok_get(&doc, result, "amend_id")) != CB_JT_STRING) {
        rc = cb_order_bad_reply(err, true, http_status, "AmendOrder reply without an amend_id");
    }
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        snprintf(out->id, sizeof out->id, "%s", a->ref.id);
        snprintf(out->client_order_id, sizeof out->client_order_id, "%s", a->ref.client_order_id);
        if (a->ref.ins != NULL) {
            snprintf(out->symbol, sizeof out->symbol, "%s", a->ref.ins->symbol);
        }
        out->amount = (cb_odec_t){a->amount, a->has_amount};
        out->price = (cb_odec_t){a->price, a->has_price};
    }
    cb_jdoc_fini(&doc);
    return rc;
}

/* An RFC 3339 time, or "0" (disarmed): Unix ms into *ms. */
static int
s_time_ms(const cb_jdoc_t *doc, int i, int64_t *ms)
{
    int64_t ns = 0;
    if (cb_jtok_eq(doc, i, "0")) {
        *ms = 0;
        return 0;
    }
    if (cb_jtok_rfc3339(doc, i, &ns) != 0) {
        return CB_E_PARSE;
    }
    *ms = ns / 1000000;
    return 0;
}

int
cb_kraken_order_parse_cancel_after(int http_status, const char *body, size_t len,
                                   cb_order_batch_t *out, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    int result = -1;
    memset(out, 0, sizeof *out);
    int rc = s_open(&doc, http_status, body, len, true, &result, err);
    if (rc == 0 && (s_time_ms(&doc, cb_jtok_get(&doc, result, "currentTime"), &out->current_ms) != 0 ||
                    s_time_ms(&doc, cb_jtok_get(&doc, result, "triggerTime"), &out->trigger_ms) != 0)) {
        rc = cb_order_bad_reply(err, true, http_status, "CancelAllOrdersAfter reply without times");
    }
    cb_jdoc_fini(&doc);
    return rc;
}

/* Kraken's float seconds ("opentm":1705259439.563) -> Unix ms (0 absent). */
static int
s_secs_ms(const cb_jdoc_t *doc, int i, int64_t *ms)
{
    cb_odec_t d;
    *ms = 0;
    int rc = cb_order_dec(doc, i, &d);
    if (rc != 0 || !d.set) {
        return rc;
    }
    cb_decimal_t r;
    rc = cb_decimal_round(d.value, 3, CB_ROUND_DOWN, &r);
    return rc != 0 ? rc : cb_decimal_to_scaled_int(r, 3, ms);
}

static const char *
s_type_word(cb_str_t w)
{
    if (cb_str_eq_cstr(w, "market")) {
        return "market";
    }
    if (cb_str_eq_cstr(w, "limit") || cb_str_eq_cstr(w, "iceberg")) {
        return "limit";
    }
    if (w.len >= 9 && memcmp(w.ptr, "stop-loss", 9) == 0) {
        return "stop-loss";
    }
    if (w.len >= 11 && memcmp(w.ptr, "take-profit", 11) == 0) {
        return "take-profit";
    }
    if (w.len >= 8 && memcmp(w.ptr, "trailing", 8) == 0) {
        return "stop-loss";
    }
    return NULL;
}

static int
s_status(const cb_jdoc_t *doc, int i, const cb_vorder_t *o, cb_ostatus_t *st)
{
    bool some = o->filled.set && cb_decimal_sign(o->filled.value) > 0;
    bool all = some && o->amount.set && cb_decimal_cmp(o->filled.value, o->amount.value) >= 0;
    if (cb_jtok_eq(doc, i, "pending") || cb_jtok_eq(doc, i, "open")) {
        *st = some ? CB_OSTATUS_PARTIALLY_FILLED : CB_OSTATUS_OPEN;
    } else if (cb_jtok_eq(doc, i, "closed")) {
        /* Closed is filled; an IOC remainder closes with the rest unfilled. */
        *st = all || !o->amount.set ? CB_OSTATUS_FILLED : CB_OSTATUS_CANCELED;
    } else if (cb_jtok_eq(doc, i, "canceled")) {
        *st = CB_OSTATUS_CANCELED;
    } else if (cb_jtok_eq(doc, i, "expired")) {
        *st = CB_OSTATUS_EXPIRED;
    } else {
        return CB_E_PARSE;
    }
    return 0;
}

/* One OrderInfo object at obj, keyed by txid at key. */
static int
s_order_info(const cb_jdoc_t *doc, const cb_instruments_t *list, int key, int obj, cb_vorder_t *o)
{
    memset(o, 0, sizeof *o);
    int descr = cb_jtok_get(doc, obj, "descr");
    if (cb_jtok_type(doc, obj) != CB_JT_OBJECT || cb_jtok_type(doc, descr) != CB_JT_OBJECT) {
        return CB_E_PARSE;
    }
    int rc = cb_order_text(doc, key, o->id, sizeof o->id);
    rc = rc != 0 ? rc
                 : cb_order_text(doc, cb_jtok_get(doc, obj, "cl_ord_id"), o->client_order_id,
                                 sizeof o->client_order_id);
    rc = rc != 0 ? rc : cb_order_dec(doc, cb_jtok_get(doc, obj, "vol"), &o->amount);
    rc = rc != 0 ? rc : cb_order_dec(doc, cb_jtok_get(doc, obj, "vol_exec"), &o->filled);
    rc = rc != 0 ? rc : cb_order_dec(doc, cb_jtok_get(doc, obj, "cost"), &o->cost);
    rc = rc != 0 ? rc : cb_order_dec(doc, cb_jtok_get(doc, obj, "fee"), &o->fee);
    rc = rc != 0 ? rc : cb_order_dec(doc, cb_jtok_get(doc, obj, "stopprice"), &o->stop_price);
    rc = rc != 0 ? rc : cb_order_dec(doc, cb_jtok_get(doc, descr, "price"), &o->price);
    rc = rc != 0 ? rc : s_secs_ms(doc, cb_jtok_get(doc, obj, "opentm"), &o->created_ms);
    rc = rc != 0 ? rc : s_secs_ms(doc, cb_jtok_get(doc, obj, "closetm"), &o->closed_ms);
    rc = rc != 0 ? rc : s_status(doc, cb_jtok_get(doc, obj, "status"), o, &o->status);
    if (rc != 0) {
        return rc;
    }
    if (cb_order_text(doc, cb_jtok_get(doc, obj, "reason"), o->reason, sizeof o->reason) != 0) {
        o->reason[0] = '\0'; /* a free-text reason longer than we keep: not needed */
    }
    int side = cb_jtok_get(doc, descr, "type");
    o->side = cb_jtok_eq(doc, side, "buy") ? "buy" : cb_jtok_eq(doc, side, "sell") ? "sell" : NULL;
    o->type = s_type_word(cb_jtok_raw(doc, cb_jtok_get(doc, descr, "ordertype")));
    /* "price" is the average fill price; it means something only once filled. */
    if (o->filled.set && cb_decimal_sign(o->filled.value) > 0) {
        rc = cb_order_dec(doc, cb_jtok_get(doc, obj, "price"), &o->avg_price);
        if (rc != 0) {
            return rc;
        }
        if (!o->avg_price.set || cb_decimal_is_zero(o->avg_price.value)) {
            cb_order_avg(o);
        }
    }
    o->updated_ms = o->closed_ms != 0 ? o->closed_ms : o->created_ms;
    const cb_instrument_t *ins =
        list != NULL ? cb_instruments_by_native(list, cb_jtok_raw(doc, cb_jtok_get(doc, descr, "pair")))
                     : NULL;
    if (ins != NULL) {
        snprintf(o->symbol, sizeof o->symbol, "%s", ins->symbol);
        /* Fees are in the quote currency unless the order asked for base (fcib). */
        cb_str_t flags = cb_jtok_raw(doc, cb_jtok_get(doc, obj, "oflags"));
        bool base = flags.len >= 4 && memmem(flags.ptr, flags.len, "fcib", 4) != NULL;
        snprintf(o->fee_asset, sizeof o->fee_asset, "%s", base ? ins->base : ins->quote);
    }
    return 0;
}

int
cb_kraken_order_parse_query(const cb_instruments_t *list, const char *client_order_id,
                            int http_status, const char *body, size_t len, cb_order_query_t *out,
                            cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    int result = -1;
    memset(out, 0, sizeof *out);
    int rc = s_open(&doc, http_status, body, len, false, &result, err);
    int map = -1;
    if (rc == 0) {
        map = cb_jtok_get(&doc, result, "open");
        map = map >= 0 ? map : cb_jtok_get(&doc, result, "closed");
        if (cb_jtok_type(&doc, map) != CB_JT_OBJECT) {
            rc = cb_order_bad_reply(err, false, http_status, "order list reply without open/closed");
        }
    }
    int k = cb_jtok_first(&doc, map);
    for (int n = 0; rc == 0 && n < cb_jtok_size(&doc, map); n++) {
        int value = cb_jtok_skip(&doc, k);
        cb_vorder_t o;
        if (s_order_info(&doc, list, k, value, &o) != 0) {
            rc = cb_order_bad_reply(err, false, http_status, "order entry not as documented");
        } else if (client_order_id != NULL && strcmp(o.client_order_id, client_order_id) == 0) {
            out->found = true;
            out->order = o;
            break;
        }
        k = cb_jtok_skip(&doc, value);
    }
    cb_jdoc_fini(&doc);
    return rc;
}
