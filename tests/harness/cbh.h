/* cbh.h - test harness: free ports, child processes with logs, a real redis-server */
#ifndef CBH_H_INCLUDED
#define CBH_H_INCLUDED

#include <stdbool.h>
#include <sys/types.h>

/* A currently free 127.0.0.1 TCP port (bound to port 0, read back, closed);
 * never the same one twice per process. -1 when none could be found. */
int
cbh_free_port(void);

typedef struct cbh_proc cbh_proc_t;

/* Starts argv[0] (a path; a bare name is looked up in PATH) with argv, this
 * environment plus extra "K=V" strings (NULL-terminated, may be NULL; they
 * override). stdout and stderr go to $CBH_LOG_DIR (default build/test-logs)
 * /<name>-<pid>.log, stdin is /dev/null, no other descriptor is inherited,
 * signal mask and SIGPIPE/SIGINT/SIGTERM/SIGHUP dispositions are reset. The
 * child gets PR_SET_PDEATHSIG SIGKILL: it dies when the thread that started
 * it does. NULL when the program could not be started (exec failed). */
cbh_proc_t *
cbh_proc_start(const char *name, char *const argv[], char *const extra_env[]);

/* The child's pid; -1 for NULL. */
pid_t
cbh_proc_pid(const cbh_proc_t *p);

/* True while the child runs (waitpid WNOHANG; reaps it once it has exited). */
bool
cbh_proc_alive(cbh_proc_t *p);

/* Sends sig, waits up to timeout_ms, then SIGKILL; frees *p_p and nulls it.
 * Returns the exit code, 128+signal when a signal ended it, or -1 (NULL or
 * unknown status). NULL-safe. */
int
cbh_proc_stop(cbh_proc_t **p_p, int sig, int timeout_ms);

/* Waits up to timeout_ms for the child to exit by itself, then stops it
 * (SIGKILL) if it has not; returns and frees as cbh_proc_stop. */
int
cbh_proc_wait(cbh_proc_t **p_p, int timeout_ms);

/* The child's log file; "" for NULL. Valid until the process is stopped. */
const char *
cbh_proc_log_path(const cbh_proc_t *p);

/* How many lines of the child's log hold needle (-1 when the log cannot be
 * read). */
int
cbh_proc_log_count(const cbh_proc_t *p, const char *needle);

/* 0 once a TCP connect to 127.0.0.1:port succeeds within timeout_ms, else -1. */
int
cbh_wait_port(int port, int timeout_ms);

/* The status of a plain GET of http://127.0.0.1:port<path> (5 s at most);
 * 0 when no answer came. */
long
cbh_http_status(int port, const char *path);

/* "$BUILD/bin" (BUILD from the environment, default "build"). */
const char *
cbh_bin_dir(void);

typedef struct {
    cbh_proc_t *proc;
    int port;
    char url[128];
    char dir[256];
    bool aof;          /* persistent: appendonly yes, fsync always */
    char password[80]; /* "" for none; kept for cbh_redis_restart */
} cbh_redis_t;

/* Starts redis-server ($CBH_REDIS_SERVER, else redis-server from PATH) on a
 * free port in a fresh temp dir without persistence (--save "" --appendonly
 * no), with requirepass when password is not NULL; waits until PING answers.
 * r->url is redis://[:password@]127.0.0.1:port/0 (password percent-encoded).
 * 0 or -1 (logged to stderr; *r is then safe to cbh_redis_stop). */
int
cbh_redis_start(cbh_redis_t *r, const char *password);

/* The same on a given port (0: a free one), e.g. to bring a stopped server
 * back where its clients expect it. */
int
cbh_redis_start_on(cbh_redis_t *r, int port, const char *password);

/* As cbh_redis_start (no password), but persistent: an append-only file
 * in r->dir, written through on every command (appendfsync always), so that
 * a server stopped by cbh_redis_halt comes back with its data. */
int
cbh_redis_start_aof(cbh_redis_t *r);

/* Stops the server (SIGTERM, then SIGKILL after 3 s) and keeps its
 * directory, port and URL: clients see Redis go away mid-run. */
void
cbh_redis_halt(cbh_redis_t *r);

/* Starts a halted server again on the same port, in the same directory and
 * with the same options (an AOF server reloads its data). 0 or -1. */
int
cbh_redis_restart(cbh_redis_t *r);

/* Stops it (SIGTERM, then SIGKILL after 3 s) and removes its directory;
 * keeps r->port and r->url. NULL-safe and idempotent. */
void
cbh_redis_stop(cbh_redis_t *r);

/* Removes the directory tree dir when its path contains marker (a harness
 * temp dir such as "/cbh-redis-"), then empties dir. Idempotent. */
void
cbh_dir_remove(char *dir, const char *marker);

#endif
