/* cb_secmem.c - locked, non-dumpable pages for secrets */
#include "cb_secmem.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

static size_t
s_span(size_t size)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t ps = page > 0 ? (size_t) page : 4096;
    if (size == 0 || size > SIZE_MAX - ps) {
        return 0;
    }
    return (size + ps - 1) / ps * ps;
}

void *
cb_secmem_alloc(size_t size)
{
    size_t span = s_span(size);
    if (span == 0) {
        return NULL;
    }
    void *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        return NULL;
    }
    /* Both are best effort: without CAP_IPC_LOCK the lock may exceed
     * RLIMIT_MEMLOCK, and old kernels lack MADV_DONTDUMP; the process is
     * also made non-dumpable (cb_creds_harden_process). */
    (void) mlock(p, span);
#ifdef MADV_DONTDUMP
    (void) madvise(p, span, MADV_DONTDUMP);
#endif
    return p;
}

void
cb_secmem_free(void **p, size_t size)
{
    if (p == NULL || *p == NULL) {
        return;
    }
    size_t span = s_span(size);
    OPENSSL_cleanse(*p, span);
    (void) munlock(*p, span);
    (void) munmap(*p, span);
    *p = NULL;
}

int
cb_secmem_selftest(void)
{
    unsigned char *p = cb_secmem_alloc(100);
    if (p == NULL || p[0] != 0 || p[99] != 0) {
        return -1;
    }
    memset(p, 0xa5, 100);
    void *v = p;
    cb_secmem_free(&v, 100);
    cb_secmem_free(&v, 100);
    return v == NULL && cb_secmem_alloc(0) == NULL ? 0 : -1;
}
