/* cb_binance_account.c - Binance SIGNED replies (account, openOrders, allOrders, myTrades) in the account shape */
#include <stdio.h>
#include <string.h>

#include "cb_account.h"
#include "cb_binance_impl.h"
#include "cb_error.h"

static int
s_bad(cb_venue_error_t *err, int http_status, const char *what)
{
    char msg[128];
    int n = snprintf(msg, sizeof msg, "Binance reply: bad or missing %s", what);
    cb_verr_set(err, CB_VERR_BAD_REPLY, http_status, "", msg, (size_t) n);
    return CB_E_PARSE;
}

/* Tokenises body; a non-2xx status is the venue's error ({code, msg}),
 * classified. 0 when doc holds a reply of type want. */
static int
s_open(cb_jdoc_t *doc, const char *body, size_t len, int http_status, cb_jtype_t want,
       cb_venue_error_t *err)
{
    memset(err, 0, sizeof(*err));
    bool parsed = cb_jdoc_parse(doc, body, len) == 0;
    if (!parsed) {
        doc->count = 0;
    }
    if (http_status < 200 || http_status > 299) {
        return cb_binance_classify_doc(doc, false, http_status, 0, err);
    }
    if (!parsed || cb_jtok_type(doc, 0) != want) {
        return s_bad(err, http_status, want == CB_JT_ARRAY ? "array" : "object");
    }
    return 0;
}

static int
s_dec(const cb_jdoc_t *doc, int obj, const char *key, cb_acct_dec_t *d)
{
    int i = cb_jtok_get(doc, obj, key);
    if (cb_jtok_type(doc, i) != CB_JT_STRING && cb_jtok_type(doc, i) != CB_JT_PRIMITIVE) {
        return CB_E_PARSE;
    }
    cb_str_t raw = cb_jtok_raw(doc, i);
    return cb_acct_dec_parse(d, raw.ptr, raw.len);
}

static const cb_instrument_t *
s_symbol(const cb_jdoc_t *doc, int obj, const cb_instruments_t *ins, char out[CB_SYMBOL_MAX + 1])
{
    cb_str_t name = cb_jtok_raw(doc, cb_jtok_get(doc, obj, "symbol"));
    const cb_instrument_t *in = ins != NULL ? cb_instruments_by_native(ins, name) : NULL;
    snprintf(out, CB_SYMBOL_MAX + 1, "%.*s", in != NULL ? (int) strlen(in->symbol) : (int) name.len,
             in != NULL ? in->symbol : name.ptr);
    return in;
}

int
cb_binance_acct_balances(const char *body, size_t len, int http_status, cb_acct_vec_t *out,
                         bool *can_trade, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    int rc = s_open(&doc, body, len, http_status, CB_JT_OBJECT, err);
    int list = cb_jtok_get(&doc, 0, "balances");
    if (rc == 0 && cb_jtok_type(&doc, list) != CB_JT_ARRAY) {
        rc = s_bad(err, http_status, "balances");
    }
    if (rc == 0 && can_trade != NULL &&
        cb_jtok_bool(&doc, cb_jtok_get(&doc, 0, "canTrade"), can_trade) != 0) {
        rc = s_bad(err, http_status, "canTrade");
    }
    int e = cb_jtok_first(&doc, list);
    for (int n = 0; rc == 0 && n < cb_jtok_size(&doc, list); n++) {
        cb_str_t name = cb_jtok_raw(&doc, cb_jtok_get(&doc, e, "asset"));
        cb_acct_balance_t *b = cb_acct_vec_push(out, sizeof(*b));
        cb_decimal_t total;
        if (b == NULL) {
            rc = CB_E_NOMEM;
        } else if (name.ptr == NULL ||
                   cb_asset_unify(CB_DIALECT_BINANCE, name.ptr, name.len, b->asset) != 0) {
            rc = s_bad(err, http_status, "asset");
        } else if (s_dec(&doc, e, "free", &b->available) != 0 ||
                   s_dec(&doc, e, "locked", &b->hold) != 0) {
            rc = s_bad(err, http_status, "free or locked");
        } else {
            unsigned fs = cb_acct_dec_scale(&b->available);
            unsigned ls = cb_acct_dec_scale(&b->hold);
            unsigned scale = fs > ls ? fs : ls;
            if (cb_decimal_add(b->available.value, b->hold.value, &total) != 0 ||
                cb_acct_dec_set(&b->total, total, scale) != 0) {
                rc = s_bad(err, http_status, "balance range");
            }
        }
        e = cb_jtok_skip(&doc, e);
    }
    cb_jdoc_fini(&doc);
    return rc;
}

static const char *
s_status(const cb_jdoc_t *doc, int o)
{
    static const struct {
        const char *word;
        const char *status;
    } map[] = {
        {"NEW", "open"},           {"PENDING_NEW", "open"},     {"PARTIALLY_FILLED", "partially_filled"},
        {"FILLED", "filled"},      {"CANCELED", "canceled"},   {"PENDING_CANCEL", "canceled"},
        {"REJECTED", "rejected"},  {"EXPIRED", "expired"},     {"EXPIRED_IN_MATCH", "expired"},
    };
    int i = cb_jtok_get(doc, o, "status");
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
        if (cb_jtok_eq(doc, i, map[k].word)) {
            return map[k].status;
        }
    }
    return NULL;
}

static int
s_order(const cb_jdoc_t *doc, int o, const cb_instruments_t *ins, cb_acct_order_t *ord,
        int http_status, cb_venue_error_t *err)
{
    int id = cb_jtok_get(doc, o, "orderId");
    cb_str_t id_text = cb_jtok_raw(doc, id);
    if (cb_jtok_u64(doc, id, &ord->seq) != 0 || id_text.len >= sizeof ord->id) {
        return s_bad(err, http_status, "orderId");
    }
    memcpy(ord->id, id_text.ptr, id_text.len);
    if (cb_jtok_string(doc, cb_jtok_get(doc, o, "clientOrderId"), ord->client_order_id,
                       sizeof ord->client_order_id) < 0) {
        return s_bad(err, http_status, "clientOrderId");
    }
    s_symbol(doc, o, ins, ord->symbol);
    ord->side = cb_acct_side(cb_jtok_raw(doc, cb_jtok_get(doc, o, "side")));
    ord->type = cb_acct_type(cb_jtok_raw(doc, cb_jtok_get(doc, o, "type")));
    ord->status = s_status(doc, o);
    if (ord->side == NULL || ord->type == NULL || ord->status == NULL) {
        return s_bad(err, http_status, "side, type or status");
    }
    cb_acct_dec_t cost;
    if (s_dec(doc, o, "origQty", &ord->amount) != 0 ||
        s_dec(doc, o, "executedQty", &ord->filled) != 0 ||
        s_dec(doc, o, "cummulativeQuoteQty", &cost) != 0 ||
        s_dec(doc, o, strcmp(ord->type, "limit") == 0 || strcmp(ord->type, "market") == 0
                          ? "price"
                          : "stopPrice",
              &ord->price) != 0) {
        return s_bad(err, http_status, "order amounts");
    }
    if (strcmp(ord->type, "market") == 0 || cb_decimal_is_zero(ord->price.value)) {
        ord->price.set = false;
    }
    cb_decimal_t avg;
    if (cb_decimal_sign(ord->filled.value) > 0) {
        /* Binance gives only the quote total: the average at the price's scale. */
        unsigned scale = cb_acct_dec_scale(ord->price.set ? &ord->price : &cost);
        if (cb_decimal_div(cost.value, ord->filled.value, scale, CB_ROUND_HALF_EVEN, &avg) != 0 ||
            cb_acct_dec_set(&ord->avg_price, avg, scale) != 0) {
            return s_bad(err, http_status, "average price");
        }
    }
    if (cb_jtok_i64(doc, cb_jtok_get(doc, o, "time"), &ord->created_ms) != 0 ||
        cb_jtok_i64(doc, cb_jtok_get(doc, o, "updateTime"), &ord->updated_ms) != 0) {
        return s_bad(err, http_status, "time or updateTime");
    }
    if (strcmp(ord->status, "open") != 0 && strcmp(ord->status, "partially_filled") != 0) {
        ord->closed_ms = ord->updated_ms;
    }
    return 0;
}

int
cb_binance_acct_orders(const char *body, size_t len, int http_status, const cb_instruments_t *ins,
                       cb_acct_vec_t *out, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    int rc = s_open(&doc, body, len, http_status, CB_JT_ARRAY, err);
    int e = cb_jtok_first(&doc, 0);
    for (int n = 0; rc == 0 && n < cb_jtok_size(&doc, 0); n++) {
        cb_acct_order_t *ord = cb_acct_vec_push(out, sizeof(*ord));
        rc = ord == NULL ? CB_E_NOMEM : s_order(&doc, e, ins, ord, http_status, err);
        e = cb_jtok_skip(&doc, e);
    }
    cb_jdoc_fini(&doc);
    return rc;
}

static int
s_trade(const cb_jdoc_t *doc, int t, const cb_instruments_t *ins, cb_acct_trade_t *tr,
        int http_status, cb_venue_error_t *err)
{
    int id = cb_jtok_get(doc, t, "id");
    int oid = cb_jtok_get(doc, t, "orderId");
    cb_str_t id_text = cb_jtok_raw(doc, id);
    cb_str_t oid_text = cb_jtok_raw(doc, oid);
    uint64_t order_seq = 0;
    if (cb_jtok_u64(doc, id, &tr->seq) != 0 || cb_jtok_u64(doc, oid, &order_seq) != 0 ||
        id_text.len >= sizeof tr->id || oid_text.len >= sizeof tr->order_id) {
        return s_bad(err, http_status, "id or orderId");
    }
    memcpy(tr->id, id_text.ptr, id_text.len);
    memcpy(tr->order_id, oid_text.ptr, oid_text.len);
    s_symbol(doc, t, ins, tr->symbol);
    bool buyer = false;
    cb_str_t fee_asset = cb_jtok_raw(doc, cb_jtok_get(doc, t, "commissionAsset"));
    if (cb_jtok_bool(doc, cb_jtok_get(doc, t, "isBuyer"), &buyer) != 0 ||
        cb_jtok_bool(doc, cb_jtok_get(doc, t, "isMaker"), &tr->maker) != 0 ||
        s_dec(doc, t, "price", &tr->price) != 0 || s_dec(doc, t, "qty", &tr->amount) != 0 ||
        s_dec(doc, t, "quoteQty", &tr->cost) != 0 || s_dec(doc, t, "commission", &tr->fee) != 0 ||
        fee_asset.ptr == NULL ||
        cb_asset_unify(CB_DIALECT_BINANCE, fee_asset.ptr, fee_asset.len, tr->fee_asset) != 0 ||
        cb_jtok_i64(doc, cb_jtok_get(doc, t, "time"), &tr->time_ms) != 0) {
        return s_bad(err, http_status, "trade fields");
    }
    tr->side = buyer ? "buy" : "sell";
    return 0;
}

int
cb_binance_acct_trades(const char *body, size_t len, int http_status, const cb_instruments_t *ins,
                       cb_acct_vec_t *out, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    int rc = s_open(&doc, body, len, http_status, CB_JT_ARRAY, err);
    int e = cb_jtok_first(&doc, 0);
    for (int n = 0; rc == 0 && n < cb_jtok_size(&doc, 0); n++) {
        cb_acct_trade_t *tr = cb_acct_vec_push(out, sizeof(*tr));
        rc = tr == NULL ? CB_E_NOMEM : s_trade(&doc, e, ins, tr, http_status, err);
        e = cb_jtok_skip(&doc, e);
    }
    cb_jdoc_fini(&doc);
    return rc;
}
