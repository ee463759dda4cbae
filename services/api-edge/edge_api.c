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

/* Answers from the cache when it holds a fresh tick; false to ask the RPC. */
static bool
s_price_cached(const edge_api_t *api, const char *symbol, const char *venue, edge_plan_t *plan,
               cb_buf_t *out)
{
    if (api->prices == NULL || api->price_fresh_ns <= 0) {
        return false;
    }
    int rc = edge_price_get(api->prices, symbol, venue, out);
    if (rc == 0) {
        return false;
    }
    if (rc < 0) {
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
