/* edge_api.h - api-edge's /api routes: parameters checked, then answered from the bus cache or turned into one RPC */
#ifndef EDGE_API_H_INCLUDED
#define EDGE_API_H_INCLUDED

/* Pure request -> plan logic, with no I/O: the caller (edge_app) makes the
 * planned RPC on its loop and renders the result with edge_reply_render.
 * Ownership: the plan owns its args buffer (edge_plan_fini). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "edge_cache.h"
#include "edge_price.h"
#include "edge_routes.h"
#include "edge_rpc.h"

typedef struct {
    const char *query;
    size_t query_len;
    const char *body;
    size_t body_len;
    const char *ctype; /* Content-Type value, may be NULL */
    size_t ctype_len;
    const char *param; /* the path parameter ("/api/orders/{id}"), NULL for none */
    size_t param_len;
} edge_api_req_t;

typedef struct {
    edge_cache_t *cache;    /* NULL: every price goes to the market RPC */
    int64_t price_fresh_ns; /* a cached tick older than this is not served */
    size_t max_text_chars;  /* analyze's limit (5000) */
    edge_price_t *prices;   /* the cache's rendered price answers; NULL: none */
} edge_api_t;

typedef struct {
    int status;       /* answered here: the status, the JSON body in out */
    edge_svc_t svc;   /* status 0: call svc.op(args) and render its result */
    const char *op;
    cb_buf_t args;    /* one msgpack map */
    bool idempotent;  /* may be resent once (edge_rpc); not for analyze */
    bool created;     /* success is 201 unless the result is an existing order (edge_orders_status) */
} edge_plan_t;

/* Plans route id (an /api route) for req. Either answers (plan->status
 * 200/400/404/..., out replaced by the JSON body) or leaves status 0 with the
 * RPC to make. Never fails: no memory is a 500 answer. */
void
edge_api_plan(const edge_api_t *api, edge_route_id_t id, const edge_api_req_t *req,
              edge_plan_t *plan, cb_buf_t *out);

/* Answers the plan here: status with the error body of detail in out (500
 * when out of memory). */
void
edge_plan_error(edge_plan_t *plan, cb_buf_t *out, int status, const char *detail);

/* Frees the plan's args; safe twice. */
void
edge_plan_fini(edge_plan_t *plan);

#endif
