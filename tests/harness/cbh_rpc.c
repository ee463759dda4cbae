/* cbh_rpc.c - test harness: RPC calls whose args are "key=value" strings or JSON text, and reading fields of their results */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <msgpack.h>

#include "cb_buf.h"
#include "cb_error.h"
#include "cb_json.h"
#include "cb_mp.h"
#include "cbh_rpc.h"

/* cbh_rpc_try_callv; *replied: a reply came. */
static int
s_callv(cb_rpc_client_t *client, const char *op, cb_rpc_result_t *res, va_list ap, bool *replied)
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
        size_t klen = eq != NULL ? (size_t) (eq - kv[i]) : strlen(kv[i]);
        const char *value = eq != NULL ? eq + 1 : "";
        msgpack_pack_str_with_body(&pk, kv[i], klen);
        if (strcmp(value, "true") == 0) {
            msgpack_pack_true(&pk);
        } else {
            msgpack_pack_str_with_body(&pk, value, strlen(value));
        }
    }
    int rc = cb_rpc_call(client, op, sb.data, sb.size, 15000, 0, res);
    msgpack_sbuffer_destroy(&sb);
    *replied = rc == 0;
    if (rc != 0) {
        res->ok = false;
        res->error = rc;
        snprintf(res->error_message, sizeof res->error_message, "no reply: %s", cb_strerror(rc));
        return rc;
    }
    return res->ok ? 0 : res->error;
}

int
cbh_rpc_try_callv(cb_rpc_client_t *client, const char *op, cb_rpc_result_t *res, va_list ap)
{
    bool replied;
    return s_callv(client, op, res, ap, &replied);
}

int
cbh_rpc_try_call(cb_rpc_client_t *client, const char *op, cb_rpc_result_t *res, ...)
{
    va_list ap;
    va_start(ap, res);
    int rc = cbh_rpc_try_callv(client, op, res, ap);
    va_end(ap);
    return rc;
}

int
cbh_rpc_callv(cb_rpc_client_t *client, const char *op, cb_rpc_result_t *res, va_list ap)
{
    bool replied;
    int rc = s_callv(client, op, res, ap, &replied);
    if (!replied) {
        fail_msg("%s: %s", op, res->error_message);
    }
    return rc;
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

/* The string at key of a msgpack map into out ("" when absent or malformed). */
static const char *
s_field(const void *map, size_t len, const char *key, char *out, size_t size)
{
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
        if (cb_mp_read_str(&r, &k, &kl) != 0) {
            return out;
        }
        if (kl == strlen(key) && memcmp(k, key, kl) == 0 && cb_mp_peek(&r) == CB_MP_STR) {
            if (cb_mp_read_str(&r, &v, &vl) == 0) {
                snprintf(out, size, "%.*s", (int) vl, v);
            }
            return out;
        }
        bool flag;
        if (kl == strlen(key) && memcmp(k, key, kl) == 0 && cb_mp_peek(&r) == CB_MP_BOOL) {
            if (cb_mp_read_bool(&r, &flag) == 0) {
                snprintf(out, size, "%s", flag ? "true" : "false");
            }
            return out;
        }
        if (cb_mp_skip(&r, NULL, NULL) != 0) {
            return out;
        }
    }
    return out;
}

const char *
cbh_rpc_field_copy(const cb_rpc_result_t *res, const char *key, char *out, size_t size)
{
    return s_field(res->result.ptr, res->result.len, key, out, size);
}

const char *
cbh_rpc_field_in(const void *map, size_t len, const char *key)
{
    static char out[256];
    return s_field(map, len, key, out, sizeof out);
}

const char *
cbh_rpc_field(const cb_rpc_result_t *res, const char *key)
{
    return cbh_rpc_field_in(res->result.ptr, res->result.len, key);
}

const char *
cbh_rpc_json(cb_rpc_client_t *client, const char *op, const char *args_json, int timeout_ms,
             bool *ok, int *error)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char err[256];
    if (cb_json_to_msgpack(args_json, strlen(args_json), &pk, err, sizeof err) != 0) {
        msgpack_sbuffer_destroy(&sb);
        fail_msg("%s: args are not JSON (%s): %s", op, err, args_json);
    }
    cb_rpc_result_t res;
    int rc = cb_rpc_call(client, op, sb.data, sb.size, timeout_ms, 0, &res);
    msgpack_sbuffer_destroy(&sb);
    if (rc != 0) {
        fail_msg("%s %s: no answer within %d ms (%s)", op, args_json, timeout_ms, cb_strerror(rc));
    }
    *ok = res.ok;
    *error = res.error;
    static char text[1 << 20];
    if (!res.ok) {
        snprintf(text, sizeof text, "%s", res.error_message);
        return text;
    }
    cb_buf_t out;
    cb_buf_init(&out);
    assert_int_equal(cb_json_from_msgpack((const char *) res.result.ptr, res.result.len, &out), 0);
    snprintf(text, sizeof text, "%.*s", (int) out.len, out.data);
    cb_buf_fini(&out);
    return text;
}

const char *
cbh_rpc_json_ok(cb_rpc_client_t *client, const char *op, const char *args_json, int timeout_ms)
{
    bool ok;
    int error;
    const char *text = cbh_rpc_json(client, op, args_json, timeout_ms, &ok, &error);
    if (!ok) {
        fail_msg("%s %s: error %d %s", op, args_json, error, text);
    }
    return text;
}

void
cbh_rpc_json_error(cb_rpc_client_t *client, const char *op, const char *args_json, int timeout_ms,
                   int code, const char *needle)
{
    bool ok;
    int error;
    const char *text = cbh_rpc_json(client, op, args_json, timeout_ms, &ok, &error);
    if (ok || error != code || (needle != NULL && strstr(text, needle) == NULL)) {
        fail_msg("%s %s: want error %d with '%s', got ok=%d error=%d '%s'", op, args_json, code,
                 needle != NULL ? needle : "", ok, error, text);
    }
}
