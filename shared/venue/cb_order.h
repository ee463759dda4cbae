/* cb_order.h - venue order actions in one dialect-neutral shape: what to place, cancel or amend, and the normalised order a reply describes */
#ifndef CB_ORDER_H_INCLUDED
#define CB_ORDER_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_decimal.h"
#include "cb_venue.h"

/* Order ids as the venues write them (Kraken "OU22CG-KLAF2-FWUDD7", Binance
 * a decimal integer). Client order ids: both venues take up to 36 characters
 * (Kraken alphanumeric or a UUID; Binance also '_': its -1100 legal range
 * ^[a-zA-Z0-9-_]{1,36}$). */
#define CB_ORDER_ID_MAX 64
#define CB_CLID_MAX 36

typedef enum {
    CB_OTYPE_MARKET = 0,
    CB_OTYPE_LIMIT,
    CB_OTYPE_STOP_LOSS,    /* triggers at stop_price; a limit order at price when has_price */
    CB_OTYPE_TAKE_PROFIT,  /* likewise */
} cb_otype_t;

typedef enum {
    CB_TIF_GTC = 0,
    CB_TIF_IOC,
    CB_TIF_FOK,
} cb_tif_t;

/* What the venue said of the order. NONE: the reply did not say (an
 * acknowledgement without a status, a validate-only reply). The names
 * (cb_ostatus_name) are the account contract's words. */
typedef enum {
    CB_OSTATUS_NONE = 0,
    CB_OSTATUS_OPEN,
    CB_OSTATUS_PARTIALLY_FILLED,
    CB_OSTATUS_FILLED,
    CB_OSTATUS_CANCELED,
    CB_OSTATUS_REJECTED,
    CB_OSTATUS_EXPIRED,
} cb_ostatus_t;

/* One order to place. ins is borrowed (the venue's instrument list); the
 * decimals are exact and must already be on the venue's steps (the router
 * validates; the builders only refuse what cannot be sent). */
typedef struct {
    const cb_instrument_t *ins;
    bool buy;
    cb_otype_t type;
    cb_tif_t tif;
    bool post_only;                 /* limit orders only */
    bool validate;                  /* ask the venue to check it without placing it */
    cb_decimal_t amount;            /* base units, > 0 */
    bool has_price;                 /* LIMIT always; stop types: a limit after the trigger */
    cb_decimal_t price;
    cb_decimal_t stop_price;        /* stop types: the trigger, > 0 */
    char client_order_id[CB_CLID_MAX + 1]; /* "" when none (the router always sets one) */
} cb_order_req_t;

/* Names one existing order: by venue id, or by client order id when id is "". */
typedef struct {
    const cb_instrument_t *ins;     /* Binance needs the symbol; Kraken ignores it */
    char id[CB_ORDER_ID_MAX];
    char client_order_id[CB_CLID_MAX + 1];
} cb_order_ref_t;

/* A change of price and/or amount of one open order. Kraken amends it in
 * place (AmendOrder: ids kept). Binance cancels and replaces it
 * (order/cancelReplace): replacement is then the whole new order (its own
 * client order id, the new amount and price) and must be given. */
typedef struct {
    cb_order_ref_t ref;
    bool has_amount;
    cb_decimal_t amount;
    bool has_price;
    cb_decimal_t price;
    const cb_order_req_t *replacement; /* Binance only */
} cb_order_amend_t;

/* A decimal field of a reply; set is false when the venue did not give it. */
typedef struct {
    cb_decimal_t value;
    bool set;
} cb_odec_t;

/* One order as a venue reply describes it, normalised. Strings side ("buy",
 * "sell") and type ("market", "limit", "stop-loss", "take-profit") are static
 * or NULL when the reply did not say. Times are Unix ms, 0 when absent. */
typedef struct {
    char id[CB_ORDER_ID_MAX];              /* the venue's order id ("" when not given) */
    char client_order_id[CB_ORDER_ID_MAX]; /* "" when none */
    char symbol[CB_SYMBOL_MAX + 1];        /* unified, "" when not given or not listed */
    const char *side;
    const char *type;
    cb_ostatus_t status;
    cb_odec_t price;                       /* limit price, or the trigger of stop types */
    cb_odec_t stop_price;
    cb_odec_t amount;
    cb_odec_t filled;
    cb_odec_t avg_price;                   /* set when something was filled */
    cb_odec_t cost;                        /* quote units filled */
    cb_odec_t fee;
    char fee_asset[CB_ASSET_MAX + 1];      /* unified; "" when not given */
    int64_t created_ms;
    int64_t updated_ms;
    int64_t closed_ms;
    bool validated;                        /* a validate-only reply: nothing was placed */
    char reason[64];                       /* why it closed, when the venue says */
    char replaced_id[CB_ORDER_ID_MAX];     /* Binance cancelReplace: the order cancelled */
} cb_vorder_t;

/* The answer to a query by client order id: found, or the venue's definite
 * "no such order" (found false). Errors are not answers: they come back as
 * error codes with a cb_venue_error_t. */
typedef struct {
    bool found;
    cb_vorder_t order;
} cb_order_query_t;

/* The answer to a cancel-all or a dead-man's switch. */
typedef struct {
    size_t count;                  /* orders cancelled (cancel-all) */
    int64_t current_ms;            /* CancelAllOrdersAfter: the venue's clock */
    int64_t trigger_ms;            /* CancelAllOrdersAfter: when it fires; 0 = disarmed */
} cb_order_batch_t;

/* "open", "partially_filled", "filled", "canceled", "rejected", "expired",
 * "" for NONE. */
const char *
cb_ostatus_name(cb_ostatus_t status);

/* True when status is final (filled, canceled, rejected, expired). */
bool
cb_ostatus_final(cb_ostatus_t status);

/* True when text (len bytes) is a client order id the dialect's venue takes:
 * 1-36 characters of [A-Za-z0-9-] (Kraken), or of [A-Za-z0-9_-] (Binance). */
bool
cb_order_clid_ok(cb_dialect_t dialect, const char *text, size_t len);

/* One request before signing: the dialect's signer (cb_kraken_private_req
 * with method = path, or cb_binance_signed_req) adds the nonce or timestamp
 * and the signature. changes_state is false only for queries and
 * validate-only calls: a lost reply to the others is UNKNOWN_OUTCOME. */
typedef struct {
    char method[8];        /* HTTP method (Kraken: always POST) */
    char path[48];         /* Kraken: the private method ("AddOrder"); Binance: "/api/v3/order" */
    char params[768];      /* url-encoded parameters */
    bool changes_state;
} cb_order_call_t;

/* Why a venue refused an order, read from its error (class REJECTED or
 * INSUFFICIENT_FUNDS; anything else is OTHER). */
typedef enum {
    CB_OREJECT_OTHER = 0,
    CB_OREJECT_FUNDS,          /* insufficient balance */
    CB_OREJECT_PRICE,          /* price off the tick size or out of range */
    CB_OREJECT_AMOUNT,         /* amount off the lot size or below the minimum */
    CB_OREJECT_NOTIONAL,       /* price x amount below the minimum */
    CB_OREJECT_POST_ONLY,      /* a post-only order would have taken */
    CB_OREJECT_DUPLICATE,      /* the client order id is in use */
    CB_OREJECT_TOO_MANY,       /* open-order cap */
    CB_OREJECT_MARKET_CLOSED,  /* the market does not take orders now */
    CB_OREJECT_INVALID,        /* a parameter the venue refused */
} cb_oreject_t;

/* The reason of a refusal (err as the dialect's parsers fill it). */
cb_oreject_t
cb_order_reject_reason(const cb_venue_error_t *err);

/* "funds", "price", "amount", "notional", "post_only", "duplicate",
 * "too_many_orders", "market_closed", "invalid", "other". */
const char *
cb_oreject_name(cb_oreject_t reason);

#endif
