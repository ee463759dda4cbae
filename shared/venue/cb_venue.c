/* cb_venue.c - venues (name, dialect, REST and WebSocket URLs), their instruments, and venue errors */
#include "cb_venue.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cb_error.h"
#include "cb_proto.h"

static const char *const s_dialects[] = {"kraken", "binance", "coinbase"};

/* The real venues' documented endpoints. */
static const struct {
    cb_dialect_t dialect;
    const char *rest;
    const char *ws;
} s_real[] = {
    {CB_DIALECT_KRAKEN, "https://api.kraken.com", "wss://ws.kraken.com/v2"},
    {CB_DIALECT_BINANCE, "https://api.binance.com", "wss://stream.binance.com:9443"},
    {CB_DIALECT_BINANCE, "https://testnet.binance.vision", "wss://stream.testnet.binance.vision"},
    {CB_DIALECT_COINBASE, "https://api.exchange.coinbase.com", "wss://ws-feed.exchange.coinbase.com"},
};

const char *
cb_dialect_name(cb_dialect_t dialect)
{
    return (unsigned) dialect < sizeof(s_dialects) / sizeof(s_dialects[0]) ? s_dialects[dialect] : NULL;
}

static int
s_dialect_parse(const char *text, size_t len, cb_dialect_t *out)
{
    for (size_t k = 0; k < sizeof(s_dialects) / sizeof(s_dialects[0]); k++) {
        if (strlen(s_dialects[k]) == len && memcmp(s_dialects[k], text, len) == 0) {
            *out = (cb_dialect_t) k;
            return 0;
        }
    }
    return CB_E_CONFIG;
}

static bool
s_url_ok(const char *url, bool ws)
{
    const char *a = ws ? "ws://" : "http://";
    const char *b = ws ? "wss://" : "https://";
    if (strncmp(url, a, strlen(a)) != 0 && strncmp(url, b, strlen(b)) != 0) {
        return false;
    }
    for (const char *p = url; *p != '\0'; p++) {
        if ((unsigned char) *p <= ' ' || *p == ',' || *p == '|') {
            return false;
        }
    }
    return true;
}

/* Fills ws_url from rest_base when the entry gave none. */
static int
s_derive_ws(cb_venue_cfg_t *v)
{
    for (size_t k = 0; k < sizeof(s_real) / sizeof(s_real[0]); k++) {
        if (s_real[k].dialect == v->dialect && strcmp(s_real[k].rest, v->rest_base) == 0) {
            snprintf(v->ws_url, sizeof(v->ws_url), "%s", s_real[k].ws);
            return 0;
        }
    }
    const char *rest = v->rest_base;
    const char *scheme = strncmp(rest, "https://", 8) == 0 ? "wss://" : "ws://";
    const char *hostpath = strstr(rest, "://") + 3;
    const char *suffix = v->dialect == CB_DIALECT_KRAKEN ? "/ws/v2" : "";
    int n = snprintf(v->ws_url, sizeof(v->ws_url), "%s%s%s", scheme, hostpath, suffix);
    return n > 0 && (size_t) n < sizeof(v->ws_url) ? 0 : CB_E_CONFIG;
}

static int
s_entry_parse(const char *entry, size_t len, cb_venue_cfg_t *v, char *err, size_t errsize)
{
    memset(v, 0, sizeof(*v));
    const char *eq = memchr(entry, '=', len);
    size_t name_len = eq != NULL ? (size_t) (eq - entry) : len;
    if (!cb_proto_name_valid(entry, name_len, CB_VENUE_NAME_MAX)) {
        snprintf(err, errsize, "venue name '%.*s' must be lower case [a-z0-9][a-z0-9_.-]*, at most %d bytes",
                 (int) name_len, entry, CB_VENUE_NAME_MAX);
        return CB_E_CONFIG;
    }
    memcpy(v->name, entry, name_len);
    const char *rest = eq != NULL ? eq + 1 : entry;
    size_t rest_len = eq != NULL ? len - name_len - 1 : len;
    const char *at = memchr(rest, '@', rest_len);
    size_t dialect_len = at != NULL ? (size_t) (at - rest) : rest_len;
    if (s_dialect_parse(rest, dialect_len, &v->dialect) != 0) {
        snprintf(err, errsize, "venue '%s': dialect '%.*s' is not one of kraken, binance, coinbase",
                 v->name, (int) dialect_len, rest);
        return CB_E_CONFIG;
    }
    if (at == NULL) {
        for (size_t k = 0; k < sizeof(s_real) / sizeof(s_real[0]); k++) {
            if (s_real[k].dialect == v->dialect) {
                snprintf(v->rest_base, sizeof(v->rest_base), "%s", s_real[k].rest);
                snprintf(v->ws_url, sizeof(v->ws_url), "%s", s_real[k].ws);
                return 0;
            }
        }
        return CB_E_CONFIG;
    }
    const char *urls = at + 1;
    size_t urls_len = rest_len - dialect_len - 1;
    const char *bar = memchr(urls, '|', urls_len);
    size_t rest_url_len = bar != NULL ? (size_t) (bar - urls) : urls_len;
    while (rest_url_len > 0 && urls[rest_url_len - 1] == '/') {
        rest_url_len--;
    }
    if (rest_url_len == 0 || rest_url_len >= sizeof(v->rest_base)) {
        snprintf(err, errsize, "venue '%s': REST URL missing or longer than %d bytes", v->name,
                 CB_VENUE_URL_MAX - 1);
        return CB_E_CONFIG;
    }
    memcpy(v->rest_base, urls, rest_url_len);
    if (!s_url_ok(v->rest_base, false)) {
        snprintf(err, errsize, "venue '%s': REST URL '%s' must start with http:// or https://", v->name,
                 v->rest_base);
        return CB_E_CONFIG;
    }
    if (bar != NULL) {
        size_t ws_len = (size_t) (urls + urls_len - (bar + 1));
        if (ws_len == 0 || ws_len >= sizeof(v->ws_url)) {
            snprintf(err, errsize, "venue '%s': WebSocket URL missing or longer than %d bytes", v->name,
                     CB_VENUE_URL_MAX - 1);
            return CB_E_CONFIG;
        }
        memcpy(v->ws_url, bar + 1, ws_len);
        if (!s_url_ok(v->ws_url, true)) {
            snprintf(err, errsize, "venue '%s': WebSocket URL '%s' must start with ws:// or wss://",
                     v->name, v->ws_url);
            return CB_E_CONFIG;
        }
        return 0;
    }
    if (s_derive_ws(v) != 0) {
        snprintf(err, errsize, "venue '%s': cannot derive a WebSocket URL from '%s'", v->name, v->rest_base);
        return CB_E_CONFIG;
    }
    return 0;
}

int
cb_venues_parse(const char *spec, cb_venue_cfg_t *out, size_t cap, size_t *count, char *err,
                size_t errsize)
{
    *count = 0;
    if (spec == NULL || *spec == '\0') {
        snprintf(err, errsize, "no venue listed");
        return CB_E_CONFIG;
    }
    const char *p = spec;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t) (comma - p) : strlen(p);
        while (len > 0 && (*p == ' ' || *p == '\t')) {
            p++;
            len--;
        }
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t')) {
            len--;
        }
        if (len == 0) {
            snprintf(err, errsize, "empty venue entry");
            return CB_E_CONFIG;
        }
        if (*count == cap) {
            snprintf(err, errsize, "more than %zu venues", cap);
            return CB_E_CONFIG;
        }
        int rc = s_entry_parse(p, len, &out[*count], err, errsize);
        if (rc != 0) {
            return rc;
        }
        for (size_t k = 0; k < *count; k++) {
            if (strcmp(out[k].name, out[*count].name) == 0) {
                snprintf(err, errsize, "venue '%s' listed twice", out[k].name);
                return CB_E_CONFIG;
            }
        }
        (*count)++;
        if (comma == NULL) {
            return 0;
        }
        p = comma + 1;
    }
}

int
cb_asset_unify(cb_dialect_t dialect, const char *native, size_t len, char *out)
{
    if (len == 0 || len > CB_ASSET_MAX) {
        return CB_E_PARSE;
    }
    char up[CB_ASSET_MAX + 1];
    for (size_t k = 0; k < len; k++) {
        if (!isalnum((unsigned char) native[k])) {
            return CB_E_PARSE;
        }
        up[k] = (char) toupper((unsigned char) native[k]);
    }
    up[len] = '\0';
    const char *code = up;
    if (dialect == CB_DIALECT_KRAKEN) {
        if (len == 4 && (up[0] == 'X' || up[0] == 'Z')) {
            code = up + 1;
        }
        if (strcmp(code, "XBT") == 0) {
            code = "BTC";
        } else if (strcmp(code, "XDG") == 0) {
            code = "DOGE";
        }
    }
    snprintf(out, CB_ASSET_MAX + 1, "%s", code);
    return 0;
}

void
cb_instruments_fini(cb_instruments_t *list)
{
    free(list->items);
    memset(list, 0, sizeof(*list));
}

int
cb_instruments_add(cb_instruments_t *list, const cb_instrument_t *ins)
{
    if (cb_instruments_by_symbol(list, cb_str_from(ins->symbol)) != NULL) {
        return CB_E_CONFLICT;
    }
    if (list->count == list->cap) {
        size_t cap = list->cap == 0 ? 16 : list->cap * 2;
        cb_instrument_t *p = realloc(list->items, cap * sizeof(*p));
        if (p == NULL) {
            return CB_E_NOMEM;
        }
        list->items = p;
        list->cap = cap;
    }
    list->items[list->count++] = *ins;
    return 0;
}

const cb_instrument_t *
cb_instruments_by_symbol(const cb_instruments_t *list, cb_str_t symbol)
{
    for (size_t k = 0; k < list->count; k++) {
        if (cb_str_eq_cstr(symbol, list->items[k].symbol)) {
            return &list->items[k];
        }
    }
    return NULL;
}

static bool
s_eq_nocase(cb_str_t a, const char *b)
{
    return a.len == strlen(b) && a.len > 0 && strncasecmp(a.ptr, b, a.len) == 0;
}

bool
cb_instrument_has_name(const cb_instrument_t *ins, cb_str_t name)
{
    return s_eq_nocase(name, ins->native) || s_eq_nocase(name, ins->altname) ||
           s_eq_nocase(name, ins->ws_name);
}

const cb_instrument_t *
cb_instruments_by_native(const cb_instruments_t *list, cb_str_t name)
{
    for (size_t k = 0; k < list->count; k++) {
        if (cb_instrument_has_name(&list->items[k], name)) {
            return &list->items[k];
        }
    }
    return NULL;
}

bool
cb_symbol_resolve(cb_str_t symbol, cb_symbol_listed_fn listed, const void *ctx,
                  char out[CB_SYMBOL_MAX + 1])
{
    if (symbol.len == 0 || symbol.len > CB_SYMBOL_MAX) {
        return false;
    }
    memcpy(out, symbol.ptr, symbol.len);
    out[symbol.len] = '\0';
    if (listed(ctx, out)) {
        return true;
    }
    const char *dash = memchr(symbol.ptr, '-', symbol.len);
    if (dash == NULL) {
        return false;
    }
    size_t base_len = (size_t) (dash - symbol.ptr);
    cb_str_t quote = {dash + 1, symbol.len - base_len - 1};
    static const char *const usd_like[] = {"USD", "USDT", "USDC"};
    bool usd = false;
    for (size_t k = 0; k < 3; k++) {
        usd = usd || cb_str_eq_cstr(quote, usd_like[k]);
    }
    if (!usd || base_len > CB_ASSET_MAX) {
        return false;
    }
    for (size_t k = 0; k < 3; k++) {
        snprintf(out, CB_SYMBOL_MAX + 1, "%.*s-%s", (int) base_len, symbol.ptr, usd_like[k]);
        if (listed(ctx, out)) {
            return true;
        }
    }
    return false;
}

static bool
s_listed(const void *ctx, const char *symbol)
{
    return cb_instruments_by_symbol(ctx, cb_str_from(symbol)) != NULL;
}

const cb_instrument_t *
cb_instruments_resolve(const cb_instruments_t *list, cb_str_t symbol)
{
    char found[CB_SYMBOL_MAX + 1];
    if (!cb_symbol_resolve(symbol, s_listed, list, found)) {
        return NULL;
    }
    return cb_instruments_by_symbol(list, cb_str_from(found));
}

static const char *const s_verr_names[] = {
    "none", "auth", "rate_limit", "unknown_symbol", "insufficient_funds", "rejected",
    "not_found", "unavailable", "unknown_outcome", "bad_reply",
};

const char *
cb_verr_class_name(cb_verr_class_t cls)
{
    return (unsigned) cls < sizeof(s_verr_names) / sizeof(s_verr_names[0]) ? s_verr_names[cls] : "unknown";
}

int
cb_verr_code(cb_verr_class_t cls)
{
    switch (cls) {
    case CB_VERR_NONE:
        return 0;
    case CB_VERR_AUTH:
        return CB_E_UNAUTHORIZED;
    case CB_VERR_RATE_LIMIT:
        return CB_E_RATE_LIMITED;
    case CB_VERR_UNKNOWN_SYMBOL:
    case CB_VERR_NOT_FOUND:
        return CB_E_NOT_FOUND;
    case CB_VERR_UNAVAILABLE:
        return CB_E_UNAVAILABLE;
    case CB_VERR_UNKNOWN_OUTCOME:
        return CB_E_TIMEOUT;
    case CB_VERR_INSUFFICIENT_FUNDS:
    case CB_VERR_REJECTED:
    case CB_VERR_BAD_REPLY:
    default:
        return CB_E_UPSTREAM;
    }
}

void
cb_verr_set(cb_venue_error_t *err, cb_verr_class_t cls, int http_status, const char *venue_code,
            const char *message, size_t message_len)
{
    memset(err, 0, sizeof(*err));
    err->cls = cls;
    err->http_status = http_status;
    snprintf(err->venue_code, sizeof(err->venue_code), "%s", venue_code != NULL ? venue_code : "");
    if (message != NULL) {
        size_t n = message_len < sizeof(err->message) - 1 ? message_len : sizeof(err->message) - 1;
        memcpy(err->message, message, n);
        err->message[n] = '\0';
    }
}
