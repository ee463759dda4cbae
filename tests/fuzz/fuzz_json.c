/* fuzz_json.c - libFuzzer: JSON -> msgpack -> JSON -> msgpack gives identical msgpack */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_json.h"

/* Properties, each an abort when violated:
 * - a refused text packs nothing and explains itself with a byte offset
 *   inside the input;
 * - an accepted text's msgpack always converts back to JSON;
 * - that JSON converts to byte-identical msgpack, and to the same JSON again
 *   (the output is canonical). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    msgpack_sbuffer a;
    msgpack_sbuffer_init(&a);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &a, msgpack_sbuffer_write);
    char err[256];
    int rc = cb_json_to_msgpack((const char *) data, size, &pk, err, sizeof err);
    if (rc != 0) {
        static const char prefix[] = "invalid JSON at byte ";
        if ((rc != CB_E_PARSE && rc != CB_E_RANGE && rc != CB_E_TOO_BIG) || a.size != 0 ||
            strncmp(err, prefix, sizeof prefix - 1) != 0 ||
            strtoull(err + sizeof prefix - 1, NULL, 10) > size) {
            abort();
        }
        msgpack_sbuffer_destroy(&a);
        return 0;
    }
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
    cb_buf_t again;
    cb_buf_init(&again);
    if (cb_json_from_msgpack(b.data, b.size, &again) != 0 || again.len != json.len ||
        memcmp(again.data, json.data, json.len) != 0) {
        abort();
    }
    cb_buf_fini(&again);
    msgpack_sbuffer_destroy(&b);
    cb_buf_fini(&json);
    msgpack_sbuffer_destroy(&a);
    return 0;
}
