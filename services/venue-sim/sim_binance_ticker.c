/* sim_binance_ticker.c - Binance price statistics: avgPrice, ticker/24hr, price, bookTicker */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_time.h"
#include "sim_binance_market.h"
#include "sim_binance_ticker.h"
#include "sim_market.h"
#include "sim_params.h"
#include "sim_reply.h"

#define S_NS 1000000000LL
#define S_MS 1000000LL
#define S_DAY 86400

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

/* ---- avgPrice, ticker/24hr, ticker/price, ticker/bookTicker ----------------- */

/* The VWAP of the last five minutes' trades (exact while the kept trades
 * reach back that far, else from the 1-minute candles), and the time of
 * the last trade. */
static void
s_avg_price(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    const sim_instrument_t *in = sim_binance_market_symbol(req, res);
    if (in == NULL) {
        return;
    }
    size_t idx = s_index(in);
    int64_t now_ns = cb_time_now_ns();
    int64_t from_ns = now_ns - 300 * S_NS;
    sim_fx_t volume = 0, quote = 0;
    sim_trade_t *trades = malloc(SIM_TRADES_KEPT * sizeof *trades);
    size_t n =
        trades != NULL ? sim_market_trades_since(sim->market, idx, 0, SIM_TRADES_KEPT, trades) : 0;
    if (n > 0 && (trades[0].id == 1 || trades[0].time_ns <= from_ns)) {
        for (size_t i = 0; i < n; i++) {
            sim_fx_t q = 0;
            if (trades[i].time_ns > from_ns && sim_fx_mul(trades[i].price, trades[i].qty, &q)) {
                volume += trades[i].qty;
                quote += q;
            }
        }
    } else {
        sim_candle_t c;
        sim_market_stats(sim->market, idx, now_ns / S_NS - 300, now_ns / S_NS + 1, &c);
        volume = c.volume;
        quote = c.quote_volume;
    }
    free(trades);
    sim_trade_t last;
    int64_t close_ms =
        sim_market_last_trade(sim->market, idx, &last) ? last.time_ns / S_MS : now_ns / S_MS;
    cb_buf_append_str(&res->body, "{\"mins\":5,\"price\":");
    s_num(&res->body,
          volume > 0 ? sim_fx_div(quote, volume) : sim_market_last_price(sim->market, idx));
    cb_buf_appendf(&res->body, ",\"closeTime\":%lld}", (long long) close_ms);
}

void
sim_binance_ticker_stats(const sim_market_t *market, size_t idx, int64_t now_ns, sim_binance_24hr_t *out)
{
    int64_t now_s = now_ns / S_NS;
    int64_t from = (now_s - S_DAY) - (now_s - S_DAY) % 60; /* minute-aligned: after 1970 */
    sim_candle_t before;
    sim_market_stats(market, idx, from, now_s + 1, &out->day);
    sim_market_stats(market, idx, from, from, &before);
    if (!sim_market_last_trade(market, idx, &out->last)) {
        out->last.price = sim_market_last_price(market, idx);
        out->last.qty = 0;
    }
    const sim_candle_t *day = &out->day;
    out->prev_close = before.open;
    out->change = out->last.price - day->open;
    sim_fx_t pct = day->open > 0 ? (sim_fx_t) ((__int128) out->change * 100 * SIM_SCALE / day->open) : 0;
    out->change_pct = sim_fx_round_to(pct, 100000, 0);
    out->vwap = day->volume > 0 ? sim_fx_div(day->quote_volume, day->volume) : 0;
    const sim_book_t *book = sim_market_book(market, idx);
    out->bid = sim_book_best(book, SIM_BUY, &out->bid_qty);
    out->ask = sim_book_best(book, SIM_SELL, &out->ask_qty);
    out->first_id = day->trades > 0 ? (long long) day->first_trade_id : -1;
    out->last_id = day->trades > 0 ? (long long) day->last_trade_id : -1;
    out->close_ms = (long long) (now_ns / S_MS);
    out->open_ms = out->close_ms - S_DAY * 1000LL;
}

/* One 24-hour rolling window, FULL or MINI, keys in Binance's order. */
static void
s_ticker_24hr_one(sim_t *sim, const sim_instrument_t *in, int64_t now_ns, bool mini, cb_buf_t *b)
{
    sim_binance_24hr_t st;
    sim_binance_ticker_stats(sim->market, s_index(in), now_ns, &st);
    cb_buf_appendf(b, "{\"symbol\":\"%s\",", in->id);
    if (!mini) {
        char text[32];
        cb_buf_append_str(b, "\"priceChange\":");
        s_num(b, st.change);
        cb_buf_appendf(b, ",\"priceChangePercent\":\"%s\",\"weightedAvgPrice\":",
                       sim_fx_format(st.change_pct, 3, text));
        s_num(b, st.vwap);
        cb_buf_append_str(b, ",\"prevClosePrice\":");
        s_num(b, st.prev_close);
        cb_buf_append_str(b, ",\"lastPrice\":");
        s_num(b, st.last.price);
        cb_buf_append_str(b, ",\"lastQty\":");
        s_num(b, st.last.qty);
        cb_buf_append_str(b, ",\"bidPrice\":");
        s_num(b, st.bid);
        cb_buf_append_str(b, ",\"bidQty\":");
        s_num(b, st.bid_qty);
        cb_buf_append_str(b, ",\"askPrice\":");
        s_num(b, st.ask);
        cb_buf_append_str(b, ",\"askQty\":");
        s_num(b, st.ask_qty);
        cb_buf_append_char(b, ',');
    }
    cb_buf_append_str(b, "\"openPrice\":");
    s_num(b, st.day.open);
    cb_buf_append_str(b, ",\"highPrice\":");
    s_num(b, st.day.high);
    cb_buf_append_str(b, ",\"lowPrice\":");
    s_num(b, st.day.low);
    if (mini) {
        cb_buf_append_str(b, ",\"lastPrice\":");
        s_num(b, st.last.price);
    }
    cb_buf_append_str(b, ",\"volume\":");
    s_num(b, st.day.volume);
    cb_buf_append_str(b, ",\"quoteVolume\":");
    s_num(b, st.day.quote_volume);
    cb_buf_appendf(
        b, ",\"openTime\":%lld,\"closeTime\":%lld,\"firstId\":%lld,\"lastId\":%lld,\"count\":%u}",
        st.open_ms, st.close_ms, st.first_id, st.last_id, st.day.trades);
}

static void
s_ticker_price_one(sim_t *sim, const sim_instrument_t *in, cb_buf_t *b)
{
    cb_buf_appendf(b, "{\"symbol\":\"%s\",\"price\":", in->id);
    s_num(b, sim_market_last_price(sim->market, s_index(in)));
    cb_buf_append_char(b, '}');
}

static void
s_book_ticker_one(sim_t *sim, const sim_instrument_t *in, cb_buf_t *b)
{
    const sim_book_t *book = sim_market_book(sim->market, s_index(in));
    sim_fx_t bid_qty = 0, ask_qty = 0;
    sim_fx_t bid = sim_book_best(book, SIM_BUY, &bid_qty);
    sim_fx_t ask = sim_book_best(book, SIM_SELL, &ask_qty);
    cb_buf_appendf(b, "{\"symbol\":\"%s\",\"bidPrice\":", in->id);
    s_num(b, bid);
    cb_buf_append_str(b, ",\"bidQty\":");
    s_num(b, bid_qty);
    cb_buf_append_str(b, ",\"askPrice\":");
    s_num(b, ask);
    cb_buf_append_str(b, ",\"askQty\":");
    s_num(b, ask_qty);
    cb_buf_append_char(b, '}');
}

typedef enum { S_TICKER_24HR, S_TICKER_PRICE, S_TICKER_BOOK } s_ticker_kind_t;

/* ticker/24hr, ticker/price, ticker/bookTicker: one object for symbol, an
 * array for symbols or neither. Weights as documented: 24hr 2 for symbol
 * or 1-20 symbols, 40 for 21-100, 80 for more or none; price and
 * bookTicker 2 for symbol, 4 otherwise. */
static void
s_ticker(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res, s_ticker_kind_t kind, int *weight)
{
    const sim_instrument_t *pick[SIM_BINANCE_SYMBOLS_MAX];
    sim_binance_pick_t how;
    size_t listed;
    int n = sim_binance_market_symbols(req, res, pick, sizeof pick / sizeof pick[0], &how, &listed);
    if (kind == S_TICKER_24HR) {
        *weight = how == SIM_BINANCE_SYMBOL ? 2
                  : how == SIM_BINANCE_ALL  ? 80
                  : listed <= 20            ? 2
                  : listed <= 100           ? 40
                                            : 80;
    } else {
        *weight = how == SIM_BINANCE_SYMBOL ? 2 : 4;
    }
    if (n < 0) {
        return;
    }
    bool mini = false;
    char type[16];
    bool present;
    if (kind == S_TICKER_24HR) {
        bool ok = sim_param(req->query, req->query_len, "type", type, sizeof type, &present);
        if (present && (!ok || (strcmp(type, "FULL") != 0 && strcmp(type, "MINI") != 0))) {
            sim_reply_binance_error(res, 400, -1130,
                                    "Data sent for parameter 'type' is not valid.");
            return;
        }
        mini = present && strcmp(type, "MINI") == 0;
    }
    int64_t now_ns = cb_time_now_ns();
    bool array = how != SIM_BINANCE_SYMBOL;
    if (array) {
        cb_buf_append_char(&res->body, '[');
    }
    for (int i = 0; i < n; i++) {
        if (i > 0) {
            cb_buf_append_char(&res->body, ',');
        }
        if (kind == S_TICKER_24HR) {
            s_ticker_24hr_one(sim, pick[i], now_ns, mini, &res->body);
        } else if (kind == S_TICKER_PRICE) {
            s_ticker_price_one(sim, pick[i], &res->body);
        } else {
            s_book_ticker_one(sim, pick[i], &res->body);
        }
    }
    if (array) {
        cb_buf_append_char(&res->body, ']');
    }
}

bool
sim_binance_ticker_handle(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req,
                          cb_httpd_res_t *res, int *weight)
{
    static const char *const names[] = {"ticker/24hr", "ticker/price", "ticker/bookTicker"};
    if (sim_reply_name_is(name, len, "avgPrice")) {
        *weight = 2;
        if (sim->market == NULL) {
            sim_reply_binance_error(res, 503, -1001, SIM_BINANCE_INTERNAL);
        } else {
            s_avg_price(sim, req, res);
        }
        return true;
    }
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (sim_reply_name_is(name, len, names[k])) {
            *weight = k == 0 ? 80 : 4;
            if (sim->market == NULL) {
                sim_reply_binance_error(res, 503, -1001, SIM_BINANCE_INTERNAL);
            } else {
                s_ticker(sim, req, res, (s_ticker_kind_t) k, weight);
            }
            return true;
        }
    }
    return false;
}
