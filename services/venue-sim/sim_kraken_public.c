/* sim_kraken_public.c - Kraken's public REST methods (/0/public/...): time, status, assets, pairs, market data */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cb_time.h"
#include "sim_instruments.h"
#include "sim_kraken_market.h"
#include "sim_kraken_params.h"
#include "sim_kraken_public.h"
#include "sim_reply.h"

static void
s_kraken_time(cb_httpd_res_t *res)
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
s_kraken_status(cb_httpd_res_t *res)
{
    time_t now = (time_t) (cb_time_now_ns() / 1000000000);
    struct tm tm;
    gmtime_r(&now, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cb_buf_appendf(&res->body, "{\"error\":[],\"result\":{\"status\":\"online\",\"timestamp\":\"%s\"}}", ts);
}

static void
s_kraken_asset_pairs(sim_kraken_params_t *params, cb_httpd_res_t *res)
{
    const sim_instrument_t *pairs[8];
    int n = sim_kraken_market_pairs(params, res, pairs, 8);
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
s_kraken_assets(cb_httpd_res_t *res)
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

bool
sim_kraken_public_handle(sim_t *sim, const char *method, size_t len, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    static const char *const names[] = {"Time", "SystemStatus", "AssetPairs", "Assets", "Ticker",
                                        "OHLC", "Depth",        "Trades",     "Spread"};
    size_t m = 0;
    while (m < sizeof names / sizeof names[0] && !sim_reply_name_is(method, len, names[m])) {
        m++;
    }
    if (m == sizeof names / sizeof names[0]) {
        return false;
    }
    /* GET with a query string, or POST with a form or JSON body. */
    sim_kraken_params_t p;
    if (!sim_kraken_params_open(&p, req)) {
        sim_reply_kraken_error(res, "EGeneral:Invalid arguments");
        return true;
    }
    switch (m) {
    case 0:
        s_kraken_time(res);
        break;
    case 1:
        s_kraken_status(res);
        break;
    case 2:
        s_kraken_asset_pairs(&p, res);
        break;
    case 3:
        s_kraken_assets(res);
        break;
    default:
        sim_kraken_market_handle(sim, method, len, &p, res);
        break;
    }
    sim_kraken_params_close(&p);
    return true;
}
