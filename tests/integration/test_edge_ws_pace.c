/* test_edge_ws_pace.c - api-edge's /ws paced flushing: a lone tick goes at once, one right after a flush waits for the window, a burst arrives whole and in order */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_time.h"
#include "cbh_edgews.h"
#include "cbh_ws.h"

#define S_KRAKEN "sim-kraken"
/* A window far above a loop turn and a bus hop (which takes tens of ms on a
 * loaded machine), so that "at once" and "one window later" cannot be
 * mistaken for each other. */
#define S_WINDOW_MS 400
#define S_BURST 300

/* Reads until nothing came for longer than the window. */
static void
s_quiet(cbh_ws_t *ws)
{
    char *m;
    while ((m = cbh_ws_recv(ws, S_WINDOW_MS + 50, NULL)) != NULL) {
        free(m);
    }
    assert_false(cbh_ws_ended(ws));
}

/* A client subscribed to BTC ticks (the cached price it gets then
 * included), after a quiet spell longer than the window. */
static cbh_ws_t *
s_subscribed(void)
{
    cbh_ws_t *ws = cbh_edgews_open();
    cbh_edgews_send_expect(ws, "{\"type\":\"subscribe\",\"symbol\":\"BTC\"}", "\"type\":\"subscribed\"",
                           NULL);
    s_quiet(ws);
    return ws;
}

/* Publishes a tick and waits for its price_update; the ms it took. */
static int64_t
s_tick_ms(cbh_ws_t *ws, const char *bid)
{
    uint64_t seq;
    char want[48];
    int64_t t0 = cb_time_mono_ns();
    cbh_edgews_tick("BTC-USD", S_KRAKEN, bid, "2000", NULL, &seq);
    free(cbh_edgews_expect(ws, "\"type\":\"price_update\"", cbh_edgews_seq(seq, want, sizeof want),
                           NULL));
    return (cb_time_mono_ns() - t0) / 1000000;
}

/* A tick after a quiet spell waits for no window; the next one, published
 * as soon as the first arrived, goes out one window after that flush. */
static void
test_lone_tick_at_once(void **state)
{
    (void) state;
    cbh_ws_t *ws = s_subscribed();
    int64_t first = s_tick_ms(ws, "1000.1");
    int64_t second = s_tick_ms(ws, "1000.2");
    printf("lone tick %lld ms, the next one %lld ms (window %d ms)\n", (long long) first,
           (long long) second, S_WINDOW_MS);
    assert_true(first < S_WINDOW_MS / 2);
    assert_true(second >= S_WINDOW_MS / 2);
    assert_true(second < S_WINDOW_MS + 300);

    /* Quiet again: at once again. */
    s_quiet(ws);
    int64_t third = s_tick_ms(ws, "1000.3");
    printf("after a quiet spell: %lld ms\n", (long long) third);
    assert_true(third < S_WINDOW_MS / 2);
    cbh_ws_close(&ws);
}

/* Ticks published back to back all arrive, in bus order, none coalesced,
 * in a few flushes (their frames share writes). */
static void
test_burst_whole_in_order(void **state)
{
    (void) state;
    cbh_ws_t *ws = s_subscribed();
    edge_ws_stats_t before = cbh_edgews_stats();
    static uint64_t seqs[S_BURST];
    int64_t t0 = cb_time_mono_ns();
    for (size_t i = 0; i < S_BURST; i++) {
        char bid[32];
        snprintf(bid, sizeof bid, "1000.%03zu", i);
        cbh_edgews_tick("BTC-USD", S_KRAKEN, bid, "2000", NULL, &seqs[i]);
    }
    size_t got = 0;
    while (got < S_BURST) {
        char *m = cbh_ws_recv(ws, 3000, NULL);
        if (m == NULL) {
            fail_msg("%zu of %d ticks arrived (ended: %d)", got, S_BURST, cbh_ws_ended(ws));
        }
        if (strstr(m, "\"type\":\"price_update\"") != NULL) {
            char want[48];
            if (strstr(m, cbh_edgews_seq(seqs[got], want, sizeof want)) == NULL) {
                fail_msg("tick %zu: expected %s in %s", got, want, m);
            }
            got++;
        }
        free(m);
    }
    int64_t ms = (cb_time_mono_ns() - t0) / 1000000;
    edge_ws_stats_t after = cbh_edgews_stats();
    printf("%d ticks in %lld ms\n", S_BURST, (long long) ms);
    assert_int_equal(after.coalesced, before.coalesced);
    assert_int_equal(after.slow_closed, before.slow_closed);
    assert_false(cbh_ws_ended(ws));
    cbh_ws_close(&ws);
}

static int
s_setup(void **state)
{
    (void) state;
    edge_ws_config_t cfg = edge_ws_config_default();
    cfg.flush_us = S_WINDOW_MS * 1000;
    /* A pass to one client takes microseconds: the window alone decides. */
    cfg.flush_cost_factor = UINT32_MAX;
    if (cbh_edgews_start(&cfg) != 0) {
        return -1;
    }
    cbh_edgews_warm("BTC-USD", S_KRAKEN);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lone_tick_at_once),
        cmocka_unit_test(test_burst_whole_in_order),
    };
    return cmocka_run_group_tests(tests, s_setup, cbh_edgews_teardown);
}
