/* cb_redis.h - Redis connection: URL parsing, AUTH, SELECT, lazy reconnect with backoff */
#ifndef CB_REDIS_H_INCLUDED
#define CB_REDIS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include <hiredis.h>

/* A parsed redis:// URL. username/password are heap copies (NULL when
 * absent), wiped and freed by cb_redis_url_fini. */
typedef struct {
    char host[256];
    int port;
    int db;
    char *username;
    char *password;
} cb_redis_url_t;

/* Parses redis://[[username]:password@]host[:port][/db] (user info
 * percent-decoded, IPv6 hosts in brackets, port 1..65535 default 6379, db
 * 0..10000 default 0). rediss:// is refused (no TLS in this hiredis). Returns
 * 0 or CB_E_CONFIG; *url is clean (fini-safe) either way. */
int
cb_redis_url_parse(const char *text, cb_redis_url_t *url);

/* Wipes the password (OPENSSL_cleanse) and frees the copies. Safe twice. */
void
cb_redis_url_fini(cb_redis_url_t *url);

typedef struct cb_redis cb_redis_t;

/* Creates a connection handle for url; does not connect (Redis may be down).
 * NULL with *err = CB_E_CONFIG for a bad URL, CB_E_NOMEM otherwise. */
cb_redis_t *
cb_redis_new(const char *url, int *err);

/* Closes, wipes the password, frees; NULL-safe, nulls *r_p. */
void
cb_redis_destroy(cb_redis_t **r_p);

/* Connect and command timeouts in milliseconds (defaults 1000 and 2000). */
void
cb_redis_set_timeouts(cb_redis_t *r, int connect_ms, int command_ms);

/* Runs one command (hiredis format string). Connects first when needed
 * (AUTH, SELECT); while reconnecting is backing off (50 ms doubling to 5 s,
 * with jitter) it fails at once without touching the network. Returns the
 * reply (caller frees with freeReplyObject; error replies such as NOSCRIPT are
 * replies too, with *err = 0), or NULL with *err = CB_E_UNAVAILABLE (down or
 * I/O error: the connection is dropped), CB_E_TIMEOUT or CB_E_UNAUTHORIZED.
 * Outages are logged once when they start and once when they end. */
redisReply *
cb_redis_command(cb_redis_t *r, int *err, const char *fmt, ...);

/* The same with an argument vector (binary-safe). */
redisReply *
cb_redis_commandv(cb_redis_t *r, int *err, int argc, const char **argv, const size_t *argvlen);

/* Pipelining: queue commands with cb_redis_appendv (connecting first when
 * needed), then read one reply per queued command, in order, with
 * cb_redis_get_reply. Same errors as cb_redis_commandv; after an error the
 * connection is dropped and the remaining replies are lost (NULL). */
int
cb_redis_appendv(cb_redis_t *r, int argc, const char **argv, const size_t *argvlen);
redisReply *
cb_redis_get_reply(cb_redis_t *r, int *err);

bool
cb_redis_connected(const cb_redis_t *r);

/* PING; 0 when PONG came back, else the error of cb_redis_command. */
int
cb_redis_ping(cb_redis_t *r);

#endif
