/* cb_script.c - run an embedded Lua script in Redis by EVALSHA, reloading it after NOSCRIPT */
#include <stdio.h>
#include <string.h>

#include <openssl/sha.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_lua.h"
#include "cb_script.h"

#define S_MAX_ARGV 32

int
cb_script_init(cb_script_t *script, const char *name)
{
    const cb_lua_source_t *src = cb_lua_find(name);
    if (src == NULL) {
        return CB_E_NOT_FOUND;
    }
    script->name = src->name;
    script->text = src->text;
    script->len = src->len;
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *) src->text, src->len, digest);
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++) {
        snprintf(script->sha + 2 * i, 3, "%02x", digest[i]);
    }
    return 0;
}

int
cb_script_argv(const cb_script_t *script, bool eval, int nkeys, const char *const *keys, int nargs,
               const char *const *args, char *numkeys, const char **argv, size_t *lens)
{
    if (nkeys < 0 || nargs < 0 || nkeys + nargs > S_MAX_ARGV) {
        return CB_E_BAD_REQUEST;
    }
    snprintf(numkeys, 16, "%d", nkeys);
    int argc = 0;
    argv[argc++] = eval ? "EVAL" : "EVALSHA";
    argv[argc++] = eval ? script->text : script->sha;
    argv[argc++] = numkeys;
    for (int i = 0; i < nkeys; i++) {
        argv[argc++] = keys[i];
    }
    for (int i = 0; i < nargs; i++) {
        argv[argc++] = args[i];
    }
    for (int i = 0; i < argc; i++) {
        lens[i] = strlen(argv[i]);
    }
    if (eval) {
        lens[1] = script->len;
    }
    return argc;
}

static redisReply *
s_evalsha(cb_redis_t *redis, const cb_script_t *script, int *err, int nkeys,
          const char *const *keys, int nargs, const char *const *args)
{
    const char *argv[S_MAX_ARGV + 3];
    size_t lens[S_MAX_ARGV + 3];
    char numkeys[16];
    int argc = cb_script_argv(script, false, nkeys, keys, nargs, args, numkeys, argv, lens);
    if (argc < 0) {
        *err = argc;
        return NULL;
    }
    return cb_redis_commandv(redis, err, argc, argv, lens);
}

redisReply *
cb_script_run(cb_redis_t *redis, const cb_script_t *script, int *err, int nkeys,
              const char *const *keys, int nargs, const char *const *args)
{
    if (nkeys < 0 || nargs < 0 || nkeys + nargs > S_MAX_ARGV) {
        *err = CB_E_BAD_REQUEST;
        return NULL;
    }
    redisReply *reply = s_evalsha(redis, script, err, nkeys, keys, nargs, args);
    if (reply == NULL || reply->type != REDIS_REPLY_ERROR ||
        strncmp(reply->str, "NOSCRIPT", 8) != 0) {
        return reply;
    }
    freeReplyObject(reply);
    const char *argv[3] = {"SCRIPT", "LOAD", script->text};
    size_t lens[3] = {6, 4, script->len};
    reply = cb_redis_commandv(redis, err, 3, argv, lens);
    if (reply == NULL) {
        return NULL;
    }
    bool loaded = reply->type == REDIS_REPLY_STRING && strcmp(reply->str, script->sha) == 0;
    if (!loaded) {
        cb_log_error("script_load_failed", "script=%s reply=\"%.*s\"", script->name,
                     reply->type == REDIS_REPLY_ERROR ? (int) reply->len : 0,
                     reply->type == REDIS_REPLY_ERROR ? reply->str : "");
        freeReplyObject(reply);
        *err = CB_E_INTERNAL;
        return NULL;
    }
    freeReplyObject(reply);
    cb_log_info("script_loaded", "script=%s sha=%s", script->name, script->sha);
    return s_evalsha(redis, script, err, nkeys, keys, nargs, args);
}

int
cb_script_append(cb_redis_t *redis, const cb_script_t *script, int nkeys, const char *const *keys,
                 int nargs, const char *const *args)
{
    const char *argv[S_MAX_ARGV + 3];
    size_t lens[S_MAX_ARGV + 3];
    char numkeys[16];
    int argc = cb_script_argv(script, false, nkeys, keys, nargs, args, numkeys, argv, lens);
    return argc < 0 ? argc : cb_redis_appendv(redis, argc, argv, lens);
}

bool
cb_script_not_run(const redisReply *reply)
{
    return reply != NULL && reply->type == REDIS_REPLY_ERROR && reply->str != NULL &&
           (strncmp(reply->str, "NOSCRIPT", 8) == 0 || strncmp(reply->str, "MOVED ", 6) == 0 ||
            strncmp(reply->str, "ASK ", 4) == 0);
}
