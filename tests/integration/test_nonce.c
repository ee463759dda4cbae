/* test_nonce.c - Kraken-style nonces from 4 processes on one key: strictly increasing, unique */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cb_error.h"
#include "cb_log.h"
#include "cb_nonce.h"
#include "cbh.h"

#define S_PROCS 4
#define S_PER_PROC 10000

/* Child: N nonces, one per line, each larger than the one before. */
static int
s_child(const char *url, long count, const char *path)
{
    cb_log_init("nonce-child", CB_LOG_WARN, CB_LOG_TEXT);
    int err;
    cb_redis_t *redis = cb_redis_new(url, &err);
    cb_nonce_t nonce;
    if (redis == NULL || cb_nonce_init(&nonce, redis, "kraken", "test-api-key") != 0) {
        return 1;
    }
    FILE *out = fopen(path, "w");
    if (out == NULL) {
        return 1;
    }
    uint64_t last = 0;
    for (long i = 0; i < count; i++) {
        uint64_t n;
        if (cb_nonce_next(&nonce, &n) != 0 || n <= last) {
            fprintf(stderr, "nonce %ld failed or did not grow\n", i);
            return 2;
        }
        fprintf(out, "%" PRIu64 "\n", n);
        last = n;
    }
    fclose(out);
    cb_redis_destroy(&redis);
    return 0;
}

static int
s_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a;
    uint64_t y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

static void
test_four_processes_one_key(void **state)
{
    (void) state;
    cbh_redis_t server;
    assert_int_equal(cbh_redis_start(&server, NULL), 0);
    char paths[S_PROCS][300];
    cbh_proc_t *procs[S_PROCS];
    char count[16];
    snprintf(count, sizeof count, "%d", S_PER_PROC);
    for (int i = 0; i < S_PROCS; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/nonces-%d.txt", server.dir, i);
        char *argv[] = {"/proc/self/exe", "--child", server.url, count, paths[i], NULL};
        procs[i] = cbh_proc_start("nonce-child", argv, NULL);
        assert_non_null(procs[i]);
    }
    for (int i = 0; i < S_PROCS; i++) {
        assert_int_equal(cbh_proc_wait(&procs[i], 60000), 0);
    }
    uint64_t *all = calloc(S_PROCS * S_PER_PROC, sizeof *all);
    size_t n = 0;
    for (int i = 0; i < S_PROCS; i++) {
        FILE *f = fopen(paths[i], "r");
        assert_non_null(f);
        uint64_t v;
        uint64_t last = 0;
        while (fscanf(f, "%" SCNu64, &v) == 1) {
            assert_true(v > last);
            last = v;
            all[n++] = v;
        }
        fclose(f);
    }
    assert_int_equal(n, S_PROCS * S_PER_PROC);
    qsort(all, n, sizeof *all, s_cmp_u64);
    for (size_t i = 1; i < n; i++) {
        if (all[i] <= all[i - 1]) {
            fail_msg("duplicate nonce %" PRIu64, all[i]);
        }
    }
    uint64_t highest = all[n - 1];
    free(all);

    /* A later process (a restart) continues above everything, even with a
     * clock that went backwards; after SCRIPT FLUSH the script is reloaded. */
    int err;
    cb_redis_t *redis = cb_redis_new(server.url, &err);
    cb_nonce_t nonce;
    assert_int_equal(cb_nonce_init(&nonce, redis, "kraken", "test-api-key"), 0);
    assert_null(strstr(nonce.key, "test-api-key"));
    uint64_t next;
    assert_int_equal(cb_nonce_next_at(&nonce, 1000, &next), 0);
    assert_int_equal(next, highest + 1);
    redisReply *reply = cb_redis_command(redis, &err, "SCRIPT FLUSH");
    freeReplyObject(reply);
    assert_int_equal(cb_nonce_next_at(&nonce, highest + 500, &next), 0);
    assert_int_equal(next, highest + 500);
    /* Another API key has its own sequence. */
    cb_nonce_t other;
    assert_int_equal(cb_nonce_init(&other, redis, "kraken", "another-key"), 0);
    assert_int_equal(cb_nonce_next_at(&other, 7, &next), 0);
    assert_int_equal(next, 7);

    /* Redis gone: fail closed, never invent a nonce. */
    cbh_redis_stop(&server);
    assert_int_equal(cb_nonce_next(&nonce, &next), CB_E_UNAVAILABLE);
    cb_redis_destroy(&redis);
}

int
main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "--child") == 0) {
        return s_child(argv[2], atol(argv[3]), argv[4]);
    }
    cb_log_init("test-nonce", CB_LOG_ERROR, CB_LOG_TEXT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_four_processes_one_key),
    };
    return cmocka_run_group_tests_name("nonce", tests, NULL, NULL);
}
