/* cb_error.h - coinbus error codes: one table gives the enum, wire names, HTTP status, text */
#ifndef CB_ERROR_H_INCLUDED
#define CB_ERROR_H_INCLUDED

/* Functions in coinbus return 0 on success and a negative code on failure:
 * either -errno (from the OS) or one of the CB_E_* codes below. The first ten
 * are the wire error codes of the req/rep envelope (proto/README.md); the rest
 * are internal and map onto a wire code when they must cross the bus. */
#define CB_ERROR_MAP(X)                                                         \
    X(BAD_REQUEST, -1001, "bad_request", 400, "bad request")                    \
    X(NOT_FOUND, -1002, "not_found", 404, "not found")                          \
    X(UNAUTHORIZED, -1003, "unauthorized", 401, "unauthorized")                 \
    X(FORBIDDEN, -1004, "forbidden", 403, "forbidden")                          \
    X(CONFLICT, -1005, "conflict", 409, "conflict")                             \
    X(RATE_LIMITED, -1006, "rate_limited", 429, "rate limited")                 \
    X(UPSTREAM, -1007, "upstream_error", 502, "upstream error")                 \
    X(UNAVAILABLE, -1008, "unavailable", 503, "unavailable")                    \
    X(TIMEOUT, -1009, "timeout", 504, "timed out")                              \
    X(INTERNAL, -1010, "internal", 500, "internal error")                       \
    X(PARSE, -1020, "bad_request", 400, "malformed input")                      \
    X(RANGE, -1021, "bad_request", 400, "value out of range")                   \
    X(OVERFLOW, -1022, "bad_request", 400, "arithmetic overflow")               \
    X(DIV_ZERO, -1023, "bad_request", 400, "division by zero")                  \
    X(TOO_BIG, -1024, "bad_request", 400, "input too large")                    \
    X(CONFIG, -1025, "internal", 500, "invalid configuration")                  \
    X(NOMEM, -1026, "internal", 500, "out of memory")                           \
    X(IO, -1027, "unavailable", 503, "I/O error")                               \
    X(CLOSED, -1028, "unavailable", 503, "connection closed")

typedef enum {
#define CB_ERROR_ENUM_(name, value, wire, http, text) CB_E_##name = (value),
    CB_ERROR_MAP(CB_ERROR_ENUM_)
#undef CB_ERROR_ENUM_
} cb_error_t;

/* Human-readable text for a code: a CB_E_* code, a negative errno, or 0.
 * Never returns NULL; unknown codes give "unknown error". */
const char *
cb_strerror(int code);

/* Wire name ("bad_request", ...) of a code; -errno and unknown codes map to
 * "internal". Never returns NULL. */
const char *
cb_error_wire_name(int code);

/* HTTP status for a code (api-edge's mapping); 500 for unknown codes. */
int
cb_error_http_status(int code);

/* The CB_E_* code for a wire name of len bytes (not NUL-terminated), or
 * CB_E_INTERNAL when the name is not one of the ten wire codes. */
int
cb_error_from_wire(const char *name, size_t len);

/* Selftest: returns 0 when the table is consistent. */
int
cb_error_selftest(void);

#endif
