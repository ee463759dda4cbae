/* cb_binance.h - the Binance spot dialect: public REST, streams, errors, HMAC-signed requests */
#ifndef CB_BINANCE_H_INCLUDED
#define CB_BINANCE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_dialect.h"

/* The dialect's table (also reachable as cb_binance_ops in cb_dialect.h). */
extern const cb_dialect_ops_t cb_binance_ops;

/* Binance's kline interval name for interval_s ("1m", "5m", "15m", "30m",
 * "1h", "4h", "1d", "1w": the ones coinbus candles carry), or NULL. */
const char *cb_binance_interval(int interval_s);

/* The documented signature of a SIGNED request: lower-case hex of
 * HMAC-SHA256(secret, query || body), the query string and the body
 * concatenated without a separator, as sent. hex gets 64 digits and a NUL.
 * Returns 0, or CB_E_INTERNAL when OpenSSL fails. The secret is not copied. */
int cb_binance_sign(const uint8_t *secret, size_t secret_len, const char *query, size_t query_len,
                    const char *body, size_t body_len, char hex[65]);

/* A SIGNED request ready to send: v->rest_base + path, header X-MBX-APIKEY,
 * and params (url-encoded, without timestamp or signature; may be "" or
 * NULL) + "&recvWindow=R" (when recv_window_ms > 0) + "&timestamp=T" +
 * "&signature=S", in the query string for GET and in an
 * application/x-www-form-urlencoded body for POST, PUT and DELETE. changes_state
 * marks an order action (a lost reply is then UNKNOWN_OUTCOME). out is
 * initialised here; cb_venue_req_fini frees it, also after a failure.
 * Returns 0, CB_E_BAD_REQUEST (bad method, path, key or params) or
 * CB_E_TOO_BIG (the URL does not fit). Nothing secret is logged or kept. */
int cb_binance_signed_req(const cb_venue_cfg_t *v, const char *method, const char *path,
                          const char *params, int64_t timestamp_ms, int64_t recv_window_ms,
                          const char *api_key, const uint8_t *secret, size_t secret_len,
                          bool changes_state, cb_venue_req_t *out);

/* Selftest of the dialect (the documented signature examples, a stream
 * message, an error); 0 when it passes. */
int cb_binance_selftest(void);

#endif
