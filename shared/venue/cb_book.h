/* cb_book.h - a local copy of one venue order book: levels by price, updates, top N, Kraken's checksum */
#ifndef CB_BOOK_H_INCLUDED
#define CB_BOOK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_proto.h"

/* Sides are sorted best first: bids by descending price, asks ascending.
 * Prices are compared by value, so "50000.10" and "50000.1" are one level.
 * A book owns its arrays. Zero-initialise (or cb_book_local_init), then
 * cb_book_local_fini. One thread at a time. */
typedef struct {
    cb_level_t *bids;
    size_t nbids;
    size_t bids_cap;
    cb_level_t *asks;
    size_t nasks;
    size_t asks_cap;
    size_t max_depth;    /* levels kept per side (0: CB_BOOK_MAX_LEVELS) */
    uint64_t update_id;  /* the last applied venue update id (Binance u), if any */
} cb_book_local_t;

/* The most levels a side may hold (proto's book limit). */
#define CB_BOOK_MAX_LEVELS 5000

typedef enum {
    CB_BID = 0,
    CB_ASK = 1,
} cb_side_t;

void
cb_book_local_init(cb_book_local_t *book, size_t max_depth);

void
cb_book_local_fini(cb_book_local_t *book);

/* Empties both sides (keeps memory and max_depth). */
void
cb_book_local_clear(cb_book_local_t *book);

/* Sets the amount at a price: qty 0 removes the level (absent: no-op), a
 * new price is inserted in order. Levels beyond max_depth are dropped from the
 * worse end. Returns 0, CB_E_RANGE (negative qty or price <= 0) or CB_E_NOMEM. */
int
cb_book_local_set(cb_book_local_t *book, cb_side_t side, cb_decimal_t price, cb_decimal_t qty);

/* Replaces the book with levels (any order; duplicates: the last wins;
 * zero amounts skipped). Returns 0, CB_E_RANGE or CB_E_NOMEM (book then empty). */
int
cb_book_local_load(cb_book_local_t *book, const cb_level_t *bids, size_t nbids,
                   const cb_level_t *asks, size_t nasks);

/* Drops levels past depth on both sides (Kraken: the subscribed depth). */
void
cb_book_local_truncate(cb_book_local_t *book, size_t depth);

/* True when the best bid is below the best ask (or a side is empty). */
bool
cb_book_local_sane(const cb_book_local_t *book);

/* Kraken's book checksum (WS v2 and v1): the top 10 asks ascending then the
 * top 10 bids descending, each price and amount printed with exactly
 * price_decimals / qty_decimals fraction digits, '.' removed, leading zeros
 * stripped, all concatenated, CRC-32 (zlib). Example: the snapshot in
 * Kraken's v2 book docs gives 3310070434. */
uint32_t
cb_book_local_kraken_checksum(const cb_book_local_t *book, unsigned price_decimals,
                              unsigned qty_decimals);

#endif
