/* test_redis_cluster.c - every Lua-backed operation against a real 3-node Redis Cluster (through a node that does not own the keys: MOVED, NOSCRIPT, MULTI, pipelines) and against a single node */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "cb_account.h"
#include "cb_apikey.h"
#include "cb_circuit.h"
#include "cb_error.h"
#include "cb_inbound.h"
#include "cb_lua.h"
#include "cb_nonce.h"
#include "cb_ratelimit.h"
#include "cb_redis.h"
#include "cb_time.h"
#include "cb_venue_clock.h"
#include "cbh.h"
#include "cbh_cluster.h"
#include "acct_value.h"
#include "cbh_router.h"
#include "feed_lease.h"
#include "route_ledger.h"

/* The cluster, or (single true) one plain redis-server. */
static cbh_cluster_t s_cluster;
static cbh_redis_t s_single;
static bool s_is_single;
/* Which cluster nodes owned a slot some operation used (bit per node). */
static unsigned s_owners;

/* Every script of shared/lua this file runs through the cluster: a new
 * script must be added here (and run below), or test_every_script_covered
 * fails, so no script reaches production untried against CROSSSLOT. */
static const char *const s_covered[] = {
    "ban",         "circuit",     "clock",          "inbound",      "leaky",
    "lease_release", "lease_renew", "lease_replicas", "nonce",      "route_claim",
    "route_fire",  "route_intent", "route_state",   "trueup",       "window",
    "acct_cache_put",
};

static int
s_setup_cluster(void **state)
{
    (void) state;
    s_is_single = false;
    return cbh_cluster_start(&s_cluster);
}

static int
s_teardown_cluster(void **state)
{
    (void) state;
    cbh_cluster_stop(&s_cluster);
    return 0;
}

static int
s_setup_single(void **state)
{
    (void) state;
    s_is_single = true;
    return cbh_redis_start(&s_single, NULL);
}

static int
s_teardown_single(void **state)
{
    (void) state;
    cbh_redis_stop(&s_single);
    return 0;
}

/* A fresh client for operations on key: on the cluster, connected to a node
 * that does NOT serve key's slot, so that the first command is redirected.
 * *owner gets the serving node (-1 on a single node). */
static cb_redis_t *
s_client_for(const char *key, int *owner)
{
    int err = 0;
    const char *url = s_single.url;
    *owner = -1;
    if (!s_is_single) {
        *owner = cbh_cluster_owner(&s_cluster, key);
        assert_true(*owner >= 0);
        s_owners |= 1u << *owner;
        url = s_cluster.url[(*owner + 1) % CBH_CLUSTER_NODES];
    }
    cb_redis_t *r = cb_redis_new(url, &err);
    assert_non_null(r);
    return r;
}

/* EXISTS key asked of the node itself (no redirection followed): 1 when the
 * key lives on node `owner` (always checked on a single node). */
static long long
s_exists_on(int owner, const char *key)
{
    int port = owner < 0 ? s_single.port : s_cluster.port[owner];
    redisContext *ctx = redisConnect("127.0.0.1", port);
    assert_non_null(ctx);
    assert_int_equal(ctx->err, 0);
    redisReply *r = redisCommand(ctx, "EXISTS %s", key);
    assert_non_null(r);
    long long v = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject(r);
    redisFree(ctx);
    return v;
}

static void
test_ratelimit(void **state)
{
    (void) state;
    int owner;
    cb_redis_t *r = s_client_for("coinbus:ratelimit:{kraken}:rest:k1", &owner);
    cb_ratelimit_t *rl = cb_ratelimit_new(r);
    assert_non_null(rl);
    cb_rl_bucket_t bucket = {2000, 1};
    cb_rl_decision_t d;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(cb_ratelimit_acquire(rl, "kraken:rest:k1", "kraken", bucket, 1000, 0, &d), 0);
        assert_true(d.admitted);
    }
    assert_int_equal(cb_ratelimit_acquire(rl, "kraken:rest:k1", "kraken", bucket, 1000, 0, &d), 0);
    assert_false(d.admitted);
    assert_int_equal(s_exists_on(owner, "coinbus:ratelimit:{kraken}:rest:k1"), 1);
    /* A ban on the venue holds back its other counters (same slot). */
    assert_int_equal(cb_ratelimit_ban(rl, "kraken", 5000), 0);
    assert_int_equal(s_exists_on(owner, "coinbus:ratelimit:ban:{kraken}"), 1);
    assert_int_equal(cb_ratelimit_acquire(rl, "kraken:public", "kraken", bucket, 1000, 0, &d), 0);
    assert_false(d.admitted);
    assert_true(d.wait_ms > 0);
    /* Binance's windows and the true-up, on another tag. */
    cb_rl_window_t w = {"binance:weight", 10, 60000, 4};
    assert_int_equal(cb_ratelimit_acquire_windows(rl, "binance", &w, 1, 0, &d), 0);
    assert_true(d.admitted);
    assert_int_equal(cb_ratelimit_true_up(rl, "binance:weight", 60000, 9), 0);
    assert_int_equal(cb_ratelimit_acquire_windows(rl, "binance", &w, 1, 0, &d), 0);
    assert_false(d.admitted);
    /* No tag, no call: a key without one could hash apart from its ban. */
    assert_int_equal(cb_ratelimit_acquire(rl, ":x", NULL, bucket, 1000, 0, &d), CB_E_BAD_REQUEST);
    cb_ratelimit_destroy(&rl);
    cb_redis_destroy(&r);
}

static void
test_circuit(void **state)
{
    (void) state;
    int owner;
    cb_redis_t *r = s_client_for("coinbus:circuit:sim-kraken:orders", &owner);
    cb_circuit_config_t cfg = cb_circuit_defaults();
    cfg.failure_threshold = 2;
    cfg.recovery_ms = 60000;
    cb_circuit_breaker_t *c = cb_circuit_new(r, NULL, cfg);
    assert_non_null(c);
    cb_circuit_decision_t d;
    assert_int_equal(cb_circuit_allow(c, "sim-kraken", "orders", &d), 0);
    assert_true(d.allowed);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(cb_circuit_report(c, "sim-kraken", "orders", false, false, &d), 0);
    }
    assert_int_equal(cb_circuit_allow(c, "sim-kraken", "orders", &d), 0);
    assert_false(d.allowed);
    assert_int_equal(d.state, CB_CIRCUIT_OPEN);
    assert_int_equal(s_exists_on(owner, "coinbus:circuit:sim-kraken:orders"), 1);
    cb_circuit_destroy(&c);
    cb_redis_destroy(&r);
}

static void
test_nonce(void **state)
{
    (void) state;
    cb_nonce_t n;
    int owner;
    /* The key name is derived from the API key: ask the generator for it. */
    assert_int_equal(cb_nonce_init(&n, NULL, "sim-kraken", "api-key-A"), 0);
    cb_redis_t *r = s_client_for(n.key, &owner);
    assert_int_equal(cb_nonce_init(&n, r, "sim-kraken", "api-key-A"), 0);
    uint64_t a = 0, b = 0;
    assert_int_equal(cb_nonce_next(&n, &a), 0);
    assert_int_equal(cb_nonce_next(&n, &b), 0);
    assert_true(b > a);
    assert_int_equal(s_exists_on(owner, n.key), 1);
    cb_redis_destroy(&r);
}

static void
test_inbound(void **state)
{
    (void) state;
    int owner;
    cb_redis_t *r = s_client_for("coinbus:ratelimit:inbound:{ip:192.0.2.7}", &owner);
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cfg.limit = 4;
    cfg.lease_size = 1;
    cb_inbound_t *in = cb_inbound_new(r, cfg);
    assert_non_null(in);
    cb_inbound_decision_t d;
    for (int i = 0; i < 4; i++) {
        cb_inbound_check(in, "ip:192.0.2.7", &d);
        assert_true(d.allowed);
        assert_false(d.degraded);
    }
    cb_inbound_check(in, "ip:192.0.2.7", &d);
    assert_false(d.allowed);
    assert_false(d.degraded);
    assert_int_equal(s_exists_on(owner, "coinbus:ratelimit:inbound:{ip:192.0.2.7}:total"), 1);
    cb_inbound_destroy(&in);
    cb_redis_destroy(&r);
}

static void
test_venue_clock(void **state)
{
    (void) state;
    int owner;
    cb_redis_t *r = s_client_for("coinbus:clock:sim-binance", &owner);
    int64_t now = cb_time_now_ms();
    int64_t offset = 0, age = -1;
    assert_int_equal(cb_venue_clock_record(r, "sim-binance", now - 10, now + 995, now, &offset), 0);
    assert_int_equal(cb_venue_clock_offset(r, "sim-binance", &offset, &age), 0);
    assert_true(offset > 900 && offset < 1100);
    assert_true(cb_venue_clock_should_measure(r, "sim-binance", 60000));
    assert_false(cb_venue_clock_should_measure(r, "sim-binance", 60000));
    assert_int_equal(s_exists_on(owner, "coinbus:clock:sim-binance"), 1);
    cb_redis_destroy(&r);
}

static void
test_feed_lease(void **state)
{
    (void) state;
    int owner;
    cb_redis_t *r = s_client_for("coinbus:market:lease:sim-kraken:BTC-USD", &owner);
    int err = 0;
    feed_lease_t *l = feed_lease_new(r, 3000, &err);
    assert_non_null(l);
    assert_int_equal(feed_lease_add(l, "sim-kraken", "BTC-USD"), 0);
    feed_lease_changes_t ch;
    assert_int_equal(feed_lease_tick(l, &ch), 0);
    assert_int_equal(ch.n_gained, 1);
    assert_true(feed_lease_owned(l, 0));
    assert_int_equal(s_exists_on(owner, "coinbus:market:lease:sim-kraken:BTC-USD"), 1);
    assert_int_equal(feed_lease_tick(l, &ch), 0); /* renews */
    assert_true(feed_lease_owned(l, 0));
    assert_int_equal(feed_lease_release_all(l, &ch), 0);
    assert_int_equal(s_exists_on(owner, "coinbus:market:lease:sim-kraken:BTC-USD"), 0);
    feed_lease_destroy(&l);
    cb_redis_destroy(&r);
}

/* The API key lookup api-edge makes: 0 with the id, or CB_E_NOT_FOUND. */
static int
s_lookup(cb_redis_t *r, const char *key, char *id)
{
    char hex[CB_APIKEY_HASH_LEN + 1];
    char keybuf[CB_APIKEY_REDIS_KEY_MAX];
    const char *argv[4];
    size_t lens[4];
    cb_apikey_hash(key, strlen(key), hex);
    int argc = cb_apikey_lookup_argv(hex, keybuf, argv, lens);
    int err = 0;
    redisReply *rep = cb_redis_commandv(r, &err, argc, argv, lens);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_ARRAY);
    assert_int_equal(rep->elements, 2);
    cb_apikey_scope_t scope;
    int rc = cb_apikey_lookup_parse(rep->element[0]->str, rep->element[0]->len,
                                    rep->element[1]->str, rep->element[1]->len, id, &scope);
    freeReplyObject(rep);
    return rc;
}

static void
test_apikey(void **state)
{
    (void) state;
    int owner;
    cb_redis_t *r = s_client_for("coinbus:edge:{apikeys}:ids", &owner);
    char key[CB_APIKEY_TEXT_LEN + 1];
    cb_apikey_info_t info;
    /* MULTI starts where the client is; its first command moves it. */
    assert_int_equal(cb_apikey_create(r, "cluster test", CB_APIKEY_SCOPE_TRADE, key, &info), 0);
    assert_int_equal(s_exists_on(owner, "coinbus:edge:{apikeys}:ids"), 1);
    char id[CB_APIKEY_ID_LEN + 1];
    assert_int_equal(s_lookup(r, key, id), 0);
    assert_string_equal(id, info.id);
    cb_apikey_info_t *list = NULL;
    size_t n = 0;
    assert_int_equal(cb_apikey_list(r, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].id, info.id);
    free(list);
    assert_int_equal(cb_apikey_revoke(r, info.id), 0);
    assert_int_equal(s_lookup(r, key, id), CB_E_NOT_FOUND);
    assert_int_equal(cb_apikey_revoke(r, info.id), CB_E_NOT_FOUND);
    /* A second key through a fresh client: the transaction from a cold
     * start again, then a key that works. */
    cb_redis_destroy(&r);
    r = s_client_for("coinbus:edge:{apikeys}:ids", &owner);
    assert_int_equal(cb_apikey_create(r, "second", CB_APIKEY_SCOPE_READ, key, &info), 0);
    assert_int_equal(s_lookup(r, key, id), 0);
    cb_redis_destroy(&r);
}

static route_order_t
s_order(const char *venue, const char *clid)
{
    return cbh_ledger_order(venue, clid, "BTC-USD", "50000.1");
}

static void
test_ledger(void **state)
{
    (void) state;
    /* An account whose slot is on another node than the API keys', so the
     * operations of this file span nodes whatever the slot layout. */
    char venue[32] = "sim-kraken";
    char key[96];
    int apikeys = s_is_single ? -1 : cbh_cluster_owner(&s_cluster, "coinbus:edge:{apikeys}:ids");
    for (int i = 0; !s_is_single && i < 64; i++) {
        snprintf(venue, sizeof venue, "sim-kraken-%d", i);
        snprintf(key, sizeof key, "coinbus:orders:{%s}:index", venue);
        if (cbh_cluster_owner(&s_cluster, key) != apikeys) {
            break;
        }
    }
    snprintf(key, sizeof key, "coinbus:orders:{%s}:index", venue);
    int owner;
    cb_redis_t *r = s_client_for(key, &owner);
    route_ledger_t l;
    assert_int_equal(route_ledger_init(&l, r, 5000), 0);
    /* Every ledger write drops the account service's cached balances of the
     * venue, in the same slot (on the owner node, with no redirection). */
    char cache[CB_ACCT_CACHE_KEY_MAX];
    cb_acct_cache_key(venue, cache, sizeof cache);
    int err = 0;
    redisReply *set = cb_redis_command(r, &err, "SET %s x", cache);
    assert_non_null(set);
    freeReplyObject(set);
    assert_int_equal(s_exists_on(owner, cache), 1);
    route_order_t o = s_order(venue, "clid-1");
    bool created = false;
    assert_int_equal(route_ledger_intent(&l, &o, &created), 0);
    assert_true(created);
    assert_int_equal(s_exists_on(owner, cache), 0);
    set = cb_redis_command(r, &err, "SET %s x", cache);
    assert_non_null(set);
    freeReplyObject(set);
    route_order_t again = s_order(venue, "clid-1");
    assert_int_equal(route_ledger_intent(&l, &again, &created), 0);
    assert_false(created);
    assert_int_equal(s_exists_on(owner, key), 1);
    char ids[4][CB_CLID_MAX + 1];
    size_t n = 0;
    assert_int_equal(route_ledger_ids(&l, venue, true, ids, 4, &n), 0);
    assert_int_equal(n, 1);
    /* A lease: ours to take when due. */
    assert_int_equal(route_ledger_claim(&l, venue, "clid-1", 0), 1);
    snprintf(o.status, sizeof o.status, "open");
    snprintf(o.venue_order_id, sizeof o.venue_order_id, "V-1");
    assert_int_equal(s_exists_on(owner, cache), 1); /* the repeated intent wrote nothing */
    assert_int_equal(route_ledger_update(&l, &o, "acknowledged"), 0);
    assert_int_equal(s_exists_on(owner, cache), 0);
    /* The account's store is refused when a ledger write came between its
     * read (which saw the epoch) and its store: the balances may predate it. */
    cb_acct_vec_t bal;
    memset(&bal, 0, sizeof bal);
    cb_acct_balance_t *b = cb_acct_vec_push(&bal, sizeof *b);
    assert_non_null(b);
    snprintf(b->asset, sizeof b->asset, "USDT");
    assert_int_equal(cb_acct_dec_parse(&b->total, "10", 2), 0);
    assert_int_equal(cb_acct_dec_parse(&b->available, "10", 2), 0);
    assert_int_equal(cb_acct_dec_parse(&b->hold, "0", 1), 0);
    cb_acct_vec_t got_bal;
    memset(&got_bal, 0, sizeof got_bal);
    char epoch[ACCT_EPOCH_MAX];
    assert_false(acct_cache_get(r, venue, &got_bal, epoch));
    assert_string_equal(epoch, "2"); /* the intent and the update */
    assert_int_equal(route_ledger_update(&l, &o, "updated"), 0);
    acct_cache_put(r, venue, &bal, 60000, epoch);
    assert_int_equal(s_exists_on(owner, cache), 0);
    assert_false(acct_cache_get(r, venue, &got_bal, epoch));
    assert_string_equal(epoch, "3");
    acct_cache_put(r, venue, &bal, 60000, epoch);
    assert_int_equal(s_exists_on(owner, cache), 1);
    assert_true(acct_cache_get(r, venue, &got_bal, epoch));
    assert_int_equal(got_bal.count, 1);
    cb_acct_vec_fini(&got_bal);
    cb_acct_vec_fini(&bal);
    route_order_t got;
    assert_int_equal(route_ledger_get(&l, venue, "clid-1", &got), 0);
    assert_string_equal(got.status, "open");
    assert_string_equal(got.venue_order_id, "V-1");
    assert_int_equal(route_ledger_ids(&l, venue, true, ids, 4, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(route_ledger_ids(&l, venue, false, ids, 4, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "clid-1");
    assert_int_equal(route_ledger_get(&l, venue, "nope", &got), CB_E_NOT_FOUND);
    route_order_t ghost = s_order(venue, "ghost");
    assert_int_equal(route_ledger_update(&l, &ghost, "acknowledged"), CB_E_NOT_FOUND);
    /* The dead-man's timer fires once. */
    int64_t now = cb_time_now_ms();
    assert_int_equal(route_ledger_timer_set(&l, venue, now - 1), 0);
    assert_int_equal(route_ledger_timer_take(&l, venue, now), 1);
    assert_int_equal(route_ledger_timer_take(&l, venue, now), 0);
    cb_redis_destroy(&r);
}

/* A pipeline through a node that owns none of its keys: each command is
 * redirected, a MULTI follows its first command, replies come in order. */
static void
test_pipeline(void **state)
{
    (void) state;
    /* Two keys on two different nodes when on the cluster. */
    char k1[32] = "cbh-pipe-0", k2[32] = "cbh-pipe-1";
    int o1 = -1;
    for (int i = 1; !s_is_single && i < 100; i++) {
        snprintf(k2, sizeof k2, "cbh-pipe-%d", i);
        o1 = cbh_cluster_owner(&s_cluster, k1);
        if (cbh_cluster_owner(&s_cluster, k2) != o1) {
            break;
        }
    }
    int owner;
    cb_redis_t *r = s_client_for(k1, &owner);
    for (int round = 0; round < 2; round++) { /* cold, then with the slots known */
        const char *cmds[][5] = {
            {"SET", k1, "one"}, {"SET", k2, "two"}, {"MULTI"}, {"SET", k2, "three"},
            {"EXEC"},           {"GET", k1},        {"GET", k2},
        };
        int argcs[] = {3, 3, 1, 3, 1, 2, 2};
        for (int i = 0; i < 7; i++) {
            assert_int_equal(cb_redis_appendv(r, argcs[i], cmds[i], NULL), 0);
        }
        int err = 0;
        redisReply *rep[7];
        for (int i = 0; i < 7; i++) {
            rep[i] = cb_redis_get_reply(r, &err);
            assert_non_null(rep[i]);
        }
        assert_int_equal(rep[0]->type, REDIS_REPLY_STATUS);
        assert_int_equal(rep[1]->type, REDIS_REPLY_STATUS);
        assert_int_equal(rep[5]->type, REDIS_REPLY_STRING);
        assert_string_equal(rep[5]->str, "one");
        assert_int_equal(rep[6]->type, REDIS_REPLY_STRING);
        if (rep[4]->type == REDIS_REPLY_ARRAY) {
            assert_string_equal(rep[6]->str, "three");
        } else {
            /* Only before any redirection: the MULTI went to the URL's node
             * and its command was refused there (EXECABORT); nothing ran. */
            assert_int_equal(round, 0);
            assert_false(s_is_single);
            assert_non_null(strstr(rep[4]->str, "EXECABORT"));
            assert_string_equal(rep[6]->str, "two");
        }
        for (int i = 0; i < 7; i++) {
            freeReplyObject(rep[i]);
        }
        assert_null(cb_redis_get_reply(r, &err));
        assert_int_equal(err, CB_E_UNAVAILABLE);
        redisReply *del = cb_redis_command(r, &err, "DEL %s", k2);
        assert_non_null(del);
        freeReplyObject(del);
    }
    /* Replies left unread are dropped before the next command. */
    const char *get[] = {"GET", k1};
    assert_int_equal(cb_redis_appendv(r, 2, get, NULL), 0);
    assert_int_equal(cb_redis_appendv(r, 2, get, NULL), 0);
    int err = 0;
    redisReply *rep = cb_redis_command(r, &err, "GET %s", k2);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_NIL);
    freeReplyObject(rep);
    cb_redis_destroy(&r);
}

/* Every node forgets its scripts: EVALSHA's NOSCRIPT is answered by the
 * node owning the key, and the script is loaded there. */
static void
test_noscript_after_flush(void **state)
{
    (void) state;
    cb_nonce_t n;
    int owner;
    assert_int_equal(cb_nonce_init(&n, NULL, "sim-binance", "api-key-B"), 0);
    cb_redis_t *r = s_client_for(n.key, &owner);
    assert_int_equal(cb_nonce_init(&n, r, "sim-binance", "api-key-B"), 0);
    uint64_t a = 0, b = 0;
    assert_int_equal(cb_nonce_next(&n, &a), 0);
    int nodes = s_is_single ? 1 : CBH_CLUSTER_NODES;
    for (int i = 0; i < nodes; i++) {
        redisContext *ctx =
            redisConnect("127.0.0.1", s_is_single ? s_single.port : s_cluster.port[i]);
        assert_non_null(ctx);
        redisReply *rep = redisCommand(ctx, "SCRIPT FLUSH");
        assert_non_null(rep);
        freeReplyObject(rep);
        redisFree(ctx);
    }
    assert_int_equal(cb_nonce_next(&n, &b), 0);
    assert_true(b > a);
    cb_redis_destroy(&r);
}

/* Each embedded script is in s_covered, and the cluster refuses a script
 * whose keys span two slots, declared or not: running every script above
 * through the cluster is what catches a future one that does. */
static void
test_every_script_covered(void **state)
{
    (void) state;
    for (size_t i = 0; i < cb_lua_source_count; i++) {
        bool found = false;
        for (size_t j = 0; j < sizeof s_covered / sizeof s_covered[0]; j++) {
            found = found || strcmp(s_covered[j], cb_lua_sources[i].name) == 0;
        }
        if (!found) {
            fail_msg("shared/lua/%s.lua is not run by test_redis_cluster", cb_lua_sources[i].name);
        }
        /* The shebang makes a cluster refuse keys of two slots even when the
         * script builds them itself and they live on one node. */
        if (strncmp(cb_lua_sources[i].text, "#!lua\n", 6) != 0) {
            fail_msg("shared/lua/%s.lua does not start with #!lua", cb_lua_sources[i].name);
        }
    }
    if (s_is_single) {
        return;
    }
    int owner;
    cb_redis_t *r = s_client_for("{cbh-a}x", &owner);
    int err = 0;
    redisReply *rep = cb_redis_command(r, &err, "EVAL %s 2 %s %s", "return 1", "{cbh-a}x",
                                       "{cbh-b}y");
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_ERROR);
    assert_non_null(strstr(rep->str, "CROSSSLOT"));
    freeReplyObject(rep);
    /* A key built inside the script (as trueup.lua and window.lua build
     * theirs), in another slot than KEYS[1] but on the same node. */
    char other[64] = "";
    for (int i = 0; i < 1000 && other[0] == '\0'; i++) {
        char k[64];
        snprintf(k, sizeof k, "cbh-elsewhere-%d", i);
        if (cbh_cluster_owner(&s_cluster, k) == owner &&
            cbh_cluster_slot(&s_cluster, k) != cbh_cluster_slot(&s_cluster, "{cbh-a}x")) {
            snprintf(other, sizeof other, "%s", k);
        }
    }
    char script[128];
    snprintf(script, sizeof script, "#!lua\nreturn redis.call('GET', '%s')", other);
    rep = cb_redis_command(r, &err, "EVAL %s 1 %s", script, "{cbh-a}x");
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_ERROR);
    assert_non_null(strstr(rep->str, "same slot"));
    freeReplyObject(rep);
    cb_redis_destroy(&r);
}

/* The operations above used slots of at least two different nodes. */
static void
test_keys_spread(void **state)
{
    (void) state;
    int nodes = 0;
    for (int i = 0; i < CBH_CLUSTER_NODES; i++) {
        nodes += (s_owners >> i) & 1;
    }
    assert_true(nodes >= 2);
}

#define S_OPERATIONS                                                           \
    cmocka_unit_test(test_ratelimit), cmocka_unit_test(test_circuit),         \
        cmocka_unit_test(test_nonce), cmocka_unit_test(test_inbound),         \
        cmocka_unit_test(test_venue_clock), cmocka_unit_test(test_feed_lease), \
        cmocka_unit_test(test_apikey), cmocka_unit_test(test_ledger),         \
        cmocka_unit_test(test_noscript_after_flush), cmocka_unit_test(test_pipeline), \
        cmocka_unit_test(test_every_script_covered)

int
main(void)
{
    const struct CMUnitTest cluster[] = {S_OPERATIONS, cmocka_unit_test(test_keys_spread)};
    const struct CMUnitTest single[] = {S_OPERATIONS};
    int failed = cmocka_run_group_tests_name("redis cluster", cluster, s_setup_cluster,
                                             s_teardown_cluster);
    failed += cmocka_run_group_tests_name("single redis", single, s_setup_single,
                                          s_teardown_single);
    return failed;
}
