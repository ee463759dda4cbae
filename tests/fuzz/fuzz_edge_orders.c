/* fuzz_edge_orders.c - libFuzzer: api-edge's /api/orders JSON bodies (place, amend, cancel-after) */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_mp.h"
#include "edge_orders.h"

/* Properties, each an abort when violated:
 * - a refused body explains itself and is CB_E_BAD_REQUEST (or NOMEM);
 * - an accepted body gives one well-formed msgpack map, with nothing after
 *   it, of string keys, whose every value is a string, a boolean or an
 *   integer; a place always names a venue. */
static void
s_check(edge_route_id_t id, const char *body, size_t size)
{
    cb_buf_t args;
    cb_buf_init(&args);
    char err[EDGE_ORDERS_ERR_MAX];
    err[0] = '\0';
    int rc = edge_orders_body(id, body, size, &args, err, sizeof err);
    if (rc != 0) {
        if ((rc != CB_E_BAD_REQUEST && rc != CB_E_NOMEM) || (rc == CB_E_BAD_REQUEST && err[0] == '\0')) {
            abort();
        }
        cb_buf_fini(&args);
        return;
    }
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, args.data, args.len);
    uint32_t n = 0;
    bool venue = false;
    if (cb_mp_read_map(&r, &n) != 0 || n > 12) {
        abort();
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        size_t kl;
        if (cb_mp_read_str(&r, &k, &kl) != 0) {
            abort();
        }
        venue = venue || (kl == 5 && memcmp(k, "venue", 5) == 0);
        cb_mp_type_t t = cb_mp_peek(&r);
        if ((t != CB_MP_STR && t != CB_MP_BOOL && t != CB_MP_INT && t != CB_MP_UINT) ||
            cb_mp_skip(&r, NULL, NULL) != 0) {
            abort();
        }
    }
    if (!cb_mp_at_end(&r) || (id == EDGE_R_ORD_PLACE && !venue)) {
        abort();
    }
    cb_buf_fini(&args);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *) data;
    s_check(EDGE_R_ORD_PLACE, body, size);
    s_check(EDGE_R_ORD_AMEND, body, size);
    s_check(EDGE_R_ORD_CANCEL_AFTER, body, size);
    return 0;
}
