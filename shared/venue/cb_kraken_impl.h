/* cb_kraken_impl.h - the Kraken dialect's table entries, defined across cb_kraken_*.c (internal to the dialect) */
#ifndef CB_KRAKEN_IMPL_H_INCLUDED
#define CB_KRAKEN_IMPL_H_INCLUDED

#include "cb_dialect.h"

/* See cb_dialect_ops_t for each contract. */
int
cb_kraken_rest_url(const cb_venue_cfg_t *v, cb_rest_op_t op, const cb_rest_args_t *args, char *url,
                   size_t size);

int
cb_kraken_rest_parse(cb_md_parser_t *p, cb_rest_op_t op, const cb_rest_args_t *args,
                     int http_status, const char *body, size_t len, cb_instruments_t *list,
                     cb_md_emit_fn emit, void *ctx, cb_venue_error_t *err);

int
cb_kraken_ws_url(const cb_venue_cfg_t *v, const cb_instrument_t *const *ins, size_t n,
                 const cb_ws_channels_t *ch, char *url, size_t size);

int
cb_kraken_ws_subscribe(const cb_instrument_t *const *ins, size_t n, const cb_ws_channels_t *ch,
                       int k, int64_t req_id, cb_buf_t *out);

int
cb_kraken_ws_resubscribe_book(const cb_instrument_t *ins, int depth, int k, int64_t req_id,
                              cb_buf_t *out);

int
cb_kraken_ws_ping(int64_t req_id, cb_buf_t *out);

int
cb_kraken_ws_parse(cb_md_parser_t *p, const char *data, size_t len, cb_md_emit_fn emit, void *ctx);

/* Classifies a failed reply from an already tokenised body (doc->count 0
 * when there is none or it did not parse). */
int
cb_kraken_classify_doc(const cb_jdoc_t *doc, bool changes_state, bool transport_failed, bool sent,
                       int http_status, int64_t retry_after_ms, cb_venue_error_t *err);

#endif
