/* sim_accounts.h - venue-sim's accounts and assets: the account record, its config syntax, exact asset arithmetic */
#ifndef SIM_ACCOUNTS_H_INCLUDED
#define SIM_ACCOUNTS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_fixed.h"
#include "sim_instruments.h"

#define SIM_ASSETS_MAX 4

/* The assets of a venue, in a fixed order (Kraken XXBT XETH SOL ZUSD,
 * Binance BTC ETH SOL USDT), and their balance decimals (Kraken ZUSD 4,
 * everything else 8: costs and fees in an asset are rounded half up to
 * its decimals). */
size_t
sim_exchange_assets(sim_venue_t venue, const char *const **names, const int **decimals);

typedef struct {
    uint32_t owner; /* from 1 */
    sim_venue_t venue;
    char key[128];
    char secret[160]; /* Kraken: base64 text; Binance: the secret string */
    int tier;         /* Kraken: 0 starter, 1 intermediate, 2 pro */
    sim_fx_t total[SIM_ASSETS_MAX];
    sim_fx_t hold[SIM_ASSETS_MAX];
    int64_t dms_trigger_ns; /* dead-man's switch: cancel all at this time; 0 off */
    uint64_t orders_received;
} sim_account_t;

/* The documented default paper accounts (see services/venue-sim/README.md). */
extern const char *const SIM_EXCHANGE_DEFAULT_ACCOUNTS;

/* Parses one account entry ("<kraken|binance> <key> <secret> [tier=...]
 * ASSET=AMOUNT ...") into a (owner left 0); line is modified. false with
 * the reason in err (never the secret). */
bool
sim_account_parse(char *line, sim_account_t *a, char *err, size_t errsize);

/* The index of a venue's asset by name, or -1. */
int
sim_asset_index(sim_venue_t venue, const char *name);

/* The base and quote asset indexes of an instrument. */
void
sim_asset_of(size_t inst, int *base, int *quote);

/* v rounded half up to the asset's decimals. */
sim_fx_t
sim_asset_round(sim_venue_t venue, int asset, sim_fx_t v);

/* amount x bps (basis points in 1e-8 units) / 10000, rounded half up to the asset. */
sim_fx_t
sim_asset_fee(sim_venue_t venue, int asset, sim_fx_t amount, sim_fx_t bps);

/* price x qty rounded half up to the quote asset (a huge value on overflow). */
sim_fx_t
sim_asset_cost(sim_venue_t venue, int quote_asset, sim_fx_t price, sim_fx_t qty);

#endif
