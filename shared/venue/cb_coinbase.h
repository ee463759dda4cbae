/* cb_coinbase.h - the Coinbase Exchange dialect (public market data): what its REST, stream and error parts share */
#ifndef CB_COINBASE_H_INCLUDED
#define CB_COINBASE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_dialect.h"

/* The table itself is cb_coinbase_ops (cb_dialect.h), defined in
 * cb_coinbase.c from the functions below, which are exposed so that the two
 * halves (cb_coinbase_rest.c, cb_coinbase_ws.c) and the tests can reach them. */

/* Documented fee schedule of Coinbase Exchange's lowest tier ($0-$10K 30-day
 * volume): taker 60 bps, maker 40 bps; maker 0 on Stable Pairs. */
#define CB_COINBASE_TAKER_FEE "0.006"
#define CB_COINBASE_MAKER_FEE "0.004"

/* True when the NUL-terminated id (within cap bytes) is a product id that
 * can go into a URL path or a JSON string as it is: [A-Za-z0-9._-]+. */
bool
cb_coinbase_id_ok(const char *id, size_t cap);

/* The side of the taker in a trade whose maker side is side ("buy" ->
 * "sell", "sell" -> "buy"): Coinbase's trades and match messages give the
 * maker's side. 0 or CB_E_PARSE. */
int
cb_coinbase_taker_side(cb_str_t maker_side, cb_str_t *taker);

/* Classifies a failed Coinbase answer: product_route says the request named
 * a product (/products/{id}/...), so that 404 means an unknown symbol. Fills
 * err (class, status, the venue's "message") and returns cb_verr_code. */
int
cb_coinbase_error(bool product_route, bool changes_state, bool transport_failed, bool sent,
                  int http_status, const char *body, size_t len, int64_t retry_after_ms,
                  cb_venue_error_t *err);

/* cb_dialect_ops_t.rest_url and rest_parse (cb_coinbase_rest.c). OHLC takes
 * interval_s 60, 300, 900, 3600 or 86400 (Coinbase has no 30m, 4h or 1w
 * candles; its 6h is not a coinbus interval): CB_E_BAD_REQUEST otherwise. */
int
cb_coinbase_rest_url(const cb_venue_cfg_t *v, cb_rest_op_t op, const cb_rest_args_t *args,
                     char *url, size_t size);
int
cb_coinbase_rest_parse(cb_md_parser_t *p, cb_rest_op_t op, const cb_rest_args_t *args,
                       int http_status, const char *body, size_t len, cb_instruments_t *list,
                       cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err);

/* cb_dialect_ops_t stream functions (cb_coinbase_ws.c). The book channel is
 * level2_batch (level2 now needs authentication). */
int
cb_coinbase_ws_url(const cb_venue_cfg_t *v, const cb_instrument_t *const *ins, size_t n,
                   const cb_ws_channels_t *ch, char *url, size_t size);
int
cb_coinbase_ws_subscribe(const cb_instrument_t *const *ins, size_t n, const cb_ws_channels_t *ch,
                         int k, int64_t req_id, cb_buf_t *out);
int
cb_coinbase_ws_resubscribe_book(const cb_instrument_t *ins, int depth, int k, int64_t req_id,
                                cb_buf_t *out);
int
cb_coinbase_ws_ping(int64_t req_id, cb_buf_t *out);
int
cb_coinbase_ws_parse(cb_md_parser_t *p, const char *data, size_t len, cb_md_emit_fn emit,
                     void *ctx);

#endif
