/* test_harness.c - the test harness itself: ports, child processes, logs, redis-server */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cb_error.h"
#include "cb_redis.h"
#include "cb_time.h"
#include "cbh.h"

static int64_t
s_ms_since(int64_t t0_ns)
{
    return (cb_time_mono_ns() - t0_ns) / 1000000;
}

/* A listening socket on 127.0.0.1:port, or -1 (port taken). With cloexec
 * false it is the kind of descriptor a child could inherit. */
static int
s_listen(int port, bool cloexec)
{
    int fd = socket(AF_INET, SOCK_STREAM | (cloexec ? SOCK_CLOEXEC : 0), 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t) port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *) &addr, sizeof addr) != 0 || listen(fd, 8) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The whole log file of a process (at most size - 1 bytes). */
static void
s_read_file(const char *path, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, size - 1, f);
    out[n] = '\0';
    fclose(f);
}

static void
test_free_port(void **state)
{
    (void) state;
    int a = cbh_free_port();
    int b = cbh_free_port();
    assert_true(a > 0 && a < 65536);
    assert_true(b > 0 && b != a);
    int fd = s_listen(a, true);
    assert_true(fd >= 0);
    assert_int_equal(cbh_wait_port(a, 1000), 0);
    close(fd);
    assert_int_equal(cbh_wait_port(a, 50), -1);
}

static void
test_proc_exit_status_and_log(void **state)
{
    (void) state;
    char *argv[] = {"/bin/sh", "-c", "echo out=$CBH_T_VAR; echo err >&2; exit 7", NULL};
    char *env[] = {"CBH_T_VAR=from-extra", NULL};
    setenv("CBH_T_VAR", "from-parent", 1);
    cbh_proc_t *p = cbh_proc_start("harness-sh", argv, env);
    unsetenv("CBH_T_VAR");
    assert_non_null(p);
    char expect[64];
    snprintf(expect, sizeof expect, "-%d.log", (int) cbh_proc_pid(p));
    char log[512];
    snprintf(log, sizeof log, "%s", cbh_proc_log_path(p));
    assert_non_null(strstr(log, "harness-sh"));
    assert_non_null(strstr(log, expect));
    assert_int_equal(cbh_proc_wait(&p, 5000), 7);
    assert_null(p);
    char text[256];
    s_read_file(log, text, sizeof text);
    assert_non_null(strstr(text, "out=from-extra\n"));
    assert_non_null(strstr(text, "err\n"));
    unlink(log);

    /* A program that does not exist is a failure to start, not a child. */
    char *missing[] = {"/nonexistent/cbh-no-such-program", NULL};
    assert_null(cbh_proc_start("missing", missing, NULL));
    char *noexec[] = {"/etc/hostname", NULL};
    assert_null(cbh_proc_start("noexec", noexec, NULL));
    /* Executable but not a program: execve() itself fails (ENOEXEC). */
    char junk[] = "/tmp/cbh-junk-XXXXXX";
    int fd = mkstemp(junk);
    assert_true(fd >= 0);
    static const char elf_junk[] = "\x7f"
                                   "ELF\x01junk";
    assert_int_equal(write(fd, elf_junk, sizeof elf_junk - 1), (ssize_t) sizeof elf_junk - 1);
    close(fd);
    assert_int_equal(chmod(junk, 0755), 0);
    char *badexec[] = {junk, NULL};
    assert_null(cbh_proc_start("badexec", badexec, NULL));
    unlink(junk);
    /* NULL-safe. */
    assert_int_equal(cbh_proc_stop(NULL, SIGTERM, 10), -1);
    assert_int_equal(cbh_proc_stop(&p, SIGTERM, 10), -1);
    assert_false(cbh_proc_alive(NULL));
}

static void
test_proc_stop_status(void **state)
{
    (void) state;
    /* sleep 30 dies of SIGTERM at once: 128 + 15. */
    char *sleep_argv[] = {"sleep", "30", NULL};
    cbh_proc_t *p = cbh_proc_start("harness-sleep", sleep_argv, NULL);
    assert_non_null(p);
    assert_true(cbh_proc_alive(p));
    int64_t t0 = cb_time_mono_ns();
    assert_int_equal(cbh_proc_stop(&p, SIGTERM, 5000), 128 + SIGTERM);
    assert_true(s_ms_since(t0) < 1000);
    assert_null(p);

    /* One that ignores SIGTERM is killed after the timeout: 128 + 9. */
    char *stubborn[] = {"/bin/sh", "-c", "trap '' TERM; exec sleep 30", NULL};
    p = cbh_proc_start("harness-stubborn", stubborn, NULL);
    assert_non_null(p);
    cb_time_sleep_ms(100, NULL);
    t0 = cb_time_mono_ns();
    assert_int_equal(cbh_proc_stop(&p, SIGTERM, 200), 128 + SIGKILL);
    int64_t ms = s_ms_since(t0);
    assert_true(ms >= 190 && ms < 2000);

    /* A child the test ignores SIGTERM for still gets the default. */
    struct sigaction ign;
    struct sigaction old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGTERM, &ign, &old);
    p = cbh_proc_start("harness-sleep", sleep_argv, NULL);
    sigaction(SIGTERM, &old, NULL);
    assert_non_null(p);
    assert_int_equal(cbh_proc_stop(&p, SIGTERM, 5000), 128 + SIGTERM);
}

static void
test_proc_inherits_no_descriptors(void **state)
{
    (void) state;
    /* A listening socket of the test (without CLOEXEC) must not stay open in
     * the child: once the test closes it, the port is free again. */
    int port = cbh_free_port();
    int fd = s_listen(port, false);
    assert_true(fd >= 0);
    char *argv[] = {"/bin/sleep", "30", NULL};
    cbh_proc_t *p = cbh_proc_start("harness-fds", argv, NULL);
    assert_non_null(p);
    close(fd);
    fd = s_listen(port, true);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(cbh_proc_stop(&p, SIGTERM, 5000), 128 + SIGTERM);
}

/* True while pid exists and is not a zombie. */
static bool
s_pid_running(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return false;
    }
    char line[512];
    bool running = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    char *paren = strrchr(line, ')');
    return running && paren != NULL && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

static void
test_proc_dies_with_its_parent(void **state)
{
    (void) state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t middle = fork();
    assert_true(middle >= 0);
    if (middle == 0) {
        /* The "crashed test": starts a child and dies without stopping it. */
        char *argv[] = {"/bin/sleep", "30", NULL};
        cbh_proc_t *p = cbh_proc_start("harness-orphan", argv, NULL);
        pid_t pid = cbh_proc_pid(p);
        ssize_t w = write(fds[1], &pid, sizeof pid);
        _exit(w == (ssize_t) sizeof pid ? 0 : 1);
    }
    close(fds[1]);
    pid_t orphan = -1;
    assert_int_equal(read(fds[0], &orphan, sizeof orphan), (ssize_t) sizeof orphan);
    close(fds[0]);
    assert_true(orphan > 0);
    int status;
    assert_int_equal(waitpid(middle, &status, 0), middle);
    bool gone = false;
    for (int i = 0; i < 200 && !gone; i++) {
        gone = !s_pid_running(orphan);
        cb_time_sleep_ms(10, NULL);
    }
    if (!gone) {
        kill(orphan, SIGKILL);
    }
    assert_true(gone);
}

static void
test_redis_start_stop(void **state)
{
    (void) state;
    cbh_redis_t server;
    assert_int_equal(cbh_redis_start(&server, NULL), 0);
    int port = server.port;
    assert_true(cbh_proc_alive(server.proc));
    assert_int_equal(cbh_wait_port(port, 1000), 0);
    assert_int_equal(access(server.dir, W_OK), 0);
    char dir[256];
    snprintf(dir, sizeof dir, "%s", server.dir);
    char url[128];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
    assert_string_equal(server.url, url);
    cbh_redis_stop(&server);
    assert_null(server.proc);
    /* The port and the directory are freed. */
    assert_int_equal(cbh_wait_port(port, 50), -1);
    int fd = s_listen(port, true);
    assert_true(fd >= 0);
    close(fd);
    assert_int_not_equal(access(dir, F_OK), 0);
    cbh_redis_stop(&server);
    cbh_redis_stop(NULL);

    /* Back on the same port. */
    assert_int_equal(cbh_redis_start_on(&server, port, NULL), 0);
    assert_int_equal(server.port, port);
    cbh_redis_stop(&server);
}

static void
test_redis_password_in_url(void **state)
{
    (void) state;
    const char *password = "p@ss w:rd/%?#";
    cbh_redis_t server;
    assert_int_equal(cbh_redis_start(&server, password), 0);
    cb_redis_url_t url;
    assert_int_equal(cb_redis_url_parse(server.url, &url), 0);
    assert_string_equal(url.password, password);
    assert_int_equal(url.port, server.port);
    cb_redis_url_fini(&url);
    int err;
    cb_redis_t *r = cb_redis_new(server.url, &err);
    assert_non_null(r);
    assert_int_equal(cb_redis_ping(r), 0);
    cb_redis_destroy(&r);
    cbh_redis_stop(&server);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_free_port),
        cmocka_unit_test(test_proc_exit_status_and_log),
        cmocka_unit_test(test_proc_stop_status),
        cmocka_unit_test(test_proc_inherits_no_descriptors),
        cmocka_unit_test(test_proc_dies_with_its_parent),
        cmocka_unit_test(test_redis_start_stop),
        cmocka_unit_test(test_redis_password_in_url),
    };
    return cmocka_run_group_tests_name("harness", tests, NULL, NULL);
}
