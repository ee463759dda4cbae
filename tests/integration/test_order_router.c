/* test_order_router.c - the order-router binary over the real bus, Redis and venue-sim: orders in both dialects, the venue's rules, exactly once through timeouts, 5xx and crashes, the dead-man's switch */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_error.h"
#include "cb_http.h"
#include "cb_jtok.h"
#include "cb_mp.h"
#include "cb_redis.h"
#include "cb_rpc.h"
#include "cb_time.h"
#include "cbh_bus.h"
#include "cbh_paper.h"
#include "cbh_router.h"
#include "cbh_rpc.h"
#include "cbh_sim.h"
#include "route_ledger.h"

#define K_KEY CBH_PAPER_K_KEY
#define K_SECRET CBH_PAPER_K_SECRET
#define B_KEY CBH_PAPER_B_KEY
#define B_SECRET CBH_PAPER_B_SECRET

static cbh_redis_t s_redis;
static cbh_bus_t s_bus;
static cbh_sim_t s_sim;
static cbh_proc_t *s_router;
static cb_rpc_client_t *s_client;
static cb_http_t *s_http;
static cbh_paper_t s_paper;      /* signed calls to the sim, as the router's accounts */
static cb_redis_t *s_r;          /* reads the router's ledger while it is down */
static char s_redis_env[200], s_venues_env[400];

static char *s_sim_env[] = {
    "COINBUS_SIM_ACCOUNTS=kraken " K_KEY " " K_SECRET " tier=pro ZUSD=1000000 XXBT=20;"
    "binance " B_KEY " " B_SECRET " USDT=1000000 BTC=20",
    NULL};

/* Starts the router (crash: the test-only hook, or NULL) and waits for ping. */
static int
s_router_start(const char *crash)
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s/order-router", cbh_bin_dir());
    char *argv[] = {bin, NULL};
    static char crash_env[80];
    snprintf(crash_env, sizeof crash_env, "COINBUS_ROUTER_TEST_CRASH=%s", crash != NULL ? crash : "none");
    char *env[] = {s_redis_env, s_venues_env, crash_env,
                   "COINBUS_ROUTER_VENUE_TIMEOUT_MS=700", "COINBUS_ROUTER_SETTLE_MS=300",
                   "COINBUS_ROUTER_LEASE_MS=1000",
                   /* No account service here: test_order_router_best checks balances. */
                   "COINBUS_ROUTER_BALANCE_CHECK=off",
                   "COINBUS_SIM_KRAKEN_API_KEY=" K_KEY, "COINBUS_SIM_KRAKEN_API_SECRET=" K_SECRET,
                   "COINBUS_SIM_BINANCE_API_KEY=" B_KEY, "COINBUS_SIM_BINANCE_API_SECRET=" B_SECRET,
                   "COINBUS_CREDENTIALS_FILE=", "COINBUS_CREDENTIALS_PLAIN_FILE=", NULL};
    s_router = cbh_proc_start("order-router", argv, env);
    for (int i = 0; s_router != NULL && i < 100; i++) {
        cb_rpc_result_t res;
        if (cb_rpc_call(s_client, "ping", NULL, 0, 200, 0, &res) == 0 && res.ok) {
            return 0;
        }
    }
    return -1;
}

static int
s_setup(void **state)
{
    (void) state;
    s_http = cb_http_new(NULL);
    if (s_http == NULL || cbh_redis_start(&s_redis, NULL) != 0 || cbh_bus_start(&s_bus) != 0 ||
        cbh_sim_start(&s_sim, s_sim_env) != 0) {
        return -1;
    }
    int e = 0;
    s_r = cb_redis_new(s_redis.url, &e);
    if (s_r == NULL || cbh_paper_init(&s_paper, s_sim.port, s_redis.url) != 0) {
        return -1;
    }
    snprintf(s_redis_env, sizeof s_redis_env, "COINBUS_REDIS_URL=%s", s_redis.url);
    snprintf(s_venues_env, sizeof s_venues_env, "%s", s_sim.venues_env);
    cbh_bus_export(&s_bus);
    s_client = cb_rpc_client_new(s_bus.config.frontend[CB_RPC_ORDERS]);
    return s_client != NULL ? s_router_start(NULL) : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    cb_rpc_client_destroy(&s_client);
    int rc = cbh_proc_stop(&s_router, SIGTERM, 5000);
    cbh_paper_fini(&s_paper);
    cb_redis_destroy(&s_r);
    cbh_sim_stop(&s_sim);
    cbh_bus_stop(&s_bus);
    cbh_redis_stop(&s_redis);
    cb_http_destroy(&s_http);
    return rc == 0 ? 0 : -1;
}

/* GET (body NULL) or POST body to the sim's admin; the body into out. */
static long
s_admin(const char *path, const char *body, char *out, size_t size)
{
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s_sim.port, path);
    const char *h[] = {"Content-Type: application/json"};
    cb_http_req_t hr = {body != NULL ? CB_HTTP_POST : CB_HTTP_GET, url, h, 1, body,
                        body != NULL ? strlen(body) : 0, 5000};
    cb_http_result_t res;
    assert_int_equal(cb_http_do(s_http, &hr, &res), 0);
    long status = res.resp.status;
    if (out != NULL) {
        snprintf(out, size, "%.*s", (int) res.resp.body_len, res.resp.body);
    }
    cb_http_result_fini(&res);
    return status;
}

/* Orders the sim received for the client order id. */
static int
s_count(const char *venue, const char *key, const char *clid)
{
    char path[256], body[256];
    snprintf(path, sizeof path, "/admin/counters/%s/%s/clid/%s", venue, key, clid);
    assert_int_equal(s_admin(path, NULL, body, sizeof body), 200);
    const char *p = strstr(body, "\"count\":");
    assert_non_null(p);
    return atoi(p + 8);
}

/* Calls op with args "key=value" (NULL-terminated; "true" is a boolean).
 * Returns 0 or the error code. */
static int
s_call(const char *op, cb_rpc_result_t *res, ...)
{
    va_list ap;
    va_start(ap, res);
    int rc = cbh_rpc_callv(s_client, op, res, ap);
    va_end(ap);
    return rc;
}

static const char *
s_field(const cb_rpc_result_t *res, const char *key)
{
    return cbh_rpc_field(res, key);
}

static void
s_expect(const cb_rpc_result_t *res, const char *key, const char *value)
{
    const char *got = s_field(res, key);
    if (strcmp(got, value) != 0) {
        fprintf(stderr, "%s: got '%s', want '%s' (error: %s)\n", key, got, value, res->error_message);
    }
    assert_string_equal(got, value);
}

/* The ledger's orders of venue ("list"): *total gets how many there are;
 * returns how many of them are open or partially_filled. */
static int
s_ledger_open(const char *venue, uint32_t *total)
{
    char arg[80];
    snprintf(arg, sizeof arg, "venue=%s", venue);
    cb_rpc_result_t res;
    assert_int_equal(s_call("list", &res, arg, NULL), 0);
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, res.result.ptr, res.result.len);
    uint32_t n;
    const char *k, *v;
    size_t kl, vl;
    assert_int_equal(cb_mp_read_map(&r, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(cb_mp_read_str(&r, &k, &kl), 0);
    assert_true(kl == 6 && memcmp(k, "orders", 6) == 0);
    assert_int_equal(cb_mp_read_array(&r, total), 0);
    int open = 0;
    for (uint32_t i = 0; i < *total; i++) {
        char status[32] = "", of[64] = "";
        assert_int_equal(cb_mp_read_map(&r, &n), 0);
        for (uint32_t f = 0; f < n; f++) {
            assert_int_equal(cb_mp_read_str(&r, &k, &kl), 0);
            char *into = kl == 6 && memcmp(k, "status", 6) == 0  ? status
                         : kl == 5 && memcmp(k, "venue", 5) == 0 ? of
                                                                 : NULL;
            if (into == NULL) {
                assert_int_equal(cb_mp_skip(&r, NULL, NULL), 0);
                continue;
            }
            assert_int_equal(cb_mp_read_str(&r, &v, &vl), 0);
            snprintf(into, 32, "%.*s", (int) vl, v);
        }
        assert_string_equal(of, venue);
        open += strcmp(status, "open") == 0 || strcmp(status, "partially_filled") == 0;
    }
    assert_true(cb_mp_at_end(&r));
    return open;
}

/* The orders the sim holds open for the Binance account (signed GET
 * /api/v3/openOrders, every symbol); clid (or NULL) must be among them. */
static int
s_venue_open_binance(const char *clid)
{
    cb_buf_t raw = {0};
    assert_int_equal(cbh_paper_binance(&s_paper, "GET", "/api/v3/openOrders", "", &raw), 200);
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    if (cb_jdoc_parse(&doc, (const char *) raw.data, raw.len) != 0 ||
        cb_jtok_type(&doc, 0) != CB_JT_ARRAY) {
        fail_msg("openOrders: not a JSON array: %.300s", (const char *) raw.data);
    }
    int n = cb_jtok_size(&doc, 0);
    bool seen = clid == NULL;
    for (int i = 0; i < n; i++) {
        int o = cb_jtok_at(&doc, 0, i);
        seen = seen || cb_jtok_eq(&doc, cb_jtok_get(&doc, o, "clientOrderId"), clid);
    }
    if (!seen) {
        fail_msg("openOrders: %s is not open: %.300s", clid, (const char *) raw.data);
    }
    cb_jdoc_fini(&doc);
    cb_buf_fini(&raw);
    return n;
}

static void
test_place_get_cancel_kraken(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    assert_int_equal(s_call("place", &res, "venue=sim-kraken", "symbol=BTC-USD", "side=buy",
                            "type=limit", "amount=0.01", "price=30000.1", "client_order_id=kr-1", NULL), 0);
    s_expect(&res, "status", "open");
    s_expect(&res, "id", "kr-1");
    assert_string_not_equal(s_field(&res, "venue_order_id"), "");
    /* The same client order id again: the order, and nothing more sent. */
    assert_int_equal(s_call("place", &res, "venue=sim-kraken", "symbol=BTC-USD", "side=buy",
                            "type=limit", "amount=0.01", "price=30000.1", "client_order_id=kr-1", NULL), 0);
    s_expect(&res, "status", "open");
    assert_int_equal(s_count("kraken", K_KEY, "kr-1"), 1);
    assert_int_equal(s_call("amend", &res, "id=kr-1", "price=30000.5", NULL), 0);
    s_expect(&res, "price", "30000.5");
    assert_int_equal(s_call("get", &res, "id=kr-1", NULL), 0);
    s_expect(&res, "status", "open");
    assert_int_equal(s_call("cancel", &res, "id=kr-1", NULL), 0);
    s_expect(&res, "status", "canceled");
    assert_int_equal(s_call("cancel", &res, "id=kr-1", NULL), CB_E_CONFLICT);
    assert_int_equal(s_call("list", &res, "venue=sim-kraken", "status=canceled", NULL), 0);
    assert_true(res.result.len > 20);
    assert_int_equal(s_call("get", &res, "id=nope", NULL), CB_E_NOT_FOUND);
}

static void
test_place_get_cancel_binance(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    assert_int_equal(s_call("place", &res, "venue=sim-binance", "symbol=BTC-USDT", "side=buy",
                            "amount=0.01", "price=30000.01", "idempotency_key=abc", NULL), 0);
    s_expect(&res, "status", "open");
    char clid[64];
    snprintf(clid, sizeof clid, "%s", s_field(&res, "id"));
    assert_int_equal(strlen(clid), 32);
    assert_int_equal(s_call("place", &res, "venue=sim-binance", "symbol=BTC-USDT", "side=buy",
                            "amount=0.01", "price=30000.01", "idempotency_key=abc", NULL), 0);
    s_expect(&res, "id", clid);
    assert_int_equal(s_count("binance", B_KEY, clid), 1);
    char id[80];
    snprintf(id, sizeof id, "id=%s", clid);
    assert_int_equal(s_call("amend", &res, id, "price=30000.02", NULL), 0);
    s_expect(&res, "price", "30000.02");
    s_expect(&res, "replaces", clid);
    s_expect(&res, "status", "open");
    char repl[64];
    snprintf(repl, sizeof repl, "%s", s_field(&res, "id"));
    assert_int_equal(s_call("get", &res, id, NULL), 0);
    s_expect(&res, "status", "canceled");
    /* Before cancel_all the replacement is open in the ledger and at the venue. */
    uint32_t total = 0;
    assert_int_equal(s_ledger_open("sim-binance", &total), 1);
    assert_int_equal(total, 2);
    assert_int_equal(s_venue_open_binance(repl), 1);
    assert_int_equal(s_call("cancel_all", &res, "venue=sim-binance", NULL), 0);
    assert_int_equal(s_ledger_open("sim-binance", &total), 0);
    assert_int_equal(total, 2);
    assert_int_equal(s_venue_open_binance(NULL), 0);
}

/* A repeat right behind the original (often within the same millisecond as
 * its creation stamp) is answered as the existing order, and only one
 * reaches the venue. */
static void
test_repeat_at_once(void **state)
{
    (void) state;
    for (int i = 0; i < 40; i++) {
        char clid[48];
        snprintf(clid, sizeof clid, "client_order_id=rp-%d", i);
        cb_rpc_result_t res;
        for (int k = 0; k < 2; k++) {
            assert_int_equal(s_call("place", &res, "venue=sim-binance", "symbol=BTC-USDT", "side=buy",
                                    "amount=0.01", "price=1000", "time_in_force=IOC", clid, NULL),
                             0);
            s_expect(&res, "existing", k == 0 ? "" : "true");
        }
        assert_int_equal(s_count("binance", B_KEY, clid + strlen("client_order_id=")), 1);
    }
}

static void
test_rules(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    assert_int_equal(s_call("place", &res, "venue=sim-kraken", "symbol=BTC-USD", "side=buy",
                            "amount=0.01", "price=30000.12", NULL), CB_E_BAD_REQUEST);
    assert_string_equal(res.error_message, "price 30000.12 is not a multiple of tick size 0.1");
    assert_int_equal(s_call("place", &res, "venue=sim-binance", "symbol=BTC-USDT", "side=buy",
                            "amount=0.000001", "price=30000", NULL), CB_E_BAD_REQUEST);
    assert_non_null(strstr(res.error_message, "lot size 0.00001"));
    assert_int_equal(s_call("place", &res, "venue=sim-binance", "symbol=BTC-USDT", "side=buy",
                            "amount=0.0001", "price=100", NULL), CB_E_BAD_REQUEST);
    assert_non_null(strstr(res.error_message, "minimum notional 5"));
    assert_int_equal(s_call("place", &res, "venue=sim-kraken", "symbol=BTC-USD", "side=buy",
                            "amount=0.01", "price=30000", "time_in_force=IOC", "post_only=true", NULL),
                     CB_E_BAD_REQUEST);
    assert_non_null(strstr(res.error_message, "post_only"));
    assert_int_equal(s_call("place", &res, "venue=sim-kraken", "symbol=DOGE-XYZ", "side=buy",
                            "amount=1", "price=1", NULL), CB_E_NOT_FOUND);
    assert_int_equal(s_call("place", &res, "venue=sim-kraken", "symbol=BTC-USD", "side=buy",
                            "amount=0.01", "price=30000", "client_order_id=bad_id", NULL), CB_E_BAD_REQUEST);
    /* validate: the venue checks it, nothing is placed or written. */
    assert_int_equal(s_call("place", &res, "venue=sim-binance", "symbol=BTC-USDT", "side=buy",
                            "amount=0.01", "price=30000", "client_order_id=val-1", "validate=true", NULL), 0);
    assert_int_equal(s_count("binance", B_KEY, "val-1"), 0);
    assert_int_equal(s_call("get", &res, "id=val-1", NULL), CB_E_NOT_FOUND);
}

/* The venue takes the order but its answer is lost: unknown, then resolved. */
static void
test_timeout_after_accepting(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    assert_int_equal(s_admin("/admin/faults/binance", "{\"timeout_next\":1,\"timeout_after\":true}", NULL, 0), 200);
    assert_int_equal(s_call("place", &res, "venue=sim-binance", "symbol=BTC-USDT", "side=buy",
                            "amount=0.01", "price=30000", "client_order_id=ta-1", NULL), 0);
    s_expect(&res, "status", "open");
    assert_int_equal(s_count("binance", B_KEY, "ta-1"), 1);
    assert_int_equal(s_admin("/admin/faults/kraken", "{\"timeout_next\":1,\"timeout_after\":true}", NULL, 0), 200);
    assert_int_equal(s_call("place", &res, "venue=sim-kraken", "symbol=BTC-USD", "side=buy",
                            "amount=0.01", "price=30000", "client_order_id=ta-2", NULL), 0);
    s_expect(&res, "status", "open");
    assert_int_equal(s_count("kraken", K_KEY, "ta-2"), 1);
}

/* The venue never got it (timeout before, or a 5xx): resent once, same id. */
static void
test_timeout_before_and_5xx(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    assert_int_equal(s_admin("/admin/faults/binance", "{\"timeout_next\":1}", NULL, 0), 200);
    assert_int_equal(s_call("place", &res, "venue=sim-binance", "symbol=BTC-USDT", "side=buy",
                            "amount=0.01", "price=30000", "client_order_id=tb-1", NULL), 0);
    s_expect(&res, "status", "open");
    assert_int_equal(s_count("binance", B_KEY, "tb-1"), 1);
    assert_int_equal(s_admin("/admin/faults/kraken", "{\"fail_next\":1}", NULL, 0), 200);
    assert_int_equal(s_call("place", &res, "venue=sim-kraken", "symbol=BTC-USD", "side=buy",
                            "amount=0.01", "price=30000", "client_order_id=tb-2", NULL), 0);
    s_expect(&res, "status", "open");
    assert_int_equal(s_count("kraken", K_KEY, "tb-2"), 1);
}

/* The router must have died by itself of the test hook at at: SIGKILL (its
 * documented way of dying), after logging test_crash at=<at>. */
static void
s_expect_crash(const char *at)
{
    for (int k = 0; k < 300 && cbh_proc_alive(s_router); k++) {
        usleep(10 * 1000);
    }
    assert_false(cbh_proc_alive(s_router)); /* else cbh_proc_wait would kill it */
    char want[64], line[1024];
    snprintf(want, sizeof want, "at=%s", at);
    bool logged = false;
    FILE *f = fopen(cbh_proc_log_path(s_router), "r");
    assert_non_null(f);
    while (!logged && fgets(line, sizeof line, f) != NULL) {
        logged = strstr(line, "test_crash") != NULL && strstr(line, want) != NULL;
    }
    fclose(f);
    assert_true(logged);
    assert_int_equal(cbh_proc_wait(&s_router, 0), 128 + SIGKILL);
}

/* SIGKILLed between the ledger write and the send, and between the send and
 * the reply: restarted, the venue holds exactly the orders the ledger says. */
static void
test_crash(void **state)
{
    (void) state;
    route_ledger_t ledger;
    assert_int_equal(route_ledger_init(&ledger, s_r, 1000), 0);
    const char *at[] = {"after_intent", "after_send"};
    const char *clid[] = {"cr-1", "cr-2"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(cbh_proc_stop(&s_router, SIGTERM, 5000), 0);
        assert_int_equal(s_router_start(at[i]), 0);
        char arg[64];
        snprintf(arg, sizeof arg, "client_order_id=%s", clid[i]);
        cb_rpc_result_t res;
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        /* No reply comes: the router dies on the way. */
        msgpack_packer pk;
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        const char *kv[][2] = {{"venue", "sim-kraken"}, {"symbol", "BTC-USD"}, {"side", "buy"},
                               {"amount", "0.01"}, {"price", "30000"}, {"client_order_id", clid[i]}};
        msgpack_pack_map(&pk, 6);
        for (int k = 0; k < 6; k++) {
            msgpack_pack_str_with_body(&pk, kv[k][0], strlen(kv[k][0]));
            msgpack_pack_str_with_body(&pk, kv[k][1], strlen(kv[k][1]));
        }
        assert_int_equal(cb_rpc_call(s_client, "place", sb.data, sb.size, 1500, 0, &res), CB_E_TIMEOUT);
        msgpack_sbuffer_destroy(&sb);
        s_expect_crash(at[i]);
        /* It died at the hook: the intent is in the ledger, never updated;
         * the venue has the order only when the send went out. */
        route_order_t o;
        assert_int_equal(route_ledger_get(&ledger, "sim-kraken", clid[i], &o), 0);
        assert_string_equal(o.status, "pending");
        assert_string_equal(o.venue_order_id, "");
        assert_string_equal(o.sent_ms, "");
        assert_int_equal(s_count("kraken", K_KEY, clid[i]), i == 0 ? 0 : 1);
        assert_int_equal(s_router_start(NULL), 0);
        /* The dead replica's lease expires; the new one takes the entry over. */
        snprintf(arg, sizeof arg, "id=%s", clid[i]);
        const char *status = "";
        for (int k = 0; k < 50; k++) {
            usleep(100 * 1000);
            if (s_call("get", &res, arg, NULL) == 0) {
                status = s_field(&res, "status");
                if (strcmp(status, "open") == 0) {
                    break;
                }
            }
        }
        assert_string_equal(status, "open");
        assert_int_equal(s_count("kraken", K_KEY, clid[i]), 1);
    }
}

/* A client order id that another live replica holds unresolved: the place
 * waits for it a bounded time (not the other's whole lease), answers the
 * order as it stands, sends nothing, and the router's loop is free again. */
static void
test_owned_elsewhere(void **state)
{
    (void) state;
    route_ledger_t other;
    assert_int_equal(route_ledger_init(&other, s_r, 60000), 0);
    route_order_t o = cbh_ledger_intent(&other, "sim-binance", "oe-1", "BTC-USDT", "30000");
    cb_rpc_result_t res;
    int64_t t0 = cb_time_mono_ns();
    assert_int_equal(s_call("place", &res, "venue=sim-binance", "symbol=BTC-USDT", "side=buy",
                            "amount=0.01", "price=30000", "client_order_id=oe-1", NULL),
                     0);
    int64_t waited_ms = (cb_time_mono_ns() - t0) / 1000000;
    s_expect(&res, "status", "pending");
    s_expect(&res, "client_order_id", "oe-1");
    assert_true(waited_ms < 10000); /* the other replica's lease runs 60 s */
    assert_int_equal(s_count("binance", B_KEY, "oe-1"), 0);
    assert_int_equal(s_call("get", &res, "id=oe-1", NULL), 0);
    s_expect(&res, "status", "pending");
    /* The other replica settles it: final, out of later sweeps. */
    snprintf(o.status, sizeof o.status, "rejected");
    assert_int_equal(route_ledger_update(&other, &o, "resolved"), 0);
}

/* The dead-man's switch: armed and fired (Kraken's own, Binance's Redis
 * timer), and disarmed. */
static void
test_cancel_after(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    const char *venue[] = {"venue=sim-kraken", "venue=sim-binance"};
    const char *symbol[] = {"symbol=BTC-USD", "symbol=BTC-USDT"};
    const char *clid[][2] = {{"client_order_id=dk-1", "id=dk-1"}, {"client_order_id=db-1", "id=db-1"}};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(s_call("cancel_after", &res, venue[i], "seconds=60", NULL), 0);
        assert_int_equal(s_call("cancel_after", &res, venue[i], "seconds=0", NULL), 0);
        assert_int_equal(s_call("place", &res, venue[i], symbol[i], "side=buy", "amount=0.01",
                                "price=30000", clid[i][0], NULL), 0);
        s_expect(&res, "status", "open");
        assert_int_equal(s_call("cancel_after", &res, venue[i], "seconds=1", NULL), 0);
        usleep(2500 * 1000);
        assert_int_equal(s_call("get", &res, clid[i][1], NULL), 0);
        s_expect(&res, "status", "canceled");
    }
    /* Disarmed: the order stays. */
    assert_int_equal(s_call("place", &res, venue[1], symbol[1], "side=buy", "amount=0.01",
                            "price=30000", "client_order_id=db-2", NULL), 0);
    assert_int_equal(s_call("cancel_after", &res, venue[1], "seconds=1", NULL), 0);
    assert_int_equal(s_call("cancel_after", &res, venue[1], "seconds=0", NULL), 0);
    usleep(1800 * 1000);
    assert_int_equal(s_call("get", &res, "id=db-2", NULL), 0);
    s_expect(&res, "status", "open");
}

/* A Binance place's ledger record is written to Redis before its reply
 * leaves and read back after (route_exec_finish): what another replica reads
 * right after the reply (a second Redis connection, as its `get` would) is
 * what the reply said, never the pending intent. */
static void
test_reply_then_ledger_agree(void **state)
{
    (void) state;
    route_ledger_t ledger;
    assert_int_equal(route_ledger_init(&ledger, s_r, 1000), 0);
    for (int i = 0; i < 30; i++) {
        char clid[32], arg[64];
        snprintf(clid, sizeof clid, "agree-%d", i);
        snprintf(arg, sizeof arg, "client_order_id=%s", clid);
        cb_rpc_result_t res;
        /* Far under the market, IOC: expired at once, every time alike. */
        assert_int_equal(s_call("place", &res, "venue=sim-binance", "symbol=BTC-USDT", "side=buy",
                                "amount=0.01", "price=1000", "time_in_force=IOC", arg, NULL),
                         0);
        s_expect(&res, "status", "expired");
        char venue_id[64];
        snprintf(venue_id, sizeof venue_id, "%s", s_field(&res, "venue_order_id"));
        route_order_t o;
        assert_int_equal(route_ledger_get(&ledger, "sim-binance", clid, &o), 0);
        assert_string_equal(o.status, "expired");
        assert_string_equal(o.venue_order_id, venue_id);
        assert_string_not_equal(o.updated_ms, "");
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_place_get_cancel_kraken),
        cmocka_unit_test(test_place_get_cancel_binance),
        cmocka_unit_test(test_repeat_at_once),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_timeout_after_accepting),
        cmocka_unit_test(test_timeout_before_and_5xx),
        cmocka_unit_test(test_crash),
        cmocka_unit_test(test_owned_elsewhere),
        cmocka_unit_test(test_cancel_after),
        cmocka_unit_test(test_reply_then_ledger_agree),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
