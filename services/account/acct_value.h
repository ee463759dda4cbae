/* acct_value.h - the latest USD prices from the bus's ticks, and the short-lived Redis cache of balances */
#ifndef ACCT_VALUE_H_INCLUDED
#define ACCT_VALUE_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

#include "cb_account.h"
#include "cb_redis.h"
#include "cb_sub.h"

#define ACCT_PRICES_MAX 256

/* One symbol's last tick on one venue. */
typedef struct {
    char symbol[CB_SYMBOL_MAX + 1];
    char venue[CB_VENUE_NAME_MAX + 1];
    cb_decimal_t price;     /* last, else the mid of bid and ask */
} acct_price_t;

/* The price table. Zero-initialise. */
typedef struct {
    acct_price_t items[ACCT_PRICES_MAX];
    size_t count;
} acct_prices_t;

/* Takes one tick event into the table. */
void
acct_prices_update(acct_prices_t *p, const cb_event_t *ev);

/* The USD price of asset: USD itself is 1 ("par"); else the tick of
 * <asset>-USD on any venue (preferring venue), else <asset>-USDT, then
 * <asset>-USDC. source gets "tick.<SYMBOL>.<venue>" or "par". false when
 * none is known. */
bool
acct_prices_usd(const acct_prices_t *p, const char *asset, const char *venue, cb_decimal_t *price,
                char *source, size_t source_size);

/* Room for a venue's balances epoch (cb_acct_epoch_key), as text. */
#define ACCT_EPOCH_MAX 24

/* Reads a venue's cached balances into out (cb_acct_balance_t), and in the
 * same round trip the venue's epoch into epoch ("" when none). true on a
 * hit; false on a miss or any Redis trouble (the caller asks the venue, then
 * hands epoch to acct_cache_put). */
bool
acct_cache_get(cb_redis_t *r, const char *venue, cb_acct_vec_t *out, char epoch[ACCT_EPOCH_MAX]);

/* Stores balances for ttl_ms (best effort), unless the venue's epoch is no
 * longer the one acct_cache_get read: an order-router ledger write came
 * meanwhile, and the balances may predate it (they are answered, not
 * cached). */
void
acct_cache_put(cb_redis_t *r, const char *venue, const cb_acct_vec_t *balances, int ttl_ms,
               const char *epoch);

#endif
