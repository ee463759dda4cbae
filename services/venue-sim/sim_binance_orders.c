/* sim_binance_orders.c - Binance order entry on the simulated exchange: POST order and order/test, DELETE order and openOrders */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_binance_orders.h"
#include "sim_limits.h"

/* The symbol filters sim_binance_public.c publishes in exchangeInfo that the
 * exchange core does not check itself: PRICE_FILTER maxPrice, NOTIONAL
 * maxNotional (limit orders only: applyMaxToMarket false), MAX_NUM_ORDERS. */
#define S_MAX_PRICE (1000000LL * SIM_SCALE)
#define S_MAX_NOTIONAL (9000000LL * SIM_SCALE)
#define S_MAX_NUM_ORDERS 200

typedef enum { S_ACK = 0, S_RESULT = 1, S_FULL = 2 } s_resp_t;

typedef struct {
    sim_order_req_t req;
    s_resp_t resp;
} s_new_t;

static bool
s_is(const char *v, const char *want)
{
    return strcmp(v, want) == 0;
}

static bool
s_not_required(sim_bn_t *c, const char *name)
{
    return sim_bn_fail(c, 400, -1106, "Parameter '%s' sent when not required.", name);
}

static bool
s_mandatory(sim_bn_t *c, const char *name)
{
    return sim_bn_fail(c, 400, -1102,
                       "Mandatory parameter '%s' was not sent, was empty/null, or malformed.",
                       name);
}

/* A client order id parameter (newClientOrderId): 1 with it, 0 absent, -1
 * with the error written. */
static int
s_client_id(sim_bn_t *c, const char *name, char out[SIM_BN_CLID_SIZE])
{
    char v[64];
    int found = sim_bn_param(c, name, v, sizeof v);
    if (found == 0) {
        return 0;
    }
    if (found == 1 && v[0] == '\0') {
        sim_bn_fail(c, 400, -1118, "New client order ID was empty.");
        return -1;
    }
    size_t n = found == 1 ? strlen(v) : 0;
    bool ok = n >= 1 && n < SIM_BN_CLID_SIZE;
    for (size_t i = 0; ok && i < n; i++) {
        ok = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
             (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_';
    }
    if (!ok) {
        sim_bn_fail(
            c, 400, -1100,
            "Illegal characters found in parameter '%s'; legal range is '^[a-zA-Z0-9-_]{1,36}$'.",
            name);
        return -1;
    }
    memcpy(out, v, n + 1);
    return 1;
}

/* side and type; false with the error written. */
static bool
s_side_type(sim_bn_t *c, sim_order_req_t *r)
{
    char v[40];
    int found = sim_bn_enum(c, "side", v, sizeof v);
    if (found <= 0) {
        return found == 0 ? s_mandatory(c, "side") : false;
    }
    if (!s_is(v, "BUY") && !s_is(v, "SELL")) {
        return sim_bn_fail(c, 400, -1117, "Invalid side.");
    }
    r->side = s_is(v, "BUY") ? SIM_BUY : SIM_SELL;
    found = sim_bn_enum(c, "type", v, sizeof v);
    if (found <= 0) {
        return found == 0 ? s_mandatory(c, "type") : false;
    }
    static const struct {
        const char *name;
        sim_order_type_t type;
        bool post_only;
    } types[] = {{"LIMIT", SIM_OT_LIMIT, false},
                 {"MARKET", SIM_OT_MARKET, false},
                 {"LIMIT_MAKER", SIM_OT_LIMIT, true},
                 {"STOP_LOSS", SIM_OT_STOP_LOSS, false},
                 {"STOP_LOSS_LIMIT", SIM_OT_STOP_LOSS_LIMIT, false},
                 {"TAKE_PROFIT", SIM_OT_TAKE_PROFIT, false},
                 {"TAKE_PROFIT_LIMIT", SIM_OT_TAKE_PROFIT_LIMIT, false}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (s_is(v, types[i].name)) {
            r->type = types[i].type;
            r->post_only = types[i].post_only;
            return true;
        }
    }
    return sim_bn_fail(c, 400, -1116, "Invalid orderType.");
}

/* The options around an order: response type, STP mode, strategy, and the
 * features this venue's symbols do not offer. */
static bool
s_options(sim_bn_t *c, s_new_t *n, bool limit_price, bool stop)
{
    char v[40];
    int found = sim_bn_enum(c, "newOrderRespType", v, sizeof v);
    if (found < 0) {
        return false;
    }
    n->resp = (n->req.type == SIM_OT_MARKET || (n->req.type == SIM_OT_LIMIT && !n->req.post_only))
                  ? S_FULL
                  : S_ACK;
    if (found == 1) {
        if (!s_is(v, "ACK") && !s_is(v, "RESULT") && !s_is(v, "FULL")) {
            return sim_bn_fail(c, 400, -1130,
                               "Data sent for parameter 'newOrderRespType' is not valid.");
        }
        n->resp = s_is(v, "ACK") ? S_ACK : s_is(v, "RESULT") ? S_RESULT : S_FULL;
    }
    found = sim_bn_enum(c, "selfTradePreventionMode", v, sizeof v);
    if (found < 0) {
        return false;
    }
    if (found == 1 && !s_is(v, "NONE") && !s_is(v, "EXPIRE_TAKER") && !s_is(v, "EXPIRE_MAKER") &&
        !s_is(v, "EXPIRE_BOTH")) {
        return sim_bn_fail(c, 400, -1130,
                           "Data sent for parameter 'selfTradePreventionMode' is not valid.");
    }
    uint64_t u;
    if (sim_bn_uint(c, "strategyId", &u) < 0 || (found = sim_bn_uint(c, "strategyType", &u)) < 0) {
        return false;
    }
    if (found == 1 && u < 1000000) {
        return sim_bn_fail(c, 400, -1134, "strategyType was less than 1000000.");
    }
    char any[64];
    if (sim_bn_param(c, "trailingDelta", any, sizeof any) != 0) {
        return stop ? sim_bn_fail(c, 400, -2010,
                                  "Trailing stop orders are not supported for this symbol.")
                    : s_not_required(c, "trailingDelta");
    }
    if (sim_bn_param(c, "icebergQty", any, sizeof any) != 0) {
        return limit_price
                   ? sim_bn_fail(c, 400, -2010, "Iceberg orders are not supported for this symbol.")
                   : s_not_required(c, "icebergQty");
    }
    if (sim_bn_param(c, "pegPriceType", any, sizeof any) != 0 ||
        sim_bn_param(c, "pegOffsetValue", any, sizeof any) != 0 ||
        sim_bn_param(c, "pegOffsetType", any, sizeof any) != 0) {
        return sim_bn_fail(c, 400, -1014, "Unsupported order combination.");
    }
    return true;
}

/* Reads and checks a new order's parameters into n, as Binance does before
 * its filters; false with the error written. */
static bool
s_parse_new(sim_bn_t *c, s_new_t *n)
{
    memset(n, 0, sizeof *n);
    sim_order_req_t *r = &n->req;
    if (!sim_bn_symbol(c, true, &r->inst) || !s_side_type(c, r)) {
        return false;
    }
    bool limit_price = r->type == SIM_OT_LIMIT || r->type == SIM_OT_STOP_LOSS_LIMIT ||
                       r->type == SIM_OT_TAKE_PROFIT_LIMIT;
    bool stop = r->type != SIM_OT_MARKET && r->type != SIM_OT_LIMIT;
    char v[40];
    int found = sim_bn_enum(c, "timeInForce", v, sizeof v);
    if (found < 0) {
        return false;
    }
    if (limit_price && !r->post_only) {
        if (found == 0) {
            return s_mandatory(c, "timeInForce");
        }
        if (!s_is(v, "GTC") && !s_is(v, "IOC") && !s_is(v, "FOK")) {
            return sim_bn_fail(c, 400, -1115, "Invalid timeInForce.");
        }
        r->tif = s_is(v, "GTC") ? SIM_TIF_GTC : s_is(v, "IOC") ? SIM_TIF_IOC : SIM_TIF_FOK;
    } else if (found == 1) {
        return s_not_required(c, "timeInForce");
    }
    int has_qty, has_quote, has_price, has_stop;
    if ((has_qty = sim_bn_decimal(c, "quantity", &r->qty)) < 0 ||
        (has_quote = sim_bn_decimal(c, "quoteOrderQty", &r->quote_qty)) < 0 ||
        (has_price = sim_bn_decimal(c, "price", &r->price)) < 0 ||
        (has_stop = sim_bn_decimal(c, "stopPrice", &r->stop_price)) < 0) {
        return false;
    }
    if (limit_price) {
        if (!has_price || !has_qty) {
            return s_mandatory(c, !has_price ? "price" : "quantity");
        }
    } else if (has_price) {
        return s_not_required(c, "price");
    }
    if (r->type == SIM_OT_MARKET) {
        if (!has_qty && !has_quote) {
            return sim_bn_fail(
                c, 400, -1102,
                "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
        }
        if (has_qty && has_quote) {
            return s_not_required(c, "quoteOrderQty");
        }
    } else if (has_quote) {
        return s_not_required(c, "quoteOrderQty");
    } else if (!has_qty) {
        return s_mandatory(c, "quantity");
    }
    char any[64];
    if (stop && !has_stop && sim_bn_param(c, "trailingDelta", any, sizeof any) == 0) {
        return sim_bn_fail(
            c, 400, -1102,
            "Param 'stopPrice' or 'trailingDelta' must be sent, but both were empty/null!");
    }
    if (!stop && has_stop) {
        return s_not_required(c, "stopPrice");
    }
    if (s_client_id(c, "newClientOrderId", r->cl_ord_id) < 0 ||
        !s_options(c, n, limit_price, stop)) {
        return false;
    }
    if (has_price && r->price == 0) {
        return sim_bn_fail(c, 400, -1013, "Invalid price.");
    }
    if (has_qty && r->qty == 0) {
        return sim_bn_fail(c, 400, -1013, "Invalid quantity.");
    }
    if (has_quote && r->quote_qty == 0) {
        return sim_bn_fail(c, 400, -1013, "Filter failure: NOTIONAL");
    }
    if (has_stop && r->stop_price == 0) {
        return sim_bn_fail(c, 400, -1013, "Invalid stop price.");
    }
    /* Binance takes a buy's commission from the asset bought. */
    r->fee_in_base = r->side == SIM_BUY;
    return true;
}

/* The -1013 / -2010 / -2011 answer for an exchange refusal. */
static void
s_refused(sim_bn_t *c, sim_x_rc_t rc)
{
    switch (rc) {
    case SIM_X_TICK:
        sim_bn_fail(c, 400, -1013, "Filter failure: PRICE_FILTER");
        break;
    case SIM_X_MIN_QTY:
    case SIM_X_MAX_QTY:
    case SIM_X_LOT:
        sim_bn_fail(c, 400, -1013, "Filter failure: LOT_SIZE");
        break;
    case SIM_X_MIN_NOTIONAL:
        sim_bn_fail(c, 400, -1013, "Filter failure: NOTIONAL");
        break;
    case SIM_X_BAD_PRICE:
        sim_bn_fail(c, 400, -1013, "Invalid price.");
        break;
    case SIM_X_TOO_MANY_ORDERS:
        sim_bn_fail(c, 400, -1013, "Filter failure: MAX_NUM_ORDERS");
        break;
    case SIM_X_WOULD_TAKE:
        sim_bn_fail(c, 400, -2010, "Order would immediately match and take.");
        break;
    case SIM_X_INSUFFICIENT_FUNDS:
        sim_bn_fail(c, 400, -2010, "Account has insufficient balance for requested action.");
        break;
    case SIM_X_DUPLICATE_ID:
        sim_bn_fail(c, 400, -2010, "Duplicate order sent.");
        break;
    case SIM_X_NO_LIQUIDITY:
        sim_bn_fail(c, 400, -2010, "Order book liquidity is less than symbol minimum quantity.");
        break;
    case SIM_X_UNKNOWN_ORDER:
        sim_bn_fail(c, 400, -2011, "Unknown order sent.");
        break;
    case SIM_X_NOMEM:
    case SIM_X_OK:
        sim_bn_fail(c, 500, -1001,
                    "Internal error; unable to process your request. Please try again.");
        break;
    }
}

typedef struct {
    size_t inst;
    size_t open;
} s_open_count_t;

static bool
s_count_open(void *ctx, const sim_xorder_t *o)
{
    s_open_count_t *q = ctx;
    q->open += o->req.inst == q->inst && (o->status == SIM_OS_OPEN || o->status == SIM_OS_PENDING);
    return true;
}

/* The filters (-1013): those the exchange checks and those it does not.
 * Refusals that only the matching engine gives (funds, duplicates,
 * liquidity) pass here; sim_exchange_place gives them. */
static bool
s_filters(sim_bn_t *c, const sim_order_req_t *r)
{
    if (r->price > S_MAX_PRICE || r->stop_price > S_MAX_PRICE) {
        return sim_bn_fail(c, 400, -1013, "Filter failure: PRICE_FILTER");
    }
    sim_x_rc_t rc = sim_exchange_check(c->sim->exchange, c->account, r);
    if (rc != SIM_X_OK && rc != SIM_X_DUPLICATE_ID && rc != SIM_X_INSUFFICIENT_FUNDS &&
        rc != SIM_X_NO_LIQUIDITY) {
        s_refused(c, rc);
        return false;
    }
    sim_fx_t notional = 0;
    if (r->type != SIM_OT_MARKET && r->price > 0 &&
        (!sim_fx_mul(r->price, r->qty, &notional) || notional > S_MAX_NOTIONAL)) {
        return sim_bn_fail(c, 400, -1013, "Filter failure: NOTIONAL");
    }
    s_open_count_t q = {r->inst, 0};
    sim_exchange_each_order(c->sim->exchange, c->account->owner, s_count_open, &q);
    if (q.open >= S_MAX_NUM_ORDERS) {
        return sim_bn_fail(c, 400, -1013, "Filter failure: MAX_NUM_ORDERS");
    }
    return true;
}

/* A stop whose trigger is already reached: STOP_LOSS buys and TAKE_PROFIT
 * sells must trigger above the last price, the others below it. */
static bool
s_would_trigger(const sim_bn_t *c, const sim_order_req_t *r)
{
    if (r->type == SIM_OT_MARKET || r->type == SIM_OT_LIMIT) {
        return false;
    }
    sim_fx_t last = sim_market_last_price(c->sim->market, r->inst);
    bool stop_loss = r->type == SIM_OT_STOP_LOSS || r->type == SIM_OT_STOP_LOSS_LIMIT;
    bool above = stop_loss == (r->side == SIM_BUY);
    return above ? r->stop_price <= last : r->stop_price >= last;
}

static void
s_commission_rates(sim_bn_t *c, size_t inst)
{
    sim_fx_t maker = sim_exchange_fee_bps(c->account, inst, true) / 10000;
    sim_fx_t taker = sim_exchange_fee_bps(c->account, inst, false) / 10000;
    cb_buf_t *out = &c->res->body;
    cb_buf_append_str(out, "{\"standardCommissionForOrder\":{");
    sim_bn_amount(out, "maker", maker, false);
    sim_bn_amount(out, "taker", taker, true);
    cb_buf_append_str(
        out, "},\"specialCommissionForOrder\":{\"maker\":\"0.00000000\",\"taker\":\"0.00000000\"},"
             "\"taxCommissionForOrder\":{\"maker\":\"0.00000000\",\"taker\":\"0.00000000\"},"
             "\"discount\":{\"enabledForAccount\":false,\"enabledForSymbol\":false,"
             "\"discountAsset\":\"BNB\",\"discount\":\"0.25000000\"}}");
}

/* Counts the order on the ORDERS limits into *count_10s / *count_1d; false
 * with 429 -1015 (and Retry-After) written when over a limit. */
static bool
s_order_count(sim_bn_t *c, int64_t *count_10s, int64_t *count_1d)
{
    sim_limits_t *limits = c->sim->limits;
    if (limits != NULL && sim_limits_enabled(limits)) {
        sim_limits_binance_t lim;
        memset(&lim, 0, sizeof lim);
        if (sim_limits_binance_order(limits, c->account->key, c->now_ns, &lim) != 0) {
            sim_bn_fail(c, lim.status, lim.code, "%s", lim.msg);
            char retry[32];
            snprintf(retry, sizeof retry, "%lld", (long long) lim.retry_after_s);
            cb_httpd_res_header(c->res, "retry-after", retry);
            return false;
        }
        *count_10s = lim.order_count_10s;
        *count_1d = lim.order_count_1d;
    } else {
        sim_bn_order_counts(c, count_10s, count_1d);
        (*count_10s)++; /* this order, about to be placed */
        (*count_1d)++;
    }
    return true;
}

bool
sim_bn_order_read(sim_bn_t *c, sim_order_req_t *req, int *resp)
{
    s_new_t n;
    if (!s_parse_new(c, &n) || !s_filters(c, &n.req)) {
        return false;
    }
    *req = n.req;
    *resp = (int) n.resp;
    return true;
}

const sim_xorder_t *
sim_bn_order_submit(sim_bn_t *c, const sim_order_req_t *req)
{
    /* A made-up id of an open order is in use as much as a sent one. */
    if (req->cl_ord_id[0] != '\0' &&
        sim_bn_order_by_client_id(c, SIZE_MAX, req->cl_ord_id, true) != NULL) {
        s_refused(c, SIM_X_DUPLICATE_ID);
        return NULL;
    }
    if (s_would_trigger(c, req)) {
        sim_bn_fail(c, 400, -2010, "Order would trigger immediately.");
        return NULL;
    }
    int64_t count_10s, count_1d;
    if (!s_order_count(c, &count_10s, &count_1d)) {
        return NULL;
    }
    const sim_xorder_t *o = NULL;
    sim_x_rc_t rc = sim_exchange_place(c->sim->exchange, c->account, req, &o);
    if (rc != SIM_X_OK || o == NULL) {
        s_refused(c, rc);
        return NULL;
    }
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long) count_10s);
    cb_httpd_res_header(c->res, "x-mbx-order-count-10s", text);
    snprintf(text, sizeof text, "%lld", (long long) count_1d);
    cb_httpd_res_header(c->res, "x-mbx-order-count-1d", text);
    return o;
}

void
sim_bn_order_new(sim_bn_t *c, bool test)
{
    sim_order_req_t req;
    int resp;
    if (!sim_bn_order_read(c, &req, &resp)) {
        return;
    }
    if (test) {
        if (sim_bn_bool(c, "computeCommissionRates")) {
            s_commission_rates(c, req.inst);
        } else {
            cb_buf_append_str(&c->res->body, "{}");
        }
        return;
    }
    const sim_xorder_t *o = sim_bn_order_submit(c, &req);
    if (o == NULL) {
        return;
    }
    sim_bn_new_order_json(&c->res->body, c->sim->exchange, o, resp);
    c->weight = 0;
}

void
sim_bn_order_cancel(sim_bn_t *c)
{
    size_t inst;
    char restrict_to[40], cancel_clid[SIM_BN_CLID_SIZE] = "";
    if (!sim_bn_symbol(c, true, &inst)) {
        return;
    }
    int found = sim_bn_enum(c, "cancelRestrictions", restrict_to, sizeof restrict_to);
    if (found < 0) {
        return;
    }
    if (found == 1 && !s_is(restrict_to, "ONLY_NEW") &&
        !s_is(restrict_to, "ONLY_PARTIALLY_FILLED")) {
        sim_bn_fail(c, 400, -1145, "Invalid cancelRestrictions");
        return;
    }
    if (s_client_id(c, "newClientOrderId", cancel_clid) < 0) {
        return;
    }
    int rc;
    const sim_xorder_t *o = sim_bn_named_order(c, inst, true, &rc);
    if (o == NULL) {
        if (rc == 0) {
            s_refused(c, SIM_X_UNKNOWN_ORDER);
        }
        return;
    }
    if (found == 1 && (s_is(restrict_to, "ONLY_NEW") != (o->filled == 0))) {
        sim_bn_fail(c, 400, -2011, "Order was not canceled due to cancel restrictions.");
        return;
    }
    sim_x_rc_t x = sim_exchange_cancel(c->sim->exchange, c->account, o->id, "User requested", &o);
    if (x != SIM_X_OK) {
        s_refused(c, x);
        return;
    }
    if (cancel_clid[0] == '\0') {
        sim_bn_auto_id(o->id, (uint64_t) c->now_ns, cancel_clid);
    }
    sim_bn_cancel_json(&c->res->body, o, cancel_clid);
    c->weight = 0;
}

typedef struct {
    size_t inst;
    uint64_t *ids;
    size_t count;
    size_t cap;
    bool nomem;
} s_ids_t;

static bool
s_collect_open(void *ctx, const sim_xorder_t *o)
{
    s_ids_t *q = ctx;
    if (o->req.inst != q->inst || !sim_bn_visible(o) ||
        (o->status != SIM_OS_OPEN && o->status != SIM_OS_PENDING)) {
        return true;
    }
    if (q->count == q->cap) {
        size_t cap = q->cap == 0 ? 32 : q->cap * 2;
        uint64_t *ids = realloc(q->ids, cap * sizeof *ids);
        if (ids == NULL) {
            q->nomem = true;
            return false;
        }
        q->ids = ids;
        q->cap = cap;
    }
    q->ids[q->count++] = o->id;
    return true;
}

void
sim_bn_open_orders_cancel(sim_bn_t *c)
{
    s_ids_t q = {0};
    if (!sim_bn_symbol(c, true, &q.inst)) {
        return;
    }
    /* Ids first: each cancel changes the exchange, which may move records. */
    sim_exchange_each_order(c->sim->exchange, c->account->owner, s_collect_open, &q);
    if (q.nomem) {
        s_refused(c, SIM_X_NOMEM);
    } else if (q.count == 0) {
        s_refused(c, SIM_X_UNKNOWN_ORDER);
    } else {
        char cancel_clid[SIM_BN_CLID_SIZE];
        sim_bn_auto_id(q.ids[0], (uint64_t) c->now_ns, cancel_clid);
        cb_buf_append_char(&c->res->body, '[');
        size_t written = 0;
        for (size_t i = 0; i < q.count; i++) {
            const sim_xorder_t *o = NULL;
            if (sim_exchange_cancel(c->sim->exchange, c->account, q.ids[i], "User requested", &o) ==
                SIM_X_OK) {
                if (written++ > 0) {
                    cb_buf_append_char(&c->res->body, ',');
                }
                sim_bn_cancel_json(&c->res->body, o, cancel_clid);
            }
        }
        cb_buf_append_char(&c->res->body, ']');
        c->weight = 0;
    }
    free(q.ids);
}
