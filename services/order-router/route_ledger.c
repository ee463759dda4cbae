/* route_ledger.c - the order-router's write-ahead ledger in Redis: per order a hash of its state and a stream of its changes, written by Lua scripts */
#include "route_ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "cb_account.h"
#include "cb_error.h"
#include "cb_log.h"

#define S_KEY_MAX 160
#define S_PACK_MAX 2048

typedef struct {
    const char *name;
    size_t offset;
    size_t size;
} s_field_t;

#define S_FIELD_ROW_(name, size) {#name, offsetof(route_order_t, name), size},
static const s_field_t s_fields[] = {ROUTE_ORDER_FIELDS(S_FIELD_ROW_)};
#undef S_FIELD_ROW_
#define S_NFIELDS (sizeof s_fields / sizeof s_fields[0])

static void
s_key(char *out, const char *account, const char *what, const char *clid)
{
    snprintf(out, S_KEY_MAX, "coinbus:orders:{%s}:%s%s%s", account, what, clid != NULL ? ":" : "",
             clid != NULL ? clid : "");
}

/* "name\37value\37" for every field; control characters in values (a venue's
 * reason text) become spaces so they never split a field. */
static int
s_pack(const route_order_t *o, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < S_NFIELDS; i++) {
        const char *v = (const char *) o + s_fields[i].offset;
        size_t nl = strlen(s_fields[i].name), vl = strnlen(v, s_fields[i].size);
        if (n + nl + vl + 3 > cap) {
            return CB_E_TOO_BIG;
        }
        memcpy(out + n, s_fields[i].name, nl);
        n += nl;
        out[n++] = '\37';
        for (size_t k = 0; k < vl; k++) {
            unsigned char c = (unsigned char) v[k];
            out[n++] = c < 0x20 || c == 0x7f ? ' ' : (char) c;
        }
        out[n++] = '\37';
    }
    out[n] = '\0';
    return 0;
}

/* Fills o from a flat [name, value, ...] reply (unknown names ignored). */
static void
s_unpack(const redisReply *r, route_order_t *o)
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *k = r->element[i], *v = r->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) {
            continue;
        }
        for (size_t f = 0; f < S_NFIELDS; f++) {
            if (strcmp(k->str, s_fields[f].name) == 0) {
                snprintf((char *) o + s_fields[f].offset, s_fields[f].size, "%.*s", (int) v->len,
                         v->str);
            }
        }
    }
}

int
route_ledger_init(route_ledger_t *l, cb_redis_t *redis, int64_t lease_ms)
{
    memset(l, 0, sizeof *l);
    l->redis = redis;
    l->lease_ms = lease_ms;
    if (cb_script_init(&l->intent, "route_intent") != 0 ||
        cb_script_init(&l->state, "route_state") != 0 ||
        cb_script_init(&l->claim, "route_claim") != 0 ||
        cb_script_init(&l->fire, "route_fire") != 0) {
        return CB_E_NOT_FOUND;
    }
    unsigned char rnd[4] = {0};
    (void) RAND_bytes(rnd, sizeof rnd);
    char host[32] = "host";
    (void) gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    snprintf(l->owner, sizeof l->owner, "%.31s:%ld:%02x%02x%02x%02x", host, (long) getpid(),
             rnd[0], rnd[1], rnd[2], rnd[3]);
    return 0;
}

/* A script's reply (NULL with err when none came) checked: 0 with *reply,
 * or the error (logged once). */
static int
s_check(const cb_script_t *s, int err, redisReply **reply)
{
    if (*reply == NULL) {
        cb_log_error("ledger_failed", "script=%s error=\"%s\"", s->name, cb_strerror(err));
        return err != 0 ? err : CB_E_UNAVAILABLE;
    }
    if ((*reply)->type == REDIS_REPLY_ERROR) {
        bool missing = strstr((*reply)->str, "no such order") != NULL;
        if (!missing) {
            cb_log_error("ledger_failed", "script=%s reply=\"%s\"", s->name, (*reply)->str);
        }
        freeReplyObject(*reply);
        *reply = NULL;
        return missing ? CB_E_NOT_FOUND : CB_E_INTERNAL;
    }
    return 0;
}

/* A script run and its reply checked: 0 with *reply, or the error. */
static int
s_run(route_ledger_t *l, const cb_script_t *s, int nkeys, const char *const *keys, int nargs,
      const char *const *args, redisReply **reply)
{
    int err = 0;
    *reply = cb_script_run(l->redis, s, &err, nkeys, keys, nargs, args);
    return s_check(s, err, reply);
}

static void
s_lease(route_ledger_t *l, route_order_t *o)
{
    snprintf(o->owner, sizeof o->owner, "%s", l->owner);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    snprintf(o->lease_until, sizeof o->lease_until, "%" PRId64, now + l->lease_ms);
}

/* One script call of an order: its keys and arguments. */
typedef struct {
    char keys[6][S_KEY_MAX];
    const char *kp[6];
    const char *args[3];
    int nkeys;
    char packed[S_PACK_MAX];
} s_call_t;

/* The intent's call (intent true; keys order, log, index, pending, then the
 * venue's cached balances and balances epoch; args fields, clid, created) or
 * the state change's (order, log, pending, cached balances, epoch; fields,
 * event, clid), o leased to this replica first. Each write drops the account
 * service's cached balances of the venue and moves its epoch: the order may
 * have moved them (cb_account.h). */
static int
s_call(route_ledger_t *l, route_order_t *o, bool intent, const char *event, s_call_t *c)
{
    static const char *const what[2][4] = {{"order", "log", "pending", NULL},
                                           {"order", "log", "index", "pending"}};
    int n = 0;
    for (int i = 0; i < (intent ? 4 : 3); i++, n++) {
        s_key(c->keys[n], o->venue, what[intent][i], i < 2 ? o->client_order_id : NULL);
    }
    cb_acct_cache_key(o->venue, c->keys[n++], S_KEY_MAX);
    cb_acct_epoch_key(o->venue, c->keys[n++], S_KEY_MAX);
    for (c->nkeys = 0; c->nkeys < n; c->nkeys++) {
        c->kp[c->nkeys] = c->keys[c->nkeys];
    }
    s_lease(l, o);
    if (s_pack(o, c->packed, sizeof c->packed) != 0) {
        return CB_E_TOO_BIG;
    }
    c->args[0] = c->packed;
    c->args[1] = intent ? o->client_order_id : event;
    c->args[2] = intent ? o->created_ms : o->client_order_id;
    return 0;
}

/* The intent script's checked reply r (taken): *created, or *o replaced by
 * the existing order. */
static int
s_intent_done(redisReply *r, route_order_t *o, bool *created)
{
    int rc = 0;
    *created = r->type == REDIS_REPLY_ARRAY && r->elements >= 1 && r->element[0]->integer == 1;
    if (!*created && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[1]->type == REDIS_REPLY_ARRAY) {
        s_unpack(r->element[1], o);
    } else if (!*created) {
        rc = CB_E_INTERNAL;
    }
    freeReplyObject(r);
    return rc;
}

int
route_ledger_intent(route_ledger_t *l, route_order_t *o, bool *created)
{
    s_call_t c;
    redisReply *r;
    int rc = s_call(l, o, true, NULL, &c);
    rc = rc == 0 ? s_run(l, &l->intent, c.nkeys, c.kp, 3, c.args, &r) : rc;
    return rc == 0 ? s_intent_done(r, o, created) : rc;
}

int
route_ledger_intent_append(route_ledger_t *l, route_order_t *o)
{
    s_call_t c;
    int rc = s_call(l, o, true, NULL, &c);
    return rc == 0 ? cb_script_append(l->redis, &l->intent, c.nkeys, c.kp, 3, c.args) : rc;
}

int
route_ledger_intent_reply(route_ledger_t *l, route_order_t *o, redisReply *reply, int err,
                          bool *created)
{
    *created = false;
    if (cb_script_not_run(reply)) {
        freeReplyObject(reply);
        return route_ledger_intent(l, o, created);
    }
    int rc = s_check(&l->intent, err, &reply);
    return rc == 0 ? s_intent_done(reply, o, created) : rc;
}

int
route_ledger_update(route_ledger_t *l, route_order_t *o, const char *event)
{
    s_call_t c;
    redisReply *r;
    int rc = s_call(l, o, false, event, &c);
    rc = rc == 0 ? s_run(l, &l->state, c.nkeys, c.kp, 3, c.args, &r) : rc;
    if (rc == 0) {
        freeReplyObject(r);
    }
    return rc;
}

int
route_ledger_update_append(route_ledger_t *l, route_order_t *o, const char *event)
{
    s_call_t c;
    int rc = s_call(l, o, false, event, &c);
    return rc == 0 ? cb_script_append(l->redis, &l->state, c.nkeys, c.kp, 3, c.args) : rc;
}

int
route_ledger_update_reply(route_ledger_t *l, route_order_t *o, const char *event,
                          redisReply *reply, int err)
{
    if (cb_script_not_run(reply)) {
        freeReplyObject(reply);
        return route_ledger_update(l, o, event);
    }
    int rc = s_check(&l->state, err, &reply);
    if (rc == 0) {
        freeReplyObject(reply);
    }
    return rc;
}

int
route_ledger_get(route_ledger_t *l, const char *account, const char *clid, route_order_t *o)
{
    char kh[S_KEY_MAX];
    s_key(kh, account, "order", clid);
    int err = 0;
    redisReply *r = cb_redis_command(l->redis, &err, "HGETALL %s", kh);
    if (r == NULL) {
        return err != 0 ? err : CB_E_UNAVAILABLE;
    }
    int rc = r->type != REDIS_REPLY_ARRAY ? CB_E_INTERNAL : r->elements == 0 ? CB_E_NOT_FOUND : 0;
    if (rc == 0) {
        s_unpack(r, o);
    }
    freeReplyObject(r);
    return rc;
}

int
route_ledger_ids(route_ledger_t *l, const char *account, bool pending, char (*ids)[CB_CLID_MAX + 1],
                 size_t cap, size_t *n)
{
    char key[S_KEY_MAX];
    s_key(key, account, pending ? "pending" : "index", NULL);
    int err = 0;
    redisReply *r = pending ? cb_redis_command(l->redis, &err, "SMEMBERS %s", key)
                            : cb_redis_command(l->redis, &err, "ZREVRANGE %s 0 %lld", key, (long long) cap - 1);
    *n = 0;
    if (r == NULL) {
        return err != 0 ? err : CB_E_UNAVAILABLE;
    }
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements && *n < cap; i++) {
        if (r->element[i]->type == REDIS_REPLY_STRING && r->element[i]->len <= CB_CLID_MAX) {
            snprintf(ids[(*n)++], CB_CLID_MAX + 1, "%s", r->element[i]->str);
        }
    }
    int rc = r->type == REDIS_REPLY_ARRAY ? 0 : CB_E_INTERNAL;
    freeReplyObject(r);
    return rc;
}

/* The claim script: renew true renews before a send (no due check). */
static int
s_claim(route_ledger_t *l, const char *account, const char *clid, int64_t retry_ms, bool renew)
{
    char kh[S_KEY_MAX], kp[S_KEY_MAX], now[24], lease[24], retry[24];
    s_key(kh, account, "order", clid);
    s_key(kp, account, "pending", NULL);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(now, sizeof now, "%" PRId64, (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    snprintf(lease, sizeof lease, "%" PRId64, l->lease_ms);
    snprintf(retry, sizeof retry, "%" PRId64, retry_ms);
    const char *keys[] = {kh, kp};
    const char *args[] = {l->owner, now, lease, retry, clid, renew ? "1" : "0"};
    redisReply *r;
    int rc = s_run(l, &l->claim, 2, keys, 6, args, &r);
    if (rc != 0) {
        return rc;
    }
    rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    return rc;
}

int
route_ledger_claim(route_ledger_t *l, const char *account, const char *clid, int64_t retry_ms)
{
    return s_claim(l, account, clid, retry_ms, false);
}

int
route_ledger_renew(route_ledger_t *l, const char *account, const char *clid)
{
    return s_claim(l, account, clid, 0, true);
}

int
route_ledger_timer_set(route_ledger_t *l, const char *account, int64_t trigger_ms)
{
    char key[S_KEY_MAX];
    s_key(key, account, "cancel_after", NULL);
    int err = 0;
    redisReply *r = trigger_ms > 0
                        ? cb_redis_command(l->redis, &err, "SET %s %lld", key, (long long) trigger_ms)
                        : cb_redis_command(l->redis, &err, "DEL %s", key);
    if (r == NULL) {
        return err != 0 ? err : CB_E_UNAVAILABLE;
    }
    int rc = r->type == REDIS_REPLY_ERROR ? CB_E_INTERNAL : 0;
    freeReplyObject(r);
    return rc;
}

int
route_ledger_timer_take(route_ledger_t *l, const char *account, int64_t now_ms)
{
    char key[S_KEY_MAX];
    s_key(key, account, "cancel_after", NULL);
    int err = 0;
    redisReply *r = cb_redis_command(l->redis, &err, "GET %s", key);
    if (r == NULL) {
        return err != 0 ? err : CB_E_UNAVAILABLE;
    }
    char value[24] = "";
    if (r->type == REDIS_REPLY_STRING && r->len < sizeof value) {
        memcpy(value, r->str, r->len);
        value[r->len] = '\0';
    }
    freeReplyObject(r);
    if (value[0] == '\0' || strtoll(value, NULL, 10) > now_ms) {
        return 0;
    }
    const char *keys[] = {key};
    const char *args[] = {value};
    int rc = s_run(l, &l->fire, 1, keys, 1, args, &r);
    if (rc != 0) {
        return rc;
    }
    rc = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    return rc;
}

static void
s_hex(const unsigned char *bytes, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
    }
}

int
route_ledger_clid(cb_dialect_t dialect, const char *account, const char *given,
                  const char *idem_key, char out[CB_CLID_MAX + 1], char *msg, size_t msg_size)
{
    if (given != NULL && given[0] != '\0') {
        if (!cb_order_clid_ok(dialect, given, strlen(given))) {
            snprintf(msg, msg_size,
                     "client_order_id '%.40s' is not one %s takes: 1-%d characters of %s", given,
                     cb_dialect_name(dialect), CB_CLID_MAX,
                     dialect == CB_DIALECT_BINANCE ? "[A-Za-z0-9_-]" : "[A-Za-z0-9-]");
            return CB_E_BAD_REQUEST;
        }
        snprintf(out, CB_CLID_MAX + 1, "%s", given);
        return 0;
    }
    unsigned char digest[SHA256_DIGEST_LENGTH];
    if (idem_key != NULL && idem_key[0] != '\0') {
        char text[512];
        int n = snprintf(text, sizeof text, "%s%c%s", account, '\0', idem_key);
        if (n < 0 || (size_t) n >= sizeof text) {
            snprintf(msg, msg_size, "idempotency_key is longer than %zu bytes",
                     sizeof text - strlen(account) - 2);
            return CB_E_BAD_REQUEST;
        }
        SHA256((const unsigned char *) text, (size_t) n, digest);
    } else if (RAND_bytes(digest, 16) != 1) {
        snprintf(msg, msg_size, "no random bytes for a client order id");
        return CB_E_INTERNAL;
    }
    s_hex(digest, 16, out);
    return 0;
}
