/* acct_page.c - paging closed orders and trades newest first, the same way for both dialects */
#include "acct_page.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cb_error.h"
#include "cb_time.h"

#define S_KRAKEN_PAGE 50
#define S_BINANCE_FETCH 1000

static size_t
s_elem(char kind)
{
    return kind == 't' ? sizeof(cb_acct_trade_t) : sizeof(cb_acct_order_t);
}

/* An item's time and seq (orders: created). */
static void
s_key(char kind, const void *item, int64_t *time_ms, uint64_t *seq)
{
    if (kind == 't') {
        const cb_acct_trade_t *t = item;
        *time_ms = t->time_ms;
        *seq = t->seq;
    } else {
        const cb_acct_order_t *o = item;
        *time_ms = o->created_ms;
        *seq = o->seq;
    }
}

static bool
s_in_range(const acct_page_t *pg, const void *item)
{
    int64_t t;
    uint64_t seq;
    s_key(pg->kind, item, &t, &seq);
    if (pg->kind == 'o') {
        const cb_acct_order_t *o = item;
        if (strcmp(o->status, "open") == 0 || strcmp(o->status, "partially_filled") == 0) {
            return false;
        }
    }
    return (pg->start_ms == 0 || t >= pg->start_ms) && (pg->end_ms == 0 || t <= pg->end_ms);
}

/* Appends a copy of item to pg->out. */
static int
s_take(acct_page_t *pg, const void *item)
{
    void *slot = cb_acct_vec_push(pg->out, s_elem(pg->kind));
    if (slot == NULL) {
        pg->fail->code = CB_E_NOMEM;
        snprintf(pg->fail->message, sizeof pg->fail->message, "out of memory");
        return CB_E_NOMEM;
    }
    memcpy(slot, item, s_elem(pg->kind));
    return 0;
}

int
acct_page_kraken(acct_page_t *pg, cb_acct_cursor_t *cur, bool resumed, bool *more)
{
    if (!resumed) {
        cur->end_ms = pg->end_ms != 0 ? pg->end_ms : cb_time_now_ms();
        cur->ofs = 0;
    }
    const char *method = pg->kind == 't' ? "TradesHistory" : "ClosedOrders";
    *more = false;
    int rc = 0;
    while (rc == 0 && pg->out->count < pg->limit) {
        char form[160];
        int n = snprintf(form, sizeof form, "end=%" PRId64 ".%03" PRId64 "999&ofs=%" PRId64,
                         cur->end_ms / 1000, cur->end_ms % 1000, cur->ofs);
        if (pg->start_ms > 0) {
            /* start is exclusive at Kraken: one ms earlier, then filtered here. */
            int64_t s = pg->start_ms - 1;
            snprintf(form + n, sizeof form - (size_t) n, "&start=%" PRId64 ".%03" PRId64,
                     s / 1000, s % 1000);
        }
        cb_acct_vec_t got = {0};
        int64_t count = 0;
        rc = acct_venue_list(pg->v, pg->kind, method, form, 0, &got, &count, pg->fail);
        size_t used = 0;
        for (size_t i = 0; rc == 0 && i < got.count && pg->out->count < pg->limit; i++) {
            const void *item = (const char *) got.items + i * s_elem(pg->kind);
            used++;
            if (s_in_range(pg, item)) {
                rc = s_take(pg, item);
            }
        }
        cur->ofs += (int64_t) used;
        *more = cur->ofs < count;
        cb_acct_vec_fini(&got);
        if (used == 0 || !*more) {
            break;
        }
    }
    return rc;
}

/* One symbol's candidates for this page, newest first. */
typedef struct {
    cb_acct_vec_t items;
    size_t next;          /* the first not taken */
    bool exhausted;       /* the venue has nothing older than what it sent */
} s_sym_t;

/* Fetches the candidates of pos (older than its position, in range). */
static int
s_fetch(acct_page_t *pg, const cb_acct_cursor_pos_t *pos, s_sym_t *sym)
{
    char params[160];
    snprintf(params, sizeof params, "symbol=%s&endTime=%" PRId64 "&limit=%d", pos->symbol,
             pos->end_ms, S_BINANCE_FETCH);
    cb_acct_vec_t got = {0};
    int64_t count = 0;
    int rc = acct_venue_list(pg->v, pg->kind, pg->kind == 't' ? "/api/v3/myTrades" : "/api/v3/allOrders",
                             params, 0, &got, &count, pg->fail);
    sym->exhausted = got.count < S_BINANCE_FETCH;
    if (rc == 0 && got.count > 1) {
        qsort(got.items, got.count, s_elem(pg->kind),
              pg->kind == 't' ? cb_acct_trade_newest_first : cb_acct_order_newest_first);
    }
    for (size_t i = 0; rc == 0 && i < got.count; i++) {
        const void *item = (const char *) got.items + i * s_elem(pg->kind);
        int64_t t;
        uint64_t seq;
        s_key(pg->kind, item, &t, &seq);
        if (t > pos->end_ms || (t == pos->end_ms && seq >= pos->seq)) {
            continue;
        }
        if (pg->start_ms != 0 && t < pg->start_ms) {
            sym->exhausted = true; /* older ones are out of range too */
            break;
        }
        if (!s_in_range(pg, item)) {
            continue;
        }
        void *slot = cb_acct_vec_push(&sym->items, s_elem(pg->kind));
        if (slot == NULL) {
            rc = CB_E_NOMEM;
            break;
        }
        memcpy(slot, item, s_elem(pg->kind));
    }
    cb_acct_vec_fini(&got);
    return rc;
}

/* Takes the newest candidate across symbols into out; false when none is left. */
static bool
s_take_newest(acct_page_t *pg, cb_acct_cursor_t *cur, s_sym_t *syms, int *rc)
{
    size_t best = SIZE_MAX;
    int64_t bt = 0;
    uint64_t bs = 0;
    for (size_t i = 0; i < cur->npos; i++) {
        if (syms[i].next >= syms[i].items.count) {
            continue;
        }
        int64_t t;
        uint64_t seq;
        s_key(pg->kind, (const char *) syms[i].items.items + syms[i].next * s_elem(pg->kind), &t,
              &seq);
        if (best == SIZE_MAX || t > bt || (t == bt && seq > bs)) {
            best = i;
            bt = t;
            bs = seq;
        }
    }
    if (best == SIZE_MAX) {
        return false;
    }
    *rc = s_take(pg, (const char *) syms[best].items.items + syms[best].next * s_elem(pg->kind));
    syms[best].next++;
    cur->pos[best].end_ms = bt;
    cur->pos[best].seq = bs;
    return *rc == 0;
}

int
acct_page_binance(acct_page_t *pg, cb_acct_cursor_t *cur, bool resumed, bool *more)
{
    acct_venue_t *v = pg->v;
    if (!resumed) {
        int64_t end = pg->end_ms != 0 ? pg->end_ms : cb_time_now_ms();
        cur->npos = v->nsymbols;
        for (size_t i = 0; i < v->nsymbols; i++) {
            snprintf(cur->pos[i].symbol, sizeof cur->pos[i].symbol, "%s", v->symbols[i]);
            cur->pos[i].end_ms = end;
            cur->pos[i].seq = UINT64_MAX;
            cur->pos[i].done = false;
        }
    }
    s_sym_t syms[CB_ACCT_CURSOR_SYMBOLS];
    memset(syms, 0, sizeof syms);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < cur->npos; i++) {
        if (!cur->pos[i].done) {
            rc = s_fetch(pg, &cur->pos[i], &syms[i]);
        }
    }
    while (rc == 0 && pg->out->count < pg->limit && s_take_newest(pg, cur, syms, &rc)) {
    }
    *more = false;
    for (size_t i = 0; i < cur->npos; i++) {
        if (!cur->pos[i].done) {
            cur->pos[i].done = syms[i].exhausted && syms[i].next >= syms[i].items.count;
        }
        *more = *more || !cur->pos[i].done;
        cb_acct_vec_fini(&syms[i].items);
    }
    return rc;
}
