/* cb_ws.h - WebSocket client on libwebsockets: reassembly, pings, watchdog, backoff reconnects */
#ifndef CB_WS_H_INCLUDED
#define CB_WS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One cb_ws_t owns one libwebsockets context (client only) and the
 * connections opened on it. wss:// verifies the server against the system
 * CA store (never disabled); ws:// is meant for loopback. Single-threaded:
 * every call, and every handler, runs on the thread that calls
 * cb_ws_service. libwebsockets' own log is silenced except errors, which go
 * to cb_log (event ws_lws). */
typedef struct cb_ws cb_ws_t;

/* A connection that keeps itself up: after any loss it reconnects after a
 * backoff until cb_ws_close. Owned by its cb_ws_t. */
typedef struct cb_ws_conn cb_ws_conn_t;

/* Handlers (each may be NULL). They may call cb_ws_send, cb_ws_reconnect
 * and cb_ws_close on their own connection (after cb_ws_close, no handler
 * of that connection runs again); they must not destroy the cb_ws_t. */
typedef struct {
    /* The connection is open (first time and after every reconnect): the
     * place to send subscriptions. */
    void (*on_open)(cb_ws_conn_t *conn, void *ctx);
    /* One complete message (fragments reassembled), len bytes, followed by
     * a NUL that len does not count; valid during the call only. Text and
     * binary messages alike. */
    void (*on_message)(cb_ws_conn_t *conn, void *ctx, const char *data, size_t len);
    /* The connection was lost or an attempt failed (reason: text for a
     * log); the next attempt is scheduled (cb_ws_stats shows its delay in
     * backoff_ms) and starts after this returns. Not called for
     * cb_ws_close nor cb_ws_destroy. */
    void (*on_close)(cb_ws_conn_t *conn, void *ctx, const char *reason);
} cb_ws_handlers_t;

/* Connection settings; zero fields take the defaults in brackets. */
typedef struct {
    int silence_ms;       /* [0: off] no message for this long: drop and reconnect */
    int ping_ms;          /* [0: off] send a ping frame this often while open */
    int backoff_min_ms;   /* [250] shortest delay between attempts */
    int backoff_max_ms;   /* [30000] longest delay between attempts */
    int healthy_ms;       /* [10000] a connection open this long resets the backoff */
    size_t max_message;   /* [4 MiB] a larger message drops the connection */
    size_t max_queue;     /* [4 MiB] bytes queued by cb_ws_send and not yet written */
    uint64_t jitter_seed; /* [0: from the clock] seed of the backoff's jitter */
} cb_ws_opts_t;

typedef enum {
    CB_WS_CONNECTING = 0, /* TCP, TLS and upgrade under way */
    CB_WS_OPEN,           /* upgraded: messages flow */
    CB_WS_BACKOFF,        /* waiting to reconnect */
    CB_WS_CLOSED,         /* cb_ws_close was called */
} cb_ws_state_t;

typedef struct {
    cb_ws_state_t state;
    uint64_t attempts;       /* connection attempts started */
    uint64_t connects;       /* attempts that opened */
    uint64_t reconnects;     /* opens after the first */
    uint64_t failures;       /* attempts that failed before opening */
    uint64_t messages;       /* complete messages received */
    uint64_t bytes;          /* their bytes */
    uint64_t sent;           /* messages written */
    uint64_t pings;          /* ping frames written */
    uint64_t pongs;          /* pong frames received */
    uint64_t silence_drops;  /* connections the watchdog dropped */
    int64_t last_message_ns; /* cb_time_mono_ns of the last message; 0 before any */
    int backoff_ms;          /* the delay of the current (or last) backoff */
} cb_ws_stats_t;

/* Descriptors a context is sized for (libwebsockets' fd_limit_per_thread):
 * its tables follow this instead of the process's `ulimit -n`. Far above
 * what a service's handful of streams needs. */
#define CB_WS_FD_LIMIT 1024

/* A new context; tls: it can open wss:// (OpenSSL set up and the system CA
 * bundle loaded, about 0.85 MB); without, only ws:// opens. NULL on failure
 * (logged). */
cb_ws_t *
cb_ws_new(bool tls);

/* Closes every connection (no handler runs) and frees. NULL-safe; nulls
 * *ws_p. */
void
cb_ws_destroy(cb_ws_t **ws_p);

/* Starts connecting to url ("ws://host[:port]/path?query" or "wss://...")
 * with handlers h (copied) and ctx, opts o (NULL: defaults). The handlers
 * run from cb_ws_service, never from here. NULL when url is malformed or
 * memory is short (logged); a server that cannot be reached is not an
 * error: it is retried with backoff. */
cb_ws_conn_t *
cb_ws_open(cb_ws_t *ws, const char *url, const cb_ws_handlers_t *h, void *ctx,
           const cb_ws_opts_t *o);

/* Queues one text message (copied), written when the socket is writable.
 * Returns 0, CB_E_CLOSED (not open: nothing is queued across reconnects,
 * on_open resends), or CB_E_TOO_BIG (past max_queue). */
int
cb_ws_send(cb_ws_conn_t *conn, const char *text, size_t len);

/* Runs the libwebsockets loop: returns after handling some events, or
 * after about timeout_ms (>= 0) with none. Returns the number of handler
 * calls made (>= 0), or CB_E_INTERNAL when libwebsockets failed. */
int
cb_ws_service(cb_ws_t *ws, int timeout_ms);

/* Drops the connection now (on_close runs with "reconnect requested") and
 * reconnects without a backoff delay; in backoff, attempts at once. */
void
cb_ws_reconnect(cb_ws_conn_t *conn);

/* Closes for good and frees conn (now, or once its socket is closed); no
 * handler of it runs after this. NULL-safe. */
void
cb_ws_close(cb_ws_conn_t *conn);

/* Copies the connection's counters into out. */
void
cb_ws_stats(const cb_ws_conn_t *conn, cb_ws_stats_t *out);

/* "connecting", "open", "backoff", "closed". */
const char *
cb_ws_state_name(cb_ws_state_t state);

#endif
