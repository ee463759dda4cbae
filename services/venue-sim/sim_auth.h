/* sim_auth.h - request authentication for the simulated venues: Kraken API-Sign, nonces and lockouts, Binance HMAC-SHA256 signatures and timestamps */
#ifndef SIM_AUTH_H_INCLUDED
#define SIM_AUTH_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Kraken (shared/venues/kraken.md sections 2 and 3) ------------------ */

/* The exact error strings Kraken answers with; callers put them in the
 * {"error":[...]} envelope. */
#define SIM_KRAKEN_INVALID_KEY "EAPI:Invalid key"
#define SIM_KRAKEN_INVALID_SIGNATURE "EAPI:Invalid signature"
#define SIM_KRAKEN_INVALID_NONCE "EAPI:Invalid nonce"
#define SIM_KRAKEN_LOCKOUT "EGeneral:Temporary lockout"
#define SIM_KRAKEN_INTERNAL "EGeneral:Internal error"

/* An API-Sign value: base64 of a 64-byte HMAC-SHA512 (88 characters), NUL. */
#define SIM_AUTH_KRAKEN_SIGN_SIZE 89
/* A nonce's text: at most 20 digits, NUL. */
#define SIM_AUTH_NONCE_SIZE 21

/* Lockout defaults: SIM_AUTH_LOCK_FAILURES invalid signatures or nonces in
 * a row on one key, each within SIM_AUTH_LOCK_WINDOW_NS of the streak's
 * first, lock that key for SIM_AUTH_LOCK_NS (Kraken: "about 15 min"). */
#define SIM_AUTH_LOCK_FAILURES 10u
#define SIM_AUTH_LOCK_WINDOW_NS (60LL * 1000000000LL)
#define SIM_AUTH_LOCK_NS (15LL * 60 * 1000000000LL)

/* How many accepted nonces per key are remembered to refuse replays inside
 * a nonce window. */
#define SIM_AUTH_NONCE_RING 32

/* Computes Kraken's API-Sign: base64(HMAC-SHA512(base64decode(secret_b64),
 * path || SHA256(nonce || body))) into out (NUL-terminated). path is the
 * venue's own path ("/0/private/AddOrder", without our /kraken mount) and body
 * the exact bytes sent. Returns 0, or -1 when the secret is not strict
 * base64 (or decodes to nothing) or OpenSSL fails; out is then "". */
int
sim_auth_kraken_sign(const char *secret_b64, const char *path, size_t path_len, const char *nonce,
                     size_t nonce_len, const char *body, size_t body_len,
                     char out[SIM_AUTH_KRAKEN_SIGN_SIZE]);

/* True when sign (sign_len bytes, the API-Sign header) is the API-Sign of
 * that request, compared in constant time. A malformed secret or signature
 * (bad base64, wrong length, empty) is simply false. */
bool
sim_auth_kraken_verify(const char *secret_b64, const char *path, size_t path_len,
                       const char *nonce, size_t nonce_len, const char *body, size_t body_len,
                       const char *sign, size_t sign_len);

/* Finds the nonce in a private request body: JSON ({"nonce":123...} or
 * {"nonce":"123"}) when content_type (ct_len bytes, may be NULL) is
 * application/json, else form-urlencoded (nonce=...&...). It must be an
 * unsigned 64-bit decimal integer of 1-20 digits. Writes its value and its
 * text as sent (for the signature) into text; returns 0, or -1 when the nonce
 * is absent or malformed, or the JSON body is invalid. */
int
sim_auth_kraken_nonce(const char *content_type, size_t ct_len, const char *body, size_t body_len,
                      uint64_t *nonce, char text[SIM_AUTH_NONCE_SIZE]);

/* Per-key Kraken state: last accepted nonce, nonce window, invalid-request
 * streak and lockout. Owns copies of the keys. One thread. */
typedef struct sim_auth sim_auth_t;

/* A table with the default lockout (SIM_AUTH_LOCK_*). NULL on failure. */
sim_auth_t *
sim_auth_new(void);

/* NULL-safe and idempotent; frees every key's state and nulls *auth_p. */
void
sim_auth_destroy(sim_auth_t **auth_p);

/* Sets the lockout: failures (0 disables it) invalid signatures or nonces in
 * a row within window_ns lock the key for lock_ns. Applies from the next
 * failure; keys locked now stay locked until their time. */
void
sim_auth_set_lockout(sim_auth_t *auth, unsigned failures, int64_t window_ns, int64_t lock_ns);

/* Sets key's nonce window W (default 0): a nonce must exceed the last
 * accepted one, or, with W > 0, exceed last - W without having been used
 * (see sim_auth_kraken_nonce_use). Returns 0 or -1 when out of memory. */
int
sim_auth_set_nonce_window(sim_auth_t *auth, const char *key, uint64_t window);

/* Checks nonce for key and records it when accepted. Accepted: the key's
 * first nonce; any nonce above the last accepted one; with a window W, a
 * nonce above last - W that is not among the key's SIM_AUTH_NONCE_RING most
 * recent accepted nonces and is above every nonce that fell out of that ring,
 * so a nonce is never accepted twice. Returns NULL when accepted, else
 * SIM_KRAKEN_INVALID_NONCE (SIM_KRAKEN_INTERNAL when out of memory). This
 * does not count toward the lockout; sim_auth_kraken_check does. */
const char *
sim_auth_kraken_nonce_use(sim_auth_t *auth, const char *key, uint64_t nonce);

/* The whole check of a Kraken private request, in Kraken's order. key is
 * the API-Key header (NULL when absent) and secret_b64 its account's secret
 * (NULL when the key is unknown: SIM_KRAKEN_INVALID_KEY, not tracked, so
 * unknown keys cost no memory). A locked key gets SIM_KRAKEN_LOCKOUT
 * whatever it sends. Then the nonce is read from the body (absent or
 * malformed: SIM_KRAKEN_INVALID_NONCE), the signature verified
 * (SIM_KRAKEN_INVALID_SIGNATURE) and only then the nonce used, so a forged
 * request cannot burn nonces. Invalid signatures and nonces count toward the
 * lockout; an accepted request ends the streak. Returns NULL when accepted,
 * else one of the SIM_KRAKEN_* strings (static; SIM_KRAKEN_INTERNAL when out
 * of memory). */
const char *
sim_auth_kraken_check(sim_auth_t *auth, const char *key, const char *secret_b64, const char *path,
                      size_t path_len, const char *content_type, size_t ct_len, const char *body,
                      size_t body_len, const char *sign, size_t sign_len, int64_t now_ns);

/* True while key is locked out at now_ns. */
bool
sim_auth_kraken_locked(const sim_auth_t *auth, const char *key, int64_t now_ns);

/* ---- Binance (shared/venues/binance.md sections 3 and 5) ---------------- */

#define SIM_BINANCE_MSG_SIZE 192

/* A Binance rejection: HTTP status, code and message, for
 * {"code":-1022,"msg":"..."}. */
typedef struct {
    int status;
    int code;
    char msg[SIM_BINANCE_MSG_SIZE];
} sim_binance_error_t;

#define SIM_BINANCE_INVALID_SIGNATURE -1022
#define SIM_BINANCE_INVALID_SIGNATURE_MSG "Signature for this request is not valid."
#define SIM_BINANCE_BAD_API_KEY_FMT -2014
#define SIM_BINANCE_BAD_API_KEY_FMT_MSG "API-key format invalid."
#define SIM_BINANCE_REJECTED_MBX_KEY -2015
#define SIM_BINANCE_REJECTED_MBX_KEY_MSG "Invalid API-key, IP, or permissions for action."
#define SIM_BINANCE_INVALID_TIMESTAMP -1021
#define SIM_BINANCE_OUTSIDE_WINDOW_MSG "Timestamp for this request is outside of the recvWindow."
#define SIM_BINANCE_AHEAD_MSG "Timestamp for this request was 1000ms ahead of the server's time."

/* recvWindow: default and maximum, ms. */
#define SIM_BINANCE_RECV_WINDOW_DEFAULT 5000
#define SIM_BINANCE_RECV_WINDOW_MAX 60000

/* A hex HMAC-SHA256: 64 lowercase characters, NUL. */
#define SIM_AUTH_BINANCE_SIGN_SIZE 65

/* Writes lowercase hex(HMAC-SHA256(secret, payload)) into out. Returns 0, or
 * -1 when secret is empty or OpenSSL fails (out is then ""). */
int
sim_auth_binance_sign(const char *secret, size_t secret_len, const char *payload, size_t len,
                      char out[SIM_AUTH_BINANCE_SIGN_SIZE]);

/* Verifies a SIGNED request over the exact bytes received: the payload is
 * the raw query string followed (no separator) by the raw body, minus the
 * `signature` parameter and its one '&' separator, wherever it is. The
 * signature is hex, case-insensitive. Returns 0, or the Binance code with err
 * filled (err may be NULL): -1102 (400) when signature is absent or empty,
 * -1101 (400) when sent twice, -1022 (400) when it does not match or is not
 * 64 hex digits, or the secret is empty. */
int
sim_auth_binance_verify(const char *secret, size_t secret_len, const char *query, size_t query_len,
                        const char *body, size_t body_len, sim_binance_error_t *err);

/* Checks the X-MBX-APIKEY header's form (key may be NULL when absent): 1-128
 * printable ASCII characters without spaces. Returns 0 or -2014 (401) with
 * err filled. Whether the key exists is the caller's lookup (-2015, see
 * sim_auth_binance_error). */
int
sim_auth_binance_key_format(const char *key, size_t len, sim_binance_error_t *err);

/* Checks timestamp and recvWindow (query string value first, then the
 * body's) against server_ms: accepted when timestamp < server + 1000 ms and
 * server - timestamp <= recvWindow (default 5000, at most 60000, ms with up
 * to 3 decimals). A timestamp of 10^14 or more is read as microseconds.
 * Returns 0 or the code with err filled: -1021 (400) with the "ahead" or the
 * "outside of the recvWindow" message; -1102 when timestamp is absent or
 * empty, or recvWindow exceeds 60000; -1105 when recvWindow is empty; -1100
 * when either has characters outside its legal range. */
int
sim_auth_binance_timestamp(const char *query, size_t query_len, const char *body, size_t body_len,
                           int64_t server_ms, sim_binance_error_t *err);

/* Fills err (if not NULL) with status, code and msg (copied, truncated);
 * returns code. For the callers' own rejections, e.g. -2015 for an unknown key. */
int
sim_auth_binance_error(sim_binance_error_t *err, int status, int code, const char *msg);

#endif
