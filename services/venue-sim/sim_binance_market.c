/* sim_binance_market.c - Binance public market data: depth, trades, aggTrades, klines */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_time.h"
#include "sim_binance_market.h"
#include "sim_binance_ticker.h"
#include "sim_market.h"
#include "sim_params.h"
#include "sim_reply.h"

#define S_NS 1000000000LL
#define S_MS 1000000LL
#define S_DAY 86400
#define S_WEEK 604800
/* Binance's weeks open on Monday 00:00; 1970-01-05 was a Monday. */
#define S_MONDAY 345600
#define S_LIMIT_MAX 1000
#define S_DEPTH_MAX 5000

/* Binance's messages, with the JSON escapes they need inside "msg". */
#define S_SYMBOL_RANGE "^[A-Z0-9-_.]{1,20}$"
#define S_SYMBOLS_RANGE                                                                            \
    "^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$"
#define S_UINT_RANGE "^[0-9]{1,20}$"

static void s_err(cb_httpd_res_t *res, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
s_err(cb_httpd_res_t *res, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sim_reply_binance_error(res, 400, code, msg);
}

static void
s_mandatory(cb_httpd_res_t *res, const char *key)
{
    s_err(res, -1102, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", key);
}

/* Prices and quantities: strings with eight decimals ("65000.10000000"). */
static void
s_num(cb_buf_t *b, sim_fx_t v)
{
    char text[32];
    cb_buf_appendf(b, "\"%s\"", sim_fx_format(v, 8, text));
}

static size_t
s_index(const sim_instrument_t *in)
{
    size_t count;
    return (size_t) (in - sim_instruments(&count));
}

static bool
s_symbol_chars(const char *s, size_t n)
{
    if (n < 1 || n > 20) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.')) {
            return false;
        }
    }
    return true;
}

const sim_instrument_t *
sim_binance_market_symbol(const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    char name[64];
    bool present;
    bool ok = sim_param(req->query, req->query_len, "symbol", name, sizeof name, &present);
    if (!present || (ok && name[0] == '\0')) {
        s_mandatory(res, "symbol");
        return NULL;
    }
    if (!ok || !s_symbol_chars(name, strlen(name))) {
        s_err(res, -1100, "Illegal characters found in parameter 'symbol'; legal range is '%s'.",
              S_SYMBOL_RANGE);
        return NULL;
    }
    const sim_instrument_t *in = sim_instrument_find(SIM_VENUE_BINANCE, name, strlen(name));
    if (in == NULL) {
        s_err(res, -1121, "Invalid symbol.");
    }
    return in;
}

/* symbols=["BTCUSDT","ETHUSDT"]: names into out; -1 with the error. */
static int
s_symbol_list(char *list, cb_httpd_res_t *res, const sim_instrument_t **out, size_t max, size_t *listed)
{
    size_t len = strlen(list);
    bool ok = len >= 2 && list[0] == '[' && list[len - 1] == ']';
    const char *names[SIM_BINANCE_SYMBOLS_MAX];
    size_t n = 0;
    if (ok) {
        list[len - 1] = '\0';
    }
    for (char *p = list + 1; ok && *p != '\0';) {
        char *end = strchr(p, ',');
        size_t tl = end != NULL ? (size_t) (end - p) : strlen(p);
        ok = n < sizeof names / sizeof names[0] && tl >= 2 && p[0] == '"' && p[tl - 1] == '"' &&
             s_symbol_chars(p + 1, tl - 2) && (end == NULL || end[1] != '\0');
        if (ok) {
            p[tl - 1] = '\0';
            names[n++] = p + 1;
        }
        p = end != NULL ? end + 1 : p + tl;
    }
    *listed = n;
    if (!ok) {
        s_err(res, -1100, "Illegal characters found in parameter 'symbols'; legal range is '%s'.",
              S_SYMBOLS_RANGE);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const sim_instrument_t *in =
            sim_instrument_find(SIM_VENUE_BINANCE, names[i], strlen(names[i]));
        if (in == NULL || i == max) {
            s_err(res, -1121, "Invalid symbol.");
            return -1;
        }
        out[i] = in;
    }
    return (int) n;
}

int
sim_binance_market_symbols(const cb_httpd_req_t *req, cb_httpd_res_t *res, const sim_instrument_t **out,
                           size_t max, sim_binance_pick_t *pick, size_t *listed)
{
    char one[64], many[SIM_BINANCE_SYMBOLS_MAX * 24];
    bool has_one, has_many;
    bool ok_one = sim_param(req->query, req->query_len, "symbol", one, sizeof one, &has_one);
    bool ok_many = sim_param(req->query, req->query_len, "symbols", many, sizeof many, &has_many);
    *pick = has_one ? SIM_BINANCE_SYMBOL : has_many ? SIM_BINANCE_SYMBOLS : SIM_BINANCE_ALL;
    *listed = 0;
    if (has_one && has_many) {
        s_err(res, -1128, "Combination of optional parameters invalid.");
        return -1;
    }
    if ((has_one && ok_one && one[0] == '\0') || (has_many && ok_many && many[0] == '\0')) {
        s_err(res, -1105, "Parameter '%s' was empty.", has_one ? "symbol" : "symbols");
        return -1;
    }
    if (has_one) {
        if (!ok_one || !s_symbol_chars(one, strlen(one))) {
            s_err(res, -1100,
                  "Illegal characters found in parameter 'symbol'; legal range is '%s'.",
                  S_SYMBOL_RANGE);
            return -1;
        }
        out[0] = sim_instrument_find(SIM_VENUE_BINANCE, one, strlen(one));
        if (out[0] == NULL) {
            s_err(res, -1121, "Invalid symbol.");
            return -1;
        }
        return 1;
    }
    if (has_many) {
        if (!ok_many) {
            s_err(res, -1100,
                  "Illegal characters found in parameter 'symbols'; legal range is '%s'.",
                  S_SYMBOLS_RANGE);
            return -1;
        }
        return s_symbol_list(many, res, out, max, listed);
    }
    size_t count, n = 0;
    const sim_instrument_t *all = sim_instruments(&count);
    for (size_t i = 0; i < count && n < max; i++) {
        if (all[i].venue == SIM_VENUE_BINANCE) {
            out[n++] = &all[i];
        }
    }
    return (int) n;
}

/* An optional unsigned integer parameter (limit, fromId, startTime,
 * endTime); *given false when absent. false with the error written. */
static bool
s_uint_param(const cb_httpd_req_t *req, cb_httpd_res_t *res, const char *key, int64_t *out, bool *given)
{
    char text[64];
    bool present;
    bool ok = sim_param(req->query, req->query_len, key, text, sizeof text, &present);
    *given = false;
    if (!present) {
        return true;
    }
    if (ok && text[0] == '\0') {
        s_err(res, -1105, "Parameter '%s' was empty.", key);
        return false;
    }
    size_t n = ok ? strlen(text) : 0;
    ok = ok && n <= 20 && strspn(text, "0123456789") == n;
    if (!ok) {
        s_err(res, -1100, "Illegal characters found in parameter '%s'; legal range is '%s'.", key,
              S_UINT_RANGE);
        return false;
    }
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v > (INT64_MAX - 9) / 10 ? INT64_MAX : v * 10 + (text[i] - '0');
    }
    *out = v;
    *given = true;
    return true;
}

/* limit: default def; 0 is refused as Binance does (-1102); above max it
 * is cut to max ("If limit > 5000, then the response will truncate"). */
static bool
s_limit(const cb_httpd_req_t *req, cb_httpd_res_t *res, int64_t def, int64_t max, int64_t *limit)
{
    bool given;
    *limit = def;
    if (!s_uint_param(req, res, "limit", limit, &given)) {
        return false;
    }
    if (*limit == 0) {
        s_mandatory(res, "limit");
        return false;
    }
    *limit = *limit > max ? max : *limit;
    return true;
}

/* ---- depth ---------------------------------------------------------------- */

static void
s_depth_side(cb_buf_t *b, const sim_level_t *levels, size_t n)
{
    cb_buf_append_char(b, '[');
    for (size_t i = 0; i < n; i++) {
        cb_buf_append_str(b, i == 0 ? "[" : ",[");
        s_num(b, levels[i].price);
        cb_buf_append_char(b, ',');
        s_num(b, levels[i].qty);
        cb_buf_append_char(b, ']');
    }
    cb_buf_append_char(b, ']');
}

static void
s_depth(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res, int *weight)
{
    int64_t limit = 100;
    const sim_instrument_t *in = sim_binance_market_symbol(req, res);
    if (in == NULL || !s_limit(req, res, 100, S_DEPTH_MAX, &limit)) {
        return;
    }
    *weight = limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    sim_level_t *levels = malloc(2 * (size_t) limit * sizeof *levels);
    if (levels == NULL) {
        sim_reply_binance_error(res, 500, -1001, SIM_BINANCE_INTERNAL);
        return;
    }
    size_t idx = s_index(in);
    const sim_book_t *book = sim_market_book(sim->market, idx);
    size_t nb = sim_book_levels(book, SIM_BUY, (size_t) limit, levels);
    size_t na = sim_book_levels(book, SIM_SELL, (size_t) limit, levels + limit);
    cb_buf_appendf(&res->body, "{\"lastUpdateId\":%llu,\"bids\":",
                   (unsigned long long) sim_market_update_id(sim->market, idx));
    s_depth_side(&res->body, levels, nb);
    cb_buf_append_str(&res->body, ",\"asks\":");
    s_depth_side(&res->body, levels + limit, na);
    cb_buf_append_char(&res->body, '}');
    free(levels);
}

/* ---- trades, historicalTrades, aggTrades ----------------------------------- */

static void
s_trade_json(cb_buf_t *b, const sim_trade_t *t)
{
    sim_fx_t quote = 0;
    (void) sim_fx_mul(t->price, t->qty, &quote);
    cb_buf_appendf(b, "{\"id\":%llu,\"price\":", (unsigned long long) t->id);
    s_num(b, t->price);
    cb_buf_append_str(b, ",\"qty\":");
    s_num(b, t->qty);
    cb_buf_append_str(b, ",\"quoteQty\":");
    s_num(b, quote);
    cb_buf_appendf(b, ",\"time\":%lld,\"isBuyerMaker\":%s,\"isBestMatch\":true}",
                   (long long) (t->time_ns / S_MS), t->taker_side == SIM_SELL ? "true" : "false");
}

/* trades (newest limit) and historicalTrades (from fromId on, inclusive). */
static void
s_trades(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res, bool historical)
{
    int64_t limit, from_id = 0;
    bool from_given = false;
    const sim_instrument_t *in = sim_binance_market_symbol(req, res);
    if (in == NULL || !s_limit(req, res, 500, S_LIMIT_MAX, &limit) ||
        (historical && !s_uint_param(req, res, "fromId", &from_id, &from_given))) {
        return;
    }
    sim_trade_t *trades = malloc((size_t) limit * sizeof *trades);
    if (trades == NULL) {
        sim_reply_binance_error(res, 500, -1001, SIM_BINANCE_INTERNAL);
        return;
    }
    size_t idx = s_index(in);
    size_t n = from_given ? sim_market_trades_since(sim->market, idx,
                                                    from_id > 0 ? (uint64_t) from_id - 1 : 0,
                                                    (size_t) limit, trades)
                          : sim_market_trades_recent(sim->market, idx, (size_t) limit, trades);
    cb_buf_append_char(&res->body, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            cb_buf_append_char(&res->body, ',');
        }
        s_trade_json(&res->body, &trades[i]);
    }
    cb_buf_append_char(&res->body, ']');
    free(trades);
}

/* Trades of one taker order at one price and time make one aggregate; its
 * id is its first trade's id, so ids rise (with gaps) and fromId pages. */
static void
s_agg_trades(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    int64_t limit, from_id = 0, start = 0, end = 0;
    bool has_from, has_start, has_end;
    const sim_instrument_t *in = sim_binance_market_symbol(req, res);
    if (in == NULL || !s_uint_param(req, res, "fromId", &from_id, &has_from) ||
        !s_uint_param(req, res, "startTime", &start, &has_start) ||
        !s_uint_param(req, res, "endTime", &end, &has_end) ||
        !s_limit(req, res, 500, S_LIMIT_MAX, &limit)) {
        return;
    }
    if (has_from && (has_start || has_end)) {
        s_err(res, -1128, "Combination of optional parameters invalid.");
        return;
    }
    if (has_start && has_end && (end < start || end - start > 3600000)) {
        s_err(res, -1127, "More than %d hours between startTime and endTime.", 1);
        return;
    }
    sim_trade_t *trades = malloc(SIM_TRADES_KEPT * sizeof *trades);
    if (trades == NULL) {
        sim_reply_binance_error(res, 500, -1001, SIM_BINANCE_INTERNAL);
        return;
    }
    size_t n = sim_market_trades_since(sim->market, s_index(in), 0, SIM_TRADES_KEPT, trades);
    /* Group in place: trades[g] keeps each group's first trade, qty summed,
     * and last_id[g] its last id. */
    size_t groups = 0;
    uint64_t *last_id = malloc((n > 0 ? n : 1) * sizeof *last_id);
    for (size_t i = 0; last_id != NULL && i < n; i++) {
        const sim_trade_t *t = &trades[i];
        sim_trade_t *g = groups > 0 ? &trades[groups - 1] : NULL;
        if (g != NULL && g->taker_order_id == t->taker_order_id && g->price == t->price &&
            g->time_ns == t->time_ns) {
            g->qty += t->qty;
            last_id[groups - 1] = t->id;
        } else {
            trades[groups] = *t;
            last_id[groups] = t->id;
            groups++;
        }
    }
    /* The window: from fromId, from startTime, up to endTime, else the
     * newest limit. */
    size_t lo = 0, hi = groups;
    while (has_from && lo < groups && trades[lo].id < (uint64_t) from_id) {
        lo++;
    }
    while (has_start && lo < groups && trades[lo].time_ns / S_MS < start) {
        lo++;
    }
    while (has_end && hi > lo && trades[hi - 1].time_ns / S_MS > end) {
        hi--;
    }
    if (has_from || has_start) {
        hi = hi - lo > (size_t) limit ? lo + (size_t) limit : hi;
    } else {
        lo = hi - lo > (size_t) limit ? hi - (size_t) limit : lo;
    }
    cb_buf_append_char(&res->body, '[');
    for (size_t i = lo; last_id != NULL && i < hi; i++) {
        const sim_trade_t *t = &trades[i];
        cb_buf_appendf(&res->body, "%s{\"a\":%llu,\"p\":", i == lo ? "" : ",",
                       (unsigned long long) t->id);
        s_num(&res->body, t->price);
        cb_buf_append_str(&res->body, ",\"q\":");
        s_num(&res->body, t->qty);
        cb_buf_appendf(&res->body, ",\"f\":%llu,\"l\":%llu,\"T\":%lld,\"m\":%s,\"M\":true}",
                       (unsigned long long) t->id, (unsigned long long) last_id[i],
                       (long long) (t->time_ns / S_MS),
                       t->taker_side == SIM_SELL ? "true" : "false");
    }
    cb_buf_append_char(&res->body, ']');
    free(last_id);
    free(trades);
}

/* ---- klines, uiKlines ------------------------------------------------------- */

static int64_t
s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The open of the kline of width seconds (0: a calendar month) holding t,
 * with the day starting off seconds before 00:00 UTC (timeZone). */
static int64_t
s_kline_open(int64_t t, int64_t width, int64_t off)
{
    if (width == 0) {
        time_t local = (time_t) (t + off);
        struct tm tm;
        gmtime_r(&local, &tm);
        tm.tm_mday = 1;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        return (int64_t) timegm(&tm) - off;
    }
    if (width == S_WEEK) {
        return s_floor_div(t + off - S_MONDAY, S_WEEK) * S_WEEK + S_MONDAY - off;
    }
    return s_floor_div(t + off, width) * width - off;
}

static int64_t
s_kline_next(int64_t open, int64_t width, int64_t off)
{
    if (width == 0) {
        time_t local = (time_t) (open + off);
        struct tm tm;
        gmtime_r(&local, &tm);
        tm.tm_mon++;
        tm.tm_mday = 1;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        return (int64_t) timegm(&tm) - off;
    }
    return open + width;
}

/* timeZone: "0", "8", "-1:00", "+05:45", within [-12:00, +14:00]. */
static bool
s_time_zone(const char *s, int64_t *off)
{
    int sign = 1;
    if (*s == '-' || *s == '+') {
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    size_t h = strspn(s, "0123456789");
    if (h < 1 || h > 2) {
        return false;
    }
    int hours = atoi(s), minutes = 0;
    s += h;
    if (*s == ':') {
        if (strspn(s + 1, "0123456789") != 2 || s[3] != '\0') {
            return false;
        }
        minutes = atoi(s + 1);
    } else if (*s != '\0') {
        return false;
    }
    int total = sign * (hours * 60 + minutes);
    if (minutes > 59 || total < -12 * 60 || total > 14 * 60) {
        return false;
    }
    *off = (int64_t) total * 60;
    return true;
}

static void
s_kline_row(cb_buf_t *b, const sim_candle_t *c, int64_t open, int64_t next)
{
    cb_buf_appendf(b, "[%lld,", (long long) open * 1000);
    s_num(b, c->open);
    cb_buf_append_char(b, ',');
    s_num(b, c->high);
    cb_buf_append_char(b, ',');
    s_num(b, c->low);
    cb_buf_append_char(b, ',');
    s_num(b, c->close);
    cb_buf_append_char(b, ',');
    s_num(b, c->volume);
    cb_buf_appendf(b, ",%lld,", (long long) next * 1000 - 1);
    s_num(b, c->quote_volume);
    cb_buf_appendf(b, ",%u,", c->trades);
    s_num(b, c->taker_buy_volume);
    cb_buf_append_char(b, ',');
    s_num(b, c->taker_buy_quote_volume);
    cb_buf_append_str(b, ",\"0\"]");
}

/* Klines with open time in [startTime, endTime], never before the market
 * started nor after the current one (still open, last): the oldest limit
 * from startTime when it is sent, else the newest limit. 1s klines come
 * from the market's seconds; the others from its minutes, which any
 * interval, time zone and calendar month is made of. */
static void
s_klines(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    static const struct {
        const char *name;
        int64_t width;
    } intervals[] = {{"1s", 1},     {"1m", 60},        {"3m", 180},    {"5m", 300},
                     {"15m", 900},  {"30m", 1800},     {"1h", 3600},   {"2h", 7200},
                     {"4h", 14400}, {"6h", 21600},     {"8h", 28800},  {"12h", 43200},
                     {"1d", S_DAY}, {"3d", 3 * S_DAY}, {"1w", S_WEEK}, {"1M", 0}};
    int64_t limit, start = 0, end = 0, off = 0;
    bool has_start, has_end, present;
    char text[32];
    const sim_instrument_t *in = sim_binance_market_symbol(req, res);
    if (in == NULL) {
        return;
    }
    bool ok = sim_param(req->query, req->query_len, "interval", text, sizeof text, &present);
    if (!present || (ok && text[0] == '\0')) {
        s_mandatory(res, "interval");
        return;
    }
    size_t k = 0;
    while (ok && k < sizeof intervals / sizeof intervals[0] &&
           strcmp(intervals[k].name, text) != 0) {
        k++;
    }
    if (!ok || k == sizeof intervals / sizeof intervals[0]) {
        s_err(res, -1120, "Invalid interval.");
        return;
    }
    int64_t width = intervals[k].width;
    if (!s_uint_param(req, res, "startTime", &start, &has_start) ||
        !s_uint_param(req, res, "endTime", &end, &has_end) ||
        !s_limit(req, res, 500, S_LIMIT_MAX, &limit)) {
        return;
    }
    ok = sim_param(req->query, req->query_len, "timeZone", text, sizeof text, &present);
    if (present && (!ok || !s_time_zone(text, &off))) {
        s_err(res, -1130, "Data sent for parameter 'timeZone' is not valid.");
        return;
    }
    off = width == 1 ? 0 : off;
    size_t idx = s_index(in);
    int64_t now_s = cb_time_now_ns() / S_NS;
    sim_candle_t c;
    if (sim_market_candles(sim->market, idx, width == 1 ? 1 : 60, 0, now_s, 1, false, &c) == 0) {
        cb_buf_append_str(&res->body, "[]");
        return;
    }
    int64_t lo = s_kline_open(c.open_s, width, off);
    int64_t hi = s_kline_open(now_s, width, off);
    if (has_start) {
        int64_t s = start / 1000 + (start % 1000 != 0);
        int64_t o = s_kline_open(s, width, off);
        o = o < s ? s_kline_next(o, width, off) : o;
        lo = o > lo ? o : lo;
    }
    if (has_end) {
        int64_t o = s_kline_open(end / 1000, width, off);
        hi = o < hi ? o : hi;
    }
    int64_t *opens = malloc((size_t) limit * sizeof *opens);
    size_t n = 0;
    if (opens != NULL && lo <= hi) {
        if (has_start) {
            for (int64_t o = lo; o <= hi && n < (size_t) limit; o = s_kline_next(o, width, off)) {
                opens[n++] = o;
            }
        } else {
            for (int64_t o = hi; o >= lo && n < (size_t) limit;
                 o = s_kline_open(o - 1, width, off)) {
                opens[n++] = o;
            }
            for (size_t i = 0; i < n / 2; i++) {
                int64_t t = opens[i];
                opens[i] = opens[n - 1 - i];
                opens[n - 1 - i] = t;
            }
        }
    }
    cb_buf_append_char(&res->body, '[');
    for (size_t i = 0; i < n; i++) {
        int64_t next = s_kline_next(opens[i], width, off);
        if (width == 1) {
            sim_market_candles(sim->market, idx, 1, opens[i], opens[i], 1, false, &c);
        } else {
            sim_market_stats(sim->market, idx, opens[i], next, &c);
        }
        if (i > 0) {
            cb_buf_append_char(&res->body, ',');
        }
        s_kline_row(&res->body, &c, opens[i], next);
    }
    cb_buf_append_char(&res->body, ']');
    free(opens);
}

bool
sim_binance_market_handle(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req,
                          cb_httpd_res_t *res, int *weight)
{
    static const struct {
        const char *name;
        int weight;
    } endpoints[] = {{"depth", 5},     {"trades", 25}, {"historicalTrades", 25},
                     {"aggTrades", 4}, {"klines", 2},  {"uiKlines", 2}};
    size_t e = 0;
    while (e < sizeof endpoints / sizeof endpoints[0] &&
           !sim_reply_name_is(name, len, endpoints[e].name)) {
        e++;
    }
    if (e == sizeof endpoints / sizeof endpoints[0]) {
        return sim_binance_ticker_handle(sim, name, len, req, res, weight);
    }
    *weight = endpoints[e].weight;
    if (sim->market == NULL) {
        sim_reply_binance_error(res, 503, -1001, SIM_BINANCE_INTERNAL);
        return true;
    }
    switch (e) {
    case 0:
        s_depth(sim, req, res, weight);
        break;
    case 1:
    case 2:
        s_trades(sim, req, res, e == 2);
        break;
    case 3:
        s_agg_trades(sim, req, res);
        break;
    default:
        s_klines(sim, req, res);
        break;
    }
    return true;
}
