/* test_kraken_book.c - a Kraken book from WS v2 messages: the documented checksum, updates, depth, resync on a mismatch */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_dialect.h"
#include "cb_error.h"
#include "cb_kraken_book.h"

/* ---- an independent checksum: Kraken's algorithm on the level texts ---- */

static uint32_t
s_crc32(const char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t k = 0; k < n; k++) {
        c ^= (uint8_t) p[k];
        for (int b = 0; b < 8; b++) {
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
        }
    }
    return c ^ 0xffffffffu;
}

/* "0.00100000" -> "100000": '.' removed, leading zeros stripped. */
static void
s_put(char *out, const char *text)
{
    char digits[64];
    size_t n = 0;
    for (const char *c = text; *c != '\0'; c++) {
        if (*c != '.') {
            digits[n++] = *c;
        }
    }
    digits[n] = '\0';
    const char *d = digits;
    while (*d == '0') {
        d++;
    }
    strcat(out, d);
}

/* levels: "price qty" texts at the pair's precision, asks ascending then
 * bids descending, top 10 each. */
static uint32_t
s_doc_checksum(const char *const *asks, size_t na, const char *const *bids, size_t nb)
{
    char text[4096] = "";
    const char *const *sides[2] = {asks, bids};
    size_t counts[2] = {na, nb};
    for (int s = 0; s < 2; s++) {
        for (size_t k = 0; k < counts[s] && k < 10; k++) {
            char price[32], qty[32];
            sscanf(sides[s][k], "%31s %31s", price, qty);
            s_put(text, price);
            s_put(text, qty);
        }
    }
    return s_crc32(text, strlen(text));
}

/* ---- messages through the dialect's parser ---- */

typedef struct {
    cb_kraken_book_t *book;
    int rc;
    int n;
} s_ctx_t;

static int
s_apply(void *ctx, const cb_md_msg_t *m)
{
    s_ctx_t *c = ctx;
    if (m->type == CB_MD_BOOK) {
        c->rc = cb_kraken_book_apply(c->book, m);
        c->n++;
    }
    return 0;
}

static int
s_feed(cb_md_parser_t *p, cb_kraken_book_t *kb, const char *msg)
{
    s_ctx_t c = {kb, -12345, 0};
    int rc = cb_kraken_ops.ws_parse(p, msg, strlen(msg), s_apply, &c);
    assert_int_equal(rc, 0);
    assert_int_equal(c.n, 1);
    return c.rc;
}

static const char *const s_doc_bids[] = {
    "45283.5 0.10000000", "45283.4 1.54582015", "45282.1 0.10000000", "45281.0 0.10000000",
    "45280.3 1.54592586", "45279.0 0.07990000", "45277.6 0.03310103", "45277.5 0.30000000",
    "45277.3 1.54602737", "45276.6 0.15445238"};
static const char *const s_doc_asks[] = {
    "45285.2 0.00100000", "45286.4 1.54571953", "45286.6 1.54571109", "45289.6 1.54560911",
    "45290.2 0.15890660", "45291.8 1.54553491", "45294.7 0.04454749", "45296.1 0.35380000",
    "45297.5 0.09945542", "45299.5 0.18772827"};

/* A book message from "price qty" texts. */
static void
s_msg(char *out, size_t size, bool snapshot, const char *const *bids, size_t nb,
      const char *const *asks, size_t na, uint32_t checksum)
{
    int n = snprintf(out, size, "{\"channel\":\"book\",\"type\":\"%s\",\"data\":[{\"symbol\":\"BTC/USD\",\"bids\":[",
                     snapshot ? "snapshot" : "update");
    const char *const *sides[2] = {bids, asks};
    size_t counts[2] = {nb, na};
    for (int s = 0; s < 2; s++) {
        if (s == 1) {
            n += snprintf(out + n, size - (size_t) n, "],\"asks\":[");
        }
        for (size_t k = 0; k < counts[s]; k++) {
            char price[32], qty[32];
            sscanf(sides[s][k], "%31s %31s", price, qty);
            n += snprintf(out + n, size - (size_t) n, "%s{\"price\":%s,\"qty\":%s}", k ? "," : "",
                          price, qty);
        }
    }
    snprintf(out + n, size - (size_t) n, "],\"checksum\":%u}]}", checksum);
}

static void
test_doc_checksum(void **state)
{
    (void) state;
    /* The test's own implementation agrees with the documented value... */
    assert_int_equal(s_doc_checksum(s_doc_asks, 10, s_doc_bids, 10), 3310070434u);
    /* ...and so does the book fed the documented snapshot. */
    cb_md_parser_t p = {0};
    cb_kraken_book_t kb;
    cb_kraken_book_init(&kb, 10, 1, 8);
    assert_int_equal(kb.state, CB_KRAKEN_BOOK_EMPTY);
    char msg[4096];
    s_msg(msg, sizeof msg, true, s_doc_bids, 10, s_doc_asks, 10, 3310070434u);
    assert_int_equal(s_feed(&p, &kb, msg), 0);
    assert_int_equal(kb.state, CB_KRAKEN_BOOK_LIVE);
    assert_int_equal(kb.last_checksum, 3310070434u);
    assert_int_equal(kb.snapshots, 1);
    assert_int_equal(kb.checksum_ok, 1);
    cb_kraken_book_fini(&kb);
    cb_md_parser_fini(&p);
}

static void
test_updates_and_depth(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cb_kraken_book_t kb;
    cb_kraken_book_init(&kb, 10, 1, 8);
    char msg[4096];
    s_msg(msg, sizeof msg, true, s_doc_bids, 10, s_doc_asks, 10, 3310070434u);
    assert_int_equal(s_feed(&p, &kb, msg), 0);

    /* An insert listed before the delete that makes room: apply all, then cut to 10. */
    const char *const ins_del[] = {"45282.0 0.50000000", "45283.5 0"};
    const char *const bids2[] = {
        "45283.4 1.54582015", "45282.1 0.10000000", "45282.0 0.50000000", "45281.0 0.10000000",
        "45280.3 1.54592586", "45279.0 0.07990000", "45277.6 0.03310103", "45277.5 0.30000000",
        "45277.3 1.54602737", "45276.6 0.15445238"};
    uint32_t want = s_doc_checksum(s_doc_asks, 10, bids2, 10);
    s_msg(msg, sizeof msg, false, ins_del, 2, NULL, 0, want);
    assert_int_equal(s_feed(&p, &kb, msg), 0);
    assert_int_equal(kb.book.nbids, 10);
    assert_int_equal(kb.state, CB_KRAKEN_BOOK_LIVE);

    /* A better ask pushes the 10th out (no qty 0 is sent for it). */
    const char *const ask_in[] = {"45284.0 2.00000000"};
    const char *const asks3[] = {
        "45284.0 2.00000000", "45285.2 0.00100000", "45286.4 1.54571953", "45286.6 1.54571109",
        "45289.6 1.54560911", "45290.2 0.15890660", "45291.8 1.54553491", "45294.7 0.04454749",
        "45296.1 0.35380000", "45297.5 0.09945542"};
    want = s_doc_checksum(asks3, 10, bids2, 10);
    s_msg(msg, sizeof msg, false, NULL, 0, ask_in, 1, want);
    assert_int_equal(s_feed(&p, &kb, msg), 0);
    assert_int_equal(kb.book.nasks, 10);
    assert_int_equal(kb.updates, 2);
    assert_int_equal(kb.checksum_ok, 3);
    cb_kraken_book_fini(&kb);
    cb_md_parser_fini(&p);
}

static void
test_mismatch_resync(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cb_kraken_book_t kb;
    cb_kraken_book_init(&kb, 10, 1, 8);
    char msg[4096];
    s_msg(msg, sizeof msg, true, s_doc_bids, 10, s_doc_asks, 10, 3310070434u);
    assert_int_equal(s_feed(&p, &kb, msg), 0);
    const char *const change[] = {"45283.5 0.20000000"};
    s_msg(msg, sizeof msg, false, change, 1, NULL, 0, 12345u);
    assert_int_equal(s_feed(&p, &kb, msg), CB_E_CONFLICT);
    assert_int_equal(kb.state, CB_KRAKEN_BOOK_RESYNCING);
    assert_int_equal(kb.checksum_failures, 1);
    /* Ignored until the next snapshot. */
    s_msg(msg, sizeof msg, false, change, 1, NULL, 0, 1u);
    assert_int_equal(s_feed(&p, &kb, msg), 0);
    assert_int_equal(kb.ignored, 1);
    assert_int_equal(kb.state, CB_KRAKEN_BOOK_RESYNCING);
    s_msg(msg, sizeof msg, true, s_doc_bids, 10, s_doc_asks, 10, 3310070434u);
    assert_int_equal(s_feed(&p, &kb, msg), 0);
    assert_int_equal(kb.state, CB_KRAKEN_BOOK_LIVE);
    /* A wrong checksum on a snapshot resyncs too. */
    s_msg(msg, sizeof msg, true, s_doc_bids, 10, s_doc_asks, 10, 3310070435u);
    assert_int_equal(s_feed(&p, &kb, msg), CB_E_CONFLICT);
    assert_int_equal(kb.state, CB_KRAKEN_BOOK_RESYNCING);
    /* An update before any snapshot is ignored. */
    cb_kraken_book_t fresh;
    cb_kraken_book_init(&fresh, 10, 1, 8);
    s_msg(msg, sizeof msg, false, change, 1, NULL, 0, 1u);
    assert_int_equal(s_feed(&p, &fresh, msg), 0);
    assert_int_equal(fresh.state, CB_KRAKEN_BOOK_EMPTY);
    /* A negative amount is invalid: resync. */
    s_msg(msg, sizeof msg, true, s_doc_bids, 10, s_doc_asks, 10, 3310070434u);
    assert_int_equal(s_feed(&p, &fresh, msg), 0);
    const char *const neg[] = {"45283.5 -1"};
    s_msg(msg, sizeof msg, false, neg, 1, NULL, 0, 1u);
    assert_int_equal(s_feed(&p, &fresh, msg), CB_E_CONFLICT);
    assert_int_equal(fresh.state, CB_KRAKEN_BOOK_RESYNCING);
    /* Not a book message. */
    cb_md_msg_t tick;
    cb_md_msg_init(&tick, CB_MD_TICK);
    assert_int_equal(cb_kraken_book_apply(&fresh, &tick), CB_E_BAD_REQUEST);
    cb_kraken_book_fini(&fresh);
    cb_kraken_book_fini(&kb);
    cb_md_parser_fini(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_checksum),
        cmocka_unit_test(test_updates_and_depth),
        cmocka_unit_test(test_mismatch_resync),
    };
    return cmocka_run_group_tests_name("kraken_book", tests, NULL, NULL);
}
