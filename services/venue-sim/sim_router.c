/* sim_router.c - venue-sim's request dispatch: /kraken/0/..., /binance/api/v3/..., each answered in its venue's dialect */
#include <stdio.h>
#include <string.h>

#include "cb_time.h"
#include "sim_admin.h"
#include "sim_binance_public.h"
#include "sim_faults.h"
#include "sim_kraken_private.h"
#include "sim_kraken_public.h"
#include "sim_limits.h"
#include "sim_reply.h"
#include "sim_router.h"

static void
s_kraken(sim_t *sim, const sim_req_t *req, sim_res_t *res)
{
    static const char public_prefix[] = "/kraken/0/public/";
    if (sim_reply_path_has_prefix(req, public_prefix)) {
        size_t off = sizeof public_prefix - 1;
        char ip[64];
        const char *err = NULL;
        sim_req_peer(req, ip, sizeof ip);
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

/* Charges a request's weight to the client's IP; on refusal the answer is
 * replaced by the 429 / 418 error with Retry-After. Sets the used-weight
 * headers either way. */
static void
s_binance_charge(sim_t *sim, const sim_req_t *req, sim_res_t *res, int weight)
{
    int64_t used = weight;
    if (sim->limits != NULL) {
        char ip[64];
        sim_req_peer(req, ip, sizeof ip);
        sim_limits_binance_t lim;
        memset(&lim, 0, sizeof lim);
        if (sim_limits_binance_request(sim->limits, ip, weight, cb_time_now_ns(), &lim) != 0) {
            res->header_count = 0;
            sim_reply_binance_error(res, lim.status, lim.code, lim.msg);
            char retry[32];
            snprintf(retry, sizeof retry, "%lld", (long long) lim.retry_after_s);
            sim_res_header(res, "retry-after", retry);
        }
        used = lim.used_weight_1m;
    }
    char text[32];
    snprintf(text, sizeof text, "%lld", (long long) used);
    sim_res_header(res, "x-mbx-used-weight", text);
    sim_res_header(res, "x-mbx-used-weight-1m", text);
}

static void
s_binance(sim_t *sim, const sim_req_t *req, sim_res_t *res)
{
    static const char prefix[] = "/binance/api/v3/";
    int weight = 1;
    size_t off = sizeof prefix - 1;
    /* Public endpoints only read, so they are answered first and charged
     * after (their weight can depend on the answer's size). */
    if (!sim_reply_path_has_prefix(req, prefix) ||
        !sim_binance_public_handle(sim, req->path + off, req->path_len - off, req, res, &weight)) {
        sim_reply_binance_error(res, 404, -1000, "An unknown error occurred while processing the request.");
    }
    s_binance_charge(sim, req, res, weight);
}

/* A venue's request goes through the injected faults (sim_faults) first:
 * one that fails or times out is never dispatched (unless the fault says
 * it is processed first). */
static void
s_venue(sim_t *sim, sim_venue_t venue, const sim_req_t *req, sim_res_t *res)
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
sim_router_handle(void *ctx, const sim_req_t *req, sim_res_t *res)
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
