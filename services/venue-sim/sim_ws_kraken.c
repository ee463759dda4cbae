/* sim_ws_kraken.c - Kraken WebSocket v2 at /kraken/ws/v2: subscriptions, and the market published
 * as ticker, book, trade and ohlc */
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "sim_ws_kraken_impl.h"

const int sim_ws_kraken_depths[SIM_WS_KR_DEPTHS] = {10, 25, 100, 500, 1000};
const int sim_ws_kraken_intervals[SIM_WS_KR_INTERVALS] = {1, 5, 15, 30, 60, 240, 1440, 10080};
const char *const sim_ws_kraken_channels[4] = {"ticker", "book", "trade", "ohlc"};

/* ---- helpers ---------------------------------------------------------------- */

static int64_t
s_align(int64_t t, int64_t interval)
{
    if (interval == SIM_WS_KR_WEEK) {
        t -= SIM_WS_KR_MONDAY_OFFSET;
    }
    int64_t q = t / interval - (t % interval < 0 ? 1 : 0);
    return q * interval + (interval == SIM_WS_KR_WEEK ? SIM_WS_KR_MONDAY_OFFSET : 0);
}

void
sim_ws_kraken_send_buf(sim_ws_kraken_t *k, const cb_wsd_subs_t *subs, cb_wsd_conn_t *one, int rc)
{
    if (rc == 0) {
        cb_wsd_msg_t *m = cb_wsd_msg_from_buf(&k->buf);
        if (m != NULL) {
            if (subs != NULL) {
                cb_wsd_subs_send(subs, m);
            } else {
                cb_wsd_conn_send(one, m);
            }
            cb_wsd_msg_unref(m);
        }
    }
    cb_buf_reset(&k->buf);
}

/* ---- publishing ------------------------------------------------------------- */

static void
s_flush_book(sim_ws_kraken_t *k, sim_ws_kraken_inst_t *inst, size_t index, int d)
{
    sim_ws_kraken_book_t *bt = &inst->book[d];
    if (bt->subs.count == 0) {
        bt->valid = false;
        return;
    }
    const sim_book_t *book = sim_market_book(k->market, index);
    size_t depth = (size_t) sim_ws_kraken_depths[d];
    size_t n[2];
    size_t nd[2];
    for (int s = 0; s < 2; s++) {
        n[s] = sim_book_levels(book, (sim_side_t) s, depth, k->scratch[s]);
        nd[s] = bt->valid ? sim_ws_kraken_book_diff((sim_side_t) s, bt->view[s], bt->count[s],
                                                    k->scratch[s], n[s], depth, k->diff[s])
                          : 0;
        memcpy(bt->view[s], k->scratch[s], n[s] * sizeof(sim_level_t));
        bt->count[s] = n[s];
    }
    bool was_valid = bt->valid;
    bt->valid = true;
    if (!was_valid || (nd[0] == 0 && nd[1] == 0)) {
        return;
    }
    if (k->gap_pending) {
        k->gap_pending = false; /* this update is lost to every subscriber */
        return;
    }
    uint32_t checksum = sim_ws_kraken_checksum(inst->in, bt->view[SIM_SELL], bt->count[SIM_SELL],
                                               bt->view[SIM_BUY], bt->count[SIM_BUY]);
    if (k->corrupt_pending) {
        k->corrupt_pending = false;
        checksum ^= 0x00800001u;
    }
    int rc = sim_ws_kraken_msg_book(&k->buf, inst->in, false, k->diff[SIM_BUY], nd[SIM_BUY],
                                    k->diff[SIM_SELL], nd[SIM_SELL], checksum, k->shared->now_ns);
    sim_ws_kraken_send_buf(k, &bt->subs, NULL, rc);
}

static void
s_ticker_values(sim_ws_kraken_t *k, size_t index, sim_ws_kraken_ticker_t *t)
{
    const sim_book_t *book = sim_market_book(k->market, index);
    int64_t now_s = k->shared->now_ns / 1000000000;
    t->bid = sim_book_best(book, SIM_BUY, &t->bid_qty);
    t->ask = sim_book_best(book, SIM_SELL, &t->ask_qty);
    t->last = sim_market_last_price(k->market, index);
    sim_market_stats(k->market, index, now_s - 86400, now_s + 1, &t->day);
    t->time_ns = k->shared->now_ns;
}

static void
s_flush_ticker(sim_ws_kraken_t *k, sim_ws_kraken_inst_t *inst, size_t index)
{
    sim_ws_kraken_ticker_t t;
    bool have = false;
    sim_trade_t last;
    uint64_t last_id = sim_market_last_trade(k->market, index, &last) ? last.id : 0;
    if (inst->ticker[0].count > 0 && last_id != inst->ticker_trade_id) {
        s_ticker_values(k, index, &t);
        have = true;
        sim_ws_kraken_send_buf(k, &inst->ticker[0], NULL,
                               sim_ws_kraken_msg_ticker(&k->buf, inst->in, false, &t));
    }
    inst->ticker_trade_id = last_id;
    if (inst->ticker[1].count > 0) {
        sim_fx_t bq, aq;
        const sim_book_t *book = sim_market_book(k->market, index);
        sim_fx_t bid = sim_book_best(book, SIM_BUY, &bq);
        sim_fx_t ask = sim_book_best(book, SIM_SELL, &aq);
        sim_fx_t now[4] = {bid, bq, ask, aq};
        if (memcmp(now, inst->bbo, sizeof now) != 0) {
            memcpy(inst->bbo, now, sizeof now);
            if (!have) {
                s_ticker_values(k, index, &t);
            }
            sim_ws_kraken_send_buf(k, &inst->ticker[1], NULL,
                                   sim_ws_kraken_msg_ticker(&k->buf, inst->in, false, &t));
        }
    }
}

static void
s_flush_trade(sim_ws_kraken_t *k, sim_ws_kraken_inst_t *inst, size_t index)
{
    if (inst->trade.count == 0) {
        return;
    }
    size_t n;
    do {
        n = sim_market_trades_since(k->market, index, inst->trade_last_id, SIM_WS_KR_TRADES_MAX,
                                    k->trades);
        if (n > 0) {
            inst->trade_last_id = k->trades[n - 1].id;
            int rc = sim_ws_kraken_msg_trades(&k->buf, inst->in, false, k->trades, n);
            sim_ws_kraken_send_buf(k, &inst->trade, NULL, rc);
        }
    } while (n == SIM_WS_KR_TRADES_MAX);
}

/* Applies a trade to a candle as the market's history does. */
static void
s_candle_add(sim_candle_t *c, int64_t open_s, const sim_trade_t *t)
{
    if (c->open_s != open_s || c->trades == 0) {
        *c = (sim_candle_t){.open_s = open_s,
                            .open = t->price,
                            .high = t->price,
                            .low = t->price,
                            .first_trade_id = t->id};
    }
    sim_fx_t quote = 0;
    (void) sim_fx_mul(t->price, t->qty, &quote);
    c->high = t->price > c->high ? t->price : c->high;
    c->low = t->price < c->low ? t->price : c->low;
    c->close = t->price;
    c->volume += t->qty;
    c->quote_volume += quote;
    c->trades++;
    c->last_trade_id = t->id;
}

static void
s_flush_ohlc(sim_ws_kraken_t *k, sim_ws_kraken_inst_t *inst, size_t index, int i)
{
    sim_ws_kraken_ohlc_t *o = &inst->ohlc[i];
    if (o->subs.count == 0) {
        return;
    }
    size_t n = sim_market_trades_since(k->market, index, o->last_trade_id, SIM_WS_KR_TRADES_MAX,
                                       k->trades);
    if (n == 0) {
        return;
    }
    int64_t interval = (int64_t) sim_ws_kraken_intervals[i] * 60;
    sim_candle_t out[4];
    size_t nout = 0;
    for (size_t j = 0; j < n; j++) {
        int64_t open_s = s_align(k->trades[j].time_ns / 1000000000, interval);
        if (open_s != o->candle.open_s && o->candle.trades > 0 && nout < 3) {
            out[nout++] = o->candle; /* the candle that just closed, as it ended */
        }
        s_candle_add(&o->candle, open_s, &k->trades[j]);
    }
    o->last_trade_id = k->trades[n - 1].id;
    out[nout++] = o->candle;
    int rc = sim_ws_kraken_msg_ohlc(&k->buf, inst->in, false, sim_ws_kraken_intervals[i], out, nout,
                                    k->shared->now_ns);
    sim_ws_kraken_send_buf(k, &o->subs, NULL, rc);
    if (n == SIM_WS_KR_TRADES_MAX) {
        s_flush_ohlc(k, inst, index,
                     i); /* more trades than one read takes (bounded by the kept history) */
    }
}

void
sim_ws_kraken_flush(sim_ws_kraken_t *k)
{
    for (size_t index = 0; index < k->count; index++) {
        sim_ws_kraken_inst_t *inst = &k->insts[index];
        if (inst->in == NULL || (!inst->book_dirty && !inst->trades_dirty)) {
            continue;
        }
        for (int d = 0; inst->book_dirty && d < SIM_WS_KR_DEPTHS; d++) {
            s_flush_book(k, inst, index, d);
        }
        s_flush_ticker(k, inst, index);
        if (inst->trades_dirty) {
            s_flush_trade(k, inst, index);
            for (int i = 0; i < SIM_WS_KR_INTERVALS; i++) {
                s_flush_ohlc(k, inst, index, i);
            }
        }
        inst->book_dirty = false;
        inst->trades_dirty = false;
    }
}

void
sim_ws_kraken_event(sim_ws_kraken_t *k, const sim_event_t *ev)
{
    if (ev->inst < k->count && k->insts[ev->inst].in != NULL) {
        if (ev->kind == SIM_EV_BOOK) {
            k->insts[ev->inst].book_dirty = true;
        } else {
            k->insts[ev->inst].trades_dirty = true;
        }
    }
}

/* ---- subscriptions ------------------------------------------------------------ */

/* Adds conn to the channel's subscribers after bringing the channel up to
 * date (what is pending goes to the others first), so that the snapshot
 * and the next update fit together. false when out of memory. */
static bool
s_join(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, const sim_ws_kraken_req_t *rq, size_t index)
{
    sim_ws_kraken_inst_t *inst = &k->insts[index];
    int64_t now_s = k->shared->now_ns / 1000000000;
    sim_trade_t last;
    uint64_t last_id = sim_market_last_trade(k->market, index, &last) ? last.id : 0;
    if (rq->channel == SIM_WS_KR_BOOK) {
        sim_ws_kraken_book_t *bt = &inst->book[rq->depth];
        if (bt->subs.count > 0) {
            s_flush_book(k, inst, index, rq->depth);
        } else {
            bt->valid = false; /* a view kept from earlier subscribers may be stale */
        }
        if (cb_wsd_subs_add(&bt->subs, conn) != 0) {
            return false;
        }
        if (!bt->valid) {
            s_flush_book(k, inst, index, rq->depth); /* loads the view */
        }
        return true;
    }
    if (rq->channel == SIM_WS_KR_TICKER) {
        if (inst->ticker[rq->trigger].count == 0) {
            const sim_book_t *book = sim_market_book(k->market, index);
            inst->ticker_trade_id = rq->trigger == 0 ? last_id : inst->ticker_trade_id;
            if (rq->trigger == 1) {
                inst->bbo[0] = sim_book_best(book, SIM_BUY, &inst->bbo[1]);
                inst->bbo[2] = sim_book_best(book, SIM_SELL, &inst->bbo[3]);
            }
        }
        return cb_wsd_subs_add(&inst->ticker[rq->trigger], conn) == 0;
    }
    if (rq->channel == SIM_WS_KR_TRADE) {
        if (inst->trade.count > 0) {
            s_flush_trade(k, inst, index);
        } else {
            inst->trade_last_id = last_id;
        }
        return cb_wsd_subs_add(&inst->trade, conn) == 0;
    }
    sim_ws_kraken_ohlc_t *o = &inst->ohlc[rq->interval];
    if (o->subs.count > 0) {
        s_flush_ohlc(k, inst, index, rq->interval);
    } else {
        int64_t interval = (int64_t) sim_ws_kraken_intervals[rq->interval] * 60;
        o->last_trade_id = last_id;
        if (sim_market_candles(k->market, index, interval, now_s, now_s, 1, true, &o->candle) ==
            0) {
            o->candle = (sim_candle_t){0};
        }
    }
    return cb_wsd_subs_add(&o->subs, conn) == 0;
}

/* Builds the channel's snapshot into k->buf. */
static int
s_snapshot(sim_ws_kraken_t *k, const sim_ws_kraken_req_t *rq, size_t index)
{
    sim_ws_kraken_inst_t *inst = &k->insts[index];
    const sim_instrument_t *in = inst->in;
    if (rq->channel == SIM_WS_KR_BOOK) {
        const sim_ws_kraken_book_t *bt = &inst->book[rq->depth];
        uint32_t checksum = sim_ws_kraken_checksum(in, bt->view[SIM_SELL], bt->count[SIM_SELL],
                                                   bt->view[SIM_BUY], bt->count[SIM_BUY]);
        return sim_ws_kraken_msg_book(&k->buf, in, true, bt->view[SIM_BUY], bt->count[SIM_BUY],
                                      bt->view[SIM_SELL], bt->count[SIM_SELL], checksum, 0);
    }
    if (rq->channel == SIM_WS_KR_TICKER) {
        sim_ws_kraken_ticker_t t;
        s_ticker_values(k, index, &t);
        return sim_ws_kraken_msg_ticker(&k->buf, in, true, &t);
    }
    if (rq->channel == SIM_WS_KR_TRADE) {
        size_t n = sim_market_trades_recent(k->market, index, SIM_WS_KR_TRADE_SNAPSHOT, k->trades);
        return sim_ws_kraken_msg_trades(&k->buf, in, true, k->trades, n);
    }
    int64_t now_s = k->shared->now_ns / 1000000000;
    int64_t interval = (int64_t) sim_ws_kraken_intervals[rq->interval] * 60;
    sim_candle_t *c = malloc(SIM_WS_KR_OHLC_SNAPSHOT * sizeof *c);
    if (c == NULL) {
        return CB_E_NOMEM;
    }
    size_t n = sim_market_candles(k->market, index, interval,
                                  now_s - (SIM_WS_KR_OHLC_SNAPSHOT - 1) * interval, now_s,
                                  SIM_WS_KR_OHLC_SNAPSHOT, true, c);
    int rc = sim_ws_kraken_msg_ohlc(&k->buf, in, true, sim_ws_kraken_intervals[rq->interval], c, n,
                                    k->shared->now_ns);
    free(c);
    return rc;
}

bool
sim_ws_kraken_subscribe(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, const sim_ws_kraken_req_t *rq,
                        size_t index)
{
    if (!s_join(k, conn, rq, index)) {
        return false;
    }
    sim_ws_kraken_ack(k, conn, rq, k->insts[index].in, true);
    if (rq->snapshot) {
        sim_ws_kraken_send_buf(k, NULL, conn, s_snapshot(k, rq, index));
    }
    return true;
}

/* The subscription state bit for rq, for reading and writing. */
bool
sim_ws_kraken_has(const sim_ws_kraken_conn_t *c, const sim_ws_kraken_req_t *rq, size_t index)
{
    switch (rq->channel) {
    case SIM_WS_KR_BOOK:
        return c->book[index] >= 0;
    case SIM_WS_KR_TICKER:
        return c->ticker[index] >= 0;
    case SIM_WS_KR_TRADE:
        return c->trade[index];
    default:
        return (c->ohlc[index] & (1u << rq->interval)) != 0;
    }
}

void
sim_ws_kraken_unsubscribe(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, sim_ws_kraken_conn_t *c,
                          sim_ws_kraken_req_t *rq, size_t index)
{
    sim_ws_kraken_inst_t *inst = &k->insts[index];
    switch (rq->channel) {
    case SIM_WS_KR_BOOK:
        rq->depth = c->book[index];
        cb_wsd_subs_remove(&inst->book[rq->depth].subs, conn);
        c->book[index] = -1;
        break;
    case SIM_WS_KR_TICKER:
        rq->trigger = c->ticker[index];
        cb_wsd_subs_remove(&inst->ticker[rq->trigger], conn);
        c->ticker[index] = -1;
        break;
    case SIM_WS_KR_TRADE:
        cb_wsd_subs_remove(&inst->trade, conn);
        c->trade[index] = false;
        break;
    default:
        cb_wsd_subs_remove(&inst->ohlc[rq->interval].subs, conn);
        c->ohlc[index] &= (uint16_t) ~(1u << rq->interval);
        break;
    }
    sim_ws_kraken_ack(k, conn, rq, inst->in, false);
}

/* The Kraken instrument whose v2 name is exactly the len bytes at name. */
size_t
sim_ws_kraken_find(const sim_ws_kraken_t *k, const char *name, size_t len)
{
    for (size_t i = 0; i < k->count; i++) {
        const sim_instrument_t *in = k->insts[i].in;
        if (in != NULL && strlen(in->ws2name) == len && memcmp(in->ws2name, name, len) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* ---- connections and life cycle ------------------------------------------------ */

int
sim_ws_kraken_attach(sim_ws_kraken_t *k, cb_wsd_conn_t *conn)
{
    (void) k;
    sim_ws_kraken_conn_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return CB_E_NOMEM;
    }
    memset(c->book, -1, sizeof c->book);
    memset(c->ticker, -1, sizeof c->ticker);
    conn->owner = c;
    return 0;
}

void
sim_ws_kraken_open(sim_ws_kraken_t *k, cb_wsd_conn_t *conn)
{
    /* connection_id: a large unsigned id, as Kraken's (which exceed 2^63). */
    uint64_t z = conn->id * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    sim_ws_kraken_send_buf(k, NULL, conn, sim_ws_kraken_msg_status(&k->buf, z ^ (z >> 31)));
}

void
sim_ws_kraken_detach(sim_ws_kraken_t *k, cb_wsd_conn_t *conn)
{
    sim_ws_kraken_conn_t *c = conn->owner;
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < k->count; i++) {
        sim_ws_kraken_inst_t *inst = &k->insts[i];
        if (c->book[i] >= 0) {
            cb_wsd_subs_remove(&inst->book[c->book[i]].subs, conn);
        }
        if (c->ticker[i] >= 0) {
            cb_wsd_subs_remove(&inst->ticker[c->ticker[i]], conn);
        }
        if (c->trade[i]) {
            cb_wsd_subs_remove(&inst->trade, conn);
        }
        for (int j = 0; j < SIM_WS_KR_INTERVALS; j++) {
            if ((c->ohlc[i] & (1u << j)) != 0) {
                cb_wsd_subs_remove(&inst->ohlc[j].subs, conn);
            }
        }
    }
    free(c);
    conn->owner = NULL;
}

void
sim_ws_kraken_heartbeat(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, int64_t interval_ns)
{
    const sim_ws_kraken_conn_t *c = conn->owner;
    if (c != NULL && c->any && k->shared->now_ns - conn->last_send_ns >= interval_ns) {
        cb_wsd_conn_send(conn, k->heartbeat);
    }
}

static int
s_book_subscribers(const sim_ws_kraken_t *k)
{
    size_t n = 0;
    for (size_t i = 0; i < k->count; i++) {
        for (int d = 0; d < SIM_WS_KR_DEPTHS; d++) {
            n += k->insts[i].book[d].subs.count;
        }
    }
    return (int) n;
}

int
sim_ws_kraken_fault_checksum(sim_ws_kraken_t *k)
{
    k->corrupt_pending = true;
    return s_book_subscribers(k);
}

int
sim_ws_kraken_fault_gap(sim_ws_kraken_t *k)
{
    k->gap_pending = true;
    return s_book_subscribers(k);
}

sim_ws_kraken_t *
sim_ws_kraken_new(sim_market_t *market, cb_wsd_shared_t *shared)
{
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    sim_ws_kraken_t *k = calloc(1, sizeof *k);
    if (k == NULL || count > SIM_WS_KR_MAX_INST) {
        free(k);
        return NULL;
    }
    k->market = market;
    k->shared = shared;
    k->count = count;
    cb_buf_init(&k->buf);
    static const char hb[] = "{\"channel\":\"heartbeat\"}";
    k->heartbeat = cb_wsd_msg_new(hb, sizeof hb - 1, CB_WSD_TEXT);
    bool ok = k->heartbeat != NULL;
    for (size_t i = 0; i < count; i++) {
        if (all[i].venue != SIM_VENUE_KRAKEN) {
            continue;
        }
        k->insts[i].in = &all[i];
        for (int d = 0; d < SIM_WS_KR_DEPTHS; d++) {
            for (int s = 0; s < 2; s++) {
                k->insts[i].book[d].view[s] =
                    malloc((size_t) sim_ws_kraken_depths[d] * sizeof(sim_level_t));
                ok = ok && k->insts[i].book[d].view[s] != NULL;
            }
        }
    }
    if (!ok) {
        sim_ws_kraken_destroy(&k);
    }
    return k;
}

void
sim_ws_kraken_destroy(sim_ws_kraken_t **k_p)
{
    if (k_p == NULL || *k_p == NULL) {
        return;
    }
    sim_ws_kraken_t *k = *k_p;
    for (size_t i = 0; i < k->count; i++) {
        sim_ws_kraken_inst_t *inst = &k->insts[i];
        for (int d = 0; d < SIM_WS_KR_DEPTHS; d++) {
            free(inst->book[d].view[0]);
            free(inst->book[d].view[1]);
            cb_wsd_subs_fini(&inst->book[d].subs);
        }
        cb_wsd_subs_fini(&inst->ticker[0]);
        cb_wsd_subs_fini(&inst->ticker[1]);
        cb_wsd_subs_fini(&inst->trade);
        for (int j = 0; j < SIM_WS_KR_INTERVALS; j++) {
            cb_wsd_subs_fini(&inst->ohlc[j].subs);
        }
    }
    cb_wsd_msg_unref(k->heartbeat);
    cb_buf_fini(&k->buf);
    free(k);
    *k_p = NULL;
}
