/* cb_redis_pipe.c - cb_redis pipelining: commands queued per node, replies read in order, redirected ones run again */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_redis_impl.h"

/* pipe_multi: no MULTI queued, or one waiting for the command that says
 * which node the transaction goes to. */
#define S_MULTI_NONE (-1)
#define S_MULTI_DEFERRED (-2)

/* Entries the queue keeps room for once it drains: a burst (a backfill
 * queues tens of thousands) gives its ring back. */
#define S_PIPE_KEEP 1024

static cb_redis_piped_t *
s_at(cb_redis_t *r, size_t i)
{
    return &r->pipe[(r->pipe_head + i) % r->pipe_cap];
}

/* Room for one more entry; 0 or CB_E_NOMEM. */
static int
s_grow(cb_redis_t *r)
{
    if (r->pipe_len < r->pipe_cap) {
        return 0;
    }
    size_t cap = r->pipe_cap == 0 ? 16 : r->pipe_cap * 2;
    cb_redis_piped_t *p = calloc(cap, sizeof *p);
    if (p == NULL) {
        return CB_E_NOMEM;
    }
    for (size_t i = 0; i < r->pipe_len; i++) {
        p[i] = *s_at(r, i);
    }
    free(r->pipe);
    r->pipe = p;
    r->pipe_cap = cap;
    r->pipe_head = 0;
    return 0;
}

/* After the queue drained: a ring grown past S_PIPE_KEEP is freed (the next
 * append starts a small one). */
static void
s_drained(cb_redis_t *r)
{
    r->pipe_multi = S_MULTI_NONE;
    if (r->pipe_cap > S_PIPE_KEEP) {
        free(r->pipe);
        r->pipe = NULL;
        r->pipe_cap = 0;
        r->pipe_head = 0;
    }
}

static void
s_entry_free(cb_redis_piped_t *e)
{
    if (e->reply != NULL) {
        freeReplyObject(e->reply);
    }
    redisFreeCommand(e->cmd);
    memset(e, 0, sizeof *e);
}

/* Sends entry e to its node (connecting when needed). */
static int
s_send(cb_redis_t *r, cb_redis_piped_t *e)
{
    int err;
    redisContext *ctx = cb_redis_node_ctx(r, e->node, &err);
    if (ctx == NULL) {
        return err;
    }
    if (redisAppendFormattedCommand(ctx, e->cmd, (size_t) e->len) != REDIS_OK) {
        int saved = errno;
        return cb_redis_node_lost(r, e->node, saved);
    }
    e->sent = true;
    return 0;
}

/* After a failed send: the queue's unsent tail (the command, and a MULTI
 * that waited for it) leaves the queue, so that it holds only commands whose
 * replies will come (a lost connection has emptied it already). */
static void
s_unqueue_unsent(cb_redis_t *r)
{
    while (r->pipe_len > 0 && !s_at(r, r->pipe_len - 1)->sent) {
        s_entry_free(s_at(r, r->pipe_len - 1));
        r->pipe_len--;
    }
    r->pipe_multi = S_MULTI_NONE;
}

int
cb_redis_pipe_append(cb_redis_t *r, char *cmd, int len)
{
    int err = s_grow(r);
    if (err != 0) {
        redisFreeCommand(cmd);
        return err;
    }
    cb_redis_cmd_t c;
    cb_redis_cmd_parse(cmd, len, r->cluster != NULL, &c);
    cb_redis_piped_t *e = s_at(r, r->pipe_len);
    memset(e, 0, sizeof *e);
    e->cmd = cmd;
    e->len = len;
    e->in_multi = r->pipe_multi != S_MULTI_NONE;
    bool multi = cb_redis_cmd_is(&c, "MULTI");
    bool ends = cb_redis_cmd_is(&c, "EXEC") || cb_redis_cmd_is(&c, "DISCARD");
    if (multi && r->cluster != NULL) {
        /* Sent with the transaction's first command, to that one's node. */
        e->in_multi = true;
        e->node = -1;
        r->pipe_len++;
        r->pipe_multi = S_MULTI_DEFERRED;
        return 0;
    }
    if (r->pipe_multi >= 0) {
        e->node = r->pipe_multi;
    } else {
        e->node = cb_redis_cluster_route(r, &c);
    }
    if (r->pipe_multi == S_MULTI_DEFERRED) {
        cb_redis_piped_t *m = s_at(r, r->pipe_len - 1);
        m->node = e->node;
        err = s_send(r, m);
        if (err != 0) {
            redisFreeCommand(cmd); /* it never joined the queue */
            s_unqueue_unsent(r);
            return err;
        }
    }
    r->pipe_len++;
    err = s_send(r, e);
    if (err != 0) {
        s_unqueue_unsent(r);
        return err;
    }
    if (multi) {
        e->in_multi = true;
        r->pipe_multi = e->node;
    } else if (r->pipe_multi == S_MULTI_DEFERRED) {
        r->pipe_multi = e->node;
    }
    if (ends) {
        r->pipe_multi = S_MULTI_NONE;
    }
    return err;
}

/* Reads e's reply from its node into e->reply. */
static int
s_read(cb_redis_t *r, cb_redis_piped_t *e)
{
    if (e->reply != NULL) {
        return 0;
    }
    if (!e->sent) {
        return CB_E_UNAVAILABLE;
    }
    redisContext *ctx = cb_redis_node_ctx_open(r, e->node);
    if (ctx == NULL) {
        return CB_E_UNAVAILABLE;
    }
    void *reply = NULL;
    if (redisGetReply(ctx, &reply) != REDIS_OK || reply == NULL) {
        int saved = errno;
        return cb_redis_node_lost(r, e->node, saved);
    }
    e->reply = reply;
    return 0;
}

redisReply *
cb_redis_pipe_get(cb_redis_t *r, int *err)
{
    redisReply *reply = NULL;
    if (r->pipe_len == 0) {
        *err = CB_E_UNAVAILABLE;
        return NULL;
    }
    cb_redis_piped_t e = *s_at(r, 0);
    r->pipe_head = (r->pipe_head + 1) % r->pipe_cap;
    r->pipe_len--;
    if (r->pipe_len == 0) {
        s_drained(r);
    }
    *err = s_read(r, &e);
    if (*err != 0) {
        goto done;
    }
    if (!cb_redis_redirect_parse(e.reply, NULL)) {
        reply = e.reply;
        e.reply = NULL;
        goto done;
    }
    if (e.in_multi) {
        /* A transaction cannot be replayed piecemeal: learn where its slot
         * lives for the next one and report this one's error. */
        cb_redis_cluster_learn(r, e.reply);
        reply = e.reply;
        e.reply = NULL;
        goto done;
    }
    /* Read every reply still due, so that each connection is idle, then run
     * the command where the redirection says. */
    for (size_t i = 0; i < r->pipe_len; i++) {
        (void) s_read(r, s_at(r, i));
    }
    reply = cb_redis_cluster_run(r, err, e.cmd, e.len);

done:
    s_entry_free(&e);
    return reply;
}

int
cb_redis_pipe_flush(cb_redis_t *r)
{
    int first = 0;
    int last = -1;
    for (size_t i = 0; i < r->pipe_len; i++) {
        cb_redis_piped_t *e = s_at(r, i);
        if (!e->sent || e->reply != NULL || e->node == last) {
            continue;
        }
        last = e->node;
        /* hiredis writes what it holds for a node as one buffer: once per
         * node is enough (a node seen again later in the queue finds its
         * buffer empty). */
        redisContext *ctx = cb_redis_node_ctx_open(r, e->node);
        int done = ctx == NULL;
        while (!done) {
            if (redisBufferWrite(ctx, &done) != REDIS_OK) {
                int saved = errno;
                int err = cb_redis_node_lost(r, e->node, saved);
                first = first != 0 ? first : err;
                break;
            }
        }
    }
    return first;
}

int
cb_redis_pipe_discard(cb_redis_t *r)
{
    int first = 0;
    while (r->pipe_len > 0) {
        /* Taken off first: a failed read empties the rest of the queue. */
        cb_redis_piped_t e = *s_at(r, 0);
        r->pipe_head = (r->pipe_head + 1) % r->pipe_cap;
        r->pipe_len--;
        int err = s_read(r, &e);
        if (first == 0 && err != 0 && e.sent) {
            first = err;
        }
        s_entry_free(&e);
    }
    s_drained(r);
    return first;
}

void
cb_redis_pipe_lost(cb_redis_t *r)
{
    while (r->pipe_len > 0) {
        s_entry_free(s_at(r, 0));
        r->pipe_head = (r->pipe_head + 1) % r->pipe_cap;
        r->pipe_len--;
    }
    r->pipe_multi = S_MULTI_NONE;
}

void
cb_redis_pipe_free(cb_redis_t *r)
{
    cb_redis_pipe_lost(r);
    free(r->pipe);
    r->pipe = NULL;
    r->pipe_cap = 0;
}
