/* feed_app.c - market-feed's hub: one stream per (venue, symbol), published to the bus, kept in Redis, candles and best built */
#include "feed_app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_mem.h"
#include "cb_time.h"

/* Ticks older than this do not make the best. */
#define FEED_BEST_STALE_NS (30LL * 1000000000LL)
/* Candles close this long after their interval ends (late trades). */
#define FEED_CANDLE_GRACE_NS (2LL * 1000000000LL)

int
feed_app_init(feed_app_t *app, cb_pub_t *pub, feed_store_t *store, size_t book_depth,
              const feed_quote_equiv_t *equiv, const cb_venue_cfg_t *venues, size_t nvenues,
              char symbols[][CB_SYMBOL_MAX + 1], size_t nsymbols)
{
    memset(app, 0, sizeof(*app));
    if (nvenues > CB_VENUES_MAX || nsymbols > FEED_SYMBOLS_MAX) {
        return CB_E_BAD_REQUEST;
    }
    app->pub = pub;
    app->store = store;
    app->book_depth = book_depth;
    static const size_t kraken_depths[] = {10, 25, 100, 500, 1000};
    app->kraken_depth = 1000;
    for (size_t k = 0; k < 5; k++) {
        if (kraken_depths[k] >= book_depth) {
            app->kraken_depth = kraken_depths[k];
            break;
        }
    }
    app->equiv = *equiv;
    app->nvenues = nvenues;
    app->nsymbols = nsymbols;
    for (size_t v = 0; v < nvenues; v++) {
        snprintf(app->venue_names[v], sizeof(app->venue_names[v]), "%s", venues[v].name);
        int64_t week_s = cb_dialect_week_start_s(venues[v].dialect);
        app->week_start_ns[v] = week_s >= 0 ? week_s * 1000000000 : FEED_WEEK_MONDAY_NS;
    }
    for (size_t k = 0; k < nsymbols; k++) {
        snprintf(app->symbols[k], sizeof(app->symbols[k]), "%s", symbols[k]);
        feed_best_init(&app->best[k], app->symbols[k], &app->equiv, FEED_BEST_STALE_NS);
    }
    app->streams = calloc(nvenues * nsymbols + 1, sizeof(feed_stream_t));
    if (app->streams == NULL) {
        return CB_E_NOMEM;
    }
    for (size_t v = 0; v < nvenues; v++) {
        for (size_t k = 0; k < nsymbols; k++) {
            feed_stream_t *s = feed_app_stream(app, v, k);
            s->venue_index = v;
            s->symbol_index = k;
            feed_candles_init(&s->candles, FEED_CANDLE_GRACE_NS);
            feed_candles_set_week_start(&s->candles, app->week_start_ns[v]);
            cb_kraken_book_init(&s->kbook, app->kraken_depth, 0, 0);
            cb_binance_book_init(&s->bbook, 0, 0, 0);
        }
    }
    return 0;
}

void
feed_app_fini(feed_app_t *app)
{
    if (app->streams != NULL) {
        for (size_t i = 0; i < app->nvenues * app->nsymbols; i++) {
            cb_kraken_book_fini(&app->streams[i].kbook);
            cb_binance_book_fini(&app->streams[i].bbook);
            free(app->streams[i].pending);
        }
    }
    free(app->streams);
    memset(app, 0, sizeof(*app));
}

feed_stream_t *
feed_app_stream(feed_app_t *app, size_t venue_index, size_t symbol_index)
{
    return &app->streams[venue_index * app->nsymbols + symbol_index];
}

static void
s_publish(feed_app_t *app, cb_event_t *ev)
{
    cb_proto_err_t err;
    if (cb_pub_send(app->pub, ev, &err) == 0) {
        app->published++;
        return;
    }
    /* An invalid message is our bug or a venue value out of the contract:
     * counted, and logged at most every 10 s. */
    app->publish_errors++;
    int64_t now = cb_time_now_ms();
    if (now - app->last_error_log_ms >= 10000) {
        app->last_error_log_ms = now;
        cb_log_warn("publish_refused", "kind=%s error=\"%s\" refused=%llu", cb_kind_name(ev->kind), err.message,
                    (unsigned long long) app->publish_errors);
    }
}

static const char *
s_venue(const feed_app_t *app, const feed_stream_t *s)
{
    return app->venue_names[s->venue_index];
}

static void
s_publish_best(feed_app_t *app, const cb_best_t *best)
{
    if (!CB_PROTO_HAS(best, best, venues) || best->venues == 0) {
        return;
    }
    cb_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = CB_KIND_best;
    ev.body.best = *best;
    s_publish(app, &ev);
}

void
feed_app_tick(feed_app_t *app, feed_stream_t *s, cb_tick_t *tick)
{
    if (s->ins == NULL) {
        return;
    }
    CB_PROTO_SET(tick, tick, symbol, cb_str_from(s->ins->symbol));
    CB_PROTO_SET(tick, tick, venue, cb_str_from(s_venue(app, s)));
    if (!CB_PROTO_HAS(tick, tick, last) && s->have_last) {
        CB_PROTO_SET(tick, tick, last, s->last);
    }
    int64_t now = cb_time_now_ns();
    cb_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = CB_KIND_tick;
    ev.body.tick = *tick;
    s_publish(app, &ev);
    (void) feed_store_put_tick(app->store, tick, now);
    cb_best_t best;
    memset(&best, 0, sizeof(best));
    if (feed_best_update(&app->best[s->symbol_index], s_venue(app, s), s->ins->quote, tick, now, &best) == 1) {
        s_publish_best(app, &best);
    }
}

/* The emit context of the candle builder: the app and the stream. */
typedef struct {
    feed_app_t *app;
    feed_stream_t *s;
} s_candle_ctx_t;

static void
s_candle_out(void *arg, const cb_candle_t *candle)
{
    s_candle_ctx_t *c = arg;
    cb_candle_t out = *candle;
    CB_PROTO_SET(&out, candle, symbol, cb_str_from(c->s->ins->symbol));
    CB_PROTO_SET(&out, candle, venue, cb_str_from(s_venue(c->app, c->s)));
    cb_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = CB_KIND_candle;
    ev.body.candle = out;
    s_publish(c->app, &ev);
    (void) feed_store_put_candle(c->app->store, &out);
}

static void
s_candles_trade(feed_app_t *app, feed_stream_t *s, cb_decimal_t price, cb_decimal_t qty, int64_t ts)
{
    if (!s->candles_ready) {
        if (s->npending == s->pending_cap && s->pending_cap < FEED_PENDING_TRADES_MAX) {
            size_t cap = s->pending_cap == 0 ? FEED_PENDING_TRADES_FIRST : s->pending_cap * 2;
            cap = cap > FEED_PENDING_TRADES_MAX ? FEED_PENDING_TRADES_MAX : cap;
            feed_pending_trade_t *p = realloc(s->pending, cap * sizeof(*p));
            if (p != NULL) {
                s->pending = p;
                s->pending_cap = cap;
            }
        }
        if (s->npending < s->pending_cap) {
            s->pending[s->npending++] = (feed_pending_trade_t){price, qty, ts};
        }
        return;
    }
    s_candle_ctx_t ctx = {app, s};
    (void) feed_candles_trade(&s->candles, price, qty, ts, s_candle_out, &ctx);
}

void
feed_app_trade(feed_app_t *app, feed_stream_t *s, cb_trade_t *trade)
{
    if (s->ins == NULL) {
        return;
    }
    CB_PROTO_SET(trade, trade, symbol, cb_str_from(s->ins->symbol));
    CB_PROTO_SET(trade, trade, venue, cb_str_from(s_venue(app, s)));
    int64_t now = cb_time_now_ns();
    cb_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = CB_KIND_trade;
    ev.body.trade = *trade;
    s_publish(app, &ev);
    (void) feed_store_put_trade(app->store, trade, now);
    s->last = trade->price;
    s->have_last = true;
    int64_t ts = CB_PROTO_HAS(trade, trade, exch_ts) ? trade->exch_ts : now;
    s_candles_trade(app, s, trade->price, trade->qty, ts);
}

void
feed_app_book(feed_app_t *app, feed_stream_t *s, const cb_book_local_t *book, int64_t exch_ts,
              bool has_checksum, uint32_t checksum)
{
    if (s->ins == NULL) {
        return;
    }
    size_t nb = book->nbids < app->book_depth ? book->nbids : app->book_depth;
    size_t na = book->nasks < app->book_depth ? book->nasks : app->book_depth;
    cb_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.kind = CB_KIND_book;
    cb_book_t *b = &ev.body.book;
    CB_PROTO_SET(b, book, symbol, cb_str_from(s->ins->symbol));
    CB_PROTO_SET(b, book, venue, cb_str_from(s_venue(app, s)));
    CB_PROTO_SET(b, book, snapshot, true);
    CB_PROTO_SET(b, book, bids, ((cb_levels_t){book->bids, (uint32_t) nb}));
    CB_PROTO_SET(b, book, asks, ((cb_levels_t){book->asks, (uint32_t) na}));
    if (book->update_id != 0) {
        CB_PROTO_SET(b, book, update_id, book->update_id);
    }
    if (has_checksum) {
        CB_PROTO_SET(b, book, checksum, (uint64_t) checksum);
    }
    if (exch_ts != 0) {
        CB_PROTO_SET(b, book, exch_ts, exch_ts);
    }
    CB_PROTO_SET(b, book, resyncing, s->resyncing);
    s_publish(app, &ev);
    (void) feed_store_put_book(app->store, b, cb_time_now_ns());
    s->have_book = true;
}

static void
s_backfill_done(feed_app_t *app, feed_stream_t *s)
{
    if (--s->backfills_pending > 0) {
        return;
    }
    s->candles_ready = true;
    s_candle_ctx_t ctx = {app, s};
    for (size_t k = 0; k < s->npending; k++) {
        (void) feed_candles_trade(&s->candles, s->pending[k].price, s->pending[k].qty, s->pending[k].ts_ns,
                                  s_candle_out, &ctx);
    }
    s->npending = 0;
    free(s->pending);
    s->pending = NULL;
    s->pending_cap = 0;
    app->release_due = true;
}

void
feed_app_backfill(feed_app_t *app, feed_stream_t *s, feed_tf_t tf, const cb_candle_t *candles,
                  size_t n, int64_t fetched_ns)
{
    if (s->ins != NULL) {
        for (size_t k = 0; k < n; k++) {
            cb_candle_t c = candles[k];
            CB_PROTO_SET(&c, candle, symbol, cb_str_from(s->ins->symbol));
            CB_PROTO_SET(&c, candle, venue, cb_str_from(s_venue(app, s)));
            CB_PROTO_SET(&c, candle, interval, cb_str_from(feed_tf_name(tf)));
            (void) feed_store_put_candle(app->store, &c);
        }
        int rc = feed_candles_backfill(&s->candles, tf, candles, n, fetched_ns);
        if (rc != 0) {
            cb_log_warn("backfill_not_merged", "venue=%s symbol=%s interval=%s error=\"%s\"", s_venue(app, s),
                        s->ins->symbol, feed_tf_name(tf), cb_strerror(rc));
        }
    }
    s_backfill_done(app, s);
}

void
feed_app_backfill_failed(feed_app_t *app, feed_stream_t *s)
{
    s_backfill_done(app, s);
}

void
feed_app_stream_reset(feed_app_t *app, feed_stream_t *s, int backfills)
{
    feed_candles_init(&s->candles, FEED_CANDLE_GRACE_NS);
    feed_candles_set_week_start(&s->candles, app->week_start_ns[s->venue_index]);
    s->candles_ready = backfills == 0;
    s->backfills_pending = backfills;
    s->npending = 0;
    cb_binance_book_reset(&s->bbook);
    cb_kraken_book_fini(&s->kbook);
    cb_kraken_book_init(&s->kbook, app->kraken_depth, s->ins != NULL ? s->ins->price_decimals : 0,
                        s->ins != NULL ? s->ins->qty_decimals : 0);
    s->snapshot_in_flight = false;
    s->resyncing = false;
    s->have_book = false;
}

/* The start-up (or take-over) burst is over when no owned stream waits for
 * history: its buffers are freed by then, and their pages go back. */
static void
s_release_after_backfills(feed_app_t *app)
{
    if (!app->release_due) {
        return;
    }
    for (size_t i = 0; i < app->nvenues * app->nsymbols; i++) {
        if (app->streams[i].owned && !app->streams[i].candles_ready) {
            return;
        }
    }
    app->release_due = false;
    cb_mem_release();
}

void
feed_app_timer(feed_app_t *app, int64_t now_ns)
{
    for (size_t i = 0; i < app->nvenues * app->nsymbols; i++) {
        feed_stream_t *s = &app->streams[i];
        if (!s->owned || s->ins == NULL || !s->candles_ready) {
            continue;
        }
        s_candle_ctx_t ctx = {app, s};
        feed_candles_tick(&s->candles, now_ns, s_candle_out, &ctx);
        feed_candles_flush_forming(&s->candles, s_candle_out, &ctx);
    }
    for (size_t k = 0; k < app->nsymbols; k++) {
        cb_best_t best;
        memset(&best, 0, sizeof(best));
        if (feed_best_refresh(&app->best[k], now_ns, &best) == 1) {
            s_publish_best(app, &best);
        }
    }
    s_release_after_backfills(app);
}
