/* test_binance_feed.c - the Binance dialect against venue-sim: REST, signed read, local books */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cb_binance.h"
#include "cb_binance_book.h"
#include "cb_buf.h"
#include "cb_error.h"
#include "cb_time.h"
#include "cbh_simws.h"
#include "cbh_ws.h"
#include "sim_accounts.h"
#include "sim_exchange.h"

/* The documented default paper account (services/venue-sim/README.md). */
#define PAPER_KEY "coinbuspaperbinancekey000000000000000000000000000000000000000000"
#define PAPER_SECRET "coinbuspaperbinancesecret000000000000000000000000000000000000000"

static cb_venue_cfg_t s_venue;
static cb_instruments_t s_list;

/* ---- setup: the stream server plus an exchange with the default accounts ---- */

static void
s_exchange_job(void *arg)
{
    int *rc = arg;
    sim_t *sim = cbh_simws_sim();
    char err[256];
    sim->exchange = sim_exchange_new(sim->market);
    *rc = sim->exchange != NULL &&
                  sim_exchange_add_accounts(sim->exchange, SIM_EXCHANGE_DEFAULT_ACCOUNTS, err,
                                            sizeof err) == 0
              ? 0
              : -1;
}

static void
s_exchange_drop_job(void *arg)
{
    (void) arg;
    sim_exchange_destroy(&cbh_simws_sim()->exchange);
}

static int
s_setup(void **state)
{
    if (cbh_simws_setup(state) != 0) {
        return -1;
    }
    int rc = -1;
    cbh_simws_call(s_exchange_job, &rc);
    memset(&s_venue, 0, sizeof s_venue);
    snprintf(s_venue.name, sizeof s_venue.name, "sim-binance");
    s_venue.dialect = CB_DIALECT_BINANCE;
    snprintf(s_venue.rest_base, sizeof s_venue.rest_base, "http://127.0.0.1:%d/binance",
             cbh_simws_port());
    snprintf(s_venue.ws_url, sizeof s_venue.ws_url, "ws://127.0.0.1:%d/binance", cbh_simws_port());
    return rc;
}

static int
s_teardown(void **state)
{
    cbh_simws_call(s_exchange_drop_job, NULL);
    cb_instruments_fini(&s_list);
    return cbh_simws_teardown(state);
}

/* ---- HTTP ------------------------------------------------------------------------ */

static size_t
s_write(char *data, size_t size, size_t n, void *ctx)
{
    cb_buf_append(ctx, data, size * n);
    return size * n;
}

/* Performs req (or a GET of url); the body into body, the status returned. */
static long
s_http(const cb_venue_req_t *req, const char *url, cb_buf_t *body)
{
    cb_buf_reset(body);
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    curl_easy_setopt(c, CURLOPT_URL, req != NULL ? req->url : url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    if (req != NULL) {
        for (int k = 0; k < 4; k++) {
            if (req->headers[k][0] != '\0') {
                hdrs = curl_slist_append(hdrs, req->headers[k]);
            }
        }
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
        if (req->body.len > 0) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body.data);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long) req->body.len);
        }
    }
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return status;
}

typedef struct {
    int count;
    cb_md_msg_t last;
} s_cap_t;

static int
s_capture(void *ctx, const cb_md_msg_t *msg)
{
    s_cap_t *c = ctx;
    c->count++;
    c->last = *msg;
    return 0;
}

/* GET of a public request through the dialect; its rest_parse result. */
static int
s_public(cb_md_parser_t *p, cb_rest_op_t op, const cb_rest_args_t *a, cb_md_emit_fn emit, void *ctx,
         cb_venue_error_t *err)
{
    char url[1024];
    assert_int_equal(cb_binance_ops.rest_url(&s_venue, op, a, url, sizeof url), 0);
    cb_buf_t body;
    cb_buf_init(&body);
    long status = s_http(NULL, url, &body);
    int rc = cb_binance_ops.rest_parse(p, op, a, (int) status, body.data, body.len, &s_list, emit,
                                       ctx, err);
    cb_buf_fini(&body);
    return rc;
}

static void
s_load_instruments(void)
{
    if (s_list.count > 0) {
        return;
    }
    cb_md_parser_t p;
    memset(&p, 0, sizeof p);
    cb_venue_error_t err;
    assert_int_equal(s_public(&p, CB_REST_INSTRUMENTS, NULL, NULL, NULL, &err), 0);
    cb_md_parser_fini(&p);
}

/* ---- public REST ---------------------------------------------------------------------- */

static void
test_public_rest(void **state)
{
    (void) state;
    cb_md_parser_t p;
    memset(&p, 0, sizeof p);
    cb_venue_error_t err;
    s_cap_t cap = {0};
    assert_int_equal(s_public(&p, CB_REST_TIME, NULL, s_capture, &cap, &err), 0);
    assert_int_equal(cap.last.type, CB_MD_TIME);
    int64_t now_ms = cb_time_now_ns() / 1000000;
    assert_true(cap.last.server_ms > now_ms - 5000 && cap.last.server_ms < now_ms + 5000);

    s_load_instruments();
    const cb_instrument_t *btc = cb_instruments_by_symbol(&s_list, CB_STR("BTC-USDT"));
    assert_non_null(btc);
    assert_string_equal(btc->native, "BTCUSDT");
    assert_string_equal(btc->ws_name, "btcusdt");
    assert_true(btc->trading);
    assert_false(cb_decimal_is_zero(btc->tick_size));
    assert_false(cb_decimal_is_zero(btc->lot_size));
    assert_non_null(cb_instruments_by_symbol(&s_list, CB_STR("ETH-USDT")));
    printf("exchangeInfo: %zu instruments; BTC-USDT price_decimals %u qty_decimals %u\n",
           s_list.count, btc->price_decimals, btc->qty_decimals);

    cb_rest_args_t a = {.ins = btc, .interval_s = 60, .limit = 10};
    memset(&cap, 0, sizeof cap);
    assert_int_equal(s_public(&p, CB_REST_TICKER, &a, s_capture, &cap, &err), 0);
    assert_int_equal(cap.last.type, CB_MD_TICK);
    assert_true(cb_decimal_cmp(cap.last.tick.bid, cap.last.tick.ask) < 0);
    assert_true(CB_PROTO_HAS(&cap.last.tick, tick, last) &&
                CB_PROTO_HAS(&cap.last.tick, tick, volume));

    memset(&cap, 0, sizeof cap);
    assert_int_equal(s_public(&p, CB_REST_OHLC, &a, s_capture, &cap, &err), 0);
    assert_int_equal(cap.last.type, CB_MD_CANDLES);
    assert_true(cap.last.count >= 1 && cap.last.count <= 10);

    memset(&cap, 0, sizeof cap);
    assert_int_equal(s_public(&p, CB_REST_BOOK, &a, s_capture, &cap, &err), 0);
    assert_int_equal(cap.last.type, CB_MD_BOOK);
    assert_true(cap.last.book.snapshot && cap.last.book.update_id > 0);
    assert_int_equal(cap.last.book.bids.count, 10);

    /* The server has just started: its market may not have traded yet.
     * Ask again (up to 5 s) until it has; an empty list stays a failure. */
    for (int tries = 0; tries < 50; tries++) {
        memset(&cap, 0, sizeof cap);
        assert_int_equal(s_public(&p, CB_REST_TRADES, &a, s_capture, &cap, &err), 0);
        if (cap.last.count > 0) {
            break;
        }
        usleep(100 * 1000);
    }
    assert_int_equal(cap.last.type, CB_MD_TRADES);
    assert_true(cap.last.count >= 1 && cap.last.count <= 10);

    /* The venue's error, classified. */
    cb_instrument_t nope = *btc;
    snprintf(nope.native, sizeof nope.native, "NOPEUSDT");
    a.ins = &nope;
    memset(&cap, 0, sizeof cap);
    assert_int_equal(s_public(&p, CB_REST_BOOK, &a, s_capture, &cap, &err), CB_E_NOT_FOUND);
    assert_int_equal(err.cls, CB_VERR_UNKNOWN_SYMBOL);
    assert_string_equal(err.venue_code, "-1121");
    assert_int_equal(cap.count, 0);
    cb_md_parser_fini(&p);
}

/* ---- a signed read -------------------------------------------------------------------- */

static void
test_signed_account(void **state)
{
    (void) state;
    cb_venue_req_t req;
    cb_buf_t body;
    cb_buf_init(&body);
    int64_t now_ms = cb_time_now_ns() / 1000000;
    assert_int_equal(cb_binance_signed_req(&s_venue, "GET", "/api/v3/account",
                                           "omitZeroBalances=true", now_ms, 5000, PAPER_KEY,
                                           (const uint8_t *) PAPER_SECRET, strlen(PAPER_SECRET),
                                           false, &req),
                     0);
    long status = s_http(&req, NULL, &body);
    if (status != 200) {
        fail_msg("account: %ld %s", status, body.data != NULL ? body.data : "");
    }
    assert_non_null(strstr(body.data, "\"accountType\":\"SPOT\""));
    assert_non_null(strstr(body.data, "{\"asset\":\"USDT\",\"free\":\"100000"));
    assert_non_null(strstr(body.data, "{\"asset\":\"BTC\",\"free\":\"2"));
    /* One digit of the signature changed: -1022, an AUTH error. */
    char *sig = strstr(req.url, "&signature=");
    assert_non_null(sig);
    char *last = req.url + strlen(req.url) - 1;
    *last = *last == '0' ? '1' : '0';
    status = s_http(&req, NULL, &body);
    assert_int_equal(status, 400);
    cb_venue_error_t err;
    assert_int_equal(
        cb_binance_ops.classify(&req, false, true, (int) status, body.data, body.len, 0, &err),
        CB_E_UNAUTHORIZED);
    assert_int_equal(err.cls, CB_VERR_AUTH);
    assert_string_equal(err.venue_code, "-1022");
    printf("signed account read accepted; corrupted signature: %s %s\n", err.venue_code,
           err.message);
    cb_venue_req_fini(&req);
    /* A POST with the body signed, refused by the venue's own checks only. */
    assert_int_equal(cb_binance_signed_req(&s_venue, "POST", "/api/v3/order/test",
                                           "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
                                           "&quantity=0.1&price=1000",
                                           cb_time_now_ns() / 1000000, 5000, PAPER_KEY,
                                           (const uint8_t *) PAPER_SECRET, strlen(PAPER_SECRET),
                                           true, &req),
                     0);
    status = s_http(&req, NULL, &body);
    if (status != 200) {
        fail_msg("order/test: %ld %s", status, body.data != NULL ? body.data : "");
    }
    assert_string_equal(body.data, "{}");
    cb_venue_req_fini(&req);
    cb_buf_fini(&body);
}

/* ---- two local books from one combined stream ------------------------------------------ */

enum { NSYM = 2 };

typedef struct {
    const cb_instrument_t *ins[NSYM];
    cb_binance_book_t book[NSYM];
    bool fetch[NSYM];     /* a snapshot is wanted */
    int results[NSYM][3]; /* on_diff results seen: OK, NEED_SNAPSHOT, GAP */
    int gap_symbol;       /* the first symbol that reported a gap, or -1 */
    int gap_other_state;  /* the other book's state at that moment */
    int messages;
    cb_md_parser_t rest;
} s_feed_t;

static int
s_index_of(s_feed_t *f, cb_str_t native)
{
    for (int i = 0; i < NSYM; i++) {
        if (cb_str_eq_cstr(native, f->ins[i]->native)) {
            return i;
        }
    }
    return -1;
}

static int
s_on_stream(void *ctx, const cb_md_msg_t *msg)
{
    s_feed_t *f = ctx;
    if (msg->type != CB_MD_BOOK || msg->book.snapshot) {
        return 0;
    }
    int i = s_index_of(f, msg->native);
    assert_true(i >= 0);
    int rc = cb_binance_book_on_diff(&f->book[i], msg);
    assert_true(rc >= 0 && rc <= 2);
    f->results[i][rc]++;
    if (rc == CB_BINANCE_BOOK_GAP && f->gap_symbol < 0) {
        f->gap_symbol = i;
        f->gap_other_state = (int) cb_binance_book_state(&f->book[1 - i]);
    }
    if (rc != CB_BINANCE_BOOK_OK) {
        f->fetch[i] = true;
    }
    return 0;
}

typedef struct {
    s_feed_t *f;
    int i;
    int rc;
} s_snap_ctx_t;

static int
s_on_snapshot(void *ctx, const cb_md_msg_t *msg)
{
    s_snap_ctx_t *s = ctx;
    s->rc = cb_binance_book_on_snapshot(&s->f->book[s->i], msg);
    return 0;
}

/* GET /api/v3/depth for symbol i through the dialect, fed to its book. */
static int
s_fetch(s_feed_t *f, int i)
{
    cb_rest_args_t a = {.ins = f->ins[i], .limit = 1000};
    cb_venue_error_t err;
    s_snap_ctx_t s = {f, i, -1};
    assert_int_equal(s_public(&f->rest, CB_REST_BOOK, &a, s_on_snapshot, &s, &err), 0);
    assert_true(s.rc >= 0);
    f->fetch[i] = s.rc != CB_BINANCE_BOOK_OK;
    return s.rc;
}

/* Reads one stream message (1 s at most), then fetches the snapshots wanted. */
static bool
s_step(cbh_ws_t *ws, cb_md_parser_t *p, s_feed_t *f, int timeout_ms)
{
    size_t len;
    char *m = cbh_ws_recv(ws, timeout_ms, &len);
    if (m == NULL) {
        return false;
    }
    assert_int_equal(cb_binance_ops.ws_parse(p, m, len, s_on_stream, f), 0);
    free(m);
    f->messages++;
    for (int i = 0; i < NSYM; i++) {
        if (f->fetch[i]) {
            s_fetch(f, i);
        }
    }
    return true;
}

/* A book and a fresh snapshot agree on their top n levels (all of them
 * when the snapshot holds fewer: the sim's book is shallow). */
static void
s_compare(const cb_book_local_t *mine, const cb_book_local_t *theirs, size_t n)
{
    size_t nb = theirs->nbids < n ? theirs->nbids : n;
    size_t na = theirs->nasks < n ? theirs->nasks : n;
    assert_true(nb > 0 && na > 0);
    assert_true(mine->nbids >= nb && mine->nasks >= na);
    if (theirs->nbids < n) {
        assert_int_equal(mine->nbids, theirs->nbids);
    }
    if (theirs->nasks < n) {
        assert_int_equal(mine->nasks, theirs->nasks);
    }
    for (size_t k = 0; k < nb; k++) {
        assert_int_equal(cb_decimal_cmp(mine->bids[k].price, theirs->bids[k].price), 0);
        assert_int_equal(cb_decimal_cmp(mine->bids[k].qty, theirs->bids[k].qty), 0);
    }
    for (size_t k = 0; k < na; k++) {
        assert_int_equal(cb_decimal_cmp(mine->asks[k].price, theirs->asks[k].price), 0);
        assert_int_equal(cb_decimal_cmp(mine->asks[k].qty, theirs->asks[k].qty), 0);
    }
}

static int
s_load_book(void *ctx, const cb_md_msg_t *msg)
{
    cb_book_local_t *b = ctx;
    assert_int_equal(cb_book_local_load(b, msg->book.bids.items, msg->book.bids.count,
                                        msg->book.asks.items, msg->book.asks.count),
                     0);
    b->update_id = msg->book.update_id;
    return 0;
}

static void
test_local_books(void **state)
{
    (void) state;
    s_load_instruments();
    static s_feed_t f;
    memset(&f, 0, sizeof f);
    f.gap_symbol = -1;
    f.ins[0] = cb_instruments_by_symbol(&s_list, CB_STR("BTC-USDT"));
    f.ins[1] = cb_instruments_by_symbol(&s_list, CB_STR("ETH-USDT"));
    assert_true(f.ins[0] != NULL && f.ins[1] != NULL);
    for (int i = 0; i < NSYM; i++) {
        cb_binance_book_init(&f.book[i], 0, 0, 0);
    }
    /* The combined URL the dialect builds is the one the test asked for. */
    cb_ws_channels_t ch = {.book_depth = 1000};
    char url[1024];
    assert_int_equal(cb_binance_ops.ws_url(&s_venue, f.ins, NSYM, &ch, url, sizeof url), 0);
    const char *path = strstr(url, "/binance/");
    assert_non_null(path);
    assert_string_equal(path, "/binance/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms");
    cbh_ws_t *ws = cbh_simws_open(path);
    cb_md_parser_t p;
    memset(&p, 0, sizeof p);

    /* ~1000 messages (10 a second per symbol): books kept without a gap. */
    int want = getenv("CB_TEST_BINANCE_MSGS") != NULL ? atoi(getenv("CB_TEST_BINANCE_MSGS")) : 1000;
    int64_t t0 = cb_time_mono_ns();
    while (f.messages < want) {
        assert_true(s_step(ws, &p, &f, 2000));
    }
    double secs = (double) (cb_time_mono_ns() - t0) / 1e9;
    for (int i = 0; i < NSYM; i++) {
        assert_int_equal(cb_binance_book_state(&f.book[i]), CB_BINANCE_BOOK_LIVE);
        assert_int_equal(f.book[i].stats.gaps, 0);
        assert_true(f.book[i].stats.applied > (uint64_t) want / 4);
        assert_true(cb_book_local_sane(&f.book[i].book));
        printf("%s: %" PRIu64 " applied, %" PRIu64 " stale, %" PRIu64 " buffered, %" PRIu64
               " snapshots, %" PRIu64 " refetches, %zu bids %zu asks at %" PRIu64 "\n",
               f.ins[i]->symbol, f.book[i].stats.applied, f.book[i].stats.stale,
               f.book[i].stats.buffered, f.book[i].stats.snapshots, f.book[i].stats.refetches,
               f.book[i].book.nbids, f.book[i].book.nasks, f.book[i].book.update_id);
    }
    printf("%d messages in %.1f s\n", f.messages, secs);

    /* A quiet market: a fresh REST snapshot and the books line up. */
    cbh_simws_do(CBH_SIMWS_PAUSE, SIM_VENUE_BINANCE, 0);
    while (s_step(ws, &p, &f, 400)) {
    }
    for (int i = 0; i < NSYM; i++) {
        cb_book_local_t fresh;
        cb_book_local_init(&fresh, 0);
        cb_rest_args_t a = {.ins = f.ins[i], .limit = 1000};
        cb_venue_error_t err;
        assert_int_equal(s_public(&f.rest, CB_REST_BOOK, &a, s_load_book, &fresh, &err), 0);
        int64_t deadline = cb_time_mono_ns() + 2000000000LL;
        while (f.book[i].book.update_id < fresh.update_id && cb_time_mono_ns() < deadline) {
            s_step(ws, &p, &f, 200);
        }
        assert_int_equal(f.book[i].book.update_id, fresh.update_id);
        s_compare(&f.book[i].book, &fresh, 20);
        printf("%s: identical to a fresh snapshot at update %" PRIu64 " (%zu bids, %zu asks)\n",
               f.ins[i]->symbol, fresh.update_id, fresh.nbids, fresh.nasks);
        cb_book_local_fini(&fresh);
    }
    cbh_simws_do(CBH_SIMWS_RESUME, SIM_VENUE_BINANCE, 0);

    /* An injected gap: exactly that symbol resyncs, the other stays live. */
    for (int k = 0; k < 10; k++) {
        s_step(ws, &p, &f, 1000);
    }
    assert_true(cbh_simws_do(CBH_SIMWS_GAP, SIM_VENUE_BINANCE, 0).rc >= 1);
    int64_t deadline = cb_time_mono_ns() + 5000000000LL;
    while (f.gap_symbol < 0 && cb_time_mono_ns() < deadline) {
        size_t len;
        char *m = cbh_ws_recv(ws, 200, &len);
        if (m == NULL) {
            continue;
        }
        assert_int_equal(cb_binance_ops.ws_parse(&p, m, len, s_on_stream, &f), 0);
        free(m);
    }
    assert_true(f.gap_symbol >= 0);
    int g = f.gap_symbol;
    assert_int_equal(cb_binance_book_state(&f.book[g]), CB_BINANCE_BOOK_RESYNCING);
    assert_int_equal(f.gap_other_state, CB_BINANCE_BOOK_LIVE);
    assert_int_equal(cb_binance_book_state(&f.book[1 - g]), CB_BINANCE_BOOK_LIVE);
    assert_int_equal(f.book[g].stats.gaps, 1);
    assert_int_equal(f.book[1 - g].stats.gaps, 0);
    assert_true(f.fetch[g] && !f.fetch[1 - g]);
    uint64_t snaps_other = f.book[1 - g].stats.snapshots;
    /* The new snapshot (only for that symbol) makes it live again. */
    deadline = cb_time_mono_ns() + 5000000000LL;
    while (cb_time_mono_ns() < deadline &&
           (f.fetch[g] || cb_binance_book_state(&f.book[g]) != CB_BINANCE_BOOK_LIVE ||
            f.book[g].stats.applied == 0)) {
        if (f.fetch[g]) {
            s_fetch(&f, g);
        }
        s_step(ws, &p, &f, 500);
    }
    assert_int_equal(cb_binance_book_state(&f.book[g]), CB_BINANCE_BOOK_LIVE);
    for (int k = 0; k < 20; k++) {
        s_step(ws, &p, &f, 1000);
    }
    assert_int_equal(cb_binance_book_state(&f.book[0]), CB_BINANCE_BOOK_LIVE);
    assert_int_equal(cb_binance_book_state(&f.book[1]), CB_BINANCE_BOOK_LIVE);
    assert_int_equal(f.book[g].stats.gaps, 1);
    assert_int_equal(f.book[1 - g].stats.gaps, 0);
    assert_int_equal(f.book[1 - g].stats.snapshots, snaps_other);
    printf("gap on %s: resynced with snapshot #%" PRIu64 "; %s stayed live\n", f.ins[g]->symbol,
           f.book[g].stats.snapshots, f.ins[1 - g]->symbol);
    cbh_ws_close(&ws);
    for (int i = 0; i < NSYM; i++) {
        cb_binance_book_fini(&f.book[i]);
    }
    cb_md_parser_fini(&f.rest);
    cb_md_parser_fini(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public_rest),
        cmocka_unit_test(test_signed_account),
        cmocka_unit_test(test_local_books),
    };
    return cmocka_run_group_tests_name("binance_feed", tests, s_setup, s_teardown);
}
