/* edge_account.h - api-edge's /api/account routes: the query checked, then one call to the account service */
#ifndef EDGE_ACCOUNT_H_INCLUDED
#define EDGE_ACCOUNT_H_INCLUDED

/* The account RPC contract (README "account"): balances, trade_balance,
 * open_orders / closed_orders, trades, ws_token, check. Pure request ->
 * plan logic like edge_api; the RPC's result is rendered by
 * edge_reply_render (its *_ms times become ISO 8601 under the name without
 * _ms). Only reached once the request's API key was accepted. */

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "edge_api.h"
#include "edge_query.h"
#include "edge_routes.h"

/* Plans account route id for query q: a 400 answer in out (plan->status
 * 400), or the account RPC to make (status 0). No memory: 500. */
void
edge_account_plan(edge_route_id_t id, const edge_query_t *q, edge_plan_t *plan, cb_buf_t *out);

/* Parses an HTTP time parameter: ISO 8601 UTC (RFC 3339) or Unix
 * milliseconds (digits only). 0 with *ms, or CB_E_BAD_REQUEST. */
int
edge_account_time(const char *text, int64_t *ms);

#endif
