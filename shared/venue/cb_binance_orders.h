/* cb_binance_orders.h - Binance spot order requests (order, order/test, order/cancelReplace, openOrders, GET order by origClientOrderId) and their replies */
#ifndef CB_BINANCE_ORDERS_H_INCLUDED
#define CB_BINANCE_ORDERS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_order.h"

/* The builders fill call (sign it with cb_binance_signed_req(v,
 * call->method, call->path, call->params, ts, recv_window, ...,
 * call->changes_state, &req)). Each returns 0, CB_E_BAD_REQUEST or
 * CB_E_TOO_BIG. Binance has no dead-man's switch over REST: the router
 * keeps that timer. */

/* POST /api/v3/order, or /api/v3/order/test when o->validate: symbol, side,
 * type (MARKET, LIMIT, LIMIT_MAKER for post-only, STOP_LOSS[_LIMIT],
 * TAKE_PROFIT[_LIMIT]), timeInForce (limit types only: MARKET and
 * LIMIT_MAKER refuse it), quantity, price, stopPrice, newClientOrderId,
 * newOrderRespType=FULL (status and fills for every type). */
int
cb_binance_order_place(const cb_order_req_t *o, cb_order_call_t *call);

/* DELETE /api/v3/order: symbol and orderId, or origClientOrderId when
 * ref->id is "". */
int
cb_binance_order_cancel(const cb_order_ref_t *ref, cb_order_call_t *call);

/* POST /api/v3/order/cancelReplace, cancelReplaceMode=STOP_ON_FAILURE:
 * cancels a->ref (cancelOrderId or cancelOrigClientOrderId) and places
 * a->replacement (which must be given, on the same symbol). */
int
cb_binance_order_amend(const cb_order_amend_t *a, cb_order_call_t *call);

/* DELETE /api/v3/openOrders for one symbol: Binance requires it (a NULL
 * ins is CB_E_BAD_REQUEST: cancel per symbol). */
int
cb_binance_order_cancel_all(const cb_instrument_t *ins, cb_order_call_t *call);

/* GET /api/v3/order by symbol and origClientOrderId: resolves an UNKNOWN order. */
int
cb_binance_order_query(const cb_instrument_t *ins, const char *client_order_id,
                       cb_order_call_t *call);

/* The parsers read a reply of any HTTP status. An error reply fills err
 * (cb_binance_ops.classify's classes: -2010 refusals REJECTED or
 * INSUFFICIENT_FUNDS, -2011 / -2013 NOT_FOUND; a 5xx, -1000 / -1006 / -1007,
 * or a cut or undocumented reply to a call that changes state is
 * UNKNOWN_OUTCOME, never a refusal) and returns cb_verr_code(err->cls).
 * list maps symbols to unified ones (may be NULL: symbol left ""). */

/* The order object of a place (ACK, RESULT or FULL), cancel or query reply:
 * ids, status, amounts, cost, average price, fees (summed over fills when
 * they share one asset), times. An order/test reply ({}) gives validated.
 * changes_state: whether the call was one (a lost reply is then UNKNOWN_OUTCOME). */
int
cb_binance_order_parse(const cb_instruments_t *list, bool changes_state, int http_status,
                       const char *body, size_t len, cb_vorder_t *out, cb_venue_error_t *err);

/* cancelReplace's reply: out is the new order, out->replaced_id the one
 * cancelled. A failed cancel (-2022 with the cancel's -2011) is NOT_FOUND;
 * a 409 partial failure (old order cancelled, new one refused) is REJECTED
 * with "cancelled" in err's message. */
int
cb_binance_order_parse_amend(const cb_instruments_t *list, int http_status, const char *body,
                             size_t len, cb_vorder_t *out, cb_venue_error_t *err);

/* DELETE openOrders' reply (an array of cancel reports): their number. */
int
cb_binance_order_parse_cancel_all(int http_status, const char *body, size_t len,
                                  cb_order_batch_t *out, cb_venue_error_t *err);

/* GET order's reply: found with the order, or found false for the venue's
 * -2013 "Order does not exist." (the only answer that means no such order;
 * -2026 ORDER_ARCHIVED, an order that existed, stays an error). */
int
cb_binance_order_parse_query(const cb_instruments_t *list, int http_status, const char *body,
                             size_t len, cb_order_query_t *out, cb_venue_error_t *err);

#endif
