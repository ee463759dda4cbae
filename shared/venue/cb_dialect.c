/* cb_dialect.c - the dialect tables by name, and the request type they fill */
#include "cb_dialect.h"

const cb_dialect_ops_t *
cb_dialect_ops(cb_dialect_t dialect)
{
    switch (dialect) {
    case CB_DIALECT_KRAKEN:
        return &cb_kraken_ops;
    case CB_DIALECT_BINANCE:
        return &cb_binance_ops;
    case CB_DIALECT_COINBASE:
        return &cb_coinbase_ops;
    default:
        return NULL;
    }
}

void
cb_venue_req_fini(cb_venue_req_t *req)
{
    cb_buf_fini(&req->body);
}
