/* cb_rpc.h - req/rep over the bus: Lazy Pirate client with deadlines, and the worker loop */
#ifndef CB_RPC_H_INCLUDED
#define CB_RPC_H_INCLUDED

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>
#include <zmq.h>

#include "cb_buf.h"
#include "cb_proto.h"

/* ---- client -------------------------------------------------------------- */

typedef struct cb_rpc_client cb_rpc_client_t;

/* The outcome of a call that got a reply. result/id point into the client's
 * reply buffer: valid until the next call on the client or its destruction. */
typedef struct {
    bool ok;
    cb_raw_t result;         /* ok: the result value (nil when the worker sent none) */
    int error;               /* !ok: the CB_E_* code of the wire error code */
    char error_message[1024];/* !ok: the worker's message (NUL-terminated) */
    unsigned attempts;       /* sends it took (1 = no retry) */
    cb_raw_t reply;          /* the whole reply message (msgpack map) */
} cb_rpc_result_t;

/* Creates a client for the service whose bus frontend is endpoint. Nothing is
 * sent yet. NULL on failure (logged). One thread only. */
cb_rpc_client_t *
cb_rpc_client_new(const char *endpoint);

/* NULL-safe; nulls *client_p. */
void
cb_rpc_client_destroy(cb_rpc_client_t **client_p);

/* Calls op with args (the msgpack bytes of one value, normally a map; NULL /
 * 0 for none) and waits up to timeout_ms for the reply. When no reply comes
 * in time it retries (Lazy Pirate: close the socket, open a new one, send the
 * same request id again) up to retries more times, all within one deadline
 * of timeout_ms * (retries + 1), which travels in the request as deadline_ms.
 * Replies to earlier attempts or other ids are dropped, so each call returns
 * at most one reply. Returns 0 when a reply arrived (see out->ok),
 * CB_E_TIMEOUT when none did, CB_E_BAD_REQUEST for bad arguments, CB_E_IO. */
int
cb_rpc_call(cb_rpc_client_t *client, const char *op, const void *args, size_t args_len,
            int timeout_ms, unsigned retries, cb_rpc_result_t *out);

/* Replies dropped because their id did not match the call in progress. */
uint64_t
cb_rpc_client_stale_replies(const cb_rpc_client_t *client);

/* ---- parts of a client, shared by cb_rpc_call and asynchronous callers ---- */

/* Writes the request {v, id, op, args, deadline_ms} into out (reset first).
 * args: the msgpack bytes of one value, or NULL / 0 for none. Returns 0 or
 * CB_E_BAD_REQUEST (err filled; err may be NULL). */
int
cb_rpc_request_encode(const char *id, const char *op, const void *args, size_t args_len,
                      int64_t deadline_ms, cb_buf_t *out, cb_proto_err_t *err);

/* Takes one reply off a DEALER socket without waiting. 0: reply (initialised
 * here; the caller closes it) holds the map of a well-formed [empty, map]
 * message. CB_E_TIMEOUT: nothing waiting (reply untouched). CB_E_PARSE: a
 * message with another frame layout was taken and dropped. CB_E_IO. */
int
cb_rpc_recv_reply(void *dealer, zmq_msg_t *reply);

/* Fills ok and result, or error and error_message (from the wire code),
 * of out from a decoded reply; result points into the reply's buffer. The
 * other members of out are left alone. */
void
cb_rpc_result_fill(const cb_rpc_reply_t *reply, cb_rpc_result_t *out);

/* ---- worker -------------------------------------------------------------- */

/* A handler answers one request: on success it packs exactly one value (the
 * result) into pk and returns 0; on failure it returns a negative CB_E_* code
 * and may write a client-safe message into msg (NUL-terminated, msg_size
 * bytes). Whatever it packed is then discarded. */
typedef int (*cb_rpc_handler_fn)(void *ctx, const cb_rpc_request_t *req, msgpack_packer *pk,
                                 char *msg, size_t msg_size);

typedef struct cb_rpc_worker cb_rpc_worker_t;

/* Creates a worker of service (its name, used by the built-in "ping") whose
 * REP socket connects to endpoint, the service's bus backend. handler and ctx
 * stay the caller's. NULL on failure (logged). */
cb_rpc_worker_t *
cb_rpc_worker_new(const char *endpoint, const char *service, cb_rpc_handler_fn handler,
                  void *ctx);

/* NULL-safe; nulls *worker_p. */
void
cb_rpc_worker_destroy(cb_rpc_worker_t **worker_p);

/* Answers one request if one is waiting within timeout_ms (-1: wait; 0: do
 * not wait). Malformed requests get a bad_request reply (the REP socket must
 * always answer). "ping" is answered here, without the handler, with
 * {service, pid, version, handled}.
 * Requests whose deadline_ms has passed get a timeout reply without running
 * the handler. Returns 0 after answering, CB_E_TIMEOUT when nothing came,
 * CB_E_IO when the socket failed or was interrupted. */
int
cb_rpc_worker_handle(cb_rpc_worker_t *worker, int timeout_ms);

/* Handles requests until *stop becomes non-zero (checked every 100 ms).
 * Returns 0 on stop, CB_E_IO on a socket failure other than EINTR. */
int
cb_rpc_worker_run(cb_rpc_worker_t *worker, volatile sig_atomic_t *stop);

/* Requests answered so far (every reply, including errors). */
uint64_t
cb_rpc_worker_handled(const cb_rpc_worker_t *worker);

/* The raw libzmq REP socket, for zmq_poll integration. */
void *
cb_rpc_worker_socket(cb_rpc_worker_t *worker);

#endif
