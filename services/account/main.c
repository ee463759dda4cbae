/* main.c - account: balances, orders, trades and key checks of the venue accounts, as the `account` RPC service */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "acct_app.h"
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
#include "cb_sub.h"

static const cb_config_var_t s_vars[] = {
    CB_CONFIG_COMMON_VARS,
    CB_BUS_CONFIG_VARS
    {"COINBUS_VENUES", CB_CFG_STR, CB_VENUES_DEFAULT, 0, 0, NULL,
     "venues: name[=dialect[@REST[|WS]]], comma-separated"},
    {"COINBUS_ACCOUNT_CACHE_MS", CB_CFG_INT, "2000", 0, 60000, NULL,
     "how long balances stay cached in Redis (0: no cache); each order-router ledger write of the venue drops them sooner"},
    {"COINBUS_ACCOUNT_BINANCE_SYMBOLS", CB_CFG_STR, "all", 0, 0, NULL,
     "Binance symbols whose orders and trades are paged (e.g. BTCUSDT,ETHUSDT; all: every listed one, at most 32)"},
};
#define S_NVARS (sizeof s_vars / sizeof s_vars[0])

static const char s_usage[] =
    "usage: account [--help] [--version]\n"
    "\n"
    "Answers the `account` RPC service on the bus: balances {venue?} (with a USD\n"
    "valuation from the latest ticks), trade_balance, open_orders, closed_orders,\n"
    "trades, ws_token, check. Credentials per venue come from the environment\n"
    "(COINBUS_<VENUE>_API_KEY / _API_SECRET) or the credentials files.";

/* Credentials, nonce and symbols of every venue; clients on http. */
static int
s_venues_open(acct_app_t *app, const char *venues_text, const char *symbols, cb_venue_deps_t *deps)
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
        acct_venue_t *v = &app->venues[i];
        v->cfg = cfgs[i];
        v->vc = cb_venue_client_new(&cfgs[i], deps);
        v->max_wait_ms = deps->max_wait_ms;
        if (v->vc == NULL) {
            return CB_E_NOMEM;
        }
        int rc = cb_creds_load(v->cfg.name, v->cfg.dialect, &opts, &v->cred, err, sizeof err);
        if (rc != 0) {
            snprintf(v->cred_error, sizeof v->cred_error, "no usable credentials: %.400s", err);
            cb_log_warn("venue_no_credentials", "venue=%s error=\"%s\"", v->cfg.name, err);
        } else if (v->cfg.dialect == CB_DIALECT_KRAKEN) {
            v->nonce_ok = cb_nonce_init(&v->nonce, app->redis, v->cfg.name, v->cred->api_key) == 0;
        }
        if (v->cfg.dialect == CB_DIALECT_BINANCE && strcmp(symbols, "all") != 0) {
            const char *p = symbols;
            while (*p != '\0' && v->nsymbols < CB_ACCT_CURSOR_SYMBOLS) {
                size_t n = strcspn(p, ",");
                if (n > 0 && n < CB_NATIVE_MAX) {
                    snprintf(v->symbols[v->nsymbols++], CB_NATIVE_MAX, "%.*s", (int) n, p);
                }
                p += n + (p[n] == ',');
            }
        }
        cb_log_info("venue", "name=%s dialect=%s credentials=%s key_fp=%s", v->cfg.name,
                    cb_dialect_name(v->cfg.dialect), v->cred != NULL ? "yes" : "no",
                    v->cred != NULL ? v->cred->fingerprint : "-");
    }
    return 0;
}

/* Takes every waiting bus message: ticks into the prices. (A venue's cached
 * balances are dropped by the order-router's ledger scripts, in the same
 * Redis call as each change to that venue's orders.) */
static void
s_drain_bus(acct_app_t *app, cb_sub_t *sub)
{
    for (int k = 0; k < 1000; k++) {
        cb_sub_msg_t m;
        memset(&m, 0, sizeof m);
        int rc = cb_sub_recv(sub, 0, &m);
        if (rc == CB_E_TIMEOUT || rc == CB_E_IO) {
            cb_sub_msg_clear(&m);
            return;
        }
        if (rc == 0) {
            acct_prices_update(&app->prices, &m.ev);
        }
        cb_sub_msg_clear(&m);
    }
}

static int
s_run(acct_app_t *app, cb_rpc_worker_t *worker, cb_sub_t *sub)
{
    while (!cb_signal_stop) {
        zmq_pollitem_t items[2] = {
            {cb_rpc_worker_socket(worker), 0, ZMQ_POLLIN, 0},
            {cb_sub_socket(sub), 0, ZMQ_POLLIN, 0},
        };
        if (zmq_poll(items, 2, 100) < 0) {
            if (zmq_errno() == EINTR) {
                continue;
            }
            return 1;
        }
        if (items[1].revents & ZMQ_POLLIN) {
            s_drain_bus(app, sub);
        }
        if ((items[0].revents & ZMQ_POLLIN) && cb_rpc_worker_handle(worker, 0) == CB_E_IO &&
            !cb_signal_stop) {
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
    if (cb_config_init_log("account", s_vars, S_NVARS) != 0 ||
        cb_config_validate(s_vars, S_NVARS) != 0) {
        return 2;
    }
    cb_bus_config_t bus;
    const char *redis_url, *venues_text, *symbols;
    long cache_ms;
    if (cb_bus_config_load(s_vars, S_NVARS, &bus) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_REDIS_URL", &redis_url) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_VENUES", &venues_text) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_ACCOUNT_BINANCE_SYMBOLS", &symbols) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_ACCOUNT_CACHE_MS", &cache_ms) != 0) {
        return 2;
    }
    (void) cb_creds_harden_process();
    cb_signal_install();
    static acct_app_t app;
    app.cache_ttl_ms = (int) cache_ms;
    int e = 0;
    app.redis = cb_redis_new(redis_url, &e);
    cb_pub_t *pub = cb_pub_new(bus.pub);
    cb_ratelimit_t *limiter = app.redis != NULL ? cb_ratelimit_new(app.redis) : NULL;
    cb_circuit_breaker_t *circuit =
        app.redis != NULL && pub != NULL ? cb_circuit_new(app.redis, pub, cb_circuit_defaults()) : NULL;
    cb_http_t *http = cb_http_new(NULL);
    cb_sub_t *sub = cb_sub_new(bus.sub);
    cb_rpc_worker_t *worker =
        cb_rpc_worker_new(bus.backend[CB_RPC_ACCOUNT], "account", acct_app_handle, &app);
    rc = 1;
    if (app.redis == NULL || pub == NULL || limiter == NULL || circuit == NULL || http == NULL ||
        sub == NULL || worker == NULL || cb_sub_subscribe(sub, "tick.") != 0) {
        cb_log_error("start_failed", "error=\"a component did not start (see above)\"");
        goto done;
    }
    cb_redis_set_timeouts(app.redis, 250, 1000);
    cb_venue_deps_t deps = {http, limiter, circuit, 10000};
    if (s_venues_open(&app, venues_text, symbols, &deps) != 0) {
        rc = 2;
        goto done;
    }
    /* Each venue's instruments before the first request (pings wait too, so
     * /health says account is up once it can answer): at start market-feed
     * spends the venues' public budget on its own lists and snapshots, and a
     * first request would otherwise wait for it past its caller's deadline.
     * A venue that fails here is tried again on its first request. */
    for (size_t i = 0; i < app.nvenues && !cb_signal_stop; i++) {
        acct_fail_t fail;
        if (app.venues[i].cred != NULL && acct_venue_ready(&app.venues[i], &fail) != 0) {
            cb_log_warn("instruments_not_loaded", "venue=%s error=\"%s\" effect=\"tried again on the first request\"",
                        app.venues[i].cfg.name, fail.message);
        }
    }
    cb_log_info("started", "version=%s venues=%zu cache_ms=%ld", CB_VERSION, app.nvenues, cache_ms);
    rc = s_run(&app, worker, sub);
    cb_log_info("stopped", "handled=%llu venue_balance_calls=%llu",
                (unsigned long long) cb_rpc_worker_handled(worker),
                (unsigned long long) app.venue_balance_calls);
done:
    acct_app_fini(&app);
    cb_rpc_worker_destroy(&worker);
    cb_sub_destroy(&sub);
    cb_http_destroy(&http);
    cb_circuit_destroy(&circuit);
    cb_ratelimit_destroy(&limiter);
    cb_pub_destroy(&pub);
    cb_redis_destroy(&app.redis);
    zsys_shutdown();
    return rc;
}
