/* bench_inbound.c - inbound decisions per second: leased (cb_inbound) vs one EVALSHA per decision */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_inbound.h"
#include "cb_log.h"
#include "cb_script.h"
#include "cb_time.h"
#include "cbh.h"

int
main(int argc, char **argv)
{
    long decisions = argc > 1 ? atol(argv[1]) : 200000;
    cb_log_init("bench", CB_LOG_WARN, CB_LOG_TEXT);
    cbh_redis_t server;
    if (cbh_redis_start(&server, NULL) != 0) {
        return 1;
    }
    int err;
    cb_redis_t *redis = cb_redis_new(server.url, &err);

    /* Reference: the same sliding-window script, one EVALSHA per decision
     * (lease of 1 slot, never returned: a plain shared counter). */
    cb_script_t script;
    cb_script_init(&script, "inbound");
    const char *keys[2] = {"coinbus:ratelimit:inbound:{bench-ref}",
                           "coinbus:ratelimit:inbound:{bench-ref}:total"};
    long ref_n = decisions / 10;
    int64_t t0 = cb_time_mono_ns();
    long ref_allowed = 0;
    for (long i = 0; i < ref_n; i++) {
        char id[32];
        snprintf(id, sizeof id, "r-%ld", i);
        const char *args[6] = {"lease", "100000000", "60000", "1000", id, "1"};
        redisReply *r = cb_script_run(redis, &script, &err, 2, keys, 6, args);
        if (r != NULL) {
            ref_allowed += r->type == REDIS_REPLY_ARRAY && r->element[0]->integer == 1;
            freeReplyObject(r);
        }
    }
    double ref_rate = (double) ref_n / ((double) (cb_time_mono_ns() - t0) / 1e9);

    /* Leased: cb_inbound with the default lease size for a large budget. */
    cb_inbound_config_t cfg = cb_inbound_defaults();
    cfg.limit = 100000000;
    cfg.lease_size = 256;
    cb_inbound_t *in = cb_inbound_new(redis, cfg);
    t0 = cb_time_mono_ns();
    long allowed = 0;
    for (long i = 0; i < decisions; i++) {
        cb_inbound_decision_t d;
        cb_inbound_check(in, "bench-client", &d);
        allowed += d.allowed;
    }
    double rate = (double) decisions / ((double) (cb_time_mono_ns() - t0) / 1e9);
    uint64_t calls = cb_inbound_redis_calls(in);
    cb_inbound_destroy(&in);

    printf("\n| inbound limiter (one process) | decisions/s | Redis commands per decision |\n"
           "|---|---:|---:|\n");
    printf("| one EVALSHA per decision | %.0f | 1.000 |\n", ref_rate);
    printf("| cb_inbound, leases of up to 256 | %.0f | %.4f |\n", rate,
           (double) calls / (double) decisions);
    printf("\nleased / EVALSHA: %.1fx (target >= 10x); admitted %ld/%ld and %ld/%ld\n",
           rate / ref_rate, allowed, decisions, ref_allowed, ref_n);
    cb_redis_destroy(&redis);
    cbh_redis_stop(&server);
    return 0;
}
