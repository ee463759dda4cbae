/* cbh_edge.h - test harness: the api-edge stack (redis, bus, venue-sim, market-feed, sentiment, account, order-router, api-edge) and a small HTTP client */
#ifndef CBH_EDGE_H_INCLUDED
#define CBH_EDGE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_buf.h"
#include "cb_jtok.h"
#include "cbh.h"
#include "cbh_bus.h"
#include "cbh_http.h"

struct cbh_paper;

/* The services api-edge talks to, on free ports; the bus's environment is
 * exported into this process so that children inherit it. */
typedef struct {
    cbh_redis_t redis;
    cbh_bus_t bus;
    cbh_proc_t *sim;
    cbh_proc_t *feed;
    cbh_proc_t *sentiment;
    cbh_proc_t *account; /* only after cbh_edge_start_account */
    cbh_proc_t *router;  /* only after cbh_edge_start_router */
    int sim_port;
    char env_redis[160];
    char env_venues[300];
} cbh_edge_stack_t;

/* Starts redis, the bus, venue-sim (sim-kraken and sim-binance), market-feed
 * (BTC-USD, ETH-USD) and sentiment. 0 or -1 (logged to stderr). */
int
cbh_edge_stack_start(cbh_edge_stack_t *s);

/* The same with extra "K=V" strings for venue-sim (NULL-terminated, may be
 * NULL; e.g. COINBUS_SIM_ACCOUNTS), which win over the defaults. */
int
cbh_edge_stack_start_sim(cbh_edge_stack_t *s, char *const sim_extra_env[]);

/* (Re)starts the sentiment service alone. 0 or -1. */
int
cbh_edge_start_sentiment(cbh_edge_stack_t *s);

/* Starts $BUILD/bin/account on the stack's Redis and venues with venue-sim's
 * default paper credentials in its own environment only (as scripts/run.sh
 * does), no credentials files, plus extra "K=V" strings (NULL-terminated, may
 * be NULL), which win over those; waits until it answers ping. 0 or -1. */
int
cbh_edge_start_account(cbh_edge_stack_t *s, char *const extra_env[]);

/* Stops the account service (SIGTERM); its exit status as cbh_proc_stop,
 * 0 when it was not running. */
int
cbh_edge_stop_account(cbh_edge_stack_t *s);

/* Starts $BUILD/bin/order-router as cbh_edge_start_account starts account
 * (the paper credentials in its own environment, extra_env first), after
 * the account service when it is not running (the router's balance check
 * asks it), and waits until it answers ping. 0 or -1. */
int
cbh_edge_start_router(cbh_edge_stack_t *s, char *const extra_env[]);

/* Stops everything it started; NULL-safe parts. */
void
cbh_edge_stack_stop(cbh_edge_stack_t *s);

/* Starts $BUILD/bin/api-edge on port (0: a free one, written back) with
 * the stack's Redis plus extra "K=V" strings (NULL-terminated, may be NULL),
 * and waits until the port accepts connections. NULL on failure. */
cbh_proc_t *
cbh_edge_start(const cbh_edge_stack_t *s, int *port, char *const extra_env[]);

/* The usual fixture: the stack and one api-edge started with env (plus
 * COINBUS_EDGE_TRUSTED_PROXIES=127.0.0.1, so that ip is the client the rate
 * limit sees: give each test its own). */
typedef struct {
    cbh_edge_stack_t stack;
    cbh_proc_t *edge;
    int port;
    char ip[32];
} cbh_edge_fixture_t;

/* 0 or -1 (logged). */
int
cbh_edge_fixture_start(cbh_edge_fixture_t *f, char *const env[]);

/* The private routes' fixture: venue-sim with CBH_PAPER_PRO_ACCOUNTS, then
 * start (cbh_edge_start_account or cbh_edge_start_router), an api-edge with
 * a 20 s RPC timeout and no practical rate limit, paper (cbh_paper_init, the
 * venue-sim's own signed view; cbh_paper.h) and COINBUS_REDIS_URL exported
 * for the coinbus CLI. 0 or -1. */
int
cbh_edge_private_start(cbh_edge_fixture_t *f, int (*start)(cbh_edge_stack_t *s, char *const extra_env[]),
                       struct cbh_paper *paper);

/* Stops api-edge (SIGTERM) and the stack; -1 when api-edge did not exit 0
 * (a sanitizer report makes it exit non-zero). */
int
cbh_edge_fixture_stop(cbh_edge_fixture_t *f);

/* A cmocka group teardown for a fixture in *state (fails as above). */
int
cbh_edge_fixture_teardown(void **state);

/* ---- api-edge answers (cmocka assertions) ------------------------------ */

/* A request to api-edge on port as client ip (sent as X-Forwarded-For, for
 * an api-edge that trusts 127.0.0.1; NULL: none) with Content-Type ctype
 * (NULL: application/json). Returns the status. */
long
cbh_edge_req(int port, const char *ip, const char *method, const char *path, const char *ctype,
             const char *body, size_t len, cbh_http_res_t *res);

/* cbh_edge_req to the fixture's api-edge as its current client. */
long
cbh_edge_fixture_req(const cbh_edge_fixture_t *f, const char *method, const char *path, const char *ctype,
                     const char *body, size_t len, cbh_http_res_t *res);

/* GET path from the fixture's api-edge as its current client. */
long
cbh_edge_fixture_get(const cbh_edge_fixture_t *f, const char *path, cbh_http_res_t *res);

/* Parses the body into doc (cb_jdoc_fini it); fails the test when it is not JSON. */
void
cbh_edge_parse(cb_jdoc_t *doc, const cbh_http_res_t *res);

/* The answer has status and the error shape {error, detail, timestamp}. */
void
cbh_edge_expect_error(const cbh_http_res_t *res, long status, const char *error);

/* Token i is a JSON number (never a string) that reads as an exact decimal. */
void
cbh_edge_expect_number(const cb_jdoc_t *doc, int i);

/* Token i is an ISO 8601 time string after 2020. */
void
cbh_edge_expect_time(const cb_jdoc_t *doc, int i);

/* ---- API keys (the coinbus CLI) and logs -------------------------------- */

/* Runs `$BUILD/bin/coinbus keys <args>` (COINBUS_REDIS_URL from this
 * process); its stdout into out (NUL-terminated; may be NULL). The exit status. */
int
cbh_edge_keys(const char *args, char *out, size_t size);

/* `coinbus keys create --name name --scope scope`: the key's text into key
 * (CB_APIKEY_TEXT_LEN + 1), its id from the list into id (CB_APIKEY_ID_LEN +
 * 1; may be NULL). Fails the test unless both are well formed and the list
 * never shows the key. */
void
cbh_edge_key_create(const char *name, const char *scope, char *key, char *id);

/* A whole file, NUL-terminated, appended to out; fails the test when unreadable. */
void
cbh_slurp(const char *path, cb_buf_t *out);

#endif
