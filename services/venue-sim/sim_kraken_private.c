/* sim_kraken_private.c - Kraken's private REST methods (/0/private/...): API-Key/API-Sign auth, nonces, balances, orders, trades */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_time.h"
#include "sim_auth.h"
#include "sim_exchange.h"
#include "sim_limits.h"
#include "sim_kraken_format.h"
#include "sim_kraken_params.h"
#include "sim_kraken_private.h"
#include "sim_kraken_trading.h"
#include "sim_reply.h"

/* ---- authentication ---------------------------------------------------------- */

/* Checks key, lockout, nonce and signature (sim_auth, in Kraken's order),
 * then the REST call counter; the account, or NULL with the error written. */
static sim_account_t *
s_authenticate(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    size_t key_len = 0, sign_len = 0, ct_len = 0;
    const char *key_header = cb_httpd_req_header(req, "api-key", &key_len);
    const char *sign = cb_httpd_req_header(req, "api-sign", &sign_len);
    const char *ct = cb_httpd_req_header(req, "content-type", &ct_len);
    char key[sizeof ((sim_account_t *) 0)->key];
    if (key_header == NULL || key_len == 0 || key_len >= sizeof key) {
        sim_reply_kraken_error(res, SIM_KRAKEN_INVALID_KEY);
        return NULL;
    }
    memcpy(key, key_header, key_len);
    key[key_len] = '\0';
    sim_account_t *account = sim_exchange_account_by_key(sim->exchange, SIM_VENUE_KRAKEN, key, key_len);
    char path[96];
    int path_len = snprintf(path, sizeof path, "/0/private/%.*s", (int) len, name);
    int64_t now = cb_time_now_ns();
    const char *err = sim->auth == NULL ? SIM_KRAKEN_INTERNAL
                      : sim_auth_kraken_check(sim->auth, key, account != NULL ? account->secret : NULL, path,
                                              (size_t) path_len, ct, ct_len, req->body, req->body_len,
                                              sign != NULL ? sign : "", sign_len, now);
    if (err == NULL && sim->limits != NULL) {
        char method[32];
        snprintf(method, sizeof method, "%.*s", (int) len, name);
        sim_limits_kraken_call(sim->limits, key, method, now, &err);
    }
    if (err != NULL) {
        sim_reply_kraken_error(res, err);
        return NULL;
    }
    return account;
}

/* ---- balances ------------------------------------------------------------------ */

static int
s_display_decimals(const char *asset)
{
    return strcmp(asset, "ZUSD") == 0 ? 4 : 10;
}

static void
s_balance(const sim_account_t *a, cb_httpd_res_t *res, bool extended)
{
    const char *const *names;
    size_t n = sim_exchange_assets(SIM_VENUE_KRAKEN, &names, NULL);
    cb_buf_append_str(&res->body, "{\"error\":[],\"result\":{");
    for (size_t i = 0; i < n; i++) {
        cb_buf_appendf(&res->body, "%s\"%s\":", i == 0 ? "" : ",", names[i]);
        if (extended) {
            cb_buf_append_str(&res->body, "{\"balance\":\"");
            sim_kraken_amount(&res->body, a->total[i], s_display_decimals(names[i]));
            cb_buf_append_str(&res->body, "\",\"hold_trade\":\"");
            sim_kraken_amount(&res->body, a->hold[i], s_display_decimals(names[i]));
            cb_buf_append_str(&res->body, "\"}");
        } else {
            cb_buf_append_char(&res->body, '"');
            sim_kraken_amount(&res->body, a->total[i], s_display_decimals(names[i]));
            cb_buf_append_char(&res->body, '"');
        }
    }
    cb_buf_append_str(&res->body, "}}");
}

static void
s_trade_balance(sim_t *sim, const sim_account_t *a, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    char asset[16];
    bool present;
    if (sim_kraken_param(p, "asset", asset, sizeof asset, &present) && strcmp(asset, "ZUSD") != 0 && strcmp(asset, "USD") != 0) {
        sim_reply_kraken_error(res, "EQuery:Unknown asset");
        return;
    }
    /* Everything valued in USD at the last trade price of its USD pair. */
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    sim_fx_t equity = a->total[3];
    for (size_t i = 0; i < count; i++) {
        if (all[i].venue == SIM_VENUE_KRAKEN) {
            const char *const *names;
            sim_exchange_assets(SIM_VENUE_KRAKEN, &names, NULL);
            for (int k = 0; k < 3; k++) {
                if (strcmp(names[k], all[i].base) == 0) {
                    sim_fx_t v = 0;
                    sim_fx_mul(sim_market_last_price(sim->market, i), a->total[k], &v);
                    equity += v;
                }
            }
        }
    }
    char eb[40];
    sim_fx_format(equity, 4, eb);
    cb_buf_appendf(&res->body,
                   "{\"error\":[],\"result\":{\"eb\":\"%s\",\"tb\":\"%s\",\"m\":\"0.0000\",\"uv\":\"0.0000\","
                   "\"n\":\"0.0000\",\"c\":\"0.0000\",\"v\":\"0.0000\",\"e\":\"%s\",\"mf\":\"%s\"}}",
                   eb, eb, eb, eb);
}

/* ---- order queries -------------------------------------------------------------- */

typedef struct {
    sim_t *sim;
    cb_buf_t *out;
    bool open;          /* OpenOrders, else ClosedOrders */
    bool trades;
    bool has_userref;
    int32_t userref;
    char clid[SIM_CLID_MAX];
    int64_t start_ns;
    int64_t end_ns;
    size_t ofs;
    size_t matched;
    size_t written;
    const sim_xorder_t **list; /* ClosedOrders collects, newest first */
    size_t list_count;
    size_t list_cap;
} s_query_t;

static bool
s_matches(const s_query_t *q, const sim_xorder_t *o)
{
    bool is_open = o->status == SIM_OS_OPEN || o->status == SIM_OS_PENDING;
    if (is_open != q->open || sim_instruments(&(size_t){0})[o->req.inst].venue != SIM_VENUE_KRAKEN) {
        return false;
    }
    if (q->has_userref && (!o->req.has_userref || o->req.userref != q->userref)) {
        return false;
    }
    if (q->clid[0] != '\0' && strcmp(q->clid, o->req.cl_ord_id) != 0) {
        return false;
    }
    int64_t t = q->open ? o->open_ns : o->close_ns;
    return (q->start_ns == 0 || t > q->start_ns) && (q->end_ns == 0 || t <= q->end_ns);
}

static bool
s_collect(void *ctx, const sim_xorder_t *o)
{
    s_query_t *q = ctx;
    if (!s_matches(q, o)) {
        return true;
    }
    if (q->list_count == q->list_cap) {
        size_t cap = q->list_cap == 0 ? 64 : q->list_cap * 2;
        const sim_xorder_t **l = realloc(q->list, cap * sizeof *l);
        if (l == NULL) {
            return false;
        }
        q->list = l;
        q->list_cap = cap;
    }
    q->list[q->list_count++] = o;
    return true;
}

static void
s_write_order_entry(s_query_t *q, const sim_xorder_t *o)
{
    char txid[SIM_TXID_SIZE];
    sim_kraken_txid('O', o->id, txid);
    cb_buf_appendf(q->out, "%s\"%s\":", q->written == 0 ? "" : ",", txid);
    sim_kraken_order_json(q->out, q->sim->exchange, o, q->trades);
    q->written++;
}

/* Kraken times: Unix seconds (fractions allowed) or a txid; 0 when absent. */
static bool
s_time_param(sim_kraken_params_t *p, const char *key, int64_t *ns)
{
    char v[64];
    bool present;
    *ns = 0;
    if (!sim_kraken_param(p, key, v, sizeof v, &present)) {
        return !present;
    }
    uint64_t id;
    if (sim_kraken_txid_parse('O', v, strlen(v), &id)) {
        return true; /* a txid bound: accepted, not applied */
    }
    sim_fx_t t;
    if (!sim_fx_parse(v, strlen(v), &t) || t < 0) {
        return false;
    }
    *ns = (int64_t) ((__int128) t * 1000000000 / SIM_SCALE);
    return true;
}

static bool
s_query_params(sim_kraken_params_t *p, s_query_t *q, cb_httpd_res_t *res)
{
    char v[SIM_CLID_MAX];
    bool present;
    q->trades = sim_kraken_param_bool(p, "trades");
    if (sim_kraken_param(p, "userref", v, sizeof v, &present)) {
        char *end;
        long long u = strtoll(v, &end, 10);
        if (*end != '\0' || u < INT32_MIN || u > INT32_MAX) {
            sim_reply_kraken_error(res, "EGeneral:Invalid arguments:userref");
            return false;
        }
        q->has_userref = true;
        q->userref = (int32_t) u;
    } else if (present) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments:userref");
        return false;
    }
    if (sim_kraken_param(p, "cl_ord_id", v, sizeof v, &present)) {
        snprintf(q->clid, sizeof q->clid, "%s", v);
    }
    if (!s_time_param(p, "start", &q->start_ns) || !s_time_param(p, "end", &q->end_ns)) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments");
        return false;
    }
    if (sim_kraken_param(p, "ofs", v, sizeof v, &present)) {
        q->ofs = (size_t) strtoull(v, NULL, 10);
    }
    return true;
}

static void
s_orders(sim_t *sim, const sim_account_t *a, sim_kraken_params_t *p, cb_httpd_res_t *res, bool open)
{
    s_query_t q = {.sim = sim, .out = &res->body, .open = open};
    if (!s_query_params(p, &q, res)) {
        return;
    }
    sim_exchange_each_order(sim->exchange, a->owner, s_collect, &q);
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"%s\":{", open ? "open" : "closed");
    if (open) {
        for (size_t i = 0; i < q.list_count; i++) {
            s_write_order_entry(&q, q.list[i]);
        }
        cb_buf_append_str(&res->body, "}}}");
    } else {
        /* Newest first, 50 a page from ofs. */
        for (size_t i = q.ofs; i < q.list_count && i < q.ofs + 50; i++) {
            s_write_order_entry(&q, q.list[q.list_count - 1 - i]);
        }
        cb_buf_appendf(&res->body, "},\"count\":%zu}}", q.list_count);
    }
    free(q.list);
}

static void
s_query_orders(sim_t *sim, const sim_account_t *a, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    char list[50 * 24];
    bool present;
    if (!sim_kraken_param(p, "txid", list, sizeof list, &present) || list[0] == '\0') {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments:txid");
        return;
    }
    bool trades = sim_kraken_param_bool(p, "trades");
    cb_buf_t out;
    cb_buf_init(&out);
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        uint64_t id;
        const sim_xorder_t *o = sim_kraken_txid_parse('O', tok, strlen(tok), &id) ? sim_exchange_order(sim->exchange, id)
                                                                                  : NULL;
        if (o == NULL || o->owner != a->owner) {
            cb_buf_fini(&out);
            sim_reply_kraken_error(res, "EOrder:Invalid order");
            return;
        }
        cb_buf_appendf(&out, "%s\"%s\":", n++ == 0 ? "" : ",", tok);
        sim_kraken_order_json(&out, sim->exchange, o, trades);
    }
    cb_buf_append_str(&res->body, "{\"error\":[],\"result\":{");
    cb_buf_append(&res->body, out.data, out.len);
    cb_buf_append_str(&res->body, "}}");
    cb_buf_fini(&out);
}

typedef struct {
    sim_t *sim;
    cb_buf_t *list;
    int64_t start_ns;
    int64_t end_ns;
    size_t count;
    const sim_xtrade_t **items;
    size_t cap;
} s_trades_t;

static bool
s_collect_trade(void *ctx, const sim_xtrade_t *t)
{
    s_trades_t *q = ctx;
    if ((q->start_ns != 0 && t->time_ns <= q->start_ns) || (q->end_ns != 0 && t->time_ns > q->end_ns)) {
        return true;
    }
    if (q->count == q->cap) {
        size_t cap = q->cap == 0 ? 64 : q->cap * 2;
        const sim_xtrade_t **items = realloc(q->items, cap * sizeof *items);
        if (items == NULL) {
            return false;
        }
        q->items = items;
        q->cap = cap;
    }
    q->items[q->count++] = t;
    return true;
}

static void
s_trades_history(sim_t *sim, const sim_account_t *a, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    s_trades_t q = {.sim = sim};
    char v[32];
    bool present;
    if (!s_time_param(p, "start", &q.start_ns) || !s_time_param(p, "end", &q.end_ns)) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments");
        return;
    }
    size_t ofs = sim_kraken_param(p, "ofs", v, sizeof v, &present) ? (size_t) strtoull(v, NULL, 10) : 0;
    sim_exchange_each_trade(sim->exchange, a->owner, s_collect_trade, &q);
    cb_buf_append_str(&res->body, "{\"error\":[],\"result\":{\"trades\":{");
    size_t written = 0;
    for (size_t i = ofs; i < q.count && i < ofs + 50; i++) {
        const sim_xtrade_t *t = q.items[q.count - 1 - i];
        char txid[SIM_TXID_SIZE];
        sim_kraken_txid('T', t->id, txid);
        cb_buf_appendf(&res->body, "%s\"%s\":", written++ == 0 ? "" : ",", txid);
        sim_kraken_trade_json(&res->body, t, sim_exchange_order(sim->exchange, t->order_id));
    }
    cb_buf_appendf(&res->body, "},\"count\":%zu}}", q.count);
    free(q.items);
}

bool
sim_kraken_private_handle(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    static const char *const methods[] = {"Balance", "BalanceEx", "TradeBalance", "OpenOrders", "ClosedOrders",
                                          "QueryOrders", "TradesHistory", "AddOrder", "EditOrder", "AmendOrder",
                                          "CancelOrder", "CancelAll", "CancelAllOrdersAfter", "GetWebSocketsToken",
                                          "CancelOrderBatch"};
    size_t m = 0;
    while (m < sizeof methods / sizeof methods[0] && !sim_reply_name_is(name, len, methods[m])) {
        m++;
    }
    if (m == sizeof methods / sizeof methods[0]) {
        return false;
    }
    if (sim->exchange == NULL) {
        sim_reply_kraken_error(res, "EService:Unavailable");
        return true;
    }
    if (req->method_len != 4 || memcmp(req->method, "POST", 4) != 0) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments");
        return true;
    }
    sim_kraken_params_t p;
    if (!sim_kraken_params_open(&p, req)) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments");
        return true;
    }
    sim_account_t *a = s_authenticate(sim, name, len, req, res);
    if (a != NULL) {
        switch (m) {
        case 0:
        case 1:
            s_balance(a, res, m == 1);
            break;
        case 2:
            s_trade_balance(sim, a, &p, res);
            break;
        case 3:
        case 4:
            s_orders(sim, a, &p, res, m == 3);
            break;
        case 5:
            s_query_orders(sim, a, &p, res);
            break;
        case 6:
            s_trades_history(sim, a, &p, res);
            break;
        default:
            sim_kraken_trading(sim, a, methods[m], &p, res);
            break;
        }
    }
    sim_kraken_params_close(&p);
    return true;
}
