/* edge_price.c - api-edge's price answers from the bus cache, rendered once and re-used until the next tick */
#include "edge_price.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_decimal.h"
#include "cb_error.h"
#include "cb_hash.h"
#include "cb_mp.h"
#include "cb_time.h"
#include "edge_reply.h"

/* Direct-mapped by (symbol, venue): a collision only costs a render. */
#define S_SLOTS 64
#define S_VENUES_MAX 16

typedef struct {
    char symbol[EDGE_SYM_MAX];
    char venue[EDGE_VENUE_MAX];
    uint64_t version;  /* edge_cache_version it was rendered at */
    int64_t until_ns;  /* served while now <= this: its tick's received + fresh */
    bool used;
    cb_buf_t json;
} s_slot_t;

struct edge_price {
    edge_cache_t *cache;
    int64_t fresh_ns;
    uint64_t renders;
    s_slot_t slots[S_SLOTS];
};

edge_price_t *
edge_price_new(edge_cache_t *cache, int64_t fresh_ns)
{
    edge_price_t *price = calloc(1, sizeof *price);
    if (price == NULL) {
        return NULL;
    }
    price->cache = cache;
    price->fresh_ns = fresh_ns;
    return price;
}

void
edge_price_destroy(edge_price_t **price_p)
{
    if (price_p == NULL || *price_p == NULL) {
        return;
    }
    edge_price_t *price = *price_p;
    for (size_t i = 0; i < S_SLOTS; i++) {
        cb_buf_fini(&price->slots[i].json);
    }
    free(price);
    *price_p = NULL;
}

uint64_t
edge_price_renders(const edge_price_t *price)
{
    return price->renders;
}

/* ---- rendering ------------------------------------------------------------- */

static int
s_mp_kv(cb_buf_t *b, const char *key, const char *value)
{
    int rc = cb_mp_write_str(b, key, strlen(key));
    return rc != 0 ? rc : cb_mp_write_str(b, value, strlen(value));
}

/* The price a quote shows, as market-feed's price op computes it: the last
 * trade when the tick carries one, else the mid (half-even at one more
 * digit), else the bid. */
static void
s_price_text(const edge_tick_t *t, char *out, size_t size)
{
    cb_decimal_t bid, ask, sum, mid;
    if (t->last[0] != '\0') {
        snprintf(out, size, "%s", t->last);
        return;
    }
    snprintf(out, size, "%s", t->bid);
    if (cb_decimal_parse(t->bid, strlen(t->bid), &bid) != 0 ||
        cb_decimal_parse(t->ask, strlen(t->ask), &ask) != 0 || cb_decimal_add(bid, ask, &sum) != 0) {
        return;
    }
    unsigned scale = sum.scale + 1u > CB_DECIMAL_MAX_SCALE ? CB_DECIMAL_MAX_SCALE : sum.scale + 1u;
    if (cb_decimal_div(sum, cb_decimal_from_int(2), scale, CB_ROUND_HALF_EVEN, &mid) == 0) {
        (void) cb_decimal_format(cb_decimal_normalize(mid), out, size);
    }
}

/* One quote map as market-feed's price op packs it (extra: more keys follow). */
static int
s_pack_quote(cb_buf_t *b, const edge_tick_t *t, uint32_t extra)
{
    char price[CB_DECIMAL_STR_MAX];
    s_price_text(t, price, sizeof price);
    bool bq = t->bid_qty[0] != '\0';
    bool aq = t->ask_qty[0] != '\0';
    int rc = cb_mp_write_map(b, 6 + bq + aq + extra);
    rc = rc != 0 ? rc : s_mp_kv(b, "symbol", t->symbol);
    rc = rc != 0 ? rc : s_mp_kv(b, "venue", t->venue);
    rc = rc != 0 ? rc : s_mp_kv(b, "price", price);
    rc = rc != 0 ? rc : s_mp_kv(b, "bid", t->bid);
    rc = rc != 0 ? rc : s_mp_kv(b, "ask", t->ask);
    rc = rc != 0 || !bq ? rc : s_mp_kv(b, "bid_qty", t->bid_qty);
    rc = rc != 0 || !aq ? rc : s_mp_kv(b, "ask_qty", t->ask_qty);
    rc = rc != 0 ? rc : cb_mp_write_str(b, "timestamp", 9);
    return rc != 0 ? rc : cb_mp_write_int(b, t->exch_ts_ns != 0 ? t->exch_ts_ns : t->ts_ns);
}

/* Renders the answer into out from the cache as it is now; 1, 0 (no fresh
 * tick) or an error. *until_ns: the last instant it may be served. The
 * answer only depends on which ticks are fresh through the chosen one: a
 * stale tick stays stale until a new one comes (a new version), and another
 * fresh tick getting stale does not change the narrowest fresh spread. */
static int
s_render(const edge_price_t *price, const char *symbol, const char *venue, cb_buf_t *out,
         int64_t *until_ns)
{
    edge_tick_t best;
    bool any = venue[0] == '\0';
    if (!edge_cache_tick(price->cache, symbol, any ? NULL : venue, price->fresh_ns, &best) ||
        cb_time_now_ns() - best.received_ns > price->fresh_ns) {
        return 0;
    }
    *until_ns = best.received_ns + price->fresh_ns;
    edge_tick_t all[S_VENUES_MAX];
    size_t n = any ? edge_cache_ticks(price->cache, symbol, all, S_VENUES_MAX) : 0;
    cb_buf_t mp = {0};
    int rc = s_pack_quote(&mp, &best, any ? 1 : 0);
    if (rc == 0 && any) {
        rc = cb_mp_write_str(&mp, "venues", 6);
        rc = rc != 0 ? rc : cb_mp_write_array(&mp, (uint32_t) n);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            rc = s_pack_quote(&mp, &all[i], 0);
        }
    }
    cb_buf_reset(out);
    rc = rc != 0 ? rc : edge_reply_render(out, mp.data, mp.len);
    cb_buf_fini(&mp);
    return rc != 0 ? rc : 1;
}

/* ---- the memo -------------------------------------------------------------- */

static size_t
s_hash(const char *symbol, const char *venue)
{
    uint64_t h = cb_fnv1a64_str(CB_FNV1A64_INIT, symbol);
    h = cb_fnv1a64_str(cb_fnv1a64_mix(h, 0x100u), venue);
    return (size_t) (h % S_SLOTS);
}

int
edge_price_get(edge_price_t *price, const char *symbol, const char *venue, cb_buf_t *out)
{
    s_slot_t *slot = &price->slots[s_hash(symbol, venue)];
    uint64_t version = edge_cache_version(price->cache);
    if (slot->used && slot->version == version && cb_time_now_ns() <= slot->until_ns &&
        strcmp(slot->symbol, symbol) == 0 && strcmp(slot->venue, venue) == 0) {
        cb_buf_reset(out);
        return cb_buf_append(out, slot->json.data, slot->json.len) == 0 ? 1 : CB_E_NOMEM;
    }
    int64_t until_ns = 0;
    int rc = s_render(price, symbol, venue, out, &until_ns);
    price->renders += rc == 1;
    if (rc != 1 || strlen(symbol) >= sizeof slot->symbol || strlen(venue) >= sizeof slot->venue) {
        return rc;
    }
    /* Kept only when the copy is whole; otherwise the next request renders. */
    slot->used = false;
    cb_buf_reset(&slot->json);
    if (cb_buf_append(&slot->json, out->data, out->len) == 0) {
        memcpy(slot->symbol, symbol, strlen(symbol) + 1);
        memcpy(slot->venue, venue, strlen(venue) + 1);
        slot->version = version;
        slot->until_ns = until_ns;
        slot->used = true;
    }
    return 1;
}
