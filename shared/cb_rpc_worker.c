/* cb_rpc_worker.c - RPC worker: REP socket on a service's bus backend */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "cb_bus.h"
#include "cb_config.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_mp.h"
#include "cb_rpc.h"
#include "cb_time.h"

struct cb_rpc_worker {
    zsock_t *sock;
    void *raw;
    char service[64];
    cb_rpc_handler_fn handler;
    void *ctx;
    msgpack_sbuffer result;
    msgpack_packer result_pk;
    cb_buf_t error;
    cb_buf_t reply;
    uint64_t handled;
};

cb_rpc_worker_t *
cb_rpc_worker_new(const char *endpoint, const char *service, cb_rpc_handler_fn handler,
                  void *ctx)
{
    cb_rpc_worker_t *worker = calloc(1, sizeof *worker);
    if (worker == NULL) {
        goto fail_alloc;
    }
    worker->sock = cb_bus_connect(ZMQ_REP, CB_BUS_ROLE_RPC_WORKER, endpoint);
    if (worker->sock == NULL) {
        goto fail_sock;
    }
    worker->raw = zsock_resolve(worker->sock);
    snprintf(worker->service, sizeof worker->service, "%s", service);
    worker->handler = handler;
    worker->ctx = ctx;
    msgpack_sbuffer_init(&worker->result);
    msgpack_packer_init(&worker->result_pk, &worker->result, msgpack_sbuffer_write);
    cb_buf_init(&worker->error);
    cb_buf_init(&worker->reply);
    return worker;

fail_sock:
    free(worker);
fail_alloc:
    return NULL;
}

void
cb_rpc_worker_destroy(cb_rpc_worker_t **worker_p)
{
    if (worker_p == NULL || *worker_p == NULL) {
        return;
    }
    cb_rpc_worker_t *worker = *worker_p;
    zsock_destroy(&worker->sock);
    msgpack_sbuffer_destroy(&worker->result);
    cb_buf_fini(&worker->error);
    cb_buf_fini(&worker->reply);
    free(worker);
    *worker_p = NULL;
}

uint64_t
cb_rpc_worker_handled(const cb_rpc_worker_t *worker)
{
    return worker->handled;
}

void *
cb_rpc_worker_socket(cb_rpc_worker_t *worker)
{
    return worker->raw;
}

/* Builds the reply in worker->reply: the result buffer when code is 0, else
 * an error object with code's wire name and message. */
static void
s_build_reply(cb_rpc_worker_t *worker, cb_str_t id, int code, const char *message)
{
    cb_rpc_reply_t reply = {0};
    CB_PROTO_SET(&reply, rpc_reply, v, CB_PROTO_VERSION);
    CB_PROTO_SET(&reply, rpc_reply, id, id);
    CB_PROTO_SET(&reply, rpc_reply, ok, code == 0);
    if (code == 0) {
        if (worker->result.size > 0) {
            CB_PROTO_SET(&reply, rpc_reply, result,
                         ((cb_raw_t){(const uint8_t *) worker->result.data, worker->result.size}));
        }
    } else {
        cb_rpc_error_t error = {0};
        const char *wire = cb_error_wire_name(code);
        size_t mlen = strnlen(message, 1024);
        CB_PROTO_SET(&error, rpc_error, code, cb_str_from(wire));
        CB_PROTO_SET(&error, rpc_error, message, ((cb_str_t){message, mlen}));
        cb_buf_reset(&worker->error);
        cb_proto_err_t err;
        if (cb_proto_encode(&cb_proto_schema_rpc_error, &error, &worker->error, &err) != 0) {
            /* The message was not valid UTF-8: send the code's own text. */
            cb_buf_reset(&worker->error);
            CB_PROTO_SET(&error, rpc_error, message, cb_str_from(cb_strerror(code)));
            cb_proto_encode(&cb_proto_schema_rpc_error, &error, &worker->error, NULL);
        }
        CB_PROTO_SET(&reply, rpc_reply, error,
                     ((cb_raw_t){(const uint8_t *) worker->error.data, worker->error.len}));
    }
    cb_buf_reset(&worker->reply);
    cb_proto_err_t err;
    if (cb_proto_encode(&cb_proto_schema_rpc_reply, &reply, &worker->reply, &err) != 0) {
        /* Only an id that breaks the grammar gets here: answer without it. */
        cb_buf_reset(&worker->reply);
        CB_PROTO_SET(&reply, rpc_reply, id, CB_STR(""));
        cb_proto_encode(&cb_proto_schema_rpc_reply, &reply, &worker->reply, NULL);
    }
}

static void
s_ping(cb_rpc_worker_t *worker)
{
    msgpack_packer *pk = &worker->result_pk;
    msgpack_pack_map(pk, 4);
    msgpack_pack_str_with_body(pk, "service", 7);
    msgpack_pack_str_with_body(pk, worker->service, strlen(worker->service));
    msgpack_pack_str_with_body(pk, "pid", 3);
    msgpack_pack_int64(pk, (int64_t) getpid());
    msgpack_pack_str_with_body(pk, "version", 7);
    msgpack_pack_str_with_body(pk, CB_VERSION, strlen(CB_VERSION));
    msgpack_pack_str_with_body(pk, "handled", 7);
    msgpack_pack_uint64(pk, worker->handled);
}

/* Runs the request in payload; leaves the reply in worker->reply. */
static void
s_dispatch(cb_rpc_worker_t *worker, const void *payload, size_t len)
{
    cb_rpc_request_t req;
    cb_proto_err_t err;
    msgpack_sbuffer_clear(&worker->result);
    if (cb_proto_decode(&cb_proto_schema_rpc_request, payload, len, &req, &err) != 0) {
        cb_proto_clear(&cb_proto_schema_rpc_request, &req);
        cb_log_debug("rpc_bad_request", "service=%s error=\"%s\"", worker->service,
                     err.message);
        char message[256];
        snprintf(message, sizeof message, "malformed request: %s", err.message);
        s_build_reply(worker, CB_STR(""), CB_E_BAD_REQUEST, message);
        return;
    }
    if (req.v != CB_PROTO_VERSION) {
        s_build_reply(worker, req.id, CB_E_BAD_REQUEST, "unsupported schema version");
        return;
    }
    if (CB_PROTO_HAS(&req, rpc_request, deadline_ms) && req.deadline_ms < cb_time_now_ms()) {
        s_build_reply(worker, req.id, CB_E_TIMEOUT, "deadline passed before the request ran");
        return;
    }
    if (CB_PROTO_HAS(&req, rpc_request, args) && req.args.len > 0 && req.args.ptr[0] != 0xc0) {
        cb_mp_reader_t r;
        cb_mp_reader_init(&r, req.args.ptr, req.args.len);
        if (cb_mp_peek(&r) != CB_MP_MAP) {
            s_build_reply(worker, req.id, CB_E_BAD_REQUEST, "args must be a map");
            return;
        }
    }
    if (cb_str_eq_cstr(req.op, "ping")) {
        s_ping(worker);
        s_build_reply(worker, req.id, 0, NULL);
        return;
    }
    char message[1024] = "";
    int rc = worker->handler != NULL
                 ? worker->handler(worker->ctx, &req, &worker->result_pk, message, sizeof message)
                 : CB_E_NOT_FOUND;
    if (rc == 0) {
        cb_mp_reader_t r;
        size_t used = 0;
        cb_mp_reader_init(&r, worker->result.data, worker->result.size);
        if (worker->result.size > 0 &&
            (cb_mp_skip(&r, NULL, &used) != 0 || used != worker->result.size)) {
            cb_log_error("rpc_handler_bad_result", "service=%s op=%.*s", worker->service,
                         (int) req.op.len, req.op.ptr);
            msgpack_sbuffer_clear(&worker->result);
            s_build_reply(worker, req.id, CB_E_INTERNAL, "handler produced a malformed result");
            return;
        }
        s_build_reply(worker, req.id, 0, NULL);
        return;
    }
    if (message[0] == '\0') {
        if (rc == CB_E_NOT_FOUND && worker->handler == NULL) {
            snprintf(message, sizeof message, "unknown op '%.*s'", (int) req.op.len, req.op.ptr);
        } else {
            snprintf(message, sizeof message, "%s", cb_strerror(rc));
        }
    }
    s_build_reply(worker, req.id, rc, message);
}

int
cb_rpc_worker_handle(cb_rpc_worker_t *worker, int timeout_ms)
{
    if (timeout_ms >= 0) {
        zmq_pollitem_t item = {worker->raw, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&item, 1, timeout_ms);
        if (n < 0) {
            return CB_E_IO;
        }
        if (n == 0) {
            return CB_E_TIMEOUT;
        }
    }
    zmq_msg_t frame;
    zmq_msg_init(&frame);
    if (zmq_msg_recv(&frame, worker->raw, timeout_ms >= 0 ? ZMQ_DONTWAIT : 0) < 0) {
        int e = zmq_errno();
        zmq_msg_close(&frame);
        return e == EAGAIN ? CB_E_TIMEOUT : CB_E_IO;
    }
    if (zmq_msg_more(&frame)) {
        /* One payload frame per request; drain the rest and refuse. */
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        while (zmq_msg_recv(&extra, worker->raw, 0) >= 0 && zmq_msg_more(&extra)) {
        }
        zmq_msg_close(&extra);
        msgpack_sbuffer_clear(&worker->result);
        s_build_reply(worker, CB_STR(""), CB_E_BAD_REQUEST,
                      "malformed request: expected exactly one payload frame");
    } else {
        s_dispatch(worker, zmq_msg_data(&frame), zmq_msg_size(&frame));
    }
    zmq_msg_close(&frame);
    worker->handled++;
    if (zmq_send(worker->raw, worker->reply.data, worker->reply.len, 0) < 0) {
        cb_log_warn("rpc_reply_failed", "service=%s error=\"%s\"", worker->service,
                    zmq_strerror(zmq_errno()));
        return CB_E_IO;
    }
    return 0;
}

int
cb_rpc_worker_run(cb_rpc_worker_t *worker, volatile sig_atomic_t *stop)
{
    while (!*stop) {
        int rc = cb_rpc_worker_handle(worker, 100);
        if (rc == CB_E_IO) {
            if (zmq_errno() == EINTR) {
                continue;
            }
            return rc;
        }
    }
    return 0;
}
