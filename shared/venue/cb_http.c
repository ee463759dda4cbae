/* cb_http.c - async HTTP client on one libcurl multi handle: keep-alive, TLS, bounded answers */
#include "cb_http.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "cb_config.h"
#include "cb_error.h"
#include "cb_log.h"
#include "cb_time.h"

#define S_DEFAULT_CONNECT_MS 5000
#define S_DEFAULT_TIMEOUT_MS 10000
#define S_DEFAULT_MAX_BODY ((size_t) 16 << 20)
#define S_DEFAULT_MAX_CONNS 16L

/* One request in flight; owned by the client's list until its callback ran. */
typedef struct s_xfer {
    struct s_xfer *prev, *next;
    cb_http_t *http;
    CURL *easy;
    struct curl_slist *headers;
    cb_buf_t body;
    cb_buf_t resp_headers;
    cb_buf_t upload;    /* an at-most-once request's body, handed out by s_on_upload */
    size_t upload_off;
    bool too_big;
    int64_t start_ns;
    cb_http_done_fn done;
    void *ctx;
    char errbuf[CURL_ERROR_SIZE];
} s_xfer_t;

struct cb_http {
    CURLM *multi;
    s_xfer_t *xfers; /* doubly linked, in no particular order */
    size_t pending;
    bool destroying;
    int connect_timeout_ms;
    int timeout_ms;
    size_t max_body;
    char *user_agent;
    char *ca_file;
};

static const char *const s_outcome_names[] = {"ok",      "timeout",   "connect_failed",
                                              "too_big", "transport", "cancelled"};

const char *
cb_http_outcome_name(cb_http_outcome_t outcome)
{
    if ((unsigned) outcome >= sizeof s_outcome_names / sizeof s_outcome_names[0]) {
        return "unknown";
    }
    return s_outcome_names[outcome];
}

cb_http_t *
cb_http_new(const cb_http_opts_t *opts)
{
    cb_http_opts_t none = {0};
    if (opts == NULL) {
        opts = &none;
    }
    CURLcode gc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (gc != CURLE_OK) {
        cb_log_error("http_init_failed", "call=curl_global_init error=\"%s\"",
                     curl_easy_strerror(gc));
        return NULL;
    }
    cb_http_t *http = calloc(1, sizeof *http);
    if (http == NULL) {
        goto fail_alloc;
    }
    http->connect_timeout_ms =
        opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : S_DEFAULT_CONNECT_MS;
    http->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : S_DEFAULT_TIMEOUT_MS;
    http->max_body = opts->max_body > 0 ? opts->max_body : S_DEFAULT_MAX_BODY;
    http->user_agent = strdup(opts->user_agent != NULL ? opts->user_agent : "coinbus/" CB_VERSION);
    http->ca_file = opts->ca_file != NULL ? strdup(opts->ca_file) : NULL;
    if (http->user_agent == NULL || (opts->ca_file != NULL && http->ca_file == NULL)) {
        goto fail_strings;
    }
    http->multi = curl_multi_init();
    if (http->multi == NULL) {
        goto fail_strings;
    }
    long conns = opts->max_connections > 0 ? opts->max_connections : S_DEFAULT_MAX_CONNS;
    curl_multi_setopt(http->multi, CURLMOPT_MAXCONNECTS, conns);
    return http;

fail_strings:
    free(http->ca_file);
    free(http->user_agent);
    free(http);
fail_alloc:
    cb_log_error("http_init_failed", "call=curl_multi_init error=\"%s\"", cb_strerror(CB_E_NOMEM));
    curl_global_cleanup();
    return NULL;
}

static void
s_xfer_free(s_xfer_t *x)
{
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    cb_buf_fini(&x->body);
    cb_buf_fini(&x->resp_headers);
    cb_buf_fini(&x->upload);
    free(x);
}

static void
s_unlink(cb_http_t *http, s_xfer_t *x)
{
    if (x->prev != NULL) {
        x->prev->next = x->next;
    } else {
        http->xfers = x->next;
    }
    if (x->next != NULL) {
        x->next->prev = x->prev;
    }
    x->prev = x->next = NULL;
    http->pending--;
}

/* Whether any byte of the request can have left: a connect-phase failure
 * or a transfer that never reached the "about to send" point did not. */
static cb_http_sent_t
s_sent(CURL *easy, CURLcode code)
{
    curl_off_t pretransfer = 0;
    long request_size = 0;
    curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &request_size);
    curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    if (request_size > 0) {
        return CB_HTTP_MAYBE_SENT;
    }
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return CB_HTTP_NOT_SENT;
    default:
        return pretransfer == 0 ? CB_HTTP_NOT_SENT : CB_HTTP_MAYBE_SENT;
    }
}

static cb_http_outcome_t
s_outcome(const s_xfer_t *x, CURLcode code)
{
    switch (code) {
    case CURLE_OK:
        return CB_HTTP_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return CB_HTTP_TIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
        return CB_HTTP_CONNECT_FAILED;
    case CURLE_FILESIZE_EXCEEDED:
        return CB_HTTP_TOO_BIG;
    case CURLE_WRITE_ERROR:
        return x->too_big ? CB_HTTP_TOO_BIG : CB_HTTP_TRANSPORT;
    default:
        return CB_HTTP_TRANSPORT;
    }
}

/* Runs x's callback with its outcome, then frees x (already unlinked and
 * removed from the multi handle). */
static void
s_finish(s_xfer_t *x, CURLcode code, bool cancelled)
{
    cb_http_resp_t resp;
    memset(&resp, 0, sizeof resp);
    resp.outcome = cancelled ? CB_HTTP_CANCELLED : s_outcome(x, code);
    resp.sent = resp.outcome == CB_HTTP_OK ? CB_HTTP_MAYBE_SENT : s_sent(x->easy, code);
    if (resp.outcome == CB_HTTP_OK) {
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &resp.status);
    }
    curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &resp.new_connections);
    if (resp.outcome == CB_HTTP_OK) {
        resp.error = "";
    } else if (cancelled) {
        resp.error = "cancelled: client destroyed";
    } else if (resp.outcome == CB_HTTP_TOO_BIG) {
        resp.error = "answer larger than max_body";
    } else {
        resp.error = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(code);
    }
    resp.body = x->body.data != NULL ? x->body.data : "";
    resp.body_len = x->body.len;
    resp.headers = x->resp_headers.data != NULL ? x->resp_headers.data : "";
    resp.headers_len = x->resp_headers.len;
    resp.elapsed_ms = (cb_time_mono_ns() - x->start_ns) / 1000000;
    x->done(&resp, x->ctx);
    s_xfer_free(x);
}

static size_t
s_on_body(char *data, size_t size, size_t n, void *arg)
{
    s_xfer_t *x = arg;
    size_t len = size * n;
    if (x->body.len + len > x->http->max_body) {
        x->too_big = true;
        return 0;
    }
    if (cb_buf_append(&x->body, data, len) != 0) {
        return 0;
    }
    return len;
}

/* Keeps the header lines of the last answer (a 100 Continue's are
 * forgotten when the real status line arrives), each "Name: value\0". */
static size_t
s_on_header(char *data, size_t size, size_t n, void *arg)
{
    s_xfer_t *x = arg;
    size_t len = size * n;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        cb_buf_reset(&x->resp_headers);
        return len;
    }
    size_t end = len;
    while (end > 0 && (data[end - 1] == '\r' || data[end - 1] == '\n' || data[end - 1] == ' ' ||
                       data[end - 1] == '\t')) {
        end--;
    }
    if (end == 0 || memchr(data, ':', end) == NULL) {
        return len;
    }
    if (x->resp_headers.len + end > x->http->max_body) {
        x->too_big = true;
        return 0;
    }
    if (cb_buf_append(&x->resp_headers, data, end) != 0 ||
        cb_buf_append_char(&x->resp_headers, '\0') != 0) {
        return 0;
    }
    return len;
}

/* libcurl reads an at-most-once request's body from here. */
static size_t
s_on_upload(char *dst, size_t size, size_t nitems, void *arg)
{
    s_xfer_t *x = arg;
    size_t n = x->upload.len - x->upload_off;
    if (n > size * nitems) {
        n = size * nitems;
    }
    memcpy(dst, x->upload.data + x->upload_off, n);
    x->upload_off += n;
    return n;
}

/* libcurl asks to rewind a body only to send the request again, on a new
 * connection, after the reused one died before any answer: the server may
 * have acted on the first copy, so never (the transfer then fails with
 * CURLE_SEND_FAIL_REWIND, a maybe-sent transport failure). */
static int
s_on_upload_seek(void *arg, curl_off_t offset, int origin)
{
    (void) arg;
    (void) offset;
    (void) origin;
    return CURL_SEEKFUNC_FAIL;
}

/* The body of req, to be sent at most once: from s_on_upload, so that
 * libcurl cannot replay it on another connection. 1 when set up that way, 0
 * when req has no body (then only a new connection keeps it from a replay),
 * or a CB_E_* code. */
static int
s_setup_once_body(s_xfer_t *x, const cb_http_req_t *req)
{
    if (req->body == NULL || req->body_len == 0) {
        return 0;
    }
    if (cb_buf_append(&x->upload, req->body, req->body_len) != 0) {
        return CB_E_NOMEM;
    }
    CURL *e = x->easy;
    int bad = 0;
    bad |= curl_easy_setopt(e, CURLOPT_POST, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_READFUNCTION, s_on_upload) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_READDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, s_on_upload_seek) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SEEKDATA, x) != CURLE_OK;
    return bad ? CB_E_INTERNAL : 1;
}

static const char *
s_method_name(cb_http_method_t method)
{
    switch (method) {
    case CB_HTTP_GET:
        return "GET";
    case CB_HTTP_POST:
        return "POST";
    case CB_HTTP_PUT:
        return "PUT";
    case CB_HTTP_DELETE:
        return "DELETE";
    default:
        return NULL;
    }
}

/* Sets every option of a new easy handle for req (once: to be sent at
 * most once). 0 or a CB_E_* code. */
static int
s_setup(cb_http_t *http, s_xfer_t *x, const cb_http_req_t *req, bool once)
{
    CURL *e = x->easy;
    int own_body = once ? s_setup_once_body(x, req) : 0;
    if (own_body < 0) {
        return own_body;
    }
    /* A request without a body has nothing to refuse a rewind of: a new
     * connection is what keeps libcurl from sending it twice. */
    bool fresh = once && own_body == 0;
    const char *method = s_method_name(req->method);
    x->headers = curl_slist_append(NULL, "Expect:");
    if (x->headers == NULL) {
        return CB_E_NOMEM;
    }
    for (size_t i = 0; i < req->header_count; i++) {
        struct curl_slist *h = curl_slist_append(x->headers, req->headers[i]);
        if (h == NULL) {
            return CB_E_NOMEM;
        }
        x->headers = h;
    }
    int bad = 0;
    bad |= curl_easy_setopt(e, CURLOPT_URL, req->url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    if (http->ca_file != NULL) {
        bad |= curl_easy_setopt(e, CURLOPT_CAINFO, http->ca_file) != CURLE_OK;
    }
    bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, http->user_agent) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L) != CURLE_OK;
    bad |=
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long) http->connect_timeout_ms) != CURLE_OK;
    long timeout = req->timeout_ms > 0 ? req->timeout_ms : http->timeout_ms;
    bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) http->max_body) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_on_body) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, s_on_header) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PRIVATE, x) != CURLE_OK;
    if (req->method == CB_HTTP_GET && req->body == NULL) {
        bad |= curl_easy_setopt(e, CURLOPT_HTTPGET, 1L) != CURLE_OK;
    } else if (own_body == 0 && (req->method != CB_HTTP_DELETE || req->body != NULL)) {
        /* POST, PUT, or a method with a body: the body is copied by curl. */
        bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) req->body_len) !=
               CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS,
                                req->body != NULL ? (const char *) req->body : "") != CURLE_OK;
    }
    if (req->method != CB_HTTP_GET && req->method != CB_HTTP_POST) {
        bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK;
    }
    return bad ? CB_E_INTERNAL : 0;
}

/* cb_http_start; once: the request is sent at most once (cb_http_do_once). */
static int
s_start(cb_http_t *http, const cb_http_req_t *req, bool once, cb_http_done_fn done, void *ctx)
{
    assert(http != NULL && req != NULL && done != NULL);
    if (http->destroying) {
        return CB_E_CLOSED;
    }
    if (req->url == NULL || s_method_name(req->method) == NULL ||
        (req->header_count > 0 && req->headers == NULL) ||
        (req->body_len > 0 && req->body == NULL)) {
        return CB_E_BAD_REQUEST;
    }
    s_xfer_t *x = calloc(1, sizeof *x);
    if (x == NULL) {
        return CB_E_NOMEM;
    }
    x->http = http;
    x->done = done;
    x->ctx = ctx;
    cb_buf_init(&x->body);
    cb_buf_init(&x->resp_headers);
    x->easy = curl_easy_init();
    int rc = x->easy == NULL ? CB_E_NOMEM : s_setup(http, x, req, once);
    if (rc != 0) {
        goto fail_setup;
    }
    x->start_ns = cb_time_mono_ns();
    CURLMcode mc = curl_multi_add_handle(http->multi, x->easy);
    if (mc != CURLM_OK) {
        cb_log_error("http_start_failed", "call=curl_multi_add_handle error=\"%s\"",
                     curl_multi_strerror(mc));
        rc = CB_E_INTERNAL;
        goto fail_setup;
    }
    x->next = http->xfers;
    if (http->xfers != NULL) {
        http->xfers->prev = x;
    }
    http->xfers = x;
    http->pending++;
    return 0;

fail_setup:
    s_xfer_free(x);
    return rc;
}

/* Runs the callbacks of the transfers that ended; returns how many. */
static int
s_drain(cb_http_t *http)
{
    int fired = 0;
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(http->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        CURL *easy = msg->easy_handle;
        CURLcode code = msg->data.result;
        s_xfer_t *x = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **) &x);
        curl_multi_remove_handle(http->multi, easy);
        s_unlink(http, x);
        s_finish(x, code, false);
        fired++;
    }
    return fired;
}

static int
s_perform(cb_http_t *http)
{
    int running = 0;
    CURLMcode mc = curl_multi_perform(http->multi, &running);
    if (mc != CURLM_OK) {
        cb_log_error("http_poll_failed", "call=curl_multi_perform error=\"%s\"",
                     curl_multi_strerror(mc));
        return CB_E_INTERNAL;
    }
    return s_drain(http);
}

int
cb_http_poll(cb_http_t *http, int timeout_ms)
{
    assert(http != NULL);
    int fired = s_perform(http);
    if (fired != 0 || timeout_ms <= 0) {
        return fired;
    }
    int64_t deadline = cb_time_mono_ns() + (int64_t) timeout_ms * 1000000;
    for (;;) {
        int64_t left_ms = (deadline - cb_time_mono_ns()) / 1000000;
        if (left_ms <= 0) {
            return 0;
        }
        CURLMcode mc = curl_multi_poll(http->multi, NULL, 0, (int) left_ms, NULL);
        if (mc != CURLM_OK) {
            cb_log_error("http_poll_failed", "call=curl_multi_poll error=\"%s\"",
                         curl_multi_strerror(mc));
            return CB_E_INTERNAL;
        }
        fired = s_perform(http);
        if (fired != 0 || http->pending == 0) {
            return fired;
        }
    }
}

size_t
cb_http_pending(const cb_http_t *http)
{
    return http != NULL ? http->pending : 0;
}

void
cb_http_destroy(cb_http_t **http_p)
{
    if (http_p == NULL || *http_p == NULL) {
        return;
    }
    cb_http_t *http = *http_p;
    *http_p = NULL;
    http->destroying = true;
    while (http->xfers != NULL) {
        s_xfer_t *x = http->xfers;
        curl_multi_remove_handle(http->multi, x->easy);
        s_unlink(http, x);
        s_finish(x, CURLE_ABORTED_BY_CALLBACK, true);
    }
    curl_multi_cleanup(http->multi);
    free(http->user_agent);
    free(http->ca_file);
    free(http);
    curl_global_cleanup();
}

/* ---- the blocking convenience ------------------------------------------------ */

typedef struct {
    cb_http_result_t *out;
    bool done;
    int rc;
} s_wait_t;

static void
s_on_done_copy(const cb_http_resp_t *resp, void *arg)
{
    s_wait_t *w = arg;
    cb_http_result_t *out = w->out;
    w->done = true;
    out->resp = *resp;
    snprintf(out->error, sizeof out->error, "%s", resp->error);
    /* Appending "" makes an empty body or header block NUL-terminated too. */
    if (cb_buf_append(&out->body, resp->body, resp->body_len) != 0 ||
        cb_buf_append(&out->headers, resp->headers, resp->headers_len) != 0 ||
        cb_buf_append(&out->body, "", 0) != 0 || cb_buf_append(&out->headers, "", 0) != 0) {
        w->rc = CB_E_NOMEM;
    }
    out->resp.body = out->body.data != NULL ? out->body.data : "";
    out->resp.body_len = out->body.len;
    out->resp.headers = out->headers.data != NULL ? out->headers.data : "";
    out->resp.headers_len = out->headers.len;
    out->resp.error = out->error;
}

static void
s_abandon(cb_http_t *http, void *ctx)
{
    for (s_xfer_t *x = http->xfers; x != NULL; x = x->next) {
        if (x->ctx == ctx) {
            curl_multi_remove_handle(http->multi, x->easy);
            s_unlink(http, x);
            s_xfer_free(x);
            return;
        }
    }
}

int
cb_http_start(cb_http_t *http, const cb_http_req_t *req, cb_http_done_fn done, void *ctx)
{
    return s_start(http, req, false, done, ctx);
}

/* cb_http_do; once as s_start. */
static int
s_do(cb_http_t *http, const cb_http_req_t *req, bool once, cb_http_result_t *out)
{
    memset(out, 0, sizeof *out);
    cb_buf_init(&out->body);
    cb_buf_init(&out->headers);
    s_wait_t w = {out, false, 0};
    int rc = s_start(http, req, once, s_on_done_copy, &w);
    if (rc != 0) {
        return rc;
    }
    while (!w.done) {
        rc = cb_http_poll(http, 100);
        if (rc < 0) {
            /* libcurl failed (logged): the transfer is dropped without its
             * callback, since w dies with this frame. */
            s_abandon(http, &w);
            return rc;
        }
    }
    if (w.rc != 0) {
        cb_http_result_fini(out);
        return w.rc;
    }
    return 0;
}

int
cb_http_do(cb_http_t *http, const cb_http_req_t *req, cb_http_result_t *out)
{
    return s_do(http, req, false, out);
}

int
cb_http_do_once(cb_http_t *http, const cb_http_req_t *req, cb_http_result_t *out)
{
    return s_do(http, req, true, out);
}

void
cb_http_result_fini(cb_http_result_t *result)
{
    if (result == NULL) {
        return;
    }
    cb_buf_fini(&result->body);
    cb_buf_fini(&result->headers);
    result->resp.body = "";
    result->resp.body_len = 0;
    result->resp.headers = "";
    result->resp.headers_len = 0;
}

/* ---- header lookup ------------------------------------------------------------- */

bool
cb_http_resp_header_next(const cb_http_resp_t *resp, size_t *pos, const char **name,
                         size_t *name_len, const char **value)
{
    while (*pos < resp->headers_len) {
        const char *line = resp->headers + *pos;
        size_t len = strnlen(line, resp->headers_len - *pos);
        *pos += len + 1;
        const char *colon = memchr(line, ':', len);
        if (colon == NULL) {
            continue;
        }
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t') {
            v++;
        }
        *name = line;
        *name_len = (size_t) (colon - line);
        while (*name_len > 0 && (line[*name_len - 1] == ' ' || line[*name_len - 1] == '\t')) {
            (*name_len)--;
        }
        *value = v;
        return true;
    }
    return false;
}

const char *
cb_http_resp_header(const cb_http_resp_t *resp, const char *name)
{
    size_t pos = 0, want = strlen(name), len;
    const char *n, *v;
    while (cb_http_resp_header_next(resp, &pos, &n, &len, &v)) {
        if (len == want && strncasecmp(n, name, len) == 0) {
            return v;
        }
    }
    return NULL;
}
