/* feed_candles.c - OHLCV candles from trades for one (venue, symbol), every interval at once */
#include <string.h>

#include "cb_error.h"
#include "feed_candles.h"

#define S_MIN_NS ((int64_t) 60 * 1000000000)

static const char *const s_names[FEED_TF_COUNT] = {"1m", "5m", "15m", "30m",
                                                   "1h", "4h", "1d",  "1w"};
static const int64_t s_minutes[FEED_TF_COUNT] = {1, 5, 15, 30, 60, 240, 1440, 10080};

#define S_WEEK_NS ((int64_t) 10080 * S_MIN_NS)

const char *
feed_tf_name(feed_tf_t tf)
{
    return (unsigned) tf < FEED_TF_COUNT ? s_names[tf] : NULL;
}

int
feed_tf_from_name(const char *text, size_t len, feed_tf_t *tf)
{
    for (int i = 0; i < FEED_TF_COUNT; i++) {
        if (strlen(s_names[i]) == len && memcmp(s_names[i], text, len) == 0) {
            *tf = (feed_tf_t) i;
            return 0;
        }
    }
    return CB_E_NOT_FOUND;
}

int64_t
feed_tf_len_ns(feed_tf_t tf)
{
    return (unsigned) tf < FEED_TF_COUNT ? s_minutes[tf] * S_MIN_NS : 0;
}

/* floor(a / b) for b > 0, also for negative a. */
static int64_t
s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

int64_t
feed_tf_open_ts_at(feed_tf_t tf, int64_t week_start_ns, int64_t ts_ns)
{
    int64_t len = feed_tf_len_ns(tf);
    int64_t offset = 0;
    if (tf == FEED_TF_1W) {
        offset = week_start_ns - s_floor_div(week_start_ns, S_WEEK_NS) * S_WEEK_NS;
    }
    return s_floor_div(ts_ns - offset, len) * len + offset;
}

int64_t
feed_tf_open_ts(feed_tf_t tf, int64_t ts_ns)
{
    return feed_tf_open_ts_at(tf, FEED_WEEK_MONDAY_NS, ts_ns);
}

void
feed_candles_init(feed_candles_t *c, int64_t grace_ns)
{
    memset(c, 0, sizeof *c);
    c->grace_ns = grace_ns > 0 ? grace_ns : 0;
    c->week_start_ns = FEED_WEEK_MONDAY_NS;
    for (int i = 0; i < FEED_TF_COUNT; i++) {
        c->slot[i].closed_to = INT64_MIN;
        c->slot[i].cutoff_ns = INT64_MIN;
    }
}

void
feed_candles_set_week_start(feed_candles_t *c, int64_t week_start_ns)
{
    c->week_start_ns = week_start_ns;
}

static void
s_emit(const feed_candle_slot_t *s, feed_tf_t tf, bool closed, feed_candles_emit_fn emit, void *arg)
{
    cb_candle_t candle;
    memset(&candle, 0, sizeof candle);
    CB_PROTO_SET(&candle, candle, interval, cb_str_from(s_names[tf]));
    CB_PROTO_SET(&candle, candle, open_ts, s->open_ts);
    CB_PROTO_SET(&candle, candle, open, cb_decimal_normalize(s->open));
    CB_PROTO_SET(&candle, candle, high, cb_decimal_normalize(s->high));
    CB_PROTO_SET(&candle, candle, low, cb_decimal_normalize(s->low));
    CB_PROTO_SET(&candle, candle, close, cb_decimal_normalize(s->close));
    CB_PROTO_SET(&candle, candle, volume, cb_decimal_normalize(s->volume));
    CB_PROTO_SET(&candle, candle, closed, closed);
    CB_PROTO_SET(&candle, candle, trades, s->trades);
    emit(arg, &candle);
}

/* What one trade does to one interval. */
typedef enum { S_SKIP_LATE, S_SKIP_DUP, S_OPEN, S_ROLL, S_UPDATE } s_action_t;

static s_action_t
s_classify(const feed_candle_slot_t *s, feed_tf_t tf, int64_t ts)
{
    if (ts < s->closed_to) {
        return S_SKIP_LATE;
    }
    if (ts <= s->cutoff_ns) {
        return S_SKIP_DUP;
    }
    if (!s->active) {
        return S_OPEN;
    }
    if (ts < s->open_ts) {
        return S_SKIP_LATE; /* an older interval than the forming one: never reopened */
    }
    if (ts >= s->open_ts + feed_tf_len_ns(tf)) {
        return S_ROLL;
    }
    return S_UPDATE;
}

static void
s_open(feed_candle_slot_t *s, feed_tf_t tf, int64_t week_start_ns, cb_decimal_t price,
       cb_decimal_t qty, int64_t ts)
{
    s->active = true;
    s->dirty = true;
    s->open_ts = feed_tf_open_ts_at(tf, week_start_ns, ts);
    s->first_ts = ts;
    s->last_ts = ts;
    s->open = s->high = s->low = s->close = price;
    s->volume = qty;
    s->trades = 1;
}

static void
s_close(feed_candle_slot_t *s, feed_tf_t tf, feed_candles_emit_fn emit, void *arg)
{
    s_emit(s, tf, true, emit, arg);
    s->active = false;
    s->dirty = false;
    s->closed_to = s->open_ts + feed_tf_len_ns(tf);
}

int
feed_candles_trade(feed_candles_t *c, cb_decimal_t price, cb_decimal_t qty, int64_t ts_ns,
                   feed_candles_emit_fn emit, void *arg)
{
    if (cb_decimal_sign(price) <= 0 || cb_decimal_sign(qty) <= 0) {
        return CB_E_BAD_REQUEST;
    }
    /* First decide everything, so that an overflow changes nothing. */
    s_action_t action[FEED_TF_COUNT];
    cb_decimal_t volume[FEED_TF_COUNT];
    for (int i = 0; i < FEED_TF_COUNT; i++) {
        action[i] = s_classify(&c->slot[i], (feed_tf_t) i, ts_ns);
        if (action[i] == S_UPDATE && cb_decimal_add(c->slot[i].volume, qty, &volume[i]) != 0) {
            return CB_E_OVERFLOW;
        }
    }
    bool late = false;
    bool dup = false;
    for (int i = 0; i < FEED_TF_COUNT; i++) {
        feed_candle_slot_t *s = &c->slot[i];
        feed_tf_t tf = (feed_tf_t) i;
        switch (action[i]) {
        case S_SKIP_LATE:
            late = true;
            break;
        case S_SKIP_DUP:
            dup = true;
            break;
        case S_ROLL:
            s_close(s, tf, emit, arg);
            s_open(s, tf, c->week_start_ns, price, qty, ts_ns);
            break;
        case S_OPEN:
            s_open(s, tf, c->week_start_ns, price, qty, ts_ns);
            break;
        case S_UPDATE:
            if (cb_decimal_cmp(price, s->high) > 0) {
                s->high = price;
            }
            if (cb_decimal_cmp(price, s->low) < 0) {
                s->low = price;
            }
            if (ts_ns < s->first_ts) {
                s->first_ts = ts_ns;
                s->open = price;
            }
            if (ts_ns >= s->last_ts) {
                s->last_ts = ts_ns;
                s->close = price;
            }
            s->volume = volume[i];
            s->trades++;
            s->dirty = true;
            break;
        }
    }
    c->late += late;
    c->dup += dup;
    return 0;
}

size_t
feed_candles_tick(feed_candles_t *c, int64_t now_ns, feed_candles_emit_fn emit, void *arg)
{
    size_t closed = 0;
    for (int i = 0; i < FEED_TF_COUNT; i++) {
        feed_candle_slot_t *s = &c->slot[i];
        feed_tf_t tf = (feed_tf_t) i;
        if (s->active && now_ns >= s->open_ts + feed_tf_len_ns(tf) + c->grace_ns) {
            s_close(s, tf, emit, arg);
            closed++;
        }
    }
    return closed;
}

size_t
feed_candles_flush_forming(feed_candles_t *c, feed_candles_emit_fn emit, void *arg)
{
    size_t emitted = 0;
    for (int i = 0; i < FEED_TF_COUNT; i++) {
        feed_candle_slot_t *s = &c->slot[i];
        if (s->active && s->dirty) {
            s_emit(s, (feed_tf_t) i, false, emit, arg);
            s->dirty = false;
            emitted++;
        }
    }
    return emitted;
}

static bool
s_row_valid(const cb_candle_t *row, feed_tf_t tf, int64_t week_start_ns)
{
    if (feed_tf_open_ts_at(tf, week_start_ns, row->open_ts) != row->open_ts) {
        return false;
    }
    if (cb_decimal_cmp(row->high, row->low) < 0 || cb_decimal_sign(row->volume) < 0) {
        return false;
    }
    return cb_decimal_cmp(row->open, row->low) >= 0 && cb_decimal_cmp(row->open, row->high) <= 0 &&
           cb_decimal_cmp(row->close, row->low) >= 0 && cb_decimal_cmp(row->close, row->high) <= 0;
}

int
feed_candles_backfill(feed_candles_t *c, feed_tf_t tf, const cb_candle_t *candles, size_t n,
                      int64_t fetched_ns)
{
    if ((unsigned) tf >= FEED_TF_COUNT || (n > 0 && candles == NULL)) {
        return CB_E_BAD_REQUEST;
    }
    int64_t len = feed_tf_len_ns(tf);
    for (size_t i = 0; i < n; i++) {
        if (!s_row_valid(&candles[i], tf, c->week_start_ns) ||
            (i > 0 && candles[i].open_ts <= candles[i - 1].open_ts) ||
            candles[i].open_ts > fetched_ns) {
            return CB_E_BAD_REQUEST;
        }
    }
    feed_candle_slot_t *s = &c->slot[tf];
    feed_candle_slot_t next = *s;
    const cb_candle_t *seed = NULL;
    size_t closed_rows = n;
    if (n > 0 && candles[n - 1].open_ts + len > fetched_ns) {
        seed = &candles[n - 1];
        closed_rows = n - 1;
        if (cb_decimal_is_zero(seed->volume)) {
            seed = NULL; /* nothing traded yet: Kraken fills O=H=L=C with the last close */
        }
    }
    if (closed_rows > 0) {
        int64_t end = candles[closed_rows - 1].open_ts + len;
        if (end > next.closed_to) {
            next.closed_to = end;
        }
    }
    if (fetched_ns > next.cutoff_ns) {
        next.cutoff_ns = fetched_ns;
    }
    if (s->active) {
        /* Trades came first. Those newer than fetched_ns are not in the rows;
         * an older one may be, and cannot be told apart any more. */
        if (s->first_ts <= fetched_ns) {
            return CB_E_CONFLICT;
        }
        if (seed != NULL && seed->open_ts == s->open_ts) {
            cb_decimal_t volume;
            if (cb_decimal_add(seed->volume, s->volume, &volume) != 0) {
                return CB_E_OVERFLOW;
            }
            next.open = seed->open;
            next.first_ts = fetched_ns;
            if (cb_decimal_cmp(seed->high, next.high) > 0) {
                next.high = seed->high;
            }
            if (cb_decimal_cmp(seed->low, next.low) < 0) {
                next.low = seed->low;
            }
            next.volume = volume;
            next.trades += CB_PROTO_HAS(seed, candle, trades) ? seed->trades : 0;
            next.dirty = true;
        }
        /* Otherwise our candle is newer than the venue's forming one, which
         * has ended since: ours stands, the seed row is history. */
    } else if (seed != NULL) {
        next.active = true;
        next.dirty = true;
        next.open_ts = seed->open_ts;
        next.first_ts = fetched_ns;
        next.last_ts = fetched_ns;
        next.open = seed->open;
        next.high = seed->high;
        next.low = seed->low;
        next.close = seed->close;
        next.volume = seed->volume;
        next.trades = CB_PROTO_HAS(seed, candle, trades) ? seed->trades : 0;
    }
    *s = next;
    return 0;
}
