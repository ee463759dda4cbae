/* feed_store_impl.h - what feed_store.c (writes) and feed_store_read.c (reads) share (internal to feed_store) */
#ifndef FEED_STORE_IMPL_H_INCLUDED
#define FEED_STORE_IMPL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_redis.h"
#include "feed_store.h"

/* One key's writes of the batch (feed_store_pend.c). */
typedef struct {
    char key[FEED_STORE_KEY_MAX];
    bool list;    /* LPUSH of items (then LTRIM), else SET of the last value */
    bool dirty;   /* written in this batch */
    uint32_t items;
    cb_buf_t data; /* SET: the value; list: each item as a uint32 length, then its bytes */
} feed_pend_key_t;

/* The batch's writes gathered per key: a tick or book written 30 times in a
 * batch costs Redis one SET, 40 trades of a symbol one LPUSH and one LTRIM.
 * Entries stay (their keys recur every batch); dirty lists this batch's. */
typedef struct {
    feed_pend_key_t *keys;
    size_t nkeys, cap;
    size_t *dirty; /* indexes into keys, in first-write order */
    size_t ndirty;
    int32_t *slots; /* open addressing by key hash: index into keys, -1 empty */
    size_t nslots;
    const char **argv; /* scratch arguments of one LPUSH */
    size_t *lens;
    size_t argcap;
} feed_pend_t;

/* Adds a write of value (copied) to key: the new last value (list false) or
 * one more item (list true). *new_cmds: the commands the batch gains (1 or
 * 2 when key had no write in it yet, else 0). 0 or CB_E_NOMEM. */
int
feed_pend_add(feed_pend_t *p, const char *key, bool list, const void *value, size_t len,
              size_t *new_cmds);

/* Queues the batch's commands on redis (cb_redis_appendv, in first-write
 * order of the keys; a list keeps its newest list_keep items) and empties
 * the batch. 0 or the first append's error (the batch is emptied anyway). */
int
feed_pend_append(feed_pend_t *p, cb_redis_t *redis, uint32_t list_keep);

/* Empties the batch (its writes are dropped). */
void
feed_pend_clear(feed_pend_t *p);

void
feed_pend_fini(feed_pend_t *p);

/* One store: its connection, the batch being queued, and its counters. */
struct feed_store {
    cb_redis_t *redis;
    feed_store_config_t cfg;
    size_t queued_msgs;   /* messages whose commands are queued in this batch */
    size_t inflight;      /* commands sent by feed_store_send, replies not read yet */
    size_t inflight_msgs; /* their messages */
    bool dropping;        /* an append failed: the rest of this batch is dropped */
    int drop_err;
    feed_store_stats_t st;
    int64_t last_log_ms;  /* monotonic ms of the last outage / error line, 0 = never */
    int64_t last_err_log_ms;
    cb_buf_t scratch;
    feed_pend_t pend;     /* the batch's ticks, books and trades, per key */
};

/* The candle key of venue, symbol and timeframe tf into key
 * (FEED_STORE_KEY_MAX): 0 or CB_E_BAD_REQUEST (a bad name or timeframe). */
int
feed_store_candle_key(char *key, const char *venue, const char *symbol, const char *tf);

#endif
