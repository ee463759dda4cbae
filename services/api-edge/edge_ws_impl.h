/* edge_ws_impl.h - the /ws hub's parts shared by its modules (edge_ws_*.c): hub, clients, keys, streams */
#ifndef EDGE_WS_IMPL_H_INCLUDED
#define EDGE_WS_IMPL_H_INCLUDED

/* Not a public interface: only edge_ws*.c include it. Everything runs on
 * httpd's loop thread. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_jtok.h"
#include "cb_apikey.h"
#include "cb_proto.h"
#include "cb_wsd.h"
#include "edge_auth.h"
#include "edge_ws.h"
#include "edge_ws_msg.h"

/* The hard queue limits (where cb_wsd closes 1008 at once) are this many
 * times the soft ones (config queue_msgs / queue_bytes, where a client
 * starts being coalesced): trades, candles and replies still queue while
 * price and book updates are held back. */
#define EDGE_WS_HARD_FACTOR 4

/* ---- a chained hash map of nodes embedded at the start of their entries -- */

typedef struct edge_ws_node {
    struct edge_ws_node *next;
    uint64_t hash;
} edge_ws_node_t;

typedef struct {
    edge_ws_node_t **slots;
    size_t cap; /* a power of two, or 0 */
    size_t count;
} edge_ws_map_t;

/* FNV-1a over the NUL-separated parts of a key. */
uint64_t
edge_ws_hash(unsigned tag, const char *symbol, const char *venue);

/* ---- subscription keys and streams ----------------------------------------- */

/* The connections subscribed to (channel, symbol as asked, venue or "" for
 * every venue, timeframe for candles). Freed once nobody is subscribed. */
typedef struct {
    edge_ws_node_t node;
    edge_ws_channel_t channel;
    unsigned timeframe;
    char symbol[EDGE_SYM_MAX];
    char venue[EDGE_VENUE_MAX];
    cb_wsd_subs_t subs;
} edge_ws_key_t;

/* One (symbol as asked, venue) stream: when it was last heard of and its
 * book's state. Lives as long as the hub (streams are few: the bus's). */
typedef struct {
    edge_ws_node_t node;
    char symbol[EDGE_SYM_MAX];
    char venue[EDGE_VENUE_MAX];
    int64_t last_ns;
    bool stale;     /* a stale notice went out since the last message */
    bool resyncing; /* the last book came resyncing */
} edge_ws_stream_t;

/* ---- clients ----------------------------------------------------------------- */

/* An update held back for a lagging client, latest only, per stream: a
 * price_update frame, or a book merged from every update since. */
typedef struct {
    edge_ws_stream_t *stream;
    cb_kind_t kind; /* CB_KIND_tick or CB_KIND_book */
    cb_wsd_msg_t *msg;
    bool snapshot;
    bool resyncing;
    uint64_t seq;
    int64_t ts_ns;
    cb_levels_t bids; /* owned */
    cb_levels_t asks;
    uint32_t bids_cap;
    uint32_t asks_cap;
} edge_ws_pending_t;

/* Where a connection stands with its API key (edge_ws_auth.c). */
typedef enum {
    EDGE_WS_AUTH_NONE = 0, /* no key, or the last one failed */
    EDGE_WS_AUTH_CHECKING, /* a key given, its first lookup not answered yet */
    EDGE_WS_AUTH_OK,       /* found; looked up again every auth_recheck_ms */
} edge_ws_auth_state_t;

typedef struct edge_ws_client {
    struct edge_ws *hub;
    cb_wsd_conn_t *conn;
    struct edge_ws_client *next; /* every client of the hub */
    struct edge_ws_client *prev;
    edge_ws_key_t **subs;
    size_t nsubs;
    edge_ws_pending_t *pending;
    size_t npending;
    size_t pending_cap;
    int64_t slow_since_ns;   /* 0: keeping up */
    int64_t close_by_ns;     /* closing: aborted if still there then (0: not closing) */
    uint16_t close_code;     /* a close to start at the end of the loop turn */
    const char *close_reason; /* static text */
    int64_t rate_window_ns;  /* the current one-second window of client messages */
    uint32_t rate_count;
    uint32_t rate_strikes;   /* windows in a row over the limit */
    uint64_t gen;            /* the last fan-out that reached it (no duplicates) */
    size_t turn_frames;      /* queued since the last flush: not the client's lag */
    size_t turn_bytes;
    bool dirty;              /* in the hub's flush list */
    bool opened;             /* on_open ran */
    edge_ws_auth_state_t auth_state;
    bool auth_lookup;        /* a lookup of key_hash is in flight */
    char key_hash[CB_APIKEY_HASH_LEN + 1]; /* the key's SHA-256 (never its text) */
    char key_id[CB_APIKEY_ID_LEN + 1];
    cb_apikey_scope_t scope;
    int64_t auth_ok_ns;      /* the last lookup that found the key */
    int64_t auth_sent_ns;    /* the last lookup sent */
} edge_ws_client_t;

struct edge_ws {
    cb_httpd_t *httpd;
    edge_cache_t *cache;
    edge_ws_config_t cfg;
    cb_wsd_shared_t shared;
    cb_wsd_stats_t wsd_stats;
    edge_ws_stats_t stats;
    edge_ws_client_t *clients;  /* upgrading ones included */
    size_t nclients;            /* in the list */
    edge_ws_map_t keys;
    edge_ws_map_t streams;
    edge_ws_client_t **dirty;   /* to flush at the end of the loop turn */
    size_t ndirty;
    size_t dirty_cap;
    cb_httpd_timer_t *turn_end; /* one-shot: flush, reap */
    int64_t flush_ns;           /* cfg.flush_us in ns; 0: a pass every loop turn */
    int64_t flush_start_ns;     /* when the last pass that wrote started (CLOCK_MONOTONIC) */
    int64_t flush_cost_ns;      /* how long it took */
    cb_httpd_timer_t *house;    /* periodic: pings, idle, slow, stale */
    cb_buf_t out;               /* scratch for rendering */
    cb_jdoc_t doc;
    edge_ws_req_t req;
    edge_auth_t *auth;          /* borrowed; NULL: no keys, the orders channel refuses */
    size_t order_subs;          /* orders subscriptions of every client: the bus's order. while > 0 */
    uint64_t next_id;
    uint64_t gen;
    bool stopping;
};

/* ---- edge_ws_map.c ------------------------------------------------------------ */

void
edge_ws_map_fini(edge_ws_map_t *map);

/* The key / stream, or NULL. venue "" is every venue. */
edge_ws_key_t *
edge_ws_key_find(edge_ws_t *ws, edge_ws_channel_t channel, const char *symbol, const char *venue,
                 unsigned timeframe);

/* Finds or makes the key; NULL on no memory. */
edge_ws_key_t *
edge_ws_key_get(edge_ws_t *ws, edge_ws_channel_t channel, const char *symbol, const char *venue,
                unsigned timeframe);

/* Unlinks and frees a key nobody is subscribed to. */
void
edge_ws_key_drop(edge_ws_t *ws, edge_ws_key_t *key);

/* Frees every key. */
void
edge_ws_keys_clear(edge_ws_t *ws);

edge_ws_stream_t *
edge_ws_stream_find(edge_ws_t *ws, const char *symbol, const char *venue);

/* Finds or makes the stream (last heard of now when made); NULL on no memory. */
edge_ws_stream_t *
edge_ws_stream_get(edge_ws_t *ws, const char *symbol, const char *venue, int64_t now_ns);

/* Calls fn for every stream. */
void
edge_ws_streams_each(edge_ws_t *ws, void (*fn)(edge_ws_t *ws, edge_ws_stream_t *stream));

/* Frees every stream. */
void
edge_ws_streams_clear(edge_ws_t *ws);

/* ---- edge_ws.c ------------------------------------------------------------------- */

/* Queues msg to the client (one frame) and marks it for the end-of-turn flush. */
void
edge_ws_client_send(edge_ws_t *ws, edge_ws_client_t *client, cb_wsd_msg_t *msg);

/* Queues ws->out's text to the client as a frame of its own. */
void
edge_ws_client_send_out(edge_ws_t *ws, edge_ws_client_t *client);

/* Sends {"type":"error",...} (errors_sent). */
void
edge_ws_client_error(edge_ws_t *ws, edge_ws_client_t *client, const char *error,
                     const char *detail);

/* Starts the closing handshake with code; the client is aborted if it is
 * still there a grace period later. */
void
edge_ws_client_close(edge_ws_t *ws, edge_ws_client_t *client, uint16_t code, const char *reason);

/* ---- edge_ws_req.c --------------------------------------------------------------- */

/* A client's text message: parse, act, answer. */
void
edge_ws_req_handle(edge_ws_t *ws, edge_ws_client_t *client, const char *data, size_t len);

/* Whether the client is still subscribed to channel on the stream (on its
 * venue or on every venue). */
bool
edge_ws_req_covers(edge_ws_t *ws, const edge_ws_client_t *client, edge_ws_channel_t channel,
                   const edge_ws_stream_t *stream);

/* Leaves every subscription (before the client is freed). */
void
edge_ws_req_unsubscribe_all(edge_ws_t *ws, edge_ws_client_t *client);

/* Leaves every subscription of the client to channel. */
void
edge_ws_req_leave_channel(edge_ws_t *ws, edge_ws_client_t *client, edge_ws_channel_t channel);

/* ---- edge_ws_auth.c --------------------------------------------------------------- */

/* Takes the SHA-256 of a key the client gave (an auth message, or the
 * upgrade's Authorization header: then before the connection is open) and
 * looks it up now, or once the connection is open. Answers the client
 * "authenticated" or an error when the lookup ends. */
void
edge_ws_auth_begin(edge_ws_t *ws, edge_ws_client_t *client, const char *key_hash);

/* The connection opened: starts the lookup of a key its upgrade carried. */
void
edge_ws_auth_open(edge_ws_t *ws, edge_ws_client_t *client);

/* Housekeeping: looks an authenticated client's key up again when
 * auth_recheck_ms have passed since the last lookup. */
void
edge_ws_auth_house(edge_ws_t *ws, edge_ws_client_t *client, int64_t now_ns);

/* Whether order events may go to the client now: its key was found by a
 * lookup at most 2 x auth_recheck_ms + the lookup timeout ago. */
bool
edge_ws_auth_may_watch(const edge_ws_t *ws, const edge_ws_client_t *client, int64_t now_ns);

/* Forgets the client's lookup in flight (before it is freed). */
void
edge_ws_auth_release(edge_ws_t *ws, edge_ws_client_t *client);

/* ---- edge_ws_push.c -------------------------------------------------------------- */

/* Sends stale notices for streams silent past stale_ms (housekeeping). */
void
edge_ws_push_check_stale(edge_ws_t *ws);

/* ---- edge_ws_slow.c -------------------------------------------------------------- */

/* Whether a price or book update for client should be held back rather than
 * queued: it is lagging, or its queue is past the soft limits now (then it
 * starts lagging). */
bool
edge_ws_slow_lagging(edge_ws_t *ws, edge_ws_client_t *client);

/* Holds back a price_update frame (tick) or merges a book event into the
 * pending entry of stream. Counts coalesced when it replaces one. 0 or
 * CB_E_NOMEM. */
int
edge_ws_slow_hold(edge_ws_t *ws, edge_ws_client_t *client, edge_ws_stream_t *stream,
                  const cb_event_t *ev, cb_wsd_msg_t *msg);

/* The client's queue emptied: sends what was held back and stops lagging. */
void
edge_ws_slow_drain(edge_ws_t *ws, edge_ws_client_t *client);

/* Frees what is held back. */
void
edge_ws_slow_clear(edge_ws_client_t *client);

#endif
