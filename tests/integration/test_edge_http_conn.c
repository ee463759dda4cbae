/* test_edge_http_conn.c - api-edge's HTTP behaviour against the real stack: CORS, static files and ETags, /metrics, OpenAPI = route table, keep-alive, pipelining, slow clients */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cb_jtok.h"
#include "cb_time.h"
#include "cbh_edge.h"
#include "edge_routes.h"

static char s_xff_line[64];
static cbh_edge_fixture_t s_f;

static int
s_setup(void **state)
{
    char *env[] = {"COINBUS_HTTP_REQUEST_TIMEOUT_MS=1500", NULL};
    *state = &s_f;
    return cbh_edge_fixture_start(&s_f, env);
}

/* Each test is its own client, so that none spends another's budget. */
static void
s_client(int n)
{
    snprintf(s_f.ip, sizeof s_f.ip, "10.0.1.%d", n);
    snprintf(s_xff_line, sizeof s_xff_line, "X-Forwarded-For: %s", s_f.ip);
}

static void
test_cors(void **state)
{
    (void) state;
    s_client(8);
    cbh_http_res_t res = {0};
    const char *headers[] = {s_xff_line, "Origin: http://example.test", NULL};
    assert_int_equal(cbh_http(s_f.port, "GET", "/api/market/venues", headers, NULL, 0, &res), 200);
    char v[128];
    assert_non_null(cbh_http_header(&res, "Access-Control-Allow-Origin", v, sizeof v));
    assert_string_equal(v, "*");
    const char *pre[] = {s_xff_line, "Origin: http://example.test", "Access-Control-Request-Method: POST",
                         "Access-Control-Request-Headers: content-type", NULL};
    assert_int_equal(cbh_http(s_f.port, "OPTIONS", "/api/sentiment/analyze", pre, NULL, 0, &res), 204);
    assert_non_null(cbh_http_header(&res, "Access-Control-Allow-Methods", v, sizeof v));
    assert_non_null(strstr(v, "POST"));
    assert_non_null(cbh_http_header(&res, "Access-Control-Allow-Headers", v, sizeof v));
    assert_non_null(strstr(v, "Content-Type"));
    assert_non_null(cbh_http_header(&res, "Access-Control-Allow-Origin", v, sizeof v));
    /* /ws: only a GET goes to the upgrade; other methods as on any route. */
    assert_int_equal(cbh_http(s_f.port, "OPTIONS", "/ws", pre, NULL, 0, &res), 204);
    cbh_edge_fixture_req(&s_f, "POST", "/ws", NULL, "{}", 2, &res);
    cbh_edge_expect_error(&res, 405, "method_not_allowed");
    cbh_edge_fixture_get(&s_f, "/ws", &res);
    assert_int_equal(res.status, 400);
    cbh_http_res_fini(&res);
}

static void
test_static_and_metrics(void **state)
{
    (void) state;
    s_client(9);
    cbh_http_res_t res = {0};
    char v[128];
    assert_int_equal(cbh_edge_fixture_get(&s_f, "/", &res), 200);
    assert_non_null(cbh_http_header(&res, "Content-Type", v, sizeof v));
    assert_non_null(strstr(v, "text/html"));
    assert_int_equal(cbh_edge_fixture_get(&s_f, "/docs", &res), 200);
    assert_int_equal(cbh_edge_fixture_get(&s_f, "/openapi.json", &res), 200);
    char etag[128];
    assert_non_null(cbh_http_header(&res, "ETag", etag, sizeof etag));
    char inm[160];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    const char *headers[] = {s_xff_line, inm, NULL};
    assert_int_equal(cbh_http(s_f.port, "GET", "/openapi.json", headers, NULL, 0, &res), 304);
    cbh_edge_fixture_get(&s_f, "/static/nothing-here.js", &res);
    cbh_edge_expect_error(&res, 404, "not_found");

    assert_int_equal(cbh_edge_fixture_get(&s_f, "/metrics", &res), 200);
    assert_non_null(cbh_http_header(&res, "Content-Type", v, sizeof v));
    assert_non_null(strstr(v, "text/plain"));
    assert_non_null(strstr(res.body.data, "coinbus_edge_http_requests_total{route=\"/openapi.json\",status=\"304\"}"));
    assert_non_null(strstr(res.body.data, "coinbus_edge_http_request_duration_seconds_bucket{route=\"/docs\""));
    assert_non_null(strstr(res.body.data, "coinbus_edge_ws_clients "));
    assert_non_null(strstr(res.body.data, "coinbus_edge_bus_messages_total{outcome=\"ok\"} "));
    assert_non_null(strstr(res.body.data, "coinbus_edge_rpc_duration_seconds_count{service=\"market\"} "));
    assert_non_null(strstr(res.body.data, "coinbus_edge_rate_limited_total "));
    cbh_http_res_fini(&res);
}

/* ---- OpenAPI: the document and the route table agree, and every documented route answers ---- */

typedef struct {
    cb_jdoc_t *doc;
    int paths;
    size_t missing;
    size_t routes;
} s_openapi_t;

static void
s_route_documented(void *ctx, const edge_route_t *r)
{
    s_openapi_t *o = ctx;
    if (!r->in_openapi) {
        return;
    }
    o->routes++;
    int item = cb_jtok_get(o->doc, o->paths, r->path);
    char method[8];
    snprintf(method, sizeof method, "%s", r->method);
    for (char *p = method; *p != '\0'; p++) {
        *p = (char) tolower((unsigned char) *p);
    }
    if (item < 0 || cb_jtok_get(o->doc, item, method) < 0) {
        fprintf(stderr, "route %s %s is not in openapi.json\n", r->method, r->path);
        o->missing++;
    }
}

static void
test_openapi_matches_routes(void **state)
{
    (void) state;
    s_client(10);
    cbh_http_res_t res = {0};
    cbh_http_res_t probe = {0};
    assert_int_equal(cbh_edge_fixture_get(&s_f, "/openapi.json", &res), 200);
    cb_jdoc_t doc;
    cbh_edge_parse(&doc, &res);
    s_openapi_t o = {&doc, cb_jtok_get(&doc, 0, "paths"), 0, 0};
    assert_true(o.paths > 0);
    edge_routes_each(s_route_documented, &o);
    assert_int_equal(o.missing, 0);
    /* Every documented path and method is a route that answers (not 404 or 405). */
    size_t documented = 0;
    int key = cb_jtok_first(&doc, o.paths);
    for (int k = 0; k < cb_jtok_size(&doc, o.paths); k++) {
        cb_str_t path = cb_jtok_raw(&doc, key);
        int item = key + 1;
        int m = cb_jtok_first(&doc, item);
        for (int j = 0; j < cb_jtok_size(&doc, item); j++) {
            cb_str_t method = cb_jtok_raw(&doc, m);
            char upper[8] = "";
            for (size_t i = 0; i < method.len && i + 1 < sizeof upper; i++) {
                upper[i] = (char) toupper((unsigned char) method.ptr[i]);
                upper[i + 1] = '\0';
            }
            if (strcmp(upper, "GET") == 0 || strcmp(upper, "POST") == 0 || strcmp(upper, "PATCH") == 0 ||
                strcmp(upper, "DELETE") == 0) {
                bool ok = false;
                const edge_route_t *r = edge_routes_match(upper, strlen(upper), path.ptr, path.len, &ok);
                if (r == NULL || !ok) {
                    fail_msg("openapi.json documents %.*s %.*s, which is no route", (int) method.len, method.ptr,
                             (int) path.len, path.ptr);
                }
                char url[256];
                snprintf(url, sizeof url, "%.*s", (int) path.len, path.ptr);
                bool body = strcmp(upper, "POST") == 0 || strcmp(upper, "PATCH") == 0;
                cbh_edge_fixture_req(&s_f, upper, url, NULL, body ? "{}" : NULL, body ? 2 : 0, &probe);
                assert_true(probe.status >= 200 && probe.status != 404 && probe.status != 405);
                documented++;
            }
            m = cb_jtok_skip(&doc, m + 1);
        }
        key = cb_jtok_skip(&doc, key + 1);
    }
    assert_int_equal(documented, o.routes);
    cb_jdoc_fini(&doc);
    cbh_http_res_fini(&probe);
    cbh_http_res_fini(&res);
}

/* ---- keep-alive and pipelining over a raw socket ------------------------------ */

static int
s_connect(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t) s_f.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *) &a, sizeof a), 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Reads answers until n complete ones (status line, headers,
 * Content-Length body) are in; their statuses into statuses[]. */
static size_t
s_read_answers(int fd, size_t n, int *statuses)
{
    static char buf[1 << 18];
    size_t len = 0;
    size_t got = 0;
    size_t pos = 0;
    while (got < n) {
        char *end = memmem(buf + pos, len - pos, "\r\n\r\n", 4);
        if (end != NULL) {
            const char *cl = strcasestr(buf + pos, "content-length:");
            size_t body = cl != NULL && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
            size_t total = (size_t) (end + 4 - (buf + pos)) + body;
            if (len - pos >= total) {
                statuses[got++] = atoi(buf + pos + 9);
                pos += total;
                continue;
            }
        }
        ssize_t r = read(fd, buf + len, sizeof buf - len - 1);
        if (r <= 0) {
            break;
        }
        len += (size_t) r;
        buf[len] = '\0';
    }
    return got;
}

static void
test_keepalive_and_pipelining(void **state)
{
    (void) state;
    int fd = s_connect();
    static const char three[] = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                                "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                                "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(write(fd, three, sizeof three - 1), (ssize_t) (sizeof three - 1));
    int st[3] = {0};
    assert_int_equal(s_read_answers(fd, 3, st), 3);
    assert_true(st[0] == 200 || st[0] == 503);
    assert_int_equal(st[1], 404);
    assert_int_equal(st[2], 200);
    /* The same connection stays open for more. */
    static const char one[] = "GET /api/market/venues HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.0.11\r\n\r\n";
    assert_int_equal(write(fd, one, sizeof one - 1), (ssize_t) (sizeof one - 1));
    assert_int_equal(s_read_answers(fd, 1, st), 1);
    assert_int_equal(st[0], 200);
    close(fd);
}

/* A client that never finishes its headers is cut after the request timeout. */
static void
test_slow_client_cut(void **state)
{
    (void) state;
    int fd = s_connect();
    static const char part[] = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ";
    assert_int_equal(write(fd, part, sizeof part - 1), (ssize_t) (sizeof part - 1));
    int64_t start = cb_time_now_ms();
    char buf[512];
    ssize_t r = read(fd, buf, sizeof buf);
    int64_t waited = cb_time_now_ms() - start;
    assert_true(r <= 0 || waited < 5000);
    assert_true(waited >= 1000 && waited < 5000);
    close(fd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cors),
        cmocka_unit_test(test_static_and_metrics),
        cmocka_unit_test(test_openapi_matches_routes),
        cmocka_unit_test(test_keepalive_and_pipelining),
        cmocka_unit_test(test_slow_client_cut),
    };
    return cmocka_run_group_tests_name("edge_http_conn", tests, s_setup, cbh_edge_fixture_teardown);
}
