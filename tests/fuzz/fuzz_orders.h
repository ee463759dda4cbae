/* fuzz_orders.h - what the order reply fuzzers share: the input split into an HTTP status and a body, the one-instrument list, the error-shape property */
#ifndef FUZZ_ORDERS_H_INCLUDED
#define FUZZ_ORDERS_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "cb_venue.h"

/* One fuzz input: data[0] & 7 picks the HTTP status from statuses, the
 * rest is the reply body; list holds ins alone (cb_instruments_fini it).
 * false when there is nothing to read or the list could not be built. */
static inline bool
fuzz_orders_input(const uint8_t *data, size_t size, const int statuses[8], const cb_instrument_t *ins,
                  int *status, const char **body, size_t *len, cb_instruments_t *list)
{
    if (size < 1) {
        return false;
    }
    *status = statuses[data[0] & 7];
    *body = (const char *) data + 1;
    *len = size - 1;
    *list = (cb_instruments_t){0};
    return cb_instruments_add(list, ins) == 0;
}

/* Aborts unless an error is a CB_E_* code with err's class set. */
static inline void
fuzz_orders_check_err(int rc, const cb_venue_error_t *err)
{
    if (rc != 0 && (rc != cb_verr_code(err->cls) || err->cls == CB_VERR_NONE)) {
        abort();
    }
}

#endif
