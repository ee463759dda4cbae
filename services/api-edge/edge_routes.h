/* edge_routes.h - api-edge's route table: every path it answers, its methods, the rate limit and the API key scope it needs */
#ifndef EDGE_ROUTES_H_INCLUDED
#define EDGE_ROUTES_H_INCLUDED

/* The one list of routes: the dispatcher, the 405 Allow header, /metrics'
 * route labels and the OpenAPI test all read it. A route is one method on
 * one path pattern; several routes may share a pattern (GET, POST and DELETE
 * /api/orders). A path belongs to the first pattern in table order that
 * matches it (exact paths come before the patterns with a parameter, so
 * /api/orders/cancel-after is never an order id); the request's method then
 * picks one of that pattern's routes, or none (405 with the pattern's Allow). */

#include <stdbool.h>
#include <stddef.h>

#include "cb_apikey.h"

typedef enum {
    EDGE_R_PRICE = 0,
    EDGE_R_OHLC,
    EDGE_R_BOOK,
    EDGE_R_TRADES,
    EDGE_R_COMPARE,
    EDGE_R_BEST,
    EDGE_R_SYMBOLS,
    EDGE_R_VENUES,
    EDGE_R_ANALYZE,
    EDGE_R_ACC_BALANCES,
    EDGE_R_ACC_TRADE_BALANCE,
    EDGE_R_ACC_ORDERS,
    EDGE_R_ACC_TRADES,
    EDGE_R_ACC_WS_TOKEN,
    EDGE_R_ACC_CHECK,
    EDGE_R_ORD_PLACE,
    EDGE_R_ORD_LIST,
    EDGE_R_ORD_CANCEL_ALL,
    EDGE_R_ORD_CANCEL_AFTER,
    EDGE_R_ORD_GET,
    EDGE_R_ORD_CANCEL,
    EDGE_R_ORD_AMEND,
    EDGE_R_HEALTH,
    EDGE_R_METRICS,
    EDGE_R_OPENAPI,
    EDGE_R_DOCS,
    EDGE_R_DASHBOARD,
    EDGE_R_STATIC,
    EDGE_R_WS,
    EDGE_R_COUNT
} edge_route_id_t;

/* How a route's path matches. */
typedef enum {
    EDGE_MATCH_EXACT = 0,
    EDGE_MATCH_PREFIX, /* path is a prefix ("/static/"), something must follow */
    EDGE_MATCH_PARAM,  /* path ends in "{name}": one non-empty segment without '/' */
} edge_match_t;

/* The longest Allow value: every method of one pattern, HEAD and OPTIONS. */
#define EDGE_ALLOW_MAX 64

typedef struct {
    edge_route_id_t id;
    const char *method;  /* GET, POST, PATCH or DELETE (GET routes also answer HEAD) */
    const char *path;    /* as match says; OpenAPI's spelling ("/api/orders/{id}") */
    edge_match_t match;
    bool limited;        /* counted by the per-client rate limit */
    bool in_openapi;     /* described by /openapi.json */
    cb_apikey_scope_t scope; /* NONE: public; READ / TRADE: an API key of that scope (trade includes read) */
} edge_route_t;

/* The first route whose path pattern matches len bytes of path, or NULL. */
const edge_route_t *
edge_routes_find(const char *path, size_t len);

/* The route for a request: the route of path's pattern (edge_routes_find)
 * that takes method (mlen bytes), with *method_ok true; else that pattern's
 * first route with *method_ok false (a 405); NULL when no pattern matches. */
const edge_route_t *
edge_routes_match(const char *method, size_t mlen, const char *path, size_t len, bool *method_ok);

/* The path parameter of a PARAM route r in path (len bytes, which r's
 * pattern matched): a view into path, *plen bytes; NULL for other routes. */
const char *
edge_routes_param(const edge_route_t *r, const char *path, size_t len, size_t *plen);

/* True when method (len bytes) is what route r takes (HEAD for GET). */
bool
edge_routes_method_ok(const edge_route_t *r, const char *method, size_t len);

/* The Allow header value of r's path pattern: every method its routes take,
 * HEAD after GET, then OPTIONS ("GET, HEAD, POST, DELETE, OPTIONS"), into out
 * (EDGE_ALLOW_MAX bytes). Returns out. */
const char *
edge_routes_allow(const edge_route_t *r, char out[EDGE_ALLOW_MAX]);

/* The route with id (0 .. EDGE_R_COUNT-1). */
const edge_route_t *
edge_routes_get(edge_route_id_t id);

/* Calls fn for every route in table order. */
void
edge_routes_each(void (*fn)(void *ctx, const edge_route_t *route), void *ctx);

#endif
