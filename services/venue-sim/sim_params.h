/* sim_params.h - form / query-string parameters (application/x-www-form-urlencoded), decoded on lookup */
#ifndef SIM_PARAMS_H_INCLUDED
#define SIM_PARAMS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

/* Finds key in len bytes of "a=1&b=2" and writes its percent-decoded value
 * ('+' is a space) into out (size bytes, NUL-terminated). Returns false when
 * the key is absent, its value is malformed (bad %xx, a NUL) or longer than
 * size - 1. *present (may be NULL) tells absent from malformed. */
bool
sim_param(const char *qs, size_t len, const char *key, char *out, size_t size, bool *present);

#endif
