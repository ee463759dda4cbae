/* test_wsd.c - cb_wsd through real upgrades with the harness WebSocket client: echo, slow clients closed 1008, drain, 1009, incoming rate */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_httpd.h"
#include "cb_time.h"
#include "cb_wsd.h"
#include "cbh_ws.h"

/* The server runs on a thread of its own; the test's thread is the
 * blocking client. Counters the test reads are read atomically. */
static cb_httpd_t *s_httpd;
static cb_wsd_shared_t s_shared;
static cb_wsd_stats_t s_stats;
static cb_wsd_conn_t *s_conns;
static uint64_t s_next_id;
static pthread_t s_thread;
static volatile int s_stop;
static int s_broadcast;  /* 1: an 8 KiB frame to every connection every ms */
static uint64_t s_drains; /* on_drain calls */
static uint64_t s_deaths; /* on_dead calls */

static uint64_t
s_load(const uint64_t *v)
{
    return __atomic_load_n(v, __ATOMIC_SEQ_CST);
}

static void
s_on_open(void *ctx, cb_wsd_conn_t *conn)
{
    (void) ctx;
    conn->stats->connections++;
    conn->stats->accepted++;
}

/* "burst N": N frames of 1 KiB, then "drained" once they are written;
 * "broadcast on|off"; "bye": closed 4000 from inside this callback with
 * nothing queued; "farewell": echoed, then closed 4001;
 * anything else is echoed. */
static void
s_on_text(void *ctx, cb_wsd_conn_t *conn, const char *data, size_t len)
{
    (void) ctx;
    if (len > 6 && memcmp(data, "burst ", 6) == 0) {
        char frame[1024];
        snprintf(frame, sizeof frame, "%.*s", (int) (len - 6), data + 6); /* not NUL-terminated */
        int count = atoi(frame);
        memset(frame, 'b', sizeof frame);
        for (int i = count; i > 0; i--) {
            cb_wsd_conn_send_text(conn, frame, sizeof frame);
        }
        conn->owner = conn; /* tell this one when drained */
    } else if (len == 3 && memcmp(data, "bye", 3) == 0) {
        cb_wsd_conn_close(conn, 4000, "bye");
    } else if (len == 8 && memcmp(data, "farewell", 8) == 0) {
        cb_wsd_conn_send_text(conn, data, len);
        cb_wsd_conn_close(conn, 4001, "farewell");
    } else if (len == 12 && memcmp(data, "broadcast on", 12) == 0) {
        __atomic_store_n(&s_broadcast, 1, __ATOMIC_SEQ_CST);
    } else if (len == 13 && memcmp(data, "broadcast off", 13) == 0) {
        __atomic_store_n(&s_broadcast, 0, __ATOMIC_SEQ_CST);
    } else {
        cb_wsd_conn_send_text(conn, data, len);
    }
}

static void
s_on_drain(void *ctx, cb_wsd_conn_t *conn)
{
    (void) ctx;
    __atomic_add_fetch(&s_drains, 1, __ATOMIC_SEQ_CST);
    if (conn->owner != NULL) {
        conn->owner = NULL;
        cb_wsd_conn_send_text(conn, "drained", 7);
    }
}

static void
s_on_dead(void *ctx, cb_wsd_conn_t *conn)
{
    (void) ctx;
    (void) conn;
    __atomic_add_fetch(&s_deaths, 1, __ATOMIC_SEQ_CST);
}

static int
s_upgrade(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    (void) ctx;
    char key[32];
    if (!cb_wsd_is_handshake(req, key, sizeof key)) {
        res->status = 426;
        cb_httpd_res_header(res, "upgrade", "websocket");
        return CB_HTTPD_UPGRADE_ANSWERED;
    }
    cb_wsd_conn_t *conn = calloc(1, sizeof *conn);
    if (conn == NULL) {
        res->status = 503;
        return CB_HTTPD_UPGRADE_ANSWERED;
    }
    conn->stats = &s_stats;
    conn->id = ++s_next_id;
    conn->max_in_per_sec = 10;
    if (cb_wsd_conn_upgrade(conn, &s_shared, req, key) != 0) {
        cb_wsd_conn_free(conn);
        res->status = 400;
        return CB_HTTPD_UPGRADE_ANSWERED;
    }
    conn->next = s_conns;
    if (s_conns != NULL) {
        s_conns->prev = conn;
    }
    s_conns = conn;
    return CB_HTTPD_UPGRADE_TAKEN;
}

static void
s_release(cb_wsd_conn_t *conn)
{
    if (conn->prev != NULL) {
        conn->prev->next = conn->next;
    } else {
        s_conns = conn->next;
    }
    if (conn->next != NULL) {
        conn->next->prev = conn->prev;
    }
    if (conn->wslay != NULL) {
        conn->stats->connections--;
    }
    cb_wsd_conn_free(conn);
}

static void *
s_serve(void *arg)
{
    (void) arg;
    int64_t last = 0;
    char frame[8192];
    memset(frame, 'x', sizeof frame);
    while (!s_stop) {
        cb_httpd_run_once(s_httpd, 1);
        s_shared.now_ns = cb_time_now_ns();
        if (__atomic_load_n(&s_broadcast, __ATOMIC_SEQ_CST) &&
            s_shared.now_ns - last >= 1000000) {
            last = s_shared.now_ns;
            cb_wsd_msg_t *m = cb_wsd_msg_new(frame, sizeof frame, CB_WSD_TEXT);
            for (cb_wsd_conn_t *c = s_conns; c != NULL; c = c->next) {
                if (cb_wsd_conn_open(c)) {
                    cb_wsd_conn_send(c, m);
                }
            }
            cb_wsd_msg_unref(m);
        }
        for (cb_wsd_conn_t *c = s_conns, *next; c != NULL; c = next) {
            next = c->next;
            if (c->dead) {
                s_release(c);
            } else {
                cb_wsd_conn_flush(c);
            }
        }
    }
    while (s_conns != NULL) {
        s_release(s_conns);
    }
    for (int i = 0; i < 10; i++) {
        cb_httpd_run_once(s_httpd, 5); /* orphans free themselves */
    }
    return NULL;
}

static int
s_setup(void **state)
{
    (void) state;
    s_shared = (cb_wsd_shared_t){
        .now_ns = cb_time_now_ns(),
        .max_queue_bytes = 256 * 1024,
        .max_queue_msgs = 64,
        .max_recv_len = 1024,
        .slow_close_code = 1008,
        .slow_close_reason = "slow client",
        .on_open = s_on_open,
        .on_text = s_on_text,
        .on_drain = s_on_drain,
        .on_dead = s_on_dead,
    };
    cb_httpd_config_t hc = cb_httpd_config_default();
    char err[256];
    s_httpd = cb_httpd_new(&hc, NULL, NULL, err, sizeof err);
    if (s_httpd == NULL) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    cb_httpd_set_upgrade(s_httpd, s_upgrade, NULL);
    return pthread_create(&s_thread, NULL, s_serve, NULL) == 0 ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    s_stop = 1;
    pthread_join(s_thread, NULL);
    cb_httpd_destroy(&s_httpd);
    return 0;
}

static cbh_ws_t *
s_open(int rcvbuf)
{
    int status = 0;
    cbh_ws_t *ws = cbh_ws_connect_opts(cb_httpd_port(s_httpd), "/ws", rcvbuf, &status);
    assert_non_null(ws);
    assert_int_equal(status, 101);
    return ws;
}

/* Pumps ws until the server has closed it, up to timeout_ms. */
static bool
s_until_ended(cbh_ws_t *ws, int timeout_ms)
{
    int64_t end = cb_time_now_ns() + (int64_t) timeout_ms * 1000000;
    while (!cbh_ws_ended(ws) && cb_time_now_ns() < end) {
        cbh_ws_pump(ws, 20);
        while (cbh_ws_pending(ws) > 0) {
            free(cbh_ws_recv(ws, 0, NULL));
        }
    }
    return cbh_ws_ended(ws);
}

static void
test_echo(void **state)
{
    (void) state;
    cbh_ws_t *ws = s_open(0);
    assert_int_equal(cbh_ws_send(ws, "hello"), 0);
    char *msg = cbh_ws_recv(ws, 2000, NULL);
    assert_non_null(msg);
    assert_string_equal(msg, "hello");
    free(msg);
    assert_false(cbh_ws_ended(ws));
    cbh_ws_close(&ws);
}

/* A close started inside on_text sends its close frame, whether or not
 * frames were queued before it (those go first). */
static void
test_close_from_on_text(void **state)
{
    (void) state;
    cbh_ws_t *ws = s_open(0);
    assert_int_equal(cbh_ws_send(ws, "bye"), 0);
    assert_true(s_until_ended(ws, 3000));
    assert_int_equal(cbh_ws_close_code(ws), 4000);
    cbh_ws_close(&ws);
    ws = s_open(0);
    assert_int_equal(cbh_ws_send(ws, "farewell"), 0);
    char *msg = cbh_ws_recv(ws, 2000, NULL);
    assert_non_null(msg);
    assert_string_equal(msg, "farewell");
    free(msg);
    assert_true(s_until_ended(ws, 3000));
    assert_int_equal(cbh_ws_close_code(ws), 4001);
    cbh_ws_close(&ws);
}

static void
test_drain(void **state)
{
    (void) state;
    cbh_ws_t *ws = s_open(0);
    uint64_t before = s_load(&s_drains);
    assert_int_equal(cbh_ws_send(ws, "burst 50"), 0);
    int frames = 0;
    char *msg;
    while ((msg = cbh_ws_recv(ws, 2000, NULL)) != NULL) {
        bool done = strcmp(msg, "drained") == 0;
        frames += !done;
        free(msg);
        if (done) {
            break;
        }
    }
    assert_int_equal(frames, 50);
    assert_true(s_load(&s_drains) > before);
    cbh_ws_close(&ws);
}

static void
test_slow_client_closed_1008(void **state)
{
    (void) state;
    uint64_t drops = s_load(&s_stats.slow_drops);
    cbh_ws_t *slow = s_open(4096);
    cbh_ws_t *fast = s_open(0);
    assert_int_equal(cbh_ws_send(fast, "broadcast on"), 0);
    /* The slow one never reads; the fast one does, all along. */
    int64_t end = cb_time_now_ns() + 10000 * 1000000LL;
    int fast_frames = 0;
    while (s_load(&s_stats.slow_drops) == drops && cb_time_now_ns() < end) {
        cbh_ws_pump(fast, 10);
        while (cbh_ws_pending(fast) > 0) {
            free(cbh_ws_recv(fast, 0, NULL));
            fast_frames++;
        }
    }
    assert_int_equal(s_load(&s_stats.slow_drops), drops + 1);
    int at_drop = fast_frames;
    for (int i = 0; i < 20; i++) {
        cbh_ws_pump(fast, 10);
        while (cbh_ws_pending(fast) > 0) {
            free(cbh_ws_recv(fast, 0, NULL));
            fast_frames++;
        }
    }
    assert_true(fast_frames > at_drop + 10); /* the other client keeps receiving */
    assert_false(cbh_ws_ended(fast));
    assert_int_equal(cbh_ws_send(fast, "broadcast off"), 0);
    /* Reading at last, the slow one finds what was written, then the close. */
    assert_true(s_until_ended(slow, 10000));
    assert_int_equal(cbh_ws_close_code(slow), 1008);
    assert_int_equal(s_load(&s_stats.slow_drops), drops + 1);
    cbh_ws_close(&slow);
    cbh_ws_close(&fast);
}

static void
test_too_big_1009(void **state)
{
    (void) state;
    cbh_ws_t *ws = s_open(0);
    char big[2049];
    memset(big, 'z', 2048);
    big[2048] = '\0';
    uint64_t deaths = s_load(&s_deaths);
    assert_int_equal(cbh_ws_send(ws, big), 0);
    assert_true(s_until_ended(ws, 3000));
    assert_int_equal(cbh_ws_close_code(ws), 1009);
    cbh_ws_close(&ws);
    int64_t end = cb_time_now_ns() + 2000 * 1000000LL;
    while (s_load(&s_deaths) == deaths && cb_time_now_ns() < end) {
        usleep(10000);
    }
    assert_true(s_load(&s_deaths) > deaths);
}

static void
test_rate_1008(void **state)
{
    (void) state;
    cbh_ws_t *ws = s_open(0);
    /* 10 per second are allowed: the eleventh is refused. The client goes
     * on sending: the server lingers (reads and drops) rather than reset
     * the connection, which could discard the close frame unread. */
    for (int i = 0; i < 30; i++) {
        cbh_ws_send(ws, i < 10 ? "ok" : "over");
    }
    int echoed = 0;
    char *msg;
    while ((msg = cbh_ws_recv(ws, 3000, NULL)) != NULL) {
        assert_string_equal(msg, "ok");
        free(msg);
        echoed++;
    }
    assert_true(cbh_ws_ended(ws));
    assert_int_equal(echoed, 10);
    assert_int_equal(cbh_ws_close_code(ws), 1008);
    cbh_ws_close(&ws);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo),
        cmocka_unit_test(test_close_from_on_text),
        cmocka_unit_test(test_drain),
        cmocka_unit_test(test_slow_client_closed_1008),
        cmocka_unit_test(test_too_big_1009),
        cmocka_unit_test(test_rate_1008),
    };
    return cmocka_run_group_tests_name("wsd", tests, s_setup, s_teardown);
}
