/* edge_redis.h - hiredis's async connection on a cb_httpd loop (a hiredis event adapter) */
#ifndef EDGE_REDIS_H_INCLUDED
#define EDGE_REDIS_H_INCLUDED

#include <stdbool.h>

#include <hiredis/async.h>

#include "cb_httpd.h"

/* Puts ac's socket on httpd's loop through a cb_httpd watch: hiredis's
 * addRead/delRead/addWrite/delWrite hooks start and stop its callbacks,
 * which call redisAsyncHandleRead / redisAsyncHandleWrite (writes under a
 * SIGPIPE guard, so the process need not ignore SIGPIPE); the cleanup hook
 * (run when hiredis frees ac) frees the watch. The socket stays hiredis's.
 * REDIS_OK, or REDIS_ERR when ac already has an event library or on no
 * memory (ac is then untouched). */
int
edge_redis_attach(cb_httpd_t *httpd, redisAsyncContext *ac);

/* Waits in poll(2) on ac's socket alone, handling its reads and writes,
 * for up to timeout_ms or until done(ctx) is true (checked before each
 * wait), without running the rest of the loop: for a bounded last flush
 * when its owner stops. ac may be freed by a callback meanwhile (then
 * *ac_p is NULL when the callback nulled it; the wait ends). */
void
edge_redis_flush(redisAsyncContext **ac_p, int timeout_ms, bool (*done)(void *ctx), void *ctx);

#endif
