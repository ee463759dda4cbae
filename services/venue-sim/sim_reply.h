/* sim_reply.h - small helpers every venue-sim handler shares: path pieces and each venue's error envelope */
#ifndef SIM_REPLY_H_INCLUDED
#define SIM_REPLY_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_httpd.h"

/* True when the len bytes at name are exactly want. */
bool
sim_reply_name_is(const char *name, size_t len, const char *want);

/* True when the request path starts with prefix. */
bool
sim_reply_path_has_prefix(const cb_httpd_req_t *req, const char *prefix);

/* Kraken's envelope with one error: {"error":["EQuery:Unknown asset pair"]}
 * (status stays as it is: Kraken answers errors with 200). */
void
sim_reply_kraken_error(cb_httpd_res_t *res, const char *error);

/* Binance's error body {"code":-1121,"msg":"Invalid symbol."} with status. */
void
sim_reply_binance_error(cb_httpd_res_t *res, int status, int code, const char *msg);

#endif
