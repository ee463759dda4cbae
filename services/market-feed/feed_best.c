/* feed_best.c - best bid and best ask of one symbol across venues, from each venue's latest tick */
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "feed_best.h"

#define S_ENV "COINBUS_QUOTE_EQUIVALENTS"

static bool
s_asset_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static int
s_fail(char *err, size_t err_size, const char *what, const char *item, size_t item_len)
{
    if (err != NULL && err_size > 0) {
        snprintf(err, err_size, S_ENV ": '%.*s' %s", (int) (item_len > 40 ? 40 : item_len), item,
                 what);
    }
    return CB_E_CONFIG;
}

/* Index of asset in eq (group in *group), or false. */
static bool
s_find(const feed_quote_equiv_t *eq, cb_str_t asset, size_t *group)
{
    for (size_t g = 0; g < eq->groups; g++) {
        for (size_t m = 0; m < eq->members[g]; m++) {
            if (cb_str_eq_cstr(asset, eq->asset[g][m])) {
                *group = g;
                return true;
            }
        }
    }
    return false;
}

int
feed_quote_equiv_parse(const char *text, feed_quote_equiv_t *eq, char *err, size_t err_size)
{
    memset(eq, 0, sizeof *eq);
    if (err != NULL && err_size > 0) {
        err[0] = '\0';
    }
    if (text == NULL || text[0] == '\0') {
        return 0;
    }
    const char *p = text;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t glen = end != NULL ? (size_t) (end - p) : strlen(p);
        if (eq->groups == FEED_BEST_GROUP_MAX) {
            return s_fail(err, err_size, "is one group too many (at most 8)", p, glen);
        }
        size_t g = eq->groups;
        const char *a = p;
        const char *gend = p + glen;
        for (;;) {
            const char *eqs = memchr(a, '=', (size_t) (gend - a));
            const char *aend = eqs != NULL ? eqs : gend;
            size_t alen = (size_t) (aend - a);
            bool ok = alen >= 1 && alen <= FEED_BEST_ASSET_MAX;
            for (size_t i = 0; ok && i < alen; i++) {
                ok = s_asset_char(a[i]);
            }
            if (!ok) {
                return s_fail(err, err_size,
                              "is not an asset (want [A-Z0-9]{1,16}, e.g. USD=USDT=USDC)", a, alen);
            }
            size_t other;
            cb_str_t asset = {a, alen};
            if (s_find(eq, asset, &other)) {
                return s_fail(err, err_size, "appears twice (an asset is in one group only)", a,
                              alen);
            }
            for (size_t m = 0; m < eq->members[g]; m++) {
                if (cb_str_eq_cstr(asset, eq->asset[g][m])) {
                    return s_fail(err, err_size, "appears twice in its group", a, alen);
                }
            }
            if (eq->members[g] == FEED_BEST_MEMBER_MAX) {
                return s_fail(err, err_size, "has too many assets (at most 8)", p, glen);
            }
            memcpy(eq->asset[g][eq->members[g]], a, alen);
            eq->asset[g][eq->members[g]][alen] = '\0';
            eq->members[g]++;
            if (eqs == NULL) {
                break;
            }
            a = eqs + 1;
        }
        if (eq->members[g] < 2) {
            return s_fail(err, err_size,
                          "is a group of one (want two or more assets joined by '=')", p, glen);
        }
        eq->groups++;
        if (end == NULL) {
            break;
        }
        p = end + 1;
    }
    return 0;
}

bool
feed_quote_equiv_same(const feed_quote_equiv_t *eq, cb_str_t a, cb_str_t b)
{
    if (cb_str_eq(a, b)) {
        return true;
    }
    size_t ga;
    size_t gb;
    return s_find(eq, a, &ga) && s_find(eq, b, &gb) && ga == gb;
}

int
feed_best_init(feed_best_t *b, const char *symbol, const feed_quote_equiv_t *eq, int64_t stale_ns)
{
    memset(b, 0, sizeof *b);
    size_t len = symbol != NULL ? strlen(symbol) : 0;
    if (!cb_proto_symbol_valid(symbol, len) || stale_ns <= 0) {
        return CB_E_BAD_REQUEST;
    }
    memcpy(b->symbol, symbol, len + 1);
    const char *dash = strchr(symbol, '-');
    memcpy(b->quote, dash + 1, strlen(dash + 1) + 1);
    if (eq != NULL) {
        b->eq = *eq;
    }
    b->stale_ns = stale_ns;
    b->bid_idx = -1;
    b->ask_idx = -1;
    return 0;
}

/* Is entry x a better bid (sign 1) or ask (sign -1) than entry y? */
static bool
s_better(const feed_best_venue_t *x, const feed_best_venue_t *y, int sign)
{
    cb_decimal_t px = sign > 0 ? x->bid : x->ask;
    cb_decimal_t py = sign > 0 ? y->bid : y->ask;
    int c = cb_decimal_cmp(px, py) * sign;
    if (c != 0) {
        return c > 0;
    }
    cb_decimal_t zero = cb_decimal_from_int(0);
    cb_decimal_t qx =
        sign > 0 ? (x->has_bid_qty ? x->bid_qty : zero) : (x->has_ask_qty ? x->ask_qty : zero);
    cb_decimal_t qy =
        sign > 0 ? (y->has_bid_qty ? y->bid_qty : zero) : (y->has_ask_qty ? y->ask_qty : zero);
    c = cb_decimal_cmp(qx, qy);
    if (c != 0) {
        return c > 0;
    }
    c = strcmp(x->venue, y->venue);
    if (c != 0) {
        return c < 0;
    }
    return strcmp(x->quote, y->quote) < 0;
}

static bool
s_dec_same(bool has_a, cb_decimal_t a, bool has_b, cb_decimal_t b)
{
    return has_a == has_b && (!has_a || cb_decimal_cmp(a, b) == 0);
}

static int
s_compute(feed_best_t *b, int64_t now_ns, cb_best_t *out)
{
    int bid = -1;
    int ask = -1;
    uint64_t usable = 0;
    for (size_t i = 0; i < b->count; i++) {
        const feed_best_venue_t *v = &b->venues[i];
        if (v->down || !v->has_tick || now_ns - v->seen_ns > b->stale_ns) {
            continue;
        }
        usable++;
        if (cb_decimal_sign(v->bid) > 0 && (bid < 0 || s_better(v, &b->venues[bid], 1))) {
            bid = (int) i;
        }
        if (cb_decimal_sign(v->ask) > 0 && (ask < 0 || s_better(v, &b->venues[ask], -1))) {
            ask = (int) i;
        }
    }
    memset(out, 0, sizeof *out);
    CB_PROTO_SET(out, best, symbol, cb_str_from(b->symbol));
    CB_PROTO_SET(out, best, venue, CB_STR("all"));
    if (bid < 0 || ask < 0) {
        bool changed = b->have_last;
        b->have_last = false;
        b->bid_idx = b->ask_idx = -1;
        CB_PROTO_SET(out, best, venues, 0);
        return changed ? 1 : 0;
    }
    const feed_best_venue_t *vb = &b->venues[bid];
    const feed_best_venue_t *va = &b->venues[ask];
    CB_PROTO_SET(out, best, bid, vb->bid);
    CB_PROTO_SET(out, best, bid_venue, cb_str_from(vb->venue));
    if (vb->has_bid_qty) {
        CB_PROTO_SET(out, best, bid_qty, vb->bid_qty);
    }
    CB_PROTO_SET(out, best, ask, va->ask);
    CB_PROTO_SET(out, best, ask_venue, cb_str_from(va->venue));
    if (va->has_ask_qty) {
        CB_PROTO_SET(out, best, ask_qty, va->ask_qty);
    }
    CB_PROTO_SET(out, best, venues, usable);
    bool same = b->have_last && b->bid_idx == bid && b->ask_idx == ask &&
                b->last_venues == usable && cb_decimal_cmp(b->last_bid, vb->bid) == 0 &&
                cb_decimal_cmp(b->last_ask, va->ask) == 0 &&
                s_dec_same(b->bid_has_qty, b->last_bid_qty, vb->has_bid_qty, vb->bid_qty) &&
                s_dec_same(b->ask_has_qty, b->last_ask_qty, va->has_ask_qty, va->ask_qty);
    b->have_last = true;
    b->bid_idx = bid;
    b->ask_idx = ask;
    b->last_venues = usable;
    b->last_bid = vb->bid;
    b->last_ask = va->ask;
    b->bid_has_qty = vb->has_bid_qty;
    b->last_bid_qty = vb->bid_qty;
    b->ask_has_qty = va->has_ask_qty;
    b->last_ask_qty = va->ask_qty;
    return same ? 0 : 1;
}

static int
s_entry(feed_best_t *b, const char *venue, const char *quote, feed_best_venue_t **entry)
{
    for (size_t i = 0; i < b->count; i++) {
        if (strcmp(b->venues[i].venue, venue) == 0 && strcmp(b->venues[i].quote, quote) == 0) {
            *entry = &b->venues[i];
            return 0;
        }
    }
    if (b->count == FEED_BEST_VENUE_MAX) {
        return CB_E_TOO_BIG;
    }
    feed_best_venue_t *v = &b->venues[b->count++];
    memset(v, 0, sizeof *v);
    strcpy(v->venue, venue);
    strcpy(v->quote, quote);
    /* A venue already marked down stays down for its new quote too. */
    for (size_t i = 0; i + 1 < b->count; i++) {
        if (strcmp(b->venues[i].venue, venue) == 0 && b->venues[i].down) {
            v->down = true;
        }
    }
    *entry = v;
    return 0;
}

int
feed_best_update(feed_best_t *b, const char *venue, const char *quote, const cb_tick_t *tick,
                 int64_t now_ns, cb_best_t *out)
{
    size_t vlen = venue != NULL ? strlen(venue) : 0;
    size_t qlen = quote != NULL ? strlen(quote) : 0;
    if (!cb_proto_name_valid(venue, vlen, FEED_BEST_NAME_MAX) || qlen == 0 ||
        qlen > FEED_BEST_ASSET_MAX) {
        return CB_E_BAD_REQUEST;
    }
    if (!feed_quote_equiv_same(&b->eq, cb_str_from(quote), cb_str_from(b->quote))) {
        return 0;
    }
    feed_best_venue_t *v;
    int rc = s_entry(b, venue, quote, &v);
    if (rc != 0) {
        return rc;
    }
    v->has_tick = true;
    v->seen_ns = now_ns;
    v->bid = tick->bid;
    v->ask = tick->ask;
    v->has_bid_qty = CB_PROTO_HAS(tick, tick, bid_qty);
    v->bid_qty = v->has_bid_qty ? tick->bid_qty : cb_decimal_from_int(0);
    v->has_ask_qty = CB_PROTO_HAS(tick, tick, ask_qty);
    v->ask_qty = v->has_ask_qty ? tick->ask_qty : cb_decimal_from_int(0);
    return s_compute(b, now_ns, out);
}

int
feed_best_set_down(feed_best_t *b, const char *venue, bool down, int64_t now_ns, cb_best_t *out)
{
    size_t vlen = venue != NULL ? strlen(venue) : 0;
    if (!cb_proto_name_valid(venue, vlen, FEED_BEST_NAME_MAX)) {
        return CB_E_BAD_REQUEST;
    }
    bool known = false;
    for (size_t i = 0; i < b->count; i++) {
        if (strcmp(b->venues[i].venue, venue) == 0) {
            b->venues[i].down = down;
            known = true;
        }
    }
    if (!known && down) {
        /* Remember it with an empty quote: it never has a tick, only the flag. */
        feed_best_venue_t *v;
        int rc = s_entry(b, venue, "", &v);
        if (rc != 0) {
            return rc;
        }
        v->down = true;
    }
    return s_compute(b, now_ns, out);
}

int
feed_best_refresh(feed_best_t *b, int64_t now_ns, cb_best_t *out)
{
    return s_compute(b, now_ns, out);
}
