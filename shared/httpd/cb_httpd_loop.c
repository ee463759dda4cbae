/* cb_httpd_loop.c - foreign file descriptors, timers and sub-millisecond waits on cb_httpd's h2o loop */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cb_httpd_impl.h"
#include "cb_log.h"

/* ---- timers -------------------------------------------------------------------
 *
 * h2o 2.2's h2o_timeout_t fires its entries a fixed period after they were
 * linked, in the order they were linked. Ours has period 0 and holds one
 * entry, armed for the earliest of our timers by setting its registered_at
 * to that timer's due time (so it fires then, never earlier). A dispatch
 * runs the timers that were due when it began and armed before it: a timer
 * restarted with 0 from its own callback runs on the next turn, not in a
 * loop. */

struct cb_httpd_timer {
    h2o_linklist_t link; /* in timers->armed while armed */
    cb_httpd_timers_t *timers;
    uint64_t due_ms;
    int64_t period_ms;
    uint64_t turn; /* the dispatch it was armed in (or after) */
    cb_httpd_watch_fn fn;
    void *ctx;
    bool running;   /* its callback is under way */
    bool destroyed; /* destroyed from its callback: freed after it */
};

static void
s_timers_arm(cb_httpd_timers_t *timers)
{
    if (timers->dispatching) {
        return; /* armed at the end of the dispatch */
    }
    h2o_timeout_unlink(&timers->entry);
    if (h2o_linklist_is_empty(&timers->armed)) {
        return;
    }
    cb_httpd_timer_t *first = H2O_STRUCT_FROM_MEMBER(cb_httpd_timer_t, link, timers->armed.next);
    h2o_timeout_link(timers->loop, &timers->timeout, &timers->entry);
    timers->entry.registered_at = first->due_ms;
}

/* Links t by due time, after the timers due at the same time. */
static void
s_timer_insert(cb_httpd_timer_t *t)
{
    cb_httpd_timers_t *timers = t->timers;
    h2o_linklist_t *after = timers->armed.prev;
    while (after != &timers->armed &&
           H2O_STRUCT_FROM_MEMBER(cb_httpd_timer_t, link, after)->due_ms > t->due_ms) {
        after = after->prev;
    }
    h2o_linklist_insert(after->next, &t->link);
    t->turn = timers->turn;
}

static void
s_timers_on_fire(h2o_timeout_entry_t *entry)
{
    cb_httpd_timers_t *timers = H2O_STRUCT_FROM_MEMBER(cb_httpd_timers_t, entry, entry);
    uint64_t now = h2o_now(timers->loop);
    uint64_t turn = ++timers->turn;
    timers->dispatching = true;
    while (!h2o_linklist_is_empty(&timers->armed)) {
        cb_httpd_timer_t *t = H2O_STRUCT_FROM_MEMBER(cb_httpd_timer_t, link, timers->armed.next);
        if (t->due_ms > now || t->turn == turn) {
            break;
        }
        h2o_linklist_unlink(&t->link);
        if (t->period_ms > 0) {
            /* Re-armed first, so that its callback can restart or destroy it. */
            t->due_ms += (uint64_t) t->period_ms;
            if (t->due_ms <= now) {
                t->due_ms = now + (uint64_t) t->period_ms; /* late: no burst */
            }
            s_timer_insert(t);
        }
        t->running = true;
        t->fn(t->ctx);
        t->running = false;
        if (t->destroyed) {
            free(t);
        }
    }
    timers->dispatching = false;
    s_timers_arm(timers);
    /* A timer due now (restarted with 0 from a callback) waits for the next
     * turn: h2o would otherwise call this again within this one. */
    if (h2o_timeout_is_linked(&timers->entry) && timers->entry.registered_at <= now) {
        timers->entry.registered_at = now + 1;
    }
}

void
cb_httpd_impl_timers_init(cb_httpd_timers_t *timers, h2o_evloop_t *loop)
{
    timers->loop = loop;
    h2o_linklist_init_anchor(&timers->armed);
    h2o_timeout_init(loop, &timers->timeout, 0);
    timers->entry.cb = s_timers_on_fire;
}

void
cb_httpd_impl_timers_fini(cb_httpd_timers_t *timers)
{
    h2o_timeout_unlink(&timers->entry);
    h2o_timeout_dispose(timers->loop, &timers->timeout);
}

/* Sets t's due time after_ms from now (never earlier); 0: this loop turn's
 * time, so that it runs at the end of the current turn (or of the next
 * one, when set between turns). */
static void
s_timer_start(cb_httpd_timer_t *t, int64_t after_ms)
{
    if (h2o_linklist_is_linked(&t->link)) {
        h2o_linklist_unlink(&t->link);
    }
    /* +1: the current millisecond has begun, and the delay is a minimum. */
    t->due_ms = after_ms > 0 ? cb_httpd_impl_now_ms() + 1 + (uint64_t) after_ms
                             : h2o_now(t->timers->loop);
    s_timer_insert(t);
    s_timers_arm(t->timers);
}

cb_httpd_timer_t *
cb_httpd_timer_new(cb_httpd_t *httpd, int64_t after_ms, int64_t period_ms, cb_httpd_watch_fn fn,
                   void *ctx)
{
    cb_httpd_timer_t *t = calloc(1, sizeof *t);
    if (t == NULL) {
        return NULL;
    }
    t->timers = &httpd->timers;
    t->period_ms = period_ms;
    t->fn = fn;
    t->ctx = ctx;
    s_timer_start(t, after_ms);
    return t;
}

void
cb_httpd_timer_restart(cb_httpd_timer_t *timer, int64_t after_ms)
{
    s_timer_start(timer, after_ms);
}

void
cb_httpd_timer_destroy(cb_httpd_timer_t **timer_p)
{
    if (timer_p == NULL || *timer_p == NULL) {
        return;
    }
    cb_httpd_timer_t *t = *timer_p;
    *timer_p = NULL;
    if (h2o_linklist_is_linked(&t->link)) {
        h2o_linklist_unlink(&t->link);
        s_timers_arm(t->timers);
    }
    if (t->running) {
        t->destroyed = true;
    } else {
        free(t);
    }
}

/* ---- file descriptor watches ------------------------------------------------------
 *
 * A watch is an h2o socket on a dup of the caller's fd with
 * H2O_SOCKET_FLAG_DONT_READ: h2o 2.2's evloop then calls the read callback
 * when epoll reports the fd readable (or hung up) without reading it. Its
 * epoll is level-triggered, so the callback runs on every turn in which the
 * fd is readable (a ZeroMQ ZMQ_FD: the caller drains ZMQ_EVENTS each time).
 * Writability: h2o_socket_notify_write polls for EPOLLOUT once and calls
 * back as a completed write of nothing; it is re-armed after each callback
 * while writes are wanted. Closing the socket closes the dup only. h2o
 * never links a watch's socket into its pending list outside a loop turn
 * (see cb_wsd_conn_free for why that matters), so it can close any time. */

struct cb_httpd_watch {
    h2o_socket_t *sock;
    cb_httpd_watch_fn on_readable;
    cb_httpd_watch_fn on_writable;
    void *ctx;
    int depth;      /* callbacks under way */
    bool destroyed; /* destroyed from a callback: freed after it */
};

static void
s_watch_free(cb_httpd_watch_t *w)
{
    h2o_socket_close(w->sock);
    free(w);
}

/* Runs fn; true when the watch is still alive after it. */
static bool
s_watch_call(cb_httpd_watch_t *w, cb_httpd_watch_fn fn)
{
    w->depth++;
    fn(w->ctx);
    w->depth--;
    if (w->destroyed && w->depth == 0) {
        s_watch_free(w);
        return false;
    }
    return !w->destroyed;
}

static void
s_watch_on_read(h2o_socket_t *sock, const char *err)
{
    (void) err; /* h2o reads nothing, so it reports no error */
    cb_httpd_watch_t *w = sock->data;
    if (w->on_readable != NULL) {
        s_watch_call(w, w->on_readable);
    }
}

static void
s_watch_on_write(h2o_socket_t *sock, const char *err)
{
    (void) err;
    cb_httpd_watch_t *w = sock->data;
    if (w->on_writable == NULL || !s_watch_call(w, w->on_writable)) {
        return;
    }
    if (w->on_writable != NULL && !h2o_socket_is_writing(w->sock)) {
        h2o_socket_notify_write(w->sock, s_watch_on_write);
    }
}

cb_httpd_watch_t *
cb_httpd_watch_new(cb_httpd_t *httpd, int fd, cb_httpd_watch_fn on_readable, void *ctx)
{
    int flags = fcntl(fd, F_GETFL);
    int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (flags < 0 || dup_fd < 0) {
        cb_log_error("watch_failed", "fcntl() on fd %d failed: %s", fd, strerror(errno));
        if (dup_fd >= 0) {
            close(dup_fd);
        }
        return NULL;
    }
    cb_httpd_watch_t *w = calloc(1, sizeof *w);
    if (w == NULL) {
        cb_log_error("watch_failed", "fd %d: out of memory", fd);
        close(dup_fd);
        return NULL;
    }
    w->sock = h2o_evloop_socket_create(httpd->loop, dup_fd, H2O_SOCKET_FLAG_DONT_READ);
    /* h2o makes the fd non-blocking; the flag is shared with the caller's
     * descriptor, which keeps the mode it had (h2o never reads it). */
    fcntl(dup_fd, F_SETFL, flags);
    w->sock->data = w;
    w->on_readable = on_readable;
    w->ctx = ctx;
    h2o_socket_read_start(w->sock, s_watch_on_read);
    return w;
}

void
cb_httpd_watch_want_write(cb_httpd_watch_t *watch, cb_httpd_watch_fn on_writable)
{
    watch->on_writable = on_writable;
    /* A notification already asked for is not withdrawn (h2o 2.2 cannot):
     * when it comes with on_writable NULL, nothing runs. */
    if (on_writable != NULL && !h2o_socket_is_writing(watch->sock)) {
        h2o_socket_notify_write(watch->sock, s_watch_on_write);
    }
}

void
cb_httpd_watch_want_read(cb_httpd_watch_t *watch, bool on)
{
    if (on && !h2o_socket_is_reading(watch->sock)) {
        h2o_socket_read_start(watch->sock, s_watch_on_read);
    } else if (!on && h2o_socket_is_reading(watch->sock)) {
        h2o_socket_read_stop(watch->sock);
    }
}

void
cb_httpd_watch_destroy(cb_httpd_watch_t **watch_p)
{
    if (watch_p == NULL || *watch_p == NULL) {
        return;
    }
    cb_httpd_watch_t *w = *watch_p;
    *watch_p = NULL;
    w->on_readable = NULL;
    w->on_writable = NULL;
    if (w->depth > 0) {
        w->destroyed = true;
    } else {
        s_watch_free(w);
    }
}

/* ---- sub-millisecond waits -------------------------------------------------------
 *
 * h2o 2.2's loop waits in whole milliseconds (epoll_wait), so a caller whose
 * next piece of work is due in 0.7 ms can only poll (wait 0) or oversleep.
 * A timerfd armed for the exact wait, watched like any foreign fd, ends the
 * wait when it is due; the loop's own millisecond timeout is rounded up so
 * that the timerfd, not epoll's timeout, decides. A timer left armed by a
 * turn that woke early for I/O at most causes one extra, empty turn. */

static void
s_wake_on_readable(void *ctx)
{
    cb_httpd_t *httpd = ctx;
    uint64_t expirations;
    /* Non-blocking: nothing to read when it was re-armed since it fired. */
    ssize_t n = read(httpd->wake_fd, &expirations, sizeof expirations);
    (void) n;
}

/* Makes the timerfd and its watch on first use; false (logged once) when
 * that fails, and the caller falls back to millisecond waits. */
static bool
s_wake_init(cb_httpd_t *httpd)
{
    if (httpd->wake_watch != NULL) {
        return true;
    }
    if (httpd->wake_fd == -2) {
        return false;
    }
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) {
        cb_log_error("timerfd_failed", "timerfd_create() failed: %s", strerror(errno));
        httpd->wake_fd = -2;
        return false;
    }
    httpd->wake_fd = fd;
    httpd->wake_watch = cb_httpd_watch_new(httpd, fd, s_wake_on_readable, httpd);
    if (httpd->wake_watch == NULL) {
        close(fd);
        httpd->wake_fd = -2;
        return false;
    }
    return true;
}

void
cb_httpd_run_once_ns(cb_httpd_t *httpd, int64_t max_wait_ns)
{
    if (max_wait_ns <= 0) {
        h2o_evloop_run(httpd->loop, 0);
        return;
    }
    int64_t ms = (max_wait_ns + 999999) / 1000000;
    if (ms > INT32_MAX) {
        ms = INT32_MAX;
    }
    if (max_wait_ns % 1000000 != 0 && s_wake_init(httpd)) {
        struct itimerspec its = {.it_value = {.tv_sec = max_wait_ns / 1000000000,
                                              .tv_nsec = max_wait_ns % 1000000000}};
        if (timerfd_settime(httpd->wake_fd, 0, &its, NULL) != 0) {
            ms = max_wait_ns / 1000000; /* early rather than late */
        }
    }
    h2o_evloop_run(httpd->loop, (int32_t) ms);
}

void
cb_httpd_impl_wake_fini(cb_httpd_t *httpd)
{
    cb_httpd_watch_destroy(&httpd->wake_watch);
    if (httpd->wake_fd >= 0) {
        close(httpd->wake_fd);
    }
    httpd->wake_fd = -1;
}
