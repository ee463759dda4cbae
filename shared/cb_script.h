/* cb_script.h - run an embedded Lua script in Redis by EVALSHA, reloading it after NOSCRIPT */
#ifndef CB_SCRIPT_H_INCLUDED
#define CB_SCRIPT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "cb_redis.h"

/* Every script of shared/lua starts with a "#!lua" line (Redis 7 script
 * flags, none given): a Redis Cluster then refuses a script touching keys of
 * two slots, even keys the script builds itself on one node, so each script
 * keeps its keys in one slot (hash tags) and tests/integration/
 * test_redis_cluster.c proves it for each. */

/* A script and its SHA-1 (what Redis names it by). Plain value; the text
 * stays in the embedded table. */
typedef struct {
    const char *name;
    const char *text;
    size_t len;
    char sha[41];
} cb_script_t;

/* Looks up the embedded script name (shared/lua/<name>.lua) and computes its
 * SHA-1 locally. 0 or CB_E_NOT_FOUND. */
int
cb_script_init(cb_script_t *script, const char *name);

/* The command vector of one run, for a caller with its own transport (an
 * async connection): EVALSHA <sha> <nkeys> keys... args..., or EVAL <text>
 * ... when eval is true (after NOSCRIPT: EVAL also caches the script).
 * argv and lens hold at least nkeys + nargs + 3 entries and point into
 * script, keys, args and numkeys (16 bytes). Returns argc, or
 * CB_E_BAD_REQUEST for more than 32 keys and args. */
int
cb_script_argv(const cb_script_t *script, bool eval, int nkeys, const char *const *keys,
               int nargs, const char *const *args, char *numkeys, const char **argv,
               size_t *lens);

/* EVALSHA with nkeys keys then nargs args (NUL-terminated strings). When Redis
 * answers NOSCRIPT (a restart or SCRIPT FLUSH emptied its cache) the script is
 * loaded with SCRIPT LOAD and run once more. Returns the reply (caller frees;
 * a script error is an error reply with *err = 0) or NULL with *err from
 * cb_redis_commandv (CB_E_UNAVAILABLE, CB_E_TIMEOUT, ...). */
redisReply *
cb_script_run(cb_redis_t *redis, const cb_script_t *script, int *err, int nkeys,
              const char *const *keys, int nargs, const char *const *args);

/* Queues one EVALSHA on redis's pipeline (cb_redis_appendv) without waiting:
 * its reply is read in order with cb_redis_get_reply. 0 or the error of
 * cb_redis_appendv (CB_E_BAD_REQUEST for more than 32 keys and args). */
int
cb_script_append(cb_redis_t *redis, const cb_script_t *script, int nkeys, const char *const *keys,
                 int nargs, const char *const *args);

/* True when reply (may be NULL) is an error saying the script did not run
 * at all: NOSCRIPT (not loaded), MOVED / ASK (another node). Run it again
 * with cb_script_run once no queued reply is left unread. */
bool
cb_script_not_run(const redisReply *reply);

#endif
