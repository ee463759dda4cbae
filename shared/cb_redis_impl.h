/* cb_redis_impl.h - what cb_redis.c and cb_redis_cluster.c share: the handle and the seed connection's steps */
#ifndef CB_REDIS_IMPL_H_INCLUDED
#define CB_REDIS_IMPL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_redis.h"
#include "cb_redis_cluster.h"

/* What the log last said about the seed connection; a line is written only
 * when this changes. */
typedef enum {
    CB_REDIS_ST_NEW = 0,
    CB_REDIS_ST_UP,
    CB_REDIS_ST_DOWN,
    CB_REDIS_ST_AUTH_FAILED,
    CB_REDIS_ST_SELECT_FAILED,
} cb_redis_state_t;

#define CB_REDIS_NODES_MAX 32

/* A Redis Cluster node other than the URL's, named by a redirection. */
typedef struct {
    char host[256];
    int port;
    redisContext *ctx;
    int64_t retry_at_ms; /* monotonic; no connect attempt before it */
} cb_redis_node_t;

/* What a handle learnt of a cluster: which node serves each slot (0: the
 * URL's node, i: nodes[i - 1]; 0 also for a slot not known yet, which the
 * URL's node then redirects). */
typedef struct {
    uint8_t slot_node[CB_REDIS_SLOTS];
    cb_redis_node_t nodes[CB_REDIS_NODES_MAX];
    int count;
} cb_redis_cluster_t;

/* One pipelined command waiting for its reply. */
typedef struct {
    char *cmd;         /* formatted (redisFormatCommandArgv), owned */
    int len;
    int node;          /* where it went; -1: a MULTI not sent yet */
    bool sent;
    bool in_multi;     /* part of a MULTI ... EXEC */
    redisReply *reply; /* read ahead, owned */
} cb_redis_piped_t;

struct cb_redis {
    cb_redis_url_t url;
    redisContext *ctx; /* the connection to the URL's node (the seed) */
    int connect_ms;
    int command_ms;
    int64_t retry_at_ms; /* monotonic; no connect attempt before it */
    int backoff_ms;      /* the delay after the next failed connect */
    int backoff_err;     /* returned while backing off */
    int64_t up_since_ms; /* when the open connection was made */
    cb_redis_state_t state;
    int64_t down_since_ms;
    uint32_t rnd;                 /* jitter generator state, never 0 */
    cb_redis_cluster_t *cluster;  /* NULL until the first redirection */
    int last_node;                /* the node the last command ran on */
    int multi_node;               /* the node a MULTI is open on, -1: none */
    int multi_queued;             /* commands queued in that MULTI */
    cb_redis_piped_t *pipe;       /* ring of pipelined commands, oldest at pipe_head */
    size_t pipe_head, pipe_len, pipe_cap;
    int pipe_multi;               /* node of the MULTI being pipelined, -1 none, -2 deferred */
};

/* cb_redis_url_parse, with *why set to a reason (no secrets) on failure. */
int
cb_redis_url_parse_why(const char *text, cb_redis_url_t *url, const char **why);

/* Makes sure the seed connection is open: connects (or fails fast while
 * backing off). 0 or the error of cb_redis_command. */
int
cb_redis_seed_connect(cb_redis_t *r);

/* The seed connection failed (errno_at_fail: errno right after the call):
 * drops it, logs, schedules the reconnect. Returns CB_E_TIMEOUT or
 * CB_E_UNAVAILABLE. */
int
cb_redis_seed_lost(cb_redis_t *r, int errno_at_fail);

/* AUTH and SELECT on a fresh connection ctx with r's credentials; 0 or an
 * error code with why (never a secret) set. */
int
cb_redis_handshake(cb_redis_t *r, redisContext *ctx, char *why, size_t why_size);

/* Connects to host:port with r's timeouts, keepalive, AUTH and SELECT.
 * The connection, or NULL with *rc (an error code of cb_redis_command) and
 * why (never a secret) set; logs nothing. */
redisContext *
cb_redis_open(cb_redis_t *r, const char *host, int port, int *rc, char *why, size_t why_size);

/* CB_E_TIMEOUT or CB_E_UNAVAILABLE for a failed hiredis call on ctx. */
int
cb_redis_io_code(const redisContext *ctx, int errno_at_fail);

/* Runs one formatted command (len bytes of RESP) where its key lives:
 * follows MOVED (learning the slot's node) and ASK (ASKING first) up to 5
 * times, keeps a MULTI's commands on the MULTI's node. The reply or NULL
 * with *err, as cb_redis_command. */
redisReply *
cb_redis_cluster_run(cb_redis_t *r, int *err, const char *cmd, int len);

/* The node c goes to (0: the seed), as cb_redis_cluster_run routes. */
int
cb_redis_cluster_route(const cb_redis_t *r, const cb_redis_cmd_t *c);

/* The open connection to node, connecting first when needed; NULL with
 * *err set when it cannot be had. */
redisContext *
cb_redis_node_ctx(cb_redis_t *r, int node, int *err);

/* The connection to node when open, else NULL (never connects). */
redisContext *
cb_redis_node_ctx_open(cb_redis_t *r, int node);

/* node's connection failed: drops it (and every pipelined reply due);
 * returns CB_E_TIMEOUT or CB_E_UNAVAILABLE. */
int
cb_redis_node_lost(cb_redis_t *r, int node, int errno_at_fail);

/* Records the slot's node a MOVED reply names (nothing for others). */
void
cb_redis_cluster_learn(cb_redis_t *r, const redisReply *reply);

/* Pipelining (cb_redis_pipe.c). Queues cmd (ownership taken, len bytes) on
 * the node of its key; a MULTI waits for the next command's node. 0 or an
 * error code (the queue is then emptied, as the connection was lost). */
int
cb_redis_pipe_append(cb_redis_t *r, char *cmd, int len);

/* The reply of the oldest queued command (caller frees); a redirected one
 * is run again where it belongs (outside a MULTI). NULL with *err. */
redisReply *
cb_redis_pipe_get(cb_redis_t *r, int *err);

/* Writes every queued command out to its node's socket. 0 or the first
 * write error (that node's connection dropped, the queue emptied). */
int
cb_redis_pipe_flush(cb_redis_t *r);

/* Reads and drops every reply still due. 0 or the first read error. */
int
cb_redis_pipe_discard(cb_redis_t *r);

/* Forgets every queued command (a connection was lost). */
void
cb_redis_pipe_lost(cb_redis_t *r);

/* Frees the queue. */
void
cb_redis_pipe_free(cb_redis_t *r);

/* Applies the command timeout to the other nodes' open connections. */
void
cb_redis_cluster_set_timeout(cb_redis_t *r, struct timeval tv);

/* Closes the other nodes' connections and frees what was learnt. NULL-safe. */
void
cb_redis_cluster_free(cb_redis_t *r);

#endif
