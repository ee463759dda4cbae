/* test_market_feed.c - market-feed against the real venue-sim, bus and Redis: data on the bus, resyncs, reconnects, breaker, replicas, RPC */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_buf.h"
#include "cb_error.h"
#include "cb_jtok.h"
#include "cb_json.h"
#include "cb_redis.h"
#include "cb_rpc.h"
#include "cb_sub.h"
#include "cb_time.h"
#include "cbh.h"
#include "cbh_bus.h"
#include "cbh_sim.h"

static cbh_bus_t s_bus;
static cbh_redis_t s_redis;
static cbh_sim_t s_sim;
static cbh_proc_t *s_feed[2];
static char s_env_redis[160];

#define S_SYMBOLS "COINBUS_SYMBOLS=BTC-USD,ETH-USD"

static cbh_proc_t *
s_start_feed(const char *name)
{
    char bin[512];
    snprintf(bin, sizeof bin, "%s/market-feed", cbh_bin_dir());
    char *argv[] = {bin, NULL};
    char *env[] = {s_env_redis, s_sim.venues_env, S_SYMBOLS, "COINBUS_FEED_LEASE_MS=1500",
                   "COINBUS_FEED_SILENCE_MS=3000", "COINBUS_QUOTE_EQUIVALENTS=USD=USDT", NULL};
    return cbh_proc_start(name, argv, env);
}

static int
s_setup(void **state)
{
    (void) state;
    if (cbh_redis_start(&s_redis, NULL) != 0 || cbh_bus_start(&s_bus) != 0) {
        return -1;
    }
    cbh_bus_export(&s_bus);
    char *sim_env[] = {"COINBUS_SIM_RATE=50", "COINBUS_SIM_SEED=7", NULL};
    if (cbh_sim_start(&s_sim, sim_env) != 0) {
        return -1;
    }
    snprintf(s_env_redis, sizeof s_env_redis, "COINBUS_REDIS_URL=%s", s_redis.url);
    s_feed[0] = s_start_feed("market-feed-a");
    return s_feed[0] != NULL ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    for (int k = 0; k < 2; k++) {
        if (s_feed[k] != NULL) {
            cbh_proc_stop(&s_feed[k], SIGTERM, 5000);
        }
    }
    cbh_sim_stop(&s_sim);
    cbh_bus_stop(&s_bus);
    cbh_redis_stop(&s_redis);
    return 0;
}

static size_t
s_sink(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    cb_buf_t *b = userdata;
    size_t n = size * nmemb;
    return cb_buf_append(b, ptr, n) == 0 ? n : 0;
}

/* An HTTP call to the sim; the body into out (may be NULL). Returns the status. */
static long
s_http(const char *method, const char *path, const char *body, cb_buf_t *out)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s_sim.port, path);
    CURL *c = curl_easy_init();
    cb_buf_t sink = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out != NULL ? out : &sink);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    struct curl_slist *h = NULL;
    if (body != NULL) {
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    cb_buf_fini(&sink);
    return status;
}

static cb_sub_t *
s_subscribe(const char *prefix)
{
    cb_sub_t *sub = cb_sub_new(s_bus.config.sub);
    assert_non_null(sub);
    assert_int_equal(cb_sub_subscribe(sub, prefix), 0);
    return sub;
}

/* Waits until every topic in want[] was seen at least once. */
static void
s_expect_topics(const char *const *want, size_t n, int timeout_ms)
{
    cb_sub_t *sub = s_subscribe("");
    bool seen[32] = {0};
    size_t left = n;
    int64_t end = cb_time_now_ms() + timeout_ms;
    while (left > 0 && cb_time_now_ms() < end) {
        cb_sub_msg_t msg;
        if (cb_sub_recv(sub, 200, &msg) != 0) {
            continue;
        }
        for (size_t k = 0; k < n; k++) {
            if (!seen[k] && msg.topic_len == strlen(want[k]) && memcmp(msg.topic, want[k], msg.topic_len) == 0) {
                seen[k] = true;
                left--;
            }
        }
        cb_sub_msg_clear(&msg);
    }
    for (size_t k = 0; k < n; k++) {
        if (!seen[k]) {
            fail_msg("no message on %s within %d ms; feed log: %s", want[k], timeout_ms,
                     cbh_proc_log_path(s_feed[0]));
        }
    }
    assert_int_equal(cb_sub_stats(sub).malformed, 0);
    cb_sub_destroy(&sub);
}

static void
test_every_stream_on_the_bus(void **state)
{
    (void) state;
    const char *want[] = {
        "tick.BTC-USD.sim-kraken", "tick.ETH-USD.sim-kraken", "tick.BTC-USDT.sim-binance",
        "tick.ETH-USDT.sim-binance", "trade.BTC-USD.sim-kraken", "trade.BTC-USDT.sim-binance",
        "book.BTC-USD.sim-kraken", "book.ETH-USD.sim-kraken", "book.BTC-USDT.sim-binance",
        "book.ETH-USDT.sim-binance", "best.BTC-USD.all", "best.ETH-USD.all",
        "candle.BTC-USDT.sim-binance.1m",
    };
    s_expect_topics(want, sizeof want / sizeof want[0], 20000);
}

/* Every published Binance trade is one the sim made: same id, price, amount
 * and taker side as its REST trade list. */
static void
test_trades_match_the_sim(void **state)
{
    (void) state;
    cb_sub_t *sub = s_subscribe("trade.BTC-USDT.sim-binance");
    char ids[50][64];
    cb_decimal_t price[50], qty[50];
    bool buy[50];
    size_t n = 0;
    int64_t end = cb_time_now_ms() + 10000;
    while (n < 20 && cb_time_now_ms() < end) {
        cb_sub_msg_t msg;
        if (cb_sub_recv(sub, 200, &msg) != 0) {
            continue;
        }
        const cb_trade_t *t = &msg.ev.body.trade;
        assert_true(CB_PROTO_HAS(t, trade, trade_id));
        snprintf(ids[n], sizeof ids[n], "%.*s", (int) t->trade_id.len, t->trade_id.ptr);
        price[n] = t->price;
        qty[n] = t->qty;
        buy[n] = cb_str_eq_cstr(t->side, "buy");
        n++;
        cb_sub_msg_clear(&msg);
    }
    cb_sub_destroy(&sub);
    assert_true(n >= 5);
    cb_buf_t body = {0};
    assert_int_equal(s_http("GET", "/binance/api/v3/trades?symbol=BTCUSDT&limit=1000", NULL, &body), 200);
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    assert_int_equal(cb_jdoc_parse(&doc, body.data, body.len), 0);
    for (size_t k = 0; k < n; k++) {
        bool found = false;
        for (int i = 0; i < cb_jtok_size(&doc, 0) && !found; i++) {
            int t = cb_jtok_at(&doc, 0, i);
            cb_str_t id = cb_jtok_raw(&doc, cb_jtok_get(&doc, t, "id"));
            if (!cb_str_eq_cstr(id, ids[k])) {
                continue;
            }
            found = true;
            cb_decimal_t p, q;
            bool maker = false;
            assert_int_equal(cb_jtok_decimal(&doc, cb_jtok_get(&doc, t, "price"), &p), 0);
            assert_int_equal(cb_jtok_decimal(&doc, cb_jtok_get(&doc, t, "qty"), &q), 0);
            assert_int_equal(cb_jtok_bool(&doc, cb_jtok_get(&doc, t, "isBuyerMaker"), &maker), 0);
            assert_int_equal(cb_decimal_cmp(p, price[k]), 0);
            assert_int_equal(cb_decimal_cmp(q, qty[k]), 0);
            assert_true(buy[k] == !maker);
        }
        if (!found) {
            fail_msg("published trade %s is not in the sim's trade list", ids[k]);
        }
    }
    cb_jdoc_fini(&doc);
    cb_buf_fini(&body);
}

/* After an injected fault, exactly one book goes resyncing and comes back;
 * the other books never stop being trustworthy. */
static void
s_book_fault(const char *fault_path, const char *venue)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "book.");
    cb_sub_t *sub = s_subscribe(prefix);
    /* Books are flowing first. */
    int64_t end = cb_time_now_ms() + 5000;
    int warm = 0;
    while (warm < 10 && cb_time_now_ms() < end) {
        cb_sub_msg_t msg;
        if (cb_sub_recv(sub, 200, &msg) == 0) {
            warm++;
            cb_sub_msg_clear(&msg);
        }
    }
    assert_int_equal(s_http("POST", fault_path, "{}", NULL), 200);
    char resynced[64] = "";
    bool recovered = false;
    end = cb_time_now_ms() + 15000;
    while (!recovered && cb_time_now_ms() < end) {
        cb_sub_msg_t msg;
        if (cb_sub_recv(sub, 200, &msg) != 0) {
            continue;
        }
        const cb_book_t *b = &msg.ev.body.book;
        bool resyncing = CB_PROTO_HAS(b, book, resyncing) && b->resyncing;
        char topic[64];
        snprintf(topic, sizeof topic, "%.*s", (int) msg.topic_len, msg.topic);
        if (resyncing) {
            if (strstr(topic, venue) == NULL) {
                fail_msg("%s went resyncing after a fault on %s", topic, venue);
            }
            if (resynced[0] == '\0') {
                snprintf(resynced, sizeof resynced, "%s", topic);
            } else if (strcmp(resynced, topic) != 0) {
                fail_msg("two books resyncing: %s and %s", resynced, topic);
            }
        } else if (resynced[0] != '\0' && strcmp(resynced, topic) == 0) {
            recovered = true;
            assert_true(b->bids.count > 0 && b->asks.count > 0);
            assert_true(cb_decimal_cmp(b->bids.items[0].price, b->asks.items[0].price) < 0);
        }
        cb_sub_msg_clear(&msg);
    }
    cb_sub_destroy(&sub);
    if (resynced[0] == '\0' || !recovered) {
        fail_msg("fault %s: resyncing seen on '%s', recovered %d", fault_path, resynced, recovered);
    }
}

static void
test_kraken_checksum_failure_resyncs_one_book(void **state)
{
    (void) state;
    s_book_fault("/admin/ws/kraken/corrupt-checksum", "sim-kraken");
}

static void
test_binance_gap_resyncs_one_book(void **state)
{
    (void) state;
    s_book_fault("/admin/ws/binance/gap", "sim-binance");
}

/* Calls market op with JSON args; the reply as JSON text (static). */
static const char *
s_call(const char *op, const char *args_json, bool *ok)
{
    cb_rpc_client_t *client = cb_rpc_client_new(s_bus.config.frontend[CB_RPC_MARKET]);
    assert_non_null(client);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char err[256];
    assert_int_equal(cb_json_to_msgpack(args_json, strlen(args_json), &pk, err, sizeof err), 0);
    cb_rpc_result_t res;
    assert_int_equal(cb_rpc_call(client, op, sb.data, sb.size, 3000, 1, &res), 0);
    msgpack_sbuffer_destroy(&sb);
    static char text[1 << 16];
    *ok = res.ok;
    if (!res.ok) {
        snprintf(text, sizeof text, "%s", res.error_message);
    } else {
        cb_buf_t out = {0};
        assert_int_equal(cb_json_from_msgpack((const char *) res.result.ptr, res.result.len, &out), 0);
        snprintf(text, sizeof text, "%.*s", (int) out.len, out.data);
        cb_buf_fini(&out);
    }
    cb_rpc_client_destroy(&client);
    return text;
}

static long long
s_reconnects(const char *venue)
{
    bool ok;
    const char *text = s_call("venues", "{}", &ok);
    assert_true(ok);
    const char *p = strstr(text, venue);
    assert_non_null(p);
    p = strstr(p, "\"reconnects\":");
    assert_non_null(p);
    return atoll(p + 13);
}

static void
test_dropped_stream_reconnects(void **state)
{
    (void) state;
    long long before = s_reconnects("sim-binance");
    assert_int_equal(s_http("POST", "/admin/ws/binance/drop", "{}", NULL), 200);
    /* Ticks flow again after the drop, and the status counts it. */
    int64_t end = cb_time_now_ms() + 10000;
    while (s_reconnects("sim-binance") <= before && cb_time_now_ms() < end) {
        usleep(200 * 1000);
    }
    assert_true(s_reconnects("sim-binance") > before);
    const char *want[] = {"tick.BTC-USDT.sim-binance", "book.ETH-USDT.sim-binance"};
    s_expect_topics(want, 2, 10000);
}

static void
test_rpc_answers(void **state)
{
    (void) state;
    bool ok;
    const char *text = s_call("price", "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-kraken\"}", &ok);
    assert_true(ok);
    assert_non_null(strstr(text, "\"symbol\":\"BTC-USD\""));
    assert_non_null(strstr(text, "\"bid\":\""));
    text = s_call("ohlc", "{\"symbol\":\"BTC-USD\",\"venue\":\"sim-binance\",\"timeframe\":\"1m\",\"limit\":5}", &ok);
    assert_true(ok);
    assert_non_null(strstr(text, "\"candles\":[{"));
    text = s_call("ohlc", "{\"symbol\":\"BTC-USD\",\"timeframe\":\"2m\"}", &ok);
    assert_false(ok);
    text = s_call("price", "{\"symbol\":\"NOPE-USD\"}", &ok);
    assert_false(ok);
    text = s_call("best", "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"amount\":\"0.01\"}", &ok);
    assert_true(ok);
    assert_non_null(strstr(text, "\"venue\":\"sim-"));
    /* The CLI gives the same answer. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/coinbus call market price symbol=ETH-USD venue=sim-binance", cbh_bin_dir());
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    char line[4096] = "";
    assert_non_null(fgets(line, sizeof line, f));
    assert_int_equal(pclose(f), 0);
    assert_non_null(strstr(line, "\"symbol\":\"ETH-USDT\""));
}

/* Every REST call to Binance fails: the snapshots after a gap fail, and the
 * shared breaker opens (a circuit event on the bus). */
static void
test_venue_errors_open_the_breaker(void **state)
{
    (void) state;
    cb_sub_t *sub = s_subscribe("circuit.ALL.sim-binance");
    usleep(200 * 1000);
    assert_int_equal(s_http("POST", "/admin/faults/binance", "{\"error_pct\":100}", NULL), 200);
    assert_int_equal(s_http("POST", "/admin/ws/binance/gap", "{}", NULL), 200);
    bool opened = false;
    int64_t end = cb_time_now_ms() + 20000;
    while (!opened && cb_time_now_ms() < end) {
        cb_sub_msg_t msg;
        if (cb_sub_recv(sub, 200, &msg) != 0) {
            continue;
        }
        opened = cb_str_eq_cstr(msg.ev.body.circuit.state, "open");
        cb_sub_msg_clear(&msg);
    }
    cb_sub_destroy(&sub);
    assert_int_equal(s_http("DELETE", "/admin/faults", NULL, NULL), 200);
    assert_true(opened);
}

/* How many lease keys Redis holds now, -1 when it does not answer. */
static int
s_lease_keys(void)
{
    int err;
    cb_redis_t *r = cb_redis_new(s_redis.url, &err);
    if (r == NULL) {
        return -1;
    }
    int n = -1;
    redisReply *rep = cb_redis_command(r, &err, "KEYS coinbus:market:lease:*");
    if (rep != NULL && rep->type == REDIS_REPLY_ARRAY) {
        n = (int) rep->elements;
    }
    if (rep != NULL) {
        freeReplyObject(rep);
    }
    cb_redis_destroy(&r);
    return n;
}

/* How many lines of the feed's log contain needle. */
static int
s_log_count(const char *needle)
{
    int n = cbh_proc_log_count(s_feed[0], needle);
    assert_true(n >= 0);
    return n;
}

/* Weekly candles follow each venue's convention: Kraken's open on Thursday
 * 00:00 UTC (epoch-aligned), Binance's on Monday; the venue's weekly history
 * merges (no backfill_not_merged) and both are served by ohlc. */
static void
test_weekly_candles_per_venue(void **state)
{
    (void) state;
    static const char *const venues[2] = {"sim-kraken", "sim-binance"};
    static const long long week_start_s[2] = {0, 4 * 86400};
    for (int v = 0; v < 2; v++) {
        char args[160];
        snprintf(args, sizeof args,
                 "{\"symbol\":\"BTC-USD\",\"venue\":\"%s\",\"timeframe\":\"1w\",\"limit\":3}",
                 venues[v]);
        /* Kraken's REST budget spreads the history fetches over a while. */
        bool ok;
        const char *text = s_call("ohlc", args, &ok);
        const char *t = strstr(text, "\"t\":");
        for (int64_t end = cb_time_now_ms() + 45000; t == NULL && cb_time_now_ms() < end;) {
            usleep(500 * 1000);
            text = s_call("ohlc", args, &ok);
            t = strstr(text, "\"t\":");
        }
        assert_true(ok);
        if (t == NULL) {
            fail_msg("no weekly candle from %s: %s", venues[v], text);
        }
        long long open_s = atoll(t + 4) / 1000000000LL;
        assert_int_equal((open_s - week_start_s[v]) % (7 * 86400), 0);
    }
    assert_int_equal(s_log_count("backfill_not_merged"), 0);
}

/* Redis stops for four lease TTLs: every tick stream keeps flowing on the
 * bus (checked second by second), the lease outage is logged once; Redis
 * comes back empty on the same port: the replica holds every lease again. */
static void
test_redis_down_streams_flow(void **state)
{
    (void) state;
    const char *want[] = {"tick.BTC-USD.sim-kraken", "tick.ETH-USD.sim-kraken", "tick.BTC-USDT.sim-binance",
                          "tick.ETH-USDT.sim-binance"};
    s_expect_topics(want, 4, 10000);
    assert_int_equal(s_lease_keys(), 4);
    int failed_before = s_log_count("lease_redis_failed");
    cb_sub_t *sub = s_subscribe("tick.");
    int port = s_redis.port;
    cbh_redis_stop(&s_redis);
    /* 6 s = 4 TTLs: each second, every stream ticks. */
    for (int second = 0; second < 6; second++) {
        bool seen[4] = {false};
        int64_t end = cb_time_now_ms() + 1000;
        while (cb_time_now_ms() < end) {
            cb_sub_msg_t msg;
            if (cb_sub_recv(sub, 100, &msg) != 0) {
                continue;
            }
            for (size_t k = 0; k < 4; k++) {
                seen[k] |= msg.topic_len == strlen(want[k]) && memcmp(msg.topic, want[k], msg.topic_len) == 0;
            }
            cb_sub_msg_clear(&msg);
        }
        for (size_t k = 0; k < 4; k++) {
            if (!seen[k]) {
                fail_msg("no %s in second %d of the Redis outage; feed log: %s", want[k], second,
                         cbh_proc_log_path(s_feed[0]));
            }
        }
    }
    cb_sub_destroy(&sub);
    assert_int_equal(s_log_count("lease_redis_failed"), failed_before + 1);
    /* Back, empty, on the same port: the leases are held again. */
    assert_int_equal(cbh_redis_start_on(&s_redis, port, NULL), 0);
    int64_t end = cb_time_now_ms() + 10000;
    while (s_lease_keys() != 4 && cb_time_now_ms() < end) {
        usleep(200 * 1000);
    }
    assert_int_equal(s_lease_keys(), 4);
    assert_true(s_log_count("lease_redis_back") >= 1);
    s_expect_topics(want, 4, 5000);
}

/* Two replicas share the streams without publishing any twice; killing one
 * moves its streams to the other within the lease TTL. */
static void
test_replicas_take_over(void **state)
{
    (void) state;
    s_feed[1] = s_start_feed("market-feed-b");
    assert_non_null(s_feed[1]);
    usleep(4000 * 1000); /* leases settle: both replicas hold some */
    /* Steady state: each tick topic comes from one publisher epoch only. */
    cb_sub_t *sub = s_subscribe("tick.");
    char topics[8][64], epochs[8][2][40];
    size_t ntopics = 0;
    int64_t end = cb_time_now_ms() + 3000;
    while (cb_time_now_ms() < end) {
        cb_sub_msg_t msg;
        if (cb_sub_recv(sub, 200, &msg) != 0) {
            continue;
        }
        char topic[64], epoch[40];
        snprintf(topic, sizeof topic, "%.*s", (int) msg.topic_len, msg.topic);
        snprintf(epoch, sizeof epoch, "%.*s", (int) msg.ev.env.epoch.len, msg.ev.env.epoch.ptr);
        size_t k = 0;
        while (k < ntopics && strcmp(topics[k], topic) != 0) {
            k++;
        }
        if (k == ntopics && ntopics < 8) {
            snprintf(topics[ntopics], sizeof topics[0], "%s", topic);
            snprintf(epochs[ntopics][0], sizeof epochs[0][0], "%s", epoch);
            epochs[ntopics][1][0] = '\0';
            ntopics++;
        } else if (k < ntopics && strcmp(epochs[k][0], epoch) != 0) {
            fail_msg("%s published by two replicas (%s and %s)", topic, epochs[k][0], epoch);
        }
        cb_sub_msg_clear(&msg);
    }
    cb_sub_destroy(&sub);
    assert_int_equal(ntopics, 4);
    /* SIGKILL the first: everything is published again within TTL + slack. */
    kill(cbh_proc_pid(s_feed[0]), SIGKILL);
    cbh_proc_wait(&s_feed[0], 2000);
    usleep(500 * 1000);
    const char *want[] = {"tick.BTC-USD.sim-kraken", "tick.ETH-USD.sim-kraken", "tick.BTC-USDT.sim-binance",
                          "tick.ETH-USDT.sim-binance"};
    s_expect_topics(want, 4, 8000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_stream_on_the_bus),
        cmocka_unit_test(test_trades_match_the_sim),
        cmocka_unit_test(test_kraken_checksum_failure_resyncs_one_book),
        cmocka_unit_test(test_binance_gap_resyncs_one_book),
        cmocka_unit_test(test_dropped_stream_reconnects),
        cmocka_unit_test(test_rpc_answers),
        cmocka_unit_test(test_weekly_candles_per_venue),
        cmocka_unit_test(test_redis_down_streams_flow),
        cmocka_unit_test(test_replicas_take_over),
        /* Last: the open breaker keeps Binance REST closed for its recovery time. */
        cmocka_unit_test(test_venue_errors_open_the_breaker),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
