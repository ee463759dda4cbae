/* sim_ws_kraken_req.c - Kraken WebSocket v2 requests: subscribe, unsubscribe and ping parsed
 * strictly, acks and errors in Kraken's shape */
#include <stdio.h>
#include <string.h>

#include "cb_time.h"
#include "sim_ws_json.h"
#include "sim_ws_kraken_impl.h"

/* ---- replies ------------------------------------------------------------------ */

static int
s_reply_head(cb_buf_t *b, const sim_ws_kraken_req_t *rq, const char *error, const char *method)
{
    int rc = cb_buf_append_char(b, '{');
    const char *sep = "";
    if (error != NULL) {
        rc |= cb_buf_append_str(b, "\"error\":");
        rc |= sim_ws_json_str(b, error, strlen(error));
        sep = ",";
    }
    if (method != NULL) {
        rc |= cb_buf_append_str(b, sep);
        rc |= cb_buf_append_str(b, "\"method\":");
        rc |= sim_ws_json_str(b, method, strlen(method));
        sep = ",";
    }
    if (rq->has_req_id) {
        rc |= cb_buf_append_str(b, sep);
        rc |= cb_buf_append_str(b, "\"req_id\":");
        rc |= sim_ws_json_i64(b, rq->req_id);
        sep = ",";
    }
    (void) sep;
    return rc;
}

static int
s_reply_tail(cb_buf_t *b, const sim_ws_kraken_req_t *rq)
{
    int rc = cb_buf_append_str(b, ",\"time_in\":");
    rc |= sim_ws_json_time(b, rq->time_in, 6);
    rc |= cb_buf_append_str(b, ",\"time_out\":");
    rc |= sim_ws_json_time(b, cb_time_now_ns(), 6);
    return rc | cb_buf_append_char(b, '}');
}

/* {"error":..,"method":..,"req_id":..,"success":false,("symbol":..,)"time_in":..,"time_out":..} */
static void
s_error(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, const sim_ws_kraken_req_t *rq, const char *error,
        const char *symbol, size_t symbol_len)
{
    cb_buf_t *b = &k->buf;
    int rc = s_reply_head(b, rq, error, rq->method);
    rc |= cb_buf_append_str(b, ",\"success\":false");
    if (symbol != NULL) {
        rc |= cb_buf_append_str(b, ",\"symbol\":");
        rc |= sim_ws_json_str(b, symbol, symbol_len);
    }
    rc |= s_reply_tail(b, rq);
    sim_ws_kraken_send_buf(k, NULL, conn, rc);
}

/* {"method":..,"req_id":..,"result":{"channel":..,..,"symbol":..},"success":true,"time_in":..,"time_out":..}
 */
void
sim_ws_kraken_ack(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, const sim_ws_kraken_req_t *rq,
                  const sim_instrument_t *in, bool sub)
{
    cb_buf_t *b = &k->buf;
    int rc = s_reply_head(b, rq, NULL, rq->method);
    rc |= cb_buf_append_str(b, ",\"result\":{\"channel\":\"");
    rc |= cb_buf_append_str(b, sim_ws_kraken_channels[rq->channel]);
    rc |= cb_buf_append_char(b, '"');
    if (rq->channel == SIM_WS_KR_BOOK) {
        rc |= cb_buf_append_str(b, ",\"depth\":");
        rc |= sim_ws_json_i64(b, sim_ws_kraken_depths[rq->depth]);
    } else if (rq->channel == SIM_WS_KR_TICKER) {
        rc |= cb_buf_append_str(b, rq->trigger == 0 ? ",\"event_trigger\":\"trades\""
                                                    : ",\"event_trigger\":\"bbo\"");
    } else if (rq->channel == SIM_WS_KR_OHLC) {
        rc |= cb_buf_append_str(b, ",\"interval\":");
        rc |= sim_ws_json_i64(b, sim_ws_kraken_intervals[rq->interval]);
    }
    if (sub) {
        rc |= cb_buf_append_str(b, rq->snapshot ? ",\"snapshot\":true" : ",\"snapshot\":false");
    }
    rc |= cb_buf_append_str(b, ",\"symbol\":\"");
    rc |= cb_buf_append_str(b, in->ws2name);
    rc |= cb_buf_append_char(b, '"');
    if (sub && rq->channel == SIM_WS_KR_OHLC) {
        rc |=
            cb_buf_append_str(b, ",\"warnings\":[\"timestamp is deprecated, use interval_begin\"]");
    }
    rc |= cb_buf_append_str(b, "},\"success\":true");
    rc |= s_reply_tail(b, rq);
    sim_ws_kraken_send_buf(k, NULL, conn, rc);
}

/* ---- requests ------------------------------------------------------------------ */

static const char *const s_sub_keys[] = {"channel", "symbol",        "snapshot", "token",
                                         "depth",   "event_trigger", "interval", NULL};

/* Reads the channel's parameters into rq; returns NULL or the error every
 * symbol gets (a bad depth, interval or trigger). *fatal is set for errors
 * of the request as a whole. */
static const char *
s_params(const msgpack_object *params, sim_ws_kraken_req_t *rq, bool sub, const char **fatal,
         char *why, size_t size)
{
    const msgpack_object *ch = sim_ws_json_get(params, "channel");
    int found = -1;
    for (int i = 0; ch != NULL && i < 4; i++) {
        found = sim_ws_json_is(ch, sim_ws_kraken_channels[i]) ? i : found;
    }
    if (found < 0) {
        *fatal = ch == NULL ? "Missing field: 'channel'" : "Unsupported channel";
        return NULL;
    }
    rq->channel = (sim_ws_kraken_channel_t) found;
    const char *name;
    size_t len;
    if (sim_ws_json_unknown_key(params, s_sub_keys, &name, &len) ||
        (sim_ws_json_get(params, "depth") != NULL && rq->channel != SIM_WS_KR_BOOK &&
         (name = "depth", len = 5)) ||
        (sim_ws_json_get(params, "interval") != NULL && rq->channel != SIM_WS_KR_OHLC &&
         (name = "interval", len = 8)) ||
        (sim_ws_json_get(params, "event_trigger") != NULL && rq->channel != SIM_WS_KR_TICKER &&
         (name = "event_trigger", len = 13))) {
        snprintf(why, size, "Unsupported field: '%.*s' for the given msg type: %s",
                 (int) (len > 40 ? 40 : len), name, rq->method);
        *fatal = why;
        return NULL;
    }
    const msgpack_object *snap = sim_ws_json_get(params, "snapshot");
    if (snap != NULL && (snap->type != MSGPACK_OBJECT_BOOLEAN || !sub)) {
        *fatal = "Invalid field: 'snapshot'";
        return NULL;
    }
    rq->snapshot = snap == NULL || snap->via.boolean;
    if (rq->channel == SIM_WS_KR_TRADE && snap == NULL) {
        rq->snapshot = true;
    }
    const msgpack_object *v = sim_ws_json_get(params, "depth");
    if (v != NULL) {
        rq->depth = -1;
        for (int i = 0; v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && i < SIM_WS_KR_DEPTHS; i++) {
            rq->depth = v->via.u64 == (uint64_t) sim_ws_kraken_depths[i] ? i : rq->depth;
        }
        if (rq->depth < 0) {
            return "Subscription depth not supported";
        }
    }
    v = sim_ws_json_get(params, "interval");
    if (v != NULL) {
        rq->interval = -1;
        for (int i = 0; v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && i < SIM_WS_KR_INTERVALS;
             i++) {
            rq->interval = v->via.u64 == (uint64_t) sim_ws_kraken_intervals[i] ? i : rq->interval;
        }
        if (rq->interval < 0) {
            return "Subscription ohlc interval not supported";
        }
    }
    v = sim_ws_json_get(params, "event_trigger");
    if (v != NULL) {
        rq->trigger = sim_ws_json_is(v, "trades") ? 0 : sim_ws_json_is(v, "bbo") ? 1 : -1;
        if (rq->trigger < 0) {
            return "Unsupported event_trigger";
        }
    }
    return NULL;
}

static void
s_channel_request(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, sim_ws_kraken_req_t *rq,
                  const msgpack_object *params)
{
    sim_ws_kraken_conn_t *c = conn->owner;
    bool sub = strcmp(rq->method, "subscribe") == 0;
    char why[128];
    const char *fatal = NULL;
    if (params == NULL || params->type != MSGPACK_OBJECT_MAP) {
        s_error(k, conn, rq, "Missing field: 'params'", NULL, 0);
        return;
    }
    const char *each = s_params(params, rq, sub, &fatal, why, sizeof why);
    const msgpack_object *syms = sim_ws_json_get(params, "symbol");
    for (uint32_t i = 0; fatal == NULL && syms != NULL && syms->type == MSGPACK_OBJECT_ARRAY &&
                         i < syms->via.array.size;
         i++) {
        fatal =
            syms->via.array.ptr[i].type != MSGPACK_OBJECT_STR ? "Invalid field: 'symbol'" : NULL;
    }
    if (fatal == NULL &&
        (syms == NULL || syms->type != MSGPACK_OBJECT_ARRAY || syms->via.array.size == 0)) {
        fatal = syms == NULL ? "Missing field: 'symbol'" : "Invalid field: 'symbol'";
    }
    if (fatal != NULL) {
        s_error(k, conn, rq, fatal, NULL, 0);
        return;
    }
    for (uint32_t i = 0; i < syms->via.array.size; i++) {
        const char *name = syms->via.array.ptr[i].via.str.ptr;
        size_t len = syms->via.array.ptr[i].via.str.size;
        size_t index = sim_ws_kraken_find(k, name, len);
        if (index == SIZE_MAX) {
            snprintf(why, sizeof why, "Currency pair not supported %.*s",
                     (int) (len > 40 ? 40 : len), name);
            s_error(k, conn, rq, why, name, len);
        } else if (each != NULL) {
            s_error(k, conn, rq, each, name, len);
        } else if (sub && sim_ws_kraken_has(c, rq, index)) {
            s_error(k, conn, rq, "Already subscribed", name, len);
        } else if (!sub && !sim_ws_kraken_has(c, rq, index)) {
            s_error(k, conn, rq, "Subscription Not Found", name, len);
        } else if (!sub) {
            sim_ws_kraken_unsubscribe(k, conn, c, rq, index);
        } else if (!sim_ws_kraken_subscribe(k, conn, rq, index)) {
            s_error(k, conn, rq, "Internal error", name, len);
        } else {
            c->any = true;
            if (rq->channel == SIM_WS_KR_BOOK) {
                c->book[index] = (int8_t) rq->depth;
            } else if (rq->channel == SIM_WS_KR_TICKER) {
                c->ticker[index] = (int8_t) rq->trigger;
            } else if (rq->channel == SIM_WS_KR_TRADE) {
                c->trade[index] = true;
            } else {
                c->ohlc[index] |= (uint16_t) (1u << rq->interval);
            }
        }
    }
}

void
sim_ws_kraken_text(sim_ws_kraken_t *k, cb_wsd_conn_t *conn, const char *data, size_t len)
{
    static const char *const top_keys[] = {"method", "params", "req_id", NULL};
    static const char *const methods[] = {"subscribe", "unsubscribe", "ping", NULL};
    sim_ws_kraken_req_t rq = {.time_in = k->shared->now_ns, .snapshot = true};
    sim_ws_json_doc_t doc;
    char why[128];
    if (sim_ws_json_parse(&doc, data, len) != 0 || doc.root.type != MSGPACK_OBJECT_MAP) {
        s_error(k, conn, &rq, "Malformed request", NULL, 0);
        sim_ws_json_doc_fini(&doc);
        return;
    }
    const msgpack_object *m = sim_ws_json_get(&doc.root, "method");
    for (size_t i = 0; methods[i] != NULL; i++) {
        rq.method = sim_ws_json_is(m, methods[i]) ? methods[i] : rq.method;
    }
    const msgpack_object *id = sim_ws_json_get(&doc.root, "req_id");
    if (id != NULL &&
        (id->type == MSGPACK_OBJECT_POSITIVE_INTEGER ||
         id->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) &&
        (id->type == MSGPACK_OBJECT_NEGATIVE_INTEGER || id->via.u64 <= INT64_MAX)) {
        rq.has_req_id = true;
        rq.req_id = id->via.i64;
    }
    const char *name;
    size_t nlen;
    if (rq.method == NULL) {
        s_error(k, conn, &rq, m == NULL ? "Missing field: 'method'" : "Unsupported event", NULL, 0);
    } else if (id != NULL && !rq.has_req_id) {
        s_error(k, conn, &rq, "Invalid field: 'req_id'", NULL, 0);
    } else if (sim_ws_json_unknown_key(&doc.root, top_keys, &name, &nlen) ||
               (strcmp(rq.method, "ping") == 0 && sim_ws_json_get(&doc.root, "params") != NULL &&
                (name = "params", nlen = 6))) {
        snprintf(why, sizeof why, "Unsupported field: '%.*s' for the given msg type: %s",
                 (int) (nlen > 40 ? 40 : nlen), name, rq.method);
        s_error(k, conn, &rq, why, NULL, 0);
    } else if (strcmp(rq.method, "ping") == 0) {
        int rc = s_reply_head(&k->buf, &rq, NULL, "pong");
        sim_ws_kraken_send_buf(k, NULL, conn, rc | s_reply_tail(&k->buf, &rq));
    } else {
        rq.depth = 0;
        rq.interval = 0;
        rq.trigger = 0;
        s_channel_request(k, conn, &rq, sim_ws_json_get(&doc.root, "params"));
    }
    sim_ws_json_doc_fini(&doc);
}
