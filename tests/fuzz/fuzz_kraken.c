/* fuzz_kraken.c - libFuzzer: the Kraken dialect's parsers (every REST op, the WS v2 parser, error envelope) and its book on any bytes */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_dialect.h"
#include "cb_error.h"
#include "cb_kraken.h"
#include "cb_kraken_book.h"

/* Properties, each an abort when violated: no crash, leak or overread on
 * any input; the codes returned are the documented ones; every item handed
 * over is whole (its arrays readable, its text NUL-terminated). */

static cb_kraken_book_t s_book;
static bool s_book_ready;

static int
s_emit(void *ctx, const cb_md_msg_t *m)
{
    (void) ctx;
    volatile int64_t sink = 0;
    if (m->native.len > 0) {
        sink += m->native.ptr[m->native.len - 1];
    }
    for (size_t k = 0; k < m->count; k++) {
        if (m->trades != NULL) {
            sink += (int64_t) m->trades[k].price.coef + m->trades[k].trade_id.len;
        } else if (m->candles != NULL) {
            sink += (int64_t) m->candles[k].open.coef;
        } else {
            abort();
        }
    }
    if (m->type == CB_MD_BOOK) {
        for (uint32_t k = 0; k < m->book.bids.count; k++) {
            sink += (int64_t) m->book.bids.items[k].qty.coef;
        }
        for (uint32_t k = 0; k < m->book.asks.count; k++) {
            sink += (int64_t) m->book.asks.items[k].qty.coef;
        }
        int rc = cb_kraken_book_apply(&s_book, m);
        if (rc != 0 && rc != CB_E_CONFLICT && rc != CB_E_NOMEM) {
            abort();
        }
    }
    if ((m->type == CB_MD_STATUS || m->type == CB_MD_ERROR) &&
        (m->message == NULL || strlen(m->message) >= 512)) {
        abort();
    }
    (void) sink;
    return 0;
}

static bool
s_code_ok(int rc)
{
    return rc == 0 || rc == CB_E_PARSE || rc == CB_E_RANGE || rc == CB_E_TOO_BIG ||
           rc == CB_E_NOMEM || rc == CB_E_UNAUTHORIZED || rc == CB_E_RATE_LIMITED ||
           rc == CB_E_NOT_FOUND || rc == CB_E_UPSTREAM || rc == CB_E_UNAVAILABLE ||
           rc == CB_E_TIMEOUT || rc == CB_E_BAD_REQUEST;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cb_md_parser_t p;
    if (!s_book_ready) {
        cb_kraken_book_init(&s_book, 10, 1, 8);
        s_book_ready = true;
    }
    const char *text = (const char *) data;
    int rc = cb_kraken_ops.ws_parse(&p, text, size, s_emit, NULL);
    if (!s_code_ok(rc)) {
        abort();
    }
    cb_instrument_t ins = {.symbol = "BTC-USD", .native = "XXBTZUSD", .ws_name = "BTC/USD"};
    cb_rest_args_t args = {.ins = &ins, .interval_s = 60};
    for (int op = CB_REST_TIME; op <= CB_REST_TRADES; op++) {
        cb_instruments_t list = {0};
        cb_venue_error_t err;
        rc = cb_kraken_ops.rest_parse(&p, (cb_rest_op_t) op, &args, 200, text, size, &list, s_emit,
                                      NULL, &err);
        if (!s_code_ok(rc) || (rc != 0 && strlen(err.message) >= sizeof err.message)) {
            abort();
        }
        for (size_t k = 0; k < list.count; k++) {
            if (strlen(list.items[k].symbol) == 0 || strlen(list.items[k].ws_name) == 0) {
                abort();
            }
        }
        cb_instruments_fini(&list);
    }
    cb_venue_req_t req = {.changes_state = size % 2 == 0};
    cb_venue_error_t err;
    rc = cb_kraken_ops.classify(&req, false, true, size % 3 == 0 ? 502 : 200, text, size, 0, &err);
    if (!s_code_ok(rc) || rc != cb_verr_code(err.cls)) {
        abort();
    }
    rc = cb_kraken_error_parse(text, size, 200, true, 0, &err);
    if (!s_code_ok(rc)) {
        abort();
    }
    return 0;
}
