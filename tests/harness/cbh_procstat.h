/* cbh_procstat.h - test harness: a process's memory, CPU time and write system calls from /proc */
#ifndef CBH_PROCSTAT_H_INCLUDED
#define CBH_PROCSTAT_H_INCLUDED

#include <stdint.h>
#include <sys/types.h>

/* The kB value of key ("VmRSS:") in /proc/<pid>/status; -1 when unreadable. */
long
cbh_procstat_status_kb(pid_t pid, const char *key);

/* utime + stime of pid (all its threads) in clock ticks (sysconf
 * _SC_CLK_TCK per second); 0 when unreadable. */
long long
cbh_procstat_cpu_ticks(pid_t pid);

/* Write system calls of pid so far (/proc/<pid>/io syscw: write, writev,
 * sendmsg... of all its threads), or -1 when unreadable. */
long long
cbh_procstat_syscw(pid_t pid);

/* CPU time of the calling thread in ns. */
int64_t
cbh_procstat_thread_cpu_ns(void);

#endif
