/* sim_admin.c - venue-sim's admin API under /admin/ (loopback clients only, JSON in and out): faults, WebSocket faults, counters, reset, market */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "cb_json.h"
#include "cb_mp.h"
#include "cb_str.h"
#include "sim_admin.h"
#include "sim_exchange.h"
#include "sim_faults.h"
#include "sim_limits.h"
#include "sim_params.h"
#include "sim_reply.h"

/* Routes (every reply is JSON; errors are {"error":"why"}):
 *   GET    /admin/health                              {"ok":true}
 *   GET    /admin/faults {"kraken":{...},"binance":{...},"ws_hooks":bool} POST
 * /admin/faults/<venue>   {any of the fields} the same as GET, after the change DELETE
 * /admin/faults[/<venue>]                    {"ok":true} POST   /admin/ws/<venue>/drop | stall?ms=N
 * | corrupt-checksum (kraken) | gap
 *                                                     {"ok":true,"connections":N}
 *   GET    /admin/counters                            venues' requests and faults, accounts' orders
 *   GET    /admin/counters/<venue>/<api key>          one account's counters
 *   GET    /admin/counters/<venue>/<api key>/clid/<id> {"count":N}
 *   POST   /admin/reset                               {"ok":true}
 *   POST   /admin/market           {"paused":bool,"rate":N} {"ok":true}
 * Path segments are percent-decoded (an API key with '/' is sent as %2F). */

#define S_SEGS_MAX 6
#define S_SEG_MAX 256
#define S_STALL_MAX_MS 600000
#define S_CLIDS_MAX 10000

typedef struct {
    char text[S_SEGS_MAX][S_SEG_MAX];
    size_t len[S_SEGS_MAX];
    size_t count;
} s_path_t;

static void s_fail(cb_httpd_res_t *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
s_fail(cb_httpd_res_t *res, int status, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    res->status = status;
    cb_buf_reset(&res->body);
    cb_buf_append_str(&res->body, "{\"error\":");
    if (cb_json_write_string(&res->body, why, strlen(why)) != 0) {
        cb_buf_append_str(&res->body, "\"?\"");
    }
    cb_buf_append_char(&res->body, '}');
}

static void
s_ok(cb_httpd_res_t *res)
{
    cb_buf_append_str(&res->body, "{\"ok\":true}");
}

/* A JSON string, or "" when text is not valid UTF-8. */
static void
s_string(cb_buf_t *b, const char *text, size_t len)
{
    if (cb_json_write_string(b, text, len) != 0) {
        cb_buf_append_str(b, "\"\"");
    }
}

static bool
s_method_is(const cb_httpd_req_t *req, const char *method)
{
    return sim_reply_name_is(req->method, req->method_len, method);
}

/* Splits the path after /admin/ into percent-decoded segments; false when
 * there are too many, one is too long, or an escape is malformed. */
static bool
s_split(const cb_httpd_req_t *req, s_path_t *path)
{
    static const char prefix[] = "/admin/";
    const char *p = req->path + sizeof prefix - 1;
    const char *end = req->path + req->path_len;
    memset(path, 0, sizeof *path);
    while (p < end) {
        const char *slash = memchr(p, '/', (size_t) (end - p));
        const char *stop = slash != NULL ? slash : end;
        if (path->count == S_SEGS_MAX) {
            return false;
        }
        char *out = path->text[path->count];
        size_t n = 0;
        for (const char *c = p; c < stop; c++) {
            char ch = *c;
            if (ch == '%') {
                int hi = c + 2 < stop ? cb_str_hex_digit(c[1]) : -1;
                int lo = hi >= 0 ? cb_str_hex_digit(c[2]) : -1;
                if (lo < 0 || hi * 16 + lo == 0) {
                    return false;
                }
                ch = (char) (hi * 16 + lo);
                c += 2;
            }
            if (n + 1 >= S_SEG_MAX) {
                return false;
            }
            out[n++] = ch;
        }
        path->len[path->count++] = n;
        p = slash != NULL ? slash + 1 : end;
    }
    /* A trailing slash leaves no empty last segment. */
    return true;
}

static bool
s_seg_is(const s_path_t *path, size_t i, const char *want)
{
    return i < path->count && sim_reply_name_is(path->text[i], path->len[i], want);
}

static int
s_venue_of(const s_path_t *path, size_t i, cb_httpd_res_t *res)
{
    if (s_seg_is(path, i, "kraken")) {
        return SIM_VENUE_KRAKEN;
    }
    if (s_seg_is(path, i, "binance")) {
        return SIM_VENUE_BINANCE;
    }
    s_fail(res, 404, "unknown venue '%s': kraken or binance", i < path->count ? path->text[i] : "");
    return -1;
}

/* Parses the request body as one JSON object into mp (to read with cb_mp);
 * false with a 400 answer when it is not. The caller destroys mp either way. */
static bool
s_body_object(const cb_httpd_req_t *req, msgpack_sbuffer *mp, cb_mp_reader_t *r, uint32_t *count,
              cb_httpd_res_t *res)
{
    char why[160];
    msgpack_packer pk;
    msgpack_packer_init(&pk, mp, msgpack_sbuffer_write);
    if (req->body_len == 0) {
        s_fail(res, 400, "empty body: expected a JSON object");
        return false;
    }
    if (cb_json_to_msgpack(req->body, req->body_len, &pk, why, sizeof why) != 0) {
        s_fail(res, 400, "%s", why);
        return false;
    }
    cb_mp_reader_init(r, mp->data, mp->size);
    if (cb_mp_read_map(r, count) != 0) {
        s_fail(res, 400, "expected a JSON object");
        return false;
    }
    return true;
}

/* Reads a non-negative integer up to max for the field name. */
static bool
s_read_uint(cb_mp_reader_t *r, const char *name, uint64_t max, uint64_t *out, cb_httpd_res_t *res)
{
    if (cb_mp_peek(r) != CB_MP_UINT || cb_mp_read_uint(r, out) != 0 || *out > max) {
        s_fail(res, 400, "%s: expected an integer 0..%llu", name, (unsigned long long) max);
        return false;
    }
    return true;
}

static bool
s_read_bool(cb_mp_reader_t *r, const char *name, bool *out, cb_httpd_res_t *res)
{
    if (cb_mp_read_bool(r, out) != 0) {
        s_fail(res, 400, "%s: expected true or false", name);
        return false;
    }
    return true;
}

/* ---- faults ---------------------------------------------------------------- */

static void
s_write_set(cb_buf_t *b, sim_venue_t venue, const sim_fault_set_t *s)
{
    cb_buf_appendf(
        b,
        "{\"latency_ms\":%u,\"jitter_ms\":%u,\"error_pct\":%u,\"timeout_pct\":%u,\"fail_next\":%u,"
        "\"timeout_next\":%u,\"timeout_after\":%s,\"reset_next\":%u,\"reset_after\":%s,",
        s->latency_ms, s->jitter_ms, s->error_pct, s->timeout_pct, s->fail_next, s->timeout_next,
        s->timeout_after ? "true" : "false", s->reset_next, s->reset_after ? "true" : "false");
    if (venue == SIM_VENUE_KRAKEN) {
        cb_buf_appendf(b, "\"kraken_error\":\"%s\"}",
                       s->kraken_busy ? "EService:Busy" : "EService:Unavailable");
    } else {
        cb_buf_appendf(b, "\"binance_status\":%d}", s->binance_status);
    }
}

static void
s_faults_get(const sim_faults_t *faults, cb_httpd_res_t *res)
{
    cb_buf_reset(&res->body);
    for (int v = 0; v < SIM_VENUE_COUNT; v++) {
        sim_fault_set_t set;
        sim_faults_get(faults, (sim_venue_t) v, &set);
        cb_buf_appendf(&res->body, "%s\"%s\":", v == 0 ? "{" : ",",
                       sim_faults_venue_name((sim_venue_t) v));
        s_write_set(&res->body, (sim_venue_t) v, &set);
    }
    cb_buf_appendf(&res->body, ",\"ws_hooks\":%s}",
                   sim_faults_ws_hooks(faults) != NULL ? "true" : "false");
}

/* Reads one field of a POST /admin/faults/<venue> body into set. */
static bool
s_faults_field(cb_mp_reader_t *r, sim_venue_t venue, const char *key, size_t key_len,
               sim_fault_set_t *set, bool *has_seed, uint64_t *seed, cb_httpd_res_t *res)
{
    static const char *const u32_names[] = {"latency_ms",   "jitter_ms", "error_pct",
                                            "timeout_pct",  "fail_next", "timeout_next",
                                            "reset_next"};
    uint32_t *const u32_fields[] = {&set->latency_ms,  &set->jitter_ms, &set->error_pct,
                                    &set->timeout_pct, &set->fail_next, &set->timeout_next,
                                    &set->reset_next};
    const uint64_t u32_max[] = {SIM_FAULTS_DELAY_MAX_MS, SIM_FAULTS_DELAY_MAX_MS, 100, 100,
                                SIM_FAULTS_NEXT_MAX,     SIM_FAULTS_NEXT_MAX,     SIM_FAULTS_NEXT_MAX};
    uint64_t v;
    for (size_t i = 0; i < sizeof u32_names / sizeof u32_names[0]; i++) {
        if (sim_reply_name_is(key, key_len, u32_names[i])) {
            if (!s_read_uint(r, u32_names[i], u32_max[i], &v, res)) {
                return false;
            }
            *u32_fields[i] = (uint32_t) v;
            return true;
        }
    }
    if (sim_reply_name_is(key, key_len, "timeout_after")) {
        return s_read_bool(r, "timeout_after", &set->timeout_after, res);
    }
    if (sim_reply_name_is(key, key_len, "reset_after")) {
        return s_read_bool(r, "reset_after", &set->reset_after, res);
    }
    if (sim_reply_name_is(key, key_len, "seed")) {
        *has_seed = true;
        return s_read_uint(r, "seed", UINT64_MAX, seed, res);
    }
    if (sim_reply_name_is(key, key_len, "kraken_error") && venue == SIM_VENUE_KRAKEN) {
        const char *text = NULL;
        size_t len = 0;
        if (cb_mp_peek(r) != CB_MP_STR || cb_mp_read_str(r, &text, &len) != 0 ||
            (!sim_reply_name_is(text, len, "EService:Unavailable") &&
             !sim_reply_name_is(text, len, "EService:Busy"))) {
            s_fail(res, 400,
                   "kraken_error: expected \"EService:Unavailable\" or \"EService:Busy\"");
            return false;
        }
        set->kraken_busy = sim_reply_name_is(text, len, "EService:Busy");
        return true;
    }
    if (sim_reply_name_is(key, key_len, "binance_status") && venue == SIM_VENUE_BINANCE) {
        if (!s_read_uint(r, "binance_status", 599, &v, res)) {
            return false;
        }
        if (v != 503 && v != 500) {
            s_fail(res, 400, "binance_status: expected 503 or 500");
            return false;
        }
        set->binance_status = (int) v;
        return true;
    }
    s_fail(res, 400,
           "unknown field '%.*s' for %s (known: latency_ms, jitter_ms, error_pct, timeout_pct, "
           "fail_next, "
           "timeout_next, timeout_after, reset_next, reset_after, seed, %s)",
           (int) (key_len > 64 ? 64 : key_len), key, sim_faults_venue_name(venue),
           venue == SIM_VENUE_KRAKEN ? "kraken_error" : "binance_status");
    return false;
}

/* POST /admin/faults/<venue>: the fields given replace the current ones;
 * all are checked before any applies. */
static void
s_faults_post(sim_faults_t *faults, sim_venue_t venue, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    msgpack_sbuffer mp;
    msgpack_sbuffer_init(&mp);
    cb_mp_reader_t r;
    uint32_t count = 0;
    sim_fault_set_t set;
    sim_faults_get(faults, venue, &set);
    bool has_seed = false;
    uint64_t seed = 0;
    if (!s_body_object(req, &mp, &r, &count, res)) {
        goto done;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *key = NULL;
        size_t key_len = 0;
        if (cb_mp_read_str(&r, &key, &key_len) != 0) {
            s_fail(res, 400, "expected a JSON object");
            goto done;
        }
        if (!s_faults_field(&r, venue, key, key_len, &set, &has_seed, &seed, res)) {
            goto done;
        }
    }
    char why[200];
    if (sim_faults_set(faults, venue, &set, why, sizeof why) != 0) {
        s_fail(res, 400, "%s", why);
        goto done;
    }
    if (has_seed) {
        sim_faults_seed(faults, seed);
    }
    s_faults_get(faults, res);
done:
    msgpack_sbuffer_destroy(&mp);
}

static void
s_faults(sim_t *sim, const s_path_t *path, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    if (sim->faults == NULL) {
        s_fail(res, 503, "fault injection is not running");
        return;
    }
    if (path->count == 1 && s_method_is(req, "GET")) {
        s_faults_get(sim->faults, res);
    } else if (path->count == 1 && s_method_is(req, "DELETE")) {
        sim_faults_clear(sim->faults);
        s_ok(res);
    } else if (path->count == 2) {
        int venue = s_venue_of(path, 1, res);
        if (venue < 0) {
            return;
        }
        if (s_method_is(req, "POST")) {
            s_faults_post(sim->faults, (sim_venue_t) venue, req, res);
        } else if (s_method_is(req, "DELETE")) {
            sim_fault_set_t none = {.binance_status = 503};
            char why[200];
            sim_faults_set(sim->faults, (sim_venue_t) venue, &none, why, sizeof why);
            s_ok(res);
        } else {
            s_fail(res, 405, "method not allowed: POST or DELETE /admin/faults/<venue>");
        }
    } else if (path->count == 1) {
        s_fail(res, 405, "method not allowed: GET or DELETE /admin/faults");
    } else {
        s_fail(res, 404, "unknown admin path");
    }
}

/* ---- WebSocket faults -------------------------------------------------------- */

static void
s_ws(sim_t *sim, const s_path_t *path, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    if (path->count != 3) {
        s_fail(res, 404,
               "unknown admin path: POST /admin/ws/<venue>/drop|stall|corrupt-checksum|gap");
        return;
    }
    int venue = s_venue_of(path, 1, res);
    if (venue < 0) {
        return;
    }
    if (!s_method_is(req, "POST")) {
        s_fail(res, 405, "method not allowed: POST");
        return;
    }
    const sim_ws_fault_hooks_t *h = sim->faults != NULL ? sim_faults_ws_hooks(sim->faults) : NULL;
    const char *action = path->text[2];
    int rc;
    if (s_seg_is(path, 2, "drop")) {
        if (h == NULL || h->drop == NULL) {
            goto not_implemented;
        }
        rc = h->drop(h->ctx, (sim_venue_t) venue);
    } else if (s_seg_is(path, 2, "stall")) {
        char text[24];
        char *end = NULL;
        long ms = sim_param(req->query, req->query_len, "ms", text, sizeof text, NULL)
                      ? strtol(text, &end, 10)
                      : 0;
        if (end == NULL || end == text || *end != '\0' || ms < 1 || ms > S_STALL_MAX_MS) {
            s_fail(res, 400, "stall needs ?ms=N with N in 1..%d", S_STALL_MAX_MS);
            return;
        }
        if (h == NULL || h->stall == NULL) {
            goto not_implemented;
        }
        rc = h->stall(h->ctx, (sim_venue_t) venue, (int) ms);
    } else if (s_seg_is(path, 2, "corrupt-checksum")) {
        if (venue != SIM_VENUE_KRAKEN) {
            s_fail(res, 400,
                   "corrupt-checksum applies to kraken only (Binance books carry no checksum)");
            return;
        }
        if (h == NULL || h->corrupt_checksum == NULL) {
            goto not_implemented;
        }
        rc = h->corrupt_checksum(h->ctx, (sim_venue_t) venue);
    } else if (s_seg_is(path, 2, "gap")) {
        if (h == NULL || h->gap == NULL) {
            goto not_implemented;
        }
        rc = h->gap(h->ctx, (sim_venue_t) venue);
    } else {
        s_fail(res, 404, "unknown WebSocket fault '%s': drop, stall, corrupt-checksum or gap",
               action);
        return;
    }
    if (rc < 0) {
        s_fail(res, 500, "the WebSocket %s hook failed (%d)", action, rc);
        return;
    }
    cb_buf_appendf(&res->body, "{\"ok\":true,\"connections\":%d}", rc);
    return;
not_implemented:
    s_fail(res, 501, "not implemented: no WebSocket '%s' fault hook is registered", action);
}

/* ---- counters ------------------------------------------------------------------- */

/* The distinct client order ids of one owner's recorded orders. */
typedef struct {
    char (*ids)[SIM_CLID_MAX];
    size_t count;
    size_t cap;
} s_clids_t;

static bool
s_collect_clid(void *ctx, const sim_xorder_t *o)
{
    s_clids_t *c = ctx;
    if (o->req.cl_ord_id[0] == '\0') {
        return true;
    }
    for (size_t i = 0; i < c->count; i++) {
        if (strcmp(c->ids[i], o->req.cl_ord_id) == 0) {
            return true;
        }
    }
    if (c->count == c->cap) {
        size_t cap = c->cap == 0 ? 16 : c->cap * 2;
        void *ids = cap <= S_CLIDS_MAX ? realloc(c->ids, cap * sizeof c->ids[0]) : NULL;
        if (ids == NULL) {
            return false;
        }
        c->ids = ids;
        c->cap = cap;
    }
    snprintf(c->ids[c->count++], SIM_CLID_MAX, "%s", o->req.cl_ord_id);
    return true;
}

static void
s_write_account(cb_buf_t *b, const sim_exchange_t *x, const sim_account_t *a)
{
    cb_buf_appendf(b, "{\"venue\":\"%s\",\"key\":", sim_faults_venue_name(a->venue));
    s_string(b, a->key, strlen(a->key));
    cb_buf_appendf(b, ",\"orders_received\":%llu,\"client_order_ids\":{",
                   (unsigned long long) a->orders_received);
    s_clids_t clids = {0};
    sim_exchange_each_order(x, a->owner, s_collect_clid, &clids);
    for (size_t i = 0; i < clids.count; i++) {
        cb_buf_append_str(b, i > 0 ? "," : "");
        s_string(b, clids.ids[i], strlen(clids.ids[i]));
        cb_buf_appendf(b, ":%u", sim_exchange_clid_count(x, a->owner, clids.ids[i]));
    }
    free(clids.ids);
    cb_buf_append_str(b, "}}");
}

static void
s_counters_all(sim_t *sim, cb_httpd_res_t *res)
{
    cb_buf_t *b = &res->body;
    cb_buf_append_str(b, "{\"venues\":{");
    for (int v = 0; sim->faults != NULL && v < SIM_VENUE_COUNT; v++) {
        sim_fault_counters_t c;
        sim_faults_counters(sim->faults, (sim_venue_t) v, &c);
        cb_buf_appendf(
            b, "%s\"%s\":{\"requests\":%llu,\"errors\":%llu,\"timeouts\":%llu,\"resets\":%llu,"
            "\"delayed\":%llu}",
            v > 0 ? "," : "", sim_faults_venue_name((sim_venue_t) v),
            (unsigned long long) c.requests, (unsigned long long) c.errors,
            (unsigned long long) c.timeouts, (unsigned long long) c.resets,
            (unsigned long long) c.delayed);
    }
    cb_buf_append_str(b, "},\"accounts\":[");
    for (uint32_t owner = 1; sim->exchange != NULL; owner++) {
        const sim_account_t *a = sim_exchange_account(sim->exchange, owner);
        if (a == NULL) {
            break;
        }
        cb_buf_append_str(b, owner > 1 ? "," : "");
        s_write_account(b, sim->exchange, a);
    }
    cb_buf_append_str(b, "]}");
}

static void
s_counters(sim_t *sim, const s_path_t *path, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    if (!s_method_is(req, "GET")) {
        s_fail(res, 405, "method not allowed: GET");
        return;
    }
    if (path->count == 1) {
        s_counters_all(sim, res);
        return;
    }
    if (path->count != 3 && !(path->count == 5 && s_seg_is(path, 3, "clid"))) {
        s_fail(res, 404, "unknown admin path: GET /admin/counters[/<venue>/<api key>[/clid/<id>]]");
        return;
    }
    int venue = s_venue_of(path, 1, res);
    if (venue < 0) {
        return;
    }
    if (sim->exchange == NULL) {
        s_fail(res, 503, "the exchange is not running");
        return;
    }
    const sim_account_t *a = sim_exchange_account_by_key(sim->exchange, (sim_venue_t) venue,
                                                         path->text[2], path->len[2]);
    if (a == NULL) {
        s_fail(res, 404, "no %s account has that API key",
               sim_faults_venue_name((sim_venue_t) venue));
        return;
    }
    if (path->count == 3) {
        s_write_account(&res->body, sim->exchange, a);
        return;
    }
    cb_buf_appendf(&res->body, "{\"count\":%u}",
                   sim_exchange_clid_count(sim->exchange, a->owner, path->text[4]));
}

/* ---- reset, market ------------------------------------------------------------------ */

static void
s_reset(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    if (!s_method_is(req, "POST")) {
        s_fail(res, 405, "method not allowed: POST");
        return;
    }
    if (sim->exchange != NULL) {
        sim_exchange_reset(sim->exchange);
    }
    if (sim->limits != NULL) {
        sim_limits_reset(sim->limits);
    }
    if (sim->faults != NULL) {
        sim_faults_clear(sim->faults);
        sim_faults_reset_counters(sim->faults);
    }
    s_ok(res);
}

static void
s_market(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    if (!s_method_is(req, "POST")) {
        s_fail(res, 405, "method not allowed: POST");
        return;
    }
    if (sim->market == NULL) {
        s_fail(res, 503, "the market is not running");
        return;
    }
    msgpack_sbuffer mp;
    msgpack_sbuffer_init(&mp);
    cb_mp_reader_t r;
    uint32_t count = 0;
    bool has_paused = false, paused = false;
    uint64_t rate = 0;
    if (!s_body_object(req, &mp, &r, &count, res)) {
        goto done;
    }
    for (uint32_t i = 0; i < count; i++) {
        const char *key = NULL;
        size_t key_len = 0;
        if (cb_mp_read_str(&r, &key, &key_len) != 0) {
            s_fail(res, 400, "expected a JSON object");
            goto done;
        }
        if (sim_reply_name_is(key, key_len, "paused")) {
            has_paused = true;
            if (!s_read_bool(&r, "paused", &paused, res)) {
                goto done;
            }
        } else if (sim_reply_name_is(key, key_len, "rate")) {
            if (!s_read_uint(&r, "rate", 100000, &rate, res) || rate == 0) {
                s_fail(res, 400,
                       "rate: expected an integer 1..100000 (events per second per instrument)");
                goto done;
            }
        } else {
            s_fail(res, 400, "unknown field '%.*s' (known: paused, rate)",
                   (int) (key_len > 64 ? 64 : key_len), key);
            goto done;
        }
    }
    if (!has_paused && rate == 0) {
        s_fail(res, 400, "expected {\"paused\":true|false} and/or {\"rate\":N}");
        goto done;
    }
    if (has_paused) {
        sim_market_pause(sim->market, paused);
    }
    if (rate != 0) {
        sim_market_set_rate(sim->market, (uint32_t) rate);
    }
    s_ok(res);
done:
    msgpack_sbuffer_destroy(&mp);
}

/* ---- dispatch --------------------------------------------------------------------- */

bool
sim_admin_is_loopback(const char *ip)
{
    return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
           strncmp(ip, "::ffff:127.", 11) == 0;
}

void
sim_admin_handle(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    char ip[64];
    cb_httpd_req_peer(req, ip, sizeof ip);
    if (!sim_admin_is_loopback(ip)) {
        s_fail(res, 403, "forbidden: the admin API answers loopback clients only");
        return;
    }
    s_path_t path;
    if (!s_split(req, &path)) {
        s_fail(res, 400, "malformed admin path");
        return;
    }
    if (s_seg_is(&path, 0, "health") && path.count == 1) {
        s_ok(res);
    } else if (s_seg_is(&path, 0, "faults")) {
        s_faults(sim, &path, req, res);
    } else if (s_seg_is(&path, 0, "ws")) {
        s_ws(sim, &path, req, res);
    } else if (s_seg_is(&path, 0, "counters")) {
        s_counters(sim, &path, req, res);
    } else if (s_seg_is(&path, 0, "reset") && path.count == 1) {
        s_reset(sim, req, res);
    } else if (s_seg_is(&path, 0, "market") && path.count == 1) {
        s_market(sim, req, res);
    } else {
        s_fail(res, 404, "unknown admin path (known: health, faults, ws, counters, reset, market)");
    }
}
