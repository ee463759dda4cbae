/* main.c - order-router: orders placed exactly once through a write-ahead ledger in Redis, as the `orders` RPC service */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cb_bus.h"
#include "cb_circuit.h"
#include "cb_config.h"
#include "cb_creds.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_pub.h"
#include "cb_ratelimit.h"
#include "cb_redis.h"
#include "cb_rpc.h"
#include "cb_signal.h"
#include "route_app.h"

static const cb_config_var_t s_vars[] = {
    CB_CONFIG_COMMON_VARS,
    CB_BUS_CONFIG_VARS
    {"COINBUS_VENUES", CB_CFG_STR, CB_VENUES_DEFAULT, 0, 0, NULL,
     "venues: name[=dialect[@REST[|WS]]], comma-separated"},
    {"COINBUS_ROUTER_VENUE_TIMEOUT_MS", CB_CFG_INT, "5000", 100, 60000, NULL,
     "order-router: a venue call without an answer by then leaves its order unknown"},
    {"COINBUS_ROUTER_SETTLE_MS", CB_CFG_INT, "2000", 0, 600000, NULL,
     "order-router: a venue's 'no such order' is believed only this long after the send"},
    {"COINBUS_ROUTER_LEASE_MS", CB_CFG_INT, "10000", 200, 600000, NULL,
     "order-router: a ledger entry stays a replica's this long after its last write"},
    {"COINBUS_ROUTER_RESOLVE_TRIES", CB_CFG_INT, "5", 1, 50, NULL,
     "order-router: venue queries to resolve an unknown order within one request"},
    {"COINBUS_ROUTER_BALANCE_CHECK", CB_CFG_ENUM, "on", 0, 0, "on|off",
     "order-router: check the venue's available balance (account service) before signing; "
     "off places unchecked when the account service is not run"},
    {"COINBUS_ROUTER_BALANCE_CACHE_MS", CB_CFG_INT, "500", 0, 10000, NULL,
     "order-router: the account service's balances are believed this long, less what this "
     "replica's orders took since (0: asked for every order); a refusal always asks again"},
    {"COINBUS_ROUTER_DEPS_TIMEOUT_MS", CB_CFG_INT, "2000", 50, 60000, NULL,
     "order-router: deadline of one call to market-feed (venue \"best\") or account (balance)"},
    {"COINBUS_ROUTER_TEST_CRASH", CB_CFG_ENUM, "none", 0, 0, "none|after_intent|after_send",
     "TEST ONLY: SIGKILL itself after writing an intent, or after a place's reply came"},
};
#define S_NVARS (sizeof s_vars / sizeof s_vars[0])

static const char s_usage[] =
    "usage: order-router [--help] [--version]\n"
    "\n"
    "Answers the `orders` RPC service on the bus: place (validate: true only asks\n"
    "the venue to check), get, list, cancel, amend, cancel_all, cancel_after.\n"
    "Every order is written to a ledger in Redis before it is signed; a timeout,\n"
    "5xx or crash leaves it unknown until the venue, asked by client order id,\n"
    "says what happened. Credentials as the account service's.\n"
    "\n"
    "venue \"best\" asks market-feed's `market` service (`best`) for every venue's\n"
    "fill of the order with taker fees and places on the best venue whose breaker\n"
    "is closed and whose rate budget can take it now. Before signing, the venue's\n"
    "available balance is asked of the `account` service (buy: the quote spent,\n"
    "sell: the base), at most every COINBUS_ROUTER_BALANCE_CACHE_MS, less what\n"
    "this replica's orders took since; no answer -> unavailable, unless\n"
    "COINBUS_ROUTER_BALANCE_CHECK=off.";

/* Venues, credentials and Kraken nonces. */
static int
s_venues_open(route_app_t *app, cb_redis_t *redis, const char *venues_text, cb_venue_deps_t *deps)
{
    cb_venue_cfg_t cfgs[CB_VENUES_MAX];
    char err[512];
    cb_creds_opts_t opts;
    if (cb_venues_parse(venues_text, cfgs, CB_VENUES_MAX, &app->nvenues, err, sizeof err) != 0 ||
        cb_creds_opts_from_env(&opts, err, sizeof err) != 0) {
        cb_log_error("config_invalid", "error=\"%s\"", err);
        return CB_E_CONFIG;
    }
    for (size_t i = 0; i < app->nvenues; i++) {
        route_venue_t *v = &app->venues[i];
        v->cfg = cfgs[i];
        v->steps = &app->steps;
        v->vc = cb_venue_client_new(&cfgs[i], deps);
        if (v->vc == NULL) {
            return CB_E_NOMEM;
        }
        if (cb_creds_load(v->cfg.name, v->cfg.dialect, &opts, &v->cred, err, sizeof err) != 0) {
            snprintf(v->cred_error, sizeof v->cred_error, "no usable credentials: %.400s", err);
        } else if (v->cfg.dialect == CB_DIALECT_KRAKEN) {
            v->nonce_ok = cb_nonce_init(&v->nonce, redis, v->cfg.name, v->cred->api_key) == 0;
        }
        cb_log_info("venue", "name=%s dialect=%s credentials=%s key_fp=%s", v->cfg.name,
                    cb_dialect_name(v->cfg.dialect), v->cred != NULL ? "yes" : "no",
                    v->cred != NULL ? v->cred->fingerprint : "-");
    }
    return 0;
}

static int
s_run(route_app_t *app, cb_rpc_worker_t *worker)
{
    while (!cb_signal_stop) {
        route_sweep(app);
        route_app_settle(app);
        int rc = cb_rpc_worker_handle(worker, 100);
        route_app_settle(app); /* after the reply went out */
        if (rc == CB_E_IO && !cb_signal_stop) {
            return 1;
        }
    }
    return 0;
}

int
main(int argc, char **argv)
{
    int rc = cb_config_handle_args(argc, argv, s_usage, s_vars, S_NVARS);
    if (rc >= 0) {
        return rc;
    }
    if (cb_config_init_log("order-router", s_vars, S_NVARS) != 0 ||
        cb_config_validate(s_vars, S_NVARS) != 0) {
        return 2;
    }
    cb_bus_config_t bus;
    const char *redis_url, *venues_text, *crash, *balance;
    long timeout_ms, settle_ms, lease_ms, tries, deps_ms, balance_ms;
    if (cb_bus_config_load(s_vars, S_NVARS, &bus) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_REDIS_URL", &redis_url) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_VENUES", &venues_text) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_ROUTER_TEST_CRASH", &crash) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_ROUTER_BALANCE_CHECK", &balance) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_ROUTER_DEPS_TIMEOUT_MS", &deps_ms) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_ROUTER_BALANCE_CACHE_MS", &balance_ms) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_ROUTER_VENUE_TIMEOUT_MS", &timeout_ms) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_ROUTER_SETTLE_MS", &settle_ms) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_ROUTER_LEASE_MS", &lease_ms) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_ROUTER_RESOLVE_TRIES", &tries) != 0) {
        return 2;
    }
    (void) cb_creds_harden_process();
    cb_signal_install();
    static route_app_t app;
    app.settle_ms = settle_ms;
    app.resolve_tries = tries;
    app.deps_timeout_ms = deps_ms;
    app.balance_check = strcmp(balance, "off") != 0;
    app.balance_ttl_ms = balance_ms;
    app.crash = strcmp(crash, "after_intent") == 0 ? ROUTE_CRASH_AFTER_INTENT
                : strcmp(crash, "after_send") == 0 ? ROUTE_CRASH_AFTER_SEND
                                                   : ROUTE_CRASH_NONE;
    int e = 0;
    cb_redis_t *redis = cb_redis_new(redis_url, &e);
    cb_pub_t *pub = cb_pub_new(bus.pub);
    cb_ratelimit_t *limiter = redis != NULL ? cb_ratelimit_new(redis) : NULL;
    cb_circuit_breaker_t *circuit =
        redis != NULL && pub != NULL ? cb_circuit_new(redis, pub, cb_circuit_defaults()) : NULL;
    cb_http_opts_t hopts = {.timeout_ms = (int) timeout_ms};
    cb_http_t *http = cb_http_new(&hopts);
    cb_rpc_worker_t *worker =
        cb_rpc_worker_new(bus.backend[CB_RPC_ORDERS], "orders", route_app_handle, &app);
    cb_rpc_client_t *market = cb_rpc_client_new(bus.frontend[CB_RPC_MARKET]);
    cb_rpc_client_t *account = cb_rpc_client_new(bus.frontend[CB_RPC_ACCOUNT]);
    rc = 1;
    if (redis == NULL || pub == NULL || limiter == NULL || circuit == NULL || http == NULL ||
        worker == NULL || market == NULL || account == NULL ||
        route_ledger_init(&app.ledger, redis, lease_ms) != 0) {
        cb_log_error("start_failed", "error=\"a component did not start (see above)\"");
        goto done;
    }
    app.pub = pub;
    app.market = market;
    app.account = account;
    cb_redis_set_timeouts(redis, 250, 1000);
    cb_venue_deps_t deps = {http, limiter, circuit, 10000};
    if (s_venues_open(&app, redis, venues_text, &deps) != 0) {
        rc = 2;
        goto done;
    }
    if (app.crash != ROUTE_CRASH_NONE) {
        cb_log_warn("test_crash_armed", "at=%s note=\"test only: never set in production\"", crash);
    }
    cb_log_info("started",
                "version=%s venues=%zu replica=%s settle_ms=%ld lease_ms=%ld balance_check=%s",
                CB_VERSION, app.nvenues, app.ledger.owner, settle_ms, lease_ms, balance);
    rc = s_run(&app, worker);
    cb_log_info("stopped", "handled=%llu", (unsigned long long) cb_rpc_worker_handled(worker));
done:
    route_app_fini(&app);
    cb_rpc_client_destroy(&account);
    cb_rpc_client_destroy(&market);
    cb_rpc_worker_destroy(&worker);
    cb_http_destroy(&http);
    cb_circuit_destroy(&circuit);
    cb_ratelimit_destroy(&limiter);
    cb_pub_destroy(&pub);
    cb_redis_destroy(&redis);
    zsys_shutdown();
    return rc;
}
