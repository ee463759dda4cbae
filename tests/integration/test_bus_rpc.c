/* test_bus_rpc.c - RPC through the real bus: load spread, a worker killed mid-run, errors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_mp.h"
#include "cb_rpc.h"
#include "cb_signal.h"
#include "cb_time.h"
#include "cbh_bus.h"

/* ---- the worker process (this binary run with --worker ENDPOINT) -------- */

/* "echo" returns {"n": args.n, "pid": getpid()}; "slow" sleeps args.ms first;
 * anything else is not_found. */
static int
s_handler(void *ctx, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg, size_t size)
{
    (void) ctx;
    int64_t n = -1;
    int64_t ms = 0;
    if (CB_PROTO_HAS(req, rpc_request, args)) {
        cb_mp_reader_t r;
        cb_mp_reader_init(&r, req->args.ptr, req->args.len);
        uint32_t count;
        if (cb_mp_read_map(&r, &count) == 0) {
            for (uint32_t i = 0; i < count; i++) {
                const char *key;
                size_t len;
                if (cb_mp_read_str(&r, &key, &len) != 0) {
                    return CB_E_BAD_REQUEST;
                }
                int64_t *slot = len == 1 && key[0] == 'n' ? &n : len == 2 && memcmp(key, "ms", 2) == 0 ? &ms : NULL;
                if (slot == NULL || cb_mp_read_int(&r, slot) != 0) {
                    snprintf(msg, size, "bad argument");
                    return CB_E_BAD_REQUEST;
                }
            }
        }
    }
    if (cb_str_eq_cstr(req->op, "slow")) {
        cb_time_sleep_ms(ms, NULL);
    } else if (!cb_str_eq_cstr(req->op, "echo")) {
        snprintf(msg, size, "no op '%.*s' here", (int) req->op.len, req->op.ptr);
        return CB_E_NOT_FOUND;
    }
    msgpack_pack_map(pk, 2);
    msgpack_pack_str_with_body(pk, "n", 1);
    msgpack_pack_int64(pk, n);
    msgpack_pack_str_with_body(pk, "pid", 3);
    msgpack_pack_int64(pk, (int64_t) getpid());
    return 0;
}

static int
s_worker_main(const char *endpoint)
{
    cb_log_init("test-worker", CB_LOG_INFO, CB_LOG_TEXT);
    cb_signal_install();
    cb_rpc_worker_t *worker = cb_rpc_worker_new(endpoint, "market", s_handler, NULL);
    if (worker == NULL) {
        return 1;
    }
    int rc = cb_rpc_worker_run(worker, &cb_signal_stop);
    cb_rpc_worker_destroy(&worker);
    return rc == 0 ? 0 : 1;
}

/* ---- the tests ----------------------------------------------------------- */

static cbh_bus_t s_bus;

static cbh_proc_t *
s_start_worker(void)
{
    char *argv[] = {"/proc/self/exe", "--worker", s_bus.config.backend[CB_RPC_MARKET], NULL};
    cbh_proc_t *p = cbh_proc_start("rpc-worker", argv, NULL);
    assert_non_null(p);
    return p;
}

static void
s_pack_n(msgpack_sbuffer *sb, const char *key, int64_t n)
{
    msgpack_packer pk;
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    msgpack_pack_str_with_body(&pk, key, strlen(key));
    msgpack_pack_int64(&pk, n);
}

/* Reads {"n":..,"pid":..} from a result. */
static void
s_read_result(const cb_rpc_result_t *res, int64_t *n, int64_t *pid)
{
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, res->result.ptr, res->result.len);
    uint32_t count;
    assert_int_equal(cb_mp_read_map(&r, &count), 0);
    assert_int_equal(count, 2);
    for (uint32_t i = 0; i < count; i++) {
        const char *key;
        size_t len;
        assert_int_equal(cb_mp_read_str(&r, &key, &len), 0);
        assert_int_equal(cb_mp_read_int(&r, key[0] == 'n' ? n : pid), 0);
    }
}

/* The integer value of key in a result map, or -1. */
static int64_t
s_result_int(const cb_rpc_result_t *res, const char *want)
{
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, res->result.ptr, res->result.len);
    uint32_t count;
    if (cb_mp_read_map(&r, &count) != 0) {
        return -1;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *key;
        size_t len;
        int64_t v;
        if (cb_mp_read_str(&r, &key, &len) != 0) {
            return -1;
        }
        if (len == strlen(want) && memcmp(key, want, len) == 0 && cb_mp_read_int(&r, &v) == 0) {
            return v;
        }
        if (cb_mp_skip(&r, NULL, NULL) != 0) {
            return -1;
        }
    }
    return -1;
}

/* Pings until every worker in pids has answered: all are connected. */
static void
s_wait_workers(cb_rpc_client_t *client, const int64_t *pids, size_t count)
{
    bool seen[8] = {false};
    size_t seen_count = 0;
    for (int attempt = 0; attempt < 400 && seen_count < count; attempt++) {
        cb_rpc_result_t res;
        if (cb_rpc_call(client, "ping", NULL, 0, 500, 0, &res) != 0) {
            continue;
        }
        assert_true(res.ok);
        int64_t pid = s_result_int(&res, "pid");
        for (size_t i = 0; i < count; i++) {
            if (pid == pids[i] && !seen[i]) {
                seen[i] = true;
                seen_count++;
            }
        }
        if (seen_count < count) {
            cb_time_sleep_ms(10, NULL);
        }
    }
    assert_int_equal(seen_count, count);
}

static void
s_wait_ready(cb_rpc_client_t *client, cbh_proc_t *worker)
{
    int64_t pid = cbh_proc_pid(worker);
    s_wait_workers(client, &pid, 1);
}

static int
s_setup(void **state)
{
    (void) state;
    zsys_handler_set(NULL);
    return cbh_bus_start(&s_bus);
}

static int
s_teardown(void **state)
{
    (void) state;
    return cbh_bus_stop(&s_bus) == 0 ? 0 : -1;
}

static void
test_load_spreads_over_two_workers(void **state)
{
    (void) state;
    cbh_proc_t *a = s_start_worker();
    cbh_proc_t *b = s_start_worker();
    cb_rpc_client_t *client = cb_rpc_client_new(s_bus.config.frontend[CB_RPC_MARKET]);
    int64_t pid_a = cbh_proc_pid(a);
    int64_t pid_b = cbh_proc_pid(b);
    /* Both must be connected before counting. */
    int64_t pids[2] = {pid_a, pid_b};
    s_wait_workers(client, pids, 2);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    int by_a = 0;
    int by_b = 0;
    for (int64_t i = 0; i < 400; i++) {
        s_pack_n(&sb, "n", i);
        cb_rpc_result_t res;
        assert_int_equal(cb_rpc_call(client, "echo", sb.data, sb.size, 2000, 0, &res), 0);
        assert_true(res.ok);
        int64_t n = -1;
        int64_t pid = -1;
        s_read_result(&res, &n, &pid);
        assert_int_equal(n, i);
        by_a += pid == pid_a;
        by_b += pid == pid_b;
    }
    assert_int_equal(by_a + by_b, 400);
    /* Round robin once both are connected: each gets a real share. */
    assert_true(by_a >= 100);
    assert_true(by_b >= 100);
    msgpack_sbuffer_destroy(&sb);
    cb_rpc_client_destroy(&client);
    assert_int_equal(cbh_proc_stop(&a, SIGTERM, 3000), 0);
    assert_int_equal(cbh_proc_stop(&b, SIGTERM, 3000), 0);
}

static void
s_pack_slow(msgpack_sbuffer *sb, int64_t n, int64_t ms)
{
    msgpack_packer pk;
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "n", 1);
    msgpack_pack_int64(&pk, n);
    msgpack_pack_str_with_body(&pk, "ms", 2);
    msgpack_pack_int64(&pk, ms);
}

static void
test_worker_killed_mid_run_every_call_answered_once(void **state)
{
    (void) state;
    cbh_proc_t *a = s_start_worker();
    cbh_proc_t *b = s_start_worker();
    cb_rpc_client_t *client = cb_rpc_client_new(s_bus.config.frontend[CB_RPC_MARKET]);
    int64_t pid_a = cbh_proc_pid(a);
    int64_t pid_b = cbh_proc_pid(b);
    int64_t pids[2] = {pid_a, pid_b};
    s_wait_workers(client, pids, 2);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    const int64_t calls = 600;
    bool killed = false;
    int64_t last_pid = 0;
    int64_t answered_by_dead = 0;
    for (int64_t i = 0; i < calls; i++) {
        cb_rpc_result_t res;
        int64_t n = -1;
        int64_t pid = -1;
        if (!killed && i >= 200 && last_pid == pid_b) {
            /* One client, two workers: the bus deals requests round robin,
             * so this call goes to A. Kill A with SIGKILL 40 ms into its
             * 150 ms of work: the request is lost with it, and only the
             * client's retry (to B) can answer it. */
            char cmd[128];
            snprintf(cmd, sizeof cmd, "sleep 0.04; kill -KILL %lld", (long long) pid_a);
            char *argv[] = {"/bin/sh", "-c", cmd, NULL};
            cbh_proc_t *killer = cbh_proc_start("killer", argv, NULL);
            s_pack_slow(&sb, i, 150);
            assert_int_equal(cb_rpc_call(client, "slow", sb.data, sb.size, 400, 4, &res), 0);
            assert_true(res.ok);
            s_read_result(&res, &n, &pid);
            assert_int_equal(n, i);
            assert_int_equal(pid, pid_b);
            assert_true(res.attempts >= 2);
            assert_int_equal(cbh_proc_stop(&killer, SIGTERM, 3000), 0);
            assert_int_equal(cbh_proc_stop(&a, SIGTERM, 3000), 128 + SIGKILL);
            killed = true;
            last_pid = pid;
            continue;
        }
        s_pack_n(&sb, "n", i);
        assert_int_equal(cb_rpc_call(client, "echo", sb.data, sb.size, 250, 4, &res), 0);
        assert_true(res.ok);
        s_read_result(&res, &n, &pid);
        /* Exactly the answer to this call, never a stale one. */
        assert_int_equal(n, i);
        answered_by_dead += killed && pid == pid_a;
        last_pid = pid;
    }
    assert_true(killed);
    assert_int_equal(answered_by_dead, 0);
    msgpack_sbuffer_destroy(&sb);
    cb_rpc_client_destroy(&client);
    assert_int_equal(cbh_proc_stop(&b, SIGTERM, 3000), 0);
}

static void
test_error_replies_and_deadlines(void **state)
{
    (void) state;
    cbh_proc_t *w = s_start_worker();
    cb_rpc_client_t *client = cb_rpc_client_new(s_bus.config.frontend[CB_RPC_MARKET]);
    s_wait_ready(client, w);
    cb_rpc_result_t res;
    assert_int_equal(cb_rpc_call(client, "nope", NULL, 0, 2000, 0, &res), 0);
    assert_false(res.ok);
    assert_int_equal(res.error, CB_E_NOT_FOUND);
    assert_string_equal(res.error_message, "no op 'nope' here");

    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    s_pack_n(&sb, "bogus", 1);
    assert_int_equal(cb_rpc_call(client, "echo", sb.data, sb.size, 2000, 0, &res), 0);
    assert_false(res.ok);
    assert_int_equal(res.error, CB_E_BAD_REQUEST);

    /* A slow op past the caller's deadline: the call times out after its
     * retries; the worker, still busy, answers the late copies with timeout
     * errors that the client never confuses with a later call's reply. */
    s_pack_n(&sb, "ms", 400);
    int64_t t0 = cb_time_mono_ns();
    assert_int_equal(cb_rpc_call(client, "slow", sb.data, sb.size, 150, 1, &res), CB_E_TIMEOUT);
    int64_t elapsed_ms = (cb_time_mono_ns() - t0) / 1000000;
    assert_true(elapsed_ms >= 290 && elapsed_ms < 1500);
    cb_time_sleep_ms(900, NULL);
    s_pack_n(&sb, "n", 77);
    assert_int_equal(cb_rpc_call(client, "echo", sb.data, sb.size, 2000, 0, &res), 0);
    assert_true(res.ok);
    int64_t n = -1;
    int64_t pid = -1;
    s_read_result(&res, &n, &pid);
    assert_int_equal(n, 77);

    /* Arguments that are not a map are refused by the worker loop. */
    static const uint8_t not_a_map[] = {0x93, 1, 2, 3};
    assert_int_equal(cb_rpc_call(client, "echo", not_a_map, sizeof not_a_map, 2000, 0, &res), 0);
    assert_false(res.ok);
    assert_int_equal(res.error, CB_E_BAD_REQUEST);
    msgpack_sbuffer_destroy(&sb);
    cb_rpc_client_destroy(&client);
    assert_int_equal(cbh_proc_stop(&w, SIGTERM, 3000), 0);
}

static void
test_malformed_requests_get_bad_request(void **state)
{
    (void) state;
    cbh_proc_t *w = s_start_worker();
    cb_rpc_client_t *client = cb_rpc_client_new(s_bus.config.frontend[CB_RPC_MARKET]);
    s_wait_ready(client, w);
    /* A raw REQ peer sends garbage, a map without id, and two frames. */
    zsock_t *req = zsock_new_req(s_bus.config.frontend[CB_RPC_MARKET]);
    assert_non_null(req);
    zsock_set_rcvtimeo(req, 3000);
    static const uint8_t garbage[] = {0xc1, 0x00, 0xff};
    static const uint8_t no_id[] = {0x81, 0xa1, 'v', 0x01};
    const uint8_t *bodies[] = {garbage, no_id};
    size_t sizes[] = {sizeof garbage, sizeof no_id};
    for (size_t i = 0; i < 2; i++) {
        zframe_t *f = zframe_new(bodies[i], sizes[i]);
        assert_int_equal(zframe_send(&f, req, 0), 0);
        zframe_t *reply = zframe_recv(req);
        assert_non_null(reply);
        cb_rpc_reply_t rep;
        assert_int_equal(cb_proto_decode(&cb_proto_schema_rpc_reply, zframe_data(reply),
                                         zframe_size(reply), &rep, NULL), 0);
        assert_false(rep.ok);
        cb_rpc_error_t err;
        assert_int_equal(cb_proto_decode(&cb_proto_schema_rpc_error, rep.error.ptr,
                                         rep.error.len, &err, NULL), 0);
        assert_true(cb_str_eq_cstr(err.code, "bad_request"));
        zframe_destroy(&reply);
    }
    assert_int_equal(zstr_sendm(req, "one"), 0);
    assert_int_equal(zstr_send(req, "two"), 0);
    zframe_t *reply = zframe_recv(req);
    assert_non_null(reply);
    zframe_destroy(&reply);
    zsock_destroy(&req);
    /* The worker is still alive and well. */
    assert_true(cbh_proc_alive(w));
    cb_rpc_result_t res;
    assert_int_equal(cb_rpc_call(client, "ping", NULL, 0, 2000, 0, &res), 0);
    assert_true(res.ok);
    cb_rpc_client_destroy(&client);
    assert_int_equal(cbh_proc_stop(&w, SIGTERM, 3000), 0);
}

static void
test_no_worker_times_out(void **state)
{
    (void) state;
    cb_rpc_client_t *client = cb_rpc_client_new(s_bus.config.frontend[CB_RPC_SENTIMENT]);
    cb_rpc_result_t res;
    int64_t t0 = cb_time_mono_ns();
    assert_int_equal(cb_rpc_call(client, "ping", NULL, 0, 100, 2, &res), CB_E_TIMEOUT);
    int64_t elapsed_ms = (cb_time_mono_ns() - t0) / 1000000;
    assert_true(elapsed_ms >= 290 && elapsed_ms < 1000);
    assert_int_equal(res.attempts, 3);
    assert_int_equal(cb_rpc_call(client, "Bad Op", NULL, 0, 100, 0, &res), CB_E_BAD_REQUEST);
    cb_rpc_client_destroy(&client);
}

int
main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--worker") == 0) {
        return s_worker_main(argv[2]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_spreads_over_two_workers),
        cmocka_unit_test(test_worker_killed_mid_run_every_call_answered_once),
        cmocka_unit_test(test_error_replies_and_deadlines),
        cmocka_unit_test(test_malformed_requests_get_bad_request),
        cmocka_unit_test(test_no_worker_times_out),
    };
    return cmocka_run_group_tests_name("bus_rpc", tests, s_setup, s_teardown);
}
