/* sim_binance_queries.h - Binance's USER_DATA reads on the simulated exchange: GET order, openOrders, allOrders, myTrades, account, rateLimit/order */
#ifndef SIM_BINANCE_QUERIES_H_INCLUDED
#define SIM_BINANCE_QUERIES_H_INCLUDED

#include "sim_binance_format.h"

/* GET /api/v3/order: one order by orderId or origClientOrderId; -2013
 * "Order does not exist." when the account has no such order on symbol. */
void
sim_bn_order_get(sim_bn_t *c);

/* GET /api/v3/openOrders: open orders, on symbol or (no symbol) all, oldest
 * first. */
void
sim_bn_open_orders(sim_bn_t *c);

/* GET /api/v3/allOrders: orders on symbol of any status; orderId (from that
 * id on), startTime / endTime (at most 24 h apart), limit (500, at most
 * 1000); the most recent ones when neither orderId nor startTime is sent. */
void
sim_bn_all_orders(sim_bn_t *c);

/* GET /api/v3/myTrades: the account's trades on symbol, with the supported
 * combinations of orderId, startTime, endTime, fromId (-1128 otherwise) and
 * limit; id is the market trade id. */
void
sim_bn_my_trades(sim_bn_t *c);

/* GET /api/v3/account: commissions, permissions and balances (free and
 * locked; omitZeroBalances=true leaves out empty assets). */
void
sim_bn_account(sim_bn_t *c);

/* GET /api/v3/rateLimit/order: the account's order counts per ORDERS limit. */
void
sim_bn_rate_limit_order(sim_bn_t *c);

#endif
