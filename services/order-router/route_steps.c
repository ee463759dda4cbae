/* route_steps.c - where one place spends its time, step by step, logged at debug level */
#include <inttypes.h>

#include "cb_log.h"
#include "cb_time.h"
#include "route_app.h"

void
route_steps_start(route_steps_t *s)
{
    for (int i = 0; i < ROUTE_STEPS; i++) {
        s->ns[i] = 0;
    }
    s->at_ns = cb_log_enabled(CB_LOG_DEBUG) ? cb_time_mono_ns() : 0;
}

void
route_steps_mark(route_steps_t *s, route_step_t step)
{
    if (s->at_ns == 0) {
        return;
    }
    int64_t now = cb_time_mono_ns();
    s->ns[step] += now - s->at_ns;
    s->at_ns = now;
}

void
route_steps_log(const route_steps_t *s, const char *clid)
{
    if (s->at_ns == 0) {
        return;
    }
    int64_t us[ROUTE_STEPS], total = 0;
    for (int i = 0; i < ROUTE_STEPS; i++) {
        us[i] = s->ns[i] / 1000;
        total += s->ns[i];
    }
    cb_log_debug("place_steps",
                 "clid=%s check_us=%" PRId64 " existing_us=%" PRId64 " balance_us=%" PRId64
                 " intent_us=%" PRId64 " admit_us=%" PRId64 " venue_us=%" PRId64
                 " record_us=%" PRId64 " total_us=%" PRId64,
                 clid, us[ROUTE_STEP_CHECK], us[ROUTE_STEP_EXISTING], us[ROUTE_STEP_BALANCE],
                 us[ROUTE_STEP_INTENT], us[ROUTE_STEP_ADMIT], us[ROUTE_STEP_VENUE],
                 us[ROUTE_STEP_RECORD], total / 1000);
}
