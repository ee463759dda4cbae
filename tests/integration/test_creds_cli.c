/* test_creds_cli.c - the real `coinbus creds` against a real venue-sim: set, list, verify, remove, --plain, bad secrets and passphrases, Redis nonces; no output ever holds a secret */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cb_creds.h"
#include "cb_redis.h"
#include "cb_time.h"
#include "cbh.h"
#include "cbh_sim.h"

/* The venue-sim default paper accounts (services/venue-sim/README.md). */
#define S_KRAKEN_KEY "coinbus-paper-kraken"
#define S_KRAKEN_SECRET                                                        \
    "Y29pbmJ1cy1wYXBlci1rcmFrZW4tc2VjcmV0LWZvci10ZXN0aW5nLW9ubHktMDAwMDAwMDAwMDAwMDAwMDAwMA=="
#define S_BINANCE_KEY "coinbuspaperbinancekey000000000000000000000000000000000000000000"
#define S_BINANCE_SECRET "coinbuspaperbinancesecret000000000000000000000000000000000000000"
/* Well-formed but wrong secrets and the passphrase: in tests/secrets.list too. */
#define S_KRAKEN_WRONG                                                         \
    "Y29pbmJ1cy1pbnRlZ3JhdGlvbi13cm9uZy1rcmFrZW4tc2VjcmV0LW5ldmVyLXVzZS1hbnl3aGVyZS0wMDAwMA=="
#define S_BINANCE_WRONG "coinbusintegrationwrongbinancesecret0000000000000000000000000000"
#define S_PASS "integration-test-passphrase-7c41"

static const char *const s_secrets[] = {S_KRAKEN_SECRET, S_BINANCE_SECRET, S_KRAKEN_WRONG,
                                        S_BINANCE_WRONG, S_PASS};

static cbh_sim_t s_sim;
static char s_dir[64];
static char s_enc[128];
static char s_plain[128];
static char s_dead_redis[64];
static char s_out[16384];
static char s_err[16384];

static void
s_slurp(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        size_t n = fread(buf, 1, size - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
}

static void
s_assert_no_secret(const char *text, const char *what)
{
    for (size_t k = 0; k < sizeof s_secrets / sizeof s_secrets[0]; k++) {
        if (strstr(text, s_secrets[k]) != NULL) {
            fail_msg("%s holds secret %zu of this test", what, k);
        }
    }
}

/* Runs `coinbus creds <args>` with input on stdin (from a 0600 file: never
 * on a command line); its stdout and stderr land in s_out and s_err, are
 * echoed to the test log and checked for every secret. The exit code. */
static int
s_creds(const char *input, const char *fmt, ...)
{
    char args[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    char in[128];
    char out[128];
    char err[128];
    snprintf(in, sizeof in, "%s/stdin", s_dir);
    snprintf(out, sizeof out, "%s/stdout", s_dir);
    snprintf(err, sizeof err, "%s/stderr", s_dir);
    FILE *f = fopen(in, "w");
    assert_non_null(f);
    assert_int_equal(chmod(in, 0600), 0);
    fputs(input != NULL ? input : "", f);
    fclose(f);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "exec %s/coinbus creds %s < %s > %s 2> %s", cbh_bin_dir(), args,
             in, out, err);
    int st = system(cmd);
    unlink(in);
    s_slurp(out, s_out, sizeof s_out);
    s_slurp(err, s_err, sizeof s_err);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    printf("$ coinbus creds %s -> exit %d\n--- stdout\n%s--- stderr\n%s", args, rc, s_out, s_err);
    fflush(stdout);
    s_assert_no_secret(s_out, "stdout");
    s_assert_no_secret(s_err, "stderr");
    return rc;
}

static void
s_set_pass(const char *pass)
{
    if (pass != NULL) {
        setenv("COINBUS_CREDENTIALS_PASSPHRASE", pass, 1);
    } else {
        unsetenv("COINBUS_CREDENTIALS_PASSPHRASE");
    }
}

static int
s_setup(void **state)
{
    (void) state;
    char *sim_env[] = {"COINBUS_SIM_LIMITS=off", NULL};
    snprintf(s_dir, sizeof s_dir, "/tmp/cb-creds-cli-XXXXXX");
    if (mkdtemp(s_dir) == NULL || cbh_sim_start(&s_sim, sim_env) != 0) {
        return -1;
    }
    static const char *const vars[] = {
        "KRAKEN_API_KEY", "KRAKEN_API_SECRET", "KRAKEN_PRIVATE_KEY", "BINANCE_API_KEY",
        "BINANCE_API_SECRET", "COINBUS_SIM_KRAKEN_API_KEY", "COINBUS_SIM_KRAKEN_API_SECRET",
        "COINBUS_SIM_BINANCE_API_KEY", "COINBUS_SIM_BINANCE_API_SECRET",
        "COINBUS_CREDENTIALS_PASSPHRASE_FILE"};
    for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++) {
        unsetenv(vars[k]);
    }
    putenv(s_sim.venues_env);
    /* The files in a directory `creds set` has to create. */
    snprintf(s_enc, sizeof s_enc, "%s/conf/credentials.enc", s_dir);
    snprintf(s_plain, sizeof s_plain, "%s/conf/credentials.json", s_dir);
    setenv("COINBUS_CREDENTIALS_FILE", s_enc, 1);
    setenv("COINBUS_CREDENTIALS_PLAIN_FILE", s_plain, 1);
    s_set_pass(S_PASS);
    /* No Redis unless a test starts one: a port nothing listens on. */
    snprintf(s_dead_redis, sizeof s_dead_redis, "redis://127.0.0.1:%d/0", cbh_free_port());
    setenv("COINBUS_REDIS_URL", s_dead_redis, 1);
    return 0;
}

static int
s_teardown(void **state)
{
    (void) state;
    /* The sim saw every signed call: its log holds no secret either. */
    static char log[1 << 20];
    s_slurp(cbh_proc_log_path(s_sim.proc), log, sizeof log);
    int leaked = 0;
    for (size_t k = 0; k < sizeof s_secrets / sizeof s_secrets[0]; k++) {
        leaked |= strstr(log, s_secrets[k]) != NULL;
    }
    cbh_sim_stop(&s_sim);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    int rc = system(cmd);
    if (leaked) {
        fprintf(stderr, "the venue-sim log holds a secret of this test\n");
    }
    return leaked || rc != 0 ? -1 : 0;
}

static void
s_assert_mode_0600(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

/* `creds list` shows venue, source and fingerprint, never the key itself. */
static void
s_assert_listed(const char *venue, const char *source, const char *key)
{
    char fp[17];
    cb_creds_fingerprint(key, fp);
    char line[128];
    snprintf(line, sizeof line, "%-20s %-10s %s\n", venue, source, fp);
    if (strstr(s_out, line) == NULL) {
        fail_msg("creds list lacks \"%s\"", line);
    }
    assert_null(strstr(s_out, key));
    assert_null(strstr(s_err, key));
}

static void
test_set_list_verify(void **state)
{
    (void) state;
    assert_int_equal(s_creds(S_KRAKEN_KEY "\n" S_KRAKEN_SECRET "\n", "set sim-kraken"), 0);
    char fp[17];
    cb_creds_fingerprint(S_KRAKEN_KEY, fp);
    assert_non_null(strstr(s_out, "stored sim-kraken key "));
    assert_non_null(strstr(s_out, fp));
    assert_int_equal(s_creds(S_BINANCE_KEY "\n" S_BINANCE_SECRET "\n", "set sim-binance"), 0);
    s_assert_mode_0600(s_enc);
    static char file[8192];
    s_slurp(s_enc, file, sizeof file);
    assert_non_null(strstr(file, "\"kdf\": \"scrypt\""));
    s_assert_no_secret(file, "the encrypted file");
    assert_null(strstr(file, S_KRAKEN_KEY));

    assert_int_equal(s_creds(NULL, "list"), 0);
    s_assert_listed("sim-kraken", "encrypted", S_KRAKEN_KEY);
    s_assert_listed("sim-binance", "encrypted", S_BINANCE_KEY);

    assert_int_equal(s_creds(NULL, "verify sim-kraken"), 0);
    assert_non_null(strstr(s_out, "ok sim-kraken: signed balance call accepted"));
    /* No Redis here: the nonce came from the clock, and the note says so. */
    assert_non_null(strstr(s_err, "using the clock"));
    assert_int_equal(s_creds(NULL, "verify sim-binance"), 0);
    assert_non_null(strstr(s_out, "ok sim-binance: signed balance call accepted"));
}

static void
test_wrong_secret_is_an_auth_error(void **state)
{
    (void) state;
    assert_int_equal(s_creds(S_BINANCE_KEY "\n" S_BINANCE_WRONG "\n", "set sim-binance"), 0);
    assert_int_equal(s_creds(NULL, "verify sim-binance"), 1);
    assert_non_null(strstr(s_err, "coinbus creds verify: sim-binance: auth (HTTP 400) -1022 "
                                  "Signature for this request is not valid."));
    assert_int_equal(s_creds(S_KRAKEN_KEY "\n" S_KRAKEN_WRONG "\n", "set sim-kraken"), 0);
    assert_int_equal(s_creds(NULL, "verify sim-kraken"), 1);
    assert_non_null(strstr(s_err, "coinbus creds verify: sim-kraken: auth"));
    assert_non_null(strstr(s_err, "EAPI:Invalid signature\n"));
    /* Set right again: accepted again (no lockout from one bad call). */
    assert_int_equal(s_creds(S_KRAKEN_KEY "\n" S_KRAKEN_SECRET "\n", "set sim-kraken"), 0);
    assert_int_equal(s_creds(S_BINANCE_KEY "\n" S_BINANCE_SECRET "\n", "set sim-binance"), 0);
    assert_int_equal(s_creds(NULL, "verify sim-kraken"), 0);
    assert_int_equal(s_creds(NULL, "verify sim-binance"), 0);
}

static void
test_malformed_secret_is_refused(void **state)
{
    (void) state;
    static char before[8192];
    static char after[8192];
    s_slurp(s_enc, before, sizeof before);
    assert_int_equal(s_creds(S_BINANCE_KEY "\nshort\n", "set sim-binance"), 1);
    assert_non_null(strstr(s_err, "coinbus creds set: sim-binance: Binance secret must be 64 "
                                  "characters, not 5\n"));
    assert_int_equal(s_creds(S_KRAKEN_KEY "\nnot*base64*at*all\n", "set sim-kraken"), 1);
    assert_non_null(strstr(s_err, "coinbus creds set: sim-kraken: Kraken secret is not base64\n"));
    /* Base64, but of 8 bytes, not 64. */
    assert_int_equal(s_creds(S_KRAKEN_KEY "\nc2VjcmV0LXM=\n", "set sim-kraken"), 1);
    assert_non_null(strstr(s_err, "Kraken secret must be base64 of 64 bytes, not 8 bytes"));
    assert_int_equal(s_creds(S_KRAKEN_KEY "\n", "set sim-kraken"), 1);
    assert_non_null(strstr(s_err, "expected two lines on stdin"));
    /* Nothing was written. */
    s_slurp(s_enc, after, sizeof after);
    assert_string_equal(before, after);
    assert_int_equal(s_creds(NULL, "verify sim-kraken"), 0);
}

static void
test_remove(void **state)
{
    (void) state;
    assert_int_equal(s_creds(NULL, "remove sim-binance"), 0);
    assert_non_null(strstr(s_out, "removed sim-binance from"));
    assert_int_equal(s_creds(NULL, "list"), 0);
    s_assert_listed("sim-kraken", "encrypted", S_KRAKEN_KEY);
    assert_null(strstr(s_out, "sim-binance"));
    assert_int_equal(s_creds(NULL, "verify sim-binance"), 1);
    assert_non_null(strstr(s_err, "no credentials for venue sim-binance"));
    assert_int_equal(s_creds(NULL, "remove sim-binance"), 1);
    assert_non_null(strstr(s_err, "no credentials for venue sim-binance"));
}

static void
test_plain_file(void **state)
{
    (void) state;
    assert_int_equal(s_creds(S_BINANCE_KEY "\n" S_BINANCE_SECRET "\n", "set --plain sim-binance"),
                     0);
    assert_non_null(strstr(s_err, "warning: "));
    assert_non_null(strstr(s_err, "unencrypted"));
    s_assert_mode_0600(s_plain);
    assert_int_equal(s_creds(NULL, "list"), 0);
    s_assert_listed("sim-kraken", "encrypted", S_KRAKEN_KEY);
    s_assert_listed("sim-binance", "plain", S_BINANCE_KEY);
    assert_int_equal(s_creds(NULL, "verify sim-binance"), 0);
    assert_non_null(strstr(s_out, "from plain"));
    assert_non_null(strstr(s_err, "creds_plain_file"));
    /* A plain file others may read is refused, with the fix in the line. */
    assert_int_equal(chmod(s_plain, 0644), 0);
    assert_int_equal(s_creds(NULL, "verify sim-binance"), 1);
    assert_non_null(strstr(s_err, "chmod 600"));
    assert_int_equal(chmod(s_plain, 0600), 0);
}

static void
test_bad_passphrase(void **state)
{
    (void) state;
    s_set_pass("not-the-passphrase");
    assert_int_equal(s_creds(NULL, "list"), 1);
    assert_non_null(strstr(s_err, "wrong passphrase, or the file was altered"));
    assert_null(strstr(s_err, "not-the-passphrase"));
    /* The plain file is still listed. */
    s_assert_listed("sim-binance", "plain", S_BINANCE_KEY);
    assert_int_equal(s_creds(NULL, "verify sim-kraken"), 1);
    assert_non_null(strstr(s_err, "wrong passphrase, or the file was altered"));
    /* A wrong passphrase is not hidden by the plain file having the venue. */
    assert_int_equal(s_creds(NULL, "verify sim-binance"), 1);
    assert_non_null(strstr(s_err, "wrong passphrase"));
    /* No passphrase at all: the encrypted file is skipped for the plain file,
     * and where no later source has the venue, the error says why. */
    s_set_pass(NULL);
    assert_int_equal(s_creds(NULL, "verify sim-binance"), 0);
    assert_non_null(strstr(s_err, "creds_encrypted_skipped"));
    assert_int_equal(s_creds(NULL, "verify sim-kraken"), 1);
    assert_non_null(strstr(s_err, "the encrypted file was skipped"));
    assert_non_null(strstr(s_err, "COINBUS_CREDENTIALS_PASSPHRASE"));
    s_set_pass(S_PASS);
    assert_int_equal(s_creds(NULL, "verify sim-kraken"), 0);
}

/* Kraken nonces come from the key's counter in Redis when it answers: a
 * service that drew nonces ahead of the clock (the counter far ahead) does
 * not make verify fail, and verify's nonce moves the counter on. Without
 * Redis the clock's nonce is below what the venue has seen: refused. Last:
 * it leaves the sim's nonce for this key in the future. */
static void
test_kraken_nonce_from_redis(void **state)
{
    (void) state;
    cbh_redis_t server;
    assert_int_equal(cbh_redis_start(&server, NULL), 0);
    int err = 0;
    cb_redis_t *redis = cb_redis_new(server.url, &err);
    assert_non_null(redis);
    char fp[17];
    cb_creds_fingerprint(S_KRAKEN_KEY, fp);
    char key[128];
    snprintf(key, sizeof key, "coinbus:nonce:sim-kraken:%s", fp);
    uint64_t ahead = (uint64_t) (cb_time_now_ns() / 1000) + 3600ull * 1000000;
    redisReply *r = cb_redis_command(redis, &err, "SET %s %" PRIu64, key, ahead);
    assert_non_null(r);
    freeReplyObject(r);

    setenv("COINBUS_REDIS_URL", server.url, 1);
    assert_int_equal(s_creds(NULL, "verify sim-kraken"), 0);
    assert_null(strstr(s_err, "using the clock"));
    r = cb_redis_command(redis, &err, "GET %s", key);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_int_equal(strtoull(r->str, NULL, 10), ahead + 1);
    freeReplyObject(r);

    setenv("COINBUS_REDIS_URL", s_dead_redis, 1);
    assert_int_equal(s_creds(NULL, "verify sim-kraken"), 1);
    assert_non_null(strstr(s_err, "using the clock"));
    assert_non_null(strstr(s_err, "EAPI:Invalid nonce"));

    setenv("COINBUS_REDIS_URL", server.url, 1);
    assert_int_equal(s_creds(NULL, "verify sim-kraken"), 0);
    r = cb_redis_command(redis, &err, "GET %s", key);
    assert_non_null(r);
    assert_int_equal(strtoull(r->str, NULL, 10), ahead + 2);
    freeReplyObject(r);
    setenv("COINBUS_REDIS_URL", s_dead_redis, 1);
    cb_redis_destroy(&redis);
    cbh_redis_stop(&server);
}

int
main(void)
{
    /* In order: each test builds on the files the one before left. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_list_verify),
        cmocka_unit_test(test_wrong_secret_is_an_auth_error),
        cmocka_unit_test(test_malformed_secret_is_refused),
        cmocka_unit_test(test_remove),
        cmocka_unit_test(test_plain_file),
        cmocka_unit_test(test_bad_passphrase),
        cmocka_unit_test(test_kraken_nonce_from_redis),
    };
    return cmocka_run_group_tests_name("creds_cli", tests, s_setup, s_teardown);
}
