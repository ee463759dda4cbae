/* cb_secmem.h - memory for secrets: whole pages, locked against swap, left out of core files, wiped when freed */
#ifndef CB_SECMEM_H_INCLUDED
#define CB_SECMEM_H_INCLUDED

#include <stddef.h>

/* A zeroed block of at least size bytes (size > 0) on pages of its own,
 * locked in RAM (mlock) where the process may lock memory and marked
 * MADV_DONTDUMP, so it never reaches swap or a core file. A failed mlock
 * (RLIMIT_MEMLOCK) is not an error: the block is still returned. NULL when
 * the pages cannot be mapped. Free with cb_secmem_free and the same size. */
void *
cb_secmem_alloc(size_t size);

/* Wipes (OPENSSL_cleanse), unlocks and unmaps the block at *p of size bytes
 * (the size given to cb_secmem_alloc), sets *p to NULL; NULL-safe. */
void
cb_secmem_free(void **p, size_t size);

/* Selftest: allocation, wiping and freeing; 0 when it passes. */
int
cb_secmem_selftest(void);

#endif
