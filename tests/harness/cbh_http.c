/* cbh_http.c - test harness: a small HTTP client (libcurl) that keeps the whole answer */
#include "cbh_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static size_t
s_sink(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    size_t n = size * nmemb;
    return cb_buf_append(userdata, ptr, n) == 0 ? n : 0;
}

long
cbh_http_url(const char *url, const char *method, const char *const *headers, const char *body,
             size_t len, long timeout_ms, cbh_http_res_t *res)
{
    cb_buf_reset(&res->body);
    cb_buf_reset(&res->headers);
    res->status = 0;
    CURL *c = curl_easy_init();
    /* No "Expect: 100-continue": the body goes with the headers. */
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        h = curl_slist_append(h, headers[i]);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, s_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &res->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, s_sink);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &res->headers);
    /* By default long enough for a private route whose service waits for the
     * venue's rate budget. */
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 30000L);
    /* Timeouts without SIGALRM: tests send from several threads. */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    }
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
    }
    CURLcode rc = curl_easy_perform(c);
    res->curl_rc = (int) rc;
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->status);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (res->body.data == NULL) {
        (void) cb_buf_append(&res->body, "", 0);
    }
    if (res->headers.data == NULL) {
        (void) cb_buf_append(&res->headers, "", 0);
    }
    return res->status;
}

long
cbh_http(int port, const char *method, const char *path, const char *const *headers, const char *body,
         size_t len, cbh_http_res_t *res)
{
    char url[2048];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    return cbh_http_url(url, method, headers, body, len, 10000, res);
}

const char *
cbh_http_header(const cbh_http_res_t *res, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    const char *p = res->headers.data;
    while (p != NULL && *p != '\0') {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol != NULL ? (size_t) (eol - p) : strlen(p);
        if (len > n && p[n] == ':' && strncasecmp(p, name, n) == 0) {
            const char *v = p + n + 1;
            while (*v == ' ') {
                v++;
            }
            snprintf(out, size, "%.*s", (int) (p + len - v), v);
            return out;
        }
        p = eol != NULL ? eol + 2 : p + len;
    }
    return NULL;
}

void
cbh_http_res_fini(cbh_http_res_t *res)
{
    cb_buf_fini(&res->body);
    cb_buf_fini(&res->headers);
}
