/* edge_limit_id.c - the client a request counts against: API key, peer or X-Forwarded-For */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_str.h"
#include "edge_limit.h"

/* Longest address text taken (IPv6 with an embedded IPv4 is 45). */
#define S_ADDR_MAX 64

/* An address in network order; IPv4-mapped IPv6 (::ffff:a.b.c.d) is held
 * as IPv4 so that both spellings are one client and match one CIDR. */
typedef struct {
    int family; /* AF_INET or AF_INET6 */
    unsigned char b[16];
} s_addr_t;

/* Parses len bytes of text as an IPv4 or IPv6 address. 0 or -1. */
static int
s_addr_parse(const char *text, size_t len, s_addr_t *a)
{
    char buf[S_ADDR_MAX];
    if (len == 0 || len >= sizeof buf || memchr(text, '\0', len) != NULL) {
        return -1;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    memset(a, 0, sizeof *a);
    if (inet_pton(AF_INET, buf, a->b) == 1) {
        a->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, a->b) != 1) {
        return -1;
    }
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (memcmp(a->b, mapped, sizeof mapped) == 0) {
        memmove(a->b, a->b + 12, 4);
        memset(a->b + 4, 0, 12);
        a->family = AF_INET;
    } else {
        a->family = AF_INET6;
    }
    return 0;
}

/* Whether a is in the network net/bits. */
static bool
s_addr_in(const s_addr_t *a, const s_addr_t *net, int bits)
{
    if (a->family != net->family) {
        return false;
    }
    int whole = bits / 8;
    if (memcmp(a->b, net->b, (size_t) whole) != 0) {
        return false;
    }
    int rest = bits % 8;
    if (rest == 0) {
        return true;
    }
    unsigned char mask = (unsigned char) (0xff << (8 - rest));
    return (a->b[whole] & mask) == (net->b[whole] & mask);
}

static bool
s_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims spaces and tabs around [*p, *p + *len). */
static void
s_trim(const char **p, size_t *len)
{
    while (*len > 0 && s_space(**p)) {
        (*p)++;
        (*len)--;
    }
    while (*len > 0 && s_space((*p)[*len - 1])) {
        (*len)--;
    }
}

/* Whether a is one of trusted's comma-separated addresses or CIDRs
 * (entries that do not parse are ignored). */
static bool
s_trusted(const s_addr_t *a, const char *trusted)
{
    const char *p = trusted != NULL ? trusted : "";
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t) (end - p) : strlen(p);
        const char *entry = p;
        p = end != NULL ? end + 1 : p + len;
        s_trim(&entry, &len);
        const char *slash = memchr(entry, '/', len);
        size_t addr_len = slash != NULL ? (size_t) (slash - entry) : len;
        s_addr_t net;
        if (s_addr_parse(entry, addr_len, &net) != 0) {
            continue;
        }
        int max = net.family == AF_INET ? 32 : 128;
        int bits = max;
        if (slash != NULL) {
            size_t digits = len - addr_len - 1;
            if (digits == 0 || digits > 3) {
                continue;
            }
            bits = 0;
            for (size_t i = 0; i < digits; i++) {
                char c = slash[1 + i];
                if (c < '0' || c > '9') {
                    bits = -1;
                    break;
                }
                bits = bits * 10 + (c - '0');
            }
            /* ::ffff:a.b.c.d/120 means a.b.c.d/24. */
            if (net.family == AF_INET && memchr(entry, ':', addr_len) != NULL) {
                bits -= 96;
            }
            if (bits < 0 || bits > max) {
                continue;
            }
        }
        if (s_addr_in(a, &net, bits)) {
            return true;
        }
    }
    return false;
}

static void
s_write_ip(const s_addr_t *a, char *out, size_t size)
{
    char text[3 + INET6_ADDRSTRLEN] = "ip:";
    if (a->family == AF_INET) {
        cb_str_ipv4(a->b, text + 3);
    } else if (inet_ntop(a->family, a->b, text + 3, INET6_ADDRSTRLEN) == NULL) {
        text[3] = '\0';
    }
    cb_str_copy(out, size, text);
}

void
edge_limit_client_id(const char *peer, const char *xff, size_t xff_len, const char *trusted,
                     const char *key_id, char *out, size_t size)
{
    if (size == 0) {
        return;
    }
    if (key_id != NULL && key_id[0] != '\0') {
        snprintf(out, size, "key:%s", key_id);
        return;
    }
    s_addr_t from;
    if (peer == NULL || s_addr_parse(peer, strlen(peer), &from) != 0) {
        /* Not an address (a Unix socket, or unknown): one client per text. */
        snprintf(out, size, "ip:%s", peer != NULL ? peer : "");
        return;
    }
    /* Right to left: each hop that is a trusted proxy vouches for the entry
     * before it; the first untrusted one is the client. A malformed entry
     * means the chain cannot be trusted: the peer is counted. */
    s_addr_t client = from;
    if (xff != NULL && s_trusted(&from, trusted)) {
        size_t end = xff_len;
        while (end > 0) {
            size_t start = end;
            while (start > 0 && xff[start - 1] != ',') {
                start--;
            }
            const char *entry = xff + start;
            size_t len = end - start;
            s_trim(&entry, &len);
            s_addr_t hop;
            if (s_addr_parse(entry, len, &hop) != 0) {
                client = from;
                break;
            }
            client = hop;
            if (!s_trusted(&hop, trusted)) {
                break;
            }
            end = start > 0 ? start - 1 : 0;
        }
    }
    s_write_ip(&client, out, size);
}
