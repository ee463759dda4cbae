/* cb_proto_impl.h - what cb_proto.c (decoders) and cb_proto_encode.c (encoders) share */
#ifndef CB_PROTO_IMPL_H_INCLUDED
#define CB_PROTO_IMPL_H_INCLUDED

#include "cb_proto.h"

/* Fills err (when not NULL) with the printf-formatted message and returns
 * CB_E_BAD_REQUEST, so that a failing check is one `return` line. */
int
cb_proto_fail(cb_proto_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
