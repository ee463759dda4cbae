/* edge_redis.h - hiredis's async connection on a cb_httpd loop (a hiredis event adapter) */
#ifndef EDGE_REDIS_H_INCLUDED
#define EDGE_REDIS_H_INCLUDED

#include <stdbool.h>

#include <hiredis/async.h>

#include "cb_httpd.h"
#include "cb_redis.h"

/* Puts ac's socket on httpd's loop through a cb_httpd watch: hiredis's
 * addRead/delRead/addWrite/delWrite hooks start and stop its callbacks,
 * which call redisAsyncHandleRead / redisAsyncHandleWrite (writes under a
 * SIGPIPE guard, so the process need not ignore SIGPIPE); the cleanup hook
 * (run when hiredis frees ac) frees the watch. The socket stays hiredis's.
 * REDIS_OK, or REDIS_ERR when ac already has an event library or on no
 * memory (ac is then untouched). */
int
edge_redis_attach(cb_httpd_t *httpd, redisAsyncContext *ac);

/* Starts a non-blocking connect to host:port with its socket on httpd's
 * loop (edge_redis_attach), ac->data = data and the two callbacks set. The
 * context, or NULL with reason (size bytes) saying why: hiredis's error
 * text, or "no memory". */
redisAsyncContext *
edge_redis_connect(cb_httpd_t *httpd, const char *host, int port, void *data,
                   redisConnectCallback *on_connect, redisDisconnectCallback *on_disconnect,
                   char *reason, size_t size);

/* Queues AUTH (AUTH user pass with a username) when url has a password,
 * and SELECT when its db is not 0, ahead of any other command on ac, each
 * with fn(ac, reply, privdata). REDIS_OK, or REDIS_ERR when ac refuses
 * commands. Never logs (the password stays out of every log line). */
int
edge_redis_handshake(redisAsyncContext *ac, const cb_redis_url_t *url, redisCallbackFn *fn,
                     void *privdata);

/* Waits in poll(2) on the sockets of the n connections in *acs[0..n-1]
 * alone (at most 64; NULL ones skipped), handling their reads and writes,
 * for up to timeout_ms or until done(ctx) is true (checked before each
 * wait), without running the rest of the loop: for a bounded last flush
 * when their owner stops. A callback may free any of them meanwhile (its
 * owner then nulls its slot); the wait ends when every slot is NULL. */
void
edge_redis_flush(redisAsyncContext **const *acs, size_t n, int timeout_ms, bool (*done)(void *ctx),
                 void *ctx);

#endif
