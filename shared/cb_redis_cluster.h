/* cb_redis_cluster.h - Redis Cluster routing shared by cb_redis and api-edge's async client: key slots, a command's key, MOVED/ASK replies */
#ifndef CB_REDIS_CLUSTER_H_INCLUDED
#define CB_REDIS_CLUSTER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#define CB_REDIS_SLOTS 16384

/* A command is sent to at most this many nodes after the first one. */
#define CB_REDIS_REDIRECTS_MAX 5

/* What routing needs of a formatted command: its name and (when asked for)
 * its key; key_len 0 and key NULL when it has none. Both point into the
 * command. */
typedef struct {
    const char *name;
    size_t name_len;
    const char *key;
    size_t key_len;
} cb_redis_cmd_t;

/* What a MOVED or ASK error reply says; host points into the reply (not
 * NUL-terminated; host_len 0 when the node did not name its address). */
typedef struct {
    bool ask;
    int slot;
    const char *host;
    size_t host_len;
    int port;
} cb_redis_redirect_t;

/* The key's slot (CRC16 of its hash tag, the part between the first '{'
 * and the next '}' when not empty, else of the whole key), 0..16383. */
int
cb_redis_slot(const char *key, size_t len);

/* The name and, when want_key, the key of a formatted command (len bytes of
 * RESP): argv[1], the first key of EVAL / EVALSHA / FCALL, none for keyless
 * commands (PING, SCRIPT, MULTI, ...). Fields NULL for malformed input. */
void
cb_redis_cmd_parse(const char *cmd, int len, bool want_key, cb_redis_cmd_t *c);

/* True when c is the command word (case-insensitive). */
bool
cb_redis_cmd_is(const cb_redis_cmd_t *c, const char *word);

/* True for "MOVED <slot> <host>:<port>" or "ASK ..." (rd filled; rd may be
 * NULL), false for any other reply, NULL included. */
bool
cb_redis_redirect_parse(const redisReply *reply, cb_redis_redirect_t *rd);

#endif
