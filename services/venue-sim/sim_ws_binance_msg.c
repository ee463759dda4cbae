/* sim_ws_binance_msg.c - Binance market streams as bytes: stream names,
 * trade/aggTrade/kline/bookTicker/depth payloads, control replies */
#include <string.h>

#include "sim_ws_binance_msg.h"
#include "sim_ws_json.h"

static const char *const s_kline_names[SIM_WS_BN_KLINES] = {
    "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w"};
static const int64_t s_kline_seconds[SIM_WS_BN_KLINES] = {
    1, 60, 180, 300, 900, 1800, 3600, 7200, 14400, 21600, 28800, 43200, 86400, 259200, 604800};
static const char *const s_partial_names[6] = {"depth5",        "depth5@100ms", "depth10",
                                               "depth10@100ms", "depth20",      "depth20@100ms"};

/* The suffix after '@' of every topic. */
static const char *
s_suffix(int topic, char *tmp)
{
    switch (sim_ws_binance_topic_kind(topic)) {
    case SIM_WS_BN_BOOK_TICKER:
        return "bookTicker";
    case SIM_WS_BN_TRADE:
        return "trade";
    case SIM_WS_BN_AGG_TRADE:
        return "aggTrade";
    case SIM_WS_BN_KLINE:
        strcpy(tmp, "kline_");
        strcat(tmp, s_kline_names[topic - SIM_WS_BN_TOPIC_KLINE]);
        return tmp;
    case SIM_WS_BN_PARTIAL:
        return s_partial_names[topic - SIM_WS_BN_TOPIC_PARTIAL];
    case SIM_WS_BN_TICKER:
        return topic == SIM_WS_BN_TOPIC_TICKER ? "ticker" : "miniTicker";
    default:
        return topic == SIM_WS_BN_TOPIC_DIFF ? "depth" : "depth@100ms";
    }
}

bool
sim_ws_binance_stream_parse(const char *name, size_t len, size_t *inst, int *topic)
{
    const char *at = memchr(name, '@', len);
    if (at == NULL) {
        return false;
    }
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    size_t sym_len = (size_t) (at - name);
    *inst = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        if (all[i].venue == SIM_VENUE_BINANCE && strlen(all[i].wsname) == sym_len &&
            memcmp(all[i].wsname, name, sym_len) == 0) {
            *inst = i;
        }
    }
    const char *suffix = at + 1;
    size_t suffix_len = len - sym_len - 1;
    for (int t = 0; *inst != SIZE_MAX && t < SIM_WS_BN_TOPICS; t++) {
        char tmp[24];
        const char *want = s_suffix(t, tmp);
        if (strlen(want) == suffix_len && memcmp(want, suffix, suffix_len) == 0) {
            *topic = t;
            return true;
        }
    }
    return false;
}

int
sim_ws_binance_stream_name(cb_buf_t *b, const sim_instrument_t *in, int topic)
{
    char tmp[24];
    int rc = cb_buf_append_str(b, in->wsname);
    rc |= cb_buf_append_char(b, '@');
    return rc | cb_buf_append_str(b, s_suffix(topic, tmp));
}

sim_ws_bn_kind_t
sim_ws_binance_topic_kind(int topic)
{
    if (topic < SIM_WS_BN_TOPIC_KLINE) {
        return (sim_ws_bn_kind_t) topic;
    }
    return topic < SIM_WS_BN_TOPIC_PARTIAL ? SIM_WS_BN_KLINE
           : topic < SIM_WS_BN_TOPIC_DIFF  ? SIM_WS_BN_PARTIAL
           : topic < SIM_WS_BN_TOPIC_TICKER ? SIM_WS_BN_DIFF
                                            : SIM_WS_BN_TICKER;
}

int64_t
sim_ws_binance_kline_seconds(int topic)
{
    return s_kline_seconds[topic - SIM_WS_BN_TOPIC_KLINE];
}

const char *
sim_ws_binance_kline_name(int topic)
{
    return s_kline_names[topic - SIM_WS_BN_TOPIC_KLINE];
}

size_t
sim_ws_binance_partial_levels(int topic)
{
    static const size_t levels[3] = {5, 10, 20};
    return levels[(topic - SIM_WS_BN_TOPIC_PARTIAL) / 2];
}

int64_t
sim_ws_binance_period_ms(int topic)
{
    switch (sim_ws_binance_topic_kind(topic)) {
    case SIM_WS_BN_KLINE:
        return topic == SIM_WS_BN_TOPIC_KLINE ? 1000 : 2000;
    case SIM_WS_BN_PARTIAL:
        return (topic - SIM_WS_BN_TOPIC_PARTIAL) % 2 == 0 ? 1000 : 100;
    case SIM_WS_BN_DIFF:
        return topic == SIM_WS_BN_TOPIC_DIFF ? 1000 : 100;
    case SIM_WS_BN_TICKER:
        return 1000;
    default:
        return 0;
    }
}

static int
s_key_str(cb_buf_t *b, const char *key, const char *value)
{
    int rc = cb_buf_append_str(b, key);
    rc |= cb_buf_append_char(b, '"');
    rc |= cb_buf_append_str(b, value);
    return rc | cb_buf_append_char(b, '"');
}

static int
s_key_int(cb_buf_t *b, const char *key, int64_t v)
{
    return cb_buf_append_str(b, key) | sim_ws_json_i64(b, v);
}

static int
s_key_fx(cb_buf_t *b, const char *key, sim_fx_t v)
{
    return cb_buf_append_str(b, key) | sim_ws_json_fx_str(b, v, SIM_WS_BN_DECIMALS);
}

int
sim_ws_binance_msg_trade(cb_buf_t *b, const sim_instrument_t *in, const sim_trade_t *t,
                         int64_t event_ms)
{
    int rc = s_key_int(b, "{\"e\":\"trade\",\"E\":", event_ms);
    rc |= s_key_str(b, ",\"s\":", in->id);
    rc |= s_key_int(b, ",\"t\":", (int64_t) t->id);
    rc |= s_key_fx(b, ",\"p\":", t->price);
    rc |= s_key_fx(b, ",\"q\":", t->qty);
    rc |= s_key_int(b, ",\"T\":", t->time_ns / 1000000);
    return rc | cb_buf_append_str(b, t->taker_side == SIM_SELL ? ",\"m\":true,\"M\":true}"
                                                               : ",\"m\":false,\"M\":true}");
}

int
sim_ws_binance_msg_agg_trade(cb_buf_t *b, const sim_instrument_t *in, const sim_trade_t *t,
                             size_t n, int64_t event_ms)
{
    sim_fx_t qty = 0;
    for (size_t i = 0; i < n; i++) {
        qty += t[i].qty;
    }
    int rc = s_key_int(b, "{\"e\":\"aggTrade\",\"E\":", event_ms);
    rc |= s_key_str(b, ",\"s\":", in->id);
    rc |= s_key_int(b, ",\"a\":", (int64_t) t[0].id);
    rc |= s_key_fx(b, ",\"p\":", t[0].price);
    rc |= s_key_fx(b, ",\"q\":", qty);
    rc |= s_key_int(b, ",\"f\":", (int64_t) t[0].id);
    rc |= s_key_int(b, ",\"l\":", (int64_t) t[n - 1].id);
    rc |= s_key_int(b, ",\"T\":", t[0].time_ns / 1000000);
    return rc | cb_buf_append_str(b, t[0].taker_side == SIM_SELL ? ",\"m\":true,\"M\":true}"
                                                                 : ",\"m\":false,\"M\":true}");
}

int
sim_ws_binance_msg_kline(cb_buf_t *b, const sim_instrument_t *in, int topic, const sim_candle_t *c,
                         bool closed, int64_t event_ms)
{
    int64_t open_ms = c->open_s * 1000;
    bool traded = c->trades > 0;
    int rc = s_key_int(b, "{\"e\":\"kline\",\"E\":", event_ms);
    rc |= s_key_str(b, ",\"s\":", in->id);
    rc |= s_key_int(b, ",\"k\":{\"t\":", open_ms);
    rc |= s_key_int(b, ",\"T\":", open_ms + sim_ws_binance_kline_seconds(topic) * 1000 - 1);
    rc |= s_key_str(b, ",\"s\":", in->id);
    rc |= s_key_str(b, ",\"i\":", sim_ws_binance_kline_name(topic));
    rc |= s_key_int(b, ",\"f\":", traded ? (int64_t) c->first_trade_id : -1);
    rc |= s_key_int(b, ",\"L\":", traded ? (int64_t) c->last_trade_id : -1);
    rc |= s_key_fx(b, ",\"o\":", c->open);
    rc |= s_key_fx(b, ",\"c\":", c->close);
    rc |= s_key_fx(b, ",\"h\":", c->high);
    rc |= s_key_fx(b, ",\"l\":", c->low);
    rc |= s_key_fx(b, ",\"v\":", c->volume);
    rc |= s_key_int(b, ",\"n\":", c->trades);
    rc |= cb_buf_append_str(b, closed ? ",\"x\":true" : ",\"x\":false");
    rc |= s_key_fx(b, ",\"q\":", c->quote_volume);
    rc |= s_key_fx(b, ",\"V\":", c->taker_buy_volume);
    rc |= s_key_fx(b, ",\"Q\":", c->taker_buy_quote_volume);
    return rc | cb_buf_append_str(b, ",\"B\":\"0\"}}");
}

int
sim_ws_binance_msg_book_ticker(cb_buf_t *b, const sim_instrument_t *in, uint64_t update_id,
                               sim_fx_t bid, sim_fx_t bid_qty, sim_fx_t ask, sim_fx_t ask_qty)
{
    int rc = cb_buf_append_str(b, "{\"u\":") | sim_ws_json_u64(b, update_id);
    rc |= s_key_str(b, ",\"s\":", in->id);
    rc |= s_key_fx(b, ",\"b\":", bid);
    rc |= s_key_fx(b, ",\"B\":", bid_qty);
    rc |= s_key_fx(b, ",\"a\":", ask);
    rc |= s_key_fx(b, ",\"A\":", ask_qty);
    return rc | cb_buf_append_char(b, '}');
}

/* The window's open, high, low, volume and quote volume: ,"o",..,"q". */
static int
s_ticker_day(cb_buf_t *b, const sim_binance_24hr_t *st)
{
    int rc = s_key_fx(b, ",\"o\":", st->day.open);
    rc |= s_key_fx(b, ",\"h\":", st->day.high);
    rc |= s_key_fx(b, ",\"l\":", st->day.low);
    rc |= s_key_fx(b, ",\"v\":", st->day.volume);
    return rc | s_key_fx(b, ",\"q\":", st->day.quote_volume);
}

int
sim_ws_binance_msg_ticker(cb_buf_t *b, const sim_instrument_t *in, const sim_binance_24hr_t *st, bool mini,
                          int64_t event_ms)
{
    if (mini) {
        int rc = s_key_int(b, "{\"e\":\"24hrMiniTicker\",\"E\":", event_ms);
        rc |= s_key_str(b, ",\"s\":", in->id);
        rc |= s_key_fx(b, ",\"c\":", st->last.price);
        rc |= s_ticker_day(b, st);
        return rc | cb_buf_append_char(b, '}');
    }
    int rc = s_key_int(b, "{\"e\":\"24hrTicker\",\"E\":", event_ms);
    rc |= s_key_str(b, ",\"s\":", in->id);
    rc |= s_key_fx(b, ",\"p\":", st->change);
    rc |= cb_buf_append_str(b, ",\"P\":");
    rc |= sim_ws_json_fx_str(b, st->change_pct, 3);
    rc |= s_key_fx(b, ",\"w\":", st->vwap);
    rc |= s_key_fx(b, ",\"x\":", st->prev_close);
    rc |= s_key_fx(b, ",\"c\":", st->last.price);
    rc |= s_key_fx(b, ",\"Q\":", st->last.qty);
    rc |= s_key_fx(b, ",\"b\":", st->bid);
    rc |= s_key_fx(b, ",\"B\":", st->bid_qty);
    rc |= s_key_fx(b, ",\"a\":", st->ask);
    rc |= s_key_fx(b, ",\"A\":", st->ask_qty);
    rc |= s_ticker_day(b, st);
    rc |= s_key_int(b, ",\"O\":", st->open_ms);
    rc |= s_key_int(b, ",\"C\":", st->close_ms);
    rc |= s_key_int(b, ",\"F\":", st->first_id);
    rc |= s_key_int(b, ",\"L\":", st->last_id);
    rc |= s_key_int(b, ",\"n\":", (int64_t) st->day.trades);
    return rc | cb_buf_append_char(b, '}');
}

static int
s_pairs(cb_buf_t *b, const sim_level_t *l, size_t n)
{
    int rc = cb_buf_append_char(b, '[');
    for (size_t i = 0; i < n; i++) {
        rc |= cb_buf_append_str(b, i == 0 ? "[" : ",[");
        rc |= sim_ws_json_fx_str(b, l[i].price, SIM_WS_BN_DECIMALS);
        rc |= cb_buf_append_char(b, ',');
        rc |= sim_ws_json_fx_str(b, l[i].qty, SIM_WS_BN_DECIMALS);
        rc |= cb_buf_append_char(b, ']');
    }
    return rc | cb_buf_append_char(b, ']');
}

int
sim_ws_binance_msg_partial(cb_buf_t *b, uint64_t last_update_id, const sim_level_t *bids, size_t nb,
                           const sim_level_t *asks, size_t na)
{
    int rc = cb_buf_append_str(b, "{\"lastUpdateId\":") | sim_ws_json_u64(b, last_update_id);
    rc |= cb_buf_append_str(b, ",\"bids\":") | s_pairs(b, bids, nb);
    rc |= cb_buf_append_str(b, ",\"asks\":") | s_pairs(b, asks, na);
    return rc | cb_buf_append_char(b, '}');
}

int
sim_ws_binance_msg_diff(cb_buf_t *b, const sim_instrument_t *in, int64_t event_ms,
                        uint64_t first_id, uint64_t last_id, const sim_level_t *bids, size_t nb,
                        const sim_level_t *asks, size_t na)
{
    int rc = s_key_int(b, "{\"e\":\"depthUpdate\",\"E\":", event_ms);
    rc |= s_key_str(b, ",\"s\":", in->id);
    rc |= cb_buf_append_str(b, ",\"U\":") | sim_ws_json_u64(b, first_id);
    rc |= cb_buf_append_str(b, ",\"u\":") | sim_ws_json_u64(b, last_id);
    rc |= cb_buf_append_str(b, ",\"b\":") | s_pairs(b, bids, nb);
    rc |= cb_buf_append_str(b, ",\"a\":") | s_pairs(b, asks, na);
    return rc | cb_buf_append_char(b, '}');
}

int
sim_ws_binance_msg_combined(cb_buf_t *b, const sim_instrument_t *in, int topic, const char *payload,
                            size_t len)
{
    int rc = cb_buf_append_str(b, "{\"stream\":\"");
    rc |= sim_ws_binance_stream_name(b, in, topic);
    rc |= cb_buf_append_str(b, "\",\"data\":");
    rc |= cb_buf_append(b, payload, len);
    return rc | cb_buf_append_char(b, '}');
}

int
sim_ws_binance_msg_error(cb_buf_t *b, int code, const char *msg, const char *id_json)
{
    int rc = s_key_int(b, "{\"error\":{\"code\":", code);
    rc |= cb_buf_append_str(b, ",\"msg\":") | sim_ws_json_str(b, msg, strlen(msg));
    rc |= cb_buf_append_str(b, "},\"id\":");
    rc |= cb_buf_append_str(b, id_json != NULL ? id_json : "null");
    return rc | cb_buf_append_char(b, '}');
}
