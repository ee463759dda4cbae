/* fuzz_coinbase.c - libFuzzer: the Coinbase dialect's rest_parse (every op) and ws_parse on any bytes */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_coinbase.h"
#include "cb_error.h"

/* Byte 0 picks the parser: 0-5 rest_parse of that op (byte 0 / 8 picks the
 * HTTP status), 6-7 ws_parse; the rest is the body. Properties, each an
 * abort when violated:
 * - a parse returns 0 or a negative code, and a REST failure explains
 *   itself through err with a class;
 * - every item emitted encodes under its proto schema once the caller's
 *   symbol and venue are filled in (so nothing invalid can be published);
 * - a failed INSTRUMENTS parse leaves the list as it was, and every listed
 *   instrument has a valid unified symbol and positive steps. */

static int
s_check(const cb_proto_schema_t *schema, const void *msg)
{
    cb_buf_t out;
    cb_buf_init(&out);
    cb_proto_err_t err;
    int rc = cb_proto_encode(schema, msg, &out, &err);
    cb_buf_fini(&out);
    return rc;
}

static int
s_emit(void *ctx, const cb_md_msg_t *m)
{
    (void) ctx;
    cb_str_t sym = CB_STR("BTC-USD");
    cb_str_t venue = CB_STR("coinbase");
    switch (m->type) {
    case CB_MD_TICK: {
        cb_tick_t t = m->tick;
        CB_PROTO_SET(&t, tick, symbol, sym);
        CB_PROTO_SET(&t, tick, venue, venue);
        if (s_check(&cb_proto_schema_tick, &t) != 0) {
            abort();
        }
        break;
    }
    case CB_MD_TRADES:
        if (m->count > 0 && m->trades == NULL) {
            abort();
        }
        for (size_t i = 0; i < m->count; i++) {
            cb_trade_t t = m->trades[i];
            CB_PROTO_SET(&t, trade, symbol, sym);
            CB_PROTO_SET(&t, trade, venue, venue);
            if (s_check(&cb_proto_schema_trade, &t) != 0) {
                abort();
            }
        }
        break;
    case CB_MD_BOOK: {
        cb_book_t b = m->book;
        CB_PROTO_SET(&b, book, symbol, sym);
        CB_PROTO_SET(&b, book, venue, venue);
        if (s_check(&cb_proto_schema_book, &b) != 0) {
            abort();
        }
        break;
    }
    case CB_MD_CANDLES:
        if (m->count > 0 && m->candles == NULL) {
            abort();
        }
        for (size_t i = 0; i < m->count; i++) {
            cb_candle_t c = m->candles[i];
            CB_PROTO_SET(&c, candle, symbol, sym);
            CB_PROTO_SET(&c, candle, venue, venue);
            if (s_check(&cb_proto_schema_candle, &c) != 0 ||
                (i > 0 && m->candles[i - 1].open_ts > c.open_ts)) {
                abort();
            }
        }
        break;
    case CB_MD_ERROR:
    case CB_MD_STATUS:
        if (m->message == NULL || strlen(m->message) >= sizeof(((cb_md_parser_t *) 0)->text)) {
            abort();
        }
        break;
    default:
        break;
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cb_md_parser_t p; /* reused, like a connection's parser */
    if (size < 1) {
        return 0;
    }
    unsigned sel = data[0] % 8;
    static const int statuses[] = {200, 404, 429, 500};
    int status = statuses[(data[0] / 8) % 4];
    const char *body = (const char *) data + 1;
    size_t len = size - 1;
    int rc;
    if (sel >= 6) {
        rc = cb_coinbase_ops.ws_parse(&p, body, len, s_emit, NULL);
        if (rc > 0) {
            abort();
        }
        return 0;
    }
    cb_instrument_t ins;
    memset(&ins, 0, sizeof ins);
    strcpy(ins.native, "BTC-USD");
    cb_rest_args_t args = {.ins = &ins,
                           .interval_s = 60,
                           .since_ms = (data[0] & 0x40) ? 1415398768000LL : 0,
                           .limit = (data[0] & 0x80) ? 1 : 0};
    cb_instruments_t list = {0};
    cb_venue_error_t err;
    memset(&err, 0, sizeof err);
    rc = cb_coinbase_ops.rest_parse(&p, (cb_rest_op_t) sel, &args, status, body, len, &list,
                                    s_emit, NULL, &err);
    if (rc > 0 || (rc < 0 && rc != CB_E_NOMEM && rc != CB_E_TOO_BIG && err.cls == CB_VERR_NONE)) {
        abort();
    }
    if (rc != 0 && list.count != 0) {
        abort();
    }
    for (size_t i = 0; i < list.count; i++) {
        const cb_instrument_t *in = &list.items[i];
        if (!cb_proto_symbol_valid(in->symbol, strlen(in->symbol)) ||
            cb_decimal_sign(in->tick_size) <= 0 || cb_decimal_sign(in->lot_size) <= 0) {
            abort();
        }
    }
    cb_instruments_fini(&list);
    return 0;
}
