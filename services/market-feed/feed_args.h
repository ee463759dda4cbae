/* feed_args.h - reading the market ops' RPC arguments (a msgpack map) with messages that name the argument */
#ifndef FEED_ARGS_H_INCLUDED
#define FEED_ARGS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_decimal.h"
#include "cb_rpc.h"
#include "cb_venue.h"

/* Each reader looks up key in req's args (a map; absent args = an empty map)
 * and returns 0 when found and valid, CB_E_NOT_FOUND when the key is absent
 * or nil, CB_E_BAD_REQUEST when args is not a map or the value is invalid,
 * with a client-safe message naming the argument in msg (msg_size bytes).
 * Strings: cb_rpc_args_str (shared/cb_rpc_args.h). */

/* An unsigned integer: a msgpack int, or a string of decimal digits (the CLI
 * sends key=value as text). */
int
feed_args_uint(const cb_rpc_request_t *req, const char *key, uint64_t *out, char *msg,
               size_t msg_size);

/* An exact decimal: a decimal string or a msgpack int; a float is refused. */
int
feed_args_dec(const cb_rpc_request_t *req, const char *key, cb_decimal_t *out, char *msg,
              size_t msg_size);

/* The required "symbol": "BTC-USD", or an asset "BTC" completed with the
 * optional "quote" (default USD); upper-cased and checked against the symbol
 * grammar. Absent is CB_E_BAD_REQUEST here. */
int
feed_args_symbol(const cb_rpc_request_t *req, char out[CB_SYMBOL_MAX + 1], char *msg,
                 size_t msg_size);

/* "venue", a venue name; required or optional (absent gives "" and 0). */
int
feed_args_venue(const cb_rpc_request_t *req, bool required, char out[CB_VENUE_NAME_MAX + 1],
                char *msg, size_t msg_size);

/* An optional count in 1..max, default def when absent. */
int
feed_args_count(const cb_rpc_request_t *req, const char *key, unsigned def, unsigned max,
                unsigned *out, char *msg, size_t msg_size);

#endif
