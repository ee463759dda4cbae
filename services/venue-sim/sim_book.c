/* sim_book.c - one instrument's order book and matching engine: price-time priority, partial fills, IOC, post-only, market */
#include <stdlib.h>
#include <string.h>

#include "sim_book.h"

/* Each side is an array kept in reverse priority order, so the best order
 * (best price, then oldest) is the last element: a match pops from the end.
 * Books here hold hundreds of orders, so inserts by memmove are cheap. */
typedef struct {
    sim_order_t *orders;
    size_t count;
    size_t cap;
} s_side_t;

struct sim_book {
    s_side_t side[2];
    uint64_t seq;
};

sim_book_t *
sim_book_new(void)
{
    return calloc(1, sizeof(sim_book_t));
}

void
sim_book_destroy(sim_book_t **book_p)
{
    if (book_p == NULL || *book_p == NULL) {
        return;
    }
    free((*book_p)->side[0].orders);
    free((*book_p)->side[1].orders);
    free(*book_p);
    *book_p = NULL;
}

/* True when a has priority over b on side. */
static bool
s_before(sim_side_t side, const sim_order_t *a, const sim_order_t *b)
{
    if (a->price != b->price) {
        return side == SIM_BUY ? a->price > b->price : a->price < b->price;
    }
    return a->seq < b->seq;
}

static bool
s_insert(s_side_t *s, sim_side_t side, const sim_order_t *o)
{
    if (s->count == s->cap) {
        size_t cap = s->cap == 0 ? 64 : s->cap * 2;
        sim_order_t *orders = realloc(s->orders, cap * sizeof *orders);
        if (orders == NULL) {
            return false;
        }
        s->orders = orders;
        s->cap = cap;
    }
    /* Find the first position whose order has priority over o: everything
     * from there on stays after it. Binary search over "a before o". */
    size_t lo = 0;
    size_t hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s_before(side, &s->orders[mid], o)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    memmove(&s->orders[lo + 1], &s->orders[lo], (s->count - lo) * sizeof *o);
    s->orders[lo] = *o;
    s->count++;
    return true;
}

static bool
s_crosses(sim_side_t taker, sim_fx_t limit, sim_fx_t maker_price)
{
    if (limit == 0) {
        return true;
    }
    return taker == SIM_BUY ? maker_price <= limit : maker_price >= limit;
}

sim_submit_rc_t
sim_book_submit(sim_book_t *book, uint64_t id, uint32_t owner, sim_side_t side, sim_fx_t price,
                sim_fx_t qty, unsigned flags, sim_fill_fn on_fill, void *ctx, sim_fx_t *filled,
                bool *rested)
{
    s_side_t *other = &book->side[side == SIM_BUY ? SIM_SELL : SIM_BUY];
    *filled = 0;
    *rested = false;
    if ((flags & SIM_POST_ONLY) != 0 && other->count > 0 &&
        s_crosses(side, price, other->orders[other->count - 1].price)) {
        return SIM_SUBMIT_WOULD_TAKE;
    }
    sim_fx_t left = qty;
    while (left > 0 && other->count > 0) {
        sim_order_t *maker = &other->orders[other->count - 1];
        if (!s_crosses(side, price, maker->price)) {
            break;
        }
        sim_fx_t avail = maker->qty - maker->filled;
        sim_fx_t take = avail < left ? avail : left;
        maker->filled += take;
        left -= take;
        sim_fill_t fill = {maker->id, maker->owner, id, owner, side, maker->price, take,
                           maker->filled == maker->qty};
        if (fill.maker_done) {
            other->count--;
        }
        if (on_fill != NULL) {
            on_fill(ctx, &fill);
        }
    }
    *filled = qty - left;
    if (left > 0 && price != 0 && (flags & SIM_IOC) == 0) {
        sim_order_t o = {id, owner, side, price, qty, qty - left, ++book->seq};
        if (!s_insert(&book->side[side], side, &o)) {
            return SIM_SUBMIT_NOMEM;
        }
        *rested = true;
    }
    return SIM_SUBMIT_OK;
}

static sim_order_t *
s_find(const sim_book_t *book, uint64_t id, int *side_out, size_t *index_out)
{
    for (int sd = 0; sd < 2; sd++) {
        const s_side_t *s = &book->side[sd];
        for (size_t i = 0; i < s->count; i++) {
            if (s->orders[i].id == id) {
                *side_out = sd;
                *index_out = i;
                return &s->orders[i];
            }
        }
    }
    return NULL;
}

bool
sim_book_cancel(sim_book_t *book, uint64_t id, sim_order_t *out)
{
    int sd;
    size_t i;
    sim_order_t *o = s_find(book, id, &sd, &i);
    if (o == NULL) {
        return false;
    }
    if (out != NULL) {
        *out = *o;
    }
    s_side_t *s = &book->side[sd];
    memmove(&s->orders[i], &s->orders[i + 1], (s->count - i - 1) * sizeof *o);
    s->count--;
    return true;
}

const sim_order_t *
sim_book_find(const sim_book_t *book, uint64_t id)
{
    int sd;
    size_t i;
    return s_find(book, id, &sd, &i);
}

bool
sim_book_amend_qty(sim_book_t *book, uint64_t id, sim_fx_t new_qty)
{
    int sd;
    size_t i;
    sim_order_t *o = s_find(book, id, &sd, &i);
    if (o == NULL || new_qty <= o->filled) {
        return false;
    }
    if (new_qty <= o->qty) {
        o->qty = new_qty;
        return true;
    }
    sim_order_t copy = *o;
    sim_book_cancel(book, id, NULL);
    copy.qty = new_qty;
    copy.seq = ++book->seq;
    return s_insert(&book->side[sd], (sim_side_t) sd, &copy);
}

size_t
sim_book_levels(const sim_book_t *book, sim_side_t side, size_t max, sim_level_t *out)
{
    const s_side_t *s = &book->side[side];
    size_t n = 0;
    for (size_t k = s->count; k-- > 0;) {
        const sim_order_t *o = &s->orders[k];
        if (n > 0 && out[n - 1].price == o->price) {
            out[n - 1].qty += o->qty - o->filled;
            out[n - 1].orders++;
            continue;
        }
        if (n == max) {
            break;
        }
        out[n++] = (sim_level_t){o->price, o->qty - o->filled, 1};
    }
    return n;
}

sim_fx_t
sim_book_best(const sim_book_t *book, sim_side_t side, sim_fx_t *qty)
{
    sim_level_t level;
    if (sim_book_levels(book, side, 1, &level) == 0) {
        if (qty != NULL) {
            *qty = 0;
        }
        return 0;
    }
    if (qty != NULL) {
        *qty = level.qty;
    }
    return level.price;
}

sim_fx_t
sim_book_level_qty(const sim_book_t *book, sim_side_t side, sim_fx_t price, uint32_t *orders)
{
    const s_side_t *s = &book->side[side];
    sim_fx_t qty = 0;
    uint32_t n = 0;
    /* Best is last; walk toward worse prices and stop once past price. */
    for (size_t k = s->count; k-- > 0;) {
        const sim_order_t *o = &s->orders[k];
        if (o->price == price) {
            qty += o->qty - o->filled;
            n++;
        } else if (side == SIM_BUY ? o->price < price : o->price > price) {
            break;
        }
    }
    if (orders != NULL) {
        *orders = n;
    }
    return qty;
}

size_t
sim_book_count(const sim_book_t *book, sim_side_t side)
{
    return book->side[side].count;
}

void
sim_book_each(const sim_book_t *book, uint32_t owner, void (*fn)(void *ctx, const sim_order_t *o),
              void *ctx)
{
    for (int sd = 0; sd < 2; sd++) {
        for (size_t i = 0; i < book->side[sd].count; i++) {
            if (book->side[sd].orders[i].owner == owner) {
                fn(ctx, &book->side[sd].orders[i]);
            }
        }
    }
}
