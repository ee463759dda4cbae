/* sent_rolling.c - per-asset rolling sentiment: exponentially decayed mean of text scores */
#include <math.h>
#include <stdlib.h>

#include <czmq.h>

#include "sent_rolling.h"

typedef struct {
    double value;  /* decayed sum of scores */
    double weight; /* decayed count */
    uint64_t texts;
    int64_t updated_ns;
} s_asset_t;

struct sent_rolling {
    zhashx_t *assets;
    int64_t half_life_s;
};

static void
s_free(void **item)
{
    free(*item);
    *item = NULL;
}

sent_rolling_t *
sent_rolling_new(int64_t half_life_s)
{
    if (half_life_s <= 0) {
        return NULL;
    }
    sent_rolling_t *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return NULL;
    }
    r->assets = zhashx_new();
    if (r->assets == NULL) {
        free(r);
        return NULL;
    }
    zhashx_set_destructor(r->assets, s_free);
    r->half_life_s = half_life_s;
    return r;
}

void
sent_rolling_destroy(sent_rolling_t **rolling_p)
{
    if (rolling_p == NULL || *rolling_p == NULL) {
        return;
    }
    zhashx_destroy(&(*rolling_p)->assets);
    free(*rolling_p);
    *rolling_p = NULL;
}

static void
s_view(const s_asset_t *a, sent_rolling_view_t *out)
{
    out->score = a->weight > 0 ? a->value / a->weight : 0;
    out->texts = a->texts;
    out->updated_ns = a->updated_ns;
}

void
sent_rolling_add(sent_rolling_t *r, const char *asset, double score, int64_t now_ns,
                 sent_rolling_view_t *out)
{
    s_asset_t *a = zhashx_lookup(r->assets, asset);
    if (a == NULL) {
        a = calloc(1, sizeof *a);
        if (a == NULL) {
            out->score = score;
            out->texts = 1;
            out->updated_ns = now_ns;
            return;
        }
        a->updated_ns = now_ns;
        zhashx_insert(r->assets, asset, a);
    }
    double dt = (double) (now_ns - a->updated_ns) / 1e9;
    if (dt > 0) {
        double decay = exp2(-dt / (double) r->half_life_s);
        a->value *= decay;
        a->weight *= decay;
    }
    a->value += score;
    a->weight += 1;
    a->texts++;
    if (now_ns > a->updated_ns) {
        a->updated_ns = now_ns;
    }
    s_view(a, out);
}

bool
sent_rolling_get(const sent_rolling_t *r, const char *asset, sent_rolling_view_t *out)
{
    const s_asset_t *a = zhashx_lookup(r->assets, asset);
    if (a == NULL) {
        return false;
    }
    s_view(a, out);
    return true;
}

int64_t
sent_rolling_half_life_s(const sent_rolling_t *r)
{
    return r->half_life_s;
}
