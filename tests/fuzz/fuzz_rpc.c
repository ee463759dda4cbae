/* fuzz_rpc.c - libFuzzer: RPC request, reply and error decoders */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_mp.h"
#include "cb_proto.h"

static void
s_round_trip(const cb_proto_schema_t *schema, void *msg, void *again)
{
    cb_buf_t sb;
    cb_buf_init(&sb);
    if (cb_proto_encode(schema, msg, &sb, NULL) != 0 ||
        cb_proto_decode(schema, sb.data, sb.len, again, NULL) != 0) {
        abort();
    }
    cb_proto_clear(schema, again);
    cb_buf_fini(&sb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cb_rpc_request_t req;
    cb_rpc_request_t req2;
    if (cb_proto_decode(&cb_proto_schema_rpc_request, data, size, &req, NULL) == 0) {
        s_round_trip(&cb_proto_schema_rpc_request, &req, &req2);
    }
    cb_rpc_reply_t rep;
    cb_rpc_reply_t rep2;
    if (cb_proto_decode(&cb_proto_schema_rpc_reply, data, size, &rep, NULL) == 0) {
        s_round_trip(&cb_proto_schema_rpc_reply, &rep, &rep2);
        if (CB_PROTO_HAS(&rep, rpc_reply, error)) {
            cb_rpc_error_t e;
            cb_proto_decode(&cb_proto_schema_rpc_error, rep.error.ptr, rep.error.len, &e, NULL);
        }
    }
    cb_rpc_error_t e;
    cb_rpc_error_t e2;
    if (cb_proto_decode(&cb_proto_schema_rpc_error, data, size, &e, NULL) == 0) {
        s_round_trip(&cb_proto_schema_rpc_error, &e, &e2);
    }
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, data, size);
    while (cb_mp_skip(&r, NULL, NULL) == 0) {
    }
    return 0;
}
