/* feed_lease.c - which replica publishes each (venue, symbol) stream: Redis leases with a TTL */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_proto.h"
#include "cb_script.h"
#include "cb_time.h"
#include "feed_lease.h"

#define S_NS_PER_MS ((int64_t) 1000000)
#define S_REPLICAS_KEY "coinbus:market:replicas"
#define S_KEY_PREFIX "coinbus:market:lease:"

typedef struct {
    char venue[33];
    char symbol[34];
    char key[sizeof S_KEY_PREFIX + 33 + 34];
    bool owned;
    int64_t expires_ns; /* monotonic: when our lease runs out by our clock */
} s_stream_t;

struct feed_lease {
    cb_redis_t *redis;
    int64_t ttl_ms;
    char ttl_text[24];
    char id[17];
    cb_script_t renew;
    cb_script_t release;
    cb_script_t replicas;
    s_stream_t *streams;
    size_t count;
    bool outage;      /* a Redis command failed; logged once until one succeeds */
    bool beat_before; /* a heartbeat succeeded before (so ours should be there) */
    int64_t hold_until_ns;
};

int
feed_lease_ttl_parse(const char *text, int64_t *ttl_ms, char *err, size_t err_size)
{
    if (err != NULL && err_size > 0) {
        err[0] = '\0';
    }
    if (text == NULL || text[0] == '\0') {
        *ttl_ms = FEED_LEASE_TTL_DEFAULT_MS;
        return 0;
    }
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || text[0] < '0' || text[0] > '9' || v < FEED_LEASE_TTL_MIN_MS ||
        v > FEED_LEASE_TTL_MAX_MS) {
        if (err != NULL && err_size > 0) {
            snprintf(err, err_size,
                     "COINBUS_FEED_LEASE_MS: '%.32s' is not a whole number of milliseconds in "
                     "[%d, %d]",
                     text, FEED_LEASE_TTL_MIN_MS, FEED_LEASE_TTL_MAX_MS);
        }
        return CB_E_CONFIG;
    }
    *ttl_ms = v;
    return 0;
}

feed_lease_t *
feed_lease_new(cb_redis_t *redis, int64_t ttl_ms, int *err)
{
    int rc = 0;
    feed_lease_t *l = NULL;
    if (ttl_ms < FEED_LEASE_TTL_MIN_MS || ttl_ms > FEED_LEASE_TTL_MAX_MS || redis == NULL) {
        rc = CB_E_CONFIG;
        goto fail;
    }
    l = calloc(1, sizeof *l);
    if (l == NULL) {
        rc = CB_E_NOMEM;
        goto fail;
    }
    l->streams = calloc(FEED_LEASE_MAX, sizeof *l->streams);
    if (l->streams == NULL) {
        rc = CB_E_NOMEM;
        goto fail_streams;
    }
    if ((rc = cb_script_init(&l->renew, "lease_renew")) != 0 ||
        (rc = cb_script_init(&l->release, "lease_release")) != 0 ||
        (rc = cb_script_init(&l->replicas, "lease_replicas")) != 0) {
        goto fail_scripts;
    }
    unsigned char raw[8];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t) sizeof raw) {
        rc = -errno;
        goto fail_scripts;
    }
    for (size_t i = 0; i < sizeof raw; i++) {
        snprintf(l->id + 2 * i, 3, "%02x", raw[i]);
    }
    l->redis = redis;
    l->ttl_ms = ttl_ms;
    snprintf(l->ttl_text, sizeof l->ttl_text, "%lld", (long long) ttl_ms);
    *err = 0;
    return l;

fail_scripts:
    free(l->streams);
fail_streams:
    free(l);
fail:
    *err = rc;
    return NULL;
}

void
feed_lease_destroy(feed_lease_t **l_p)
{
    if (l_p == NULL || *l_p == NULL) {
        return;
    }
    free((*l_p)->streams);
    free(*l_p);
    *l_p = NULL;
}

const char *
feed_lease_id(const feed_lease_t *l)
{
    return l->id;
}

int64_t
feed_lease_ttl_ms(const feed_lease_t *l)
{
    return l->ttl_ms;
}

int64_t
feed_lease_tick_ms(const feed_lease_t *l)
{
    return l->ttl_ms / 3;
}

int
feed_lease_add(feed_lease_t *l, const char *venue, const char *symbol)
{
    size_t vlen = venue != NULL ? strlen(venue) : 0;
    size_t slen = symbol != NULL ? strlen(symbol) : 0;
    if (!cb_proto_name_valid(venue, vlen, 32) || !cb_proto_symbol_valid(symbol, slen)) {
        return CB_E_BAD_REQUEST;
    }
    for (size_t i = 0; i < l->count; i++) {
        if (strcmp(l->streams[i].venue, venue) == 0 && strcmp(l->streams[i].symbol, symbol) == 0) {
            return CB_E_BAD_REQUEST;
        }
    }
    if (l->count == FEED_LEASE_MAX) {
        return CB_E_TOO_BIG;
    }
    s_stream_t *s = &l->streams[l->count];
    memset(s, 0, sizeof *s);
    memcpy(s->venue, venue, vlen + 1);
    memcpy(s->symbol, symbol, slen + 1);
    snprintf(s->key, sizeof s->key, S_KEY_PREFIX "%s:%s", venue, symbol);
    return (int) l->count++;
}

size_t
feed_lease_count(const feed_lease_t *l)
{
    return l->count;
}

const char *
feed_lease_venue(const feed_lease_t *l, size_t i)
{
    return i < l->count ? l->streams[i].venue : NULL;
}

const char *
feed_lease_symbol(const feed_lease_t *l, size_t i)
{
    return i < l->count ? l->streams[i].symbol : NULL;
}

bool
feed_lease_owned(const feed_lease_t *l, size_t i)
{
    return i < l->count && l->streams[i].owned;
}

size_t
feed_lease_owned_count(const feed_lease_t *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->count; i++) {
        n += l->streams[i].owned;
    }
    return n;
}

/* ---- one round ---------------------------------------------------------- */

static void
s_lose(feed_lease_t *l, size_t i, feed_lease_changes_t *ch, const char *why)
{
    l->streams[i].owned = false;
    ch->lost[ch->n_lost++] = i;
    cb_log_info("lease_lost", "replica=%s venue=%s symbol=%s reason=%s", l->id, l->streams[i].venue,
                l->streams[i].symbol, why);
}

/* A failed command: logged once per outage; the round stops. Every stream
 * owned is kept: this replica cannot know whether another one took it, and a
 * stream published twice (told apart by epoch and seq) is better than one
 * gone silent. The renewal after the outage settles who keeps it. */
static int
s_outage(feed_lease_t *l, int err, const char *what)
{
    if (!l->outage) {
        l->outage = true;
        cb_log_warn("lease_redis_failed",
                    "replica=%s command=%s error=\"%s\" owned=%zu keeping=\"all until Redis is back\"",
                    l->id, what, cb_strerror(err), feed_lease_owned_count(l));
    }
    return err;
}

static void
s_ok(feed_lease_t *l)
{
    if (l->outage) {
        l->outage = false;
        cb_log_info("lease_redis_back", "replica=%s owned=%zu", l->id, feed_lease_owned_count(l));
    }
}

/* The heartbeat: replicas alive (us included) and whether our entry was there. */
static int
s_beat(feed_lease_t *l, long long *alive, bool *had_me)
{
    const char *keys[] = {S_REPLICAS_KEY};
    const char *args[] = {l->id, l->ttl_text};
    int err = 0;
    redisReply *r = cb_script_run(l->redis, &l->replicas, &err, 1, keys, 2, args);
    if (r == NULL) {
        return err;
    }
    int rc = CB_E_INTERNAL;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_INTEGER && r->element[1]->type == REDIS_REPLY_INTEGER) {
        *alive = r->element[0]->integer > 0 ? r->element[0]->integer : 1;
        *had_me = r->element[1]->integer == 1;
        rc = 0;
    }
    freeReplyObject(r);
    return rc;
}

/* Runs a lease script on stream i; *out gets its integer answer. */
static int
s_script_int(feed_lease_t *l, const cb_script_t *script, size_t i, int nargs, long long *out)
{
    const char *keys[] = {l->streams[i].key};
    const char *args[] = {l->id, l->ttl_text};
    int err = 0;
    redisReply *r = cb_script_run(l->redis, script, &err, 1, keys, nargs, args);
    if (r == NULL) {
        return err;
    }
    int rc = CB_E_INTERNAL;
    if (r->type == REDIS_REPLY_INTEGER) {
        *out = r->integer;
        rc = 0;
    }
    freeReplyObject(r);
    return rc;
}

/* SET key id NX PX ttl: 1 taken, 0 held by someone, or an error. */
static int
s_acquire(feed_lease_t *l, size_t i, bool *taken)
{
    const char *argv[] = {"SET", l->streams[i].key, l->id, "NX", "PX", l->ttl_text};
    int err = 0;
    redisReply *r = cb_redis_commandv(l->redis, &err, 6, argv, NULL);
    if (r == NULL) {
        return err;
    }
    int rc = 0;
    if (r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0) {
        *taken = true;
    } else if (r->type == REDIS_REPLY_NIL) {
        *taken = false;
    } else {
        rc = CB_E_INTERNAL;
    }
    freeReplyObject(r);
    return rc;
}

int
feed_lease_tick(feed_lease_t *l, feed_lease_changes_t *ch)
{
    memset(ch, 0, sizeof *ch);
    int64_t ttl_ns = l->ttl_ms * S_NS_PER_MS;
    int64_t now = cb_time_mono_ns();
    bool dropped[FEED_LEASE_MAX] = {false};

    /* 1. Leases already expired by our clock while Redis answered (this tick
     * came late) are gone: another replica may hold them by now. Those kept
     * through an outage are not dropped here: the renewal below keeps or
     * loses each one by what Redis holds now. */
    if (!l->outage) {
        for (size_t i = 0; i < l->count; i++) {
            if (l->streams[i].owned && now >= l->streams[i].expires_ns) {
                s_lose(l, i, ch, "expired_unrenewed");
                dropped[i] = true;
            }
        }
    }

    /* 2. Heartbeat. */
    long long alive = 1;
    bool had_me = false;
    int rc = s_beat(l, &alive, &had_me);
    if (rc != 0) {
        return s_outage(l, rc, "heartbeat");
    }
    s_ok(l);
    if (l->beat_before && !had_me) {
        l->hold_until_ns = now + ttl_ns;
        cb_log_warn("lease_registry_lost",
                    "replica=%s hold_ms=%lld reason=\"our heartbeat vanished (Redis restarted or "
                    "flushed?): the owners from before re-take theirs first\"",
                    l->id, (long long) l->ttl_ms);
    }
    l->beat_before = true;

    /* 3. Renew what we own. */
    for (size_t i = 0; i < l->count; i++) {
        if (!l->streams[i].owned) {
            continue;
        }
        int64_t sent = cb_time_mono_ns();
        long long answer = 0;
        rc = s_script_int(l, &l->renew, i, 2, &answer);
        if (rc != 0) {
            return s_outage(l, rc, "renew");
        }
        if (answer == 0) {
            s_lose(l, i, ch, "taken_by_another_replica");
            dropped[i] = true;
        } else {
            l->streams[i].expires_ns = sent + ttl_ns;
        }
    }

    /* 4. Give back what exceeds the fair share, the last streams first. */
    size_t share = (l->count + (size_t) alive - 1) / (size_t) alive;
    size_t owned = feed_lease_owned_count(l);
    for (size_t i = l->count; i-- > 0 && owned > share;) {
        if (!l->streams[i].owned) {
            continue;
        }
        long long answer = 0;
        rc = s_script_int(l, &l->release, i, 1, &answer);
        if (rc != 0) {
            return s_outage(l, rc, "release");
        }
        s_lose(l, i, ch, "over_fair_share");
        dropped[i] = true;
        owned--;
    }

    /* 5. Take free keys up to the fair share (not while holding back after
     * Redis lost its data, and not what we dropped in this round). */
    if (now < l->hold_until_ns) {
        return 0;
    }
    for (size_t i = 0; i < l->count && owned < share; i++) {
        if (l->streams[i].owned || dropped[i]) {
            continue;
        }
        int64_t sent = cb_time_mono_ns();
        bool taken = false;
        rc = s_acquire(l, i, &taken);
        if (rc != 0) {
            return s_outage(l, rc, "acquire");
        }
        if (taken) {
            l->streams[i].owned = true;
            l->streams[i].expires_ns = sent + ttl_ns;
            ch->gained[ch->n_gained++] = i;
            owned++;
            cb_log_info("lease_gained", "replica=%s venue=%s symbol=%s", l->id, l->streams[i].venue,
                        l->streams[i].symbol);
        }
    }
    return 0;
}

int
feed_lease_release_all(feed_lease_t *l, feed_lease_changes_t *ch)
{
    memset(ch, 0, sizeof *ch);
    int first = 0;
    for (size_t i = 0; i < l->count; i++) {
        if (!l->streams[i].owned) {
            continue;
        }
        long long answer = 0;
        int rc = first == 0 ? s_script_int(l, &l->release, i, 1, &answer) : first;
        if (rc != 0 && first == 0) {
            first = s_outage(l, rc, "release");
        }
        if (l->streams[i].owned) {
            s_lose(l, i, ch, "released");
        }
    }
    if (first == 0) {
        const char *argv[] = {"ZREM", S_REPLICAS_KEY, l->id};
        int err = 0;
        redisReply *r = cb_redis_commandv(l->redis, &err, 3, argv, NULL);
        if (r == NULL) {
            first = s_outage(l, err, "zrem");
        } else {
            freeReplyObject(r);
        }
    }
    l->beat_before = false;
    return first;
}
