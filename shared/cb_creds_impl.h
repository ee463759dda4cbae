/* cb_creds_impl.h - what the cb_creds modules share: the secret's form, the credential file document, the envelope */
#ifndef CB_CREDS_IMPL_H_INCLUDED
#define CB_CREDS_IMPL_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_creds.h"

/* Builds a credential from a key and a secret after checking both (the
 * dialect decides the secret's form). where names the source in err
 * ("KRAKEN_API_SECRET", "/path/file: venue kraken"); err never holds the
 * secret. 0, CB_E_PARSE or CB_E_NOMEM. */
int
cb_creds_cred_new(const char *venue, cb_dialect_t dialect, cb_creds_source_t source,
                  const char *api_key, const char *secret, const char *where, cb_cred_t **out,
                  char *err, size_t err_size);

/* Checks a secret's form for the dialect without building anything: 0 or
 * CB_E_PARSE with a reason in why (which never holds the secret). */
int
cb_creds_secret_check(cb_dialect_t dialect, const char *secret, char *why, size_t why_size);

/* ---- the credential document: {"<venue>": {"api_key": .., "api_secret": ..}} -- */

#define CB_CREDS_DOC_MAX 32
#define CB_CREDS_KEY_MAX 256
#define CB_CREDS_SECRET_MAX 512

typedef struct {
    char venue[CB_VENUE_NAME_MAX + 1];
    char api_key[CB_CREDS_KEY_MAX];
    char api_secret[CB_CREDS_SECRET_MAX];
} cb_creds_entry_t;

/* The entries of one file. It holds secrets: allocate it with
 * cb_creds_doc_new (locked memory) and free it with cb_creds_doc_destroy. */
typedef struct {
    size_t count;
    cb_creds_entry_t entry[CB_CREDS_DOC_MAX];
} cb_creds_doc_t;

cb_creds_doc_t *
cb_creds_doc_new(void);

void
cb_creds_doc_destroy(cb_creds_doc_t **doc);

/* Parses len bytes of JSON into doc (emptied first). 0 or CB_E_PARSE with a
 * reason in why naming a venue or byte offset, never a value. */
int
cb_creds_doc_parse(cb_creds_doc_t *doc, const char *json, size_t len, char *why,
                   size_t why_size);

/* The entry of venue, or NULL. */
cb_creds_entry_t *
cb_creds_doc_find(cb_creds_doc_t *doc, const char *venue);

/* Adds or replaces venue's entry. 0, or CB_E_TOO_BIG (full, a field too
 * long, or venue not [a-z0-9][a-z0-9_.-]* of at most CB_VENUE_NAME_MAX). */
int
cb_creds_doc_set(cb_creds_doc_t *doc, const char *venue, const char *api_key,
                 const char *api_secret);

/* Removes venue's entry: 0, or CB_E_NOT_FOUND. */
int
cb_creds_doc_remove(cb_creds_doc_t *doc, const char *venue);

/* The document as JSON in a new locked block (*out, *out_len bytes plus a
 * NUL, *out_cap to give cb_secmem_free). 0 or CB_E_NOMEM. */
int
cb_creds_doc_write(const cb_creds_doc_t *doc, char **out, size_t *out_len, size_t *out_cap);

/* ---- the encrypted envelope (cb_creds_crypt.c) -------------------------------- */

/* Limits on the scrypt parameters a file may ask for: the work and memory a
 * file can make us spend (128 * N * r * p bytes touched). */
#define CB_CREDS_SCRYPT_N 32768
#define CB_CREDS_SCRYPT_R 8
#define CB_CREDS_SCRYPT_P 1
#define CB_CREDS_SCRYPT_MAX_BYTES (256u << 20)

/* Encrypts plain (len bytes) under a key derived from pass with fresh salt
 * and nonce; *out is a new heap string (the JSON envelope, free()). 0,
 * CB_E_TOO_BIG (over 1 MiB), CB_E_NOMEM or CB_E_INTERNAL (OpenSSL). */
int
cb_creds_seal(const char *plain, size_t len, const char *pass, size_t pass_len, char **out);

#define CB_CREDS_SALT_MAX 64
#define CB_CREDS_NONCE_LEN 12
#define CB_CREDS_TAG_LEN 16

/* An envelope read and checked, before any key is derived: the bounded
 * scrypt parameters, the decoded fields, the AAD the header binds, and the
 * decoded ciphertext (heap, at most the envelope's own length). */
typedef struct {
    uint64_t n;
    uint64_t r;
    uint64_t p;
    uint8_t salt[CB_CREDS_SALT_MAX];
    size_t salt_len;
    uint8_t nonce[CB_CREDS_NONCE_LEN + 2];  /* +2: room for base64 decoding */
    uint8_t tag[CB_CREDS_TAG_LEN + 2];
    char aad[512];
    uint8_t *ciphertext;
    size_t ciphertext_len;
} cb_creds_envelope_t;

/* Parses and bounds an envelope's header and decodes its ciphertext without
 * running scrypt or decrypting (what cb_creds_open does first; the fuzzer's
 * entry). Allocates at most twice len. 0 (release with
 * cb_creds_envelope_fini) or CB_E_PARSE with the reason in why (*out then
 * holds nothing to release). */
int
cb_creds_envelope_parse(const char *env, size_t len, cb_creds_envelope_t *out, char *why,
                        size_t why_size);

/* Frees the ciphertext of e; idempotent. */
void
cb_creds_envelope_fini(cb_creds_envelope_t *e);

/* Decrypts an envelope (len bytes) into a new locked block *plain
 * (*plain_len bytes plus a NUL; *plain_cap to give cb_secmem_free). 0,
 * CB_E_PARSE (not an envelope, parameters out of bounds), CB_E_UNAUTHORIZED
 * (wrong passphrase or altered contents), CB_E_NOMEM or CB_E_INTERNAL, with
 * the reason in why. */
int
cb_creds_open(const char *env, size_t len, const char *pass, size_t pass_len, char **plain,
              size_t *plain_len, size_t *plain_cap, char *why, size_t why_size);

/* ---- the file sources (cb_creds_file.c) --------------------------------------- */

/* Looks venue up in the encrypted (source CB_CREDS_SRC_ENCRYPTED) or plain
 * file of opts. CB_E_NOT_FOUND when the path is empty, the file does not
 * exist or does not hold venue; other errors as cb_creds_load. */
int
cb_creds_file_lookup(cb_creds_source_t source, const char *venue, cb_dialect_t dialect,
                     const cb_creds_opts_t *opts, cb_cred_t **out, char *err, size_t err_size);

#endif
