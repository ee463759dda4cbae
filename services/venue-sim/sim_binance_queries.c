/* sim_binance_queries.c - Binance's USER_DATA reads on the simulated exchange: GET order, openOrders, allOrders, myTrades, account, rateLimit/order */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_binance_queries.h"
#include "sim_limits.h"

#define S_LIMIT_DEFAULT 500
#define S_LIMIT_MAX 1000
#define S_DAY_MS (24LL * 3600 * 1000)

void
sim_bn_order_get(sim_bn_t *c)
{
    size_t inst;
    int rc;
    if (!sim_bn_symbol(c, true, &inst)) {
        return;
    }
    const sim_xorder_t *o = sim_bn_named_order(c, inst, false, &rc);
    if (o == NULL) {
        if (rc == 0) {
            sim_bn_fail(c, 400, -2013, "Order does not exist.");
        }
        return;
    }
    sim_bn_order_json(&c->res->body, o);
}

/* A growing list of borrowed records (valid while nothing changes the
 * exchange: these endpoints only read). */
typedef struct {
    const void **items;
    size_t count;
    size_t cap;
    bool nomem;
} s_list_t;

static bool
s_push(s_list_t *l, const void *item)
{
    if (l->count == l->cap) {
        size_t cap = l->cap == 0 ? 64 : l->cap * 2;
        const void **items = realloc(l->items, cap * sizeof *items);
        if (items == NULL) {
            l->nomem = true;
            return false;
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count++] = item;
    return true;
}

/* Which orders or trades a list endpoint wants. */
typedef struct {
    s_list_t list;
    size_t inst; /* SIZE_MAX: every symbol */
    bool open_only;
    uint64_t order_id; /* allOrders: from this id; myTrades: this order's (0: any) */
    uint64_t from_id;  /* myTrades: from this trade id (0: any) */
    int64_t start_ms;  /* -1: none */
    int64_t end_ms;    /* -1: none */
} s_query_t;

static bool
s_in_time(const s_query_t *q, int64_t ns)
{
    int64_t ms = ns / 1000000;
    return (q->start_ms < 0 || ms >= q->start_ms) && (q->end_ms < 0 || ms <= q->end_ms);
}

static bool
s_pick_order(void *ctx, const sim_xorder_t *o)
{
    s_query_t *q = ctx;
    if (!sim_bn_visible(o) || (q->inst != SIZE_MAX && o->req.inst != q->inst) ||
        (q->open_only && o->status != SIM_OS_OPEN && o->status != SIM_OS_PENDING) ||
        o->id < q->order_id || !s_in_time(q, o->open_ns)) {
        return true;
    }
    return s_push(&q->list, o);
}

static bool
s_pick_trade(void *ctx, const sim_xtrade_t *t)
{
    s_query_t *q = ctx;
    if (t->inst != q->inst || (q->order_id != 0 && t->order_id != q->order_id) ||
        t->trade_id < q->from_id || !s_in_time(q, t->time_ns)) {
        return true;
    }
    return s_push(&q->list, t);
}

/* Of count items, the first or the last limit: [*from, *to). */
static void
s_window(size_t count, uint64_t limit, bool oldest, size_t *from, size_t *to)
{
    size_t n = count < limit ? count : (size_t) limit;
    *from = oldest ? 0 : count - n;
    *to = *from + n;
}

void
sim_bn_open_orders(sim_bn_t *c)
{
    s_query_t q = {.open_only = true, .start_ms = -1, .end_ms = -1};
    if (!sim_bn_symbol(c, false, &q.inst)) {
        return;
    }
    sim_exchange_each_order(c->sim->exchange, c->account->owner, s_pick_order, &q);
    if (q.list.nomem) {
        sim_bn_fail(c, 500, -1001,
                    "Internal error; unable to process your request. Please try again.");
    } else {
        cb_buf_append_char(&c->res->body, '[');
        for (size_t i = 0; i < q.list.count; i++) {
            if (i > 0) {
                cb_buf_append_char(&c->res->body, ',');
            }
            sim_bn_order_json(&c->res->body, q.list.items[i]);
        }
        cb_buf_append_char(&c->res->body, ']');
    }
    free(q.list.items);
}

/* startTime, endTime and limit; false with the error written. */
static bool
s_range(sim_bn_t *c, s_query_t *q, uint64_t *limit, int *has_start, int *has_end)
{
    uint64_t start = 0, end = 0;
    if ((*has_start = sim_bn_uint(c, "startTime", &start)) < 0 ||
        (*has_end = sim_bn_uint(c, "endTime", &end)) < 0) {
        return false;
    }
    q->start_ms = *has_start ? (int64_t) start : -1;
    q->end_ms = *has_end ? (int64_t) end : -1;
    if (*has_start && *has_end && end > start && end - start > (uint64_t) S_DAY_MS) {
        return sim_bn_fail(c, 400, -1127, "More than 24 hours between startTime and endTime.");
    }
    int found = sim_bn_uint(c, "limit", limit);
    if (found < 0) {
        return false;
    }
    if (found == 0 || *limit == 0) {
        *limit = S_LIMIT_DEFAULT;
    }
    if (*limit > S_LIMIT_MAX) {
        *limit = S_LIMIT_MAX;
    }
    return true;
}

void
sim_bn_all_orders(sim_bn_t *c)
{
    s_query_t q = {0};
    uint64_t limit;
    int has_start, has_end;
    if (!sim_bn_symbol(c, true, &q.inst)) {
        return;
    }
    int has_id = sim_bn_uint(c, "orderId", &q.order_id);
    if (has_id < 0 || !s_range(c, &q, &limit, &has_start, &has_end)) {
        return;
    }
    sim_exchange_each_order(c->sim->exchange, c->account->owner, s_pick_order, &q);
    if (q.list.nomem) {
        sim_bn_fail(c, 500, -1001,
                    "Internal error; unable to process your request. Please try again.");
    } else {
        size_t from, to;
        s_window(q.list.count, limit, has_id == 1 || has_start == 1, &from, &to);
        cb_buf_append_char(&c->res->body, '[');
        for (size_t i = from; i < to; i++) {
            if (i > from) {
                cb_buf_append_char(&c->res->body, ',');
            }
            sim_bn_order_json(&c->res->body, q.list.items[i]);
        }
        cb_buf_append_char(&c->res->body, ']');
    }
    free(q.list.items);
}

static void
s_trade_json(cb_buf_t *out, const sim_xtrade_t *t)
{
    const char *const *names;
    sim_exchange_assets(SIM_VENUE_BINANCE, &names, NULL);
    cb_buf_appendf(out, "{\"symbol\":\"%s\",\"id\":%llu,\"orderId\":%llu,\"orderListId\":-1",
                   sim_bn_instrument(t->inst)->id, (unsigned long long) t->trade_id,
                   (unsigned long long) t->order_id);
    sim_bn_amount(out, "price", t->price, true);
    sim_bn_amount(out, "qty", t->qty, true);
    sim_bn_amount(out, "quoteQty", t->cost, true);
    sim_bn_amount(out, "commission", t->fee, true);
    cb_buf_appendf(out,
                   ",\"commissionAsset\":\"%s\",\"time\":%lld,\"isBuyer\":%s,\"isMaker\":%s,"
                   "\"isBestMatch\":true}",
                   names[t->fee_asset], (long long) (t->time_ns / 1000000),
                   t->side == SIM_BUY ? "true" : "false", t->maker ? "true" : "false");
}

void
sim_bn_my_trades(sim_bn_t *c)
{
    s_query_t q = {0};
    uint64_t limit;
    int has_start, has_end;
    if (!sim_bn_symbol(c, true, &q.inst)) {
        return;
    }
    int has_order = sim_bn_uint(c, "orderId", &q.order_id);
    int has_from = has_order < 0 ? -1 : sim_bn_uint(c, "fromId", &q.from_id);
    if (has_from < 0 || !s_range(c, &q, &limit, &has_start, &has_end)) {
        return;
    }
    /* The documented combinations: none, orderId, startTime, endTime,
     * fromId, startTime + endTime, orderId + fromId. */
    bool times = has_start == 1 || has_end == 1;
    if ((has_order == 1 && times) || (has_from == 1 && times)) {
        sim_bn_fail(c, 400, -1128, "Combination of optional parameters invalid.");
        return;
    }
    if (has_order == 1 && q.order_id == 0) {
        q.order_id = UINT64_MAX; /* no order has id 0 */
    }
    sim_exchange_each_trade(c->sim->exchange, c->account->owner, s_pick_trade, &q);
    if (q.list.nomem) {
        sim_bn_fail(c, 500, -1001,
                    "Internal error; unable to process your request. Please try again.");
    } else {
        size_t from, to;
        s_window(q.list.count, limit, has_from == 1 || has_start == 1 || has_order == 1, &from,
                 &to);
        cb_buf_append_char(&c->res->body, '[');
        for (size_t i = from; i < to; i++) {
            if (i > from) {
                cb_buf_append_char(&c->res->body, ',');
            }
            s_trade_json(&c->res->body, q.list.items[i]);
        }
        cb_buf_append_char(&c->res->body, ']');
    }
    free(q.list.items);
}

static bool
s_latest_order(void *ctx, const sim_xorder_t *o)
{
    int64_t *t = ctx;
    *t = o->update_ns > *t ? o->update_ns : *t;
    return true;
}

void
sim_bn_account(sim_bn_t *c)
{
    /* One fee schedule for every Binance symbol: the first one's. */
    size_t count, inst = 0;
    const sim_instrument_t *all = sim_instruments(&count);
    while (inst < count && all[inst].venue != SIM_VENUE_BINANCE) {
        inst++;
    }
    sim_fx_t maker = sim_exchange_fee_bps(c->account, inst, true);
    sim_fx_t taker = sim_exchange_fee_bps(c->account, inst, false);
    int64_t updated = 0;
    sim_exchange_each_order(c->sim->exchange, c->account->owner, s_latest_order, &updated);
    bool omit_zero = sim_bn_bool(c, "omitZeroBalances");
    cb_buf_t *out = &c->res->body;
    /* makerCommission is in basis points; commissionRates are fractions. */
    cb_buf_appendf(out,
                   "{\"makerCommission\":%lld,\"takerCommission\":%lld,\"buyerCommission\":0,"
                   "\"sellerCommission\":0,\"commissionRates\":{",
                   (long long) (maker / SIM_SCALE), (long long) (taker / SIM_SCALE));
    sim_bn_amount(out, "maker", maker / 10000, false);
    sim_bn_amount(out, "taker", taker / 10000, true);
    cb_buf_appendf(out,
                   ",\"buyer\":\"0.00000000\",\"seller\":\"0.00000000\"},\"canTrade\":true,"
                   "\"canWithdraw\":true,\"canDeposit\":true,\"brokered\":false,"
                   "\"requireSelfTradePrevention\":false,\"preventSor\":false,\"updateTime\":%lld,"
                   "\"accountType\":\"SPOT\",\"balances\":[",
                   (long long) (updated / 1000000));
    const char *const *names;
    size_t n = sim_exchange_assets(SIM_VENUE_BINANCE, &names, NULL);
    size_t written = 0;
    for (size_t i = 0; i < n; i++) {
        sim_fx_t locked = c->account->hold[i];
        sim_fx_t free_ = c->account->total[i] - locked;
        if (omit_zero && free_ == 0 && locked == 0) {
            continue;
        }
        cb_buf_appendf(out, "%s{\"asset\":\"%s\"", written++ > 0 ? "," : "", names[i]);
        sim_bn_amount(out, "free", free_, true);
        sim_bn_amount(out, "locked", locked, true);
        cb_buf_append_char(out, '}');
    }
    cb_buf_appendf(out, "],\"permissions\":[\"SPOT\"],\"uid\":%lld}",
                   354900000LL + (long long) c->account->owner);
}

void
sim_bn_rate_limit_order(sim_bn_t *c)
{
    int64_t count_10s, count_1d;
    sim_bn_order_counts(c, &count_10s, &count_1d);
    cb_buf_appendf(
        &c->res->body,
        "[{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":%d,"
        "\"count\":%lld},{\"rateLimitType\":\"ORDERS\",\"interval\":\"DAY\",\"intervalNum\":1,"
        "\"limit\":%d,\"count\":%lld}]",
        SIM_LIMITS_BINANCE_ORDERS_10S, (long long) count_10s, SIM_LIMITS_BINANCE_ORDERS_1D,
        (long long) count_1d);
}
