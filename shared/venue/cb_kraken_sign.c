/* cb_kraken_sign.c - Kraken private REST: the API-Sign signature and signed POST requests */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "cb_error.h"
#include "cb_kraken.h"

#define S_SIGN_LEN 88 /* base64 of 64 bytes */

static bool
s_b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

int
cb_kraken_secret_decode(const char *b64, uint8_t *key, size_t cap, size_t *key_len)
{
    size_t n = b64 != NULL ? strlen(b64) : 0;
    if (n == 0 || n % 4 != 0) {
        return CB_E_PARSE;
    }
    size_t pad = (b64[n - 1] == '=') + (n >= 2 && b64[n - 2] == '=');
    for (size_t k = 0; k < n - pad; k++) {
        if (!s_b64_char(b64[k])) {
            return CB_E_PARSE;
        }
    }
    if (pad == 1 && b64[n - 2] == '=') {
        return CB_E_PARSE;
    }
    size_t out_len = n / 4 * 3 - pad;
    if (out_len + pad > cap || n > INT32_MAX) {
        return CB_E_TOO_BIG;
    }
    /* EVP_DecodeBlock writes whole groups, the padding's zero bytes included. */
    int rc = EVP_DecodeBlock(key, (const unsigned char *) b64, (int) n);
    if (rc < 0 || (size_t) rc != out_len + pad) {
        OPENSSL_cleanse(key, cap);
        return CB_E_PARSE;
    }
    *key_len = out_len;
    return 0;
}

int
cb_kraken_sign(const char *path, const char *nonce, const char *body, size_t body_len,
               const uint8_t *key, size_t key_len, char *out, size_t size)
{
    if (size < S_SIGN_LEN + 1) {
        return CB_E_TOO_BIG;
    }
    if (key_len > INT32_MAX) {
        return CB_E_BAD_REQUEST;
    }
    size_t path_len = strlen(path);
    unsigned char msg[128 + SHA256_DIGEST_LENGTH];
    if (path_len > 128) {
        return CB_E_BAD_REQUEST;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    unsigned int digest_len = 0;
    int rc = CB_E_INTERNAL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL) {
        goto fail_ctx;
    }
    memcpy(msg, path, path_len);
    if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(md, nonce, strlen(nonce)) != 1 ||
        EVP_DigestUpdate(md, body, body_len) != 1 ||
        EVP_DigestFinal_ex(md, msg + path_len, &digest_len) != 1 ||
        digest_len != SHA256_DIGEST_LENGTH) {
        goto fail_digest;
    }
    if (HMAC(EVP_sha512(), key, (int) key_len, msg, path_len + digest_len, mac, &mac_len) == NULL ||
        mac_len != 64) {
        goto fail_digest;
    }
    EVP_EncodeBlock((unsigned char *) out, mac, 64);
    rc = 0;
fail_digest:
    EVP_MD_CTX_free(md);
fail_ctx:
    OPENSSL_cleanse(mac, sizeof mac);
    OPENSSL_cleanse(msg, sizeof msg);
    return rc;
}

static bool
s_method_ok(const char *m)
{
    size_t n = m != NULL ? strlen(m) : 0;
    if (n == 0 || n > 64) {
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        char c = m[k];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
            return false;
        }
    }
    return true;
}

/* Header values may not break the header block. */
static bool
s_header_ok(const char *v)
{
    if (v == NULL || *v == '\0') {
        return false;
    }
    for (const char *p = v; *p != '\0'; p++) {
        if ((unsigned char) *p < 0x20 || *p == 0x7f) {
            return false;
        }
    }
    return true;
}

int
cb_kraken_private_req(const cb_venue_cfg_t *v, const char *method, const char *form,
                      uint64_t nonce, const char *api_key, const uint8_t *secret,
                      size_t secret_len, bool changes_state, cb_venue_req_t *out)
{
    memset(out, 0, sizeof(*out));
    cb_buf_init(&out->body);
    out->changes_state = changes_state;
    snprintf(out->method, sizeof out->method, "POST");
    if (!s_method_ok(method) || !s_header_ok(api_key) || secret == NULL || secret_len == 0) {
        return CB_E_BAD_REQUEST;
    }
    char path[96];
    snprintf(path, sizeof path, "/0/private/%s", method);
    int n = snprintf(out->url, sizeof out->url, "%s%s", v->rest_base, path);
    if (n < 0 || (size_t) n >= sizeof out->url) {
        return CB_E_TOO_BIG;
    }
    char nonce_text[24];
    snprintf(nonce_text, sizeof nonce_text, "%llu", (unsigned long long) nonce);
    int rc = cb_buf_appendf(&out->body, "nonce=%s", nonce_text);
    if (rc == 0 && form != NULL && *form != '\0') {
        rc = cb_buf_append_char(&out->body, '&');
        rc = rc != 0 ? rc : cb_buf_append_str(&out->body, form);
    }
    if (rc != 0) {
        return rc;
    }
    char sign[S_SIGN_LEN + 1];
    rc = cb_kraken_sign(path, nonce_text, out->body.data, out->body.len, secret, secret_len, sign,
                        sizeof sign);
    if (rc != 0) {
        return rc;
    }
    n = snprintf(out->headers[0], sizeof out->headers[0], "API-Key: %s", api_key);
    if (n < 0 || (size_t) n >= sizeof out->headers[0]) {
        return CB_E_TOO_BIG;
    }
    snprintf(out->headers[1], sizeof out->headers[1], "API-Sign: %s", sign);
    snprintf(out->headers[2], sizeof out->headers[2],
             "Content-Type: application/x-www-form-urlencoded");
    snprintf(out->headers[3], sizeof out->headers[3], "User-Agent: coinbus");
    return 0;
}
