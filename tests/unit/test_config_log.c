/* test_config_log.c - environment config validation, log format and secret redaction, errors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_bus.h"
#include "cb_config.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_sched.h"

static const cb_config_var_t s_vars[] = {
    CB_CONFIG_COMMON_VARS,
    CB_BUS_CONFIG_VARS
    {"TEST_COUNT", CB_CFG_INT, "10", 1, 100, NULL, "a count"},
    {"TEST_FLAG", CB_CFG_BOOL, "no", 0, 0, NULL, "a flag"},
    {"TEST_API_SECRET", CB_CFG_STR, NULL, 0, 0, NULL, "a secret"},
};
#define S_NVARS (sizeof s_vars / sizeof s_vars[0])

/* Captures log lines written during fn into out. */
static int s_pipe[2];

static void
s_capture_start(void)
{
    assert_int_equal(pipe(s_pipe), 0);
    cb_log_set_fd(s_pipe[1]);
}

static void
s_capture_end(char *out, size_t size)
{
    cb_log_set_fd(2);
    close(s_pipe[1]);
    ssize_t n = read(s_pipe[0], out, size - 1);
    out[n > 0 ? n : 0] = '\0';
    close(s_pipe[0]);
}

static void
test_defaults_and_overrides(void **state)
{
    (void) state;
    unsetenv("COINBUS_BUS_HOST");
    unsetenv("COINBUS_BUS_PUB_PORT");
    cb_bus_config_t bus;
    assert_int_equal(cb_bus_config_load(s_vars, S_NVARS, &bus), 0);
    assert_string_equal(bus.pub, "tcp://127.0.0.1:5550");
    assert_string_equal(bus.sub, "tcp://127.0.0.1:5551");
    assert_string_equal(bus.frontend[CB_RPC_MARKET], "tcp://127.0.0.1:5560");
    assert_string_equal(bus.backend[CB_RPC_SENTIMENT], "tcp://127.0.0.1:5567");
    setenv("COINBUS_BUS_HOST", "::1", 1);
    setenv("COINBUS_RPC_ORDERS_FRONTEND", "7000", 1);
    assert_int_equal(cb_bus_config_load(s_vars, S_NVARS, &bus), 0);
    assert_string_equal(bus.frontend[CB_RPC_ORDERS], "tcp://[::1]:7000");
    unsetenv("COINBUS_BUS_HOST");
    unsetenv("COINBUS_RPC_ORDERS_FRONTEND");
    long count;
    bool flag;
    assert_int_equal(cb_config_int(s_vars, S_NVARS, "TEST_COUNT", &count), 0);
    assert_int_equal(count, 10);
    setenv("TEST_FLAG", "On", 1);
    assert_int_equal(cb_config_bool(s_vars, S_NVARS, "TEST_FLAG", &flag), 0);
    assert_true(flag);
    unsetenv("TEST_FLAG");
    const char *secret = "x";
    assert_int_equal(cb_config_str(s_vars, S_NVARS, "TEST_API_SECRET", &secret), 0);
    assert_null(secret);
}

static void
test_bad_values_name_variable_value_and_expectation(void **state)
{
    (void) state;
    struct {
        const char *name;
        const char *value;
        const char *expect;
    } cases[] = {
        {"COINBUS_BUS_PUB_PORT", "abc", "TCP port from 1 to 65535"},
        {"COINBUS_BUS_PUB_PORT", "70000", "TCP port"},
        {"COINBUS_BUS_PUB_PORT", "55 ", "TCP port"},
        {"COINBUS_LOG_LEVEL", "loud", "one of debug|info|warn|error"},
        {"COINBUS_LOG_FORMAT", "xml", "text|json"},
        {"TEST_COUNT", "0", "integer from 1 to 100"},
        {"TEST_COUNT", "101", "integer from 1 to 100"},
        {"TEST_FLAG", "maybe", "true|false"},
        {"COINBUS_BUS_HOST", "a host", "host name or IP"},
        {"COINBUS_REDIS_URL", "http://x", "redis://"},
        {"COINBUS_SCHED_SLICE_US", "-1", "integer from 0 to 100000"},
        {"COINBUS_SCHED_SLICE_US", "100001", "integer from 0 to 100000"},
        {"COINBUS_SCHED_SLICE_US", "fast", "integer from 0 to 100000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setenv(cases[i].name, cases[i].value, 1);
        char out[2048];
        s_capture_start();
        int rc = cb_config_validate(s_vars, S_NVARS);
        s_capture_end(out, sizeof out);
        unsetenv(cases[i].name);
        assert_int_equal(rc, CB_E_CONFIG);
        /* One line, naming the variable, its value and what is expected. */
        assert_non_null(strstr(out, cases[i].name));
        assert_non_null(strstr(out, cases[i].expect));
        assert_non_null(strchr(out, '\n'));
        assert_int_equal(strchr(out, '\n')[1], '\0');
    }
    /* A secret-looking variable's value never prints; nor a URL password. */
    setenv("COINBUS_REDIS_URL", "redis://:hunter2@[::1", 1);
    char out[2048];
    s_capture_start();
    assert_int_equal(cb_config_validate(s_vars, S_NVARS), CB_E_CONFIG);
    s_capture_end(out, sizeof out);
    unsetenv("COINBUS_REDIS_URL");
    assert_null(strstr(out, "hunter2"));
}

static void
test_log_text_json_and_redaction(void **state)
{
    (void) state;
    char out[4096];
    cb_log_init("unit", CB_LOG_INFO, CB_LOG_TEXT);
    s_capture_start();
    cb_log_info("connect_failed", "endpoint=%s attempts=%d api_key=%s secret=%s msg=\"%s\"",
                "tcp://x:1", 3, "AKIA-very-secret", "s3cr3t", "two words");
    cb_log_debug("hidden", "x=%d", 1);
    cb_log_warn("url", "redis=%s", "redis://user:pa55@host:6379/0");
    s_capture_end(out, sizeof out);
    assert_non_null(strstr(out, " INFO unit connect_failed endpoint=tcp://x:1 attempts=3 "));
    assert_non_null(strstr(out, "api_key=[redacted]"));
    assert_non_null(strstr(out, "secret=[redacted]"));
    assert_null(strstr(out, "AKIA"));
    assert_null(strstr(out, "s3cr3t"));
    assert_null(strstr(out, "pa55"));
    assert_non_null(strstr(out, "redis=redis://user:***@host:6379/0"));
    assert_non_null(strstr(out, "msg=\"two words\""));
    assert_null(strstr(out, "hidden"));

    /* A URL so long that the mask would not fit: the value goes entirely. */
    char longurl[1100];
    snprintf(longurl, sizeof longurl, "redis://u:p@h/");
    memset(longurl + 14, 'x', 1020);
    longurl[1034] = '\0';
    s_capture_start();
    cb_log_warn("long", "url=%s", longurl);
    s_capture_end(out, sizeof out);
    assert_null(strstr(out, ":p@"));
    assert_non_null(strstr(out, "url=[redacted]"));

    cb_log_init("unit", CB_LOG_DEBUG, CB_LOG_JSON);
    s_capture_start();
    cb_log_error("boom", "token=%s size=%zu quote=%s", "tok", (size_t) 7, "a\"b");
    s_capture_end(out, sizeof out);
    assert_non_null(strstr(out, "\"level\":\"error\",\"service\":\"unit\",\"event\":\"boom\""));
    assert_non_null(strstr(out, "\"token\":\"[redacted]\""));
    assert_non_null(strstr(out, "\"size\":\"7\""));
    assert_non_null(strstr(out, "\"quote\":\"a\\\"b\""));
    assert_null(strstr(out, "tok\""));
    cb_log_init("unit", CB_LOG_INFO, CB_LOG_TEXT);

    assert_true(cb_log_key_is_secret("X-MBX-APIKEY", 12));
    assert_true(cb_log_key_is_secret("Passphrase", 10));
    assert_true(cb_log_key_is_secret("signature", 9));
    assert_false(cb_log_key_is_secret("endpoint", 8));
}

/* The calling thread's se.slice (ns) from /proc, or -1 when the kernel
 * does not report one (before 6.6). */
static long long
s_slice_ns(void)
{
    FILE *f = fopen("/proc/thread-self/sched", "r");
    char line[256];
    long long ns = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "se.slice", 8) == 0) {
            char *colon = strchr(line, ':');
            ns = colon != NULL ? atoll(colon + 1) : -1;
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return ns;
}

static void
test_sched_slice(void **state)
{
    (void) state;
    assert_int_equal(cb_sched_set_slice_us(-5), -EINVAL);
    assert_int_equal(cb_sched_set_slice_us(0), 0); /* the default: nothing asked */
    long long before = s_slice_ns();
    setenv("COINBUS_SCHED_SLICE_US", "300", 1);
    char out[2048];
    s_capture_start();
    int rc = cb_config_init_log("test", s_vars, S_NVARS);
    s_capture_end(out, sizeof out);
    unsetenv("COINBUS_SCHED_SLICE_US");
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "sched_slice slice_us=300"));
    assert_null(strstr(out, "refused"));
    long long after = s_slice_ns();
    if (before >= 0 && after != before) {
        assert_int_equal(after, 300000); /* EEVDF (>= 6.12) keeps the slice asked for */
    }
    /* A bad value is a configuration error, not a silent default. */
    setenv("COINBUS_SCHED_SLICE_US", "soon", 1);
    s_capture_start();
    rc = cb_config_init_log("test", s_vars, S_NVARS);
    s_capture_end(out, sizeof out);
    unsetenv("COINBUS_SCHED_SLICE_US");
    assert_int_equal(rc, CB_E_CONFIG);
    assert_non_null(strstr(out, "COINBUS_SCHED_SLICE_US"));
    cb_log_init("test", CB_LOG_INFO, CB_LOG_TEXT);
}

static void
test_error_table(void **state)
{
    (void) state;
    assert_int_equal(cb_error_selftest(), 0);
    assert_string_equal(cb_error_wire_name(CB_E_RATE_LIMITED), "rate_limited");
    assert_int_equal(cb_error_http_status(CB_E_RATE_LIMITED), 429);
    assert_int_equal(cb_error_http_status(CB_E_UPSTREAM), 502);
    assert_int_equal(cb_error_http_status(CB_E_PARSE), 400);
    assert_int_equal(cb_error_from_wire("timeout", 7), CB_E_TIMEOUT);
    assert_int_equal(cb_error_from_wire("parse", 5), CB_E_INTERNAL);
    assert_string_equal(cb_strerror(-2), "No such file or directory");
    assert_string_equal(cb_strerror(0), "success");
    assert_string_equal(cb_strerror(-99999), "unknown error");
    assert_string_equal(cb_error_wire_name(-2), "internal");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_overrides),
        cmocka_unit_test(test_bad_values_name_variable_value_and_expectation),
        cmocka_unit_test(test_log_text_json_and_redaction),
        cmocka_unit_test(test_error_table),
        cmocka_unit_test(test_sched_slice),
    };
    return cmocka_run_group_tests_name("config_log", tests, NULL, NULL);
}
