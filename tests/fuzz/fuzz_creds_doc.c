/* fuzz_creds_doc.c - libFuzzer: the credential document parser (a plain credentials file, or an encrypted file's contents) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_creds_impl.h"
#include "cb_error.h"
#include "cb_secmem.h"

/* Properties, each an abort when violated:
 * - a refused document is CB_E_PARSE with a reason, and leaves no entry;
 * - an accepted one has at most CB_CREDS_DOC_MAX entries, each with a
 *   non-empty venue found once, and NUL-terminated fields;
 * - writing it back and parsing that gives the same entries (so `coinbus
 *   creds set` never turns a file it read into one it cannot read). */
static int
s_same(const cb_creds_doc_t *a, const cb_creds_doc_t *b)
{
    if (a->count != b->count) {
        return 0;
    }
    for (size_t k = 0; k < a->count; k++) {
        const cb_creds_entry_t *x = &a->entry[k];
        const cb_creds_entry_t *y = &b->entry[k];
        if (strcmp(x->venue, y->venue) != 0 || strcmp(x->api_key, y->api_key) != 0 ||
            strcmp(x->api_secret, y->api_secret) != 0) {
            return 0;
        }
    }
    return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cb_creds_doc_t doc;
    static cb_creds_doc_t again;
    char why[200] = "";
    int rc = cb_creds_doc_parse(&doc, (const char *) data, size, why, sizeof why);
    if (rc != 0) {
        if (rc != CB_E_PARSE || why[0] == '\0' || doc.count > CB_CREDS_DOC_MAX) {
            abort();
        }
        return 0;
    }
    if (doc.count > CB_CREDS_DOC_MAX) {
        abort();
    }
    for (size_t k = 0; k < doc.count; k++) {
        const cb_creds_entry_t *e = &doc.entry[k];
        if (e->venue[0] == '\0' || memchr(e->venue, '\0', sizeof e->venue) == NULL ||
            memchr(e->api_key, '\0', sizeof e->api_key) == NULL ||
            memchr(e->api_secret, '\0', sizeof e->api_secret) == NULL ||
            cb_creds_doc_find(&doc, e->venue) != e) {
            abort();
        }
    }
    char *json = NULL;
    size_t len = 0;
    size_t cap = 0;
    if (cb_creds_doc_write(&doc, &json, &len, &cap) != 0) {
        return 0; /* out of memory */
    }
    if (len >= cap || cb_creds_doc_parse(&again, json, len, why, sizeof why) != 0 ||
        !s_same(&doc, &again)) {
        abort();
    }
    cb_secmem_free((void **) &json, cap);
    return 0;
}
