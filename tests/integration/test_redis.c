/* test_redis.c - the Redis helper against a real redis-server: auth, db, outage, reconnect */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_redis.h"
#include "cb_redis_impl.h" /* the pipeline queue's ring, for the burst test */
#include "cb_time.h"
#include "cbh.h"

/* ---- helpers ------------------------------------------------------------- */

static int64_t
s_ms_since(int64_t t0_ns)
{
    return (cb_time_mono_ns() - t0_ns) / 1000000;
}

/* Log capture: lines written between s_log_capture and s_log_read. */
static int s_log_fd = -1;

static void
s_log_capture(void)
{
    char path[] = "/tmp/test-redis-log-XXXXXX";
    s_log_fd = mkstemp(path);
    assert_true(s_log_fd >= 0);
    unlink(path);
    cb_log_set_fd(s_log_fd);
}

static void
s_log_read(char *out, size_t size)
{
    cb_log_set_fd(2);
    ssize_t n = pread(s_log_fd, out, size - 1, 0);
    out[n > 0 ? n : 0] = '\0';
    close(s_log_fd);
    s_log_fd = -1;
    /* Show the test's log as well. */
    fputs(out, stderr);
}

static int
s_count(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static void
s_set_get(cb_redis_t *r, const char *key, const char *value)
{
    int err = 1;
    redisReply *reply = cb_redis_command(r, &err, "SET %s %s", key, value);
    assert_non_null(reply);
    assert_int_equal(err, 0);
    assert_int_equal(reply->type, REDIS_REPLY_STATUS);
    freeReplyObject(reply);
    reply = cb_redis_command(r, &err, "GET %s", key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STRING);
    assert_string_equal(reply->str, value);
    freeReplyObject(reply);
}

/* server's URL with "/0" replaced by "/<db>". */
static void
s_url_db(const cbh_redis_t *server, int db, char *out, size_t size)
{
    size_t len = strlen(server->url);
    assert_true(len > 2 && strcmp(server->url + len - 2, "/0") == 0);
    snprintf(out, size, "%.*s/%d", (int) (len - 2), server->url, db);
}

/* A local port that accepts TCP connections (kernel backlog) but never
 * answers: a hung server. */
static int
s_listen_silent(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *) &addr, sizeof addr), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t len = sizeof addr;
    assert_int_equal(getsockname(fd, (struct sockaddr *) &addr, &len), 0);
    *port = ntohs(addr.sin_port);
    return fd;
}

/* ---- tests --------------------------------------------------------------- */

static void
test_commands(void **state)
{
    (void) state;
    cbh_redis_t server;
    assert_int_equal(cbh_redis_start(&server, NULL), 0);
    int err = 1;
    cb_redis_t *r = cb_redis_new(server.url, &err);
    assert_non_null(r);
    assert_int_equal(err, 0);
    assert_false(cb_redis_connected(r));
    s_set_get(r, "coinbus:test:k", "v");
    assert_true(cb_redis_connected(r));
    assert_int_equal(cb_redis_ping(r), 0);

    /* Error replies are replies, with *err = 0 (NOSCRIPT drives EVAL fallback). */
    redisReply *reply =
        cb_redis_command(r, &err, "EVALSHA 0123456789012345678901234567890123456789 0");
    assert_non_null(reply);
    assert_int_equal(err, 0);
    assert_int_equal(reply->type, REDIS_REPLY_ERROR);
    assert_non_null(strstr(reply->str, "NOSCRIPT"));
    freeReplyObject(reply);

    /* Binary-safe argument vectors, with and without lengths. */
    const char *argv[] = {"SET", "coinbus:test:bin", "a\0b"};
    size_t lens[] = {3, 16, 3};
    reply = cb_redis_commandv(r, &err, 3, argv, lens);
    assert_non_null(reply);
    freeReplyObject(reply);
    const char *get[] = {"STRLEN", "coinbus:test:bin"};
    reply = cb_redis_commandv(r, &err, 2, get, NULL);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    assert_int_equal(reply->integer, 3);
    freeReplyObject(reply);

    /* Pipelining, and replies left unread are not mistaken for the next one. */
    const char *incr[] = {"INCR", "coinbus:test:n"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(cb_redis_appendv(r, 2, incr, NULL), 0);
    }
    for (int i = 1; i <= 3; i++) {
        reply = cb_redis_get_reply(r, &err);
        assert_non_null(reply);
        assert_int_equal(reply->integer, i);
        freeReplyObject(reply);
    }
    assert_null(cb_redis_get_reply(r, &err));
    assert_int_equal(err, CB_E_UNAVAILABLE);

    /* A burst of 5,000: replies in order, and once they are read the queue
     * gives its grown ring back and keeps working. */
    for (int i = 0; i < 5000; i++) {
        assert_int_equal(cb_redis_appendv(r, 2, incr, NULL), 0);
    }
    assert_true(r->pipe_cap >= 5000);
    for (int i = 4; i <= 5003; i++) {
        reply = cb_redis_get_reply(r, &err);
        assert_non_null(reply);
        assert_int_equal(reply->integer, i);
        freeReplyObject(reply);
    }
    assert_int_equal(r->pipe_len, 0);
    assert_true(r->pipe_cap <= 1024);
    assert_int_equal(cb_redis_appendv(r, 2, incr, NULL), 0);
    reply = cb_redis_get_reply(r, &err);
    assert_non_null(reply);
    assert_int_equal(reply->integer, 5004);
    freeReplyObject(reply);

    assert_int_equal(cb_redis_appendv(r, 2, incr, NULL), 0);
    assert_int_equal(cb_redis_appendv(r, 2, incr, NULL), 0);
    reply = cb_redis_command(r, &err, "GET coinbus:test:k");
    assert_non_null(reply);
    assert_string_equal(reply->str, "v");
    freeReplyObject(reply);
    assert_true(cb_redis_connected(r));

    /* A format hiredis cannot expand fails without dropping the connection. */
    assert_null(cb_redis_command(r, &err, "GET %q"));
    assert_int_equal(err, CB_E_BAD_REQUEST);
    assert_true(cb_redis_connected(r));

    cb_redis_destroy(&r);
    assert_null(r);
    cb_redis_destroy(&r);
    cbh_redis_stop(&server);
}

static void
test_password_and_db(void **state)
{
    (void) state;
    const char *password = "pa55 w@rd:/%";
    cbh_redis_t server;
    assert_int_equal(cbh_redis_start(&server, password), 0);
    char url[512];
    int err;
    s_log_capture();

    /* A key written in db 3 is not in db 0. */
    s_url_db(&server, 3, url, sizeof url);
    cb_redis_t *r3 = cb_redis_new(url, &err);
    assert_non_null(r3);
    s_set_get(r3, "coinbus:test:db", "three");
    cb_redis_t *r0 = cb_redis_new(server.url, &err);
    redisReply *reply = cb_redis_command(r0, &err, "GET coinbus:test:db");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_NIL);
    freeReplyObject(reply);

    /* AUTH with a username: the default user, then an ACL user. */
    snprintf(url, sizeof url, "redis://default:%s", server.url + strlen("redis://:"));
    cb_redis_t *ru = cb_redis_new(url, &err);
    assert_int_equal(cb_redis_ping(ru), 0);
    cb_redis_destroy(&ru);
    reply = cb_redis_command(r0, &err, "ACL SETUSER app on >app-pw ~coinbus:* +@all");
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_STATUS);
    freeReplyObject(reply);
    snprintf(url, sizeof url, "redis://app:app-pw@127.0.0.1:%d/0", server.port);
    ru = cb_redis_new(url, &err);
    s_set_get(ru, "coinbus:test:app", "ok");
    cb_redis_destroy(&ru);
    snprintf(url, sizeof url, "redis://app:nope@127.0.0.1:%d/0", server.port);
    ru = cb_redis_new(url, &err);
    assert_null(cb_redis_command(ru, &err, "PING"));
    assert_int_equal(err, CB_E_UNAUTHORIZED);
    cb_redis_destroy(&ru);

    /* A wrong password: CB_E_UNAUTHORIZED on every call, also across several
     * real attempts, logged once. */
    snprintf(url, sizeof url, "redis://:wrong-pw@127.0.0.1:%d/0", server.port);
    cb_redis_t *bad = cb_redis_new(url, &err);
    for (int i = 0; i < 12; i++) {
        int64_t t0 = cb_time_mono_ns();
        assert_null(cb_redis_command(bad, &err, "PING"));
        assert_int_equal(err, CB_E_UNAUTHORIZED);
        assert_true(s_ms_since(t0) < 100);
        assert_false(cb_redis_connected(bad));
        cb_time_sleep_ms(40, NULL);
    }
    cb_redis_destroy(&bad);

    /* No password at all on a protected server: refused, not a bare reply. */
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", server.port);
    bad = cb_redis_new(url, &err);
    assert_null(cb_redis_command(bad, &err, "PING"));
    assert_int_equal(err, CB_E_UNAUTHORIZED);
    cb_redis_destroy(&bad);

    /* A db the server does not have is a configuration error. */
    s_url_db(&server, 5000, url, sizeof url);
    bad = cb_redis_new(url, &err);
    assert_null(cb_redis_command(bad, &err, "PING"));
    assert_int_equal(err, CB_E_CONFIG);
    cb_redis_destroy(&bad);

    char log[8192];
    s_log_read(log, sizeof log);
    assert_int_equal(s_count(log, "redis_auth_failed"), 3);
    assert_int_equal(s_count(log, "redis_select_failed"), 1);
    assert_null(strstr(log, "wrong-pw"));
    assert_null(strstr(log, "pa55"));
    assert_null(strstr(log, "app-pw"));

    cb_redis_destroy(&r0);
    cb_redis_destroy(&r3);
    cbh_redis_stop(&server);
}

static void
test_outage_and_reconnect(void **state)
{
    (void) state;
    cbh_redis_t server;
    assert_int_equal(cbh_redis_start(&server, "pw"), 0);
    int port = server.port;
    int err;
    redisReply *reply;
    char url[128];
    s_url_db(&server, 2, url, sizeof url);
    cb_redis_t *r = cb_redis_new(url, &err);
    s_set_get(r, "coinbus:test:before", "1");
    s_log_capture();
    /* A queued command whose reply the outage swallows: the next command
     * drops it with the connection (and the queue stays whole). */
    const char *get_before[] = {"GET", "coinbus:test:before"};
    assert_int_equal(cb_redis_appendv(r, 2, get_before, NULL), 0);
    cbh_redis_stop(&server);

    /* Down: every call fails fast with CB_E_UNAVAILABLE, and the outage is
     * logged once however many calls and connect attempts fail. */
    int64_t t_down = cb_time_mono_ns();
    int calls = 0;
    while (s_ms_since(t_down) < 1500) {
        int64_t t0 = cb_time_mono_ns();
        reply = cb_redis_command(r, &err, "GET coinbus:test:before");
        assert_null(reply);
        assert_int_equal(err, CB_E_UNAVAILABLE);
        assert_true(s_ms_since(t0) < 100);
        assert_false(cb_redis_connected(r));
        calls++;
        cb_time_sleep_ms(calls % 100 == 0 ? 5 : 0, NULL);
    }
    assert_true(calls > 1000);
    /* A command queued while down is refused and leaves nothing queued. */
    assert_int_equal(cb_redis_appendv(r, 2, get_before, NULL), CB_E_UNAVAILABLE);

    /* Back on the same port: the helper reconnects by itself (with AUTH and
     * SELECT again) within the longest backoff. */
    assert_int_equal(cbh_redis_start_on(&server, port, "pw"), 0);
    int64_t t_up = cb_time_mono_ns();
    while (cb_redis_ping(r) != 0) {
        assert_true(s_ms_since(t_up) < 8000);
        cb_time_sleep_ms(10, NULL);
    }
    assert_true(cb_redis_connected(r));
    /* The first queued reply is the first queued command's. */
    assert_int_equal(cb_redis_appendv(r, 2, get_before, NULL), 0);
    reply = cb_redis_get_reply(r, &err);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_NIL); /* db 2 is empty again */
    freeReplyObject(reply);
    s_set_get(r, "coinbus:test:after", "2");
    char log[16384];
    s_log_read(log, sizeof log);
    assert_int_equal(s_count(log, "redis_lost"), 1);
    assert_int_equal(s_count(log, "redis_unavailable"), 0);
    assert_int_equal(s_count(log, "redis_connected"), 1);
    assert_non_null(strstr(log, "down_ms="));

    /* Still db 2 after the reconnect. */
    cb_redis_t *r0 = cb_redis_new(server.url, &err);
    reply = cb_redis_command(r0, &err, "EXISTS coinbus:test:after");
    assert_non_null(reply);
    assert_int_equal(reply->integer, 0);
    freeReplyObject(reply);
    cb_redis_destroy(&r0);
    cb_redis_destroy(&r);
    cbh_redis_stop(&server);
}

static void
test_never_up(void **state)
{
    (void) state;
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", cbh_free_port());
    int err;
    cb_redis_t *r = cb_redis_new(url, &err);
    assert_non_null(r);
    s_log_capture();
    for (int i = 0; i < 20; i++) {
        assert_int_equal(cb_redis_ping(r), CB_E_UNAVAILABLE);
        cb_time_sleep_ms(20, NULL);
    }
    char log[4096];
    s_log_read(log, sizeof log);
    assert_int_equal(s_count(log, "redis_unavailable"), 1);
    assert_non_null(strstr(log, "connect() failed"));
    cb_redis_destroy(&r);
}

static void
test_timeouts(void **state)
{
    (void) state;
    /* A server that accepts but never answers: the handshake times out. */
    int port;
    int fd = s_listen_silent(&port);
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
    int err;
    cb_redis_t *r = cb_redis_new(url, &err);
    cb_redis_set_timeouts(r, 200, 200);
    int64_t t0 = cb_time_mono_ns();
    assert_null(cb_redis_command(r, &err, "PING"));
    assert_int_equal(err, CB_E_TIMEOUT);
    int64_t ms = s_ms_since(t0);
    assert_true(ms >= 150 && ms < 1000);
    t0 = cb_time_mono_ns();
    assert_null(cb_redis_command(r, &err, "PING"));
    assert_int_equal(err, CB_E_UNAVAILABLE);
    assert_true(s_ms_since(t0) < 100);
    cb_redis_destroy(&r);
    close(fd);

    /* A server that hangs mid-connection (SIGSTOP): the command times out,
     * and the helper recovers once the server runs again. */
    cbh_redis_t server;
    assert_int_equal(cbh_redis_start(&server, NULL), 0);
    r = cb_redis_new(server.url, &err);
    cb_redis_set_timeouts(r, 200, 200);
    assert_int_equal(cb_redis_ping(r), 0);
    kill(cbh_proc_pid(server.proc), SIGSTOP);
    t0 = cb_time_mono_ns();
    assert_null(cb_redis_command(r, &err, "PING"));
    assert_int_equal(err, CB_E_TIMEOUT);
    ms = s_ms_since(t0);
    assert_true(ms >= 150 && ms < 1000);
    assert_false(cb_redis_connected(r));
    kill(cbh_proc_pid(server.proc), SIGCONT);
    t0 = cb_time_mono_ns();
    while (cb_redis_ping(r) != 0) {
        assert_true(s_ms_since(t0) < 8000);
        cb_time_sleep_ms(10, NULL);
    }
    cb_redis_destroy(&r);
    cbh_redis_stop(&server);
}

/* A fake server: answers the handshake and one PING, then closes. The
 * client's next large write meets the reset that follows: EPIPE, SIGPIPE. */
static void *
s_resetting_server(void *arg)
{
    int lfd = *(int *) arg;
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) {
        return NULL;
    }
    char buf[4096] = "";
    size_t got = 0;
    const char *replies[] = {"+OK\r\n", "+PONG\r\n"};
    for (int i = 0; i < 2; i++) {
        const char *want = i == 0 ? "SELECT" : "PING";
        while (strstr(buf, want) == NULL && got < sizeof buf - 1) {
            ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
            if (n <= 0) {
                break;
            }
            got += (size_t) n;
            buf[got] = '\0';
        }
        send(fd, replies[i], strlen(replies[i]), MSG_NOSIGNAL);
    }
    close(fd);
    return NULL;
}

static void
test_reset_connection_does_not_kill(void **state)
{
    (void) state;
    /* This process does not ignore SIGPIPE, as a service would. */
    struct sigaction dfl;
    struct sigaction old;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &dfl, &old);
    int port;
    int lfd = s_listen_silent(&port);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, s_resetting_server, &lfd), 0);
    char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0", port);
    int err;
    cb_redis_t *r = cb_redis_new(url, &err);
    assert_int_equal(cb_redis_ping(r), 0);
    pthread_join(thread, NULL);
    close(lfd);
    cb_time_sleep_ms(50, NULL);
    size_t big = 16 * 1024 * 1024;
    char *value = calloc(1, big);
    assert_non_null(value);
    for (int i = 0; i < 3; i++) {
        assert_null(cb_redis_command(r, &err, "SET k %b", value, big));
        assert_int_equal(err, CB_E_UNAVAILABLE);
    }
    free(value);
    cb_redis_destroy(&r);
    sigaction(SIGPIPE, &old, NULL);
}

int
main(void)
{
    cb_log_init("test-redis", CB_LOG_INFO, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_password_and_db),
        cmocka_unit_test(test_outage_and_reconnect),
        cmocka_unit_test(test_never_up),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_reset_connection_does_not_kill),
    };
    return cmocka_run_group_tests_name("redis", tests, NULL, NULL);
}
