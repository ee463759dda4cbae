/* test_venue_sim_ws.c - venue-sim's Kraken v2 WebSocket over loopback: requests and acks, books
 * checked by checksum on every message, faults, ticker/trade/ohlc, heartbeats, plain HTTP on the
 * paths */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cb_buf.h"
#include "cb_httpd.h"
#include "cb_time.h"
#include "cbh.h"
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

/* Orders of the test's own (owner 1) in BTC/USD's book, placed or
 * cancelled in the server thread: op 0 places a bid offset ticks above the
 * best bid, op 1 cancels every order placed. */
typedef struct {
    int op;
    int offset;
    uint64_t ids[4];
    size_t n;
} s_orders_t;

static void
s_orders_job(void *arg)
{
    s_orders_t *o = arg;
    size_t inst = s_index("XXBTZUSD");
    if (o->op == 1) {
        for (size_t i = 0; i < o->n; i++) {
            sim_market_cancel(cbh_simws_sim()->market, inst, o->ids[i], NULL);
        }
        o->n = 0;
        return;
    }
    size_t count;
    const sim_instrument_t *in = &sim_instruments(&count)[inst];
    sim_fx_t bid = sim_book_best(sim_market_book(cbh_simws_sim()->market, inst), SIM_BUY, NULL);
    uint64_t id = sim_market_next_order_id(cbh_simws_sim()->market);
    sim_fx_t filled;
    bool rested = false;
    sim_market_submit(cbh_simws_sim()->market, inst, id, 1, SIM_BUY, bid + in->tick * o->offset,
                      SIM_SCALE / 10, SIM_POST_ONLY, false, &filled, &rested);
    assert_true(rested);
    o->ids[o->n++] = id;
}

/* ---- Kraken: a client's book per symbol, checked by checksum ---------------------- */

typedef struct {
    const char *symbol;
    cbh_kbook_t book;
} s_kbook_t;

/* Reads book messages for ms, feeding each to the book of its symbol and
 * counting the checksums that disagree. */
static void
s_kread_books(cbh_ws_t *ws, s_kbook_t *books, size_t nbooks, int ms, int *mismatches)
{
    int64_t deadline = cb_time_mono_ns() + (int64_t) ms * 1000000;
    while (cb_time_mono_ns() < deadline) {
        char *m = cbh_ws_recv(ws, 50, NULL);
        if (m == NULL || strncmp(m, "{\"channel\":\"book\",\"type\":", 24) != 0) {
            free(m);
            continue;
        }
        for (size_t i = 0; i < nbooks; i++) {
            char want[48];
            snprintf(want, sizeof want, "\"symbol\":\"%s\"", books[i].symbol);
            if (strstr(m, want) != NULL) {
                int rc = cbh_kbook_apply(&books[i].book, m);
                if (rc < 0) {
                    fail_msg("malformed book message %s", m);
                }
                *mismatches += rc == 0 ? 1 : 0;
            }
        }
        free(m);
    }
}

static void
test_kraken_requests(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_simws_open("/kraken/ws/v2");
    char *m = cbh_ws_recv(ws, 3000, NULL);
    assert_non_null(m);
    assert_non_null(
        strstr(m, "{\"channel\":\"status\",\"type\":\"update\",\"data\":[{\"version\":"));
    assert_non_null(strstr(m, "\"system\":\"online\",\"api_version\":\"v2\",\"connection_id\":"));
    free(m);
    cbh_ws_send(ws, "{\"method\":\"ping\",\"req_id\":101}");
    cbh_simws_expect_msg(ws, "{\"method\":\"pong\",\"req_id\":101,\"time_in\":\"", "\"time_out\":\"");
    cbh_ws_send(ws, "{\"method\":\"ping\",\"params\":{},\"req_id\":5}");
    cbh_simws_expect_msg(ws, "\"error\":\"Unsupported field: 'params' for the given msg type: ping\"",
                 "\"success\":false");
    cbh_ws_send(ws,
                "{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\",\"symbol\":[\"BTC/US");
    cbh_simws_expect_msg(ws, "{\"error\":\"Malformed request\",\"success\":false,\"time_in\":", NULL);
    cbh_ws_send(ws, "[1,2,3]");
    cbh_simws_expect_msg(ws, "\"error\":\"Malformed request\"", NULL);
    cbh_ws_send(ws, "{\"method\":\"frobnicate\",\"req_id\":9}");
    cbh_simws_expect_msg(ws, "{\"error\":\"Unsupported event\",\"req_id\":9,\"success\":false", NULL);
    cbh_ws_send(ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"XBT/"
                    "USD\"]},\"req_id\":3}");
    cbh_simws_expect_msg(
        ws,
        "{\"error\":\"Currency pair not supported XBT/USD\",\"method\":\"subscribe\",\"req_id\":3,"
        "\"success\":false,\"symbol\":\"XBT/USD\",\"time_in\":",
        NULL);
    cbh_ws_send(ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"BTC/"
                    "USD\"],\"depth\":20}}");
    cbh_simws_expect_msg(ws, "\"error\":\"Subscription depth not supported\"", "\"symbol\":\"BTC/USD\"");
    cbh_ws_send(
        ws,
        "{\"method\":\"subscribe\",\"params\":{\"channel\":\"spread\",\"symbol\":[\"BTC/USD\"]}}");
    cbh_simws_expect_msg(ws, "\"error\":\"Unsupported channel\"", NULL);
    cbh_ws_send(ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\",\"symbol\":[\"ETH/"
                    "USD\"],\"depth\":10}}");
    cbh_simws_expect_msg(ws, "\"error\":\"Unsupported field: 'depth' for the given msg type: subscribe\"",
                 NULL);
    cbh_ws_send(ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"ohlc\",\"symbol\":[\"ETH/"
                    "USD\"],\"interval\":2}}");
    cbh_simws_expect_msg(ws, "\"error\":\"Subscription ohlc interval not supported\"", NULL);
    /* One ack per symbol, the snapshot after its ack. */
    cbh_ws_send(ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\",\"symbol\":[\"ETH/"
                    "USD\",\"SOL/USD\"],"
                    "\"snapshot\":true},\"req_id\":42}");
    cbh_simws_expect_msg(ws,
                 "{\"method\":\"subscribe\",\"req_id\":42,\"result\":{\"channel\":\"trade\","
                 "\"snapshot\":true,"
                 "\"symbol\":\"ETH/USD\"},\"success\":true,\"time_in\":",
                 NULL);
    m = cbh_simws_wait_for(ws, "\"channel\":\"trade\",\"type\":\"snapshot\"", 3000);
    assert_non_null(strstr(m, "\"symbol\":\"ETH/USD\",\"side\":\""));
    assert_non_null(strstr(m, "\"ord_type\":\""));
    free(m);
    cbh_simws_expect_msg(ws, "\"result\":{\"channel\":\"trade\",\"snapshot\":true,\"symbol\":\"SOL/USD\"}",
                 NULL);
    cbh_ws_send(ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\",\"symbol\":[\"ETH/"
                    "USD\"]},\"req_id\":43}");
    cbh_simws_expect_msg(ws, "\"error\":\"Already subscribed\"", "\"req_id\":43");
    cbh_simws_expect_msg(ws, "\"channel\":\"trade\",\"type\":\"update\"", "\"trade_id\":");
    cbh_ws_send(ws, "{\"method\":\"unsubscribe\",\"params\":{\"channel\":\"trade\",\"symbol\":["
                    "\"ETH/USD\"]},\"req_id\":44}");
    cbh_simws_expect_msg(ws,
                 "{\"method\":\"unsubscribe\",\"req_id\":44,\"result\":{\"channel\":\"trade\","
                 "\"symbol\":\"ETH/USD\"},"
                 "\"success\":true",
                 NULL);
    cbh_ws_send(ws, "{\"method\":\"unsubscribe\",\"params\":{\"channel\":\"trade\",\"symbol\":["
                    "\"ETH/USD\"]},\"req_id\":45}");
    cbh_simws_expect_msg(ws, "\"error\":\"Subscription Not Found\"", "\"req_id\":45");
    assert_false(cbh_ws_ended(ws));
    /* Garbage and near-misses: each gets an error reply, nothing breaks. */
    static const char *const pieces[] = {"{",           "}",
                                         "[",           "]",
                                         "\"method\"",  ":",
                                         ",",           "\"subscribe\"",
                                         "\"params\"",  "{\"channel\":\"book\"",
                                         "\"symbol\":", "[\"BTC/USD\"]",
                                         "\"depth\":",  "1000",
                                         "-1",          "1e400",
                                         "null",        "true",
                                         "\"\\u0000\"", "\"\\ud800\"",
                                         "\"req_id\":", "18446744073709551615",
                                         "\"ping\"",    " "};
    uint64_t r = 88172645463325252ULL;
    int sent = 0;
    for (int i = 0; i < 300; i++) {
        char msg[512] = "";
        int n = 1 + (int) (r % 12);
        for (int j = 0; j < n; j++) {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            strcat(msg, pieces[r % (sizeof pieces / sizeof pieces[0])]);
        }
        sent += cbh_ws_send(ws, msg) == 0 ? 1 : 0;
    }
    assert_int_equal(sent, 300);
    cbh_ws_send(ws, "{\"method\":\"ping\",\"req_id\":77}");
    cbh_simws_expect_msg(ws, "{\"method\":\"pong\",\"req_id\":77,", NULL);
    assert_false(cbh_ws_ended(ws));
    /* Text frames must be UTF-8 (RFC 6455): otherwise a close with 1007. */
    cbh_ws_t *bad = cbh_simws_open("/kraken/ws/v2");
    cbh_ws_send(bad, "{\"method\":\"ping\",\"x\":\"\xff\"}");
    cbh_ws_pump(bad, 2000);
    assert_true(cbh_ws_ended(bad));
    assert_int_equal(cbh_ws_close_code(bad), 1007);
    cbh_ws_close(&bad);
    /* The closing handshake: the server answers the close frame and ends. */
    assert_int_equal(cbh_ws_send_close(ws, 1000), 0);
    cbh_ws_pump(ws, 2000);
    assert_true(cbh_ws_ended(ws));
    assert_int_equal(cbh_ws_close_code(ws), 1000);
    cbh_ws_close(&ws);
}

static void
test_kraken_books(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_simws_open("/kraken/ws/v2");
    cbh_ws_send(ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"BTC/"
                    "USD\"]},\"req_id\":1}");
    cbh_simws_expect_msg(
        ws,
        "{\"method\":\"subscribe\",\"req_id\":1,\"result\":{\"channel\":\"book\",\"depth\":10,"
        "\"snapshot\":true,\"symbol\":\"BTC/USD\"},\"success\":true",
        NULL);
    cbh_ws_send(
        ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"ETH/USD\"],"
            "\"depth\":25},\"req_id\":2}");
    cbh_ws_send(
        ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"SOL/USD\"],"
            "\"depth\":1000},\"req_id\":3}");
    static s_kbook_t books[3] = {
        {"BTC/USD", {.depth = 10, .price_decimals = 1, .qty_decimals = 8}},
        {"ETH/USD", {.depth = 25, .price_decimals = 2, .qty_decimals = 8}},
        {"SOL/USD", {.depth = 1000, .price_decimals = 2, .qty_decimals = 8}}};
    int mismatches = 0;
    s_kread_books(ws, books, 3, 2500, &mismatches);
    for (int i = 0; i < 3; i++) {
        printf("kraken %s depth %zu: %d messages, checksums all matched: %s\n", books[i].symbol,
               books[i].book.depth, books[i].book.matched,
               books[i].book.mismatched == 0 ? "yes" : "NO");
        assert_int_equal(books[i].book.mismatched, 0);
        assert_true(books[i].book.matched >= 20);
        /* Truncated to the depth; the simulated books hold up to 25 levels a side. */
        for (int s = 0; s < 2; s++) {
            assert_true(books[i].book.n[s] <= books[i].book.depth && books[i].book.n[s] >= 5);
        }
    }
    assert_int_equal(mismatches, 0);
    cbh_ws_close(&ws);
}

static void
test_kraken_faults(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_simws_open("/kraken/ws/v2");
    cbh_ws_send(
        ws,
        "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"BTC/USD\"]}}");
    static s_kbook_t book = {"BTC/USD", {.depth = 10, .price_decimals = 1, .qty_decimals = 8}};
    int mismatches = 0;
    s_kread_books(ws, &book, 1, 500, &mismatches);
    assert_int_equal(mismatches, 0);
    assert_true(book.book.matched > 0);
    /* A corrupted checksum: exactly one message disagrees, the book stays right. */
    assert_true(cbh_simws_do(CBH_SIMWS_CORRUPT, SIM_VENUE_KRAKEN, 0).rc >= 1);
    s_kread_books(ws, &book, 1, 1000, &mismatches);
    assert_int_equal(mismatches, 1);
    printf("kraken corrupt checksum: 1 of %d messages disagreed, the book stayed right\n",
           book.book.matched + 1);
    assert_int_equal(cbh_simws_do(CBH_SIMWS_CORRUPT, SIM_VENUE_BINANCE, 0).rc, -1);
    /* A lost update: in a quiet market, a new bid is not sent; the next
     * change shows the client a checksum that disagrees... */
    cbh_simws_do(CBH_SIMWS_PAUSE, SIM_VENUE_KRAKEN, 0);
    s_kread_books(ws, &book, 1, 300, &mismatches);
    assert_int_equal(mismatches, 1);
    mismatches = 0;
    assert_true(cbh_simws_do(CBH_SIMWS_GAP, SIM_VENUE_KRAKEN, 0).rc >= 1);
    s_orders_t orders = {.op = 0, .offset = 1};
    cbh_simws_call(s_orders_job, &orders);
    int before = book.book.matched;
    s_kread_books(ws, &book, 1, 300, &mismatches);
    assert_int_equal(book.book.matched, before); /* nothing came */
    assert_int_equal(mismatches, 0);
    orders.offset = 2;
    cbh_simws_call(s_orders_job, &orders);
    s_kread_books(ws, &book, 1, 300, &mismatches);
    assert_int_equal(mismatches, 1);
    orders.op = 1;
    cbh_simws_call(s_orders_job, &orders);
    cbh_simws_do(CBH_SIMWS_RESUME, SIM_VENUE_KRAKEN, 0);
    /* ...until it subscribes again and starts from a snapshot. */
    cbh_ws_send(
        ws,
        "{\"method\":\"unsubscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"BTC/USD\"]}}");
    cbh_simws_expect_msg(ws, "\"method\":\"unsubscribe\"", "\"success\":true");
    cbh_ws_send(
        ws,
        "{\"method\":\"subscribe\",\"params\":{\"channel\":\"book\",\"symbol\":[\"BTC/USD\"]}}");
    char *m = cbh_simws_wait_for(ws, "\"type\":\"snapshot\"", 3000);
    assert_int_equal(cbh_kbook_apply(&book.book, m), 1);
    free(m);
    mismatches = 0;
    s_kread_books(ws, &book, 1, 1000, &mismatches);
    assert_int_equal(mismatches, 0);
    /* Dropped by the admin: the connection ends. */
    cbh_simws_fault_t f = cbh_simws_do(CBH_SIMWS_DROP, SIM_VENUE_KRAKEN, 0);
    assert_true(f.rc >= 1);
    cbh_ws_pump(ws, 1000);
    assert_true(cbh_ws_ended(ws));
    cbh_ws_close(&ws);
}

/* The job of test_kraken_drop_written: between two loop turns, a frame is
 * written to the Kraken connection (the write completes at once, so h2o
 * only reports it on its next turn), the connection is dropped, and a new
 * client connects, to be accepted on that next turn. */
static void
s_drop_written_job(void *arg)
{
    int *fd = arg;
    sim_t *sim = cbh_simws_sim();
    /* A tick 5 s ahead is due a heartbeat on every subscribed connection. */
    sim_ws_tick(sim->ws, cb_time_now_ns() + 5000000000LL);
    sim_ws_fault_drop(sim->ws, SIM_VENUE_KRAKEN);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t) cbh_simws_port())};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    *fd = socket(AF_INET, SOCK_STREAM, 0);
    if (*fd >= 0 && connect(*fd, (struct sockaddr *) &addr, sizeof addr) != 0) {
        close(*fd);
        *fd = -1;
    }
}

/* A connection dropped right after a write must not break the server: a
 * socket closed while h2o still listed its write notification was freed
 * while listed, and the next socket made in its memory made h2o's loop
 * spin forever. */
static void
test_kraken_drop_written(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_simws_open("/kraken/ws/v2");
    cbh_ws_send(
        ws,
        "{\"method\":\"subscribe\",\"params\":{\"channel\":\"ticker\",\"symbol\":[\"BTC/USD\"]}}");
    cbh_simws_expect_msg(ws, "\"method\":\"subscribe\"", "\"success\":true");
    int fd = -1;
    cbh_simws_call(s_drop_written_job, &fd);
    assert_true(fd >= 0);
    static const char req[] = "GET /kraken/ws/v2 HTTP/1.1\r\nHost: sim\r\n\r\n";
    assert_int_equal(send(fd, req, sizeof req - 1, MSG_NOSIGNAL), (ssize_t) (sizeof req - 1));
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char buf[64] = {0};
    ssize_t n = poll(&p, 1, 3000) == 1 ? recv(fd, buf, sizeof buf - 1, 0) : -1;
    close(fd);
    assert_true(n > 0);
    assert_non_null(strstr(buf, " 426 "));
    cbh_ws_pump(ws, 1000);
    assert_true(cbh_ws_ended(ws));
    cbh_ws_close(&ws);
}

static void
test_kraken_channels(void **state)
{
    (void) state;
    cbh_ws_t *ws = cbh_simws_open("/kraken/ws/v2");
    cbh_ws_send(
        ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"ticker\",\"symbol\":[\"SOL/USD\"],"
            "\"event_trigger\":\"bbo\"},\"req_id\":1}");
    cbh_simws_expect_msg(
        ws,
        "\"result\":{\"channel\":\"ticker\",\"event_trigger\":\"bbo\",\"snapshot\":true,\"symbol\":"
        "\"SOL/USD\"},\"success\":true",
        NULL);
    char *m = cbh_simws_wait_for(ws, "\"channel\":\"ticker\",\"type\":\"snapshot\"", 3000);
    static const char *const fields[] = {
        "\"bid\":",  "\"bid_qty\":", "\"ask\":",        "\"ask_qty\":",
        "\"last\":", "\"volume\":",  "\"vwap\":",       "\"low\":",
        "\"high\":", "\"change\":",  "\"change_pct\":", "\"timestamp\":\""};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        assert_non_null(strstr(m, fields[i]));
    }
    free(m);
    cbh_simws_expect_msg(ws, "\"channel\":\"ticker\",\"type\":\"update\"", "\"symbol\":\"SOL/USD\"");
    cbh_ws_send(
        ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"ohlc\",\"symbol\":[\"SOL/USD\"],"
            "\"interval\":1},\"req_id\":2}");
    cbh_simws_expect_msg(
        ws,
        "\"result\":{\"channel\":\"ohlc\",\"interval\":1,\"snapshot\":true,\"symbol\":\"SOL/USD\","
        "\"warnings\":[\"timestamp is deprecated, use interval_begin\"]}",
        NULL);
    m = cbh_simws_wait_for(ws, "\"channel\":\"ohlc\",\"type\":\"snapshot\",\"timestamp\":\"", 3000);
    assert_non_null(strstr(m, "\"interval_begin\":\""));
    assert_non_null(strstr(m, "0.000000000Z\",\"interval\":1,"));
    free(m);
    cbh_simws_expect_msg(ws, "\"channel\":\"ohlc\",\"type\":\"update\"", "\"trades\":");
    /* Weekly candles open on Thursdays 00:00 UTC (aligned to the Unix epoch), as the
     * sim's REST OHLC rows and Kraken's own do. */
    cbh_ws_send(
        ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"ohlc\",\"symbol\":[\"SOL/USD\"],"
            "\"interval\":10080},\"req_id\":3}");
    m = cbh_simws_wait_for(ws, "\"interval\":10080,\"timestamp\":\"", 3000);
    const char *begin = strstr(m, "\"interval_begin\":\"") + strlen("\"interval_begin\":\"");
    const char *end = strchr(begin, '"');
    assert_non_null(end);
    int64_t begin_ns = 0;
    assert_int_equal(cb_time_parse_rfc3339(begin, (size_t) (end - begin), &begin_ns), 0);
    assert_int_equal((begin_ns / 1000000000) % 604800, 0);
    free(m);
    /* A quiet market: heartbeats about once a second. */
    cbh_simws_do(CBH_SIMWS_PAUSE, SIM_VENUE_KRAKEN, 0);
    cbh_ws_pump(ws, 300);
    while (cbh_ws_pending(ws) > 0) {
        free(cbh_ws_recv(ws, 0, NULL));
    }
    int64_t t0 = cb_time_mono_ns();
    cbh_simws_expect_msg(ws, "{\"channel\":\"heartbeat\"}", NULL);
    cbh_simws_expect_msg(ws, "{\"channel\":\"heartbeat\"}", NULL);
    int64_t ms = (cb_time_mono_ns() - t0) / 1000000;
    cbh_simws_do(CBH_SIMWS_RESUME, SIM_VENUE_KRAKEN, 0);
    printf("kraken: two heartbeats in %lld ms of quiet\n", (long long) ms);
    assert_true(ms >= 900 && ms <= 2600);
    cbh_ws_close(&ws);
}

/* ---- plain HTTP on the WebSocket paths --------------------------------------------- */

static void
test_http_paths(void **state)
{
    (void) state;
    int port = cbh_simws_port();
    assert_int_equal(cbh_http_status(port, "/kraken/ws/v2"), 426);
    assert_int_equal(cbh_http_status(port, "/binance/ws/btcusdt@trade"), 426);
    assert_int_equal(cbh_http_status(port, "/binance/stream?streams=btcusdt@trade"), 426);
    assert_int_equal(cbh_http_status(port, "/kraken/0/public/Time"), 200);
    int status;
    assert_null(
        cbh_ws_connect(cbh_simws_port(), "/binance/stream?streams=btcusdt@trade/btcusdt@kline_1M", &status));
    assert_int_equal(status, 400);
    /* Escaped names are decoded. */
    cbh_ws_t *ws = cbh_simws_open("/binance/ws/btcusdt%40trade");
    cbh_simws_expect_msg(ws, "\"e\":\"trade\"", NULL);
    cbh_ws_close(&ws);
}

/* A raw path that names no market stream opens with nothing subscribed, as
 * Binance does: ccxt pro connects to /ws/0, /ws/1, ... and subscribes
 * afterwards, and stream names are lowercase (an uppercase one gets nothing). */
static void
test_binance_raw_unknown_name(void **state)
{
    (void) state;
    const char *paths[] = {"/binance/ws/0", "/binance/ws/BTCUSDT@trade", "/binance/ws/btcusdt@nope"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        cbh_ws_t *ws = cbh_simws_open(paths[i]);
        cbh_ws_send(ws, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":1}");
        cbh_simws_expect_msg(ws, "{\"result\":[],\"id\":1}", NULL);
        cbh_ws_send(ws, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@trade\"],\"id\":2}");
        cbh_simws_expect_msg(ws, "{\"result\":null,\"id\":2}", NULL);
        cbh_simws_expect_msg(ws, "{\"e\":\"trade\",", "\"s\":\"BTCUSDT\"");
        cbh_ws_close(&ws);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_paths),      cmocka_unit_test(test_binance_raw_unknown_name),
        cmocka_unit_test(test_kraken_requests),
        cmocka_unit_test(test_kraken_books),    cmocka_unit_test(test_kraken_faults),
        cmocka_unit_test(test_kraken_drop_written), cmocka_unit_test(test_kraken_channels),
    };
    return cmocka_run_group_tests_name("venue_sim_ws", tests, cbh_simws_setup, cbh_simws_teardown);
}
