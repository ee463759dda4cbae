/* cb_sched.h - the scheduling hint a latency-sensitive process may ask for without privileges */
#ifndef CB_SCHED_H_INCLUDED
#define CB_SCHED_H_INCLUDED

/* Asks the kernel for a time slice of slice_us microseconds for the calling
 * thread (its policy, nice and flags unchanged; threads and processes started
 * afterwards inherit it). Linux >= 6.12 (EEVDF) clamps it to 100..100000 us
 * and lets a woken task with a shorter slice preempt a CPU-bound one at
 * once instead of at the end of that one's slice (~1.4 ms on 2 cores); older
 * kernels ignore it. Needs no capability. slice_us 0 leaves the kernel's
 * default. Returns 0 or -errno (nothing changed; -EPERM for a thread whose
 * policy is not SCHED_OTHER or SCHED_BATCH, left as it is). */
int
cb_sched_set_slice_us(long slice_us);

#endif
