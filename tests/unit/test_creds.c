/* test_creds.c - credentials from the environment: names, aliases, the secret's form, wiping, hardening */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cb_creds.h"
#include "cb_error.h"
#include "cb_secmem.h"

/* Test values, listed in tests/secrets.list: no log may ever hold them. */
#define S_KRAKEN_KEY "unit-kraken-key"
#define S_KRAKEN_SECRET                                                        \
    "Y29pbmJ1cy11bml0LXRlc3Qta3Jha2VuLXNlY3JldC1uZXZlci11c2UtYW55d2hlcmUtZWxzZS0wMDAwMDAwMA=="
#define S_KRAKEN_RAW "coinbus-unit-test-kraken-secret-never-use-anywhere-else-00000000"
#define S_BINANCE_KEY "unitbinancekey"
#define S_BINANCE_SECRET "coinbusunittestbinancesecret000000000000000000000000000000000000"

static const char *const s_vars[] = {
    "KRAKEN_API_KEY", "KRAKEN_API_SECRET", "KRAKEN_PRIVATE_KEY", "BINANCE_API_KEY",
    "BINANCE_API_SECRET", "COINBUS_SIM_KRAKEN_API_KEY", "COINBUS_SIM_KRAKEN_API_SECRET",
    "COINBUS_KRAKEN_API_KEY", "COINBUS_KRAKEN_API_SECRET", "COINBUS_CREDENTIALS_FILE",
    "COINBUS_CREDENTIALS_PLAIN_FILE", "COINBUS_CREDENTIALS_PASSPHRASE",
    "COINBUS_CREDENTIALS_PASSPHRASE_FILE",
};

static int
s_clear_env(void **state)
{
    (void) state;
    for (size_t k = 0; k < sizeof s_vars / sizeof s_vars[0]; k++) {
        unsetenv(s_vars[k]);
    }
    /* No file source: only the environment is under test here. */
    setenv("COINBUS_CREDENTIALS_FILE", "", 1);
    setenv("COINBUS_CREDENTIALS_PLAIN_FILE", "", 1);
    return 0;
}

/* Loads venue with opts from the environment; returns the code, err filled. */
static int
s_load(const char *venue, cb_dialect_t dialect, cb_cred_t **cred, char *err, size_t err_size)
{
    cb_creds_opts_t opts;
    assert_int_equal(cb_creds_opts_from_env(&opts, err, err_size), 0);
    return cb_creds_load(venue, dialect, &opts, cred, err, err_size);
}

/* err must never hold the secret or the raw key bytes. */
static void
s_assert_clean(const char *err)
{
    assert_null(strstr(err, S_KRAKEN_SECRET));
    assert_null(strstr(err, "coinbus-unit-test-kraken"));
    assert_null(strstr(err, S_BINANCE_SECRET));
    assert_null(strstr(err, "coinbusunittest"));
}

static void
test_kraken_env(void **state)
{
    (void) state;
    setenv("KRAKEN_API_KEY", S_KRAKEN_KEY, 1);
    setenv("KRAKEN_API_SECRET", S_KRAKEN_SECRET, 1);
    cb_cred_t *cred = NULL;
    char err[256] = "";
    assert_int_equal(s_load("kraken", CB_DIALECT_KRAKEN, &cred, err, sizeof err), 0);
    assert_non_null(cred);
    assert_int_equal(cred->source, CB_CREDS_SRC_ENV);
    assert_int_equal(cred->dialect, CB_DIALECT_KRAKEN);
    assert_string_equal(cred->venue, "kraken");
    assert_string_equal(cred->api_key, S_KRAKEN_KEY);
    assert_int_equal(cred->hmac_key_len, 64);
    assert_true(memcmp(cred->hmac_key, S_KRAKEN_RAW, 64) == 0);
    assert_int_equal(strlen(cred->fingerprint), 16);
    cb_cred_destroy(&cred);
    assert_null(cred);
    cb_cred_destroy(&cred);
    cb_cred_destroy(NULL);
}

static void
test_kraken_alias(void **state)
{
    (void) state;
    setenv("KRAKEN_API_KEY", S_KRAKEN_KEY, 1);
    setenv("KRAKEN_PRIVATE_KEY", S_KRAKEN_SECRET, 1);
    cb_cred_t *cred = NULL;
    char err[256] = "";
    assert_int_equal(s_load("kraken", CB_DIALECT_KRAKEN, &cred, err, sizeof err), 0);
    assert_true(memcmp(cred->hmac_key, S_KRAKEN_RAW, 64) == 0);
    cb_cred_destroy(&cred);
}

static void
test_binance_env(void **state)
{
    (void) state;
    setenv("BINANCE_API_KEY", S_BINANCE_KEY, 1);
    setenv("BINANCE_API_SECRET", S_BINANCE_SECRET, 1);
    cb_cred_t *cred = NULL;
    char err[256] = "";
    assert_int_equal(s_load("binance", CB_DIALECT_BINANCE, &cred, err, sizeof err), 0);
    assert_int_equal(cred->hmac_key_len, 64);
    assert_true(memcmp(cred->hmac_key, S_BINANCE_SECRET, 64) == 0);
    cb_cred_destroy(&cred);
    /* The venue-specific names belong to the venue named "binance" only. */
    assert_int_equal(s_load("sim-binance", CB_DIALECT_BINANCE, &cred, err, sizeof err),
                     CB_E_NOT_FOUND);
    assert_null(cred);
    assert_non_null(strstr(err, "sim-binance"));
}

static void
test_named_venue(void **state)
{
    (void) state;
    setenv("COINBUS_SIM_KRAKEN_API_KEY", S_KRAKEN_KEY, 1);
    setenv("COINBUS_SIM_KRAKEN_API_SECRET", S_KRAKEN_SECRET, 1);
    cb_cred_t *cred = NULL;
    char err[256] = "";
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &cred, err, sizeof err), 0);
    assert_string_equal(cred->venue, "sim-kraken");
    assert_true(memcmp(cred->hmac_key, S_KRAKEN_RAW, 64) == 0);
    cb_cred_destroy(&cred);
    /* "kraken" reads COINBUS_KRAKEN_* when KRAKEN_* are unset. */
    setenv("COINBUS_KRAKEN_API_KEY", "other-key", 1);
    setenv("COINBUS_KRAKEN_API_SECRET", S_KRAKEN_SECRET, 1);
    assert_int_equal(s_load("kraken", CB_DIALECT_KRAKEN, &cred, err, sizeof err), 0);
    assert_string_equal(cred->api_key, "other-key");
    cb_cred_destroy(&cred);
}

static void
test_half_pair(void **state)
{
    (void) state;
    setenv("KRAKEN_API_KEY", S_KRAKEN_KEY, 1);
    cb_cred_t *cred = NULL;
    char err[256] = "";
    assert_int_equal(s_load("kraken", CB_DIALECT_KRAKEN, &cred, err, sizeof err),
                     CB_E_CONFIG);
    assert_null(cred);
    assert_non_null(strstr(err, "KRAKEN_API_SECRET"));
}

/* Each malformed secret is CB_E_PARSE with a line naming the variables. */
static void
test_malformed(void **state)
{
    (void) state;
    static const struct {
        cb_dialect_t dialect;
        const char *secret;
        const char *why;
    } cases[] = {
        {CB_DIALECT_KRAKEN, "not base64 at all!", "not base64"},
        {CB_DIALECT_KRAKEN, "c2VjcmV0LXNlY3JldA==", "64 bytes"},
        {CB_DIALECT_KRAKEN, S_KRAKEN_SECRET "QUFB", "not base64"},
        {CB_DIALECT_KRAKEN, "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4",
         "not 66 bytes"},
        {CB_DIALECT_BINANCE, "coinbusunittestbinancesecret", "64 characters"},
        {CB_DIALECT_BINANCE, "coinbusunittestbinancesecret00000000000000000000000000000000000!",
         "letter or digit"},
        {CB_DIALECT_BINANCE, S_BINANCE_SECRET "0", "64 characters"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        setenv("COINBUS_SIM_KRAKEN_API_KEY", S_KRAKEN_KEY, 1);
        setenv("COINBUS_SIM_KRAKEN_API_SECRET", cases[k].secret, 1);
        cb_cred_t *cred = NULL;
        char err[256] = "";
        assert_int_equal(s_load("sim-kraken", cases[k].dialect, &cred, err, sizeof err),
                         CB_E_PARSE);
        assert_null(cred);
        assert_non_null(strstr(err, "COINBUS_SIM_KRAKEN_API_SECRET"));
        assert_non_null(strstr(err, cases[k].why));
        s_assert_clean(err);
        assert_null(strstr(err, cases[k].secret));
    }
    /* A key with a space cannot go in a header. */
    setenv("COINBUS_SIM_KRAKEN_API_KEY", "bad key", 1);
    setenv("COINBUS_SIM_KRAKEN_API_SECRET", S_KRAKEN_SECRET, 1);
    cb_cred_t *cred = NULL;
    char err[256] = "";
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &cred, err, sizeof err),
                     CB_E_PARSE);
    assert_non_null(strstr(err, "API key"));
}

static void
test_opts(void **state)
{
    (void) state;
    unsetenv("COINBUS_CREDENTIALS_FILE");
    unsetenv("COINBUS_CREDENTIALS_PLAIN_FILE");
    setenv("HOME", "/home/someone", 1);
    unsetenv("XDG_CONFIG_HOME");
    cb_creds_opts_t opts;
    char err[256] = "";
    assert_int_equal(cb_creds_opts_from_env(&opts, err, sizeof err), 0);
    assert_string_equal(opts.encrypted_path, "/home/someone/.config/coinbus/credentials.enc");
    assert_string_equal(opts.plain_path, "/home/someone/.config/coinbus/credentials.json");
    assert_string_equal(opts.passphrase_file, "");
    assert_false(opts.passphrase_from_env);
    setenv("COINBUS_CREDENTIALS_PASSPHRASE", "pass", 1);
    setenv("COINBUS_CREDENTIALS_PASSPHRASE_FILE", "/run/secrets/pass", 1);
    setenv("COINBUS_CREDENTIALS_FILE", "/run/secrets/creds", 1);
    assert_int_equal(cb_creds_opts_from_env(&opts, err, sizeof err), 0);
    assert_true(opts.passphrase_from_env);
    assert_string_equal(opts.passphrase_file, "/run/secrets/pass");
    assert_string_equal(opts.encrypted_path, "/run/secrets/creds");
    char longpath[700];
    memset(longpath, 'a', sizeof longpath - 1);
    longpath[0] = '/';
    longpath[sizeof longpath - 1] = '\0';
    setenv("COINBUS_CREDENTIALS_PLAIN_FILE", longpath, 1);
    assert_int_equal(cb_creds_opts_from_env(&opts, err, sizeof err), CB_E_CONFIG);
    assert_non_null(strstr(err, "COINBUS_CREDENTIALS_PLAIN_FILE"));
}

static void
test_secmem_and_harden(void **state)
{
    (void) state;
    assert_int_equal(cb_secmem_selftest(), 0);
    assert_int_equal(cb_creds_harden_process(), 0);
    assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
    assert_int_equal(rl.rlim_cur, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_kraken_env, s_clear_env),
        cmocka_unit_test_setup(test_kraken_alias, s_clear_env),
        cmocka_unit_test_setup(test_binance_env, s_clear_env),
        cmocka_unit_test_setup(test_named_venue, s_clear_env),
        cmocka_unit_test_setup(test_half_pair, s_clear_env),
        cmocka_unit_test_setup(test_malformed, s_clear_env),
        cmocka_unit_test_setup(test_opts, s_clear_env),
        cmocka_unit_test_setup(test_secmem_and_harden, s_clear_env),
    };
    return cmocka_run_group_tests_name("creds", tests, NULL, NULL);
}
