/* fuzz_kraken_orders.c - libFuzzer: every Kraken order reply parser (AddOrder, CancelOrder, AmendOrder, CancelAllOrdersAfter, Open/ClosedOrders) on any bytes */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_kraken_orders.h"
#include "fuzz_orders.h"

/* Properties, each an abort when violated: no crash, hang or leak; a
 * success fills what it promises; an error is a CB_E_* code with err's
 * class set; a reply to a state-changing call is never a refusal unless
 * the body is Kraken's envelope with an error (a cut or foreign body is
 * UNKNOWN_OUTCOME). The first byte picks the HTTP status. */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int statuses[] = {200, 200, 200, 400, 429, 500, 502, 520};
    static const cb_instrument_t k = {.symbol = "BTC-USD", .base = "BTC", .quote = "USD",
                                      .native = "XXBTZUSD", .altname = "XBTUSD", .ws_name = "BTC/USD"};
    int status;
    const char *body;
    size_t len;
    cb_instruments_t list;
    if (!fuzz_orders_input(data, size, statuses, &k, &status, &body, &len, &list)) {
        return 0;
    }
    cb_venue_error_t err;
    cb_order_req_t o = {.ins = &list.items[0], .type = CB_OTYPE_LIMIT, .has_price = true,
                        .amount = cb_decimal_from_int(1), .price = cb_decimal_from_int(2),
                        .client_order_id = "cb-1"};
    cb_vorder_t out;
    int rc = cb_kraken_order_parse_place(&o, status, body, len, &out, &err);
    fuzz_orders_check_err(rc, &err);
    if (rc == 0 && out.id[0] == '\0') {
        abort();
    }
    bool envelope_error = len > 0 && memmem(body, len, "\"error\"", 7) != NULL;
    if (rc != 0 && !envelope_error &&
        (err.cls == CB_VERR_REJECTED || err.cls == CB_VERR_INSUFFICIENT_FUNDS)) {
        abort();
    }
    cb_order_batch_t b;
    fuzz_orders_check_err(cb_kraken_order_parse_cancel(status, body, len, &b, &err), &err);
    fuzz_orders_check_err(cb_kraken_order_parse_cancel_after(status, body, len, &b, &err), &err);
    cb_order_amend_t a = {.ref = {.client_order_id = "cb-1"}, .has_price = true};
    fuzz_orders_check_err(cb_kraken_order_parse_amend(&a, status, body, len, &out, &err), &err);
    cb_order_query_t q;
    rc = cb_kraken_order_parse_query(&list, "cb-1", status, body, len, &q, &err);
    fuzz_orders_check_err(rc, &err);
    if ((rc != 0 && q.found) || (q.found && strcmp(q.order.client_order_id, "cb-1") != 0)) {
        abort();
    }
    cb_instruments_fini(&list);
    return 0;
}
