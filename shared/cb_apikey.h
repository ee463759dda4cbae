/* cb_apikey.h - api-edge's own API keys: their text, their SHA-256, scopes and the Redis store */
#ifndef CB_APIKEY_H_INCLUDED
#define CB_APIKEY_H_INCLUDED

/* A key is "cbk_" followed by 64 lowercase hex digits (32 bytes of
 * RAND_bytes); it is shown once, when created, and only its SHA-256 is
 * stored. Each key has an id (16 hex digits) to list and revoke it by.
 * Redis layout (one hash tag, so every operation touches one Cluster slot):
 *   coinbus:edge:{apikeys}:hash:<sha256 hex>  HASH id, scope  (the lookup)
 *   coinbus:edge:{apikeys}:key:<id>           HASH name, scope, hash, created_ms
 *   coinbus:edge:{apikeys}:used:<id>          STRING last use, Unix ms (0: never)
 *   coinbus:edge:{apikeys}:ids                SET of ids
 * Revoking deletes the lookup record: the next request with the key fails
 * (api-edge's key cache hears of the delete; see CB_APIKEY_SETTLE_MS).
 * The blocking functions take a cb_redis_t (the CLI); api-edge sends the
 * same commands asynchronously, built by cb_apikey_lookup_argv /
 * cb_apikey_touch_argv. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_redis.h"

#define CB_APIKEY_PREFIX "cbk_"
#define CB_APIKEY_TEXT_LEN 68 /* "cbk_" + 64 hex digits */
#define CB_APIKEY_ID_LEN 16
#define CB_APIKEY_HASH_LEN 64
#define CB_APIKEY_NAME_MAX 64
#define CB_APIKEY_REDIS_KEY_MAX 128
/* The lookup records' common prefix (what api-edge's key cache tracks). */
#define CB_APIKEY_HASH_KEY_PREFIX "coinbus:edge:{apikeys}:hash:"
/* api-edge answers a key from memory only while it has heard from Redis,
 * on its tracking connection, about a request it sent at most this long
 * ago: every write Redis ran before that request has reached it. A revoke
 * returns only after this long past its delete, so the next request, on
 * whatever replica, is refused. */
#define CB_APIKEY_SETTLE_MS 500

typedef enum {
    CB_APIKEY_SCOPE_NONE = 0, /* a route that needs no key */
    CB_APIKEY_SCOPE_READ,
    CB_APIKEY_SCOPE_TRADE, /* includes read */
} cb_apikey_scope_t;

/* One stored key as listed (never the key text). */
typedef struct {
    char id[CB_APIKEY_ID_LEN + 1];
    char name[CB_APIKEY_NAME_MAX + 1];
    cb_apikey_scope_t scope;
    int64_t created_ms;
    int64_t last_used_ms; /* 0: never used */
} cb_apikey_info_t;

/* "none", "read" or "trade". */
const char *
cb_apikey_scope_name(cb_apikey_scope_t scope);

/* Parses "read" or "trade" (len bytes). 0 or CB_E_BAD_REQUEST. */
int
cb_apikey_scope_parse(const char *text, size_t len, cb_apikey_scope_t *out);

/* Whether a key of scope have may use a route that needs scope need
 * (trade includes read; every key passes a route needing none). */
bool
cb_apikey_scope_allows(cb_apikey_scope_t have, cb_apikey_scope_t need);

/* Whether len bytes are a key's shape (prefix, 64 lowercase hex digits):
 * anything else is refused without asking Redis. */
bool
cb_apikey_well_formed(const char *text, size_t len);

/* Whether text is an id's shape (16 lowercase hex digits). */
bool
cb_apikey_id_well_formed(const char *text);

/* The SHA-256 of len bytes of key as 64 lowercase hex digits + NUL. */
void
cb_apikey_hash(const char *key, size_t len, char hex[CB_APIKEY_HASH_LEN + 1]);

/* Whether name (1..64 bytes of letters, digits, '-', '_', '.', ' ') is
 * acceptable as a key's name. */
bool
cb_apikey_name_ok(const char *name);

/* Creates a key named name with scope: fresh random text and id, stored
 * (MULTI/EXEC) with created_ms = now. On success key_out holds the text
 * (CB_APIKEY_TEXT_LEN + 1 bytes; the caller shows it once and wipes it)
 * and info the record. 0, CB_E_BAD_REQUEST (name or scope), CB_E_INTERNAL
 * (no randomness), or the error of cb_redis_command. */
int
cb_apikey_create(cb_redis_t *r, const char *name, cb_apikey_scope_t scope, char *key_out,
                 cb_apikey_info_t *info);

/* Every stored key, sorted by creation time, into a malloc'd array (*out,
 * free it; NULL when none) of *count entries. 0 or a cb_redis error. */
int
cb_apikey_list(cb_redis_t *r, cb_apikey_info_t **out, size_t *count);

/* Deletes key id, then waits CB_APIKEY_SETTLE_MS: on return it is refused
 * by every api-edge. 0, CB_E_NOT_FOUND (no such id, or not an id's shape)
 * or a cb_redis error. */
int
cb_apikey_revoke(cb_redis_t *r, const char *id);

/* The lookup command for a key's hash: HMGET <hash key> id scope, written
 * into argv/lens (3 + 1 entries) with the key name in keybuf
 * (CB_APIKEY_REDIS_KEY_MAX bytes). Returns argc (4). */
int
cb_apikey_lookup_argv(const char hex[CB_APIKEY_HASH_LEN + 1], char *keybuf, const char *argv[4],
                      size_t lens[4]);

/* Reads the lookup's reply elements (id and scope as bulk strings, or nil
 * when the key is unknown or revoked). 0 with id (CB_APIKEY_ID_LEN + 1
 * bytes) and scope set, CB_E_NOT_FOUND, or CB_E_PARSE (a malformed record). */
int
cb_apikey_lookup_parse(const char *id_text, size_t id_len, const char *scope_text, size_t scope_len,
                       char *id, cb_apikey_scope_t *scope);

/* The last-use update of key id: SET <used key> <now_ms> XX (a revoked
 * key's record is not created again). argv/lens get 4 entries, the key name
 * keybuf (CB_APIKEY_REDIS_KEY_MAX bytes), the time msbuf (24 bytes).
 * Returns argc (4). */
int
cb_apikey_touch_argv(const char *id, int64_t now_ms, char *keybuf, char *msbuf, const char *argv[4],
                     size_t lens[4]);

#endif
