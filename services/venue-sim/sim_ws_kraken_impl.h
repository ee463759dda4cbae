/* sim_ws_kraken_impl.h - the Kraken WebSocket dialect's internals, shared by its publishing (sim_ws_kraken.c) and request (sim_ws_kraken_req.c) halves */
#ifndef SIM_WS_KRAKEN_IMPL_H_INCLUDED
#define SIM_WS_KRAKEN_IMPL_H_INCLUDED

#include <msgpack.h>

#include "sim_ws_kraken.h"
#include "sim_ws_kraken_msg.h"

#define SIM_WS_KR_MAX_INST 16
#define SIM_WS_KR_DEPTHS 5
#define SIM_WS_KR_MAX_DEPTH 1000
/* Kraken's documented ohlc intervals but 21600 (15 days), which the
 * market's candles (up to a week) cannot build. */
#define SIM_WS_KR_INTERVALS 8
#define SIM_WS_KR_TRADES_MAX 1000
#define SIM_WS_KR_TRADE_SNAPSHOT 50
#define SIM_WS_KR_OHLC_SNAPSHOT 720
#define SIM_WS_KR_WEEK 604800
#define SIM_WS_KR_MONDAY_OFFSET 345600

/* The depths and ohlc intervals (minutes) a subscription may ask for. */
extern const int sim_ws_kraken_depths[SIM_WS_KR_DEPTHS];
extern const int sim_ws_kraken_intervals[SIM_WS_KR_INTERVALS];

/* A book channel of one symbol and depth. */
typedef struct {
    cb_wsd_subs_t subs;
    sim_level_t *view[2]; /* what the subscribers hold: [SIM_BUY] bids, [SIM_SELL] asks, best first */
    size_t count[2];
    bool valid;
} sim_ws_kraken_book_t;

/* An ohlc channel of one symbol and interval. */
typedef struct {
    cb_wsd_subs_t subs;
    uint64_t last_trade_id;
    sim_candle_t candle; /* the current candle as published */
} sim_ws_kraken_ohlc_t;

/* Every channel of one symbol, and what happened since the last flush. */
typedef struct {
    const sim_instrument_t *in; /* NULL: not a Kraken instrument */
    bool book_dirty;
    bool trades_dirty;
    sim_ws_kraken_book_t book[SIM_WS_KR_DEPTHS];
    cb_wsd_subs_t ticker[2]; /* event_trigger trades, bbo */
    uint64_t ticker_trade_id;
    sim_fx_t bbo[4];
    cb_wsd_subs_t trade;
    uint64_t trade_last_id;
    sim_ws_kraken_ohlc_t ohlc[SIM_WS_KR_INTERVALS];
} sim_ws_kraken_inst_t;

/* One connection's subscriptions, by instrument index. */
typedef struct {
    int8_t book[SIM_WS_KR_MAX_INST];   /* depth index, -1: none */
    int8_t ticker[SIM_WS_KR_MAX_INST]; /* 0 trades, 1 bbo, -1: none */
    bool trade[SIM_WS_KR_MAX_INST];
    uint16_t ohlc[SIM_WS_KR_MAX_INST]; /* interval bits */
    bool any;                          /* subscribed at least once: heartbeats */
} sim_ws_kraken_conn_t;

/* Scratch arrays live here rather than on the stack (a depth of 1000). */
struct sim_ws_kraken {
    sim_market_t *market;
    cb_wsd_shared_t *shared;
    sim_ws_kraken_inst_t insts[SIM_WS_KR_MAX_INST];
    size_t count;
    sim_level_t scratch[2][SIM_WS_KR_MAX_DEPTH];
    sim_level_t diff[2][2 * SIM_WS_KR_MAX_DEPTH];
    sim_trade_t trades[SIM_WS_KR_TRADES_MAX];
    cb_buf_t buf;
    cb_wsd_msg_t *heartbeat;
    bool corrupt_pending;
    bool gap_pending;
};

typedef enum { SIM_WS_KR_TICKER, SIM_WS_KR_BOOK, SIM_WS_KR_TRADE, SIM_WS_KR_OHLC } sim_ws_kraken_channel_t;
extern const char *const sim_ws_kraken_channels[4];

/* A parsed subscribe / unsubscribe / ping. */
typedef struct {
    const char *method;
    bool has_req_id;
    int64_t req_id;
    int64_t time_in;
    sim_ws_kraken_channel_t channel;
    int depth;    /* index */
    int interval; /* index */
    int trigger;  /* 0 trades, 1 bbo */
    bool snapshot;
} sim_ws_kraken_req_t;

/* Queues the message built in k->buf (when rc is 0) to subs, or to one
 * connection when subs is NULL, then empties k->buf. */
void
sim_ws_kraken_send_buf(sim_ws_kraken_t *k, const cb_wsd_subs_t *subs, cb_wsd_conn_t *one, int rc);

/* The Kraken instrument whose v2 name is exactly the len bytes at name, or
 * SIZE_MAX. */
size_t
sim_ws_kraken_find(const sim_ws_kraken_t *k, const char *name, size_t len);

/* Whether the connection holds the subscription rq names for index. */
bool
sim_ws_kraken_has(const sim_ws_kraken_conn_t *c, const sim_ws_kraken_req_t *rq, size_t index);

/* Adds conn to the channel after bringing it up to date, acks, then queues
 * the snapshot; false (nothing queued) when out of memory. */
bool
sim_ws_kraken_subscribe(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, const sim_ws_kraken_req_t *rq, size_t index);

/* Removes the subscription and acks (rq gets the depth or trigger held). */
void
sim_ws_kraken_unsubscribe(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, sim_ws_kraken_conn_t *c, sim_ws_kraken_req_t *rq, size_t index);

/* The success ack of a (un)subscription for one symbol. */
void
sim_ws_kraken_ack(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, const sim_ws_kraken_req_t *rq, const sim_instrument_t *in, bool sub);

#endif
