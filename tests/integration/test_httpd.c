/* test_httpd.c - cb_httpd over real loopback sockets: deferred answers, limits, timeouts, pipelining, fd watches (pipe, ZeroMQ), timers and sub-millisecond waits */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "cb_buf.h"
#include "cb_error.h"
#include "cb_httpd.h"
#include "cb_time.h"

/* One server per test, driven from the test's own thread: the client side
 * is raw non-blocking sockets, read between loop turns. */
typedef struct {
    cb_httpd_t *httpd;
    int handled;             /* handler calls */
    uint64_t token;          /* the last deferred request's */
    cb_httpd_timer_t *timer; /* answers the deferred request */
} s_server_t;

static s_server_t s_srv;

static void
s_error_body(void *ctx, int status, const char *detail, cb_buf_t *out)
{
    (void) ctx;
    cb_buf_appendf(out, "{\"error\":\"%s\",\"status\":%d}", detail, status);
}

/* cb_httpd_answer with status and body (and close). */
static int
s_answer(uint64_t token, int status, const char *body, bool close)
{
    cb_httpd_res_t res = {.status = status, .close = close};
    cb_buf_init(&res.body);
    cb_buf_append_str(&res.body, body);
    cb_httpd_res_header(&res, "X-Answer", "token");
    int rc = cb_httpd_answer(s_srv.httpd, token, &res);
    cb_buf_fini(&res.body);
    return rc;
}

static void
s_answer_late(void *ctx)
{
    s_server_t *s = ctx;
    assert_int_equal(s_answer(s->token, 201, "{\"late\":true}", false), 0);
    /* A token answers once. */
    assert_int_equal(s_answer(s->token, 201, "{}", false), CB_E_NOT_FOUND);
    cb_httpd_timer_destroy(&s->timer);
}

/* /defer: answered by a timer 50 ms later; /hold: deferred until the test
 * answers; anything else: its path back. */
static void
s_handle(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    s_server_t *s = ctx;
    s->handled++;
    if (req->path_len == 6 && memcmp(req->path, "/defer", 6) == 0) {
        s->token = cb_httpd_defer(s->httpd, req, res);
        s->timer = cb_httpd_timer_new(s->httpd, 50, 0, s_answer_late, s);
        return;
    }
    if (req->path_len == 5 && memcmp(req->path, "/hold", 5) == 0) {
        s->token = cb_httpd_defer(s->httpd, req, res);
        return;
    }
    cb_buf_appendf(&res->body, "{\"path\":\"%.*s\",\"body\":%zu}", (int) req->path_len, req->path,
                   req->body_len);
}

static int
s_setup(void **state)
{
    (void) state;
    memset(&s_srv, 0, sizeof s_srv);
    cb_httpd_config_t hc = cb_httpd_config_default();
    hc.request_timeout_ms = 1000;
    hc.error_body = s_error_body;
    char err[256];
    s_srv.httpd = cb_httpd_new(&hc, s_handle, &s_srv, err, sizeof err);
    if (s_srv.httpd == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int
s_teardown(void **state)
{
    (void) state;
    cb_httpd_timer_destroy(&s_srv.timer);
    cb_httpd_destroy(&s_srv.httpd);
    return 0;
}

/* ---- a raw client ---------------------------------------------------------------- */

typedef struct {
    int fd;
    char buf[256 * 1024];
    size_t len;
    bool eof;
} s_client_t;

static s_client_t *
s_connect(void)
{
    s_client_t *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t) cb_httpd_port(s_srv.httpd))};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    assert_int_equal(connect(c->fd, (struct sockaddr *) &addr, sizeof addr), 0);
    return c;
}

static void
s_close(s_client_t **c_p)
{
    if (*c_p != NULL) {
        close((*c_p)->fd);
        free(*c_p);
        *c_p = NULL;
    }
}

static void
s_write(s_client_t *c, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EAGAIN) {
            cb_httpd_run_once(s_srv.httpd, 5); /* let the server read */
            continue;
        }
        assert_true(n > 0);
        data += n;
        len -= (size_t) n;
    }
}

/* One loop turn of the server, then what the client can read. */
static void
s_turn(s_client_t *c, int wait_ms)
{
    cb_httpd_run_once(s_srv.httpd, wait_ms);
    while (c != NULL && !c->eof && c->len < sizeof c->buf) {
        ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN)) {
            c->eof = true;
        }
        if (n <= 0) {
            break;
        }
        c->len += (size_t) n;
    }
}

/* Takes one whole response off c's buffer, turning the loop up to
 * timeout_ms: its status (0 when none came) and body (NUL-terminated). */
static int
s_response(s_client_t *c, char *body, size_t size, int timeout_ms)
{
    int64_t end = cb_time_now_ns() + (int64_t) timeout_ms * 1000000;
    for (;;) {
        char *hend = memmem(c->buf, c->len, "\r\n\r\n", 4);
        if (hend != NULL) {
            size_t hlen = (size_t) (hend - c->buf) + 4;
            const char *cl = memmem(c->buf, hlen, "Content-Length: ", 16);
            size_t blen = cl != NULL ? strtoul(cl + 16, NULL, 10) : 0;
            if (c->len >= hlen + blen) {
                int status = atoi(c->buf + 9);
                snprintf(body, size, "%.*s", (int) blen, c->buf + hlen);
                memmove(c->buf, c->buf + hlen + blen, c->len - hlen - blen);
                c->len -= hlen + blen;
                return status;
            }
        }
        if (c->eof || cb_time_now_ns() > end) {
            return 0;
        }
        s_turn(c, 5);
    }
}

/* Turns the loop until the server has closed c (true) or timeout_ms. */
static bool
s_wait_eof(s_client_t *c, int timeout_ms)
{
    int64_t end = cb_time_now_ns() + (int64_t) timeout_ms * 1000000;
    while (!c->eof && cb_time_now_ns() < end) {
        s_turn(c, 5);
        c->len = 0;
    }
    return c->eof;
}

static void
s_get(s_client_t *c, const char *path)
{
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
    s_write(c, req, (size_t) n);
}

/* A client whose GET /hold the server has deferred (s_srv.token). */
static s_client_t *
s_held(void)
{
    s_client_t *c = s_connect();
    s_get(c, "/hold");
    for (int i = 0; i < 100 && s_srv.handled == 0; i++) {
        s_turn(c, 5);
    }
    assert_int_equal(s_srv.handled, 1);
    assert_int_equal(cb_httpd_pending(s_srv.httpd), 1);
    return c;
}

/* ---- deferred answers ---------------------------------------------------------------- */

static void
test_defer_answered_from_timer(void **state)
{
    (void) state;
    s_client_t *c = s_connect();
    int64_t t0 = cb_time_now_ns();
    s_get(c, "/defer");
    char body[256];
    assert_int_equal(s_response(c, body, sizeof body, 2000), 201);
    assert_true(cb_time_now_ns() - t0 >= 45 * 1000000LL);
    assert_string_equal(body, "{\"late\":true}");
    assert_int_equal(cb_httpd_pending(s_srv.httpd), 0);
    /* The connection is kept alive for the next request. */
    s_get(c, "/after");
    assert_int_equal(s_response(c, body, sizeof body, 2000), 200);
    assert_string_equal(body, "{\"path\":\"/after\",\"body\":0}");
    s_close(&c);
}

static void
test_defer_client_gone(void **state)
{
    (void) state;
    s_client_t *c = s_held();
    for (int i = 0; i < 10; i++) {
        s_turn(c, 10); /* still waiting: nothing is sent */
    }
    assert_int_equal(c->len, 0);
    assert_int_equal(cb_httpd_pending(s_srv.httpd), 1);
    s_close(&c);
    int64_t t0 = cb_time_now_ns();
    while (cb_httpd_pending(s_srv.httpd) > 0 && cb_time_now_ns() - t0 < 2000 * 1000000LL) {
        s_turn(NULL, 10);
    }
    int64_t ms = (cb_time_now_ns() - t0) / 1000000;
    assert_int_equal(cb_httpd_pending(s_srv.httpd), 0);
    assert_true(ms < 400);
    assert_int_equal(s_answer(s_srv.token, 200, "{}", false), CB_E_NOT_FOUND);
    assert_int_equal(s_answer(12345, 200, "{}", false), CB_E_NOT_FOUND);
}

/* Answered between loop turns (as from another module's callback). */
static void
test_defer_answered_between_turns(void **state)
{
    (void) state;
    s_client_t *c = s_held();
    assert_int_equal(s_answer(s_srv.token, 202, "{\"ok\":1}", false), 0);
    char body[64];
    assert_int_equal(s_response(c, body, sizeof body, 2000), 202);
    assert_string_equal(body, "{\"ok\":1}");
    assert_int_equal(cb_httpd_pending(s_srv.httpd), 0);
    s_close(&c);
}

/* ---- limits and timeouts ---------------------------------------------------------------- */

static void
test_body_too_large_413(void **state)
{
    (void) state;
    s_client_t *c = s_connect();
    /* h2o refuses on the Content-Length alone: the body need not follow. */
    const char *head = "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 66560\r\n\r\n";
    s_write(c, head, strlen(head));
    char body[256];
    assert_int_equal(s_response(c, body, sizeof body, 2000), 413);
    assert_string_equal(body, "{\"error\":\"request body too large\",\"status\":413}");
    assert_int_equal(s_srv.handled, 0);
    assert_true(s_wait_eof(c, 2000));
    s_close(&c);
    /* 64 KiB exactly is taken. */
    c = s_connect();
    const char *ok = "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 65536\r\n\r\n";
    s_write(c, ok, strlen(ok));
    char *payload = malloc(65536);
    memset(payload, 'a', 65536);
    s_write(c, payload, 65536);
    free(payload);
    assert_int_equal(s_response(c, body, sizeof body, 2000), 200);
    assert_string_equal(body, "{\"path\":\"/x\",\"body\":65536}");
    s_close(&c);
}

static void
test_headers_too_large_431(void **state)
{
    (void) state;
    s_client_t *c = s_connect();
    cb_buf_t req;
    cb_buf_init(&req);
    cb_buf_append_str(&req, "GET /h HTTP/1.1\r\nHost: t\r\n");
    char value[1025];
    memset(value, 'v', 1024);
    value[1024] = '\0';
    for (int i = 0; i < 17; i++) {
        cb_buf_appendf(&req, "X-Pad-%02d: %s\r\n", i, value);
    }
    cb_buf_append_str(&req, "\r\n");
    s_write(c, req.data, req.len);
    cb_buf_fini(&req);
    char body[256];
    assert_int_equal(s_response(c, body, sizeof body, 2000), 431);
    assert_string_equal(body, "{\"error\":\"request headers too large\",\"status\":431}");
    assert_int_equal(s_srv.handled, 0);
    assert_true(s_wait_eof(c, 2000));
    s_close(&c);
}

static void
test_slowloris_cut(void **state)
{
    (void) state;
    s_client_t *c = s_connect();
    int64_t t0 = cb_time_now_ns();
    const char *req = "GET /slow HTTP/1.1\r\nHost: t\r\nX-Dribble: aaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    size_t i = 0;
    /* One byte every 200 ms; request_timeout_ms is 1000. */
    while (!c->eof && cb_time_now_ns() - t0 < 3000 * 1000000LL) {
        if (req[i] != '\0' && cb_time_now_ns() - t0 >= (int64_t) i * 200 * 1000000) {
            if (send(c->fd, req + i, 1, MSG_NOSIGNAL) != 1) {
                break;
            }
            i++;
        }
        s_turn(c, 10);
    }
    int64_t ms = (cb_time_now_ns() - t0) / 1000000;
    assert_true(c->eof || s_wait_eof(c, 500));
    assert_true(ms >= 900 && ms < 2000);
    assert_int_equal(s_srv.handled, 0);
    s_close(&c);
}

static void
test_pipelined_in_order(void **state)
{
    (void) state;
    s_client_t *c = s_connect();
    const char *two = "GET /first HTTP/1.1\r\nHost: t\r\n\r\nGET /second HTTP/1.1\r\nHost: t\r\n\r\n";
    s_write(c, two, strlen(two));
    char body[256];
    assert_int_equal(s_response(c, body, sizeof body, 2000), 200);
    assert_string_equal(body, "{\"path\":\"/first\",\"body\":0}");
    assert_int_equal(s_response(c, body, sizeof body, 2000), 200);
    assert_string_equal(body, "{\"path\":\"/second\",\"body\":0}");
    assert_int_equal(s_srv.handled, 2);
    s_close(&c);
}

static void
test_keepalive_reuse(void **state)
{
    (void) state;
    s_client_t *c = s_connect();
    char body[256];
    for (int i = 0; i < 5; i++) {
        char path[32];
        snprintf(path, sizeof path, "/k%d", i);
        s_get(c, path);
        assert_int_equal(s_response(c, body, sizeof body, 2000), 200);
        assert_false(c->eof);
    }
    assert_int_equal(s_srv.handled, 5);
    s_close(&c);
}

static void
test_res_close(void **state)
{
    (void) state;
    /* A deferred answer with close ends the connection after it. */
    s_client_t *c = s_held();
    assert_int_equal(s_answer(s_srv.token, 200, "{}", true), 0);
    char body[64];
    assert_int_equal(s_response(c, body, sizeof body, 2000), 200);
    assert_true(s_wait_eof(c, 2000));
    s_close(&c);
}

/* Sends request on a new connection and expects a 200 with want_body. */
static void
s_expect_ok(const char *request, const char *want_body)
{
    s_client_t *c = s_connect();
    s_write(c, request, strlen(request));
    char body[256];
    assert_int_equal(s_response(c, body, sizeof body, 2000), 200);
    assert_string_equal(body, want_body);
    s_close(&c);
}

static void
test_h2c_not_offered(void **state)
{
    (void) state;
    /* An HTTP/1.1 server: a client offering h2c (curl --http2) gets its
     * answer over HTTP/1.1, not a 101 to a protocol the answers cannot take. */
    s_expect_ok("GET /up HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n",
                "{\"path\":\"/up\",\"body\":0}");
    /* HTTP/2 with prior knowledge is not spoken either: no SETTINGS frame. */
    s_client_t *c = s_connect();
    const char *preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    s_write(c, preface, strlen(preface));
    assert_true(s_wait_eof(c, 2000) || c->len > 0);
    s_turn(c, 5);
    assert_int_equal(s_srv.handled, 1);
    s_close(&c);
}

/* Sends head (a request with a conflicting body length) and a pipelined
 * GET /next: the first gets 400 and the connection ends, so that /next,
 * which a proxy in front may have framed differently, is never served. */
static void
s_check_smuggle(const char *head)
{
    s_client_t *c = s_connect();
    cb_buf_t req;
    cb_buf_init(&req);
    cb_buf_append_str(&req, head);
    cb_buf_append_str(&req, "GET /next HTTP/1.1\r\nHost: t\r\n\r\n");
    s_write(c, req.data, req.len);
    cb_buf_fini(&req);
    char body[256];
    assert_int_equal(s_response(c, body, sizeof body, 2000), 400);
    assert_true(s_wait_eof(c, 2000));
    assert_int_equal(s_srv.handled, 0);
    s_close(&c);
}

static void
test_body_length_conflicts_400(void **state)
{
    (void) state;
    /* RFC 9112 6.3: both framings, or Content-Lengths that disagree, are a
     * smuggling attempt: refused, and the connection closed after. */
    s_check_smuggle("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    s_check_smuggle("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Length: 5\r\n\r\n0\r\n\r\n");
    s_check_smuggle("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
                    "Content-Length: 3\r\n\r\n{} ");
    /* The same length twice is one length (RFC 9112 8.6). */
    s_expect_ok("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
                "Content-Length: 2\r\n\r\n{}",
                "{\"path\":\"/x\",\"body\":2}");
}

/* ---- fd watches ------------------------------------------------------------------------------ */

typedef struct {
    int fd;
    int calls;
    int bytes;
    cb_httpd_watch_t *watch;
    cb_httpd_timer_t *zero;
    int zero_calls;
    bool in_callback;
    bool zero_ran_inside;
} s_pipe_t;

static void
s_on_zero(void *ctx)
{
    s_pipe_t *p = ctx;
    p->zero_calls++;
    p->zero_ran_inside = p->in_callback;
    cb_httpd_timer_destroy(&p->zero);
}

/* Reads one byte per call: a level-triggered watch calls again. */
static void
s_on_pipe(void *ctx)
{
    s_pipe_t *p = ctx;
    p->in_callback = true;
    p->calls++;
    char ch;
    if (read(p->fd, &ch, 1) == 1) {
        p->bytes++;
    }
    if (p->zero == NULL && p->calls == 1) {
        p->zero = cb_httpd_timer_new(s_srv.httpd, 0, 0, s_on_zero, p);
    }
    p->in_callback = false;
}

static void
test_watch_pipe(void **state)
{
    (void) state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    s_pipe_t p = {.fd = fds[0]};
    p.watch = cb_httpd_watch_new(s_srv.httpd, fds[0], s_on_pipe, &p);
    assert_non_null(p.watch);
    cb_httpd_run_once(s_srv.httpd, 0);
    assert_int_equal(p.calls, 0);
    assert_int_equal(write(fds[1], "abc", 3), 3);
    cb_httpd_run_once(s_srv.httpd, 100);
    assert_int_equal(p.calls, 1);
    /* The zero-delay timer made in the callback ran after it, in the same turn. */
    assert_int_equal(p.zero_calls, 1);
    assert_false(p.zero_ran_inside);
    for (int i = 0; i < 10 && p.bytes < 3; i++) {
        cb_httpd_run_once(s_srv.httpd, 100);
    }
    assert_int_equal(p.bytes, 3);
    assert_int_equal(p.calls, 3);
    cb_httpd_watch_want_read(p.watch, false);
    assert_int_equal(write(fds[1], "d", 1), 1);
    cb_httpd_run_once(s_srv.httpd, 50);
    assert_int_equal(p.calls, 3);
    cb_httpd_watch_want_read(p.watch, true);
    cb_httpd_run_once(s_srv.httpd, 100);
    assert_int_equal(p.calls, 4);
    cb_httpd_watch_destroy(&p.watch);
    assert_null(p.watch);
    /* The caller's fd is still open and untouched. */
    assert_int_equal(write(fds[1], "e", 1), 1);
    char ch = 0;
    assert_int_equal(read(fds[0], &ch, 1), 1);
    assert_int_equal(ch, 'e');
    close(fds[0]);
    close(fds[1]);
}

typedef struct {
    cb_httpd_watch_t *watch;
    int fd;
    int calls;
    int destroy_at;
} s_wr_t;

static void
s_on_writable(void *ctx)
{
    s_wr_t *w = ctx;
    w->calls++;
    if (w->calls == w->destroy_at) {
        cb_httpd_watch_destroy(&w->watch);
    }
}

static void
test_watch_writable(void **state)
{
    (void) state;
    int fds[2];
    assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
    s_wr_t w = {.fd = fds[1]};
    w.watch = cb_httpd_watch_new(s_srv.httpd, fds[1], NULL, &w);
    assert_non_null(w.watch);
    cb_httpd_watch_want_write(w.watch, s_on_writable);
    for (int i = 0; i < 5; i++) {
        cb_httpd_run_once(s_srv.httpd, 100);
    }
    assert_int_equal(w.calls, 5); /* writable on every turn */
    cb_httpd_watch_want_write(w.watch, NULL);
    for (int i = 0; i < 3; i++) {
        cb_httpd_run_once(s_srv.httpd, 10);
    }
    assert_int_equal(w.calls, 5);
    /* A full pipe is not writable; draining it makes it so again. */
    char block[4096] = {0};
    while (write(fds[1], block, sizeof block) > 0) {
    }
    cb_httpd_watch_want_write(w.watch, s_on_writable);
    cb_httpd_run_once(s_srv.httpd, 50);
    assert_int_equal(w.calls, 5);
    while (read(fds[0], block, sizeof block) > 0) {
    }
    w.destroy_at = 6; /* destroyed inside its own callback */
    cb_httpd_run_once(s_srv.httpd, 100);
    assert_int_equal(w.calls, 6);
    assert_null(w.watch);
    cb_httpd_run_once(s_srv.httpd, 10);
    assert_int_equal(w.calls, 6);
    close(fds[0]);
    close(fds[1]);
}

typedef struct {
    void *pull;
    int received;
} s_zmq_t;

/* ZMQ_FD only says "look at ZMQ_EVENTS": drain everything each time. */
static void
s_on_zmq(void *ctx)
{
    s_zmq_t *z = ctx;
    for (;;) {
        int events = 0;
        size_t len = sizeof events;
        assert_int_equal(zmq_getsockopt(z->pull, ZMQ_EVENTS, &events, &len), 0);
        if ((events & ZMQ_POLLIN) == 0) {
            break;
        }
        char buf[64];
        while (zmq_recv(z->pull, buf, sizeof buf, ZMQ_DONTWAIT) >= 0) {
            z->received++;
        }
    }
}

static void
test_watch_zmq_fd(void **state)
{
    (void) state;
    void *zctx = zmq_ctx_new();
    s_zmq_t z = {.pull = zmq_socket(zctx, ZMQ_PULL)};
    void *push = zmq_socket(zctx, ZMQ_PUSH);
    assert_int_equal(zmq_bind(z.pull, "tcp://127.0.0.1:*"), 0);
    char endpoint[128];
    size_t elen = sizeof endpoint;
    assert_int_equal(zmq_getsockopt(z.pull, ZMQ_LAST_ENDPOINT, endpoint, &elen), 0);
    assert_int_equal(zmq_connect(push, endpoint), 0);
    int zfd;
    size_t flen = sizeof zfd;
    assert_int_equal(zmq_getsockopt(z.pull, ZMQ_FD, &zfd, &flen), 0);
    cb_httpd_watch_t *watch = cb_httpd_watch_new(s_srv.httpd, zfd, s_on_zmq, &z);
    assert_non_null(watch);
    s_on_zmq(&z); /* events that came before the watch */
    for (int round = 1; round <= 3; round++) {
        for (int i = 0; i < 100; i++) {
            assert_int_equal(zmq_send(push, "m", 1, 0), 1);
        }
        int64_t t0 = cb_time_now_ns();
        while (z.received < round * 100 && cb_time_now_ns() - t0 < 3000 * 1000000LL) {
            cb_httpd_run_once(s_srv.httpd, 100);
        }
        assert_int_equal(z.received, round * 100);
    }
    cb_httpd_watch_destroy(&watch);
    int linger = 0;
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(push);
    zmq_close(z.pull); /* the fd was the socket's: still valid until here */
    zmq_ctx_term(zctx);
}

/* ---- timers ------------------------------------------------------------------------------------ */

typedef struct {
    int calls;
    int64_t first_ns;
    cb_httpd_timer_t *timer;
    int destroy_at;
    int restarts;
} s_tick_t;

static void
s_on_tick(void *ctx)
{
    s_tick_t *t = ctx;
    if (t->calls++ == 0) {
        t->first_ns = cb_time_now_ns();
    }
    if (t->calls == t->destroy_at) {
        cb_httpd_timer_destroy(&t->timer);
    } else if (t->restarts > 0) {
        t->restarts--;
        cb_httpd_timer_restart(t->timer, 10);
    }
}

static void
s_run_for(int ms)
{
    int64_t end = cb_time_now_ns() + (int64_t) ms * 1000000;
    while (cb_time_now_ns() < end) {
        cb_httpd_run_once(s_srv.httpd, 5);
    }
}

static void
test_timer_one_shot(void **state)
{
    (void) state;
    s_tick_t t = {0};
    int64_t t0 = cb_time_now_ns();
    t.timer = cb_httpd_timer_new(s_srv.httpd, 50, 0, s_on_tick, &t);
    s_run_for(200);
    assert_int_equal(t.calls, 1);
    assert_true(t.first_ns - t0 >= 50 * 1000000LL);
    cb_httpd_timer_destroy(&t.timer);
    /* Restarted from its own callback, twice. */
    s_tick_t r = {.restarts = 2};
    r.timer = cb_httpd_timer_new(s_srv.httpd, 10, 0, s_on_tick, &r);
    s_run_for(200);
    assert_int_equal(r.calls, 3);
    cb_httpd_timer_destroy(&r.timer);
}

static void
test_timer_periodic(void **state)
{
    (void) state;
    s_tick_t t = {0};
    t.timer = cb_httpd_timer_new(s_srv.httpd, 20, 20, s_on_tick, &t);
    s_run_for(410);
    assert_true(t.calls >= 17 && t.calls <= 21);
    cb_httpd_timer_destroy(&t.timer);
    int calls = t.calls;
    s_run_for(60);
    assert_int_equal(t.calls, calls);
    /* Destroyed inside its own callback, on the third call. */
    s_tick_t d = {.destroy_at = 3};
    d.timer = cb_httpd_timer_new(s_srv.httpd, 0, 10, s_on_tick, &d);
    s_run_for(200);
    assert_int_equal(d.calls, 3);
    assert_null(d.timer);
}

static void
s_on_zero_chain(void *ctx)
{
    s_tick_t *t = ctx;
    t->calls++;
    /* Restarted with 0 from its callback: runs again on the next turn, not in a loop. */
    cb_httpd_timer_restart(t->timer, 0);
}

static void
test_timer_zero_delay(void **state)
{
    (void) state;
    s_tick_t t = {0};
    t.timer = cb_httpd_timer_new(s_srv.httpd, 0, 0, s_on_zero_chain, &t);
    assert_int_equal(t.calls, 0); /* not before the loop runs */
    cb_httpd_run_once(s_srv.httpd, 1000);
    assert_int_equal(t.calls, 1);
    cb_httpd_run_once(s_srv.httpd, 1000);
    cb_httpd_run_once(s_srv.httpd, 1000);
    assert_true(t.calls >= 2 && t.calls <= 3);
    cb_httpd_timer_destroy(&t.timer);
}

static void
test_run_once_wakes_for_timer(void **state)
{
    (void) state;
    s_tick_t t = {0};
    t.timer = cb_httpd_timer_new(s_srv.httpd, 100, 0, s_on_tick, &t);
    alarm(10); /* a loop that never wakes fails here rather than hangs */
    int64_t t0 = cb_time_now_ns();
    while (t.calls == 0) {
        cb_httpd_run_once(s_srv.httpd, -1);
    }
    alarm(0);
    int64_t ms = (cb_time_now_ns() - t0) / 1000000;
    assert_true(ms >= 99 && ms < 500);
    cb_httpd_timer_destroy(&t.timer);
}

/* Sub-millisecond waits sleep (the loop does not poll) and end near their
 * due time rather than a whole millisecond later; the process's CPU time
 * shows which. */
static void
test_run_once_ns_sleeps(void **state)
{
    (void) state;
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    int64_t t0 = cb_time_mono_ns();
    for (int i = 0; i < 200; i++) {
        cb_httpd_run_once_ns(s_srv.httpd, 300000);
    }
    int64_t wall = cb_time_mono_ns() - t0;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    int64_t cpu = (int64_t) (c1.tv_sec - c0.tv_sec) * 1000000000 + (c1.tv_nsec - c0.tv_nsec);
    assert_true(wall >= 200 * 300000LL);   /* each turn waited its 0.3 ms */
    assert_true(cpu < wall / 2);           /* asleep, not polling */
    cb_httpd_run_once_ns(s_srv.httpd, 0);  /* no wait at all */
    /* A whole number of milliseconds needs no timerfd, and a negative wait none. */
    t0 = cb_time_mono_ns();
    cb_httpd_run_once_ns(s_srv.httpd, 2000000);
    cb_httpd_run_once_ns(s_srv.httpd, -5);
    assert_true(cb_time_mono_ns() - t0 >= 2000000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defer_answered_from_timer, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_defer_client_gone, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_defer_answered_between_turns, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_body_too_large_413, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_headers_too_large_431, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_slowloris_cut, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_in_order, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_keepalive_reuse, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_res_close, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_h2c_not_offered, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_body_length_conflicts_400, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_watch_pipe, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_watch_writable, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_watch_zmq_fd, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_timer_one_shot, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_timer_periodic, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_timer_zero_delay, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_run_once_wakes_for_timer, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_run_once_ns_sleeps, s_setup, s_teardown),
    };
    return cmocka_run_group_tests_name("httpd", tests, NULL, NULL);
}
