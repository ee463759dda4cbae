/* test_topic.c - topic format, parse and prefix matching */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cb_error.h"
#include "cb_topic.h"

static void
test_format_and_parse(void **state)
{
    (void) state;
    char buf[CB_TOPIC_MAX];
    int n = cb_topic_format(CB_KIND_tick, CB_STR("BTC-USD"), CB_STR("sim-kraken"), buf, sizeof buf);
    assert_int_equal(n, (int) strlen("tick.BTC-USD.sim-kraken"));
    assert_string_equal(buf, "tick.BTC-USD.sim-kraken");
    cb_topic_t t;
    assert_int_equal(cb_topic_parse(buf, (size_t) n, &t), 0);
    assert_int_equal(t.kind, CB_KIND_tick);
    assert_true(cb_str_eq_cstr(t.symbol, "BTC-USD"));
    assert_true(cb_str_eq_cstr(t.venue, "sim-kraken"));

    n = cb_topic_format(CB_KIND_circuit, CB_STR("ALL"), CB_STR("binance"), buf, sizeof buf);
    assert_string_equal(buf, "circuit.ALL.binance");
    assert_int_equal(cb_topic_parse(buf, (size_t) n, &t), 0);
    assert_int_equal(t.kind, CB_KIND_circuit);

    n = cb_topic_format(CB_KIND_sentiment, CB_STR("BTC"), CB_STR("all"), buf, sizeof buf);
    assert_string_equal(buf, "sentiment.BTC.all");
    assert_int_equal(cb_topic_parse(buf, (size_t) n, &t), 0);
    assert_int_equal(t.kind, CB_KIND_sentiment);
    /* A pair is not an asset, and an asset is not a pair. */
    assert_int_equal(cb_topic_parse("sentiment.BTC-USD.all", 21, &t), CB_E_BAD_REQUEST);
    assert_int_equal(cb_topic_parse("tick.BTC.kraken", 15, &t), CB_E_BAD_REQUEST);

    /* Too small a buffer, bad parts. */
    assert_int_equal(cb_topic_format(CB_KIND_tick, CB_STR("BTC-USD"), CB_STR("k"), buf, 5),
                     CB_E_BAD_REQUEST);
    assert_int_equal(cb_topic_format(CB_KIND_tick, CB_STR("btc-usd"), CB_STR("k"), buf, sizeof buf),
                     CB_E_BAD_REQUEST);
    assert_int_equal(cb_topic_format(CB_KIND_COUNT, CB_STR("BTC-USD"), CB_STR("k"), buf, sizeof buf),
                     CB_E_BAD_REQUEST);
    assert_int_equal(cb_topic_format(CB_KIND_tick, CB_STR("BTC-USD"), CB_STR("K"), buf, sizeof buf),
                     CB_E_BAD_REQUEST);
}

static void
test_parse_rejects(void **state)
{
    (void) state;
    const char *bad[] = {"",
                         "tick",
                         "tick.",
                         "tick.BTC-USD",
                         "tick.BTC-USD.",
                         "tock.BTC-USD.k",
                         "tick.BTCUSD.k",
                         "tick.btc-usd.k",
                         "tick..k",
                         ".BTC-USD.k",
                         "tick.BTC-USD.Kraken",
                         "tick.BTC-USD.k k",
                         "tick.BTC-USD.k\n",
                         "tick.BTC-USD.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cb_topic_t t;
        if (cb_topic_parse(bad[i], strlen(bad[i]), &t) != CB_E_BAD_REQUEST) {
            fail_msg("accepted bad topic '%s'", bad[i]);
        }
    }
    /* A venue name may hold dots: only the first two dots split. */
    cb_topic_t t;
    assert_int_equal(cb_topic_parse("book.ETH-EUR.my.venue", 21, &t), 0);
    assert_true(cb_str_eq_cstr(t.venue, "my.venue"));
}

static void
test_prefix_matching(void **state)
{
    (void) state;
    const char *topic = "tick.BTC-USD.sim-kraken";
    size_t tl = strlen(topic);
    assert_true(cb_topic_matches("", 0, topic, tl));
    assert_true(cb_topic_matches("tick.", 5, topic, tl));
    assert_true(cb_topic_matches("tick.BTC-USD.", 13, topic, tl));
    assert_true(cb_topic_matches(topic, tl, topic, tl));
    assert_false(cb_topic_matches("tick.BTC-USDT.", 14, topic, tl));
    assert_false(cb_topic_matches("trade.", 6, topic, tl));
    assert_false(cb_topic_matches("tick.BTC-USD.sim-kraken2", 24, topic, tl));
    /* The trailing dot is what keeps BTC-USD from matching BTC-USDT. */
    const char *usdt = "tick.BTC-USDT.sim-binance";
    assert_true(cb_topic_matches("tick.BTC-USD", 12, usdt, strlen(usdt)));
    assert_false(cb_topic_matches("tick.BTC-USD.", 13, usdt, strlen(usdt)));
    cb_kind_t kind;
    assert_int_equal(cb_topic_kind("candle.X-Y.z", 12, &kind), 0);
    assert_int_equal(kind, CB_KIND_candle);
    assert_int_equal(cb_topic_kind("candles.X-Y.z", 13, &kind), CB_E_NOT_FOUND);
}

static void
test_route_of_every_kind(void **state)
{
    (void) state;
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    char buf[CB_TOPIC_MAX];
    ev.kind = CB_KIND_order;
    ev.body.order.symbol = CB_STR("ETH-USD");
    ev.body.order.venue = CB_STR("kraken");
    assert_true(cb_topic_of_event(&ev, buf, sizeof buf) > 0);
    assert_string_equal(buf, "order.ETH-USD.kraken");
    ev.kind = CB_KIND_circuit;
    memset(&ev.body, 0, sizeof ev.body);
    ev.body.circuit.venue = CB_STR("kraken");
    assert_true(cb_topic_of_event(&ev, buf, sizeof buf) > 0);
    assert_string_equal(buf, "circuit.ALL.kraken");
    ev.kind = CB_KIND_best;
    memset(&ev.body, 0, sizeof ev.body);
    ev.body.best.symbol = CB_STR("BTC-USD");
    ev.body.best.venue = CB_STR("all");
    assert_true(cb_topic_of_event(&ev, buf, sizeof buf) > 0);
    assert_string_equal(buf, "best.BTC-USD.all");
    ev.kind = CB_KIND_COUNT;
    assert_int_equal(cb_topic_of_event(&ev, buf, sizeof buf), CB_E_BAD_REQUEST);
}

/* Candles carry their interval as a fourth part, after the last dot even
 * when the venue name has dots of its own. */
static void
test_candle_topics(void **state)
{
    (void) state;
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    char buf[CB_TOPIC_MAX];
    ev.kind = CB_KIND_candle;
    ev.body.candle.symbol = CB_STR("BTC-USD");
    ev.body.candle.venue = CB_STR("sim.kraken");
    ev.body.candle.interval = CB_STR("15m");
    int n = cb_topic_of_event(&ev, buf, sizeof buf);
    assert_int_equal(n, (int) strlen("candle.BTC-USD.sim.kraken.15m"));
    assert_string_equal(buf, "candle.BTC-USD.sim.kraken.15m");
    assert_true(cb_topic_is_of_event(&ev, buf, (size_t) n));
    assert_false(cb_topic_is_of_event(&ev, "candle.BTC-USD.sim.kraken.1m", 28));
    assert_false(cb_topic_is_of_event(&ev, "candle.BTC-USD.sim.kraken", 25));
    cb_topic_t t;
    assert_int_equal(cb_topic_parse(buf, (size_t) n, &t), 0);
    assert_int_equal(t.kind, CB_KIND_candle);
    assert_true(cb_str_eq_cstr(t.venue, "sim.kraken"));
    assert_true(cb_str_eq_cstr(t.detail, "15m"));
    assert_int_equal(cb_topic_parse("candle.BTC-USD.kraken.2m", 24, &t), CB_E_BAD_REQUEST);
    assert_int_equal(cb_topic_parse("candle.BTC-USD.kraken", 21, &t), CB_E_BAD_REQUEST);
    ev.body.candle.interval = (cb_str_t){NULL, 0};
    assert_int_equal(cb_topic_of_event(&ev, buf, sizeof buf), CB_E_BAD_REQUEST);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_and_parse),
        cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_prefix_matching),
        cmocka_unit_test(test_route_of_every_kind),
        cmocka_unit_test(test_candle_topics),
    };
    return cmocka_run_group_tests_name("topic", tests, NULL, NULL);
}
