/* cb_redis_url.c - redis:// URL parsing for cb_redis: user info, host, port, db */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "cb_error.h"
#include "cb_redis.h"
#include "cb_redis_impl.h"
#include "cb_str.h"

/* Percent-decodes len bytes into a new heap string; NULL on a bad escape,
 * an encoded NUL or a raw control character (or out of memory). */
static char *
s_decode(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (out == NULL) {
        goto fail;
    }
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) s[i];
        if (c < 0x20 || c == 0x7f) {
            goto fail_out;
        }
        if (c == '%') {
            int hi = i + 2 < len ? cb_str_hex_digit(s[i + 1]) : -1;
            int lo = i + 2 < len ? cb_str_hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || hi + lo == 0) {
                goto fail_out;
            }
            c = (unsigned char) (hi * 16 + lo);
            i += 2;
        }
        out[n++] = (char) c;
    }
    out[n] = '\0';
    return out;

fail_out:
    OPENSSL_cleanse(out, len + 1);
    free(out);
fail:
    return NULL;
}

/* Parses len decimal digits (no sign, no blanks) within [min, max]. */
static int
s_parse_int(const char *s, size_t len, long min, long max, long *out)
{
    if (len == 0 || len > 6) {
        return -1;
    }
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    if (v < min || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

/* True when host (len bytes, brackets removed, shorter than max) is a
 * plausible host name, IPv4 address or, when bracketed, IPv6 address. */
static bool
s_host_valid(const char *host, size_t len, size_t max, bool bracketed)
{
    if (len == 0 || len >= max) {
        return false;
    }
    bool colon = false;
    for (size_t i = 0; i < len; i++) {
        char c = host[i];
        bool ok;
        if (bracketed) {
            ok = cb_str_hex_digit(c) >= 0 || c == ':' || c == '.';
            colon = colon || c == ':';
        } else {
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_';
        }
        if (!ok) {
            return false;
        }
    }
    return !bracketed || colon;
}

void
cb_redis_url_fini(cb_redis_url_t *url)
{
    if (url == NULL) {
        return;
    }
    if (url->password != NULL) {
        OPENSSL_cleanse(url->password, strlen(url->password));
        free(url->password);
        url->password = NULL;
    }
    free(url->username);
    url->username = NULL;
}

int
cb_redis_url_parse_why(const char *text, cb_redis_url_t *url, const char **why)
{
    memset(url, 0, sizeof *url);
    url->port = 6379;
    *why = "not a redis://[[user]:password@]host[:port][/db] URL";
    if (text == NULL) {
        goto fail;
    }
    if (strncasecmp(text, "rediss://", 9) == 0) {
        *why = "rediss:// (TLS) is not supported by hiredis 0.14; use redis://";
        goto fail;
    }
    if (strncasecmp(text, "redis://", 8) != 0) {
        goto fail;
    }
    const char *p = text + 8;
    const char *end = p + strlen(p);
    const char *slash = memchr(p, '/', (size_t) (end - p));
    const char *authority_end = slash != NULL ? slash : end;
    /* The last '@' of the authority ends the user info, so that a raw '@' in
     * a password still parses (it should be written %40). */
    const char *at = NULL;
    for (const char *q = p; q < authority_end; q++) {
        if (*q == '@') {
            at = q;
        }
    }
    if (at != NULL) {
        *why = "bad user info (percent-encode reserved characters)";
        const char *colon = memchr(p, ':', (size_t) (at - p));
        const char *pass = colon != NULL ? colon + 1 : p;
        if (colon != NULL && colon > p) {
            url->username = s_decode(p, (size_t) (colon - p));
            if (url->username == NULL) {
                goto fail;
            }
        }
        if (at > pass || url->username != NULL) {
            url->password = s_decode(pass, (size_t) (at - pass));
            if (url->password == NULL) {
                goto fail;
            }
        }
        p = at + 1;
    }
    *why = "bad host";
    const char *host = p;
    const char *host_end;
    bool bracketed = p < authority_end && *p == '[';
    if (bracketed) {
        const char *close = memchr(p, ']', (size_t) (authority_end - p));
        if (close == NULL) {
            goto fail;
        }
        host = p + 1;
        host_end = close;
        p = close + 1;
    } else {
        host_end = p;
        while (host_end < authority_end && *host_end != ':') {
            host_end++;
        }
        p = host_end;
    }
    size_t host_len = (size_t) (host_end - host);
    if (!s_host_valid(host, host_len, sizeof url->host, bracketed)) {
        goto fail;
    }
    memcpy(url->host, host, host_len);
    url->host[host_len] = '\0';
    if (p < authority_end) {
        long port;
        *why = "bad port (1 to 65535)";
        if (*p != ':' ||
            s_parse_int(p + 1, (size_t) (authority_end - p - 1), 1, 65535, &port) != 0) {
            goto fail;
        }
        url->port = (int) port;
    }
    if (slash != NULL && slash + 1 < end) {
        long db;
        *why = "bad db (0 to 10000)";
        if (s_parse_int(slash + 1, (size_t) (end - slash - 1), 0, 10000, &db) != 0) {
            goto fail;
        }
        url->db = (int) db;
    }
    *why = NULL;
    return 0;

fail:
    cb_redis_url_fini(url);
    return CB_E_CONFIG;
}

int
cb_redis_url_parse(const char *text, cb_redis_url_t *url)
{
    const char *why;
    return cb_redis_url_parse_why(text, url, &why);
}

