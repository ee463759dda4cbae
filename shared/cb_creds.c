/* cb_creds.c - credential lookup (environment, then the files), the secret's form, the credential's lifetime */
#include "cb_creds.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "cb_creds_impl.h"
#include "cb_error.h"
#include "cb_kraken.h"
#include "cb_log.h"
#include "cb_secmem.h"

/* ---- options ----------------------------------------------------------------- */

static int
s_copy_path(char *dst, size_t cap, const char *value, const char *var, char *err, size_t err_size)
{
    int n = snprintf(dst, cap, "%s", value);
    if (n < 0 || (size_t) n >= cap) {
        snprintf(err, err_size, "%s: path longer than %zu bytes", var, cap - 1);
        return CB_E_CONFIG;
    }
    return 0;
}

/* The default path of a credentials file: $XDG_CONFIG_HOME/coinbus/<name>,
 * else $HOME/.config/coinbus/<name>, else none. */
static void
s_default_path(char *dst, size_t cap, const char *name)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n = -1;
    if (xdg != NULL && xdg[0] == '/') {
        n = snprintf(dst, cap, "%s/coinbus/%s", xdg, name);
    } else if (home != NULL && home[0] == '/') {
        n = snprintf(dst, cap, "%s/.config/coinbus/%s", home, name);
    }
    if (n < 0 || (size_t) n >= cap) {
        dst[0] = '\0';
    }
}

static int
s_path_var(char *dst, size_t cap, const char *var, const char *default_name, char *err,
           size_t err_size)
{
    const char *v = getenv(var);
    if (v != NULL) {
        return s_copy_path(dst, cap, v, var, err, err_size);
    }
    if (default_name != NULL) {
        s_default_path(dst, cap, default_name);
    } else {
        dst[0] = '\0';
    }
    return 0;
}

int
cb_creds_opts_from_env(cb_creds_opts_t *opts, char *err, size_t err_size)
{
    memset(opts, 0, sizeof *opts);
    int rc = s_path_var(opts->encrypted_path, sizeof opts->encrypted_path,
                        "COINBUS_CREDENTIALS_FILE", "credentials.enc", err, err_size);
    if (rc == 0) {
        rc = s_path_var(opts->plain_path, sizeof opts->plain_path,
                        "COINBUS_CREDENTIALS_PLAIN_FILE", "credentials.json", err, err_size);
    }
    if (rc == 0) {
        rc = s_path_var(opts->passphrase_file, sizeof opts->passphrase_file,
                        "COINBUS_CREDENTIALS_PASSPHRASE_FILE", NULL, err, err_size);
    }
    const char *pass = getenv("COINBUS_CREDENTIALS_PASSPHRASE");
    opts->passphrase_from_env = pass != NULL && pass[0] != '\0';
    return rc;
}

/* ---- the secret's form ------------------------------------------------------- */

#define S_KRAKEN_KEY_BYTES 64
#define S_BINANCE_SECRET_CHARS 64

int
cb_creds_secret_check(cb_dialect_t dialect, const char *secret, char *why, size_t why_size)
{
    size_t n = strlen(secret);
    if (n == 0 || n >= CB_CREDS_SECRET_MAX) {
        snprintf(why, why_size, "secret is empty or longer than %d characters",
                 CB_CREDS_SECRET_MAX - 1);
        return CB_E_PARSE;
    }
    if (dialect == CB_DIALECT_BINANCE) {
        for (size_t k = 0; k < n; k++) {
            if (!isalnum((unsigned char) secret[k])) {
                snprintf(why, why_size, "Binance secret has a character that is not a letter "
                                        "or digit at position %zu", k + 1);
                return CB_E_PARSE;
            }
        }
        if (n != S_BINANCE_SECRET_CHARS) {
            snprintf(why, why_size, "Binance secret must be %d characters, not %zu",
                     S_BINANCE_SECRET_CHARS, n);
            return CB_E_PARSE;
        }
        return 0;
    }
    uint8_t key[CB_CREDS_SECRET_MAX];
    size_t key_len = 0;
    int rc = cb_kraken_secret_decode(secret, key, sizeof key, &key_len);
    OPENSSL_cleanse(key, sizeof key);
    const char *who = dialect == CB_DIALECT_KRAKEN ? "Kraken" : "Coinbase";
    if (rc != 0) {
        snprintf(why, why_size, "%s secret is not base64", who);
        return CB_E_PARSE;
    }
    if (dialect == CB_DIALECT_KRAKEN && key_len != S_KRAKEN_KEY_BYTES) {
        snprintf(why, why_size, "Kraken secret must be base64 of %d bytes, not %zu bytes",
                 S_KRAKEN_KEY_BYTES, key_len);
        return CB_E_PARSE;
    }
    return 0;
}

static int
s_key_check(const char *api_key, char *why, size_t why_size)
{
    size_t n = strlen(api_key);
    if (n == 0 || n >= CB_CREDS_KEY_MAX) {
        snprintf(why, why_size, "API key is empty or longer than %d characters",
                 CB_CREDS_KEY_MAX - 1);
        return CB_E_PARSE;
    }
    for (size_t k = 0; k < n; k++) {
        /* It travels in an HTTP header: printable ASCII, no spaces. */
        if (!isgraph((unsigned char) api_key[k])) {
            snprintf(why, why_size, "API key has a space or control character at position %zu",
                     k + 1);
            return CB_E_PARSE;
        }
    }
    return 0;
}

void
cb_creds_fingerprint(const char *api_key, char out[17])
{
    uint8_t md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *) api_key, strlen(api_key), md);
    for (int k = 0; k < 8; k++) {
        snprintf(out + 2 * k, 3, "%02x", md[k]);
    }
}

/* ---- the credential ---------------------------------------------------------- */

int
cb_creds_cred_new(const char *venue, cb_dialect_t dialect, cb_creds_source_t source,
                  const char *api_key, const char *secret, const char *where, cb_cred_t **out,
                  char *err, size_t err_size)
{
    char why[160];
    int rc = s_key_check(api_key, why, sizeof why);
    if (rc == 0) {
        rc = cb_creds_secret_check(dialect, secret, why, sizeof why);
    }
    if (rc != 0) {
        snprintf(err, err_size, "%s: %s", where, why);
        return rc;
    }
    cb_cred_t *cred = calloc(1, sizeof *cred);
    if (cred == NULL) {
        goto fail_alloc;
    }
    cred->hmac_key = cb_secmem_alloc(CB_CREDS_SECRET_MAX);
    if (cred->hmac_key == NULL) {
        goto fail_key;
    }
    snprintf(cred->venue, sizeof cred->venue, "%s", venue);
    cred->dialect = dialect;
    cred->source = source;
    snprintf(cred->api_key, sizeof cred->api_key, "%s", api_key);
    cb_creds_fingerprint(api_key, cred->fingerprint);
    if (dialect == CB_DIALECT_BINANCE) {
        cred->hmac_key_len = strlen(secret);
        memcpy(cred->hmac_key, secret, cred->hmac_key_len);
    } else if (cb_kraken_secret_decode(secret, cred->hmac_key, CB_CREDS_SECRET_MAX,
                                       &cred->hmac_key_len) != 0) {
        goto fail_decode; /* checked above: unreachable */
    }
    *out = cred;
    return 0;

fail_decode:
    cb_secmem_free((void **) &cred->hmac_key, CB_CREDS_SECRET_MAX);
fail_key:
    free(cred);
fail_alloc:
    snprintf(err, err_size, "%s: out of memory", where);
    return CB_E_NOMEM;
}

void
cb_cred_destroy(cb_cred_t **cred)
{
    if (cred == NULL || *cred == NULL) {
        return;
    }
    cb_cred_t *c = *cred;
    cb_secmem_free((void **) &c->hmac_key, CB_CREDS_SECRET_MAX);
    OPENSSL_cleanse(c, sizeof *c);
    free(c);
    *cred = NULL;
}

/* ---- the environment source -------------------------------------------------- */

static const char *
s_env(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* One pair of variables: CB_E_NOT_FOUND when neither is set, CB_E_CONFIG
 * when only one is. */
static int
s_env_pair(const char *venue, cb_dialect_t dialect, const char *key_var,
           const char *const *secret_vars, cb_cred_t **out, char *err, size_t err_size)
{
    const char *key = s_env(key_var);
    const char *secret = NULL;
    const char *secret_var = secret_vars[0];
    for (size_t k = 0; secret_vars[k] != NULL && secret == NULL; k++) {
        secret = s_env(secret_vars[k]);
        secret_var = secret != NULL ? secret_vars[k] : secret_var;
    }
    if (key == NULL && secret == NULL) {
        return CB_E_NOT_FOUND;
    }
    if (key == NULL || secret == NULL) {
        snprintf(err, err_size, "%s is set but %s is not", key != NULL ? key_var : secret_var,
                 key != NULL ? secret_var : key_var);
        return CB_E_CONFIG;
    }
    char where[160];
    snprintf(where, sizeof where, "%s/%s", key_var, secret_var);
    return cb_creds_cred_new(venue, dialect, CB_CREDS_SRC_ENV, key, secret, where, out, err,
                             err_size);
}

#define S_STEM_MAX (8 + CB_VENUE_NAME_MAX + 1)

/* "COINBUS_<VENUE>" for venue: upper case, every other character '_'
 * (venue "sim-kraken" -> COINBUS_SIM_KRAKEN). */
static void
s_env_stem(const char *venue, char stem[S_STEM_MAX])
{
    int n = snprintf(stem, S_STEM_MAX, "COINBUS_%s", venue);
    for (int k = 8; k < n && k < S_STEM_MAX - 1; k++) {
        stem[k] = isalnum((unsigned char) stem[k]) ? (char) toupper((unsigned char) stem[k]) : '_';
    }
}

static int
s_env_lookup(const char *venue, cb_dialect_t dialect, cb_cred_t **out, char *err,
             size_t err_size)
{
    int rc = CB_E_NOT_FOUND;
    if (strcmp(venue, "kraken") == 0) {
        static const char *const secrets[] = {"KRAKEN_API_SECRET", "KRAKEN_PRIVATE_KEY", NULL};
        rc = s_env_pair(venue, dialect, "KRAKEN_API_KEY", secrets, out, err, err_size);
    } else if (strcmp(venue, "binance") == 0) {
        static const char *const secrets[] = {"BINANCE_API_SECRET", NULL};
        rc = s_env_pair(venue, dialect, "BINANCE_API_KEY", secrets, out, err, err_size);
    }
    if (rc != CB_E_NOT_FOUND) {
        return rc;
    }
    char stem[S_STEM_MAX];
    s_env_stem(venue, stem);
    char key_var[sizeof stem + 16];
    char secret_var[sizeof stem + 16];
    snprintf(key_var, sizeof key_var, "%s_API_KEY", stem);
    snprintf(secret_var, sizeof secret_var, "%s_API_SECRET", stem);
    const char *const secrets[] = {secret_var, NULL};
    return s_env_pair(venue, dialect, key_var, secrets, out, err, err_size);
}

/* ---- lookup ------------------------------------------------------------------ */

#define S_SKIP_MAX 640

/* A passphrase source is configured (whether or not it turns out right). */
static bool
s_passphrase_configured(const cb_creds_opts_t *opts)
{
    const char *pass = opts->passphrase_from_env ? getenv("COINBUS_CREDENTIALS_PASSPHRASE") : NULL;
    return (pass != NULL && pass[0] != '\0') || opts->passphrase_file[0] != '\0';
}

int
cb_creds_load(const char *venue, cb_dialect_t dialect, const cb_creds_opts_t *opts,
              cb_cred_t **out, char *err, size_t err_size)
{
    *out = NULL;
    if (venue == NULL || venue[0] == '\0' || strlen(venue) > CB_VENUE_NAME_MAX) {
        snprintf(err, err_size, "credentials: bad venue name");
        return CB_E_CONFIG;
    }
    int rc = s_env_lookup(venue, dialect, out, err, err_size);
    /* An encrypted file that exists while no passphrase is configured at all
     * is skipped, not fatal: the plain file may hold the venue (a user of the
     * plain file only, with an old encrypted file at the default path). It is
     * an error only when no later source has the venue, and the error says
     * why the file was skipped. A passphrase that is configured but wrong, or
     * a damaged file, stays an error: another source must not hide it. */
    char skipped[S_SKIP_MAX] = "";
    if (rc == CB_E_NOT_FOUND && opts != NULL) {
        rc = cb_creds_file_lookup(CB_CREDS_SRC_ENCRYPTED, venue, dialect, opts, out, err,
                                  err_size);
        if (rc == CB_E_CONFIG && !s_passphrase_configured(opts)) {
            snprintf(skipped, sizeof skipped, "%s", err);
            rc = CB_E_NOT_FOUND;
        }
    }
    if (rc == CB_E_NOT_FOUND && opts != NULL) {
        rc = cb_creds_file_lookup(CB_CREDS_SRC_PLAIN, venue, dialect, opts, out, err, err_size);
    }
    if (rc == 0 && skipped[0] != '\0') {
        cb_log_warn("creds_encrypted_skipped", "venue=%s path=%s note=\"%s\"", venue,
                    opts->encrypted_path, "no passphrase configured; found in the plain file");
    }
    if (rc == CB_E_NOT_FOUND && skipped[0] != '\0') {
        snprintf(err, err_size, "no credentials for venue %s in the environment or %s; the "
                                "encrypted file was skipped: %s", venue,
                 opts->plain_path[0] ? opts->plain_path : "a plain file (none configured)",
                 skipped);
        rc = CB_E_CONFIG;
    } else if (rc == CB_E_NOT_FOUND) {
        char stem[S_STEM_MAX];
        s_env_stem(venue, stem);
        snprintf(err, err_size, "no credentials for venue %s: set %s_API_KEY and %s_API_SECRET, "
                                "or add the venue to %s or %s", venue, stem, stem,
                 opts != NULL && opts->encrypted_path[0] ? opts->encrypted_path : "the encrypted file",
                 opts != NULL && opts->plain_path[0] ? opts->plain_path : "the plain file");
    }
    return rc;
}

int
cb_creds_harden_process(void)
{
    struct rlimit no_core = {0, 0};
    if (setrlimit(RLIMIT_CORE, &no_core) != 0) {
        return -errno;
    }
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        return -errno;
    }
    return 0;
}
