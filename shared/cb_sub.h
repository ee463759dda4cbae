/* cb_sub.h - event subscriber: prefix subscriptions, decoding, gap detection per topic */
#ifndef CB_SUB_H_INCLUDED
#define CB_SUB_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zmq.h>

#include "cb_proto.h"
#include "cb_topic.h"

typedef struct cb_sub cb_sub_t;

/* One received message. topic and payload live in the zmq messages held
 * here; ev's strings point into payload. Valid until cb_sub_msg_clear, which
 * must be called before the struct is reused or dropped. */
typedef struct {
    zmq_msg_t topic_frame;
    zmq_msg_t payload_frame;
    const char *topic;
    size_t topic_len;
    const uint8_t *payload;
    size_t payload_len;
    cb_event_t ev;      /* filled by cb_sub_recv, not by cb_sub_recv_raw */
    uint64_t missed;    /* seq numbers skipped on this topic just before it */
    bool has_frames;
} cb_sub_msg_t;

typedef struct {
    uint64_t received;  /* well-formed messages */
    uint64_t malformed; /* wrong frame count, bad topic, undecodable payload */
    uint64_t gaps;      /* times a topic skipped ahead */
    uint64_t missed;    /* seq numbers skipped in total */
    uint64_t stale;     /* seq at or below one already seen (duplicate/replay) */
    uint64_t epochs;    /* (topic, epoch) pairs seen: publisher restarts show here */
} cb_sub_stats_t;

/* Creates a SUB socket connected to endpoint (the bus's XPUB port), with no
 * subscriptions yet. NULL on failure (logged). One thread only. */
cb_sub_t *
cb_sub_new(const char *endpoint);

/* NULL-safe; nulls *sub_p. */
void
cb_sub_destroy(cb_sub_t **sub_p);

/* ZeroMQ prefix subscriptions: "tick.BTC-USD." gets every venue's BTC-USD
 * ticks, "" gets everything. 0 or CB_E_IO. */
int
cb_sub_subscribe(cb_sub_t *sub, const char *prefix);
/* Ends a subscription and forgets the sequence numbers of the topics under
 * prefix, so that subscribing again later counts no gap for what was
 * published meanwhile. 0 or CB_E_IO. */
int
cb_sub_unsubscribe(cb_sub_t *sub, const char *prefix);

/* Waits up to timeout_ms (-1: forever) for one message, decodes it against
 * the schema its topic names, checks that the body's symbol and venue match
 * the topic, and tracks seq per (topic, epoch): msg->missed tells how many
 * messages of that topic were lost just before this one. Returns 0,
 * CB_E_TIMEOUT, CB_E_BAD_REQUEST for a malformed message (counted; msg holds
 * its frames for inspection; clear it), or CB_E_IO (interrupted or closed). */
int
cb_sub_recv(cb_sub_t *sub, int timeout_ms, cb_sub_msg_t *msg);

/* Like cb_sub_recv but without decoding or seq tracking: topic and payload
 * only, for tools that print any message. Multi-frame checks still apply. */
int
cb_sub_recv_raw(cb_sub_t *sub, int timeout_ms, cb_sub_msg_t *msg);

void
cb_sub_msg_clear(cb_sub_msg_t *msg);

/* Counters since creation. */
cb_sub_stats_t
cb_sub_stats(const cb_sub_t *sub);

/* The raw libzmq socket, for zmq_poll / zloop integration (readable = a
 * message may be waiting). */
void *
cb_sub_socket(cb_sub_t *sub);

#endif
