/* test_redis.c - the Redis helper against a real redis-server: auth, db, outage, reconnect */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_redis.h"
#include "cb_time.h"
#include "cbh.h"

static void
s_set_get(cb_redis_t *r, const char *key, const char *value)
{
    int err;
    redisReply *reply = cb_redis_command(r, &err, "SET %s %s", key, value);
    assert_non_null(reply);
    freeReplyObject(reply);
    reply = cb_redis_command(r, &err, "GET %s", key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    assert_string_equal(reply->str, value);
    freeReplyObject(reply);
}

static void
test_password_and_db(void **state)
{
    (void) state;
    cbh_redis_t server;
    assert_int_equal(cbh_redis_start(&server, "pa55word"), 0);
    char url[256];
    snprintf(url, sizeof url, "redis://:pa55word@127.0.0.1:%d/3", server.port);
    int err;
    cb_redis_t *r = cb_redis_new(url, &err);
    assert_non_null(r);
    assert_false(cb_redis_connected(r));
    s_set_get(r, "coinbus:test:k", "v3");
    assert_true(cb_redis_connected(r));
    /* The key lives in db 3, not in db 0. */
    snprintf(url, sizeof url, "redis://:pa55word@127.0.0.1:%d/0", server.port);
    cb_redis_t *r0 = cb_redis_new(url, &err);
    redisReply *reply = cb_redis_command(r0, &err, "GET coinbus:test:k");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_NIL);
    freeReplyObject(reply);
    /* Error replies come back as replies. */
    reply = cb_redis_command(r0, &err, "EVALSHA 0123456789012345678901234567890123456789 0");
    assert_non_null(reply);
    assert_int_equal(err, 0);
    assert_int_equal(reply->type, REDIS_REPLY_ERROR);
    assert_non_null(strstr(reply->str, "NOSCRIPT"));
    freeReplyObject(reply);
    /* Binary-safe argv form. */
    const char *argv[] = {"SET", "bin", "a\0b"};
    size_t lens[] = {3, 3, 3};
    reply = cb_redis_commandv(r0, &err, 3, argv, lens);
    assert_non_null(reply);
    freeReplyObject(reply);
    cb_redis_destroy(&r0);
    cb_redis_destroy(&r);
    assert_null(r);
    cb_redis_destroy(&r);

    snprintf(url, sizeof url, "redis://:wrong@127.0.0.1:%d/0", server.port);
    r = cb_redis_new(url, &err);
    assert_null(cb_redis_command(r, &err, "PING"));
    assert_int_equal(err, CB_E_UNAUTHORIZED);
    cb_redis_destroy(&r);
    cbh_redis_stop(&server);
}

static void
test_outage_and_reconnect(void **state)
{
    (void) state;
    cbh_redis_t server;
    assert_int_equal(cbh_redis_start(&server, NULL), 0);
    int port = server.port;
    int err;
    cb_redis_t *r = cb_redis_new(server.url, &err);
    assert_int_equal(cb_redis_ping(r), 0);
    cbh_redis_stop(&server);

    /* Down: every call fails quickly with unavailable, never crashes. */
    int failures = 0;
    for (int i = 0; i < 50; i++) {
        int64_t t0 = cb_time_mono_ns();
        redisReply *reply = cb_redis_command(r, &err, "PING");
        int64_t ms = (cb_time_mono_ns() - t0) / 1000000;
        assert_null(reply);
        assert_true(err == CB_E_UNAVAILABLE || err == CB_E_TIMEOUT);
        assert_true(ms < 1100);
        failures++;
        cb_time_sleep_ms(10, NULL);
    }
    assert_int_equal(failures, 50);
    assert_false(cb_redis_connected(r));
    /* While backing off, calls do not touch the network: well under 100 ms. */
    int64_t t0 = cb_time_mono_ns();
    for (int i = 0; i < 100; i++) {
        redisReply *reply = cb_redis_command(r, &err, "PING");
        assert_null(reply);
    }
    assert_true((cb_time_mono_ns() - t0) / 1000000 < 1200);

    /* Redis back on the same port: the helper reconnects by itself. */
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    char *argv[] = {"/usr/bin/redis-server", "--bind", "127.0.0.1", "--port", port_text,
                    "--save", "", "--appendonly", "no", NULL};
    cbh_proc_t *again = cbh_proc_start("redis-again", argv, NULL);
    assert_non_null(again);
    bool back = false;
    for (int i = 0; i < 200 && !back; i++) {
        back = cb_redis_ping(r) == 0;
        if (!back) {
            cb_time_sleep_ms(50, NULL);
        }
    }
    assert_true(back);
    assert_true(cb_redis_connected(r));
    cb_redis_destroy(&r);
    cbh_proc_stop(&again, SIGTERM, 3000);
}

int
main(void)
{
    cb_log_init("test-redis", CB_LOG_WARN, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_and_db),
        cmocka_unit_test(test_outage_and_reconnect),
    };
    return cmocka_run_group_tests_name("redis", tests, NULL, NULL);
}
