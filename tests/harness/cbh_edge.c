/* cbh_edge.c - test harness: the api-edge stack (redis, bus, venue-sim, market-feed, sentiment, account, order-router, api-edge) and a small HTTP client */
#include "cbh_edge.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "cb_apikey.h"
#include "cb_rpc.h"
#include "cb_time.h"
#include "cbh_paper.h"

static cbh_proc_t *
s_start(const char *name, char *const env[])
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s/%s", cbh_bin_dir(), name);
    char *argv[] = {bin, NULL};
    return cbh_proc_start(name, argv, env);
}

/* Waits until svc answers ping on the bus. */
static int
s_wait_ping(const char *endpoint, int timeout_ms)
{
    int64_t end = cb_time_now_ms() + timeout_ms;
    cb_rpc_client_t *c = cb_rpc_client_new(endpoint);
    int rc = -1;
    while (c != NULL && rc != 0 && cb_time_now_ms() < end) {
        cb_rpc_result_t res;
        rc = cb_rpc_call(c, "ping", NULL, 0, 500, 0, &res) == 0 && res.ok ? 0 : -1;
    }
    cb_rpc_client_destroy(&c);
    return rc;
}

int
cbh_edge_start_sentiment(cbh_edge_stack_t *s)
{
    char *env[] = {"COINBUS_SENTIMENT_DATA=services/sentiment/data", NULL};
    s->sentiment = s_start("sentiment", env);
    if (s->sentiment == NULL || s_wait_ping(s->bus.config.frontend[CB_RPC_SENTIMENT], 10000) != 0) {
        fprintf(stderr, "cbh_edge: sentiment did not answer ping\n");
        return -1;
    }
    return 0;
}

int
cbh_edge_stack_start(cbh_edge_stack_t *s)
{
    return cbh_edge_stack_start_sim(s, NULL);
}

int
cbh_edge_stack_start_sim(cbh_edge_stack_t *s, char *const sim_extra_env[])
{
    memset(s, 0, sizeof *s);
    if (cbh_redis_start(&s->redis, NULL) != 0 || cbh_bus_start(&s->bus) != 0) {
        return -1;
    }
    cbh_bus_export(&s->bus);
    s->sim_port = cbh_free_port();
    char port_env[64];
    snprintf(port_env, sizeof port_env, "COINBUS_SIM_PORT=%d", s->sim_port);
    char *sim_env[16];
    size_t n = 0;
    for (size_t i = 0; sim_extra_env != NULL && sim_extra_env[i] != NULL && n < 12; i++) {
        sim_env[n++] = sim_extra_env[i];
    }
    sim_env[n++] = port_env;
    sim_env[n++] = "COINBUS_SIM_RATE=50";
    sim_env[n++] = "COINBUS_SIM_SEED=7";
    sim_env[n] = NULL;
    s->sim = s_start("venue-sim", sim_env);
    if (s->sim == NULL || cbh_wait_port(s->sim_port, 5000) != 0) {
        fprintf(stderr, "cbh_edge: venue-sim did not start\n");
        return -1;
    }
    snprintf(s->env_redis, sizeof s->env_redis, "COINBUS_REDIS_URL=%s", s->redis.url);
    snprintf(s->env_venues, sizeof s->env_venues,
             "COINBUS_VENUES=sim-kraken=kraken@http://127.0.0.1:%d/kraken,"
             "sim-binance=binance@http://127.0.0.1:%d/binance",
             s->sim_port, s->sim_port);
    char *feed_env[] = {s->env_redis, s->env_venues, "COINBUS_SYMBOLS=BTC-USD,ETH-USD",
                        "COINBUS_QUOTE_EQUIVALENTS=USD=USDT", NULL};
    s->feed = s_start("market-feed", feed_env);
    if (s->feed == NULL || s_wait_ping(s->bus.config.frontend[CB_RPC_MARKET], 10000) != 0) {
        fprintf(stderr, "cbh_edge: market-feed did not answer ping\n");
        return -1;
    }
    return cbh_edge_start_sentiment(s);
}

/* Starts the service name (RPC service rpc) with the paper credentials;
 * *proc gets it. */
static int
s_start_private(cbh_edge_stack_t *s, const char *name, int rpc, char *const extra_env[], cbh_proc_t **proc)
{
    char *env[48];
    size_t n = 0;
    for (size_t i = 0; extra_env != NULL && extra_env[i] != NULL && n < 32; i++) {
        env[n++] = extra_env[i];
    }
    /* The first of two equal names wins (getenv): the extra ones come first. */
    char *const defaults[] = {s->env_redis,
                              s->env_venues,
                              "COINBUS_SIM_KRAKEN_API_KEY=" CBH_PAPER_K_KEY,
                              "COINBUS_SIM_KRAKEN_API_SECRET=" CBH_PAPER_K_SECRET,
                              "COINBUS_SIM_BINANCE_API_KEY=" CBH_PAPER_B_KEY,
                              "COINBUS_SIM_BINANCE_API_SECRET=" CBH_PAPER_B_SECRET,
                              "COINBUS_CREDENTIALS_FILE=",
                              "COINBUS_CREDENTIALS_PLAIN_FILE=",
                              NULL};
    for (size_t i = 0; defaults[i] != NULL; i++) {
        env[n++] = defaults[i];
    }
    env[n] = NULL;
    *proc = s_start(name, env);
    if (*proc == NULL || s_wait_ping(s->bus.config.frontend[rpc], 10000) != 0) {
        fprintf(stderr, "cbh_edge: %s did not answer ping (log: %s)\n", name, cbh_proc_log_path(*proc));
        return -1;
    }
    return 0;
}

int
cbh_edge_start_account(cbh_edge_stack_t *s, char *const extra_env[])
{
    return s_start_private(s, "account", CB_RPC_ACCOUNT, extra_env, &s->account);
}

int
cbh_edge_start_router(cbh_edge_stack_t *s, char *const extra_env[])
{
    /* The router checks balances with the account service before placing. */
    if (s->account == NULL && cbh_edge_start_account(s, NULL) != 0) {
        return -1;
    }
    return s_start_private(s, "order-router", CB_RPC_ORDERS, extra_env, &s->router);
}

int
cbh_edge_stop_account(cbh_edge_stack_t *s)
{
    return s->account != NULL ? cbh_proc_stop(&s->account, SIGTERM, 5000) : 0;
}

void
cbh_edge_stack_stop(cbh_edge_stack_t *s)
{
    cbh_proc_stop(&s->router, SIGTERM, 5000);
    cbh_proc_stop(&s->account, SIGTERM, 5000);
    cbh_proc_stop(&s->sentiment, SIGTERM, 5000);
    cbh_proc_stop(&s->feed, SIGTERM, 5000);
    cbh_proc_stop(&s->sim, SIGTERM, 5000);
    if (s->bus.proc != NULL) {
        cbh_bus_stop(&s->bus);
    }
    cbh_redis_stop(&s->redis);
}

cbh_proc_t *
cbh_edge_start(const cbh_edge_stack_t *s, int *port, char *const extra_env[])
{
    if (*port == 0) {
        *port = cbh_free_port();
    }
    char env_port[64];
    char *env[40];
    size_t n = 0;
    snprintf(env_port, sizeof env_port, "COINBUS_HTTP_PORT=%d", *port);
    env[n++] = env_port;
    env[n++] = (char *) s->env_redis;
    for (size_t i = 0; extra_env != NULL && extra_env[i] != NULL && n < 39; i++) {
        env[n++] = extra_env[i];
    }
    env[n] = NULL;
    cbh_proc_t *p = s_start("api-edge", env);
    if (p == NULL || cbh_wait_port(*port, 5000) != 0) {
        fprintf(stderr, "cbh_edge: api-edge did not listen on %d (log: %s)\n", *port, cbh_proc_log_path(p));
        cbh_proc_stop(&p, SIGKILL, 1000);
        return NULL;
    }
    return p;
}

int
cbh_edge_fixture_start(cbh_edge_fixture_t *f, char *const env[])
{
    memset(f, 0, sizeof *f);
    if (cbh_edge_stack_start(&f->stack) != 0) {
        return -1;
    }
    char *all[32] = {"COINBUS_EDGE_TRUSTED_PROXIES=127.0.0.1"};
    for (size_t i = 0; env != NULL && env[i] != NULL && i < 30; i++) {
        all[i + 1] = env[i];
    }
    f->edge = cbh_edge_start(&f->stack, &f->port, all);
    return f->edge != NULL ? 0 : -1;
}

int
cbh_edge_private_start(cbh_edge_fixture_t *f, int (*start)(cbh_edge_stack_t *s, char *const extra_env[]),
                       struct cbh_paper *paper)
{
    memset(f, 0, sizeof *f);
    char *sim_env[] = {"COINBUS_SIM_ACCOUNTS=" CBH_PAPER_PRO_ACCOUNTS, NULL};
    char *edge_env[] = {"COINBUS_EDGE_TRUSTED_PROXIES=127.0.0.1", "COINBUS_EDGE_RPC_TIMEOUT_MS=20000",
                        "COINBUS_EDGE_RATE_LIMIT=100000", NULL};
    if (cbh_edge_stack_start_sim(&f->stack, sim_env) != 0 || start(&f->stack, NULL) != 0) {
        return -1;
    }
    f->edge = cbh_edge_start(&f->stack, &f->port, edge_env);
    if (f->edge == NULL || cbh_paper_init(paper, f->stack.sim_port, f->stack.redis.url) != 0) {
        return -1;
    }
    /* The CLI reads the same Redis. */
    return setenv("COINBUS_REDIS_URL", f->stack.redis.url, 1);
}

int
cbh_edge_fixture_stop(cbh_edge_fixture_t *f)
{
    char log[512];
    snprintf(log, sizeof log, "%s", cbh_proc_log_path(f->edge));
    int rc = f->edge != NULL ? cbh_proc_stop(&f->edge, SIGTERM, 5000) : 0;
    if (rc != 0) {
        fprintf(stderr, "cbh_edge: api-edge exited %d on SIGTERM (log: %s)\n", rc, log);
    }
    cbh_edge_stack_stop(&f->stack);
    return rc == 0 ? 0 : -1;
}

int
cbh_edge_fixture_teardown(void **state)
{
    return cbh_edge_fixture_stop(*state);
}

long
cbh_edge_req(int port, const char *ip, const char *method, const char *path, const char *ctype,
             const char *body, size_t len, cbh_http_res_t *res)
{
    char ct[128];
    char xff[96];
    snprintf(ct, sizeof ct, "Content-Type: %s", ctype != NULL ? ctype : "application/json");
    snprintf(xff, sizeof xff, "X-Forwarded-For: %s", ip != NULL ? ip : "");
    const char *headers[] = {ct, ip != NULL ? xff : NULL, NULL};
    return cbh_http(port, method, path, headers, body, len, res);
}

long
cbh_edge_fixture_req(const cbh_edge_fixture_t *f, const char *method, const char *path, const char *ctype,
                     const char *body, size_t len, cbh_http_res_t *res)
{
    return cbh_edge_req(f->port, f->ip, method, path, ctype, body, len, res);
}

long
cbh_edge_fixture_get(const cbh_edge_fixture_t *f, const char *path, cbh_http_res_t *res)
{
    return cbh_edge_req(f->port, f->ip, "GET", path, NULL, NULL, 0, res);
}

void
cbh_edge_parse(cb_jdoc_t *doc, const cbh_http_res_t *res)
{
    cb_jdoc_init(doc);
    if (cb_jdoc_parse(doc, res->body.data, res->body.len) != 0) {
        fail_msg("not JSON (status %ld): %s", res->status, res->body.data);
    }
}

void
cbh_edge_expect_error(const cbh_http_res_t *res, long status, const char *error)
{
    if (res->status != status) {
        fail_msg("status %ld, wanted %ld: %s", res->status, status, res->body.data);
    }
    char v[64];
    assert_non_null(cbh_http_header(res, "Content-Type", v, sizeof v));
    assert_non_null(strstr(v, "application/json"));
    cb_jdoc_t doc;
    cbh_edge_parse(&doc, res);
    assert_int_equal(cb_jtok_size(&doc, 0), 3);
    if (!cb_jtok_eq(&doc, cb_jtok_get(&doc, 0, "error"), error)) {
        fail_msg("error is not %s: %s", error, res->body.data);
    }
    assert_int_equal(cb_jtok_type(&doc, cb_jtok_get(&doc, 0, "detail")), CB_JT_STRING);
    int64_t ns;
    assert_int_equal(cb_jtok_rfc3339(&doc, cb_jtok_get(&doc, 0, "timestamp"), &ns), 0);
    cb_jdoc_fini(&doc);
}

void
cbh_edge_expect_number(const cb_jdoc_t *doc, int i)
{
    cb_decimal_t d;
    assert_int_equal(cb_jtok_type(doc, i), CB_JT_PRIMITIVE);
    assert_int_equal(cb_jtok_decimal(doc, i, &d), 0);
}

void
cbh_edge_expect_time(const cb_jdoc_t *doc, int i)
{
    int64_t ns;
    assert_int_equal(cb_jtok_type(doc, i), CB_JT_STRING);
    assert_int_equal(cb_jtok_rfc3339(doc, i, &ns), 0);
    assert_true(ns > 1600000000000000000LL);
}

int
cbh_edge_keys(const char *args, char *out, size_t size)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s/coinbus keys %s 2>/dev/null", cbh_bin_dir(), args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = 0;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, p)) > 0) {
        if (out != NULL && n + 1 < size) {
            size_t take = got < size - 1 - n ? got : size - 1 - n;
            memcpy(out + n, buf, take);
            n += take;
        }
    }
    if (out != NULL) {
        out[n] = '\0';
    }
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void
cbh_edge_key_create(const char *name, const char *scope, char *key, char *id)
{
    char args[128];
    char out[256];
    snprintf(args, sizeof args, "create --name %s --scope %s", name, scope);
    assert_int_equal(cbh_edge_keys(args, out, sizeof out), 0);
    assert_int_equal(strlen(out), CB_APIKEY_TEXT_LEN + 1);
    memcpy(key, out, CB_APIKEY_TEXT_LEN);
    key[CB_APIKEY_TEXT_LEN] = '\0';
    assert_true(cb_apikey_well_formed(key, CB_APIKEY_TEXT_LEN));
    char list[4096];
    assert_int_equal(cbh_edge_keys("list", list, sizeof list), 0);
    assert_null(strstr(list, key));
    if (id == NULL) {
        return;
    }
    /* The id: the list's line with this name. */
    char *line = strstr(list, name);
    assert_non_null(line);
    while (line > list && line[-1] != '\n') {
        line--;
    }
    memcpy(id, line, CB_APIKEY_ID_LEN);
    id[CB_APIKEY_ID_LEN] = '\0';
    assert_true(cb_apikey_id_well_formed(id));
}

void
cbh_slurp(const char *path, cb_buf_t *out)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        assert_int_equal(cb_buf_append(out, buf, n), 0);
    }
    fclose(f);
    assert_int_equal(cb_buf_append(out, "", 0), 0);
}
