/* sim_limits.c - the rate limits venue-sim enforces: Kraken's REST, trading and public counters, Binance's request weight, IP bans and order counts */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_hash.h"
#include "sim_limits.h"

#define S_NS_PER_S 1000000000LL
/* Bucket levels are kept in femto-units (micro-units x 1e9): a decay of r
 * micro-units per second is then exactly r femto-units per nanosecond. */
#define S_FEMTO_PER_MICRO 1000000000LL
#define S_TABLE_SLOTS_MIN 64
/* Expired entries dropped per lookup, at most (the sweep is incremental). */
#define S_SWEEP 2

/* ---- counters ------------------------------------------------------------- */

typedef struct {
    int64_t level;            /* femto-units */
    int64_t at_ns;            /* when level was last brought up to date */
    int64_t blocked_until_ns; /* Kraken REST only */
} s_bucket_t;

typedef struct {
    int64_t window; /* the minute counted (now_ns / 60 s) */
    int64_t used;
    int64_t backoff_until_ns; /* the end of the last 429's Retry-After */
    unsigned violations;      /* requests sent before backoff_until_ns */
    unsigned bans;            /* bans so far (escalation) */
    int64_t banned_until_ns;
} s_ip_t;

typedef struct {
    int64_t ten; /* the 10 s window counted */
    int64_t count_10s;
    int64_t day;
    int64_t count_1d;
} s_orders_t;

/* One key's state in a table. The key is stored as "key\0pair" for the
 * trading counter (C strings cannot contain the separator), else "key". */
typedef struct s_entry {
    struct s_entry *chain;
    struct s_entry *newer; /* LRU list: the table's newest ... oldest */
    struct s_entry *older;
    uint64_t hash;
    int64_t expires_ns; /* from then on the state equals a new entry's */
    union {
        s_bucket_t bucket;
        s_ip_t ip;
        s_orders_t orders;
        sim_kraken_tier_t tier;
    } u;
    size_t key_len;
    char key[];
} s_entry_t;

typedef struct {
    s_entry_t **slots;
    size_t nslots; /* a power of two */
    size_t count;
    size_t capacity; /* 0: unbounded */
    s_entry_t *newest;
    s_entry_t *oldest;
} s_table_t;

/* A key in one or two parts (b may be NULL). */
typedef struct {
    const char *a;
    size_t a_len;
    const char *b;
    size_t b_len;
} s_key_t;

struct sim_limits {
    bool enabled;
    size_t capacity;
    s_table_t tiers;
    s_table_t rest;   /* Kraken REST counter per API key */
    s_table_t trade;  /* Kraken trading counter per (API key, pair) */
    s_table_t pub;    /* Kraken public counter per IP */
    s_table_t ip;     /* Binance REQUEST_WEIGHT per IP */
    s_table_t orders; /* Binance ORDERS per API key */
    int64_t kraken_block_ns;
    int64_t binance_weight_1m;
    int64_t binance_orders_10s;
    int64_t binance_orders_1d;
    unsigned binance_ban_after;
};

/* ---- the table ------------------------------------------------------------ */

/* A NULL a is the empty key. */
static s_key_t
s_key(const char *a, const char *b)
{
    a = a != NULL ? a : "";
    s_key_t k = {a, strlen(a), b, b != NULL ? strlen(b) : 0};
    return k;
}

static uint64_t
s_hash(s_key_t k)
{
    uint64_t h = cb_fnv1a64(CB_FNV1A64_INIT, k.a, k.a_len);
    if (k.b != NULL) {
        h = cb_fnv1a64(cb_fnv1a64_mix(h, 0x100u), k.b, k.b_len);
    }
    return h;
}

static bool
s_key_eq(const s_entry_t *e, s_key_t k)
{
    size_t len = k.a_len + (k.b != NULL ? 1 + k.b_len : 0);
    if (e->key_len != len || memcmp(e->key, k.a, k.a_len) != 0) {
        return false;
    }
    return k.b == NULL ||
           (e->key[k.a_len] == '\0' && memcmp(e->key + k.a_len + 1, k.b, k.b_len) == 0);
}

static int
s_table_init(s_table_t *t, size_t capacity)
{
    memset(t, 0, sizeof *t);
    t->slots = calloc(S_TABLE_SLOTS_MIN, sizeof *t->slots);
    if (t->slots == NULL) {
        return -1;
    }
    t->nslots = S_TABLE_SLOTS_MIN;
    t->capacity = capacity;
    return 0;
}

static void
s_table_clear(s_table_t *t)
{
    s_entry_t *e = t->newest;
    while (e != NULL) {
        s_entry_t *next = e->older;
        free(e);
        e = next;
    }
    if (t->slots != NULL) {
        memset(t->slots, 0, t->nslots * sizeof *t->slots);
    }
    t->count = 0;
    t->newest = NULL;
    t->oldest = NULL;
}

static void
s_table_fini(s_table_t *t)
{
    s_table_clear(t);
    free(t->slots);
    t->slots = NULL;
}

static const s_entry_t *
s_table_find(const s_table_t *t, s_key_t k)
{
    uint64_t hash = s_hash(k);
    for (const s_entry_t *e = t->slots[hash & (t->nslots - 1)]; e != NULL; e = e->chain) {
        if (e->hash == hash && s_key_eq(e, k)) {
            return e;
        }
    }
    return NULL;
}

static void
s_lru_unlink(s_table_t *t, s_entry_t *e)
{
    if (e->newer != NULL) {
        e->newer->older = e->older;
    } else {
        t->newest = e->older;
    }
    if (e->older != NULL) {
        e->older->newer = e->newer;
    } else {
        t->oldest = e->newer;
    }
    e->newer = NULL;
    e->older = NULL;
}

static void
s_lru_push(s_table_t *t, s_entry_t *e)
{
    e->newer = NULL;
    e->older = t->newest;
    if (t->newest != NULL) {
        t->newest->newer = e;
    } else {
        t->oldest = e;
    }
    t->newest = e;
}

static void
s_table_remove(s_table_t *t, s_entry_t *e)
{
    s_entry_t **p = &t->slots[e->hash & (t->nslots - 1)];
    while (*p != e) {
        p = &(*p)->chain;
    }
    *p = e->chain;
    s_lru_unlink(t, e);
    t->count--;
    free(e);
}

/* Doubles the slot array; on failure the table simply stays denser. */
static void
s_table_grow(s_table_t *t)
{
    size_t n = t->nslots * 2;
    s_entry_t **slots = calloc(n, sizeof *slots);
    if (slots == NULL) {
        return;
    }
    for (s_entry_t *e = t->newest; e != NULL; e = e->older) {
        e->chain = slots[e->hash & (n - 1)];
        slots[e->hash & (n - 1)] = e;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
}

/* Evicts down to below capacity (when bounded) and drops a few of the
 * oldest entries whose state has returned to a new entry's. */
static void
s_table_trim(s_table_t *t, int64_t now_ns, size_t room)
{
    for (int i = 0; i < S_SWEEP && t->oldest != NULL && t->oldest->expires_ns <= now_ns; i++) {
        s_table_remove(t, t->oldest);
    }
    while (t->capacity > 0 && t->oldest != NULL && t->count + room > t->capacity) {
        s_table_remove(t, t->oldest);
    }
}

/* The entry for k, made the newest, created zeroed when absent. NULL when
 * out of memory. */
static s_entry_t *
s_table_get(s_table_t *t, s_key_t k, int64_t now_ns)
{
    s_table_trim(t, now_ns, 0);
    s_entry_t *e = (s_entry_t *) s_table_find(t, k);
    if (e != NULL) {
        s_lru_unlink(t, e);
        s_lru_push(t, e);
        return e;
    }
    s_table_trim(t, now_ns, 1);
    size_t len = k.a_len + (k.b != NULL ? 1 + k.b_len : 0);
    e = calloc(1, sizeof *e + len + 1);
    if (e == NULL) {
        return NULL;
    }
    memcpy(e->key, k.a, k.a_len);
    if (k.b != NULL) {
        memcpy(e->key + k.a_len + 1, k.b, k.b_len);
    }
    e->key_len = len;
    e->hash = s_hash(k);
    if (t->count >= t->nslots) {
        s_table_grow(t);
    }
    size_t slot = e->hash & (t->nslots - 1);
    e->chain = t->slots[slot];
    t->slots[slot] = e;
    s_lru_push(t, e);
    t->count++;
    return e;
}

/* ---- arithmetic ----------------------------------------------------------- */

static int64_t
s_add_sat(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b) {
        return INT64_MAX;
    }
    return a + b;
}

static int64_t
s_max(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* floor(a / b) for b > 0, also for negative a. */
static int64_t
s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* Whole seconds from now to until, rounded up, at least 1. */
static int64_t
s_seconds_until(int64_t now_ns, int64_t until_ns)
{
    int64_t d = until_ns - now_ns;
    int64_t s = d / S_NS_PER_S + (d % S_NS_PER_S != 0 ? 1 : 0);
    return s > 0 ? s : 1;
}

/* Brings b to now_ns at rate micro-units per second (exactly: femto-units per
 * ns). A clock that went back decays nothing. */
static void
s_bucket_decay(s_bucket_t *b, int64_t rate, int64_t now_ns)
{
    if (now_ns <= b->at_ns) {
        return;
    }
    int64_t elapsed = now_ns - b->at_ns;
    if (b->level > 0) {
        b->level = elapsed > b->level / rate ? 0 : b->level - elapsed * rate;
    }
    b->at_ns = now_ns;
}

/* Adds cost (micro-units) when it fits under max (micro-units). */
static bool
s_bucket_take(s_bucket_t *b, int64_t max, int64_t cost)
{
    if (cost > max || b->level > (max - cost) * S_FEMTO_PER_MICRO) {
        return false;
    }
    b->level += cost * S_FEMTO_PER_MICRO;
    return true;
}

/* When b will have decayed to nothing at the slowest rate any tier has. */
static int64_t
s_bucket_expiry(const s_bucket_t *b, int64_t slowest_rate)
{
    int64_t drain = b->level / slowest_rate + (b->level % slowest_rate != 0 ? 1 : 0);
    return s_max(s_add_sat(b->at_ns, drain), b->blocked_until_ns);
}

/* A level in femto-units as micro-units, rounded up. */
static int64_t
s_micro(int64_t femto)
{
    return femto / S_FEMTO_PER_MICRO + (femto % S_FEMTO_PER_MICRO != 0 ? 1 : 0);
}

/* ---- life cycle ----------------------------------------------------------- */

sim_limits_t *
sim_limits_new(void)
{
    sim_limits_t *l = calloc(1, sizeof *l);
    if (l == NULL) {
        return NULL;
    }
    l->enabled = true;
    l->capacity = SIM_LIMITS_CAPACITY;
    if (s_table_init(&l->tiers, 0) != 0 || s_table_init(&l->rest, l->capacity) != 0 ||
        s_table_init(&l->trade, l->capacity) != 0 || s_table_init(&l->pub, l->capacity) != 0 ||
        s_table_init(&l->ip, l->capacity) != 0 || s_table_init(&l->orders, l->capacity) != 0) {
        sim_limits_destroy(&l);
        return NULL;
    }
    l->kraken_block_ns = SIM_LIMITS_KRAKEN_BLOCK_NS;
    l->binance_weight_1m = SIM_LIMITS_BINANCE_WEIGHT_1M;
    l->binance_orders_10s = SIM_LIMITS_BINANCE_ORDERS_10S;
    l->binance_orders_1d = SIM_LIMITS_BINANCE_ORDERS_1D;
    l->binance_ban_after = SIM_LIMITS_BINANCE_BAN_AFTER;
    return l;
}

void
sim_limits_destroy(sim_limits_t **limits_p)
{
    if (limits_p == NULL || *limits_p == NULL) {
        return;
    }
    sim_limits_t *l = *limits_p;
    s_table_fini(&l->orders);
    s_table_fini(&l->ip);
    s_table_fini(&l->pub);
    s_table_fini(&l->trade);
    s_table_fini(&l->rest);
    s_table_fini(&l->tiers);
    free(l);
    *limits_p = NULL;
}

void
sim_limits_set_enabled(sim_limits_t *limits, bool enabled)
{
    limits->enabled = enabled;
}

bool
sim_limits_enabled(const sim_limits_t *limits)
{
    return limits->enabled;
}

void
sim_limits_reset(sim_limits_t *limits)
{
    s_table_clear(&limits->rest);
    s_table_clear(&limits->trade);
    s_table_clear(&limits->pub);
    s_table_clear(&limits->ip);
    s_table_clear(&limits->orders);
}

int
sim_limits_set_tier(sim_limits_t *limits, const char *key, sim_kraken_tier_t tier)
{
    s_entry_t *e = s_table_get(&limits->tiers, s_key(key, NULL), INT64_MIN);
    if (e == NULL) {
        return -1;
    }
    e->u.tier = (unsigned) tier <= SIM_KRAKEN_PRO ? tier : SIM_KRAKEN_STARTER;
    e->expires_ns = INT64_MAX;
    return 0;
}

sim_kraken_tier_t
sim_limits_tier(const sim_limits_t *limits, const char *key)
{
    const s_entry_t *e = s_table_find(&limits->tiers, s_key(key, NULL));
    return e != NULL ? e->u.tier : SIM_KRAKEN_STARTER;
}

void
sim_limits_set_capacity(sim_limits_t *limits, size_t capacity)
{
    limits->capacity = capacity < 16 ? 16 : capacity;
    s_table_t *tables[] = {&limits->rest, &limits->trade, &limits->pub, &limits->ip,
                           &limits->orders};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        tables[i]->capacity = limits->capacity;
        s_table_trim(tables[i], INT64_MIN, 0);
    }
}

size_t
sim_limits_entries(const sim_limits_t *limits)
{
    return limits->rest.count + limits->trade.count + limits->pub.count + limits->ip.count +
           limits->orders.count;
}

/* ---- Kraken --------------------------------------------------------------- */

/* Per tier: REST max and decay, trading threshold and decay (micro-units,
 * per second), open orders per pair. */
static const struct {
    int64_t rest_max;
    int64_t rest_rate;
    int64_t trade_max;
    int64_t trade_rate;
    size_t open_max;
} s_tiers[] = {
    {15 * SIM_LIMITS_UNIT, 330000, 60 * SIM_LIMITS_UNIT, 1000000, 60},
    {20 * SIM_LIMITS_UNIT, 500000, 125 * SIM_LIMITS_UNIT, 2340000, 80},
    {20 * SIM_LIMITS_UNIT, 1000000, 180 * SIM_LIMITS_UNIT, 3750000, 225},
};
#define S_REST_SLOWEST 330000
#define S_TRADE_SLOWEST 1000000
#define S_PUBLIC_RATE SIM_LIMITS_UNIT

void
sim_limits_set_kraken_block(sim_limits_t *limits, int64_t block_ns)
{
    limits->kraken_block_ns = block_ns > 0 ? block_ns : 0;
}

int64_t
sim_limits_kraken_call_cost(const char *method)
{
    static const char *const doubled[] = {"Ledgers", "QueryLedgers", "TradesHistory"};
    static const char *const trading[] = {"AddOrder",    "AddOrderBatch",    "AmendOrder",
                                          "CancelOrder", "CancelOrderBatch", "EditOrder"};
    if (method == NULL) {
        return SIM_LIMITS_UNIT;
    }
    for (size_t i = 0; i < sizeof doubled / sizeof doubled[0]; i++) {
        if (strcmp(method, doubled[i]) == 0) {
            return 2 * SIM_LIMITS_UNIT;
        }
    }
    for (size_t i = 0; i < sizeof trading / sizeof trading[0]; i++) {
        if (strcmp(method, trading[i]) == 0) {
            return 0;
        }
    }
    return SIM_LIMITS_UNIT;
}

static void
s_set_error(const char **error, const char *text)
{
    if (error != NULL) {
        *error = text;
    }
}

int
sim_limits_kraken_call(sim_limits_t *limits, const char *key, const char *method, int64_t now_ns,
                       const char **error)
{
    s_set_error(error, NULL);
    int64_t cost = sim_limits_kraken_call_cost(method);
    if (!limits->enabled || cost == 0) {
        return 0;
    }
    sim_kraken_tier_t tier = sim_limits_tier(limits, key);
    s_entry_t *e = s_table_get(&limits->rest, s_key(key, NULL), now_ns);
    if (e == NULL) {
        return 0;
    }
    s_bucket_t *b = &e->u.bucket;
    s_bucket_decay(b, s_tiers[tier].rest_rate, now_ns);
    int rc = 0;
    if (now_ns < b->blocked_until_ns || !s_bucket_take(b, s_tiers[tier].rest_max, cost)) {
        b->blocked_until_ns = s_add_sat(now_ns, limits->kraken_block_ns);
        s_set_error(error, SIM_KRAKEN_RATE_LIMIT);
        rc = -1;
    }
    e->expires_ns = s_bucket_expiry(b, S_REST_SLOWEST);
    return rc;
}

/* A counter's level at now_ns without changing it (micro-units, rounded up). */
static int64_t
s_peek_level(const s_table_t *t, s_key_t k, int64_t rate, int64_t now_ns)
{
    const s_entry_t *e = s_table_find(t, k);
    if (e == NULL) {
        return 0;
    }
    s_bucket_t b = e->u.bucket;
    s_bucket_decay(&b, rate, now_ns);
    return s_micro(b.level);
}

int64_t
sim_limits_kraken_call_level(const sim_limits_t *limits, const char *key, int64_t now_ns)
{
    return s_peek_level(&limits->rest, s_key(key, NULL),
                        s_tiers[sim_limits_tier(limits, key)].rest_rate, now_ns);
}

int64_t
sim_limits_kraken_trade_cost(sim_kraken_action_t action, int64_t age_ns, unsigned count)
{
    /* Columns: resting < 5 s, < 10 s, < 15 s, < 45 s, < 90 s, < 300 s, older. */
    static const int64_t bounds_s[] = {5, 10, 15, 45, 90, 300};
    static const int64_t amend[] = {3, 2, 1, 0, 0, 0, 0};
    static const int64_t edit[] = {6, 5, 4, 2, 1, 0, 0};
    static const int64_t cancel[] = {8, 6, 5, 4, 2, 1, 0};
    size_t col = 0;
    while (col < 6 && age_ns >= bounds_s[col] * S_NS_PER_S) {
        col++;
    }
    int64_t n = count < 1 ? 1 : (int64_t) count;
    switch (action) {
    case SIM_KRAKEN_ADD:
        return SIM_LIMITS_UNIT;
    case SIM_KRAKEN_AMEND:
        return (1 + amend[col]) * SIM_LIMITS_UNIT;
    case SIM_KRAKEN_EDIT:
        return (1 + edit[col]) * SIM_LIMITS_UNIT;
    case SIM_KRAKEN_CANCEL:
        return cancel[col] * SIM_LIMITS_UNIT;
    case SIM_KRAKEN_BATCH_ADD:
        return n * SIM_LIMITS_UNIT / 2;
    case SIM_KRAKEN_BATCH_CANCEL:
        return n * cancel[col] * SIM_LIMITS_UNIT;
    }
    return SIM_LIMITS_UNIT;
}

int
sim_limits_kraken_trade(sim_limits_t *limits, const char *key, const char *pair,
                        sim_kraken_action_t action, int64_t age_ns, unsigned count, int64_t now_ns,
                        const char **error)
{
    s_set_error(error, NULL);
    if (!limits->enabled) {
        return 0;
    }
    int64_t cost = sim_limits_kraken_trade_cost(action, age_ns, count);
    sim_kraken_tier_t tier = sim_limits_tier(limits, key);
    s_entry_t *e = s_table_get(&limits->trade, s_key(key, pair), now_ns);
    if (e == NULL) {
        return 0;
    }
    s_bucket_t *b = &e->u.bucket;
    s_bucket_decay(b, s_tiers[tier].trade_rate, now_ns);
    int rc = 0;
    if (!s_bucket_take(b, s_tiers[tier].trade_max, cost)) {
        s_set_error(error, SIM_KRAKEN_ORDER_RATE_LIMIT);
        rc = -1;
    }
    e->expires_ns = s_bucket_expiry(b, S_TRADE_SLOWEST);
    return rc;
}

int64_t
sim_limits_kraken_trade_level(const sim_limits_t *limits, const char *key, const char *pair,
                              int64_t now_ns)
{
    return s_peek_level(&limits->trade, s_key(key, pair),
                        s_tiers[sim_limits_tier(limits, key)].trade_rate, now_ns);
}

size_t
sim_limits_kraken_max_open(sim_kraken_tier_t tier)
{
    return s_tiers[(unsigned) tier <= SIM_KRAKEN_PRO ? tier : SIM_KRAKEN_STARTER].open_max;
}

int
sim_limits_kraken_open_orders(const sim_limits_t *limits, const char *key, size_t open,
                              const char **error)
{
    s_set_error(error, NULL);
    if (limits->enabled && open >= sim_limits_kraken_max_open(sim_limits_tier(limits, key))) {
        s_set_error(error, SIM_KRAKEN_ORDERS_LIMIT);
        return -1;
    }
    return 0;
}

int
sim_limits_kraken_public(sim_limits_t *limits, const char *ip, int64_t now_ns, const char **error)
{
    s_set_error(error, NULL);
    if (!limits->enabled) {
        return 0;
    }
    s_entry_t *e = s_table_get(&limits->pub, s_key(ip, NULL), now_ns);
    if (e == NULL) {
        return 0;
    }
    s_bucket_t *b = &e->u.bucket;
    s_bucket_decay(b, S_PUBLIC_RATE, now_ns);
    int rc = 0;
    if (!s_bucket_take(b, SIM_LIMITS_KRAKEN_PUBLIC_BURST * SIM_LIMITS_UNIT, SIM_LIMITS_UNIT)) {
        s_set_error(error, SIM_KRAKEN_RATE_LIMIT);
        rc = -1;
    }
    e->expires_ns = s_bucket_expiry(b, S_PUBLIC_RATE);
    return rc;
}

/* ---- Binance -------------------------------------------------------------- */

#define S_MINUTE_NS (60 * S_NS_PER_S)
#define S_TEN_S_NS (10 * S_NS_PER_S)
#define S_DAY_NS (86400 * S_NS_PER_S)

void
sim_limits_set_binance(sim_limits_t *limits, int64_t weight_1m, int64_t orders_10s,
                       int64_t orders_1d)
{
    if (weight_1m > 0) {
        limits->binance_weight_1m = weight_1m;
    }
    if (orders_10s > 0) {
        limits->binance_orders_10s = orders_10s;
    }
    if (orders_1d > 0) {
        limits->binance_orders_1d = orders_1d;
    }
}

void
sim_limits_set_binance_ban(sim_limits_t *limits, unsigned violations)
{
    limits->binance_ban_after = violations;
}

static void
s_binance_verdict(sim_limits_binance_t *out, int status, int code, int64_t retry_after_s)
{
    out->status = status;
    out->code = code;
    out->retry_after_s = retry_after_s;
    out->msg[0] = '\0';
}

/* The ban after `bans` earlier ones: 2 min, doubling, at most 3 days. */
static int64_t
s_ban_ns(unsigned bans)
{
    int64_t ns = SIM_LIMITS_BINANCE_BAN_FIRST_NS;
    for (unsigned i = 0; i < bans && ns < SIM_LIMITS_BINANCE_BAN_MAX_NS; i++) {
        ns *= 2;
    }
    return ns < SIM_LIMITS_BINANCE_BAN_MAX_NS ? ns : SIM_LIMITS_BINANCE_BAN_MAX_NS;
}

static void
s_banned(sim_limits_binance_t *out, const s_ip_t *s, int64_t now_ns)
{
    s_binance_verdict(out, 418, -1003, s_seconds_until(now_ns, s->banned_until_ns));
    snprintf(out->msg, sizeof out->msg,
             "Way too much request weight used; IP banned until %" PRId64
             ". Please use WebSocket Streams for live updates to avoid bans.",
             s->banned_until_ns / 1000000);
}

static int64_t
s_ip_expiry(const s_ip_t *s)
{
    int64_t t = s->used > 0 ? (s->window + 1) * S_MINUTE_NS : INT64_MIN;
    t = s_max(t, s->backoff_until_ns);
    if (s->bans > 0) {
        t = s_max(t, s_add_sat(s->banned_until_ns, SIM_LIMITS_BINANCE_BAN_MEMORY_NS));
    }
    return t;
}

/* The weight verdict for s at now_ns (s already rolled to now's window). */
static int
s_ip_request(const sim_limits_t *limits, s_ip_t *s, int64_t weight, int64_t now_ns,
             sim_limits_binance_t *out)
{
    if (s->bans > 0 && now_ns >= s_add_sat(s->banned_until_ns, SIM_LIMITS_BINANCE_BAN_MEMORY_NS)) {
        s->bans = 0;
    }
    if (now_ns < s->banned_until_ns) {
        s_banned(out, s, now_ns);
        return -1003;
    }
    int64_t retry_until = 0;
    if (now_ns < s->backoff_until_ns) {
        retry_until = s->backoff_until_ns;
        if (limits->binance_ban_after > 0 && ++s->violations >= limits->binance_ban_after) {
            s->banned_until_ns = s_add_sat(now_ns, s_ban_ns(s->bans));
            s->bans++;
            s->violations = 0;
            s->backoff_until_ns = 0;
            s_banned(out, s, now_ns);
            return -1003;
        }
    } else {
        s->violations = 0;
        if (s->used + weight > limits->binance_weight_1m) {
            retry_until = (s->window + 1) * S_MINUTE_NS;
            s->backoff_until_ns = retry_until;
        }
    }
    if (retry_until != 0) {
        s_binance_verdict(out, 429, -1003, s_seconds_until(now_ns, retry_until));
        snprintf(out->msg, sizeof out->msg,
                 "Too much request weight used; current limit is %" PRId64
                 " request weight per 1 MINUTE. Please use WebSocket Streams for live updates to "
                 "avoid polling the API.",
                 limits->binance_weight_1m);
        return -1003;
    }
    s->used += weight;
    return 0;
}

int
sim_limits_binance_request(sim_limits_t *limits, const char *ip, int64_t weight, int64_t now_ns,
                           sim_limits_binance_t *out)
{
    s_binance_verdict(out, 200, 0, 0);
    if (!limits->enabled) {
        return 0;
    }
    s_entry_t *e = s_table_get(&limits->ip, s_key(ip, NULL), now_ns);
    if (e == NULL) {
        return 0;
    }
    s_ip_t *s = &e->u.ip;
    int64_t minute = s_floor_div(now_ns, S_MINUTE_NS);
    if (s->window != minute) {
        s->window = minute;
        s->used = 0;
    }
    int rc = s_ip_request(limits, s, weight > 0 ? weight : 0, now_ns, out);
    out->used_weight_1m = s->used;
    e->expires_ns = s_ip_expiry(s);
    return rc;
}

void
sim_limits_binance_refund(sim_limits_t *limits, const char *ip, int64_t weight, int64_t now_ns)
{
    s_entry_t *e = (s_entry_t *) s_table_find(&limits->ip, s_key(ip, NULL));
    if (e == NULL || weight <= 0 || e->u.ip.window != s_floor_div(now_ns, S_MINUTE_NS)) {
        return;
    }
    e->u.ip.used = e->u.ip.used > weight ? e->u.ip.used - weight : 0;
    e->expires_ns = s_ip_expiry(&e->u.ip);
}

int64_t
sim_limits_binance_used_weight(const sim_limits_t *limits, const char *ip, int64_t now_ns)
{
    const s_entry_t *e = s_table_find(&limits->ip, s_key(ip, NULL));
    if (e == NULL || e->u.ip.window != s_floor_div(now_ns, S_MINUTE_NS)) {
        return 0;
    }
    return e->u.ip.used;
}

int
sim_limits_binance_order(sim_limits_t *limits, const char *key, int64_t now_ns,
                         sim_limits_binance_t *out)
{
    s_binance_verdict(out, 200, 0, 0);
    if (!limits->enabled) {
        return 0;
    }
    s_entry_t *e = s_table_get(&limits->orders, s_key(key, NULL), now_ns);
    if (e == NULL) {
        return 0;
    }
    s_orders_t *s = &e->u.orders;
    int64_t ten = s_floor_div(now_ns, S_TEN_S_NS);
    int64_t day = s_floor_div(now_ns, S_DAY_NS);
    if (s->ten != ten) {
        s->ten = ten;
        s->count_10s = 0;
    }
    if (s->day != day) {
        s->day = day;
        s->count_1d = 0;
    }
    int rc = 0;
    int64_t limit = 0;
    const char *interval = NULL;
    int64_t window_end = 0;
    if (s->count_10s + 1 > limits->binance_orders_10s) {
        limit = limits->binance_orders_10s;
        interval = "10 SECOND";
        window_end = (ten + 1) * S_TEN_S_NS;
    } else if (s->count_1d + 1 > limits->binance_orders_1d) {
        limit = limits->binance_orders_1d;
        interval = "1 DAY";
        window_end = (day + 1) * S_DAY_NS;
    }
    if (interval != NULL) {
        s_binance_verdict(out, 429, -1015, s_seconds_until(now_ns, window_end));
        snprintf(out->msg, sizeof out->msg,
                 "Too many new orders; current limit is %" PRId64 " orders per %s.", limit,
                 interval);
        rc = -1015;
    } else {
        s->count_10s++;
        s->count_1d++;
    }
    out->order_count_10s = s->count_10s;
    out->order_count_1d = s->count_1d;
    int64_t expires = s->count_10s > 0 ? (ten + 1) * S_TEN_S_NS : INT64_MIN;
    e->expires_ns = s_max(expires, s->count_1d > 0 ? (day + 1) * S_DAY_NS : INT64_MIN);
    return rc;
}
