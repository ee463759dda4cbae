/* sim_router.h - venue-sim's request dispatch: /kraken/0/public/..., /binance/api/v3/..., answered in each venue's dialect */
#ifndef SIM_ROUTER_H_INCLUDED
#define SIM_ROUTER_H_INCLUDED

#include "cb_httpd.h"

/* The handler for cb_httpd_new; ctx is the sim_t (borrowed). */
void
sim_router_handle(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res);

#endif
