/* sim_router.c - venue-sim's request dispatch: /kraken/0/..., /binance/api/v3/..., each answered in its venue's dialect */
#include <stdio.h>
#include <string.h>

#include "cb_time.h"
#include "sim_admin.h"
#include "sim_binance_private.h"
#include "sim_binance_public.h"
#include "sim_faults.h"
#include "sim_kraken_private.h"
#include "sim_kraken_public.h"
#include "sim_limits.h"
#include "sim_reply.h"
#include "sim_router.h"

static void
s_kraken(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    static const char public_prefix[] = "/kraken/0/public/";
    if (sim_reply_path_has_prefix(req, public_prefix)) {
        size_t off = sizeof public_prefix - 1;
        char ip[64];
        const char *err = NULL;
        cb_httpd_req_peer(req, ip, sizeof ip);
        if (sim->limits != NULL && sim_limits_kraken_public(sim->limits, ip, cb_time_now_ns(), &err) != 0) {
            sim_reply_kraken_error(res, err);
            return;
        }
        if (!sim_kraken_public_handle(sim, req->path + off, req->path_len - off, req, res)) {
            sim_reply_kraken_error(res, "EGeneral:Unknown method");
        }
        return;
    }
    static const char private_prefix[] = "/kraken/0/private/";
    if (sim_reply_path_has_prefix(req, private_prefix)) {
        size_t off = sizeof private_prefix - 1;
        if (!sim_kraken_private_handle(sim, req->path + off, req->path_len - off, req, res)) {
            sim_reply_kraken_error(res, "EGeneral:Unknown method");
        }
        return;
    }
    /* Kraken answers 404 outside its API paths. */
    res->status = 404;
    sim_reply_kraken_error(res, "EGeneral:Unknown method");
}

/* Charges a request's weight to the client's IP: 0, or -1 with the answer
 * replaced by the 429 / 418 error with Retry-After. *used receives the
 * window's used weight. */
static int
s_binance_charge(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res, int weight, int64_t *used)
{
    *used = weight;
    if (sim->limits != NULL) {
        char ip[64];
        cb_httpd_req_peer(req, ip, sizeof ip);
        sim_limits_binance_t lim;
        memset(&lim, 0, sizeof lim);
        int rc = sim_limits_binance_request(sim->limits, ip, weight, cb_time_now_ns(), &lim);
        *used = lim.used_weight_1m;
        if (rc != 0) {
            res->header_count = 0;
            sim_reply_binance_error(res, lim.status, lim.code, lim.msg);
            char retry[32];
            snprintf(retry, sizeof retry, "%lld", (long long) lim.retry_after_s);
            cb_httpd_res_header(res, "retry-after", retry);
            return -1;
        }
    }
    return 0;
}

static void
s_binance_used(cb_httpd_res_t *res, int64_t used)
{
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long) used);
    cb_httpd_res_header(res, "x-mbx-used-weight", text);
    cb_httpd_res_header(res, "x-mbx-used-weight-1m", text);
}

static void
s_binance(sim_t *sim, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    static const char prefix[] = "/binance/api/v3/";
    int weight = 1;
    int64_t used;
    size_t off = sizeof prefix - 1;
    const char *name = req->path + off;
    size_t len = req->path_len >= off ? req->path_len - off : 0;
    if (sim_reply_path_has_prefix(req, prefix) && sim_binance_private_weight(name, len, req, &weight)) {
        /* Signed endpoints can trade: they are charged before they run (a
         * refused request never reaches the exchange), then given back what
         * a successful order or cancel does not cost. */
        if (s_binance_charge(sim, req, res, weight, &used) == 0) {
            int cost = weight;
            sim_binance_private_handle(sim, name, len, req, res, &cost);
            if (sim->limits == NULL) {
                used = cost;
            } else if (cost < weight) {
                char ip[64];
                cb_httpd_req_peer(req, ip, sizeof ip);
                sim_limits_binance_refund(sim->limits, ip, weight - cost, cb_time_now_ns());
                used = used > weight - cost ? used - (weight - cost) : 0;
            }
        }
        s_binance_used(res, used);
        return;
    }
    /* Public endpoints only read, so they are answered first and charged
     * after (their weight can depend on the answer's size). */
    if (!sim_reply_path_has_prefix(req, prefix) ||
        !sim_binance_public_handle(sim, name, len, req, res, &weight)) {
        sim_reply_binance_error(res, 404, -1000, "An unknown error occurred while processing the request.");
    }
    s_binance_charge(sim, req, res, weight, &used);
    s_binance_used(res, used);
}

/* A venue's request goes through the injected faults (sim_faults) first:
 * one that fails or times out is never dispatched (unless the fault says
 * it is processed first). */
static void
s_venue(sim_t *sim, sim_venue_t venue, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    sim_fault_verdict_t fault;
    if (sim_faults_before(sim->faults, venue, res, &fault)) {
        return;
    }
    if (venue == SIM_VENUE_KRAKEN) {
        s_kraken(sim, req, res);
    } else {
        s_binance(sim, req, res);
    }
    sim_faults_after(&fault, res);
}

void
sim_router_handle(void *ctx, const cb_httpd_req_t *req, cb_httpd_res_t *res)
{
    sim_t *sim = ctx;
    if (sim_reply_path_has_prefix(req, "/kraken/")) {
        s_venue(sim, SIM_VENUE_KRAKEN, req, res);
    } else if (sim_reply_path_has_prefix(req, "/binance/")) {
        s_venue(sim, SIM_VENUE_BINANCE, req, res);
    } else if (sim_reply_path_has_prefix(req, "/admin/")) {
        sim_admin_handle(sim, req, res);
    } else {
        res->status = 404;
        cb_buf_append_str(&res->body, "{\"error\":\"not found: venue-sim serves /kraken/... and /binance/...\"}");
    }
}
