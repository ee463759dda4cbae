/* sim_auth.c - request authentication for the simulated venues: Kraken API-Sign, nonces and lockouts, Binance HMAC-SHA256 signatures and timestamps */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <msgpack.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "cb_hash.h"
#include "cb_json.h"
#include "cb_mp.h"
#include "cb_str.h"
#include "sim_auth.h"
#include "sim_params.h"

/* Longest secret accepted, in base64 characters (768 bytes decoded). */
#define S_SECRET_B64_MAX 1024
#define S_SECRET_MAX (S_SECRET_B64_MAX / 4 * 3)
#define S_BINANCE_KEY_MAX 128

/* One piece of a message fed to a digest or a MAC. */
typedef struct {
    const void *ptr;
    size_t len;
} s_part_t;

/* ---- OpenSSL helpers ---------------------------------------------------- */

static int
s_b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes strict, padded, canonical base64 (no whitespace, unused bits 0)
 * into out (size bytes). Returns the decoded length, or -1 when malformed,
 * empty or too long. EVP_DecodeBlock counts padding as zero bytes and
 * tolerates whitespace, hence the checks around it. */
static int
s_b64_decode(const char *in, size_t len, unsigned char *out, size_t size)
{
    if (in == NULL || len == 0 || len % 4 != 0 || len / 4 * 3 > size || len > S_SECRET_B64_MAX) {
        return -1;
    }
    size_t pad = 0;
    if (in[len - 1] == '=') {
        pad = in[len - 2] == '=' ? 2 : 1;
    }
    for (size_t i = 0; i < len - pad; i++) {
        if (s_b64_value((unsigned char) in[i]) < 0) {
            return -1;
        }
    }
    if ((pad == 1 && (s_b64_value((unsigned char) in[len - 2]) & 0x3) != 0) ||
        (pad == 2 && (s_b64_value((unsigned char) in[len - 3]) & 0xf) != 0)) {
        return -1;
    }
    int n = EVP_DecodeBlock(out, (const unsigned char *) in, (int) len);
    if (n < 0 || (size_t) n < pad) {
        return -1;
    }
    return n - (int) pad;
}

/* HMAC with digest ("SHA256", "SHA512") of the parts; out_size >= the
 * digest size. Returns the MAC length or -1. */
static int
s_hmac(const char *digest, const void *key, size_t key_len, const s_part_t *parts, size_t count,
       unsigned char *out, size_t out_size)
{
    int rc = -1;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (mac == NULL) {
        goto fail_fetch;
    }
    EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
    if (ctx == NULL) {
        goto fail_ctx;
    }
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *) digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(ctx, key, key_len, params) != 1) {
        goto fail_init;
    }
    for (size_t i = 0; i < count; i++) {
        if (parts[i].len > 0 && EVP_MAC_update(ctx, parts[i].ptr, parts[i].len) != 1) {
            goto fail_init;
        }
    }
    size_t n = 0;
    if (EVP_MAC_final(ctx, out, &n, out_size) == 1) {
        rc = (int) n;
    }
fail_init:
    EVP_MAC_CTX_free(ctx);
fail_ctx:
    EVP_MAC_free(mac);
fail_fetch:
    return rc;
}

/* SHA256(a || b) into out (32 bytes). Returns 0 or -1. */
static int
s_sha256(const void *a, size_t a_len, const void *b, size_t b_len, unsigned char out[32])
{
    int rc = -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        return -1;
    }
    unsigned int n = 0;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(ctx, a, a_len) == 1 &&
        EVP_DigestUpdate(ctx, b, b_len) == 1 && EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == 32) {
        rc = 0;
    }
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* ---- Kraken signatures ----------------------------------------------------- */

/* The 64-byte HMAC-SHA512 of a Kraken request into mac. Returns 0 or -1. */
static int
s_kraken_mac(const char *secret_b64, const char *path, size_t path_len, const char *nonce,
             size_t nonce_len, const char *body, size_t body_len, unsigned char mac[64])
{
    if (secret_b64 == NULL || (path == NULL && path_len > 0) || (nonce == NULL && nonce_len > 0) ||
        (body == NULL && body_len > 0)) {
        return -1;
    }
    unsigned char key[S_SECRET_MAX];
    int key_len = s_b64_decode(secret_b64, strlen(secret_b64), key, sizeof key);
    int rc = -1;
    unsigned char digest[32];
    if (key_len > 0 && s_sha256(nonce, nonce_len, body, body_len, digest) == 0) {
        s_part_t parts[] = {{path, path_len}, {digest, sizeof digest}};
        rc = s_hmac("SHA512", key, (size_t) key_len, parts, 2, mac, 64) == 64 ? 0 : -1;
    }
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int
sim_auth_kraken_sign(const char *secret_b64, const char *path, size_t path_len, const char *nonce,
                     size_t nonce_len, const char *body, size_t body_len,
                     char out[SIM_AUTH_KRAKEN_SIGN_SIZE])
{
    unsigned char mac[64];
    out[0] = '\0';
    if (s_kraken_mac(secret_b64, path, path_len, nonce, nonce_len, body, body_len, mac) != 0) {
        return -1;
    }
    /* 64 bytes encode to exactly 88 characters plus the NUL EVP writes. */
    EVP_EncodeBlock((unsigned char *) out, mac, (int) sizeof mac);
    return 0;
}

bool
sim_auth_kraken_verify(const char *secret_b64, const char *path, size_t path_len, const char *nonce,
                       size_t nonce_len, const char *body, size_t body_len, const char *sign,
                       size_t sign_len)
{
    unsigned char given[66];
    if (sign == NULL || sign_len != SIM_AUTH_KRAKEN_SIGN_SIZE - 1 ||
        s_b64_decode(sign, sign_len, given, sizeof given) != 64) {
        return false;
    }
    unsigned char mac[64];
    if (s_kraken_mac(secret_b64, path, path_len, nonce, nonce_len, body, body_len, mac) != 0) {
        return false;
    }
    return CRYPTO_memcmp(mac, given, sizeof mac) == 0;
}

/* Parses 1-20 decimal digits that fit uint64_t. */
static bool
s_parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 20) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        unsigned d = (unsigned) (s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* True when the media type is application/json (parameters ignored). */
static bool
s_is_json(const char *ct, size_t len)
{
    static const char want[] = "application/json";
    const size_t n = sizeof want - 1;
    if (ct == NULL) {
        return false;
    }
    while (len > 0 && (*ct == ' ' || *ct == '\t')) {
        ct++;
        len--;
    }
    if (len < n || strncasecmp(ct, want, n) != 0) {
        return false;
    }
    return len == n || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t';
}

/* The nonce member of a JSON object body (a positive integer or a string of
 * digits). Returns 0 or -1. */
static int
s_json_nonce(const char *body, size_t len, uint64_t *nonce, char text[SIM_AUTH_NONCE_SIZE])
{
    int rc = -1;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    if (cb_json_to_msgpack(body, len, &pk, NULL, 0) != 0) {
        goto done;
    }
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, sb.data, sb.size);
    uint32_t count;
    if (cb_mp_read_map(&r, &count) != 0) {
        goto done;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *name;
        size_t name_len;
        if (cb_mp_read_str(&r, &name, &name_len) != 0) {
            goto done;
        }
        if (name_len != 5 || memcmp(name, "nonce", 5) != 0) {
            const uint8_t *start;
            size_t skipped;
            if (cb_mp_skip(&r, &start, &skipped) != 0) {
                goto done;
            }
            continue;
        }
        /* Keys are unique (cb_json refuses duplicates): this is the one. */
        cb_mp_type_t type = cb_mp_peek(&r);
        if (type == CB_MP_UINT) {
            if (cb_mp_read_uint(&r, nonce) == 0) {
                snprintf(text, SIM_AUTH_NONCE_SIZE, "%" PRIu64, *nonce);
                rc = 0;
            }
        } else if (type == CB_MP_STR) {
            const char *s;
            size_t n;
            if (cb_mp_read_str(&r, &s, &n) == 0 && s_parse_u64(s, n, nonce)) {
                memcpy(text, s, n);
                text[n] = '\0';
                rc = 0;
            }
        }
        goto done;
    }
done:
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

int
sim_auth_kraken_nonce(const char *content_type, size_t ct_len, const char *body, size_t body_len,
                      uint64_t *nonce, char text[SIM_AUTH_NONCE_SIZE])
{
    text[0] = '\0';
    if (body == NULL) {
        return -1;
    }
    if (s_is_json(content_type, ct_len)) {
        if (s_json_nonce(body, body_len, nonce, text) != 0) {
            text[0] = '\0';
            return -1;
        }
        return 0;
    }
    if (!sim_param(body, body_len, "nonce", text, SIM_AUTH_NONCE_SIZE, NULL) ||
        !s_parse_u64(text, strlen(text), nonce)) {
        text[0] = '\0';
        return -1;
    }
    return 0;
}

/* ---- Kraken per-key state ----------------------------------------------- */

typedef struct s_key {
    struct s_key *next;
    uint64_t hash;
    bool used;                            /* some nonce has been accepted */
    uint64_t last;                        /* the highest accepted nonce */
    uint64_t window;                      /* nonce window W */
    uint64_t recent[SIM_AUTH_NONCE_RING]; /* accepted nonces, oldest at head when full */
    size_t recent_count;
    size_t recent_head;
    bool evicted; /* some nonce fell out of recent */
    uint64_t evicted_max;
    unsigned failures; /* invalid signatures / nonces in the current streak */
    int64_t streak_start_ns;
    bool locked;
    int64_t locked_until_ns;
    char key[];
} s_key_t;

struct sim_auth {
    s_key_t **slots;
    size_t nslots; /* a power of two */
    size_t count;
    unsigned lock_failures;
    int64_t lock_window_ns;
    int64_t lock_ns;
};

static uint64_t
s_hash(const char *s)
{
    return cb_fnv1a64_str(CB_FNV1A64_INIT, s);
}

static int64_t
s_add_sat(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b) {
        return INT64_MAX;
    }
    return a + b;
}

sim_auth_t *
sim_auth_new(void)
{
    sim_auth_t *auth = calloc(1, sizeof *auth);
    if (auth == NULL) {
        return NULL;
    }
    auth->nslots = 64;
    auth->slots = calloc(auth->nslots, sizeof *auth->slots);
    if (auth->slots == NULL) {
        free(auth);
        return NULL;
    }
    auth->lock_failures = SIM_AUTH_LOCK_FAILURES;
    auth->lock_window_ns = SIM_AUTH_LOCK_WINDOW_NS;
    auth->lock_ns = SIM_AUTH_LOCK_NS;
    return auth;
}

void
sim_auth_destroy(sim_auth_t **auth_p)
{
    if (auth_p == NULL || *auth_p == NULL) {
        return;
    }
    sim_auth_t *auth = *auth_p;
    for (size_t i = 0; i < auth->nslots; i++) {
        s_key_t *k = auth->slots[i];
        while (k != NULL) {
            s_key_t *next = k->next;
            free(k);
            k = next;
        }
    }
    free(auth->slots);
    free(auth);
    *auth_p = NULL;
}

void
sim_auth_set_lockout(sim_auth_t *auth, unsigned failures, int64_t window_ns, int64_t lock_ns)
{
    auth->lock_failures = failures;
    auth->lock_window_ns = window_ns > 0 ? window_ns : 0;
    auth->lock_ns = lock_ns > 0 ? lock_ns : 0;
}

static s_key_t *
s_find(const sim_auth_t *auth, const char *key, uint64_t hash)
{
    for (s_key_t *k = auth->slots[hash & (auth->nslots - 1)]; k != NULL; k = k->next) {
        if (k->hash == hash && strcmp(k->key, key) == 0) {
            return k;
        }
    }
    return NULL;
}

/* Doubles the slot array; on failure the table simply stays denser. */
static void
s_grow(sim_auth_t *auth)
{
    size_t n = auth->nslots * 2;
    s_key_t **slots = calloc(n, sizeof *slots);
    if (slots == NULL) {
        return;
    }
    for (size_t i = 0; i < auth->nslots; i++) {
        s_key_t *k = auth->slots[i];
        while (k != NULL) {
            s_key_t *next = k->next;
            k->next = slots[k->hash & (n - 1)];
            slots[k->hash & (n - 1)] = k;
            k = next;
        }
    }
    free(auth->slots);
    auth->slots = slots;
    auth->nslots = n;
}

/* key's state, created when absent. NULL when out of memory. */
static s_key_t *
s_get(sim_auth_t *auth, const char *key)
{
    uint64_t hash = s_hash(key);
    s_key_t *k = s_find(auth, key, hash);
    if (k != NULL) {
        return k;
    }
    size_t len = strlen(key);
    k = calloc(1, sizeof *k + len + 1);
    if (k == NULL) {
        return NULL;
    }
    memcpy(k->key, key, len + 1);
    k->hash = hash;
    if (auth->count >= auth->nslots) {
        s_grow(auth);
    }
    size_t slot = hash & (auth->nslots - 1);
    k->next = auth->slots[slot];
    auth->slots[slot] = k;
    auth->count++;
    return k;
}

int
sim_auth_set_nonce_window(sim_auth_t *auth, const char *key, uint64_t window)
{
    s_key_t *k = s_get(auth, key);
    if (k == NULL) {
        return -1;
    }
    k->window = window;
    return 0;
}

static bool
s_nonce_ok(const s_key_t *k, uint64_t nonce)
{
    if (!k->used || nonce > k->last) {
        return true;
    }
    if (k->window == 0) {
        return false;
    }
    /* Inside the window: above last - W (everything is when last < W)... */
    if (k->last >= k->window && nonce <= k->last - k->window) {
        return false;
    }
    /* ...above every forgotten nonce, and not a remembered one. */
    if (k->evicted && nonce <= k->evicted_max) {
        return false;
    }
    for (size_t i = 0; i < k->recent_count; i++) {
        if (k->recent[i] == nonce) {
            return false;
        }
    }
    return true;
}

static void
s_nonce_record(s_key_t *k, uint64_t nonce)
{
    if (k->recent_count == SIM_AUTH_NONCE_RING) {
        uint64_t old = k->recent[k->recent_head];
        if (!k->evicted || old > k->evicted_max) {
            k->evicted_max = old;
        }
        k->evicted = true;
    } else {
        k->recent_count++;
    }
    k->recent[k->recent_head] = nonce;
    k->recent_head = (k->recent_head + 1) % SIM_AUTH_NONCE_RING;
    if (!k->used || nonce > k->last) {
        k->last = nonce;
    }
    k->used = true;
}

const char *
sim_auth_kraken_nonce_use(sim_auth_t *auth, const char *key, uint64_t nonce)
{
    s_key_t *k = s_get(auth, key);
    if (k == NULL) {
        return SIM_KRAKEN_INTERNAL;
    }
    if (!s_nonce_ok(k, nonce)) {
        return SIM_KRAKEN_INVALID_NONCE;
    }
    s_nonce_record(k, nonce);
    return NULL;
}

/* Counts one invalid signature or nonce; the streak restarts when its first
 * failure is older than the window. */
static void
s_fail(const sim_auth_t *auth, s_key_t *k, int64_t now_ns)
{
    if (auth->lock_failures == 0) {
        return;
    }
    if (k->failures == 0 || now_ns - k->streak_start_ns > auth->lock_window_ns) {
        k->failures = 0;
        k->streak_start_ns = now_ns;
    }
    if (++k->failures >= auth->lock_failures) {
        k->locked = true;
        k->locked_until_ns = s_add_sat(now_ns, auth->lock_ns);
        k->failures = 0;
    }
}

static bool
s_locked(const s_key_t *k, int64_t now_ns)
{
    return k->locked && now_ns < k->locked_until_ns;
}

bool
sim_auth_kraken_locked(const sim_auth_t *auth, const char *key, int64_t now_ns)
{
    if (key == NULL) {
        return false;
    }
    const s_key_t *k = s_find(auth, key, s_hash(key));
    return k != NULL && s_locked(k, now_ns);
}

const char *
sim_auth_kraken_check(sim_auth_t *auth, const char *key, const char *secret_b64, const char *path,
                      size_t path_len, const char *content_type, size_t ct_len, const char *body,
                      size_t body_len, const char *sign, size_t sign_len, int64_t now_ns)
{
    if (key == NULL || key[0] == '\0' || secret_b64 == NULL) {
        return SIM_KRAKEN_INVALID_KEY;
    }
    s_key_t *k = s_get(auth, key);
    if (k == NULL) {
        return SIM_KRAKEN_INTERNAL;
    }
    if (s_locked(k, now_ns)) {
        return SIM_KRAKEN_LOCKOUT;
    }
    uint64_t nonce;
    char text[SIM_AUTH_NONCE_SIZE];
    if (sim_auth_kraken_nonce(content_type, ct_len, body, body_len, &nonce, text) != 0) {
        s_fail(auth, k, now_ns);
        return SIM_KRAKEN_INVALID_NONCE;
    }
    if (!sim_auth_kraken_verify(secret_b64, path, path_len, text, strlen(text), body, body_len,
                                sign, sign_len)) {
        s_fail(auth, k, now_ns);
        return SIM_KRAKEN_INVALID_SIGNATURE;
    }
    if (!s_nonce_ok(k, nonce)) {
        s_fail(auth, k, now_ns);
        return SIM_KRAKEN_INVALID_NONCE;
    }
    s_nonce_record(k, nonce);
    k->failures = 0;
    return NULL;
}

/* ---- Binance -------------------------------------------------------------- */

int
sim_auth_binance_error(sim_binance_error_t *err, int status, int code, const char *msg)
{
    if (err != NULL) {
        err->status = status;
        err->code = code;
        snprintf(err->msg, sizeof err->msg, "%s", msg);
    }
    return code;
}

int
sim_auth_binance_sign(const char *secret, size_t secret_len, const char *payload, size_t len,
                      char out[SIM_AUTH_BINANCE_SIGN_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[32];
    s_part_t part = {payload, len};
    out[0] = '\0';
    if (secret == NULL || secret_len == 0 || (payload == NULL && len > 0) ||
        s_hmac("SHA256", secret, secret_len, &part, 1, mac, sizeof mac) != 32) {
        return -1;
    }
    for (size_t i = 0; i < sizeof mac; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 0xf];
    }
    out[64] = '\0';
    return 0;
}

/* Where the signature parameter sits in one parameter string. */
typedef struct {
    size_t count;     /* signature parameters found */
    size_t cut_start; /* the bytes left out of the payload: the parameter and one '&' */
    size_t cut_end;
    const char *value;
    size_t value_len;
} s_sig_t;

static void
s_find_signature(const char *s, size_t len, s_sig_t *sig)
{
    static const char name[] = "signature";
    const size_t name_len = sizeof name - 1;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && s[end] != '&') {
            end++;
        }
        const char *eq = memchr(s + i, '=', end - i);
        size_t n = eq != NULL ? (size_t) (eq - (s + i)) : end - i;
        if (n == name_len && memcmp(s + i, name, name_len) == 0) {
            if (sig->count++ == 0) {
                sig->value = eq != NULL ? eq + 1 : s + end;
                sig->value_len = (size_t) (s + end - sig->value);
                if (i > 0) { /* "...&signature=x": drop "&signature=x" */
                    sig->cut_start = i - 1;
                    sig->cut_end = end;
                } else if (end < len) { /* "signature=x&...": drop "signature=x&" */
                    sig->cut_start = 0;
                    sig->cut_end = end + 1;
                } else {
                    sig->cut_start = 0;
                    sig->cut_end = len;
                }
            }
        }
        i = end + 1;
    }
}

int
sim_auth_binance_verify(const char *secret, size_t secret_len, const char *query, size_t query_len,
                        const char *body, size_t body_len, sim_binance_error_t *err)
{
    if (query == NULL) {
        query = "";
        query_len = 0;
    }
    if (body == NULL) {
        body = "";
        body_len = 0;
    }
    s_sig_t in_query = {0};
    s_sig_t in_body = {0};
    s_find_signature(query, query_len, &in_query);
    s_find_signature(body, body_len, &in_body);
    if (in_query.count + in_body.count > 1) {
        return sim_auth_binance_error(err, 400, -1101,
                                      "Duplicate values for a parameter detected.");
    }
    const s_sig_t *sig = in_query.count > 0 ? &in_query : &in_body;
    if (sig->count == 0 || sig->value_len == 0) {
        return sim_auth_binance_error(
            err, 400, -1102,
            "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    }
    unsigned char given[32];
    bool well_formed = sig->value_len == 64;
    for (size_t i = 0; well_formed && i < 32; i++) {
        int hi = cb_str_hex_digit(sig->value[2 * i]);
        int lo = cb_str_hex_digit(sig->value[2 * i + 1]);
        well_formed = hi >= 0 && lo >= 0;
        given[i] = (unsigned char) (well_formed ? hi * 16 + lo : 0);
    }
    /* The payload: the query then the body, each minus the signature's cut
     * (an empty cut where the signature is not). */
    s_part_t parts[] = {
        {query, in_query.cut_start},
        {query + in_query.cut_end, query_len - in_query.cut_end},
        {body, in_body.cut_start},
        {body + in_body.cut_end, body_len - in_body.cut_end},
    };
    unsigned char mac[32];
    if (!well_formed || secret == NULL || secret_len == 0 ||
        s_hmac("SHA256", secret, secret_len, parts, 4, mac, sizeof mac) != 32 ||
        CRYPTO_memcmp(mac, given, sizeof mac) != 0) {
        return sim_auth_binance_error(err, 400, SIM_BINANCE_INVALID_SIGNATURE,
                                      SIM_BINANCE_INVALID_SIGNATURE_MSG);
    }
    return 0;
}

int
sim_auth_binance_key_format(const char *key, size_t len, sim_binance_error_t *err)
{
    bool ok = key != NULL && len > 0 && len <= S_BINANCE_KEY_MAX;
    for (size_t i = 0; ok && i < len; i++) {
        ok = key[i] > ' ' && key[i] <= '~';
    }
    if (!ok) {
        return sim_auth_binance_error(err, 401, SIM_BINANCE_BAD_API_KEY_FMT,
                                      SIM_BINANCE_BAD_API_KEY_FMT_MSG);
    }
    return 0;
}

/* Looks name up in the query string, then in the body (the query string
 * wins, as on Binance). Returns 1 found and decoded into out, 0 absent, -1
 * present but undecodable (bad %xx, a NUL, too long). */
static int
s_binance_param(const char *query, size_t query_len, const char *body, size_t body_len,
                const char *name, char *out, size_t size)
{
    bool present = false;
    if (query != NULL && sim_param(query, query_len, name, out, size, &present)) {
        return 1;
    }
    if (present) {
        return -1;
    }
    if (body != NULL && sim_param(body, body_len, name, out, size, &present)) {
        return 1;
    }
    return present ? -1 : 0;
}

/* recvWindow text in microseconds: 1-10 digits, then up to 3 decimals. */
static bool
s_parse_recv_window(const char *s, int64_t *us)
{
    size_t i = 0;
    int64_t v = 0;
    while (s[i] >= '0' && s[i] <= '9' && i < 10) {
        v = v * 10 + (s[i] - '0');
        i++;
    }
    if (i == 0) {
        return false;
    }
    int64_t frac = 0;
    int scale = 1000;
    if (s[i] == '.') {
        size_t j = i + 1;
        while (s[j] >= '0' && s[j] <= '9' && j - i <= 3) {
            scale /= 10;
            frac += (s[j] - '0') * scale;
            j++;
        }
        if (j == i + 1) {
            return false;
        }
        i = j;
    }
    if (s[i] != '\0') {
        return false;
    }
    *us = v * 1000 + frac;
    return true;
}

int
sim_auth_binance_timestamp(const char *query, size_t query_len, const char *body, size_t body_len,
                           int64_t server_ms, sim_binance_error_t *err)
{
    char text[32];
    int found = s_binance_param(query, query_len, body, body_len, "timestamp", text, sizeof text);
    if (found == 0 || (found == 1 && text[0] == '\0')) {
        return sim_auth_binance_error(
            err, 400, -1102,
            "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
    }
    uint64_t ts;
    if (found < 0 || !s_parse_u64(text, strlen(text), &ts)) {
        return sim_auth_binance_error(
            err, 400, -1100,
            "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'.");
    }
    int64_t window_us = (int64_t) SIM_BINANCE_RECV_WINDOW_DEFAULT * 1000;
    found = s_binance_param(query, query_len, body, body_len, "recvWindow", text, sizeof text);
    if (found == 1 && text[0] == '\0') {
        return sim_auth_binance_error(err, 400, -1105, "Parameter 'recvWindow' was empty.");
    }
    if (found < 0 || (found == 1 && !s_parse_recv_window(text, &window_us))) {
        return sim_auth_binance_error(err, 400, -1100,
                                      "Illegal characters found in parameter 'recvWindow'; legal "
                                      "range is '^[0-9]{1,10}(\\.[0-9]{1,3})?$'.");
    }
    if (window_us > (int64_t) SIM_BINANCE_RECV_WINDOW_MAX * 1000) {
        return sim_auth_binance_error(
            err, 400, -1102,
            "'recvWindow' contains unexpected value. Cannot be greater than '60000'.");
    }
    /* Compared in microseconds, exactly, in 128 bits: ts may be near 2^64. */
    __int128 ts_us = ts >= 100000000000000ULL ? (__int128) ts : (__int128) ts * 1000;
    __int128 server_us = (__int128) server_ms * 1000;
    if (ts_us >= server_us + 1000000) {
        return sim_auth_binance_error(err, 400, SIM_BINANCE_INVALID_TIMESTAMP,
                                      SIM_BINANCE_AHEAD_MSG);
    }
    if (server_us - ts_us > window_us) {
        return sim_auth_binance_error(err, 400, SIM_BINANCE_INVALID_TIMESTAMP,
                                      SIM_BINANCE_OUTSIDE_WINDOW_MSG);
    }
    return 0;
}
