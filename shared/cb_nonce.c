/* cb_nonce.c - per-API-key nonces that only grow, across every replica and restart (Redis) */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_nonce.h"
#include "cb_time.h"

int
cb_nonce_init(cb_nonce_t *nonce, cb_redis_t *redis, const char *venue, const char *api_key)
{
    memset(nonce, 0, sizeof *nonce);
    nonce->redis = redis;
    int rc = cb_script_init(&nonce->script, "nonce");
    if (rc != 0) {
        return rc;
    }
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *) api_key, strlen(api_key), digest);
    char fingerprint[17];
    for (int i = 0; i < 8; i++) {
        snprintf(fingerprint + 2 * i, 3, "%02x", digest[i]);
    }
    snprintf(nonce->key, sizeof nonce->key, "coinbus:nonce:%s:%s", venue, fingerprint);
    return 0;
}

int
cb_nonce_next_at(cb_nonce_t *nonce, uint64_t now, uint64_t *out)
{
    char now_text[24];
    snprintf(now_text, sizeof now_text, "%" PRIu64, now);
    const char *keys[1] = {nonce->key};
    const char *args[1] = {now_text};
    int err;
    redisReply *reply = cb_script_run(nonce->redis, &nonce->script, &err, 1, keys, 1, args);
    if (reply == NULL) {
        return err;
    }
    int rc = 0;
    if (reply->type == REDIS_REPLY_INTEGER && reply->integer > 0) {
        *out = (uint64_t) reply->integer;
    } else {
        cb_log_error("nonce_failed", "key=%s reply_type=%d", nonce->key, reply->type);
        rc = CB_E_INTERNAL;
    }
    freeReplyObject(reply);
    return rc;
}

int
cb_nonce_next(cb_nonce_t *nonce, uint64_t *out)
{
    return cb_nonce_next_at(nonce, (uint64_t) (cb_time_now_ns() / 1000), out);
}
