/* test_creds_file.c - the credential files: encrypted round trip, tampering, permissions, lookup order */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cb_creds.h"
#include "cb_error.h"
#include "cb_log.h"

/* Test values, listed in tests/secrets.list: no log may ever hold them. */
#define S_KRAKEN_SECRET                                                        \
    "Y29pbmJ1cy11bml0LXRlc3Qta3Jha2VuLXNlY3JldC1uZXZlci11c2UtYW55d2hlcmUtZWxzZS0wMDAwMDAwMA=="
#define S_BINANCE_SECRET "coinbusunittestbinancesecret000000000000000000000000000000000000"
#define S_PASS "unit-test-passphrase-9f3a"

static char s_dir[64];
static cb_creds_opts_t s_opts;

static int
s_setup(void **state)
{
    (void) state;
    snprintf(s_dir, sizeof s_dir, "/tmp/cbcreds.XXXXXX");
    assert_non_null(mkdtemp(s_dir));
    static const char *const vars[] = {"KRAKEN_API_KEY", "KRAKEN_API_SECRET",
                                       "KRAKEN_PRIVATE_KEY", "COINBUS_SIM_KRAKEN_API_KEY",
                                       "COINBUS_SIM_KRAKEN_API_SECRET",
                                       "COINBUS_CREDENTIALS_PASSPHRASE_FILE"};
    for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++) {
        unsetenv(vars[k]);
    }
    char path[128];
    snprintf(path, sizeof path, "%s/sub/credentials.enc", s_dir);
    setenv("COINBUS_CREDENTIALS_FILE", path, 1);
    snprintf(path, sizeof path, "%s/credentials.json", s_dir);
    setenv("COINBUS_CREDENTIALS_PLAIN_FILE", path, 1);
    setenv("COINBUS_CREDENTIALS_PASSPHRASE", S_PASS, 1);
    char err[256];
    assert_int_equal(cb_creds_opts_from_env(&s_opts, err, sizeof err), 0);
    return 0;
}

static int
s_teardown(void **state)
{
    (void) state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void
s_write(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static char *
s_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The error line must name the file and never hold a secret or the passphrase. */
static void
s_assert_err(const char *err, const char *path, const char *what)
{
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, what));
    assert_null(strstr(err, S_KRAKEN_SECRET));
    assert_null(strstr(err, S_BINANCE_SECRET));
    assert_null(strstr(err, S_PASS));
}

static int
s_load(const char *venue, cb_dialect_t d, cb_cred_t **c, char *err)
{
    return cb_creds_load(venue, d, &s_opts, c, err, 256);
}

static void
test_round_trip(void **state)
{
    (void) state;
    char err[256] = "";
    assert_int_equal(cb_creds_store(CB_CREDS_SRC_ENCRYPTED, &s_opts, "sim-kraken",
                                    CB_DIALECT_KRAKEN, "enc-key", S_KRAKEN_SECRET, err,
                                    sizeof err), 0);
    assert_int_equal(cb_creds_store(CB_CREDS_SRC_ENCRYPTED, &s_opts, "sim-binance",
                                    CB_DIALECT_BINANCE, "bin-key", S_BINANCE_SECRET, err,
                                    sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(s_opts.encrypted_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    const char *text = s_slurp(s_opts.encrypted_path);
    assert_null(strstr(text, S_KRAKEN_SECRET));
    assert_null(strstr(text, "bin-key"));
    assert_non_null(strstr(text, "\"kdf\": \"scrypt\""));
    cb_cred_t *c = NULL;
    assert_int_equal(s_load("sim-binance", CB_DIALECT_BINANCE, &c, err), 0);
    assert_int_equal(c->source, CB_CREDS_SRC_ENCRYPTED);
    assert_string_equal(c->api_key, "bin-key");
    assert_true(c->hmac_key_len == 64 && memcmp(c->hmac_key, S_BINANCE_SECRET, 64) == 0);
    cb_cred_destroy(&c);
    cb_creds_item_t items[4];
    size_t n = 0;
    assert_int_equal(cb_creds_list(CB_CREDS_SRC_ENCRYPTED, &s_opts, items, 4, &n, err,
                                   sizeof err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].venue, "sim-kraken");
    assert_int_equal(strlen(items[0].fingerprint), 16);
    assert_int_equal(cb_creds_remove(CB_CREDS_SRC_ENCRYPTED, &s_opts, "sim-kraken", err,
                                     sizeof err), 0);
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), CB_E_NOT_FOUND);
    assert_int_equal(cb_creds_remove(CB_CREDS_SRC_ENCRYPTED, &s_opts, "sim-kraken", err,
                                     sizeof err), CB_E_NOT_FOUND);
    /* The passphrase from a file, with the line end echo leaves. */
    char pf[128];
    snprintf(pf, sizeof pf, "%s/pass", s_dir);
    s_write(pf, S_PASS "\n", 0600);
    unsetenv("COINBUS_CREDENTIALS_PASSPHRASE");
    setenv("COINBUS_CREDENTIALS_PASSPHRASE_FILE", pf, 1);
    assert_int_equal(cb_creds_opts_from_env(&s_opts, err, sizeof err), 0);
    assert_int_equal(s_load("sim-binance", CB_DIALECT_BINANCE, &c, err), 0);
    cb_cred_destroy(&c);
    /* No passphrase at all: a clear configuration error. */
    unsetenv("COINBUS_CREDENTIALS_PASSPHRASE_FILE");
    assert_int_equal(cb_creds_opts_from_env(&s_opts, err, sizeof err), 0);
    assert_int_equal(s_load("sim-binance", CB_DIALECT_BINANCE, &c, err), CB_E_CONFIG);
    s_assert_err(err, s_opts.encrypted_path, "COINBUS_CREDENTIALS_PASSPHRASE");
}

static void
test_wrong_passphrase_and_tampering(void **state)
{
    (void) state;
    char err[256] = "";
    cb_cred_t *c = NULL;
    assert_int_equal(cb_creds_store(CB_CREDS_SRC_ENCRYPTED, &s_opts, "sim-kraken",
                                    CB_DIALECT_KRAKEN, "enc-key", S_KRAKEN_SECRET, err,
                                    sizeof err), 0);
    char good[8192];
    snprintf(good, sizeof good, "%s", s_slurp(s_opts.encrypted_path));
    setenv("COINBUS_CREDENTIALS_PASSPHRASE", "not-the-passphrase", 1);
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), CB_E_UNAUTHORIZED);
    s_assert_err(err, s_opts.encrypted_path, "wrong passphrase");
    assert_null(strstr(err, "not-the-passphrase"));
    setenv("COINBUS_CREDENTIALS_PASSPHRASE", S_PASS, 1);
    /* One ciphertext character changed: the tag no longer matches. */
    char bad[8192];
    snprintf(bad, sizeof bad, "%s", good);
    char *ct = strstr(bad, "\"ciphertext\": \"") + 20;
    *ct = *ct == 'A' ? 'B' : 'A';
    s_write(s_opts.encrypted_path, bad, 0600);
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), CB_E_UNAUTHORIZED);
    s_assert_err(err, s_opts.encrypted_path, "altered");
    /* The header is bound too: another nonce or salt fails the same way. */
    snprintf(bad, sizeof bad, "%s", good);
    char *nonce = strstr(bad, "\"nonce\": \"") + 10;
    *nonce = *nonce == 'A' ? 'B' : 'A';
    s_write(s_opts.encrypted_path, bad, 0600);
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), CB_E_UNAUTHORIZED);
    /* Truncated: not an envelope. */
    snprintf(bad, sizeof bad, "%.*s", (int) strlen(good) / 2, good);
    s_write(s_opts.encrypted_path, bad, 0600);
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), CB_E_PARSE);
    s_assert_err(err, s_opts.encrypted_path, "truncated");
    s_write(s_opts.encrypted_path, "", 0600);
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), CB_E_PARSE);
    /* scrypt parameters that would cost gigabytes are refused before any work. */
    snprintf(bad, sizeof bad, "%s", good);
    char *n = strstr(bad, "\"n\": 32768");
    assert_non_null(n);
    memcpy(n, "\"n\": 99999", 10);
    s_write(s_opts.encrypted_path, bad, 0600);
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), CB_E_PARSE);
    s_assert_err(err, s_opts.encrypted_path, "scrypt");
    const char *huge = "{\"format\": \"coinbus-credentials\", \"version\": 1, \"kdf\": \"scrypt\","
                       " \"n\": 1073741824, \"r\": 8, \"p\": 1, \"salt\": \"AAAAAAAAAAAAAAAAAAAAAA==\","
                       " \"cipher\": \"aes-256-gcm\", \"nonce\": \"AAAAAAAAAAAAAAAA\","
                       " \"tag\": \"AAAAAAAAAAAAAAAAAAAAAA==\", \"ciphertext\": \"AAAA\"}";
    s_write(s_opts.encrypted_path, huge, 0600);
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), CB_E_PARSE);
    s_assert_err(err, s_opts.encrypted_path, "beyond the limit");
    assert_null(c);
}

static void
test_plain_file(void **state)
{
    (void) state;
    char err[256] = "";
    cb_cred_t *c = NULL;
    const char *doc = "{\"sim-kraken\": {\"api_key\": \"plain-key\", \"api_secret\": \""
                      S_KRAKEN_SECRET "\"}}";
    s_write(s_opts.plain_path, doc, 0644);
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), CB_E_FORBIDDEN);
    s_assert_err(err, s_opts.plain_path, "0644");
    assert_int_equal(chmod(s_opts.plain_path, 0600), 0);
    struct passwd *nobody = getpwnam("nobody");
    assert_non_null(nobody);
    if (geteuid() == 0) {
        assert_int_equal(chown(s_opts.plain_path, nobody->pw_uid, nobody->pw_gid), 0);
        assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), CB_E_FORBIDDEN);
        s_assert_err(err, s_opts.plain_path, "not by this user");
        assert_int_equal(chown(s_opts.plain_path, 0, 0), 0);
    }
    /* Accepted, with a warning in the log that names the file, not the secret. */
    char logp[128];
    snprintf(logp, sizeof logp, "%s/log", s_dir);
    int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cb_log_set_fd(fd);
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), 0);
    cb_log_set_fd(2);
    close(fd);
    assert_int_equal(c->source, CB_CREDS_SRC_PLAIN);
    assert_string_equal(c->api_key, "plain-key");
    cb_cred_destroy(&c);
    const char *log = s_slurp(logp);
    assert_non_null(strstr(log, "creds_plain_file"));
    assert_null(strstr(log, S_KRAKEN_SECRET));
    /* The environment beats both files; the encrypted file beats the plain one. */
    setenv("COINBUS_SIM_KRAKEN_API_KEY", "env-key", 1);
    setenv("COINBUS_SIM_KRAKEN_API_SECRET", S_KRAKEN_SECRET, 1);
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), 0);
    assert_int_equal(c->source, CB_CREDS_SRC_ENV);
    assert_string_equal(c->api_key, "env-key");
    cb_cred_destroy(&c);
    unsetenv("COINBUS_SIM_KRAKEN_API_KEY");
    unsetenv("COINBUS_SIM_KRAKEN_API_SECRET");
    assert_int_equal(cb_creds_store(CB_CREDS_SRC_ENCRYPTED, &s_opts, "sim-kraken",
                                    CB_DIALECT_KRAKEN, "enc-key", S_KRAKEN_SECRET, err,
                                    sizeof err), 0);
    assert_int_equal(s_load("sim-kraken", CB_DIALECT_KRAKEN, &c, err), 0);
    assert_int_equal(c->source, CB_CREDS_SRC_ENCRYPTED);
    cb_cred_destroy(&c);
    /* A malformed secret in the file names the file and the venue. */
    s_write(s_opts.plain_path,
            "{\"sim-binance\": {\"api_key\": \"k\", \"api_secret\": \"short\"}}", 0600);
    assert_int_equal(s_load("sim-binance", CB_DIALECT_BINANCE, &c, err), CB_E_PARSE);
    s_assert_err(err, s_opts.plain_path, "venue sim-binance");
    /* Malformed documents. */
    static const char *const docs[] = {
        "[]", "{\"sim-binance\": 1}", "{\"sim-binance\": {\"api_key\": \"k\"}}",
        "{\"Bad Name\": {\"api_key\": \"k\", \"api_secret\": \"s\"}}", "{\"a\":",
        "{\"sim-binance\": {\"api_key\": 5, \"api_secret\": \"s\"}}",
    };
    for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
        s_write(s_opts.plain_path, docs[k], 0600);
        assert_int_equal(s_load("sim-binance", CB_DIALECT_BINANCE, &c, err), CB_E_PARSE);
        assert_non_null(strstr(err, s_opts.plain_path));
    }
    /* --plain writes: 0600, readable back. */
    assert_int_equal(unlink(s_opts.plain_path), 0);
    assert_int_equal(cb_creds_store(CB_CREDS_SRC_PLAIN, &s_opts, "sim-binance",
                                    CB_DIALECT_BINANCE, "bk", S_BINANCE_SECRET, err, sizeof err),
                     0);
    assert_int_equal(s_load("sim-binance", CB_DIALECT_BINANCE, &c, err), 0);
    assert_int_equal(c->source, CB_CREDS_SRC_PLAIN);
    cb_cred_destroy(&c);
    /* store refuses a malformed secret before touching the file. */
    assert_int_equal(cb_creds_store(CB_CREDS_SRC_PLAIN, &s_opts, "sim-binance",
                                    CB_DIALECT_BINANCE, "bk", "short", err, sizeof err),
                     CB_E_PARSE);
}

/* An existing encrypted file with no passphrase configured at all is skipped
 * for the plain file (with a warning); it is an error, saying why the file
 * was skipped, only when no later source has the venue. A passphrase that is
 * configured but wrong or missing stays an error the plain file cannot hide. */
static void
test_encrypted_without_passphrase(void **state)
{
    (void) state;
    char err[512] = "";
    cb_cred_t *c = NULL;
    assert_int_equal(cb_creds_store(CB_CREDS_SRC_ENCRYPTED, &s_opts, "sim-kraken",
                                    CB_DIALECT_KRAKEN, "enc-key", S_KRAKEN_SECRET, err,
                                    sizeof err), 0);
    assert_int_equal(cb_creds_store(CB_CREDS_SRC_PLAIN, &s_opts, "sim-binance",
                                    CB_DIALECT_BINANCE, "plain-bkey", S_BINANCE_SECRET, err,
                                    sizeof err), 0);
    unsetenv("COINBUS_CREDENTIALS_PASSPHRASE");
    assert_int_equal(cb_creds_opts_from_env(&s_opts, err, sizeof err), 0);
    char logp[128];
    snprintf(logp, sizeof logp, "%s/log", s_dir);
    int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cb_log_set_fd(fd);
    int rc = cb_creds_load("sim-binance", CB_DIALECT_BINANCE, &s_opts, &c, err, sizeof err);
    cb_log_set_fd(2);
    close(fd);
    assert_int_equal(rc, 0);
    assert_int_equal(c->source, CB_CREDS_SRC_PLAIN);
    assert_string_equal(c->api_key, "plain-bkey");
    cb_cred_destroy(&c);
    const char *log = s_slurp(logp);
    assert_non_null(strstr(log, "creds_encrypted_skipped"));
    assert_non_null(strstr(log, s_opts.encrypted_path));
    assert_null(strstr(log, S_BINANCE_SECRET));
    /* No later source has the venue: an error that says why the file was skipped. */
    assert_int_equal(cb_creds_load("sim-kraken", CB_DIALECT_KRAKEN, &s_opts, &c, err,
                                   sizeof err), CB_E_CONFIG);
    assert_null(c);
    s_assert_err(err, s_opts.encrypted_path, "skipped");
    assert_non_null(strstr(err, "COINBUS_CREDENTIALS_PASSPHRASE"));
    assert_non_null(strstr(err, s_opts.plain_path));
    /* A wrong passphrase is not skipped, though the plain file has the venue. */
    setenv("COINBUS_CREDENTIALS_PASSPHRASE", "not-the-passphrase", 1);
    assert_int_equal(cb_creds_opts_from_env(&s_opts, err, sizeof err), 0);
    assert_int_equal(cb_creds_load("sim-binance", CB_DIALECT_BINANCE, &s_opts, &c, err,
                                   sizeof err), CB_E_UNAUTHORIZED);
    s_assert_err(err, s_opts.encrypted_path, "wrong passphrase");
    /* Nor is a passphrase file that is configured but missing. */
    unsetenv("COINBUS_CREDENTIALS_PASSPHRASE");
    char pf[128];
    snprintf(pf, sizeof pf, "%s/no-such-pass", s_dir);
    setenv("COINBUS_CREDENTIALS_PASSPHRASE_FILE", pf, 1);
    assert_int_equal(cb_creds_opts_from_env(&s_opts, err, sizeof err), 0);
    assert_int_equal(cb_creds_load("sim-binance", CB_DIALECT_BINANCE, &s_opts, &c, err,
                                   sizeof err), CB_E_CONFIG);
    assert_non_null(strstr(err, "does not exist"));
    assert_null(strstr(err, "skipped"));
    unsetenv("COINBUS_CREDENTIALS_PASSPHRASE_FILE");
    setenv("COINBUS_CREDENTIALS_PASSPHRASE", S_PASS, 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_wrong_passphrase_and_tampering, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_plain_file, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_encrypted_without_passphrase, s_setup,
                                        s_teardown),
    };
    return cmocka_run_group_tests_name("creds_file", tests, NULL, NULL);
}
