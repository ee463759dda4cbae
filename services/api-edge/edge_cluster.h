/* edge_cluster.h - api-edge's async Redis on a Redis Cluster: commands follow MOVED and ASK to the other nodes, on the same loop */
#ifndef EDGE_CLUSTER_H_INCLUDED
#define EDGE_CLUSTER_H_INCLUDED

/* The asynchronous counterpart of cb_redis's redirections (the same slot
 * computation and reply parsing, shared/cb_redis_cluster.h). The URL's node
 * (the seed) stays its owner's connection, asked for through seed_fn at each
 * send; the other nodes' connections are made here, when a redirection first
 * names them: non-blocking connects on the owner's loop, AUTH and SELECT
 * queued ahead of the first command as on the seed (a node named by a host
 * name rather than an address is resolved by hiredis with getaddrinfo, as
 * the seed's host is: Redis names nodes by address unless told otherwise
 * with cluster-preferred-endpoint-type). On a single Redis no reply ever
 * redirects: a command goes to the seed as before, with one more small
 * allocation and its formatted text kept until the reply. */

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/async.h>

#include "cb_httpd.h"
#include "cb_redis.h"

typedef struct edge_cluster edge_cluster_t;

/* Nodes other than the seed one cluster may name (as cb_redis). */
#define EDGE_CLUSTER_NODES_MAX 32

/* The seed connection while it takes commands, else NULL. */
typedef redisAsyncContext *(*edge_cluster_seed_fn)(void *ctx);

/* url is borrowed and must outlive cl (the other nodes' credentials and db;
 * its host:port names the seed). NULL on no memory. */
edge_cluster_t *
edge_cluster_new(cb_httpd_t *httpd, const cb_redis_url_t *url, edge_cluster_seed_fn seed_fn,
                 void *seed_ctx);

/* Closes the other nodes' connections (their commands' callbacks run with a
 * NULL reply) and frees. Free the seed first: its commands refer to cl.
 * NULL-safe, nulls *cl_p. */
void
edge_cluster_destroy(edge_cluster_t **cl_p);

/* Sends a command (argv as redisAsyncCommandArgv) to the node known to
 * serve its key's slot, else to the seed. A MOVED reply sends it to the
 * node named (remembered for the slot), ASK there once after ASKING, at
 * most CB_REDIS_REDIRECTS_MAX times; fn (may be NULL) then runs exactly
 * once, from the loop: with the reply; with the last redirection after the
 * bound; or with a NULL reply when a node cannot be reached (its slots are
 * then asked of the seed again, not before 200 ms) or its connection goes.
 * fn's ac is the connection the reply came on (NULL when there was none).
 * 0, or CB_E_UNAVAILABLE (no connection takes it) or CB_E_NOMEM, and fn
 * never runs. */
int
edge_cluster_send(edge_cluster_t *cl, redisCallbackFn *fn, void *privdata, int argc,
                  const char **argv, const size_t *lens);

/* Drops every other node's connection (their callbacks run with NULL), as
 * when the seed is dropped for answering no more. */
void
edge_cluster_drop(edge_cluster_t *cl);

/* Writes into out (at most max) the address of each other node's connection
 * slot (for edge_redis_flush); returns how many. */
size_t
edge_cluster_conns(edge_cluster_t *cl, redisAsyncContext **out[], size_t max);

#endif
