/* cb_utf8.c - strict UTF-8 validation (the well-formed byte sequences of RFC 3629) */
#include <stdint.h>
#include <string.h>

#include "cb_utf8.h"

size_t
cb_utf8_valid_prefix(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *) s;
    size_t i = 0;
    while (i < len) {
        /* Most text on the bus is ASCII: test eight bytes at a time. */
        while (len - i >= 8) {
            uint64_t word;
            memcpy(&word, p + i, sizeof word);
            if ((word & 0x8080808080808080ULL) != 0) {
                break;
            }
            i += 8;
        }
        if (i == len) {
            break;
        }
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        /* The lead byte fixes the length and the range of the second byte;
         * the narrower ranges after E0, ED, F0 and F4 exclude overlongs,
         * surrogates and code points above U+10FFFF. */
        size_t need;
        unsigned char lo = 0x80;
        unsigned char hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            need = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            lo = c == 0xe0 ? 0xa0 : 0x80;
            hi = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            lo = c == 0xf0 ? 0x90 : 0x80;
            hi = c == 0xf4 ? 0x8f : 0xbf;
        } else {
            return i;
        }
        if (len - i - 1 < need || p[i + 1] < lo || p[i + 1] > hi) {
            return i;
        }
        for (size_t k = 2; k <= need; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return i;
            }
        }
        i += need + 1;
    }
    return len;
}

bool
cb_utf8_valid(const char *s, size_t len)
{
    return cb_utf8_valid_prefix(s, len) == len;
}
