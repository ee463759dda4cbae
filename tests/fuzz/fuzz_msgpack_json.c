/* fuzz_msgpack_json.c - libFuzzer: arbitrary bytes as msgpack -> JSON never crash, output is JSON */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_json.h"

/* Properties, each an abort when violated (crashes and leaks are the
 * sanitizers' to catch):
 * - a refusal is CB_E_PARSE or CB_E_TOO_BIG and leaves out as it was;
 * - accepted output is JSON that cb_json_to_msgpack takes, except for floats
 *   too large or too small for cb_decimal and for the duplicate keys that a
 *   msgpack map may hold. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cb_buf_t out;
    cb_buf_init(&out);
    cb_buf_append_str(&out, "x");
    int rc = cb_json_from_msgpack((const char *) data, size, &out);
    if (rc != 0) {
        if ((rc != CB_E_PARSE && rc != CB_E_TOO_BIG) || out.len != 1 || out.data[0] != 'x') {
            abort();
        }
        cb_buf_fini(&out);
        return 0;
    }
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char err[256];
    rc = cb_json_to_msgpack(out.data + 1, out.len - 1, &pk, err, sizeof err);
    if (rc != 0 && rc != CB_E_RANGE && !(rc == CB_E_PARSE && strstr(err, "duplicate key") != NULL)) {
        abort();
    }
    msgpack_sbuffer_destroy(&sb);
    cb_buf_fini(&out);
    return 0;
}
