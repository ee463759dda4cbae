/* fuzz_account.c - libFuzzer: the account reply parsers (Kraken and Binance, a selector byte picks one) and the paging cursor decoder */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_account.h"
#include "cb_venue.h"

static cb_instruments_t s_ins;

/* The instruments the parsers map native pairs through (both dialects). */
static void
s_instruments_once(void)
{
    static bool done;
    if (done) {
        return;
    }
    done = true;
    cb_instrument_t k = {.symbol = "BTC-USD", .base = "BTC", .quote = "USD", .native = "XXBTZUSD",
                         .altname = "XBTUSD", .ws_name = "BTC/USD"};
    cb_instrument_t b = {.symbol = "BTC-USDT", .base = "BTC", .quote = "USDT", .native = "BTCUSDT",
                         .altname = "BTCUSDT", .ws_name = "btcusdt"};
    if (cb_instruments_add(&s_ins, &k) != 0 || cb_instruments_add(&s_ins, &b) != 0) {
        abort();
    }
}

/* Input: a selector byte, then the reply body (exactly the rest; never
 * NUL-terminated). Each parser answers 0 or an error code with err filled,
 * never crashes; a token it accepts fits its buffer. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    s_instruments_once();
    uint8_t sel = data[0];
    /* A copy of exactly the body, so that reading past it is caught. */
    size_t len = size - 1;
    char *body = malloc(len > 0 ? len : 1);
    if (body == NULL) {
        return 0;
    }
    memcpy(body, data + 1, len);
    int status = (sel & 0x80) != 0 ? 400 : 200;
    cb_venue_error_t err;
    cb_acct_vec_t v = {0};
    int64_t count = 0;
    bool can_trade = false;
    cb_acct_trade_balance_t tb;
    char token[256];
    int64_t expires = 0;
    cb_acct_cursor_t cur;
    switch (sel % 10) {
    case 0: (void) cb_kraken_acct_balances(body, len, status, &v, &err); break;
    case 1: (void) cb_kraken_acct_trade_balance(body, len, status, &tb, &err); break;
    case 2: (void) cb_kraken_acct_orders(body, len, status, &s_ins, &v, &count, &err); break;
    case 3: (void) cb_kraken_acct_trades(body, len, status, &s_ins, &v, &count, &err); break;
    case 4:
        if (cb_kraken_acct_ws_token(body, len, status, token, sizeof token, &expires, &err) == 0 &&
            strnlen(token, sizeof token) == sizeof token) {
            abort();
        }
        break;
    case 5: (void) cb_binance_acct_balances(body, len, status, &v, &can_trade, &err); break;
    case 6: (void) cb_binance_acct_orders(body, len, status, &s_ins, &v, &err); break;
    case 7: (void) cb_binance_acct_trades(body, len, status, &s_ins, &v, &err); break;
    default:
        /* The cursor decoder, both kinds; what it accepts encodes again. */
        for (int k = 0; k < 2; k++) {
            cb_acct_cursor_t back;
            char again[CB_ACCT_CURSOR_MAX];
            if (cb_acct_cursor_decode(body, len, k == 0 ? 'o' : 't', &cur) == 0 &&
                cb_acct_cursor_encode(&cur, again, sizeof again) == 0 &&
                (cb_acct_cursor_decode(again, strlen(again), cur.kind, &back) != 0 ||
                 back.end_ms != cur.end_ms || back.ofs != cur.ofs || back.npos != cur.npos)) {
                abort();
            }
        }
        break;
    }
    cb_acct_vec_fini(&v);
    free(body);
    return 0;
}
