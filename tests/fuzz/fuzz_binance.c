/* fuzz_binance.c - libFuzzer: the Binance dialect's rest_parse (every op), ws_parse and classify on any bytes */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_binance.h"
#include "cb_binance_book.h"
#include "cb_error.h"

/* Properties, each an abort when violated: no crash or leak on any input;
 * an emitted item is of the kind the call produces, its arrays within the
 * proto limits; an error return is a CB_E_* code with the error filled;
 * a parsed diff fed to a local book never breaks it. */

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
        if (msg->type == CB_MD_TRADES && msg->trades[k].side.len != 3 && msg->trades[k].side.len != 4) {
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
    static const int kinds[] = {CB_MD_TIME, CB_MD_NONE, CB_MD_TICK, CB_MD_CANDLES, CB_MD_BOOK,
                                CB_MD_TRADES};
    for (int op = CB_REST_TIME; op <= CB_REST_TRADES; op++) {
        cb_rest_args_t args = {.ins = &in, .interval_s = 60, .limit = 10};
        cb_instruments_t list = {0};
        cb_venue_error_t err;
        int want = kinds[op];
        int rc = cb_binance_ops.rest_parse(&p, (cb_rest_op_t) op, &args, size > 0 && data[0] == '5' ? 503 : 200,
                                           text, size, &list, s_check, &want, &err);
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
