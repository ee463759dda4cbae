/* route_rpc.c - the `orders` RPC ops: place (checked against the venue's rules first), get, list, cancel, amend, cancel_all, cancel_after */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_binance_orders.h"
#include "cb_error.h"
#include "cb_kraken_orders.h"
#include "cb_mp.h"
#include "cb_time.h"
#include "route_app.h"

#define S_ARGS_MAX 24
#define S_VAL_MAX 128

/* The args map read once: string, integer or boolean values as text. */
typedef struct {
    char key[S_ARGS_MAX][32];
    char val[S_ARGS_MAX][S_VAL_MAX];
    size_t n;
} s_args_t;

static int
s_args_read(const cb_rpc_request_t *req, s_args_t *a, char *msg, size_t msg_size)
{
    memset(a, 0, sizeof *a);
    if (!CB_PROTO_HAS(req, rpc_request, args) || req->args.len == 0) {
        return 0;
    }
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, req->args.ptr, req->args.len);
    uint32_t count;
    if (cb_mp_peek(&r) == CB_MP_NIL) {
        return 0;
    }
    if (cb_mp_read_map(&r, &count) != 0 || count > S_ARGS_MAX) {
        snprintf(msg, msg_size, "args must be a map of at most %d keys", S_ARGS_MAX);
        return CB_E_BAD_REQUEST;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *k, *s;
        size_t kl, sl;
        if (cb_mp_read_str(&r, &k, &kl) != 0 || kl >= sizeof a->key[0]) {
            snprintf(msg, msg_size, "args must have string keys of at most 31 bytes");
            return CB_E_BAD_REQUEST;
        }
        snprintf(a->key[a->n], sizeof a->key[0], "%.*s", (int) kl, k);
        char *out = a->val[a->n];
        cb_mp_type_t t = cb_mp_peek(&r);
        int64_t iv;
        bool bv;
        if (t == CB_MP_STR && cb_mp_read_str(&r, &s, &sl) == 0 && sl < S_VAL_MAX &&
            memchr(s, '\0', sl) == NULL) {
            snprintf(out, S_VAL_MAX, "%.*s", (int) sl, s);
        } else if ((t == CB_MP_INT || t == CB_MP_UINT) && cb_mp_read_int(&r, &iv) == 0) {
            snprintf(out, S_VAL_MAX, "%" PRId64, iv);
        } else if (t == CB_MP_BOOL && cb_mp_read_bool(&r, &bv) == 0) {
            snprintf(out, S_VAL_MAX, "%s", bv ? "true" : "false");
        } else if (t == CB_MP_NIL && cb_mp_skip(&r, NULL, NULL) == 0) {
            continue;
        } else {
            snprintf(msg, msg_size, "args.%s must be a string (at most %d bytes), an integer or a boolean",
                     a->key[a->n], S_VAL_MAX - 1);
            return CB_E_BAD_REQUEST;
        }
        a->n++;
    }
    return 0;
}

/* The value of key, or "" when absent. */
static const char *
s_arg(const s_args_t *a, const char *key)
{
    for (size_t i = 0; i < a->n; i++) {
        if (strcmp(a->key[i], key) == 0) {
            return a->val[i];
        }
    }
    return "";
}

static int
s_fail(const route_fail_t *fail, char *msg, size_t msg_size)
{
    snprintf(msg, msg_size, "%s", fail->message);
    return fail->code;
}

static void
s_kv(msgpack_packer *pk, const char *key, const char *value)
{
    msgpack_pack_str_with_body(pk, key, strlen(key));
    msgpack_pack_str_with_body(pk, value, strlen(value));
}

static void
s_kv_int(msgpack_packer *pk, const char *key, int64_t value)
{
    msgpack_pack_str_with_body(pk, key, strlen(key));
    msgpack_pack_int64(pk, value);
}

/* The order as clients see it (proto/README "orders"); existing: a place
 * that found its client order id in the ledger adds "existing": true. */
static void
s_pack_order_ex(msgpack_packer *pk, const route_order_t *o, bool existing,
                const route_routing_t *rt)
{
    const char *opt[][2] = {{"venue_order_id", o->venue_order_id}, {"price", o->price},
                            {"stop_price", o->stop_price},         {"avg_price", o->avg_price},
                            {"fee", o->fee},                       {"fee_asset", o->fee_asset},
                            {"reason", o->reason},                 {"replaces", o->replaces}};
    uint32_t n = 11 + existing + (rt != NULL);
    for (size_t i = 0; i < 8; i++) {
        n += opt[i][1][0] != '\0';
    }
    msgpack_pack_map(pk, n);
    s_kv(pk, "id", o->client_order_id);
    s_kv(pk, "client_order_id", o->client_order_id);
    s_kv(pk, "venue", o->venue);
    s_kv(pk, "symbol", o->symbol);
    s_kv(pk, "side", o->side);
    s_kv(pk, "type", o->type);
    s_kv(pk, "time_in_force", o->time_in_force);
    s_kv(pk, "amount", o->amount);
    s_kv(pk, "filled", o->filled[0] != '\0' ? o->filled : "0");
    s_kv(pk, "status", o->status);
    s_kv_int(pk, "created_ms", strtoll(o->created_ms, NULL, 10));
    for (size_t i = 0; i < 8; i++) {
        if (opt[i][1][0] != '\0') {
            s_kv(pk, opt[i][0], opt[i][1]);
        }
    }
    if (existing) {
        msgpack_pack_str_with_body(pk, "existing", 8);
        msgpack_pack_true(pk);
    }
    if (rt != NULL) {
        msgpack_pack_str_with_body(pk, "routing", 7);
        route_best_pack(pk, rt);
    }
}

static void
s_pack_order(msgpack_packer *pk, const route_order_t *o)
{
    s_pack_order_ex(pk, o, false, NULL);
}

/* ---- place: the venue's rules, checked before anything is signed ---------- */

/* value of name (text) parsed and > 0; "" allowed when optional. */
static int
s_positive(const char *name, const char *text, bool required, cb_decimal_t *out, char *msg,
           size_t msg_size)
{
    if (text[0] == '\0' && !required) {
        return CB_E_NOT_FOUND;
    }
    if (cb_decimal_parse(text, strlen(text), out) != 0 || cb_decimal_sign(*out) <= 0) {
        snprintf(msg, msg_size, "%s must be a positive decimal string (got '%s')", name, text);
        return CB_E_BAD_REQUEST;
    }
    return 0;
}

/* "<name> <value> is not a multiple of <step name> <step>". */
static int
s_step(const char *name, const char *text, cb_decimal_t value, const char *step_name,
       cb_decimal_t step, char *msg, size_t msg_size)
{
    if (cb_decimal_sign(step) <= 0 || cb_decimal_is_multiple(value, step)) {
        return 0;
    }
    char st[CB_DECIMAL_STR_MAX];
    (void) cb_decimal_format(step, st, sizeof st);
    snprintf(msg, msg_size, "%s %s is not a multiple of %s %s", name, text, step_name, st);
    return CB_E_BAD_REQUEST;
}

/* Fills o from the args (symbol: the venue's listing) and checks it
 * against the venue's instrument. */
static int
s_check(route_venue_t *v, const char *symbol, const s_args_t *a, route_order_t *o, char *msg,
        size_t msg_size)
{
    const char *side = s_arg(a, "side"), *type = s_arg(a, "type");
    const char *tif = s_arg(a, "time_in_force"), *post = s_arg(a, "post_only");
    const char *amount = s_arg(a, "amount"), *price = s_arg(a, "price"), *stop = s_arg(a, "stop_price");
    const cb_instrument_t *ins =
        cb_instruments_by_symbol(cb_venue_client_instruments(v->vc), cb_str_from(symbol));
    if (ins == NULL || !ins->trading) {
        snprintf(msg, msg_size, "symbol '%s' is not %s on %s", symbol,
                 ins == NULL ? "listed" : "trading", v->cfg.name);
        return ins == NULL ? CB_E_NOT_FOUND : CB_E_BAD_REQUEST;
    }
    if (strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0) {
        snprintf(msg, msg_size, "side must be buy or sell");
        return CB_E_BAD_REQUEST;
    }
    type = type[0] != '\0' ? type : "limit";
    bool market = strcmp(type, "market") == 0, limit = strcmp(type, "limit") == 0;
    bool stop_type = strcmp(type, "stop-loss") == 0 || strcmp(type, "take-profit") == 0;
    if (!market && !limit && !stop_type) {
        snprintf(msg, msg_size, "type must be market, limit, stop-loss or take-profit");
        return CB_E_BAD_REQUEST;
    }
    tif = tif[0] != '\0' ? tif : "GTC";
    if (strcmp(tif, "GTC") != 0 && strcmp(tif, "IOC") != 0 && strcmp(tif, "FOK") != 0) {
        snprintf(msg, msg_size, "time_in_force must be GTC, IOC or FOK");
        return CB_E_BAD_REQUEST;
    }
    bool post_only = strcmp(post, "true") == 0;
    if (post_only && (!limit || strcmp(tif, "GTC") != 0)) {
        snprintf(msg, msg_size, "post_only is valid on a GTC limit order only (got %s %s)", tif, type);
        return CB_E_BAD_REQUEST;
    }
    if (!limit && strcmp(tif, "GTC") != 0) {
        snprintf(msg, msg_size, "time_in_force %s is valid on limit orders only (got %s)", tif, type);
        return CB_E_BAD_REQUEST;
    }
    cb_decimal_t amt, px, sp;
    int rc = s_positive("amount", amount, true, &amt, msg, msg_size);
    int prc = rc == 0 ? s_positive("price", price, limit, &px, msg, msg_size) : rc;
    int src = prc == 0 || prc == CB_E_NOT_FOUND ? s_positive("stop_price", stop, stop_type, &sp, msg, msg_size) : prc;
    if (rc != 0 || (prc != 0 && prc != CB_E_NOT_FOUND) || (src != 0 && src != CB_E_NOT_FOUND)) {
        return CB_E_BAD_REQUEST;
    }
    if ((market && prc == 0) || (!stop_type && src == 0)) {
        snprintf(msg, msg_size, "%s is not valid on a %s order", market && prc == 0 ? "price" : "stop_price", type);
        return CB_E_BAD_REQUEST;
    }
    rc = s_step("amount", amount, amt, "lot size", ins->lot_size, msg, msg_size);
    if (rc == 0 && cb_decimal_cmp(amt, ins->min_qty) < 0) {
        char t[CB_DECIMAL_STR_MAX];
        (void) cb_decimal_format(ins->min_qty, t, sizeof t);
        snprintf(msg, msg_size, "amount %s is below the minimum amount %s", amount, t);
        rc = CB_E_BAD_REQUEST;
    }
    rc = rc == 0 && prc == 0 ? s_step("price", price, px, "tick size", ins->tick_size, msg, msg_size) : rc;
    rc = rc == 0 && src == 0 ? s_step("stop_price", stop, sp, "tick size", ins->tick_size, msg, msg_size) : rc;
    cb_decimal_t notional;
    if (rc == 0 && (prc == 0 || src == 0) && cb_decimal_sign(ins->min_notional) > 0 &&
        cb_decimal_mul(amt, prc == 0 ? px : sp, amt.scale + (prc == 0 ? px : sp).scale, CB_ROUND_HALF_EVEN,
                       &notional) == 0 &&
        cb_decimal_cmp(notional, ins->min_notional) < 0) {
        char t[CB_DECIMAL_STR_MAX], nt[CB_DECIMAL_STR_MAX];
        (void) cb_decimal_format(ins->min_notional, t, sizeof t);
        (void) cb_decimal_format(notional, nt, sizeof nt);
        snprintf(msg, msg_size, "notional %s (amount x price) is below the minimum notional %s", nt, t);
        rc = CB_E_BAD_REQUEST;
    }
    if (rc != 0) {
        return rc;
    }
    memset(o, 0, sizeof *o);
    snprintf(o->venue, sizeof o->venue, "%s", v->cfg.name);
    snprintf(o->symbol, sizeof o->symbol, "%s", ins->symbol);
    snprintf(o->side, sizeof o->side, "%s", side);
    snprintf(o->type, sizeof o->type, "%s", type);
    snprintf(o->time_in_force, sizeof o->time_in_force, "%s", tif);
    snprintf(o->post_only, sizeof o->post_only, "%s", post_only ? "true" : "false");
    (void) cb_decimal_format(amt, o->amount, sizeof o->amount);
    if (prc == 0) {
        (void) cb_decimal_format(px, o->price, sizeof o->price);
    }
    if (src == 0) {
        (void) cb_decimal_format(sp, o->stop_price, sizeof o->stop_price);
    }
    snprintf(o->status, sizeof o->status, "pending");
    snprintf(o->filled, sizeof o->filled, "0");
    snprintf(o->resends, sizeof o->resends, "0");
    snprintf(o->created_ms, sizeof o->created_ms, "%" PRId64, cb_time_now_ms());
    return 0;
}

static route_venue_t *
s_venue(route_app_t *app, const s_args_t *a, int *rc, char *msg, size_t msg_size)
{
    const char *name = s_arg(a, "venue");
    route_venue_t *v = route_app_venue(app, name);
    if (v == NULL && strcmp(name, "best") == 0) {
        snprintf(msg, msg_size, "venue \"best\" routes a place only: name a venue");
        *rc = CB_E_BAD_REQUEST;
    } else if (v == NULL) {
        snprintf(msg, msg_size, name[0] == '\0' ? "args.venue is required" : "unknown venue '%s'", name);
        *rc = name[0] == '\0' ? CB_E_BAD_REQUEST : CB_E_NOT_FOUND;
    }
    return v;
}

/* validate: the venue checks the order without placing it; nothing is written. */
static int
s_validate(route_venue_t *v, route_order_t *o, const route_routing_t *rt, msgpack_packer *pk,
           char *msg, size_t msg_size)
{
    cb_order_req_t req;
    memset(&req, 0, sizeof req);
    req.ins = cb_instruments_by_symbol(cb_venue_client_instruments(v->vc), cb_str_from(o->symbol));
    req.buy = strcmp(o->side, "buy") == 0;
    req.type = strcmp(o->type, "market") == 0 ? CB_OTYPE_MARKET
               : strcmp(o->type, "limit") == 0 ? CB_OTYPE_LIMIT
               : strcmp(o->type, "stop-loss") == 0 ? CB_OTYPE_STOP_LOSS : CB_OTYPE_TAKE_PROFIT;
    req.tif = strcmp(o->time_in_force, "IOC") == 0 ? CB_TIF_IOC
              : strcmp(o->time_in_force, "FOK") == 0 ? CB_TIF_FOK : CB_TIF_GTC;
    req.post_only = strcmp(o->post_only, "true") == 0;
    req.validate = true;
    (void) cb_decimal_parse(o->amount, strlen(o->amount), &req.amount);
    req.has_price = o->price[0] != '\0' && cb_decimal_parse(o->price, strlen(o->price), &req.price) == 0;
    if (o->stop_price[0] != '\0') {
        (void) cb_decimal_parse(o->stop_price, strlen(o->stop_price), &req.stop_price);
    }
    snprintf(req.client_order_id, sizeof req.client_order_id, "%s", o->client_order_id);
    bool kraken = v->cfg.dialect == CB_DIALECT_KRAKEN;
    cb_order_call_t call;
    if ((kraken ? cb_kraken_order_place(&req, &call) : cb_binance_order_place(&req, &call)) != 0) {
        snprintf(msg, msg_size, "%s: the request could not be built", v->cfg.name);
        return CB_E_BAD_REQUEST;
    }
    cb_http_result_t res;
    cb_venue_error_t err;
    bool sent;
    cb_vorder_t vo;
    int rc = route_venue_call(v, &call, &res, &err, &sent);
    if (rc == 0) {
        const cb_http_resp_t *r = &res.resp;
        rc = kraken ? cb_kraken_order_parse_place(&req, (int) r->status, r->body, r->body_len, &vo, &err)
                    : cb_binance_order_parse(cb_venue_client_instruments(v->vc), false,
                                             (int) r->status, r->body, r->body_len, &vo, &err);
        cb_http_result_fini(&res);
    }
    if (rc != 0) {
        route_fail_t fail;
        (void) route_fail_venue(&fail, v, &err, rc);
        return s_fail(&fail, msg, msg_size);
    }
    msgpack_pack_map(pk, 4 + (rt != NULL));
    s_kv(pk, "venue", v->cfg.name);
    s_kv(pk, "symbol", o->symbol);
    s_kv(pk, "client_order_id", o->client_order_id);
    msgpack_pack_str_with_body(pk, "validated", 9);
    msgpack_pack_true(pk);
    if (rt != NULL) {
        msgpack_pack_str_with_body(pk, "routing", 7);
        route_best_pack(pk, rt);
    }
    return 0;
}

static int
s_op_place(route_app_t *app, const s_args_t *a, msgpack_packer *pk, char *msg, size_t msg_size)
{
    int rc = 0;
    route_fail_t fail;
    static route_routing_t routing;
    const route_routing_t *rt = NULL;
    const char *symbol = s_arg(a, "symbol");
    route_order_t prior;
    route_venue_t *v;
    route_steps_start(&app->steps);
    if (strcmp(s_arg(a, "venue"), "best") == 0) {
        v = route_best_pick(app, s_arg(a, "client_order_id"), s_arg(a, "idempotency_key"), symbol,
                            s_arg(a, "side"), s_arg(a, "amount"), &routing, &symbol, &prior, &fail);
        if (v == NULL) {
            return s_fail(&fail, msg, msg_size);
        }
        rt = routing.chosen >= 0 ? &routing : NULL;
    } else if ((v = s_venue(app, a, &rc, msg, msg_size)) == NULL) {
        return rc;
    }
    if (route_venue_ready(v, &fail) != 0) {
        return s_fail(&fail, msg, msg_size);
    }
    route_order_t o;
    rc = s_check(v, symbol, a, &o, msg, msg_size);
    rc = rc == 0 ? route_ledger_clid(v->cfg.dialect, v->cfg.name, s_arg(a, "client_order_id"),
                                     s_arg(a, "idempotency_key"), o.client_order_id, msg, msg_size)
                 : rc;
    if (rc != 0) {
        return rc;
    }
    /* An order already in the ledger is answered as it is ("existing"): it
     * was there before, or another request wrote it first; the intent
     * script tells which (not the creation time: a repeat may come within
     * the same millisecond). Its funds are on hold already, so a failed
     * balance check is only believed once the ledger says the id is new. */
    bool validate = strcmp(s_arg(a, "validate"), "true") == 0;
    route_steps_mark(&app->steps, ROUTE_STEP_CHECK);
    const route_quote_t *q = rt != NULL ? &rt->quotes[rt->chosen] : NULL;
    route_funds_hold_t hold;
    if (route_balance_check(app, v, &o, q, &hold, &fail) != 0) {
        route_steps_mark(&app->steps, ROUTE_STEP_BALANCE);
        bool existing = !validate && route_ledger_get(&app->ledger, v->cfg.name, o.client_order_id,
                                                 &prior) == 0;
        route_steps_mark(&app->steps, ROUTE_STEP_EXISTING);
        if (!existing) {
            return s_fail(&fail, msg, msg_size);
        }
    }
    route_steps_mark(&app->steps, ROUTE_STEP_BALANCE);
    if (validate) {
        route_balance_release(v, &hold, NULL);
        return s_validate(v, &o, rt, pk, msg, msg_size);
    }
    bool found = false;
    rc = route_exec_place(app, v, &o, &found, &fail);
    route_balance_release(v, &hold, &o);
    if (rc != 0) {
        return s_fail(&fail, msg, msg_size);
    }
    s_pack_order_ex(pk, &o, found, rt);
    route_steps_mark(&app->steps, ROUTE_STEP_RECORD);
    route_steps_log(&app->steps, o.client_order_id);
    return 0;
}

/* True when status is one of list (a status, or several joined by commas). */
static bool
s_status_in(const char *list, const char *status)
{
    size_t len = strlen(status);
    for (const char *p = list; *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (n == len && memcmp(p, status, n) == 0) {
            return true;
        }
        p += n + (p[n] == ',');
    }
    return false;
}

/* The ledger order args.id names (args.venue, or every venue). */
static int
s_find(route_app_t *app, const s_args_t *a, route_venue_t **v, route_order_t *o, char *msg,
       size_t msg_size)
{
    const char *id = s_arg(a, "id"), *venue = s_arg(a, "venue");
    if (id[0] == '\0' || strlen(id) > CB_CLID_MAX) {
        snprintf(msg, msg_size, "args.id (the client order id) is required, at most %d characters", CB_CLID_MAX);
        return CB_E_BAD_REQUEST;
    }
    for (size_t i = 0; i < app->nvenues; i++) {
        *v = &app->venues[i];
        if (venue[0] != '\0' && strcmp(venue, (*v)->cfg.name) != 0) {
            continue;
        }
        int rc = route_ledger_get(&app->ledger, (*v)->cfg.name, id, o);
        if (rc != CB_E_NOT_FOUND) {
            snprintf(msg, msg_size, "ledger: %s", cb_strerror(rc));
            return rc;
        }
    }
    snprintf(msg, msg_size, "no order '%s'", id);
    return CB_E_NOT_FOUND;
}

static int
s_op_order(route_app_t *app, const s_args_t *a, char op, msgpack_packer *pk, char *msg, size_t msg_size)
{
    route_venue_t *v;
    route_order_t o;
    route_fail_t fail;
    int rc = s_find(app, a, &v, &o, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    rc = op == 'g'   ? route_exec_resolve(app, v, &o, true, &fail)
         : op == 'c' ? route_exec_cancel(app, v, &o, &fail)
                     : route_exec_amend(app, v, &o, s_arg(a, "price"), s_arg(a, "amount"), &fail);
    if (rc != 0) {
        return s_fail(&fail, msg, msg_size);
    }
    s_pack_order(pk, &o);
    return 0;
}

static int
s_op_list(route_app_t *app, const s_args_t *a, msgpack_packer *pk, char *msg, size_t msg_size)
{
    const char *venue = s_arg(a, "venue"), *status = s_arg(a, "status");
    static char ids[256][CB_CLID_MAX + 1];
    static route_order_t found[256];
    size_t nfound = 0;
    for (size_t i = 0; i < app->nvenues && nfound < 256; i++) {
        const char *name = app->venues[i].cfg.name;
        size_t n = 0;
        if (venue[0] != '\0' && strcmp(venue, name) != 0) {
            continue;
        }
        int rc = route_ledger_ids(&app->ledger, name, false, ids, 256, &n);
        if (rc != 0) {
            snprintf(msg, msg_size, "ledger: %s", cb_strerror(rc));
            return rc;
        }
        for (size_t k = 0; k < n && nfound < 256; k++) {
            if (route_ledger_get(&app->ledger, name, ids[k], &found[nfound]) == 0 &&
                (status[0] == '\0' || s_status_in(status, found[nfound].status))) {
                nfound++;
            }
        }
    }
    msgpack_pack_map(pk, 1);
    msgpack_pack_str_with_body(pk, "orders", 6);
    msgpack_pack_array(pk, (uint32_t) nfound);
    for (size_t i = 0; i < nfound; i++) {
        s_pack_order(pk, &found[i]);
    }
    return 0;
}

/* cancel_all without a venue: {count, venues: [{venue, count} | {venue,
 * error, code}]}; fails only when every venue failed (route_cancel_all_venues). */
static int
s_cancel_all_venues(route_app_t *app, const char *symbol, msgpack_packer *pk, char *msg,
                    size_t msg_size)
{
    int64_t counts[CB_VENUES_MAX], total = 0;
    static route_fail_t fails[CB_VENUES_MAX];
    size_t failed = route_cancel_all_venues(app, symbol, counts, fails, &total);
    if (app->nvenues > 0 && failed == app->nvenues) {
        return s_fail(&fails[0], msg, msg_size);
    }
    msgpack_pack_map(pk, 2);
    s_kv_int(pk, "count", total);
    msgpack_pack_str_with_body(pk, "venues", 6);
    msgpack_pack_array(pk, (uint32_t) app->nvenues);
    for (size_t i = 0; i < app->nvenues; i++) {
        msgpack_pack_map(pk, fails[i].code == 0 ? 2 : 3);
        s_kv(pk, "venue", app->venues[i].cfg.name);
        if (fails[i].code == 0) {
            s_kv_int(pk, "count", counts[i]);
        } else {
            s_kv(pk, "error", fails[i].message);
            s_kv(pk, "code", cb_error_wire_name(fails[i].code));
        }
    }
    return 0;
}

static int
s_op_cancel_all(route_app_t *app, const s_args_t *a, msgpack_packer *pk, char *msg, size_t msg_size)
{
    const char *symbol = s_arg(a, "symbol");
    if (s_arg(a, "venue")[0] == '\0') {
        return s_cancel_all_venues(app, symbol[0] != '\0' ? symbol : NULL, pk, msg, msg_size);
    }
    int rc = 0;
    route_venue_t *v = s_venue(app, a, &rc, msg, msg_size);
    if (v == NULL) {
        return rc;
    }
    int64_t count = 0;
    route_fail_t fail;
    if (route_cancel_all(app, v, symbol[0] != '\0' ? symbol : NULL, &count, &fail) != 0) {
        return s_fail(&fail, msg, msg_size);
    }
    msgpack_pack_map(pk, 2);
    s_kv(pk, "venue", v->cfg.name);
    s_kv_int(pk, "count", count);
    return 0;
}

static int
s_op_cancel_after(route_app_t *app, const s_args_t *a, msgpack_packer *pk, char *msg, size_t msg_size)
{
    int rc = 0;
    route_venue_t *v = s_venue(app, a, &rc, msg, msg_size);
    if (v == NULL) {
        return rc;
    }
    const char *text = s_arg(a, "seconds");
    char *end = NULL;
    long long seconds = strtoll(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || seconds < 0 || seconds > 86400) {
        snprintf(msg, msg_size, "args.seconds must be an integer 0..86400 (0 disarms)");
        return CB_E_BAD_REQUEST;
    }
    int64_t trigger = 0;
    route_fail_t fail;
    if (route_cancel_after(app, v, seconds, &trigger, &fail) != 0) {
        return s_fail(&fail, msg, msg_size);
    }
    msgpack_pack_map(pk, trigger > 0 ? 3 : 2);
    s_kv(pk, "venue", v->cfg.name);
    msgpack_pack_str_with_body(pk, "armed", 5);
    if (trigger > 0) {
        msgpack_pack_true(pk);
        s_kv_int(pk, "trigger_ms", trigger);
    } else {
        msgpack_pack_false(pk);
    }
    return 0;
}

void
route_app_fini(route_app_t *app)
{
    route_app_settle(app);
    for (size_t i = 0; i < app->nvenues; i++) {
        cb_venue_client_destroy(&app->venues[i].vc);
        cb_buf_fini(&app->venues[i].balance.answer);
        cb_cred_destroy(&app->venues[i].cred);
    }
    app->nvenues = 0;
}

int
route_app_handle(void *ctx, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                 size_t msg_size)
{
    route_app_t *app = ctx;
    route_exec_finish(app); /* the last place's record first (normally done already) */
    s_args_t a;
    int rc = s_args_read(req, &a, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    if (cb_str_eq_cstr(req->op, "place")) {
        return s_op_place(app, &a, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "get")) {
        return s_op_order(app, &a, 'g', pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "cancel")) {
        return s_op_order(app, &a, 'c', pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "amend")) {
        return s_op_order(app, &a, 'a', pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "list")) {
        return s_op_list(app, &a, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "cancel_all")) {
        return s_op_cancel_all(app, &a, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "cancel_after")) {
        return s_op_cancel_after(app, &a, pk, msg, msg_size);
    }
    snprintf(msg, msg_size, "unknown op '%.*s'", (int) req->op.len, req->op.ptr);
    return CB_E_NOT_FOUND;
}
