/* edge_auth.c - api-edge's API key gate: the Bearer header, the key looked up in Redis by its SHA-256, the route's scope */
#include "edge_auth.h"

#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <hiredis/async.h>

#include "cb_log.h"
#include "cb_time.h"
#include "edge_keycache.h"

/* A lookup not answered within this is UNAVAILABLE (the reply, when it
 * comes, is dropped). */
#define S_TIMEOUT_MS 1000
/* A key's last use is written at most this often. */
#define S_TOUCH_MS 60000
/* The last-use times kept; past this the table starts again. */
#define S_TOUCH_MAX 4096

/* One lookup in flight. It lives until hiredis calls back (with the reply,
 * or NULL when the connection goes), even when it was detached before
 * (timed out, cancelled, or the gate destroyed: auth NULL). */
typedef struct s_lookup {
    edge_auth_t *auth; /* NULL once detached */
    struct s_lookup *prev;
    struct s_lookup *next;
    cb_apikey_scope_t need;
    edge_auth_done_fn done;
    void *ctx;
    cb_httpd_timer_t *timer;
    uint64_t ticket; /* edge_keycache's, taken before the send */
    char hex[CB_APIKEY_HASH_LEN + 1];
} s_lookup_t;

struct edge_auth {
    cb_httpd_t *httpd;
    edge_limit_t *limit;
    edge_keycache_t *cache; /* NULL: every key is looked up */
    s_lookup_t *pending;
    zhashx_t *touched; /* key id -> int64_t last write (ms) */
    uint64_t lookups;
    bool down_logged;
};

const char *
edge_auth_outcome_name(edge_auth_outcome_t outcome)
{
    static const char *const names[EDGE_AUTH_COUNT] = {"ok",      "missing",   "malformed",
                                                       "unknown", "forbidden", "unavailable"};
    return (unsigned) outcome < EDGE_AUTH_COUNT ? names[outcome] : "unavailable";
}

int
edge_auth_status(edge_auth_outcome_t outcome)
{
    switch (outcome) {
    case EDGE_AUTH_OK: return 200;
    case EDGE_AUTH_FORBIDDEN: return 403;
    case EDGE_AUTH_UNAVAILABLE: return 503;
    default: return 401;
    }
}

const char *
edge_auth_detail(edge_auth_outcome_t outcome)
{
    switch (outcome) {
    case EDGE_AUTH_MISSING: return "this route needs an API key: Authorization: Bearer <key>";
    case EDGE_AUTH_MALFORMED: return "the Authorization header is not 'Bearer <key>' with a coinbus API key";
    case EDGE_AUTH_UNKNOWN: return "the API key is unknown or revoked";
    case EDGE_AUTH_FORBIDDEN: return "the API key's scope does not cover this route";
    case EDGE_AUTH_UNAVAILABLE: return "API keys cannot be checked now (Redis unavailable); retry later";
    default: return "ok";
    }
}

const char *
edge_auth_challenge(edge_auth_outcome_t outcome, cb_apikey_scope_t need)
{
    switch (outcome) {
    case EDGE_AUTH_MISSING: return "Bearer realm=\"coinbus\"";
    case EDGE_AUTH_MALFORMED:
    case EDGE_AUTH_UNKNOWN: return "Bearer realm=\"coinbus\", error=\"invalid_token\"";
    case EDGE_AUTH_FORBIDDEN:
        return need == CB_APIKEY_SCOPE_TRADE ? "Bearer realm=\"coinbus\", error=\"insufficient_scope\", scope=\"trade\""
                                             : "Bearer realm=\"coinbus\", error=\"insufficient_scope\", scope=\"read\"";
    default: return NULL;
    }
}

static bool
s_space(char c)
{
    return c == ' ' || c == '\t';
}

edge_auth_outcome_t
edge_auth_parse(const char *value, size_t len, const char **key, size_t *key_len)
{
    *key = NULL;
    *key_len = 0;
    if (value == NULL || len == 0) {
        return EDGE_AUTH_MISSING;
    }
    static const char scheme[] = "bearer";
    size_t n = sizeof scheme - 1;
    if (len <= n || strncasecmp(value, scheme, n) != 0 || !s_space(value[n])) {
        return EDGE_AUTH_MALFORMED;
    }
    size_t start = n;
    while (start < len && s_space(value[start])) {
        start++;
    }
    size_t end = len;
    while (end > start && s_space(value[end - 1])) {
        end--;
    }
    if (!cb_apikey_well_formed(value + start, end - start)) {
        return EDGE_AUTH_MALFORMED;
    }
    *key = value + start;
    *key_len = end - start;
    return EDGE_AUTH_OK;
}

edge_auth_outcome_t
edge_auth_decide(bool found, cb_apikey_scope_t have, cb_apikey_scope_t need)
{
    if (!found || have == CB_APIKEY_SCOPE_NONE) {
        return EDGE_AUTH_UNKNOWN;
    }
    return cb_apikey_scope_allows(have, need) ? EDGE_AUTH_OK : EDGE_AUTH_FORBIDDEN;
}

/* ---- lookups -------------------------------------------------------------- */

static void
s_detach(s_lookup_t *lk)
{
    edge_auth_t *auth = lk->auth;
    if (auth == NULL) {
        return;
    }
    if (lk->prev != NULL) {
        lk->prev->next = lk->next;
    } else {
        auth->pending = lk->next;
    }
    if (lk->next != NULL) {
        lk->next->prev = lk->prev;
    }
    lk->prev = lk->next = NULL;
    cb_httpd_timer_destroy(&lk->timer);
    lk->auth = NULL;
}

/* Writes key id's last use when the last write is old enough (no reply is
 * awaited: a lost write only makes `keys list` a little stale). */
static void
s_touch(edge_auth_t *auth, const char *id)
{
    int64_t now = cb_time_now_ms();
    int64_t *last = zhashx_lookup(auth->touched, id);
    if (auth->limit == NULL || (last != NULL && now - *last < S_TOUCH_MS)) {
        return;
    }
    if (last == NULL) {
        if (zhashx_size(auth->touched) >= S_TOUCH_MAX) {
            zhashx_purge(auth->touched);
        }
        last = malloc(sizeof *last);
        if (last == NULL) {
            return;
        }
        zhashx_insert(auth->touched, id, last);
    }
    *last = now;
    char keybuf[CB_APIKEY_REDIS_KEY_MAX];
    char msbuf[24];
    const char *argv[4];
    size_t lens[4];
    int argc = cb_apikey_touch_argv(id, now, keybuf, msbuf, argv, lens);
    if (edge_limit_send(auth->limit, NULL, NULL, argc, argv, lens) != 0) {
        *last = 0; /* not sent: the next lookup tries again */
    }
}

static void
s_on_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    (void) ac;
    s_lookup_t *lk = privdata;
    edge_auth_t *auth = lk->auth;
    if (auth == NULL) {
        free(lk);
        return;
    }
    const redisReply *reply = r;
    edge_auth_result_t res;
    memset(&res, 0, sizeof res);
    res.outcome = EDGE_AUTH_UNAVAILABLE;
    if (reply != NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements == 2) {
        const redisReply *id = reply->element[0];
        const redisReply *sc = reply->element[1];
        cb_apikey_scope_t have = CB_APIKEY_SCOPE_NONE;
        int rc = cb_apikey_lookup_parse(id->type == REDIS_REPLY_STRING ? id->str : NULL, id->len,
                                        sc->type == REDIS_REPLY_STRING ? sc->str : NULL, sc->len, res.key_id,
                                        &have);
        res.outcome = edge_auth_decide(rc == 0, have, lk->need);
        res.scope = rc == 0 ? have : CB_APIKEY_SCOPE_NONE;
        if (rc == 0) {
            edge_keycache_set(auth->cache, lk->ticket, lk->hex, res.key_id, have);
            s_touch(auth, res.key_id);
        } else {
            res.key_id[0] = '\0';
        }
    } else if (!auth->down_logged) {
        cb_log_warn("edge_auth_lookup_failed", "reason=\"%s\"",
                    reply == NULL ? "no connection" : reply->type == REDIS_REPLY_ERROR ? reply->str : "bad reply");
        auth->down_logged = true;
    }
    if (res.outcome != EDGE_AUTH_UNAVAILABLE) {
        auth->down_logged = false;
    }
    edge_auth_done_fn done = lk->done;
    void *ctx = lk->ctx;
    s_detach(lk);
    free(lk);
    done(ctx, &res);
}

static void
s_on_timeout(void *ctx)
{
    s_lookup_t *lk = ctx;
    edge_auth_done_fn done = lk->done;
    void *done_ctx = lk->ctx;
    s_detach(lk);
    edge_auth_result_t res;
    memset(&res, 0, sizeof res);
    res.outcome = EDGE_AUTH_UNAVAILABLE;
    done(done_ctx, &res);
}

static void
s_free_touch(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

edge_auth_t *
edge_auth_new(cb_httpd_t *httpd, edge_limit_t *limit, const char *redis_url)
{
    edge_auth_t *auth = calloc(1, sizeof *auth);
    if (auth == NULL) {
        return NULL;
    }
    auth->httpd = httpd;
    auth->limit = limit;
    auth->touched = zhashx_new();
    if (auth->touched == NULL) {
        free(auth);
        return NULL;
    }
    zhashx_set_destructor(auth->touched, s_free_touch);
    if (limit != NULL && redis_url != NULL) {
        auth->cache = edge_keycache_new(httpd, redis_url);
        if (auth->cache == NULL) {
            goto fail_cache;
        }
    }
    return auth;
fail_cache:
    zhashx_destroy(&auth->touched);
    free(auth);
    return NULL;
}

void
edge_auth_destroy(edge_auth_t **auth_p)
{
    if (auth_p == NULL || *auth_p == NULL) {
        return;
    }
    edge_auth_t *auth = *auth_p;
    while (auth->pending != NULL) {
        s_detach(auth->pending);
    }
    edge_keycache_destroy(&auth->cache);
    zhashx_destroy(&auth->touched);
    free(auth);
    *auth_p = NULL;
}

int
edge_auth_check(edge_auth_t *auth, const char *key, size_t key_len, cb_apikey_scope_t need,
                edge_auth_result_t *out, edge_auth_done_fn done, void *ctx)
{
    char hex[CB_APIKEY_HASH_LEN + 1];
    cb_apikey_hash(key, key_len, hex);
    return edge_auth_check_hash(auth, hex, need, out, done, ctx);
}

int
edge_auth_check_hash(edge_auth_t *auth, const char *hex, cb_apikey_scope_t need,
                     edge_auth_result_t *out, edge_auth_done_fn done, void *ctx)
{
    memset(out, 0, sizeof *out);
    out->outcome = EDGE_AUTH_UNAVAILABLE;
    if (auth->limit == NULL) {
        return 1;
    }
    cb_apikey_scope_t have = CB_APIKEY_SCOPE_NONE;
    if (edge_keycache_get(auth->cache, hex, out->key_id, &have)) {
        out->outcome = edge_auth_decide(true, have, need);
        out->scope = have;
        s_touch(auth, out->key_id);
        return 1;
    }
    s_lookup_t *lk = calloc(1, sizeof *lk);
    if (lk == NULL) {
        return 1;
    }
    lk->ticket = edge_keycache_ticket(auth->cache);
    memcpy(lk->hex, hex, sizeof lk->hex);
    lk->need = need;
    lk->done = done;
    lk->ctx = ctx;
    lk->timer = cb_httpd_timer_new(auth->httpd, S_TIMEOUT_MS, 0, s_on_timeout, lk);
    char keybuf[CB_APIKEY_REDIS_KEY_MAX];
    const char *argv[4];
    size_t lens[4];
    int argc = cb_apikey_lookup_argv(hex, keybuf, argv, lens);
    if (lk->timer == NULL || edge_limit_send(auth->limit, s_on_reply, lk, argc, argv, lens) != 0) {
        cb_httpd_timer_destroy(&lk->timer);
        free(lk);
        return 1;
    }
    auth->lookups++;
    lk->auth = auth;
    lk->next = auth->pending;
    if (auth->pending != NULL) {
        auth->pending->prev = lk;
    }
    auth->pending = lk;
    return 0;
}

void
edge_auth_cancel(edge_auth_t *auth, edge_auth_done_fn done, void *ctx)
{
    for (s_lookup_t *lk = auth->pending; lk != NULL;) {
        s_lookup_t *next = lk->next;
        if (lk->done == done && lk->ctx == ctx) {
            s_detach(lk);
        }
        lk = next;
    }
}

uint64_t
edge_auth_lookups(const edge_auth_t *auth)
{
    return auth->lookups;
}

edge_keycache_stats_t
edge_auth_cache_stats(const edge_auth_t *auth)
{
    return edge_keycache_stats(auth != NULL ? auth->cache : NULL);
}
