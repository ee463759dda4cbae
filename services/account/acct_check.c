/* acct_check.c - the `check` op: is the venue reachable, is the key accepted, which permissions does it lack */
#include <stdio.h>
#include <string.h>

#include "acct_app.h"
#include "acct_page.h"
#include "cb_error.h"
#include "cb_kraken.h"

enum { S_FUNDS, S_ORDERS, S_TRADES, S_TRADE, S_NPERMS };

static const char *const s_perm_names[S_NPERMS] = {"query_funds", "query_orders", "query_trades",
                                                   "trade"};

typedef struct {
    bool reachable;
    bool authenticated;
    bool perm[S_NPERMS];
    char message[640];
} s_check_t;

/* Records one probe's outcome for permission k. */
static void
s_probe(s_check_t *c, int k, int rc, const acct_fail_t *fail)
{
    if (rc == 0) {
        c->authenticated = true;
        c->perm[k] = true;
        return;
    }
    if (rc == CB_E_FORBIDDEN) {
        c->authenticated = true; /* the key is known; it lacks this permission */
    }
    if (c->message[0] == '\0') {
        snprintf(c->message, sizeof c->message, "%s", fail->message);
    }
}

/* Kraken's trade permission: AddOrder with validate=true (nothing is placed).
 * Any answer but an auth refusal means the key may trade. */
static int
s_kraken_trade(acct_venue_t *v, acct_fail_t *fail)
{
    const cb_instruments_t *ins = cb_venue_client_instruments(v->vc);
    if (ins->count == 0) {
        snprintf(fail->message, sizeof fail->message, "%s: no instruments", v->cfg.name);
        return CB_E_UNAVAILABLE;
    }
    const cb_instrument_t *in = &ins->items[0];
    char vol[CB_DECIMAL_STR_MAX], price[CB_DECIMAL_STR_MAX], form[256];
    cb_decimal_format(cb_decimal_is_zero(in->min_qty) ? in->lot_size : in->min_qty, vol,
                      sizeof vol);
    cb_decimal_format(in->tick_size, price, sizeof price);
    snprintf(form, sizeof form,
             "pair=%s&type=buy&ordertype=limit&price=%s&volume=%s&validate=true", in->altname,
             price, vol);
    cb_http_result_t res;
    int rc = acct_venue_call(v, "AddOrder", form, 0, &res, fail);
    if (rc != 0) {
        return rc;
    }
    cb_venue_error_t err;
    rc = cb_kraken_error_parse(res.resp.body, res.resp.body_len, (int) res.resp.status, false, 0,
                               &err);
    cb_http_result_fini(&res);
    if (rc == 0 || err.cls != CB_VERR_AUTH) {
        return 0;
    }
    fail->code = strstr(err.message, "Permission denied") != NULL ? CB_E_FORBIDDEN
                                                                   : CB_E_UNAUTHORIZED;
    snprintf(fail->message, sizeof fail->message, "%s: %s", v->cfg.name, err.message);
    return fail->code;
}

/* Whether the venue answers: its server time, or a refusal of that call
 * for its public rate limit (an answer all the same: the private calls have
 * their own budget). Our own limiter's refusal sent nothing: not an answer. */
static bool
s_reachable(acct_venue_t *v, cb_venue_error_t *err)
{
    int rc = cb_venue_client_public_sync(v->vc, CB_REST_TIME, NULL, NULL, NULL, err);
    return rc == 0 || (err->cls == CB_VERR_RATE_LIMIT && err->http_status != 0);
}

static void
s_run(acct_venue_t *v, s_check_t *c)
{
    cb_venue_error_t err;
    c->reachable = s_reachable(v, &err);
    if (!c->reachable) {
        snprintf(c->message, sizeof c->message, "%s unreachable: %s", v->cfg.name, err.message);
        return;
    }
    acct_fail_t fail = {0, ""};
    if (acct_venue_ready(v, &fail) != 0) {
        snprintf(c->message, sizeof c->message, "%s", fail.message);
        return;
    }
    cb_acct_vec_t list = {0};
    bool can_trade = false;
    int rc = acct_venue_balances(v, &list, &can_trade, &fail);
    s_probe(c, S_FUNDS, rc, &fail);
    cb_acct_vec_fini(&list);
    if (rc == CB_E_UNAUTHORIZED) {
        return; /* the key itself is refused: nothing else can pass */
    }
    rc = acct_venue_open_orders(v, &list, &fail);
    s_probe(c, S_ORDERS, rc, &fail);
    cb_acct_vec_fini(&list);
    int64_t count = 0;
    char params[96];
    bool kraken = v->cfg.dialect == CB_DIALECT_KRAKEN;
    snprintf(params, sizeof params, kraken ? "ofs=0" : "symbol=%s&limit=1",
             v->nsymbols > 0 ? v->symbols[0] : "BTCUSDT");
    rc = acct_venue_list(v, 't', kraken ? "TradesHistory" : "/api/v3/myTrades", params, 0, &list,
                         &count, &fail);
    s_probe(c, S_TRADES, rc, &fail);
    cb_acct_vec_fini(&list);
    if (kraken) {
        rc = s_kraken_trade(v, &fail);
        s_probe(c, S_TRADE, rc, &fail);
    } else {
        c->perm[S_TRADE] = c->perm[S_FUNDS] && can_trade;
    }
}

void
acct_check_pack(acct_venue_t *v, msgpack_packer *pk)
{
    s_check_t c;
    memset(&c, 0, sizeof c);
    if (v->cred == NULL) {
        cb_venue_error_t err;
        c.reachable = s_reachable(v, &err);
        snprintf(c.message, sizeof c.message, "%s", v->cred_error);
    } else {
        s_run(v, &c);
    }
    size_t nmissing = 0;
    for (int k = 0; k < S_NPERMS; k++) {
        nmissing += !c.perm[k];
    }
    if (c.message[0] == '\0') {
        snprintf(c.message, sizeof c.message, nmissing == 0 ? "ok" : "permissions missing");
    }
    msgpack_pack_map(pk, 6);
    msgpack_pack_str_with_body(pk, "venue", 5);
    msgpack_pack_str_with_body(pk, v->cfg.name, strlen(v->cfg.name));
    msgpack_pack_str_with_body(pk, "reachable", 9);
    c.reachable ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    msgpack_pack_str_with_body(pk, "authenticated", 13);
    c.authenticated ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    msgpack_pack_str_with_body(pk, "permissions", 11);
    msgpack_pack_map(pk, S_NPERMS);
    for (int k = 0; k < S_NPERMS; k++) {
        msgpack_pack_str_with_body(pk, s_perm_names[k], strlen(s_perm_names[k]));
        c.perm[k] ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    }
    msgpack_pack_str_with_body(pk, "missing", 7);
    msgpack_pack_array(pk, (uint32_t) nmissing);
    for (int k = 0; k < S_NPERMS; k++) {
        if (!c.perm[k]) {
            msgpack_pack_str_with_body(pk, s_perm_names[k], strlen(s_perm_names[k]));
        }
    }
    msgpack_pack_str_with_body(pk, "message", 7);
    msgpack_pack_str_with_body(pk, c.message, strlen(c.message));
}
