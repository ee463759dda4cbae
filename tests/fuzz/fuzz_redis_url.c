/* fuzz_redis_url.c - libFuzzer: the Redis URL parser (configuration input) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_redis.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    cb_redis_url_t url;
    if (cb_redis_url_parse(text, &url) == 0) {
        if (url.host[0] == '\0' || url.port < 1 || url.port > 65535 || url.db < 0 || url.db > 10000) {
            abort();
        }
    }
    cb_redis_url_fini(&url);
    free(text);
    return 0;
}
