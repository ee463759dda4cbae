/* test_cli_contract.c - coinbus pub/sub/call round trips and a Python client from proto/README */
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
#include <unistd.h>

#include <czmq.h>

#include "cb_log.h"
#include "cb_pub.h"
#include "cb_rpc.h"
#include "cb_signal.h"
#include "cb_time.h"
#include "cbh_bus.h"

static cbh_bus_t s_bus;
static char s_tmp[256];

static int
s_worker_main(const char *endpoint)
{
    cb_log_init("test-worker", CB_LOG_INFO, CB_LOG_TEXT);
    cb_signal_install();
    cb_rpc_worker_t *worker = cb_rpc_worker_new(endpoint, "market", NULL, NULL);
    if (worker == NULL) {
        return 1;
    }
    int rc = cb_rpc_worker_run(worker, &cb_signal_stop);
    cb_rpc_worker_destroy(&worker);
    return rc == 0 ? 0 : 1;
}

/* Runs a shell command; returns its exit status (or -1). */
static int
s_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *
s_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return strdup("");
    }
    static char data[1 << 16];
    size_t n = fread(data, 1, sizeof data - 1, f);
    data[n] = '\0';
    fclose(f);
    return strdup(data);
}

static const char *
s_cli(void)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/coinbus", cbh_bin_dir());
    return path;
}

static int
s_setup(void **state)
{
    (void) state;
    zsys_handler_set(NULL);
    snprintf(s_tmp, sizeof s_tmp, "/tmp/cb-cli-XXXXXX");
    if (mkdtemp(s_tmp) == NULL || cbh_bus_start(&s_bus) != 0) {
        return -1;
    }
    cbh_bus_export(&s_bus);
    return 0;
}

static int
s_teardown(void **state)
{
    (void) state;
    s_sh("rm -rf %s", s_tmp);
    return cbh_bus_stop(&s_bus) == 0 ? 0 : -1;
}

static void
test_pub_sub_round_trip(void **state)
{
    (void) state;
    char out[512];
    snprintf(out, sizeof out, "%s/sub.jsonl", s_tmp);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "exec %s sub --count 2 --timeout 30 tick.BTC-USD. > %s", s_cli(),
             out);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    cbh_proc_t *sub = cbh_proc_start("cli-sub", argv, NULL);
    assert_non_null(sub);
    /* The JSON bid is a number with a trailing zero: it must travel as the
     * exact canonical decimal string "50000.1". */
    int tries = 0;
    while (cbh_proc_alive(sub) && tries++ < 60) {
        int rc = s_sh("%s pub --wait-ms 200 tick.BTC-USD.sim-kraken "
                      "'{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"bid\":50000.10,"
                      "\"ask\":\"50000.2\",\"bid_qty\":\"0.00000001\"}'",
                      s_cli());
        assert_int_equal(rc, 0);
    }
    assert_int_equal(cbh_proc_stop(&sub, SIGTERM, 5000), 0);
    char *text = s_slurp(out);
    assert_non_null(strstr(text, "{\"topic\":\"tick.BTC-USD.sim-kraken\",\"msg\":{"));
    assert_non_null(strstr(text, "\"bid\":\"50000.1\""));
    assert_non_null(strstr(text, "\"ask\":\"50000.2\""));
    assert_non_null(strstr(text, "\"bid_qty\":\"0.00000001\""));
    assert_non_null(strstr(text, "\"v\":1"));
    assert_non_null(strstr(text, "\"seq\":1"));
    /* Exactly two lines, each a whole JSON object. */
    int lines = 0;
    for (char *p = text; *p != '\0'; p++) {
        lines += *p == '\n';
    }
    assert_int_equal(lines, 2);
    free(text);
}

static void
test_pub_refuses_bad_input(void **state)
{
    (void) state;
    const char *cli = s_cli();
    const char *good = "'{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"bid\":\"1\",\"ask\":\"2\"}'";
    assert_int_equal(s_sh("%s pub --wait-ms 1 tick.BTC-USD.sim-kraken %s 2>/dev/null", cli, good), 0);
    assert_int_equal(s_sh("%s pub --wait-ms 1 tick.btc-usd.sim-kraken %s 2>/dev/null", cli, good), 1);
    assert_int_equal(s_sh("%s pub --wait-ms 1 tock.BTC-USD.sim-kraken %s 2>/dev/null", cli, good), 1);
    assert_int_equal(s_sh("%s pub --wait-ms 1 tick.ETH-USD.sim-kraken %s 2>/dev/null", cli, good), 1);
    assert_int_equal(s_sh("%s pub --wait-ms 1 tick.BTC-USD.sim-kraken '{\"symbol\":' 2>/dev/null",
                          cli), 1);
    assert_int_equal(s_sh("%s pub --wait-ms 1 tick.BTC-USD.sim-kraken "
                          "'{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\",\"bid\":\"x\",\"ask\":\"2\"}' "
                          "2>/dev/null", cli), 1);
    assert_int_equal(s_sh("%s pub tick.BTC-USD.sim-kraken 2>/dev/null", cli), 64);
}

static void
test_call_exit_codes(void **state)
{
    (void) state;
    char *argv[] = {"/proc/self/exe", "--worker", s_bus.config.backend[CB_RPC_MARKET], NULL};
    cbh_proc_t *worker = cbh_proc_start("cli-worker", argv, NULL);
    assert_non_null(worker);
    char out[512];
    snprintf(out, sizeof out, "%s/call.json", s_tmp);
    assert_int_equal(s_sh("%s call --timeout 2000 market ping > %s", s_cli(), out), 0);
    char *text = s_slurp(out);
    assert_non_null(strstr(text, "\"ok\":true"));
    assert_non_null(strstr(text, "\"service\":\"market\""));
    free(text);
    /* The worker has no handler: any other op is an error reply. */
    assert_int_equal(s_sh("%s call market quote symbol=BTC-USD depth:=5 > %s", s_cli(), out), 1);
    text = s_slurp(out);
    assert_non_null(strstr(text, "\"ok\":false"));
    assert_non_null(strstr(text, "\"code\":\"not_found\""));
    free(text);
    assert_int_equal(s_sh("%s call --timeout 150 --retries 1 sentiment ping 2>/dev/null",
                          s_cli()), 2);
    assert_int_equal(s_sh("%s call nosuch ping 2>/dev/null", s_cli()), 64);
    assert_int_equal(s_sh("%s call market ping depth:=[1, 2>/dev/null", s_cli()), 64);
    assert_int_equal(cbh_proc_stop(&worker, SIGTERM, 3000), 0);
}

static void
test_python_subscriber_from_the_readme(void **state)
{
    (void) state;
    if (access("/usr/bin/python3", X_OK) != 0) {
        fail_msg("/usr/bin/python3 is missing: run make deps");
    }
    char *argv[] = {"/usr/bin/python3", "tests/integration/py_subscriber.py", s_bus.config.sub,
                    "tick.ETH-USDT.", "50", NULL};
    cbh_proc_t *py = cbh_proc_start("py-subscriber", argv, NULL);
    assert_non_null(py);
    char log[512];
    snprintf(log, sizeof log, "%s", cbh_proc_log_path(py));
    cb_pub_t *pub = cb_pub_new(s_bus.config.pub);
    int64_t deadline = cb_time_mono_ns() + 30 * 1000000000LL;
    uint64_t n = 0;
    while (cbh_proc_alive(py) && cb_time_mono_ns() < deadline) {
        cb_event_t ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = CB_KIND_tick;
        char bid[32];
        snprintf(bid, sizeof bid, "3000.%llu", (unsigned long long) (++n % 1000));
        cb_decimal_t d;
        cb_decimal_parse(bid, strlen(bid), &d);
        CB_PROTO_SET(&ev.body.tick, tick, symbol, CB_STR("ETH-USDT"));
        CB_PROTO_SET(&ev.body.tick, tick, venue, CB_STR("sim-binance"));
        CB_PROTO_SET(&ev.body.tick, tick, bid, d);
        CB_PROTO_SET(&ev.body.tick, tick, ask, d);
        assert_int_equal(cb_pub_send(pub, &ev, NULL), 0);
        cb_time_sleep_ms(5, NULL);
    }
    cb_pub_destroy(&pub);
    assert_int_equal(cbh_proc_stop(&py, SIGTERM, 3000), 0);
    char *text = s_slurp(log);
    assert_non_null(strstr(text, "ready"));
    assert_non_null(strstr(text, "done"));
    assert_null(strstr(text, "GAP"));
    assert_null(strstr(text, "Traceback"));
    assert_non_null(strstr(text, "tick.ETH-USDT.sim-binance 3000."));
    free(text);
}

int
main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--worker") == 0) {
        return s_worker_main(argv[2]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pub_sub_round_trip),
        cmocka_unit_test(test_pub_refuses_bad_input),
        cmocka_unit_test(test_call_exit_codes),
        cmocka_unit_test(test_python_subscriber_from_the_readme),
    };
    return cmocka_run_group_tests_name("cli_contract", tests, s_setup, s_teardown);
}
