/* acct_app.h - the account service's state and its `account` RPC handler */
#ifndef ACCT_APP_H_INCLUDED
#define ACCT_APP_H_INCLUDED

#include <stddef.h>

#include "acct_value.h"
#include "acct_venue.h"
#include "cb_rpc.h"

/* Everything the handler uses; main.c builds it. The app owns venues'
 * clients and credentials (acct_app_fini), borrows redis. */
typedef struct {
    acct_venue_t venues[CB_VENUES_MAX];
    size_t nvenues;
    cb_redis_t *redis;        /* balance cache (may be NULL: no cache) */
    int cache_ttl_ms;
    acct_prices_t prices;
    uint64_t venue_balance_calls; /* balances asked of a venue (not the cache) */
} acct_app_t;

/* The `account` ops (proto/README "account"): balances, trade_balance,
 * open_orders, closed_orders, trades, ws_token, check. A cb_rpc_handler_fn. */
int
acct_app_handle(void *ctx, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                size_t msg_size);

/* The venue named name, or NULL. */
acct_venue_t *
acct_app_venue(acct_app_t *app, const char *name);

/* Destroys every venue's client, credential; NULL-safe members. */
void
acct_app_fini(acct_app_t *app);

/* The `check` op's work for one venue: packs its result map. */
void
acct_check_pack(acct_venue_t *v, msgpack_packer *pk);

#endif
