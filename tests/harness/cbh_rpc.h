/* cbh_rpc.h - test harness: RPC calls whose args are "key=value" strings, and reading fields of their results */
#ifndef CBH_RPC_H_INCLUDED
#define CBH_RPC_H_INCLUDED

#include <stdarg.h>

#include "cb_rpc.h"

/* Calls op on client with a map built from the "key=value" strings of ap
 * (NULL-terminated, at most 24; the value "true" is a boolean), waiting up to
 * 15 s. Fails the test when no reply came. Returns 0 or the error code. */
int
cbh_rpc_callv(cb_rpc_client_t *client, const char *op, cb_rpc_result_t *res, va_list ap);

/* The same with the strings as arguments. */
int
cbh_rpc_call(cb_rpc_client_t *client, const char *op, cb_rpc_result_t *res, ...);

/* The string at key of the result map, or "" (a static buffer, overwritten by the next call). */
const char *
cbh_rpc_field(const cb_rpc_result_t *res, const char *key);

/* The same in a map given as msgpack bytes. */
const char *
cbh_rpc_field_in(const void *map, size_t len, const char *key);

#endif
