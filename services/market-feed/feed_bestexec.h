/* feed_bestexec.h - best execution arithmetic: walk a book side for an amount, add the taker fee, spreads */
#ifndef FEED_BESTEXEC_H_INCLUDED
#define FEED_BESTEXEC_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "cb_decimal.h"
#include "cb_proto.h"

/* Digits avg_price keeps (rounded half-even); the other results are exact
 * whenever they fit CB_DECIMAL_MAX_SCALE digits. */
#define FEED_BEST_AVG_SCALE 12

/* One venue's fill of an order against one book side. Rounding, only when a
 * result needs more than 18 fraction digits: level cost half-even, fee up
 * (never under-charged), avg_price half-even at FEED_BEST_AVG_SCALE. */
typedef struct {
    bool filled;            /* the side held the whole amount */
    cb_decimal_t amount;    /* amount filled (the request when filled, else what there was) */
    cb_decimal_t cost;      /* sum of price * qty over the levels used */
    cb_decimal_t avg_price; /* cost / amount */
    cb_decimal_t fee;       /* cost * taker fee */
    cb_decimal_t total;     /* buy: cost + fee (paid); sell: cost - fee (received) */
    uint32_t levels;        /* levels touched */
} feed_fill_t;

/* Walks levels (best first: asks ascending for a buy, bids descending for a
 * sell) until amount (> 0) is filled; levels with qty <= 0 are skipped.
 * Returns 0 (see out->filled), CB_E_BAD_REQUEST (amount <= 0 or fee < 0) or
 * CB_E_OVERFLOW. */
int
feed_bestexec_fill(const cb_levels_t *levels, cb_decimal_t amount, cb_decimal_t taker_fee, bool buy,
               feed_fill_t *out);

/* Top of book per unit: amount = the top level's qty (what is there),
 * avg_price = its price, fee = price * taker fee, total = price +/- fee, i.e.
 * the effective price of one unit. filled is false for an empty side. */
int
feed_bestexec_top(const cb_levels_t *levels, cb_decimal_t taker_fee, bool buy, feed_fill_t *out);

/* True when a is the better fill for the side: a buy pays the lower total, a
 * sell receives the higher. Ties keep b (the earlier venue). */
bool
feed_bestexec_better(const feed_fill_t *a, const feed_fill_t *b, bool buy);

/* (bid + ask) / 2, exact (one more digit, half-even past 18 digits). */
int
feed_bestexec_mid(cb_decimal_t bid, cb_decimal_t ask, cb_decimal_t *mid);

/* Spread between a best ask and a best bid (possibly of two venues):
 * abs = ask - bid (negative when the venues cross), bps = abs * 10000 / mid
 * rounded half-even to 2 fraction digits. CB_E_DIV_ZERO when mid is 0. */
int
feed_bestexec_spread(cb_decimal_t bid, cb_decimal_t ask, cb_decimal_t *abs, cb_decimal_t *bps);

#endif
