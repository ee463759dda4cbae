/* test_make_run.c - scripts/run.sh (make run): starts redis, the bus and the services up to api-edge's /health, stops clean, restarts */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "cb_apikey.h"
#include "cb_time.h"
#include "cbh_bus.h"
#include "cbh_edge.h"

static bool
s_log_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return false;
    }
    static char data[1 << 16];
    size_t n = fread(data, 1, sizeof data - 1, f);
    data[n] = '\0';
    fclose(f);
    return strstr(data, needle) != NULL;
}

/* The paper API key run.sh printed (after "Paper API key:") into key. */
static void
s_printed_key(const char *path, char *key)
{
    cb_buf_t log = {0};
    cbh_slurp(path, &log);
    const char *at = strstr((const char *) log.data, "Paper API key:   ");
    assert_non_null(at);
    at += strlen("Paper API key:   ");
    assert_true(cb_apikey_well_formed(at, CB_APIKEY_TEXT_LEN));
    memcpy(key, at, CB_APIKEY_TEXT_LEN);
    key[CB_APIKEY_TEXT_LEN] = '\0';
    /* The example uses it. */
    char curl[200];
    snprintf(curl, sizeof curl, "curl -H \"Authorization: Bearer %s\" http://", key);
    assert_non_null(strstr((const char *) log.data, curl));
    cb_buf_fini(&log);
}

/* Starts run.sh on free ports; returns it once it says the stack is up. */
/* The runner of the current round (stopped by s_teardown if still set). */
static cbh_proc_t *s_run;

static cbh_proc_t *
s_start(char env_text[][64], char **env, int *redis_port, int *sub_port, int *sim_port, int *http_port)
{
    *redis_port = cbh_free_port();
    *sub_port = cbh_free_port();
    snprintf(env_text[0], 64, "COINBUS_RUN_REDIS_PORT=%d", *redis_port);
    snprintf(env_text[1], 64, "COINBUS_BUS_PUB_PORT=%d", cbh_free_port());
    snprintf(env_text[2], 64, "COINBUS_BUS_SUB_PORT=%d", *sub_port);
    const char *names[] = {"MARKET", "ORDERS", "ACCOUNT", "SENTIMENT"};
    for (int i = 0; i < 4; i++) {
        snprintf(env_text[3 + 2 * i], 64, "COINBUS_RPC_%s_FRONTEND=%d", names[i], cbh_free_port());
        snprintf(env_text[4 + 2 * i], 64, "COINBUS_RPC_%s_BACKEND=%d", names[i], cbh_free_port());
    }
    *sim_port = cbh_free_port();
    snprintf(env_text[11], 64, "COINBUS_SIM_PORT=%d", *sim_port);
    *http_port = cbh_free_port();
    snprintf(env_text[12], 64, "COINBUS_HTTP_PORT=%d", *http_port);
    for (int i = 0; i < 13; i++) {
        env[i] = env_text[i];
    }
    env[13] = NULL;
    char *argv[] = {"/bin/bash", "scripts/run.sh", NULL};
    cbh_proc_t *run = cbh_proc_start("make-run", argv, env);
    assert_non_null(run);
    s_run = run;
    bool up = false;
    /* The runner first waits for api-edge's /health to say ok. */
    for (int i = 0; i < 800 && !up; i++) {
        cb_time_sleep_ms(50, NULL);
        up = s_log_has(cbh_proc_log_path(run), "coinbus is up: redis bus");
    }
    assert_true(up);
    return run;
}

/* A failed assertion leaves the test at once: the teardown still stops the
 * runner with Ctrl-C, so that its services are not left running (its child
 * gets SIGKILL when the test dies, which the runner cannot pass on). */
static int
s_teardown(void **state)
{
    (void) state;
    if (s_run != NULL) {
        (void) cbh_proc_stop(&s_run, SIGINT, 15000);
    }
    return 0;
}

static void
test_run_stop_and_run_again(void **state)
{
    (void) state;
    unsetenv("COINBUS_REDIS_URL");
    char first_key[CB_APIKEY_TEXT_LEN + 1] = "";
    for (int round = 0; round < 2; round++) {
        char env_text[13][64];
        char *env[14];
        int redis_port;
        int sub_port;
        int sim_port;
        int http_port;
        cbh_proc_t *run = s_start(env_text, env, &redis_port, &sub_port, &sim_port, &http_port);
        assert_int_equal(cbh_wait_port(redis_port, 2000), 0);
        /* venue-sim, the default venue, answers on its port. */
        assert_int_equal(cbh_wait_port(sim_port, 5000), 0);
        assert_int_equal(cbh_wait_port(sub_port, 2000), 0);
        /* api-edge listens, said ok on /health, and the dashboard URL was printed. */
        assert_int_equal(cbh_wait_port(http_port, 2000), 0);
        char url[64];
        snprintf(url, sizeof url, "Dashboard:       http://127.0.0.1:%d/", http_port);
        assert_true(s_log_has(cbh_proc_log_path(run), url));
        assert_true(s_log_has(cbh_proc_log_path(run), "api-edge /health: ok"));
        /* The paper account's API key: it works on a private route, its file
         * is the owner's only, and the second run prints the same one. */
        char key[CB_APIKEY_TEXT_LEN + 1];
        s_printed_key(cbh_proc_log_path(run), key);
        char auth[128];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        const char *headers[] = {auth, NULL};
        cbh_http_res_t res = {0};
        /* The run's Redis outlives the run: a breaker an earlier run left open
         * closes after its cool-down (503), and the paper key's rate budget an
         * earlier run spent comes back (429): both say "later", not "no". */
        for (int i = 0; i < 60; i++) {
            long st = cbh_http(http_port, "GET", "/api/account/balances", headers, NULL, 0, &res);
            if (st != 503 && st != 429) {
                break;
            }
            cb_time_sleep_ms(500, NULL);
        }
        if (res.status != 200) {
            fail_msg("balances with the printed key: %ld %s", res.status, (const char *) res.body.data);
        }
        cbh_http_res_fini(&res);
        struct stat st;
        assert_int_equal(stat("build/run/paper-api-key", &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        if (round == 0) {
            memcpy(first_key, key, sizeof first_key);
        } else {
            assert_string_equal(key, first_key);
        }
        char log[512];
        snprintf(log, sizeof log, "%s", cbh_proc_log_path(run));
        /* Ctrl-C: everything stops, nothing is left listening. */
        s_run = NULL;
        assert_int_equal(cbh_proc_stop(&run, SIGINT, 15000), 0);
        assert_true(s_log_has(log, "stopped bus"));
        /* The sentiment service starts from the repo's own data files. */
        assert_true(
            s_log_has(log, "coinbus is up: redis bus venue-sim market-feed sentiment account order-router api-edge"));
        assert_true(s_log_has(log, "stopped venue-sim"));
        assert_true(s_log_has(log, "stopped sentiment"));
        /* The account service starts with the paper accounts, and never logs them. */
        assert_true(s_log_has(log, "stopped account"));
        assert_false(s_log_has(log, "venue_no_credentials"));
        assert_false(s_log_has(log, "Y29pbmJ1cy1wYXBlci1rcmFrZW4tc2Vj"));
        assert_true(s_log_has(log, "stopped api-edge"));
        assert_false(s_log_has(log, "lexicon_load_failed"));
        assert_true(s_log_has(log, "stopped redis"));
        assert_int_equal(cbh_wait_port(redis_port, 0), -1);
        assert_int_equal(cbh_wait_port(sub_port, 0), -1);
        assert_int_equal(cbh_wait_port(sim_port, 0), -1);
        assert_int_equal(cbh_wait_port(http_port, 0), -1);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_run_stop_and_run_again, s_teardown),
    };
    return cmocka_run_group_tests_name("make_run", tests, NULL, NULL);
}
