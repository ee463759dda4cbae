/* route_exec.c - the order-router's exactly-once steps: intent, send, record; UNKNOWN resolved by asking the venue */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_binance_orders.h"
#include "cb_error.h"
#include "cb_kraken_orders.h"
#include "cb_log.h"
#include "cb_signal.h"
#include "cb_time.h"
#include "route_app.h"

#define S_MAX_RESENDS 1      /* sends after the first, each after a definite "no such order" */
#define S_AWAIT_POLL_MS 20   /* ledger reads while another replica owns an order */
#define S_AWAIT_MAX_MS 2000  /* and no longer: under api-edge's default RPC timeout (3 s) */

static void
s_sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t) (ms / 1000), (long) (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool
s_is(const route_order_t *o, const char *status)
{
    return strcmp(o->status, status) == 0;
}

bool
route_order_unresolved(const route_order_t *o)
{
    return s_is(o, "pending") || s_is(o, "unknown");
}

bool
route_order_final(const route_order_t *o)
{
    return s_is(o, "filled") || s_is(o, "canceled") || s_is(o, "rejected") || s_is(o, "expired");
}

route_venue_t *
route_app_venue(route_app_t *app, const char *name)
{
    for (size_t i = 0; i < app->nvenues; i++) {
        if (strcmp(app->venues[i].cfg.name, name) == 0) {
            return &app->venues[i];
        }
    }
    return NULL;
}

bool
route_exec_dec(const char *text, cb_decimal_t *out)
{
    return text[0] != '\0' && cb_decimal_parse(text, strlen(text), out) == 0;
}

static void
s_dec_text(char *out, size_t size, const cb_odec_t *d)
{
    if (d->set) {
        (void) cb_decimal_format(d->value, out, size);
    }
}

/* An int64 from a ledger time ("" or not a number: false). */
static bool
s_ms(const char *text, int64_t *out)
{
    char *end;
    long long v = text[0] != '\0' ? strtoll(text, &end, 10) : 0;
    if (text[0] == '\0' || *end != '\0') {
        return false;
    }
    *out = (int64_t) v;
    return true;
}

void
route_exec_publish(route_app_t *app, const route_order_t *o, const char *event)
{
    if (app->pub == NULL) {
        return;
    }
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CB_KIND_order;
    cb_order_t *m = &ev.body.order;
    cb_decimal_t d;
    CB_PROTO_SET(m, order, symbol, cb_str_from(o->symbol));
    CB_PROTO_SET(m, order, venue, cb_str_from(o->venue));
    CB_PROTO_SET(m, order, order_id,
                 cb_str_from(o->venue_order_id[0] != '\0' ? o->venue_order_id : o->client_order_id));
    CB_PROTO_SET(m, order, client_order_id, cb_str_from(o->client_order_id));
    CB_PROTO_SET(m, order, side, cb_str_from(o->side));
    CB_PROTO_SET(m, order, type, cb_str_from(o->type));
    CB_PROTO_SET(m, order, status, cb_str_from(o->status));
    CB_PROTO_SET(m, order, amount, route_exec_dec(o->amount, &d) ? d : cb_decimal_from_int(0));
    CB_PROTO_SET(m, order, filled, route_exec_dec(o->filled, &d) ? d : cb_decimal_from_int(0));
    if (route_exec_dec(o->price, &d)) {
        CB_PROTO_SET(m, order, price, d);
    }
    if (route_exec_dec(o->avg_price, &d)) {
        CB_PROTO_SET(m, order, avg_price, d);
    }
    if (route_exec_dec(o->fee, &d)) {
        CB_PROTO_SET(m, order, fee, d);
    }
    if (o->fee_asset[0] != '\0') {
        CB_PROTO_SET(m, order, fee_asset, cb_str_from(o->fee_asset));
    }
    if (o->reason[0] != '\0') {
        CB_PROTO_SET(m, order, reason, cb_str_from(o->reason));
    }
    CB_PROTO_SET(m, order, event, cb_str_from(event));
    if (o->time_in_force[0] != '\0') {
        CB_PROTO_SET(m, order, time_in_force, cb_str_from(o->time_in_force));
    }
    if (route_exec_dec(o->stop_price, &d)) {
        CB_PROTO_SET(m, order, stop_price, d);
    }
    if (o->venue_order_id[0] != '\0') {
        CB_PROTO_SET(m, order, venue_order_id, cb_str_from(o->venue_order_id));
    }
    if (o->replaces[0] != '\0') {
        CB_PROTO_SET(m, order, replaces, cb_str_from(o->replaces));
    }
    int64_t ms;
    if (s_ms(o->created_ms, &ms)) {
        CB_PROTO_SET(m, order, created_ms, ms);
    }
    if (s_ms(o->updated_ms, &ms)) {
        CB_PROTO_SET(m, order, updated_ms, ms);
    }
    cb_proto_err_t err;
    if (cb_pub_send(app->pub, &ev, &err) != 0) {
        cb_log_error("order_publish_failed", "venue=%s clid=%s error=\"%s\"", o->venue,
                     o->client_order_id, err.message);
    }
}

int
route_exec_record(route_app_t *app, route_order_t *o, const char *event, route_fail_t *fail)
{
    snprintf(o->updated_ms, sizeof o->updated_ms, "%" PRId64, cb_time_now_ms());
    int rc = route_ledger_update(&app->ledger, o, event);
    cb_log_info("order_state", "venue=%s clid=%s event=%s status=%s venue_id=%s", o->venue,
                o->client_order_id, event, o->status, o->venue_order_id);
    route_exec_publish(app, o, event);
    return rc != 0 ? route_fail_set(fail, rc, "ledger: %s", cb_strerror(rc)) : 0;
}

void
route_exec_apply(route_order_t *o, const cb_vorder_t *vo)
{
    if (vo->id[0] != '\0') {
        snprintf(o->venue_order_id, sizeof o->venue_order_id, "%s", vo->id);
    }
    if (vo->status != CB_OSTATUS_NONE) {
        snprintf(o->status, sizeof o->status, "%s", cb_ostatus_name(vo->status));
    } else if (route_order_unresolved(o)) {
        snprintf(o->status, sizeof o->status, "open");
    }
    s_dec_text(o->filled, sizeof o->filled, &vo->filled);
    s_dec_text(o->avg_price, sizeof o->avg_price, &vo->avg_price);
    s_dec_text(o->fee, sizeof o->fee, &vo->fee);
    if (vo->amount.set) {
        s_dec_text(o->amount, sizeof o->amount, &vo->amount);
    }
    if (vo->price.set && o->price[0] != '\0') {
        s_dec_text(o->price, sizeof o->price, &vo->price);
    }
    if (vo->fee_asset[0] != '\0') {
        snprintf(o->fee_asset, sizeof o->fee_asset, "%s", vo->fee_asset);
    }
    if (vo->reason[0] != '\0') {
        snprintf(o->reason, sizeof o->reason, "%s", vo->reason);
    }
    if (o->filled[0] == '\0') {
        snprintf(o->filled, sizeof o->filled, "0");
    }
}

static const char *const s_types[] = {"market", "limit", "stop-loss", "take-profit"};
static const char *const s_tifs[] = {"GTC", "IOC", "FOK"};

int
route_exec_req(route_venue_t *v, const route_order_t *o, cb_order_req_t *req)
{
    memset(req, 0, sizeof *req);
    req->ins = cb_instruments_by_symbol(cb_venue_client_instruments(v->vc), cb_str_from(o->symbol));
    req->buy = strcmp(o->side, "buy") == 0;
    for (int i = 0; i < 4; i++) {
        req->type = strcmp(o->type, s_types[i]) == 0 ? (cb_otype_t) i : req->type;
    }
    for (int i = 0; i < 3; i++) {
        req->tif = strcmp(o->time_in_force, s_tifs[i]) == 0 ? (cb_tif_t) i : req->tif;
    }
    req->post_only = strcmp(o->post_only, "true") == 0;
    req->has_price = route_exec_dec(o->price, &req->price);
    (void) route_exec_dec(o->stop_price, &req->stop_price);
    snprintf(req->client_order_id, sizeof req->client_order_id, "%s", o->client_order_id);
    return req->ins != NULL && route_exec_dec(o->amount, &req->amount) ? 0 : CB_E_INTERNAL;
}

bool
route_exec_definite(const cb_venue_error_t *err)
{
    switch (err->cls) {
    case CB_VERR_AUTH:
    case CB_VERR_RATE_LIMIT:
    case CB_VERR_UNKNOWN_SYMBOL:
    case CB_VERR_INSUFFICIENT_FUNDS:
    case CB_VERR_REJECTED:
    case CB_VERR_NOT_FOUND:
    case CB_VERR_UNAVAILABLE:
        return true;
    default:
        return false;
    }
}

static void
s_crash(route_app_t *app, route_crash_t at)
{
    if (app->crash == at) {
        cb_log_warn("test_crash", "at=%s", at == ROUTE_CRASH_AFTER_INTENT ? "after_intent" : "after_send");
        raise(SIGKILL);
    }
}

/* True while another replica's lease on o is live: that replica is placing
 * or resolving it, and only it may send anything for it. */
static bool
s_leased_elsewhere(const route_app_t *app, const route_order_t *o)
{
    return strcmp(o->owner, app->ledger.owner) != 0 &&
           strtoll(o->lease_until, NULL, 10) > cb_time_now_ms();
}

/* The same client order id came to this replica while another one holds
 * it unresolved (placed at once through two replicas): waits, reading the
 * ledger, until the owner has recorded the venue's answer or its lease has
 * run out (it renews the lease with every write, so a live owner keeps it).
 * *o gets the ledger's latest. The wait holds this replica's only loop, so
 * it ends after S_AWAIT_MAX_MS, on a stop signal, or when the ledger cannot
 * be read: false then, and o is still the other replica's to send or
 * resolve (the caller answers it as it stands and does nothing with it). */
static bool
s_await_owner(route_app_t *app, route_order_t *o)
{
    int64_t deadline_ms = cb_time_mono_ns() / 1000000 + S_AWAIT_MAX_MS;
    while (route_order_unresolved(o) && s_leased_elsewhere(app, o)) {
        if (cb_signal_stop || cb_time_mono_ns() / 1000000 >= deadline_ms) {
            cb_log_warn("order_owned_elsewhere", "venue=%s clid=%s status=%s owner=%s", o->venue,
                        o->client_order_id, o->status, o->owner);
            return false;
        }
        s_sleep_ms(S_AWAIT_POLL_MS);
        route_order_t cur;
        if (route_ledger_get(&app->ledger, o->venue, o->client_order_id, &cur) != 0) {
            return false;
        }
        *o = cur;
    }
    return true;
}

/* A place's intent, written in its first admission's Redis round trip
 * (route_venue_call_held's rider) or, when the request cannot be built,
 * on its own. */
typedef struct {
    route_app_t *app;
    route_order_t *o;
    bool done;        /* the intent's answer is in */
    bool created;     /* written now (else o is the existing order) */
    int rc;           /* the ledger's error */
    int append_rc;    /* the error of queueing it */
} s_intent_t;

/* The intent's answer is in: the "new" event once written. 0 to go on
 * with the send, else the code that ends it (nothing is sent). */
static int
s_intent_done(s_intent_t *in)
{
    in->done = true;
    route_steps_mark(&in->app->steps, ROUTE_STEP_INTENT);
    if (in->rc != 0 || !in->created) {
        return in->rc != 0 ? in->rc : CB_E_CONFLICT;
    }
    route_exec_publish(in->app, in->o, "new");
    s_crash(in->app, ROUTE_CRASH_AFTER_INTENT);
    /* The intent says it was not sent; from here it may be. */
    snprintf(in->o->sent_ms, sizeof in->o->sent_ms, "%" PRId64, cb_time_now_ms());
    return 0;
}

static int
s_intent_append(void *ctx, cb_redis_t *redis)
{
    s_intent_t *in = ctx;
    (void) redis; /* the ledger's own */
    in->append_rc = route_ledger_intent_append(&in->app->ledger, in->o);
    return in->append_rc;
}

static int
s_intent_reply(void *ctx, redisReply *reply, int err)
{
    s_intent_t *in = ctx;
    in->rc = route_ledger_intent_reply(&in->app->ledger, in->o, reply,
                                       in->append_rc != 0 ? in->append_rc : err, &in->created);
    return s_intent_done(in);
}

/* The intent on its own round trip. */
static int
s_intent_now(s_intent_t *in)
{
    in->rc = route_ledger_intent(&in->app->ledger, in->o, &in->created);
    return s_intent_done(in);
}

/* Records o's "acknowledged" after the reply (route_exec_finish): the
 * state script, and the venue call's breaker success and weight true-up
 * after it, are queued and written to Redis's socket in one write now,
 * before the reply leaves; their answers, the log line and the bus event
 * come after. */
static void
s_record_later(route_app_t *app, route_venue_t *v, route_order_t *o)
{
    snprintf(o->updated_ms, sizeof o->updated_ms, "%" PRId64, cb_time_now_ms());
    int rc = route_ledger_update_append(&app->ledger, o, "acknowledged");
    cb_venue_client_private_settle_append(v->vc, &v->settle);
    int flushed = cb_redis_flush(app->ledger.redis);
    app->later.rc = rc != 0 ? rc : flushed;
    app->later.order = *o;
    app->later.venue = v;
    app->later.due = true;
}

void
route_exec_finish(route_app_t *app)
{
    route_later_t *l = &app->later;
    if (!l->due) {
        return;
    }
    l->due = false;
    route_order_t *o = &l->order;
    int err = l->rc;
    redisReply *reply = err == 0 ? cb_redis_get_reply(app->ledger.redis, &err) : NULL;
    /* The reports queued after the record are read before the record's
     * reply is acted on (its script may have to run again, which drops the
     * replies still due); route_app_settle makes them. */
    cb_venue_client_private_settle_read(&l->venue->settle, l->venue->vc);
    int rc = route_ledger_update_reply(&app->ledger, o, "acknowledged", reply, err);
    cb_log_info("order_state", "venue=%s clid=%s event=acknowledged status=%s venue_id=%s",
                o->venue, o->client_order_id, o->status, o->venue_order_id);
    route_exec_publish(app, o, "acknowledged");
    if (rc != 0) {
        /* As in s_send_place: the caller was told; the intent stays pending
         * under this replica's lease and a sweep finds the order at the
         * venue by its client order id; nothing is resent. */
        cb_log_error("ledger_behind", "venue=%s clid=%s status=%s error=\"ledger: %s\"", o->venue,
                     o->client_order_id, o->status, cb_strerror(rc));
    }
}

/* Sends o's place request once and records the answer: open / filled / ...,
 * rejected (the venue refused, or nothing left: fail set), or unknown. */
static int
s_send_place(route_app_t *app, route_venue_t *v, route_order_t *o, s_intent_t *in,
             route_fail_t *fail)
{
    cb_order_req_t req;
    cb_order_call_t call;
    bool kraken = v->cfg.dialect == CB_DIALECT_KRAKEN;
    if (route_exec_req(v, o, &req) != 0 ||
        (kraken ? cb_kraken_order_place(&req, &call) : cb_binance_order_place(&req, &call)) != 0) {
        if (in != NULL && s_intent_now(in) != 0) {
            return 0; /* route_exec_place answers */
        }
        o->sent_ms[0] = '\0';
        snprintf(o->status, sizeof o->status, "rejected");
        snprintf(o->reason, sizeof o->reason, "the request could not be built");
        (void) route_exec_record(app, o, "rejected", fail);
        return route_fail_set(fail, CB_E_INTERNAL, "%s: the request could not be built", v->cfg.name);
    }
    if (in == NULL) {
        snprintf(o->sent_ms, sizeof o->sent_ms, "%" PRId64, cb_time_now_ms());
    }
    cb_http_result_t res;
    cb_venue_error_t err;
    bool sent = false;
    route_hold_t hold = {&app->ledger, o};
    cb_venue_rider_t rider = {app->ledger.redis, s_intent_append, s_intent_reply, in};
    int rc = route_venue_call_held(v, &call, &hold, in != NULL ? &rider : NULL, &res, &err, &sent);
    if (in != NULL && (!in->done || in->rc != 0 || !in->created)) {
        return 0; /* no intent written now: nothing was sent; route_exec_place answers */
    }
    if (rc == CB_E_CONFLICT && !sent) {
        /* Taken over while this replica waited to send: the new holder
         * resolves it (and may have sent it); its outcome is the answer. */
        cb_log_warn("order_taken_over", "venue=%s clid=%s", v->cfg.name, o->client_order_id);
        (void) route_ledger_get(&app->ledger, o->venue, o->client_order_id, o);
        (void) s_await_owner(app, o);
        return 0;
    }
    s_crash(app, ROUTE_CRASH_AFTER_SEND);
    cb_vorder_t vo;
    memset(&vo, 0, sizeof vo);
    if (rc == 0) {
        const cb_http_resp_t *r = &res.resp;
        rc = kraken ? cb_kraken_order_parse_place(&req, (int) r->status, r->body, r->body_len, &vo,
                                                  &err)
                    : cb_binance_order_parse(cb_venue_client_instruments(v->vc), true,
                                             (int) r->status, r->body, r->body_len, &vo, &err);
        cb_http_result_fini(&res);
    }
    if (rc == 0) {
        route_exec_apply(o, &vo);
        if (in != NULL && !kraken && !route_order_unresolved(o)) {
            s_record_later(app, v, o); /* nothing else is asked of Redis before the reply */
            return 0;
        }
        if (route_exec_record(app, o, "acknowledged", fail) != 0) {
            /* The venue holds the order, and the caller is told so. The
             * ledger keeps the intent (pending, under this replica's lease):
             * once Redis is back a sweep finds the order at the venue by its
             * client order id and records it; nothing is resent. */
            cb_log_error("ledger_behind", "venue=%s clid=%s status=%s error=\"%s\"", v->cfg.name,
                         o->client_order_id, o->status, fail->message);
        }
        return 0;
    }
    if (!sent || route_exec_definite(&err)) {
        snprintf(o->status, sizeof o->status, "rejected");
        snprintf(o->reason, sizeof o->reason, "%s%.180s", sent ? "" : "not sent: ", err.message);
        if (route_exec_record(app, o, "rejected", fail) != 0) {
            /* The intent stays pending: a sweep may still place it once
             * Redis is back, so "not placed" would not be the truth. */
            return route_fail_set(fail, CB_E_UNAVAILABLE,
                                  "%s: %.150s; the ledger cannot record that (%s): order %s "
                                  "stays pending and may still be placed",
                                  v->cfg.name, err.message, fail->message, o->client_order_id);
        }
        return route_fail_venue(fail, v, &err, rc);
    }
    snprintf(o->status, sizeof o->status, "unknown");
    snprintf(o->reason, sizeof o->reason, "%.190s", err.message);
    cb_log_warn("order_unknown", "venue=%s clid=%s error=\"%s\"", v->cfg.name, o->client_order_id,
                err.message);
    return route_exec_record(app, o, "unknown", fail);
}

int
route_exec_place(route_app_t *app, route_venue_t *v, route_order_t *o, bool *existing,
                 route_fail_t *fail)
{
    *existing = false;
    s_intent_t in = {app, o, false, false, 0, 0};
    int rc = s_send_place(app, v, o, &in, fail);
    if (!in.done || in.rc != 0) {
        rc = in.done ? in.rc : CB_E_INTERNAL;
        return route_fail_set(fail, rc, "ledger: %s: nothing was sent", cb_strerror(rc));
    }
    if (!in.created) {
        *existing = true;
        cb_log_info("order_exists", "venue=%s clid=%s status=%s owner=%s", o->venue,
                    o->client_order_id, o->status, o->owner);
        return s_await_owner(app, o) ? route_exec_resolve(app, v, o, false, fail) : 0;
    }
    if (rc == 0 && v->cfg.dialect == CB_DIALECT_KRAKEN && !route_order_unresolved(o)) {
        rc = route_exec_resolve(app, v, o, true, fail); /* AddOrder does not say the status */
    }
    /* Taken over while waiting to send, and still the other replica's
     * after the wait: its holder resolves it. */
    bool settled = rc != 0 || !route_order_unresolved(o) || s_leased_elsewhere(app, o);
    return settled ? rc : route_exec_resolve(app, v, o, false, fail);
}

/* One query of o, with err. */
static int
s_query(route_venue_t *v, const route_order_t *o, cb_order_query_t *q, cb_venue_error_t *err)
{
    const cb_instrument_t *ins =
        cb_instruments_by_symbol(cb_venue_client_instruments(v->vc), cb_str_from(o->symbol));
    return route_venue_query(v, ins, o->client_order_id, q, err);
}

/* "no such order" for o, believed after the settlement window: resend once
 * with the same client order id, or give up when it was a replacement. */
static int
s_absent(route_app_t *app, route_venue_t *v, route_order_t *o, route_fail_t *fail)
{
    /* Another replica may have recorded the order meanwhile, or still hold
     * it (its send may not have reached the venue yet): then nothing is
     * resent from here. */
    route_order_t cur;
    if (route_ledger_get(&app->ledger, o->venue, o->client_order_id, &cur) == 0 &&
        strcmp(cur.owner, app->ledger.owner) != 0 &&
        (!route_order_unresolved(&cur) || s_leased_elsewhere(app, &cur))) {
        cb_log_info("order_owned", "venue=%s clid=%s status=%s owner=%s", v->cfg.name,
                    cur.client_order_id, cur.status, cur.owner);
        *o = cur;
        return 0;
    }
    if (o->replaces[0] != '\0' || atoi(o->resends) >= S_MAX_RESENDS) {
        snprintf(o->status, sizeof o->status, "rejected");
        snprintf(o->reason, sizeof o->reason, "the venue has no such order: it was not placed");
        return route_exec_record(app, o, "resolved", fail);
    }
    snprintf(o->resends, sizeof o->resends, "%u", (unsigned) (atoi(o->resends) + 1) % 100u);
    cb_log_warn("order_resend", "venue=%s clid=%s", v->cfg.name, o->client_order_id);
    (void) route_exec_record(app, o, "resend", fail);
    return s_send_place(app, v, o, NULL, fail);
}

int
route_exec_resolve(route_app_t *app, route_venue_t *v, route_order_t *o, bool refresh,
                   route_fail_t *fail)
{
    int rc = route_venue_ready(v, fail);
    if (rc != 0 || (!route_order_unresolved(o) && (!refresh || route_order_final(o)))) {
        return rc;
    }
    int64_t backoff = 100;
    for (int64_t t = 0; t < app->resolve_tries; t++) {
        bool was_unresolved = route_order_unresolved(o);
        cb_order_query_t q;
        cb_venue_error_t err;
        rc = s_query(v, o, &q, &err);
        if (rc == 0 && q.found) {
            /* An amend in place changes the price or amount only: an update too. */
            char before[256];
            snprintf(before, sizeof before, "%s/%s/%s/%s", o->status, o->filled, o->price, o->amount);
            route_exec_apply(o, &q.order);
            char after[256];
            snprintf(after, sizeof after, "%s/%s/%s/%s", o->status, o->filled, o->price, o->amount);
            if (was_unresolved || strcmp(before, after) != 0) {
                rc = route_exec_record(app, o, was_unresolved ? "resolved" : "updated", fail);
            }
            if (rc != 0 || !route_order_unresolved(o)) {
                return rc;
            }
            continue;
        }
        if (rc == 0 && !was_unresolved) {
            return 0; /* a known order the venue no longer lists: keep what we know */
        }
        if (rc == 0) {
            int64_t sent = strtoll(o->sent_ms[0] != '\0' ? o->sent_ms : o->created_ms, NULL, 10);
            int64_t wait = sent + app->settle_ms - cb_time_now_ms();
            if (wait > 0) {
                s_sleep_ms(wait);
                continue;
            }
            rc = s_absent(app, v, o, fail);
            if (rc != 0 || !route_order_unresolved(o)) {
                return rc;
            }
            continue;
        }
        cb_log_warn("resolve_failed", "venue=%s clid=%s try=%" PRId64 " error=\"%s\"",
                    v->cfg.name, o->client_order_id, t + 1, err.message);
        s_sleep_ms(backoff);
        backoff *= 2;
    }
    return 0; /* still unknown: the status says so, the sweep keeps trying */
}
