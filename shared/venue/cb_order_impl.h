/* cb_order_impl.h - what the order modules of each dialect share (not for callers) */
#ifndef CB_ORDER_IMPL_H_INCLUDED
#define CB_ORDER_IMPL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_jtok.h"
#include "cb_order.h"

/* Empties call and sets its method, path and changes_state. */
void
cb_order_call_init(cb_order_call_t *call, const char *method, const char *path,
                   bool changes_state);

/* Appends "key=value" ('&' first unless empty). value must need no
 * escaping (the callers pass decimals, closed words and checked ids). 0 or
 * CB_E_TOO_BIG. */
int
cb_order_param(cb_order_call_t *call, const char *key, const char *value);

/* Appends key=<d> for a d > 0. 0, CB_E_BAD_REQUEST (d <= 0) or CB_E_TOO_BIG. */
int
cb_order_param_dec(cb_order_call_t *call, const char *key, cb_decimal_t d);

/* What both venues refuse before anything is sent: no instrument, amount
 * <= 0, a limit without a price, a stop without a trigger, a market order
 * with a price, post-only on anything but a GTC limit, a client order id
 * the venue does not take. 0 or CB_E_BAD_REQUEST. */
int
cb_order_req_check(const cb_order_req_t *o, cb_dialect_t dialect);

/* The decimal at token i into d: absent or null leaves d unset; 0, or
 * CB_E_PARSE / CB_E_RANGE for anything else. */
int
cb_order_dec(const cb_jdoc_t *doc, int i, cb_odec_t *d);

/* The string (or number) at token i into buf, "" when absent or null. 0,
 * CB_E_PARSE (an object, an array, bad escapes) or CB_E_TOO_BIG. */
int
cb_order_text(const cb_jdoc_t *doc, int i, char *buf, size_t size);

/* A 2xx reply that is not the documented shape: UNKNOWN_OUTCOME when the
 * request changes state (whatever it did is not told), else BAD_REPLY.
 * Fills err and returns its code. */
int
cb_order_bad_reply(cb_venue_error_t *err, bool changes_state, int http_status, const char *why);

/* avg = cost / filled, when both are set and filled > 0 (12 fraction
 * digits, half-even). */
void
cb_order_avg(cb_vorder_t *o);

#endif
