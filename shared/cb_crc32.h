/* cb_crc32.h - CRC-32 (IEEE 802.3, the zlib.crc32 polynomial) for Kraken's book checksums */
#ifndef CB_CRC32_H_INCLUDED
#define CB_CRC32_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

/* Continues crc (0 to start) over len bytes of data and returns the new
 * value, exactly as zlib's crc32(crc, data, len): cb_crc32(0, "123456789",
 * 9) is 0xcbf43926. */
uint32_t
cb_crc32(uint32_t crc, const void *data, size_t len);

#endif
