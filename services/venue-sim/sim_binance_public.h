/* sim_binance_public.h - Binance's public REST endpoints (/api/v3/...): ping, time, exchangeInfo, market data */
#ifndef SIM_BINANCE_PUBLIC_H_INCLUDED
#define SIM_BINANCE_PUBLIC_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_httpd.h"
#include "sim.h"

/* Answers endpoint name (len bytes after /api/v3/, e.g. "ticker/24hr")
 * into res and sets *weight to its documented request weight; false when
 * there is no such public endpoint (nothing written). */
bool
sim_binance_public_handle(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req, cb_httpd_res_t *res,
                          int *weight);

#endif
