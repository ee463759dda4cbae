/* sim_accounts.c - venue-sim's accounts and assets: the account record, its config syntax, exact asset arithmetic */
#include <stdio.h>
#include <string.h>

#include "sim_accounts.h"

static const sim_instrument_t *
s_instrument(size_t inst)
{
    size_t count;
    return &sim_instruments(&count)[inst];
}

static const char *const s_kraken_assets[SIM_ASSETS_MAX] = {"XXBT", "XETH", "SOL", "ZUSD"};
static const char *const s_binance_assets[SIM_ASSETS_MAX] = {"BTC", "ETH", "SOL", "USDT"};
static const int s_kraken_decimals[SIM_ASSETS_MAX] = {8, 8, 8, 4};
static const int s_binance_decimals[SIM_ASSETS_MAX] = {8, 8, 8, 8};

const char *const SIM_EXCHANGE_DEFAULT_ACCOUNTS =
    "kraken coinbus-paper-kraken Y29pbmJ1cy1wYXBlci1rcmFrZW4tc2VjcmV0LWZvci10ZXN0aW5nLW9ubHktMDAwMDAwMDAwMDAwMDAwMDAwMA== "
    "tier=starter ZUSD=100000 XXBT=2 XETH=20 SOL=500\n"
    "binance coinbuspaperbinancekey000000000000000000000000000000000000000000 "
    "coinbuspaperbinancesecret000000000000000000000000000000000000000 USDT=100000 BTC=2 ETH=20 SOL=500\n";

size_t
sim_exchange_assets(sim_venue_t venue, const char *const **names, const int **decimals)
{
    *names = venue == SIM_VENUE_KRAKEN ? s_kraken_assets : s_binance_assets;
    if (decimals != NULL) {
        *decimals = venue == SIM_VENUE_KRAKEN ? s_kraken_decimals : s_binance_decimals;
    }
    return SIM_ASSETS_MAX;
}

int
sim_asset_index(sim_venue_t venue, const char *name)
{
    const char *const *names;
    sim_exchange_assets(venue, &names, NULL);
    for (int i = 0; i < SIM_ASSETS_MAX; i++) {
        if (strcmp(names[i], name) == 0) {
            return i;
        }
    }
    return -1;
}

static int
s_decimals(sim_venue_t venue, int asset)
{
    return venue == SIM_VENUE_KRAKEN ? s_kraken_decimals[asset] : s_binance_decimals[asset];
}

/* v rounded half up to an asset's decimals. */
sim_fx_t
sim_asset_round(sim_venue_t venue, int asset, sim_fx_t v)
{
    sim_fx_t step = 1;
    for (int d = s_decimals(venue, asset); d < SIM_DECIMALS; d++) {
        step *= 10;
    }
    return sim_fx_round_to(v, step, 0);
}

/* amount x bps (in 1e-8 basis points) / 10000, rounded half up to the asset. */
sim_fx_t
sim_asset_fee(sim_venue_t venue, int asset, sim_fx_t amount, sim_fx_t bps)
{
    __int128 num = (__int128) amount * bps;
    __int128 den = (__int128) 10000 * SIM_SCALE;
    sim_fx_t raw = (sim_fx_t) ((num + den / 2) / den);
    return sim_asset_round(venue, asset, raw);
}

sim_fx_t
sim_asset_cost(sim_venue_t venue, int quote_asset, sim_fx_t price, sim_fx_t qty)
{
    sim_fx_t v = 0;
    if (!sim_fx_mul(price, qty, &v)) {
        return INT64_MAX / 4;
    }
    return sim_asset_round(venue, quote_asset, v);
}

void
sim_asset_of(size_t inst, int *base, int *quote)
{
    const sim_instrument_t *in = s_instrument(inst);
    *base = sim_asset_index(in->venue, in->base);
    *quote = sim_asset_index(in->venue, in->quote);
}

bool
sim_account_parse(char *line, sim_account_t *a, char *err, size_t errsize)
{
    char *save = NULL;
    char *venue = strtok_r(line, " \t", &save);
    char *key = strtok_r(NULL, " \t", &save);
    char *secret = strtok_r(NULL, " \t", &save);
    memset(a, 0, sizeof *a);
    if (venue == NULL || key == NULL || secret == NULL) {
        snprintf(err, errsize, "expected '<kraken|binance> <key> <secret> [tier=...] ASSET=AMOUNT...'");
        return false;
    }
    if (strcmp(venue, "kraken") == 0) {
        a->venue = SIM_VENUE_KRAKEN;
    } else if (strcmp(venue, "binance") == 0) {
        a->venue = SIM_VENUE_BINANCE;
    } else {
        snprintf(err, errsize, "venue must be kraken or binance");
        return false;
    }
    if (strlen(key) >= sizeof a->key || strlen(secret) >= sizeof a->secret) {
        snprintf(err, errsize, "key or secret too long (%zu / %zu bytes at most)", sizeof a->key - 1,
                 sizeof a->secret - 1);
        return false;
    }
    snprintf(a->key, sizeof a->key, "%s", key);
    snprintf(a->secret, sizeof a->secret, "%s", secret);
    for (char *tok = strtok_r(NULL, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(tok, '=');
        if (eq == NULL) {
            snprintf(err, errsize, "'%s' is not NAME=VALUE", tok);
            return false;
        }
        *eq = '\0';
        if (strcmp(tok, "tier") == 0) {
            a->tier = strcmp(eq + 1, "starter") == 0 ? 0 : strcmp(eq + 1, "intermediate") == 0 ? 1
                      : strcmp(eq + 1, "pro") == 0 ? 2 : -1;
            if (a->tier < 0) {
                snprintf(err, errsize, "tier must be starter, intermediate or pro");
                return false;
            }
            continue;
        }
        int asset = sim_asset_index(a->venue, tok);
        sim_fx_t amount;
        if (asset < 0) {
            snprintf(err, errsize, "unknown %s asset '%s'", venue, tok);
            return false;
        }
        if (!sim_fx_parse(eq + 1, strlen(eq + 1), &amount) || amount < 0) {
            snprintf(err, errsize, "amount of %s must be a non-negative decimal", tok);
            return false;
        }
        a->total[asset] = amount;
    }
    return true;
}

