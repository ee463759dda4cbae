/* acct_venue.h - one venue's account as the account service reads it: credentials, signed requests, replies in the account shape */
#ifndef ACCT_VENUE_H_INCLUDED
#define ACCT_VENUE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "cb_account.h"
#include "cb_creds.h"
#include "cb_nonce.h"
#include "cb_venue_client.h"

/* One venue. Owns vc, cred and nonce; borrows what vc borrows. */
typedef struct {
    cb_venue_cfg_t cfg;
    cb_venue_client_t *vc;
    cb_cred_t *cred;          /* NULL: no credential (cred_error says why) */
    char cred_error[448];
    cb_nonce_t nonce;         /* Kraken only, when cred */
    bool nonce_ok;
    bool instruments_ok;
    char symbols[CB_ACCT_CURSOR_SYMBOLS][CB_NATIVE_MAX]; /* Binance: symbols paged */
    size_t nsymbols;
    int64_t max_wait_ms;      /* the longest rate-limit wait (config) */
    int64_t deadline_ms;      /* the request's (Unix ms; 0: none) */
} acct_venue_t;

/* A failure: the CB_E_* code, and the message for the client. */
typedef struct {
    int code;
    char message[600];
} acct_fail_t;

/* Loads the venue's instruments if not done yet (blocking). 0 or fail. */
int
acct_venue_ready(acct_venue_t *v, acct_fail_t *fail);

/* The venue's balances (cb_acct_balance_t); Binance also sets *can_trade
 * (may be NULL). */
int
acct_venue_balances(acct_venue_t *v, cb_acct_vec_t *out, bool *can_trade, acct_fail_t *fail);

/* Kraken TradeBalance in USD. */
int
acct_venue_trade_balance(acct_venue_t *v, cb_acct_trade_balance_t *out, acct_fail_t *fail);

/* Open orders (cb_acct_order_t), newest first. */
int
acct_venue_open_orders(acct_venue_t *v, cb_acct_vec_t *out, acct_fail_t *fail);

/* One page of closed orders (kind 'o') or trades (kind 't'), newest first:
 * at most limit items with start_ms <= time <= end_ms (0: unbounded), after
 * cursor (NULL: the first page). next gets the cursor of the next page, ""
 * on the last. */
int
acct_venue_page(acct_venue_t *v, char kind, int64_t start_ms, int64_t end_ms, unsigned limit,
                const char *cursor, cb_acct_vec_t *out, char *next, size_t next_size,
                acct_fail_t *fail);

/* Kraken GetWebSocketsToken. */
int
acct_venue_ws_token(acct_venue_t *v, char *token, size_t size, int64_t *expires_s,
                    acct_fail_t *fail);

#endif
