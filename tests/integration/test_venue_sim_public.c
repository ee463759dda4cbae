/* test_venue_sim_public.c - venue-sim public market data over HTTP against a seeded market */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

#include "cb_buf.h"
#include "cb_json.h"
#include "cb_time.h"
#include "cbh_simthread.h"
#include "sim_market.h"

/* Instrument indexes in sim_instruments(). */
enum { XBTUSD = 0, ETHUSD = 1, SOLUSD = 2, BTCUSDT = 3, ETHUSDT = 4, SOLUSDT = 5 };

static cbh_simthread_t *s_srv;
static cbh_simthread_t *s_bare; /* no market: the unavailable answers */

/* The market served (touch it under cbh_simthread_lock). */
static sim_market_t *
s_market(void)
{
    return cbh_simthread_sim(s_srv)->market;
}

/* A market with a fixed seed runs for a moment (so trades, candles over
 * more than one second and top-of-book changes exist), then stays paused
 * so that every answer can be checked against its state. */
static int
s_setup(void **state)
{
    (void) state;
    cbh_simthread_opts_t opts = {.market = true, .seed = 7, .rate = 200, .turn_ms = 2};
    cbh_simthread_opts_t bare = {.turn_ms = 2};
    s_srv = cbh_simthread_new(&opts);
    s_bare = cbh_simthread_new(&bare);
    if (s_srv == NULL || s_bare == NULL) {
        return -1;
    }
    cb_time_sleep_ms(2300, NULL);
    cbh_simthread_lock(s_srv);
    sim_market_pause(s_market(), true);
    cbh_simthread_unlock(s_srv);
    return 0;
}

static int
s_teardown(void **state)
{
    (void) state;
    cbh_simthread_destroy(&s_srv);
    cbh_simthread_destroy(&s_bare);
    return 0;
}

/* ---- a small JSON tree, enough to tell strings from floats from ints ------ */

typedef enum { J_NULL, J_BOOL, J_INT, J_FLOAT, J_STR, J_ARR, J_OBJ } j_type_t;

typedef struct j_node {
    j_type_t type;
    char *text; /* string contents, number or literal text */
    size_t n;
    struct j_node *items;
    char **keys; /* J_OBJ: n keys in order */
} j_t;

static void
j_free(j_t *j)
{
    for (size_t i = 0; i < j->n; i++) {
        j_free(&j->items[i]);
        if (j->keys != NULL) {
            free(j->keys[i]);
        }
    }
    free(j->items);
    free(j->keys);
    free(j->text);
}

static const char *
j_ws(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') {
        p++;
    }
    return p;
}

static const char *j_value(const char *p, j_t *out);

static const char *
j_string(const char *p, char **out)
{
    cb_buf_t b;
    cb_buf_init(&b);
    p++;
    while (*p != '"' && *p != '\0') {
        if (*p == '\\') {
            p++;
            char c = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'u' ? '?' : *p;
            if (*p == 'u') {
                p += 4;
            }
            cb_buf_append_char(&b, c);
        } else {
            cb_buf_append_char(&b, *p);
        }
        p++;
    }
    cb_buf_append_char(&b, '\0');
    *out = strdup(b.data);
    cb_buf_fini(&b);
    return *p == '"' ? p + 1 : NULL;
}

static void
j_push(j_t *j, char *key)
{
    j->items = realloc(j->items, (j->n + 1) * sizeof *j->items);
    if (j->type == J_OBJ) {
        j->keys = realloc(j->keys, (j->n + 1) * sizeof *j->keys);
        j->keys[j->n] = key;
    }
    memset(&j->items[j->n], 0, sizeof j->items[j->n]);
    j->n++;
}

static const char *
j_value(const char *p, j_t *out)
{
    memset(out, 0, sizeof *out);
    p = j_ws(p);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        out->type = *p == '{' ? J_OBJ : J_ARR;
        p = j_ws(p + 1);
        if (*p == close) {
            return p + 1;
        }
        for (;;) {
            char *key = NULL;
            if (out->type == J_OBJ) {
                if (*p != '"' || (p = j_string(p, &key)) == NULL) {
                    return NULL;
                }
                p = j_ws(p);
                if (*p != ':') {
                    free(key);
                    return NULL;
                }
                p++;
            }
            j_push(out, key);
            if ((p = j_value(p, &out->items[out->n - 1])) == NULL) {
                return NULL;
            }
            p = j_ws(p);
            if (*p == close) {
                return p + 1;
            }
            if (*p != ',') {
                return NULL;
            }
            p = j_ws(p + 1);
        }
    }
    if (*p == '"') {
        out->type = J_STR;
        return j_string(p, &out->text);
    }
    size_t n = strcspn(p, ",]} \n\r\t");
    if (n == 0) {
        return NULL;
    }
    out->text = strndup(p, n);
    if (strcmp(out->text, "true") == 0 || strcmp(out->text, "false") == 0) {
        out->type = J_BOOL;
    } else if (strcmp(out->text, "null") == 0) {
        out->type = J_NULL;
    } else {
        out->type = strpbrk(out->text, ".eE") != NULL ? J_FLOAT : J_INT;
    }
    return p + n;
}

/* The member key of an object, or NULL. */
static const j_t *
j_get(const j_t *j, const char *key)
{
    assert_int_equal(j->type, J_OBJ);
    for (size_t i = 0; i < j->n; i++) {
        if (strcmp(j->keys[i], key) == 0) {
            return &j->items[i];
        }
    }
    return NULL;
}

static const j_t *
j_must(const j_t *j, const char *key)
{
    const j_t *v = j_get(j, key);
    if (v == NULL) {
        fail_msg("missing key %s", key);
    }
    return v;
}

static long long
j_int(const j_t *j)
{
    assert_int_equal(j->type, J_INT);
    return strtoll(j->text, NULL, 10);
}

static const char *
j_str(const j_t *j)
{
    assert_int_equal(j->type, J_STR);
    return j->text;
}

static sim_fx_t
j_fx(const j_t *j)
{
    sim_fx_t v;
    assert_true(sim_fx_parse(j_str(j), strlen(j->text), &v));
    return v;
}

/* The object's keys are exactly keys, in that order. */
static void
j_keys(const j_t *j, const char *const *keys, size_t n)
{
    assert_int_equal(j->type, J_OBJ);
    assert_int_equal(j->n, n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(j->keys[i], keys[i]) != 0) {
            fail_msg("key %zu: want %s, got %s", i, keys[i], j->keys[i]);
        }
    }
}

/* ---- HTTP ------------------------------------------------------------------ */

typedef struct {
    long status;
    cb_buf_t body;
    cb_buf_t headers;
    j_t json;
} s_reply_t;

/* GET (body NULL) or POST of body with content_type to path on server; the
 * answer must be valid JSON (cb_json's strict parser) and is parsed. */
static s_reply_t
s_request(const cbh_simthread_t *server, const char *path, const char *body, const char *content_type)
{
    char ct[128];
    snprintf(ct, sizeof ct, "Content-Type: %s", content_type != NULL ? content_type : "");
    const char *headers[] = {body != NULL ? ct : NULL, NULL};
    cbh_http_res_t res = {0};
    cbh_simthread_http(server, body != NULL ? "POST" : "GET", path, headers, body,
                       body != NULL ? strlen(body) : 0, 10000, &res);
    s_reply_t r = {.status = res.status, .body = res.body, .headers = res.headers};
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char err[128] = "";
    if (cb_json_to_msgpack(r.body.data, r.body.len, &pk, err, sizeof err) != 0) {
        fail_msg("GET %s: not JSON (%s): %.300s", path, err, r.body.data);
    }
    msgpack_sbuffer_destroy(&sb);
    const char *end = j_value(r.body.data, &r.json);
    assert_non_null(end);
    assert_true(*j_ws(end) == '\0');
    return r;
}

static s_reply_t
s_get(const char *path)
{
    return s_request(s_srv, path, NULL, NULL);
}

static void
s_free(s_reply_t *r)
{
    j_free(&r->json);
    cb_buf_fini(&r->body);
    cb_buf_fini(&r->headers);
}

/* The answer to GET path is exactly body, with status. */
static void
s_expect_body(const char *path, long status, const char *body)
{
    s_reply_t r = s_get(path);
    if (r.status != status || strcmp(r.body.data, body) != 0) {
        fail_msg("GET %s: want %ld %s, got %ld %s", path, status, body, r.status, r.body.data);
    }
    s_free(&r);
}

static void
s_expect_kraken_error(const char *path, const char *error)
{
    char body[256];
    snprintf(body, sizeof body, "{\"error\":[\"%s\"]}", error);
    s_expect_body(path, 200, body);
}

static void
s_expect_binance_error(const char *path, int code, const char *msg)
{
    char body[512];
    snprintf(body, sizeof body, "{\"code\":%d,\"msg\":\"%s\"}", code, msg);
    s_expect_body(path, 400, body);
}

/* The x-mbx-used-weight-1m header (limits are off: the request's weight). */
static long
s_weight(const s_reply_t *r)
{
    const char *h = strstr(r->headers.data, "x-mbx-used-weight-1m: ");
    assert_non_null(h);
    return strtol(h + strlen("x-mbx-used-weight-1m: "), NULL, 10);
}

static void
s_expect_weight(const char *path, long weight)
{
    s_reply_t r = s_get(path);
    if (r.status != 200 || s_weight(&r) != weight) {
        fail_msg("GET %s: want weight %ld, got %ld (%ld %.200s)", path, weight, s_weight(&r),
                 r.status, r.body.data);
    }
    s_free(&r);
}

/* ---- the market's own view --------------------------------------------------- */

typedef struct {
    sim_trade_t trades[SIM_TRADES_KEPT];
    size_t n;
    sim_fx_t volume;
    sim_fx_t quote;
} s_tape_t;

static s_tape_t s_tape;

/* Every trade of inst (all of them: the first kept has id 1). */
static const s_tape_t *
s_tape_of(size_t inst)
{
    cbh_simthread_lock(s_srv);
    s_tape.n = sim_market_trades_since(s_market(), inst, 0, SIM_TRADES_KEPT, s_tape.trades);
    cbh_simthread_unlock(s_srv);
    assert_true(s_tape.n > 10);
    assert_int_equal(s_tape.trades[0].id, 1);
    s_tape.volume = s_tape.quote = 0;
    for (size_t i = 0; i < s_tape.n; i++) {
        sim_fx_t q;
        assert_true(sim_fx_mul(s_tape.trades[i].price, s_tape.trades[i].qty, &q));
        s_tape.volume += s_tape.trades[i].qty;
        s_tape.quote += q;
    }
    return &s_tape;
}

static size_t
s_levels(size_t inst, sim_side_t side, size_t max, sim_level_t *out)
{
    cbh_simthread_lock(s_srv);
    size_t n = sim_book_levels(sim_market_book(s_market(), inst), side, max, out);
    cbh_simthread_unlock(s_srv);
    return n;
}

static void
s_expect_fx(const j_t *j, sim_fx_t v, int decimals)
{
    char want[32];
    sim_fx_format(v, decimals, want);
    if (strcmp(j_str(j), want) != 0) {
        fail_msg("want \"%s\", got \"%s\"", want, j->text);
    }
}

static sim_fx_t
s_round(sim_fx_t v, int decimals)
{
    sim_fx_t step = 1;
    for (int d = decimals; d < SIM_DECIMALS; d++) {
        step *= 10;
    }
    return sim_fx_round_to(v, step, 0);
}

/* What the trades with time in [from_s, to_s) add up to. */
static sim_candle_t
s_sum(const s_tape_t *tape, int64_t from_s, int64_t to_s)
{
    sim_candle_t c;
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < tape->n; i++) {
        const sim_trade_t *t = &tape->trades[i];
        int64_t s = t->time_ns / 1000000000;
        if (s < from_s || s >= to_s) {
            continue;
        }
        sim_fx_t q;
        assert_true(sim_fx_mul(t->price, t->qty, &q));
        if (c.trades == 0) {
            c.open = c.high = c.low = t->price;
            c.first_trade_id = t->id;
        }
        c.high = t->price > c.high ? t->price : c.high;
        c.low = t->price < c.low ? t->price : c.low;
        c.close = t->price;
        c.volume += t->qty;
        c.quote_volume += q;
        if (t->taker_side == SIM_BUY) {
            c.taker_buy_volume += t->qty;
            c.taker_buy_quote_volume += q;
        }
        c.trades++;
        c.last_trade_id = t->id;
    }
    return c;
}

static int64_t
s_now_s(void)
{
    return cb_time_now_ns() / 1000000000;
}

/* ---- Kraken -------------------------------------------------------------------- */

static void
s_expect_str_array(const j_t *j, size_t n)
{
    assert_int_equal(j->type, J_ARR);
    assert_int_equal(j->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(j->items[i].type, J_STR);
    }
}

static const j_t *
s_kraken_result(const s_reply_t *r, const char *key)
{
    assert_int_equal(r->status, 200);
    const j_t *err = j_must(&r->json, "error");
    assert_int_equal(err->type, J_ARR);
    if (err->n != 0) {
        fail_msg("Kraken error: %s", r->body.data);
    }
    const j_t *result = j_must(&r->json, "result");
    return key != NULL ? j_must(result, key) : result;
}

static void
test_kraken_ticker(void **state)
{
    (void) state;
    static const char *const keys[] = {"a", "b", "c", "v", "p", "t", "l", "h", "o"};
    static const char *const all[] = {"XXBTZUSD", "XETHZUSD", "SOLUSD"};
    s_reply_t r = s_get("/kraken/0/public/Ticker");
    j_keys(s_kraken_result(&r, NULL), all, 3);
    s_free(&r);

    /* By altname, keyed by the pair id. */
    r = s_get("/kraken/0/public/Ticker?pair=XBTUSD");
    const j_t *t = s_kraken_result(&r, "XXBTZUSD");
    j_keys(t, keys, 9);
    const s_tape_t *tape = s_tape_of(XBTUSD);
    const sim_trade_t *last = &tape->trades[tape->n - 1];
    sim_level_t ask, bid;
    assert_int_equal(s_levels(XBTUSD, SIM_SELL, 1, &ask), 1);
    assert_int_equal(s_levels(XBTUSD, SIM_BUY, 1, &bid), 1);
    s_expect_str_array(j_must(t, "a"), 3);
    s_expect_str_array(j_must(t, "b"), 3);
    s_expect_fx(&j_must(t, "a")->items[0], ask.price, 5);
    s_expect_fx(&j_must(t, "b")->items[0], bid.price, 5);
    /* Whole-lot volume: the level rounded up to whole lots. */
    sim_fx_t lots = sim_fx_round_to(ask.qty, SIM_SCALE, 1);
    assert_int_equal(strtoll(j_str(&j_must(t, "a")->items[1]), NULL, 10), lots / SIM_SCALE);
    s_expect_fx(&j_must(t, "a")->items[2], lots, 3);
    s_expect_str_array(j_must(t, "c"), 2);
    s_expect_fx(&j_must(t, "c")->items[0], last->price, 5);
    s_expect_fx(&j_must(t, "c")->items[1], last->qty, 8);
    for (size_t k = 3; k < 8; k++) {
        if (k != 5) {
            s_expect_str_array(j_must(t, keys[k]), 2);
        }
    }
    const j_t *count = j_must(t, "t");
    assert_int_equal(count->type, J_ARR);
    assert_int_equal(count->n, 2);
    assert_int_equal(j_int(&count->items[1]), tape->n);
    assert_true(j_int(&count->items[0]) <= j_int(&count->items[1]));
    s_expect_fx(&j_must(t, "v")->items[1], tape->volume, 8);
    assert_true(j_fx(&j_must(t, "v")->items[0]) <= tape->volume);
    s_expect_fx(&j_must(t, "p")->items[1], s_round(sim_fx_div(tape->quote, tape->volume), 5), 5);
    sim_candle_t sum = s_sum(tape, 0, INT64_MAX);
    s_expect_fx(&j_must(t, "l")->items[1], sum.low, 5);
    s_expect_fx(&j_must(t, "h")->items[1], sum.high, 5);
    /* Today opened with the first trade (unless the test straddles 00:00 UTC). */
    if (tape->trades[0].time_ns / 1000000000 / 86400 == s_now_s() / 86400) {
        s_expect_fx(j_must(t, "o"), tape->trades[0].price, 5);
    }
    s_free(&r);

    r = s_get("/kraken/0/public/Ticker?pair=XBTUSD%2CETHUSD");
    static const char *const two[] = {"XXBTZUSD", "XETHZUSD"};
    j_keys(s_kraken_result(&r, NULL), two, 2);
    s_free(&r);
    r = s_get("/kraken/0/public/Ticker?pair=XBT/USD");
    assert_non_null(s_kraken_result(&r, "XXBTZUSD"));
    s_free(&r);
    /* POST with a form body, and with a JSON body. */
    r = s_request(s_srv, "/kraken/0/public/Ticker", "pair=ETHUSD",
                  "application/x-www-form-urlencoded");
    j_keys(s_kraken_result(&r, "XETHZUSD"), keys, 9);
    s_free(&r);
    r = s_request(s_srv, "/kraken/0/public/Ticker", "{\"pair\":\"SOLUSD\"}", "application/json");
    j_keys(s_kraken_result(&r, "SOLUSD"), keys, 9);
    s_free(&r);
    r = s_request(s_srv, "/kraken/0/public/Ticker", "{\"pair\":", "application/json");
    assert_string_equal(r.body.data, "{\"error\":[\"EGeneral:Invalid arguments\"]}");
    s_free(&r);
    s_expect_kraken_error("/kraken/0/public/Ticker?pair=NOPEUSD", "EQuery:Unknown asset pair");
    s_expect_kraken_error("/kraken/0/public/Ticker?pair=XBTUSD,NOPE", "EQuery:Unknown asset pair");
}

/* Checks one OHLC row against the trades of its interval. */
static void
s_expect_ohlc_row(const j_t *row, const s_tape_t *tape, int64_t width, int decimals)
{
    assert_int_equal(row->type, J_ARR);
    assert_int_equal(row->n, 8);
    int64_t t = j_int(&row->items[0]);
    assert_int_equal(t % width, 0);
    for (size_t i = 1; i < 7; i++) {
        assert_int_equal(row->items[i].type, J_STR);
    }
    sim_candle_t c = s_sum(tape, t, t + width);
    assert_int_equal(j_int(&row->items[7]), c.trades);
    s_expect_fx(&row->items[6], c.volume, 8);
    if (c.trades > 0) {
        s_expect_fx(&row->items[1], c.open, decimals);
        s_expect_fx(&row->items[2], c.high, decimals);
        s_expect_fx(&row->items[3], c.low, decimals);
        s_expect_fx(&row->items[4], c.close, decimals);
        s_expect_fx(&row->items[5], s_round(sim_fx_div(c.quote_volume, c.volume), decimals),
                    decimals);
    } else {
        s_expect_fx(&row->items[5], 0, decimals); /* "0.0" */
        assert_string_equal(row->items[1].text, row->items[4].text);
    }
}

static void
test_kraken_ohlc(void **state)
{
    (void) state;
    const s_tape_t *tape = s_tape_of(XBTUSD);
    static const int64_t intervals[] = {1, 5, 15, 30, 60, 240, 1440, 10080, 21600};
    for (size_t k = 0; k < sizeof intervals / sizeof intervals[0]; k++) {
        char path[128];
        int64_t width = intervals[k] * 60;
        snprintf(path, sizeof path, "/kraken/0/public/OHLC?pair=XBTUSD&interval=%lld",
                 (long long) intervals[k]);
        int64_t before = s_now_s();
        s_reply_t r = s_get(path);
        int64_t after = s_now_s();
        const j_t *rows = s_kraken_result(&r, "XXBTZUSD");
        assert_int_equal(rows->type, J_ARR);
        assert_true(rows->n >= 1);
        sim_fx_t volume = 0;
        long long count = 0;
        for (size_t i = 0; i < rows->n; i++) {
            s_expect_ohlc_row(&rows->items[i], tape, width, 1);
            volume += j_fx(&rows->items[i].items[6]);
            count += j_int(&rows->items[i].items[7]);
            if (i > 0) {
                assert_int_equal(j_int(&rows->items[i].items[0]),
                                 j_int(&rows->items[i - 1].items[0]) + width);
            }
        }
        /* Every trade is in a candle; the last row is the current candle and
         * "last" (an int) the committed one before it. */
        assert_int_equal(volume, tape->volume);
        assert_int_equal(count, (long long) tape->n);
        int64_t current = j_int(&rows->items[rows->n - 1].items[0]);
        assert_true(current == before - before % width || current == after - after % width);
        assert_int_equal(j_int(j_must(s_kraken_result(&r, NULL), "last")), current - width);
        s_free(&r);
    }
    /* since: committed rows after it; the current candle always. */
    s_reply_t r = s_get("/kraken/0/public/OHLC?pair=XBTUSD");
    const j_t *rows = s_kraken_result(&r, "XXBTZUSD");
    long long current = j_int(&rows->items[rows->n - 1].items[0]);
    long long first = j_int(&rows->items[0].items[0]);
    s_free(&r);
    char path[160];
    snprintf(path, sizeof path, "/kraken/0/public/OHLC?pair=XXBTZUSD&since=%lld", current);
    r = s_get(path);
    rows = s_kraken_result(&r, "XXBTZUSD");
    assert_int_equal(rows->n, 1);
    assert_true(j_int(&rows->items[0].items[0]) >= current); /* a new minute may have begun */
    s_free(&r);
    snprintf(path, sizeof path, "/kraken/0/public/OHLC?pair=XBTUSD&since=%lld", first - 1);
    r = s_get(path);
    assert_int_equal(j_int(&s_kraken_result(&r, "XXBTZUSD")->items[0].items[0]), first);
    s_free(&r);
    /* ETH/USD rows have its two decimals. */
    r = s_get("/kraken/0/public/OHLC?pair=ETHUSD&interval=60");
    rows = s_kraken_result(&r, "XETHZUSD");
    s_expect_ohlc_row(&rows->items[rows->n - 1], s_tape_of(ETHUSD), 3600, 2);
    s_free(&r);

    s_expect_kraken_error("/kraken/0/public/OHLC", "EGeneral:Invalid arguments:pair");
    s_expect_kraken_error("/kraken/0/public/OHLC?interval=5", "EGeneral:Invalid arguments:pair");
    s_expect_kraken_error("/kraken/0/public/OHLC?pair=NOPE", "EQuery:Unknown asset pair");
    s_expect_kraken_error("/kraken/0/public/OHLC?pair=XBTUSD&interval=2",
                          "EGeneral:Invalid arguments");
    s_expect_kraken_error("/kraken/0/public/OHLC?pair=XBTUSD&interval=1m",
                          "EGeneral:Invalid arguments");
    s_expect_kraken_error("/kraken/0/public/OHLC?pair=XBTUSD&since=yesterday",
                          "EGeneral:Invalid arguments:since");
}

static void
s_expect_depth_side(const j_t *rows, const sim_level_t *levels, size_t n)
{
    assert_int_equal(rows->type, J_ARR);
    assert_int_equal(rows->n, n);
    for (size_t i = 0; i < n; i++) {
        const j_t *row = &rows->items[i];
        assert_int_equal(row->type, J_ARR);
        assert_int_equal(row->n, 3);
        s_expect_fx(&row->items[0], levels[i].price, 5);
        s_expect_fx(&row->items[1], levels[i].qty, 3);
        assert_true(j_int(&row->items[2]) > 1700000000);
    }
}

static void
test_kraken_depth(void **state)
{
    (void) state;
    sim_level_t asks[500], bids[500];
    size_t na = s_levels(XBTUSD, SIM_SELL, 500, asks);
    size_t nb = s_levels(XBTUSD, SIM_BUY, 500, bids);
    assert_true(na >= 5 && nb >= 5);
    /* Asks ascending, bids descending (the book's order, best first). */
    assert_true(asks[0].price < asks[1].price && bids[0].price > bids[1].price &&
                bids[0].price < asks[0].price);
    s_reply_t r = s_get("/kraken/0/public/Depth?pair=XBTUSD&count=5");
    const j_t *book = s_kraken_result(&r, "XXBTZUSD");
    static const char *const keys[] = {"asks", "bids"};
    j_keys(book, keys, 2);
    s_expect_depth_side(j_must(book, "asks"), asks, 5);
    s_expect_depth_side(j_must(book, "bids"), bids, 5);
    s_free(&r);
    /* Default 100; above 500 it stays 500. */
    r = s_get("/kraken/0/public/Depth?pair=XXBTZUSD");
    book = s_kraken_result(&r, "XXBTZUSD");
    s_expect_depth_side(j_must(book, "asks"), asks, na < 100 ? na : 100);
    s_expect_depth_side(j_must(book, "bids"), bids, nb < 100 ? nb : 100);
    s_free(&r);
    r = s_get("/kraken/0/public/Depth?pair=XBTUSD&count=1000");
    s_expect_depth_side(j_must(s_kraken_result(&r, "XXBTZUSD"), "asks"), asks, na);
    s_free(&r);
    r = s_request(s_srv, "/kraken/0/public/Depth", "pair=XBTUSD&count=2",
                  "application/x-www-form-urlencoded");
    s_expect_depth_side(j_must(s_kraken_result(&r, "XXBTZUSD"), "bids"), bids, 2);
    s_free(&r);
    s_expect_kraken_error("/kraken/0/public/Depth", "EGeneral:Invalid arguments:pair");
    s_expect_kraken_error("/kraken/0/public/Depth?pair=XBTEUR", "EQuery:Unknown asset pair");
    s_expect_kraken_error("/kraken/0/public/Depth?pair=XBTUSD&count=0",
                          "EGeneral:Invalid arguments:count");
    s_expect_kraken_error("/kraken/0/public/Depth?pair=XBTUSD&count=-3",
                          "EGeneral:Invalid arguments:count");
}

/* Checks Kraken trade rows against the tape from index first on. */
static void
s_expect_trade_rows(const j_t *rows, const s_tape_t *tape, size_t first, size_t n)
{
    assert_int_equal(rows->type, J_ARR);
    assert_int_equal(rows->n, n);
    for (size_t i = 0; i < n; i++) {
        const j_t *row = &rows->items[i];
        const sim_trade_t *t = &tape->trades[first + i];
        assert_int_equal(row->type, J_ARR);
        assert_int_equal(row->n, 7);
        s_expect_fx(&row->items[0], t->price, 5);
        s_expect_fx(&row->items[1], t->qty, 8);
        assert_int_equal(row->items[2].type, J_FLOAT);
        char want[64];
        snprintf(want, sizeof want, "%lld.", (long long) (t->time_ns / 1000000000));
        assert_memory_equal(row->items[2].text, want, strlen(want));
        assert_string_equal(j_str(&row->items[3]), t->taker_side == SIM_BUY ? "b" : "s");
        assert_string_equal(j_str(&row->items[4]), t->taker_market ? "m" : "l");
        assert_string_equal(j_str(&row->items[5]), "");
        assert_int_equal(j_int(&row->items[6]), t->id);
    }
}

/* A page of at most count trades from index first on: whole groups of
 * one taker's fills (same time) unless one group alone fills it. */
static void
s_expect_page(const j_t *rows, const s_tape_t *tape, size_t first, size_t count)
{
    size_t n = rows->n;
    size_t left = tape->n - first;
    assert_true(n >= 1 && n <= count && n <= left);
    s_expect_trade_rows(rows, tape, first, n);
    if (n < count && n < left) {
        /* Cut back to a group boundary: the group after it reached past
         * the page. */
        assert_true(tape->trades[first + n].time_ns != tape->trades[first + n - 1].time_ns);
        assert_true(first + count < tape->n);
        assert_int_equal(tape->trades[first + count].time_ns, tape->trades[first + n].time_ns);
    }
}

static void
test_kraken_trades(void **state)
{
    (void) state;
    const s_tape_t *tape = s_tape_of(XBTUSD);
    size_t n = tape->n < 1000 ? tape->n : 1000;
    s_reply_t r = s_get("/kraken/0/public/Trades?pair=XBTUSD");
    s_expect_trade_rows(s_kraken_result(&r, "XXBTZUSD"), tape, tape->n - n, n);
    /* "last" is a string: the last trade's time in nanoseconds. */
    char last[32];
    snprintf(last, sizeof last, "%lld", (long long) tape->trades[tape->n - 1].time_ns);
    assert_string_equal(j_str(j_must(s_kraken_result(&r, NULL), "last")), last);
    s_free(&r);

    r = s_get("/kraken/0/public/Trades?pair=XBTUSD&count=3");
    s_expect_trade_rows(s_kraken_result(&r, "XXBTZUSD"), tape, tape->n - 3, 3);
    s_free(&r);
    /* since: a nanosecond id; the trades after it, oldest first. */
    size_t mid = tape->n / 2;
    int64_t since = tape->trades[mid].time_ns;
    size_t after = mid;
    while (after < tape->n && tape->trades[after].time_ns <= since) {
        after++;
    }
    char path[160];
    snprintf(path, sizeof path, "/kraken/0/public/Trades?pair=XBTUSD&since=%lld&count=4",
             (long long) since);
    r = s_get(path);
    s_expect_page(s_kraken_result(&r, "XXBTZUSD"), tape, after, 4);
    s_free(&r);
    snprintf(path, sizeof path, "/kraken/0/public/Trades?pair=XBTUSD&since=%s", last);
    r = s_get(path);
    s_expect_trade_rows(s_kraken_result(&r, "XXBTZUSD"), tape, 0, 0);
    assert_string_equal(j_str(j_must(s_kraken_result(&r, NULL), "last")), last);
    s_free(&r);
    /* since in Unix seconds: from the start. */
    r = s_get("/kraken/0/public/Trades?pair=XBTUSD&since=1700000000&count=2");
    s_expect_page(s_kraken_result(&r, "XXBTZUSD"), tape, 0, 2);
    s_free(&r);
    /* Paging with since=<last> and a small count (above the largest group of
     * fills a simulated taker makes) meets every trade once. */
    size_t seen = 0;
    snprintf(last, sizeof last, "1");
    for (int pages = 0; seen < tape->n && pages < 2000; pages++) {
        snprintf(path, sizeof path, "/kraken/0/public/Trades?pair=XBTUSD&since=%s&count=10", last);
        r = s_get(path);
        const j_t *rows = s_kraken_result(&r, "XXBTZUSD");
        assert_true(rows->n > 0);
        s_expect_trade_rows(rows, tape, seen, rows->n);
        seen += rows->n;
        snprintf(last, sizeof last, "%s", j_str(j_must(s_kraken_result(&r, NULL), "last")));
        s_free(&r);
    }
    assert_int_equal(seen, tape->n);
    s_expect_kraken_error("/kraken/0/public/Trades", "EGeneral:Invalid arguments:pair");
    s_expect_kraken_error("/kraken/0/public/Trades?pair=XBTUSD&since=soon",
                          "EGeneral:Invalid arguments:since");
    s_expect_kraken_error("/kraken/0/public/Trades?pair=XBTUSD&count=0",
                          "EGeneral:Invalid arguments:count");
}

static void
test_kraken_spread(void **state)
{
    (void) state;
    s_reply_t r = s_get("/kraken/0/public/Spread?pair=SOLUSD");
    const j_t *rows = s_kraken_result(&r, "SOLUSD");
    assert_int_equal(rows->type, J_ARR);
    assert_true(rows->n > 2);
    for (size_t i = 0; i < rows->n; i++) {
        const j_t *row = &rows->items[i];
        assert_int_equal(row->n, 3);
        assert_int_equal(row->items[0].type, J_INT);
        assert_true(j_fx(&row->items[1]) < j_fx(&row->items[2]));
        if (i > 0) {
            assert_true(j_int(&row->items[0]) >= j_int(&rows->items[i - 1].items[0]));
            assert_false(strcmp(row->items[1].text, rows->items[i - 1].items[1].text) == 0 &&
                         strcmp(row->items[2].text, rows->items[i - 1].items[2].text) == 0);
        }
    }
    /* The newest row is the book's top now; "last" an int. */
    sim_level_t bid, ask;
    s_levels(SOLUSD, SIM_BUY, 1, &bid);
    s_levels(SOLUSD, SIM_SELL, 1, &ask);
    s_expect_fx(&rows->items[rows->n - 1].items[1], bid.price, 5);
    s_expect_fx(&rows->items[rows->n - 1].items[2], ask.price, 5);
    /* "last" is the newest change's time, which may be a change of a best
     * quantity only (no row of its own). */
    long long last = j_int(j_must(s_kraken_result(&r, NULL), "last"));
    assert_true(last >= j_int(&rows->items[rows->n - 1].items[0]) && last <= s_now_s());
    long long first = j_int(&rows->items[0].items[0]);
    s_free(&r);
    char path[128];
    snprintf(path, sizeof path, "/kraken/0/public/Spread?pair=SOLUSD&since=%lld", last);
    r = s_get(path);
    assert_int_equal(s_kraken_result(&r, "SOLUSD")->n, 0);
    assert_int_equal(j_int(j_must(s_kraken_result(&r, NULL), "last")), last);
    s_free(&r);
    snprintf(path, sizeof path, "/kraken/0/public/Spread?pair=SOLUSD&since=%lld", first);
    r = s_get(path);
    rows = s_kraken_result(&r, "SOLUSD");
    for (size_t i = 0; i < rows->n; i++) {
        assert_true(j_int(&rows->items[i].items[0]) > first);
    }
    s_free(&r);
    s_expect_kraken_error("/kraken/0/public/Spread", "EGeneral:Invalid arguments:pair");
    s_expect_kraken_error("/kraken/0/public/Spread?pair=SOLUSD&since=x",
                          "EGeneral:Invalid arguments:since");
}

/* ---- Binance ------------------------------------------------------------------ */

#define MANDATORY(p) "Mandatory parameter '" p "' was not sent, was empty/null, or malformed."
#define SYMBOL_CHARS                                                                               \
    "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'."
#define UINT_CHARS(p)                                                                              \
    "Illegal characters found in parameter '" p "'; legal range is '^[0-9]{1,20}$'."

static void
s_expect_binance_side(const j_t *rows, const sim_level_t *levels, size_t n)
{
    assert_int_equal(rows->type, J_ARR);
    assert_int_equal(rows->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rows->items[i].n, 2);
        s_expect_fx(&rows->items[i].items[0], levels[i].price, 8);
        s_expect_fx(&rows->items[i].items[1], levels[i].qty, 8);
    }
}

static void
test_binance_depth(void **state)
{
    (void) state;
    sim_level_t asks[500], bids[500];
    size_t na = s_levels(BTCUSDT, SIM_SELL, 500, asks);
    size_t nb = s_levels(BTCUSDT, SIM_BUY, 500, bids);
    s_reply_t r = s_get("/binance/api/v3/depth?symbol=BTCUSDT&limit=5");
    assert_int_equal(r.status, 200);
    static const char *const keys[] = {"lastUpdateId", "bids", "asks"};
    j_keys(&r.json, keys, 3);
    cbh_simthread_lock(s_srv);
    uint64_t update_id = sim_market_update_id(s_market(), BTCUSDT);
    cbh_simthread_unlock(s_srv);
    assert_int_equal(j_int(j_must(&r.json, "lastUpdateId")), update_id);
    s_expect_binance_side(j_must(&r.json, "bids"), bids, 5);
    s_expect_binance_side(j_must(&r.json, "asks"), asks, 5);
    assert_int_equal(s_weight(&r), 5);
    s_free(&r);
    r = s_get("/binance/api/v3/depth?symbol=BTCUSDT");
    s_expect_binance_side(j_must(&r.json, "bids"), bids, nb < 100 ? nb : 100);
    s_expect_binance_side(j_must(&r.json, "asks"), asks, na < 100 ? na : 100);
    s_free(&r);
    /* The weight follows the limit; above 5000 the answer is cut to 5000. */
    s_expect_weight("/binance/api/v3/depth?symbol=BTCUSDT", 5);
    s_expect_weight("/binance/api/v3/depth?symbol=BTCUSDT&limit=100", 5);
    s_expect_weight("/binance/api/v3/depth?symbol=BTCUSDT&limit=101", 25);
    s_expect_weight("/binance/api/v3/depth?symbol=BTCUSDT&limit=500", 25);
    s_expect_weight("/binance/api/v3/depth?symbol=BTCUSDT&limit=1000", 50);
    s_expect_weight("/binance/api/v3/depth?symbol=BTCUSDT&limit=5000", 250);
    s_expect_weight("/binance/api/v3/depth?symbol=BTCUSDT&limit=6000", 250);

    s_expect_binance_error("/binance/api/v3/depth", -1102, MANDATORY("symbol"));
    s_expect_binance_error("/binance/api/v3/depth?symbol=", -1102, MANDATORY("symbol"));
    s_expect_binance_error("/binance/api/v3/depth?symbol=btcusdt", -1100, SYMBOL_CHARS);
    s_expect_binance_error("/binance/api/v3/depth?symbol=NOPEUSDT", -1121, "Invalid symbol.");
    s_expect_binance_error("/binance/api/v3/depth?symbol=BTCUSDT&limit=0", -1102,
                           MANDATORY("limit"));
    s_expect_binance_error("/binance/api/v3/depth?symbol=BTCUSDT&limit=-1", -1100,
                           UINT_CHARS("limit"));
    s_expect_binance_error("/binance/api/v3/depth?symbol=BTCUSDT&limit=ten", -1100,
                           UINT_CHARS("limit"));
    s_expect_binance_error("/binance/api/v3/depth?symbol=BTCUSDT&limit=", -1105,
                           "Parameter 'limit' was empty.");
}

static void
s_expect_binance_trades(const j_t *rows, const s_tape_t *tape, size_t first, size_t n)
{
    static const char *const keys[] = {"id",   "price",        "qty",        "quoteQty",
                                       "time", "isBuyerMaker", "isBestMatch"};
    assert_int_equal(rows->type, J_ARR);
    assert_int_equal(rows->n, n);
    for (size_t i = 0; i < n; i++) {
        const j_t *o = &rows->items[i];
        const sim_trade_t *t = &tape->trades[first + i];
        j_keys(o, keys, 7);
        assert_int_equal(j_int(j_must(o, "id")), t->id);
        s_expect_fx(j_must(o, "price"), t->price, 8);
        s_expect_fx(j_must(o, "qty"), t->qty, 8);
        sim_fx_t quote;
        assert_true(sim_fx_mul(t->price, t->qty, &quote));
        s_expect_fx(j_must(o, "quoteQty"), quote, 8);
        assert_int_equal(j_int(j_must(o, "time")), t->time_ns / 1000000);
        assert_int_equal(j_must(o, "isBuyerMaker")->type, J_BOOL);
        assert_string_equal(j_must(o, "isBuyerMaker")->text,
                            t->taker_side == SIM_SELL ? "true" : "false");
        assert_string_equal(j_must(o, "isBestMatch")->text, "true");
    }
}

static void
test_binance_trades(void **state)
{
    (void) state;
    const s_tape_t *tape = s_tape_of(ETHUSDT);
    size_t n = tape->n < 500 ? tape->n : 500;
    s_reply_t r = s_get("/binance/api/v3/trades?symbol=ETHUSDT");
    assert_int_equal(r.status, 200);
    s_expect_binance_trades(&r.json, tape, tape->n - n, n);
    assert_int_equal(s_weight(&r), 25);
    s_free(&r);
    r = s_get("/binance/api/v3/trades?symbol=ETHUSDT&limit=2");
    s_expect_binance_trades(&r.json, tape, tape->n - 2, 2);
    s_free(&r);
    r = s_get("/binance/api/v3/trades?symbol=ETHUSDT&limit=5000");
    s_expect_binance_trades(&r.json, tape, tape->n - (tape->n < 1000 ? tape->n : 1000),
                            tape->n < 1000 ? tape->n : 1000);
    s_free(&r);
    r = s_get("/binance/api/v3/historicalTrades?symbol=ETHUSDT&fromId=5&limit=3");
    s_expect_binance_trades(&r.json, tape, 4, 3);
    assert_int_equal(s_weight(&r), 25);
    s_free(&r);

    /* aggTrades: one per taker order and price; together every trade, once. */
    r = s_get("/binance/api/v3/aggTrades?symbol=ETHUSDT&fromId=1&limit=1000");
    assert_int_equal(r.status, 200);
    assert_int_equal(s_weight(&r), 4);
    static const char *const keys[] = {"a", "p", "q", "f", "l", "T", "m", "M"};
    sim_fx_t volume = 0;
    long long next = 1;
    assert_true(r.json.n > 0 && r.json.n < 1000);
    for (size_t i = 0; i < r.json.n; i++) {
        const j_t *o = &r.json.items[i];
        j_keys(o, keys, 8);
        assert_int_equal(j_int(j_must(o, "f")), next);
        assert_int_equal(j_int(j_must(o, "a")), next);
        next = j_int(j_must(o, "l")) + 1;
        const sim_trade_t *t = &tape->trades[j_int(j_must(o, "f")) - 1];
        s_expect_fx(j_must(o, "p"), t->price, 8);
        assert_int_equal(j_int(j_must(o, "T")), t->time_ns / 1000000);
        assert_int_equal(j_must(o, "m")->type, J_BOOL);
        volume += j_fx(j_must(o, "q"));
    }
    assert_int_equal(next - 1, tape->n);
    assert_int_equal(volume, tape->volume);
    s_free(&r);
    r = s_get("/binance/api/v3/aggTrades?symbol=ETHUSDT&limit=3");
    assert_int_equal(r.json.n, 3);
    assert_int_equal(j_int(j_must(&r.json.items[2], "l")), tape->trades[tape->n - 1].id);
    s_free(&r);

    s_expect_binance_error("/binance/api/v3/trades", -1102, MANDATORY("symbol"));
    s_expect_binance_error("/binance/api/v3/trades?symbol=ETHUSDT&limit=0", -1102,
                           MANDATORY("limit"));
    s_expect_binance_error("/binance/api/v3/historicalTrades?symbol=ETHUSDT&fromId=-1", -1100,
                           UINT_CHARS("fromId"));
    s_expect_binance_error("/binance/api/v3/aggTrades?symbol=ETHUSDT&fromId=1&startTime=1", -1128,
                           "Combination of optional parameters invalid.");
}

/* Checks kline rows: layout, types, contiguity, and each against the
 * trades of its interval (width seconds). */
static void
s_expect_klines(const j_t *rows, const s_tape_t *tape, int64_t width)
{
    assert_int_equal(rows->type, J_ARR);
    for (size_t i = 0; i < rows->n; i++) {
        const j_t *row = &rows->items[i];
        assert_int_equal(row->type, J_ARR);
        assert_int_equal(row->n, 12);
        static const j_type_t types[] = {J_INT, J_STR, J_STR, J_STR, J_STR, J_STR,
                                         J_INT, J_STR, J_INT, J_STR, J_STR, J_STR};
        for (size_t k = 0; k < 12; k++) {
            assert_int_equal(row->items[k].type, types[k]);
        }
        long long open = j_int(&row->items[0]);
        assert_int_equal(open % 1000, 0);
        assert_int_equal(j_int(&row->items[6]), open + width * 1000 - 1);
        assert_string_equal(row->items[11].text, "0");
        if (i > 0) {
            assert_int_equal(open, j_int(&rows->items[i - 1].items[0]) + width * 1000);
        }
        sim_candle_t c = s_sum(tape, open / 1000, open / 1000 + width);
        assert_int_equal(j_int(&row->items[8]), c.trades);
        s_expect_fx(&row->items[5], c.volume, 8);
        s_expect_fx(&row->items[7], c.quote_volume, 8);
        s_expect_fx(&row->items[9], c.taker_buy_volume, 8);
        s_expect_fx(&row->items[10], c.taker_buy_quote_volume, 8);
        if (c.trades > 0) {
            s_expect_fx(&row->items[1], c.open, 8);
            s_expect_fx(&row->items[2], c.high, 8);
            s_expect_fx(&row->items[3], c.low, 8);
            s_expect_fx(&row->items[4], c.close, 8);
        } else {
            assert_string_equal(row->items[1].text, row->items[4].text);
        }
    }
}

static sim_fx_t
s_klines_volume(const j_t *rows)
{
    sim_fx_t v = 0;
    for (size_t i = 0; i < rows->n; i++) {
        v += j_fx(&rows->items[i].items[5]);
    }
    return v;
}

static void
test_binance_klines(void **state)
{
    (void) state;
    const s_tape_t *tape = s_tape_of(BTCUSDT);
    /* 1s: one row per second since the market started, the current last. */
    int64_t before = s_now_s();
    s_reply_t r = s_get("/binance/api/v3/klines?symbol=BTCUSDT&interval=1s&limit=1000");
    int64_t after = s_now_s();
    assert_int_equal(r.status, 200);
    assert_int_equal(s_weight(&r), 2);
    assert_true(r.json.n >= 3);
    s_expect_klines(&r.json, tape, 1);
    assert_int_equal(s_klines_volume(&r.json), tape->volume);
    long long open0 = j_int(&r.json.items[0].items[0]);
    long long current = j_int(&r.json.items[r.json.n - 1].items[0]);
    assert_true(current == before * 1000 || current == after * 1000);
    assert_true(open0 <= tape->trades[0].time_ns / 1000000);
    s_free(&r);
    /* limit: the newest; startTime: the oldest from it (open >= startTime);
     * endTime: open <= endTime. */
    r = s_get("/binance/api/v3/klines?symbol=BTCUSDT&interval=1s&limit=2");
    assert_int_equal(r.json.n, 2);
    assert_true(j_int(&r.json.items[1].items[0]) >= current);
    s_free(&r);
    char path[256];
    snprintf(path, sizeof path,
             "/binance/api/v3/klines?symbol=BTCUSDT&interval=1s&startTime=%lld&limit=2", open0 + 1);
    r = s_get(path);
    assert_int_equal(r.json.n, 2);
    assert_int_equal(j_int(&r.json.items[0].items[0]), open0 + 1000);
    s_expect_klines(&r.json, tape, 1);
    s_free(&r);
    snprintf(path, sizeof path, "/binance/api/v3/klines?symbol=BTCUSDT&interval=1s&endTime=%lld",
             open0 + 999);
    r = s_get(path);
    assert_int_equal(r.json.n, 1);
    assert_int_equal(j_int(&r.json.items[0].items[0]), open0);
    s_free(&r);
    snprintf(path, sizeof path,
             "/binance/api/v3/klines?symbol=BTCUSDT&interval=1s&startTime=%lld&endTime=%lld",
             open0 + 1000, open0 - 1);
    s_expect_body(path, 200, "[]");

    /* Minutes and up: every trade is in them. */
    static const struct {
        const char *name;
        int64_t width;
    } intervals[] = {{"1m", 60},     {"3m", 180},   {"5m", 300},    {"15m", 900},  {"30m", 1800},
                     {"1h", 3600},   {"2h", 7200},  {"4h", 14400},  {"6h", 21600}, {"8h", 28800},
                     {"12h", 43200}, {"1d", 86400}, {"3d", 259200}, {"1w", 604800}};
    for (size_t k = 0; k < sizeof intervals / sizeof intervals[0]; k++) {
        snprintf(path, sizeof path, "/binance/api/v3/klines?symbol=BTCUSDT&interval=%s",
                 intervals[k].name);
        r = s_get(path);
        assert_true(r.json.n >= 1);
        s_expect_klines(&r.json, tape, intervals[k].width);
        assert_int_equal(s_klines_volume(&r.json), tape->volume);
        long long open = j_int(&r.json.items[0].items[0]) / 1000;
        assert_int_equal((open - (intervals[k].width == 604800 ? 345600 : 0)) % intervals[k].width,
                         0);
        s_free(&r);
    }
    /* timeZone moves the day's start; a calendar month in UTC+8. */
    r = s_get("/binance/api/v3/klines?symbol=BTCUSDT&interval=1d&timeZone=-1:30");
    assert_int_equal(((j_int(&r.json.items[0].items[0]) / 1000 - 5400) % 86400 + 86400) % 86400, 0);
    assert_int_equal(s_klines_volume(&r.json), tape->volume);
    s_free(&r);
    r = s_get("/binance/api/v3/klines?symbol=BTCUSDT&interval=1M&timeZone=8");
    assert_true(r.json.n >= 1);
    time_t local = (time_t) (tape->trades[0].time_ns / 1000000000 + 8 * 3600);
    struct tm tm;
    gmtime_r(&local, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    long long month = (long long) timegm(&tm) - 8 * 3600;
    assert_int_equal(j_int(&r.json.items[0].items[0]), month * 1000);
    tm.tm_mon++;
    assert_int_equal(j_int(&r.json.items[0].items[6]),
                     ((long long) timegm(&tm) - 8 * 3600) * 1000 - 1);
    assert_int_equal(s_klines_volume(&r.json), tape->volume);
    s_free(&r);
    /* uiKlines: the same rows. */
    s_reply_t k1 = s_get("/binance/api/v3/klines?symbol=BTCUSDT&interval=1h");
    s_reply_t k2 = s_get("/binance/api/v3/uiKlines?symbol=BTCUSDT&interval=1h");
    assert_string_equal(k1.body.data, k2.body.data);
    assert_int_equal(s_weight(&k2), 2);
    s_free(&k1);
    s_free(&k2);

    s_expect_binance_error("/binance/api/v3/klines?symbol=BTCUSDT", -1102, MANDATORY("interval"));
    s_expect_binance_error("/binance/api/v3/klines?interval=1m", -1102, MANDATORY("symbol"));
    s_expect_binance_error("/binance/api/v3/klines?symbol=BTCUSDT&interval=2m", -1120,
                           "Invalid interval.");
    s_expect_binance_error("/binance/api/v3/klines?symbol=BTCUSDT&interval=1H", -1120,
                           "Invalid interval.");
    s_expect_binance_error("/binance/api/v3/uiKlines?symbol=BTCUSDT&interval=1m&limit=0", -1102,
                           MANDATORY("limit"));
    s_expect_binance_error("/binance/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=today",
                           -1100, UINT_CHARS("startTime"));
    s_expect_binance_error("/binance/api/v3/klines?symbol=BTCUSDT&interval=1m&timeZone=15", -1130,
                           "Data sent for parameter 'timeZone' is not valid.");
}

static void
test_binance_tickers(void **state)
{
    (void) state;
    const s_tape_t *tape = s_tape_of(BTCUSDT);
    const sim_trade_t *last = &tape->trades[tape->n - 1];
    sim_level_t bid, ask;
    s_levels(BTCUSDT, SIM_BUY, 1, &bid);
    s_levels(BTCUSDT, SIM_SELL, 1, &ask);

    /* ticker/price: an object for symbol (weight 2), arrays otherwise (4). */
    s_reply_t r = s_get("/binance/api/v3/ticker/price?symbol=BTCUSDT");
    static const char *const price_keys[] = {"symbol", "price"};
    j_keys(&r.json, price_keys, 2);
    s_expect_fx(j_must(&r.json, "price"), last->price, 8);
    assert_int_equal(s_weight(&r), 2);
    s_free(&r);
    r = s_get("/binance/api/v3/ticker/price");
    assert_int_equal(r.json.type, J_ARR);
    assert_int_equal(r.json.n, 3);
    assert_int_equal(s_weight(&r), 4);
    s_free(&r);
    r = s_get("/binance/api/v3/ticker/price?symbols=%5B%22SOLUSDT%22,%22BTCUSDT%22%5D");
    assert_int_equal(r.json.n, 2);
    assert_string_equal(j_str(j_must(&r.json.items[0], "symbol")), "SOLUSDT");
    assert_int_equal(s_weight(&r), 4);
    s_free(&r);
    r = s_get("/binance/api/v3/ticker/bookTicker?symbol=BTCUSDT");
    static const char *const book_keys[] = {"symbol", "bidPrice", "bidQty", "askPrice", "askQty"};
    j_keys(&r.json, book_keys, 5);
    s_expect_fx(j_must(&r.json, "bidPrice"), bid.price, 8);
    s_expect_fx(j_must(&r.json, "bidQty"), bid.qty, 8);
    s_expect_fx(j_must(&r.json, "askPrice"), ask.price, 8);
    s_expect_fx(j_must(&r.json, "askQty"), ask.qty, 8);
    assert_int_equal(s_weight(&r), 2);
    s_free(&r);
    s_expect_weight("/binance/api/v3/ticker/bookTicker", 4);

    /* ticker/24hr FULL: every documented key in order; numbers as strings,
     * times, ids and count as integers; all consistent with the trades. */
    static const char *const full[] = {
        "symbol",      "priceChange", "priceChangePercent", "weightedAvgPrice", "prevClosePrice",
        "lastPrice",   "lastQty",     "bidPrice",           "bidQty",           "askPrice",
        "askQty",      "openPrice",   "highPrice",          "lowPrice",         "volume",
        "quoteVolume", "openTime",    "closeTime",          "firstId",          "lastId",
        "count"};
    r = s_get("/binance/api/v3/ticker/24hr?symbol=BTCUSDT");
    const j_t *t = &r.json;
    j_keys(t, full, 21);
    for (size_t k = 0; k < 16; k++) {
        assert_int_equal(t->items[k].type, J_STR);
    }
    sim_candle_t sum = s_sum(tape, 0, INT64_MAX);
    s_expect_fx(j_must(t, "volume"), tape->volume, 8);
    s_expect_fx(j_must(t, "quoteVolume"), tape->quote, 8);
    s_expect_fx(j_must(t, "weightedAvgPrice"), sim_fx_div(tape->quote, tape->volume), 8);
    s_expect_fx(j_must(t, "lastPrice"), last->price, 8);
    s_expect_fx(j_must(t, "lastQty"), last->qty, 8);
    s_expect_fx(j_must(t, "openPrice"), sum.open, 8);
    s_expect_fx(j_must(t, "highPrice"), sum.high, 8);
    s_expect_fx(j_must(t, "lowPrice"), sum.low, 8);
    s_expect_fx(j_must(t, "priceChange"), last->price - sum.open, 8);
    sim_fx_t pct = (sim_fx_t) ((__int128) (last->price - sum.open) * 100 * SIM_SCALE / sum.open);
    s_expect_fx(j_must(t, "priceChangePercent"), sim_fx_round_to(pct, 100000, 0), 3);
    s_expect_fx(j_must(t, "prevClosePrice"), sim_instruments(&(size_t){0})[BTCUSDT].start_price, 8);
    s_expect_fx(j_must(t, "bidPrice"), bid.price, 8);
    s_expect_fx(j_must(t, "askQty"), ask.qty, 8);
    assert_int_equal(j_int(j_must(t, "closeTime")) - j_int(j_must(t, "openTime")), 86400000);
    assert_int_equal(j_int(j_must(t, "firstId")), 1);
    assert_int_equal(j_int(j_must(t, "lastId")), last->id);
    assert_int_equal(j_int(j_must(t, "count")), tape->n);
    assert_int_equal(s_weight(&r), 2);
    s_free(&r);
    static const char *const mini[] = {"symbol",    "openPrice", "highPrice",   "lowPrice",
                                       "lastPrice", "volume",    "quoteVolume", "openTime",
                                       "closeTime", "firstId",   "lastId",      "count"};
    r = s_get("/binance/api/v3/ticker/24hr?symbols=%5B%22BTCUSDT%22%5D&type=MINI");
    assert_int_equal(r.json.type, J_ARR);
    assert_int_equal(r.json.n, 1);
    j_keys(&r.json.items[0], mini, 12);
    s_expect_fx(j_must(&r.json.items[0], "volume"), tape->volume, 8);
    assert_int_equal(s_weight(&r), 2);
    s_free(&r);
    /* 21-100 names weigh 40, more 80 (the names may repeat). */
    static const int counts[] = {20, 21, 100, 101};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        int names = counts[c];
        cb_buf_t url;
        cb_buf_init(&url);
        cb_buf_append_str(&url, "/binance/api/v3/ticker/24hr?type=MINI&symbols=%5B");
        for (int i = 0; i < names; i++) {
            cb_buf_append_str(&url, i == 0 ? "%22ETHUSDT%22" : ",%22ETHUSDT%22");
        }
        cb_buf_append_str(&url, "%5D");
        cb_buf_append(&url, "", 1);
        s_reply_t many = s_get(url.data);
        assert_int_equal(many.status, 200);
        assert_int_equal(many.json.n, names);
        assert_int_equal(s_weight(&many), names <= 20 ? 2 : names <= 100 ? 40 : 80);
        s_free(&many);
        cb_buf_fini(&url);
    }
    r = s_get("/binance/api/v3/ticker/24hr?type=FULL");
    assert_int_equal(r.json.n, 3);
    j_keys(&r.json.items[2], full, 21);
    assert_int_equal(s_weight(&r), 80);
    s_free(&r);

    /* avgPrice: the VWAP of the last five minutes (the market is younger). */
    r = s_get("/binance/api/v3/avgPrice?symbol=BTCUSDT");
    static const char *const avg_keys[] = {"mins", "price", "closeTime"};
    j_keys(&r.json, avg_keys, 3);
    assert_int_equal(j_int(j_must(&r.json, "mins")), 5);
    s_expect_fx(j_must(&r.json, "price"), sim_fx_div(tape->quote, tape->volume), 8);
    assert_int_equal(j_int(j_must(&r.json, "closeTime")), last->time_ns / 1000000);
    assert_int_equal(s_weight(&r), 2);
    s_free(&r);

    s_expect_binance_error(
        "/binance/api/v3/ticker/price?symbol=BTCUSDT&symbols=%5B%22BTCUSDT%22%5D", -1128,
        "Combination of optional parameters invalid.");
    s_expect_binance_error("/binance/api/v3/ticker/24hr?symbol=", -1105,
                           "Parameter 'symbol' was empty.");
    s_expect_binance_error("/binance/api/v3/ticker/24hr?symbol=NOPE", -1121, "Invalid symbol.");
    s_expect_binance_error("/binance/api/v3/ticker/24hr?symbol=BTC%2FUSDT", -1100, SYMBOL_CHARS);
    s_expect_binance_error("/binance/api/v3/ticker/bookTicker?symbols=%5B%22NOPE%22%5D", -1121,
                           "Invalid symbol.");
    s_expect_binance_error("/binance/api/v3/ticker/24hr?type=SMALL", -1130,
                           "Data sent for parameter 'type' is not valid.");
    s_expect_binance_error("/binance/api/v3/avgPrice", -1102, MANDATORY("symbol"));
    /* The -1100 message for symbols carries the documented pattern. */
    s_reply_t e = s_get("/binance/api/v3/ticker/price?symbols=BTCUSDT");
    assert_int_equal(e.status, 400);
    assert_int_equal(j_int(j_must(&e.json, "code")), -1100);
    assert_string_equal(j_str(j_must(&e.json, "msg")),
                        "Illegal characters found in parameter 'symbols'; legal range is "
                        "'^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.");
    s_free(&e);
}

/* Without a market: Kraken's EService:Unavailable, Binance's -1001. */
static void
test_no_market(void **state)
{
    (void) state;
    s_reply_t r = s_request(s_bare, "/kraken/0/public/Ticker?pair=XBTUSD", NULL, NULL);
    assert_string_equal(r.body.data, "{\"error\":[\"EService:Unavailable\"]}");
    s_free(&r);
    r = s_request(s_bare, "/binance/api/v3/depth?symbol=BTCUSDT", NULL, NULL);
    assert_int_equal(r.status, 503);
    assert_int_equal(j_int(j_must(&r.json, "code")), -1001);
    s_free(&r);
    r = s_request(s_bare, "/binance/api/v3/ticker/24hr", NULL, NULL);
    assert_int_equal(r.status, 503);
    s_free(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kraken_ticker),   cmocka_unit_test(test_kraken_ohlc),
        cmocka_unit_test(test_kraken_depth),    cmocka_unit_test(test_kraken_trades),
        cmocka_unit_test(test_kraken_spread),   cmocka_unit_test(test_binance_depth),
        cmocka_unit_test(test_binance_trades),  cmocka_unit_test(test_binance_klines),
        cmocka_unit_test(test_binance_tickers), cmocka_unit_test(test_no_market),
    };
    return cmocka_run_group_tests_name("venue_sim_public", tests, s_setup, s_teardown);
}
