/* sim_kraken_session.h - Kraken's private account-session methods: CancelAllOrdersAfter (the dead man's switch) and GetWebSocketsToken */
#ifndef SIM_KRAKEN_SESSION_H_INCLUDED
#define SIM_KRAKEN_SESSION_H_INCLUDED

#include "cb_httpd.h"
#include "sim_accounts.h"
#include "sim_kraken_params.h"

/* CancelAllOrdersAfter: timeout=N (0..86400 s) arms the account's dead
 * man's switch N seconds from now, 0 disarms it; the answer has
 * currentTime and triggerTime ("0" when disarmed). */
void
sim_kraken_session_cancel_after(sim_account_t *a, sim_kraken_params_t *p, cb_httpd_res_t *res);

/* GetWebSocketsToken: a token for the account's private WebSocket, 900 s. */
void
sim_kraken_session_ws_token(const sim_account_t *a, cb_httpd_res_t *res);

#endif
