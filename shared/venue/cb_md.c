/* cb_md.c - market data as the dialect parsers hand it over: parser scratch */
#include "cb_md.h"

#include <stdlib.h>
#include <string.h>

#include "cb_error.h"

#define CB_MD_SCRATCH_MAX 1000000

void
cb_md_parser_fini(cb_md_parser_t *p)
{
    cb_jdoc_fini(&p->doc);
    free(p->levels);
    free(p->trades);
    free(p->candles);
    memset(p, 0, sizeof(*p));
}

/* Frees *items when it holds more than max_bytes. */
static void
s_shrink(void **items, size_t *cap, size_t size, size_t max_bytes)
{
    if (*cap * size > max_bytes) {
        free(*items);
        *items = NULL;
        *cap = 0;
    }
}

void
cb_md_parser_shrink(cb_md_parser_t *p, size_t max_bytes)
{
    if ((size_t) p->doc.cap * sizeof(cb_jtok_t) > max_bytes) {
        cb_jdoc_fini(&p->doc);
    }
    s_shrink((void **) &p->levels, &p->levels_cap, sizeof(cb_level_t), max_bytes);
    s_shrink((void **) &p->trades, &p->trades_cap, sizeof(cb_trade_t), max_bytes);
    s_shrink((void **) &p->candles, &p->candles_cap, sizeof(cb_candle_t), max_bytes);
}

static int
s_reserve(void **items, size_t *cap, size_t n, size_t size)
{
    if (n <= *cap) {
        return 0;
    }
    if (n > CB_MD_SCRATCH_MAX) {
        return CB_E_TOO_BIG;
    }
    size_t grown = *cap == 0 ? 64 : *cap;
    while (grown < n) {
        grown *= 2;
    }
    void *p = realloc(*items, grown * size);
    if (p == NULL) {
        return CB_E_NOMEM;
    }
    *items = p;
    *cap = grown;
    return 0;
}

int
cb_md_reserve_levels(cb_md_parser_t *p, size_t n)
{
    return s_reserve((void **) &p->levels, &p->levels_cap, n, sizeof(cb_level_t));
}

int
cb_md_reserve_trades(cb_md_parser_t *p, size_t n)
{
    return s_reserve((void **) &p->trades, &p->trades_cap, n, sizeof(cb_trade_t));
}

int
cb_md_reserve_candles(cb_md_parser_t *p, size_t n)
{
    return s_reserve((void **) &p->candles, &p->candles_cap, n, sizeof(cb_candle_t));
}

void
cb_md_msg_init(cb_md_msg_t *msg, cb_md_type_t type)
{
    memset(msg, 0, sizeof(*msg));
    msg->type = type;
    msg->req_id = -1;
}
