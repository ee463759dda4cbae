/* bench_feed_rpc.c - time per `market price` request in the handler (feed_rpc_handle on a real Redis) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_log.h"
#include "cb_time.h"
#include "cbh.h"
#include "feed_rpc.h"

/* Two venues listing n instruments each (Binance lists ~2000), BTC-USD among them. */
static int
s_fill(feed_store_t *store, long n)
{
    static const char *const venues[2] = {"bench-a", "bench-b"};
    cb_decimal_t d;
    (void) cb_decimal_parse("0.01", 4, &d);
    for (int v = 0; v < 2; v++) {
        cb_instruments_t list = {0};
        for (long i = 0; i < n; i++) {
            cb_instrument_t in;
            memset(&in, 0, sizeof in);
            if (i == n / 2) {
                snprintf(in.symbol, sizeof in.symbol, "BTC-USD");
            } else {
                snprintf(in.symbol, sizeof in.symbol, "A%ld-USD", i);
            }
            snprintf(in.native, sizeof in.native, "N%ld", i);
            in.tick_size = d;
            in.lot_size = d;
            in.maker_fee = d;
            in.taker_fee = d;
            if (cb_instruments_add(&list, &in) != 0) {
                return -1;
            }
        }
        int rc = feed_store_set_instruments(store, venues[v], "binance", &list);
        cb_instruments_fini(&list);
        cb_tick_t t;
        memset(&t, 0, sizeof t);
        CB_PROTO_SET(&t, tick, symbol, CB_STR("BTC-USD"));
        CB_PROTO_SET(&t, tick, venue, cb_str_from(venues[v]));
        CB_PROTO_SET(&t, tick, bid, d);
        CB_PROTO_SET(&t, tick, ask, d);
        if (rc != 0 || feed_store_put_tick(store, &t, cb_time_now_ns()) != 0) {
            return -1;
        }
    }
    return feed_store_flush(store);
}

/* Prints the mean time of calls `price` requests with args (a msgpack map). */
static int
s_time(feed_rpc_t *rpc, const char *label, const char *args, size_t args_len, long calls)
{
    cb_rpc_request_t req = {0};
    CB_PROTO_SET(&req, rpc_request, v, 1);
    CB_PROTO_SET(&req, rpc_request, id, CB_STR("bench"));
    CB_PROTO_SET(&req, rpc_request, op, CB_STR("price"));
    CB_PROTO_SET(&req, rpc_request, args, ((cb_raw_t){(const uint8_t *) args, args_len}));
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char msg[256];
    int64_t t0 = cb_time_mono_ns();
    for (long i = 0; i < calls; i++) {
        msgpack_sbuffer_clear(&sb);
        int rc = feed_rpc_handle(rpc, &req, &pk, msg, sizeof msg);
        if (rc != 0) {
            fprintf(stderr, "price failed: %s\n", msg);
            msgpack_sbuffer_destroy(&sb);
            return -1;
        }
    }
    double us = (double) (cb_time_mono_ns() - t0) / 1e3 / (double) calls;
    printf("%-34s %8.1f us/request (%ld requests)\n", label, us, calls);
    msgpack_sbuffer_destroy(&sb);
    return 0;
}

int
main(int argc, char **argv)
{
    long instruments = argc > 1 ? atol(argv[1]) : 2000;
    long calls = argc > 2 ? atol(argv[2]) : 2000;
    cb_log_init("bench", CB_LOG_WARN, CB_LOG_TEXT);
    cbh_redis_t server;
    if (cbh_redis_start(&server, NULL) != 0) {
        return 1;
    }
    int err;
    int rc = 1;
    feed_store_t *store = feed_store_new(server.url, NULL, &err);
    feed_rpc_t rpc = {.store = store};
    if (store != NULL && s_fill(store, instruments) == 0) {
        /* {symbol: BTC-USD, venue: bench-a} and {symbol: BTC-USD} in msgpack. */
        static const char one[] = "\x82\xa6symbol\xa7" "BTC-USD\xa5venue\xa7" "bench-a";
        static const char all[] = "\x81\xa6symbol\xa7" "BTC-USD";
        printf("bench_feed_rpc: 2 venues x %ld instruments\n", instruments);
        if (s_time(&rpc, "price {symbol, venue}", one, sizeof one - 1, calls) == 0 &&
            s_time(&rpc, "price {symbol} (every venue)", all, sizeof all - 1, calls) == 0) {
            rc = 0;
        }
    }
    feed_rpc_fini(&rpc);
    feed_store_destroy(&store);
    cbh_redis_stop(&server);
    return rc;
}
