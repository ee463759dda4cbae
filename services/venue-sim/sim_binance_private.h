/* sim_binance_private.h - Binance's SIGNED REST endpoints (/api/v3/order, openOrders, allOrders, myTrades, account, ...) on the simulated exchange */
#ifndef SIM_BINANCE_PRIVATE_H_INCLUDED
#define SIM_BINANCE_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_httpd.h"
#include "sim.h"

/* True when name (len bytes after /api/v3/, e.g. "openOrders") with the
 * request's method is a signed endpoint; *weight is then its documented
 * request weight for this request (openOrders without symbol 80, myTrades
 * with orderId 5, order/test with computeCommissionRates 20, ...), known
 * before it runs so that it can be charged first. */
bool
sim_binance_private_weight(const char *name, size_t len, const cb_httpd_req_t *req, int *weight);

/* Answers a signed endpoint into res: X-MBX-APIKEY (-2014 / -2015, 401),
 * signature over the exact bytes received (-1102 / -1022), timestamp and
 * recvWindow (-1021), parameters (-1101 duplicates, -1104 unknown ones),
 * then the endpoint. *weight comes in as the weight charged and leaves as
 * what the request finally costs (0 for a successful order placement or
 * cancel, as on Binance since 2026-04-02), for the caller to refund the
 * difference. False when name / method is no signed endpoint (nothing
 * written). Needs sim->exchange (else 503 -1001). */
bool
sim_binance_private_handle(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req,
                           cb_httpd_res_t *res, int *weight);

#endif
