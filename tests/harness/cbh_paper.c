/* cbh_paper.c - test harness: signed requests to venue-sim as its default paper accounts, and its admin API */
#include "cbh_paper.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_binance.h"
#include "cb_kraken.h"
#include "cb_nonce.h"
#include "cb_redis.h"
#include "cb_time.h"

int
cbh_paper_init(cbh_paper_t *p, int sim_port, const char *redis_url)
{
    memset(p, 0, sizeof *p);
    p->sim_port = sim_port;
    snprintf(p->redis_url, sizeof p->redis_url, "%s", redis_url);
    snprintf(p->kraken.name, sizeof p->kraken.name, "sim-kraken");
    p->kraken.dialect = CB_DIALECT_KRAKEN;
    snprintf(p->kraken.rest_base, sizeof p->kraken.rest_base, "http://127.0.0.1:%d/kraken", sim_port);
    snprintf(p->binance.name, sizeof p->binance.name, "sim-binance");
    p->binance.dialect = CB_DIALECT_BINANCE;
    snprintf(p->binance.rest_base, sizeof p->binance.rest_base, "http://127.0.0.1:%d/binance",
             sim_port);
    p->http = cb_http_new(NULL);
    if (p->http == NULL) {
        fprintf(stderr, "cbh_paper: cb_http_new() failed\n");
        return -1;
    }
    return 0;
}

void
cbh_paper_fini(cbh_paper_t *p)
{
    cb_http_destroy(&p->http);
}

/* Sends a signed request; the status, the body in out. Frees req. */
static long
s_send(cbh_paper_t *p, cb_venue_req_t *req, cb_buf_t *out)
{
    const char *headers[4];
    size_t nh = 0;
    for (size_t i = 0; i < 4; i++) {
        if (req->headers[i][0] != '\0') {
            headers[nh++] = req->headers[i];
        }
    }
    cb_http_req_t hr = {strcmp(req->method, "POST") == 0     ? CB_HTTP_POST
                        : strcmp(req->method, "DELETE") == 0 ? CB_HTTP_DELETE
                                                             : CB_HTTP_GET,
                        req->url, headers, nh, req->body.len > 0 ? req->body.data : NULL,
                        req->body.len, 5000};
    cb_http_result_t res;
    assert_int_equal(cb_http_do(p->http, &hr, &res), 0);
    assert_int_equal(res.resp.outcome, CB_HTTP_OK);
    cb_buf_reset(out);
    assert_int_equal(cb_buf_append(out, res.resp.body, res.resp.body_len), 0);
    assert_int_equal(cb_buf_append(out, "", 0), 0);
    long status = res.resp.status;
    cb_http_result_fini(&res);
    cb_venue_req_fini(req);
    return status;
}

long
cbh_paper_kraken(cbh_paper_t *p, const char *method, const char *form, cb_buf_t *out)
{
    uint8_t key[128];
    size_t key_len;
    assert_int_equal(cb_kraken_secret_decode(CBH_PAPER_K_SECRET, key, sizeof key, &key_len), 0);
    int e = 0;
    cb_redis_t *r = cb_redis_new(p->redis_url, &e);
    assert_non_null(r);
    cb_nonce_t gen;
    uint64_t nonce = 0;
    assert_int_equal(cb_nonce_init(&gen, r, p->kraken.name, CBH_PAPER_K_KEY), 0);
    assert_int_equal(cb_nonce_next(&gen, &nonce), 0);
    cb_redis_destroy(&r);
    cb_venue_req_t req;
    assert_int_equal(cb_kraken_private_req(&p->kraken, method, form, nonce, CBH_PAPER_K_KEY, key,
                                           key_len, true, &req),
                     0);
    return s_send(p, &req, out);
}

long
cbh_paper_binance(cbh_paper_t *p, const char *method, const char *path, const char *params,
                  cb_buf_t *out)
{
    cb_venue_req_t req;
    assert_int_equal(cb_binance_signed_req(&p->binance, method, path, params, cb_time_now_ms(), 5000,
                                           CBH_PAPER_B_KEY, (const uint8_t *) CBH_PAPER_B_SECRET,
                                           strlen(CBH_PAPER_B_SECRET), true, &req),
                     0);
    return s_send(p, &req, out);
}

long
cbh_paper_admin(cbh_paper_t *p, const char *method, const char *path, const char *body)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", p->sim_port, path);
    const char *h[] = {"Content-Type: application/json"};
    cb_http_req_t hr = {strcmp(method, "POST") == 0 ? CB_HTTP_POST : CB_HTTP_DELETE, url, h, 1,
                        body, body != NULL ? strlen(body) : 0, 5000};
    cb_http_result_t res;
    assert_int_equal(cb_http_do(p->http, &hr, &res), 0);
    long status = res.resp.status;
    cb_http_result_fini(&res);
    return status;
}
