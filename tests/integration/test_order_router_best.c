/* test_order_router_best.c - the order-router's venue "best" and balance check over the real bus, Redis, venue-sim, account binary and market RPC: the better total wins, open breakers and spent rate budgets are skipped, idempotent retries keep their venue, insufficient balances are refused, the balance view counts the router's own orders */
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


#include "cb_circuit.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_mp.h"
#include "cb_ratelimit.h"
#include "cb_redis.h"
#include "cb_rpc.h"
#include "cb_time.h"
#include "cbh_bus.h"
#include "cbh_market.h"
#include "cbh_paper.h"
#include "cbh_rpc.h"
#include "cbh_sim.h"
#include "feed_rpc.h"
#include "feed_store.h"

static cbh_redis_t s_redis;
static cbh_bus_t s_bus;
static cbh_sim_t s_sim;
static cbh_proc_t *s_router;
static cbh_proc_t *s_account;
static cb_rpc_client_t *s_client;
static cb_redis_t *s_r;
static cbh_market_t s_market; /* the `market` service (cbh_market.h), fed hand-built books (s_books) */
static char s_redis_env[200], s_venues_env[400];

static char *s_sim_env[] = {"COINBUS_SIM_ACCOUNTS=kraken " CBH_PAPER_K_KEY " " CBH_PAPER_K_SECRET
                            " tier=pro ZUSD=1000000 XXBT=20;"
                            "binance " CBH_PAPER_B_KEY " " CBH_PAPER_B_SECRET
                            " USDT=1000000 BTC=20",
                            NULL};

static cb_decimal_t
s_dec(const char *text)
{
    cb_decimal_t d;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &d), 0);
    return d;
}

static void
s_listing(feed_store_t *store, const char *venue, const char *dialect, const char *symbol,
          const char *taker)
{
    cb_instruments_t list = {0};
    cb_instrument_t in;
    memset(&in, 0, sizeof in);
    snprintf(in.symbol, sizeof in.symbol, "%s", symbol);
    snprintf(in.native, sizeof in.native, "N%s", symbol);
    in.tick_size = s_dec("0.1");
    in.lot_size = s_dec("0.0001");
    in.taker_fee = s_dec(taker);
    assert_int_equal(cb_instruments_add(&list, &in), 0);
    assert_int_equal(feed_store_set_instruments(store, venue, dialect, &list), 0);
    cb_instruments_fini(&list);
}

static void
s_book(feed_store_t *store, const char *venue, const char *symbol, const char *ask)
{
    cb_level_t b = {s_dec("1000"), s_dec("5")}, a = {s_dec(ask), s_dec("50")};
    cb_book_t book;
    memset(&book, 0, sizeof book);
    CB_PROTO_SET(&book, book, symbol, cb_str_from(symbol));
    CB_PROTO_SET(&book, book, venue, cb_str_from(venue));
    CB_PROTO_SET(&book, book, snapshot, true);
    CB_PROTO_SET(&book, book, bids, ((cb_levels_t){&b, 1}));
    CB_PROTO_SET(&book, book, asks, ((cb_levels_t){&a, 1}));
    CB_PROTO_SET(&book, book, update_id, (uint64_t) 7);
    assert_int_equal(feed_store_put_book(store, &book, cb_time_now_ns()), 0);
}

/* Fresh books: one ask level each, the venues' real taker fees (Kraken
 * 0.4 %, Binance 0.1 %). */
static void
s_books(const char *kraken_ask, const char *binance_ask)
{
    int err;
    feed_store_t *store = feed_store_new(s_redis.url, NULL, &err);
    assert_non_null(store);
    s_listing(store, "sim-kraken", "kraken", "BTC-USD", "0.004");
    s_listing(store, "sim-binance", "binance", "BTC-USDT", "0.001");
    s_book(store, "sim-kraken", "BTC-USD", kraken_ask);
    s_book(store, "sim-binance", "BTC-USDT", binance_ask);
    assert_int_equal(feed_store_flush(store), 0);
    feed_store_destroy(&store);
}

/* Starts name (order-router or account) with the paper credentials and
 * extra (NULL-terminated, may be NULL); waits for its ping. */
static cbh_proc_t *
s_start(const char *name, int rpc, char *const extra[])
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s/%s", cbh_bin_dir(), name);
    char *argv[] = {bin, NULL};
    char *env[24];
    size_t n = 0;
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
        env[n++] = extra[i];
    }
    char *const base[] = {s_redis_env,
                          s_venues_env,
                          "COINBUS_ROUTER_DEPS_TIMEOUT_MS=1000",
                          "COINBUS_SIM_KRAKEN_API_KEY=" CBH_PAPER_K_KEY,
                          "COINBUS_SIM_KRAKEN_API_SECRET=" CBH_PAPER_K_SECRET,
                          "COINBUS_SIM_BINANCE_API_KEY=" CBH_PAPER_B_KEY,
                          "COINBUS_SIM_BINANCE_API_SECRET=" CBH_PAPER_B_SECRET,
                          "COINBUS_CREDENTIALS_FILE=",
                          "COINBUS_CREDENTIALS_PLAIN_FILE=",
                          NULL};
    for (size_t i = 0; base[i] != NULL; i++) {
        env[n++] = base[i];
    }
    env[n] = NULL;
    cbh_proc_t *p = cbh_proc_start(name, argv, env);
    cb_rpc_client_t *c = cb_rpc_client_new(s_bus.config.frontend[rpc]);
    for (int i = 0; p != NULL && c != NULL && i < 100; i++) {
        cb_rpc_result_t res;
        if (cb_rpc_call(c, "ping", NULL, 0, 200, 0, &res) == 0 && res.ok) {
            cb_rpc_client_destroy(&c);
            return p;
        }
    }
    cb_rpc_client_destroy(&c);
    return p;
}

static int
s_setup(void **state)
{
    (void) state;
    cb_log_init("test-router-best", CB_LOG_WARN, CB_LOG_TEXT);
    if (cbh_redis_start(&s_redis, NULL) != 0 || cbh_bus_start(&s_bus) != 0 ||
        cbh_sim_start(&s_sim, s_sim_env) != 0) {
        return -1;
    }
    int e = 0;
    s_r = cb_redis_new(s_redis.url, &e);
    snprintf(s_redis_env, sizeof s_redis_env, "COINBUS_REDIS_URL=%s", s_redis.url);
    snprintf(s_venues_env, sizeof s_venues_env, "%s", s_sim.venues_env);
    cbh_bus_export(&s_bus);
    if (s_r == NULL || cbh_market_start(&s_market, s_redis.url, s_bus.config.backend[CB_RPC_MARKET]) != 0) {
        return -1;
    }
    s_client = cb_rpc_client_new(s_bus.config.frontend[CB_RPC_ORDERS]);
    s_account = s_start("account", CB_RPC_ACCOUNT, NULL);
    s_router = s_start("order-router", CB_RPC_ORDERS, NULL);
    return s_client != NULL && s_account != NULL && s_router != NULL ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    cb_rpc_client_destroy(&s_client);
    int rc = cbh_proc_stop(&s_router, SIGTERM, 5000);
    cbh_proc_stop(&s_account, SIGTERM, 5000);
    cbh_market_stop(&s_market);
    cb_redis_destroy(&s_r);
    cbh_sim_stop(&s_sim);
    cbh_bus_stop(&s_bus);
    cbh_redis_stop(&s_redis);
    return rc == 0 ? 0 : -1;
}

/* The reply's routing as one line: "chosen=<v> candidates=<v>,<v>
 * skipped=<v>:<reason>,..." ("" without routing). */
static const char *
s_routing(const cb_rpc_result_t *res)
{
    static char out[512];
    out[0] = '\0';
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, res->result.ptr, res->result.len);
    uint32_t n, m, k;
    assert_int_equal(cb_mp_read_map(&r, &n), 0);
    for (uint32_t i = 0; i < n; i++) {
        const char *key;
        size_t kl;
        const uint8_t *start;
        size_t len;
        assert_int_equal(cb_mp_read_str(&r, &key, &kl), 0);
        assert_int_equal(cb_mp_skip(&r, &start, &len), 0);
        if (kl != 7 || memcmp(key, "routing", 7) != 0) {
            continue;
        }
        size_t o =
            (size_t) snprintf(out, sizeof out, "chosen=%s", cbh_rpc_field_in(start, len, "chosen"));
        cb_mp_reader_t rr;
        cb_mp_reader_init(&rr, start, len);
        assert_int_equal(cb_mp_read_map(&rr, &m), 0);
        for (uint32_t j = 0; j < m; j++) {
            assert_int_equal(cb_mp_read_str(&rr, &key, &kl), 0);
            bool cands = kl == 10 && memcmp(key, "candidates", 10) == 0;
            bool skips = kl == 7 && memcmp(key, "skipped", 7) == 0;
            if (!cands && !skips) {
                assert_int_equal(cb_mp_skip(&rr, NULL, NULL), 0);
                continue;
            }
            o += (size_t) snprintf(out + o, sizeof out - o,
                                   " %s=", cands ? "candidates" : "skipped");
            assert_int_equal(cb_mp_read_array(&rr, &k), 0);
            for (uint32_t x = 0; x < k; x++) {
                const uint8_t *e;
                size_t el;
                assert_int_equal(cb_mp_skip(&rr, &e, &el), 0);
                o += (size_t) snprintf(out + o, sizeof out - o, "%s%s", x > 0 ? "," : "",
                                       cbh_rpc_field_in(e, el, "venue"));
                if (skips) {
                    o += (size_t) snprintf(out + o, sizeof out - o, ":%s",
                                           cbh_rpc_field_in(e, el, "reason"));
                }
            }
        }
    }
    return out;
}

static void
s_expect(const cb_rpc_result_t *res, const char *key, const char *value)
{
    const char *got = cbh_rpc_field(res, key);
    if (strcmp(got, value) != 0) {
        fprintf(stderr, "%s: got '%s', want '%s' (error: %s)\n", key, got, value,
                res->error_message);
    }
    assert_string_equal(got, value);
}

/* A resting buy of 0.01 BTC at 1000 through venue "best". */
static int
s_best_buy(const char *clid, cb_rpc_result_t *res)
{
    char id[64];
    snprintf(id, sizeof id, "client_order_id=%s", clid);
    return cbh_rpc_call(s_client, "place", res, "venue=best", "symbol=BTC-USD", "side=buy",
                        "type=limit", "amount=0.01", "price=1000", id, NULL);
}

static void
test_best_picks_the_better_total(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    /* Kraken's ask is lower by more than its higher fee: 500 + 2 against 510 + 0.51. */
    s_books("50000", "51000");
    assert_int_equal(s_best_buy("best-k1", &res), 0);
    s_expect(&res, "venue", "sim-kraken");
    s_expect(&res, "symbol", "BTC-USD");
    s_expect(&res, "status", "open");
    assert_string_equal(s_routing(&res),
                        "chosen=sim-kraken candidates=sim-kraken,sim-binance skipped=");
    /* Binance's lower price now: 495 + 0.495 against 502. */
    s_books("50000", "49500");
    assert_int_equal(s_best_buy("best-b1", &res), 0);
    s_expect(&res, "venue", "sim-binance");
    s_expect(&res, "symbol", "BTC-USDT");
    assert_string_equal(s_routing(&res),
                        "chosen=sim-binance candidates=sim-binance,sim-kraken skipped=");
    /* The same client order id again stays where it was placed. */
    assert_int_equal(s_best_buy("best-k1", &res), 0);
    s_expect(&res, "venue", "sim-kraken");
    s_expect(&res, "status", "open");
    assert_string_equal(s_routing(&res), "");
    /* validate routes and checks too, and places nothing. */
    assert_int_equal(cbh_rpc_call(s_client, "place", &res, "venue=best", "symbol=BTC-USD",
                                  "side=buy", "type=limit", "amount=0.01", "price=1000",
                                  "validate=true", NULL),
                     0);
    s_expect(&res, "venue", "sim-binance");
    assert_string_equal(s_routing(&res),
                        "chosen=sim-binance candidates=sim-binance,sim-kraken skipped=");
}

static void
s_eval(const char *script)
{
    int e = 0;
    redisReply *rep = cb_redis_command(s_r, &e, "EVAL %s 0", script);
    assert_non_null(rep);
    freeReplyObject(rep);
}

static void
test_best_skips_open_breaker_and_rate_limit(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    s_books("49000", "51000"); /* Kraken is best on price */
    cb_circuit_breaker_t *cb = cb_circuit_new(s_r, NULL, cb_circuit_defaults());
    assert_non_null(cb);
    cb_circuit_decision_t d;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(cb_circuit_allow(cb, "sim-kraken", "private", &d), 0);
        assert_int_equal(cb_circuit_report(cb, "sim-kraken", "private", false, d.probe, &d), 0);
    }
    assert_int_equal(d.state, CB_CIRCUIT_OPEN);
    cb_circuit_destroy(&cb);
    assert_int_equal(s_best_buy("best-cb1", &res), 0);
    s_expect(&res, "venue", "sim-binance");
    assert_string_equal(
        s_routing(&res),
        "chosen=sim-binance candidates=sim-kraken,sim-binance skipped=sim-kraken:breaker_open");
    /* Binance's budget spent too (a ban every replica obeys): nowhere to go. */
    cb_ratelimit_t *rl = cb_ratelimit_new(s_r);
    assert_int_equal(cb_ratelimit_ban(rl, "sim-binance", 60000), 0);
    cb_ratelimit_destroy(&rl);
    assert_int_equal(s_best_buy("best-cb2", &res), CB_E_UNAVAILABLE);
    assert_string_equal(res.error_message, "venue \"best\": no venue can take this order now: "
                                           "sim-kraken:breaker_open; sim-binance:rate_limited");
    /* With the breaker closed again Kraken takes it. */
    s_eval("for _, k in ipairs(redis.call('KEYS', 'coinbus:circuit:*')) do redis.call('DEL', k) "
           "end return 1");
    assert_int_equal(s_best_buy("best-cb3", &res), 0);
    s_expect(&res, "venue", "sim-kraken");
    assert_string_equal(s_routing(&res),
                        "chosen=sim-kraken candidates=sim-kraken,sim-binance skipped=");
    s_eval("for _, k in ipairs(redis.call('KEYS', 'coinbus:ratelimit:ban:*')) do redis.call('DEL', "
           "k) end return 1");
    /* The cheapest venue of all is one this router does not trade on. */
    int err;
    feed_store_t *store = feed_store_new(s_redis.url, NULL, &err);
    assert_non_null(store);
    s_listing(store, "sim-other", "kraken", "BTC-USD", "0.001");
    s_book(store, "sim-other", "BTC-USD", "40000");
    assert_int_equal(feed_store_flush(store), 0);
    feed_store_destroy(&store);
    assert_int_equal(s_best_buy("best-cb4", &res), 0);
    s_expect(&res, "venue", "sim-kraken");
    assert_string_equal(s_routing(&res),
                        "chosen=sim-kraken candidates=sim-other,sim-kraken,sim-binance "
                        "skipped=sim-other:not_configured");
}

static void
test_insufficient_balance(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    /* A Binance buy spends USDT (its fee is taken in BTC): 100 x 20000. */
    assert_int_equal(cbh_rpc_call(s_client, "place", &res, "venue=sim-binance", "symbol=BTC-USDT",
                                  "side=buy", "amount=100", "price=20000", NULL),
                     CB_E_BAD_REQUEST);
    assert_non_null(
        strstr(res.error_message, "insufficient balance: needs 2000000 USDT, available "));
    assert_non_null(strstr(res.error_message, " on sim-binance"));
    /* A Kraken buy pays its 0.4 % taker fee in USD too. */
    assert_int_equal(cbh_rpc_call(s_client, "place", &res, "venue=sim-kraken", "symbol=BTC-USD",
                                  "side=buy", "amount=100", "price=20000", "validate=true", NULL),
                     CB_E_BAD_REQUEST);
    assert_non_null(
        strstr(res.error_message, "insufficient balance: needs 2008000 USD, available "));
    /* A sell spends the base: nothing of BTC was sold or held. */
    assert_int_equal(cbh_rpc_call(s_client, "place", &res, "venue=sim-binance", "symbol=BTC-USDT",
                                  "side=sell", "amount=30", "price=90000", NULL),
                     CB_E_BAD_REQUEST);
    assert_string_equal(res.error_message,
                        "insufficient balance: needs 30 BTC, available 20 on sim-binance");
    assert_int_equal(cbh_rpc_call(s_client, "place", &res, "venue=sim-kraken", "symbol=BTC-USD",
                                  "side=sell", "amount=20.5", "price=90000", NULL),
                     CB_E_BAD_REQUEST);
    assert_string_equal(res.error_message,
                        "insufficient balance: needs 20.5 BTC, available 20 on sim-kraken");
    /* A market buy spends its fill on market-feed's book, Kraken's fee included. */
    s_books("500000", "51000");
    assert_int_equal(cbh_rpc_call(s_client, "place", &res, "venue=sim-kraken", "symbol=BTC-USD",
                                  "side=buy", "type=market", "amount=2.5", NULL),
                     CB_E_BAD_REQUEST);
    assert_non_null(
        strstr(res.error_message, "insufficient balance: needs 1255000 USD, available "));
    /* ... and so does one routed by venue "best", on the venue it chose. */
    assert_int_equal(cbh_rpc_call(s_client, "place", &res, "venue=best", "symbol=BTC-USD",
                                  "side=buy", "type=market", "amount=25", NULL),
                     CB_E_BAD_REQUEST);
    assert_non_null(
        strstr(res.error_message, "insufficient balance: needs 1275000 USDT, available "));
    /* Enough: placed. */
    assert_int_equal(cbh_rpc_call(s_client, "place", &res, "venue=sim-kraken", "symbol=BTC-USD",
                                  "side=sell", "amount=0.5", "price=90000", NULL),
                     0);
    s_expect(&res, "status", "open");
}

/* The balance view (COINBUS_ROUTER_BALANCE_CACHE_MS) counts this router's
 * own orders at once: a second sell that the first left no room for is
 * refused by the check (without the count the view would let it through to
 * the venue, whose refusal says something else); an order that ended
 * without spending gives its share back. */
static void
test_balance_view_counts_own_orders(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    /* 19.5 BTC free (sim-binance is banned by an earlier test): an IOC far
     * over the market ends unfilled, its 15 come back. */
    assert_int_equal(cbh_rpc_call(s_client, "place", &res, "venue=sim-kraken", "symbol=BTC-USD",
                                  "side=sell", "amount=15", "price=900000", "time_in_force=IOC",
                                  "client_order_id=view-ioc", NULL),
                     0);
    const char *ended = cbh_rpc_field(&res, "status");
    assert_true(strcmp(ended, "expired") == 0 || strcmp(ended, "canceled") == 0);
    assert_int_equal(cbh_rpc_call(s_client, "place", &res, "venue=sim-kraken", "symbol=BTC-USD",
                                  "side=sell", "amount=12", "price=900000",
                                  "client_order_id=view-1", NULL),
                     0);
    s_expect(&res, "status", "open");
    /* 12 of 19.5 held: 12 more do not fit, whatever the view's age. */
    int rc = cbh_rpc_call(s_client, "place", &res, "venue=sim-kraken", "symbol=BTC-USD",
                          "side=sell", "amount=12", "price=900000", "client_order_id=view-2", NULL);
    assert_int_equal(rc, CB_E_BAD_REQUEST);
    assert_string_equal(res.error_message,
                        "insufficient balance: needs 12 BTC, available 7.5 on sim-kraken");
    assert_int_equal(cbh_rpc_call(s_client, "get", &res, "id=view-1", NULL), 0);
    s_expect(&res, "status", "open");
    assert_int_equal(cbh_rpc_call(s_client, "cancel", &res, "id=view-1", NULL), 0);
    s_expect(&res, "status", "canceled");
}

static void
test_dependencies_down(void **state)
{
    (void) state;
    cb_rpc_result_t res;
    /* market-feed gone: venue "best" cannot route. */
    cbh_market_stop(&s_market);
    int64_t t0 = cb_time_now_ms();
    assert_int_equal(s_best_buy("best-nomkt", &res), CB_E_UNAVAILABLE);
    assert_true(cb_time_now_ms() - t0 < 5000);
    assert_non_null(
        strstr(res.error_message,
               "market-feed (the `market` service) did not answer `best` within 1000 ms"));
    /* account gone: nothing is placed unchecked. */
    assert_int_equal(cbh_proc_stop(&s_account, SIGTERM, 5000), 0);
    assert_int_equal(cbh_rpc_call(s_client, "place", &res, "venue=sim-kraken", "symbol=BTC-USD",
                                  "side=buy", "amount=0.01", "price=1000",
                                  "client_order_id=no-account", NULL),
                     CB_E_UNAVAILABLE);
    assert_non_null(strstr(res.error_message, "the account service did not answer `balances`"));
    /* ... unless the check is off. */
    assert_int_equal(cbh_proc_stop(&s_router, SIGTERM, 5000), 0);
    char *off[] = {"COINBUS_ROUTER_BALANCE_CHECK=off", NULL};
    s_router = s_start("order-router", CB_RPC_ORDERS, off);
    assert_non_null(s_router);
    assert_int_equal(cbh_rpc_call(s_client, "place", &res, "venue=sim-kraken", "symbol=BTC-USD",
                                  "side=buy", "amount=0.01", "price=1000",
                                  "client_order_id=no-account", NULL),
                     0);
    s_expect(&res, "status", "open");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best_picks_the_better_total),
        cmocka_unit_test(test_best_skips_open_breaker_and_rate_limit),
        cmocka_unit_test(test_insufficient_balance),
        cmocka_unit_test(test_balance_view_counts_own_orders),
        cmocka_unit_test(test_dependencies_down),
    };
    return cmocka_run_group_tests_name("order_router_best", tests, s_setup, s_teardown);
}
