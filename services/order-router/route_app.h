/* route_app.h - the order-router's state, its venues' order calls and the exactly-once steps behind the `orders` RPC service */
#ifndef ROUTE_APP_H_INCLUDED
#define ROUTE_APP_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_creds.h"
#include "cb_nonce.h"
#include "cb_order.h"
#include "cb_pub.h"
#include "cb_rpc.h"
#include "cb_venue_client.h"
#include "route_ledger.h"

/* Where one place spends its time (COINBUS_LOG_LEVEL=debug: `place_steps`). */
typedef enum {
    ROUTE_STEP_CHECK = 0, /* args, venue, instrument rules, client order id */
    ROUTE_STEP_EXISTING,  /* the ledger asked whether the id exists (failed checks only) */
    ROUTE_STEP_BALANCE,   /* the balance check */
    ROUTE_STEP_INTENT,    /* the intent written (with breaker and limiter when in one round trip) */
    ROUTE_STEP_ADMIT,     /* breaker and rate limiter (when not with the intent), signing */
    ROUTE_STEP_VENUE,     /* the venue's HTTP round trip */
    ROUTE_STEP_RECORD,    /* the answer parsed and recorded (Binance: queued, read after the reply) */
    ROUTE_STEPS
} route_step_t;

typedef struct {
    int64_t at_ns;        /* the last mark; 0: not measuring (debug log off) */
    int64_t ns[ROUTE_STEPS];
} route_steps_t;

#define ROUTE_SPENT_MAX 8

/* What this replica's checked orders took of one asset since the view's answer. */
typedef struct {
    char asset[CB_ASSET_MAX + 1];
    cb_decimal_t amount;
} route_spent_t;

/* One venue's balance view for the balance check: the account service's
 * last `balances` answer, less what this replica let through since. */
typedef struct {
    cb_buf_t answer;          /* the result map (msgpack); owned */
    int64_t at_ms;            /* when it came (monotonic ms); 0: none yet */
    uint64_t gen;             /* counts answers */
    route_spent_t spent[ROUTE_SPENT_MAX];
    size_t nspent;
} route_balview_t;

/* What one order's check took from a view (route_balance_release). */
typedef struct {
    char asset[CB_ASSET_MAX + 1];
    cb_decimal_t amount;
    uint64_t gen;             /* 0: nothing taken */
} route_funds_hold_t;

/* One venue. Owns vc and cred. */
typedef struct {
    cb_venue_cfg_t cfg;
    cb_venue_client_t *vc;
    cb_cred_t *cred;          /* NULL: no credential (cred_error says why) */
    char cred_error[448];
    cb_nonce_t nonce;         /* Kraken only */
    bool nonce_ok;
    bool instruments_ok;
    route_steps_t *steps;     /* the app's (borrowed) */
    route_balview_t balance;
    cb_venue_settle_t settle; /* the last call's reports, made after the reply (route_app_settle) */
} route_venue_t;

/* Test-only fault hook (COINBUS_ROUTER_TEST_CRASH): SIGKILL itself right
 * after writing an intent, or right after a place's reply came back and
 * before the ledger records it. */
typedef enum {
    ROUTE_CRASH_NONE = 0,
    ROUTE_CRASH_AFTER_INTENT,
    ROUTE_CRASH_AFTER_SEND,
} route_crash_t;

/* A place's ledger record left for after its reply (route_exec_finish). */
typedef struct {
    bool due;
    int rc;                   /* the error of queueing it: no reply to read */
    route_order_t order;
    route_venue_t *venue;     /* whose call's reports were queued after it */
} route_later_t;

/* Everything the handler uses; main.c builds it. Owns the venues (route_app_fini). */
typedef struct {
    route_venue_t venues[CB_VENUES_MAX];
    size_t nvenues;
    route_ledger_t ledger;
    cb_pub_t *pub;            /* order events (borrowed) */
    int64_t settle_ms;        /* "no such order" is believed only this long after a send */
    int64_t resolve_tries;    /* queries per resolution in one request */
    route_crash_t crash;
    int64_t next_sweep_ms;
    cb_rpc_client_t *market;  /* market-feed's `market` service (venue "best"; borrowed) */
    cb_rpc_client_t *account; /* the `account` service (balance check; borrowed) */
    int64_t deps_timeout_ms;  /* the deadline of one call to either */
    bool balance_check;       /* COINBUS_ROUTER_BALANCE_CHECK */
    int64_t balance_ttl_ms;   /* COINBUS_ROUTER_BALANCE_CACHE_MS: a view is believed this long */
    route_steps_t steps;      /* the place being handled */
    route_later_t later;      /* its record, once the reply is out */
} route_app_t;

#define ROUTE_QUOTES_MAX 16

/* One venue's fill of the order, from market-feed's `best`. */
typedef struct {
    char venue[CB_VENUE_NAME_MAX + 1];
    char symbol[CB_SYMBOL_MAX + 1];   /* the venue's listing */
    char avg_price[CB_DECIMAL_STR_MAX];
    char cost[CB_DECIMAL_STR_MAX];
    char fee[CB_DECIMAL_STR_MAX];
    char total[CB_DECIMAL_STR_MAX];
    cb_decimal_t cost_value, fee_value, total_value;
} route_quote_t;

/* A venue passed over, and why. */
typedef struct {
    char venue[CB_VENUE_NAME_MAX + 1];
    char reason[32];
} route_skip_t;

/* A routing decision: the quotes best first, the venues skipped. */
typedef struct {
    bool buy;
    char symbol[48];          /* as asked */
    char amount[CB_DECIMAL_STR_MAX];
    char basis[16];
    route_quote_t quotes[ROUTE_QUOTES_MAX];
    size_t nquotes;
    route_skip_t skipped[2 * ROUTE_QUOTES_MAX];
    size_t nskipped;
    int chosen;               /* index in quotes, -1 none */
} route_routing_t;

/* A failure: the CB_E_* code and the message for the client. */
typedef struct {
    int code;
    char message[400];
} route_fail_t;

/* ---- route_venue.c ---- */

/* Loads the venue's instruments once (blocking). 0 or fail. */
int
route_venue_ready(route_venue_t *v, route_fail_t *fail);

/* Admits, signs and sends call. 0 with *res (cb_http_result_fini) when an
 * HTTP answer came; else the code with err (class UNKNOWN_OUTCOME when the
 * request may have reached the venue) and *sent telling whether it left.
 * A call that went well leaves its breaker success and weight true-up in
 * v->settle: reported before v's next call, or by route_app_settle. */
int
route_venue_call(route_venue_t *v, const cb_order_call_t *call, cb_http_result_t *res,
                 cb_venue_error_t *err, bool *sent);

/* A send that only this replica may make: the lease of order in ledger. */
typedef struct {
    route_ledger_t *ledger;
    const route_order_t *order;
} route_hold_t;

/* route_venue_call for a request of a ledger order (hold not NULL): after
 * the admission's wait (rate limits: it can outlast the lease) the lease
 * is renewed unless this replica wrote it with more than half of it left,
 * and when another replica has taken the order over meanwhile nothing is
 * sent (CB_E_CONFLICT, *sent false): that one resolves it. rider (may be
 * NULL) rides in the first admission's round trip
 * (cb_venue_client_private_admit_with): when it ends the admission, its
 * code is returned and nothing is sent. */
int
route_venue_call_held(route_venue_t *v, const cb_order_call_t *call, const route_hold_t *hold,
                      const cb_venue_rider_t *rider, cb_http_result_t *res, cb_venue_error_t *err,
                      bool *sent);

/* Asks the venue for the order of client order id clid on ins (Kraken: open,
 * then closed orders). 0 with *out (found or not), or the error. */
int
route_venue_query(route_venue_t *v, const cb_instrument_t *ins, const char *clid,
                  cb_order_query_t *out, cb_venue_error_t *err);

/* Finishes the last place (route_exec_finish), then reports what every
 * venue's last call left to report (after a reply). */
void
route_app_settle(route_app_t *app);

/* fail from a venue error: "<venue>: <the venue's text>". Returns the code. */
int
route_fail_venue(route_fail_t *fail, const route_venue_t *v, const cb_venue_error_t *err, int rc);

/* fail from a code and text. Returns code. */
int
route_fail_set(route_fail_t *fail, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- route_exec.c ---- */

/* The venue named name, or NULL. */
route_venue_t *
route_app_venue(route_app_t *app, const char *name);

/* True when o's status is final: filled, canceled, rejected or expired. */
bool
route_order_final(const route_order_t *o);

/* True while the venue has not told whether o exists: pending or unknown. */
bool
route_order_unresolved(const route_order_t *o);

/* Places o (intent status "pending", checked and with its client order id):
 * writes the intent, sends, records the answer; an existing client order id
 * returns that order (resolved first when unknown) and sends nothing, with
 * *existing true (the intent script's verdict). *o gets the result. 0 (the
 * order may be rejected or unknown: its status says) or fail. */
int
route_exec_place(route_app_t *app, route_venue_t *v, route_order_t *o, bool *existing,
                 route_fail_t *fail);

/* Resolves o when pending or unknown: queries the venue by client order id
 * with backoff; "no such order" after the settlement window resends it once
 * with the same id. Refreshes o from the venue when refresh is true and it
 * is not final. 0 or fail; o's status says the outcome. */
int
route_exec_resolve(route_app_t *app, route_venue_t *v, route_order_t *o, bool refresh,
                   route_fail_t *fail);

/* Records o's change (updated now) in the ledger, the log and on the bus:
 * 0 or fail ("ledger: ..."; the log line and the event go out anyway). */
int
route_exec_record(route_app_t *app, route_order_t *o, const char *event, route_fail_t *fail);

/* Copies what the venue said of the order into o. */
void
route_exec_apply(route_order_t *o, const cb_vorder_t *vo);

/* A ledger decimal field's value: false when it is empty or not a decimal. */
bool
route_exec_dec(const char *text, cb_decimal_t *out);

/* The venue request of a ledger order: 0, or CB_E_INTERNAL when its
 * instrument or amount is not known. */
int
route_exec_req(route_venue_t *v, const route_order_t *o, cb_order_req_t *req);

/* True when err says the venue certainly did not take the request. */
bool
route_exec_definite(const cb_venue_error_t *err);

/* ---- route_change.c ---- */

/* Cancels o (resolved first). */
int
route_exec_cancel(route_app_t *app, route_venue_t *v, route_order_t *o, route_fail_t *fail);

/* Changes o's price and/or amount ("" when unchanged). Kraken amends in
 * place; Binance cancels and replaces: *o becomes the new order. */
int
route_exec_amend(route_app_t *app, route_venue_t *v, route_order_t *o, const char *price,
                 const char *amount, route_fail_t *fail);

/* Reads the answer of a place's record queued before its reply (a Binance
 * place whose reply said the order's status): logs `order_state`, publishes
 * the event, and logs `ledger_behind` when the ledger did not take it (the
 * intent stays pending under this replica's lease; a sweep finds the order
 * at the venue by its client order id). Call it once the reply is out and
 * before any other Redis command (route_app_settle does). */
void
route_exec_finish(route_app_t *app);

/* Publishes o on order.<SYMBOL>.<venue> (the venue is the account) with
 * event: what just happened to it ("new", "acknowledged", "updated",
 * "resolved", "resend", "rejected", "unknown"; proto/cb_proto.def). */
void
route_exec_publish(route_app_t *app, const route_order_t *o, const char *event);

/* ---- route_cancel.c ---- */

/* Cancels every open order of the venue (symbol: one symbol, NULL all), then
 * refreshes the ledger's open orders from the venue (when it succeeded).
 * *count gets the number the venue cancelled. 0 or fail. */
int
route_cancel_all(route_app_t *app, route_venue_t *v, const char *symbol, int64_t *count,
                 route_fail_t *fail);

/* route_cancel_all on every venue in turn (counts[i], fails[i] for
 * app->venues[i]; fails[i].code 0 when it succeeded), one failing not
 * stopping the others; a venue that does not list symbol counts 0. *total
 * gets the sum of the counts. Returns how many venues failed. */
size_t
route_cancel_all_venues(route_app_t *app, const char *symbol, int64_t *counts,
                        route_fail_t *fails, int64_t *total);

/* Arms (seconds > 0) or disarms (0) the venue's dead-man's switch (Kraken's
 * CancelAllOrdersAfter; Binance: the ledger's timer, fired by route_sweep).
 * *trigger_ms gets when it fires (0: disarmed). 0 or fail. */
int
route_cancel_after(route_app_t *app, route_venue_t *v, int64_t seconds, int64_t *trigger_ms,
                   route_fail_t *fail);

/* ---- route_sweep.c ---- */

/* Periodic work (call every loop turn; runs at most every 250 ms): takes over
 * and resolves pending / unknown entries whose lease is ours or expired, and
 * fires due Binance dead-man's timers (route_cancel_all). */
void
route_sweep(route_app_t *app);

/* ---- route_best.c ---- */

/* Asks market-feed's `best` for symbol (unified), side and amount, and
 * fills rt: every venue's fill ranked best first (buy: lowest total paid,
 * sell: highest received; a tie by name), and the venues market-feed passed
 * over (lacking_depth, its skip reasons). 0 or fail (unavailable when
 * market-feed did not answer in app->deps_timeout_ms). */
int
route_best_quotes(route_app_t *app, const char *symbol, const char *side, const char *amount,
                  route_routing_t *rt, route_fail_t *fail);

/* The best venue of rt this router can use now: configured with
 * credentials, instruments loaded, breaker not open, rate budget able to
 * take a place now (peeks; nothing consumed). Adds the ones passed over to
 * rt->skipped, sets rt->chosen, logs the decision on one line. NULL with
 * fail (unavailable, naming each venue's reason) when none can. */
route_venue_t *
route_best_choose(route_app_t *app, route_routing_t *rt, route_fail_t *fail);

/* venue "best" for a place: when the client order id (or the id derived
 * from the idempotency key) is already in a venue's ledger, that venue and
 * *prior, rt left without quotes (a retry keeps its venue); else quotes and
 * chooses as above. *listing gets the symbol on the venue (its own listing).
 * NULL with fail. */
route_venue_t *
route_best_pick(route_app_t *app, const char *clid, const char *key, const char *symbol,
                const char *side, const char *amount, route_routing_t *rt, const char **listing,
                route_order_t *prior, route_fail_t *fail);

/* The quote of venue in rt, or NULL. */
const route_quote_t *
route_best_quote(const route_routing_t *rt, const char *venue);

/* Packs rt as the reply's `routing` map {chosen, basis, candidates, skipped}. */
void
route_best_pack(msgpack_packer *pk, const route_routing_t *rt);

/* ---- route_balance.c ---- */

/* Unless app->balance_check is off: checks what o spends (buy: the quote,
 * amount x price plus Kraken's taker fee; a market buy: its fill on the
 * book, q or asked of market-feed; sell: the base amount) against v's
 * balance view: the account service's available balance, asked at most
 * every app->balance_ttl_ms, less what this replica's checked orders took
 * since. A view that says "not enough" is asked again before refusing.
 * Not enough: bad_request "insufficient balance: needs X <ASSET>,
 * available Y on <venue>"; the account service silent or failing:
 * unavailable. On success *hold gets what was taken (route_balance_release).
 * 0 or fail. */
int
route_balance_check(route_app_t *app, route_venue_t *v, const route_order_t *o,
                    const route_quote_t *q, route_funds_hold_t *hold, route_fail_t *fail);

/* Gives back what hold took when the order ended without spending any of it
 * (rejected, expired or canceled, nothing filled): the view stays exact for
 * IOC orders. o NULL: nothing was placed (validate). Anything else keeps it
 * until the next answer. */
void
route_balance_release(route_venue_t *v, route_funds_hold_t *hold, const route_order_t *o);

/* ---- route_steps.c ---- */

/* Starts measuring one place (only when the debug log is on). */
void
route_steps_start(route_steps_t *s);

/* Adds the time since the last mark to step. */
void
route_steps_mark(route_steps_t *s, route_step_t step);

/* Logs the steps at debug level as `place_steps`. */
void
route_steps_log(const route_steps_t *s, const char *clid);

/* ---- route_rpc.c ---- */

/* The `orders` ops (proto/README "orders"). A cb_rpc_handler_fn. */
int
route_app_handle(void *ctx, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                 size_t msg_size);

/* Destroys every venue's client and credential. */
void
route_app_fini(route_app_t *app);

#endif
