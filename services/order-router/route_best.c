/* route_best.c - venue "best": market-feed's `best` prices the order on every venue's book, and the router picks the best venue it can use now */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_buf.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_mp.h"
#include "route_app.h"

/* Reads a map's string values of the keys listed (others skipped); a value
 * too long or not a string is CB_E_PARSE. */
static int
s_read_fields(cb_mp_reader_t *r, const char *const *keys, char **outs, const size_t *sizes,
              size_t n)
{
    uint32_t count;
    if (cb_mp_read_map(r, &count) != 0) {
        return CB_E_PARSE;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *k, *s;
        size_t kl, sl;
        if (cb_mp_read_str(r, &k, &kl) != 0) {
            return CB_E_PARSE;
        }
        size_t f = 0;
        while (f < n && (strlen(keys[f]) != kl || memcmp(keys[f], k, kl) != 0)) {
            f++;
        }
        if (f == n) {
            if (cb_mp_skip(r, NULL, NULL) != 0) {
                return CB_E_PARSE;
            }
            continue;
        }
        if (cb_mp_read_str(r, &s, &sl) != 0 || sl >= sizes[f]) {
            return CB_E_PARSE;
        }
        snprintf(outs[f], sizes[f], "%.*s", (int) sl, s);
    }
    return 0;
}

static void
s_skip_add(route_routing_t *rt, const char *venue, size_t len, const char *reason)
{
    if (rt->nskipped < ROUTE_QUOTES_MAX) {
        route_skip_t *s = &rt->skipped[rt->nskipped++];
        snprintf(s->venue, sizeof s->venue, "%.*s", (int) len, venue);
        snprintf(s->reason, sizeof s->reason, "%s", reason);
    }
}

/* venues[] of the answer. */
static int
s_read_venues(cb_mp_reader_t *r, route_routing_t *rt)
{
    uint32_t count;
    if (cb_mp_read_array(r, &count) != 0) {
        return CB_E_PARSE;
    }
    for (uint32_t i = 0; i < count; i++) {
        route_quote_t q;
        memset(&q, 0, sizeof q);
        const char *keys[] = {"venue", "symbol", "avg_price", "cost", "fee", "total"};
        char *outs[] = {q.venue, q.symbol, q.avg_price, q.cost, q.fee, q.total};
        const size_t sizes[] = {sizeof q.venue, sizeof q.symbol, sizeof q.avg_price,
                                sizeof q.cost,  sizeof q.fee,    sizeof q.total};
        if (s_read_fields(r, keys, outs, sizes, 6) != 0 || q.venue[0] == '\0' ||
            cb_decimal_parse(q.total, strlen(q.total), &q.total_value) != 0 ||
            cb_decimal_parse(q.cost, strlen(q.cost), &q.cost_value) != 0 ||
            cb_decimal_parse(q.fee, strlen(q.fee), &q.fee_value) != 0) {
            return CB_E_PARSE;
        }
        if (rt->nquotes < ROUTE_QUOTES_MAX) {
            rt->quotes[rt->nquotes++] = q;
        }
    }
    return 0;
}

/* lacking_depth (strings) and skipped ({venue, reason}) of the answer. */
static int
s_read_skips(cb_mp_reader_t *r, bool lacking, route_routing_t *rt)
{
    uint32_t count;
    if (cb_mp_read_array(r, &count) != 0) {
        return CB_E_PARSE;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *s;
        size_t sl;
        route_skip_t sk;
        memset(&sk, 0, sizeof sk);
        const char *keys[] = {"venue", "reason"};
        char *outs[] = {sk.venue, sk.reason};
        const size_t sizes[] = {sizeof sk.venue, sizeof sk.reason};
        if (lacking) {
            if (cb_mp_read_str(r, &s, &sl) != 0 || sl >= sizeof sk.venue) {
                return CB_E_PARSE;
            }
            s_skip_add(rt, s, sl, "lacking_depth");
        } else if (s_read_fields(r, keys, outs, sizes, 2) != 0) {
            return CB_E_PARSE;
        } else {
            s_skip_add(rt, sk.venue, strlen(sk.venue), sk.reason);
        }
    }
    return 0;
}

static int
s_parse(const cb_raw_t *result, route_routing_t *rt)
{
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, result->ptr, result->len);
    uint32_t count;
    if (cb_mp_read_map(&r, &count) != 0) {
        return CB_E_PARSE;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *k, *s = "";
        size_t kl, sl = 0;
        int rc = cb_mp_read_str(&r, &k, &kl);
        if (rc == 0 && kl == 6 && memcmp(k, "venues", 6) == 0) {
            rc = s_read_venues(&r, rt);
        } else if (rc == 0 && kl == 13 && memcmp(k, "lacking_depth", 13) == 0) {
            rc = s_read_skips(&r, true, rt);
        } else if (rc == 0 && kl == 7 && memcmp(k, "skipped", 7) == 0) {
            rc = s_read_skips(&r, false, rt);
        } else if (rc == 0 && kl == 5 && memcmp(k, "basis", 5) == 0) {
            rc = cb_mp_read_str(&r, &s, &sl) != 0 || sl >= sizeof rt->basis ? CB_E_PARSE : 0;
            snprintf(rt->basis, sizeof rt->basis, "%.*s", (int) sl, s);
        } else if (rc == 0) {
            rc = cb_mp_skip(&r, NULL, NULL);
        }
        if (rc != 0) {
            return CB_E_PARSE;
        }
    }
    return 0;
}

/* Sorts quotes best first: buy the lowest total, sell the highest; a tie by name. */
static void
s_rank(route_routing_t *rt)
{
    for (size_t i = 1; i < rt->nquotes; i++) {
        for (size_t j = i; j > 0; j--) {
            route_quote_t *a = &rt->quotes[j - 1], *b = &rt->quotes[j];
            int c = cb_decimal_cmp(a->total_value, b->total_value) * (rt->buy ? 1 : -1);
            if (c < 0 || (c == 0 && strcmp(a->venue, b->venue) <= 0)) {
                break;
            }
            route_quote_t t = *a;
            *a = *b;
            *b = t;
        }
    }
}

int
route_best_quotes(route_app_t *app, const char *symbol, const char *side, const char *amount,
                  route_routing_t *rt, route_fail_t *fail)
{
    memset(rt, 0, sizeof *rt);
    rt->buy = strcmp(side, "buy") == 0;
    rt->chosen = -1;
    snprintf(rt->symbol, sizeof rt->symbol, "%s", symbol);
    snprintf(rt->amount, sizeof rt->amount, "%s", amount);
    if (!rt->buy && strcmp(side, "sell") != 0) {
        return route_fail_set(fail, CB_E_BAD_REQUEST, "side must be buy or sell");
    }
    if (app->market == NULL) {
        return route_fail_set(fail, CB_E_UNAVAILABLE, "no market service client");
    }
    cb_buf_t args;
    cb_buf_init(&args);
    cb_mp_write_map(&args, 3);
    const char *kv[] = {"symbol", symbol, "side", side, "amount", amount};
    for (size_t i = 0; i < 6; i++) {
        cb_mp_write_str(&args, kv[i], strlen(kv[i]));
    }
    cb_rpc_result_t res;
    int rc =
        cb_rpc_call(app->market, "best", args.data, args.len, (int) app->deps_timeout_ms, 0, &res);
    cb_buf_fini(&args);
    if (rc != 0) {
        return route_fail_set(fail, CB_E_UNAVAILABLE,
                              "venue \"best\": market-feed (the `market` service) did not answer "
                              "`best` within %lld ms (%s)",
                              (long long) app->deps_timeout_ms, cb_strerror(rc));
    }
    if (!res.ok) {
        int code = res.error == CB_E_BAD_REQUEST || res.error == CB_E_NOT_FOUND ? res.error
                                                                                : CB_E_UNAVAILABLE;
        return route_fail_set(fail, code, "venue \"best\": market-feed: %.300s", res.error_message);
    }
    if (s_parse(&res.result, rt) != 0) {
        return route_fail_set(fail, CB_E_UNAVAILABLE,
                              "venue \"best\": market-feed's `best` answer did not parse");
    }
    s_rank(rt);
    return 0;
}

/* Why v cannot take the order now ("" when it can). */
static const char *
s_unusable(route_venue_t *v)
{
    if (v == NULL || v->cred == NULL) {
        return "not_configured";
    }
    route_fail_t fail;
    if (route_venue_ready(v, &fail) != 0) {
        return "not_ready";
    }
    cb_venue_error_t err;
    const char *what = v->cfg.dialect == CB_DIALECT_KRAKEN ? "AddOrder" : "/api/v3/order";
    int rc = cb_venue_client_private_can_admit(v->vc, what, 0, v->cred->fingerprint, &err);
    return rc == CB_E_UNAVAILABLE ? "breaker_open" : rc == CB_E_RATE_LIMITED ? "rate_limited" : "";
}

route_venue_t *
route_best_choose(route_app_t *app, route_routing_t *rt, route_fail_t *fail)
{
    route_venue_t *chosen = NULL;
    for (size_t i = 0; i < rt->nquotes && chosen == NULL; i++) {
        route_venue_t *v = route_app_venue(app, rt->quotes[i].venue);
        const char *why = s_unusable(v);
        if (why[0] != '\0') {
            s_skip_add(rt, rt->quotes[i].venue, strlen(rt->quotes[i].venue), why);
        } else {
            chosen = v;
            rt->chosen = (int) i;
        }
    }
    char cands[512] = "", skips[512] = "";
    size_t cl = 0, sl = 0;
    for (size_t i = 0; i < rt->nquotes && cl < sizeof cands; i++) {
        cl += (size_t) snprintf(cands + cl, sizeof cands - cl, "%s%s:%s", i > 0 ? "," : "",
                                rt->quotes[i].venue, rt->quotes[i].total);
    }
    for (size_t i = 0; i < rt->nskipped && sl < sizeof skips; i++) {
        sl += (size_t) snprintf(skips + sl, sizeof skips - sl, "%s%s:%s", i > 0 ? "; " : "",
                                rt->skipped[i].venue, rt->skipped[i].reason);
    }
    cb_log_info("route_best",
                "symbol=%s side=%s amount=%s basis=%s chosen=%s candidates=\"%s\" skipped=\"%s\"",
                rt->symbol, rt->buy ? "buy" : "sell", rt->amount, rt->basis,
                chosen != NULL ? chosen->cfg.name : "-", cands, skips);
    if (chosen == NULL) {
        route_fail_set(fail, CB_E_UNAVAILABLE,
                       "venue \"best\": no venue can take this order now: %s",
                       skips[0] != '\0' ? skips : "market-feed priced it on no venue");
    }
    return chosen;
}

void
route_best_pack(msgpack_packer *pk, const route_routing_t *rt)
{
    msgpack_pack_map(pk, 4);
    const char *chosen = rt->chosen >= 0 ? rt->quotes[rt->chosen].venue : "";
    const char *pairs[][2] = {{"chosen", chosen}, {"basis", rt->basis}};
    for (size_t i = 0; i < 2; i++) {
        msgpack_pack_str_with_body(pk, pairs[i][0], strlen(pairs[i][0]));
        msgpack_pack_str_with_body(pk, pairs[i][1], strlen(pairs[i][1]));
    }
    msgpack_pack_str_with_body(pk, "candidates", 10);
    msgpack_pack_array(pk, (uint32_t) rt->nquotes);
    for (size_t i = 0; i < rt->nquotes; i++) {
        const route_quote_t *q = &rt->quotes[i];
        const char *kv[][2] = {
            {"venue", q->venue}, {"total", q->total}, {"avg_price", q->avg_price}, {"fee", q->fee}};
        msgpack_pack_map(pk, 4);
        for (size_t k = 0; k < 4; k++) {
            msgpack_pack_str_with_body(pk, kv[k][0], strlen(kv[k][0]));
            msgpack_pack_str_with_body(pk, kv[k][1], strlen(kv[k][1]));
        }
    }
    msgpack_pack_str_with_body(pk, "skipped", 7);
    msgpack_pack_array(pk, (uint32_t) rt->nskipped);
    for (size_t i = 0; i < rt->nskipped; i++) {
        msgpack_pack_map(pk, 2);
        msgpack_pack_str_with_body(pk, "venue", 5);
        msgpack_pack_str_with_body(pk, rt->skipped[i].venue, strlen(rt->skipped[i].venue));
        msgpack_pack_str_with_body(pk, "reason", 6);
        msgpack_pack_str_with_body(pk, rt->skipped[i].reason, strlen(rt->skipped[i].reason));
    }
}

const route_quote_t *
route_best_quote(const route_routing_t *rt, const char *venue)
{
    for (size_t i = 0; i < rt->nquotes; i++) {
        if (strcmp(rt->quotes[i].venue, venue) == 0) {
            return &rt->quotes[i];
        }
    }
    return NULL;
}

/* A client order id (or idempotency key) already in the ledger of one of
 * the venues: that venue, whatever the books say now. */
static route_venue_t *
s_existing(route_app_t *app, const char *clid, const char *key, route_order_t *prior)
{
    char id[CB_CLID_MAX + 1], msg[256];
    if (clid[0] == '\0' && key[0] == '\0') {
        return NULL;
    }
    for (size_t i = 0; i < app->nvenues; i++) {
        route_venue_t *v = &app->venues[i];
        if (route_ledger_clid(v->cfg.dialect, v->cfg.name, clid, key, id, msg, sizeof msg) == 0 &&
            route_ledger_get(&app->ledger, v->cfg.name, id, prior) == 0) {
            return v;
        }
    }
    return NULL;
}

route_venue_t *
route_best_pick(route_app_t *app, const char *clid, const char *key, const char *symbol,
                const char *side, const char *amount, route_routing_t *rt, const char **listing,
                route_order_t *prior, route_fail_t *fail)
{
    memset(rt, 0, sizeof *rt);
    rt->chosen = -1;
    route_venue_t *v = s_existing(app, clid, key, prior);
    if (v != NULL) {
        *listing = prior->symbol;
        return v;
    }
    cb_decimal_t a;
    if (cb_decimal_parse(amount, strlen(amount), &a) != 0 || cb_decimal_sign(a) <= 0) {
        route_fail_set(fail, CB_E_BAD_REQUEST,
                       "amount must be a positive decimal string (got '%s')", amount);
        return NULL;
    }
    if (route_best_quotes(app, symbol, side, amount, rt, fail) != 0) {
        return NULL;
    }
    v = route_best_choose(app, rt, fail);
    if (v != NULL) {
        *listing = rt->quotes[rt->chosen].symbol;
    }
    return v;
}
