/* cb_redis.h - Redis connection: URL parsing, AUTH, SELECT, lazy reconnect with backoff, Redis Cluster redirections */
#ifndef CB_REDIS_H_INCLUDED
#define CB_REDIS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

/* A parsed redis:// URL. username/password are heap copies (NULL when
 * absent), wiped and freed by cb_redis_url_fini. */
typedef struct {
    char host[256];
    int port;
    int db;
    char *username;
    char *password;
} cb_redis_url_t;

/* Parses redis://[[username]:password@]host[:port][/db]: user info
 * percent-decoded (%00 refused), IPv6 hosts in brackets, port 1..65535
 * (default 6379), db 0..10000 (default 0); "redis://secret@host" gives a
 * password, as in redis-cli. rediss:// is refused (no TLS in hiredis 0.14).
 * Returns 0 or CB_E_CONFIG, never logs; *url is fini-safe either way. */
int
cb_redis_url_parse(const char *text, cb_redis_url_t *url);

/* Wipes the password (OPENSSL_cleanse) and frees the copies. Safe twice. */
void
cb_redis_url_fini(cb_redis_url_t *url);

/* One connection to one Redis, plus one to each other node of a Redis
 * Cluster that redirects to it. Not thread-safe: one handle per thread. */
typedef struct cb_redis cb_redis_t;

/* Creates a handle for url without connecting (Redis may be down); the first
 * command connects. NULL with *err = CB_E_CONFIG for a bad URL (logged,
 * without the URL's secrets) or CB_E_NOMEM; else *err = 0. */
cb_redis_t *
cb_redis_new(const char *url, int *err);

/* Closes, wipes the password, frees; NULL-safe, idempotent, nulls *r_p. */
void
cb_redis_destroy(cb_redis_t **r_p);

/* Connect and command timeouts in milliseconds (defaults 1000 and 2000);
 * a value <= 0 keeps the current one. Applies to the open connection too. */
void
cb_redis_set_timeouts(cb_redis_t *r, int connect_ms, int command_ms);

/* Runs one command (hiredis format string). Connects first when needed:
 * AUTH (AUTH user pass with a username), then SELECT db, after each connect.
 * Returns the reply, owned by the caller (freeReplyObject); error replies
 * such as NOSCRIPT are replies too, with *err = 0. Returns NULL with *err =
 *   CB_E_UNAVAILABLE  Redis down, I/O error, or still backing off;
 *   CB_E_TIMEOUT      no answer within the command or connect timeout;
 *   CB_E_UNAUTHORIZED AUTH refused (also while backing off after it);
 *   CB_E_CONFIG       SELECT refused (db out of range), also while backing off;
 *   CB_E_BAD_REQUEST  fmt could not be formatted (the connection is kept).
 * After an I/O error or timeout the connection is dropped; the next call
 * reconnects at once (unless the connection was under 1 s old), and failed
 * connects back off (50 ms doubling to 5 s, plus up to 25% jitter), failing
 * fast in between without touching the network. Transitions (connected,
 * lost, auth failed) are logged once each; passwords never are.
 * Redis Cluster (the URL names any node, db 0): a MOVED reply sends the
 * command to the node it names, remembered for the slot; ASK sends it there
 * once after ASKING; at most 5 redirections, then the last one is returned
 * as the error reply. A command without a key runs where the previous one
 * ran (so SCRIPT LOAD after NOSCRIPT reaches the node that said it); a
 * MULTI ... EXEC stays on one node, moved with its first command. Another
 * node that cannot be reached fails the command (CB_E_UNAVAILABLE, logged)
 * and its slots are asked of the URL's node again after 200 ms. */
redisReply *
cb_redis_command(cb_redis_t *r, int *err, const char *fmt, ...);

/* The same with an argument vector (binary-safe; argvlen may be NULL for
 * NUL-terminated arguments). */
redisReply *
cb_redis_commandv(cb_redis_t *r, int *err, int argc, const char **argv, const size_t *argvlen);

/* Pipelining: queue commands with cb_redis_appendv (connecting first when
 * needed; returns 0 or an error of cb_redis_commandv), then read one reply per
 * queued command, in order, with cb_redis_get_reply (errors as
 * cb_redis_commandv). After an error the connection is dropped and the other
 * queued replies are lost (NULL, CB_E_UNAVAILABLE). Replies left unread are
 * read and discarded by the next cb_redis_command / cb_redis_commandv.
 * On a cluster each command is queued on its slot's node and a redirected
 * one runs again where it belongs before its reply is returned; inside a
 * pipelined MULTI it does not (the transaction fails with EXECABORT, and the
 * next one goes to the right node). */
int
cb_redis_appendv(cb_redis_t *r, int argc, const char **argv, const size_t *argvlen);
redisReply *
cb_redis_get_reply(cb_redis_t *r, int *err);

/* Writes the commands queued by cb_redis_appendv to their sockets now
 * (hiredis otherwise writes them when the first reply is read), blocking
 * up to the command timeout: once it returns 0 they are in Redis's hands
 * and their replies can be read later. An error is cb_redis_appendv's (the
 * connection is dropped, the queued replies are lost). */
int
cb_redis_flush(cb_redis_t *r);

/* True while a connection is open (it may still turn out to be dead). */
bool
cb_redis_connected(const cb_redis_t *r);

/* PING; 0 when PONG came back, else the error of cb_redis_command, or
 * CB_E_UNAVAILABLE for an error reply (such as LOADING). */
int
cb_redis_ping(cb_redis_t *r);

#endif
