/* cb_http.h - async HTTP client on one libcurl multi handle: keep-alive, TLS, bounded answers */
#ifndef CB_HTTP_H_INCLUDED
#define CB_HTTP_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"

/* One cb_http_t is one libcurl multi handle: its connection cache keeps
 * connections to a host alive between requests, so a venue adapter should
 * use one client for all its requests. TLS peer and host verification are
 * always on (system CA store, or ca_file); redirects are not followed.
 * Single-threaded: every call on a client, and every callback it fires,
 * happens on the thread that calls cb_http_poll. */
typedef struct cb_http cb_http_t;

/* Client settings; zero fields take the defaults in brackets. */
typedef struct {
    int connect_timeout_ms; /* [5000] TCP + TLS handshake */
    int timeout_ms;         /* [10000] whole request, when the request sets none */
    size_t max_body;        /* [16 MiB] larger answers end with CB_HTTP_TOO_BIG */
    long max_connections;   /* [16] idle connections kept in the cache */
    const char *user_agent; /* ["coinbus/" CB_VERSION] copied */
    const char *ca_file;    /* [NULL: the system store] copied */
} cb_http_opts_t;

typedef enum {
    CB_HTTP_GET = 0,
    CB_HTTP_POST,
    CB_HTTP_PUT,
    CB_HTTP_DELETE,
} cb_http_method_t;

/* One request. Everything is copied by cb_http_start: the caller may free
 * or reuse it when cb_http_start returns. */
typedef struct {
    cb_http_method_t method;
    const char *url;            /* full URL, http:// or https:// */
    const char *const *headers; /* "Name: value" lines, header_count of them (may be NULL) */
    size_t header_count;
    const void *body; /* may be NULL (no body) */
    size_t body_len;
    int timeout_ms; /* 0: the client's default */
} cb_http_req_t;

/* How a request ended. Only CB_HTTP_OK carries an HTTP status: every HTTP
 * answer, 4xx and 5xx included, is CB_HTTP_OK at this layer. */
typedef enum {
    CB_HTTP_OK = 0,         /* an answer arrived (see status) */
    CB_HTTP_TIMEOUT,        /* the request's or the connect timeout passed */
    CB_HTTP_CONNECT_FAILED, /* name resolution, TCP connect or TLS handshake failed */
    CB_HTTP_TOO_BIG,        /* the answer passed max_body (announced or received) */
    CB_HTTP_TRANSPORT,      /* another transport error (reset, bad answer, ...): see error */
    CB_HTTP_CANCELLED,      /* the client was destroyed first */
} cb_http_outcome_t;

/* Whether the request can have reached the server. An order request that
 * ended in CB_HTTP_MAYBE_SENT without an answer has an unknown outcome and
 * must be reconciled; CB_HTTP_NOT_SENT is safe to retry. */
typedef enum {
    CB_HTTP_NOT_SENT = 0,   /* no byte of the request was written (e.g. connect failed) */
    CB_HTTP_MAYBE_SENT = 1, /* written in part or whole; the server may have acted on it */
} cb_http_sent_t;

/* What a callback sees. Pointers are valid during the callback only
 * (cb_http_result_t keeps copies). */
typedef struct {
    cb_http_outcome_t outcome;
    cb_http_sent_t sent;
    long status;      /* HTTP status, or 0 when no answer arrived */
    const char *body; /* the answer's body, NUL-terminated (not counted), never NULL */
    size_t body_len;
    const char *headers;  /* the answer's header lines, each "Name: value" + NUL */
    size_t headers_len;   /* bytes in headers, NULs included */
    const char *error;    /* libcurl's text when outcome != OK, else ""; never NULL */
    int64_t elapsed_ms;   /* from cb_http_start to the end */
    long new_connections; /* connections this request had to open (0: one was reused) */
} cb_http_resp_t;

/* Called once per started request, from cb_http_poll (or cb_http_do, or
 * cb_http_destroy with CB_HTTP_CANCELLED). It may start new requests on
 * the same client (except during cb_http_destroy); it must not destroy the
 * client or call cb_http_do. */
typedef void (*cb_http_done_fn)(const cb_http_resp_t *resp, void *ctx);

/* A new client with opts (NULL: all defaults). Calls curl_global_init
 * (reference counted by libcurl). NULL on failure (logged). */
cb_http_t *
cb_http_new(const cb_http_opts_t *opts);

/* Cancels every pending request: each callback runs once with
 * CB_HTTP_CANCELLED (sent tells whether its request may have reached the
 * server), then frees everything. NULL-safe; nulls *http_p. */
void
cb_http_destroy(cb_http_t **http_p);

/* Starts req; done(resp, ctx) runs later from cb_http_poll. Returns 0, or
 * CB_E_BAD_REQUEST (no URL, unknown method), CB_E_NOMEM, CB_E_CLOSED (the
 * client is being destroyed) or CB_E_INTERNAL (libcurl refused): then
 * done never runs. */
int
cb_http_start(cb_http_t *http, const cb_http_req_t *req, cb_http_done_fn done, void *ctx);

/* Drives the transfers: waits up to timeout_ms (>= 0) for network activity,
 * moves every transfer on and runs the callbacks of those that ended.
 * Returns the number of callbacks run (>= 0) or CB_E_INTERNAL (libcurl
 * failed, logged). Waits the whole timeout when nothing is pending. */
int
cb_http_poll(cb_http_t *http, int timeout_ms);

/* Requests started and not yet called back. */
size_t
cb_http_pending(const cb_http_t *http);

/* A finished request with its own copies, from cb_http_do. resp points into
 * the buffers below; cb_http_result_fini frees them. */
typedef struct {
    cb_http_resp_t resp;
    cb_buf_t body;
    cb_buf_t headers;
    char error[256];
} cb_http_result_t;

/* Runs req to its end on the same multi handle (other requests go on, and
 * their callbacks may run meanwhile) and fills *out; the caller calls
 * cb_http_result_fini(out) whenever this returns 0. Returns 0 (any outcome:
 * see out->resp.outcome) or the errors of cb_http_start. Not from a
 * callback. */
int
cb_http_do(cb_http_t *http, const cb_http_req_t *req, cb_http_result_t *out);

/* As cb_http_do, but req is sent at most once: libcurl silently sends a
 * request again on a fresh connection when the reused one died before any
 * answer (a reset), which a request that changes state must never be (the
 * server may have acted on the first). A request with a body still uses a
 * pooled connection: its body is handed to libcurl through a read callback
 * that refuses the rewind a replay needs, so such a reset ends as a
 * CB_HTTP_TRANSPORT, CB_HTTP_MAYBE_SENT failure instead. One without a body
 * goes on a new connection (which then joins the pool). */
int
cb_http_do_once(cb_http_t *http, const cb_http_req_t *req, cb_http_result_t *out);

/* Frees a result's buffers; safe to call twice. */
void
cb_http_result_fini(cb_http_result_t *result);

/* The value of the first answer header called name (ASCII case-insensitive),
 * NUL-terminated, without surrounding blanks; NULL when absent. */
const char *
cb_http_resp_header(const cb_http_resp_t *resp, const char *name);

/* Iterates over the answer's headers: start with *pos = 0; each call that
 * returns true gives one header's name (name_len bytes, not NUL-terminated)
 * and value (NUL-terminated), e.g. to read every X-MBX-USED-WEIGHT-*. */
bool
cb_http_resp_header_next(const cb_http_resp_t *resp, size_t *pos, const char **name,
                         size_t *name_len, const char **value);

/* "ok", "timeout", "connect_failed", "too_big", "transport", "cancelled". */
const char *
cb_http_outcome_name(cb_http_outcome_t outcome);

#endif
