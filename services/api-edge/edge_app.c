/* edge_app.c - api-edge assembled: the HTTP server, bus cache, RPC client, rate limit, WebSocket hub and health pings on one loop */
#include "edge_app.h"

#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_time.h"
#include "edge_cache.h"
#include "edge_health.h"
#include "edge_http.h"
#include "edge_limit.h"
#include "edge_price.h"

/* Bus messages taken per loop turn before the others get their turn. */
#define S_CACHE_BATCH 512
/* When the next listings refresh is tried after a failure. */
#define S_LISTINGS_RETRY_MS 2000
/* How long after the start listings are read every S_LISTINGS_RETRY_MS. */
#define S_LISTINGS_EARLY_NS (60LL * 1000000000)
/* "Never" for a one-shot timer parked until it is restarted. */
#define S_PARKED_MS (24LL * 3600 * 1000)

struct edge_app {
    edge_app_config_t cfg;
    cb_httpd_t *httpd;
    edge_rpc_t *rpc;
    edge_cache_t *cache;
    edge_price_t *prices;
    edge_limit_t *limit;
    edge_auth_t *auth;
    edge_ws_t *ws;
    edge_health_t *health;
    edge_http_t http;
    cb_httpd_watch_t *rpc_watch[EDGE_SVC_COUNT];
    cb_httpd_watch_t *cache_watch;
    cb_httpd_timer_t *kick;     /* zero-delay re-check of the ZeroMQ sockets */
    cb_httpd_timer_t *due;      /* the earliest RPC deadline or retry */
    cb_httpd_timer_t *pinger;   /* health pings */
    cb_httpd_timer_t *listings; /* market.symbols -> edge_cache_set_listings */
    bool kicked;
    uint64_t listings_call;
    bool listings_known;
    int64_t started_ns;
};

/* ---- ZeroMQ on the loop -------------------------------------------------- */

static void
s_arm_due(edge_app_t *app)
{
    int64_t ms = edge_rpc_next_due_ms(app->rpc);
    cb_httpd_timer_restart(app->due, ms >= 0 ? ms : S_PARKED_MS);
}

static void
s_kick(void *ctx)
{
    edge_app_t *app = ctx;
    if (!app->kicked) {
        app->kicked = true;
        cb_httpd_timer_restart(app->kick, 0);
    }
}

static void
s_on_rpc(void *ctx)
{
    edge_app_t *app = ctx;
    edge_rpc_process(app->rpc);
    s_arm_due(app);
}

static void
s_on_cache(void *ctx)
{
    edge_app_t *app = ctx;
    if (edge_cache_process(app->cache, S_CACHE_BATCH) == S_CACHE_BATCH) {
        s_kick(app);
    }
}

/* ZeroMQ's fd only signals a change of state: after a send, or when a
 * batch was left unfinished, the sockets are looked at again at the end of
 * the turn even though the fd may never poll readable for what waits. */
static void
s_on_kick(void *ctx)
{
    edge_app_t *app = ctx;
    app->kicked = false;
    s_on_rpc(app);
    s_on_cache(app);
}

/* ---- background calls ------------------------------------------------------ */

static void
s_on_ping_timer(void *ctx)
{
    edge_app_t *app = ctx;
    if (edge_health_ping(app->health) > 0) {
        s_kick(app);
    }
}

static void
s_on_listings(void *ctx, int rc, const cb_rpc_result_t *res)
{
    edge_app_t *app = ctx;
    app->listings_call = 0;
    if (rc == CB_E_CLOSED) {
        return;
    }
    bool ok = rc == 0 && res != NULL && res->ok &&
              edge_cache_set_listings(app->cache, res->result.ptr, res->result.len) == 0;
    if (ok && !app->listings_known) {
        cb_log_info("listings_loaded", "source=market.symbols");
    }
    app->listings_known = app->listings_known || ok;
    /* market-feed learns each venue's list on its own schedule: in the first
     * minute a listing may still lack a venue, so it is read again soon. */
    int64_t next = app->cfg.listings_refresh_ms;
    if (!ok || cb_time_mono_ns() - app->started_ns < S_LISTINGS_EARLY_NS) {
        next = next < S_LISTINGS_RETRY_MS ? next : S_LISTINGS_RETRY_MS;
    }
    cb_httpd_timer_restart(app->listings, next);
}

static void
s_on_listings_timer(void *ctx)
{
    edge_app_t *app = ctx;
    if (app->listings_call != 0) {
        return;
    }
    app->listings_call = edge_rpc_call(app->rpc, EDGE_SVC_MARKET, "symbols", NULL, 0, app->cfg.rpc_timeout_ms,
                                       true, s_on_listings, app);
    if (app->listings_call == 0) {
        cb_httpd_timer_restart(app->listings, S_LISTINGS_RETRY_MS);
        return;
    }
    s_kick(app);
}

/* ---- lifecycle --------------------------------------------------------------- */

static int
s_watch(edge_app_t *app)
{
    int fds[EDGE_SVC_COUNT];
    edge_rpc_fds(app->rpc, fds);
    for (size_t s = 0; s < EDGE_SVC_COUNT; s++) {
        if (fds[s] >= 0 && (app->rpc_watch[s] = cb_httpd_watch_new(app->httpd, fds[s], s_on_rpc, app)) == NULL) {
            return CB_E_NOMEM;
        }
    }
    app->cache_watch = cb_httpd_watch_new(app->httpd, edge_cache_fd(app->cache), s_on_cache, app);
    app->kick = cb_httpd_timer_new(app->httpd, S_PARKED_MS, 0, s_on_kick, app);
    app->due = cb_httpd_timer_new(app->httpd, S_PARKED_MS, 0, s_on_rpc, app);
    app->pinger = cb_httpd_timer_new(app->httpd, 0, app->cfg.health_interval_ms, s_on_ping_timer, app);
    app->listings = cb_httpd_timer_new(app->httpd, 0, 0, s_on_listings_timer, app);
    return app->cache_watch != NULL && app->kick != NULL && app->due != NULL && app->pinger != NULL &&
                   app->listings != NULL
               ? 0
               : CB_E_NOMEM;
}

/* A ping is given up before the next one is due. */
static int
s_ping_timeout_ms(const edge_app_config_t *config)
{
    int t = config->health_interval_ms * 3 / 4;
    return t < config->rpc_timeout_ms ? t : config->rpc_timeout_ms;
}

edge_app_t *
edge_app_new(const edge_app_config_t *config)
{
    edge_app_t *app = calloc(1, sizeof *app);
    if (app == NULL) {
        return NULL;
    }
    app->cfg = *config;
    app->started_ns = cb_time_mono_ns();
    /* The server's own 413 and 431 answers take the API's error shape. */
    app->cfg.http.error_body = edge_http_error_body;
    char err[256];
    app->httpd = cb_httpd_new(&app->cfg.http, edge_http_handle, &app->http, err, sizeof err);
    if (app->httpd == NULL) {
        cb_log_error("start_failed", "part=http host=%s port=%d error=\"%s\"", config->http.host, config->http.port,
                     err);
        goto fail;
    }
    app->rpc = edge_rpc_new(config->rpc_endpoints);
    app->cache = edge_cache_new(config->sub_endpoint);
    int64_t fresh_ns = config->price_fresh_ms * 1000000;
    app->prices = app->cache != NULL && fresh_ns > 0 ? edge_price_new(app->cache, fresh_ns) : NULL;
    app->health = app->rpc != NULL ? edge_health_new(app->rpc, config->health_watch, config->health_required,
                                                     s_ping_timeout_ms(config))
                                   : NULL;
    /* The limiter's Redis connection also serves API key lookups and
     * /health's "redis", so it exists when the rate limit is off too (its
     * limit then unused: the defaults keep its config valid). */
    app->limit = edge_limit_new(app->httpd, config->redis_url,
                                config->limit_on ? config->limit : cb_inbound_defaults());
    app->auth = edge_auth_new(app->httpd, app->limit, config->redis_url);
    app->ws = app->cache != NULL ? edge_ws_new(app->httpd, app->cache, &config->ws) : NULL;
    if (app->rpc == NULL || app->cache == NULL || (fresh_ns > 0 && app->prices == NULL) || app->health == NULL || app->limit == NULL ||
        app->auth == NULL || app->ws == NULL) {
        cb_log_error("start_failed", "error=\"could not create a part (see above)\"");
        goto fail;
    }
    edge_cache_set_listener(app->cache, edge_ws_on_bus, app->ws);
    edge_ws_set_auth(app->ws, app->auth);
    app->http.httpd = app->httpd;
    app->http.rpc = app->rpc;
    app->http.cache = app->cache;
    app->http.limit = config->limit_on ? app->limit : NULL;
    app->http.redis = app->limit;
    app->http.auth = app->auth;
    app->http.ws = app->ws;
    app->http.health = app->health;
    app->http.api = (edge_api_t){app->cache, fresh_ns, config->max_text_chars, app->prices};
    app->http.trusted_proxies = config->trusted_proxies;
    app->http.cors_origins = config->cors_origins;
    app->http.rpc_timeout_ms = config->rpc_timeout_ms;
    app->http.kick = s_kick;
    app->http.kick_ctx = app;
    edge_metrics_init(&app->http.metrics);
    cb_httpd_set_upgrade(app->httpd, edge_http_upgrade, &app->http);
    if (s_watch(app) != 0) {
        cb_log_error("start_failed", "error=\"could not watch the bus sockets\"");
        goto fail;
    }
    return app;

fail:
    edge_app_destroy(&app);
    return NULL;
}

void
edge_app_destroy(edge_app_t **app_p)
{
    if (app_p == NULL || *app_p == NULL) {
        return;
    }
    edge_app_t *app = *app_p;
    /* The bus stops feeding the loop first: edge_ws_destroy runs the loop a
     * little while its close frames go out, and nothing may reach the hub
     * (a bus message, a /ws upgrade) meanwhile. */
    cb_httpd_timer_destroy(&app->listings);
    cb_httpd_timer_destroy(&app->pinger);
    cb_httpd_timer_destroy(&app->due);
    cb_httpd_timer_destroy(&app->kick);
    cb_httpd_watch_destroy(&app->cache_watch);
    for (size_t s = 0; s < EDGE_SVC_COUNT; s++) {
        cb_httpd_watch_destroy(&app->rpc_watch[s]);
    }
    if (app->cache != NULL) {
        edge_cache_set_listener(app->cache, NULL, NULL);
    }
    app->http.ws = NULL;
    edge_ws_destroy(&app->ws);
    edge_health_destroy(&app->health);
    if (app->listings_call != 0) {
        edge_rpc_cancel(app->rpc, app->listings_call);
    }
    /* Requests waiting for an RPC are answered 503 by their callbacks. */
    edge_rpc_destroy(&app->rpc);
    edge_http_fini(&app->http);
    edge_auth_destroy(&app->auth);
    edge_limit_destroy(&app->limit);
    edge_price_destroy(&app->prices);
    edge_cache_destroy(&app->cache);
    cb_httpd_destroy(&app->httpd);
    free(app);
    *app_p = NULL;
}

void
edge_app_run(edge_app_t *app, volatile sig_atomic_t *stop)
{
    while (!*stop) {
        cb_httpd_run_once(app->httpd, 250);
    }
}

int
edge_app_port(const edge_app_t *app)
{
    return cb_httpd_port(app->httpd);
}
