/* fuzz_binance_orders.c - libFuzzer: every Binance order reply parser (order, cancel, query, cancelReplace, openOrders) on any bytes */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_binance_orders.h"
#include "cb_error.h"
#include "fuzz_orders.h"

/* Properties, each an abort when violated: no crash, hang or leak; an error
 * is a CB_E_* code with err's class set; a state-changing call is never a
 * refusal without Binance's "code" in the body, nor on a 5xx; a query is
 * "no such order" (found false, 0) only on code -2013. The first byte picks
 * the HTTP status. */

static bool
s_refusal(const cb_venue_error_t *err)
{
    return err->cls == CB_VERR_REJECTED || err->cls == CB_VERR_INSUFFICIENT_FUNDS;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {200, 200, 400, 400, 409, 429, 500, 503};
    static const cb_instrument_t b = {.symbol = "BTC-USDT", .base = "BTC", .quote = "USDT",
                                      .native = "BTCUSDT", .altname = "BTCUSDT", .ws_name = "btcusdt"};
    int status;
    const char *body;
    size_t len;
    cb_instruments_t list;
    if (!fuzz_orders_input(data, size, statuses, &b, &status, &body, &len, &list)) {
        return 0;
    }
    bool has_code = len > 0 && memmem(body, len, "\"code\"", 6) != NULL;
    cb_venue_error_t err;
    cb_vorder_t out;
    int rc = cb_binance_order_parse(&list, true, status, body, len, &out, &err);
    fuzz_orders_check_err(rc, &err);
    if (rc != 0 && s_refusal(&err) && (!has_code || status >= 500)) {
        abort();
    }
    rc = cb_binance_order_parse_amend(&list, status, body, len, &out, &err);
    fuzz_orders_check_err(rc, &err);
    if (rc != 0 && s_refusal(&err) && (!has_code || status >= 500)) {
        abort();
    }
    cb_order_batch_t batch;
    fuzz_orders_check_err(cb_binance_order_parse_cancel_all(status, body, len, &batch, &err), &err);
    cb_order_query_t q;
    rc = cb_binance_order_parse_query(&list, status, body, len, &q, &err);
    fuzz_orders_check_err(rc, &err);
    if (rc == 0 && !q.found && (len == 0 || memmem(body, len, "2013", 4) == NULL)) {
        abort();
    }
    cb_instruments_fini(&list);
    return 0;
}
