/* cb_topic.c - pub/sub topics "<kind>.<SYMBOL>.<venue>": format, parse, match */
#include <string.h>

#include "cb_error.h"
#include "cb_topic.h"

/* The symbol slot: BASE-QUOTE, ALL (kinds about no one symbol), or for
 * sentiment an asset ("BTC"). */
static bool
s_symbol_slot_valid(cb_kind_t kind, cb_str_t symbol)
{
    if (kind == CB_KIND_sentiment) {
        return cb_proto_asset_valid(symbol.ptr, symbol.len);
    }
    return cb_str_eq(symbol, CB_STR(CB_TOPIC_ALL)) ||
           cb_proto_symbol_valid(symbol.ptr, symbol.len);
}

int
cb_topic_format(cb_kind_t kind, cb_str_t symbol, cb_str_t venue, char *buf, size_t size)
{
    const char *name = cb_kind_name(kind);
    if (name == NULL || symbol.ptr == NULL || venue.ptr == NULL ||
        !s_symbol_slot_valid(kind, symbol) ||
        !cb_proto_name_valid(venue.ptr, venue.len, 32)) {
        return CB_E_BAD_REQUEST;
    }
    size_t kind_len = strlen(name);
    size_t total = kind_len + 1 + symbol.len + 1 + venue.len;
    if (total + 1 > size) {
        return CB_E_BAD_REQUEST;
    }
    char *p = buf;
    memcpy(p, name, kind_len);
    p += kind_len;
    *p++ = '.';
    memcpy(p, symbol.ptr, symbol.len);
    p += symbol.len;
    *p++ = '.';
    memcpy(p, venue.ptr, venue.len);
    p += venue.len;
    *p = '\0';
    return (int) total;
}

int
cb_topic_kind(const char *text, size_t len, cb_kind_t *kind)
{
    const char *dot = memchr(text, '.', len);
    if (dot == NULL) {
        return CB_E_NOT_FOUND;
    }
    return cb_kind_from_name(text, (size_t) (dot - text), kind);
}

int
cb_topic_parse(const char *text, size_t len, cb_topic_t *topic)
{
    if (text == NULL || len == 0 || len >= CB_TOPIC_MAX) {
        return CB_E_BAD_REQUEST;
    }
    const char *dot1 = memchr(text, '.', len);
    if (dot1 == NULL) {
        return CB_E_BAD_REQUEST;
    }
    const char *rest = dot1 + 1;
    size_t rest_len = len - (size_t) (rest - text);
    const char *dot2 = memchr(rest, '.', rest_len);
    if (dot2 == NULL) {
        return CB_E_BAD_REQUEST;
    }
    if (cb_kind_from_name(text, (size_t) (dot1 - text), &topic->kind) != 0) {
        return CB_E_BAD_REQUEST;
    }
    topic->symbol.ptr = rest;
    topic->symbol.len = (size_t) (dot2 - rest);
    topic->venue.ptr = dot2 + 1;
    topic->venue.len = len - (size_t) (topic->venue.ptr - text);
    topic->detail = (cb_str_t){NULL, 0};
    if (topic->kind == CB_KIND_candle) {
        /* candle.<SYMBOL>.<venue>.<interval>: venue names may hold dots,
         * intervals never do, so the interval is after the last one. */
        const char *last = topic->venue.ptr + topic->venue.len;
        while (last > topic->venue.ptr && last[-1] != '.') {
            last--;
        }
        if (last == topic->venue.ptr) {
            return CB_E_BAD_REQUEST;
        }
        topic->detail = (cb_str_t){last, (size_t) (topic->venue.ptr + topic->venue.len - last)};
        topic->venue.len = (size_t) (last - 1 - topic->venue.ptr);
        if (!cb_proto_enum_valid("1m|5m|15m|30m|1h|4h|1d|1w", topic->detail.ptr, topic->detail.len)) {
            return CB_E_BAD_REQUEST;
        }
    }
    if (!s_symbol_slot_valid(topic->kind, topic->symbol) ||
        !cb_proto_name_valid(topic->venue.ptr, topic->venue.len, 32)) {
        return CB_E_BAD_REQUEST;
    }
    return 0;
}

bool
cb_topic_matches(const char *prefix, size_t prefix_len, const char *topic, size_t topic_len)
{
    return prefix_len <= topic_len && (prefix_len == 0 || memcmp(prefix, topic, prefix_len) == 0);
}

void
cb_topic_route(const cb_event_t *ev, cb_str_t *symbol, cb_str_t *venue)
{
    switch (ev->kind) {
    case CB_KIND_tick:
        *symbol = ev->body.tick.symbol;
        *venue = ev->body.tick.venue;
        return;
    case CB_KIND_trade:
        *symbol = ev->body.trade.symbol;
        *venue = ev->body.trade.venue;
        return;
    case CB_KIND_book:
        *symbol = ev->body.book.symbol;
        *venue = ev->body.book.venue;
        return;
    case CB_KIND_candle:
        *symbol = ev->body.candle.symbol;
        *venue = ev->body.candle.venue;
        return;
    case CB_KIND_order:
        *symbol = ev->body.order.symbol;
        *venue = ev->body.order.venue;
        return;
    case CB_KIND_circuit:
        *symbol = CB_STR(CB_TOPIC_ALL);
        *venue = ev->body.circuit.venue;
        return;
    case CB_KIND_sentiment:
        *symbol = ev->body.sentiment.asset;
        *venue = ev->body.sentiment.venue;
        return;
    case CB_KIND_best:
        *symbol = ev->body.best.symbol;
        *venue = ev->body.best.venue;
        return;
    default:
        *symbol = (cb_str_t){NULL, 0};
        *venue = (cb_str_t){NULL, 0};
        return;
    }
}

int
cb_topic_of_event(const cb_event_t *ev, char *buf, size_t size)
{
    cb_str_t symbol;
    cb_str_t venue;
    cb_topic_route(ev, &symbol, &venue);
    int n = cb_topic_format(ev->kind, symbol, venue, buf, size);
    if (n < 0 || ev->kind != CB_KIND_candle) {
        return n;
    }
    cb_str_t interval = ev->body.candle.interval;
    if (interval.ptr == NULL || interval.len == 0 || (size_t) n + 1 + interval.len + 1 > size) {
        return CB_E_BAD_REQUEST;
    }
    buf[n] = '.';
    memcpy(buf + n + 1, interval.ptr, interval.len);
    n += 1 + (int) interval.len;
    buf[n] = '\0';
    return n;
}

bool
cb_topic_is_of_event(const cb_event_t *ev, const char *text, size_t len)
{
    const char *kind = cb_kind_name(ev->kind);
    if (kind == NULL) {
        return false;
    }
    cb_str_t symbol;
    cb_str_t venue;
    cb_topic_route(ev, &symbol, &venue);
    if (symbol.ptr == NULL || venue.ptr == NULL) {
        return false;
    }
    size_t kind_len = strlen(kind);
    if (ev->kind == CB_KIND_candle) {
        cb_str_t interval = ev->body.candle.interval;
        size_t base_len = kind_len + 1 + symbol.len + 1 + venue.len;
        if (interval.ptr == NULL || len != base_len + 1 + interval.len || text[base_len] != '.' ||
            memcmp(text + base_len + 1, interval.ptr, interval.len) != 0) {
            return false;
        }
        len = base_len;
    }
    if (len != kind_len + 1 + symbol.len + 1 + venue.len) {
        return false;
    }
    const char *p = text;
    if (memcmp(p, kind, kind_len) != 0 || p[kind_len] != '.') {
        return false;
    }
    p += kind_len + 1;
    if (memcmp(p, symbol.ptr, symbol.len) != 0 || p[symbol.len] != '.') {
        return false;
    }
    p += symbol.len + 1;
    return memcmp(p, venue.ptr, venue.len) == 0;
}
