/* cb_httpd_framing.c - refuses HTTP/1 requests whose body length is ambiguous (RFC 9112 6.3), a request-smuggling vector h2o 2.2 lets through */
#include "cb_httpd_impl.h"

#include <string.h>
#include <strings.h>

/* h2o 2.2 keeps neither Content-Length nor Transfer-Encoding in req->headers
 * (it frames the body by Transfer-Encoding when both are sent, and by the
 * first Content-Length when several are), so the request head is read again
 * from the connection's input buffer, where h2o leaves it until the answer
 * has gone. */

static bool
s_name_is(const char *line, size_t name_len, const char *name)
{
    return name_len == strlen(name) && strncasecmp(line, name, name_len) == 0;
}

/* value without the optional white space around it */
static void
s_trim(const char **value, size_t *len)
{
    while (*len > 0 && (**value == ' ' || **value == '\t')) {
        (*value)++;
        (*len)--;
    }
    while (*len > 0 && ((*value)[*len - 1] == ' ' || (*value)[*len - 1] == '\t' ||
                        (*value)[*len - 1] == '\r')) {
        (*len)--;
    }
}

bool
cb_httpd_head_framing_conflict(const char *head, size_t len)
{
    const char *end = head + len;
    const char *line = memchr(head, '\n', len); /* past the request line */
    const char *first_cl = NULL;
    size_t first_cl_len = 0;
    bool te = false;
    bool cl_differs = false;
    while (line != NULL && ++line < end) {
        const char *eol = memchr(line, '\n', (size_t) (end - line));
        if (eol == NULL) {
            eol = end;
        }
        if (line[0] == '\r' || line[0] == '\n') {
            break; /* the blank line: the head ends */
        }
        const char *colon = memchr(line, ':', (size_t) (eol - line));
        if (colon != NULL) {
            size_t name_len = (size_t) (colon - line);
            const char *value = colon + 1;
            size_t value_len = (size_t) (eol - value);
            s_trim(&value, &value_len);
            if (s_name_is(line, name_len, "transfer-encoding")) {
                te = true;
            } else if (s_name_is(line, name_len, "content-length")) {
                if (first_cl == NULL) {
                    first_cl = value;
                    first_cl_len = value_len;
                } else if (value_len != first_cl_len || memcmp(value, first_cl, value_len) != 0) {
                    cl_differs = true;
                }
            }
        }
        line = eol < end ? eol : NULL;
    }
    return cl_differs || (te && first_cl != NULL);
}

bool
cb_httpd_impl_framing_conflict(h2o_req_t *req)
{
    if (req->version >= 0x200 || req->conn->callbacks->get_socket == NULL) {
        return false;
    }
    h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
    if (sock == NULL || sock->input == NULL || sock->input->size < req->method.len + 1) {
        return false;
    }
    const char *head = sock->input->bytes;
    size_t len = sock->input->size;
    /* Only when the buffer starts with this request's own request line. */
    if (memcmp(head, req->method.base, req->method.len) != 0 || head[req->method.len] != ' ') {
        return false;
    }
    const char *blank = memmem(head, len, "\r\n\r\n", 4);
    if (blank != NULL) {
        len = (size_t) (blank - head) + 2;
    }
    return cb_httpd_head_framing_conflict(head, len);
}
