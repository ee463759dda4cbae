/* cb_binance_book.h - one symbol's Binance local book: diff depth + REST snapshot, as documented */
#ifndef CB_BINANCE_BOOK_H_INCLUDED
#define CB_BINANCE_BOOK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_book.h"
#include "cb_md.h"

/* Where a book is in the procedure (web-socket-streams.md, "How to manage a
 * local order book correctly"). */
typedef enum {
    CB_BINANCE_BOOK_EMPTY = 0, /* nothing seen yet */
    CB_BINANCE_BOOK_WAITING,   /* diff events buffered, a snapshot asked for */
    CB_BINANCE_BOOK_LIVE,      /* the book is the venue's as of book.update_id */
    CB_BINANCE_BOOK_RESYNCING, /* a gap: book cleared, buffering, a new snapshot asked for */
} cb_binance_book_state_t;

/* What the caller does next. */
typedef enum {
    CB_BINANCE_BOOK_OK = 0,            /* applied, ignored as stale, or buffered */
    CB_BINANCE_BOOK_NEED_SNAPSHOT = 1, /* start GET /api/v3/depth for this symbol now */
    CB_BINANCE_BOOK_GAP = 2,           /* a sequence gap: book cleared, fetch a snapshot */
} cb_binance_book_result_t;

/* One buffered diff event: its levels are in the book's level buffer. */
typedef struct {
    uint64_t first_id; /* U */
    uint64_t last_id;  /* u */
    int64_t exch_ts;
    size_t off; /* first level in levels[] */
    uint32_t nbids;
    uint32_t nasks;
} cb_binance_book_event_t;

typedef struct {
    uint64_t applied;   /* diff events applied to a live book */
    uint64_t stale;     /* events with u <= the book's id, ignored */
    uint64_t buffered;  /* events buffered while waiting for a snapshot */
    uint64_t gaps;      /* sequence gaps seen */
    uint64_t snapshots; /* snapshots loaded */
    uint64_t refetches; /* snapshots older than the buffered events */
    uint64_t overflows; /* buffers that ran full */
} cb_binance_book_stats_t;

/* Owns the book and the buffer (allocated while waiting for a snapshot,
 * freed when the book goes live). Zero-initialise then cb_binance_book_init;
 * cb_binance_book_fini. One thread at a time. */
typedef struct {
    cb_binance_book_state_t state;
    cb_book_local_t book; /* book.update_id = the last applied u */
    bool first_pending;   /* the next event is the first after a snapshot */
    cb_binance_book_event_t *events;
    size_t nevents;
    size_t max_events;
    cb_level_t *levels; /* levels of the buffered events */
    size_t nlevels;
    size_t levels_cap;
    size_t max_levels;
    cb_binance_book_stats_t stats;
} cb_binance_book_t;

/* Default bounds of the buffer: events, and their levels in all. */
#define CB_BINANCE_BOOK_MAX_EVENTS 1000
#define CB_BINANCE_BOOK_MAX_LEVELS 200000

/* max_depth: levels kept per side (0: CB_BOOK_MAX_LEVELS); max_events,
 * max_levels: the buffer's bounds (0: the defaults). */
void cb_binance_book_init(cb_binance_book_t *b, size_t max_depth, size_t max_events,
                          size_t max_levels);

void cb_binance_book_fini(cb_binance_book_t *b);

/* Back to EMPTY (book and buffer emptied, counters kept). */
void cb_binance_book_reset(cb_binance_book_t *b);

/* One diff-depth event (CB_MD_BOOK, snapshot false, first_update_id = U,
 * book.update_id = u) for this symbol; its levels are copied when buffered.
 * Returns a cb_binance_book_result_t (>= 0), or CB_E_BAD_REQUEST (not a
 * diff event), CB_E_RANGE (a bad level: the book is then resynced too) or
 * CB_E_NOMEM. NEED_SNAPSHOT and GAP ask for one snapshot fetch. */
int cb_binance_book_on_diff(cb_binance_book_t *b, const cb_md_msg_t *msg);

/* The REST snapshot (CB_MD_BOOK, snapshot true, update_id = lastUpdateId):
 * buffered events with u <= lastUpdateId are dropped, the first kept one
 * must hold U <= lastUpdateId + 1 <= u, the rest follow in sequence. OK
 * (LIVE), NEED_SNAPSHOT (the snapshot is older than the buffered events:
 * fetch again), GAP (the buffer itself has a hole), or CB_E_* as on_diff. */
int cb_binance_book_on_snapshot(cb_binance_book_t *b, const cb_md_msg_t *msg);

static inline cb_binance_book_state_t
cb_binance_book_state(const cb_binance_book_t *b)
{
    return b->state;
}

/* "empty", "waiting", "live", "resyncing". */
const char *cb_binance_book_state_name(cb_binance_book_state_t state);

#endif
