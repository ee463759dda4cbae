/* fuzz_edge_query.c - libFuzzer: api-edge's query-string parser and the typed getters on what it accepts */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_proto.h"
#include "cb_utf8.h"
#include "edge_query.h"

/* Properties, each an abort when violated:
 * - a refused query explains itself and leaves no parameter;
 * - an accepted one has at most EDGE_QUERY_MAX_PARAMS distinct, non-empty
 *   names, and every name and value is valid UTF-8 without NUL;
 * - the getters never read outside the arena, and what they accept obeys
 *   the bus grammars (symbol BASE-QUOTE, venue name) and the bounds asked. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    edge_query_t q;
    char err[EDGE_QUERY_ERR_MAX];
    err[0] = '\0';
    int rc = edge_query_parse(&q, (const char *) data, size, err, sizeof err);
    if (rc != 0) {
        if (rc != CB_E_BAD_REQUEST || q.count != 0 || err[0] == '\0') {
            abort();
        }
        return 0;
    }
    if (q.count > EDGE_QUERY_MAX_PARAMS) {
        abort();
    }
    for (size_t i = 0; i < q.count; i++) {
        size_t n = strlen(q.name[i]);
        if (n == 0 || !cb_utf8_valid(q.name[i], n) || strlen(q.value[i]) != q.value_len[i] ||
            !cb_utf8_valid(q.value[i], q.value_len[i]) || edge_query_get(&q, q.name[i]) != q.value[i]) {
            abort();
        }
    }
    char sym[40];
    if (edge_query_symbol(&q, sym, sizeof sym, err, sizeof err) == 0 && !cb_proto_symbol_valid(sym, strlen(sym))) {
        abort();
    }
    char venue[33];
    if (edge_query_venue(&q, false, venue, sizeof venue, err, sizeof err) == 0 && venue[0] != '\0' &&
        !cb_proto_name_valid(venue, strlen(venue), 32)) {
        abort();
    }
    long n;
    if (edge_query_int(&q, "limit", 100, 1, 1000, &n, err, sizeof err) == 0 && (n < 1 || n > 1000)) {
        abort();
    }
    const char *side;
    if (edge_query_choice(&q, "side", "buy|sell", "buy", &side, err, sizeof err) == 0 &&
        strcmp(side, "buy") != 0 && strcmp(side, "sell") != 0) {
        abort();
    }
    return 0;
}
