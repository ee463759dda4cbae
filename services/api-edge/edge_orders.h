/* edge_orders.h - api-edge's /api/orders routes: JSON bodies and queries checked, then one call to the orders service */
#ifndef EDGE_ORDERS_H_INCLUDED
#define EDGE_ORDERS_H_INCLUDED

/* The orders RPC contract (proto/README.md "The orders service"): place,
 * get, list, cancel, amend, cancel_all, cancel_after. Pure request -> plan
 * logic like edge_api: the shape of each field is checked here (types,
 * choices, exact decimals > 0, names), the venue's own rules (lot and tick
 * sizes, minimums, IOC/FOK/post-only) by the order-router, whose
 * bad_request is a 400 too. Only reached once the request's API key was
 * accepted for the route's scope. */

#include <stddef.h>

#include "cb_buf.h"
#include "edge_api.h"
#include "edge_query.h"
#include "edge_routes.h"

#define EDGE_ORDERS_ERR_MAX 200

/* A JSON body of route id (EDGE_R_ORD_PLACE: {symbol, side, type, amount,
 * price?, stop_price?, time_in_force?, post_only?, venue?, client_order_id?,
 * validate?}; EDGE_R_ORD_AMEND: {price?, amount?}, at least one;
 * EDGE_R_ORD_CANCEL_AFTER: {venue, seconds}) into args: the RPC's msgpack
 * map (replaced). Decimals may be JSON strings or numbers and stay exact;
 * null is an absent field; unknown or repeated fields are refused. 0,
 * CB_E_BAD_REQUEST with err naming the field and the rule, or CB_E_NOMEM. */
int
edge_orders_body(edge_route_id_t id, const char *body, size_t len, cb_buf_t *args, char *err,
                 size_t errsize);

/* Plans /api/orders route id for q and req (body, path parameter): a 400
 * answer in out (plan->status 400), or the orders RPC to make (status 0).
 * No memory: 500. */
void
edge_orders_plan(edge_route_id_t id, const edge_query_t *q, const edge_api_req_t *req, edge_plan_t *plan,
                 cb_buf_t *out);

/* The status of a successful place (plan->created): 200 when the result
 * (msgpack, len bytes) has "existing": true (the client order id was known:
 * nothing was sent) or "validated": true (nothing was placed), else 201. */
int
edge_orders_status(const void *result, size_t len);

#endif
