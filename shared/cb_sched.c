/* cb_sched.c - the scheduling hint a latency-sensitive process may ask for without privileges */
#include "cb_sched.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* struct sched_attr of sched_setattr(2) (glibc has no wrapper before 2.41). */
typedef struct {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
} s_sched_attr_t;

#define S_SCHED_OTHER 0
#define S_SCHED_BATCH 3

int
cb_sched_set_slice_us(long slice_us)
{
    if (slice_us == 0) {
        return 0;
    }
    if (slice_us < 0) {
        return -EINVAL;
    }
    /* The thread's own attributes (policy, nice, flags) with only the slice
     * (sched_runtime) changed; a real-time or idle policy someone chose
     * (chrt, systemd) is left alone: the hint is for SCHED_OTHER / BATCH. */
    s_sched_attr_t attr;
    memset(&attr, 0, sizeof attr);
    if (syscall(SYS_sched_getattr, 0, &attr, (unsigned) sizeof attr, 0) != 0) {
        return -errno;
    }
    if (attr.sched_policy != S_SCHED_OTHER && attr.sched_policy != S_SCHED_BATCH) {
        return -EPERM;
    }
    attr.size = sizeof attr;
    attr.sched_runtime = (uint64_t) slice_us * 1000;
    if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) {
        return -errno;
    }
    return 0;
}
