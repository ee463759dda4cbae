/* cb_nonce.h - per-API-key nonces that only grow, across every replica and restart (Redis) */
#ifndef CB_NONCE_H_INCLUDED
#define CB_NONCE_H_INCLUDED

#include <stdint.h>

#include "cb_redis.h"
#include "cb_script.h"

/* Ownership: the generator borrows redis (which must outlive it) and owns
 * nothing else; one per thread, like the cb_redis_t it uses. */
typedef struct {
    cb_redis_t *redis;
    cb_script_t script;
    char key[128];
} cb_nonce_t;

/* Prepares a generator for one venue's API key. The Redis key is
 * coinbus:nonce:<venue>:<fingerprint>, where the fingerprint is the first 16
 * hex digits of SHA-256(api_key): the key itself never reaches Redis. venue
 * is the configured venue name (COINBUS_VENUES, as cb_creds_load takes it:
 * "sim-kraken"), which every signer of one key must use alike (`coinbus
 * creds verify` does).
 * Returns 0 or CB_E_NOT_FOUND (script missing from the build). */
int
cb_nonce_init(cb_nonce_t *nonce, cb_redis_t *redis, const char *venue, const char *api_key);

/* The next nonce: max(now in microseconds, last + 1), decided atomically in
 * Redis, so every replica and every restart gets a strictly larger one.
 * Fails closed: 0 with *out set, or CB_E_UNAVAILABLE / CB_E_TIMEOUT when Redis
 * cannot be asked (no nonce is invented locally), CB_E_INTERNAL otherwise. */
int
cb_nonce_next(cb_nonce_t *nonce, uint64_t *out);

/* The same with the caller's clock value (tests, other units). */
int
cb_nonce_next_at(cb_nonce_t *nonce, uint64_t now, uint64_t *out);

#endif
