/* test_edge_account.c - /api/account end to end: coinbus keys + redis + bus + venue-sim + market-feed + account + api-edge over real HTTP, exact to the venue's own text */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_apikey.h"
#include "cb_decimal.h"
#include "cb_jtok.h"
#include "cb_time.h"
#include "cbh_edge.h"
#include "cbh_openapi.h"
#include "cbh_paper.h"

#define S_TRADES 3 /* market buys per venue: the closed orders; at least as many trades */

static cbh_edge_fixture_t s_f;
static cbh_paper_t s_paper;
static char s_tkey[CB_APIKEY_TEXT_LEN + 1]; /* scope trade */
static char s_rkey[CB_APIKEY_TEXT_LEN + 1]; /* scope read */
static const char *const s_venues[2] = {"sim-kraken", "sim-binance"};

/* GET path with key (NULL: no Authorization). The status. */
static long
s_get(const char *key, const char *path, cbh_http_res_t *res)
{
    char hdr[128];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", key != NULL ? key : "");
    const char *headers[] = {"X-Forwarded-For: 10.9.0.1", key != NULL ? hdr : NULL, NULL};
    return cbh_http(s_f.port, "GET", path, headers, NULL, 0, res);
}

/* GET path with the trade key: 200 and the body matches schema. */
static void
s_ok(const char *path, const char *schema, cbh_http_res_t *res)
{
    if (s_get(s_tkey, path, res) != 200) {
        fail_msg("%s: status %ld: %s", path, res->status, (const char *) res->body.data);
    }
    char err[600];
    if (cbh_openapi_check(schema, res->body.data, res->body.len, err, sizeof err) != 0) {
        fail_msg("%s is not a %s: %s\n%.3000s", path, schema, err, (const char *) res->body.data);
    }
}

/* GET path with the trade key: status and the error shape. */
static void
s_err(const char *path, long status, const char *error)
{
    cbh_http_res_t res = {0};
    s_get(s_tkey, path, &res);
    cbh_edge_expect_error(&res, status, error);
    char err[600];
    if (cbh_openapi_check("Error", res.body.data, res.body.len, err, sizeof err) != 0) {
        fail_msg("%s is not an Error: %s", path, err);
    }
    cbh_http_res_fini(&res);
}

/* Token a of doc ours and token b of raw hold the same text (a JSON number
 * against the venue's string: digit for digit). */
static void
s_same(const cb_jdoc_t *ours, int a, const cb_jdoc_t *raw, int b, const char *what)
{
    cb_str_t x = cb_jtok_raw(ours, a);
    cb_str_t y = cb_jtok_raw(raw, b);
    if (x.ptr == NULL || y.ptr == NULL || x.len != y.len || memcmp(x.ptr, y.ptr, x.len) != 0) {
        fail_msg("%s: ours '%.*s', the venue's '%.*s'", what, (int) x.len, x.ptr != NULL ? x.ptr : "",
                 (int) y.len, y.ptr != NULL ? y.ptr : "");
    }
}

static cb_decimal_t
s_dec(const cb_jdoc_t *doc, int i)
{
    cb_decimal_t d;
    assert_int_equal(cb_jtok_decimal(doc, i, &d), 0);
    return d;
}

static void
s_parse(cb_jdoc_t *doc, const cb_buf_t *text)
{
    cb_jdoc_init(doc);
    if (cb_jdoc_parse(doc, text->data, text->len) != 0) {
        fail_msg("not JSON: %.500s", (const char *) text->data);
    }
}

/* The element of array arr whose key equals the text of token t of other; -1. */
static int
s_find(const cb_jdoc_t *doc, int arr, const char *key, const cb_jdoc_t *other, int t)
{
    cb_str_t want = cb_jtok_raw(other, t);
    for (int k = 0; k < cb_jtok_size(doc, arr); k++) {
        int e = cb_jtok_at(doc, arr, k);
        cb_str_t v = cb_jtok_raw(doc, cb_jtok_get(doc, e, key));
        if (v.ptr != NULL && v.len == want.len && memcmp(v.ptr, want.ptr, v.len) == 0) {
            return e;
        }
    }
    return -1;
}

/* Neither api-edge's nor account's log holds a paper secret or API key text. */
static void
s_logs_clean(void)
{
    const char *logs[] = {cbh_proc_log_path(s_f.edge), cbh_proc_log_path(s_f.stack.account)};
    const char *never[] = {CBH_PAPER_K_SECRET, "Y29pbmJ1cy1wYXBlci1rcmFrZW4tc2Vj", CBH_PAPER_B_SECRET,
                           s_tkey + 4, s_rkey + 4, "cbk_"};
    for (size_t i = 0; i < 2; i++) {
        if (logs[i][0] == '\0') {
            continue;
        }
        cb_buf_t log = {0};
        cbh_slurp(logs[i], &log);
        for (size_t k = 0; k < sizeof never / sizeof never[0]; k++) {
            if (strstr((const char *) log.data, never[k]) != NULL) {
                fail_msg("%s holds a secret (%zu)", logs[i], k);
            }
        }
        cb_buf_fini(&log);
    }
}

/* S_TRADES market buys and one resting limit buy on each venue. */
static void
s_trade_on_sim(void)
{
    cb_buf_t out = {0};
    for (int i = 0; i < S_TRADES; i++) {
        assert_int_equal(cbh_paper_kraken(&s_paper, "AddOrder",
                                          "ordertype=market&type=buy&volume=0.01&pair=XBTUSD", &out),
                         200);
        assert_null(strstr(out.data, "\"error\":[\""));
        assert_int_equal(cbh_paper_binance(&s_paper, "POST", "/api/v3/order",
                                           "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01", &out),
                         200);
    }
    assert_int_equal(cbh_paper_kraken(&s_paper, "AddOrder",
                                      "ordertype=limit&type=buy&volume=0.02&pair=XBTUSD&price=1000.0",
                                      &out),
                     200);
    assert_int_equal(
        cbh_paper_binance(&s_paper, "POST", "/api/v3/order",
                          "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.02&price=1000.00",
                          &out),
        200);
    cb_buf_fini(&out);
}

static int
s_setup(void **state)
{
    *state = &s_f;
    return cbh_edge_private_start(&s_f, cbh_edge_start_account, &s_paper);
}

static int
s_teardown(void **state)
{
    cbh_paper_fini(&s_paper);
    return cbh_edge_fixture_teardown(state);
}

static void
test_setup_keys_and_trades(void **state)
{
    (void) state;
    cbh_edge_key_create("edge-trader", "trade", s_tkey, NULL);
    cbh_edge_key_create("edge-reader", "read", s_rkey, NULL);
    s_trade_on_sim();
}

/* Kraken: BalanceEx's balance and hold_trade, digit for digit. */
static void
s_balances_kraken(const cb_jdoc_t *doc, int assets)
{
    static const char *const map[][2] = {{"ZUSD", "USD"}, {"XXBT", "BTC"}, {"XETH", "ETH"}, {"SOL", "SOL"}};
    cb_buf_t raw = {0};
    assert_int_equal(cbh_paper_kraken(&s_paper, "BalanceEx", "", &raw), 200);
    cb_jdoc_t rd;
    s_parse(&rd, &raw);
    int result = cb_jtok_get(&rd, 0, "result");
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        int r = cb_jtok_get(&rd, result, map[i][0]);
        assert_true(r >= 0);
        int a = -1;
        for (int k = 0; k < cb_jtok_size(doc, assets) && a < 0; k++) {
            int e = cb_jtok_at(doc, assets, k);
            a = cb_jtok_eq(doc, cb_jtok_get(doc, e, "asset"), map[i][1]) ? e : -1;
        }
        assert_true(a >= 0);
        s_same(doc, cb_jtok_get(doc, a, "total"), &rd, cb_jtok_get(&rd, r, "balance"), map[i][0]);
        s_same(doc, cb_jtok_get(doc, a, "hold"), &rd, cb_jtok_get(&rd, r, "hold_trade"), map[i][0]);
        cb_decimal_t avail;
        assert_int_equal(cb_decimal_sub(s_dec(doc, cb_jtok_get(doc, a, "total")),
                                        s_dec(doc, cb_jtok_get(doc, a, "hold")), &avail),
                         0);
        assert_int_equal(cb_decimal_cmp(avail, s_dec(doc, cb_jtok_get(doc, a, "available"))), 0);
    }
    cb_jdoc_fini(&rd);
    cb_buf_fini(&raw);
}

/* Binance: /api/v3/account's free and locked, digit for digit. */
static void
s_balances_binance(const cb_jdoc_t *doc, int assets)
{
    cb_buf_t raw = {0};
    assert_int_equal(cbh_paper_binance(&s_paper, "GET", "/api/v3/account", "", &raw), 200);
    cb_jdoc_t rd;
    s_parse(&rd, &raw);
    int list = cb_jtok_get(&rd, 0, "balances");
    assert_true(cb_jtok_size(&rd, list) >= 4);
    for (int k = 0; k < cb_jtok_size(&rd, list); k++) {
        int r = cb_jtok_at(&rd, list, k);
        int a = s_find(doc, assets, "asset", &rd, cb_jtok_get(&rd, r, "asset"));
        assert_true(a >= 0);
        s_same(doc, cb_jtok_get(doc, a, "available"), &rd, cb_jtok_get(&rd, r, "free"), "free");
        s_same(doc, cb_jtok_get(doc, a, "hold"), &rd, cb_jtok_get(&rd, r, "locked"), "locked");
        cb_decimal_t total;
        assert_int_equal(cb_decimal_add(s_dec(&rd, cb_jtok_get(&rd, r, "free")),
                                        s_dec(&rd, cb_jtok_get(&rd, r, "locked")), &total),
                         0);
        assert_int_equal(cb_decimal_cmp(total, s_dec(doc, cb_jtok_get(doc, a, "total"))), 0);
    }
    cb_jdoc_fini(&rd);
    cb_buf_fini(&raw);
}

static void
test_balances(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    cb_jdoc_t doc;
    /* Every venue with a key. */
    s_ok("/api/account/balances", "Balances", &res);
    cbh_edge_parse(&doc, &res);
    int venues = cb_jtok_get(&doc, 0, "venues");
    assert_int_equal(cb_jtok_size(&doc, venues), 2);
    assert_true(cb_jtok_size(&doc, cb_jtok_get(&doc, 0, "totals")) >= 5);
    cb_jdoc_fini(&doc);
    for (int v = 0; v < 2; v++) {
        char path[128];
        snprintf(path, sizeof path, "/api/account/balances?venue=%s", s_venues[v]);
        s_ok(path, "Balances", &res);
        cbh_edge_parse(&doc, &res);
        venues = cb_jtok_get(&doc, 0, "venues");
        assert_int_equal(cb_jtok_size(&doc, venues), 1);
        int one = cb_jtok_at(&doc, venues, 0);
        assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, one, "venue"), s_venues[v]));
        int assets = cb_jtok_get(&doc, one, "assets");
        if (v == 0) {
            s_balances_kraken(&doc, assets);
        } else {
            s_balances_binance(&doc, assets);
        }
        cbh_edge_expect_time(&doc, cb_jtok_get(&doc, 0, "as_of"));
        cb_jdoc_fini(&doc);
    }
    s_err("/api/account/balances?venue=nowhere", 404, "not_found");
    cbh_http_res_fini(&res);
}

static void
test_trade_balance(void **state)
{
    (void) state;
    static const char *const keys[][2] = {
        {"eb", "equivalent_balance"}, {"tb", "trade_balance"}, {"m", "margin"},
        {"n", "unrealized_pnl"},      {"c", "cost_basis"},     {"v", "valuation"},
        {"e", "equity"},              {"mf", "free_margin"},
    };
    cbh_http_res_t res = {0};
    cb_buf_t raw = {0};
    cb_buf_t raw2 = {0};
    /* The equivalent balance moves with the market: compare an answer taken
     * between two equal ones of the venue. */
    bool compared = false;
    for (int attempt = 0; attempt < 6 && !compared; attempt++) {
        assert_int_equal(cbh_paper_kraken(&s_paper, "TradeBalance", "", &raw), 200);
        s_ok("/api/account/trade-balance?venue=sim-kraken", "TradeBalance", &res);
        assert_int_equal(cbh_paper_kraken(&s_paper, "TradeBalance", "", &raw2), 200);
        if (raw.len != raw2.len || memcmp(raw.data, raw2.data, raw.len) != 0) {
            continue;
        }
        cb_jdoc_t doc;
        cb_jdoc_t rd;
        cbh_edge_parse(&doc, &res);
        s_parse(&rd, &raw);
        int result = cb_jtok_get(&rd, 0, "result");
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            s_same(&doc, cb_jtok_get(&doc, 0, keys[i][1]), &rd, cb_jtok_get(&rd, result, keys[i][0]),
                   keys[i][1]);
        }
        assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, 0, "venue"), "sim-kraken"));
        cb_jdoc_fini(&rd);
        cb_jdoc_fini(&doc);
        compared = true;
    }
    assert_true(compared);
    s_err("/api/account/trade-balance?venue=sim-binance", 400, "bad_request");
    s_err("/api/account/trade-balance", 400, "bad_request");
    cb_buf_fini(&raw2);
    cb_buf_fini(&raw);
    cbh_http_res_fini(&res);
}

/* Compares one item of ours with the venue's own answer in raw. */
typedef void (*s_item_check_fn)(const cb_jdoc_t *doc, int item, const cb_jdoc_t *raw);

/* Walks every page of path (a query with venue, limit 2) and list; each
 * item's id into ids (at most max), no id twice, each item checked against
 * raw. Returns the count. */
static int
s_walk(const char *path, const char *schema, const char *list, char ids[][64], int max,
       s_item_check_fn check, const cb_jdoc_t *raw)
{
    cbh_http_res_t res = {0};
    char cursor[1024] = "";
    int n = 0;
    int pages = 0;
    for (;;) {
        char url[1400];
        snprintf(url, sizeof url, "%s%s%s", path, cursor[0] != '\0' ? "&cursor=" : "", cursor);
        s_ok(url, schema, &res);
        cb_jdoc_t doc;
        cbh_edge_parse(&doc, &res);
        int arr = cb_jtok_get(&doc, 0, list);
        assert_true(cb_jtok_size(&doc, arr) <= 2);
        for (int k = 0; k < cb_jtok_size(&doc, arr); k++) {
            char id[64];
            int item = cb_jtok_at(&doc, arr, k);
            assert_true(cb_jtok_string(&doc, cb_jtok_get(&doc, item, "id"), id, sizeof id) > 0);
            check(&doc, item, raw);
            for (int j = 0; j < n; j++) {
                assert_string_not_equal(ids[j], id);
            }
            assert_true(n < max);
            snprintf(ids[n++], 64, "%s", id);
        }
        int next = cb_jtok_get(&doc, 0, "next_cursor");
        cursor[0] = '\0';
        if (next >= 0) {
            assert_true(cb_jtok_string(&doc, next, cursor, sizeof cursor) > 0);
        }
        cb_jdoc_fini(&doc);
        pages++;
        assert_true(pages < 10);
        if (cursor[0] == '\0') {
            break;
        }
    }
    cbh_http_res_fini(&res);
    return n;
}

static void
test_open_orders(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    cb_buf_t raw = {0};
    cb_jdoc_t doc;
    cb_jdoc_t rd;
    s_ok("/api/account/orders", "Orders", &res);
    cbh_edge_parse(&doc, &res);
    assert_int_equal(cb_jtok_size(&doc, cb_jtok_get(&doc, 0, "orders")), 2);
    cb_jdoc_fini(&doc);
    /* Kraken: the resting order as OpenOrders has it. */
    s_ok("/api/account/orders?status=open&venue=sim-kraken", "Orders", &res);
    cbh_edge_parse(&doc, &res);
    int orders = cb_jtok_get(&doc, 0, "orders");
    assert_int_equal(cb_jtok_size(&doc, orders), 1);
    int o = cb_jtok_at(&doc, orders, 0);
    assert_int_equal(cbh_paper_kraken(&s_paper, "OpenOrders", "", &raw), 200);
    s_parse(&rd, &raw);
    char id[64];
    assert_true(cb_jtok_string(&doc, cb_jtok_get(&doc, o, "id"), id, sizeof id) > 0);
    int r = cb_jtok_get(&rd, cb_jtok_get(&rd, cb_jtok_get(&rd, 0, "result"), "open"), id);
    assert_true(r >= 0);
    s_same(&doc, cb_jtok_get(&doc, o, "price"), &rd, cb_jtok_get(&rd, cb_jtok_get(&rd, r, "descr"), "price"),
           "price");
    s_same(&doc, cb_jtok_get(&doc, o, "amount"), &rd, cb_jtok_get(&rd, r, "vol"), "vol");
    s_same(&doc, cb_jtok_get(&doc, o, "filled"), &rd, cb_jtok_get(&rd, r, "vol_exec"), "vol_exec");
    assert_true(cb_jtok_eq(&doc, cb_jtok_get(&doc, o, "status"), "open"));
    cbh_edge_expect_time(&doc, cb_jtok_get(&doc, o, "created"));
    cb_jdoc_fini(&rd);
    cb_jdoc_fini(&doc);
    /* Binance: openOrders. */
    s_ok("/api/account/orders?venue=sim-binance", "Orders", &res);
    cbh_edge_parse(&doc, &res);
    orders = cb_jtok_get(&doc, 0, "orders");
    assert_int_equal(cb_jtok_size(&doc, orders), 1);
    o = cb_jtok_at(&doc, orders, 0);
    assert_int_equal(cbh_paper_binance(&s_paper, "GET", "/api/v3/openOrders", "symbol=BTCUSDT", &raw), 200);
    s_parse(&rd, &raw);
    r = s_find(&rd, 0, "orderId", &doc, cb_jtok_get(&doc, o, "id"));
    assert_true(r >= 0);
    s_same(&doc, cb_jtok_get(&doc, o, "price"), &rd, cb_jtok_get(&rd, r, "price"), "price");
    s_same(&doc, cb_jtok_get(&doc, o, "amount"), &rd, cb_jtok_get(&rd, r, "origQty"), "origQty");
    s_same(&doc, cb_jtok_get(&doc, o, "filled"), &rd, cb_jtok_get(&rd, r, "executedQty"), "executedQty");
    cbh_edge_expect_time(&doc, cb_jtok_get(&doc, o, "created"));
    cb_jdoc_fini(&rd);
    cb_jdoc_fini(&doc);
    cb_buf_fini(&raw);
    cbh_http_res_fini(&res);
}

static void
s_closed_kraken(const cb_jdoc_t *doc, int o, const cb_jdoc_t *rd)
{
    char id[64];
    assert_true(cb_jtok_string(doc, cb_jtok_get(doc, o, "id"), id, sizeof id) > 0);
    int r = cb_jtok_get(rd, cb_jtok_get(rd, cb_jtok_get(rd, 0, "result"), "closed"), id);
    assert_true(r >= 0);
    s_same(doc, cb_jtok_get(doc, o, "amount"), rd, cb_jtok_get(rd, r, "vol"), "vol");
    s_same(doc, cb_jtok_get(doc, o, "filled"), rd, cb_jtok_get(rd, r, "vol_exec"), "vol_exec");
    s_same(doc, cb_jtok_get(doc, o, "avg_price"), rd, cb_jtok_get(rd, r, "price"), "price");
    s_same(doc, cb_jtok_get(doc, o, "fee"), rd, cb_jtok_get(rd, r, "fee"), "fee");
    assert_true(cb_jtok_eq(doc, cb_jtok_get(doc, o, "status"), "filled"));
    cbh_edge_expect_time(doc, cb_jtok_get(doc, o, "closed"));
}

static void
s_closed_binance(const cb_jdoc_t *doc, int o, const cb_jdoc_t *rd)
{
    int r = s_find(rd, 0, "orderId", doc, cb_jtok_get(doc, o, "id"));
    assert_true(r >= 0);
    s_same(doc, cb_jtok_get(doc, o, "amount"), rd, cb_jtok_get(rd, r, "origQty"), "origQty");
    s_same(doc, cb_jtok_get(doc, o, "filled"), rd, cb_jtok_get(rd, r, "executedQty"), "executedQty");
    assert_true(cb_jtok_eq(doc, cb_jtok_get(doc, o, "status"), "filled"));
    cbh_edge_expect_time(doc, cb_jtok_get(doc, o, "created"));
}

static void
s_trade_kraken(const cb_jdoc_t *doc, int t, const cb_jdoc_t *rd)
{
    char id[64];
    assert_true(cb_jtok_string(doc, cb_jtok_get(doc, t, "id"), id, sizeof id) > 0);
    int r = cb_jtok_get(rd, cb_jtok_get(rd, cb_jtok_get(rd, 0, "result"), "trades"), id);
    assert_true(r >= 0);
    s_same(doc, cb_jtok_get(doc, t, "price"), rd, cb_jtok_get(rd, r, "price"), "price");
    s_same(doc, cb_jtok_get(doc, t, "amount"), rd, cb_jtok_get(rd, r, "vol"), "vol");
    s_same(doc, cb_jtok_get(doc, t, "cost"), rd, cb_jtok_get(rd, r, "cost"), "cost");
    s_same(doc, cb_jtok_get(doc, t, "fee"), rd, cb_jtok_get(rd, r, "fee"), "fee");
    s_same(doc, cb_jtok_get(doc, t, "order_id"), rd, cb_jtok_get(rd, r, "ordertxid"), "ordertxid");
    cbh_edge_expect_time(doc, cb_jtok_get(doc, t, "time"));
}

static void
s_trade_binance(const cb_jdoc_t *doc, int t, const cb_jdoc_t *rd)
{
    int r = s_find(rd, 0, "id", doc, cb_jtok_get(doc, t, "id"));
    assert_true(r >= 0);
    s_same(doc, cb_jtok_get(doc, t, "price"), rd, cb_jtok_get(rd, r, "price"), "price");
    s_same(doc, cb_jtok_get(doc, t, "amount"), rd, cb_jtok_get(rd, r, "qty"), "qty");
    s_same(doc, cb_jtok_get(doc, t, "cost"), rd, cb_jtok_get(rd, r, "quoteQty"), "quoteQty");
    s_same(doc, cb_jtok_get(doc, t, "fee"), rd, cb_jtok_get(rd, r, "commission"), "commission");
    s_same(doc, cb_jtok_get(doc, t, "order_id"), rd, cb_jtok_get(rd, r, "orderId"), "orderId");
    cbh_edge_expect_time(doc, cb_jtok_get(doc, t, "time"));
}

/* How many trades the venue's own answer lists: a market order may fill
 * against more than one level of the book, so there are at least S_TRADES. */
static int
s_venue_trades(const cb_jdoc_t *rd, int v)
{
    int n = v == 0 ? cb_jtok_size(rd, cb_jtok_get(rd, cb_jtok_get(rd, 0, "result"), "trades"))
                   : cb_jtok_size(rd, 0);
    assert_true(n >= S_TRADES);
    return n;
}

/* Every page of path on both venues, each item against the venue's answer:
 * S_TRADES items (closed orders), or as many as the venue lists (trades). */
static void
s_walk_both(const char *fmt, const char *schema, const char *list, const char *kraken_method,
            const char *binance_path, s_item_check_fn kraken_check, s_item_check_fn binance_check,
            bool fills)
{
    char ids[16][64];
    for (int v = 0; v < 2; v++) {
        cb_buf_t raw = {0};
        if (v == 0) {
            assert_int_equal(cbh_paper_kraken(&s_paper, kraken_method, "", &raw), 200);
        } else {
            assert_int_equal(cbh_paper_binance(&s_paper, "GET", binance_path, "symbol=BTCUSDT", &raw), 200);
        }
        cb_jdoc_t rd;
        s_parse(&rd, &raw);
        char path[160];
        snprintf(path, sizeof path, fmt, s_venues[v]);
        int want = fills ? s_venue_trades(&rd, v) : S_TRADES;
        assert_int_equal(s_walk(path, schema, list, ids, 16, v == 0 ? kraken_check : binance_check, &rd),
                         want);
        cb_jdoc_fini(&rd);
        cb_buf_fini(&raw);
    }
}

static void
test_closed_orders_paged(void **state)
{
    (void) state;
    s_walk_both("/api/account/orders?status=closed&venue=%s&limit=2", "Orders", "orders", "ClosedOrders",
                "/api/v3/allOrders", s_closed_kraken, s_closed_binance, false);
}

static void
test_trades_paged(void **state)
{
    (void) state;
    s_walk_both("/api/account/trades?venue=%s&limit=2&start=2020-01-01T00:00:00Z", "AccountTrades", "trades",
                "TradesHistory", "/api/v3/myTrades", s_trade_kraken, s_trade_binance, true);
}

/* The test's own Kraken calls (which the account service's limiter does not
 * see) share the paper key's counter at the sim (Pro: 20, -1 per second):
 * let it drain before a burst of the service's calls. */
static void
s_breathe(int ms)
{
    cb_time_sleep_ms(ms, NULL);
}

static void
test_ws_token_and_check(void **state)
{
    (void) state;
    s_breathe(6000);
    cbh_http_res_t res = {0};
    assert_int_equal(s_get(s_rkey, "/api/account/ws-token?venue=sim-kraken", &res), 403);
    cbh_edge_expect_error(&res, 403, "forbidden");
    s_ok("/api/account/ws-token?venue=sim-kraken", "WsToken", &res);
    cb_jdoc_t doc;
    cbh_edge_parse(&doc, &res);
    int64_t expires = 0;
    assert_int_equal(cb_jtok_i64(&doc, cb_jtok_get(&doc, 0, "expires_s"), &expires), 0);
    assert_int_equal(expires, 900);
    char token[256];
    assert_true(cb_jtok_string(&doc, cb_jtok_get(&doc, 0, "token"), token, sizeof token) > 0);
    cb_jdoc_fini(&doc);
    s_err("/api/account/ws-token?venue=sim-binance", 400, "bad_request");
    for (int v = 0; v < 2; v++) {
        char path[128];
        snprintf(path, sizeof path, "/api/account/check?venue=%s", s_venues[v]);
        /* A read key is enough. */
        assert_int_equal(s_get(s_rkey, path, &res), 200);
        char err[600];
        if (cbh_openapi_check("AccountCheck", res.body.data, res.body.len, err, sizeof err) != 0) {
            fail_msg("%s is not an AccountCheck: %s", path, err);
        }
        cbh_edge_parse(&doc, &res);
        bool b = false;
        assert_int_equal(cb_jtok_bool(&doc, cb_jtok_get(&doc, 0, "authenticated"), &b), 0);
        assert_true(b);
        assert_int_equal(cb_jtok_size(&doc, cb_jtok_get(&doc, 0, "missing")), 0);
        cb_jdoc_fini(&doc);
    }
    /* The token is a credential: never logged. */
    cb_buf_t log = {0};
    cbh_slurp(cbh_proc_log_path(s_f.stack.account), &log);
    assert_null(strstr((const char *) log.data, token));
    cb_buf_fini(&log);
    s_logs_clean();
    cbh_http_res_fini(&res);
}

static void
test_bad_queries_and_keys(void **state)
{
    (void) state;
    cbh_http_res_t res = {0};
    assert_int_equal(s_get(NULL, "/api/account/balances", &res), 401);
    cbh_edge_expect_error(&res, 401, "unauthorized");
    assert_int_equal(s_get(NULL, "/api/account/trades?venue=sim-kraken", &res), 401);
    s_err("/api/account/orders?status=closed", 400, "bad_request");
    s_err("/api/account/orders?status=pending", 400, "bad_request");
    s_err("/api/account/trades", 400, "bad_request");
    s_err("/api/account/trades?venue=sim-kraken&limit=0", 400, "bad_request");
    s_err("/api/account/trades?venue=sim-kraken&limit=501", 400, "bad_request");
    s_err("/api/account/trades?venue=sim-kraken&start=yesterday", 400, "bad_request");
    s_err("/api/account/trades?venue=sim-kraken&start=2024-02-01T00:00:00Z&end=2024-01-01T00:00:00Z", 400,
          "bad_request");
    s_err("/api/account/trades?venue=sim-kraken&cursor=bogus!", 400, "bad_request");
    s_err("/api/account/check", 400, "bad_request");
    /* A cursor of one kind is refused for the other. */
    s_ok("/api/account/trades?venue=sim-kraken&limit=1", "AccountTrades", &res);
    cb_jdoc_t doc;
    cbh_edge_parse(&doc, &res);
    char cursor[1024];
    assert_true(cb_jtok_string(&doc, cb_jtok_get(&doc, 0, "next_cursor"), cursor, sizeof cursor) > 0);
    cb_jdoc_fini(&doc);
    char path[1200];
    snprintf(path, sizeof path, "/api/account/orders?status=closed&venue=sim-kraken&cursor=%s", cursor);
    s_err(path, 400, "bad_request");
    /* Revoked: refused on the very next request. */
    char key[CB_APIKEY_TEXT_LEN + 1];
    char id[CB_APIKEY_ID_LEN + 1];
    cbh_edge_key_create("edge-revoked", "read", key, id);
    assert_int_equal(s_get(key, "/api/account/balances?venue=sim-binance", &res), 200);
    char args[64];
    snprintf(args, sizeof args, "revoke %s", id);
    assert_int_equal(cbh_edge_keys(args, NULL, 0), 0);
    assert_int_equal(s_get(key, "/api/account/balances?venue=sim-binance", &res), 401);
    cbh_edge_expect_error(&res, 401, "unauthorized");
    cbh_http_res_fini(&res);
}

static void
test_venue_faults(void **state)
{
    (void) state;
    /* Kraken EService:Unavailable -> unavailable (503). Every request fails
     * (market-feed's polls would take a fail_next). */
    assert_int_equal(cbh_paper_admin(&s_paper, "POST", "/admin/faults/kraken", "{\"error_pct\":100}"), 200);
    s_err("/api/account/orders?venue=sim-kraken", 503, "unavailable");
    /* Binance 503/500 -> 503 or 502. */
    assert_int_equal(cbh_paper_admin(&s_paper, "POST", "/admin/faults/binance", "{\"error_pct\":100}"), 200);
    cbh_http_res_t res = {0};
    long st = s_get(s_tkey, "/api/account/orders?venue=sim-binance", &res);
    assert_true(st == 503 || st == 502);
    cbh_edge_expect_error(&res, st, st == 503 ? "unavailable" : "upstream_error");
    assert_int_equal(cbh_paper_admin(&s_paper, "DELETE", "/admin/faults", NULL), 200);
    /* The venue back: answers again. */
    s_ok("/api/account/orders?venue=sim-binance", "Orders", &res);
    cbh_http_res_fini(&res);
}

/* Last: the account service again with a wrong Kraken secret. */
static void
test_wrong_secret(void **state)
{
    (void) state;
    s_logs_clean();
    assert_int_equal(cbh_edge_stop_account(&s_f.stack), 0);
    s_breathe(3000);
    /* No cache: the balances must come from the venue. */
    char *env[] = {"COINBUS_ACCOUNT_CACHE_MS=0", "COINBUS_SIM_KRAKEN_API_SECRET=d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZy1zZWNyZXQtMDAwMDAwMA==",
                   NULL};
    assert_int_equal(cbh_edge_start_account(&s_f.stack, env), 0);
    /* The venue refuses the signature: unauthorized (401), its text kept. */
    s_err("/api/account/balances?venue=sim-kraken", 401, "unauthorized");
    s_err("/api/account/trades?venue=sim-kraken", 401, "unauthorized");
    cbh_http_res_t res = {0};
    s_ok("/api/account/check?venue=sim-kraken", "AccountCheck", &res);
    cb_jdoc_t doc;
    cbh_edge_parse(&doc, &res);
    bool b = true;
    assert_int_equal(cb_jtok_bool(&doc, cb_jtok_get(&doc, 0, "authenticated"), &b), 0);
    assert_false(b);
    cb_jdoc_fini(&doc);
    /* The other venue is unaffected. */
    s_ok("/api/account/balances?venue=sim-binance", "Balances", &res);
    s_logs_clean();
    cbh_http_res_fini(&res);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_keys_and_trades),
        cmocka_unit_test(test_balances),
        cmocka_unit_test(test_trade_balance),
        cmocka_unit_test(test_open_orders),
        cmocka_unit_test(test_closed_orders_paged),
        cmocka_unit_test(test_trades_paged),
        cmocka_unit_test(test_ws_token_and_check),
        cmocka_unit_test(test_bad_queries_and_keys),
        cmocka_unit_test(test_venue_faults),
        cmocka_unit_test(test_wrong_secret),
    };
    return cmocka_run_group_tests_name("edge_account", tests, s_setup, s_teardown);
}
