/* edge_ws_slow.c - the /ws hub's slow consumers: price and book updates held back per stream, latest only, sent on drain */
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "edge_ws_impl.h"
#include "edge_ws_render.h"

bool
edge_ws_slow_lagging(edge_ws_t *ws, edge_ws_client_t *client)
{
    if (client->slow_since_ns != 0) {
        return true;
    }
    /* What was queued during this loop turn goes out at its end: only what
     * earlier turns left unwritten is the client's lag. */
    size_t bytes = 0;
    size_t frames = cb_wsd_conn_queued(client->conn, &bytes);
    frames = frames > client->turn_frames ? frames - client->turn_frames : 0;
    bytes = bytes > client->turn_bytes ? bytes - client->turn_bytes : 0;
    if (frames < ws->cfg.queue_msgs && bytes < ws->cfg.queue_bytes) {
        return false;
    }
    client->slow_since_ns = ws->shared.now_ns;
    return true;
}

static edge_ws_pending_t *
s_pending(edge_ws_client_t *client, edge_ws_stream_t *stream, cb_kind_t kind, bool *fresh)
{
    for (size_t i = 0; i < client->npending; i++) {
        if (client->pending[i].stream == stream && client->pending[i].kind == kind) {
            *fresh = false;
            return &client->pending[i];
        }
    }
    if (client->npending == client->pending_cap) {
        size_t cap = client->pending_cap == 0 ? 4 : client->pending_cap * 2;
        edge_ws_pending_t *p = realloc(client->pending, cap * sizeof *p);
        if (p == NULL) {
            return NULL;
        }
        client->pending = p;
        client->pending_cap = cap;
    }
    edge_ws_pending_t *p = &client->pending[client->npending++];
    *p = (edge_ws_pending_t){.stream = stream, .kind = kind};
    *fresh = true;
    return p;
}

/* The index in levels (bids descending, asks ascending) where price is or
 * would go; *found when it is there. */
static uint32_t
s_search(const cb_levels_t *levels, cb_decimal_t price, bool bids, bool *found)
{
    uint32_t lo = 0, hi = levels->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = cb_decimal_cmp(levels->items[mid].price, price);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if ((c > 0) == bids) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = false;
    return lo;
}

/* Applies one level to a held-back side: a snapshot's levels are the whole
 * book (qty 0 removes), an update's keep their zeros (they remove the level
 * on the client). */
static int
s_apply(cb_levels_t *side, uint32_t *cap, cb_level_t level, bool bids, bool snapshot)
{
    bool found;
    uint32_t i = s_search(side, level.price, bids, &found);
    bool remove = snapshot && cb_decimal_is_zero(level.qty);
    if (found) {
        if (remove) {
            memmove(&side->items[i], &side->items[i + 1],
                    (side->count - i - 1) * sizeof side->items[0]);
            side->count--;
        } else {
            side->items[i].qty = level.qty;
        }
        return 0;
    }
    if (remove) {
        return 0;
    }
    if (side->count == *cap) {
        uint32_t ncap = *cap == 0 ? 64 : *cap * 2;
        cb_level_t *items = realloc(side->items, ncap * sizeof *items);
        if (items == NULL) {
            return CB_E_NOMEM;
        }
        side->items = items;
        *cap = ncap;
    }
    memmove(&side->items[i + 1], &side->items[i], (side->count - i) * sizeof side->items[0]);
    side->items[i] = level;
    side->count++;
    return 0;
}

/* Merges a book event into p: a snapshot replaces what was held, an update
 * applies over it. A resyncing book's levels are not to be used: only the
 * flag is taken. */
static int
s_merge_book(edge_ws_pending_t *p, const cb_event_t *ev)
{
    const cb_book_t *b = &ev->body.book;
    p->resyncing = CB_PROTO_HAS(b, book, resyncing) && b->resyncing;
    p->seq = ev->env.seq;
    p->ts_ns = ev->env.ts;
    if (p->resyncing) {
        return 0;
    }
    if (b->snapshot) {
        p->snapshot = true;
        p->bids.count = 0;
        p->asks.count = 0;
    }
    for (uint32_t i = 0; i < b->bids.count; i++) {
        if (s_apply(&p->bids, &p->bids_cap, b->bids.items[i], true, p->snapshot) != 0) {
            return CB_E_NOMEM;
        }
    }
    for (uint32_t i = 0; i < b->asks.count; i++) {
        if (s_apply(&p->asks, &p->asks_cap, b->asks.items[i], false, p->snapshot) != 0) {
            return CB_E_NOMEM;
        }
    }
    return 0;
}

int
edge_ws_slow_hold(edge_ws_t *ws, edge_ws_client_t *client, edge_ws_stream_t *stream,
                  const cb_event_t *ev, cb_wsd_msg_t *msg)
{
    bool fresh;
    edge_ws_pending_t *p = s_pending(client, stream, ev->kind, &fresh);
    if (p == NULL) {
        return CB_E_NOMEM;
    }
    if (!fresh) {
        ws->stats.coalesced++;
    }
    if (ev->kind == CB_KIND_tick) {
        cb_wsd_msg_ref(msg);
        cb_wsd_msg_unref(p->msg);
        p->msg = msg;
        return 0;
    }
    return s_merge_book(p, ev);
}

static void
s_pending_fini(edge_ws_pending_t *p)
{
    cb_wsd_msg_unref(p->msg);
    free(p->bids.items);
    free(p->asks.items);
}

/* Queues what p holds (a frame, or the merged book rendered now). */
static void
s_send_pending(edge_ws_t *ws, edge_ws_client_t *client, const edge_ws_pending_t *p)
{
    if (p->kind == CB_KIND_tick) {
        edge_ws_client_send(ws, client, p->msg);
        return;
    }
    cb_buf_reset(&ws->out);
    if (edge_ws_render_book(&ws->out, p->stream->symbol, p->stream->venue, p->snapshot, &p->bids,
                            &p->asks, p->resyncing, p->seq, p->ts_ns) == 0) {
        edge_ws_client_send_out(ws, client);
    }
}

void
edge_ws_slow_drain(edge_ws_t *ws, edge_ws_client_t *client)
{
    if (client->slow_since_ns == 0 || client->close_by_ns != 0) {
        return;
    }
    client->slow_since_ns = 0;
    for (size_t i = 0; i < client->npending; i++) {
        edge_ws_pending_t *p = &client->pending[i];
        edge_ws_channel_t channel = p->kind == CB_KIND_tick ? EDGE_WS_CH_TICKER : EDGE_WS_CH_BOOK;
        if (edge_ws_req_covers(ws, client, channel, p->stream)) { /* not unsubscribed since */
            s_send_pending(ws, client, p);
        }
        s_pending_fini(p);
    }
    client->npending = 0;
}

void
edge_ws_slow_clear(edge_ws_client_t *client)
{
    for (size_t i = 0; i < client->npending; i++) {
        s_pending_fini(&client->pending[i]);
    }
    free(client->pending);
    client->pending = NULL;
    client->npending = 0;
    client->pending_cap = 0;
    client->slow_since_ns = 0;
}
