/* cbh_market.c - test harness: market-feed's `market` RPC handler on its Redis store, as a worker thread of the test */
#include "cbh_market.h"

#include <stdio.h>

#include <czmq.h>

#include "cb_rpc.h"
#include "feed_rpc.h"

static void *
s_main(void *arg)
{
    cbh_market_t *m = arg;
    int err;
    feed_store_t *store = feed_store_new(m->redis_url, NULL, &err);
    feed_rpc_t rpc = {.store = store};
    cb_rpc_worker_t *worker = cb_rpc_worker_new(m->backend, "market", feed_rpc_handle, &rpc);
    if (store != NULL && worker != NULL) {
        cb_rpc_worker_run(worker, &m->stop);
    }
    cb_rpc_worker_destroy(&worker);
    feed_rpc_fini(&rpc);
    feed_store_destroy(&store);
    return NULL;
}

int
cbh_market_start(cbh_market_t *m, const char *redis_url, const char *backend)
{
    snprintf(m->redis_url, sizeof m->redis_url, "%s", redis_url);
    snprintf(m->backend, sizeof m->backend, "%s", backend);
    m->stop = 0;
    zsys_handler_set(NULL);
    (void) zsys_init();
    m->running = pthread_create(&m->thread, NULL, s_main, m) == 0;
    return m->running ? 0 : -1;
}

void
cbh_market_stop(cbh_market_t *m)
{
    if (m->running) {
        m->stop = 1;
        pthread_join(m->thread, NULL);
        m->running = false;
    }
}
