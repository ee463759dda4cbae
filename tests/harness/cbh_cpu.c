/* cbh_cpu.c - bench harness: pins every thread of a running process to one core */
#include "cbh_cpu.h"

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

int
cbh_cpu_pin(pid_t pid, int cpu)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int) pid);
    DIR *dir = pid > 0 ? opendir(path) : NULL;
    if (dir == NULL) {
        fprintf(stderr, "cbh_cpu: no process %d to pin\n", (int) pid);
        return -1;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    int rc = 0;
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir)) {
        pid_t tid = (pid_t) atoi(e->d_name);
        if (tid > 0 && sched_setaffinity(tid, sizeof set, &set) != 0) {
            fprintf(stderr, "cbh_cpu: cannot pin thread %d of %d to core %d\n", (int) tid,
                    (int) pid, cpu);
            rc = -1;
        }
    }
    closedir(dir);
    return rc;
}
