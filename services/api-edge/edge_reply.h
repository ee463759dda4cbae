/* edge_reply.h - api-edge's JSON answers: the error shape, statuses, and RPC results rendered with exact decimals and ISO times */
#ifndef EDGE_REPLY_H_INCLUDED
#define EDGE_REPLY_H_INCLUDED

/* Every error answer is {"error": "<short>", "detail": "<more>",
 * "timestamp": "<ISO 8601 UTC>"}. RPC results travel as msgpack with
 * decimals as exact strings and times as int64 ns; the renderer turns the
 * values of known keys into JSON numbers written from those strings (never
 * through a double) and ISO 8601 times. */

#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"

/* The short name of an HTTP status ("bad_request", "not_found",
 * "method_not_allowed", "payload_too_large", "rate_limited", ...). */
const char *
edge_reply_status_name(int status);

/* Replaces out with the error object of status (detail may be NULL: the
 * status's own text). 0 or CB_E_NOMEM. */
int
edge_reply_error(cb_buf_t *out, int status, const char *detail);

/* Writes a client-safe message (printf format) into err (errsize bytes,
 * may be NULL) and returns CB_E_BAD_REQUEST: the parsers' refusals. */
int
edge_reply_bad_request(char *err, size_t errsize, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Appends one msgpack value (len bytes) as JSON. Under the keys of decimal
 * fields (price, bid, ask, o, h, l, c, v, qty, spread, fee, ..., and every
 * element of bids/asks) a decimal string becomes a bare JSON number; under
 * time keys (timestamp, t, last_msg_ts, ...) an integer of ns becomes an ISO
 * 8601 string, and a key "<name>_ms" holding an integer of Unix ms becomes
 * "<name>" with the ISO 8601 time. Anything else as cb_json_from_msgpack writes it. 0,
 * CB_E_PARSE (malformed msgpack; out unchanged) or CB_E_NOMEM. */
int
edge_reply_render(cb_buf_t *out, const void *data, size_t len);

/* The HTTP status of a coinbus error code (CB_E_*; the wire codes' table of
 * proto/README.md). */
int
edge_reply_status_of(int code);

#endif
