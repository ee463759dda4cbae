/* cb_coinbase.c - the Coinbase Exchange dialect: its table, times, sides and error classes */
/*
 * Errors (https://docs.cdp.coinbase.com/exchange/rest-api/requests, "Errors"):
 * an unsuccessful request answers a 4xx/5xx status with a JSON body
 * {"message": "..."} ({"message":"NotFound"} for an unknown product).
 * 400 bad request, 401 unauthorized (bad key), 403 forbidden (no permission),
 * 404 not found, 429 too many requests (public endpoints: 10 requests per
 * second per IP, bursts to 15; https://docs.cdp.coinbase.com/exchange/
 * rest-api/rate-limits), 500 internal error.
 */
#include "cb_coinbase.h"

#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_jtok.h"


/* ---- times ------------------------------------------------------------------ */

static bool
s_digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static int64_t
s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int
s_month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int
cb_coinbase_time_parse(const char *s, size_t len, int64_t *ns)
{
    int y, mo, d, h, mi, sec;
    /* YYYY-MM-DDTHH:MM:SS */
    if (s == NULL || len < 19 || !s_digits(s, 4, &y) || s[4] != '-' || !s_digits(s + 5, 2, &mo) ||
        s[7] != '-' || !s_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !s_digits(s + 11, 2, &h) || s[13] != ':' || !s_digits(s + 14, 2, &mi) || s[16] != ':' ||
        !s_digits(s + 17, 2, &sec)) {
        return CB_E_PARSE;
    }
    if (y < 1970 || y > 2261 || mo < 1 || mo > 12 || d < 1 || d > s_month_days(y, mo) || h > 23 ||
        mi > 59 || sec > 60) {
        return CB_E_PARSE;
    }
    size_t i = 19;
    int64_t frac = 0;
    if (i < len && s[i] == '.') {
        i++;
        size_t start = i;
        int kept = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (kept < 9) {
                frac = frac * 10 + (s[i] - '0');
                kept++;
            }
            i++;
        }
        if (i == start) {
            return CB_E_PARSE;
        }
        while (kept < 9) {
            frac *= 10;
            kept++;
        }
    }
    int64_t offset_s = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (len - i != 6 || !s_digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
            !s_digits(s + i + 4, 2, &om) || oh > 23 || om > 59) {
            return CB_E_PARSE;
        }
        offset_s = (int64_t) (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
        i += 6;
    }
    if (i != len) {
        return CB_E_PARSE;
    }
    int64_t secs = s_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    if (secs < 0) {
        return CB_E_PARSE;
    }
    *ns = secs * 1000000000 + frac;
    return 0;
}

/* ---- product ids ----------------------------------------------------------------- */

bool
cb_coinbase_id_ok(const char *id, size_t cap)
{
    size_t len = strnlen(id, cap);
    if (len == 0 || len == cap) {
        return false;
    }
    for (size_t k = 0; k < len; k++) {
        char c = id[k];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.')) {
            return false;
        }
    }
    return true;
}

/* ---- sides -------------------------------------------------------------------- */

int
cb_coinbase_taker_side(cb_str_t maker_side, cb_str_t *taker)
{
    if (cb_str_eq_cstr(maker_side, "buy")) {
        *taker = CB_STR("sell");
        return 0;
    }
    if (cb_str_eq_cstr(maker_side, "sell")) {
        *taker = CB_STR("buy");
        return 0;
    }
    return CB_E_PARSE;
}

/* ---- errors ------------------------------------------------------------------- */

/* The venue's {"message": "..."} (decoded) into buf; 0 when there is none. */
static size_t
s_message(const char *body, size_t len, char *buf, size_t size)
{
    buf[0] = '\0';
    if (body == NULL || len == 0) {
        return 0;
    }
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    doc.max_tokens = 4096;
    size_t n = 0;
    if (cb_jdoc_parse(&doc, body, len) == 0 && cb_jtok_type(&doc, 0) == CB_JT_OBJECT) {
        int rc = cb_jtok_string(&doc, cb_jtok_get(&doc, 0, "message"), buf, size);
        n = rc > 0 ? (size_t) rc : 0;
        if (rc < 0) {
            buf[0] = '\0';
        }
    }
    cb_jdoc_fini(&doc);
    return n;
}

int
cb_coinbase_error(bool product_route, bool changes_state, bool transport_failed, bool sent,
                  int http_status, const char *body, size_t len, int64_t retry_after_ms,
                  cb_venue_error_t *err)
{
    char msg[CB_VERR_MESSAGE_MAX];
    size_t n = transport_failed ? 0 : s_message(body, len, msg, sizeof(msg));
    cb_verr_class_t cls;
    if (transport_failed) {
        cls = changes_state && sent ? CB_VERR_UNKNOWN_OUTCOME : CB_VERR_UNAVAILABLE;
        http_status = 0;
    } else if (http_status == 429) {
        cls = CB_VERR_RATE_LIMIT;
    } else if (http_status == 401 || http_status == 403) {
        cls = CB_VERR_AUTH;
    } else if (http_status == 404) {
        cls = product_route ? CB_VERR_UNKNOWN_SYMBOL : CB_VERR_NOT_FOUND;
    } else if (http_status >= 500 || http_status <= 0) {
        cls = changes_state ? CB_VERR_UNKNOWN_OUTCOME : CB_VERR_UNAVAILABLE;
    } else if (http_status >= 200 && http_status < 300 && n == 0) {
        cls = CB_VERR_BAD_REPLY; /* a 2xx that a caller judged failed, without a message */
    } else {
        cls = CB_VERR_REJECTED;
    }
    if (n == 0 && !transport_failed && http_status > 0) {
        n = (size_t) snprintf(msg, sizeof(msg), "HTTP %d", http_status);
    } else if (n == 0) {
        n = (size_t) snprintf(msg, sizeof(msg), "%s", sent ? "no answer" : "not sent");
    }
    cb_verr_set(err, cls, http_status, "", msg, n);
    if (cls == CB_VERR_RATE_LIMIT) {
        err->retry_after_ms = retry_after_ms > 0 ? retry_after_ms : 1000;
    }
    return cb_verr_code(cls);
}

static int
s_classify(const cb_venue_req_t *req, bool transport_failed, bool sent, int http_status,
           const char *body, size_t len, int64_t retry_after_ms, cb_venue_error_t *err)
{
    bool product_route = req != NULL && strstr(req->url, "/products/") != NULL;
    bool changes_state = req != NULL && req->changes_state;
    return cb_coinbase_error(product_route, changes_state, transport_failed, sent, http_status, body,
                             len, retry_after_ms, err);
}

const cb_dialect_ops_t cb_coinbase_ops = {
    .dialect = CB_DIALECT_COINBASE,
    .rest_url = cb_coinbase_rest_url,
    .rest_parse = cb_coinbase_rest_parse,
    .ws_url = cb_coinbase_ws_url,
    .ws_subscribe = cb_coinbase_ws_subscribe,
    .ws_resubscribe_book = cb_coinbase_ws_resubscribe_book,
    .ws_ping = cb_coinbase_ws_ping,
    .ws_parse = cb_coinbase_ws_parse,
    .classify = s_classify,
};
