/* cbh_cluster.c - test harness: a 3-node Redis Cluster of real redis-server processes on loopback */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "cbh_cluster.h"

static void
s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static long long
s_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection to the node on port with a 1 s timeout, authenticated with
 * the cluster's password; NULL when it cannot be had. */
static redisContext *
s_connect(const cbh_cluster_t *c, int port)
{
    struct timeval tv = {1, 0};
    redisContext *ctx = redisConnectWithTimeout("127.0.0.1", port, tv);
    if (ctx == NULL || ctx->err != 0) {
        goto fail;
    }
    redisSetTimeout(ctx, tv);
    if (c->password[0] != '\0') {
        redisReply *r = redisCommand(ctx, "AUTH %s", c->password);
        bool ok = r != NULL && r->type == REDIS_REPLY_STATUS;
        if (r != NULL) {
            freeReplyObject(r);
        }
        if (!ok) {
            goto fail;
        }
    }
    return ctx;

fail:
    if (ctx != NULL) {
        redisFree(ctx);
    }
    return NULL;
}

/* One command on a fresh connection to port; the reply (caller frees) or NULL. */
static redisReply *
s_ask(const cbh_cluster_t *c, int port, const char *fmt, const char *arg)
{
    redisContext *ctx = s_connect(c, port);
    redisReply *reply = NULL;
    if (ctx != NULL) {
        reply = redisCommand(ctx, fmt, arg);
        redisFree(ctx);
    }
    return reply;
}

/* True when the node on port answers INFO-style text containing want. */
static bool
s_says(const cbh_cluster_t *c, int port, const char *cmd, const char *want)
{
    redisReply *r = s_ask(c, port, cmd, NULL);
    bool ok = r != NULL && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) &&
              strstr(r->str, want) != NULL;
    if (r != NULL) {
        freeReplyObject(r);
    }
    return ok;
}

/* Starts node i on a free port with a free cluster bus port. */
static int
s_node_start(cbh_cluster_t *c, int i, const char *server)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        int port = cbh_free_port();
        int bus = cbh_free_port();
        if (port < 0 || bus < 0) {
            return -1;
        }
        char port_text[16], bus_text[16], conf[64];
        snprintf(port_text, sizeof port_text, "%d", port);
        snprintf(bus_text, sizeof bus_text, "%d", bus);
        snprintf(conf, sizeof conf, "nodes-%d.conf", port);
        char *argv[] = {(char *) server, "--bind", "127.0.0.1", "--port", port_text,
                        "--cluster-port", bus_text, "--cluster-enabled", "yes",
                        "--cluster-config-file", conf, "--cluster-node-timeout", "5000",
                        "--dir", c->dir, "--save", "", "--appendonly", "no",
                        "--requirepass", (char *) c->password, "--masterauth",
                        (char *) c->password, NULL};
        for (size_t k = 0; c->password[0] == '\0' && argv[k] != NULL; k++) {
            if (strcmp(argv[k], "--requirepass") == 0) {
                argv[k] = NULL; /* no password: the list ends here */
            }
        }
        c->proc[i] = cbh_proc_start("redis-cluster", argv, NULL);
        if (c->proc[i] == NULL) {
            return -1;
        }
        long long deadline = s_mono_ms() + 5000;
        while (s_mono_ms() < deadline && cbh_proc_alive(c->proc[i])) {
            if (s_says(c, port, "PING", "PONG")) {
                c->port[i] = port;
                snprintf(c->url[i], sizeof c->url[i], "redis://%s%s%s127.0.0.1:%d/0",
                         c->password[0] != '\0' ? ":" : "", c->password,
                         c->password[0] != '\0' ? "@" : "", port);
                return 0;
            }
            s_sleep_ms(10);
        }
        cbh_proc_stop(&c->proc[i], SIGKILL, 1000);
    }
    fprintf(stderr, "cbh_cluster_start: node %d did not answer\n", i);
    return -1;
}

int
cbh_cluster_start(cbh_cluster_t *c)
{
    return cbh_cluster_start_auth(c, NULL);
}

int
cbh_cluster_start_auth(cbh_cluster_t *c, const char *password)
{
    memset(c, 0, sizeof *c);
    snprintf(c->password, sizeof c->password, "%s", password != NULL ? password : "");
    const char *server = getenv("CBH_REDIS_SERVER");
    if (server == NULL || server[0] == '\0') {
        server = "redis-server";
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(c->dir, sizeof c->dir, "%s/cbh-rcluster-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(c->dir) == NULL) {
        fprintf(stderr, "cbh_cluster_start: mkdtemp() failed: %s\n", strerror(errno));
        c->dir[0] = '\0';
        goto fail;
    }
    for (int i = 0; i < CBH_CLUSTER_NODES; i++) {
        if (s_node_start(c, i, server) != 0) {
            goto fail;
        }
    }
    char addr[CBH_CLUSTER_NODES][32];
    char *argv[12 + CBH_CLUSTER_NODES] = {"redis-cli", "--cluster", "create"};
    int n = 3;
    if (c->password[0] != '\0') {
        argv[n++] = "-a";
        argv[n++] = c->password;
        argv[n++] = "--no-auth-warning";
    }
    for (int i = 0; i < CBH_CLUSTER_NODES; i++) {
        snprintf(addr[i], sizeof addr[i], "127.0.0.1:%d", c->port[i]);
        argv[n++] = addr[i];
    }
    argv[n++] = "--cluster-replicas";
    argv[n++] = "0";
    argv[n++] = "--cluster-yes";
    argv[n] = NULL;
    cbh_proc_t *cli = cbh_proc_start("redis-cli-create", argv, NULL);
    if (cli == NULL) {
        fprintf(stderr, "cbh_cluster_start: redis-cli not found (run make deps)\n");
        goto fail;
    }
    char log[512];
    snprintf(log, sizeof log, "%s", cbh_proc_log_path(cli));
    if (cbh_proc_wait(&cli, 20000) != 0) {
        fprintf(stderr, "cbh_cluster_start: redis-cli --cluster create failed (see %s)\n", log);
        goto fail;
    }
    long long deadline = s_mono_ms() + 15000;
    for (int i = 0; i < CBH_CLUSTER_NODES; i++) {
        while (!s_says(c, c->port[i], "CLUSTER INFO", "cluster_state:ok")) {
            if (s_mono_ms() > deadline) {
                fprintf(stderr, "cbh_cluster_start: node %d never said cluster_state:ok\n", i);
                goto fail;
            }
            s_sleep_ms(50);
        }
    }
    return 0;

fail:
    cbh_cluster_stop(c);
    return -1;
}

void
cbh_cluster_stop(cbh_cluster_t *c)
{
    if (c == NULL) {
        return;
    }
    for (int i = 0; i < CBH_CLUSTER_NODES; i++) {
        cbh_proc_stop(&c->proc[i], SIGTERM, 3000);
    }
    cbh_dir_remove(c->dir, "/cbh-rcluster-");
}

int
cbh_cluster_slot(const cbh_cluster_t *c, const char *key)
{
    redisReply *r = s_ask(c, c->port[0], "CLUSTER KEYSLOT %s", key);
    int slot = r != NULL && r->type == REDIS_REPLY_INTEGER ? (int) r->integer : -1;
    if (r != NULL) {
        freeReplyObject(r);
    }
    return slot;
}

int
cbh_cluster_owner(const cbh_cluster_t *c, const char *key)
{
    int slot = cbh_cluster_slot(c, key);
    redisReply *r = slot >= 0 ? s_ask(c, c->port[0], "CLUSTER SLOTS", NULL) : NULL;
    int owner = -1;
    for (size_t i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const redisReply *range = r->element[i];
        if (range->type != REDIS_REPLY_ARRAY || range->elements < 3 ||
            slot < range->element[0]->integer || slot > range->element[1]->integer ||
            range->element[2]->type != REDIS_REPLY_ARRAY || range->element[2]->elements < 2) {
            continue;
        }
        long long port = range->element[2]->element[1]->integer;
        for (int n = 0; n < CBH_CLUSTER_NODES; n++) {
            if (c->port[n] == port) {
                owner = n;
            }
        }
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    return owner;
}

int
cbh_cluster_key_on(const cbh_cluster_t *c, const char *prefix, int node, char *out, size_t size)
{
    for (int i = 0; i < 1000; i++) {
        snprintf(out, size, "%s%d", prefix, i);
        if (cbh_cluster_owner(c, out) == node) {
            return 0;
        }
    }
    return -1;
}

/* One command on ctx that must answer +OK-like status; 0 or -1 (logged). */
static int
s_status(redisContext *ctx, const char *fmt, int slot, const char *id)
{
    redisReply *r = redisCommand(ctx, fmt, slot, id);
    int rc = r != NULL && r->type == REDIS_REPLY_STATUS ? 0 : -1;
    if (rc != 0) {
        fprintf(stderr, "cbh_cluster: %s failed: %s\n", fmt,
                r != NULL && r->type == REDIS_REPLY_ERROR ? r->str : "no reply");
    }
    if (r != NULL) {
        freeReplyObject(r);
    }
    return rc;
}

int
cbh_cluster_migrate(const cbh_cluster_t *c, const char *key, bool importing,
                    cbh_cluster_migration_t *m)
{
    memset(m, 0, sizeof *m);
    m->from = cbh_cluster_owner(c, key);
    m->slot = cbh_cluster_slot(c, key);
    if (m->from < 0 || m->slot < 0) {
        return -1;
    }
    m->to = (m->from + 1) % CBH_CLUSTER_NODES;
    int nodes[2] = {m->from, m->to};
    char id[2][64];
    for (int i = 0; i < 2; i++) {
        m->ctx[i] = s_connect(c, c->port[nodes[i]]);
        redisReply *r = m->ctx[i] != NULL ? redisCommand(m->ctx[i], "CLUSTER MYID") : NULL;
        if (r == NULL || r->type != REDIS_REPLY_STRING) {
            if (r != NULL) {
                freeReplyObject(r);
            }
            cbh_cluster_settle(m);
            return -1;
        }
        snprintf(id[i], sizeof id[i], "%s", r->str);
        freeReplyObject(r);
    }
    if ((importing && s_status(m->ctx[1], "CLUSTER SETSLOT %d IMPORTING %s", m->slot, id[0]) != 0) ||
        s_status(m->ctx[0], "CLUSTER SETSLOT %d MIGRATING %s", m->slot, id[1]) != 0) {
        cbh_cluster_settle(m);
        return -1;
    }
    return 0;
}

void
cbh_cluster_settle(cbh_cluster_migration_t *m)
{
    for (int i = 0; i < 2; i++) {
        if (m->ctx[i] == NULL) {
            continue;
        }
        redisReply *r = redisCommand(m->ctx[i], "CLUSTER SETSLOT %d STABLE", m->slot);
        if (r != NULL) {
            freeReplyObject(r);
        }
        redisFree(m->ctx[i]);
        m->ctx[i] = NULL;
    }
}
