/* cbh_router.c - test harness: order-router replicas over a real Redis, bus and venue-sim, their RPC calls and the sim's order counters */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_error.h"
#include "cb_mp.h"
#include "cb_time.h"
#include "cbh_router.h"

#define S_K CBH_PAPER_K_KEY " " CBH_PAPER_K_SECRET
#define S_B CBH_PAPER_B_KEY " " CBH_PAPER_B_SECRET

static char *s_sim_env[] = {
    "COINBUS_SIM_ACCOUNTS=kraken " S_K " tier=pro ZUSD=1000000 XXBT=20;"
    "binance " S_B " USDT=1000000 BTC=20",
    NULL};

int
cbh_router_fixture_start(cbh_router_fixture_t *f, bool aof)
{
    memset(f, 0, sizeof *f);
    f->http = cb_http_new(NULL);
    if (f->http == NULL ||
        (aof ? cbh_redis_start_aof(&f->redis) : cbh_redis_start(&f->redis, NULL)) != 0 ||
        cbh_bus_start(&f->bus) != 0 || cbh_sim_start(&f->sim, s_sim_env) != 0) {
        return -1;
    }
    snprintf(f->redis_env, sizeof f->redis_env, "COINBUS_REDIS_URL=%s", f->redis.url);
    snprintf(f->venues_env, sizeof f->venues_env, "%s", f->sim.venues_env);
    cbh_bus_export(&f->bus);
    f->client = cb_rpc_client_new(f->bus.config.frontend[CB_RPC_ORDERS]);
    return f->client != NULL ? 0 : -1;
}

void
cbh_router_fixture_stop(cbh_router_fixture_t *f)
{
    cb_rpc_client_destroy(&f->client);
    cbh_sim_stop(&f->sim);
    if (f->bus.proc != NULL) {
        (void) cbh_bus_stop(&f->bus);
    }
    cbh_redis_stop(&f->redis);
    cb_http_destroy(&f->http);
}

/* True once the replica's log has its "started" line (the one naming it). */
static bool
s_started(const cbh_proc_t *p)
{
    return cbh_proc_log_count(p, "replica=") > 0;
}

cbh_proc_t *
cbh_router_spawn(cbh_router_fixture_t *f, const char *crash)
{
    char bin[512], crash_env[80];
    snprintf(bin, sizeof bin, "%s/order-router", cbh_bin_dir());
    snprintf(crash_env, sizeof crash_env, "COINBUS_ROUTER_TEST_CRASH=%s",
             crash != NULL ? crash : "none");
    char *argv[] = {bin, NULL};
    char *env[] = {f->redis_env, f->venues_env, crash_env,
                   "COINBUS_ROUTER_VENUE_TIMEOUT_MS=700", "COINBUS_ROUTER_SETTLE_MS=300",
                   "COINBUS_ROUTER_LEASE_MS=1000",
                   /* No account service here: the subject is exactly-once, and a
                    * sim fault must hit the order, not a balance query before it. */
                   "COINBUS_ROUTER_BALANCE_CHECK=off",
                   "COINBUS_SIM_KRAKEN_API_KEY=" CBH_PAPER_K_KEY,
                   "COINBUS_SIM_KRAKEN_API_SECRET=" CBH_PAPER_K_SECRET,
                   "COINBUS_SIM_BINANCE_API_KEY=" CBH_PAPER_B_KEY,
                   "COINBUS_SIM_BINANCE_API_SECRET=" CBH_PAPER_B_SECRET,
                   "COINBUS_CREDENTIALS_FILE=", "COINBUS_CREDENTIALS_PLAIN_FILE=", NULL};
    cbh_proc_t *p = cbh_proc_start("order-router", argv, env);
    for (int i = 0; p != NULL && i < 500 && cbh_proc_alive(p) && !s_started(p); i++) {
        usleep(20 * 1000);
    }
    for (int i = 0; p != NULL && s_started(p) && i < 50; i++) {
        cb_rpc_result_t res;
        if (cb_rpc_call(f->client, "ping", NULL, 0, 200, 0, &res) == 0 && res.ok) {
            return p;
        }
    }
    fprintf(stderr, "cbh_router_spawn: order-router did not start (see %s)\n",
            cbh_proc_log_path(p));
    (void) cbh_proc_stop(&p, SIGKILL, 1000);
    return NULL;
}

long
cbh_router_admin(cbh_router_fixture_t *f, const char *path, const char *body, char *out,
                 size_t size)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", f->sim.port, path);
    const char *h[] = {"Content-Type: application/json"};
    cb_http_req_t hr = {body != NULL ? CB_HTTP_POST : CB_HTTP_GET, url, h, 1, body,
                        body != NULL ? strlen(body) : 0, 5000};
    cb_http_result_t res;
    assert_int_equal(cb_http_do(f->http, &hr, &res), 0);
    long status = res.resp.status;
    if (out != NULL) {
        snprintf(out, size, "%.*s", (int) res.resp.body_len, res.resp.body);
    }
    cb_http_result_fini(&res);
    return status;
}

int
cbh_router_count(cbh_router_fixture_t *f, const char *venue, const char *key, const char *clid)
{
    char path[256], body[256];
    snprintf(path, sizeof path, "/admin/counters/%s/%s/clid/%s", venue, key, clid);
    assert_int_equal(cbh_router_admin(f, path, NULL, body, sizeof body), 200);
    const char *p = strstr(body, "\"count\":");
    assert_non_null(p);
    return atoi(p + 8);
}

route_order_t
cbh_ledger_order(const char *venue, const char *clid, const char *symbol, const char *price)
{
    route_order_t o;
    memset(&o, 0, sizeof o);
    snprintf(o.client_order_id, sizeof o.client_order_id, "%s", clid);
    snprintf(o.venue, sizeof o.venue, "%s", venue);
    snprintf(o.symbol, sizeof o.symbol, "%s", symbol);
    snprintf(o.side, sizeof o.side, "buy");
    snprintf(o.type, sizeof o.type, "limit");
    snprintf(o.amount, sizeof o.amount, "0.01");
    snprintf(o.price, sizeof o.price, "%s", price);
    snprintf(o.status, sizeof o.status, "pending");
    snprintf(o.created_ms, sizeof o.created_ms, "%lld", (long long) cb_time_now_ms());
    return o;
}

route_order_t
cbh_ledger_intent(route_ledger_t *l, const char *venue, const char *clid, const char *symbol,
                  const char *price)
{
    route_order_t o = cbh_ledger_order(venue, clid, symbol, price);
    bool created = false;
    assert_int_equal(route_ledger_intent(l, &o, &created), 0);
    assert_true(created);
    return o;
}
