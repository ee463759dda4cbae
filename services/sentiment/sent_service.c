/* sent_service.c - the `sentiment` RPC ops (analyze, analyze_batch, symbol_sentiment) and events */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_mp.h"
#include "cb_time.h"
#include "sent_engine.h"
#include "sent_service.h"

static void
s_pack_str(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str_with_body(pk, s, strlen(s));
}

/* Labels a rolling score the way single texts are labelled. */
static const char *
s_rolling_label(double score)
{
    return score >= 0.05 ? "bullish" : score <= -0.05 ? "bearish" : "neutral";
}

static void
s_publish(sent_service_t *svc, const char *asset, const sent_rolling_view_t *view)
{
    if (svc->pub == NULL) {
        return;
    }
    char score_text[32];
    snprintf(score_text, sizeof score_text, "%.4f", view->score);
    cb_decimal_t score;
    if (cb_decimal_parse(score_text, strlen(score_text), &score) != 0) {
        return;
    }
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CB_KIND_sentiment;
    cb_sentiment_t *s = &ev.body.sentiment;
    CB_PROTO_SET(s, sentiment, asset, cb_str_from(asset));
    CB_PROTO_SET(s, sentiment, venue, CB_STR("all"));
    CB_PROTO_SET(s, sentiment, score, score);
    CB_PROTO_SET(s, sentiment, label, cb_str_from(s_rolling_label(view->score)));
    CB_PROTO_SET(s, sentiment, texts, view->texts);
    CB_PROTO_SET(s, sentiment, half_life_s, (uint64_t) sent_rolling_half_life_s(svc->rolling));
    cb_proto_err_t err;
    if (cb_pub_send(svc->pub, &ev, &err) != 0) {
        cb_log_warn("sentiment_publish_failed", "asset=%s error=\"%s\"", asset, err.message);
    }
}

static void
s_pack_result(msgpack_packer *pk, const sent_result_t *r)
{
    msgpack_pack_map(pk, 5);
    s_pack_str(pk, "label");
    s_pack_str(pk, sent_label_name(r->label));
    s_pack_str(pk, "confidence");
    msgpack_pack_double(pk, r->confidence);
    s_pack_str(pk, "score");
    msgpack_pack_double(pk, r->score);
    s_pack_str(pk, "terms");
    msgpack_pack_array(pk, r->term_count);
    for (size_t i = 0; i < r->term_count; i++) {
        msgpack_pack_map(pk, 2);
        s_pack_str(pk, "term");
        s_pack_str(pk, r->terms[i].term);
        s_pack_str(pk, "weight");
        msgpack_pack_double(pk, r->terms[i].weight);
    }
    s_pack_str(pk, "symbols");
    msgpack_pack_array(pk, r->symbol_count);
    for (size_t i = 0; i < r->symbol_count; i++) {
        s_pack_str(pk, r->symbols[i]);
    }
}

/* Analyses one text and feeds the rolling scores. */
static int
s_analyze_one(sent_service_t *svc, const char *text, size_t len, sent_result_t *r, char *msg,
              size_t msg_size)
{
    int rc = sent_analyze(svc->lexicon, text, len, r, msg, msg_size);
    if (rc != 0) {
        return rc;
    }
    int64_t now = cb_time_now_ns();
    for (size_t i = 0; i < r->symbol_count; i++) {
        sent_rolling_view_t view;
        sent_rolling_add(svc->rolling, r->symbols[i], r->score, now, &view);
        s_publish(svc, r->symbols[i], &view);
    }
    return 0;
}

/* Finds key in the args map; leaves r at its value. */
static bool
s_find_arg(const cb_rpc_request_t *req, const char *key, cb_mp_reader_t *r)
{
    if (!CB_PROTO_HAS(req, rpc_request, args)) {
        return false;
    }
    cb_mp_reader_init(r, req->args.ptr, req->args.len);
    uint32_t count;
    if (cb_mp_read_map(r, &count) != 0) {
        return false;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *k;
        size_t kl;
        if (cb_mp_read_str(r, &k, &kl) != 0) {
            return false;
        }
        if (kl == strlen(key) && memcmp(k, key, kl) == 0) {
            return true;
        }
        if (cb_mp_skip(r, NULL, NULL) != 0) {
            return false;
        }
    }
    return false;
}

static int
s_op_analyze(sent_service_t *svc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
             size_t msg_size)
{
    cb_mp_reader_t r;
    const char *text;
    size_t len;
    if (!s_find_arg(req, "text", &r) || cb_mp_read_str(&r, &text, &len) != 0) {
        snprintf(msg, msg_size, "args.text must be a string");
        return CB_E_BAD_REQUEST;
    }
    sent_result_t result;
    int rc = s_analyze_one(svc, text, len, &result, msg, msg_size);
    if (rc == 0) {
        s_pack_result(pk, &result);
    }
    return rc;
}

static int
s_op_batch(sent_service_t *svc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
           size_t msg_size)
{
    cb_mp_reader_t r;
    uint32_t count;
    if (!s_find_arg(req, "texts", &r) || cb_mp_read_array(&r, &count) != 0) {
        snprintf(msg, msg_size, "args.texts must be an array of strings");
        return CB_E_BAD_REQUEST;
    }
    if (count < 1 || count > SENT_BATCH_MAX) {
        snprintf(msg, msg_size, "args.texts must hold 1 to %d texts (got %u)", SENT_BATCH_MAX,
                 (unsigned) count);
        return CB_E_BAD_REQUEST;
    }
    /* Check the shape first so that a bad element refuses the whole batch
     * before anything is packed. */
    cb_mp_reader_t check = r;
    for (uint32_t i = 0; i < count; i++) {
        const char *text;
        size_t len;
        if (cb_mp_read_str(&check, &text, &len) != 0) {
            snprintf(msg, msg_size, "args.texts[%u] is not a string", (unsigned) i);
            return CB_E_BAD_REQUEST;
        }
    }
    msgpack_pack_map(pk, 1);
    s_pack_str(pk, "results");
    msgpack_pack_array(pk, count);
    for (uint32_t i = 0; i < count; i++) {
        const char *text;
        size_t len;
        cb_mp_read_str(&r, &text, &len);
        sent_result_t result;
        char why[256];
        int rc = s_analyze_one(svc, text, len, &result, why, sizeof why);
        if (rc == 0) {
            s_pack_result(pk, &result);
        } else {
            msgpack_pack_map(pk, 1);
            s_pack_str(pk, "error");
            msgpack_pack_map(pk, 2);
            s_pack_str(pk, "code");
            s_pack_str(pk, cb_error_wire_name(rc));
            s_pack_str(pk, "message");
            s_pack_str(pk, why);
        }
    }
    return 0;
}

static int
s_op_symbol(sent_service_t *svc, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
            size_t msg_size)
{
    cb_mp_reader_t r;
    const char *sym;
    size_t len;
    if (!s_find_arg(req, "symbol", &r) || cb_mp_read_str(&r, &sym, &len) != 0 || len == 0 ||
        len > 16) {
        snprintf(msg, msg_size, "args.symbol must be an asset such as BTC");
        return CB_E_BAD_REQUEST;
    }
    char asset[17];
    for (size_t i = 0; i < len; i++) {
        char c = sym[i];
        asset[i] = (char) (c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    asset[len] = '\0';
    if (!cb_proto_asset_valid(asset, len)) {
        snprintf(msg, msg_size, "args.symbol must be an asset [A-Z0-9]{1,16} such as BTC");
        return CB_E_BAD_REQUEST;
    }
    sent_rolling_view_t view;
    if (!sent_rolling_get(svc->rolling, asset, &view)) {
        snprintf(msg, msg_size, "no text has named %s yet", asset);
        return CB_E_NOT_FOUND;
    }
    msgpack_pack_map(pk, 5);
    s_pack_str(pk, "symbol");
    s_pack_str(pk, asset);
    s_pack_str(pk, "score");
    msgpack_pack_double(pk, round(view.score * 10000) / 10000);
    s_pack_str(pk, "label");
    s_pack_str(pk, s_rolling_label(view.score));
    s_pack_str(pk, "texts");
    msgpack_pack_uint64(pk, view.texts);
    s_pack_str(pk, "half_life_s");
    msgpack_pack_int64(pk, sent_rolling_half_life_s(svc->rolling));
    return 0;
}

int
sent_service_handle(void *ctx, const cb_rpc_request_t *req, msgpack_packer *pk, char *msg,
                    size_t msg_size)
{
    sent_service_t *svc = ctx;
    if (cb_str_eq_cstr(req->op, "analyze")) {
        return s_op_analyze(svc, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "analyze_batch")) {
        return s_op_batch(svc, req, pk, msg, msg_size);
    }
    if (cb_str_eq_cstr(req->op, "symbol_sentiment")) {
        return s_op_symbol(svc, req, pk, msg, msg_size);
    }
    snprintf(msg, msg_size, "unknown op '%.*s' (analyze, analyze_batch, symbol_sentiment)",
             (int) req->op.len, req->op.ptr);
    return CB_E_NOT_FOUND;
}
