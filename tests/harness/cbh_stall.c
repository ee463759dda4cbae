/* cbh_stall.c - bench harness: counts the machine's own stalls (late timer wakeups) on every core during a window */
#include "cbh_stall.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    struct cbh_stall *owner;
    int cpu;
    pthread_t thread;
    bool started;
    cbh_stall_core_t seen;
} s_probe_t;

struct cbh_stall {
    atomic_bool stop;
    int period_us;
    int n;
    s_probe_t probe[CBH_STALL_CORES_MAX];
};

static int64_t
s_mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *
s_run(void *arg)
{
    s_probe_t *p = arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(p->cpu, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
        fprintf(stderr, "cbh_stall: cannot pin a probe to core %d\n", p->cpu);
        return NULL;
    }
    int64_t period_ns = (int64_t) p->owner->period_us * 1000;
    struct timespec nap = {0, (long) period_ns};
    while (!atomic_load(&p->owner->stop)) {
        int64_t before = s_mono_ns();
        nanosleep(&nap, NULL);
        int64_t late_us = (s_mono_ns() - before - period_ns) / 1000;
        p->seen.wakeups++;
        p->seen.late_half += late_us > 500;
        p->seen.late_1ms += late_us > 1000;
        p->seen.late_2ms += late_us > 2000;
        if (late_us > p->seen.worst_us) {
            p->seen.worst_us = late_us;
        }
    }
    return NULL;
}

cbh_stall_t *
cbh_stall_start(int period_us)
{
    if (period_us < 100 || period_us > 100000) {
        fprintf(stderr, "cbh_stall: period %d us out of 100..100000\n", period_us);
        return NULL;
    }
    cbh_stall_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return NULL;
    }
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    s->n = online < 1 ? 1 : online > CBH_STALL_CORES_MAX ? CBH_STALL_CORES_MAX : (int) online;
    s->period_us = period_us;
    for (int i = 0; i < s->n; i++) {
        s->probe[i].owner = s;
        s->probe[i].cpu = i;
        if (pthread_create(&s->probe[i].thread, NULL, s_run, &s->probe[i]) != 0) {
            fprintf(stderr, "cbh_stall: cannot start the probe of core %d\n", i);
            cbh_stall_stop(&s, &(cbh_stall_report_t){0});
            return NULL;
        }
        s->probe[i].started = true;
    }
    return s;
}

void
cbh_stall_stop(cbh_stall_t **sp, cbh_stall_report_t *out)
{
    memset(out, 0, sizeof *out);
    cbh_stall_t *s = *sp;
    if (s == NULL) {
        return;
    }
    atomic_store(&s->stop, true);
    out->period_us = s->period_us;
    for (int i = 0; i < s->n; i++) {
        if (s->probe[i].started) {
            pthread_join(s->probe[i].thread, NULL);
            out->core[out->cores++] = s->probe[i].seen;
        }
    }
    free(s);
    *sp = NULL;
}

void
cbh_stall_print(const cbh_stall_report_t *r)
{
    printf("| core (probe sleeping %d us) | wakeups | > 0.5 ms late | > 1 ms late | > 2 ms late | "
           "worst us |\n|---|---:|---:|---:|---:|---:|\n",
           r->period_us);
    for (int i = 0; i < r->cores; i++) {
        const cbh_stall_core_t *c = &r->core[i];
        printf("| %d | %llu | %llu | %llu | %llu | %lld |\n", i, (unsigned long long) c->wakeups,
               (unsigned long long) c->late_half, (unsigned long long) c->late_1ms,
               (unsigned long long) c->late_2ms, (long long) c->worst_us);
    }
}
