/* cbh.h - test harness: free ports, child processes with logs, a real redis-server */
#ifndef CBH_H_INCLUDED
#define CBH_H_INCLUDED

#include <stdbool.h>
#include <sys/types.h>

/* A currently free 127.0.0.1 TCP port; never the same one twice per process. */
int
cbh_free_port(void);

typedef struct cbh_proc cbh_proc_t;

/* Starts argv[0] (a path) with argv, this environment plus extra "K=V"
 * strings (NULL-terminated, may be NULL). stdout and stderr go to
 * $CBH_LOG_DIR (default build/test-logs)/<name>-<pid>.log. The child dies with
 * the test (PR_SET_PDEATHSIG). NULL on failure. */
cbh_proc_t *
cbh_proc_start(const char *name, char *const argv[], char *const extra_env[]);

pid_t
cbh_proc_pid(const cbh_proc_t *p);

/* True while the child runs (reaps it when it has exited). */
bool
cbh_proc_alive(cbh_proc_t *p);

/* Sends sig, waits up to timeout_ms, then SIGKILL; frees *p_p and nulls it.
 * Returns the exit code, 128+signal when a signal ended it, or -1. NULL-safe. */
int
cbh_proc_stop(cbh_proc_t **p_p, int sig, int timeout_ms);

/* Waits up to timeout_ms for the child to exit by itself, then stops it
 * (SIGKILL) if it has not; returns and frees as cbh_proc_stop. */
int
cbh_proc_wait(cbh_proc_t **p_p, int timeout_ms);

const char *
cbh_proc_log_path(const cbh_proc_t *p);

/* 0 once a TCP connect to 127.0.0.1:port succeeds within timeout_ms, else -1. */
int
cbh_wait_port(int port, int timeout_ms);

/* "$BUILD/bin" (BUILD from the environment, default "build"). */
const char *
cbh_bin_dir(void);

typedef struct {
    cbh_proc_t *proc;
    int port;
    char url[128];
    char dir[256];
} cbh_redis_t;

/* Starts redis-server on a free port in a fresh temp dir without persistence,
 * with requirepass when password is not NULL; waits until it answers.
 * The URL includes the password. 0 or -1. */
int
cbh_redis_start(cbh_redis_t *r, const char *password);

/* Stops it and removes its directory. */
void
cbh_redis_stop(cbh_redis_t *r);

#endif
