/* sim_ws_binance_req.c - Binance stream control messages: SUBSCRIBE, UNSUBSCRIBE,
 * LIST_SUBSCRIPTIONS, SET/GET_PROPERTY and their errors */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim_instruments.h"
#include "sim_ws_binance_impl.h"
#include "sim_ws_binance_msg.h"
#include "sim_ws_json.h"

/* Error codes of the stream endpoint (web-socket-streams.md, Error
 * Messages). */
#define S_UNKNOWN_PROPERTY 0
#define S_BAD_VALUE 1
#define S_BAD_REQUEST 2
#define S_BAD_JSON 3

typedef struct {
    cb_buf_t out;
    char id[48]; /* the request id as JSON text; "" when unusable */
} s_reply_t;

static void
s_send(cb_wsd_conn_t *conn, s_reply_t *r, int rc)
{
    if (rc == 0) {
        cb_wsd_conn_send_text(conn, r->out.data, r->out.len);
    }
}

static void
s_error(cb_wsd_conn_t *conn, s_reply_t *r, int code, const char *msg)
{
    s_send(conn, r, sim_ws_binance_msg_error(&r->out, code, msg, r->id[0] != '\0' ? r->id : NULL));
}

/* {"result":<result>,"id":<id>} */
static void
s_result(cb_wsd_conn_t *conn, s_reply_t *r, const char *result)
{
    int rc = cb_buf_append_str(&r->out, "{\"result\":");
    rc |= cb_buf_append_str(&r->out, result);
    rc |= cb_buf_append_str(&r->out, ",\"id\":");
    rc |= cb_buf_append_str(&r->out, r->id);
    s_send(conn, r, rc | cb_buf_append_char(&r->out, '}'));
}

/* The id as Binance accepts it: a 64-bit integer, an alphanumeric string
 * of at most 36 characters, or null. */
static bool
s_id(const msgpack_object *id, char *out, size_t size)
{
    if (id->type == MSGPACK_OBJECT_POSITIVE_INTEGER && id->via.u64 <= INT64_MAX) {
        snprintf(out, size, "%" PRIu64, id->via.u64);
        return true;
    }
    if (id->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        snprintf(out, size, "%" PRId64, id->via.i64);
        return true;
    }
    if (id->type == MSGPACK_OBJECT_NIL) {
        snprintf(out, size, "null");
        return true;
    }
    if (id->type != MSGPACK_OBJECT_STR || id->via.str.size == 0 || id->via.str.size > 36) {
        return false;
    }
    for (uint32_t i = 0; i < id->via.str.size; i++) {
        char ch = id->via.str.ptr[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))) {
            return false;
        }
    }
    snprintf(out, size, "\"%.*s\"", (int) id->via.str.size, id->via.str.ptr);
    return true;
}

static void
s_subscribe(sim_ws_binance_t *b, cb_wsd_conn_t *conn, s_reply_t *r, const msgpack_object *params,
            bool sub)
{
    sim_ws_binance_conn_t *c = conn->owner;
    if (params == NULL || params->type != MSGPACK_OBJECT_ARRAY) {
        s_error(conn, r, S_BAD_REQUEST, "Invalid request: missing field `params`");
        return;
    }
    size_t n = params->via.array.size;
    if (n > SIM_WS_BN_MAX_STREAMS) {
        s_error(conn, r, S_BAD_REQUEST, "Invalid request: too many parameters");
        return;
    }
    const char *name[SIM_WS_BN_MAX_STREAMS];
    size_t len[SIM_WS_BN_MAX_STREAMS];
    for (size_t i = 0; i < n; i++) {
        const msgpack_object *p = &params->via.array.ptr[i];
        if (p->type != MSGPACK_OBJECT_STR) {
            s_error(conn, r, S_BAD_REQUEST, "Invalid request: invalid stream");
            return;
        }
        name[i] = p->via.str.ptr;
        len[i] = p->via.str.size;
    }
    size_t fresh;
    if (sim_ws_binance_check(c, name, len, n, &fresh) != 0) {
        s_error(conn, r, S_BAD_REQUEST, "Invalid request: invalid stream");
        return;
    }
    if (sub && c->count + fresh > SIM_WS_BN_MAX_STREAMS) {
        s_error(conn, r, S_BAD_REQUEST, "Invalid request: too many streams (1024 per connection)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t index;
        int topic;
        sim_ws_binance_stream_parse(name[i], len[i], &index, &topic);
        if (sub) {
            if (sim_ws_binance_add(b, conn, index, topic) != 0) {
                s_error(conn, r, S_BAD_REQUEST, "Internal error; unable to process your request.");
                return;
            }
            continue;
        }
        uint16_t code = (uint16_t) (index * SIM_WS_BN_TOPICS + (size_t) topic);
        for (size_t j = 0; j < c->count; j++) {
            if (c->subs[j] == code) {
                sim_ws_binance_remove(b, conn, j);
                break;
            }
        }
    }
    s_result(conn, r, "null");
}

static void
s_list(cb_wsd_conn_t *conn, s_reply_t *r, const msgpack_object *params)
{
    const sim_ws_binance_conn_t *c = conn->owner;
    if (params != NULL && !(params->type == MSGPACK_OBJECT_ARRAY && params->via.array.size == 0)) {
        s_error(conn, r, S_BAD_REQUEST, "Invalid request: too many parameters");
        return;
    }
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    cb_buf_t list;
    cb_buf_init(&list);
    int rc = cb_buf_append_char(&list, '[');
    for (size_t i = 0; i < c->count; i++) {
        rc |= cb_buf_append_str(&list, i == 0 ? "\"" : ",\"");
        rc |= sim_ws_binance_stream_name(&list, &all[c->subs[i] / SIM_WS_BN_TOPICS],
                                         c->subs[i] % SIM_WS_BN_TOPICS);
        rc |= cb_buf_append_char(&list, '"');
    }
    rc |= cb_buf_append_char(&list, ']');
    if (rc == 0) {
        s_result(conn, r, list.data);
    }
    cb_buf_fini(&list);
}

static void
s_property(cb_wsd_conn_t *conn, s_reply_t *r, const msgpack_object *params, bool set)
{
    sim_ws_binance_conn_t *c = conn->owner;
    uint32_t want = set ? 2 : 1;
    if (params == NULL || params->type != MSGPACK_OBJECT_ARRAY || params->via.array.size != want) {
        s_error(conn, r, S_BAD_REQUEST, "Invalid request: too many parameters");
        return;
    }
    const msgpack_object *name = &params->via.array.ptr[0];
    if (name->type != MSGPACK_OBJECT_STR) {
        s_error(conn, r, S_BAD_REQUEST, "Invalid request: property name must be a string");
        return;
    }
    if (!sim_ws_json_is(name, "combined")) {
        s_error(conn, r, S_UNKNOWN_PROPERTY, "Unknown property");
        return;
    }
    if (!set) {
        s_result(conn, r, c->combined ? "true" : "false");
        return;
    }
    const msgpack_object *value = &params->via.array.ptr[1];
    if (value->type != MSGPACK_OBJECT_BOOLEAN) {
        s_error(conn, r, S_BAD_VALUE, "Invalid value type: expected Boolean");
        return;
    }
    c->combined = value->via.boolean;
    s_result(conn, r, "null");
}

void
sim_ws_binance_text(sim_ws_binance_t *b, cb_wsd_conn_t *conn, const char *data, size_t len)
{
    static const char *const methods[] = {"SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS",
                                          "SET_PROPERTY", "GET_PROPERTY"};
    s_reply_t r;
    cb_buf_init(&r.out);
    r.id[0] = '\0';
    char msg[256];
    sim_ws_json_doc_t doc;
    if (sim_ws_json_parse(&doc, data, len) != 0) {
        snprintf(msg, sizeof msg, "Invalid JSON: expected value at line 1 column %zu",
                 doc.err_at + 1);
        s_error(conn, &r, S_BAD_JSON, msg);
        goto done;
    }
    if (doc.root.type != MSGPACK_OBJECT_MAP) {
        s_error(conn, &r, S_BAD_REQUEST, "Invalid request: expected a JSON object");
        goto done;
    }
    const msgpack_object *id = sim_ws_json_get(&doc.root, "id");
    if (id == NULL || !s_id(id, r.id, sizeof r.id)) {
        r.id[0] = '\0';
        s_error(conn, &r, S_BAD_REQUEST, "Invalid request: request ID must be an unsigned integer");
        goto done;
    }
    const msgpack_object *m = sim_ws_json_get(&doc.root, "method");
    int which = -1;
    for (int i = 0; m != NULL && i < 5; i++) {
        which = sim_ws_json_is(m, methods[i]) ? i : which;
    }
    if (which < 0) {
        if (m == NULL) {
            snprintf(msg, sizeof msg,
                     "Invalid request: missing field `method` at line 1 column %zu", len);
        } else {
            snprintf(msg, sizeof msg,
                     "Invalid request: unknown variant `%.*s`, expected one of `SUBSCRIBE`, "
                     "`UNSUBSCRIBE`, "
                     "`LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY` at line 1 column %zu",
                     m->type == MSGPACK_OBJECT_STR
                         ? (int) (m->via.str.size > 40 ? 40 : m->via.str.size)
                         : 0,
                     m->type == MSGPACK_OBJECT_STR ? m->via.str.ptr : "", len);
        }
        s_error(conn, &r, S_BAD_REQUEST, msg);
        goto done;
    }
    const msgpack_object *params = sim_ws_json_get(&doc.root, "params");
    if (which <= 1) {
        s_subscribe(b, conn, &r, params, which == 0);
    } else if (which == 2) {
        s_list(conn, &r, params);
    } else {
        s_property(conn, &r, params, which == 3);
    }
done:
    sim_ws_json_doc_fini(&doc);
    cb_buf_fini(&r.out);
}
