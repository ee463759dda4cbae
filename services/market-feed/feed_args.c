/* feed_args.c - reading the market ops' RPC arguments (a msgpack map) with messages that name the argument */
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_mp.h"
#include "cb_proto.h"
#include "cb_rpc_args.h"
#include "feed_args.h"

int
feed_args_uint(const cb_rpc_request_t *req, const char *key, uint64_t *out, char *msg,
               size_t msg_size)
{
    cb_mp_reader_t r;
    int rc = cb_rpc_args_seek(req, key, &r, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    if (cb_mp_peek(&r) == CB_MP_UINT) {
        cb_mp_read_uint(&r, out);
        return 0;
    }
    const char *s;
    size_t len;
    if (cb_mp_read_str(&r, &s, &len) == 0 && len > 0 && len <= 19) {
        uint64_t v = 0;
        size_t i = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (uint64_t) (s[i] - '0');
            i++;
        }
        if (i == len) {
            *out = v;
            return 0;
        }
    }
    snprintf(msg, msg_size, "args.%s must be a non-negative integer", key);
    return CB_E_BAD_REQUEST;
}

int
feed_args_dec(const cb_rpc_request_t *req, const char *key, cb_decimal_t *out, char *msg,
              size_t msg_size)
{
    cb_mp_reader_t r;
    int rc = cb_rpc_args_seek(req, key, &r, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    cb_mp_type_t type = cb_mp_peek(&r);
    if (type == CB_MP_UINT || type == CB_MP_INT) {
        int64_t v;
        if (cb_mp_read_int(&r, &v) == 0) {
            *out = cb_decimal_from_int(v);
            return 0;
        }
    } else if (type == CB_MP_STR) {
        const char *s;
        size_t len;
        if (cb_mp_read_str(&r, &s, &len) == 0 && cb_decimal_parse(s, len, out) == 0) {
            return 0;
        }
    }
    snprintf(msg, msg_size, "args.%s must be an exact decimal string such as \"0.5\" (never a float)",
             key);
    return CB_E_BAD_REQUEST;
}

int
feed_args_symbol(const cb_rpc_request_t *req, char out[CB_SYMBOL_MAX + 1], char *msg,
                 size_t msg_size)
{
    char sym[CB_SYMBOL_MAX + 1];
    char quote[CB_ASSET_MAX + 1] = "USD";
    int rc = cb_rpc_args_str(req, "symbol", sym, sizeof sym, msg, msg_size);
    if (rc == CB_E_NOT_FOUND) {
        snprintf(msg, msg_size, "args.symbol is required (BTC-USD, or an asset such as BTC)");
        return CB_E_BAD_REQUEST;
    }
    if (rc != 0) {
        return rc;
    }
    rc = cb_rpc_args_str(req, "quote", quote, sizeof quote, msg, msg_size);
    if (rc != 0 && rc != CB_E_NOT_FOUND) {
        return rc;
    }
    if (strchr(sym, '-') == NULL) {
        if (strlen(sym) + 1 + strlen(quote) > CB_SYMBOL_MAX) {
            snprintf(msg, msg_size, "args.symbol must be BASE-QUOTE such as BTC-USD");
            return CB_E_BAD_REQUEST;
        }
        size_t bl = strlen(sym);
        memcpy(out, sym, bl);
        out[bl] = '-';
        memcpy(out + bl + 1, quote, strlen(quote) + 1);
    } else {
        memcpy(out, sym, strlen(sym) + 1);
    }
    for (char *p = out; *p != '\0'; p++) {
        *p = (char) (*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    }
    if (!cb_proto_symbol_valid(out, strlen(out))) {
        snprintf(msg, msg_size, "args.symbol must be BASE-QUOTE such as BTC-USD (or an asset "
                                "such as BTC, with args.quote)");
        return CB_E_BAD_REQUEST;
    }
    return 0;
}

int
feed_args_venue(const cb_rpc_request_t *req, bool required, char out[CB_VENUE_NAME_MAX + 1],
                char *msg, size_t msg_size)
{
    out[0] = '\0';
    int rc = cb_rpc_args_str(req, "venue", out, CB_VENUE_NAME_MAX + 1, msg, msg_size);
    if (rc == CB_E_NOT_FOUND) {
        if (!required) {
            return 0;
        }
        snprintf(msg, msg_size, "args.venue is required (a venue name such as sim-kraken)");
        return CB_E_BAD_REQUEST;
    }
    if (rc == 0 && !cb_proto_name_valid(out, strlen(out), CB_VENUE_NAME_MAX)) {
        rc = CB_E_BAD_REQUEST;
    }
    if (rc != 0) {
        snprintf(msg, msg_size, "args.venue must be a venue name [a-z0-9][a-z0-9_.-]* such as "
                                "sim-kraken");
    }
    return rc;
}

int
feed_args_count(const cb_rpc_request_t *req, const char *key, unsigned def, unsigned max,
                unsigned *out, char *msg, size_t msg_size)
{
    uint64_t v = def;
    int rc = feed_args_uint(req, key, &v, msg, msg_size);
    if (rc != 0 && rc != CB_E_NOT_FOUND) {
        snprintf(msg, msg_size, "args.%s must be an integer from 1 to %u", key, max);
        return rc;
    }
    if (v < 1 || v > max) {
        snprintf(msg, msg_size, "args.%s must be an integer from 1 to %u (got %llu)", key, max,
                 (unsigned long long) v);
        return CB_E_BAD_REQUEST;
    }
    *out = (unsigned) v;
    return 0;
}
