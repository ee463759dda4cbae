/* cbh_simthread.c - test harness: a venue-sim built in this process and served over real HTTP from a thread of its own */
#include "cbh_simthread.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_binance.h"
#include "cb_httpd.h"
#include "cb_kraken.h"
#include "cb_time.h"
#include "sim_accounts.h"
#include "sim_auth.h"
#include "sim_exchange.h"
#include "sim_faults.h"
#include "sim_limits.h"
#include "sim_router.h"

struct cbh_simthread {
    sim_t own;  /* the parts built here */
    sim_t *sim; /* what is served: &own or the caller's */
    bool still;
    int turn_ms;
    cb_httpd_t *http;
    pthread_t thread;
    bool running;
    volatile int stop;
    pthread_mutex_t lock;
};

static void *
s_serve(void *arg)
{
    cbh_simthread_t *self = arg;
    while (!self->stop) {
        pthread_mutex_lock(&self->lock);
        int64_t now = cb_time_now_ns();
        if (!self->still && self->sim->market != NULL) {
            sim_market_step(self->sim->market, now);
        }
        if (!self->still && self->sim->exchange != NULL) {
            sim_exchange_poll(self->sim->exchange, now);
        }
        cb_httpd_run_once(self->http, self->turn_ms);
        pthread_mutex_unlock(&self->lock);
    }
    return NULL;
}

/* The parts opts asks for into self->own; 0 or -1 (logged). */
static int
s_build(cbh_simthread_t *self, const cbh_simthread_opts_t *opts)
{
    char err[256] = "out of memory";
    sim_t *s = &self->own;
    if (opts->market && (s->market = sim_market_new(opts->seed, opts->rate)) == NULL) {
        goto fail;
    }
    if (opts->accounts != NULL) {
        if ((s->exchange = sim_exchange_new(s->market)) == NULL) {
            goto fail;
        }
        if (sim_exchange_add_accounts(s->exchange, opts->accounts, err, sizeof err) != 0) {
            goto fail;
        }
    }
    if (opts->auth && (s->auth = sim_auth_new()) == NULL) {
        goto fail;
    }
    if (opts->limits) {
        if ((s->limits = sim_limits_new()) == NULL) {
            goto fail;
        }
        sim_limits_set_enabled(s->limits, opts->limits_on);
    }
    if (opts->faults && (s->faults = sim_faults_new(opts->faults_seed)) == NULL) {
        goto fail;
    }
    return 0;
fail:
    fprintf(stderr, "cbh_simthread: building the sim: %s\n", err);
    return -1;
}

static void
s_own_fini(sim_t *s)
{
    sim_faults_destroy(&s->faults);
    sim_limits_destroy(&s->limits);
    sim_auth_destroy(&s->auth);
    sim_exchange_destroy(&s->exchange);
    sim_market_destroy(&s->market);
}

cbh_simthread_t *
cbh_simthread_new(const cbh_simthread_opts_t *opts)
{
    cbh_simthread_t *self = calloc(1, sizeof *self);
    if (self == NULL) {
        return NULL;
    }
    pthread_mutex_init(&self->lock, NULL);
    self->still = opts->still;
    self->turn_ms = opts->turn_ms > 0 ? opts->turn_ms : 5;
    self->sim = opts->sim != NULL ? opts->sim : &self->own;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* As the service does (cb_signal): a write to a peer that has gone
     * fails with EPIPE instead of killing the process. */
    signal(SIGPIPE, SIG_IGN);
    if (opts->sim == NULL && s_build(self, opts) != 0) {
        goto fail;
    }
    char err[256];
    cb_httpd_config_t hc = cb_httpd_config_default();
    if (opts->host != NULL) {
        hc.host = opts->host;
    }
    self->http = cb_httpd_new(&hc, sim_router_handle, self->sim, err, sizeof err);
    if (self->http == NULL) {
        fprintf(stderr, "cbh_simthread: cb_httpd_new() failed: %s\n", err);
        goto fail;
    }
    if (pthread_create(&self->thread, NULL, s_serve, self) != 0) {
        fprintf(stderr, "cbh_simthread: pthread_create() failed\n");
        goto fail;
    }
    self->running = true;
    return self;
fail:
    cbh_simthread_destroy(&self);
    return NULL;
}

void
cbh_simthread_stop(cbh_simthread_t *self)
{
    if (self != NULL && self->running) {
        self->stop = 1;
        pthread_join(self->thread, NULL);
        self->running = false;
    }
}

void
cbh_simthread_destroy(cbh_simthread_t **self_p)
{
    if (self_p == NULL || *self_p == NULL) {
        return;
    }
    cbh_simthread_t *self = *self_p;
    cbh_simthread_stop(self);
    cb_httpd_destroy(&self->http);
    s_own_fini(&self->own);
    pthread_mutex_destroy(&self->lock);
    curl_global_cleanup();
    free(self);
    *self_p = NULL;
}

int
cbh_simthread_port(const cbh_simthread_t *self)
{
    return cb_httpd_port(self->http);
}

sim_t *
cbh_simthread_sim(cbh_simthread_t *self)
{
    return self->sim;
}

cb_venue_cfg_t
cbh_simthread_venue(const cbh_simthread_t *self, cb_dialect_t dialect)
{
    const char *path = dialect == CB_DIALECT_KRAKEN ? "kraken" : "binance";
    cb_venue_cfg_t v = {.dialect = dialect};
    snprintf(v.name, sizeof v.name, "sim-%s", path);
    snprintf(v.rest_base, sizeof v.rest_base, "http://127.0.0.1:%d/%s", cbh_simthread_port(self), path);
    return v;
}

int
cbh_simpaper_start(cbh_simpaper_t *p)
{
    memset(p, 0, sizeof *p);
    cbh_simthread_opts_t opts = {.market = true, .seed = 7, .rate = 200, .auth = true, .limits = true,
                                 .accounts = SIM_EXCHANGE_DEFAULT_ACCOUNTS};
    p->srv = cbh_simthread_new(&opts);
    if (p->srv == NULL) {
        return -1;
    }
    p->kraken = cbh_simthread_venue(p->srv, CB_DIALECT_KRAKEN);
    p->binance = cbh_simthread_venue(p->srv, CB_DIALECT_BINANCE);
    p->nonce = (uint64_t) cb_time_now_ms() * 1000;
    return 0;
}

void
cbh_simpaper_stop(cbh_simpaper_t *p)
{
    if (p != NULL) {
        cbh_simthread_destroy(&p->srv);
    }
}

void
cbh_simthread_paper_req(const cb_venue_cfg_t *venue, const char *method, const char *path,
                        const char *params, uint64_t nonce, bool changes_state, cb_venue_req_t *req)
{
    int rc;
    if (venue->dialect == CB_DIALECT_KRAKEN) {
        uint8_t key[128];
        size_t key_len;
        assert_int_equal(cb_kraken_secret_decode(CBH_SIM_PAPER_KRAKEN_SECRET, key, sizeof key, &key_len), 0);
        rc = cb_kraken_private_req(venue, path, params, nonce, CBH_SIM_PAPER_KRAKEN_KEY, key, key_len,
                                   changes_state, req);
        OPENSSL_cleanse(key, sizeof key);
    } else {
        const char *secret = CBH_SIM_PAPER_BINANCE_SECRET;
        rc = cb_binance_signed_req(venue, method, path, params, cb_time_now_ms(), 5000,
                                   CBH_SIM_PAPER_BINANCE_KEY, (const uint8_t *) secret,
                                   strlen(secret), changes_state, req);
    }
    assert_int_equal(rc, 0);
}

void
cbh_simthread_lock(cbh_simthread_t *self)
{
    pthread_mutex_lock(&self->lock);
}

void
cbh_simthread_unlock(cbh_simthread_t *self)
{
    pthread_mutex_unlock(&self->lock);
}

/* Fails the test when the transfer behind res got no answer. */
static void
s_expect_answer(const char *method, const char *url, const cbh_http_res_t *res)
{
    if (res->curl_rc != CURLE_OK) {
        fail_msg("%s %s: no answer: %s", method, url, curl_easy_strerror((CURLcode) res->curl_rc));
    }
}

long
cbh_simthread_http(const cbh_simthread_t *self, const char *method, const char *path,
                   const char *const *headers, const char *body, size_t len, long timeout_ms,
                   cbh_http_res_t *res)
{
    char url[4096];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", cbh_simthread_port(self), path);
    cbh_http_url(url, method, headers, body, len, timeout_ms, res);
    s_expect_answer(method, url, res);
    return res->status;
}

long
cbh_simthread_send(const cb_venue_req_t *req, cbh_http_res_t *res)
{
    const char *headers[5] = {NULL};
    size_t n = 0;
    for (size_t k = 0; k < 4; k++) {
        if (req->headers[k][0] != '\0') {
            headers[n++] = req->headers[k];
        }
    }
    /* POST and PUT always carry one (maybe empty); DELETE when it has one. */
    bool has_body = strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0 ||
                    req->body.len > 0;
    const char *body = req->body.data != NULL ? req->body.data : "";
    cbh_http_url(req->url, req->method, headers, has_body ? body : NULL, has_body ? req->body.len : 0,
                 5000, res);
    s_expect_answer(req->method, req->url, res);
    return res->status;
}
