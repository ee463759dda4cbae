/* bus_proxy.c - one libzmq steerable proxy (frontend <-> backend) in its own thread */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "bus_proxy.h"
#include "cb_bus.h"
#include "cb_error.h"
#include "cb_log.h"

struct bus_proxy {
    char name[32];
    zsock_t *front;
    zsock_t *back;
    zsock_t *control_main;  /* PAIR used by the main thread */
    zsock_t *control_proxy; /* PAIR used by the proxy thread */
    pthread_t thread;
    bool started;
};

static zsock_t *
s_bind(const char *name, int type, const char *endpoint)
{
    zsock_t *sock = zsock_new(type);
    if (sock == NULL) {
        cb_log_error("socket_failed", "proxy=%s error=\"%s\"", name, zmq_strerror(zmq_errno()));
        return NULL;
    }
    cb_bus_tune(zsock_resolve(sock), CB_BUS_ROLE_PROXY);
    cb_curve_server(zsock_resolve(sock));
    if (zsock_bind(sock, "%s", endpoint) < 0) {
        cb_log_error("bind_failed", "proxy=%s endpoint=%s error=\"%s\"", name, endpoint,
                     zmq_strerror(zmq_errno()));
        zsock_destroy(&sock);
        return NULL;
    }
    return sock;
}

static void *
s_run(void *arg)
{
    bus_proxy_t *proxy = arg;
    /* Returns when the main thread sends TERMINATE (or the context ends). */
    zmq_proxy_steerable(zsock_resolve(proxy->front), zsock_resolve(proxy->back), NULL,
                        zsock_resolve(proxy->control_proxy));
    return NULL;
}

bus_proxy_t *
bus_proxy_start(const char *name, int front_type, const char *front_endpoint, int back_type,
                const char *back_endpoint)
{
    bus_proxy_t *proxy = calloc(1, sizeof *proxy);
    if (proxy == NULL) {
        goto fail_alloc;
    }
    snprintf(proxy->name, sizeof proxy->name, "%s", name);
    proxy->front = s_bind(name, front_type, front_endpoint);
    if (proxy->front == NULL) {
        goto fail_front;
    }
    proxy->back = s_bind(name, back_type, back_endpoint);
    if (proxy->back == NULL) {
        goto fail_back;
    }
    char control[64];
    snprintf(control, sizeof control, "inproc://bus-control-%s-%p", name, (void *) proxy);
    proxy->control_proxy = zsock_new(ZMQ_PAIR);
    proxy->control_main = zsock_new(ZMQ_PAIR);
    if (proxy->control_proxy == NULL || proxy->control_main == NULL ||
        zsock_bind(proxy->control_proxy, "%s", control) < 0 ||
        zsock_connect(proxy->control_main, "%s", control) != 0) {
        cb_log_error("control_socket_failed", "proxy=%s", name);
        goto fail_control;
    }
    /* Sockets made here are handed to the thread; pthread_create is the full
     * memory barrier libzmq asks for when a socket changes threads. */
    if (pthread_create(&proxy->thread, NULL, s_run, proxy) != 0) {
        cb_log_error("thread_failed", "proxy=%s", name);
        goto fail_control;
    }
    proxy->started = true;
    cb_log_info("proxy_started", "proxy=%s frontend=%s backend=%s", name, front_endpoint,
                back_endpoint);
    return proxy;

fail_control:
    zsock_destroy(&proxy->control_main);
    zsock_destroy(&proxy->control_proxy);
    zsock_destroy(&proxy->back);
fail_back:
    zsock_destroy(&proxy->front);
fail_front:
    free(proxy);
fail_alloc:
    return NULL;
}

const char *
bus_proxy_name(const bus_proxy_t *proxy)
{
    return proxy->name;
}

int
bus_proxy_stats(bus_proxy_t *proxy, bus_proxy_stats_t *stats)
{
    void *ctl = zsock_resolve(proxy->control_main);
    if (zmq_send(ctl, "STATISTICS", 10, 0) < 0) {
        return CB_E_IO;
    }
    uint64_t values[8] = {0};
    for (int i = 0; i < 8; i++) {
        zmq_msg_t part;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, ctl, 0) < 0) {
            zmq_msg_close(&part);
            return CB_E_IO;
        }
        if (zmq_msg_size(&part) == sizeof(uint64_t)) {
            memcpy(&values[i], zmq_msg_data(&part), sizeof(uint64_t));
        }
        zmq_msg_close(&part);
    }
    /* libzmq's order: frontend msgs in, bytes in, msgs out, bytes out; then
     * the same four for the backend. */
    stats->front_in_msgs = values[0];
    stats->front_in_bytes = values[1];
    stats->front_out_msgs = values[2];
    stats->front_out_bytes = values[3];
    stats->back_in_msgs = values[4];
    stats->back_in_bytes = values[5];
    stats->back_out_msgs = values[6];
    stats->back_out_bytes = values[7];
    return 0;
}

void
bus_proxy_stop(bus_proxy_t **proxy_p)
{
    if (proxy_p == NULL || *proxy_p == NULL) {
        return;
    }
    bus_proxy_t *proxy = *proxy_p;
    if (proxy->started) {
        zmq_send(zsock_resolve(proxy->control_main), "TERMINATE", 9, 0);
        pthread_join(proxy->thread, NULL);
    }
    zsock_destroy(&proxy->control_main);
    zsock_destroy(&proxy->control_proxy);
    zsock_destroy(&proxy->back);
    zsock_destroy(&proxy->front);
    free(proxy);
    *proxy_p = NULL;
}
