/* fuzz_edge_auth.c - libFuzzer: api-edge's Authorization header parser and the HTTP time parameter */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_apikey.h"
#include "edge_account.h"
#include "edge_auth.h"

/* Input: the header value (exactly size bytes, not NUL-terminated, may hold
 * NULs). An accepted key must lie inside the input and be well formed. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size > 0 ? size : 1);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);
    const char *key = NULL;
    size_t len = 0;
    edge_auth_outcome_t o = edge_auth_parse(size > 0 ? copy : NULL, size, &key, &len);
    if (o == EDGE_AUTH_OK) {
        if (key < copy || key + len > copy + size || !cb_apikey_well_formed(key, len)) {
            abort();
        }
    } else if (o != EDGE_AUTH_MISSING && o != EDGE_AUTH_MALFORMED) {
        abort();
    }
    if (size == 0 && o != EDGE_AUTH_MISSING) {
        abort();
    }
    /* The same bytes as a time parameter (up to the first NUL). */
    char *text = malloc(size + 1);
    if (text != NULL) {
        memcpy(text, data, size);
        text[size] = '\0';
        int64_t ms;
        (void) edge_account_time(text, &ms);
        free(text);
    }
    free(copy);
    return 0;
}
