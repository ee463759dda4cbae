/* sim_kraken_private.h - Kraken's private REST methods (/0/private/...): API-Key/API-Sign auth, nonces, balances, orders, trades */
#ifndef SIM_KRAKEN_PRIVATE_H_INCLUDED
#define SIM_KRAKEN_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_httpd.h"
#include "sim.h"

/* Answers private method name (len bytes, e.g. "AddOrder") into res,
 * after checking the key, the signature over /0/private/<name> and the
 * nonce; false when there is no such method (nothing written). Needs
 * sim->exchange (EService:Unavailable without it). */
bool
sim_kraken_private_handle(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req, cb_httpd_res_t *res);

#endif
