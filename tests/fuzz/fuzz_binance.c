/* fuzz_binance.c - libFuzzer: Binance rest_parse (every op), ws_parse, classify on any bytes */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_binance.h"
#include "cb_binance_book.h"
#include "cb_binance_impl.h"
#include "cb_error.h"

/* Properties, each an abort when violated: no crash or leak on any input;
 * an emitted item is of the kind the call produces, its arrays within the
 * proto limits; an error return is a CB_E_* code with the error filled;
 * a parsed diff fed to a local book never breaks it; the stream fast path
 * emits exactly what the general parser emits for the same bytes, and
 * accepts nothing the general parser refuses. */

/* A deep copy of one emitted message (its arrays live in the parser). */
typedef struct {
    int count;
    cb_md_msg_t msg;
    char native[64];
    size_t native_len;
    cb_level_t levels[2][64];
    cb_trade_t trade;
    char trade_id[65];
} s_copy_t;

static int
s_copy(void *ctx, const cb_md_msg_t *msg)
{
    s_copy_t *c = ctx;
    c->count++;
    c->msg = *msg;
    c->native_len = msg->native.len < sizeof(c->native) ? msg->native.len : sizeof(c->native);
    if (c->native_len > 0) {
        memcpy(c->native, msg->native.ptr, c->native_len);
    }
    if (msg->type == CB_MD_BOOK) {
        for (uint32_t k = 0; k < msg->book.bids.count && k < 64; k++) {
            c->levels[0][k] = msg->book.bids.items[k];
        }
        for (uint32_t k = 0; k < msg->book.asks.count && k < 64; k++) {
            c->levels[1][k] = msg->book.asks.items[k];
        }
    }
    if (msg->type == CB_MD_TRADES && msg->count > 0) {
        c->trade = msg->trades[0];
        if (msg->trades[0].trade_id.len > 0 && msg->trades[0].trade_id.len < sizeof(c->trade_id)) {
            memcpy(c->trade_id, msg->trades[0].trade_id.ptr, msg->trades[0].trade_id.len);
        }
    }
    return 0;
}

static bool
s_dec_same(cb_decimal_t a, cb_decimal_t b)
{
    return a.coef == b.coef && a.scale == b.scale;
}

static bool
s_same(const s_copy_t *a, const s_copy_t *b)
{
    const cb_md_msg_t *x = &a->msg;
    const cb_md_msg_t *y = &b->msg;
    if (a->count != b->count || x->type != y->type || a->native_len != b->native_len ||
        memcmp(a->native, b->native, a->native_len) != 0 || x->req_id != y->req_id ||
        x->first_update_id != y->first_update_id || x->prev_update_id != y->prev_update_id ||
        x->count != y->count) {
        return false;
    }
    if (x->type == CB_MD_TICK) {
        const cb_tick_t *t = &x->tick;
        const cb_tick_t *u = &y->tick;
        return t->present == u->present && s_dec_same(t->bid, u->bid) &&
               s_dec_same(t->bid_qty, u->bid_qty) && s_dec_same(t->ask, u->ask) &&
               s_dec_same(t->ask_qty, u->ask_qty) && t->exch_ts == u->exch_ts;
    }
    if (x->type == CB_MD_TRADES) {
        const cb_trade_t *t = &a->trade;
        const cb_trade_t *u = &b->trade;
        return t->present == u->present && s_dec_same(t->price, u->price) &&
               s_dec_same(t->qty, u->qty) && cb_str_eq(t->side, u->side) &&
               t->trade_id.len == u->trade_id.len &&
               memcmp(a->trade_id, b->trade_id, t->trade_id.len) == 0 && t->exch_ts == u->exch_ts;
    }
    if (x->type == CB_MD_BOOK) {
        const cb_book_t *t = &x->book;
        const cb_book_t *u = &y->book;
        if (t->present != u->present || t->snapshot != u->snapshot ||
            t->update_id != u->update_id || t->exch_ts != u->exch_ts ||
            t->bids.count != u->bids.count || t->asks.count != u->asks.count) {
            return false;
        }
        for (uint32_t k = 0; k < t->bids.count && k < 64; k++) {
            if (!s_dec_same(a->levels[0][k].price, b->levels[0][k].price) ||
                !s_dec_same(a->levels[0][k].qty, b->levels[0][k].qty)) {
                return false;
            }
        }
        for (uint32_t k = 0; k < t->asks.count && k < 64; k++) {
            if (!s_dec_same(a->levels[1][k].price, b->levels[1][k].price) ||
                !s_dec_same(a->levels[1][k].qty, b->levels[1][k].qty)) {
                return false;
            }
        }
        return true;
    }
    return false; /* the fast path emits nothing else */
}

/* The fast path against the general parser, on separate scratch. */
static void
s_differential(const char *text, size_t size)
{
    static cb_md_parser_t fast_p, doc_p;
    static s_copy_t fast, doc;
    memset(&fast, 0, sizeof(fast));
    memset(&doc, 0, sizeof(doc));
    bool handled;
    int rc_fast = cb_binance_ws_fast(&fast_p, text, size, s_copy, &fast, &handled);
    if (!handled) {
        if (fast.count != 0) {
            abort();
        }
        return;
    }
    int rc_doc = cb_binance_ws_parse_doc(&doc_p, text, size, s_copy, &doc);
    if (rc_fast != 0 || rc_doc != 0 || !s_same(&fast, &doc)) {
        abort();
    }
}

static cb_binance_book_t s_book;
static int s_book_ready;

static int
s_check(void *ctx, const cb_md_msg_t *msg)
{
    int want = *(int *) ctx;
    if (want != CB_MD_NONE && (int) msg->type != want) {
        abort();
    }
    if (msg->type == CB_MD_BOOK) {
        if (msg->book.bids.count > 5000 || msg->book.asks.count > 5000) {
            abort();
        }
        if (!msg->book.snapshot) {
            int rc = cb_binance_book_on_diff(&s_book, msg);
            if (rc < 0 && rc != CB_E_RANGE && rc != CB_E_NOMEM && rc != CB_E_BAD_REQUEST) {
                abort();
            }
        } else {
            (void) cb_binance_book_on_snapshot(&s_book, msg);
        }
        if (!cb_book_local_sane(&s_book.book) && s_book.state == CB_BINANCE_BOOK_LIVE) {
            /* A crossed book is venue data, not a parser fault: start over. */
            cb_binance_book_reset(&s_book);
        }
    }
    for (size_t k = 0; k < msg->count; k++) {
        if (msg->type == CB_MD_TRADES && msg->trades[k].side.len != 3 &&
            msg->trades[k].side.len != 4) {
            abort();
        }
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_book_ready) {
        cb_binance_book_init(&s_book, 100, 64, 4096);
        s_book_ready = 1;
    }
    static cb_md_parser_t p;
    const char *text = (const char *) data;
    cb_instrument_t in;
    memset(&in, 0, sizeof(in));
    memcpy(in.native, "BTCUSDT", 8);
    static const int kinds[] = {CB_MD_TIME,    CB_MD_NONE, CB_MD_TICK,
                                CB_MD_CANDLES, CB_MD_BOOK, CB_MD_TRADES};
    for (int op = CB_REST_TIME; op <= CB_REST_TRADES; op++) {
        cb_rest_args_t args = {.ins = &in, .interval_s = 60, .limit = 10};
        cb_instruments_t list = {0};
        cb_venue_error_t err;
        int want = kinds[op];
        int rc = cb_binance_ops.rest_parse(&p, (cb_rest_op_t) op, &args,
                                           size > 0 && data[0] == '5' ? 503 : 200, text, size,
                                           &list, s_check, &want, &err);
        if (rc != 0 && (rc > 0 || err.cls == CB_VERR_NONE) && rc != CB_E_NOMEM) {
            abort();
        }
        for (size_t k = 0; k < list.count; k++) {
            if (strlen(list.items[k].symbol) < 3 || list.items[k].ws_name[0] == '\0') {
                abort();
            }
        }
        cb_instruments_fini(&list);
    }
    s_differential(text, size);
    int any = CB_MD_NONE;
    int rc = cb_binance_ops.ws_parse(&p, text, size, s_check, &any);
    if (rc > 0) {
        abort();
    }
    cb_venue_req_t req = {.changes_state = size % 2 == 1};
    cb_venue_error_t err;
    rc = cb_binance_ops.classify(&req, false, true, 400, text, size, 0, &err);
    if (rc != cb_verr_code(err.cls) || err.cls == CB_VERR_NONE) {
        abort();
    }
    return 0;
}
