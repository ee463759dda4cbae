/* sim_binance_format.c - what Binance's signed endpoints share: the request context, parameters, error replies, order and client-id shapes */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim_binance_format.h"
#include "sim_params.h"

/* ---- parameters and errors ----------------------------------------------------- */

int
sim_bn_param(const sim_bn_t *c, const char *name, char *out, size_t size)
{
    bool present = false;
    if (sim_param(c->req->query, c->req->query_len, name, out, size, &present)) {
        return 1;
    }
    if (present) {
        return -1;
    }
    if (c->use_body && sim_param(c->req->body, c->req->body_len, name, out, size, &present)) {
        return 1;
    }
    return present ? -1 : 0;
}

void
sim_bn_reply_error(cb_httpd_res_t *res, int status, int code, const char *msg)
{
    res->status = status;
    cb_buf_reset(&res->body);
    cb_buf_appendf(&res->body, "{\"code\":%d,\"msg\":\"", code);
    for (const char *p = msg; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            cb_buf_append_char(&res->body, '\\');
        }
        cb_buf_append_char(&res->body, *p);
    }
    cb_buf_append_str(&res->body, "\"}");
}

bool
sim_bn_fail(sim_bn_t *c, int status, int code, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sim_bn_reply_error(c->res, status, code, msg);
    return false;
}

static bool
s_mandatory(sim_bn_t *c, const char *name)
{
    return sim_bn_fail(c, 400, -1102,
                       "Mandatory parameter '%s' was not sent, was empty/null, or malformed.",
                       name);
}

const sim_instrument_t *
sim_bn_instrument(size_t inst)
{
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    return inst < count && all[inst].venue == SIM_VENUE_BINANCE ? &all[inst] : NULL;
}

bool
sim_bn_symbol(sim_bn_t *c, bool mandatory, size_t *inst)
{
    char v[64];
    int found = sim_bn_param(c, "symbol", v, sizeof v);
    *inst = SIZE_MAX;
    if (found == 0 && !mandatory) {
        return true;
    }
    if (found == 0 || (found == 1 && v[0] == '\0')) {
        return s_mandatory(c, "symbol");
    }
    size_t count;
    const sim_instrument_t *all = sim_instruments(&count);
    const sim_instrument_t *in =
        found == 1 ? sim_instrument_find(SIM_VENUE_BINANCE, v, strlen(v)) : NULL;
    if (in == NULL) {
        return sim_bn_fail(c, 400, -1121, "Invalid symbol.");
    }
    *inst = (size_t) (in - all);
    return true;
}

int
sim_bn_uint(sim_bn_t *c, const char *name, uint64_t *out)
{
    char v[32];
    int found = sim_bn_param(c, name, v, sizeof v);
    if (found == 0) {
        return 0;
    }
    if (found == 1 && v[0] == '\0') {
        sim_bn_fail(c, 400, -1105, "Parameter '%s' was empty.", name);
        return -1;
    }
    size_t n = found == 1 ? strlen(v) : 0;
    bool digits = n >= 1 && n <= 20;
    for (size_t i = 0; digits && i < n; i++) {
        digits = v[i] >= '0' && v[i] <= '9';
    }
    if (!digits) {
        sim_bn_fail(c, 400, -1100,
                    "Illegal characters found in parameter '%s'; legal range is '^[0-9]{1,20}$'.",
                    name);
        return -1;
    }
    unsigned __int128 x = 0;
    for (size_t i = 0; i < n; i++) {
        x = x * 10 + (unsigned) (v[i] - '0');
    }
    if (x > INT64_MAX) {
        sim_bn_fail(c, 400, -1108, "Parameter '%s' overflowed.", name);
        return -1;
    }
    *out = (uint64_t) x;
    return 1;
}

int
sim_bn_decimal(sim_bn_t *c, const char *name, sim_fx_t *out)
{
    char v[64];
    int found = sim_bn_param(c, name, v, sizeof v);
    if (found == 0) {
        return 0;
    }
    if (found == 1 && v[0] == '\0') {
        sim_bn_fail(c, 400, -1105, "Parameter '%s' was empty.", name);
        return -1;
    }
    size_t n = found == 1 ? strlen(v) : 0, whole = 0, frac = 0, i = 0;
    while (i < n && v[i] >= '0' && v[i] <= '9') {
        i++;
        whole++;
    }
    bool point = i < n && v[i] == '.';
    if (point) {
        for (i++; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
            frac++;
        }
    }
    if (found < 0 || i != n || whole < 1 || whole > 20 || (point && (frac < 1 || frac > 20))) {
        sim_bn_fail(c, 400, -1100,
                    "Illegal characters found in parameter '%s'; legal range is "
                    "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
                    name);
        return -1;
    }
    if (!sim_fx_parse(v, n, out)) {
        /* Either digits beyond the 8th decimal that are not zeros, or too big. */
        bool precision = false;
        for (size_t k = whole + 1 + SIM_DECIMALS; point && k < n; k++) {
            precision = precision || v[k] != '0';
        }
        if (precision) {
            sim_bn_fail(c, 400, -1111, "Parameter '%s' has too much precision.", name);
        } else {
            sim_bn_fail(c, 400, -1108, "Parameter '%s' overflowed.", name);
        }
        return -1;
    }
    return 1;
}

int
sim_bn_enum(sim_bn_t *c, const char *name, char *out, size_t size)
{
    int found = sim_bn_param(c, name, out, size);
    if (found == 0) {
        return 0;
    }
    if (found == 1 && out[0] == '\0') {
        sim_bn_fail(c, 400, -1105, "Parameter '%s' was empty.", name);
        return -1;
    }
    size_t n = found == 1 ? strlen(out) : 0;
    bool ok = n >= 1 && n <= 36;
    for (size_t i = 0; ok && i < n; i++) {
        ok = (out[i] >= 'a' && out[i] <= 'z') || (out[i] >= 'A' && out[i] <= 'Z') || out[i] == '_';
    }
    if (!ok) {
        sim_bn_fail(
            c, 400, -1100,
            "Illegal characters found in parameter '%s'; legal range is '^[a-zA-Z_]{1,36}$'.",
            name);
        return -1;
    }
    return 1;
}

bool
sim_bn_bool(const sim_bn_t *c, const char *name)
{
    char v[8];
    return sim_bn_param(c, name, v, sizeof v) == 1 && strcasecmp(v, "true") == 0;
}

/* ---- client order ids --------------------------------------------------------- */

static const char s_alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* splitmix64's finaliser: a fixed bijection that scatters the bits. */
static uint64_t
s_mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#define S_ORDER_SALT 0x62696e616e636521ULL

void
sim_bn_auto_id(uint64_t id, uint64_t salt, char out[SIM_BN_CLID_SIZE])
{
    /* 128 bits: a check word, then the id (a cancel's: a scrambled one);
     * 62^22 > 2^128, so 22 base-62 digits always hold it. */
    uint64_t low = salt == 0 ? id : s_mix(id ^ s_mix(salt));
    unsigned __int128 v = ((unsigned __int128) s_mix(low ^ S_ORDER_SALT) << 64) | low;
    for (int i = SIM_BN_AUTO_ID_LEN - 1; i >= 0; i--) {
        out[i] = s_alphabet[(int) (v % 62)];
        v /= 62;
    }
    out[SIM_BN_AUTO_ID_LEN] = '\0';
}

void
sim_bn_client_id(const sim_xorder_t *o, char out[SIM_BN_CLID_SIZE])
{
    if (o->req.cl_ord_id[0] != '\0') {
        /* Binance ids are at most 36 characters (sim_bn_order_new checks). */
        size_t n = strnlen(o->req.cl_ord_id, SIM_BN_CLID_SIZE - 1);
        memcpy(out, o->req.cl_ord_id, n);
        out[n] = '\0';
    } else {
        sim_bn_auto_id(o->id, 0, out);
    }
}

/* ---- order fields ----------------------------------------------------------------- */

bool
sim_bn_visible(const sim_xorder_t *o)
{
    return sim_bn_instrument(o->req.inst) != NULL &&
           !(o->req.post_only && o->status == SIM_OS_CANCELED && o->filled == 0 &&
             strcmp(o->reason, "Post only order") == 0);
}

const char *
sim_bn_status(const sim_xorder_t *o)
{
    switch (o->status) {
    case SIM_OS_PENDING:
        return "NEW";
    case SIM_OS_OPEN:
        return o->filled > 0 ? "PARTIALLY_FILLED" : "NEW";
    case SIM_OS_FILLED:
        return "FILLED";
    case SIM_OS_CANCELED:
        return "CANCELED";
    case SIM_OS_EXPIRED:
        return "EXPIRED";
    }
    return "NEW";
}

const char *
sim_bn_type(const sim_xorder_t *o)
{
    switch (o->req.type) {
    case SIM_OT_MARKET:
        return "MARKET";
    case SIM_OT_LIMIT:
        return o->req.post_only ? "LIMIT_MAKER" : "LIMIT";
    case SIM_OT_STOP_LOSS:
        return "STOP_LOSS";
    case SIM_OT_TAKE_PROFIT:
        return "TAKE_PROFIT";
    case SIM_OT_STOP_LOSS_LIMIT:
        return "STOP_LOSS_LIMIT";
    case SIM_OT_TAKE_PROFIT_LIMIT:
        return "TAKE_PROFIT_LIMIT";
    }
    return "LIMIT";
}

static bool
s_has_limit_price(const sim_xorder_t *o)
{
    return o->req.type == SIM_OT_LIMIT || o->req.type == SIM_OT_STOP_LOSS_LIMIT ||
           o->req.type == SIM_OT_TAKE_PROFIT_LIMIT;
}

static bool
s_is_stop(const sim_xorder_t *o)
{
    return o->req.type != SIM_OT_MARKET && o->req.type != SIM_OT_LIMIT;
}

const char *
sim_bn_tif(const sim_xorder_t *o)
{
    /* Market orders and LIMIT_MAKER report GTC, as Binance does. */
    if (!s_has_limit_price(o) || o->req.post_only) {
        return "GTC";
    }
    return o->req.tif == SIM_TIF_IOC ? "IOC" : o->req.tif == SIM_TIF_FOK ? "FOK" : "GTC";
}

const char *
sim_bn_side(sim_side_t side)
{
    return side == SIM_BUY ? "BUY" : "SELL";
}

void
sim_bn_amount(cb_buf_t *out, const char *name, sim_fx_t v, bool comma)
{
    char text[32];
    cb_buf_appendf(out, "%s\"%s\":\"%s\"", comma ? "," : "", name, sim_fx_format(v, 8, text));
}

static long long
s_ms(int64_t ns)
{
    return (long long) (ns / 1000000);
}

/* A stop that has not triggered (or was cancelled before it could) is not
 * working: isWorking false, workingTime -1. */
static bool
s_working(const sim_xorder_t *o)
{
    return !s_is_stop(o) ||
           !(o->status == SIM_OS_PENDING || (o->status == SIM_OS_CANCELED && o->filled == 0));
}

/* symbol, orderId, orderListId, clientOrderId: every shape starts so. */
static void
s_head(cb_buf_t *out, const sim_xorder_t *o)
{
    char clid[SIM_BN_CLID_SIZE];
    sim_bn_client_id(o, clid);
    cb_buf_appendf(
        out, "{\"symbol\":\"%s\",\"orderId\":%llu,\"orderListId\":-1,\"clientOrderId\":\"%s\"",
        sim_bn_instrument(o->req.inst)->id, (unsigned long long) o->id, clid);
}

static sim_fx_t
s_price(const sim_xorder_t *o)
{
    return s_has_limit_price(o) ? o->req.price : 0;
}

void
sim_bn_order_json(cb_buf_t *out, const sim_xorder_t *o)
{
    s_head(out, o);
    sim_bn_amount(out, "price", s_price(o), true);
    sim_bn_amount(out, "origQty", o->req.qty, true);
    sim_bn_amount(out, "executedQty", o->filled, true);
    sim_bn_amount(out, "cummulativeQuoteQty", o->cost, true);
    cb_buf_appendf(out, ",\"status\":\"%s\",\"timeInForce\":\"%s\",\"type\":\"%s\",\"side\":\"%s\"",
                   sim_bn_status(o), sim_bn_tif(o), sim_bn_type(o), sim_bn_side(o->req.side));
    sim_bn_amount(out, "stopPrice", s_is_stop(o) ? o->req.stop_price : 0, true);
    sim_bn_amount(out, "icebergQty", 0, true);
    bool working = s_working(o);
    cb_buf_appendf(out, ",\"time\":%lld,\"updateTime\":%lld,\"isWorking\":%s,\"workingTime\":%lld",
                   s_ms(o->open_ns), s_ms(o->update_ns), working ? "true" : "false",
                   working ? s_ms(o->open_ns) : -1LL);
    sim_bn_amount(out, "origQuoteOrderQty", o->req.quote_qty, true);
    cb_buf_append_str(out, ",\"selfTradePreventionMode\":\"" SIM_BN_STP_MODE "\"}");
}

typedef struct {
    const sim_xorder_t *order;
    cb_buf_t *out;
    size_t count;
} s_fills_t;

static bool
s_fill(void *ctx, const sim_xtrade_t *t)
{
    s_fills_t *f = ctx;
    if (t->order_id != f->order->id) {
        return true;
    }
    const char *const *names;
    sim_exchange_assets(SIM_VENUE_BINANCE, &names, NULL);
    cb_buf_append_str(f->out, f->count++ == 0 ? "{" : ",{");
    sim_bn_amount(f->out, "price", t->price, false);
    sim_bn_amount(f->out, "qty", t->qty, true);
    sim_bn_amount(f->out, "commission", t->fee, true);
    cb_buf_appendf(f->out, ",\"commissionAsset\":\"%s\",\"tradeId\":%llu}", names[t->fee_asset],
                   (unsigned long long) t->trade_id);
    return true;
}

void
sim_bn_new_order_json(cb_buf_t *out, const sim_exchange_t *exchange, const sim_xorder_t *o,
                      int resp_type)
{
    s_head(out, o);
    cb_buf_appendf(out, ",\"transactTime\":%lld", s_ms(o->open_ns));
    if (resp_type == 0) {
        cb_buf_append_char(out, '}');
        return;
    }
    sim_bn_amount(out, "price", s_price(o), true);
    sim_bn_amount(out, "origQty", o->req.qty, true);
    sim_bn_amount(out, "executedQty", o->filled, true);
    sim_bn_amount(out, "origQuoteOrderQty", o->req.quote_qty, true);
    sim_bn_amount(out, "cummulativeQuoteQty", o->cost, true);
    cb_buf_appendf(out, ",\"status\":\"%s\",\"timeInForce\":\"%s\",\"type\":\"%s\",\"side\":\"%s\"",
                   sim_bn_status(o), sim_bn_tif(o), sim_bn_type(o), sim_bn_side(o->req.side));
    if (s_is_stop(o)) {
        sim_bn_amount(out, "stopPrice", o->req.stop_price, true);
    }
    cb_buf_appendf(out, ",\"workingTime\":%lld,\"selfTradePreventionMode\":\"" SIM_BN_STP_MODE "\"",
                   s_working(o) ? s_ms(o->open_ns) : -1LL);
    if (resp_type == 2) {
        s_fills_t f = {o, out, 0};
        cb_buf_append_str(out, ",\"fills\":[");
        sim_exchange_each_trade(exchange, o->owner, s_fill, &f);
        cb_buf_append_char(out, ']');
    }
    cb_buf_append_char(out, '}');
}

void
sim_bn_cancel_json(cb_buf_t *out, const sim_xorder_t *o, const char *cancel_clid)
{
    char clid[SIM_BN_CLID_SIZE];
    sim_bn_client_id(o, clid);
    cb_buf_appendf(
        out,
        "{\"symbol\":\"%s\",\"origClientOrderId\":\"%s\",\"orderId\":%llu,\"orderListId\":-1,"
        "\"clientOrderId\":\"%s\",\"transactTime\":%lld",
        sim_bn_instrument(o->req.inst)->id, clid, (unsigned long long) o->id, cancel_clid,
        s_ms(o->close_ns != 0 ? o->close_ns : o->update_ns));
    sim_bn_amount(out, "price", s_price(o), true);
    sim_bn_amount(out, "origQty", o->req.qty, true);
    sim_bn_amount(out, "executedQty", o->filled, true);
    sim_bn_amount(out, "origQuoteOrderQty", o->req.quote_qty, true);
    sim_bn_amount(out, "cummulativeQuoteQty", o->cost, true);
    cb_buf_appendf(out, ",\"status\":\"%s\",\"timeInForce\":\"%s\",\"type\":\"%s\",\"side\":\"%s\"",
                   sim_bn_status(o), sim_bn_tif(o), sim_bn_type(o), sim_bn_side(o->req.side));
    if (s_is_stop(o)) {
        sim_bn_amount(out, "stopPrice", o->req.stop_price, true);
    }
    cb_buf_append_str(out, ",\"selfTradePreventionMode\":\"" SIM_BN_STP_MODE "\"}");
}

/* ---- lookups over the account's orders ---------------------------------------- */

typedef struct {
    size_t inst;
    const char *clid;
    bool open_only;
    const sim_xorder_t *found;
} s_by_clid_t;

static bool
s_by_clid(void *ctx, const sim_xorder_t *o)
{
    s_by_clid_t *q = ctx;
    if (!sim_bn_visible(o) || (q->inst != SIZE_MAX && o->req.inst != q->inst) ||
        (q->open_only && o->status != SIM_OS_OPEN && o->status != SIM_OS_PENDING)) {
        return true;
    }
    char clid[SIM_BN_CLID_SIZE];
    sim_bn_client_id(o, clid);
    if (strcmp(clid, q->clid) == 0) {
        q->found = o; /* oldest first: the last match is the newest */
    }
    return true;
}

const sim_xorder_t *
sim_bn_order_by_client_id(const sim_bn_t *c, size_t inst, const char *clid, bool open_only)
{
    s_by_clid_t q = {inst, clid, open_only, NULL};
    sim_exchange_each_order(c->sim->exchange, c->account->owner, s_by_clid, &q);
    return q.found;
}

typedef struct {
    int64_t from_10s;
    int64_t from_1d;
    int64_t count_10s;
    int64_t count_1d;
} s_counts_t;

static bool
s_count(void *ctx, const sim_xorder_t *o)
{
    s_counts_t *q = ctx;
    q->count_10s += o->open_ns >= q->from_10s;
    q->count_1d += o->open_ns >= q->from_1d;
    return true;
}

void
sim_bn_order_counts(const sim_bn_t *c, int64_t *count_10s, int64_t *count_1d)
{
    /* Fixed windows aligned to Unix time, as Binance's ORDERS intervals. */
    const int64_t ten_s = 10LL * 1000000000LL, day = 86400LL * 1000000000LL;
    s_counts_t q = {c->now_ns - c->now_ns % ten_s, c->now_ns - c->now_ns % day, 0, 0};
    sim_exchange_each_order(c->sim->exchange, c->account->owner, s_count, &q);
    *count_10s = q.count_10s;
    *count_1d = q.count_1d;
}

const sim_xorder_t *
sim_bn_named_order(sim_bn_t *c, size_t inst, bool open_only, int *rc)
{
    return sim_bn_named_order_by(c, inst, open_only, "orderId", "origClientOrderId", rc);
}

const sim_xorder_t *
sim_bn_named_order_by(sim_bn_t *c, size_t inst, bool open_only, const char *id_key,
                      const char *clid_key, int *rc)
{
    uint64_t id = 0;
    char clid[SIM_BN_CLID_SIZE];
    char v[64];
    *rc = -1;
    int by_id = sim_bn_uint(c, id_key, &id);
    if (by_id < 0) {
        return NULL;
    }
    int by_clid = sim_bn_param(c, clid_key, v, sizeof v);
    if (by_clid == 1 && v[0] == '\0') {
        sim_bn_fail(c, 400, -1119, "Original client order ID was empty.");
        return NULL;
    }
    if (by_id == 0 && by_clid == 0) {
        sim_bn_fail(c, 400, -1102, "Param '%s' or '%s' must be sent, but both were empty/null!",
                    clid_key, id_key);
        return NULL;
    }
    *rc = 0;
    if (by_clid != 0 && (by_clid < 0 || strlen(v) >= sizeof clid)) {
        return NULL; /* no order has such a client id */
    }
    if (by_clid == 1) {
        memcpy(clid, v, strlen(v) + 1);
    }
    const sim_xorder_t *o;
    if (by_id == 1) {
        o = sim_exchange_order(c->sim->exchange, id);
        if (o == NULL || o->owner != c->account->owner || o->req.inst != inst ||
            !sim_bn_visible(o) ||
            (open_only && o->status != SIM_OS_OPEN && o->status != SIM_OS_PENDING)) {
            return NULL;
        }
        if (by_clid == 1) {
            /* Both sent: the order found by id must carry that client id. */
            char own[SIM_BN_CLID_SIZE];
            sim_bn_client_id(o, own);
            if (strcmp(own, clid) != 0) {
                return NULL;
            }
        }
        return o;
    }
    return sim_bn_order_by_client_id(c, inst, clid, open_only);
}
