/* cbh_procstat.c - test harness: a process's memory, CPU time and write system calls from /proc */
#include "cbh_procstat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long
cbh_procstat_status_kb(pid_t pid, const char *key)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *f = fopen(path, "r");
    size_t klen = strlen(key);
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, klen) == 0) {
            kb = strtol(line + klen + 1, NULL, 10);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return kb;
}

long long
cbh_procstat_cpu_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
    FILE *f = fopen(path, "r");
    long long ut = 0, st = 0;
    if (f != NULL && fgets(buf, sizeof buf, f) != NULL) {
        char *p = strrchr(buf, ')');
        if (p == NULL ||
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &ut, &st) != 2) {
            ut = st = 0;
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return ut + st;
}

long long
cbh_procstat_syscw(pid_t pid)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/io", (int) pid);
    FILE *f = fopen(path, "r");
    long long n = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "syscw: %lld", &n) == 1) {
            break;
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return n;
}

int64_t
cbh_procstat_thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
