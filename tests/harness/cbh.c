/* cbh.c - test harness: free ports, child processes with logs, a real redis-server */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cbh.h"

struct cbh_proc {
    pid_t pid;
    bool exited;
    int status;
    char log[512];
};

static int s_used_ports[256];
static int s_used_count;

static void
s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int
cbh_free_port(void)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) {
            return -1;
        }
        struct sockaddr_in addr;
        memset(&addr, 0, sizeof addr);
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (bind(fd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
            getsockname(fd, (struct sockaddr *) &addr, &len) != 0) {
            close(fd);
            return -1;
        }
        close(fd);
        int port = ntohs(addr.sin_port);
        bool used = false;
        for (int i = 0; i < s_used_count; i++) {
            used = used || s_used_ports[i] == port;
        }
        if (!used) {
            if (s_used_count < 256) {
                s_used_ports[s_used_count++] = port;
            }
            return port;
        }
    }
    return -1;
}

const char *
cbh_bin_dir(void)
{
    static char dir[512];
    const char *build = getenv("BUILD");
    snprintf(dir, sizeof dir, "%s/bin", build != NULL && build[0] != '\0' ? build : "build");
    return dir;
}

static const char *
s_log_dir(void)
{
    const char *dir = getenv("CBH_LOG_DIR");
    return dir != NULL && dir[0] != '\0' ? dir : "build/test-logs";
}

cbh_proc_t *
cbh_proc_start(const char *name, char *const argv[], char *const extra_env[])
{
    cbh_proc_t *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return NULL;
    }
    mkdir("build", 0755);
    mkdir(s_log_dir(), 0755);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        free(p);
        return NULL;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(127);
        }
        char log[512];
        snprintf(log, sizeof log, "%s/%s-%d.log", s_log_dir(), name, (int) getpid());
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, 0);
            close(devnull);
        }
        for (int i = 0; extra_env != NULL && extra_env[i] != NULL; i++) {
            char kv[1024];
            snprintf(kv, sizeof kv, "%s", extra_env[i]);
            char *eq = strchr(kv, '=');
            if (eq != NULL) {
                *eq = '\0';
                setenv(kv, eq + 1, 1);
            }
        }
        /* Signals the test blocked or ignored must not leak into the child. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        execv(argv[0], argv);
        fprintf(stderr, "exec %s failed: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    p->pid = pid;
    snprintf(p->log, sizeof p->log, "%s/%s-%d.log", s_log_dir(), name, (int) pid);
    return p;
}

pid_t
cbh_proc_pid(const cbh_proc_t *p)
{
    return p->pid;
}

const char *
cbh_proc_log_path(const cbh_proc_t *p)
{
    return p->log;
}

static void
s_reap(cbh_proc_t *p, int flags)
{
    if (p->exited) {
        return;
    }
    int status;
    pid_t r = waitpid(p->pid, &status, flags);
    if (r == p->pid) {
        p->exited = true;
        p->status = status;
    }
}

bool
cbh_proc_alive(cbh_proc_t *p)
{
    s_reap(p, WNOHANG);
    return !p->exited;
}

int
cbh_proc_stop(cbh_proc_t **p_p, int sig, int timeout_ms)
{
    if (p_p == NULL || *p_p == NULL) {
        return -1;
    }
    cbh_proc_t *p = *p_p;
    s_reap(p, WNOHANG);
    if (!p->exited) {
        kill(p->pid, sig);
        for (int waited = 0; waited < timeout_ms; waited += 10) {
            s_reap(p, WNOHANG);
            if (p->exited) {
                break;
            }
            s_sleep_ms(10);
        }
        if (!p->exited) {
            kill(p->pid, SIGKILL);
            s_reap(p, 0);
        }
    }
    int code = -1;
    if (WIFEXITED(p->status)) {
        code = WEXITSTATUS(p->status);
    } else if (WIFSIGNALED(p->status)) {
        code = 128 + WTERMSIG(p->status);
    }
    free(p);
    *p_p = NULL;
    return code;
}

int
cbh_proc_wait(cbh_proc_t **p_p, int timeout_ms)
{
    if (p_p == NULL || *p_p == NULL) {
        return -1;
    }
    for (int waited = 0; waited < timeout_ms && cbh_proc_alive(*p_p); waited += 10) {
        s_sleep_ms(10);
    }
    return cbh_proc_stop(p_p, SIGKILL, 1000);
}

int
cbh_wait_port(int port, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 20) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in addr;
        memset(&addr, 0, sizeof addr);
        addr.sin_family = AF_INET;
        addr.sin_port = htons((uint16_t) port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int rc = connect(fd, (struct sockaddr *) &addr, sizeof addr);
        close(fd);
        if (rc == 0) {
            return 0;
        }
        s_sleep_ms(20);
    }
    return -1;
}

/* True when redis answers PING on port (with the password, if any). */
static bool
s_redis_pong(int port, const char *password)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t) port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    bool ok = false;
    if (connect(fd, (struct sockaddr *) &addr, sizeof addr) == 0) {
        char cmd[512];
        int n = password != NULL
                    ? snprintf(cmd, sizeof cmd, "AUTH %s\r\nPING\r\n", password)
                    : snprintf(cmd, sizeof cmd, "PING\r\n");
        if (write(fd, cmd, (size_t) n) == n) {
            char buf[256];
            size_t got = 0;
            for (int i = 0; i < 10 && got < sizeof buf - 1; i++) {
                ssize_t r = read(fd, buf + got, sizeof buf - 1 - got);
                if (r <= 0) {
                    break;
                }
                got += (size_t) r;
                buf[got] = '\0';
                if (strstr(buf, "+PONG") != NULL) {
                    ok = true;
                    break;
                }
            }
        }
    }
    close(fd);
    return ok;
}

int
cbh_redis_start(cbh_redis_t *r, const char *password)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/cbh-redis-XXXXXX");
    if (mkdtemp(r->dir) == NULL) {
        return -1;
    }
    r->port = cbh_free_port();
    char port[16];
    snprintf(port, sizeof port, "%d", r->port);
    char *argv[16];
    int n = 0;
    argv[n++] = "/usr/bin/redis-server";
    argv[n++] = "--bind";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--port";
    argv[n++] = port;
    argv[n++] = "--dir";
    argv[n++] = r->dir;
    argv[n++] = "--save";
    argv[n++] = "";
    argv[n++] = "--appendonly";
    argv[n++] = "no";
    if (password != NULL) {
        argv[n++] = "--requirepass";
        argv[n++] = (char *) password;
    }
    argv[n] = NULL;
    if (access(argv[0], X_OK) != 0) {
        fprintf(stderr, "cbh_redis_start: %s missing (run make deps)\n", argv[0]);
        return -1;
    }
    r->proc = cbh_proc_start("redis", argv, NULL);
    if (r->proc == NULL) {
        return -1;
    }
    for (int i = 0; i < 250; i++) {
        if (s_redis_pong(r->port, password)) {
            if (password != NULL) {
                snprintf(r->url, sizeof r->url, "redis://:%s@127.0.0.1:%d/0", password, r->port);
            } else {
                snprintf(r->url, sizeof r->url, "redis://127.0.0.1:%d/0", r->port);
            }
            return 0;
        }
        if (!cbh_proc_alive(r->proc)) {
            break;
        }
        s_sleep_ms(20);
    }
    fprintf(stderr, "cbh_redis_start: redis did not answer on port %d\n", r->port);
    cbh_proc_stop(&r->proc, SIGKILL, 1000);
    return -1;
}

void
cbh_redis_stop(cbh_redis_t *r)
{
    cbh_proc_stop(&r->proc, SIGTERM, 3000);
    if (r->dir[0] != '\0') {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", r->dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "cbh_redis_stop: could not remove %s\n", r->dir);
        }
        r->dir[0] = '\0';
    }
}
