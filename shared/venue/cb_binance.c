/* cb_binance.c - the Binance spot dialect: its table, stream URLs, helpers its parsers share */
#include "cb_binance.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cb_binance_impl.h"
#include "cb_book.h"
#include "cb_error.h"

/* Binance allows 1024 streams on one connection. */
#define S_MAX_STREAMS 1024

static const struct {
    int seconds;
    const char *name;
} s_intervals[] = {
    {60, "1m"},   {300, "5m"},   {900, "15m"},  {1800, "30m"},
    {3600, "1h"}, {14400, "4h"}, {86400, "1d"}, {604800, "1w"},
};

const char *
cb_binance_interval(int interval_s)
{
    for (size_t k = 0; k < sizeof(s_intervals) / sizeof(s_intervals[0]); k++) {
        if (s_intervals[k].seconds == interval_s) {
            return s_intervals[k].name;
        }
    }
    return NULL;
}

/* ---- stream URL and control messages -------------------------------------- */

/* Appends printf text at *n; CB_E_TOO_BIG when it does not fit. */
static int
s_put(char *url, size_t size, size_t *n, const char *fmt, ...)
{
    if (*n >= size) {
        return CB_E_TOO_BIG;
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(url + *n, size - *n, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t) w >= size - *n) {
        return CB_E_TOO_BIG;
    }
    *n += (size_t) w;
    return 0;
}

/* The stream name of an instrument (ws_name, else the lower-cased native)
 * into out; CB_E_BAD_REQUEST when empty or not URL-safe. */
static int
s_stream_name(const cb_instrument_t *in, char out[CB_NATIVE_MAX])
{
    const char *src = in->ws_name[0] != '\0' ? in->ws_name : in->native;
    size_t len = strnlen(src, CB_NATIVE_MAX - 1);
    if (len == 0) {
        return CB_E_BAD_REQUEST;
    }
    for (size_t k = 0; k < len; k++) {
        char c = src[k];
        if (c >= 'A' && c <= 'Z') {
            c = (char) (c - 'A' + 'a');
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.')) {
            return CB_E_BAD_REQUEST;
        }
        out[k] = c;
    }
    out[len] = '\0';
    return 0;
}

static int
s_ws_url(const cb_venue_cfg_t *v, const cb_instrument_t *const *ins, size_t n,
         const cb_ws_channels_t *ch, char *url, size_t size)
{
    if (v == NULL || ins == NULL || ch == NULL || url == NULL || size == 0 || n == 0) {
        return CB_E_BAD_REQUEST;
    }
    const char *kline = NULL;
    if (ch->ohlc_interval_s != 0 && (kline = cb_binance_interval(ch->ohlc_interval_s)) == NULL) {
        return CB_E_BAD_REQUEST;
    }
    size_t per = (size_t) ch->ticker + (size_t) ch->trades + (ch->book_depth > 0) + (kline != NULL);
    if (per == 0) {
        return CB_E_BAD_REQUEST;
    }
    if (n > S_MAX_STREAMS / per) {
        return CB_E_TOO_BIG;
    }
    size_t base = strnlen(v->ws_url, sizeof(v->ws_url));
    while (base > 0 && v->ws_url[base - 1] == '/') {
        base--;
    }
    size_t len = 0;
    int rc = s_put(url, size, &len, "%.*s/stream?streams=", (int) base, v->ws_url);
    const char *sep = "";
    for (size_t k = 0; k < n && rc == 0; k++) {
        char name[CB_NATIVE_MAX];
        if (ins[k] == NULL || s_stream_name(ins[k], name) != 0) {
            return CB_E_BAD_REQUEST;
        }
        if (ch->ticker && rc == 0) {
            rc = s_put(url, size, &len, "%s%s@bookTicker", sep, name);
            sep = "/";
        }
        if (ch->trades && rc == 0) {
            rc = s_put(url, size, &len, "%s%s@trade", sep, name);
            sep = "/";
        }
        if (ch->book_depth > 0 && rc == 0) {
            rc = s_put(url, size, &len, "%s%s@depth@100ms", sep, name);
            sep = "/";
        }
        if (kline != NULL && rc == 0) {
            rc = s_put(url, size, &len, "%s%s@kline_%s", sep, name, kline);
            sep = "/";
        }
    }
    return rc;
}

/* The streams are named in the URL: nothing to send when it opens. */
static int
s_ws_subscribe(const cb_instrument_t *const *ins, size_t n, const cb_ws_channels_t *ch, int k,
               int64_t req_id, cb_buf_t *out)
{
    (void) ins, (void) n, (void) ch, (void) k, (void) req_id, (void) out;
    return 0;
}

/* A new book comes from GET /api/v3/depth, never from the stream. */
static int
s_ws_resubscribe_book(const cb_instrument_t *ins, int depth, int k, int64_t req_id, cb_buf_t *out)
{
    (void) ins, (void) depth, (void) k, (void) req_id, (void) out;
    return 0;
}

/* Binance pings with WebSocket frames (every 20 s; pong within a minute). */
static int
s_ws_ping(int64_t req_id, cb_buf_t *out)
{
    (void) req_id, (void) out;
    return 0;
}

const cb_dialect_ops_t cb_binance_ops = {
    .dialect = CB_DIALECT_BINANCE,
    .rest_url = cb_binance_rest_url,
    .rest_parse = cb_binance_rest_parse,
    .ws_url = s_ws_url,
    .ws_subscribe = s_ws_subscribe,
    .ws_resubscribe_book = s_ws_resubscribe_book,
    .ws_ping = s_ws_ping,
    .ws_parse = cb_binance_ws_parse,
    .classify = cb_binance_classify,
};

/* ---- helpers the parsers share ------------------------------------------------ */

int
cb_binance_levels(const cb_jdoc_t *doc, int arr, cb_level_t *dst, size_t cap, size_t *n)
{
    if (cb_jtok_type(doc, arr) != CB_JT_ARRAY) {
        return CB_E_PARSE;
    }
    size_t count = (size_t) doc->tok[arr].size;
    if (count > cap) {
        return CB_E_TOO_BIG;
    }
    int i = arr + 1;
    for (size_t k = 0; k < count; k++) {
        if (cb_jtok_type(doc, i) != CB_JT_ARRAY || doc->tok[i].size < 2) {
            return CB_E_PARSE;
        }
        int pi = i + 1;
        int qi = cb_jtok_skip(doc, pi);
        int rc = cb_jtok_decimal(doc, pi, &dst[k].price);
        if (rc == 0) {
            rc = cb_jtok_decimal(doc, qi, &dst[k].qty);
        }
        if (rc != 0) {
            return rc;
        }
        if (cb_decimal_sign(dst[k].price) <= 0 || cb_decimal_sign(dst[k].qty) < 0) {
            return CB_E_RANGE;
        }
        i = cb_jtok_skip(doc, i);
    }
    *n = count;
    return 0;
}

int
cb_binance_book_sides(cb_md_parser_t *p, int bids, int asks, cb_book_t *book)
{
    const cb_jdoc_t *doc = &p->doc;
    size_t nb = bids < 0 ? 0 : (size_t) cb_jtok_size(doc, bids);
    size_t na = asks < 0 ? 0 : (size_t) cb_jtok_size(doc, asks);
    if (nb > CB_BOOK_MAX_LEVELS || na > CB_BOOK_MAX_LEVELS) {
        return CB_E_TOO_BIG;
    }
    int rc = cb_md_reserve_levels(p, nb + na);
    if (rc != 0) {
        return rc;
    }
    if (bids >= 0 && (rc = cb_binance_levels(doc, bids, p->levels, nb, &nb)) != 0) {
        return rc;
    }
    if (asks >= 0 && (rc = cb_binance_levels(doc, asks, p->levels + nb, na, &na)) != 0) {
        return rc;
    }
    CB_PROTO_SET(book, book, bids, ((cb_levels_t){p->levels, (uint32_t) nb}));
    CB_PROTO_SET(book, book, asks, ((cb_levels_t){p->levels + nb, (uint32_t) na}));
    return 0;
}

int
cb_binance_ms_to_ns(const cb_jdoc_t *doc, int i, int64_t *ns)
{
    int64_t ms;
    int rc = cb_jtok_i64(doc, i, &ms);
    if (rc != 0) {
        return rc;
    }
    if (ms < 0 || ms > INT64_MAX / CB_BINANCE_NS_PER_MS) {
        return CB_E_RANGE;
    }
    *ns = ms * CB_BINANCE_NS_PER_MS;
    return 0;
}

/* ---- selftest ----------------------------------------------------------------- */

static int
s_count_emit(void *ctx, const cb_md_msg_t *msg)
{
    int *n = ctx;
    *n += msg->type == CB_MD_TICK && CB_PROTO_HAS(&msg->tick, tick, bid) ? 1 : 100;
    return 0;
}

int
cb_binance_selftest(void)
{
    /* rest-api.md's HMAC example 1. */
    static const char secret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    static const char q[] = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
                            "&recvWindow=5000&timestamp=1499827319559";
    char hex[65];
    int ok = cb_binance_sign((const uint8_t *) secret, sizeof(secret) - 1, q, sizeof(q) - 1, "", 0,
                             hex) == 0 &&
             strcmp(hex, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71") == 0;
    static const char bt[] = "{\"u\":400900217,\"s\":\"BNBUSDT\",\"b\":\"25.35190000\",\"B\":"
                             "\"31.21000000\",\"a\":\"25.36520000\",\"A\":\"40.66000000\"}";
    cb_md_parser_t p;
    memset(&p, 0, sizeof(p));
    int n = 0;
    ok = ok && cb_binance_ws_parse(&p, bt, sizeof(bt) - 1, s_count_emit, &n) == 0 && n == 1;
    cb_venue_error_t err;
    static const char e[] = "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}";
    ok = ok &&
         cb_binance_classify(NULL, false, true, 400, e, sizeof(e) - 1, 0, &err) == CB_E_NOT_FOUND &&
         err.cls == CB_VERR_UNKNOWN_SYMBOL;
    cb_md_parser_fini(&p);
    return ok ? 0 : CB_E_INTERNAL;
}
