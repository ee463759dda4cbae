/* cb_kraken.h - the Kraken dialect beyond its table: error envelope, private request signing */
#ifndef CB_KRAKEN_H_INCLUDED
#define CB_KRAKEN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_dialect.h"
#include "cb_venue.h"

/* The class of one Kraken error string ("EOrder:Insufficient funds", len
 * bytes): AUTH, RATE_LIMIT, UNKNOWN_SYMBOL, INSUFFICIENT_FUNDS, REJECTED,
 * NOT_FOUND, UNAVAILABLE; for a request that changes state, an EService or
 * internal error that does not say the order was refused is UNKNOWN_OUTCOME. */
cb_verr_class_t
cb_kraken_error_class(const char *code, size_t len, bool changes_state);

/* Reads Kraken's envelope {"error":[...],"result":...} of any reply, public
 * or private. Returns 0 when it holds no error (warnings "W..." are not
 * errors); otherwise fills err (class, the first error string as venue_code,
 * all error strings as message, retry_after_ms: the argument, or a default
 * for rate limits) and returns cb_verr_code(err->cls). A body that is not
 * the envelope gives CB_E_PARSE with err BAD_REPLY (UNKNOWN_OUTCOME when
 * changes_state). Allocates a token array for the call. */
int
cb_kraken_error_parse(const char *body, size_t len, int http_status, bool changes_state,
                      int64_t retry_after_ms, cb_venue_error_t *err);

/* The HMAC key of a Kraken API secret: base64 text -> bytes in key (cap
 * bytes), *key_len set. 0, CB_E_PARSE (not base64) or CB_E_TOO_BIG. The
 * caller wipes key (OPENSSL_cleanse) when done. */
int
cb_kraken_secret_decode(const char *b64, uint8_t *key, size_t cap, size_t *key_len);

/* Kraken's API-Sign: base64(HMAC-SHA512(key, path || SHA256(nonce || body))),
 * with key the decoded secret (cb_kraken_secret_decode), path the venue's
 * "/0/private/<Method>", nonce its decimal text and body the exact bytes
 * sent. Writes the NUL-terminated 88-character signature into out. 0,
 * CB_E_TOO_BIG (out smaller than 89 bytes) or CB_E_INTERNAL (OpenSSL). */
int
cb_kraken_sign(const char *path, const char *nonce, const char *body, size_t body_len,
               const uint8_t *key, size_t key_len, char *out, size_t size);

/* A private request: POST {v->rest_base}/0/private/<method> with body
 * "nonce=<nonce>[&<form>]" (form: url-encoded parameters, may be NULL or
 * empty) and headers API-Key, API-Sign (over "/0/private/<method>", never a
 * prefix of rest_base), Content-Type form-urlencoded, User-Agent. secret is
 * the decoded key; it is used only for the HMAC. out is initialised here
 * (cb_venue_req_fini frees it, also after a failure). 0, CB_E_BAD_REQUEST
 * (method not [A-Za-z]+, key with control characters), CB_E_TOO_BIG or
 * CB_E_NOMEM. */
int
cb_kraken_private_req(const cb_venue_cfg_t *v, const char *method, const char *form,
                      uint64_t nonce, const char *api_key, const uint8_t *secret,
                      size_t secret_len, bool changes_state, cb_venue_req_t *out);

#endif
