/* edge_ws_msg.h - the /ws client messages: strict parsing of subscribe, unsubscribe, ping, get_subscriptions, auth */
#ifndef EDGE_WS_MSG_H_INCLUDED
#define EDGE_WS_MSG_H_INCLUDED

/* Pure functions over one text frame: no hub, no sockets, so the fuzzer
 * drives them alone. The names of channels and timeframes are the
 * protocol's (edge_ws.h). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cb_apikey.h"
#include "cb_buf.h"
#include "cb_jtok.h"
#include "edge_cache.h"

typedef enum {
    EDGE_WS_OP_SUBSCRIBE = 0,
    EDGE_WS_OP_UNSUBSCRIBE,
    EDGE_WS_OP_PING,
    EDGE_WS_OP_GET_SUBSCRIPTIONS,
    EDGE_WS_OP_AUTH,
} edge_ws_op_t;

/* Channels, each fed by one bus kind: ticker <- tick, book <- book,
 * trades <- trade, candles <- candle, orders <- order (an authenticated
 * connection only). */
typedef enum {
    EDGE_WS_CH_TICKER = 0,
    EDGE_WS_CH_BOOK,
    EDGE_WS_CH_TRADES,
    EDGE_WS_CH_CANDLES,
    EDGE_WS_CH_ORDERS,
    EDGE_WS_CH_COUNT,
} edge_ws_channel_t;

/* Candle timeframes, in the bus's interval order (1m 5m 15m 30m 1h 4h 1d 1w). */
#define EDGE_WS_TF_COUNT 8
#define EDGE_WS_TF_DEFAULT 0

/* One parsed client message. venue "" means every venue; symbol "" every
 * symbol (the orders channel only: the others need one); timeframe is
 * EDGE_WS_TF_DEFAULT unless channel is candles. id_json holds the canonical
 * JSON of a ping's "id" (empty when absent); the caller owns and finis it.
 * An auth's key is kept only as its SHA-256 (key_hash): the text never
 * leaves the parser. */
typedef struct {
    edge_ws_op_t op;
    edge_ws_channel_t channel;
    unsigned timeframe;
    char symbol[EDGE_SYM_MAX];
    char venue[EDGE_VENUE_MAX];
    char key_hash[CB_APIKEY_HASH_LEN + 1];
    cb_buf_t id_json;
} edge_ws_req_t;

/* Why a message was refused: error is a short word for the client's code
 * ("bad_json", "unknown_type", "invalid_symbol", "unknown_channel",
 * "unknown_timeframe", "invalid_venue", "invalid_key", "bad_request"), detail
 * a sentence (never holding a key's text). */
typedef struct {
    const char *error;
    char detail[160];
} edge_ws_err_t;

/* Parses len bytes of text into req (zeroed first except id_json, which is
 * reset). doc is the caller's reusable token array. The message names its
 * type with "type" or, as a synonym, "op" (one of the two). Every key must
 * be one the message type takes, once. Returns 0, or CB_E_PARSE / CB_E_BAD_REQUEST
 * with err filled; never reads past len. */
int
edge_ws_msg_parse(cb_jdoc_t *doc, const char *text, size_t len, edge_ws_req_t *req,
                  edge_ws_err_t *err);

/* "ticker", "book", "trades", "candles", "orders". */
const char *
edge_ws_channel_name(edge_ws_channel_t channel);

/* "1m" ... "1w" for 0 .. EDGE_WS_TF_COUNT - 1. */
const char *
edge_ws_tf_name(unsigned timeframe);

/* The timeframe named by len bytes of text (also a bus interval); false
 * when none. */
bool
edge_ws_tf_from_name(const char *text, size_t len, unsigned *timeframe);

#endif
