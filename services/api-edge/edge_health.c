/* edge_health.c - api-edge's dependencies as /health reports them: bus services pinged in the background, Redis, venue circuits */
#include "edge_health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_json.h"
#include "cb_log.h"
#include "cb_mp.h"
#include "cb_time.h"

typedef struct {
    edge_health_t *owner;
    edge_svc_t svc;
    bool watched;
    bool required;
    bool known;      /* a ping was answered or timed out */
    bool up;
    uint64_t call;   /* pending ping, 0: none */
    int64_t sent_ns;
    int64_t last_ok_ns;
    double latency_ms;
    int64_t pid;
    char version[24];
    uint64_t failures; /* consecutive */
} s_svc_t;

struct edge_health {
    edge_rpc_t *rpc;
    int timeout_ms;
    s_svc_t svc[EDGE_SVC_COUNT];
};

edge_health_t *
edge_health_new(edge_rpc_t *rpc, const bool watched[EDGE_SVC_COUNT],
                const bool required[EDGE_SVC_COUNT], int timeout_ms)
{
    edge_health_t *h = calloc(1, sizeof *h);
    if (h == NULL) {
        return NULL;
    }
    h->rpc = rpc;
    h->timeout_ms = timeout_ms;
    for (size_t i = 0; i < EDGE_SVC_COUNT; i++) {
        h->svc[i].owner = h;
        h->svc[i].svc = (edge_svc_t) i;
        h->svc[i].watched = watched[i] || required[i];
        h->svc[i].required = required[i];
    }
    return h;
}

void
edge_health_destroy(edge_health_t **health_p)
{
    if (health_p == NULL || *health_p == NULL) {
        return;
    }
    edge_health_t *h = *health_p;
    for (size_t i = 0; i < EDGE_SVC_COUNT; i++) {
        if (h->svc[i].call != 0) {
            edge_rpc_cancel(h->rpc, h->svc[i].call);
        }
    }
    free(h);
    *health_p = NULL;
}

/* The ping result's pid and version ({service, pid, version, handled}). */
static void
s_read_ping(s_svc_t *s, const cb_rpc_result_t *res)
{
    cb_mp_reader_t r;
    uint32_t n;
    cb_mp_reader_init(&r, res->result.ptr, res->result.len);
    if (cb_mp_read_map(&r, &n) != 0) {
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *key;
        const char *text;
        size_t klen;
        size_t len;
        if (cb_mp_read_str(&r, &key, &klen) != 0) {
            return;
        }
        if (klen == 3 && memcmp(key, "pid", 3) == 0 && cb_mp_read_int(&r, &s->pid) == 0) {
            continue;
        }
        if (klen == 7 && memcmp(key, "version", 7) == 0 && cb_mp_read_str(&r, &text, &len) == 0) {
            snprintf(s->version, sizeof s->version, "%.*s", (int) len, text);
            continue;
        }
        if (cb_mp_skip(&r, NULL, NULL) != 0) {
            return;
        }
    }
}

static void
s_on_pong(void *ctx, int rc, const cb_rpc_result_t *res)
{
    s_svc_t *s = ctx;
    s->call = 0;
    if (rc == CB_E_CLOSED) {
        return;
    }
    bool up = rc == 0 && res != NULL && res->ok;
    if (up) {
        int64_t now = cb_time_now_ns();
        s->latency_ms = (double) (now - s->sent_ns) / 1e6;
        s->last_ok_ns = now;
        s->failures = 0;
        s_read_ping(s, res);
    } else {
        s->failures++;
    }
    if (s->known && up != s->up) {
        if (up) {
            cb_log_info("service_up", "service=%s", edge_svc_name(s->svc));
        } else {
            cb_log_warn("service_down", "service=%s error=\"%s\"", edge_svc_name(s->svc),
                        rc != 0 ? cb_strerror(rc) : "ping refused");
        }
    }
    s->known = true;
    s->up = up;
}

size_t
edge_health_ping(edge_health_t *health)
{
    size_t sent = 0;
    for (size_t i = 0; i < EDGE_SVC_COUNT; i++) {
        s_svc_t *s = &health->svc[i];
        if (!s->watched || s->call != 0) {
            continue;
        }
        s->sent_ns = cb_time_now_ns();
        s->call = edge_rpc_call(health->rpc, s->svc, "ping", NULL, 0, health->timeout_ms, false,
                                s_on_pong, s);
        sent += s->call != 0;
    }
    return sent;
}

bool
edge_health_service_up(const edge_health_t *health, edge_svc_t svc)
{
    const s_svc_t *s = &health->svc[svc];
    return !s->known || s->up;
}

typedef struct {
    cb_buf_t *out;
    char venue[EDGE_VENUE_MAX];
    size_t venues;
    size_t scopes;
} s_circuits_t;

static void
s_circuit(void *ctx, const char *venue, const char *scope, const char *state, int64_t retry_at_ns)
{
    (void) retry_at_ns;
    s_circuits_t *c = ctx;
    if (c->venues == 0 || strcmp(c->venue, venue) != 0) {
        (void) cb_buf_append_str(c->out, c->venues > 0 ? "}," : "");
        (void) cb_json_write_string(c->out, venue, strlen(venue));
        (void) cb_buf_append_str(c->out, ":{");
        snprintf(c->venue, sizeof c->venue, "%s", venue);
        c->venues++;
        c->scopes = 0;
    }
    (void) cb_buf_append_str(c->out, c->scopes > 0 ? "," : "");
    (void) cb_json_write_string(c->out, scope, strlen(scope));
    (void) cb_buf_appendf(c->out, ":\"%s\"", state);
    c->scopes++;
}

/* Whether every required service answered its latest ping. */
static bool
s_required_up(const edge_health_t *health)
{
    for (size_t i = 0; i < EDGE_SVC_COUNT; i++) {
        const s_svc_t *s = &health->svc[i];
        if (s->watched && s->required && !(s->known && s->up)) {
            return false;
        }
    }
    return true;
}

static int
s_services(const edge_health_t *health, cb_buf_t *out)
{
    char ts[CB_TIME_ISO_LEN];
    int rc = cb_buf_append_str(out, "\"services\":{");
    size_t shown = 0;
    for (size_t i = 0; rc == 0 && i < EDGE_SVC_COUNT; i++) {
        const s_svc_t *s = &health->svc[i];
        if (!s->watched) {
            continue;
        }
        rc = cb_buf_appendf(out, "%s\"%s\":{\"up\":%s,\"required\":%s,\"state\":\"%s\"", shown++ > 0 ? "," : "",
                            edge_svc_name(s->svc), s->known && s->up ? "true" : "false",
                            s->required ? "true" : "false", !s->known ? "unknown" : s->up ? "up" : "down");
        if (rc == 0 && s->last_ok_ns != 0) {
            cb_time_format_iso(s->last_ok_ns, ts, sizeof ts);
            rc = cb_buf_appendf(out, ",\"latency_ms\":%.3f,\"last_ok\":\"%s\",\"pid\":%lld,\"version\":",
                                s->latency_ms, ts, (long long) s->pid);
            rc = rc != 0 ? rc : cb_json_write_string(out, s->version, strlen(s->version));
        }
        rc = rc != 0 ? rc : cb_buf_appendf(out, ",\"failures\":%llu}", (unsigned long long) s->failures);
    }
    return rc != 0 ? rc : cb_buf_append_char(out, '}');
}

static int
s_bus(const edge_cache_t *cache, cb_buf_t *out)
{
    char ts[CB_TIME_ISO_LEN] = "";
    s_circuits_t c = {out, "", 0, 0};
    int rc = cb_buf_append_str(out, ",\"circuits\":{");
    if (rc != 0 || cache == NULL) {
        return rc != 0 ? rc : cb_buf_append_char(out, '}');
    }
    edge_cache_each_circuit(cache, s_circuit, &c);
    edge_cache_stats_t st = edge_cache_stats(cache);
    if (st.last_msg_ns != 0) {
        cb_time_format_iso(st.last_msg_ns, ts, sizeof ts);
    }
    return cb_buf_appendf(out, "%s},\"bus\":{\"messages\":%llu,\"last_msg\":%s%s%s}", c.venues > 0 ? "}" : "",
                          (unsigned long long) st.received, ts[0] != '\0' ? "\"" : "null", ts,
                          ts[0] != '\0' ? "\"" : "");
}

int
edge_health_render(const edge_health_t *health, bool redis_up, const edge_cache_t *cache,
                   cb_buf_t *out)
{
    bool ok = redis_up && s_required_up(health);
    char ts[CB_TIME_ISO_LEN];
    cb_time_format_iso(cb_time_now_ns(), ts, sizeof ts);
    cb_buf_reset(out);
    int rc = cb_buf_appendf(out, "{\"status\":\"%s\",", ok ? "ok" : "unavailable");
    rc = rc != 0 ? rc : s_services(health, out);
    rc = rc != 0 ? rc : cb_buf_appendf(out, ",\"redis\":\"%s\"", redis_up ? "up" : "down");
    rc = rc != 0 ? rc : s_bus(cache, out);
    rc = rc != 0 ? rc : cb_buf_appendf(out, ",\"timestamp\":\"%s\"}", ts);
    if (rc != 0) {
        cb_buf_reset(out);
        return 500;
    }
    return ok ? 200 : 503;
}

int
edge_health_parse_services(const char *text, bool out[EDGE_SVC_COUNT])
{
    memset(out, 0, EDGE_SVC_COUNT * sizeof out[0]);
    const char *p = text;
    while (*p != '\0') {
        size_t len = strcspn(p, ",");
        size_t i = 0;
        while (i < EDGE_SVC_COUNT && (strlen(edge_svc_name((edge_svc_t) i)) != len ||
                                      memcmp(edge_svc_name((edge_svc_t) i), p, len) != 0)) {
            i++;
        }
        if (len > 0 && i == EDGE_SVC_COUNT) {
            return CB_E_CONFIG;
        }
        if (len > 0) {
            out[i] = true;
        }
        p += len + (p[len] == ',');
    }
    return 0;
}
