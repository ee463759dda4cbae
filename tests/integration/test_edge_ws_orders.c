/* test_edge_ws_orders.c - the /ws orders channel end to end: API keys (header and auth message), order events from a real order-router over the bus, revocation */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cb_apikey.h"
#include "cb_jtok.h"
#include "cb_pub.h"
#include "cbh_edge.h"
#include "cbh_paper.h"
#include "cbh_ws.h"

/* api-edge looks a WebSocket's key up again this often here. */
#define S_RECHECK_MS 300

static cbh_edge_fixture_t s_f;
static cbh_paper_t s_paper;
static char s_tkey[CB_APIKEY_TEXT_LEN + 1]; /* scope trade: the HTTP calls */
static char s_rkey[CB_APIKEY_TEXT_LEN + 1]; /* scope read: watching */

/* The router without the balance check: a sim fault armed for the order's
 * request must hit the order, not the account's balance query before it
 * (test_edge_orders and test_order_router_best cover the check). */
static int
s_start_router(cbh_edge_stack_t *s, char *const extra_env[])
{
    (void) extra_env;
    char *env[] = {"COINBUS_ROUTER_BALANCE_CHECK=off", NULL};
    return cbh_edge_start_router(s, env);
}

static int
s_setup(void **state)
{
    *state = &s_f;
    char ms[16];
    snprintf(ms, sizeof ms, "%d", S_RECHECK_MS);
    if (setenv("COINBUS_EDGE_WS_AUTH_RECHECK_MS", ms, 1) != 0) {
        return -1;
    }
    return cbh_edge_private_start(&s_f, s_start_router, &s_paper);
}

static int
s_teardown(void **state)
{
    cbh_paper_fini(&s_paper);
    return cbh_edge_fixture_teardown(state);
}

/* An HTTP call with the trade key; fails unless the status is want. */
static void
s_http(long want, const char *method, const char *path, const char *body)
{
    char hdr[128];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", s_tkey);
    const char *headers[] = {"X-Forwarded-For: 10.9.1.2", "Content-Type: application/json", hdr, NULL};
    cbh_http_res_t res = {0};
    long status = cbh_http(s_f.port, method, path, headers, body, body != NULL ? strlen(body) : 0, &res);
    if (status != want) {
        fail_msg("%s %s: status %ld, wanted %ld: %s", method, path, status, want,
                 res.body.data != NULL ? (const char *) res.body.data : "");
    }
    cbh_http_res_fini(&res);
}

/* A /ws client (with extra upgrade headers, or NULL) that got "connected". */
static cbh_ws_t *
s_open(const char *headers)
{
    int status = 0;
    cbh_ws_t *ws = cbh_ws_connect_hdrs(s_f.port, "/ws", 0, headers, &status);
    if (ws == NULL) {
        fail_msg("upgrade answered %d", status);
    }
    char *m = cbh_ws_wait_for(ws, "\"type\":\"connected\"", 3000);
    assert_non_null(m);
    free(m);
    return ws;
}

/* Waits for a message with needle (and also, when not NULL); fails after 3 s. */
static char *
s_expect(cbh_ws_t *ws, const char *needle, const char *also)
{
    char *m = cbh_ws_wait_for(ws, needle, 3000);
    if (m == NULL) {
        fail_msg("no message with %s", needle);
    }
    if (also != NULL && strstr(m, also) == NULL) {
        fail_msg("%s lacks %s", m, also);
    }
    return m;
}

static void
s_send_expect(cbh_ws_t *ws, const char *text, const char *needle, const char *also)
{
    assert_int_equal(cbh_ws_send(ws, text), 0);
    free(s_expect(ws, needle, also));
}

static void
s_auth(cbh_ws_t *ws, const char *key)
{
    char msg[160];
    snprintf(msg, sizeof msg, "{\"op\":\"auth\",\"key\":\"%s\"}", key);
    s_send_expect(ws, msg, "\"type\":\"authenticated\"", "\"scope\":\"read\"");
}

/* The text of field key of message m into out ("" when absent): a
 * string's contents, a number's digits as written. *type gets its token
 * type (may be NULL). */
static const char *
s_field_t(const char *m, const char *key, char *out, size_t size, int *type)
{
    cb_jdoc_t doc;
    cb_jdoc_init(&doc);
    assert_int_equal(cb_jdoc_parse(&doc, m, strlen(m)), 0);
    int i = cb_jtok_get(&doc, 0, key);
    cb_str_t v = i >= 0 ? cb_jtok_raw(&doc, i) : (cb_str_t){"", 0};
    snprintf(out, size, "%.*s", (int) v.len, v.ptr);
    if (type != NULL) {
        *type = i >= 0 ? (int) cb_jtok_type(&doc, i) : -1;
    }
    cb_jdoc_fini(&doc);
    return out;
}

static const char *
s_field(const char *m, const char *key, char *out, size_t size)
{
    return s_field_t(m, key, out, size, NULL);
}

/* Field key of m is a JSON number written as want, digit for digit. */
static void
s_number(const char *m, const char *key, const char *want)
{
    char got[96];
    int type;
    s_field_t(m, key, got, sizeof got, &type);
    if (type != CB_JT_PRIMITIVE || strcmp(got, want) != 0) {
        fail_msg("%s is %s (type %d), wanted the number %s: %s", key, got, type, want, m);
    }
}

/* The order events of order id received within ms, appended to evs (at
 * most cap); their count. Other messages are dropped. */
static size_t
s_collect(cbh_ws_t *ws, const char *id, int ms, char **evs, size_t cap, const char *until_status)
{
    size_t n = 0;
    char needle[96], got[64];
    snprintf(needle, sizeof needle, "\"id\":\"%s\"", id);
    for (int waited = 0; waited < ms && n < cap;) {
        char *m = cbh_ws_recv(ws, 100, NULL);
        if (m == NULL) {
            waited += 100;
            continue;
        }
        if (strstr(m, "\"type\":\"order\"") == NULL || strstr(m, needle) == NULL) {
            free(m);
            continue;
        }
        evs[n++] = m;
        if (until_status != NULL && strcmp(s_field(m, "status", got, sizeof got), until_status) == 0) {
            break;
        }
    }
    return n;
}

/* Fails unless evs hold strictly increasing seqs, start with event new
 * (pending), have exact decimals and ISO times, and the last has status. */
static void
s_check_events(char **evs, size_t n, const char *symbol, const char *venue, const char *last_status)
{
    char a[96], b[96];
    assert_true(n >= 2);
    assert_string_equal(s_field(evs[0], "event", a, sizeof a), "new");
    assert_string_equal(s_field(evs[0], "status", a, sizeof a), "pending");
    uint64_t seq = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = strtoull(s_field(evs[i], "seq", a, sizeof a), NULL, 10);
        if (s <= seq) {
            fail_msg("event %zu has seq %llu after %llu: %s", i, (unsigned long long) s,
                     (unsigned long long) seq, evs[i]);
        }
        seq = s;
        assert_string_equal(s_field(evs[i], "symbol", a, sizeof a), symbol);
        assert_string_equal(s_field(evs[i], "venue", a, sizeof a), venue);
        assert_string_equal(s_field(evs[i], "side", a, sizeof a), "buy");
        assert_string_equal(s_field(evs[i], "order_type", a, sizeof a), "limit");
        s_number(evs[i], "amount", "0.01");
        assert_string_equal(s_field(evs[i], "time_in_force", a, sizeof a), "GTC");
        s_field(evs[i], "timestamp", a, sizeof a);
        s_field(evs[i], "created", b, sizeof b);
        assert_true(strlen(a) == 24 && a[10] == 'T' && a[23] == 'Z');
        assert_true(strlen(b) == 24 && b[10] == 'T' && b[23] == 'Z');
    }
    assert_string_equal(s_field(evs[n - 1], "status", a, sizeof a), last_status);
}

static void
s_free_all(char **evs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(evs[i]);
    }
}

/* Publishes an order event of client order id clid on the stack's bus. */
static void
s_publish_order(cb_pub_t *pub, const char *clid)
{
    cb_event_t ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = CB_KIND_order;
    cb_order_t *o = &ev.body.order;
    cb_decimal_t one;
    assert_int_equal(cb_decimal_parse("1", 1, &one), 0);
    CB_PROTO_SET(o, order, symbol, cb_str_from("BTC-USD"));
    CB_PROTO_SET(o, order, venue, cb_str_from("sim-kraken"));
    CB_PROTO_SET(o, order, order_id, cb_str_from(clid));
    CB_PROTO_SET(o, order, client_order_id, cb_str_from(clid));
    CB_PROTO_SET(o, order, side, cb_str_from("sell"));
    CB_PROTO_SET(o, order, type, cb_str_from("limit"));
    CB_PROTO_SET(o, order, status, cb_str_from("open"));
    CB_PROTO_SET(o, order, amount, one);
    CB_PROTO_SET(o, order, filled, cb_decimal_from_int(0));
    CB_PROTO_SET(o, order, event, cb_str_from("acknowledged"));
    assert_int_equal(cb_pub_send(pub, &ev, NULL), 0);
}

/* Publishes made-up order events (BTC-USD on sim-kraken, id wo-warm) until
 * ws receives one: api-edge's subscription to order. has reached the bus,
 * and so the publishers. */
static void
s_watch_ready(cbh_ws_t *ws)
{
    cb_pub_t *pub = cb_pub_new(s_f.stack.bus.config.pub);
    assert_non_null(pub);
    char *m = NULL;
    for (int i = 0; i < 50 && m == NULL; i++) {
        s_publish_order(pub, "wo-warm");
        m = cbh_ws_wait_for(ws, "\"id\":\"wo-warm\"", 100);
    }
    assert_non_null(m);
    free(m);
    cb_pub_destroy(&pub);
}

static void
test_keys_needed(void **state)
{
    (void) state;
    cbh_edge_key_create("ws-trader", "trade", s_tkey, NULL);
    cbh_edge_key_create("ws-reader", "read", s_rkey, NULL);
    cbh_ws_t *ws = s_open(NULL);
    /* Not authenticated: an error naming the need for a key, not a disconnect. */
    s_send_expect(ws, "{\"type\":\"subscribe\",\"channel\":\"orders\"}", "\"error\":\"unauthorized\"",
                  "needs an API key");
    s_send_expect(ws, "{\"type\":\"ping\",\"id\":7}", "\"type\":\"pong\"", NULL);
    /* A well-formed key nobody made: refused, never echoed. */
    static const char made_up[] = "cbk_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    char msg[160];
    snprintf(msg, sizeof msg, "{\"op\":\"auth\",\"key\":\"%s\"}", made_up);
    assert_int_equal(cbh_ws_send(ws, msg), 0);
    char *m = s_expect(ws, "\"error\":\"unauthorized\"", "unknown or revoked");
    assert_null(strstr(m, "cbk_"));
    free(m);
    /* A malformed key, and type and op together. */
    assert_int_equal(cbh_ws_send(ws, "{\"type\":\"auth\",\"key\":\"cbk_0011secret\"}"), 0);
    m = s_expect(ws, "\"error\":\"invalid_key\"", NULL);
    assert_null(strstr(m, "secret"));
    free(m);
    s_send_expect(ws, "{\"type\":\"auth\",\"op\":\"auth\",\"key\":\"x\"}", "\"error\":\"bad_request\"", "not both");
    /* Still refused after the failures; the connection is still open. */
    s_send_expect(ws, "{\"op\":\"subscribe\",\"channel\":\"orders\",\"venue\":\"sim-kraken\"}",
                  "\"error\":\"unauthorized\"", NULL);
    assert_false(cbh_ws_ended(ws));
    cbh_ws_close(&ws);

    /* A malformed Authorization header: 401 at the upgrade; an unknown key:
     * the connection opens and says so. */
    int status = 0;
    assert_null(cbh_ws_connect_hdrs(s_f.port, "/ws", 0, "Authorization: Basic abc\r\n", &status));
    assert_int_equal(status, 401);
    snprintf(msg, sizeof msg, "Authorization: Bearer %s\r\n", made_up);
    ws = s_open(msg);
    free(s_expect(ws, "\"error\":\"unauthorized\"", "unknown or revoked"));
    cbh_ws_close(&ws);
}

/* Auth by message; place, amend, cancel on sim-kraken: every event in order. */
static void
test_lifecycle_kraken(void **state)
{
    (void) state;
    cbh_ws_t *ws = s_open(NULL);
    s_auth(ws, s_rkey);
    s_send_expect(ws, "{\"op\":\"subscribe\",\"channel\":\"orders\",\"venue\":\"sim-kraken\"}",
                  "\"type\":\"subscribed\"", "\"channel\":\"orders\",\"symbol\":null,\"venue\":\"sim-kraken\"");
    s_watch_ready(ws);
    s_http(201, "POST", "/api/orders",
           "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\",\"price\":\"30000.1\","
           "\"venue\":\"sim-kraken\",\"client_order_id\":\"wo-k1\"}");
    char *evs[32];
    size_t n = s_collect(ws, "wo-k1", 3000, evs, 32, "open");
    s_check_events(evs, n, "BTC-USD", "sim-kraken", "open");
    char a[96];
    s_number(evs[0], "price", "30000.1");
    assert_string_equal(s_field(evs[n - 1], "client_order_id", a, sizeof a), "wo-k1");
    assert_true(s_field(evs[n - 1], "venue_order_id", a, sizeof a)[0] != '\0');
    s_free_all(evs, n);

    s_http(200, "PATCH", "/api/orders/wo-k1", "{\"price\":\"30000.5\"}");
    n = s_collect(ws, "wo-k1", 3000, evs, 32, NULL);
    bool amended = false;
    for (size_t i = 0; i < n; i++) {
        amended = amended || strcmp(s_field(evs[i], "price", a, sizeof a), "30000.5") == 0;
    }
    s_free_all(evs, n);
    assert_true(amended);

    s_http(200, "DELETE", "/api/orders/wo-k1", NULL);
    n = s_collect(ws, "wo-k1", 3000, evs, 32, "canceled");
    assert_true(n >= 1);
    assert_string_equal(s_field(evs[n - 1], "status", a, sizeof a), "canceled");
    s_number(evs[n - 1], "filled", "0");
    s_free_all(evs, n);
    cbh_ws_close(&ws);
}

/* Auth by header on sim-binance, symbol filter BTC (its BTC-USDT); a client
 * watching sim-kraken only gets none of it. */
static void
test_header_binance(void **state)
{
    (void) state;
    char hdr[128];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s\r\n", s_rkey);
    cbh_ws_t *ws = s_open(hdr);
    free(s_expect(ws, "\"type\":\"authenticated\"", "\"scope\":\"read\""));
    s_send_expect(ws, "{\"type\":\"subscribe\",\"channel\":\"orders\",\"symbol\":\"BTC\"}",
                  "\"type\":\"subscribed\"", "\"symbol\":\"BTC-USD\",\"venue\":null");
    cbh_ws_t *other = s_open(NULL);
    s_auth(other, s_rkey);
    s_send_expect(other, "{\"type\":\"subscribe\",\"channel\":\"orders\",\"venue\":\"sim-kraken\"}",
                  "\"type\":\"subscribed\"", NULL);
    s_watch_ready(ws);
    s_watch_ready(other);
    s_http(201, "POST", "/api/orders",
           "{\"symbol\":\"BTC-USDT\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\",\"price\":\"30000.01\","
           "\"venue\":\"sim-binance\",\"client_order_id\":\"wo-b1\"}");
    s_http(200, "DELETE", "/api/orders/wo-b1", NULL);
    char *evs[32];
    size_t n = s_collect(ws, "wo-b1", 3000, evs, 32, "canceled");
    s_check_events(evs, n, "BTC-USDT", "sim-binance", "canceled");
    s_number(evs[0], "price", "30000.01");
    s_free_all(evs, n);
    n = s_collect(other, "wo-b1", 500, evs, 32, NULL);
    s_free_all(evs, n);
    assert_int_equal(n, 0);
    cbh_ws_close(&other);
    cbh_ws_close(&ws);
}

/* The venue takes an order but its answer is lost: unknown, then resolved;
 * a market order fills. */
static void
test_unknown_resolved_filled(void **state)
{
    (void) state;
    cbh_ws_t *ws = s_open(NULL);
    s_auth(ws, s_rkey);
    s_send_expect(ws, "{\"op\":\"subscribe\",\"channel\":\"orders\"}", "\"type\":\"subscribed\"", NULL);
    s_watch_ready(ws);
    const char *h[] = {"Content-Type: application/json", NULL};
    static const char fault[] = "{\"timeout_next\":1,\"timeout_after\":true}";
    cbh_http_res_t res = {0};
    assert_int_equal(cbh_http(s_f.stack.sim_port, "POST", "/admin/faults/binance", h, fault, strlen(fault), &res),
                     200);
    cbh_http_res_fini(&res);
    s_http(201, "POST", "/api/orders",
           "{\"symbol\":\"BTC-USDT\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\",\"price\":\"30000\","
           "\"venue\":\"sim-binance\",\"client_order_id\":\"wo-u1\"}");
    char *evs[32], a[96];
    size_t n = s_collect(ws, "wo-u1", 3000, evs, 32, "open");
    s_check_events(evs, n, "BTC-USDT", "sim-binance", "open");
    bool unknown = false;
    for (size_t i = 0; i < n; i++) {
        unknown = unknown || (strcmp(s_field(evs[i], "event", a, sizeof a), "unknown") == 0 &&
                              strcmp(s_field(evs[i], "status", a, sizeof a), "unknown") == 0);
    }
    assert_true(unknown);
    assert_string_equal(s_field(evs[n - 1], "event", a, sizeof a), "resolved");
    s_free_all(evs, n);
    s_http(200, "DELETE", "/api/orders/wo-u1", NULL);

    s_http(201, "POST", "/api/orders",
           "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"market\",\"amount\":\"0.01\","
           "\"venue\":\"sim-kraken\",\"client_order_id\":\"wo-m1\"}");
    n = s_collect(ws, "wo-m1", 3000, evs, 32, "filled");
    assert_true(n >= 2);
    assert_string_equal(s_field(evs[0], "event", a, sizeof a), "new");
    assert_string_equal(s_field(evs[n - 1], "status", a, sizeof a), "filled");
    s_number(evs[n - 1], "filled", "0.01");
    assert_true(s_field(evs[n - 1], "avg_price", a, sizeof a)[0] != '\0');
    s_free_all(evs, n);

    /* A post-only buy far above the ask: the venue refuses it (502), and the
     * channel says rejected, with the venue's reason. */
    s_http(502, "POST", "/api/orders",
           "{\"symbol\":\"BTC-USDT\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\",\"price\":\"900000\","
           "\"post_only\":true,\"venue\":\"sim-binance\",\"client_order_id\":\"wo-p1\"}");
    n = s_collect(ws, "wo-p1", 3000, evs, 32, "rejected");
    assert_true(n >= 2);
    assert_string_equal(s_field(evs[0], "event", a, sizeof a), "new");
    assert_string_equal(s_field(evs[n - 1], "event", a, sizeof a), "rejected");
    assert_true(s_field(evs[n - 1], "reason", a, sizeof a)[0] != '\0');
    s_free_all(evs, n);
    cbh_ws_close(&ws);
}

/* A key revoked while watching: an error within the recheck period (plus the
 * lookup), no order events after it, and auth with it fails. */
static void
test_revoked(void **state)
{
    (void) state;
    char key[CB_APIKEY_TEXT_LEN + 1], id[CB_APIKEY_ID_LEN + 1];
    cbh_edge_key_create("ws-revoked", "read", key, id);
    cbh_ws_t *ws = s_open(NULL);
    s_auth(ws, key);
    s_send_expect(ws, "{\"op\":\"subscribe\",\"channel\":\"orders\"}", "\"type\":\"subscribed\"", NULL);
    s_watch_ready(ws);
    s_http(201, "POST", "/api/orders",
           "{\"symbol\":\"BTC-USD\",\"side\":\"buy\",\"type\":\"limit\",\"amount\":\"0.01\",\"price\":\"30000.2\","
           "\"venue\":\"sim-kraken\",\"client_order_id\":\"wo-r1\"}");
    char *evs[32];
    size_t n = s_collect(ws, "wo-r1", 3000, evs, 32, "open");
    s_free_all(evs, n);
    assert_true(n >= 2);

    char args[64];
    snprintf(args, sizeof args, "revoke %s", id);
    assert_int_equal(cbh_edge_keys(args, NULL, 0), 0);
    char *m = cbh_ws_wait_for(ws, "\"error\":\"unauthorized\"", S_RECHECK_MS + 1500);
    assert_non_null(m);
    assert_non_null(strstr(m, "revoked"));
    free(m);
    s_http(200, "DELETE", "/api/orders/wo-r1", NULL);
    n = s_collect(ws, "wo-r1", 800, evs, 32, NULL);
    s_free_all(evs, n);
    assert_int_equal(n, 0);
    char msg[160];
    snprintf(msg, sizeof msg, "{\"op\":\"auth\",\"key\":\"%s\"}", key);
    s_send_expect(ws, msg, "\"error\":\"unauthorized\"", "unknown or revoked");
    s_send_expect(ws, "{\"op\":\"subscribe\",\"channel\":\"orders\"}", "\"error\":\"unauthorized\"", NULL);
    assert_false(cbh_ws_ended(ws));
    cbh_ws_close(&ws);
    /* /metrics counts the lookups by outcome and the events relayed. */
    cbh_http_res_t res = {0};
    assert_int_equal(cbh_edge_fixture_get(&s_f, "/metrics", &res), 200);
    const char *unknown = strstr(res.body.data, "coinbus_edge_ws_auth_total{outcome=\"unknown\"} ");
    const char *ok = strstr(res.body.data, "coinbus_edge_ws_auth_total{outcome=\"ok\"} ");
    const char *events = strstr(res.body.data, "\ncoinbus_edge_ws_order_events_total ");
    assert_true(unknown != NULL && ok != NULL && events != NULL);
    assert_true(atoi(strchr(unknown, ' ') + 1) >= 3); /* made-up key twice, the revoked key twice */
    assert_true(atoi(strchr(ok, ' ') + 1) >= 5);
    assert_true(atoi(strchr(events, ' ') + 1) >= 8);
    assert_null(strstr(res.body.data, "cbk_"));
    cbh_http_res_fini(&res);
}

/* Redis down: the key cannot be looked up again, and order events stop
 * once the last good lookup is 2 x recheck + 1 s old. Last: it stops Redis. */
static void
test_redis_down(void **state)
{
    (void) state;
    cbh_ws_t *ws = s_open(NULL);
    s_auth(ws, s_rkey);
    s_send_expect(ws, "{\"op\":\"subscribe\",\"channel\":\"orders\"}", "\"type\":\"subscribed\"", NULL);
    s_watch_ready(ws);
    cb_pub_t *pub = cb_pub_new(s_f.stack.bus.config.pub);
    assert_non_null(pub);
    char *m;
    cbh_redis_stop(&s_f.stack.redis);
    usleep((2 * S_RECHECK_MS + 1000 + 600) * 1000);
    cbh_ws_pump(ws, 100);
    while ((m = cbh_ws_recv(ws, 0, NULL)) != NULL) {
        free(m);
    }
    s_publish_order(pub, "wo-x2");
    char *evs[4];
    size_t n = s_collect(ws, "wo-x2", 800, evs, 4, NULL);
    s_free_all(evs, n);
    assert_int_equal(n, 0);
    assert_false(cbh_ws_ended(ws));
    cb_pub_destroy(&pub);
    cbh_ws_close(&ws);
    assert_int_equal(cbh_redis_start_on(&s_f.stack.redis, s_f.stack.redis.port, NULL), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys_needed),
        cmocka_unit_test(test_lifecycle_kraken),
        cmocka_unit_test(test_header_binance),
        cmocka_unit_test(test_unknown_resolved_filled),
        cmocka_unit_test(test_revoked),
        cmocka_unit_test(test_redis_down),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
