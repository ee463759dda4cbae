/* fuzz_creds_envelope.c - libFuzzer: the encrypted credentials envelope's header, checked without running scrypt */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_creds_impl.h"
#include "cb_error.h"

/* cb_creds_envelope_parse is everything cb_creds_open does before it derives
 * a key, so the fuzzer never runs scrypt (whose cost a file chooses) and
 * never decrypts. Properties, each an abort when violated:
 * - a refused envelope is CB_E_PARSE with a reason and holds no ciphertext;
 * - an accepted one has scrypt parameters within the limits cb_creds_open
 *   would pass to scrypt (n a power of two of at least 2, r and p at least 1,
 *   128*n*r*p at most CB_CREDS_SCRYPT_MAX_BYTES), a salt of 8..64 bytes, an
 *   AAD that names those parameters, and a ciphertext no longer than the
 *   input (the allocation is bounded by it). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cb_creds_envelope_t e;
    char why[200] = "";
    int rc = cb_creds_envelope_parse((const char *) data, size, &e, why, sizeof why);
    if (rc != 0) {
        if (rc != CB_E_PARSE || why[0] == '\0' || e.ciphertext != NULL) {
            abort();
        }
        return 0;
    }
    if (e.n < 2 || (e.n & (e.n - 1)) != 0 || e.r == 0 || e.p == 0 || e.r > 64 || e.p > 64 ||
        e.n > CB_CREDS_SCRYPT_MAX_BYTES || 128 * e.n * e.r * e.p > CB_CREDS_SCRYPT_MAX_BYTES ||
        e.salt_len < 8 || e.salt_len > CB_CREDS_SALT_MAX || e.ciphertext_len > size ||
        memchr(e.aad, '\0', sizeof e.aad) == NULL ||
        strncmp(e.aad, "coinbus-credentials v1 scrypt n=", 32) != 0) {
        abort();
    }
    cb_creds_envelope_fini(&e);
    cb_creds_envelope_fini(&e);
    return 0;
}
