/* feed_bestexec.c - best execution arithmetic: walk a book side for an amount, add the taker fee, spreads */
#include <string.h>

#include "cb_error.h"
#include "feed_bestexec.h"

static unsigned
s_scale(cb_decimal_t a, cb_decimal_t b)
{
    unsigned s = (unsigned) a.scale + b.scale;
    return s > CB_DECIMAL_MAX_SCALE ? CB_DECIMAL_MAX_SCALE : s;
}

/* fee and total from cost. */
static int
s_finish(feed_fill_t *out, cb_decimal_t taker_fee, bool buy)
{
    int rc = cb_decimal_mul(out->cost, taker_fee, s_scale(out->cost, taker_fee), CB_ROUND_UP,
                            &out->fee);
    if (rc == 0) {
        rc = buy ? cb_decimal_add(out->cost, out->fee, &out->total)
                 : cb_decimal_sub(out->cost, out->fee, &out->total);
    }
    if (rc == 0) {
        out->fee = cb_decimal_normalize(out->fee);
        out->total = cb_decimal_normalize(out->total);
        out->cost = cb_decimal_normalize(out->cost);
    }
    return rc;
}

int
feed_bestexec_fill(const cb_levels_t *levels, cb_decimal_t amount, cb_decimal_t taker_fee, bool buy,
               feed_fill_t *out)
{
    memset(out, 0, sizeof *out);
    if (cb_decimal_sign(amount) <= 0 || cb_decimal_sign(taker_fee) < 0) {
        return CB_E_BAD_REQUEST;
    }
    cb_decimal_t left = amount;
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < levels->count && cb_decimal_sign(left) > 0; i++) {
        const cb_level_t *lv = &levels->items[i];
        if (cb_decimal_sign(lv->qty) <= 0) {
            continue;
        }
        cb_decimal_t take = cb_decimal_cmp(lv->qty, left) < 0 ? lv->qty : left;
        cb_decimal_t part;
        rc = cb_decimal_mul(lv->price, take, s_scale(lv->price, take), CB_ROUND_HALF_EVEN, &part);
        rc = rc != 0 ? rc : cb_decimal_add(out->cost, part, &out->cost);
        rc = rc != 0 ? rc : cb_decimal_add(out->amount, take, &out->amount);
        rc = rc != 0 ? rc : cb_decimal_sub(left, take, &left);
        out->levels++;
    }
    if (rc != 0) {
        return rc;
    }
    out->filled = cb_decimal_sign(left) == 0;
    out->amount = cb_decimal_normalize(out->amount);
    if (cb_decimal_sign(out->amount) > 0) {
        rc = cb_decimal_div(out->cost, out->amount, FEED_BEST_AVG_SCALE, CB_ROUND_HALF_EVEN,
                            &out->avg_price);
        out->avg_price = cb_decimal_normalize(out->avg_price);
    }
    return rc != 0 ? rc : s_finish(out, taker_fee, buy);
}

int
feed_bestexec_top(const cb_levels_t *levels, cb_decimal_t taker_fee, bool buy, feed_fill_t *out)
{
    memset(out, 0, sizeof *out);
    if (cb_decimal_sign(taker_fee) < 0) {
        return CB_E_BAD_REQUEST;
    }
    for (uint32_t i = 0; i < levels->count; i++) {
        const cb_level_t *lv = &levels->items[i];
        if (cb_decimal_sign(lv->qty) > 0) {
            out->filled = true;
            out->levels = 1;
            out->amount = cb_decimal_normalize(lv->qty);
            out->avg_price = cb_decimal_normalize(lv->price);
            out->cost = lv->price;
            return s_finish(out, taker_fee, buy);
        }
    }
    return 0;
}

bool
feed_bestexec_better(const feed_fill_t *a, const feed_fill_t *b, bool buy)
{
    int c = cb_decimal_cmp(a->total, b->total);
    return buy ? c < 0 : c > 0;
}

int
feed_bestexec_mid(cb_decimal_t bid, cb_decimal_t ask, cb_decimal_t *mid)
{
    cb_decimal_t sum;
    int rc = cb_decimal_add(bid, ask, &sum);
    if (rc != 0) {
        return rc;
    }
    unsigned scale = sum.scale + 1u > CB_DECIMAL_MAX_SCALE ? CB_DECIMAL_MAX_SCALE : sum.scale + 1u;
    rc = cb_decimal_div(sum, cb_decimal_from_int(2), scale, CB_ROUND_HALF_EVEN, mid);
    if (rc == 0) {
        *mid = cb_decimal_normalize(*mid);
    }
    return rc;
}

int
feed_bestexec_spread(cb_decimal_t bid, cb_decimal_t ask, cb_decimal_t *abs, cb_decimal_t *bps)
{
    cb_decimal_t mid;
    cb_decimal_t scaled;
    int rc = cb_decimal_sub(ask, bid, abs);
    rc = rc != 0 ? rc : feed_bestexec_mid(bid, ask, &mid);
    if (rc == 0 && cb_decimal_is_zero(mid)) {
        rc = CB_E_DIV_ZERO;
    }
    rc = rc != 0 ? rc
                 : cb_decimal_mul(*abs, cb_decimal_from_int(10000), abs->scale, CB_ROUND_HALF_EVEN,
                                  &scaled);
    rc = rc != 0 ? rc : cb_decimal_div(scaled, mid, 2, CB_ROUND_HALF_EVEN, bps);
    if (rc == 0) {
        *abs = cb_decimal_normalize(*abs);
        *bps = cb_decimal_normalize(*bps);
    }
    return rc;
}
