/* cbh_rpc.h - test harness: RPC calls whose args are "key=value" strings or JSON text, and reading fields of their results */
#ifndef CBH_RPC_H_INCLUDED
#define CBH_RPC_H_INCLUDED

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "cb_rpc.h"

/* Calls op on client with a map built from the "key=value" strings of ap
 * (NULL-terminated, at most 24; the value "true" is a boolean), waiting up to
 * 15 s. Returns 0 or the error code; when no reply came, the transport's
 * code, also in res (res->error_message says why). Never fails a cmocka test
 * itself: usable from threads. */
int
cbh_rpc_try_callv(cb_rpc_client_t *client, const char *op, cb_rpc_result_t *res, va_list ap);

/* The same with the strings as arguments. */
int
cbh_rpc_try_call(cb_rpc_client_t *client, const char *op, cb_rpc_result_t *res, ...);

/* cbh_rpc_try_callv that fails the test when no reply came. */
int
cbh_rpc_callv(cb_rpc_client_t *client, const char *op, cb_rpc_result_t *res, va_list ap);

/* The same with the strings as arguments. */
int
cbh_rpc_call(cb_rpc_client_t *client, const char *op, cb_rpc_result_t *res, ...);

/* The string at key of the result map into out, or a boolean as "true" /
 * "false" ("" when absent, of another type or the map is malformed);
 * returns out. Thread-safe. */
const char *
cbh_rpc_field_copy(const cb_rpc_result_t *res, const char *key, char *out, size_t size);

/* As cbh_rpc_field_copy, into a static buffer (overwritten by the next call). */
const char *
cbh_rpc_field(const cb_rpc_result_t *res, const char *key);

/* The same in a map given as msgpack bytes. */
const char *
cbh_rpc_field_in(const void *map, size_t len, const char *key);

/* ---- args and results as JSON text --------------------------------------- */

/* Calls op on client with args_json (a JSON object), waiting up to
 * timeout_ms; fails the test when args_json is not JSON or no reply came.
 * Returns the result (ok) or the error message as JSON text in a static
 * buffer (overwritten by the next call); *ok and *error say which. */
const char *
cbh_rpc_json(cb_rpc_client_t *client, const char *op, const char *args_json, int timeout_ms,
             bool *ok, int *error);

/* cbh_rpc_json that must succeed (fails the test otherwise): the result. */
const char *
cbh_rpc_json_ok(cb_rpc_client_t *client, const char *op, const char *args_json, int timeout_ms);

/* cbh_rpc_json that must fail with code, its message holding needle (NULL:
 * any message); fails the test otherwise. */
void
cbh_rpc_json_error(cb_rpc_client_t *client, const char *op, const char *args_json, int timeout_ms,
                   int code, const char *needle);

#endif
