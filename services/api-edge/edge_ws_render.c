/* edge_ws_render.c - the /ws server messages rendered straight into buffers: exact decimals, ISO 8601 times */
#include <stdint.h>
#include <string.h>

#include "cb_error.h"
#include "cb_json.h"
#include "cb_time.h"
#include "edge_ws_render.h"

/* Each helper appends ,"key":value (the comma only when comma is set) and
 * returns 0 or non-zero on no memory; callers OR the results and map any
 * failure to CB_E_NOMEM once. */
static int
s_key(cb_buf_t *out, const char *key)
{
    return cb_buf_append_str(out, ",\"") | cb_buf_append_str(out, key) |
           cb_buf_append(out, "\":", 2);
}

static int
s_str(cb_buf_t *out, const char *key, const char *s, size_t len)
{
    return s_key(out, key) | cb_json_write_string(out, s, len);
}

static int
s_cstr(cb_buf_t *out, const char *key, const char *s)
{
    return s_str(out, key, s, strlen(s));
}

static int
s_dec(cb_buf_t *out, const char *key, cb_decimal_t d)
{
    return s_key(out, key) | cb_json_write_decimal(out, d);
}

static int
s_u64(cb_buf_t *out, const char *key, uint64_t v)
{
    return s_key(out, key) | cb_buf_appendf(out, "%llu", (unsigned long long) v);
}

static int
s_bool(cb_buf_t *out, const char *key, bool v)
{
    return s_key(out, key) | cb_buf_append_str(out, v ? "true" : "false");
}

static int
s_time(cb_buf_t *out, const char *key, int64_t ns)
{
    char iso[CB_TIME_ISO_LEN];
    size_t n = cb_time_format_iso(ns, iso, sizeof iso);
    return s_str(out, key, iso, n);
}

/* {"type":"<type>" (no closing brace) */
static int
s_open(cb_buf_t *out, const char *type)
{
    return cb_buf_append_str(out, "{\"type\":\"") | cb_buf_append_str(out, type) |
           cb_buf_append_char(out, '"');
}

static int
s_close(cb_buf_t *out, int rc)
{
    rc |= cb_buf_append_char(out, '}');
    return rc != 0 ? CB_E_NOMEM : 0;
}

/* ,"symbol":..,"venue":.. of a push. */
static int
s_where(cb_buf_t *out, const char *symbol, cb_str_t venue)
{
    return s_cstr(out, "symbol", symbol) | s_str(out, "venue", venue.ptr, venue.len);
}

int
edge_ws_render_connected(cb_buf_t *out, uint64_t id, int64_t now_ns, const edge_ws_config_t *cfg)
{
    int rc = s_open(out, "connected") | s_u64(out, "id", id) | s_time(out, "server_time", now_ns);
    rc |= s_key(out, "channels") | cb_buf_append_char(out, '[');
    for (int c = 0; c < EDGE_WS_CH_COUNT; c++) {
        rc |= cb_buf_appendf(out, "%s\"%s\"", c > 0 ? "," : "",
                             edge_ws_channel_name((edge_ws_channel_t) c));
    }
    rc |= cb_buf_append_char(out, ']') | s_key(out, "limits");
    rc |= cb_buf_appendf(out,
                         "{\"max_msg_bytes\":%zu,\"max_in_per_sec\":%u,\"max_subscriptions\":%zu,"
                         "\"idle_timeout_ms\":%lld,\"ping_interval_ms\":%lld}",
                         cfg->max_msg_bytes, (unsigned) cfg->max_in_per_sec, cfg->max_subscriptions,
                         (long long) cfg->idle_timeout_ms, (long long) cfg->ping_interval_ms);
    return s_close(out, rc);
}

/* ,"symbol":..,"venue":..|null[,"timeframe":..] after a subscription's channel. */
static int
s_sub_tail(cb_buf_t *out, edge_ws_channel_t channel, const char *symbol, const char *venue,
           unsigned timeframe)
{
    int rc = symbol[0] != '\0' ? s_cstr(out, "symbol", symbol)
                                : s_key(out, "symbol") | cb_buf_append_str(out, "null");
    if (venue[0] != '\0') {
        rc |= s_cstr(out, "venue", venue);
    } else {
        rc |= s_key(out, "venue") | cb_buf_append_str(out, "null");
    }
    if (channel == EDGE_WS_CH_CANDLES) {
        rc |= s_cstr(out, "timeframe", edge_ws_tf_name(timeframe));
    }
    return rc;
}

int
edge_ws_render_sub(cb_buf_t *out, const char *type, edge_ws_channel_t channel, const char *symbol,
                   const char *venue, unsigned timeframe)
{
    int rc = s_open(out, type) | s_cstr(out, "channel", edge_ws_channel_name(channel)) |
             s_sub_tail(out, channel, symbol, venue, timeframe);
    return s_close(out, rc);
}

int
edge_ws_render_subs_open(cb_buf_t *out)
{
    int rc =
        s_open(out, "subscriptions") | s_key(out, "subscriptions") | cb_buf_append_char(out, '[');
    return rc != 0 ? CB_E_NOMEM : 0;
}

int
edge_ws_render_sub_item(cb_buf_t *out, bool first, edge_ws_channel_t channel, const char *symbol,
                        const char *venue, unsigned timeframe)
{
    int rc = cb_buf_appendf(out, "%s{\"channel\":\"%s\"", first ? "" : ",",
                            edge_ws_channel_name(channel));
    rc |= s_sub_tail(out, channel, symbol, venue, timeframe);
    return s_close(out, rc);
}

int
edge_ws_render_close_list(cb_buf_t *out)
{
    return cb_buf_append_str(out, "]}") != 0 ? CB_E_NOMEM : 0;
}

int
edge_ws_render_error(cb_buf_t *out, const char *error, const char *detail)
{
    int rc = s_open(out, "error") | s_cstr(out, "error", error) | s_key(out, "detail");
    if (cb_json_write_string(out, detail, strlen(detail)) != 0) {
        rc |= cb_buf_append_str(out, "\"\""); /* a detail that is not UTF-8 is left out */
    }
    return s_close(out, rc);
}

int
edge_ws_render_pong(cb_buf_t *out, const cb_buf_t *id_json)
{
    int rc = s_open(out, "pong");
    if (id_json->len > 0) {
        rc |= s_key(out, "id") | cb_buf_append(out, id_json->data, id_json->len);
    }
    return s_close(out, rc);
}

int
edge_ws_render_tick(cb_buf_t *out, const char *symbol, const cb_event_t *ev)
{
    const cb_tick_t *t = &ev->body.tick;
    cb_decimal_t price = t->last;
    if (!CB_PROTO_HAS(t, tick, last)) {
        /* The mid, exact: halving needs one more fraction digit at most. */
        cb_decimal_t sum;
        unsigned scale = (t->bid.scale > t->ask.scale ? t->bid.scale : t->ask.scale) + 1u;
        if (cb_decimal_add(t->bid, t->ask, &sum) != 0 ||
            cb_decimal_div(sum, cb_decimal_from_int(2),
                           scale > CB_DECIMAL_MAX_SCALE ? CB_DECIMAL_MAX_SCALE : scale,
                           CB_ROUND_HALF_EVEN, &price) != 0) {
            price = t->bid;
        }
        price = cb_decimal_normalize(price);
    }
    int rc = s_open(out, "price_update") | s_where(out, symbol, t->venue);
    rc |= s_dec(out, "price", price) | s_dec(out, "bid", t->bid) | s_dec(out, "ask", t->ask);
    if (CB_PROTO_HAS(t, tick, bid_qty)) {
        rc |= s_dec(out, "bid_qty", t->bid_qty);
    }
    if (CB_PROTO_HAS(t, tick, ask_qty)) {
        rc |= s_dec(out, "ask_qty", t->ask_qty);
    }
    rc |= s_time(out, "timestamp", ev->env.ts) | s_u64(out, "seq", ev->env.seq);
    return s_close(out, rc);
}

int
edge_ws_render_trade(cb_buf_t *out, const char *symbol, const cb_event_t *ev)
{
    const cb_trade_t *t = &ev->body.trade;
    int rc = s_open(out, "trade") | s_where(out, symbol, t->venue);
    rc |= s_dec(out, "price", t->price) | s_dec(out, "qty", t->qty) |
          s_str(out, "side", t->side.ptr, t->side.len);
    if (CB_PROTO_HAS(t, trade, trade_id)) {
        rc |= s_str(out, "trade_id", t->trade_id.ptr, t->trade_id.len);
    }
    int64_t ts = CB_PROTO_HAS(t, trade, exch_ts) ? t->exch_ts : ev->env.ts;
    rc |= s_time(out, "timestamp", ts) | s_u64(out, "seq", ev->env.seq);
    return s_close(out, rc);
}

int
edge_ws_render_candle(cb_buf_t *out, const char *symbol, const cb_event_t *ev)
{
    const cb_candle_t *c = &ev->body.candle;
    int rc = s_open(out, "candle") | s_where(out, symbol, c->venue);
    rc |= s_str(out, "timeframe", c->interval.ptr, c->interval.len) | s_time(out, "t", c->open_ts);
    rc |= s_dec(out, "o", c->open) | s_dec(out, "h", c->high) | s_dec(out, "l", c->low) |
          s_dec(out, "c", c->close) | s_dec(out, "v", c->volume);
    rc |= s_bool(out, "closed", c->closed) | s_u64(out, "seq", ev->env.seq);
    return s_close(out, rc);
}

static int
s_levels(cb_buf_t *out, const char *key, const cb_levels_t *levels)
{
    int rc = s_key(out, key) | cb_buf_append_char(out, '[');
    for (uint32_t i = 0; i < levels->count; i++) {
        rc |= cb_buf_append_str(out, i > 0 ? ",[" : "[") |
              cb_json_write_decimal(out, levels->items[i].price) | cb_buf_append_char(out, ',') |
              cb_json_write_decimal(out, levels->items[i].qty) | cb_buf_append_char(out, ']');
    }
    return rc | cb_buf_append_char(out, ']');
}

int
edge_ws_render_book(cb_buf_t *out, const char *symbol, const char *venue, bool snapshot,
                    const cb_levels_t *bids, const cb_levels_t *asks, bool resyncing, uint64_t seq,
                    int64_t ts_ns)
{
    int rc = s_open(out, "book_update") | s_where(out, symbol, cb_str_from(venue));
    rc |= s_bool(out, "snapshot", snapshot) | s_levels(out, "bids", bids) |
          s_levels(out, "asks", asks);
    rc |= s_bool(out, "resyncing", resyncing) | s_u64(out, "seq", seq) |
          s_time(out, "timestamp", ts_ns);
    return s_close(out, rc);
}

int
edge_ws_render_resync(cb_buf_t *out, const char *symbol, const char *venue)
{
    int rc = s_open(out, "resync") | s_where(out, symbol, cb_str_from(venue)) |
             s_cstr(out, "channel", "book");
    return s_close(out, rc);
}

int
edge_ws_render_stale(cb_buf_t *out, const char *symbol, const char *venue, int64_t since_ns)
{
    int rc = s_open(out, "stale") | s_where(out, symbol, cb_str_from(venue)) |
             s_time(out, "since", since_ns);
    return s_close(out, rc);
}

int
edge_ws_render_authenticated(cb_buf_t *out, const char *key_id, const char *scope,
                             int64_t recheck_ms)
{
    int rc = s_open(out, "authenticated") | s_cstr(out, "key_id", key_id) |
             s_cstr(out, "scope", scope);
    rc |= s_key(out, "recheck_ms") | cb_buf_appendf(out, "%lld", (long long) recheck_ms);
    return s_close(out, rc);
}

/* ,"key":"<text>" when the order field is present. */
#define S_OPT_STR(o, field, key)                                                                   \
    (CB_PROTO_HAS(o, order, field) ? s_str(out, key, (o)->field.ptr, (o)->field.len) : 0)
#define S_OPT_DEC(o, field, key) (CB_PROTO_HAS(o, order, field) ? s_dec(out, key, (o)->field) : 0)
#define S_OPT_MS(o, field, key) (CB_PROTO_HAS(o, order, field) ? s_ms(out, key, (o)->field) : 0)

/* ,"key":"<ISO>" of a Unix ms time; nothing when out of range. */
static int
s_ms(cb_buf_t *out, const char *key, int64_t ms)
{
    return ms >= 0 && ms <= INT64_MAX / 1000000 ? s_time(out, key, ms * 1000000) : 0;
}

int
edge_ws_render_order(cb_buf_t *out, const cb_event_t *ev)
{
    const cb_order_t *o = &ev->body.order;
    int rc = s_open(out, "order");
    rc |= CB_PROTO_HAS(o, order, event) ? s_str(out, "event", o->event.ptr, o->event.len)
                                        : s_cstr(out, "event", "updated");
    cb_str_t id = CB_PROTO_HAS(o, order, client_order_id) ? o->client_order_id : o->order_id;
    rc |= s_str(out, "id", id.ptr, id.len) | S_OPT_STR(o, client_order_id, "client_order_id");
    rc |= s_str(out, "order_id", o->order_id.ptr, o->order_id.len) |
          S_OPT_STR(o, venue_order_id, "venue_order_id");
    rc |= s_str(out, "venue", o->venue.ptr, o->venue.len) |
          s_str(out, "symbol", o->symbol.ptr, o->symbol.len);
    rc |= s_str(out, "side", o->side.ptr, o->side.len) |
          s_str(out, "order_type", o->type.ptr, o->type.len) |
          S_OPT_STR(o, time_in_force, "time_in_force");
    rc |= s_str(out, "status", o->status.ptr, o->status.len) | s_dec(out, "amount", o->amount) |
          s_dec(out, "filled", o->filled);
    rc |= S_OPT_DEC(o, price, "price") | S_OPT_DEC(o, stop_price, "stop_price") |
          S_OPT_DEC(o, avg_price, "avg_price") | S_OPT_DEC(o, fee, "fee") |
          S_OPT_STR(o, fee_asset, "fee_asset");
    rc |= S_OPT_STR(o, reason, "reason") | S_OPT_STR(o, replaces, "replaces");
    rc |= S_OPT_MS(o, created_ms, "created") | S_OPT_MS(o, updated_ms, "updated");
    rc |= s_time(out, "timestamp", ev->env.ts) | s_u64(out, "seq", ev->env.seq);
    return s_close(out, rc);
}
