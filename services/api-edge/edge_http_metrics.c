/* edge_http_metrics.c - api-edge's /metrics answer: the pipeline's counters and every part's figures */
#include <string.h>

#include "edge_http.h"
#include "edge_reply.h"

void
edge_http_metrics(edge_http_t *http, cb_httpd_res_t *res)
{
    edge_metrics_ext_t ext;
    memset(&ext, 0, sizeof ext);
    if (http->ws != NULL) {
        edge_ws_stats_t ws = edge_ws_stats(http->ws);
        ext.ws_clients = ws.clients;
        ext.ws_messages_out = ws.messages_out;
        ext.ws_slow_closed = ws.slow_closed;
        memcpy(ext.ws_auth, ws.auth, sizeof ext.ws_auth);
        ext.ws_order_events = ws.order_events;
    }
    ext.key_cache = edge_auth_cache_stats(http->auth);
    if (http->redis != NULL) {
        ext.limit_rejections = edge_limit_rejections(http->redis);
        ext.limit_redis_calls = edge_limit_redis_calls(http->redis);
        ext.limit_waits = edge_limit_waits(http->redis);
        ext.redis_up = edge_limit_redis_up(http->redis);
    }
    if (http->cache != NULL) {
        edge_cache_stats_t st = edge_cache_stats(http->cache);
        ext.bus_received = st.received;
        ext.bus_malformed = st.malformed;
        ext.bus_gaps = st.gaps;
    }
    ext.rpc_pending = edge_rpc_pending(http->rpc);
    for (size_t s = 0; s < EDGE_SVC_COUNT; s++) {
        ext.rpc[s] = edge_rpc_stats(http->rpc, (edge_svc_t) s);
    }
    ext.http_pending = cb_httpd_pending(http->httpd);
    res->status = 200;
    cb_httpd_res_header(res, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    if (edge_metrics_render(&http->metrics, &ext, &res->body) != 0) {
        res->status = 500;
        (void) edge_reply_error(&res->body, 500, "out of memory");
    }
}
