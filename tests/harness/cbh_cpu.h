/* cbh_cpu.h - bench harness: pins every thread of a running process to one core */
#ifndef CBH_CPU_H_INCLUDED
#define CBH_CPU_H_INCLUDED

#include <sys/types.h>

/* Sets the affinity of every thread pid has now (/proc/<pid>/task) to core
 * cpu; threads it starts later inherit their creator's. 0, or -1 (logged to
 * stderr) when the process or a thread could not be pinned. */
int
cbh_cpu_pin(pid_t pid, int cpu);

#endif
