/* cb_binance_impl.h - what the Binance dialect's files share among themselves (not for callers) */
#ifndef CB_BINANCE_IMPL_H_INCLUDED
#define CB_BINANCE_IMPL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_binance.h"
#include "cb_jtok.h"

/* ns per ms: Binance times are ms, coinbus times are ns. */
#define CB_BINANCE_NS_PER_MS 1000000LL

/* The rest_url, rest_parse, ws_parse and classify entries of cb_binance_ops. */
int cb_binance_rest_url(const cb_venue_cfg_t *v, cb_rest_op_t op, const cb_rest_args_t *args,
                        char *url, size_t size);

int cb_binance_rest_parse(cb_md_parser_t *p, cb_rest_op_t op, const cb_rest_args_t *args,
                          int http_status, const char *body, size_t len, cb_instruments_t *list,
                          cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err);

int cb_binance_ws_parse(cb_md_parser_t *p, const char *data, size_t len, cb_md_emit_fn emit,
                        void *ctx);

/* The general stream parser (a token tree; every documented message). */
int cb_binance_ws_parse_doc(cb_md_parser_t *p, const char *data, size_t len, cb_md_emit_fn emit,
                            void *ctx);

/* The fast path for bookTicker, trade, aggTrade and depthUpdate in their
 * usual compact shape: *handled true when it emitted (the result is then
 * what emit returned); false when the general parser must decide (nothing
 * emitted). It emits exactly what cb_binance_ws_parse_doc would. */
int cb_binance_ws_fast(cb_md_parser_t *p, const char *data, size_t len, cb_md_emit_fn emit,
                       void *ctx, bool *handled);

int cb_binance_classify(const cb_venue_req_t *req, bool transport_failed, bool sent,
                        int http_status, const char *body, size_t len, int64_t retry_after_ms,
                        cb_venue_error_t *err);

/* Classifies a reply whose body is already tokenised in doc (doc->count 0:
 * not JSON). Same contract as cb_binance_classify. */
int cb_binance_classify_doc(const cb_jdoc_t *doc, bool changes_state, int http_status,
                            int64_t retry_after_ms, cb_venue_error_t *err);

/* Reads the levels of array arr ([[price, qty, ...], ...]) into dst[0..*n)
 * (room for cap). Prices must be > 0 and amounts >= 0. Returns 0,
 * CB_E_PARSE, CB_E_RANGE or CB_E_TOO_BIG (more than cap). */
int cb_binance_levels(const cb_jdoc_t *doc, int arr, cb_level_t *dst, size_t cap, size_t *n);

/* Fills both sides of a book message from arrays bids and asks (either may
 * be -1 for none), using the parser's level scratch. */
int cb_binance_book_sides(cb_md_parser_t *p, int bids, int asks, cb_book_t *book);

/* The integer at token i times 1e6 (ms -> ns); CB_E_PARSE / CB_E_RANGE. */
int cb_binance_ms_to_ns(const cb_jdoc_t *doc, int i, int64_t *ns);

#endif
