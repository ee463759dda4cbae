/* sim_binance_private.c - Binance's SIGNED REST endpoints (/api/v3/order, openOrders, allOrders, myTrades, account, ...) on the simulated exchange */
#include <string.h>
#include <strings.h>

#include "cb_time.h"
#include "sim_auth.h"
#include "sim_binance_format.h"
#include "sim_binance_orders.h"
#include "sim_binance_private.h"
#include "sim_binance_queries.h"
#include "sim_binance_replace.h"

/* More parameters than any endpoint takes: refused before they are looked at. */
#define S_PARAMS_MAX 64

static void
s_order_new(sim_bn_t *c)
{
    sim_bn_order_new(c, false);
}

static void
s_order_test(sim_bn_t *c)
{
    sim_bn_order_new(c, true);
}

#define S_NEW_ORDER_PARAMS                                                                         \
    "symbol", "side", "type", "timeInForce", "quantity", "quoteOrderQty", "price",                 \
        "newClientOrderId", "strategyId", "strategyType", "stopPrice", "trailingDelta",            \
        "icebergQty", "newOrderRespType", "selfTradePreventionMode", "pegPriceType",               \
        "pegOffsetValue", "pegOffsetType"

static const char *const s_new_params[] = {S_NEW_ORDER_PARAMS, NULL};
static const char *const s_test_params[] = {S_NEW_ORDER_PARAMS, "computeCommissionRates", NULL};
static const char *const s_replace_params[] = {
    S_NEW_ORDER_PARAMS, "cancelReplaceMode", "cancelNewClientOrderId",
    "cancelOrigClientOrderId", "cancelOrderId", NULL};
static const char *const s_get_params[] = {"symbol", "orderId", "origClientOrderId", NULL};
static const char *const s_cancel_params[] = {
    "symbol", "orderId", "origClientOrderId", "newClientOrderId", "cancelRestrictions", NULL};
static const char *const s_symbol_params[] = {"symbol", NULL};
static const char *const s_all_params[] = {"symbol",  "orderId", "startTime",
                                           "endTime", "limit",   NULL};
static const char *const s_trades_params[] = {"symbol", "orderId", "startTime", "endTime",
                                              "fromId", "limit",   NULL};
static const char *const s_account_params[] = {"omitZeroBalances", NULL};
static const char *const s_no_params[] = {NULL};

/* Every signed endpoint: path after /api/v3/, method, documented weight,
 * the parameters it reads besides timestamp, recvWindow and signature. */
typedef struct {
    const char *name;
    const char *method;
    int weight;
    const char *const *params;
    void (*fn)(sim_bn_t *c);
} s_endpoint_t;

static const s_endpoint_t s_endpoints[] = {
    {"order", "POST", 1, s_new_params, s_order_new},
    {"order/test", "POST", 1, s_test_params, s_order_test},
    {"order/cancelReplace", "POST", 1, s_replace_params, sim_bn_order_cancel_replace},
    {"order", "GET", 4, s_get_params, sim_bn_order_get},
    {"order", "DELETE", 1, s_cancel_params, sim_bn_order_cancel},
    {"openOrders", "GET", 6, s_symbol_params, sim_bn_open_orders},
    {"openOrders", "DELETE", 1, s_symbol_params, sim_bn_open_orders_cancel},
    {"allOrders", "GET", 20, s_all_params, sim_bn_all_orders},
    {"myTrades", "GET", 20, s_trades_params, sim_bn_my_trades},
    {"account", "GET", 20, s_account_params, sim_bn_account},
    {"rateLimit/order", "GET", 40, s_no_params, sim_bn_rate_limit_order},
};

static const s_endpoint_t *
s_find(const char *name, size_t len, const cb_httpd_req_t *req)
{
    for (size_t i = 0; i < sizeof s_endpoints / sizeof s_endpoints[0]; i++) {
        const s_endpoint_t *e = &s_endpoints[i];
        if (strlen(e->name) == len && memcmp(e->name, name, len) == 0 &&
            strlen(e->method) == req->method_len &&
            memcmp(e->method, req->method, req->method_len) == 0) {
            return e;
        }
    }
    return NULL;
}

/* GET takes parameters in the query string only; POST and DELETE also in a
 * form body (a body of another content type is not read). */
static bool
s_use_body(const cb_httpd_req_t *req)
{
    if (req->method_len == 3 && memcmp(req->method, "GET", 3) == 0) {
        return false;
    }
    size_t ct_len = 0;
    const char *ct = cb_httpd_req_header(req, "content-type", &ct_len);
    static const char form[] = "application/x-www-form-urlencoded";
    return ct == NULL || (ct_len >= sizeof form - 1 && strncasecmp(ct, form, sizeof form - 1) == 0);
}

bool
sim_binance_private_weight(const char *name, size_t len, const cb_httpd_req_t *req, int *weight)
{
    const s_endpoint_t *e = s_find(name, len, req);
    if (e == NULL) {
        return false;
    }
    sim_bn_t c = {.req = req, .use_body = s_use_body(req)};
    char v[8];
    *weight = e->weight;
    if (e->fn == sim_bn_open_orders && sim_bn_param(&c, "symbol", v, sizeof v) == 0) {
        *weight = 80;
    } else if (e->fn == sim_bn_my_trades && sim_bn_param(&c, "orderId", v, sizeof v) != 0) {
        *weight = 5;
    } else if (e->fn == s_order_test && sim_bn_bool(&c, "computeCommissionRates")) {
        *weight = 20;
    }
    return true;
}

/* API key, then signature over the exact bytes, then timestamp (sim_auth);
 * false with the error written. */
static bool
s_authenticate(sim_bn_t *c)
{
    const cb_httpd_req_t *req = c->req;
    size_t key_len = 0;
    const char *key = cb_httpd_req_header(req, "x-mbx-apikey", &key_len);
    sim_binance_error_t err;
    if (sim_auth_binance_key_format(key, key_len, &err) != 0) {
        sim_bn_reply_error(c->res, err.status, err.code, err.msg);
        return false;
    }
    c->account = sim_exchange_account_by_key(c->sim->exchange, SIM_VENUE_BINANCE, key, key_len);
    if (c->account == NULL) {
        return sim_bn_fail(c, 401, SIM_BINANCE_REJECTED_MBX_KEY, SIM_BINANCE_REJECTED_MBX_KEY_MSG);
    }
    const char *body = c->use_body ? req->body : "";
    size_t body_len = c->use_body ? req->body_len : 0;
    /* The signature first: a request that is not the key holder's learns
     * nothing about the server's clock. */
    if (sim_auth_binance_verify(c->account->secret, strlen(c->account->secret), req->query,
                                req->query_len, body, body_len, &err) != 0 ||
        sim_auth_binance_timestamp(req->query, req->query_len, body, body_len, c->now_ns / 1000000,
                                   &err) != 0) {
        sim_bn_reply_error(c->res, err.status, err.code, err.msg);
        return false;
    }
    return true;
}

static bool
s_accepted(const char *name, size_t len, const char *const *params)
{
    static const char *const always[] = {"timestamp", "recvWindow", "signature", NULL};
    for (const char *const *list = always; list != NULL; list = list == always ? params : NULL) {
        for (size_t i = 0; list[i] != NULL; i++) {
            if (strlen(list[i]) == len && memcmp(list[i], name, len) == 0) {
                return true;
            }
        }
    }
    return false;
}

/* Counts one part's parameters (*sent) and those the endpoint reads
 * (*read). Returns 0, -1 when a name comes twice in it, -2 when there are
 * too many. */
static int
s_scan(const char *s, size_t len, const char *const *params, size_t *sent, size_t *read)
{
    const char *names[S_PARAMS_MAX];
    size_t lens[S_PARAMS_MAX];
    size_t n = 0, i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && s[end] != '&') {
            end++;
        }
        if (end > i) {
            const char *eq = memchr(s + i, '=', end - i);
            size_t name_len = eq != NULL ? (size_t) (eq - (s + i)) : end - i;
            if (n == S_PARAMS_MAX) {
                return -2;
            }
            for (size_t k = 0; k < n; k++) {
                if (lens[k] == name_len && memcmp(names[k], s + i, name_len) == 0) {
                    return -1;
                }
            }
            names[n] = s + i;
            lens[n++] = name_len;
            *read += s_accepted(s + i, name_len, params);
        }
        i = end + 1;
    }
    *sent += n;
    return 0;
}

/* -1101 for a parameter sent twice (or far too many), -1104 for parameters
 * the endpoint does not read; false with the error written. */
static bool
s_check_params(sim_bn_t *c, const s_endpoint_t *e)
{
    size_t sent = 0, read = 0;
    int rc = s_scan(c->req->query, c->req->query_len, e->params, &sent, &read);
    if (rc == 0 && c->use_body) {
        rc = s_scan(c->req->body, c->req->body_len, e->params, &sent, &read);
    }
    if (rc == -1) {
        return sim_bn_fail(c, 400, -1101, "Duplicate values for a parameter detected.");
    }
    if (rc == -2) {
        return sim_bn_fail(c, 400, -1101, "Too many parameters sent for this endpoint.");
    }
    if (read != sent) {
        return sim_bn_fail(
            c, 400, -1104,
            "Not all sent parameters were read; read '%zu' parameter(s) but was sent '%zu'.", read,
            sent);
    }
    return true;
}

bool
sim_binance_private_handle(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req,
                           cb_httpd_res_t *res, int *weight)
{
    const s_endpoint_t *e = s_find(name, len, req);
    if (e == NULL) {
        return false;
    }
    if (sim->exchange == NULL) {
        sim_bn_reply_error(res, 503, -1001,
                           "Internal error; unable to process your request. Please try again.");
        return true;
    }
    sim_bn_t c = {
        .sim = sim,
        .req = req,
        .res = res,
        .use_body = s_use_body(req),
        .now_ns = cb_time_now_ns(),
        .weight = *weight,
    };
    if (s_authenticate(&c) && s_check_params(&c, e)) {
        e->fn(&c);
    }
    *weight = c.weight;
    return true;
}
