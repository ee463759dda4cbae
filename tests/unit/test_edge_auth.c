/* test_edge_auth.c - api-edge's key gate without I/O: the Bearer parser, the scope matrix, route scopes, key shapes and hashes, account query checks, *_ms rendering */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cb_apikey.h"
#include "cb_error.h"
#include "cb_mp.h"
#include "edge_account.h"
#include "edge_api.h"
#include "edge_auth.h"
#include "edge_reply.h"
#include "edge_routes.h"

#define S_KEY "cbk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static edge_auth_outcome_t
s_parse(const char *v)
{
    const char *key = NULL;
    size_t len = 0;
    edge_auth_outcome_t o = edge_auth_parse(v, v != NULL ? strlen(v) : 0, &key, &len);
    if (o == EDGE_AUTH_OK) {
        assert_int_equal(len, CB_APIKEY_TEXT_LEN);
        assert_memory_equal(key, S_KEY, len);
    } else {
        assert_null(key);
    }
    return o;
}

static void
test_bearer_parser(void **state)
{
    (void) state;
    assert_int_equal(s_parse(NULL), EDGE_AUTH_MISSING);
    assert_int_equal(s_parse(""), EDGE_AUTH_MISSING);
    assert_int_equal(s_parse("Bearer " S_KEY), EDGE_AUTH_OK);
    assert_int_equal(s_parse("bearer  " S_KEY "  "), EDGE_AUTH_OK);
    assert_int_equal(s_parse("BEARER\t" S_KEY), EDGE_AUTH_OK);
    const char *bad[] = {
        "Bearer",
        "Bearer ",
        "Bearer" S_KEY,
        "Basic " S_KEY,
        "Bearer " S_KEY "0",
        "Bearer " S_KEY " extra",
        "Bearer cbk_0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
        "Bearer xbk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "Bearer cbk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
        "Token " S_KEY,
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(s_parse(bad[i]), EDGE_AUTH_MALFORMED);
    }
    /* A length that stops inside the key is refused, never read past. */
    const char *v = "Bearer " S_KEY;
    const char *key;
    size_t len;
    assert_int_equal(edge_auth_parse(v, strlen(v) - 1, &key, &len), EDGE_AUTH_MALFORMED);
}

static void
test_scope_matrix(void **state)
{
    (void) state;
    const cb_apikey_scope_t R = CB_APIKEY_SCOPE_READ, T = CB_APIKEY_SCOPE_TRADE, N = CB_APIKEY_SCOPE_NONE;
    assert_int_equal(edge_auth_decide(true, R, R), EDGE_AUTH_OK);
    assert_int_equal(edge_auth_decide(true, T, R), EDGE_AUTH_OK);
    assert_int_equal(edge_auth_decide(true, T, T), EDGE_AUTH_OK);
    assert_int_equal(edge_auth_decide(true, R, T), EDGE_AUTH_FORBIDDEN);
    assert_int_equal(edge_auth_decide(false, T, R), EDGE_AUTH_UNKNOWN);
    assert_int_equal(edge_auth_decide(true, N, R), EDGE_AUTH_UNKNOWN);
    assert_int_equal(edge_auth_status(EDGE_AUTH_MISSING), 401);
    assert_int_equal(edge_auth_status(EDGE_AUTH_MALFORMED), 401);
    assert_int_equal(edge_auth_status(EDGE_AUTH_UNKNOWN), 401);
    assert_int_equal(edge_auth_status(EDGE_AUTH_FORBIDDEN), 403);
    assert_int_equal(edge_auth_status(EDGE_AUTH_UNAVAILABLE), 503);
    assert_non_null(strstr(edge_auth_challenge(EDGE_AUTH_MISSING, R), "Bearer"));
    assert_non_null(strstr(edge_auth_challenge(EDGE_AUTH_FORBIDDEN, T), "scope=\"trade\""));
    assert_null(edge_auth_challenge(EDGE_AUTH_UNAVAILABLE, R));
    assert_string_equal(edge_auth_outcome_name(EDGE_AUTH_FORBIDDEN), "forbidden");
}

static void
s_route_scope(void *ctx, const edge_route_t *r)
{
    (void) ctx;
    bool account = strncmp(r->path, "/api/account/", 13) == 0;
    bool orders = strncmp(r->path, "/api/orders", 11) == 0;
    /* Every account and orders route needs a key and counts against the
     * limit; nothing else needs one. */
    assert_int_equal(r->scope != CB_APIKEY_SCOPE_NONE, account || orders);
    if (account) {
        assert_true(r->limited);
        assert_int_equal(r->scope, r->id == EDGE_R_ACC_WS_TOKEN ? CB_APIKEY_SCOPE_TRADE : CB_APIKEY_SCOPE_READ);
    }
    if (orders) {
        /* Reading orders takes read; anything that changes one takes trade. */
        assert_true(r->limited);
        assert_int_equal(r->scope, strcmp(r->method, "GET") == 0 ? CB_APIKEY_SCOPE_READ : CB_APIKEY_SCOPE_TRADE);
    }
}

static void
test_route_scopes(void **state)
{
    (void) state;
    edge_routes_each(s_route_scope, NULL);
    assert_int_equal(edge_routes_find("/api/account/balances", 21)->id, EDGE_R_ACC_BALANCES);
}

static void
test_key_shapes(void **state)
{
    (void) state;
    assert_true(cb_apikey_well_formed(S_KEY, strlen(S_KEY)));
    assert_false(cb_apikey_well_formed(S_KEY, strlen(S_KEY) - 1));
    assert_false(cb_apikey_well_formed(NULL, 0));
    assert_true(cb_apikey_id_well_formed("0123456789abcdef"));
    assert_false(cb_apikey_id_well_formed("0123456789abcde"));
    assert_false(cb_apikey_id_well_formed("0123456789abcdeX"));
    char hex[CB_APIKEY_HASH_LEN + 1];
    /* SHA-256("abc"), FIPS 180-2's example. */
    cb_apikey_hash("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cb_apikey_scope_t sc;
    assert_int_equal(cb_apikey_scope_parse("trade", 5, &sc), 0);
    assert_int_equal(sc, CB_APIKEY_SCOPE_TRADE);
    assert_int_not_equal(cb_apikey_scope_parse("admin", 5, &sc), 0);
    assert_int_not_equal(cb_apikey_scope_parse("none", 4, &sc), 0);
    assert_true(cb_apikey_name_ok("ci bot-1.x_y"));
    assert_false(cb_apikey_name_ok(""));
    assert_false(cb_apikey_name_ok("a/b"));
    assert_false(cb_apikey_name_ok("tab\there"));
    /* The lookup record: a hash-tagged key, never the key text. */
    char keybuf[CB_APIKEY_REDIS_KEY_MAX];
    const char *argv[4];
    size_t lens[4];
    cb_apikey_hash(S_KEY, strlen(S_KEY), hex);
    assert_int_equal(cb_apikey_lookup_argv(hex, keybuf, argv, lens), 4);
    assert_string_equal(argv[0], "HMGET");
    assert_non_null(strstr(argv[1], "coinbus:edge:{apikeys}:hash:"));
    assert_null(strstr(argv[1], S_KEY + 4));
    char id[CB_APIKEY_ID_LEN + 1];
    assert_int_equal(cb_apikey_lookup_parse("0123456789abcdef", 16, "read", 4, id, &sc), 0);
    assert_int_equal(cb_apikey_lookup_parse(NULL, 0, NULL, 0, id, &sc), CB_E_NOT_FOUND);
    assert_int_not_equal(cb_apikey_lookup_parse("0123", 4, "read", 4, id, &sc), 0);
    assert_int_not_equal(cb_apikey_lookup_parse("0123456789abcdef", 16, "root", 4, id, &sc), 0);
}

static int
s_plan(edge_route_id_t id, const char *query, edge_plan_t *plan, cb_buf_t *out)
{
    edge_api_t api = {NULL, 0, 5000, NULL};
    edge_api_req_t req = {query, strlen(query), NULL, 0, NULL, 0, NULL, 0};
    memset(plan, 0, sizeof *plan);
    edge_api_plan(&api, id, &req, plan, out);
    return plan->status;
}

static void
test_account_queries(void **state)
{
    (void) state;
    int64_t ms;
    assert_int_equal(edge_account_time("1700000000123", &ms), 0);
    assert_int_equal(ms, 1700000000123LL);
    assert_int_equal(edge_account_time("2024-01-31T12:00:00Z", &ms), 0);
    assert_int_equal(ms, 1706702400000LL);
    assert_int_not_equal(edge_account_time("", &ms), 0);
    assert_int_not_equal(edge_account_time("-5", &ms), 0);
    assert_int_not_equal(edge_account_time("99999999999999999", &ms), 0);
    assert_int_not_equal(edge_account_time("yesterday", &ms), 0);

    edge_plan_t plan;
    cb_buf_t out = {0};
    struct {
        edge_route_id_t id;
        const char *query;
        int status;
        const char *op;
    } cases[] = {
        {EDGE_R_ACC_BALANCES, "", 0, "balances"},
        {EDGE_R_ACC_BALANCES, "venue=sim-kraken", 0, "balances"},
        {EDGE_R_ACC_BALANCES, "venue=BAD%20NAME", 400, NULL},
        {EDGE_R_ACC_TRADE_BALANCE, "", 400, NULL},
        {EDGE_R_ACC_TRADE_BALANCE, "venue=sim-kraken", 0, "trade_balance"},
        {EDGE_R_ACC_ORDERS, "", 0, "open_orders"},
        {EDGE_R_ACC_ORDERS, "status=closed", 400, NULL},
        {EDGE_R_ACC_ORDERS, "status=closed&venue=sim-kraken&limit=500", 0, "closed_orders"},
        {EDGE_R_ACC_ORDERS, "status=done", 400, NULL},
        {EDGE_R_ACC_TRADES, "venue=sim-kraken&limit=0", 400, NULL},
        {EDGE_R_ACC_TRADES, "venue=sim-kraken&limit=501", 400, NULL},
        {EDGE_R_ACC_TRADES, "venue=sim-kraken&start=2024-02-01T00:00:00Z&end=1706702400000", 400, NULL},
        {EDGE_R_ACC_TRADES, "venue=sim-kraken&cursor=", 400, NULL},
        {EDGE_R_ACC_TRADES, "venue=sim-kraken&start=1706702400000&cursor=abc", 0, "trades"},
        {EDGE_R_ACC_WS_TOKEN, "venue=sim-kraken", 0, "ws_token"},
        {EDGE_R_ACC_CHECK, "", 400, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st = s_plan(cases[i].id, cases[i].query, &plan, &out);
        if (st != cases[i].status) {
            fail_msg("%s: status %d, wanted %d", cases[i].query, st, cases[i].status);
        }
        if (st == 0) {
            assert_int_equal(plan.svc, EDGE_SVC_ACCOUNT);
            assert_string_equal(plan.op, cases[i].op);
        } else {
            assert_non_null(strstr((const char *) out.data, "\"error\":\"bad_request\""));
        }
        edge_plan_fini(&plan);
    }
    /* The args the service gets: start as Unix ms (an integer), limit's default. */
    assert_int_equal(s_plan(EDGE_R_ACC_TRADES, "venue=sim-kraken&start=2024-01-31T12:00:00Z", &plan, &out), 0);
    cb_buf_t json = {0};
    assert_int_equal(edge_reply_render(&json, plan.args.data, plan.args.len), 0);
    assert_string_equal((const char *) json.data,
                        "{\"venue\":\"sim-kraken\",\"start\":\"2024-01-31T12:00:00.000Z\",\"limit\":50}");
    edge_plan_fini(&plan);
    cb_buf_fini(&json);
    cb_buf_fini(&out);
}

static void
test_ms_rendering(void **state)
{
    (void) state;
    cb_buf_t mp = {0};
    assert_int_equal(cb_mp_write_map(&mp, 4), 0);
    assert_int_equal(cb_mp_write_str(&mp, "created_ms", 10), 0);
    assert_int_equal(cb_mp_write_int(&mp, 1706702400123LL), 0);
    assert_int_equal(cb_mp_write_str(&mp, "usd_value", 9), 0);
    assert_int_equal(cb_mp_write_str(&mp, "1234.50", 7), 0);
    assert_int_equal(cb_mp_write_str(&mp, "hold", 4), 0);
    assert_int_equal(cb_mp_write_str(&mp, "0.00000001", 10), 0);
    assert_int_equal(cb_mp_write_str(&mp, "name_ms", 7), 0);
    assert_int_equal(cb_mp_write_str(&mp, "text", 4), 0);
    cb_buf_t out = {0};
    assert_int_equal(edge_reply_render(&out, mp.data, mp.len), 0);
    assert_string_equal((const char *) out.data, "{\"created\":\"2024-01-31T12:00:00.123Z\",\"usd_value\":1234.50,"
                                                 "\"hold\":0.00000001,\"name_ms\":\"text\"}");
    cb_buf_fini(&out);
    cb_buf_fini(&mp);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bearer_parser),   cmocka_unit_test(test_scope_matrix),
        cmocka_unit_test(test_route_scopes),    cmocka_unit_test(test_key_shapes),
        cmocka_unit_test(test_account_queries), cmocka_unit_test(test_ms_rendering),
    };
    return cmocka_run_group_tests_name("edge_auth", tests, NULL, NULL);
}
