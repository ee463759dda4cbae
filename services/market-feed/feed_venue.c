/* feed_venue.c - one venue's market-data runtime: instruments, the stream connection, books kept exact, REST fallback */
#include "feed_venue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_time.h"
#include "cb_venue_client.h"

/* Depth of a Binance REST snapshot (the docs' procedure uses 1000; weight 50). */
#define FEED_BINANCE_SNAPSHOT_DEPTH 1000
/* Candles fetched per timeframe at start. */
#define FEED_BACKFILL_LIMIT 720

struct feed_venue {
    feed_app_t *app;
    size_t vi;
    cb_venue_cfg_t cfg;
    cb_venue_client_t *client;
    cb_ws_t *ws;
    cb_ws_conn_t *conn;
    cb_circuit_breaker_t *circuit;
    feed_venue_opts_t opts;
    cb_md_parser_t parser;
    bool instruments_loaded;
    bool instruments_in_flight;
    int64_t next_instruments_ms;
    int instruments_failures;
    bool rebuild;                 /* the owned set changed: new connection */
    bool want_owned[FEED_SYMBOLS_MAX];
    int64_t req_id;
    int64_t next_poll_ms;
    uint64_t reconnects_before;   /* reconnects of connections already closed */
    uint64_t parse_errors;
    int64_t last_error_log_ms;
    struct s_backfill_ctx *retry;  /* history fetches waiting for rate budget */
};

/* ---- helpers ----------------------------------------------------------------- */

static feed_stream_t *
s_stream(feed_venue_t *fv, size_t k)
{
    return feed_app_stream(fv->app, fv->vi, k);
}

/* The owned stream a message's symbol names. Per message: it compares with
 * the few owned instruments, never the venue's whole list (Binance lists
 * thousands). */
static feed_stream_t *
s_stream_by_native(feed_venue_t *fv, cb_str_t native)
{
    for (size_t k = 0; k < fv->app->nsymbols; k++) {
        feed_stream_t *s = s_stream(fv, k);
        if (s->owned && s->ins != NULL && cb_instrument_has_name(s->ins, native)) {
            return s;
        }
    }
    return NULL;
}

static void
s_channels(const feed_venue_t *fv, cb_ws_channels_t *ch)
{
    memset(ch, 0, sizeof(*ch));
    ch->ticker = true;
    ch->trades = true;
    ch->book_depth = fv->cfg.dialect == CB_DIALECT_KRAKEN ? (int) fv->app->kraken_depth : 1;
}

/* ---- books ------------------------------------------------------------------- */

static void s_fetch_snapshot(feed_venue_t *fv, feed_stream_t *s);

static void
s_kraken_book(feed_venue_t *fv, feed_stream_t *s, const cb_md_msg_t *msg)
{
    int rc = cb_kraken_book_apply(&s->kbook, msg);
    int64_t exch_ts = CB_PROTO_HAS(&msg->book, book, exch_ts) ? msg->book.exch_ts : 0;
    if (rc == CB_E_CONFLICT) {
        s->resyncs++;
        s->resyncing = true;
        cb_log_warn("book_resync", "venue=%s symbol=%s reason=\"checksum mismatch\"", fv->cfg.name, s->ins->symbol);
        feed_app_book(fv->app, s, &s->kbook.book, exch_ts, false, 0);
        cb_buf_t out = {0};
        for (int k = 0;; k++) {
            cb_buf_reset(&out);
            int more = cb_venue_client_ops(fv->client)->ws_resubscribe_book(s->ins, (int) fv->app->kraken_depth, k,
                                                                            ++fv->req_id, &out);
            if (more != 1) {
                break;
            }
            if (fv->conn != NULL) {
                (void) cb_ws_send(fv->conn, out.data, out.len);
            }
        }
        cb_buf_fini(&out);
        return;
    }
    if (rc != 0 || s->kbook.state != CB_KRAKEN_BOOK_LIVE) {
        return;
    }
    s->resyncing = false;
    feed_app_book(fv->app, s, &s->kbook.book, exch_ts, true, s->kbook.last_checksum);
}

static void
s_binance_book(feed_venue_t *fv, feed_stream_t *s, const cb_md_msg_t *msg)
{
    int rc = cb_binance_book_on_diff(&s->bbook, msg);
    if (rc == CB_BINANCE_BOOK_OK) {
        if (cb_binance_book_state(&s->bbook) == CB_BINANCE_BOOK_LIVE) {
            s->resyncing = false;
            int64_t exch_ts = CB_PROTO_HAS(&msg->book, book, exch_ts) ? msg->book.exch_ts : 0;
            feed_app_book(fv->app, s, &s->bbook.book, exch_ts, false, 0);
        }
        return;
    }
    if (rc == CB_BINANCE_BOOK_GAP) {
        s->resyncs++;
        cb_log_warn("book_resync", "venue=%s symbol=%s reason=\"sequence gap\"", fv->cfg.name, s->ins->symbol);
        if (s->have_book && !s->resyncing) {
            s->resyncing = true;
            cb_book_local_t empty = {0};
            feed_app_book(fv->app, s, &empty, 0, false, 0);
        }
    }
    if (rc == CB_BINANCE_BOOK_NEED_SNAPSHOT || rc == CB_BINANCE_BOOK_GAP) {
        s->resyncing = true;
        s_fetch_snapshot(fv, s);
    }
}

typedef struct {
    feed_venue_t *fv;
    feed_stream_t *s;
} s_snap_ctx_t;

static int
s_snapshot_emit(void *ctx, const cb_md_msg_t *msg)
{
    s_snap_ctx_t *c = ctx;
    if (msg->type != CB_MD_BOOK) {
        return 0;
    }
    int rc = cb_binance_book_on_snapshot(&c->s->bbook, msg);
    if (rc == CB_BINANCE_BOOK_OK && cb_binance_book_state(&c->s->bbook) == CB_BINANCE_BOOK_LIVE) {
        c->s->resyncing = false;
        feed_app_book(c->fv->app, c->s, &c->s->bbook.book, 0, false, 0);
    }
    return 0;
}

static void
s_snapshot_done(void *ctx, int rc, const cb_venue_error_t *err)
{
    s_snap_ctx_t *c = ctx;
    c->s->snapshot_in_flight = false;
    if (rc != 0) {
        cb_log_warn("snapshot_failed", "venue=%s symbol=%s error=\"%s\" venue_message=\"%s\"", c->fv->cfg.name,
                    c->s->ins->symbol, cb_strerror(rc), err != NULL ? err->message : "");
        c->s->snapshot_retry_ms = cb_time_now_ms() + 1000;
    } else if (cb_binance_book_state(&c->s->bbook) != CB_BINANCE_BOOK_LIVE) {
        /* Older than the buffered events: fetch again soon. */
        c->s->snapshot_retry_ms = cb_time_now_ms() + 200;
    }
    free(c);
}

static void
s_fetch_snapshot(feed_venue_t *fv, feed_stream_t *s)
{
    if (s->snapshot_in_flight || cb_time_now_ms() < s->snapshot_retry_ms) {
        return;
    }
    s_snap_ctx_t *c = malloc(sizeof(*c));
    if (c == NULL) {
        return;
    }
    c->fv = fv;
    c->s = s;
    cb_rest_args_t args = {.ins = s->ins, .limit = FEED_BINANCE_SNAPSHOT_DEPTH};
    if (cb_venue_client_public(fv->client, CB_REST_BOOK, &args, s_snapshot_emit, s_snapshot_done, c) != 0) {
        free(c);
        return;
    }
    s->snapshot_in_flight = true;
}

/* ---- stream messages ------------------------------------------------------------ */

static int
s_on_item(void *ctx, const cb_md_msg_t *msg)
{
    feed_venue_t *fv = ctx;
    if (msg->type == CB_MD_ERROR) {
        int64_t now = cb_time_now_ms();
        if (now - fv->last_error_log_ms > 10000) {
            fv->last_error_log_ms = now;
            cb_log_warn("venue_stream_error", "venue=%s channel=\"%.*s\" message=\"%s\"", fv->cfg.name,
                        (int) msg->channel.len, msg->channel.ptr != NULL ? msg->channel.ptr : "",
                        msg->message != NULL ? msg->message : "");
        }
        return 0;
    }
    if (msg->type != CB_MD_TICK && msg->type != CB_MD_TRADES && msg->type != CB_MD_BOOK) {
        return 0;
    }
    feed_stream_t *s = s_stream_by_native(fv, msg->native);
    if (s == NULL) {
        return 0;
    }
    s->last_msg_ns = cb_time_now_ns();
    switch (msg->type) {
    case CB_MD_TICK: {
        cb_tick_t tick = msg->tick;
        feed_app_tick(fv->app, s, &tick);
        break;
    }
    case CB_MD_TRADES:
        for (size_t k = 0; k < msg->count; k++) {
            cb_trade_t trade = msg->trades[k];
            feed_app_trade(fv->app, s, &trade);
        }
        break;
    case CB_MD_BOOK:
        if (fv->cfg.dialect == CB_DIALECT_KRAKEN) {
            s_kraken_book(fv, s, msg);
        } else if (fv->cfg.dialect == CB_DIALECT_BINANCE) {
            s_binance_book(fv, s, msg);
        }
        break;
    default:
        break;
    }
    return 0;
}

static void
s_ws_message(cb_ws_conn_t *conn, void *ctx, const char *data, size_t len)
{
    (void) conn;
    feed_venue_t *fv = ctx;
    int rc = cb_venue_client_ops(fv->client)->ws_parse(&fv->parser, data, len, s_on_item, fv);
    if (rc != 0) {
        fv->parse_errors++;
    }
}

static void
s_ws_open(cb_ws_conn_t *conn, void *ctx)
{
    feed_venue_t *fv = ctx;
    const cb_instrument_t *ins[FEED_SYMBOLS_MAX];
    size_t n = 0;
    for (size_t k = 0; k < fv->app->nsymbols; k++) {
        feed_stream_t *s = s_stream(fv, k);
        if (s->owned && s->ins != NULL) {
            ins[n++] = s->ins;
            /* A new connection starts every book from a snapshot. */
            cb_binance_book_reset(&s->bbook);
            s->snapshot_in_flight = false;
            s->snapshot_retry_ms = 0;
        }
    }
    cb_log_info("stream_open", "venue=%s symbols=%zu", fv->cfg.name, n);
    cb_ws_channels_t ch;
    s_channels(fv, &ch);
    cb_buf_t out = {0};
    for (int k = 0;; k++) {
        cb_buf_reset(&out);
        int more = cb_venue_client_ops(fv->client)->ws_subscribe(ins, n, &ch, k, ++fv->req_id, &out);
        if (more != 1) {
            break;
        }
        (void) cb_ws_send(conn, out.data, out.len);
    }
    cb_buf_fini(&out);
}

static void
s_ws_close(cb_ws_conn_t *conn, void *ctx, const char *reason)
{
    (void) conn;
    feed_venue_t *fv = ctx;
    cb_log_warn("stream_closed", "venue=%s reason=\"%s\"", fv->cfg.name, reason != NULL ? reason : "");
}

static void
s_connect(feed_venue_t *fv)
{
    if (fv->conn != NULL) {
        cb_ws_stats_t st;
        cb_ws_stats(fv->conn, &st);
        fv->reconnects_before += st.reconnects;
        cb_ws_close(fv->conn);
        fv->conn = NULL;
    }
    const cb_instrument_t *ins[FEED_SYMBOLS_MAX];
    size_t n = 0;
    for (size_t k = 0; k < fv->app->nsymbols; k++) {
        feed_stream_t *s = s_stream(fv, k);
        if (s->owned && s->ins != NULL) {
            ins[n++] = s->ins;
        }
    }
    if (n == 0) {
        return;
    }
    cb_ws_channels_t ch;
    s_channels(fv, &ch);
    char url[2048];
    if (cb_venue_client_ops(fv->client)->ws_url(&fv->cfg, ins, n, &ch, url, sizeof(url)) != 0) {
        cb_log_error("stream_url_failed", "venue=%s", fv->cfg.name);
        return;
    }
    static const cb_ws_handlers_t handlers = {s_ws_open, s_ws_message, s_ws_close};
    cb_ws_opts_t o = {0};
    o.silence_ms = fv->opts.silence_ms;
    o.ping_ms = fv->opts.silence_ms / 3;
    fv->conn = cb_ws_open(fv->ws, url, &handlers, fv, &o);
    if (fv->conn == NULL) {
        cb_log_error("stream_open_failed", "venue=%s url=%s", fv->cfg.name, url);
    }
}

/* ---- history ---------------------------------------------------------------- */

/* History is low priority: it asks the shared limiter for at most this wait
 * and retries later, so it never books the budget far ahead of the calls
 * that matter (instrument lists, snapshots) on this or another replica. */
#define FEED_BACKFILL_MAX_WAIT_MS 1000

typedef struct s_backfill_ctx {
    feed_venue_t *fv;
    feed_stream_t *s;
    feed_tf_t tf;
    cb_candle_t *candles;
    size_t n;
    int64_t due_ms;
    struct s_backfill_ctx *next;
} s_backfill_ctx_t;

static int s_backfill_emit(void *ctx, const cb_md_msg_t *msg);
static void s_backfill_done(void *ctx, int rc, const cb_venue_error_t *err);

/* Starts (or restarts) one history fetch; false when it could not start. */
static bool
s_backfill_send(feed_venue_t *fv, s_backfill_ctx_t *c)
{
    cb_rest_args_t args = {
        .ins = c->s->ins,
        .interval_s = (int) (feed_tf_len_ns(c->tf) / 1000000000LL),
        .limit = FEED_BACKFILL_LIMIT,
        .max_wait_ms = FEED_BACKFILL_MAX_WAIT_MS,
    };
    return cb_venue_client_public(fv->client, CB_REST_OHLC, &args, s_backfill_emit, s_backfill_done, c) == 0;
}

static int
s_backfill_emit(void *ctx, const cb_md_msg_t *msg)
{
    s_backfill_ctx_t *c = ctx;
    if (msg->type != CB_MD_CANDLES || msg->count == 0) {
        return 0;
    }
    cb_candle_t *p = realloc(c->candles, (c->n + msg->count) * sizeof(cb_candle_t));
    if (p == NULL) {
        return CB_E_NOMEM;
    }
    c->candles = p;
    memcpy(c->candles + c->n, msg->candles, msg->count * sizeof(cb_candle_t));
    c->n += msg->count;
    return 0;
}

static void
s_backfill_done(void *ctx, int rc, const cb_venue_error_t *err)
{
    s_backfill_ctx_t *c = ctx;
    if (rc == CB_E_RATE_LIMITED && c->s->owned && c->s->backfills_pending > 0) {
        int64_t wait = err != NULL && err->retry_after_ms > 200 ? err->retry_after_ms : 200;
        c->due_ms = cb_time_now_ms() + (wait < 5000 ? wait : 5000);
        c->n = 0;
        c->next = c->fv->retry;
        c->fv->retry = c;
        return;
    }
    if (rc == 0 && c->s->owned) {
        feed_app_backfill(c->fv->app, c->s, c->tf, c->candles, c->n, cb_time_now_ns());
    } else {
        if (rc != 0) {
            cb_log_warn("backfill_failed", "venue=%s symbol=%s interval=%s error=\"%s\" venue_message=\"%s\"",
                        c->fv->cfg.name, c->s->ins != NULL ? c->s->ins->symbol : "", feed_tf_name(c->tf),
                        cb_strerror(rc), err != NULL ? err->message : "");
        }
        feed_app_backfill_failed(c->fv->app, c->s);
    }
    free(c->candles);
    free(c);
}

/* Starts the history fetches of a stream just gained. */
static void
s_start_backfill(feed_venue_t *fv, feed_stream_t *s)
{
    feed_app_stream_reset(fv->app, s, FEED_TF_COUNT);
    for (int tf = 0; tf < FEED_TF_COUNT; tf++) {
        s_backfill_ctx_t *c = calloc(1, sizeof(*c));
        if (c == NULL) {
            feed_app_backfill_failed(fv->app, s);
            continue;
        }
        c->fv = fv;
        c->s = s;
        c->tf = (feed_tf_t) tf;
        if (!s_backfill_send(fv, c)) {
            free(c);
            feed_app_backfill_failed(fv->app, s); /* this venue has no such interval */
        }
    }
}

/* ---- instruments, ownership, polling -------------------------------------------------- */

static void
s_instruments_done(void *ctx, int rc, const cb_venue_error_t *err)
{
    feed_venue_t *fv = ctx;
    fv->instruments_in_flight = false;
    if (rc != 0) {
        fv->instruments_failures++;
        int64_t delay = 1000LL << (fv->instruments_failures < 5 ? fv->instruments_failures : 5);
        fv->next_instruments_ms = cb_time_now_ms() + delay;
        cb_log_warn("instruments_failed", "venue=%s error=\"%s\" venue_message=\"%s\" retry_ms=%lld", fv->cfg.name,
                    cb_strerror(rc), err != NULL ? err->message : "", (long long) delay);
        return;
    }
    const cb_instruments_t *list = cb_venue_client_instruments(fv->client);
    (void) feed_store_set_instruments(fv->app->store, fv->cfg.name, cb_dialect_name(fv->cfg.dialect), list);
    for (size_t k = 0; k < fv->app->nsymbols; k++) {
        feed_stream_t *s = s_stream(fv, k);
        s->ins = cb_instruments_resolve(list, cb_str_from(fv->app->symbols[k]));
        if (s->ins == NULL) {
            cb_log_warn("symbol_not_listed", "venue=%s symbol=%s", fv->cfg.name, fv->app->symbols[k]);
        }
    }
    fv->instruments_loaded = true;
    fv->rebuild = true;
    cb_log_info("instruments_loaded", "venue=%s count=%zu", fv->cfg.name, list->count);
}

static void
s_apply_owned(feed_venue_t *fv)
{
    for (size_t k = 0; k < fv->app->nsymbols; k++) {
        feed_stream_t *s = s_stream(fv, k);
        bool want = fv->want_owned[k] && s->ins != NULL;
        if (want && !s->owned) {
            s->owned = true;
            s_start_backfill(fv, s);
        } else if (!want && s->owned) {
            s->owned = false;
            feed_app_stream_reset(fv->app, s, 0);
        }
    }
    s_connect(fv);
}

typedef struct {
    feed_venue_t *fv;
    feed_stream_t *s;
} s_poll_ctx_t;

static int
s_poll_item(void *ctx, const cb_md_msg_t *msg)
{
    s_poll_ctx_t *c = ctx;
    if (msg->type == CB_MD_TICK && c->s->owned) {
        cb_tick_t tick = msg->tick;
        feed_app_tick(c->fv->app, c->s, &tick);
    }
    return 0;
}

static void
s_poll_done(void *ctx, int rc, const cb_venue_error_t *err)
{
    (void) rc;
    (void) err;
    free(ctx);
}

static bool
s_stream_down(feed_venue_t *fv)
{
    if (fv->conn == NULL) {
        return true;
    }
    cb_ws_stats_t st;
    cb_ws_stats(fv->conn, &st);
    if (st.state != CB_WS_OPEN) {
        return true;
    }
    return st.last_message_ns != 0 && (cb_time_mono_ns() - st.last_message_ns) / 1000000 > fv->opts.stale_ms;
}

static void
s_poll(feed_venue_t *fv, int64_t now_ms)
{
    if (now_ms < fv->next_poll_ms || !s_stream_down(fv)) {
        return;
    }
    fv->next_poll_ms = now_ms + fv->opts.poll_ms;
    for (size_t k = 0; k < fv->app->nsymbols; k++) {
        feed_stream_t *s = s_stream(fv, k);
        if (!s->owned || s->ins == NULL) {
            continue;
        }
        s_poll_ctx_t *c = malloc(sizeof(*c));
        if (c == NULL) {
            return;
        }
        c->fv = fv;
        c->s = s;
        cb_rest_args_t args = {.ins = s->ins};
        if (cb_venue_client_public(fv->client, CB_REST_TICKER, &args, s_poll_item, s_poll_done, c) != 0) {
            free(c);
        }
    }
}

/* ---- public ------------------------------------------------------------------ */

feed_venue_t *
feed_venue_new(feed_app_t *app, size_t venue_index, const cb_venue_cfg_t *cfg, cb_http_t *http,
               cb_ws_t *ws, cb_ratelimit_t *limiter, cb_circuit_breaker_t *circuit,
               const feed_venue_opts_t *opts)
{
    feed_venue_t *fv = calloc(1, sizeof(*fv));
    if (fv == NULL) {
        return NULL;
    }
    fv->app = app;
    fv->vi = venue_index;
    fv->cfg = *cfg;
    fv->ws = ws;
    fv->circuit = circuit;
    fv->opts = *opts;
    cb_venue_deps_t deps = {http, limiter, circuit, 30000};
    fv->client = cb_venue_client_new(cfg, &deps);
    if (fv->client == NULL) {
        free(fv);
        return NULL;
    }
    return fv;
}

void
feed_venue_destroy(feed_venue_t **fv_p)
{
    if (fv_p == NULL || *fv_p == NULL) {
        return;
    }
    feed_venue_t *fv = *fv_p;
    if (fv->conn != NULL) {
        cb_ws_close(fv->conn);
    }
    while (fv->retry != NULL) {
        s_backfill_ctx_t *c = fv->retry;
        fv->retry = c->next;
        free(c->candles);
        free(c);
    }
    cb_venue_client_destroy(&fv->client);
    cb_md_parser_fini(&fv->parser);
    free(fv);
    *fv_p = NULL;
}

void
feed_venue_set_owned(feed_venue_t *fv, size_t symbol_index, bool owned)
{
    if (symbol_index < FEED_SYMBOLS_MAX && fv->want_owned[symbol_index] != owned) {
        fv->want_owned[symbol_index] = owned;
        fv->rebuild = true;
    }
}

void
feed_venue_tick(feed_venue_t *fv, int64_t now_ms)
{
    cb_venue_client_tick(fv->client, now_ms);
    if (!fv->instruments_loaded) {
        if (!fv->instruments_in_flight && now_ms >= fv->next_instruments_ms) {
            if (cb_venue_client_public(fv->client, CB_REST_INSTRUMENTS, NULL, NULL, s_instruments_done, fv) == 0) {
                fv->instruments_in_flight = true;
            }
        }
        return;
    }
    if (fv->rebuild) {
        fv->rebuild = false;
        s_apply_owned(fv);
    }
    s_backfill_ctx_t **pp = &fv->retry;
    while (*pp != NULL) {
        s_backfill_ctx_t *c = *pp;
        if (c->due_ms > now_ms) {
            pp = &c->next;
            continue;
        }
        *pp = c->next;
        if (!c->s->owned || !s_backfill_send(fv, c)) {
            feed_app_backfill_failed(fv->app, c->s);
            free(c->candles);
            free(c);
        }
    }
    if (fv->cfg.dialect == CB_DIALECT_BINANCE) {
        for (size_t k = 0; k < fv->app->nsymbols; k++) {
            feed_stream_t *s = s_stream(fv, k);
            cb_binance_book_state_t st = cb_binance_book_state(&s->bbook);
            if (s->owned && s->ins != NULL && (st == CB_BINANCE_BOOK_WAITING || st == CB_BINANCE_BOOK_RESYNCING) &&
                !s->snapshot_in_flight && s->snapshot_retry_ms != 0 && now_ms >= s->snapshot_retry_ms) {
                s_fetch_snapshot(fv, s);
            }
        }
    }
    s_poll(fv, now_ms);
}

void
feed_venue_report(feed_venue_t *fv)
{
    feed_venue_status_t st;
    memset(&st, 0, sizeof(st));
    snprintf(st.venue, sizeof(st.venue), "%s", fv->cfg.name);
    const char *stream = "down";
    uint64_t reconnects = fv->reconnects_before;
    int64_t last_ns = 0;
    bool resyncing = false;
    for (size_t k = 0; k < fv->app->nsymbols; k++) {
        feed_stream_t *s = s_stream(fv, k);
        if (s->owned) {
            resyncing = resyncing || s->resyncing;
            last_ns = s->last_msg_ns > last_ns ? s->last_msg_ns : last_ns;
        }
    }
    if (!fv->instruments_loaded) {
        stream = "connecting";
    } else if (fv->conn == NULL) {
        stream = "idle";
    } else {
        cb_ws_stats_t ws;
        cb_ws_stats(fv->conn, &ws);
        reconnects += ws.reconnects;
        stream = ws.state == CB_WS_OPEN ? (resyncing ? "resyncing" : "live")
                                        : ws.state == CB_WS_CONNECTING ? "connecting" : "down";
    }
    snprintf(st.stream, sizeof(st.stream), "%s", stream);
    snprintf(st.circuit, sizeof(st.circuit), "closed");
    if (fv->circuit != NULL) {
        cb_circuit_decision_t d;
        if (cb_circuit_peek(fv->circuit, fv->cfg.name, "rest", &d) == 0) {
            snprintf(st.circuit, sizeof(st.circuit), "%s", cb_circuit_state_name(d.state));
        }
    }
    st.last_msg_ts = last_ns;
    st.reconnects = reconnects;
    st.updated_ts = cb_time_now_ns();
    (void) feed_store_set_venue_status(fv->app->store, &st);
}

const char *
feed_venue_name(const feed_venue_t *fv)
{
    return fv->cfg.name;
}
