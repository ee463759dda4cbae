/* sim_binance_replace.h - Binance POST /api/v3/order/cancelReplace on the simulated exchange */
#ifndef SIM_BINANCE_REPLACE_H_INCLUDED
#define SIM_BINANCE_REPLACE_H_INCLUDED

#include "sim_binance_format.h"

/* POST /api/v3/order/cancelReplace: the new order's parameters and filters
 * are checked first (plain errors, nothing cancelled); then the order named
 * by cancelOrderId / cancelOrigClientOrderId is cancelled and the new one
 * placed. Answers {"cancelResult","newOrderResult","cancelResponse",
 * "newOrderResponse"}; a failed cancel 400 -2022 "Order cancel-replace
 * failed." (STOP_ON_FAILURE: new order NOT_ATTEMPTED); a cancel that worked
 * with a refused new order 409 -2021 "Order cancel-replace partially
 * failed.", the reasons nested under "data". */
void
sim_bn_order_cancel_replace(sim_bn_t *c);

#endif
