/* cb_httpd.h - HTTP/1.1 server on h2o (evloop) with deferred answers, fd watches and timers on the same loop */
#ifndef CB_HTTPD_H_INCLUDED
#define CB_HTTPD_H_INCLUDED

/* One event loop per server, one thread. Everything a service waits on
 * (client sockets, ZeroMQ sockets, Redis, timers) is driven from this loop:
 * cb_httpd_run_once waits in one epoll for all of it.
 *
 * Ownership: cb_httpd_req_t and everything it points to is borrowed for the
 * duration of the handler call. A deferred request is named by a token; the
 * server owns the request until it is answered or its client goes away. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"

/* A request as a handler sees it. path excludes the query; query excludes
 * the '?'. None of the strings is NUL-terminated. */
typedef struct {
    const char *method;
    size_t method_len;
    const char *path;
    size_t path_len;
    const char *query;
    size_t query_len;
    const char *body;
    size_t body_len;
    size_t header_bytes; /* sum of name + value lengths of every header */
    const void *opaque;  /* the h2o_req_t, for cb_httpd_req_header / _peer / upgrades */
} cb_httpd_req_t;

#define CB_HTTPD_RES_HEADERS_MAX 16

/* A handler's answer. status defaults to 200, content type to
 * "application/json; charset=utf-8" unless a Content-Type header is set. */
typedef struct {
    int status;
    cb_buf_t body;
    /* Deferred answers for fault injection (venue-sim): delay_ms > 0 sends the
     * answer that much later from a timer; never_answer keeps the request
     * pending until its client goes away; reset answers nothing and
     * aborts the connection (a TCP RST, as a peer that crashed or a
     * middlebox that cut it). All default to off. */
    int delay_ms;
    bool never_answer;
    bool reset;
    /* Set by the handler to answer later with cb_httpd_answer: the request
     * stays pending and res is discarded (token in cb_httpd_defer). */
    bool deferred;
    bool close; /* end the connection after this answer */
    char header_name[CB_HTTPD_RES_HEADERS_MAX][48];
    char header_value[CB_HTTPD_RES_HEADERS_MAX][160];
    size_t header_count;
} cb_httpd_res_t;

typedef void (*cb_httpd_handler_fn)(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res);

typedef struct {
    const char *host;          /* IPv4 address to listen on (default "127.0.0.1") */
    int port;                  /* 0: any free port (see cb_httpd_port) */
    size_t max_body;           /* larger request bodies get 413 before the handler (default 64 KiB) */
    size_t max_header_bytes;   /* larger header blocks get 431 before the handler (default 16 KiB) */
    int request_timeout_ms;    /* a request not fully received by then is cut (slowloris; default 10000) */
    int keepalive_timeout_ms;  /* idle keep-alive connections are closed after (default 10000) */
    /* Answers the server makes itself (413, 431) use this body builder when
     * set, so they have the service's error shape; NULL: an empty body. */
    void (*error_body)(void *ctx, int status, const char *detail, cb_buf_t *out);
} cb_httpd_config_t;

/* The defaults above. */
cb_httpd_config_t
cb_httpd_config_default(void);

typedef struct cb_httpd cb_httpd_t;

/* Listens as config says and calls handler(ctx, ...) for every request.
 * NULL on failure, with the reason in err. */
cb_httpd_t *
cb_httpd_new(const cb_httpd_config_t *config, cb_httpd_handler_fn handler, void *ctx, char *err,
             size_t errsize);

/* NULL-safe; nulls *httpd_p. Stops listening; pending deferred requests are
 * answered 503 with connection close; watches and timers must have been
 * freed by their owners first. */
void
cb_httpd_destroy(cb_httpd_t **httpd_p);

/* The port it listens on. */
int
cb_httpd_port(const cb_httpd_t *httpd);

/* Runs the loop once, waiting up to max_wait_ms (-1: until something
 * happens) for sockets, watches or timers. */
void
cb_httpd_run_once(cb_httpd_t *httpd, int max_wait_ms);

/* Runs the loop once like cb_httpd_run_once, but a wait of max_wait_ns
 * (>= 0) that is not a whole number of milliseconds ends when it is due
 * (a timerfd wakes the loop) rather than at a millisecond's granularity:
 * for callers whose own work falls due at sub-millisecond intervals,
 * which would otherwise poll without waiting. */
void
cb_httpd_run_once_ns(cb_httpd_t *httpd, int64_t max_wait_ns);

/* The h2o_evloop_t (for cb_wsd). */
void *
cb_httpd_loop(cb_httpd_t *httpd);

/* ---- requests ------------------------------------------------------------- */

/* The value of a request header (case-insensitive name), or NULL. */
const char *
cb_httpd_req_header(const cb_httpd_req_t *req, const char *name, size_t *len);

/* The peer's IP address as text into out (size >= 64); "" when unknown. */
void
cb_httpd_req_peer(const cb_httpd_req_t *req, char *out, size_t size);

/* Adds a response header (copied; truncated to fit; ignored past the max). */
void
cb_httpd_res_header(cb_httpd_res_t *res, const char *name, const char *value);

/* Called from a handler: marks res deferred and returns the token that
 * cb_httpd_answer takes (never 0). The request's strings stay valid only
 * for the handler call; copy what is needed later. */
uint64_t
cb_httpd_defer(cb_httpd_t *httpd, const cb_httpd_req_t *req, cb_httpd_res_t *res);

/* Sends the answer of a deferred request (res's body and headers are
 * copied; the caller keeps and finis res). Returns 0, or CB_E_NOT_FOUND when
 * the token is unknown: already answered, or the client has gone (then the
 * answer is dropped). Any time on the loop's thread, also from a callback. */
int
cb_httpd_answer(cb_httpd_t *httpd, uint64_t token, const cb_httpd_res_t *res);

/* Deferred requests waiting for an answer. */
size_t
cb_httpd_pending(const cb_httpd_t *httpd);

/* ---- WebSocket upgrades ---------------------------------------------------- */

typedef enum {
    CB_HTTPD_UPGRADE_PASS = 0,     /* not for the hook: the handler answers it */
    CB_HTTPD_UPGRADE_TAKEN = 1,    /* upgraded: the hook owns the connection */
    CB_HTTPD_UPGRADE_ANSWERED = 2, /* the hook filled res (e.g. 426 or 429) */
} cb_httpd_upgrade_rc_t;

/* Asked about every request before the handler; returns a
 * cb_httpd_upgrade_rc_t. req->opaque is what cb_wsd_conn_upgrade takes. */
typedef int (*cb_httpd_upgrade_fn)(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res);

void
cb_httpd_set_upgrade(cb_httpd_t *httpd, cb_httpd_upgrade_fn fn, void *ctx);

/* ---- file descriptor watches ----------------------------------------------- */

/* A foreign descriptor (a ZeroMQ socket's ZMQ_FD, a hiredis connection) on
 * the loop. The fd stays the caller's: the watch never reads, writes or
 * closes it. on_readable runs on each loop turn in which the fd polls
 * readable (level-triggered); on_writable only while writes are wanted. */
typedef struct cb_httpd_watch cb_httpd_watch_t;

typedef void (*cb_httpd_watch_fn)(void *ctx);

/* NULL on failure (logged). */
cb_httpd_watch_t *
cb_httpd_watch_new(cb_httpd_t *httpd, int fd, cb_httpd_watch_fn on_readable, void *ctx);

/* Starts (fn != NULL) or stops (fn == NULL) writability callbacks. */
void
cb_httpd_watch_want_write(cb_httpd_watch_t *watch, cb_httpd_watch_fn on_writable);

/* Stops reading (on_readable no longer runs) or resumes it. */
void
cb_httpd_watch_want_read(cb_httpd_watch_t *watch, bool on);

/* NULL-safe; nulls *watch_p; safe inside its own callback. */
void
cb_httpd_watch_destroy(cb_httpd_watch_t **watch_p);

/* ---- timers ------------------------------------------------------------------ */

typedef struct cb_httpd_timer cb_httpd_timer_t;

/* A timer that calls fn(ctx) after_ms from now (0: at the end of this loop
 * turn, after the current callbacks), then every period_ms when period_ms >
 * 0, else once. NULL on no memory. */
cb_httpd_timer_t *
cb_httpd_timer_new(cb_httpd_t *httpd, int64_t after_ms, int64_t period_ms, cb_httpd_watch_fn fn,
                   void *ctx);

/* Re-arms a timer (one-shot or periodic) to fire after_ms from now. */
void
cb_httpd_timer_restart(cb_httpd_timer_t *timer, int64_t after_ms);

/* NULL-safe; nulls *timer_p; safe inside its own callback. */
void
cb_httpd_timer_destroy(cb_httpd_timer_t **timer_p);

#endif
