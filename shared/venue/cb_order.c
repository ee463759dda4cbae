/* cb_order.c - order action shapes shared by the dialects: status names, client ids, refusal reasons, request parameters */
#include "cb_order.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cb_error.h"
#include "cb_order_impl.h"

const char *
cb_ostatus_name(cb_ostatus_t status)
{
    switch (status) {
    case CB_OSTATUS_OPEN:
        return "open";
    case CB_OSTATUS_PARTIALLY_FILLED:
        return "partially_filled";
    case CB_OSTATUS_FILLED:
        return "filled";
    case CB_OSTATUS_CANCELED:
        return "canceled";
    case CB_OSTATUS_REJECTED:
        return "rejected";
    case CB_OSTATUS_EXPIRED:
        return "expired";
    case CB_OSTATUS_NONE:
        break;
    }
    return "";
}

bool
cb_ostatus_final(cb_ostatus_t status)
{
    return status == CB_OSTATUS_FILLED || status == CB_OSTATUS_CANCELED ||
           status == CB_OSTATUS_REJECTED || status == CB_OSTATUS_EXPIRED;
}

bool
cb_order_clid_ok(cb_dialect_t dialect, const char *text, size_t len)
{
    if (text == NULL || len == 0 || len > CB_CLID_MAX) {
        return false;
    }
    for (size_t k = 0; k < len; k++) {
        char c = text[k];
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '-';
        if (!ok && dialect == CB_DIALECT_BINANCE) {
            ok = c == '_';
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Venue words for each reason, matched case-insensitively in the venue
 * code and message: Kraken's error strings (kraken.md section 2), Binance's
 * -1013 filter failures and -2010 engine messages (binance.md section 5). */
static const struct {
    cb_oreject_t reason;
    const char *word;
} s_reject_words[] = {
    {CB_OREJECT_POST_ONLY, "would immediately match and take"},
    {CB_OREJECT_POST_ONLY, "post only"},
    {CB_OREJECT_DUPLICATE, "duplicate order"},
    {CB_OREJECT_NOTIONAL, "NOTIONAL"},
    {CB_OREJECT_NOTIONAL, "Cost minimum not met"},
    {CB_OREJECT_NOTIONAL, "Price * QTY is zero or less"},
    {CB_OREJECT_PRICE, "PRICE_FILTER"},
    {CB_OREJECT_PRICE, "PERCENT_PRICE"},
    {CB_OREJECT_PRICE, "Tick size check failed"},
    {CB_OREJECT_PRICE, "Invalid price"},
    {CB_OREJECT_PRICE, "Invalid stop price"},
    {CB_OREJECT_PRICE, "Invalid arguments:price"},
    {CB_OREJECT_PRICE, "Invalid arguments:limit_price"},
    {CB_OREJECT_AMOUNT, "LOT_SIZE"},
    {CB_OREJECT_AMOUNT, "Order minimum not met"},
    {CB_OREJECT_AMOUNT, "Invalid quantity"},
    {CB_OREJECT_AMOUNT, "Invalid arguments:volume"},
    {CB_OREJECT_AMOUNT, "Invalid arguments:order_qty"},
    {CB_OREJECT_TOO_MANY, "MAX_NUM_ORDERS"},
    {CB_OREJECT_TOO_MANY, "Orders limit exceeded"},
    {CB_OREJECT_MARKET_CLOSED, "Market in"},
    {CB_OREJECT_MARKET_CLOSED, "Market is closed"},
    {CB_OREJECT_INVALID, "Invalid arguments"},
};

cb_oreject_t
cb_order_reject_reason(const cb_venue_error_t *err)
{
    if (err == NULL) {
        return CB_OREJECT_OTHER;
    }
    if (err->cls == CB_VERR_INSUFFICIENT_FUNDS) {
        return CB_OREJECT_FUNDS;
    }
    if (err->cls != CB_VERR_REJECTED) {
        return CB_OREJECT_OTHER;
    }
    for (size_t k = 0; k < sizeof s_reject_words / sizeof s_reject_words[0]; k++) {
        if (strcasestr(err->venue_code, s_reject_words[k].word) != NULL ||
            strcasestr(err->message, s_reject_words[k].word) != NULL) {
            return s_reject_words[k].reason;
        }
    }
    /* Binance's parameter errors (-11xx) and -1013 without a filter name. */
    if (strncmp(err->venue_code, "-11", 3) == 0 || strcmp(err->venue_code, "-1013") == 0) {
        return CB_OREJECT_INVALID;
    }
    return CB_OREJECT_OTHER;
}

const char *
cb_oreject_name(cb_oreject_t reason)
{
    static const char *const names[] = {
        [CB_OREJECT_OTHER] = "other",           [CB_OREJECT_FUNDS] = "funds",
        [CB_OREJECT_PRICE] = "price",           [CB_OREJECT_AMOUNT] = "amount",
        [CB_OREJECT_NOTIONAL] = "notional",     [CB_OREJECT_POST_ONLY] = "post_only",
        [CB_OREJECT_DUPLICATE] = "duplicate",   [CB_OREJECT_TOO_MANY] = "too_many_orders",
        [CB_OREJECT_MARKET_CLOSED] = "market_closed", [CB_OREJECT_INVALID] = "invalid",
    };
    return (unsigned) reason < sizeof names / sizeof names[0] ? names[reason] : "other";
}

/* ---- requests ------------------------------------------------------------------ */

void
cb_order_call_init(cb_order_call_t *call, const char *method, const char *path,
                   bool changes_state)
{
    memset(call, 0, sizeof *call);
    snprintf(call->method, sizeof call->method, "%s", method);
    snprintf(call->path, sizeof call->path, "%s", path);
    call->changes_state = changes_state;
}

int
cb_order_param(cb_order_call_t *call, const char *key, const char *value)
{
    size_t used = strlen(call->params);
    int n = snprintf(call->params + used, sizeof call->params - used, "%s%s=%s",
                     used > 0 ? "&" : "", key, value);
    if (n < 0 || (size_t) n >= sizeof call->params - used) {
        call->params[used] = '\0';
        return CB_E_TOO_BIG;
    }
    return 0;
}

int
cb_order_param_dec(cb_order_call_t *call, const char *key, cb_decimal_t d)
{
    char text[CB_DECIMAL_STR_MAX];
    if (cb_decimal_sign(d) <= 0 || cb_decimal_format(d, text, sizeof text) < 0) {
        return CB_E_BAD_REQUEST;
    }
    return cb_order_param(call, key, text);
}

int
cb_order_req_check(const cb_order_req_t *o, cb_dialect_t dialect)
{
    if (o == NULL || o->ins == NULL || cb_decimal_sign(o->amount) <= 0) {
        return CB_E_BAD_REQUEST;
    }
    bool stop = o->type == CB_OTYPE_STOP_LOSS || o->type == CB_OTYPE_TAKE_PROFIT;
    if ((o->type == CB_OTYPE_LIMIT && !o->has_price) ||
        (o->type == CB_OTYPE_MARKET && o->has_price) ||
        (o->has_price && cb_decimal_sign(o->price) <= 0) ||
        (stop && cb_decimal_sign(o->stop_price) <= 0) ||
        (unsigned) o->type > CB_OTYPE_TAKE_PROFIT || (unsigned) o->tif > CB_TIF_FOK) {
        return CB_E_BAD_REQUEST;
    }
    if (o->post_only && (o->type != CB_OTYPE_LIMIT || o->tif != CB_TIF_GTC)) {
        return CB_E_BAD_REQUEST;
    }
    size_t n = strnlen(o->client_order_id, sizeof o->client_order_id);
    if (n == sizeof o->client_order_id || (n > 0 && !cb_order_clid_ok(dialect, o->client_order_id, n))) {
        return CB_E_BAD_REQUEST;
    }
    return 0;
}

/* ---- replies ------------------------------------------------------------------- */

int
cb_order_dec(const cb_jdoc_t *doc, int i, cb_odec_t *d)
{
    d->set = false;
    if (i < 0 || cb_jtok_is_null(doc, i)) {
        return 0;
    }
    int rc = cb_jtok_decimal(doc, i, &d->value);
    d->set = rc == 0;
    return rc;
}

int
cb_order_text(const cb_jdoc_t *doc, int i, char *buf, size_t size)
{
    buf[0] = '\0';
    if (i < 0 || cb_jtok_is_null(doc, i)) {
        return 0;
    }
    if (cb_jtok_type(doc, i) == CB_JT_PRIMITIVE) {
        cb_str_t raw = cb_jtok_raw(doc, i);
        if (raw.len >= size) {
            return CB_E_TOO_BIG;
        }
        memcpy(buf, raw.ptr, raw.len);
        buf[raw.len] = '\0';
        return 0;
    }
    int n = cb_jtok_string(doc, i, buf, size);
    if (n < 0) {
        buf[0] = '\0';
        return n;
    }
    return 0;
}

int
cb_order_bad_reply(cb_venue_error_t *err, bool changes_state, int http_status, const char *why)
{
    cb_verr_class_t cls = changes_state ? CB_VERR_UNKNOWN_OUTCOME : CB_VERR_BAD_REPLY;
    cb_verr_set(err, cls, http_status, "", why, strlen(why));
    return cb_verr_code(cls);
}

void
cb_order_avg(cb_vorder_t *o)
{
    o->avg_price.set = false;
    if (o->cost.set && o->filled.set && cb_decimal_sign(o->filled.value) > 0 &&
        cb_decimal_sign(o->cost.value) >= 0) {
        o->avg_price.set = cb_decimal_div(o->cost.value, o->filled.value, 12, CB_ROUND_HALF_EVEN,
                                          &o->avg_price.value) == 0;
        if (o->avg_price.set) {
            o->avg_price.value = cb_decimal_normalize(o->avg_price.value);
        }
    }
}
