/* sim_http.c - venue-sim's HTTP server on h2o (evloop): one handler callback per request, plain values in and out */
#define H2O_USE_LIBUV 0
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <strings.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <h2o.h>

#include "sim_http.h"

typedef struct {
    h2o_handler_t super;
    struct sim_http *http;
} s_handler_t;

struct sim_http {
    h2o_globalconf_t config;
    h2o_context_t context;
    h2o_accept_ctx_t accept;
    h2o_evloop_t *loop;
    h2o_socket_t *listener;
    sim_upgrade_fn upgrade; /* WebSocket upgrades, asked before the handler */
    void *upgrade_ctx;
    int port;
    sim_handler_fn handler;
    void *ctx;
    /* Deferred answers (see the section below). */
    h2o_timeout_t defer_timeout;
    h2o_timeout_entry_t defer_entry;
    h2o_linklist_t deferred;
    bool closing; /* sim_http_destroy has begun: answer at once */
};

static void
s_defer(sim_http_t *http, h2o_req_t *req, h2o_iovec_t body, const sim_res_t *res);
static void
s_defer_init(sim_http_t *http);
static void
s_defer_fini(sim_http_t *http);

static int
s_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    sim_http_t *http = ((s_handler_t *) self)->http;
    size_t path_len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    sim_req_t r = {
        req->method.base, req->method.len, req->path.base, path_len,
        req->query_at != SIZE_MAX ? req->path.base + req->query_at + 1 : "",
        req->query_at != SIZE_MAX ? req->path.len - req->query_at - 1 : 0,
        req->entity.base != NULL ? req->entity.base : "", req->entity.base != NULL ? req->entity.len : 0,
        req,
    };
    sim_res_t res;
    memset(&res, 0, sizeof res);
    res.status = 200;
    cb_buf_init(&res.body);
    int up = http->upgrade != NULL ? http->upgrade(http->upgrade_ctx, &r, &res) : SIM_UPGRADE_PASS;
    if (up == SIM_UPGRADE_TAKEN) {
        cb_buf_fini(&res.body); /* the connection is the hook's now */
        return 0;
    }
    if (up == SIM_UPGRADE_PASS) {
        http->handler(http->ctx, &r, &res);
    }
    req->res.status = res.status;
    req->res.reason = res.status == 200 ? "OK" : res.status == 404 ? "Not Found" : res.status == 400 ? "Bad Request"
                      : res.status == 401 ? "Unauthorized" : res.status == 429 ? "Too Many Requests"
                      : res.status == 418 ? "I'm a teapot" : res.status == 426 ? "Upgrade Required"
                      : res.status >= 500 ? "Server Error" : "Error";
    bool has_type = false;
    for (size_t i = 0; i < res.header_count; i++) {
        has_type = has_type || strcasecmp(res.header_name[i], "content-type") == 0;
        h2o_add_header_by_str(&req->pool, &req->res.headers,
                              h2o_strdup(&req->pool, res.header_name[i], SIZE_MAX).base,
                              strlen(res.header_name[i]), 1, NULL,
                              h2o_strdup(&req->pool, res.header_value[i], SIZE_MAX).base,
                              strlen(res.header_value[i]));
    }
    if (!has_type) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       H2O_STRLIT("application/json; charset=utf-8"));
    }
    h2o_iovec_t body = h2o_strdup(&req->pool, res.body.data != NULL ? res.body.data : "", res.body.len);
    cb_buf_fini(&res.body);
    if (res.delay_ms > 0 || res.never_answer) {
        s_defer(http, req, body, &res);
        return 0;
    }
    h2o_send_inline(req, body.base, body.len);
    return 0;
}

static void
s_on_accept(h2o_socket_t *listener, const char *err)
{
    if (err != NULL) {
        return;
    }
    sim_http_t *http = listener->data;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock != NULL) {
        h2o_accept(&http->accept, sock);
    }
}

sim_http_t *
sim_http_new(const char *host, int port, sim_handler_fn handler, void *ctx, char *err, size_t errsize)
{
    sim_http_t *http = calloc(1, sizeof *http);
    if (http == NULL) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    http->handler = handler;
    http->ctx = ctx;
    h2o_config_init(&http->config);
    h2o_hostconf_t *hostconf = h2o_config_register_host(&http->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/", 0);
    s_handler_t *h = (s_handler_t *) h2o_create_handler(pathconf, sizeof *h);
    h->super.on_req = s_on_req;
    h->http = http;
    http->loop = h2o_evloop_create();
    h2o_context_init(&http->context, http->loop, &http->config);
    s_defer_init(http);
    http->accept.ctx = &http->context;
    http->accept.hosts = http->config.hosts;

    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t) port);
    if (fd < 0 || inet_pton(AF_INET, host, &addr.sin_addr) != 1 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(fd, SOMAXCONN) != 0) {
        snprintf(err, errsize, "cannot listen on %s:%d: %s", host, port, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        sim_http_destroy(&http);
        return NULL;
    }
    socklen_t alen = sizeof addr;
    getsockname(fd, (struct sockaddr *) &addr, &alen);
    http->port = ntohs(addr.sin_port);
    http->listener = h2o_evloop_socket_create(http->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    http->listener->data = http;
    h2o_socket_read_start(http->listener, s_on_accept);
    return http;
}

void
sim_http_destroy(sim_http_t **http_p)
{
    if (http_p == NULL || *http_p == NULL) {
        return;
    }
    sim_http_t *http = *http_p;
    if (http->loop != NULL) {
        s_defer_fini(http);
    }
    if (http->listener != NULL) {
        h2o_socket_read_stop(http->listener);
        h2o_socket_close(http->listener);
    }
    if (http->loop != NULL) {
        h2o_evloop_run(http->loop, 0); /* let the listener's close finish */
        /* h2o 2.2.5 keeps the context's queue and its recycled socket buffers
         * (destroying the queue here crashes inside h2o): tests/lsan.supp. */
        h2o_context_dispose(&http->context);
        h2o_evloop_run(http->loop, 0);
        h2o_evloop_destroy(http->loop);
    }
    h2o_config_dispose(&http->config);
    free(http);
    *http_p = NULL;
}

int
sim_http_port(const sim_http_t *http)
{
    return http->port;
}

void
sim_http_set_upgrade(sim_http_t *http, sim_upgrade_fn fn, void *ctx)
{
    http->upgrade = fn;
    http->upgrade_ctx = ctx;
}

void
sim_http_run_once(sim_http_t *http, int max_wait_ms)
{
    h2o_evloop_run(http->loop, max_wait_ms);
}

const char *
sim_req_header(const sim_req_t *req, const char *name, size_t *len)
{
    const h2o_req_t *h = req->opaque;
    ssize_t i = h2o_find_header_by_str(&h->headers, name, strlen(name), -1);
    if (i < 0) {
        return NULL;
    }
    *len = h->headers.entries[i].value.len;
    return h->headers.entries[i].value.base;
}

void
sim_req_peer(const sim_req_t *req, char *out, size_t size)
{
    const h2o_req_t *h = req->opaque;
    struct sockaddr_storage ss;
    out[0] = '\0';
    if (h->conn == NULL || h->conn->callbacks->get_peername == NULL ||
        h->conn->callbacks->get_peername(h->conn, (struct sockaddr *) &ss) == 0) {
        return;
    }
    if (ss.ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *) &ss)->sin_addr, out, (socklen_t) size);
    } else if (ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *) &ss)->sin6_addr, out, (socklen_t) size);
    }
}

void
sim_res_header(sim_res_t *res, const char *name, const char *value)
{
    if (res->header_count < SIM_RES_HEADERS_MAX) {
        snprintf(res->header_name[res->header_count], sizeof res->header_name[0], "%s", name);
        snprintf(res->header_value[res->header_count], sizeof res->header_value[0], "%s", value);
        res->header_count++;
    }
}

/* ---- deferred answers (fault injection) ------------------------------------
 *
 * A deferred answer is fully built at once (status, headers, body in the
 * request's pool) and sent later from a timer: at its due time when delayed,
 * never when it is to go unanswered. An unanswered request is checked every
 * S_WATCH_MS: h2o stops reading a connection while its request is being
 * handled, so it would not notice the client leaving; once the client has
 * gone, the answer is sent with "connection: close" so that h2o closes the
 * connection and disposes of the request.
 *
 * The pending answers are kept sorted by due time, with one timer entry
 * armed for the earliest. h2o 2.2's h2o_timeout_t fires its entries after a
 * fixed period, in the order they were linked; this one has period 0 and
 * holds at most that one entry, whose registered_at is set to the due time
 * (so it fires at that time, never earlier, even when re-armed from its own
 * callback). */

#define S_WATCH_MS 100

/* The wall clock in ms, as h2o's loop reads it but fresh: the loop's own
 * h2o_now is from the start of its turn and may be behind. */
static uint64_t
s_now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t) tv.tv_sec * 1000 + (uint64_t) tv.tv_usec / 1000;
}

typedef struct {
    h2o_linklist_t link; /* in http->deferred, by due_ms; unlinked once sent */
    sim_http_t *http;
    h2o_req_t *req;
    h2o_iovec_t body;
    uint64_t due_ms;
    bool never;
} s_deferred_t;

static void
s_defer_arm(sim_http_t *http)
{
    h2o_timeout_unlink(&http->defer_entry);
    if (http->closing || h2o_linklist_is_empty(&http->deferred)) {
        return;
    }
    s_deferred_t *first = H2O_STRUCT_FROM_MEMBER(s_deferred_t, link, http->deferred.next);
    h2o_timeout_link(http->loop, &http->defer_timeout, &http->defer_entry);
    http->defer_entry.registered_at = first->due_ms;
}

static void
s_defer_insert(sim_http_t *http, s_deferred_t *d)
{
    h2o_linklist_t *after = http->deferred.prev;
    while (after != &http->deferred &&
           H2O_STRUCT_FROM_MEMBER(s_deferred_t, link, after)->due_ms > d->due_ms) {
        after = after->prev;
    }
    h2o_linklist_insert(after->next, &d->link);
}

/* Called by h2o when the request's pool goes, however the request ended. */
static void
s_defer_on_dispose(void *p)
{
    s_deferred_t *d = p;
    if (h2o_linklist_is_linked(&d->link)) {
        h2o_linklist_unlink(&d->link);
        s_defer_arm(d->http);
    }
}

static bool
s_defer_client_gone(h2o_req_t *req)
{
    const h2o_conn_callbacks_t *cb = req->conn->callbacks;
    h2o_socket_t *sock = cb->get_socket != NULL ? cb->get_socket(req->conn) : NULL;
    if (sock == NULL) {
        return false;
    }
    struct pollfd p = {.fd = h2o_socket_get_fd(sock), .events = POLLRDHUP};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/* Sends d's answer; close ends the connection after it. An answer that was
 * never to be sent (its client has gone, or the server is closing) goes as
 * an empty 503. */
static void
s_defer_send(s_deferred_t *d, bool close)
{
    if (close) {
        d->req->http1_is_persistent = 0;
    }
    if (d->never) {
        d->req->res.status = 503;
        d->req->res.reason = "Service Unavailable";
        d->body = h2o_iovec_init(H2O_STRLIT(""));
    }
    h2o_send_inline(d->req, d->body.base, d->body.len);
}

static void
s_defer_on_timer(h2o_timeout_entry_t *entry)
{
    sim_http_t *http = H2O_STRUCT_FROM_MEMBER(sim_http_t, defer_entry, entry);
    uint64_t now = s_now_ms();
    while (!h2o_linklist_is_empty(&http->deferred)) {
        s_deferred_t *d = H2O_STRUCT_FROM_MEMBER(s_deferred_t, link, http->deferred.next);
        if (d->due_ms > now) {
            break;
        }
        h2o_linklist_unlink(&d->link);
        if (d->never && !s_defer_client_gone(d->req)) {
            d->due_ms = now + S_WATCH_MS;
            s_defer_insert(http, d);
            continue;
        }
        s_defer_send(d, d->never);
    }
    s_defer_arm(http);
}

static void
s_defer(sim_http_t *http, h2o_req_t *req, h2o_iovec_t body, const sim_res_t *res)
{
    if (http->closing) {
        req->http1_is_persistent = 0;
        h2o_send_inline(req, body.base, body.len);
        return;
    }
    s_deferred_t *d = h2o_mem_alloc_shared(&req->pool, sizeof *d, s_defer_on_dispose);
    memset(d, 0, sizeof *d);
    d->http = http;
    d->req = req;
    d->body = body;
    d->never = res->never_answer;
    /* +1: the millisecond has already begun, and the delay is a minimum. */
    d->due_ms = s_now_ms() + 1 + (d->never ? S_WATCH_MS : (uint64_t) res->delay_ms);
    s_defer_insert(http, d);
    s_defer_arm(http);
}

static void
s_defer_init(sim_http_t *http)
{
    h2o_linklist_init_anchor(&http->deferred);
    h2o_timeout_init(http->loop, &http->defer_timeout, 0);
    http->defer_entry.cb = s_defer_on_timer;
}

/* Sends every pending answer at once, closing its connection; answers of
 * requests that still arrive are sent at once from now on. */
static void
s_defer_fini(sim_http_t *http)
{
    http->closing = true;
    h2o_timeout_unlink(&http->defer_entry);
    while (!h2o_linklist_is_empty(&http->deferred)) {
        s_deferred_t *d = H2O_STRUCT_FROM_MEMBER(s_deferred_t, link, http->deferred.next);
        h2o_linklist_unlink(&d->link);
        s_defer_send(d, true);
    }
    h2o_evloop_run(http->loop, 0); /* let the answers go and their connections close */
    h2o_timeout_dispose(http->loop, &http->defer_timeout);
}
