/* test_feed_candles.c - market-feed candles: interval boundaries, exact OHLCV, closing by time,
 * backfill */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_decimal.h"
#include "cb_error.h"
#include "feed_candles.h"

#define S_SEC ((int64_t) 1000000000)
#define S_MIN (60 * S_SEC)
/* Monday 2026-11-16 00:00:00 UTC: a week start, so every interval starts here. */
#define S_W ((int64_t) 1794787200 * S_SEC)

/* Every emitted candle, in order. */
typedef struct {
    cb_candle_t items[64];
    size_t count;
} s_rec_t;

static void
s_record(void *arg, const cb_candle_t *candle)
{
    s_rec_t *rec = arg;
    assert_true(rec->count < 64);
    rec->items[rec->count++] = *candle;
}

static cb_decimal_t
s_dec(const char *text)
{
    cb_decimal_t d;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &d), 0);
    return d;
}

static void
s_assert_dec(cb_decimal_t d, const char *want)
{
    char buf[CB_DECIMAL_STR_MAX];
    assert_true(cb_decimal_format(d, buf, sizeof buf) > 0);
    assert_string_equal(buf, want);
}

static void
s_assert_candle(const cb_candle_t *c, const char *interval, int64_t open_ts, const char *o,
                const char *h, const char *l, const char *cl, const char *v, uint64_t trades,
                bool closed)
{
    assert_int_equal(c->interval.len, strlen(interval));
    assert_memory_equal(c->interval.ptr, interval, c->interval.len);
    assert_int_equal(c->open_ts, open_ts);
    s_assert_dec(c->open, o);
    s_assert_dec(c->high, h);
    s_assert_dec(c->low, l);
    s_assert_dec(c->close, cl);
    s_assert_dec(c->volume, v);
    assert_true(CB_PROTO_HAS(c, candle, trades));
    assert_int_equal(c->trades, trades);
    assert_int_equal(c->closed, closed);
    assert_int_equal(c->symbol.len, 0); /* the caller fills symbol and venue */
    assert_int_equal(c->venue.len, 0);
}

static int
s_trade(feed_candles_t *c, const char *price, const char *qty, int64_t ts, s_rec_t *rec)
{
    return feed_candles_trade(c, s_dec(price), s_dec(qty), ts, s_record, rec);
}

static void
test_alignment(void **state)
{
    (void) state;
    int64_t t = S_W + 3 * 1440 * S_MIN + 13 * 60 * S_MIN + 47 * S_MIN + 31 * S_SEC + 7;
    /* Thursday 2026-11-19 13:47:31 UTC. */
    int64_t day = S_W + 3 * 1440 * S_MIN;
    assert_int_equal(feed_tf_open_ts(FEED_TF_1M, t), day + (13 * 60 + 47) * S_MIN);
    assert_int_equal(feed_tf_open_ts(FEED_TF_5M, t), day + (13 * 60 + 45) * S_MIN);
    assert_int_equal(feed_tf_open_ts(FEED_TF_15M, t), day + (13 * 60 + 45) * S_MIN);
    assert_int_equal(feed_tf_open_ts(FEED_TF_30M, t), day + (13 * 60 + 30) * S_MIN);
    assert_int_equal(feed_tf_open_ts(FEED_TF_1H, t), day + 13 * 60 * S_MIN);
    assert_int_equal(feed_tf_open_ts(FEED_TF_4H, t), day + 12 * 60 * S_MIN);
    assert_int_equal(feed_tf_open_ts(FEED_TF_1D, t), day);
    /* Weeks start on Monday, not on the epoch's Thursday. */
    assert_int_equal(feed_tf_open_ts(FEED_TF_1W, t), S_W);
    assert_int_equal(feed_tf_open_ts(FEED_TF_1W, day), S_W);
    assert_int_equal(feed_tf_open_ts(FEED_TF_1W, S_W - 1), S_W - 7 * 1440 * S_MIN);
    assert_int_equal(feed_tf_open_ts(FEED_TF_1W, S_W), S_W);
    assert_int_equal(feed_tf_open_ts(FEED_TF_1W, 0),
                     (int64_t) -259200 * S_SEC); /* Mon 1969-12-29 */
    assert_int_equal(feed_tf_open_ts(FEED_TF_1M, -1), -S_MIN);
    for (int i = 0; i < FEED_TF_COUNT; i++) {
        feed_tf_t tf;
        const char *name = feed_tf_name((feed_tf_t) i);
        assert_int_equal(feed_tf_from_name(name, strlen(name), &tf), 0);
        assert_int_equal(tf, i);
    }
    feed_tf_t tf;
    assert_int_equal(feed_tf_from_name("1M", 2, &tf), CB_E_NOT_FOUND);
    assert_null(feed_tf_name(FEED_TF_COUNT));
}

/* For each interval: a trade on the last nanosecond of its first interval,
 * then one on the first nanosecond of the next: exactly the intervals that
 * end there close (it and every shorter one), each with the first trade. */
static void
test_boundaries_every_interval(void **state)
{
    (void) state;
    for (int tf = 0; tf < FEED_TF_COUNT; tf++) {
        feed_candles_t c;
        s_rec_t rec = {0};
        feed_candles_init(&c, 0);
        int64_t end = S_W + feed_tf_len_ns((feed_tf_t) tf);
        assert_int_equal(s_trade(&c, "100.5", "0.25", end - 1, &rec), 0);
        assert_int_equal(rec.count, 0);
        assert_int_equal(s_trade(&c, "101", "1", end, &rec), 0);
        assert_int_equal(rec.count, (size_t) tf + 1);
        for (int k = 0; k <= tf; k++) {
            const char *name = feed_tf_name((feed_tf_t) k);
            s_assert_candle(&rec.items[k], name, feed_tf_open_ts((feed_tf_t) k, end - 1), "100.5",
                            "100.5", "100.5", "100.5", "0.25", 1, true);
        }
        /* The forming candles: the new one where it rolled, both trades where not. */
        rec.count = 0;
        assert_int_equal(feed_candles_flush_forming(&c, s_record, &rec), FEED_TF_COUNT);
        for (int k = 0; k < FEED_TF_COUNT; k++) {
            const char *name = feed_tf_name((feed_tf_t) k);
            if (k <= tf) {
                s_assert_candle(&rec.items[k], name, end, "101", "101", "101", "101", "1", 1,
                                false);
            } else {
                s_assert_candle(&rec.items[k], name, S_W, "100.5", "101", "100.5", "101", "1.25", 2,
                                false);
            }
        }
    }
}

static void
test_week_boundary(void **state)
{
    (void) state;
    feed_candles_t c;
    s_rec_t rec = {0};
    feed_candles_init(&c, 0);
    int64_t thu = S_W + 3 * 1440 * S_MIN;
    int64_t next_mon = S_W + 7 * 1440 * S_MIN;
    assert_int_equal(s_trade(&c, "10", "1", thu - 1, &rec), 0);
    assert_int_equal(s_trade(&c, "12", "1", thu, &rec), 0); /* Wed -> Thu: no weekly close */
    for (size_t i = 0; i < rec.count; i++) {
        assert_false(rec.items[i].interval.len == 2 &&
                     memcmp(rec.items[i].interval.ptr, "1w", 2) == 0);
    }
    assert_int_equal(rec.count, FEED_TF_1D + 1);
    rec.count = 0;
    assert_int_equal(s_trade(&c, "11", "2", next_mon - 1, &rec), 0); /* Sunday 23:59:59.999999999 */
    rec.count = 0;
    assert_int_equal(s_trade(&c, "9", "1", next_mon, &rec), 0); /* Monday 00:00 */
    assert_int_equal(rec.count, FEED_TF_COUNT);
    s_assert_candle(&rec.items[FEED_TF_1W], "1w", S_W, "10", "12", "10", "11", "4", 3, true);
    s_assert_candle(&rec.items[FEED_TF_1D], "1d", next_mon - 1440 * S_MIN, "11", "11", "11", "11",
                    "2", 1, true);
}

static void
test_exact_ohlcv(void **state)
{
    (void) state;
    feed_candles_t c;
    s_rec_t rec = {0};
    feed_candles_init(&c, 0);
    int64_t t = S_W + 10 * S_MIN;
    assert_int_equal(s_trade(&c, "100.5", "0.1", t + 1 * S_SEC, &rec), 0);
    assert_int_equal(s_trade(&c, "101.25", "0.2", t + 2 * S_SEC, &rec), 0);
    assert_int_equal(s_trade(&c, "99.999999999", "0.000000001", t + 3 * S_SEC, &rec), 0);
    assert_int_equal(s_trade(&c, "100.10", "1", t + 4 * S_SEC, &rec), 0);
    /* Out of order inside the interval: earlier than the first -> new open; */
    assert_int_equal(s_trade(&c, "100.7", "0.05", t, &rec), 0);
    /* earlier than the last: close stays; equal to the last: the later arrival closes. */
    assert_int_equal(s_trade(&c, "100.2", "0.05", t + 3 * S_SEC, &rec), 0);
    assert_int_equal(rec.count, 0);
    assert_int_equal(feed_candles_flush_forming(&c, s_record, &rec), FEED_TF_COUNT);
    s_assert_candle(&rec.items[FEED_TF_1M], "1m", t, "100.7", "101.25", "99.999999999", "100.1",
                    "1.400000001", 6, false);
    assert_int_equal(s_trade(&c, "100.3", "0.5", t + 4 * S_SEC, &rec), 0);
    rec.count = 0;
    feed_candles_flush_forming(&c, s_record, &rec);
    s_assert_candle(&rec.items[FEED_TF_1M], "1m", t, "100.7", "101.25", "99.999999999", "100.3",
                    "1.900000001", 7, false);
    /* Nothing changed since: nothing to flush. */
    rec.count = 0;
    assert_int_equal(feed_candles_flush_forming(&c, s_record, &rec), 0);

    /* Bad input and overflow change nothing. */
    assert_int_equal(s_trade(&c, "0", "1", t + 5 * S_SEC, &rec), CB_E_BAD_REQUEST);
    assert_int_equal(s_trade(&c, "-1", "1", t + 5 * S_SEC, &rec), CB_E_BAD_REQUEST);
    assert_int_equal(s_trade(&c, "1", "0", t + 5 * S_SEC, &rec), CB_E_BAD_REQUEST);
    assert_int_equal(
        s_trade(&c, "1", "99999999999999999999999999999999999999", t + 5 * S_SEC, &rec),
        CB_E_OVERFLOW);
    /* ... even when it would have rolled a candle first. */
    assert_int_equal(s_trade(&c, "1", "99999999999999999999999999999999999999", t + S_MIN, &rec),
                     CB_E_OVERFLOW);
    assert_int_equal(feed_candles_flush_forming(&c, s_record, &rec), 0);
    assert_int_equal(rec.count, 0);
}

static void
test_close_by_time(void **state)
{
    (void) state;
    feed_candles_t c;
    s_rec_t rec = {0};
    feed_candles_init(&c, 2 * S_SEC);
    int64_t t = S_W + 20 * S_MIN;
    assert_int_equal(s_trade(&c, "50", "1", t + 30 * S_SEC, &rec), 0);
    assert_int_equal(feed_candles_tick(&c, t + S_MIN, s_record, &rec), 0); /* within the grace */
    assert_int_equal(feed_candles_tick(&c, t + S_MIN + 2 * S_SEC - 1, s_record, &rec), 0);
    /* A trade sent before the end, received within the grace, still counts. */
    assert_int_equal(s_trade(&c, "51", "1", t + S_MIN - 1, &rec), 0);
    assert_int_equal(feed_candles_tick(&c, t + S_MIN + 2 * S_SEC, s_record, &rec), 1);
    assert_int_equal(rec.count, 1);
    s_assert_candle(&rec.items[0], "1m", t, "50", "51", "50", "51", "2", 2, true);
    /* Closed once: ticking again, even much later, closes no other 1m candle
     * (no empty candles for the minutes without trades). */
    rec.count = 0;
    assert_int_equal(feed_candles_tick(&c, t + 4 * S_MIN + 3 * S_SEC, s_record, &rec), 0);
    assert_int_equal(rec.count, 0);
    /* A trade later than the grace, for the closed minute, is late there but
     * still counts in the 5m candle, which is open. */
    assert_int_equal(s_trade(&c, "49", "1", t + 59 * S_SEC, &rec), 0);
    assert_int_equal(c.late, 1);
    assert_int_equal(feed_candles_flush_forming(&c, s_record, &rec), FEED_TF_COUNT - 1);
    s_assert_candle(&rec.items[0], "5m", t, "50", "51", "49", "51", "3", 3, false);
    /* The next trade after the gap opens the minute it falls in. */
    rec.count = 0;
    assert_int_equal(s_trade(&c, "52", "1", t + 3 * S_MIN + S_SEC, &rec), 0);
    assert_int_equal(rec.count, 0);
    feed_candles_flush_forming(&c, s_record, &rec);
    s_assert_candle(&rec.items[0], "1m", t + 3 * S_MIN, "52", "52", "52", "52", "1", 1, false);
    /* The 5m candle closes by time at 20:05 + grace, with everything in it. */
    rec.count = 0;
    assert_int_equal(feed_candles_tick(&c, S_W + 25 * S_MIN + 2 * S_SEC, s_record, &rec), 2);
    s_assert_candle(&rec.items[0], "1m", t + 3 * S_MIN, "52", "52", "52", "52", "1", 1, true);
    s_assert_candle(&rec.items[1], "5m", t, "50", "52", "49", "52", "4", 4, true);
}

static cb_candle_t
s_row(int64_t open_ts, const char *o, const char *h, const char *l, const char *cl, const char *v,
      uint64_t trades)
{
    cb_candle_t row;
    memset(&row, 0, sizeof row);
    row.open_ts = open_ts;
    row.open = s_dec(o);
    row.high = s_dec(h);
    row.low = s_dec(l);
    row.close = s_dec(cl);
    row.volume = s_dec(v);
    CB_PROTO_SET(&row, candle, trades, trades);
    return row;
}

static void
test_backfill_merge(void **state)
{
    (void) state;
    feed_candles_t c;
    s_rec_t rec = {0};
    feed_candles_init(&c, 0);
    int64_t t0 = S_W + 30 * S_MIN;
    int64_t fetched = t0 + 2 * S_MIN + 30 * S_SEC;
    cb_candle_t rows[3] = {
        s_row(t0, "8", "9", "7", "8.5", "3", 4), s_row(t0 + S_MIN, "8.5", "10", "8", "10", "2", 3),
        s_row(t0 + 2 * S_MIN, "10", "12", "9", "11", "5.5", 7), /* forming at fetch time */
    };
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1M, rows, 3, fetched), 0);
    /* The seeded forming candle is flushed like ours; history is not re-emitted. */
    assert_int_equal(feed_candles_flush_forming(&c, s_record, &rec), 1);
    s_assert_candle(&rec.items[0], "1m", t0 + 2 * S_MIN, "10", "12", "9", "11", "5.5", 7, false);

    /* A trade the venue already counted (ts <= fetched) is skipped in 1m but
     * counts in 5m, which no backfill covers. */
    rec.count = 0;
    assert_int_equal(s_trade(&c, "100", "1", fetched - S_SEC, &rec), 0);
    assert_int_equal(s_trade(&c, "100", "1", fetched, &rec), 0);
    assert_int_equal(c.dup, 2);
    /* Later trades continue the venue's candle. */
    assert_int_equal(s_trade(&c, "13", "1.5", fetched + S_SEC, &rec), 0);
    assert_int_equal(s_trade(&c, "10.5", "0.5", fetched + 2 * S_SEC, &rec), 0);
    /* A trade in a backfilled closed minute is late. */
    assert_int_equal(s_trade(&c, "1", "1", t0 + S_MIN + 5 * S_SEC, &rec), 0);
    assert_int_equal(c.late, 1);
    assert_int_equal(rec.count, 0);
    assert_int_equal(s_trade(&c, "10.75", "1", t0 + 3 * S_MIN, &rec), 0);
    assert_int_equal(rec.count, 1);
    s_assert_candle(&rec.items[0], "1m", t0 + 2 * S_MIN, "10", "13", "9", "10.5", "7.5", 9, true);

    /* Trades first, all after the fetch time: merged onto the seed. */
    feed_candles_init(&c, 0);
    rec.count = 0;
    assert_int_equal(s_trade(&c, "13", "1", fetched + S_SEC, &rec), 0);
    assert_int_equal(s_trade(&c, "8.5", "1", fetched + 2 * S_SEC, &rec), 0);
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1M, rows, 3, fetched), 0);
    feed_candles_flush_forming(&c, s_record, &rec);
    s_assert_candle(&rec.items[0], "1m", t0 + 2 * S_MIN, "10", "13", "8.5", "8.5", "7.5", 9, false);

    /* Trades first, one of them possibly in the rows: refused, nothing changed. */
    feed_candles_init(&c, 0);
    rec.count = 0;
    assert_int_equal(s_trade(&c, "13", "1", fetched - S_SEC, &rec), 0);
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1M, rows, 3, fetched), CB_E_CONFLICT);
    feed_candles_flush_forming(&c, s_record, &rec);
    s_assert_candle(&rec.items[0], "1m", t0 + 2 * S_MIN, "13", "13", "13", "13", "1", 1, false);

    /* An empty forming row (volume 0, O=H=L=C = last close) seeds nothing. */
    feed_candles_init(&c, 0);
    rec.count = 0;
    cb_candle_t empty[2] = {rows[0], s_row(t0 + S_MIN, "8.5", "8.5", "8.5", "8.5", "0", 0)};
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1M, empty, 2, t0 + S_MIN + S_SEC), 0);
    assert_int_equal(feed_candles_flush_forming(&c, s_record, &rec), 0);
    assert_int_equal(s_trade(&c, "9", "1", t0 + S_MIN + 2 * S_SEC, &rec), 0);
    feed_candles_flush_forming(&c, s_record, &rec);
    s_assert_candle(&rec.items[0], "1m", t0 + S_MIN, "9", "9", "9", "9", "1", 1, false);

    /* Only closed rows: nothing seeded, older trades late, newer ones open. */
    feed_candles_init(&c, 0);
    rec.count = 0;
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1H, rows, 1, t0 + 40 * S_MIN),
                     CB_E_BAD_REQUEST);
    cb_candle_t hour = s_row(S_W, "1", "2", "1", "2", "1", 1);
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1H, &hour, 1, S_W + 61 * S_MIN), 0);
    assert_int_equal(feed_candles_flush_forming(&c, s_record, &rec), 0);

    /* Bad rows. */
    feed_candles_init(&c, 0);
    cb_candle_t bad = rows[1];
    bad.open_ts += 1; /* unaligned */
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1M, &bad, 1, fetched), CB_E_BAD_REQUEST);
    cb_candle_t unsorted[2] = {rows[1], rows[0]};
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1M, unsorted, 2, fetched), CB_E_BAD_REQUEST);
    bad = rows[1];
    bad.high = s_dec("7"); /* high < low */
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1M, &bad, 1, fetched), CB_E_BAD_REQUEST);
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_COUNT, rows, 1, fetched), CB_E_BAD_REQUEST);
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1M, rows, 3, t0),
                     CB_E_BAD_REQUEST); /* future rows */
    assert_int_equal(feed_candles_flush_forming(&c, s_record, &rec), 0);
}

/* A venue whose weeks open on Thursday (Kraken, epoch-aligned): the weekly
 * candle from trades rolls on Thursday 00:00 UTC, a Thursday-aligned weekly
 * backfill row is taken and a Monday-aligned one refused; other intervals do
 * not move. */
static void
test_thursday_weeks(void **state)
{
    (void) state;
    int64_t thu = S_W + 3 * 1440 * S_MIN; /* Thursday 2026-11-19 00:00 UTC */
    int64_t week = 7 * 1440 * S_MIN;
    assert_int_equal(feed_tf_open_ts_at(FEED_TF_1W, FEED_WEEK_THURSDAY_NS, thu), thu);
    assert_int_equal(feed_tf_open_ts_at(FEED_TF_1W, FEED_WEEK_THURSDAY_NS, thu - 1), thu - week);
    assert_int_equal(feed_tf_open_ts_at(FEED_TF_1W, FEED_WEEK_THURSDAY_NS, S_W), thu - week);
    assert_int_equal(feed_tf_open_ts_at(FEED_TF_1W, FEED_WEEK_THURSDAY_NS, 0), 0);
    assert_int_equal(feed_tf_open_ts_at(FEED_TF_1W, FEED_WEEK_MONDAY_NS, thu), S_W);
    assert_int_equal(feed_tf_open_ts_at(FEED_TF_1W, FEED_WEEK_MONDAY_NS + 3 * week, thu), S_W);
    assert_int_equal(feed_tf_open_ts_at(FEED_TF_1D, FEED_WEEK_THURSDAY_NS, thu + 5),
                     feed_tf_open_ts(FEED_TF_1D, thu + 5));

    feed_candles_t c;
    s_rec_t rec = {0};
    feed_candles_init(&c, 0);
    feed_candles_set_week_start(&c, FEED_WEEK_THURSDAY_NS);
    assert_int_equal(s_trade(&c, "10", "1", thu - 1, &rec), 0);
    rec.count = 0;
    assert_int_equal(s_trade(&c, "12", "1", thu, &rec), 0); /* Wed -> Thu: the week closes */
    assert_int_equal(rec.count, FEED_TF_COUNT);
    s_assert_candle(&rec.items[FEED_TF_1W], "1w", thu - week, "10", "10", "10", "10", "1", 1,
                    true);

    cb_candle_t row = s_row(thu, "1", "2", "1", "2", "1", 1);
    feed_candles_init(&c, 0);
    feed_candles_set_week_start(&c, FEED_WEEK_THURSDAY_NS);
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1W, &row, 1, thu + S_MIN), 0);
    feed_candles_init(&c, 0); /* Monday weeks (Binance): the Thursday row is unaligned */
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1W, &row, 1, thu + S_MIN),
                     CB_E_BAD_REQUEST);
    row.open_ts = S_W;
    assert_int_equal(feed_candles_backfill(&c, FEED_TF_1W, &row, 1, thu + S_MIN), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment),     cmocka_unit_test(test_boundaries_every_interval),
        cmocka_unit_test(test_week_boundary), cmocka_unit_test(test_thursday_weeks),
        cmocka_unit_test(test_exact_ohlcv),
        cmocka_unit_test(test_close_by_time), cmocka_unit_test(test_backfill_merge),
    };
    return cmocka_run_group_tests_name("feed_candles", tests, NULL, NULL);
}
