/* cb_rpc_args.c - reading an RPC request's arguments (a msgpack map) with error messages that name the argument */
#include "cb_rpc_args.h"

#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_proto.h"

int
cb_rpc_args_seek(const cb_rpc_request_t *req, const char *key, cb_mp_reader_t *r, char *msg,
                 size_t msg_size)
{
    if (!CB_PROTO_HAS(req, rpc_request, args) || req->args.len == 0) {
        return CB_E_NOT_FOUND;
    }
    cb_mp_reader_init(r, req->args.ptr, req->args.len);
    if (cb_mp_peek(r) == CB_MP_NIL) {
        return CB_E_NOT_FOUND;
    }
    uint32_t count;
    if (cb_mp_read_map(r, &count) != 0) {
        snprintf(msg, msg_size, "args must be a map");
        return CB_E_BAD_REQUEST;
    }
    size_t key_len = strlen(key);
    for (uint32_t i = 0; i < count; i++) {
        const char *k;
        size_t kl;
        if (cb_mp_read_str(r, &k, &kl) != 0) {
            snprintf(msg, msg_size, "args must be a map with string keys");
            return CB_E_BAD_REQUEST;
        }
        if (kl == key_len && memcmp(k, key, kl) == 0) {
            return cb_mp_peek(r) == CB_MP_NIL ? CB_E_NOT_FOUND : 0;
        }
        if (cb_mp_skip(r, NULL, NULL) != 0) {
            snprintf(msg, msg_size, "args is not valid msgpack");
            return CB_E_BAD_REQUEST;
        }
    }
    return CB_E_NOT_FOUND;
}

int
cb_rpc_args_str(const cb_rpc_request_t *req, const char *key, char *out, size_t cap, char *msg,
                size_t msg_size)
{
    cb_mp_reader_t r;
    int rc = cb_rpc_args_seek(req, key, &r, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    const char *s;
    size_t len;
    if (cb_mp_read_str(&r, &s, &len) != 0 || len >= cap || memchr(s, '\0', len) != NULL) {
        snprintf(msg, msg_size, "args.%s must be a string of at most %zu bytes", key, cap - 1);
        return CB_E_BAD_REQUEST;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}
