/* feed_store_read.c - market state in Redis: the reads answering queries (ticks, trades, books, candles, instruments, venues) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_redis.h"
#include "feed_store.h"
#include "feed_store_impl.h"

/* ---- reads ------------------------------------------------------------------- */

/* Runs one read command after flushing what is queued (a read would
 * otherwise swallow the batch's replies). NULL with *err set on failure. */
static redisReply *
s_read(feed_store_t *store, int *err, int argc, const char **argv)
{
    if (store->st.queued > 0 || store->inflight > 0 || store->dropping) {
        feed_store_flush(store);
    }
    redisReply *reply = cb_redis_commandv(store->redis, err, argc, argv, NULL);
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
        /* WRONGTYPE and the like: the key does not hold what we wrote. */
        freeReplyObject(reply);
        *err = CB_E_PARSE;
        return NULL;
    }
    if (reply == NULL && *err != CB_E_TIMEOUT) {
        *err = CB_E_UNAVAILABLE;
    }
    return reply;
}

/* GET key into raw: 0, CB_E_NOT_FOUND, or an error of s_read. */
static int
s_get(feed_store_t *store, const char *key, cb_buf_t *raw)
{
    int err;
    const char *argv[] = {"GET", key};
    redisReply *reply = s_read(store, &err, 2, argv);
    if (reply == NULL) {
        return err;
    }
    int rc = 0;
    if (reply->type == REDIS_REPLY_NIL) {
        rc = CB_E_NOT_FOUND;
    } else if (reply->type != REDIS_REPLY_STRING) {
        rc = CB_E_PARSE;
    } else {
        cb_buf_reset(raw);
        rc = cb_buf_append(raw, reply->str, reply->len);
    }
    freeReplyObject(reply);
    return rc;
}

static bool
s_names_match(cb_str_t venue, cb_str_t symbol, const char *want_venue, const char *want_symbol)
{
    return cb_str_eq_cstr(venue, want_venue) && cb_str_eq_cstr(symbol, want_symbol);
}

int
feed_store_get_tick(feed_store_t *store, const char *venue, const char *symbol, feed_tick_t *out)
{
    memset(out, 0, sizeof *out);
    char key[FEED_STORE_KEY_MAX];
    int rc = feed_store_key(key, "tick", venue, symbol);
    rc = rc != 0 ? rc : s_get(store, key, &out->raw);
    if (rc != 0) {
        return rc;
    }
    rc = feed_record_decode(&cb_proto_schema_tick, out->raw.data, out->raw.len, &out->tick,
                            &out->recv_ts);
    if (rc == 0 && !s_names_match(out->tick.venue, out->tick.symbol, venue, symbol)) {
        rc = CB_E_PARSE;
    }
    return rc;
}

int
feed_store_get_book(feed_store_t *store, const char *venue, const char *symbol, feed_book_t *out)
{
    memset(out, 0, sizeof *out);
    char key[FEED_STORE_KEY_MAX];
    int rc = feed_store_key(key, "book", venue, symbol);
    rc = rc != 0 ? rc : s_get(store, key, &out->raw);
    if (rc != 0) {
        return rc;
    }
    rc = feed_record_decode(&cb_proto_schema_book, out->raw.data, out->raw.len, &out->book,
                            &out->recv_ts);
    if (rc == 0 && !s_names_match(out->book.venue, out->book.symbol, venue, symbol)) {
        rc = CB_E_PARSE;
    }
    return rc;
}

/* Copies the string elements of an array reply into raw, their offsets into off. */
static int
s_collect(const redisReply *reply, cb_buf_t *raw, size_t *off)
{
    if (reply->type != REDIS_REPLY_ARRAY) {
        return CB_E_PARSE;
    }
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        if (e->type != REDIS_REPLY_STRING) {
            return CB_E_PARSE;
        }
        off[i] = raw->len;
        if (cb_buf_append(raw, e->str, e->len) != 0) {
            return CB_E_NOMEM;
        }
    }
    off[reply->elements] = raw->len;
    return 0;
}

int
feed_store_get_trades(feed_store_t *store, const char *venue, const char *symbol, unsigned limit,
                      feed_trades_t *out)
{
    memset(out, 0, sizeof *out);
    char key[FEED_STORE_KEY_MAX];
    int rc = feed_store_key(key, "trades", venue, symbol);
    if (rc != 0 || limit == 0 || limit > store->cfg.trades_max) {
        return CB_E_BAD_REQUEST;
    }
    char stop[24];
    snprintf(stop, sizeof stop, "%u", limit - 1);
    const char *argv[] = {"LRANGE", key, "0", stop};
    redisReply *reply = s_read(store, &rc, 4, argv);
    if (reply == NULL) {
        return rc;
    }
    size_t n = reply->type == REDIS_REPLY_ARRAY ? reply->elements : 0;
    size_t *off = calloc(n + 1, sizeof *off);
    out->items = calloc(n + 1, sizeof *out->items);
    out->recv_ts = calloc(n + 1, sizeof *out->recv_ts);
    if (off == NULL || out->items == NULL || out->recv_ts == NULL) {
        rc = CB_E_NOMEM;
        goto done;
    }
    rc = s_collect(reply, &out->raw, off);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        cb_trade_t *t = &out->items[i];
        rc = feed_record_decode(&cb_proto_schema_trade, out->raw.data + off[i], off[i + 1] - off[i],
                                t, &out->recv_ts[i]);
        if (rc == 0 && !s_names_match(t->venue, t->symbol, venue, symbol)) {
            rc = CB_E_PARSE;
        }
        out->count = rc == 0 ? i + 1 : out->count;
    }

done:
    free(off);
    freeReplyObject(reply);
    return rc;
}

int
feed_store_get_candles(feed_store_t *store, const char *venue, const char *symbol, const char *tf,
                       unsigned limit, feed_candle_list_t *out)
{
    memset(out, 0, sizeof *out);
    char key[FEED_STORE_KEY_MAX];
    int rc = feed_store_candle_key(key, venue, symbol, tf);
    if (rc != 0 || limit == 0 || limit > store->cfg.candles_max) {
        return CB_E_BAD_REQUEST;
    }
    char start[24];
    snprintf(start, sizeof start, "-%u", limit);
    const char *argv[] = {"ZRANGE", key, start, "-1"};
    redisReply *reply = s_read(store, &rc, 4, argv);
    if (reply == NULL) {
        return rc;
    }
    size_t n = reply->type == REDIS_REPLY_ARRAY ? reply->elements : 0;
    size_t *off = calloc(n + 1, sizeof *off);
    out->items = calloc(n + 1, sizeof *out->items);
    if (off == NULL || out->items == NULL) {
        rc = CB_E_NOMEM;
        goto done;
    }
    rc = s_collect(reply, &out->raw, off);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        cb_candle_t *c = &out->items[i];
        if (cb_proto_decode(&cb_proto_schema_candle, out->raw.data + off[i], off[i + 1] - off[i],
                            c, NULL) != 0 ||
            !s_names_match(c->venue, c->symbol, venue, symbol) ||
            !cb_str_eq_cstr(c->interval, tf) || (i > 0 && c->open_ts <= c[-1].open_ts)) {
            rc = CB_E_PARSE;
        }
        out->count = rc == 0 ? i + 1 : out->count;
    }

done:
    free(off);
    freeReplyObject(reply);
    return rc;
}

int
feed_store_get_instruments(feed_store_t *store, const char *venue, feed_instruments_t *out)
{
    memset(out, 0, sizeof *out);
    char key[FEED_STORE_KEY_MAX];
    int rc = feed_store_key(key, "instruments", venue, NULL);
    rc = rc != 0 ? rc : s_get(store, key, &store->scratch);
    if (rc != 0) {
        return rc;
    }
    rc = feed_record_decode_instruments(store->scratch.data, store->scratch.len, out);
    if (rc == 0 && strcmp(out->venue, venue) != 0) {
        rc = CB_E_PARSE;
    }
    return rc;
}

int
feed_store_get_instruments_version(feed_store_t *store, const char *venue, int64_t *version)
{
    char key[FEED_STORE_KEY_MAX];
    int rc = feed_store_key(key, "instruments_version", venue, NULL);
    rc = rc != 0 ? rc : s_get(store, key, &store->scratch);
    if (rc != 0) {
        return rc;
    }
    char text[24];
    if (store->scratch.len == 0 || store->scratch.len >= sizeof text) {
        return CB_E_PARSE;
    }
    memcpy(text, store->scratch.data, store->scratch.len);
    text[store->scratch.len] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0') {
        return CB_E_PARSE;
    }
    *version = v;
    return 0;
}

int
feed_store_get_venue_status(feed_store_t *store, const char *venue, feed_venue_status_t *out)
{
    memset(out, 0, sizeof *out);
    char key[FEED_STORE_KEY_MAX];
    int rc = feed_store_key(key, "status", venue, NULL);
    rc = rc != 0 ? rc : s_get(store, key, &store->scratch);
    if (rc != 0) {
        return rc;
    }
    rc = feed_record_decode_status(store->scratch.data, store->scratch.len, out);
    if (rc == 0 && strcmp(out->venue, venue) != 0) {
        rc = CB_E_PARSE;
    }
    return rc;
}

static int
s_cmp_names(const void *a, const void *b)
{
    return strcmp(a, b);
}

int
feed_store_get_venues(feed_store_t *store, char (*names)[CB_VENUE_NAME_MAX + 1], size_t cap,
                      size_t *count)
{
    *count = 0;
    int rc;
    const char *argv[] = {"SMEMBERS", FEED_STORE_PREFIX "venues"};
    redisReply *reply = s_read(store, &rc, 2, argv);
    if (reply == NULL) {
        return rc;
    }
    rc = reply->type == REDIS_REPLY_ARRAY ? 0 : CB_E_PARSE;
    for (size_t i = 0; rc == 0 && i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        if (e->type != REDIS_REPLY_STRING || e->len > CB_VENUE_NAME_MAX ||
            !cb_proto_name_valid(e->str, e->len, CB_VENUE_NAME_MAX)) {
            rc = CB_E_PARSE;
        } else if (*count < cap) {
            memcpy(names[*count], e->str, e->len);
            names[*count][e->len] = '\0';
            (*count)++;
        }
    }
    freeReplyObject(reply);
    if (rc != 0) {
        *count = 0;
        return rc;
    }
    qsort(names, *count, sizeof names[0], s_cmp_names);
    return 0;
}
