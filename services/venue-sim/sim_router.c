/* sim_router.c - venue-sim's request dispatch: /kraken/0/public/..., /binance/api/v3/..., answered in each venue's dialect */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cb_time.h"
#include "sim_instruments.h"
#include "sim_params.h"
#include "sim_router.h"

static bool
s_path_is(const sim_req_t *req, size_t off, const char *want)
{
    size_t n = strlen(want);
    return req->path_len - off == n && memcmp(req->path + off, want, n) == 0;
}

static bool
s_prefix(const sim_req_t *req, const char *prefix)
{
    size_t n = strlen(prefix);
    return req->path_len >= n && memcmp(req->path, prefix, n) == 0;
}

/* ---- Kraken ------------------------------------------------------------------ */

static void
s_kraken_error(sim_res_t *res, const char *error)
{
    cb_buf_appendf(&res->body, "{\"error\":[\"%s\"]}", error);
}

static void
s_kraken_time(sim_res_t *res)
{
    time_t now = (time_t) (cb_time_now_ns() / 1000000000);
    struct tm tm;
    gmtime_r(&now, &tm);
    /* Kraken's rfc1123 has a two-digit year: "Tue, 11 Nov 25 00:17:04 +0000". */
    char day_month[32];
    char clock[16];
    strftime(day_month, sizeof day_month, "%a, %d %b", &tm);
    strftime(clock, sizeof clock, "%H:%M:%S", &tm);
    char rfc[64];
    snprintf(rfc, sizeof rfc, "%s %02d %s +0000", day_month, tm.tm_year % 100, clock);
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"unixtime\":%lld,\"rfc1123\":\"%s\"}}",
                   (long long) now, rfc);
}

static void
s_kraken_status(sim_res_t *res)
{
    time_t now = (time_t) (cb_time_now_ns() / 1000000000);
    struct tm tm;
    gmtime_r(&now, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"status\":\"online\",\"timestamp\":\"%s\"}}", ts);
}

/* The pairs a request names ("pair=XBTUSD,ETHUSD"; all when absent), or -1
 * with the error written. */
static int
s_kraken_pairs(const sim_req_t *req, sim_res_t *res, const sim_instrument_t **out, size_t max)
{
    char list[512];
    bool present;
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    if (!sim_param(req->query, req->query_len, "pair", list, sizeof list, &present) || list[0] == '\0') {
        if (present) {
            s_kraken_error(res, "EQuery:Unknown asset pair");
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
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        const sim_instrument_t *in = sim_instrument_find(SIM_VENUE_KRAKEN, tok, strlen(tok));
        if (in == NULL || n == max) {
            s_kraken_error(res, "EQuery:Unknown asset pair");
            return -1;
        }
        out[n++] = in;
    }
    return (int) n;
}

static void
s_kraken_asset_pairs(const sim_req_t *req, sim_res_t *res)
{
    const sim_instrument_t *pairs[8];
    int n = s_kraken_pairs(req, res, pairs, 8);
    if (n < 0) {
        return;
    }
    cb_buf_append_str(&res->body, "{\"error\":[],\"result\":{");
    for (int i = 0; i < n; i++) {
        const sim_instrument_t *p = pairs[i];
        char ordermin[32], costmin[32], tick[32], maker[32], taker[32];
        sim_fx_format(p->min_qty, p->qty_decimals, ordermin);
        sim_fx_format(p->min_notional, 1, costmin);
        sim_fx_format(p->tick, p->price_decimals, tick);
        sim_fx_format(p->maker_fee_bps / 100, 2, maker);
        sim_fx_format(p->taker_fee_bps / 100, 2, taker);
        cb_buf_appendf(&res->body,
                       "%s\"%s\":{\"altname\":\"%s\",\"wsname\":\"%s\",\"aclass_base\":\"currency\","
                       "\"base\":\"%s\",\"aclass_quote\":\"currency\",\"quote\":\"%s\",\"lot\":\"unit\","
                       "\"cost_decimals\":%d,\"pair_decimals\":%d,\"lot_decimals\":%d,\"lot_multiplier\":1,"
                       "\"leverage_buy\":[],\"leverage_sell\":[],\"fees\":[[0,%s]],\"fees_maker\":[[0,%s]],"
                       "\"fee_volume_currency\":\"ZUSD\",\"margin_call\":80,\"margin_stop\":40,"
                       "\"ordermin\":\"%s\",\"costmin\":\"%s\",\"tick_size\":\"%s\",\"status\":\"online\"}",
                       i == 0 ? "" : ",", p->id, p->altname, p->wsname, p->base, p->quote,
                       p->cost_decimals, p->price_decimals, p->qty_decimals, taker, maker, ordermin,
                       costmin, tick);
    }
    cb_buf_append_str(&res->body, "}}");
}

static void
s_kraken_assets(sim_res_t *res)
{
    static const char *const ids[][3] = {{"XXBT", "XBT", "10"}, {"XETH", "ETH", "10"},
                                         {"SOL", "SOL", "10"},  {"ZUSD", "USD", "4"}};
    cb_buf_append_str(&res->body, "{\"error\":[],\"result\":{");
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        cb_buf_appendf(&res->body,
                       "%s\"%s\":{\"aclass\":\"currency\",\"altname\":\"%s\",\"decimals\":%s,"
                       "\"display_decimals\":%d,\"status\":\"enabled\"}",
                       i == 0 ? "" : ",", ids[i][0], ids[i][1], ids[i][2], i == 3 ? 2 : 5);
    }
    cb_buf_append_str(&res->body, "}}");
}

static void
s_kraken(const sim_req_t *req, sim_res_t *res)
{
    size_t off = strlen("/kraken/0/public/");
    if (s_prefix(req, "/kraken/0/public/")) {
        if (s_path_is(req, off, "Time")) {
            s_kraken_time(res);
        } else if (s_path_is(req, off, "SystemStatus")) {
            s_kraken_status(res);
        } else if (s_path_is(req, off, "AssetPairs")) {
            s_kraken_asset_pairs(req, res);
        } else if (s_path_is(req, off, "Assets")) {
            s_kraken_assets(res);
        } else {
            s_kraken_error(res, "EGeneral:Unknown method");
        }
        return;
    }
    /* Kraken answers 404 outside its API paths. */
    res->status = 404;
    s_kraken_error(res, "EGeneral:Unknown method");
}

/* ---- Binance ----------------------------------------------------------------- */

static void
s_binance_error(sim_res_t *res, int status, int code, const char *msg)
{
    res->status = status;
    cb_buf_appendf(&res->body, "{\"code\":%d,\"msg\":\"%s\"}", code, msg);
}

static void
s_binance_symbol_json(sim_res_t *res, const sim_instrument_t *in)
{
    char tick[32], step[32], minq[32], maxq[32], notional[32];
    sim_fx_format(in->tick, 8, tick);
    sim_fx_format(in->step, 8, step);
    sim_fx_format(in->min_qty, 8, minq);
    sim_fx_format(in->max_qty, 8, maxq);
    sim_fx_format(in->min_notional, 8, notional);
    cb_buf_appendf(&res->body,
                   "{\"symbol\":\"%s\",\"status\":\"TRADING\",\"baseAsset\":\"%s\",\"baseAssetPrecision\":8,"
                   "\"quoteAsset\":\"%s\",\"quotePrecision\":8,\"quoteAssetPrecision\":8,"
                   "\"baseCommissionPrecision\":8,\"quoteCommissionPrecision\":8,"
                   "\"orderTypes\":[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\",\"STOP_LOSS_LIMIT\",\"TAKE_PROFIT_LIMIT\"],"
                   "\"icebergAllowed\":false,\"ocoAllowed\":false,\"otoAllowed\":false,"
                   "\"quoteOrderQtyMarketAllowed\":true,\"allowTrailingStop\":false,\"cancelReplaceAllowed\":false,"
                   "\"isSpotTradingAllowed\":true,\"isMarginTradingAllowed\":false,"
                   "\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"%s\",\"maxPrice\":\"1000000.00000000\",\"tickSize\":\"%s\"},"
                   "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"%s\",\"maxQty\":\"%s\",\"stepSize\":\"%s\"},"
                   "{\"filterType\":\"NOTIONAL\",\"minNotional\":\"%s\",\"applyMinToMarket\":true,"
                   "\"maxNotional\":\"9000000.00000000\",\"applyMaxToMarket\":false,\"avgPriceMins\":5},"
                   "{\"filterType\":\"MAX_NUM_ORDERS\",\"maxNumOrders\":200}],"
                   "\"permissions\":[],\"permissionSets\":[[\"SPOT\"]],"
                   "\"defaultSelfTradePreventionMode\":\"EXPIRE_MAKER\","
                   "\"allowedSelfTradePreventionModes\":[\"NONE\",\"EXPIRE_TAKER\",\"EXPIRE_MAKER\",\"EXPIRE_BOTH\"]}",
                   in->id, in->base, in->quote, tick, tick, minq, maxq, step, notional);
}

static void
s_binance_exchange_info(const sim_req_t *req, sim_res_t *res)
{
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    const sim_instrument_t *pick[8];
    size_t n = 0;
    char one[64];
    char many[512];
    bool present;
    if (sim_param(req->query, req->query_len, "symbol", one, sizeof one, &present) && one[0] != '\0') {
        const sim_instrument_t *in = sim_instrument_find(SIM_VENUE_BINANCE, one, strlen(one));
        if (in == NULL) {
            s_binance_error(res, 400, -1121, "Invalid symbol.");
            return;
        }
        pick[n++] = in;
    } else if (present) {
        s_binance_error(res, 400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
        return;
    } else if (sim_param(req->query, req->query_len, "symbols", many, sizeof many, &present)) {
        /* symbols=["BTCUSDT","ETHUSDT"] (URL-encoded JSON array). */
        char *p = many;
        size_t len = strlen(many);
        if (len < 2 || p[0] != '[' || p[len - 1] != ']') {
            s_binance_error(res, 400, -1100, "Illegal characters found in parameter 'symbols'; legal range is '^\\\\[(\\\"[A-Z0-9-_.]{1,20}\\\"(,\\\"[A-Z0-9-_.]{1,20}\\\"){0,}){0,1}\\\\]$'.");
            return;
        }
        p[len - 1] = '\0';
        for (char *save = NULL, *tok = strtok_r(p + 1, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
            size_t tl = strlen(tok);
            if (tl < 2 || tok[0] != '"' || tok[tl - 1] != '"') {
                s_binance_error(res, 400, -1100, "Illegal characters found in parameter 'symbols'.");
                return;
            }
            const sim_instrument_t *in = sim_instrument_find(SIM_VENUE_BINANCE, tok + 1, tl - 2);
            if (in == NULL || n == 8) {
                s_binance_error(res, 400, -1121, "Invalid symbol.");
                return;
            }
            pick[n++] = in;
        }
    } else {
        for (size_t i = 0; i < count; i++) {
            if (all[i].venue == SIM_VENUE_BINANCE) {
                pick[n++] = &all[i];
            }
        }
    }
    cb_buf_appendf(&res->body,
                   "{\"timezone\":\"UTC\",\"serverTime\":%lld,\"rateLimits\":["
                   "{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":6000},"
                   "{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":100},"
                   "{\"rateLimitType\":\"ORDERS\",\"interval\":\"DAY\",\"intervalNum\":1,\"limit\":200000},"
                   "{\"rateLimitType\":\"RAW_REQUESTS\",\"interval\":\"MINUTE\",\"intervalNum\":5,\"limit\":300000}],"
                   "\"exchangeFilters\":[],\"symbols\":[",
                   (long long) (cb_time_now_ns() / 1000000));
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            cb_buf_append_char(&res->body, ',');
        }
        s_binance_symbol_json(res, pick[i]);
    }
    cb_buf_append_str(&res->body, "]}");
}

static void
s_binance(const sim_req_t *req, sim_res_t *res)
{
    size_t off = strlen("/binance/api/v3/");
    if (!s_prefix(req, "/binance/api/v3/")) {
        s_binance_error(res, 404, -1000, "An unknown error occurred while processing the request.");
        return;
    }
    int weight = 1;
    if (s_path_is(req, off, "ping")) {
        cb_buf_append_str(&res->body, "{}");
    } else if (s_path_is(req, off, "time")) {
        cb_buf_appendf(&res->body, "{\"serverTime\":%lld}", (long long) (cb_time_now_ns() / 1000000));
    } else if (s_path_is(req, off, "exchangeInfo")) {
        weight = 20;
        s_binance_exchange_info(req, res);
    } else {
        s_binance_error(res, 404, -1000, "An unknown error occurred while processing the request.");
    }
    char used[32];
    snprintf(used, sizeof used, "%d", weight);
    sim_res_header(res, "x-mbx-used-weight", used);
    sim_res_header(res, "x-mbx-used-weight-1m", used);
}

void
sim_router_handle(void *ctx, const sim_req_t *req, sim_res_t *res)
{
    (void) ctx;
    if (s_prefix(req, "/kraken/")) {
        s_kraken(req, res);
    } else if (s_prefix(req, "/binance/")) {
        s_binance(req, res);
    } else {
        res->status = 404;
        cb_buf_append_str(&res->body, "{\"error\":\"not found: venue-sim serves /kraken/... and /binance/...\"}");
    }
}
