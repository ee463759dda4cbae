/* cb_ws_impl.h - what cb_ws.c (the client API) and cb_ws_conn.c (a connection's life) share (internal to cb_ws) */
#ifndef CB_WS_IMPL_H_INCLUDED
#define CB_WS_IMPL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "cb_backoff.h"
#include "cb_buf.h"
#include "cb_ws.h"

/* One queued text frame, with the headroom lws_write needs before it. */
typedef struct cb_ws_out {
    struct cb_ws_out *next;
    size_t len;
    unsigned char data[];
} cb_ws_out_t;

struct cb_ws_conn {
    cb_ws_conn_t *prev, *next; /* in the owner's list */
    cb_ws_t *ws;
    struct lws *wsi; /* NULL while in backoff (and before the attempt returns) */
    cb_ws_handlers_t h;
    void *ctx;
    cb_ws_opts_t o;
    bool tls;
    int port;
    char *host;
    char *host_header;
    char *path;
    cb_ws_state_t state;
    bool closing;   /* cb_ws_close was called: free once no frame of ours is on the stack */
    bool retry_now; /* cb_ws_reconnect: the next backoff is zero */
    bool ping_due;
    int in_cb; /* depth of our frames that use the conn after a handler returns */
    cb_backoff_t backoff;
    int64_t open_ns;
    int64_t last_rx_ns;
    char kill_reason[128];
    char peer_reason[128];
    cb_buf_t rx;
    cb_ws_out_t *q_head, *q_tail;
    size_t q_bytes;
    lws_sorted_usec_list_t sul_retry;
    lws_sorted_usec_list_t sul_ping;
    lws_sorted_usec_list_t sul_watch;
    cb_ws_stats_t stats;
};

struct cb_ws {
    struct lws_context *ctx;
    bool tls; /* made for wss:// (the CA bundle loaded) */
    cb_ws_conn_t *conns;
    lws_sorted_usec_list_t wake;
    bool woke;
    unsigned events; /* handler calls made, for cb_ws_service's answer */
};

/* The one protocol every connection speaks (its callback drives a
 * connection's life), for the context's creation info. */
extern const struct lws_protocols cb_ws_protocols[];

/* Unlinks c from its owner and frees it with all it holds. */
void
cb_ws_conn_free(cb_ws_conn_t *c);

/* Cancels c's retry, ping and watchdog timers. */
void
cb_ws_conn_cancel_timers(cb_ws_conn_t *c);

/* Frees c when it was closed and no frame of ours still uses it; true when
 * it was closed (freed or about to be). */
bool
cb_ws_conn_release(cb_ws_conn_t *c);

/* The retry timer (sul_retry): starts the next attempt of a connection in
 * backoff. */
void
cb_ws_conn_on_retry(lws_sorted_usec_list_t *sul);

/* Closes the socket from our side; the loss is reported (with reason) when
 * libwebsockets reports the close. Nothing while no socket is open. */
void
cb_ws_conn_kill(cb_ws_conn_t *c, const char *reason);

#endif
