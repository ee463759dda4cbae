/* main.c - bus: the XSUB/XPUB event proxy and one ROUTER/DEALER proxy per RPC service */
#include <stdio.h>
#include <stdlib.h>

#include <czmq.h>

#include "bus_auth.h"
#include "bus_proxy.h"
#include "cb_bus.h"
#include "cb_config.h"
#include "cb_log.h"
#include "cb_signal.h"
#include "cb_time.h"

static const cb_config_var_t s_vars[] = {
    CB_CONFIG_COMMON_VARS,
    CB_BUS_CONFIG_VARS
    {"COINBUS_BUS_BIND", CB_CFG_HOST, "127.0.0.1", 0, 0, NULL,
     "address the bus binds (0.0.0.0 or * for every interface)"},
    {"COINBUS_BUS_STATS_INTERVAL", CB_CFG_INT, "60", 0, 86400, NULL,
     "seconds between forwarded-count log lines (0: only on SIGUSR1)"},
};
#define S_NVARS (sizeof s_vars / sizeof s_vars[0])

static const char s_usage[] =
    "usage: bus [--help] [--version]\n"
    "\n"
    "The coinbus message bus: an XSUB/XPUB proxy for events (publishers connect\n"
    "to the pub port, subscribers to the sub port) and a ROUTER/DEALER proxy per\n"
    "RPC service (clients connect to its frontend, workers to its backend), so\n"
    "adding a replica of any service is only starting another process.\n"
    "Forwarded counts are logged every COINBUS_BUS_STATS_INTERVAL seconds and\n"
    "on SIGUSR1. SIGINT/SIGTERM stop it.\n"
    "With COINBUS_CURVE=on every port is a CurveZMQ server (<COINBUS_CURVE_DIR>/\n"
    "bus.key_secret) that accepts only the public certs in <COINBUS_CURVE_DIR>/\n"
    "clients/ (coinbus certs init/add); the list is re-read when the directory\n"
    "changes and at once on SIGHUP.";

#define S_PROXY_COUNT (1 + CB_RPC_SERVICE_COUNT)

static void
s_endpoint(char *buf, size_t size, const char *bind, int port)
{
    snprintf(buf, size, "tcp://%s:%d", bind, port);
}

static void
s_log_stats(bus_proxy_t *const *proxies, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        bus_proxy_stats_t st;
        if (bus_proxy_stats(proxies[i], &st) != 0) {
            cb_log_warn("stats_failed", "proxy=%s", bus_proxy_name(proxies[i]));
            continue;
        }
        cb_log_info("forwarded", "proxy=%s front_in=%llu back_out=%llu back_in=%llu "
                    "front_out=%llu bytes_in=%llu",
                    bus_proxy_name(proxies[i]), (unsigned long long) st.front_in_msgs,
                    (unsigned long long) st.back_out_msgs, (unsigned long long) st.back_in_msgs,
                    (unsigned long long) st.front_out_msgs,
                    (unsigned long long) (st.front_in_bytes + st.back_in_bytes));
    }
}

int
main(int argc, char **argv)
{
    int rc = cb_config_handle_args(argc, argv, s_usage, s_vars, S_NVARS);
    if (rc >= 0) {
        return rc;
    }
    if (cb_config_init_log("bus", s_vars, S_NVARS) != 0 ||
        cb_config_validate(s_vars, S_NVARS) != 0) {
        return 2;
    }
    cb_bus_config_t bus;
    const char *bind;
    long interval;
    if (cb_bus_config_load(s_vars, S_NVARS, &bus) != 0 ||
        cb_config_str(s_vars, S_NVARS, "COINBUS_BUS_BIND", &bind) != 0 ||
        cb_config_int(s_vars, S_NVARS, "COINBUS_BUS_STATS_INTERVAL", &interval) != 0) {
        return 2;
    }
    if (cb_signal_install() != 0 || cb_signal_install_hup() != 0) {
        cb_log_error("signal_install_failed", "");
        return 1;
    }
    /* zauth must answer ZAP requests before the first client handshakes. */
    bus_auth_t *auth = NULL;
    if (cb_curve_on() && (auth = bus_auth_start(cb_curve_dir())) == NULL) {
        zsys_shutdown();
        return 2;
    }

    bus_proxy_t *proxies[S_PROXY_COUNT] = {NULL};
    size_t started = 0;
    char front[CB_BUS_ENDPOINT_MAX];
    char back[CB_BUS_ENDPOINT_MAX];
    s_endpoint(front, sizeof front, bind, bus.pub_port);
    s_endpoint(back, sizeof back, bind, bus.sub_port);
    proxies[started] = bus_proxy_start("events", ZMQ_XSUB, front, ZMQ_XPUB, back);
    if (proxies[started] == NULL) {
        goto fail_start;
    }
    started++;
    for (int i = 0; i < CB_RPC_SERVICE_COUNT; i++) {
        s_endpoint(front, sizeof front, bind, bus.rpc_frontend[i]);
        s_endpoint(back, sizeof back, bind, bus.rpc_backend[i]);
        proxies[started] = bus_proxy_start(cb_rpc_service_name((cb_rpc_service_t) i),
                                           ZMQ_ROUTER, front, ZMQ_DEALER, back);
        if (proxies[started] == NULL) {
            goto fail_start;
        }
        started++;
    }
    cb_log_info("started", "version=%s pid=%d curve=%s", CB_VERSION, (int) getpid(),
                cb_curve_on() ? "on" : "off");

    int64_t next_stats = cb_time_mono_ns() + (int64_t) interval * 1000000000LL;
    while (!cb_signal_stop) {
        cb_time_sleep_ms(100, &cb_signal_stop);
        bool due = interval > 0 && cb_time_mono_ns() >= next_stats;
        if (cb_signal_usr1 || due) {
            cb_signal_usr1 = 0;
            s_log_stats(proxies, started);
            next_stats = cb_time_mono_ns() + (int64_t) interval * 1000000000LL;
        }
        if (cb_signal_hup) {
            cb_signal_hup = 0;
            if (auth != NULL) {
                bus_auth_reload(auth);
            }
        }
    }
    cb_log_info("stopping", "");
    s_log_stats(proxies, started);
    while (started > 0) {
        bus_proxy_stop(&proxies[--started]);
    }
    bus_auth_stop(&auth);
    cb_curve_unload();
    zsys_shutdown();
    cb_log_info("stopped", "");
    return 0;

fail_start:
    while (started > 0) {
        bus_proxy_stop(&proxies[--started]);
    }
    bus_auth_stop(&auth);
    cb_curve_unload();
    zsys_shutdown();
    return 1;
}
