/* edge_rpc.c - asynchronous RPC calls over the bus from api-edge's one event loop (one DEALER per service) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cb_bus.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_time.h"
#include "edge_rpc.h"

/* A request id reads "<client id>-<call id>": 16 hex characters, new per
 * edge_rpc_new, then the call id in decimal. */
#define S_CLIENT_HEX 16
#define S_ID_MAX (S_CLIENT_HEX + 1 + 20 + 1)
#define S_NS_PER_MS 1000000

static const char *const s_svc_names[EDGE_SVC_COUNT] = {"market", "sentiment", "orders",
                                                        "account"};

static const int64_t s_le_ms[8] = {1, 2, 5, 10, 25, 100, 500, 2500};

/* One pending call. It sits in the id hash and in the deadline heap under
 * s_due (the resend time while one is due, else the deadline). */
typedef struct {
    uint64_t id;
    edge_svc_t svc;
    edge_rpc_done_fn done;
    void *ctx;
    int64_t sent_ns;     /* monotonic */
    int64_t deadline_ns; /* monotonic */
    int64_t retry_ns;    /* monotonic; 0 once resent or when not idempotent */
    size_t heap_pos;
    unsigned attempts;
    uint8_t *request;    /* the encoded request while a resend is due */
    size_t request_len;
} s_call_t;

struct edge_rpc {
    zsock_t *socks[EDGE_SVC_COUNT];
    void *raw[EDGE_SVC_COUNT]; /* NULL for a service without an endpoint */
    char client_id[S_CLIENT_HEX + 1];
    uint64_t counter;
    zhashx_t *calls; /* &call->id -> s_call_t (freed by us, not by the hash) */
    s_call_t **heap;
    size_t heap_len;
    size_t heap_cap;
    cb_buf_t scratch;
    bool closing;
    edge_rpc_stats_t stats[EDGE_SVC_COUNT];
};

const char *
edge_svc_name(edge_svc_t svc)
{
    return (unsigned) svc < EDGE_SVC_COUNT ? s_svc_names[svc] : "unknown";
}

/* ---- id hash ---------------------------------------------------------------------- */

static size_t
s_id_hash(const void *key)
{
    uint64_t id = *(const uint64_t *) key;
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdULL;
    id ^= id >> 33;
    return (size_t) id;
}

static int
s_id_compare(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a;
    uint64_t y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

static void
s_id_text(const edge_rpc_t *rpc, uint64_t id, char text[S_ID_MAX])
{
    snprintf(text, S_ID_MAX, "%s-%llu", rpc->client_id, (unsigned long long) id);
}

/* The call id of a reply's request id; false when it is not one of ours. */
static bool
s_id_parse(const edge_rpc_t *rpc, cb_str_t text, uint64_t *id)
{
    if (text.len <= S_CLIENT_HEX + 1 || text.len >= S_ID_MAX ||
        memcmp(text.ptr, rpc->client_id, S_CLIENT_HEX) != 0 || text.ptr[S_CLIENT_HEX] != '-') {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = S_CLIENT_HEX + 1; i < text.len; i++) {
        char c = text.ptr[i];
        if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t) (c - '0');
    }
    *id = v;
    return v != 0;
}

/* ---- deadline heap ---------------------------------------------------------------- */

static int64_t
s_due(const s_call_t *call)
{
    return call->retry_ns != 0 ? call->retry_ns : call->deadline_ns;
}

static void
s_heap_set(edge_rpc_t *rpc, size_t pos, s_call_t *call)
{
    rpc->heap[pos] = call;
    call->heap_pos = pos;
}

/* Restores the heap order around pos after its call's due time changed. */
static void
s_heap_fix(edge_rpc_t *rpc, size_t pos)
{
    s_call_t *call = rpc->heap[pos];
    int64_t due = s_due(call);
    while (pos > 0 && s_due(rpc->heap[(pos - 1) / 2]) > due) {
        s_heap_set(rpc, pos, rpc->heap[(pos - 1) / 2]);
        pos = (pos - 1) / 2;
    }
    for (;;) {
        size_t child = 2 * pos + 1;
        if (child >= rpc->heap_len) {
            break;
        }
        if (child + 1 < rpc->heap_len && s_due(rpc->heap[child + 1]) < s_due(rpc->heap[child])) {
            child++;
        }
        if (s_due(rpc->heap[child]) >= due) {
            break;
        }
        s_heap_set(rpc, pos, rpc->heap[child]);
        pos = child;
    }
    s_heap_set(rpc, pos, call);
}

static int
s_heap_reserve(edge_rpc_t *rpc)
{
    if (rpc->heap_len < rpc->heap_cap) {
        return 0;
    }
    size_t cap = rpc->heap_cap > 0 ? rpc->heap_cap * 2 : 64;
    s_call_t **heap = realloc(rpc->heap, cap * sizeof *heap);
    if (heap == NULL) {
        return CB_E_NOMEM;
    }
    rpc->heap = heap;
    rpc->heap_cap = cap;
    return 0;
}

/* Adds a call to the hash and the heap (room reserved beforehand). */
static void
s_track(edge_rpc_t *rpc, s_call_t *call)
{
    zhashx_insert(rpc->calls, &call->id, call);
    s_heap_set(rpc, rpc->heap_len++, call);
    s_heap_fix(rpc, call->heap_pos);
}

/* Takes a call out of the hash and the heap; the caller then frees it. */
static void
s_untrack(edge_rpc_t *rpc, s_call_t *call)
{
    zhashx_delete(rpc->calls, &call->id);
    size_t pos = call->heap_pos;
    s_call_t *last = rpc->heap[--rpc->heap_len];
    if (last != call) {
        s_heap_set(rpc, pos, last);
        s_heap_fix(rpc, pos);
    }
}

static void
s_call_free(s_call_t *call)
{
    free(call->request);
    free(call);
}

/* ---- life ------------------------------------------------------------------------- */

edge_rpc_t *
edge_rpc_new(const char *const endpoints[EDGE_SVC_COUNT])
{
    edge_rpc_t *rpc = calloc(1, sizeof *rpc);
    if (rpc == NULL) {
        return NULL;
    }
    cb_buf_init(&rpc->scratch);
    cb_bus_random_hex(rpc->client_id, S_CLIENT_HEX);
    rpc->calls = zhashx_new();
    if (rpc->calls == NULL) {
        goto fail;
    }
    zhashx_set_key_duplicator(rpc->calls, NULL);
    zhashx_set_key_destructor(rpc->calls, NULL);
    zhashx_set_key_hasher(rpc->calls, s_id_hash);
    zhashx_set_key_comparator(rpc->calls, s_id_compare);
    /* A service without an endpoint gets no socket: calls to it fail. */
    for (int s = 0; s < EDGE_SVC_COUNT; s++) {
        if (endpoints[s] == NULL || endpoints[s][0] == '\0') {
            continue;
        }
        rpc->socks[s] = cb_bus_connect(ZMQ_DEALER, CB_BUS_ROLE_RPC_MUX, endpoints[s]);
        if (rpc->socks[s] == NULL) {
            goto fail;
        }
        rpc->raw[s] = zsock_resolve(rpc->socks[s]);
    }
    return rpc;

fail:
    edge_rpc_destroy(&rpc);
    return NULL;
}

void
edge_rpc_destroy(edge_rpc_t **rpc_p)
{
    if (rpc_p == NULL || *rpc_p == NULL) {
        return;
    }
    edge_rpc_t *rpc = *rpc_p;
    /* Calls made from these callbacks fail (closing), cancels still work.
     * Destroying from inside one of rpc's own callbacks is a caller bug. */
    rpc->closing = true;
    while (rpc->heap_len > 0) {
        s_call_t *call = rpc->heap[0];
        s_untrack(rpc, call);
        call->done(call->ctx, CB_E_CLOSED, NULL);
        s_call_free(call);
    }
    for (int s = 0; s < EDGE_SVC_COUNT; s++) {
        zsock_destroy(&rpc->socks[s]);
    }
    zhashx_destroy(&rpc->calls);
    free(rpc->heap);
    cb_buf_fini(&rpc->scratch);
    free(rpc);
    *rpc_p = NULL;
}

void
edge_rpc_fds(const edge_rpc_t *rpc, int fds[EDGE_SVC_COUNT])
{
    for (int s = 0; s < EDGE_SVC_COUNT; s++) {
        fds[s] = rpc->socks[s] != NULL ? zsock_fd(rpc->socks[s]) : -1;
    }
}

/* ---- calls ------------------------------------------------------------------------ */

static int
s_send(void *raw, const void *data, size_t len)
{
    /* The empty delimiter first, as REQ would send (proto/README.md). */
    if (zmq_send(raw, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(raw, data, len, ZMQ_DONTWAIT) < 0) {
        return CB_E_IO;
    }
    return 0;
}

uint64_t
edge_rpc_call(edge_rpc_t *rpc, edge_svc_t svc, const char *op, const void *args,
              size_t args_len, int timeout_ms, bool idempotent, edge_rpc_done_fn done, void *ctx)
{
    if (rpc->closing || (unsigned) svc >= EDGE_SVC_COUNT || rpc->raw[svc] == NULL ||
        op == NULL || done == NULL || timeout_ms <= 0 || (args == NULL && args_len != 0) ||
        !cb_proto_name_valid(op, strlen(op), 64)) {
        return 0;
    }
    uint64_t id = rpc->counter + 1;
    char id_text[S_ID_MAX];
    s_id_text(rpc, id, id_text);
    cb_proto_err_t err;
    if (cb_rpc_request_encode(id_text, op, args, args_len, cb_time_now_ms() + timeout_ms,
                              &rpc->scratch, &err) != 0) {
        cb_log_warn("rpc_encode_failed", "service=%s op=%s error=\"%s\"", s_svc_names[svc], op,
                    err.message);
        return 0;
    }
    s_call_t *call = calloc(1, sizeof *call);
    if (call == NULL || s_heap_reserve(rpc) != 0) {
        goto fail;
    }
    if (idempotent) {
        call->request = malloc(rpc->scratch.len);
        if (call->request == NULL) {
            goto fail;
        }
        memcpy(call->request, rpc->scratch.data, rpc->scratch.len);
        call->request_len = rpc->scratch.len;
    }
    if (s_send(rpc->raw[svc], rpc->scratch.data, rpc->scratch.len) != 0) {
        /* A full queue (the bus unreachable for long): fail now, not later. */
        cb_log_debug("rpc_send_failed", "service=%s op=%s error=\"%s\"", s_svc_names[svc], op,
                     zmq_strerror(zmq_errno()));
        goto fail;
    }
    rpc->counter = id;
    call->id = id;
    call->svc = svc;
    call->done = done;
    call->ctx = ctx;
    call->attempts = 1;
    call->sent_ns = cb_time_mono_ns();
    call->deadline_ns = call->sent_ns + (int64_t) timeout_ms * S_NS_PER_MS;
    call->retry_ns = idempotent ? call->sent_ns + (int64_t) timeout_ms * (S_NS_PER_MS / 2) : 0;
    s_track(rpc, call);
    rpc->stats[svc].calls++;
    return id;

fail:
    if (call != NULL) {
        s_call_free(call);
    }
    return 0;
}

void
edge_rpc_cancel(edge_rpc_t *rpc, uint64_t call_id)
{
    s_call_t *call = zhashx_lookup(rpc->calls, &call_id);
    if (call != NULL) {
        s_untrack(rpc, call);
        s_call_free(call);
    }
}

/* ---- replies, deadlines ----------------------------------------------------------- */

static void
s_count_latency(edge_rpc_stats_t *st, int64_t ns)
{
    st->replies++;
    st->latency_ns_sum += (uint64_t) ns;
    for (size_t k = 0; k < 8; k++) {
        if (ns <= s_le_ms[k] * S_NS_PER_MS) {
            st->latency_le_ms[k]++;
        }
    }
}

/* Hands one reply to its call, or drops it (counted). */
static void
s_deliver(edge_rpc_t *rpc, edge_svc_t svc, zmq_msg_t *frame)
{
    const uint8_t *data = zmq_msg_data(frame);
    size_t len = zmq_msg_size(frame);
    cb_rpc_reply_t reply;
    cb_proto_err_t err;
    uint64_t id;
    s_call_t *call = NULL;
    if (cb_proto_decode(&cb_proto_schema_rpc_reply, data, len, &reply, &err) == 0 &&
        s_id_parse(rpc, reply.id, &id)) {
        call = zhashx_lookup(rpc->calls, &id);
    }
    if (call == NULL || call->svc != svc) {
        rpc->stats[svc].dropped++;
        return;
    }
    s_untrack(rpc, call);
    s_count_latency(&rpc->stats[svc], cb_time_mono_ns() - call->sent_ns);
    cb_rpc_result_t res;
    memset(&res, 0, sizeof res);
    cb_rpc_result_fill(&reply, &res);
    res.attempts = call->attempts;
    res.reply = (cb_raw_t){data, len};
    call->done(call->ctx, 0, &res);
    s_call_free(call);
}

/* Takes every reply waiting on svc's socket. */
static void
s_drain(edge_rpc_t *rpc, edge_svc_t svc)
{
    for (;;) {
        zmq_msg_t frame;
        int rc = cb_rpc_recv_reply(rpc->raw[svc], &frame);
        if (rc == CB_E_TIMEOUT || rc == CB_E_IO) {
            return;
        }
        if (rc != 0) {
            rpc->stats[svc].dropped++;
            continue;
        }
        s_deliver(rpc, svc, &frame);
        zmq_msg_close(&frame);
    }
}

/* Resends the due retries and expires the calls past their deadline. */
static void
s_expire(edge_rpc_t *rpc)
{
    int64_t now = cb_time_mono_ns();
    while (rpc->heap_len > 0 && s_due(rpc->heap[0]) <= now) {
        s_call_t *call = rpc->heap[0];
        if (call->retry_ns != 0) {
            /* Same id: whichever reply comes first answers, the other is dropped. */
            if (s_send(rpc->raw[call->svc], call->request, call->request_len) == 0) {
                call->attempts++;
            }
            call->retry_ns = 0;
            free(call->request);
            call->request = NULL;
            s_heap_fix(rpc, 0);
            continue;
        }
        s_untrack(rpc, call);
        rpc->stats[call->svc].timeouts++;
        call->done(call->ctx, CB_E_TIMEOUT, NULL);
        s_call_free(call);
    }
}

static bool
s_readable(void *raw)
{
    int events = 0;
    size_t size = sizeof events;
    return zmq_getsockopt(raw, ZMQ_EVENTS, &events, &size) == 0 && (events & ZMQ_POLLIN) != 0;
}

void
edge_rpc_process(edge_rpc_t *rpc)
{
    /* ZMQ_FD only signals a change of state, and any send (a resend here, a
     * call made by a callback) may swallow one: loop until ZMQ_EVENTS says
     * no socket has input left, so the owner's next wakeup is not lost. */
    bool again = true;
    while (again) {
        for (int s = 0; s < EDGE_SVC_COUNT; s++) {
            if (rpc->raw[s] != NULL) {
                s_drain(rpc, (edge_svc_t) s);
            }
        }
        s_expire(rpc);
        again = false;
        for (int s = 0; s < EDGE_SVC_COUNT; s++) {
            again = again || (rpc->raw[s] != NULL && s_readable(rpc->raw[s]));
        }
    }
}

int64_t
edge_rpc_next_due_ms(const edge_rpc_t *rpc)
{
    if (rpc->heap_len == 0) {
        return -1;
    }
    /* Rounded up, so that a loop woken at that time finds the call due. */
    int64_t left = s_due(rpc->heap[0]) - cb_time_mono_ns();
    return left > 0 ? (left + S_NS_PER_MS - 1) / S_NS_PER_MS : 0;
}

size_t
edge_rpc_pending(const edge_rpc_t *rpc)
{
    return rpc->heap_len;
}

edge_rpc_stats_t
edge_rpc_stats(const edge_rpc_t *rpc, edge_svc_t svc)
{
    edge_rpc_stats_t none = {0};
    return (unsigned) svc < EDGE_SVC_COUNT ? rpc->stats[svc] : none;
}
