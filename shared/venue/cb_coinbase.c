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
