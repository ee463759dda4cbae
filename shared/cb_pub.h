/* cb_pub.h - event publisher: stamps v/ts/epoch/seq, encodes, sends topic + payload */
#ifndef CB_PUB_H_INCLUDED
#define CB_PUB_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#include "cb_proto.h"

typedef struct cb_pub cb_pub_t;

/* Creates a PUB socket connected to endpoint (the bus's XSUB port) with a new
 * random epoch. Returns NULL on failure (logged). Not thread-safe: one
 * publisher per thread. */
cb_pub_t *
cb_pub_new(const char *endpoint);

/* Closes the socket (lingering up to 1 s for queued messages) and frees the
 * publisher; NULL-safe, nulls *pub_p. */
void
cb_pub_destroy(cb_pub_t **pub_p);

/* Publishes ev on "<kind>.<symbol>.<venue>" (circuit: "circuit.ALL.<venue>").
 * Overwrites ev->env with v, ts = now, this publisher's epoch and the next seq
 * of that topic (1, 2, 3, ...). ev's strings must stay valid during the call
 * only. Returns 0, CB_E_BAD_REQUEST (invalid message, err filled; nothing is
 * sent and no seq is used) or CB_E_IO (the socket refused; logged). */
int
cb_pub_send(cb_pub_t *pub, cb_event_t *ev, cb_proto_err_t *err);

/* Sends a pre-encoded payload on topic as is (no stamping, no checks): for
 * benchmarks and tools. Returns 0 or CB_E_IO. */
int
cb_pub_send_raw(cb_pub_t *pub, const char *topic, size_t topic_len, const void *data,
                size_t len);

/* This publisher's epoch (16 hex characters). */
const char *
cb_pub_epoch(const cb_pub_t *pub);

/* Messages sent so far. */
uint64_t
cb_pub_sent(const cb_pub_t *pub);

#endif
