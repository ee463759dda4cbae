/* acct_rpc.c - the `account` RPC ops: balances with USD valuation, trade_balance, orders, trades, ws_token */
#include <stdio.h>
#include <string.h>

#include "acct_app.h"
#include "acct_args.h"
#include "cb_error.h"
#include "cb_rpc_args.h"
#include "cb_time.h"

#define S_LIMIT_DEFAULT 50
#define S_LIMIT_MAX 500

static void
s_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str_with_body(pk, s, strlen(s));
}

static void
s_kv(msgpack_packer *pk, const char *key, const char *value)
{
    s_str(pk, key);
    s_str(pk, value);
}

static void
s_kv_int(msgpack_packer *pk, const char *key, int64_t value)
{
    s_str(pk, key);
    msgpack_pack_int64(pk, value);
}

static void
s_kv_dec(msgpack_packer *pk, const char *key, cb_decimal_t value)
{
    char text[CB_DECIMAL_STR_MAX];
    int n = cb_decimal_format(value, text, sizeof text);
    s_str(pk, key);
    msgpack_pack_str_with_body(pk, text, n > 0 ? (size_t) n : 0);
}

acct_venue_t *
acct_app_venue(acct_app_t *app, const char *name)
{
    for (size_t i = 0; i < app->nvenues; i++) {
        if (strcmp(app->venues[i].cfg.name, name) == 0) {
            return &app->venues[i];
        }
    }
    return NULL;
}

void
acct_app_fini(acct_app_t *app)
{
    for (size_t i = 0; i < app->nvenues; i++) {
        cb_venue_client_destroy(&app->venues[i].vc);
        cb_cred_destroy(&app->venues[i].cred);
    }
    app->nvenues = 0;
}

/* The venue of args.venue (required or not): 0 with *v (NULL when absent
 * and optional), or the error with msg. */
static int
s_venue_arg(acct_app_t *app, const cb_rpc_request_t *req, bool required, acct_venue_t **v,
            char *msg, size_t msg_size)
{
    char name[CB_VENUE_NAME_MAX + 1];
    *v = NULL;
    int rc = cb_rpc_args_str(req, "venue", name, sizeof name, msg, msg_size);
    if (rc == CB_E_NOT_FOUND && !required) {
        return 0;
    }
    if (rc == CB_E_NOT_FOUND) {
        snprintf(msg, msg_size, "args.venue is required");
        return CB_E_BAD_REQUEST;
    }
    if (rc != 0) {
        return rc;
    }
    *v = acct_app_venue(app, name);
    if (*v == NULL) {
        snprintf(msg, msg_size, "unknown venue '%s'", name);
        return CB_E_NOT_FOUND;
    }
    return 0;
}

static int
s_failed(const acct_fail_t *fail, char *msg, size_t msg_size)
{
    snprintf(msg, msg_size, "%s", fail->message);
    return fail->code;
}

static int
s_fail_none(char *msg, size_t msg_size)
{
    snprintf(msg, msg_size,
             "no venue has credentials: set COINBUS_<VENUE>_API_KEY and COINBUS_<VENUE>_API_SECRET "
             "(or KRAKEN_API_KEY/BINANCE_API_KEY and their secrets, or a credentials file)");
    return CB_E_UNAUTHORIZED;
}

/* ---- balances ------------------------------------------------------------------- */

typedef struct {
    char asset[CB_ASSET_MAX + 1];
    cb_decimal_t total, available, hold;
} s_total_t;

/* Adds b into totals (at most cap assets). */
static void
s_add_total(s_total_t *totals, size_t *n, size_t cap, const cb_acct_balance_t *b)
{
    size_t i = 0;
    while (i < *n && strcmp(totals[i].asset, b->asset) != 0) {
        i++;
    }
    if (i == *n) {
        if (*n == cap) {
            return;
        }
        memset(&totals[i], 0, sizeof totals[i]);
        snprintf(totals[i].asset, sizeof totals[i].asset, "%s", b->asset);
        totals[i].total = totals[i].available = totals[i].hold = cb_decimal_from_int(0);
        (*n)++;
    }
    (void) cb_decimal_add(totals[i].total, b->total.value, &totals[i].total);
    (void) cb_decimal_add(totals[i].available, b->available.value, &totals[i].available);
    (void) cb_decimal_add(totals[i].hold, b->hold.value, &totals[i].hold);
}

static void
s_pack_totals(acct_app_t *app, const s_total_t *totals, size_t n, msgpack_packer *pk)
{
    cb_decimal_t usd_total = cb_decimal_from_int(0);
    bool valued[256];
    s_str(pk, "totals");
    msgpack_pack_array(pk, (uint32_t) n);
    size_t unvalued = 0;
    for (size_t i = 0; i < n; i++) {
        cb_decimal_t price, value;
        char source[CB_SYMBOL_MAX + CB_VENUE_NAME_MAX + 16];
        valued[i] = acct_prices_usd(&app->prices, totals[i].asset, NULL, &price, source,
                                    sizeof source);
        unsigned scale = totals[i].total.scale + price.scale;
        valued[i] = valued[i] &&
                    cb_decimal_mul(totals[i].total, price,
                                   scale > CB_DECIMAL_MAX_SCALE ? CB_DECIMAL_MAX_SCALE : scale,
                                   CB_ROUND_HALF_EVEN, &value) == 0 &&
                    cb_decimal_add(usd_total, value, &usd_total) == 0;
        msgpack_pack_map(pk, valued[i] ? 8 : 5);
        s_kv(pk, "asset", totals[i].asset);
        s_kv_dec(pk, "total", totals[i].total);
        s_kv_dec(pk, "available", totals[i].available);
        s_kv_dec(pk, "hold", totals[i].hold);
        if (valued[i]) {
            s_kv_dec(pk, "usd_price", price);
            s_kv_dec(pk, "usd_value", value);
            s_kv(pk, "price_source", source);
        } else {
            unvalued++;
        }
        s_str(pk, "valued");
        valued[i] ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    }
    s_kv_dec(pk, "usd_total", usd_total);
    s_str(pk, "unvalued");
    msgpack_pack_array(pk, (uint32_t) unvalued);
    for (size_t i = 0; i < n; i++) {
        if (!valued[i]) {
            s_str(pk, totals[i].asset);
        }
    }
}

static int
s_op_balances(acct_app_t *app, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
              size_t msg_size)
{
    acct_venue_t *one;
    int rc = s_venue_arg(app, req, false, &one, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    size_t first = 0, last = app->nvenues;
    if (one != NULL) {
        first = (size_t) (one - app->venues);
        last = first + 1;
    }
    cb_acct_vec_t lists[CB_VENUES_MAX];
    memset(lists, 0, sizeof lists);
    bool used[CB_VENUES_MAX] = {false};
    bool all_cached = true;
    size_t nused = 0;
    acct_fail_t fail = {0, ""};
    for (size_t i = first; rc == 0 && i < last; i++) {
        acct_venue_t *v = &app->venues[i];
        if (one == NULL && v->cred == NULL) {
            continue; /* all venues: those with a key */
        }
        char epoch[ACCT_EPOCH_MAX];
        if (acct_cache_get(app->redis, v->cfg.name, &lists[i], epoch)) {
            used[i] = true;
        } else {
            all_cached = false;
            app->venue_balance_calls++;
            rc = acct_venue_balances(v, &lists[i], NULL, &fail);
            if (rc == 0) {
                used[i] = true;
                acct_cache_put(app->redis, v->cfg.name, &lists[i], app->cache_ttl_ms, epoch);
            }
        }
        nused += used[i];
    }
    if (rc == 0 && nused == 0) {
        rc = s_fail_none(msg, msg_size);
    } else if (rc != 0) {
        rc = s_failed(&fail, msg, msg_size);
    }
    if (rc == 0) {
        s_total_t totals[256];
        size_t ntotals = 0;
        msgpack_pack_map(pk, 6);
        s_str(pk, "venues");
        msgpack_pack_array(pk, (uint32_t) nused);
        for (size_t i = first; i < last; i++) {
            if (!used[i]) {
                continue;
            }
            const cb_acct_balance_t *b = lists[i].items;
            msgpack_pack_map(pk, 2);
            s_kv(pk, "venue", app->venues[i].cfg.name);
            s_str(pk, "assets");
            msgpack_pack_array(pk, (uint32_t) lists[i].count);
            for (size_t k = 0; k < lists[i].count; k++) {
                msgpack_pack_map(pk, 4);
                s_kv(pk, "asset", b[k].asset);
                s_kv(pk, "total", b[k].total.text);
                s_kv(pk, "available", b[k].available.text);
                s_kv(pk, "hold", b[k].hold.text);
                s_add_total(totals, &ntotals, sizeof totals / sizeof totals[0], &b[k]);
            }
        }
        s_pack_totals(app, totals, ntotals, pk);
        s_kv_int(pk, "as_of_ms", cb_time_now_ms());
        s_str(pk, "cached");
        all_cached ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    }
    for (size_t i = 0; i < CB_VENUES_MAX; i++) {
        cb_acct_vec_fini(&lists[i]);
    }
    return rc;
}

/* ---- the other ops ------------------------------------------------------------------ */

static void
s_kv_opt(msgpack_packer *pk, const char *key, const cb_acct_dec_t *d)
{
    if (d->set) {
        s_kv(pk, key, d->text);
    }
}

static void
s_pack_order(msgpack_packer *pk, const char *venue, const cb_acct_order_t *o)
{
    uint32_t n = 9 + (o->client_order_id[0] != '\0') + o->price.set + o->avg_price.set +
                 o->fee.set + (o->fee.set && o->fee_asset[0] != '\0') + (o->updated_ms != 0) +
                 (o->closed_ms != 0);
    msgpack_pack_map(pk, n);
    s_kv(pk, "id", o->id);
    if (o->client_order_id[0] != '\0') {
        s_kv(pk, "client_order_id", o->client_order_id);
    }
    s_kv(pk, "venue", venue);
    s_kv(pk, "symbol", o->symbol);
    s_kv(pk, "side", o->side);
    s_kv(pk, "type", o->type);
    s_kv_opt(pk, "price", &o->price);
    s_kv(pk, "amount", o->amount.text);
    s_kv(pk, "filled", o->filled.text);
    s_kv_opt(pk, "avg_price", &o->avg_price);
    s_kv_opt(pk, "fee", &o->fee);
    if (o->fee.set && o->fee_asset[0] != '\0') {
        s_kv(pk, "fee_asset", o->fee_asset);
    }
    s_kv(pk, "status", o->status);
    s_kv_int(pk, "created_ms", o->created_ms);
    if (o->updated_ms != 0) {
        s_kv_int(pk, "updated_ms", o->updated_ms);
    }
    if (o->closed_ms != 0) {
        s_kv_int(pk, "closed_ms", o->closed_ms);
    }
}

static void
s_pack_trade(msgpack_packer *pk, const char *venue, const cb_acct_trade_t *t)
{
    msgpack_pack_map(pk, 12);
    s_kv(pk, "id", t->id);
    s_kv(pk, "order_id", t->order_id);
    s_kv(pk, "venue", venue);
    s_kv(pk, "symbol", t->symbol);
    s_kv(pk, "side", t->side);
    s_kv(pk, "price", t->price.text);
    s_kv(pk, "amount", t->amount.text);
    s_kv(pk, "cost", t->cost.text);
    s_kv(pk, "fee", t->fee.text);
    s_kv(pk, "fee_asset", t->fee_asset);
    s_str(pk, "maker");
    t->maker ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    s_kv_int(pk, "time_ms", t->time_ms);
}

static int
s_op_trade_balance(acct_app_t *app, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                   size_t msg_size)
{
    acct_venue_t *v;
    int rc = s_venue_arg(app, req, true, &v, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    cb_acct_trade_balance_t tb;
    memset(&tb, 0, sizeof tb);
    acct_fail_t fail;
    if (acct_venue_trade_balance(v, &tb, &fail) != 0) {
        return s_failed(&fail, msg, msg_size);
    }
    msgpack_pack_map(pk, 10 + tb.margin_level.set);
    s_kv(pk, "venue", v->cfg.name);
    s_kv(pk, "asset", tb.asset);
    s_kv(pk, "equivalent_balance", tb.equivalent_balance.text);
    s_kv(pk, "trade_balance", tb.trade_balance.text);
    s_kv(pk, "margin", tb.margin.text);
    s_kv(pk, "unrealized_pnl", tb.unrealized_pnl.text);
    s_kv(pk, "cost_basis", tb.cost_basis.text);
    s_kv(pk, "valuation", tb.valuation.text);
    s_kv(pk, "equity", tb.equity.text);
    s_kv(pk, "free_margin", tb.free_margin.text);
    s_kv_opt(pk, "margin_level", &tb.margin_level);
    return 0;
}

static int
s_op_open_orders(acct_app_t *app, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                 size_t msg_size)
{
    acct_venue_t *one;
    int rc = s_venue_arg(app, req, false, &one, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    cb_acct_vec_t lists[CB_VENUES_MAX];
    memset(lists, 0, sizeof lists);
    acct_fail_t fail;
    size_t total = 0, nused = 0;
    for (size_t i = 0; rc == 0 && i < app->nvenues; i++) {
        acct_venue_t *v = &app->venues[i];
        if ((one != NULL && v != one) || (one == NULL && v->cred == NULL)) {
            continue;
        }
        rc = acct_venue_open_orders(v, &lists[i], &fail);
        total += lists[i].count;
        nused++;
    }
    if (rc != 0) {
        rc = s_failed(&fail, msg, msg_size);
    } else if (nused == 0) {
        rc = s_fail_none(msg, msg_size);
    } else {
        msgpack_pack_map(pk, 1);
        s_str(pk, "orders");
        msgpack_pack_array(pk, (uint32_t) total);
        for (size_t i = 0; i < app->nvenues; i++) {
            for (size_t k = 0; k < lists[i].count; k++) {
                s_pack_order(pk, app->venues[i].cfg.name, (cb_acct_order_t *) lists[i].items + k);
            }
        }
    }
    for (size_t i = 0; i < CB_VENUES_MAX; i++) {
        cb_acct_vec_fini(&lists[i]);
    }
    return rc;
}

/* closed_orders (kind 'o') and trades (kind 't'). */
static int
s_op_page(acct_app_t *app, const cb_rpc_request_t *req, char kind, msgpack_packer *pk, char *msg,
          size_t msg_size)
{
    acct_venue_t *v;
    int rc = s_venue_arg(app, req, true, &v, msg, msg_size);
    int64_t start = 0, end = 0, limit = S_LIMIT_DEFAULT;
    char cursor[CB_ACCT_CURSOR_MAX + 1] = "";
    const char *keys[] = {"start_ms", "end_ms", "limit"};
    int64_t *vals[] = {&start, &end, &limit};
    for (size_t i = 0; rc == 0 && i < 3; i++) {
        rc = acct_args_int(req, keys[i], vals[i], msg, msg_size);
        rc = rc == CB_E_NOT_FOUND ? 0 : rc;
    }
    if (rc == 0) {
        rc = cb_rpc_args_str(req, "cursor", cursor, sizeof cursor, msg, msg_size);
        rc = rc == CB_E_NOT_FOUND ? 0 : rc;
    }
    if (rc == 0 && (limit < 1 || limit > S_LIMIT_MAX || start < 0 || end < 0 ||
                    (end != 0 && start > end))) {
        snprintf(msg, msg_size, "args: limit must be 1..%d and 0 <= start_ms <= end_ms",
                 S_LIMIT_MAX);
        rc = CB_E_BAD_REQUEST;
    }
    if (rc != 0) {
        return rc;
    }
    cb_acct_vec_t items = {0};
    char next[CB_ACCT_CURSOR_MAX];
    acct_fail_t fail;
    rc = acct_venue_page(v, kind, start, end, (unsigned) limit, cursor, &items, next, sizeof next,
                         &fail);
    if (rc != 0) {
        rc = s_failed(&fail, msg, msg_size);
    } else {
        msgpack_pack_map(pk, next[0] != '\0' ? 2 : 1);
        s_str(pk, kind == 't' ? "trades" : "orders");
        msgpack_pack_array(pk, (uint32_t) items.count);
        for (size_t k = 0; k < items.count; k++) {
            if (kind == 't') {
                s_pack_trade(pk, v->cfg.name, (cb_acct_trade_t *) items.items + k);
            } else {
                s_pack_order(pk, v->cfg.name, (cb_acct_order_t *) items.items + k);
            }
        }
        if (next[0] != '\0') {
            s_kv(pk, "next_cursor", next);
        }
    }
    cb_acct_vec_fini(&items);
    return rc;
}

static int
s_op_ws_token(acct_app_t *app, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
              size_t msg_size)
{
    acct_venue_t *v;
    int rc = s_venue_arg(app, req, true, &v, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    char token[512];
    int64_t expires = 0;
    acct_fail_t fail;
    if (acct_venue_ws_token(v, token, sizeof token, &expires, &fail) != 0) {
        return s_failed(&fail, msg, msg_size);
    }
    msgpack_pack_map(pk, 3);
    s_kv(pk, "venue", v->cfg.name);
    s_kv(pk, "token", token);
    s_kv_int(pk, "expires_s", expires);
    memset(token, 0, sizeof token);
    return 0;
}

static int
s_op_check(acct_app_t *app, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
           size_t msg_size)
{
    acct_venue_t *v;
    int rc = s_venue_arg(app, req, true, &v, msg, msg_size);
    if (rc == 0) {
        acct_check_pack(v, pk);
    }
    return rc;
}

int
acct_app_handle(void *ctx, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                size_t msg_size)
{
    acct_app_t *app = ctx;
    int64_t deadline = CB_PROTO_HAS(req, rpc_request, deadline_ms) ? req->deadline_ms : 0;
    for (size_t i = 0; i < app->nvenues; i++) {
        app->venues[i].deadline_ms = deadline;
    }
    if (cb_str_eq_cstr(req->op, "balances")) {
        return s_op_balances(app, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "trade_balance")) {
        return s_op_trade_balance(app, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "open_orders")) {
        return s_op_open_orders(app, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "closed_orders")) {
        return s_op_page(app, req, 'o', pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "trades")) {
        return s_op_page(app, req, 't', pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "ws_token")) {
        return s_op_ws_token(app, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "check")) {
        return s_op_check(app, req, pk, msg, msg_size);
    }
    snprintf(msg, msg_size, "unknown op '%.*s'", (int) req->op.len, req->op.ptr);
    return CB_E_NOT_FOUND;
}
