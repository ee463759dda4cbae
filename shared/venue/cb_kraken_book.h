/* cb_kraken_book.h - one symbol's Kraken book kept from WS v2 messages and verified by checksum, with its resync state */
#ifndef CB_KRAKEN_BOOK_H_INCLUDED
#define CB_KRAKEN_BOOK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_book.h"
#include "cb_md.h"

typedef enum {
    CB_KRAKEN_BOOK_EMPTY = 0,   /* no snapshot yet */
    CB_KRAKEN_BOOK_LIVE,        /* snapshot loaded, every checksum agreed */
    CB_KRAKEN_BOOK_RESYNCING,   /* a checksum disagreed: waiting for a new snapshot */
} cb_kraken_book_state_t;

/* The book of one symbol at a subscribed depth, with the pair's precisions
 * (AssetPairs pair_decimals / lot_decimals) that its checksum is printed
 * with. Owns its levels: cb_kraken_book_init, cb_kraken_book_fini. */
typedef struct {
    cb_book_local_t book;
    size_t depth;
    unsigned price_decimals;
    unsigned qty_decimals;
    cb_kraken_book_state_t state;
    uint64_t snapshots;          /* snapshots loaded */
    uint64_t updates;            /* updates applied */
    uint64_t checksum_ok;        /* checksums that agreed */
    uint64_t checksum_failures;  /* checksums that disagreed (each started a resync) */
    uint64_t ignored;            /* updates dropped while EMPTY or RESYNCING */
    uint32_t last_checksum;      /* ours, after the last message applied */
} cb_kraken_book_t;

void
cb_kraken_book_init(cb_kraken_book_t *kb, size_t depth, unsigned price_decimals,
                    unsigned qty_decimals);

void
cb_kraken_book_fini(cb_kraken_book_t *kb);

/* Applies one CB_MD_BOOK item of this symbol: a snapshot replaces the book;
 * an update sets every level in order, then the book is cut to the depth;
 * either is then checked against the message's checksum (when it has one).
 * Returns 0 (applied and verified, or an update ignored while not LIVE),
 * CB_E_CONFLICT when the checksum disagreed or a level was invalid: the state
 * is now RESYNCING, and the caller sends ws_resubscribe_book for this symbol
 * only; updates are ignored until the next snapshot. CB_E_NOMEM, or
 * CB_E_BAD_REQUEST for a message that is not a book. */
int
cb_kraken_book_apply(cb_kraken_book_t *kb, const cb_md_msg_t *msg);

#endif
