/* fuzz_json.c - libFuzzer: JSON -> msgpack -> JSON -> msgpack gives identical msgpack */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    msgpack_sbuffer a;
    msgpack_sbuffer_init(&a);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &a, msgpack_sbuffer_write);
    char err[200];
    if (cb_json_to_msgpack((const char *) data, size, &pk, err, sizeof err) == 0) {
        cb_buf_t json;
        cb_buf_init(&json);
        if (cb_json_from_msgpack(a.data, a.size, &json) != 0) {
            abort();
        }
        msgpack_sbuffer b;
        msgpack_sbuffer_init(&b);
        msgpack_packer_init(&pk, &b, msgpack_sbuffer_write);
        if (cb_json_to_msgpack(json.data, json.len, &pk, err, sizeof err) != 0 || a.size != b.size ||
            memcmp(a.data, b.data, a.size) != 0) {
            abort();
        }
        msgpack_sbuffer_destroy(&b);
        cb_buf_fini(&json);
    }
    msgpack_sbuffer_destroy(&a);
    return 0;
}
