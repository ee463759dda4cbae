/* cb_kraken_ws_req.c - Kraken WebSocket v2 requests: the URL, subscribe and resubscribe messages, ping */
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_kraken_impl.h"

int
cb_kraken_ws_url(const cb_venue_cfg_t *v, const cb_instrument_t *const *ins, size_t n,
                 const cb_ws_channels_t *ch, char *url, size_t size)
{
    (void) ins;
    (void) n;
    (void) ch;
    if (v->ws_url[0] == '\0') {
        return CB_E_BAD_REQUEST;
    }
    int w = snprintf(url, size, "%s", v->ws_url);
    return w < 0 || (size_t) w >= size ? CB_E_TOO_BIG : 0;
}

static bool
s_depth_ok(int depth)
{
    return depth == 10 || depth == 25 || depth == 100 || depth == 500 || depth == 1000;
}

static bool
s_minutes_ok(int minutes)
{
    static const int ok[] = {1, 5, 15, 30, 60, 240, 1440, 10080, 21600};
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        if (ok[k] == minutes) {
            return true;
        }
    }
    return false;
}

/* A v2 symbol goes into JSON as is: printable ASCII without quotes or backslashes. */
static bool
s_name_ok(const char *name)
{
    if (name[0] == '\0') {
        return false;
    }
    for (const char *c = name; *c != '\0'; c++) {
        if (*c < 0x21 || *c > 0x7e || *c == '"' || *c == '\\') {
            return false;
        }
    }
    return true;
}

/* {"method":<method>,"params":{"channel":<channel>,"symbol":[...]<extra>},"req_id":n} */
static int
s_request(cb_buf_t *out, const char *method, const char *channel, const cb_instrument_t *const *ins,
          size_t n, const char *extra, int64_t req_id)
{
    for (size_t k = 0; k < n; k++) {
        if (ins[k] == NULL || !s_name_ok(ins[k]->ws_name)) {
            return CB_E_BAD_REQUEST;
        }
    }
    size_t mark = out->len;
    int rc = cb_buf_appendf(out, "{\"method\":\"%s\",\"params\":{\"channel\":\"%s\",\"symbol\":[",
                            method, channel);
    for (size_t k = 0; k < n && rc == 0; k++) {
        rc = cb_buf_appendf(out, "%s\"%s\"", k == 0 ? "" : ",", ins[k]->ws_name);
    }
    if (rc == 0) {
        rc = cb_buf_appendf(out, "]%s}", extra);
    }
    if (rc == 0 && req_id >= 0) {
        rc = cb_buf_appendf(out, ",\"req_id\":%lld", (long long) req_id);
    }
    if (rc == 0) {
        rc = cb_buf_append_char(out, '}');
    }
    if (rc != 0) {
        out->len = mark;
        if (out->data != NULL) {
            out->data[mark] = '\0';
        }
        return rc;
    }
    return 1;
}

int
cb_kraken_ws_subscribe(const cb_instrument_t *const *ins, size_t n, const cb_ws_channels_t *ch,
                       int k, int64_t req_id, cb_buf_t *out)
{
    if (ch == NULL || k < 0) {
        return CB_E_BAD_REQUEST;
    }
    if (n == 0) {
        return 0;
    }
    if (ins == NULL || (ch->book_depth != 0 && !s_depth_ok(ch->book_depth)) ||
        (ch->ohlc_interval_s != 0 &&
         (ch->ohlc_interval_s % 60 != 0 || !s_minutes_ok(ch->ohlc_interval_s / 60)))) {
        return CB_E_BAD_REQUEST;
    }
    char extra[48];
    int seen = 0;
    if (ch->ticker && seen++ == k) {
        return s_request(out, "subscribe", "ticker", ins, n, "", req_id);
    }
    if (ch->book_depth != 0 && seen++ == k) {
        snprintf(extra, sizeof extra, ",\"depth\":%d", ch->book_depth);
        return s_request(out, "subscribe", "book", ins, n, extra, req_id);
    }
    if (ch->trades && seen++ == k) {
        return s_request(out, "subscribe", "trade", ins, n, "", req_id);
    }
    if (ch->ohlc_interval_s != 0 && seen++ == k) {
        snprintf(extra, sizeof extra, ",\"interval\":%d", ch->ohlc_interval_s / 60);
        return s_request(out, "subscribe", "ohlc", ins, n, extra, req_id);
    }
    return 0;
}

int
cb_kraken_ws_resubscribe_book(const cb_instrument_t *ins, int depth, int k, int64_t req_id,
                              cb_buf_t *out)
{
    if (ins == NULL || !s_depth_ok(depth) || k < 0) {
        return CB_E_BAD_REQUEST;
    }
    if (k > 1) {
        return 0;
    }
    char extra[32];
    snprintf(extra, sizeof extra, ",\"depth\":%d", depth);
    const cb_instrument_t *one[1] = {ins};
    return s_request(out, k == 0 ? "unsubscribe" : "subscribe", "book", one, 1, extra, req_id);
}

int
cb_kraken_ws_ping(int64_t req_id, cb_buf_t *out)
{
    int rc = req_id >= 0 ? cb_buf_appendf(out, "{\"method\":\"ping\",\"req_id\":%lld}", (long long) req_id)
                         : cb_buf_append_str(out, "{\"method\":\"ping\"}");
    return rc != 0 ? rc : 1;
}

