/* edge_reply.c - api-edge's JSON answers: the error shape, statuses, and RPC results rendered with exact decimals and ISO times */
#include "edge_reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cb_decimal.h"
#include "cb_error.h"
#include "cb_json.h"
#include "cb_mp.h"
#include "cb_time.h"

typedef enum {
    S_PLAIN = 0,
    S_DECIMAL,
    S_TIME,
    S_LEVELS, /* arrays of [price, amount] */
} s_kind_t;

static const char *const s_decimal_keys[] = {
    "price", "bid",  "ask",      "bid_qty",    "ask_qty", "last",      "volume", "o",
    "h",     "l",    "c",        "v",          "qty",     "spread",    "amount", "avg_price",
    "cost",  "fee",  "fee_rate", "stop_price", "spread_bps", "total",   "available", "filled",
    /* The account service's balances and trade balance. */
    "hold", "usd_price", "usd_value", "usd_total", "equivalent_balance", "trade_balance", "margin",
    "unrealized_pnl", "cost_basis", "valuation", "equity", "free_margin", "margin_level",
};
static const char *const s_time_keys[] = {"timestamp", "t", "last_msg_ts", "exch_ts", "ts",
                                          "since", "retry_at", "open_ts"};

static bool
s_in(const char *const *keys, size_t n, const char *key, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(keys[i]) == len && memcmp(keys[i], key, len) == 0) {
            return true;
        }
    }
    return false;
}

static s_kind_t
s_kind_of(const char *key, size_t len)
{
    if (s_in(s_decimal_keys, sizeof s_decimal_keys / sizeof s_decimal_keys[0], key, len)) {
        return S_DECIMAL;
    }
    if (s_in(s_time_keys, sizeof s_time_keys / sizeof s_time_keys[0], key, len)) {
        return S_TIME;
    }
    if ((len == 4 && memcmp(key, "bids", 4) == 0) || (len == 4 && memcmp(key, "asks", 4) == 0)) {
        return S_LEVELS;
    }
    return S_PLAIN;
}

const char *
edge_reply_status_name(int status)
{
    switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 429: return "rate_limited";
    case 431: return "headers_too_large";
    case 500: return "internal";
    case 502: return "upstream_error";
    case 503: return "unavailable";
    case 504: return "timeout";
    default: return status < 500 ? "bad_request" : "internal";
    }
}

static const char *
s_status_text(int status)
{
    switch (status) {
    case 404: return "no such route";
    case 405: return "method not allowed on this route";
    case 413: return "request body too large";
    case 429: return "too many requests; retry after the time in Retry-After";
    case 431: return "request headers too large";
    case 503: return "a service this route needs is unavailable";
    case 504: return "the service did not answer in time";
    default: return status < 500 ? "bad request" : "internal error";
    }
}

int
edge_reply_error(cb_buf_t *out, int status, const char *detail)
{
    char ts[CB_TIME_ISO_LEN];
    cb_time_format_iso(cb_time_now_ns(), ts, sizeof ts);
    const char *d = detail != NULL && detail[0] != '\0' ? detail : s_status_text(status);
    cb_buf_reset(out);
    int rc = cb_buf_appendf(out, "{\"error\":\"%s\",\"detail\":", edge_reply_status_name(status));
    if (rc == 0 && cb_json_write_string(out, d, strlen(d)) != 0) {
        rc = cb_json_write_string(out, "(detail not UTF-8)", 18);
    }
    return rc != 0 ? rc : cb_buf_appendf(out, ",\"timestamp\":\"%s\"}", ts);
}

int
edge_reply_bad_request(char *err, size_t errsize, const char *fmt, ...)
{
    if (err != NULL && errsize > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errsize, fmt, ap);
        va_end(ap);
    }
    return CB_E_BAD_REQUEST;
}

int
edge_reply_status_of(int code)
{
    return cb_error_http_status(code);
}

static int s_value(cb_buf_t *out, cb_mp_reader_t *r, s_kind_t kind, int depth);

/* True when len bytes of s are a plain decimal that is also a JSON number
 * (-?(0|[1-9][0-9]*)(.[0-9]+)?, as the wire's canonical decimals are): then
 * the wire's own text is written, digit for digit. Anything else ("1e-8",
 * "+5", ".5") goes through cb_decimal to its canonical form. */
static bool
s_json_number(const char *s, size_t len)
{
    size_t i = len > 0 && s[0] == '-' ? 1 : 0;
    size_t int_start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    size_t int_len = i - int_start;
    if (int_len == 0 || int_len > CB_DECIMAL_MAX_DIGITS || (int_len > 1 && s[int_start] == '0')) {
        return false;
    }
    if (i == len) {
        return true;
    }
    if (s[i++] != '.' || i == len || len - i > CB_DECIMAL_MAX_SCALE) {
        return false;
    }
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    return i == len;
}

/* One value whose key says how to write it; anything that does not fit the
 * expectation (a decimal key holding a non-decimal) is written plainly. */
static int
s_special(cb_buf_t *out, cb_mp_reader_t *r, s_kind_t kind, bool *done)
{
    cb_mp_reader_t peek = *r;
    *done = false;
    if (kind == S_DECIMAL && cb_mp_peek(r) == CB_MP_STR) {
        const char *s;
        size_t len;
        cb_decimal_t d;
        if (cb_mp_read_str(&peek, &s, &len) != 0) {
            return 0;
        }
        if (s_json_number(s, len)) {
            *r = peek;
            *done = true;
            return cb_buf_append(out, s, len);
        }
        if (cb_decimal_parse(s, len, &d) == 0) {
            *r = peek;
            *done = true;
            return cb_json_write_decimal(out, d);
        }
    } else if (kind == S_TIME && (cb_mp_peek(r) == CB_MP_UINT || cb_mp_peek(r) == CB_MP_INT)) {
        int64_t ns;
        if (cb_mp_read_int(&peek, &ns) == 0) {
            char ts[CB_TIME_ISO_LEN + 2];
            size_t n = cb_time_format_iso(ns, ts + 1, sizeof ts - 2);
            ts[0] = '"';
            ts[n + 1] = '"';
            *r = peek;
            *done = true;
            return cb_buf_append(out, ts, n + 2);
        }
    }
    return 0;
}

/* A key "<name>_ms" holding an integer time (Unix ms, as the account
 * service sends them) is written as "<name>": "<ISO 8601>". *done false:
 * not such a pair (nothing written, r unchanged). */
static int
s_ms_pair(cb_buf_t *out, cb_mp_reader_t *r, const char *key, size_t klen, bool *done)
{
    *done = false;
    cb_mp_type_t type = cb_mp_peek(r);
    if (klen <= 3 || memcmp(key + klen - 3, "_ms", 3) != 0 || (type != CB_MP_UINT && type != CB_MP_INT)) {
        return 0;
    }
    cb_mp_reader_t peek = *r;
    int64_t ms;
    /* Past year 2262 the time does not fit in ns: written as it came. */
    if (cb_mp_read_int(&peek, &ms) != 0 || ms < -9000000000000000LL || ms > 9000000000000000LL) {
        return 0;
    }
    char ts[CB_TIME_ISO_LEN];
    size_t n = cb_time_format_iso(ms * 1000000, ts, sizeof ts);
    *r = peek;
    *done = true;
    int rc = cb_json_write_string(out, key, klen - 3);
    rc = rc != 0 ? rc : cb_buf_append_char(out, ':');
    return rc != 0 ? rc : cb_json_write_string(out, ts, n);
}

static int
s_value(cb_buf_t *out, cb_mp_reader_t *r, s_kind_t kind, int depth)
{
    if (depth > CB_MP_MAX_DEPTH) {
        return CB_E_PARSE;
    }
    bool done;
    int rc = s_special(out, r, kind, &done);
    if (rc != 0 || done) {
        return rc;
    }
    uint32_t n;
    cb_mp_type_t type = cb_mp_peek(r);
    if (type == CB_MP_MAP) {
        if ((rc = cb_mp_read_map(r, &n)) != 0 || (rc = cb_buf_append_char(out, '{')) != 0) {
            return rc;
        }
        for (uint32_t i = 0; i < n; i++) {
            const char *key;
            size_t klen;
            bool ms_done = false;
            if ((i > 0 && (rc = cb_buf_append_char(out, ',')) != 0) ||
                (rc = cb_mp_read_str(r, &key, &klen)) != 0 ||
                (rc = s_ms_pair(out, r, key, klen, &ms_done)) != 0) {
                return rc;
            }
            if (ms_done) {
                continue;
            }
            if ((rc = cb_json_write_string(out, key, klen)) != 0 ||
                (rc = cb_buf_append_char(out, ':')) != 0 ||
                (rc = s_value(out, r, s_kind_of(key, klen), depth + 1)) != 0) {
                return rc;
            }
        }
        return cb_buf_append_char(out, '}');
    }
    if (type == CB_MP_ARRAY) {
        if ((rc = cb_mp_read_array(r, &n)) != 0 || (rc = cb_buf_append_char(out, '[')) != 0) {
            return rc;
        }
        /* An array passes its key's kind to its elements: a level list's
         * [price, amount] pairs are decimals at the second depth. */
        for (uint32_t i = 0; i < n; i++) {
            if ((i > 0 && (rc = cb_buf_append_char(out, ',')) != 0) ||
                (rc = s_value(out, r, kind, depth + 1)) != 0) {
                return rc;
            }
        }
        return cb_buf_append_char(out, ']');
    }
    if (kind == S_LEVELS) {
        return s_value(out, r, S_DECIMAL, depth);
    }
    const uint8_t *start;
    size_t len;
    if ((rc = cb_mp_skip(r, &start, &len)) != 0) {
        return rc;
    }
    return cb_json_from_msgpack((const char *) start, len, out);
}

int
edge_reply_render(cb_buf_t *out, const void *data, size_t len)
{
    size_t before = out->len;
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, data, len);
    int rc = s_value(out, &r, S_PLAIN, 0);
    if (rc == 0 && !cb_mp_at_end(&r)) {
        rc = CB_E_PARSE;
    }
    if (rc != 0) {
        out->len = before;
        if (out->data != NULL) {
            out->data[before] = '\0';
        }
    }
    return rc;
}
