/* test_bus_curve.c - the authenticated bus: `coinbus certs`, the bus with COINBUS_CURVE=on,
 * order-router and the CLI with valid, unknown and no keys */
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
#include <sys/wait.h>
#include <unistd.h>

#include <czmq.h>

#include "cb_error.h"
#include "cb_rpc.h"
#include "cbh_bus.h"
#include "cbh_paper.h"
#include "cbh_sim.h"

#define K_KEY CBH_PAPER_K_KEY
#define K_SECRET CBH_PAPER_K_SECRET

static char s_tmp[64];
static char s_dir[128];      /* the certs: COINBUS_CURVE_DIR */
static char s_intruder[200]; /* a keypair whose public cert is not in clients/ */
static cbh_redis_t s_redis;
static cbh_bus_t s_bus;
static cbh_sim_t s_sim;
static cbh_proc_t *s_router;
static char s_router_log[512];
static char s_redis_env[200], s_venues_env[400];

static char *s_sim_env[] = {
    "COINBUS_SIM_ACCOUNTS=kraken " K_KEY " " K_SECRET " tier=pro ZUSD=1000000 XXBT=20", NULL};

/* Runs a shell command line (printf format) with stderr folded into stdout;
 * out gets what it printed. Returns its exit status (-1 when it did not exit). */
static int
s_run(char *out, size_t size, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char full[4200];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *
s_cli(void)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/coinbus", cbh_bin_dir());
    return path;
}

static char *
s_slurp(const char *path)
{
    static char data[1 << 17];
    data[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        size_t n = fread(data, 1, sizeof data - 1, f);
        data[n] = '\0';
        fclose(f);
    }
    return data;
}

/* The secret-key value of a zcert secret file (to prove no log holds it). */
static void
s_secret_of(const char *path, char *out, size_t size)
{
    zconfig_t *root = zconfig_load(path);
    assert_non_null(root);
    snprintf(out, size, "%s", zconfig_get(root, "curve/secret-key", ""));
    zconfig_destroy(&root);
    assert_int_equal(strlen(out), 40);
}

static int
s_setup(void **state)
{
    (void) state;
    zsys_handler_set(NULL);
    snprintf(s_tmp, sizeof s_tmp, "/tmp/cb-curve-XXXXXX");
    if (mkdtemp(s_tmp) == NULL) {
        return -1;
    }
    snprintf(s_dir, sizeof s_dir, "%s/curve", s_tmp);
    snprintf(s_intruder, sizeof s_intruder, "%s/intruder.key_secret", s_dir);
    char out[4096];
    /* The intruder's keypair is made like any client's, then dropped from the
     * bus's allow-list: a well-formed key the bus does not know. */
    if (s_run(out, sizeof out, "%s certs init %s", s_cli(), s_dir) != 0 ||
        s_run(out, sizeof out, "%s certs add %s intruder && rm %s/clients/intruder.key", s_cli(),
              s_dir, s_dir) != 0) {
        fprintf(stderr, "certs failed: %s\n", out);
        return -1;
    }
    /* Every process started from here on (bus, order-router, the CLI)
     * inherits CURVE on; this process itself never loads a cert, so its own
     * sockets are plain ones. */
    setenv("COINBUS_CURVE", "on", 1);
    setenv("COINBUS_CURVE_DIR", s_dir, 1);
    if (cbh_redis_start(&s_redis, NULL) != 0 || cbh_bus_start(&s_bus) != 0 ||
        cbh_sim_start(&s_sim, s_sim_env) != 0) {
        return -1;
    }
    cbh_bus_export(&s_bus);
    snprintf(s_redis_env, sizeof s_redis_env, "COINBUS_REDIS_URL=%s", s_redis.url);
    snprintf(s_venues_env, sizeof s_venues_env, "%s", s_sim.venues_env);
    char bin[512];
    snprintf(bin, sizeof bin, "%s/order-router", cbh_bin_dir());
    char *argv[] = {bin, NULL};
    char *env[] = {s_redis_env,
                   s_venues_env,
                   "COINBUS_SIM_KRAKEN_API_KEY=" K_KEY,
                   "COINBUS_SIM_KRAKEN_API_SECRET=" K_SECRET,
                   "COINBUS_CREDENTIALS_FILE=",
                   "COINBUS_CREDENTIALS_PLAIN_FILE=",
                   /* The subject is the bus's auth, not the balance (no account service here). */
                   "COINBUS_ROUTER_BALANCE_CHECK=off",
                   NULL};
    s_router = cbh_proc_start("order-router", argv, env);
    if (s_router == NULL) {
        return -1;
    }
    snprintf(s_router_log, sizeof s_router_log, "%s", cbh_proc_log_path(s_router));
    /* Up when a keyed ping answers through the CURVE bus. */
    for (int i = 0; i < 60; i++) {
        if (s_run(out, sizeof out, "%s call --timeout 300 --retries 0 orders ping", s_cli()) == 0) {
            return 0;
        }
    }
    fprintf(stderr, "order-router never answered: %s\n", out);
    return -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    int rc = cbh_proc_stop(&s_router, SIGTERM, 5000);
    cbh_sim_stop(&s_sim);
    int bus_rc = cbh_bus_stop(&s_bus);
    cbh_redis_stop(&s_redis);
    char out[256];
    s_run(out, sizeof out, "rm -rf %s", s_tmp);
    return rc == 0 && bus_rc == 0 ? 0 : -1;
}

static void
s_expect_mode(const char *name, mode_t want)
{
    char path[300];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    if ((st.st_mode & 0777) != want) {
        fprintf(stderr, "%s: mode %o, want %o\n", path, st.st_mode & 0777, want);
    }
    assert_int_equal(st.st_mode & 0777, want);
}

static void
test_certs_init(void **state)
{
    (void) state;
    s_expect_mode("", 0700);
    s_expect_mode("bus.key_secret", 0600);
    s_expect_mode("bus.key", 0644);
    const char *clients[] = {"market-feed", "order-router", "account",
                             "sentiment",   "api-edge",     "coinbus"};
    for (size_t i = 0; i < 6; i++) {
        char name[128];
        snprintf(name, sizeof name, "%s.key_secret", clients[i]);
        s_expect_mode(name, 0600);
        snprintf(name, sizeof name, "clients/%s.key", clients[i]);
        s_expect_mode(name, 0644);
        /* The allow-list holds public keys only. */
        char path[300];
        snprintf(path, sizeof path, "%s/%s", s_dir, name);
        assert_null(strstr(s_slurp(path), "secret-key"));
    }
    /* Never over existing certs without --force, and nothing changed. */
    char before[2048];
    char path[300];
    snprintf(path, sizeof path, "%s/bus.key_secret", s_dir);
    snprintf(before, sizeof before, "%s", s_slurp(path));
    char out[4096];
    assert_int_equal(s_run(out, sizeof out, "%s certs init %s", s_cli(), s_dir), 1);
    assert_non_null(strstr(out, "--force"));
    assert_int_equal(s_run(out, sizeof out, "%s certs add %s coinbus", s_cli(), s_dir), 1);
    assert_string_equal(s_slurp(path), before);
    assert_int_equal(s_run(out, sizeof out, "%s certs add %s ../x", s_cli(), s_dir), 64);
}

static void
test_valid_key_places_an_order(void **state)
{
    (void) state;
    char out[4096];
    int rc = s_run(out, sizeof out,
                   "%s call --timeout 10000 orders place venue=sim-kraken "
                   "symbol=BTC-USD side=buy type=limit amount=0.01 price=30000.1 "
                   "client_order_id=curve-ok-1",
                   s_cli());
    if (rc != 0) {
        fprintf(stderr, "%s\n", out);
    }
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "\"status\":\"open\""));
    assert_non_null(strstr(s_slurp(s_router_log), "curve-ok-1"));
}

/* A call with cert (COINBUS_CURVE_CERT, or "" for no CURVE at all) for a
 * place of clid must time out, and order-router must never have seen it. */
static void
s_expect_refused(const char *env, const char *clid)
{
    char out[4096];
    int rc = s_run(out, sizeof out,
                   "%s %s call --timeout 1000 --retries 1 orders place venue=sim-kraken "
                   "symbol=BTC-USD side=buy type=limit amount=0.01 price=30000.1 "
                   "client_order_id=%s",
                   env, s_cli(), clid);
    if (rc != 2) {
        fprintf(stderr, "%s\n", out);
    }
    assert_int_equal(rc, 2);
    /* Not in the router's log, not in its ledger (asked with a valid key). */
    assert_null(strstr(s_slurp(s_router_log), clid));
    rc = s_run(out, sizeof out, "%s call --timeout 5000 orders get id=%s", s_cli(), clid);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "not_found"));
}

static void
test_unknown_key_never_reaches_the_router(void **state)
{
    (void) state;
    char env[300];
    snprintf(env, sizeof env, "COINBUS_CURVE_CERT=%s", s_intruder);
    s_expect_refused(env, "curve-bad-1");
}

static void
test_plain_client_never_reaches_the_router(void **state)
{
    (void) state;
    s_expect_refused("COINBUS_CURVE=off", "curve-plain-1");
    /* The same from an in-process plain socket. */
    cb_rpc_client_t *client = cb_rpc_client_new(s_bus.config.frontend[CB_RPC_ORDERS]);
    assert_non_null(client);
    cb_rpc_result_t res;
    assert_int_equal(cb_rpc_call(client, "ping", NULL, 0, 800, 0, &res), CB_E_TIMEOUT);
    cb_rpc_client_destroy(&client);
}

/* The allow-list is live: a client added while the bus runs gets in, a
 * revoked one is refused from its next connection; SIGHUP re-reads it. */
static void
test_allow_list_changes_without_restart(void **state)
{
    (void) state;
    char out[4096];
    char env[300];
    snprintf(env, sizeof env, "COINBUS_CURVE_CERT=%s/late-bot.key_secret", s_dir);
    assert_int_equal(s_run(out, sizeof out, "%s certs add %s late-bot", s_cli(), s_dir), 0);
    int rc = s_run(out, sizeof out, "%s %s call --timeout 3000 orders ping", env, s_cli());
    if (rc != 0) {
        fprintf(stderr, "%s\n", out);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(s_run(out, sizeof out, "rm %s/clients/late-bot.key", s_dir), 0);
    assert_int_equal(
        s_run(out, sizeof out, "%s %s call --timeout 1000 --retries 0 orders ping", env, s_cli()),
        2);

    assert_int_equal(kill(cbh_proc_pid(s_bus.proc), SIGHUP), 0);
    const char *want = "curve_allow_list_reloaded";
    for (int i = 0; i < 50 && strstr(s_slurp(cbh_proc_log_path(s_bus.proc)), want) == NULL; i++) {
        usleep(100 * 1000);
    }
    assert_non_null(strstr(s_slurp(cbh_proc_log_path(s_bus.proc)), want));
    assert_true(cbh_proc_alive(s_bus.proc));
    assert_int_equal(s_run(out, sizeof out, "%s call --timeout 3000 orders ping", s_cli()), 0);
}

/* Starts `coinbus sub` for prefix with env (may be ""), output to path. */
static cbh_proc_t *
s_sub(const char *env, const char *prefix, int timeout_s, const char *path)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "exec env %s %s sub --count 1 --timeout %d %s > %s", env, s_cli(),
             timeout_s, prefix, path);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    return cbh_proc_start("cli-sub", argv, NULL);
}

/* Publishes a tick for symbol from env (may be "") every ~250 ms while sub runs. */
static void
s_pub_while(cbh_proc_t *sub, const char *env, const char *symbol, int max)
{
    char out[2048];
    for (int i = 0; i < max && cbh_proc_alive(sub); i++) {
        int rc = s_run(out, sizeof out,
                       "env %s %s pub --wait-ms 200 tick.%s.sim-kraken "
                       "'{\"symbol\":\"%s\",\"venue\":\"sim-kraken\",\"bid\":\"100.1\","
                       "\"ask\":\"100.2\"}'",
                       env, s_cli(), symbol, symbol);
        assert_int_equal(rc, 0);
    }
}

static void
test_pubsub_needs_a_known_key(void **state)
{
    (void) state;
    char env[300];
    snprintf(env, sizeof env, "COINBUS_CURVE_CERT=%s", s_intruder);
    char good[300], bad[300], plain[300];
    snprintf(good, sizeof good, "%s/good.jsonl", s_tmp);
    snprintf(bad, sizeof bad, "%s/bad.jsonl", s_tmp);
    snprintf(plain, sizeof plain, "%s/plain.jsonl", s_tmp);
    cbh_proc_t *sub_bad = s_sub(env, "tick.", 3, bad);
    cbh_proc_t *sub_plain = s_sub("COINBUS_CURVE=off", "tick.", 3, plain);
    cbh_proc_t *sub_good = s_sub("", "tick.BTC-USD.", 20, good);
    assert_non_null(sub_bad);
    assert_non_null(sub_plain);
    assert_non_null(sub_good);
    s_pub_while(sub_good, "", "BTC-USD", 40);
    assert_int_equal(cbh_proc_wait(&sub_good, 5000), 0);
    assert_non_null(strstr(s_slurp(good), "\"topic\":\"tick.BTC-USD.sim-kraken\""));
    /* The others saw the same ticks go by on the bus, and got none. */
    assert_int_equal(cbh_proc_wait(&sub_bad, 8000), 2);
    assert_int_equal(cbh_proc_wait(&sub_plain, 8000), 2);
    assert_null(strstr(s_slurp(bad), "\"topic\""));
    assert_null(strstr(s_slurp(plain), "\"topic\""));

    /* An unknown publisher cannot publish: a keyed subscriber gets nothing. */
    sub_good = s_sub("", "tick.ETH-USD.", 3, good);
    assert_non_null(sub_good);
    s_pub_while(sub_good, env, "ETH-USD", 6);
    assert_int_equal(cbh_proc_wait(&sub_good, 8000), 2);
    assert_null(strstr(s_slurp(good), "ETH-USD"));
}

/* A process with CURVE on and a bad cert stops at start with one clear line
 * naming the path and what it expected, never a key. */
static void
test_missing_or_bad_cert_stops_at_start(void **state)
{
    (void) state;
    char secret[64];
    char path[300];
    snprintf(path, sizeof path, "%s/bus.key_secret", s_dir);
    s_secret_of(path, secret, sizeof secret);

    char out[8192];
    int rc = s_run(out, sizeof out,
                   "COINBUS_CURVE_DIR=%s/nowhere COINBUS_BUS_PUB_PORT=%d "
                   "%s/bus",
                   s_tmp, cbh_free_port(), cbh_bin_dir());
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "curve_cert_unreadable"));
    assert_non_null(strstr(out, "/nowhere/bus.key"));
    assert_non_null(strstr(out, "expected="));

    /* A public cert where the secret one belongs. */
    rc = s_run(out, sizeof out, "COINBUS_CURVE_CERT=%s/bus.key %s/order-router", s_dir,
               cbh_bin_dir());
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "curve/secret-key"));

    /* The bus with a secret cert that is not the one bus.key publishes. */
    rc = s_run(out, sizeof out,
               "COINBUS_CURVE_CERT=%s/account.key_secret COINBUS_BUS_PUB_PORT=%d %s/bus", s_dir,
               cbh_free_port(), cbh_bin_dir());
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "curve_cert_mismatch"));

    /* The bus without its allow-list directory. */
    char copy[300];
    snprintf(copy, sizeof copy, "%s/nolist", s_tmp);
    assert_int_equal(s_run(out, sizeof out, "mkdir -p %s && cp %s/bus.key %s/bus.key_secret %s/",
                           copy, s_dir, s_dir, copy),
                     0);
    rc = s_run(out, sizeof out, "COINBUS_CURVE_DIR=%s COINBUS_BUS_PUB_PORT=%d %s/bus", copy,
               cbh_free_port(), cbh_bin_dir());
    assert_int_equal(rc, 2);
    assert_non_null(strstr(out, "curve_clients_unreadable"));
    assert_non_null(strstr(out, "/nolist/clients"));
    assert_null(strstr(out, secret));

    /* Nothing secret in the running processes' logs either. */
    assert_null(strstr(s_slurp(s_router_log), secret));
    assert_null(strstr(s_slurp(cbh_proc_log_path(s_bus.proc)), secret));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_certs_init),
        cmocka_unit_test(test_valid_key_places_an_order),
        cmocka_unit_test(test_unknown_key_never_reaches_the_router),
        cmocka_unit_test(test_plain_client_never_reaches_the_router),
        cmocka_unit_test(test_allow_list_changes_without_restart),
        cmocka_unit_test(test_pubsub_needs_a_known_key),
        cmocka_unit_test(test_missing_or_bad_cert_stops_at_start),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
