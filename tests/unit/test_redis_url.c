/* test_redis_url.c - Redis URL parsing: defaults, user info, percent-decoding, IPv6, garbage */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_error.h"
#include "cb_log.h"
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
        {"REDIS://Redis-1.internal_a", "Redis-1.internal_a", 6379, 0, NULL, NULL},
        {"redis://redis:7000/15", "redis", 7000, 15, NULL, NULL},
        {"redis://h:1/10000", "h", 1, 10000, NULL, NULL},
        {"redis://h:65535", "h", 65535, 0, NULL, NULL},
        {"redis://h:06379/007", "h", 6379, 7, NULL, NULL},
        {"redis://:s3cret@h/2", "h", 6379, 2, NULL, "s3cret"},
        {"redis://app:pw@h:1/1", "h", 1, 1, "app", "pw"},
        {"redis://app:@h", "h", 6379, 0, "app", ""},
        {"redis://:@h", "h", 6379, 0, NULL, NULL},
        {"redis://@h", "h", 6379, 0, NULL, NULL},
        {"redis://tok@h", "h", 6379, 0, NULL, "tok"},
        /* Percent-decoding of both parts, any case of hex digits. */
        {"redis://:p%40ss%3Aw%2Fd@h", "h", 6379, 0, NULL, "p@ss:w/d"},
        {"redis://us%65r%2a:%7e%7E%25%20x@h", "h", 6379, 0, "user*", "~~% x"},
        {"redis://u:%C3%A9t%C3%A9@h", "h", 6379, 0, "u", "\xC3\xA9t\xC3\xA9"},
        /* A raw '@' or ':' in the password still parses (last '@' wins). */
        {"redis://u:a@b:c@h:5/1", "h", 5, 1, "u", "a@b:c"},
        /* IPv6 in brackets, with and without port and user info. */
        {"redis://[::1]:7001/3", "::1", 7001, 3, NULL, NULL},
        {"redis://[::1]", "::1", 6379, 0, NULL, NULL},
        {"redis://u:p@[fe80::1]", "fe80::1", 6379, 0, "u", "p"},
        {"redis://[2001:DB8::ffff:192.0.2.1]:6380/", "2001:DB8::ffff:192.0.2.1", 6380, 0, NULL,
         NULL},
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
            assert_non_null(url.username);
            assert_string_equal(url.username, cases[i].user);
        }
        if (cases[i].password == NULL) {
            assert_null(url.password);
        } else {
            assert_non_null(url.password);
            assert_string_equal(url.password, cases[i].password);
        }
        cb_redis_url_fini(&url);
        assert_null(url.password);
        assert_null(url.username);
        cb_redis_url_fini(&url);
    }
    cb_redis_url_fini(NULL);
}

static void
test_bad_urls(void **state)
{
    (void) state;
    char long_host[300];
    memset(long_host, 'a', sizeof long_host);
    memcpy(long_host, "redis://", 8);
    long_host[sizeof long_host - 1] = '\0';
    const char *bad[] = {
        NULL,
        "",
        "h:6379",
        "http://h",
        "unix:///tmp/redis.sock",
        "redis:/h",
        " redis://h",
        "rediss://h",
        "rediss://:pw@h:6380/0",
        "redis://",
        "redis:///0",
        "redis://:6379",
        "redis://u:p@",
        "redis://u:p@:1",
        long_host,
        /* Port. */
        "redis://h:0",
        "redis://h:65536",
        "redis://h:99999999999",
        "redis://h:abc",
        "redis://h:",
        "redis://h:+1",
        "redis://h:-1",
        "redis://h: 1",
        "redis://h:6379x",
        "redis://h:1:2",
        /* Db. */
        "redis://h/x",
        "redis://h/10001",
        "redis://h/-1",
        "redis://h/+1",
        "redis://h/1/2",
        "redis://h//",
        "redis://h/ 1",
        "redis://h/1 ",
        "redis://h/0x1",
        /* Trailing junk. */
        "redis://h/0?timeout=1",
        "redis://h?db=1",
        "redis://h#x",
        "redis://h:1#x",
        "redis://h\n",
        "redis://h/0\n",
        /* Host. */
        "redis://h h",
        "redis://h%41",
        "redis://h;x",
        "redis://[::1",
        "redis://[]:1",
        "redis://[::1]x",
        "redis://[::1]:",
        "redis://[::g]",
        "redis://[1.2.3.4]",
        "redis://[::1%25eth0]",
        "redis://::1",
        /* User info. */
        "redis://:p%4@h",
        "redis://:p%@h",
        "redis://:p%zz@h",
        "redis://:p%00x@h",
        "redis://u%0:p@h",
        "redis://:p\tq@h",
        "redis://:p\x7fq@h",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cb_redis_url_t url;
        if (cb_redis_url_parse(bad[i], &url) != CB_E_CONFIG) {
            fail_msg("accepted '%s'", bad[i] != NULL ? bad[i] : "(null)");
        }
        assert_null(url.password);
        assert_null(url.username);
        cb_redis_url_fini(&url);
    }
}

/* Runs cb_redis_new(text) with the log captured into out. */
static cb_redis_t *
s_new_logged(const char *text, int *err, char *out, size_t size)
{
    char path[] = "/tmp/test-redis-url-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    cb_log_set_fd(fd);
    cb_redis_t *r = cb_redis_new(text, err);
    cb_log_set_fd(2);
    ssize_t n = pread(fd, out, size - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return r;
}

static void
test_new(void **state)
{
    (void) state;
    char out[2048];
    int err = 1;
    /* No Redis needed: the handle connects lazily. */
    cb_redis_t *r = cb_redis_new("redis://:pw@127.0.0.1:1/3", &err);
    assert_non_null(r);
    assert_int_equal(err, 0);
    assert_false(cb_redis_connected(r));
    cb_redis_destroy(&r);
    assert_null(r);
    cb_redis_destroy(&r);
    cb_redis_destroy(NULL);

    /* rediss:// says why; a bad URL never logs its password. */
    assert_null(s_new_logged("rediss://:hunter2@h:6380/0", &err, out, sizeof out));
    assert_int_equal(err, CB_E_CONFIG);
    assert_non_null(strstr(out, "redis_url_invalid"));
    assert_non_null(strstr(out, "TLS"));
    assert_null(strstr(out, "hunter2"));
    assert_null(s_new_logged("redis://:hunter2@h:bad/0", &err, out, sizeof out));
    assert_int_equal(err, CB_E_CONFIG);
    assert_non_null(strstr(out, "port"));
    assert_null(strstr(out, "hunter2"));
    assert_null(s_new_logged("redis://:hunter2%zz@h/0", &err, out, sizeof out));
    assert_int_equal(err, CB_E_CONFIG);
    assert_null(strstr(out, "hunter2"));
    assert_null(s_new_logged(NULL, &err, out, sizeof out));
    assert_int_equal(err, CB_E_CONFIG);
}

int
main(void)
{
    cb_log_init("test-redis-url", CB_LOG_INFO, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_urls),
        cmocka_unit_test(test_bad_urls),
        cmocka_unit_test(test_new),
    };
    return cmocka_run_group_tests_name("redis_url", tests, NULL, NULL);
}
