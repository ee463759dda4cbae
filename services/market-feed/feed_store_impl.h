/* feed_store_impl.h - what feed_store.c (writes) and feed_store_read.c (reads) share (internal to feed_store) */
#ifndef FEED_STORE_IMPL_H_INCLUDED
#define FEED_STORE_IMPL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_buf.h"
#include "cb_redis.h"
#include "feed_store.h"

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
};

/* The candle key of venue, symbol and timeframe tf into key
 * (FEED_STORE_KEY_MAX): 0 or CB_E_BAD_REQUEST (a bad name or timeframe). */
int
feed_store_candle_key(char *key, const char *venue, const char *symbol, const char *tf);

#endif
