/* cbh_cluster.h - test harness: a 3-node Redis Cluster of real redis-server processes on loopback */
#ifndef CBH_CLUSTER_H_INCLUDED
#define CBH_CLUSTER_H_INCLUDED

#include <stddef.h>

#include "cbh.h"

#define CBH_CLUSTER_NODES 3

typedef struct {
    cbh_proc_t *proc[CBH_CLUSTER_NODES];
    int port[CBH_CLUSTER_NODES];
    char url[CBH_CLUSTER_NODES][128]; /* redis://127.0.0.1:<port>/0 */
    char dir[256];
} cbh_cluster_t;

/* Starts CBH_CLUSTER_NODES redis-servers ($CBH_REDIS_SERVER, else from PATH)
 * with --cluster-enabled yes on free loopback ports (cluster bus ports free
 * too), in one fresh temp dir without persistence; joins them with
 * `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes` and
 * waits until every node says cluster_state:ok. 0 or -1 (logged to stderr;
 * *c is then safe to cbh_cluster_stop). */
int
cbh_cluster_start(cbh_cluster_t *c);

/* Stops every node and removes the directory. NULL-safe, idempotent. */
void
cbh_cluster_stop(cbh_cluster_t *c);

/* The key's slot (CLUSTER KEYSLOT), -1 on error. */
int
cbh_cluster_slot(const cbh_cluster_t *c, const char *key);

/* The index (0..CBH_CLUSTER_NODES-1) of the node serving key's slot, as
 * CLUSTER SLOTS says; -1 on error. */
int
cbh_cluster_owner(const cbh_cluster_t *c, const char *key);

/* Writes into out (size bytes) the first key "<prefix><n>" (n = 0, 1, ...)
 * whose slot node serves; 0, or -1 when none of the first 1000 is. */
int
cbh_cluster_key_on(const cbh_cluster_t *c, const char *prefix, int node, char *out, size_t size);

#endif
