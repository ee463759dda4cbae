/* cb_httpd_impl.h - what cb_httpd's source files share among themselves (services include cb_httpd.h only) */
#ifndef CB_HTTPD_IMPL_H_INCLUDED
#define CB_HTTPD_IMPL_H_INCLUDED

#define H2O_USE_LIBUV 0
#include <stdbool.h>
#include <stdint.h>

#include <h2o.h>

#include "cb_httpd.h"

/* The timers of one loop (cb_httpd_loop.c): armed ones sorted by due time,
 * one h2o timeout entry armed for the first. */
typedef struct {
    h2o_evloop_t *loop;
    h2o_timeout_t timeout;     /* period 0: an entry fires at its registered_at */
    h2o_timeout_entry_t entry; /* armed for the first timer */
    h2o_linklist_t armed;      /* cb_httpd_timer_t, by due time */
    uint64_t turn;             /* dispatches so far */
    bool dispatching;
} cb_httpd_timers_t;

/* One token: the pending request it names (NULL when free). */
typedef struct {
    void *pending;
    uint64_t token;
    uint32_t next_free;
} cb_httpd_slot_t;

/* The pending requests (cb_httpd_defer.c). */
typedef struct {
    h2o_linklist_t waiting;  /* every pending request */
    size_t count;
    cb_httpd_timer_t *timer; /* sends due answers and polls for clients gone */
    uint64_t armed_at_ms;    /* when the timer fires; 0: not armed */
    uint64_t watch_at_ms;    /* the next poll for clients gone */
    cb_httpd_slot_t *slots;
    size_t slot_count;
    uint32_t free_slot;      /* first free slot, UINT32_MAX: none */
    uint64_t seq;
    bool closing;            /* cb_httpd_destroy has begun: answer at once */
} cb_httpd_defers_t;

struct cb_httpd {
    h2o_globalconf_t config;
    h2o_context_t context;
    h2o_accept_ctx_t accept;
    h2o_evloop_t *loop;
    h2o_socket_t *listener;
    h2o_linklist_t conns; /* accepted sockets h2o has not closed */
    cb_httpd_config_t cfg;
    cb_httpd_upgrade_fn upgrade; /* WebSocket upgrades, asked before the handler */
    void *upgrade_ctx;
    int port;
    cb_httpd_handler_fn handler;
    void *ctx;
    cb_httpd_timers_t timers;
    cb_httpd_defers_t defers;
    cb_httpd_timer_t *linger_timer; /* closes lingering sockets */
    bool lingering;                 /* linger_timer is armed */
    int wake_fd;                    /* cb_httpd_run_once_ns's timerfd, -1 until first used */
    cb_httpd_watch_t *wake_watch;
};

/* Puts res's status, headers and close flag into req's answer and returns a
 * copy of its body in req's pool. */
h2o_iovec_t
cb_httpd_impl_res_apply(h2o_req_t *req, const cb_httpd_res_t *res);

/* Makes req's answer an error the server gives itself (status, the
 * config's error_body for detail, no other header) and returns its body. */
h2o_iovec_t
cb_httpd_impl_error_res(cb_httpd_t *httpd, h2o_req_t *req, int status, const char *detail);

/* Closes an upgraded connection's socket: at once when it is not one of
 * the server's, else after its peer has closed too (or a second). */
void
cb_httpd_impl_close_lingering(h2o_socket_t *sock);

/* The wall clock in ms as h2o's loop reads it, but fresh. */
uint64_t
cb_httpd_impl_now_ms(void);

void
cb_httpd_impl_timers_init(cb_httpd_timers_t *timers, h2o_evloop_t *loop);

void
cb_httpd_impl_timers_fini(cb_httpd_timers_t *timers);

/* Closes cb_httpd_run_once_ns's timerfd and its watch, if made. */
void
cb_httpd_impl_wake_fini(cb_httpd_t *httpd);

/* The pending requests: set up, and answered (503 when no answer is known)
 * with their connections closed at the end. */
int
cb_httpd_impl_defer_init(cb_httpd_t *httpd);

void
cb_httpd_impl_defer_fini(cb_httpd_t *httpd);

/* Sends req's answer (already in req->res, body in its pool) after
 * res->delay_ms, or never (res->never_answer) until its client has gone. */
void
cb_httpd_impl_defer_fault(cb_httpd_t *httpd, h2o_req_t *req, h2o_iovec_t body,
                          const cb_httpd_res_t *res);

/* True when an HTTP/1 request head (len bytes from the request line, up to
 * its blank line or the end) frames its body ambiguously: Transfer-Encoding
 * together with Content-Length, or Content-Lengths that differ (RFC 9112
 * 6.3; the same length twice is one length). Pure; any bytes are safe. */
bool
cb_httpd_head_framing_conflict(const char *head, size_t len);

/* cb_httpd_head_framing_conflict on req's head as h2o received it (from the
 * connection's input buffer; false when that is not at hand). */
bool
cb_httpd_impl_framing_conflict(h2o_req_t *req);

#endif
