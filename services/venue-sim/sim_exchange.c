/* sim_exchange.c - venue-sim's accounts and user orders: balances with holds, fees, order and trade history, stops, dead-man's switch */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_time.h"
#include "sim_exchange.h"

typedef struct {
    uint32_t owner;
    char clid[SIM_CLID_MAX];
    uint32_t count;
} s_clid_count_t;

struct sim_exchange {
    sim_market_t *market;
    sim_account_t *accounts;
    sim_fx_t (*start_totals)[SIM_ASSETS_MAX];
    size_t account_count;
    sim_xorder_t *orders;
    size_t order_count;
    size_t order_cap;
    uint64_t *index_ids; /* open addressing: order id -> index + 1 */
    uint32_t *index_pos;
    size_t index_cap;
    sim_xtrade_t *trades;
    size_t trade_count;
    size_t trade_cap;
    s_clid_count_t *clids;
    size_t clid_count;
    size_t clid_cap;
    size_t pending; /* stops waiting */
    bool traded[16];
};

static const sim_instrument_t *
s_inst(size_t inst)
{
    size_t count;
    return &sim_instruments(&count)[inst];
}

sim_fx_t
sim_exchange_fee_bps(const sim_account_t *account, size_t inst, bool maker)
{
    (void) account;
    return maker ? s_inst(inst)->maker_fee_bps : s_inst(inst)->taker_fee_bps;
}

/* ---- the order index ------------------------------------------------------- */

static size_t
s_slot(uint64_t id, size_t cap)
{
    return (size_t) ((id * 0x9e3779b97f4a7c15ULL) >> 20) & (cap - 1);
}

static bool
s_index_put(sim_exchange_t *x, uint64_t id, uint32_t pos)
{
    if ((x->order_count + 1) * 2 > x->index_cap) {
        size_t cap = x->index_cap == 0 ? 1024 : x->index_cap * 2;
        uint64_t *ids = calloc(cap, sizeof *ids);
        uint32_t *poss = calloc(cap, sizeof *poss);
        if (ids == NULL || poss == NULL) {
            free(ids);
            free(poss);
            return false;
        }
        for (size_t i = 0; i < x->index_cap; i++) {
            if (x->index_ids[i] != 0) {
                size_t k = s_slot(x->index_ids[i], cap);
                while (ids[k] != 0) {
                    k = (k + 1) & (cap - 1);
                }
                ids[k] = x->index_ids[i];
                poss[k] = x->index_pos[i];
            }
        }
        free(x->index_ids);
        free(x->index_pos);
        x->index_ids = ids;
        x->index_pos = poss;
        x->index_cap = cap;
    }
    size_t k = s_slot(id, x->index_cap);
    while (x->index_ids[k] != 0) {
        k = (k + 1) & (x->index_cap - 1);
    }
    x->index_ids[k] = id;
    x->index_pos[k] = pos;
    return true;
}

static sim_xorder_t *
s_find(const sim_exchange_t *x, uint64_t id)
{
    if (x->index_cap == 0 || id == 0) {
        return NULL;
    }
    for (size_t k = s_slot(id, x->index_cap); x->index_ids[k] != 0; k = (k + 1) & (x->index_cap - 1)) {
        if (x->index_ids[k] == id) {
            return &x->orders[x->index_pos[k]];
        }
    }
    return NULL;
}

const sim_xorder_t *
sim_exchange_order(const sim_exchange_t *exchange, uint64_t id)
{
    return s_find(exchange, id);
}

/* ---- accounts ---------------------------------------------------------------- */

sim_account_t *
sim_exchange_account(sim_exchange_t *exchange, uint32_t owner)
{
    return owner >= 1 && owner <= exchange->account_count ? &exchange->accounts[owner - 1] : NULL;
}

sim_account_t *
sim_exchange_account_by_key(sim_exchange_t *exchange, sim_venue_t venue, const char *key, size_t len)
{
    for (size_t i = 0; i < exchange->account_count; i++) {
        sim_account_t *a = &exchange->accounts[i];
        if (a->venue == venue && strlen(a->key) == len && memcmp(a->key, key, len) == 0) {
            return a;
        }
    }
    return NULL;
}

int
sim_exchange_add_accounts(sim_exchange_t *exchange, const char *spec, char *err, size_t errsize)
{
    char *copy = strdup(spec);
    if (copy == NULL) {
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    size_t cap = exchange->account_count + 1;
    for (const char *p = spec; *p != '\0'; p++) {
        cap += *p == '\n' || *p == ';';
    }
    sim_account_t *accounts = realloc(exchange->accounts, cap * sizeof *accounts);
    if (accounts != NULL) {
        exchange->accounts = accounts;
    }
    sim_fx_t(*totals)[SIM_ASSETS_MAX] = realloc(exchange->start_totals, cap * sizeof *totals);
    if (totals != NULL) {
        exchange->start_totals = totals;
    }
    if (accounts == NULL || totals == NULL) {
        free(copy);
        snprintf(err, errsize, "out of memory");
        return -1;
    }
    size_t added = 0;
    int lineno = 0;
    char *save = NULL;
    int rc = 0;
    for (char *line = strtok_r(copy, "\n;", &save); line != NULL; line = strtok_r(NULL, "\n;", &save)) {
        lineno++;
        while (isspace((unsigned char) *line)) {
            line++;
        }
        if (*line == '\0' || *line == '#') {
            continue;
        }
        sim_account_t *a = &exchange->accounts[exchange->account_count + added];
        char why[160];
        if (!sim_account_parse(line, a, why, sizeof why)) {
            snprintf(err, errsize, "entry %d: %s", lineno, why);
            rc = -1;
            break;
        }
        if (sim_exchange_account_by_key(exchange, a->venue, a->key, strlen(a->key)) != NULL) {
            snprintf(err, errsize, "entry %d: API key already used", lineno);
            rc = -1;
            break;
        }
        a->owner = (uint32_t) (exchange->account_count + added + 1);
        memcpy(exchange->start_totals[a->owner - 1], a->total, sizeof a->total);
        added++;
    }
    free(copy);
    if (rc == 0) {
        exchange->account_count += added;
    }
    return rc;
}

/* ---- orders -------------------------------------------------------------------- */

static uint32_t *
s_clid_counter(sim_exchange_t *x, uint32_t owner, const char *clid, bool create)
{
    for (size_t i = 0; i < x->clid_count; i++) {
        if (x->clids[i].owner == owner && strcmp(x->clids[i].clid, clid) == 0) {
            return &x->clids[i].count;
        }
    }
    if (!create) {
        return NULL;
    }
    if (x->clid_count == x->clid_cap) {
        size_t cap = x->clid_cap == 0 ? 64 : x->clid_cap * 2;
        s_clid_count_t *c = realloc(x->clids, cap * sizeof *c);
        if (c == NULL) {
            return NULL;
        }
        x->clids = c;
        x->clid_cap = cap;
    }
    s_clid_count_t *c = &x->clids[x->clid_count++];
    c->owner = owner;
    snprintf(c->clid, sizeof c->clid, "%s", clid);
    c->count = 0;
    return &c->count;
}

uint32_t
sim_exchange_clid_count(const sim_exchange_t *exchange, uint32_t owner, const char *clid)
{
    uint32_t *c = s_clid_counter((sim_exchange_t *) exchange, owner, clid, false);
    return c != NULL ? *c : 0;
}

const sim_xorder_t *
sim_exchange_order_by_clid(const sim_exchange_t *exchange, uint32_t owner, const char *clid, bool open_only)
{
    if (clid == NULL || clid[0] == '\0') {
        return NULL;
    }
    for (size_t i = exchange->order_count; i-- > 0;) {
        const sim_xorder_t *o = &exchange->orders[i];
        if (o->owner == owner && strcmp(o->req.cl_ord_id, clid) == 0 &&
            (!open_only || o->status == SIM_OS_OPEN || o->status == SIM_OS_PENDING)) {
            return o;
        }
    }
    return NULL;
}

void
sim_exchange_each_order(const sim_exchange_t *exchange, uint32_t owner, bool (*fn)(void *ctx, const sim_xorder_t *o),
                        void *ctx)
{
    for (size_t i = 0; i < exchange->order_count; i++) {
        if (exchange->orders[i].owner == owner && !fn(ctx, &exchange->orders[i])) {
            return;
        }
    }
}

void
sim_exchange_each_trade(const sim_exchange_t *exchange, uint32_t owner, bool (*fn)(void *ctx, const sim_xtrade_t *t),
                        void *ctx)
{
    for (size_t i = 0; i < exchange->trade_count; i++) {
        if (exchange->trades[i].owner == owner && !fn(ctx, &exchange->trades[i])) {
            return;
        }
    }
}

/* The quote a buy of qty would cost walking the asks (limit: up to price),
 * and the quantity that is there. */
static sim_fx_t
s_walk_cost(const sim_exchange_t *x, size_t inst, sim_side_t side, sim_fx_t limit, sim_fx_t qty, sim_fx_t *avail)
{
    const sim_instrument_t *in = s_inst(inst);
    int base, quote;
    sim_asset_of(inst, &base, &quote);
    sim_level_t levels[256];
    size_t n = sim_book_levels(sim_market_book(x->market, inst), side == SIM_BUY ? SIM_SELL : SIM_BUY, 256, levels);
    sim_fx_t left = qty, cost = 0;
    for (size_t i = 0; i < n && left > 0; i++) {
        if (limit != 0 && (side == SIM_BUY ? levels[i].price > limit : levels[i].price < limit)) {
            break;
        }
        sim_fx_t take = levels[i].qty < left ? levels[i].qty : left;
        /* Fills are rounded one maker order at a time: allow the coarsest
         * rounding unit (1e-4) per order so a hold never falls short. */
        cost += sim_asset_cost(in->venue, quote, levels[i].price, take) + (sim_fx_t) levels[i].orders * 10000;
        left -= take;
    }
    *avail = qty - left;
    return cost;
}

/* The base quantity quote_qty buys (or sells for) walking the book, on the step. */
static sim_fx_t
s_walk_qty(const sim_exchange_t *x, size_t inst, sim_side_t side, sim_fx_t quote_qty)
{
    const sim_instrument_t *in = s_inst(inst);
    sim_level_t levels[256];
    size_t n = sim_book_levels(sim_market_book(x->market, inst), side == SIM_BUY ? SIM_SELL : SIM_BUY, 256, levels);
    sim_fx_t left = quote_qty, qty = 0;
    for (size_t i = 0; i < n && left > 0; i++) {
        sim_fx_t level_cost;
        sim_fx_mul(levels[i].price, levels[i].qty, &level_cost);
        if (level_cost <= left) {
            qty += levels[i].qty;
            left -= level_cost;
        } else {
            qty += sim_fx_div(left, levels[i].price);
            break;
        }
    }
    return sim_fx_round_to(qty, in->step, -1);
}

/* What an order must hold: quote for buys (cost plus the taker fee when the
 * fee is paid in quote), base for sells. */
static sim_fx_t
s_hold_needed(const sim_exchange_t *x, const sim_account_t *a, const sim_order_req_t *r, sim_fx_t qty, int *asset)
{
    int base, quote;
    sim_asset_of(r->inst, &base, &quote);
    if (r->side == SIM_SELL) {
        *asset = base;
        return qty;
    }
    *asset = quote;
    sim_fx_t cost;
    if (r->type == SIM_OT_MARKET) {
        sim_fx_t avail;
        cost = r->quote_qty > 0 ? r->quote_qty : s_walk_cost(x, r->inst, SIM_BUY, 0, qty, &avail);
    } else {
        sim_fx_t price = r->type == SIM_OT_STOP_LOSS || r->type == SIM_OT_TAKE_PROFIT ? r->stop_price : r->price;
        cost = sim_asset_cost(a->venue, quote, price, qty);
    }
    return cost + (r->fee_in_base ? 0 : sim_asset_fee(a->venue, quote, cost, sim_exchange_fee_bps(a, r->inst, false)));
}

static bool
s_is_limit(sim_order_type_t t)
{
    return t == SIM_OT_LIMIT || t == SIM_OT_STOP_LOSS_LIMIT || t == SIM_OT_TAKE_PROFIT_LIMIT;
}

static bool
s_is_stop(sim_order_type_t t)
{
    return t != SIM_OT_MARKET && t != SIM_OT_LIMIT;
}

sim_x_rc_t
sim_exchange_check(sim_exchange_t *exchange, const sim_account_t *account, const sim_order_req_t *r)
{
    const sim_instrument_t *in = s_inst(r->inst);
    bool by_quote = r->type == SIM_OT_MARKET && r->qty == 0 && r->quote_qty > 0;
    if (s_is_limit(r->type) && (r->price <= 0)) {
        return SIM_X_BAD_PRICE;
    }
    if (s_is_limit(r->type) && r->price % in->tick != 0) {
        return SIM_X_TICK;
    }
    if (s_is_stop(r->type) && (r->stop_price <= 0 || r->stop_price % in->tick != 0)) {
        return r->stop_price <= 0 ? SIM_X_BAD_PRICE : SIM_X_TICK;
    }
    if (!by_quote) {
        if (r->qty <= 0 || r->qty < in->min_qty) {
            return SIM_X_MIN_QTY;
        }
        if (r->qty > in->max_qty) {
            return SIM_X_MAX_QTY;
        }
        if (r->qty % in->step != 0) {
            return SIM_X_LOT;
        }
    }
    int base, quote;
    sim_asset_of(r->inst, &base, &quote);
    sim_fx_t ref_price = s_is_limit(r->type) ? r->price : s_is_stop(r->type) ? r->stop_price
                                                                              : sim_market_last_price(exchange->market, r->inst);
    sim_fx_t notional = by_quote ? r->quote_qty : sim_asset_cost(in->venue, quote, ref_price, r->qty);
    if (notional < in->min_notional) {
        return SIM_X_MIN_NOTIONAL;
    }
    if (r->cl_ord_id[0] != '\0' && sim_exchange_order_by_clid(exchange, account->owner, r->cl_ord_id, true) != NULL) {
        return SIM_X_DUPLICATE_ID;
    }
    if (r->type == SIM_OT_MARKET) {
        sim_fx_t avail = 0;
        if (by_quote ? s_walk_qty(exchange, r->inst, r->side, r->quote_qty) == 0
                     : (s_walk_cost(exchange, r->inst, r->side, 0, r->qty, &avail), avail == 0)) {
            return SIM_X_NO_LIQUIDITY;
        }
    }
    int asset;
    sim_fx_t need = by_quote && r->side == SIM_SELL ? s_walk_qty(exchange, r->inst, SIM_SELL, r->quote_qty)
                                                     : s_hold_needed(exchange, account, r, r->qty, &asset);
    asset = r->side == SIM_SELL ? base : quote;
    if (need > account->total[asset] - account->hold[asset]) {
        return SIM_X_INSUFFICIENT_FUNDS;
    }
    return SIM_X_OK;
}

static void
s_release(sim_exchange_t *x, sim_xorder_t *o)
{
    sim_account_t *a = sim_exchange_account(x, o->owner);
    a->hold[o->held_asset] -= o->held;
    if (a->hold[o->held_asset] < 0) {
        a->hold[o->held_asset] = 0;
    }
    o->held = 0;
}

static void
s_close(sim_exchange_t *x, sim_xorder_t *o, sim_order_status_t status, const char *reason)
{
    int64_t now = cb_time_now_ns();
    if (o->status == SIM_OS_PENDING && x->pending > 0) {
        x->pending--;
    }
    o->status = status;
    o->close_ns = now;
    o->update_ns = now;
    snprintf(o->reason, sizeof o->reason, "%s", reason != NULL ? reason : "");
    s_release(x, o);
}

/* Settles one side of a fill for a user order. */
static void
s_settle(sim_exchange_t *x, sim_xorder_t *o, const sim_trade_t *t, bool maker)
{
    sim_account_t *a = sim_exchange_account(x, o->owner);
    int base, quote;
    sim_asset_of(o->req.inst, &base, &quote);
    sim_fx_t bps = sim_exchange_fee_bps(a, o->req.inst, maker);
    sim_fx_t cost = sim_asset_cost(a->venue, quote, t->price, t->qty);
    sim_fx_t fee;
    int fee_asset;
    if (o->req.side == SIM_BUY) {
        sim_fx_t release;
        if (o->req.fee_in_base) {
            fee_asset = base;
            fee = sim_asset_fee(a->venue, base, t->qty, bps);
            a->total[base] += t->qty - fee;
            a->total[quote] -= cost;
            release = s_is_limit(o->req.type) ? sim_asset_cost(a->venue, quote, o->req.price, t->qty) : cost;
        } else {
            fee_asset = quote;
            fee = sim_asset_fee(a->venue, quote, cost, bps);
            a->total[base] += t->qty;
            a->total[quote] -= cost + fee;
            sim_fx_t at_limit = s_is_limit(o->req.type) ? sim_asset_cost(a->venue, quote, o->req.price, t->qty) : cost;
            release = at_limit + sim_asset_fee(a->venue, quote, at_limit, sim_exchange_fee_bps(a, o->req.inst, false));
        }
        release = release < o->held ? release : o->held;
        o->held -= release;
        a->hold[quote] -= release;
    } else {
        fee_asset = quote;
        fee = sim_asset_fee(a->venue, quote, cost, bps);
        a->total[base] -= t->qty;
        a->total[quote] += cost - fee;
        sim_fx_t release = t->qty < o->held ? t->qty : o->held;
        o->held -= release;
        a->hold[base] -= release;
    }
    o->filled += t->qty;
    o->cost += cost;
    o->fee += fee;
    o->fee_asset = fee_asset;
    o->update_ns = t->time_ns;
    if (x->trade_count == x->trade_cap) {
        size_t cap = x->trade_cap == 0 ? 256 : x->trade_cap * 2;
        sim_xtrade_t *tr = realloc(x->trades, cap * sizeof *tr);
        if (tr != NULL) {
            x->trades = tr;
            x->trade_cap = cap;
        }
    }
    if (x->trade_count < x->trade_cap) {
        x->trades[x->trade_count] = (sim_xtrade_t){x->trade_count + 1, t->id, o->id, o->owner, o->req.inst,
                                                   o->req.side, t->price, t->qty, cost, fee, fee_asset, maker,
                                                   t->time_ns};
        x->trade_count++;
    }
    if (o->filled >= o->req.qty && o->req.qty > 0 && o->status == SIM_OS_OPEN) {
        s_close(x, o, SIM_OS_FILLED, "");
    }
}

static void
s_on_fill(void *ctx, size_t inst, const sim_fill_t *fill, const sim_trade_t *trade)
{
    sim_exchange_t *x = ctx;
    (void) inst;
    if (fill->maker_owner != SIM_OWNER_MARKET) {
        sim_xorder_t *o = s_find(x, fill->maker_id);
        if (o != NULL) {
            s_settle(x, o, trade, true);
        }
    }
    if (fill->taker_owner != SIM_OWNER_MARKET) {
        sim_xorder_t *o = s_find(x, fill->taker_id);
        if (o != NULL) {
            s_settle(x, o, trade, false);
        }
    }
}

static void
s_on_event(void *ctx, const sim_event_t *ev)
{
    sim_exchange_t *x = ctx;
    if (ev->kind == SIM_EV_TRADE && ev->inst < sizeof x->traded / sizeof x->traded[0]) {
        x->traded[ev->inst] = true;
    }
}

/* Sends an accepted order to the book (a triggered stop too). */
static sim_x_rc_t
s_execute(sim_exchange_t *x, sim_xorder_t *o)
{
    const sim_order_req_t *r = &o->req;
    bool market = r->type == SIM_OT_MARKET || r->type == SIM_OT_STOP_LOSS || r->type == SIM_OT_TAKE_PROFIT;
    if (market && r->qty == 0 && r->quote_qty > 0) {
        o->req.qty = s_walk_qty(x, r->inst, r->side, r->quote_qty);
        if (o->req.qty == 0) {
            s_close(x, o, SIM_OS_EXPIRED, "No liquidity");
            return SIM_X_OK;
        }
    }
    if (r->tif == SIM_TIF_FOK) {
        sim_fx_t avail;
        s_walk_cost(x, r->inst, r->side, market ? 0 : r->price, r->qty, &avail);
        if (avail < r->qty) {
            s_close(x, o, SIM_OS_EXPIRED, "Order expired");
            return SIM_X_OK;
        }
    }
    o->status = SIM_OS_OPEN;
    unsigned flags = (market || r->tif != SIM_TIF_GTC ? SIM_IOC : 0u) | (r->post_only ? SIM_POST_ONLY : 0u);
    sim_fx_t filled;
    bool rested;
    uint64_t id = o->id;
    sim_submit_rc_t rc = sim_market_submit(x->market, r->inst, id, o->owner, r->side, market ? 0 : r->price, r->qty,
                                           flags, market, &filled, &rested);
    o = s_find(x, id);
    if (rc == SIM_SUBMIT_WOULD_TAKE) {
        s_close(x, o, SIM_OS_CANCELED, "Post only order");
        return SIM_X_WOULD_TAKE;
    }
    if (rc == SIM_SUBMIT_NOMEM) {
        return SIM_X_NOMEM;
    }
    if (!rested && o->status == SIM_OS_OPEN) {
        s_close(x, o, o->filled >= o->req.qty ? SIM_OS_FILLED : SIM_OS_EXPIRED, "");
    }
    return SIM_X_OK;
}

sim_x_rc_t
sim_exchange_place(sim_exchange_t *exchange, sim_account_t *account, const sim_order_req_t *req,
                   const sim_xorder_t **out)
{
    sim_exchange_t *x = exchange;
    if (out != NULL) {
        *out = NULL;
    }
    account->orders_received++;
    if (req->cl_ord_id[0] != '\0') {
        uint32_t *c = s_clid_counter(x, account->owner, req->cl_ord_id, true);
        if (c != NULL) {
            (*c)++;
        }
    }
    sim_x_rc_t rc = sim_exchange_check(x, account, req);
    if (rc != SIM_X_OK) {
        return rc;
    }
    if (x->order_count == x->order_cap) {
        size_t cap = x->order_cap == 0 ? 256 : x->order_cap * 2;
        sim_xorder_t *orders = realloc(x->orders, cap * sizeof *orders);
        if (orders == NULL) {
            return SIM_X_NOMEM;
        }
        x->orders = orders;
        x->order_cap = cap;
    }
    uint64_t id = sim_market_next_order_id(x->market);
    if (!s_index_put(x, id, (uint32_t) x->order_count)) {
        return SIM_X_NOMEM;
    }
    sim_xorder_t *o = &x->orders[x->order_count++];
    int64_t now = cb_time_now_ns();
    memset(o, 0, sizeof *o);
    o->id = id;
    o->owner = account->owner;
    o->req = *req;
    o->open_ns = o->update_ns = o->amend_ns = now;
    int base, quote;
    sim_asset_of(req->inst, &base, &quote);
    o->fee_asset = req->side == SIM_BUY && req->fee_in_base ? base : quote;
    if (req->side == SIM_SELL && req->qty == 0) {
        o->held = s_walk_qty(x, req->inst, SIM_SELL, req->quote_qty);
        o->held_asset = base;
    } else {
        o->held = s_hold_needed(x, account, req, req->qty, &o->held_asset);
    }
    account->hold[o->held_asset] += o->held;
    if (s_is_stop(req->type)) {
        o->status = SIM_OS_PENDING;
        x->pending++;
    } else {
        rc = s_execute(x, o);
        o = s_find(x, id);
    }
    if (out != NULL) {
        *out = o;
    }
    return rc;
}

sim_x_rc_t
sim_exchange_cancel(sim_exchange_t *exchange, const sim_account_t *account, uint64_t id, const char *reason,
                    const sim_xorder_t **out)
{
    sim_xorder_t *o = s_find(exchange, id);
    if (o == NULL || o->owner != account->owner || (o->status != SIM_OS_OPEN && o->status != SIM_OS_PENDING)) {
        return SIM_X_UNKNOWN_ORDER;
    }
    if (o->status == SIM_OS_OPEN) {
        sim_market_cancel(exchange->market, o->req.inst, o->id, NULL);
    }
    s_close(exchange, o, SIM_OS_CANCELED, reason);
    if (out != NULL) {
        *out = o;
    }
    return SIM_X_OK;
}

size_t
sim_exchange_cancel_all(sim_exchange_t *exchange, const sim_account_t *account, size_t inst_filter, uint64_t *ids,
                        size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < exchange->order_count; i++) {
        sim_xorder_t *o = &exchange->orders[i];
        if (o->owner == account->owner && (o->status == SIM_OS_OPEN || o->status == SIM_OS_PENDING) &&
            (inst_filter == SIZE_MAX || o->req.inst == inst_filter)) {
            if (ids != NULL && n < max) {
                ids[n] = o->id;
            }
            sim_exchange_cancel(exchange, account, o->id, "User requested", NULL);
            n++;
        }
    }
    return n;
}

sim_x_rc_t
sim_exchange_amend(sim_exchange_t *exchange, sim_account_t *account, uint64_t id, sim_fx_t new_qty,
                   sim_fx_t new_price, const sim_xorder_t **out)
{
    sim_xorder_t *o = s_find(exchange, id);
    if (o == NULL || o->owner != account->owner || o->status != SIM_OS_OPEN || !s_is_limit(o->req.type)) {
        return SIM_X_UNKNOWN_ORDER;
    }
    const sim_instrument_t *in = s_inst(o->req.inst);
    sim_fx_t qty = new_qty > 0 ? new_qty : o->req.qty;
    sim_fx_t price = new_price > 0 ? new_price : o->req.price;
    if (price % in->tick != 0) {
        return SIM_X_TICK;
    }
    if (qty % in->step != 0) {
        return SIM_X_LOT;
    }
    if (qty <= o->filled) {
        sim_market_cancel(exchange->market, o->req.inst, o->id, NULL);
        o->req.qty = o->filled;
        s_close(exchange, o, o->filled > 0 ? SIM_OS_FILLED : SIM_OS_CANCELED, "Order replaced");
        if (out != NULL) {
            *out = o;
        }
        return SIM_X_OK;
    }
    sim_order_req_t r = o->req;
    r.qty = qty;
    r.price = price;
    int asset;
    sim_fx_t need = s_hold_needed(exchange, account, &r, qty - o->filled, &asset);
    if (need - o->held > account->total[asset] - account->hold[asset]) {
        return SIM_X_INSUFFICIENT_FUNDS;
    }
    account->hold[asset] += need - o->held;
    o->held = need;
    o->amend_ns = o->update_ns = cb_time_now_ns();
    if (price == o->req.price && qty < o->req.qty) {
        sim_market_amend_qty(exchange->market, o->req.inst, o->id, qty);
        o->req.qty = qty;
    } else {
        /* A new price or more quantity loses priority: out and back in. */
        sim_order_t old;
        sim_market_cancel(exchange->market, o->req.inst, o->id, &old);
        o->req.qty = qty;
        o->req.price = price;
        sim_fx_t filled;
        bool rested;
        uint64_t oid = o->id;
        sim_market_submit(exchange->market, o->req.inst, oid, o->owner, o->req.side, price, qty - o->filled,
                          o->req.post_only ? SIM_POST_ONLY : 0u, false, &filled, &rested);
        o = s_find(exchange, oid);
        if (!rested && o->status == SIM_OS_OPEN) {
            s_close(exchange, o, o->filled >= o->req.qty ? SIM_OS_FILLED : SIM_OS_CANCELED,
                    o->req.post_only ? "Post only order" : "");
        }
    }
    if (out != NULL) {
        *out = o;
    }
    return SIM_X_OK;
}

static bool
s_triggered(const sim_xorder_t *o, sim_fx_t last)
{
    bool stop = o->req.type == SIM_OT_STOP_LOSS || o->req.type == SIM_OT_STOP_LOSS_LIMIT;
    if (o->req.side == SIM_SELL) {
        return stop ? last <= o->req.stop_price : last >= o->req.stop_price;
    }
    return stop ? last >= o->req.stop_price : last <= o->req.stop_price;
}

/* A stop buy that becomes a market order holds what the book now asks
 * (it held its cost at the trigger price); false when the account cannot
 * cover it. */
static bool
s_hold_for_trigger(sim_exchange_t *x, sim_xorder_t *o)
{
    if (o->req.side != SIM_BUY || (o->req.type != SIM_OT_STOP_LOSS && o->req.type != SIM_OT_TAKE_PROFIT)) {
        return true;
    }
    sim_account_t *a = sim_exchange_account(x, o->owner);
    sim_order_req_t r = o->req;
    r.type = SIM_OT_MARKET;
    int asset;
    sim_fx_t need = s_hold_needed(x, a, &r, r.qty, &asset);
    if (need - o->held > a->total[asset] - a->hold[asset]) {
        return false;
    }
    a->hold[asset] += need - o->held;
    o->held = need;
    return true;
}

void
sim_exchange_poll(sim_exchange_t *exchange, int64_t now_ns)
{
    sim_exchange_t *x = exchange;
    for (size_t a = 0; a < x->account_count; a++) {
        if (x->accounts[a].dms_trigger_ns != 0 && now_ns >= x->accounts[a].dms_trigger_ns) {
            x->accounts[a].dms_trigger_ns = 0;
            for (size_t i = 0; i < x->order_count; i++) {
                sim_xorder_t *o = &x->orders[i];
                if (o->owner == x->accounts[a].owner && (o->status == SIM_OS_OPEN || o->status == SIM_OS_PENDING)) {
                    sim_exchange_cancel(x, &x->accounts[a], o->id, "Dead man's switch", NULL);
                }
            }
        }
    }
    if (x->pending == 0) {
        memset(x->traded, 0, sizeof x->traded);
        return;
    }
    for (size_t i = 0; i < x->order_count; i++) {
        sim_xorder_t *o = &x->orders[i];
        if (o->status != SIM_OS_PENDING || o->req.inst >= sizeof x->traded || !x->traded[o->req.inst]) {
            continue;
        }
        if (s_triggered(o, sim_market_last_price(x->market, o->req.inst))) {
            x->pending--;
            o->status = SIM_OS_OPEN;
            if (!s_hold_for_trigger(x, o)) {
                s_close(x, o, SIM_OS_EXPIRED, "Insufficient funds");
                continue;
            }
            uint64_t id = o->id;
            s_execute(x, o);
            (void) s_find(x, id);
        }
    }
    memset(x->traded, 0, sizeof x->traded);
}

sim_exchange_t *
sim_exchange_new(sim_market_t *market)
{
    sim_exchange_t *x = calloc(1, sizeof *x);
    if (x == NULL) {
        return NULL;
    }
    x->market = market;
    sim_market_on_fill(market, s_on_fill, x);
    sim_market_listen(market, s_on_event, x);
    return x;
}

static void
s_forget(sim_exchange_t *x)
{
    for (size_t i = 0; i < x->order_count; i++) {
        if (x->orders[i].status == SIM_OS_OPEN) {
            sim_market_cancel(x->market, x->orders[i].req.inst, x->orders[i].id, NULL);
        }
    }
    free(x->orders);
    free(x->index_ids);
    free(x->index_pos);
    free(x->trades);
    free(x->clids);
    x->orders = NULL;
    x->index_ids = NULL;
    x->index_pos = NULL;
    x->trades = NULL;
    x->clids = NULL;
    x->order_count = x->order_cap = x->index_cap = x->trade_count = x->trade_cap = 0;
    x->clid_count = x->clid_cap = 0;
    x->pending = 0;
}

void
sim_exchange_reset(sim_exchange_t *exchange)
{
    s_forget(exchange);
    for (size_t a = 0; a < exchange->account_count; a++) {
        memcpy(exchange->accounts[a].total, exchange->start_totals[a], sizeof exchange->accounts[a].total);
        memset(exchange->accounts[a].hold, 0, sizeof exchange->accounts[a].hold);
        exchange->accounts[a].dms_trigger_ns = 0;
        exchange->accounts[a].orders_received = 0;
    }
}

void
sim_exchange_destroy(sim_exchange_t **exchange_p)
{
    if (exchange_p == NULL || *exchange_p == NULL) {
        return;
    }
    sim_exchange_t *x = *exchange_p;
    sim_market_on_fill(x->market, NULL, NULL);
    sim_market_unlisten(x->market, s_on_event, x);
    s_forget(x);
    if (x->accounts != NULL) {
        /* Secrets do not outlive the process's use of them. */
        memset(x->accounts, 0, x->account_count * sizeof *x->accounts);
    }
    free(x->accounts);
    free(x->start_totals);
    free(x);
    *exchange_p = NULL;
}
