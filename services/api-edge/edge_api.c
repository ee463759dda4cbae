/* edge_api.c - api-edge's /api routes: parameters checked, then answered from the bus cache or turned into one RPC */
#include "edge_api.h"

#include <stdio.h>
#include <string.h>

#include "cb_decimal.h"
#include "cb_error.h"
#include "cb_mp.h"
#include "cb_time.h"
#include "edge_account.h"
#include "edge_body.h"
#include "edge_orders.h"
#include "edge_query.h"
#include "edge_reply.h"

#define S_ARGS_MAX 6

/* The RPC arguments being collected: text values only (the market ops read
 * counts from digit strings as the CLI sends them). */
typedef struct {
    const char *key[S_ARGS_MAX];
    const char *value[S_ARGS_MAX];
    size_t len[S_ARGS_MAX];
    size_t count;
} s_args_t;

static void
s_arg(s_args_t *a, const char *key, const char *value, size_t len)
{
    a->key[a->count] = key;
    a->value[a->count] = value;
    a->len[a->count] = len;
    a->count++;
}

static void
s_arg_str(s_args_t *a, const char *key, const char *value)
{
    if (value != NULL && value[0] != '\0') {
        s_arg(a, key, value, strlen(value));
    }
}

void
edge_plan_error(edge_plan_t *plan, cb_buf_t *out, int status, const char *detail)
{
    plan->status = status;
    if (edge_reply_error(out, status, detail) != 0) {
        plan->status = 500;
    }
}

static void
s_answer(edge_plan_t *plan, cb_buf_t *out, int status, const char *detail)
{
    edge_plan_error(plan, out, status, detail);
}

static void
s_call(edge_plan_t *plan, cb_buf_t *out, edge_svc_t svc, const char *op, const s_args_t *a)
{
    plan->status = 0;
    plan->svc = svc;
    plan->op = op;
    plan->idempotent = true;
    cb_buf_reset(&plan->args);
    int rc = cb_mp_write_map(&plan->args, (uint32_t) a->count);
    for (size_t i = 0; rc == 0 && i < a->count; i++) {
        rc = cb_mp_write_str(&plan->args, a->key[i], strlen(a->key[i]));
        rc = rc != 0 ? rc : cb_mp_write_str(&plan->args, a->value[i], a->len[i]);
    }
    if (rc != 0) {
        s_answer(plan, out, 500, "out of memory");
    }
}

/* ---- price from the cache -------------------------------------------------- */

static int
s_mp_kv(cb_buf_t *b, const char *key, const char *value)
{
    int rc = cb_mp_write_str(b, key, strlen(key));
    return rc != 0 ? rc : cb_mp_write_str(b, value, strlen(value));
}

/* The price a quote shows, as market-feed's price op computes it: the last
 * trade when the tick carries one, else the mid (half-even at one more
 * digit), else the bid. */
static void
s_price_text(const edge_tick_t *t, char *out, size_t size)
{
    cb_decimal_t bid, ask, sum, mid;
    if (t->last[0] != '\0') {
        snprintf(out, size, "%s", t->last);
        return;
    }
    snprintf(out, size, "%s", t->bid);
    if (cb_decimal_parse(t->bid, strlen(t->bid), &bid) != 0 ||
        cb_decimal_parse(t->ask, strlen(t->ask), &ask) != 0 || cb_decimal_add(bid, ask, &sum) != 0) {
        return;
    }
    unsigned scale = sum.scale + 1u > CB_DECIMAL_MAX_SCALE ? CB_DECIMAL_MAX_SCALE : sum.scale + 1u;
    if (cb_decimal_div(sum, cb_decimal_from_int(2), scale, CB_ROUND_HALF_EVEN, &mid) == 0) {
        (void) cb_decimal_format(cb_decimal_normalize(mid), out, size);
    }
}

/* One quote map as market-feed's price op packs it (extra: more keys follow). */
static int
s_pack_quote(cb_buf_t *b, const edge_tick_t *t, uint32_t extra)
{
    char price[CB_DECIMAL_STR_MAX];
    s_price_text(t, price, sizeof price);
    bool bq = t->bid_qty[0] != '\0';
    bool aq = t->ask_qty[0] != '\0';
    int rc = cb_mp_write_map(b, 6 + bq + aq + extra);
    rc = rc != 0 ? rc : s_mp_kv(b, "symbol", t->symbol);
    rc = rc != 0 ? rc : s_mp_kv(b, "venue", t->venue);
    rc = rc != 0 ? rc : s_mp_kv(b, "price", price);
    rc = rc != 0 ? rc : s_mp_kv(b, "bid", t->bid);
    rc = rc != 0 ? rc : s_mp_kv(b, "ask", t->ask);
    rc = rc != 0 || !bq ? rc : s_mp_kv(b, "bid_qty", t->bid_qty);
    rc = rc != 0 || !aq ? rc : s_mp_kv(b, "ask_qty", t->ask_qty);
    rc = rc != 0 ? rc : cb_mp_write_str(b, "timestamp", 9);
    return rc != 0 ? rc : cb_mp_write_int(b, t->exch_ts_ns != 0 ? t->exch_ts_ns : t->ts_ns);
}

/* Answers from the cache when it holds a fresh tick; false to ask the RPC. */
static bool
s_price_cached(const edge_api_t *api, const char *symbol, const char *venue, edge_plan_t *plan,
               cb_buf_t *out)
{
    edge_tick_t best;
    if (api->cache == NULL || api->price_fresh_ns <= 0 ||
        !edge_cache_tick(api->cache, symbol, venue[0] != '\0' ? venue : NULL, api->price_fresh_ns, &best) ||
        cb_time_now_ns() - best.received_ns > api->price_fresh_ns) {
        return false;
    }
    edge_tick_t all[16];
    size_t n = venue[0] == '\0' ? edge_cache_ticks(api->cache, symbol, all, 16) : 0;
    cb_buf_t mp = {0};
    int rc = s_pack_quote(&mp, &best, venue[0] == '\0' ? 1 : 0);
    if (rc == 0 && venue[0] == '\0') {
        rc = cb_mp_write_str(&mp, "venues", 6);
        rc = rc != 0 ? rc : cb_mp_write_array(&mp, (uint32_t) n);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            rc = s_pack_quote(&mp, &all[i], 0);
        }
    }
    cb_buf_reset(out);
    rc = rc != 0 ? rc : edge_reply_render(out, mp.data, mp.len);
    cb_buf_fini(&mp);
    if (rc != 0) {
        s_answer(plan, out, 500, "could not render the cached price");
    } else {
        plan->status = 200;
    }
    return true;
}

/* ---- routes ---------------------------------------------------------------- */

/* Reads the parameters every market route shares; false after answering 400. */
static bool
s_symbol(const edge_query_t *q, char *symbol, char *venue, bool venue_required, edge_plan_t *plan,
         cb_buf_t *out)
{
    char err[EDGE_QUERY_ERR_MAX];
    if (edge_query_symbol(q, symbol, EDGE_SYM_MAX, err, sizeof err) != 0 ||
        (venue != NULL && edge_query_venue(q, venue_required, venue, EDGE_VENUE_MAX, err, sizeof err) != 0)) {
        s_answer(plan, out, 400, err);
        return false;
    }
    return true;
}

static void
s_market(const edge_api_t *api, edge_route_id_t id, const edge_query_t *q, edge_plan_t *plan,
         cb_buf_t *out)
{
    char symbol[EDGE_SYM_MAX];
    char venue[EDGE_VENUE_MAX] = "";
    char err[EDGE_QUERY_ERR_MAX];
    char count[24];
    const char *text = NULL;
    long n = 0;
    s_args_t a = {0};
    switch (id) {
    case EDGE_R_PRICE:
        if (!s_symbol(q, symbol, venue, false, plan, out) || s_price_cached(api, symbol, venue, plan, out)) {
            return;
        }
        s_arg_str(&a, "symbol", symbol);
        s_arg_str(&a, "venue", venue);
        s_call(plan, out, EDGE_SVC_MARKET, "price", &a);
        return;
    case EDGE_R_OHLC:
        if (!s_symbol(q, symbol, venue, false, plan, out)) {
            return;
        }
        if (edge_query_choice(q, "timeframe", "1m|5m|15m|30m|1h|4h|1d|1w", NULL, &text, err, sizeof err) != 0 ||
            edge_query_int(q, "limit", 100, 1, 1000, &n, err, sizeof err) != 0) {
            s_answer(plan, out, 400, err);
            return;
        }
        snprintf(count, sizeof count, "%ld", n);
        s_arg_str(&a, "symbol", symbol);
        s_arg_str(&a, "venue", venue);
        s_arg_str(&a, "timeframe", text);
        s_arg_str(&a, "limit", count);
        s_call(plan, out, EDGE_SVC_MARKET, "ohlc", &a);
        return;
    case EDGE_R_BOOK:
    case EDGE_R_TRADES:
        if (!s_symbol(q, symbol, venue, true, plan, out)) {
            return;
        }
        text = id == EDGE_R_BOOK ? "depth" : "limit";
        if (edge_query_int(q, text, id == EDGE_R_BOOK ? 10 : 100, 1, 1000, &n, err, sizeof err) != 0) {
            s_answer(plan, out, 400, err);
            return;
        }
        snprintf(count, sizeof count, "%ld", n);
        s_arg_str(&a, "symbol", symbol);
        s_arg_str(&a, "venue", venue);
        s_arg_str(&a, text, count);
        s_call(plan, out, EDGE_SVC_MARKET, id == EDGE_R_BOOK ? "book" : "trades", &a);
        return;
    case EDGE_R_COMPARE:
        if (s_symbol(q, symbol, NULL, false, plan, out)) {
            s_arg_str(&a, "symbol", symbol);
            s_call(plan, out, EDGE_SVC_MARKET, "compare", &a);
        }
        return;
    case EDGE_R_BEST: {
        if (!s_symbol(q, symbol, NULL, false, plan, out)) {
            return;
        }
        const char *amount = edge_query_get(q, "amount");
        cb_decimal_t d;
        if (edge_query_choice(q, "side", "buy|sell", NULL, &text, err, sizeof err) != 0) {
            s_answer(plan, out, 400, err);
            return;
        }
        if (amount != NULL && (cb_decimal_parse(amount, strlen(amount), &d) != 0 || cb_decimal_sign(d) <= 0)) {
            s_answer(plan, out, 400, "amount must be a decimal number greater than 0");
            return;
        }
        s_arg_str(&a, "symbol", symbol);
        s_arg_str(&a, "side", text);
        s_arg_str(&a, "amount", amount);
        s_call(plan, out, EDGE_SVC_MARKET, "best", &a);
        return;
    }
    case EDGE_R_SYMBOLS:
    case EDGE_R_VENUES:
        s_call(plan, out, EDGE_SVC_MARKET, id == EDGE_R_SYMBOLS ? "symbols" : "venues", &a);
        return;
    default:
        s_answer(plan, out, 404, NULL);
        return;
    }
}

static void
s_analyze(const edge_api_t *api, const edge_api_req_t *req, edge_plan_t *plan, cb_buf_t *out)
{
    char err[EDGE_BODY_ERR_MAX];
    if (!edge_body_is_json(req->ctype, req->ctype_len)) {
        s_answer(plan, out, 400, "Content-Type must be application/json");
        return;
    }
    cb_buf_t text = {0};
    if (edge_body_text(req->body, req->body_len, api->max_text_chars, &text, err, sizeof err) != 0) {
        s_answer(plan, out, 400, err);
    } else {
        s_args_t a = {0};
        s_arg(&a, "text", text.data, text.len);
        s_call(plan, out, EDGE_SVC_SENTIMENT, "analyze", &a);
        /* Each analysed text moves its assets' rolling scores: never sent twice. */
        plan->idempotent = false;
    }
    cb_buf_fini(&text);
}

void
edge_api_plan(const edge_api_t *api, edge_route_id_t id, const edge_api_req_t *req,
              edge_plan_t *plan, cb_buf_t *out)
{
    plan->status = 0;
    if (id == EDGE_R_ANALYZE) {
        s_analyze(api, req, plan, out);
        return;
    }
    edge_query_t q;
    char err[EDGE_QUERY_ERR_MAX];
    if (edge_query_parse(&q, req->query, req->query_len, err, sizeof err) != 0) {
        s_answer(plan, out, 400, err);
        return;
    }
    if (id >= EDGE_R_ACC_BALANCES && id <= EDGE_R_ACC_CHECK) {
        edge_account_plan(id, &q, plan, out);
        return;
    }
    if (id >= EDGE_R_ORD_PLACE && id <= EDGE_R_ORD_AMEND) {
        edge_orders_plan(id, &q, req, plan, out);
        return;
    }
    s_market(api, id, &q, plan, out);
}

void
edge_plan_fini(edge_plan_t *plan)
{
    cb_buf_fini(&plan->args);
}
