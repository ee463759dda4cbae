/* sim_kraken_public.h - Kraken's public REST methods (/0/public/...): time, status, assets, pairs, market data */
#ifndef SIM_KRAKEN_PUBLIC_H_INCLUDED
#define SIM_KRAKEN_PUBLIC_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_httpd.h"
#include "sim.h"

/* Answers public method name (len bytes, e.g. "Ticker") into res, with its
 * parameters from the query string, a form body or a JSON object body (GET
 * or POST alike); false when there is no such method (nothing written). */
bool
sim_kraken_public_handle(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req, cb_httpd_res_t *res);

#endif
