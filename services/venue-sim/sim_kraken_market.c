/* sim_kraken_market.c - Kraken public market data: Ticker, OHLC, Depth, Trades, Spread */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_time.h"
#include "sim_kraken_market.h"
#include "sim_market.h"
#include "sim_reply.h"

#define S_NS 1000000000LL
#define S_DAY 86400
/* OHLC: "up to 720 of the most recent entries" plus the current candle. */
#define S_OHLC_ROWS 721
#define S_DEPTH_DEFAULT 100
#define S_DEPTH_MAX 500
#define S_TRADES_DEFAULT 1000
#define S_TRADES_MAX 1000
/* A Trades / Spread since below this is Unix seconds, above it the
 * nanosecond id Kraken hands out as "last". */
#define S_SINCE_NS_FROM 1000000000000LL

/* Kraken prints prices in Ticker, Depth, Trades and Spread with at least
 * five decimals whatever the pair's tick (XBT/USD, pair_decimals 1:
 * "105944.30000" in the recorded replies and the docs' examples); OHLC rows
 * use pair_decimals ("106038.2"). */
static int
s_px(const sim_instrument_t *in)
{
    return in->price_decimals > 5 ? in->price_decimals : 5;
}

static void
s_num(cb_buf_t *b, sim_fx_t v, int decimals)
{
    char text[32];
    cb_buf_appendf(b, "\"%s\"", sim_fx_format(v, decimals, text));
}

static size_t
s_index(const sim_instrument_t *in)
{
    size_t count;
    return (size_t) (in - sim_instruments(&count));
}

/* Digits only (no sign), no overflow. */
static bool
s_uint(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - (*s - '0')) / 10) {
            return false;
        }
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

/* An optional integer parameter: *out keeps its default when absent; false
 * with "EGeneral:Invalid arguments:<key>" written when malformed. */
static bool
s_int_param(sim_kraken_params_t *p, cb_httpd_res_t *res, const char *key, int64_t *out, bool *given)
{
    char text[64];
    bool present;
    *given = false;
    if (!sim_kraken_param(p, key, text, sizeof text, &present)) {
        if (!present) {
            return true;
        }
    } else if (text[0] == '\0') {
        return true;
    } else if (s_uint(text, out)) {
        *given = true;
        return true;
    }
    char err[96];
    snprintf(err, sizeof err, "EGeneral:Invalid arguments:%s", key);
    sim_reply_kraken_error(res, err);
    return false;
}

/* A Trades / Spread since: nanoseconds (Kraken's "last" ids), Unix seconds,
 * or decimal seconds ("1762795433.97"). -1 when absent. */
static bool
s_since_ns(sim_kraken_params_t *p, cb_httpd_res_t *res, int64_t *since_ns)
{
    char text[64];
    bool present;
    int64_t v;
    sim_fx_t fx;
    *since_ns = -1;
    if (!sim_kraken_param(p, "since", text, sizeof text, &present)) {
        if (!present) {
            return true;
        }
    } else if (text[0] == '\0') {
        return true;
    } else if (s_uint(text, &v)) {
        *since_ns = v >= S_SINCE_NS_FROM ? v : (v <= INT64_MAX / S_NS ? v * S_NS : INT64_MAX);
        return true;
    } else if (strchr(text, '.') != NULL && text[0] != '-' &&
               sim_fx_parse(text, strlen(text), &fx) && fx <= INT64_MAX / 10) {
        *since_ns = fx * 10; /* 1e-8 s units to ns */
        return true;
    }
    sim_reply_kraken_error(res, "EGeneral:Invalid arguments:since");
    return false;
}

int
sim_kraken_market_pairs(sim_kraken_params_t *p, cb_httpd_res_t *res, const sim_instrument_t **out,
                        size_t max)
{
    char list[512];
    bool present;
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    if (!sim_kraken_param(p, "pair", list, sizeof list, &present) || list[0] == '\0') {
        if (present) {
            sim_reply_kraken_error(res, "EQuery:Unknown asset pair");
            return -1;
        }
        size_t n = 0;
        for (size_t i = 0; i < count && n < max; i++) {
            if (all[i].venue == SIM_VENUE_KRAKEN) {
                out[n++] = &all[i];
            }
        }
        return (int) n;
    }
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        const sim_instrument_t *in = sim_instrument_find(SIM_VENUE_KRAKEN, tok, strlen(tok));
        if (in == NULL || n == max) {
            sim_reply_kraken_error(res, "EQuery:Unknown asset pair");
            return -1;
        }
        out[n++] = in;
    }
    return (int) n;
}

/* The one pair OHLC, Depth, Trades and Spread need; NULL with the error
 * written when it is missing or unknown. */
static const sim_instrument_t *
s_one_pair(sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    char name[64];
    bool present;
    if (!sim_kraken_param(p, "pair", name, sizeof name, &present) || name[0] == '\0') {
        sim_reply_kraken_error(res, present ? "EQuery:Unknown asset pair"
                                            : "EGeneral:Invalid arguments:pair");
        return NULL;
    }
    const sim_instrument_t *in = sim_instrument_find(SIM_VENUE_KRAKEN, name, strlen(name));
    if (in == NULL) {
        sim_reply_kraken_error(res, "EQuery:Unknown asset pair");
    }
    return in;
}

/* VWAP of a candle or a window at decimals, rounded half up; 0 with no
 * volume ("0.0" in OHLC rows, as Kraken prints empty candles). */
static sim_fx_t
s_vwap(const sim_candle_t *c, int decimals)
{
    if (c->volume <= 0) {
        return 0;
    }
    sim_fx_t step = 1;
    for (int d = decimals; d < SIM_DECIMALS; d++) {
        step *= 10;
    }
    return sim_fx_round_to(sim_fx_div(c->quote_volume, c->volume), step, 0);
}

/* ---- Ticker --------------------------------------------------------------- */

/* a / b: [price, whole lot volume, lot volume]. Kraken shows the level's
 * volume rounded up to whole lots ("1", "1.000" for a 0.136 XBT best ask in
 * the recorded replies). */
static void
s_ticker_side(cb_buf_t *b, const sim_instrument_t *in, sim_fx_t price, sim_fx_t qty)
{
    sim_fx_t whole = qty > 0 ? sim_fx_round_to(qty, SIM_SCALE, 1) : 0;
    cb_buf_append_char(b, '[');
    s_num(b, price, s_px(in));
    cb_buf_appendf(b, ",\"%lld\",", (long long) (whole / SIM_SCALE));
    s_num(b, whole, 3);
    cb_buf_append_char(b, ']');
}

static void
s_ticker_one(sim_t *sim, const sim_instrument_t *in, int64_t now_ns, cb_buf_t *b)
{
    size_t idx = s_index(in);
    const sim_book_t *book = sim_market_book(sim->market, idx);
    int px = s_px(in);
    sim_fx_t ask_qty = 0, bid_qty = 0;
    sim_fx_t ask = sim_book_best(book, SIM_SELL, &ask_qty);
    sim_fx_t bid = sim_book_best(book, SIM_BUY, &bid_qty);
    sim_trade_t last;
    if (!sim_market_last_trade(sim->market, idx, &last)) {
        last.price = sim_market_last_price(sim->market, idx);
        last.qty = 0;
    }
    int64_t now_s = now_ns / S_NS;
    sim_candle_t today, day;
    sim_market_stats(sim->market, idx, now_s - now_s % S_DAY, now_s + 1, &today);
    sim_market_stats(sim->market, idx, now_s - S_DAY, now_s + 1, &day);
    cb_buf_appendf(b, "\"%s\":{\"a\":", in->id);
    s_ticker_side(b, in, ask, ask_qty);
    cb_buf_append_str(b, ",\"b\":");
    s_ticker_side(b, in, bid, bid_qty);
    cb_buf_append_str(b, ",\"c\":[");
    s_num(b, last.price, px);
    cb_buf_append_char(b, ',');
    s_num(b, last.qty, 8);
    cb_buf_append_str(b, "],\"v\":[");
    s_num(b, today.volume, 8);
    cb_buf_append_char(b, ',');
    s_num(b, day.volume, 8);
    cb_buf_append_str(b, "],\"p\":[");
    s_num(b, s_vwap(&today, px), px);
    cb_buf_append_char(b, ',');
    s_num(b, s_vwap(&day, px), px);
    cb_buf_appendf(b, "],\"t\":[%u,%u],\"l\":[", today.trades, day.trades);
    s_num(b, today.low, px);
    cb_buf_append_char(b, ',');
    s_num(b, day.low, px);
    cb_buf_append_str(b, "],\"h\":[");
    s_num(b, today.high, px);
    cb_buf_append_char(b, ',');
    s_num(b, day.high, px);
    cb_buf_append_str(b, "],\"o\":");
    s_num(b, today.open, px);
    cb_buf_append_char(b, '}');
}

static void
s_ticker(sim_t *sim, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    const sim_instrument_t *pairs[8];
    int n = sim_kraken_market_pairs(p, res, pairs, 8);
    if (n < 0) {
        return;
    }
    int64_t now_ns = cb_time_now_ns();
    cb_buf_append_str(&res->body, "{\"error\":[],\"result\":{");
    for (int i = 0; i < n; i++) {
        if (i > 0) {
            cb_buf_append_char(&res->body, ',');
        }
        s_ticker_one(sim, pairs[i], now_ns, &res->body);
    }
    cb_buf_append_str(&res->body, "}}");
}

/* ---- OHLC ----------------------------------------------------------------- */

static void
s_merge(sim_candle_t *agg, const sim_candle_t *c)
{
    if (c->trades > 0) {
        if (agg->trades == 0) {
            agg->open = c->open;
            agg->high = c->high;
            agg->low = c->low;
            agg->first_trade_id = c->first_trade_id;
        } else {
            agg->high = c->high > agg->high ? c->high : agg->high;
            agg->low = c->low < agg->low ? c->low : agg->low;
        }
        agg->last_trade_id = c->last_trade_id;
    } else if (agg->trades == 0) {
        agg->open = agg->high = agg->low = c->close;
    }
    agg->close = c->close;
    agg->volume += c->volume;
    agg->quote_volume += c->quote_volume;
    agg->taker_buy_volume += c->taker_buy_volume;
    agg->taker_buy_quote_volume += c->taker_buy_quote_volume;
    agg->trades += c->trades;
}

/* The newest S_OHLC_ROWS candles of width seconds up to the current one
 * into rows (oldest first). Widths up to a day come from the market as
 * they are; Kraken's 1-week and 15-day candles are built from days, on
 * boundaries of Unix time (weeks open on Thursdays, as Kraken's do), which
 * the market's own week (Monday, Binance's) is not. */
static size_t
s_ohlc_rows(const sim_market_t *market, size_t idx, int64_t width, int64_t now_s,
            sim_candle_t *rows)
{
    if (width <= S_DAY) {
        return sim_market_candles(market, idx, width, 0, now_s, S_OHLC_ROWS, true, rows);
    }
    sim_candle_t first;
    if (sim_market_candles(market, idx, S_DAY, 0, now_s, 1, false, &first) == 0) {
        return 0;
    }
    int64_t from = now_s - now_s % width - (S_OHLC_ROWS - 1) * width;
    from = from > first.open_s ? from : first.open_s;
    size_t ndays = (size_t) ((now_s - from) / S_DAY + 1);
    sim_candle_t *days = malloc(ndays * sizeof *days);
    if (days == NULL) {
        return 0;
    }
    size_t got = sim_market_candles(market, idx, S_DAY, from, now_s, ndays, false, days);
    size_t n = 0;
    for (size_t i = 0; i < got; i++) {
        int64_t key = days[i].open_s - days[i].open_s % width;
        if (n == 0 || rows[n - 1].open_s != key) {
            if (n == S_OHLC_ROWS) {
                break;
            }
            rows[n] = (sim_candle_t){.open_s = key};
            n++;
        }
        s_merge(&rows[n - 1], &days[i]);
    }
    free(days);
    return n;
}

static void
s_ohlc_row(cb_buf_t *b, const sim_instrument_t *in, const sim_candle_t *c)
{
    int d = in->price_decimals;
    cb_buf_appendf(b, "[%lld,", (long long) c->open_s);
    s_num(b, c->open, d);
    cb_buf_append_char(b, ',');
    s_num(b, c->high, d);
    cb_buf_append_char(b, ',');
    s_num(b, c->low, d);
    cb_buf_append_char(b, ',');
    s_num(b, c->close, d);
    cb_buf_append_char(b, ',');
    s_num(b, s_vwap(c, d), d);
    cb_buf_append_char(b, ',');
    s_num(b, c->volume, 8);
    cb_buf_appendf(b, ",%u]", c->trades);
}

static void
s_ohlc(sim_t *sim, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    static const int64_t intervals[] = {1, 5, 15, 30, 60, 240, 1440, 10080, 21600};
    const sim_instrument_t *in = s_one_pair(p, res);
    int64_t interval = 1, since = -1;
    bool given;
    if (in == NULL) {
        return;
    }
    char text[32];
    bool present;
    bool ok = sim_kraken_param(p, "interval", text, sizeof text, &present);
    if (present && !(ok && text[0] == '\0')) {
        size_t i = 0;
        ok = ok && s_uint(text, &interval);
        while (ok && i < sizeof intervals / sizeof intervals[0] && intervals[i] != interval) {
            i++;
        }
        if (!ok || i == sizeof intervals / sizeof intervals[0]) {
            sim_reply_kraken_error(res, "EGeneral:Invalid arguments");
            return;
        }
    }
    if (!s_int_param(p, res, "since", &since, &given)) {
        return;
    }
    int64_t width = interval * 60;
    int64_t now_s = cb_time_now_ns() / S_NS;
    sim_candle_t *rows = malloc(S_OHLC_ROWS * sizeof *rows);
    if (rows == NULL) {
        sim_reply_kraken_error(res, "EGeneral:Internal error");
        return;
    }
    size_t n = s_ohlc_rows(sim->market, s_index(in), width, now_s, rows);
    /* Committed candles newer than since; the current one is always last. */
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"%s\":[", in->id);
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 < n && given && rows[i].open_s <= since) {
            continue;
        }
        if (!first) {
            cb_buf_append_char(&res->body, ',');
        }
        first = false;
        s_ohlc_row(&res->body, in, &rows[i]);
    }
    int64_t current = n > 0 ? rows[n - 1].open_s : now_s - now_s % width;
    cb_buf_appendf(&res->body, "],\"last\":%lld}}", (long long) (current - width));
    free(rows);
}

/* ---- Depth ---------------------------------------------------------------- */

/* Kraken's REST book shows volumes with three decimals ("0.136"). Each
 * level's timestamp is when it last changed; the market keeps no such time
 * per level, so the time of the answer stands in for it. */
static void
s_depth_side(cb_buf_t *b, const sim_instrument_t *in, const sim_level_t *levels, size_t n,
             int64_t now_s)
{
    cb_buf_append_char(b, '[');
    for (size_t i = 0; i < n; i++) {
        cb_buf_append_str(b, i == 0 ? "[" : ",[");
        s_num(b, levels[i].price, s_px(in));
        cb_buf_append_char(b, ',');
        s_num(b, levels[i].qty, 3);
        cb_buf_appendf(b, ",%lld]", (long long) now_s);
    }
    cb_buf_append_char(b, ']');
}

static void
s_depth(sim_t *sim, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    const sim_instrument_t *in = s_one_pair(p, res);
    int64_t count = S_DEPTH_DEFAULT;
    bool given;
    if (in == NULL || !s_int_param(p, res, "count", &count, &given)) {
        return;
    }
    if (count < 1) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments:count");
        return;
    }
    count = count > S_DEPTH_MAX ? S_DEPTH_MAX : count;
    sim_level_t *levels = malloc(2 * (size_t) count * sizeof *levels);
    if (levels == NULL) {
        sim_reply_kraken_error(res, "EGeneral:Internal error");
        return;
    }
    const sim_book_t *book = sim_market_book(sim->market, s_index(in));
    size_t na = sim_book_levels(book, SIM_SELL, (size_t) count, levels);
    size_t nb = sim_book_levels(book, SIM_BUY, (size_t) count, levels + count);
    int64_t now_s = cb_time_now_ns() / S_NS;
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"%s\":{\"asks\":", in->id);
    s_depth_side(&res->body, in, levels, na, now_s);
    cb_buf_append_str(&res->body, ",\"bids\":");
    s_depth_side(&res->body, in, levels + count, nb, now_s);
    cb_buf_append_str(&res->body, "}}}");
    free(levels);
}

/* ---- Trades --------------------------------------------------------------- */

/* Seconds with the fraction Kraken shows (a float, trailing zeros trimmed:
 * 1762795616.311265). */
static void
s_trade_time(cb_buf_t *b, int64_t ns)
{
    char frac[16];
    snprintf(frac, sizeof frac, "%06lld", (long long) (ns % S_NS / 1000));
    size_t n = strlen(frac);
    while (n > 1 && frac[n - 1] == '0') {
        n--;
    }
    frac[n] = '\0';
    cb_buf_appendf(b, "%lld.%s", (long long) (ns / S_NS), frac);
}

static void
s_trades(sim_t *sim, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    const sim_instrument_t *in = s_one_pair(p, res);
    int64_t count = S_TRADES_DEFAULT, since_ns;
    bool given;
    if (in == NULL || !s_since_ns(p, res, &since_ns) ||
        !s_int_param(p, res, "count", &count, &given)) {
        return;
    }
    if (count < 1) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments:count");
        return;
    }
    count = count > S_TRADES_MAX ? S_TRADES_MAX : count;
    sim_trade_t *trades = malloc(SIM_TRADES_KEPT * sizeof *trades);
    if (trades == NULL) {
        sim_reply_kraken_error(res, "EGeneral:Internal error");
        return;
    }
    size_t idx = s_index(in), first = 0, n;
    if (since_ns >= 0) {
        /* The oldest count trades after since, so that "last" pages on. */
        n = sim_market_trades_since(sim->market, idx, 0, SIM_TRADES_KEPT, trades);
        while (first < n && trades[first].time_ns <= since_ns) {
            first++;
        }
        if (n - first > (size_t) count) {
            /* Fills of one taker share their time; a page ends after a whole
             * such group when it can, or since=<last> would skip the rest. */
            size_t end = first + (size_t) count;
            size_t whole = end;
            while (whole > first && trades[whole].time_ns == trades[whole - 1].time_ns) {
                whole--;
            }
            n = whole > first ? whole : end;
        }
    } else {
        n = sim_market_trades_recent(sim->market, idx, (size_t) count, trades);
    }
    int px = s_px(in);
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"%s\":[", in->id);
    for (size_t i = first; i < n; i++) {
        const sim_trade_t *t = &trades[i];
        cb_buf_append_str(&res->body, i == first ? "[" : ",[");
        s_num(&res->body, t->price, px);
        cb_buf_append_char(&res->body, ',');
        s_num(&res->body, t->qty, 8);
        cb_buf_append_char(&res->body, ',');
        s_trade_time(&res->body, t->time_ns);
        cb_buf_appendf(&res->body, ",\"%s\",\"%s\",\"\",%llu]",
                       t->taker_side == SIM_BUY ? "b" : "s", t->taker_market ? "m" : "l",
                       (unsigned long long) t->id);
    }
    int64_t last = n > first ? trades[n - 1].time_ns : (since_ns >= 0 ? since_ns : 0);
    cb_buf_appendf(&res->body, "],\"last\":\"%lld\"}}", (long long) last);
    free(trades);
}

/* ---- Spread --------------------------------------------------------------- */

static void
s_spread(sim_t *sim, sim_kraken_params_t *p, cb_httpd_res_t *res)
{
    const sim_instrument_t *in = s_one_pair(p, res);
    int64_t since_ns;
    if (in == NULL || !s_since_ns(p, res, &since_ns)) {
        return;
    }
    /* "last" is whole seconds here: since=<last> means after that second. */
    if (since_ns >= 0 && since_ns % S_NS == 0 && since_ns <= INT64_MAX - S_NS) {
        since_ns += S_NS - 1;
    }
    sim_spread_t *rows = malloc(SIM_SPREADS_KEPT * sizeof *rows);
    if (rows == NULL) {
        sim_reply_kraken_error(res, "EGeneral:Internal error");
        return;
    }
    size_t n = sim_market_spreads_since(sim->market, s_index(in), since_ns, SIM_SPREADS_KEPT, rows);
    int px = s_px(in);
    /* The market also records changes of the best quantities only, and a
     * side still empty while its ladder is first built; a spread row is a
     * change of two best prices. */
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"%s\":[", in->id);
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].bid <= 0 || rows[i].ask <= 0 ||
            (shown > 0 && rows[i].bid == rows[shown - 1].bid &&
             rows[i].ask == rows[shown - 1].ask)) {
            continue;
        }
        rows[shown] = rows[i];
        cb_buf_appendf(&res->body, "%s[%lld,", shown == 0 ? "" : ",",
                       (long long) (rows[i].time_ns / S_NS));
        s_num(&res->body, rows[i].bid, px);
        cb_buf_append_char(&res->body, ',');
        s_num(&res->body, rows[i].ask, px);
        cb_buf_append_char(&res->body, ']');
        shown++;
    }
    int64_t last = n > 0 ? rows[n - 1].time_ns / S_NS
                         : (since_ns >= 0 ? since_ns / S_NS : cb_time_now_ns() / S_NS);
    cb_buf_appendf(&res->body, "],\"last\":%lld}}", (long long) last);
    free(rows);
}

bool
sim_kraken_market_handle(sim_t *sim, const char *name, size_t len, sim_kraken_params_t *p,
                         cb_httpd_res_t *res)
{
    static const struct {
        const char *name;
        void (*fn)(sim_t *sim, sim_kraken_params_t *p, cb_httpd_res_t *res);
    } methods[] = {{"Ticker", s_ticker},
                   {"OHLC", s_ohlc},
                   {"Depth", s_depth},
                   {"Trades", s_trades},
                   {"Spread", s_spread}};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        if (sim_reply_name_is(name, len, methods[i].name)) {
            if (sim->market == NULL) {
                sim_reply_kraken_error(res, "EService:Unavailable");
            } else {
                methods[i].fn(sim, p, res);
            }
            return true;
        }
    }
    return false;
}
