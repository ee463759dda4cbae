/* sim_ws_conn.h - one WebSocket connection on an upgraded h2o socket: wslay reads frames, a bounded queue of shared frames goes out */
#ifndef SIM_WS_CONN_H_INCLUDED
#define SIM_WS_CONN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "sim_instruments.h"

/* One outgoing frame, built once and queued to any number of connections
 * (each holds a reference); the bytes never change after sim_ws_msg_new. */
typedef struct sim_ws_msg sim_ws_msg_t;

#define SIM_WS_TEXT 0x1
#define SIM_WS_PING 0x9

/* A frame (unmasked, as a server sends) holding a copy of len bytes of
 * payload, with one reference. NULL when out of memory. */
sim_ws_msg_t *
sim_ws_msg_new(const void *payload, size_t len, int opcode);

/* The frame from a cb_buf's text. */
sim_ws_msg_t *
sim_ws_msg_from_buf(const cb_buf_t *buf);

void
sim_ws_msg_ref(sim_ws_msg_t *msg);

/* Drops a reference (NULL-safe); the last one frees the frame. */
void
sim_ws_msg_unref(sim_ws_msg_t *msg);

/* The payload bytes (for tests). */
const char *
sim_ws_msg_payload(const sim_ws_msg_t *msg, size_t *len);

/* Per venue: counters, and the stall that holds every send. */
typedef struct {
    uint64_t connections;   /* open now */
    uint64_t accepted;      /* upgrades completed since start */
    uint64_t messages_sent; /* frames written to sockets (control frames included) */
    uint64_t bytes_sent;
    uint64_t slow_drops;    /* closed because their send queue overflowed */
    uint64_t ping_drops;    /* closed for not answering pings */
    int64_t stall_until_ns; /* sends held until then */
} sim_ws_venue_stats_t;

typedef struct sim_ws_conn sim_ws_conn_t;

/* What every connection of one sim_ws shares: the clock of the current
 * loop turn, the limits, the counters and the owner's callbacks. */
typedef struct {
    int64_t now_ns;
    size_t max_queue_bytes;  /* queued and unsent bytes before the client is dropped */
    size_t max_queue_msgs;   /* queued frames before the client is dropped */
    size_t max_recv_len;     /* largest incoming message */
    sim_ws_venue_stats_t venue[SIM_VENUE_COUNT];
    void *ctx;
    void (*on_open)(void *ctx, sim_ws_conn_t *conn); /* the upgrade completed */
    void (*on_text)(void *ctx, sim_ws_conn_t *conn, const char *data, size_t len);
} sim_ws_shared_t;

struct sim_ws_conn {
    /* The owner's fields. */
    sim_venue_t venue;
    uint64_t id;
    void *proto;                /* the dialect's state for this connection */
    sim_ws_conn_t *next;        /* the owner's list */
    sim_ws_conn_t *prev;
    int64_t created_ns;
    int64_t last_send_ns;       /* last frame queued */
    int64_t last_ping_ns;       /* last ping queued */
    int64_t last_pong_ns;       /* last pong answering our ping (or the start) */
    uint32_t max_in_per_sec;    /* incoming frames allowed per second; 0: no limit */
    /* Transport state, private to sim_ws_conn.c. */
    sim_ws_shared_t *shared;
    void *sock;                 /* h2o_socket_t */
    void *wslay;                /* wslay_event_context_ptr */
    sim_ws_msg_t **queue;       /* ring */
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
    bool dead;                  /* to be freed by the owner (sim_ws_conn_free) */
    bool closing;               /* a close frame is queued: nothing more goes out */
    bool upgrading;             /* the 101 answer is on its way */
    bool orphan;                /* the owner is gone while the upgrade or a write completes */
};

/* Starts the upgrade of an HTTP/1.1 request (h2o_req_t) that is a
 * WebSocket handshake with client_key (24 bytes): the 101 answer goes out,
 * then shared->on_open runs for conn. conn is zeroed and owned by the
 * caller, who sets the owner's fields first. Returns 0, or -1 when the
 * request cannot be upgraded (HTTP/2): the caller answers it then. */
int
sim_ws_conn_upgrade(sim_ws_conn_t *conn, sim_ws_shared_t *shared, void *h2o_req, const char *client_key);

/* Queues msg (one more reference). A connection whose queue would exceed
 * the limits is marked dead (slow_drops). No-op once dead or closing.
 * Nothing is written before sim_ws_conn_flush. */
void
sim_ws_conn_send(sim_ws_conn_t *conn, sim_ws_msg_t *msg);

/* Queues a copy of len bytes of text in a frame of its own. */
void
sim_ws_conn_send_text(sim_ws_conn_t *conn, const char *text, size_t len);

/* Starts writing queued frames unless a write is under way, the venue is
 * stalled or the connection is dead. */
void
sim_ws_conn_flush(sim_ws_conn_t *conn);

/* Queues a ping frame whose payload (the time in ms) a pong must echo. */
void
sim_ws_conn_ping(sim_ws_conn_t *conn);

/* Queues a close frame (code, reason) after what is queued, sends nothing
 * else and marks the connection dead once it is written. */
void
sim_ws_conn_close(sim_ws_conn_t *conn, uint16_t code, const char *reason);

/* Marks the connection dead at once (the socket closes when it is freed). */
void
sim_ws_conn_abort(sim_ws_conn_t *conn);

/* Closes the socket, drops the queue and frees conn; the owner has
 * unlinked it. A connection still upgrading, or with a write under way, is
 * only marked orphan (the latter's socket is shut down at once) and frees
 * itself on the loop's next turn: keep the loop running until then, so
 * before sim_http_destroy. Safe between loop turns. NULL-safe. */
void
sim_ws_conn_free(sim_ws_conn_t *conn);

/* True once the upgrade completed and until the connection is dead. */
bool
sim_ws_conn_open(const sim_ws_conn_t *conn);

/* The connections subscribed to one stream. Zero-initialise; borrowed
 * pointers (a connection leaves every list before it is freed). */
typedef struct {
    sim_ws_conn_t **conns;
    size_t count;
    size_t cap;
} sim_ws_subs_t;

/* Adds conn (not already there). 0 or CB_E_NOMEM. */
int
sim_ws_subs_add(sim_ws_subs_t *subs, sim_ws_conn_t *conn);

/* Removes conn when present. */
void
sim_ws_subs_remove(sim_ws_subs_t *subs, const sim_ws_conn_t *conn);

/* Queues msg to every subscriber (the same bytes, one reference each). */
void
sim_ws_subs_send(const sim_ws_subs_t *subs, sim_ws_msg_t *msg);

void
sim_ws_subs_fini(sim_ws_subs_t *subs);

#endif
