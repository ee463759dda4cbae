/* feed_record.h - the bytes feed_store keeps in Redis: messages with their receive time, instruments, venue status */
#ifndef FEED_RECORD_H_INCLUDED
#define FEED_RECORD_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_proto.h"
#include "cb_venue.h"

/* The key every stored tick, trade and book carries besides its proto fields:
 * the local receive time (int64 ns since the Unix epoch). */
#define FEED_RECORD_RECV_TS "recv_ts"

/* ---- messages ---------------------------------------------------------------- */

/* Appends msg (a cb_NAME_t of schema) as one flat msgpack map: its proto
 * fields (checked as cb_proto_encode checks them) plus "recv_ts". Returns 0 or
 * CB_E_BAD_REQUEST / CB_E_NOMEM; on failure out may hold a partial value. */
int
feed_record_encode(const cb_proto_schema_t *schema, const void *msg, int64_t recv_ts,
                   cb_buf_t *out);

/* Decodes len bytes written by feed_record_encode: every proto rule of
 * cb_proto_decode plus exactly one integer "recv_ts". Strings in msg point
 * into data. Returns 0 or CB_E_PARSE; call cb_proto_clear afterwards either way. */
int
feed_record_decode(const cb_proto_schema_t *schema, const void *data, size_t len, void *msg,
                   int64_t *recv_ts);

/* A stored tick / book as read back. raw owns the bytes the message's strings
 * point into; the *_fini functions free everything and are safe twice. */
typedef struct {
    cb_tick_t tick;
    int64_t recv_ts;
    cb_buf_t raw;
} feed_tick_t;

typedef struct {
    cb_book_t book;
    int64_t recv_ts;
    cb_buf_t raw;
} feed_book_t;

/* Recent trades, newest first; recv_ts[i] belongs to items[i]. */
typedef struct {
    cb_trade_t *items;
    int64_t *recv_ts;
    size_t count;
    cb_buf_t raw;
} feed_trades_t;

/* Candles, oldest first (by open_ts). */
typedef struct {
    cb_candle_t *items;
    size_t count;
    cb_buf_t raw;
} feed_candle_list_t;

void
feed_tick_fini(feed_tick_t *t);
void
feed_book_fini(feed_book_t *b);
void
feed_trades_fini(feed_trades_t *t);
void
feed_candle_list_fini(feed_candle_list_t *c);

/* ---- instruments ------------------------------------------------------------- */

/* One venue's instrument list as stored: per instrument symbol, native,
 * tick_size, lot_size, min_qty, min_notional, maker_fee, taker_fee (base and
 * quote follow from the symbol). Zero-initialise; feed_instruments_fini. */
typedef struct {
    char venue[CB_VENUE_NAME_MAX + 1];
    char dialect[16];
    int64_t updated_ts;
    cb_instruments_t list;
} feed_instruments_t;

void
feed_instruments_fini(feed_instruments_t *ins);

/* Appends {venue, dialect, updated_ts, instruments: [...]} to out; decimals as
 * canonical strings. 0, CB_E_BAD_REQUEST (a bad name or symbol) or CB_E_NOMEM. */
int
feed_record_encode_instruments(const char *venue, const char *dialect,
                               const cb_instruments_t *list, int64_t updated_ts, cb_buf_t *out);

/* Strict inverse of feed_record_encode_instruments into out (zeroed first,
 * owned by the caller afterwards, also on failure: fini it). 0 or CB_E_PARSE. */
int
feed_record_decode_instruments(const void *data, size_t len, feed_instruments_t *out);

/* ---- venue status ------------------------------------------------------------ */

/* The health one replica reports for one venue. */
typedef struct {
    char venue[CB_VENUE_NAME_MAX + 1];
    char stream[33];      /* stream state, a name: "live", "connecting", "resyncing", "down" */
    char circuit[16];     /* "closed", "open" or "half_open" */
    int64_t last_msg_ts;  /* last market message received (ns), 0 when none yet */
    uint64_t reconnects;  /* WebSocket reconnects since start */
    int64_t updated_ts;   /* when this status was written (ns) */
} feed_venue_status_t;

/* Appends the status as a msgpack map. 0, CB_E_BAD_REQUEST (bad venue or
 * stream name, unknown circuit state) or CB_E_NOMEM. */
int
feed_record_encode_status(const feed_venue_status_t *st, cb_buf_t *out);

/* Strict inverse into out. 0 or CB_E_PARSE. */
int
feed_record_decode_status(const void *data, size_t len, feed_venue_status_t *out);

#endif
