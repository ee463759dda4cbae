/* cb_ratelimit.c - outbound rate limits kept in Redis, so N replicas spend one budget */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_ratelimit.h"

struct cb_ratelimit {
    cb_redis_t *redis;
    cb_script_t leaky;
    cb_script_t ban;
    cb_script_t window;
    cb_script_t trueup;
};

cb_rl_bucket_t
cb_rl_kraken_rest(cb_kraken_tier_t tier)
{
    static const cb_rl_bucket_t tiers[] = {{15000, 330}, {20000, 500}, {20000, 1000}};
    return tiers[(unsigned) tier <= CB_KRAKEN_PRO ? tier : CB_KRAKEN_STARTER];
}

cb_rl_bucket_t
cb_rl_kraken_trading(cb_kraken_tier_t tier)
{
    static const cb_rl_bucket_t tiers[] = {{60000, 1000}, {125000, 2340}, {180000, 3750}};
    return tiers[(unsigned) tier <= CB_KRAKEN_PRO ? tier : CB_KRAKEN_STARTER];
}

cb_rl_bucket_t
cb_rl_kraken_public(void)
{
    cb_rl_bucket_t b = {1000, 1000};
    return b;
}

int64_t
cb_rl_kraken_rest_cost(const char *method)
{
    static const char *const doubled[] = {"Ledgers", "QueryLedgers", "TradesHistory"};
    static const char *const free_here[] = {"AddOrder", "AddOrderBatch", "CancelOrder",
                                            "CancelOrderBatch", "EditOrder"};
    for (size_t i = 0; i < sizeof doubled / sizeof doubled[0]; i++) {
        if (strcmp(method, doubled[i]) == 0) {
            return 2000;
        }
    }
    for (size_t i = 0; i < sizeof free_here / sizeof free_here[0]; i++) {
        if (strcmp(method, free_here[i]) == 0) {
            return 0;
        }
    }
    return 1000;
}

int64_t
cb_rl_kraken_trading_cost(cb_kraken_action_t action, int64_t age_ms, int count)
{
    /* Columns: age < 5 s, < 10 s, < 15 s, < 45 s, < 90 s, < 300 s, older. */
    static const int64_t bounds[] = {5000, 10000, 15000, 45000, 90000, 300000};
    static const int64_t amend[] = {3, 2, 1, 0, 0, 0, 0};
    static const int64_t edit[] = {6, 5, 4, 2, 1, 0, 0};
    static const int64_t cancel[] = {8, 6, 5, 4, 2, 1, 0};
    size_t col = 0;
    while (col < 6 && age_ms >= bounds[col]) {
        col++;
    }
    if (count < 1) {
        count = 1;
    }
    switch (action) {
    case CB_KRAKEN_ADD:
        return 1000;
    case CB_KRAKEN_AMEND:
        return 1000 + amend[col] * 1000;
    case CB_KRAKEN_EDIT:
        return 1000 + edit[col] * 1000;
    case CB_KRAKEN_CANCEL:
        return cancel[col] * 1000;
    case CB_KRAKEN_BATCH_ADD:
        return (int64_t) count * 1000 / 2;
    case CB_KRAKEN_BATCH_CANCEL:
        return cancel[col] * 1000 * count;
    }
    return 1000;
}

cb_ratelimit_t *
cb_ratelimit_new(cb_redis_t *redis)
{
    cb_ratelimit_t *rl = calloc(1, sizeof *rl);
    if (rl == NULL) {
        return NULL;
    }
    rl->redis = redis;
    if (cb_script_init(&rl->leaky, "leaky") != 0 || cb_script_init(&rl->ban, "ban") != 0 ||
        cb_script_init(&rl->window, "window") != 0 || cb_script_init(&rl->trueup, "trueup") != 0) {
        free(rl);
        return NULL;
    }
    return rl;
}

void
cb_ratelimit_destroy(cb_ratelimit_t **rl_p)
{
    if (rl_p == NULL || *rl_p == NULL) {
        return;
    }
    free(*rl_p);
    *rl_p = NULL;
}

/* The key of counter name (kind "") or of ban scope name (kind "ban:"):
 * coinbus:ratelimit:[ban:]{<head>}<rest>, where head is name up to its first
 * ':' (the venue). The hash tag puts a venue's counters and its ban in one
 * Redis Cluster slot, so each script touches one slot. -1 for an empty head
 * (no tag: the key would hash whole) or a name too long. */
static int
s_key(char *buf, size_t size, const char *kind, const char *name)
{
    size_t head = strcspn(name, ":");
    if (head == 0) {
        return -1;
    }
    int n = snprintf(buf, size, "coinbus:ratelimit:%s{%.*s}%s", kind, (int) head, name,
                     name + head);
    return n > 0 && (size_t) n < size ? 0 : -1;
}

/* One bucket run's keys and arguments. */
typedef struct {
    char key[256];
    char ban_key[256];
    char a[4][24];
    const char *keys[2];
    const char *args[5];
    int nargs;
} s_leaky_call_t;

static int
s_leaky_prepare(const char *name, const char *ban_scope, cb_rl_bucket_t bucket, int64_t cost_milli,
                int64_t max_wait_ms, bool dry, s_leaky_call_t *call)
{
    if (name == NULL || bucket.max_milli <= 0 || bucket.decay_milli_per_s < 0 || cost_milli < 0 ||
        max_wait_ms < 0) {
        return CB_E_BAD_REQUEST;
    }
    if (s_key(call->key, sizeof call->key, "", name) != 0 ||
        s_key(call->ban_key, sizeof call->ban_key, "ban:", ban_scope != NULL ? ban_scope : name) != 0) {
        return CB_E_BAD_REQUEST;
    }
    snprintf(call->a[0], sizeof call->a[0], "%" PRId64, bucket.max_milli);
    snprintf(call->a[1], sizeof call->a[1], "%" PRId64, bucket.decay_milli_per_s);
    snprintf(call->a[2], sizeof call->a[2], "%" PRId64, cost_milli);
    snprintf(call->a[3], sizeof call->a[3], "%" PRId64, max_wait_ms);
    call->keys[0] = call->key;
    call->keys[1] = call->ban_key;
    for (int i = 0; i < 4; i++) {
        call->args[i] = call->a[i];
    }
    call->args[4] = "1";
    call->nargs = dry ? 5 : 4;
    return 0;
}

/* The decision in a bucket run's reply (taken and freed). */
static int
s_leaky_decide(const char *name, redisReply *reply, cb_rl_decision_t *out)
{
    int rc = 0;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 4 &&
        reply->element[0]->type == REDIS_REPLY_INTEGER) {
        out->admitted = reply->element[0]->integer == 1;
        out->wait_ms = reply->element[1]->integer;
        out->level_milli = reply->element[2]->integer;
        out->max_milli = reply->element[3]->integer;
    } else {
        cb_log_error("ratelimit_script_failed", "name=%s error=\"%s\"", name,
                     reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        rc = CB_E_INTERNAL;
    }
    freeReplyObject(reply);
    return rc;
}

/* acquire's script run; dry: decide only (nothing reserved or written). */
static int
s_leaky(cb_ratelimit_t *rl, const char *name, const char *ban_scope, cb_rl_bucket_t bucket,
        int64_t cost_milli, int64_t max_wait_ms, bool dry, cb_rl_decision_t *out)
{
    s_leaky_call_t call;
    int err = s_leaky_prepare(name, ban_scope, bucket, cost_milli, max_wait_ms, dry, &call);
    if (err != 0) {
        return err;
    }
    redisReply *reply = cb_script_run(rl->redis, &rl->leaky, &err, 2, call.keys, call.nargs, call.args);
    return reply == NULL ? err : s_leaky_decide(name, reply, out);
}

int
cb_ratelimit_acquire(cb_ratelimit_t *rl, const char *name, const char *ban_scope,
                     cb_rl_bucket_t bucket, int64_t cost_milli, int64_t max_wait_ms,
                     cb_rl_decision_t *out)
{
    return s_leaky(rl, name, ban_scope, bucket, cost_milli, max_wait_ms, false, out);
}

int
cb_ratelimit_peek(cb_ratelimit_t *rl, const char *name, const char *ban_scope,
                  cb_rl_bucket_t bucket, int64_t cost_milli, cb_rl_decision_t *out)
{
    return s_leaky(rl, name, ban_scope, bucket, cost_milli, 0, true, out);
}

int
cb_ratelimit_ban(cb_ratelimit_t *rl, const char *ban_scope, int64_t ms)
{
    if (ban_scope == NULL || ms <= 0) {
        return CB_E_BAD_REQUEST;
    }
    char key[256];
    if (s_key(key, sizeof key, "ban:", ban_scope) != 0) {
        return CB_E_BAD_REQUEST;
    }
    char arg[24];
    snprintf(arg, sizeof arg, "%" PRId64, ms);
    const char *keys[1] = {key};
    const char *argv[1] = {arg};
    int err;
    redisReply *reply = cb_script_run(rl->redis, &rl->ban, &err, 1, keys, 1, argv);
    if (reply == NULL) {
        return err;
    }
    int rc = reply->type == REDIS_REPLY_INTEGER ? 0 : CB_E_INTERNAL;
    freeReplyObject(reply);
    if (rc == 0) {
        cb_log_warn("ratelimit_ban", "scope=%s ms=%lld", ban_scope, (long long) ms);
    }
    return rc;
}

/* One windows run's keys and arguments. */
typedef struct {
    char keys_text[1 + CB_RL_WINDOWS_MAX][256];
    char args_text[1 + 3 * CB_RL_WINDOWS_MAX][24];
    const char *keys[1 + CB_RL_WINDOWS_MAX];
    const char *args[2 + 3 * CB_RL_WINDOWS_MAX];
    int nkeys, nargs;
} s_windows_call_t;

static int
s_windows_prepare(const char *ban_scope, const cb_rl_window_t *windows, size_t count,
                  int64_t max_wait_ms, bool dry, s_windows_call_t *call)
{
    if (count == 0 || count > CB_RL_WINDOWS_MAX || max_wait_ms < 0 || ban_scope == NULL) {
        return CB_E_BAD_REQUEST;
    }
    if (s_key(call->keys_text[0], sizeof call->keys_text[0], "ban:", ban_scope) != 0) {
        return CB_E_BAD_REQUEST;
    }
    call->keys[0] = call->keys_text[0];
    snprintf(call->args_text[0], sizeof call->args_text[0], "%" PRId64, max_wait_ms);
    call->args[0] = call->args_text[0];
    for (size_t i = 0; i < count; i++) {
        const cb_rl_window_t *w = &windows[i];
        if (w->name == NULL || w->limit <= 0 || w->window_ms <= 0 || w->cost < 0 ||
            w->cost > w->limit ||
            s_key(call->keys_text[1 + i], sizeof call->keys_text[1 + i], "", w->name) != 0) {
            return CB_E_BAD_REQUEST;
        }
        call->keys[1 + i] = call->keys_text[1 + i];
        snprintf(call->args_text[1 + 3 * i], 24, "%" PRId64, w->limit);
        snprintf(call->args_text[2 + 3 * i], 24, "%" PRId64, w->window_ms);
        snprintf(call->args_text[3 + 3 * i], 24, "%" PRId64, w->cost);
        call->args[1 + 3 * i] = call->args_text[1 + 3 * i];
        call->args[2 + 3 * i] = call->args_text[2 + 3 * i];
        call->args[3 + 3 * i] = call->args_text[3 + 3 * i];
    }
    call->args[1 + 3 * count] = "1";
    call->nkeys = (int) count + 1;
    call->nargs = (int) (1 + 3 * count + dry);
    return 0;
}

/* The decision in a windows run's reply (taken and freed). */
static int
s_windows_decide(const cb_rl_window_t *windows, size_t count, redisReply *reply,
                 cb_rl_decision_t *out)
{
    int rc = 0;
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 + count &&
        reply->element[0]->type == REDIS_REPLY_INTEGER) {
        out->admitted = reply->element[0]->integer == 1;
        out->wait_ms = reply->element[1]->integer;
        out->level_milli = reply->element[2]->integer * 1000;
        out->max_milli = windows[0].limit * 1000;
    } else {
        cb_log_error("ratelimit_script_failed", "name=%s error=\"%s\"", windows[0].name,
                     reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        rc = CB_E_INTERNAL;
    }
    freeReplyObject(reply);
    return rc;
}

/* acquire_windows' script run; dry: decide only. */
static int
s_windows(cb_ratelimit_t *rl, const char *ban_scope, const cb_rl_window_t *windows, size_t count,
          int64_t max_wait_ms, bool dry, cb_rl_decision_t *out)
{
    s_windows_call_t call;
    int err = s_windows_prepare(ban_scope, windows, count, max_wait_ms, dry, &call);
    if (err != 0) {
        return err;
    }
    redisReply *reply =
        cb_script_run(rl->redis, &rl->window, &err, call.nkeys, call.keys, call.nargs, call.args);
    return reply == NULL ? err : s_windows_decide(windows, count, reply, out);
}

int
cb_ratelimit_acquire_windows(cb_ratelimit_t *rl, const char *ban_scope,
                             const cb_rl_window_t *windows, size_t count, int64_t max_wait_ms,
                             cb_rl_decision_t *out)
{
    return s_windows(rl, ban_scope, windows, count, max_wait_ms, false, out);
}

int
cb_ratelimit_peek_windows(cb_ratelimit_t *rl, const char *ban_scope,
                          const cb_rl_window_t *windows, size_t count, cb_rl_decision_t *out)
{
    return s_windows(rl, ban_scope, windows, count, 0, true, out);
}

/* The true-up's key and arguments. */
typedef struct {
    char key[256];
    char text[2][24];
    const char *keys[1];
    const char *args[2];
} s_trueup_call_t;

static int
s_trueup_prepare(const char *name, int64_t window_ms, int64_t used, s_trueup_call_t *c)
{
    if (name == NULL || window_ms <= 0 || used < 0 || s_key(c->key, sizeof c->key, "", name) != 0) {
        return CB_E_BAD_REQUEST;
    }
    snprintf(c->text[0], sizeof c->text[0], "%" PRId64, window_ms);
    snprintf(c->text[1], sizeof c->text[1], "%" PRId64, used);
    c->keys[0] = c->key;
    c->args[0] = c->text[0];
    c->args[1] = c->text[1];
    return 0;
}

/* The true-up's reply (taken). */
static int
s_trueup_done(redisReply *reply, int err)
{
    if (reply == NULL) {
        return err != 0 ? err : CB_E_UNAVAILABLE;
    }
    int rc = reply->type == REDIS_REPLY_INTEGER ? 0 : CB_E_INTERNAL;
    freeReplyObject(reply);
    return rc;
}

int
cb_ratelimit_true_up(cb_ratelimit_t *rl, const char *name, int64_t window_ms, int64_t used)
{
    s_trueup_call_t c;
    int err = s_trueup_prepare(name, window_ms, used, &c);
    if (err != 0) {
        return err;
    }
    redisReply *reply = cb_script_run(rl->redis, &rl->trueup, &err, 1, c.keys, 2, c.args);
    return s_trueup_done(reply, err);
}

int
cb_ratelimit_true_up_append(cb_ratelimit_t *rl, const char *name, int64_t window_ms, int64_t used)
{
    s_trueup_call_t c;
    int err = s_trueup_prepare(name, window_ms, used, &c);
    return err != 0 ? err : cb_script_append(rl->redis, &rl->trueup, 1, c.keys, 2, c.args);
}

int
cb_ratelimit_true_up_reply(cb_ratelimit_t *rl, const char *name, int64_t window_ms, int64_t used,
                           redisReply *reply, int err)
{
    if (cb_script_not_run(reply)) {
        freeReplyObject(reply);
        return cb_ratelimit_true_up(rl, name, window_ms, used);
    }
    return s_trueup_done(reply, err);
}

int64_t
cb_rl_binance_interval_ms(const char *suffix)
{
    if (suffix == NULL) {
        return 0;
    }
    int64_t n = 0;
    const char *p = suffix;
    while (*p >= '0' && *p <= '9' && n < 100000) {
        n = n * 10 + (*p - '0');
        p++;
    }
    if (n == 0 || p[0] == '\0' || p[1] != '\0') {
        return 0;
    }
    switch (*p) {
    case 'S':
    case 's':
        return n * 1000;
    case 'M':
    case 'm':
        return n * 60000;
    case 'H':
    case 'h':
        return n * 3600000;
    case 'D':
    case 'd':
        return n * 86400000;
    default:
        return 0;
    }
}

int64_t
cb_rl_binance_weight(const char *method, const char *path, int64_t param)
{
    if (method == NULL || path == NULL) {
        return 1;
    }
    bool get = strcmp(method, "GET") == 0;
    if (strcmp(path, "/api/v3/depth") == 0) {
        int64_t limit = param > 0 ? param : 100;
        return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    }
    if (strcmp(path, "/api/v3/ticker/24hr") == 0) {
        return param >= 1 && param <= 20 ? 2 : param >= 21 && param <= 100 ? 40 : 80;
    }
    if (strcmp(path, "/api/v3/ticker/price") == 0 || strcmp(path, "/api/v3/ticker/bookTicker") == 0) {
        return param == 1 ? 2 : 4;
    }
    if (strcmp(path, "/api/v3/openOrders") == 0 && get) {
        return param == 1 ? 6 : 80;
    }
    if (strcmp(path, "/api/v3/myTrades") == 0) {
        return param == 1 ? 5 : 20;
    }
    if (strcmp(path, "/api/v3/order/test") == 0) {
        return param == 1 ? 20 : 1;
    }
    if (strcmp(path, "/api/v3/order") == 0) {
        return get ? 4 : 1;
    }
    static const struct {
        const char *path;
        int64_t weight;
    } fixed[] = {
        {"/api/v3/ping", 1},         {"/api/v3/time", 1},     {"/api/v3/exchangeInfo", 20},
        {"/api/v3/trades", 25},      {"/api/v3/historicalTrades", 25},
        {"/api/v3/aggTrades", 4},    {"/api/v3/klines", 2},   {"/api/v3/avgPrice", 2},
        {"/api/v3/allOrders", 20},   {"/api/v3/account", 20}, {"/api/v3/rateLimit/order", 40},
        {"/api/v3/openOrders", 1},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (strcmp(path, fixed[i].path) == 0) {
            return fixed[i].weight;
        }
    }
    return 1;
}

cb_redis_t *
cb_ratelimit_redis(const cb_ratelimit_t *rl)
{
    return rl->redis;
}

int
cb_ratelimit_acquire_append(cb_ratelimit_t *rl, const char *name, const char *ban_scope,
                            cb_rl_bucket_t bucket, int64_t cost_milli, int64_t max_wait_ms)
{
    s_leaky_call_t call;
    int rc = s_leaky_prepare(name, ban_scope, bucket, cost_milli, max_wait_ms, false, &call);
    return rc != 0 ? rc : cb_script_append(rl->redis, &rl->leaky, 2, call.keys, call.nargs, call.args);
}

int
cb_ratelimit_acquire_reply(cb_ratelimit_t *rl, const char *name, const char *ban_scope,
                           cb_rl_bucket_t bucket, int64_t cost_milli, int64_t max_wait_ms,
                           redisReply *reply, int err, cb_rl_decision_t *out)
{
    if (reply == NULL) {
        return err != 0 ? err : CB_E_UNAVAILABLE;
    }
    if (cb_script_not_run(reply)) {
        freeReplyObject(reply);
        return s_leaky(rl, name, ban_scope, bucket, cost_milli, max_wait_ms, false, out);
    }
    return s_leaky_decide(name, reply, out);
}

int
cb_ratelimit_acquire_windows_append(cb_ratelimit_t *rl, const char *ban_scope,
                                    const cb_rl_window_t *windows, size_t count,
                                    int64_t max_wait_ms)
{
    s_windows_call_t call;
    int rc = s_windows_prepare(ban_scope, windows, count, max_wait_ms, false, &call);
    return rc != 0 ? rc
                   : cb_script_append(rl->redis, &rl->window, call.nkeys, call.keys, call.nargs,
                                      call.args);
}

int
cb_ratelimit_acquire_windows_reply(cb_ratelimit_t *rl, const char *ban_scope,
                                   const cb_rl_window_t *windows, size_t count,
                                   int64_t max_wait_ms, redisReply *reply, int err,
                                   cb_rl_decision_t *out)
{
    if (reply == NULL) {
        return err != 0 ? err : CB_E_UNAVAILABLE;
    }
    if (cb_script_not_run(reply)) {
        freeReplyObject(reply);
        return s_windows(rl, ban_scope, windows, count, max_wait_ms, false, out);
    }
    return s_windows_decide(windows, count, reply, out);
}
