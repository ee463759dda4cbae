/* cb_binance_book.c - one symbol's Binance local book: diff depth + REST snapshot, as documented */
#include "cb_binance_book.h"

#include <stdlib.h>
#include <string.h>

#include "cb_error.h"

void
cb_binance_book_init(cb_binance_book_t *b, size_t max_depth, size_t max_events, size_t max_levels)
{
    memset(b, 0, sizeof(*b));
    cb_book_local_init(&b->book, max_depth);
    b->max_events = max_events > 0 ? max_events : CB_BINANCE_BOOK_MAX_EVENTS;
    b->max_levels = max_levels > 0 ? max_levels : CB_BINANCE_BOOK_MAX_LEVELS;
}

void
cb_binance_book_fini(cb_binance_book_t *b)
{
    cb_book_local_fini(&b->book);
    free(b->events);
    free(b->levels);
    memset(b, 0, sizeof(*b));
}

static void
s_drop_buffer(cb_binance_book_t *b)
{
    b->nevents = 0;
    b->nlevels = 0;
}

/* A live book needs no buffer: its memory goes back until the next wait. */
static void
s_release_buffer(cb_binance_book_t *b)
{
    s_drop_buffer(b);
    free(b->events);
    free(b->levels);
    b->events = NULL;
    b->levels = NULL;
    b->levels_cap = 0;
}

void
cb_binance_book_reset(cb_binance_book_t *b)
{
    cb_book_local_clear(&b->book);
    s_drop_buffer(b);
    b->state = CB_BINANCE_BOOK_EMPTY;
    b->first_pending = false;
}

const char *
cb_binance_book_state_name(cb_binance_book_state_t state)
{
    switch (state) {
    case CB_BINANCE_BOOK_EMPTY:
        return "empty";
    case CB_BINANCE_BOOK_WAITING:
        return "waiting";
    case CB_BINANCE_BOOK_LIVE:
        return "live";
    case CB_BINANCE_BOOK_RESYNCING:
        return "resyncing";
    }
    return "unknown";
}

/* Copies a diff event into the buffer. 0, CB_E_TOO_BIG (the buffer's bounds)
 * or CB_E_NOMEM. */
static int
s_buffer(cb_binance_book_t *b, const cb_md_msg_t *msg)
{
    size_t nb = msg->book.bids.count;
    size_t na = msg->book.asks.count;
    if (b->nevents >= b->max_events || nb + na > b->max_levels - b->nlevels) {
        return CB_E_TOO_BIG;
    }
    if (b->events == NULL) {
        b->events = malloc(b->max_events * sizeof(*b->events));
        if (b->events == NULL) {
            return CB_E_NOMEM;
        }
    }
    if (b->nlevels + nb + na > b->levels_cap) {
        size_t cap = b->levels_cap == 0 ? 1024 : b->levels_cap;
        while (cap < b->nlevels + nb + na) {
            cap *= 2;
        }
        cap = cap > b->max_levels ? b->max_levels : cap;
        cb_level_t *p = realloc(b->levels, cap * sizeof(*p));
        if (p == NULL) {
            return CB_E_NOMEM;
        }
        b->levels = p;
        b->levels_cap = cap;
    }
    cb_binance_book_event_t *ev = &b->events[b->nevents++];
    ev->first_id = msg->first_update_id;
    ev->last_id = msg->book.update_id;
    ev->exch_ts = msg->book.exch_ts;
    ev->off = b->nlevels;
    ev->nbids = (uint32_t) nb;
    ev->nasks = (uint32_t) na;
    if (nb > 0) {
        memcpy(b->levels + b->nlevels, msg->book.bids.items, nb * sizeof(cb_level_t));
    }
    if (na > 0) {
        memcpy(b->levels + b->nlevels + nb, msg->book.asks.items, na * sizeof(cb_level_t));
    }
    b->nlevels += nb + na;
    b->stats.buffered++;
    return 0;
}

/* Starts the buffer over with msg as its first event (after a gap or an
 * overflow); the caller asks for a snapshot. */
static int
s_restart(cb_binance_book_t *b, const cb_md_msg_t *msg, cb_binance_book_state_t state)
{
    cb_book_local_clear(&b->book);
    s_drop_buffer(b);
    b->state = state;
    b->first_pending = false;
    int rc = s_buffer(b, msg);
    if (rc != 0) {
        /* Not even this one fits: start from nothing with the next event. */
        cb_binance_book_reset(b);
        return rc == CB_E_TOO_BIG ? CB_BINANCE_BOOK_NEED_SNAPSHOT : rc;
    }
    return 0;
}

static int
s_apply_levels(cb_book_local_t *book, const cb_level_t *bids, size_t nb, const cb_level_t *asks,
               size_t na)
{
    for (size_t k = 0; k < nb; k++) {
        int rc = cb_book_local_set(book, CB_BID, bids[k].price, bids[k].qty);
        if (rc != 0) {
            return rc;
        }
    }
    for (size_t k = 0; k < na; k++) {
        int rc = cb_book_local_set(book, CB_ASK, asks[k].price, asks[k].qty);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* True when an event U..u continues a book at id: the first event after a
 * snapshot must hold U <= id + 1 (<= u, the caller checked u > id); every
 * later one must start right after the previous: U == id + 1. */
static bool
s_in_sequence(const cb_binance_book_t *b, uint64_t first, uint64_t id)
{
    return b->first_pending ? first <= id + 1 : first == id + 1;
}

static int
s_gap(cb_binance_book_t *b, const cb_md_msg_t *msg)
{
    b->stats.gaps++;
    int rc = s_restart(b, msg, CB_BINANCE_BOOK_RESYNCING);
    return rc < 0 ? rc : CB_BINANCE_BOOK_GAP;
}

static bool
s_valid(const cb_md_msg_t *msg, bool snapshot)
{
    return msg != NULL && msg->type == CB_MD_BOOK && CB_PROTO_HAS(&msg->book, book, update_id) &&
           msg->book.snapshot == snapshot &&
           (snapshot ||
            (msg->first_update_id > 0 && msg->first_update_id <= msg->book.update_id)) &&
           (msg->book.bids.count == 0 || msg->book.bids.items != NULL) &&
           (msg->book.asks.count == 0 || msg->book.asks.items != NULL);
}

int
cb_binance_book_on_diff(cb_binance_book_t *b, const cb_md_msg_t *msg)
{
    if (!s_valid(msg, false)) {
        return CB_E_BAD_REQUEST;
    }
    uint64_t first = msg->first_update_id;
    uint64_t last = msg->book.update_id;
    int rc;
    switch (b->state) {
    case CB_BINANCE_BOOK_EMPTY:
        if ((rc = s_restart(b, msg, CB_BINANCE_BOOK_WAITING)) != 0) {
            return rc;
        }
        return CB_BINANCE_BOOK_NEED_SNAPSHOT;
    case CB_BINANCE_BOOK_WAITING:
    case CB_BINANCE_BOOK_RESYNCING:
        rc = s_buffer(b, msg);
        if (rc == CB_E_TOO_BIG) {
            /* The snapshot is too slow to come: start over, ask again. */
            b->stats.overflows++;
            rc = s_restart(b, msg, b->state);
            return rc != 0 ? rc : CB_BINANCE_BOOK_NEED_SNAPSHOT;
        }
        return rc != 0 ? rc : CB_BINANCE_BOOK_OK;
    case CB_BINANCE_BOOK_LIVE:
        break;
    }
    if (last <= b->book.update_id) {
        b->stats.stale++;
        return CB_BINANCE_BOOK_OK;
    }
    if (!s_in_sequence(b, first, b->book.update_id)) {
        return s_gap(b, msg);
    }
    rc = s_apply_levels(&b->book, msg->book.bids.items, msg->book.bids.count, msg->book.asks.items,
                        msg->book.asks.count);
    if (rc != 0) {
        /* Half applied: the book is no longer the venue's. */
        cb_binance_book_reset(b);
        return rc;
    }
    b->book.update_id = last;
    b->first_pending = false;
    b->stats.applied++;
    return CB_BINANCE_BOOK_OK;
}

int
cb_binance_book_on_snapshot(cb_binance_book_t *b, const cb_md_msg_t *msg)
{
    if (!s_valid(msg, true)) {
        return CB_E_BAD_REQUEST;
    }
    uint64_t id = msg->book.update_id;
    if (b->state == CB_BINANCE_BOOK_LIVE && id <= b->book.update_id) {
        return CB_BINANCE_BOOK_OK; /* not newer than the live book */
    }
    if (b->nevents > 0 && b->events[0].first_id > id + 1) {
        /* Older than the first buffered event: what lies between is lost. */
        b->stats.refetches++;
        return CB_BINANCE_BOOK_NEED_SNAPSHOT;
    }
    int rc = cb_book_local_load(&b->book, msg->book.bids.items, msg->book.bids.count,
                                msg->book.asks.items, msg->book.asks.count);
    if (rc != 0) {
        cb_binance_book_reset(b);
        return rc;
    }
    b->book.update_id = id;
    b->stats.snapshots++;
    b->first_pending = true;
    for (size_t k = 0; k < b->nevents; k++) {
        const cb_binance_book_event_t *ev = &b->events[k];
        if (ev->last_id <= b->book.update_id) {
            b->stats.stale++;
            continue;
        }
        if (!s_in_sequence(b, ev->first_id, b->book.update_id)) {
            /* A hole inside the buffer: nothing here can be trusted. */
            b->stats.gaps++;
            cb_book_local_clear(&b->book);
            s_drop_buffer(b);
            b->state = CB_BINANCE_BOOK_RESYNCING;
            b->first_pending = false;
            return CB_BINANCE_BOOK_GAP;
        }
        const cb_level_t *lv = b->levels + ev->off;
        rc = s_apply_levels(&b->book, lv, ev->nbids, lv + ev->nbids, ev->nasks);
        if (rc != 0) {
            cb_binance_book_reset(b);
            return rc;
        }
        b->book.update_id = ev->last_id;
        b->first_pending = false;
        b->stats.applied++;
    }
    s_release_buffer(b);
    b->state = CB_BINANCE_BOOK_LIVE;
    return CB_BINANCE_BOOK_OK;
}
