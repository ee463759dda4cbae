/* test_redis_url.c - Redis URL parsing: defaults, user info, IPv6, garbage */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cb_error.h"
#include "cb_redis.h"

static void
test_good_urls(void **state)
{
    (void) state;
    struct {
        const char *url;
        const char *host;
        int port;
        int db;
        const char *user;
        const char *password;
    } cases[] = {
        {"redis://127.0.0.1:6379/0", "127.0.0.1", 6379, 0, NULL, NULL},
        {"redis://localhost", "localhost", 6379, 0, NULL, NULL},
        {"redis://localhost/", "localhost", 6379, 0, NULL, NULL},
        {"redis://redis:7000/15", "redis", 7000, 15, NULL, NULL},
        {"redis://:s3cret@h/2", "h", 6379, 2, NULL, "s3cret"},
        {"redis://app:pw@h:1/1", "h", 1, 1, "app", "pw"},
        {"redis://:p%40ss%3Aw%2Fd@h", "h", 6379, 0, NULL, "p@ss:w/d"},
        {"redis://[::1]:7001/3", "::1", 7001, 3, NULL, NULL},
        {"redis://u:p@[fe80::1]", "fe80::1", 6379, 0, "u", "p"},
        {"redis://tok@h", "h", 6379, 0, NULL, "tok"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cb_redis_url_t url;
        if (cb_redis_url_parse(cases[i].url, &url) != 0) {
            fail_msg("refused '%s'", cases[i].url);
        }
        assert_string_equal(url.host, cases[i].host);
        assert_int_equal(url.port, cases[i].port);
        assert_int_equal(url.db, cases[i].db);
        if (cases[i].user == NULL) {
            assert_null(url.username);
        } else {
            assert_string_equal(url.username, cases[i].user);
        }
        if (cases[i].password == NULL) {
            assert_null(url.password);
        } else {
            assert_string_equal(url.password, cases[i].password);
        }
        cb_redis_url_fini(&url);
        cb_redis_url_fini(&url);
    }
}

static void
test_bad_urls(void **state)
{
    (void) state;
    const char *bad[] = {
        NULL,
        "",
        "http://h",
        "rediss://h",
        "redis://",
        "redis://:6379",
        "redis://h:0",
        "redis://h:65536",
        "redis://h:abc",
        "redis://h:",
        "redis://h/x",
        "redis://h/10001",
        "redis://h/-1",
        "redis://h/1/2",
        "redis://[::1",
        "redis://[]:1",
        "redis://h h",
        "redis://:p%4@h",
        "redis://:p%zz@h",
        "redis://h:6379x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cb_redis_url_t url;
        if (cb_redis_url_parse(bad[i], &url) != CB_E_CONFIG) {
            fail_msg("accepted '%s'", bad[i] != NULL ? bad[i] : "(null)");
        }
        assert_null(url.password);
        cb_redis_url_fini(&url);
    }
    int err = 0;
    assert_null(cb_redis_new("rediss://h", &err));
    assert_int_equal(err, CB_E_CONFIG);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_urls),
        cmocka_unit_test(test_bad_urls),
    };
    return cmocka_run_group_tests_name("redis_url", tests, NULL, NULL);
}
