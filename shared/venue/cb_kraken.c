/* cb_kraken.c - the Kraken dialect's table, its error envelope and the classes of its error strings */
#include "cb_kraken.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cb_error.h"
#include "cb_jtok.h"
#include "cb_kraken_impl.h"

/* Without a Retry-After: Kraken's REST counter decays by 0.33-1 a second and
 * blocks "for a few seconds"; the per-pair trading counter by 1-3.75 a second. */
#define S_RETRY_REST_MS 5000
#define S_RETRY_ORDER_MS 2000
#define S_RETRY_THROTTLED_MS 1000

static int
s_classify(const cb_venue_req_t *req, bool transport_failed, bool sent, int http_status,
           const char *body, size_t len, int64_t retry_after_ms, cb_venue_error_t *err);

const cb_dialect_ops_t cb_kraken_ops = {
    .dialect = CB_DIALECT_KRAKEN,
    .rest_url = cb_kraken_rest_url,
    .rest_parse = cb_kraken_rest_parse,
    .ws_url = cb_kraken_ws_url,
    .ws_subscribe = cb_kraken_ws_subscribe,
    .ws_resubscribe_book = cb_kraken_ws_resubscribe_book,
    .ws_ping = cb_kraken_ws_ping,
    .ws_parse = cb_kraken_ws_parse,
    .classify = s_classify,
};

static bool
s_starts(const char *code, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(code, prefix, n) == 0;
}

static bool
s_contains_nocase(const char *code, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t k = 0; k + n <= len; k++) {
        if (strncasecmp(code + k, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

cb_verr_class_t
cb_kraken_error_class(const char *code, size_t len, bool changes_state)
{
    static const char *const auth[] = {
        "EAPI:Invalid key",           "EAPI:Invalid signature",    "EAPI:Invalid nonce",
        "EGeneral:Permission denied", "EGeneral:Temporary lockout", "EAuth:",
        "ESession:",                  "EAPI:Bad request",          "ETrade:User Locked",
    };
    static const char *const rate[] = {
        "EAPI:Rate limit exceeded", "EOrder:Rate limit exceeded", "EGeneral:Too many requests",
        "EService: Throttled",      "EService:Throttled",
    };
    for (size_t k = 0; k < sizeof auth / sizeof auth[0]; k++) {
        if (s_starts(code, len, auth[k])) {
            return CB_VERR_AUTH;
        }
    }
    for (size_t k = 0; k < sizeof rate / sizeof rate[0]; k++) {
        if (s_starts(code, len, rate[k])) {
            return CB_VERR_RATE_LIMIT;
        }
    }
    if (s_starts(code, len, "EQuery:Unknown asset")) { /* "... pair" too */
        return CB_VERR_UNKNOWN_SYMBOL;
    }
    if (s_starts(code, len, "EOrder:Insufficient funds") ||
        s_starts(code, len, "EFunding:Insufficient funds") ||
        s_starts(code, len, "EOrder:Insufficient margin")) {
        return CB_VERR_INSUFFICIENT_FUNDS;
    }
    if (s_contains_nocase(code, len, "unknown order") ||
        s_starts(code, len, "EOrder:Unknown position")) {
        return CB_VERR_NOT_FOUND;
    }
    /* A market in cancel_only / post_only / limit_only refuses the order
     * outright: a definite rejection, not an outage. */
    if (s_starts(code, len, "EService:Market in")) {
        return CB_VERR_REJECTED;
    }
    /* Unavailable (engine or API offline), Busy (overloaded), Deadline
     * elapsed (timed out before an answer), internal errors: the venue does
     * not say whether an order was placed. */
    if (s_starts(code, len, "EService:") || s_starts(code, len, "EGeneral:Internal error") ||
        s_starts(code, len, "EDatabase:")) {
        return changes_state ? CB_VERR_UNKNOWN_OUTCOME : CB_VERR_UNAVAILABLE;
    }
    return CB_VERR_REJECTED; /* EOrder:*, EGeneral:Invalid arguments*, EQuery:*, ETrade:*, ... */
}

static int64_t
s_retry_default(const char *code, size_t len)
{
    if (s_starts(code, len, "EOrder:")) {
        return S_RETRY_ORDER_MS;
    }
    if (s_starts(code, len, "EService")) {
        return S_RETRY_THROTTLED_MS;
    }
    return S_RETRY_REST_MS;
}

/* The HTTP answer alone (no usable envelope). */
static int
s_by_status(bool changes_state, int http_status, const cb_jdoc_t *doc, int64_t retry_after_ms,
            cb_venue_error_t *err)
{
    char msg[96];
    cb_verr_class_t cls;
    if (http_status == 429) {
        cls = CB_VERR_RATE_LIMIT;
    } else if (http_status >= 500) {
        cls = changes_state ? CB_VERR_UNKNOWN_OUTCOME : CB_VERR_UNAVAILABLE;
    } else if (http_status < 200 || http_status >= 300) {
        /* Kraken answers its own errors with 200; another status means the
         * request did not reach it (Cloudflare, a proxy). */
        cls = CB_VERR_UNAVAILABLE;
    } else {
        cls = changes_state ? CB_VERR_UNKNOWN_OUTCOME : CB_VERR_BAD_REPLY;
    }
    if (http_status >= 200 && http_status < 300) {
        snprintf(msg, sizeof msg, "reply is not Kraken's envelope");
    } else {
        snprintf(msg, sizeof msg, "HTTP %d", http_status);
    }
    (void) doc;
    cb_verr_set(err, cls, http_status, "", msg, strlen(msg));
    if (cls == CB_VERR_RATE_LIMIT) {
        err->retry_after_ms = retry_after_ms > 0 ? retry_after_ms : S_RETRY_REST_MS;
    }
    return cb_verr_code(cls);
}

/* The decoded text of string token i, or when it does not fit (or does not
 * decode) as many of its raw bytes as fit. Returns the length. */
static size_t
s_err_text(const cb_jdoc_t *doc, int i, char *buf, size_t size)
{
    int n = cb_jtok_string(doc, i, buf, size);
    if (n >= 0) {
        return (size_t) n;
    }
    cb_str_t raw = cb_jtok_raw(doc, i);
    size_t take = raw.len < size - 1 ? raw.len : size - 1;
    memcpy(buf, raw.ptr, take);
    buf[take] = '\0';
    return take;
}

int
cb_kraken_classify_doc(const cb_jdoc_t *doc, bool changes_state, bool transport_failed, bool sent,
                       int http_status, int64_t retry_after_ms, cb_venue_error_t *err)
{
    if (transport_failed) {
        cb_verr_class_t cls =
            changes_state && sent ? CB_VERR_UNKNOWN_OUTCOME : CB_VERR_UNAVAILABLE;
        const char *msg = sent ? "no HTTP answer after sending" : "no HTTP answer";
        cb_verr_set(err, cls, 0, "", msg, strlen(msg));
        return cb_verr_code(cls);
    }
    int errors = doc->count > 0 ? cb_jtok_get(doc, 0, "error") : -1;
    if (cb_jtok_type(doc, errors) != CB_JT_ARRAY) {
        return s_by_status(changes_state, http_status, doc, retry_after_ms, err);
    }
    /* The first error string gives the class; the message lists them all. */
    char message[CB_VERR_MESSAGE_MAX];
    size_t mlen = 0;
    int first = -1;
    int i = cb_jtok_first(doc, errors);
    for (int n = 0; n < cb_jtok_size(doc, errors); n++, i = cb_jtok_skip(doc, i)) {
        if (cb_jtok_type(doc, i) != CB_JT_STRING) {
            continue;
        }
        char text[CB_VERR_MESSAGE_MAX];
        size_t tl = s_err_text(doc, i, text, sizeof text);
        if (tl == 0 || text[0] != 'E') {
            continue; /* warnings ("W...") and undecodable text are not errors */
        }
        if (first < 0) {
            first = i;
        }
        size_t room = sizeof message - 1 - mlen;
        if (mlen > 0 && room > 2) {
            memcpy(message + mlen, "; ", 2);
            mlen += 2;
            room -= 2;
        }
        size_t take = tl < room ? tl : room;
        memcpy(message + mlen, text, take);
        mlen += take;
    }
    if (first < 0) {
        if (http_status >= 200 && http_status < 300) {
            memset(err, 0, sizeof(*err));
            err->http_status = http_status;
            return 0;
        }
        return s_by_status(changes_state, http_status, doc, retry_after_ms, err);
    }
    char code[CB_VERR_MESSAGE_MAX];
    size_t clen = s_err_text(doc, first, code, sizeof code);
    cb_verr_class_t cls = cb_kraken_error_class(code, clen, changes_state);
    cb_verr_set(err, cls, http_status, code, message, mlen);
    if (cls == CB_VERR_RATE_LIMIT) {
        err->retry_after_ms = retry_after_ms > 0 ? retry_after_ms : s_retry_default(code, clen);
    }
    return cb_verr_code(cls);
}

int
cb_kraken_error_parse(const char *body, size_t len, int http_status, bool changes_state,
                      int64_t retry_after_ms, cb_venue_error_t *err)
{
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    doc.max_tokens = 100000;
    bool parsed = body != NULL && cb_jdoc_parse(&doc, body, len) == 0;
    if (!parsed) {
        doc.count = 0;
    }
    int rc;
    if (!parsed || cb_jtok_type(&doc, cb_jtok_get(&doc, 0, "error")) != CB_JT_ARRAY) {
        /* Not the envelope: what the status says, else a bad reply. */
        rc = s_by_status(changes_state, http_status, &doc, retry_after_ms, err);
        if (http_status >= 200 && http_status < 300) {
            rc = CB_E_PARSE;
        }
    } else {
        rc = cb_kraken_classify_doc(&doc, changes_state, false, true, http_status, retry_after_ms,
                                    err);
    }
    cb_jdoc_fini(&doc);
    return rc;
}

static int
s_classify(const cb_venue_req_t *req, bool transport_failed, bool sent, int http_status,
           const char *body, size_t len, int64_t retry_after_ms, cb_venue_error_t *err)
{
    bool changes_state = req != NULL && req->changes_state;
    if (transport_failed) {
        cb_jdoc_t none = {0};
        return cb_kraken_classify_doc(&none, changes_state, true, sent, http_status,
                                      retry_after_ms, err);
    }
    int rc = cb_kraken_error_parse(body, len, http_status, changes_state, retry_after_ms, err);
    if (rc == 0 && (http_status < 200 || http_status >= 300)) {
        cb_jdoc_t none = {0};
        rc = cb_kraken_classify_doc(&none, changes_state, false, sent, http_status, retry_after_ms,
                                    err);
    }
    return rc == CB_E_PARSE ? cb_verr_code(err->cls) : rc;
}
