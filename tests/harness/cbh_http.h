/* cbh_http.h - test harness: a small HTTP client (libcurl) that keeps the whole answer */
#ifndef CBH_HTTP_H_INCLUDED
#define CBH_HTTP_H_INCLUDED

#include <stddef.h>

#include "cb_buf.h"

/* One HTTP answer: status (0 when the request failed, curl_rc then says
 * why), body and the raw header block (both NUL-terminated, the NUL not
 * counted). Zero-initialise it; cbh_http_res_fini frees. */
typedef struct {
    long status;
    cb_buf_t body;
    cb_buf_t headers;
    int curl_rc; /* the transfer's CURLcode: 0 (CURLE_OK) when an answer came */
} cbh_http_res_t;

/* method url with the given header lines ("Name: value", NULL-terminated,
 * may be NULL) and body (NULL: none; len bytes), on a fresh connection,
 * waiting timeout_ms at most (0: 10 s). Replaces res's content; returns
 * res->status. */
long
cbh_http_url(const char *url, const char *method, const char *const *headers, const char *body,
             size_t len, long timeout_ms, cbh_http_res_t *res);

/* cbh_http_url of method path (with query) on 127.0.0.1:port, 10 s at most. */
long
cbh_http(int port, const char *method, const char *path, const char *const *headers, const char *body,
         size_t len, cbh_http_res_t *res);

/* The value of header name (case-insensitive) into out; NULL when absent. */
const char *
cbh_http_header(const cbh_http_res_t *res, const char *name, char *out, size_t size);

void
cbh_http_res_fini(cbh_http_res_t *res);

#endif
