/* edge_cluster.c - api-edge's async Redis on a Redis Cluster: commands follow MOVED and ASK to the other nodes, on the same loop */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_redis_cluster.h"
#include "cb_time.h"
#include "edge_cluster.h"
#include "edge_redis.h"

/* A node that could not be reached is not tried again sooner than this;
 * meanwhile its slots go to the seed, which redirects them anew (to a
 * replica promoted in its place, once the cluster has failed over). */
#define S_NODE_RETRY_MS 200

/* Another node of the cluster. */
typedef struct {
    edge_cluster_t *cl;
    char host[256];
    int port;
    redisAsyncContext *ac; /* NULL while not connected */
    int64_t retry_at_ms;   /* monotonic; no connect attempt before it */
    bool up_logged;        /* the log said it answers; else that it is down */
    bool down_logged;
} s_node_t;

struct edge_cluster {
    cb_httpd_t *httpd;
    const cb_redis_url_t *url;
    edge_cluster_seed_fn seed_fn;
    void *seed_ctx;
    bool redirected;                   /* a redirection was seen: route by slot */
    uint8_t slot_node[CB_REDIS_SLOTS]; /* 0: the seed, i: nodes[i - 1] */
    s_node_t nodes[EDGE_CLUSTER_NODES_MAX];
    int count;
};

/* One command until its last reply. */
typedef struct {
    edge_cluster_t *cl;
    redisCallbackFn *fn;
    void *privdata;
    char *cmd; /* formatted, owned */
    int len;
    int hops;
} s_cmd_t;

static int64_t
s_now_ms(void)
{
    return cb_time_mono_ns() / 1000000;
}

/* ---- nodes ------------------------------------------------------------------ */

/* node's connection ac cannot be used any more (failed, closed, refused
 * AUTH): forget it and the slots node served; logged once per outage
 * (reason NULL: not at all). Idempotent per ac. */
static void
s_node_down(s_node_t *node, const redisAsyncContext *ac, const char *reason)
{
    if (node->ac != ac || ac == NULL) {
        return;
    }
    edge_cluster_t *cl = node->cl;
    node->ac = NULL;
    node->retry_at_ms = s_now_ms() + S_NODE_RETRY_MS;
    uint8_t index = (uint8_t) (node - cl->nodes + 1);
    for (int i = 0; i < CB_REDIS_SLOTS; i++) {
        if (cl->slot_node[i] == index) {
            cl->slot_node[i] = 0;
        }
    }
    if (reason != NULL && !node->down_logged) {
        cb_log_warn("edge_redis_node_lost", "host=%s port=%d reason=\"%s\"", node->host,
                    node->port, reason);
        node->down_logged = true;
        node->up_logged = false;
    }
}

/* A reply came on node's connection: it answers. */
static void
s_node_up(s_node_t *node)
{
    if (!node->up_logged) {
        cb_log_info("edge_redis_node_connected", "host=%s port=%d", node->host, node->port);
        node->up_logged = true;
        node->down_logged = false;
    }
}

/* The node whose connection ac is (NULL: the seed, or none). */
static s_node_t *
s_node_of(edge_cluster_t *cl, const redisAsyncContext *ac)
{
    for (int i = 0; ac != NULL && i < cl->count; i++) {
        if (ac->data == &cl->nodes[i]) {
            return &cl->nodes[i];
        }
    }
    return NULL;
}

static void
s_on_connect(const redisAsyncContext *ac, int status)
{
    if (status != REDIS_OK) {
        s_node_down(ac->data, ac, ac->errstr);
    }
}

static void
s_on_disconnect(const redisAsyncContext *ac, int status)
{
    s_node_down(ac->data, ac, status == REDIS_OK ? "closed" : ac->errstr);
}

/* Replies to AUTH and SELECT on a new node: a refusal closes it (its
 * commands then fail with an error reply or NULL). */
static void
s_on_setup(redisAsyncContext *ac, void *r, void *privdata)
{
    s_node_t *node = privdata;
    const redisReply *reply = r;
    if (reply == NULL || reply->type != REDIS_REPLY_ERROR) {
        return;
    }
    if (!node->down_logged) {
        cb_log_error("edge_redis_node_setup_failed", "host=%s port=%d error=\"%s\"", node->host,
                     node->port, reply->str);
    }
    s_node_down(node, ac, NULL);
    node->down_logged = true;
    node->up_logged = false;
    redisAsyncDisconnect(ac);
}

/* Starts a non-blocking connect to node, AUTH and SELECT queued first. */
static redisAsyncContext *
s_node_connect(edge_cluster_t *cl, s_node_t *node)
{
    if (s_now_ms() < node->retry_at_ms) {
        return NULL;
    }
    char reason[128];
    redisAsyncContext *ac = edge_redis_connect(cl->httpd, node->host, node->port, node, s_on_connect,
                                               s_on_disconnect, reason, sizeof reason);
    if (ac == NULL) {
        cb_log_warn("edge_redis_node_unavailable", "host=%s port=%d error=\"%s\"", node->host,
                    node->port, reason);
        node->retry_at_ms = s_now_ms() + S_NODE_RETRY_MS;
        return NULL;
    }
    node->ac = ac;
    if (edge_redis_handshake(ac, cl->url, s_on_setup, node) != REDIS_OK) {
        s_node_down(node, ac, "setup not sent");
        redisAsyncFree(ac);
        return NULL;
    }
    return ac;
}

/* The connection to node i (0: the seed), connecting when needed; NULL
 * when there is none to be had now. */
static redisAsyncContext *
s_conn(edge_cluster_t *cl, int i)
{
    if (i == 0) {
        return cl->seed_fn(cl->seed_ctx);
    }
    s_node_t *node = &cl->nodes[i - 1];
    return node->ac != NULL ? node->ac : s_node_connect(cl, node);
}

/* The index of host:port (0: the seed), added when new; -1 when the table
 * is full. An empty host is the seed's host (a node that does not know its
 * own address says ":port"). */
static int
s_index(edge_cluster_t *cl, const char *host, size_t host_len, int port)
{
    const char *seed = cl->url->host;
    if (host_len == 0) {
        host = seed;
        host_len = strlen(seed);
    }
    if (host_len >= sizeof cl->nodes[0].host) {
        return -1;
    }
    if (port == cl->url->port && strlen(seed) == host_len &&
        strncasecmp(seed, host, host_len) == 0) {
        return 0;
    }
    for (int i = 0; i < cl->count; i++) {
        s_node_t *n = &cl->nodes[i];
        if (n->port == port && strlen(n->host) == host_len &&
            strncasecmp(n->host, host, host_len) == 0) {
            return i + 1;
        }
    }
    if (cl->count == EDGE_CLUSTER_NODES_MAX) {
        return -1;
    }
    s_node_t *n = &cl->nodes[cl->count++];
    n->cl = cl;
    memcpy(n->host, host, host_len);
    n->host[host_len] = '\0';
    n->port = port;
    return cl->count;
}

/* ---- commands ----------------------------------------------------------------- */

/* The command's last reply: fn runs, the command is freed. */
static void
s_finish(s_cmd_t *c, redisAsyncContext *ac, void *reply)
{
    redisCallbackFn *fn = c->fn;
    void *privdata = c->privdata;
    free(c->cmd);
    free(c);
    if (fn != NULL) {
        fn(ac, reply, privdata);
    }
}

static void
s_on_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    s_cmd_t *c = privdata;
    edge_cluster_t *cl = c->cl;
    cb_redis_redirect_t rd;
    s_node_t *from = s_node_of(cl, ac);
    if (from != NULL && r == NULL) {
        /* The node's connection is going: nothing more is sent on it. */
        s_node_down(from, ac, "connection lost");
    } else if (from != NULL) {
        s_node_up(from);
    }
    if (c->hops >= CB_REDIS_REDIRECTS_MAX || !cb_redis_redirect_parse(r, &rd)) {
        s_finish(c, ac, r);
        return;
    }
    if (!cl->redirected) {
        cl->redirected = true;
        cb_log_info("edge_redis_cluster_redirected", "host=%s port=%d", cl->url->host,
                    cl->url->port);
    }
    int to = s_index(cl, rd.host, rd.host_len, rd.port);
    if (to < 0) {
        s_finish(c, ac, r);
        return;
    }
    if (!rd.ask) {
        cl->slot_node[rd.slot] = (uint8_t) to;
    }
    c->hops++;
    redisAsyncContext *next = s_conn(cl, to);
    if (next != NULL && (!rd.ask || redisAsyncCommand(next, NULL, NULL, "ASKING") == REDIS_OK) &&
        redisAsyncFormattedCommand(next, s_on_reply, c, c->cmd, (size_t) c->len) == REDIS_OK) {
        return;
    }
    s_finish(c, next, NULL);
}

int
edge_cluster_send(edge_cluster_t *cl, redisCallbackFn *fn, void *privdata, int argc,
                  const char **argv, const size_t *lens)
{
    if (!cl->redirected && cl->seed_fn(cl->seed_ctx) == NULL) {
        return CB_E_UNAVAILABLE; /* one Redis, down: fail before any work */
    }
    s_cmd_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return CB_E_NOMEM;
    }
    c->len = redisFormatCommandArgv(&c->cmd, argc, argv, lens);
    if (c->len < 0) {
        free(c);
        return CB_E_NOMEM;
    }
    c->cl = cl;
    c->fn = fn;
    c->privdata = privdata;
    int node = 0;
    if (cl->redirected) {
        cb_redis_cmd_t parsed;
        cb_redis_cmd_parse(c->cmd, c->len, true, &parsed);
        node = parsed.key != NULL ? cl->slot_node[cb_redis_slot(parsed.key, parsed.key_len)] : 0;
    }
    /* A node that cannot take it now: the seed redirects it anew. */
    redisAsyncContext *ac = s_conn(cl, node);
    if (node != 0 && (ac == NULL || redisAsyncFormattedCommand(ac, s_on_reply, c, c->cmd,
                                                               (size_t) c->len) != REDIS_OK)) {
        ac = s_conn(cl, 0);
        node = 0;
    }
    if (node == 0 && (ac == NULL || redisAsyncFormattedCommand(ac, s_on_reply, c, c->cmd,
                                                               (size_t) c->len) != REDIS_OK)) {
        free(c->cmd);
        free(c);
        return CB_E_UNAVAILABLE;
    }
    return 0;
}

/* ---- lifetime ------------------------------------------------------------------ */

edge_cluster_t *
edge_cluster_new(cb_httpd_t *httpd, const cb_redis_url_t *url, edge_cluster_seed_fn seed_fn,
                 void *seed_ctx)
{
    edge_cluster_t *cl = calloc(1, sizeof *cl);
    if (cl == NULL) {
        return NULL;
    }
    cl->httpd = httpd;
    cl->url = url;
    cl->seed_fn = seed_fn;
    cl->seed_ctx = seed_ctx;
    return cl;
}

/* Frees every other node's connection; reason as s_node_down. */
static void
s_drop(edge_cluster_t *cl, const char *reason)
{
    for (int i = 0; i < cl->count; i++) {
        redisAsyncContext *ac = cl->nodes[i].ac;
        if (ac != NULL) {
            s_node_down(&cl->nodes[i], ac, reason);
            redisAsyncFree(ac);
        }
    }
}

void
edge_cluster_drop(edge_cluster_t *cl)
{
    s_drop(cl, "no answer");
}

void
edge_cluster_destroy(edge_cluster_t **cl_p)
{
    if (cl_p == NULL || *cl_p == NULL) {
        return;
    }
    s_drop(*cl_p, NULL);
    free(*cl_p);
    *cl_p = NULL;
}

size_t
edge_cluster_conns(edge_cluster_t *cl, redisAsyncContext **out[], size_t max)
{
    size_t n = 0;
    for (int i = 0; i < cl->count && n < max; i++) {
        out[n++] = &cl->nodes[i].ac;
    }
    return n;
}
