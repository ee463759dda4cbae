/* sim_fixed.c - exact fixed-point amounts for the simulator: int64 in units of 1e-8 */
#include <string.h>

#include "sim_fixed.h"

static const unsigned long long s_pow10[SIM_DECIMALS + 1] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

bool
sim_fx_parse(const char *s, size_t len, sim_fx_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+')) {
        neg = s[i] == '-';
        i++;
    }
    __int128 v = 0;
    int digits = 0;
    int frac = -1;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (c < '0' || c > '9') {
            return false;
        }
        digits++;
        if (frac >= 0) {
            frac++;
            if (frac > SIM_DECIMALS) {
                if (c != '0') {
                    return false; /* more precision than we keep */
                }
                continue;
            }
        }
        v = v * 10 + (c - '0');
        if (v > (__int128) INT64_MAX * 10) {
            return false;
        }
    }
    if (digits == 0) {
        return false;
    }
    for (int f = frac < 0 ? 0 : (frac > SIM_DECIMALS ? SIM_DECIMALS : frac); f < SIM_DECIMALS; f++) {
        v *= 10;
        if (v > INT64_MAX) {
            return false;
        }
    }
    if (v > INT64_MAX) {
        return false;
    }
    *out = neg ? -(sim_fx_t) v : (sim_fx_t) v;
    return true;
}

/* Writes v's decimal digits ending just before end; returns where they start. */
static char *
s_digits(unsigned long long v, char *end)
{
    do {
        *--end = (char) ('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

size_t
sim_fx_format_len(sim_fx_t v, int decimals, char *buf)
{
    /* By hand rather than snprintf: every price and quantity the WebSocket
     * streams and the Kraken checksums carry goes through here. */
    if (decimals < 0) {
        decimals = 0;
    }
    if (decimals > SIM_DECIMALS) {
        decimals = SIM_DECIMALS;
    }
    unsigned long long a = v < 0 ? 0ULL - (unsigned long long) v : (unsigned long long) v;
    unsigned long long whole = a / SIM_SCALE;
    unsigned long long frac = a % SIM_SCALE;
    for (int d = decimals; d < SIM_DECIMALS; d++) {
        frac /= 10;
    }
    char tmp[32];
    char *end = tmp + sizeof tmp;
    char *p = end;
    if (decimals > 0) {
        for (int d = 0; d < decimals; d++) {
            *--p = (char) ('0' + frac % 10);
            frac /= 10;
        }
        *--p = '.';
    }
    p = s_digits(whole, p);
    /* With decimals, the sign of a value that prints as zero is dropped
     * (as it always was; "-0" stays at 0 decimals). */
    if (v < 0 &&
        (decimals == 0 || whole != 0 || a % SIM_SCALE >= s_pow10[SIM_DECIMALS - decimals])) {
        *--p = '-';
    }
    size_t n = (size_t) (end - p);
    memcpy(buf, p, n);
    buf[n] = '\0';
    return n;
}

char *
sim_fx_format(sim_fx_t v, int decimals, char *buf)
{
    sim_fx_format_len(v, decimals, buf);
    return buf;
}

sim_fx_t
sim_fx_round_to(sim_fx_t v, sim_fx_t step, int mode)
{
    sim_fx_t q = v / step;
    sim_fx_t r = v % step;
    if (r == 0) {
        return v;
    }
    if (r < 0) {
        q--;
        r += step;
    }
    /* Now v = q * step + r with 0 < r < step. */
    if (mode > 0 || (mode == 0 && 2 * r >= step)) {
        q++;
    }
    return q * step;
}

bool
sim_fx_mul(sim_fx_t price, sim_fx_t qty, sim_fx_t *out)
{
    __int128 p = (__int128) price * qty;
    p = (p + SIM_SCALE / 2) / SIM_SCALE;
    if (p > INT64_MAX) {
        return false;
    }
    *out = (sim_fx_t) p;
    return true;
}

sim_fx_t
sim_fx_div(sim_fx_t a, sim_fx_t b)
{
    __int128 n = (__int128) a * SIM_SCALE;
    return (sim_fx_t) ((n + b / 2) / b);
}
