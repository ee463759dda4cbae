/* test_bus_pubsub.c - pub -> real bus -> sub: delivery, seq continuity, late joiners, bad input */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "cb_error.h"
#include "cb_pub.h"
#include "cb_sub.h"
#include "cb_time.h"
#include "cbh_bus.h"

static cbh_bus_t s_bus;

static int
s_setup(void **state)
{
    (void) state;
    zsys_handler_set(NULL);
    return cbh_bus_start(&s_bus);
}

static int
s_teardown(void **state)
{
    (void) state;
    return cbh_bus_stop(&s_bus) == 0 ? 0 : -1;
}

/* A tick whose bid encodes n exactly: bid = 50000 + n/100. */
static void
s_make_tick(cb_event_t *ev, const char *symbol, const char *venue, uint64_t n, char *bidbuf)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = CB_KIND_tick;
    cb_tick_t *t = &ev->body.tick;
    snprintf(bidbuf, 32, "%llu.%02llu", (unsigned long long) (50000 + n / 100),
             (unsigned long long) (n % 100));
    cb_decimal_t bid;
    cb_decimal_t ask;
    assert_int_equal(cb_decimal_parse(bidbuf, strlen(bidbuf), &bid), 0);
    assert_int_equal(cb_decimal_parse("60000.5", 7, &ask), 0);
    CB_PROTO_SET(t, tick, symbol, cb_str_from(symbol));
    CB_PROTO_SET(t, tick, venue, cb_str_from(venue));
    CB_PROTO_SET(t, tick, bid, bid);
    CB_PROTO_SET(t, tick, ask, ask);
}

/* Publishes warm-up ticks on topic until sub sees one: after that the bus
 * has the subscription and nothing more is dropped for a slow join. */
static void
s_warm_up(cb_pub_t *pub, cb_sub_t *sub, const char *symbol, const char *venue)
{
    char bidbuf[32];
    for (int i = 0; i < 200; i++) {
        cb_event_t ev;
        s_make_tick(&ev, symbol, venue, 0, bidbuf);
        assert_int_equal(cb_pub_send(pub, &ev, NULL), 0);
        cb_sub_msg_t msg;
        int rc = cb_sub_recv(sub, 50, &msg);
        cb_sub_msg_clear(&msg);
        if (rc == 0) {
            /* Drain what else the warm-up left in flight. */
            while (cb_sub_recv(sub, 100, &msg) == 0) {
                cb_sub_msg_clear(&msg);
            }
            cb_sub_msg_clear(&msg);
            return;
        }
    }
    fail_msg("subscription never reached the publisher");
}

static void
test_delivery_in_order_with_exact_values(void **state)
{
    (void) state;
    cb_pub_t *pub = cb_pub_new(s_bus.config.pub);
    cb_sub_t *sub = cb_sub_new(s_bus.config.sub);
    assert_non_null(pub);
    assert_non_null(sub);
    assert_int_equal(cb_sub_subscribe(sub, "tick.BTC-USD."), 0);
    s_warm_up(pub, sub, "BTC-USD", "sim-kraken");

    const uint64_t count = 20000;
    char bidbuf[32];
    uint64_t first_seq = 0;
    uint64_t received = 0;
    for (uint64_t i = 1; i <= count; i++) {
        cb_event_t ev;
        s_make_tick(&ev, "BTC-USD", "sim-kraken", i, bidbuf);
        assert_int_equal(cb_pub_send(pub, &ev, NULL), 0);
        /* Keep the subscriber's queue short while publishing. */
        cb_sub_msg_t msg;
        while (cb_sub_recv(sub, 0, &msg) == 0) {
            received++;
            if (first_seq == 0) {
                first_seq = msg.ev.env.seq;
            }
            assert_int_equal(msg.ev.env.seq, first_seq + received - 1);
            assert_int_equal(msg.missed, 0);
            char expect[32];
            char got[CB_DECIMAL_STR_MAX];
            snprintf(expect, sizeof expect, "%llu.%02llu",
                     (unsigned long long) (50000 + received / 100),
                     (unsigned long long) (received % 100));
            cb_decimal_format(msg.ev.body.tick.bid, got, sizeof got);
            cb_decimal_t e;
            cb_decimal_parse(expect, strlen(expect), &e);
            assert_int_equal(cb_decimal_cmp(e, msg.ev.body.tick.bid), 0);
            cb_sub_msg_clear(&msg);
        }
        cb_sub_msg_clear(&msg);
    }
    cb_sub_msg_t msg;
    while (received < count && cb_sub_recv(sub, 2000, &msg) == 0) {
        received++;
        assert_int_equal(msg.ev.env.seq, first_seq + received - 1);
        assert_true(cb_str_eq_cstr(msg.ev.body.tick.symbol, "BTC-USD"));
        assert_true(cb_str_eq_cstr(msg.ev.env.epoch, cb_pub_epoch(pub)));
        cb_sub_msg_clear(&msg);
    }
    cb_sub_msg_clear(&msg);
    assert_int_equal(received, count);
    cb_sub_stats_t st = cb_sub_stats(sub);
    assert_int_equal(st.gaps, 0);
    assert_int_equal(st.missed, 0);
    assert_int_equal(st.malformed, 0);
    cb_sub_destroy(&sub);
    cb_pub_destroy(&pub);
}

static void
test_prefix_filtering_across_venues(void **state)
{
    (void) state;
    cb_pub_t *pub = cb_pub_new(s_bus.config.pub);
    cb_sub_t *sub = cb_sub_new(s_bus.config.sub);
    assert_int_equal(cb_sub_subscribe(sub, "tick.ETH-USD."), 0);
    s_warm_up(pub, sub, "ETH-USD", "sim-kraken");
    char bidbuf[32];
    const char *symbols[] = {"ETH-USD", "ETH-USDT", "BTC-USD", "ETH-USD"};
    const char *venues[] = {"sim-kraken", "sim-binance", "sim-kraken", "sim-binance"};
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 4; i++) {
            cb_event_t ev;
            s_make_tick(&ev, symbols[i], venues[i], (uint64_t) round, bidbuf);
            assert_int_equal(cb_pub_send(pub, &ev, NULL), 0);
        }
    }
    int kraken = 0;
    int binance = 0;
    cb_sub_msg_t msg;
    while (cb_sub_recv(sub, 500, &msg) == 0) {
        /* "tick.ETH-USD." must not match ETH-USDT. */
        assert_true(cb_str_eq_cstr(msg.ev.body.tick.symbol, "ETH-USD"));
        if (cb_str_eq_cstr(msg.ev.body.tick.venue, "sim-kraken")) {
            kraken++;
        } else {
            binance++;
        }
        cb_sub_msg_clear(&msg);
    }
    cb_sub_msg_clear(&msg);
    assert_int_equal(kraken, 10);
    /* Binance's topic was never warmed up; its first messages may be lost to
     * the slow-joiner window but not many. */
    assert_true(binance >= 1 && binance <= 10);
    cb_sub_destroy(&sub);
    cb_pub_destroy(&pub);
}

static void
test_late_subscriber_sees_no_false_gap(void **state)
{
    (void) state;
    cb_pub_t *pub = cb_pub_new(s_bus.config.pub);
    cb_sub_t *early = cb_sub_new(s_bus.config.sub);
    assert_int_equal(cb_sub_subscribe(early, "tick.SOL-USD."), 0);
    s_warm_up(pub, early, "SOL-USD", "sim-kraken");
    char bidbuf[32];
    for (uint64_t i = 1; i <= 500; i++) {
        cb_event_t ev;
        s_make_tick(&ev, "SOL-USD", "sim-kraken", i, bidbuf);
        assert_int_equal(cb_pub_send(pub, &ev, NULL), 0);
    }
    /* The first 500 must have passed the bus before the late subscriber
     * subscribes: sends are asynchronous, so wait until the early one has
     * them all (else a slow machine legitimately delivers some of them late). */
    uint64_t early_count = 0;
    cb_sub_msg_t msg;
    while (early_count < 500 && cb_sub_recv(early, 2000, &msg) == 0) {
        early_count++;
        cb_sub_msg_clear(&msg);
    }
    cb_sub_msg_clear(&msg);
    assert_int_equal(early_count, 500);
    cb_sub_t *late = cb_sub_new(s_bus.config.sub);
    assert_int_equal(cb_sub_subscribe(late, "tick.SOL-USD."), 0);
    /* Publish until the late subscriber gets a message, then 500 more. */
    uint64_t late_first = 0;
    uint64_t late_count = 0;
    for (uint64_t i = 501; i <= 5000 && late_count < 600; i++) {
        cb_event_t ev;
        s_make_tick(&ev, "SOL-USD", "sim-kraken", i, bidbuf);
        assert_int_equal(cb_pub_send(pub, &ev, NULL), 0);
        while (cb_sub_recv(late, late_first == 0 ? 5 : 0, &msg) == 0) {
            if (late_first == 0) {
                late_first = msg.ev.env.seq;
            }
            late_count++;
            assert_int_equal(msg.ev.env.seq, late_first + late_count - 1);
            cb_sub_msg_clear(&msg);
        }
        cb_sub_msg_clear(&msg);
    }
    while (cb_sub_recv(late, 300, &msg) == 0) {
        late_count++;
        assert_int_equal(msg.ev.env.seq, late_first + late_count - 1);
        cb_sub_msg_clear(&msg);
    }
    cb_sub_msg_clear(&msg);
    assert_true(late_first > 500);
    assert_true(late_count >= 600);
    cb_sub_stats_t st = cb_sub_stats(late);
    assert_int_equal(st.gaps, 0);
    assert_int_equal(st.epochs, 1);
    /* The early one saw everything in order as well. */
    while (cb_sub_recv(early, 300, &msg) == 0) {
        early_count++;
        cb_sub_msg_clear(&msg);
    }
    cb_sub_msg_clear(&msg);
    assert_int_equal(cb_sub_stats(early).gaps, 0);
    assert_true(early_count >= 500 + late_count);
    cb_sub_destroy(&late);
    cb_sub_destroy(&early);
    cb_pub_destroy(&pub);
}

/* Unsubscribing forgets the topics' sequences: what was published while
 * not subscribed is no gap once subscribed again. */
static void
test_resubscribe_sees_no_false_gap(void **state)
{
    (void) state;
    cb_pub_t *pub = cb_pub_new(s_bus.config.pub);
    cb_sub_t *sub = cb_sub_new(s_bus.config.sub);
    assert_int_equal(cb_sub_subscribe(sub, "tick.ADA-USD."), 0);
    s_warm_up(pub, sub, "ADA-USD", "sim-kraken");
    assert_int_equal(cb_sub_unsubscribe(sub, "tick.ADA-USD."), 0);
    zclock_sleep(300); /* the unsubscription reaches the bus */
    cb_sub_msg_t msg;
    while (cb_sub_recv(sub, 100, &msg) == 0) {
        cb_sub_msg_clear(&msg);
    }
    cb_sub_msg_clear(&msg);
    char bidbuf[32];
    for (uint64_t i = 1; i <= 50; i++) {
        cb_event_t ev;
        s_make_tick(&ev, "ADA-USD", "sim-kraken", i, bidbuf);
        assert_int_equal(cb_pub_send(pub, &ev, NULL), 0);
    }
    zclock_sleep(100);
    assert_int_equal(cb_sub_subscribe(sub, "tick.ADA-USD."), 0);
    s_warm_up(pub, sub, "ADA-USD", "sim-kraken");
    assert_int_equal(cb_sub_stats(sub).gaps, 0);
    assert_int_equal(cb_sub_stats(sub).missed, 0);
    cb_sub_destroy(&sub);
    cb_pub_destroy(&pub);
}

static void
test_malformed_messages_are_counted_not_fatal(void **state)
{
    (void) state;
    cb_pub_t *pub = cb_pub_new(s_bus.config.pub);
    cb_sub_t *sub = cb_sub_new(s_bus.config.sub);
    assert_int_equal(cb_sub_subscribe(sub, "tick.XRP-USD."), 0);
    s_warm_up(pub, sub, "XRP-USD", "sim-kraken");
    const char *topic = "tick.XRP-USD.sim-kraken";
    /* Garbage bytes, a truncated map, a map with a float price, a
     * mismatched body (ETH in an XRP topic), then one good tick. */
    static const uint8_t garbage[] = {0xc1, 0xff, 0x00};
    static const uint8_t truncated[] = {0x8f, 0xa1, 'v'};
    assert_int_equal(cb_pub_send_raw(pub, topic, strlen(topic), garbage, sizeof garbage), 0);
    assert_int_equal(cb_pub_send_raw(pub, topic, strlen(topic), truncated, sizeof truncated), 0);
    cb_buf_t sb;
    cb_buf_init(&sb);
    cb_event_t ev;
    char bidbuf[32];
    s_make_tick(&ev, "ETH-USD", "sim-kraken", 7, bidbuf);
    CB_PROTO_SET(&ev.env, envelope, v, 1);
    CB_PROTO_SET(&ev.env, envelope, ts, 1);
    CB_PROTO_SET(&ev.env, envelope, epoch, CB_STR("abc"));
    CB_PROTO_SET(&ev.env, envelope, seq, 1);
    assert_int_equal(cb_event_encode(&ev, &sb, NULL), 0);
    assert_int_equal(cb_pub_send_raw(pub, topic, strlen(topic), sb.data, sb.len), 0);
    cb_buf_fini(&sb);
    s_make_tick(&ev, "XRP-USD", "sim-kraken", 8, bidbuf);
    assert_int_equal(cb_pub_send(pub, &ev, NULL), 0);

    int bad = 0;
    int good = 0;
    for (int i = 0; i < 4; i++) {
        cb_sub_msg_t msg;
        int rc = cb_sub_recv(sub, 2000, &msg);
        if (rc == CB_E_BAD_REQUEST) {
            bad++;
        } else if (rc == 0) {
            good++;
            assert_true(cb_str_eq_cstr(msg.ev.body.tick.symbol, "XRP-USD"));
        }
        cb_sub_msg_clear(&msg);
    }
    assert_int_equal(bad, 3);
    assert_int_equal(good, 1);
    assert_int_equal(cb_sub_stats(sub).malformed, 3);
    cb_sub_destroy(&sub);
    cb_pub_destroy(&pub);
}

static void
test_publisher_refuses_invalid_events(void **state)
{
    (void) state;
    cb_pub_t *pub = cb_pub_new(s_bus.config.pub);
    cb_event_t ev;
    char bidbuf[32];
    cb_proto_err_t err;
    s_make_tick(&ev, "btc-usd", "sim-kraken", 1, bidbuf);
    assert_int_equal(cb_pub_send(pub, &ev, &err), CB_E_BAD_REQUEST);
    s_make_tick(&ev, "BTC-USD", "Sim Kraken", 1, bidbuf);
    assert_int_equal(cb_pub_send(pub, &ev, &err), CB_E_BAD_REQUEST);
    s_make_tick(&ev, "BTC-USD", "sim-kraken", 1, bidbuf);
    ev.body.tick.present &= ~((uint64_t) 1 << CB_F_tick_ask);
    assert_int_equal(cb_pub_send(pub, &ev, &err), CB_E_BAD_REQUEST);
    assert_non_null(strstr(err.message, "ask"));
    assert_int_equal(cb_pub_sent(pub), 0);
    cb_pub_destroy(&pub);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delivery_in_order_with_exact_values),
        cmocka_unit_test(test_prefix_filtering_across_venues),
        cmocka_unit_test(test_late_subscriber_sees_no_false_gap),
        cmocka_unit_test(test_resubscribe_sees_no_false_gap),
        cmocka_unit_test(test_malformed_messages_are_counted_not_fatal),
        cmocka_unit_test(test_publisher_refuses_invalid_events),
    };
    return cmocka_run_group_tests_name("bus_pubsub", tests, s_setup, s_teardown);
}
