/* route_balance.c - the balance check before an order is signed: what the order spends against the account service's available balance on its venue */
#include <stdio.h>
#include <string.h>

#include "cb_buf.h"
#include "cb_error.h"
#include "cb_mp.h"
#include "cb_time.h"
#include "route_app.h"

/* The available balance of asset in account's `balances` answer for one
 * venue ({venues: [{venue, assets: [{asset, available, ...}]}]}): *found
 * false when the venue lists no such asset. 0 or CB_E_PARSE. */
static int
s_available(const cb_raw_t *result, const char *asset, cb_decimal_t *out, bool *found)
{
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, result->ptr, result->len);
    uint32_t count, nv, na, nf;
    *found = false;
    if (cb_mp_read_map(&r, &count) != 0) {
        return CB_E_PARSE;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *k;
        size_t kl;
        if (cb_mp_read_str(&r, &k, &kl) != 0) {
            return CB_E_PARSE;
        }
        if (kl != 6 || memcmp(k, "venues", 6) != 0) {
            if (cb_mp_skip(&r, NULL, NULL) != 0) {
                return CB_E_PARSE;
            }
            continue;
        }
        if (cb_mp_read_array(&r, &nv) != 0) {
            return CB_E_PARSE;
        }
        for (uint32_t v = 0; v < nv; v++) {
            if (cb_mp_read_map(&r, &nf) != 0) {
                return CB_E_PARSE;
            }
            for (uint32_t f = 0; f < nf; f++) {
                if (cb_mp_read_str(&r, &k, &kl) != 0) {
                    return CB_E_PARSE;
                }
                if (kl != 6 || memcmp(k, "assets", 6) != 0) {
                    if (cb_mp_skip(&r, NULL, NULL) != 0) {
                        return CB_E_PARSE;
                    }
                    continue;
                }
                if (cb_mp_read_array(&r, &na) != 0) {
                    return CB_E_PARSE;
                }
                for (uint32_t a = 0; a < na; a++) {
                    char name[32] = "", avail[CB_DECIMAL_STR_MAX] = "";
                    uint32_t nk;
                    if (cb_mp_read_map(&r, &nk) != 0) {
                        return CB_E_PARSE;
                    }
                    for (uint32_t x = 0; x < nk; x++) {
                        const char *s;
                        size_t sl;
                        if (cb_mp_read_str(&r, &k, &kl) != 0) {
                            return CB_E_PARSE;
                        }
                        bool is_asset = kl == 5 && memcmp(k, "asset", 5) == 0;
                        bool is_avail = kl == 9 && memcmp(k, "available", 9) == 0;
                        if (!is_asset && !is_avail) {
                            if (cb_mp_skip(&r, NULL, NULL) != 0) {
                                return CB_E_PARSE;
                            }
                            continue;
                        }
                        if (cb_mp_read_str(&r, &s, &sl) != 0 || sl >= sizeof avail) {
                            return CB_E_PARSE;
                        }
                        snprintf(is_asset ? name : avail, is_asset ? sizeof name : sizeof avail,
                                 "%.*s", (int) sl, s);
                    }
                    if (strcmp(name, asset) == 0) {
                        *found = true;
                        return cb_decimal_parse(avail, strlen(avail), out) == 0 ? 0 : CB_E_PARSE;
                    }
                }
            }
        }
    }
    return 0;
}

/* What o spends, in *asset: a buy the quote (amount x price, plus the taker
 * fee where the venue takes it from the quote: Kraken; a market buy the
 * quote's fill on the book), a sell the base amount. */
static int
s_needs(route_app_t *app, route_venue_t *v, const route_order_t *o, const route_quote_t *q,
        cb_decimal_t *need, const char **asset, route_fail_t *fail)
{
    const cb_instrument_t *ins =
        cb_instruments_by_symbol(cb_venue_client_instruments(v->vc), cb_str_from(o->symbol));
    cb_decimal_t amount, price;
    if (ins == NULL || cb_decimal_parse(o->amount, strlen(o->amount), &amount) != 0) {
        return route_fail_set(fail, CB_E_INTERNAL, "balance check: the order is not valid");
    }
    bool buy = strcmp(o->side, "buy") == 0, fee_in_quote = v->cfg.dialect == CB_DIALECT_KRAKEN;
    *asset = buy ? ins->quote : ins->base;
    if (!buy) {
        *need = amount;
        return 0;
    }
    const char *px = o->price[0] != '\0' ? o->price : o->stop_price;
    if (px[0] != '\0') {
        cb_decimal_t cost, fee;
        if (cb_decimal_parse(px, strlen(px), &price) != 0 ||
            cb_decimal_mul(amount, price, CB_DECIMAL_MAX_SCALE, CB_ROUND_UP, &cost) != 0 ||
            cb_decimal_mul(cost, ins->taker_fee, CB_DECIMAL_MAX_SCALE, CB_ROUND_UP, &fee) != 0 ||
            cb_decimal_add(cost, fee_in_quote ? fee : cb_decimal_from_int(0), need) != 0) {
            return route_fail_set(fail, CB_E_BAD_REQUEST,
                                  "balance check: amount x price overflows");
        }
        return 0;
    }
    route_routing_t rt;
    if (q == NULL) {
        if (route_best_quotes(app, o->symbol, o->side, o->amount, &rt, fail) != 0) {
            return fail->code;
        }
        q = route_best_quote(&rt, v->cfg.name);
        if (q == NULL) {
            return route_fail_set(
                fail, CB_E_UNAVAILABLE,
                "balance check: the book of %s cannot price a market buy of %s %s", v->cfg.name,
                o->amount, o->symbol);
        }
    }
    return cb_decimal_add(q->cost_value, fee_in_quote ? q->fee_value : cb_decimal_from_int(0),
                          need) == 0
               ? 0
               : route_fail_set(fail, CB_E_BAD_REQUEST, "balance check: the cost overflows");
}

/* The entry of asset in the view's spent list, added when add is true
 * (NULL when the list is full or the asset absent). */
static route_spent_t *
s_spent(route_balview_t *b, const char *asset, bool add)
{
    for (size_t i = 0; i < b->nspent; i++) {
        if (strcmp(b->spent[i].asset, asset) == 0) {
            return &b->spent[i];
        }
    }
    if (!add || b->nspent == ROUTE_SPENT_MAX) {
        return NULL;
    }
    route_spent_t *s = &b->spent[b->nspent++];
    snprintf(s->asset, sizeof s->asset, "%s", asset);
    s->amount = cb_decimal_from_int(0);
    return s;
}

/* Asks the account service for v's balances into the view. 0 or fail. */
static int
s_refresh(route_app_t *app, route_venue_t *v, route_fail_t *fail)
{
    cb_buf_t args;
    cb_buf_init(&args);
    cb_mp_write_map(&args, 1);
    cb_mp_write_str(&args, "venue", 5);
    cb_mp_write_str(&args, v->cfg.name, strlen(v->cfg.name));
    cb_rpc_result_t res;
    int rc = app->account == NULL ? CB_E_UNAVAILABLE
                                  : cb_rpc_call(app->account, "balances", args.data, args.len,
                                                (int) app->deps_timeout_ms, 0, &res);
    cb_buf_fini(&args);
    if (rc != 0) {
        return route_fail_set(fail, CB_E_UNAVAILABLE,
                              "balance check: the account service did not answer `balances` "
                              "within %lld ms (%s); nothing was placed "
                              "(COINBUS_ROUTER_BALANCE_CHECK=off skips the check)",
                              (long long) app->deps_timeout_ms, cb_strerror(rc));
    }
    if (!res.ok) {
        return route_fail_set(fail, CB_E_UNAVAILABLE,
                              "balance check: the account service could not read %s: %.300s",
                              v->cfg.name, res.error_message);
    }
    route_balview_t *b = &v->balance;
    cb_buf_reset(&b->answer);
    if (cb_buf_append(&b->answer, res.result.ptr, res.result.len) != 0) {
        b->at_ms = 0;
        return route_fail_set(fail, CB_E_NOMEM, "balance check: out of memory");
    }
    int64_t now = cb_time_mono_ns() / 1000000;
    b->at_ms = now > 0 ? now : 1;
    b->gen++;
    b->nspent = 0;
    return 0;
}

/* What the view says is available of asset: the answer's, less what was
 * taken since. 0 or fail. */
static int
s_view_available(route_venue_t *v, const char *asset, cb_decimal_t *avail, route_fail_t *fail)
{
    route_balview_t *b = &v->balance;
    cb_raw_t raw = {(const uint8_t *) b->answer.data, b->answer.len};
    bool found;
    *avail = cb_decimal_from_int(0);
    if (s_available(&raw, asset, avail, &found) != 0) {
        b->at_ms = 0;
        return route_fail_set(fail, CB_E_UNAVAILABLE,
                              "balance check: the account service's answer did not parse");
    }
    const route_spent_t *sp = s_spent(b, asset, false);
    if (sp != NULL && cb_decimal_sub(*avail, sp->amount, avail) != 0) {
        *avail = cb_decimal_from_int(0);
    }
    return 0;
}

/* Takes need of asset from the view into hold. */
static void
s_take(route_venue_t *v, const char *asset, cb_decimal_t need, route_funds_hold_t *hold)
{
    route_spent_t *sp = s_spent(&v->balance, asset, true);
    if (sp == NULL || cb_decimal_add(sp->amount, need, &sp->amount) != 0) {
        v->balance.at_ms = 0; /* cannot count it: the next check asks again */
        return;
    }
    snprintf(hold->asset, sizeof hold->asset, "%s", asset);
    hold->amount = need;
    hold->gen = v->balance.gen;
}

int
route_balance_check(route_app_t *app, route_venue_t *v, const route_order_t *o,
                    const route_quote_t *q, route_funds_hold_t *hold, route_fail_t *fail)
{
    memset(hold, 0, sizeof *hold);
    if (!app->balance_check) {
        return 0;
    }
    cb_decimal_t need, avail;
    const char *asset = "";
    if (s_needs(app, v, o, q, &need, &asset, fail) != 0) {
        return fail->code;
    }
    route_balview_t *b = &v->balance;
    int64_t now = cb_time_mono_ns() / 1000000;
    bool fresh = b->at_ms != 0 && now - b->at_ms < app->balance_ttl_ms;
    if (fresh && s_view_available(v, asset, &avail, fail) == 0 && cb_decimal_cmp(need, avail) <= 0) {
        s_take(v, asset, need, hold);
        return 0;
    }
    /* Stale, or "not enough" by a view that may be old: ask again. */
    if (s_refresh(app, v, fail) != 0 || s_view_available(v, asset, &avail, fail) != 0) {
        return fail->code;
    }
    if (cb_decimal_cmp(need, avail) > 0) {
        char n[CB_DECIMAL_STR_MAX], a[CB_DECIMAL_STR_MAX];
        (void) cb_decimal_format(need, n, sizeof n);
        (void) cb_decimal_format(avail, a, sizeof a);
        return route_fail_set(fail, CB_E_BAD_REQUEST,
                              "insufficient balance: needs %s %s, available %s on %s", n, asset, a,
                              v->cfg.name);
    }
    s_take(v, asset, need, hold);
    return 0;
}

void
route_balance_release(route_venue_t *v, route_funds_hold_t *hold, const route_order_t *o)
{
    bool unfilled = o == NULL || o->filled[0] == '\0' ||
                    strspn(o->filled, "0.") == strlen(o->filled);
    bool ended = o == NULL || strcmp(o->status, "rejected") == 0 ||
                 strcmp(o->status, "expired") == 0 || strcmp(o->status, "canceled") == 0;
    route_spent_t *sp = hold->gen != 0 && hold->gen == v->balance.gen
                            ? s_spent(&v->balance, hold->asset, false)
                            : NULL;
    if (sp != NULL && ended && unfilled) {
        (void) cb_decimal_sub(sp->amount, hold->amount, &sp->amount);
    }
    hold->gen = 0;
}
