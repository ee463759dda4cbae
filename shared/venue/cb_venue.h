/* cb_venue.h - venues (name, dialect, REST and WebSocket URLs), their instruments, and venue errors */
#ifndef CB_VENUE_H_INCLUDED
#define CB_VENUE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_decimal.h"
#include "cb_str.h"

/* ---- venues ---------------------------------------------------------------- */

typedef enum {
    CB_DIALECT_KRAKEN = 0,
    CB_DIALECT_BINANCE = 1,
    CB_DIALECT_COINBASE = 2,
} cb_dialect_t;

#define CB_VENUE_NAME_MAX 32
#define CB_VENUE_URL_MAX 256
#define CB_VENUES_MAX 16

/* One configured venue. rest_base has no trailing slash; the dialect appends
 * its own paths (Kraken "/0/public/Ticker", Binance "/api/v3/depth", Coinbase
 * "/products/BTC-USD/book"). ws_url is the WebSocket endpoint (Kraken v2
 * "wss://ws.kraken.com/v2"; Binance the stream base "wss://stream.binance.com:9443",
 * to which "/stream?streams=..." is appended; Coinbase "wss://ws-feed.exchange.coinbase.com"). */
typedef struct {
    char name[CB_VENUE_NAME_MAX + 1];
    cb_dialect_t dialect;
    char rest_base[CB_VENUE_URL_MAX];
    char ws_url[CB_VENUE_URL_MAX];
} cb_venue_cfg_t;

/* The default of COINBUS_VENUES: the two venue-sim venues on loopback. */
#define CB_VENUES_DEFAULT                                                      \
    "sim-kraken=kraken@http://127.0.0.1:8100/kraken,"                          \
    "sim-binance=binance@http://127.0.0.1:8100/binance"

/* "kraken", "binance", "coinbase"; NULL for an unknown value. */
const char *
cb_dialect_name(cb_dialect_t dialect);

/* Parses a COINBUS_VENUES value: comma-separated entries, each
 *   name                          a dialect name: the real venue's endpoints
 *   name=dialect                  the real endpoints under another name
 *   name=dialect@REST             e.g. sim-kraken=kraken@http://127.0.0.1:8100/kraken
 *   name=dialect@REST|WS          with the WebSocket URL given too
 * When WS is omitted it is derived: the real hosts map to their documented
 * stream hosts (api.kraken.com -> wss://ws.kraken.com/v2, api.binance.com ->
 * wss://stream.binance.com:9443, testnet.binance.vision ->
 * wss://stream.testnet.binance.vision, api.exchange.coinbase.com ->
 * wss://ws-feed.exchange.coinbase.com); any other host (venue-sim) gets the
 * REST URL with http(s) -> ws(s) plus "/ws/v2" for Kraken and nothing for
 * Binance. Names are lower case [a-z0-9][a-z0-9_.-]*, unique. Fills out[0..cap)
 * and *count. Returns 0, or CB_E_CONFIG with a one-line reason in err. */
int
cb_venues_parse(const char *spec, cb_venue_cfg_t *out, size_t cap, size_t *count, char *err,
                size_t errsize);

/* ---- assets and symbols ------------------------------------------------------ */

#define CB_ASSET_MAX 16
#define CB_SYMBOL_MAX (2 * CB_ASSET_MAX + 1)
#define CB_NATIVE_MAX 32

/* The unified code of a venue's asset id, upper case, into out (CB_ASSET_MAX
 * + 1 bytes): Kraken drops the X/Z prefix of 4-letter legacy ids (XXBT, ZUSD)
 * and maps XBT -> BTC, XDG -> DOGE; Binance and Coinbase codes are upper-cased.
 * Returns 0 or CB_E_PARSE (empty, too long, not [A-Za-z0-9]). */
int
cb_asset_unify(cb_dialect_t dialect, const char *native, size_t len, char *out);

/* One instrument of one venue, as its instrument list describes it. */
typedef struct {
    char symbol[CB_SYMBOL_MAX + 1];   /* unified "BTC-USD" */
    char base[CB_ASSET_MAX + 1];      /* unified "BTC" */
    char quote[CB_ASSET_MAX + 1];     /* unified "USD" */
    char native[CB_NATIVE_MAX];       /* REST id: XXBTZUSD, BTCUSDT, BTC-USD */
    char altname[CB_NATIVE_MAX];      /* Kraken altname XBTUSD (else = native) */
    char ws_name[CB_NATIVE_MAX];      /* stream name: Kraken v2 BTC/USD, Binance btcusdt, Coinbase BTC-USD */
    char native_base[CB_ASSET_MAX + 1];  /* venue asset ids: XXBT, BTC */
    char native_quote[CB_ASSET_MAX + 1]; /* ZUSD, USDT */
    cb_decimal_t tick_size;           /* price step */
    cb_decimal_t lot_size;            /* amount step */
    cb_decimal_t min_qty;             /* 0 when none */
    cb_decimal_t min_notional;        /* 0 when none */
    cb_decimal_t maker_fee;           /* fraction: 0.0016 = 0.16 % */
    cb_decimal_t taker_fee;
    unsigned price_decimals;          /* Kraken pair_decimals (checksum precision) */
    unsigned qty_decimals;            /* Kraken lot_decimals */
    bool trading;                     /* the venue lists it as open for trading */
} cb_instrument_t;

/* A venue's instruments. Owns items. Zero-initialise; cb_instruments_fini. */
typedef struct {
    cb_instrument_t *items;
    size_t count;
    size_t cap;
} cb_instruments_t;

void
cb_instruments_fini(cb_instruments_t *list);

/* Appends a copy of ins. 0, CB_E_CONFLICT (symbol already there) or CB_E_NOMEM. */
int
cb_instruments_add(cb_instruments_t *list, const cb_instrument_t *ins);

/* The instrument with unified symbol ("BTC-USD"), or NULL. */
const cb_instrument_t *
cb_instruments_by_symbol(const cb_instruments_t *list, cb_str_t symbol);

/* True when name is ins's native, altname or ws_name (case-insensitive, for
 * Binance's lower-case stream names). */
bool
cb_instrument_has_name(const cb_instrument_t *ins, cb_str_t name);

/* The instrument whose native, altname or ws_name is name (as
 * cb_instrument_has_name), or NULL. */
const cb_instrument_t *
cb_instruments_by_native(const cb_instruments_t *list, cb_str_t name);

/* Maps a requested unified symbol to this venue's listing: "BTC-USD" is
 * itself when listed, otherwise the same base against the first listed
 * USD stablecoin (USDT, USDC) for a USD request, and vice versa. NULL when
 * none is listed. */
const cb_instrument_t *
cb_instruments_resolve(const cb_instruments_t *list, cb_str_t symbol);

/* Whether a venue lists symbol (unified, NUL-terminated). */
typedef bool (*cb_symbol_listed_fn)(const void *ctx, const char *symbol);

/* The rule of cb_instruments_resolve over any listing (api-edge keeps only
 * symbol names): writes the venue's symbol into out and returns true, or
 * false when none is listed. */
bool
cb_symbol_resolve(cb_str_t symbol, cb_symbol_listed_fn listed, const void *ctx,
                  char out[CB_SYMBOL_MAX + 1]);

/* ---- venue errors ------------------------------------------------------------ */

/* What went wrong, in the terms callers act on. UNKNOWN_OUTCOME is for an
 * order whose fate the reply did not tell (timeout, 5xx, connection cut after
 * sending): never to be treated as rejected. */
typedef enum {
    CB_VERR_NONE = 0,
    CB_VERR_AUTH,              /* bad key, signature, nonce, permission */
    CB_VERR_RATE_LIMIT,        /* retry after retry_after_ms */
    CB_VERR_UNKNOWN_SYMBOL,
    CB_VERR_INSUFFICIENT_FUNDS,
    CB_VERR_REJECTED,          /* the venue refused the order or request */
    CB_VERR_NOT_FOUND,         /* unknown order */
    CB_VERR_UNAVAILABLE,       /* the venue is down, busy or unreachable; nothing was done */
    CB_VERR_UNKNOWN_OUTCOME,   /* a request that changes state may or may not have happened */
    CB_VERR_BAD_REPLY,         /* the reply did not parse as documented */
} cb_verr_class_t;

#define CB_VERR_MESSAGE_MAX 256

typedef struct {
    cb_verr_class_t cls;
    int http_status;           /* 0 when no HTTP answer */
    int64_t retry_after_ms;    /* RATE_LIMIT: how long to wait (0 = unknown) */
    char venue_code[32];       /* "-2010", "EOrder:Insufficient funds" prefix, ... */
    char message[CB_VERR_MESSAGE_MAX]; /* the venue's own message, kept */
} cb_venue_error_t;

/* "auth", "rate_limit", ... */
const char *
cb_verr_class_name(cb_verr_class_t cls);

/* The coinbus error code (CB_E_*) callers return for a class: AUTH ->
 * CB_E_UNAUTHORIZED, RATE_LIMIT -> CB_E_RATE_LIMITED, UNKNOWN_SYMBOL and
 * NOT_FOUND -> CB_E_NOT_FOUND, INSUFFICIENT_FUNDS and REJECTED ->
 * CB_E_UPSTREAM, UNAVAILABLE -> CB_E_UNAVAILABLE, UNKNOWN_OUTCOME ->
 * CB_E_TIMEOUT, BAD_REPLY -> CB_E_UPSTREAM. */
int
cb_verr_code(cb_verr_class_t cls);

/* Fills err (message truncated to fit, never a secret: callers pass venue
 * text only). */
void
cb_verr_set(cb_venue_error_t *err, cb_verr_class_t cls, int http_status, const char *venue_code,
            const char *message, size_t message_len);

#endif
