/* sim_reply.c - small helpers every venue-sim handler shares: path pieces and each venue's error envelope */
#include <string.h>

#include "cb_json.h"
#include "sim_reply.h"

bool
sim_reply_name_is(const char *name, size_t len, const char *want)
{
    size_t n = strlen(want);
    return len == n && memcmp(name, want, n) == 0;
}

bool
sim_reply_path_has_prefix(const cb_httpd_req_t *req, const char *prefix)
{
    size_t n = strlen(prefix);
    return req->path_len >= n && memcmp(req->path, prefix, n) == 0;
}

void
sim_reply_kraken_error(cb_httpd_res_t *res, const char *error)
{
    cb_buf_reset(&res->body);
    cb_buf_appendf(&res->body, "{\"error\":[\"%s\"]}", error);
}

void
sim_reply_binance_error(cb_httpd_res_t *res, int status, int code, const char *msg)
{
    res->status = status;
    cb_buf_reset(&res->body);
    cb_buf_appendf(&res->body, "{\"code\":%d,\"msg\":", code);
    if (cb_json_write_string(&res->body, msg, strlen(msg)) != 0) {
        cb_buf_append_str(&res->body, "\"\"");
    }
    cb_buf_append_char(&res->body, '}');
}
