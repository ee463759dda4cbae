/* cb_kraken_account.c - Kraken private replies (BalanceEx, TradeBalance, Open/ClosedOrders, TradesHistory, GetWebSocketsToken) in the account shape */
#include <stdio.h>
#include <string.h>

#include "cb_account.h"
#include "cb_error.h"
#include "cb_jtok.h"
#include "cb_kraken.h"
#include "cb_kraken_time.h"

/* err BAD_REPLY naming what did not parse; returns CB_E_PARSE. */
static int
s_bad(cb_venue_error_t *err, int http_status, const char *what)
{
    char msg[128];
    int n = snprintf(msg, sizeof msg, "Kraken reply: bad or missing %s", what);
    cb_verr_set(err, CB_VERR_BAD_REPLY, http_status, "", msg, (size_t) n);
    return CB_E_PARSE;
}

/* Checks the envelope for errors, then tokenises body into doc and finds
 * "result" (an object). 0 with *result set, or an error code (err filled). */
static int
s_open(cb_jdoc_t *doc, const char *body, size_t len, int http_status, int *result,
       cb_venue_error_t *err)
{
    memset(err, 0, sizeof(*err));
    int rc = cb_kraken_error_parse(body, len, http_status, false, 0, err);
    if (rc != 0) {
        return rc;
    }
    if (http_status < 200 || http_status > 299) {
        cb_verr_set(err, http_status >= 500 ? CB_VERR_UNAVAILABLE : CB_VERR_REJECTED, http_status,
                    "", "Kraken answered an HTTP error", 29);
        return cb_verr_code(err->cls);
    }
    if (cb_jdoc_parse(doc, body, len) != 0) {
        return s_bad(err, http_status, "JSON");
    }
    *result = cb_jtok_get(doc, 0, "result");
    if (cb_jtok_type(doc, *result) != CB_JT_OBJECT) {
        return s_bad(err, http_status, "result");
    }
    return 0;
}

static int
s_dec(const cb_jdoc_t *doc, int obj, const char *key, cb_acct_dec_t *d)
{
    int i = cb_jtok_get(doc, obj, key);
    cb_str_t raw = cb_jtok_raw(doc, i);
    if (cb_jtok_type(doc, i) != CB_JT_STRING && cb_jtok_type(doc, i) != CB_JT_PRIMITIVE) {
        return CB_E_PARSE;
    }
    return cb_acct_dec_parse(d, raw.ptr, raw.len);
}

/* Unix seconds with a fraction -> ms; 0 for an absent or zero time. */
static int
s_time_ms(const cb_jdoc_t *doc, int obj, const char *key, int64_t *ms)
{
    int i = cb_jtok_get(doc, obj, key);
    *ms = 0;
    if (i < 0) {
        return 0;
    }
    int64_t ns = 0;
    int rc = cb_kraken_unix_ns(cb_jtok_raw(doc, i), &ns);
    if (rc == 0) {
        *ms = ns / 1000000;
    }
    return rc;
}

static int
s_string(const cb_jdoc_t *doc, int i, char *buf, size_t size)
{
    int n = cb_jtok_string(doc, i, buf, size);
    return n < 0 ? n : 0;
}

/* The unified symbol of a Kraken pair name (altname or REST id). */
static const cb_instrument_t *
s_symbol(const cb_jdoc_t *doc, int i, const cb_instruments_t *ins, char out[CB_SYMBOL_MAX + 1])
{
    cb_str_t name = cb_jtok_raw(doc, i);
    const cb_instrument_t *in = ins != NULL ? cb_instruments_by_native(ins, name) : NULL;
    snprintf(out, CB_SYMBOL_MAX + 1, "%.*s", in != NULL ? (int) strlen(in->symbol) : (int) name.len,
             in != NULL ? in->symbol : name.ptr);
    return in;
}

int
cb_kraken_acct_balances(const char *body, size_t len, int http_status, cb_acct_vec_t *out,
                        cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    int result = -1;
    int rc = s_open(&doc, body, len, http_status, &result, err);
    int k = cb_jtok_first(&doc, result);
    for (int n = 0; rc == 0 && n < cb_jtok_size(&doc, result); n++) {
        int val = k + 1;
        cb_str_t name = cb_jtok_raw(&doc, k);
        cb_acct_balance_t *b = cb_acct_vec_push(out, sizeof(*b));
        cb_acct_dec_t hold;
        if (b == NULL) {
            rc = CB_E_NOMEM;
        } else if (cb_asset_unify(CB_DIALECT_KRAKEN, name.ptr, name.len, b->asset) != 0) {
            rc = s_bad(err, http_status, "asset");
        } else if (s_dec(&doc, val, "balance", &b->total) != 0) {
            rc = s_bad(err, http_status, "balance");
        } else {
            /* hold_trade is absent on old accounts: nothing held. */
            if (cb_jtok_get(&doc, val, "hold_trade") < 0) {
                cb_acct_dec_set(&hold, cb_decimal_from_int(0), cb_acct_dec_scale(&b->total));
            } else if (s_dec(&doc, val, "hold_trade", &hold) != 0) {
                rc = s_bad(err, http_status, "hold_trade");
            }
            cb_decimal_t avail;
            unsigned ts = cb_acct_dec_scale(&b->total);
            unsigned hs = cb_acct_dec_scale(&hold);
            unsigned scale = ts > hs ? ts : hs;
            if (rc == 0 && (cb_decimal_sub(b->total.value, hold.value, &avail) != 0 ||
                            cb_acct_dec_set(&b->available, avail, scale) != 0)) {
                rc = s_bad(err, http_status, "balance range");
            }
            b->hold = hold;
        }
        k = cb_jtok_skip(&doc, val);
    }
    cb_jdoc_fini(&doc);
    return rc;
}

int
cb_kraken_acct_trade_balance(const char *body, size_t len, int http_status,
                             cb_acct_trade_balance_t *out, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    int result = -1;
    int rc = s_open(&doc, body, len, http_status, &result, err);
    static const char *const keys[] = {"eb", "tb", "m", "n", "c", "v", "e", "mf"};
    cb_acct_dec_t *fields[] = {&out->equivalent_balance, &out->trade_balance, &out->margin,
                               &out->unrealized_pnl, &out->cost_basis, &out->valuation,
                               &out->equity, &out->free_margin};
    for (size_t i = 0; rc == 0 && i < sizeof keys / sizeof keys[0]; i++) {
        if (s_dec(&doc, result, keys[i], fields[i]) != 0) {
            rc = s_bad(err, http_status, keys[i]);
        }
    }
    /* ml only when a margin position is open. */
    if (rc == 0 && cb_jtok_get(&doc, result, "ml") >= 0 &&
        s_dec(&doc, result, "ml", &out->margin_level) != 0) {
        rc = s_bad(err, http_status, "ml");
    }
    cb_jdoc_fini(&doc);
    return rc;
}

static const char *
s_status(const cb_jdoc_t *doc, int o, const cb_acct_order_t *ord)
{
    int i = cb_jtok_get(doc, o, "status");
    if (cb_jtok_eq(doc, i, "pending")) {
        return "open";
    }
    if (cb_jtok_eq(doc, i, "open")) {
        return cb_decimal_sign(ord->filled.value) > 0 ? "partially_filled" : "open";
    }
    if (cb_jtok_eq(doc, i, "closed")) {
        return "filled";
    }
    if (cb_jtok_eq(doc, i, "canceled")) {
        return "canceled";
    }
    return cb_jtok_eq(doc, i, "expired") ? "expired" : NULL;
}

/* One order object (id is its txid key). */
static int
s_order(const cb_jdoc_t *doc, int key, int o, const cb_instruments_t *ins, cb_acct_order_t *ord,
        int http_status, cb_venue_error_t *err)
{
    int descr = cb_jtok_get(doc, o, "descr");
    if (s_string(doc, key, ord->id, sizeof ord->id) != 0 || cb_jtok_type(doc, descr) != CB_JT_OBJECT) {
        return s_bad(err, http_status, "order id or descr");
    }
    const cb_instrument_t *in = s_symbol(doc, cb_jtok_get(doc, descr, "pair"), ins, ord->symbol);
    ord->side = cb_acct_side(cb_jtok_raw(doc, cb_jtok_get(doc, descr, "type")));
    ord->type = cb_acct_type(cb_jtok_raw(doc, cb_jtok_get(doc, descr, "ordertype")));
    if (ord->side == NULL || ord->type == NULL) {
        return s_bad(err, http_status, "order side or type");
    }
    int clid = cb_jtok_get(doc, o, "cl_ord_id");
    if (clid >= 0 && !cb_jtok_is_null(doc, clid) &&
        s_string(doc, clid, ord->client_order_id, sizeof ord->client_order_id) != 0) {
        return s_bad(err, http_status, "cl_ord_id");
    }
    cb_acct_dec_t avg;
    if (s_dec(doc, o, "vol", &ord->amount) != 0 || s_dec(doc, o, "vol_exec", &ord->filled) != 0 ||
        s_dec(doc, o, "fee", &ord->fee) != 0 || s_dec(doc, o, "price", &avg) != 0 ||
        s_dec(doc, descr, "price", &ord->price) != 0) {
        return s_bad(err, http_status, "order amounts");
    }
    if (strcmp(ord->type, "market") == 0 || cb_decimal_is_zero(ord->price.value)) {
        ord->price.set = false;
    }
    if (cb_decimal_sign(ord->filled.value) > 0) {
        ord->avg_price = avg;
    }
    ord->status = s_status(doc, o, ord);
    if (ord->status == NULL || s_time_ms(doc, o, "opentm", &ord->created_ms) != 0 ||
        s_time_ms(doc, o, "closetm", &ord->closed_ms) != 0) {
        return s_bad(err, http_status, "order status or times");
    }
    ord->updated_ms = ord->closed_ms;
    /* Fees are in the quote currency unless the order asked for the base (fcib). */
    cb_str_t oflags = cb_jtok_raw(doc, cb_jtok_get(doc, o, "oflags"));
    bool in_base = oflags.len >= 4 && memmem(oflags.ptr, oflags.len, "fcib", 4) != NULL;
    if (in != NULL) {
        snprintf(ord->fee_asset, sizeof ord->fee_asset, "%s", in_base ? in->base : in->quote);
    }
    return 0;
}

int
cb_kraken_acct_orders(const char *body, size_t len, int http_status, const cb_instruments_t *ins,
                      cb_acct_vec_t *out, int64_t *count, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    int result = -1;
    int rc = s_open(&doc, body, len, http_status, &result, err);
    int list = cb_jtok_get(&doc, result, "open");
    if (list < 0) {
        list = cb_jtok_get(&doc, result, "closed");
    }
    if (rc == 0 && cb_jtok_type(&doc, list) != CB_JT_OBJECT) {
        rc = s_bad(err, http_status, "open or closed");
    }
    *count = cb_jtok_size(&doc, list);
    int c = cb_jtok_get(&doc, result, "count");
    if (rc == 0 && c >= 0 && cb_jtok_i64(&doc, c, count) != 0) {
        rc = s_bad(err, http_status, "count");
    }
    int k = cb_jtok_first(&doc, list);
    for (int n = 0; rc == 0 && n < cb_jtok_size(&doc, list); n++) {
        cb_acct_order_t *ord = cb_acct_vec_push(out, sizeof(*ord));
        rc = ord == NULL ? CB_E_NOMEM : s_order(&doc, k, k + 1, ins, ord, http_status, err);
        k = cb_jtok_skip(&doc, k + 1);
    }
    cb_jdoc_fini(&doc);
    return rc;
}

static int
s_trade(const cb_jdoc_t *doc, int key, int t, const cb_instruments_t *ins, cb_acct_trade_t *tr,
        int http_status, cb_venue_error_t *err)
{
    if (s_string(doc, key, tr->id, sizeof tr->id) != 0 ||
        s_string(doc, cb_jtok_get(doc, t, "ordertxid"), tr->order_id, sizeof tr->order_id) != 0) {
        return s_bad(err, http_status, "trade ids");
    }
    const cb_instrument_t *in = s_symbol(doc, cb_jtok_get(doc, t, "pair"), ins, tr->symbol);
    tr->side = cb_acct_side(cb_jtok_raw(doc, cb_jtok_get(doc, t, "type")));
    if (tr->side == NULL || s_dec(doc, t, "price", &tr->price) != 0 ||
        s_dec(doc, t, "vol", &tr->amount) != 0 || s_dec(doc, t, "cost", &tr->cost) != 0 ||
        s_dec(doc, t, "fee", &tr->fee) != 0 || s_time_ms(doc, t, "time", &tr->time_ms) != 0) {
        return s_bad(err, http_status, "trade fields");
    }
    int maker = cb_jtok_get(doc, t, "maker");
    if (maker >= 0 && cb_jtok_bool(doc, maker, &tr->maker) != 0) {
        return s_bad(err, http_status, "maker");
    }
    int id = cb_jtok_get(doc, t, "trade_id");
    if (id >= 0 && cb_jtok_u64(doc, id, &tr->seq) != 0) {
        return s_bad(err, http_status, "trade_id");
    }
    /* TradesHistory does not say the fee's currency: Kraken's default, the quote. */
    if (in != NULL) {
        snprintf(tr->fee_asset, sizeof tr->fee_asset, "%s", in->quote);
    }
    return 0;
}

int
cb_kraken_acct_trades(const char *body, size_t len, int http_status, const cb_instruments_t *ins,
                      cb_acct_vec_t *out, int64_t *count, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    int result = -1;
    int rc = s_open(&doc, body, len, http_status, &result, err);
    int list = cb_jtok_get(&doc, result, "trades");
    if (rc == 0 && cb_jtok_type(&doc, list) != CB_JT_OBJECT) {
        rc = s_bad(err, http_status, "trades");
    }
    *count = 0;
    if (rc == 0 && cb_jtok_i64(&doc, cb_jtok_get(&doc, result, "count"), count) != 0) {
        rc = s_bad(err, http_status, "count");
    }
    int k = cb_jtok_first(&doc, list);
    for (int n = 0; rc == 0 && n < cb_jtok_size(&doc, list); n++) {
        cb_acct_trade_t *tr = cb_acct_vec_push(out, sizeof(*tr));
        rc = tr == NULL ? CB_E_NOMEM : s_trade(&doc, k, k + 1, ins, tr, http_status, err);
        k = cb_jtok_skip(&doc, k + 1);
    }
    cb_jdoc_fini(&doc);
    return rc;
}

int
cb_kraken_acct_ws_token(const char *body, size_t len, int http_status, char *token, size_t size,
                        int64_t *expires_s, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    int result = -1;
    int rc = s_open(&doc, body, len, http_status, &result, err);
    if (rc == 0 && (s_string(&doc, cb_jtok_get(&doc, result, "token"), token, size) != 0 ||
                    token[0] == '\0' ||
                    cb_jtok_i64(&doc, cb_jtok_get(&doc, result, "expires"), expires_s) != 0)) {
        rc = s_bad(err, http_status, "token or expires");
    }
    cb_jdoc_fini(&doc);
    return rc;
}
