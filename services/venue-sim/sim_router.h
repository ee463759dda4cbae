/* sim_router.h - venue-sim's request dispatch: /kraken/0/public/..., /binance/api/v3/..., answered in each venue's dialect */
#ifndef SIM_ROUTER_H_INCLUDED
#define SIM_ROUTER_H_INCLUDED

#include "sim_http.h"

/* The handler for sim_http_new; ctx is the sim_t (borrowed). */
void
sim_router_handle(void *ctx, const sim_req_t *req, sim_res_t *res);

#endif
