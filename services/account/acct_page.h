/* acct_page.h - paging closed orders and trades newest first, the same way for both dialects (internal to acct_venue) */
#ifndef ACCT_PAGE_H_INCLUDED
#define ACCT_PAGE_H_INCLUDED

#include <stdbool.h>

#include "acct_venue.h"

/* One page being collected. */
typedef struct {
    acct_venue_t *v;
    char kind;              /* 'o' closed orders, 't' trades */
    int64_t start_ms;       /* 0: unbounded */
    int64_t end_ms;         /* 0: unbounded (now) */
    unsigned limit;
    cb_acct_vec_t *out;
    acct_fail_t *fail;
} acct_page_t;

/* Kraken: ClosedOrders / TradesHistory by ofs under an end fixed on the first
 * page, 50 per call, as many calls as limit needs. cur in/out; *more tells
 * whether a next page exists. */
int
acct_page_kraken(acct_page_t *pg, cb_acct_cursor_t *cur, bool resumed, bool *more);

/* Binance: allOrders / myTrades per symbol, merged newest first; cur keeps
 * each symbol's position (time, id) so no item is skipped or repeated. */
int
acct_page_binance(acct_page_t *pg, cb_acct_cursor_t *cur, bool resumed, bool *more);

/* One signed call (acct_venue.c): Kraken POST /0/private/<what> with form
 * params; Binance GET path what with params (param: its weight setting).
 * 0 with *res holding the answer (cb_http_result_fini), or the failure. */
int
acct_venue_call(acct_venue_t *v, const char *what, const char *params, int64_t param,
                cb_http_result_t *res, acct_fail_t *fail);

/* One signed call and its parse (acct_venue.c). */
int
acct_venue_list(acct_venue_t *v, char kind, const char *what, const char *params, int64_t param,
                cb_acct_vec_t *out, int64_t *count, acct_fail_t *fail);

#endif
