/* sim_http.c - venue-sim's HTTP server on h2o (evloop): one handler callback per request, plain values in and out */
#define H2O_USE_LIBUV 0
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <strings.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
};

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
