/* test_venue_sim_ws_binance.c - venue-sim's Binance streams over loopback: raw and combined
 * payloads, control messages and errors, the documented local-book procedure, pings, faults, slow
 * clients, throughput across both venues */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cb_buf.h"
#include "cb_httpd.h"
#include "cb_time.h"
#include "cbh_simws.h"
#include "cbh_ws.h"
#include "cbh_wsbook.h"
#include "sim.h"
#include "sim_router.h"
#include "sim_ws.h"

/* The index in sim_instruments() of the instrument with this id. */
static size_t
s_index(const char *id)
{
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(all[i].id, id) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* ---- Binance ---------------------------------------------------------------------- */

/* An integer field of a JSON object text, by plain search ("\"t\":"). */
static int64_t
s_field(const char *msg, const char *key)
{
    const char *p = strstr(msg, key);
    if (p == NULL) {
        fail_msg("no %s in %s", key, msg);
    }
    return strtoll(p + strlen(key), NULL, 10);
}

static void
test_binance_streams(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_simws_open("/binance/ws/btcusdt@trade");
    int64_t last = 0;
    for (int i = 0; i < 30; i++) {
        char *m = cbh_simws_wait_for(ws, "{\"e\":\"trade\",\"E\":", 3000);
        assert_non_null(strstr(m, ",\"s\":\"BTCUSDT\",\"t\":"));
        assert_non_null(strstr(m, "\"M\":true}"));
        int64_t t = s_field(m, "\"t\":");
        assert_true(last == 0 || t == last + 1); /* every trade, in order */
        last = t;
        const char *p = strstr(m, "\"p\":\"");
        assert_non_null(p);
        assert_int_equal(strcspn(strchr(p + 5, '.') + 1, "\""), 8);
        free(m);
    }
    cbh_ws_close(&ws);
    ws = cbh_simws_open("/binance/stream?streams=btcusdt@bookTicker/ethusdt@kline_1s/solusdt@aggTrade");
    char *m = cbh_simws_wait_for(ws, "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":", 3000);
    assert_non_null(strstr(m, ",\"s\":\"BTCUSDT\",\"b\":\""));
    assert_non_null(strstr(m, "\",\"B\":\""));
    assert_non_null(strstr(m, "\",\"A\":\""));
    free(m);
    m = cbh_simws_wait_for(ws, "{\"stream\":\"ethusdt@kline_1s\",\"data\":{\"e\":\"kline\",\"E\":", 3000);
    assert_non_null(strstr(m, "\"i\":\"1s\""));
    assert_int_equal(s_field(m, "\"T\":"), s_field(m, "\"k\":{\"t\":") + 999);
    free(m);
    m = cbh_simws_wait_for(ws, "{\"stream\":\"solusdt@aggTrade\",\"data\":{\"e\":\"aggTrade\"", 3000);
    assert_true(s_field(m, "\"l\":") >= s_field(m, "\"f\":"));
    assert_int_equal(s_field(m, "\"a\":"), s_field(m, "\"f\":"));
    free(m);
    cbh_ws_close(&ws);
    ws = cbh_simws_open("/binance/ws/ethusdt@depth10@100ms");
    int64_t t0 = cb_time_mono_ns();
    int64_t prev = 0;
    for (int i = 0; i < 10; i++) {
        m = cbh_simws_wait_for(ws, "{\"lastUpdateId\":", 3000);
        int64_t id = s_field(m, "{\"lastUpdateId\":");
        assert_true(id >= prev);
        prev = id;
        const char *bids = strstr(m, "\"bids\":[[\"");
        const char *asks = strstr(m, "\"asks\":[[\"");
        assert_true(bids != NULL && asks != NULL && bids < asks);
        free(m);
    }
    int64_t ms = (cb_time_mono_ns() - t0) / 1000000;
    assert_true(ms >= 700 && ms <= 1600); /* every 100 ms */
    cbh_ws_close(&ws);
}

/* <symbol>@ticker and @miniTicker: the rolling 24-hour statistics every
 * second (ccxt pro's watchTicker subscribes to one of them), the same
 * figures as GET ticker/24hr. */
static void
test_binance_ticker(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_simws_open("/binance/stream?streams=btcusdt@ticker");
    char *m = cbh_simws_wait_for(ws, "\"e\":\"24hrTicker\"", 5000);
    assert_non_null(strstr(m, "{\"stream\":\"btcusdt@ticker\",\"data\":{\"e\":\"24hrTicker\",\"E\":"));
    assert_non_null(strstr(m, ",\"s\":\"BTCUSDT\",\"p\":\""));
    static const char *const keys[] = {",\"P\":\"", ",\"w\":\"", ",\"x\":\"", ",\"c\":\"", ",\"Q\":\"",
                                       ",\"b\":\"", ",\"B\":\"", ",\"a\":\"", ",\"A\":\"", ",\"o\":\"",
                                       ",\"h\":\"", ",\"l\":\"", ",\"v\":\"", ",\"q\":\""};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        assert_non_null(strstr(m, keys[i]));
    }
    /* Percent with three decimals, amounts with eight, as ticker/24hr. */
    const char *pct = strstr(m, ",\"P\":\"") + 6;
    const char *dot = strchr(pct, '.');
    assert_non_null(dot);
    assert_int_equal(strcspn(dot + 1, "\""), 3);
    const char *vol = strstr(m, ",\"v\":\"") + 6;
    assert_int_equal(strcspn(strchr(vol, '.') + 1, "\""), 8);
    assert_int_equal(s_field(m, "\"C\":") - s_field(m, "\"O\":"), 86400000);
    assert_true(s_field(m, "\"n\":") > 0);
    assert_true(s_field(m, "\"L\":") >= s_field(m, "\"F\":"));
    int64_t e1 = s_field(m, "\"E\":");
    free(m);
    m = cbh_simws_wait_for(ws, "\"e\":\"24hrTicker\"", 5000);
    int64_t e2 = s_field(m, "\"E\":");
    assert_true(e2 - e1 >= 900); /* once a second, not with every trade */
    free(m);
    cbh_ws_close(&ws);
    /* <symbol>@miniTicker (ccxt pro's default for watchTicker): the short form. */
    ws = cbh_simws_open("/binance/ws/btcusdt@miniTicker");
    m = cbh_simws_wait_for(ws, "\"e\":\"24hrMiniTicker\"", 5000);
    assert_non_null(strstr(m, "{\"e\":\"24hrMiniTicker\",\"E\":"));
    static const char *const mini[] = {",\"s\":\"BTCUSDT\",\"c\":\"", ",\"o\":\"", ",\"h\":\"",
                                       ",\"l\":\"", ",\"v\":\"", ",\"q\":\""};
    for (size_t i = 0; i < sizeof mini / sizeof *mini; i++) {
        assert_non_null(strstr(m, mini[i]));
    }
    assert_null(strstr(m, ",\"P\":"));
    free(m);
    cbh_ws_close(&ws);
}

static void
test_binance_control(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_simws_open("/binance/ws");
    cbh_ws_send(
        ws,
        "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@aggTrade\",\"btcusdt@depth\"],\"id\":1}");
    cbh_simws_expect_msg(ws, "{\"result\":null,\"id\":1}", NULL);
    cbh_ws_send(ws, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":3}");
    cbh_simws_expect_msg(ws, "{\"result\":[\"btcusdt@aggTrade\",\"btcusdt@depth\"],\"id\":3}", NULL);
    cbh_simws_expect_msg(ws, "{\"e\":\"aggTrade\",", NULL);
    cbh_simws_expect_msg(ws, "{\"e\":\"depthUpdate\",", "\"U\":");
    cbh_ws_send(ws, "{\"method\":\"UNSUBSCRIBE\",\"params\":[\"btcusdt@depth\"],\"id\":312}");
    cbh_simws_expect_msg(ws, "{\"result\":null,\"id\":312}", NULL);
    cbh_ws_send(ws, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":\"abc9\"}");
    cbh_simws_expect_msg(ws, "{\"result\":[\"btcusdt@aggTrade\"],\"id\":\"abc9\"}", NULL);
    cbh_ws_send(ws, "{\"method\":\"SET_PROPERTY\",\"params\":[\"combined\",true],\"id\":5}");
    cbh_simws_expect_msg(ws, "{\"result\":null,\"id\":5}", NULL);
    cbh_simws_expect_msg(ws, "{\"stream\":\"btcusdt@aggTrade\",\"data\":{\"e\":\"aggTrade\"", NULL);
    cbh_ws_send(ws, "{\"method\":\"GET_PROPERTY\",\"params\":[\"combined\"],\"id\":2}");
    cbh_simws_expect_msg(ws, "{\"result\":true,\"id\":2}", NULL);
    /* Errors, in Binance's words. */
    cbh_ws_send(ws, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\"");
    cbh_simws_expect_msg(ws,
                 "{\"error\":{\"code\":3,\"msg\":\"Invalid JSON: expected value at line 1 column ",
                 "\"id\":null");
    cbh_ws_send(ws, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\"],\"id\":\"a-b\"}");
    cbh_simws_expect_msg(ws,
                 "{\"error\":{\"code\":2,\"msg\":\"Invalid request: request ID must be an unsigned "
                 "integer\"}",
                 NULL);
    cbh_ws_send(ws, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\"]}");
    cbh_simws_expect_msg(ws, "\"msg\":\"Invalid request: request ID must be an unsigned integer\"", NULL);
    cbh_ws_send(ws, "{\"method\":\"FOO\",\"id\":7}");
    cbh_simws_expect_msg(
        ws,
        "{\"error\":{\"code\":2,\"msg\":\"Invalid request: unknown variant `FOO`, expected one of "
        "`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line "
        "1",
        "\"id\":7}");
    cbh_ws_send(ws, "{\"id\":8}");
    cbh_simws_expect_msg(ws, "\"msg\":\"Invalid request: missing field `method` at line 1 column 8\"}",
                 NULL);
    cbh_ws_send(
        ws, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\",\"btcusdt@nope\"],\"id\":9}");
    cbh_simws_expect_msg(
        ws, "{\"error\":{\"code\":2,\"msg\":\"Invalid request: invalid stream\"},\"id\":9}", NULL);
    cbh_ws_send(ws, "{\"method\":\"SET_PROPERTY\",\"params\":[\"colour\",true],\"id\":10}");
    cbh_simws_expect_msg(ws, "{\"error\":{\"code\":0,\"msg\":\"Unknown property\"},\"id\":10}", NULL);
    cbh_ws_send(ws, "{\"method\":\"SET_PROPERTY\",\"params\":[\"combined\",1],\"id\":11}");
    cbh_simws_expect_msg(
        ws, "{\"error\":{\"code\":1,\"msg\":\"Invalid value type: expected Boolean\"},\"id\":11}",
        NULL);
    cbh_ws_send(ws, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":12}");
    cbh_simws_expect_msg(ws, "{\"result\":[\"btcusdt@aggTrade\"],\"id\":12}",
                 NULL); /* the bad SUBSCRIBE added nothing */
    assert_false(cbh_ws_ended(ws));
    cbh_ws_close(&ws);
    /* Over the incoming message limit (20 per second here, 5 by default): dropped. */
    ws = cbh_simws_open("/binance/ws");
    for (int i = 0; i < 30; i++) {
        cbh_ws_ping(ws, "x");
    }
    cbh_ws_pump(ws, 1000);
    assert_true(cbh_ws_ended(ws));
    cbh_ws_close(&ws);
}

/* ---- Binance's local order book procedure ------------------------------------------ */

typedef struct {
    size_t inst;
    size_t n[2];
    sim_level_t l[2][512];
    uint64_t id;
} s_server_book_t;

static void
s_server_book_job(void *arg)
{
    s_server_book_t *sb = arg;
    const sim_book_t *book = sim_market_book(cbh_simws_sim()->market, sb->inst);
    sb->n[0] = sim_book_levels(book, SIM_BUY, 512, sb->l[0]);
    sb->n[1] = sim_book_levels(book, SIM_SELL, 512, sb->l[1]);
    sb->id = sim_market_update_id(cbh_simws_sim()->market, sb->inst);
}

static size_t
s_write_buf(char *data, size_t size, size_t n, void *ctx)
{
    cb_buf_append(ctx, data, size * n);
    return size * n;
}

/* The snapshot of step 2: GET /binance/api/v3/depth?limit=5000 when the
 * REST side serves it, else the same data taken in the server thread. */
static void
s_depth_snapshot(cbh_bbook_t *b, bool *used_rest)
{
    cb_buf_t body;
    cb_buf_init(&body);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/binance/api/v3/depth?symbol=BTCUSDT&limit=5000",
             cbh_simws_port());
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_write_buf);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_easy_cleanup(c);
    *used_rest = status == 200;
    if (*used_rest) {
        assert_int_equal(cbh_bbook_snapshot(b, body.data, body.len), 0);
    } else {
        static s_server_book_t sb;
        sb.inst = s_index("BTCUSDT");
        cbh_simws_call(s_server_book_job, &sb);
        b->n[0] = b->n[1] = 0;
        for (int s = 0; s < 2; s++) {
            for (size_t i = 0; i < sb.n[s]; i++) {
                assert_true(cbh_bbook_set(b, s, sb.l[s][i].price, sb.l[s][i].qty));
            }
        }
        b->id = sb.id;
    }
    cb_buf_fini(&body);
}

static void
test_binance_local_book(void **state)
{
    (void) state;
    /* 1. Open the diff stream and buffer its events. */
    cbh_ws_t *ws = cbh_simws_open("/binance/ws/btcusdt@depth@100ms");
    cbh_ws_pump(ws, 400);
    assert_true(cbh_ws_pending(ws) >= 1);
    /* 2. The snapshot; 3. it must not be older than the first event. */
    static cbh_bbook_t book;
    bool rest;
    s_depth_snapshot(&book, &rest);
    char *m = cbh_ws_recv(ws, 0, NULL);
    assert_true(book.id + 1 >= (uint64_t) s_field(m, "\"U\":"));
    /* 4./5./6. Drop what the snapshot holds, then apply in sequence. */
    int applied = 0;
    int64_t deadline = cb_time_mono_ns() + 2000000000LL;
    while (m != NULL || cb_time_mono_ns() < deadline) {
        if (m != NULL) {
            uint64_t before = book.id;
            int rc = cbh_bbook_apply(&book, m, strlen(m));
            assert_int_not_equal(rc, -1);
            if (rc == 1 && applied > 0) {
                assert_int_equal((uint64_t) s_field(m, "\"U\":"),
                                 before + 1); /* no gaps, no overlaps */
            }
            applied += rc;
            free(m);
        }
        m = cbh_ws_recv(ws, 50, NULL);
    }
    /* A quiet market: the last event brings the book to the server's. */
    cbh_simws_do(CBH_SIMWS_PAUSE, SIM_VENUE_BINANCE, 0);
    static s_server_book_t sb;
    sb.inst = s_index("BTCUSDT");
    cbh_simws_call(s_server_book_job, &sb);
    while (book.id < sb.id && (m = cbh_ws_recv(ws, 1000, NULL)) != NULL) {
        assert_int_equal(cbh_bbook_apply(&book, m, strlen(m)), 1);
        free(m);
    }
    assert_int_equal(book.id, sb.id);
    assert_true(cbh_bbook_equals(&book, sb.l[0], sb.n[0], sb.l[1], sb.n[1]));
    cbh_simws_do(CBH_SIMWS_RESUME, SIM_VENUE_BINANCE, 0);
    printf("binance local book (%s snapshot): %d events applied without a gap, identical to the "
           "server's at "
           "update %llu (%zu bids, %zu asks)\n",
           rest ? "REST" : "in-process", applied, (unsigned long long) sb.id, sb.n[0], sb.n[1]);
    assert_true(applied >= 10);
    /* An injected gap is seen by the same procedure. */
    assert_true(cbh_simws_do(CBH_SIMWS_GAP, SIM_VENUE_BINANCE, 0).rc >= 1);
    bool gap = false;
    deadline = cb_time_mono_ns() + 3000000000LL;
    while (!gap && cb_time_mono_ns() < deadline) {
        m = cbh_ws_recv(ws, 100, NULL);
        if (m != NULL) {
            gap = cbh_bbook_apply(&book, m, strlen(m)) == -1;
            free(m);
        }
    }
    assert_true(gap);
    cbh_ws_close(&ws);
}

static void
test_binance_pings(void **state)
{
    (void) state;
    cbh_simws_fault_t before = cbh_simws_do(CBH_SIMWS_STATS, SIM_VENUE_BINANCE, 0);
    cbh_ws_t *answering = cbh_simws_open("/binance/ws/btcusdt@bookTicker");
    cbh_ws_t *silent = cbh_simws_open("/binance/ws/btcusdt@bookTicker");
    cbh_ws_pump(answering, 2500); /* answers the pings (every 300 ms here) */
    assert_true(cbh_ws_pings(answering) >= 5);
    assert_false(cbh_ws_ended(answering));
    cbh_simws_fault_t after = cbh_simws_do(CBH_SIMWS_STATS, SIM_VENUE_BINANCE, 0);
    assert_int_equal(after.stats.ping_drops, before.stats.ping_drops + 1);
    cbh_ws_pump(silent, 1000);
    assert_true(cbh_ws_ended(silent));
    cbh_ws_close(&answering);
    cbh_ws_close(&silent);
}

static void
test_binance_stall_drop_slow(void **state)
{
    (void) state;
    /* Stall: nothing arrives for a while, then everything held, in order. */
    cbh_ws_t *ws = cbh_simws_open("/binance/ws/btcusdt@trade");
    free(cbh_simws_wait_for(ws, "\"e\":\"trade\"", 3000));
    assert_true(cbh_simws_do(CBH_SIMWS_STALL, SIM_VENUE_BINANCE, 700).rc >= 1);
    int64_t last_t = 0;
    int64_t prev_at = cb_time_mono_ns();
    int64_t longest = 0;
    int64_t deadline = prev_at + 2000000000LL;
    while (cb_time_mono_ns() < deadline) {
        char *m = cbh_ws_recv(ws, 20, NULL);
        if (m == NULL) {
            continue;
        }
        int64_t now = cb_time_mono_ns();
        longest = now - prev_at > longest ? now - prev_at : longest;
        prev_at = now;
        int64_t t = s_field(m, "\"t\":");
        assert_true(last_t == 0 || t == last_t + 1);
        last_t = t;
        free(m);
    }
    printf("binance stall 700 ms: longest silence %lld ms, no trade lost\n",
           (long long) (longest / 1000000));
    assert_true(longest >= 550000000LL);
    /* Drop: the venue's connections end at once. */
    cbh_simws_fault_t f = cbh_simws_do(CBH_SIMWS_DROP, SIM_VENUE_BINANCE, 0);
    assert_true(f.rc >= 1);
    assert_int_equal(f.stats.connections, 0);
    cbh_ws_pump(ws, 500);
    assert_true(cbh_ws_ended(ws));
    cbh_ws_close(&ws);
    /* A client that does not read is dropped, not buffered without end. */
    /* Fast enough that the queue passes its limit before the unread pings time out (1.5 s). */
    cbh_simws_fault_t before = cbh_simws_do(CBH_SIMWS_RATE, SIM_VENUE_BINANCE, 30000);
    int status;
    ws = cbh_ws_connect_opts(
        cbh_simws_port(),
        "/binance/stream?streams=btcusdt@trade/ethusdt@trade/solusdt@trade/btcusdt@depth20@100ms/"
        "ethusdt@depth20@100ms/solusdt@depth20@100ms/btcusdt@depth@100ms/ethusdt@depth@100ms/"
        "solusdt@depth@100ms/btcusdt@aggTrade/ethusdt@aggTrade/solusdt@aggTrade",
        4096, &status);
    assert_non_null(ws);
    deadline = cb_time_mono_ns() + 20000000000LL;
    cbh_simws_fault_t now = before;
    while (now.stats.slow_drops == before.stats.slow_drops && cb_time_mono_ns() < deadline) {
        cb_time_sleep_ms(200, NULL);
        now = cbh_simws_do(CBH_SIMWS_STATS, SIM_VENUE_BINANCE, 0);
    }
    cbh_simws_do(CBH_SIMWS_RATE, SIM_VENUE_BINANCE, 1000);
    printf("binance slow client dropped after %llu bytes sent\n",
           (unsigned long long) (now.stats.bytes_sent - before.stats.bytes_sent));
    assert_int_equal(now.stats.slow_drops, before.stats.slow_drops + 1);
    cbh_ws_close(&ws);
}

/* ---- throughput ------------------------------------------------------------------------ */

static void
test_throughput(void **state)
{
    (void) state;
    enum { NB = 12, NK = 4 };
    cbh_ws_t *c[NB + NK];
    for (int i = 0; i < NB; i++) {
        c[i] = cbh_simws_open(
            "/binance/stream?streams=btcusdt@trade/ethusdt@trade/solusdt@trade/btcusdt@bookTicker/"
            "ethusdt@bookTicker/solusdt@bookTicker/btcusdt@depth@100ms/ethusdt@aggTrade");
    }
    for (int i = NB; i < NB + NK; i++) {
        c[i] = cbh_simws_open("/kraken/ws/v2");
        cbh_ws_send(
            c[i],
            "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"BTC/USD\","
            "\"ETH/USD\",\"SOL/USD\"],\"depth\":10}}");
        cbh_ws_send(
            c[i],
            "{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\",\"symbol\":[\"BTC/USD\","
            "\"ETH/USD\",\"SOL/USD\"]}}");
    }
    cbh_simws_do(CBH_SIMWS_RATE, SIM_VENUE_BINANCE, 5000);
    for (int i = 0; i < NB + NK; i++) {
        cbh_ws_pump(c[i], 20);
        while (cbh_ws_pending(c[i]) > 0) {
            free(cbh_ws_recv(c[i], 0, NULL));
        }
    }
    cbh_simws_fault_t k0 = cbh_simws_do(CBH_SIMWS_STATS, SIM_VENUE_KRAKEN, 0);
    cbh_simws_fault_t b0 = cbh_simws_do(CBH_SIMWS_STATS, SIM_VENUE_BINANCE, 0);
    int64_t t0 = cb_time_mono_ns();
    uint64_t received = 0;
    while (cb_time_mono_ns() - t0 < 3000000000LL) {
        for (int i = 0; i < NB + NK; i++) {
            char *m;
            while ((m = cbh_ws_recv(c[i], 0, NULL)) != NULL) {
                received++;
                free(m);
            }
        }
    }
    double secs = (double) (cb_time_mono_ns() - t0) / 1e9;
    cbh_simws_fault_t k1 = cbh_simws_do(CBH_SIMWS_STATS, SIM_VENUE_KRAKEN, 0);
    cbh_simws_fault_t b1 = cbh_simws_do(CBH_SIMWS_STATS, SIM_VENUE_BINANCE, 0);
    cbh_simws_do(CBH_SIMWS_RATE, SIM_VENUE_BINANCE, 1000);
    uint64_t sent = (k1.stats.messages_sent - k0.stats.messages_sent) +
                    (b1.stats.messages_sent - b0.stats.messages_sent);
    uint64_t bytes =
        (k1.stats.bytes_sent - k0.stats.bytes_sent) + (b1.stats.bytes_sent - b0.stats.bytes_sent);
    printf("throughput: %d connections, server sent %.0f msgs/s (%.1f MB/s), clients received %.0f "
           "msgs/s\n",
           NB + NK, (double) sent / secs, (double) bytes / secs / 1e6, (double) received / secs);
    for (int i = 0; i < NB + NK; i++) {
        assert_false(cbh_ws_ended(c[i]));
        cbh_ws_close(&c[i]);
    }
#if defined(__SANITIZE_ADDRESS__)
    assert_true((double) sent / secs >= 2000); /* sanitizers slow everything down */
#else
    assert_true((double) sent / secs >= 20000);
#endif
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binance_streams),         cmocka_unit_test(test_binance_ticker),
        cmocka_unit_test(test_binance_control),
        cmocka_unit_test(test_binance_local_book),      cmocka_unit_test(test_binance_pings),
        cmocka_unit_test(test_binance_stall_drop_slow), cmocka_unit_test(test_throughput),
    };
    return cmocka_run_group_tests_name("venue_sim_ws_binance", tests, cbh_simws_setup, cbh_simws_teardown);
}
