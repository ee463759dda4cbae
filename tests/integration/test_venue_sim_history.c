/* test_venue_sim_history.c - the real venue-sim's synthetic past: klines and OHLC that reach back, end at the start, repeat by seed */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cb_buf.h"
#include "cb_time.h"
#include "cbh_sim.h"
#include "cbh_ws.h"
#include "sim_fixed.h"
#include "sim_instruments.h"

#define S_HOUR 3600
#define S_DAY 86400
#define S_WEEK 604800
/* 1970-01-05 was a Monday (Binance weeks); Kraken's weeks open on the
 * epoch's Thursday. */
#define S_MONDAY 345600
#define S_FIELDS 12
#define S_ROWS 800
/* A sim is started only with more than this many seconds of the minute left. */
#define S_START_MARGIN_S 5

/* One candle row as the venue printed it: Binance
 * [open_ms,o,h,l,c,v,close_ms,q,n,tbv,tbq,"0"], Kraken [t,o,h,l,c,vwap,v,n]. */
typedef struct {
    int64_t open_s;
    sim_fx_t open, high, low, close, volume;
    int64_t trades;
    char text[200];
} s_row_t;

typedef struct {
    s_row_t rows[S_ROWS];
    size_t n;
} s_rows_t;

static size_t
s_write(char *data, size_t size, size_t n, void *ctx)
{
    cb_buf_append(ctx, data, size * n);
    return size * n;
}

/* The body of a 200 answer to GET path, or POST body when body is not
 * NULL. Caller frees. */
static char *
s_request(const cbh_sim_t *sim, const char *path, const char *body)
{
    cb_buf_t buf;
    cb_buf_init(&buf);
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", sim->port, path);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &buf);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    cb_buf_append(&buf, "", 0);
    if (status != 200) {
        fail_msg("%s: %ld %s", path, status, buf.data);
    }
    char *text = strdup(buf.data);
    cb_buf_fini(&buf);
    return text;
}

static char *
s_get(const cbh_sim_t *sim, const char *path)
{
    return s_request(sim, path, NULL);
}

/* Stops the price process, so that answers can be compared. */
static void
s_pause(const cbh_sim_t *sim)
{
    free(s_request(sim, "/admin/market", "{\"paused\":true}"));
}

static sim_fx_t
s_fx(const char *field)
{
    sim_fx_t v;
    if (!sim_fx_parse(field, strlen(field), &v)) {
        fail_msg("not a decimal: %s", field);
    }
    return v;
}

/* The rows of the first array of arrays in body ("[[" onwards). */
static void
s_parse(const char *body, bool kraken, s_rows_t *out)
{
    const char *p = strstr(body, "[[");
    out->n = 0;
    if (p == NULL) {
        return;
    }
    p++;
    while (*p == '[' && out->n < S_ROWS) {
        const char *end = strchr(p, ']');
        assert_non_null(end);
        s_row_t *r = &out->rows[out->n++];
        size_t len = (size_t) (end - p - 1);
        assert_true(len < sizeof r->text);
        memcpy(r->text, p + 1, len);
        r->text[len] = '\0';
        char copy[200], *f[S_FIELDS];
        size_t nf = 0;
        memcpy(copy, r->text, len + 1);
        for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok != NULL && nf < S_FIELDS;
             tok = strtok_r(NULL, ",", &save)) {
            if (*tok == '"') {
                tok++;
                tok[strlen(tok) - 1] = '\0';
            }
            f[nf++] = tok;
        }
        assert_int_equal(nf, kraken ? 8 : 12);
        r->open_s = strtoll(f[0], NULL, 10) / (kraken ? 1 : 1000);
        r->open = s_fx(f[1]);
        r->high = s_fx(f[2]);
        r->low = s_fx(f[3]);
        r->close = s_fx(f[4]);
        r->volume = s_fx(f[kraken ? 6 : 5]);
        r->trades = strtoll(f[kraken ? 7 : 8], NULL, 10);
        p = end + 1;
        p += *p == ',';
    }
}

static void
s_fetch(const cbh_sim_t *sim, const char *path, bool kraken, s_rows_t *out)
{
    char *body = s_get(sim, path);
    s_parse(body, kraken, out);
    free(body);
}

static int64_t
s_align(int64_t t, int64_t width, int64_t week_start)
{
    return width == S_WEEK ? (t - week_start) / S_WEEK * S_WEEK + week_start : t / width * width;
}

/* The last min(max, n) rows: consecutive candles of width, aligned, the
 * newest the current one, all traded (the past trades every minute), each
 * open the previous close while in the past, every price on the tick. */
/* When the test's sim started (Unix seconds, rounded down). */
static int64_t s_started_s;

static void
s_expect_consecutive(const s_rows_t *rows, size_t want, int64_t width, int64_t week_start,
                     const sim_instrument_t *in, int64_t now_s)
{
    assert_int_equal(rows->n, want);
    int64_t current = s_align(now_s, width, week_start);
    const s_row_t *last = &rows->rows[rows->n - 1];
    /* A boundary may pass between the request and now_s. */
    assert_true(last->open_s == current || last->open_s == current - width);
    for (size_t i = 0; i < rows->n; i++) {
        const s_row_t *r = &rows->rows[i];
        assert_int_equal(s_align(r->open_s, width, week_start), r->open_s);
        if (i > 0) {
            assert_int_equal(r->open_s, rows->rows[i - 1].open_s + width);
        }
        assert_true(r->low <= r->open && r->low <= r->close);
        assert_true(r->high >= r->open && r->high >= r->close);
        /* The past may not reach into a current candle that opened less
         * than a minute before the sim started, and the live market may not
         * have traded in it yet; every other candle has traded. */
        bool just_opened = i + 1 == rows->n && r->open_s + 60 > s_started_s;
        assert_true(r->low > 0);
        assert_true(just_opened || (r->volume > 0 && r->trades > 0));
        assert_int_equal(r->open % in->tick, 0);
        assert_int_equal(r->high % in->tick, 0);
        assert_int_equal(r->low % in->tick, 0);
        assert_int_equal(r->close % in->tick, 0);
        assert_int_equal(r->volume % in->step, 0);
        if (i > 0 && i + 1 < rows->n) {
            assert_int_equal(r->open, rows->rows[i - 1].close);
        }
    }
}

static const sim_instrument_t *
s_instrument(sim_venue_t venue, const char *name)
{
    const sim_instrument_t *in = sim_instrument_find(venue, name, strlen(name));
    assert_non_null(in);
    return in;
}

/* How many candles of width from the oldest kept minute (the past's first)
 * to now, at most 10. */
static size_t
s_covered(int64_t oldest_s, int64_t now_s, int64_t width, int64_t week_start)
{
    int64_t n =
        (s_align(now_s, width, week_start) - s_align(oldest_s, width, week_start)) / width + 1;
    return n < 10 ? (size_t) n : 10;
}

static void
test_past_reaches_back(void **state)
{
    (void) state;
    cbh_sim_t sim;
    s_started_s = cb_time_now_ns() / 1000000000;
    assert_int_equal(cbh_sim_start(&sim, NULL), 0);
    const sim_instrument_t *eth = s_instrument(SIM_VENUE_BINANCE, "ETHUSDT");
    const sim_instrument_t *keth = s_instrument(SIM_VENUE_KRAKEN, "ETHUSD");
    s_rows_t *rows = malloc(sizeof *rows);
    assert_non_null(rows);
    /* The oldest 1m kline: the past's first minute, a week back. */
    s_fetch(&sim, "/binance/api/v3/klines?symbol=ETHUSDT&interval=1m&startTime=0&limit=1", false,
            rows);
    assert_int_equal(rows->n, 1);
    int64_t oldest = rows->rows[0].open_s;
    int64_t now_s = cb_time_now_ns() / 1000000000;
    assert_true(oldest >= now_s - 7 * S_DAY - 120 && oldest <= now_s - 7 * S_DAY + 120);

    static const struct {
        const char *interval;
        int64_t width;
    } binance[] = {{"1h", S_HOUR}, {"1d", S_DAY}, {"1w", S_WEEK}};
    for (size_t k = 0; k < 3; k++) {
        char path[160];
        snprintf(path, sizeof path, "/binance/api/v3/klines?symbol=ETHUSDT&interval=%s&limit=10",
                 binance[k].interval);
        s_fetch(&sim, path, false, rows);
        now_s = cb_time_now_ns() / 1000000000;
        s_expect_consecutive(rows, s_covered(oldest, now_s, binance[k].width, S_MONDAY),
                             binance[k].width, S_MONDAY, eth, now_s);
    }
    /* Kraken: up to 720 committed rows and the current one; the newest 10
     * are consecutive too, weeks on Thursdays. */
    static const int64_t kraken[] = {60, 1440, 10080};
    for (size_t k = 0; k < 3; k++) {
        char path[160];
        snprintf(path, sizeof path, "/kraken/0/public/OHLC?pair=ETHUSD&interval=%lld",
                 (long long) kraken[k]);
        s_fetch(&sim, path, true, rows);
        now_s = cb_time_now_ns() / 1000000000;
        int64_t width = kraken[k] * 60;
        size_t want = s_covered(oldest, now_s, width, 0);
        if (rows->n > 10) {
            memmove(rows->rows, rows->rows + rows->n - 10, 10 * sizeof rows->rows[0]);
            rows->n = 10;
        }
        s_expect_consecutive(rows, want, width, 0, keth, now_s);
    }
    /* The 24-hour statistics include the past: a whole day's trades, and
     * trade ids that run on from the past's without a gap. */
    char *body = s_get(&sim, "/binance/api/v3/ticker/24hr?symbol=ETHUSDT");
    const char *first = strstr(body, "\"firstId\":");
    const char *last = strstr(body, "\"lastId\":");
    const char *count = strstr(body, "\"count\":");
    assert_non_null(first);
    assert_non_null(last);
    assert_non_null(count);
    long long f = strtoll(first + 10, NULL, 10), l = strtoll(last + 9, NULL, 10),
              c = strtoll(count + 8, NULL, 10);
    assert_true(f > 1);
    assert_int_equal(l - f + 1, c);
    assert_true(c > 24 * 60 * 40);
    free(body);
    free(rows);
    cbh_sim_stop(&sim);
}

/* Starts a venue-sim with extra env and returns the 1m klines around its
 * start: the 30 minutes before the start minute and what follows. Starts
 * in the next minute when S_START_MARGIN_S or fewer seconds are left in this
 * one, and retries when the start straddles a minute. */
static void
s_start_around(cbh_sim_t *sim, char *const env[], int64_t *start_min, s_rows_t *rows)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        /* The start minute must have live time left for live trades: a sim
         * started at :59.9 (seen under SAN in CI) had made none in it. */
        int64_t left_s = 60 - (cb_time_now_ns() / 1000000000) % 60;
        if (left_s <= S_START_MARGIN_S) {
            cb_time_sleep_ms(left_s * 1000 + 100, NULL);
        }
        int64_t t0 = cb_time_now_ns() / 1000000000;
        assert_int_equal(cbh_sim_start(sim, env), 0);
        int64_t t1 = cb_time_now_ns() / 1000000000;
        if (t0 / 60 == t1 / 60) {
            *start_min = t0 - t0 % 60;
            char path[160];
            snprintf(path, sizeof path,
                     "/binance/api/v3/klines?symbol=ETHUSDT&interval=1m&startTime=%lld&limit=40",
                     (long long) (*start_min - 30 * 60) * 1000);
            s_fetch(sim, path, false, rows);
            return;
        }
        cbh_sim_stop(sim);
    }
    fail_msg("could not start within one minute");
}

static void
test_past_ends_at_start_and_repeats(void **state)
{
    (void) state;
    const sim_instrument_t *eth = s_instrument(SIM_VENUE_BINANCE, "ETHUSDT");
    s_rows_t *a = malloc(sizeof *a), *b = malloc(sizeof *b), *c = malloc(sizeof *c);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    char seed5[] = "COINBUS_SIM_SEED=5", seed6[] = "COINBUS_SIM_SEED=6";
    char *env5[] = {seed5, NULL}, *env6[] = {seed6, NULL};
    cbh_sim_t sim;
    int64_t start_a, start_b, start_c;
    s_start_around(&sim, env5, &start_a, a);
    /* Wait for live trades in the start minute. */
    cb_time_sleep_ms(1500, NULL);
    char path[160];
    snprintf(path, sizeof path,
             "/binance/api/v3/klines?symbol=ETHUSDT&interval=1m&startTime=%lld&limit=40",
             (long long) (start_a - 30 * 60) * 1000);
    s_fetch(&sim, path, false, a);
    cbh_sim_stop(&sim);
    assert_true(a->n >= 31);
    /* The newest past minute closes exactly at the start price (the
     * starting mid, on the tick); the first live minute opens within the
     * maker ladder of it (25 levels of half a basis point). */
    const s_row_t *past = &a->rows[29], *live = &a->rows[30];
    assert_int_equal(past->open_s, start_a - 60);
    assert_int_equal(live->open_s, start_a);
    assert_int_equal(past->close, sim_fx_round_to(eth->start_price, eth->tick, 0));
    sim_fx_t spacing = sim_fx_round_to(eth->start_price / 20000, eth->tick, 1);
    sim_fx_t gap = live->open > past->close ? live->open - past->close : past->close - live->open;
    assert_true(live->trades > 0);
    assert_true(gap <= 26 * spacing);

    /* Same seed, same past (whatever minute it starts in); another seed,
     * another past. */
    s_start_around(&sim, env5, &start_b, b);
    cbh_sim_stop(&sim);
    s_start_around(&sim, env6, &start_c, c);
    cbh_sim_stop(&sim);
    assert_true(b->n >= 30 && c->n >= 30);
    bool differs = false;
    for (size_t i = 0; i < 30; i++) {
        assert_int_equal(a->rows[i].open_s - start_a, b->rows[i].open_s - start_b);
        const char *ta = strchr(a->rows[i].text, ','), *tb = strchr(b->rows[i].text, ',');
        const char *tc = strchr(c->rows[i].text, ',');
        /* Open, high, low, close and volume. */
        size_t la = (size_t) (strchr(ta + 1, ',') - ta);
        for (int k = 0; k < 4; k++) {
            la += (size_t) (strchr(ta + la + 1, ',') - (ta + la));
        }
        assert_memory_equal(ta, tb, la);
        differs = differs || strncmp(ta, tc, la) != 0;
    }
    assert_true(differs);
    free(a);
    free(b);
    free(c);
}

static void
test_no_past(void **state)
{
    (void) state;
    char days[] = "COINBUS_SIM_HISTORY_DAYS=0";
    char *env[] = {days, NULL};
    cbh_sim_t sim;
    assert_int_equal(cbh_sim_start(&sim, env), 0);
    s_rows_t *rows = malloc(sizeof *rows);
    assert_non_null(rows);
    for (int attempt = 0; attempt < 3; attempt++) {
        int64_t t0 = cb_time_now_ns() / 1000000000;
        s_fetch(&sim, "/binance/api/v3/klines?symbol=ETHUSDT&interval=1h&limit=10", false, rows);
        int64_t t1 = cb_time_now_ns() / 1000000000;
        if (t0 / S_HOUR == t1 / S_HOUR) {
            break;
        }
    }
    assert_int_equal(rows->n, 1);
    s_fetch(&sim, "/kraken/0/public/OHLC?pair=ETHUSD&interval=60", true, rows);
    assert_true(rows->n == 1 || rows->n == 2);
    char *body = s_get(&sim, "/binance/api/v3/ticker/24hr?symbol=ETHUSDT");
    const char *first = strstr(body, "\"firstId\":");
    assert_non_null(first);
    long long f = strtoll(first + 10, NULL, 10);
    assert_true(f == 1 || f == -1);
    free(body);
    free(rows);
    cbh_sim_stop(&sim);
}

/* The number after key in text (a JSON number or a quoted decimal). */
static sim_fx_t
s_json_fx(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    assert_non_null(p);
    p += strlen(key);
    p += *p == '"';
    size_t len = strspn(p, "0123456789.");
    sim_fx_t v;
    assert_true(sim_fx_parse(p, len, &v));
    return v;
}

/* The integer after key in text. */
static long long
s_json_int(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    assert_non_null(p);
    return strtoll(p + strlen(key), NULL, 10);
}

/* A WebSocket candle (keys: open, high, low, close, volume, trades) is the
 * REST row r. */
static void
s_expect_candle(const char *text, const char *const keys[6], const s_row_t *r)
{
    assert_int_equal(s_json_fx(text, keys[0]), r->open);
    assert_int_equal(s_json_fx(text, keys[1]), r->high);
    assert_int_equal(s_json_fx(text, keys[2]), r->low);
    assert_int_equal(s_json_fx(text, keys[3]), r->close);
    assert_int_equal(s_json_fx(text, keys[4]), r->volume);
    assert_int_equal(s_json_int(text, keys[5]), r->trades);
}

/* The WebSocket candles are the REST candles: Kraken's ohlc snapshot holds
 * the same rows as OHLC, past included; Binance's current kline is the
 * current REST kline, its open and counts from the past. */
static void
test_past_over_websockets(void **state)
{
    (void) state;
    static const char *const kraken_keys[6] = {"\"open\":",   "\"high\":",   "\"low\":",
                                               "\"close\":",  "\"volume\":", "\"trades\":"};
    static const char *const binance_keys[6] = {"\"o\":", "\"h\":", "\"l\":",
                                                "\"c\":", "\"v\":", "\"n\":"};
    cbh_sim_t sim;
    s_started_s = cb_time_now_ns() / 1000000000;
    assert_int_equal(cbh_sim_start(&sim, NULL), 0);
    cb_time_sleep_ms(300, NULL);
    s_pause(&sim);
    s_rows_t *rows = malloc(sizeof *rows);
    assert_non_null(rows);
    int status;
    cbh_ws_t *ws = cbh_ws_connect(sim.port, "/kraken/ws/v2", &status);
    assert_non_null(ws);
    cbh_ws_send(ws, "{\"method\":\"subscribe\",\"params\":{\"channel\":\"ohlc\","
                    "\"symbol\":[\"ETH/USD\"],\"interval\":60}}");
    char *m = cbh_ws_wait_for(ws, "\"channel\":\"ohlc\",\"type\":\"snapshot\"", 3000);
    assert_non_null(m);
    s_fetch(&sim, "/kraken/0/public/OHLC?pair=ETHUSD&interval=60", true, rows);
    assert_true(rows->n > 150);
    size_t n = 0;
    for (const char *p = strstr(m, "{\"symbol\""); p != NULL; p = strstr(p + 1, "{\"symbol\"")) {
        assert_true(n < rows->n);
        const s_row_t *r = &rows->rows[n++];
        const char *begin = strstr(p, "\"interval_begin\":\"") + strlen("\"interval_begin\":\"");
        int64_t begin_ns = 0;
        size_t len = (size_t) (strchr(begin, '"') - begin);
        assert_int_equal(cb_time_parse_rfc3339(begin, len, &begin_ns), 0);
        assert_int_equal(begin_ns / 1000000000, r->open_s);
        s_expect_candle(p, kraken_keys, r);
    }
    assert_int_equal(n, rows->n);
    free(m);
    cbh_ws_close(&ws);

    ws = cbh_ws_connect(sim.port, "/binance/ws/ethusdt@kline_1h", &status);
    assert_non_null(ws);
    m = cbh_ws_wait_for(ws, "\"e\":\"kline\"", 5000);
    assert_non_null(m);
    s_fetch(&sim, "/binance/api/v3/klines?symbol=ETHUSDT&interval=1h&limit=1", false, rows);
    assert_int_equal(rows->n, 1);
    const s_row_t *r = &rows->rows[0];
    assert_int_equal(s_json_int(m, "\"t\":"), r->open_s * 1000);
    s_expect_candle(m, binance_keys, r);
    /* Its first trade is one of the past's, unless the hour began a moment
     * ago and the candle holds only live trades (or none yet). */
    if (r->open_s + 60 <= s_started_s) {
        assert_true(s_json_int(m, "\"f\":") > 1);
    }
    free(m);
    cbh_ws_close(&ws);
    free(rows);
    cbh_sim_stop(&sim);
}

int
main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_past_reaches_back),
        cmocka_unit_test(test_past_ends_at_start_and_repeats),
        cmocka_unit_test(test_past_over_websockets),
        cmocka_unit_test(test_no_past),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
