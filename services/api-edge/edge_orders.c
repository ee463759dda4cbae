/* edge_orders.c - api-edge's /api/orders routes: JSON bodies and queries checked, then one call to the orders service */
#include "edge_orders.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cb_decimal.h"
#include "cb_error.h"
#include "cb_jtok.h"
#include "cb_mp.h"
#include "cb_order.h"
#include "cb_proto.h"
#include "edge_body.h"
#include "edge_reply.h"

#define S_FIELDS_MAX 12
#define S_TEXT_MAX 48 /* the order-router's widest field (decimals) */

typedef enum {
    S_K_SYMBOL = 0, /* BASE-QUOTE, upper-cased */
    S_K_CHOICE,     /* one of choices, any case, sent as listed */
    S_K_DECIMAL,    /* a JSON string or number, exact, > 0 */
    S_K_BOOL,
    S_K_VENUE,      /* a venue name, lower-cased, or "best" */
    S_K_CLID,       /* 1-36 of [A-Za-z0-9_-] */
    S_K_SECONDS,    /* an integer 0..86400 */
} s_kind_t;

typedef struct {
    const char *name;
    s_kind_t kind;
    bool required;
    const char *choices; /* S_K_CHOICE: "buy|sell" */
} s_field_t;

static const s_field_t s_place[] = {
    {"symbol", S_K_SYMBOL, true, NULL},
    {"side", S_K_CHOICE, true, "buy|sell"},
    {"type", S_K_CHOICE, true, "market|limit|stop-loss|take-profit"},
    {"amount", S_K_DECIMAL, true, NULL},
    {"price", S_K_DECIMAL, false, NULL},
    {"stop_price", S_K_DECIMAL, false, NULL},
    {"time_in_force", S_K_CHOICE, false, "GTC|IOC|FOK"},
    {"post_only", S_K_BOOL, false, NULL},
    {"venue", S_K_VENUE, false, NULL},
    {"client_order_id", S_K_CLID, false, NULL},
    {"validate", S_K_BOOL, false, NULL},
};
static const s_field_t s_amend[] = {
    {"price", S_K_DECIMAL, false, NULL},
    {"amount", S_K_DECIMAL, false, NULL},
};
static const s_field_t s_cancel_after[] = {
    {"venue", S_K_VENUE, true, NULL},
    {"seconds", S_K_SECONDS, true, NULL},
};

/* The RPC arguments being collected: text, boolean or integer values. */
typedef struct {
    const char *key[S_FIELDS_MAX];
    char text[S_FIELDS_MAX][S_TEXT_MAX];
    s_kind_t kind[S_FIELDS_MAX];
    bool flag[S_FIELDS_MAX];
    int64_t num[S_FIELDS_MAX];
    size_t count;
} s_args_t;

static char *
s_add(s_args_t *a, const char *key, s_kind_t kind)
{
    a->key[a->count] = key;
    a->kind[a->count] = kind;
    a->text[a->count][0] = '\0';
    return a->text[a->count++];
}

static void
s_add_text(s_args_t *a, const char *key, const char *text, size_t len)
{
    char *t = s_add(a, key, S_K_CHOICE);
    snprintf(t, S_TEXT_MAX, "%.*s", (int) len, text);
}

static int
s_write(const s_args_t *a, cb_buf_t *args)
{
    cb_buf_reset(args);
    int rc = cb_mp_write_map(args, (uint32_t) a->count);
    for (size_t i = 0; rc == 0 && i < a->count; i++) {
        rc = cb_mp_write_str(args, a->key[i], strlen(a->key[i]));
        if (rc != 0) {
            break;
        }
        if (a->kind[i] == S_K_BOOL) {
            rc = cb_mp_write_bool(args, a->flag[i]);
        } else if (a->kind[i] == S_K_SECONDS) {
            rc = cb_mp_write_int(args, a->num[i]);
        } else {
            rc = cb_mp_write_str(args, a->text[i], strlen(a->text[i]));
        }
    }
    return rc;
}

/* The decoded string token t into out (size bytes, NUL-terminated): false
 * when t is not a string or does not fit. */
static bool
s_string(const cb_jdoc_t *doc, int t, char *out, size_t size)
{
    if (cb_jtok_type(doc, t) != CB_JT_STRING) {
        return false;
    }
    int n = cb_jtok_string(doc, t, out, size);
    return n >= 0 && (size_t) n < size && memchr(out, '\0', (size_t) n) == NULL;
}

/* The choice of choices ("buy|sell") that text names in any case, into out. */
static bool
s_choice(const char *choices, const char *text, char *out)
{
    size_t len = strlen(text);
    for (const char *p = choices; *p != '\0';) {
        size_t n = strcspn(p, "|");
        if (n == len && len > 0 && strncasecmp(p, text, n) == 0) {
            snprintf(out, S_TEXT_MAX, "%.*s", (int) n, p);
            return true;
        }
        p += n + (p[n] == '|');
    }
    return false;
}

static bool
s_clid(const char *text)
{
    size_t n = strlen(text);
    return n >= 1 && n <= CB_CLID_MAX &&
           strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* The value token t of field f into a; CB_E_BAD_REQUEST with err. */
static int
s_value(const cb_jdoc_t *doc, int t, const s_field_t *f, s_args_t *a, char *err, size_t errsize)
{
    char text[S_TEXT_MAX];
    char *out = s_add(a, f->name, f->kind);
    cb_decimal_t d;
    switch (f->kind) {
    case S_K_SYMBOL:
        if (!s_string(doc, t, text, EDGE_SYM_MAX)) {
            text[0] = '\0';
        }
        for (size_t i = 0; text[i] != '\0'; i++) {
            text[i] = (char) toupper((unsigned char) text[i]);
        }
        if (!cb_proto_symbol_valid(text, strlen(text))) {
            return edge_reply_bad_request(err, errsize, "symbol must be a string BASE-QUOTE such as \"BTC-USD\"");
        }
        snprintf(out, S_TEXT_MAX, "%s", text);
        return 0;
    case S_K_CHOICE:
        if (!s_string(doc, t, text, sizeof text) || !s_choice(f->choices, text, out)) {
            return edge_reply_bad_request(err, errsize, "%s must be one of %s", f->name, f->choices);
        }
        return 0;
    case S_K_DECIMAL: {
        int type = cb_jtok_type(doc, t);
        if ((type != CB_JT_STRING && type != CB_JT_PRIMITIVE) || cb_jtok_decimal(doc, t, &d) != 0 ||
            cb_decimal_sign(d) <= 0 || cb_decimal_format(d, out, S_TEXT_MAX) < 0) {
            return edge_reply_bad_request(err, errsize, "%s must be a decimal number greater than 0 (\"0.01\" or 0.01)",
                                          f->name);
        }
        return 0;
    }
    case S_K_BOOL:
        if (cb_jtok_type(doc, t) != CB_JT_PRIMITIVE || cb_jtok_bool(doc, t, &a->flag[a->count - 1]) != 0) {
            return edge_reply_bad_request(err, errsize, "%s must be true or false", f->name);
        }
        return 0;
    case S_K_VENUE:
        if (!s_string(doc, t, out, 33)) {
            return edge_reply_bad_request(err, errsize, "venue must be a venue name such as \"sim-kraken\"");
        }
        for (size_t i = 0; out[i] != '\0'; i++) {
            out[i] = (char) tolower((unsigned char) out[i]);
        }
        if (!cb_proto_name_valid(out, strlen(out), 32)) {
            return edge_reply_bad_request(err, errsize, "venue must be a venue name such as \"sim-kraken\"");
        }
        return 0;
    case S_K_CLID:
        if (!s_string(doc, t, out, S_TEXT_MAX) || !s_clid(out)) {
            return edge_reply_bad_request(err, errsize, "client_order_id must be 1 to %d characters of A-Z a-z 0-9 _ -",
                                          CB_CLID_MAX);
        }
        return 0;
    default: /* S_K_SECONDS */
        if (cb_jtok_type(doc, t) != CB_JT_PRIMITIVE || cb_jtok_i64(doc, t, &a->num[a->count - 1]) != 0 ||
            a->num[a->count - 1] < 0 || a->num[a->count - 1] > 86400) {
            return edge_reply_bad_request(err, errsize, "seconds must be an integer from 0 (disarm) to 86400");
        }
        return 0;
    }
}

/* The body's object checked against fields (n of them) into a. */
static int
s_object(const cb_jdoc_t *doc, const s_field_t *fields, size_t n, s_args_t *a, char *err, size_t errsize)
{
    bool seen[S_FIELDS_MAX] = {false};
    int key = cb_jtok_first(doc, 0);
    for (int k = 0; k < cb_jtok_size(doc, 0); k++, key = cb_jtok_skip(doc, key + 1)) {
        cb_str_t name = cb_jtok_raw(doc, key);
        size_t i = 0;
        while (i < n && !cb_str_eq_cstr(name, fields[i].name)) {
            i++;
        }
        if (i == n) {
            return edge_reply_bad_request(err, errsize, "unknown field \"%.*s\"", name.len > 40 ? 40 : (int) name.len,
                                          name.ptr);
        }
        if (seen[i]) {
            return edge_reply_bad_request(err, errsize, "field \"%s\" is given twice", fields[i].name);
        }
        seen[i] = true;
        if (cb_jtok_is_null(doc, key + 1)) {
            continue;
        }
        int rc = s_value(doc, key + 1, &fields[i], a, err, errsize);
        if (rc != 0) {
            return rc;
        }
    }
    for (size_t i = 0; i < n; i++) {
        bool given = false;
        for (size_t j = 0; j < a->count; j++) {
            given = given || strcmp(a->key[j], fields[i].name) == 0;
        }
        if (fields[i].required && !given) {
            return edge_reply_bad_request(err, errsize, "%s is required", fields[i].name);
        }
    }
    return 0;
}

/* The body of route id into a. */
static int
s_parse(edge_route_id_t id, const char *body, size_t len, s_args_t *a, char *err, size_t errsize)
{
    const s_field_t *fields = id == EDGE_R_ORD_PLACE ? s_place : id == EDGE_R_ORD_AMEND ? s_amend : s_cancel_after;
    size_t n = id == EDGE_R_ORD_PLACE   ? sizeof s_place / sizeof s_place[0]
               : id == EDGE_R_ORD_AMEND ? sizeof s_amend / sizeof s_amend[0]
                                        : sizeof s_cancel_after / sizeof s_cancel_after[0];
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    doc.max_tokens = 64;
    int rc;
    if (len == 0 || cb_jdoc_parse(&doc, body, len) != 0 || cb_jtok_type(&doc, 0) != CB_JT_OBJECT) {
        rc = edge_reply_bad_request(err, errsize, "body must be one JSON object of at most 31 fields");
    } else {
        rc = s_object(&doc, fields, n, a, err, errsize);
    }
    if (rc == 0 && id == EDGE_R_ORD_AMEND && a->count == 0) {
        rc = edge_reply_bad_request(err, errsize, "give price, amount or both");
    }
    if (rc == 0 && id == EDGE_R_ORD_PLACE) {
        bool venue = false;
        for (size_t i = 0; i < a->count; i++) {
            venue = venue || strcmp(a->key[i], "venue") == 0;
        }
        if (!venue) {
            s_add_text(a, "venue", "best", 4);
        }
    }
    cb_jdoc_fini(&doc);
    return rc;
}

int
edge_orders_body(edge_route_id_t id, const char *body, size_t len, cb_buf_t *args, char *err,
                 size_t errsize)
{
    s_args_t a;
    memset(&a, 0, sizeof a);
    int rc = s_parse(id, body, len, &a, err, errsize);
    return rc != 0 ? rc : s_write(&a, args);
}

/* ---- plans ----------------------------------------------------------------- */

static void
s_call(edge_plan_t *plan, cb_buf_t *out, const char *op, const s_args_t *a, bool idempotent)
{
    plan->status = 0;
    plan->svc = EDGE_SVC_ORDERS;
    plan->op = op;
    plan->idempotent = idempotent;
    if (s_write(a, &plan->args) != 0) {
        edge_plan_error(plan, out, 500, "out of memory");
    }
}

/* id (the path's) and venue (the query's, optional) into a; false after 400. */
static bool
s_order_id(const edge_query_t *q, const edge_api_req_t *req, s_args_t *a, edge_plan_t *plan, cb_buf_t *out)
{
    char id[S_TEXT_MAX], venue[EDGE_VENUE_MAX], err[EDGE_QUERY_ERR_MAX];
    snprintf(id, sizeof id, "%.*s", req->param_len < S_TEXT_MAX ? (int) req->param_len : 0, req->param);
    if (!s_clid(id)) {
        snprintf(err, sizeof err, "the order id in the path must be 1 to %d characters of A-Z a-z 0-9 _ -",
                 CB_CLID_MAX);
        edge_plan_error(plan, out, 400, err);
        return false;
    }
    if (edge_query_venue(q, false, venue, sizeof venue, err, sizeof err) != 0) {
        edge_plan_error(plan, out, 400, err);
        return false;
    }
    s_add_text(a, "id", id, strlen(id));
    if (venue[0] != '\0') {
        s_add_text(a, "venue", venue, strlen(venue));
    }
    return true;
}

/* The list's status group: open (not final, unknown included), closed
 * (final) or all, as the order statuses the orders service's list takes. */
static void
s_list(const edge_query_t *q, edge_plan_t *plan, cb_buf_t *out)
{
    char venue[EDGE_VENUE_MAX], err[EDGE_QUERY_ERR_MAX];
    const char *status = NULL;
    s_args_t a;
    memset(&a, 0, sizeof a);
    if (edge_query_choice(q, "status", "open|closed|all", "open", &status, err, sizeof err) != 0 ||
        edge_query_venue(q, false, venue, sizeof venue, err, sizeof err) != 0) {
        edge_plan_error(plan, out, 400, err);
        return;
    }
    if (venue[0] != '\0') {
        s_add_text(&a, "venue", venue, strlen(venue));
    }
    const char *statuses = strcmp(status, "open") == 0     ? "pending,open,partially_filled,unknown"
                           : strcmp(status, "closed") == 0 ? "filled,canceled,rejected,expired"
                                                           : NULL;
    if (statuses != NULL) {
        s_add_text(&a, "status", statuses, strlen(statuses));
    }
    s_call(plan, out, "list", &a, true);
}

/* Without venue: every venue the router has (per-venue results). */
static void
s_cancel_all(const edge_query_t *q, edge_plan_t *plan, cb_buf_t *out)
{
    char venue[EDGE_VENUE_MAX], symbol[EDGE_SYM_MAX], err[EDGE_QUERY_ERR_MAX];
    s_args_t a;
    memset(&a, 0, sizeof a);
    if (edge_query_venue(q, false, venue, sizeof venue, err, sizeof err) != 0 ||
        (edge_query_get(q, "symbol") != NULL && edge_query_symbol(q, symbol, sizeof symbol, err, sizeof err) != 0)) {
        edge_plan_error(plan, out, 400, err);
        return;
    }
    if (venue[0] != '\0') {
        s_add_text(&a, "venue", venue, strlen(venue));
    }
    if (edge_query_get(q, "symbol") != NULL) {
        s_add_text(&a, "symbol", symbol, strlen(symbol));
    }
    s_call(plan, out, "cancel_all", &a, true);
}

/* A body route: Content-Type, then the body's fields (and the path's id). */
static void
s_body_route(edge_route_id_t id, const edge_query_t *q, const edge_api_req_t *req, edge_plan_t *plan,
             cb_buf_t *out)
{
    char err[EDGE_ORDERS_ERR_MAX];
    s_args_t a;
    memset(&a, 0, sizeof a);
    if (!edge_body_is_json(req->ctype, req->ctype_len)) {
        edge_plan_error(plan, out, 400, "Content-Type must be application/json");
        return;
    }
    if (s_parse(id, req->body, req->body_len, &a, err, sizeof err) != 0) {
        edge_plan_error(plan, out, 400, err);
        return;
    }
    if (id == EDGE_R_ORD_AMEND && !s_order_id(q, req, &a, plan, out)) {
        return;
    }
    /* Never resent: the router de-duplicates a place only by its client order
     * id, and a Binance amend is a cancel-replace. */
    s_call(plan, out, id == EDGE_R_ORD_PLACE ? "place" : id == EDGE_R_ORD_AMEND ? "amend" : "cancel_after", &a,
           id == EDGE_R_ORD_CANCEL_AFTER);
    plan->created = id == EDGE_R_ORD_PLACE && plan->status == 0;
}

void
edge_orders_plan(edge_route_id_t id, const edge_query_t *q, const edge_api_req_t *req, edge_plan_t *plan,
                 cb_buf_t *out)
{
    s_args_t a;
    memset(&a, 0, sizeof a);
    switch (id) {
    case EDGE_R_ORD_PLACE:
    case EDGE_R_ORD_AMEND:
    case EDGE_R_ORD_CANCEL_AFTER:
        s_body_route(id, q, req, plan, out);
        return;
    case EDGE_R_ORD_LIST:
        s_list(q, plan, out);
        return;
    case EDGE_R_ORD_CANCEL_ALL:
        s_cancel_all(q, plan, out);
        return;
    case EDGE_R_ORD_GET:
    case EDGE_R_ORD_CANCEL:
        if (s_order_id(q, req, &a, plan, out)) {
            s_call(plan, out, id == EDGE_R_ORD_GET ? "get" : "cancel", &a, true);
        }
        return;
    default:
        edge_plan_error(plan, out, 404, NULL);
        return;
    }
}

int
edge_orders_status(const void *result, size_t len)
{
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, result, len);
    uint32_t count = 0;
    if (cb_mp_read_map(&r, &count) != 0) {
        return 201;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *k;
        size_t kl;
        bool flag = false;
        if (cb_mp_read_str(&r, &k, &kl) != 0) {
            break;
        }
        cb_str_t key = {k, kl};
        if ((cb_str_eq_cstr(key, "existing") || cb_str_eq_cstr(key, "validated")) &&
            cb_mp_peek(&r) == CB_MP_BOOL && cb_mp_read_bool(&r, &flag) == 0) {
            if (flag) {
                return 200;
            }
        } else if (cb_mp_skip(&r, NULL, NULL) != 0) {
            break;
        }
    }
    return 201;
}
