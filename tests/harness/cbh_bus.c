/* cbh_bus.c - test harness: the real bus binary on free loopback ports */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbh_bus.h"

static void
s_set(cbh_bus_t *bus, int *n, const char *name, int port)
{
    snprintf(bus->env_text[*n], sizeof bus->env_text[*n], "%s=%d", name, port);
    bus->env[*n] = bus->env_text[*n];
    (*n)++;
}

int
cbh_bus_start(cbh_bus_t *bus)
{
    memset(bus, 0, sizeof *bus);
    cb_bus_config_t *c = &bus->config;
    snprintf(c->host, sizeof c->host, "127.0.0.1");
    c->pub_port = cbh_free_port();
    c->sub_port = cbh_free_port();
    int n = 0;
    s_set(bus, &n, "COINBUS_BUS_PUB_PORT", c->pub_port);
    s_set(bus, &n, "COINBUS_BUS_SUB_PORT", c->sub_port);
    snprintf(c->pub, sizeof c->pub, "tcp://127.0.0.1:%d", c->pub_port);
    snprintf(c->sub, sizeof c->sub, "tcp://127.0.0.1:%d", c->sub_port);
    for (int i = 0; i < CB_RPC_SERVICE_COUNT; i++) {
        char name[64];
        char upper[32];
        const char *lower = cb_rpc_service_name((cb_rpc_service_t) i);
        size_t len = strlen(lower);
        for (size_t k = 0; k <= len; k++) {
            upper[k] = (char) (lower[k] >= 'a' && lower[k] <= 'z' ? lower[k] - 32 : lower[k]);
        }
        c->rpc_frontend[i] = cbh_free_port();
        c->rpc_backend[i] = cbh_free_port();
        snprintf(name, sizeof name, "COINBUS_RPC_%s_FRONTEND", upper);
        s_set(bus, &n, name, c->rpc_frontend[i]);
        snprintf(name, sizeof name, "COINBUS_RPC_%s_BACKEND", upper);
        s_set(bus, &n, name, c->rpc_backend[i]);
        snprintf(c->frontend[i], sizeof c->frontend[i], "tcp://127.0.0.1:%d", c->rpc_frontend[i]);
        snprintf(c->backend[i], sizeof c->backend[i], "tcp://127.0.0.1:%d", c->rpc_backend[i]);
    }
    snprintf(bus->env_text[n], sizeof bus->env_text[n], "COINBUS_BUS_HOST=127.0.0.1");
    bus->env[n] = bus->env_text[n];
    n++;
    bus->env[n] = NULL;

    char path[512];
    snprintf(path, sizeof path, "%s/bus", cbh_bin_dir());
    char *argv[] = {path, NULL};
    bus->proc = cbh_proc_start("bus", argv, bus->env);
    if (bus->proc == NULL) {
        fprintf(stderr, "cbh_bus_start: cannot start %s\n", path);
        return -1;
    }
    int ports[] = {c->pub_port, c->sub_port};
    for (size_t i = 0; i < 2; i++) {
        if (cbh_wait_port(ports[i], 10000) != 0) {
            fprintf(stderr, "cbh_bus_start: port %d never opened (log: %s)\n", ports[i],
                    cbh_proc_log_path(bus->proc));
            cbh_proc_stop(&bus->proc, SIGKILL, 1000);
            return -1;
        }
    }
    for (int i = 0; i < CB_RPC_SERVICE_COUNT; i++) {
        if (cbh_wait_port(c->rpc_frontend[i], 10000) != 0 ||
            cbh_wait_port(c->rpc_backend[i], 10000) != 0) {
            fprintf(stderr, "cbh_bus_start: rpc ports never opened\n");
            cbh_proc_stop(&bus->proc, SIGKILL, 1000);
            return -1;
        }
    }
    return 0;
}

int
cbh_bus_stop(cbh_bus_t *bus)
{
    return cbh_proc_stop(&bus->proc, SIGTERM, 5000);
}

void
cbh_bus_export(const cbh_bus_t *bus)
{
    for (int i = 0; bus->env[i] != NULL; i++) {
        char text[96];
        snprintf(text, sizeof text, "%s", bus->env[i]);
        char *eq = strchr(text, '=');
        *eq = '\0';
        setenv(text, eq + 1, 1);
    }
}

int
cbh_bus_start_pub(cbh_bus_t *bus, cb_pub_t **pub)
{
    *pub = NULL;
    if (cbh_bus_start(bus) != 0) {
        return -1;
    }
    cbh_bus_export(bus);
    *pub = cb_pub_new(bus->config.pub);
    if (*pub == NULL) {
        (void) cbh_bus_stop(bus); /* a failed group setup gets no teardown */
        return -1;
    }
    return 0;
}

int
cbh_bus_stop_pub(cbh_bus_t *bus, cb_pub_t **pub)
{
    cb_pub_destroy(pub);
    return cbh_bus_stop(bus) == 0 ? 0 : -1;
}

void
cbh_bus_bench_tick(cb_event_t *ev, uint64_t n)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = CB_KIND_tick;
    cb_decimal_t price;
    cb_decimal_from_parts((int64_t) ((60000 + n % 1000) * 100 + n % 100), 2, &price);
    cb_decimal_t qty;
    cb_decimal_from_parts(12345678, 8, &qty);
    cb_tick_t *t = &ev->body.tick;
    CB_PROTO_SET(t, tick, symbol, CB_STR("BTC-USD"));
    CB_PROTO_SET(t, tick, venue, CB_STR("sim-kraken"));
    CB_PROTO_SET(t, tick, bid, price);
    CB_PROTO_SET(t, tick, bid_qty, qty);
    CB_PROTO_SET(t, tick, ask, price);
    CB_PROTO_SET(t, tick, ask_qty, qty);
    CB_PROTO_SET(t, tick, last, price);
    CB_PROTO_SET(t, tick, exch_ts, 1763860000123456789LL);
}
