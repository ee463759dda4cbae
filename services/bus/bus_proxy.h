/* bus_proxy.h - one libzmq steerable proxy (frontend <-> backend) in its own thread */
#ifndef BUS_PROXY_H_INCLUDED
#define BUS_PROXY_H_INCLUDED

#include <stdint.h>

typedef struct bus_proxy bus_proxy_t;

/* Forwarded counts since start, as libzmq's proxy keeps them. */
typedef struct {
    uint64_t front_in_msgs;  /* received on the frontend */
    uint64_t front_in_bytes;
    uint64_t back_out_msgs;  /* sent on the backend */
    uint64_t back_out_bytes;
    uint64_t back_in_msgs;   /* received on the backend */
    uint64_t back_in_bytes;
    uint64_t front_out_msgs; /* sent on the frontend */
    uint64_t front_out_bytes;
} bus_proxy_stats_t;

/* Binds a socket of front_type at front_endpoint and one of back_type at
 * back_endpoint (both tuned as CB_BUS_ROLE_PROXY, and CURVE servers when
 * COINBUS_CURVE is on: cb_curve_server), then runs
 * zmq_proxy_steerable between them in a new thread. name is for logs and
 * copied. Returns NULL when a bind fails (logged with the endpoint). */
bus_proxy_t *
bus_proxy_start(const char *name, int front_type, const char *front_endpoint, int back_type,
                const char *back_endpoint);

/* Asks the proxy thread for its counters. 0 or CB_E_IO. */
int
bus_proxy_stats(bus_proxy_t *proxy, bus_proxy_stats_t *stats);

/* The name given at start. */
const char *
bus_proxy_name(const bus_proxy_t *proxy);

/* Terminates the proxy, joins its thread, closes its sockets and frees it.
 * NULL-safe; nulls *proxy_p. */
void
bus_proxy_stop(bus_proxy_t **proxy_p);

#endif
