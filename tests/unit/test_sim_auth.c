/* test_sim_auth.c - venue-sim request authentication: Kraken API-Sign (official vector), nonces and lockout; Binance signatures (official vectors) and timestamps */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sim_auth.h"

#define NS 1000000000LL

/* kraken.md section 3, copied from Kraken's authentication guide. */
static const char k_secret[] =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
static const char k_nonce[] = "1616492376594";
static const char k_body[] =
    "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25";
static const char k_path[] = "/0/private/AddOrder";
static const char k_sign[] =
    "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==";
static const char k_sha256[] = "23a1c1b34c6a11d641af0f24684896cb90f66fb991125c83dc357bdc3dc146f1";

/* binance.md section 3, Binance's HMAC examples. */
static const char b_secret[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
static const char b_params[] =
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
    "timestamp=1499827319559";
static const char b_sig[] = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
static const char b_query3[] = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
static const char b_body3[] = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
static const char b_sig3[] = "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77";
static const char b_params_utf8[] =
    "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&"
    "timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
static const char b_sig_utf8[] = "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3";

static bool
s_kverify(const char *secret, const char *path, const char *nonce, const char *body,
          const char *sign)
{
    return sim_auth_kraken_verify(secret, path, strlen(path), nonce, strlen(nonce), body,
                                  strlen(body), sign, sign != NULL ? strlen(sign) : 0);
}

static void
s_hex(const unsigned char *in, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++) {
        snprintf(out + 2 * i, 3, "%02x", in[i]);
    }
}

static void
test_kraken_official_vector(void **state)
{
    (void) state;
    /* The intermediate digest and the HMAC over path || digest, computed here
     * with OpenSSL directly, pin down the documented construction. */
    char nb[256];
    snprintf(nb, sizeof nb, "%s%s", k_nonce, k_body);
    unsigned char digest[32];
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(nb, strlen(nb), digest, &n, EVP_sha256(), NULL), 1);
    char hex[65];
    s_hex(digest, 32, hex);
    assert_string_equal(hex, k_sha256);
    unsigned char key[66]; /* 64 bytes and the two zeros DecodeBlock makes of the padding */
    assert_int_equal(EVP_DecodeBlock(key, (const unsigned char *) k_secret, (int) strlen(k_secret)),
                     66);
    unsigned char msg[64];
    memcpy(msg, k_path, strlen(k_path));
    memcpy(msg + strlen(k_path), digest, 32);
    unsigned char mac[64];
    unsigned int mac_len = 0;
    assert_non_null(HMAC(EVP_sha512(), key, 64, msg, strlen(k_path) + 32, mac, &mac_len));
    char b64[89];
    EVP_EncodeBlock((unsigned char *) b64, mac, 64);
    assert_string_equal(b64, k_sign);

    char out[SIM_AUTH_KRAKEN_SIGN_SIZE];
    assert_int_equal(sim_auth_kraken_sign(k_secret, k_path, strlen(k_path), k_nonce,
                                          strlen(k_nonce), k_body, strlen(k_body), out),
                     0);
    assert_string_equal(out, k_sign);
    assert_true(s_kverify(k_secret, k_path, k_nonce, k_body, k_sign));
}

static void
test_kraken_verify_rejects(void **state)
{
    (void) state;
    /* A wrong signature: one character changed, and a valid one of another request. */
    char wrong[sizeof k_sign];
    memcpy(wrong, k_sign, sizeof k_sign);
    wrong[10] = wrong[10] == 'A' ? 'B' : 'A';
    assert_false(s_kverify(k_secret, k_path, k_nonce, k_body, wrong));
    memcpy(wrong, k_sign, sizeof k_sign);
    wrong[83] = wrong[83] == 'A' ? 'B' : 'A'; /* the last bytes count too */
    assert_false(s_kverify(k_secret, k_path, k_nonce, k_body, wrong));
    /* The body, path or nonce text changed. */
    assert_false(s_kverify(
        k_secret, k_path, k_nonce,
        "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.26",
        k_sign));
    assert_false(s_kverify(k_secret, k_path, k_nonce, "", k_sign));
    assert_false(s_kverify(k_secret, "/0/private/CancelOrder", k_nonce, k_body, k_sign));
    assert_false(s_kverify(k_secret, "/kraken/0/private/AddOrder", k_nonce, k_body, k_sign));
    assert_false(s_kverify(k_secret, k_path, "1616492376595", k_body, k_sign));
    /* A different (valid) secret. */
    assert_false(s_kverify("AAAAAAAAAAAAAAAAAAAAAA==", k_path, k_nonce, k_body, k_sign));
    /* Bad base64 secrets: never a crash, never valid, sign refuses them. */
    const char *bad_secrets[] = {
        "", "not base64!", "abc", "====", "A===", "QR==", "QUJD\n", " QUJD", "QU=D"};
    char out[SIM_AUTH_KRAKEN_SIGN_SIZE];
    for (size_t i = 0; i < sizeof bad_secrets / sizeof bad_secrets[0]; i++) {
        assert_false(s_kverify(bad_secrets[i], k_path, k_nonce, k_body, k_sign));
        assert_int_equal(sim_auth_kraken_sign(bad_secrets[i], k_path, strlen(k_path), k_nonce,
                                              strlen(k_nonce), k_body, strlen(k_body), out),
                         -1);
        assert_string_equal(out, "");
    }
    assert_false(s_kverify(NULL, k_path, k_nonce, k_body, k_sign));
    /* Bad base64 signatures: wrong length, bad characters, non-canonical last
     * character, padding missing, empty, absent. */
    char bad[sizeof k_sign];
    memcpy(bad, k_sign, sizeof k_sign);
    bad[5] = '*';
    assert_false(s_kverify(k_secret, k_path, k_nonce, k_body, bad));
    memcpy(bad, k_sign, sizeof k_sign);
    bad[85] = 'R'; /* "UQ==" -> "UR==": the same bytes to a lenient decoder */
    assert_false(s_kverify(k_secret, k_path, k_nonce, k_body, bad));
    memcpy(bad, k_sign, sizeof k_sign);
    bad[86] = '\0'; /* padding removed */
    assert_false(s_kverify(k_secret, k_path, k_nonce, k_body, bad));
    assert_false(s_kverify(k_secret, k_path, k_nonce, k_body, ""));
    assert_false(s_kverify(k_secret, k_path, k_nonce, k_body, NULL));
    assert_false(s_kverify(k_secret, k_path, k_nonce, k_body, "QUJD"));
    char longer[200];
    snprintf(longer, sizeof longer, "%sQUJD", k_sign);
    assert_false(s_kverify(k_secret, k_path, k_nonce, k_body, longer));
}

static int
s_nonce(const char *ct, const char *body, uint64_t *v, char *text)
{
    return sim_auth_kraken_nonce(ct, ct != NULL ? strlen(ct) : 0, body, strlen(body), v, text);
}

static void
test_kraken_nonce_extraction(void **state)
{
    (void) state;
    uint64_t v;
    char text[SIM_AUTH_NONCE_SIZE];
    assert_int_equal(s_nonce(NULL, k_body, &v, text), 0);
    assert_int_equal(v, 1616492376594ULL);
    assert_string_equal(text, k_nonce);
    assert_int_equal(s_nonce("application/x-www-form-urlencoded", "pair=XBTUSD&nonce=42", &v, text),
                     0);
    assert_int_equal(v, 42);
    assert_int_equal(s_nonce(NULL, "nonce=18446744073709551615", &v, text), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(s_nonce(NULL, "nonce=0", &v, text), 0);
    assert_int_equal(v, 0);
    const char *bad_forms[] = {"",
                               "pair=XBTUSD",
                               "nonce=",
                               "nonce=12a",
                               "nonce=-1",
                               "nonce=+1",
                               "nonce=1.5",
                               "nonce=%31%3",
                               "nonce=18446744073709551616",
                               "nonce=123456789012345678901",
                               "nonce= 1",
                               "nonces=1"};
    for (size_t i = 0; i < sizeof bad_forms / sizeof bad_forms[0]; i++) {
        assert_int_equal(s_nonce(NULL, bad_forms[i], &v, text), -1);
        assert_string_equal(text, "");
    }
    /* JSON: the content type decides; numbers and digit strings. */
    assert_int_equal(
        s_nonce("application/json", "{\"nonce\": 1616492376594, \"pair\": \"XBTUSD\"}", &v, text),
        0);
    assert_int_equal(v, 1616492376594ULL);
    assert_string_equal(text, "1616492376594");
    assert_int_equal(s_nonce("Application/JSON; charset=utf-8",
                             "{\"pair\":{\"x\":[1,2]},\"nonce\":\"123\"}", &v, text),
                     0);
    assert_int_equal(v, 123);
    assert_string_equal(text, "123");
    assert_int_equal(s_nonce("application/json", "{\"nonce\":18446744073709551615}", &v, text), 0);
    assert_true(v == UINT64_MAX);
    const char *bad_json[] = {"",
                              "{}",
                              "[1]",
                              "{\"nonce\":-1}",
                              "{\"nonce\":1.5}",
                              "{\"nonce\":\"12x\"}",
                              "{\"nonce\":\"\"}",
                              "{\"nonce\":null}",
                              "{\"nonce\":true}",
                              "{\"a\":{\"nonce\":1}}",
                              "{\"nonce\":1,\"nonce\":2}",
                              "{\"nonce\":1",
                              "nonce=1",
                              "{\"nonce\":18446744073709551616}"};
    for (size_t i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
        assert_int_equal(s_nonce("application/json", bad_json[i], &v, text), -1);
    }
    /* A JSON body sent without the JSON content type is read as a form. */
    assert_int_equal(s_nonce(NULL, "{\"nonce\":1}", &v, text), -1);
    assert_int_equal(s_nonce("application/jsonx", "{\"nonce\":1}", &v, text), -1);
}

static void
test_kraken_nonce_order_and_window(void **state)
{
    (void) state;
    sim_auth_t *auth = sim_auth_new();
    assert_non_null(auth);
    assert_null(sim_auth_kraken_nonce_use(auth, "k1", 100));
    assert_string_equal(sim_auth_kraken_nonce_use(auth, "k1", 100), "EAPI:Invalid nonce");
    assert_string_equal(sim_auth_kraken_nonce_use(auth, "k1", 99), SIM_KRAKEN_INVALID_NONCE);
    assert_null(sim_auth_kraken_nonce_use(auth, "k1", 101));
    assert_null(sim_auth_kraken_nonce_use(auth, "k2", 5)); /* keys are independent */
    /* Window 10: out-of-order nonces above last - 10 pass once each. */
    assert_int_equal(sim_auth_set_nonce_window(auth, "k3", 10), 0);
    assert_null(sim_auth_kraken_nonce_use(auth, "k3", 100));
    assert_null(sim_auth_kraken_nonce_use(auth, "k3", 95));
    assert_non_null(sim_auth_kraken_nonce_use(auth, "k3", 95));
    assert_non_null(sim_auth_kraken_nonce_use(auth, "k3", 100));
    assert_non_null(sim_auth_kraken_nonce_use(auth, "k3", 90)); /* 90 <= 100 - 10 */
    assert_null(sim_auth_kraken_nonce_use(auth, "k3", 91));
    assert_null(sim_auth_kraken_nonce_use(auth, "k3", 105));
    assert_non_null(sim_auth_kraken_nonce_use(auth, "k3", 95));
    assert_non_null(sim_auth_kraken_nonce_use(auth, "k3", 94)); /* now 94 <= 105 - 10 */
    assert_null(sim_auth_kraken_nonce_use(auth, "k3", 96));
    /* A window wider than last: everything below is inside it. */
    assert_int_equal(sim_auth_set_nonce_window(auth, "k4", 1000), 0);
    assert_null(sim_auth_kraken_nonce_use(auth, "k4", 7));
    assert_null(sim_auth_kraken_nonce_use(auth, "k4", 0));
    assert_non_null(sim_auth_kraken_nonce_use(auth, "k4", 0));
    /* Nonces that fell out of the ring are refused even inside the window,
     * so none is ever accepted twice. */
    assert_int_equal(sim_auth_set_nonce_window(auth, "k5", 1000000), 0);
    for (uint64_t nonce = 1000; nonce < 1000 + SIM_AUTH_NONCE_RING + 8; nonce++) {
        assert_null(sim_auth_kraken_nonce_use(auth, "k5", nonce));
    }
    assert_non_null(sim_auth_kraken_nonce_use(auth, "k5", 1000));
    assert_non_null(
        sim_auth_kraken_nonce_use(auth, "k5", 1007)); /* forgotten: at or below the floor */
    assert_non_null(sim_auth_kraken_nonce_use(auth, "k5", 999));
    assert_non_null(sim_auth_kraken_nonce_use(auth, "k5", 1020)); /* remembered */
    sim_auth_destroy(&auth);
    assert_null(auth);
    sim_auth_destroy(&auth);
    sim_auth_destroy(NULL);
}

/* A signed Kraken form request with nonce n at path. */
static void
s_kraken_request(uint64_t n, const char *path, char *body, size_t size,
                 char sign[SIM_AUTH_KRAKEN_SIGN_SIZE])
{
    char nonce[32];
    snprintf(nonce, sizeof nonce, "%llu", (unsigned long long) n);
    snprintf(body, size, "nonce=%s&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25",
             nonce);
    assert_int_equal(sim_auth_kraken_sign(k_secret, path, strlen(path), nonce, strlen(nonce), body,
                                          strlen(body), sign),
                     0);
}

static const char *
s_check(sim_auth_t *auth, const char *key, const char *secret, const char *body, const char *sign,
        int64_t now_ns)
{
    return sim_auth_kraken_check(auth, key, secret, k_path, strlen(k_path), NULL, 0, body,
                                 strlen(body), sign, sign != NULL ? strlen(sign) : 0, now_ns);
}

static void
test_kraken_check(void **state)
{
    (void) state;
    sim_auth_t *auth = sim_auth_new();
    char body[256];
    char sign[SIM_AUTH_KRAKEN_SIGN_SIZE];
    /* The documented request itself passes once. */
    assert_null(s_check(auth, "key", k_secret, k_body, k_sign, 0));
    assert_string_equal(s_check(auth, "key", k_secret, k_body, k_sign, 0),
                        SIM_KRAKEN_INVALID_NONCE);
    /* Unknown or missing key. */
    assert_string_equal(s_check(auth, "nobody", NULL, k_body, k_sign, 0), "EAPI:Invalid key");
    assert_string_equal(sim_auth_kraken_check(auth, NULL, k_secret, k_path, strlen(k_path), NULL, 0,
                                              k_body, strlen(k_body), k_sign, strlen(k_sign), 0),
                        SIM_KRAKEN_INVALID_KEY);
    assert_string_equal(s_check(auth, "", k_secret, k_body, k_sign, 0), SIM_KRAKEN_INVALID_KEY);
    /* A forged request does not burn its nonce. */
    s_kraken_request(1616492376600ULL, k_path, body, sizeof body, sign);
    assert_string_equal(s_check(auth, "key", k_secret, body, k_sign, 0), "EAPI:Invalid signature");
    assert_string_equal(s_check(auth, "key", k_secret, body, "", 0), SIM_KRAKEN_INVALID_SIGNATURE);
    assert_null(s_check(auth, "key", k_secret, body, sign, 0));
    /* Signed for another path. */
    s_kraken_request(1616492376601ULL, "/0/private/Balance", body, sizeof body, sign);
    assert_string_equal(s_check(auth, "key", k_secret, body, sign, 0),
                        SIM_KRAKEN_INVALID_SIGNATURE);
    /* No nonce in the body. */
    assert_string_equal(s_check(auth, "key", k_secret, "pair=XBTUSD", k_sign, 0),
                        SIM_KRAKEN_INVALID_NONCE);
    /* A JSON body: nonce_string is the nonce's digits. */
    const char json[] = "{\"nonce\":1616492376700,\"pair\":\"XBTUSD\"}";
    assert_int_equal(sim_auth_kraken_sign(k_secret, k_path, strlen(k_path), "1616492376700", 13,
                                          json, strlen(json), sign),
                     0);
    assert_string_equal(sim_auth_kraken_check(auth, "key", k_secret, k_path, strlen(k_path), NULL,
                                              0, json, strlen(json), sign, strlen(sign), 0),
                        SIM_KRAKEN_INVALID_NONCE); /* read as a form: no nonce */
    assert_null(sim_auth_kraken_check(auth, "key", k_secret, k_path, strlen(k_path),
                                      "application/json", 16, json, strlen(json), sign,
                                      strlen(sign), 0));
    sim_auth_destroy(&auth);
}

static void
test_kraken_lockout(void **state)
{
    (void) state;
    sim_auth_t *auth = sim_auth_new();
    char body[256];
    char sign[SIM_AUTH_KRAKEN_SIGN_SIZE];
    uint64_t n = 1000;
    /* Defaults: the 10th invalid request in a row locks the key for 15 min. */
    for (int i = 0; i < 9; i++) {
        assert_string_equal(s_check(auth, "key", k_secret, k_body, "bad", i * NS),
                            SIM_KRAKEN_INVALID_SIGNATURE);
    }
    assert_false(sim_auth_kraken_locked(auth, "key", 9 * NS));
    s_kraken_request(++n, k_path, body, sizeof body, sign);
    assert_null(s_check(auth, "key", k_secret, body, sign, 9 * NS)); /* ends the streak */
    for (int i = 0; i < 9; i++) {
        assert_non_null(s_check(auth, "key", k_secret, body, sign, 10 * NS)); /* replayed nonce */
    }
    assert_false(sim_auth_kraken_locked(auth, "key", 10 * NS));
    assert_string_equal(s_check(auth, "key", k_secret, body, sign, 10 * NS),
                        SIM_KRAKEN_INVALID_NONCE);
    assert_true(sim_auth_kraken_locked(auth, "key", 10 * NS));
    s_kraken_request(++n, k_path, body, sizeof body, sign);
    assert_string_equal(s_check(auth, "key", k_secret, body, sign, 10 * NS),
                        "EGeneral:Temporary lockout");
    assert_string_equal(s_check(auth, "key", k_secret, body, sign, 10 * NS + 15 * 60 * NS - 1),
                        SIM_KRAKEN_LOCKOUT);
    assert_null(s_check(auth, "key", k_secret, body, sign, 10 * NS + 15 * 60 * NS));
    assert_false(sim_auth_kraken_locked(auth, "other", 0));

    /* Configured: 3 failures within 10 s lock for 5 s. */
    sim_auth_set_lockout(auth, 3, 10 * NS, 5 * NS);
    int64_t t = 3600 * NS;
    assert_non_null(s_check(auth, "k2", k_secret, k_body, "bad", t));
    assert_non_null(s_check(auth, "k2", k_secret, k_body, "bad", t + 5 * NS));
    /* The streak started more than 10 s ago: this one starts a new streak. */
    assert_non_null(s_check(auth, "k2", k_secret, k_body, "bad", t + 11 * NS));
    assert_false(sim_auth_kraken_locked(auth, "k2", t + 11 * NS));
    assert_non_null(s_check(auth, "k2", k_secret, k_body, "bad", t + 12 * NS));
    assert_non_null(s_check(auth, "k2", k_secret, k_body, "bad", t + 13 * NS));
    assert_true(sim_auth_kraken_locked(auth, "k2", t + 13 * NS));
    s_kraken_request(++n, k_path, body, sizeof body, sign);
    assert_string_equal(s_check(auth, "k2", k_secret, body, sign, t + 18 * NS - 1),
                        SIM_KRAKEN_LOCKOUT);
    assert_null(s_check(auth, "k2", k_secret, body, sign, t + 18 * NS));
    /* 0 failures: never locks. */
    sim_auth_set_lockout(auth, 0, 0, 0);
    for (int i = 0; i < 50; i++) {
        assert_string_equal(s_check(auth, "k3", k_secret, k_body, "bad", t),
                            SIM_KRAKEN_INVALID_SIGNATURE);
    }
    sim_auth_destroy(&auth);
}

static int
s_bverify(const char *query, const char *body, sim_binance_error_t *err)
{
    return sim_auth_binance_verify(b_secret, strlen(b_secret), query,
                                   query != NULL ? strlen(query) : 0, body,
                                   body != NULL ? strlen(body) : 0, err);
}

static void
test_binance_official_vectors(void **state)
{
    (void) state;
    char sig[SIM_AUTH_BINANCE_SIGN_SIZE];
    assert_int_equal(
        sim_auth_binance_sign(b_secret, strlen(b_secret), b_params, strlen(b_params), sig), 0);
    assert_string_equal(sig, b_sig);
    char payload[256];
    snprintf(payload, sizeof payload, "%s%s", b_query3, b_body3); /* no '&' between them */
    assert_int_equal(
        sim_auth_binance_sign(b_secret, strlen(b_secret), payload, strlen(payload), sig), 0);
    assert_string_equal(sig, b_sig3);
    assert_int_equal(sim_auth_binance_sign(b_secret, strlen(b_secret), b_params_utf8,
                                           strlen(b_params_utf8), sig),
                     0);
    assert_string_equal(sig, b_sig_utf8);
    assert_int_equal(sim_auth_binance_sign("", 0, b_params, strlen(b_params), sig), -1);

    /* Example 1: all in the body; example 2: all in the query string. */
    char with[512];
    snprintf(with, sizeof with, "%s&signature=%s", b_params, b_sig);
    assert_int_equal(s_bverify(NULL, with, NULL), 0);
    assert_int_equal(s_bverify(with, NULL, NULL), 0);
    assert_int_equal(s_bverify(with, "", NULL), 0);
    /* Example 3: mixed, the signature at the end of the body or of the query. */
    char body[512];
    snprintf(body, sizeof body, "%s&signature=%s", b_body3, b_sig3);
    assert_int_equal(s_bverify(b_query3, body, NULL), 0);
    char query[512];
    snprintf(query, sizeof query, "%s&signature=%s", b_query3, b_sig3);
    assert_int_equal(s_bverify(query, b_body3, NULL), 0);
    /* The non-ASCII example, and the hex in capitals (case-insensitive). */
    snprintf(with, sizeof with, "%s&signature=%s", b_params_utf8, b_sig_utf8);
    assert_int_equal(s_bverify(with, NULL, NULL), 0);
    snprintf(with, sizeof with, "%s&signature=%s", b_params,
             "C8DB56825AE71D6D79447849E617115F4A920FA2ACDCAB2B053C4B2838BD6B71");
    assert_int_equal(s_bverify(with, NULL, NULL), 0);
    /* The signature first or in the middle: its parameter and one '&' go. */
    snprintf(with, sizeof with, "signature=%s&%s", b_sig, b_params);
    assert_int_equal(s_bverify(with, NULL, NULL), 0);
    snprintf(with, sizeof with,
             "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&signature=%s&quantity=1&price=0.1&"
             "recvWindow=5000&timestamp=1499827319559",
             b_sig);
    assert_int_equal(s_bverify(with, NULL, NULL), 0);
}

static void
test_binance_verify_rejects(void **state)
{
    (void) state;
    sim_binance_error_t err;
    char with[512];
    /* Wrong signature. */
    snprintf(with, sizeof with, "%s&signature=%s", b_params, b_sig3);
    assert_int_equal(s_bverify(with, NULL, &err), -1022);
    assert_int_equal(err.status, 400);
    assert_int_equal(err.code, -1022);
    assert_string_equal(err.msg, "Signature for this request is not valid.");
    /* A changed body. */
    snprintf(with, sizeof with, "%s&signature=%s", b_params, b_sig);
    with[strlen("symbol=LTCBTC&side=")] = 'S';
    assert_int_equal(s_bverify(NULL, with, &err), -1022);
    /* Extra bytes in the query with a body-signed payload. */
    snprintf(with, sizeof with, "%s&signature=%s", b_params, b_sig);
    assert_int_equal(s_bverify("a=1", with, &err), -1022);
    /* Missing, empty, doubled. */
    assert_int_equal(s_bverify(b_params, NULL, &err), -1102);
    assert_int_equal(err.status, 400);
    assert_string_equal(
        err.msg, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    snprintf(with, sizeof with, "%s&signature=", b_params);
    assert_int_equal(s_bverify(with, NULL, &err), -1102);
    snprintf(with, sizeof with, "%s&signature", b_params);
    assert_int_equal(s_bverify(with, NULL, &err), -1102);
    snprintf(with, sizeof with, "%s&signature=%s", b_params, b_sig);
    char body[128];
    snprintf(body, sizeof body, "signature=%s", b_sig);
    assert_int_equal(s_bverify(with, body, &err), -1101);
    assert_string_equal(err.msg, "Duplicate values for a parameter detected.");
    /* Not 64 hex digits. */
    snprintf(with, sizeof with, "%s&signature=%.63s", b_params, b_sig);
    assert_int_equal(s_bverify(with, NULL, &err), -1022);
    snprintf(with, sizeof with, "%s&signature=%sa", b_params, b_sig);
    assert_int_equal(s_bverify(with, NULL, &err), -1022);
    snprintf(with, sizeof with, "%s&signature=g%.63s", b_params, b_sig + 1);
    assert_int_equal(s_bverify(with, NULL, &err), -1022);
    /* Secret empty or different. */
    snprintf(with, sizeof with, "%s&signature=%s", b_params, b_sig);
    assert_int_equal(sim_auth_binance_verify("", 0, with, strlen(with), NULL, 0, &err), -1022);
    assert_int_equal(sim_auth_binance_verify("x", 1, with, strlen(with), NULL, 0, NULL), -1022);
    /* "signatures=" is another parameter. */
    snprintf(with, sizeof with, "%s&signatures=%s", b_params, b_sig);
    assert_int_equal(s_bverify(with, NULL, &err), -1102);
}

static void
test_binance_api_key(void **state)
{
    (void) state;
    sim_binance_error_t err;
    const char key[] = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
    assert_int_equal(sim_auth_binance_key_format(key, strlen(key), &err), 0);
    assert_int_equal(sim_auth_binance_key_format(NULL, 0, &err), -2014);
    assert_int_equal(err.status, 401);
    assert_string_equal(err.msg, "API-key format invalid.");
    assert_int_equal(sim_auth_binance_key_format("", 0, &err), -2014);
    assert_int_equal(sim_auth_binance_key_format("ab cd", 5, &err), -2014);
    assert_int_equal(sim_auth_binance_key_format("ab\x01", 3, NULL), -2014);
    char long_key[130];
    memset(long_key, 'a', 129);
    long_key[129] = '\0';
    assert_int_equal(sim_auth_binance_key_format(long_key, 129, &err), -2014);
    assert_int_equal(sim_auth_binance_key_format(long_key, 128, &err), 0);
    assert_int_equal(sim_auth_binance_error(&err, 401, SIM_BINANCE_REJECTED_MBX_KEY,
                                            SIM_BINANCE_REJECTED_MBX_KEY_MSG),
                     -2015);
    assert_string_equal(err.msg, "Invalid API-key, IP, or permissions for action.");
}

static int
s_ts(const char *query, const char *body, int64_t server_ms, sim_binance_error_t *err)
{
    return sim_auth_binance_timestamp(query, query != NULL ? strlen(query) : 0, body,
                                      body != NULL ? strlen(body) : 0, server_ms, err);
}

static void
test_binance_timestamp(void **state)
{
    (void) state;
    const int64_t server = 1499827319559LL;
    sim_binance_error_t err;
    char q[256];
#define TS(fmt, ...) (snprintf(q, sizeof q, fmt, __VA_ARGS__), s_ts(q, NULL, server, &err))
    assert_int_equal(TS("timestamp=%lld", (long long) server), 0);
    assert_int_equal(TS("symbol=X&timestamp=%lld", (long long) server + 999), 0);
    assert_int_equal(TS("timestamp=%lld", (long long) server + 1000), -1021);
    assert_int_equal(err.status, 400);
    assert_string_equal(err.msg,
                        "Timestamp for this request was 1000ms ahead of the server's time.");
    assert_int_equal(TS("timestamp=%lld", (long long) server - 5000), 0);
    assert_int_equal(TS("timestamp=%lld", (long long) server - 5001), -1021);
    assert_string_equal(err.msg, "Timestamp for this request is outside of the recvWindow.");
    assert_int_equal(TS("timestamp=%lld&recvWindow=60000", (long long) server - 60000), 0);
    assert_int_equal(TS("timestamp=%lld&recvWindow=60000", (long long) server - 60001), -1021);
    assert_int_equal(TS("recvWindow=100.5&timestamp=%lld", (long long) server - 100), 0);
    assert_int_equal(TS("recvWindow=100.5&timestamp=%lld", (long long) server - 101), -1021);
    assert_int_equal(TS("recvWindow=0&timestamp=%lld", (long long) server), 0);
    assert_int_equal(TS("recvWindow=0&timestamp=%lld", (long long) server - 1), -1021);
    /* recvWindow out of range or malformed. */
    assert_int_equal(TS("timestamp=%lld&recvWindow=60001", (long long) server), -1102);
    assert_string_equal(err.msg,
                        "'recvWindow' contains unexpected value. Cannot be greater than '60000'.");
    assert_int_equal(TS("timestamp=%lld&recvWindow=60000.001", (long long) server), -1102);
    assert_int_equal(TS("timestamp=%lld&recvWindow=abc", (long long) server), -1100);
    assert_int_equal(TS("timestamp=%lld&recvWindow=1.2345", (long long) server), -1100);
    assert_int_equal(TS("timestamp=%lld&recvWindow=1.", (long long) server), -1100);
    assert_int_equal(TS("timestamp=%lld&recvWindow=-1", (long long) server), -1100);
    assert_int_equal(TS("timestamp=%lld&recvWindow=12345678901", (long long) server), -1100);
    assert_int_equal(TS("timestamp=%lld&recvWindow=", (long long) server), -1105);
    assert_string_equal(err.msg, "Parameter 'recvWindow' was empty.");
    /* timestamp missing, empty, malformed. */
    assert_int_equal(s_ts("symbol=X", NULL, server, &err), -1102);
    assert_string_equal(
        err.msg, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
    assert_int_equal(s_ts(NULL, NULL, server, &err), -1102);
    assert_int_equal(s_ts("timestamp=", NULL, server, &err), -1102);
    assert_int_equal(s_ts("timestamp=abc", NULL, server, &err), -1100);
    assert_string_equal(
        err.msg,
        "Illegal characters found in parameter 'timestamp'; legal range is '^[0-9]{1,20}$'.");
    assert_int_equal(s_ts("timestamp=-5", NULL, server, &err), -1100);
    assert_int_equal(s_ts("timestamp=1.5", NULL, server, &err), -1100);
    assert_int_equal(s_ts("timestamp=%zz", NULL, server, &err), -1100);
    assert_int_equal(s_ts("timestamp=99999999999999999999", NULL, server, &err), -1100);
    assert_int_equal(s_ts("timestamp=18446744073709551615", NULL, server, &err), -1021);
    assert_string_equal(err.msg, SIM_BINANCE_AHEAD_MSG);
    /* Microseconds. */
    assert_int_equal(TS("timestamp=%lld", (long long) server * 1000 + 999999), 0);
    assert_int_equal(TS("timestamp=%lld", (long long) server * 1000 + 1000000), -1021);
    assert_int_equal(TS("timestamp=%lld", (long long) server * 1000 - 5000000), 0);
    assert_int_equal(TS("timestamp=%lld", (long long) server * 1000 - 5000001), -1021);
    /* Query string first, then the body. */
    snprintf(q, sizeof q, "timestamp=%lld", (long long) server);
    assert_int_equal(s_ts(q, "timestamp=0", server, &err), 0);
    assert_int_equal(s_ts("timestamp=0", q, server, &err), -1021);
    assert_int_equal(s_ts("symbol=X", q, server, &err), 0);
    assert_int_equal(s_ts(q, "recvWindow=70000", server, &err), -1102);
#undef TS
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kraken_official_vector),
        cmocka_unit_test(test_kraken_verify_rejects),
        cmocka_unit_test(test_kraken_nonce_extraction),
        cmocka_unit_test(test_kraken_nonce_order_and_window),
        cmocka_unit_test(test_kraken_check),
        cmocka_unit_test(test_kraken_lockout),
        cmocka_unit_test(test_binance_official_vectors),
        cmocka_unit_test(test_binance_verify_rejects),
        cmocka_unit_test(test_binance_api_key),
        cmocka_unit_test(test_binance_timestamp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
