/* test_ws_client.c - cb_ws against venue-sim's streams: messages, pings, faults, backoff */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_time.h"
#include "cb_ws.h"
#include "cbh.h"
#include "cbh_simws.h"

#define KRAKEN_SUB                                                                                 \
    "{\"method\":\"subscribe\",\"params\":{\"channel\":\"trade\",\"symbol\":[\"BTC/USD\"]}}"

/* What the handlers saw. */
typedef struct {
    int opens;
    int closes;
    int messages;
    int trades;            /* messages that carry trades */
    int trades_since_open; /* ... since the last on_open */
    char reason[8][160];   /* the first on_close reasons */
    int64_t close_ns[64];  /* when each on_close ran */
    int backoff_ms[64];    /* the delay each on_close announced */
    const char *subscribe; /* sent from on_open when not NULL */
    int send_rc;
    int close_after; /* cb_ws_close from on_message after this many (0: never) */
    char last[256];
} s_seen_t;

static void
s_on_open(cb_ws_conn_t *conn, void *ctx)
{
    s_seen_t *s = ctx;
    s->opens++;
    s->trades_since_open = 0;
    if (s->subscribe != NULL) {
        s->send_rc = cb_ws_send(conn, s->subscribe, strlen(s->subscribe));
    }
}

static void
s_on_message(cb_ws_conn_t *conn, void *ctx, const char *data, size_t len)
{
    s_seen_t *s = ctx;
    assert_int_equal(data[len], '\0');
    s->messages++;
    if (strstr(data, "\"trade\"") != NULL && strstr(data, "\"price\"") != NULL) {
        s->trades++; /* Kraken v2 trade data */
        s->trades_since_open++;
    } else if (strstr(data, "\"e\":\"trade\"") != NULL) {
        s->trades++; /* Binance raw trade */
        s->trades_since_open++;
    }
    snprintf(s->last, sizeof s->last, "%.*s", (int) len, data);
    if (s->close_after > 0 && s->messages == s->close_after) {
        cb_ws_close(conn);
    }
}

static void
s_on_close(cb_ws_conn_t *conn, void *ctx, const char *reason)
{
    s_seen_t *s = ctx;
    s->trades_since_open = 0;
    cb_ws_stats_t st;
    cb_ws_stats(conn, &st);
    assert_int_equal(st.state, CB_WS_BACKOFF);
    if (s->closes < 8) {
        snprintf(s->reason[s->closes], sizeof s->reason[0], "%s", reason);
    }
    if (s->closes < 64) {
        s->close_ns[s->closes] = cb_time_mono_ns();
        s->backoff_ms[s->closes] = st.backoff_ms;
    }
    s->closes++;
}

static const cb_ws_handlers_t s_handlers = {s_on_open, s_on_message, s_on_close};

static const char *
s_url(const char *path)
{
    static char url[256];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d%s", cbh_simws_port(), path);
    return url;
}

/* Services ws until *flag >= want or timeout_ms passes; true when reached. */
static bool
s_until(cb_ws_t *ws, const int *flag, int want, int timeout_ms)
{
    int64_t deadline = cb_time_mono_ns() + (int64_t) timeout_ms * 1000000;
    while (*flag < want && cb_time_mono_ns() < deadline) {
        assert_true(cb_ws_service(ws, 50) >= 0);
    }
    return *flag >= want;
}

static void
s_run(cb_ws_t *ws, int ms)
{
    int64_t deadline = cb_time_mono_ns() + (int64_t) ms * 1000000;
    while (cb_time_mono_ns() < deadline) {
        assert_true(cb_ws_service(ws, 20) >= 0);
    }
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_binance_trades_and_pings(void **state)
{
    (void) state;
    cb_ws_t *ws = cb_ws_new(false);
    assert_non_null(ws);
    s_seen_t s;
    memset(&s, 0, sizeof s);
    cb_ws_opts_t o = {.ping_ms = 200, .backoff_min_ms = 50, .backoff_max_ms = 500};
    cb_ws_conn_t *c = cb_ws_open(ws, s_url("/binance/ws/btcusdt@trade"), &s_handlers, &s, &o);
    assert_non_null(c);
    assert_int_equal(s.opens, 0); /* handlers run from cb_ws_service only */
    assert_true(s_until(ws, &s.trades, 5, 5000));
    assert_int_equal(s.opens, 1);
    assert_non_null(strstr(s.last, "\"s\":\"BTCUSDT\""));
    /* The sim pings every 300 ms and drops a client that has not answered
     * for 1.5 s: 2.5 s later the connection is still the first one. Our
     * own pings get pongs. */
    s_run(ws, 2500);
    cb_ws_stats_t st;
    cb_ws_stats(c, &st);
    assert_int_equal(st.state, CB_WS_OPEN);
    assert_int_equal(st.connects, 1);
    assert_int_equal(st.reconnects, 0);
    assert_int_equal(s.closes, 0);
    assert_true(st.pings >= 5);
    assert_true(st.pongs >= 3);
    assert_true(st.messages >= (uint64_t) s.messages - 1 && st.messages > 5);
    assert_true(st.bytes > st.messages * 20);
    assert_true(st.last_message_ns > 0 && cb_time_mono_ns() - st.last_message_ns < 1000000000LL);
    cbh_simws_fault_t f = cbh_simws_do(CBH_SIMWS_STATS, SIM_VENUE_BINANCE, 0);
    (void) f;
    cb_ws_close(c);
    s_run(ws, 100);
    assert_int_equal(s.closes, 0); /* cb_ws_close calls no handler */
    cb_ws_destroy(&ws);
    assert_null(ws);
    cb_ws_destroy(&ws);
}

static void
test_kraken_drop_reconnects_and_resubscribes(void **state)
{
    (void) state;
    cb_ws_t *ws = cb_ws_new(false);
    assert_non_null(ws);
    s_seen_t s;
    memset(&s, 0, sizeof s);
    s.subscribe = KRAKEN_SUB;
    cb_ws_opts_t o = {.backoff_min_ms = 50, .backoff_max_ms = 400, .healthy_ms = 100000};
    cb_ws_conn_t *c = cb_ws_open(ws, s_url("/kraken/ws/v2"), &s_handlers, &s, &o);
    assert_non_null(c);
    assert_true(s_until(ws, &s.trades, 3, 5000));
    assert_int_equal(s.send_rc, 0);
    assert_int_equal(s.opens, 1);

    cbh_simws_fault_t f = cbh_simws_do(CBH_SIMWS_DROP, SIM_VENUE_KRAKEN, 0);
    assert_true(f.rc >= 1);
    int64_t t0 = cb_time_mono_ns();
    assert_true(s_until(ws, &s.closes, 1, 3000));
    assert_true(strlen(s.reason[0]) > 0);
    assert_true(s.backoff_ms[0] >= 50 && s.backoff_ms[0] <= 400);
    assert_true(s_until(ws, &s.opens, 2, 3000));
    int64_t gap_ms = (cb_time_mono_ns() - t0) / 1000000;
    assert_true(gap_ms >= s.backoff_ms[0] - 5);
    /* on_open subscribed again and trades flow on the new connection. */
    assert_true(s_until(ws, &s.trades_since_open, 3, 5000));
    cb_ws_stats_t st;
    cb_ws_stats(c, &st);
    assert_int_equal(st.connects, 2);
    assert_int_equal(st.reconnects, 1);
    assert_int_equal(st.failures, 0);
    assert_int_equal(st.state, CB_WS_OPEN);
    assert_true(st.sent >= 2);

    /* A forced reconnect skips the backoff. */
    cb_ws_reconnect(c);
    assert_true(s_until(ws, &s.opens, 3, 3000));
    assert_string_equal(s.reason[1], "reconnect requested");
    assert_int_equal(s.backoff_ms[1], 0);
    cb_ws_destroy(&ws);
}

static void
test_stall_trips_the_watchdog(void **state)
{
    (void) state;
    cb_ws_t *ws = cb_ws_new(false);
    assert_non_null(ws);
    s_seen_t s;
    memset(&s, 0, sizeof s);
    s.subscribe = KRAKEN_SUB;
    /* Kraken sends a heartbeat every second when nothing else: 1.5 s of
     * silence means the stream is stuck. */
    cb_ws_opts_t o = {.silence_ms = 1500, .backoff_min_ms = 50, .backoff_max_ms = 300};
    cb_ws_conn_t *c = cb_ws_open(ws, s_url("/kraken/ws/v2"), &s_handlers, &s, &o);
    assert_non_null(c);
    assert_true(s_until(ws, &s.trades, 2, 5000));
    s_run(ws, 200);
    assert_int_equal(s.closes, 0);
    cbh_simws_do(CBH_SIMWS_STALL, SIM_VENUE_KRAKEN, 2500);
    int64_t t0 = cb_time_mono_ns();
    assert_true(s_until(ws, &s.closes, 1, 5000));
    int64_t ms = (cb_time_mono_ns() - t0) / 1000000;
    assert_non_null(strstr(s.reason[0], "no message for 1500 ms"));
    assert_true(ms >= 1200 && ms < 3500);
    /* The stall ends, a new connection subscribes and trades flow. */
    assert_true(s_until(ws, &s.trades_since_open, 2, 8000));
    cb_ws_stats_t st;
    cb_ws_stats(c, &st);
    assert_true(st.silence_drops >= 1);
    assert_true(st.reconnects >= 1);
    assert_int_equal(st.state, CB_WS_OPEN);
    cb_ws_destroy(&ws);
}

static void
test_refused_port_backs_off(void **state)
{
    (void) state;
    enum { MIN = 20, MAX = 200 };
    cb_ws_t *ws = cb_ws_new(false);
    assert_non_null(ws);
    s_seen_t s;
    memset(&s, 0, sizeof s);
    char url[128];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/binance/ws/btcusdt@trade", cbh_free_port());
    cb_ws_opts_t o = {.backoff_min_ms = MIN, .backoff_max_ms = MAX, .jitter_seed = 7};
    cb_ws_conn_t *c = cb_ws_open(ws, url, &s_handlers, &s, &o);
    assert_non_null(c);
    assert_true(s_until(ws, &s.closes, 12, 8000));
    cb_ws_stats_t st;
    cb_ws_stats(c, &st);
    assert_int_equal(st.connects, 0);
    assert_int_equal(s.opens, 0);
    assert_true(st.failures >= 12);
    assert_true(st.attempts >= st.failures);
    assert_non_null(strstr(s.reason[0], "connect failed"));
    int grew = 0;
    for (int i = 0; i < 12; i++) {
        /* Every delay within the bounds; the first within [min, 3 min]. */
        assert_true(s.backoff_ms[i] >= MIN && s.backoff_ms[i] <= MAX);
        if (s.backoff_ms[i] > 3 * MIN) {
            grew++;
        }
        if (i > 0) {
            /* The next failure came no sooner than the delay announced
             * (timer slack aside), and not much later. */
            int64_t gap = (s.close_ns[i] - s.close_ns[i - 1]) / 1000000;
            assert_true(gap >= s.backoff_ms[i - 1] - 3);
            assert_true(gap <= s.backoff_ms[i - 1] + 1000);
        }
    }
    assert_true(s.backoff_ms[0] <= 3 * MIN);
    assert_true(grew >= 1); /* decorrelated jitter grows past 3 * min */
    cb_ws_destroy(&ws);
}

static void
test_service_is_bounded_when_idle(void **state)
{
    (void) state;
    cb_ws_t *ws = cb_ws_new(false);
    assert_non_null(ws);
    int64_t t0 = cb_time_mono_ns();
    assert_int_equal(cb_ws_service(ws, 100), 0);
    int64_t ms = (cb_time_mono_ns() - t0) / 1000000;
    assert_true(ms >= 60 && ms < 600);
    t0 = cb_time_mono_ns();
    assert_true(cb_ws_service(ws, 0) >= 0);
    assert_true((cb_time_mono_ns() - t0) / 1000000 < 100);
    /* With a connection waiting out a long backoff, too. */
    s_seen_t s;
    memset(&s, 0, sizeof s);
    char url[128];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/", cbh_free_port());
    cb_ws_opts_t o = {.backoff_min_ms = 60000, .backoff_max_ms = 60000};
    cb_ws_conn_t *c = cb_ws_open(ws, url, &s_handlers, &s, &o);
    assert_true(s_until(ws, &s.closes, 1, 3000));
    for (int i = 0; i < 3; i++) {
        t0 = cb_time_mono_ns();
        assert_int_equal(cb_ws_service(ws, 150), 0);
        ms = (cb_time_mono_ns() - t0) / 1000000;
        assert_true(ms >= 100 && ms < 700);
    }
    cb_ws_stats_t st;
    cb_ws_stats(c, &st);
    assert_int_equal(st.state, CB_WS_BACKOFF);
    assert_int_equal(st.backoff_ms, 60000);
    assert_string_equal(cb_ws_state_name(st.state), "backoff");
    assert_int_equal(cb_ws_send(c, "x", 1), CB_E_CLOSED);
    cb_ws_destroy(&ws);
}

static void
test_limits_and_closing_from_handlers(void **state)
{
    (void) state;
    cb_ws_t *ws = cb_ws_new(false);
    assert_non_null(ws);
    assert_null(cb_ws_open(ws, "http://127.0.0.1/", &s_handlers, NULL, NULL));
    assert_null(cb_ws_open(ws, "ws://:80/", &s_handlers, NULL, NULL));
    assert_null(cb_ws_open(ws, "ws://127.0.0.1:99999/", &s_handlers, NULL, NULL));

    /* A message past max_message drops the connection. */
    s_seen_t big;
    memset(&big, 0, sizeof big);
    cb_ws_opts_t o = {.max_message = 16, .backoff_min_ms = 50, .backoff_max_ms = 100};
    cb_ws_conn_t *c = cb_ws_open(ws, s_url("/binance/ws/btcusdt@trade"), &s_handlers, &big, &o);
    assert_non_null(c);
    assert_true(s_until(ws, &big.closes, 1, 5000));
    assert_non_null(strstr(big.reason[0], "message larger than 16 bytes"));
    assert_int_equal(big.messages, 0);
    cb_ws_close(c);

    /* cb_ws_close from on_message: no handler runs afterwards. */
    s_seen_t s;
    memset(&s, 0, sizeof s);
    s.close_after = 3;
    c = cb_ws_open(ws, s_url("/binance/ws/btcusdt@trade"), &s_handlers, &s, NULL);
    assert_non_null(c);
    assert_true(s_until(ws, &s.messages, 3, 5000));
    s_run(ws, 300);
    assert_int_equal(s.messages, 3);
    assert_int_equal(s.closes, 0);
    cb_ws_destroy(&ws);
}

/* wss:// opens only on a context made for TLS; that one opens ws:// too. */
static void
test_tls_only_where_made(void **state)
{
    (void) state;
    cb_ws_t *plain = cb_ws_new(false);
    assert_non_null(plain);
    assert_null(cb_ws_open(plain, "wss://127.0.0.1:1/x", &s_handlers, NULL, NULL));
    cb_ws_destroy(&plain);

    cb_ws_t *ws = cb_ws_new(true);
    assert_non_null(ws);
    cb_ws_opts_t o = {.backoff_min_ms = 50, .backoff_max_ms = 100};
    s_seen_t refused;
    memset(&refused, 0, sizeof refused);
    cb_ws_conn_t *tls = cb_ws_open(ws, "wss://127.0.0.1:1/x", &s_handlers, &refused, &o);
    assert_non_null(tls);
    s_seen_t s;
    memset(&s, 0, sizeof s);
    cb_ws_conn_t *c = cb_ws_open(ws, s_url("/binance/ws/btcusdt@trade"), &s_handlers, &s, &o);
    assert_non_null(c);
    assert_true(s_until(ws, &s.trades, 2, 5000));
    cb_ws_stats_t st;
    cb_ws_stats(tls, &st);
    assert_int_equal(st.connects, 0);
    assert_true(st.failures >= 1);
    cb_ws_destroy(&ws);
}

int
main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binance_trades_and_pings),
        cmocka_unit_test(test_kraken_drop_reconnects_and_resubscribes),
        cmocka_unit_test(test_stall_trips_the_watchdog),
        cmocka_unit_test(test_refused_port_backs_off),
        cmocka_unit_test(test_service_is_bounded_when_idle),
        cmocka_unit_test(test_limits_and_closing_from_handlers),
        cmocka_unit_test(test_tls_only_where_made),
    };
    return cmocka_run_group_tests(tests, cbh_simws_setup, cbh_simws_teardown);
}
