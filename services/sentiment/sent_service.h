/* sent_service.h - the `sentiment` RPC ops (analyze, analyze_batch, symbol_sentiment) and events */
#ifndef SENT_SERVICE_H_INCLUDED
#define SENT_SERVICE_H_INCLUDED

#include <stddef.h>

#include <msgpack.h>

#include "cb_pub.h"
#include "cb_rpc.h"
#include "sent_lexicon.h"
#include "sent_rolling.h"

#define SENT_BATCH_MAX 100

/* What the handler needs; every pointer is borrowed (main owns them). pub
 * may be NULL (no events). */
typedef struct {
    const sent_lexicon_t *lexicon;
    sent_rolling_t *rolling;
    cb_pub_t *pub;
} sent_service_t;

/* cb_rpc_handler_fn for the sentiment worker (ctx is a sent_service_t):
 *   analyze {text}            -> {label, confidence, score, terms:[{term, weight}], symbols}
 *   analyze_batch {texts:[]}  -> {results:[ result | {error:{code, message}} ]}, 1..100 texts
 *   symbol_sentiment {symbol} -> {symbol, score, label, texts, half_life_s} or not_found
 * Each analysed text that names assets updates their rolling score and
 * publishes sentiment.<ASSET>.all. */
int
sent_service_handle(void *ctx, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                    size_t msg_size);

#endif
