/* cb_md.h - market data as the dialect parsers hand it over: one symbol per message, numbers exact */
#ifndef CB_MD_H_INCLUDED
#define CB_MD_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_jtok.h"
#include "cb_proto.h"
#include "cb_str.h"
#include "cb_venue.h"

typedef enum {
    CB_MD_NONE = 0,
    CB_MD_TICK,        /* md.tick */
    CB_MD_TRADES,      /* md.trades[0..count) */
    CB_MD_BOOK,        /* md.book (+ first_update_id, has_checksum) */
    CB_MD_CANDLES,     /* md.candles[0..count), oldest first */
    CB_MD_HEARTBEAT,   /* the venue's heartbeat */
    CB_MD_PONG,        /* answer to our application-level ping */
    CB_MD_SUBSCRIBED,  /* a subscription ack (success) for native/channel */
    CB_MD_STATUS,      /* system status; text in message ("online", ...) */
    CB_MD_ERROR,       /* the venue refused something; text in message */
    CB_MD_TIME,        /* server time: server_ms */
} cb_md_type_t;

/* One parsed item about one symbol. Strings (native, channel, trade ids) and
 * the level and trade arrays point into the parser's document and scratch:
 * valid only during the emit callback. The symbol and venue fields of the
 * embedded proto structs are left empty: the caller maps native to its
 * instrument and fills them. */
typedef struct {
    cb_md_type_t type;
    cb_str_t native;           /* the venue's symbol as in the message (may be empty) */
    cb_str_t channel;          /* SUBSCRIBED / ERROR: the channel ("book", "btcusdt@depth") */
    int64_t req_id;            /* PONG / SUBSCRIBED / ERROR: the request id echoed, or -1 */
    cb_tick_t tick;
    cb_trade_t *trades;
    size_t count;
    cb_book_t book;            /* snapshot flag, bids/asks, update_id (= Binance u), checksum */
    uint64_t first_update_id;  /* Binance diff depth U (0 when absent) */
    uint64_t prev_update_id;   /* Binance futures pu / Coinbase sequence (0 when absent) */
    bool has_checksum;         /* Kraken: book.checksum is set */
    cb_candle_t *candles;
    int64_t server_ms;
    const char *message;       /* STATUS / ERROR text, NUL-terminated */
} cb_md_msg_t;

/* Called once per item; returns 0 to go on, anything else stops the parse
 * and is returned by it. */
typedef int (*cb_md_emit_fn)(void *ctx, const cb_md_msg_t *msg);

/* Per-connection (or per-caller) parsing state: the token document and
 * growable scratch for levels, trades and candles, reused from message to
 * message so that steady-state parsing does not allocate. Zero-initialise;
 * cb_md_parser_fini frees. One thread at a time. */
typedef struct {
    cb_jdoc_t doc;
    cb_level_t *levels;        /* bids then asks share this array */
    size_t levels_cap;
    cb_trade_t *trades;
    size_t trades_cap;
    cb_candle_t *candles;
    size_t candles_cap;
    char text[512];            /* decoded message text for STATUS / ERROR */
} cb_md_parser_t;

void
cb_md_parser_fini(cb_md_parser_t *p);

/* Frees each scratch array (and the token array) larger than max_bytes,
 * for a parser that saw a rare large message (a REST reply of 720 candles)
 * and should not keep its size. Contents are lost; the parser stays usable. */
void
cb_md_parser_shrink(cb_md_parser_t *p, size_t max_bytes);

/* Make room for n levels / trades / candles in the scratch (contents kept).
 * 0 or CB_E_NOMEM; CB_E_TOO_BIG past 1,000,000. */
int
cb_md_reserve_levels(cb_md_parser_t *p, size_t n);
int
cb_md_reserve_trades(cb_md_parser_t *p, size_t n);
int
cb_md_reserve_candles(cb_md_parser_t *p, size_t n);

/* A message with type set, every other field empty, req_id -1. */
void
cb_md_msg_init(cb_md_msg_t *msg, cb_md_type_t type);

#endif
