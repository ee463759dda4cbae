/* cb_account.h - a venue account's private replies in one dialect-neutral shape: balances, orders, trades, trade balance */
#ifndef CB_ACCOUNT_H_INCLUDED
#define CB_ACCOUNT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_decimal.h"
#include "cb_venue.h"

#define CB_ACCT_ID_MAX 64

/* The Redis key of a venue's cached balances, coinbus:account:{<venue>}:balances:
 * written by the account service, dropped by every order-router ledger write
 * of that venue (in the same script: the ledger's keys carry the same hash
 * tag). size >= CB_ACCT_CACHE_KEY_MAX. */
#define CB_ACCT_CACHE_KEY_MAX 128
void
cb_acct_cache_key(const char *venue, char *key, size_t size);

/* The key of the venue's balances epoch, coinbus:account:{<venue>}:epoch: a
 * counter every order-router ledger write of the venue increments (with the
 * drop above). The account service stores balances only when the epoch it
 * read before asking the venue has not moved, so an order written while the
 * venue was being asked never leaves older balances cached. */
void
cb_acct_epoch_key(const char *venue, char *key, size_t size);

/* A decimal as the venue wrote it: text is the venue's exact text (or, for a
 * value coinbus computed, its text at the scale of its inputs), value the
 * same number. set is false for an absent field. */
typedef struct {
    char text[CB_DECIMAL_STR_MAX];
    cb_decimal_t value;
    bool set;
} cb_acct_dec_t;

/* Sets d from len bytes of venue text. 0, CB_E_PARSE or CB_E_RANGE. */
int
cb_acct_dec_parse(cb_acct_dec_t *d, const char *text, size_t len);

/* The number of fraction digits d's text shows (its value's scale when the
 * text has an exponent). */
unsigned
cb_acct_dec_scale(const cb_acct_dec_t *d);

/* Sets d to value written with exactly scale fraction digits (value's own
 * scale must not exceed it). 0 or CB_E_RANGE. */
int
cb_acct_dec_set(cb_acct_dec_t *d, cb_decimal_t value, unsigned scale);

/* One asset of one account. available = total - hold. */
typedef struct {
    char asset[CB_ASSET_MAX + 1];   /* unified: BTC, USD, USDT */
    cb_acct_dec_t total;
    cb_acct_dec_t available;
    cb_acct_dec_t hold;
} cb_acct_balance_t;

/* One order in the contract's shape (proto/README "account"). Strings are
 * from closed sets: side buy|sell; type market|limit|stop-loss|take-profit;
 * status open|partially_filled|filled|canceled|rejected|expired. Times are
 * Unix ms, 0 when absent. */
typedef struct {
    char id[CB_ACCT_ID_MAX];
    char client_order_id[CB_ACCT_ID_MAX]; /* "" when none */
    char symbol[CB_SYMBOL_MAX + 1];
    const char *side;
    const char *type;
    const char *status;
    cb_acct_dec_t price;      /* limit price, or the trigger of stop types */
    cb_acct_dec_t amount;
    cb_acct_dec_t filled;
    cb_acct_dec_t avg_price;  /* set when something was filled */
    cb_acct_dec_t fee;
    char fee_asset[CB_ASSET_MAX + 1];
    int64_t created_ms;
    int64_t updated_ms;
    int64_t closed_ms;
    uint64_t seq;             /* the venue's numeric order id where it has one (paging) */
} cb_acct_order_t;

/* One fill of the account. */
typedef struct {
    char id[CB_ACCT_ID_MAX];
    char order_id[CB_ACCT_ID_MAX];
    char symbol[CB_SYMBOL_MAX + 1];
    const char *side;
    cb_acct_dec_t price;
    cb_acct_dec_t amount;
    cb_acct_dec_t cost;
    cb_acct_dec_t fee;
    char fee_asset[CB_ASSET_MAX + 1];
    bool maker;
    int64_t time_ms;
    uint64_t seq;             /* the venue's numeric trade id where it has one (paging) */
} cb_acct_trade_t;

/* Kraken TradeBalance, named as the contract names its fields. */
typedef struct {
    char asset[CB_ASSET_MAX + 1];
    cb_acct_dec_t equivalent_balance, trade_balance, margin, unrealized_pnl, cost_basis,
        valuation, equity, free_margin, margin_level;
} cb_acct_trade_balance_t;

/* A growable array of one element type. Owns items; zero-initialise,
 * cb_acct_vec_fini. */
typedef struct {
    void *items;
    size_t count;
    size_t cap;
} cb_acct_vec_t;

void
cb_acct_vec_fini(cb_acct_vec_t *v);

/* A zeroed new last element of elem_size bytes, or NULL (no memory, or past
 * 100000 elements: a reply that large is not an account's). */
void *
cb_acct_vec_push(cb_acct_vec_t *v, size_t elem_size);

/* Newest first: by time, then by seq, both descending. For qsort. */
int
cb_acct_order_newest_first(const void *a, const void *b);
int
cb_acct_trade_newest_first(const void *a, const void *b);

/* Kraken / Binance side and order type words to the contract's: "buy" /
 * "BUY" -> "buy"; Kraken "stop-loss-limit" and Binance "STOP_LOSS_LIMIT" ->
 * "stop-loss", "LIMIT_MAKER" -> "limit", ... NULL for an unknown word. */
const char *
cb_acct_side(cb_str_t word);
const char *
cb_acct_type(cb_str_t word);

/* ---- paging cursors ----------------------------------------------------------- */

/* A cursor is opaque to clients: base64url of "v1|<kind>|<end_ms>|<ofs>|" then,
 * for per-symbol paging (Binance), one "<SYMBOL>:<end_ms>:<seq>:<done>" per
 * symbol separated by '|'. kind is 'o' (closed orders) or 't' (trades); a
 * cursor of one kind is refused for the other. */
#define CB_ACCT_CURSOR_MAX 2048
#define CB_ACCT_CURSOR_SYMBOLS 32

typedef struct {
    char symbol[CB_NATIVE_MAX];
    int64_t end_ms;      /* take items older than (end_ms, seq) */
    uint64_t seq;        /* UINT64_MAX: everything at end_ms */
    bool done;
} cb_acct_cursor_pos_t;

typedef struct {
    char kind;
    int64_t end_ms;      /* Kraken: the end of the walk, fixed by its first page */
    int64_t ofs;         /* Kraken: results already returned */
    cb_acct_cursor_pos_t pos[CB_ACCT_CURSOR_SYMBOLS];
    size_t npos;
} cb_acct_cursor_t;

/* Writes c as an opaque string into out (CB_ACCT_CURSOR_MAX bytes). 0 or
 * CB_E_TOO_BIG. */
int
cb_acct_cursor_encode(const cb_acct_cursor_t *c, char *out, size_t size);

/* Reads a cursor string of kind. 0, or CB_E_BAD_REQUEST for anything that
 * is not one of ours. */
int
cb_acct_cursor_decode(const char *text, size_t len, char kind, cb_acct_cursor_t *out);

/* ---- reply parsers ------------------------------------------------------------- */

/* Each parser reads one private reply (any HTTP status). When the venue
 * answered with an error, err gets its class and the venue's own text and
 * the class's CB_E_* code (cb_verr_code) is returned; a body that is not the
 * documented shape gives CB_E_PARSE with err BAD_REPLY naming the field.
 * Vectors are appended to (balances: cb_acct_balance_t, orders:
 * cb_acct_order_t, trades: cb_acct_trade_t). Symbols are unified through
 * ins (an unknown pair keeps the venue's name); assets by cb_asset_unify. */

/* Kraken BalanceEx: {"XXBT":{"balance","hold_trade"},...}. */
int
cb_kraken_acct_balances(const char *body, size_t len, int http_status, cb_acct_vec_t *out,
                        cb_venue_error_t *err);

/* Kraken TradeBalance: {eb, tb, m, n, c, v, e, mf, ml?}; out->asset is left
 * for the caller. */
int
cb_kraken_acct_trade_balance(const char *body, size_t len, int http_status,
                             cb_acct_trade_balance_t *out, cb_venue_error_t *err);

/* Kraken OpenOrders ({"open":{txid:order}}) or ClosedOrders ({"closed":{...},
 * "count":N}); *count gets N (the open orders' number for OpenOrders). */
int
cb_kraken_acct_orders(const char *body, size_t len, int http_status, const cb_instruments_t *ins,
                      cb_acct_vec_t *out, int64_t *count, cb_venue_error_t *err);

/* Kraken TradesHistory: {"trades":{txid:trade},"count":N}. */
int
cb_kraken_acct_trades(const char *body, size_t len, int http_status, const cb_instruments_t *ins,
                      cb_acct_vec_t *out, int64_t *count, cb_venue_error_t *err);

/* Kraken GetWebSocketsToken: {"token","expires"}. token gets the token
 * (a credential: the caller never logs it). */
int
cb_kraken_acct_ws_token(const char *body, size_t len, int http_status, char *token, size_t size,
                        int64_t *expires_s, cb_venue_error_t *err);

/* Binance GET /api/v3/account: balances [{asset, free, locked}]; total =
 * free + locked. *can_trade gets canTrade (may be NULL). */
int
cb_binance_acct_balances(const char *body, size_t len, int http_status, cb_acct_vec_t *out,
                         bool *can_trade, cb_venue_error_t *err);

/* Binance openOrders / allOrders: [order, ...]. */
int
cb_binance_acct_orders(const char *body, size_t len, int http_status, const cb_instruments_t *ins,
                       cb_acct_vec_t *out, cb_venue_error_t *err);

/* Binance myTrades: [trade, ...]. */
int
cb_binance_acct_trades(const char *body, size_t len, int http_status, const cb_instruments_t *ins,
                       cb_acct_vec_t *out, cb_venue_error_t *err);

#endif
