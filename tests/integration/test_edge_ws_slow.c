/* test_edge_ws_slow.c - api-edge's /ws slow consumers: a client that does not read is held back, then closed 1008, while another keeps every tick; a lagging book gets merged updates */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_jtok.h"
#include "cb_time.h"
#include "cbh_edgews.h"
#include "cbh_ws.h"

#define S_KRAKEN "sim-kraken"

/* A client that never reads is held back (coalesced), then closed 1008,
 * while a client reading the same symbol gets every tick. */
static void
test_slow_client(void **state)
{
    (void) state;
    cbh_ws_t *fast = cbh_edgews_open();
    cbh_edgews_send_expect(fast,
                           "{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"venue\":\"sim-kraken\"}",
                           "\"type\":\"subscribed\"", NULL);
    int status;
    cbh_ws_t *slow = cbh_ws_connect_opts(cbh_edgews_port(), "/ws", 4096, &status);
    assert_non_null(slow);
    /* The server closes its socket once the close frame is written: a pong
     * sent after that would have the kernel reset the connection and drop
     * the frames still on their way, the close frame among them. */
    cbh_ws_set_pong(slow, false);
    cbh_ws_send(slow, "{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"venue\":\"sim-kraken\"}");
    cbh_ws_send(slow, "{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"channel\":\"book\"}");
    cb_time_sleep_ms(200, NULL);
    edge_ws_stats_t before = cbh_edgews_stats();

    enum { MAX_TICKS = 20000 };
    uint64_t *sent = calloc(MAX_TICKS, sizeof *sent);
    size_t nsent = 0, nrecv = 0;
    int64_t deadline = cb_time_mono_ns() + 15000000000LL;
    edge_ws_stats_t now = before;
    while (now.slow_closed == before.slow_closed && cb_time_mono_ns() < deadline &&
           nsent + 100 < MAX_TICKS) {
        for (int i = 0; i < 20; i++) {
            char bid[32];
            snprintf(bid, sizeof bid, "%zu.%02zu", 50000 + nsent / 100, nsent % 100);
            cbh_edgews_tick("BTC-USD", S_KRAKEN, bid, "60000", NULL, &sent[nsent++]);
        }
        uint64_t bs;
        cbh_edgews_book_n(true, false, 500, &bs);
        cbh_ws_pump(fast, 5);
        for (char *m; (m = cbh_ws_recv(fast, 0, NULL)) != NULL; free(m)) {
            char want[48];
            if (strstr(m, "price_update") != NULL) {
                assert_true(nrecv < nsent);
                if (strstr(m, cbh_edgews_seq(sent[nrecv], want, sizeof want)) == NULL) {
                    fail_msg("tick %zu: expected %s in %s", nrecv, want, m);
                }
                nrecv++;
            }
        }
        now = cbh_edgews_stats();
    }
    printf("ticks published %zu, coalesced %llu, slow closed %llu\n", nsent,
           (unsigned long long) (now.coalesced - before.coalesced),
           (unsigned long long) now.slow_closed);
    assert_true(now.slow_closed > before.slow_closed);
    assert_true(now.coalesced > before.coalesced);
    /* The reading client still gets every tick, to the last. */
    for (int extra = 0; extra < 10; extra++) {
        cbh_edgews_tick("BTC-USD", S_KRAKEN, "1", "2", NULL, &sent[nsent++]);
    }
    deadline = cb_time_mono_ns() + 5000000000LL;
    while (nrecv < nsent && cb_time_mono_ns() < deadline) {
        char *m = cbh_ws_recv(fast, 100, NULL);
        char want[48];
        if (m != NULL && strstr(m, "price_update") != NULL) {
            if (strstr(m, cbh_edgews_seq(sent[nrecv], want, sizeof want)) == NULL) {
                fail_msg("tick %zu: expected %s in %s", nrecv, want, m);
            }
            nrecv++;
        }
        free(m);
    }
    assert_int_equal(nrecv, nsent);
    /* The slow one, read at last, ends with 1008. */
    assert_int_equal(cbh_edgews_closed(slow, 10000), 1008);
    free(sent);
    cbh_ws_close(&slow);
    cbh_ws_close(&fast);
}

/* ---- a client's book, rebuilt from book_update messages ---------------------- */

#define S_BOOK_MAX 1024

typedef struct {
    cb_level_t items[S_BOOK_MAX];
    size_t n;
} s_side_t;

/* Sets price's amount (0 removes the level). */
static void
s_side_set(s_side_t *side, cb_decimal_t price, cb_decimal_t qty)
{
    for (size_t i = 0; i < side->n; i++) {
        if (cb_decimal_cmp(side->items[i].price, price) == 0) {
            if (cb_decimal_is_zero(qty)) {
                side->items[i] = side->items[--side->n];
            } else {
                side->items[i].qty = qty;
            }
            return;
        }
    }
    if (!cb_decimal_is_zero(qty)) {
        assert_true(side->n < S_BOOK_MAX);
        side->items[side->n++] = (cb_level_t){price, qty};
    }
}

static bool
s_side_equal(const s_side_t *a, const s_side_t *b)
{
    if (a->n != b->n) {
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        size_t k = 0;
        while (k < b->n && cb_decimal_cmp(b->items[k].price, a->items[i].price) != 0) {
            k++;
        }
        if (k == b->n || cb_decimal_cmp(b->items[k].qty, a->items[i].qty) != 0) {
            return false;
        }
    }
    return true;
}

/* Applies one book_update (its "bids" / "asks" arrays of [price, qty]). */
static void
s_apply_msg(s_side_t sides[2], const char *json)
{
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    assert_int_equal(cb_jdoc_parse(&doc, json, strlen(json)), 0);
    bool snapshot;
    assert_int_equal(cb_jtok_bool(&doc, cb_jtok_get(&doc, 0, "snapshot"), &snapshot), 0);
    const char *keys[2] = {"bids", "asks"};
    for (int sd = 0; sd < 2; sd++) {
        if (snapshot) {
            sides[sd].n = 0;
        }
        int arr = cb_jtok_get(&doc, 0, keys[sd]);
        for (int k = 0; k < cb_jtok_size(&doc, arr); k++) {
            int lvl = cb_jtok_at(&doc, arr, k);
            cb_decimal_t p, q;
            assert_int_equal(cb_jtok_decimal(&doc, cb_jtok_at(&doc, lvl, 0), &p), 0);
            assert_int_equal(cb_jtok_decimal(&doc, cb_jtok_at(&doc, lvl, 1), &q), 0);
            s_side_set(&sides[sd], p, q);
        }
    }
    cb_jdoc_fini(&doc);
}

/* Publishes a book update of the "price:qty" pairs (NULL-terminated) and
 * applies it to the test's own copy. */
static void
s_publish_delta(s_side_t model[2], const char *const *bids, const char *const *asks, uint64_t *seq)
{
    cb_level_t levels[2][8];
    uint32_t n[2] = {0, 0};
    const char *const *given[2] = {bids, asks};
    for (int sd = 0; sd < 2; sd++) {
        for (; given[sd][n[sd]] != NULL; n[sd]++) {
            char text[32];
            snprintf(text, sizeof text, "%s", given[sd][n[sd]]);
            char *colon = strchr(text, ':');
            *colon = '\0';
            levels[sd][n[sd]] = (cb_level_t){cbh_edgews_dec(text), cbh_edgews_dec(colon + 1)};
            s_side_set(&model[sd], levels[sd][n[sd]].price, levels[sd][n[sd]].qty);
        }
    }
    cbh_edgews_book(false, false, (cb_levels_t){levels[0], n[0]}, (cb_levels_t){levels[1], n[1]},
                    seq);
}

/* A lagging book subscriber gets the updates it missed merged into one:
 * the book it rebuilds is the publisher's, level for level. */
static void
test_slow_book_merged(void **state)
{
    (void) state;
    int status;
    cbh_ws_t *ws = cbh_ws_connect_opts(cbh_edgews_port(), "/ws", 4096, &status);
    assert_non_null(ws);
    cbh_edgews_send_expect(ws,
                           "{\"type\":\"subscribe\",\"symbol\":\"BTC\",\"channel\":\"book\","
                           "\"venue\":\"sim-kraken\"}",
                           "\"type\":\"subscribed\"", NULL);
    static s_side_t model[2], mine[2];
    memset(model, 0, sizeof model);
    memset(mine, 0, sizeof mine);
    /* Snapshots, unread, until the hub holds updates back. */
    edge_ws_stats_t before = cbh_edgews_stats();
    uint64_t s;
    int64_t deadline = cb_time_mono_ns() + 5000000000LL;
    while (cbh_edgews_stats().coalesced == before.coalesced && cb_time_mono_ns() < deadline) {
        cbh_edgews_book_n(true, false, 500, &s);
    }
    assert_true(cbh_edgews_stats().coalesced > before.coalesced);
    for (size_t i = 0; i < 500; i++) {
        cb_decimal_t p;
        assert_int_equal(cb_decimal_from_parts(9999 - (int64_t) i, 2, &p), 0);
        s_side_set(&model[0], p, cbh_edgews_dec("1.25"));
        assert_int_equal(cb_decimal_from_parts(10001 + (int64_t) i, 2, &p), 0);
        s_side_set(&model[1], p, cbh_edgews_dec("2"));
    }
    static const char *const b1[] = {"99.99:0", "100:3", NULL}, *const a1[] = {"100.01:5", NULL};
    static const char *const b2[] = {"100:0", "99.98:7", NULL}, *const a2[] = {"100.5:0",
                                                                               "100.005:1", NULL};
    static const char *const b3[] = {"99.99:4", NULL}, *const a3[] = {NULL};
    s_publish_delta(model, b1, a1, &s);
    s_publish_delta(model, b2, a2, &s);
    s_publish_delta(model, b3, a3, &s);
    /* Reading now (well before slow_close_ms) drains the queue: what was
     * held back follows, merged. */
    char want[48];
    cbh_edgews_seq(s, want, sizeof want);
    bool last = false;
    while (!last) {
        char *m = cbh_ws_recv(ws, 2000, NULL);
        if (m == NULL) {
            fail_msg("no book_update with %s (ended: %d)", want, cbh_ws_ended(ws));
        }
        if (strstr(m, "\"type\":\"book_update\"") != NULL) {
            s_apply_msg(mine, m);
            last = strstr(m, want) != NULL;
        }
        free(m);
    }
    assert_true(s_side_equal(&mine[0], &model[0]));
    assert_true(s_side_equal(&mine[1], &model[1]));
    assert_false(cbh_ws_ended(ws));
    cbh_ws_close(&ws);
}

static int
s_setup(void **state)
{
    (void) state;
    edge_ws_config_t cfg = edge_ws_config_default();
    cfg.queue_msgs = 64;
    cfg.queue_bytes = 256 * 1024;
    cfg.slow_close_ms = 1000;
    cfg.ping_interval_ms = 300;
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
        cmocka_unit_test(test_slow_client),
        cmocka_unit_test(test_slow_book_merged),
    };
    return cmocka_run_group_tests(tests, s_setup, cbh_edgews_teardown);
}
