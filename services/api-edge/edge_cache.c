/* edge_cache.c - api-edge's in-memory view of the bus: latest tick, book, candle and stream state per symbol x venue */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_mp.h"
#include "cb_time.h"
#include "cb_venue.h"
#include "edge_cache.h"

/* Venues the cache tells apart (seen on the bus or listed); more are
 * ignored, logged once. */
#define S_VENUES_MAX 64
#define S_SCOPE_MAX 65
/* "SYMBOL venue" and "venue SYMBOL" keys (neither part holds a space). */
#define S_KEY_MAX (EDGE_SYM_MAX + EDGE_VENUE_MAX + 2)

static const char *const s_prefixes[] = {"tick.", "best.", "book.", "candle.", "trade.", "circuit."};

/* What the cache holds for one (venue symbol, venue). */
typedef struct {
    edge_tick_t tick;
    cb_decimal_t spread; /* ask - bid of tick */
    bool has_tick;
    bool has_spread;
    bool resyncing;
} s_pair_t;

typedef struct {
    char venue[EDGE_VENUE_MAX];
    char scope[S_SCOPE_MAX];
    char state[16];
    int64_t retry_at_ns;
} s_circuit_t;

struct edge_cache {
    cb_sub_t *sub;
    edge_cache_listener_fn listener;
    void *listener_ctx;
    zhashx_t *pairs;  /* "SYMBOL venue" -> s_pair_t (owned) */
    zhashx_t *listed; /* "venue SYMBOL" and "venue" -> non-NULL; NULL before listings */
    char venues[S_VENUES_MAX][EDGE_VENUE_MAX]; /* sorted: iteration order is name order */
    size_t venue_count;
    bool venues_full_logged;
    s_circuit_t *circuits; /* sorted by (venue, scope) */
    size_t circuit_count;
    size_t circuit_cap;
    int64_t last_msg_ns;
    uint64_t version; /* edge_cache_version */
};

static void
s_free_item(void **item)
{
    free(*item);
    *item = NULL;
}

edge_cache_t *
edge_cache_new(const char *endpoint)
{
    edge_cache_t *cache = calloc(1, sizeof *cache);
    if (cache == NULL) {
        goto fail_alloc;
    }
    cache->pairs = zhashx_new();
    if (cache->pairs == NULL) {
        goto fail_pairs;
    }
    zhashx_set_destructor(cache->pairs, s_free_item);
    cache->sub = cb_sub_new(endpoint);
    if (cache->sub == NULL) {
        goto fail_sub;
    }
    for (size_t k = 0; k < sizeof s_prefixes / sizeof s_prefixes[0]; k++) {
        if (cb_sub_subscribe(cache->sub, s_prefixes[k]) != 0) {
            cb_log_error("subscribe_failed", "endpoint=%s prefix=%s", endpoint, s_prefixes[k]);
            goto fail_subscribe;
        }
    }
    return cache;

fail_subscribe:
    cb_sub_destroy(&cache->sub);
fail_sub:
    zhashx_destroy(&cache->pairs);
fail_pairs:
    free(cache);
fail_alloc:
    return NULL;
}

void
edge_cache_destroy(edge_cache_t **cache_p)
{
    if (cache_p == NULL || *cache_p == NULL) {
        return;
    }
    edge_cache_t *cache = *cache_p;
    cb_sub_destroy(&cache->sub);
    zhashx_destroy(&cache->pairs);
    zhashx_destroy(&cache->listed);
    free(cache->circuits);
    free(cache);
    *cache_p = NULL;
}

int
edge_cache_fd(const edge_cache_t *cache)
{
    int fd = -1;
    size_t size = sizeof fd;
    zmq_getsockopt(cb_sub_socket(cache->sub), ZMQ_FD, &fd, &size);
    return fd;
}

void
edge_cache_watch_orders(edge_cache_t *cache, bool on)
{
    int rc = on ? cb_sub_subscribe(cache->sub, "order.") : cb_sub_unsubscribe(cache->sub, "order.");
    if (rc != 0) {
        cb_log_error("subscribe_failed", "prefix=order. on=%d", on ? 1 : 0);
    }
}

void
edge_cache_set_listener(edge_cache_t *cache, edge_cache_listener_fn fn, void *ctx)
{
    cache->listener = fn;
    cache->listener_ctx = ctx;
}

/* ---- keys, venues --------------------------------------------------------------- */

static void
s_key(char key[S_KEY_MAX], cb_str_t first, cb_str_t second)
{
    snprintf(key, S_KEY_MAX, "%.*s %.*s", (int) first.len, first.ptr, (int) second.len,
             second.ptr);
}

static s_pair_t *
s_pair(const edge_cache_t *cache, const char *symbol, const char *venue)
{
    char key[S_KEY_MAX];
    s_key(key, cb_str_from(symbol), cb_str_from(venue));
    return zhashx_lookup(cache->pairs, key);
}

/* Adds venue to the sorted list (no-op when there). */
static void
s_venue_add(edge_cache_t *cache, cb_str_t venue)
{
    char name[EDGE_VENUE_MAX];
    snprintf(name, sizeof name, "%.*s", (int) venue.len, venue.ptr);
    size_t pos = 0;
    while (pos < cache->venue_count && strcmp(cache->venues[pos], name) < 0) {
        pos++;
    }
    if (pos < cache->venue_count && strcmp(cache->venues[pos], name) == 0) {
        return;
    }
    if (cache->venue_count == S_VENUES_MAX) {
        if (!cache->venues_full_logged) {
            cb_log_warn("edge_cache_venues_full", "venue=%s max=%d", name, S_VENUES_MAX);
            cache->venues_full_logged = true;
        }
        return;
    }
    memmove(cache->venues[pos + 1], cache->venues[pos],
            (cache->venue_count - pos) * sizeof cache->venues[0]);
    memcpy(cache->venues[pos], name, sizeof name);
    cache->venue_count++;
}

/* ---- resolution ----------------------------------------------------------------- */

typedef struct {
    const edge_cache_t *cache;
    const char *venue;
} s_listing_ctx_t;

static bool
s_listed(const void *ctx, const char *symbol)
{
    const s_listing_ctx_t *l = ctx;
    char key[S_KEY_MAX];
    s_key(key, cb_str_from(l->venue), cb_str_from(symbol));
    return zhashx_lookup(l->cache->listed, key) != NULL;
}

static bool
s_venue_listed(const edge_cache_t *cache, const char *venue)
{
    return cache->listed != NULL && zhashx_lookup(cache->listed, venue) != NULL;
}

/* A venue in the listings resolves by market-feed's rule; any other (all,
 * before the listings came) only by the exact symbol, once the bus carried
 * something of that pair. */
static bool
s_resolve(const edge_cache_t *cache, const char *venue, const char *symbol,
          char out[EDGE_SYM_MAX])
{
    size_t len = strlen(symbol);
    if (len == 0 || len >= EDGE_SYM_MAX || strlen(venue) >= EDGE_VENUE_MAX) {
        return false;
    }
    if (s_venue_listed(cache, venue)) {
        s_listing_ctx_t ctx = {cache, venue};
        char found[CB_SYMBOL_MAX + 1];
        if (!cb_symbol_resolve(cb_str_from(symbol), s_listed, &ctx, found)) {
            return false;
        }
        snprintf(out, EDGE_SYM_MAX, "%s", found);
        return true;
    }
    if (s_pair(cache, symbol, venue) == NULL) {
        return false;
    }
    memcpy(out, symbol, len + 1);
    return true;
}

bool
edge_cache_resolve(const edge_cache_t *cache, const char *venue, const char *symbol,
                   char out[EDGE_SYM_MAX])
{
    return s_resolve(cache, venue, symbol, out);
}

/* The pair of a requested symbol on venue, resolved; NULL when none. */
static const s_pair_t *
s_resolved_pair(const edge_cache_t *cache, const char *venue, const char *symbol)
{
    char real[EDGE_SYM_MAX];
    return s_resolve(cache, venue, symbol, real) ? s_pair(cache, real, venue) : NULL;
}

bool
edge_cache_symbol_known(const edge_cache_t *cache, const char *symbol)
{
    for (size_t k = 0; k < cache->venue_count; k++) {
        const char *venue = cache->venues[k];
        char real[EDGE_SYM_MAX];
        if (!s_resolve(cache, venue, symbol, real)) {
            continue;
        }
        const s_pair_t *pair = s_pair(cache, real, venue);
        if (s_venue_listed(cache, venue) || (pair != NULL && pair->has_tick)) {
            return true;
        }
    }
    return false;
}

int
edge_cache_set_listings(edge_cache_t *cache, const void *result, size_t len)
{
    zhashx_t *listed = zhashx_new();
    if (listed == NULL) {
        return CB_E_NOMEM;
    }
    static char mark[] = "listed";
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, result, len);
    uint32_t venues;
    if (cb_mp_read_map(&r, &venues) != 0) {
        goto fail;
    }
    for (uint32_t i = 0; i < venues; i++) {
        const char *venue;
        size_t venue_len;
        uint32_t symbols;
        if (cb_mp_read_str(&r, &venue, &venue_len) != 0 ||
            !cb_proto_name_valid(venue, venue_len, EDGE_VENUE_MAX - 1) ||
            cb_mp_read_array(&r, &symbols) != 0) {
            goto fail;
        }
        char key[S_KEY_MAX];
        snprintf(key, sizeof key, "%.*s", (int) venue_len, venue);
        zhashx_update(listed, key, mark);
        for (uint32_t j = 0; j < symbols; j++) {
            const char *symbol;
            size_t symbol_len;
            if (cb_mp_read_str(&r, &symbol, &symbol_len) != 0 ||
                !cb_proto_symbol_valid(symbol, symbol_len)) {
                goto fail;
            }
            s_key(key, (cb_str_t){venue, venue_len}, (cb_str_t){symbol, symbol_len});
            zhashx_update(listed, key, mark);
        }
    }
    if (!cb_mp_at_end(&r)) {
        goto fail;
    }
    /* Valid as a whole: only now replace the old listings. */
    zhashx_destroy(&cache->listed);
    cache->listed = listed;
    cache->version++;
    cb_mp_reader_init(&r, result, len);
    cb_mp_read_map(&r, &venues);
    for (uint32_t i = 0; i < venues; i++) {
        const char *venue;
        size_t venue_len;
        cb_mp_read_str(&r, &venue, &venue_len);
        s_venue_add(cache, (cb_str_t){venue, venue_len});
        cb_mp_skip(&r, NULL, NULL);
    }
    return 0;

fail:
    zhashx_destroy(&listed);
    return CB_E_BAD_REQUEST;
}

/* ---- lookups -------------------------------------------------------------------- */

bool
edge_cache_tick(const edge_cache_t *cache, const char *symbol, const char *venue,
                int64_t max_age_ns, edge_tick_t *out)
{
    if (venue != NULL) {
        const s_pair_t *pair = s_resolved_pair(cache, venue, symbol);
        if (pair == NULL || !pair->has_tick) {
            return false;
        }
        *out = pair->tick;
        return true;
    }
    /* The narrowest spread; on a tie the fresher tick, then the venue first
     * by name (venues are kept sorted). Same rule as market.price. */
    int64_t now = cb_time_now_ns();
    const s_pair_t *best = NULL;
    for (size_t k = 0; k < cache->venue_count; k++) {
        const s_pair_t *pair = s_resolved_pair(cache, cache->venues[k], symbol);
        if (pair == NULL || !pair->has_tick || !pair->has_spread ||
            (max_age_ns > 0 && now - pair->tick.received_ns > max_age_ns)) {
            continue;
        }
        int c = best == NULL ? -1 : cb_decimal_cmp(pair->spread, best->spread);
        if (c < 0 || (c == 0 && pair->tick.received_ns > best->tick.received_ns)) {
            best = pair;
        }
    }
    if (best == NULL) {
        return false;
    }
    *out = best->tick;
    return true;
}

size_t
edge_cache_ticks(const edge_cache_t *cache, const char *symbol, edge_tick_t *out, size_t max)
{
    size_t n = 0;
    for (size_t k = 0; k < cache->venue_count && n < max; k++) {
        const s_pair_t *pair = s_resolved_pair(cache, cache->venues[k], symbol);
        if (pair != NULL && pair->has_tick) {
            out[n++] = pair->tick;
        }
    }
    return n;
}

uint64_t
edge_cache_version(const edge_cache_t *cache)
{
    return cache->version;
}

bool
edge_cache_book_resyncing(const edge_cache_t *cache, const char *symbol, const char *venue)
{
    const s_pair_t *pair = s_resolved_pair(cache, venue, symbol);
    return pair != NULL && pair->resyncing;
}

void
edge_cache_each_circuit(const edge_cache_t *cache,
                        void (*fn)(void *ctx, const char *venue, const char *scope,
                                   const char *state, int64_t retry_at_ns),
                        void *ctx)
{
    for (size_t k = 0; k < cache->circuit_count; k++) {
        const s_circuit_t *c = &cache->circuits[k];
        fn(ctx, c->venue, c->scope, c->state, c->retry_at_ns);
    }
}

edge_cache_stats_t
edge_cache_stats(const edge_cache_t *cache)
{
    cb_sub_stats_t sub = cb_sub_stats(cache->sub);
    edge_cache_stats_t stats = {
        .received = sub.received,
        .malformed = sub.malformed,
        .gaps = sub.gaps,
        .missed = sub.missed,
        .last_msg_ns = cache->last_msg_ns,
    };
    return stats;
}

/* ---- applying messages ---------------------------------------------------------- */

static s_pair_t *
s_pair_take(edge_cache_t *cache, cb_str_t symbol, cb_str_t venue)
{
    char key[S_KEY_MAX];
    s_key(key, symbol, venue);
    s_pair_t *pair = zhashx_lookup(cache->pairs, key);
    if (pair != NULL) {
        return pair;
    }
    pair = calloc(1, sizeof *pair);
    if (pair == NULL) {
        return NULL;
    }
    zhashx_insert(cache->pairs, key, pair);
    s_venue_add(cache, venue);
    cache->version++;
    return pair;
}

/* The slot of a tick's decimal key, or NULL. */
static char *
s_dec_slot(edge_tick_t *t, const char *key, size_t len)
{
    static const struct {
        const char *name;
        size_t offset;
    } slots[] = {
        {"bid", offsetof(edge_tick_t, bid)},       {"ask", offsetof(edge_tick_t, ask)},
        {"bid_qty", offsetof(edge_tick_t, bid_qty)}, {"ask_qty", offsetof(edge_tick_t, ask_qty)},
        {"last", offsetof(edge_tick_t, last)},     {"volume", offsetof(edge_tick_t, volume)},
    };
    for (size_t k = 0; k < sizeof slots / sizeof slots[0]; k++) {
        if (strlen(slots[k].name) == len && memcmp(slots[k].name, key, len) == 0) {
            return (char *) t + slots[k].offset;
        }
    }
    return NULL;
}

static void
s_dec_format(char out[EDGE_DEC_MAX], bool present, cb_decimal_t value)
{
    out[0] = '\0';
    if (present) {
        cb_decimal_format(value, out, EDGE_DEC_MAX);
    }
}

/* Fills the decimals of t with the wire's exact strings: the payload was
 * decoded (so they are valid decimals); a msgpack integer, or a string too
 * long for the slot, keeps the canonical form of the decoded value. */
static void
s_tick_strings(edge_tick_t *t, const cb_tick_t *tick, const uint8_t *payload, size_t len)
{
    s_dec_format(t->bid, true, tick->bid);
    s_dec_format(t->ask, true, tick->ask);
    s_dec_format(t->bid_qty, CB_PROTO_HAS(tick, tick, bid_qty), tick->bid_qty);
    s_dec_format(t->ask_qty, CB_PROTO_HAS(tick, tick, ask_qty), tick->ask_qty);
    s_dec_format(t->last, CB_PROTO_HAS(tick, tick, last), tick->last);
    s_dec_format(t->volume, CB_PROTO_HAS(tick, tick, volume), tick->volume);
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, payload, len);
    uint32_t count;
    if (cb_mp_read_map(&r, &count) != 0) {
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *key;
        size_t key_len;
        if (cb_mp_read_str(&r, &key, &key_len) != 0) {
            return;
        }
        char *slot = s_dec_slot(t, key, key_len);
        const char *text;
        size_t text_len;
        if (slot != NULL && cb_mp_peek(&r) == CB_MP_STR) {
            if (cb_mp_read_str(&r, &text, &text_len) != 0) {
                return;
            }
            if (text_len < EDGE_DEC_MAX) {
                memcpy(slot, text, text_len);
                slot[text_len] = '\0';
            }
        } else if (cb_mp_skip(&r, NULL, NULL) != 0) {
            return;
        }
    }
}

static void
s_apply_tick(edge_cache_t *cache, const cb_sub_msg_t *msg)
{
    const cb_tick_t *tick = &msg->ev.body.tick;
    s_pair_t *pair = s_pair_take(cache, tick->symbol, tick->venue);
    if (pair == NULL) {
        return;
    }
    edge_tick_t *t = &pair->tick;
    snprintf(t->symbol, sizeof t->symbol, "%.*s", (int) tick->symbol.len, tick->symbol.ptr);
    snprintf(t->venue, sizeof t->venue, "%.*s", (int) tick->venue.len, tick->venue.ptr);
    s_tick_strings(t, tick, msg->payload, msg->payload_len);
    t->ts_ns = msg->ev.env.ts;
    t->exch_ts_ns = CB_PROTO_HAS(tick, tick, exch_ts) ? tick->exch_ts : 0;
    t->seq = msg->ev.env.seq;
    t->received_ns = cache->last_msg_ns;
    pair->has_spread = cb_decimal_sub(tick->ask, tick->bid, &pair->spread) == 0;
    pair->has_tick = true;
    cache->version++;
}

static void
s_apply_book(edge_cache_t *cache, const cb_sub_msg_t *msg)
{
    const cb_book_t *book = &msg->ev.body.book;
    s_pair_t *pair = s_pair_take(cache, book->symbol, book->venue);
    if (pair != NULL) {
        pair->resyncing = CB_PROTO_HAS(book, book, resyncing) && book->resyncing;
    }
}

static void
s_apply_circuit(edge_cache_t *cache, const cb_sub_msg_t *msg)
{
    const cb_circuit_t *ev = &msg->ev.body.circuit;
    s_circuit_t c = {0};
    snprintf(c.venue, sizeof c.venue, "%.*s", (int) ev->venue.len, ev->venue.ptr);
    snprintf(c.scope, sizeof c.scope, "%.*s", (int) ev->scope.len, ev->scope.ptr);
    snprintf(c.state, sizeof c.state, "%.*s", (int) ev->state.len, ev->state.ptr);
    c.retry_at_ns = CB_PROTO_HAS(ev, circuit, retry_at) ? ev->retry_at : 0;
    size_t pos = 0;
    int cmp = 1;
    while (pos < cache->circuit_count) {
        cmp = strcmp(cache->circuits[pos].venue, c.venue);
        cmp = cmp != 0 ? cmp : strcmp(cache->circuits[pos].scope, c.scope);
        if (cmp >= 0) {
            break;
        }
        pos++;
    }
    if (pos < cache->circuit_count && cmp == 0) {
        cache->circuits[pos] = c;
        return;
    }
    if (cache->circuit_count == cache->circuit_cap) {
        size_t cap = cache->circuit_cap > 0 ? cache->circuit_cap * 2 : 16;
        s_circuit_t *grown = realloc(cache->circuits, cap * sizeof *grown);
        if (grown == NULL) {
            return;
        }
        cache->circuits = grown;
        cache->circuit_cap = cap;
    }
    memmove(&cache->circuits[pos + 1], &cache->circuits[pos],
            (cache->circuit_count - pos) * sizeof c);
    cache->circuits[pos] = c;
    cache->circuit_count++;
}

size_t
edge_cache_process(edge_cache_t *cache, size_t max_msgs)
{
    size_t n = 0;
    while (max_msgs == 0 || n < max_msgs) {
        cb_sub_msg_t msg;
        int rc = cb_sub_recv(cache->sub, 0, &msg);
        if (rc == CB_E_TIMEOUT || rc == CB_E_IO) {
            cb_sub_msg_clear(&msg);
            break;
        }
        n++;
        cache->last_msg_ns = cb_time_now_ns();
        /* A malformed message was counted by cb_sub; it is neither cached
         * nor passed on. */
        if (rc == 0) {
            if (msg.ev.kind == CB_KIND_tick) {
                s_apply_tick(cache, &msg);
            } else if (msg.ev.kind == CB_KIND_book) {
                s_apply_book(cache, &msg);
            } else if (msg.ev.kind == CB_KIND_circuit) {
                s_apply_circuit(cache, &msg);
            }
            if (cache->listener != NULL) {
                cache->listener(cache->listener_ctx, &msg);
            }
        }
        cb_sub_msg_clear(&msg);
    }
    return n;
}
