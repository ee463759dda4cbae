/* cb_wsd.h - server-side WebSocket connections on upgraded cb_httpd sockets: wslay reads frames, a bounded queue of shared frames goes out */
#ifndef CB_WSD_H_INCLUDED
#define CB_WSD_H_INCLUDED

/* Ownership: a cb_wsd_msg_t is reference-counted and immutable once built,
 * so one frame fans out to any number of connections. A cb_wsd_conn_t is
 * calloc'ed by the service, which links it into its own lists and hands it
 * to cb_wsd_conn_free (which frees it) once it is dead. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_httpd.h"

typedef struct cb_wsd_msg cb_wsd_msg_t;

#define CB_WSD_TEXT 0x1
#define CB_WSD_PING 0x9

/* A frame (unmasked, as a server sends) holding a copy of len bytes of
 * payload, with one reference. NULL when out of memory. */
cb_wsd_msg_t *
cb_wsd_msg_new(const void *payload, size_t len, int opcode);

/* The text frame of a cb_buf's bytes. */
cb_wsd_msg_t *
cb_wsd_msg_from_buf(const cb_buf_t *buf);

void
cb_wsd_msg_ref(cb_wsd_msg_t *msg);

/* Drops a reference (NULL-safe); the last one frees the frame. */
void
cb_wsd_msg_unref(cb_wsd_msg_t *msg);

/* The payload bytes. */
const char *
cb_wsd_msg_payload(const cb_wsd_msg_t *msg, size_t *len);

/* Counters of a group of connections (venue-sim: per venue; api-edge: one). */
typedef struct {
    uint64_t connections;   /* open now */
    uint64_t accepted;      /* upgrades completed since start */
    uint64_t messages_sent; /* frames written to sockets (control frames included) */
    uint64_t bytes_sent;
    uint64_t slow_drops;    /* closed because their send queue overflowed */
    uint64_t ping_drops;    /* closed for not answering pings */
    int64_t stall_until_ns; /* sends of the group held until then (fault injection) */
} cb_wsd_stats_t;

typedef struct cb_wsd_conn cb_wsd_conn_t;

/* What every connection of one server shares: the clock of the current loop
 * turn (the owner sets now_ns each turn), the limits and the callbacks. */
typedef struct {
    int64_t now_ns;
    size_t max_queue_bytes; /* queued, unsent bytes past which the client is slow */
    size_t max_queue_msgs;  /* queued frames past which the client is slow */
    size_t max_recv_len;    /* largest incoming message; larger: close 1009 */
    /* On overflow: when slow_close_code is 0 the connection is marked dead at
     * once (venue-sim's behaviour); otherwise the queue is dropped and a close
     * frame with that code (e.g. 1008) and slow_close_reason goes out. */
    uint16_t slow_close_code;
    const char *slow_close_reason;
    void *ctx;
    void (*on_open)(void *ctx, cb_wsd_conn_t *conn); /* the upgrade completed */
    void (*on_text)(void *ctx, cb_wsd_conn_t *conn, const char *data, size_t len);
    /* The send queue has emptied after having held frames (NULL: not told). */
    void (*on_drain)(void *ctx, cb_wsd_conn_t *conn);
    /* The connection became dead (peer closed, error, overflow, close written). */
    void (*on_dead)(void *ctx, cb_wsd_conn_t *conn);
} cb_wsd_shared_t;

struct cb_wsd_conn {
    /* The owner's fields. */
    cb_wsd_stats_t *stats;      /* the group's counters (required) */
    uint64_t id;
    void *owner;                /* the service's state for this connection */
    cb_wsd_conn_t *next;        /* the owner's list */
    cb_wsd_conn_t *prev;
    int64_t created_ns;
    int64_t last_send_ns;       /* last frame queued */
    int64_t last_recv_ns;       /* last frame received (any opcode) */
    int64_t last_ping_ns;       /* last ping queued */
    int64_t last_pong_ns;       /* last pong answering our ping (or the start) */
    uint32_t max_in_per_sec;    /* incoming frames allowed per second; 0: no limit (over: close 1008) */
    /* Transport state, private to cb_wsd.c. */
    cb_wsd_shared_t *shared;
    void *sock;                 /* h2o_socket_t */
    void *wslay;                /* wslay_event_context_ptr */
    cb_wsd_msg_t **queue;       /* ring */
    size_t q_head;
    size_t q_len;
    size_t q_cap;
    size_t q_bytes;
    size_t inflight;            /* frames at the head given to the socket */
    cb_buf_t ctrl;              /* control frames wslay wrote */
    int64_t in_window_ns;
    uint32_t in_count;
    char ping_payload[24];
    size_t ping_len;
    bool dead;                  /* to be freed by the owner (cb_wsd_conn_free) */
    bool closing;               /* a close frame is queued: nothing more goes out */
    bool upgrading;             /* the 101 answer is on its way */
    bool orphan;                /* the owner is gone while the upgrade or a write completes */
    bool in_recv;               /* inside wslay_event_recv: frames wslay writes are queued after it */
};

/* Starts the upgrade of a request that is a WebSocket handshake with
 * client_key (the 24-byte Sec-WebSocket-Key): the 101 answer goes out, then
 * shared->on_open runs. conn is zeroed and owned by the caller, who sets the
 * owner's fields first. Returns 0, or -1 when it cannot be upgraded. */
int
cb_wsd_conn_upgrade(cb_wsd_conn_t *conn, cb_wsd_shared_t *shared, const cb_httpd_req_t *req,
                    const char *client_key);

/* Validates a handshake (GET, Upgrade: websocket, Connection: upgrade,
 * Sec-WebSocket-Version: 13, a 24-byte key): true and the key in key_out
 * (size >= 25) when it is one; false when the request is no upgrade. */
bool
cb_wsd_is_handshake(const cb_httpd_req_t *req, char *key_out, size_t key_size);

/* Queues msg (one more reference). Past the limits the connection is slow
 * (see slow_close_code; stats->slow_drops). No-op once dead or closing.
 * Nothing is written before cb_wsd_conn_flush. */
void
cb_wsd_conn_send(cb_wsd_conn_t *conn, cb_wsd_msg_t *msg);

/* Queues a copy of len bytes of text in a frame of its own. */
void
cb_wsd_conn_send_text(cb_wsd_conn_t *conn, const char *text, size_t len);

/* Frames and bytes queued and not yet written. */
size_t
cb_wsd_conn_queued(const cb_wsd_conn_t *conn, size_t *bytes);

/* Starts writing queued frames unless a write is under way, the group is
 * stalled or the connection is dead. */
void
cb_wsd_conn_flush(cb_wsd_conn_t *conn);

/* Queues a ping whose payload (the time in ms) a pong must echo. */
void
cb_wsd_conn_ping(cb_wsd_conn_t *conn);

/* Queues a close frame (code, reason) after what is queued, sends nothing
 * else and marks the connection dead once it is written. Any connection may
 * be closed from any callback, on_text of the same connection included. */
void
cb_wsd_conn_close(cb_wsd_conn_t *conn, uint16_t code, const char *reason);

/* Marks the connection dead at once (the socket closes when it is freed). */
void
cb_wsd_conn_abort(cb_wsd_conn_t *conn);

/* Closes the socket, drops the queue and frees conn (the owner has unlinked
 * it and frees nothing of it after this). A connection still upgrading or writing is marked
 * orphan and frees itself on a later loop turn: keep the loop running until
 * then (before cb_httpd_destroy). NULL-safe. */
void
cb_wsd_conn_free(cb_wsd_conn_t *conn);

/* True once the upgrade completed and until the connection is dead. */
bool
cb_wsd_conn_open(const cb_wsd_conn_t *conn);

/* The connections subscribed to one stream. Zero-initialise; borrowed
 * pointers (a connection leaves every list before it is freed). */
typedef struct {
    cb_wsd_conn_t **conns;
    size_t count;
    size_t cap;
} cb_wsd_subs_t;

/* Adds conn (not already there). 0 or CB_E_NOMEM. */
int
cb_wsd_subs_add(cb_wsd_subs_t *subs, cb_wsd_conn_t *conn);

/* Removes conn when present. */
void
cb_wsd_subs_remove(cb_wsd_subs_t *subs, const cb_wsd_conn_t *conn);

/* Queues msg to every subscriber (the same bytes, one reference each). */
void
cb_wsd_subs_send(const cb_wsd_subs_t *subs, cb_wsd_msg_t *msg);

void
cb_wsd_subs_fini(cb_wsd_subs_t *subs);

#endif
