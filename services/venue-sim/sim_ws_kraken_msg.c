/* sim_ws_kraken_msg.c - Kraken WebSocket v2 messages as bytes: status, book with its CRC32
 * checksum, ticker, trade, ohlc */
#include <string.h>

#include "cb_crc32.h"
#include "sim_ws_json.h"
#include "sim_ws_kraken_msg.h"

#define S_CHECKSUM_LEVELS 10

/* Appends one price or quantity as the checksum wants it at out (room for
 * 32 bytes): printed at decimals, without the '.', without leading zeros
 * (zero: nothing). Returns the bytes written. */
static size_t
s_crc_value(char *out, sim_fx_t v, int decimals)
{
    char tmp[32];
    size_t n = 0;
    if (v >= 0 && decimals >= 0 && decimals <= SIM_DECIMALS) {
        /* The digits without the point are v at decimals as an integer. */
        unsigned long long scaled = (unsigned long long) v;
        for (int d = decimals; d < SIM_DECIMALS; d++) {
            scaled /= 10;
        }
        char *end = tmp + sizeof tmp;
        char *p = end;
        while (scaled != 0) {
            *--p = (char) ('0' + scaled % 10);
            scaled /= 10;
        }
        n = (size_t) (end - p);
        memcpy(out, p, n);
        return n;
    }
    sim_fx_format(v, decimals, tmp);
    for (const char *p = tmp; *p != '\0'; p++) {
        if (*p != '.' && !(n == 0 && *p == '0')) {
            out[n++] = *p;
        }
    }
    return n;
}

uint32_t
sim_ws_kraken_checksum(const sim_instrument_t *in, const sim_level_t *asks, size_t na,
                       const sim_level_t *bids, size_t nb)
{
    /* The CRC of the concatenation, in one pass over one buffer. */
    char text[4 * S_CHECKSUM_LEVELS * 32];
    size_t n = 0;
    for (size_t i = 0; i < na && i < S_CHECKSUM_LEVELS; i++) {
        n += s_crc_value(text + n, asks[i].price, in->price_decimals);
        n += s_crc_value(text + n, asks[i].qty, in->qty_decimals);
    }
    for (size_t i = 0; i < nb && i < S_CHECKSUM_LEVELS; i++) {
        n += s_crc_value(text + n, bids[i].price, in->price_decimals);
        n += s_crc_value(text + n, bids[i].qty, in->qty_decimals);
    }
    return cb_crc32(0, text, n);
}

/* True when price a ranks before b on side. */
static bool
s_better(sim_side_t side, sim_fx_t a, sim_fx_t b)
{
    return side == SIM_BUY ? a > b : a < b;
}

size_t
sim_ws_kraken_book_diff(sim_side_t side, const sim_level_t *old, size_t no, const sim_level_t *nw,
                        size_t nn, size_t depth, sim_level_t *out)
{
    size_t n = 0;
    bool full = nn >= depth && nn > 0;
    /* Deletes: levels the client holds that the new top no longer has,
     * unless they are merely below a full top (truncated by the client). */
    size_t j = 0;
    for (size_t i = 0; i < no; i++) {
        while (j < nn && s_better(side, nw[j].price, old[i].price)) {
            j++;
        }
        bool kept = j < nn && nw[j].price == old[i].price;
        bool pushed_out = full && s_better(side, nw[nn - 1].price, old[i].price);
        if (!kept && !pushed_out) {
            out[n++] = (sim_level_t){old[i].price, 0, 0};
        }
    }
    /* Then every new or changed level, best first. */
    size_t i = 0;
    for (j = 0; j < nn; j++) {
        while (i < no && s_better(side, old[i].price, nw[j].price)) {
            i++;
        }
        if (i >= no || old[i].price != nw[j].price || old[i].qty != nw[j].qty) {
            out[n++] = nw[j];
        }
    }
    return n;
}

int
sim_ws_kraken_msg_status(cb_buf_t *b, uint64_t connection_id)
{
    int rc = cb_buf_append_str(
        b, "{\"channel\":\"status\",\"type\":\"update\",\"data\":[{\"version\":\"2.0.0\","
           "\"system\":\"online\",\"api_version\":\"v2\",\"connection_id\":");
    rc |= sim_ws_json_u64(b, connection_id);
    return rc | cb_buf_append_str(b, "}]}");
}

static int
s_head(cb_buf_t *b, const char *channel, bool snapshot)
{
    int rc = cb_buf_append_str(b, "{\"channel\":\"");
    rc |= cb_buf_append_str(b, channel);
    return rc |
           cb_buf_append_str(b, snapshot ? "\",\"type\":\"snapshot\"" : "\",\"type\":\"update\"");
}

static int
s_symbol(cb_buf_t *b, const sim_instrument_t *in)
{
    int rc = cb_buf_append_str(b, "{\"symbol\":\"");
    rc |= cb_buf_append_str(b, in->ws2name);
    return rc | cb_buf_append_char(b, '"');
}

static int
s_levels(cb_buf_t *b, const sim_instrument_t *in, const sim_level_t *l, size_t n)
{
    int rc = cb_buf_append_char(b, '[');
    for (size_t i = 0; i < n; i++) {
        rc |= cb_buf_append_str(b, i == 0 ? "{\"price\":" : ",{\"price\":");
        rc |= sim_ws_json_fx(b, l[i].price, in->price_decimals);
        rc |= cb_buf_append_str(b, ",\"qty\":");
        rc |= sim_ws_json_fx(b, l[i].qty, in->qty_decimals);
        rc |= cb_buf_append_char(b, '}');
    }
    return rc | cb_buf_append_char(b, ']');
}

int
sim_ws_kraken_msg_book(cb_buf_t *b, const sim_instrument_t *in, bool snapshot,
                       const sim_level_t *bids, size_t nb, const sim_level_t *asks, size_t na,
                       uint32_t checksum, int64_t time_ns)
{
    int rc = s_head(b, "book", snapshot);
    rc |= cb_buf_append_str(b, ",\"data\":[");
    rc |= s_symbol(b, in);
    rc |= cb_buf_append_str(b, ",\"bids\":");
    rc |= s_levels(b, in, bids, nb);
    rc |= cb_buf_append_str(b, ",\"asks\":");
    rc |= s_levels(b, in, asks, na);
    rc |= cb_buf_append_str(b, ",\"checksum\":");
    rc |= sim_ws_json_u64(b, checksum);
    if (time_ns > 0) {
        rc |= cb_buf_append_str(b, ",\"timestamp\":");
        rc |= sim_ws_json_time(b, time_ns, 6);
    }
    return rc | cb_buf_append_str(b, "}]}");
}

/* 10^(8 - decimals): one unit of the last printed digit. */
static sim_fx_t
s_unit(int decimals)
{
    sim_fx_t u = 1;
    for (int i = decimals; i < SIM_DECIMALS; i++) {
        u *= 10;
    }
    return u;
}

sim_fx_t
sim_ws_kraken_vwap(const sim_instrument_t *in, const sim_candle_t *c)
{
    if (c->volume <= 0) {
        return 0;
    }
    return sim_fx_round_to(sim_fx_div(c->quote_volume, c->volume), s_unit(in->price_decimals), 0);
}

/* change / open in percent, two digits, rounded half away from zero. */
static sim_fx_t
s_percent(sim_fx_t change, sim_fx_t open)
{
    if (open <= 0) {
        return 0;
    }
    sim_fx_t mag = change < 0 ? -change : change;
    sim_fx_t pct = sim_fx_round_to(sim_fx_div(mag * 100, open), s_unit(2), 0);
    return change < 0 ? -pct : pct;
}

int
sim_ws_kraken_msg_ticker(cb_buf_t *b, const sim_instrument_t *in, bool snapshot,
                         const sim_ws_kraken_ticker_t *t)
{
    int pd = in->price_decimals;
    sim_fx_t change = t->last - t->day.open;
    int rc = s_head(b, "ticker", snapshot);
    rc |= cb_buf_append_str(b, ",\"data\":[");
    rc |= s_symbol(b, in);
    rc |= cb_buf_append_str(b, ",\"bid\":");
    rc |= sim_ws_json_fx(b, t->bid, pd);
    rc |= cb_buf_append_str(b, ",\"bid_qty\":");
    rc |= sim_ws_json_fx(b, t->bid_qty, in->qty_decimals);
    rc |= cb_buf_append_str(b, ",\"ask\":");
    rc |= sim_ws_json_fx(b, t->ask, pd);
    rc |= cb_buf_append_str(b, ",\"ask_qty\":");
    rc |= sim_ws_json_fx(b, t->ask_qty, in->qty_decimals);
    rc |= cb_buf_append_str(b, ",\"last\":");
    rc |= sim_ws_json_fx(b, t->last, pd);
    rc |= cb_buf_append_str(b, ",\"volume\":");
    rc |= sim_ws_json_fx(b, t->day.volume, in->qty_decimals);
    rc |= cb_buf_append_str(b, ",\"vwap\":");
    rc |= sim_ws_json_fx(b, sim_ws_kraken_vwap(in, &t->day), pd);
    rc |= cb_buf_append_str(b, ",\"low\":");
    rc |= sim_ws_json_fx(b, t->day.low, pd);
    rc |= cb_buf_append_str(b, ",\"high\":");
    rc |= sim_ws_json_fx(b, t->day.high, pd);
    rc |= cb_buf_append_str(b, ",\"change\":");
    rc |= sim_ws_json_fx(b, change, pd);
    rc |= cb_buf_append_str(b, ",\"change_pct\":");
    rc |= sim_ws_json_fx(b, s_percent(change, t->day.open), 2);
    rc |= cb_buf_append_str(b, ",\"timestamp\":");
    rc |= sim_ws_json_time(b, t->time_ns, 6);
    return rc | cb_buf_append_str(b, "}]}");
}

int
sim_ws_kraken_msg_trades(cb_buf_t *b, const sim_instrument_t *in, bool snapshot,
                         const sim_trade_t *trades, size_t n)
{
    int rc = s_head(b, "trade", snapshot);
    rc |= cb_buf_append_str(b, ",\"data\":[");
    for (size_t i = 0; i < n; i++) {
        const sim_trade_t *t = &trades[i];
        if (i > 0) {
            rc |= cb_buf_append_char(b, ',');
        }
        rc |= s_symbol(b, in);
        rc |= cb_buf_append_str(b, t->taker_side == SIM_BUY ? ",\"side\":\"buy\",\"price\":"
                                                            : ",\"side\":\"sell\",\"price\":");
        rc |= sim_ws_json_fx(b, t->price, in->price_decimals);
        rc |= cb_buf_append_str(b, ",\"qty\":");
        rc |= sim_ws_json_fx(b, t->qty, in->qty_decimals);
        rc |= cb_buf_append_str(b, t->taker_market ? ",\"ord_type\":\"market\",\"trade_id\":"
                                                   : ",\"ord_type\":\"limit\",\"trade_id\":");
        rc |= sim_ws_json_u64(b, t->id);
        rc |= cb_buf_append_str(b, ",\"timestamp\":");
        rc |= sim_ws_json_time(b, t->time_ns, 6);
        rc |= cb_buf_append_char(b, '}');
    }
    return rc | cb_buf_append_str(b, "]}");
}

int
sim_ws_kraken_msg_ohlc(cb_buf_t *b, const sim_instrument_t *in, bool snapshot, int interval_min,
                       const sim_candle_t *candles, size_t n, int64_t now_ns)
{
    int pd = in->price_decimals;
    int rc = s_head(b, "ohlc", snapshot);
    rc |= cb_buf_append_str(b, ",\"timestamp\":");
    rc |= sim_ws_json_time(b, now_ns, 6);
    rc |= cb_buf_append_str(b, ",\"data\":[");
    for (size_t i = 0; i < n; i++) {
        const sim_candle_t *c = &candles[i];
        if (i > 0) {
            rc |= cb_buf_append_char(b, ',');
        }
        rc |= s_symbol(b, in);
        rc |= cb_buf_append_str(b, ",\"open\":");
        rc |= sim_ws_json_fx(b, c->open, pd);
        rc |= cb_buf_append_str(b, ",\"high\":");
        rc |= sim_ws_json_fx(b, c->high, pd);
        rc |= cb_buf_append_str(b, ",\"low\":");
        rc |= sim_ws_json_fx(b, c->low, pd);
        rc |= cb_buf_append_str(b, ",\"close\":");
        rc |= sim_ws_json_fx(b, c->close, pd);
        rc |= cb_buf_append_str(b, ",\"trades\":");
        rc |= sim_ws_json_u64(b, c->trades);
        rc |= cb_buf_append_str(b, ",\"volume\":");
        rc |= sim_ws_json_fx(b, c->volume, in->qty_decimals);
        rc |= cb_buf_append_str(b, ",\"vwap\":");
        rc |= sim_ws_json_fx(b, sim_ws_kraken_vwap(in, c), pd);
        rc |= cb_buf_append_str(b, ",\"interval_begin\":");
        rc |= sim_ws_json_time(b, c->open_s * 1000000000LL, 9);
        rc |= cb_buf_append_str(b, ",\"interval\":");
        rc |= sim_ws_json_i64(b, interval_min);
        rc |= cb_buf_append_str(b, ",\"timestamp\":");
        rc |= sim_ws_json_time(b, (c->open_s + (int64_t) interval_min * 60) * 1000000000LL, 6);
        rc |= cb_buf_append_char(b, '}');
    }
    return rc | cb_buf_append_str(b, "]}");
}
