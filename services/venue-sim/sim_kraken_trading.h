/* sim_kraken_trading.h - Kraken's private trading methods: AddOrder, EditOrder, AmendOrder, CancelOrder, CancelOrderBatch, CancelAll, and (through sim_kraken_session.h) CancelAllOrdersAfter, GetWebSocketsToken */
#ifndef SIM_KRAKEN_TRADING_H_INCLUDED
#define SIM_KRAKEN_TRADING_H_INCLUDED

#include "cb_httpd.h"
#include "sim.h"
#include "sim_exchange.h"
#include "sim_kraken_params.h"

/* Answers an authenticated trading method (its name in method) for
 * account into res, in Kraken's envelope. */
void
sim_kraken_trading(sim_t *sim, sim_account_t *account, const char *method, sim_kraken_params_t *p, cb_httpd_res_t *res);

#endif
