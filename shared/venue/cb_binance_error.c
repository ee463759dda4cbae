/* cb_binance_error.c - Binance error replies and HTTP statuses in coinbus venue error classes */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cb_binance_impl.h"
#include "cb_error.h"

/* The class of an error code from errors.md, for a request that did not
 * change state (changes_state is handled by the caller first). */
static cb_verr_class_t
s_code_class(int64_t code, const char *msg)
{
    switch (code) {
    case -1003: /* TOO_MANY_REQUESTS (weight, or "IP banned until") */
    case -1015: /* TOO_MANY_ORDERS */
        return CB_VERR_RATE_LIMIT;
    case -1002: /* UNAUTHORIZED */
    case -1021: /* INVALID_TIMESTAMP: outside recvWindow, or 1000 ms ahead */
    case -1022: /* INVALID_SIGNATURE */
    case -2014: /* BAD_API_KEY_FMT */
    case -2015: /* REJECTED_MBX_KEY: invalid key, IP, or permissions */
        return CB_VERR_AUTH;
    case -1121: /* BAD_SYMBOL */
        return CB_VERR_UNKNOWN_SYMBOL;
    case -2010: /* NEW_ORDER_REJECTED: the matching engine's reason */
        return strcasestr(msg, "insufficient balance") != NULL ? CB_VERR_INSUFFICIENT_FUNDS
                                                               : CB_VERR_REJECTED;
    case -2011: /* CANCEL_REJECTED: "Unknown order sent." is the unknown order; a
                 * cancel restriction refuses an order that exists. */
        return strcasestr(msg, "cancel restrictions") != NULL ? CB_VERR_REJECTED
                                                              : CB_VERR_NOT_FOUND;
    case -2013: /* NO_SUCH_ORDER */
    case -2026: /* ORDER_ARCHIVED: no fills, canceled or expired > 90 days ago */
        return CB_VERR_NOT_FOUND;
    case -1000: /* UNKNOWN */
    case -1001: /* DISCONNECTED: internal error, try again */
    case -1006: /* UNEXPECTED_RESP from the message bus */
    case -1007: /* TIMEOUT waiting for the backend */
    case -1008: /* SERVER_BUSY */
        return CB_VERR_UNAVAILABLE;
    default:
        /* -1013 filter failures, -11xx parameter errors, -1010 / -20xx
         * matching-engine refusals: the request itself was refused. */
        return CB_VERR_REJECTED;
    }
}

/* Codes after which an order's fate is unknown (errors.md: "Send status
 * unknown; execution status unknown", "Execution status unknown"). */
static bool
s_code_unknown_outcome(int64_t code)
{
    return code == -1000 || code == -1006 || code == -1007;
}

int
cb_binance_classify_doc(const cb_jdoc_t *doc, bool changes_state, int http_status,
                        int64_t retry_after_ms, cb_venue_error_t *err)
{
    /* The envelope {"code":..,"msg":..}; the stream API nests it in "error". */
    int root = doc->count > 0 ? 0 : -1;
    int nested = cb_jtok_get(doc, root, "error");
    int obj = cb_jtok_type(doc, nested) == CB_JT_OBJECT ? nested : root;
    int64_t code = 0;
    bool has_code = cb_jtok_type(doc, cb_jtok_get(doc, obj, "code")) == CB_JT_PRIMITIVE &&
                    cb_jtok_i64(doc, cb_jtok_get(doc, obj, "code"), &code) == 0;
    char msg[CB_VERR_MESSAGE_MAX];
    int mlen = has_code ? cb_jtok_string(doc, cb_jtok_get(doc, obj, "msg"), msg, sizeof(msg)) : -1;
    if (mlen < 0) {
        /* No message we can read (absent, bad escape or longer than we keep):
         * keep the raw text, cut to fit, or nothing. */
        cb_str_t raw = cb_jtok_type(doc, cb_jtok_get(doc, obj, "msg")) == CB_JT_STRING
                           ? cb_jtok_raw(doc, cb_jtok_get(doc, obj, "msg"))
                           : (cb_str_t){"", 0};
        mlen = (int) (raw.len < sizeof(msg) - 1 ? raw.len : sizeof(msg) - 1);
        memcpy(msg, raw.ptr, (size_t) mlen);
        msg[mlen] = '\0';
    }
    char vcode[32] = "";
    if (has_code) {
        snprintf(vcode, sizeof(vcode), "%" PRId64, code);
    } else if (http_status > 0) {
        snprintf(vcode, sizeof(vcode), "HTTP %d", http_status);
    }
    cb_verr_class_t cls;
    if (http_status == 429 || http_status == 418) {
        /* 429: a limit was broken; 418: the IP is banned for going on. Both
         * refused the request and carry Retry-After. */
        cls = CB_VERR_RATE_LIMIT;
    } else if (changes_state &&
               (http_status >= 500 || (has_code && s_code_unknown_outcome(code)))) {
        /* "5XX ... is NOT a failure ... execution status is UNKNOWN". */
        cls = CB_VERR_UNKNOWN_OUTCOME;
    } else if (http_status >= 500) {
        cls = CB_VERR_UNAVAILABLE;
    } else if (changes_state && !has_code && http_status != 401 && http_status != 403) {
        /* An order action answered without Binance's error code (a cut
         * body, a proxy's page, a 2xx that is not the documented reply):
         * nothing says the venue refused it. */
        cls = CB_VERR_UNKNOWN_OUTCOME;
    } else if (has_code) {
        cls = s_code_class(code, msg);
    } else if (http_status == 401) {
        cls = CB_VERR_AUTH;
    } else if (http_status == 403) {
        /* A WAF rule (rate-limit violation or security block): back off. */
        cls = CB_VERR_RATE_LIMIT;
    } else if (http_status >= 400) {
        cls = CB_VERR_REJECTED;
    } else {
        cls = CB_VERR_BAD_REPLY;
    }
    cb_verr_set(err, cls, http_status, vcode, msg, (size_t) mlen);
    if (cls == CB_VERR_RATE_LIMIT) {
        err->retry_after_ms = retry_after_ms > 0 ? retry_after_ms : 0;
    }
    return cb_verr_code(cls);
}

int
cb_binance_classify(const cb_venue_req_t *req, bool transport_failed, bool sent, int http_status,
                    const char *body, size_t len, int64_t retry_after_ms, cb_venue_error_t *err)
{
    bool changes_state = req != NULL && req->changes_state;
    if (transport_failed) {
        cb_verr_class_t cls = sent && changes_state ? CB_VERR_UNKNOWN_OUTCOME : CB_VERR_UNAVAILABLE;
        const char *why = sent ? "no reply after the request was sent" : "the request was not sent";
        cb_verr_set(err, cls, 0, "", why, strlen(why));
        return cb_verr_code(cls);
    }
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    doc.max_tokens = 4096; /* an error envelope is small */
    if (body == NULL || cb_jdoc_parse(&doc, body, len) != 0) {
        doc.count = 0;
    }
    int rc = cb_binance_classify_doc(&doc, changes_state, http_status, retry_after_ms, err);
    cb_jdoc_fini(&doc);
    return rc;
}
