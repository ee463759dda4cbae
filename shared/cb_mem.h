/* cb_mem.h - the process heap's policy: large transient buffers mapped apart, freed pages given back after a burst */
#ifndef CB_MEM_H_INCLUDED
#define CB_MEM_H_INCLUDED

/* Large allocations (>= 128 KiB) always get their own mapping, unmapped when
 * freed. Without it glibc raises that threshold to the largest block freed so
 * far, and a start-up burst's big buffers grow the heap for good. Call once,
 * first thing in main. No-op where the C library is not glibc. */
void
cb_mem_init(void);

/* Gives the heap's free pages back to the system (glibc's malloc_trim).
 * Costs a walk of the heap: call after a burst of work, not per message. */
void
cb_mem_release(void);

#endif
