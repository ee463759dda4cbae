/* test_order_router_faults.c - the order-router's exactly-once promise through the rest of the fault matrix: connection resets, two replicas on one key, Redis restarted mid-run */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_error.h"
#include "cb_mp.h"
#include "cbh_router.h"
#include "cbh_rpc.h"

#define K_KEY CBH_PAPER_K_KEY
#define B_KEY CBH_PAPER_B_KEY

static cbh_router_fixture_t s_f;
static cbh_proc_t *s_router;

static int
s_setup(void **state)
{
    (void) state;
    if (cbh_router_fixture_start(&s_f, true) != 0) {
        return -1;
    }
    s_router = cbh_router_spawn(&s_f, NULL);
    return s_router != NULL ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    int rc = cbh_proc_stop(&s_router, SIGTERM, 5000);
    cbh_router_fixture_stop(&s_f);
    return rc == 0 ? 0 : -1;
}

/* One venue of the paper accounts: its router name, sim name, key, symbol. */
typedef struct {
    const char *venue;
    const char *sim;
    const char *key;
    const char *symbol;
} s_venue_t;

static const s_venue_t s_venues[] = {
    {"venue=sim-kraken", "kraken", K_KEY, "symbol=BTC-USD"},
    {"venue=sim-binance", "binance", B_KEY, "symbol=BTC-USDT"},
};

/* Places a limit buy of clid on venue through client; 0 or the error. */
static int
s_place(cb_rpc_client_t *client, const s_venue_t *v, const char *clid, cb_rpc_result_t *res)
{
    char arg[96];
    snprintf(arg, sizeof arg, "client_order_id=%s", clid);
    return cbh_rpc_try_call(client, "place", res, v->venue, v->symbol, "side=buy", "amount=0.01",
                           "price=30000", arg, NULL);
}

/* The order clid must be open in the ledger ("get") and held exactly once
 * by the venue. */
static void
s_expect_open_once(const s_venue_t *v, const char *clid)
{
    char arg[96], status[64];
    snprintf(arg, sizeof arg, "id=%s", clid);
    cb_rpc_result_t res;
    assert_int_equal(cbh_rpc_try_call(s_f.client, "get", &res, arg, NULL), 0);
    cbh_rpc_field_copy(&res, "status", status, sizeof status);
    if (strcmp(status, "open") != 0) {
        fail_msg("%s on %s: status '%s', want open", clid, v->sim, status);
    }
    assert_int_equal(cbh_router_count(&s_f, v->sim, v->key, clid), 1);
}

/* How many orders "list" returns for status (and venue, when not NULL). */
static uint32_t
s_list_count(const char *venue, const char *status)
{
    char va[64], sa[96];
    snprintf(va, sizeof va, "venue=%s", venue != NULL ? venue : "");
    snprintf(sa, sizeof sa, "status=%s", status);
    cb_rpc_result_t res;
    assert_int_equal(venue != NULL ? cbh_rpc_try_call(s_f.client, "list", &res, sa, va, NULL)
                                   : cbh_rpc_try_call(s_f.client, "list", &res, sa, NULL),
                     0);
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, res.result.ptr, res.result.len);
    uint32_t n, count = 0;
    const char *k;
    size_t kl;
    assert_int_equal(cb_mp_read_map(&r, &n), 0);
    assert_int_equal(cb_mp_read_str(&r, &k, &kl), 0);
    assert_int_equal(cb_mp_read_array(&r, &count), 0);
    return count;
}

/* No entry of the ledger is left pending or unknown. */
static void
s_expect_all_resolved(void)
{
    assert_int_equal(s_list_count(NULL, "pending,unknown"), 0);
}

/* The connection is reset before the venue processes the order (it never
 * saw it: resent once with the same id) or after (the order exists: found
 * by its client order id). Either way exactly one order, reported open. */
static void
test_connection_reset(void **state)
{
    (void) state;
    for (size_t i = 0; i < 2; i++) {
        const s_venue_t *v = &s_venues[i];
        char warm[32];
        cb_rpc_result_t res;
        /* The fault hits the next request, whatever it is: the router's
         * first (its instrument list) goes through first. */
        snprintf(warm, sizeof warm, "rst-%s-warm", v->sim);
        assert_int_equal(s_place(s_f.client, v, warm, &res), 0);
        const char *faults[] = {"{\"reset_next\":1}", "{\"reset_next\":1,\"reset_after\":true}"};
        for (int after = 0; after < 2; after++) {
            char path[64], clid[32], status[64];
            snprintf(path, sizeof path, "/admin/faults/%s", v->sim);
            snprintf(clid, sizeof clid, "rst-%s-%d", v->sim, after);
            assert_int_equal(cbh_router_admin(&s_f, path, faults[after], NULL, 0), 200);
            assert_int_equal(s_place(s_f.client, v, clid, &res), 0);
            cbh_rpc_field_copy(&res, "status", status, sizeof status);
            assert_string_equal(status, "open");
            s_expect_open_once(v, clid);
        }
    }
    char counters[2048];
    assert_int_equal(cbh_router_admin(&s_f, "/admin/counters", NULL, counters, sizeof counters), 200);
    assert_non_null(strstr(counters, "\"kraken\":{\"requests\":"));
    assert_non_null(strstr(counters, "\"resets\":2,"));
    s_expect_all_resolved();
}

/* ---- two replicas ----------------------------------------------------------------- */

#define S_PER_THREAD 3

typedef struct {
    cb_rpc_client_t *client;
    const s_venue_t *venue;
    char clid[S_PER_THREAD][40];
    size_t n;
    int rc[S_PER_THREAD];
    char status[S_PER_THREAD][32];
    char id[S_PER_THREAD][40];
} s_worker_t;

static void *
s_worker_run(void *arg)
{
    s_worker_t *w = arg;
    for (size_t i = 0; i < w->n; i++) {
        cb_rpc_result_t res;
        w->rc[i] = s_place(w->client, w->venue, w->clid[i], &res);
        if (w->rc[i] == 0) {
            cbh_rpc_field_copy(&res, "status", w->status[i], sizeof w->status[i]);
            cbh_rpc_field_copy(&res, "id", w->id[i], sizeof w->id[i]);
        } else {
            fprintf(stderr, "place %s: %d %s\n", w->clid[i], w->rc[i], res.error_message);
        }
    }
    return NULL;
}

/* Runs two workers at once, each with its own client (so the bus hands
 * their calls to the two replicas), and checks every call succeeded. */
static void
s_run_pair(s_worker_t w[2])
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        w[i].client = cb_rpc_client_new(s_f.bus.config.frontend[CB_RPC_ORDERS]);
        assert_non_null(w[i].client);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, s_worker_run, &w[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        cb_rpc_client_destroy(&w[i].client);
    }
    for (int i = 0; i < 2; i++) {
        for (size_t k = 0; k < w[i].n; k++) {
            assert_int_equal(w[i].rc[k], 0);
            assert_string_equal(w[i].status[k], "open");
            assert_string_equal(w[i].id[k], w[i].clid[k]);
        }
    }
}

/* Two replicas with one key per venue place at once: distinct client order
 * ids all land once (Kraken's nonces come from the one Redis counter, so
 * none collides), and one client order id sent to both replicas at the
 * same moment gives one order at the venue and the same answer to both. */
static void
test_two_replicas(void **state)
{
    (void) state;
    cbh_proc_t *second = cbh_router_spawn(&s_f, NULL);
    assert_non_null(second);
    /* A slow venue keeps each call on its replica while the other comes. */
    for (size_t v = 0; v < 2; v++) {
        char path[64];
        snprintf(path, sizeof path, "/admin/faults/%s", s_venues[v].sim);
        assert_int_equal(cbh_router_admin(&s_f, path, "{\"latency_ms\":60}", NULL, 0), 200);
        s_worker_t w[2];
        memset(w, 0, sizeof w);
        for (int i = 0; i < 2; i++) {
            w[i].venue = &s_venues[v];
            /* Kraken: fewer, as the router meters the key as Starter tier. */
            w[i].n = v == 0 ? 2 : S_PER_THREAD;
            for (size_t k = 0; k < w[i].n; k++) {
                snprintf(w[i].clid[k], sizeof w[i].clid[k], "two-%s-%c%zu", s_venues[v].sim,
                         'a' + i, k);
            }
        }
        s_run_pair(w);
        for (int i = 0; i < 2; i++) {
            for (size_t k = 0; k < w[i].n; k++) {
                assert_int_equal(cbh_router_count(&s_f, s_venues[v].sim, s_venues[v].key,
                                                  w[i].clid[k]), 1);
            }
        }
        /* The same client order id from both at once, several times. */
        assert_int_equal(cbh_router_admin(&s_f, path, "{\"latency_ms\":300}", NULL, 0), 200);
        memset(w, 0, sizeof w);
        for (int i = 0; i < 2; i++) {
            w[i].venue = &s_venues[v];
            w[i].n = 2;
            for (size_t k = 0; k < 2; k++) {
                snprintf(w[i].clid[k], sizeof w[i].clid[k], "same-%s-%zu", s_venues[v].sim, k);
            }
        }
        s_run_pair(w);
        for (size_t k = 0; k < 2; k++) {
            s_expect_open_once(&s_venues[v], w[0].clid[k]);
        }
        assert_int_equal(cbh_router_admin(&s_f, path, "{\"latency_ms\":0}", NULL, 0), 200);
    }
    /* Both replicas did the work, and no nonce was refused. */
    assert_true(cbh_proc_log_count(s_router, "order_state") > 0);
    assert_true(cbh_proc_log_count(second, "order_state") > 0);
    assert_int_equal(cbh_proc_log_count(s_router, "Invalid nonce") + cbh_proc_log_count(second, "Invalid nonce"), 0);
    s_expect_all_resolved();
    assert_int_equal(cbh_proc_stop(&second, SIGTERM, 5000), 0);
}

/* ---- Redis restarted --------------------------------------------------------------- */

typedef struct {
    cb_rpc_client_t *client;
    int rc;
    char status[32];
    char message[256];
} s_slow_t;

static void *
s_slow_place(void *arg)
{
    s_slow_t *s = arg;
    cb_rpc_result_t res;
    s->rc = s_place(s->client, &s_venues[1], "rr-inflight", &res);
    cbh_rpc_field_copy(&res, "status", s->status, sizeof s->status);
    snprintf(s->message, sizeof s->message, "%.200s", s->rc != 0 ? res.error_message : "");
    return NULL;
}

/* True when the router's log has a line with both a and b. */
static bool
s_logged(const char *a, const char *b)
{
    char line[2048];
    bool found = false;
    FILE *f = fopen(cbh_proc_log_path(s_router), "r");
    assert_non_null(f);
    while (!found && fgets(line, sizeof line, f) != NULL) {
        found = strstr(line, a) != NULL && strstr(line, b) != NULL;
    }
    fclose(f);
    return found;
}

/* Redis goes away and comes back (same port, its AOF): while it is gone a
 * place fails cleanly with nothing at the venue; one in flight when it went
 * is reported as the venue answered it (placed, never placed-but-unknown to
 * the user; its record after the reply fails: `ledger_behind`); the router reconnects by itself, later orders work and the
 * ledger still holds every order it acknowledged. */
static void
test_redis_restart(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    char status[64];
    for (size_t v = 0; v < 2; v++) {
        char clid[32];
        snprintf(clid, sizeof clid, "rr-before-%s", s_venues[v].sim);
        assert_int_equal(s_place(s_f.client, &s_venues[v], clid, &res), 0);
        s_expect_open_once(&s_venues[v], clid);
    }
    /* In flight: the venue answers after Redis has gone. */
    assert_int_equal(cbh_router_admin(&s_f, "/admin/faults/binance", "{\"latency_ms\":400}", NULL, 0),
                     200);
    s_slow_t slow = {.client = cb_rpc_client_new(s_f.bus.config.frontend[CB_RPC_ORDERS])};
    assert_non_null(slow.client);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, s_slow_place, &slow), 0);
    usleep(150 * 1000);
    cbh_redis_halt(&s_f.redis);
    pthread_join(t, NULL);
    cb_rpc_client_destroy(&slow.client);
    if (slow.rc != 0) {
        fail_msg("in flight when Redis went: %d %s", slow.rc, slow.message);
    }
    assert_string_equal(slow.status, "open");
    assert_int_equal(cbh_router_count(&s_f, "binance", B_KEY, "rr-inflight"), 1);
    /* Its record, written after the reply, failed: the intent stays pending
     * under the router's lease, and the sweep resolves it below. */
    for (int i = 0; i < 50 && !s_logged("ledger_behind", "clid=rr-inflight"); i++) {
        usleep(20 * 1000);
    }
    assert_true(s_logged("ledger_behind", "clid=rr-inflight"));
    assert_int_equal(cbh_router_admin(&s_f, "/admin/faults/binance", "{\"latency_ms\":0}", NULL, 0),
                     200);
    /* Redis down: refused before anything is signed. */
    for (size_t v = 0; v < 2; v++) {
        char clid[32];
        snprintf(clid, sizeof clid, "rr-down-%s", s_venues[v].sim);
        int rc = s_place(s_f.client, &s_venues[v], clid, &res);
        if (rc != CB_E_UNAVAILABLE) {
            fail_msg("%s with Redis down: %d '%s', want unavailable", clid, rc, res.error_message);
        }
        assert_int_equal(cbh_router_count(&s_f, s_venues[v].sim, s_venues[v].key, clid), 0);
    }
    assert_int_equal(cbh_redis_restart(&s_f.redis), 0);
    /* The router reconnects by itself. */
    int rc = -1;
    for (int i = 0; i < 50 && rc != 0; i++) {
        rc = s_place(s_f.client, &s_venues[0], "rr-after-kraken", &res);
        if (rc != 0) {
            assert_int_equal(cbh_router_count(&s_f, "kraken", K_KEY, "rr-after-kraken"), 0);
            usleep(100 * 1000);
        }
    }
    assert_int_equal(rc, 0);
    cbh_rpc_field_copy(&res, "status", status, sizeof status);
    assert_string_equal(status, "open");
    assert_int_equal(s_place(s_f.client, &s_venues[1], "rr-after-binance", &res), 0);
    s_expect_open_once(&s_venues[0], "rr-after-kraken");
    s_expect_open_once(&s_venues[1], "rr-after-binance");
    /* The earlier orders survived the restart; the in-flight one is resolved
     * from the venue once its lease runs out. */
    s_expect_open_once(&s_venues[0], "rr-before-kraken");
    s_expect_open_once(&s_venues[1], "rr-before-binance");
    assert_int_equal(cbh_rpc_try_call(s_f.client, "get", &res, "id=rr-down-kraken", NULL),
                     CB_E_NOT_FOUND);
    for (int i = 0; i < 40; i++) {
        if (cbh_rpc_try_call(s_f.client, "get", &res, "id=rr-inflight", NULL) == 0 &&
            strcmp(cbh_rpc_field_copy(&res, "status", status, sizeof status), "open") == 0) {
            break;
        }
        usleep(100 * 1000);
    }
    assert_string_equal(status, "open");
    s_expect_all_resolved();
}

/* ---- cancel_all across venues ------------------------------------------------------- */

/* The ledger's open orders of venue. */
static uint32_t
s_open_in_ledger(const char *venue)
{
    return s_list_count(venue, "open,partially_filled");
}

/* One venue's entry of a cancel_all result. */
typedef struct {
    char venue[40];
    int64_t count; /* -1 when it failed */
    char code[32];
    char error[256];
} s_cancel_entry_t;

/* cancel_all without a venue: its total, and the entries (two: the sim's). */
static int64_t
s_cancel_all(s_cancel_entry_t out[2])
{
    cb_rpc_result_t res;
    assert_int_equal(cbh_rpc_try_call(s_f.client, "cancel_all", &res, NULL), 0);
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, res.result.ptr, res.result.len);
    uint32_t n, nv, nf;
    const char *k, *v;
    size_t kl, vl;
    int64_t total = -1;
    assert_int_equal(cb_mp_read_map(&r, &n), 0);
    assert_int_equal(n, 2);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(cb_mp_read_str(&r, &k, &kl), 0);
        if (kl == 5 && memcmp(k, "count", 5) == 0) {
            assert_int_equal(cb_mp_read_int(&r, &total), 0);
            continue;
        }
        assert_true(kl == 6 && memcmp(k, "venues", 6) == 0);
        assert_int_equal(cb_mp_read_array(&r, &nv), 0);
        assert_int_equal(nv, 2);
        for (uint32_t e = 0; e < nv; e++) {
            memset(&out[e], 0, sizeof out[e]);
            out[e].count = -1;
            assert_int_equal(cb_mp_read_map(&r, &nf), 0);
            for (uint32_t f = 0; f < nf; f++) {
                assert_int_equal(cb_mp_read_str(&r, &k, &kl), 0);
                if (kl == 5 && memcmp(k, "count", 5) == 0) {
                    assert_int_equal(cb_mp_read_int(&r, &out[e].count), 0);
                    continue;
                }
                assert_int_equal(cb_mp_read_str(&r, &v, &vl), 0);
                char *into = kl == 5 && memcmp(k, "venue", 5) == 0   ? out[e].venue
                             : kl == 4 && memcmp(k, "code", 4) == 0  ? out[e].code
                             : kl == 5 && memcmp(k, "error", 5) == 0 ? out[e].error
                                                                     : NULL;
                assert_non_null(into);
                snprintf(into, 32, "%.*s", (int) (vl < 31 ? vl : 31), v);
            }
        }
    }
    return total;
}

/* cancel_all without a venue cancels on every venue; one failing is
 * reported in its entry and does not stop the other; both failing fails
 * the call. The venue's counts match the ledger's open orders. */
static void
test_cancel_all_venues(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    assert_int_equal(s_place(s_f.client, &s_venues[0], "ca-k", &res), 0);
    assert_int_equal(s_place(s_f.client, &s_venues[1], "ca-b", &res), 0);
    uint32_t open_k = s_open_in_ledger("sim-kraken"), open_b = s_open_in_ledger("sim-binance");
    assert_true(open_k >= 1 && open_b >= 1);
    /* Kraken fails its CancelAll: Binance's orders go all the same. */
    assert_int_equal(cbh_router_admin(&s_f, "/admin/faults/kraken", "{\"fail_next\":1}", NULL, 0),
                     200);
    s_cancel_entry_t e[2];
    assert_int_equal(s_cancel_all(e), open_b);
    assert_string_equal(e[0].venue, "sim-kraken");
    assert_int_equal(e[0].count, -1);
    /* EService:Unavailable to a call that changes state: its outcome is unknown. */
    assert_true(strcmp(e[0].code, "timeout") == 0 || strcmp(e[0].code, "unavailable") == 0);
    assert_non_null(strstr(e[0].error, "sim-kraken"));
    assert_string_equal(e[1].venue, "sim-binance");
    assert_int_equal(e[1].count, open_b);
    assert_int_equal(s_open_in_ledger("sim-binance"), 0);
    assert_int_equal(s_open_in_ledger("sim-kraken"), open_k);
    /* Both fail: the call does. */
    assert_int_equal(s_place(s_f.client, &s_venues[1], "ca-b2", &res), 0);
    assert_int_equal(cbh_router_admin(&s_f, "/admin/faults/kraken", "{\"fail_next\":1}", NULL, 0),
                     200);
    assert_int_equal(cbh_router_admin(&s_f, "/admin/faults/binance", "{\"fail_next\":1}", NULL, 0),
                     200);
    int rc = cbh_rpc_try_call(s_f.client, "cancel_all", &res, NULL);
    assert_true(rc == CB_E_TIMEOUT || rc == CB_E_UNAVAILABLE);
    assert_non_null(strstr(res.error_message, "sim-kraken"));
    /* Then both succeed: the venues cancel exactly what the ledger had open. */
    assert_int_equal(s_cancel_all(e), (int64_t) open_k + 1);
    assert_int_equal(e[0].count, open_k);
    assert_int_equal(e[1].count, 1);
    assert_int_equal(s_open_in_ledger("sim-kraken"), 0);
    assert_int_equal(s_open_in_ledger("sim-binance"), 0);
    assert_int_equal(cbh_rpc_try_call(s_f.client, "get", &res, "id=ca-k", NULL), 0);
    char status[32];
    assert_string_equal(cbh_rpc_field_copy(&res, "status", status, sizeof status), "canceled");
    /* A symbol only one venue lists: the other counts 0. */
    assert_int_equal(s_place(s_f.client, &s_venues[1], "ca-b3", &res), 0);
    assert_int_equal(cbh_rpc_try_call(s_f.client, "cancel_all", &res, "symbol=BTC-USDT", NULL), 0);
    assert_int_equal(cbh_rpc_try_call(s_f.client, "get", &res, "id=ca-b3", NULL), 0);
    assert_string_equal(cbh_rpc_field_copy(&res, "status", status, sizeof status), "canceled");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        /* First: its Kraken refreshes go through the router's Starter-tier
         * counter, which the later tests' orders would slow to a crawl. */
        cmocka_unit_test(test_cancel_all_venues),
        cmocka_unit_test(test_connection_reset),
        cmocka_unit_test(test_two_replicas),
        cmocka_unit_test(test_redis_restart),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
