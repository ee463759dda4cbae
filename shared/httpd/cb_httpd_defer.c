/* cb_httpd_defer.c - cb_httpd's pending requests: answers sent later (fault injection) and answers by token */
#include <poll.h>
#include <string.h>

#include "cb_error.h"
#include "cb_httpd_impl.h"

/* A pending request is one whose answer is not sent when its handler
 * returns: a fault-injection answer that is delayed or never sent, or one
 * deferred by token. Its record lives in the request's pool, so h2o's
 * dispose callback ends it however the request ends (its token dies with
 * it). One timer on the loop sends the answers that are due and, every
 * S_WATCH_MS while requests wait without an answer, polls their clients:
 * h2o stops reading a connection while its request is being handled, so it
 * would not notice the client leaving. A request whose client has gone is
 * answered 503 with "connection: close" so that h2o closes the connection
 * and disposes of the request. Answers go out from the timer, at the end
 * of a loop turn, so that h2o completes their writes in that turn. */

#define S_WATCH_MS 100

typedef struct {
    h2o_linklist_t link; /* in defers.waiting until sent */
    cb_httpd_t *httpd;
    h2o_req_t *req;
    uint64_t token;   /* 0: none, or no longer valid */
    h2o_iovec_t body; /* the answer's, once ready */
    uint64_t due_ms;  /* when a ready answer goes */
    bool ready;       /* the answer is in req->res and body */
} s_pending_t;

/* ---- tokens ---------------------------------------------------------------- */

/* A token is its slot's index in the low 32 bits and a sequence number
 * (from 1) above, so a slot reused later never answers to an old token. */
static uint64_t
s_token_new(cb_httpd_defers_t *d, s_pending_t *p)
{
    if (d->free_slot == UINT32_MAX) {
        size_t n = d->slot_count == 0 ? 64 : d->slot_count * 2;
        d->slots = h2o_mem_realloc(d->slots, n * sizeof *d->slots);
        for (size_t i = d->slot_count; i < n; i++) {
            d->slots[i] = (cb_httpd_slot_t){NULL, 0, i + 1 < n ? (uint32_t) (i + 1) : UINT32_MAX};
        }
        d->free_slot = (uint32_t) d->slot_count;
        d->slot_count = n;
    }
    uint32_t i = d->free_slot;
    cb_httpd_slot_t *s = &d->slots[i];
    d->free_slot = s->next_free;
    s->pending = p;
    s->token = (++d->seq << 32) | i;
    p->token = s->token;
    return s->token;
}

static s_pending_t *
s_token_find(const cb_httpd_defers_t *d, uint64_t token)
{
    uint64_t i = token & 0xffffffffu;
    if (token == 0 || i >= d->slot_count || d->slots[i].token != token) {
        return NULL;
    }
    return d->slots[i].pending;
}

static void
s_token_drop(cb_httpd_defers_t *d, s_pending_t *p)
{
    if (p->token == 0) {
        return;
    }
    uint32_t i = (uint32_t) (p->token & 0xffffffffu);
    d->slots[i] = (cb_httpd_slot_t){NULL, 0, d->free_slot};
    d->free_slot = i;
    p->token = 0;
}

/* ---- the pending list ------------------------------------------------------- */

static void
s_unlink(s_pending_t *p)
{
    if (h2o_linklist_is_linked(&p->link)) {
        h2o_linklist_unlink(&p->link);
        p->httpd->defers.count--;
    }
}

/* Makes the timer fire at at_ms unless it already fires earlier. */
static void
s_arm_at(cb_httpd_t *httpd, uint64_t at_ms)
{
    cb_httpd_defers_t *d = &httpd->defers;
    if (d->armed_at_ms != 0 && d->armed_at_ms <= at_ms) {
        return;
    }
    uint64_t now = cb_httpd_impl_now_ms();
    d->armed_at_ms = at_ms > now ? at_ms : now;
    cb_httpd_timer_restart(d->timer, (int64_t) (d->armed_at_ms - now));
}

/* Arms the timer for p: its answer's due time, or the next poll. */
static void
s_arm_for(s_pending_t *p)
{
    cb_httpd_defers_t *d = &p->httpd->defers;
    if (p->ready) {
        s_arm_at(p->httpd, p->due_ms);
        return;
    }
    uint64_t now = cb_httpd_impl_now_ms();
    if (d->watch_at_ms <= now) {
        d->watch_at_ms = now + S_WATCH_MS;
    }
    s_arm_at(p->httpd, d->watch_at_ms);
}

/* Called by h2o when the request's pool goes, however the request ended. */
static void
s_on_dispose(void *ptr)
{
    s_pending_t *p = ptr;
    s_unlink(p);
    s_token_drop(&p->httpd->defers, p);
}

static s_pending_t *
s_pending_new(cb_httpd_t *httpd, h2o_req_t *req)
{
    s_pending_t *p = h2o_mem_alloc_shared(&req->pool, sizeof *p, s_on_dispose);
    memset(p, 0, sizeof *p);
    p->httpd = httpd;
    p->req = req;
    h2o_linklist_insert(&httpd->defers.waiting, &p->link);
    httpd->defers.count++;
    return p;
}

static bool
s_client_gone(h2o_req_t *req)
{
    const h2o_conn_callbacks_t *cb = req->conn->callbacks;
    h2o_socket_t *sock = cb->get_socket != NULL ? cb->get_socket(req->conn) : NULL;
    if (sock == NULL) {
        return false;
    }
    struct pollfd pfd = {.fd = h2o_socket_get_fd(sock), .events = POLLRDHUP};
    return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/* Sends p's answer (unlinked first); close ends the connection after it. A
 * request without an answer (its client has gone, or the server is
 * closing) is answered 503. */
static void
s_send(s_pending_t *p, bool close)
{
    s_unlink(p);
    s_token_drop(&p->httpd->defers, p);
    if (close) {
        p->req->http1_is_persistent = 0;
    }
    if (!p->ready) {
        p->body = cb_httpd_impl_error_res(p->httpd, p->req, 503, "no answer");
    }
    h2o_send_inline(p->req, p->body.base, p->body.len);
}

static void
s_on_timer(void *ctx)
{
    cb_httpd_t *httpd = ctx;
    cb_httpd_defers_t *d = &httpd->defers;
    uint64_t now = cb_httpd_impl_now_ms();
    bool watch = now >= d->watch_at_ms;
    if (watch) {
        d->watch_at_ms = now + S_WATCH_MS;
    }
    d->armed_at_ms = 0;
    /* Each request is looked at once: the list is moved aside, and those
     * still waiting go back. A send never disposes of a request at once
     * (h2o does that once the write completes), but one that does so
     * would only unlink itself from the list aside. */
    h2o_linklist_t todo;
    h2o_linklist_init_anchor(&todo);
    h2o_linklist_insert_list(&todo, &d->waiting);
    while (!h2o_linklist_is_empty(&todo)) {
        s_pending_t *p = H2O_STRUCT_FROM_MEMBER(s_pending_t, link, todo.next);
        h2o_linklist_unlink(&p->link);
        h2o_linklist_insert(&d->waiting, &p->link);
        if (p->ready ? p->due_ms <= now : watch && s_client_gone(p->req)) {
            s_send(p, !p->ready);
        } else {
            s_arm_for(p);
        }
    }
}

int
cb_httpd_impl_defer_init(cb_httpd_t *httpd)
{
    cb_httpd_defers_t *d = &httpd->defers;
    h2o_linklist_init_anchor(&d->waiting);
    d->free_slot = UINT32_MAX;
    /* Re-armed on demand (s_arm_at); a firing with nothing due is harmless. */
    d->timer = cb_httpd_timer_new(httpd, INT32_MAX, 0, s_on_timer, httpd);
    return d->timer != NULL ? 0 : CB_E_NOMEM;
}

void
cb_httpd_impl_defer_fini(cb_httpd_t *httpd)
{
    cb_httpd_defers_t *d = &httpd->defers;
    d->closing = true;
    while (!h2o_linklist_is_empty(&d->waiting)) {
        s_send(H2O_STRUCT_FROM_MEMBER(s_pending_t, link, d->waiting.next), true);
    }
    h2o_evloop_run(httpd->loop, 0); /* let the answers go and their connections close */
    cb_httpd_timer_destroy(&d->timer);
    free(d->slots);
    d->slots = NULL;
}

void
cb_httpd_impl_defer_fault(cb_httpd_t *httpd, h2o_req_t *req, h2o_iovec_t body,
                          const cb_httpd_res_t *res)
{
    if (httpd->defers.closing) {
        req->http1_is_persistent = 0;
        h2o_send_inline(req, body.base, body.len);
        return;
    }
    s_pending_t *p = s_pending_new(httpd, req);
    if (!res->never_answer) {
        p->ready = true;
        p->body = body;
        p->due_ms = cb_httpd_impl_now_ms() + (uint64_t) res->delay_ms;
    }
    s_arm_for(p);
}

uint64_t
cb_httpd_defer(cb_httpd_t *httpd, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    s_pending_t *p = s_pending_new(httpd, (h2o_req_t *) req->opaque);
    res->deferred = true;
    uint64_t token = s_token_new(&httpd->defers, p);
    s_arm_for(p);
    return token;
}

int
cb_httpd_answer(cb_httpd_t *httpd, uint64_t token, const cb_httpd_res_t *res)
{
    s_pending_t *p = s_token_find(&httpd->defers, token);
    if (p == NULL) {
        return CB_E_NOT_FOUND;
    }
    s_token_drop(&httpd->defers, p);
    p->body = cb_httpd_impl_res_apply(p->req, res);
    p->ready = true;
    p->due_ms = cb_httpd_impl_now_ms() + (res->delay_ms > 0 ? (uint64_t) res->delay_ms : 0);
    s_arm_for(p);
    return 0;
}

size_t
cb_httpd_pending(const cb_httpd_t *httpd)
{
    return httpd->defers.count;
}
