/* sim_book.h - one instrument's order book and matching engine: price-time priority, partial fills, IOC, post-only, market */
#ifndef SIM_BOOK_H_INCLUDED
#define SIM_BOOK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_fixed.h"

typedef enum { SIM_BUY = 0, SIM_SELL = 1 } sim_side_t;

/* Submit flags. */
#define SIM_IOC 1u       /* whatever does not fill at once is cancelled */
#define SIM_POST_ONLY 2u /* refused whole if any part would take */

/* A resting order. owner 0 is the simulated market makers. */
typedef struct {
    uint64_t id;
    uint32_t owner;
    sim_side_t side;
    sim_fx_t price;
    sim_fx_t qty;    /* original quantity */
    sim_fx_t filled;
    uint64_t seq;    /* arrival order: time priority within a price */
} sim_order_t;

/* One match: the resting (maker) order and the incoming (taker) one. */
typedef struct {
    uint64_t maker_id;
    uint32_t maker_owner;
    uint64_t taker_id;
    uint32_t taker_owner;
    sim_side_t taker_side;
    sim_fx_t price; /* the maker's price */
    sim_fx_t qty;
    bool maker_done; /* the maker order is now completely filled */
} sim_fill_t;

typedef struct {
    sim_fx_t price;
    sim_fx_t qty;
    uint32_t orders;
} sim_level_t;

typedef void (*sim_fill_fn)(void *ctx, const sim_fill_t *fill);

/* Owns its orders. One thread. */
typedef struct sim_book sim_book_t;

sim_book_t *
sim_book_new(void);

/* NULL-safe; nulls *book_p. */
void
sim_book_destroy(sim_book_t **book_p);

typedef enum {
    SIM_SUBMIT_OK = 0,
    SIM_SUBMIT_WOULD_TAKE = 1, /* post-only order that would have matched: nothing done */
    SIM_SUBMIT_NOMEM = 2,
} sim_submit_rc_t;

/* Matches an incoming order against the other side (best price first, then
 * oldest), calling on_fill for each match, then rests what is left unless it
 * is IOC or a market order (price 0: takes any price; limit otherwise).
 * qty > 0. *filled receives the quantity filled, *rested whether a remainder
 * now rests under id. */
sim_submit_rc_t
sim_book_submit(sim_book_t *book, uint64_t id, uint32_t owner, sim_side_t side, sim_fx_t price,
                sim_fx_t qty, unsigned flags, sim_fill_fn on_fill, void *ctx, sim_fx_t *filled,
                bool *rested);

/* Removes a resting order; copies it into out (may be NULL). false when no
 * order has that id. */
bool
sim_book_cancel(sim_book_t *book, uint64_t id, sim_order_t *out);

/* The resting order with that id, or NULL; valid until the book changes. */
const sim_order_t *
sim_book_find(const sim_book_t *book, uint64_t id);

/* Changes a resting order's quantity in place (keeps its priority when the
 * quantity goes down, loses it when it goes up); new_qty must exceed what
 * is filled. false when no such order. */
bool
sim_book_amend_qty(sim_book_t *book, uint64_t id, sim_fx_t new_qty);

/* Aggregated levels of a side, best first, up to max; returns the count. */
size_t
sim_book_levels(const sim_book_t *book, sim_side_t side, size_t max, sim_level_t *out);

/* The best price of a side (0 when empty) and its total quantity. */
sim_fx_t
sim_book_best(const sim_book_t *book, sim_side_t side, sim_fx_t *qty);

/* The total quantity resting at price on side (0 when none) and, when
 * orders is not NULL, how many orders make it up. */
sim_fx_t
sim_book_level_qty(const sim_book_t *book, sim_side_t side, sim_fx_t price, uint32_t *orders);

/* Resting orders on a side. */
size_t
sim_book_count(const sim_book_t *book, sim_side_t side);

/* Calls fn for each resting order of owner (any side), in no set order.
 * fn must not change the book. */
void
sim_book_each(const sim_book_t *book, uint32_t owner, void (*fn)(void *ctx, const sim_order_t *o),
              void *ctx);

#endif
