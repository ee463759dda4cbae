/* cbh_paper.h - test harness: signed requests to venue-sim as its default paper accounts, and its admin API */
#ifndef CBH_PAPER_H_INCLUDED
#define CBH_PAPER_H_INCLUDED

#include "cb_buf.h"
#include "cb_http.h"
#include "cb_venue.h"

/* venue-sim's default paper accounts (services/venue-sim/README.md): public
 * test values, listed in tests/secrets.list so that no log may hold them. */
#define CBH_PAPER_K_KEY "coinbus-paper-kraken"
#define CBH_PAPER_K_SECRET "Y29pbmJ1cy1wYXBlci1rcmFrZW4tc2VjcmV0LWZvci10ZXN0aW5nLW9ubHktMDAwMDAwMDAwMDAwMDAwMDAwMA=="
#define CBH_PAPER_B_KEY "coinbuspaperbinancekey000000000000000000000000000000000000000000"
#define CBH_PAPER_B_SECRET "coinbuspaperbinancesecret000000000000000000000000000000000000000"

/* The same accounts (keys and balances) with Kraken's at the Pro tier, for
 * COINBUS_SIM_ACCOUNTS: the account service meters itself as Starter, so only
 * a test's own direct calls (which it does not see) could reach the limit. */
#define CBH_PAPER_PRO_ACCOUNTS                                                                    \
    "kraken " CBH_PAPER_K_KEY " " CBH_PAPER_K_SECRET " tier=pro ZUSD=100000 XXBT=2 XETH=20 SOL=500;" \
    "binance " CBH_PAPER_B_KEY " " CBH_PAPER_B_SECRET " USDT=100000 BTC=2 ETH=20 SOL=500"

/* A client of one venue-sim (sim-kraken and sim-binance) whose Kraken nonces
 * come from the same Redis counter the account service uses for the key. */
typedef struct cbh_paper {
    cb_http_t *http;
    cb_venue_cfg_t kraken;
    cb_venue_cfg_t binance;
    int sim_port;
    char redis_url[160];
} cbh_paper_t;

/* 0 or -1 (logged to stderr). */
int
cbh_paper_init(cbh_paper_t *p, int sim_port, const char *redis_url);

/* NULL-safe parts; idempotent. */
void
cbh_paper_fini(cbh_paper_t *p);

/* A signed Kraken private call (POST /0/private/<method>, form without the
 * nonce); the HTTP status, body (NUL-terminated) in out. cmocka-fails when
 * no answer came. */
long
cbh_paper_kraken(cbh_paper_t *p, const char *method, const char *form, cb_buf_t *out);

/* A signed Binance call (method GET/POST/DELETE, path "/api/v3/...", params
 * without timestamp and signature); as above. */
long
cbh_paper_binance(cbh_paper_t *p, const char *method, const char *path, const char *params,
                  cb_buf_t *out);

/* venue-sim's admin API (method POST or DELETE, body JSON or NULL); the status. */
long
cbh_paper_admin(cbh_paper_t *p, const char *method, const char *path, const char *body);

#endif
