/* sim_kraken_params.c - a Kraken private call's parameters, from a form body or a JSON body alike */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cb_json.h"
#include "cb_mp.h"
#include "sim_kraken_params.h"
#include "sim_params.h"

bool
sim_kraken_params_open(sim_kraken_params_t *p, const cb_httpd_req_t *req)
{
    size_t ct_len = 0;
    const char *ct = cb_httpd_req_header(req, "content-type", &ct_len);
    memset(p, 0, sizeof *p);
    p->req = req;
    p->json = req->body_len > 0 && ct != NULL && ct_len >= 16 && strncasecmp(ct, "application/json", 16) == 0;
    if (!p->json) {
        return true;
    }
    msgpack_sbuffer_init(&p->mp);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &p->mp, msgpack_sbuffer_write);
    cb_mp_reader_t r;
    bool packed = cb_json_to_msgpack(req->body, req->body_len, &pk, NULL, 0) == 0;
    cb_mp_reader_init(&r, p->mp.data, p->mp.size);
    if (!packed || cb_mp_peek(&r) != CB_MP_MAP) {
        sim_kraken_params_close(p);
        return false;
    }
    return true;
}

void
sim_kraken_params_close(sim_kraken_params_t *p)
{
    if (p->json) {
        msgpack_sbuffer_destroy(&p->mp);
        p->json = false;
    }
}

bool
sim_kraken_param(sim_kraken_params_t *p, const char *key, char *out, size_t size, bool *present)
{
    *present = false;
    if (!p->json) {
        /* The body wins; the query counts only when the body lacks the key. */
        bool ok = sim_param(p->req->body, p->req->body_len, key, out, size, present);
        return ok || *present ? ok : sim_param(p->req->query, p->req->query_len, key, out, size, present);
    }
    cb_mp_reader_t r;
    cb_mp_reader_init(&r, p->mp.data, p->mp.size);
    uint32_t n;
    if (cb_mp_read_map(&r, &n) != 0) {
        return false;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        size_t klen;
        if (cb_mp_read_str(&r, &k, &klen) != 0) {
            return false;
        }
        if (klen != strlen(key) || memcmp(k, key, klen) != 0) {
            if (cb_mp_skip(&r, NULL, NULL) != 0) {
                return false;
            }
            continue;
        }
        *present = true;
        uint32_t items = 1;
        bool array = cb_mp_peek(&r) == CB_MP_ARRAY;
        if (array && cb_mp_read_array(&r, &items) != 0) {
            return false;
        }
        size_t used = 0;
        out[0] = '\0';
        for (uint32_t j = 0; j < items; j++) {
            char piece[128];
            const char *s;
            size_t slen;
            uint64_t u;
            int64_t v;
            bool b;
            switch (cb_mp_peek(&r)) {
            case CB_MP_STR:
                if (cb_mp_read_str(&r, &s, &slen) != 0 || slen >= sizeof piece) {
                    return false;
                }
                memcpy(piece, s, slen);
                piece[slen] = '\0';
                break;
            case CB_MP_UINT:
                if (cb_mp_read_uint(&r, &u) != 0) {
                    return false;
                }
                snprintf(piece, sizeof piece, "%llu", (unsigned long long) u);
                break;
            case CB_MP_INT:
                if (cb_mp_read_int(&r, &v) != 0) {
                    return false;
                }
                snprintf(piece, sizeof piece, "%lld", (long long) v);
                break;
            case CB_MP_BOOL:
                if (cb_mp_read_bool(&r, &b) != 0) {
                    return false;
                }
                snprintf(piece, sizeof piece, "%s", b ? "true" : "false");
                break;
            default:
                return false;
            }
            int w = snprintf(out + used, size - used, "%s%s", j > 0 ? "," : "", piece);
            if (w < 0 || (size_t) w >= size - used) {
                return false;
            }
            used += (size_t) w;
        }
        return true;
    }
    return false;
}


bool
sim_kraken_param_bool(sim_kraken_params_t *p, const char *key)
{
    char v[16];
    bool present;
    return sim_kraken_param(p, key, v, sizeof v, &present) && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}
