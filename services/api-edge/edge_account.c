/* edge_account.c - api-edge's /api/account routes: the query checked, then one call to the account service */
#include "edge_account.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_mp.h"
#include "cb_time.h"
#include "edge_reply.h"

#define S_CURSOR_MAX 512
#define S_FIELDS_MAX 6

/* The RPC arguments: text or integer values. */
typedef struct {
    const char *key[S_FIELDS_MAX];
    const char *text[S_FIELDS_MAX]; /* NULL: the integer */
    int64_t num[S_FIELDS_MAX];
    size_t count;
} s_args_t;

static void
s_text(s_args_t *a, const char *key, const char *text)
{
    if (text != NULL && text[0] != '\0') {
        a->key[a->count] = key;
        a->text[a->count] = text;
        a->count++;
    }
}

static void
s_num(s_args_t *a, const char *key, int64_t v)
{
    a->key[a->count] = key;
    a->text[a->count] = NULL;
    a->num[a->count] = v;
    a->count++;
}

static void
s_answer(edge_plan_t *plan, cb_buf_t *out, int status, const char *detail)
{
    edge_plan_error(plan, out, status, detail);
}

static void
s_call(edge_plan_t *plan, cb_buf_t *out, const char *op, const s_args_t *a)
{
    plan->status = 0;
    plan->svc = EDGE_SVC_ACCOUNT;
    plan->op = op;
    plan->idempotent = true;
    cb_buf_reset(&plan->args);
    int rc = cb_mp_write_map(&plan->args, (uint32_t) a->count);
    for (size_t i = 0; rc == 0 && i < a->count; i++) {
        rc = cb_mp_write_str(&plan->args, a->key[i], strlen(a->key[i]));
        if (rc == 0) {
            rc = a->text[i] != NULL ? cb_mp_write_str(&plan->args, a->text[i], strlen(a->text[i]))
                                    : cb_mp_write_int(&plan->args, a->num[i]);
        }
    }
    if (rc != 0) {
        s_answer(plan, out, 500, "out of memory");
    }
}

int
edge_account_time(const char *text, int64_t *ms)
{
    size_t len = text != NULL ? strlen(text) : 0;
    size_t digits = strspn(text != NULL ? text : "", "0123456789");
    if (len > 0 && digits == len) {
        /* Unix ms up to year 2262 (the ns clock's end). */
        if (len > 16) {
            return CB_E_BAD_REQUEST;
        }
        int64_t v = 0;
        for (size_t i = 0; i < len; i++) {
            v = v * 10 + (text[i] - '0');
        }
        if (v > 9000000000000000LL) {
            return CB_E_BAD_REQUEST;
        }
        *ms = v;
        return 0;
    }
    int64_t ns;
    if (len == 0 || cb_time_parse_rfc3339(text, len, &ns) != 0) {
        return CB_E_BAD_REQUEST;
    }
    *ms = ns / 1000000;
    return 0;
}

/* start, end, limit and cursor of a paged history route into a. False
 * after answering 400. */
static bool
s_paging(const edge_query_t *q, s_args_t *a, edge_plan_t *plan, cb_buf_t *out)
{
    static const char *const names[2] = {"start", "end"};
    static const char *const keys[2] = {"start_ms", "end_ms"};
    int64_t t[2] = {0, 0};
    bool has[2] = {false, false};
    char err[EDGE_QUERY_ERR_MAX];
    for (int i = 0; i < 2; i++) {
        const char *v = edge_query_get(q, names[i]);
        if (v == NULL) {
            continue;
        }
        if (edge_account_time(v, &t[i]) != 0) {
            snprintf(err, sizeof err, "%s must be an ISO 8601 UTC time (2024-01-31T12:00:00Z) or Unix milliseconds",
                     names[i]);
            s_answer(plan, out, 400, err);
            return false;
        }
        has[i] = true;
    }
    if (has[0] && has[1] && t[0] > t[1]) {
        s_answer(plan, out, 400, "start must not be after end");
        return false;
    }
    long limit = 0;
    if (edge_query_int(q, "limit", 50, 1, 500, &limit, err, sizeof err) != 0) {
        s_answer(plan, out, 400, err);
        return false;
    }
    const char *cursor = edge_query_get(q, "cursor");
    if (cursor != NULL && (cursor[0] == '\0' || strlen(cursor) > S_CURSOR_MAX)) {
        s_answer(plan, out, 400, "cursor must be the next_cursor of the previous page");
        return false;
    }
    for (int i = 0; i < 2; i++) {
        if (has[i]) {
            s_num(a, keys[i], t[i]);
        }
    }
    s_num(a, "limit", limit);
    s_text(a, "cursor", cursor);
    return true;
}

void
edge_account_plan(edge_route_id_t id, const edge_query_t *q, edge_plan_t *plan, cb_buf_t *out)
{
    char venue[EDGE_VENUE_MAX] = "";
    char err[EDGE_QUERY_ERR_MAX];
    const char *status = NULL;
    s_args_t a;
    memset(&a, 0, sizeof a);
    bool venue_required = id != EDGE_R_ACC_BALANCES && id != EDGE_R_ACC_ORDERS;
    if (id == EDGE_R_ACC_ORDERS) {
        if (edge_query_choice(q, "status", "open|closed", "open", &status, err, sizeof err) != 0) {
            s_answer(plan, out, 400, err);
            return;
        }
        venue_required = strcmp(status, "closed") == 0;
    }
    if (edge_query_venue(q, venue_required, venue, sizeof venue, err, sizeof err) != 0) {
        s_answer(plan, out, 400, err);
        return;
    }
    s_text(&a, "venue", venue);
    switch (id) {
    case EDGE_R_ACC_BALANCES:
        s_call(plan, out, "balances", &a);
        return;
    case EDGE_R_ACC_TRADE_BALANCE:
        s_call(plan, out, "trade_balance", &a);
        return;
    case EDGE_R_ACC_ORDERS:
        if (strcmp(status, "open") == 0) {
            s_call(plan, out, "open_orders", &a);
        } else if (s_paging(q, &a, plan, out)) {
            s_call(plan, out, "closed_orders", &a);
        }
        return;
    case EDGE_R_ACC_TRADES:
        if (s_paging(q, &a, plan, out)) {
            s_call(plan, out, "trades", &a);
        }
        return;
    case EDGE_R_ACC_WS_TOKEN:
        s_call(plan, out, "ws_token", &a);
        return;
    case EDGE_R_ACC_CHECK:
        s_call(plan, out, "check", &a);
        return;
    default:
        s_answer(plan, out, 404, NULL);
        return;
    }
}
