/* cb_redis_cluster.c - Redis Cluster for cb_redis: key slots, MOVED and ASK redirections, connections to the other nodes */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_redis_impl.h"
#include "cb_time.h"

/* A node that could not be reached is not tried again sooner than this;
 * meanwhile its slots go to the URL's node, which redirects them anew (to a
 * replica promoted in its place, once the cluster has failed over). */
#define S_NODE_RETRY_MS 200

/* CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys with. */
static uint16_t
s_crc16(const char *buf, size_t len)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t) ((unsigned char) buf[i] << 8);
        for (int b = 0; b < 8; b++) {
            crc = (crc & 0x8000) != 0 ? (uint16_t) ((crc << 1) ^ 0x1021) : (uint16_t) (crc << 1);
        }
    }
    return crc;
}

int
cb_redis_slot(const char *key, size_t len)
{
    const char *open = memchr(key, '{', len);
    if (open != NULL) {
        size_t rest = len - (size_t) (open + 1 - key);
        const char *close = memchr(open + 1, '}', rest);
        if (close != NULL && close > open + 1) {
            return s_crc16(open + 1, (size_t) (close - open - 1)) & (CB_REDIS_SLOTS - 1);
        }
    }
    return s_crc16(key, len) & (CB_REDIS_SLOTS - 1);
}

/* Reads one "$<len>\r\n<bytes>\r\n" argument at *p (before end). */
static int
s_arg(const char **p, const char *end, const char **arg, size_t *len)
{
    const char *q = *p;
    if (q >= end || *q != '$') {
        return -1;
    }
    size_t n = 0;
    for (q++; q < end && *q >= '0' && *q <= '9'; q++) {
        n = n * 10 + (size_t) (*q - '0');
        if (n > (size_t) (end - *p)) {
            return -1;
        }
    }
    if (end - q < 2 || q[0] != '\r' || (size_t) (end - q - 2) < n + 2) {
        return -1;
    }
    *arg = q + 2;
    *len = n;
    *p = q + 2 + n + 2;
    return 0;
}

static bool
s_is(const char *s, size_t len, const char *word)
{
    return len == strlen(word) && strncasecmp(s, word, len) == 0;
}

bool
cb_redis_cmd_is(const cb_redis_cmd_t *c, const char *word)
{
    return c->name != NULL && s_is(c->name, c->name_len, word);
}

/* Commands with no key in argv[1] (or none at all): they run where the
 * previous command ran. */
static bool
s_keyless(const cb_redis_cmd_t *c)
{
    static const char *const names[] = {"PING",  "TIME",   "SCRIPT",  "MULTI",   "EXEC",
                                        "DISCARD", "ASKING", "INFO",  "CLUSTER", "SELECT",
                                        "AUTH",  "ECHO",   "DBSIZE",  "FLUSHDB", "FLUSHALL",
                                        "CLIENT", "CONFIG", "COMMAND", "HELLO",  "SCAN",
                                        "KEYS",  "WAIT",   "RANDOMKEY", "QUIT",  "READONLY"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (s_is(c->name, c->name_len, names[i])) {
            return true;
        }
    }
    return false;
}

void
cb_redis_cmd_parse(const char *cmd, int len, bool want_key, cb_redis_cmd_t *c)
{
    memset(c, 0, sizeof *c);
    const char *p = cmd;
    const char *end = cmd + len;
    if (p >= end || *p != '*') {
        return;
    }
    long argc = strtol(p + 1, NULL, 10);
    p = memchr(p, '\n', (size_t) (end - p));
    if (p == NULL || argc < 1) {
        return;
    }
    p++;
    const char *args[4] = {NULL};
    size_t lens[4] = {0};
    long n = !want_key ? 1 : argc < 4 ? argc : 4;
    for (long i = 0; i < n; i++) {
        if (s_arg(&p, end, &args[i], &lens[i]) != 0) {
            return;
        }
    }
    c->name = args[0];
    c->name_len = lens[0];
    if (!want_key || argc < 2 || s_keyless(c)) {
        return;
    }
    if (s_is(c->name, c->name_len, "EVALSHA") || s_is(c->name, c->name_len, "EVAL") ||
        s_is(c->name, c->name_len, "FCALL")) {
        /* EVAL script numkeys key ...: the first key (a script's keys share
         * a slot, or the cluster refuses it with CROSSSLOT). */
        bool has_key = argc >= 4 && lens[2] > 0 && !(lens[2] == 1 && args[2][0] == '0');
        if (has_key) {
            c->key = args[3];
            c->key_len = lens[3];
        }
        return;
    }
    c->key = args[1];
    c->key_len = lens[1];
}

/* ---- nodes --------------------------------------------------------------- */

/* Forgets which slots node serves (its connection failed). */
static void
s_forget(cb_redis_t *r, int node)
{
    cb_redis_cluster_t *cl = r->cluster;
    if (r->last_node == node) {
        r->last_node = 0;
    }
    for (int i = 0; i < CB_REDIS_SLOTS; i++) {
        if (cl->slot_node[i] == node) {
            cl->slot_node[i] = 0;
        }
    }
}

/* Drops node's connection after a failure; the code for the caller. */
static int
s_node_lost(cb_redis_t *r, int node, int errno_at_fail)
{
    cb_redis_node_t *n = &r->cluster->nodes[node - 1];
    int code = cb_redis_io_code(n->ctx, errno_at_fail);
    cb_log_warn("redis_node_lost", "host=%s port=%d error=\"%s\"", n->host, n->port,
                code == CB_E_TIMEOUT ? "timed out" : n->ctx->errstr);
    redisFree(n->ctx);
    n->ctx = NULL;
    n->retry_at_ms = cb_time_mono_ns() / 1000000 + S_NODE_RETRY_MS;
    s_forget(r, node);
    if (r->multi_node == node) {
        r->multi_node = -1;
    }
    cb_redis_pipe_lost(r);
    return code;
}

/* Opens a connection to a node other than the seed (AUTH, SELECT as for
 * the seed); 0 or an error code, logged. */
static int
s_node_connect(cb_redis_t *r, int node)
{
    char why[192];
    int rc;
    cb_redis_node_t *n = &r->cluster->nodes[node - 1];
    if (n->ctx != NULL) {
        return 0;
    }
    if (cb_time_mono_ns() / 1000000 < n->retry_at_ms) {
        return CB_E_UNAVAILABLE;
    }
    n->ctx = cb_redis_open(r, n->host, n->port, &rc, why, sizeof why);
    if (n->ctx == NULL) {
        cb_log_warn("redis_node_unavailable", "host=%s port=%d error=\"%s\"", n->host, n->port,
                    why);
        n->retry_at_ms = cb_time_mono_ns() / 1000000 + S_NODE_RETRY_MS;
        s_forget(r, node);
        return rc;
    }
    cb_log_info("redis_node_connected", "host=%s port=%d", n->host, n->port);
    return 0;
}

/* The node index of host:port (0: the URL's), added when new; -1 when the
 * table is full. An empty host is the URL's host (a node that does not know
 * its own address says ":port"). */
static int
s_node_index(cb_redis_t *r, const char *host, size_t host_len, int port)
{
    cb_redis_cluster_t *cl = r->cluster;
    if (host_len == 0) {
        host = r->url.host;
        host_len = strlen(host);
    }
    if (host_len >= sizeof cl->nodes[0].host) {
        return -1;
    }
    if (port == r->url.port && strlen(r->url.host) == host_len &&
        strncasecmp(r->url.host, host, host_len) == 0) {
        return 0;
    }
    for (int i = 0; i < cl->count; i++) {
        cb_redis_node_t *n = &cl->nodes[i];
        if (n->port == port && strlen(n->host) == host_len &&
            strncasecmp(n->host, host, host_len) == 0) {
            return i + 1;
        }
    }
    if (cl->count == CB_REDIS_NODES_MAX) {
        return -1;
    }
    cb_redis_node_t *n = &cl->nodes[cl->count++];
    memcpy(n->host, host, host_len);
    n->host[host_len] = '\0';
    n->port = port;
    return cl->count;
}

bool
cb_redis_redirect_parse(const redisReply *reply, cb_redis_redirect_t *rd)
{
    if (reply == NULL || reply->type != REDIS_REPLY_ERROR || reply->str == NULL) {
        return false;
    }
    bool ask;
    const char *p;
    if (strncmp(reply->str, "MOVED ", 6) == 0) {
        ask = false;
        p = reply->str + 6;
    } else if (strncmp(reply->str, "ASK ", 4) == 0) {
        ask = true;
        p = reply->str + 4;
    } else {
        return false;
    }
    char *end;
    long s = strtol(p, &end, 10);
    if (end == p || *end != ' ' || s < 0 || s >= CB_REDIS_SLOTS) {
        return false;
    }
    const char *addr = end + 1;
    const char *colon = strrchr(addr, ':');
    if (colon == NULL) {
        return false;
    }
    long pt = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end != '\0' || pt < 1 || pt > 65535) {
        return false;
    }
    if (rd != NULL) {
        rd->ask = ask;
        rd->slot = (int) s;
        rd->host = addr;
        rd->host_len = (size_t) (colon - addr);
        rd->port = (int) pt;
    }
    return true;
}

/* Records what a redirection says; the node it names, or -1 (no memory,
 * too many nodes). */
static int
s_learn(cb_redis_t *r, const cb_redis_redirect_t *rd)
{
    if (r->cluster == NULL) {
        r->cluster = calloc(1, sizeof *r->cluster);
        if (r->cluster == NULL) {
            return -1;
        }
        cb_log_info("redis_cluster_redirected", "host=%s port=%d", r->url.host, r->url.port);
    }
    int to = s_node_index(r, rd->host, rd->host_len, rd->port);
    if (to >= 0 && !rd->ask) {
        r->cluster->slot_node[rd->slot] = (uint8_t) to;
    }
    return to;
}

void
cb_redis_cluster_learn(cb_redis_t *r, const redisReply *reply)
{
    cb_redis_redirect_t rd;
    if (cb_redis_redirect_parse(reply, &rd)) {
        (void) s_learn(r, &rd);
    }
}

redisContext *
cb_redis_node_ctx(cb_redis_t *r, int node, int *err)
{
    *err = node == 0 ? cb_redis_seed_connect(r) : s_node_connect(r, node);
    return *err == 0 ? cb_redis_node_ctx_open(r, node) : NULL;
}

redisContext *
cb_redis_node_ctx_open(cb_redis_t *r, int node)
{
    if (node == 0) {
        return r->ctx;
    }
    if (node < 0 || r->cluster == NULL || node > r->cluster->count) {
        return NULL;
    }
    return r->cluster->nodes[node - 1].ctx;
}

int
cb_redis_node_lost(cb_redis_t *r, int node, int errno_at_fail)
{
    return node == 0 ? cb_redis_seed_lost(r, errno_at_fail) : s_node_lost(r, node, errno_at_fail);
}

/* ---- running a command --------------------------------------------------- */

/* Sends cmd to node, after MULTI (multi) and ASKING (asking) when asked, and
 * reads the replies; returns cmd's, or the first error reply of the others. */
static redisReply *
s_send(cb_redis_t *r, int node, bool multi, bool asking, const char *cmd, int len, int *err)
{
    redisContext *ctx = cb_redis_node_ctx(r, node, err);
    if (ctx == NULL) {
        return NULL;
    }
    int n = 0;
    if ((multi && redisAppendCommand(ctx, "MULTI") != REDIS_OK) ||
        (asking && redisAppendCommand(ctx, "ASKING") != REDIS_OK) ||
        redisAppendFormattedCommand(ctx, cmd, (size_t) len) != REDIS_OK) {
        goto fail;
    }
    n = 1 + (multi ? 1 : 0) + (asking ? 1 : 0);
    redisReply *kept = NULL;
    for (int i = 0; i < n; i++) {
        void *reply = NULL;
        if (redisGetReply(ctx, &reply) != REDIS_OK || reply == NULL) {
            if (kept != NULL) {
                freeReplyObject(kept);
            }
            goto fail;
        }
        redisReply *rep = reply;
        bool last = i == n - 1;
        if (kept == NULL && (last || rep->type == REDIS_REPLY_ERROR)) {
            kept = rep;
        } else {
            freeReplyObject(rep);
        }
    }
    return kept;

fail:;
    int saved = errno;
    *err = cb_redis_node_lost(r, node, saved);
    return NULL;
}

/* Keeps track of MULTI ... EXEC, so that a transaction stays on one node. */
static void
s_note(cb_redis_t *r, int node, const cb_redis_cmd_t *c, const redisReply *reply)
{
    r->last_node = node;
    if (c->name == NULL) {
        return;
    }
    if (s_is(c->name, c->name_len, "MULTI")) {
        if (reply->type == REDIS_REPLY_STATUS) {
            r->multi_node = node;
            r->multi_queued = 0;
        }
    } else if (s_is(c->name, c->name_len, "EXEC") || s_is(c->name, c->name_len, "DISCARD")) {
        r->multi_node = -1;
    } else if (r->multi_node >= 0 && reply->type == REDIS_REPLY_STATUS) {
        r->multi_queued++;
    }
}

/* Where cmd goes: the open MULTI's node; else, the node serving its key's
 * slot; else (no key) the node of the previous command, so that SCRIPT LOAD
 * after a NOSCRIPT reaches the node that said it. */
int
cb_redis_cluster_route(const cb_redis_t *r, const cb_redis_cmd_t *c)
{
    if (r->multi_node >= 0) {
        return r->multi_node;
    }
    if (r->cluster == NULL) {
        return 0;
    }
    if (c->key == NULL) {
        return r->last_node;
    }
    return r->cluster->slot_node[cb_redis_slot(c->key, c->key_len)];
}

redisReply *
cb_redis_cluster_run(cb_redis_t *r, int *err, const char *cmd, int len)
{
    cb_redis_cmd_t c;
    cb_redis_cmd_parse(cmd, len, r->cluster != NULL, &c);
    int node = cb_redis_cluster_route(r, &c);
    redisReply *reply = s_send(r, node, false, false, cmd, len, err);
    cb_redis_redirect_t rd;
    for (int hops = 0; reply != NULL && hops < CB_REDIS_REDIRECTS_MAX &&
                       cb_redis_redirect_parse(reply, &rd);
         hops++) {
        /* In a transaction only its first command may move it (the others
         * share its slot, or the cluster would refuse them anyway). */
        bool remulti = r->multi_node >= 0;
        if (remulti && (r->multi_queued > 0 || rd.ask)) {
            break;
        }
        int to = s_learn(r, &rd);
        if (to < 0) {
            break;
        }
        freeReplyObject(reply);
        if (remulti) {
            redisReply *d = s_send(r, r->multi_node, false, false, "*1\r\n$7\r\nDISCARD\r\n", 17,
                                   err);
            if (d == NULL) {
                return NULL;
            }
            freeReplyObject(d);
            r->multi_node = -1;
        }
        node = to;
        reply = s_send(r, node, remulti, rd.ask, cmd, len, err);
        if (reply != NULL && remulti && reply->type == REDIS_REPLY_STATUS) {
            r->multi_node = node;
            r->multi_queued = 0;
        }
    }
    if (reply != NULL) {
        s_note(r, node, &c, reply);
    }
    return reply;
}

void
cb_redis_cluster_set_timeout(cb_redis_t *r, struct timeval tv)
{
    for (int i = 0; r->cluster != NULL && i < r->cluster->count; i++) {
        if (r->cluster->nodes[i].ctx != NULL) {
            redisSetTimeout(r->cluster->nodes[i].ctx, tv);
        }
    }
}

void
cb_redis_cluster_free(cb_redis_t *r)
{
    if (r->cluster == NULL) {
        return;
    }
    for (int i = 0; i < r->cluster->count; i++) {
        if (r->cluster->nodes[i].ctx != NULL) {
            redisFree(r->cluster->nodes[i].ctx);
        }
    }
    free(r->cluster);
    r->cluster = NULL;
}
