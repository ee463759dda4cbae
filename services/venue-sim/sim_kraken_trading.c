/* sim_kraken_trading.c - Kraken's private trading methods: AddOrder, EditOrder, AmendOrder, CancelOrder, CancelOrderBatch, CancelAll (CancelAllOrdersAfter and GetWebSocketsToken: sim_kraken_session.c) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_time.h"
#include "sim_kraken_format.h"
#include "sim_kraken_session.h"
#include "sim_kraken_trading.h"
#include "sim_limits.h"
#include "sim_reply.h"

static const char *
s_error_text(sim_x_rc_t rc)
{
    switch (rc) {
    case SIM_X_OK:
    case SIM_X_WOULD_TAKE:
        return NULL;
    case SIM_X_UNKNOWN_ORDER:
        return "EOrder:Unknown order";
    case SIM_X_INSUFFICIENT_FUNDS:
        return "EOrder:Insufficient funds";
    case SIM_X_MIN_QTY:
        return "EOrder:Order minimum not met";
    case SIM_X_MIN_NOTIONAL:
        return "EOrder:Cost minimum not met";
    case SIM_X_TICK:
        return "EOrder:Tick size check failed";
    case SIM_X_MAX_QTY:
    case SIM_X_LOT:
        return "EGeneral:Invalid arguments:volume";
    case SIM_X_BAD_PRICE:
        return "EGeneral:Invalid arguments:price";
    case SIM_X_NO_LIQUIDITY:
        return "EOrder:Insufficient liquidity";
    case SIM_X_DUPLICATE_ID:
        return "EOrder:Duplicate order";
    case SIM_X_TOO_MANY_ORDERS:
        return "EOrder:Orders limit exceeded";
    case SIM_X_NOMEM:
        return "EGeneral:Internal error";
    }
    return "EGeneral:Internal error";
}

/* A price parameter: a plain decimal; Kraken's +, -, # and % forms are not
 * simulated and are refused. */
static bool
s_price(sim_kraken_params_t *p, const char *key, sim_fx_t *out, bool *present)
{
    char v[48];
    *out = 0;
    if (!sim_kraken_param(p, key, v, sizeof v, present)) {
        return !*present;
    }
    return sim_fx_parse(v, strlen(v), out) && *out > 0;
}

static bool
s_order_type(const char *v, sim_order_type_t *t)
{
    static const char *const names[] = {"market", "limit", "stop-loss", "take-profit", "stop-loss-limit",
                                        "take-profit-limit"};
    for (int i = 0; i < 6; i++) {
        if (strcmp(v, names[i]) == 0) {
            *t = (sim_order_type_t) i;
            return true;
        }
    }
    return false;
}

/* Reads an AddOrder / EditOrder request; NULL on success, else the error. */
static const char *
s_read_order(sim_kraken_params_t *p, sim_order_req_t *r, bool *validate)
{
    char v[96];
    bool present;
    memset(r, 0, sizeof *r);
    if (!sim_kraken_param(p, "pair", v, sizeof v, &present)) {
        return present ? "EQuery:Unknown asset pair" : "EGeneral:Invalid arguments:pair";
    }
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    const sim_instrument_t *in = sim_instrument_find(SIM_VENUE_KRAKEN, v, strlen(v));
    if (in == NULL) {
        return "EQuery:Unknown asset pair";
    }
    r->inst = (size_t) (in - all);
    if (!sim_kraken_param(p, "type", v, sizeof v, &present) || (strcmp(v, "buy") != 0 && strcmp(v, "sell") != 0)) {
        return "EGeneral:Invalid arguments:type";
    }
    r->side = v[0] == 'b' ? SIM_BUY : SIM_SELL;
    if (!sim_kraken_param(p, "ordertype", v, sizeof v, &present) || !s_order_type(v, &r->type)) {
        return "EGeneral:Invalid arguments:ordertype";
    }
    if (sim_kraken_param(p, "leverage", v, sizeof v, &present) || present) {
        return "EGeneral:Permission denied";
    }
    bool viqc = false;
    if (sim_kraken_param(p, "oflags", v, sizeof v, &present)) {
        char *save = NULL;
        for (char *f = strtok_r(v, ",", &save); f != NULL; f = strtok_r(NULL, ",", &save)) {
            if (strcmp(f, "post") == 0) {
                r->post_only = true;
            } else if (strcmp(f, "fcib") == 0) {
                r->fee_in_base = r->side == SIM_BUY;
            } else if (strcmp(f, "viqc") == 0) {
                viqc = true;
            } else if (strcmp(f, "fciq") != 0 && strcmp(f, "nompp") != 0) {
                return "EGeneral:Invalid arguments:oflags";
            }
        }
    } else if (present) {
        return "EGeneral:Invalid arguments:oflags";
    }
    if (r->post_only && r->type != SIM_OT_LIMIT) {
        return "EGeneral:Invalid arguments:post only order type must be limit";
    }
    sim_fx_t volume;
    if (!sim_kraken_param(p, "volume", v, sizeof v, &present) || !sim_fx_parse(v, strlen(v), &volume) || volume <= 0) {
        return "EGeneral:Invalid arguments:volume";
    }
    if (viqc) {
        if (r->type != SIM_OT_MARKET || r->side != SIM_BUY) {
            return "EGeneral:Invalid arguments:viqc";
        }
        r->quote_qty = volume;
    } else {
        r->qty = volume;
    }
    sim_fx_t price, price2;
    bool has_price, has_price2;
    if (!s_price(p, "price", &price, &has_price) || !s_price(p, "price2", &price2, &has_price2)) {
        return "EGeneral:Invalid arguments:price";
    }
    switch (r->type) {
    case SIM_OT_MARKET:
        break;
    case SIM_OT_LIMIT:
        if (!has_price) {
            return "EGeneral:Invalid arguments:price";
        }
        r->price = price;
        break;
    case SIM_OT_STOP_LOSS:
    case SIM_OT_TAKE_PROFIT:
        if (!has_price) {
            return "EGeneral:Invalid arguments:price";
        }
        r->stop_price = price;
        break;
    default:
        if (!has_price || !has_price2) {
            return has_price ? "EGeneral:Invalid arguments:price2" : "EGeneral:Invalid arguments:price";
        }
        r->stop_price = price;
        r->price = price2;
        break;
    }
    if (sim_kraken_param(p, "timeinforce", v, sizeof v, &present)) {
        if (strcmp(v, "IOC") == 0) {
            r->tif = SIM_TIF_IOC;
        } else if (strcmp(v, "FOK") == 0) {
            r->tif = SIM_TIF_FOK;
        } else if (strcmp(v, "GTC") != 0) {
            return "EGeneral:Invalid arguments:timeinforce";
        }
    } else if (present) {
        return "EGeneral:Invalid arguments:timeinforce";
    }
    if (sim_kraken_param(p, "userref", v, sizeof v, &present)) {
        char *end;
        long long u = strtoll(v, &end, 10);
        if (*end != '\0' || end == v || u < INT32_MIN || u > INT32_MAX) {
            return "EGeneral:Invalid arguments:userref";
        }
        r->has_userref = true;
        r->userref = (int32_t) u;
    } else if (present) {
        return "EGeneral:Invalid arguments:userref";
    }
    if (sim_kraken_param(p, "cl_ord_id", r->cl_ord_id, sizeof r->cl_ord_id, &present)) {
        if (r->has_userref) {
            return "EGeneral:Invalid arguments:cl_ord_id and userref cannot be used together";
        }
        for (const char *c = r->cl_ord_id; *c != '\0'; c++) {
            if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '-')) {
                return "EGeneral:Invalid arguments:cl_ord_id";
            }
        }
        if (strlen(r->cl_ord_id) == 0 || strlen(r->cl_ord_id) > 36) {
            return "EGeneral:Invalid arguments:cl_ord_id";
        }
    } else if (present) {
        return "EGeneral:Invalid arguments:cl_ord_id";
    }
    *validate = sim_kraken_param_bool(p, "validate");
    return NULL;
}

static void
s_descr(cb_httpd_res_t *res, const sim_order_req_t *r)
{
    sim_xorder_t tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.req = *r;
    cb_buf_append_str(&res->body, "\"descr\":{\"order\":\"");
    sim_kraken_order_text(&res->body, &tmp);
    cb_buf_append_str(&res->body, "\"}");
}

typedef struct {
    size_t inst;
    size_t open;
} s_open_count_t;

static bool
s_count_open(void *ctx, const sim_xorder_t *o)
{
    s_open_count_t *c = ctx;
    c->open += o->req.inst == c->inst && (o->status == SIM_OS_OPEN || o->status == SIM_OS_PENDING);
    return true;
}

/* Kraken's trading-engine counter for the pair (and the open-orders cap
 * for adds); NULL when the transaction may go, else the error. The fixed
 * part is charged even when the order later fails validation. */
static const char *
s_trade_limit(sim_t *sim, const sim_account_t *a, size_t inst, sim_kraken_action_t action, int64_t placed_ns)
{
    if (sim->limits == NULL) {
        return NULL;
    }
    size_t count;
    const sim_instrument_t *in = &sim_instruments(&count)[inst];
    int64_t now = cb_time_now_ns();
    const char *err = NULL;
    if (action == SIM_KRAKEN_ADD) {
        s_open_count_t c = {inst, 0};
        sim_exchange_each_order(sim->exchange, a->owner, s_count_open, &c);
        if (sim_limits_kraken_open_orders(sim->limits, a->key, c.open, &err) != 0) {
            return err;
        }
    }
    if (sim_limits_kraken_trade(sim->limits, a->key, in->altname, action, placed_ns > 0 ? now - placed_ns : 0, 1,
                                now, &err) != 0) {
        return err;
    }
    return NULL;
}

static void
s_add_order(sim_t *sim, sim_account_t *a, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    sim_order_req_t r;
    bool validate = false;
    const char *err = s_read_order(p, &r, &validate);
    if (err == NULL) {
        err = s_trade_limit(sim, a, r.inst, SIM_KRAKEN_ADD, 0);
    }
    if (err == NULL) {
        sim_x_rc_t rc = validate ? sim_exchange_check(sim->exchange, a, &r) : SIM_X_OK;
        err = s_error_text(rc);
    }
    if (err != NULL) {
        sim_reply_kraken_error(res, err);
        return;
    }
    if (validate) {
        cb_buf_append_str(&res->body, "{\"error\":[],\"result\":{");
        s_descr(res, &r);
        cb_buf_append_str(&res->body, "}}");
        return;
    }
    const sim_xorder_t *o;
    sim_x_rc_t rc = sim_exchange_place(sim->exchange, a, &r, &o);
    if ((err = s_error_text(rc)) != NULL) {
        sim_reply_kraken_error(res, err);
        return;
    }
    /* A post-only order that would take is accepted, then cancelled
     * ("Post only order"), as Kraken does. */
    char txid[SIM_TXID_SIZE];
    sim_kraken_txid('O', o->id, txid);
    cb_buf_append_str(&res->body, "{\"error\":[],\"result\":{");
    s_descr(res, &r);
    cb_buf_appendf(&res->body, ",\"txid\":[\"%s\"]", txid);
    if (r.cl_ord_id[0] != '\0') {
        cb_buf_appendf(&res->body, ",\"cl_ord_id\":\"%s\"", r.cl_ord_id);
    }
    cb_buf_append_str(&res->body, "}}");
}

/* The order a txid / cl_ord_id parameter names, or NULL. */
static const sim_xorder_t *
s_named_order(sim_t *sim, const sim_account_t *a, sim_kraken_params_t *p, bool open_only)
{
    char v[64];
    bool present;
    uint64_t id;
    if (sim_kraken_param(p, "txid", v, sizeof v, &present)) {
        const sim_xorder_t *o = sim_kraken_txid_parse('O', v, strlen(v), &id) ? sim_exchange_order(sim->exchange, id)
                                                                              : NULL;
        return o != NULL && o->owner == a->owner ? o : NULL;
    }
    if (sim_kraken_param(p, "cl_ord_id", v, sizeof v, &present)) {
        return sim_exchange_order_by_clid(sim->exchange, a->owner, v, open_only);
    }
    return NULL;
}

static void
s_edit_order(sim_t *sim, sim_account_t *a, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    const sim_xorder_t *old = s_named_order(sim, a, p, true);
    if (old == NULL || (old->status != SIM_OS_OPEN && old->status != SIM_OS_PENDING)) {
        sim_reply_kraken_error(res, "EOrder:Unknown order");
        return;
    }
    const char *limit_err = s_trade_limit(sim, a, old->req.inst, SIM_KRAKEN_EDIT, old->amend_ns);
    if (limit_err != NULL) {
        sim_reply_kraken_error(res, limit_err);
        return;
    }
    sim_order_req_t r = old->req;
    char v[64];
    bool present;
    sim_fx_t x;
    if (sim_kraken_param(p, "volume", v, sizeof v, &present)) {
        if (!sim_fx_parse(v, strlen(v), &x) || x <= 0) {
            sim_reply_kraken_error(res, "EGeneral:Invalid arguments:volume");
            return;
        }
        r.qty = x;
    }
    if (!s_price(p, "price", &x, &present)) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments:price");
        return;
    }
    if (present) {
        *(r.type == SIM_OT_LIMIT || r.type == SIM_OT_MARKET ? &r.price : &r.stop_price) = x;
    }
    if (!s_price(p, "price2", &x, &present)) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments:price2");
        return;
    }
    if (present) {
        r.price = x;
    }
    r.cl_ord_id[0] = '\0';
    uint64_t old_id = old->id;
    sim_order_req_t old_req = old->req;
    sim_fx_t old_filled = old->filled;
    if (r.qty <= old_filled) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments:volume");
        return;
    }
    r.qty -= old_filled;
    if (sim_kraken_param_bool(p, "validate")) {
        cb_buf_append_str(&res->body, "{\"error\":[],\"result\":{\"status\":\"ok\",");
        s_descr(res, &r);
        cb_buf_append_str(&res->body, "}}");
        return;
    }
    sim_exchange_cancel(sim->exchange, a, old_id, "Order replaced", NULL);
    const sim_xorder_t *o;
    sim_x_rc_t rc = sim_exchange_place(sim->exchange, a, &r, &o);
    const char *err = s_error_text(rc);
    if (err != NULL) {
        /* Put the original back (a new id: it loses its queue place). */
        old_req.qty -= old_filled;
        sim_exchange_place(sim->exchange, a, &old_req, NULL);
        sim_reply_kraken_error(res, err);
        return;
    }
    char txid[SIM_TXID_SIZE], old_txid[SIM_TXID_SIZE], vol[40], price[40], price2[40];
    size_t count;
    const sim_instrument_t *in = &sim_instruments(&count)[r.inst];
    sim_kraken_txid('O', o->id, txid);
    sim_kraken_txid('O', old_id, old_txid);
    sim_fx_format(r.qty, 8, vol);
    sim_fx_format(r.type == SIM_OT_LIMIT ? r.price : r.stop_price, in->price_decimals, price);
    sim_fx_format(r.type == SIM_OT_STOP_LOSS_LIMIT || r.type == SIM_OT_TAKE_PROFIT_LIMIT ? r.price : 0,
                  in->price_decimals, price2);
    cb_buf_append_str(&res->body, "{\"error\":[],\"result\":{");
    s_descr(res, &r);
    cb_buf_appendf(&res->body,
                   ",\"status\":\"ok\",\"txid\":\"%s\",\"originaltxid\":\"%s\",\"volume\":\"%s\",\"price\":\"%s\","
                   "\"price2\":\"%s\",\"orders_cancelled\":1}}",
                   txid, old_txid, vol, price, price2);
}

static void
s_amend_order(sim_t *sim, sim_account_t *a, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    const sim_xorder_t *o = s_named_order(sim, a, p, true);
    if (o == NULL) {
        sim_reply_kraken_error(res, "EOrder:Unknown order");
        return;
    }
    char v[64];
    bool present;
    sim_fx_t qty = 0, price = 0;
    if (sim_kraken_param(p, "order_qty", v, sizeof v, &present)) {
        if (!sim_fx_parse(v, strlen(v), &qty) || qty <= 0) {
            sim_reply_kraken_error(res, "EGeneral:Invalid arguments:order_qty");
            return;
        }
    }
    if (!s_price(p, "limit_price", &price, &present)) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments:limit_price");
        return;
    }
    if (qty == 0 && price == 0) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments:order_qty or limit_price required");
        return;
    }
    uint64_t id = o->id;
    const char *limit_err = s_trade_limit(sim, a, o->req.inst, SIM_KRAKEN_AMEND, o->amend_ns);
    if (limit_err != NULL) {
        sim_reply_kraken_error(res, limit_err);
        return;
    }
    const char *err = s_error_text(sim_exchange_amend(sim->exchange, a, id, qty, price, &o));
    if (err != NULL) {
        sim_reply_kraken_error(res, err);
        return;
    }
    char amend_id[SIM_TXID_SIZE];
    sim_kraken_txid('T', id ^ (uint64_t) cb_time_now_ns(), amend_id);
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"amend_id\":\"%s\"}}", amend_id);
}

typedef struct {
    int32_t userref;
    uint64_t id;
} s_userref_find_t;

/* Finds one open order carrying a userref. */
static bool
s_find_userref(void *ctx, const sim_xorder_t *o)
{
    s_userref_find_t *f = ctx;
    if ((o->status == SIM_OS_OPEN || o->status == SIM_OS_PENDING) && o->req.has_userref &&
        o->req.userref == f->userref) {
        f->id = o->id;
        return false;
    }
    return true;
}

/* Cancels every open order carrying userref text u; the count, or -1 when
 * u is not an int32. */
static long
s_cancel_userref(sim_t *sim, sim_account_t *a, const char *u)
{
    char *end;
    long long ref = strtoll(u, &end, 10);
    if (*end != '\0' || end == u || ref < INT32_MIN || ref > INT32_MAX) {
        return -1;
    }
    long n = 0;
    for (;;) {
        s_userref_find_t f = {(int32_t) ref, 0};
        sim_exchange_each_order(sim->exchange, a->owner, s_find_userref, &f);
        if (f.id == 0) {
            return n;
        }
        sim_exchange_cancel(sim->exchange, a, f.id, "User requested", NULL);
        n++;
    }
}

/* Cancels o (NULL: nothing) after the trading limiter's charge; 1 when it
 * was cancelled, 0 when not, and *limit_err set when the limiter refused. */
static size_t
s_cancel_one(sim_t *sim, sim_account_t *a, const sim_xorder_t *o, const char **limit_err)
{
    *limit_err = o != NULL ? s_trade_limit(sim, a, o->req.inst, SIM_KRAKEN_CANCEL, o->amend_ns) : NULL;
    return *limit_err == NULL && o != NULL &&
           sim_exchange_cancel(sim->exchange, a, o->id, "User requested", NULL) == SIM_X_OK;
}

static void
s_cancel_order(sim_t *sim, sim_account_t *a, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    char v[64];
    bool present;
    long n = 0;
    const char *limit_err = NULL;
    if (sim_kraken_param(p, "txid", v, sizeof v, &present) && v[0] != 'O') {
        n = s_cancel_userref(sim, a, v); /* a userref: every open order carrying it */
    } else {
        n = (long) s_cancel_one(sim, a, s_named_order(sim, a, p, true), &limit_err);
    }
    if (limit_err != NULL || n <= 0) {
        sim_reply_kraken_error(res, limit_err != NULL ? limit_err : "EOrder:Unknown order");
        return;
    }
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"count\":%ld}}", n);
}

/* CancelOrderBatch: up to 50 orders, by txid or userref in orders[] and by
 * client order id in cl_ord_ids[]; {"count":N} of those cancelled, or
 * EOrder:Unknown order when none was (as CancelOrder). */
static void
s_cancel_batch(sim_t *sim, sim_account_t *a, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    char list[2][50 * 40];
    bool present[2];
    bool ok = sim_kraken_param(p, "orders", list[0], sizeof list[0], &present[0]) || !present[0];
    ok = ok && (sim_kraken_param(p, "cl_ord_ids", list[1], sizeof list[1], &present[1]) || !present[1]);
    size_t entries = 0;
    for (int k = 0; k < 2 && ok; k++) {
        for (const char *c = list[k]; present[k] && *c != '\0'; c++) {
            entries += c == list[k] || *c == ',';
        }
    }
    if (!ok || entries == 0 || entries > 50) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments:orders");
        return;
    }
    size_t n = 0;
    const char *limit_err = NULL;
    for (int k = 0; k < 2 && limit_err == NULL; k++) {
        char *save = NULL;
        for (char *tok = present[k] ? strtok_r(list[k], ",", &save) : NULL; tok != NULL && limit_err == NULL;
             tok = strtok_r(NULL, ",", &save)) {
            uint64_t id;
            const sim_xorder_t *o = NULL;
            if (k == 1) {
                o = sim_exchange_order_by_clid(sim->exchange, a->owner, tok, true);
            } else if (tok[0] != 'O') {
                long u = s_cancel_userref(sim, a, tok);
                n += u > 0 ? (size_t) u : 0;
                continue;
            } else if (sim_kraken_txid_parse('O', tok, strlen(tok), &id)) {
                o = sim_exchange_order(sim->exchange, id);
                o = o != NULL && o->owner == a->owner ? o : NULL;
            }
            n += s_cancel_one(sim, a, o, &limit_err);
        }
    }
    if (limit_err != NULL || n == 0) {
        sim_reply_kraken_error(res, limit_err != NULL ? limit_err : "EOrder:Unknown order");
        return;
    }
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"count\":%zu}}", n);
}

void
sim_kraken_trading(sim_t *sim, sim_account_t *account, const char *method, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    if (strcmp(method, "AddOrder") == 0) {
        s_add_order(sim, account, p, res);
    } else if (strcmp(method, "EditOrder") == 0) {
        s_edit_order(sim, account, p, res);
    } else if (strcmp(method, "AmendOrder") == 0) {
        s_amend_order(sim, account, p, res);
    } else if (strcmp(method, "CancelOrder") == 0) {
        s_cancel_order(sim, account, p, res);
    } else if (strcmp(method, "CancelOrderBatch") == 0) {
        s_cancel_batch(sim, account, p, res);
    } else if (strcmp(method, "CancelAll") == 0) {
        size_t n = sim_exchange_cancel_all(sim->exchange, account, SIZE_MAX, NULL, 0);
        cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"count\":%zu}}", n);
    } else if (strcmp(method, "CancelAllOrdersAfter") == 0) {
        sim_kraken_session_cancel_after(account, p, res);
    } else if (strcmp(method, "GetWebSocketsToken") == 0) {
        sim_kraken_session_ws_token(account, res);
    } else {
        sim_reply_kraken_error(res, "EGeneral:Unknown method");
    }
}
