/* edge_ws_msg.c - the /ws client messages: strict parsing of subscribe, unsubscribe, ping, get_subscriptions, auth */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <msgpack.h>

#include "cb_error.h"
#include "cb_json.h"
#include "cb_proto.h"
#include "edge_ws_msg.h"

/* A client message is small (edge_ws_config_t.max_msg_bytes): a few keys. */
#define S_MAX_TOKENS 64

static const char *const s_channels[EDGE_WS_CH_COUNT] = {"ticker", "book", "trades", "candles",
                                                          "orders"};
static const char *const s_tfs[EDGE_WS_TF_COUNT] = {"1m", "5m", "15m", "30m",
                                                    "1h", "4h", "1d",  "1w"};

const char *
edge_ws_channel_name(edge_ws_channel_t channel)
{
    return (unsigned) channel < EDGE_WS_CH_COUNT ? s_channels[channel] : "?";
}

const char *
edge_ws_tf_name(unsigned timeframe)
{
    return timeframe < EDGE_WS_TF_COUNT ? s_tfs[timeframe] : "?";
}

static bool
s_lookup(const char *const *names, unsigned count, const char *text, size_t len, unsigned *out)
{
    for (unsigned i = 0; i < count; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], text, len) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

bool
edge_ws_tf_from_name(const char *text, size_t len, unsigned *timeframe)
{
    return s_lookup(s_tfs, EDGE_WS_TF_COUNT, text, len, timeframe);
}

/* At most 32 bytes of s for a message to the client, anything but printable
 * ASCII as '?' (the detail must stay valid UTF-8); what looks like an API
 * key (cbk_...) is never echoed, wherever the client put it. */
static const char *
s_clip(cb_str_t s, char out[33])
{
    size_t n = s.len < 32 ? s.len : 32;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char) s.ptr[i];
        out[i] = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? (char) c : '?';
    }
    out[n] = '\0';
    char *key = strstr(out, CB_APIKEY_PREFIX);
    if (key != NULL) {
        snprintf(key, (size_t) (out + 33 - key), "%s", "cbk_...");
    }
    return out;
}

static int s_fail(edge_ws_err_t *err, int rc, const char *error, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
s_fail(edge_ws_err_t *err, int rc, const char *error, const char *fmt, ...)
{
    err->error = error;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
    return rc;
}

/* The decoded text of the string at i, upper-cased, into buf; its length or
 * a negative code (not a string, too long, bad escape). */
static int
s_upper(const cb_jdoc_t *doc, int i, char *buf, size_t size)
{
    int n = cb_jtok_string(doc, i, buf, size);
    for (int k = 0; k < n; k++) {
        buf[k] = (char) toupper((unsigned char) buf[k]);
    }
    return n;
}

/* symbol ("BTC" or "BTC-USD", any case) and quote (default USD) into
 * req->symbol as BASE-QUOTE. */
static int
s_symbol(const cb_jdoc_t *doc, int sym, int quote, edge_ws_req_t *req, edge_ws_err_t *err)
{
    if (sym < 0) {
        return s_fail(err, CB_E_BAD_REQUEST, "invalid_symbol", "\"symbol\" is required");
    }
    char base[EDGE_SYM_MAX];
    char q[EDGE_SYM_MAX] = "USD";
    int n = s_upper(doc, sym, base, sizeof base);
    if (n <= 0) {
        return s_fail(err, CB_E_BAD_REQUEST, "invalid_symbol",
                      "\"symbol\" must be a string such as \"BTC\" or \"BTC-USD\"");
    }
    char *dash = strchr(base, '-');
    if (dash != NULL) {
        *dash = '\0';
        memmove(q, dash + 1, strlen(dash + 1) + 1);
    }
    if (quote >= 0) {
        char given[EDGE_SYM_MAX];
        int qn = s_upper(doc, quote, given, sizeof given);
        if (qn <= 0 || (dash != NULL && strcmp(given, q) != 0)) {
            return s_fail(
                err, CB_E_BAD_REQUEST, "invalid_symbol",
                "\"quote\" must be an asset such as \"USD\" (and agree with the symbol's)");
        }
        memcpy(q, given, (size_t) qn + 1);
    }
    if (!cb_proto_asset_valid(base, strlen(base)) || !cb_proto_asset_valid(q, strlen(q))) {
        return s_fail(err, CB_E_BAD_REQUEST, "invalid_symbol",
                      "symbol and quote must be assets [A-Z0-9]{1,16}, as in BTC-USD");
    }
    snprintf(req->symbol, sizeof req->symbol, "%.16s-%.16s", base, q); /* each <= 16 */
    return 0;
}

/* The keys a subscribe / unsubscribe takes. The orders channel takes no
 * symbol (every symbol) or one. */
static int
s_subscription(const cb_jdoc_t *doc, edge_ws_req_t *req, edge_ws_err_t *err)
{
    int sym = cb_jtok_get(doc, 0, "symbol");
    int quote = cb_jtok_get(doc, 0, "quote");
    int ch = cb_jtok_get(doc, 0, "channel");
    bool orders = ch >= 0 && cb_jtok_eq(doc, ch, "orders");
    if (orders && (sym < 0 || cb_jtok_is_null(doc, sym)) && quote < 0) {
        req->symbol[0] = '\0';
    } else {
        int rc = s_symbol(doc, sym, quote, req, err);
        if (rc != 0) {
            return rc;
        }
    }
    if (ch >= 0) {
        cb_str_t s = cb_jtok_raw(doc, ch);
        unsigned v;
        if (cb_jtok_type(doc, ch) != CB_JT_STRING ||
            !s_lookup(s_channels, EDGE_WS_CH_COUNT, s.ptr, s.len, &v)) {
            return s_fail(err, CB_E_BAD_REQUEST, "unknown_channel",
                          "\"channel\" must be one of ticker, book, trades, candles, orders");
        }
        req->channel = (edge_ws_channel_t) v;
    }
    int tf = cb_jtok_get(doc, 0, "timeframe");
    if (tf >= 0) {
        cb_str_t s = cb_jtok_raw(doc, tf);
        if (cb_jtok_type(doc, tf) != CB_JT_STRING ||
            !edge_ws_tf_from_name(s.ptr, s.len, &req->timeframe)) {
            return s_fail(err, CB_E_BAD_REQUEST, "unknown_timeframe",
                          "\"timeframe\" must be one of 1m 5m 15m 30m 1h 4h 1d 1w");
        }
        if (req->channel != EDGE_WS_CH_CANDLES) {
            return s_fail(err, CB_E_BAD_REQUEST, "unknown_timeframe",
                          "\"timeframe\" goes with the candles channel only");
        }
    }
    int venue = cb_jtok_get(doc, 0, "venue");
    if (venue >= 0 && !cb_jtok_is_null(doc, venue)) {
        int n = cb_jtok_string(doc, venue, req->venue, sizeof req->venue);
        if (n <= 0 || !cb_proto_name_valid(req->venue, (size_t) n, EDGE_VENUE_MAX - 1)) {
            req->venue[0] = '\0';
            return s_fail(err, CB_E_BAD_REQUEST, "invalid_venue",
                          "\"venue\" must be a venue name such as \"sim-kraken\" (or null)");
        }
    }
    return 0;
}

/* The JSON text of the value at i (any JSON value), as the client wrote it,
 * into out: checked as JSON on its own (RFC 8259, UTF-8) and echoed byte for
 * byte, so that 1.50 comes back 1.50 and not as a string. */
static int
s_id(const cb_jdoc_t *doc, int i, cb_buf_t *out, edge_ws_err_t *err)
{
    const cb_jtok_t *t = &doc->tok[i];
    int start = t->type == CB_JT_STRING ? t->start - 1 : t->start;
    int end = t->type == CB_JT_STRING ? t->end + 1 : t->end;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = cb_json_to_msgpack(doc->js + start, (size_t) (end - start), &pk, NULL, 0);
    msgpack_sbuffer_destroy(&sb);
    if (rc == 0) {
        rc = cb_buf_append(out, doc->js + start, (size_t) (end - start));
    }
    if (rc != 0) {
        return s_fail(err, CB_E_BAD_REQUEST, "bad_request",
                      "\"id\" is not a value this server can echo");
    }
    return 0;
}

/* An auth's "key": a well-formed coinbus API key, kept as its SHA-256 only.
 * The text is wiped from the stack before returning; no message names it. */
static int
s_key(const cb_jdoc_t *doc, edge_ws_req_t *req, edge_ws_err_t *err)
{
    int k = cb_jtok_get(doc, 0, "key");
    char text[CB_APIKEY_TEXT_LEN + 2];
    int n = k >= 0 && cb_jtok_type(doc, k) == CB_JT_STRING
                ? cb_jtok_string(doc, k, text, sizeof text)
                : -1;
    int rc = 0;
    if (n <= 0 || !cb_apikey_well_formed(text, (size_t) n)) {
        rc = s_fail(err, CB_E_BAD_REQUEST, "invalid_key",
                    "\"key\" must be a coinbus API key (cbk_ followed by 64 hex digits)");
    } else {
        cb_apikey_hash(text, (size_t) n, req->key_hash);
    }
    volatile char *wipe = text;
    for (size_t i = 0; i < sizeof text; i++) {
        wipe[i] = '\0';
    }
    return rc;
}

/* Checks that every key of the root object is one of allowed ("|"-separated)
 * and appears once. */
static int
s_keys(const cb_jdoc_t *doc, const char *allowed, edge_ws_err_t *err)
{
    unsigned seen = 0;
    int k = cb_jtok_first(doc, 0);
    for (int m = 0; m < doc->tok[0].size; m++) {
        cb_str_t key = cb_jtok_raw(doc, k);
        unsigned bit = 0;
        const char *p = allowed;
        bool found = false;
        while (!found && p != NULL && *p != '\0') {
            const char *bar = strchr(p, '|');
            size_t n = bar != NULL ? (size_t) (bar - p) : strlen(p);
            found = n == key.len && memcmp(p, key.ptr, n) == 0;
            bit += found ? 0 : 1;
            p = bar != NULL ? bar + 1 : NULL;
        }
        char clip[33];
        if (!found) {
            return s_fail(err, CB_E_BAD_REQUEST, "bad_request", "unexpected key '%s'",
                          s_clip(key, clip));
        }
        if (seen & (1u << bit)) {
            return s_fail(err, CB_E_BAD_REQUEST, "bad_request", "key '%s' given twice",
                          s_clip(key, clip));
        }
        seen |= 1u << bit;
        k = cb_jtok_skip(doc, k + 1);
    }
    return 0;
}

int
edge_ws_msg_parse(cb_jdoc_t *doc, const char *text, size_t len, edge_ws_req_t *req,
                  edge_ws_err_t *err)
{
    cb_buf_t id = req->id_json;
    cb_buf_reset(&id);
    *req = (edge_ws_req_t){.id_json = id};
    doc->max_tokens = S_MAX_TOKENS;
    int rc = cb_jdoc_parse(doc, text, len);
    if (rc != 0) {
        return s_fail(err, CB_E_PARSE, "bad_json",
                      rc == CB_E_TOO_BIG ? "message has too many JSON values"
                                         : "message is not valid JSON");
    }
    if (cb_jtok_type(doc, 0) != CB_JT_OBJECT) {
        return s_fail(err, CB_E_BAD_REQUEST, "bad_request", "message must be a JSON object");
    }
    int type = cb_jtok_get(doc, 0, "type");
    int op = cb_jtok_get(doc, 0, "op");
    if (type >= 0 && op >= 0) {
        return s_fail(err, CB_E_BAD_REQUEST, "bad_request",
                      "give \"type\" or its synonym \"op\", not both");
    }
    type = type >= 0 ? type : op;
    if (type < 0 || cb_jtok_type(doc, type) != CB_JT_STRING) {
        return s_fail(err, CB_E_BAD_REQUEST, "bad_request", "\"type\" (a string) is required");
    }
    const char *keys;
    if (cb_jtok_eq(doc, type, "subscribe") || cb_jtok_eq(doc, type, "unsubscribe")) {
        req->op =
            cb_jtok_eq(doc, type, "subscribe") ? EDGE_WS_OP_SUBSCRIBE : EDGE_WS_OP_UNSUBSCRIBE;
        keys = "type|op|symbol|quote|channel|venue|timeframe|id";
    } else if (cb_jtok_eq(doc, type, "ping")) {
        req->op = EDGE_WS_OP_PING;
        keys = "type|op|id";
    } else if (cb_jtok_eq(doc, type, "get_subscriptions")) {
        req->op = EDGE_WS_OP_GET_SUBSCRIPTIONS;
        keys = "type|op|id";
    } else if (cb_jtok_eq(doc, type, "auth")) {
        req->op = EDGE_WS_OP_AUTH;
        keys = "type|op|key|id";
    } else {
        char clip[33];
        return s_fail(err, CB_E_BAD_REQUEST, "unknown_type",
                      "unknown type '%s' (subscribe, unsubscribe, ping, get_subscriptions, auth)",
                      s_clip(cb_jtok_raw(doc, type), clip));
    }
    rc = s_keys(doc, keys, err);
    if (rc == 0 && (req->op == EDGE_WS_OP_SUBSCRIBE || req->op == EDGE_WS_OP_UNSUBSCRIBE)) {
        rc = s_subscription(doc, req, err);
    }
    if (rc == 0 && req->op == EDGE_WS_OP_AUTH) {
        rc = s_key(doc, req, err);
    }
    int idv = cb_jtok_get(doc, 0, "id");
    if (rc == 0 && req->op == EDGE_WS_OP_PING && idv >= 0) {
        rc = s_id(doc, idv, &req->id_json, err);
    }
    return rc;
}
