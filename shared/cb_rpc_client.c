/* cb_rpc_client.c - Lazy Pirate RPC client over a DEALER socket */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "cb_bus.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_rpc.h"
#include "cb_time.h"

struct cb_rpc_client {
    char endpoint[CB_BUS_ENDPOINT_MAX];
    zsock_t *sock;
    char client_id[17];
    uint64_t counter;
    cb_buf_t request;
    zmq_msg_t reply;
    bool has_reply;
    uint64_t stale;
};

static int
s_open(cb_rpc_client_t *client)
{
    client->sock = cb_bus_connect(ZMQ_DEALER, CB_BUS_ROLE_RPC_CLIENT, client->endpoint);
    return client->sock != NULL ? 0 : CB_E_IO;
}

cb_rpc_client_t *
cb_rpc_client_new(const char *endpoint)
{
    cb_rpc_client_t *client = calloc(1, sizeof *client);
    if (client == NULL) {
        return NULL;
    }
    snprintf(client->endpoint, sizeof client->endpoint, "%s", endpoint);
    if (s_open(client) != 0) {
        free(client);
        return NULL;
    }
    cb_bus_random_hex(client->client_id, 16);
    cb_buf_init(&client->request);
    return client;
}

static void
s_drop_reply(cb_rpc_client_t *client)
{
    if (client->has_reply) {
        zmq_msg_close(&client->reply);
        client->has_reply = false;
    }
}

void
cb_rpc_client_destroy(cb_rpc_client_t **client_p)
{
    if (client_p == NULL || *client_p == NULL) {
        return;
    }
    cb_rpc_client_t *client = *client_p;
    s_drop_reply(client);
    zsock_destroy(&client->sock);
    cb_buf_fini(&client->request);
    free(client);
    *client_p = NULL;
}

uint64_t
cb_rpc_client_stale_replies(const cb_rpc_client_t *client)
{
    return client->stale;
}

static int
s_send(cb_rpc_client_t *client)
{
    void *raw = zsock_resolve(client->sock);
    /* An empty delimiter frame first, as REQ would send, so that REP workers
     * (and any REQ-style peer) see a standard envelope. */
    if (zmq_send(raw, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(raw, client->request.data, client->request.len, ZMQ_DONTWAIT) < 0) {
        return CB_E_IO;
    }
    return 0;
}

int
cb_rpc_recv_reply(void *dealer, zmq_msg_t *reply)
{
    zmq_msg_t delimiter;
    zmq_msg_init(&delimiter);
    if (zmq_msg_recv(&delimiter, dealer, ZMQ_DONTWAIT) < 0) {
        int e = zmq_errno();
        zmq_msg_close(&delimiter);
        return e == EAGAIN ? CB_E_TIMEOUT : CB_E_IO;
    }
    bool good = zmq_msg_size(&delimiter) == 0;
    bool more = zmq_msg_more(&delimiter);
    zmq_msg_close(&delimiter);
    if (!more) {
        return CB_E_PARSE;
    }
    zmq_msg_init(reply);
    if (zmq_msg_recv(reply, dealer, 0) < 0) {
        zmq_msg_close(reply);
        return CB_E_IO;
    }
    if (zmq_msg_more(reply)) {
        /* Extra frames: drain them and reject the message. */
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        while (zmq_msg_recv(&extra, dealer, 0) >= 0 && zmq_msg_more(&extra)) {
        }
        zmq_msg_close(&extra);
        good = false;
    }
    if (!good) {
        zmq_msg_close(reply);
        return CB_E_PARSE;
    }
    return 0;
}

void
cb_rpc_result_fill(const cb_rpc_reply_t *reply, cb_rpc_result_t *out)
{
    out->ok = reply->ok;
    if (reply->ok) {
        static const uint8_t nil = 0xc0;
        if (CB_PROTO_HAS(reply, rpc_reply, result)) {
            out->result = reply->result;
        } else {
            out->result = (cb_raw_t){&nil, 1};
        }
        return;
    }
    cb_rpc_error_t error;
    cb_proto_err_t err;
    if (!CB_PROTO_HAS(reply, rpc_reply, error) ||
        cb_proto_decode(&cb_proto_schema_rpc_error, reply->error.ptr, reply->error.len, &error,
                        &err) != 0) {
        out->error = CB_E_INTERNAL;
        snprintf(out->error_message, sizeof out->error_message,
                 "error reply without a valid error object");
        return;
    }
    out->error = cb_error_from_wire(error.code.ptr, error.code.len);
    snprintf(out->error_message, sizeof out->error_message, "%.*s", (int) error.message.len,
             error.message.ptr);
}

int
cb_rpc_request_encode(const char *id, const char *op, const void *args, size_t args_len,
                      int64_t deadline_ms, cb_buf_t *out, cb_proto_err_t *err)
{
    cb_rpc_request_t req = {0};
    CB_PROTO_SET(&req, rpc_request, v, CB_PROTO_VERSION);
    CB_PROTO_SET(&req, rpc_request, id, cb_str_from(id));
    CB_PROTO_SET(&req, rpc_request, op, cb_str_from(op));
    CB_PROTO_SET(&req, rpc_request, deadline_ms, deadline_ms);
    if (args != NULL) {
        CB_PROTO_SET(&req, rpc_request, args, ((cb_raw_t){args, args_len}));
    }
    cb_buf_reset(out);
    return cb_proto_encode(&cb_proto_schema_rpc_request, &req, out, err);
}

int
cb_rpc_call(cb_rpc_client_t *client, const char *op, const void *args, size_t args_len,
            int timeout_ms, unsigned retries, cb_rpc_result_t *out)
{
    memset(out, 0, sizeof *out);
    if (op == NULL || !cb_proto_name_valid(op, strlen(op), 64) || timeout_ms <= 0 ||
        (args == NULL && args_len != 0)) {
        return CB_E_BAD_REQUEST;
    }
    s_drop_reply(client);

    char id[48];
    snprintf(id, sizeof id, "%s-%llu", client->client_id,
             (unsigned long long) ++client->counter);
    int64_t start = cb_time_mono_ns() / 1000000;
    int64_t total = (int64_t) timeout_ms * (int64_t) (retries + 1);

    cb_proto_err_t err;
    if (cb_rpc_request_encode(id, op, args, args_len, cb_time_now_ms() + total, &client->request,
                              &err) != 0) {
        cb_log_warn("rpc_encode_failed", "op=%s error=\"%s\"", op, err.message);
        return CB_E_BAD_REQUEST;
    }

    for (unsigned attempt = 0; attempt <= retries; attempt++) {
        if (attempt > 0) {
            /* Lazy Pirate: a fresh socket drops anything queued for a dead
             * peer and any late reply to the attempt we gave up on. */
            zsock_destroy(&client->sock);
            if (s_open(client) != 0) {
                return CB_E_IO;
            }
            cb_log_debug("rpc_retry", "op=%s id=%s attempt=%u", op, id, attempt + 1);
        }
        out->attempts = attempt + 1;
        if (s_send(client) != 0) {
            /* Queue full or no peer yet: wait out this attempt's time. */
            cb_log_debug("rpc_send_blocked", "op=%s", op);
        }
        int64_t attempt_end = start + (int64_t) timeout_ms * (int64_t) (attempt + 1);
        for (;;) {
            int64_t now = cb_time_mono_ns() / 1000000;
            if (now >= attempt_end) {
                break;
            }
            zmq_pollitem_t item = {zsock_resolve(client->sock), 0, ZMQ_POLLIN, 0};
            int n = zmq_poll(&item, 1, (long) (attempt_end - now));
            if (n < 0) {
                return CB_E_IO;
            }
            if (n == 0) {
                break;
            }
            s_drop_reply(client);
            if (cb_rpc_recv_reply(zsock_resolve(client->sock), &client->reply) != 0) {
                client->stale++;
                continue;
            }
            client->has_reply = true;
            cb_rpc_reply_t reply;
            if (cb_proto_decode(&cb_proto_schema_rpc_reply, zmq_msg_data(&client->reply),
                                zmq_msg_size(&client->reply), &reply, &err) != 0 ||
                !cb_str_eq_cstr(reply.id, id)) {
                client->stale++;
                continue;
            }
            cb_rpc_result_fill(&reply, out);
            out->reply = (cb_raw_t){zmq_msg_data(&client->reply), zmq_msg_size(&client->reply)};
            return 0;
        }
    }
    return CB_E_TIMEOUT;
}
