/* cb_apikey.c - api-edge's own API keys: their text, their SHA-256, scopes and the Redis store */
#include "cb_apikey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cb_error.h"
#include "cb_time.h"

#define S_NS "coinbus:edge:{apikeys}"
#define S_SECRET_BYTES 32
#define S_ID_BYTES 8

static const char s_hex[] = "0123456789abcdef";

static void
s_to_hex(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = s_hex[in[i] >> 4];
        out[2 * i + 1] = s_hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static bool
s_is_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

const char *
cb_apikey_scope_name(cb_apikey_scope_t scope)
{
    switch (scope) {
    case CB_APIKEY_SCOPE_READ: return "read";
    case CB_APIKEY_SCOPE_TRADE: return "trade";
    default: return "none";
    }
}

int
cb_apikey_scope_parse(const char *text, size_t len, cb_apikey_scope_t *out)
{
    if (text != NULL && len == 4 && memcmp(text, "read", 4) == 0) {
        *out = CB_APIKEY_SCOPE_READ;
        return 0;
    }
    if (text != NULL && len == 5 && memcmp(text, "trade", 5) == 0) {
        *out = CB_APIKEY_SCOPE_TRADE;
        return 0;
    }
    return CB_E_BAD_REQUEST;
}

bool
cb_apikey_scope_allows(cb_apikey_scope_t have, cb_apikey_scope_t need)
{
    return (int) have >= (int) need;
}

bool
cb_apikey_well_formed(const char *text, size_t len)
{
    size_t p = sizeof CB_APIKEY_PREFIX - 1;
    return text != NULL && len == CB_APIKEY_TEXT_LEN && memcmp(text, CB_APIKEY_PREFIX, p) == 0 &&
           s_is_hex(text + p, len - p);
}

bool
cb_apikey_id_well_formed(const char *text)
{
    return text != NULL && strlen(text) == CB_APIKEY_ID_LEN && s_is_hex(text, CB_APIKEY_ID_LEN);
}

void
cb_apikey_hash(const char *key, size_t len, char hex[CB_APIKEY_HASH_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(key, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32) {
        /* Cannot happen with a working libcrypto; an all-zero hash matches
         * no stored key. */
        memset(md, 0, 32);
    }
    s_to_hex(md, 32, hex);
}

bool
cb_apikey_name_ok(const char *name)
{
    size_t len = name != NULL ? strlen(name) : 0;
    if (len == 0 || len > CB_APIKEY_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_' || c == '.' || c == ' ';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* ---- blocking store ----------------------------------------------------- */

/* Runs one command and checks its reply type; the reply is the caller's. */
static redisReply *
s_run(cb_redis_t *r, int *err, int argc, const char **argv)
{
    redisReply *reply = cb_redis_commandv(r, err, argc, argv, NULL);
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        freeReplyObject(reply);
        *err = CB_E_UNAVAILABLE;
        return NULL;
    }
    return reply;
}

/* Runs argc-argument commands in a MULTI/EXEC: cmds holds n argument
 * vectors of up to 8 strings each, NULL-terminated. 0 or an error. */
static int
s_transaction(cb_redis_t *r, const char *cmds[][8], size_t n)
{
    int err = 0;
    const char *multi[] = {"MULTI"};
    redisReply *reply = s_run(r, &err, 1, multi);
    if (reply == NULL) {
        return err;
    }
    freeReplyObject(reply);
    for (size_t i = 0; i < n; i++) {
        int argc = 0;
        while (argc < 8 && cmds[i][argc] != NULL) {
            argc++;
        }
        reply = s_run(r, &err, argc, cmds[i]);
        if (reply == NULL) {
            return err;
        }
        freeReplyObject(reply);
    }
    const char *exec[] = {"EXEC"};
    reply = s_run(r, &err, 1, exec);
    if (reply == NULL) {
        return err;
    }
    int rc = reply->type == REDIS_REPLY_ARRAY ? 0 : CB_E_UNAVAILABLE;
    freeReplyObject(reply);
    return rc;
}

int
cb_apikey_create(cb_redis_t *r, const char *name, cb_apikey_scope_t scope, char *key_out,
                 cb_apikey_info_t *info)
{
    if (!cb_apikey_name_ok(name) || scope == CB_APIKEY_SCOPE_NONE) {
        return CB_E_BAD_REQUEST;
    }
    unsigned char secret[S_SECRET_BYTES];
    unsigned char idb[S_ID_BYTES];
    if (RAND_bytes(secret, sizeof secret) != 1 || RAND_bytes(idb, sizeof idb) != 1) {
        OPENSSL_cleanse(secret, sizeof secret);
        return CB_E_INTERNAL;
    }
    memcpy(key_out, CB_APIKEY_PREFIX, sizeof CB_APIKEY_PREFIX - 1);
    s_to_hex(secret, sizeof secret, key_out + sizeof CB_APIKEY_PREFIX - 1);
    OPENSSL_cleanse(secret, sizeof secret);
    memset(info, 0, sizeof *info);
    s_to_hex(idb, sizeof idb, info->id);
    snprintf(info->name, sizeof info->name, "%s", name);
    info->scope = scope;
    info->created_ms = cb_time_now_ms();
    char hex[CB_APIKEY_HASH_LEN + 1];
    cb_apikey_hash(key_out, CB_APIKEY_TEXT_LEN, hex);
    char k_hash[CB_APIKEY_REDIS_KEY_MAX], k_key[CB_APIKEY_REDIS_KEY_MAX], k_used[CB_APIKEY_REDIS_KEY_MAX];
    char created[24];
    snprintf(k_hash, sizeof k_hash, CB_APIKEY_HASH_KEY_PREFIX "%s", hex);
    snprintf(k_key, sizeof k_key, S_NS ":key:%s", info->id);
    snprintf(k_used, sizeof k_used, S_NS ":used:%s", info->id);
    snprintf(created, sizeof created, "%lld", (long long) info->created_ms);
    const char *sc = cb_apikey_scope_name(scope);
    const char *cmds[][8] = {
        {"HMSET", k_hash, "id", info->id, "scope", sc, NULL},
        {"HMSET", k_key, "name", name, "scope", sc, "hash", hex},
        {"HSET", k_key, "created_ms", created, NULL},
        {"SET", k_used, "0", NULL},
        {"SADD", S_NS ":ids", info->id, NULL},
    };
    int rc = s_transaction(r, cmds, sizeof cmds / sizeof cmds[0]);
    if (rc != 0) {
        OPENSSL_cleanse(key_out, CB_APIKEY_TEXT_LEN + 1);
    }
    return rc;
}

static int64_t
s_int(const redisReply *e)
{
    return e != NULL && e->type == REDIS_REPLY_STRING ? strtoll(e->str, NULL, 10) : 0;
}

static int
s_cmp(const void *a, const void *b)
{
    const cb_apikey_info_t *x = a;
    const cb_apikey_info_t *y = b;
    if (x->created_ms != y->created_ms) {
        return x->created_ms < y->created_ms ? -1 : 1;
    }
    return strcmp(x->id, y->id);
}

/* Reads one id's record into info. 0, CB_E_NOT_FOUND (revoked meanwhile)
 * or an error. */
static int
s_read_one(cb_redis_t *r, const char *id, cb_apikey_info_t *info)
{
    char k_key[CB_APIKEY_REDIS_KEY_MAX], k_used[CB_APIKEY_REDIS_KEY_MAX];
    snprintf(k_key, sizeof k_key, S_NS ":key:%s", id);
    snprintf(k_used, sizeof k_used, S_NS ":used:%s", id);
    int err = 0;
    const char *hm[] = {"HMGET", k_key, "name", "scope", "created_ms"};
    redisReply *reply = s_run(r, &err, 5, hm);
    if (reply == NULL) {
        return err;
    }
    int rc = CB_E_NOT_FOUND;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 && reply->element[0]->type == REDIS_REPLY_STRING) {
        memset(info, 0, sizeof *info);
        snprintf(info->id, sizeof info->id, "%s", id);
        snprintf(info->name, sizeof info->name, "%s", reply->element[0]->str);
        const redisReply *sc = reply->element[1];
        if (sc->type != REDIS_REPLY_STRING || cb_apikey_scope_parse(sc->str, sc->len, &info->scope) != 0) {
            info->scope = CB_APIKEY_SCOPE_NONE;
        }
        info->created_ms = s_int(reply->element[2]);
        rc = 0;
    }
    freeReplyObject(reply);
    if (rc != 0) {
        return rc;
    }
    const char *get[] = {"GET", k_used};
    reply = s_run(r, &err, 2, get);
    if (reply == NULL) {
        return err;
    }
    info->last_used_ms = s_int(reply);
    freeReplyObject(reply);
    return 0;
}

int
cb_apikey_list(cb_redis_t *r, cb_apikey_info_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    int err = 0;
    const char *smembers[] = {"SMEMBERS", S_NS ":ids"};
    redisReply *ids = s_run(r, &err, 2, smembers);
    if (ids == NULL) {
        return err;
    }
    int rc = 0;
    cb_apikey_info_t *list = NULL;
    size_t n = 0;
    if (ids->type == REDIS_REPLY_ARRAY && ids->elements > 0) {
        list = calloc(ids->elements, sizeof *list);
        rc = list == NULL ? CB_E_NOMEM : 0;
    }
    for (size_t i = 0; rc == 0 && ids->type == REDIS_REPLY_ARRAY && i < ids->elements; i++) {
        const redisReply *e = ids->element[i];
        if (e->type != REDIS_REPLY_STRING || !cb_apikey_id_well_formed(e->str)) {
            continue;
        }
        rc = s_read_one(r, e->str, &list[n]);
        if (rc == 0) {
            n++;
        } else if (rc == CB_E_NOT_FOUND) {
            rc = 0;
        }
    }
    freeReplyObject(ids);
    if (rc != 0) {
        free(list);
        return rc;
    }
    if (n > 1) {
        qsort(list, n, sizeof *list, s_cmp);
    }
    *out = list;
    *count = n;
    return 0;
}

int
cb_apikey_revoke(cb_redis_t *r, const char *id)
{
    if (!cb_apikey_id_well_formed(id)) {
        return CB_E_NOT_FOUND;
    }
    char k_key[CB_APIKEY_REDIS_KEY_MAX], k_used[CB_APIKEY_REDIS_KEY_MAX], k_hash[CB_APIKEY_REDIS_KEY_MAX];
    snprintf(k_key, sizeof k_key, S_NS ":key:%s", id);
    snprintf(k_used, sizeof k_used, S_NS ":used:%s", id);
    int err = 0;
    const char *hget[] = {"HGET", k_key, "hash"};
    redisReply *reply = s_run(r, &err, 3, hget);
    if (reply == NULL) {
        return err;
    }
    bool found = reply->type == REDIS_REPLY_STRING && reply->len == CB_APIKEY_HASH_LEN &&
                 s_is_hex(reply->str, reply->len);
    if (found) {
        snprintf(k_hash, sizeof k_hash, CB_APIKEY_HASH_KEY_PREFIX "%s", reply->str);
    }
    freeReplyObject(reply);
    if (!found) {
        return CB_E_NOT_FOUND;
    }
    const char *cmds[][8] = {
        {"DEL", k_hash, k_key, k_used, NULL},
        {"SREM", S_NS ":ids", id, NULL},
    };
    int rc = s_transaction(r, cmds, sizeof cmds / sizeof cmds[0]);
    if (rc == 0) {
        cb_time_sleep_ms(CB_APIKEY_SETTLE_MS, NULL);
    }
    return rc;
}

/* ---- the asynchronous commands' text ------------------------------------ */

int
cb_apikey_lookup_argv(const char hex[CB_APIKEY_HASH_LEN + 1], char *keybuf, const char *argv[4],
                      size_t lens[4])
{
    snprintf(keybuf, CB_APIKEY_REDIS_KEY_MAX, CB_APIKEY_HASH_KEY_PREFIX "%s", hex);
    argv[0] = "HMGET";
    argv[1] = keybuf;
    argv[2] = "id";
    argv[3] = "scope";
    for (int i = 0; i < 4; i++) {
        lens[i] = strlen(argv[i]);
    }
    return 4;
}

int
cb_apikey_lookup_parse(const char *id_text, size_t id_len, const char *scope_text, size_t scope_len,
                       char *id, cb_apikey_scope_t *scope)
{
    if (id_text == NULL || scope_text == NULL) {
        return CB_E_NOT_FOUND;
    }
    if (id_len != CB_APIKEY_ID_LEN || !s_is_hex(id_text, id_len) ||
        cb_apikey_scope_parse(scope_text, scope_len, scope) != 0) {
        return CB_E_PARSE;
    }
    memcpy(id, id_text, id_len);
    id[id_len] = '\0';
    return 0;
}

int
cb_apikey_touch_argv(const char *id, int64_t now_ms, char *keybuf, char *msbuf, const char *argv[4],
                     size_t lens[4])
{
    snprintf(keybuf, CB_APIKEY_REDIS_KEY_MAX, S_NS ":used:%s", id);
    snprintf(msbuf, 24, "%lld", (long long) now_ms);
    argv[0] = "SET";
    argv[1] = keybuf;
    argv[2] = msbuf;
    argv[3] = "XX";
    for (int i = 0; i < 4; i++) {
        lens[i] = strlen(argv[i]);
    }
    return 4;
}
