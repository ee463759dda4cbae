/* edge_keycache.c - api-edge's API key cache: found keys answered from memory while Redis reports
 * every write to them */
#include "edge_keycache.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <hiredis/async.h>

#include "cb_backoff.h"
#include "cb_log.h"
#include "cb_redis.h"
#include "cb_time.h"
#include "edge_redis.h"

#define S_PREFIX CB_APIKEY_HASH_KEY_PREFIX
#define S_CHANNEL "__redis__:invalidate"
#define S_FENCE "coinbus:edge:keycache:fence"
/* Reads of what has arrived, at most, before one get answers (a get that
 * finds more still unread answers "not held"). */
#define S_DRAIN_MAX 64

typedef struct {
    char id[CB_APIKEY_ID_LEN + 1];
    cb_apikey_scope_t scope;
} s_entry_t;

struct edge_keycache {
    cb_httpd_t *httpd;
    cb_redis_url_t url;
    redisAsyncContext *ac; /* NULL between connections */
    bool tracking;         /* CLIENT TRACKING answered OK on ac */
    bool live;             /* ... and the SUBSCRIBE confirmed */
    bool off;              /* for good: a Redis Cluster, or refused */
    bool closing;
    bool lost_logged;
    bool fence_in_flight;
    int64_t fence_sent_ns; /* monotonic, of the fence in flight */
    int64_t fence_ok_ns;   /* monotonic send time of the last confirmed; 0: none */
    uint64_t gen;          /* moves on every report, loss and start */
    cb_backoff_t backoff;
    cb_httpd_timer_t *reconnect;
    cb_httpd_timer_t *fence_timer;
    zhashx_t *entries; /* hex -> s_entry_t */
    uint64_t hits;
    uint64_t invalidations;
};

static void s_start(edge_keycache_t *kc);
static void s_on_message(redisAsyncContext *ac, void *r, void *privdata);

/* Forgets every entry; answers in flight are not kept either. */
static void
s_drop_all(edge_keycache_t *kc)
{
    zhashx_purge(kc->entries);
    kc->gen++;
}

static void
s_on_reconnect(void *ctx)
{
    s_start(ctx);
}

/* No connection: logged once per outage; connect again after the next
 * backoff delay (unless closing or off). */
static void
s_retry_later(edge_keycache_t *kc, const char *reason)
{
    if (kc->closing || kc->off) {
        return;
    }
    if (!kc->lost_logged) {
        cb_log_info("edge_keycache_lost", "host=%s port=%d reason=\"%s\"", kc->url.host,
                    kc->url.port, reason);
        kc->lost_logged = true;
    }
    if (kc->reconnect == NULL) {
        kc->reconnect =
            cb_httpd_timer_new(kc->httpd, cb_backoff_next(&kc->backoff), 0, s_on_reconnect, kc);
    }
}

/* ac has gone: nothing is answered from memory until a new connection is
 * live. Idempotent per ac. */
static void
s_gone(edge_keycache_t *kc, const redisAsyncContext *ac, const char *reason)
{
    if (kc->ac != ac || ac == NULL) {
        return;
    }
    kc->ac = NULL;
    kc->tracking = false;
    kc->live = false;
    kc->fence_in_flight = false;
    kc->fence_ok_ns = 0;
    kc->invalidations++;
    s_drop_all(kc);
    s_retry_later(kc, reason);
}

/* Turns the cache off for good (logged once, with why): nothing is
 * answered from memory, and no fence is sent any more. */
static void
s_turn_off(edge_keycache_t *kc, const char *reason, const char *error)
{
    if (!kc->off) {
        cb_log_info("edge_keycache_off", "reason=\"%s\" error=\"%s\"", reason, error);
    }
    kc->off = true;
    kc->live = false;
    cb_httpd_timer_destroy(&kc->fence_timer);
}

/* s_turn_off, and ac is closed (its loss empties the cache). */
static void
s_off(edge_keycache_t *kc, redisAsyncContext *ac, const char *reason, const char *error)
{
    s_turn_off(kc, reason, error);
    redisAsyncDisconnect(ac);
}

/* A setup step refused for a passing reason (LOADING, NOAUTH, a wrong
 * password, BUSY): logged once per outage, connect again later. */
static void
s_refused(edge_keycache_t *kc, redisAsyncContext *ac, const char *step, const char *error)
{
    if (!kc->lost_logged) {
        cb_log_info("edge_keycache_setup_failed", "command=%s error=\"%s\"", step, error);
        kc->lost_logged = true;
    }
    redisAsyncDisconnect(ac);
}

static void
s_on_connect(const redisAsyncContext *ac, int status)
{
    if (status != REDIS_OK) {
        s_gone(ac->data, ac, ac->errstr);
    }
}

static void
s_on_disconnect(const redisAsyncContext *ac, int status)
{
    edge_keycache_t *kc = ac->data;
    /* hiredis closes on an error reply nobody waits for: SUBSCRIBE refused. */
    if (status != REDIS_OK && strncmp(ac->errstr, "NOPERM", 6) == 0) {
        s_turn_off(kc, "SUBSCRIBE refused: every key is looked up in Redis", ac->errstr);
    }
    s_gone(kc, ac, status == REDIS_OK ? "closed" : ac->errstr);
}

/* AUTH / SELECT refused: tried again later. */
static void
s_on_handshake(redisAsyncContext *ac, void *r, void *privdata)
{
    const redisReply *reply = r;
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        s_refused(ac->data, ac, privdata, reply->str);
    }
}

/* A single Redis refuses CLUSTER INFO as "cluster support disabled"; a
 * cluster node answers it. */
static void
s_on_cluster_info(redisAsyncContext *ac, void *r, void *privdata)
{
    (void) privdata;
    edge_keycache_t *kc = ac->data;
    const redisReply *reply = r;
    if (reply == NULL || kc->off || (ac->c.flags & REDIS_DISCONNECTING)) {
        return;
    }
    if (reply->type != REDIS_REPLY_ERROR) {
        s_off(kc, ac, "a Redis Cluster: every key is looked up in Redis", "");
    } else if (strstr(reply->str, "cluster support disabled") != NULL) {
        return;
    } else if (strncmp(reply->str, "NOPERM", 6) == 0 ||
               strncmp(reply->str, "ERR unknown", 11) == 0) {
        s_off(kc, ac, "CLUSTER INFO refused: every key is looked up in Redis", reply->str);
    } else {
        s_refused(kc, ac, "CLUSTER INFO", reply->str);
    }
}

static void
s_on_tracking(redisAsyncContext *ac, void *r, void *privdata)
{
    (void) privdata;
    edge_keycache_t *kc = ac->data;
    const redisReply *reply = r;
    if (reply == NULL || kc->off || (ac->c.flags & REDIS_DISCONNECTING)) {
        return;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        s_off(kc, ac, "CLIENT TRACKING refused: every key is looked up in Redis", reply->str);
        return;
    }
    kc->tracking = true;
}

/* One invalidation: the keys written (each entry dropped), or nil when
 * Redis names none (FLUSHALL / FLUSHDB: everything dropped). Any of them
 * also voids the answers in flight. */
static void
s_invalidate(edge_keycache_t *kc, const redisReply *keys)
{
    kc->invalidations++;
    if (keys->type != REDIS_REPLY_ARRAY) {
        s_drop_all(kc);
        return;
    }
    size_t plen = sizeof S_PREFIX - 1;
    for (size_t i = 0; i < keys->elements; i++) {
        const redisReply *k = keys->element[i];
        if (k->type != REDIS_REPLY_STRING || (size_t) k->len != plen + CB_APIKEY_HASH_LEN ||
            memcmp(k->str, S_PREFIX, plen) != 0) {
            s_drop_all(kc);
            return;
        }
        char hex[CB_APIKEY_HASH_LEN + 1];
        memcpy(hex, k->str + plen, CB_APIKEY_HASH_LEN);
        hex[CB_APIKEY_HASH_LEN] = '\0';
        zhashx_delete(kc->entries, hex);
    }
    kc->gen++;
}

/* Sends the next fence unless one is in flight. */
static void
s_fence_send(edge_keycache_t *kc)
{
    if (kc->ac == NULL || !kc->tracking || kc->fence_in_flight) {
        return;
    }
    if (redisAsyncCommand(kc->ac, s_on_message, NULL, "SUBSCRIBE " S_FENCE) == REDIS_OK) {
        kc->fence_in_flight = true;
        kc->fence_sent_ns = cb_time_mono_ns();
    }
}

static void
s_on_fence_timer(void *ctx)
{
    s_fence_send(ctx);
}

/* The SUBSCRIBEs' confirmations (the invalidations' makes the cache live;
 * a fence's moves the fence) and each report. */
static void
s_on_message(redisAsyncContext *ac, void *r, void *privdata)
{
    (void) privdata;
    edge_keycache_t *kc = ac->data;
    const redisReply *reply = r;
    if (reply == NULL || kc->off || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
        reply->element[0]->type != REDIS_REPLY_STRING ||
        reply->element[1]->type != REDIS_REPLY_STRING) {
        return;
    }
    const char *kind = reply->element[0]->str;
    const char *channel = reply->element[1]->str;
    if (strcmp(kind, "message") == 0 && strcmp(channel, S_CHANNEL) == 0) {
        s_invalidate(kc, reply->element[2]);
    } else if (strcmp(kind, "subscribe") == 0 && strcmp(channel, S_FENCE) == 0 &&
               kc->fence_in_flight) {
        kc->fence_in_flight = false;
        kc->fence_ok_ns = kc->fence_sent_ns;
    } else if (strcmp(kind, "subscribe") == 0 && strcmp(channel, S_CHANNEL) == 0 && kc->tracking) {
        kc->live = true;
        kc->gen++;
        cb_backoff_reset(&kc->backoff);
        if (kc->lost_logged) {
            cb_log_info("edge_keycache_live", "host=%s port=%d", kc->url.host, kc->url.port);
            kc->lost_logged = false;
        }
        s_fence_send(kc);
    }
}

/* CLIENT ID: tracking is redirected to this very connection, which then
 * subscribes to the invalidations (RESP2 has no other way to get them). */
static void
s_on_client_id(redisAsyncContext *ac, void *r, void *privdata)
{
    (void) privdata;
    edge_keycache_t *kc = ac->data;
    const redisReply *reply = r;
    if (reply == NULL || kc->off || (ac->c.flags & REDIS_DISCONNECTING)) {
        return;
    }
    if (reply->type != REDIS_REPLY_INTEGER) {
        s_off(kc, ac, "CLIENT ID refused: every key is looked up in Redis",
              reply->type == REDIS_REPLY_ERROR ? reply->str : "");
        return;
    }
    char id[24];
    snprintf(id, sizeof id, "%lld", reply->integer);
    const char *argv[] = {"CLIENT", "TRACKING", "on", "REDIRECT", id, "BCAST", "PREFIX", S_PREFIX};
    size_t lens[sizeof argv / sizeof argv[0]];
    for (size_t i = 0; i < sizeof argv / sizeof argv[0]; i++) {
        lens[i] = strlen(argv[i]);
    }
    if (redisAsyncCommandArgv(ac, s_on_tracking, NULL, (int) (sizeof argv / sizeof argv[0]), argv,
                              lens) != REDIS_OK ||
        redisAsyncCommand(ac, s_on_message, NULL, "SUBSCRIBE " S_CHANNEL) != REDIS_OK) {
        redisAsyncDisconnect(ac);
    }
}

static void
s_start(edge_keycache_t *kc)
{
    cb_httpd_timer_destroy(&kc->reconnect);
    char reason[128];
    redisAsyncContext *ac =
        edge_redis_connect(kc->httpd, kc->url.host, kc->url.port, kc, s_on_connect, s_on_disconnect,
                           reason, sizeof reason);
    if (ac == NULL) {
        s_retry_later(kc, reason);
        return;
    }
    if (edge_redis_handshake(ac, &kc->url, s_on_handshake, "AUTH/SELECT") != REDIS_OK ||
        redisAsyncCommand(ac, s_on_cluster_info, NULL, "CLUSTER INFO") != REDIS_OK ||
        redisAsyncCommand(ac, s_on_client_id, NULL, "CLIENT ID") != REDIS_OK) {
        /* Not connected yet: no disconnect callback would run. */
        redisAsyncFree(ac);
        s_retry_later(kc, "no memory");
        return;
    }
    kc->ac = ac;
}

static void
s_free_entry(void **item_p)
{
    free(*item_p);
    *item_p = NULL;
}

edge_keycache_t *
edge_keycache_new(cb_httpd_t *httpd, const char *redis_url)
{
    edge_keycache_t *kc = calloc(1, sizeof *kc);
    if (kc == NULL) {
        return NULL;
    }
    if (cb_redis_url_parse(redis_url != NULL ? redis_url : "", &kc->url) != 0) {
        goto fail_url;
    }
    kc->entries = zhashx_new();
    if (kc->entries == NULL) {
        goto fail_entries;
    }
    zhashx_set_destructor(kc->entries, s_free_entry);
    kc->httpd = httpd;
    kc->gen = 1;
    cb_backoff_init(&kc->backoff, 50, 5000, 0);
    kc->fence_timer = cb_httpd_timer_new(httpd, EDGE_KEYCACHE_FENCE_EVERY_MS,
                                         EDGE_KEYCACHE_FENCE_EVERY_MS, s_on_fence_timer, kc);
    if (kc->fence_timer == NULL) {
        goto fail_timer;
    }
    s_start(kc);
    return kc;
fail_timer:
    zhashx_destroy(&kc->entries);
fail_entries:
    cb_redis_url_fini(&kc->url);
fail_url:
    free(kc);
    return NULL;
}

void
edge_keycache_destroy(edge_keycache_t **kc_p)
{
    if (kc_p == NULL || *kc_p == NULL) {
        return;
    }
    edge_keycache_t *kc = *kc_p;
    kc->closing = true;
    cb_httpd_timer_destroy(&kc->reconnect);
    cb_httpd_timer_destroy(&kc->fence_timer);
    if (kc->ac != NULL) {
        redisAsyncContext *ac = kc->ac;
        kc->ac = NULL;
        redisAsyncFree(ac);
    }
    zhashx_destroy(&kc->entries);
    cb_redis_url_fini(&kc->url);
    free(kc);
    *kc_p = NULL;
}

/* Reads what Redis has already sent (reports written before the request
 * that asks came), without waiting. False when more than S_DRAIN_MAX reads
 * did not empty the socket. */
static bool
s_drain(edge_keycache_t *kc)
{
    for (int i = 0; kc->live && kc->ac != NULL; i++) {
        struct pollfd p = {.fd = kc->ac->c.fd, .events = POLLIN};
        if (poll(&p, 1, 0) <= 0) {
            return true;
        }
        if (i == S_DRAIN_MAX) {
            return false;
        }
        redisAsyncHandleRead(kc->ac);
    }
    return true;
}

/* The cache may answer: live, and the last confirmed fence recent. */
static bool
s_fresh(const edge_keycache_t *kc)
{
    return kc->live && kc->fence_ok_ns != 0 &&
           cb_time_mono_ns() - kc->fence_ok_ns < EDGE_KEYCACHE_FENCE_MAX_MS * 1000000LL;
}

bool
edge_keycache_get(edge_keycache_t *kc, const char *hex, char *id, cb_apikey_scope_t *scope)
{
    if (kc == NULL || !s_drain(kc) || !s_fresh(kc)) {
        return false;
    }
    const s_entry_t *e = zhashx_lookup(kc->entries, hex);
    if (e == NULL) {
        return false;
    }
    memcpy(id, e->id, sizeof e->id);
    *scope = e->scope;
    kc->hits++;
    return true;
}

uint64_t
edge_keycache_ticket(const edge_keycache_t *kc)
{
    return kc != NULL && kc->live ? kc->gen : 0;
}

void
edge_keycache_set(edge_keycache_t *kc, uint64_t ticket, const char *hex, const char *id,
                  cb_apikey_scope_t scope)
{
    if (kc == NULL || ticket == 0 || !kc->live || ticket != kc->gen ||
        scope == CB_APIKEY_SCOPE_NONE) {
        return;
    }
    s_entry_t *e = zhashx_lookup(kc->entries, hex);
    if (e == NULL) {
        if (zhashx_size(kc->entries) >= EDGE_KEYCACHE_MAX) {
            zhashx_purge(kc->entries);
        }
        e = malloc(sizeof *e);
        if (e == NULL) {
            return;
        }
        if (zhashx_insert(kc->entries, hex, e) != 0) {
            free(e);
            return;
        }
    }
    snprintf(e->id, sizeof e->id, "%s", id);
    e->scope = scope;
}

edge_keycache_stats_t
edge_keycache_stats(const edge_keycache_t *kc)
{
    edge_keycache_stats_t st;
    memset(&st, 0, sizeof st);
    if (kc != NULL) {
        st.live = s_fresh(kc);
        st.off = kc->off;
        st.hits = kc->hits;
        st.invalidations = kc->invalidations;
        st.entries = zhashx_size(kc->entries);
    }
    return st;
}
