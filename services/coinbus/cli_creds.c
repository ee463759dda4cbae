/* cli_creds.c - coinbus creds set|list|remove|verify: the credential files, and a signed balance call */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cb_binance.h"
#include "cb_binance_impl.h"
#include "cb_creds.h"
#include "cb_dialect.h"
#include "cb_error.h"
#include "cb_http.h"
#include "cb_kraken.h"
#include "cb_nonce.h"
#include "cb_redis.h"
#include "cb_secmem.h"
#include "cb_time.h"
#include "cb_venue.h"
#include "cli.h"

#define S_LINE_MAX 1024

/* The venue called name in COINBUS_VENUES (or its default); a dialect name
 * alone ("kraken") is accepted too. 0 or CB_E_NOT_FOUND (printed). */
static int
s_venue(const char *name, cb_venue_cfg_t *out)
{
    const char *spec = getenv("COINBUS_VENUES");
    cb_venue_cfg_t v[CB_VENUES_MAX];
    size_t n = 0;
    char err[256];
    if (cb_venues_parse(spec != NULL && spec[0] != '\0' ? spec : CB_VENUES_DEFAULT, v,
                        CB_VENUES_MAX, &n, err, sizeof err) != 0) {
        fprintf(stderr, "coinbus creds: COINBUS_VENUES: %s\n", err);
        return CB_E_CONFIG;
    }
    for (size_t k = 0; k < n; k++) {
        if (strcmp(v[k].name, name) == 0) {
            *out = v[k];
            return 0;
        }
    }
    if (cb_venues_parse(name, v, 1, &n, err, sizeof err) == 0 && n == 1 &&
        strcmp(v[0].name, name) == 0) {
        *out = v[0];
        return 0;
    }
    fprintf(stderr, "coinbus creds: venue '%s' is not in COINBUS_VENUES\n", name);
    return CB_E_NOT_FOUND;
}

/* One line of stdin into buf (newline removed); echo off when hide and
 * stdin is a terminal. 0, or -1 at EOF / a line too long. */
static int
s_read_line(const char *prompt, bool hide, char *buf, size_t size)
{
    bool tty = isatty(STDIN_FILENO) == 1;
    struct termios old;
    bool restore = false;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        fflush(stderr);
        if (hide && tcgetattr(STDIN_FILENO, &old) == 0) {
            struct termios quiet = old;
            quiet.c_lflag &= ~(tcflag_t) ECHO;
            restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    char *got = fgets(buf, (int) size, stdin);
    if (restore) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    size_t n = got != NULL ? strlen(buf) : 0;
    if (got == NULL || (n == size - 1 && buf[n - 1] != '\n')) {
        OPENSSL_cleanse(buf, size);
        return -1;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        buf[--n] = '\0';
    }
    return 0;
}

static int
s_opts(cb_creds_opts_t *opts)
{
    char err[256];
    if (cb_creds_opts_from_env(opts, err, sizeof err) != 0) {
        fprintf(stderr, "coinbus creds: %s\n", err);
        return CB_E_CONFIG;
    }
    return 0;
}

static int
s_set(const char *venue, bool plain, const cb_creds_opts_t *opts)
{
    cb_venue_cfg_t v;
    if (s_venue(venue, &v) != 0) {
        return CLI_EXIT_ERROR;
    }
    char key[S_LINE_MAX];
    char *secret = cb_secmem_alloc(S_LINE_MAX);
    int rc = CLI_EXIT_ERROR;
    char err[512];
    if (secret == NULL) {
        fprintf(stderr, "coinbus creds: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    if (s_read_line("API key: ", false, key, sizeof key) != 0 ||
        s_read_line("API secret: ", true, secret, S_LINE_MAX) != 0) {
        fprintf(stderr, "coinbus creds set: expected two lines on stdin: the API key, then "
                        "the secret\n");
        goto done;
    }
    cb_creds_source_t src = plain ? CB_CREDS_SRC_PLAIN : CB_CREDS_SRC_ENCRYPTED;
    int e = cb_creds_store(src, opts, venue, v.dialect, key, secret, err, sizeof err);
    if (e != 0) {
        fprintf(stderr, "coinbus creds set: %s\n", err);
        goto done;
    }
    cb_creds_item_t it;
    cb_creds_fingerprint(key, it.fingerprint);
    if (plain) {
        fprintf(stderr, "coinbus creds set: warning: %s holds the secret unencrypted "
                        "(mode 0600); prefer the encrypted file\n", opts->plain_path);
    }
    printf("stored %s key %s in %s\n", venue, it.fingerprint,
           plain ? opts->plain_path : opts->encrypted_path);
    rc = CLI_EXIT_OK;
done:
    cb_secmem_free((void **) &secret, S_LINE_MAX);
    return rc;
}

static const char *
s_source_name(cb_creds_source_t s)
{
    return s == CB_CREDS_SRC_ENV ? "env" : s == CB_CREDS_SRC_ENCRYPTED ? "encrypted" : "plain";
}

static int
s_list(const cb_creds_opts_t *opts)
{
    int rc = CLI_EXIT_OK;
    char err[512];
    /* The environment, for the configured venues. */
    const char *spec = getenv("COINBUS_VENUES");
    cb_venue_cfg_t v[CB_VENUES_MAX];
    size_t n = 0;
    if (cb_venues_parse(spec != NULL && spec[0] != '\0' ? spec : CB_VENUES_DEFAULT, v,
                        CB_VENUES_MAX, &n, err, sizeof err) != 0) {
        n = 0;
    }
    for (size_t k = 0; k < n; k++) {
        cb_cred_t *c = NULL;
        if (cb_creds_load(v[k].name, v[k].dialect, NULL, &c, err, sizeof err) == 0) {
            printf("%-20s %-10s %s\n", c->venue, "env", c->fingerprint);
        }
        cb_cred_destroy(&c);
    }
    static const cb_creds_source_t files[] = {CB_CREDS_SRC_ENCRYPTED, CB_CREDS_SRC_PLAIN};
    for (size_t f = 0; f < 2; f++) {
        cb_creds_item_t items[64];
        size_t count = 0;
        int e = cb_creds_list(files[f], opts, items, 64, &count, err, sizeof err);
        if (e != 0 && e != CB_E_NOT_FOUND) {
            fprintf(stderr, "coinbus creds list: %s\n", err);
            rc = CLI_EXIT_ERROR;
        }
        for (size_t k = 0; k < count; k++) {
            printf("%-20s %-10s %s\n", items[k].venue, s_source_name(files[f]),
                   items[k].fingerprint);
        }
    }
    return rc;
}

#define S_REDIS_CONNECT_MS 300
#define S_REDIS_COMMAND_MS 1000

/* Kraken's nonce for one signed call. Services signing with the same key
 * (market-feed, account) draw theirs from the key's counter in Redis
 * (cb_nonce); drawing ours there too keeps every nonce of the key strictly
 * increasing, whoever signs. When COINBUS_REDIS_URL's Redis does not answer
 * in time, the clock in microseconds (cb_nonce's unit) is used, with a note:
 * a service that drew a nonce ahead of the clock makes this call fail with
 * EAPI:Invalid nonce, which is harmless. */
static uint64_t
s_kraken_nonce(const char *venue, const char *api_key)
{
    int err = 0;
    uint64_t nonce = 0;
    cb_redis_t *redis = cb_redis_new(cli_redis_url(), &err);
    if (redis != NULL) {
        cb_nonce_t gen;
        cb_redis_set_timeouts(redis, S_REDIS_CONNECT_MS, S_REDIS_COMMAND_MS);
        err = cb_nonce_init(&gen, redis, venue, api_key);
        if (err == 0) {
            err = cb_nonce_next(&gen, &nonce);
        }
        cb_redis_destroy(&redis);
    }
    if (err == 0 && nonce > 0) {
        return nonce;
    }
    fprintf(stderr, "coinbus creds verify: note: no nonce from the Redis of COINBUS_REDIS_URL "
                    "(%s); using the clock\n", cb_strerror(err));
    return (uint64_t) (cb_time_now_ns() / 1000);
}

/* The signed request of a balance call for cred's dialect. */
static int
s_balance_req(const cb_venue_cfg_t *v, const cb_cred_t *c, cb_venue_req_t *req)
{
    if (c->dialect == CB_DIALECT_KRAKEN) {
        uint64_t nonce = s_kraken_nonce(v->name, c->api_key);
        return cb_kraken_private_req(v, "BalanceEx", NULL, nonce, c->api_key, c->hmac_key,
                                     c->hmac_key_len, false, req);
    }
    if (c->dialect == CB_DIALECT_BINANCE) {
        return cb_binance_signed_req(v, "GET", "/api/v3/account", "", cb_time_now_ms(), 5000,
                                     c->api_key, c->hmac_key, c->hmac_key_len, false, req);
    }
    return CB_E_BAD_REQUEST;
}

static int
s_verify(const char *venue, const cb_creds_opts_t *opts)
{
    cb_venue_cfg_t v;
    if (s_venue(venue, &v) != 0) {
        return CLI_EXIT_ERROR;
    }
    char err[512];
    cb_cred_t *c = NULL;
    if (cb_creds_load(venue, v.dialect, opts, &c, err, sizeof err) != 0) {
        fprintf(stderr, "coinbus creds verify: %s\n", err);
        return CLI_EXIT_ERROR;
    }
    int rc = CLI_EXIT_ERROR;
    cb_venue_req_t req;
    memset(&req, 0, sizeof req);
    cb_http_t *http = NULL;
    cb_http_result_t res;
    memset(&res, 0, sizeof res);
    if (s_balance_req(&v, c, &req) != 0) {
        fprintf(stderr, "coinbus creds verify: %s: no signed balance call for dialect %s\n",
                venue, cb_dialect_name(v.dialect));
        goto done;
    }
    const char *headers[4];
    size_t nh = 0;
    for (size_t k = 0; k < 4; k++) {
        if (req.headers[k][0] != '\0') {
            headers[nh++] = req.headers[k];
        }
    }
    cb_http_req_t hr = {.method = strcmp(req.method, "POST") == 0 ? CB_HTTP_POST : CB_HTTP_GET,
                        .url = req.url, .headers = headers, .header_count = nh,
                        .body = req.body.len > 0 ? req.body.data : NULL,
                        .body_len = req.body.len, .timeout_ms = 10000};
    http = cb_http_new(NULL);
    if (http == NULL || cb_http_do(http, &hr, &res) != 0) {
        fprintf(stderr, "coinbus creds verify: %s: HTTP client failed\n", venue);
        goto done;
    }
    cb_venue_error_t ve;
    memset(&ve, 0, sizeof ve);
    bool transport = res.resp.outcome != CB_HTTP_OK;
    int e = transport ? CB_E_UNAVAILABLE
            : c->dialect == CB_DIALECT_KRAKEN
                ? cb_kraken_error_parse(res.resp.body, res.resp.body_len, (int) res.resp.status,
                                        false, 0, &ve)
            : res.resp.status == 200
                ? 0 /* Binance: only non-200 replies carry an error */
                : cb_binance_classify(&req, false, true, (int) res.resp.status, res.resp.body,
                                      res.resp.body_len, 0, &ve);
    if (e == 0 && res.resp.status == 200) {
        printf("ok %s: signed balance call accepted (key %s from %s)\n", venue, c->fingerprint,
               s_source_name(c->source));
        rc = CLI_EXIT_OK;
    } else if (transport) {
        fprintf(stderr, "coinbus creds verify: %s: unavailable: %s\n", venue, res.resp.error);
    } else {
        /* Kraken's message is its code ("EAPI:Invalid nonce"): printed once. */
        bool same = strcmp(ve.venue_code, ve.message) == 0;
        fprintf(stderr, "coinbus creds verify: %s: %s (HTTP %ld) %s%s%s\n", venue,
                cb_verr_class_name(ve.cls), res.resp.status, ve.venue_code, same ? "" : " ",
                same ? "" : ve.message);
    }
done:
    cb_http_result_fini(&res);
    cb_http_destroy(&http);
    cb_venue_req_fini(&req);
    cb_cred_destroy(&c);
    return rc;
}

int
cli_creds(int argc, char **argv)
{
    /* The process holds secrets from here: no core file, no ptrace. */
    cb_creds_harden_process();
    bool plain = argc > 2 && strcmp(argv[2], "--plain") == 0;
    int arg = plain ? 3 : 2;
    const char *cmd = argc > 1 ? argv[1] : "";
    bool needs_venue = strcmp(cmd, "list") != 0;
    if ((needs_venue && argc != arg + 1) || (!needs_venue && argc != 2) ||
        (plain && strcmp(cmd, "set") != 0 && strcmp(cmd, "remove") != 0)) {
        fprintf(stderr, "usage: coinbus creds set [--plain] <venue> | list | remove [--plain] "
                        "<venue> | verify <venue>\n");
        return CLI_EXIT_USAGE;
    }
    cb_creds_opts_t opts;
    if (s_opts(&opts) != 0) {
        return CLI_EXIT_ERROR;
    }
    if (strcmp(cmd, "set") == 0) {
        return s_set(argv[arg], plain, &opts);
    }
    if (strcmp(cmd, "list") == 0) {
        return s_list(&opts);
    }
    if (strcmp(cmd, "verify") == 0) {
        return s_verify(argv[arg], &opts);
    }
    if (strcmp(cmd, "remove") == 0) {
        char err[512];
        cb_creds_source_t src = plain ? CB_CREDS_SRC_PLAIN : CB_CREDS_SRC_ENCRYPTED;
        if (cb_creds_remove(src, &opts, argv[arg], err, sizeof err) != 0) {
            fprintf(stderr, "coinbus creds remove: %s\n", err);
            return CLI_EXIT_ERROR;
        }
        printf("removed %s from %s\n", argv[arg], plain ? opts.plain_path : opts.encrypted_path);
        return CLI_EXIT_OK;
    }
    fprintf(stderr, "coinbus creds: unknown command '%s'\n", cmd);
    return CLI_EXIT_USAGE;
}
