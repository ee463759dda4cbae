/* cbh_openapi.h - test harness: a JSON answer checked against a schema of api-edge's www/openapi.json */
#ifndef CBH_OPENAPI_H_INCLUDED
#define CBH_OPENAPI_H_INCLUDED

#include <stddef.h>

/* Checks len bytes of JSON against components/schemas/<schema> of
 * services/api-edge/www/openapi.json (read once, relative to the working
 * directory): types, required members, no member the schema does not name,
 * enums, numbers that read as exact decimals, date-time strings that parse as
 * RFC 3339. 0, or -1 with the first mismatch and its path in err. */
int
cbh_openapi_check(const char *schema, const char *json, size_t len, char *err, size_t errsize);

#endif
