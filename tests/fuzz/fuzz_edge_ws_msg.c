/* fuzz_edge_ws_msg.c - libFuzzer: api-edge's /ws client-message parser and the replies built from what it accepts */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "cb_error.h"
#include "cb_json.h"
#include "cb_proto.h"
#include "edge_ws_msg.h"
#include "edge_ws_render.h"

/* Aborts unless out holds exactly one valid JSON object. */
static void
s_valid_json(const cb_buf_t *out)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    if (out->len == 0 || out->data[0] != '{' ||
        cb_json_to_msgpack(out->data, out->len, &pk, NULL, 0) != 0) {
        abort();
    }
    msgpack_sbuffer_destroy(&sb);
}

/* Properties, each an abort when violated:
 * - a refused message says why with a short error word, and the error reply
 *   built from it is valid JSON whatever bytes the message held;
 * - an accepted message has a known op, channel and timeframe, a symbol
 *   that is a valid BASE-QUOTE (or empty, on the orders channel only), a
 *   venue that is empty or a valid name, and a ping's id echoes as valid
 *   JSON; an auth's key hash is 64 lowercase hex digits;
 * - a refusal's detail never holds a key: no "cbk_" followed by hex;
 * - the replies built from an accepted message are valid JSON. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cb_jdoc_t doc;
    edge_ws_req_t req = {0};
    edge_ws_err_t err = {0};
    cb_buf_t out;
    cb_buf_init(&out);
    int rc = edge_ws_msg_parse(&doc, (const char *) data, size, &req, &err);
    if (rc != 0) {
        if ((rc != CB_E_PARSE && rc != CB_E_BAD_REQUEST) || err.error == NULL ||
            err.detail[0] == '\0' || edge_ws_render_error(&out, err.error, err.detail) != 0) {
            abort();
        }
        const char *k = strstr(err.detail, "cbk_");
        if (k != NULL && strspn(k + 4, "0123456789abcdef") >= 8) {
            abort();
        }
        s_valid_json(&out);
    } else {
        if ((unsigned) req.op > EDGE_WS_OP_AUTH ||
            (unsigned) req.channel >= EDGE_WS_CH_COUNT || req.timeframe >= EDGE_WS_TF_COUNT) {
            abort();
        }
        if (req.op == EDGE_WS_OP_SUBSCRIBE || req.op == EDGE_WS_OP_UNSUBSCRIBE) {
            bool any = req.symbol[0] == '\0' && req.channel == EDGE_WS_CH_ORDERS;
            if ((!any && !cb_proto_symbol_valid(req.symbol, strlen(req.symbol))) ||
                (req.venue[0] != '\0' &&
                 !cb_proto_name_valid(req.venue, strlen(req.venue), EDGE_VENUE_MAX - 1)) ||
                edge_ws_render_sub(&out, "subscribed", req.channel, req.symbol, req.venue,
                                   req.timeframe) != 0) {
                abort();
            }
            s_valid_json(&out);
        } else if (req.op == EDGE_WS_OP_AUTH) {
            if (strlen(req.key_hash) != CB_APIKEY_HASH_LEN ||
                strspn(req.key_hash, "0123456789abcdef") != CB_APIKEY_HASH_LEN) {
                abort();
            }
        } else if (req.op == EDGE_WS_OP_PING) {
            if (edge_ws_render_pong(&out, &req.id_json) != 0) {
                abort();
            }
            s_valid_json(&out);
        }
    }
    cb_buf_fini(&req.id_json);
    cb_buf_fini(&out);
    return 0;
}
