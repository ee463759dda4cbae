/* feed_rpc_impl.h - what the market RPC's files share: reply packing, store errors, the cross-venue ops (internal to feed_rpc) */
#ifndef FEED_RPC_IMPL_H_INCLUDED
#define FEED_RPC_IMPL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#include "cb_decimal.h"
#include "cb_rpc.h"
#include "feed_rpc.h"

/* Venues one request reads at most, and the largest limit / depth asked. */
#define FEED_RPC_VENUES CB_VENUES_MAX
#define FEED_RPC_LIMIT_MAX 1000u

/* msgpack writers of reply values: a C string, a view, an exact decimal
 * (canonical text), and key/value pairs of those and of an int64. */
void
feed_rpc_pack_str(msgpack_packer *pk, const char *s);
void
feed_rpc_pack_view(msgpack_packer *pk, cb_str_t s);
void
feed_rpc_pack_dec(msgpack_packer *pk, cb_decimal_t d);
void
feed_rpc_pack_kv_str(msgpack_packer *pk, const char *key, const char *value);
void
feed_rpc_pack_kv_dec(msgpack_packer *pk, const char *key, cb_decimal_t value);
void
feed_rpc_pack_kv_int(msgpack_packer *pk, const char *key, int64_t value);

/* Maps feed_store error rc, met reading what ("instrument list"), to the
 * reply's code, with a client-safe message into msg. */
int
feed_rpc_store_error(int rc, const char *what, char *msg, size_t msg_size);

/* True when rc means Redis could not be reached in time. */
bool
feed_rpc_store_down(int rc);

/* rpc->stale_ns, or its default (10 s) when 0. */
int64_t
feed_rpc_stale_ns(const feed_rpc_t *rpc);

/* One venue's listing of the requested symbol. */
typedef struct {
    char venue[CB_VENUE_NAME_MAX + 1];
    char dialect[16];
    cb_instrument_t ins;
} feed_rpc_listing_t;

/* The venues listing symbol into out[0..*n) (FEED_RPC_VENUES): venue alone
 * when given (an unknown venue is not_found), else every venue with an
 * instrument list (a venue whose list is invalid is passed over). not_found
 * when none lists it; a reply code and msg on error. */
int
feed_rpc_listings(feed_rpc_t *rpc, const char *symbol, const char *venue,
                  feed_rpc_listing_t *out, size_t *n, char *msg, size_t msg_size);

/* The cross-venue ops (feed_rpc_quote.c), as described in feed_rpc.h; each a
 * cb_rpc_handler_fn body. */
int
feed_rpc_op_price(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                  size_t msg_size);
int
feed_rpc_op_compare(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                    size_t msg_size);
int
feed_rpc_op_best(feed_rpc_t *rpc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                 size_t msg_size);

#endif
