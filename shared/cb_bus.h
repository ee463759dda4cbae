/* cb_bus.h - where the bus is (endpoints from config) and how its sockets are tuned */
#ifndef CB_BUS_H_INCLUDED
#define CB_BUS_H_INCLUDED

#include <stddef.h>

#include "cb_config.h"
#include "cb_curve.h"

/* The RPC services behind the bus: X(name, UPPER, frontend port, backend port).
 * Clients connect to the frontend (ROUTER), workers to the backend (DEALER). */
#define CB_BUS_RPC_SERVICES(X)                                                  \
    X(market, MARKET, 5560, 5561)                                               \
    X(orders, ORDERS, 5562, 5563)                                               \
    X(account, ACCOUNT, 5564, 5565)                                             \
    X(sentiment, SENTIMENT, 5566, 5567)

typedef enum {
#define CB_BUS_RPC_ENUM_(name, upper, front, back) CB_RPC_##upper,
    CB_BUS_RPC_SERVICES(CB_BUS_RPC_ENUM_)
#undef CB_BUS_RPC_ENUM_
        CB_RPC_SERVICE_COUNT
} cb_rpc_service_t;

/* Rows for a cb_config_var_t table: the RPC frontend/backend port variables. */
#define CB_BUS_RPC_VAR_(name, upper, front, back)                               \
    {"COINBUS_RPC_" #upper "_FRONTEND", CB_CFG_PORT, #front, 0, 0, NULL,       \
     "bus port clients of the " #name " service connect to (ROUTER)"},          \
    {"COINBUS_RPC_" #upper "_BACKEND", CB_CFG_PORT, #back, 0, 0, NULL,         \
     "bus port " #name " workers connect to (DEALER)"},
#define CB_BUS_CONFIG_VARS CB_BUS_RPC_SERVICES(CB_BUS_RPC_VAR_) CB_CURVE_CONFIG_VARS

#define CB_BUS_ENDPOINT_MAX 300

/* Resolved endpoints, "tcp://host:port". */
typedef struct {
    char host[256];
    int pub_port;
    int sub_port;
    int rpc_frontend[CB_RPC_SERVICE_COUNT];
    int rpc_backend[CB_RPC_SERVICE_COUNT];
    char pub[CB_BUS_ENDPOINT_MAX];
    char sub[CB_BUS_ENDPOINT_MAX];
    char frontend[CB_RPC_SERVICE_COUNT][CB_BUS_ENDPOINT_MAX];
    char backend[CB_RPC_SERVICE_COUNT][CB_BUS_ENDPOINT_MAX];
} cb_bus_config_t;

/* Loads COINBUS_BUS_HOST, COINBUS_BUS_PUB_PORT, COINBUS_BUS_SUB_PORT and the
 * COINBUS_RPC_* ports from a table that holds CB_CONFIG_COMMON_VARS and
 * CB_BUS_CONFIG_VARS, and the COINBUS_CURVE_* certificates (cb_curve_load,
 * under the name given to cb_log_init) that every bus socket then uses.
 * Returns 0 or CB_E_CONFIG (logged). */
int
cb_bus_config_load(const cb_config_var_t *vars, size_t count, cb_bus_config_t *bus);

/* "market" -> CB_RPC_MARKET ...; 0 or CB_E_NOT_FOUND. */
int
cb_rpc_service_from_name(const char *name, cb_rpc_service_t *service);

/* The service's name, or NULL when out of range. */
const char *
cb_rpc_service_name(cb_rpc_service_t service);

/* Socket roles, each tuned in one place (cb_bus_tune) with the reasons. */
typedef enum {
    CB_BUS_ROLE_PUBLISHER,  /* PUB that connects to the bus XSUB */
    CB_BUS_ROLE_SUBSCRIBER, /* SUB that connects to the bus XPUB */
    CB_BUS_ROLE_RPC_CLIENT, /* DEALER that connects to a ROUTER frontend */
    CB_BUS_ROLE_RPC_MUX,    /* the same, carrying many callers' calls at once (api-edge) */
    CB_BUS_ROLE_RPC_WORKER, /* REP that connects to a DEALER backend */
    CB_BUS_ROLE_PROXY,      /* the bus's own bound sockets */
} cb_bus_role_t;

/* Applies linger, high-water marks, ZMTP heartbeats and TCP keepalive for the
 * role to a raw libzmq socket (void *). Call before connect/bind. */
void
cb_bus_tune(void *zmq_socket, cb_bus_role_t role);

/* A new czmq socket of type (ZMQ_PUB, ...), tuned for role, a CURVE client
 * of the bus when COINBUS_CURVE is on, and connected to endpoint. NULL on failure, logged once with the endpoint and the reason. */
struct _zsock_t;
struct _zsock_t *
cb_bus_connect(int type, cb_bus_role_t role, const char *endpoint);

/* Makes len random lower-case hex characters plus a NUL into buf (len+1
 * bytes): publisher epochs and request ids. */
void
cb_bus_random_hex(char *buf, size_t len);

#endif
