/* sim_http.h - venue-sim's HTTP server on h2o (evloop): one handler callback per request, plain values in and out */
#ifndef SIM_HTTP_H_INCLUDED
#define SIM_HTTP_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_buf.h"

/* A request as the handler sees it: every pointer borrowed, valid during the
 * call only. path excludes the query; query excludes the '?'. */
typedef struct {
    const char *method;
    size_t method_len;
    const char *path;
    size_t path_len;
    const char *query;
    size_t query_len;
    const char *body;
    size_t body_len;
    const void *opaque; /* for sim_req_header */
} sim_req_t;

#define SIM_RES_HEADERS_MAX 8

/* The handler's answer. status defaults to 200, content type to JSON. */
typedef struct {
    int status;
    cb_buf_t body;
    /* Deferred answers (fault injection, see sim_faults.h): delay_ms > 0
     * sends the answer that much later, from a timer on the server's loop
     * (other requests are served meanwhile); never_answer keeps the request
     * pending, unanswered, until the client goes away. Both default to off. */
    int delay_ms;
    bool never_answer;
    char header_name[SIM_RES_HEADERS_MAX][48];
    char header_value[SIM_RES_HEADERS_MAX][96];
    size_t header_count;
} sim_res_t;

typedef void (*sim_handler_fn)(void *ctx, const sim_req_t *req, sim_res_t *res);

typedef struct sim_http sim_http_t;

/* Listens on host:port (port 0: any free port, see sim_http_port) and calls
 * handler for every request. NULL on failure, with the reason in err. */
sim_http_t *
sim_http_new(const char *host, int port, sim_handler_fn handler, void *ctx, char *err, size_t errsize);

/* NULL-safe; closes the listener. Deferred answers still pending are sent
 * at once (and their connections closed) first. */
void
sim_http_destroy(sim_http_t **http_p);

/* The port it listens on. */
int
sim_http_port(const sim_http_t *http);

/* What an upgrade hook did with a request. */
typedef enum {
    SIM_UPGRADE_PASS = 0,     /* not for the hook: the handler answers it */
    SIM_UPGRADE_TAKEN = 1,    /* upgraded: the hook owns the connection, nothing is sent here */
    SIM_UPGRADE_ANSWERED = 2, /* the hook filled res (e.g. 426): sent as the handler's would be */
} sim_upgrade_rc_t;

/* Asked about every request before the handler; returns a sim_upgrade_rc_t.
 * req->opaque is the h2o_req_t. */
typedef int (*sim_upgrade_fn)(void *ctx, const sim_req_t *req, sim_res_t *res);

/* Sets the upgrade hook (NULL: none). */
void
sim_http_set_upgrade(sim_http_t *http, sim_upgrade_fn fn, void *ctx);

/* Runs the event loop once, waiting up to max_wait_ms for events. */
void
sim_http_run_once(sim_http_t *http, int max_wait_ms);

/* The value of a request header (case-insensitive name), or NULL. */
const char *
sim_req_header(const sim_req_t *req, const char *name, size_t *len);

/* Writes the client's IP address as text into out (size >= 64); "" when
 * unknown. */
void
sim_req_peer(const sim_req_t *req, char *out, size_t size);

/* Adds a response header (name and value are copied, truncated to fit). */
void
sim_res_header(sim_res_t *res, const char *name, const char *value);

#endif
