/* feed_store.c - market state in Redis: connection, keys, and the pipelined writes (batched, outage-tolerant) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_redis.h"
#include "cb_time.h"
#include "feed_store.h"
#include "feed_store_impl.h"

/* Most commands of one message: MULTI, three candle commands, EXEC. */
#define S_CMDS_MAX 5
#define S_ARGS_MAX 6

typedef struct {
    int argc;
    const char *argv[S_ARGS_MAX];
    size_t len[S_ARGS_MAX];
} s_cmd_t;

static const char *const s_timeframes[] = {"1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w"};

feed_store_config_t
feed_store_defaults(void)
{
    feed_store_config_t c = {
        .connect_ms = 250,
        .command_ms = 1000,
        .trades_max = 1000,
        .candles_max = 1000,
        .book_depth = 50,
        .status_ttl_ms = 30000,
        .batch_max = 100000,
        .outage_log_ms = 10000,
    };
    return c;
}

bool
feed_store_timeframe_valid(const char *tf)
{
    for (size_t i = 0; i < sizeof s_timeframes / sizeof s_timeframes[0]; i++) {
        if (strcmp(tf, s_timeframes[i]) == 0) {
            return true;
        }
    }
    return false;
}

feed_store_t *
feed_store_new(const char *redis_url, const feed_store_config_t *cfg, int *err)
{
    feed_store_t *store = calloc(1, sizeof *store);
    if (store == NULL) {
        *err = CB_E_NOMEM;
        return NULL;
    }
    store->cfg = cfg != NULL ? *cfg : feed_store_defaults();
    feed_store_config_t def = feed_store_defaults();
    if (store->cfg.trades_max == 0) {
        store->cfg.trades_max = def.trades_max;
    }
    if (store->cfg.candles_max == 0) {
        store->cfg.candles_max = def.candles_max;
    }
    if (store->cfg.book_depth == 0) {
        store->cfg.book_depth = def.book_depth;
    }
    if (store->cfg.status_ttl_ms <= 0) {
        store->cfg.status_ttl_ms = def.status_ttl_ms;
    }
    if (store->cfg.batch_max == 0) {
        store->cfg.batch_max = def.batch_max;
    }
    store->redis = cb_redis_new(redis_url, err);
    if (store->redis == NULL) {
        free(store);
        return NULL;
    }
    cb_redis_set_timeouts(store->redis, store->cfg.connect_ms, store->cfg.command_ms);
    *err = 0;
    return store;
}

void
feed_store_destroy(feed_store_t **store_p)
{
    if (store_p == NULL || *store_p == NULL) {
        return;
    }
    feed_store_t *store = *store_p;
    cb_redis_destroy(&store->redis);
    cb_buf_fini(&store->scratch);
    feed_pend_fini(&store->pend);
    free(store);
    *store_p = NULL;
}

void
feed_store_stats(const feed_store_t *store, feed_store_stats_t *out)
{
    *out = store->st;
}

/* ---- keys ------------------------------------------------------------------- */

int
feed_store_key(char *buf, const char *entity, const char *venue, const char *symbol)
{
    if (!cb_proto_name_valid(venue, strlen(venue), CB_VENUE_NAME_MAX) ||
        (symbol != NULL && !cb_proto_symbol_valid(symbol, strlen(symbol)))) {
        return CB_E_BAD_REQUEST;
    }
    int n = symbol != NULL
                ? snprintf(buf, FEED_STORE_KEY_MAX, FEED_STORE_PREFIX "%s:%s:%s", entity, venue, symbol)
                : snprintf(buf, FEED_STORE_KEY_MAX, FEED_STORE_PREFIX "%s:%s", entity, venue);
    return n > 0 && n < FEED_STORE_KEY_MAX ? 0 : CB_E_BAD_REQUEST;
}

int
feed_store_candle_key(char *key, const char *venue, const char *symbol, const char *tf)
{
    if (!feed_store_timeframe_valid(tf) || feed_store_key(key, "candles", venue, symbol) != 0) {
        return CB_E_BAD_REQUEST;
    }
    size_t len = strlen(key);
    int n = snprintf(key + len, FEED_STORE_KEY_MAX - len, ":%s", tf);
    return n > 0 && (size_t) n < FEED_STORE_KEY_MAX - len ? 0 : CB_E_BAD_REQUEST;
}

/* The key for a message's venue and symbol views. */
static int
s_msg_key(char *buf, const char *entity, cb_str_t venue, cb_str_t symbol)
{
    char v[CB_VENUE_NAME_MAX + 1];
    char s[CB_SYMBOL_MAX + 1];
    if (venue.len >= sizeof v || symbol.len >= sizeof s) {
        return CB_E_BAD_REQUEST;
    }
    memcpy(v, venue.ptr, venue.len);
    v[venue.len] = '\0';
    memcpy(s, symbol.ptr, symbol.len);
    s[symbol.len] = '\0';
    return feed_store_key(buf, entity, v, s);
}

/* ---- batching and outages ------------------------------------------------------ */

static void
s_note_failure(feed_store_t *store, int err, uint64_t lost)
{
    store->st.failed_batches++;
    store->st.dropped += lost;
    if (store->st.down) {
        return;
    }
    store->st.down = true;
    store->st.outages++;
    int64_t now = cb_time_mono_ns() / 1000000;
    if (store->last_log_ms == 0 || now - store->last_log_ms >= store->cfg.outage_log_ms) {
        store->last_log_ms = now;
        cb_log_warn("market_store_down", "error=\"%s\" dropped=%llu outages=%llu",
                    cb_strerror(err), (unsigned long long) lost,
                    (unsigned long long) store->st.outages);
    }
}

static void
s_note_success(feed_store_t *store, size_t msgs)
{
    store->st.messages += msgs;
    store->st.batches++;
    if (store->st.down) {
        store->st.down = false;
        cb_log_info("market_store_recovered", "dropped=%llu failed_batches=%llu",
                    (unsigned long long) store->st.dropped,
                    (unsigned long long) store->st.failed_batches);
    }
}

/* Queues the commands of one message. Once an append fails the connection is
 * gone with everything queued before it, so the whole batch is dropped and
 * later messages of the batch are dropped too, until the next flush. */
static int
s_queue(feed_store_t *store, s_cmd_t *cmds, int n)
{
    if (store->dropping) {
        store->st.dropped++;
        return store->drop_err;
    }
    for (int i = 0; i < n; i++) {
        int rc = cb_redis_appendv(store->redis, cmds[i].argc, cmds[i].argv, cmds[i].len);
        if (rc != 0) {
            /* The sent batch's replies went with the connection. */
            s_note_failure(store, rc, store->queued_msgs + 1 + store->inflight_msgs);
            store->queued_msgs = 0;
            store->inflight = 0;
            store->inflight_msgs = 0;
            store->st.queued = 0;
            feed_pend_clear(&store->pend);
            store->dropping = true;
            store->drop_err = rc == CB_E_TIMEOUT ? CB_E_TIMEOUT : CB_E_UNAVAILABLE;
            return store->drop_err;
        }
        store->st.queued++;
    }
    store->queued_msgs++;
    if (store->st.queued >= store->cfg.batch_max) {
        feed_store_flush(store);
    }
    return 0;
}

/* Adds one message's write of value to key's entry in the batch (list: one
 * more item, else the new last value): Redis gets one command per key per
 * batch (two for a list) instead of one per message. */
static int
s_pend(feed_store_t *store, const char *key, bool list, const void *value, size_t len)
{
    if (store->dropping) {
        store->st.dropped++;
        return store->drop_err;
    }
    size_t added;
    int rc = feed_pend_add(&store->pend, key, list, value, len, &added);
    if (rc != 0) {
        return rc;
    }
    store->st.queued += added;
    store->queued_msgs++;
    if (store->st.queued >= store->cfg.batch_max || store->queued_msgs >= store->cfg.batch_max) {
        feed_store_flush(store);
    }
    return 0;
}

/* Counts an error reply (or an EXEC whose commands failed). */
static void
s_check_reply(feed_store_t *store, const redisReply *reply)
{
    bool bad = reply->type == REDIS_REPLY_ERROR || reply->type == REDIS_REPLY_NIL;
    for (size_t i = 0; !bad && reply->type == REDIS_REPLY_ARRAY && i < reply->elements; i++) {
        bad = reply->element[i]->type == REDIS_REPLY_ERROR;
    }
    if (!bad) {
        return;
    }
    store->st.error_replies++;
    int64_t now = cb_time_mono_ns() / 1000000;
    if (store->last_err_log_ms == 0 || now - store->last_err_log_ms >= store->cfg.outage_log_ms) {
        store->last_err_log_ms = now;
        cb_log_warn("market_store_refused", "error=\"%s\" error_replies=%llu",
                    reply->type == REDIS_REPLY_ERROR ? reply->str : "EXEC failed",
                    (unsigned long long) store->st.error_replies);
    }
}

/* Reads n replies (the first replies due on the connection), for msgs
 * messages. 0 or the error that lost them and everything queued after them. */
static int
s_replies(feed_store_t *store, size_t n, size_t msgs)
{
    for (size_t i = 0; i < n; i++) {
        int err;
        redisReply *reply = cb_redis_get_reply(store->redis, &err);
        if (reply == NULL) {
            return err == CB_E_TIMEOUT ? CB_E_TIMEOUT : CB_E_UNAVAILABLE;
        }
        s_check_reply(store, reply);
        freeReplyObject(reply);
    }
    s_note_success(store, msgs);
    return 0;
}

/* Reads the replies of the last feed_store_send. On a failure the queued
 * batch is gone too (the connection was dropped): both are counted lost. */
static int
s_collect(feed_store_t *store)
{
    if (store->inflight == 0) {
        return 0;
    }
    int rc = s_replies(store, store->inflight, store->inflight_msgs);
    if (rc != 0) {
        s_note_failure(store, rc, store->inflight_msgs + store->queued_msgs);
        store->queued_msgs = 0;
        store->st.queued = 0;
    }
    store->inflight = 0;
    store->inflight_msgs = 0;
    return rc;
}

/* Sends the queued batch after reading the replies still due from the last
 * send; wait: reads this batch's replies as well (one round trip), else they
 * are left for the next call. */
static int
s_send(feed_store_t *store, bool wait)
{
    int rc = s_collect(store);
    if (store->dropping) {
        store->dropping = false;
        return store->drop_err;
    }
    int arc = feed_pend_append(&store->pend, store->redis, store->cfg.trades_max);
    if (arc != 0) {
        /* The connection is gone with everything queued on it. */
        s_note_failure(store, arc, store->queued_msgs);
        store->queued_msgs = 0;
        store->st.queued = 0;
        return arc == CB_E_TIMEOUT ? CB_E_TIMEOUT : CB_E_UNAVAILABLE;
    }
    if (store->st.queued == 0) {
        return rc;
    }
    rc =
        wait ? s_replies(store, store->st.queued, store->queued_msgs) : cb_redis_flush(store->redis);
    if (rc != 0) {
        s_note_failure(store, rc, store->queued_msgs);
    } else if (!wait) {
        store->inflight = store->st.queued;
        store->inflight_msgs = store->queued_msgs;
    }
    store->queued_msgs = 0;
    store->st.queued = 0;
    return rc == 0 || rc == CB_E_TIMEOUT ? rc : CB_E_UNAVAILABLE;
}

int
feed_store_flush(feed_store_t *store)
{
    return s_send(store, true);
}

int
feed_store_send(feed_store_t *store)
{
    return s_send(store, false);
}

/* ---- writes ------------------------------------------------------------------ */

static void
s_arg(s_cmd_t *c, const char *p, size_t len)
{
    c->argv[c->argc] = p;
    c->len[c->argc] = len;
    c->argc++;
}

static void
s_arg_str(s_cmd_t *c, const char *text)
{
    s_arg(c, text, strlen(text));
}

int
feed_store_put_tick(feed_store_t *store, const cb_tick_t *tick, int64_t recv_ts)
{
    char key[FEED_STORE_KEY_MAX];
    if (s_msg_key(key, "tick", tick->venue, tick->symbol) != 0) {
        return CB_E_BAD_REQUEST;
    }
    cb_buf_reset(&store->scratch);
    int rc = feed_record_encode(&cb_proto_schema_tick, tick, recv_ts, &store->scratch);
    if (rc != 0) {
        return rc;
    }
    return s_pend(store, key, false, store->scratch.data, store->scratch.len);
}

int
feed_store_put_trade(feed_store_t *store, const cb_trade_t *trade, int64_t recv_ts)
{
    char key[FEED_STORE_KEY_MAX];
    if (s_msg_key(key, "trades", trade->venue, trade->symbol) != 0) {
        return CB_E_BAD_REQUEST;
    }
    cb_buf_reset(&store->scratch);
    int rc = feed_record_encode(&cb_proto_schema_trade, trade, recv_ts, &store->scratch);
    if (rc != 0) {
        return rc;
    }
    return s_pend(store, key, true, store->scratch.data, store->scratch.len);
}

int
feed_store_put_book(feed_store_t *store, const cb_book_t *book, int64_t recv_ts)
{
    char key[FEED_STORE_KEY_MAX];
    if (!book->snapshot || s_msg_key(key, "book", book->venue, book->symbol) != 0) {
        return CB_E_BAD_REQUEST;
    }
    cb_book_t top = *book;
    if (top.bids.count > store->cfg.book_depth) {
        top.bids.count = store->cfg.book_depth;
    }
    if (top.asks.count > store->cfg.book_depth) {
        top.asks.count = store->cfg.book_depth;
    }
    cb_buf_reset(&store->scratch);
    int rc = feed_record_encode(&cb_proto_schema_book, &top, recv_ts, &store->scratch);
    if (rc != 0) {
        return rc;
    }
    return s_pend(store, key, false, store->scratch.data, store->scratch.len);
}

int
feed_store_put_candle(feed_store_t *store, const cb_candle_t *candle)
{
    char key[FEED_STORE_KEY_MAX];
    char tf[8];
    if (candle->interval.len >= sizeof tf) {
        return CB_E_BAD_REQUEST;
    }
    memcpy(tf, candle->interval.ptr, candle->interval.len);
    tf[candle->interval.len] = '\0';
    if (s_msg_key(key, "candles", candle->venue, candle->symbol) != 0 ||
        !feed_store_timeframe_valid(tf)) {
        return CB_E_BAD_REQUEST;
    }
    size_t klen = strlen(key);
    snprintf(key + klen, sizeof key - klen, ":%s", tf);
    cb_buf_reset(&store->scratch);
    int rc = cb_proto_encode(&cb_proto_schema_candle, candle, &store->scratch, NULL);
    if (rc != 0) {
        return rc;
    }
    /* Scored by open_ts in ms: exact in a double, unlike ns. */
    char score[24];
    char trim[24];
    int64_t ms = candle->open_ts / 1000000;
    snprintf(score, sizeof score, "%lld", (long long) ms);
    snprintf(trim, sizeof trim, "-%u", store->cfg.candles_max + 1);
    s_cmd_t cmds[5] = {{0}};
    s_arg_str(&cmds[0], "MULTI");
    s_arg_str(&cmds[1], "ZREMRANGEBYSCORE");
    s_arg_str(&cmds[1], key);
    s_arg_str(&cmds[1], score);
    s_arg_str(&cmds[1], score);
    s_arg_str(&cmds[2], "ZADD");
    s_arg_str(&cmds[2], key);
    s_arg_str(&cmds[2], score);
    s_arg(&cmds[2], store->scratch.data, store->scratch.len);
    s_arg_str(&cmds[3], "ZREMRANGEBYRANK");
    s_arg_str(&cmds[3], key);
    s_arg_str(&cmds[3], "0");
    s_arg_str(&cmds[3], trim);
    s_arg_str(&cmds[4], "EXEC");
    return s_queue(store, cmds, 5);
}

int
feed_store_set_instruments(feed_store_t *store, const char *venue, const char *dialect,
                           const cb_instruments_t *list)
{
    char key[FEED_STORE_KEY_MAX];
    if (feed_store_key(key, "instruments", venue, NULL) != 0) {
        return CB_E_BAD_REQUEST;
    }
    cb_buf_reset(&store->scratch);
    int rc = feed_record_encode_instruments(venue, dialect, list, cb_time_now_ns(),
                                            &store->scratch);
    if (rc != 0) {
        return rc;
    }
    char version_key[FEED_STORE_KEY_MAX];
    if (feed_store_key(version_key, "instruments_version", venue, NULL) != 0) {
        return CB_E_BAD_REQUEST;
    }
    s_cmd_t cmds[3] = {{0}};
    s_arg_str(&cmds[0], "SET");
    s_arg_str(&cmds[0], key);
    s_arg(&cmds[0], store->scratch.data, store->scratch.len);
    s_arg_str(&cmds[1], "INCR");
    s_arg_str(&cmds[1], version_key);
    s_arg_str(&cmds[2], "SADD");
    s_arg_str(&cmds[2], FEED_STORE_PREFIX "venues");
    s_arg_str(&cmds[2], venue);
    return s_queue(store, cmds, 3);
}

int
feed_store_set_venue_status(feed_store_t *store, const feed_venue_status_t *status)
{
    char key[FEED_STORE_KEY_MAX];
    if (feed_store_key(key, "status", status->venue, NULL) != 0) {
        return CB_E_BAD_REQUEST;
    }
    cb_buf_reset(&store->scratch);
    int rc = feed_record_encode_status(status, &store->scratch);
    if (rc != 0) {
        return rc;
    }
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%d", store->cfg.status_ttl_ms);
    s_cmd_t cmd = {0};
    s_arg_str(&cmd, "SET");
    s_arg_str(&cmd, key);
    s_arg(&cmd, store->scratch.data, store->scratch.len);
    s_arg_str(&cmd, "PX");
    s_arg_str(&cmd, ttl);
    return s_queue(store, &cmd, 1);
}
