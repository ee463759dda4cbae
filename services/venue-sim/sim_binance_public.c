/* sim_binance_public.c - Binance's public REST endpoints (/api/v3/...): ping, time, exchangeInfo, market data */
#include <stdio.h>
#include <string.h>

#include "cb_time.h"
#include "sim_binance_market.h"
#include "sim_binance_public.h"
#include "sim_instruments.h"
#include "sim_params.h"
#include "sim_reply.h"

static void
s_binance_symbol_json(cb_httpd_res_t *res, const sim_instrument_t *in)
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
                   "\"orderTypes\":[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\",\"STOP_LOSS\",\"STOP_LOSS_LIMIT\",\"TAKE_PROFIT\",\"TAKE_PROFIT_LIMIT\"],"
                   "\"icebergAllowed\":false,\"ocoAllowed\":false,\"otoAllowed\":false,"
                   "\"quoteOrderQtyMarketAllowed\":true,\"allowTrailingStop\":false,\"cancelReplaceAllowed\":true,"
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
s_binance_exchange_info(const cb_httpd_req_t *req, cb_httpd_res_t *res)
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
            sim_reply_binance_error(res, 400, -1121, "Invalid symbol.");
            return;
        }
        pick[n++] = in;
    } else if (present) {
        sim_reply_binance_error(res, 400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
        return;
    } else if (sim_param(req->query, req->query_len, "symbols", many, sizeof many, &present)) {
        /* symbols=["BTCUSDT","ETHUSDT"] (URL-encoded JSON array). */
        char *p = many;
        size_t len = strlen(many);
        if (len < 2 || p[0] != '[' || p[len - 1] != ']') {
            sim_reply_binance_error(res, 400, -1100, "Illegal characters found in parameter 'symbols'; legal range is '^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.");
            return;
        }
        p[len - 1] = '\0';
        for (char *save = NULL, *tok = strtok_r(p + 1, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
            size_t tl = strlen(tok);
            if (tl < 2 || tok[0] != '"' || tok[tl - 1] != '"') {
                sim_reply_binance_error(res, 400, -1100, "Illegal characters found in parameter 'symbols'.");
                return;
            }
            const sim_instrument_t *in = sim_instrument_find(SIM_VENUE_BINANCE, tok + 1, tl - 2);
            if (in == NULL || n == 8) {
                sim_reply_binance_error(res, 400, -1121, "Invalid symbol.");
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

bool
sim_binance_public_handle(sim_t *sim, const char *name, size_t len, const cb_httpd_req_t *req, cb_httpd_res_t *res,
                          int *weight)
{
    *weight = 1;
    if (sim_reply_name_is(name, len, "ping")) {
        cb_buf_append_str(&res->body, "{}");
    } else if (sim_reply_name_is(name, len, "time")) {
        cb_buf_appendf(&res->body, "{\"serverTime\":%lld}", (long long) (cb_time_now_ns() / 1000000));
    } else if (sim_reply_name_is(name, len, "exchangeInfo")) {
        *weight = 20;
        s_binance_exchange_info(req, res);
    } else {
        return sim_binance_market_handle(sim, name, len, req, res, weight);
    }
    return true;
}
