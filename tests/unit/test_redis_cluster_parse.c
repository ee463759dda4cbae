/* test_redis_cluster_parse.c - Redis Cluster routing helpers: key slots (hash tags), a command's key, MOVED/ASK replies and garbage */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cb_redis_cluster.h"

static void
test_slots(void **state)
{
    (void) state;
    /* The values redis-server's CLUSTER KEYSLOT gives. */
    assert_int_equal(cb_redis_slot("foo", 3), 12182);
    assert_int_equal(cb_redis_slot("bar", 3), 5061);
    assert_int_equal(cb_redis_slot("123456789", 9), 0x31C3 & 16383);
    /* Only the first non-empty {tag} counts. */
    const char *a = "coinbus:edge:{apikeys}:hash:00";
    const char *b = "other:{apikeys}";
    assert_int_equal(cb_redis_slot(a, strlen(a)), cb_redis_slot("apikeys", 7));
    assert_int_equal(cb_redis_slot(b, strlen(b)), cb_redis_slot("apikeys", 7));
    /* An empty or unclosed tag: the whole key. */
    assert_int_not_equal(cb_redis_slot("{}foo", 5), cb_redis_slot("foo", 3));
    assert_int_not_equal(cb_redis_slot("{foo", 4), cb_redis_slot("foo", 3));
    assert_int_equal(cb_redis_slot("a{b}{c}", 7), cb_redis_slot("b", 1));
    assert_int_equal(cb_redis_slot("", 0), 0);
}

static void
test_command_keys(void **state)
{
    (void) state;
    char *cmd = NULL;
    const char *evalsha[] = {"EVALSHA", "abc", "2", "k{1}", "k{1}:t", "arg"};
    int len = redisFormatCommandArgv(&cmd, 6, evalsha, NULL);
    cb_redis_cmd_t c;
    cb_redis_cmd_parse(cmd, len, true, &c);
    assert_true(cb_redis_cmd_is(&c, "evalsha"));
    assert_int_equal(c.key_len, 4);
    assert_memory_equal(c.key, "k{1}", 4);
    free(cmd);
    const char *nokeys[] = {"EVAL", "return 1", "0"};
    len = redisFormatCommandArgv(&cmd, 3, nokeys, NULL);
    cb_redis_cmd_parse(cmd, len, true, &c);
    assert_null(c.key);
    free(cmd);
    const char *hmget[] = {"HMGET", "coinbus:edge:{apikeys}:hash:ab", "id", "scope"};
    len = redisFormatCommandArgv(&cmd, 4, hmget, NULL);
    cb_redis_cmd_parse(cmd, len, true, &c);
    assert_int_equal(c.key_len, strlen(hmget[1]));
    /* Truncated or not RESP at all: no name, no key, no crash. */
    for (int cut = 0; cut < len; cut++) {
        cb_redis_cmd_parse(cmd, cut, true, &c);
        assert_true(c.key == NULL || c.key + c.key_len <= cmd + cut);
    }
    free(cmd);
    cb_redis_cmd_parse("PING\r\n", 6, true, &c);
    assert_null(c.name);
}

static void
test_redirects(void **state)
{
    (void) state;
    redisReply r = {.type = REDIS_REPLY_ERROR};
    cb_redis_redirect_t rd;
    r.str = "MOVED 3999 127.0.0.1:6381";
    assert_true(cb_redis_redirect_parse(&r, &rd));
    assert_false(rd.ask);
    assert_int_equal(rd.slot, 3999);
    assert_int_equal(rd.port, 6381);
    assert_int_equal(rd.host_len, 9);
    assert_memory_equal(rd.host, "127.0.0.1", 9);
    r.str = "ASK 16383 [::1]:7000";
    assert_true(cb_redis_redirect_parse(&r, &rd));
    assert_true(rd.ask);
    assert_int_equal(rd.slot, 16383);
    r.str = "MOVED 1 ::7001"; /* IPv6 without brackets: the last colon */
    assert_true(cb_redis_redirect_parse(&r, &rd));
    assert_int_equal(rd.port, 7001);
    r.str = "MOVED 12 :7002"; /* a node that does not know its address */
    assert_true(cb_redis_redirect_parse(&r, &rd));
    assert_int_equal(rd.host_len, 0);
    const char *bad[] = {"MOVED",          "MOVED 16384 h:1", "MOVED -1 h:1", "MOVED x h:1",
                         "MOVED 1 h",      "MOVED 1 h:0",     "MOVED 1 h:65536", "MOVED 1 h:1x",
                         "ASK 1  h:",      "moved 1 h:1",     "NOSCRIPT x",   "ERR MOVED 1 h:1",
                         "MOVED 1h:1",     ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r.str = (char *) bad[i];
        assert_false(cb_redis_redirect_parse(&r, NULL));
    }
    r.type = REDIS_REPLY_STATUS;
    r.str = "MOVED 1 h:1";
    assert_false(cb_redis_redirect_parse(&r, &rd));
    assert_false(cb_redis_redirect_parse(NULL, &rd));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots),
        cmocka_unit_test(test_command_keys),
        cmocka_unit_test(test_redirects),
    };
    return cmocka_run_group_tests_name("redis_cluster_parse", tests, NULL, NULL);
}
