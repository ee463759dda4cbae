/* cbh_wsbook.h - test harness: order books a WebSocket client keeps as the venues' documents say (Kraken v2 with its checksum, Binance's local-book procedure) */
#ifndef CBH_WSBOOK_H_INCLUDED
#define CBH_WSBOOK_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_book.h"
#include "sim_fixed.h"

/* Room for a Kraken book of depth 1000 plus one message's inserts. */
#define CBH_KBOOK_LEVELS 1100

/* A level as it came on the wire: its value and its exact token. */
typedef struct {
    sim_fx_t price;
    sim_fx_t qty;
    char ptok[24];
    char qtok[24];
} cbh_klevel_t;

/* One symbol's Kraken v2 book at the subscribed depth. Zero it and set
 * depth and the pair's precisions first. */
typedef struct {
    size_t depth;
    int price_decimals;
    int qty_decimals;
    cbh_klevel_t side[2][CBH_KBOOK_LEVELS]; /* [0] bids, [1] asks, best first */
    size_t n[2];
    int matched;    /* messages whose checksum agreed */
    int mismatched; /* and disagreed */
} cbh_kbook_t;

/* Applies a book message for this symbol (the raw text of one
 * {"channel":"book","type":..,"data":[..]} message; a snapshot starts
 * over): every level in order (qty 0 deletes), then truncation to the
 * depth, then Kraken's checksum computed from the wire tokens (top 10 asks
 * then bids, '.' removed, leading zeros stripped, CRC32) and compared.
 * Returns 1 when it agreed, 0 when not, -1 when the message is malformed or
 * a number is not printed at the pair's precision. */
int
cbh_kbook_apply(cbh_kbook_t *b, const char *msg);

/* The checksum of the book as held. */
uint32_t
cbh_kbook_checksum(const cbh_kbook_t *b);

#define CBH_BBOOK_LEVELS 5000

/* A Binance local book: levels in no order, and the last update id. */
typedef struct {
    sim_level_t l[2][CBH_BBOOK_LEVELS]; /* [0] bids, [1] asks */
    size_t n[2];
    uint64_t id;
} cbh_bbook_t;

/* Sets one level (qty 0 removes it). false when full. */
bool
cbh_bbook_set(cbh_bbook_t *b, int side, sim_fx_t price, sim_fx_t qty);

/* Loads a snapshot {"lastUpdateId":..,"bids":[["p","q"],..],"asks":[..]}
 * of len bytes (GET /api/v3/depth, or a partial depth stream event). 0 or
 * -1 when malformed. */
int
cbh_bbook_snapshot(cbh_bbook_t *b, const char *json, size_t len);

/* Applies a depthUpdate event by the documented procedure: 1 applied
 * (levels set, id := u), 0 ignored (u <= id), -1 a gap (U > id + 1, nothing
 * applied: the client must start over), -2 malformed. */
int
cbh_bbook_apply(cbh_bbook_t *b, const char *msg, size_t len);

/* True when the book holds exactly these levels. */
bool
cbh_bbook_equals(const cbh_bbook_t *b, const sim_level_t *bids, size_t nb, const sim_level_t *asks, size_t na);

#endif
