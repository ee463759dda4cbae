/* cb_hash.h - FNV-1a (64-bit), for the small in-process hash tables and seeded walks of every service */
#ifndef CB_HASH_H_INCLUDED
#define CB_HASH_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

/* Start a hash here; chain calls to hash several parts. Not for anything an
 * adversary may choose to collide on purpose where that costs more than a
 * slower lookup. */
#define CB_FNV1A64_INIT 14695981039346656037ULL
#define CB_FNV1A64_PRIME 1099511628211ULL

/* One value folded in: a byte, or a separator outside the byte range
 * (0x100) that keeps ("ab", "c") apart from ("a", "bc"). */
static inline uint64_t
cb_fnv1a64_mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * CB_FNV1A64_PRIME;
}

/* len bytes of data folded into h. */
static inline uint64_t
cb_fnv1a64(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h = cb_fnv1a64_mix(h, p[i]);
    }
    return h;
}

/* A NUL-terminated string folded into h. */
static inline uint64_t
cb_fnv1a64_str(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *) s; *p != '\0'; p++) {
        h = cb_fnv1a64_mix(h, *p);
    }
    return h;
}

#endif
