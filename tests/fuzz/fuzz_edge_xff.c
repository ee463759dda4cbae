/* fuzz_edge_xff.c - libFuzzer: api-edge's client id from peer, X-Forwarded-For, proxies */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edge_limit.h"

/* Input: peer '\n' trusted '\n' xff (the rest, not NUL-terminated, may hold
 * NULs); the first byte picks the output buffer size. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    size_t out_size = data[0] % 80;
    data++;
    size--;
    char *copy = malloc(size + 1);
    if (copy == NULL) {
        return 0;
    }
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *peer = copy;
    char *nl = memchr(copy, '\n', size);
    const char *trusted = "";
    const char *xff = NULL;
    size_t xff_len = 0;
    if (nl != NULL) {
        *nl = '\0';
        trusted = nl + 1;
        char *nl2 = memchr(nl + 1, '\n', size - (size_t) (nl + 1 - copy));
        if (nl2 != NULL) {
            *nl2 = '\0';
            xff_len = size - (size_t) (nl2 + 1 - copy);
            /* A copy of exactly xff_len bytes, so reading past it is caught. */
            char *x = malloc(xff_len > 0 ? xff_len : 1);
            if (x == NULL) {
                free(copy);
                return 0;
            }
            memcpy(x, nl2 + 1, xff_len);
            xff = x;
        }
    }
    char *out = malloc(out_size > 0 ? out_size : 1);
    if (out != NULL) {
        edge_limit_client_id(peer, xff, xff_len, trusted, NULL, out, out_size);
        if (out_size > 0) {
            size_t n = strnlen(out, out_size);
            if (n >= out_size || (out_size > 3 && strncmp(out, "ip:", 3) != 0)) {
                abort();
            }
        }
        free(out);
    }
    free((void *) xff);
    free(copy);
    return 0;
}
