/* acct_args.c - the account ops' RPC arguments (a msgpack map), with messages that name the argument */
#include "acct_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_mp.h"
#include "cb_proto.h"
#include "cb_rpc_args.h"

int
acct_args_int(const cb_rpc_request_t *req, const char *key, int64_t *out, char *msg,
              size_t msg_size)
{
    cb_mp_reader_t r;
    int rc = cb_rpc_args_seek(req, key, &r, msg, msg_size);
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
