/* acct_args.c - the account ops' RPC arguments (a msgpack map), with messages that name the argument */
#include "acct_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_mp.h"
#include "cb_proto.h"

/* Leaves r at key's value: 0, CB_E_NOT_FOUND or CB_E_BAD_REQUEST. */
static int
s_seek(const cb_rpc_request_t *req, const char *key, cb_mp_reader_t *r, char *msg,
       size_t msg_size)
{
    if (!CB_PROTO_HAS(req, rpc_request, args) || req->args.len == 0) {
        return CB_E_NOT_FOUND;
    }
    cb_mp_reader_init(r, req->args.ptr, req->args.len);
    uint32_t count;
    if (cb_mp_peek(r) == CB_MP_NIL) {
        return CB_E_NOT_FOUND;
    }
    if (cb_mp_read_map(r, &count) != 0) {
        snprintf(msg, msg_size, "args must be a map");
        return CB_E_BAD_REQUEST;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *k;
        size_t kl;
        if (cb_mp_read_str(r, &k, &kl) != 0) {
            snprintf(msg, msg_size, "args must have string keys");
            return CB_E_BAD_REQUEST;
        }
        if (kl == strlen(key) && memcmp(k, key, kl) == 0) {
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
acct_args_str(const cb_rpc_request_t *req, const char *key, char *out, size_t cap, char *msg,
              size_t msg_size)
{
    cb_mp_reader_t r;
    int rc = s_seek(req, key, &r, msg, msg_size);
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

int
acct_args_int(const cb_rpc_request_t *req, const char *key, int64_t *out, char *msg,
              size_t msg_size)
{
    cb_mp_reader_t r;
    int rc = s_seek(req, key, &r, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    cb_mp_type_t type = cb_mp_peek(&r);
    if (type == CB_MP_INT || type == CB_MP_UINT) {
        if (cb_mp_read_int(&r, out) == 0) {
            return 0;
        }
        snprintf(msg, msg_size, "args.%s is out of range", key);
        return CB_E_BAD_REQUEST;
    }
    const char *s;
    size_t len;
    char text[24];
    char *end = NULL;
    if (cb_mp_read_str(&r, &s, &len) == 0 && len > 0 && len < sizeof text) {
        memcpy(text, s, len);
        text[len] = '\0';
        long long v = strtoll(text, &end, 10);
        if (end != text && *end == '\0') {
            *out = v;
            return 0;
        }
    }
    snprintf(msg, msg_size, "args.%s must be an integer", key);
    return CB_E_BAD_REQUEST;
}
