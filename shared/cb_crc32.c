/* cb_crc32.c - CRC-32 (IEEE 802.3, the zlib.crc32 polynomial) for Kraken's book checksums */
#include "cb_crc32.h"

#include <limits.h>

#include <zlib.h>

/* zlib's own crc32: the same function the venues' reference code calls
 * (Python's zlib.crc32), and several bytes per step rather than one. */
uint32_t
cb_crc32(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
    uLong c = crc;
    while (len > 0) {
        uInt n = len > UINT_MAX ? UINT_MAX : (uInt) len;
        c = crc32(c, p, n);
        p += n;
        len -= n;
    }
    return (uint32_t) c;
}
