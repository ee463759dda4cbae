/* test_edge_keys.c - api-edge's API keys end to end: coinbus keys (CLI) + redis-server + the api-edge binary: 401/403/pass, revocation, per-key budgets, no key text in logs or /metrics */
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
#include "cbh_edge.h"

/* A small budget so that the per-key tests reach it quickly. */
#define S_BUDGET 8

static cbh_edge_fixture_t s_f;

static int
s_setup(void **state)
{
    char *env[] = {"COINBUS_EDGE_RPC_TIMEOUT_MS=300", "COINBUS_EDGE_RATE_LIMIT=8",
                   NULL};
    *state = &s_f;
    if (cbh_edge_fixture_start(&s_f, env) != 0) {
        return -1;
    }
    /* The CLI reads the same Redis. */
    return setenv("COINBUS_REDIS_URL", s_f.stack.redis.url, 1);
}

/* GET path as client ip with Authorization auth (NULL: none). */
static long
s_get(const char *ip, const char *auth, const char *path, cbh_http_res_t *res)
{
    char xff[64];
    char hdr[256];
    snprintf(xff, sizeof xff, "X-Forwarded-For: %s", ip);
    const char *headers[3] = {xff, NULL, NULL};
    if (auth != NULL) {
        snprintf(hdr, sizeof hdr, "Authorization: %s", auth);
        headers[1] = hdr;
    }
    return cbh_http(s_f.port, "GET", path, headers, NULL, 0, res);
}

static long
s_bearer(const char *ip, const char *key, const char *path, cbh_http_res_t *res)
{
    char auth[128];
    snprintf(auth, sizeof auth, "Bearer %s", key);
    return s_get(ip, auth, path, res);
}

/* The gate let the request through: the account service is not running
 * in this test, so the answer is its 503 / 504 (never 401 / 403). */
static void
s_expect_passed(const cbh_http_res_t *res)
{
    if (res->status != 503 && res->status != 504) {
        fail_msg("expected 503/504 past the gate, got %ld: %s", res->status, (const char *) res->body.data);
    }
    cbh_edge_expect_error(res, res->status, res->status == 503 ? "unavailable" : "timeout");
}

/* One figure of /metrics (a line "<name> <value>"); fails the test when absent. */
static unsigned long long
s_metric(const char *name)
{
    cbh_http_res_t res = {0};
    assert_int_equal(cbh_http(s_f.port, "GET", "/metrics", NULL, NULL, 0, &res), 200);
    char needle[128];
    snprintf(needle, sizeof needle, "\n%s ", name);
    const char *at = strstr((const char *) res.body.data, needle);
    if (at == NULL) {
        fail_msg("no %s in /metrics", name);
    }
    unsigned long long v = strtoull(at + strlen(needle), NULL, 10);
    cbh_http_res_fini(&res);
    return v;
}

/* The key cache is live (its Redis connection tracks the keys) within 5 s. */
static void
s_cache_live(void)
{
    for (int i = 0; i < 50 && s_metric("coinbus_edge_key_cache_live") != 1; i++) {
        cb_time_sleep_ms(100, NULL);
    }
    assert_int_equal(s_metric("coinbus_edge_key_cache_live"), 1);
}

/* The private route the cache tests use: 400 past the gate (its query is
 * checked after it). */
#define S_ROUTE "/api/account/orders?status=pending"

/* key passes from ip, and its second use is answered from memory. */
static void
s_use_twice(const char *ip, const char *key)
{
    cbh_http_res_t res = {0};
    assert_int_equal(s_bearer(ip, key, S_ROUTE, &res), 400);
    unsigned long long hits = s_metric("coinbus_edge_key_cache_hits_total");
    assert_int_equal(s_bearer(ip, key, S_ROUTE, &res), 400);
    assert_int_equal(s_metric("coinbus_edge_key_cache_hits_total"), hits + 1);
    cbh_http_res_fini(&res);
}

/* A new key (name, scope) in key / id, once the cache is live, used twice
 * from ip (the second answered from memory). */
static void
s_held_key(const char *name, const char *scope, const char *ip, char *key, char *id)
{
    s_cache_live();
    cbh_edge_key_create(name, scope, key, id);
    s_use_twice(ip, key);
}

/* The lookups' connection (the limiter's) answers again within 5 s. */
static void
s_limiter_up(void)
{
    cbh_http_res_t res = {0};
    for (int i = 0; i < 50; i++) {
        cbh_http(s_f.port, "GET", "/health", NULL, NULL, 0, &res);
        if (res.body.data != NULL && strstr((const char *) res.body.data, "\"redis\":\"up\"") != NULL) {
            break;
        }
        cb_time_sleep_ms(100, NULL);
    }
    assert_non_null(strstr((const char *) res.body.data, "\"redis\":\"up\""));
    cbh_http_res_fini(&res);
}

/* One command to the fixture's Redis, as another client would write, then
 * a PING: Redis has written its reports of the command's writes by the time
 * it answers a later command (Redis may answer a FLUSHALL first). */
static void
s_redis(const char *cmd, const char *arg1, const char *arg2, const char *arg3)
{
    redisContext *c = redisConnect("127.0.0.1", s_f.stack.redis.port);
    assert_non_null(c);
    assert_int_equal(c->err, 0);
    const char *argv[4] = {cmd, arg1, arg2, arg3};
    int argc = arg1 == NULL ? 1 : arg2 == NULL ? 2 : arg3 == NULL ? 3 : 4;
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    assert_non_null(r);
    assert_int_not_equal(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
    r = redisCommand(c, "PING");
    assert_non_null(r);
    freeReplyObject(r);
    redisFree(c);
}

static void
test_refusals(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    char v[256];
    assert_int_equal(s_get("10.1.0.1", NULL, "/api/account/balances", &res), 401);
    cbh_edge_expect_error(&res, 401, "unauthorized");
    assert_non_null(cbh_http_header(&res, "WWW-Authenticate", v, sizeof v));
    assert_non_null(strstr(v, "Bearer"));
    assert_non_null(cbh_http_header(&res, "X-RateLimit-Remaining", v, sizeof v));
    const char *bad[] = {"Bearer", "Basic dXNlcjpwYXNz", "Bearer cbk_short", "bearer cbk_" /* truncated */,
                         "Bearer CBK_0000000000000000000000000000000000000000000000000000000000000000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(s_get("10.1.0.2", bad[i], "/api/account/balances", &res), 401);
        cbh_edge_expect_error(&res, 401, "unauthorized");
    }
    /* Well formed but never created. */
    assert_int_equal(s_bearer("10.1.0.3", "cbk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                              "/api/account/orders", &res),
                     401);
    cbh_edge_expect_error(&res, 401, "unauthorized");
    /* Public routes need no key. */
    assert_int_equal(s_get("10.1.0.4", NULL, "/api/market/venues", &res), 200);
    cbh_http_res_fini(&res);
}

static void
test_scopes_and_revocation(void **state)
{
    (void) state;
    char rkey[CB_APIKEY_TEXT_LEN + 1], rid[CB_APIKEY_ID_LEN + 1];
    char tkey[CB_APIKEY_TEXT_LEN + 1], tid[CB_APIKEY_ID_LEN + 1];
    cbh_edge_key_create("reader", "read", rkey, rid);
    cbh_edge_key_create("trader", "trade", tkey, tid);
    cbh_http_res_t res = {0};
    char v[256];
    /* A read key passes read routes; the trade route refuses it (403). */
    s_bearer("10.2.0.1", rkey, "/api/account/balances", &res);
    s_expect_passed(&res);
    s_bearer("10.2.0.1", rkey, "/api/account/trades?venue=sim-kraken&start=2024-01-01T00:00:00Z&limit=10", &res);
    s_expect_passed(&res);
    assert_int_equal(s_bearer("10.2.0.1", rkey, "/api/account/ws-token?venue=sim-kraken", &res), 403);
    cbh_edge_expect_error(&res, 403, "forbidden");
    assert_non_null(cbh_http_header(&res, "WWW-Authenticate", v, sizeof v));
    assert_non_null(strstr(v, "insufficient_scope"));
    /* trade includes read. */
    s_bearer("10.2.0.2", tkey, "/api/account/ws-token?venue=sim-kraken", &res);
    s_expect_passed(&res);
    s_bearer("10.2.0.2", tkey, "/api/account/check?venue=sim-kraken", &res);
    s_expect_passed(&res);
    /* Query checks come after the gate: 400 with a valid key. */
    assert_int_equal(s_bearer("10.2.0.2", tkey, "/api/account/orders?status=closed", &res), 400);
    assert_int_equal(s_bearer("10.2.0.2", tkey, "/api/account/trades?venue=sim-kraken&limit=501", &res), 400);
    assert_int_equal(s_bearer("10.2.0.2", tkey, "/api/account/trades?venue=sim-kraken&end=yesterday", &res), 400);
    assert_int_equal(s_bearer("10.2.0.2", tkey, "/api/account/orders?status=pending", &res), 400);
    cbh_edge_expect_error(&res, 400, "bad_request");

    /* Last use is recorded. */
    char list[4096];
    assert_int_equal(cbh_edge_keys("list", list, sizeof list), 0);
    char *line = strstr(list, rid);
    assert_non_null(line);
    char *eol = strchr(line, '\n');
    assert_non_null(eol);
    *eol = '\0';
    assert_null(strstr(line, "never"));

    /* Revoked: refused on the very next request. */
    char args[64];
    snprintf(args, sizeof args, "revoke %s", rid);
    assert_int_equal(cbh_edge_keys(args, NULL, 0), 0);
    assert_int_equal(s_bearer("10.2.0.1", rkey, "/api/account/balances", &res), 401);
    cbh_edge_expect_error(&res, 401, "unauthorized");
    /* Revoking again, or an unknown id: a clear error. */
    assert_int_equal(cbh_edge_keys(args, NULL, 0), 1);
    assert_int_equal(cbh_edge_keys("revoke 0000000000000000", NULL, 0), 1);
    assert_int_equal(cbh_edge_keys("revoke nonsense", NULL, 0), 1);
    /* The other key is untouched. */
    s_bearer("10.2.0.2", tkey, "/api/account/balances", &res);
    s_expect_passed(&res);
    cbh_http_res_fini(&res);
}

static void
test_budgets(void **state)
{
    (void) state;
    char akey[CB_APIKEY_TEXT_LEN + 1], aid[CB_APIKEY_ID_LEN + 1];
    char bkey[CB_APIKEY_TEXT_LEN + 1], bid[CB_APIKEY_ID_LEN + 1];
    cbh_edge_key_create("budget-a", "read", akey, aid);
    cbh_edge_key_create("budget-b", "read", bkey, bid);
    cbh_http_res_t res = {0};
    /* Key a's budget is spent from two addresses together. */
    for (int i = 0; i < S_BUDGET; i++) {
        s_bearer(i % 2 == 0 ? "10.3.0.1" : "10.3.0.2", akey, "/api/account/balances", &res);
        s_expect_passed(&res);
    }
    assert_int_equal(s_bearer("10.3.0.3", akey, "/api/account/balances", &res), 429);
    cbh_edge_expect_error(&res, 429, "rate_limited");
    /* Key b from the same address has its own budget, and so has the
     * address itself on a public route. */
    s_bearer("10.3.0.1", bkey, "/api/account/balances", &res);
    s_expect_passed(&res);
    assert_int_equal(s_get("10.3.0.1", NULL, "/api/market/venues", &res), 200);
    /* Unknown keys count against the address, whatever their text. */
    char fake[CB_APIKEY_TEXT_LEN + 1];
    for (int i = 0; i < S_BUDGET; i++) {
        snprintf(fake, sizeof fake, "cbk_%064d", i);
        assert_int_equal(s_bearer("10.3.0.9", fake, "/api/account/balances", &res), 401);
    }
    snprintf(fake, sizeof fake, "cbk_%064d", 99);
    assert_int_equal(s_bearer("10.3.0.9", fake, "/api/account/balances", &res), 429);
    assert_int_equal(s_get("10.3.0.9", NULL, "/api/market/venues", &res), 429);
    cbh_http_res_fini(&res);
}

static void
test_no_key_text_in_logs_or_metrics(void **state)
{
    (void) state;
    char key[CB_APIKEY_TEXT_LEN + 1], id[CB_APIKEY_ID_LEN + 1];
    cbh_edge_key_create("secretive", "trade", key, id);
    cbh_http_res_t res = {0};
    s_bearer("10.4.0.1", key, "/api/account/balances", &res);
    s_expect_passed(&res);
    assert_int_equal(s_get("10.4.0.1", NULL, "/metrics", &res), 200);
    const char *m = (const char *) res.body.data;
    assert_null(strstr(m, key));
    assert_null(strstr(m, key + 4));
    assert_non_null(strstr(m, "coinbus_edge_auth_total{outcome=\"ok\"}"));
    assert_non_null(strstr(m, "coinbus_edge_auth_total{outcome=\"missing\"}"));
    assert_null(strstr(m, "coinbus_edge_auth_total{outcome=\"ok\"} 0\n"));
    cb_buf_t log = {0};
    cbh_slurp(cbh_proc_log_path(s_f.edge), &log);
    assert_null(strstr((const char *) log.data, key + 4));
    assert_null(strstr((const char *) log.data, "cbk_"));
    cb_buf_fini(&log);
    /* Nor does Redis hold it. */
    char list[4096];
    assert_int_equal(cbh_edge_keys("list", list, sizeof list), 0);
    assert_null(strstr(list, key + 4));
    cbh_http_res_fini(&res);
}

/* With the rate limit off, keys are still checked (over the same Redis
 * connection) and /health still sees Redis. */
static void
test_keys_without_rate_limit(void **state)
{
    (void) state;
    char key[CB_APIKEY_TEXT_LEN + 1], id[CB_APIKEY_ID_LEN + 1];
    cbh_edge_key_create("nolimit", "read", key, id);
    char *env[] = {"COINBUS_EDGE_RPC_TIMEOUT_MS=300", "COINBUS_EDGE_RATE_LIMIT=0", NULL};
    int port = 0;
    cbh_proc_t *edge = cbh_edge_start(&s_f.stack, &port, env);
    assert_non_null(edge);
    cbh_http_res_t res = {0};
    char hdr[128];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", key);
    const char *headers[2] = {hdr, NULL};
    /* Redis answers once the connection is made. */
    for (int i = 0; i < 50 && cbh_http(port, "GET", "/health", NULL, NULL, 0, &res) != 200; i++) {
        cb_time_sleep_ms(100, NULL);
    }
    assert_int_equal(res.status, 200);
    assert_non_null(strstr((const char *) res.body.data, "\"redis\":\"up\""));
    cbh_http(port, "GET", "/api/account/balances", headers, NULL, 0, &res);
    s_expect_passed(&res);
    assert_null(strstr((const char *) res.headers.data, "X-RateLimit-Limit"));
    assert_int_equal(cbh_http(port, "GET", "/api/account/balances", NULL, NULL, 0, &res), 401);
    assert_int_equal(cbh_edge_keys("revoke nolimit-no-such-id", NULL, 0), 1);
    char args[64];
    snprintf(args, sizeof args, "revoke %s", id);
    assert_int_equal(cbh_edge_keys(args, NULL, 0), 0);
    assert_int_equal(cbh_http(port, "GET", "/api/account/balances", headers, NULL, 0, &res), 401);
    cbh_http_res_fini(&res);
    assert_int_equal(cbh_proc_stop(&edge, SIGTERM, 5000), 0);
}

/* A key found is answered from memory afterwards, and any write to its
 * record, by whichever client, counts from the very next request: a scope
 * changed behind the CLI's back, then a revoke. */
static void
test_cache_follows_writes(void **state)
{
    (void) state;
    char key[CB_APIKEY_TEXT_LEN + 1], id[CB_APIKEY_ID_LEN + 1];
    s_held_key("cached", "trade", "10.6.0.1", key, id);
    cbh_http_res_t res = {0};
    unsigned long long entries = s_metric("coinbus_edge_key_cache_entries");
    assert_true(entries >= 1);

    char hex[CB_APIKEY_HASH_LEN + 1];
    cb_apikey_hash(key, strlen(key), hex);
    char record[CB_APIKEY_REDIS_KEY_MAX];
    snprintf(record, sizeof record, CB_APIKEY_HASH_KEY_PREFIX "%s", hex);
    s_redis("HSET", record, "scope", "read");
    assert_int_equal(s_bearer("10.6.0.1", key, "/api/account/ws-token?venue=sim-kraken", &res), 403);
    cbh_edge_expect_error(&res, 403, "forbidden");
    assert_int_equal(s_bearer("10.6.0.1", key, S_ROUTE, &res), 400);

    char args[64];
    snprintf(args, sizeof args, "revoke %s", id);
    assert_int_equal(cbh_edge_keys(args, NULL, 0), 0);
    assert_int_equal(s_bearer("10.6.0.1", key, S_ROUTE, &res), 401);
    cbh_edge_expect_error(&res, 401, "unauthorized");
    assert_int_equal(s_metric("coinbus_edge_key_cache_entries"), entries - 1);
    cbh_http_res_fini(&res);
}

/* Redis restarted (empty: no persistence here): the cache is emptied with
 * the connection, a held key is never answered meanwhile, and the cache is
 * live again once the connection is back. */
static void
test_cache_after_redis_restart(void **state)
{
    (void) state;
    char key[CB_APIKEY_TEXT_LEN + 1], id[CB_APIKEY_ID_LEN + 1];
    s_held_key("restarted", "read", "10.8.0.1", key, id);
    cbh_http_res_t res = {0};
    unsigned long long lost = s_metric("coinbus_edge_key_cache_invalidations_total");
    cbh_redis_halt(&s_f.stack.redis);
    assert_int_equal(s_bearer("10.8.0.1", key, S_ROUTE, &res), 503);
    assert_int_equal(s_metric("coinbus_edge_key_cache_live"), 0);
    assert_true(s_metric("coinbus_edge_key_cache_invalidations_total") > lost);
    assert_int_equal(cbh_redis_restart(&s_f.stack.redis), 0);
    s_cache_live();
    s_limiter_up();
    /* The restarted Redis has no keys: the held one is unknown now. */
    assert_int_equal(s_bearer("10.8.0.2", key, S_ROUTE, &res), 401);
    cbh_edge_key_create("restarted-2", "read", key, id);
    s_use_twice("10.8.0.3", key);
    cbh_http_res_fini(&res);
}

/* Redis hangs (stopped, its connections open): no report can come, so a
 * held key stops being answered from memory once the fence is stale; the
 * lookup then times out (503), as without a cache. Redis resumes: held
 * keys are answered again. */
static void
test_cache_redis_hung(void **state)
{
    (void) state;
    char key[CB_APIKEY_TEXT_LEN + 1], id[CB_APIKEY_ID_LEN + 1];
    s_held_key("hung", "read", "10.9.0.1", key, id);
    cbh_http_res_t res = {0};
    pid_t redis = cbh_proc_pid(s_f.stack.redis.proc);
    assert_int_equal(kill(redis, SIGSTOP), 0);
    cb_time_sleep_ms(CB_APIKEY_SETTLE_MS, NULL);
    long status = s_bearer("10.9.0.1", key, S_ROUTE, &res);
    assert_int_equal(kill(redis, SIGCONT), 0);
    assert_int_equal(status, 503);
    s_cache_live();
    s_use_twice("10.9.0.1", key);
    cbh_http_res_fini(&res);
}

/* FLUSHALL names no key: everything held is dropped. */
static void
test_cache_flushall(void **state)
{
    (void) state;
    char key[CB_APIKEY_TEXT_LEN + 1], id[CB_APIKEY_ID_LEN + 1];
    s_held_key("flushed", "read", "10.7.0.1", key, id);
    cbh_http_res_t res = {0};
    s_redis("FLUSHALL", NULL, NULL, NULL);
    assert_int_equal(s_bearer("10.7.0.1", key, S_ROUTE, &res), 401);
    cbh_http_res_fini(&res);
}

/* Last: Redis goes away; a key cannot be checked (503), never let through,
 * not even one the cache held. */
static void
test_redis_down(void **state)
{
    (void) state;
    char key[CB_APIKEY_TEXT_LEN + 1], id[CB_APIKEY_ID_LEN + 1];
    s_held_key("outage", "read", "10.5.0.1", key, id);
    cbh_http_res_t res = {0};
    cbh_redis_stop(&s_f.stack.redis);
    assert_int_equal(s_bearer("10.5.0.1", key, "/api/account/balances", &res), 503);
    cbh_edge_expect_error(&res, 503, "unavailable");
    assert_int_equal(s_get("10.5.0.1", NULL, "/api/account/balances", &res), 401);
    cbh_http_res_fini(&res);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_scopes_and_revocation),
        cmocka_unit_test(test_budgets),
        cmocka_unit_test(test_no_key_text_in_logs_or_metrics),
        cmocka_unit_test(test_keys_without_rate_limit),
        cmocka_unit_test(test_cache_follows_writes),
        cmocka_unit_test(test_cache_redis_hung),
        cmocka_unit_test(test_cache_after_redis_restart),
        cmocka_unit_test(test_cache_flushall),
        cmocka_unit_test(test_redis_down),
    };
    return cmocka_run_group_tests_name("edge_keys", tests, s_setup, cbh_edge_fixture_teardown);
}
