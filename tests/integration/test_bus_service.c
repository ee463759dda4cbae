/* test_bus_service.c - the bus binary: --help/--version, config errors, stats, clean stop */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cb_pub.h"
#include "cb_sub.h"
#include "cb_time.h"
#include "cbh_bus.h"

static char *
s_run(const char *cmd, int *status)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    static char out[16384];
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

static char *
s_slurp(const char *path)
{
    static char data[1 << 16];
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        data[0] = '\0';
        return data;
    }
    size_t n = fread(data, 1, sizeof data - 1, f);
    data[n] = '\0';
    fclose(f);
    return data;
}

static void
test_help_and_version(void **state)
{
    (void) state;
    char cmd[1024];
    int st;
    const char *bins[] = {"bus", "coinbus"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(cmd, sizeof cmd, "%s/%s --help", cbh_bin_dir(), bins[i]);
        char *out = s_run(cmd, &st);
        assert_int_equal(st, 0);
        assert_non_null(strstr(out, "COINBUS_BUS_HOST"));
        assert_non_null(strstr(out, "default: 127.0.0.1"));
        assert_non_null(strstr(out, "COINBUS_LOG_FORMAT"));
        snprintf(cmd, sizeof cmd, "%s/%s --version", cbh_bin_dir(), bins[i]);
        out = s_run(cmd, &st);
        assert_int_equal(st, 0);
        assert_non_null(strstr(out, "0."));
    }
    snprintf(cmd, sizeof cmd, "%s/bus --frobnicate 2>&1", cbh_bin_dir());
    s_run(cmd, &st);
    assert_int_equal(st, 64);
}

static void
test_bad_config_stops_with_one_clear_line(void **state)
{
    (void) state;
    char cmd[1024];
    int st;
    snprintf(cmd, sizeof cmd, "COINBUS_BUS_PUB_PORT=99999 %s/bus 2>&1", cbh_bin_dir());
    char *out = s_run(cmd, &st);
    assert_int_equal(st, 2);
    assert_non_null(strstr(out, "variable=COINBUS_BUS_PUB_PORT value=99999"));
    assert_non_null(strstr(out, "TCP port from 1 to 65535"));
    int lines = 0;
    for (char *p = out; *p != '\0'; p++) {
        lines += *p == '\n';
    }
    assert_int_equal(lines, 1);
    snprintf(cmd, sizeof cmd, "COINBUS_LOG_FORMAT=yaml %s/bus 2>&1", cbh_bin_dir());
    out = s_run(cmd, &st);
    assert_int_equal(st, 2);
    assert_non_null(strstr(out, "COINBUS_LOG_FORMAT"));
}

static void
test_port_in_use_fails_loudly(void **state)
{
    (void) state;
    cbh_bus_t first;
    assert_int_equal(cbh_bus_start(&first), 0);
    /* A second bus on the same ports must fail to bind and say where. */
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "COINBUS_BUS_PUB_PORT=%d COINBUS_BUS_SUB_PORT=%d %s/bus 2>&1",
             first.config.pub_port, first.config.sub_port, cbh_bin_dir());
    int st;
    char *out = s_run(cmd, &st);
    assert_int_equal(st, 1);
    assert_non_null(strstr(out, "bind_failed"));
    assert_non_null(strstr(out, "Address already in use"));
    assert_int_equal(cbh_bus_stop(&first), 0);
}

static void
test_stats_on_sigusr1_and_clean_stop(void **state)
{
    (void) state;
    cbh_bus_t bus;
    assert_int_equal(cbh_bus_start(&bus), 0);
    cb_pub_t *pub = cb_pub_new(bus.config.pub);
    cb_sub_t *sub = cb_sub_new(bus.config.sub);
    cb_sub_subscribe(sub, "x");
    static const uint8_t payload[] = {0x80};
    /* Until the subscription has reached the publisher, PUB drops. */
    int sent = 0;
    for (;;) {
        cb_pub_send_raw(pub, "x", 1, payload, 1);
        sent++;
        cb_sub_msg_t msg;
        int rc = cb_sub_recv_raw(sub, 20, &msg);
        cb_sub_msg_clear(&msg);
        if (rc == 0) {
            break;
        }
        assert_true(sent < 500);
    }
    for (int i = 0; i < 10; i++) {
        cb_pub_send_raw(pub, "x", 1, payload, 1);
    }
    for (int i = 0; i < 10; i++) {
        cb_sub_msg_t msg;
        assert_int_equal(cb_sub_recv_raw(sub, 2000, &msg), 0);
        cb_sub_msg_clear(&msg);
    }
    cb_sub_destroy(&sub);
    cb_pub_destroy(&pub);
    assert_int_equal(kill(cbh_proc_pid(bus.proc), SIGUSR1), 0);
    char log[512];
    snprintf(log, sizeof log, "%s", cbh_proc_log_path(bus.proc));
    char *text = NULL;
    for (int i = 0; i < 50; i++) {
        cb_time_sleep_ms(50, NULL);
        text = s_slurp(log);
        if (strstr(text, "forwarded proxy=events") != NULL) {
            break;
        }
    }
    const char *line = strstr(text, "forwarded proxy=events front_in=");
    assert_non_null(line);
    /* libzmq counts a multi-part message once. */
    long front_in = atol(line + strlen("forwarded proxy=events front_in="));
    assert_true(front_in >= 11);
    assert_non_null(strstr(text, "forwarded proxy=sentiment"));
    assert_int_equal(cbh_bus_stop(&bus), 0);
    text = s_slurp(log);
    assert_non_null(strstr(text, "stopped"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_bad_config_stops_with_one_clear_line),
        cmocka_unit_test(test_port_in_use_fails_loudly),
        cmocka_unit_test(test_stats_on_sigusr1_and_clean_stop),
    };
    return cmocka_run_group_tests_name("bus_service", tests, NULL, NULL);
}
