/* cbh_rpc.c - test harness: RPC calls whose args are "key=value" strings, and reading fields of their results */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <msgpack.h>

#include "cb_mp.h"
#include "cbh_rpc.h"

int
cbh_rpc_callv(cb_rpc_client_t *client, const char *op, cb_rpc_result_t *res, va_list ap)
{
    const char *kv[24];
    size_t n = 0;
    for (const char *s = va_arg(ap, const char *); s != NULL && n < 24;
         s = va_arg(ap, const char *)) {
        kv[n++] = s;
    }
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, (uint32_t) n);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(kv[i], '=');
        msgpack_pack_str_with_body(&pk, kv[i], (size_t) (eq - kv[i]));
        if (strcmp(eq + 1, "true") == 0) {
            msgpack_pack_true(&pk);
        } else {
            msgpack_pack_str_with_body(&pk, eq + 1, strlen(eq + 1));
        }
    }
    int rc = cb_rpc_call(client, op, sb.data, sb.size, 15000, 0, res);
    msgpack_sbuffer_destroy(&sb);
    assert_int_equal(rc, 0);
    return res->ok ? 0 : res->error;
}

int
cbh_rpc_call(cb_rpc_client_t *client, const char *op, cb_rpc_result_t *res, ...)
{
    va_list ap;
    va_start(ap, res);
    int rc = cbh_rpc_callv(client, op, res, ap);
    va_end(ap);
    return rc;
}

const char *
cbh_rpc_field_in(const void *map, size_t len, const char *key)
{
    static char out[256];
    out[0] = '\0';
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, map, len);
    uint32_t n;
    if (cb_mp_read_map(&r, &n) != 0) {
        return out;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k, *v;
        size_t kl, vl;
        assert_int_equal(cb_mp_read_str(&r, &k, &kl), 0);
        if (kl == strlen(key) && memcmp(k, key, kl) == 0 && cb_mp_peek(&r) == CB_MP_STR) {
            assert_int_equal(cb_mp_read_str(&r, &v, &vl), 0);
            snprintf(out, sizeof out, "%.*s", (int) vl, v);
            return out;
        }
        assert_int_equal(cb_mp_skip(&r, NULL, NULL), 0);
    }
    return out;
}

const char *
cbh_rpc_field(const cb_rpc_result_t *res, const char *key)
{
    return cbh_rpc_field_in(res->result.ptr, res->result.len, key);
}
