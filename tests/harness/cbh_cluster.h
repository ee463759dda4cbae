/* cbh_cluster.h - test harness: a 3-node Redis Cluster of real redis-server processes on loopback */
#ifndef CBH_CLUSTER_H_INCLUDED
#define CBH_CLUSTER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "cbh.h"

#define CBH_CLUSTER_NODES 3

typedef struct {
    cbh_proc_t *proc[CBH_CLUSTER_NODES];
    int port[CBH_CLUSTER_NODES];
    char url[CBH_CLUSTER_NODES][128]; /* redis://[:<password>@]127.0.0.1:<port>/0 */
    char dir[256];
    char password[64]; /* "": none */
} cbh_cluster_t;

/* Starts CBH_CLUSTER_NODES redis-servers ($CBH_REDIS_SERVER, else from PATH)
 * with --cluster-enabled yes on free loopback ports (cluster bus ports free
 * too), in one fresh temp dir without persistence; joins them with
 * `redis-cli --cluster create ... --cluster-replicas 0 --cluster-yes` and
 * waits until every node says cluster_state:ok. 0 or -1 (logged to stderr;
 * *c is then safe to cbh_cluster_stop). */
int
cbh_cluster_start(cbh_cluster_t *c);

/* The same with every node requiring password (--requirepass, and
 * --masterauth); NULL or "": none. The URLs carry it, and so do the
 * harness's own connections. */
int
cbh_cluster_start_auth(cbh_cluster_t *c, const char *password);

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

/* A slot being moved between two nodes (cbh_cluster_migrate). */
typedef struct {
    redisContext *ctx[2]; /* to the owner and the target */
    int slot;
    int from; /* the owner's index */
    int to;   /* the target's: the next node */
} cbh_cluster_migration_t;

/* Starts moving key's slot from its owner to the next node: MIGRATING on
 * the owner (which then answers ASK for a key it does not have), and
 * IMPORTING on the target when importing (else the target answers MOVED
 * back: a redirection loop). 0 or -1 (logged; nothing left half-set). */
int
cbh_cluster_migrate(const cbh_cluster_t *c, const char *key, bool importing,
                    cbh_cluster_migration_t *m);

/* Ends the migration (both nodes STABLE) and closes its connections. Safe
 * twice. */
void
cbh_cluster_settle(cbh_cluster_migration_t *m);

#endif
