/* cbh_simthread.h - test harness: a venue-sim built in this process and served over real HTTP from a thread of its own */
#ifndef CBH_SIMTHREAD_H_INCLUDED
#define CBH_SIMTHREAD_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_dialect.h"
#include "cbh_http.h"
#include "sim.h"

/* The documented default paper accounts (services/venue-sim/README.md). */
#define CBH_SIM_PAPER_KRAKEN_KEY "coinbus-paper-kraken"
#define CBH_SIM_PAPER_KRAKEN_SECRET                                                                \
    "Y29pbmJ1cy1wYXBlci1rcmFrZW4tc2VjcmV0LWZvci10ZXN0aW5nLW9ubHktMDAwMDAwMDAwMDAwMDAwMDAwMA=="
#define CBH_SIM_PAPER_BINANCE_KEY "coinbuspaperbinancekey000000000000000000000000000000000000000000"
#define CBH_SIM_PAPER_BINANCE_SECRET "coinbuspaperbinancesecret000000000000000000000000000000000000000"

/* What the sim is made of. Zero-initialised: no market, no exchange, no
 * auth, no limits, no faults (only the static endpoints answer). */
typedef struct {
    sim_t *sim;           /* serve this caller-owned sim as it is (the fields below
                           * but host and turn_ms unused); NULL: build one */
    bool market;          /* a market seeded with seed, rate events per second */
    uint64_t seed;
    uint32_t rate;
    bool still;           /* never step the market nor poll the exchange: the
                           * seeded books stay as built, so fills are known */
    const char *accounts; /* with an exchange: its accounts (sim_exchange_add_accounts
                           * text); NULL: no exchange */
    bool auth;            /* a sim_auth (Kraken nonces and lockouts) */
    bool limits;          /* a sim_limits ... */
    bool limits_on;       /* ... enforced (else switched off) */
    bool faults;          /* a sim_faults drawing from faults_seed */
    uint64_t faults_seed;
    const char *host;     /* the address to listen on; NULL: 127.0.0.1 */
    int turn_ms;          /* the longest wait of one loop turn; 0: 5 ms */
} cbh_simthread_opts_t;

typedef struct cbh_simthread cbh_simthread_t;


/* Builds the sim opts describes (curl_global_init too, and SIGPIPE ignored
 * as the service does) and serves it on a free port from a new thread:
 * each loop turn, under the server's lock, steps the market to now, polls
 * the exchange and runs the HTTP loop once. NULL on failure (logged to
 * stderr, nothing left behind). */
cbh_simthread_t *
cbh_simthread_new(const cbh_simthread_opts_t *opts);

/* Stops the thread (waits for its turn to end): nothing is served after it.
 * Idempotent; the server and the sim stay until destroyed. */
void
cbh_simthread_stop(cbh_simthread_t *self);

/* Stops, destroys the HTTP server and the sim parts it built (a caller's
 * sim is left alone), curl_global_cleanup; NULL-safe, nulls *self_p. */
void
cbh_simthread_destroy(cbh_simthread_t **self_p);

/* The port it listens on. */
int
cbh_simthread_port(const cbh_simthread_t *self);

/* The sim served: touch its parts only between lock and unlock (the
 * server thread uses them between its turns). */
sim_t *
cbh_simthread_sim(cbh_simthread_t *self);

void
cbh_simthread_lock(cbh_simthread_t *self);

void
cbh_simthread_unlock(cbh_simthread_t *self);

/* A venue named "sim-kraken" or "sim-binance" (by dialect) whose REST base
 * is this server's /kraken or /binance. */
cb_venue_cfg_t
cbh_simthread_venue(const cbh_simthread_t *self, cb_dialect_t dialect);

/* venue's private call path(params) signed by the dialect as the paper
 * account (Kraken with nonce, Binance with method, now and recvWindow 5000);
 * a request the dialect refuses to build fails the test. cb_venue_req_fini. */
void
cbh_simthread_paper_req(const cb_venue_cfg_t *venue, const char *method, const char *path,
                        const char *params, uint64_t nonce, bool changes_state, cb_venue_req_t *req);

/* The paper venue the order tests trade on (a market seeded 7 at 200 events
 * a second, the documented paper accounts, auth, limits present but off),
 * a venue config for each dialect pointing at it, and a Kraken nonce that
 * starts at the current time in microseconds. */
typedef struct {
    cbh_simthread_t *srv;
    cb_venue_cfg_t kraken;
    cb_venue_cfg_t binance;
    uint64_t nonce;
} cbh_simpaper_t;

/* 0 or -1 (logged; *p is then safe to cbh_simpaper_stop). */
int
cbh_simpaper_start(cbh_simpaper_t *p);

/* NULL-safe and idempotent. */
void
cbh_simpaper_stop(cbh_simpaper_t *p);

/* cbh_http to this server (timeout_ms 0: 10 s); a transfer that gets no
 * answer fails the test. Returns the status. */
long
cbh_simthread_http(const cbh_simthread_t *self, const char *method, const char *path,
                   const char *const *headers, const char *body, size_t len, long timeout_ms,
                   cbh_http_res_t *res);

/* Sends req (a dialect's signed request, its url on this or any server) as
 * the venue HTTP client would, 5 s at most; a transfer that gets no answer
 * fails the test. Returns the status, the answer in res. */
long
cbh_simthread_send(const cb_venue_req_t *req, cbh_http_res_t *res);

#endif
