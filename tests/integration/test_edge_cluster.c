/* test_edge_cluster.c - two api-edge processes on a real 3-node Redis Cluster (with a password) through a node that owns neither the API keys nor the limiter's slot: keys, revocation, the shared limit, nodes killed mid-run */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "cb_apikey.h"
#include "cb_time.h"
#include "cbh_bus.h"
#include "cbh_cluster.h"
#include "cbh_edge.h"

/* The per-key budget; with 2 expected replicas each lease is one slot, so
 * every admitted call is counted in Redis at once. */
#define S_BUDGET 8
#define S_EDGES 2
/* Every node requires it: api-edge sends AUTH on each node it connects to. */
#define S_PASSWORD "edge-cluster-s3cret"

static cbh_cluster_t s_cluster;
static cbh_bus_t s_bus;
static cbh_edge_stack_t s_stack; /* only env_redis: api-edge's URL */
static cbh_proc_t *s_edge[S_EDGES];
static int s_port[S_EDGES];
static int s_seed;     /* the node COINBUS_REDIS_URL names */
static int s_keys;     /* the node serving {apikeys} */
static int s_limiter;  /* the node serving the limiter's keys of s_key[*] */
/* Keys whose limiter slot is on s_limiter: [0] spends its budget, [1] is
 * used once that node is down. */
static char s_key[2][CB_APIKEY_TEXT_LEN + 1];
static char s_id[2][CB_APIKEY_ID_LEN + 1];

/* The node serving the limiter's keys for key id. */
static int
s_limiter_node(const char *id)
{
    char key[128];
    snprintf(key, sizeof key, "coinbus:ratelimit:inbound:{key:%s}", id);
    return cbh_cluster_owner(&s_cluster, key);
}

/* Creates keys until two have their limiter slot on the same node, which
 * does not serve {apikeys} either. 0 or -1. */
static int
s_make_keys(void)
{
    char key[CB_APIKEY_TEXT_LEN + 1], id[CB_APIKEY_ID_LEN + 1];
    int have = 0;
    s_limiter = -1;
    for (int i = 0; i < 60 && have < 2; i++) {
        char name[32];
        snprintf(name, sizeof name, "cluster-%d", i);
        cbh_edge_key_create(name, "read", key, id);
        int node = s_limiter_node(id);
        if (node < 0 || node == s_keys || (s_limiter >= 0 && node != s_limiter)) {
            continue;
        }
        s_limiter = node;
        snprintf(s_key[have], sizeof s_key[have], "%s", key);
        snprintf(s_id[have], sizeof s_id[have], "%s", id);
        have++;
    }
    return have == 2 ? 0 : -1;
}

static int
s_setup(void **state)
{
    (void) state;
    if (cbh_cluster_start_auth(&s_cluster, S_PASSWORD) != 0 || cbh_bus_start(&s_bus) != 0) {
        return -1;
    }
    cbh_bus_export(&s_bus);
    /* The CLI (cb_redis) follows redirections from any node. */
    if (setenv("COINBUS_REDIS_URL", s_cluster.url[0], 1) != 0) {
        return -1;
    }
    s_keys = cbh_cluster_owner(&s_cluster, "coinbus:edge:{apikeys}");
    if (s_keys < 0 || s_make_keys() != 0) {
        fprintf(stderr, "test_edge_cluster: no key with its limiter apart from the keys' node\n");
        return -1;
    }
    /* The third node: every key lookup and lease is redirected from it. */
    s_seed = 3 - s_keys - s_limiter;
    snprintf(s_stack.env_redis, sizeof s_stack.env_redis, "COINBUS_REDIS_URL=%s",
             s_cluster.url[s_seed]);
    char *env[] = {"COINBUS_EDGE_TRUSTED_PROXIES=127.0.0.1", "COINBUS_EDGE_RATE_LIMIT=8",
                   "COINBUS_EDGE_REPLICAS=2", "COINBUS_EDGE_RPC_TIMEOUT_MS=300", NULL};
    for (int i = 0; i < S_EDGES; i++) {
        s_edge[i] = cbh_edge_start(&s_stack, &s_port[i], env);
        if (s_edge[i] == NULL) {
            return -1;
        }
    }
    return 0;
}

static int
s_teardown(void **state)
{
    (void) state;
    int rc = 0;
    for (int i = 0; i < S_EDGES; i++) {
        /* A clean exit: no crash, no sanitizer report, no hang on stop. */
        if (s_edge[i] != NULL && cbh_proc_stop(&s_edge[i], SIGTERM, 5000) != 0) {
            fprintf(stderr, "test_edge_cluster: api-edge %d did not exit cleanly\n", i);
            rc = -1;
        }
    }
    cbh_bus_stop(&s_bus);
    cbh_cluster_stop(&s_cluster);
    return rc;
}

/* A private route that answers 400 once past the key and the limiter (no
 * account service needed): 401 / 403 / 429 / 503 come from the gate. */
static long
s_req(int edge, const char *ip, const char *key, cbh_http_res_t *res)
{
    char xff[64];
    char auth[128];
    snprintf(xff, sizeof xff, "X-Forwarded-For: %s", ip);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
    const char *headers[3] = {xff, auth, NULL};
    return cbh_http(s_port[edge], "GET", "/api/account/orders?status=pending", headers, NULL, 0,
                    res);
}

static long
s_remaining(const cbh_http_res_t *res)
{
    char v[32];
    if (cbh_http_header(res, "X-RateLimit-Remaining", v, sizeof v) == NULL) {
        fail_msg("no X-RateLimit-Remaining (status %ld)", res->status);
    }
    return strtol(v, NULL, 10);
}

static void
test_seed_owns_nothing_used(void **state)
{
    (void) state;
    assert_int_not_equal(s_seed, s_keys);
    assert_int_not_equal(s_seed, s_limiter);
    assert_int_not_equal(s_keys, s_limiter);
    assert_int_equal(s_limiter_node(s_id[0]), s_limiter);
    assert_int_equal(s_limiter_node(s_id[1]), s_limiter);
}

/* A key created through the CLI passes on both replicas; revoked, it fails
 * on the very next request of either. The key cache stays off on a
 * cluster (its connection would not hear of writes on other nodes): every
 * check is a lookup. */
static void
test_key_and_revocation(void **state)
{
    (void) state;
    char key[CB_APIKEY_TEXT_LEN + 1], id[CB_APIKEY_ID_LEN + 1];
    cbh_edge_key_create("cluster-revoked", "read", key, id);
    cbh_http_res_t res = {0};
    for (int i = 0; i < 2 * S_EDGES; i++) {
        assert_int_equal(s_req(i % S_EDGES, "10.7.0.1", key, &res), 400);
        cbh_edge_expect_error(&res, 400, "bad_request");
    }
    for (int i = 0; i < S_EDGES; i++) {
        assert_int_equal(cbh_http(s_port[i], "GET", "/metrics", NULL, NULL, 0, &res), 200);
        assert_non_null(strstr((const char *) res.body.data, "\ncoinbus_edge_key_cache_live 0\n"));
        assert_non_null(strstr((const char *) res.body.data, "\ncoinbus_edge_key_cache_hits_total 0\n"));
    }
    char bogus[CB_APIKEY_TEXT_LEN + 1];
    snprintf(bogus, sizeof bogus, "cbk_%064d", 7);
    assert_int_equal(s_req(0, "10.7.0.2", bogus, &res), 401);
    char args[64];
    snprintf(args, sizeof args, "revoke %s", id);
    assert_int_equal(cbh_edge_keys(args, NULL, 0), 0);
    for (int i = 0; i < S_EDGES; i++) {
        assert_int_equal(s_req(i, "10.7.0.1", key, &res), 401);
        cbh_edge_expect_error(&res, 401, "unauthorized");
    }
    cbh_http_res_fini(&res);
    /* Both replicas reached the other nodes themselves. */
    for (int i = 0; i < S_EDGES; i++) {
        cb_buf_t log = {0};
        cbh_slurp(cbh_proc_log_path(s_edge[i]), &log);
        assert_non_null(strstr((const char *) log.data, "edge_redis_cluster_redirected"));
        assert_non_null(strstr((const char *) log.data, "edge_redis_node_connected"));
        assert_non_null(strstr((const char *) log.data, "edge_keycache_off"));
        assert_null(strstr((const char *) log.data, "edge_auth_lookup_failed"));
        assert_null(strstr((const char *) log.data, "setup_failed"));
        assert_null(strstr((const char *) log.data, S_PASSWORD));
        cb_buf_fini(&log);
    }
}

/* One budget across both replicas: X-RateLimit-Remaining goes down by one
 * per call whichever replica takes it, and both refuse past it. */
static void
test_limit_shared_by_two_edges(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    long last = S_BUDGET;
    for (int i = 0; i < S_BUDGET; i++) {
        assert_int_equal(s_req(i % S_EDGES, "10.8.0.1", s_key[0], &res), 400);
        long left = s_remaining(&res);
        assert_int_equal(left, last - 1);
        last = left;
    }
    assert_int_equal(last, 0);
    for (int i = 0; i < S_EDGES; i++) {
        assert_int_equal(s_req(i, "10.8.0.2", s_key[0], &res), 429);
        cbh_edge_expect_error(&res, 429, "rate_limited");
    }
    /* Redis answered every lease: /health sees it up (its status also
     * counts market-feed and sentiment, which do not run here). */
    cbh_http(s_port[0], "GET", "/health", NULL, NULL, 0, &res);
    assert_non_null(strstr((const char *) res.body.data, "\"redis\":\"up\""));
    cbh_http_res_fini(&res);
}

/* The API keys' slot is being migrated and a key's record has moved: the
 * owner answers ASK for it, and the lookup is asked of the importing node
 * after ASKING. */
static void
test_ask_during_migration(void **state)
{
    (void) state;
    char key[CB_APIKEY_TEXT_LEN + 1], id[CB_APIKEY_ID_LEN + 1];
    cbh_edge_key_create("cluster-ask", "read", key, id);
    char hex[CB_APIKEY_HASH_LEN + 1];
    cb_apikey_hash(key, strlen(key), hex);
    char record[128];
    snprintf(record, sizeof record, "coinbus:edge:{apikeys}:hash:%s", hex);
    cbh_cluster_migration_t m;
    assert_int_equal(cbh_cluster_migrate(&s_cluster, record, true, &m), 0);
    redisReply *r = redisCommand(m.ctx[0], "MIGRATE 127.0.0.1 %d %s 0 5000 AUTH %s",
                                 s_cluster.port[m.to], record, S_PASSWORD);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    r = redisCommand(m.ctx[0], "HMGET %s id scope", record);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_memory_equal(r->str, "ASK ", 4);
    freeReplyObject(r);
    cbh_http_res_t res = {0};
    for (int i = 0; i < S_EDGES; i++) {
        assert_int_equal(s_req(i, "10.10.0.1", key, &res), 400);
        cbh_edge_expect_error(&res, 400, "bad_request");
    }
    cbh_http_res_fini(&res);
    cbh_cluster_settle(&m);
}

/* A slot half-migrated (the target not importing) sends every lease back
 * and forth: api-edge gives up after 5 redirections, at once, and the
 * limit falls back to the local share. */
static void
test_redirect_bound(void **state)
{
    (void) state;
    char key[CB_APIKEY_TEXT_LEN + 1], id[CB_APIKEY_ID_LEN + 1], lkey[128];
    cbh_edge_key_create("cluster-loop", "read", key, id);
    snprintf(lkey, sizeof lkey, "coinbus:ratelimit:inbound:{key:%s}", id);
    cbh_cluster_migration_t m;
    assert_int_equal(cbh_cluster_migrate(&s_cluster, lkey, false, &m), 0);
    cbh_http_res_t res = {0};
    for (int i = 0; i < S_EDGES; i++) {
        int64_t t0 = cb_time_mono_ns();
        assert_int_equal(s_req(i, "10.11.0.1", key, &res), 400);
        assert_true(cb_time_mono_ns() - t0 < 1000 * 1000000LL);
        assert_true(s_remaining(&res) <= S_BUDGET / S_EDGES - 1);
    }
    cbh_http_res_fini(&res);
    cbh_cluster_settle(&m);
}

/* The URL's node dies: a slot whose node is known is still served (keys
 * checked; a slot not known yet gets the local share). Then the limiter's
 * node dies: the limit degrades to each replica's share (the keys' node
 * still answers); then the keys' node dies: a key cannot be checked (503),
 * never let through. Every answer comes quickly. */
static void
test_nodes_killed(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    assert_int_equal(cbh_proc_stop(&s_cluster.proc[s_seed], SIGKILL, 1000), 128 + SIGKILL);
    for (int i = 0; i < S_EDGES; i++) {
        int64_t t0 = cb_time_mono_ns();
        /* The key is checked on the keys' node, known since the lookups
         * above; its limiter slot was never used, so it would have been
         * asked of the dead node: the local share decides. */
        assert_int_equal(s_req(i, "10.9.0.3", s_key[1], &res), 400);
        assert_true(s_remaining(&res) <= S_BUDGET / S_EDGES - 1);
        assert_true(cb_time_mono_ns() - t0 < 1000 * 1000000LL);
    }
    assert_int_equal(cbh_proc_stop(&s_cluster.proc[s_limiter], SIGKILL, 1000), 128 + SIGKILL);
    for (int i = 0; i < S_EDGES; i++) {
        int64_t t0 = cb_time_mono_ns();
        assert_int_equal(s_req(i, "10.9.0.1", s_key[1], &res), 400);
        assert_true(cb_time_mono_ns() - t0 < 1000 * 1000000LL);
        /* The local share: S_BUDGET / 2 replicas, one spent. */
        assert_true(s_remaining(&res) <= S_BUDGET / S_EDGES - 1);
    }
    assert_int_equal(cbh_http(s_port[0], "GET", "/health", NULL, NULL, 0, &res), 503);
    assert_non_null(strstr((const char *) res.body.data, "\"redis\":\"down\""));

    assert_int_equal(cbh_proc_stop(&s_cluster.proc[s_keys], SIGKILL, 1000), 128 + SIGKILL);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < S_EDGES; i++) {
            int64_t t0 = cb_time_mono_ns();
            assert_int_equal(s_req(i, "10.9.0.2", s_key[1], &res), 503);
            cbh_edge_expect_error(&res, 503, "unavailable");
            assert_true(cb_time_mono_ns() - t0 < 1500 * 1000000LL);
        }
    }
    /* Still serving what needs no Redis. */
    for (int i = 0; i < S_EDGES; i++) {
        assert_int_equal(cbh_http(s_port[i], "GET", "/metrics", NULL, NULL, 0, &res), 200);
    }
    cbh_http_res_fini(&res);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_owns_nothing_used),
        cmocka_unit_test(test_key_and_revocation),
        cmocka_unit_test(test_limit_shared_by_two_edges),
        cmocka_unit_test(test_ask_during_migration),
        cmocka_unit_test(test_redirect_bound),
        cmocka_unit_test(test_nodes_killed), /* last: it breaks the cluster */
    };
    return cmocka_run_group_tests_name("edge_cluster", tests, s_setup, s_teardown);
}
