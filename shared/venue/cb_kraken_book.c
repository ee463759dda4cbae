/* cb_kraken_book.c - one symbol's Kraken book kept from WS v2 messages and verified by checksum, with its resync state */
#include "cb_kraken_book.h"

#include <string.h>

#include "cb_error.h"

void
cb_kraken_book_init(cb_kraken_book_t *kb, size_t depth, unsigned price_decimals,
                    unsigned qty_decimals)
{
    memset(kb, 0, sizeof(*kb));
    /* No depth limit while applying: Kraken's rule is apply every level,
     * then truncate (an insert may come before the delete that makes room). */
    cb_book_local_init(&kb->book, 0);
    kb->depth = depth > 0 && depth <= CB_BOOK_MAX_LEVELS ? depth : 10;
    kb->price_decimals = price_decimals;
    kb->qty_decimals = qty_decimals;
}

void
cb_kraken_book_fini(cb_kraken_book_t *kb)
{
    cb_book_local_fini(&kb->book);
    memset(kb, 0, sizeof(*kb));
}

static int
s_resync(cb_kraken_book_t *kb)
{
    kb->state = CB_KRAKEN_BOOK_RESYNCING;
    kb->checksum_failures++;
    cb_book_local_clear(&kb->book);
    return CB_E_CONFLICT;
}

static int
s_set_all(cb_kraken_book_t *kb, cb_side_t side, const cb_levels_t *lv)
{
    for (uint32_t k = 0; k < lv->count; k++) {
        int rc = cb_book_local_set(&kb->book, side, lv->items[k].price, lv->items[k].qty);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int
cb_kraken_book_apply(cb_kraken_book_t *kb, const cb_md_msg_t *msg)
{
    if (msg == NULL || msg->type != CB_MD_BOOK) {
        return CB_E_BAD_REQUEST;
    }
    const cb_book_t *b = &msg->book;
    int rc;
    if (b->snapshot) {
        rc = cb_book_local_load(&kb->book, b->bids.items, b->bids.count, b->asks.items,
                                b->asks.count);
        if (rc == CB_E_NOMEM) {
            kb->state = CB_KRAKEN_BOOK_RESYNCING;
            return rc;
        }
        kb->snapshots++;
    } else {
        if (kb->state != CB_KRAKEN_BOOK_LIVE) {
            kb->ignored++;
            return 0;
        }
        rc = s_set_all(kb, CB_BID, &b->bids);
        rc = rc != 0 ? rc : s_set_all(kb, CB_ASK, &b->asks);
        if (rc == CB_E_NOMEM) {
            kb->state = CB_KRAKEN_BOOK_RESYNCING;
            cb_book_local_clear(&kb->book);
            return rc;
        }
        kb->updates++;
    }
    if (rc != 0) {
        return s_resync(kb);
    }
    cb_book_local_truncate(&kb->book, kb->depth);
    kb->last_checksum =
        cb_book_local_kraken_checksum(&kb->book, kb->price_decimals, kb->qty_decimals);
    if (msg->has_checksum) {
        if ((uint64_t) kb->last_checksum != b->checksum) {
            return s_resync(kb);
        }
        kb->checksum_ok++;
    }
    kb->state = CB_KRAKEN_BOOK_LIVE;
    return 0;
}
