/* test_coinbase.c - the Coinbase Exchange dialect on its documented replies and feed messages, and on hostile input */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_coinbase.h"
#include "cb_error.h"
#include "cb_time.h"

/* ---- capture ------------------------------------------------------------------ */

#define CAP_MAX 64

typedef struct {
    cb_md_type_t type;
    char native[64];
    char channel[64];
    char text[600];   /* a one-line rendering of the item */
    int64_t server_ms;
    uint64_t prev_update_id;
    size_t count;
} cap_item_t;

typedef struct {
    cap_item_t items[CAP_MAX];
    size_t n;
    int stop_with; /* emit returns this (0: go on) */
} cap_t;

static void
s_dec(char *buf, size_t size, cb_decimal_t d)
{
    assert_true(cb_decimal_format(d, buf, size) > 0);
}

static void
s_cat(char *out, size_t size, const char *fmt, ...)
{
    size_t used = strlen(out);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + used, size - used, fmt, ap);
    va_end(ap);
}

static void
s_levels(char *out, size_t size, const char *name, cb_levels_t lv)
{
    s_cat(out, size, "%s[", name);
    for (uint32_t i = 0; i < lv.count && i < 8; i++) {
        char p[CB_DECIMAL_STR_MAX], q[CB_DECIMAL_STR_MAX];
        s_dec(p, sizeof p, lv.items[i].price);
        s_dec(q, sizeof q, lv.items[i].qty);
        s_cat(out, size, "%s%s@%s", i ? " " : "", q, p);
    }
    s_cat(out, size, "]");
}

/* Every item must encode under its proto schema once symbol and venue are set. */
static void
s_encodes(const cb_md_msg_t *m)
{
    cb_buf_t out;
    cb_buf_init(&out);
    cb_proto_err_t err;
    cb_str_t sym = CB_STR("BTC-USD");
    cb_str_t venue = CB_STR("coinbase");
    int rc = 0;
    if (m->type == CB_MD_TICK) {
        cb_tick_t t = m->tick;
        CB_PROTO_SET(&t, tick, symbol, sym);
        CB_PROTO_SET(&t, tick, venue, venue);
        rc = cb_proto_encode(&cb_proto_schema_tick, &t, &out, &err);
    } else if (m->type == CB_MD_BOOK) {
        cb_book_t b = m->book;
        CB_PROTO_SET(&b, book, symbol, sym);
        CB_PROTO_SET(&b, book, venue, venue);
        rc = cb_proto_encode(&cb_proto_schema_book, &b, &out, &err);
    }
    for (size_t i = 0; rc == 0 && m->type == CB_MD_TRADES && i < m->count; i++) {
        cb_trade_t t = m->trades[i];
        CB_PROTO_SET(&t, trade, symbol, sym);
        CB_PROTO_SET(&t, trade, venue, venue);
        rc = cb_proto_encode(&cb_proto_schema_trade, &t, &out, &err);
    }
    for (size_t i = 0; rc == 0 && m->type == CB_MD_CANDLES && i < m->count; i++) {
        cb_candle_t c = m->candles[i];
        CB_PROTO_SET(&c, candle, symbol, sym);
        CB_PROTO_SET(&c, candle, venue, venue);
        rc = cb_proto_encode(&cb_proto_schema_candle, &c, &out, &err);
    }
    if (rc != 0) {
        fail_msg("item of type %d does not encode: %s", (int) m->type, err.message);
    }
    cb_buf_fini(&out);
}

static int
s_emit(void *ctx, const cb_md_msg_t *m)
{
    s_encodes(m);
    cap_t *cap = ctx;
    assert_true(cap->n < CAP_MAX);
    cap_item_t *it = &cap->items[cap->n++];
    memset(it, 0, sizeof(*it));
    it->type = m->type;
    snprintf(it->native, sizeof it->native, "%.*s", (int) m->native.len, m->native.ptr);
    snprintf(it->channel, sizeof it->channel, "%.*s", (int) m->channel.len, m->channel.ptr);
    it->server_ms = m->server_ms;
    it->prev_update_id = m->prev_update_id;
    it->count = m->count;
    char a[CB_DECIMAL_STR_MAX], b[CB_DECIMAL_STR_MAX];
    char *t = it->text;
    size_t ts = sizeof it->text;
    switch (m->type) {
    case CB_MD_TICK: {
        const cb_tick_t *k = &m->tick;
        assert_true(CB_PROTO_HAS(k, tick, bid) && CB_PROTO_HAS(k, tick, ask));
        s_dec(a, sizeof a, k->bid);
        s_dec(b, sizeof b, k->ask);
        s_cat(t, ts, "bid=%s ask=%s", a, b);
        if (CB_PROTO_HAS(k, tick, bid_qty)) {
            s_dec(a, sizeof a, k->bid_qty);
            s_cat(t, ts, " bq=%s", a);
        }
        if (CB_PROTO_HAS(k, tick, ask_qty)) {
            s_dec(a, sizeof a, k->ask_qty);
            s_cat(t, ts, " aq=%s", a);
        }
        if (CB_PROTO_HAS(k, tick, last)) {
            s_dec(a, sizeof a, k->last);
            s_cat(t, ts, " last=%s", a);
        }
        if (CB_PROTO_HAS(k, tick, volume)) {
            s_dec(a, sizeof a, k->volume);
            s_cat(t, ts, " vol=%s", a);
        }
        if (CB_PROTO_HAS(k, tick, exch_ts)) {
            s_cat(t, ts, " ts=%lld", (long long) k->exch_ts);
        }
        break;
    }
    case CB_MD_TRADES:
        for (size_t i = 0; i < m->count; i++) {
            const cb_trade_t *r = &m->trades[i];
            assert_true(CB_PROTO_HAS(r, trade, price) && CB_PROTO_HAS(r, trade, qty) &&
                        CB_PROTO_HAS(r, trade, side));
            s_dec(a, sizeof a, r->price);
            s_dec(b, sizeof b, r->qty);
            s_cat(t, ts, "%s%.*s:%.*s %s@%s ts=%lld", i ? "; " : "", (int) r->trade_id.len,
                  r->trade_id.ptr, (int) r->side.len, r->side.ptr, b, a, (long long) r->exch_ts);
        }
        break;
    case CB_MD_BOOK: {
        const cb_book_t *k = &m->book;
        assert_true(CB_PROTO_HAS(k, book, snapshot) && CB_PROTO_HAS(k, book, bids) &&
                    CB_PROTO_HAS(k, book, asks));
        s_cat(t, ts, "%s ", k->snapshot ? "snap" : "upd");
        s_levels(t, ts, "b", k->bids);
        s_levels(t, ts, " a", k->asks);
        if (CB_PROTO_HAS(k, book, update_id)) {
            s_cat(t, ts, " id=%llu", (unsigned long long) k->update_id);
        }
        if (CB_PROTO_HAS(k, book, exch_ts)) {
            s_cat(t, ts, " ts=%lld", (long long) k->exch_ts);
        }
        break;
    }
    case CB_MD_CANDLES:
        for (size_t i = 0; i < m->count; i++) {
            const cb_candle_t *c = &m->candles[i];
            char o[CB_DECIMAL_STR_MAX], h[CB_DECIMAL_STR_MAX], l[CB_DECIMAL_STR_MAX];
            char cl[CB_DECIMAL_STR_MAX], v[CB_DECIMAL_STR_MAX];
            s_dec(o, sizeof o, c->open);
            s_dec(h, sizeof h, c->high);
            s_dec(l, sizeof l, c->low);
            s_dec(cl, sizeof cl, c->close);
            s_dec(v, sizeof v, c->volume);
            s_cat(t, ts, "%s%.*s %lld o=%s h=%s l=%s c=%s v=%s %s", i ? "; " : "",
                  (int) c->interval.len, c->interval.ptr, (long long) (c->open_ts / 1000000000),
                  o, h, l, cl, v, c->closed ? "closed" : "open");
        }
        break;
    case CB_MD_ERROR:
    case CB_MD_STATUS:
        assert_non_null(m->message);
        snprintf(t, ts, "%s", m->message);
        break;
    default:
        break;
    }
    return cap->stop_with;
}

static cb_rest_args_t
s_args(const cb_instrument_t *ins, int interval_s, int64_t since_ms, int limit)
{
    cb_rest_args_t a = {.ins = ins, .interval_s = interval_s, .since_ms = since_ms, .limit = limit};
    return a;
}

static cb_instrument_t
s_btcusd(void)
{
    cb_instrument_t in;
    memset(&in, 0, sizeof in);
    strcpy(in.symbol, "BTC-USD");
    strcpy(in.native, "BTC-USD");
    strcpy(in.altname, "BTC-USD");
    strcpy(in.ws_name, "BTC-USD");
    return in;
}

/* Parses body as the reply to op from an exact-size heap copy (ASan sees overreads). */
static int
s_rest(cb_md_parser_t *p, cb_rest_op_t op, const cb_rest_args_t *args, int status,
       const char *body, cb_instruments_t *list, cap_t *cap, cb_venue_error_t *err)
{
    size_t len = strlen(body);
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, body, len);
    memset(cap, 0, sizeof(*cap));
    int rc = cb_coinbase_ops.rest_parse(p, op, args, status, copy, len, list, s_emit, cap, err);
    free(copy);
    return rc;
}

static int
s_ws(cb_md_parser_t *p, const char *msg, cap_t *cap)
{
    size_t len = strlen(msg);
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, msg, len);
    memset(cap, 0, sizeof(*cap));
    int rc = cb_coinbase_ops.ws_parse(p, copy, len, s_emit, cap);
    free(copy);
    return rc;
}

/* ---- documented replies (fixtures copied from the docs' examples) ------------------- */

static const char k_time[] = "{\"iso\":\"2015-01-07T23:47:25.201Z\",\"epoch\":1420674445.201}";

static const char k_products[] =
    "[{\"id\":\"BTC-USD\",\"base_currency\":\"BTC\",\"quote_currency\":\"USD\","
    "\"quote_increment\":\"0.01000000\",\"base_increment\":\"0.00000001\","
    "\"display_name\":\"BTC/USD\",\"min_market_funds\":\"10\",\"margin_enabled\":false,"
    "\"post_only\":false,\"limit_only\":false,\"cancel_only\":false,\"status\":\"online\","
    "\"status_message\":\"\",\"auction_mode\":true},"
    /* an older reply with base_min_size, trading disabled */
    "{\"id\":\"ETH-EUR\",\"base_currency\":\"ETH\",\"quote_currency\":\"EUR\","
    "\"quote_increment\":\"0.01\",\"base_increment\":\"0.00000001\",\"base_min_size\":\"0.001\","
    "\"base_max_size\":\"70\",\"min_market_funds\":null,\"status\":\"online\","
    "\"trading_disabled\":true,\"fx_stablecoin\":false},"
    /* a stable pair, delisted */
    "{\"id\":\"USDT-USDC\",\"base_currency\":\"USDT\",\"quote_currency\":\"USDC\","
    "\"quote_increment\":\"0.0001\",\"base_increment\":\"0.01\",\"min_market_funds\":\"1\","
    "\"status\":\"delisted\",\"trading_disabled\":false,\"fx_stablecoin\":true},"
    /* not representable: skipped */
    "{\"id\":\"B\\u00e4D-USD\",\"base_currency\":\"B\\u00e4D\",\"quote_currency\":\"USD\","
    "\"quote_increment\":\"0.01\",\"base_increment\":\"1\",\"status\":\"online\"},"
    "{\"id\":\"X-USD\",\"base_currency\":\"X\",\"quote_currency\":\"USD\","
    "\"quote_increment\":\"0\",\"base_increment\":\"1\",\"status\":\"online\"}]";

static const char k_ticker[] =
    "{\"ask\":\"6267.71\",\"bid\":\"6265.15\",\"volume\":\"53602.03940154\",\"trade_id\":86326522,"
    "\"price\":\"6268.48\",\"size\":\"0.00698254\",\"time\":\"2020-03-20T00:22:57.833Z\"}";

static const char k_candles[] = "[[1415398768, 0.32, 4.2, 0.35, 4.2, 12.3],"
                                " [1415398708, 0.30, 0.33, 0.31, 0.32, 1.50000001]]";

static const char k_book[] =
    "{\"bids\":[[\"6247.58\",\"6.3578146\",2],[\"6247.5\",\"1\",1]],"
    "\"asks\":[[\"6251.52\",\"2\",1]],\"sequence\":13051505638,\"auction_mode\":false,"
    "\"auction\":null,\"time\":\"2020-03-20T00:22:57.833Z\"}";

static const char k_trades[] =
    "[{\"time\":\"2014-11-07T22:19:28.578544Z\",\"trade_id\":74,\"price\":\"10.00000000\","
    "\"size\":\"0.01000000\",\"side\":\"buy\"},"
    "{\"time\":\"2014-11-07T01:08:43.642366Z\",\"trade_id\":73,\"price\":\"100.00000000\","
    "\"size\":\"0.01000000\",\"side\":\"sell\"}]";

static void
test_time(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cap_t cap;
    cb_venue_error_t err;
    assert_int_equal(s_rest(&p, CB_REST_TIME, NULL, 200, k_time, NULL, &cap, &err), 0);
    assert_int_equal(cap.n, 1);
    assert_int_equal(cap.items[0].type, CB_MD_TIME);
    assert_int_equal(cap.items[0].server_ms, 1420674445201LL);
    /* iso only */
    assert_int_equal(s_rest(&p, CB_REST_TIME, NULL, 200, "{\"iso\":\"2015-01-07T23:47:25.201Z\"}",
                            NULL, &cap, &err),
                     0);
    assert_int_equal(cap.items[0].server_ms, 1420674445201LL);
    /* an integer epoch */
    assert_int_equal(s_rest(&p, CB_REST_TIME, NULL, 200, "{\"epoch\":1420674445}", NULL, &cap,
                            &err),
                     0);
    assert_int_equal(cap.items[0].server_ms, 1420674445000LL);
    assert_int_equal(s_rest(&p, CB_REST_TIME, NULL, 200, "{\"epoch\":\"x\"}", NULL, &cap, &err),
                     CB_E_PARSE);
    assert_int_equal(err.cls, CB_VERR_BAD_REPLY);
    assert_int_equal(s_rest(&p, CB_REST_TIME, NULL, 200, "[]", NULL, &cap, &err), CB_E_PARSE);
    cb_md_parser_fini(&p);
}

static void
test_time_parse(void **state)
{
    (void) state;
    int64_t ns;
    const char *a = "2014-11-07T08:19:28.464459Z";
    assert_int_equal(cb_time_parse_rfc3339(a, strlen(a), &ns), 0);
    assert_int_equal(ns, 1415348368464459000LL);
    a = "1970-01-01T00:00:00Z";
    assert_int_equal(cb_time_parse_rfc3339(a, strlen(a), &ns), 0);
    assert_int_equal(ns, 0);
    a = "2014-11-07T10:19:28.5+02:00";
    assert_int_equal(cb_time_parse_rfc3339(a, strlen(a), &ns), 0);
    assert_int_equal(ns, 1415348368500000000LL);
    a = "2023-07-04T18:14:39"; /* no zone: UTC */
    assert_int_equal(cb_time_parse_rfc3339(a, strlen(a), &ns), 0);
    assert_int_equal(ns, 1688494479000000000LL);
    a = "2024-02-29T00:00:00.1234567891234Z"; /* leap day; digits past ns truncated */
    assert_int_equal(cb_time_parse_rfc3339(a, strlen(a), &ns), 0);
    assert_int_equal(ns, 1709164800123456789LL);
    const char *bad[] = {"",
                         "2014-11-07",
                         "2014-11-07T08:19:28.Z",
                         "2014-13-07T08:19:28Z",
                         "2023-02-29T08:19:28Z",
                         "2014-11-07T24:19:28Z",
                         "2014-11-07T08:19:28ZZ",
                         "1969-12-31T23:59:59Z",
                         "9999-11-07T08:19:28Z",
                         "2014-11-07T08:19:28+0200",
                         "2014-11-07T08:19:28+02:00x",
                         "1970-01-01T00:00:00+00:01",
                         "2O14-11-07T08:19:28Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(cb_time_parse_rfc3339(bad[i], strlen(bad[i]), &ns), CB_E_PARSE);
    }
}

static void
test_products(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cap_t cap;
    cb_venue_error_t err;
    cb_instruments_t list = {0};
    assert_int_equal(s_rest(&p, CB_REST_INSTRUMENTS, NULL, 200, k_products, &list, &cap, &err), 0);
    assert_int_equal(list.count, 3);
    char buf[CB_DECIMAL_STR_MAX];

    const cb_instrument_t *b = cb_instruments_by_symbol(&list, CB_STR("BTC-USD"));
    assert_non_null(b);
    assert_string_equal(b->native, "BTC-USD");
    assert_string_equal(b->ws_name, "BTC-USD");
    assert_string_equal(b->altname, "BTC-USD");
    assert_string_equal(b->base, "BTC");
    assert_string_equal(b->quote, "USD");
    assert_string_equal(b->native_base, "BTC");
    s_dec(buf, sizeof buf, b->tick_size);
    assert_string_equal(buf, "0.01");
    s_dec(buf, sizeof buf, b->lot_size);
    assert_string_equal(buf, "0.00000001");
    assert_int_equal(b->price_decimals, 2);
    assert_int_equal(b->qty_decimals, 8);
    assert_true(cb_decimal_is_zero(b->min_qty));
    s_dec(buf, sizeof buf, b->min_notional);
    assert_string_equal(buf, "10");
    s_dec(buf, sizeof buf, b->taker_fee);
    assert_string_equal(buf, "0.006");
    s_dec(buf, sizeof buf, b->maker_fee);
    assert_string_equal(buf, "0.004");
    assert_true(b->trading);

    const cb_instrument_t *e = cb_instruments_by_native(&list, CB_STR("ETH-EUR"));
    assert_non_null(e);
    s_dec(buf, sizeof buf, e->min_qty);
    assert_string_equal(buf, "0.001");
    assert_true(cb_decimal_is_zero(e->min_notional));
    assert_false(e->trading);

    const cb_instrument_t *s = cb_instruments_by_symbol(&list, CB_STR("USDT-USDC"));
    assert_non_null(s);
    assert_true(cb_decimal_is_zero(s->maker_fee));
    assert_false(s->trading);
    assert_int_equal(s->price_decimals, 4);
    assert_int_equal(s->qty_decimals, 2);

    /* Not an array / an item not an object: nothing is kept. */
    assert_int_equal(s_rest(&p, CB_REST_INSTRUMENTS, NULL, 200, "{\"id\":1}", &list, &cap, &err),
                     CB_E_PARSE);
    assert_int_equal(s_rest(&p, CB_REST_INSTRUMENTS, NULL, 200, "[1]", &list, &cap, &err),
                     CB_E_PARSE);
    assert_int_equal(list.count, 3);
    cb_instruments_fini(&list);
    cb_md_parser_fini(&p);
}

static void
test_ticker(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cap_t cap;
    cb_venue_error_t err;
    cb_instrument_t in = s_btcusd();
    cb_rest_args_t a = s_args(&in, 0, 0, 0);
    assert_int_equal(s_rest(&p, CB_REST_TICKER, &a, 200, k_ticker, NULL, &cap, &err), 0);
    assert_int_equal(cap.n, 1);
    assert_int_equal(cap.items[0].type, CB_MD_TICK);
    assert_string_equal(cap.items[0].native, "BTC-USD");
    assert_string_equal(cap.items[0].text, "bid=6265.15 ask=6267.71 last=6268.48 "
                                           "vol=53602.03940154 ts=1584663777833000000");
    assert_int_equal(s_rest(&p, CB_REST_TICKER, &a, 200, "{\"ask\":\"1\"}", NULL, &cap, &err),
                     CB_E_PARSE);
    assert_int_equal(
        s_rest(&p, CB_REST_TICKER, &a, 200, "{\"ask\":\"1\",\"bid\":1.5e400}", NULL, &cap, &err),
        CB_E_PARSE);
    cb_md_parser_fini(&p);
}

static void
test_candles(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cap_t cap;
    cb_venue_error_t err;
    cb_instrument_t in = s_btcusd();
    cb_rest_args_t a = s_args(&in, 60, 0, 0);
    assert_int_equal(s_rest(&p, CB_REST_OHLC, &a, 200, k_candles, NULL, &cap, &err), 0);
    assert_int_equal(cap.n, 1);
    assert_int_equal(cap.items[0].type, CB_MD_CANDLES);
    assert_int_equal(cap.items[0].count, 2);
    assert_string_equal(cap.items[0].text,
                        "1m 1415398708 o=0.31 h=0.33 l=0.3 c=0.32 v=1.50000001 closed; "
                        "1m 1415398768 o=0.35 h=4.2 l=0.32 c=4.2 v=12.3 open");
    /* limit keeps the newest */
    a.limit = 1;
    assert_int_equal(s_rest(&p, CB_REST_OHLC, &a, 200, k_candles, NULL, &cap, &err), 0);
    assert_string_equal(cap.items[0].text, "1m 1415398768 o=0.35 h=4.2 l=0.32 c=4.2 v=12.3 open");
    a.limit = 0;
    assert_int_equal(s_rest(&p, CB_REST_OHLC, &a, 200, "[]", NULL, &cap, &err), 0);
    assert_int_equal(cap.items[0].count, 0);
    const char *bad[] = {"[[1415398768, 0.32, 4.2, 0.35, 4.2]]",
                         "[[1415398768, 0.32, 4.2, 0.35, 4.2, \"x\"]]",
                         "[[-1, 0.32, 4.2, 0.35, 4.2, 1]]",
                         "[[1.5, 0.32, 4.2, 0.35, 4.2, 1]]",
                         "[[99999999999999999, 0.32, 4.2, 0.35, 4.2, 1]]",
                         "[[1, -0.32, 4.2, 0.35, 4.2, 1]]",
                         "[{}]",
                         "{}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(s_rest(&p, CB_REST_OHLC, &a, 200, bad[i], NULL, &cap, &err), CB_E_PARSE);
    }
    a.interval_s = 604800; /* no weekly candles at Coinbase */
    assert_int_equal(s_rest(&p, CB_REST_OHLC, &a, 200, k_candles, NULL, &cap, &err),
                     CB_E_BAD_REQUEST);
    cb_md_parser_fini(&p);
}

static void
test_book(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cap_t cap;
    cb_venue_error_t err;
    cb_instrument_t in = s_btcusd();
    cb_rest_args_t a = s_args(&in, 0, 0, 0);
    assert_int_equal(s_rest(&p, CB_REST_BOOK, &a, 200, k_book, NULL, &cap, &err), 0);
    assert_int_equal(cap.n, 1);
    assert_string_equal(cap.items[0].text, "snap b[6.3578146@6247.58 1@6247.5] a[2@6251.52] "
                                           "id=13051505638 ts=1584663777833000000");
    a.limit = 1;
    assert_int_equal(s_rest(&p, CB_REST_BOOK, &a, 200, k_book, NULL, &cap, &err), 0);
    assert_string_equal(cap.items[0].text,
                        "snap b[6.3578146@6247.58] a[2@6251.52] id=13051505638 "
                        "ts=1584663777833000000");
    /* sequence quoted */
    assert_int_equal(s_rest(&p, CB_REST_BOOK, &a, 200,
                            "{\"bids\":[],\"asks\":[],\"sequence\":\"42\"}", NULL, &cap, &err),
                     0);
    assert_string_equal(cap.items[0].text, "snap b[] a[] id=42");
    const char *bad[] = {"{\"bids\":[[\"1\"]],\"asks\":[]}", "{\"bids\":[[\"0\",\"1\",1]],\"asks\":[]}",
                         "{\"bids\":[],\"asks\":[[\"1\",\"-1\",1]]}", "{\"bids\":[]}",
                         "{\"bids\":[[1,2,3]],\"asks\":{}}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(s_rest(&p, CB_REST_BOOK, &a, 200, bad[i], NULL, &cap, &err), CB_E_PARSE);
    }
    cb_md_parser_fini(&p);
}

static void
test_trades(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cap_t cap;
    cb_venue_error_t err;
    cb_instrument_t in = s_btcusd();
    cb_rest_args_t a = s_args(&in, 0, 0, 0);
    assert_int_equal(s_rest(&p, CB_REST_TRADES, &a, 200, k_trades, NULL, &cap, &err), 0);
    assert_int_equal(cap.n, 1);
    assert_int_equal(cap.items[0].count, 2);
    /* oldest first; side is the maker's: the taker's is the opposite */
    assert_string_equal(cap.items[0].text,
                        "73:buy 0.01@100 ts=1415322523642366000; "
                        "74:sell 0.01@10 ts=1415398768578544000");
    a.since_ms = 1415398768000LL; /* drops the older one */
    assert_int_equal(s_rest(&p, CB_REST_TRADES, &a, 200, k_trades, NULL, &cap, &err), 0);
    assert_string_equal(cap.items[0].text, "74:sell 0.01@10 ts=1415398768578544000");
    a.since_ms = 0;
    a.limit = 1;
    assert_int_equal(s_rest(&p, CB_REST_TRADES, &a, 200, k_trades, NULL, &cap, &err), 0);
    assert_string_equal(cap.items[0].text, "74:sell 0.01@10 ts=1415398768578544000");
    const char *bad[] = {
        "[{\"time\":\"2014-11-07T22:19:28Z\",\"trade_id\":74,\"price\":\"10\",\"size\":\"1\","
        "\"side\":\"up\"}]",
        "[{\"time\":\"x\",\"trade_id\":74,\"price\":\"10\",\"size\":\"1\",\"side\":\"buy\"}]",
        "[{\"time\":\"2014-11-07T22:19:28Z\",\"trade_id\":-1,\"price\":\"10\",\"size\":\"1\","
        "\"side\":\"buy\"}]",
        "[{\"time\":\"2014-11-07T22:19:28Z\",\"trade_id\":1,\"size\":\"1\",\"side\":\"buy\"}]",
        "[null]",
        "{}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(s_rest(&p, CB_REST_TRADES, &a, 200, bad[i], NULL, &cap, &err),
                         CB_E_PARSE);
    }
    cb_md_parser_fini(&p);
}

static void
test_errors(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cap_t cap;
    cb_venue_error_t err;
    cb_instrument_t in = s_btcusd();
    cb_rest_args_t a = s_args(&in, 60, 0, 0);
    assert_int_equal(s_rest(&p, CB_REST_TICKER, &a, 404, "{\"message\":\"NotFound\"}", NULL, &cap,
                            &err),
                     CB_E_NOT_FOUND);
    assert_int_equal(err.cls, CB_VERR_UNKNOWN_SYMBOL);
    assert_int_equal(err.http_status, 404);
    assert_string_equal(err.message, "NotFound");
    assert_int_equal(cap.n, 0);
    assert_int_equal(s_rest(&p, CB_REST_TIME, NULL, 404, "{\"message\":\"NotFound\"}", NULL, &cap,
                            &err),
                     CB_E_NOT_FOUND);
    assert_int_equal(err.cls, CB_VERR_NOT_FOUND);
    assert_int_equal(s_rest(&p, CB_REST_BOOK, &a, 429, "{\"message\":\"Public rate limit exceeded\"}",
                            NULL, &cap, &err),
                     CB_E_RATE_LIMITED);
    assert_int_equal(err.cls, CB_VERR_RATE_LIMIT);
    assert_true(err.retry_after_ms > 0);
    assert_int_equal(s_rest(&p, CB_REST_OHLC, &a, 400,
                            "{\"message\":\"granularity too small for the requested time range\"}",
                            NULL, &cap, &err),
                     CB_E_UPSTREAM);
    assert_int_equal(err.cls, CB_VERR_REJECTED);
    assert_string_equal(err.message, "granularity too small for the requested time range");
    assert_int_equal(s_rest(&p, CB_REST_TRADES, &a, 401, "{\"message\":\"Unauthorized.\"}", NULL,
                            &cap, &err),
                     CB_E_UNAUTHORIZED);
    assert_int_equal(err.cls, CB_VERR_AUTH);
    assert_int_equal(s_rest(&p, CB_REST_TRADES, &a, 403, "", NULL, &cap, &err), CB_E_UNAUTHORIZED);
    assert_int_equal(s_rest(&p, CB_REST_TRADES, &a, 503, "<html>busy</html>", NULL, &cap, &err),
                     CB_E_UNAVAILABLE);
    assert_int_equal(err.cls, CB_VERR_UNAVAILABLE);
    assert_string_equal(err.message, "HTTP 503");
    /* an error envelope with 200 */
    assert_int_equal(s_rest(&p, CB_REST_TRADES, &a, 200, "{\"message\":\"Invalid product_id\"}",
                            NULL, &cap, &err),
                     CB_E_UPSTREAM);
    assert_int_equal(err.cls, CB_VERR_REJECTED);
    /* 200 with a body that is not JSON */
    assert_int_equal(s_rest(&p, CB_REST_TRADES, &a, 200, "<html>", NULL, &cap, &err), CB_E_PARSE);
    assert_int_equal(err.cls, CB_VERR_BAD_REPLY);

    /* classify() for any request */
    cb_venue_req_t req;
    memset(&req, 0, sizeof req);
    strcpy(req.method, "GET");
    strcpy(req.url, "https://api.exchange.coinbase.com/products/NOPE-USD/ticker");
    const char nf[] = "{\"message\":\"NotFound\"}";
    assert_int_equal(cb_coinbase_ops.classify(&req, false, true, 404, nf, sizeof nf - 1, 0, &err),
                     CB_E_NOT_FOUND);
    assert_int_equal(err.cls, CB_VERR_UNKNOWN_SYMBOL);
    assert_int_equal(cb_coinbase_ops.classify(&req, true, true, 0, NULL, 0, 0, &err),
                     CB_E_UNAVAILABLE);
    assert_int_equal(err.cls, CB_VERR_UNAVAILABLE);
    assert_int_equal(cb_coinbase_ops.classify(&req, false, true, 429, "", 0, 2500, &err),
                     CB_E_RATE_LIMITED);
    assert_int_equal(err.retry_after_ms, 2500);
    strcpy(req.url, "https://api.exchange.coinbase.com/time");
    assert_int_equal(cb_coinbase_ops.classify(&req, false, true, 404, nf, sizeof nf - 1, 0, &err),
                     CB_E_NOT_FOUND);
    assert_int_equal(err.cls, CB_VERR_NOT_FOUND);
    assert_int_equal(cb_coinbase_ops.classify(NULL, false, true, 502, "{", 1, 0, &err),
                     CB_E_UNAVAILABLE);
    /* the contract for requests that change state (none here, but the table is shared) */
    req.changes_state = true;
    assert_int_equal(cb_coinbase_ops.classify(&req, true, true, 0, NULL, 0, 0, &err),
                     CB_E_TIMEOUT);
    assert_int_equal(err.cls, CB_VERR_UNKNOWN_OUTCOME);
    assert_int_equal(cb_coinbase_ops.classify(&req, true, false, 0, NULL, 0, 0, &err),
                     CB_E_UNAVAILABLE);
    cb_md_parser_fini(&p);
}

static void
test_rest_url(void **state)
{
    (void) state;
    cb_venue_cfg_t v;
    memset(&v, 0, sizeof v);
    v.dialect = CB_DIALECT_COINBASE;
    strcpy(v.rest_base, "https://api.exchange.coinbase.com");
    strcpy(v.ws_url, "wss://ws-feed.exchange.coinbase.com");
    cb_instrument_t in = s_btcusd();
    cb_rest_args_t a = s_args(&in, 0, 0, 0);
    char url[1024];
    const cb_dialect_ops_t *o = &cb_coinbase_ops;
    assert_int_equal(o->dialect, CB_DIALECT_COINBASE);
    assert_int_equal(o->rest_url(&v, CB_REST_TIME, NULL, url, sizeof url), 0);
    assert_string_equal(url, "https://api.exchange.coinbase.com/time");
    assert_int_equal(o->rest_url(&v, CB_REST_INSTRUMENTS, NULL, url, sizeof url), 0);
    assert_string_equal(url, "https://api.exchange.coinbase.com/products");
    assert_int_equal(o->rest_url(&v, CB_REST_TICKER, &a, url, sizeof url), 0);
    assert_string_equal(url, "https://api.exchange.coinbase.com/products/BTC-USD/ticker");
    assert_int_equal(o->rest_url(&v, CB_REST_BOOK, &a, url, sizeof url), 0);
    assert_string_equal(url, "https://api.exchange.coinbase.com/products/BTC-USD/book?level=2");
    assert_int_equal(o->rest_url(&v, CB_REST_TRADES, &a, url, sizeof url), 0);
    assert_string_equal(url, "https://api.exchange.coinbase.com/products/BTC-USD/trades?limit=100");
    a.limit = 5000;
    assert_int_equal(o->rest_url(&v, CB_REST_TRADES, &a, url, sizeof url), 0);
    assert_string_equal(url,
                        "https://api.exchange.coinbase.com/products/BTC-USD/trades?limit=1000");
    a.limit = 0;
    a.interval_s = 3600;
    assert_int_equal(o->rest_url(&v, CB_REST_OHLC, &a, url, sizeof url), 0);
    assert_string_equal(url,
                        "https://api.exchange.coinbase.com/products/BTC-USD/candles?granularity=3600");
    a.since_ms = 1415398768000LL;
    a.limit = 10;
    assert_int_equal(o->rest_url(&v, CB_REST_OHLC, &a, url, sizeof url), 0);
    assert_string_equal(url, "https://api.exchange.coinbase.com/products/BTC-USD/candles?"
                             "granularity=3600&start=2014-11-07T22:19:28.000Z"
                             "&end=2014-11-08T07:19:28.000Z");
    int unsupported[] = {0, 1800, 14400, 21600, 604800, -60};
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        a.interval_s = unsupported[i];
        assert_int_equal(o->rest_url(&v, CB_REST_OHLC, &a, url, sizeof url), CB_E_BAD_REQUEST);
    }
    assert_int_equal(o->rest_url(&v, CB_REST_TICKER, NULL, url, sizeof url), CB_E_BAD_REQUEST);
    strcpy(in.native, "BTC/USD?x");
    assert_int_equal(o->rest_url(&v, CB_REST_TICKER, &a, url, sizeof url), CB_E_BAD_REQUEST);
    strcpy(in.native, "BTC-USD");
    assert_int_equal(o->rest_url(&v, CB_REST_TICKER, &a, url, 20), CB_E_TOO_BIG);
    assert_int_equal(o->rest_url(&v, (cb_rest_op_t) 99, &a, url, sizeof url), CB_E_BAD_REQUEST);
}

/* ---- WebSocket ----------------------------------------------------------------------- */

static void
test_ws_out(void **state)
{
    (void) state;
    const cb_dialect_ops_t *o = &cb_coinbase_ops;
    cb_venue_cfg_t v;
    memset(&v, 0, sizeof v);
    strcpy(v.ws_url, "wss://ws-feed.exchange.coinbase.com");
    cb_instrument_t b = s_btcusd();
    cb_instrument_t e = s_btcusd();
    strcpy(e.ws_name, "ETH-EUR");
    const cb_instrument_t *ins[] = {&b, &e};
    cb_ws_channels_t ch = {true, true, 50, 60};
    char url[512];
    assert_int_equal(o->ws_url(&v, ins, 2, &ch, url, sizeof url), 0);
    assert_string_equal(url, "wss://ws-feed.exchange.coinbase.com");
    assert_int_equal(o->ws_url(&v, ins, 2, &ch, url, 10), CB_E_TOO_BIG);

    cb_buf_t out;
    cb_buf_init(&out);
    assert_int_equal(o->ws_subscribe(ins, 2, &ch, 0, 7, &out), 1);
    assert_int_equal(o->ws_subscribe(ins, 2, &ch, 1, 8, &out), 0);
    assert_int_equal(out.len, strlen("{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\",\"ETH-EUR\"],"
                                     "\"channels\":[\"heartbeat\",\"ticker\",\"matches\","
                                     "\"level2_batch\"]}"));
    assert_memory_equal(out.data,
                        "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\",\"ETH-EUR\"],"
                        "\"channels\":[\"heartbeat\",\"ticker\",\"matches\",\"level2_batch\"]}",
                        out.len);
    cb_buf_reset(&out);
    cb_ws_channels_t only_ticker = {true, false, 0, 0};
    assert_int_equal(o->ws_subscribe(ins, 1, &only_ticker, 0, 7, &out), 1);
    assert_memory_equal(out.data,
                        "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\"],"
                        "\"channels\":[\"heartbeat\",\"ticker\"]}",
                        out.len);
    cb_buf_reset(&out);
    assert_int_equal(o->ws_subscribe(ins, 0, &ch, 0, 7, &out), CB_E_BAD_REQUEST);
    strcpy(e.ws_name, "ETH\"EUR");
    assert_int_equal(o->ws_subscribe(ins, 2, &ch, 0, 7, &out), CB_E_BAD_REQUEST);
    assert_int_equal(out.len, 0);

    assert_int_equal(o->ws_resubscribe_book(&b, 50, 0, 1, &out), 1);
    const char unsub[] =
        "{\"type\":\"unsubscribe\",\"product_ids\":[\"BTC-USD\"],\"channels\":[\"level2_batch\"]}";
    assert_int_equal(out.len, sizeof unsub - 1);
    assert_memory_equal(out.data, unsub, out.len);
    cb_buf_reset(&out);
    assert_int_equal(o->ws_resubscribe_book(&b, 50, 1, 2, &out), 1);
    const char sub[] =
        "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\"],\"channels\":[\"level2_batch\"]}";
    assert_int_equal(out.len, sizeof sub - 1);
    assert_memory_equal(out.data, sub, out.len);
    assert_int_equal(o->ws_resubscribe_book(&b, 50, 2, 3, &out), 0);
    cb_buf_reset(&out);
    assert_int_equal(o->ws_ping(1, &out), 0);
    assert_int_equal(out.len, 0);
    cb_buf_fini(&out);
}

/* Documented feed messages. */
static const char k_subscriptions[] =
    "{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"level2\",\"product_ids\":[\"ETH-USD\","
    "\"ETH-EUR\"]},{\"name\":\"heartbeat\",\"product_ids\":[\"ETH-USD\",\"ETH-EUR\"]},"
    "{\"name\":\"ticker\",\"product_ids\":[\"ETH-USD\",\"ETH-EUR\",\"ETH-BTC\"]}]}";
static const char k_heartbeat[] =
    "{\"type\":\"heartbeat\",\"sequence\":90,\"last_trade_id\":20,\"product_id\":\"BTC-USD\","
    "\"time\":\"2014-11-07T08:19:28.464459Z\"}";
static const char k_error[] =
    "{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":\"level2 channel requires "
    "authentication\"}";
static const char k_ws_ticker[] =
    "{\"type\":\"ticker\",\"sequence\":37475248783,\"product_id\":\"ETH-USD\",\"price\":\"1285.22\","
    "\"open_24h\":\"1310.79\",\"volume_24h\":\"245532.79269678\",\"low_24h\":\"1280.52\","
    "\"high_24h\":\"1313.8\",\"volume_30d\":\"9788783.60117027\",\"best_bid\":\"1285.04\","
    "\"best_bid_size\":\"0.46688654\",\"best_ask\":\"1285.27\",\"best_ask_size\":\"1.56637040\","
    "\"side\":\"buy\",\"time\":\"2022-10-19T23:28:22.061769Z\",\"trade_id\":370843401,"
    "\"last_size\":\"11.4396987\"}";
static const char k_snapshot[] =
    "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[[\"10101.10\",\"0.45054140\"]],"
    "\"asks\":[[\"10102.55\",\"0.57753524\"]]}";
static const char k_l2update[] =
    "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"time\":\"2019-08-14T20:42:27.265Z\","
    "\"changes\":[[\"buy\",\"10101.80000000\",\"0.162567\"],[\"sell\",\"10102.55\",\"0.00000000\"],"
    "[\"buy\",\"10101.10\",\"0\"]]}";
static const char k_match[] =
    "{\"type\":\"match\",\"trade_id\":10,\"sequence\":50,"
    "\"maker_order_id\":\"ac928c66-ca53-498f-9c13-a110027a60e8\","
    "\"taker_order_id\":\"132fb6ae-456b-4654-b4e0-d681ac05cea1\","
    "\"time\":\"2014-11-07T08:19:27.028459Z\",\"product_id\":\"BTC-USD\",\"size\":\"5.23512\","
    "\"price\":\"400.23\",\"side\":\"sell\"}";

static void
test_ws_parse(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cap_t cap;
    assert_int_equal(s_ws(&p, k_subscriptions, &cap), 0);
    assert_int_equal(cap.n, 7);
    assert_int_equal(cap.items[0].type, CB_MD_SUBSCRIBED);
    assert_string_equal(cap.items[0].channel, "level2");
    assert_string_equal(cap.items[0].native, "ETH-USD");
    assert_string_equal(cap.items[6].channel, "ticker");
    assert_string_equal(cap.items[6].native, "ETH-BTC");
    assert_int_equal(s_ws(&p, "{\"type\":\"subscriptions\",\"channels\":[\"heartbeat\"]}", &cap),
                     0);
    assert_int_equal(cap.n, 1);
    assert_string_equal(cap.items[0].channel, "heartbeat");
    assert_string_equal(cap.items[0].native, "");

    assert_int_equal(s_ws(&p, k_heartbeat, &cap), 0);
    assert_int_equal(cap.n, 1);
    assert_int_equal(cap.items[0].type, CB_MD_HEARTBEAT);
    assert_string_equal(cap.items[0].native, "BTC-USD");
    assert_int_equal(cap.items[0].prev_update_id, 90);

    assert_int_equal(s_ws(&p, k_error, &cap), 0);
    assert_int_equal(cap.items[0].type, CB_MD_ERROR);
    assert_string_equal(cap.items[0].text,
                        "Failed to subscribe: level2 channel requires authentication");
    assert_int_equal(s_ws(&p, "{\"type\":\"error\"}", &cap), 0);
    assert_string_equal(cap.items[0].text, "error");

    assert_int_equal(s_ws(&p, k_ws_ticker, &cap), 0);
    assert_int_equal(cap.n, 1);
    assert_int_equal(cap.items[0].type, CB_MD_TICK);
    assert_string_equal(cap.items[0].native, "ETH-USD");
    assert_int_equal(cap.items[0].prev_update_id, 37475248783ULL);
    assert_string_equal(cap.items[0].text,
                        "bid=1285.04 ask=1285.27 bq=0.46688654 aq=1.5663704 last=1285.22 "
                        "vol=245532.79269678 ts=1666222102061769000");

    assert_int_equal(s_ws(&p, k_snapshot, &cap), 0);
    assert_int_equal(cap.items[0].type, CB_MD_BOOK);
    assert_string_equal(cap.items[0].native, "BTC-USD");
    assert_string_equal(cap.items[0].text, "snap b[0.4505414@10101.1] a[0.57753524@10102.55]");

    assert_int_equal(s_ws(&p, k_l2update, &cap), 0);
    assert_string_equal(cap.items[0].text, "upd b[0.162567@10101.8 0@10101.1] a[0@10102.55] "
                                           "ts=1565815347265000000");

    assert_int_equal(s_ws(&p, k_match, &cap), 0);
    assert_int_equal(cap.items[0].type, CB_MD_TRADES);
    assert_int_equal(cap.items[0].count, 1);
    assert_int_equal(cap.items[0].prev_update_id, 50);
    assert_string_equal(cap.items[0].native, "BTC-USD");
    /* maker sold: the taker bought (an up-tick) */
    assert_string_equal(cap.items[0].text, "10:buy 5.23512@400.23 ts=1415348367028459000");
    char last[sizeof k_match + 8];
    snprintf(last, sizeof last, "{\"type\":\"last_match\"%s", strchr(k_match, ','));
    assert_int_equal(s_ws(&p, last, &cap), 0);
    assert_string_equal(cap.items[0].text, "10:buy 5.23512@400.23 ts=1415348367028459000");

    /* unknown types are ignored, as the feed's docs ask */
    assert_int_equal(s_ws(&p, "{\"type\":\"status\",\"products\":[]}", &cap), 0);
    assert_int_equal(cap.n, 0);

    /* emit's return stops the parse and is returned */
    memset(&cap, 0, sizeof cap);
    cap.stop_with = 77;
    assert_int_equal(cb_coinbase_ops.ws_parse(&p, k_subscriptions, sizeof k_subscriptions - 1,
                                              s_emit, &cap),
                     77);
    assert_int_equal(cap.n, 1);
    cb_md_parser_fini(&p);
}

static void
test_ws_malformed(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cap_t cap;
    const char *bad[] = {
        "",
        "null",
        "[]",
        "{}",
        "{\"type\":1}",
        "{\"type\":\"ticker\"}",
        "{\"type\":\"ticker\",\"best_bid\":\"1\",\"best_ask\":\"x\"}",
        "{\"type\":\"ticker\",\"best_bid\":\"-1\",\"best_ask\":\"1\"}",
        "{\"type\":\"ticker\",\"best_bid\":\"1\",\"best_ask\":\"1\",\"price\":{}}",
        "{\"type\":\"snapshot\",\"bids\":[[\"1\",\"1\"]]}",
        "{\"type\":\"snapshot\",\"bids\":[[\"1\"]],\"asks\":[]}",
        "{\"type\":\"snapshot\",\"bids\":[\"1\",\"1\"],\"asks\":[]}",
        "{\"type\":\"l2update\",\"changes\":{}}",
        "{\"type\":\"l2update\",\"changes\":[[\"hold\",\"1\",\"1\"]]}",
        "{\"type\":\"l2update\",\"changes\":[[\"buy\",\"1\"]]}",
        "{\"type\":\"l2update\",\"changes\":[[\"buy\",\"0\",\"1\"]]}",
        "{\"type\":\"l2update\",\"changes\":[[\"buy\",\"1e999\",\"1\"]]}",
        "{\"type\":\"match\",\"trade_id\":1,\"price\":\"1\",\"size\":\"1\",\"side\":\"up\"}",
        "{\"type\":\"match\",\"trade_id\":\"x\",\"price\":\"1\",\"size\":\"1\",\"side\":\"buy\"}",
        "{\"type\":\"match\",\"price\":\"1\",\"size\":\"1\",\"side\":\"buy\"}",
        "{\"type\":\"subscriptions\",\"channels\":[1]}",
        "{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"x\",\"product_ids\":[1]}]}",
        "{\"type\":\"subscriptions\"}",
        "{\"type\":\"ticker\"",
        "{\"type\":\"ticker\"}}",
        "{\"type\":\"ticker\"}\0junk",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = s_ws(&p, bad[i], &cap);
        if (rc != CB_E_PARSE && rc != CB_E_RANGE && rc != CB_E_TOO_BIG) {
            fail_msg("'%s' -> %d", bad[i], rc);
        }
    }
    /* deep nesting */
    char deep[4096];
    memset(deep, '[', sizeof deep);
    deep[sizeof deep - 1] = '\0';
    assert_true(s_ws(&p, deep, &cap) < 0);
    cb_md_parser_fini(&p);
}

/* Every prefix of every fixture: an error or a clean parse, never a crash. */
static void
test_truncated(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cap_t cap;
    cb_venue_error_t err;
    cb_instrument_t in = s_btcusd();
    cb_rest_args_t a = s_args(&in, 60, 0, 0);
    struct {
        cb_rest_op_t op;
        const char *body;
    } rest[] = {{CB_REST_TIME, k_time},     {CB_REST_INSTRUMENTS, k_products},
                {CB_REST_TICKER, k_ticker}, {CB_REST_OHLC, k_candles},
                {CB_REST_BOOK, k_book},     {CB_REST_TRADES, k_trades}};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++) {
        size_t len = strlen(rest[i].body);
        for (size_t n = 0; n < len; n++) {
            char *copy = malloc(n ? n : 1);
            memcpy(copy, rest[i].body, n);
            cb_instruments_t list = {0};
            memset(&cap, 0, sizeof cap);
            int rc = cb_coinbase_ops.rest_parse(&p, rest[i].op, &a, 200, copy, n, &list, s_emit,
                                                &cap, &err);
            assert_true(rc < 0);
            assert_int_equal(list.count, 0);
            cb_instruments_fini(&list);
            free(copy);
        }
    }
    const char *ws[] = {k_subscriptions, k_heartbeat, k_error,  k_ws_ticker,
                        k_snapshot,      k_l2update,  k_match};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
        size_t len = strlen(ws[i]);
        for (size_t n = 0; n < len; n++) {
            char *copy = malloc(n ? n : 1);
            memcpy(copy, ws[i], n);
            memset(&cap, 0, sizeof cap);
            assert_true(cb_coinbase_ops.ws_parse(&p, copy, n, s_emit, &cap) < 0);
            free(copy);
        }
    }
    cb_md_parser_fini(&p);
}

/* A big snapshot is cut to the proto's CB_BOOK_MAX_LEVELS per side. */
static void
test_big_snapshot(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    cb_buf_t b;
    cb_buf_init(&b);
    cb_buf_append_str(&b, "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[");
    for (int i = 0; i < 6000; i++) {
        cb_buf_appendf(&b, "%s[\"%d.5\",\"1\"]", i ? "," : "", 60000 - i);
    }
    cb_buf_append_str(&b, "],\"asks\":[[\"60001\",\"2\"]]}");
    cap_t cap;
    memset(&cap, 0, sizeof cap);
    assert_int_equal(cb_coinbase_ops.ws_parse(&p, b.data, b.len, s_emit, &cap), 0);
    assert_int_equal(cap.n, 1);
    assert_non_null(strstr(cap.items[0].text, "snap b[1@60000.5 1@59999.5"));
    cb_buf_fini(&b);
    cb_md_parser_fini(&p);
}

static int
s_count(void *ctx, const cb_md_msg_t *m)
{
    (*(size_t *) ctx) += m->type != CB_MD_NONE;
    return 0;
}

static double
s_bench(cb_md_parser_t *p, const char *msg, int iters)
{
    size_t len = strlen(msg);
    size_t seen = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < iters; i++) {
        if (cb_coinbase_ops.ws_parse(p, msg, len, s_count, &seen) != 0) {
            fail();
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(seen, (size_t) iters);
    return ((double) (t1.tv_sec - t0.tv_sec) * 1e9 + (double) (t1.tv_nsec - t0.tv_nsec)) / iters;
}

/* Steady-state parsing reuses the scratch and costs about a microsecond. */
static void
test_speed(void **state)
{
    (void) state;
    cb_md_parser_t p = {0};
    (void) s_bench(&p, k_l2update, 10);
    cb_level_t *levels = p.levels;
    cb_jtok_t *tok = p.doc.tok;
    double tick = s_bench(&p, k_ws_ticker, 200000);
    double upd = s_bench(&p, k_l2update, 200000);
    double match = s_bench(&p, k_match, 200000);
    assert_ptr_equal(p.levels, levels);
    assert_ptr_equal(p.doc.tok, tok);
    print_message("ws_parse: ticker %.0f ns, l2update %.0f ns, match %.0f ns\n", tick, upd, match);
    /* Generous bounds so that sanitizer builds pass; the -O2 figures are printed. */
    assert_true(tick < 20000 && upd < 20000 && match < 20000);
    cb_md_parser_fini(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time),         cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_products),     cmocka_unit_test(test_ticker),
        cmocka_unit_test(test_candles),      cmocka_unit_test(test_book),
        cmocka_unit_test(test_trades),       cmocka_unit_test(test_errors),
        cmocka_unit_test(test_rest_url),     cmocka_unit_test(test_ws_out),
        cmocka_unit_test(test_ws_parse),     cmocka_unit_test(test_ws_malformed),
        cmocka_unit_test(test_truncated),    cmocka_unit_test(test_big_snapshot),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
