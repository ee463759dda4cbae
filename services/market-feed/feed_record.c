/* feed_record.c - the bytes feed_store keeps in Redis: messages with their receive time, instruments, venue status */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_mp.h"
#include "feed_record.h"

/* ---- messages ---------------------------------------------------------------- */

int
feed_record_encode(const cb_proto_schema_t *schema, const void *msg, int64_t recv_ts,
                   cb_buf_t *out)
{
    cb_buf_t body = {0};
    int rc = cb_proto_encode(schema, msg, &body, NULL);
    if (rc != 0) {
        goto done;
    }
    /* Re-head the map with one more pair and append recv_ts after the fields. */
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, body.data, body.len);
    uint32_t count;
    if (cb_mp_read_map(&r, &count) != 0) {
        rc = CB_E_INTERNAL;
        goto done;
    }
    size_t head = (size_t) (r.pos - (const uint8_t *) body.data);
    rc = cb_mp_write_map(out, count + 1);
    if (rc == 0) {
        rc = cb_buf_append(out, body.data + head, body.len - head);
    }
    if (rc == 0) {
        rc = cb_mp_write_str(out, FEED_RECORD_RECV_TS, strlen(FEED_RECORD_RECV_TS));
    }
    if (rc == 0) {
        rc = cb_mp_write_int(out, recv_ts);
    }

done:
    cb_buf_fini(&body);
    return rc;
}

/* Finds the one integer "recv_ts" of a top-level map. */
static int
s_read_recv_ts(const void *data, size_t len, int64_t *recv_ts)
{
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, data, len);
    uint32_t count;
    if (cb_mp_read_map(&r, &count) != 0) {
        return CB_E_PARSE;
    }
    bool seen = false;
    for (uint32_t i = 0; i < count; i++) {
        const char *k;
        size_t kl;
        if (cb_mp_read_str(&r, &k, &kl) != 0) {
            return CB_E_PARSE;
        }
        if (kl == strlen(FEED_RECORD_RECV_TS) && memcmp(k, FEED_RECORD_RECV_TS, kl) == 0) {
            if (seen || cb_mp_read_int(&r, recv_ts) != 0) {
                return CB_E_PARSE;
            }
            seen = true;
        } else if (cb_mp_skip(&r, NULL, NULL) != 0) {
            return CB_E_PARSE;
        }
    }
    return seen && cb_mp_at_end(&r) ? 0 : CB_E_PARSE;
}

int
feed_record_decode(const cb_proto_schema_t *schema, const void *data, size_t len, void *msg,
                   int64_t *recv_ts)
{
    if (cb_proto_decode(schema, data, len, msg, NULL) != 0) {
        return CB_E_PARSE;
    }
    return s_read_recv_ts(data, len, recv_ts);
}

void
feed_tick_fini(feed_tick_t *t)
{
    cb_buf_fini(&t->raw);
    memset(t, 0, sizeof *t);
}

void
feed_book_fini(feed_book_t *b)
{
    cb_proto_clear(&cb_proto_schema_book, &b->book);
    cb_buf_fini(&b->raw);
    memset(b, 0, sizeof *b);
}

void
feed_trades_fini(feed_trades_t *t)
{
    free(t->items);
    free(t->recv_ts);
    cb_buf_fini(&t->raw);
    memset(t, 0, sizeof *t);
}

void
feed_candle_list_fini(feed_candle_list_t *c)
{
    free(c->items);
    cb_buf_fini(&c->raw);
    memset(c, 0, sizeof *c);
}

/* ---- small writers and readers ----------------------------------------------- */

static int
s_put_str(cb_buf_t *b, const char *key, const char *value)
{
    int rc = cb_mp_write_str(b, key, strlen(key));
    return rc != 0 ? rc : cb_mp_write_str(b, value, strlen(value));
}

static int
s_put_dec(cb_buf_t *b, const char *key, cb_decimal_t value)
{
    char text[CB_DECIMAL_STR_MAX];
    if (cb_decimal_format(value, text, sizeof text) < 0) {
        return CB_E_BAD_REQUEST;
    }
    return s_put_str(b, key, text);
}

static int
s_put_int(cb_buf_t *b, const char *key, int64_t value)
{
    int rc = cb_mp_write_str(b, key, strlen(key));
    return rc != 0 ? rc : cb_mp_write_int(b, value);
}

static bool
s_key_is(const char *k, size_t kl, const char *name)
{
    return kl == strlen(name) && memcmp(k, name, kl) == 0;
}

/* Reads a str into a NUL-terminated buffer of cap bytes (len < cap). */
static int
s_get_text(cb_mp_reader_t *r, char *out, size_t cap)
{
    const char *s;
    size_t len;
    if (cb_mp_read_str(r, &s, &len) != 0 || len >= cap || memchr(s, '\0', len) != NULL) {
        return CB_E_PARSE;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

static int
s_get_dec(cb_mp_reader_t *r, cb_decimal_t *out)
{
    const char *s;
    size_t len;
    if (cb_mp_read_str(r, &s, &len) != 0 || cb_decimal_parse(s, len, out) != 0) {
        return CB_E_PARSE;
    }
    return 0;
}

/* Marks bit in *seen; CB_E_PARSE when the key came before. */
static int
s_once(uint32_t *seen, unsigned bit)
{
    if (*seen & (1u << bit)) {
        return CB_E_PARSE;
    }
    *seen |= 1u << bit;
    return 0;
}

/* ---- instruments ------------------------------------------------------------- */

void
feed_instruments_fini(feed_instruments_t *ins)
{
    cb_instruments_fini(&ins->list);
    memset(ins, 0, sizeof *ins);
}

static int
s_encode_instrument(const cb_instrument_t *in, cb_buf_t *out)
{
    if (!cb_proto_symbol_valid(in->symbol, strlen(in->symbol))) {
        return CB_E_BAD_REQUEST;
    }
    int rc = cb_mp_write_map(out, 8);
    rc = rc != 0 ? rc : s_put_str(out, "symbol", in->symbol);
    rc = rc != 0 ? rc : s_put_str(out, "native", in->native);
    rc = rc != 0 ? rc : s_put_dec(out, "tick_size", in->tick_size);
    rc = rc != 0 ? rc : s_put_dec(out, "lot_size", in->lot_size);
    rc = rc != 0 ? rc : s_put_dec(out, "min_qty", in->min_qty);
    rc = rc != 0 ? rc : s_put_dec(out, "min_notional", in->min_notional);
    rc = rc != 0 ? rc : s_put_dec(out, "maker_fee", in->maker_fee);
    rc = rc != 0 ? rc : s_put_dec(out, "taker_fee", in->taker_fee);
    return rc;
}

int
feed_record_encode_instruments(const char *venue, const char *dialect,
                               const cb_instruments_t *list, int64_t updated_ts, cb_buf_t *out)
{
    if (!cb_proto_name_valid(venue, strlen(venue), CB_VENUE_NAME_MAX) ||
        !cb_proto_name_valid(dialect, strlen(dialect), 15)) {
        return CB_E_BAD_REQUEST;
    }
    int rc = cb_mp_write_map(out, 4);
    rc = rc != 0 ? rc : s_put_str(out, "venue", venue);
    rc = rc != 0 ? rc : s_put_str(out, "dialect", dialect);
    rc = rc != 0 ? rc : s_put_int(out, "updated_ts", updated_ts);
    rc = rc != 0 ? rc : cb_mp_write_str(out, "instruments", 11);
    rc = rc != 0 ? rc : cb_mp_write_array(out, (uint32_t) list->count);
    for (size_t i = 0; rc == 0 && i < list->count; i++) {
        rc = s_encode_instrument(&list->items[i], out);
    }
    return rc;
}

enum { S_IN_SYMBOL, S_IN_NATIVE, S_IN_TICK, S_IN_LOT, S_IN_MINQ, S_IN_MINN, S_IN_MAKER, S_IN_TAKER };

static int
s_decode_instrument(cb_mp_reader_t *r, cb_instrument_t *in)
{
    memset(in, 0, sizeof *in);
    uint32_t count;
    uint32_t seen = 0;
    if (cb_mp_read_map(r, &count) != 0) {
        return CB_E_PARSE;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *k;
        size_t kl;
        int rc;
        if (cb_mp_read_str(r, &k, &kl) != 0) {
            return CB_E_PARSE;
        }
        if (s_key_is(k, kl, "symbol")) {
            rc = s_once(&seen, S_IN_SYMBOL) ? CB_E_PARSE : s_get_text(r, in->symbol, sizeof in->symbol);
        } else if (s_key_is(k, kl, "native")) {
            rc = s_once(&seen, S_IN_NATIVE) ? CB_E_PARSE : s_get_text(r, in->native, sizeof in->native);
        } else if (s_key_is(k, kl, "tick_size")) {
            rc = s_once(&seen, S_IN_TICK) ? CB_E_PARSE : s_get_dec(r, &in->tick_size);
        } else if (s_key_is(k, kl, "lot_size")) {
            rc = s_once(&seen, S_IN_LOT) ? CB_E_PARSE : s_get_dec(r, &in->lot_size);
        } else if (s_key_is(k, kl, "min_qty")) {
            rc = s_once(&seen, S_IN_MINQ) ? CB_E_PARSE : s_get_dec(r, &in->min_qty);
        } else if (s_key_is(k, kl, "min_notional")) {
            rc = s_once(&seen, S_IN_MINN) ? CB_E_PARSE : s_get_dec(r, &in->min_notional);
        } else if (s_key_is(k, kl, "maker_fee")) {
            rc = s_once(&seen, S_IN_MAKER) ? CB_E_PARSE : s_get_dec(r, &in->maker_fee);
        } else if (s_key_is(k, kl, "taker_fee")) {
            rc = s_once(&seen, S_IN_TAKER) ? CB_E_PARSE : s_get_dec(r, &in->taker_fee);
        } else {
            rc = cb_mp_skip(r, NULL, NULL);
        }
        if (rc != 0) {
            return CB_E_PARSE;
        }
    }
    if (seen != 0xffu || !cb_proto_symbol_valid(in->symbol, strlen(in->symbol)) ||
        cb_decimal_sign(in->maker_fee) < 0 || cb_decimal_sign(in->taker_fee) < 0) {
        return CB_E_PARSE;
    }
    const char *dash = strchr(in->symbol, '-');
    snprintf(in->base, sizeof in->base, "%.*s", (int) (dash - in->symbol), in->symbol);
    snprintf(in->quote, sizeof in->quote, "%s", dash + 1);
    snprintf(in->altname, sizeof in->altname, "%s", in->native);
    in->trading = true;
    return 0;
}

enum { S_IS_VENUE, S_IS_DIALECT, S_IS_UPDATED, S_IS_LIST };

int
feed_record_decode_instruments(const void *data, size_t len, feed_instruments_t *out)
{
    memset(out, 0, sizeof *out);
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, data, len);
    uint32_t count;
    uint32_t seen = 0;
    if (cb_mp_read_map(&r, &count) != 0) {
        return CB_E_PARSE;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *k;
        size_t kl;
        int rc = 0;
        if (cb_mp_read_str(&r, &k, &kl) != 0) {
            return CB_E_PARSE;
        }
        if (s_key_is(k, kl, "venue")) {
            rc = s_once(&seen, S_IS_VENUE) ? CB_E_PARSE : s_get_text(&r, out->venue, sizeof out->venue);
        } else if (s_key_is(k, kl, "dialect")) {
            rc = s_once(&seen, S_IS_DIALECT) ? CB_E_PARSE
                                             : s_get_text(&r, out->dialect, sizeof out->dialect);
        } else if (s_key_is(k, kl, "updated_ts")) {
            rc = s_once(&seen, S_IS_UPDATED) ? CB_E_PARSE : cb_mp_read_int(&r, &out->updated_ts);
        } else if (s_key_is(k, kl, "instruments")) {
            uint32_t n;
            rc = s_once(&seen, S_IS_LIST) ? CB_E_PARSE : cb_mp_read_array(&r, &n);
            for (uint32_t j = 0; rc == 0 && j < n; j++) {
                cb_instrument_t in;
                rc = s_decode_instrument(&r, &in);
                rc = rc != 0 ? rc : cb_instruments_add(&out->list, &in);
            }
        } else {
            rc = cb_mp_skip(&r, NULL, NULL);
        }
        if (rc != 0) {
            return rc == CB_E_NOMEM ? rc : CB_E_PARSE;
        }
    }
    if (seen != 0xfu || !cb_mp_at_end(&r) ||
        !cb_proto_name_valid(out->venue, strlen(out->venue), CB_VENUE_NAME_MAX) ||
        !cb_proto_name_valid(out->dialect, strlen(out->dialect), 15)) {
        return CB_E_PARSE;
    }
    return 0;
}

/* ---- venue status ------------------------------------------------------------ */

#define S_CIRCUIT_STATES "closed|open|half_open"

int
feed_record_encode_status(const feed_venue_status_t *st, cb_buf_t *out)
{
    if (!cb_proto_name_valid(st->venue, strlen(st->venue), CB_VENUE_NAME_MAX) ||
        !cb_proto_name_valid(st->stream, strlen(st->stream), 32) ||
        !cb_proto_enum_valid(S_CIRCUIT_STATES, st->circuit, strlen(st->circuit))) {
        return CB_E_BAD_REQUEST;
    }
    int rc = cb_mp_write_map(out, 6);
    rc = rc != 0 ? rc : s_put_str(out, "venue", st->venue);
    rc = rc != 0 ? rc : s_put_str(out, "stream", st->stream);
    rc = rc != 0 ? rc : s_put_str(out, "circuit", st->circuit);
    rc = rc != 0 ? rc : s_put_int(out, "last_msg_ts", st->last_msg_ts);
    rc = rc != 0 ? rc : cb_mp_write_str(out, "reconnects", 10);
    rc = rc != 0 ? rc : cb_mp_write_uint(out, st->reconnects);
    rc = rc != 0 ? rc : s_put_int(out, "updated_ts", st->updated_ts);
    return rc;
}

enum { S_ST_VENUE, S_ST_STREAM, S_ST_CIRCUIT, S_ST_LAST, S_ST_RECONNECTS, S_ST_UPDATED };

int
feed_record_decode_status(const void *data, size_t len, feed_venue_status_t *out)
{
    memset(out, 0, sizeof *out);
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, data, len);
    uint32_t count;
    uint32_t seen = 0;
    if (cb_mp_read_map(&r, &count) != 0) {
        return CB_E_PARSE;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *k;
        size_t kl;
        int rc;
        if (cb_mp_read_str(&r, &k, &kl) != 0) {
            return CB_E_PARSE;
        }
        if (s_key_is(k, kl, "venue")) {
            rc = s_once(&seen, S_ST_VENUE) ? CB_E_PARSE : s_get_text(&r, out->venue, sizeof out->venue);
        } else if (s_key_is(k, kl, "stream")) {
            rc = s_once(&seen, S_ST_STREAM) ? CB_E_PARSE
                                            : s_get_text(&r, out->stream, sizeof out->stream);
        } else if (s_key_is(k, kl, "circuit")) {
            rc = s_once(&seen, S_ST_CIRCUIT) ? CB_E_PARSE
                                             : s_get_text(&r, out->circuit, sizeof out->circuit);
        } else if (s_key_is(k, kl, "last_msg_ts")) {
            rc = s_once(&seen, S_ST_LAST) ? CB_E_PARSE : cb_mp_read_int(&r, &out->last_msg_ts);
        } else if (s_key_is(k, kl, "reconnects")) {
            rc = s_once(&seen, S_ST_RECONNECTS) ? CB_E_PARSE
                                                : cb_mp_read_uint(&r, &out->reconnects);
        } else if (s_key_is(k, kl, "updated_ts")) {
            rc = s_once(&seen, S_ST_UPDATED) ? CB_E_PARSE : cb_mp_read_int(&r, &out->updated_ts);
        } else {
            rc = cb_mp_skip(&r, NULL, NULL);
        }
        if (rc != 0) {
            return CB_E_PARSE;
        }
    }
    if (seen != 0x3fu || !cb_mp_at_end(&r) ||
        !cb_proto_name_valid(out->venue, strlen(out->venue), CB_VENUE_NAME_MAX) ||
        !cb_proto_name_valid(out->stream, strlen(out->stream), 32) ||
        !cb_proto_enum_valid(S_CIRCUIT_STATES, out->circuit, strlen(out->circuit))) {
        return CB_E_PARSE;
    }
    return 0;
}
