/* edge_ws_map.c - the /ws hub's hash maps: subscription keys (channel x symbol x venue x timeframe) and streams */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_hash.h"
#include "edge_ws_impl.h"

/* The tag of a stream (keys use channel * EDGE_WS_TF_COUNT + timeframe). */
#define S_STREAM_TAG 0xffffu

uint64_t
edge_ws_hash(unsigned tag, const char *symbol, const char *venue)
{
    uint64_t h = cb_fnv1a64_mix(CB_FNV1A64_INIT, tag);
    h = cb_fnv1a64_str(h, symbol);
    h = cb_fnv1a64_str(cb_fnv1a64_mix(h, 0x100u), venue);
    return h;
}

/* Inserts node (hash set), doubling the slots past a load of 1. */
static int
s_insert(edge_ws_map_t *map, edge_ws_node_t *node)
{
    if (map->count + 1 > map->cap) {
        size_t cap = map->cap == 0 ? 64 : map->cap * 2;
        edge_ws_node_t **slots = calloc(cap, sizeof *slots);
        if (slots == NULL) {
            return -1;
        }
        for (size_t i = 0; i < map->cap; i++) {
            for (edge_ws_node_t *n = map->slots[i], *next; n != NULL; n = next) {
                next = n->next;
                n->next = slots[n->hash & (cap - 1)];
                slots[n->hash & (cap - 1)] = n;
            }
        }
        free(map->slots);
        map->slots = slots;
        map->cap = cap;
    }
    edge_ws_node_t **slot = &map->slots[node->hash & (map->cap - 1)];
    node->next = *slot;
    *slot = node;
    map->count++;
    return 0;
}

static void
s_remove(edge_ws_map_t *map, edge_ws_node_t *node)
{
    for (edge_ws_node_t **p = &map->slots[node->hash & (map->cap - 1)]; *p != NULL;
         p = &(*p)->next) {
        if (*p == node) {
            *p = node->next;
            map->count--;
            return;
        }
    }
}

/* The first node of hash's chain. */
static edge_ws_node_t *
s_chain(const edge_ws_map_t *map, uint64_t hash)
{
    return map->cap == 0 ? NULL : map->slots[hash & (map->cap - 1)];
}

void
edge_ws_map_fini(edge_ws_map_t *map)
{
    free(map->slots);
    *map = (edge_ws_map_t){0};
}

static unsigned
s_key_tag(edge_ws_channel_t channel, unsigned timeframe)
{
    return (unsigned) channel * EDGE_WS_TF_COUNT + (channel == EDGE_WS_CH_CANDLES ? timeframe : 0);
}

edge_ws_key_t *
edge_ws_key_find(edge_ws_t *ws, edge_ws_channel_t channel, const char *symbol, const char *venue,
                 unsigned timeframe)
{
    if (channel != EDGE_WS_CH_CANDLES) {
        timeframe = 0;
    }
    uint64_t h = edge_ws_hash(s_key_tag(channel, timeframe), symbol, venue);
    for (edge_ws_node_t *n = s_chain(&ws->keys, h); n != NULL; n = n->next) {
        edge_ws_key_t *k = (edge_ws_key_t *) n;
        if (n->hash == h && k->channel == channel && k->timeframe == timeframe &&
            strcmp(k->symbol, symbol) == 0 && strcmp(k->venue, venue) == 0) {
            return k;
        }
    }
    return NULL;
}

edge_ws_key_t *
edge_ws_key_get(edge_ws_t *ws, edge_ws_channel_t channel, const char *symbol, const char *venue,
                unsigned timeframe)
{
    edge_ws_key_t *k = edge_ws_key_find(ws, channel, symbol, venue, timeframe);
    if (k != NULL) {
        return k;
    }
    k = calloc(1, sizeof *k);
    if (k == NULL) {
        return NULL;
    }
    k->channel = channel;
    k->timeframe = channel == EDGE_WS_CH_CANDLES ? timeframe : 0;
    snprintf(k->symbol, sizeof k->symbol, "%s", symbol);
    snprintf(k->venue, sizeof k->venue, "%s", venue);
    k->node.hash = edge_ws_hash(s_key_tag(channel, k->timeframe), k->symbol, k->venue);
    if (s_insert(&ws->keys, &k->node) != 0) {
        free(k);
        return NULL;
    }
    return k;
}

void
edge_ws_key_drop(edge_ws_t *ws, edge_ws_key_t *key)
{
    s_remove(&ws->keys, &key->node);
    cb_wsd_subs_fini(&key->subs);
    free(key);
}

/* Frees every entry of map (each an allocation starting with its node),
 * calling fini on it first when not NULL. */
static void
s_clear(edge_ws_map_t *map, void (*fini)(edge_ws_node_t *node))
{
    for (size_t i = 0; i < map->cap; i++) {
        for (edge_ws_node_t *n = map->slots[i], *next; n != NULL; n = next) {
            next = n->next;
            if (fini != NULL) {
                fini(n);
            }
            free(n);
        }
    }
    edge_ws_map_fini(map);
}

static void
s_key_fini(edge_ws_node_t *node)
{
    cb_wsd_subs_fini(&((edge_ws_key_t *) node)->subs);
}

void
edge_ws_keys_clear(edge_ws_t *ws)
{
    s_clear(&ws->keys, s_key_fini);
}

edge_ws_stream_t *
edge_ws_stream_find(edge_ws_t *ws, const char *symbol, const char *venue)
{
    uint64_t h = edge_ws_hash(S_STREAM_TAG, symbol, venue);
    for (edge_ws_node_t *n = s_chain(&ws->streams, h); n != NULL; n = n->next) {
        edge_ws_stream_t *s = (edge_ws_stream_t *) n;
        if (n->hash == h && strcmp(s->symbol, symbol) == 0 && strcmp(s->venue, venue) == 0) {
            return s;
        }
    }
    return NULL;
}

edge_ws_stream_t *
edge_ws_stream_get(edge_ws_t *ws, const char *symbol, const char *venue, int64_t now_ns)
{
    edge_ws_stream_t *s = edge_ws_stream_find(ws, symbol, venue);
    if (s != NULL) {
        return s;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    snprintf(s->symbol, sizeof s->symbol, "%s", symbol);
    snprintf(s->venue, sizeof s->venue, "%s", venue);
    s->last_ns = now_ns;
    s->node.hash = edge_ws_hash(S_STREAM_TAG, s->symbol, s->venue);
    if (s_insert(&ws->streams, &s->node) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

void
edge_ws_streams_each(edge_ws_t *ws, void (*fn)(edge_ws_t *ws, edge_ws_stream_t *stream))
{
    for (size_t i = 0; i < ws->streams.cap; i++) {
        for (edge_ws_node_t *n = ws->streams.slots[i]; n != NULL; n = n->next) {
            fn(ws, (edge_ws_stream_t *) n);
        }
    }
}

void
edge_ws_streams_clear(edge_ws_t *ws)
{
    s_clear(&ws->streams, NULL);
}
