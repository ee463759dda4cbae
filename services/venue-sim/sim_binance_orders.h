/* sim_binance_orders.h - Binance order entry on the simulated exchange: POST order and order/test, DELETE order and openOrders */
#ifndef SIM_BINANCE_ORDERS_H_INCLUDED
#define SIM_BINANCE_ORDERS_H_INCLUDED

#include <stdbool.h>

#include "sim_binance_format.h"

/* POST /api/v3/order (test false) or /api/v3/order/test (test true) for an
 * authenticated request: parameters as Binance checks them (-11xx), then
 * filters (-1013), then the matching engine (-2010). A placed order answers
 * ACK, RESULT or FULL with X-MBX-ORDER-COUNT-10S/-1D and costs weight 0; a
 * test answers {} or, with computeCommissionRates=true, the rates. */
void
sim_bn_order_new(sim_bn_t *c, bool test);

/* Reads a new order's parameters and checks the filters (as POST order
 * does before anything else) into req, and newOrderRespType into resp;
 * false with the error written. */
bool
sim_bn_order_read(sim_bn_t *c, sim_order_req_t *req, int *resp);

/* Places req as POST order does after its filters (duplicate client id,
 * immediate trigger, order count, the engine), with the order-count
 * headers; the order, or NULL with the error written. */
const sim_xorder_t *
sim_bn_order_submit(sim_bn_t *c, const sim_order_req_t *req);

/* DELETE /api/v3/order: cancels by orderId and/or origClientOrderId;
 * -2011 "Unknown order sent." when no such open order. */
void
sim_bn_order_cancel(sim_bn_t *c);

/* DELETE /api/v3/openOrders: cancels every open order on symbol and
 * answers their cancel reports; -2011 when there are none. */
void
sim_bn_open_orders_cancel(sim_bn_t *c);

#endif
