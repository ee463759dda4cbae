/* main.c - api-edge: the HTTP + WebSocket gateway (REST over the bus's RPC services, live data from its cache, rate-limited) */
#include <czmq.h>

#include "cb_config.h"
#include "cb_log.h"
#include "cb_signal.h"
#include "edge_app.h"
#include "edge_config.h"

static const char s_usage[] =
    "usage: api-edge [--help] [--version]\n"
    "\n"
    "Serves the coinbus HTTP API (/api/market/*, /api/sentiment/analyze, /health,\n"
    "/metrics, /openapi.json, /docs), the dashboard (/) and the WebSocket /ws, on one\n"
    "event loop: live data from the bus, queries through the bus's RPC services, a\n"
    "per-client rate limit shared by every replica through Redis.";

int
main(int argc, char **argv)
{
    int rc = cb_config_handle_args(argc, argv, s_usage, edge_config_vars, edge_config_nvars);
    if (rc >= 0) {
        return rc;
    }
    if (cb_config_init_log("api-edge", edge_config_vars, edge_config_nvars) != 0 ||
        cb_config_validate(edge_config_vars, edge_config_nvars) != 0) {
        return 2;
    }
    static cb_bus_config_t bus;
    edge_app_config_t config;
    if (edge_config_load(&config, &bus) != 0) {
        return 2;
    }
    cb_signal_install();
    edge_app_t *app = edge_app_new(&config);
    if (app == NULL) {
        zsys_shutdown();
        return 1;
    }
    cb_log_info("started", "version=%s host=%s port=%d rate_limit=%lld window_ms=%lld", CB_VERSION,
                config.http.host, edge_app_port(app), (long long) (config.limit_on ? config.limit.limit : 0),
                (long long) config.limit.window_ms);
    edge_app_run(app, &cb_signal_stop);
    cb_log_info("stopping", "reason=signal");
    edge_app_destroy(&app);
    zsys_shutdown();
    return 0;
}
