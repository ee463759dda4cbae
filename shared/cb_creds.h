/* cb_creds.h - a venue's API credentials: found in the environment, an encrypted file or a plain file; held locked in memory and wiped */
#ifndef CB_CREDS_H_INCLUDED
#define CB_CREDS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_venue.h"

/* Where a credential was found. Lookup order, first found wins (per venue):
 * 1. the environment: KRAKEN_API_KEY + KRAKEN_API_SECRET (KRAKEN_PRIVATE_KEY
 *    is an alias of the secret) for the venue named "kraken", BINANCE_API_KEY
 *    + BINANCE_API_SECRET for "binance", and COINBUS_<VENUE>_API_KEY /
 *    COINBUS_<VENUE>_API_SECRET for every venue (name upper-cased, '-' -> '_':
 *    venue "sim-kraken" reads COINBUS_SIM_KRAKEN_API_KEY);
 * 2. the encrypted file (AES-256-GCM, scrypt key from a passphrase);
 * 3. the plain JSON file (mode 0600 and owned by this user, else refused).
 * A source that has the venue but fails (a key without its secret, a wrong
 * passphrase, a damaged file, loose permissions) is an error, not skipped;
 * the one exception is an encrypted file while no passphrase is configured
 * at all, which is skipped (see cb_creds_load). */
typedef enum {
    CB_CREDS_SRC_ENV = 0,
    CB_CREDS_SRC_ENCRYPTED,
    CB_CREDS_SRC_PLAIN,
} cb_creds_source_t;

/* Where the files are and how to open them; cb_creds_opts_from_env fills it
 * from COINBUS_CREDENTIALS_FILE, COINBUS_CREDENTIALS_PLAIN_FILE,
 * COINBUS_CREDENTIALS_PASSPHRASE and COINBUS_CREDENTIALS_PASSPHRASE_FILE
 * (defaults documented in README.md). Empty paths: that source is skipped.
 * The passphrase itself is never copied here: it is read (from the
 * environment, which wins, else from passphrase_file) each time a file is
 * opened or written, into locked memory wiped right after. */
typedef struct {
    char encrypted_path[512];
    char plain_path[512];
    char passphrase_file[512];
    bool passphrase_from_env;   /* COINBUS_CREDENTIALS_PASSPHRASE is set and not empty */
} cb_creds_opts_t;

/* One venue's credential. The secret lives in memory locked against swap
 * where possible and is wiped (OPENSSL_cleanse) by cb_cred_destroy; it is
 * never logged, put in an error message or sent on the bus. */
typedef struct {
    char venue[CB_VENUE_NAME_MAX + 1];
    cb_dialect_t dialect;
    cb_creds_source_t source;
    char api_key[256];          /* the venue's key id (sent in a header; not secret, but
                                 * only its fingerprint is ever printed) */
    char fingerprint[17];       /* first 16 hex digits of SHA-256(api_key) */
    uint8_t *hmac_key;          /* what signs requests: Kraken the base64-decoded secret
                                 * (64 bytes), Binance the 64 secret characters */
    size_t hmac_key_len;
} cb_cred_t;

/* Fills opts from the environment. 0, or CB_E_CONFIG with one line in err
 * naming the variable (never a passphrase). */
int
cb_creds_opts_from_env(cb_creds_opts_t *opts, char *err, size_t err_size);

/* Finds venue's credential (dialect decides the secret's format: Kraken
 * base64 of 64 bytes, Binance 64 characters) in the order above. opts NULL
 * means the environment only (no file is read; `coinbus creds list` shows
 * the environment's credentials this way). On success *out is a new
 * credential (cb_cred_destroy); on error *out is NULL. Errors, each with a
 * clear line in err that names the source and never the secret or the
 * passphrase: CB_E_NOT_FOUND (no source has this venue), CB_E_UNAUTHORIZED
 * (wrong passphrase or tampered encrypted file), CB_E_FORBIDDEN (plain file
 * with loose mode or another owner), CB_E_PARSE (malformed file or secret),
 * CB_E_CONFIG (bad venue name, only one of a key/secret pair set, a
 * passphrase file that does not exist or an empty passphrase, or an existing
 * encrypted file with no passphrase configured when no later source has the
 * venue: the line then says the file was skipped and why), CB_E_TOO_BIG
 * (file over 2 MiB), CB_E_IO, CB_E_NOMEM. A credential read from the plain
 * file logs a warning (creds_plain_file) each time, and one found there
 * after an encrypted file was skipped logs creds_encrypted_skipped. */
int
cb_creds_load(const char *venue, cb_dialect_t dialect, const cb_creds_opts_t *opts,
              cb_cred_t **out, char *err, size_t err_size);

/* The fingerprint of an API key, as cb_cred_t holds it: the first 16 hex
 * digits of its SHA-256, NUL-terminated. */
void
cb_creds_fingerprint(const char *api_key, char out[17]);

/* Wipes and frees *cred, sets it to NULL; NULL-safe, idempotent. */
void
cb_cred_destroy(cb_cred_t **cred);

/* Makes this process non-dumpable (no core file, no ptrace by others) and
 * sets RLIMIT_CORE to 0. Call at the start of a service holding secrets.
 * 0, or -errno of the call that failed. */
int
cb_creds_harden_process(void);

/* ---- the files: what `coinbus creds set/list/remove` do ---------------------- */

/* Adds or replaces venue's key and secret in the encrypted file (source
 * CB_CREDS_SRC_ENCRYPTED, which needs the passphrase) or the plain file
 * (CB_CREDS_SRC_PLAIN) of opts, after checking their form as cb_creds_load
 * does. The file is rewritten atomically (temporary file, fsync, rename;
 * mode 0600; its directory created 0700 when missing, its parent not). 0,
 * or the errors of cb_creds_load (those of reading the existing file) plus
 * CB_E_CONFIG (source not a file, no path, no passphrase), CB_E_TOO_BIG (the
 * file holds 32 venues already, or venue is not [a-z0-9][a-z0-9_.-]*) and
 * CB_E_INTERNAL (encryption failed), with one line in err that never holds
 * the secret or the passphrase. */
int
cb_creds_store(cb_creds_source_t source, const cb_creds_opts_t *opts, const char *venue,
               cb_dialect_t dialect, const char *api_key, const char *secret, char *err,
               size_t err_size);

/* Removes venue from the file of source, rewriting it atomically. 0,
 * CB_E_NOT_FOUND (no such file or venue), or the errors of cb_creds_store. */
int
cb_creds_remove(cb_creds_source_t source, const cb_creds_opts_t *opts, const char *venue,
                char *err, size_t err_size);

/* One credential of a file, as it may be shown: never the secret. */
typedef struct {
    char venue[CB_VENUE_NAME_MAX + 1];
    cb_creds_source_t source;
    char fingerprint[17];
} cb_creds_item_t;

/* The venues of the file of source into items[0..cap), *count set (a file
 * holds at most 32). 0, CB_E_NOT_FOUND (no path or no file), or the errors
 * of cb_creds_load (an encrypted file needs the passphrase to be listed). */
int
cb_creds_list(cb_creds_source_t source, const cb_creds_opts_t *opts, cb_creds_item_t *items,
              size_t cap, size_t *count, char *err, size_t err_size);

#endif
