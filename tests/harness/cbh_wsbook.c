/* cbh_wsbook.c - test harness: order books a WebSocket client keeps as the venues' documents say
 * (Kraken v2 with its checksum, Binance's local-book procedure) */
#include <stdlib.h>
#include <string.h>

#include "cbh_wsbook.h"
#include "cb_crc32.h"
#include "sim_ws_json.h"

/* Copies the number token after key at p into tok; returns its end, or
 * NULL when there is none. */
static const char *
s_token(const char *p, const char *key, char *tok, size_t size)
{
    const char *k = strstr(p, key);
    if (k == NULL) {
        return NULL;
    }
    k += strlen(key);
    size_t n = strspn(k, "0123456789.-");
    if (n == 0 || n >= size) {
        return NULL;
    }
    memcpy(tok, k, n);
    tok[n] = '\0';
    return k + n;
}

static bool
s_precise(const char *tok, int decimals)
{
    const char *dot = strchr(tok, '.');
    return decimals == 0 ? dot == NULL : dot != NULL && (int) strlen(dot + 1) == decimals;
}

/* Applies the levels of side s ("bids" / "asks") in msg. */
static int
s_kside(cbh_kbook_t *b, const char *msg, int s)
{
    const char *p = strstr(msg, s == 0 ? "\"bids\":[" : "\"asks\":[");
    const char *end = p != NULL ? strchr(p, ']') : NULL;
    if (end == NULL) {
        return -1;
    }
    for (p += 8; p < end && *p == '{';) {
        cbh_klevel_t l;
        p = s_token(p, "\"price\":", l.ptok, sizeof l.ptok);
        p = p != NULL ? s_token(p, "\"qty\":", l.qtok, sizeof l.qtok) : NULL;
        if (p == NULL || p > end || !s_precise(l.ptok, b->price_decimals) ||
            !s_precise(l.qtok, b->qty_decimals) ||
            !sim_fx_parse(l.ptok, strlen(l.ptok), &l.price) ||
            !sim_fx_parse(l.qtok, strlen(l.qtok), &l.qty)) {
            return -1;
        }
        cbh_klevel_t *v = b->side[s];
        size_t i = 0;
        while (i < b->n[s] && (s == 0 ? v[i].price > l.price : v[i].price < l.price)) {
            i++;
        }
        bool found = i < b->n[s] && v[i].price == l.price;
        if (l.qty == 0) {
            if (found) {
                memmove(&v[i], &v[i + 1], (b->n[s] - i - 1) * sizeof l);
                b->n[s]--;
            }
        } else if (found) {
            v[i] = l;
        } else {
            if (b->n[s] == CBH_KBOOK_LEVELS) {
                return -1;
            }
            memmove(&v[i + 1], &v[i], (b->n[s] - i) * sizeof l);
            v[i] = l;
            b->n[s]++;
        }
        p = strchr(p, '}');
        p = p != NULL ? p + 1 : end;
        p += *p == ',' ? 1 : 0;
    }
    return 0;
}

uint32_t
cbh_kbook_checksum(const cbh_kbook_t *b)
{
    uint32_t crc = 0;
    for (int s = 1; s >= 0; s--) {
        for (size_t i = 0; i < b->n[s] && i < 10; i++) {
            const char *toks[2] = {b->side[s][i].ptok, b->side[s][i].qtok};
            for (int t = 0; t < 2; t++) {
                char out[24];
                size_t n = 0;
                for (const char *c = toks[t]; *c != '\0'; c++) {
                    if (*c != '.' && !(n == 0 && *c == '0')) {
                        out[n++] = *c;
                    }
                }
                crc = cb_crc32(crc, out, n);
            }
        }
    }
    return crc;
}

int
cbh_kbook_apply(cbh_kbook_t *b, const char *msg)
{
    if (strstr(msg, "\"type\":\"snapshot\"") != NULL) {
        b->n[0] = b->n[1] = 0;
    }
    char tok[24];
    if (s_kside(b, msg, 0) != 0 || s_kside(b, msg, 1) != 0 ||
        s_token(msg, "\"checksum\":", tok, sizeof tok) == NULL) {
        return -1;
    }
    for (int s = 0; s < 2; s++) {
        b->n[s] = b->n[s] > b->depth ? b->depth : b->n[s];
    }
    bool ok = strtoull(tok, NULL, 10) == cbh_kbook_checksum(b);
    ok ? b->matched++ : b->mismatched++;
    return ok ? 1 : 0;
}

bool
cbh_bbook_set(cbh_bbook_t *b, int s, sim_fx_t price, sim_fx_t qty)
{
    size_t i = 0;
    while (i < b->n[s] && b->l[s][i].price != price) {
        i++;
    }
    if (qty == 0) {
        if (i < b->n[s]) {
            b->l[s][i] = b->l[s][--b->n[s]];
        }
    } else if (i < b->n[s]) {
        b->l[s][i].qty = qty;
    } else if (b->n[s] < CBH_BBOOK_LEVELS) {
        b->l[s][b->n[s]++] = (sim_level_t){price, qty, 0};
    } else {
        return false;
    }
    return true;
}

/* A decimal string as Binance sends it. */
static bool
s_fx(const msgpack_object *o, sim_fx_t *v)
{
    return o->type == MSGPACK_OBJECT_STR && sim_fx_parse(o->via.str.ptr, o->via.str.size, v);
}

/* Sets the levels of a [["p","q"],..] array. */
static bool
s_bside(cbh_bbook_t *b, int s, const msgpack_object *arr)
{
    if (arr == NULL || arr->type != MSGPACK_OBJECT_ARRAY) {
        return false;
    }
    for (uint32_t i = 0; i < arr->via.array.size; i++) {
        const msgpack_object *pair = &arr->via.array.ptr[i];
        sim_fx_t price, qty;
        if (pair->type != MSGPACK_OBJECT_ARRAY || pair->via.array.size != 2 ||
            !s_fx(&pair->via.array.ptr[0], &price) || !s_fx(&pair->via.array.ptr[1], &qty) ||
            !cbh_bbook_set(b, s, price, qty)) {
            return false;
        }
    }
    return true;
}

static bool
s_uint(const msgpack_object *o, uint64_t *v)
{
    if (o == NULL || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        return false;
    }
    *v = o->via.u64;
    return true;
}

int
cbh_bbook_snapshot(cbh_bbook_t *b, const char *json, size_t len)
{
    sim_ws_json_doc_t d;
    b->n[0] = b->n[1] = 0;
    bool ok = sim_ws_json_parse(&d, json, len) == 0 &&
              s_uint(sim_ws_json_get(&d.root, "lastUpdateId"), &b->id) &&
              s_bside(b, 0, sim_ws_json_get(&d.root, "bids")) &&
              s_bside(b, 1, sim_ws_json_get(&d.root, "asks"));
    sim_ws_json_doc_fini(&d);
    return ok ? 0 : -1;
}

int
cbh_bbook_apply(cbh_bbook_t *b, const char *msg, size_t len)
{
    sim_ws_json_doc_t d;
    uint64_t first, last;
    int rc = -2;
    if (sim_ws_json_parse(&d, msg, len) == 0 && s_uint(sim_ws_json_get(&d.root, "U"), &first) &&
        s_uint(sim_ws_json_get(&d.root, "u"), &last) && first <= last) {
        if (last <= b->id) {
            rc = 0;
        } else if (first > b->id + 1) {
            rc = -1;
        } else if (s_bside(b, 0, sim_ws_json_get(&d.root, "b")) &&
                   s_bside(b, 1, sim_ws_json_get(&d.root, "a"))) {
            b->id = last;
            rc = 1;
        }
    }
    sim_ws_json_doc_fini(&d);
    return rc;
}

static bool
s_has(const sim_level_t *l, size_t n, const sim_level_t *want)
{
    for (size_t i = 0; i < n; i++) {
        if (l[i].price == want->price) {
            return l[i].qty == want->qty;
        }
    }
    return false;
}

bool
cbh_bbook_equals(const cbh_bbook_t *b, const sim_level_t *bids, size_t nb, const sim_level_t *asks,
                 size_t na)
{
    if (b->n[0] != nb || b->n[1] != na) {
        return false;
    }
    for (size_t i = 0; i < nb; i++) {
        if (!s_has(b->l[0], b->n[0], &bids[i])) {
            return false;
        }
    }
    for (size_t i = 0; i < na; i++) {
        if (!s_has(b->l[1], b->n[1], &asks[i])) {
            return false;
        }
    }
    return true;
}
