/* main.c - market-feed: venue streams normalised onto the bus, kept in Redis, and the `market` RPC service */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cb_bus.h"
#include "cb_circuit.h"
#include "cb_config.h"
#include "cb_error.h"
#include "cb_http.h"
#include "cb_log.h"
#include "cb_mem.h"
#include "cb_pub.h"
#include "cb_ratelimit.h"
#include "cb_redis.h"
#include "cb_rpc.h"
#include "cb_signal.h"
#include "cb_time.h"
#include "cb_venue.h"
#include "cb_ws.h"
#include "feed_app.h"
#include "feed_best.h"
#include "feed_lease.h"
#include "feed_rpc.h"
#include "feed_store.h"
#include "feed_venue.h"

static const cb_config_var_t s_vars[] = {
    CB_CONFIG_COMMON_VARS,
    CB_BUS_CONFIG_VARS
    {"COINBUS_VENUES", CB_CFG_STR, CB_VENUES_DEFAULT, 0, 0, NULL,
     "venues: name[=dialect[@REST_URL[|WS_URL]]], comma-separated (dialects kraken, binance, coinbase)"},
    {"COINBUS_SYMBOLS", CB_CFG_STR, "BTC-USD,ETH-USD,SOL-USD", 0, 0, NULL,
     "symbols to stream, BASE-QUOTE, comma-separated; USD maps to a venue's USD stablecoin when it lists no USD pair"},
    {"COINBUS_FEED_BOOK_DEPTH", CB_CFG_INT, "10", 1, 1000, NULL, "order book levels published per side"},
    {"COINBUS_FEED_POLL_MS", CB_CFG_INT, "2000", 100, 600000, NULL,
     "REST polling period while a venue's stream is down"},
    {"COINBUS_FEED_SILENCE_MS", CB_CFG_INT, "15000", 1000, 600000, NULL,
     "a stream silent this long is reconnected"},
    {"COINBUS_FEED_LEASE_MS", CB_CFG_INT, "5000", 100, 3600000, NULL,
     "lease TTL of a (venue, symbol) stream across replicas; a dead replica's streams move within it"},
    {"COINBUS_QUOTE_EQUIVALENTS", CB_CFG_STR, "none", 0, 0, NULL,
     "quote assets compared as one for best.<SYMBOL>, e.g. USD=USDT=USDC (none: only identical quotes)"},
};
#define S_NVARS (sizeof s_vars / sizeof s_vars[0])

static const char s_usage[] =
    "usage: market-feed [--help] [--version]\n"
    "\n"
    "Streams every configured venue x symbol (tick, trade, book, candle topics and\n"
    "best.<SYMBOL>.all) onto the bus, keeps the latest state in Redis, and answers\n"
    "the `market` RPC service: price, ohlc, book, trades, compare, best, symbols, venues.";

typedef struct {
    const char *redis_url;
    const char *endpoint;
    feed_store_t *store;
    cb_rpc_worker_t *worker;
} s_rpc_thread_t;

static void *
s_rpc_main(void *arg)
{
    s_rpc_thread_t *t = arg;
    static feed_rpc_t ctx; /* one RPC thread; its instrument cache is a few kB */
    ctx.store = t->store;
    t->worker = cb_rpc_worker_new(t->endpoint, "market", feed_rpc_handle, &ctx);
    if (t->worker != NULL) {
        (void) cb_rpc_worker_run(t->worker, &cb_signal_stop);
        cb_rpc_worker_destroy(&t->worker);
    }
    feed_rpc_fini(&ctx);
    return NULL;
}

static int
s_parse_symbols(const char *text, char symbols[][CB_SYMBOL_MAX + 1], size_t *n)
{
    *n = 0;
    const char *p = text;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t) (comma - p) : strlen(p);
        while (len > 0 && *p == ' ') {
            p++;
            len--;
        }
        while (len > 0 && p[len - 1] == ' ') {
            len--;
        }
        if (*n == FEED_SYMBOLS_MAX || len == 0 || len > CB_SYMBOL_MAX || !cb_proto_symbol_valid(p, len)) {
            cb_log_error("config_invalid", "variable=COINBUS_SYMBOLS value=\"%s\" expected=\"BASE-QUOTE symbols "
                                           "such as BTC-USD, comma-separated, at most 32\"", text);
            return CB_E_CONFIG;
        }
        memcpy(symbols[*n], p, len);
        symbols[*n][len] = '\0';
        for (size_t k = 0; k < *n; k++) {
            if (strcmp(symbols[k], symbols[*n]) == 0) {
                cb_log_error("config_invalid", "variable=COINBUS_SYMBOLS value=\"%s\" expected=\"no symbol twice\"", text);
                return CB_E_CONFIG;
            }
        }
        (*n)++;
        if (comma == NULL) {
            break;
        }
        p = comma + 1;
    }
    return *n > 0 ? 0 : CB_E_CONFIG;
}

/* Whether a venue streams over wss:// (the WebSocket context then sets up
 * TLS and loads the CA bundle; venue-sim's ws:// needs neither). */
static bool
s_any_wss(const cb_venue_cfg_t *venues, size_t n)
{
    for (size_t v = 0; v < n; v++) {
        if (strncmp(venues[v].ws_url, "wss://", 6) == 0) {
            return true;
        }
    }
    return false;
}

int
main(int argc, char **argv)
{
    cb_mem_init();
    int rc = cb_config_handle_args(argc, argv, s_usage, s_vars, S_NVARS);
    if (rc >= 0) {
        return rc;
    }
    if (cb_config_init_log("market-feed", s_vars, S_NVARS) != 0 || cb_config_validate(s_vars, S_NVARS) != 0) {
        return 2;
    }
    cb_bus_config_t bus;
    const char *redis_url, *venues_text, *symbols_text, *equiv_text;
    long depth, poll_ms, silence_ms, lease_ms;
    if (cb_bus_config_load(s_vars, S_NVARS, &bus) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_REDIS_URL", &redis_url) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_VENUES", &venues_text) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_SYMBOLS", &symbols_text) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_QUOTE_EQUIVALENTS", &equiv_text) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_FEED_BOOK_DEPTH", &depth) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_FEED_POLL_MS", &poll_ms) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_FEED_SILENCE_MS", &silence_ms) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_FEED_LEASE_MS", &lease_ms) != 0) {
        return 2;
    }
    char err[512];
    static cb_venue_cfg_t venues[CB_VENUES_MAX];
    size_t nvenues = 0;
    if (cb_venues_parse(venues_text, venues, CB_VENUES_MAX, &nvenues, err, sizeof err) != 0) {
        cb_log_error("config_invalid", "variable=COINBUS_VENUES value=\"%s\" error=\"%s\"", venues_text, err);
        return 2;
    }
    static char symbols[FEED_SYMBOLS_MAX][CB_SYMBOL_MAX + 1];
    size_t nsymbols = 0;
    if (s_parse_symbols(symbols_text, symbols, &nsymbols) != 0) {
        return 2;
    }
    feed_quote_equiv_t equiv;
    if (feed_quote_equiv_parse(strcmp(equiv_text, "none") == 0 ? "" : equiv_text, &equiv, err, sizeof err) != 0) {
        cb_log_error("config_invalid", "variable=COINBUS_QUOTE_EQUIVALENTS error=\"%s\"", err);
        return 2;
    }
    if (nvenues * nsymbols > FEED_LEASE_MAX) {
        cb_log_error("config_invalid", "variable=COINBUS_SYMBOLS error=\"venues x symbols exceeds %d\"", FEED_LEASE_MAX);
        return 2;
    }
    cb_signal_install();

    rc = 1;
    int e = 0;
    static feed_app_t app;
    static feed_venue_t *fv[CB_VENUES_MAX];
    s_rpc_thread_t rpc = {redis_url, bus.backend[CB_RPC_MARKET], NULL, NULL};
    pthread_t rpc_thread;
    bool rpc_started = false;
    cb_redis_t *redis = cb_redis_new(redis_url, &e);
    cb_pub_t *pub = cb_pub_new(bus.pub);
    feed_store_t *store = feed_store_new(redis_url, NULL, &e);
    rpc.store = feed_store_new(redis_url, NULL, &e);
    cb_ratelimit_t *limiter = redis != NULL ? cb_ratelimit_new(redis) : NULL;
    cb_circuit_breaker_t *circuit = redis != NULL && pub != NULL ? cb_circuit_new(redis, pub, cb_circuit_defaults()) : NULL;
    cb_http_t *http = cb_http_new(NULL);
    cb_ws_t *ws = cb_ws_new(s_any_wss(venues, nvenues));
    feed_lease_t *lease = redis != NULL ? feed_lease_new(redis, lease_ms, &e) : NULL;
    if (redis == NULL || pub == NULL || store == NULL || rpc.store == NULL || limiter == NULL || circuit == NULL ||
        http == NULL || ws == NULL || lease == NULL) {
        cb_log_error("start_failed", "error=\"could not create a part (see above)\"");
        goto done;
    }
    cb_redis_set_timeouts(redis, 250, 1000);
    if (feed_app_init(&app, pub, store, (size_t) depth, &equiv, venues, nvenues, symbols, nsymbols) != 0) {
        goto done;
    }
    feed_venue_opts_t vopts = {(int) silence_ms, (int) poll_ms, (int) silence_ms / 2};
    for (size_t v = 0; v < nvenues; v++) {
        fv[v] = feed_venue_new(&app, v, &venues[v], http, ws, limiter, circuit, &vopts);
        if (fv[v] == NULL) {
            goto done;
        }
        for (size_t k = 0; k < nsymbols; k++) {
            feed_app_stream(&app, v, k)->lease_index = (size_t) feed_lease_add(lease, venues[v].name, symbols[k]);
        }
    }
    if (pthread_create(&rpc_thread, NULL, s_rpc_main, &rpc) != 0) {
        goto done;
    }
    rpc_started = true;
    cb_log_info("started", "version=%s venues=%zu symbols=%zu replica=%s", CB_VERSION, nvenues, nsymbols,
                feed_lease_id(lease));

    int64_t next_lease = 0, next_second = 0, last_flush = 0;
    while (!cb_signal_stop) {
        (void) cb_ws_service(ws, 2);
        (void) cb_http_poll(http, 0);
        int64_t now = cb_time_now_ms();
        if (now >= next_lease) {
            next_lease = now + feed_lease_tick_ms(lease);
            /* The changes apply even when the round failed on Redis (the
             * lease holder logs that): what it reports lost is lost. */
            feed_lease_changes_t ch;
            (void) feed_lease_tick(lease, &ch);
            for (size_t i = 0; i < ch.n_gained; i++) {
                feed_venue_set_owned(fv[ch.gained[i] / nsymbols], ch.gained[i] % nsymbols, true);
            }
            for (size_t i = 0; i < ch.n_lost; i++) {
                feed_venue_set_owned(fv[ch.lost[i] / nsymbols], ch.lost[i] % nsymbols, false);
            }
        }
        for (size_t v = 0; v < nvenues; v++) {
            feed_venue_tick(fv[v], now);
        }
        if (now >= next_second) {
            next_second = now + 1000;
            feed_app_timer(&app, cb_time_now_ns());
            for (size_t v = 0; v < nvenues; v++) {
                feed_venue_report(fv[v]);
            }
        }
        /* Redis writes go in batches of at most 10 ms, and the loop never
         * waits for their round trip: a batch's replies are read when the
         * next one is sent (they are in by then), so a stream message never
         * queues behind Redis. */
        if (now - last_flush >= 10) {
            last_flush = now;
            (void) feed_store_send(store);
        }
    }
    rc = 0;
    cb_log_info("stopping", "published=%llu", (unsigned long long) app.published);
done:
    cb_signal_stop = 1;
    if (rpc_started) {
        pthread_join(rpc_thread, NULL);
    }
    if (lease != NULL) {
        feed_lease_changes_t ch;
        (void) feed_lease_release_all(lease, &ch);
    }
    if (store != NULL) {
        (void) feed_store_flush(store);
    }
    cb_http_destroy(&http);
    for (size_t v = 0; v < nvenues; v++) {
        feed_venue_destroy(&fv[v]);
    }
    cb_ws_destroy(&ws);
    feed_app_fini(&app);
    feed_lease_destroy(&lease);
    cb_circuit_destroy(&circuit);
    cb_ratelimit_destroy(&limiter);
    feed_store_destroy(&rpc.store);
    feed_store_destroy(&store);
    cb_pub_destroy(&pub);
    cb_redis_destroy(&redis);
    zsys_shutdown();
    return rc;
}
