/* sim_ws_json.c - the JSON pieces both WebSocket dialects share: exact numbers, RFC 3339 times,
 * request fields */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_error.h"
#include "cb_json.h"
#include "sim_ws_json.h"

int
sim_ws_json_fx(cb_buf_t *b, sim_fx_t v, int decimals)
{
    char tmp[32];
    size_t n = sim_fx_format_len(v, decimals, tmp);
    return cb_buf_append(b, tmp, n);
}

int
sim_ws_json_fx_str(cb_buf_t *b, sim_fx_t v, int decimals)
{
    char tmp[40];
    tmp[0] = '"';
    size_t n = 1 + sim_fx_format_len(v, decimals, tmp + 1);
    tmp[n] = '"';
    return cb_buf_append(b, tmp, n + 1);
}

int
sim_ws_json_u64(cb_buf_t *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char) ('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return cb_buf_append(b, tmp + i, sizeof tmp - i);
}

int
sim_ws_json_i64(cb_buf_t *b, int64_t v)
{
    if (v >= 0) {
        return sim_ws_json_u64(b, (uint64_t) v);
    }
    int rc = cb_buf_append_char(b, '-');
    return rc | sim_ws_json_u64(b, (uint64_t) 0 - (uint64_t) v);
}

/* Writes v as exactly width digits (zero-padded, v < 10^width) at p. */
static void
s_put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char) ('0' + v % 10);
        v /= 10;
    }
}

int
sim_ws_json_time(cb_buf_t *b, int64_t ns, int digits)
{
    int64_t secs = ns / 1000000000;
    int64_t frac = ns % 1000000000;
    if (frac < 0) {
        secs--;
        frac += 1000000000;
    }
    /* The civil date of the day, by hand (days_from_civil's inverse, after
     * H. Hinnant), rather than gmtime_r and snprintf on every message. */
    int64_t days = secs / 86400 - (secs % 86400 < 0 ? 1 : 0);
    int64_t sod = secs - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    char tmp[48];
    int n;
    if (year >= 0 && year <= 9999) {
        tmp[0] = '"';
        s_put_digits(tmp + 1, (unsigned) year, 4);
        tmp[5] = '-';
        s_put_digits(tmp + 6, (unsigned) month, 2);
        tmp[8] = '-';
        s_put_digits(tmp + 9, (unsigned) day, 2);
        tmp[11] = 'T';
        s_put_digits(tmp + 12, (unsigned) (sod / 3600), 2);
        tmp[14] = ':';
        s_put_digits(tmp + 15, (unsigned) (sod / 60 % 60), 2);
        tmp[17] = ':';
        s_put_digits(tmp + 18, (unsigned) (sod % 60), 2);
        n = 20;
    } else {
        time_t t = (time_t) secs;
        struct tm tm;
        gmtime_r(&t, &tm);
        n = snprintf(tmp, sizeof tmp, "\"%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    }
    if (digits > 0) {
        char f[9];
        s_put_digits(f, (unsigned) frac, 9);
        tmp[n++] = '.';
        memcpy(tmp + n, f, (size_t) (digits > 9 ? 9 : digits));
        n += digits > 9 ? 9 : digits;
    }
    memcpy(tmp + n, "Z\"", 2);
    return cb_buf_append(b, tmp, (size_t) n + 2);
}

int
sim_ws_json_str(cb_buf_t *b, const char *s, size_t len)
{
    int rc = cb_json_write_string(b, s, len);
    /* Text that is not UTF-8 is replaced rather than echoed. */
    return rc == CB_E_PARSE ? cb_buf_append_str(b, "\"?\"") : rc;
}

int
sim_ws_json_parse(sim_ws_json_doc_t *d, const char *text, size_t len)
{
    memset(d, 0, sizeof *d);
    msgpack_sbuffer_init(&d->sb);
    msgpack_unpacked_init(&d->up);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &d->sb, msgpack_sbuffer_write);
    if (cb_json_to_msgpack(text, len, &pk, d->err, sizeof d->err) != 0) {
        /* cb_json says "invalid JSON at byte N: why". */
        const char *at = strstr(d->err, "at byte ");
        d->err_at = at != NULL ? (size_t) strtoull(at + 8, NULL, 10) : 0;
        return -1;
    }
    size_t off = 0;
    if (msgpack_unpack_next(&d->up, d->sb.data, d->sb.size, &off) != MSGPACK_UNPACK_SUCCESS) {
        snprintf(d->err, sizeof d->err, "unreadable");
        return -1;
    }
    d->root = d->up.data;
    return 0;
}

void
sim_ws_json_doc_fini(sim_ws_json_doc_t *d)
{
    msgpack_unpacked_destroy(&d->up);
    msgpack_sbuffer_destroy(&d->sb);
}

static bool
s_str_is(const msgpack_object *o, const char *s, size_t len)
{
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == len &&
           memcmp(o->via.str.ptr, s, len) == 0;
}

const msgpack_object *
sim_ws_json_get(const msgpack_object *map, const char *key)
{
    if (map == NULL || map->type != MSGPACK_OBJECT_MAP) {
        return NULL;
    }
    size_t len = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        if (s_str_is(&map->via.map.ptr[i].key, key, len)) {
            return &map->via.map.ptr[i].val;
        }
    }
    return NULL;
}

bool
sim_ws_json_is(const msgpack_object *o, const char *s)
{
    return o != NULL && s_str_is(o, s, strlen(s));
}

bool
sim_ws_json_unknown_key(const msgpack_object *map, const char *const *allowed, const char **name,
                        size_t *len)
{
    for (uint32_t i = 0; map != NULL && map->type == MSGPACK_OBJECT_MAP && i < map->via.map.size;
         i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        bool ok = false;
        for (size_t j = 0; allowed[j] != NULL && !ok; j++) {
            ok = s_str_is(k, allowed[j], strlen(allowed[j]));
        }
        if (!ok) {
            *name = k->type == MSGPACK_OBJECT_STR ? k->via.str.ptr : "";
            *len = k->type == MSGPACK_OBJECT_STR ? k->via.str.size : 0;
            return true;
        }
    }
    return false;
}
