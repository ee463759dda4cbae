/* cb_binance_sign.c - Binance SIGNED requests: HMAC-SHA256 of query string + body, X-MBX-APIKEY */
#include "cb_binance.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "cb_error.h"

int
cb_binance_sign(const uint8_t *secret, size_t secret_len, const char *query, size_t query_len,
                const char *body, size_t body_len, char hex[65])
{
    int rc = CB_E_INTERNAL;
    unsigned char mac_out[32];
    size_t n = 0;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) {
        goto fail_fetch;
    }
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    if (ctx == NULL) {
        goto fail_ctx;
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *) "SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    /* An empty key is legal HMAC; OpenSSL wants a non-NULL pointer for it. */
    static const uint8_t empty = 0;
    if (EVP_MAC_init(ctx, secret_len > 0 ? secret : &empty, secret_len, params) != 1) {
        goto fail_mac;
    }
    if ((query_len > 0 && EVP_MAC_update(ctx, (const unsigned char *) query, query_len) != 1) ||
        (body_len > 0 && EVP_MAC_update(ctx, (const unsigned char *) body, body_len) != 1)) {
        goto fail_mac;
    }
    if (EVP_MAC_final(ctx, mac_out, &n, sizeof(mac_out)) != 1 || n != sizeof(mac_out)) {
        goto fail_mac;
    }
    static const char digits[] = "0123456789abcdef";
    for (size_t k = 0; k < n; k++) {
        hex[2 * k] = digits[mac_out[k] >> 4];
        hex[2 * k + 1] = digits[mac_out[k] & 15];
    }
    hex[64] = '\0';
    rc = 0;
fail_mac:
    OPENSSL_cleanse(mac_out, sizeof(mac_out));
    EVP_MAC_CTX_free(ctx);
fail_ctx:
    EVP_MAC_free(mac);
fail_fetch:
    return rc;
}

/* Printable ASCII without spaces: nothing that could end a header line or
 * break a URL. */
static bool
s_token_ok(const char *s, size_t max)
{
    size_t len = strnlen(s, max + 1);
    if (len == 0 || len > max) {
        return false;
    }
    for (size_t k = 0; k < len; k++) {
        if ((unsigned char) s[k] <= 0x20 || (unsigned char) s[k] >= 0x7f) {
            return false;
        }
    }
    return true;
}

/* Already url-encoded params: unreserved characters, '%', '=' and '&'. */
static bool
s_params_ok(const char *s)
{
    for (; *s != '\0'; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("-_.~%=&+*,:", c) != NULL)) {
            return false;
        }
    }
    return true;
}

int
cb_binance_signed_req(const cb_venue_cfg_t *v, const char *method, const char *path,
                      const char *params, int64_t timestamp_ms, int64_t recv_window_ms,
                      const char *api_key, const uint8_t *secret, size_t secret_len,
                      bool changes_state, cb_venue_req_t *out)
{
    memset(out, 0, sizeof(*out));
    cb_buf_init(&out->body);
    out->changes_state = changes_state;
    if (v == NULL || method == NULL || path == NULL || api_key == NULL || path[0] != '/' ||
        !s_token_ok(path, 256) || strpbrk(path, "?#") != NULL || !s_token_ok(api_key, 256) ||
        timestamp_ms <= 0 || recv_window_ms < 0 || recv_window_ms > 60000) {
        return CB_E_BAD_REQUEST;
    }
    if (params == NULL) {
        params = "";
    }
    if (!s_params_ok(params) || (secret == NULL && secret_len > 0)) {
        return CB_E_BAD_REQUEST;
    }
    bool in_body;
    if (strcmp(method, "GET") == 0) {
        in_body = false;
    } else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
               strcmp(method, "DELETE") == 0) {
        /* DELETE too (Binance takes a body for POST, PUT and DELETE): a body
         * lets a cancel go out at most once on a kept-alive connection
         * (cb_http_do_once). */
        in_body = true;
    } else {
        return CB_E_BAD_REQUEST;
    }
    snprintf(out->method, sizeof(out->method), "%s", method);
    snprintf(out->headers[0], sizeof(out->headers[0]), "X-MBX-APIKEY: %s", api_key);
    if (in_body) {
        snprintf(out->headers[1], sizeof(out->headers[1]),
                 "Content-Type: application/x-www-form-urlencoded");
    }
    /* The total params, in the order of the documented example:
     * ...&recvWindow=5000&timestamp=1499827319559. */
    cb_buf_t total;
    cb_buf_init(&total);
    int rc = cb_buf_append_str(&total, params);
    if (rc == 0 && recv_window_ms > 0) {
        rc = cb_buf_appendf(&total, "%srecvWindow=%" PRId64, total.len > 0 ? "&" : "",
                            recv_window_ms);
    }
    if (rc == 0) {
        rc = cb_buf_appendf(&total, "%stimestamp=%" PRId64, total.len > 0 ? "&" : "", timestamp_ms);
    }
    char sig[65];
    if (rc == 0) {
        rc = cb_binance_sign(secret, secret_len, total.data, total.len, "", 0, sig);
    }
    if (rc == 0) {
        rc = cb_buf_appendf(&total, "&signature=%s", sig);
    }
    if (rc == 0) {
        size_t base = strnlen(v->rest_base, sizeof(v->rest_base));
        int w = in_body
                    ? snprintf(out->url, sizeof(out->url), "%.*s%s", (int) base, v->rest_base, path)
                    : snprintf(out->url, sizeof(out->url), "%.*s%s?%s", (int) base, v->rest_base,
                               path, total.data);
        if (w < 0 || (size_t) w >= sizeof(out->url)) {
            rc = CB_E_TOO_BIG;
        }
    }
    if (rc == 0 && in_body) {
        rc = cb_buf_append(&out->body, total.data, total.len);
    }
    OPENSSL_cleanse(sig, sizeof(sig));
    cb_buf_fini(&total);
    return rc;
}
