/* main.c - venue-sim: a paper-trading exchange speaking Kraken's and Binance's REST dialects on one port */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_config.h"
#include "cb_httpd.h"
#include "cb_log.h"
#include "cb_signal.h"
#include "cb_time.h"
#include "sim.h"
#include "sim_auth.h"
#include "sim_exchange.h"
#include "sim_faults.h"
#include "sim_limits.h"
#include "sim_market.h"
#include "sim_router.h"
#include "sim_ws.h"

static const cb_config_var_t s_vars[] = {
    CB_CONFIG_COMMON_VARS,
    {"COINBUS_SIM_PORT", CB_CFG_PORT, "8100", 0, 0, NULL, "HTTP and WebSocket port of both venues"},
    {"COINBUS_SIM_BIND", CB_CFG_HOST, "127.0.0.1", 0, 0, NULL, "address to listen on (an IPv4 literal)"},
    {"COINBUS_SIM_SEED", CB_CFG_INT, "1", 0, 2147483647, NULL, "seed of the price process (same seed, same market)"},
    {"COINBUS_SIM_RATE", CB_CFG_INT, "20", 1, 100000, NULL, "market events per second per instrument"},
    {"COINBUS_SIM_HISTORY_DAYS", CB_CFG_INT, "7", 0, 7, NULL,
     "days of seeded synthetic candles before the start (0: none), ending at the start price"},
    {"COINBUS_SIM_LIMITS", CB_CFG_BOOL, "on", 0, 0, NULL,
     "enforce the venues' rate limits (Kraken counters, Binance weights, 429/418)"},
    {"COINBUS_SIM_ACCOUNTS", CB_CFG_STR, "default", 0, 0, NULL,
     "accounts: a file path, inline entries separated by ';', or 'default' (the documented paper accounts)"},
};
#define S_NVARS (sizeof s_vars / sizeof s_vars[0])

static const char s_usage[] =
    "usage: venue-sim [--help] [--version]\n"
    "\n"
    "A simulated exchange: Kraken REST under /kraken (/kraken/0/public/Ticker, /kraken/0/private/AddOrder),\n"
    "Binance REST under /binance (/binance/api/v3/...), one seeded market per instrument with\n"
    "market makers and takers, paper accounts with API keys. See services/venue-sim/README.md.";

/* The accounts text: a file's content, the inline entries, or the defaults.
 * NULL (logged) when the file cannot be read. Caller frees. */
static char *
s_accounts_spec(const char *value)
{
    if (strcmp(value, "default") == 0) {
        return strdup(SIM_EXCHANGE_DEFAULT_ACCOUNTS);
    }
    if (strchr(value, ' ') != NULL) {
        return strdup(value);
    }
    FILE *f = fopen(value, "rb");
    if (f == NULL) {
        cb_log_error("config_invalid", "COINBUS_SIM_ACCOUNTS: cannot open file %s", value);
        return NULL;
    }
    char *text = calloc(1, 1 << 20);
    size_t n = text != NULL ? fread(text, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (text != NULL) {
        text[n] = '\0';
    }
    return text;
}

/* The admin API's WebSocket fault hooks, onto sim_ws. */
static int
s_ws_drop(void *ctx, sim_venue_t venue)
{
    return sim_ws_fault_drop(ctx, venue);
}

static int
s_ws_stall(void *ctx, sim_venue_t venue, int ms)
{
    return sim_ws_fault_stall(ctx, venue, ms);
}

static int
s_ws_corrupt(void *ctx, sim_venue_t venue)
{
    return sim_ws_fault_corrupt_checksum(ctx, venue);
}

static int
s_ws_gap(void *ctx, sim_venue_t venue)
{
    return sim_ws_fault_gap(ctx, venue);
}

int
main(int argc, char **argv)
{
    int rc = cb_config_handle_args(argc, argv, s_usage, s_vars, S_NVARS);
    if (rc >= 0) {
        return rc;
    }
    if (cb_config_init_log("venue-sim", s_vars, S_NVARS) != 0 || cb_config_validate(s_vars, S_NVARS) != 0) {
        return 2;
    }
    long port, seed, rate, days;
    bool limits_on;
    const char *bind, *accounts;
    if (cb_config_int(s_vars, S_NVARS, "COINBUS_SIM_PORT", &port) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_SIM_SEED", &seed) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_SIM_RATE", &rate) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_SIM_HISTORY_DAYS", &days) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_SIM_BIND", &bind) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_SIM_ACCOUNTS", &accounts) != 0 ||
        cb_config_bool(s_vars, S_NVARS, "COINBUS_SIM_LIMITS", &limits_on) != 0) {
        return 2;
    }
    cb_signal_install();
    sim_t sim;
    memset(&sim, 0, sizeof sim);
    char err[256];
    char *spec = s_accounts_spec(accounts);
    sim.market = sim_market_new((uint64_t) seed, (uint32_t) rate);
    if (sim.market != NULL && sim_market_set_past(sim.market, (int) days) != 0) {
        sim_market_destroy(&sim.market);
    }
    sim.exchange = sim.market != NULL ? sim_exchange_new(sim.market) : NULL;
    sim.auth = sim_auth_new();
    sim.limits = limits_on ? sim_limits_new() : NULL;
    sim.faults = sim_faults_new((uint64_t) seed);
    sim.ws = sim.market != NULL ? sim_ws_new(sim.market, NULL) : NULL;
    if (spec == NULL || sim.exchange == NULL || sim.auth == NULL || (limits_on && sim.limits == NULL) ||
        sim.faults == NULL || sim.ws == NULL) {
        rc = 2;
        goto done;
    }
    if (sim_exchange_add_accounts(sim.exchange, spec, err, sizeof err) != 0) {
        cb_log_error("config_invalid", "COINBUS_SIM_ACCOUNTS: %s", err);
        rc = 2;
        goto done;
    }
    for (uint32_t owner = 1; sim.limits != NULL && sim_exchange_account(sim.exchange, owner) != NULL; owner++) {
        const sim_account_t *a = sim_exchange_account(sim.exchange, owner);
        sim_limits_set_tier(sim.limits, a->key, (sim_kraken_tier_t) a->tier);
    }
    cb_httpd_config_t hc = cb_httpd_config_default();
    hc.host = bind;
    hc.port = (int) port;
    cb_httpd_t *http = cb_httpd_new(&hc, sim_router_handle, &sim, err, sizeof err);
    if (http == NULL) {
        cb_log_error("listen_failed", "%s", err);
        rc = 1;
        goto done;
    }
    cb_httpd_set_upgrade(http, sim_ws_upgrade, sim.ws);
    sim_ws_fault_hooks_t hooks = {sim.ws, s_ws_drop, s_ws_stall, s_ws_corrupt, s_ws_gap};
    sim_faults_set_ws_hooks(sim.faults, &hooks);
    cb_log_info("started", "version=%s listen=%s:%d seed=%ld rate=%ld history_days=%ld limits=%s",
                CB_VERSION, bind, cb_httpd_port(http), seed, rate, days, limits_on ? "on" : "off");
    /* Each turn publishes what the market and the requests did before it
     * sleeps, and sleeps until the market's next event to the nanosecond
     * (at rate 1400 one falls due every 0.7 ms per instrument), not polling. */
    int64_t wait_ns = 0;
    while (!cb_signal_stop) {
        cb_httpd_run_once_ns(http, wait_ns);
        int64_t now = cb_time_now_ns();
        int64_t due_ns = now + sim_market_step(sim.market, now);
        sim_exchange_poll(sim.exchange, now);
        int64_t ws_wait_ns = (int64_t) sim_ws_tick(sim.ws, cb_time_now_ns()) * 1000000;
        wait_ns = due_ns - cb_time_now_ns();
        wait_ns = wait_ns < ws_wait_ns ? wait_ns : ws_wait_ns;
        wait_ns = wait_ns > 50000000 ? 50000000 : wait_ns < 0 ? 0 : wait_ns;
    }
    cb_log_info("stopped", "reason=shutdown");
    sim_ws_destroy(&sim.ws);
    cb_httpd_destroy(&http);
    rc = 0;
done:
    sim_ws_destroy(&sim.ws);
    sim_faults_destroy(&sim.faults);
    sim_limits_destroy(&sim.limits);
    sim_auth_destroy(&sim.auth);
    sim_exchange_destroy(&sim.exchange);
    sim_market_destroy(&sim.market);
    free(spec);
    return rc;
}
