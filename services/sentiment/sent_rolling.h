/* sent_rolling.h - per-asset rolling sentiment: exponentially decayed mean of text scores */
#ifndef SENT_ROLLING_H_INCLUDED
#define SENT_ROLLING_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>

typedef struct sent_rolling sent_rolling_t;

/* A snapshot of one asset. */
typedef struct {
    double score;     /* decayed mean, -1..1 */
    uint64_t texts;   /* texts that named the asset, ever */
    int64_t updated_ns;
} sent_rolling_view_t;

/* half_life_s: a text's weight halves every half_life_s seconds. NULL on failure. */
sent_rolling_t *
sent_rolling_new(int64_t half_life_s);

void
sent_rolling_destroy(sent_rolling_t **rolling_p);

/* Adds one text's score for asset at now_ns; out gets the new view. */
void
sent_rolling_add(sent_rolling_t *rolling, const char *asset, double score, int64_t now_ns,
                 sent_rolling_view_t *out);

/* The view of asset at now_ns (the mean is time-invariant between updates);
 * false when no text named it yet. */
bool
sent_rolling_get(const sent_rolling_t *rolling, const char *asset, sent_rolling_view_t *out);

int64_t
sent_rolling_half_life_s(const sent_rolling_t *rolling);

#endif
