/* fuzz_msgpack_json.c - libFuzzer: arbitrary bytes as msgpack -> JSON never crash */
#include <stdint.h>
#include <stdlib.h>

#include "cb_json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cb_buf_t out;
    cb_buf_init(&out);
    cb_json_from_msgpack((const char *) data, size, &out);
    cb_buf_fini(&out);
    return 0;
}
