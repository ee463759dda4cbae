/* cb_mem.c - the process heap's policy, on glibc's mallopt and malloc_trim */
#include "cb_mem.h"

#include <stdlib.h> /* defines __GLIBC__ on glibc */

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#define S_MMAP_THRESHOLD (128 * 1024)

void
cb_mem_init(void)
{
#if defined(__GLIBC__)
    /* Setting it fixes it: glibc's dynamic adjustment stops. */
    (void) mallopt(M_MMAP_THRESHOLD, S_MMAP_THRESHOLD);
#endif
}

void
cb_mem_release(void)
{
#if defined(__GLIBC__)
    (void) malloc_trim(0);
#endif
}
