/* test_edge_rpc.c - api-edge's asynchronous RPC against the real bus and sentiment: replies, errors, timeouts, cancel, close, 1000 in flight, late replies */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>
#include <zmq.h>

#include "cb_buf.h"
#include "cb_error.h"
#include "cb_json.h"
#include "cb_time.h"
#include "cbh_bus.h"
#include "edge_rpc.h"

static cbh_bus_t s_bus;
static cbh_proc_t *s_service;
static edge_rpc_t *s_rpc;

/* What one call's callback saw. */
typedef struct {
    int count;
    int rc;
    bool ok;
    int error;
    unsigned attempts;
    char text[1024]; /* the result as JSON, or the error message */
} s_rec_t;

static void
s_done(void *ctx, int rc, const cb_rpc_result_t *res)
{
    s_rec_t *rec = ctx;
    rec->count++;
    rec->rc = rc;
    if (res == NULL) {
        return;
    }
    rec->ok = res->ok;
    rec->error = res->error;
    rec->attempts = res->attempts;
    if (!res->ok) {
        snprintf(rec->text, sizeof rec->text, "%.1000s", res->error_message);
        return;
    }
    cb_buf_t out;
    cb_buf_init(&out);
    if (cb_json_from_msgpack((const char *) res->result.ptr, res->result.len, &out) == 0) {
        snprintf(rec->text, sizeof rec->text, "%.*s", (int) out.len, out.data);
    }
    cb_buf_fini(&out);
}

static edge_rpc_t *
s_new_rpc(void)
{
    const char *endpoints[EDGE_SVC_COUNT];
    endpoints[EDGE_SVC_MARKET] = s_bus.config.frontend[CB_RPC_MARKET];
    endpoints[EDGE_SVC_SENTIMENT] = s_bus.config.frontend[CB_RPC_SENTIMENT];
    endpoints[EDGE_SVC_ORDERS] = s_bus.config.frontend[CB_RPC_ORDERS];
    endpoints[EDGE_SVC_ACCOUNT] = s_bus.config.frontend[CB_RPC_ACCOUNT];
    edge_rpc_t *rpc = edge_rpc_new(endpoints);
    assert_non_null(rpc);
    return rpc;
}

/* One turn of an owner's loop: poll the fds until one is readable or the
 * next deadline is due (at most max_ms), then process. */
static void
s_turn(edge_rpc_t *rpc, int64_t max_ms)
{
    int fds[EDGE_SVC_COUNT];
    edge_rpc_fds(rpc, fds);
    zmq_pollitem_t items[EDGE_SVC_COUNT];
    for (int s = 0; s < EDGE_SVC_COUNT; s++) {
        items[s] = (zmq_pollitem_t){NULL, fds[s], ZMQ_POLLIN, 0};
    }
    int64_t due = edge_rpc_next_due_ms(rpc);
    int64_t wait = due < 0 || due > max_ms ? max_ms : due;
    assert_true(zmq_poll(items, EDGE_SVC_COUNT, (long) wait) >= 0);
    edge_rpc_process(rpc);
}

/* Turns the loop until *count reaches want or timeout_ms passes. */
static void
s_run_until(edge_rpc_t *rpc, const int *count, int want, int timeout_ms)
{
    int64_t end = cb_time_now_ms() + timeout_ms;
    while (*count < want && cb_time_now_ms() < end) {
        s_turn(rpc, end - cb_time_now_ms());
    }
}

/* Turns the loop for ms milliseconds. */
static void
s_run_for(edge_rpc_t *rpc, int ms)
{
    int64_t end = cb_time_now_ms() + ms;
    while (cb_time_now_ms() < end) {
        s_turn(rpc, end - cb_time_now_ms());
    }
}

/* The msgpack bytes of a JSON value, in a static buffer. */
static const void *
s_args(const char *json, size_t *len)
{
    static msgpack_sbuffer sb;
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char err[256];
    assert_int_equal(cb_json_to_msgpack(json, strlen(json), &pk, err, sizeof err), 0);
    *len = sb.size;
    return sb.data;
}

static uint64_t
s_call(edge_rpc_t *rpc, edge_svc_t svc, const char *op, const char *json, int timeout_ms,
       bool idempotent, s_rec_t *rec)
{
    size_t len = 0;
    const void *args = json != NULL ? s_args(json, &len) : NULL;
    uint64_t id = edge_rpc_call(rpc, svc, op, args, len, timeout_ms, idempotent, s_done, rec);
    assert_true(id > 0);
    /* Never inside the call itself. */
    assert_int_equal(rec->count, 0);
    return id;
}

static int
s_setup(void **state)
{
    (void) state;
    if (cbh_bus_start(&s_bus) != 0) {
        return -1;
    }
    cbh_bus_export(&s_bus);
    char bin[512];
    snprintf(bin, sizeof bin, "%s/sentiment", cbh_bin_dir());
    char *argv[] = {bin, NULL};
    char *env[] = {"COINBUS_SENTIMENT_DATA=services/sentiment/data", NULL};
    s_service = cbh_proc_start("sentiment", argv, env);
    if (s_service == NULL) {
        return -1;
    }
    s_rpc = s_new_rpc();
    /* Ready once it answers ping. */
    for (int i = 0; i < 50; i++) {
        s_rec_t rec = {0};
        edge_rpc_call(s_rpc, EDGE_SVC_SENTIMENT, "ping", NULL, 0, 200, false, s_done, &rec);
        s_run_until(s_rpc, &rec.count, 1, 300);
        if (rec.rc == 0 && rec.ok) {
            return 0;
        }
    }
    fprintf(stderr, "sentiment did not answer ping; log: %s\n", cbh_proc_log_path(s_service));
    return -1;
}

static int
s_teardown(void **state)
{
    (void) state;
    edge_rpc_destroy(&s_rpc);
    int rc = cbh_proc_stop(&s_service, SIGTERM, 5000);
    cbh_bus_stop(&s_bus);
    return rc == 0 ? 0 : -1;
}

static void
test_analyze(void **state)
{
    (void) state;
    edge_rpc_stats_t before = edge_rpc_stats(s_rpc, EDGE_SVC_SENTIMENT);
    s_rec_t rec = {0};
    s_call(s_rpc, EDGE_SVC_SENTIMENT, "analyze", "{\"text\":\"$BTC breaking out, to the moon\"}",
           3000, true, &rec);
    assert_int_equal(edge_rpc_pending(s_rpc), 1);
    assert_true(edge_rpc_next_due_ms(s_rpc) >= 0);
    s_run_until(s_rpc, &rec.count, 1, 5000);
    assert_int_equal(rec.count, 1);
    assert_int_equal(rec.rc, 0);
    assert_true(rec.ok);
    assert_int_equal(rec.attempts, 1);
    assert_non_null(strstr(rec.text, "\"label\":\"bullish\""));
    assert_non_null(strstr(rec.text, "\"symbols\":[\"BTC\"]"));
    assert_int_equal(edge_rpc_pending(s_rpc), 0);
    assert_int_equal(edge_rpc_next_due_ms(s_rpc), -1);

    edge_rpc_stats_t after = edge_rpc_stats(s_rpc, EDGE_SVC_SENTIMENT);
    assert_int_equal(after.calls, before.calls + 1);
    assert_int_equal(after.replies, before.replies + 1);
    assert_int_equal(after.latency_le_ms[7], before.latency_le_ms[7] + 1);
    assert_true(after.latency_ns_sum > before.latency_ns_sum);
    assert_string_equal(edge_svc_name(EDGE_SVC_SENTIMENT), "sentiment");
    assert_string_equal(edge_svc_name(EDGE_SVC_MARKET), "market");
}

static void
test_error_reply(void **state)
{
    (void) state;
    s_rec_t rec = {0};
    s_call(s_rpc, EDGE_SVC_SENTIMENT, "analyze", "{\"text\":42}", 3000, true, &rec);
    s_rec_t missing = {0};
    s_call(s_rpc, EDGE_SVC_SENTIMENT, "analyze", "{}", 3000, false, &missing);
    s_rec_t unknown = {0};
    s_call(s_rpc, EDGE_SVC_SENTIMENT, "no_such_op", NULL, 3000, false, &unknown);
    s_run_until(s_rpc, &unknown.count, 1, 5000);
    s_run_until(s_rpc, &missing.count, 1, 5000);
    s_run_until(s_rpc, &rec.count, 1, 5000);
    const s_rec_t *all[] = {&rec, &missing, &unknown};
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(all[k]->count, 1);
        assert_int_equal(all[k]->rc, 0);
        assert_false(all[k]->ok);
    }
    assert_int_equal(rec.error, CB_E_BAD_REQUEST);
    assert_non_null(strstr(rec.text, "text"));
    assert_int_equal(missing.error, CB_E_BAD_REQUEST);
    assert_int_equal(unknown.error, CB_E_NOT_FOUND);
    /* Calls that cannot be sent fail at once and never call back. */
    s_rec_t bad = {0};
    assert_int_equal(edge_rpc_call(s_rpc, EDGE_SVC_SENTIMENT, "Bad Op", NULL, 0, 1000, false,
                                   s_done, &bad), 0);
    assert_int_equal(edge_rpc_call(s_rpc, EDGE_SVC_SENTIMENT, "ping", NULL, 0, 0, false, s_done,
                                   &bad), 0);
    assert_int_equal(edge_rpc_call(s_rpc, EDGE_SVC_COUNT, "ping", NULL, 0, 1000, false, s_done,
                                   &bad), 0);
    s_run_for(s_rpc, 50);
    assert_int_equal(bad.count, 0);
}

static void
test_no_worker_times_out(void **state)
{
    (void) state;
    edge_rpc_stats_t before = edge_rpc_stats(s_rpc, EDGE_SVC_ORDERS);
    s_rec_t once = {0};
    s_rec_t twice = {0};
    int64_t start = cb_time_mono_ns();
    s_call(s_rpc, EDGE_SVC_ORDERS, "ping", NULL, 300, false, &once);
    s_call(s_rpc, EDGE_SVC_ORDERS, "ping", NULL, 400, true, &twice);
    s_run_until(s_rpc, &once.count, 1, 2000);
    int64_t once_ms = (cb_time_mono_ns() - start) / 1000000;
    s_run_until(s_rpc, &twice.count, 1, 2000);
    int64_t twice_ms = (cb_time_mono_ns() - start) / 1000000;
    assert_int_equal(once.count, 1);
    assert_int_equal(once.rc, CB_E_TIMEOUT);
    assert_int_equal(twice.count, 1);
    assert_int_equal(twice.rc, CB_E_TIMEOUT);
    assert_true(once_ms >= 300 && once_ms < 300 + 150);
    assert_true(twice_ms >= 400 && twice_ms < 400 + 150);
    edge_rpc_stats_t after = edge_rpc_stats(s_rpc, EDGE_SVC_ORDERS);
    assert_int_equal(after.timeouts, before.timeouts + 2);
    assert_int_equal(after.replies, before.replies);
    assert_int_equal(edge_rpc_pending(s_rpc), 0);
}

static void
test_cancel(void **state)
{
    (void) state;
    edge_rpc_stats_t before = edge_rpc_stats(s_rpc, EDGE_SVC_SENTIMENT);
    s_rec_t gone = {0};
    s_rec_t kept = {0};
    uint64_t id = s_call(s_rpc, EDGE_SVC_SENTIMENT, "analyze", "{\"text\":\"fine\"}", 2000, true,
                         &gone);
    s_call(s_rpc, EDGE_SVC_SENTIMENT, "analyze", "{\"text\":\"fine\"}", 2000, true, &kept);
    edge_rpc_cancel(s_rpc, id);
    edge_rpc_cancel(s_rpc, id);
    edge_rpc_cancel(s_rpc, 987654321);
    assert_int_equal(edge_rpc_pending(s_rpc), 1);
    s_run_until(s_rpc, &kept.count, 1, 3000);
    assert_int_equal(kept.count, 1);
    assert_true(kept.ok);
    /* The cancelled call's reply comes too, and is dropped. */
    int64_t end = cb_time_now_ms() + 3000;
    while (edge_rpc_stats(s_rpc, EDGE_SVC_SENTIMENT).dropped == before.dropped &&
           cb_time_now_ms() < end) {
        s_turn(s_rpc, 50);
    }
    assert_int_equal(edge_rpc_stats(s_rpc, EDGE_SVC_SENTIMENT).dropped, before.dropped + 1);
    s_run_for(s_rpc, 100);
    assert_int_equal(gone.count, 0);
    assert_int_equal(edge_rpc_pending(s_rpc), 0);
}

static void
test_destroy_closes_pending(void **state)
{
    (void) state;
    edge_rpc_t *rpc = s_new_rpc();
    s_rec_t recs[4] = {{0}};
    s_call(rpc, EDGE_SVC_ORDERS, "ping", NULL, 5000, false, &recs[0]);
    s_call(rpc, EDGE_SVC_ACCOUNT, "ping", NULL, 5000, true, &recs[1]);
    s_call(rpc, EDGE_SVC_MARKET, "ping", NULL, 5000, false, &recs[2]);
    s_call(rpc, EDGE_SVC_SENTIMENT, "ping", NULL, 5000, false, &recs[3]);
    edge_rpc_destroy(&rpc);
    assert_null(rpc);
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(recs[k].count, 1);
        assert_int_equal(recs[k].rc, CB_E_CLOSED);
    }
    edge_rpc_destroy(&rpc);
    edge_rpc_destroy(NULL);
}

#define S_MANY 1000

static void
test_thousand_in_flight(void **state)
{
    (void) state;
    edge_rpc_stats_t before = edge_rpc_stats(s_rpc, EDGE_SVC_SENTIMENT);
    s_rec_t *recs = calloc(S_MANY, sizeof *recs);
    assert_non_null(recs);
    for (int i = 0; i < S_MANY; i++) {
        const char *text = i % 2 == 0 ? "{\"text\":\"great product, love it\"}"
                                      : "{\"text\":\"awful, broke in a day\"}";
        s_call(s_rpc, EDGE_SVC_SENTIMENT, "analyze", text, 20000, i % 3 == 0, &recs[i]);
    }
    assert_int_equal(edge_rpc_pending(s_rpc), S_MANY);
    /* As an owner's loop does at the end of a turn that made calls; from
     * then on only the fds and the next due time wake it, so a lost ZMQ_FD
     * edge would stall it until the resends (10 s) and fail the time check. */
    int64_t start = cb_time_mono_ns();
    edge_rpc_process(s_rpc);
    int64_t end = cb_time_now_ms() + 30000;
    while (edge_rpc_pending(s_rpc) > 0 && cb_time_now_ms() < end) {
        s_turn(s_rpc, 30000);
    }
    int64_t took_ms = (cb_time_mono_ns() - start) / 1000000;
    if (took_ms > 5000) {
        fail_msg("1000 calls took %lld ms", (long long) took_ms);
    }
    s_run_for(s_rpc, 100);
    for (int i = 0; i < S_MANY; i++) {
        assert_int_equal(recs[i].count, 1);
        assert_int_equal(recs[i].rc, 0);
        assert_true(recs[i].ok);
        assert_non_null(strstr(recs[i].text, i % 2 == 0 ? "bullish" : "bearish"));
    }
    edge_rpc_stats_t after = edge_rpc_stats(s_rpc, EDGE_SVC_SENTIMENT);
    assert_int_equal(after.replies, before.replies + S_MANY);
    assert_int_equal(after.timeouts, before.timeouts);
    free(recs);
}

static void
test_late_reply_dropped(void **state)
{
    (void) state;
    pid_t pid = cbh_proc_pid(s_service);
    edge_rpc_stats_t before = edge_rpc_stats(s_rpc, EDGE_SVC_SENTIMENT);

    /* The worker is frozen past the deadline: the caller sees the timeout,
     * then the worker's answers (to the first send and to the resend, same
     * id) come late and are dropped. */
    s_rec_t late = {0};
    assert_int_equal(kill(pid, SIGSTOP), 0);
    s_call(s_rpc, EDGE_SVC_SENTIMENT, "analyze", "{\"text\":\"late\"}", 300, true, &late);
    s_run_until(s_rpc, &late.count, 1, 2000);
    assert_int_equal(late.count, 1);
    assert_int_equal(late.rc, CB_E_TIMEOUT);
    assert_int_equal(kill(pid, SIGCONT), 0);
    int64_t end = cb_time_now_ms() + 3000;
    while (edge_rpc_stats(s_rpc, EDGE_SVC_SENTIMENT).dropped < before.dropped + 2 &&
           cb_time_now_ms() < end) {
        s_turn(s_rpc, 50);
    }
    s_run_for(s_rpc, 100);
    assert_int_equal(late.count, 1);
    edge_rpc_stats_t after = edge_rpc_stats(s_rpc, EDGE_SVC_SENTIMENT);
    assert_int_equal(after.dropped, before.dropped + 2);
    assert_int_equal(after.timeouts, before.timeouts + 1);

    /* Frozen past half the timeout only: the resend is answered (or the first
     * send, whichever reply comes first), exactly once. */
    s_rec_t resent = {0};
    assert_int_equal(kill(pid, SIGSTOP), 0);
    s_call(s_rpc, EDGE_SVC_SENTIMENT, "analyze", "{\"text\":\"good\"}", 2000, true, &resent);
    s_run_for(s_rpc, 1300);
    assert_int_equal(resent.count, 0);
    assert_int_equal(kill(pid, SIGCONT), 0);
    s_run_until(s_rpc, &resent.count, 1, 2000);
    s_run_for(s_rpc, 300);
    assert_int_equal(resent.count, 1);
    assert_int_equal(resent.rc, 0);
    assert_true(resent.ok);
    assert_int_equal(resent.attempts, 2);
    assert_int_equal(edge_rpc_stats(s_rpc, EDGE_SVC_SENTIMENT).dropped, after.dropped + 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyze),
        cmocka_unit_test(test_error_reply),
        cmocka_unit_test(test_no_worker_times_out),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_destroy_closes_pending),
        cmocka_unit_test(test_thousand_in_flight),
        cmocka_unit_test(test_late_reply_dropped),
    };
    return cmocka_run_group_tests_name("edge_rpc", tests, s_setup, s_teardown);
}
