/* feed_store_pend.c - a batch's writes per key: the last value of a SET key, the new items of a list */
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_hash.h"
#include "feed_store_impl.h"

#define S_SLOTS_MIN 64

/* FNV-1a of a key. */
static uint32_t
s_hash(const char *key)
{
    uint64_t h = cb_fnv1a64_str(CB_FNV1A64_INIT, key);
    return (uint32_t) (h ^ (h >> 32));
}

/* Rebuilds the slot index at twice the size: 0 or CB_E_NOMEM. */
static int
s_grow_slots(feed_pend_t *p)
{
    size_t n = p->nslots == 0 ? S_SLOTS_MIN : p->nslots * 2;
    int32_t *slots = malloc(n * sizeof *slots);
    if (slots == NULL) {
        return CB_E_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        slots[i] = -1;
    }
    for (size_t e = 0; e < p->nkeys; e++) {
        size_t i = s_hash(p->keys[e].key) & (n - 1);
        while (slots[i] >= 0) {
            i = (i + 1) & (n - 1);
        }
        slots[i] = (int32_t) e;
    }
    free(p->slots);
    p->slots = slots;
    p->nslots = n;
    return 0;
}

/* The entry of key (added when new, kind list or not); NULL when out of memory. */
static feed_pend_key_t *
s_entry(feed_pend_t *p, const char *key, bool list)
{
    if ((p->nkeys + 1) * 2 > p->nslots && s_grow_slots(p) != 0) {
        return NULL;
    }
    size_t i = s_hash(key) & (p->nslots - 1);
    for (; p->slots[i] >= 0; i = (i + 1) & (p->nslots - 1)) {
        feed_pend_key_t *e = &p->keys[p->slots[i]];
        if (e->list == list && strcmp(e->key, key) == 0) {
            return e;
        }
    }
    if (p->nkeys == p->cap) {
        size_t cap = p->cap == 0 ? 16 : p->cap * 2;
        feed_pend_key_t *keys = realloc(p->keys, cap * sizeof *keys);
        size_t *dirty = realloc(p->dirty, cap * sizeof *dirty);
        if (keys != NULL) {
            p->keys = keys;
        }
        if (dirty != NULL) {
            p->dirty = dirty;
        }
        if (keys == NULL || dirty == NULL) {
            return NULL;
        }
        p->cap = cap;
    }
    feed_pend_key_t *e = &p->keys[p->nkeys];
    memset(e, 0, sizeof *e);
    snprintf(e->key, sizeof e->key, "%s", key);
    e->list = list;
    p->slots[i] = (int32_t) p->nkeys++;
    return e;
}

int
feed_pend_add(feed_pend_t *p, const char *key, bool list, const void *value, size_t len,
              size_t *new_cmds)
{
    *new_cmds = 0;
    feed_pend_key_t *e = s_entry(p, key, list);
    if (e == NULL || len > UINT32_MAX) {
        return CB_E_NOMEM;
    }
    if (!e->dirty) {
        cb_buf_reset(&e->data);
        e->items = 0;
    }
    if (!list) {
        cb_buf_reset(&e->data);
    } else {
        uint32_t n = (uint32_t) len;
        if (cb_buf_append(&e->data, &n, sizeof n) != 0) {
            return CB_E_NOMEM;
        }
    }
    if (cb_buf_append(&e->data, value, len) != 0) {
        return CB_E_NOMEM;
    }
    e->items++;
    if (!e->dirty) {
        e->dirty = true;
        p->dirty[p->ndirty++] = (size_t) (e - p->keys);
        *new_cmds = list ? 2 : 1;
    }
    return 0;
}

/* Room for argc arguments in p's argument arrays: 0 or CB_E_NOMEM. */
static int
s_args(feed_pend_t *p, size_t argc)
{
    if (argc <= p->argcap) {
        return 0;
    }
    const char **argv = realloc(p->argv, argc * sizeof *argv);
    if (argv != NULL) {
        p->argv = argv;
    }
    size_t *lens = realloc(p->lens, argc * sizeof *lens);
    if (lens != NULL) {
        p->lens = lens;
    }
    if (argv == NULL || lens == NULL) {
        return CB_E_NOMEM;
    }
    p->argcap = argc;
    return 0;
}

/* Appends a list entry's LPUSH (its newest keep items, oldest first, so the
 * newest ends at the head as with one LPUSH each) and LTRIM to keep. */
static int
s_append_list(feed_pend_t *p, cb_redis_t *redis, const feed_pend_key_t *e, uint32_t keep)
{
    uint32_t skip = e->items > keep ? e->items - keep : 0;
    if (s_args(p, 2 + (size_t) (e->items - skip)) != 0) {
        return CB_E_NOMEM;
    }
    p->argv[0] = "LPUSH";
    p->lens[0] = 5;
    p->argv[1] = e->key;
    p->lens[1] = strlen(e->key);
    size_t argc = 2;
    const char *at = e->data.data;
    for (uint32_t k = 0; k < e->items; k++) {
        uint32_t n;
        memcpy(&n, at, sizeof n);
        at += sizeof n;
        if (k >= skip) {
            p->argv[argc] = at;
            p->lens[argc] = n;
            argc++;
        }
        at += n;
    }
    int rc = cb_redis_appendv(redis, (int) argc, p->argv, p->lens);
    if (rc != 0) {
        return rc;
    }
    char stop[16];
    snprintf(stop, sizeof stop, "%u", keep - 1);
    const char *trim[] = {"LTRIM", e->key, "0", stop};
    size_t tlen[] = {5, strlen(e->key), 1, strlen(stop)};
    return cb_redis_appendv(redis, 4, trim, tlen);
}

int
feed_pend_append(feed_pend_t *p, cb_redis_t *redis, uint32_t list_keep)
{
    int rc = 0;
    for (size_t d = 0; d < p->ndirty && rc == 0; d++) {
        const feed_pend_key_t *e = &p->keys[p->dirty[d]];
        if (e->list) {
            rc = s_append_list(p, redis, e, list_keep);
        } else {
            const char *argv[] = {"SET", e->key, e->data.data};
            size_t lens[] = {3, strlen(e->key), e->data.len};
            rc = cb_redis_appendv(redis, 3, argv, lens);
        }
    }
    feed_pend_clear(p);
    return rc;
}

void
feed_pend_clear(feed_pend_t *p)
{
    for (size_t d = 0; d < p->ndirty; d++) {
        p->keys[p->dirty[d]].dirty = false;
    }
    p->ndirty = 0;
}

void
feed_pend_fini(feed_pend_t *p)
{
    for (size_t e = 0; e < p->nkeys; e++) {
        cb_buf_fini(&p->keys[e].data);
    }
    free(p->keys);
    free(p->dirty);
    free(p->slots);
    free(p->argv);
    free(p->lens);
    memset(p, 0, sizeof *p);
}
