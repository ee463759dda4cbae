/* test_kraken_ws_sim.c - the Kraken dialect against venue-sim: public REST replies parsed, /kraken/ws/v2 books kept by checksum, a corrupted checksum resyncs one symbol only */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cb_dialect.h"
#include "cb_error.h"
#include "cb_kraken_book.h"
#include "cb_time.h"
#include "cbh_simws.h"

static size_t
s_write(char *data, size_t size, size_t n, void *ctx)
{
    cb_buf_append(ctx, data, size * n);
    return size * n;
}

/* GETs url; the body into out, the status returned. */
static long
s_get(const char *url, cb_buf_t *out)
{
    CURL *c = curl_easy_init();
    cb_buf_reset(out);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_easy_cleanup(c);
    return status;
}

/* ---- the client's state: two books on one connection ---- */

typedef struct {
    const cb_instrument_t *ins;
    cb_kraken_book_t book;
    int conflicts;
} s_sym_t;

typedef struct {
    s_sym_t sym[2];
    int books;      /* book messages applied */
    int ticks;
    int trades;
    int candles;
    int subscribed;
    int errors;
    int other;
} s_client_t;

static int
s_emit(void *ctx, const cb_md_msg_t *m)
{
    s_client_t *c = ctx;
    switch (m->type) {
    case CB_MD_BOOK:
        for (int i = 0; i < 2; i++) {
            if (cb_str_eq_cstr(m->native, c->sym[i].ins->ws_name)) {
                int rc = cb_kraken_book_apply(&c->sym[i].book, m);
                if (rc == CB_E_CONFLICT) {
                    c->sym[i].conflicts++;
                } else {
                    assert_int_equal(rc, 0);
                }
                c->books++;
                return 0;
            }
        }
        fail_msg("book of an unknown symbol %.*s", (int) m->native.len, m->native.ptr);
        return -1;
    case CB_MD_TICK:
        assert_true(m->tick.symbol.len == 0 && CB_PROTO_HAS(&m->tick, tick, bid));
        c->ticks++;
        return 0;
    case CB_MD_TRADES:
        assert_true(m->count > 0);
        c->trades++;
        return 0;
    case CB_MD_CANDLES:
        assert_true(m->count > 0 && CB_PROTO_HAS(&m->candles[0], candle, interval));
        c->candles++;
        return 0;
    case CB_MD_SUBSCRIBED:
        c->subscribed++;
        return 0;
    case CB_MD_ERROR:
        fprintf(stderr, "venue error: %s\n", m->message);
        c->errors++;
        return 0;
    default:
        c->other++;
        return 0;
    }
}

/* Reads messages through the dialect until done(c) or ms pass; every
 * message must parse. Returns the messages read. */
static int
s_pump(cbh_ws_t *ws, cb_md_parser_t *p, s_client_t *c, int ms, bool (*done)(const s_client_t *))
{
    int64_t deadline = cb_time_mono_ns() + (int64_t) ms * 1000000;
    int n = 0;
    while (cb_time_mono_ns() < deadline && (done == NULL || !done(c))) {
        size_t len;
        char *m = cbh_ws_recv(ws, 50, &len);
        if (m == NULL) {
            continue;
        }
        int rc = cb_kraken_ops.ws_parse(p, m, len, s_emit, c);
        if (rc != 0) {
            fail_msg("ws_parse %d on %s", rc, m);
        }
        free(m);
        n++;
    }
    return n;
}

static bool
s_thousand_books(const s_client_t *c)
{
    return c->books >= 1000;
}

static bool
s_one_resyncing(const s_client_t *c)
{
    return c->sym[0].book.state == CB_KRAKEN_BOOK_RESYNCING ||
           c->sym[1].book.state == CB_KRAKEN_BOOK_RESYNCING;
}

static bool
s_both_live(const s_client_t *c)
{
    return c->sym[0].book.state == CB_KRAKEN_BOOK_LIVE &&
           c->sym[1].book.state == CB_KRAKEN_BOOK_LIVE;
}

static void
s_send_all(cbh_ws_t *ws, int (*next)(int k, cb_buf_t *out, void *arg), void *arg)
{
    cb_buf_t out = {0};
    for (int k = 0;; k++) {
        cb_buf_reset(&out);
        int rc = next(k, &out, arg);
        assert_true(rc >= 0);
        if (rc == 0) {
            break;
        }
        assert_int_equal(cbh_ws_send(ws, out.data), 0);
    }
    cb_buf_fini(&out);
}

typedef struct {
    const cb_instrument_t *const *ins;
    size_t n;
    const cb_ws_channels_t *ch;
} s_sub_args_t;

static int
s_next_sub(int k, cb_buf_t *out, void *arg)
{
    s_sub_args_t *a = arg;
    return cb_kraken_ops.ws_subscribe(a->ins, a->n, a->ch, k, 100 + k, out);
}

static int
s_next_resub(int k, cb_buf_t *out, void *arg)
{
    return cb_kraken_ops.ws_resubscribe_book(arg, 10, k, 200 + k, out);
}

static void
test_books_and_resync(void **state)
{
    (void) state;
    /* The instruments, from the sim's AssetPairs through the dialect. */
    cb_venue_cfg_t v = {.name = "sim-kraken", .dialect = CB_DIALECT_KRAKEN};
    snprintf(v.rest_base, sizeof v.rest_base, "http://127.0.0.1:%d/kraken", cbh_simws_port());
    snprintf(v.ws_url, sizeof v.ws_url, "ws://127.0.0.1:%d/kraken/ws/v2", cbh_simws_port());
    char url[256];
    assert_int_equal(cb_kraken_ops.rest_url(&v, CB_REST_INSTRUMENTS, NULL, url, sizeof url), 0);
    cb_buf_t body = {0};
    long status = s_get(url, &body);
    assert_int_equal(status, 200);
    cb_md_parser_t p = {0};
    cb_instruments_t list = {0};
    cb_venue_error_t err;
    assert_int_equal(cb_kraken_ops.rest_parse(&p, CB_REST_INSTRUMENTS, NULL, (int) status, body.data,
                                              body.len, &list, NULL, NULL, &err),
                     0);
    const cb_instrument_t *btc = cb_instruments_by_symbol(&list, CB_STR("BTC-USD"));
    const cb_instrument_t *eth = cb_instruments_by_symbol(&list, CB_STR("ETH-USD"));
    assert_non_null(btc);
    assert_non_null(eth);
    assert_string_equal(btc->ws_name, "BTC/USD");
    assert_string_equal(btc->native, "XXBTZUSD");
    printf("sim instruments: %zu; BTC-USD price/qty decimals %u/%u\n", list.count,
           btc->price_decimals, btc->qty_decimals);

    /* Subscribe book 10 (plus ticker and trades) for both on one connection. */
    s_client_t c;
    memset(&c, 0, sizeof c);
    c.sym[0].ins = btc;
    c.sym[1].ins = eth;
    for (int i = 0; i < 2; i++) {
        cb_kraken_book_init(&c.sym[i].book, 10, c.sym[i].ins->price_decimals,
                            c.sym[i].ins->qty_decimals);
    }
    char path[64];
    const char *slash = strstr(v.ws_url + 5, "/");
    snprintf(path, sizeof path, "%s", slash);
    cbh_ws_t *ws = cbh_simws_open(path);
    const cb_instrument_t *ins[2] = {btc, eth};
    cb_ws_channels_t ch = {.ticker = true, .trades = true, .book_depth = 10, .ohlc_interval_s = 60};
    s_sub_args_t sub = {ins, 2, &ch};
    s_send_all(ws, s_next_sub, &sub);

    /* ~1000 book messages: every checksum agrees. */
    int read = s_pump(ws, &p, &c, 20000, s_thousand_books);
    printf("read %d messages: %d books, %d ticks, %d trade batches, %d candle batches, %d acks\n",
           read, c.books, c.ticks, c.trades, c.candles, c.subscribed);
    assert_true(c.books >= 1000);
    assert_true(c.subscribed >= 8 && c.candles > 0);
    assert_int_equal(c.errors, 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(c.sym[i].conflicts, 0);
        assert_int_equal(c.sym[i].book.checksum_failures, 0);
        assert_int_equal(c.sym[i].book.state, CB_KRAKEN_BOOK_LIVE);
        assert_true(c.sym[i].book.checksum_ok > 0);
    }

    /* A corrupted checksum: that symbol only goes RESYNCING. */
    assert_true(cbh_simws_do(CBH_SIMWS_CORRUPT, SIM_VENUE_KRAKEN, 0).rc >= 1);
    s_pump(ws, &p, &c, 5000, s_one_resyncing);
    int bad = c.sym[0].book.state == CB_KRAKEN_BOOK_RESYNCING ? 0 : 1;
    int good = 1 - bad;
    assert_int_equal(c.sym[bad].book.state, CB_KRAKEN_BOOK_RESYNCING);
    assert_int_equal(c.sym[bad].conflicts, 1);
    assert_int_equal(c.sym[good].book.state, CB_KRAKEN_BOOK_LIVE);
    assert_int_equal(c.sym[good].conflicts, 0);
    printf("corrupted checksum on %s: it resyncs, %s stays live\n", c.sym[bad].ins->ws_name,
           c.sym[good].ins->ws_name);

    /* Resubscribe that book: a new snapshot makes it LIVE again. */
    s_send_all(ws, s_next_resub, (void *) c.sym[bad].ins);
    uint64_t snaps = c.sym[bad].book.snapshots;
    s_pump(ws, &p, &c, 5000, s_both_live);
    assert_int_equal(c.sym[bad].book.state, CB_KRAKEN_BOOK_LIVE);
    assert_int_equal(c.sym[bad].book.snapshots, snaps + 1);
    assert_int_equal(c.sym[good].book.snapshots, 1);

    /* And every checksum agrees again afterwards. */
    int before = c.books;
    s_pump(ws, &p, &c, 1500, NULL);
    assert_true(c.books > before);
    assert_int_equal(c.sym[bad].conflicts, 1);
    assert_int_equal(c.sym[good].conflicts, 0);
    assert_true(s_both_live(&c));
    assert_int_equal(c.errors, 0);

    /* An application ping is answered. */
    cb_buf_t out = {0};
    assert_int_equal(cb_kraken_ops.ws_ping(77, &out), 1);
    assert_int_equal(cbh_ws_send(ws, out.data), 0);
    char *pong = cbh_simws_wait_for(ws, "\"pong\"", 3000);
    assert_non_null(strstr(pong, "\"req_id\":77"));
    free(pong);

    cb_buf_fini(&out);
    cbh_ws_close(&ws);
    for (int i = 0; i < 2; i++) {
        cb_kraken_book_fini(&c.sym[i].book);
    }
    cb_instruments_fini(&list);
    cb_md_parser_fini(&p);
    cb_buf_fini(&body);
}

/* ---- public REST through the dialect ---- */

typedef struct {
    int items;
    cb_md_type_t type;
    size_t count;
    char native[40];
    bool last_open;  /* OHLC: the last candle is not closed */
} s_rest_seen_t;

static int
s_rest_emit(void *ctx, const cb_md_msg_t *m)
{
    s_rest_seen_t *s = ctx;
    s->items++;
    s->type = m->type;
    snprintf(s->native, sizeof s->native, "%.*s", (int) m->native.len,
             m->native.ptr != NULL ? m->native.ptr : "");
    if (m->type == CB_MD_BOOK) {
        s->count = m->book.bids.count + m->book.asks.count;
    } else {
        s->count = m->count;
    }
    if (m->type == CB_MD_CANDLES && m->count > 0) {
        s->last_open = !m->candles[m->count - 1].closed && (m->count == 1 || m->candles[0].closed);
    }
    return 0;
}

static void
s_rest(const cb_venue_cfg_t *v, cb_rest_op_t op, const cb_rest_args_t *a, cb_md_parser_t *p,
       s_rest_seen_t *seen)
{
    char url[256];
    cb_buf_t body = {0};
    cb_venue_error_t err;
    assert_int_equal(cb_kraken_ops.rest_url(v, op, a, url, sizeof url), 0);
    long status = s_get(url, &body);
    memset(seen, 0, sizeof(*seen));
    int rc = cb_kraken_ops.rest_parse(p, op, a, (int) status, body.data, body.len, NULL, s_rest_emit,
                                      seen, &err);
    if (rc != 0) {
        fail_msg("%s: %d (%s) on %.300s", url, rc, err.message, body.data);
    }
    cb_buf_fini(&body);
}

static void
test_public_rest(void **state)
{
    (void) state;
    cb_venue_cfg_t v = {.name = "sim-kraken", .dialect = CB_DIALECT_KRAKEN};
    snprintf(v.rest_base, sizeof v.rest_base, "http://127.0.0.1:%d/kraken", cbh_simws_port());
    cb_md_parser_t p = {0};
    s_rest_seen_t seen;
    s_rest(&v, CB_REST_TIME, NULL, &p, &seen);
    assert_int_equal(seen.type, CB_MD_TIME);
    /* Asked by altname, answered under the pair id. */
    cb_instrument_t alt = {.symbol = "BTC-USD", .native = "XBTUSD", .ws_name = "BTC/USD"};
    cb_rest_args_t a = {.ins = &alt};
    s_rest(&v, CB_REST_TICKER, &a, &p, &seen);
    assert_int_equal(seen.type, CB_MD_TICK);
    assert_string_equal(seen.native, "XXBTZUSD");
    a.limit = 5;
    s_rest(&v, CB_REST_BOOK, &a, &p, &seen);
    assert_int_equal(seen.type, CB_MD_BOOK);
    assert_true(seen.count > 0 && seen.count <= 10);
    a.limit = 0;
    /* The server has just started: its market may not have traded yet.
     * Ask again (up to 5 s) until it has; an empty list stays a failure. */
    for (int tries = 0; tries < 50; tries++) {
        s_rest(&v, CB_REST_TRADES, &a, &p, &seen);
        if (seen.count > 0) {
            break;
        }
        usleep(100 * 1000);
    }
    assert_int_equal(seen.type, CB_MD_TRADES);
    assert_true(seen.count > 0);
    a.interval_s = 60;
    s_rest(&v, CB_REST_OHLC, &a, &p, &seen);
    assert_int_equal(seen.type, CB_MD_CANDLES);
    assert_true(seen.count > 0 && seen.last_open);
    printf("sim public REST: Time, Ticker, Depth, Trades, OHLC (%zu candles) parsed\n", seen.count);
    /* An unknown pair: the venue's error, classified. */
    cb_instrument_t nope = {.symbol = "NOPE-USD", .native = "NOPEUSD"};
    a.ins = &nope;
    char url[256];
    cb_buf_t body = {0};
    cb_venue_error_t err;
    assert_int_equal(cb_kraken_ops.rest_url(&v, CB_REST_TICKER, &a, url, sizeof url), 0);
    long status = s_get(url, &body);
    assert_int_equal(cb_kraken_ops.rest_parse(&p, CB_REST_TICKER, &a, (int) status, body.data,
                                              body.len, NULL, s_rest_emit, &seen, &err),
                     CB_E_NOT_FOUND);
    assert_int_equal(err.cls, CB_VERR_UNKNOWN_SYMBOL);
    assert_string_equal(err.venue_code, "EQuery:Unknown asset pair");
    cb_buf_fini(&body);
    cb_md_parser_fini(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public_rest),
        cmocka_unit_test(test_books_and_resync),
    };
    return cmocka_run_group_tests_name("kraken_ws_sim", tests, cbh_simws_setup, cbh_simws_teardown);
}
