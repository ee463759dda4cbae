/* cb_creds_crypt.c - the encrypted credentials envelope: AES-256-GCM under an scrypt key, header bound as AAD */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cb_creds_impl.h"
#include "cb_error.h"
#include "cb_jtok.h"
#include "cb_kraken.h"
#include "cb_secmem.h"

#define S_FORMAT "coinbus-credentials"
#define S_VERSION 1
#define S_SALT_LEN 16
#define S_NONCE_LEN CB_CREDS_NONCE_LEN
#define S_TAG_LEN CB_CREDS_TAG_LEN
#define S_KEY_LEN 32
#define S_MAX_CIPHER (1u << 20)
#define S_B64_FIELD 128

/* The header fields, as the file spells them; they are bound as AAD. */
typedef struct {
    uint64_t n;
    uint64_t r;
    uint64_t p;
    char salt[S_B64_FIELD];
    char nonce[S_B64_FIELD];
} s_header_t;

static void
s_aad(const s_header_t *h, char *out, size_t size)
{
    snprintf(out, size, S_FORMAT " v%d scrypt n=%llu r=%llu p=%llu salt=%s aes-256-gcm nonce=%s",
             S_VERSION, (unsigned long long) h->n, (unsigned long long) h->r,
             (unsigned long long) h->p, h->salt, h->nonce);
}

static int
s_derive(const char *pass, size_t pass_len, const uint8_t *salt, size_t salt_len,
         const s_header_t *h, uint8_t key[S_KEY_LEN])
{
    uint64_t maxmem = 2ull * CB_CREDS_SCRYPT_MAX_BYTES + (1u << 20);
    return EVP_PBE_scrypt(pass, pass_len, salt, salt_len, h->n, h->r, h->p, maxmem, key,
                          S_KEY_LEN) == 1
               ? 0
               : CB_E_INTERNAL;
}

/* One AES-256-GCM pass: encrypt (tag written) or decrypt (tag checked).
 * 0, CB_E_UNAUTHORIZED (tag mismatch) or CB_E_INTERNAL. */
static int
s_gcm(bool enc, const uint8_t key[S_KEY_LEN], const uint8_t nonce[S_NONCE_LEN], const char *aad,
      const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[S_TAG_LEN])
{
    int rc = CB_E_INTERNAL;
    int n = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx == NULL) {
        return CB_E_NOMEM;
    }
    if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc ? 1 : 0) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, S_NONCE_LEN, NULL) != 1 ||
        EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc ? 1 : 0) != 1 ||
        EVP_CipherUpdate(ctx, NULL, &n, (const uint8_t *) aad, (int) strlen(aad)) != 1 ||
        EVP_CipherUpdate(ctx, out, &n, in, (int) len) != 1) {
        goto done;
    }
    if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, S_TAG_LEN, tag) != 1) {
        goto done;
    }
    if (EVP_CipherFinal_ex(ctx, out + n, &n) != 1) {
        rc = enc ? CB_E_INTERNAL : CB_E_UNAUTHORIZED;
        goto done;
    }
    if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, S_TAG_LEN, tag) != 1) {
        goto done;
    }
    rc = 0;
done:
    EVP_CIPHER_CTX_free(ctx);
    return rc;
}

static char *
s_b64(const uint8_t *data, size_t len)
{
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (out != NULL) {
        EVP_EncodeBlock((unsigned char *) out, data, (int) len);
    }
    return out;
}

int
cb_creds_seal(const char *plain, size_t len, const char *pass, size_t pass_len, char **out)
{
    if (len > S_MAX_CIPHER) {
        return CB_E_TOO_BIG;
    }
    s_header_t h = {.n = CB_CREDS_SCRYPT_N, .r = CB_CREDS_SCRYPT_R, .p = CB_CREDS_SCRYPT_P};
    uint8_t salt[S_SALT_LEN];
    uint8_t nonce[S_NONCE_LEN];
    uint8_t tag[S_TAG_LEN];
    uint8_t key[S_KEY_LEN];
    char aad[512];
    char *ct64 = NULL;
    char *tag64 = NULL;
    int rc = CB_E_NOMEM;
    uint8_t *ct = malloc(len + 1);
    if (ct == NULL) {
        return CB_E_NOMEM;
    }
    if (RAND_bytes(salt, sizeof salt) != 1 || RAND_bytes(nonce, sizeof nonce) != 1) {
        rc = CB_E_INTERNAL;
        goto done;
    }
    EVP_EncodeBlock((unsigned char *) h.salt, salt, sizeof salt);
    EVP_EncodeBlock((unsigned char *) h.nonce, nonce, sizeof nonce);
    s_aad(&h, aad, sizeof aad);
    rc = s_derive(pass, pass_len, salt, sizeof salt, &h, key);
    if (rc == 0) {
        rc = s_gcm(true, key, nonce, aad, (const uint8_t *) plain, len, ct, tag);
    }
    OPENSSL_cleanse(key, sizeof key);
    if (rc != 0) {
        goto done;
    }
    ct64 = s_b64(ct, len);
    tag64 = s_b64(tag, sizeof tag);
    size_t cap = (ct64 != NULL ? strlen(ct64) : 0) + 512;
    *out = ct64 != NULL && tag64 != NULL ? malloc(cap) : NULL;
    if (*out == NULL) {
        rc = CB_E_NOMEM;
        goto done;
    }
    snprintf(*out, cap,
             "{\"format\": \"" S_FORMAT "\", \"version\": %d,\n"
             " \"kdf\": \"scrypt\", \"n\": %llu, \"r\": %llu, \"p\": %llu, \"salt\": \"%s\",\n"
             " \"cipher\": \"aes-256-gcm\", \"nonce\": \"%s\", \"tag\": \"%s\",\n"
             " \"ciphertext\": \"%s\"}\n",
             S_VERSION, (unsigned long long) h.n, (unsigned long long) h.r,
             (unsigned long long) h.p, h.salt, h.nonce, tag64, ct64);
done:
    free(tag64);
    free(ct64);
    free(ct);
    return rc;
}

/* A base64 field of the envelope, decoded: exactly want bytes (0: at most
 * cap). 0 or CB_E_PARSE. */
static int
s_field_b64(const cb_jdoc_t *jd, const char *name, char *text, size_t text_size, uint8_t *bin,
            size_t cap, size_t want, size_t *len)
{
    size_t got = 0;
    if (cb_jtok_string(jd, cb_jtok_get(jd, 0, name), text, text_size) <= 0 ||
        cb_kraken_secret_decode(text, bin, cap, &got) != 0 || (want != 0 && got != want)) {
        return CB_E_PARSE;
    }
    *len = got;
    return 0;
}

/* Reads and bounds the header; why names the field at fault. */
static int
s_header(const cb_jdoc_t *jd, s_header_t *h, uint8_t *salt, size_t *salt_len, uint8_t *nonce,
         size_t *nonce_len, uint8_t *tag, size_t *tag_len, char *why, size_t why_size)
{
    int64_t version = 0;
    char tag64[S_B64_FIELD];
    if (!cb_jtok_eq(jd, cb_jtok_get(jd, 0, "format"), S_FORMAT) ||
        cb_jtok_i64(jd, cb_jtok_get(jd, 0, "version"), &version) != 0) {
        snprintf(why, why_size, "not a coinbus encrypted credentials file (no format/version)");
        return CB_E_PARSE;
    }
    if (version != S_VERSION || !cb_jtok_eq(jd, cb_jtok_get(jd, 0, "kdf"), "scrypt") ||
        !cb_jtok_eq(jd, cb_jtok_get(jd, 0, "cipher"), "aes-256-gcm")) {
        snprintf(why, why_size, "unsupported version, kdf or cipher (want version %d, scrypt, "
                                "aes-256-gcm)", S_VERSION);
        return CB_E_PARSE;
    }
    if (cb_jtok_u64(jd, cb_jtok_get(jd, 0, "n"), &h->n) != 0 ||
        cb_jtok_u64(jd, cb_jtok_get(jd, 0, "r"), &h->r) != 0 ||
        cb_jtok_u64(jd, cb_jtok_get(jd, 0, "p"), &h->p) != 0 || h->n < 2 ||
        (h->n & (h->n - 1)) != 0 || h->r == 0 || h->p == 0 || h->n > CB_CREDS_SCRYPT_MAX_BYTES ||
        h->r > 64 || h->p > 64 || 128 * h->n * h->r * h->p > CB_CREDS_SCRYPT_MAX_BYTES) {
        snprintf(why, why_size, "scrypt parameters missing or beyond the limit (n a power of 2, "
                                "128*n*r*p at most %u MiB)", CB_CREDS_SCRYPT_MAX_BYTES >> 20);
        return CB_E_PARSE;
    }
    if (s_field_b64(jd, "salt", h->salt, sizeof h->salt, salt, CB_CREDS_SALT_MAX, 0,
                    salt_len) != 0 ||
        *salt_len < 8 ||
        s_field_b64(jd, "nonce", h->nonce, sizeof h->nonce, nonce, S_NONCE_LEN + 2, S_NONCE_LEN,
                    nonce_len) != 0 ||
        s_field_b64(jd, "tag", tag64, sizeof tag64, tag, S_TAG_LEN + 2, S_TAG_LEN,
                    tag_len) != 0) {
        snprintf(why, why_size, "salt, nonce (%d bytes) or tag (%d bytes) missing or not base64",
                 S_NONCE_LEN, S_TAG_LEN);
        return CB_E_PARSE;
    }
    return 0;
}

int
cb_creds_envelope_parse(const char *env, size_t len, cb_creds_envelope_t *out, char *why,
                        size_t why_size)
{
    s_header_t h;
    size_t nonce_len = 0;
    size_t tag_len = 0;
    char *ct64 = NULL;
    cb_jdoc_t jd;
    memset(out, 0, sizeof *out);
    cb_jdoc_init(&jd);
    jd.max_tokens = 64;
    int rc = cb_jdoc_parse(&jd, env, len);
    if (rc != 0 || cb_jtok_type(&jd, 0) != CB_JT_OBJECT) {
        snprintf(why, why_size, "not a JSON envelope (truncated or corrupt)");
        rc = CB_E_PARSE;
        goto done;
    }
    rc = s_header(&jd, &h, out->salt, &out->salt_len, out->nonce, &nonce_len, out->tag,
                  &tag_len, why, why_size);
    if (rc != 0) {
        goto done;
    }
    out->n = h.n;
    out->r = h.r;
    out->p = h.p;
    s_aad(&h, out->aad, sizeof out->aad);
    /* The ciphertext's buffers are bounded by the input's own length. */
    cb_str_t raw = cb_jtok_raw(&jd, cb_jtok_get(&jd, 0, "ciphertext"));
    ct64 = raw.ptr != NULL && raw.len <= 4 * (S_MAX_CIPHER / 3) + 4 ? malloc(raw.len + 1) : NULL;
    out->ciphertext = ct64 != NULL ? malloc(raw.len + 1) : NULL;
    if (out->ciphertext == NULL ||
        s_field_b64(&jd, "ciphertext", ct64, raw.len + 1, out->ciphertext, raw.len + 1, 0,
                    &out->ciphertext_len) != 0) {
        snprintf(why, why_size, "ciphertext missing, too large or not base64");
        cb_creds_envelope_fini(out);
        rc = CB_E_PARSE;
        goto done;
    }
done:
    free(ct64);
    cb_jdoc_fini(&jd);
    return rc;
}

void
cb_creds_envelope_fini(cb_creds_envelope_t *e)
{
    free(e->ciphertext);
    e->ciphertext = NULL;
    e->ciphertext_len = 0;
}

int
cb_creds_open(const char *env, size_t len, const char *pass, size_t pass_len, char **plain,
              size_t *plain_len, size_t *plain_cap, char *why, size_t why_size)
{
    cb_creds_envelope_t e;
    uint8_t key[S_KEY_LEN];
    int rc = cb_creds_envelope_parse(env, len, &e, why, why_size);
    if (rc != 0) {
        return rc;
    }
    size_t cap = e.ciphertext_len + 1;
    char *out = cb_secmem_alloc(cap);
    if (out == NULL) {
        snprintf(why, why_size, "out of memory");
        rc = CB_E_NOMEM;
        goto done;
    }
    s_header_t h = {.n = e.n, .r = e.r, .p = e.p};
    rc = s_derive(pass, pass_len, e.salt, e.salt_len, &h, key);
    if (rc == 0) {
        rc = s_gcm(false, key, e.nonce, e.aad, e.ciphertext, e.ciphertext_len, (uint8_t *) out,
                   e.tag);
    }
    OPENSSL_cleanse(key, sizeof key);
    if (rc != 0) {
        snprintf(why, why_size, "%s", rc == CB_E_UNAUTHORIZED
                                          ? "wrong passphrase, or the file was altered"
                                          : "decryption failed (OpenSSL)");
        cb_secmem_free((void **) &out, cap);
        goto done;
    }
    *plain = out;
    *plain_len = e.ciphertext_len;
    *plain_cap = cap;
done:
    cb_creds_envelope_fini(&e);
    return rc;
}
