/* sim_kraken_format.c - Kraken's ids and objects: OXXXXX-XXXXX-XXXXXX txids, OrderInfo and trade JSON, descr.order text */
#include <stdio.h>
#include <string.h>

#include "cb_json.h"
#include "sim_kraken_format.h"

static const char s_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* An odd multiplier makes the mapping one-to-one on 64 bits. */
static uint64_t
s_mult(char prefix)
{
    return prefix == 'O' ? 0x9e3779b97f4a7c15ULL : 0xc2b2ae3d27d4eb4fULL;
}

static uint64_t
s_inverse(uint64_t a)
{
    uint64_t x = a;
    for (int i = 0; i < 6; i++) {
        x *= 2 - a * x;
    }
    return x;
}

/* 16 symbols: 3 check symbols from the id, then 13 (65 bits) of the
 * scrambled id, shown as 5-5-6 after the prefix. */
static void
s_symbols(char prefix, uint64_t id, char sym[16])
{
    uint64_t v = id * s_mult(prefix);
    uint64_t check = (v ^ (v >> 29) ^ 0x5bd1e995ULL) * 0x100000001b3ULL;
    for (int i = 0; i < 3; i++) {
        sym[i] = s_alphabet[(check >> (59 - 5 * i)) & 31];
    }
    for (int i = 0; i < 13; i++) {
        sym[3 + i] = s_alphabet[(v >> (60 - 5 * i)) & 31];
    }
}

void
sim_kraken_txid(char prefix, uint64_t id, char *out)
{
    char sym[16];
    s_symbols(prefix, id, sym);
    snprintf(out, SIM_TXID_SIZE, "%c%.5s-%.5s-%.6s", prefix, sym, sym + 5, sym + 10);
}

bool
sim_kraken_txid_parse(char prefix, const char *txid, size_t len, uint64_t *id)
{
    if (len != 19 || txid[0] != prefix || txid[6] != '-' || txid[12] != '-') {
        return false;
    }
    char sym[16];
    memcpy(sym, txid + 1, 5);
    memcpy(sym + 5, txid + 7, 5);
    memcpy(sym + 10, txid + 13, 6);
    uint64_t v = 0;
    for (int i = 0; i < 13; i++) {
        const char *p = strchr(s_alphabet, sym[3 + i]);
        if (p == NULL || sym[3 + i] == '\0') {
            return false;
        }
        uint64_t d = (uint64_t) (p - s_alphabet);
        if (i == 0 && d > 15) {
            return false; /* 13 symbols carry 65 bits; the top one must be 0 */
        }
        v = (v << 5) | d;
    }
    uint64_t candidate = v * s_inverse(s_mult(prefix));
    char check[16];
    s_symbols(prefix, candidate, check);
    if (memcmp(check, sym, 16) != 0) {
        return false;
    }
    *id = candidate;
    return true;
}

void
sim_kraken_amount(cb_buf_t *out, sim_fx_t v, int decimals)
{
    char buf[40];
    sim_fx_format(v, decimals > 8 ? 8 : decimals, buf);
    cb_buf_append_str(out, buf);
    for (int d = 8; d < decimals; d++) {
        cb_buf_append_char(out, '0');
    }
}

static const sim_instrument_t *
s_in(const sim_xorder_t *o)
{
    size_t count;
    return &sim_instruments(&count)[o->req.inst];
}

static const char *
s_type_name(sim_order_type_t t)
{
    switch (t) {
    case SIM_OT_MARKET:
        return "market";
    case SIM_OT_LIMIT:
        return "limit";
    case SIM_OT_STOP_LOSS:
        return "stop-loss";
    case SIM_OT_TAKE_PROFIT:
        return "take-profit";
    case SIM_OT_STOP_LOSS_LIMIT:
        return "stop-loss-limit";
    case SIM_OT_TAKE_PROFIT_LIMIT:
        return "take-profit-limit";
    }
    return "limit";
}

static const char *
s_status_name(sim_order_status_t s)
{
    switch (s) {
    case SIM_OS_PENDING:
    case SIM_OS_OPEN:
        return "open";
    case SIM_OS_FILLED:
        return "closed";
    case SIM_OS_CANCELED:
        return "canceled";
    case SIM_OS_EXPIRED:
        return "expired";
    }
    return "open";
}

void
sim_kraken_order_text(cb_buf_t *out, const sim_xorder_t *o)
{
    const sim_instrument_t *in = s_in(o);
    char qty[40], p1[40], p2[40];
    sim_fx_format(o->req.qty, 8, qty);
    sim_fx_format(o->req.stop_price, in->price_decimals, p1);
    sim_fx_format(o->req.price, in->price_decimals, p2);
    cb_buf_appendf(out, "%s %s %s @ ", o->req.side == SIM_BUY ? "buy" : "sell", qty, in->altname);
    switch (o->req.type) {
    case SIM_OT_MARKET:
        cb_buf_append_str(out, "market");
        break;
    case SIM_OT_LIMIT:
        cb_buf_appendf(out, "limit %s", p2);
        break;
    case SIM_OT_STOP_LOSS:
        cb_buf_appendf(out, "stop loss %s", p1);
        break;
    case SIM_OT_TAKE_PROFIT:
        cb_buf_appendf(out, "take profit %s", p1);
        break;
    case SIM_OT_STOP_LOSS_LIMIT:
        cb_buf_appendf(out, "stop loss %s -> limit %s", p1, p2);
        break;
    case SIM_OT_TAKE_PROFIT_LIMIT:
        cb_buf_appendf(out, "take profit %s -> limit %s", p1, p2);
        break;
    }
}

static bool
s_append_trade_id(void *ctx, const sim_xtrade_t *t)
{
    void **args = ctx;
    cb_buf_t *out = args[0];
    const sim_xorder_t *o = args[1];
    bool *first = args[2];
    if (t->order_id == o->id) {
        char txid[SIM_TXID_SIZE];
        sim_kraken_txid('T', t->id, txid);
        cb_buf_appendf(out, "%s\"%s\"", *first ? "" : ",", txid);
        *first = false;
    }
    return true;
}

void
sim_kraken_order_json(cb_buf_t *out, const sim_exchange_t *exchange, const sim_xorder_t *o, bool trades)
{
    const sim_instrument_t *in = s_in(o);
    char qty[40], filled[40], cost[40], fee[40], avg[40], price[40], price2[40], stop[40], limit[40];
    sim_fx_format(o->req.qty, 8, qty);
    sim_fx_format(o->filled, 8, filled);
    sim_fx_format(o->cost, in->cost_decimals, cost);
    sim_fx_format(o->fee, in->cost_decimals, fee);
    sim_fx_format(o->filled > 0 ? sim_fx_div(o->cost, o->filled) : 0, in->cost_decimals, avg);
    bool stop_type = o->req.type != SIM_OT_MARKET && o->req.type != SIM_OT_LIMIT;
    bool limit_type = o->req.type == SIM_OT_LIMIT || o->req.type == SIM_OT_STOP_LOSS_LIMIT ||
                      o->req.type == SIM_OT_TAKE_PROFIT_LIMIT;
    /* descr.price is the limit price, or the trigger for stop types;
     * price2 the limit of *-limit types. */
    sim_fx_format(stop_type ? o->req.stop_price : limit_type ? o->req.price : 0, in->price_decimals, price);
    sim_fx_format(stop_type && limit_type ? o->req.price : 0, in->price_decimals, price2);
    sim_fx_format(stop_type ? o->req.stop_price : 0, in->price_decimals, stop);
    sim_fx_format(stop_type && limit_type ? o->req.price : 0, in->price_decimals, limit);
    cb_buf_append_str(out, "{\"refid\":null,\"userref\":");
    if (o->req.cl_ord_id[0] != '\0') {
        cb_buf_append_str(out, "null,\"cl_ord_id\":");
        cb_json_write_string(out, o->req.cl_ord_id, strlen(o->req.cl_ord_id));
    } else {
        cb_buf_appendf(out, "%d", o->req.has_userref ? (int) o->req.userref : 0);
    }
    cb_buf_appendf(out,
                   ",\"status\":\"%s\",\"opentm\":%lld.%06lld,\"starttm\":0,\"expiretm\":0,"
                   "\"descr\":{\"pair\":\"%s\",\"type\":\"%s\",\"ordertype\":\"%s\",\"price\":\"%s\","
                   "\"price2\":\"%s\",\"leverage\":\"none\",\"order\":\"",
                   s_status_name(o->status), (long long) (o->open_ns / 1000000000),
                   (long long) (o->open_ns % 1000000000 / 1000), in->altname,
                   o->req.side == SIM_BUY ? "buy" : "sell", s_type_name(o->req.type), price, price2);
    sim_kraken_order_text(out, o);
    cb_buf_appendf(out,
                   "\",\"close\":\"\"},\"vol\":\"%s\",\"vol_exec\":\"%s\",\"cost\":\"%s\",\"fee\":\"%s\","
                   "\"price\":\"%s\",\"stopprice\":\"%s\",\"limitprice\":\"%s\",\"misc\":\"\",\"oflags\":\"%s%s\"",
                   qty, filled, cost, fee, avg, stop, limit, o->req.post_only ? "post," : "",
                   o->req.fee_in_base ? "fcib" : "fciq");
    if (o->status != SIM_OS_OPEN && o->status != SIM_OS_PENDING) {
        cb_buf_appendf(out, ",\"closetm\":%lld.%06lld,\"reason\":", (long long) (o->close_ns / 1000000000),
                       (long long) (o->close_ns % 1000000000 / 1000));
        if (o->reason[0] != '\0') {
            cb_json_write_string(out, o->reason, strlen(o->reason));
        } else {
            cb_buf_append_str(out, "null");
        }
    }
    if (trades) {
        bool first = true;
        void *args[3] = {out, (void *) o, &first};
        cb_buf_append_str(out, ",\"trades\":[");
        sim_exchange_each_trade(exchange, o->owner, s_append_trade_id, args);
        cb_buf_append_char(out, ']');
    }
    cb_buf_append_char(out, '}');
}

void
sim_kraken_trade_json(cb_buf_t *out, const sim_xtrade_t *t, const sim_xorder_t *o)
{
    size_t count;
    const sim_instrument_t *in = &sim_instruments(&count)[t->inst];
    char txid[SIM_TXID_SIZE], price[40], cost[40], fee[40], vol[40];
    sim_kraken_txid('O', t->order_id, txid);
    sim_fx_format(t->price, in->price_decimals, price);
    sim_fx_format(t->cost, in->cost_decimals, cost);
    sim_fx_format(t->fee, in->cost_decimals, fee);
    sim_fx_format(t->qty, 8, vol);
    cb_buf_appendf(out,
                   "{\"ordertxid\":\"%s\",\"postxid\":\"TKH2SE-M7IF5-CFI7LT\",\"pair\":\"%s\",\"time\":%lld.%06lld,"
                   "\"type\":\"%s\",\"ordertype\":\"%s\",\"price\":\"%s\",\"cost\":\"%s\",\"fee\":\"%s\","
                   "\"vol\":\"%s\",\"margin\":\"0.00000\",\"leverage\":\"0\",\"misc\":\"\",\"trade_id\":%llu,"
                   "\"maker\":%s}",
                   txid, in->id, (long long) (t->time_ns / 1000000000), (long long) (t->time_ns % 1000000000 / 1000),
                   t->side == SIM_BUY ? "buy" : "sell", o != NULL ? s_type_name(o->req.type) : "limit", price, cost,
                   fee, vol, (unsigned long long) t->trade_id, t->maker ? "true" : "false");
}
