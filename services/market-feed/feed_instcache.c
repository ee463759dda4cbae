/* feed_instcache.c - each venue's decoded instrument list, kept by an RPC worker until the stored version changes */
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_time.h"
#include "feed_instcache.h"

static void
s_empty(feed_instcache_slot_t *s)
{
    feed_instruments_fini(&s->ins);
    memset(s, 0, sizeof *s);
}

void
feed_instcache_fini(feed_instcache_t *c)
{
    for (size_t i = 0; i < FEED_INSTCACHE_SLOTS; i++) {
        s_empty(&c->slots[i]);
    }
    c->request = 0;
}

void
feed_instcache_begin(feed_instcache_t *c)
{
    c->request++;
}

/* The slot of venue (*found), else the one to load it into: an empty one,
 * else the oldest not used by this request. NULL when every slot is in use. */
static feed_instcache_slot_t *
s_slot(feed_instcache_t *c, const char *venue, bool *found)
{
    feed_instcache_slot_t *pick = NULL;
    *found = false;
    for (size_t i = 0; i < FEED_INSTCACHE_SLOTS; i++) {
        feed_instcache_slot_t *s = &c->slots[i];
        if (s->full && strcmp(s->venue, venue) == 0) {
            *found = true;
            return s;
        }
        if (pick != NULL && !pick->full) {
            continue; /* an empty slot is the best pick */
        }
        if (!s->full ||
            (s->used != c->request && (pick == NULL || s->loaded_ns < pick->loaded_ns))) {
            pick = s;
        }
    }
    return pick;
}

int
feed_instcache_get(feed_instcache_t *c, feed_store_t *store, const char *venue,
                   const feed_instruments_t **out)
{
    *out = NULL;
    int64_t version = 0;
    int rc = feed_store_get_instruments_version(store, venue, &version);
    if (rc != 0 && rc != CB_E_NOT_FOUND && rc != CB_E_PARSE) {
        return rc; /* Redis down or a bad name: the list read would fail alike */
    }
    bool versioned = rc == 0;
    bool found = false;
    feed_instcache_slot_t *s = s_slot(c, venue, &found);
    int64_t now = cb_time_mono_ns();
    /* Within one request a venue's list stays the one first returned. */
    if (found && (s->used == c->request ||
                  (s->versioned == versioned && (!versioned || s->version == version) &&
                   now - s->loaded_ns < FEED_INSTCACHE_MAX_AGE_NS))) {
        s->used = c->request;
        *out = &s->ins;
        return 0;
    }
    if (s == NULL) {
        return CB_E_TOO_BIG;
    }
    s_empty(s);
    rc = feed_store_get_instruments(store, venue, &s->ins);
    if (rc != 0) {
        s_empty(s);
        return rc;
    }
    s->full = true;
    snprintf(s->venue, sizeof s->venue, "%s", venue);
    s->versioned = versioned;
    s->version = version;
    s->loaded_ns = now;
    s->used = c->request;
    *out = &s->ins;
    return 0;
}
