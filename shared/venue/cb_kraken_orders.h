/* cb_kraken_orders.h - Kraken order requests (AddOrder, CancelOrder, AmendOrder, CancelAll, CancelAllOrdersAfter, Open/ClosedOrders by cl_ord_id) and their replies */
#ifndef CB_KRAKEN_ORDERS_H_INCLUDED
#define CB_KRAKEN_ORDERS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_order.h"

/* The builders fill call (sign it with cb_kraken_private_req(v, call->path,
 * call->params, nonce, ..., call->changes_state, &req)). Each returns 0,
 * CB_E_BAD_REQUEST (what the venue could not take: see cb_order_req_check)
 * or CB_E_TOO_BIG. */

/* AddOrder: pair (the instrument's native id), type, ordertype (stop types
 * with a price become stop-loss-limit / take-profit-limit: price = trigger,
 * price2 = limit), volume, price, price2, oflags=post, timeinforce (IOC,
 * FOK; GTC is the default and not sent), cl_ord_id, validate=true. */
int
cb_kraken_order_place(const cb_order_req_t *o, cb_order_call_t *call);

/* CancelOrder by txid, or by cl_ord_id when ref->id is "". */
int
cb_kraken_order_cancel(const cb_order_ref_t *ref, cb_order_call_t *call);

/* AmendOrder (in place, ids kept) by txid or cl_ord_id: order_qty and/or
 * limit_price (at least one). */
int
cb_kraken_order_amend(const cb_order_amend_t *a, cb_order_call_t *call);

/* CancelAll: every open order of the account. Kraken has no per-pair
 * cancel-all: a non-NULL ins is CB_E_BAD_REQUEST (cancel its orders one by
 * one, or with CancelOrderBatch). */
int
cb_kraken_order_cancel_all(const cb_instrument_t *ins, cb_order_call_t *call);

/* CancelAllOrdersAfter: arms the dead-man's switch for timeout_s seconds
 * (1..86400), or disarms it (0). */
int
cb_kraken_order_cancel_after(int64_t timeout_s, cb_order_call_t *call);

/* OpenOrders (closed false) or ClosedOrders (closed true) filtered by
 * cl_ord_id. QueryOrders takes txids only, so resolving an order by its
 * client id takes both: OpenOrders first, then ClosedOrders (an order that
 * closes between the two is then still seen); "no such order" only when
 * neither has it. */
int
cb_kraken_order_query(const char *client_order_id, bool closed, cb_order_call_t *call);

/* The parsers read a reply of any HTTP status. A venue error fills err and
 * returns cb_verr_code(err->cls) (refusals REJECTED / INSUFFICIENT_FUNDS /
 * NOT_FOUND; a 5xx, an EService error or a cut or undocumented reply to a
 * call that changes state is UNKNOWN_OUTCOME, never a refusal). list maps
 * pairs to unified symbols (may be NULL: symbol left ""). */

/* AddOrder's reply: out gets the txid (none when validated), the request's
 * fields, status NONE (Kraken's reply does not say; query it). */
int
cb_kraken_order_parse_place(const cb_order_req_t *o, int http_status, const char *body, size_t len,
                            cb_vorder_t *out, cb_venue_error_t *err);

/* CancelOrder's or CancelAll's reply: {"count":N} into out->count. */
int
cb_kraken_order_parse_cancel(int http_status, const char *body, size_t len, cb_order_batch_t *out,
                             cb_venue_error_t *err);

/* AmendOrder's reply ({"amend_id":...}): out is a's order with the new
 * price and amount, status NONE. */
int
cb_kraken_order_parse_amend(const cb_order_amend_t *a, int http_status, const char *body,
                            size_t len, cb_vorder_t *out, cb_venue_error_t *err);

/* CancelAllOrdersAfter's reply: currentTime and triggerTime (RFC 3339; "0"
 * or the epoch when disarmed) into out. */
int
cb_kraken_order_parse_cancel_after(int http_status, const char *body, size_t len,
                                   cb_order_batch_t *out, cb_venue_error_t *err);

/* OpenOrders' or ClosedOrders' reply searched for client_order_id: found
 * with the order normalised, or found false when this list does not hold
 * it (see cb_kraken_order_query). */
int
cb_kraken_order_parse_query(const cb_instruments_t *list, const char *client_order_id,
                            int http_status, const char *body, size_t len, cb_order_query_t *out,
                            cb_venue_error_t *err);

#endif
