/* sim_binance_format.h - what Binance's signed endpoints share: the request context, parameters, error replies, order and client-id shapes */
#ifndef SIM_BINANCE_FORMAT_H_INCLUDED
#define SIM_BINANCE_FORMAT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_httpd.h"
#include "sim.h"
#include "sim_exchange.h"

/* A client order id: at most 36 characters of [a-zA-Z0-9-_], NUL. */
#define SIM_BN_CLID_SIZE 37
/* The id Binance makes up when none is sent: 22 characters of [0-9A-Za-z]. */
#define SIM_BN_AUTO_ID_LEN 22

/* The self-trade prevention mode every order reports (exchangeInfo's
 * defaultSelfTradePreventionMode). */
#define SIM_BN_STP_MODE "EXPIRE_MAKER"

/* One authenticated signed request as its handler sees it. Everything is
 * borrowed for the call. */
typedef struct {
    sim_t *sim;
    const cb_httpd_req_t *req;
    cb_httpd_res_t *res;
    sim_account_t *account;
    bool use_body; /* POST / DELETE with a form body: parameters may be there too */
    int64_t now_ns;
    int weight; /* what the request costs; 0 after a successful order or cancel */
} sim_bn_t;

/* Finds parameter name in the query string, then (use_body) in the body:
 * the query string wins, as on Binance. Returns 1 with the decoded value in
 * out (possibly ""), 0 when absent, -1 when malformed (bad %xx, a NUL, longer
 * than size - 1). */
int
sim_bn_param(const sim_bn_t *c, const char *name, char *out, size_t size);

/* Writes Binance's error body {"code":code,"msg":"..."} (the message JSON
 * escaped) with status, replacing any body written. Returns false, so a
 * check can end with `return sim_bn_fail(...)`. */
bool
sim_bn_fail(sim_bn_t *c, int status, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Same as sim_bn_fail on a bare response (before a context exists). */
void
sim_bn_reply_error(cb_httpd_res_t *res, int status, int code, const char *msg);

/* The symbol parameter as an index into sim_instruments(). Mandatory: absent
 * or empty gives -1102. Optional: *inst is SIZE_MAX when absent. Unknown
 * (or not a Binance symbol): -1121. false with the error written. */
bool
sim_bn_symbol(sim_bn_t *c, bool mandatory, size_t *inst);

/* An integer parameter (LONG / INT): 1 with its value, 0 absent, -1 with
 * the error written (-1105 empty, -1100 not 1-20 digits, -1108 overflow). */
int
sim_bn_uint(sim_bn_t *c, const char *name, uint64_t *out);

/* A DECIMAL parameter, ^([0-9]{1,20})(\.[0-9]{1,20})?$ as Binance checks
 * it: 1 with its exact value, 0 absent, -1 with the error written (-1105
 * empty, -1100 illegal characters, -1111 more than 8 significant decimals,
 * -1108 overflow). */
int
sim_bn_decimal(sim_bn_t *c, const char *name, sim_fx_t *out);

/* An ENUM parameter: 1 with the value, 0 absent, -1 with the error written
 * (-1105 empty, -1100 characters outside ^[a-zA-Z_]{1,36}$). */
int
sim_bn_enum(sim_bn_t *c, const char *name, char *out, size_t size);

/* A BOOLEAN parameter: true only for "true" (any case). */
bool
sim_bn_bool(const sim_bn_t *c, const char *name);

/* The instrument an order or trade is on; NULL for another venue's. */
const sim_instrument_t *
sim_bn_instrument(size_t inst);

/* True for orders a Binance client can see: on a Binance symbol, and not a
 * LIMIT_MAKER refused because it would have taken (Binance rejects those
 * with -2010 and keeps no order). */
bool
sim_bn_visible(const sim_xorder_t *o);

/* The order's clientOrderId: the one sent, else the one made up from its id
 * (sim_bn_auto_id). */
void
sim_bn_client_id(const sim_xorder_t *o, char out[SIM_BN_CLID_SIZE]);

/* A made-up client id for the order with this id: 22 characters of
 * [0-9A-Za-z] that look random yet encode the id, so it needs no storage.
 * With salt 0 it is the order's own id; any other salt gives a cancel's
 * id. */
void
sim_bn_auto_id(uint64_t id, uint64_t salt, char out[SIM_BN_CLID_SIZE]);

/* The newest order of the request's account on inst (SIZE_MAX: any) whose
 * clientOrderId (sent or made up) is clid, among open ones only when
 * open_only; NULL when none. */
const sim_xorder_t *
sim_bn_order_by_client_id(const sim_bn_t *c, size_t inst, const char *clid, bool open_only);

/* The order a cancel or query names by orderId and/or origClientOrderId
 * (both: the order found by id must carry that client id) on inst, open or
 * pending ones only when open_only. NULL with *rc 0 when there is none, or
 * with *rc -1 and the parameter error written (-1102 neither sent, -1119
 * empty client id, -11xx malformed orderId). */
const sim_xorder_t *
sim_bn_named_order(sim_bn_t *c, size_t inst, bool open_only, int *rc);

/* The same with other parameter names (cancelReplace: cancelOrderId,
 * cancelOrigClientOrderId). */
const sim_xorder_t *
sim_bn_named_order_by(sim_bn_t *c, size_t inst, bool open_only, const char *id_key,
                      const char *clid_key, int *rc);

/* How many orders the request's account placed in the current 10-second
 * and UTC-day windows (X-MBX-ORDER-COUNT-10S / -1D when no limiter counts). */
void
sim_bn_order_counts(const sim_bn_t *c, int64_t *count_10s, int64_t *count_1d);

/* Binance names of an order's fields. */
const char *
sim_bn_status(const sim_xorder_t *o);

const char *
sim_bn_type(const sim_xorder_t *o);

const char *
sim_bn_tif(const sim_xorder_t *o);

const char *
sim_bn_side(sim_side_t side);

/* A price, quantity or amount as Binance writes it: a string with 8 decimals. */
void
sim_bn_amount(cb_buf_t *out, const char *name, sim_fx_t v, bool comma);

/* GET order / openOrders / allOrders: the order object (stopPrice and
 * icebergQty always, as the documented example). */
void
sim_bn_order_json(cb_buf_t *out, const sim_xorder_t *o);

/* POST order: 0 ACK, 1 RESULT, 2 FULL (RESULT plus fills, "[]" when none). */
void
sim_bn_new_order_json(cb_buf_t *out, const sim_exchange_t *exchange, const sim_xorder_t *o,
                      int resp_type);

/* DELETE order / openOrders: the cancel report; cancel_clid is the cancel's
 * own clientOrderId (origClientOrderId is the order's). */
void
sim_bn_cancel_json(cb_buf_t *out, const sim_xorder_t *o, const char *cancel_clid);

#endif
