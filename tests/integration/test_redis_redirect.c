/* test_redis_redirect.c - cb_redis on a real 3-node Redis Cluster in motion: ASK during a slot migration, the bound on redirections, a node that dies */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "cb_error.h"
#include "cb_redis.h"
#include "cb_time.h"
#include "cbh.h"
#include "cbh_cluster.h"

static cbh_cluster_t s_cluster;

static int
s_setup(void **state)
{
    (void) state;
    return cbh_cluster_start(&s_cluster);
}

static int
s_teardown(void **state)
{
    (void) state;
    cbh_cluster_stop(&s_cluster);
    return 0;
}

/* Starts moving key's slot (cbh_cluster_migrate); a client on its owner. */
static cb_redis_t *
s_migrate(const char *key, bool importing, cbh_cluster_migration_t *m)
{
    assert_int_equal(cbh_cluster_migrate(&s_cluster, key, importing, m), 0);
    int err = -1;
    cb_redis_t *r = cb_redis_new(s_cluster.url[m->from], &err);
    assert_non_null(r);
    return r;
}

/* A slot being migrated: its owner answers ASK for a key it no longer has,
 * and the client asks the importing node after ASKING. */
static void
test_ask_redirection(void **state)
{
    (void) state;
    const char *key = "cbh-ask-key";
    cbh_cluster_migration_t m;
    cb_redis_t *r = s_migrate(key, true, &m);
    int err = 0;
    redisReply *rep = cb_redis_command(r, &err, "SET %s %s", key, "moved-along");
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STATUS);
    freeReplyObject(rep);
    rep = cb_redis_command(r, &err, "GET %s", key);
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STRING);
    assert_string_equal(rep->str, "moved-along");
    freeReplyObject(rep);
    cb_redis_destroy(&r);
    cbh_cluster_settle(&m);
}

/* A slot half-migrated (MIGRATING on its owner, the target not IMPORTING)
 * sends the client back and forth: it gives up after 5 redirections with
 * the last one as the error reply, at once. */
static void
test_redirect_bound(void **state)
{
    (void) state;
    const char *key = "cbh-loop-key";
    cbh_cluster_migration_t m;
    cb_redis_t *r = s_migrate(key, false, &m);
    int err = -1;
    int64_t t0 = cb_time_mono_ns();
    redisReply *rep = cb_redis_command(r, &err, "GET %s", key);
    assert_non_null(rep);
    assert_int_equal(err, 0);
    assert_int_equal(rep->type, REDIS_REPLY_ERROR);
    assert_true(strncmp(rep->str, "MOVED", 5) == 0 || strncmp(rep->str, "ASK", 3) == 0);
    freeReplyObject(rep);
    assert_true(cb_time_mono_ns() - t0 < 1000000000LL);
    cb_redis_destroy(&r);
    cbh_cluster_settle(&m);
}

/* A node dies: commands for its slots fail fast with CB_E_UNAVAILABLE (no
 * hang, no crash), the other nodes' slots keep working. Last: it breaks the
 * cluster. */
static void
test_node_down(void **state)
{
    (void) state;
    char k1[32], k2[32];
    int seed = 0;
    assert_int_equal(cbh_cluster_key_on(&s_cluster, "cbh-down-", 1, k1, sizeof k1), 0);
    assert_int_equal(cbh_cluster_key_on(&s_cluster, "cbh-up-", 2, k2, sizeof k2), 0);
    int err = -1;
    cb_redis_t *r = cb_redis_new(s_cluster.url[seed], &err);
    assert_non_null(r);
    cb_redis_set_timeouts(r, 500, 500);
    redisReply *rep = cb_redis_command(r, &err, "SET %s %s", k1, "v");
    assert_non_null(rep);
    freeReplyObject(rep);
    cbh_proc_stop(&s_cluster.proc[1], SIGKILL, 1000);
    int64_t t0 = cb_time_mono_ns();
    rep = cb_redis_command(r, &err, "GET %s", k1);
    assert_null(rep);
    assert_true(err == CB_E_UNAVAILABLE || err == CB_E_TIMEOUT);
    /* Asked again at once: the node is not retried yet, the URL's node
     * still redirects there, and the answer is as fast. */
    rep = cb_redis_command(r, &err, "GET %s", k1);
    if (rep != NULL) {
        assert_int_equal(rep->type, REDIS_REPLY_ERROR);
        freeReplyObject(rep);
    } else {
        assert_true(err == CB_E_UNAVAILABLE || err == CB_E_TIMEOUT);
    }
    assert_true(cb_time_mono_ns() - t0 < 1500000000LL);
    rep = cb_redis_command(r, &err, "SET %s %s", k2, "still-here");
    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STATUS);
    freeReplyObject(rep);
    cb_redis_destroy(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ask_redirection),
        cmocka_unit_test(test_redirect_bound),
        cmocka_unit_test(test_node_down), /* last: it breaks the cluster */
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
