/* edge_ws_push.c - the /ws hub's fan-out of bus events: one frame per event for every subscriber, resync and stale notices */
#include <stdio.h>
#include <string.h>

#include "cb_log.h"
#include "cb_time.h"
#include "edge_ws_impl.h"
#include "edge_ws_render.h"

/* The symbols (as clients ask for them) an event of the venue's symbol
 * real on venue answers: real itself, and BASE-USD when the venue lists
 * real for it (a USD stablecoin pair). Returns the count (1 or 2). */
static size_t
s_symbols(edge_ws_t *ws, const char *real, const char *venue, char out[2][EDGE_SYM_MAX])
{
    snprintf(out[0], EDGE_SYM_MAX, "%s", real);
    const char *dash = strchr(real, '-');
    if (dash == NULL || strcmp(dash, "-USD") == 0) {
        return 1;
    }
    char resolved[EDGE_SYM_MAX];
    snprintf(out[1], EDGE_SYM_MAX, "%.*s-USD", (int) (dash - real), real);
    return edge_cache_resolve(ws->cache, venue, out[1], resolved) && strcmp(resolved, real) == 0
               ? 2
               : 1;
}

/* Sends ws->out's text once to every subscriber of the keys (duplicates
 * skipped), as one shared frame. */
static void
s_notice(edge_ws_t *ws, edge_ws_key_t *const *keys, size_t nkeys)
{
    cb_wsd_msg_t *msg = cb_wsd_msg_from_buf(&ws->out);
    if (msg == NULL) {
        return;
    }
    ws->gen++;
    for (size_t k = 0; k < nkeys; k++) {
        if (keys[k] == NULL) {
            continue;
        }
        for (size_t i = 0; i < keys[k]->subs.count; i++) {
            edge_ws_client_t *c = keys[k]->subs.conns[i]->owner;
            if (c->gen != ws->gen) {
                c->gen = ws->gen;
                edge_ws_client_send(ws, c, msg);
            }
        }
    }
    cb_wsd_msg_unref(msg);
}

/* Every key of any channel on (symbol, venue) and on (symbol, every venue),
 * into keys (EDGE_WS_CH_COUNT - 1 + EDGE_WS_TF_COUNT per venue). */
#define S_STREAM_KEYS (2 * (EDGE_WS_CH_COUNT - 1 + EDGE_WS_TF_COUNT))
static size_t
s_stream_keys(edge_ws_t *ws, const edge_ws_stream_t *s, edge_ws_key_t *keys[S_STREAM_KEYS])
{
    size_t n = 0;
    const char *venues[2] = {s->venue, ""};
    for (int v = 0; v < 2; v++) {
        for (int ch = 0; ch < EDGE_WS_CH_ORDERS; ch++) {
            unsigned tfs = ch == EDGE_WS_CH_CANDLES ? EDGE_WS_TF_COUNT : 1;
            for (unsigned tf = 0; tf < tfs; tf++) {
                keys[n] = edge_ws_key_find(ws, (edge_ws_channel_t) ch, s->symbol, venues[v], tf);
                n += keys[n] != NULL ? 1 : 0;
            }
        }
    }
    return n;
}

static void
s_check_stale(edge_ws_t *ws, edge_ws_stream_t *s)
{
    if (s->stale || ws->shared.now_ns - s->last_ns < ws->cfg.stale_ms * 1000000) {
        return;
    }
    s->stale = true;
    edge_ws_key_t *keys[S_STREAM_KEYS];
    size_t n = s_stream_keys(ws, s, keys);
    if (n == 0) {
        return;
    }
    cb_log_info("ws_stale", "symbol=%s venue=%s silent_ms=%lld", s->symbol, s->venue,
                (long long) ((ws->shared.now_ns - s->last_ns) / 1000000));
    cb_buf_reset(&ws->out);
    if (edge_ws_render_stale(&ws->out, s->symbol, s->venue, s->last_ns) == 0) {
        s_notice(ws, keys, n);
    }
}

void
edge_ws_push_check_stale(edge_ws_t *ws)
{
    edge_ws_streams_each(ws, s_check_stale);
}

/* The resync notice, once per transition of the stream's book to resyncing. */
static void
s_book_state(edge_ws_t *ws, edge_ws_stream_t *s, const cb_book_t *book)
{
    bool resyncing = CB_PROTO_HAS(book, book, resyncing) && book->resyncing;
    if (resyncing == s->resyncing) {
        return;
    }
    s->resyncing = resyncing;
    if (!resyncing) {
        return;
    }
    edge_ws_key_t *keys[2] = {edge_ws_key_find(ws, EDGE_WS_CH_BOOK, s->symbol, s->venue, 0),
                              edge_ws_key_find(ws, EDGE_WS_CH_BOOK, s->symbol, "", 0)};
    if (keys[0] == NULL && keys[1] == NULL) {
        return;
    }
    cb_buf_reset(&ws->out);
    if (edge_ws_render_resync(&ws->out, s->symbol, s->venue) == 0) {
        s_notice(ws, keys, 2);
    }
}

/* Renders ev for clients who asked for symbol into ws->out. */
static int
s_render(edge_ws_t *ws, const char *symbol, const char *venue, const cb_event_t *ev)
{
    cb_buf_reset(&ws->out);
    switch (ev->kind) {
    case CB_KIND_tick:
        return edge_ws_render_tick(&ws->out, symbol, ev);
    case CB_KIND_trade:
        return edge_ws_render_trade(&ws->out, symbol, ev);
    case CB_KIND_candle:
        return edge_ws_render_candle(&ws->out, symbol, ev);
    default: {
        const cb_book_t *b = &ev->body.book;
        return edge_ws_render_book(&ws->out, symbol, venue, b->snapshot, &b->bids, &b->asks,
                                   CB_PROTO_HAS(b, book, resyncing) && b->resyncing, ev->env.seq,
                                   ev->env.ts);
    }
    }
}

/* Sends the frame of ev to every subscriber of the keys, holding price and
 * book updates back for clients that lag. */
static void
s_fan_out(edge_ws_t *ws, edge_ws_key_t *const keys[2], edge_ws_stream_t *stream,
          const cb_event_t *ev, cb_wsd_msg_t *msg)
{
    bool coalescable = ev->kind == CB_KIND_tick || ev->kind == CB_KIND_book;
    ws->gen++;
    for (size_t k = 0; k < 2; k++) {
        if (keys[k] == NULL) {
            continue;
        }
        for (size_t i = 0; i < keys[k]->subs.count; i++) {
            edge_ws_client_t *c = keys[k]->subs.conns[i]->owner;
            if (c->gen == ws->gen || c->close_by_ns != 0) {
                continue;
            }
            c->gen = ws->gen;
            if (coalescable && edge_ws_slow_lagging(ws, c)) {
                if (edge_ws_slow_hold(ws, c, stream, ev, msg) != 0) {
                    edge_ws_client_close(ws, c, 1011, "out of memory");
                }
            } else {
                edge_ws_client_send(ws, c, msg);
            }
        }
    }
}

/* An order event to every authenticated subscriber of orders on its
 * venue and symbol (or every venue / every symbol), never held back. */
static void
s_push_order(edge_ws_t *ws, const cb_event_t *ev)
{
    const cb_order_t *o = &ev->body.order;
    if (ws->order_subs == 0 || o->symbol.len >= EDGE_SYM_MAX || o->venue.len >= EDGE_VENUE_MAX) {
        return;
    }
    char real[EDGE_SYM_MAX], venue[EDGE_VENUE_MAX];
    memcpy(real, o->symbol.ptr, o->symbol.len);
    real[o->symbol.len] = '\0';
    memcpy(venue, o->venue.ptr, o->venue.len);
    venue[o->venue.len] = '\0';
    char symbols[3][EDGE_SYM_MAX] = {{0}}; /* the last: every symbol */
    size_t nsym = s_symbols(ws, real, venue, symbols);
    edge_ws_key_t *keys[6];
    size_t n = 0;
    for (size_t i = 0; i < nsym + 1; i++) {
        const char *sym = i < nsym ? symbols[i] : "";
        keys[n] = edge_ws_key_find(ws, EDGE_WS_CH_ORDERS, sym, venue, 0);
        n += keys[n] != NULL ? 1 : 0;
        keys[n] = edge_ws_key_find(ws, EDGE_WS_CH_ORDERS, sym, "", 0);
        n += keys[n] != NULL ? 1 : 0;
    }
    cb_buf_reset(&ws->out);
    cb_wsd_msg_t *frame = n > 0 && edge_ws_render_order(&ws->out, ev) == 0
                              ? cb_wsd_msg_from_buf(&ws->out)
                              : NULL;
    if (frame == NULL) {
        return;
    }
    ws->gen++;
    for (size_t k = 0; k < n; k++) {
        for (size_t i = 0; i < keys[k]->subs.count; i++) {
            edge_ws_client_t *c = keys[k]->subs.conns[i]->owner;
            if (c->gen != ws->gen && c->close_by_ns == 0 &&
                edge_ws_auth_may_watch(ws, c, ws->shared.now_ns)) {
                c->gen = ws->gen;
                edge_ws_client_send(ws, c, frame);
                ws->stats.order_events++;
            }
        }
    }
    cb_wsd_msg_unref(frame);
}

void
edge_ws_on_bus(void *ctx, const cb_sub_msg_t *msg)
{
    edge_ws_t *ws = ctx;
    const cb_event_t *ev = &msg->ev;
    edge_ws_channel_t channel;
    unsigned tf = 0;
    cb_str_t sym, venue_s;
    switch (ev->kind) {
    case CB_KIND_tick:
        channel = EDGE_WS_CH_TICKER;
        sym = ev->body.tick.symbol;
        venue_s = ev->body.tick.venue;
        break;
    case CB_KIND_trade:
        channel = EDGE_WS_CH_TRADES;
        sym = ev->body.trade.symbol;
        venue_s = ev->body.trade.venue;
        break;
    case CB_KIND_book:
        channel = EDGE_WS_CH_BOOK;
        sym = ev->body.book.symbol;
        venue_s = ev->body.book.venue;
        break;
    case CB_KIND_order:
        if (!ws->stopping) {
            ws->shared.now_ns = cb_time_now_ns();
            s_push_order(ws, ev);
        }
        return;
    case CB_KIND_candle:
        channel = EDGE_WS_CH_CANDLES;
        sym = ev->body.candle.symbol;
        venue_s = ev->body.candle.venue;
        if (!edge_ws_tf_from_name(ev->body.candle.interval.ptr, ev->body.candle.interval.len,
                                  &tf)) {
            return;
        }
        break;
    default:
        return;
    }
    if (ws->stopping || sym.len >= EDGE_SYM_MAX || venue_s.len >= EDGE_VENUE_MAX) {
        return;
    }
    char real[EDGE_SYM_MAX], venue[EDGE_VENUE_MAX];
    memcpy(real, sym.ptr, sym.len);
    real[sym.len] = '\0';
    memcpy(venue, venue_s.ptr, venue_s.len);
    venue[venue_s.len] = '\0';
    ws->shared.now_ns = cb_time_now_ns();
    char symbols[2][EDGE_SYM_MAX];
    size_t nsym = s_symbols(ws, real, venue, symbols);
    for (size_t i = 0; i < nsym; i++) {
        edge_ws_stream_t *stream = edge_ws_stream_get(ws, symbols[i], venue, ws->shared.now_ns);
        if (stream == NULL) {
            continue;
        }
        stream->last_ns = ws->shared.now_ns;
        stream->stale = false;
        if (ev->kind == CB_KIND_book) {
            s_book_state(ws, stream, &ev->body.book);
        }
        edge_ws_key_t *keys[2] = {edge_ws_key_find(ws, channel, symbols[i], venue, tf),
                                  edge_ws_key_find(ws, channel, symbols[i], "", tf)};
        if (keys[0] == NULL && keys[1] == NULL) {
            continue;
        }
        if (s_render(ws, symbols[i], venue, ev) != 0) {
            continue;
        }
        cb_wsd_msg_t *frame = cb_wsd_msg_from_buf(&ws->out);
        if (frame == NULL) {
            continue;
        }
        s_fan_out(ws, keys, stream, ev, frame);
        cb_wsd_msg_unref(frame);
    }
}
