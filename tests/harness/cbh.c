/* cbh.c - test harness: free ports, child processes with logs, a real redis-server */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cbh.h"

extern char **environ;

struct cbh_proc {
    pid_t pid;
    bool reaped;
    bool status_known;
    int status; /* from waitpid, when status_known */
    char log[512];
};

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char s_port_used[65536 / 8];
static unsigned s_log_seq;

static void
s_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int64_t
s_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Moves fd to a descriptor >= 3 with FD_CLOEXEC, so that the child's dup2
 * onto 0, 1 and 2 can never overwrite it. Closes fd; -1 on failure. */
static int
s_fd_high(int fd)
{
    if (fd < 0) {
        return -1;
    }
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return high;
}

static struct sockaddr_in
s_loopback(int port)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t) port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

int
cbh_free_port(void)
{
    int port = -1;
    pthread_mutex_lock(&s_lock);
    for (int attempt = 0; attempt < 200 && port < 0; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            break;
        }
        struct sockaddr_in addr = s_loopback(0);
        socklen_t len = sizeof addr;
        int rc = bind(fd, (struct sockaddr *) &addr, sizeof addr);
        if (rc == 0) {
            rc = getsockname(fd, (struct sockaddr *) &addr, &len);
        }
        close(fd);
        if (rc != 0) {
            break;
        }
        int got = ntohs(addr.sin_port);
        if ((s_port_used[got / 8] & (1u << (got % 8))) == 0) {
            s_port_used[got / 8] |= (unsigned char) (1u << (got % 8));
            port = got;
        }
    }
    pthread_mutex_unlock(&s_lock);
    return port;
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

/* mkdir -p; errors show up when the log file cannot be opened. */
static void
s_mkdir_p(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *s = buf + 1; *s != '\0'; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(buf, 0755);
            *s = '/';
        }
    }
    mkdir(buf, 0755);
}

/* The executable for prog: prog itself when it holds a '/', else the first
 * match in PATH. 0 or -1. */
static int
s_resolve(const char *prog, char *out, size_t size)
{
    if (strchr(prog, '/') != NULL) {
        snprintf(out, size, "%s", prog);
        return access(out, X_OK) == 0 ? 0 : -1;
    }
    const char *path = getenv("PATH");
    if (path == NULL || path[0] == '\0') {
        path = "/usr/local/bin:/usr/bin:/bin";
    }
    while (*path != '\0') {
        size_t len = strcspn(path, ":");
        snprintf(out, size, "%.*s/%s", (int) len, len > 0 ? path : ".", prog);
        if (access(out, X_OK) == 0) {
            return 0;
        }
        path += len + (path[len] == ':' ? 1 : 0);
    }
    return -1;
}

/* environ plus extra "K=V" strings, which replace variables of the same
 * name. Only the pointer array is allocated; the strings stay where they are. */
static char **
s_env_build(char *const extra[])
{
    size_t n = 0;
    size_t m = 0;
    while (environ != NULL && environ[n] != NULL) {
        n++;
    }
    while (extra != NULL && extra[m] != NULL) {
        m++;
    }
    char **env = calloc(n + m + 1, sizeof *env);
    if (env == NULL) {
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t key = strcspn(environ[i], "=");
        bool replaced = false;
        for (size_t j = 0; j < m && !replaced; j++) {
            replaced = strncmp(extra[j], environ[i], key) == 0 && extra[j][key] == '=';
        }
        if (!replaced) {
            env[k++] = environ[i];
        }
    }
    for (size_t j = 0; j < m; j++) {
        if (strchr(extra[j], '=') != NULL) {
            env[k++] = extra[j];
        }
    }
    env[k] = NULL;
    return env;
}

/* Runs in the forked child, which may hold copies of other threads' locks:
 * async-signal-safe calls only. Reports a failure as errno on err_fd. */
static void
s_child(const char *path, char *const argv[], char **env, int log_fd, int null_fd, int err_fd,
        pid_t parent, unsigned max_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) {
        _exit(127);
    }
    if (dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) {
        goto fail;
    }
    /* Sockets and pipes of the test must not outlive it in the child (a
     * listening socket would keep its port taken). err_fd closes on exec. */
    unsigned keep = (unsigned) err_fd;
    if (close_range(3, keep - 1, 0) != 0 || close_range(keep + 1, ~0u, 0) != 0) {
        for (unsigned fd = 3; fd < max_fd; fd++) {
            if (fd != keep) {
                close((int) fd);
            }
        }
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    const int reset[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++) {
        sigaction(reset[i], &dfl, NULL);
    }
    execve(path, argv, env);

fail:;
    int e = errno;
    ssize_t w = write(err_fd, &e, sizeof e);
    (void) w;
    _exit(127);
}

cbh_proc_t *
cbh_proc_start(const char *name, char *const argv[], char *const extra_env[])
{
    char path[PATH_MAX];
    char tmp_log[512];
    int pipe_fds[2] = {-1, -1};
    if (argv == NULL || argv[0] == NULL || s_resolve(argv[0], path, sizeof path) != 0) {
        fprintf(stderr, "cbh_proc_start: %s: not an executable\n",
                argv != NULL && argv[0] != NULL ? argv[0] : "(null)");
        goto fail;
    }
    cbh_proc_t *p = calloc(1, sizeof *p);
    if (p == NULL) {
        goto fail;
    }
    char **env = s_env_build(extra_env);
    if (env == NULL) {
        goto fail_proc;
    }
    /* The log is opened before fork, under a temporary name; it is renamed
     * to <name>-<pid>.log once the pid is known. */
    const char *dir = s_log_dir();
    s_mkdir_p(dir);
    pthread_mutex_lock(&s_lock);
    unsigned seq = s_log_seq++;
    pthread_mutex_unlock(&s_lock);
    snprintf(tmp_log, sizeof tmp_log, "%s/%s-starting-%d-%u.log", dir, name, (int) getpid(), seq);
    int log_fd = s_fd_high(open(tmp_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (log_fd < 0) {
        fprintf(stderr, "cbh_proc_start: open() of %s failed: %s\n", tmp_log, strerror(errno));
        goto fail_env;
    }
    int null_fd = s_fd_high(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (null_fd < 0) {
        goto fail_log;
    }
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        goto fail_null;
    }
    pipe_fds[0] = s_fd_high(pipe_fds[0]);
    pipe_fds[1] = s_fd_high(pipe_fds[1]);
    if (pipe_fds[0] < 0 || pipe_fds[1] < 0) {
        goto fail_pipe;
    }
    struct rlimit nofile;
    unsigned max_fd = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < 65536
                          ? (unsigned) nofile.rlim_cur
                          : 65536;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "cbh_proc_start: fork() failed: %s\n", strerror(errno));
        goto fail_pipe;
    }
    if (pid == 0) {
        s_child(path, argv, env, log_fd, null_fd, pipe_fds[1], parent, max_fd);
    }
    close(pipe_fds[1]);
    pipe_fds[1] = -1;
    /* exec closes the pipe; bytes on it are the errno of a failed exec. */
    int child_errno = 0;
    ssize_t n;
    while ((n = read(pipe_fds[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
    }
    if (n > 0) {
        fprintf(stderr, "cbh_proc_start: execve() of %s failed: %s\n", argv[0],
                strerror(child_errno));
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
        unlink(tmp_log);
        goto fail_pipe;
    }
    p->pid = pid;
    snprintf(p->log, sizeof p->log, "%s/%s-%d.log", dir, name, (int) pid);
    if (rename(tmp_log, p->log) != 0) {
        snprintf(p->log, sizeof p->log, "%s", tmp_log);
    }
    close(pipe_fds[0]);
    close(null_fd);
    close(log_fd);
    free(env);
    return p;

fail_pipe:
    for (int i = 0; i < 2; i++) {
        if (pipe_fds[i] >= 0) {
            close(pipe_fds[i]);
        }
    }
fail_null:
    close(null_fd);
fail_log:
    close(log_fd);
fail_env:
    free(env);
fail_proc:
    free(p);
fail:
    return NULL;
}

pid_t
cbh_proc_pid(const cbh_proc_t *p)
{
    return p != NULL ? p->pid : -1;
}

const char *
cbh_proc_log_path(const cbh_proc_t *p)
{
    return p != NULL ? p->log : "";
}

/* Collects the child's status once it has exited; a child someone else
 * reaped (ECHILD) counts as gone with an unknown status. */
static void
s_reap(cbh_proc_t *p, bool block)
{
    if (p->reaped) {
        return;
    }
    int status;
    pid_t r;
    while ((r = waitpid(p->pid, &status, block ? 0 : WNOHANG)) < 0 && errno == EINTR) {
    }
    if (r == p->pid) {
        p->reaped = true;
        p->status_known = true;
        p->status = status;
    } else if (r < 0) {
        p->reaped = true;
    }
}

bool
cbh_proc_alive(cbh_proc_t *p)
{
    if (p == NULL) {
        return false;
    }
    s_reap(p, false);
    return !p->reaped;
}

int
cbh_proc_stop(cbh_proc_t **p_p, int sig, int timeout_ms)
{
    if (p_p == NULL || *p_p == NULL) {
        return -1;
    }
    cbh_proc_t *p = *p_p;
    if (cbh_proc_alive(p)) {
        if (sig != 0) {
            kill(p->pid, sig);
        }
        int64_t deadline = s_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
        while (cbh_proc_alive(p) && s_mono_ms() < deadline) {
            s_sleep_ms(5);
        }
        if (!p->reaped) {
            kill(p->pid, SIGKILL);
            s_reap(p, true);
        }
    }
    int code = -1;
    if (p->status_known && WIFEXITED(p->status)) {
        code = WEXITSTATUS(p->status);
    } else if (p->status_known && WIFSIGNALED(p->status)) {
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
    int64_t deadline = s_mono_ms() + timeout_ms;
    while (cbh_proc_alive(*p_p) && s_mono_ms() < deadline) {
        s_sleep_ms(5);
    }
    return cbh_proc_stop(p_p, SIGKILL, 1000);
}

int
cbh_wait_port(int port, int timeout_ms)
{
    int64_t deadline = s_mono_ms() + timeout_ms;
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0) {
            struct sockaddr_in addr = s_loopback(port);
            int rc = connect(fd, (struct sockaddr *) &addr, sizeof addr);
            close(fd);
            if (rc == 0) {
                return 0;
            }
        }
        if (s_mono_ms() >= deadline) {
            return -1;
        }
        s_sleep_ms(10);
    }
}

/* Appends one RESP bulk string to buf at *len (bounded by size). */
static void
s_resp_bulk(char *buf, size_t size, size_t *len, const char *s)
{
    if (*len < size) {
        int n = snprintf(buf + *len, size - *len, "$%zu\r\n%s\r\n", strlen(s), s);
        *len += n > 0 ? (size_t) n : 0;
    }
}

/* True when redis answers PING on port within 1 s (after AUTH password). */
static bool
s_redis_pong(int port, const char *password)
{
    bool ok = false;
    char cmd[1024];
    size_t len = 0;
    if (password != NULL) {
        len = (size_t) snprintf(cmd, sizeof cmd, "*2\r\n");
        s_resp_bulk(cmd, sizeof cmd, &len, "AUTH");
        s_resp_bulk(cmd, sizeof cmd, &len, password);
    }
    len += (size_t) snprintf(cmd + len, sizeof cmd - len, "*1\r\n");
    s_resp_bulk(cmd, sizeof cmd, &len, "PING");
    if (len >= sizeof cmd) {
        goto done;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        goto done;
    }
    struct sockaddr_in addr = s_loopback(port);
    if (connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
        send(fd, cmd, len, MSG_NOSIGNAL) != (ssize_t) len) {
        goto done_fd;
    }
    char buf[512];
    size_t got = 0;
    int64_t deadline = s_mono_ms() + 1000;
    while (!ok && got < sizeof buf - 1 && s_mono_ms() < deadline) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, (int) (deadline - s_mono_ms())) <= 0) {
            break;
        }
        ssize_t r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (r <= 0) {
            break;
        }
        got += (size_t) r;
        buf[got] = '\0';
        ok = strstr(buf, "+PONG\r\n") != NULL;
    }

done_fd:
    close(fd);
done:
    return ok;
}

/* Writes s percent-encoded (all but RFC 3986 unreserved characters) into
 * out; -1 when it does not fit. */
static int
s_pct_encode(const char *s, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char) *s;
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~';
        if (n + (plain ? 1 : 3) >= size) {
            return -1;
        }
        if (plain) {
            out[n++] = (char) c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = '\0';
    return 0;
}

/* One redis-server on port in r->dir; 0 once it answers PING, else -1 with
 * the process stopped. */
static int
s_redis_run(cbh_redis_t *r, const char *server, int port, const char *password)
{
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", port);
    char *argv[16] = {(char *) server, "--bind", "127.0.0.1", "--port", port_text, "--dir"};
    int n = 6;
    argv[n++] = r->dir;
    argv[n++] = "--save";
    argv[n++] = "";
    argv[n++] = "--appendonly";
    argv[n++] = r->aof ? "yes" : "no";
    if (r->aof) {
        argv[n++] = "--appendfsync";
        argv[n++] = "always";
    }
    if (password != NULL) {
        argv[n++] = "--requirepass";
        argv[n++] = (char *) password;
    }
    argv[n] = NULL;
    r->proc = cbh_proc_start("redis", argv, NULL);
    if (r->proc == NULL) {
        return -1;
    }
    int64_t deadline = s_mono_ms() + 5000;
    while (s_mono_ms() < deadline && cbh_proc_alive(r->proc)) {
        if (s_redis_pong(port, password)) {
            return 0;
        }
        s_sleep_ms(10);
    }
    fprintf(stderr, "cbh_redis_start: redis did not answer on port %d (see %s)\n", port,
            cbh_proc_log_path(r->proc));
    cbh_proc_stop(&r->proc, SIGKILL, 1000);
    return -1;
}

/* The redis-server to run into server; 0 or -1 (logged). */
static int
s_redis_server(char server[PATH_MAX])
{
    const char *name = getenv("CBH_REDIS_SERVER");
    if (name == NULL || name[0] == '\0') {
        name = "redis-server";
    }
    if (s_resolve(name, server, PATH_MAX) != 0) {
        fprintf(stderr, "cbh_redis_start: redis-server not found (run make deps)\n");
        return -1;
    }
    return 0;
}

/* cbh_redis_start_on with the persistence option aof. */
static int
s_redis_start(cbh_redis_t *r, int port, const char *password, bool aof)
{
    char server[PATH_MAX];
    char secret[96];
    memset(r, 0, sizeof *r);
    r->aof = aof;
    if (s_redis_server(server) != 0) {
        goto fail;
    }
    if (password != NULL && (s_pct_encode(password, secret, sizeof secret) != 0 ||
                             strlen(password) >= sizeof r->password)) {
        fprintf(stderr, "cbh_redis_start: password too long\n");
        goto fail;
    }
    snprintf(r->password, sizeof r->password, "%s", password != NULL ? password : "");
    const char *tmp = getenv("TMPDIR");
    snprintf(r->dir, sizeof r->dir, "%s/cbh-redis-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(r->dir) == NULL) {
        fprintf(stderr, "cbh_redis_start: mkdtemp() failed: %s\n", strerror(errno));
        r->dir[0] = '\0';
        goto fail;
    }
    /* A free port can be taken by someone else before redis binds it: then
     * try another one, unless the caller asked for this one. */
    int rc = -1;
    for (int attempt = 0; attempt < (port == 0 ? 5 : 1) && rc != 0; attempt++) {
        r->port = port != 0 ? port : cbh_free_port();
        rc = r->port > 0 ? s_redis_run(r, server, r->port, password) : -1;
    }
    if (rc != 0) {
        goto fail_dir;
    }
    if (password != NULL) {
        snprintf(r->url, sizeof r->url, "redis://:%s@127.0.0.1:%d/0", secret, r->port);
    } else {
        snprintf(r->url, sizeof r->url, "redis://127.0.0.1:%d/0", r->port);
    }
    return 0;

fail_dir:
    cbh_redis_stop(r);
fail:
    return -1;
}

int
cbh_proc_log_count(const cbh_proc_t *p, const char *needle)
{
    FILE *f = fopen(cbh_proc_log_path(p), "r");
    if (f == NULL) {
        return -1;
    }
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        n += strstr(line, needle) != NULL;
    }
    fclose(f);
    return n;
}

int
cbh_redis_start_on(cbh_redis_t *r, int port, const char *password)
{
    return s_redis_start(r, port, password, false);
}

int
cbh_redis_start(cbh_redis_t *r, const char *password)
{
    return s_redis_start(r, 0, password, false);
}

int
cbh_redis_start_aof(cbh_redis_t *r)
{
    return s_redis_start(r, 0, NULL, true);
}

void
cbh_redis_halt(cbh_redis_t *r)
{
    cbh_proc_stop(&r->proc, SIGTERM, 3000);
}

int
cbh_redis_restart(cbh_redis_t *r)
{
    char server[PATH_MAX];
    if (r->proc != NULL || r->dir[0] == '\0' || s_redis_server(server) != 0) {
        return -1;
    }
    return s_redis_run(r, server, r->port, r->password[0] != '\0' ? r->password : NULL);
}

static int
s_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st;
    (void) flag;
    (void) ftw;
    remove(path);
    return 0;
}

void
cbh_redis_stop(cbh_redis_t *r)
{
    if (r == NULL) {
        return;
    }
    cbh_proc_stop(&r->proc, SIGTERM, 3000);
    cbh_dir_remove(r->dir, "/cbh-redis-");
}

void
cbh_dir_remove(char *dir, const char *marker)
{
    /* Only ever a directory the harness made. */
    if (dir[0] != '\0' && strstr(dir, marker) != NULL) {
        nftw(dir, s_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    dir[0] = '\0';
}

long
cbh_http_status(int port, const char *path)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    CURL *c = curl_easy_init();
    FILE *sink = fopen("/dev/null", "w");
    long status = 0;
    if (c != NULL && sink != NULL) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, sink);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
        if (curl_easy_perform(c) == CURLE_OK) {
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        }
    }
    curl_easy_cleanup(c);
    if (sink != NULL) {
        fclose(sink);
    }
    return status;
}
