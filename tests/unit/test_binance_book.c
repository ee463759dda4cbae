/* test_binance_book.c - Binance's local book procedure on constructed diff sequences */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_binance_book.h"
#include "cb_error.h"

/* A message with levels given as "price:qty" pairs, bids then "|" then asks. */
typedef struct {
    cb_md_msg_t msg;
    cb_level_t lv[16];
} s_ev_t;

static cb_decimal_t
s_dec(const char *text)
{
    cb_decimal_t d;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &d), 0);
    return d;
}

static void
s_levels(s_ev_t *e, const char *spec)
{
    size_t n = 0, nb = 0;
    bool asks = false;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *tok = strtok(buf, " "); tok != NULL; tok = strtok(NULL, " ")) {
        if (strcmp(tok, "|") == 0) {
            asks = true;
            nb = n;
            continue;
        }
        char *colon = strchr(tok, ':');
        *colon = '\0';
        e->lv[n].price = s_dec(tok);
        e->lv[n].qty = s_dec(colon + 1);
        n++;
    }
    if (!asks) {
        nb = n;
    }
    CB_PROTO_SET(&e->msg.book, book, bids, ((cb_levels_t){e->lv, (uint32_t) nb}));
    CB_PROTO_SET(&e->msg.book, book, asks, ((cb_levels_t){e->lv + nb, (uint32_t) (n - nb)}));
}

static const cb_md_msg_t *
s_diff(s_ev_t *e, uint64_t first, uint64_t last, const char *spec)
{
    cb_md_msg_init(&e->msg, CB_MD_BOOK);
    CB_PROTO_SET(&e->msg.book, book, snapshot, false);
    CB_PROTO_SET(&e->msg.book, book, update_id, last);
    e->msg.first_update_id = first;
    s_levels(e, spec);
    return &e->msg;
}

static const cb_md_msg_t *
s_snap(s_ev_t *e, uint64_t id, const char *spec)
{
    cb_md_msg_init(&e->msg, CB_MD_BOOK);
    CB_PROTO_SET(&e->msg.book, book, snapshot, true);
    CB_PROTO_SET(&e->msg.book, book, update_id, id);
    s_levels(e, spec);
    return &e->msg;
}

static void
s_expect_best(const cb_binance_book_t *b, const char *bid, const char *bid_qty, const char *ask)
{
    char buf[CB_DECIMAL_STR_MAX];
    assert_true(b->book.nbids > 0 && b->book.nasks > 0);
    cb_decimal_format(b->book.bids[0].price, buf, sizeof buf);
    assert_string_equal(buf, bid);
    cb_decimal_format(b->book.bids[0].qty, buf, sizeof buf);
    assert_string_equal(buf, bid_qty);
    cb_decimal_format(b->book.asks[0].price, buf, sizeof buf);
    assert_string_equal(buf, ask);
}

/* The documented case (cryptofeed NKNUSDT recording): snapshot 499869752,
 * buffered events 499869750..499869752 (dropped) then 499869753.. in order. */
static void
test_in_order(void **state)
{
    (void) state;
    cb_binance_book_t b;
    cb_binance_book_init(&b, 0, 0, 0);
    s_ev_t e;
    assert_int_equal(cb_binance_book_state(&b), CB_BINANCE_BOOK_EMPTY);
    assert_int_equal(
        cb_binance_book_on_diff(&b, s_diff(&e, 499869750, 499869752, "1.00:5 | 1.10:5")),
        CB_BINANCE_BOOK_NEED_SNAPSHOT);
    assert_int_equal(cb_binance_book_state(&b), CB_BINANCE_BOOK_WAITING);
    assert_int_equal(
        cb_binance_book_on_diff(&b, s_diff(&e, 499869753, 499869755, "1.01:2 | 1.10:0")),
        CB_BINANCE_BOOK_OK);
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 499869756, 499869756, "| 1.09:3")),
                     CB_BINANCE_BOOK_OK);
    assert_int_equal(b.nevents, 3);
    /* The message is only valid during the call: the copy is what counts. */
    memset(e.lv, 0, sizeof e.lv);
    assert_int_equal(
        cb_binance_book_on_snapshot(&b, s_snap(&e, 499869752, "1.00:7 0.99:1 | 1.10:4 1.11:1")),
        CB_BINANCE_BOOK_OK);
    assert_int_equal(cb_binance_book_state(&b), CB_BINANCE_BOOK_LIVE);
    /* A live book keeps no buffer. */
    assert_null(b.events);
    assert_null(b.levels);
    assert_int_equal(b.levels_cap, 0);
    assert_int_equal(b.book.update_id, 499869756);
    assert_int_equal(b.stats.applied, 2);
    assert_int_equal(b.stats.stale, 1);
    s_expect_best(&b, "1.01", "2", "1.09");
    assert_int_equal(b.book.nasks, 2); /* 1.10 removed, 1.09 added, 1.11 kept */
    /* Live: in sequence, then a stale repeat. */
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 499869757, 499869760, "1.02:1")),
                     CB_BINANCE_BOOK_OK);
    s_expect_best(&b, "1.02", "1", "1.09");
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 499869757, 499869760, "1.03:1")),
                     CB_BINANCE_BOOK_OK);
    assert_int_equal(b.stats.stale, 2);
    s_expect_best(&b, "1.02", "1", "1.09");
    assert_int_equal(b.book.update_id, 499869760);
    assert_int_equal(b.stats.gaps, 0);
    cb_binance_book_fini(&b);
}

static void
test_gap_then_resync(void **state)
{
    (void) state;
    cb_binance_book_t b;
    cb_binance_book_init(&b, 0, 0, 0);
    s_ev_t e;
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 100, 105, "10:1 | 11:1")),
                     CB_BINANCE_BOOK_NEED_SNAPSHOT);
    assert_int_equal(cb_binance_book_on_snapshot(&b, s_snap(&e, 102, "10:3 | 11:3")),
                     CB_BINANCE_BOOK_OK);
    assert_int_equal(b.book.update_id, 105);
    s_expect_best(&b, "10", "1", "11");
    /* 106 is missing: U 107 != 105 + 1. */
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 107, 108, "10:9")),
                     CB_BINANCE_BOOK_GAP);
    assert_int_equal(cb_binance_book_state(&b), CB_BINANCE_BOOK_RESYNCING);
    assert_int_equal(b.book.nbids + b.book.nasks, 0);
    assert_int_equal(b.stats.gaps, 1);
    /* An overlap (U <= id but u > id) after the first event is a gap too. */
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 109, 110, "10:8")), CB_BINANCE_BOOK_OK);
    assert_int_equal(cb_binance_book_on_snapshot(&b, s_snap(&e, 109, "10:5 | 11:5")),
                     CB_BINANCE_BOOK_OK);
    assert_int_equal(cb_binance_book_state(&b), CB_BINANCE_BOOK_LIVE);
    assert_int_equal(b.book.update_id, 110);
    s_expect_best(&b, "10", "8", "11");
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 110, 112, "10:7")),
                     CB_BINANCE_BOOK_GAP);
    cb_binance_book_fini(&b);
}

/* Every buffered event is older than the snapshot: all dropped, and the
 * first live event must straddle the snapshot's id. */
static void
test_snapshot_newer_than_buffer(void **state)
{
    (void) state;
    cb_binance_book_t b;
    cb_binance_book_init(&b, 0, 0, 0);
    s_ev_t e;
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 10, 12, "5:1 | 6:1")),
                     CB_BINANCE_BOOK_NEED_SNAPSHOT);
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 13, 15, "5:2")), CB_BINANCE_BOOK_OK);
    assert_int_equal(cb_binance_book_on_snapshot(&b, s_snap(&e, 20, "5:9 | 6:9")),
                     CB_BINANCE_BOOK_OK);
    assert_int_equal(cb_binance_book_state(&b), CB_BINANCE_BOOK_LIVE);
    assert_int_equal(b.book.update_id, 20);
    assert_int_equal(b.stats.stale, 2);
    s_expect_best(&b, "5", "9", "6");
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 16, 19, "5:3")), CB_BINANCE_BOOK_OK);
    s_expect_best(&b, "5", "9", "6"); /* stale */
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 18, 22, "5:4")), CB_BINANCE_BOOK_OK);
    s_expect_best(&b, "5", "4", "6"); /* U <= 21 <= u: the first one */
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 23, 23, "5:0")), CB_BINANCE_BOOK_OK);
    assert_int_equal(b.book.nbids, 0);
    /* A snapshot that is not newer than a live book changes nothing. */
    assert_int_equal(cb_binance_book_on_snapshot(&b, s_snap(&e, 21, "5:1 | 6:1")),
                     CB_BINANCE_BOOK_OK);
    assert_int_equal(b.book.update_id, 23);
    assert_int_equal(b.book.nbids, 0);
    cb_binance_book_fini(&b);
}

/* The first live event after a snapshot with an empty buffer that leaves a
 * hole is a gap. */
static void
test_first_event_after_snapshot_gap(void **state)
{
    (void) state;
    cb_binance_book_t b;
    cb_binance_book_init(&b, 0, 0, 0);
    s_ev_t e;
    assert_int_equal(cb_binance_book_on_snapshot(&b, s_snap(&e, 50, "1:1 | 2:1")),
                     CB_BINANCE_BOOK_OK);
    assert_int_equal(cb_binance_book_state(&b), CB_BINANCE_BOOK_LIVE);
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 52, 53, "1:2")), CB_BINANCE_BOOK_GAP);
    cb_binance_book_fini(&b);
}

/* The snapshot is older than the first buffered event: fetch again, keep
 * the buffer; the next snapshot lines up. */
static void
test_snapshot_older_refetch(void **state)
{
    (void) state;
    cb_binance_book_t b;
    cb_binance_book_init(&b, 0, 0, 0);
    s_ev_t e;
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 200, 210, "3:1 | 4:1")),
                     CB_BINANCE_BOOK_NEED_SNAPSHOT);
    assert_int_equal(cb_binance_book_on_snapshot(&b, s_snap(&e, 150, "3:5 | 4:5")),
                     CB_BINANCE_BOOK_NEED_SNAPSHOT);
    assert_int_equal(b.stats.refetches, 1);
    assert_int_equal(cb_binance_book_state(&b), CB_BINANCE_BOOK_WAITING);
    assert_int_equal(b.nevents, 1);
    /* lastUpdateId + 1 == U: exactly lined up. */
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 211, 211, "| 4:2")),
                     CB_BINANCE_BOOK_OK);
    assert_int_equal(cb_binance_book_on_snapshot(&b, s_snap(&e, 199, "3:5 | 4:5")),
                     CB_BINANCE_BOOK_OK);
    assert_int_equal(b.book.update_id, 211);
    s_expect_best(&b, "3", "1", "4");
    assert_int_equal(b.book.asks[0].qty.coef, 2);
    cb_binance_book_fini(&b);
}

/* A hole inside the buffer: the snapshot lines up with the first event but
 * a later buffered one does not follow. */
static void
test_gap_inside_buffer(void **state)
{
    (void) state;
    cb_binance_book_t b;
    cb_binance_book_init(&b, 0, 0, 0);
    s_ev_t e;
    cb_binance_book_on_diff(&b, s_diff(&e, 10, 11, "1:1"));
    cb_binance_book_on_diff(&b, s_diff(&e, 12, 13, "1:2"));
    cb_binance_book_on_diff(&b, s_diff(&e, 15, 16, "1:3"));
    assert_int_equal(cb_binance_book_on_snapshot(&b, s_snap(&e, 10, "1:9 | 2:9")),
                     CB_BINANCE_BOOK_GAP);
    assert_int_equal(cb_binance_book_state(&b), CB_BINANCE_BOOK_RESYNCING);
    assert_int_equal(b.nevents, 0);
    assert_int_equal(b.book.nbids, 0);
    /* From an empty buffer the next snapshot goes live; the first event decides. */
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 17, 18, "1:4")), CB_BINANCE_BOOK_OK);
    assert_int_equal(cb_binance_book_on_snapshot(&b, s_snap(&e, 17, "1:9 | 2:9")),
                     CB_BINANCE_BOOK_OK);
    assert_int_equal(b.book.update_id, 18);
    s_expect_best(&b, "1", "4", "2");
    cb_binance_book_fini(&b);
}

/* The buffer is bounded: past its limit it starts over and asks again. */
static void
test_buffer_overflow(void **state)
{
    (void) state;
    cb_binance_book_t b;
    cb_binance_book_init(&b, 0, 4, 6);
    s_ev_t e;
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 1, 1, "1:1 | 2:1")),
                     CB_BINANCE_BOOK_NEED_SNAPSHOT);
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 2, 2, "1:2 | 2:2")),
                     CB_BINANCE_BOOK_OK);
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 3, 3, "1:3 | 2:3")),
                     CB_BINANCE_BOOK_OK);
    /* 8 levels > 6: over. */
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 4, 4, "1:4 | 2:4")),
                     CB_BINANCE_BOOK_NEED_SNAPSHOT);
    assert_int_equal(b.stats.overflows, 1);
    assert_int_equal(b.nevents, 1);
    assert_int_equal(b.events[0].first_id, 4);
    /* An old snapshot (for the first buffer) is refused now. */
    assert_int_equal(cb_binance_book_on_snapshot(&b, s_snap(&e, 1, "1:1 | 2:1")),
                     CB_BINANCE_BOOK_NEED_SNAPSHOT);
    assert_int_equal(cb_binance_book_on_snapshot(&b, s_snap(&e, 3, "1:3 | 2:3")),
                     CB_BINANCE_BOOK_OK);
    assert_int_equal(b.book.update_id, 4);
    /* Event count bound too. */
    cb_binance_book_reset(&b);
    for (uint64_t k = 1; k <= 4; k++) {
        cb_binance_book_on_diff(&b, s_diff(&e, k, k, ""));
    }
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 5, 5, "")),
                     CB_BINANCE_BOOK_NEED_SNAPSHOT);
    assert_int_equal(b.stats.overflows, 2);
    cb_binance_book_fini(&b);
}

static void
test_bad_messages(void **state)
{
    (void) state;
    cb_binance_book_t b;
    cb_binance_book_init(&b, 0, 0, 0);
    s_ev_t e;
    /* A snapshot passed as a diff, U > u, no U, a tick. */
    assert_int_equal(cb_binance_book_on_diff(&b, s_snap(&e, 1, "1:1")), CB_E_BAD_REQUEST);
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 5, 4, "1:1")), CB_E_BAD_REQUEST);
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 0, 4, "1:1")), CB_E_BAD_REQUEST);
    assert_int_equal(cb_binance_book_on_snapshot(&b, s_diff(&e, 1, 4, "1:1")), CB_E_BAD_REQUEST);
    cb_md_msg_t tick;
    cb_md_msg_init(&tick, CB_MD_TICK);
    assert_int_equal(cb_binance_book_on_diff(&b, &tick), CB_E_BAD_REQUEST);
    assert_int_equal(cb_binance_book_on_diff(&b, NULL), CB_E_BAD_REQUEST);
    assert_int_equal(cb_binance_book_state(&b), CB_BINANCE_BOOK_EMPTY);
    /* A bad level in a live event: the book starts over. */
    cb_binance_book_on_snapshot(&b, s_snap(&e, 1, "1:1 | 2:1"));
    assert_int_equal(cb_binance_book_on_diff(&b, s_diff(&e, 2, 2, "-1:1")), CB_E_RANGE);
    assert_int_equal(cb_binance_book_state(&b), CB_BINANCE_BOOK_EMPTY);
    assert_string_equal(cb_binance_book_state_name(CB_BINANCE_BOOK_RESYNCING), "resyncing");
    cb_binance_book_fini(&b);
    cb_binance_book_fini(&b); /* twice is fine */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_gap_then_resync),
        cmocka_unit_test(test_snapshot_newer_than_buffer),
        cmocka_unit_test(test_first_event_after_snapshot_gap),
        cmocka_unit_test(test_snapshot_older_refetch),
        cmocka_unit_test(test_gap_inside_buffer),
        cmocka_unit_test(test_buffer_overflow),
        cmocka_unit_test(test_bad_messages),
    };
    return cmocka_run_group_tests_name("binance_book", tests, NULL, NULL);
}
