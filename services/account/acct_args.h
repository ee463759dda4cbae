/* acct_args.h - the account ops' RPC arguments (a msgpack map), with messages that name the argument */
#ifndef ACCT_ARGS_H_INCLUDED
#define ACCT_ARGS_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "cb_rpc.h"

/* Each reader returns 0 when key is present and valid, CB_E_NOT_FOUND when
 * absent or nil, CB_E_BAD_REQUEST (msg filled) when args is not a map or the
 * value has the wrong type. Strings: cb_rpc_args_str. */

/* An integer (msgpack int, or a string of digits with an optional '-'). */
int
acct_args_int(const cb_rpc_request_t *req, const char *key, int64_t *out, char *msg,
              size_t msg_size);

#endif
