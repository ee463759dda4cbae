/* cb_bus.c - bus endpoints from config and socket tuning */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "cb_bus.h"
#include "cb_error.h"
#include "cb_log.h"

static const char *const s_service_names[] = {
#define S_NAME_(name, upper, front, back) #name,
    CB_BUS_RPC_SERVICES(S_NAME_)
#undef S_NAME_
};

int
cb_rpc_service_from_name(const char *name, cb_rpc_service_t *service)
{
    for (int i = 0; i < CB_RPC_SERVICE_COUNT; i++) {
        if (name != NULL && strcmp(name, s_service_names[i]) == 0) {
            *service = (cb_rpc_service_t) i;
            return 0;
        }
    }
    return CB_E_NOT_FOUND;
}

const char *
cb_rpc_service_name(cb_rpc_service_t service)
{
    return (unsigned) service < CB_RPC_SERVICE_COUNT ? s_service_names[service] : NULL;
}

static int
s_port(const cb_config_var_t *vars, size_t count, const char *name, int *port)
{
    long v;
    int rc = cb_config_int(vars, count, name, &v);
    if (rc == 0) {
        *port = (int) v;
    }
    return rc;
}

static void
s_endpoint(char *buf, const char *host, int port)
{
    /* An IPv6 literal needs brackets in a ZeroMQ endpoint. */
    if (strchr(host, ':') != NULL) {
        snprintf(buf, CB_BUS_ENDPOINT_MAX, "tcp://[%s]:%d", host, port);
    } else {
        snprintf(buf, CB_BUS_ENDPOINT_MAX, "tcp://%s:%d", host, port);
    }
}

int
cb_bus_config_load(const cb_config_var_t *vars, size_t count, cb_bus_config_t *bus)
{
    memset(bus, 0, sizeof *bus);
    const char *host;
    if (cb_config_str(vars, count, "COINBUS_BUS_HOST", &host) != 0 || host == NULL ||
        s_port(vars, count, "COINBUS_BUS_PUB_PORT", &bus->pub_port) != 0 ||
        s_port(vars, count, "COINBUS_BUS_SUB_PORT", &bus->sub_port) != 0) {
        return CB_E_CONFIG;
    }
    snprintf(bus->host, sizeof bus->host, "%s", host);
    for (int i = 0; i < CB_RPC_SERVICE_COUNT; i++) {
        char name[64];
        char upper[32];
        size_t n = strlen(s_service_names[i]);
        for (size_t k = 0; k <= n; k++) {
            char c = s_service_names[i][k];
            upper[k] = (char) (c >= 'a' && c <= 'z' ? c - 32 : c);
        }
        snprintf(name, sizeof name, "COINBUS_RPC_%s_FRONTEND", upper);
        if (s_port(vars, count, name, &bus->rpc_frontend[i]) != 0) {
            return CB_E_CONFIG;
        }
        snprintf(name, sizeof name, "COINBUS_RPC_%s_BACKEND", upper);
        if (s_port(vars, count, name, &bus->rpc_backend[i]) != 0) {
            return CB_E_CONFIG;
        }
        s_endpoint(bus->frontend[i], bus->host, bus->rpc_frontend[i]);
        s_endpoint(bus->backend[i], bus->host, bus->rpc_backend[i]);
    }
    s_endpoint(bus->pub, bus->host, bus->pub_port);
    s_endpoint(bus->sub, bus->host, bus->sub_port);
    return cb_curve_load(vars, count, cb_log_service());
}

static void
s_set_int(void *sock, int option, int value)
{
    zmq_setsockopt(sock, option, &value, sizeof value);
}

void
cb_bus_tune(void *sock, cb_bus_role_t role)
{
    /* ZMTP heartbeats (PING every second, peer dead after 5 s of silence) find
     * half-open TCP connections that the kernel would keep for hours, e.g. a
     * bus host that vanished; keepalive is the second net under them. */
    s_set_int(sock, ZMQ_HEARTBEAT_IVL, 1000);
    s_set_int(sock, ZMQ_HEARTBEAT_TIMEOUT, 5000);
    s_set_int(sock, ZMQ_HEARTBEAT_TTL, 5000);
    s_set_int(sock, ZMQ_TCP_KEEPALIVE, 1);
    s_set_int(sock, ZMQ_TCP_KEEPALIVE_IDLE, 30);
    s_set_int(sock, ZMQ_TCP_KEEPALIVE_INTVL, 10);
    /* Reconnect quickly (100 ms) but back off to 2 s while a peer stays down. */
    s_set_int(sock, ZMQ_RECONNECT_IVL, 100);
    s_set_int(sock, ZMQ_RECONNECT_IVL_MAX, 2000);
    switch (role) {
    case CB_BUS_ROLE_PUBLISHER:
        /* Market data is a burst-y firehose: queue up to 100k messages
         * (~20 MB of ticks) toward the bus before PUB drops; drops show up as
         * seq gaps at subscribers. Linger 1 s so the last messages before a
         * clean stop still leave, without hanging a stop when the bus is gone. */
        s_set_int(sock, ZMQ_SNDHWM, 100000);
        s_set_int(sock, ZMQ_LINGER, 1000);
        break;
    case CB_BUS_ROLE_SUBSCRIBER:
        /* A subscriber that falls behind must not stall the bus: the bus drops
         * for it past its own HWM, and the subscriber sees gaps. */
        s_set_int(sock, ZMQ_RCVHWM, 100000);
        s_set_int(sock, ZMQ_LINGER, 0);
        break;
    case CB_BUS_ROLE_RPC_CLIENT:
        /* Linger 0: an unanswered request must never hold up exit; the caller
         * already sees the timeout. Small HWM: requests are few and precious,
         * and a full queue should fail fast rather than buffer stale orders. */
        s_set_int(sock, ZMQ_LINGER, 0);
        s_set_int(sock, ZMQ_SNDHWM, 1000);
        s_set_int(sock, ZMQ_RCVHWM, 1000);
        break;
    case CB_BUS_ROLE_RPC_MUX:
        /* One socket carries every HTTP client's calls: thousands may be in
         * flight, and a reply that finds the receive queue full is dropped
         * by the bus's ROUTER (the caller then times out). Linger 0 as above. */
        s_set_int(sock, ZMQ_LINGER, 0);
        s_set_int(sock, ZMQ_SNDHWM, 20000);
        s_set_int(sock, ZMQ_RCVHWM, 20000);
        break;
    case CB_BUS_ROLE_RPC_WORKER:
        /* A reply in flight at stop gets 500 ms to leave. */
        s_set_int(sock, ZMQ_LINGER, 500);
        s_set_int(sock, ZMQ_SNDHWM, 1000);
        s_set_int(sock, ZMQ_RCVHWM, 1000);
        break;
    case CB_BUS_ROLE_PROXY:
        /* The proxy holds the queues for everybody: generous HWMs, and no
         * linger so that a stopping bus does not wait on dead peers. */
        s_set_int(sock, ZMQ_SNDHWM, 200000);
        s_set_int(sock, ZMQ_RCVHWM, 200000);
        s_set_int(sock, ZMQ_LINGER, 0);
        break;
    }
}

zsock_t *
cb_bus_connect(int type, cb_bus_role_t role, const char *endpoint)
{
    zsock_t *sock = zsock_new(type);
    if (sock == NULL) {
        cb_log_error("socket_failed", "type=%d error=\"%s\"", type, zmq_strerror(zmq_errno()));
        return NULL;
    }
    cb_bus_tune(zsock_resolve(sock), role);
    cb_curve_client(zsock_resolve(sock));
    if (zsock_connect(sock, "%s", endpoint) != 0) {
        cb_log_error("connect_failed", "endpoint=%s error=\"%s\"", endpoint,
                     zmq_strerror(zmq_errno()));
        zsock_destroy(&sock);
        return NULL;
    }
    return sock;
}

void
cb_bus_random_hex(char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char bytes[64];
    size_t need = (len + 1) / 2;
    if (need > sizeof bytes) {
        need = sizeof bytes;
    }
    if (getrandom(bytes, need, 0) != (ssize_t) need) {
        /* No entropy source: fall back to time and pid, still unique enough
         * for epochs and request ids (they are not secrets). */
        unsigned long long seed = (unsigned long long) time(NULL) ^
                                  ((unsigned long long) getpid() << 32) ^
                                  (unsigned long long) (uintptr_t) buf;
        for (size_t i = 0; i < need; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            bytes[i] = (unsigned char) (seed >> 56);
        }
    }
    for (size_t i = 0; i < len && i / 2 < need; i++) {
        unsigned char b = bytes[i / 2];
        buf[i] = hex[(i % 2 == 0) ? (b >> 4) : (b & 0x0f)];
    }
    buf[len] = '\0';
}
