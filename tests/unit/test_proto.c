/* test_proto.c - codec round trips and every class of malformed input */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <msgpack.h>

#include "cb_error.h"
#include "cb_proto.h"

static cb_decimal_t
s_dec(const char *text)
{
    cb_decimal_t d;
    assert_int_equal(cb_decimal_parse(text, strlen(text), &d), 0);
    return d;
}

static void
s_assert_dec(cb_decimal_t d, const char *text)
{
    char buf[CB_DECIMAL_STR_MAX];
    assert_true(cb_decimal_format(d, buf, sizeof buf) > 0);
    assert_string_equal(buf, text);
}

static void
s_envelope(cb_event_t *ev, uint64_t seq)
{
    CB_PROTO_SET(&ev->env, envelope, v, CB_PROTO_VERSION);
    CB_PROTO_SET(&ev->env, envelope, ts, 1763860000123456789LL);
    CB_PROTO_SET(&ev->env, envelope, epoch, CB_STR("0123456789abcdef"));
    CB_PROTO_SET(&ev->env, envelope, seq, seq);
}

static void
test_tick_round_trip(void **state)
{
    (void) state;
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CB_KIND_tick;
    s_envelope(&ev, 42);
    cb_tick_t *t = &ev.body.tick;
    CB_PROTO_SET(t, tick, symbol, CB_STR("BTC-USD"));
    CB_PROTO_SET(t, tick, venue, CB_STR("sim-kraken"));
    CB_PROTO_SET(t, tick, bid, s_dec("50000.10"));
    CB_PROTO_SET(t, tick, ask, s_dec("50000.2"));
    CB_PROTO_SET(t, tick, bid_qty, s_dec("0.000000000000000001"));
    CB_PROTO_SET(t, tick, exch_ts, -5);

    cb_buf_t sb;
    cb_buf_init(&sb);
    assert_int_equal(cb_event_encode(&ev, &sb, NULL), 0);

    cb_event_t out;
    cb_proto_err_t err;
    assert_int_equal(cb_event_decode(CB_KIND_tick, sb.data, sb.len, &out, &err), 0);
    assert_int_equal(out.env.seq, 42);
    assert_int_equal(out.env.ts, 1763860000123456789LL);
    assert_true(cb_str_eq_cstr(out.env.epoch, "0123456789abcdef"));
    assert_true(cb_str_eq_cstr(out.body.tick.symbol, "BTC-USD"));
    assert_true(cb_str_eq_cstr(out.body.tick.venue, "sim-kraken"));
    s_assert_dec(out.body.tick.bid, "50000.1");
    s_assert_dec(out.body.tick.ask, "50000.2");
    s_assert_dec(out.body.tick.bid_qty, "0.000000000000000001");
    assert_true(CB_PROTO_HAS(&out.body.tick, tick, bid_qty));
    assert_false(CB_PROTO_HAS(&out.body.tick, tick, last));
    assert_int_equal(out.body.tick.exch_ts, -5);
    /* The decimals travel as canonical strings, never as floats. */
    assert_non_null(memmem(sb.data, sb.len, "\xa7" "50000.1", 8));
    cb_event_clear(&out);
    cb_buf_fini(&sb);
}

/* Pinned encodings: the wire bytes of proto/README.md, byte for byte. A
 * change to the encoder must leave these unchanged (they were produced by the
 * schema-walking encoder this file's test was written against). */
static const char *
s_hex(const cb_buf_t *b, char *out, size_t cap)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = 0;
    for (size_t i = 0; i < b->len && n + 2 < cap; i++) {
        out[n++] = digits[(uint8_t) b->data[i] >> 4];
        out[n++] = digits[(uint8_t) b->data[i] & 15];
    }
    out[n] = '\0';
    return out;
}

static void
s_pin_tick(cb_event_t *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = CB_KIND_tick;
    s_envelope(ev, 42);
    cb_tick_t *t = &ev->body.tick;
    CB_PROTO_SET(t, tick, symbol, CB_STR("BTC-USD"));
    CB_PROTO_SET(t, tick, venue, CB_STR("sim-kraken"));
    CB_PROTO_SET(t, tick, bid, s_dec("60001.01"));
    CB_PROTO_SET(t, tick, bid_qty, s_dec("0.12345678"));
    CB_PROTO_SET(t, tick, ask, s_dec("60001.50"));
    CB_PROTO_SET(t, tick, last, s_dec("-0.000000000000000001"));
    CB_PROTO_SET(t, tick, volume, s_dec("12345678901234567890.123456789012345678"));
    CB_PROTO_SET(t, tick, exch_ts, -5);
}

static void
s_pin_book(cb_event_t *ev, cb_level_t *levels)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = CB_KIND_book;
    s_envelope(ev, 300);
    levels[0] = (cb_level_t){s_dec("100.5"), s_dec("2")};
    levels[1] = (cb_level_t){s_dec("100"), s_dec("0")};
    cb_book_t *b = &ev->body.book;
    CB_PROTO_SET(b, book, symbol, CB_STR("ETH-USDT"));
    CB_PROTO_SET(b, book, venue, CB_STR("binance"));
    CB_PROTO_SET(b, book, snapshot, true);
    CB_PROTO_SET(b, book, bids, ((cb_levels_t){levels, 2}));
    CB_PROTO_SET(b, book, asks, ((cb_levels_t){NULL, 0}));
    CB_PROTO_SET(b, book, update_id, 70000);
    CB_PROTO_SET(b, book, checksum, 4294967296ULL);
    CB_PROTO_SET(b, book, resyncing, false);
}

static void
s_pin_order(cb_event_t *ev, char *reason, size_t reason_len)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = CB_KIND_order;
    s_envelope(ev, 70000);
    memset(reason, 'r', reason_len);
    cb_order_t *o = &ev->body.order;
    CB_PROTO_SET(o, order, symbol, CB_STR("BTC-USD"));
    CB_PROTO_SET(o, order, venue, CB_STR("sim-kraken"));
    CB_PROTO_SET(o, order, order_id, CB_STR("0123456789abcdef0123456789abcdef-order-id"));
    CB_PROTO_SET(o, order, side, CB_STR("sell"));
    CB_PROTO_SET(o, order, type, CB_STR("limit"));
    CB_PROTO_SET(o, order, status, CB_STR("partially_filled"));
    CB_PROTO_SET(o, order, amount, s_dec("1.5"));
    CB_PROTO_SET(o, order, filled, s_dec("0"));
    CB_PROTO_SET(o, order, reason, ((cb_str_t){reason, reason_len}));
    CB_PROTO_SET(o, order, event, CB_STR("updated"));
}

static void
test_encoded_bytes_are_pinned(void **state)
{
    (void) state;
    static const char *const expected[] = {
        "8ca17601a27473cf187a7d5324e10d15a565706f6368b030313233343536373839616263646566a3"
        "7365712aa673796d626f6ca74254432d555344a576656e7565aa73696d2d6b72616b656ea3626964"
        "a836303030312e3031a76269645f717479aa302e3132333435363738a361736ba736303030312e35"
        "a46c617374b52d302e303030303030303030303030303030303031a6766f6c756d65d92731323334"
        "353637383930313233343536373839302e313233343536373839303132333435363738a765786368"
        "5f7473fb",
        "8ca17601a27473cf187a7d5324e10d15a565706f6368b030313233343536373839616263646566a3"
        "736571cd012ca673796d626f6ca84554482d55534454a576656e7565a762696e616e6365a8736e61"
        "7073686f74c3a4626964739292a53130302e35a13292a3313030a130a461736b7390a97570646174"
        "655f6964ce00011170a8636865636b73756dcf0000000100000000a9726573796e63696e67c2",
        "8ea17601a27473cf187a7d5324e10d15a565706f6368b030313233343536373839616263646566a3"
        "736571ce00011170a673796d626f6ca74254432d555344a576656e7565aa73696d2d6b72616b656e"
        "a86f726465725f6964d9293031323334353637383961626364656630313233343536373839616263"
        "6465662d6f726465722d6964a473696465a473656c6ca474797065a56c696d6974a6737461747573"
        "b07061727469616c6c795f66696c6c6564a6616d6f756e74a3312e35a666696c6c6564a130a67265"
        "61736f6eda012c727272727272727272727272727272727272727272727272727272727272727272"
        "72727272727272727272727272727272727272727272727272727272727272727272727272727272"
        "72727272727272727272727272727272727272727272727272727272727272727272727272727272"
        "72727272727272727272727272727272727272727272727272727272727272727272727272727272"
        "72727272727272727272727272727272727272727272727272727272727272727272727272727272"
        "72727272727272727272727272727272727272727272727272727272727272727272727272727272"
        "72727272727272727272727272727272727272727272727272727272727272727272727272727272"
        "727272727272727272727272727272727272727272727272727272a56576656e74a7757064617465"
        "64",
        "85a17601a26964a56162632d31a26f70a571756f7465a46172677381a16e05ab646561646c696e65"
        "5f6d73d3fffffe6551c05285",
    };
    char hex[4096];
    cb_buf_t sb;
    cb_buf_init(&sb);
    cb_event_t ev;
    cb_level_t levels[2];
    char reason[300];
    static const uint8_t args[] = {0x81, 0xa1, 'n', 0x05};
    for (int i = 0; i < 4; i++) {
        cb_buf_reset(&sb);
        if (i == 3) {
            cb_rpc_request_t req = {0};
            CB_PROTO_SET(&req, rpc_request, v, 1);
            CB_PROTO_SET(&req, rpc_request, id, CB_STR("abc-1"));
            CB_PROTO_SET(&req, rpc_request, op, CB_STR("quote"));
            CB_PROTO_SET(&req, rpc_request, args, ((cb_raw_t){args, sizeof args}));
            CB_PROTO_SET(&req, rpc_request, deadline_ms, -1763860000123LL);
            assert_int_equal(cb_proto_encode(&cb_proto_schema_rpc_request, &req, &sb, NULL), 0);
        } else {
            if (i == 0) {
                s_pin_tick(&ev);
            } else if (i == 1) {
                s_pin_book(&ev, levels);
            } else {
                s_pin_order(&ev, reason, sizeof reason);
            }
            assert_int_equal(cb_event_encode(&ev, &sb, NULL), 0);
        }
        assert_string_equal(s_hex(&sb, hex, sizeof hex), expected[i]);
    }
    cb_buf_fini(&sb);
}

static void
test_book_and_every_kind_round_trip(void **state)
{
    (void) state;
    cb_level_t bids[3] = {{s_dec("100.5"), s_dec("1")}, {s_dec("100.4"), s_dec("2.25")},
                          {s_dec("100"), s_dec("0")}};
    cb_level_t asks[1] = {{s_dec("100.6"), s_dec("0.1")}};
    cb_event_t evs[CB_KIND_COUNT];
    memset(evs, 0, sizeof evs);
    for (int k = 0; k < CB_KIND_COUNT; k++) {
        evs[k].kind = (cb_kind_t) k;
        s_envelope(&evs[k], (uint64_t) k + 1);
    }
    cb_book_t *b = &evs[CB_KIND_book].body.book;
    CB_PROTO_SET(b, book, symbol, CB_STR("ETH-USDT"));
    CB_PROTO_SET(b, book, venue, CB_STR("sim-binance"));
    CB_PROTO_SET(b, book, snapshot, true);
    CB_PROTO_SET(b, book, bids, ((cb_levels_t){bids, 3}));
    CB_PROTO_SET(b, book, asks, ((cb_levels_t){asks, 1}));
    CB_PROTO_SET(b, book, checksum, 4294967295ULL);
    cb_trade_t *tr = &evs[CB_KIND_trade].body.trade;
    CB_PROTO_SET(tr, trade, symbol, CB_STR("BTC-USD"));
    CB_PROTO_SET(tr, trade, venue, CB_STR("kraken"));
    CB_PROTO_SET(tr, trade, price, s_dec("1"));
    CB_PROTO_SET(tr, trade, qty, s_dec("2"));
    CB_PROTO_SET(tr, trade, side, CB_STR("sell"));
    CB_PROTO_SET(tr, trade, trade_id, CB_STR("T-1"));
    cb_candle_t *c = &evs[CB_KIND_candle].body.candle;
    CB_PROTO_SET(c, candle, symbol, CB_STR("BTC-USD"));
    CB_PROTO_SET(c, candle, venue, CB_STR("kraken"));
    CB_PROTO_SET(c, candle, interval, CB_STR("1h"));
    CB_PROTO_SET(c, candle, open_ts, 1700000000000000000LL);
    CB_PROTO_SET(c, candle, open, s_dec("1"));
    CB_PROTO_SET(c, candle, high, s_dec("3"));
    CB_PROTO_SET(c, candle, low, s_dec("0.5"));
    CB_PROTO_SET(c, candle, close, s_dec("2"));
    CB_PROTO_SET(c, candle, volume, s_dec("123.456"));
    CB_PROTO_SET(c, candle, closed, false);
    cb_order_t *o = &evs[CB_KIND_order].body.order;
    CB_PROTO_SET(o, order, symbol, CB_STR("BTC-USD"));
    CB_PROTO_SET(o, order, venue, CB_STR("kraken"));
    CB_PROTO_SET(o, order, order_id, CB_STR("OQCLML-BW3P3-BUCMWZ"));
    CB_PROTO_SET(o, order, side, CB_STR("buy"));
    CB_PROTO_SET(o, order, type, CB_STR("stop-loss"));
    CB_PROTO_SET(o, order, status, CB_STR("partially_filled"));
    CB_PROTO_SET(o, order, amount, s_dec("1"));
    CB_PROTO_SET(o, order, filled, s_dec("0.5"));
    CB_PROTO_SET(o, order, reason, CB_STR("caf\xc3\xa9"));
    cb_circuit_t *ci = &evs[CB_KIND_circuit].body.circuit;
    CB_PROTO_SET(ci, circuit, venue, CB_STR("binance"));
    CB_PROTO_SET(ci, circuit, scope, CB_STR("rest"));
    CB_PROTO_SET(ci, circuit, state, CB_STR("half_open"));
    cb_sentiment_t *se = &evs[CB_KIND_sentiment].body.sentiment;
    CB_PROTO_SET(se, sentiment, asset, CB_STR("BTC"));
    CB_PROTO_SET(se, sentiment, venue, CB_STR("all"));
    CB_PROTO_SET(se, sentiment, score, s_dec("-0.4213"));
    CB_PROTO_SET(se, sentiment, label, CB_STR("bearish"));
    CB_PROTO_SET(se, sentiment, texts, 12);
    CB_PROTO_SET(se, sentiment, half_life_s, 3600);
    cb_best_t *be = &evs[CB_KIND_best].body.best;
    CB_PROTO_SET(be, best, symbol, CB_STR("BTC-USD"));
    CB_PROTO_SET(be, best, venue, CB_STR("all"));
    CB_PROTO_SET(be, best, bid, s_dec("50000.1"));
    CB_PROTO_SET(be, best, bid_venue, CB_STR("sim-kraken"));
    CB_PROTO_SET(be, best, ask, s_dec("50000.2"));
    CB_PROTO_SET(be, best, ask_qty, s_dec("0.5"));
    CB_PROTO_SET(be, best, ask_venue, CB_STR("sim-binance"));
    CB_PROTO_SET(be, best, venues, 2);
    cb_tick_t *t = &evs[CB_KIND_tick].body.tick;
    CB_PROTO_SET(t, tick, symbol, CB_STR("BTC-USD"));
    CB_PROTO_SET(t, tick, venue, CB_STR("kraken"));
    CB_PROTO_SET(t, tick, bid, s_dec("1"));
    CB_PROTO_SET(t, tick, ask, s_dec("2"));

    for (int k = 0; k < CB_KIND_COUNT; k++) {
        cb_buf_t sb;
        cb_buf_init(&sb);
        cb_proto_err_t err;
        assert_int_equal(cb_event_encode(&evs[k], &sb, &err), 0);
        cb_event_t out;
        assert_int_equal(cb_event_decode((cb_kind_t) k, sb.data, sb.len, &out, &err), 0);
        assert_int_equal(out.env.seq, (uint64_t) k + 1);
        /* Re-encoding the decoded message gives the same bytes. */
        cb_buf_t sb2;
        cb_buf_init(&sb2);
        assert_int_equal(cb_event_encode(&out, &sb2, &err), 0);
        assert_int_equal(sb.len, sb2.len);
        assert_memory_equal(sb.data, sb2.data, sb.len);
        if (k == CB_KIND_book) {
            assert_int_equal(out.body.book.bids.count, 3);
            s_assert_dec(out.body.book.bids.items[1].qty, "2.25");
            assert_int_equal(out.body.book.asks.count, 1);
            assert_int_equal(out.body.book.checksum, 4294967295ULL);
        }
        cb_event_clear(&out);
        cb_event_clear(&out); /* twice is safe */
        cb_buf_fini(&sb2);
        cb_buf_fini(&sb);
    }
}

static void
test_rpc_envelopes_round_trip(void **state)
{
    (void) state;
    static const uint8_t args[] = {0x81, 0xa1, 'n', 0x05};
    cb_rpc_request_t req = {0};
    CB_PROTO_SET(&req, rpc_request, v, 1);
    CB_PROTO_SET(&req, rpc_request, id, CB_STR("abc-1"));
    CB_PROTO_SET(&req, rpc_request, op, CB_STR("quote"));
    CB_PROTO_SET(&req, rpc_request, args, ((cb_raw_t){args, sizeof args}));
    CB_PROTO_SET(&req, rpc_request, deadline_ms, 1763860000123LL);
    cb_buf_t sb;
    cb_buf_init(&sb);
    assert_int_equal(cb_proto_encode(&cb_proto_schema_rpc_request, &req, &sb, NULL), 0);
    cb_rpc_request_t out;
    assert_int_equal(cb_proto_decode(&cb_proto_schema_rpc_request, sb.data, sb.len, &out, NULL), 0);
    assert_true(cb_str_eq_cstr(out.op, "quote"));
    assert_int_equal(out.args.len, sizeof args);
    assert_memory_equal(out.args.ptr, args, sizeof args);
    assert_int_equal(out.deadline_ms, 1763860000123LL);
    /* A RAW field must hold exactly one msgpack value. */
    static const uint8_t two_values[] = {0x01, 0x02};
    CB_PROTO_SET(&req, rpc_request, args, ((cb_raw_t){two_values, 2}));
    cb_buf_reset(&sb);
    assert_int_equal(cb_proto_encode(&cb_proto_schema_rpc_request, &req, &sb, NULL),
                     CB_E_BAD_REQUEST);
    cb_buf_fini(&sb);
}

/* ---- malformed input ----------------------------------------------------- */

typedef struct {
    const char *name;
    const char *hex; /* the msgpack bytes */
    const char *expect; /* substring of the error message */
} s_bad_t;

static size_t
s_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = hex; p[0] != '\0' && p[1] != '\0' && n < cap;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned v;
        sscanf(p, "%2x", &v);
        out[n++] = (uint8_t) v;
        p += 2;
    }
    return n;
}

/* A valid tick is 88 a1 76 01 a2 74 73 01 a5 65706f6368 a1 61 a3 736571 01
 * a6 73796d626f6c a7 4254432d555344 a5 76656e7565 a1 6b a3 626964 a1 31
 * a3 61736b a1 32 (v=1 ts=1 epoch="a" seq=1 symbol=BTC-USD venue=k bid=1 ask=2). */
#define S_ENV "a1 76 01 a2 7473 01 a5 65706f6368 a1 61 a3 736571 01 "
#define S_SYM "a6 73796d626f6c a7 4254432d555344 "
#define S_VEN "a5 76656e7565 a1 6b "
#define S_BID "a3 626964 a1 31 "
#define S_ASK "a3 61736b a1 32 "

static const s_bad_t s_bad_ticks[] = {
    {"empty", "", "expected a msgpack map"},
    {"not a map", "93 01 02 03", "expected a msgpack map"},
    {"nil", "c0", "expected a msgpack map"},
    {"truncated map", "88 " S_ENV S_SYM S_VEN S_BID, "truncated"},
    {"map count lies", "8f a1 76 01", "expected a msgpack map"},
    {"non-string key", "88 01 01 " S_ENV S_SYM S_VEN S_BID, "keys must be strings"},
    {"duplicate key", "88 " S_ENV S_SYM S_VEN S_BID "a3 626964 a1 33", "appears twice"},
    {"missing ask", "87 " S_ENV S_SYM S_VEN S_BID, "missing field 'ask'"},
    {"missing seq", "87 a1 76 01 a2 7473 01 a5 65706f6368 a1 61 " S_SYM S_VEN S_BID S_ASK,
     "missing field 'seq'"},
    {"float price", "88 " S_ENV S_SYM S_VEN "a3 626964 cb 40 49 0f db 22 d0 e5 60 " S_ASK,
     "'bid': expected a decimal"},
    {"garbage decimal", "88 " S_ENV S_SYM S_VEN "a3 626964 a5 312e322e33 " S_ASK,
     "'bid': expected a decimal"},
    {"bool as decimal", "88 " S_ENV S_SYM S_VEN "a3 626964 c3 " S_ASK, "'bid'"},
    {"lower-case symbol", "88 " S_ENV "a6 73796d626f6c a7 6274632d757364 " S_VEN S_BID S_ASK,
     "'symbol'"},
    {"symbol without dash", "88 " S_ENV "a6 73796d626f6c a6 425443555344 " S_VEN S_BID S_ASK,
     "'symbol'"},
    {"symbol part too long", "88 " S_ENV "a6 73796d626f6c b3 41414141414141414141414141414141412d42 "
     S_VEN S_BID S_ASK, "'symbol'"},
    {"upper-case venue", "88 " S_ENV S_SYM "a5 76656e7565 a1 4b " S_BID S_ASK, "'venue'"},
    {"venue as int", "88 " S_ENV S_SYM "a5 76656e7565 07 " S_BID S_ASK, "'venue'"},
    {"seq negative", "88 a1 76 01 a2 7473 01 a5 65706f6368 a1 61 a3 736571 ff " S_SYM S_VEN
     S_BID S_ASK, "'seq'"},
    {"ts too big", "88 a1 76 01 a2 7473 cf ff ff ff ff ff ff ff ff a5 65706f6368 a1 61 a3 736571 01 "
     S_SYM S_VEN S_BID S_ASK, "'ts'"},
    {"version 2", "88 a1 76 02 a2 7473 01 a5 65706f6368 a1 61 a3 736571 01 " S_SYM S_VEN S_BID
     S_ASK, "unsupported schema version"},
    {"trailing bytes", "88 " S_ENV S_SYM S_VEN S_BID S_ASK "c0", "trailing bytes"},
    {"string length lies", "88 " S_ENV S_SYM S_VEN S_BID "a3 61736b db 00 00 ff ff 32", "'ask'"},
    {"unknown key with bad value", "89 " S_ENV S_SYM S_VEN S_BID S_ASK "a1 78 c1",
     "unknown field"},
    {"unknown key nested too deep", "89 " S_ENV S_SYM S_VEN S_BID S_ASK
     "a1 78 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 91 "
     "91 91 91 91 91 91 91 c0", "unknown field"},
    {"invalid utf-8 epoch", "88 a1 76 01 a2 7473 01 a5 65706f6368 a2 c3 28 a3 736571 01 " S_SYM
     S_VEN S_BID S_ASK, "'epoch'"},
};

static void
test_malformed_ticks_are_rejected(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof s_bad_ticks / sizeof s_bad_ticks[0]; i++) {
        uint8_t bytes[512];
        size_t n = s_unhex(s_bad_ticks[i].hex, bytes, sizeof bytes);
        cb_event_t ev;
        cb_proto_err_t err = {{0}};
        int rc = cb_event_decode(CB_KIND_tick, bytes, n, &ev, &err);
        if (rc != CB_E_BAD_REQUEST || strstr(err.message, s_bad_ticks[i].expect) == NULL) {
            fail_msg("case '%s': rc=%d message='%s' (wanted '%s')", s_bad_ticks[i].name, rc,
                     err.message, s_bad_ticks[i].expect);
        }
        cb_event_clear(&ev);
    }
    /* The valid base decodes, so the cases above fail for their own reason;
     * nil for an optional key means absent, and unknown keys are skipped. */
    uint8_t bytes[512];
    size_t n = s_unhex("8a " S_ENV S_SYM S_VEN S_BID S_ASK "a4 6c617374 c0 a1 78 92 01 a1 61",
                       bytes, sizeof bytes);
    cb_event_t ev;
    cb_proto_err_t err;
    assert_int_equal(cb_event_decode(CB_KIND_tick, bytes, n, &ev, &err), 0);
    assert_false(CB_PROTO_HAS(&ev.body.tick, tick, last));
    s_assert_dec(ev.body.tick.ask, "2");
    cb_event_clear(&ev);
}

static void
test_malformed_books_enums_and_text(void **state)
{
    (void) state;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    /* A book whose bids are 5001 levels: one more than the limit. */
    msgpack_pack_map(&pk, 5);
    msgpack_pack_str_with_body(&pk, "symbol", 6);
    msgpack_pack_str_with_body(&pk, "BTC-USD", 7);
    msgpack_pack_str_with_body(&pk, "venue", 5);
    msgpack_pack_str_with_body(&pk, "k", 1);
    msgpack_pack_str_with_body(&pk, "snapshot", 8);
    msgpack_pack_true(&pk);
    msgpack_pack_str_with_body(&pk, "asks", 4);
    msgpack_pack_array(&pk, 0);
    msgpack_pack_str_with_body(&pk, "bids", 4);
    msgpack_pack_array(&pk, 5001);
    for (int i = 0; i < 5001; i++) {
        msgpack_pack_array(&pk, 2);
        msgpack_pack_str_with_body(&pk, "1", 1);
        msgpack_pack_str_with_body(&pk, "1", 1);
    }
    cb_book_t book;
    cb_proto_err_t err;
    assert_int_equal(cb_proto_decode(&cb_proto_schema_book, sb.data, sb.size, &book, &err),
                     CB_E_BAD_REQUEST);
    assert_non_null(strstr(err.message, "more than 5000 levels"));
    cb_proto_clear(&cb_proto_schema_book, &book);

    /* A level that is a triple, and a level with a bad amount. */
    const char *bad_levels[] = {"93 a1 31 a1 31 a1 31", "92 a1 31 a1 78"};
    for (size_t i = 0; i < 2; i++) {
        uint8_t level[32];
        size_t ln = s_unhex(bad_levels[i], level, sizeof level);
        msgpack_sbuffer_clear(&sb);
        msgpack_pack_map(&pk, 5);
        msgpack_pack_str_with_body(&pk, "symbol", 6);
        msgpack_pack_str_with_body(&pk, "BTC-USD", 7);
        msgpack_pack_str_with_body(&pk, "venue", 5);
        msgpack_pack_str_with_body(&pk, "k", 1);
        msgpack_pack_str_with_body(&pk, "snapshot", 8);
        msgpack_pack_false(&pk);
        msgpack_pack_str_with_body(&pk, "asks", 4);
        msgpack_pack_array(&pk, 0);
        msgpack_pack_str_with_body(&pk, "bids", 4);
        msgpack_pack_array(&pk, 2);
        msgpack_pack_array(&pk, 2);
        msgpack_pack_str_with_body(&pk, "1", 1);
        msgpack_pack_str_with_body(&pk, "2", 1);
        msgpack_sbuffer_write(&sb, (const char *) level, ln);
        assert_int_equal(cb_proto_decode(&cb_proto_schema_book, sb.data, sb.size, &book, &err),
                         CB_E_BAD_REQUEST);
        assert_non_null(strstr(err.message, "level 1"));
        cb_proto_clear(&cb_proto_schema_book, &book);
    }

    /* Enum outside its choices; text over its limit. */
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 3);
    msgpack_pack_str_with_body(&pk, "venue", 5);
    msgpack_pack_str_with_body(&pk, "k", 1);
    msgpack_pack_str_with_body(&pk, "scope", 5);
    msgpack_pack_str_with_body(&pk, "rest", 4);
    msgpack_pack_str_with_body(&pk, "state", 5);
    msgpack_pack_str_with_body(&pk, "ajar", 4);
    cb_circuit_t circuit;
    assert_int_equal(cb_proto_decode(&cb_proto_schema_circuit, sb.data, sb.size, &circuit, &err),
                     CB_E_BAD_REQUEST);
    assert_non_null(strstr(err.message, "closed|open|half_open"));

    char long_text[600];
    memset(long_text, 'x', sizeof long_text);
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 4);
    msgpack_pack_str_with_body(&pk, "venue", 5);
    msgpack_pack_str_with_body(&pk, "k", 1);
    msgpack_pack_str_with_body(&pk, "scope", 5);
    msgpack_pack_str_with_body(&pk, "rest", 4);
    msgpack_pack_str_with_body(&pk, "state", 5);
    msgpack_pack_str_with_body(&pk, "open", 4);
    msgpack_pack_str_with_body(&pk, "reason", 6);
    msgpack_pack_str_with_body(&pk, long_text, sizeof long_text);
    assert_int_equal(cb_proto_decode(&cb_proto_schema_circuit, sb.data, sb.size, &circuit, &err),
                     CB_E_BAD_REQUEST);
    assert_non_null(strstr(err.message, "'reason'"));
    msgpack_sbuffer_destroy(&sb);
}

static void
test_grammars(void **state)
{
    (void) state;
    assert_true(cb_proto_symbol_valid("BTC-USD", 7));
    assert_true(cb_proto_symbol_valid("1000SHIB-USDT", 13));
    assert_false(cb_proto_symbol_valid("BTC-", 4));
    assert_false(cb_proto_symbol_valid("-USD", 4));
    assert_false(cb_proto_symbol_valid("BTC-USD-X", 9));
    assert_false(cb_proto_symbol_valid("BTC/USD", 7));
    assert_false(cb_proto_symbol_valid("", 0));
    assert_true(cb_proto_name_valid("sim-kraken", 10, 32));
    assert_true(cb_proto_name_valid("a", 1, 32));
    assert_false(cb_proto_name_valid("-a", 2, 32));
    assert_false(cb_proto_name_valid("Sim", 3, 32));
    assert_false(cb_proto_name_valid("a b", 3, 32));
    assert_false(cb_proto_name_valid("abc", 3, 2));
    assert_true(cb_proto_enum_valid("buy|sell", "sell", 4));
    assert_false(cb_proto_enum_valid("buy|sell", "sel", 3));
    assert_false(cb_proto_enum_valid("buy|sell", "buy|sell", 8));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tick_round_trip),
        cmocka_unit_test(test_encoded_bytes_are_pinned),
        cmocka_unit_test(test_book_and_every_kind_round_trip),
        cmocka_unit_test(test_rpc_envelopes_round_trip),
        cmocka_unit_test(test_malformed_ticks_are_rejected),
        cmocka_unit_test(test_malformed_books_enums_and_text),
        cmocka_unit_test(test_grammars),
    };
    return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
