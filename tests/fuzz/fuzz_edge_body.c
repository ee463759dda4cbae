/* fuzz_edge_body.c - libFuzzer: api-edge's JSON request bodies (POST /api/sentiment/analyze) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_utf8.h"
#include "edge_body.h"

/* Properties, each an abort when violated:
 * - a refused body explains itself;
 * - an accepted text is valid UTF-8, 1 to 50 code points, with no white
 *   space at either end, and no longer than the body it came from;
 * - the Content-Type check never reads past its length. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *) data;
    (void) edge_body_is_json(body, size < 40 ? size : 40);
    cb_buf_t text;
    cb_buf_init(&text);
    char err[EDGE_BODY_ERR_MAX];
    err[0] = '\0';
    int rc = edge_body_text(body, size, 50, &text, err, sizeof err);
    if (rc != 0) {
        if (rc != CB_E_BAD_REQUEST || err[0] == '\0') {
            abort();
        }
    } else {
        size_t chars = edge_body_utf8_chars(text.data, text.len);
        if (text.len == 0 || text.len > size || !cb_utf8_valid(text.data, text.len) || chars < 1 || chars > 50 ||
            text.data[0] == ' ' || text.data[text.len - 1] == ' ' || text.data[text.len - 1] == '\n') {
            abort();
        }
    }
    cb_buf_fini(&text);
    return 0;
}
