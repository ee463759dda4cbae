/* sim_ws_binance.c - Binance market streams at /binance/ws/<streams> and
 * /binance/stream?streams=..: subscriptions and the market as stream events */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "sim_ws_binance_impl.h"
#include "sim_ws_binance_msg.h"
#include "sim_ws_json.h"

#define S_MAX_INST 16
#define S_TRADES_MAX 1000
#define S_MAX_LEVELS 20

/* A level a diff depth batch touched. */
typedef struct {
    sim_side_t side;
    sim_fx_t price;
} s_touch_t;

typedef struct {
    cb_wsd_subs_t subs;
    int64_t next_ns;        /* periodic streams: the next push */
    uint64_t last_trade_id; /* trade, aggTrade */
    int64_t kline_open_s;   /* the candle last pushed */
    sim_fx_t top[4];        /* bookTicker: last sent */
    uint64_t first_id;      /* diff: U of the pending batch, 0 when empty */
    uint64_t last_id;
    s_touch_t *touched;
    size_t ntouched;
    size_t cap;
} s_topic_t;

typedef struct {
    const sim_instrument_t *in;
    bool book_dirty;
    bool trades_dirty;
    s_topic_t t[SIM_WS_BN_TOPICS];
} s_inst_t;

struct sim_ws_binance {
    sim_market_t *market;
    cb_wsd_shared_t *shared;
    s_inst_t insts[S_MAX_INST];
    size_t count;
    cb_buf_t raw;
    cb_buf_t comb;
    sim_level_t levels[2][S_MAX_LEVELS];
    sim_level_t *diff[2];
    size_t diff_cap;
    sim_trade_t trades[S_TRADES_MAX];
    bool gap_pending;
};

/* ---- publishing ------------------------------------------------------------- */

/* Queues the payload in b->raw (when rc is 0) to the topic's subscribers,
 * wrapped for those on combined streams; each form is built once. */
static void
s_publish(sim_ws_binance_t *b, s_inst_t *inst, int topic, int rc)
{
    const cb_wsd_subs_t *subs = &inst->t[topic].subs;
    cb_wsd_msg_t *raw = NULL;
    cb_wsd_msg_t *comb = NULL;
    bool want[2] = {false, false};
    for (size_t i = 0; rc == 0 && i < subs->count; i++) {
        want[((const sim_ws_binance_conn_t *) subs->conns[i]->owner)->combined] = true;
    }
    if (want[0]) {
        raw = cb_wsd_msg_from_buf(&b->raw);
    }
    if (want[1] &&
        sim_ws_binance_msg_combined(&b->comb, inst->in, topic, b->raw.data, b->raw.len) == 0) {
        comb = cb_wsd_msg_from_buf(&b->comb);
    }
    for (size_t i = 0; rc == 0 && i < subs->count; i++) {
        cb_wsd_msg_t *m =
            ((const sim_ws_binance_conn_t *) subs->conns[i]->owner)->combined ? comb : raw;
        if (m != NULL) {
            cb_wsd_conn_send(subs->conns[i], m);
        }
    }
    cb_wsd_msg_unref(raw);
    cb_wsd_msg_unref(comb);
    cb_buf_reset(&b->raw);
    cb_buf_reset(&b->comb);
}

/* Two trades of one aggregate: the same taker order at the same price. */
static bool
s_same_agg(const sim_trade_t *a, const sim_trade_t *b)
{
    return a->taker_order_id == b->taker_order_id && a->price == b->price &&
           a->taker_side == b->taker_side;
}

static void
s_flush_trades(sim_ws_binance_t *b, s_inst_t *inst, size_t index, int64_t now_ms)
{
    s_topic_t *t = &inst->t[SIM_WS_BN_TRADE];
    size_t n;
    do {
        n = t->subs.count == 0 ? 0
                               : sim_market_trades_since(b->market, index, t->last_trade_id,
                                                         S_TRADES_MAX, b->trades);
        for (size_t i = 0; i < n; i++) {
            s_publish(b, inst, SIM_WS_BN_TRADE,
                      sim_ws_binance_msg_trade(&b->raw, inst->in, &b->trades[i], now_ms));
            t->last_trade_id = b->trades[i].id;
        }
    } while (n == S_TRADES_MAX);
    t = &inst->t[SIM_WS_BN_AGG_TRADE];
    do {
        n = t->subs.count == 0 ? 0
                               : sim_market_trades_since(b->market, index, t->last_trade_id,
                                                         S_TRADES_MAX, b->trades);
        /* A full read may end inside an aggregate: that run waits for the
         * next read, unless it fills the whole read. */
        size_t last_run = n > 0 ? n - 1 : 0;
        while (last_run > 0 && s_same_agg(&b->trades[last_run - 1], &b->trades[n - 1])) {
            last_run--;
        }
        size_t end = n == S_TRADES_MAX && last_run > 0 ? last_run : n;
        for (size_t i = 0; i < end;) {
            size_t j = i + 1;
            while (j < end && s_same_agg(&b->trades[j], &b->trades[i])) {
                j++;
            }
            int rc = sim_ws_binance_msg_agg_trade(&b->raw, inst->in, &b->trades[i], j - i, now_ms);
            s_publish(b, inst, SIM_WS_BN_AGG_TRADE, rc);
            t->last_trade_id = b->trades[j - 1].id;
            i = j;
        }
    } while (n == S_TRADES_MAX);
}

static void
s_push_kline(sim_ws_binance_t *b, s_inst_t *inst, size_t index, int topic, int64_t now_ms)
{
    s_topic_t *t = &inst->t[topic];
    int64_t interval = sim_ws_binance_kline_seconds(topic);
    int64_t now_s = now_ms / 1000;
    sim_candle_t c;
    if (sim_market_candles(b->market, index, interval, now_s, now_s, 1, true, &c) != 1) {
        return;
    }
    sim_candle_t prev;
    if (t->kline_open_s != 0 && c.open_s != t->kline_open_s &&
        sim_market_candles(b->market, index, interval, t->kline_open_s, t->kline_open_s, 1, false,
                           &prev) == 1) {
        /* The candle that ended since the last push, final. */
        s_publish(b, inst, topic,
                  sim_ws_binance_msg_kline(&b->raw, inst->in, topic, &prev, true, now_ms));
    }
    t->kline_open_s = c.open_s;
    s_publish(b, inst, topic,
              sim_ws_binance_msg_kline(&b->raw, inst->in, topic, &c, false, now_ms));
}

static int
s_touch_cmp(const void *pa, const void *pb)
{
    const s_touch_t *a = pa;
    const s_touch_t *b = pb;
    if (a->side != b->side) {
        return a->side < b->side ? -1 : 1;
    }
    /* Bids best (highest) first, asks best (lowest) first. */
    if (a->price == b->price) {
        return 0;
    }
    return (a->price < b->price) == (a->side == SIM_BUY) ? 1 : -1;
}

static void
s_push_diff(sim_ws_binance_t *b, s_inst_t *inst, size_t index, int topic, int64_t now_ms)
{
    s_topic_t *t = &inst->t[topic];
    if (t->first_id == 0) {
        return; /* nothing changed: Binance sends no event */
    }
    qsort(t->touched, t->ntouched, sizeof *t->touched, s_touch_cmp);
    if (t->ntouched > b->diff_cap) {
        for (int s = 0; s < 2; s++) {
            free(b->diff[s]);
            b->diff[s] = malloc(t->ntouched * sizeof(sim_level_t));
        }
        b->diff_cap = b->diff[0] != NULL && b->diff[1] != NULL ? t->ntouched : 0;
    }
    size_t n[2] = {0, 0};
    const sim_book_t *book = sim_market_book(b->market, index);
    for (size_t i = 0; b->diff_cap > 0 && i < t->ntouched; i++) {
        const s_touch_t *x = &t->touched[i];
        if (i > 0 && x->side == t->touched[i - 1].side && x->price == t->touched[i - 1].price) {
            continue;
        }
        b->diff[x->side][n[x->side]++] =
            (sim_level_t){x->price, sim_book_level_qty(book, x->side, x->price, NULL), 0};
    }
    int rc = b->diff_cap > 0 ? sim_ws_binance_msg_diff(&b->raw, inst->in, now_ms, t->first_id,
                                                       t->last_id, b->diff[SIM_BUY], n[SIM_BUY],
                                                       b->diff[SIM_SELL], n[SIM_SELL])
                             : CB_E_NOMEM;
    s_publish(b, inst, topic, rc);
    t->first_id = 0;
    t->ntouched = 0;
}

static void
s_push(sim_ws_binance_t *b, s_inst_t *inst, size_t index, int topic, int64_t now_ms)
{
    sim_ws_bn_kind_t kind = sim_ws_binance_topic_kind(topic);
    if (kind == SIM_WS_BN_KLINE) {
        s_push_kline(b, inst, index, topic, now_ms);
    } else if (kind == SIM_WS_BN_DIFF) {
        s_push_diff(b, inst, index, topic, now_ms);
    } else if (kind == SIM_WS_BN_TICKER) {
        sim_binance_24hr_t st;
        sim_binance_ticker_stats(b->market, index, b->shared->now_ns, &st);
        bool mini = topic != SIM_WS_BN_TOPIC_TICKER;
        s_publish(b, inst, topic, sim_ws_binance_msg_ticker(&b->raw, inst->in, &st, mini, now_ms));
    } else {
        const sim_book_t *book = sim_market_book(b->market, index);
        size_t levels = sim_ws_binance_partial_levels(topic);
        size_t nb = sim_book_levels(book, SIM_BUY, levels, b->levels[0]);
        size_t na = sim_book_levels(book, SIM_SELL, levels, b->levels[1]);
        uint64_t id = sim_market_update_id(b->market, index);
        s_publish(b, inst, topic,
                  sim_ws_binance_msg_partial(&b->raw, id, b->levels[0], nb, b->levels[1], na));
    }
}

/* The first multiple of the period after now. */
static int64_t
s_next_tick(int64_t now_ns, int topic)
{
    int64_t period = sim_ws_binance_period_ms(topic) * 1000000;
    return (now_ns / period + 1) * period;
}

int64_t
sim_ws_binance_flush(sim_ws_binance_t *b)
{
    int64_t now = b->shared->now_ns;
    int64_t now_ms = now / 1000000;
    int64_t wait = INT64_MAX;
    for (size_t index = 0; index < b->count; index++) {
        s_inst_t *inst = &b->insts[index];
        if (inst->in == NULL) {
            continue;
        }
        s_topic_t *bt = &inst->t[SIM_WS_BN_BOOK_TICKER];
        if (inst->book_dirty && bt->subs.count > 0) {
            const sim_book_t *book = sim_market_book(b->market, index);
            sim_fx_t top[4];
            top[0] = sim_book_best(book, SIM_BUY, &top[1]);
            top[2] = sim_book_best(book, SIM_SELL, &top[3]);
            if (memcmp(top, bt->top, sizeof top) != 0) {
                memcpy(bt->top, top, sizeof top);
                uint64_t id = sim_market_update_id(b->market, index);
                int rc = sim_ws_binance_msg_book_ticker(&b->raw, inst->in, id, top[0], top[1],
                                                        top[2], top[3]);
                s_publish(b, inst, SIM_WS_BN_BOOK_TICKER, rc);
            }
        }
        if (inst->trades_dirty) {
            s_flush_trades(b, inst, index, now_ms);
        }
        inst->book_dirty = false;
        inst->trades_dirty = false;
        for (int topic = SIM_WS_BN_TOPIC_KLINE; topic < SIM_WS_BN_TOPICS; topic++) {
            s_topic_t *t = &inst->t[topic];
            if (t->subs.count == 0) {
                continue;
            }
            if (now >= t->next_ns) {
                s_push(b, inst, index, topic, now_ms);
                t->next_ns = s_next_tick(now, topic);
            }
            wait = t->next_ns - now < wait ? t->next_ns - now : wait;
        }
    }
    return wait;
}

void
sim_ws_binance_event(sim_ws_binance_t *b, const sim_event_t *ev)
{
    if (ev->inst >= b->count || b->insts[ev->inst].in == NULL) {
        return;
    }
    s_inst_t *inst = &b->insts[ev->inst];
    if (ev->kind == SIM_EV_TRADE) {
        inst->trades_dirty = true;
        return;
    }
    inst->book_dirty = true;
    bool gap_taken = false;
    for (int topic = SIM_WS_BN_TOPIC_DIFF; topic < SIM_WS_BN_TOPIC_TICKER; topic++) {
        s_topic_t *t = &inst->t[topic];
        if (t->subs.count == 0) {
            continue;
        }
        if (t->first_id == 0 && b->gap_pending) {
            gap_taken = true; /* this update is left out of the stream */
            continue;
        }
        if (t->ntouched == t->cap) {
            size_t cap = t->cap == 0 ? 64 : t->cap * 2;
            s_touch_t *p = realloc(t->touched, cap * sizeof *p);
            if (p == NULL) {
                continue;
            }
            t->touched = p;
            t->cap = cap;
        }
        t->touched[t->ntouched++] = (s_touch_t){ev->side, ev->price};
        t->first_id = t->first_id == 0 ? ev->update_id : t->first_id;
        t->last_id = ev->update_id;
    }
    if (gap_taken) {
        b->gap_pending = false;
    }
}

int
sim_ws_binance_fault_gap(sim_ws_binance_t *b)
{
    b->gap_pending = true;
    size_t n = 0;
    for (size_t i = 0; i < b->count; i++) {
        n += b->insts[i].t[SIM_WS_BN_TOPIC_DIFF].subs.count +
             b->insts[i].t[SIM_WS_BN_TOPIC_DIFF + 1].subs.count;
    }
    return (int) n;
}

/* ---- subscriptions ------------------------------------------------------------ */

static void
s_topic_start(sim_ws_binance_t *b, size_t index, int topic)
{
    s_topic_t *t = &b->insts[index].t[topic];
    sim_trade_t last;
    t->last_trade_id = sim_market_last_trade(b->market, index, &last) ? last.id : 0;
    t->kline_open_s = 0;
    memset(t->top, 0, sizeof t->top);
    t->first_id = 0;
    t->ntouched = 0;
    t->next_ns = sim_ws_binance_period_ms(topic) > 0 ? s_next_tick(b->shared->now_ns, topic) : 0;
}

int
sim_ws_binance_add(sim_ws_binance_t *b, cb_wsd_conn_t *conn, size_t index, int topic)
{
    sim_ws_binance_conn_t *c = conn->owner;
    uint16_t code = (uint16_t) (index * SIM_WS_BN_TOPICS + (size_t) topic);
    for (size_t i = 0; i < c->count; i++) {
        if (c->subs[i] == code) {
            return 0;
        }
    }
    if (c->count == c->cap) {
        size_t cap = c->cap == 0 ? 8 : c->cap * 2;
        uint16_t *p = realloc(c->subs, cap * sizeof *p);
        if (p == NULL) {
            return CB_E_NOMEM;
        }
        c->subs = p;
        c->cap = cap;
    }
    s_topic_t *t = &b->insts[index].t[topic];
    if (t->subs.count == 0) {
        s_topic_start(b, index, topic);
    }
    if (cb_wsd_subs_add(&t->subs, conn) != 0) {
        return CB_E_NOMEM;
    }
    c->subs[c->count++] = code;
    return 0;
}

void
sim_ws_binance_remove(sim_ws_binance_t *b, cb_wsd_conn_t *conn, size_t pos)
{
    sim_ws_binance_conn_t *c = conn->owner;
    uint16_t code = c->subs[pos];
    cb_wsd_subs_remove(&b->insts[code / SIM_WS_BN_TOPICS].t[code % SIM_WS_BN_TOPICS].subs, conn);
    memmove(&c->subs[pos], &c->subs[pos + 1], (c->count - pos - 1) * sizeof *c->subs);
    c->count--;
}

int
sim_ws_binance_check(const sim_ws_binance_conn_t *c, const char *const *name, const size_t *len,
                     size_t n, size_t *fresh)
{
    *fresh = 0;
    for (size_t i = 0; i < n; i++) {
        size_t index;
        int topic;
        if (!sim_ws_binance_stream_parse(name[i], len[i], &index, &topic)) {
            return -1;
        }
        uint16_t code = (uint16_t) (index * SIM_WS_BN_TOPICS + (size_t) topic);
        bool have = false;
        for (size_t j = 0; j < c->count && !have; j++) {
            have = c->subs[j] == code;
        }
        *fresh += have ? 0 : 1;
    }
    return 0;
}

/* ---- connections and life cycle ------------------------------------------------ */

int
sim_ws_binance_attach(sim_ws_binance_t *b, cb_wsd_conn_t *conn, const char *streams, size_t len,
                      bool combined)
{
    const char *name[SIM_WS_BN_MAX_STREAMS];
    size_t nlen[SIM_WS_BN_MAX_STREAMS];
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        const char *slash = memchr(streams + i, '/', len - i);
        size_t end = slash != NULL ? (size_t) (slash - streams) : len;
        size_t index;
        int topic;
        /* A raw path that names no market stream (ccxt pro opens /ws/0, /ws/1,
         * ... and subscribes afterwards; /ws/<listenKey> is a user stream)
         * opens with nothing subscribed, as /ws does. */
        bool skip = !combined && !sim_ws_binance_stream_parse(streams + i, end - i, &index, &topic);
        if (!skip && n == SIM_WS_BN_MAX_STREAMS) {
            return -1;
        }
        if (!skip) {
            name[n] = streams + i;
            nlen[n++] = end - i;
        }
        i = end + 1;
    }
    sim_ws_binance_conn_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return CB_E_NOMEM;
    }
    c->combined = combined;
    conn->owner = c;
    size_t fresh;
    if (sim_ws_binance_check(c, name, nlen, n, &fresh) != 0) {
        conn->owner = NULL;
        free(c);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        size_t index;
        int topic;
        sim_ws_binance_stream_parse(name[i], nlen[i], &index, &topic);
        if (sim_ws_binance_add(b, conn, index, topic) != 0) {
            sim_ws_binance_detach(b, conn);
            return CB_E_NOMEM;
        }
    }
    return 0;
}

void
sim_ws_binance_detach(sim_ws_binance_t *b, cb_wsd_conn_t *conn)
{
    sim_ws_binance_conn_t *c = conn->owner;
    if (c == NULL) {
        return;
    }
    while (c->count > 0) {
        sim_ws_binance_remove(b, conn, c->count - 1);
    }
    free(c->subs);
    free(c);
    conn->owner = NULL;
}

sim_ws_binance_t *
sim_ws_binance_new(sim_market_t *market, cb_wsd_shared_t *shared)
{
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    sim_ws_binance_t *b = calloc(1, sizeof *b);
    if (b == NULL || count > S_MAX_INST) {
        free(b);
        return NULL;
    }
    b->market = market;
    b->shared = shared;
    b->count = count;
    cb_buf_init(&b->raw);
    cb_buf_init(&b->comb);
    for (size_t i = 0; i < count; i++) {
        b->insts[i].in = all[i].venue == SIM_VENUE_BINANCE ? &all[i] : NULL;
    }
    return b;
}

void
sim_ws_binance_destroy(sim_ws_binance_t **b_p)
{
    if (b_p == NULL || *b_p == NULL) {
        return;
    }
    sim_ws_binance_t *b = *b_p;
    for (size_t i = 0; i < b->count; i++) {
        for (int t = 0; t < SIM_WS_BN_TOPICS; t++) {
            cb_wsd_subs_fini(&b->insts[i].t[t].subs);
            free(b->insts[i].t[t].touched);
        }
    }
    free(b->diff[0]);
    free(b->diff[1]);
    cb_buf_fini(&b->raw);
    cb_buf_fini(&b->comb);
    free(b);
    *b_p = NULL;
}
