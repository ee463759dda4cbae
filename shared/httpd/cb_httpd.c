/* cb_httpd.c - HTTP/1.1 server on h2o (evloop): requests in, plain answers out, the server's own errors */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cb_httpd_impl.h"
#include "cb_str.h"

typedef struct {
    h2o_handler_t super;
    cb_httpd_t *httpd;
} s_handler_t;

/* Rewrites the answers h2o makes itself before a request reaches the
 * handler (413 for a body past max_body, 400 for broken chunked encoding,
 * 417): they get the service's error body instead of h2o's text. */
typedef struct {
    h2o_filter_t super;
    cb_httpd_t *httpd;
} s_filter_t;

typedef struct {
    h2o_ostream_t super;
    h2o_iovec_t body;
} s_errstream_t;

cb_httpd_config_t
cb_httpd_config_default(void)
{
    return (cb_httpd_config_t){
        .host = "127.0.0.1",
        .port = 0,
        .max_body = 64 * 1024,
        .max_header_bytes = 16 * 1024,
        .request_timeout_ms = 10000,
        .keepalive_timeout_ms = 10000,
    };
}

uint64_t
cb_httpd_impl_now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t) tv.tv_sec * 1000 + (uint64_t) tv.tv_usec / 1000;
}

static const char *
s_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status >= 500 ? "Server Error" : status >= 400 ? "Error" : "OK";
    }
}

h2o_iovec_t
cb_httpd_impl_res_apply(h2o_req_t *req, const cb_httpd_res_t *res)
{
    req->res.status = res->status;
    req->res.reason = s_reason(res->status);
    bool has_type = false;
    for (size_t i = 0; i < res->header_count; i++) {
        has_type = has_type || strcasecmp(res->header_name[i], "content-type") == 0;
        h2o_iovec_t name = h2o_strdup(&req->pool, res->header_name[i], SIZE_MAX);
        h2o_iovec_t value = h2o_strdup(&req->pool, res->header_value[i], SIZE_MAX);
        h2o_add_header_by_str(&req->pool, &req->res.headers, name.base, name.len, 1, NULL,
                              value.base, value.len);
    }
    if (!has_type) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       H2O_STRLIT("application/json; charset=utf-8"));
    }
    if (res->close) {
        req->http1_is_persistent = 0;
    }
    req->res.content_length = res->body.len;
    return h2o_strdup(&req->pool, res->body.data != NULL ? res->body.data : "", res->body.len);
}

h2o_iovec_t
cb_httpd_impl_error_res(cb_httpd_t *httpd, h2o_req_t *req, int status, const char *detail)
{
    req->res.status = status;
    req->res.reason = s_reason(status);
    memset(&req->res.headers, 0, sizeof req->res.headers);
    if (httpd->cfg.error_body == NULL) {
        req->res.content_length = 0;
        return h2o_iovec_init(H2O_STRLIT(""));
    }
    cb_buf_t out;
    cb_buf_init(&out);
    httpd->cfg.error_body(httpd->ctx, status, detail, &out);
    h2o_iovec_t body = h2o_strdup(&req->pool, out.data != NULL ? out.data : "", out.len);
    cb_buf_fini(&out);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json; charset=utf-8"));
    req->res.content_length = body.len;
    return body;
}

/* Answers an error of the server's own and ends the connection after it. */
static void
s_send_error(cb_httpd_t *httpd, h2o_req_t *req, int status, const char *detail)
{
    h2o_iovec_t body = cb_httpd_impl_error_res(httpd, req, status, detail);
    req->http1_is_persistent = 0;
    h2o_send_inline(req, body.base, body.len);
}

static size_t
s_header_bytes(const h2o_req_t *req)
{
    size_t n = 0;
    for (size_t i = 0; i < req->headers.size; i++) {
        n += req->headers.entries[i].name->len + req->headers.entries[i].value.len;
    }
    return n;
}

/* Aborts req's connection with a TCP RST and no answer: SO_LINGER 0 makes
 * the disconnect abortive, and connect(AF_UNSPEC) disconnects the socket at
 * once (Linux), sending the RST while h2o still holds the descriptor. The
 * empty answer that follows fails to write, so h2o closes the connection
 * and disposes of the request by its usual path. */
static void
s_reset(h2o_req_t *req)
{
    const h2o_conn_callbacks_t *cb = req->conn->callbacks;
    h2o_socket_t *sock = cb->get_socket != NULL ? cb->get_socket(req->conn) : NULL;
    if (sock != NULL) {
        int fd = h2o_socket_get_fd(sock);
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        struct sockaddr sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_family = AF_UNSPEC;
        (void) setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        (void) connect(fd, &sa, sizeof sa);
    }
    req->http1_is_persistent = 0;
    req->res.status = 500;
    h2o_send_inline(req, "", 0);
}

static int
s_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    cb_httpd_t *httpd = ((s_handler_t *) self)->httpd;
    size_t path_len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    cb_httpd_req_t r = {
        .method = req->method.base,
        .method_len = req->method.len,
        .path = req->path.base,
        .path_len = path_len,
        .query = req->query_at != SIZE_MAX ? req->path.base + req->query_at + 1 : "",
        .query_len = req->query_at != SIZE_MAX ? req->path.len - req->query_at - 1 : 0,
        .body = req->entity.base != NULL ? req->entity.base : "",
        .body_len = req->entity.base != NULL ? req->entity.len : 0,
        .header_bytes = s_header_bytes(req),
        .opaque = req,
    };
    if (r.header_bytes > httpd->cfg.max_header_bytes) {
        s_send_error(httpd, req, 431, "request headers too large");
        return 0;
    }
    if (r.body_len > httpd->cfg.max_body) {
        s_send_error(httpd, req, 413, "request body too large");
        return 0;
    }
    if (cb_httpd_impl_framing_conflict(req)) {
        /* Closed after the answer: what follows may be a smuggled request. */
        s_send_error(httpd, req, 400, "conflicting Content-Length and Transfer-Encoding");
        return 0;
    }
    cb_httpd_res_t res;
    memset(&res, 0, sizeof res);
    res.status = 200;
    cb_buf_init(&res.body);
    int up = httpd->upgrade != NULL ? httpd->upgrade(httpd->upgrade_ctx, &r, &res)
                                    : CB_HTTPD_UPGRADE_PASS;
    if (up == CB_HTTPD_UPGRADE_PASS) {
        httpd->handler(httpd->ctx, &r, &res);
    }
    if (up == CB_HTTPD_UPGRADE_TAKEN || res.deferred) {
        /* The connection is the hook's now, or the answer comes by token. */
        cb_buf_fini(&res.body);
        return 0;
    }
    if (res.reset) {
        cb_buf_fini(&res.body);
        s_reset(req);
        return 0;
    }
    h2o_iovec_t body = cb_httpd_impl_res_apply(req, &res);
    cb_buf_fini(&res.body);
    if (res.delay_ms > 0 || res.never_answer) {
        cb_httpd_impl_defer_fault(httpd, req, body, &res);
        return 0;
    }
    h2o_send_inline(req, body.base, body.len);
    return 0;
}

/* ---- h2o's own error answers ------------------------------------------------ */

static void
s_errstream_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t count,
                 h2o_send_state_t state)
{
    (void) bufs;
    s_errstream_t *e = (s_errstream_t *) self;
    h2o_iovec_t body = e->body;
    e->body = h2o_iovec_init(NULL, 0);
    /* h2o's body goes; ours takes its place (none for HEAD, as h2o's). */
    h2o_ostream_send_next(self, req, &body, count != 0 && body.len != 0 ? 1 : 0, state);
}

static void
s_on_setup_errstream(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    cb_httpd_t *httpd = ((s_filter_t *) self)->httpd;
    if (req->res.status >= 400) {
        h2o_iovec_t body = cb_httpd_impl_error_res(httpd, req, req->res.status,
                                                   req->res.status == 413 ? "request body too large"
                                                                          : "bad request");
        s_errstream_t *e = (s_errstream_t *) h2o_add_ostream(req, sizeof *e, slot);
        e->super.do_send = s_errstream_send;
        e->body = body;
        slot = &e->super.next;
    }
    h2o_setup_next_ostream(req, slot);
}

/* ---- the server --------------------------------------------------------------- */

/* Every accepted socket is known until h2o closes it, so that
 * cb_httpd_destroy can end the connections still open (h2o 2.2 asserts
 * that none is left when its context goes), and so that an upgraded one
 * can linger when it closes. */
typedef struct {
    h2o_linklist_t link; /* in httpd->conns */
    h2o_socket_t *sock;
    cb_httpd_t *httpd;
    uint64_t linger_until_ms; /* 0: not lingering */
} s_conn_t;

/* How long a closed WebSocket connection reads what its peer still sends. */
#define S_LINGER_MS 1000

static void
s_on_sock_close(void *data)
{
    s_conn_t *c = data;
    h2o_linklist_unlink(&c->link);
    free(c);
}

static void
s_on_accept(h2o_socket_t *listener, const char *err)
{
    if (err != NULL) {
        return;
    }
    cb_httpd_t *httpd = listener->data;
    h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
    if (sock == NULL) {
        return;
    }
    s_conn_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        h2o_socket_close(sock);
        return;
    }
    c->sock = sock;
    c->httpd = httpd;
    h2o_linklist_insert(&httpd->conns, &c->link);
    sock->on_close.cb = s_on_sock_close;
    sock->on_close.data = c;
    h2o_accept(&httpd->accept, sock);
}

/* ---- lingering close ----------------------------------------------------------
 *
 * Closing a socket whose peer is still sending (a client over its message
 * rate, or in the middle of a message too big) makes the kernel answer
 * with a reset, and a reset can make the peer drop what it has not read
 * yet: the close frame just written with the reason. So a closed
 * WebSocket connection first only stops sending (FIN after the close
 * frame), reads and drops what still comes until its peer closes too, and
 * is closed for good after S_LINGER_MS at the latest. */

static void
s_on_linger_read(h2o_socket_t *sock, const char *err)
{
    if (err != NULL) {
        h2o_socket_close(sock); /* the peer has closed too */
        return;
    }
    h2o_buffer_consume(&sock->input, sock->input->size);
}

static void
s_on_linger_timer(void *ctx)
{
    cb_httpd_t *httpd = ctx;
    uint64_t now = cb_httpd_impl_now_ms();
    uint64_t next = 0;
    httpd->lingering = false;
    for (h2o_linklist_t *n = httpd->conns.next, *after; n != &httpd->conns; n = after) {
        after = n->next; /* closing unlinks n (s_on_sock_close) */
        s_conn_t *c = H2O_STRUCT_FROM_MEMBER(s_conn_t, link, n);
        if (c->linger_until_ms != 0 && c->linger_until_ms <= now) {
            h2o_socket_close(c->sock);
        } else if (c->linger_until_ms != 0 && (next == 0 || c->linger_until_ms < next)) {
            next = c->linger_until_ms;
        }
    }
    if (next != 0) {
        httpd->lingering = true;
        cb_httpd_timer_restart(httpd->linger_timer, (int64_t) (next - now));
    }
}

void
cb_httpd_impl_close_lingering(h2o_socket_t *sock)
{
    if (sock->on_close.cb != s_on_sock_close) {
        h2o_socket_close(sock);
        return;
    }
    s_conn_t *c = sock->on_close.data;
    if (c->linger_until_ms != 0) {
        return;
    }
    shutdown(h2o_socket_get_fd(sock), SHUT_WR);
    c->linger_until_ms = cb_httpd_impl_now_ms() + S_LINGER_MS;
    sock->data = c;
    h2o_socket_read_start(sock, s_on_linger_read);
    if (!c->httpd->lingering) {
        c->httpd->lingering = true;
        cb_httpd_timer_restart(c->httpd->linger_timer, S_LINGER_MS);
    }
    /* Later ones end later: the timer is armed for the earliest. */
}

/* Shuts every connection's socket down and turns the loop until h2o has
 * closed them (sockets of upgraded connections their owners have not
 * freed stay). */
static void
s_end_conns(cb_httpd_t *httpd)
{
    for (h2o_linklist_t *n = httpd->conns.next; n != &httpd->conns; n = n->next) {
        shutdown(h2o_socket_get_fd(H2O_STRUCT_FROM_MEMBER(s_conn_t, link, n)->sock), SHUT_RDWR);
    }
    for (int i = 0; i < 100 && !h2o_linklist_is_empty(&httpd->conns); i++) {
        h2o_evloop_run(httpd->loop, 10);
    }
}

static int
s_listen(cb_httpd_t *httpd, char *err, size_t errsize)
{
    const char *host = httpd->cfg.host != NULL ? httpd->cfg.host : "127.0.0.1";
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t) httpd->cfg.port);
    if (fd < 0 || inet_pton(AF_INET, host, &addr.sin_addr) != 1 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(fd, SOMAXCONN) != 0) {
        snprintf(err, errsize, "cannot listen on %s:%d: %s", host, httpd->cfg.port, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    socklen_t alen = sizeof addr;
    getsockname(fd, (struct sockaddr *) &addr, &alen);
    httpd->port = ntohs(addr.sin_port);
    httpd->listener = h2o_evloop_socket_create(httpd->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    httpd->listener->data = httpd;
    h2o_socket_read_start(httpd->listener, s_on_accept);
    return 0;
}

cb_httpd_t *
cb_httpd_new(const cb_httpd_config_t *config, cb_httpd_handler_fn handler, void *ctx, char *err,
             size_t errsize)
{
    cb_httpd_t *httpd = calloc(1, sizeof *httpd);
    if (httpd == NULL) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    httpd->cfg = *config;
    httpd->handler = handler;
    httpd->ctx = ctx;
    httpd->wake_fd = -1;
    h2o_linklist_init_anchor(&httpd->conns);
    h2o_config_init(&httpd->config);
    httpd->config.max_request_entity_size = config->max_body;
    /* HTTP/1.1 only: the answers, WebSocket upgrades and limits here are
     * HTTP/1's, and h2o would otherwise switch a client offering h2c (or
     * sending HTTP/2's preface) to a protocol those answers break. */
    httpd->config.http1.upgrade_to_http2 = 0;
    /* h2o 2.2 has one timer for a connection's wait for its next request:
     * armed when the connection is accepted or has sent an answer (the
     * keep-alive wait) and never re-armed by bytes arriving, so a client
     * that dribbles its request is cut. Both limits share it: the
     * shorter one applies. */
    int timeout_ms = config->request_timeout_ms;
    if (config->keepalive_timeout_ms > 0 && config->keepalive_timeout_ms < timeout_ms) {
        timeout_ms = config->keepalive_timeout_ms;
    }
    httpd->config.http1.req_timeout = (uint64_t) (timeout_ms > 0 ? timeout_ms : 10000);
    h2o_hostconf_t *hostconf =
        h2o_config_register_host(&httpd->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/", 0);
    s_handler_t *h = (s_handler_t *) h2o_create_handler(pathconf, sizeof *h);
    h->super.on_req = s_on_req;
    h->httpd = httpd;
    /* h2o's own errors are answered on the host's fallback path. */
    s_filter_t *f = (s_filter_t *) h2o_create_filter(&hostconf->fallback_path, sizeof *f);
    f->super.on_setup_ostream = s_on_setup_errstream;
    f->httpd = httpd;
    httpd->loop = h2o_evloop_create();
    h2o_context_init(&httpd->context, httpd->loop, &httpd->config);
    cb_httpd_impl_timers_init(&httpd->timers, httpd->loop);
    httpd->accept.ctx = &httpd->context;
    httpd->accept.hosts = httpd->config.hosts;
    /* Re-armed on demand; a firing with nothing due is harmless. */
    httpd->linger_timer = cb_httpd_timer_new(httpd, INT32_MAX, 0, s_on_linger_timer, httpd);
    if (httpd->linger_timer == NULL || cb_httpd_impl_defer_init(httpd) != 0) {
        snprintf(err, errsize, "out of memory");
        cb_httpd_destroy(&httpd);
        return NULL;
    }
    if (s_listen(httpd, err, errsize) != 0) {
        cb_httpd_destroy(&httpd);
        return NULL;
    }
    return httpd;
}

void
cb_httpd_destroy(cb_httpd_t **httpd_p)
{
    if (httpd_p == NULL || *httpd_p == NULL) {
        return;
    }
    cb_httpd_t *httpd = *httpd_p;
    if (httpd->loop != NULL) {
        cb_httpd_impl_defer_fini(httpd);
    }
    if (httpd->listener != NULL) {
        h2o_socket_read_stop(httpd->listener);
        h2o_socket_close(httpd->listener);
    }
    if (httpd->loop != NULL) {
        h2o_evloop_run(httpd->loop, 0); /* let the listener's close finish */
        s_end_conns(httpd);
        cb_httpd_timer_destroy(&httpd->linger_timer);
        cb_httpd_impl_wake_fini(httpd);
        cb_httpd_impl_timers_fini(&httpd->timers);
        /* h2o 2.2.5 keeps the context's queue and its recycled socket buffers
         * (destroying the queue here crashes inside h2o): tests/lsan.supp. */
        h2o_context_dispose(&httpd->context);
        h2o_evloop_run(httpd->loop, 0);
        h2o_evloop_destroy(httpd->loop);
    }
    h2o_config_dispose(&httpd->config);
    free(httpd);
    *httpd_p = NULL;
}

int
cb_httpd_port(const cb_httpd_t *httpd)
{
    return httpd->port;
}

void
cb_httpd_run_once(cb_httpd_t *httpd, int max_wait_ms)
{
    h2o_evloop_run(httpd->loop, max_wait_ms);
}

void *
cb_httpd_loop(cb_httpd_t *httpd)
{
    return httpd->loop;
}

void
cb_httpd_set_upgrade(cb_httpd_t *httpd, cb_httpd_upgrade_fn fn, void *ctx)
{
    httpd->upgrade = fn;
    httpd->upgrade_ctx = ctx;
}

const char *
cb_httpd_req_header(const cb_httpd_req_t *req, const char *name, size_t *len)
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
cb_httpd_req_peer(const cb_httpd_req_t *req, char *out, size_t size)
{
    const h2o_req_t *h = req->opaque;
    struct sockaddr_storage ss;
    out[0] = '\0';
    if (h->conn == NULL || h->conn->callbacks->get_peername == NULL ||
        h->conn->callbacks->get_peername(h->conn, (struct sockaddr *) &ss) == 0) {
        return;
    }
    if (ss.ss_family == AF_INET && size >= 16) {
        cb_str_ipv4((const uint8_t *) &((struct sockaddr_in *) &ss)->sin_addr, out);
    } else if (ss.ss_family == AF_INET) {
        inet_ntop(AF_INET, &((struct sockaddr_in *) &ss)->sin_addr, out, (socklen_t) size);
    } else if (ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *) &ss)->sin6_addr, out, (socklen_t) size);
    }
}

void
cb_httpd_res_header(cb_httpd_res_t *res, const char *name, const char *value)
{
    if (res->header_count < CB_HTTPD_RES_HEADERS_MAX) {
        cb_str_copy(res->header_name[res->header_count], sizeof res->header_name[0], name);
        cb_str_copy(res->header_value[res->header_count], sizeof res->header_value[0], value);
        res->header_count++;
    }
}
