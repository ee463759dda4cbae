/* cb_rpc_args.h - reading an RPC request's arguments (a msgpack map) with error messages that name the argument */
#ifndef CB_RPC_ARGS_H_INCLUDED
#define CB_RPC_ARGS_H_INCLUDED

#include <stddef.h>

#include "cb_mp.h"
#include "cb_rpc.h"

/* Each reader returns 0 when key is present and valid, CB_E_NOT_FOUND when
 * it is absent or nil (args absent or nil too), and CB_E_BAD_REQUEST with
 * one line in msg when args is not a map with string keys, is not valid
 * msgpack, or the value has the wrong type. Nothing is allocated. */

/* Leaves r (initialised here, reading req->args) at key's value. */
int
cb_rpc_args_seek(const cb_rpc_request_t *req, const char *key, cb_mp_reader_t *r, char *msg,
                 size_t msg_size);

/* A string of at most cap - 1 bytes with no NUL inside, copied NUL-terminated. */
int
cb_rpc_args_str(const cb_rpc_request_t *req, const char *key, char *out, size_t cap, char *msg,
                size_t msg_size);

#endif
