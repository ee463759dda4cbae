/* cb_book.c - a local copy of one venue order book: levels by price, updates, top N, Kraken's checksum */
#include "cb_book.h"

#include <stdlib.h>
#include <string.h>

#include "cb_crc32.h"
#include "cb_error.h"

void
cb_book_local_init(cb_book_local_t *book, size_t max_depth)
{
    memset(book, 0, sizeof(*book));
    book->max_depth = max_depth;
}

void
cb_book_local_fini(cb_book_local_t *book)
{
    free(book->bids);
    free(book->asks);
    memset(book, 0, sizeof(*book));
}

void
cb_book_local_clear(cb_book_local_t *book)
{
    book->nbids = 0;
    book->nasks = 0;
    book->update_id = 0;
}

static size_t
s_limit(const cb_book_local_t *book)
{
    return book->max_depth > 0 && book->max_depth < CB_BOOK_MAX_LEVELS ? book->max_depth
                                                                        : CB_BOOK_MAX_LEVELS;
}

/* -1 when a is better than b on side (comes first). */
static int
s_order(cb_side_t side, cb_decimal_t a, cb_decimal_t b)
{
    int c = cb_decimal_cmp(a, b);
    return side == CB_BID ? -c : c;
}

/* The index of price on side, or where it would go; *found says which. */
static size_t
s_find(const cb_level_t *lv, size_t n, cb_side_t side, cb_decimal_t price, bool *found)
{
    size_t lo = 0;
    size_t hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = s_order(side, lv[mid].price, price);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = false;
    return lo;
}

int
cb_book_local_set(cb_book_local_t *book, cb_side_t side, cb_decimal_t price, cb_decimal_t qty)
{
    if (cb_decimal_sign(qty) < 0 || cb_decimal_sign(price) <= 0) {
        return CB_E_RANGE;
    }
    cb_level_t **lv = side == CB_BID ? &book->bids : &book->asks;
    size_t *n = side == CB_BID ? &book->nbids : &book->nasks;
    size_t *cap = side == CB_BID ? &book->bids_cap : &book->asks_cap;
    bool found;
    size_t at = s_find(*lv, *n, side, price, &found);
    if (found) {
        if (cb_decimal_is_zero(qty)) {
            memmove(*lv + at, *lv + at + 1, (*n - at - 1) * sizeof(cb_level_t));
            (*n)--;
        } else {
            (*lv)[at].qty = qty;
        }
        return 0;
    }
    size_t limit = s_limit(book);
    if (cb_decimal_is_zero(qty) || at >= limit) {
        return 0;
    }
    if (*n == *cap) {
        size_t grown = *cap == 0 ? 64 : *cap * 2;
        if (grown > limit + 1) {
            grown = limit + 1;
        }
        cb_level_t *p = realloc(*lv, grown * sizeof(cb_level_t));
        if (p == NULL) {
            return CB_E_NOMEM;
        }
        *lv = p;
        *cap = grown;
    }
    memmove(*lv + at + 1, *lv + at, (*n - at) * sizeof(cb_level_t));
    (*lv)[at].price = price;
    (*lv)[at].qty = qty;
    (*n)++;
    if (*n > limit) {
        *n = limit;
    }
    return 0;
}

int
cb_book_local_load(cb_book_local_t *book, const cb_level_t *bids, size_t nbids,
                   const cb_level_t *asks, size_t nasks)
{
    cb_book_local_clear(book);
    for (size_t k = 0; k < nbids; k++) {
        int rc = cb_book_local_set(book, CB_BID, bids[k].price, bids[k].qty);
        if (rc != 0) {
            cb_book_local_clear(book);
            return rc;
        }
    }
    for (size_t k = 0; k < nasks; k++) {
        int rc = cb_book_local_set(book, CB_ASK, asks[k].price, asks[k].qty);
        if (rc != 0) {
            cb_book_local_clear(book);
            return rc;
        }
    }
    return 0;
}

void
cb_book_local_truncate(cb_book_local_t *book, size_t depth)
{
    if (book->nbids > depth) {
        book->nbids = depth;
    }
    if (book->nasks > depth) {
        book->nasks = depth;
    }
}

bool
cb_book_local_sane(const cb_book_local_t *book)
{
    if (book->nbids == 0 || book->nasks == 0) {
        return true;
    }
    return cb_decimal_cmp(book->bids[0].price, book->asks[0].price) < 0;
}

/* Appends the digits of value at decimals fraction digits, leading zeros
 * stripped (Kraken's checksum form); returns the new length. */
static size_t
s_put_digits(char *out, size_t n, cb_decimal_t value, unsigned decimals)
{
    cb_decimal_t r;
    if (cb_decimal_round(value, decimals, CB_ROUND_HALF_EVEN, &r) != 0) {
        return n;
    }
    unsigned __int128 v = r.coef < 0 ? (unsigned __int128) -r.coef : (unsigned __int128) r.coef;
    char tmp[48];
    size_t k = 0;
    /* Every real price and amount fits 64 bits: divide there (a 128-bit
     * division is a library call per digit). */
    while (v > UINT64_MAX) {
        tmp[k++] = (char) ('0' + (int) (v % 10));
        v /= 10;
    }
    uint64_t w = (uint64_t) v;
    do {
        tmp[k++] = (char) ('0' + (int) (w % 10));
        w /= 10;
    } while (w > 0);
    if (k == 1 && tmp[0] == '0') {
        return n;
    }
    while (k > 0) {
        out[n++] = tmp[--k];
    }
    return n;
}

uint32_t
cb_book_local_kraken_checksum(const cb_book_local_t *book, unsigned price_decimals,
                              unsigned qty_decimals)
{
    /* 20 levels x (2 x 40 digits) fits easily. */
    char text[20 * 2 * 48];
    size_t n = 0;
    for (size_t k = 0; k < book->nasks && k < 10; k++) {
        n = s_put_digits(text, n, book->asks[k].price, price_decimals);
        n = s_put_digits(text, n, book->asks[k].qty, qty_decimals);
    }
    for (size_t k = 0; k < book->nbids && k < 10; k++) {
        n = s_put_digits(text, n, book->bids[k].price, price_decimals);
        n = s_put_digits(text, n, book->bids[k].qty, qty_decimals);
    }
    return cb_crc32(0, text, n);
}
