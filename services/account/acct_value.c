/* acct_value.c - the latest USD prices from the bus's ticks, and the short-lived Redis cache of balances */
#include "acct_value.h"

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_script.h"

void
acct_prices_update(acct_prices_t *p, const cb_event_t *ev)
{
    if (ev->kind != CB_KIND_tick) {
        return;
    }
    const cb_tick_t *t = &ev->body.tick;
    cb_decimal_t price;
    if (CB_PROTO_HAS(t, tick, last) && cb_decimal_sign(t->last) > 0) {
        price = t->last;
    } else {
        cb_decimal_t sum;
        if (cb_decimal_add(t->bid, t->ask, &sum) != 0 ||
            cb_decimal_div(sum, cb_decimal_from_int(2), CB_DECIMAL_MAX_SCALE, CB_ROUND_HALF_EVEN,
                           &price) != 0) {
            return;
        }
        price = cb_decimal_normalize(price);
    }
    if (t->symbol.len > CB_SYMBOL_MAX || t->venue.len > CB_VENUE_NAME_MAX) {
        return;
    }
    size_t i = 0;
    while (i < p->count && !(strlen(p->items[i].symbol) == t->symbol.len &&
                             memcmp(p->items[i].symbol, t->symbol.ptr, t->symbol.len) == 0 &&
                             strlen(p->items[i].venue) == t->venue.len &&
                             memcmp(p->items[i].venue, t->venue.ptr, t->venue.len) == 0)) {
        i++;
    }
    if (i == p->count) {
        if (p->count == ACCT_PRICES_MAX) {
            return;
        }
        p->count++;
        snprintf(p->items[i].symbol, sizeof p->items[i].symbol, "%.*s", (int) t->symbol.len,
                 t->symbol.ptr);
        snprintf(p->items[i].venue, sizeof p->items[i].venue, "%.*s", (int) t->venue.len,
                 t->venue.ptr);
    }
    p->items[i].price = price;
}

static const acct_price_t *
s_find(const acct_prices_t *p, const char *symbol, const char *venue)
{
    const acct_price_t *any = NULL;
    for (size_t i = 0; i < p->count; i++) {
        if (strcmp(p->items[i].symbol, symbol) == 0) {
            if (venue != NULL && strcmp(p->items[i].venue, venue) == 0) {
                return &p->items[i];
            }
            any = any != NULL ? any : &p->items[i];
        }
    }
    return any;
}

bool
acct_prices_usd(const acct_prices_t *p, const char *asset, const char *venue, cb_decimal_t *price,
                char *source, size_t source_size)
{
    if (strcmp(asset, "USD") == 0) {
        *price = cb_decimal_from_int(1);
        snprintf(source, source_size, "par");
        return true;
    }
    static const char *const quotes[] = {"USD", "USDT", "USDC"};
    for (size_t q = 0; q < sizeof quotes / sizeof quotes[0]; q++) {
        char symbol[CB_SYMBOL_MAX + 8];
        snprintf(symbol, sizeof symbol, "%s-%s", asset, quotes[q]);
        const acct_price_t *hit = s_find(p, symbol, venue);
        if (hit != NULL) {
            *price = hit->price;
            snprintf(source, source_size, "tick.%s.%s", hit->symbol, hit->venue);
            return true;
        }
    }
    return false;
}

bool
acct_cache_get(cb_redis_t *r, const char *venue, cb_acct_vec_t *out, char epoch[ACCT_EPOCH_MAX])
{
    epoch[0] = '\0';
    if (r == NULL) {
        return false;
    }
    char key[CB_ACCT_CACHE_KEY_MAX], epoch_key[CB_ACCT_CACHE_KEY_MAX];
    cb_acct_cache_key(venue, key, sizeof key);
    cb_acct_epoch_key(venue, epoch_key, sizeof epoch_key);
    int err = 0;
    redisReply *all = cb_redis_command(r, &err, "MGET %s %s", key, epoch_key);
    bool ok = all != NULL && all->type == REDIS_REPLY_ARRAY && all->elements == 2;
    const redisReply *rep = ok ? all->element[0] : NULL;
    const redisReply *ep = ok ? all->element[1] : NULL;
    if (ep != NULL && ep->type == REDIS_REPLY_STRING && ep->len < ACCT_EPOCH_MAX) {
        memcpy(epoch, ep->str, ep->len);
        epoch[ep->len] = '\0';
    }
    bool hit = rep != NULL && rep->type == REDIS_REPLY_STRING;
    /* One line per asset: "ASSET total available hold". */
    const char *p = hit ? rep->str : "";
    while (hit && *p != '\0') {
        const char *eol = strchr(p, '\n');
        char line[256];
        size_t n = eol != NULL ? (size_t) (eol - p) : strlen(p);
        char asset[CB_ASSET_MAX + 2], total[64], avail[64], hold[64];
        cb_acct_balance_t *b = n < sizeof line ? cb_acct_vec_push(out, sizeof(*b)) : NULL;
        if (b != NULL) {
            memcpy(line, p, n);
            line[n] = '\0';
        }
        if (b == NULL || sscanf(line, "%17s %63s %63s %63s", asset, total, avail, hold) != 4 ||
            strlen(asset) > CB_ASSET_MAX ||
            cb_acct_dec_parse(&b->total, total, strlen(total)) != 0 ||
            cb_acct_dec_parse(&b->available, avail, strlen(avail)) != 0 ||
            cb_acct_dec_parse(&b->hold, hold, strlen(hold)) != 0) {
            hit = false;
            break;
        }
        memcpy(b->asset, asset, strlen(asset) + 1); /* length checked above */
        p = eol != NULL ? eol + 1 : p + n;
    }
    if (all != NULL) {
        freeReplyObject(all);
    }
    if (!hit) {
        cb_acct_vec_fini(out);
    }
    return hit;
}

void
acct_cache_put(cb_redis_t *r, const char *venue, const cb_acct_vec_t *balances, int ttl_ms,
               const char *epoch)
{
    cb_script_t put;
    if (r == NULL || ttl_ms <= 0 || cb_script_init(&put, "acct_cache_put") != 0) {
        return;
    }
    cb_buf_t text;
    cb_buf_init(&text);
    const cb_acct_balance_t *b = balances->items;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < balances->count; i++) {
        rc = cb_buf_appendf(&text, "%s %s %s %s\n", b[i].asset, b[i].total.text,
                            b[i].available.text, b[i].hold.text);
    }
    char key[CB_ACCT_CACHE_KEY_MAX], epoch_key[CB_ACCT_CACHE_KEY_MAX], ttl[24];
    cb_acct_cache_key(venue, key, sizeof key);
    cb_acct_epoch_key(venue, epoch_key, sizeof epoch_key);
    snprintf(ttl, sizeof ttl, "%d", ttl_ms);
    const char *keys[2] = {key, epoch_key};
    const char *args[3] = {epoch, rc == 0 && text.data != NULL ? text.data : "", ttl};
    int err = 0;
    redisReply *rep = rc == 0 ? cb_script_run(r, &put, &err, 2, keys, 3, args) : NULL;
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    cb_buf_fini(&text);
}
