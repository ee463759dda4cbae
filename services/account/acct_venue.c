/* acct_venue.c - one venue's private calls for the account service: sign, send through the limiter and breaker, parse, classify */
#include "acct_venue.h"
#include "acct_page.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_binance.h"
#include "cb_error.h"
#include "cb_kraken.h"
#include "cb_time.h"

#define S_BINANCE_RECV_WINDOW_MS 5000
/* Kept of the caller's deadline for the venue call itself. */
#define S_DEADLINE_MARGIN_MS 500

/* The client-facing failure of a venue error: its class's code (a Kraken
 * "Permission denied" is a missing permission: forbidden), the venue's own
 * text kept. */
static int
s_fail_venue(const acct_venue_t *v, const cb_venue_error_t *err, int rc, acct_fail_t *fail)
{
    fail->code = err->cls != CB_VERR_NONE ? cb_verr_code(err->cls) : rc;
    if (strstr(err->message, "Permission denied") != NULL) {
        fail->code = CB_E_FORBIDDEN;
    }
    if (fail->code == 0) {
        fail->code = CB_E_INTERNAL;
    }
    snprintf(fail->message, sizeof fail->message, "%s: %s", v->cfg.name,
             err->message[0] != '\0' ? err->message : cb_strerror(fail->code));
    return fail->code;
}

static int
s_fail(acct_fail_t *fail, int code, const char *venue, const char *text)
{
    fail->code = code;
    snprintf(fail->message, sizeof fail->message, "%s: %s", venue, text);
    return code;
}

/* Never wait for the rate budget past the caller's deadline (less a margin
 * for the call itself): past it, answer rate_limited with the wait as
 * retry-after, not a timeout the caller cannot act on. */
static void
s_cap_wait(acct_venue_t *v)
{
    int64_t wait = v->max_wait_ms;
    if (v->deadline_ms > 0) {
        int64_t left = v->deadline_ms - cb_time_now_ms() - S_DEADLINE_MARGIN_MS;
        wait = left < wait ? left : wait;
    }
    cb_venue_client_set_max_wait(v->vc, wait);
}

int
acct_venue_ready(acct_venue_t *v, acct_fail_t *fail)
{
    if (v->cred == NULL) {
        return s_fail(fail, CB_E_UNAUTHORIZED, v->cfg.name, v->cred_error);
    }
    if (v->instruments_ok) {
        return 0;
    }
    cb_venue_error_t err;
    s_cap_wait(v);
    int rc = cb_venue_client_load_instruments(v->vc, &err);
    if (rc != 0) {
        return s_fail_venue(v, &err, rc, fail);
    }
    v->instruments_ok = true;
    /* Binance pages per symbol: the configured ones, else every listed one. */
    const cb_instruments_t *ins = cb_venue_client_instruments(v->vc);
    for (size_t i = 0; v->nsymbols == 0 && i < ins->count && i < CB_ACCT_CURSOR_SYMBOLS; i++) {
        snprintf(v->symbols[i], sizeof v->symbols[i], "%s", ins->items[i].native);
        if (i + 1 == ins->count || i + 1 == CB_ACCT_CURSOR_SYMBOLS) {
            v->nsymbols = i + 1;
        }
    }
    return 0;
}

/* One signed call: Kraken POST /0/private/<what> with form; Binance GET
 * <what> with params (param: the weight-setting parameter). 0 with *res
 * holding the answer (cb_http_result_fini), or the failure. */
int
acct_venue_call(acct_venue_t *v, const char *what, const char *params, int64_t param, cb_http_result_t *res,
       acct_fail_t *fail)
{
    cb_venue_pass_t pass;
    cb_venue_error_t err;
    cb_venue_req_t req;
    memset(&req, 0, sizeof req);
    cb_buf_init(&req.body);
    s_cap_wait(v);
    int rc = cb_venue_client_private_admit(v->vc, what, param, v->cred->fingerprint, &pass, &err);
    if (rc != 0) {
        return s_fail_venue(v, &err, rc, fail);
    }
    if (v->cfg.dialect == CB_DIALECT_KRAKEN) {
        uint64_t nonce = 0;
        rc = v->nonce_ok ? cb_nonce_next(&v->nonce, &nonce) : CB_E_UNAVAILABLE;
        if (rc != 0) {
            cb_venue_req_fini(&req);
            return s_fail(fail, CB_E_UNAVAILABLE, v->cfg.name,
                          "no nonce: Redis cannot be asked for the key's next nonce");
        }
        rc = cb_kraken_private_req(&v->cfg, what, params, nonce, v->cred->api_key,
                                   v->cred->hmac_key, v->cred->hmac_key_len, false, &req);
    } else {
        rc = cb_binance_signed_req(&v->cfg, "GET", what, params, cb_time_now_ms(),
                                   S_BINANCE_RECV_WINDOW_MS, v->cred->api_key, v->cred->hmac_key,
                                   v->cred->hmac_key_len, false, &req);
    }
    if (rc != 0) {
        cb_venue_req_fini(&req);
        return s_fail(fail, CB_E_INTERNAL, v->cfg.name, "request could not be built");
    }
    rc = cb_venue_client_private_send(v->vc, &req, &pass, res, &err);
    cb_venue_req_fini(&req);
    return rc != 0 ? s_fail_venue(v, &err, rc, fail) : 0;
}

int
acct_venue_balances(acct_venue_t *v, cb_acct_vec_t *out, bool *can_trade, acct_fail_t *fail)
{
    int rc = acct_venue_ready(v, fail);
    bool kraken = v->cfg.dialect == CB_DIALECT_KRAKEN;
    cb_http_result_t res;
    if (rc == 0) {
        rc = acct_venue_call(v, kraken ? "BalanceEx" : "/api/v3/account", "", 0, &res, fail);
    }
    if (rc != 0) {
        return rc;
    }
    cb_venue_error_t err;
    const cb_http_resp_t *r = &res.resp;
    rc = kraken ? cb_kraken_acct_balances(r->body, r->body_len, (int) r->status, out, &err)
                : cb_binance_acct_balances(r->body, r->body_len, (int) r->status, out, can_trade,
                                         &err);
    cb_http_result_fini(&res);
    return rc != 0 ? s_fail_venue(v, &err, rc, fail) : 0;
}

int
acct_venue_trade_balance(acct_venue_t *v, cb_acct_trade_balance_t *out, acct_fail_t *fail)
{
    if (v->cfg.dialect != CB_DIALECT_KRAKEN) {
        return s_fail(fail, CB_E_BAD_REQUEST, v->cfg.name,
                      "trade_balance is a Kraken call; this venue does not have it");
    }
    cb_http_result_t res;
    int rc = acct_venue_ready(v, fail);
    if (rc == 0) {
        rc = acct_venue_call(v, "TradeBalance", "asset=ZUSD", 0, &res, fail);
    }
    if (rc != 0) {
        return rc;
    }
    cb_venue_error_t err;
    rc = cb_kraken_acct_trade_balance(res.resp.body, res.resp.body_len, (int) res.resp.status, out,
                                      &err);
    snprintf(out->asset, sizeof out->asset, "USD");
    cb_http_result_fini(&res);
    return rc != 0 ? s_fail_venue(v, &err, rc, fail) : 0;
}

/* Parses one orders or trades reply of the venue's dialect. */
static int
s_parse_list(acct_venue_t *v, char kind, const cb_http_result_t *res, cb_acct_vec_t *out,
             int64_t *count, cb_venue_error_t *err)
{
    const cb_instruments_t *ins = cb_venue_client_instruments(v->vc);
    const cb_http_resp_t *r = &res->resp;
    int st = (int) r->status;
    if (v->cfg.dialect == CB_DIALECT_KRAKEN) {
        return kind == 't' ? cb_kraken_acct_trades(r->body, r->body_len, st, ins, out, count, err)
                           : cb_kraken_acct_orders(r->body, r->body_len, st, ins, out, count, err);
    }
    return kind == 't' ? cb_binance_acct_trades(r->body, r->body_len, st, ins, out, err)
                       : cb_binance_acct_orders(r->body, r->body_len, st, ins, out, err);
}

/* One call and its parse. */
static int
s_list(acct_venue_t *v, char kind, const char *what, const char *params, int64_t param,
       cb_acct_vec_t *out, int64_t *count, acct_fail_t *fail)
{
    cb_http_result_t res;
    int rc = acct_venue_call(v, what, params, param, &res, fail);
    if (rc != 0) {
        return rc;
    }
    cb_venue_error_t err;
    rc = s_parse_list(v, kind, &res, out, count, &err);
    cb_http_result_fini(&res);
    return rc != 0 ? s_fail_venue(v, &err, rc, fail) : 0;
}

int
acct_venue_open_orders(acct_venue_t *v, cb_acct_vec_t *out, acct_fail_t *fail)
{
    int rc = acct_venue_ready(v, fail);
    int64_t count = 0;
    if (rc == 0) {
        rc = v->cfg.dialect == CB_DIALECT_KRAKEN
                 ? s_list(v, 'o', "OpenOrders", "", 0, out, &count, fail)
                 : s_list(v, 'o', "/api/v3/openOrders", "", 0, out, &count, fail);
    }
    if (rc == 0 && out->count > 1) {
        qsort(out->items, out->count, sizeof(cb_acct_order_t), cb_acct_order_newest_first);
    }
    return rc;
}

int
acct_venue_ws_token(acct_venue_t *v, char *token, size_t size, int64_t *expires_s,
                    acct_fail_t *fail)
{
    if (v->cfg.dialect != CB_DIALECT_KRAKEN) {
        return s_fail(fail, CB_E_BAD_REQUEST, v->cfg.name,
                      "ws_token is a Kraken call; this venue does not have it");
    }
    cb_http_result_t res;
    int rc = acct_venue_ready(v, fail);
    if (rc == 0) {
        rc = acct_venue_call(v, "GetWebSocketsToken", "", 0, &res, fail);
    }
    if (rc != 0) {
        return rc;
    }
    cb_venue_error_t err;
    rc = cb_kraken_acct_ws_token(res.resp.body, res.resp.body_len, (int) res.resp.status, token,
                                 size, expires_s, &err);
    cb_http_result_fini(&res);
    return rc != 0 ? s_fail_venue(v, &err, rc, fail) : 0;
}

/* ---- paging ---------------------------------------------------------------------- */

int
acct_venue_page(acct_venue_t *v, char kind, int64_t start_ms, int64_t end_ms, unsigned limit,
                const char *cursor, cb_acct_vec_t *out, char *next, size_t next_size,
                acct_fail_t *fail)
{
    int rc = acct_venue_ready(v, fail);
    if (rc != 0) {
        return rc;
    }
    acct_page_t pg = {v, kind, start_ms, end_ms, limit, out, fail};
    cb_acct_cursor_t cur;
    memset(&cur, 0, sizeof cur);
    cur.kind = kind;
    if (cursor != NULL && cursor[0] != '\0' &&
        cb_acct_cursor_decode(cursor, strlen(cursor), kind, &cur) != 0) {
        return s_fail(fail, CB_E_BAD_REQUEST, v->cfg.name, "cursor is not one this op returned");
    }
    bool more = false;
    rc = v->cfg.dialect == CB_DIALECT_KRAKEN ? acct_page_kraken(&pg, &cur, cursor != NULL && *cursor != '\0', &more)
                                             : acct_page_binance(&pg, &cur, cursor != NULL && *cursor != '\0', &more);
    next[0] = '\0';
    if (rc == 0 && more && cb_acct_cursor_encode(&cur, next, next_size) != 0) {
        return s_fail(fail, CB_E_INTERNAL, v->cfg.name, "cursor does not fit");
    }
    return rc;
}

int
acct_venue_list(acct_venue_t *v, char kind, const char *what, const char *params, int64_t param,
                cb_acct_vec_t *out, int64_t *count, acct_fail_t *fail)
{
    return s_list(v, kind, what, params, param, out, count, fail);
}
