/* fuzz_redis_cluster.c - libFuzzer: Redis Cluster routing input (a MOVED/ASK error reply from the network, a formatted command's key) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_redis_cluster.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    /* As an error reply: a redirection read from it stays inside it. */
    redisReply reply = {.type = REDIS_REPLY_ERROR, .str = text, .len = size};
    cb_redis_redirect_t rd;
    if (cb_redis_redirect_parse(&reply, &rd)) {
        if (rd.slot < 0 || rd.slot >= CB_REDIS_SLOTS || rd.port < 1 || rd.port > 65535 ||
            rd.host < text || rd.host + rd.host_len > text + size) {
            abort();
        }
    }
    /* As a formatted command: its name and key lie inside it. */
    cb_redis_cmd_t c;
    int len = size > (size_t) INT32_MAX ? INT32_MAX : (int) size;
    cb_redis_cmd_parse(text, len, true, &c);
    if ((c.name != NULL && (c.name < text || c.name + c.name_len > text + size)) ||
        (c.key != NULL && (c.key < text || c.key + c.key_len > text + size))) {
        abort();
    }
    if (c.key != NULL && (cb_redis_slot(c.key, c.key_len) < 0 ||
                          cb_redis_slot(c.key, c.key_len) >= CB_REDIS_SLOTS)) {
        abort();
    }
    free(text);
    return 0;
}
