/* sim_exchange.h - venue-sim's accounts and user orders: balances with holds, fees, order and trade history, stops, dead-man's switch */
#ifndef SIM_EXCHANGE_H_INCLUDED
#define SIM_EXCHANGE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_accounts.h"
#include "sim_market.h"

#define SIM_CLID_MAX 64

typedef enum {
    SIM_OT_MARKET = 0,
    SIM_OT_LIMIT,
    SIM_OT_STOP_LOSS,         /* market once the last trade reaches stop_price */
    SIM_OT_TAKE_PROFIT,       /* market once the last trade reaches stop_price */
    SIM_OT_STOP_LOSS_LIMIT,   /* limit at price once triggered */
    SIM_OT_TAKE_PROFIT_LIMIT, /* limit at price once triggered */
} sim_order_type_t;

typedef enum { SIM_TIF_GTC = 0, SIM_TIF_IOC, SIM_TIF_FOK } sim_tif_t;

typedef enum {
    SIM_OS_PENDING = 0, /* a stop waiting for its trigger (Binance NEW) */
    SIM_OS_OPEN,        /* resting (partly filled or not) */
    SIM_OS_FILLED,      /* Kraken closed */
    SIM_OS_CANCELED,
    SIM_OS_EXPIRED,     /* IOC/FOK/market remainder */
} sim_order_status_t;

typedef struct {
    size_t inst;
    sim_side_t side;
    sim_order_type_t type;
    sim_tif_t tif;
    sim_fx_t price;      /* limit price (limit types) */
    sim_fx_t stop_price; /* trigger (stop / take-profit types) */
    sim_fx_t qty;        /* base quantity; 0 with quote_qty for a market order by cost */
    sim_fx_t quote_qty;  /* market orders only: spend / receive this much quote */
    bool post_only;
    bool fee_in_base;    /* buys: fee taken from the base received (else paid in quote) */
    bool has_userref;
    int32_t userref;
    char cl_ord_id[SIM_CLID_MAX]; /* "" when none */
} sim_order_req_t;

typedef struct {
    uint64_t id; /* the book's order id; Binance orderId; Kraken txid derives from it */
    uint32_t owner;
    sim_order_req_t req;
    sim_order_status_t status;
    sim_fx_t filled;
    sim_fx_t cost;      /* quote traded, each fill rounded to the quote's decimals */
    sim_fx_t fee;       /* in fee_asset */
    int fee_asset;      /* index in the venue's assets */
    sim_fx_t held;      /* what is still reserved for it, in held_asset */
    int held_asset;
    int64_t open_ns;
    int64_t update_ns;  /* last change */
    int64_t amend_ns;   /* creation or last amend: Kraken's resting age */
    int64_t close_ns;   /* 0 while open or pending */
    char reason[48];    /* why it closed ("User requested", "Insufficient funds", ...) */
} sim_xorder_t;

typedef struct {
    uint64_t id;        /* the user trade's id (Binance myTrades id is the market trade id) */
    uint64_t trade_id;  /* the market trade id */
    uint64_t order_id;
    uint32_t owner;
    size_t inst;
    sim_side_t side;
    sim_fx_t price;
    sim_fx_t qty;
    sim_fx_t cost;
    sim_fx_t fee;
    int fee_asset;
    bool maker;
    int64_t time_ns;
} sim_xtrade_t;

typedef enum {
    SIM_X_OK = 0,
    SIM_X_UNKNOWN_ORDER,
    SIM_X_INSUFFICIENT_FUNDS,
    SIM_X_MIN_QTY,        /* below the instrument's minimum (Kraken ordermin, Binance LOT_SIZE) */
    SIM_X_MAX_QTY,
    SIM_X_LOT,            /* not a multiple of the step */
    SIM_X_TICK,           /* not a multiple of the tick */
    SIM_X_MIN_NOTIONAL,   /* price x qty below the minimum */
    SIM_X_BAD_PRICE,      /* zero or negative where one is needed */
    SIM_X_WOULD_TAKE,     /* post-only that would match */
    SIM_X_NO_LIQUIDITY,   /* market order with an empty book, or FOK that cannot fill */
    SIM_X_DUPLICATE_ID,   /* client order id of an open order */
    SIM_X_TOO_MANY_ORDERS,
    SIM_X_NOMEM,
} sim_x_rc_t;

/* Owns accounts, orders and trades; borrows the market (which must outlive
 * it) and sets its fill hook and a listener. One thread. */
typedef struct sim_exchange sim_exchange_t;

sim_exchange_t *
sim_exchange_new(sim_market_t *market);

/* NULL-safe; nulls *exchange_p and unhooks from the market. */
void
sim_exchange_destroy(sim_exchange_t **exchange_p);

/* Adds accounts from spec: lines (or ';'-separated entries) of
 *   <kraken|binance> <api key> <secret> [tier=starter|intermediate|pro] ASSET=AMOUNT ...
 * e.g. "binance mykey mysecret USDT=10000 BTC=1". Blank lines and '#'
 * comments are skipped. Returns 0, or -1 with "line N: why" in err (no
 * account added then). */
int
sim_exchange_add_accounts(sim_exchange_t *exchange, const char *spec, char *err, size_t errsize);

/* The account of venue with that API key, or NULL. Account pointers stay
 * valid until the next sim_exchange_add_accounts. */
sim_account_t *
sim_exchange_account_by_key(sim_exchange_t *exchange, sim_venue_t venue, const char *key, size_t len);

/* Account by owner, or NULL. */
sim_account_t *
sim_exchange_account(sim_exchange_t *exchange, uint32_t owner);

/* Checks req against the instrument's rules and the account's funds
 * without placing it (validate-only orders). */
sim_x_rc_t
sim_exchange_check(sim_exchange_t *exchange, const sim_account_t *account, const sim_order_req_t *req);

/* Places an order for account: checks, reserves funds, matches, rests what
 * is left (GTC limit) or expires it; stops wait as PENDING. *out (may be
 * NULL) points at the order record (valid until the next call that changes
 * the exchange). Counts the order as received even when refused. */
sim_x_rc_t
sim_exchange_place(sim_exchange_t *exchange, sim_account_t *account, const sim_order_req_t *req,
                   const sim_xorder_t **out);

/* Cancels an open or pending order of account; releases its hold. reason
 * is recorded ("User requested"). */
sim_x_rc_t
sim_exchange_cancel(sim_exchange_t *exchange, const sim_account_t *account, uint64_t id, const char *reason,
                    const sim_xorder_t **out);

/* Cancels every open or pending order of account (on inst only when
 * inst_filter is not SIZE_MAX); returns how many. ids (may be NULL)
 * receives up to max of their ids. */
size_t
sim_exchange_cancel_all(sim_exchange_t *exchange, const sim_account_t *account, size_t inst_filter,
                        uint64_t *ids, size_t max);

/* Changes an open limit order's quantity and/or price in place (Kraken
 * AmendOrder): a lower quantity keeps queue priority, a new price or a
 * higher quantity re-queues it; new_qty at or below filled closes it. 0
 * leaves a value as is. Holds follow. */
sim_x_rc_t
sim_exchange_amend(sim_exchange_t *exchange, sim_account_t *account, uint64_t id, sim_fx_t new_qty,
                   sim_fx_t new_price, const sim_xorder_t **out);

/* The order with that id (any owner), or NULL. */
const sim_xorder_t *
sim_exchange_order(const sim_exchange_t *exchange, uint64_t id);

/* The newest open or pending order of owner with that client order id, or
 * (when open_only is false) the newest of any status; NULL when none. */
const sim_xorder_t *
sim_exchange_order_by_clid(const sim_exchange_t *exchange, uint32_t owner, const char *clid, bool open_only);

/* Calls fn for each order of owner, oldest first; stops when fn returns false. */
void
sim_exchange_each_order(const sim_exchange_t *exchange, uint32_t owner, bool (*fn)(void *ctx, const sim_xorder_t *o),
                        void *ctx);

/* Calls fn for each trade of owner, oldest first; stops when fn returns false. */
void
sim_exchange_each_trade(const sim_exchange_t *exchange, uint32_t owner, bool (*fn)(void *ctx, const sim_xtrade_t *t),
                        void *ctx);

/* How many orders owner sent with this client order id (refused ones too). */
uint32_t
sim_exchange_clid_count(const sim_exchange_t *exchange, uint32_t owner, const char *clid);

/* Runs due work: triggered stops, dead-man's switches. Call every loop turn. */
void
sim_exchange_poll(sim_exchange_t *exchange, int64_t now_ns);

/* The fee in basis points x 1e-8 an account pays as maker or taker on inst. */
sim_fx_t
sim_exchange_fee_bps(const sim_account_t *account, size_t inst, bool maker);

/* Forgets orders and trades and restores every account's starting balances. */
void
sim_exchange_reset(sim_exchange_t *exchange);

#endif
